/*
 * The /proc/<pid>/fd walk behind process attribution, done with directory file descriptors so
 * that a pid's stat, fd list and fd links all come from one process even if the pid is reused
 * while we read.
 */
#ifndef NSO_PROC_FDS_H
#define NSO_PROC_FDS_H

#include <stddef.h>
#include <stdint.h>

enum nso_proc_status { NSO_PROC_OK = 0, NSO_PROC_DENIED = 1, NSO_PROC_GONE = 2 };

/* Start time unknown: the tree has no <pid>/stat (a recorded fixture). */
#define NSO_START_UNKNOWN (-1.0)

struct nso_proc {
  int32_t pid;
  uint8_t status;
  double start;     /* field 22 of /proc/<pid>/stat, clock ticks since boot */
  char comm[128];   /* empty when unknown; the kernel allows 64 bytes */
  size_t fd_offset; /* into nso_proc_scan.fds */
  size_t fd_count;
};

struct nso_proc_scan {
  struct nso_proc *procs;
  size_t count, capacity;
  int32_t *fds; /* ascending per process */
  size_t fd_count, fd_capacity;
  int error; /* errno when the root itself could not be listed */
};

void nso_scan_procs(const char *root, struct nso_proc_scan *scan);
void nso_free_proc_scan(struct nso_proc_scan *scan);

/* Link results, per requested fd. */
#define NSO_LINK_GONE (-1.0)   /* fd closed, or the pid now names another process */
#define NSO_LINK_DENIED (-2.0) /* no permission */
#define NSO_LINK_OTHER 0.0     /* not a socket */

/*
 * For n (pid, expected start, fd) triples, grouped by pid: the socket inode each fd links to.
 * A pid whose start time differs from the expected one is a different process: every fd GONE.
 */
void nso_read_socket_links(const char *root, const int32_t *pids, const double *starts, const int32_t *fds, size_t n, double *out);

#endif
