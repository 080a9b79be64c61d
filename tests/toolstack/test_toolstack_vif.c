// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The toolstack side, vif: each scenario runs three ways on the same
 * set-up: Xen's /etc/xen/scripts/vif-bridge through the script runner
 * (xhp_script_run, as libxl would run it), our vif-bridge link
 * (build/cli/vif-bridge, the installed-like path) through the runner, and
 * our personality in-process (xhp_device_run). The results (exit status,
 * hotplug-status, hotplug-error) and the kernel state must agree, and the
 * result structure must say what xenstore says. Then the two examples run
 * against a real bridge.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bt.h"
#include "testutil.h"

static struct bt T;

#define BE "/local/domain/0/backend/vif/1/0"
#define BE1 "/local/domain/0/backend/vif/1/1"
#define XEN_SCRIPT "/etc/xen/scripts/vif-bridge"

enum way { XEN_RUNNER, OURS_RUNNER, OURS_INPROC, N_WAYS };
static const char *const way_name[] = { "xen via runner", "ours via runner",
					"ours in-process" };
static char ours_script[4096];

struct outcome {
	int exit_code;
	int status; /* from the result */
	char *error; /* from the result */
	char *xs_status, *xs_error; /* from xenstore */
	bool exists, up;
	char master[IFNAMSIZ];
	uint8_t mac[6];
	unsigned int mtu;
};

static void outcome_free(struct outcome *o)
{
	free(o->error);
	free(o->xs_status);
	free(o->xs_error);
}

static void reset(void)
{
	tu_links_del_all(NULL);
	tu_xs_rm(T.xs, "/local/domain/0/backend");
	tu_xs_rm(T.xs, "/local/domain/1");
	bt_sh("ip", "link", "add", "br0", "type", "bridge");
	bt_sh("ip", "link", "set", "br0", "up");
	bt_sh("ip", "tuntap", "add", "vif1.0", "mode", "tap");
	bt_sh("ip", "link", "set", "vif1.0", "address", "02:11:22:33:44:55");
	bt_sh("ip", "tuntap", "add", "vif1.0-emu", "mode", "tap");
	assert_int_equal(tu_xs_write(T.xs, BE "/hotplug-status", ""), 0);
	assert_int_equal(tu_xs_write(T.xs, BE "/frontend",
				     "/local/domain/1/device/vif/0"),
			 0);
	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "br0"), 0);
}

/* One step one way; returns the exit status (in-process: 0 or 1). */
static int step(enum way w, int action, struct outcome *o)
{
	bool tap = action == XHP_ACTION_ADD || action == XHP_ACTION_REMOVE;
	int kind = tap ? XHP_KIND_TAP : XHP_KIND_VIF;
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx;
	int r, code;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 40000), 0);
	assert_int_equal(xhp_request_new(ctx, action, kind, "backend/vif/1/0",
					 tap ? "vif1.0-emu" : "vif1.0", &req),
			 0);
	if (w == OURS_INPROC)
		r = xhp_device_run(ctx, "vif-bridge", req, &res);
	else
		r = xhp_script_run(ctx,
				   w == XEN_RUNNER ? XEN_SCRIPT : ours_script,
				   req, &res);
	assert_non_null(res);
	code = xhp_result_exit_code(res);
	/* the return value agrees with the result */
	assert_int_equal(code != 0, r < 0);
	if (w != OURS_INPROC && r < 0)
		assert_int_equal(r, -EIO);
	if (getenv("TS_VERBOSE"))
		fprintf(stderr, "%s %s: %d %s\n%s\n", way_name[w],
			xhp_request_action_to_string(action), r,
			xhp_ctx_last_error(ctx),
			xhp_result_stderr(res) ? xhp_result_stderr(res) : "");
	if (o) {
		o->exit_code = code;
		o->status = xhp_result_status(res);
		o->error = xhp_result_message(res) ?
				   strdup(xhp_result_message(res)) :
				   NULL;
	}
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return code;
}

static void take(struct outcome *o, const char *name)
{
	struct xhp_link l;

	o->xs_status = tu_xs_read(T.xs, BE "/hotplug-status");
	o->xs_error = tu_xs_read(T.xs, BE "/hotplug-error");
	if (bt_link(&T, name, &l) < 0)
		return;
	o->exists = true;
	snprintf(o->master, sizeof(o->master), "%s", bt_master(&T, &l));
	o->up = l.flags & IFF_UP;
	memcpy(o->mac, l.addr, 6);
	o->mtu = l.mtu;
}

static void streq_or_null(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
		fail_msg("%s: '%s' vs '%s'", what, a ? a : "(none)",
			 b ? b : "(none)");
}

/*
 * After a runner, the result's status is what it read back; in-process,
 * what the run wrote (none for offline/remove, which write nothing).
 */
static void compare(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->exit_code, b->exit_code);
	if (b->status != XHP_STATUS_NONE)
		assert_int_equal(a->status, b->status);
	streq_or_null("hotplug-error (result)", a->error, b->error);
	streq_or_null("hotplug-status", a->xs_status, b->xs_status);
	streq_or_null("hotplug-error", a->xs_error, b->xs_error);
	assert_int_equal(a->exists, b->exists);
	assert_string_equal(a->master, b->master);
	assert_int_equal(a->up, b->up);
	assert_memory_equal(a->mac, b->mac, 6);
	assert_int_equal(a->mtu, b->mtu);
}

/* The result says what xenstore says. */
static void self_consistent(const struct outcome *o)
{
	const char *name = xhp_result_status_to_string(o->status);

	if (o->status != XHP_STATUS_NONE)
		assert_string_equal(o->xs_status, name);
	streq_or_null("result vs xenstore hotplug-error", o->error,
		      o->xs_error);
}

typedef void (*prep_fn)(void);

/* Run @actions (0-terminated) each way after @prep; compare the last. */
static void three_ways(prep_fn prep, const int *actions, const char *name,
		       int want_exit, const char *want_status)
{
	struct outcome o[N_WAYS];
	int w;

	memset(o, 0, sizeof(o));
	for (w = 0; w < N_WAYS; w++) {
		const int *a;

		reset();
		if (prep)
			prep();
		for (a = actions; a[1]; a++)
			step(w, *a, NULL);
		step(w, *a, &o[w]);
		take(&o[w], name);
		print_message("  %-16s exit %d status %s master '%s'%s%s\n",
			      way_name[w], o[w].exit_code,
			      o[w].xs_status ? o[w].xs_status : "(none)",
			      o[w].master, o[w].xs_error ? " error: " : "",
			      o[w].xs_error ? o[w].xs_error : "");
		self_consistent(&o[w]);
	}
	assert_int_equal(o[XEN_RUNNER].exit_code, want_exit);
	streq_or_null("hotplug-status", o[XEN_RUNNER].xs_status, want_status);
	compare(&o[XEN_RUNNER], &o[OURS_RUNNER]);
	compare(&o[OURS_RUNNER], &o[OURS_INPROC]);
	for (w = 0; w < N_WAYS; w++)
		outcome_free(&o[w]);
}

static void prep_mtu(void)
{
	assert_int_equal(tu_xs_write(T.xs, BE "/mtu", "1400"), 0);
}

static void prep_missing_bridge(void)
{
	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "nobr0"), 0);
}

static void test_online(void **s)
{
	static const int a[] = { XHP_ACTION_ONLINE, 0 };

	three_ways(NULL, a, "vif1.0", 0, "connected");
}

static void test_online_mtu(void **s)
{
	static const int a[] = { XHP_ACTION_ONLINE, 0 };

	three_ways(prep_mtu, a, "vif1.0", 0, "connected");
}

static void test_online_offline(void **s)
{
	static const int a[] = { XHP_ACTION_ONLINE, XHP_ACTION_OFFLINE, 0 };

	three_ways(NULL, a, "vif1.0", 0, "connected");
}

static void test_missing_bridge(void **s)
{
	static const int a[] = { XHP_ACTION_ONLINE, 0 };

	three_ways(prep_missing_bridge, a, "vif1.0", 1, "error");
}

static void test_tap(void **s)
{
	static const int add[] = { XHP_ACTION_ADD, 0 };
	static const int add_remove[] = { XHP_ACTION_ADD, XHP_ACTION_REMOVE,
					  0 };

	/* Xen's script reports success only for a vif's online */
	three_ways(NULL, add, "vif1.0-emu", 0, "");
	three_ways(NULL, add_remove, "vif1.0-emu", 0, "");
}

/* Run an example program; its output goes to *out. */
static int example(char **out, const char *arg0, const char *arg1, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg1);
	r = tu_runv(out, NULL, 60000, (const char *const[]){ arg0, arg1, NULL },
		    ap);
	va_end(ap);
	print_message("  %s %s ...: exit %d\n%s", arg0, arg1, r,
		      *out ? *out : "");
	return r;
}

static void assert_master(const char *dev, const char *master)
{
	struct xhp_link l;

	assert_int_equal(bt_link(&T, dev, &l), 0);
	assert_string_equal(bt_master(&T, &l), master);
}

/* run-script plumbs two vifs at once, with Xen's script and with ours. */
static void test_example_run_script(void **s)
{
	const char *scripts[] = { XEN_SCRIPT, ours_script };
	char *out = NULL;
	int i;

	for (i = 0; i < 2; i++) {
		reset();
		bt_sh("ip", "tuntap", "add", "vif1.1", "mode", "tap");
		assert_int_equal(tu_xs_write(T.xs, BE1 "/hotplug-status", ""),
				 0);
		assert_int_equal(tu_xs_write(T.xs, BE1 "/bridge", "br0"), 0);
		assert_int_equal(example(&out, EXAMPLE_RUN_SCRIPT, scripts[i],
					 "online", "1.0", "1.1", NULL),
				 0);
		assert_non_null(strstr(out, "vif1.0: exit 0, hotplug-status "
					    "connected"));
		assert_non_null(strstr(out, "vif1.1: exit 0, hotplug-status "
					    "connected"));
		free(out);
		assert_master("vif1.0", "br0");
		assert_master("vif1.1", "br0");
	}
}

/* inprocess-vif plumbs one, and reports a missing bridge. */
static void test_example_inprocess(void **s)
{
	char *out = NULL;

	reset();
	assert_int_equal(
		example(&out, EXAMPLE_INPROCESS, "online", "1.0", NULL), 0);
	assert_non_null(strstr(out, "vif1.0: ok (0), hotplug-status "
				    "connected"));
	free(out);
	assert_master("vif1.0", "br0");
	assert_int_equal(
		example(&out, EXAMPLE_INPROCESS, "offline", "1.0", NULL), 0);
	free(out);
	assert_master("vif1.0", "");

	prep_missing_bridge();
	assert_int_equal(
		example(&out, EXAMPLE_INPROCESS, "online", "1.0", NULL), 1);
	assert_non_null(strstr(out, "hotplug-status error"));
	assert_non_null(strstr(out, "nobr0"));
	free(out);
	assert_master("vif1.0", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_online),
		cmocka_unit_test(test_online_mtu),
		cmocka_unit_test(test_online_offline),
		cmocka_unit_test(test_missing_bridge),
		cmocka_unit_test(test_tap),
		cmocka_unit_test(test_example_run_script),
		cmocka_unit_test(test_example_inprocess),
	};
	char *slash;
	int r;

	if (access(XEN_SCRIPT, X_OK) < 0) {
		fprintf(stderr, "%s is missing: install xen-utils-common\n",
			XEN_SCRIPT);
		return 1;
	}
	/* build/cli/vif-bridge: the link next to xhp-hotplug */
	snprintf(ours_script, sizeof(ours_script), "%s", XHP_CLI);
	slash = strrchr(ours_script, '/');
	assert_non_null(slash);
	snprintf(slash + 1, sizeof(ours_script) - (slash + 1 - ours_script),
		 "vif-bridge");
	bt_init(&T);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini(&T);
	return r;
}
