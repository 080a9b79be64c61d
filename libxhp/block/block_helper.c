// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A vbd whose type is neither phy nor file: run the executable
 * block-<type> found beside the script (the directory of the `script`
 * setting, else /etc/xen/scripts), as Xen's block script does, with an
 * through xhp_script_run (argv array, the caller's environment plus the
 * protocol's variables, stdin /dev/null, own process group killed at the
 * deadline).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xhp/script.h>

#include "block_helper.h"
#include "request.h"
#include "util.h"

#define XEN_SCRIPT_DIR "/etc/xen/scripts"

static bool type_valid(const char *t)
{
	size_t i;

	if (!t[0] || strlen(t) > 64)
		return false;
	for (i = 0; t[i]; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		      (t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9') || t[i] == '_' ||
		      t[i] == '-' || t[i] == '.'))
			return false;
	return t[0] != '.';
}

int xhp_block_helper_find(const xhp_request *req, const char *type, char *buf,
			  size_t size)
{
	const char *script = xhp_request_setting(req, "script");
	const char *slash;

	if (!type_valid(type))
		return -EINVAL;
	if (script && script[0] == '/' && (slash = strrchr(script, '/'))) {
		snprintf(buf, size, "%.*s/block-%s", (int)(slash - script),
			 script, type);
		if (access(buf, X_OK) == 0)
			return 0;
	}
	snprintf(buf, size, "%s/block-%s", XEN_SCRIPT_DIR, type);
	return access(buf, X_OK) == 0 ? 0 : -ENOENT;
}

int xhp_block_helper_run(xhp_ctx *ctx, const xhp_request *req,
			 const char *helper, const char *command)
{
	xhp_result *res = NULL;
	int r;

	xhp_info(ctx, "running %s %s", helper, command);
	r = xhp_script_run(ctx, helper, req, &res);
	if (r == -EIO && res) {
		if (xhp_result_signal(res))
			r = xhp_err(ctx, EIO, "%s %s was killed by signal %d",
				    helper, command, xhp_result_signal(res));
		else
			r = xhp_err(ctx, EIO, "%s %s exited with status %d%s%s",
				    helper, command, xhp_result_exit_code(res),
				    xhp_result_message(res) ? ": " : "",
				    xhp_result_message(res) ?
					    xhp_result_message(res) :
					    "");
	} else if (r == -ETIMEDOUT) {
		r = xhp_err(ctx, ETIMEDOUT,
			    "%s %s did not finish in time: killed", helper,
			    command);
	} else if (r < 0 && !ctx->err[0]) {
		r = xhp_err(ctx, r, "cannot run %s %s: %s", helper, command,
			    strerror(-r));
	}
	xhp_result_free(res);
	return r;
}
