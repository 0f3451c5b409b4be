/*
 * A scanner for the text tables /proc/net/{tcp,tcp6,udp,udp6}, for when sock_diag cannot be
 * used (a container reading its host's /host/proc). It produces the same 56-byte records as the
 * sock_diag dump (inet_diag.h), so src/netlink/records.ts decodes both, or per-state counts.
 *
 * It accepts only what it fully understands: the kernel's own row layout, the subset of what
 * the JavaScript parser (src/procfs/net_ip_socket.ts) reads on its fast path, with the same
 * result. Anything else (a malformed line, an unexpected header, a file over the size limit, a
 * read error) makes it give up on the whole file with a reason, and the caller re-reads that
 * file with the JavaScript parser, which reports problems by file and line.
 */
#ifndef NSO_PROC_NET_H
#define NSO_PROC_NET_H

#include <stddef.h>
#include <stdint.h>

#include "inet_diag.h"

/* No kernel row is longer than ~200 bytes; a longer line is not a row this scanner vouches for. */
#define NSO_NET_MAX_LINE 4096

struct nso_net_scan {
  /* What to read: set by nso_net_scan_init. */
  uint8_t family;   /* AF_INET (one address word) or AF_INET6 (four) */
  uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP: only the record's protocol byte */
  uint32_t states;  /* bit (1 << state) per kernel state kept; other rows are skipped unread */
  enum nso_mode mode;

  /* Progress. */
  uint64_t line; /* 1-based number of the last line started */

  /* Result. */
  uint8_t *records; /* NSO_RECORDS: malloc'd, count * NSO_RECORD_SIZE bytes */
  size_t count, capacity;
  double counts[NSO_STATE_SLOTS]; /* NSO_COUNTS: rows per state code as printed */
  int fallback;                   /* nonzero: the answer is void, parse the file another way */
  char reason[160];               /* why, when fallback */
};

void nso_net_scan_init(struct nso_net_scan *scan, uint8_t family, uint8_t protocol, uint32_t states, enum nso_mode mode);

/*
 * Scans the complete lines of bytes[0, length) and returns how many bytes it used (the start of
 * the unfinished last line, which the caller passes again with more bytes). With `final`, the
 * rest is the last line. Sets scan->fallback (and returns 0) on anything it does not accept.
 * Chunking never changes the result.
 */
size_t nso_net_scan_feed(struct nso_net_scan *scan, const uint8_t *bytes, size_t length, int final);

/*
 * Reads the file at `path` with read() in large chunks and scans it. More than max_bytes (the
 * stated size of an ordinary file, or bytes actually read) is a fallback, as is any open or
 * read error: the caller's own read then produces its usual error.
 */
void nso_net_scan_file(const char *path, uint64_t max_bytes, struct nso_net_scan *scan);

void nso_net_scan_free(struct nso_net_scan *scan);

#endif
