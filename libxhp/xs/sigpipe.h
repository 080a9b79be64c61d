/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * No SIGPIPE out of a libxenstore call, whatever the caller's disposition
 * and threads.
 *
 * libxenstore writes its socket with write(2) and ignores SIGPIPE
 * meanwhile with a process-wide sigaction(), restoring the old action
 * afterwards. In a threaded caller (one context per thread) those
 * save/restore pairs interleave: one thread can put SIGPIPE back to its
 * default while another writes to a xenstored that closed the connection
 * (a restart), and the process dies mid-operation, before its undo. So
 * the calling thread blocks SIGPIPE around each call and takes back the
 * SIGPIPE the call raised (it is sent to the writing thread); one that
 * was pending before the call is left to the caller.
 */
#ifndef XHP_SIGPIPE_H
#define XHP_SIGPIPE_H

#include <signal.h>
#include <stdbool.h>

struct xhp_sigpipe {
	sigset_t old; /* the thread's mask before */
	bool blocked; /* the mask was changed */
	bool was_pending; /* a SIGPIPE was pending before: not ours */
};

void xhp_sigpipe_block(struct xhp_sigpipe *s);
/* Consume the SIGPIPE raised since _block(), restore the mask; errno kept. */
void xhp_sigpipe_restore(struct xhp_sigpipe *s);

/* @call (an expression) with SIGPIPE blocked and consumed; its value. */
#define XHP_NO_SIGPIPE(call)               \
	({                                 \
		struct xhp_sigpipe sp_;    \
		__typeof__(call) v_;       \
		xhp_sigpipe_block(&sp_);   \
		v_ = (call);               \
		xhp_sigpipe_restore(&sp_); \
		v_;                        \
	})

#endif
