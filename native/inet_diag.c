#define _GNU_SOURCE
#include "inet_diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

_Static_assert(sizeof(struct nso_record) == NSO_RECORD_SIZE, "record layout is shared with JavaScript");

/* The kernel fills at most ~32 KiB per dump message batch; a bigger buffer gains nothing. */
#define RECV_BUFFER 65536
/* A dump that stalls this long is abandoned rather than blocking a worker thread forever. */
#define RECV_TIMEOUT_SECONDS 10

static void fail(struct nso_result *result, int error, size_t request, const char *what) {
  if (result->error != 0) return;
  result->error = error;
  result->failed_request = (int)request;
  snprintf(result->message, sizeof result->message, "%s: %s", what, strerror(error));
}

int nso_grow_records(uint8_t **records, size_t *capacity) {
  size_t more = *capacity ? *capacity * 2 : 1024;
  uint8_t *bigger = realloc(*records, more * NSO_RECORD_SIZE);
  if (bigger == NULL) return -1;
  *records = bigger;
  *capacity = more;
  return 0;
}

static int take(const struct inet_diag_msg *msg, uint8_t protocol, struct nso_result *result) {
  if (result->mode == NSO_COUNTS) {
    result->counts[protocol == IPPROTO_UDP][msg->idiag_state & (NSO_STATE_SLOTS - 1)] += 1;
    return 0;
  }
  if (result->count == result->capacity && nso_grow_records(&result->records, &result->capacity) != 0) return -1;
  struct nso_record *r = (struct nso_record *)(result->records + result->count * NSO_RECORD_SIZE);
  r->family = msg->idiag_family;
  r->state = msg->idiag_state;
  r->protocol = protocol;
  r->reserved = 0;
  r->sport = ntohs(msg->id.idiag_sport);
  r->dport = ntohs(msg->id.idiag_dport);
  memcpy(r->src, msg->id.idiag_src, 16);
  memcpy(r->dst, msg->id.idiag_dst, 16);
  r->rqueue = msg->idiag_rqueue;
  r->wqueue = msg->idiag_wqueue;
  r->uid = msg->idiag_uid;
  r->inode = msg->idiag_inode;
  result->count++;
  return 0;
}

static int send_request(int fd, const struct nso_request *request, uint32_t seq) {
  struct {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
  } msg;
  memset(&msg, 0, sizeof msg);
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  msg.nlh.nlmsg_seq = seq;
  msg.req.sdiag_family = request->family;
  msg.req.sdiag_protocol = request->protocol;
  msg.req.idiag_states = request->states;
  /* No extensions: only the fixed inet_diag_msg is needed, which keeps messages small. */
  msg.req.idiag_ext = 0;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  for (;;) {
    ssize_t sent = sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&kernel, sizeof kernel);
    if (sent == (ssize_t)sizeof msg) return 0;
    if (sent < 0 && errno == EINTR) continue;
    return sent < 0 ? errno : EIO;
  }
}

/* Reads one dump to NLMSG_DONE. Returns 0, or an errno (the kernel's for NLMSG_ERROR). */
static int receive_dump(int fd, uint8_t *buffer, uint8_t protocol, uint32_t seq, struct nso_result *result) {
  for (;;) {
    ssize_t n = recv(fd, buffer, RECV_BUFFER, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
    }
    if (n == 0) return EIO;
    int len = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (unsigned)len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *err = NLMSG_DATA(h);
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof *err)) return EIO;
        return err->error == 0 ? 0 : -err->error;
      }
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg))) continue;
      if (take(NLMSG_DATA(h), protocol, result) != 0) return ENOMEM;
    }
  }
}

void nso_dump(const struct nso_request *requests, size_t n, struct nso_result *result) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    fail(result, errno, 0, "socket(AF_NETLINK, NETLINK_SOCK_DIAG)");
    return;
  }
  struct timeval timeout = {.tv_sec = RECV_TIMEOUT_SECONDS, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  uint8_t *buffer = malloc(RECV_BUFFER);
  if (buffer == NULL) {
    fail(result, ENOMEM, 0, "receive buffer");
    close(fd);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t seq = (uint32_t)i + 1;
    int error = send_request(fd, &requests[i], seq);
    if (error != 0) {
      fail(result, error, i, "send sock_diag request");
      break;
    }
    error = receive_dump(fd, buffer, requests[i].protocol, seq, result);
    if (error != 0) {
      char what[64];
      snprintf(what, sizeof what, "sock_diag dump (family %u, protocol %u)", requests[i].family, requests[i].protocol);
      fail(result, error, i, what);
      break;
    }
  }
  free(buffer);
  close(fd);
}
