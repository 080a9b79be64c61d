// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interruption, block: `xhp-hotplug block add` of a file-backed vbd is
 * SIGKILLed (the process only, as libxl does at its timeout) at a random
 * moment within the typical time of an add, then `block remove` runs; the
 * host must end clean: no loop device of the file, no lock file.
 *
 * What a killed add can leave, and how remove clears it:
 * - killed before the block lock: nothing.
 * - killed holding the block lock: the lock file /var/run/xen-hotplug/
 *   block (the flock dies with the process). The next locker (remove)
 *   takes the same file and unlinks it on release.
 * - killed between LOOP_CTL_GET_FREE and LOOP_CONFIGURE: a free loop
 *   device node, which is not an attachment.
 * - killed after LOOP_CONFIGURE and before the one transaction that
 *   writes node, physical-device and hotplug-status: an attached loop
 *   device that no key names, carrying this backend's mark in its
 *   lo_file_name ("xhp:vbd/<fe>/<devid> <file>"). remove finds no node;
 *   it then detaches, under the block lock, only loop devices with this
 *   backend's mark (an administrator's losetup of the same image is left
 *   alone). Xen's script leaves such a loop device attached for ever.
 * - killed after the transaction: a complete add; remove detaches node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocktest.h"
#include "rel.h"
#include "testutil.h"

#define RUNS_DEFAULT 30

static char *image;

static int run_cli(const char *cmd, const char *bp)
{
	char xp[300];
	const char *argv[] = { XHP_CLI, "block", cmd, NULL };
	const char *add[] = { xp, "XENBUS_TYPE=vbd", "XENBUS_BASE_PATH=backend",
			      "script=/etc/xen/scripts/block", NULL };
	pid_t pid;

	snprintf(xp, sizeof(xp), "XENBUS_PATH=%s", bp);
	pid = rel_spawn(argv, add, NULL);
	return pid < 0 ? (int)pid : rel_wait(pid);
}

static int kill_add(const char *bp, unsigned int delay_us, int *st)
{
	char xp[300];
	const char *argv[] = { XHP_CLI, "block", "add", NULL };
	const char *add[] = { xp, "XENBUS_TYPE=vbd", "XENBUS_BASE_PATH=backend",
			      "script=/etc/xen/scripts/block", NULL };

	snprintf(xp, sizeof(xp), "XENBUS_PATH=%s", bp);
	return rel_kill_after(argv, add, delay_us, st);
}

#define CHECK(cond, ...)                                     \
	do {                                                 \
		if (!(cond)) {                               \
			fprintf(stderr, "FAIL %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);        \
			fprintf(stderr, "\n");               \
			failed++;                            \
		}                                            \
	} while (0)

int main(void)
{
	unsigned int runs = RUNS_DEFAULT, i, killed = 0, orphans = 0;
	unsigned int locks_left = 0, completed = 0, delay;
	uint64_t t0, typical;
	char bp[128];
	int failed = 0, st, r;

	bt_init("interrupt");
	if (rel_private_lock_dir() < 0) {
		perror("tmpfs on " REL_LOCK_DIR);
		return 1;
	}
	if (getenv("XHP_INTERRUPT_RUNS"))
		runs = (unsigned int)atoi(getenv("XHP_INTERRUPT_RUNS"));
	printf("seed %u (XHP_SEED to replay)\n", rel_seed());
	image = bt_image("disk.img", 8, NULL, NULL);

	/* The typical time of an add (uninterrupted). */
	bt_backend(bp, sizeof(bp), 1, 51712, image, "w", NULL, NULL);
	t0 = rel_now_us();
	r = run_cli("add", bp);
	typical = rel_now_us() - t0;
	CHECK(r == 0, "reference add exited %d", r);
	CHECK(bt_our_loops() == 1, "reference add: %d loops", bt_our_loops());
	CHECK(run_cli("remove", bp) == 0, "reference remove");
	CHECK(bt_wait_our_loops(0) == 0, "reference remove left a loop");
	printf("typical add: %llu us\n", (unsigned long long)typical);

	for (i = 0; i < runs; i++) {
		bt_backend(bp, sizeof(bp), 1, 51712 + i, image, "w", NULL,
			   NULL);
		delay = rel_rand((unsigned int)typical + 1);
		r = kill_add(bp, delay, &st);
		CHECK(r >= 0, "run %u: could not run the CLI", i);
		if (r == 1)
			killed++;
		else if (st == 0)
			completed++;
		if (bt_our_loops() > 0) {
			char *node = bt_read(bp, "node");

			orphans += !node;
			free(node);
		}
		if (rel_count_dir(REL_LOCK_DIR) > 0)
			locks_left++;
		r = run_cli("remove", bp);
		CHECK(r == 0, "run %u (kill at %u us): remove exited %d", i,
		      delay, r);
		CHECK(bt_wait_our_loops(0) == 0,
		      "run %u (kill at %u us): %d loop devices left", i, delay,
		      bt_our_loops());
		CHECK(rel_count_dir(REL_LOCK_DIR) == 0,
		      "run %u (kill at %u us): lock file left", i, delay);
		tu_xs_rm(bt_xs(), bp);
	}
	/*
	 * remove without node leaves alone a loop device of the same file
	 * that another backend names (here: a read-only sharer).
	 */
	{
		char other[128];

		bt_backend(other, sizeof(other), 2, 51712, image, "r", NULL,
			   NULL);
		bt_backend(bp, sizeof(bp), 3, 51712, image, "r", NULL, NULL);
		CHECK(run_cli("add", other) == 0, "sharer add");
		CHECK(run_cli("remove", bp) == 0, "remove without node");
		CHECK(bt_our_loops() == 1,
		      "remove without node took another backend's loop: %d "
		      "left",
		      bt_our_loops());
		CHECK(run_cli("remove", other) == 0, "sharer remove");
		CHECK(bt_wait_our_loops(0) == 0, "sharer remove left a loop");
		tu_xs_rm(bt_xs(), other);
		tu_xs_rm(bt_xs(), bp);
	}
	printf("block: %u runs, %u killed, %u completed before the kill; "
	       "%u left a loop device no key named, %u a lock file: %s\n",
	       runs, killed, completed, orphans, locks_left,
	       failed ? "NOT all cleared by remove (see above)" :
			"all cleared by remove");
	bt_fini();
	return failed ? 1 : 0;
}
