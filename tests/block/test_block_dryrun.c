// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Dry runs of block add, in-process and through `xhp-hotplug block
 * --dry-run`: an add that a real run would refuse (mounted here, used by
 * another guest, a read-only file) is refused with the real run's status
 * and message, and writes no xenstore key and attaches no loop device; a
 * dry run that would succeed succeeds, changes nothing, and does not
 * take the block lock (it completes while the test holds it).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xhp/xhp.h>

#include "blocktest.h"
#include "testutil.h"

static int teardown(void **state)
{
	(void)state;
	bt_dry_run = 0;
	bt_detach_all();
	tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
	return 0;
}

static void assert_contains(const char *s, const char *part)
{
	if (!s || !strstr(s, part))
		fail_msg("'%s' does not contain '%s'", s ? s : "(null)", part);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A dry run of add on @bp: in-process, then through the CLI. Returns
 * the in-process result (and its status and message). Asserts that
 * neither wrote to xenstore nor attached a loop device, and that the CLI
 * exits as the in-process run and prints its message.
 */
static int dry_add(const char *bp, int *ret_status, char **ret_msg)
{
	char *before = bt_dump("/"), *after, *msg = NULL, *out = NULL;
	int loops = bt_our_loops(), r, st, cli;

	bt_dry_run = 1;
	r = bt_ours("add", bp, &st, &msg);
	bt_dry_run = 0;
	cli = bt_cli_dry("add", bp, &out);
	after = bt_dump("/");
	assert_string_equal(after, before);
	assert_int_equal(bt_wait_our_loops(loops), loops);
	assert_int_equal(cli, r < 0 ? 1 : 0);
	if (r < 0)
		assert_contains(out, msg);
	print_message("  dry run: %s", out ? out : "(no output)\n");
	free(out);
	free(after);
	free(before);
	*ret_status = st;
	*ret_msg = msg;
	return r;
}

/*
 * A dry run refused with @want_r as @want_msg, then the real add: refused
 * with the same result, status and the very same message (which it,
 * unlike the dry run, reports to xenstore).
 */
static void dry_refused(const char *bp, int want_r, int want_status,
			const char *want_msg)
{
	char *dry_msg = NULL, *msg = NULL, *err;
	int st, dry_st;

	assert_int_equal(dry_add(bp, &dry_st, &dry_msg), want_r);
	assert_int_equal(dry_st, want_status);
	assert_contains(dry_msg, want_msg);
	assert_int_equal(bt_ours("add", bp, &st, &msg), want_r);
	assert_int_equal(st, dry_st);
	assert_string_equal(msg, dry_msg);
	err = bt_read(bp, "hotplug-error");
	assert_non_null(err);
	assert_string_equal(err, msg);
	free(err);
	free(msg);
	free(dry_msg);
}

static void test_dry_refuse_mounted(void **state)
{
	char label[32], *img, *node, mnt[512], bp[128];

	(void)state;
	snprintf(label, sizeof(label), "xhpdm%u", (unsigned int)getpid());
	img = bt_image("drymnt.img", 16, label, NULL);
	node = bt_losetup(img, false);
	snprintf(mnt, sizeof(mnt), "%s/drymnt", bt_dir());
	assert_int_equal(mkdir(mnt, 0755), 0);
	assert_int_equal(mount(node, mnt, "ext4", 0, NULL), 0);
	/* the file, through its loop device */
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	dry_refused(bp, -EBUSY, XHP_STATUS_BUSY,
		    "mounted read-write in the privileged domain");
	/* the device itself, read-only against the read-write mount */
	bt_backend(bp, sizeof(bp), 1, 51712, node, "r", "phy", NULL);
	dry_refused(bp, -EBUSY, XHP_STATUS_BUSY,
		    "mounted read-write in the privileged domain");
	umount2(mnt, MNT_DETACH);
	rmdir(mnt);
	free(node);
	free(img);
}

static void test_dry_refuse_phy_used_by_guest(void **state)
{
	char *img = bt_image("dryphy.img", 8, NULL, NULL);
	char *node = bt_losetup(img, false), bp[128], bp2[128];
	int st;

	(void)state;
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	bt_backend(bp2, sizeof(bp2), 2, 51728, node, "w", "phy", NULL);
	dry_refused(bp2, -EBUSY, XHP_STATUS_BUSY, "in use by a guest");
	free(node);
	free(img);
}

static void test_dry_refuse_file_used_by_guest(void **state)
{
	char *img = bt_image("dryshared.img", 8, NULL, NULL);
	char bp[128], bp2[128], *node;
	int st;

	(void)state;
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	node = bt_read(bp, "node");
	assert_non_null(node);
	assert_int_equal(bt_wait_loops(img, 1), 1);
	bt_backend(bp2, sizeof(bp2), 2, 51712, img, "r", "file", NULL);
	dry_refused(bp2, -EBUSY, XHP_STATUS_BUSY, "in use by a guest");
	assert_int_equal(bt_wait_loops(img, 1), 1);
	free(node);
	free(img);
}

static void test_dry_refuse_read_only_file(void **state)
{
	char *img = bt_image("dryro.img", 8, NULL, NULL), bp[128];

	(void)state;
	assert_int_equal(chmod(img, 0444), 0);
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	dry_refused(bp, -EBUSY, XHP_STATUS_BUSY, "is read-only");
	assert_int_equal(bt_loops_of(img), 0);
	free(img);
}

/* A missing device: the same refusal (status error). */
static void test_dry_refuse_missing(void **state)
{
	char bp[128], p[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/nothing", bt_dir());
	bt_backend(bp, sizeof(bp), 1, 51712, p, "w", "phy", NULL);
	dry_refused(bp, -ENOENT, XHP_STATUS_ERROR, "does not exist");
}

/*
 * Adds that would succeed: the dry run succeeds and changes nothing,
 * without the block lock (the test holds it all along).
 */
static void test_dry_ok_without_lock(void **state)
{
	char *img = bt_image("dryok.img", 8, NULL, NULL), bp[128], *msg;
	char *phy_img = bt_image("dryokphy.img", 8, NULL, NULL);
	char *node = bt_losetup(phy_img, false);
	xhp_lock *lock;
	xhp_ctx *ctx;
	double t;
	int st;

	(void)state;
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_lock_acquire(ctx, "block", &lock), 0);
	t = now_s();
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	assert_int_equal(dry_add(bp, &st, &msg), 0);
	free(msg);
	assert_int_equal(bt_loops_of(img), 0);
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	assert_int_equal(dry_add(bp, &st, &msg), 0);
	free(msg);
	t = now_s() - t;
	print_message("  4 dry runs under a held block lock: %.3f s\n", t);
	assert_true(t < 10.0);
	xhp_lock_release(lock);
	xhp_ctx_unref(ctx);
	/* and the real add, for comparison, does attach */
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 1), 1);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	free(node);
	free(phy_img);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dry_refuse_mounted, teardown),
		cmocka_unit_test_teardown(test_dry_refuse_phy_used_by_guest,
					  teardown),
		cmocka_unit_test_teardown(test_dry_refuse_file_used_by_guest,
					  teardown),
		cmocka_unit_test_teardown(test_dry_refuse_read_only_file,
					  teardown),
		cmocka_unit_test_teardown(test_dry_refuse_missing, teardown),
		cmocka_unit_test_teardown(test_dry_ok_without_lock, teardown),
	};
	int r;

	bt_init("xhp-block-dry");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
