// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Several reads (XS_READ, XS_DIRECTORY) in one round trip.
 *
 * libxenstore asks one question at a time and waits for its answer; a
 * read costs a round trip to xenstored, two context switches (about
 * 17 us here on one CPU, 30-45 us across two busy ones), and an
 * inspection of every device asks six of them per device. The wire
 * protocol (xs_wire.h) lets a client send several requests before
 * reading: xenstored answers a connection's requests one by one, in
 * order, each answer echoing the request's req_id (C xenstored,
 * tools/xenstore/xenstored_core.c handle_input(); oxenstored likewise).
 * So when the context's connection is a socket whose descriptor we hold
 * (xs_sock.c) and no reader thread of libxenstore reads it (no watch),
 * the requests of a batch are written back to back on it, each as one
 * message, and the answers read back in order; libxenstore has nothing
 * outstanding between its calls, so its view of the stream is intact.
 * Anything else (through /dev/xen/xenbus, a watching connection, the
 * fault seam in use) reads one by one through libxenstore.
 *
 * A failure of the connection (a timeout, a short read, an answer that
 * is not the one expected) leaves the stream out of step: the whole
 * connection is closed (a timeout marks it dead as xs_sock.c does), so
 * libxenstore never reads our answers as its own.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"
#include "xs.h"

/* Requests written before their answers are read: small enough that
 * neither side's socket buffer fills (16 x 3 KiB paths out, 16 x 4 KiB
 * answers back). */
#define XS_BATCH_CHUNK 16

static int xsd_errno(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (strlen(xsd_errors[i].errstring) + 1 == len &&
		    !memcmp(xsd_errors[i].errstring, s, len))
			return xsd_errors[i].errnum;
	return EIO;
}

/* The answer of @op: the payload @p (@len bytes) as its result. */
static int settle(struct xhp_xs_op *op, uint32_t type, const char *p,
		  uint32_t len)
{
	char **names, *s;
	unsigned int n = 0, i;

	if (type == XS_ERROR) {
		op->err = -xsd_errno(p, len);
		return 0;
	}
	if (!op->list) {
		s = malloc(len + 1);
		if (!s)
			return -ENOMEM;
		memcpy(s, p, len);
		s[len] = '\0';
		op->err = strlen(s) == len ? 0 : -EINVAL;
		if (op->err)
			free(s);
		else
			op->value = s;
		return 0;
	}
	/* "a\0b\0": libxenstore's xs_directory() shape, one allocation */
	for (i = 0; i < len; i++)
		n += p[i] == '\0';
	names = malloc((n + 1) * sizeof(*names) + len + 1);
	if (!names)
		return -ENOMEM;
	s = (char *)(names + n + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	for (i = 0; i < n; i++) {
		names[i] = s;
		s += strlen(s) + 1;
	}
	names[n] = NULL;
	op->names = names;
	op->n_names = n;
	op->err = 0;
	return 0;
}

int xhp_xs_reply_take(const char *buf, size_t len, uint32_t req_id,
		      struct xhp_xs_op *op, size_t *ret_used)
{
	struct xsd_sockmsg m;
	int r;

	if (len < sizeof(m)) {
		*ret_used = sizeof(m);
		return 1;
	}
	memcpy(&m, buf, sizeof(m));
	if (m.req_id != req_id || m.len > XENSTORE_PAYLOAD_MAX ||
	    (m.type != XS_ERROR &&
	     m.type != (op->list ? XS_DIRECTORY : XS_READ)))
		return -EBADMSG;
	*ret_used = sizeof(m) + m.len;
	if (len < *ret_used)
		return 1;
	r = settle(op, m.type, buf + sizeof(m), m.len);
	return r < 0 ? r : 0;
}

/*
 * The answers, read as they come: nothing but the answers to our
 * requests can arrive on a connection without watches, so whatever is
 * there is read at once (not a header and a payload at a time).
 */
struct rx {
	char *buf;
	size_t used, off, cap;
};

/* At least @len unparsed bytes in @rx, within the armed timeout. */
static int rx_fill(int fd, struct rx *rx, size_t len)
{
	size_t cap;
	ssize_t n;
	char *b;

	if (rx->off) {
		memmove(rx->buf, rx->buf + rx->off, rx->used - rx->off);
		rx->used -= rx->off;
		rx->off = 0;
	}
	if (len > rx->cap) {
		cap = len < 16384 ? 16384 : len;
		b = realloc(rx->buf, cap);
		if (!b) {
			errno = ENOMEM;
			return -1;
		}
		rx->buf = b;
		rx->cap = cap;
	}
	while (rx->used < len) {
		n = recv(fd, rx->buf + rx->used, rx->cap - rx->used, 0);
		if (n > 0) {
			rx->used += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ECONNRESET;
		return -1;
	}
	return 0;
}

static int send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return -1;
	}
	return 0;
}

/* One chunk on the socket: 0, or -1 with errno (stream out of step). */
static int chunk(int fd, struct xhp_xs_op *ops, size_t n)
{
	_cleanup_free_ char *buf = NULL;
	struct rx rx = { NULL, 0, 0, 0 };
	struct xsd_sockmsg m;
	size_t i, off = 0, plen, want;
	int r = -1;

	for (i = 0; i < n; i++)
		off += sizeof(m) + strlen(ops[i].path) + 1;
	buf = malloc(off);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0, off = 0; i < n; i++) {
		plen = strlen(ops[i].path) + 1;
		m = (struct xsd_sockmsg){ .type = ops[i].list ? XS_DIRECTORY :
								XS_READ,
					  .req_id = (uint32_t)i + 1,
					  .tx_id = 0,
					  .len = (uint32_t)plen };
		memcpy(buf + off, &m, sizeof(m));
		memcpy(buf + off + sizeof(m), ops[i].path, plen);
		off += sizeof(m) + plen;
	}
	rx.cap = 16384;
	rx.buf = malloc(rx.cap);
	if (!rx.buf) {
		errno = ENOMEM;
		return -1;
	}
	if (send_all(fd, buf, off) < 0)
		goto out;
	for (i = 0; i < n;) {
		r = xhp_xs_reply_take(rx.buf + rx.off, rx.used - rx.off,
				      (uint32_t)i + 1, &ops[i], &want);
		if (r < 0) {
			errno = -r;
			r = -1;
			goto out;
		}
		if (r == 0) {
			rx.off += want;
			i++;
			continue;
		}
		r = -1;
		if (rx_fill(fd, &rx, want) < 0)
			goto out;
	}
	/* Nothing else was asked: more bytes are not ours to take. */
	if (rx.used != rx.off) {
		errno = EBADMSG;
		goto out;
	}
	r = 0;
out:
	free(rx.buf);
	return r;
}

/* libxenstore, one call at a time (the errors as xhp_xs_read's); on a
 * failure of the connection, its errno and *ret_bad the failed op. */
static int one_by_one(xhp_ctx *ctx, struct xhp_xs_op *ops, size_t n,
		      size_t *ret_bad)
{
	unsigned int len;
	size_t i;
	char *v;

	for (i = 0; i < n; i++) {
		errno = 0;
		if (ops[i].list) {
			ops[i].names = xhp_xs_raw_directory(
				ctx, XBT_NULL, ops[i].path, &ops[i].n_names);
			v = (char *)ops[i].names;
			len = 0;
		} else {
			v = xhp_xs_raw_read(ctx, XBT_NULL, ops[i].path, &len);
			ops[i].value = v;
		}
		if (!v) {
			ops[i].err = -(errno ? errno : EIO);
			if (ops[i].err != -ENOENT && ops[i].err != -EACCES &&
			    ops[i].err != -EINVAL) {
				*ret_bad = i;
				return ops[i].err;
			}
		} else if (!ops[i].list && strlen(v) != len) {
			free(v);
			ops[i].value = NULL;
			ops[i].err = -EINVAL;
		}
	}
	return 0;
}

void xhp_xs_ops_clear(struct xhp_xs_op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ops[i].value);
		free(ops[i].names);
		ops[i].value = NULL;
		ops[i].names = NULL;
		ops[i].n_names = 0;
		ops[i].err = 0;
	}
}

int xhp_xs_read_batch(xhp_ctx *ctx, struct xhp_xs_op *ops, size_t n)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;
	char q[XHP_QUOTE_MAX];
	size_t i, k, bad = 0;
	uint64_t t0;
	int r, e;

	for (i = 0; i < n; i++) {
		ops[i].value = NULL;
		ops[i].names = NULL;
		ops[i].n_names = 0;
		ops[i].err = 0;
		if (strlen(ops[i].path) > XENSTORE_ABS_PATH_MAX)
			return xhp_err(ctx, ENAMETOOLONG,
				       "xenstore path too long: %s",
				       xhp_quote(q, ops[i].path));
	}
	r = xhp_xs_open(ctx);
	if (r < 0)
		return r;
	if (s->fd < 0 || s->watching || ctx->fault) {
		r = one_by_one(ctx, ops, n, &bad);
		goto out;
	}
	for (i = 0; i < n; i += k) {
		k = n - i < XS_BATCH_CHUNK ? n - i : XS_BATCH_CHUNK;
		if (xhp_xs_sock_arm(ctx, &t0) < 0 || s->fd < 0) {
			/* dead, or the timeout could not be set */
			bad = i;
			r = s->fd < 0 && !s->dead ?
				    one_by_one(ctx, ops + i, k, &bad) :
				    -ETIMEDOUT;
			if (r < 0)
				goto out;
			continue;
		}
		if (chunk(s->fd, ops + i, k) == 0)
			continue;
		e = errno ? errno : EIO;
		xhp_xs_sock_failed(ctx, t0); /* a timeout: dead */
		e = s->dead ? ETIMEDOUT : e;
		if (!s->dead)
			xhp_xs_close(ctx); /* out of step: never reuse */
		r = -e;
		bad = i;
		goto out;
	}
	r = 0;
out:
	if (r < 0) {
		xhp_xs_ops_clear(ops, n);
		if (r == -ETIMEDOUT && s->dead_ms)
			return xhp_err(
				ctx, ETIMEDOUT,
				"cannot read xenstore %s: %s: xenstore did not answer within %d ms",
				xhp_quote(q, ops[bad].path),
				strerror(ETIMEDOUT), s->dead_ms);
		return xhp_err(ctx, -r, "cannot read xenstore %s: %s",
			       xhp_quote(q, ops[bad].path), strerror(-r));
	}
	return 0;
}
