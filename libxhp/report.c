// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reporting an outcome under a backend path: hotplug-status and
 * hotplug-error in one transaction. */
#include <string.h>

#include "request.h"
#include "util.h"
#include "xs.h"

XHP_EXPORT int xhp_device_report(xhp_ctx *ctx, const char *backend_path,
				 int status, const char *message)
{
	struct xhp_kv kv[2];
	unsigned int domid, devid;
	char type[8];
	int r;

	if (!ctx || !backend_path || !xhp_result_status_to_string(status) ||
	    (status == XHP_STATUS_CONNECTED && message) ||
	    ((status == XHP_STATUS_ERROR || status == XHP_STATUS_BUSY) &&
	     !message))
		return -EINVAL;
	/* A newline would forge a line wherever the message is shown. */
	if (message && !xhp_is_one_line(message))
		return xhp_err(ctx, EINVAL,
			       "hotplug-error message holds a control "
			       "character (a newline?)");
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
	return xhp_xs_write_keys(ctx, backend_path, kv, 2);
}
