/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: the outcome of a hotplug operation, run in-process or as a
 * device script.
 */
#ifndef XHP_RESULT_H
#define XHP_RESULT_H

#include <stdint.h>
#include <xhp/common.h>

XHP_BEGIN_DECLS

typedef struct xhp_result xhp_result;

/* What <backend>/hotplug-status says after the operation. */
enum xhp_status {
	XHP_STATUS_NONE = 0, /* nothing written (remove, no-op) */
	XHP_STATUS_CONNECTED = 1, /* "connected" */
	XHP_STATUS_ERROR = 2, /* "error" */
	XHP_STATUS_BUSY = 3 /* "busy" */
};

/* xhp_result_status: an enum xhp_status value. Since: 1.0 */
XHP_EXPORT int xhp_result_status(const xhp_result *res);

/*
 * xhp_result_message: the hotplug-error message, or NULL when there is
 * none. Borrowed, valid while @res lives. Since: 1.0
 */
XHP_EXPORT const char *xhp_result_message(const xhp_result *res);

/*
 * xhp_result_value: a key the operation wrote under the backend path
 * ("physical-device", "physical-device-path", "node", ...) or read back
 * from it after a script; NULL if none. Borrowed. Since: 1.0
 */
XHP_EXPORT const char *xhp_result_value(const xhp_result *res, const char *key);

/*
 * xhp_result_exit_code: in-process runs: 0 success, 1 failure; scripts:
 * their exit status, or -1 when killed by a signal (see
 * xhp_result_signal). Since: 1.0
 */
XHP_EXPORT int xhp_result_exit_code(const xhp_result *res);

/* xhp_result_signal: the signal that ended a script, or 0. Since: 1.0 */
XHP_EXPORT int xhp_result_signal(const xhp_result *res);

/* xhp_result_timed_out: 1 if the deadline killed the script. Since: 1.0 */
XHP_EXPORT int xhp_result_timed_out(const xhp_result *res);

/* xhp_result_elapsed_us: wall time of the operation. Since: 1.0 */
XHP_EXPORT uint64_t xhp_result_elapsed_us(const xhp_result *res);

/*
 * xhp_result_stderr: what a script wrote to stderr (the last 64 KiB at
 * most), or NULL for in-process runs. Borrowed. Since: 1.0
 */
XHP_EXPORT const char *xhp_result_stderr(const xhp_result *res);

/* xhp_result_free: NULL-safe; returns NULL. Since: 1.0 */
XHP_EXPORT xhp_result *xhp_result_free(xhp_result *res);

/*
 * xhp_result_status_to_string: "connected", "error", "busy"; "" for
 * XHP_STATUS_NONE; NULL if @status is not one. Since: 1.0
 */
XHP_EXPORT const char *xhp_result_status_to_string(int status);

XHP_END_DECLS

#endif /* XHP_RESULT_H */
