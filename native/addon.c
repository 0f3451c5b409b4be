/*
 * N-API glue for netstat-otel's Linux fast paths (plain C against node_api.h, so the build
 * needs Node's headers and a compiler, and no npm dependency).
 *
 *   dumpSockets(requests: Uint32Array [family, protocol, states]*, counts: boolean): Promise<ArrayBuffer>
 *     records (56 bytes each, see inet_diag.h) or, with counts, Float64Array-able [2][16] counts.
 *     Runs on the libuv pool: a dump of a million sockets must not stall the event loop.
 *   scanProcesses(procRoot: string): { pids, starts, status, fdOffsets, fds, comms }
 *   readSocketLinks(procRoot, pids: Int32Array, starts: Float64Array, fds: Int32Array): Float64Array
 *     Synchronous: procfs answers from memory, and the thread hop would cost more than the work.
 *   scanProcNet(path, family, protocol, states, counts: boolean, maxBytes): Promise<ArrayBuffer | string>
 *     One /proc/net/{tcp,tcp6,udp,udp6} table scanned in C (proc_net.h): records as dumpSockets
 *     makes them, or 16 float64 counts by state code; a string says why the caller must parse
 *     the file itself. On the libuv pool: a 500k-socket table is tens of MB of text.
 *   trimMemory(): boolean
 *     glibc's malloc_trim(0): hands the free pages inside malloc's heaps back to the kernel.
 *     A sample frees megabytes in small pieces (fd links, file reads, compiler zones) that glibc
 *     keeps, fragmented, so a sidecar's RSS creeps up for hours; true if anything was released.
 *     false where there is no glibc (musl, other platforms).
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "inet_diag.h"
#include "proc_fds.h"
#include "proc_net.h"

/* Bumped with src/netlink/addon.ts ADDON_ABI_VERSION: a stale build is then refused, not misused. */
#define ABI_VERSION 3

#define CHECK(env, call)                                       \
  do {                                                         \
    if ((call) != napi_ok) {                                   \
      napi_throw_error((env), NULL, "napi call failed: " #call); \
      return NULL;                                             \
    }                                                          \
  } while (0)

#define MAX_REQUESTS 16

struct dump_work {
  napi_async_work work;
  napi_deferred deferred;
  struct nso_request requests[MAX_REQUESTS];
  size_t n;
  struct nso_result result;
};

static void dump_execute(napi_env env, void *data) {
  (void)env;
  struct dump_work *w = data;
  nso_dump(w->requests, w->n, &w->result);
}

static void free_records(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static const char *errno_code(int error) {
  switch (error) {
    case ENOENT: return "ENOENT";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "EIO";
  }
}

/* Records handed to V8 without a copy (they can be tens of MB), copied where externals are refused; *records is NULL after. */
static napi_value records_buffer(napi_env env, uint8_t **records, size_t count) {
  napi_value value = NULL;
  void *bytes;
  size_t length = count * NSO_RECORD_SIZE;
  if (length > 0 && napi_create_external_arraybuffer(env, *records, length, free_records, NULL, &value) == napi_ok) {
    *records = NULL; /* V8 owns them now */
    return value;
  }
  if (napi_create_arraybuffer(env, length, &bytes, &value) == napi_ok && length > 0) memcpy(bytes, *records, length);
  free(*records);
  *records = NULL;
  return value;
}

/* A copy of a fixed-size table of counts (float64s). */
static napi_value counts_buffer(napi_env env, const void *counts, size_t size) {
  napi_value value = NULL;
  void *bytes;
  if (napi_create_arraybuffer(env, size, &bytes, &value) == napi_ok) memcpy(bytes, counts, size);
  return value;
}

static void dump_complete(napi_env env, napi_status status, void *data) {
  struct dump_work *w = data;
  if (status != napi_ok || w->result.error != 0) {
    napi_value message, code, error, request;
    const char *text = status != napi_ok ? "dump cancelled" : w->result.message;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
    napi_create_string_utf8(env, errno_code(w->result.error), NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, message, &error);
    napi_create_int32(env, w->result.failed_request, &request);
    napi_set_named_property(env, error, "request", request);
    napi_reject_deferred(env, w->deferred, error);
  } else {
    napi_value value = w->result.mode == NSO_COUNTS ? counts_buffer(env, w->result.counts, sizeof w->result.counts)
                                                     : records_buffer(env, &w->result.records, w->result.count);
    napi_resolve_deferred(env, w->deferred, value);
  }
  free(w->result.records);
  napi_delete_async_work(env, w->work);
  free(w);
}

/*
 * A promise for `data`, settled by `complete` after `execute` ran on the libuv pool. NULL, with a
 * JavaScript error thrown and nothing left queued, when N-API refuses; the caller frees `data`.
 */
static napi_value queue_work(napi_env env, const char *name_text, napi_async_execute_callback execute, napi_async_complete_callback complete,
                             void *data, napi_async_work *work, napi_deferred *deferred) {
  napi_value promise, name;
  bool created = napi_create_promise(env, deferred, &promise) == napi_ok && napi_create_string_utf8(env, name_text, NAPI_AUTO_LENGTH, &name) == napi_ok &&
                 napi_create_async_work(env, NULL, name, execute, complete, data, work) == napi_ok;
  if (created && napi_queue_async_work(env, *work) == napi_ok) return promise;
  if (created) napi_delete_async_work(env, *work);
  napi_throw_error(env, NULL, "could not queue work on the libuv thread pool");
  return NULL;
}

static napi_value dump_sockets(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (argc < 2 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint32_array ||
      length % 3 != 0 || length / 3 > MAX_REQUESTS || length == 0) {
    napi_throw_type_error(env, NULL, "dumpSockets(requests: Uint32Array of [family, protocol, states] triples, counts: boolean)");
    return NULL;
  }
  bool counts = false;
  CHECK(env, napi_get_value_bool(env, argv[1], &counts));
  struct dump_work *w = calloc(1, sizeof *w);
  if (w == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  const uint32_t *triples = data;
  w->n = length / 3;
  for (size_t i = 0; i < w->n; i++) {
    w->requests[i].family = (uint8_t)triples[i * 3];
    w->requests[i].protocol = (uint8_t)triples[i * 3 + 1];
    w->requests[i].states = triples[i * 3 + 2];
  }
  w->result.mode = counts ? NSO_COUNTS : NSO_RECORDS;
  napi_value promise = queue_work(env, "netstat-otel:sock_diag", dump_execute, dump_complete, w, &w->work, &w->deferred);
  if (promise == NULL) free(w);
  return promise;
}

static char *string_arg(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text == NULL) return NULL;
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

static napi_value typed(napi_env env, napi_typedarray_type type, size_t element, size_t count, const void *source) {
  void *bytes;
  napi_value buffer, array;
  if (napi_create_arraybuffer(env, element * count, &bytes, &buffer) != napi_ok) return NULL;
  if (count > 0) memcpy(bytes, source, element * count);
  if (napi_create_typedarray(env, type, count, buffer, 0, &array) != napi_ok) return NULL;
  return array;
}

static napi_value scan_processes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *root = argc < 1 ? NULL : string_arg(env, argv[0]);
  if (root == NULL) {
    napi_throw_type_error(env, NULL, "scanProcesses(procRoot: string)");
    return NULL;
  }
  struct nso_proc_scan scan;
  nso_scan_procs(root, &scan);
  free(root);
  if (scan.error != 0 && scan.count == 0) {
    napi_throw_error(env, errno_code(scan.error), strerror(scan.error));
    nso_free_proc_scan(&scan);
    return NULL;
  }
  size_t n = scan.count;
  int32_t *pids = malloc((n + 1) * sizeof *pids);
  double *starts = malloc((n + 1) * sizeof *starts);
  uint8_t *status = malloc(n + 1);
  int32_t *offsets = malloc((n + 1) * sizeof *offsets);
  napi_value result = NULL, comms;
  if (pids == NULL || starts == NULL || status == NULL || offsets == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    goto done;
  }
  CHECK(env, napi_create_array_with_length(env, n, &comms));
  for (size_t i = 0; i < n; i++) {
    const struct nso_proc *p = &scan.procs[i];
    pids[i] = p->pid;
    starts[i] = p->start;
    status[i] = p->status;
    offsets[i] = (int32_t)p->fd_offset;
    napi_value comm;
    if (p->comm[0] != '\0') napi_create_string_utf8(env, p->comm, NAPI_AUTO_LENGTH, &comm);
    else napi_get_null(env, &comm);
    napi_set_element(env, comms, (uint32_t)i, comm);
  }
  offsets[n] = (int32_t)scan.fd_count;
  CHECK(env, napi_create_object(env, &result));
  napi_set_named_property(env, result, "pids", typed(env, napi_int32_array, 4, n, pids));
  napi_set_named_property(env, result, "starts", typed(env, napi_float64_array, 8, n, starts));
  napi_set_named_property(env, result, "status", typed(env, napi_uint8_array, 1, n, status));
  napi_set_named_property(env, result, "fdOffsets", typed(env, napi_int32_array, 4, n + 1, offsets));
  napi_set_named_property(env, result, "fds", typed(env, napi_int32_array, 4, scan.fd_count, scan.fds));
  napi_set_named_property(env, result, "comms", comms);
done:
  free(pids);
  free(starts);
  free(status);
  free(offsets);
  nso_free_proc_scan(&scan);
  return result;
}

static int typed_arg(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return -1;
  return type == want ? 0 : -1;
}

static napi_value read_socket_links(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *pids, *starts, *fds;
  size_t np = 0, ns = 0, nf = 0;
  char *root = argc < 4 ? NULL : string_arg(env, argv[0]);
  if (root == NULL || typed_arg(env, argv[1], napi_int32_array, &pids, &np) != 0 || typed_arg(env, argv[2], napi_float64_array, &starts, &ns) != 0 ||
      typed_arg(env, argv[3], napi_int32_array, &fds, &nf) != 0 || np != ns || np != nf) {
    free(root);
    napi_throw_type_error(env, NULL, "readSocketLinks(procRoot: string, pids: Int32Array, starts: Float64Array, fds: Int32Array)");
    return NULL;
  }
  void *bytes;
  napi_value buffer, out;
  CHECK(env, napi_create_arraybuffer(env, nf * sizeof(double), &bytes, &buffer));
  nso_read_socket_links(root, pids, starts, fds, nf, bytes);
  free(root);
  CHECK(env, napi_create_typedarray(env, napi_float64_array, nf, buffer, 0, &out));
  return out;
}

struct net_scan_work {
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  uint64_t max_bytes;
  struct nso_net_scan scan;
};

static void net_scan_execute(napi_env env, void *data) {
  (void)env;
  struct net_scan_work *w = data;
  nso_net_scan_file(w->path, w->max_bytes, &w->scan);
}

static void net_scan_complete(napi_env env, napi_status status, void *data) {
  struct net_scan_work *w = data;
  napi_value value = NULL;
  if (status != napi_ok) {
    napi_create_string_utf8(env, "scan cancelled", NAPI_AUTO_LENGTH, &value);
  } else if (w->scan.fallback) {
    napi_create_string_utf8(env, w->scan.reason, NAPI_AUTO_LENGTH, &value);
  } else if (w->scan.mode == NSO_COUNTS) {
    value = counts_buffer(env, w->scan.counts, sizeof w->scan.counts);
  } else {
    value = records_buffer(env, &w->scan.records, w->scan.count);
  }
  if (value == NULL) napi_create_string_utf8(env, "could not hand the result to JavaScript", NAPI_AUTO_LENGTH, &value);
  /* A fallback is an answer, not an error: the caller reads the file with its own parser. */
  napi_resolve_deferred(env, w->deferred, value);
  nso_net_scan_free(&w->scan);
  free(w->path);
  napi_delete_async_work(env, w->work);
  free(w);
}

static int uint32_arg(napi_env env, napi_value value, uint32_t *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) return -1;
  return napi_get_value_uint32(env, value, out) == napi_ok ? 0 : -1;
}

static napi_value scan_proc_net(napi_env env, napi_callback_info info) {
  static const char usage[] = "scanProcNet(path: string, family: 2 | 10, protocol: 6 | 17, states: number, counts: boolean, maxBytes: number)";
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t family = 0, protocol = 0, states = 0;
  bool counts = false;
  double max_bytes = -1;
  char *path = argc < 6 ? NULL : string_arg(env, argv[0]);
  if (path == NULL || uint32_arg(env, argv[1], &family) != 0 || (family != AF_INET && family != AF_INET6) ||
      uint32_arg(env, argv[2], &protocol) != 0 || (protocol != IPPROTO_TCP && protocol != IPPROTO_UDP) ||
      uint32_arg(env, argv[3], &states) != 0 || napi_get_value_bool(env, argv[4], &counts) != napi_ok ||
      napi_get_value_double(env, argv[5], &max_bytes) != napi_ok || !(max_bytes >= 0 && max_bytes <= 9007199254740991.0)) {
    free(path);
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  struct net_scan_work *w = calloc(1, sizeof *w);
  if (w == NULL) {
    free(path);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  w->path = path;
  w->max_bytes = (uint64_t)max_bytes;
  nso_net_scan_init(&w->scan, (uint8_t)family, (uint8_t)protocol, states, counts ? NSO_COUNTS : NSO_RECORDS);
  napi_value promise = queue_work(env, "netstat-otel:proc_net", net_scan_execute, net_scan_complete, w, &w->work, &w->deferred);
  if (promise == NULL) {
    free(path);
    free(w);
  }
  return promise;
}

static napi_value trim_memory(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value result;
  CHECK(env, napi_get_boolean(env, released != 0, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dumpSockets", NULL, dump_sockets, NULL, NULL, NULL, napi_default, NULL},
      {"scanProcesses", NULL, scan_processes, NULL, NULL, NULL, napi_default, NULL},
      {"readSocketLinks", NULL, read_socket_links, NULL, NULL, NULL, napi_default, NULL},
      {"scanProcNet", NULL, scan_proc_net, NULL, NULL, NULL, napi_default, NULL},
      {"trimMemory", NULL, trim_memory, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value version;
  napi_create_uint32(env, ABI_VERSION, &version);
  napi_set_named_property(env, exports, "abiVersion", version);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
