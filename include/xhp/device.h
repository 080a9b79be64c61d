/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: the device personalities, run in-process.
 *
 * A personality does what one of Xen's scripts does: "vif-bridge",
 * "vif-openvswitch", "vif-route", "block". Xen's combination rules apply:
 * vif personalities act on online/offline of a vif and add/remove of a
 * tap and succeed doing nothing otherwise; block acts on add/remove.
 */
#ifndef XHP_DEVICE_H
#define XHP_DEVICE_H

#include <xhp/common.h>
#include <xhp/ctx.h>
#include <xhp/request.h>
#include <xhp/result.h>

XHP_BEGIN_DECLS

/*
 * xhp_device_run: run @personality for @req: read the backend keys from
 * xenstore, plumb, and report hotplug-status (and hotplug-error, and for
 * block physical-device, physical-device-path, node for files, and
 * diskseq where the kernel has one) in one transaction.
 * On failure everything this run did is undone before it returns.
 * @ret_result: may be NULL. Unlike other calls, it is written on failure
 *   too (when the operation got as far as running), so that the caller
 *   sees what was reported.
 * Returns: 0 on success (including a combination that needs nothing),
 *   -EINVAL (unknown personality, bad request or key), -ENOENT (device,
 *   bridge or file missing), -EBUSY (in use: hotplug-status=busy),
 *   -ETIMEDOUT (deadline), or the negative errno of the failing step.
 *   The message is on @ctx and, when xenstore is reachable, in
 *   <backend>/hotplug-error.
 * Ownership: the caller owns *ret_result; free with xhp_result_free().
 * Since: 1.0
 */
XHP_EXPORT int xhp_device_run(xhp_ctx *ctx, const char *personality,
			      const xhp_request *req, xhp_result **ret_result);

/*
 * xhp_device_personality_at: the name of the @index-th personality, or
 * NULL past the end (to list them). Since: 1.0
 */
XHP_EXPORT const char *xhp_device_personality_at(unsigned int index);

/*
 * xhp_device_report: write an outcome under @backend_path in ONE
 * transaction (retried on conflicts): XHP_STATUS_CONNECTED writes
 * hotplug-status=connected and removes hotplug-error (@message NULL);
 * XHP_STATUS_ERROR and XHP_STATUS_BUSY write hotplug-error=@message and
 * hotplug-status; XHP_STATUS_NONE removes both (before a retry).
 * For callers that fail before a request exists (a CLI whose arguments do
 * not parse) and toolstacks resetting a backend.
 * @backend_path: as in XENBUS_PATH; validated.
 * @message: one line: a control character (a newline, an escape) is
 *   refused, nothing is written.
 * Returns: 0, or -EINVAL (bad path, status or message), -ECONNREFUSED
 *   (no xenstore), or the errno of the failing xenstore call.
 * Since: 1.0
 */
XHP_EXPORT int xhp_device_report(xhp_ctx *ctx, const char *backend_path,
				 int status, const char *message);

XHP_END_DECLS

#endif /* XHP_DEVICE_H */
