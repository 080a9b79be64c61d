// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The block remove on real loop devices and the test xenstored: it
 * detaches the loop device this backend's add attached, also when params
 * no longer names a file (image or link deleted), and nothing else: not
 * an administrator's loop device of the same image (without node, or
 * with a node that was attached again since). Loop devices Xen's script
 * attached (no mark) are removed by their file. The mark our add puts in
 * lo_file_name does not show in losetup's output. And a failing undo of
 * a failed add does not replace the add's error in hotplug-error (fault
 * injection, libxhp/core/fault.h). An add killed after its attach and before
 * its keys (SIGKILL, as at libxl's timeout) leaves a marked loop device:
 * the next add and the remove of that backend detach it, and nothing
 * else (another backend's, an administrator's).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xhp/xhp.h>

#include "blocktest.h"
#include "fault.h"
#include "internal.h"
#include "testutil.h"

static int teardown(void **state)
{
	(void)state;
	bt_detach_all();
	tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
	return 0;
}

/* What a successful add wrote, as the toolstack removes it. */
static void rm_add_keys(const char *bp)
{
	static const char *const keys[] = { "node", "physical-device",
					    "physical-device-path", "diskseq",
					    NULL };
	char k[192];

	for (size_t i = 0; keys[i]; i++) {
		snprintf(k, sizeof(k), "%s/%s", bp, keys[i]);
		tu_xs_rm(bt_xs(), k);
	}
}

/* The log of one run, for the reasons remove gives. */
static char logbuf[8192];

static void log_fn(void *ud, int prio, const char *msg)
{
	size_t n = strlen(logbuf);

	(void)ud;
	(void)prio;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

/* Run ours in-process with @plan (may be NULL), the log in logbuf. */
static int run(const char *cmd, const char *bp, struct xhp_fault *plan,
	       char **msg)
{
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx;
	int r;

	logbuf[0] = '\0';
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	xhp_ctx_set_log_fn(ctx, log_fn, NULL);
	xhp_ctx_set_log_priority(ctx, LOG_DEBUG);
	r = xhp_request_new(
		ctx, !strcmp(cmd, "add") ? XHP_ACTION_ADD : XHP_ACTION_REMOVE,
		XHP_KIND_VBD, bp, NULL, &req);
	assert_int_equal(r, 0);
	ctx->fault = plan;
	r = xhp_device_run(ctx, "block", req, &res);
	ctx->fault = NULL;
	if (msg)
		*msg = res && xhp_result_message(res) ?
			       strdup(xhp_result_message(res)) :
			       NULL;
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

static void assert_contains(const char *s, const char *part)
{
	if (!s || !strstr(s, part))
		fail_msg("'%s' does not contain '%s'", s ? s : "(null)", part);
}

/* Is /dev/loopN still attached (for a while: a detach may lag)? */
static bool attached(const char *node)
{
	char *b = bt_loop_backing(node);

	free(b);
	return b != NULL;
}

static bool detached(const char *node)
{
	char *b;

	for (int i = 0; i < 100 && (b = bt_loop_backing(node)); i++) {
		free(b);
		usleep(20000);
	}
	b = bt_loop_backing(node);
	free(b);
	return b == NULL;
}

/* add @params (mode w) on backend @fe; returns its node (free()). */
static char *add_file(char *bp, size_t size, const char *params,
		      unsigned int fe)
{
	char *node;
	int st;

	bt_backend(bp, size, fe, 51712, params, "w", "file", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	assert_int_equal(st, XHP_STATUS_CONNECTED);
	node = bt_read(bp, "node");
	assert_non_null(node);
	assert_true(attached(node));
	return node;
}

/* params is a link; @gone (the image or the link) is deleted after add. */
static void remove_dangling(bool image_gone)
{
	char *img = bt_image("dangle.img", 8, NULL, NULL), bp[128], link[512];
	char *node;

	snprintf(link, sizeof(link), "%s/dangle-link", bt_dir());
	unlink(link);
	assert_int_equal(symlink(img, link), 0);
	node = add_file(bp, sizeof(bp), link, 1);
	assert_int_equal(unlink(image_gone ? img : link), 0);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	if (!detached(node))
		fail_msg("%s is still attached after remove:\n%s", node,
			 logbuf);
	/* and again: nothing left to do, still a success (the number may
	 * have been taken meanwhile by another test: then left alone) */
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	if (!strstr(logbuf, "already detached") &&
	    !strstr(logbuf, "left alone"))
		fail_msg("second remove:\n%s", logbuf);
	unlink(link);
	free(node);
	free(img);
}

static void test_remove_image_deleted_via_link(void **state)
{
	(void)state;
	remove_dangling(true);
}

static void test_remove_link_deleted(void **state)
{
	(void)state;
	remove_dangling(false);
}

/* The image itself (params, no link) deleted after add. */
static void test_remove_image_deleted(void **state)
{
	char *img = bt_image("gone.img", 8, NULL, NULL), bp[128];
	char *node = add_file(bp, sizeof(bp), img, 1);

	(void)state;
	assert_int_equal(unlink(img), 0);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	assert_true(detached(node));
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	free(node);
	free(img);
}

/* params now names a directory (the image was replaced by one). */
static void test_remove_params_now_a_directory(void **state)
{
	char *img = bt_image("dir.img", 8, NULL, NULL), bp[128];
	char *node = add_file(bp, sizeof(bp), img, 1);

	(void)state;
	assert_int_equal(unlink(img), 0);
	assert_int_equal(mkdir(img, 0700), 0);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	assert_true(detached(node));
	assert_int_equal(rmdir(img), 0);
	free(node);
	free(img);
}

/*
 * remove without node leaves an administrator's loop device of the
 * same image alone (nothing proves it is this backend's), and says why.
 */
static void test_remove_no_node_leaves_admin_loop(void **state)
{
	char *img = bt_image("admin.img", 8, NULL, NULL), bp[128];
	char *admin = bt_losetup(img, false);

	(void)state;
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	usleep(50000);
	if (!attached(admin))
		fail_msg("remove without node detached %s", admin);
	assert_int_equal(bt_loops_of(img), 1);
	assert_contains(logbuf, "left alone");
	free(admin);
	free(img);
}

/*
 * This backend's keys name a loop device of the same image that is not
 * the attachment its add made (as after a detach behind its back and an
 * administrator's losetup that got the same number): its diskseq is not
 * the one add recorded, so remove leaves it alone.
 */
static void test_remove_node_attached_again(void **state)
{
	char *img = bt_image("again.img", 8, NULL, NULL), bp[128];
	char *node = add_file(bp, sizeof(bp), img, 1);
	char *admin = bt_losetup(img, false), *mm = bt_majmin(admin);

	(void)state;
	bt_write(bp, "node", admin);
	bt_write(bp, "physical-device", mm);
	bt_write(bp, "physical-device-path", admin);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	usleep(50000);
	if (!attached(admin))
		fail_msg("remove detached %s, not its add's:\n%s", admin,
			 logbuf);
	assert_contains(logbuf, "diskseq");
	free(mm);
	free(admin);
	free(node);
	free(img);
}

/*
 * Xen's script attached (no mark, no diskseq key): ours removes it by
 * params' file, also once the image is deleted.
 */
static void xen_add_ours_remove(bool image_gone)
{
	char *img = bt_image("xen.img", 8, NULL, NULL), bp[128], *node;

	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	assert_int_equal(bt_xen("add", bp), 0);
	node = bt_read(bp, "node");
	assert_non_null(node);
	assert_true(attached(node));
	if (image_gone)
		assert_int_equal(unlink(img), 0);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	if (!detached(node))
		fail_msg("%s still attached:\n%s", node, logbuf);
	free(node);
	free(img);
}

static void test_xen_add_ours_remove(void **state)
{
	(void)state;
	xen_add_ours_remove(false);
}

static void test_xen_add_image_deleted_ours_remove(void **state)
{
	(void)state;
	xen_add_ours_remove(true);
}

/*
 * The mark in lo_file_name does not show where losetup shows the backing
 * file (Xen's check_sharing parses `losetup -a`): it reads the kernel's
 * own record, device, inode and path.
 */
static void test_losetup_shows_file(void **state)
{
	char *img = bt_image("seen.img", 8, NULL, NULL), bp[128], want[640];
	char *node = add_file(bp, sizeof(bp), img, 1), *out = NULL;
	struct stat st;

	(void)state;
	assert_int_equal(stat(img, &st), 0);
	assert_int_equal(tu_runl(&out, "losetup", "-a", NULL), 0);
	snprintf(want, sizeof(want), "%s: [%04llu]:%llu (%s)", node,
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 img);
	assert_contains(out, want);
	if (strstr(out, "xhp:"))
		fail_msg("losetup -a shows the mark: %s", out);
	free(out);
	free(node);
	free(img);
}

/*
 * The add fails after its attach (writing its keys to xenstore), and its
 * undo fails too (LOOP_CLR_FD): hotplug-error is the first failure, not
 * the undo's.
 */
static void test_undo_failure_keeps_first_error(void **state)
{
	char *img = bt_image("undo.img", 8, NULL, NULL), bp[128];
	char *msg = NULL, *err, *st;
	struct xhp_fault plan;
	unsigned int n;
	bool found = false;
	int r;

	(void)state;
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	for (n = 1; n < 200 && !found; n++) {
		memset(&plan, 0, sizeof(plan));
		plan.fail_at = n;
		plan.also_step = "LOOP_CLR_FD";
		for (int l = 0; l < XHP_FAULT_LAYERS; l++)
			plan.err[l] = EIO;
		free(msg);
		msg = NULL;
		r = run("add", bp, &plan, &msg);
		if (plan.hits == 0)
			fail_msg("the add's key write never came (call %u)", n);
		/* The first failure after the attach: its undo ran. */
		found = plan.hits > 1;
		if (!found && r == 0) {
			/* Tolerated (direct-io-safe unreadable: buffered). */
			assert_int_equal(run("remove", bp, NULL, NULL), 0);
			rm_add_keys(bp);
		}
		if (!found) {
			char k[192];

			/* Before the attach: start again from scratch. */
			snprintf(k, sizeof(k), "%s/hotplug-status", bp);
			tu_xs_rm(bt_xs(), k);
			snprintf(k, sizeof(k), "%s/hotplug-error", bp);
			tu_xs_rm(bt_xs(), k);
			if (bt_wait_loops(img, 0) != 0)
				fail_msg("call %u (%s, r %d): loop left:\n%s",
					 n, plan.step, r, logbuf);
			continue;
		}
		assert_int_equal(r, -EIO);
	}
	assert_true(found);
	/* The undo was reached and failed: the device is left attached. */
	assert_int_equal(plan.hits, 2);
	assert_int_equal(bt_loops_of(img), 1);
	assert_contains(logbuf, "undo");
	err = bt_read(bp, "hotplug-error");
	st = bt_read(bp, "hotplug-status");
	assert_non_null(err);
	assert_non_null(st);
	assert_string_equal(st, "error");
	assert_string_equal(err, msg);
	/* The first failure: the xenstore step and its reason. */
	assert_int_equal(plan.hit_layer == XHP_FAULT_XS ||
				 plan.hit_layer == XHP_FAULT_XS_TX,
			 true);
	assert_contains(err, "xenstore");
	assert_contains(err, strerror(EIO));
	/* (err is not NULL: asserted above; cmocka's failures are not
	 * noreturn, which gcc -fsanitize sees as a NULL path) */
	print_message("call %u, %s failed: '%s'\n", plan.fail_at, plan.step,
		      err ? err : "");
	if (strstr(err, "detach"))
		fail_msg("hotplug-error is the undo's: '%s'", err);
	free(st);
	free(err);
	free(msg);
	free(img);
}

/*
 * Frontend domains of the killed-add tests: loop devices are global and
 * a mark names a backend path, so these are unlike the ones other test
 * suites (with their own test xenstored) may run at the same time.
 */
#define FE_KILLED 4101
#define FE_OTHER 4102

/* The killed add's end of a pipe to the test. */
static int killed_fd = -1;

/*
 * The child's log: the add has just attached its loop device ("attached
 * <file> to /dev/loopN (...)"), and not written its keys yet. Tell the
 * test which device, and die as libxl kills a script.
 */
static void kill_after_attach(void *ud, int prio, const char *msg)
{
	const char *to = strstr(msg, " to /dev/loop");

	(void)ud;
	(void)prio;
	if (strncmp(msg, "attached ", 9) != 0 || !to)
		return;
	to += 4;
	if (write(killed_fd, to, strcspn(to, " ")) < 0)
		_exit(4);
	raise(SIGKILL);
}

/*
 * An add of @bp SIGKILLed right after its LOOP_CONFIGURE, before its
 * keys: it leaves an attached loop device (with the backend's mark) that
 * no key names. Returns that loop device (free()).
 */
static char *killed_add(const char *bp, const char *img)
{
	char buf[64] = "", *node;
	int p[2], st, before = bt_loops_of(img);
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		xhp_request *req = NULL;
		xhp_result *res = NULL;
		xhp_ctx *ctx;

		close(p[0]);
		killed_fd = p[1];
		if (xhp_ctx_new(&ctx) < 0)
			_exit(2);
		xhp_ctx_set_log_fn(ctx, kill_after_attach, NULL);
		xhp_ctx_set_log_priority(ctx, LOG_DEBUG);
		if (xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD, bp, NULL,
				    &req) == 0)
			xhp_device_run(ctx, "block", req, &res);
		/* Not killed: the add never attached. */
		fprintf(stderr, "add without attach: %s\n",
			res && xhp_result_message(res) ?
				xhp_result_message(res) :
				"?");
		_exit(3);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL || n <= 0)
		fail_msg("the add of %s was not killed after its attach "
			 "(status %#x)",
			 bp, (unsigned int)st);
	buf[n] = '\0';
	node = bt_read(bp, "node");
	if (node)
		fail_msg("the killed add wrote node %s", node);
	assert_int_equal(bt_loops_of(img), before + 1);
	assert_true(attached(buf));
	return strdup(buf);
}

/*
 * The add after a killed add detaches what the killed one left, and the
 * remove leaves nothing of the backend: before, the second add attached
 * another loop device and named only that one in node, and every remove
 * detached only that one. Another backend's orphan (its own mark) and an
 * administrator's loop device (no mark) of the same image are left
 * alone by both.
 */
static void test_readd_after_killed_add(void **state)
{
	char *img = bt_image("killed.img", 8, NULL, NULL), bp[128], bp2[128];
	char *other, *admin, *orphan, *node, *again;

	(void)state;
	bt_backend(bp2, sizeof(bp2), FE_OTHER, 51712, img, "w", "file", NULL);
	other = killed_add(bp2, img);
	admin = bt_losetup(img, false);
	bt_backend(bp, sizeof(bp), FE_KILLED, 51712, img, "w", "file", NULL);
	orphan = killed_add(bp, img);
	assert_int_equal(bt_loops_of(img), 3);

	assert_int_equal(run("add", bp, NULL, NULL), 0);
	node = bt_read(bp, "node");
	assert_non_null(node);
	assert_true(attached(node));
	if (!detached(orphan) && strcmp(orphan, node) != 0)
		fail_msg("add left the killed add's %s attached (node %s):\n%s",
			 orphan, node, logbuf);
	assert_contains(logbuf, "left by an interrupted add");
	assert_true(attached(other));
	assert_true(attached(admin));
	assert_int_equal(bt_loops_of(img), 3);

	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	assert_true(detached(node));
	/* Nothing of this backend's: of the image, only the two others. */
	assert_int_equal(bt_wait_loops(img, 2), 2);
	assert_true(attached(other));
	assert_true(attached(admin));

	/* A new backend of the same name, its add killed, and a remove
	 * without node: the same. */
	free(orphan);
	bt_backend(bp, sizeof(bp), FE_KILLED, 51712, img, "w", "file", NULL);
	orphan = killed_add(bp, img);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 2), 2);
	assert_true(attached(other));
	assert_true(attached(admin));
	assert_contains(logbuf, "left alone");
	again = bt_read(bp, "node");
	assert_null(again);
	free(node);
	free(orphan);
	free(admin);
	free(other);
	free(img);
}

/*
 * A killed add of ours, then Xen's script adds the backend (it names its
 * own loop device in node): remove detaches both.
 */
static void test_remove_clears_killed_add_beside_node(void **state)
{
	char *img = bt_image("beside.img", 8, NULL, NULL), bp[128];
	char *admin = bt_losetup(img, false), *orphan, *node;

	(void)state;
	bt_backend(bp, sizeof(bp), FE_KILLED, 51712, img, "w", "file", NULL);
	orphan = killed_add(bp, img);
	assert_int_equal(bt_xen("add", bp), 0);
	node = bt_read(bp, "node");
	assert_non_null(node);
	assert_true(strcmp(node, orphan) != 0);
	assert_int_equal(bt_loops_of(img), 3);
	assert_int_equal(run("remove", bp, NULL, NULL), 0);
	assert_true(detached(node));
	if (!detached(orphan))
		fail_msg("remove left the killed add's %s attached:\n%s",
			 orphan, logbuf);
	assert_true(attached(admin));
	assert_int_equal(bt_wait_loops(img, 1), 1);
	free(node);
	free(orphan);
	free(admin);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_remove_image_deleted_via_link,
					  teardown),
		cmocka_unit_test_teardown(test_remove_link_deleted, teardown),
		cmocka_unit_test_teardown(test_remove_image_deleted, teardown),
		cmocka_unit_test_teardown(test_remove_params_now_a_directory,
					  teardown),
		cmocka_unit_test_teardown(test_remove_no_node_leaves_admin_loop,
					  teardown),
		cmocka_unit_test_teardown(test_remove_node_attached_again,
					  teardown),
		cmocka_unit_test_teardown(test_xen_add_ours_remove, teardown),
		cmocka_unit_test_teardown(
			test_xen_add_image_deleted_ours_remove, teardown),
		cmocka_unit_test_teardown(test_losetup_shows_file, teardown),
		cmocka_unit_test_teardown(test_undo_failure_keeps_first_error,
					  teardown),
		cmocka_unit_test_teardown(test_readd_after_killed_add,
					  teardown),
		cmocka_unit_test_teardown(
			test_remove_clears_killed_add_beside_node, teardown),
	};
	int r;

	bt_require_xen_block();
	bt_init("xhp-block-remove");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
