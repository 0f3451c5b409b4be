/*
 * libFuzzer harness for the /proc/net table scanner (native/proc_net.c). Not part of the addon
 * build, npm scripts or CI: run it by hand after changing the scanner.
 *
 *   clang -g -O1 -std=gnu11 -Wall -Wextra -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     native/fuzz/proc_net_fuzz.c native/proc_net.c native/inet_diag.c -o /tmp/proc_net_fuzz
 *   mkdir -p /tmp/proc_net_seeds /tmp/proc_net_corpus && i=0 && for t in tcp tcp6 udp udp6; do \
 *     printf "\\x0$i\\xff\\xff\\x00\\x00\\x07" | cat - fixtures/recorded/loopback-states/net/$t > /tmp/proc_net_seeds/$t; \
 *     i=$((i+1)); done
 *   /tmp/proc_net_fuzz -max_total_time=300 -max_len=65536 /tmp/proc_net_corpus /tmp/proc_net_seeds
 *
 * (The 6-byte prefix: byte 0 = table (0 tcp, 1 tcp6, 2 udp, 3 udp6; +4 counts), mask 0xffff,
 * chunk 7 * 7 + 1 bytes. Tables of ../shared/corpus make good seeds too, prefixed the same way.)
 *
 * (Debian: apt-get install clang libclang-rt-14-dev.) Input layout: byte 0 picks family,
 * protocol and mode; bytes 1-4 the state mask; byte 5 the chunk size of the streamed feed and the
 * size limit; the rest is the table. Beyond what the sanitizers catch, it checks that
 *  - feeding the table in chunks, as the file reader does, gives the result of feeding it whole;
 *  - reading it through nso_net_scan_file (a memfd) gives that result too, and a table over the
 *    size limit is always declined;
 *  - an accepted result is plausible: records of the asked family and protocol, in asked states.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../proc_net.h"

struct params {
  uint8_t family, protocol;
  enum nso_mode mode;
  uint32_t states;
  size_t chunk;
};

static void scan_whole(const struct params *p, const uint8_t *text, size_t size, struct nso_net_scan *out) {
  nso_net_scan_init(out, p->family, p->protocol, p->states, p->mode);
  nso_net_scan_feed(out, text, size, 1);
}

/* The file reader's loop (proc_net.c scan_fd) over an in-memory table, `chunk` bytes per read. */
static void scan_chunked(const struct params *p, const uint8_t *text, size_t size, struct nso_net_scan *out) {
  nso_net_scan_init(out, p->family, p->protocol, p->states, p->mode);
  uint8_t *buffer = malloc(p->chunk + NSO_NET_MAX_LINE + 1);
  size_t filled = 0, offset = 0;
  while (!out->fallback) {
    size_t n = size - offset < p->chunk ? size - offset : p->chunk;
    if (n == 0) {
      nso_net_scan_feed(out, buffer, filled, 1);
      break;
    }
    memcpy(buffer + filled, text + offset, n);
    offset += n;
    filled += n;
    size_t used = nso_net_scan_feed(out, buffer, filled, 0);
    assert(used <= filled);
    memmove(buffer, buffer + used, filled - used);
    filled -= used;
    assert(out->fallback || filled <= NSO_NET_MAX_LINE);
  }
  free(buffer);
}

static void scan_memfd(const struct params *p, const uint8_t *text, size_t size, uint64_t max_bytes, struct nso_net_scan *out) {
  nso_net_scan_init(out, p->family, p->protocol, p->states, p->mode);
  int fd = memfd_create("proc_net_fuzz", MFD_CLOEXEC);
  assert(fd >= 0);
  assert(write(fd, text, size) == (ssize_t)size);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  nso_net_scan_file(path, max_bytes, out);
  close(fd);
}

static void expect_same(const struct nso_net_scan *a, const struct nso_net_scan *b) {
  assert(a->fallback == b->fallback);
  if (a->fallback) return;
  assert(a->count == b->count);
  assert(a->count == 0 || memcmp(a->records, b->records, a->count * NSO_RECORD_SIZE) == 0);
  assert(memcmp(a->counts, b->counts, sizeof a->counts) == 0);
}

static void expect_plausible(const struct params *p, const struct nso_net_scan *s, size_t size) {
  if (s->fallback) return;
  assert(s->count <= size / 40 + 1); /* a row is far longer than 40 bytes */
  for (size_t i = 0; i < s->count; i++) {
    const struct nso_record *r = (const struct nso_record *)(s->records + i * NSO_RECORD_SIZE);
    assert(r->family == p->family && r->protocol == p->protocol && r->reserved == 0);
    assert(r->state >= 1 && r->state <= 11);
    assert((p->states & (1u << r->state)) || (r->state == 3 && (p->states & (1u << 12))));
    if (p->family == AF_INET) {
      for (int b = 4; b < 16; b++) assert(r->src[b] == 0 && r->dst[b] == 0);
    }
  }
  double rows = 0;
  for (int code = 0; code < NSO_STATE_SLOTS; code++) {
    if (s->counts[code] != 0) assert(code >= 1 && code <= 12 && (p->states & (1u << code)));
    rows += s->counts[code];
  }
  assert(rows <= (double)(size / 40 + 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 6) return 0;
  struct params p = {
      .family = (data[0] & 1) ? AF_INET6 : AF_INET,
      .protocol = (data[0] & 2) ? IPPROTO_UDP : IPPROTO_TCP,
      .mode = (data[0] & 4) ? NSO_COUNTS : NSO_RECORDS,
      .states = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24,
      .chunk = (size_t)data[5] * 7 + 1,
  };
  const uint8_t *text = data + 6;
  size_t length = size - 6;
  /* Mostly no limit in reach; sometimes one the table may cross. */
  uint64_t max_bytes = (data[0] & 0x18) == 0x18 ? (uint64_t)data[5] * 16 : UINT64_MAX / 2;

  struct nso_net_scan whole, chunked, file;
  scan_whole(&p, text, length, &whole);
  scan_chunked(&p, text, length, &chunked);
  scan_memfd(&p, text, length, max_bytes, &file);
  expect_plausible(&p, &whole, length);
  expect_same(&whole, &chunked);
  if (length > max_bytes) assert(file.fallback);
  else expect_same(&whole, &file);
  nso_net_scan_free(&whole);
  nso_net_scan_free(&chunked);
  nso_net_scan_free(&file);
  return 0;
}
