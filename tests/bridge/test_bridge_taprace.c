// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tap of an emulated NIC plugged by libxl and by udev at once, as on
 * a host that has both (libxl runs the vif script a second time with
 * "add type_if=tap"; the example udev rule runs "vif-bridge add tap"):
 * each round starts both runs together on a fresh vif1.0-emu. Both must
 * succeed with no hotplug-error, and the tap must end plugged once: in
 * the bridge, up, one link, and never taken down again by the second run
 * (rtnetlink's link events of the round are read back: no up -> down).
 *
 * Before the second plug was a no-op, the later run of each round took
 * the plugged tap down and up again (a flap under the guest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>

#include "bt.h"
#include "testutil.h"

static struct bt T;

#define BE "/local/domain/0/backend/vif/1/0"
#define TAP "vif1.0-emu"
#define ROUNDS 100

/* libxl's run of the tap (libxl_linux.c) and udev's (the example rule). */
static const char *const libxl_argv[] = { XHP_CLI, "vif-bridge", "add",
					  "type_if=tap", NULL };
static const char *const libxl_env[] = { "INTERFACE=" TAP,
					 "XENBUS_PATH=backend/vif/1/0",
					 "XENBUS_TYPE=vif",
					 "XENBUS_BASE_PATH=backend", NULL };
static const char *const udev_argv[] = { XHP_CLI, "vif-bridge", "add", "tap",
					 NULL };
static const char *const udev_env[] = { "INTERFACE=" TAP, "ACTION=add",
					"SUBSYSTEM=net", NULL };

/*
 * Fork a child that waits for @go to close, then runs @argv and exits
 * with its status (its output on stderr when it failed).
 */
static pid_t racer(const char *const argv[], const char *const add[],
		   const int go[2])
{
	char **env, *out = NULL, c;
	pid_t pid = fork();
	int r;

	if (pid != 0)
		return pid;
	env = tu_env(NULL, add);
	close(go[1]);
	while (read(go[0], &c, 1) > 0)
		;
	r = tu_run((char **)argv, env, 30000, &out);
	if (r != 0)
		fprintf(stderr, "# %s %s %s exited %d: %s", argv[1], argv[2],
			argv[3], r, out ? out : "");
	_exit(r == 0 ? 0 : 1);
}

/* Link events: RTMGRP_LINK of this namespace, non-blocking. */
static struct mnl_socket *events_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK);

	assert_non_null(nl);
	assert_int_equal(mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID),
			 0);
	return nl;
}

struct watch {
	int ifindex;
	bool up; /* as last seen */
	int downs; /* up -> down transitions */
	int ups;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct watch *w = data;
	bool up;

	if (nlh->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != w->ifindex)
		return MNL_CB_OK;
	up = ifi->ifi_flags & IFF_UP;
	if (w->up && !up)
		w->downs++;
	if (!w->up && up)
		w->ups++;
	w->up = up;
	return MNL_CB_OK;
}

/* Read every queued event into @w (NULL: drop them). */
static void events_drain(struct mnl_socket *nl, struct watch *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		if (w)
			assert_true(mnl_cb_run(buf, n, 0, 0, event_cb, w) >= 0);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void test_tap_plugged_once(void **state)
{
	struct mnl_socket *ev = events_open();
	int round, go[2], st, i, rc[2], links, failed = 0;
	struct xhp_link l;
	pid_t pid[2];
	char *v;

	(void)state;
	bt_sh("ip", "link", "add", "br0", "type", "bridge");
	bt_sh("ip", "link", "set", "br0", "up");
	assert_int_equal(tu_xs_write(T.xs, BE "/bridge", "br0"), 0);
	for (round = 0; round < ROUNDS; round++) {
		struct watch w = { 0 };

		tu_runl(NULL, "ip", "link", "del", TAP, NULL);
		bt_sh("ip", "tuntap", "add", TAP, "mode", "tap");
		tu_xs_rm(T.xs, BE "/hotplug-error");
		links = bt_count_links();
		assert_int_equal(bt_link(&T, TAP, &l), 0);
		w.ifindex = l.ifindex;
		events_drain(ev, NULL);

		assert_int_equal(pipe(go), 0);
		pid[0] = racer(libxl_argv, libxl_env, go);
		pid[1] = racer(udev_argv, udev_env, go);
		assert_true(pid[0] > 0 && pid[1] > 0);
		close(go[0]);
		close(go[1]);
		for (i = 0; i < 2; i++) {
			assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
			rc[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		}
		events_drain(ev, &w);
		if (rc[0] || rc[1] || w.downs || w.ups != 1) {
			fprintf(stderr,
				"# round %d: libxl run %d, udev run %d; "
				"the tap went up %d times, down %d times\n",
				round, rc[0], rc[1], w.ups, w.downs);
			failed++;
		}
		v = tu_xs_read(T.xs, BE "/hotplug-error");
		if (v)
			fail_msg("round %d: hotplug-error '%s'", round, v);
		assert_int_equal(bt_link(&T, TAP, &l), 0);
		assert_true(l.flags & IFF_UP);
		assert_string_equal(bt_master(&T, &l), "br0");
		assert_int_equal(bt_count_links(), links);
	}
	mnl_socket_close(ev);
	if (failed)
		fail_msg("%d of %d rounds did not plug the tap exactly once",
			 failed, ROUNDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_plugged_once),
	};
	int r;

	bt_init(&T);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	tu_links_del_all(NULL);
	bt_fini(&T);
	return r;
}
