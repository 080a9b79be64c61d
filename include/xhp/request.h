/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: the hotplug environment as a typed request.
 *
 * A request is what one run of a device script is asked to do: the
 * action, the kind of device, its backend path in xenstore, its current
 * device name and the key=value settings of argv and the environment.
 * Parsing is pure: no I/O, nothing is evaluated.
 */
#ifndef XHP_REQUEST_H
#define XHP_REQUEST_H

#include <xhp/common.h>
#include <xhp/ctx.h>
#include <xhp/settings.h>

XHP_BEGIN_DECLS

typedef struct xhp_request xhp_request;

/* What a run is asked to do (first argument of a device script). */
enum xhp_action {
	XHP_ACTION_ADD = 1,
	XHP_ACTION_REMOVE = 2,
	XHP_ACTION_ONLINE = 3,
	XHP_ACTION_OFFLINE = 4
};

/* The device: a netback vif, an emulated NIC's tap, a block backend. */
enum xhp_kind {
	XHP_KIND_VIF = 1,
	XHP_KIND_TAP = 2,
	XHP_KIND_VBD = 3,
	XHP_KIND_VBD3 = 4
};

/*
 * xhp_request_parse: parse a device script's arguments and environment.
 * @argv: the arguments after the program (and personality) name: the
 *   command (add, remove, online, offline), then key=value settings
 *   (key: a shell variable name), type_if=vif|tap, or a bare vif|tap (the
 *   udev form). @argc elements are read.
 * @envp: NULL-terminated "NAME=value" strings (environ); NULL means none.
 *   Read: XENBUS_PATH, XENBUS_TYPE, XENBUS_BASE_PATH, script, vif,
 *   INTERFACE, type_if, and the keys of the settings table allowed from
 *   the environment (xhp_setting_key_at(): bridge, ip, mac, vifname,
 *   mtu, rate, vlan, netdev, gatewaydev ...).
 * Precedence: environment < argv (xenstore, read later, wins over both).
 * Every value of a key of the settings table is checked by its parser
 * (since 1.1: before, values were checked only when a personality read
 * them).
 * Returns: 0, or -EINVAL with one specific message on @ctx (naming the
 *   key, the source and the value), -ENOMEM.
 * Ownership: the caller owns *ret_req; free it with xhp_request_free().
 *   The request copies everything it keeps.
 * Since: 1.0
 */
XHP_EXPORT int xhp_request_parse(xhp_ctx *ctx, int argc, char *const argv[],
				 char *const envp[], xhp_request **ret_req);

/*
 * xhp_request_new: build a request from values, as a toolstack does.
 * @backend_path: relative ("backend/vif/1/0") or absolute
 *   ("/local/domain/0/backend/vif/1/0") backend path; its type, domid and
 *   devid fix the kind (tap needs @kind XHP_KIND_TAP). Since 1.1 NULL
 *   for a vif or tap @device that has no xenstore backend (a KVM host's
 *   tap): run it with the caller's settings (xhp_device_run_ext()).
 * @device: the current device name (vif1.0, vif1.0-emu); NULL for block.
 * Returns: 0, or -EINVAL (message on @ctx), -ENOMEM.
 * Ownership: the caller owns *ret_req; free it with xhp_request_free().
 * Since: 1.0
 */
XHP_EXPORT int xhp_request_new(xhp_ctx *ctx, int action, int kind,
			       const char *backend_path, const char *device,
			       xhp_request **ret_req);

/*
 * xhp_request_set: add or replace an argv-level setting (key=value).
 * The settings that make the request's kind, backend path and device
 * (XENBUS_PATH, XENBUS_TYPE, type_if, vif, INTERFACE) are fixed once the
 * request exists: build a new request to change them. netdev and
 * gatewaydev must be interface names (or empty), as in xhp_request_parse;
 * since 1.1 every key of the settings table is checked by its parser.
 * Returns: 0, or -EINVAL (bad key or value, or one of those keys),
 *   -ENOMEM. Since: 1.0
 */
XHP_EXPORT int xhp_request_set(xhp_request *req, const char *key,
			       const char *value);

/* xhp_request_free: NULL-safe; returns NULL. Since: 1.0 */
XHP_EXPORT xhp_request *xhp_request_free(xhp_request *req);

/* Accessors. Strings are borrowed, valid while @req lives. Since: 1.0 */
XHP_EXPORT int xhp_request_action(const xhp_request *req);
XHP_EXPORT int xhp_request_kind(const xhp_request *req);
/*
 * 1 when Xen's combination rules say the run has nothing to do (online of
 * a tap, add of a vif, online of a block device), else 0.
 */
XHP_EXPORT int xhp_request_is_noop(const xhp_request *req);
/* The backend path as given (relative or absolute). */
XHP_EXPORT const char *xhp_request_backend_path(const xhp_request *req);
/* The XENBUS type ("vif", "vbd", "vbd3"); tap devices say "vif". */
XHP_EXPORT const char *xhp_request_xenbus_type(const xhp_request *req);
XHP_EXPORT unsigned int xhp_request_domid(const xhp_request *req);
XHP_EXPORT unsigned int xhp_request_devid(const xhp_request *req);
/* vifD.N, vifD.N-emu or a renamed device; NULL for block devices. */
XHP_EXPORT const char *xhp_request_device(const xhp_request *req);

/*
 * xhp_request_setting: the value of a setting from argv, else from the
 * environment; NULL if neither has it. Since: 1.0
 */
XHP_EXPORT const char *xhp_request_setting(const xhp_request *req,
					   const char *key);

/*
 * xhp_request_setting_at: the @index-th setting (argv and environment
 * merged, argv winning), for listing them all.
 * Returns: 0, or -ENOENT past the end. Since: 1.0
 */
XHP_EXPORT int xhp_request_setting_at(const xhp_request *req,
				      unsigned int index, const char **ret_key,
				      const char **ret_value);

/*
 * xhp_request_setting_source: where the value of @key came from:
 * XHP_SOURCE_ENV or XHP_SOURCE_ARGV (xhp/settings.h).
 * Returns: the source, -ENOENT when neither has @key, -EINVAL.
 * Since: 1.1
 */
XHP_EXPORT int xhp_request_setting_source(const xhp_request *req,
					  const char *key);

/*
 * xhp_request_action_to_string, xhp_request_kind_to_string: "add",
 * "online", ...; "vif", "tap", "vbd", "vbd3"; NULL if not one (static
 * strings). Since: 1.0
 */
XHP_EXPORT const char *xhp_request_action_to_string(int action);
XHP_EXPORT const char *xhp_request_kind_to_string(int kind);

XHP_END_DECLS

#endif /* XHP_REQUEST_H */
