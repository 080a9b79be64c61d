// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kvm-tap: plug a tap onto a bridge with settings handed over by the
 * caller, on a host with no xenstore at all (a KVM host, a libvirt hook):
 * the library reads no key and writes no report, the outcome comes back
 * in the result.
 *
 *   kvm-tap add|remove TAP [key=value...]      e.g. bridge=br0 mtu=1400
 *
 * Each key=value goes through xhp_settings_set(), which checks it with
 * the key's parser at once (mtu=abc is refused, naming key and value).
 * Exit status: 0 on success, 1 on failure, 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include <xhp/xhp.h>

int main(int argc, char *argv[])
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_settings *settings = NULL;
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx = NULL;
	int action, r, i;

	if (argc < 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove"))) {
		fprintf(stderr,
			"usage: kvm-tap add|remove TAP [key=value...]\n");
		return 2;
	}
	action = !strcmp(argv[1], "add") ? XHP_ACTION_ADD : XHP_ACTION_REMOVE;
	r = xhp_ctx_new(&ctx);
	if (r >= 0)
		r = xhp_settings_new(ctx, &settings);
	for (i = 3; r >= 0 && i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "kvm-tap: expected key=value: %s\n",
				argv[i]);
			r = -22;
			break;
		}
		*eq = '\0';
		r = xhp_settings_set(settings, argv[i], eq + 1);
	}
	/* No backend path: the device has no xenstore backend. */
	if (r >= 0)
		r = xhp_request_new(ctx, action, XHP_KIND_TAP, NULL, argv[2],
				    &req);
	opts.settings = settings;
	if (r >= 0)
		r = xhp_device_run_ext(ctx, "vif-bridge", req, &opts, &res);
	if (r < 0)
		fprintf(stderr, "kvm-tap: %s\n",
			ctx ? xhp_ctx_last_error(ctx) : "out of memory");
	else
		printf("%s %s: ok in %.2f ms\n", argv[1], argv[2],
		       xhp_result_elapsed_us(res) / 1000.0);
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_settings_free(settings);
	xhp_ctx_unref(ctx);
	return r < 0 ? 1 : 0;
}
