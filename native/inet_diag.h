/*
 * NETLINK_SOCK_DIAG dumps of TCP/UDP sockets (what `ss` reads), packed into fixed-size records
 * so the JavaScript side decodes one buffer instead of receiving one object per socket.
 */
#ifndef NSO_INET_DIAG_H
#define NSO_INET_DIAG_H

#include <stddef.h>
#include <stdint.h>

/* Keep in step with src/netlink/records.ts. All integers host byte order, addresses as the
 * kernel sends them (network order bytes). */
struct nso_record {
  uint8_t family;   /* AF_INET or AF_INET6 */
  uint8_t state;    /* kernel enum tcp_state */
  uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
  uint8_t reserved;
  uint16_t sport;
  uint16_t dport;
  uint8_t src[16];
  uint8_t dst[16];
  uint32_t rqueue;
  uint32_t wqueue;
  uint32_t uid;
  uint32_t inode;
};

#define NSO_RECORD_SIZE 56

/* Doubles a records buffer (count * NSO_RECORD_SIZE bytes), from 1024 records; -1 when out of memory. */
int nso_grow_records(uint8_t **records, size_t *capacity);
#define NSO_STATE_SLOTS 16

enum nso_mode { NSO_RECORDS = 0, NSO_COUNTS = 1 };

struct nso_request {
  uint8_t family;
  uint8_t protocol;
  uint32_t states; /* bit (1 << state) per kernel state wanted: filtered in the kernel */
};

struct nso_result {
  enum nso_mode mode;
  uint8_t *records; /* NSO_RECORDS: malloc'd, count * NSO_RECORD_SIZE bytes */
  size_t count;
  size_t capacity;
  /* NSO_COUNTS: counts[protocol == UDP][state] */
  double counts[2][NSO_STATE_SLOTS];
  int error;          /* errno of the first failure, 0 on success */
  int failed_request; /* index of the request that failed */
  char message[160];
};

/* Runs every request in order on one netlink socket; fills result (error != 0 on failure). */
void nso_dump(const struct nso_request *requests, size_t n, struct nso_result *result);

#endif
