#define _GNU_SOURCE
#include "proc_fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

#define DIRENT_BUFFER 65536

static int parse_uint(const char *s, int32_t *out) {
  if (*s < '0' || *s > '9') return -1;
  int64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v > INT32_MAX) return -1;
  }
  *out = (int32_t)v;
  return 0;
}

static int compare_int32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Reads a small file relative to dirfd into buf (NUL-terminated). Returns length or -errno. */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t size) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  size_t total = 0;
  while (total + 1 < size) {
    ssize_t n = read(fd, buf + total, size - 1 - total);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      return -e;
    }
    if (n == 0) break;
    total += (size_t)n;
  }
  close(fd);
  buf[total] = '\0';
  return (ssize_t)total;
}

/*
 * comm and start time from "<pid> (<comm>) <state> <ppid> ... <starttime> ...": comm may hold
 * spaces and ')', so it ends at the last ')'; starttime is field 22, the 20th after it.
 */
static int parse_stat(const char *text, char *comm, size_t comm_size, double *start) {
  const char *open = strchr(text, '(');
  const char *close_paren = strrchr(text, ')');
  if (open == NULL || close_paren == NULL || close_paren < open) return -1;
  size_t len = (size_t)(close_paren - open - 1);
  if (len >= comm_size) len = comm_size - 1;
  memcpy(comm, open + 1, len);
  comm[len] = '\0';
  const char *p = close_paren + 1;
  for (int field = 3; field <= 22; field++) {
    while (*p == ' ') p++;
    if (*p == '\0') return -1;
    if (field == 22) {
      char *end;
      unsigned long long v = strtoull(p, &end, 10);
      if (end == p) return -1;
      *start = (double)v;
      return 0;
    }
    while (*p && *p != ' ') p++;
  }
  return -1;
}

/* A recorded tree has <pid>/comm and no stat. */
static void read_identity(int piddir, struct nso_proc *proc) {
  char buf[1024];
  proc->start = NSO_START_UNKNOWN;
  proc->comm[0] = '\0';
  if (read_small(piddir, "stat", buf, sizeof buf) > 0 && parse_stat(buf, proc->comm, sizeof proc->comm, &proc->start) == 0) return;
  ssize_t n = read_small(piddir, "comm", buf, sizeof buf);
  if (n <= 0) return;
  if (buf[n - 1] == '\n') buf[--n] = '\0';
  size_t len = (size_t)n < sizeof proc->comm - 1 ? (size_t)n : sizeof proc->comm - 1;
  memcpy(proc->comm, buf, len);
  proc->comm[len] = '\0';
}

static int push_fd(struct nso_proc_scan *scan, int32_t fd) {
  if (scan->fd_count == scan->fd_capacity) {
    size_t capacity = scan->fd_capacity ? scan->fd_capacity * 2 : 4096;
    int32_t *bigger = realloc(scan->fds, capacity * sizeof *bigger);
    if (bigger == NULL) return -1;
    scan->fds = bigger;
    scan->fd_capacity = capacity;
  }
  scan->fds[scan->fd_count++] = fd;
  return 0;
}

/* Lists fd numbers with getdents64 (no per-entry stat, unlike readdir+d_type fallbacks). */
static int list_fds(int fddir, struct nso_proc_scan *scan, char *buffer) {
  for (;;) {
    long n = syscall(SYS_getdents64, fddir, buffer, DIRENT_BUFFER);
    if (n < 0) return errno;
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buffer + off);
      off += d->d_reclen;
      int32_t fd;
      if (parse_uint(d->d_name, &fd) == 0 && push_fd(scan, fd) != 0) return ENOMEM;
    }
  }
}

static struct nso_proc *push_proc(struct nso_proc_scan *scan) {
  if (scan->count == scan->capacity) {
    size_t capacity = scan->capacity ? scan->capacity * 2 : 256;
    struct nso_proc *bigger = realloc(scan->procs, capacity * sizeof *bigger);
    if (bigger == NULL) return NULL;
    scan->procs = bigger;
    scan->capacity = capacity;
  }
  struct nso_proc *proc = &scan->procs[scan->count++];
  memset(proc, 0, sizeof *proc);
  return proc;
}

static void scan_one(int rootfd, int32_t pid, const char *name, struct nso_proc_scan *scan, char *buffer) {
  int piddir = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (piddir < 0) return; /* exited since the root was listed */
  struct nso_proc *proc = push_proc(scan);
  if (proc == NULL) {
    close(piddir);
    return;
  }
  proc->pid = pid;
  proc->fd_offset = scan->fd_count;
  int fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fddir < 0) {
    proc->status = (errno == EACCES || errno == EPERM) ? NSO_PROC_DENIED : NSO_PROC_GONE;
    close(piddir);
    return;
  }
  int error = list_fds(fddir, scan, buffer);
  close(fddir);
  if (error != 0) {
    scan->fd_count = proc->fd_offset;
    proc->status = (error == EACCES || error == EPERM) ? NSO_PROC_DENIED : NSO_PROC_GONE;
    close(piddir);
    return;
  }
  proc->fd_count = scan->fd_count - proc->fd_offset;
  int32_t *fds = scan->fds + proc->fd_offset;
  for (size_t i = 1; i < proc->fd_count; i++) {
    if (fds[i - 1] > fds[i]) {
      qsort(fds, proc->fd_count, sizeof *fds, compare_int32);
      break;
    }
  }
  /* Kernel threads and most daemons' empty fd tables need no identity: nothing to attribute. */
  if (proc->fd_count > 0) read_identity(piddir, proc);
  else proc->start = NSO_START_UNKNOWN;
  close(piddir);
  proc->status = NSO_PROC_OK;
}

void nso_scan_procs(const char *root, struct nso_proc_scan *scan) {
  memset(scan, 0, sizeof *scan);
  int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    scan->error = errno;
    return;
  }
  char *buffer = malloc(DIRENT_BUFFER);
  char *fdbuffer = malloc(DIRENT_BUFFER);
  if (buffer == NULL || fdbuffer == NULL) {
    scan->error = ENOMEM;
    free(buffer);
    free(fdbuffer);
    close(rootfd);
    return;
  }
  /* Collect pids first: the fd listing below reuses the dirent buffer. */
  int32_t *pids = NULL;
  size_t npids = 0, cap = 0;
  for (;;) {
    long n = syscall(SYS_getdents64, rootfd, buffer, DIRENT_BUFFER);
    if (n < 0) {
      scan->error = errno;
      break;
    }
    if (n == 0) break;
    for (long off = 0; off < n;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buffer + off);
      off += d->d_reclen;
      int32_t pid;
      if (parse_uint(d->d_name, &pid) != 0) continue;
      if (npids == cap) {
        cap = cap ? cap * 2 : 512;
        int32_t *bigger = realloc(pids, cap * sizeof *bigger);
        if (bigger == NULL) {
          scan->error = ENOMEM;
          goto done;
        }
        pids = bigger;
      }
      pids[npids++] = pid;
    }
  }
  qsort(pids, npids, sizeof *pids, compare_int32);
  for (size_t i = 0; i < npids; i++) {
    char name[16];
    snprintf(name, sizeof name, "%d", pids[i]);
    scan_one(rootfd, pids[i], name, scan, fdbuffer);
  }
done:
  free(pids);
  free(buffer);
  free(fdbuffer);
  close(rootfd);
}

void nso_free_proc_scan(struct nso_proc_scan *scan) {
  free(scan->procs);
  free(scan->fds);
  memset(scan, 0, sizeof *scan);
}

/* "socket:[12345]" -> 12345; anything else 0. */
static double socket_inode(const char *link, ssize_t len) {
  static const char prefix[] = "socket:[";
  const ssize_t plen = (ssize_t)sizeof prefix - 1;
  if (len <= plen + 1 || memcmp(link, prefix, (size_t)plen) != 0 || link[len - 1] != ']') return NSO_LINK_OTHER;
  double v = 0;
  for (ssize_t i = plen; i < len - 1; i++) {
    if (link[i] < '0' || link[i] > '9') return NSO_LINK_OTHER;
    v = v * 10 + (link[i] - '0');
  }
  return v;
}

static void fill(double *out, size_t from, size_t to, double value) {
  for (size_t i = from; i < to; i++) out[i] = value;
}

void nso_read_socket_links(const char *root, const int32_t *pids, const double *starts, const int32_t *fds, size_t n, double *out) {
  int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    fill(out, 0, n, NSO_LINK_GONE);
    return;
  }
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    while (end < n && pids[end] == pids[i]) end++;
    char name[16];
    snprintf(name, sizeof name, "%d", pids[i]);
    int piddir = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fddir = piddir < 0 ? -1 : openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fddir < 0) {
      fill(out, i, end, errno == EACCES || errno == EPERM ? NSO_LINK_DENIED : NSO_LINK_GONE);
    } else {
      /* The same pid may now be another process: check its start time through the same dirfd. */
      struct nso_proc now;
      read_identity(piddir, &now);
      if (starts[i] != NSO_START_UNKNOWN && now.start != starts[i]) {
        fill(out, i, end, NSO_LINK_GONE);
      } else {
        for (size_t k = i; k < end; k++) {
          char fdname[16], link[64];
          snprintf(fdname, sizeof fdname, "%d", fds[k]);
          ssize_t len = readlinkat(fddir, fdname, link, sizeof link);
          if (len < 0) out[k] = (errno == EACCES || errno == EPERM) ? NSO_LINK_DENIED : NSO_LINK_GONE;
          else out[k] = socket_inode(link, len);
        }
      }
    }
    if (fddir >= 0) close(fddir);
    if (piddir >= 0) close(piddir);
    i = end;
  }
  close(rootfd);
}
