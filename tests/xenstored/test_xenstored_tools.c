// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Tests xhp-test-xenstored with Xen's own command line tools
 * (xenstore-write, -read, -ls, -list, -exists, -rm, -watch), run with
 * fork+execvp; their output and exit codes are checked.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "xsd_harness.h"

#define OUT_MAX 65536

struct proc {
	pid_t pid;
	int out; /* child's stdout */
	char buf[OUT_MAX];
	size_t len;
};

static void spawn(struct proc *p, char *const argv[])
{
	int fds[2], null;

	memset(p, 0, sizeof(*p));
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	fflush(NULL);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	p->out = fds[0];
}

/* Reads until EOF, or until the output holds want lines (want > 0). */
static void read_out(struct proc *p, int want_lines, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->out, .events = POLLIN };
	int lines;
	ssize_t n;
	size_t i;

	for (;;) {
		for (lines = 0, i = 0; i < p->len; i++)
			lines += p->buf[i] == '\n';
		if (want_lines > 0 && lines >= want_lines)
			return;
		if (poll(&pfd, 1, timeout_ms) <= 0)
			fail_msg("timeout reading tool output");
		n = read(p->out, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
		if (n <= 0)
			return;
		p->len += n;
		p->buf[p->len] = '\0';
	}
}

/* Waits for exit (killing it after 5 s); returns the exit code. */
static int finish(struct proc *p)
{
	int status, i;

	read_out(p, 0, 5000);
	close(p->out);
	for (i = 0; i < 5000; i++) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid)
			break;
		usleep(1000);
	}
	if (i == 5000) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
		fail_msg("tool did not exit");
	}
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Runs argv; returns the exit code, output in p->buf. */
static int run(struct proc *p, char *const argv[])
{
	spawn(p, argv);
	return finish(p);
}

#define RUN(p, ...) run(p, (char *const[]){ __VA_ARGS__, NULL })

static void test_write_read(void **state)
{
	struct proc p;

	(void)state;
	assert_int_equal(RUN(&p, "xenstore-write", "/tool/a", "alpha",
			     "/tool/b/c", "gamma"),
			 0);
	assert_int_equal(RUN(&p, "xenstore-read", "/tool/a"), 0);
	assert_string_equal(p.buf, "alpha\n");
	assert_int_equal(RUN(&p, "xenstore-read", "/tool/a", "/tool/b/c"), 0);
	assert_string_equal(p.buf, "alpha\ngamma\n");
	/* Parents were created with empty values. */
	assert_int_equal(RUN(&p, "xenstore-read", "/tool/b"), 0);
	assert_string_equal(p.buf, "\n");

	/* Relative paths are below /local/domain/0. */
	assert_int_equal(RUN(&p, "xenstore-write", "relnode", "r"), 0);
	assert_int_equal(RUN(&p, "xenstore-read", "/local/domain/0/relnode"),
			 0);
	assert_string_equal(p.buf, "r\n");

	assert_int_equal(RUN(&p, "xenstore-read", "/tool/missing"), 1);
	assert_string_equal(p.buf, "");
	assert_int_equal(RUN(&p, "xenstore-write", "/bad//path", "x"), 1);
}

static void test_ls_list(void **state)
{
	struct proc p;

	(void)state;
	assert_int_equal(RUN(&p, "xenstore-write", "/ls/one", "1",
			     "/ls/two/three", "3"),
			 0);
	assert_int_equal(RUN(&p, "xenstore-list", "/ls"), 0);
	assert_string_equal(p.buf, "one\ntwo\n");
	assert_int_equal(RUN(&p, "xenstore-ls", "/ls"), 0);
	assert_string_equal(p.buf, "one = \"1\"\n"
				   "two = \"\"\n"
				   " three = \"3\"\n");
	assert_int_equal(RUN(&p, "xenstore-ls", "-f", "/ls"), 0);
	assert_string_equal(p.buf, "/ls/one = \"1\"\n"
				   "/ls/two = \"\"\n"
				   "/ls/two/three = \"3\"\n");
	assert_int_equal(RUN(&p, "xenstore-ls", "/"), 0);
	assert_non_null(strstr(p.buf, "local = \"\"\n domain = \"\"\n"
				      "  0 = \"\"\n"));
	assert_int_equal(RUN(&p, "xenstore-list", "/ls/nope"), 1);
}

static void test_exists_rm(void **state)
{
	struct proc p;

	(void)state;
	assert_int_equal(
		RUN(&p, "xenstore-write", "/rm/a/b", "1", "/rm/c", "2"), 0);
	assert_int_equal(RUN(&p, "xenstore-exists", "/rm/a/b"), 0);
	assert_int_equal(RUN(&p, "xenstore-exists", "/rm/zz"), 1);

	assert_int_equal(RUN(&p, "xenstore-rm", "/rm/a"), 0);
	assert_int_equal(RUN(&p, "xenstore-exists", "/rm/a/b"), 1);
	assert_int_equal(RUN(&p, "xenstore-exists", "/rm/a"), 1);
	assert_int_equal(RUN(&p, "xenstore-list", "/rm"), 0);
	assert_string_equal(p.buf, "c\n");

	/* Missing node with existing parent is fine, else an error. */
	assert_int_equal(RUN(&p, "xenstore-rm", "/rm/a"), 0);
	assert_int_equal(RUN(&p, "xenstore-rm", "/rm/a/b/c"), 1);
}

static void test_watch(void **state)
{
	struct proc w, p;

	(void)state;
	spawn(&w, (char *const[]){ "xenstore-watch", "-n", "3", "/wt", NULL });
	/* The initial event proves the watch is registered. */
	read_out(&w, 1, 5000);
	assert_string_equal(w.buf, "/wt\n");

	assert_int_equal(RUN(&p, "xenstore-write", "/wt/x", "1"), 0);
	assert_int_equal(RUN(&p, "xenstore-write", "/other", "1"), 0);
	assert_int_equal(RUN(&p, "xenstore-rm", "/wt"), 0);
	assert_int_equal(finish(&w), 0);
	assert_string_equal(w.buf, "/wt\n/wt/x\n/wt\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, xsd_setup, xsd_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_read),
		T(test_ls_list),
		T(test_exists_rm),
		T(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
