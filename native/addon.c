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
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inet_diag.h"
#include "proc_fds.h"

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

static void dump_complete(napi_env env, napi_status status, void *data) {
  struct dump_work *w = data;
  napi_value value = NULL;
  if (status != napi_ok || w->result.error != 0) {
    napi_value message, code, error, request;
    const char *text = status != napi_ok ? "dump cancelled" : w->result.message;
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
    napi_create_string_utf8(env, errno_code(w->result.error), NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, message, &error);
    napi_create_int32(env, w->result.failed_request, &request);
    napi_set_named_property(env, error, "request", request);
    napi_reject_deferred(env, w->deferred, error);
    free(w->result.records);
  } else if (w->result.mode == NSO_COUNTS) {
    void *bytes;
    napi_create_arraybuffer(env, sizeof w->result.counts, &bytes, &value);
    memcpy(bytes, w->result.counts, sizeof w->result.counts);
    napi_resolve_deferred(env, w->deferred, value);
    free(w->result.records);
  } else if (w->result.count == 0) {
    void *bytes;
    napi_create_arraybuffer(env, 0, &bytes, &value);
    napi_resolve_deferred(env, w->deferred, value);
    free(w->result.records);
  } else {
    /* Hand the malloc'd records to V8 as they are: no copy of a buffer that can be tens of MB. */
    size_t length = w->result.count * NSO_RECORD_SIZE;
    if (napi_create_external_arraybuffer(env, w->result.records, length, free_records, NULL, &value) != napi_ok) {
      void *bytes;
      napi_create_arraybuffer(env, length, &bytes, &value);
      memcpy(bytes, w->result.records, length);
      free(w->result.records);
    }
    napi_resolve_deferred(env, w->deferred, value);
  }
  napi_delete_async_work(env, w->work);
  free(w);
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
  napi_value promise, name;
  CHECK(env, napi_create_promise(env, &w->deferred, &promise));
  CHECK(env, napi_create_string_utf8(env, "netstat-otel:sock_diag", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, dump_execute, dump_complete, w, &w->work));
  CHECK(env, napi_queue_async_work(env, w->work));
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"dumpSockets", NULL, dump_sockets, NULL, NULL, NULL, napi_default, NULL},
      {"scanProcesses", NULL, scan_processes, NULL, NULL, NULL, napi_default, NULL},
      {"readSocketLinks", NULL, read_socket_links, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value version;
  napi_create_uint32(env, 1, &version);
  napi_set_named_property(env, exports, "abiVersion", version);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
