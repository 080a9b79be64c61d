// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Conformance: the same scenarios through Xen's /etc/xen/scripts/block
 * and through ours (the xhp-hotplug CLI, as libxl would run it) give the
 * same exit status and the same keys: physical-device,
 * physical-device-path, node, hotplug-status, and a hotplug-error when
 * Xen writes one (its wording differs: ours names the holder). Loop
 * device numbers may differ; what they are attached to, and how, may not.
 * Documented differences, not compared: ours adds diskseq; ours resolves
 * /dev-relative names (Xen only when its cwd is /dev); ours succeeds on a
 * second remove (Xen's losetup -d fails).
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
#include <unistd.h>

#include <cmocka.h>

#include "blocktest.h"
#include "testutil.h"

typedef int (*tool_fn)(const char *cmd, const char *bp);

/* What one run left behind, normalised. */
struct outcome {
	int rc;
	char status[32];
	bool has_error;
	char pdev[32]; /* as is for devices; "loop" for files */
	char pdev_path[256];
	char node[64];
	char backing[512]; /* the loop device's backing file */
	int ro;
	int loops; /* loop devices backing the scenario's file */
};

static void key_into(const char *bp, const char *key, char *buf, size_t n)
{
	char *v = bt_read(bp, key);

	snprintf(buf, n, "%s", v ? v : "(none)");
	free(v);
}

static void snapshot(struct outcome *o, const char *bp, const char *file,
		     int rc)
{
	char *err = bt_read(bp, "hotplug-error");

	memset(o, 0, sizeof(*o));
	o->rc = rc;
	key_into(bp, "hotplug-status", o->status, sizeof(o->status));
	o->has_error = err != NULL;
	free(err);
	key_into(bp, "physical-device", o->pdev, sizeof(o->pdev));
	key_into(bp, "physical-device-path", o->pdev_path,
		 sizeof(o->pdev_path));
	key_into(bp, "node", o->node, sizeof(o->node));
	o->ro = -1;
	if (strcmp(o->node, "(none)") != 0) {
		char *mm = bt_majmin(o->node), *b = bt_loop_backing(o->node);

		/* node, physical-device-path and physical-device agree */
		assert_string_equal(o->node, o->pdev_path);
		assert_non_null(mm);
		assert_string_equal(o->pdev, mm);
		snprintf(o->backing, sizeof(o->backing), "%s",
			 b ? b : "(detached)");
		o->ro = bt_loop_ro(o->node);
		strcpy(o->pdev, "loop");
		strcpy(o->pdev_path, "loop");
		strcpy(o->node, "loop");
		free(mm);
		free(b);
	}
	o->loops = file ? bt_loops_of(file) : 0;
}

static void assert_same(const struct outcome *x, const struct outcome *o,
			const char *what)
{
	print_message("  %-28s xen: rc=%d status=%s pdev=%s ro=%d loops=%d\n"
		      "  %-28s ours: rc=%d status=%s pdev=%s ro=%d loops=%d\n",
		      what, x->rc, x->status, x->pdev, x->ro, x->loops, "",
		      o->rc, o->status, o->pdev, o->ro, o->loops);
	assert_int_equal(x->rc, o->rc);
	assert_string_equal(x->status, o->status);
	assert_int_equal(x->has_error, o->has_error);
	assert_string_equal(x->pdev, o->pdev);
	assert_string_equal(x->pdev_path, o->pdev_path);
	assert_string_equal(x->node, o->node);
	assert_string_equal(x->backing, o->backing);
	assert_int_equal(x->ro, o->ro);
	assert_int_equal(x->loops, o->loops);
}

static char img_path[512], node_path[64];

/* The scenario's own device may get another loop number each run. */
static void normalise_phy(struct outcome *o)
{
	char *mm;

	if (!node_path[0] || strcmp(o->pdev_path, node_path) != 0)
		return;
	mm = bt_majmin(node_path);
	assert_non_null(mm);
	assert_string_equal(o->pdev, mm);
	strcpy(o->pdev, "the device");
	strcpy(o->pdev_path, "the device");
	free(mm);
}

/*
 * A scenario: @prep builds the state (with @tool for any backend that
 * must exist first), then `@tool add` (twice when @twice) runs on bp.
 */
typedef void (*prep_fn)(tool_fn tool, char *bp, size_t size, const char **file);

static void run_add(prep_fn prep, tool_fn tool, bool twice, struct outcome *o)
{
	const char *file = NULL;
	char bp[128];
	int rc;

	tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
	prep(tool, bp, sizeof(bp), &file);
	rc = tool("add", bp);
	if (twice && rc == 0)
		rc = tool("add", bp);
	snapshot(o, bp, file, rc);
	normalise_phy(o);
	bt_detach_all();
	node_path[0] = '\0';
}

static void compare_add(prep_fn prep, bool twice, const char *what)
{
	struct outcome x, o;

	run_add(prep, bt_xen, twice, &x);
	run_add(prep, bt_cli, twice, &o);
	assert_same(&x, &o, what);
}

/*
 * A file's sharing refusal. Xen's check_sharing looks for the file's loop
 * devices by matching `stat -c %D` (hex) against the [device] of
 * `losetup -a`, which util-linux prints in decimal: on this system it
 * never finds them and lets the second user in. Ours must refuse; Xen's
 * outcome is printed, and compared only where Xen does refuse.
 */
static void compare_file_refusal(prep_fn prep, const char *what)
{
	struct outcome x, o;

	run_add(prep, bt_xen, false, &x);
	run_add(prep, bt_cli, false, &o);
	print_message("  %-28s xen: rc=%d status=%s loops=%d%s\n", what, x.rc,
		      x.status, x.loops,
		      x.rc == 0 ? " (Xen's check missed the loop device)" : "");
	if (x.rc != 0) {
		assert_same(&x, &o, what);
		return;
	}
	assert_int_equal(o.rc, 1);
	assert_string_equal(o.status, "busy");
	assert_true(o.has_error);
	assert_string_equal(o.pdev, "(none)");
	assert_int_equal(o.loops, x.loops - 1);
}

static void prep_phy(tool_fn tool, char *bp, size_t size, const char **f)
{
	char *img = bt_image("phy.img", 8, NULL, NULL);
	char *node = bt_losetup(img, false);

	snprintf(node_path, sizeof(node_path), "%s", node);
	bt_backend(bp, size, 1, 51712, node, "w", "phy", NULL);
	free(node);
	free(img);
}

static void prep_phy_symlink(tool_fn tool, char *bp, size_t size,
			     const char **f)
{
	char link[512];

	prep_phy(tool, bp, size, f);
	snprintf(link, sizeof(link), "%s/link", bt_dir());
	unlink(link);
	assert_int_equal(symlink(node_path, link), 0);
	bt_write(bp, "params", link);
}

static void prep_file(tool_fn tool, char *bp, size_t size, const char **f,
		      const char *mode)
{
	char *img = bt_image("file.img", 8, NULL, NULL);

	snprintf(img_path, sizeof(img_path), "%s", img);
	*f = img_path;
	bt_backend(bp, size, 1, 51712, img, mode, "file", NULL);
	free(img);
}

static void prep_file_rw(tool_fn tool, char *bp, size_t size, const char **f)
{
	prep_file(tool, bp, size, f, "w");
}

static void prep_file_ro(tool_fn tool, char *bp, size_t size, const char **f)
{
	prep_file(tool, bp, size, f, "r");
}

static void prep_wrong_state(tool_fn tool, char *bp, size_t size,
			     const char **f)
{
	prep_file(tool, bp, size, f, "w");
	bt_write(bp, "state", "4");
}

static void prep_unwritable(tool_fn tool, char *bp, size_t size, const char **f)
{
	prep_file(tool, bp, size, f, "w");
	assert_int_equal(chmod(img_path, 0444), 0);
}

static void prep_missing_params(tool_fn tool, char *bp, size_t size,
				const char **f)
{
	bt_backend(bp, size, 1, 51712, NULL, "w", "phy", NULL);
}

/* Another guest (domain 2) already uses the file read-write. */
static void prep_file_shared(tool_fn tool, char *bp, size_t size,
			     const char **f)
{
	char other[128];

	prep_file(tool, other, sizeof(other), f, "w");
	bt_backend(other, sizeof(other), 2, 51712, img_path, "w", "file", NULL);
	assert_int_equal(tool("add", other), 0);
	bt_backend(bp, size, 1, 51712, img_path, "w", "file", NULL);
}

static void prep_phy_shared(tool_fn tool, char *bp, size_t size, const char **f)
{
	char other[128];

	prep_phy(tool, other, sizeof(other), f);
	bt_backend(other, sizeof(other), 2, 51712, node_path, "w", "phy", NULL);
	assert_int_equal(tool("add", other), 0);
	bt_backend(bp, size, 1, 51712, node_path, "r", "phy", NULL);
}

static void prep_file_mounted(tool_fn tool, char *bp, size_t size,
			      const char **f)
{
	char *img = bt_image("mounted.img", 16, "xhpconf", NULL);
	char *node = bt_losetup(img, false), mnt[512];

	snprintf(img_path, sizeof(img_path), "%s", img);
	*f = img_path;
	snprintf(mnt, sizeof(mnt), "%s/mnt", bt_dir());
	mkdir(mnt, 0755);
	assert_int_equal(mount(node, mnt, "ext4", 0, NULL), 0);
	bt_backend(bp, size, 1, 51712, img, "w", "file", NULL);
	free(node);
	free(img);
}

static void test_phy(void **s)
{
	compare_add(prep_phy, false, "phy");
}
static void test_phy_symlink(void **s)
{
	compare_add(prep_phy_symlink, false, "phy symlink");
}
static void test_file_rw(void **s)
{
	compare_add(prep_file_rw, false, "file rw");
}
static void test_file_ro(void **s)
{
	compare_add(prep_file_ro, false, "file ro");
}
static void test_readd(void **s)
{
	compare_add(prep_file_rw, true, "file re-add");
}
static void test_wrong_state(void **s)
{
	compare_add(prep_wrong_state, false, "wrong state");
}
static void test_unwritable(void **s)
{
	compare_add(prep_unwritable, false, "unwritable file, mode w");
}
static void test_missing_params(void **s)
{
	compare_add(prep_missing_params, false, "missing params");
}
static void test_file_shared(void **s)
{
	compare_file_refusal(prep_file_shared, "file used rw by a guest");
}
static void test_phy_shared(void **s)
{
	compare_add(prep_phy_shared, false, "phy used rw by a guest");
}
static void test_file_mounted(void **s)
{
	compare_file_refusal(prep_file_mounted, "file mounted rw here");
}

/* add then remove: exit 0, the loop device gone, the keys left as is. */
static void run_remove(tool_fn tool, struct outcome *o)
{
	const char *file = NULL;
	char bp[128];
	int rc;

	tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
	prep_file_rw(tool, bp, sizeof(bp), &file);
	assert_int_equal(tool("add", bp), 0);
	rc = tool("remove", bp);
	o->loops = bt_wait_loops(file, 0);
	/*
	 * Once detached, the loop device's number is anyone's (loop devices
	 * are global): compare the keys, not what the number backs now.
	 */
	snapshot(o, bp, NULL, rc);
	strcpy(o->backing, "n/a");
	o->ro = -1;
	bt_detach_all();
}

static void test_remove(void **s)
{
	struct outcome x, o;

	run_remove(bt_xen, &x);
	run_remove(bt_cli, &o);
	assert_int_equal(x.loops, 0);
	assert_same(&x, &o, "file remove");
}

static int teardown(void **state)
{
	bt_detach_all();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_phy, teardown),
		cmocka_unit_test_teardown(test_phy_symlink, teardown),
		cmocka_unit_test_teardown(test_file_rw, teardown),
		cmocka_unit_test_teardown(test_file_ro, teardown),
		cmocka_unit_test_teardown(test_readd, teardown),
		cmocka_unit_test_teardown(test_remove, teardown),
		cmocka_unit_test_teardown(test_wrong_state, teardown),
		cmocka_unit_test_teardown(test_unwritable, teardown),
		cmocka_unit_test_teardown(test_missing_params, teardown),
		cmocka_unit_test_teardown(test_file_shared, teardown),
		cmocka_unit_test_teardown(test_phy_shared, teardown),
		cmocka_unit_test_teardown(test_file_mounted, teardown),
	};
	int r;

	bt_require_xen_block();
	bt_init("xhp-block-conf");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
