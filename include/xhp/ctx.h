/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: the library context.
 *
 * One xhp_ctx per caller: it holds the xenstore connection, the logger,
 * the operation deadline and the last error message. A context is cheap
 * to create and can be reused for any number of operations. A context is
 * not thread-safe: use one per thread.
 */
#ifndef XHP_CTX_H
#define XHP_CTX_H

#include <stdint.h>
#include <xhp/common.h>

XHP_BEGIN_DECLS

typedef struct xhp_ctx xhp_ctx;

/*
 * A log callback. @priority is a syslog(3) priority (LOG_ERR ...
 * LOG_DEBUG); @message is one line without a trailing newline, borrowed
 * for the duration of the call.
 */
typedef void (*xhp_log_fn)(void *userdata, int priority, const char *message);

/*
 * xhp_ctx_new: create a context with a reference count of one.
 * The library logs nothing until a log function is set; XHP_DEBUG=1 in the
 * environment (read with secure_getenv) raises the priority to LOG_DEBUG.
 * Returns: 0, or -EINVAL (ret_ctx NULL), -ENOMEM.
 * Ownership: the caller owns *ret_ctx; drop it with xhp_ctx_unref().
 * Since: 1.0
 */
XHP_EXPORT int xhp_ctx_new(xhp_ctx **ret_ctx);

/* xhp_ctx_ref: take a reference. Returns @ctx. NULL-safe. Since: 1.0 */
XHP_EXPORT xhp_ctx *xhp_ctx_ref(xhp_ctx *ctx);

/*
 * xhp_ctx_unref: drop a reference; the last one closes the xenstore
 * connection and frees the context. NULL-safe. Returns NULL. Since: 1.0
 */
XHP_EXPORT xhp_ctx *xhp_ctx_unref(xhp_ctx *ctx);

/*
 * xhp_ctx_last_error: the message of the last failed call on @ctx, or ""
 * when none failed. Borrowed: valid until the next call on @ctx.
 * Since: 1.0
 */
XHP_EXPORT const char *xhp_ctx_last_error(const xhp_ctx *ctx);

/*
 * xhp_ctx_set_log_fn: send log lines of priority <= the context's
 * priority (default LOG_INFO, LOG_DEBUG with XHP_DEBUG=1) to @fn: what
 * the library does (info, debug) and what it cannot return (warnings: an
 * undo step that failed after the error being returned). An error a call
 * returns is never logged: its message is xhp_ctx_last_error().
 * @fn NULL silences the library. Returns: 0, or -EINVAL if @ctx is NULL.
 * Since: 1.0
 */
XHP_EXPORT int xhp_ctx_set_log_fn(xhp_ctx *ctx, xhp_log_fn fn, void *userdata);

/*
 * xhp_ctx_set_log_priority: the highest syslog priority passed to the log
 * function. Returns: 0, or -EINVAL if @priority is not 0..7. Since: 1.0
 */
XHP_EXPORT int xhp_ctx_set_log_priority(xhp_ctx *ctx, int priority);

/*
 * xhp_ctx_set_timeout_ms: the deadline of one whole operation (a device
 * add or remove, a lock wait, a script run). Default 30000 ms for the
 * operations done in-process (inside libxl's 40 s) and 40000 ms for a
 * script run by xhp_script_spawn() (libxl's own deadline); once set, @ms
 * applies to both. Every xenstore call on a socket connection is bounded
 * by what is left of it (outside an operation: by the timeout itself); a
 * xenstored that stops answering gives -ETIMEDOUT, not a hang.
 * Returns: 0, or -EINVAL if @ms is 0 or above UINT64_MAX / 1000.
 * Since: 1.0
 */
XHP_EXPORT int xhp_ctx_set_timeout_ms(xhp_ctx *ctx, uint64_t ms);

/*
 * xhp_ctx_set_lock_dir: the directory of hotplug lock files, by default
 * /var/run/xen-hotplug as in Xen's locking.sh. The string is copied.
 * Returns: 0, or -EINVAL (not absolute), -ENOMEM. Since: 1.0
 */
XHP_EXPORT int xhp_ctx_set_lock_dir(xhp_ctx *ctx, const char *dir);

/*
 * xhp_ctx_set_dry_run: with @dry_run non-zero, device operations read
 * everything they need and log each step they would take (LOG_INFO), but
 * change nothing: no links, no loop devices, no OVSDB or xenstore writes.
 * Returns: 0, or -EINVAL. Since: 1.0
 */
XHP_EXPORT int xhp_ctx_set_dry_run(xhp_ctx *ctx, int dry_run);

XHP_END_DECLS

#endif /* XHP_CTX_H */
