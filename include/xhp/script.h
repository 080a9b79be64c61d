/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: the toolstack side. Run any device script (Xen's or ours) the way
 * libxl does on Linux, with a deadline that kills the script's whole
 * process group, and read back what it reported.
 *
 * argv: <path> online|offline type_if=vif, <path> add|remove type_if=tap,
 *   <path> add|remove for block devices.
 * environment: the caller's, plus script=<path>, XENBUS_TYPE,
 *   XENBUS_PATH (as in the request), XENBUS_BASE_PATH=backend, vif= or
 *   INTERFACE=, and netdev= when the request has netdev or gatewaydev.
 * stdin is /dev/null, stdout is discarded, stderr is captured (the last
 * 64 KiB). The script runs in its own process group.
 */
#ifndef XHP_SCRIPT_H
#define XHP_SCRIPT_H

#include <xhp/common.h>
#include <xhp/ctx.h>
#include <xhp/request.h>
#include <xhp/result.h>

XHP_BEGIN_DECLS

typedef struct xhp_script xhp_script;

/*
 * xhp_script_spawn: start @path for @req. The deadline is 40000 ms from
 * now, as libxl's for a device script, or the context's timeout when the
 * caller set one with xhp_ctx_set_timeout_ms(); or the end of the library
 * operation under way if that comes first.
 * Returns: 0, or -EINVAL (bad arguments, no-op request), -ENOENT/-EACCES
 *   (cannot execute @path), -ENOMEM, -EMFILE.
 * Ownership: the caller owns *ret_script; free it with xhp_script_free().
 *   @req may be freed once this returns. The script keeps a reference on
 *   @ctx.
 * Thread-safety: use a script from one thread at a time.
 * Since: 1.0
 */
XHP_EXPORT int xhp_script_spawn(xhp_ctx *ctx, const char *path,
				const xhp_request *req,
				xhp_script **ret_script);

/*
 * xhp_script_fd: a file descriptor that becomes readable (POLLIN) when
 * the script wrote to stderr or exited: poll it in an event loop and call
 * xhp_script_dispatch(). Borrowed: valid until xhp_script_free().
 * Since: 1.0
 */
XHP_EXPORT int xhp_script_fd(const xhp_script *s);

/*
 * xhp_script_timeout_ms: milliseconds until the deadline (0 when passed),
 * for the event loop's poll timeout. On kernels without pidfd_open (before
 * Linux 5.3) the fd does not signal the exit, and this returns at most
 * 20 ms so that the loop calls xhp_script_dispatch() again soon.
 * Since: 1.0
 */
XHP_EXPORT int xhp_script_timeout_ms(const xhp_script *s);

/*
 * xhp_script_dispatch: do what is pending without blocking: read stderr,
 * reap the script if it exited, kill its process group if the deadline
 * passed. Returns: 1 when the script is finished, 0 while it runs, or a
 * negative errno. Since: 1.0
 */
XHP_EXPORT int xhp_script_dispatch(xhp_script *s);

/*
 * xhp_script_wait: block until the script exits or its deadline passes
 * (then SIGKILL to its whole process group), and read <backend>/
 * hotplug-status and hotplug-error back from xenstore.
 * Returns: 0 when the script succeeded (exit 0), -EIO when it failed
 *   (exit status or signal; the result says which), -ETIMEDOUT when the
 *   deadline killed it, or another negative errno. *ret_result is written
 *   whenever the script ran (also on -EIO and -ETIMEDOUT).
 * @ret_result: may be NULL (the result is then freed).
 * Ownership: the caller owns *ret_result; free with xhp_result_free().
 * Since: 1.0
 */
XHP_EXPORT int xhp_script_wait(xhp_script *s, xhp_result **ret_result);

/*
 * xhp_script_free: if the script still runs, kill its process group and
 * reap it; then free. NULL-safe. Returns NULL. Since: 1.0
 */
XHP_EXPORT xhp_script *xhp_script_free(xhp_script *s);

/*
 * xhp_script_run: xhp_script_spawn() then xhp_script_wait(); same
 * returns. Since: 1.0
 */
XHP_EXPORT int xhp_script_run(xhp_ctx *ctx, const char *path,
			      const xhp_request *req, xhp_result **ret_result);

XHP_END_DECLS

#endif /* XHP_SCRIPT_H */
