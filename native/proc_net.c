#define _GNU_SOURCE
#include "proc_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Bytes per read(). An ordinary file (a recording, /host/proc on some runtimes) fills it in one
 * call and the scan then runs over bytes still in the L2 cache; procfs hands out about a page
 * per read() whatever is asked, so for it the size only bounds the buffer.
 */
#define READ_CHUNK (256 * 1024)
/* The JavaScript parser's limit for a decimal field: more digits are not exact in a double. */
#define MAX_DIGITS 15
/* The JavaScript parser only looks for the header in a line's first 200 characters. */
#define HEADER_WINDOW 200

/* The per-byte helpers, inlined into the row scan: the calls cost as much as the work (perf). */
#define HOT static inline __attribute__((always_inline))

enum { STATE_SYN_RECV = 3, STATE_LISTEN = 10, STATE_NEW_SYN_RECV = 12, LAST_STATE = 12 };

/* Hex digit value plus one, 0 for any other byte: one lookup both checks and converts. */
static const uint8_t HEX1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

__attribute__((format(printf, 2, 3))) static void fall_back(struct nso_net_scan *scan, const char *format, ...) {
  if (scan->fallback) return;
  scan->fallback = 1;
  va_list args;
  va_start(args, format);
  vsnprintf(scan->reason, sizeof scan->reason, format, args);
  va_end(args);
}

void nso_net_scan_init(struct nso_net_scan *scan, uint8_t family, uint8_t protocol, uint32_t states, enum nso_mode mode) {
  memset(scan, 0, sizeof *scan);
  scan->family = family;
  scan->protocol = protocol;
  scan->states = states;
  scan->mode = mode;
}

void nso_net_scan_free(struct nso_net_scan *scan) {
  free(scan->records);
  scan->records = NULL;
  scan->count = scan->capacity = 0;
}

/* --- one line -------------------------------------------------------------------------------
 *
 * Each step below mirrors one step of the fast path in src/procfs/net_ip_socket.ts (LineScanner)
 * and is never more lenient than it: whatever this accepts, the JavaScript parser reads the same
 * way; whatever it does not, it leaves to the JavaScript parser.
 */

struct cursor {
  const uint8_t *p;
  const uint8_t *end; /* the line's end, its newline excluded */
};

/* Spaces, at least one when `required`; false at the line's end (skipSpaces). */
HOT bool spaces(struct cursor *c, bool required) {
  const uint8_t *from = c->p;
  while (c->p < c->end && *c->p == ' ') c->p++;
  return c->p < c->end && (!required || c->p > from);
}

HOT bool expect(struct cursor *c, uint8_t byte) {
  if (c->p >= c->end || *c->p != byte) return false;
  c->p++;
  return true;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ONES 0x0101010101010101ULL
#define HIGH_BITS (0x80 * ONES)

/*
 * Eight hex digits at once (SWAR), for the 8-digit address words and queues, which are most of
 * a row's bytes: checking and converting them a byte at a time was most of the scan's time.
 * Every byte is first checked to be ASCII, so the per-byte additions below never carry into the
 * next byte.
 */
HOT bool hex8(const uint8_t *p, uint32_t *out) {
  uint64_t x;
  memcpy(&x, p, 8);
  if (x & HIGH_BITS) return false;
  /* Digits are checked as they are: folding first would let 0x10-0x19 pass as '0'-'9'. */
  uint64_t digit = ((x + 0x50 * ONES) & ~(x + 0x46 * ONES)) & HIGH_BITS; /* 0x30 <= b <= 0x39 */
  uint64_t v = x | (0x20 * ONES);                                          /* 'A'-'F' -> 'a'-'f' */
  uint64_t letter = ((v + 0x1f * ONES) & ~(v + 0x19 * ONES)) & HIGH_BITS; /* 0x61 <= b <= 0x66 */
  if ((digit | letter) != HIGH_BITS) return false;
  /* Nibble values, first character in the lowest byte; letters' low nibble 1-6 plus 9. */
  uint64_t nibbles = (x & (0x0f * ONES)) + (letter >> 7) * 9;
  /* Fold pairs of nibbles, then pairs of bytes, then pairs of 16-bit halves, first = most significant. */
  uint64_t bytes = ((nibbles & 0x00ff00ff00ff00ffULL) << 4) | ((nibbles >> 8) & 0x00ff00ff00ff00ffULL);
  uint64_t halves = ((bytes & 0x000000ff000000ffULL) << 8) | ((bytes >> 16) & 0x000000ff000000ffULL);
  *out = (uint32_t)(((halves & 0xffff) << 16) | ((halves >> 32) & 0xffff));
  return true;
}
#else
HOT bool hex8(const uint8_t *p, uint32_t *out) {
  uint32_t value = 0;
  for (int i = 0; i < 8; i++) {
    unsigned d = HEX1[p[i]];
    if (d == 0) return false;
    value = (value << 4) | (d - 1);
  }
  *out = value;
  return true;
}
#endif

/* Exactly `digits` hex digits (at most 8), either case. */
HOT bool hex_fixed(struct cursor *c, int digits, uint32_t *out) {
  if (digits == 8) {
    if (c->end - c->p < 8 || !hex8(c->p, out)) return false;
    c->p += 8;
    return true;
  }
  if (c->end - c->p < digits) return false;
  uint32_t value = 0;
  unsigned missing = 0;
  /* No early exit: a branch per digit costs more than the rare bad digit saves. */
  for (int i = 0; i < digits; i++) {
    unsigned d = HEX1[c->p[i]];
    missing |= d == 0;
    value = (value << 4) | ((d - 1) & 0xf);
  }
  if (missing) return false;
  c->p += digits;
  *out = value;
  return true;
}

/*
 * 1 to MAX_DIGITS decimal digits followed by `terminator`; a space terminator also accepts the
 * line's end (decimal()).
 */
HOT bool decimal(struct cursor *c, uint8_t terminator, uint64_t *out) {
  const uint8_t *p = c->p;
  uint64_t value = 0;
  size_t n = 0;
  while (p + n < c->end && p[n] >= '0' && p[n] <= '9') {
    if (n == MAX_DIGITS) return false;
    value = value * 10 + (uint64_t)(p[n] - '0');
    n++;
  }
  if (n == 0) return false;
  if (p + n < c->end ? p[n] != terminator : terminator != ' ') return false;
  c->p = p + n;
  *out = value;
  return true;
}

/* A field nobody reads (tr:tm->when, retrnsmt, timeout): printable ASCII up to a space (skipField). */
HOT bool skip_field(struct cursor *c) {
  while (c->p < c->end && *c->p != ' ') {
    if (*c->p < 0x20 || *c->p >= 0x7f) return false;
    c->p++;
  }
  return true;
}

/*
 * Address words then `:port`. /proc prints each 32-bit word with %08X of the word as it sits in
 * memory, in host byte order; storing the parsed value back in host order gives the bytes in
 * network order, which is how sock_diag hands addresses over (and what decodeRecords expects).
 */
HOT bool endpoint(struct cursor *c, int words, uint8_t address[16], uint16_t *port) {
  for (int i = 0; i < words; i++) {
    uint32_t word;
    if (!hex_fixed(c, 8, &word)) return false;
    memcpy(address + 4 * i, &word, 4);
  }
  uint32_t value;
  if (!expect(c, ':') || !hex_fixed(c, 4, &value)) return false;
  *port = (uint16_t)value;
  return true;
}

HOT bool is_blank(const uint8_t *p, const uint8_t *end) {
  while (p < end && *p == ' ') p++;
  return p == end;
}

/* `^ *sl +local_address` within the first HEADER_WINDOW bytes (the JavaScript HEADER regex, for spaces). */
static bool is_header(const uint8_t *line, const uint8_t *end) {
  const uint8_t *p = line;
  if (end - line > HEADER_WINDOW) end = line + HEADER_WINDOW;
  while (p < end && *p == ' ') p++;
  if (end - p < 2 || p[0] != 's' || p[1] != 'l') return false;
  p += 2;
  const uint8_t *gap = p;
  while (p < end && *p == ' ') p++;
  return p > gap && end - p >= 13 && memcmp(p, "local_address", 13) == 0;
}

/*
 * One socket row. Returns NULL when the row was taken or skipped (its state filtered out, or a
 * blank line), else what was wrong with it. The record is written straight into the next free
 * slot and only counted once the whole row has been checked.
 */
static const char *scan_row(struct nso_net_scan *scan, const uint8_t *line, const uint8_t *end) {
  struct cursor c = {line, end};
  if (is_blank(line, end)) return NULL; /* what the JavaScript parser skips too */
  if (scan->mode == NSO_RECORDS && scan->count == scan->capacity && nso_grow_records(&scan->records, &scan->capacity) != 0) return "out of memory";
  struct nso_record scratch;
  struct nso_record *r = scan->mode == NSO_RECORDS ? (struct nso_record *)(scan->records + scan->count * NSO_RECORD_SIZE) : &scratch;
  int words = scan->family == AF_INET6 ? 4 : 1;
  uint64_t slot, uid, inode;
  uint32_t state, tx, rx;

  if (!spaces(&c, false) || !decimal(&c, ':', &slot) || !expect(&c, ':') || !spaces(&c, true)) return "slot is not \"N:\"";
  if (words == 1) {
    memset(r->src + 4, 0, 12);
    memset(r->dst + 4, 0, 12);
  }
  if (!endpoint(&c, words, r->src, &r->sport) || !spaces(&c, true)) return "local address";
  if (!endpoint(&c, words, r->dst, &r->dport) || !spaces(&c, true)) return "remote address";
  if (!hex_fixed(&c, 2, &state) || state == 0 || state > LAST_STATE || c.p >= c.end || *c.p != ' ') return "state";
  /* As the JavaScript parser does: a row in a state not asked for is not read further. */
  if ((scan->states & (1u << state)) == 0) return NULL;
  if (!spaces(&c, true) || !hex_fixed(&c, 8, &tx) || !expect(&c, ':') || !hex_fixed(&c, 8, &rx)) return "queues";
  if (!spaces(&c, true) || !skip_field(&c) || !spaces(&c, true) || !skip_field(&c) || !spaces(&c, true)) return "timer fields";
  if (!decimal(&c, ' ', &uid) || uid > UINT32_MAX) return "uid";
  if (!spaces(&c, true) || !skip_field(&c) || !spaces(&c, true)) return "timeout";
  /* The record holds 32 bits, as sock_diag's idiag_inode: a larger inode is for the JavaScript parser. */
  if (!decimal(&c, ' ', &inode) || inode > UINT32_MAX) return "inode";

  if (scan->mode == NSO_COUNTS) {
    scan->counts[state] += 1;
    return NULL;
  }
  /*
   * decodeRecords shows a TCP listener's send queue as 0, because sock_diag reports the backlog
   * limit there; /proc prints the real write queue, which is 0 for every listener that never
   * connected. A listener showing anything else must keep it, so the JavaScript parser reads it.
   */
  if (scan->protocol == IPPROTO_TCP && state == STATE_LISTEN && tx != 0) return "listener with a send queue";
  r->family = scan->family;
  /*
   * /proc prints request sockets as SYN_RECV (3), but a row may say NEW_SYN_RECV (12): both are
   * `syn_received`. Stored as 3, because decodeRecords treats 12 as sock_diag's request socket
   * and replaces its uid with the listener's, where /proc printed the uid itself.
   */
  r->state = (uint8_t)(state == STATE_NEW_SYN_RECV ? STATE_SYN_RECV : state);
  r->protocol = scan->protocol;
  r->reserved = 0;
  r->rqueue = rx;
  r->wqueue = tx;
  r->uid = (uint32_t)uid;
  r->inode = (uint32_t)inode;
  scan->count++;
  return NULL;
}

static void scan_line(struct nso_net_scan *scan, const uint8_t *line, const uint8_t *end) {
  scan->line++;
  /* A CRLF file is no kernel table. The JavaScript parser takes its rows by one route or another
   * depending on where each \r falls; rather than mirror both, the scanner leaves it the file. */
  if (end > line && end[-1] == '\r') {
    fall_back(scan, "line %llu: ends in a carriage return", (unsigned long long)scan->line);
    return;
  }
  if (scan->line == 1) {
    if (!is_header(line, end)) fall_back(scan, "line 1: not the \"sl local_address\" header");
    return;
  }
  const char *problem = scan_row(scan, line, end);
  if (problem != NULL) fall_back(scan, "line %llu: %s", (unsigned long long)scan->line, problem);
}

size_t nso_net_scan_feed(struct nso_net_scan *scan, const uint8_t *bytes, size_t length, int final) {
  size_t from = 0;
  while (!scan->fallback) {
    const uint8_t *newline = memchr(bytes + from, '\n', length - from);
    size_t end = newline != NULL ? (size_t)(newline - bytes) : length;
    if (end - from > NSO_NET_MAX_LINE) {
      fall_back(scan, "line %llu: longer than %d bytes", (unsigned long long)scan->line + 1, NSO_NET_MAX_LINE);
      break;
    }
    if (newline == NULL && !final) return from;
    scan_line(scan, bytes + from, bytes + end);
    if (newline == NULL) return length;
    from = end + 1;
    /* A final newline ends the file: nothing follows it. */
    if (from == length && final) return length;
  }
  return 0;
}

/* --- the file ------------------------------------------------------------------------------ */

/* Read and scan until EOF, fallback, or the limit; `buffer` holds READ_CHUNK bytes. */
static void scan_fd(int fd, uint64_t max_bytes, uint8_t *buffer, struct nso_net_scan *scan) {
  size_t filled = 0;
  uint64_t total = 0;
  while (!scan->fallback) {
    ssize_t n = read(fd, buffer + filled, READ_CHUNK - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      fall_back(scan, "read: %s", strerror(errno));
      return;
    }
    if (n == 0) {
      nso_net_scan_feed(scan, buffer, filled, 1);
      return;
    }
    total += (uint64_t)n;
    if (total > max_bytes) {
      fall_back(scan, "more than %llu bytes", (unsigned long long)max_bytes);
      return;
    }
    filled += (size_t)n;
    size_t used = nso_net_scan_feed(scan, buffer, filled, 0);
    /* The unfinished line moves to the front; it is at most NSO_NET_MAX_LINE bytes, so the
     * buffer always has room for the next read. */
    memmove(buffer, buffer + used, filled - used);
    filled -= used;
  }
}

void nso_net_scan_file(const char *path, uint64_t max_bytes, struct nso_net_scan *scan) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fall_back(scan, "open: %s", strerror(errno));
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    fall_back(scan, "fstat: %s", strerror(errno));
  } else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes) {
    /* A recording bigger than the limit is refused before any read, as KernelFs.openLimited does. */
    fall_back(scan, "%lld bytes, over the %llu-byte limit", (long long)st.st_size, (unsigned long long)max_bytes);
  } else {
    uint8_t *buffer = malloc(READ_CHUNK);
    if (buffer == NULL) fall_back(scan, "out of memory");
    else scan_fd(fd, max_bytes, buffer, scan);
    free(buffer);
  }
  close(fd);
  if (scan->fallback) nso_net_scan_free(scan);
}
