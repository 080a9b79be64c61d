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

#include <stddef.h>

#include <xhp/common.h>
#include <xhp/ctx.h>
#include <xhp/request.h>
#include <xhp/result.h>
#include <xhp/settings.h>

XHP_BEGIN_DECLS

/*
 * xhp_device_run: run @personality for @req: resolve its settings (see
 * xhp/settings.h: environment < arguments < xenstore, each checked),
 * plumb, and report hotplug-status (and hotplug-error, and for
 * block physical-device, physical-device-path, node for files, and
 * diskseq where the kernel has one) in one transaction that never
 * creates the backend (a backend that is gone is -ENOENT: nothing is
 * written, the plumbing is undone). A successful online or add removes
 * an earlier hotplug-error.
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
 * The backend directory must exist: since 1.1 a missing one is -ENOENT
 * and nothing is written (before, the write created it).
 * Returns: 0, or -EINVAL (bad path, status or message), -ENOENT (no such
 *   backend), -ECONNREFUSED (no xenstore), or the errno of the failing
 *   xenstore call.
 * Since: 1.0
 */
XHP_EXPORT int xhp_device_report(xhp_ctx *ctx, const char *backend_path,
				 int status, const char *message);

/* Flags of xhp_device_report_ext. */
enum xhp_report_flags {
	/* Write nothing when the device's hotplug-status is connected: for
	 * a failure that says nothing about the device (a command line
	 * that does not parse must not turn a working vif into an error). */
	XHP_REPORT_UNLESS_CONNECTED = 1u << 0
};

/*
 * xhp_device_report_ext: xhp_device_report() with @flags
 * (enum xhp_report_flags), checked in the same transaction as the write.
 * Returns: as xhp_device_report(); -EALREADY (message on @ctx) when
 *   XHP_REPORT_UNLESS_CONNECTED and the device is connected: nothing is
 *   written; -ENOENT when the backend does not exist (never created).
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_report_ext(xhp_ctx *ctx, const char *backend_path,
				     int status, const char *message,
				     unsigned int flags);

/* Flags of xhp_device_opts. */
enum xhp_device_flags {
	/* Read everything, check everything, log each step that would
	 * change something at LOG_INFO ("would ..."), change nothing and
	 * write nothing. */
	XHP_DEVICE_DRY_RUN = 1u << 0,
	/* Write nothing to xenstore: the outcome is in the result only
	 * (hotplug-status as xhp_result_status, the keys a report would
	 * write as xhp_result_value). Implied when the request has no
	 * backend path. */
	XHP_DEVICE_NO_REPORT = 1u << 1
};

/*
 * Options of one device operation. Set size to sizeof(xhp_device_opts):
 * the struct grows at its end, and the library reads only the fields the
 * caller's size covers.
 */
typedef struct xhp_device_opts {
	size_t size;
	unsigned int flags; /* enum xhp_device_flags */
	/* The deadline of this run, in ms; 0: the context's. */
	uint64_t timeout_ms;
	/*
	 * Settings handed over by the caller (borrowed for the call), above
	 * argv and the environment. With them, xenstore is not read for
	 * settings at all: a run needs xenstore only to report (and not
	 * even then with XHP_DEVICE_NO_REPORT or no backend path).
	 */
	const xhp_settings *settings;
} xhp_device_opts;

/*
 * xhp_device_run_ext: xhp_device_run() with options (@opts may be NULL:
 * the context's settings, xenstore as source and sink).
 * A request without a backend path (xhp_request_new() with NULL, for a
 * tap on a host without xenstore) needs @opts->settings and reports to
 * the result only.
 * Returns: as xhp_device_run(); -EINVAL also for an @opts whose size is
 *   smaller than its first version's or that has unknown flags.
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_run_ext(xhp_ctx *ctx, const char *personality,
				  const xhp_request *req,
				  const xhp_device_opts *opts,
				  xhp_result **ret_result);

/*
 * xhp_device_uses_setting: whether @personality reads the setting @key.
 * Returns: 1 or 0; -EINVAL for an unknown personality or a key that is
 *   not in the settings table (xhp_setting_key_at()).
 * Since: 1.1
 */
XHP_EXPORT int xhp_device_uses_setting(const char *personality,
				       const char *key);

XHP_END_DECLS

#endif /* XHP_DEVICE_H */
