// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Two onlines of the same vif at once, as when libxl and udev (or xl devd)
 * both run the script for it: each round starts two xhp-hotplug processes
 * together on a fresh tap with a vifname. Both must succeed, the backend
 * must say connected (no hotplug-error), and there must be exactly one
 * link, renamed once, marked, up and in the bridge.
 *
 * Without the per-device lock and the ifindex/mark comparison, one run
 * in a few dozen failed with "An interface with name guest0 already
 * exists" (the other renamed the link between its two lookups), or left
 * hotplug-status=error on a working vif.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bt.h"
#include "testutil.h"

static struct bt T;

#define BE "/local/domain/0/backend/vif/1/0"
#define ROUNDS 200

/*
 * Fork a child that waits for @go to close, then runs the CLI's online
 * and exits with its status (its output on stderr when it failed).
 */
static pid_t racer(char **env, const int go[2])
{
	char *argv[] = { (char *)XHP_CLI, (char *)"vif-bridge",
			 (char *)"online", (char *)"type_if=vif", NULL };
	char *out = NULL, c;
	pid_t pid = fork();
	int r;

	if (pid != 0)
		return pid;
	/* EOF once the parent closes its end: start together. */
	close(go[1]);
	while (read(go[0], &c, 1) > 0)
		;
	r = tu_run(argv, env, 30000, &out);
	if (r != 0)
		fprintf(stderr, "# online exited %d: %s", r, out ? out : "");
	_exit(r == 0 ? 0 : 1);
}

/* Both racers' exit statuses. */
static void race(char **env, int *rc)
{
	pid_t pid[2];
	int go[2], st, i;

	assert_int_equal(pipe(go), 0);
	for (i = 0; i < 2; i++) {
		pid[i] = racer(env, go);
		assert_true(pid[i] > 0);
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
		rc[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	}
}

static void fresh_vif(void)
{
	tu_runl(NULL, "ip", "link", "del", "guest0", NULL);
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	bt_sh("ip", "tuntap", "add", "vif1.0", "mode", "tap");
	assert_int_equal(tu_xs_write(T.xs, BE "/hotplug-status", ""), 0);
	tu_xs_rm(T.xs, BE "/hotplug-error");
}

static void test_online_race(void **state)
{
	static const char *const add[] = { "vif=vif1.0",
					   "XENBUS_PATH=backend/vif/1/0",
					   "XENBUS_TYPE=vif", NULL };
	char **env = tu_env(NULL, add);
	int round, rc[2], links, failed = 0;
	struct xhp_link l;
	char *v;

	(void)state;
	assert_non_null(env);
	bt_sh("ip", "link", "add", "br0", "type", "bridge");
	bt_sh("ip", "link", "set", "br0", "up");
	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "br0"), 0);
	assert_int_equal(tu_xs_write(T.xs, BE "/vifname", "guest0"), 0);
	for (round = 0; round < ROUNDS; round++) {
		fresh_vif();
		links = bt_count_links();
		race(env, rc);
		if (rc[0] || rc[1]) {
			fprintf(stderr, "# round %d: exit %d and %d\n", round,
				rc[0], rc[1]);
			failed++;
			continue;
		}
		v = tu_xs_read(T.xs, BE "/hotplug-status");
		assert_non_null(v);
		assert_string_equal(v, "connected");
		free(v);
		assert_null(tu_xs_read(T.xs, BE "/hotplug-error"));
		assert_int_equal(bt_link(&T, "vif1.0", &l), -ENODEV);
		assert_int_equal(bt_link(&T, "guest0", &l), 0);
		assert_string_equal(l.alias, "vif1.0");
		assert_true(l.flags & IFF_UP);
		assert_string_equal(bt_master(&T, &l), "br0");
		assert_int_equal(bt_count_links(), links);
	}
	tu_env_free(env);
	if (failed)
		fail_msg("%d of %d rounds had a failed online", failed, ROUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_online_race),
	};
	int r;

	bt_init(&T);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	tu_links_del_all(NULL);
	bt_fini(&T);
	return r;
}
