/* The endpoint skeleton around the bench_ops_t adapters (internal.h), the
 * tables' lookup, the adapters of two OS handles (bench_hpair_t) and the
 * raw pipe built on them. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the tables ---------------------------------------------------------- */

const bench_impl_t *bench_impl_find(const char *kind, int backend, int raw) {
  const bench_impl_t *t = raw ? bench_raw_impls : bench_xipc_impls;

  for (; t->kind != NULL; t++)
    if (t->backend == backend && strcmp(t->kind, kind) == 0)
      return t;
  return NULL;
}

int bench_impl_usable(const bench_impl_t *im) {
  if (im == NULL)
    return 0;
  if ((im->flags & BENCH_F_KERNEL_MQ) &&
      !xipc_mq_has_kernel_queue(im->backend))
    return 0;
  return im->raw || xipc_supports(im->xkind, im->backend);
}

size_t bench_impl_max_size(const bench_impl_t *im) {
  uint64_t v;

  if (im->max_limit == 0)
    return 0;
  if (xipc_limit((xipc_limit_t)(im->max_limit - 1), &v) != 0 || v == 0)
    return 8192u; /* the Linux default of both limits */
  return v < (uint64_t)SIZE_MAX ? (size_t)v : SIZE_MAX;
}

void bench_name(char *buf, size_t len, const bench_run_t *run, char tag) {
  snprintf(buf, len, "xb%lu-%lu%c", run->ppid, run->serial, tag);
}

int bench_parse_int(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);

  if (end == s || *end != '\0' || v < 0 || v > 0x7fffffffL)
    return bench_fail("bad number '%s' on the command line", s);
  *out = (int)v;
  return 0;
}

size_t bench_cap_of(size_t size) {
  return size > BENCH_RTT_SIZE ? size : BENCH_RTT_SIZE;
}

/* The next, smaller depth to try after a system limit refused a kernel
 * queue of `depth` messages of msg_size bytes. 0: nothing smaller. */
static size_t depth_next(int backend, size_t depth, size_t msg_size) {
  uint64_t lim = 0;

  if (backend == XIPC_BACKEND_POSIX &&
      xipc_limit(XIPC_LIMIT_MQ_MAX_MSGS, &lim) != 0)
    lim = 0;
  else if (backend == XIPC_BACKEND_SYSV && msg_size > 0)
    lim =
        xipc_limit(XIPC_LIMIT_SYSV_QUEUE_BYTES, &lim) == 0 ? lim / msg_size : 0;
  if (lim >= 1 && lim < depth)
    return (size_t)lim;
  return depth / 2;
}

int bench_queues_make(bench_ep_t *ep,
                      int (*make)(bench_ep_t *ep, int i, size_t msg_size,
                                  size_t depth)) {
  size_t size[2] = {BENCH_RTT_SIZE, bench_cap_of(ep->run->size)};
  size_t d = ep->run->depth;
  int i, rc;

  for (i = 1; i >= 0; i--)
    while ((rc = make(ep, i, size[i], d)) != 0)
      if (rc < 0 || (d = depth_next(ep->impl->backend, d, size[i])) == 0)
        return -1;
  ep->depth = d;
  return 0;
}

/* ---- the skeleton -------------------------------------------------------- */

static bench_ep_t *ep_alloc(const bench_run_t *run, int parent) {
  bench_ep_t *ep = calloc(1, run->impl->ops->size);

  if (ep == NULL) {
    bench_fail("out of memory");
    return NULL;
  }
  ep->impl = run->impl;
  ep->run = run;
  ep->parent = parent;
  ep->tx = parent ? 0 : 1;
  ep->rx = parent ? 1 : 0;
  if (ep->impl->ops->init != NULL)
    ep->impl->ops->init(ep);
  return ep;
}

/* Remove name i of ep, when it is set (ops->remove, ops->remove_name). */
static void ep_remove(bench_ep_t *ep, int i) {
  const bench_ops_t *ops = ep->impl->ops;

  if (ep->name[i][0] == '\0')
    return;
  if (ops->remove != NULL)
    ops->remove(ep, ep->name[i]);
  else if (ops->remove_name != NULL)
    (void)ops->remove_name(ep->name[i]);
}

/* rc of create/attach: on failure close (which frees) and NULL. */
static int ep_done(bench_ep_t **out, bench_ep_t *ep, int rc) {
  if (rc != 0) {
    (void)bench_ep_close(ep);
    return -1;
  }
  *out = ep;
  return 0;
}

int bench_ep_create(bench_ep_t **out, const bench_run_t *run,
                    bench_args_t *args) {
  const bench_ops_t *ops = run->impl->ops;
  bench_ep_t *ep;
  int i;

  *out = NULL;
  if ((ep = ep_alloc(run, 1)) == NULL)
    return -1;
  for (i = 0; ops->names != NULL && i < 2; i++) {
    snprintf(ep->name[i], sizeof(ep->name[i]), ops->names, run->ppid,
             run->serial, "ab"[i]);
    if (bench_args_add(args, "%s", ep->name[i]) != 0) {
      free(ep);
      return -1;
    }
    ep_remove(ep, i); /* a crashed run's (the same pid) */
  }
  return ep_done(out, ep,
                 ops->open != NULL ? ops->open(ep) : ops->create(ep, args));
}

int bench_ep_connect(bench_ep_t *ep) {
  return ep->impl->ops->connect != NULL ? ep->impl->ops->connect(ep) : 0;
}

int bench_ep_attach(bench_ep_t **out, const bench_run_t *run, int argc,
                    char **argv) {
  const bench_ops_t *ops = run->impl->ops;
  bench_ep_t *ep;
  int i;

  *out = NULL;
  if (argc < ops->nargs)
    return bench_fail("%s: the peer needs %d arguments, got %d",
                      run->impl->kind, ops->nargs, argc);
  if ((ep = ep_alloc(run, 0)) == NULL)
    return -1;
  for (i = 0; ops->names != NULL && i < 2; i++)
    snprintf(ep->name[i], sizeof(ep->name[i]), "%s", argv[i]);
  return ep_done(out, ep,
                 ops->open != NULL ? ops->open(ep) : ops->attach(ep, argv));
}

void *bench_ep_buffer(bench_ep_t *ep, void *own, size_t len) {
  return ep->impl->ops->buffer != NULL ? ep->impl->ops->buffer(ep, len) : own;
}

int bench_ep_send(bench_ep_t *ep, const void *buf, size_t len) {
  const bench_ops_t *ops = ep->impl->ops;
  const char *p = buf;
  size_t n;

  if (ops->sig != NULL)
    return ops->sig(ep, 1);
  if (ops->io == NULL)
    return ops->send(ep, buf, len);
  for (; len > 0; p += n, len -= n)
    if (ops->io(ep, 1, (void *)p, len, &n) != 0)
      return -1;
  return 0;
}

int bench_ep_recv(bench_ep_t *ep, void *buf, size_t cap, size_t len,
                  const void **data) {
  const bench_ops_t *ops = ep->impl->ops;
  size_t got = 0, n;

  *data = buf;
  if (ops->sig != NULL)
    return ops->sig(ep, 0);
  if (ops->io != NULL) {
    for (; got < len; got += n) {
      if (ops->io(ep, 0, (char *)buf + got, len - got, &n) != 0)
        return -1;
      if (n == 0)
        return bench_fail("%s: the peer closed", ep->impl->calls);
    }
    return 0;
  }
  got = len;
  if (ops->recv(ep, buf, cap, &got, data) != 0)
    return -1;
  if (got != len)
    return bench_fail("%s: %zu bytes, %zu expected", ep->impl->calls, got,
                      len);
  return 0;
}

void bench_ep_unlink(bench_ep_t *ep) {
  const bench_ops_t *ops = ep->impl->ops;
  int i;

  for (i = 0; i < 2; i++)
    ep_remove(ep, i);
  if (ops->unlink != NULL)
    ops->unlink(ep);
}

int bench_ep_close(bench_ep_t *ep) {
  int rc;

  if (ep->parent)
    bench_ep_unlink(ep);
  rc = ep->impl->ops->close != NULL ? ep->impl->ops->close(ep) : 0;
  free(ep);
  return rc;
}

/* ---- two OS handles ------------------------------------------------------ */

static void hclose(xipc_os_handle_t *h) {
  if (*h != XIPC_INVALID_OS_HANDLE)
    bench_os_close(*h);
  *h = XIPC_INVALID_OS_HANDLE;
}

void bench_hpair_init(bench_ep_t *ep) {
  bench_hpair_t *x = (bench_hpair_t *)ep;

  x->h[0] = x->h[1] = x->peer[0] = x->peer[1] = XIPC_INVALID_OS_HANDLE;
}

int bench_handle_arg(bench_args_t *args, xipc_os_handle_t h) {
  char text[64];
  int err = xipc_os_handle_format(h, text, sizeof(text));

  if (err != 0)
    return bench_xcheck(err, "xipc_os_handle_format");
  return bench_args_add(args, "%s", text);
}

int bench_hpair_give(bench_hpair_t *x, bench_args_t *args) {
  int i;

  for (i = 0; i < 2 && x->peer[i] != XIPC_INVALID_OS_HANDLE; i++)
    if (bench_os_inherit(x->peer[i]) != 0 ||
        bench_handle_arg(args, x->peer[i]) != 0)
      return -1;
  return 0;
}

int bench_hpair_connect(bench_ep_t *ep) {
  bench_hpair_t *x = (bench_hpair_t *)ep;

  hclose(&x->peer[0]);
  hclose(&x->peer[1]);
  return 0;
}

/* Set only once all parsed, so that close does not close what is not
 * ours. */
int bench_hpair_attach(bench_ep_t *ep, char **argv) {
  bench_hpair_t *x = (bench_hpair_t *)ep;
  xipc_os_handle_t v[2] = {XIPC_INVALID_OS_HANDLE, XIPC_INVALID_OS_HANDLE};
  int i, n = ep->impl->ops->nargs, err;

  for (i = 0; i < n && i < 2; i++)
    if ((err = xipc_os_handle_parse(argv[i], &v[i])) != 0)
      return bench_xcheck(err, "xipc_os_handle_parse(%s)", argv[i]);
  x->h[0] = v[0];
  x->h[1] = n == 1 ? v[0] : v[1];
  return 0;
}

int bench_hpair_io(bench_ep_t *ep, int tx, void *buf, size_t len,
                   size_t *done) {
  bench_hpair_t *x = (bench_hpair_t *)ep;

  return bench_os_io(x->h[tx ? ep->tx : ep->rx], tx, x->sock, buf, len, done);
}

int bench_hpair_close(bench_ep_t *ep) {
  bench_hpair_t *x = (bench_hpair_t *)ep;

  if (x->h[0] != x->h[1])
    hclose(&x->h[0]);
  hclose(&x->h[1]);
  return bench_hpair_connect(ep);
}

/* The raw pipe: a (the peer reads) and b (the peer writes); only the
 * peer's ends are inheritable. */
static int rawpipe_create(bench_ep_t *ep, bench_args_t *args) {
  bench_hpair_t *x = (bench_hpair_t *)ep;

  if (bench_os_pipe(&x->peer[0], &x->h[0]) != 0 ||
      bench_os_pipe(&x->h[1], &x->peer[1]) != 0)
    return -1;
  return bench_hpair_give(x, args);
}

const bench_ops_t bench_raw_pipe = {
    BENCH_HPAIR_OPS, .nargs = 2, .init = bench_hpair_init,
    .create = rawpipe_create, .connect = bench_hpair_connect,
    .attach = bench_hpair_attach, .close = bench_hpair_close};
