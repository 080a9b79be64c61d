// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pure pieces of the block code on captured trees: loop node names, the
 * sysfs scan for a file's loop devices, mountinfo parsing (escapes,
 * read-only per mount and per super block), holders of a device in
 * sysfs, params resolution errors and Xen's mode canonicalisation of
 * other backends' modes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "blockdev.h"
#include "loop.h"
#include "testutil.h"

static xhp_ctx *ctx;
static char *dir;

static void put(const char *rel, const char *text)
{
	char p[1024], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (slash = strchr(p + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_parse_node(void **s)
{
	unsigned int i;

	assert_int_equal(xhp_loop_parse_node("/dev/loop0", &i), 0);
	assert_int_equal(i, 0);
	assert_int_equal(xhp_loop_parse_node("/dev/loop17", &i), 0);
	assert_int_equal(i, 17);
	assert_int_equal(xhp_loop_parse_node("/dev/loop", &i), -EINVAL);
	assert_int_equal(xhp_loop_parse_node("/dev/loop01", &i), -EINVAL);
	assert_int_equal(xhp_loop_parse_node("/dev/loop1p1", &i), -EINVAL);
	assert_int_equal(xhp_loop_parse_node("/dev/sda", &i), -EINVAL);
	assert_int_equal(xhp_loop_parse_node("/tmp/../dev/loop1", &i), -EINVAL);
}

static void test_loop_find_captured(void **s)
{
	unsigned int idx[4];
	char root[512], b[256];
	size_t n;

	put("sys/block/loop0/loop/backing_file", "/images/a.img\n");
	put("sys/block/loop1/dev", "7:1\n"); /* not attached */
	put("sys/block/loop2/loop/backing_file", "/images/b.img\n");
	put("sys/block/loop3/loop/backing_file", "/images/a.img\n");
	put("sys/block/sda/dev", "8:0\n");
	snprintf(root, sizeof(root), "%s/sys", dir);
	assert_int_equal(
		xhp_loop_find(ctx, root, 0, 0, "/images/a.img", idx, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_true((idx[0] == 0 && idx[1] == 3) ||
		    (idx[0] == 3 && idx[1] == 0));
	assert_int_equal(
		xhp_loop_find(ctx, root, 0, 0, "/images/c.img", idx, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(xhp_loop_backing_file(root, 2, b, sizeof(b)), 0);
	assert_string_equal(b, "/images/b.img");
	assert_int_equal(xhp_loop_backing_file(root, 1, b, sizeof(b)), -ENOENT);
}

static void test_mountinfo(void **s)
{
	char root[512], where[256];
	dev_t devs[2] = { makedev(7, 3), makedev(7, 4) }, d;
	bool ro;

	put("proc/self/mountinfo",
	    "22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	    "30 22 7:3 / /mnt/with\\040space ro,relatime shared:9 - ext4 "
	    "/dev/loop3 ro\n"
	    "31 22 7:4 / /srv rw,relatime - ext4 /dev/loop4 ro,errors=x\n"
	    "garbage line\n");
	snprintf(root, sizeof(root), "%s/proc", dir);
	/* mode w: any mount conflicts, the first one found */
	assert_int_equal(xhp_mount_conflict(ctx, root, devs, 2, 'w', &d, where,
					    sizeof(where), &ro),
			 1);
	assert_true(d == makedev(7, 3));
	assert_string_equal(where, "/mnt/with space");
	assert_true(ro);
	/* mode r: read-only mounts (per mount, or per super block) do not */
	assert_int_equal(xhp_mount_conflict(ctx, root, devs, 2, 'r', &d, where,
					    sizeof(where), &ro),
			 0);
	devs[0] = makedev(253, 0);
	assert_int_equal(xhp_mount_conflict(ctx, root, devs, 1, 'r', &d, where,
					    sizeof(where), &ro),
			 1);
	assert_string_equal(where, "/");
	assert_false(ro);
}

/*
 * Devices stacked on a device (its holders in sysfs, by device number):
 * any conflicts with read-write use, one that is not read-only with
 * read-only use. No paths: no exclusive-open probe on a captured tree.
 */
static void test_holders_captured(void **s)
{
	char sys[512], proc[512], what[512];
	dev_t devs[2] = { makedev(7, 5), makedev(7, 3) }, d = 0;

	put("sys/dev/block/7:3/holders/dm-0/ro", "0\n");
	put("sys/dev/block/7:4/holders/md1/ro", "1\n");
	put("sys/dev/block/7:5/dev", "7:5\n"); /* no holders */
	put("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	assert_int_equal(xhp_holder_conflict(ctx, sys, proc, devs, NULL, 1, 'w',
					     &d, what, sizeof(what)),
			 0);
	assert_int_equal(xhp_holder_conflict(ctx, sys, proc, devs, NULL, 2, 'w',
					     &d, what, sizeof(what)),
			 1);
	assert_true(d == makedev(7, 3));
	assert_non_null(strstr(what, "held by dm-0 ("));
	assert_non_null(strstr(what, "/dev/block/7:3/holders)"));
	assert_int_equal(xhp_holder_conflict(ctx, sys, proc, devs + 1, NULL, 1,
					     'r', &d, what, sizeof(what)),
			 1);
	assert_non_null(strstr(what, "held read-write by dm-0"));
	/* a read-only holder: only read-write use conflicts */
	devs[0] = makedev(7, 4);
	assert_int_equal(xhp_holder_conflict(ctx, sys, proc, devs, NULL, 1, 'r',
					     &d, what, sizeof(what)),
			 0);
	assert_int_equal(xhp_holder_conflict(ctx, sys, proc, devs, NULL, 1, 'w',
					     &d, what, sizeof(what)),
			 1);
	assert_non_null(strstr(what, "held by md1"));
}

static void test_resolve_errors(void **s)
{
	struct xhp_bdev b;
	char p[600];

	assert_int_equal(xhp_bdev_resolve(ctx, "", &b), -EINVAL);
	assert_int_equal(xhp_bdev_resolve(ctx, "../etc/passwd", &b), -EINVAL);
	assert_int_equal(xhp_bdev_resolve(ctx, "mapper/../../etc", &b),
			 -EINVAL);
	assert_int_equal(xhp_bdev_resolve(ctx, "xhp-no-such-dev", &b), -ENOENT);
	assert_non_null(strstr(xhp_ctx_last_error(ctx),
			       "/dev/xhp-no-such-dev does not exist"));
	assert_int_equal(xhp_bdev_resolve(ctx, "null", &b), -ENOTBLK);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "/dev/null is not a block device");
	assert_int_equal(xhp_bdev_resolve(ctx, "/dev/null", &b), -ENOTBLK);
	assert_string_equal(
		xhp_ctx_last_error(ctx),
		"/dev/null is not a block device or a regular file");
	assert_int_equal(xhp_bdev_resolve(ctx, dir, &b), -ENOTBLK);
	assert_non_null(strstr(xhp_ctx_last_error(ctx),
			       " is not a block device or a regular file"));
	/* a regular file by absolute path, through a symlink */
	put("img", "x");
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink("img", p), 0);
	assert_int_equal(xhp_bdev_resolve(ctx, p, &b), 0);
	assert_int_equal(b.kind, XHP_BDEV_FILE);
	snprintf(p, sizeof(p), "%s/img", dir);
	assert_string_equal(b.path, p);
	xhp_bdev_clear(&b);
	assert_true(xhp_bdev_is_tag("UUID=1234"));
	assert_true(xhp_bdev_is_tag("PARTLABEL=root"));
	assert_false(xhp_bdev_is_tag("uuid=1234"));
	assert_false(xhp_bdev_is_tag("/dev/UUID=1"));
}

static void test_other_modes(void **s)
{
	/* Xen's canonicalise_mode, total: used for other backends' modes */
	assert_int_equal(xhp_bdev_mode("r"), 'r');
	assert_int_equal(xhp_bdev_mode("ro"), 'r');
	assert_int_equal(xhp_bdev_mode(""), 'r');
	assert_int_equal(xhp_bdev_mode(NULL), 'r');
	assert_int_equal(xhp_bdev_mode("w"), 'w');
	assert_int_equal(xhp_bdev_mode("rw"), 'w');
	assert_int_equal(xhp_bdev_mode("w!"), '!');
	assert_int_equal(xhp_bdev_mode("!"), 'r');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_node),
		cmocka_unit_test(test_loop_find_captured),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_holders_captured),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_other_modes),
	};
	int r;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	xhp_ctx_set_log_priority(ctx, LOG_EMERG);
	dir = tu_mkdtemp("xhp-block-unit");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	tu_rmtree(dir);
	free(dir);
	xhp_ctx_unref(ctx);
	return r;
}
