// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A run that fails after the policy's batch (its isolation refused, by
 * the fault seam) puts back the state before, as guest_policy.h says:
 * a device that had no chains has none again; one whose chains held
 * another policy keeps the new one (the old cannot be read back, and a
 * plugged guest is not left with none); one whose table held this very
 * policy is sent nothing and keeps it. The `policy` personality on a
 * veth that is a bridge port, in-process, no backend.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fault.h"
#include "nft.h"
#include "pt.h"
#include "testutil.h"

#define DEV "vif5.0"
#define MAC "00:16:3e:00:05:00"
#define IP_A "10.5.0.1"
#define IP_B "10.5.0.2"
/* how nft lists the device's rule on its IPv4 source */
#define HEX_A "ip saddr != 10.5.0.1"
#define HEX_B "ip saddr != 10.5.0.2"

static xhp_ctx *ctx;

/* policy online of DEV with ip @ip and isolated @iso; with a fault plan
 * when @plan is not NULL. */
static int run(const char *ip, const char *iso, struct xhp_fault *plan)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_request *req = NULL;
	xhp_settings *s = NULL;
	int r;

	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	assert_int_equal(xhp_settings_set(s, "mac", MAC), 0);
	assert_int_equal(xhp_settings_set(s, "ip", ip), 0);
	assert_int_equal(xhp_settings_set(s, "isolated", iso), 0);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 NULL, DEV, &req),
			 0);
	opts.settings = s;
	ctx->fault = plan;
	r = xhp_device_run_ext(ctx, "policy", req, &opts, NULL);
	ctx->fault = NULL;
	xhp_request_free(req);
	xhp_settings_free(s);
	return r;
}

static void ok(const char *ip, const char *iso)
{
	if (run(ip, iso, NULL) < 0)
		fail_msg("policy online: %s", xhp_ctx_last_error(ctx));
}

/* The device's chains as nft lists them (the namespace's ruleset: its
 * shard's table), "" when there are none. */
static char *table(void)
{
	char *out = NULL;

	assert_int_equal(
		tu_runl(&out, "nft", "list", "ruleset", "netdev", NULL), 0);
	if (!out || !strstr(out, "chain dev-" DEV " {")) {
		free(out);
		out = strdup("");
	}
	assert_non_null(out);
	return out;
}

/*
 * Run ip @ip isolated=yes with its last seam call (the isolation's
 * RTM_SETLINK: the port is not isolated before) failing. The calls are
 * counted on a run that succeeds from the same state, which @reset then
 * puts back.
 */
static void fail_isolation(const char *ip, void (*reset)(void))
{
	struct xhp_fault count = { 0 }, plan = { 0 };

	assert_int_equal(run(ip, "yes", &count), 0);
	reset();
	plan.fail_at = count.calls;
	plan.err[XHP_FAULT_NL] = EIO;
	assert_int_equal(run(ip, "yes", &plan), -EIO);
	assert_int_equal(plan.hits, 1);
	assert_string_equal(plan.step, "RTM_SETLINK protinfo");
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "isolat"));
}

static void reset_none(void)
{
	ok(IP_A, "no");
	assert_int_equal(
		tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL), 0);
}

static void reset_a(void)
{
	ok(IP_A, "no");
}

static void reset_b(void)
{
	ok(IP_B, "no");
}

/* No chains before: the undo deletes the new ones. */
static void test_new_table_goes(void **state)
{
	char *out;

	(void)state;
	reset_none();
	fail_isolation(IP_A, reset_none);
	out = table();
	assert_string_equal(out, "");
	free(out);
}

/* Another policy before: the new one (what the keys ask for) stays. */
static void test_replaced_policy_stays(void **state)
{
	char *out;

	(void)state;
	reset_a();
	fail_isolation(IP_B, reset_a);
	out = table();
	assert_non_null(strstr(out, "chain dev-" DEV " {"));
	assert_non_null(strstr(out, HEX_B));
	assert_null(strstr(out, HEX_A));
	free(out);
}

/* The same policy before: nothing is sent, and it stays (counters and
 * all: the same listing). */
static void test_same_policy_untouched(void **state)
{
	char *before, *after;

	(void)state;
	reset_b();
	before = table();
	assert_non_null(strstr(before, HEX_B));
	fail_isolation(IP_B, reset_b);
	after = table();
	assert_string_equal(after, before);
	free(before);
	free(after);
}

static int setup(void **state)
{
	(void)state;
	pt_init();
	setenv("XHP_CONFIG", "/dev/null", 1);
	setenv("XENSTORED_PATH", "/nonexistent/xhp-no-xenstore", 1);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	pt_run(NULL, "ip", "link", "add", "xrbr0", "type", "bridge", NULL);
	pt_run(NULL, "ip", "link", "set", "xrbr0", "up", NULL);
	pt_run(NULL, "ip", "link", "add", DEV, "type", "veth", "peer", "name",
	       "g5.0", NULL);
	pt_run(NULL, "ip", "link", "set", DEV, "master", "xrbr0", "up", NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL);
	tu_runl(NULL, "ip", "link", "del", DEV, NULL);
	tu_runl(NULL, "ip", "link", "del", "xrbr0", NULL);
	xhp_ctx_unref(ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_table_goes),
		cmocka_unit_test(test_replaced_policy_stays),
		cmocka_unit_test(test_same_policy_untouched),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
