// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Caller-provided settings, no xenstore: a tap is plugged onto a bridge
 * by examples/kvm-tap.c (the public API only) in a throwaway network
 * namespace while XENSTORED_PATH names a socket that does not exist, so
 * any xenstore access would fail the run. Then the API's refusals: a bad
 * value at xhp_settings_set, a request with no backend and no settings,
 * bad options.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <xhp/xhp.h>

#include "testutil.h"

static char **env; /* XENSTORED_PATH pointing nowhere */

static int kvm_tap(char **out, const char *a1, const char *a2, const char *a3,
		   const char *a4)
{
	char *argv[] = { EXAMPLE_KVM_TAP, (char *)a1, (char *)a2,
			 (char *)a3,	  (char *)a4, NULL };

	return tu_run(argv, env, 10000, out);
}

static char *link_line(const char *dev)
{
	char *out = NULL;

	assert_int_equal(tu_runl(&out, "ip", "-o", "link", "show", dev, NULL),
			 0);
	return out;
}

static void test_plug_unplug(void **state)
{
	char *out, *l, *before;

	assert_int_equal(tu_runl(NULL, "ip", "link", "add", "br0", "type",
				 "bridge", NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "tuntap", "add", "kvmtap0", "mode",
				 "tap", NULL),
			 0);
	assert_int_equal(
		kvm_tap(&out, "add", "kvmtap0", "bridge=br0", "mtu=1400"), 0);
	assert_non_null(strstr(out, "add kvmtap0: ok"));
	free(out);
	l = link_line("kvmtap0");
	assert_non_null(strstr(l, "master br0"));
	assert_non_null(strstr(l, "mtu 1400"));
	assert_non_null(strstr(l, ",UP"));
	free(l);
	/* Twice is safe. */
	assert_int_equal(
		kvm_tap(&out, "add", "kvmtap0", "bridge=br0", "mtu=1400"), 0);
	free(out);
	assert_int_equal(kvm_tap(&out, "remove", "kvmtap0", NULL, NULL), 0);
	free(out);
	l = link_line("kvmtap0");
	assert_null(strstr(l, "master"));
	assert_null(strstr(l, ",UP"));
	free(l);
	/* A bad value changes nothing: refused when set. */
	assert_int_equal(
		kvm_tap(&out, "add", "kvmtap0", "bridge=br0", "mtu=abc"), 1);
	assert_non_null(strstr(out, "bad mtu 'abc' from the caller's "
				    "settings: expected a decimal number "
				    "68..65535"));
	free(out);
	l = link_line("kvmtap0");
	assert_null(strstr(l, "master"));
	free(l);
	/* A missing bridge: refused, the link exactly as it was. */
	before = link_line("kvmtap0");
	assert_int_equal(kvm_tap(&out, "add", "kvmtap0", "bridge=nobr", NULL),
			 1);
	assert_non_null(strstr(out, "Could not find bridge device nobr"));
	free(out);
	l = link_line("kvmtap0");
	assert_string_equal(l, before);
	free(l);
	free(before);
}

static void test_api_refusals(void **state)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_settings *s;
	xhp_request *req;
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	assert_int_equal(xhp_settings_set(s, "mac", "garbage"), -EINVAL);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "bad mac 'garbage' from the caller's settings: "
			    "expected six hex octets aa:bb:cc:dd:ee:ff");
	assert_int_equal(xhp_settings_set(s, "frob", "1"), -EINVAL);
	assert_string_equal(xhp_ctx_last_error(ctx), "unknown setting 'frob'");
	assert_int_equal(xhp_settings_set(s, "netdev", "eth0"), 0);
	assert_string_equal(xhp_settings_get(s, "netdev"), "eth0");
	assert_int_equal(xhp_settings_set(s, "netdev", NULL), 0);
	assert_null(xhp_settings_get(s, "netdev"));
	/* No backend path: only vif and tap, and only with settings. */
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD,
					 NULL, "x", &req),
			 -EINVAL);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_TAP,
					 NULL, "kvmtap9", &req),
			 0);
	assert_int_equal(xhp_device_run(ctx, "vif-bridge", req, NULL), -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx),
			       "a request without a backend path needs the "
			       "caller's settings"));
	opts.size = 4;
	opts.settings = s;
	assert_int_equal(xhp_device_run_ext(ctx, "vif-bridge", req, &opts,
					    NULL),
			 -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "bad xhp_device_opts"));
	opts.size = sizeof(opts);
	opts.flags = 1u << 7;
	assert_int_equal(xhp_device_run_ext(ctx, "vif-bridge", req, &opts,
					    NULL),
			 -EINVAL);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "bad xhp_device_opts"));
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "flags 0x80"));
	/* The settings table and who uses what. */
	assert_int_equal(xhp_device_uses_setting("vif-bridge", "mtu"), 1);
	assert_int_equal(xhp_device_uses_setting("vif-route", "mtu"), 0);
	assert_int_equal(xhp_device_uses_setting("vif-route", "nokey"),
			 -EINVAL);
	assert_string_equal(xhp_source_to_string(XHP_SOURCE_XENSTORE),
			    "xenstore");
	assert_null(xhp_source_to_string(0));
	xhp_request_free(req);
	xhp_settings_free(s);
	xhp_ctx_unref(ctx);
}

int main(void)
{
	static const char *const add[] = {
		"XENSTORED_PATH=/nonexistent/xhp-no-xenstore", NULL
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plug_unplug),
		cmocka_unit_test(test_api_refusals),
	};

	tu_require_root("network namespaces");
	if (tu_netns_enter() < 0)
		return 1;
	env = tu_env(NULL, add);
	setenv("XENSTORED_PATH", "/nonexistent/xhp-no-xenstore", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
