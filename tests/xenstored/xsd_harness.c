// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Test harness: runs a private xhp-test-xenstored for a test.
 */
#include "xsd_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef XHP_TEST_XENSTORED
#error "XHP_TEST_XENSTORED must be the path of xhp-test-xenstored"
#endif

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000

const char *xsd_daemon_path(void)
{
	return XHP_TEST_XENSTORED;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int build_path(char *dst, const char *dir, const char *name)
{
	int n = snprintf(dst, PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void child_exec(const struct xsd *x, pid_t parent)
{
	char *argv[] = {
		(char *)XHP_TEST_XENSTORED, (char *)"--socket",
		(char *)x->socket,	    (char *)"--pidfile",
		(char *)x->pidfile,	    NULL,
	};
	int fd;

	/* Do not outlive the test, even if it crashes. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	execv(argv[0], argv);
	fprintf(stderr, "xsd_harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int xsd_start(struct xsd *x)
{
	const char *tmp = getenv("TMPDIR");
	pid_t parent = getpid();
	long long deadline;
	int status, saved;

	if (x->pid > 0) {
		errno = EBUSY; /* already running */
		return -1;
	}
	x->pid = 0;
	x->exit_status = -1;
	x->socket[0] = x->pidfile[0] = '\0';

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (build_path(x->dir, tmp, "xhp-xsd-XXXXXX") < 0)
		goto fail;
	if (!mkdtemp(x->dir)) {
		x->dir[0] = '\0';
		goto fail;
	}
	if (build_path(x->socket, x->dir, "socket") < 0 ||
	    build_path(x->pidfile, x->dir, "pid") < 0)
		goto fail;

	fflush(NULL);
	x->pid = fork();
	if (x->pid < 0) {
		x->pid = 0;
		goto fail;
	}
	if (x->pid == 0)
		child_exec(x, parent);

	deadline = now_ms() + START_TIMEOUT_MS;
	while (access(x->pidfile, F_OK) < 0) {
		if (waitpid(x->pid, &status, WNOHANG) == x->pid) {
			fprintf(stderr,
				"xsd_harness: daemon died (status "
				"0x%x)\n",
				status);
			x->pid = 0;
			x->exit_status = status;
			errno = ECHILD;
			goto fail;
		}
		if (now_ms() > deadline) {
			fprintf(stderr, "xsd_harness: daemon did not start\n");
			errno = ETIMEDOUT;
			goto fail;
		}
		sleep_ms(1);
	}

	if (setenv("XENSTORED_PATH", x->socket, 1) < 0)
		goto fail;
	return 0;

fail:
	saved = errno;
	xsd_stop(x);
	errno = saved;
	return -1;
}

static void reap(struct xsd *x)
{
	long long deadline = now_ms() + STOP_TIMEOUT_MS;
	bool killed = false;
	int status;
	pid_t r;

	kill(x->pid, SIGTERM);
	for (;;) {
		r = waitpid(x->pid, &status, WNOHANG);
		if (r == x->pid) {
			x->exit_status = status;
			break;
		}
		if (r < 0 && errno != EINTR)
			break; /* not our child any more */
		if (!killed && now_ms() > deadline) {
			fprintf(stderr, "xsd_harness: daemon ignores SIGTERM, "
					"killing it\n");
			kill(x->pid, SIGKILL);
			killed = true;
		}
		sleep_ms(1);
	}
	x->pid = 0;
}

void xsd_stop(struct xsd *x)
{
	const char *env;
	int saved = errno;

	if (x->pid > 0)
		reap(x);

	env = getenv("XENSTORED_PATH");
	if (env && x->socket[0] && !strcmp(env, x->socket))
		unsetenv("XENSTORED_PATH");

	if (x->dir[0]) {
		/* The daemon removes these itself; it may have been killed. */
		if (x->socket[0])
			unlink(x->socket);
		if (x->pidfile[0]) {
			char tmp[PATH_MAX + 8];

			unlink(x->pidfile);
			snprintf(tmp, sizeof(tmp), "%s.tmp", x->pidfile);
			unlink(tmp);
		}
		if (rmdir(x->dir) < 0)
			fprintf(stderr, "xsd_harness: rmdir %s: %s\n", x->dir,
				strerror(errno));
		x->dir[0] = '\0';
	}
	x->socket[0] = x->pidfile[0] = '\0';
	errno = saved;
}

bool xsd_exited_cleanly(const struct xsd *x)
{
	return x->exit_status >= 0 && WIFEXITED(x->exit_status) &&
	       WEXITSTATUS(x->exit_status) == 0;
}

int xsd_setup(void **state)
{
	struct xsd *x = malloc(sizeof(*x));

	if (!x)
		return -1;
	*x = (struct xsd)XSD_INIT;
	if (xsd_start(x) < 0) {
		free(x);
		return -1;
	}
	*state = x;
	return 0;
}

int xsd_teardown(void **state)
{
	struct xsd *x = *state;
	bool clean;

	xsd_stop(x);
	clean = xsd_exited_cleanly(x);
	free(x);
	return clean ? 0 : -1;
}
