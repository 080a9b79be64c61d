// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A watch connection to xenstore (xs.h): set up within a deadline, then
 * without socket timeouts for libxenstore's reader thread, with the
 * connection's loss made visible through a duplicate of its socket.
 *
 * libxenstore behaviours relied on (xen.git RELEASE-4.17.7,
 * tools/libs/store/xs.c): xs_watch() starts the reader thread, which
 * then does all reads of the socket, replies included; read_thread()
 * (1780) ends on the first failed read, closes h->fd and broadcasts the
 * condition variables but writes nothing to the watch pipe;
 * xs_check_watch() (read_watch_internal, 1145) returns NULL with EAGAIN
 * while the connection lives and nothing is pending, with EINVAL once
 * h->fd is -1 and nothing is pending. A receive timeout is taken when a
 * read starts: the read under way when the timeout is lifted keeps it,
 * so one more answer (the read after the watch) ends it.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sigpipe.h"
#include "xs.h"

static int disarm(xhp_ctx *ctx)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;
	struct timeval tv = { 0, 0 };

	s->watching = true;
	if (s->fd < 0)
		return 0;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return xhp_err(ctx, errno,
			       "cannot clear the xenstore socket's timeout: %s",
			       strerror(errno));
	s->armed_ms = 0;
	return 0;
}

int xhp_xs_watch_open(xhp_ctx *ctx, const char *path, const char *token,
		      const char *self_key, char **ret_self, int *ret_fd,
		      int *ret_hup_fd)
{
	char *self = NULL, *flush = NULL;
	uint64_t t0;
	int r, fd, hup = -1;
	bool ok;

	r = xhp_xs_open(ctx);
	if (r < 0)
		return r;
	if (self_key) {
		r = xhp_xs_read(ctx, XBT_NULL, self_key, &self);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	fd = xs_fileno(ctx->xs);
	if (fd < 0) {
		r = xhp_err(ctx, errno,
			    "cannot get the xenstore watch pipe: %s",
			    strerror(errno));
		goto fail;
	}
	if (xhp_xs_sock_arm(ctx, &t0) < 0) {
		r = xhp_err(ctx, errno, "xenstore: %s", strerror(errno));
		goto fail;
	}
	ok = XHP_NO_SIGPIPE(ctx, xs_watch(ctx->xs, path, token));
	if (!ok) {
		xhp_xs_sock_failed(ctx, t0);
		r = xhp_err(ctx, errno ? errno : EIO,
			    "cannot watch xenstore %s: %s", path,
			    strerror(errno ? errno : EIO));
		goto fail;
	}
	r = disarm(ctx);
	if (r < 0)
		goto fail;
	/* The answer that ends the reader's read begun with a timeout. */
	r = xhp_xs_read(ctx, XBT_NULL, path, &flush);
	free(flush);
	if (r < 0 && r != -ENOENT)
		goto fail;
	if (ctx->xs_sock.fd >= 0) {
		hup = fcntl(ctx->xs_sock.fd, F_DUPFD_CLOEXEC, 3);
		if (hup < 0) {
			r = xhp_err(ctx, errno, "cannot duplicate a socket: %s",
				    strerror(errno));
			goto fail;
		}
	}
	*ret_fd = fd;
	*ret_hup_fd = hup;
	if (ret_self)
		*ret_self = self;
	else
		free(self);
	return 0;
fail:
	free(self);
	xhp_xs_close(ctx);
	return r;
}

int xhp_xs_watch_next(xhp_ctx *ctx, char **ret_path)
{
	char **v;
	char *p;

	if (!ctx->xs)
		return -ECONNRESET;
	v = xs_check_watch(ctx->xs);
	if (!v) {
		if (errno == EAGAIN)
			return 0;
		return xhp_err(ctx, ECONNRESET, "xenstore connection lost");
	}
	p = strdup(v[XS_WATCH_PATH]);
	free(v);
	if (!p)
		return xhp_err(ctx, ENOMEM, "out of memory");
	*ret_path = p;
	return 1;
}
