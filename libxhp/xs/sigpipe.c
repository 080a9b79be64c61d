// SPDX-License-Identifier: LGPL-2.1-or-later
/* SIGPIPE blocked and consumed around libxenstore calls: see sigpipe.h. */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "sigpipe.h"

static void pipe_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGPIPE);
}

void xhp_sigpipe_block(struct xhp_sigpipe *s)
{
	sigset_t pipe, pending;
	int e = errno;

	pipe_set(&pipe);
	s->was_pending = sigpending(&pending) == 0 &&
			 sigismember(&pending, SIGPIPE) == 1;
	s->blocked = pthread_sigmask(SIG_BLOCK, &pipe, &s->old) == 0;
	errno = e;
}

void xhp_sigpipe_restore(struct xhp_sigpipe *s)
{
	static const struct timespec now = { 0, 0 };
	sigset_t pipe;
	int e = errno;

	if (!s->blocked)
		return;
	pipe_set(&pipe);
	if (!s->was_pending)
		while (sigtimedwait(&pipe, NULL, &now) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &s->old, NULL);
	errno = e;
}
