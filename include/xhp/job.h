/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: one device operation, asynchronous, for a toolstack that drives
 * devices from its own event loop (fd / timeout / dispatch / cancel, the
 * sd-netlink way). No process is forked: the operation is
 * xhp_device_run_ext() run on a thread of its own with a context of its
 * own (the caller's log function, priority, timeout, lock directory and
 * dry-run flag), within the same deadline.
 *
 *	xhp_device_job *j;
 *	xhp_device_job_start(ctx, "vif-bridge", req, NULL, &j);
 *	poll xhp_device_job_fd(j) for POLLIN, at most
 *	  xhp_device_job_timeout_ms(j);
 *	r = xhp_device_job_dispatch(j, &res);   1: done, 0: not yet
 *	xhp_device_job_free(j);
 */
#ifndef XHP_JOB_H
#define XHP_JOB_H

#include <xhp/common.h>
#include <xhp/ctx.h>
#include <xhp/device.h>
#include <xhp/request.h>
#include <xhp/result.h>

XHP_BEGIN_DECLS

typedef struct xhp_device_job xhp_device_job;

/*
 * xhp_device_job_start: start @personality for @req (as
 * xhp_device_run_ext() would run it) and return at once.
 * @req is copied; @opts is read now, but @opts->settings is borrowed
 * until the job is freed.
 * Returns: 0, or -EINVAL (unknown personality, bad @opts), -ENOMEM,
 *   -EAGAIN (no thread could be started); message on @ctx.
 * Ownership: the caller owns *ret; free it with xhp_device_job_free().
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_job_start(xhp_ctx *ctx, const char *personality,
				    const xhp_request *req,
				    const xhp_device_opts *opts,
				    xhp_device_job **ret);

/*
 * xhp_device_job_fd: readable (POLLIN) once the operation has ended.
 * Borrowed: valid until xhp_device_job_free(). Since: 1.1
 */
XHP_EXPORT int xhp_device_job_fd(const xhp_device_job *j);

/*
 * xhp_device_job_timeout_ms: milliseconds until the operation's deadline
 * (it ends by itself then, its undo done, within a second's grace per
 * xenstore call); 0 once passed. For the loop's poll timeout.
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_job_timeout_ms(const xhp_device_job *j);

/*
 * xhp_device_job_dispatch: without blocking, whether the operation ended.
 * Returns: 0 while it runs; 1 when it ended well; or its negative errno
 *   as xhp_device_run_ext() returns it (message on the job's @ctx, as
 *   given to xhp_device_job_start()). Once ended, *ret_result (may be
 *   NULL) gets the result, also on failure, once: a later call returns
 *   the same code and leaves *ret_result alone.
 * Ownership: the caller owns *ret_result; free with xhp_result_free().
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_job_dispatch(xhp_device_job *j,
				       xhp_result **ret_result);

/*
 * xhp_device_job_cancel: end the operation early and leave the host as
 * it was: the operation's waits end at once (its deadline counts as
 * passed, so a failing add replays its undo journal), this call waits
 * for it to end (blocks at most until its deadline), and an add or
 * online that had already succeeded is undone by the matching remove or
 * offline. A job that ended before is undone the same way.
 * Returns: 0 (nothing to undo, or undone), -EALREADY (cancelled before),
 *   or the undo's negative errno (message on @ctx).
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_job_cancel(xhp_device_job *j);

/*
 * xhp_device_job_free: a job still running is left to end by itself
 * (within its deadline) and its outcome kept (call
 * xhp_device_job_cancel() first to undo it). NULL-safe. Returns NULL.
 * Since: 1.1
 */
XHP_EXPORT xhp_device_job *xhp_device_job_free(xhp_device_job *j);

XHP_END_DECLS

#endif /* XHP_JOB_H */
