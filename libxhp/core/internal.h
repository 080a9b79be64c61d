/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp internals: the context, error reporting, logging and deadlines.
 * Never installed.
 */
#ifndef XHP_INTERNAL_H
#define XHP_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <syslog.h>

#include <xhp/xhp.h>

#define XHP_ERR_MAX 1024
#define XHP_DEFAULT_TIMEOUT_MS 30000
#define XHP_DEFAULT_LOCK_DIR "/var/run/xen-hotplug"

struct xs_handle;
struct xhp_fault;
struct xhp_share_index; /* block/blockdev.h */

struct xhp_ctx {
	unsigned int n_ref;
	xhp_log_fn log_fn;
	void *log_userdata;
	int log_priority;
	uint64_t timeout_ms;
	bool timeout_set; /* by xhp_ctx_set_timeout_ms: scripts use it too */
	bool dry_run;
	uint64_t deadline_us; /* of the operation under way; 0: none */
	/* Set from another thread to end the operation under way: its
	 * deadline counts as passed (host/job.c cancels this way). */
	volatile int cancelled;
	char *lock_dir;
	struct xs_handle *xs; /* opened on first use */
	struct xhp_xs_sock {
		/* Our own descriptor of libxenstore's socket (xs_sock.c),
		 * -1: none (no deadline) */
		int fd;
		int armed_ms; /* SO_RCVTIMEO/SO_SNDTIMEO set on it; 0: none */
		bool dead; /* a call timed out: libxenstore closed it */
		uint64_t dead_op; /* deadline_us of the operation it died in */
		int dead_ms; /* the timeout the call that timed out had */
		char why[64]; /* a message's "did not answer within" (xs.c) */
		bool grace; /* at least the grace per call (commit check) */
		/* A watch connection (xs_watch.c): libxenstore's reader
		 * thread reads the socket, so no timeout is set on it. */
		bool watching;
	} xs_sock;
	/* The last xhp_xs_write_keys() failed with its commit's outcome
	 * unknown (xs.c) */
	bool xs_unknown;
	struct xhp_fault *fault; /* fault injection seam (tests): fault.h */
	/* Who uses which block device, known without a scan (the host
	 * watch's, host/share.c); NULL: the sharing check scans. */
	const struct xhp_share_index *share_index;
	/* SIGPIPE is blocked on the calling thread for the whole operation
	 * under way (engine/device.c; xs/sigpipe.h). */
	bool sigpipe_held;
	/* The nf_tables socket (net/nft.c: xhp_nft_get()), opened on first
	 * use and freed with the context by @nft_free (net/ is above
	 * core/). */
	void *nft;
	void (*nft_free)(void *nft);
	char err[XHP_ERR_MAX];
};

/*
 * Set the context's last error to the formatted message and return
 * -errnum (errnum given positive or negative). Not logged: the caller
 * gets it. A failure that is NOT returned (an undo step, a report after
 * the real error) is logged with xhp_log(LOG_WARNING) instead.
 * Untrusted strings go through "%s" arguments, never as @fmt.
 */
int xhp_err(xhp_ctx *ctx, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xhp_log(xhp_ctx *ctx, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define xhp_debug(ctx, ...) xhp_log(ctx, LOG_DEBUG, __VA_ARGS__)
#define xhp_info(ctx, ...) xhp_log(ctx, LOG_INFO, __VA_ARGS__)
void xhp_clear_error(xhp_ctx *ctx);
/*
 * A new context with @ctx's log function, priority, timeout, lock
 * directory and dry-run flag (not its connection): for a worker thread.
 * Returns 0, -ENOMEM.
 */
int xhp_ctx_clone(const xhp_ctx *ctx, xhp_ctx **ret);
/*
 * In a dry run (@dry_run), log "dry run: would <formatted>" at LOG_INFO
 * and return true: the caller skips the step. Otherwise return false.
 */
bool xhp_dry(xhp_ctx *ctx, bool dry_run, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include "deadline.h"
#include "macros.h"

#endif /* XHP_INTERNAL_H */
