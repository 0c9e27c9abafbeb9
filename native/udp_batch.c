// Batched UDP for the DNS listener: reads up to `batch` datagrams with one recvmmsg(2), hands
// them to JavaScript in one call, and sends the replies JavaScript wrote with one sendmmsg(2).
// Node's dgram reads, calls into JavaScript and sends once per datagram; at DNS rates those
// per-datagram crossings cost more than answering does.
//
// The socket stays a node dgram socket (bound, closed and sent on by node); this only reads it,
// through a duplicate descriptor watched by a uv_poll handle of its own (libuv allows one watcher
// per descriptor, and node's handle keeps the original).
//
// Memory shared with JavaScript (Buffers it allocates and passes to open()):
//   in   batch slots of `inSlot` bytes: the datagrams read
//   meta batch × 8 int32: [length (-1: longer than a slot), family (4|6), port, reply length,
//        then the address's 4 (IPv4) or 16 (IPv6) bytes as they are on the wire]
//   out  batch slots of `outSlot` bytes: the replies; JavaScript sets meta[3] (0: no reply)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define META 8
#define MAX_BATCH 256
/** Batches read per readiness event before yielding to the event loop. */
#define ROUNDS 16

typedef struct {
  uv_poll_t poll;
  int fd;
  int batch;
  size_t inSlot;
  size_t outSlot;
  napi_env env;
  napi_ref callback;
  napi_ref buffers; // keeps in/meta/out alive
  napi_ref on_close; // called once the duplicate descriptor is closed
  napi_async_context async;
  uint8_t* in;
  int32_t* meta;
  uint8_t* out;
  struct mmsghdr rmsgs[MAX_BATCH];
  struct iovec riov[MAX_BATCH];
  struct sockaddr_storage addrs[MAX_BATCH];
  struct mmsghdr smsgs[MAX_BATCH];
  struct iovec siov[MAX_BATCH];
  int closing;
  /** The JavaScript external and the libuv handle: freed when both let go. */
  int owners;
  uint64_t dropped;
} Reader;

static napi_value fail(napi_env env, const char* msg) {
  napi_throw_error(env, "ERR_ARCLINK_UDP_BATCH", msg);
  return NULL;
}

static void on_closed(uv_handle_t* h) {
  Reader* r = (Reader*)h->data;
  close(r->fd);
  napi_env env = r->env;
  if (r->on_close) {
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) == napi_ok) {
      napi_value cb, global, result;
      napi_get_reference_value(env, r->on_close, &cb);
      napi_get_global(env, &global);
      // Through a callback scope, so that the promise jobs done() queues run now.
      if (cb && napi_make_callback(env, r->async, global, cb, 0, NULL, &result) == napi_pending_exception) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);
      }
      napi_close_handle_scope(env, scope);
    }
    napi_delete_reference(env, r->on_close);
    r->on_close = NULL;
  }
  napi_async_destroy(env, r->async);
  if (--r->owners == 0) free(r);
}

static void begin_close(napi_env env, Reader* r) {
  if (r->closing) return;
  r->closing = 1;
  uv_poll_stop(&r->poll);
  napi_delete_reference(env, r->callback);
  napi_delete_reference(env, r->buffers);
  uv_close((uv_handle_t*)&r->poll, on_closed);
}

static void send_replies(Reader* r, int n) {
  int k = 0;
  for (int i = 0; i < n; i++) {
    int32_t len = r->meta[i * META + 3];
    if (len <= 0 || (size_t)len > r->outSlot) continue;
    r->siov[k].iov_base = r->out + (size_t)i * r->outSlot;
    r->siov[k].iov_len = (size_t)len;
    memset(&r->smsgs[k].msg_hdr, 0, sizeof(struct msghdr));
    r->smsgs[k].msg_hdr.msg_name = &r->addrs[i];
    r->smsgs[k].msg_hdr.msg_namelen = r->rmsgs[i].msg_hdr.msg_namelen;
    r->smsgs[k].msg_hdr.msg_iov = &r->siov[k];
    r->smsgs[k].msg_hdr.msg_iovlen = 1;
    k++;
  }
  int sent = 0;
  while (sent < k) {
    int m = sendmmsg(r->fd, r->smsgs + sent, (unsigned)(k - sent), MSG_DONTWAIT);
    if (m > 0) {
      sent += m;
      continue;
    }
    if (m < 0 && errno == EINTR) continue;
    if (m < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      // One reply the kernel refuses (an unreachable client, say) must not cost the others.
      sent++;
      r->dropped++;
      continue;
    }
    // The send buffer is full: a UDP reply lost, as when the network drops it; the client asks again.
    r->dropped += (uint64_t)(k - sent);
    break;
  }
}

static void on_readable(uv_poll_t* h, int status, int events) {
  Reader* r = (Reader*)h->data;
  (void)events;
  if (status < 0 || r->closing) return;
  napi_env env = r->env;
  for (int round = 0; round < ROUNDS && !r->closing; round++) {
    for (int i = 0; i < r->batch; i++) {
      r->riov[i].iov_base = r->in + (size_t)i * r->inSlot;
      r->riov[i].iov_len = r->inSlot;
      memset(&r->rmsgs[i].msg_hdr, 0, sizeof(struct msghdr));
      r->rmsgs[i].msg_hdr.msg_name = &r->addrs[i];
      r->rmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
      r->rmsgs[i].msg_hdr.msg_iov = &r->riov[i];
      r->rmsgs[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(r->fd, r->rmsgs, (unsigned)r->batch, MSG_DONTWAIT, NULL);
    if (n <= 0) return; // EAGAIN (nothing left) or an error node's own handle reports
    for (int i = 0; i < n; i++) {
      int32_t* m = r->meta + i * META;
      m[0] = (r->rmsgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)r->rmsgs[i].msg_len;
      m[3] = 0;
      struct sockaddr* sa = (struct sockaddr*)&r->addrs[i];
      if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6* a = (struct sockaddr_in6*)sa;
        m[1] = 6;
        m[2] = ntohs(a->sin6_port);
        memcpy(&m[4], &a->sin6_addr, 16);
      } else {
        struct sockaddr_in* a = (struct sockaddr_in*)sa;
        m[1] = 4;
        m[2] = ntohs(a->sin_port);
        memcpy(&m[4], &a->sin_addr, 4);
      }
    }
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value cb, global, count;
    napi_get_reference_value(env, r->callback, &cb);
    napi_get_global(env, &global);
    napi_create_int32(env, n, &count);
    // A callback scope, as node's own I/O callbacks have: promise jobs queued by the answers
    // (questions answered later) run when it returns.
    napi_value result;
    napi_status st = napi_make_callback(env, r->async, global, cb, 1, &count, &result);
    if (st == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
    napi_close_handle_scope(env, scope);
    if (r->closing) return;
    send_replies(r, n);
    if (n < r->batch) return;
  }
}

static void finalize_reader(napi_env env, void* data, void* hint) {
  (void)hint;
  Reader* r = (Reader*)data;
  begin_close(env, r);
  if (--r->owners == 0) free(r);
}

// open(fd, batch, inSlot, outSlot, in, meta, out, callback) -> external
static napi_value open_reader(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 8) return fail(env, "open(fd, batch, inSlot, outSlot, in, meta, out, callback)");
  int32_t fd, batch, inSlot, outSlot;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return fail(env, "fd must be a descriptor");
  if (napi_get_value_int32(env, argv[1], &batch) != napi_ok || batch < 1 || batch > MAX_BATCH)
    return fail(env, "batch must be 1..256");
  if (napi_get_value_int32(env, argv[2], &inSlot) != napi_ok || inSlot < 512 || inSlot > 65536 ||
      napi_get_value_int32(env, argv[3], &outSlot) != napi_ok || outSlot < 512 || outSlot > 65536)
    return fail(env, "slots must be 512..65536 bytes");
  void *in, *meta, *out;
  size_t inLen, metaLen, outLen;
  if (napi_get_buffer_info(env, argv[4], &in, &inLen) != napi_ok ||
      napi_get_buffer_info(env, argv[5], &meta, &metaLen) != napi_ok ||
      napi_get_buffer_info(env, argv[6], &out, &outLen) != napi_ok)
    return fail(env, "in, meta and out must be Buffers");
  if (inLen < (size_t)batch * inSlot || outLen < (size_t)batch * outSlot || metaLen < (size_t)batch * META * 4)
    return fail(env, "a buffer is smaller than batch slots");
  napi_valuetype t;
  napi_typeof(env, argv[7], &t);
  if (t != napi_function) return fail(env, "callback must be a function");

  int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return fail(env, "could not duplicate the socket's descriptor");
  Reader* r = calloc(1, sizeof(Reader));
  if (!r) {
    close(dup_fd);
    return fail(env, "out of memory");
  }
  r->fd = dup_fd;
  r->owners = 2;
  r->batch = batch;
  r->inSlot = (size_t)inSlot;
  r->outSlot = (size_t)outSlot;
  r->env = env;
  r->in = in;
  r->meta = meta;
  r->out = out;
  napi_create_reference(env, argv[7], 1, &r->callback);
  napi_value holder;
  napi_create_array_with_length(env, 3, &holder);
  napi_set_element(env, holder, 0, argv[4]);
  napi_set_element(env, holder, 1, argv[5]);
  napi_set_element(env, holder, 2, argv[6]);
  napi_create_reference(env, holder, 1, &r->buffers);
  napi_value name;
  napi_create_string_utf8(env, "ArcLinkUdpBatch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->async);

  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  if (uv_poll_init(loop, &r->poll, r->fd) != 0) {
    close(r->fd);
    free(r);
    return fail(env, "could not watch the socket");
  }
  r->poll.data = r;
  uv_poll_start(&r->poll, UV_READABLE, on_readable);
  napi_value ext;
  napi_create_external(env, r, finalize_reader, NULL, &ext);
  return ext;
}

/** The reader in argv[0] (read with up to `max` arguments), or NULL with an error thrown. */
static Reader* reader_arg(napi_env env, napi_callback_info info, size_t min, size_t* argc, napi_value* argv,
                          const char* usage) {
  napi_get_cb_info(env, info, argc, argv, NULL, NULL);
  Reader* r = NULL;
  if (*argc < min || napi_get_value_external(env, argv[0], (void**)&r) != napi_ok || !r) {
    fail(env, usage);
    return NULL;
  }
  return r;
}

// close(external, done): stops reading; the duplicate descriptor is closed once libuv lets go of
// it, and then done() is called (the port is free when node's socket is closed too).
static napi_value close_reader(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Reader* r = reader_arg(env, info, 1, &argc, argv, "close(reader, done)");
  if (!r) return NULL;
  if (r->closing) return NULL;
  napi_valuetype t = napi_undefined;
  if (argc >= 2) napi_typeof(env, argv[1], &t);
  if (t == napi_function) napi_create_reference(env, argv[1], 1, &r->on_close);
  begin_close(env, r);
  return NULL;
}

// reading(external, on): stops or resumes reading (another process reads the socket meanwhile).
static napi_value reading(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Reader* r = reader_arg(env, info, 2, &argc, argv, "reading(reader, on)");
  bool on;
  if (!r) return NULL;
  if (napi_get_value_bool(env, argv[1], &on) != napi_ok) return fail(env, "reading(reader, on)");
  if (r->closing) return NULL;
  if (on) uv_poll_start(&r->poll, UV_READABLE, on_readable);
  else uv_poll_stop(&r->poll);
  return NULL;
}

// dropped(external): replies the kernel would not take (a full send buffer).
static napi_value dropped(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Reader* r = reader_arg(env, info, 1, &argc, argv, "dropped(reader)");
  if (!r) return NULL;
  napi_value v;
  napi_create_double(env, (double)r->dropped, &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, open_reader, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_reader, NULL, NULL, NULL, napi_default, NULL},
      {"dropped", NULL, dropped, NULL, NULL, NULL, napi_default, NULL},
      {"reading", NULL, reading, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 4, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
