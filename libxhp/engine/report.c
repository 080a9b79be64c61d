// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The report policy, the one place that decides what a run writes under
 * its backend:
 *
 *   success of online (vif) or add (vbd, vbd3): the personality's keys
 *     (block: physical-device, physical-device-path, node, diskseq) and
 *     hotplug-status=connected; hotplug-error removed
 *   success of add (tap): the keys only, hotplug-error removed (netback
 *     waits for the vif's connected, never the tap's: as Xen's scripts)
 *     (vif-bridge also writes the frontend's mtu key in it, if the
 *     frontend's directory exists)
 *   success of offline/remove: nothing
 *   failure: hotplug-error=<message>, hotplug-status=error (or busy)
 *
 * always in ONE transaction that first checks the backend directory still
 * exists: a report never creates a backend (a missing one is -ENOENT and
 * nothing is written). Nothing is written in a dry run or when the run's
 * sink is the result only.
 */
#include <stdio.h>
#include <string.h>

#include "personality.h"
#include "util.h"

bool xhp_report_connects(int kind, int action)
{
	switch (kind) {
	case XHP_KIND_VIF:
		return action == XHP_ACTION_ONLINE;
	case XHP_KIND_VBD:
	case XHP_KIND_VBD3:
		return action == XHP_ACTION_ADD;
	default:
		return false;
	}
}

int xhp_report_success(struct xhp_op *op)
{
	struct xhp_kv kv[XHP_OP_KEYS_MAX + 2];
	struct xhp_kv_group g[2];
	size_t i, n = 0;
	int r;

	for (i = 0; i < op->n_keys; i++) {
		kv[n++] = op->keys[i];
		r = xhp_result_put(op->res, op->keys[i].key, op->keys[i].value);
		if (r < 0)
			return xhp_err(op->ctx, r, "out of memory");
	}
	if (op->dry_run || !op->report || op->unchanged)
		return 0;
	kv[n++] = (struct xhp_kv){ "hotplug-error", NULL };
	if (xhp_report_connects(op->req->kind, op->req->action))
		kv[n++] = (struct xhp_kv){ "hotplug-status", "connected" };
	g[0] = (struct xhp_kv_group){ op->req->backend_path, kv, n, true };
	g[1] = (struct xhp_kv_group){ op->side_base, op->side_keys, op->n_side,
				      false };
	return xhp_xs_write_groups(op->ctx, g, op->n_side ? 2 : 1, NULL);
}

int xhp_report_failure(xhp_ctx *ctx, const char *backend_path, int status,
		       const char *message)
{
	char line[XHP_ERR_MAX];
	struct xhp_kv kv[2] = {
		{ "hotplug-error", line },
		{ "hotplug-status", xhp_result_status_to_string(status) },
	};

	/* The message may carry text from elsewhere (an OVSDB error, a
	 * helper's own hotplug-error): one line of it. */
	snprintf(line, sizeof(line), "%s", message);
	xhp_one_line(line);
	return xhp_xs_write_keys(ctx, backend_path, kv, 2);
}

XHP_EXPORT int xhp_device_report(xhp_ctx *ctx, const char *backend_path,
				 int status, const char *message)
{
	return xhp_device_report_ext(ctx, backend_path, status, message, 0);
}

XHP_EXPORT int xhp_device_report_ext(xhp_ctx *ctx, const char *backend_path,
				     int status, const char *message,
				     unsigned int flags)
{
	static const struct xhp_kv connected = { "hotplug-status",
						 "connected" };
	struct xhp_kv kv[2];
	unsigned int domid, devid;
	char type[8];
	int r;

	if (!ctx || !backend_path || !xhp_result_status_to_string(status) ||
	    (flags & ~(unsigned int)XHP_REPORT_UNLESS_CONNECTED) ||
	    (status == XHP_STATUS_CONNECTED && message) ||
	    ((status == XHP_STATUS_ERROR || status == XHP_STATUS_BUSY) &&
	     !message))
		return -EINVAL;
	xhp_clear_error(ctx);
	/* A newline would forge a line wherever the message is shown. */
	if (message && !xhp_is_one_line(message))
		return xhp_err(
			ctx, EINVAL,
			"hotplug-error message holds a control character (a newline?)");
	r = xhp_backend_path_parse(ctx, backend_path, type, &domid, &devid);
	if (r < 0)
		return r;
	switch (status) {
	case XHP_STATUS_NONE:
		kv[0] = (struct xhp_kv){ "hotplug-error", NULL };
		kv[1] = (struct xhp_kv){ "hotplug-status", NULL };
		break;
	case XHP_STATUS_CONNECTED:
		kv[0] = (struct xhp_kv){ "hotplug-error", NULL };
		kv[1] = (struct xhp_kv){ "hotplug-status", "connected" };
		break;
	default:
		kv[0] = (struct xhp_kv){ "hotplug-error", message };
		kv[1] = (struct xhp_kv){ "hotplug-status",
					 xhp_result_status_to_string(status) };
		break;
	}
	if (flags & XHP_REPORT_UNLESS_CONNECTED)
		return xhp_xs_write_keys_unless(ctx, backend_path, kv, 2,
						&connected);
	return xhp_xs_write_keys(ctx, backend_path, kv, 2);
}
