// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The block personality on real loop devices and the test xenstored:
 * devices by path, /dev-relative name, symlink, UUID= and LABEL=; files
 * read-write and read-only; re-add, remove, remove twice; every refusal
 * with its status, its message and no loop device left behind. Sharing
 * fails closed: guests whose vm keys are missing are different VMs, and
 * a device this domain uses as swap or claims exclusively is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>
#include <xhp/xhp.h>

#include "blocktest.h"
#include "loop.h"
#include "testutil.h"

/* What a test holds on the host beyond its loop devices. */
static char swap_node[64]; /* swapped on */
static int claim_fd = -1; /* an exclusive open */

static int teardown(void **state)
{
	/* util-linux's swapoff, not swapoff(2): valgrind (3.19) has no
	 * swapon/swapoff syscalls, and the program is not traced. */
	if (swap_node[0] && tu_runl(NULL, "swapoff", swap_node, NULL) != 0)
		fprintf(stderr, "cleanup: swapoff %s failed\n", swap_node);
	swap_node[0] = '\0';
	if (claim_fd >= 0)
		close(claim_fd);
	claim_fd = -1;
	bt_detach_all();
	tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
	return 0;
}

static void assert_key(const char *bp, const char *key, const char *want)
{
	char *v = bt_read(bp, key);

	if (!want) {
		if (v)
			fail_msg("%s/%s is '%s', expected none", bp, key, v);
		return;
	}
	if (!v)
		fail_msg("%s/%s missing, expected '%s'", bp, key, want);
	assert_string_equal(v, want);
	free(v);
}

static void assert_contains(const char *s, const char *part)
{
	if (!s || !strstr(s, part))
		fail_msg("'%s' does not contain '%s'", s ? s : "(null)", part);
}

/* add succeeds on a device; the keys name it. */
static void add_phy_ok(const char *params, const char *node, unsigned int fe)
{
	char bp[128], *mm = bt_majmin(node), *seq, want_seq[32], p[64];
	char *dec;
	int st;

	/* sysfs says it in decimal, the key in hex */
	snprintf(p, sizeof(p), "/sys/block/%s/diskseq", node + 5);
	dec = tu_read_file(p);
	assert_non_null(dec);
	snprintf(want_seq, sizeof(want_seq), "%llx", strtoull(dec, NULL, 10));
	free(dec);

	bt_backend(bp, sizeof(bp), fe, 51712, params, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	assert_int_equal(st, XHP_STATUS_CONNECTED);
	assert_key(bp, "physical-device", mm);
	assert_key(bp, "physical-device-path", node);
	assert_key(bp, "hotplug-status", "connected");
	assert_key(bp, "node", NULL);
	seq = bt_read(bp, "diskseq");
	assert_non_null(seq);
	assert_string_equal(seq, want_seq);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	free(seq);
	free(mm);
}

static void test_phy_path(void **state)
{
	char *img = bt_image("phy.img", 8, NULL, NULL);
	char *node = bt_losetup(img, false);

	add_phy_ok(node, node, 1);
	free(node);
	free(img);
}

static void test_phy_relative(void **state)
{
	char *img = bt_image("rel.img", 8, NULL, NULL);
	char *node = bt_losetup(img, false);

	add_phy_ok(node + 5, node, 1); /* "loopN" */
	free(node);
	free(img);
}

static void test_phy_symlink(void **state)
{
	char *img = bt_image("sym.img", 8, NULL, NULL);
	char *node = bt_losetup(img, false), link[512];

	snprintf(link, sizeof(link), "%s/disk-link", bt_dir());
	assert_int_equal(symlink(node, link), 0);
	add_phy_ok(link, node, 1);
	free(node);
	free(img);
}

static void test_phy_uuid_label(void **state)
{
	char label[16], uuid[64], tag[96];
	char *img, *node;

	snprintf(label, sizeof(label), "xhp%u", (unsigned int)getpid());
	snprintf(uuid, sizeof(uuid), "6c1a0e2e-0000-4000-8000-%012x",
		 (unsigned int)getpid());
	img = bt_image("tag.img", 8, label, uuid);
	node = bt_losetup(img, false);
	snprintf(tag, sizeof(tag), "UUID=%s", uuid);
	add_phy_ok(tag, node, 1);
	snprintf(tag, sizeof(tag), "LABEL=%s", label);
	add_phy_ok(tag, node, 1);
	free(node);
	free(img);
}

/*
 * A tag more than one device carries (a guest can label the file system
 * on its own disk like another's) is refused naming them all; nothing
 * is written but the failure. A tag only one device has still resolves.
 */
static void test_tag_not_unique(void **state)
{
	char label[32], uniq[32], uuid[64], tag[96], bp[128];
	char *a, *b, *c, *na, *nb, *nc, *msg = NULL;
	int st;

	snprintf(label, sizeof(label), "xhpdup%u", (unsigned int)getpid());
	snprintf(uniq, sizeof(uniq), "xhpone%u", (unsigned int)getpid());
	snprintf(uuid, sizeof(uuid), "6c1a0e2e-0000-4000-8001-%012x",
		 (unsigned int)getpid());
	a = bt_image("dup-a.img", 8, label, uuid);
	b = bt_image("dup-b.img", 8, label, uuid);
	c = bt_image("dup-c.img", 8, uniq, NULL);
	na = bt_losetup(a, false);
	nb = bt_losetup(b, false);
	nc = bt_losetup(c, false);
	snprintf(tag, sizeof(tag), "LABEL=%s", label);
	bt_backend(bp, sizeof(bp), 1, 51712, tag, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, &st, &msg), -ENOTUNIQ);
	assert_int_equal(st, XHP_STATUS_ERROR);
	assert_contains(msg, "matches 2 devices: ");
	assert_contains(msg, na);
	assert_contains(msg, nb);
	assert_null(strstr(msg, nc));
	assert_key(bp, "physical-device", NULL);
	assert_key(bp, "hotplug-status", "error");
	print_message("  refused: %s\n", msg);
	free(msg);
	snprintf(tag, sizeof(tag), "UUID=%s", uuid);
	bt_backend(bp, sizeof(bp), 1, 51712, tag, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, &st, &msg), -ENOTUNIQ);
	assert_contains(msg, "matches 2 devices: ");
	assert_contains(msg, na);
	assert_contains(msg, nb);
	assert_key(bp, "physical-device", NULL);
	free(msg);
	/* the unique label on the third device resolves to it */
	snprintf(tag, sizeof(tag), "LABEL=%s", uniq);
	add_phy_ok(tag, nc, 1);
	/* and the label once only one device carries it */
	assert_int_equal(tu_runl(NULL, "losetup", "-d", nb, NULL), 0);
	assert_int_equal(bt_wait_loops(b, 0), 0);
	snprintf(tag, sizeof(tag), "LABEL=%s", label);
	add_phy_ok(tag, na, 1);
	free(na);
	free(nb);
	free(nc);
	free(a);
	free(b);
	free(c);
}

/* A file: attached to a loop device with the keys to match. */
static char *add_file_ok(char *bp, size_t size, const char *img,
			 const char *mode, unsigned int fe, int want_ro)
{
	char *node, *mm, *b, *seq;
	int st;

	bt_backend(bp, size, fe, 51712, img, mode, "file", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	assert_int_equal(st, XHP_STATUS_CONNECTED);
	node = bt_read(bp, "node");
	assert_non_null(node);
	mm = bt_majmin(node);
	assert_key(bp, "physical-device", mm);
	assert_key(bp, "physical-device-path", node);
	assert_key(bp, "hotplug-status", "connected");
	b = bt_loop_backing(node);
	assert_non_null(b);
	assert_string_equal(b, img);
	assert_int_equal(bt_loop_ro(node), want_ro);
	seq = bt_read(bp, "diskseq");
	assert_non_null(seq); /* this kernel has BLKGETDISKSEQ */
	assert_true(strtoull(seq, NULL, 16) > 0);
	assert_true(seq[0] != '0');
	free(seq);
	free(b);
	free(mm);
	return node;
}

static void test_file_rw_readd_remove(void **state)
{
	char *img = bt_image("rw.img", 8, NULL, NULL), bp[128];
	char *node = add_file_ok(bp, sizeof(bp), img, "w", 1, 0);
	char *again;
	int st;

	/* re-add: nothing more, same keys, still one loop device */
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	again = bt_read(bp, "node");
	assert_string_equal(again, node);
	assert_int_equal(bt_wait_loops(img, 1), 1);
	/* remove, then remove again */
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	assert_null(bt_loop_backing(node));
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	free(again);
	free(node);
	free(img);
}

static void test_file_ro(void **state)
{
	char *img = bt_image("ro.img", 8, NULL, NULL), bp[128];
	char *node = add_file_ok(bp, sizeof(bp), img, "r", 1, 1);

	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	free(node);
	free(img);
}

/* remove leaves alone a loop device that now backs another file. */
static void test_remove_checks_backing(void **state)
{
	char *a = bt_image("a.img", 8, NULL, NULL);
	char *b = bt_image("b.img", 8, NULL, NULL);
	char *node = bt_losetup(b, false), bp[128];

	bt_backend(bp, sizeof(bp), 1, 51712, a, "w", "file", NULL);
	bt_write(bp, "node", node);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(b, 1), 1);
	free(node);
	free(a);
	free(b);
}

/*
 * The image was replaced while the guest ran (a new file renamed over
 * it): remove still detaches the loop device of the old, deleted inode
 * that this backend's add attached (Xen's script detaches its node).
 */
static void test_remove_after_file_replaced(void **state)
{
	char *img = bt_image("rep.img", 8, NULL, NULL), bp[128];
	char *fresh = bt_image("rep-new.img", 8, NULL, NULL), *b;
	char *node = add_file_ok(bp, sizeof(bp), img, "w", 1, 0);

	assert_int_equal(rename(fresh, img), 0);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	for (int i = 0; i < 100 && (b = bt_loop_backing(node)); i++) {
		free(b); /* a deferred detach: poll a little */
		usleep(20000);
	}
	b = bt_loop_backing(node);
	if (b)
		fail_msg("%s still backs %s", node, b);
	free(node);
	free(fresh);
	free(img);
}

/*
 * The script may be called twice for one backend (Xen's comment on the
 * physical-device check); two such adds at once attach one loop device,
 * not two with the first one's left behind unnamed.
 */
static void test_double_add_at_once(void **state)
{
	char *img = bt_image("twice.img", 8, NULL, NULL), bp[128];
	pid_t pid[2];
	xhp_lock *lock;
	xhp_ctx *ctx;
	int i, s, go[2];
	char c;

	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	/* Forked before the lock is taken: no child shares its flock. */
	assert_int_equal(pipe(go), 0);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(99);
			_exit(bt_cli("add", bp));
		}
	}
	close(go[0]);
	/* Both get past the physical-device check, then queue on the lock. */
	assert_int_equal(xhp_lock_acquire(ctx, "block", &lock), 0);
	assert_int_equal(write(go[1], "xx", 2), 2);
	close(go[1]);
	usleep(500000);
	xhp_lock_release(lock);
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &s, 0), pid[i]);
		if (!WIFEXITED(s) || WEXITSTATUS(s) != 0)
			fail_msg("add %d: %s", i, bt_read(bp, "hotplug-error"));
	}
	assert_key(bp, "hotplug-status", "connected");
	assert_int_equal(bt_wait_loops(img, 1), 1);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	xhp_ctx_unref(ctx);
	free(img);
}

/* A refused add: result, status, message, and no loop device of ours
 * left. */
static void refused(const char *bp, int want_r, int want_status,
		    const char *want_msg, int loops_before)
{
	char *msg = NULL, *err;
	int st;

	assert_int_equal(bt_ours("add", bp, &st, &msg), want_r);
	assert_int_equal(st, want_status);
	assert_contains(msg, want_msg);
	err = bt_read(bp, "hotplug-error");
	assert_contains(err, want_msg);
	assert_key(bp, "hotplug-status",
		   want_status == XHP_STATUS_BUSY ? "busy" : "error");
	assert_key(bp, "physical-device", NULL);
	assert_key(bp, "node", NULL);
	assert_int_equal(bt_wait_our_loops(loops_before), loops_before);
	print_message("  refused: %s\n", msg);
	free(err);
	free(msg);
}

static void test_refuse_file_mounted_here(void **state)
{
	char *img = bt_image("mnt.img", 16, "xhpmnt", NULL), bp[128];
	char *node = bt_losetup(img, false), mnt[512];

	snprintf(mnt, sizeof(mnt), "%s/mnt", bt_dir());
	assert_int_equal(mkdir(mnt, 0755), 0);
	assert_int_equal(mount(node, mnt, "ext4", 0, NULL), 0);
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	refused(bp, -EBUSY, XHP_STATUS_BUSY,
		"mounted read-write in the privileged domain", 1);
	/* read-only is refused too: the mount is read-write */
	bt_backend(bp, sizeof(bp), 1, 51712, img, "r", "file", NULL);
	refused(bp, -EBUSY, XHP_STATUS_BUSY,
		"mounted read-write in the privileged domain", 1);
	/* "!" skips the checks */
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w!", "file", NULL);
	assert_int_equal(bt_ours("add", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 2), 2);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 1), 1);
	umount2(mnt, MNT_DETACH);
	free(node);
	free(img);
}

static void test_refuse_file_used_by_guest(void **state)
{
	char *img = bt_image("shared.img", 8, NULL, NULL), bp[128], bp2[128];
	char vm[64];
	char *node = add_file_ok(bp, sizeof(bp), img, "w", 1, 0);

	bt_backend(bp2, sizeof(bp2), 2, 51712, img, "w", "file", NULL);
	refused(bp2, -EBUSY, XHP_STATUS_BUSY, "in use by a guest", 1);
	bt_backend(bp2, sizeof(bp2), 2, 51712, img, "r", "file", NULL);
	refused(bp2, -EBUSY, XHP_STATUS_BUSY, "in use by a guest", 1);
	/* the same VM (Xen's same_vm) may share it */
	snprintf(vm, sizeof(vm), BT_VM_FMT, 1u);
	bt_backend(bp2, sizeof(bp2), 3, 51712, img, "w", "file", vm);
	assert_int_equal(bt_ours("add", bp2, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 2), 2);
	assert_int_equal(bt_ours("remove", bp2, NULL, NULL), 0);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	free(node);
	free(img);
}

/*
 * Two guests whose vm keys are missing (or unreadable: EACCES in a
 * driver domain reads the same) are not the same VM: Xen's same_vm
 * defaults both to "unknown" (and another domain's to ours) and gave
 * both the image read-write. Disks of one frontend domain may still
 * share. (Domains 4111 and 4112: loop devices are global and carry the
 * backend path in their mark; other suites use small numbers.)
 */
static void test_refuse_unknown_vm(void **state)
{
	char *img = bt_image("novm.img", 8, NULL, NULL), bp[128], bp2[128];
	char *node;

	bt_backend(bp, sizeof(bp), 4111, 51712, img, "w", "file", NULL);
	tu_xs_rm(bt_xs(), "/local/domain/4111/vm");
	assert_int_equal(bt_ours("add", bp, NULL, NULL), 0);
	node = bt_read(bp, "node");
	assert_non_null(node);
	/* neither vm key */
	bt_backend(bp2, sizeof(bp2), 4112, 51712, img, "w", "file", NULL);
	tu_xs_rm(bt_xs(), "/local/domain/4112/vm");
	refused(bp2, -EBUSY, XHP_STATUS_BUSY, "in use by a guest (domain 4111",
		1);
	/* only the other domain's is missing */
	bt_backend(bp2, sizeof(bp2), 4112, 51712, img, "w", "file", NULL);
	refused(bp2, -EBUSY, XHP_STATUS_BUSY, "in use by a guest (domain 4111",
		1);
	/* the same frontend domain, without its vm key */
	bt_backend(bp2, sizeof(bp2), 4111, 51728, img, "w", "file", NULL);
	tu_xs_rm(bt_xs(), "/local/domain/4111/vm");
	assert_int_equal(bt_ours("add", bp2, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 2), 2);
	assert_int_equal(bt_ours("remove", bp2, NULL, NULL), 0);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	assert_int_equal(bt_wait_loops(img, 0), 0);
	free(node);
	free(img);
}

/*
 * A loop device this domain swaps on (mkswap, swapon): refused busy
 * in either mode (swap writes it, as a read-write mount does, which Xen
 * refuses for read-only too), as a device and through a file it backs;
 * the message names the swap. Xen's script looks at mounts only.
 */
static void test_refuse_swap(void **state)
{
	char *img = bt_image("swap.img", 16, NULL, NULL), bp[128];
	char *node = bt_losetup(img, false);

	assert_int_equal(tu_runl(NULL, "mkswap", node, NULL), 0);
	snprintf(swap_node, sizeof(swap_node), "%s", node);
	if (tu_runl(NULL, "swapon", node, NULL) != 0) {
		swap_node[0] = '\0';
		fail_msg("swapon %s failed", node);
	}
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	refused(bp, -EBUSY, XHP_STATUS_BUSY,
		"is an active swap area (/proc/swaps)", 1);
	bt_backend(bp, sizeof(bp), 1, 51712, node, "r", "phy", NULL);
	refused(bp, -EBUSY, XHP_STATUS_BUSY,
		"is an active swap area (/proc/swaps)", 1);
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	refused(bp, -EBUSY, XHP_STATUS_BUSY,
		"which is an active swap area (/proc/swaps) in the privileged "
		"domain",
		1);
	assert_int_equal(tu_runl(NULL, "swapoff", node, NULL), 0);
	swap_node[0] = '\0';
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, NULL, NULL), 0);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	free(node);
	free(img);
}

/*
 * A device something here holds exclusively (as mkfs, a stacked driver
 * or a mounted partition of it would; here the test's own O_EXCL open):
 * the kernel refuses an exclusive open with EBUSY, and so is read-write
 * use refused busy. Read-only is allowed (a read-only mount claims the
 * device too).
 */
static void test_refuse_claimed_device(void **state)
{
	char *img = bt_image("claimed.img", 8, NULL, NULL), bp[128];
	char *node = bt_losetup(img, false);

	claim_fd = open(node, O_RDONLY | O_EXCL | O_CLOEXEC);
	assert_true(claim_fd >= 0);
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	refused(bp, -EBUSY, XHP_STATUS_BUSY,
		"is in use (the kernel refuses an exclusive open of ", 1);
	bt_backend(bp, sizeof(bp), 1, 51712, node, "r", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, NULL, NULL), 0);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	close(claim_fd);
	claim_fd = -1;
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, NULL, NULL), 0);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	free(node);
	free(img);
}

static void test_refuse_phy_used_by_guest(void **state)
{
	char *img = bt_image("physhared.img", 8, NULL, NULL);
	char *node = bt_losetup(img, false), bp[128], bp2[128];
	int st;

	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	bt_backend(bp2, sizeof(bp2), 2, 51728, node, "w", "phy", NULL);
	refused(bp2, -EBUSY, XHP_STATUS_BUSY, "in use by a guest", 1);
	/* read-only beside read-only is fine */
	bt_backend(bp, sizeof(bp), 1, 51712, node, "r", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	bt_backend(bp2, sizeof(bp2), 2, 51728, node, "r", "phy", NULL);
	assert_int_equal(bt_ours("add", bp2, &st, NULL), 0);
	free(node);
	free(img);
}

static void test_refuse_unwritable_file(void **state)
{
	char *img = bt_image("readonly.img", 8, NULL, NULL), bp[128];

	assert_int_equal(chmod(img, 0444), 0);
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	refused(bp, -EBUSY, XHP_STATUS_BUSY, "is read-only", 0);
	free(img);
}

static void test_refuse_wrong_state(void **state)
{
	char *img = bt_image("state.img", 8, NULL, NULL), bp[128];

	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	bt_write(bp, "state", "4");
	refused(bp, -EINVAL, XHP_STATUS_ERROR,
		"Path closed or removed during hotplug add", 0);
	free(img);
}

static void test_refuse_missing_params(void **state)
{
	char bp[128];

	bt_backend(bp, sizeof(bp), 1, 51712, NULL, "w", "file", NULL);
	refused(bp, -EINVAL, XHP_STATUS_ERROR, "params is missing", 0);
}

static void test_refuse_missing_device(void **state)
{
	char bp[128], p[512];

	snprintf(p, sizeof(p), "%s/nothing", bt_dir());
	bt_backend(bp, sizeof(bp), 1, 51712, p, "w", "phy", NULL);
	refused(bp, -ENOENT, XHP_STATUS_ERROR, "does not exist", 0);
	bt_backend(bp, sizeof(bp), 1, 51712, "LABEL=xhp-no-such-label", "w",
		   "phy", NULL);
	refused(bp, -ENOENT, XHP_STATUS_ERROR, "no block device has", 0);
	bt_backend(bp, sizeof(bp), 1, 51712, "/dev/null", "w", "phy", NULL);
	refused(bp, -ENOTBLK, XHP_STATUS_ERROR, "is not a block device", 0);
}

/* type=<t> with an executable block-<t> beside the script. */
static void test_type_helper(void **state)
{
	char helper[512], out[512], bp[128], *log, env[600];
	FILE *f;

	snprintf(helper, sizeof(helper), "%s/block-xhptest", bt_dir());
	snprintf(out, sizeof(out), "%s/helper.log", bt_dir());
	f = fopen(helper, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$1 $XENBUS_PATH\" >> %s\n", out);
	fclose(f);
	assert_int_equal(chmod(helper, 0755), 0);
	snprintf(env, sizeof(env), "%s/block", bt_dir());
	setenv("script", env, 1); /* the request reads it from environ */
	bt_backend(bp, sizeof(bp), 1, 51712, "iqn.x:target", "w", "xhptest",
		   NULL);
	assert_int_equal(bt_cli("add", bp), 0);
	assert_int_equal(bt_cli("remove", bp), 0);
	unsetenv("script");
	log = tu_read_file(out);
	assert_non_null(log);
	assert_string_equal(log, "add backend/vbd/1/51712\n"
				 "remove backend/vbd/1/51712");
	free(log);
}

static int loop_dio(const char *node)
{
	char p[128], *v;
	int r;

	snprintf(p, sizeof(p), "/sys/block/%s/loop/dio", node + 5);
	v = tu_read_file(p);
	r = v ? atoi(v) : -1;
	free(v);
	return r;
}

/* direct-io-safe=1: direct I/O where the file system allows it. */
static void test_direct_io(void **state)
{
	char *img = bt_image("dio.img", 8, NULL, NULL), bp[128], *node;
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	bt_write(bp, "direct-io-safe", "1");
	assert_int_equal(bt_ours("add", bp, NULL, NULL), 0);
	node = bt_read(bp, "node");
	assert_non_null(node);
	assert_int_equal(loop_dio(node), 1);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	free(node);
	/* without the key: buffered */
	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	assert_int_equal(bt_ours("add", bp, NULL, NULL), 0);
	node = bt_read(bp, "node");
	assert_int_equal(loop_dio(node), 0);
	assert_int_equal(bt_ours("remove", bp, NULL, NULL), 0);
	free(node);
	free(img);
}

/* Dry run: everything read and checked, nothing attached or written. */
static void test_dry_run(void **state)
{
	char *img = bt_image("dry.img", 8, NULL, NULL), bp[128];
	int st;

	bt_backend(bp, sizeof(bp), 1, 51712, img, "w", "file", NULL);
	bt_dry_run = 1;
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	bt_dry_run = 0;
	assert_key(bp, "node", NULL);
	assert_key(bp, "physical-device", NULL);
	assert_key(bp, "hotplug-status", NULL);
	assert_int_equal(bt_loops_of(img), 0);
	free(img);
}

/*
 * The file attached is the file that was checked: a path that names
 * another inode by the time of the attach (replaced after the sharing
 * check), or something that is no regular file (a FIFO would block the
 * open), is refused and nothing is attached.
 */
static void test_attach_checks_identity(void **state)
{
	char *a = bt_image("id-a.img", 8, NULL, NULL);
	char *b = bt_image("id-b.img", 8, NULL, NULL), fifo[512];
	struct xhp_loop l;
	struct stat sa, sb;
	xhp_lock *lock;
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	/* Attaching: under the lock, as Xen's find-then-attach expects. */
	assert_int_equal(xhp_lock_acquire(ctx, "block", &lock), 0);
	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(b, &sb), 0);
	/* a was checked, b is found at its path now */
	assert_int_equal(xhp_loop_attach(ctx, b, sa.st_dev, sa.st_ino, false,
					 false, NULL, &l),
			 -ESTALE);
	assert_contains(xhp_ctx_last_error(ctx), "changed");
	assert_int_equal(bt_wait_loops(a, 0), 0);
	assert_int_equal(bt_wait_loops(b, 0), 0);
	snprintf(fifo, sizeof(fifo), "%s/id-fifo", bt_dir());
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(xhp_loop_attach(ctx, fifo, sa.st_dev, sa.st_ino, true,
					 false, NULL, &l),
			 -ESTALE);
	assert_contains(xhp_ctx_last_error(ctx),
			"id-fifo changed between its checks and its attach");
	/* the right one attaches */
	assert_int_equal(xhp_loop_attach(ctx, a, sa.st_dev, sa.st_ino, false,
					 false, NULL, &l),
			 0);
	assert_int_equal(bt_wait_loops(a, 1), 1);
	assert_int_equal(xhp_loop_detach(ctx, l.index, sa.st_dev, sa.st_ino, a),
			 0);
	assert_int_equal(bt_wait_loops(a, 0), 0);
	xhp_lock_release(lock);
	unlink(fifo);
	xhp_ctx_unref(ctx);
	free(a);
	free(b);
}

/*
 * Guests starting and stopping (backend directories of other domains
 * coming and going, as libxl makes them) while an add scans 500 other
 * backends: the add still succeeds. (A scan in one transaction
 * conflicted on every change and failed the add after 16 new scans.)
 */
static void test_add_during_backend_churn(void **state)
{
	char *img = bt_image("churn.img", 8, NULL, NULL), bp[128], v[64];
	char *node = bt_losetup(img, false), *mm = bt_majmin(node);
	pid_t pid;
	int i, st, r = 0;

	(void)state;
	for (i = 0; i < 500; i++) {
		unsigned int dom = 100 + (unsigned int)i / 4;

		snprintf(bp, sizeof(bp), "backend/vbd/%u/%d", dom,
			 51712 + (i % 4) * 16);
		snprintf(v, sizeof(v), "fd:%x", i);
		bt_write(bp, "physical-device", v);
		bt_write(bp, "mode", "w");
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct xs_handle *h = xs_open(0);
		char dir[128], key[192];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (unsigned int k = 0; h; k++) {
			snprintf(dir, sizeof(dir),
				 "/local/domain/0/backend/vbd/%u",
				 9000 + k % 64);
			snprintf(key, sizeof(key), "%s/51712/state", dir);
			tu_xs_write(h, key, "1");
			if (k % 2)
				tu_xs_rm(h, dir);
		}
		_exit(1);
	}
	usleep(20000);
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	for (i = 0; i < 5 && r == 0; i++) {
		char *msg = NULL;

		r = bt_ours("add", bp, &st, &msg);
		if (r != 0)
			print_error("add %d failed: %s\n", i, msg);
		free(msg);
		if (r == 0)
			assert_key(bp, "physical-device", mm);
		bt_ours("remove", bp, NULL, NULL);
		bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(r, 0);
	free(mm);
	free(node);
	free(img);
}

/* An absolute backend path sees relative ones (the same dom0 home). */
static void test_absolute_path(void **state)
{
	char *img = bt_image("abs.img", 8, NULL, NULL), bp[128], abs[160];
	char *node = bt_losetup(img, false), *mm = bt_majmin(node);
	int st;

	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	assert_int_equal(bt_ours("add", bp, &st, NULL), 0);
	bt_backend(bp, sizeof(bp), 2, 51712, node, "w", "phy", NULL);
	snprintf(abs, sizeof(abs), "/local/domain/0/%s", bp);
	refused(abs, -EBUSY, XHP_STATUS_BUSY, "in use by a guest", 1);
	bt_backend(bp, sizeof(bp), 1, 51712, node, "w", "phy", NULL);
	snprintf(abs, sizeof(abs), "/local/domain/0/%s", bp);
	assert_int_equal(bt_ours("add", abs, &st, NULL), 0);
	assert_key(bp, "physical-device", mm);
	free(mm);
	free(node);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_phy_path, teardown),
		cmocka_unit_test_teardown(test_phy_relative, teardown),
		cmocka_unit_test_teardown(test_phy_symlink, teardown),
		cmocka_unit_test_teardown(test_phy_uuid_label, teardown),
		cmocka_unit_test_teardown(test_tag_not_unique, teardown),
		cmocka_unit_test_teardown(test_file_rw_readd_remove, teardown),
		cmocka_unit_test_teardown(test_file_ro, teardown),
		cmocka_unit_test_teardown(test_remove_checks_backing, teardown),
		cmocka_unit_test_teardown(test_remove_after_file_replaced,
					  teardown),
		cmocka_unit_test_teardown(test_double_add_at_once, teardown),
		cmocka_unit_test_teardown(test_refuse_file_mounted_here,
					  teardown),
		cmocka_unit_test_teardown(test_refuse_file_used_by_guest,
					  teardown),
		cmocka_unit_test_teardown(test_refuse_phy_used_by_guest,
					  teardown),
		cmocka_unit_test_teardown(test_refuse_unknown_vm, teardown),
		cmocka_unit_test_teardown(test_refuse_swap, teardown),
		cmocka_unit_test_teardown(test_refuse_claimed_device, teardown),
		cmocka_unit_test_teardown(test_refuse_unwritable_file,
					  teardown),
		cmocka_unit_test_teardown(test_refuse_wrong_state, teardown),
		cmocka_unit_test_teardown(test_refuse_missing_params, teardown),
		cmocka_unit_test_teardown(test_refuse_missing_device, teardown),
		cmocka_unit_test_teardown(test_type_helper, teardown),
		cmocka_unit_test_teardown(test_direct_io, teardown),
		cmocka_unit_test_teardown(test_dry_run, teardown),
		cmocka_unit_test_teardown(test_absolute_path, teardown),
		cmocka_unit_test_teardown(test_add_during_backend_churn,
					  teardown),
		cmocka_unit_test_teardown(test_attach_checks_identity,
					  teardown),
	};
	int r;

	bt_init("xhp-block");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
