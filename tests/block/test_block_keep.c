// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * block's re-plug of a connected vbd (xhp_device_rerun(), what
 * `status --repair` runs) keeps its loop device (block_keep.c), on real
 * loop devices: every seam call of the repair failing in turn, for a
 * device whose autoclear flag a `losetup -d` set while it was held
 * (blkback's part, played by an open descriptor) and for a device
 * detached for good; each failure leaves the device as it found it (the
 * flag still set; nothing attached, the file on no loop device), the
 * run that hits no fault repairs it. And the refusals: the file on
 * another loop device already, a device without xhp's mark.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blocktest.h"
#include "fault.h"
#include "loop.h"
#include "personality.h"
#include "testutil.h"

#define FE 75

static char bp[128];
static char *img, *node;

/* The vbd plugged by our add, as libxl runs it: node is its device. */
static int setup(void **state)
{
	int status;

	(void)state;
	img = bt_image("keep.img", 8, NULL, NULL);
	bt_backend(bp, sizeof(bp), FE, 51712, img, "w", "file", NULL);
	if (bt_ours("add", bp, &status, NULL) != 0)
		return -1;
	node = bt_read(bp, "node");
	return node ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	bt_detach_all();
	free(node);
	free(img);
	node = img = NULL;
	return 0;
}

static unsigned int node_index(void)
{
	unsigned int idx;

	assert_int_equal(xhp_loop_parse_node(node, &idx), 0);
	return idx;
}

/* The repair, with the @n-th seam call failing (0: none). */
static int repair(unsigned int n, struct xhp_fault *plan, char *msg,
		  size_t size)
{
	xhp_device_opts opts = { .size = sizeof(opts),
				 .flags = XHP_DEVICE_NO_REPORT };
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int r;

	*plan = (struct xhp_fault){ .fail_at = n };
	for (r = 0; r < XHP_FAULT_LAYERS; r++)
		plan->err[r] = EIO;
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD, bp,
					 NULL, &req),
			 0);
	ctx->fault = n ? plan : NULL;
	r = xhp_device_rerun(ctx, "block", req, &opts, NULL);
	snprintf(msg, size, "%s", xhp_ctx_last_error(ctx));
	ctx->fault = NULL;
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/* An unreadable direct-io-safe means buffered I/O: the run goes on. */
static bool tolerated(const struct xhp_fault *plan)
{
	char step[256];

	snprintf(step, sizeof(step), "xs_read %s/direct-io-safe", bp);
	return !strcmp(plan->step, step);
}

static void expect_kept(void)
{
	char *b = bt_loop_backing(node);

	assert_non_null(b);
	assert_string_equal(b, img);
	free(b);
	assert_int_equal(xhp_loop_autoclear(NULL, node_index()), 0);
	assert_int_equal(xhp_loop_is_tagged(node_index(), "xhp:vbd/75/51712"),
			 1);
	assert_int_equal(bt_loop_ro(node), 0);
}

static void test_sweep_autoclear(void **state)
{
	struct xhp_fault plan;
	unsigned int n, failed = 0;
	char msg[512];
	int held, r;

	(void)state;
	held = open(node, O_RDONLY | O_CLOEXEC);
	assert_true(held >= 0);
	assert_int_equal(tu_runl(NULL, "losetup", "-d", node, NULL), 0);
	assert_int_equal(xhp_loop_autoclear(NULL, node_index()), 1);
	for (n = 1; n < 200; n++) {
		if (xhp_loop_autoclear(NULL, node_index()) == 0)
			assert_int_equal(
				tu_runl(NULL, "losetup", "-d", node, NULL), 0);
		r = repair(n, &plan, msg, sizeof(msg));
		if (!plan.hits)
			break;
		printf("# call %u (%s): %d %s\n", n, plan.step, r, msg);
		if (tolerated(&plan)) {
			assert_int_equal(r, 0);
			continue;
		}
		failed++;
		assert_int_equal(r, -EIO);
		assert_non_null(strstr(msg, "Input/output error"));
		/* as it was: attached, about to go */
		assert_int_equal(xhp_loop_autoclear(NULL, node_index()), 1);
	}
	assert_int_equal(r, 0);
	assert_true(failed > 0);
	close(held);
	expect_kept();
}

static void test_sweep_detached(void **state)
{
	struct xhp_fault plan;
	unsigned int n, failed = 0;
	bool hit_configure = false;
	char msg[512];
	int r;

	(void)state;
	for (n = 1; n < 200; n++) {
		if (bt_loops_of(img))
			assert_int_equal(
				tu_runl(NULL, "losetup", "-d", node, NULL), 0);
		assert_int_equal(bt_wait_loops(img, 0), 0);
		r = repair(n, &plan, msg, sizeof(msg));
		if (!plan.hits)
			break;
		printf("# call %u (%s): %d %s\n", n, plan.step, r, msg);
		if (tolerated(&plan)) {
			assert_int_equal(r, 0);
			continue;
		}
		failed++;
		hit_configure |= !strcmp(plan.step, "LOOP_CONFIGURE");
		assert_int_equal(r, -EIO);
		/* as it was: nothing attached, the file on no loop device */
		assert_null(bt_loop_backing(node));
		assert_int_equal(bt_loops_of(img), 0);
	}
	assert_int_equal(r, 0);
	assert_true(failed > 0 && hit_configure);
	expect_kept();
}

/* The file went on another loop device meanwhile: not attached twice. */
static void test_file_elsewhere(void **state)
{
	struct xhp_fault plan;
	char msg[512], *other, *dummy;

	(void)state;
	dummy = bt_image("dummy.img", 1, NULL, NULL);
	assert_int_equal(tu_runl(NULL, "losetup", "-d", node, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	/* node's number held by a dummy while the file goes elsewhere */
	assert_int_equal(tu_runl(NULL, "losetup", node, dummy, NULL), 0);
	other = bt_losetup(img, false);
	assert_non_null(other);
	assert_string_not_equal(other, node);
	assert_int_equal(tu_runl(NULL, "losetup", "-d", node, NULL), 0);
	assert_int_equal(bt_wait_loops(dummy, 0), 0);
	assert_int_equal(repair(0, &plan, msg, sizeof(msg)), -EBUSY);
	assert_non_null(strstr(msg, "is attached to "));
	assert_non_null(strstr(msg, "already: not attached again"));
	assert_null(bt_loop_backing(node));
	assert_int_equal(bt_loops_of(img), 1);
	free(other);
	free(dummy);
}

/* About to go, but not xhp's (losetup attached the file there): left
 * alone. */
static void test_unmarked(void **state)
{
	struct xhp_fault plan;
	char msg[512];
	int held;

	(void)state;
	assert_int_equal(tu_runl(NULL, "losetup", "-d", node, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	assert_int_equal(tu_runl(NULL, "losetup", node, img, NULL), 0);
	held = open(node, O_RDONLY | O_CLOEXEC);
	assert_true(held >= 0);
	assert_int_equal(tu_runl(NULL, "losetup", "-d", node, NULL), 0);
	assert_int_equal(repair(0, &plan, msg, sizeof(msg)), -EPERM);
	assert_non_null(strstr(msg, "does not carry the mark "
				    "xhp:vbd/75/51712: left alone"));
	assert_int_equal(xhp_loop_autoclear(NULL, node_index()), 1);
	close(held);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sweep_autoclear, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sweep_detached, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_elsewhere, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmarked, setup, teardown),
	};
	int r;

	bt_init("keep");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
