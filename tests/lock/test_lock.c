// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hotplug locks: names, files, deadlines, holder in the message, CLI. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

static char *dir;

static int setup(void **state)
{
	dir = tu_mkdtemp("lock");
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static xhp_ctx *new_ctx(uint64_t timeout_ms)
{
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, dir), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, timeout_ms), 0);
	return ctx;
}

/*
 * The lock directory is made when missing (once: /run is cleared at boot),
 * and one that cannot be is refused, not retried for ever: a dangling
 * link in its place.
 */
static void test_lock_dir_made(void **state)
{
	char sub[4200], link[4200];
	xhp_lock *l = NULL;
	xhp_ctx *ctx = new_ctx(100);

	snprintf(sub, sizeof(sub), "%s/new", dir);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, sub), 0);
	assert_int_equal(xhp_lock_acquire(ctx, "block", &l), 0);
	assert_int_equal(access(sub, F_OK), 0);
	l = xhp_lock_release(l);
	snprintf(link, sizeof(link), "%s/dangling", dir);
	assert_int_equal(symlink("/nonexistent/xhp-lock-dir", link), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, link), 0);
	assert_int_equal(xhp_lock_acquire(ctx, "block", &l), -ENOENT);
	assert_null(l);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "cannot open lock"));
	xhp_ctx_unref(ctx);
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = { "",	   ".",	  "..",	 "a/b",
					   "../x", "a b", "x\n", "$(id)" };
	xhp_ctx *ctx = new_ctx(100);
	xhp_lock *l = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(xhp_lock_acquire(ctx, bad[i], &l), -EINVAL);
		assert_null(l);
		assert_non_null(strstr(xhp_ctx_last_error(ctx), "bad lock"));
	}
	assert_int_equal(xhp_lock_acquire(ctx, NULL, &l), -EINVAL);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, "relative"), -EINVAL);
	xhp_ctx_unref(ctx);
}

static void test_file_lifecycle(void **state)
{
	xhp_ctx *ctx = new_ctx(100);
	xhp_lock *l = NULL;
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/block", dir);
	assert_int_equal(xhp_lock_acquire(ctx, "block", &l), 0);
	assert_non_null(l);
	assert_int_equal(stat(path, &st), 0);
	assert_null(xhp_lock_release(l));
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	/* Again: the lock can be taken after a release. */
	assert_int_equal(xhp_lock_acquire(ctx, "block", &l), 0);
	xhp_lock_release(l);
	assert_null(xhp_lock_release(NULL));
	xhp_ctx_unref(ctx);
}

/* A child holds the lock (in @lock_dir) until it is killed. */
static pid_t hold_in_child(const char *lock_dir, const char *name)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		xhp_ctx *ctx;
		xhp_lock *l;

		close(p[0]);
		if (xhp_ctx_new(&ctx) < 0 ||
		    xhp_ctx_set_lock_dir(ctx, lock_dir) ||
		    xhp_lock_acquire(ctx, name, &l) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void test_timeout_names_holder(void **state)
{
	xhp_ctx *ctx = new_ctx(200);
	xhp_lock *l = NULL;
	uint64_t t0, dt;
	char expect[64];
	pid_t pid;
	int st;

	pid = hold_in_child(dir, "iptables");
	t0 = xhp_now_us();
	assert_int_equal(xhp_lock_acquire(ctx, "iptables", &l), -ETIMEDOUT);
	dt = xhp_now_us() - t0;
	assert_null(l);
	assert_true(dt >= 200000 && dt < 2000000);
	snprintf(expect, sizeof(expect), "held by pid %d", (int)pid);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), expect));
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "iptables"));
	/* Killed holders leave the file but not the lock: it can be taken. */
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_int_equal(xhp_lock_acquire(ctx, "iptables", &l), 0);
	xhp_lock_release(l);
	xhp_ctx_unref(ctx);
}

static void test_waiter_gets_lock_after_release(void **state)
{
	xhp_ctx *ctx = new_ctx(5000);
	xhp_lock *l = NULL;
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		xhp_ctx *c;
		xhp_lock *h;

		if (xhp_ctx_new(&c) < 0 || xhp_ctx_set_lock_dir(c, dir) ||
		    xhp_lock_acquire(c, "vif-nat-dhcp", &h) < 0)
			_exit(1);
		usleep(100000);
		xhp_lock_release(h);
		_exit(0);
	}
	usleep(20000);
	assert_int_equal(xhp_lock_acquire(ctx, "vif-nat-dhcp", &l), 0);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	xhp_lock_release(l);
	xhp_ctx_unref(ctx);
}

static void test_cli_lock(void **state)
{
	char *out = NULL;
	int r;

	/* The command's exit status passes through; no shell involved. */
	r = tu_runl(&out, XHP_CLI, "lock", "xhp-test-cli", "--", "false", NULL);
	assert_int_equal(r, 1);
	free(out);
	r = tu_runl(&out, XHP_CLI, "lock", "xhp-test-cli", "--timeout", "2",
		    "--", "echo", "$(id)", ";", NULL);
	assert_int_equal(r, 0);
	assert_string_equal(out, "$(id) ;\n");
	free(out);
	r = tu_runl(&out, XHP_CLI, "lock", "xhp-test-cli", "--", NULL);
	assert_int_equal(r, 2);
	free(out);
	r = tu_runl(&out, XHP_CLI, "lock", "../x", "--", "true", NULL);
	assert_int_equal(r, 1);
	assert_non_null(strstr(out, "bad lock name"));
	free(out);
}

/* A --timeout below a millisecond is a short wait, not the default 30 s. */
static void test_cli_lock_short_timeout(void **state)
{
	char *out = NULL;
	xhp_lock *l = NULL;
	uint64_t t0, dt;
	xhp_ctx *ctx;
	pid_t pid;
	int r, st;

	pid = hold_in_child(XHP_DEFAULT_LOCK_DIR, "xhp-test-cli-short");
	t0 = xhp_now_us();
	r = tu_runl(&out, XHP_CLI, "lock", "xhp-test-cli-short", "--timeout",
		    "0.0001", "--", "true", NULL);
	dt = xhp_now_us() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_int_equal(r, 1);
	assert_non_null(strstr(out, "timed out"));
	assert_true(dt < 5000000);
	free(out);
	/* The killed holder left its file behind: take and release it. */
	ctx = new_ctx(2000);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, XHP_DEFAULT_LOCK_DIR), 0);
	assert_int_equal(xhp_lock_acquire(ctx, "xhp-test-cli-short", &l), 0);
	xhp_lock_release(l);
	xhp_ctx_unref(ctx);
}

/* Killing the CLI alone does not free the lock under its command. */
static void test_cli_lock_survives_parent(void **state)
{
	char pidfile[600], *text = NULL;
	char *argv[] = { XHP_CLI,
			 "lock",
			 "xhp-test-parent",
			 "--",
			 "bash",
			 "-c",
			 "echo $$ > \"$0\"; exec sleep 30",
			 pidfile,
			 NULL };
	xhp_ctx *ctx = new_ctx(300);
	xhp_lock *l = NULL;
	pid_t cli, holder;
	int st, i, r = -1;

	snprintf(pidfile, sizeof(pidfile), "%s/holder.pid", dir);
	cli = fork();
	assert_true(cli >= 0);
	if (cli == 0) {
		execv(XHP_CLI, argv);
		_exit(127);
	}
	/* The command writes its pid once it runs under the lock. */
	for (i = 0; i < 500 && !(text && *text); i++) {
		free(text);
		usleep(10000);
		text = tu_read_file(pidfile);
	}
	assert_non_null(text);
	holder = (pid_t)atoi(text);
	free(text);
	assert_true(holder > 1);
	kill(cli, SIGKILL);
	waitpid(cli, &st, 0);
	/* Still held, by the command. */
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, "/var/run/xen-hotplug"), 0);
	assert_int_equal(xhp_lock_acquire(ctx, "xhp-test-parent", &l),
			 -ETIMEDOUT);
	assert_non_null(
		strstr(xhp_ctx_last_error(ctx),
		       "timed out waiting for lock /var/run/xen-hotplug/"
		       "xhp-test-parent (held by pid "));
	kill(holder, SIGKILL);
	/* Freed with its last holder; the stale file is harmless. */
	for (i = 0; i < 100 && r != 0; i++) {
		r = xhp_lock_acquire(ctx, "xhp-test-parent", &l);
		if (r != 0)
			usleep(10000);
	}
	assert_int_equal(r, 0);
	xhp_lock_release(l);
	xhp_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_lock_dir_made),
		cmocka_unit_test(test_file_lifecycle),
		cmocka_unit_test(test_timeout_names_holder),
		cmocka_unit_test(test_waiter_gets_lock_after_release),
		cmocka_unit_test(test_cli_lock),
		cmocka_unit_test(test_cli_lock_survives_parent),
		cmocka_unit_test(test_cli_lock_short_timeout),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
