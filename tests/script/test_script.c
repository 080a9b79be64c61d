// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The script runner: libxl's argv and environment, stdin /dev/null, the
 * report read back from xenstore, a deadline that kills the whole process
 * group, and many scripts at once from one event loop.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "internal.h"
#include "testutil.h"
#include "xsd_harness.h"

static struct xsd xsd = XSD_INIT;

static int setup(void **state)
{
	setenv("XHP_TEST_INHERITED", "yes", 1);
	return xsd_start(&xsd) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	xsd_stop(&xsd);
	return xsd_exited_cleanly(&xsd) ? 0 : -1;
}

static xhp_request *vif_request(xhp_ctx *ctx, int action, int devid)
{
	char path[64], dev[24];
	xhp_request *req;

	snprintf(path, sizeof(path), "backend/vif/3/%d", devid);
	snprintf(dev, sizeof(dev), "vif3.%d", devid);
	assert_int_equal(
		xhp_request_new(ctx, action, XHP_KIND_VIF, path, dev, &req), 0);
	return req;
}

static void test_success_protocol(void **state)
{
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_result *res = NULL;
	const char *err;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 0);
	assert_int_equal(xhp_request_set(req, "netdev", "eth9"), 0);
	assert_int_equal(
		xhp_script_run(ctx, SCRIPTS_DIR "/report-ok", req, &res), 0);
	assert_int_equal(xhp_result_exit_code(res), 0);
	assert_int_equal(xhp_result_status(res), XHP_STATUS_CONNECTED);
	assert_null(xhp_result_message(res));
	err = xhp_result_stderr(res);
	assert_non_null(strstr(err, "argv: online type_if=vif\n"));
	assert_non_null(strstr(err, "script=" SCRIPTS_DIR "/report-ok "
				    "XENBUS_TYPE=vif "
				    "XENBUS_PATH=backend/vif/3/0 "
				    "XENBUS_BASE_PATH=backend vif=vif3.0 "
				    "INTERFACE=unset netdev=eth9 "
				    "inherited=yes"));
	assert_non_null(strstr(err, "stdin: /dev/null"));
	assert_null(strstr(err, "stdout"));
	assert_true(xhp_result_elapsed_us(res) > 0);
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

static void test_block_argv_and_error_report(void **state)
{
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_result *res = NULL;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD,
					 "backend/vbd/3/51712", NULL, &req),
			 0);
	assert_int_equal(
		xhp_script_run(ctx, SCRIPTS_DIR "/report-ok", req, &res), 0);
	assert_non_null(strstr(xhp_result_stderr(res), "argv: add\n"));
	assert_non_null(strstr(xhp_result_stderr(res), "XENBUS_TYPE=vbd "));
	xhp_result_free(res);
	xhp_request_free(req);

	req = vif_request(ctx, XHP_ACTION_ONLINE, 1);
	assert_int_equal(xhp_script_run(ctx, SCRIPTS_DIR "/report-error", req,
					&res),
			 -EIO);
	assert_int_equal(xhp_result_exit_code(res), 1);
	assert_int_equal(xhp_result_signal(res), 0);
	assert_int_equal(xhp_result_status(res), XHP_STATUS_ERROR);
	assert_string_equal(xhp_result_message(res),
			    "could not frobnicate vif3.1");
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "frobnicate"));
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

static void test_missing_script(void **state)
{
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_result *res = NULL;
	int r;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 2);
	r = xhp_script_run(ctx, "/nonexistent/vif-x", req, &res);
	/*
	 * Under valgrind posix_spawn() cannot report the exec's failure
	 * (its clone(CLONE_VM | CLONE_VFORK) runs as a fork, so the child's
	 * errno never reaches the parent): the child exits 127 instead.
	 */
	if (RUNNING_ON_VALGRIND && r == -EIO) {
		assert_int_equal(xhp_result_exit_code(res), 127);
		xhp_result_free(res);
		goto out;
	}
	assert_int_equal(r, -ENOENT);
	assert_null(res);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "cannot run"));
out:
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

/* The message of a run killed at its deadline (the time it had varies). */
static void assert_timed_out_msg(xhp_ctx *ctx)
{
	const char *m = xhp_ctx_last_error(ctx);

	assert_non_null(strstr(m, "script timed out after "));
	assert_non_null(strstr(m, " ms and was killed with its process group"));
}

static bool gone(pid_t pid)
{
	char path[64], *stat;
	bool zombie = false;
	int i;

	/* Wait a little for init to reap the orphan. */
	for (i = 0; i < 50; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		stat = tu_read_file(path);
		zombie = stat && strstr(stat, ") Z ");
		free(stat);
		if (zombie)
			return true;
		usleep(20000);
	}
	return false;
}

static void test_deadline_kills_group(void **state)
{
	char *dir = tu_mkdtemp("script"), pidfile[512], *pidtext;
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_result *res = NULL;
	pid_t child;

	assert_non_null(dir);
	snprintf(pidfile, sizeof(pidfile), "%s/child.pid", dir);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 400), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 3);
	setenv("XHP_HANG_PIDFILE", pidfile, 1);
	assert_int_equal(xhp_script_run(ctx, SCRIPTS_DIR "/hang-env", req,
					&res),
			 -ETIMEDOUT);
	assert_timed_out_msg(ctx);
	unsetenv("XHP_HANG_PIDFILE");
	assert_true(xhp_result_timed_out(res));
	assert_int_equal(xhp_result_signal(res), SIGKILL);
	assert_int_equal(xhp_result_exit_code(res), -1);
	assert_true(xhp_result_elapsed_us(res) >= 400000);
	assert_true(xhp_result_elapsed_us(res) < 5000000);
	pidtext = tu_read_file(pidfile);
	assert_non_null(pidtext);
	child = (pid_t)atoi(pidtext);
	assert_true(child > 1);
	assert_true(gone(child));
	free(pidtext);
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	tu_rmtree(dir);
	free(dir);
}

/* The result is optional: without one, the outcome is still returned. */
static void test_wait_without_result(void **state)
{
	xhp_ctx *ctx;
	xhp_request *req;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 4);
	assert_int_equal(xhp_script_run(ctx, SCRIPTS_DIR "/report-error", req,
					NULL),
			 -EIO);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "frobnicate"));
	assert_int_equal(
		xhp_script_run(ctx, SCRIPTS_DIR "/report-ok", req, NULL), 0);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

/* A timeout beyond INT_MAX ms is still a time left, not a negative int. */
static void test_long_timeout(void **state)
{
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_script *s;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 3000000000ull), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 5);
	assert_int_equal(
		xhp_script_spawn(ctx, SCRIPTS_DIR "/report-ok", req, &s), 0);
	assert_true(xhp_script_timeout_ms(s) > 0);
	assert_int_equal(xhp_script_wait(s, NULL), 0);
	xhp_script_free(s);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

/* The time left to a just-spawned sleep-then-ok under @ctx, in ms. */
static int fresh_script_left_ms(xhp_ctx *ctx, int devid)
{
	xhp_request *req = vif_request(ctx, XHP_ACTION_ONLINE, devid);
	xhp_script *s;
	int left;

	assert_int_equal(xhp_script_spawn(ctx, SCRIPTS_DIR "/sleep-then-ok",
					  req, &s),
			 0);
	left = xhp_script_timeout_ms(s);
	assert_int_equal(xhp_script_wait(s, NULL), 0);
	xhp_script_free(s);
	xhp_request_free(req);
	return left;
}

/*
 * A script gets libxl's 40 s unless the caller set a timeout; the 30 s
 * default of in-process operations does not apply to it. Seen through the
 * deadline a fresh script has, without waiting for it.
 */
static void test_default_timeout(void **state)
{
	xhp_ctx *ctx;
	int left, pidfd;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	left = fresh_script_left_ms(ctx, 8);
	/* Without pidfd_open (valgrind, Linux < 5.3) the runner polls and
	 * xhp_script_timeout_ms() is the 20 ms interval: no deadline seen. */
	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pidfd < 0 && errno == ENOSYS) {
		print_message("no pidfd_open: %d ms to the next look\n", left);
		assert_true(left > 0 && left <= 20);
		xhp_ctx_unref(ctx);
		return;
	}
	if (pidfd >= 0)
		close(pidfd);
	print_message("default script deadline: %d ms left\n", left);
	assert_true(left > 39000 && left <= 40000);
	/* In-process operations keep their own default. */
	assert_int_equal(ctx->timeout_ms, 30000);
	/* Set explicitly, the context's timeout is the script's, either way
	 * of 40 s. */
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 30000), 0);
	left = fresh_script_left_ms(ctx, 8);
	assert_true(left > 29000 && left <= 30000);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 90000), 0);
	left = fresh_script_left_ms(ctx, 8);
	assert_true(left > 89000 && left <= 90000);
	xhp_ctx_unref(ctx);
}

/*
 * Inside an operation (a block-<type> helper run by the block
 * personality), a script gets what is left of the operation's deadline,
 * not a whole new timeout.
 */
static void test_operation_deadline(void **state)
{
	char *dir = tu_mkdtemp("script"), pidfile[512];
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_result *res = NULL;

	assert_non_null(dir);
	snprintf(pidfile, sizeof(pidfile), "%s/child.pid", dir);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_timeout_ms(ctx, 20000), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 6);
	ctx->deadline_us = xhp_now_us() + 300000; /* 0.3 s of it left */
	setenv("XHP_HANG_PIDFILE", pidfile, 1);
	assert_int_equal(xhp_script_run(ctx, SCRIPTS_DIR "/hang-env", req,
					&res),
			 -ETIMEDOUT);
	assert_timed_out_msg(ctx);
	unsetenv("XHP_HANG_PIDFILE");
	assert_true(xhp_result_elapsed_us(res) < 5000000);
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	tu_rmtree(dir);
	free(dir);
}

/*
 * The script's stderr blocks like any pipe: a caller that is slow to
 * dispatch must not make the script's writes fail (EAGAIN).
 */
static void test_stderr_flood(void **state)
{
	xhp_ctx *ctx;
	xhp_request *req;
	xhp_result *res = NULL;
	xhp_script *s;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 7);
	assert_int_equal(
		xhp_script_spawn(ctx, SCRIPTS_DIR "/stderr-flood", req, &s), 0);
	usleep(500000); /* not dispatching: the pipe fills up */
	assert_int_equal(xhp_script_wait(s, &res), 0);
	assert_int_equal(xhp_result_exit_code(res), 0);
	assert_int_equal(strlen(xhp_result_stderr(res)), 64 * 1024);
	xhp_result_free(res);
	xhp_script_free(s);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

#define PARALLEL 6

static void test_event_loop_many(void **state)
{
	xhp_script *s[PARALLEL];
	xhp_request *req[PARALLEL];
	struct pollfd pfd[PARALLEL];
	bool done[PARALLEL] = { false };
	int i, left = PARALLEL;
	uint64_t t0 = xhp_now_us(), dt;
	xhp_ctx *ctx;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	for (i = 0; i < PARALLEL; i++) {
		req[i] = vif_request(ctx, XHP_ACTION_ONLINE, 10 + i);
		assert_int_equal(xhp_script_spawn(ctx,
						  SCRIPTS_DIR "/sleep-then-ok",
						  req[i], &s[i]),
				 0);
		pfd[i].fd = xhp_script_fd(s[i]);
		pfd[i].events = POLLIN;
	}
	while (left > 0) {
		int timeout = 100;

		for (i = 0; i < PARALLEL; i++)
			if (!done[i] && xhp_script_timeout_ms(s[i]) < timeout)
				timeout = xhp_script_timeout_ms(s[i]);
		poll(pfd, PARALLEL, timeout);
		for (i = 0; i < PARALLEL; i++) {
			if (done[i])
				continue;
			if (xhp_script_dispatch(s[i]) == 1) {
				done[i] = true;
				left--;
				pfd[i].fd = -1;
			}
		}
	}
	dt = xhp_now_us() - t0;
	for (i = 0; i < PARALLEL; i++) {
		xhp_result *res = NULL;

		assert_int_equal(xhp_script_wait(s[i], &res), 0);
		assert_int_equal(xhp_result_status(res), XHP_STATUS_CONNECTED);
		xhp_result_free(res);
		xhp_script_free(s[i]);
		xhp_request_free(req[i]);
	}
	/* Concurrent, not one after the other (6 x 0.3 s). */
	assert_true(dt < 1500000);
	print_message("event loop: %d scripts of 0.3 s in %.2f s\n", PARALLEL,
		      (double)dt / 1e6);
	xhp_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_success_protocol),
		cmocka_unit_test(test_block_argv_and_error_report),
		cmocka_unit_test(test_missing_script),
		cmocka_unit_test(test_deadline_kills_group),
		cmocka_unit_test(test_event_loop_many),
		cmocka_unit_test(test_wait_without_result),
		cmocka_unit_test(test_long_timeout),
		cmocka_unit_test(test_default_timeout),
		cmocka_unit_test(test_operation_deadline),
		cmocka_unit_test(test_stderr_flood),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
