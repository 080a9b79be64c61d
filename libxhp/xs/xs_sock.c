// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deadlines for libxenstore calls.
 *
 * libxenstore has no timeouts: a call on a xenstored that stopped
 * answering blocks for ever, inside the caller's operation (libxl kills
 * a script after 40 s; a toolstack linking us would hang). Each call
 * therefore runs with SO_RCVTIMEO/SO_SNDTIMEO on the connection's socket
 * set to what is left of the operation's deadline; a blocked read or
 * write then fails with EAGAIN, libxenstore closes its descriptor (its
 * handle is unusable after any I/O error) and we report ETIMEDOUT.
 * xs_open.c finds that socket, without guessing.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xs.h"

/*
 * After the operation's deadline, the undo and the failure report still
 * get this long per call on a xenstored that answers.
 */
#define XS_GRACE_MS 1000
/* Re-arm the socket only when the wanted timeout moved this much. */
#define XS_REARM_SLACK_MS 50

void xhp_xs_sock_close(xhp_ctx *ctx)
{
	if (ctx->xs_sock.fd >= 0)
		close(ctx->xs_sock.fd);
	ctx->xs_sock = (struct xhp_xs_sock){ .fd = -1 };
}

/* The per-call timeout: what is left of the operation, or the timeout. */
int xhp_xs_sock_wanted_ms(const xhp_ctx *ctx)
{
	int left = xhp_deadline_left_ms(ctx);

	if (left < 0)
		return ctx->timeout_ms > INT32_MAX ? INT32_MAX :
						     (int)ctx->timeout_ms;
	if (ctx->xs_sock.grace && left < XS_GRACE_MS)
		return XS_GRACE_MS;
	return left > 0 ? left : XS_GRACE_MS;
}

int xhp_xs_sock_arm(xhp_ctx *ctx, uint64_t *ret_start)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;
	struct timeval tv;
	int ms;

	*ret_start = xhp_now_us();
	if (s->dead) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (s->fd < 0 || s->watching)
		return 0;
	ms = xhp_xs_sock_wanted_ms(ctx);
	if (s->armed_ms && abs(s->armed_ms - ms) <= XS_REARM_SLACK_MS)
		return 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		xhp_xs_sock_close(ctx);
		return 0;
	}
	s->armed_ms = ms;
	return 0;
}

void xhp_xs_sock_failed(xhp_ctx *ctx, uint64_t start_us)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;
	int e = errno;
	int armed = s->armed_ms;
	uint64_t op = ctx->deadline_us;

	if (s->fd < 0)
		return;
	/*
	 * libxenstore closed its descriptor (an I/O error, not an answer
	 * of xenstored's): let the connection go with ours.
	 */
	if (e == EBADF || e == EPIPE || e == ECONNRESET)
		xhp_xs_sock_close(ctx);
	/*
	 * EAGAIN is also xenstored's answer to a transaction conflict, which
	 * comes at once; only a call that lasted the armed timeout timed out.
	 */
	if (!armed || (e != EAGAIN && e != EWOULDBLOCK) ||
	    xhp_now_us() - start_us + 1000 < (uint64_t)armed * 1000)
		return;
	xhp_debug(ctx, "xenstore did not answer within %d ms", armed);
	xhp_xs_sock_close(ctx);
	s->dead = true;
	s->dead_op = op;
	s->dead_ms = armed;
	errno = ETIMEDOUT;
}
