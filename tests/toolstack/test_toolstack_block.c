// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The toolstack side, block: each scenario runs three ways on the same
 * set-up: Xen's /etc/xen/scripts/block through the script runner
 * (xhp_script_run, as libxl would run it), our block link
 * (build/cli/block) through the runner, and our personality in-process
 * (xhp_device_run). Exit status, hotplug-status, whether there is a
 * hotplug-error (the wording differs from Xen's), physical-device and the
 * loop devices must agree; the result structure must say what xenstore
 * says. Loop device numbers may differ between runs: a loop device is
 * compared by what it is attached to and how. Every loop device made
 * under the test's directory is detached after each scenario and at exit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <xhp/xhp.h>

#include "blocktest.h"
#include "testutil.h"

enum way { XEN_RUNNER, OURS_RUNNER, OURS_INPROC, N_WAYS };
static const char *const way_name[] = { "xen via runner", "ours via runner",
					"ours in-process" };
static char ours_script[4096];

struct outcome {
	int exit_code;
	int status; /* from the result */
	bool has_error; /* from the result */
	char xs_status[32];
	bool xs_has_error;
	char pdev[32]; /* physical-device; "loop" for a loop we made */
	char backing[512]; /* what that loop device is attached to */
	int ro;
	int loops; /* loop devices backing the scenario's file */
};

/* The scenario's file, and its device when the scenario made one. */
static char img_path[512], node_path[64];

static int step(enum way w, const char *bp, int action, struct outcome *o)
{
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx;
	int r, code;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 40000), 0);
	assert_int_equal(
		xhp_request_new(ctx, action, XHP_KIND_VBD, bp, NULL, &req), 0);
	if (w == OURS_INPROC)
		r = xhp_device_run(ctx, "block", req, &res);
	else
		r = xhp_script_run(ctx,
				   w == XEN_RUNNER ? XEN_BLOCK : ours_script,
				   req, &res);
	assert_non_null(res);
	code = xhp_result_exit_code(res);
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
		o->has_error = xhp_result_message(res) != NULL;
		/* in-process, the result carries physical-device too */
		if (w == OURS_INPROC && code == 0 && action == XHP_ACTION_ADD) {
			char *v = bt_read(bp, "physical-device");

			assert_non_null(v);
			assert_string_equal(
				xhp_result_value(res, "physical-device"), v);
			free(v);
		}
	}
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return code;
}

static void take(struct outcome *o, const char *bp)
{
	char *v = bt_read(bp, "hotplug-status"), *e, *node;

	snprintf(o->xs_status, sizeof(o->xs_status), "%s", v ? v : "(none)");
	free(v);
	e = bt_read(bp, "hotplug-error");
	o->xs_has_error = e != NULL;
	free(e);
	v = bt_read(bp, "physical-device");
	snprintf(o->pdev, sizeof(o->pdev), "%s", v ? v : "(none)");
	free(v);
	o->ro = -1;
	node = bt_read(bp, "physical-device-path");
	if (node) {
		char *mm = bt_majmin(node), *b = bt_loop_backing(node);

		/* physical-device names the device of physical-device-path */
		assert_non_null(mm);
		assert_string_equal(o->pdev, mm);
		if (!strcmp(node, node_path)) {
			/* the scenario's own device: its number may vary */
			strcpy(o->pdev, "the device");
		} else if (!strncmp(node, "/dev/loop", 9)) {
			snprintf(o->backing, sizeof(o->backing), "%s",
				 b ? b : "(detached)");
			o->ro = bt_loop_ro(node);
			strcpy(o->pdev, "loop");
		}
		free(mm);
		free(b);
	}
	free(node);
	o->loops = img_path[0] ? bt_wait_loops(img_path, o->loops) : 0;
}

static void compare(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->exit_code, b->exit_code);
	if (b->status != XHP_STATUS_NONE)
		assert_int_equal(a->status, b->status);
	assert_int_equal(a->has_error, b->has_error);
	assert_string_equal(a->xs_status, b->xs_status);
	assert_int_equal(a->xs_has_error, b->xs_has_error);
	assert_string_equal(a->pdev, b->pdev);
	assert_string_equal(a->backing, b->backing);
	assert_int_equal(a->ro, b->ro);
	assert_int_equal(a->loops, b->loops);
}

typedef void (*prep_fn)(char *bp, size_t size);

/*
 * Run @actions (0-terminated) each way after @prep; compare the last.
 * @loops: how many loop devices should back the file at the end.
 * @want_status NULL: a documented difference, where only the exit status
 * of Xen's script is compared with ours.
 */
static void three_ways(prep_fn prep, const int *actions, int loops,
		       int want_exit, const char *want_status)
{
	struct outcome o[N_WAYS];
	int w;

	memset(o, 0, sizeof(o));
	for (w = 0; w < N_WAYS; w++) {
		const int *a;
		char bp[128];

		tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
		img_path[0] = node_path[0] = '\0';
		prep(bp, sizeof(bp));
		for (a = actions; a[1]; a++)
			assert_int_equal(step(w, bp, *a, NULL), 0);
		step(w, bp, *a, &o[w]);
		o[w].loops = loops;
		take(&o[w], bp);
		print_message("  %-16s exit %d status %s pdev %s loops %d "
			      "ro %d%s\n",
			      way_name[w], o[w].exit_code, o[w].xs_status,
			      o[w].pdev, o[w].loops, o[w].ro,
			      o[w].xs_has_error ? " (hotplug-error)" : "");
		if (o[w].status != XHP_STATUS_NONE)
			assert_string_equal(
				o[w].xs_status,
				xhp_result_status_to_string(o[w].status));
		assert_int_equal(o[w].has_error, o[w].xs_has_error);
		bt_detach_all();
		assert_int_equal(bt_our_loops(), 0);
	}
	assert_int_equal(o[XEN_RUNNER].exit_code, want_exit);
	assert_int_equal(o[XEN_RUNNER].loops, loops);
	if (want_status) {
		assert_string_equal(o[XEN_RUNNER].xs_status, want_status);
		compare(&o[XEN_RUNNER], &o[OURS_RUNNER]);
	} else {
		assert_int_equal(o[OURS_RUNNER].exit_code, want_exit);
	}
	compare(&o[OURS_RUNNER], &o[OURS_INPROC]);
}

static void prep_file(char *bp, size_t size, const char *mode)
{
	char *img = bt_image("file.img", 8, NULL, NULL);

	snprintf(img_path, sizeof(img_path), "%s", img);
	bt_backend(bp, size, 1, 51712, img, mode, "file", NULL);
	free(img);
}

static void prep_file_rw(char *bp, size_t size)
{
	prep_file(bp, size, "w");
}

static void prep_file_ro(char *bp, size_t size)
{
	prep_file(bp, size, "r");
}

static void prep_phy(char *bp, size_t size)
{
	char *img = bt_image("phy.img", 8, NULL, NULL);
	char *node = bt_losetup(img, false);

	snprintf(node_path, sizeof(node_path), "%s", node);
	bt_backend(bp, size, 1, 51712, node, "w", "phy", NULL);
	free(node);
	free(img);
}

static void prep_missing_file(char *bp, size_t size)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/no-such.img", bt_dir());
	bt_backend(bp, size, 1, 51712, p, "w", "file", NULL);
}

static void prep_missing_params(char *bp, size_t size)
{
	bt_backend(bp, size, 1, 51712, NULL, "w", "phy", NULL);
}

static const int ADD[] = { XHP_ACTION_ADD, 0 };
static const int ADD_REMOVE[] = { XHP_ACTION_ADD, XHP_ACTION_REMOVE, 0 };

static void test_file_rw(void **s)
{
	three_ways(prep_file_rw, ADD, 1, 0, "connected");
}

static void test_file_ro(void **s)
{
	three_ways(prep_file_ro, ADD, 1, 0, "connected");
}

static void test_file_remove(void **s)
{
	three_ways(prep_file_rw, ADD_REMOVE, 0, 0, "connected");
}

static void test_phy(void **s)
{
	three_ways(prep_phy, ADD, 0, 0, "connected");
}

/*
 * Documented difference: Xen's script, finding neither a block device nor
 * a file, writes hotplug-status connected, then exits 1 (its last line,
 * a test for a block-<type> helper, fails). Ours reports the error.
 */
static void test_missing_file(void **s)
{
	three_ways(prep_missing_file, ADD, 0, 1, NULL);
}

static void test_missing_params(void **s)
{
	three_ways(prep_missing_params, ADD, 0, 1, "error");
}

static int teardown(void **state)
{
	bt_detach_all();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_file_rw, teardown),
		cmocka_unit_test_teardown(test_file_ro, teardown),
		cmocka_unit_test_teardown(test_file_remove, teardown),
		cmocka_unit_test_teardown(test_phy, teardown),
		cmocka_unit_test_teardown(test_missing_file, teardown),
		cmocka_unit_test_teardown(test_missing_params, teardown),
	};
	char *slash;
	int r;

	if (access(XEN_BLOCK, X_OK) < 0) {
		fprintf(stderr,
			"%s missing: apt-get install xen-utils-common\n",
			XEN_BLOCK);
		return 1;
	}
	snprintf(ours_script, sizeof(ours_script), "%s", XHP_CLI);
	slash = strrchr(ours_script, '/');
	if (!slash)
		return 1;
	snprintf(slash + 1, sizeof(ours_script) - (slash + 1 - ours_script),
		 "block");
	/* bt_fini() also runs at exit: loop devices are always detached */
	bt_init("xhp-toolstack-block");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
