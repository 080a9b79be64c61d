// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A commit whose answer does not come in time has an unknown outcome:
 * xenstored may have applied it. The test xenstored's CONTROL command
 * delay-commit reproduces the three cases for the next commit of a
 * transaction that wrote a given node:
 *
 * - answer: applied at once, answered late. The write must succeed (the
 *   keys are there), and an add must keep its plumbing: a block add's
 *   loop device stays attached to the file its node key names, a
 *   vif-bridge online leaves the vif up on its bridge.
 * - apply: processed late. The write fails with -ETIMEDOUT "not applied"
 *   and the late commit must never land (it is fenced: it conflicts).
 * - stop: applied, then the daemon stops (SIGSTOP). Whether it was
 *   applied cannot be found out: -ETIMEDOUT, "unknown", and an add keeps
 *   its plumbing, which xenstore advertises once the daemon runs again.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <cmocka.h>

#include "blocktest.h"
#include "nl.h"
#include "testutil.h"
#include "xs.h"

#define TIMEOUT_MS 400
#define OP_TIMEOUT_MS 1500
/* What a failed commit may take: its timeout, then the check's grace. */
#define SLACK_MS 1000

static pid_t xsd_pid;

static uint64_t ms_since(uint64_t t0)
{
	return (xhp_now_us() - t0) / 1000;
}

/* The test xenstored's pid, from its pid file beside its socket. */
static pid_t daemon_pid(void)
{
	char dir[PATH_MAX], pidfile[PATH_MAX + 8], *v;
	const char *sock = getenv("XENSTORED_PATH");
	pid_t pid;

	assert_non_null(sock);
	snprintf(dir, sizeof(dir), "%s", sock);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dirname(dir));
	v = tu_read_file(pidfile);
	assert_non_null(v);
	pid = (pid_t)atoi(v);
	free(v);
	assert_true(pid > 1);
	return pid;
}

/* Arm the test xenstored's delay-commit (see tests/xenstored). */
static void delay_commit(const char *mode, int ms, const char *path)
{
	char data[512], *r;
	struct xs_handle *h;
	int n;

	n = snprintf(data, sizeof(data), "%s%c%d%c%s", mode, '\0', ms, '\0',
		     path);
	assert_true(n > 0 && (size_t)n < sizeof(data));
	h = xs_open(0);
	assert_non_null(h);
	r = xs_control_command(h, "delay-commit", data, (unsigned int)n + 1);
	assert_non_null(r);
	assert_string_equal(r, "OK");
	free(r);
	xs_close(h);
}

static xhp_ctx *ctx_new(uint64_t timeout_ms)
{
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, timeout_ms), 0);
	return ctx;
}

static void put(const char *path, const char *value)
{
	xhp_ctx *ctx = ctx_new(5000);

	assert_int_equal(xhp_xs_write(ctx, path, value), 0);
	xhp_ctx_unref(ctx);
}

/* The value at @path, or NULL when it is missing (caller frees). */
static char *get(const char *path)
{
	xhp_ctx *ctx = ctx_new(5000);
	char *v = NULL;
	int r = xhp_xs_read(ctx, XBT_NULL, path, &v);

	assert_true(r == 0 || r == -ENOENT);
	xhp_ctx_unref(ctx);
	return r == 0 ? v : NULL;
}

static void assert_value(const char *path, const char *want)
{
	char *v = get(path);

	if (!want) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static int cont(void **state)
{
	(void)state;
	kill(xsd_pid, SIGCONT);
	return 0;
}

/* Applied, answered late: success, and the keys are there. */
static void test_write_answered_late(void **state)
{
	static const struct xhp_kv kv[] = { { "probe", "1" }, { "more", "2" } };
	const char *base = "/local/domain/0/backend/vif/31/0";
	xhp_ctx *ctx = ctx_new(TIMEOUT_MS);
	uint64_t t0, ms;
	int r;

	(void)state;
	put("/local/domain/0/backend/vif/31/0/probe", "0");
	delay_commit("answer", 3000, "/local/domain/0/backend/vif/31/0/probe");
	t0 = xhp_now_us();
	r = xhp_xs_write_keys(ctx, base, kv, 2);
	ms = ms_since(t0);
	printf("commit answered late: %d after %llu ms (%s)\n", r,
	       (unsigned long long)ms, r ? xhp_ctx_last_error(ctx) : "");
	assert_int_equal(r, 0);
	assert_false(xhp_xs_commit_unknown(ctx));
	assert_true(ms >= TIMEOUT_MS - 10 && ms < TIMEOUT_MS + SLACK_MS);
	assert_value("/local/domain/0/backend/vif/31/0/probe", "1");
	assert_value("/local/domain/0/backend/vif/31/0/more", "2");
	/* The context goes on working, on its new connection. */
	assert_int_equal(xhp_xs_write(ctx, "/local/domain/0/backend/vif/31/0/x",
				      "y"),
			 0);
	xhp_ctx_unref(ctx);
}

/*
 * Processed late: "not applied", and it stays so when xenstored gets to
 * it. Key "a" is there before with "0"; the others are missing.
 */
static void not_applied(const char *base, const char *delayed,
			const struct xhp_kv *kv, size_t n)
{
	xhp_ctx *ctx = ctx_new(TIMEOUT_MS);
	char path[256];
	uint64_t t0, ms;
	size_t i;
	int r;

	delay_commit("apply", 1500, delayed);
	t0 = xhp_now_us();
	r = xhp_xs_write_keys(ctx, base, kv, n);
	ms = ms_since(t0);
	printf("commit processed late: %d after %llu ms: %s\n", r,
	       (unsigned long long)ms, xhp_ctx_last_error(ctx));
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(ms < TIMEOUT_MS + SLACK_MS);
	/* xenstored processes the stalled commit: it must conflict. */
	usleep((1500 + 500 - (useconds_t)ms) * 1000);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", base, kv[i].key);
		assert_value(path, strcmp(kv[i].key, "a") ? NULL : "0");
	}
	assert_false(xhp_xs_commit_unknown(ctx));
	assert_non_null(strstr(xhp_ctx_last_error(ctx),
			       "did not answer the commit under"));
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "it was not applied"));
	xhp_ctx_unref(ctx);
}

static void test_write_applied_late_is_fenced(void **state)
{
	static const struct xhp_kv kv[] = { { "a", "1" }, { "b", "2" } };

	(void)state;
	put("/local/domain/0/backend/vif/32/0/a", "0");
	not_applied("/local/domain/0/backend/vif/32/0",
		    "/local/domain/0/backend/vif/32/0/a", kv, 2);
}

/* None of the keys exists: the fence is their parent directory. */
static void test_fence_on_parent(void **state)
{
	static const struct xhp_kv kv[] = { { "c", "1" }, { "d", "2" } };

	(void)state;
	put("/local/domain/0/backend/vif/33/0/other", "x");
	not_applied("/local/domain/0/backend/vif/33/0",
		    "/local/domain/0/backend/vif/33/0/c", kv, 2);
	assert_value("/local/domain/0/backend/vif/33/0/other", "x");
}

/* Applied, then the daemon stops: unknown. */
static void test_write_unknown(void **state)
{
	static const struct xhp_kv kv[] = { { "s", "1" } };
	xhp_ctx *ctx = ctx_new(TIMEOUT_MS);
	uint64_t t0, ms;
	int r;

	(void)state;
	put("/local/domain/0/backend/vif/34/0/other", "x");
	delay_commit("stop", 0, "/local/domain/0/backend/vif/34/0/s");
	t0 = xhp_now_us();
	r = xhp_xs_write_keys(ctx, "/local/domain/0/backend/vif/34/0", kv, 1);
	ms = ms_since(t0);
	cont(NULL);
	printf("commit then stop: %d after %llu ms: %s\n", r,
	       (unsigned long long)ms, xhp_ctx_last_error(ctx));
	assert_int_equal(r, -ETIMEDOUT);
	assert_true(xhp_xs_commit_unknown(ctx));
	assert_non_null(strstr(xhp_ctx_last_error(ctx),
			       "whether it was applied is unknown"));
	assert_true(ms < 2 * TIMEOUT_MS + SLACK_MS + 200);
	xhp_ctx_unref(ctx);
	assert_value("/local/domain/0/backend/vif/34/0/s", "1");
}

/* Devices. */

/* Run @personality in-process with the op timeout; *msg: its message. */
static int run(const char *personality, int action, int kind, const char *bp,
	       const char *dev, int *status, char **msg)
{
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx = ctx_new(OP_TIMEOUT_MS);
	uint64_t t0;
	int r;

	assert_int_equal(xhp_request_new(ctx, action, kind, bp, dev, &req), 0);
	t0 = xhp_now_us();
	r = xhp_device_run(ctx, personality, req, &res);
	printf("%s %s: %d after %llu ms: %s\n", personality, bp, r,
	       (unsigned long long)ms_since(t0),
	       r ? xhp_ctx_last_error(ctx) : "ok");
	assert_true(ms_since(t0) < 2 * OP_TIMEOUT_MS + SLACK_MS);
	*status = xhp_result_status(res);
	*msg = xhp_result_message(res) ? strdup(xhp_result_message(res)) : NULL;
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/* The keys of an added file and its loop device agree. */
static void assert_loop_keys(const char *bp, const char *img)
{
	char *node = bt_read(bp, "node"), *hs = bt_read(bp, "hotplug-status");
	char *back;

	assert_non_null(hs);
	assert_string_equal(hs, "connected");
	assert_non_null(node);
	back = bt_loop_backing(node);
	assert_non_null(back);
	assert_string_equal(back, img);
	assert_int_equal(bt_loops_of(img), 1);
	free(back);
	free(node);
	free(hs);
}

static void block_remove(const char *bp, const char *img)
{
	int st;
	char *msg;

	assert_int_equal(run("block", XHP_ACTION_REMOVE, XHP_KIND_VBD, bp, NULL,
			     &st, &msg),
			 0);
	free(msg);
	assert_int_equal(bt_wait_loops(img, 0), 0);
}

static void test_block_answered_late(void **state)
{
	char *img = bt_image("late.img", 8, NULL, NULL), bp[128], abs[256];
	char *msg = NULL;
	int st;

	(void)state;
	bt_backend(bp, sizeof(bp), 6, 51712, img, "w", "file", NULL);
	snprintf(abs, sizeof(abs), "/local/domain/0/%s/hotplug-status", bp);
	delay_commit("answer", 4000, abs);
	assert_int_equal(run("block", XHP_ACTION_ADD, XHP_KIND_VBD, bp, NULL,
			     &st, &msg),
			 0);
	assert_int_equal(st, XHP_STATUS_CONNECTED);
	assert_loop_keys(bp, img);
	block_remove(bp, img);
	free(msg);
	free(img);
}

static void test_block_unknown(void **state)
{
	char *img = bt_image("stop.img", 8, NULL, NULL), bp[128], abs[256];
	char *msg = NULL;
	int st;

	(void)state;
	bt_backend(bp, sizeof(bp), 7, 51712, img, "w", "file", NULL);
	snprintf(abs, sizeof(abs), "/local/domain/0/%s/hotplug-status", bp);
	delay_commit("stop", 0, abs);
	assert_int_equal(run("block", XHP_ACTION_ADD, XHP_KIND_VBD, bp, NULL,
			     &st, &msg),
			 -ETIMEDOUT);
	/* Kept: xenstore may name it (sysfs needs no xenstore). */
	assert_int_equal(bt_loops_of(img), 1);
	cont(NULL);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "whether it was applied is unknown"));
	assert_loop_keys(bp, img);
	block_remove(bp, img);
	free(msg);
	free(img);
}

#define VIF_BP "/local/domain/0/backend/vif/41/0"
#define VIF "vif41.0"

static void vif_setup(void)
{
	put(VIF_BP "/bridge", "br0");
	put(VIF_BP "/frontend-id", "41");
	put(VIF_BP "/mac", "00:16:3e:00:00:41");
	put(VIF_BP "/hotplug-status", "");
}

static void assert_vif_plumbed(bool plumbed)
{
	struct xhp_nl *nl = NULL;
	struct xhp_link l, br;
	xhp_ctx *ctx = ctx_new(5000);

	assert_int_equal(xhp_nl_open(ctx, &nl), 0);
	assert_int_equal(xhp_nl_link_get(ctx, nl, VIF, 0, &l), 0);
	assert_int_equal(xhp_nl_link_get(ctx, nl, "br0", 0, &br), 0);
	if (plumbed) {
		assert_true(l.flags & IFF_UP);
		assert_int_equal(l.master, br.ifindex);
	} else {
		assert_false(l.flags & IFF_UP);
		assert_int_equal(l.master, 0);
	}
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
}

static void vif_offline(void)
{
	char *msg = NULL;
	int st;

	assert_int_equal(run("vif-bridge", XHP_ACTION_OFFLINE, XHP_KIND_VIF,
			     VIF_BP, VIF, &st, &msg),
			 0);
	free(msg);
	assert_vif_plumbed(false);
}

static void test_vif_bridge_answered_late(void **state)
{
	char *msg = NULL;
	int st;

	(void)state;
	vif_setup();
	delay_commit("answer", 4000, VIF_BP "/hotplug-status");
	assert_int_equal(run("vif-bridge", XHP_ACTION_ONLINE, XHP_KIND_VIF,
			     VIF_BP, VIF, &st, &msg),
			 0);
	assert_int_equal(st, XHP_STATUS_CONNECTED);
	assert_value(VIF_BP "/hotplug-status", "connected");
	assert_vif_plumbed(true);
	vif_offline();
	free(msg);
}

static void test_vif_bridge_unknown(void **state)
{
	char *msg = NULL;
	int st;

	(void)state;
	vif_setup();
	delay_commit("stop", 0, VIF_BP "/hotplug-status");
	assert_int_equal(run("vif-bridge", XHP_ACTION_ONLINE, XHP_KIND_VIF,
			     VIF_BP, VIF, &st, &msg),
			 -ETIMEDOUT);
	assert_vif_plumbed(true);
	cont(NULL);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "whether it was applied is unknown"));
	assert_value(VIF_BP "/hotplug-status", "connected");
	vif_offline();
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_write_answered_late, cont),
		cmocka_unit_test_teardown(test_write_applied_late_is_fenced,
					  cont),
		cmocka_unit_test_teardown(test_fence_on_parent, cont),
		cmocka_unit_test_teardown(test_write_unknown, cont),
		cmocka_unit_test_teardown(test_block_answered_late, cont),
		cmocka_unit_test_teardown(test_block_unknown, cont),
		cmocka_unit_test_teardown(test_vif_bridge_answered_late, cont),
		cmocka_unit_test_teardown(test_vif_bridge_unknown, cont),
	};
	int r;

	bt_init("xhp-late-commit");
	xsd_pid = daemon_pid();
	if (tu_netns_enter() < 0 ||
	    tu_runl(NULL, "ip", "link", "add", "br0", "type", "bridge", NULL) !=
		    0 ||
	    tu_runl(NULL, "ip", "link", "set", "br0", "up", NULL) != 0 ||
	    tu_runl(NULL, "ip", "tuntap", "add", "dev", VIF, "mode", "tap",
		    NULL) != 0) {
		fprintf(stderr, "cannot make the network namespace\n");
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
