// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Interlock with Xen's own block script: both running at once, many
 * rounds. On different files, no loop device is ever attached twice and
 * each backend's node backs its own file; on the same device wanted
 * read-write by two guests, exactly one of the two wins (each sees the
 * other's backend under the shared "block" lock).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "blocktest.h"
#include "testutil.h"

#define PER_TOOL 3
#define ROUNDS 12
#define RACE_ROUNDS 12

/*
 * Run @cmd on each backend at once: even ones by Xen, odd ones by us,
 * ours started @delay_ms later (Xen's script takes longer to get going).
 */
static void run_all(const char *cmd, char bp[][128], int n, int *rc,
		    int delay_ms)
{
	pid_t pid[2 * PER_TOOL];
	int i, s;

	for (i = 0; i < n; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			if (i % 2)
				usleep((useconds_t)delay_ms * 1000);
			_exit(i % 2 ? bt_cli(cmd, bp[i]) : bt_xen(cmd, bp[i]));
		}
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(waitpid(pid[i], &s, 0), pid[i]);
		rc[i] = WIFEXITED(s) ? WEXITSTATUS(s) : 128;
	}
}

static void test_different_files(void **state)
{
	char bp[2 * PER_TOOL][128], *img[2 * PER_TOOL], name[32];
	char *node[2 * PER_TOOL];
	int rc[2 * PER_TOOL], i, j, round, n = 2 * PER_TOOL;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d.img", i);
		img[i] = bt_image(name, 4, NULL, NULL);
	}
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < n; i++)
			bt_backend(bp[i], sizeof(bp[i]), (unsigned int)i + 1,
				   51712, img[i], i % 3 ? "w" : "r", "file",
				   NULL);
		run_all("add", bp, n, rc, 0);
		for (i = 0; i < n; i++) {
			char *b;

			if (rc[i] != 0)
				fail_msg("round %d: %s add of %s failed: %s",
					 round, i % 2 ? "our" : "Xen's", bp[i],
					 bt_read(bp[i], "hotplug-error"));
			node[i] = bt_read(bp[i], "node");
			assert_non_null(node[i]);
			b = bt_loop_backing(node[i]);
			assert_non_null(b);
			assert_string_equal(b, img[i]);
			free(b);
			assert_int_equal(bt_wait_loops(img[i], 1), 1);
			for (j = 0; j < i; j++)
				assert_string_not_equal(node[i], node[j]);
		}
		run_all("remove", bp, n, rc, 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(rc[i], 0);
			assert_int_equal(bt_wait_loops(img[i], 0), 0);
			free(node[i]);
		}
		assert_int_equal(bt_wait_our_loops(0), 0);
	}
	print_message("  %d rounds of %d Xen and %d libxhp adds and removes "
		      "at once: no loop device shared\n",
		      ROUNDS, PER_TOOL, PER_TOOL);
	for (i = 0; i < n; i++)
		free(img[i]);
}

static void test_same_device_race(void **state)
{
	char *img = bt_image("race.img", 4, NULL, NULL);
	char *node = bt_losetup(img, false), bp[2][128];
	int rc[2], round, xen_won = 0, ours_won = 0;

	for (round = 0; round < RACE_ROUNDS; round++) {
		char *st0, *st1;

		tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
		bt_backend(bp[0], sizeof(bp[0]), 1, 51712, node, "w", "phy",
			   NULL);
		bt_backend(bp[1], sizeof(bp[1]), 2, 51712, node, "w", "phy",
			   NULL);
		run_all("add", bp, 2, rc, (round % 6) * 25);
		st0 = bt_read(bp[0], "hotplug-status");
		st1 = bt_read(bp[1], "hotplug-status");
		assert_non_null(st0);
		assert_non_null(st1);
		/* exactly one winner, the other busy */
		assert_int_equal(rc[0] + rc[1], 1);
		if (rc[0] == 0) {
			assert_string_equal(st0, "connected");
			assert_string_equal(st1, "busy");
			xen_won++;
		} else {
			assert_string_equal(st1, "connected");
			assert_string_equal(st0, "busy");
			ours_won++;
		}
		free(st0);
		free(st1);
	}
	print_message("  %d races for one device: Xen won %d, libxhp %d, "
		      "never both\n",
		      RACE_ROUNDS, xen_won, ours_won);
	free(node);
	free(img);
}

static int teardown(void **state)
{
	bt_detach_all();
	tu_xs_rm(bt_xs(), "/local/domain/0/backend/vbd");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_different_files, teardown),
		cmocka_unit_test_teardown(test_same_device_race, teardown),
	};
	int r;

	bt_require_xen_block();
	bt_init("xhp-block-lock");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini();
	return r;
}
