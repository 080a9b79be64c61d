// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The smallest libxhp program: parse a libxl-style vif environment and
 * print what it asks for. Built against the installed library.
 */
#include <stdio.h>

#include <xhp/xhp.h>

int main(void)
{
	char *argv[] = { "online", "type_if=vif", NULL };
	char *envp[] = { "XENBUS_PATH=backend/vif/3/0", "vif=vif3.0", NULL };
	xhp_request *req = NULL;
	xhp_ctx *ctx = NULL;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return 1;
	r = xhp_request_parse(ctx, 2, argv, envp, &req);
	if (r < 0) {
		fprintf(stderr, "parse: %s\n", xhp_ctx_last_error(ctx));
		xhp_ctx_unref(ctx);
		return 1;
	}
	printf("libxhp %s: %s %s %s\n", xhp_version(),
	       xhp_request_action_to_string(xhp_request_action(req)),
	       xhp_request_device(req), xhp_request_backend_path(req));
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return 0;
}
