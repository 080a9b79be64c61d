// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deadlines for libxenstore calls.
 *
 * libxenstore has no timeouts: a call on a xenstored that stopped
 * answering blocks for ever, inside the caller's operation (libxl kills
 * a script after 40 s; a toolstack linking us would hang). It keeps its
 * socket to itself, so we find it: xs_open() connects one socket, which
 * gets the lowest free descriptor (POSIX), so the descriptor that was the
 * lowest free one just before xs_open() is its socket if it is now a
 * connected AF_UNIX stream socket. On that socket every call runs with
 * SO_RCVTIMEO/SO_SNDTIMEO set to what is left of the operation's
 * deadline; a blocked read or write then fails with EAGAIN,
 * libxenstore closes the socket (its handle is unusable after any I/O
 * error), and we report ETIMEDOUT. The inode is checked before every
 * setsockopt, so a descriptor number libxenstore closed and the process
 * reused is never touched. Through /dev/xen/xenbus (no socket) calls
 * keep libxenstore's own behaviour: no deadline.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xs.h"

/*
 * After the operation's deadline, the undo and the failure report still
 * get this long per call on a xenstored that answers.
 */
#define XS_GRACE_MS 1000
/* Re-arm the socket only when the wanted timeout moved this much. */
#define XS_REARM_SLACK_MS 50

int xhp_xs_sock_probe(void)
{
	/* Not a dup of stdin: a daemon may run with descriptor 0 closed. */
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

void xhp_xs_sock_adopt(xhp_ctx *ctx, int fd)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int type = 0;
	socklen_t tlen = sizeof(type);
	struct stat st;

	*s = (struct xhp_xs_sock){ .fd = -1 };
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_STREAM ||
	    getpeername(fd, (struct sockaddr *)&peer, &len) < 0 ||
	    peer.ss_family != AF_UNIX) {
		xhp_debug(ctx, "xenstore: no socket of ours found: calls "
			       "have no deadline");
		return;
	}
	s->fd = fd;
	s->ino = (uint64_t)st.st_ino;
}

/* The per-call timeout: what is left of the operation, or the timeout. */
static int wanted_ms(const xhp_ctx *ctx)
{
	int left = xhp_deadline_left_ms(ctx);

	if (left < 0)
		return ctx->timeout_ms > INT32_MAX ? INT32_MAX :
						     (int)ctx->timeout_ms;
	return left > 0 ? left : XS_GRACE_MS;
}

static bool still_ours(const struct xhp_xs_sock *s)
{
	struct stat st;

	return s->fd >= 0 && fstat(s->fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	       (uint64_t)st.st_ino == s->ino;
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
	if (s->fd < 0)
		return 0;
	ms = wanted_ms(ctx);
	if (s->armed_ms && abs(s->armed_ms - ms) <= XS_REARM_SLACK_MS)
		return 0;
	if (!still_ours(s)) {
		s->fd = -1;
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		s->fd = -1;
		return 0;
	}
	s->armed_ms = ms;
	return 0;
}

void xhp_xs_sock_failed(xhp_ctx *ctx, uint64_t start_us)
{
	struct xhp_xs_sock *s = &ctx->xs_sock;
	int e = errno;

	/*
	 * EAGAIN is also xenstored's answer to a transaction conflict, which
	 * comes at once; only a call that lasted the armed timeout timed out.
	 */
	if (s->fd < 0 || !s->armed_ms || (e != EAGAIN && e != EWOULDBLOCK) ||
	    xhp_now_us() - start_us + 1000 < (uint64_t)s->armed_ms * 1000)
		return;
	xhp_log(ctx, LOG_WARNING, "xenstore did not answer within %d ms",
		s->armed_ms);
	s->dead = true;
	s->dead_op = ctx->deadline_us;
	s->fd = -1;
	errno = ETIMEDOUT;
}
