// SPDX-License-Identifier: LGPL-2.1-or-later
/* What several benchmarks share (see bench.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "testutil.h"

void bench_xen_ns_enter(void)
{
	tu_require_root("network and mount namespaces");
	if (tu_netns_enter() < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		bench_die("namespaces");
	mkdir("/var/run/xen-hotplug", 0755);
}

/* Reap @pid if it has exited: 1 (status in *st, usage in *ru), 0 if
 * not, -errno. */
static int reap(pid_t pid, int *st, struct rusage *ru)
{
	pid_t w;

	do
		w = wait4(pid, st, WNOHANG, ru);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -errno : w == pid;
}

/*
 * Wait until @pid exits or @deadline (bench_now_ms) passes: sleep on its
 * pidfd (woken at the exit), or where there is none (Linux < 5.3,
 * valgrind) in steps of 1 ms. Returns reap()'s 1, -ETIMEDOUT, -errno.
 */
static int wait_until(pid_t pid, double deadline, int *st, struct rusage *ru)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), r;

	for (;;) {
		double left = deadline - bench_now_ms();

		r = reap(pid, st, ru);
		if (r != 0)
			break;
		if (left <= 0) {
			r = -ETIMEDOUT;
			break;
		}
		if (pidfd >= 0) {
			struct pollfd p = { .fd = pidfd, .events = POLLIN };

			poll(&p, 1, (int)left + 1);
		} else {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return r;
}

int bench_spawn(char *const argv[], char *const envp[], const char *errpath,
		int timeout_ms, struct rusage *ret_ru)
{
	struct rusage ru;
	double deadline = bench_now_ms() + timeout_ms;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int r, st = 0;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2,
					 errpath ? errpath : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	/* its own process group: a timed-out script's children go with it */
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	r = -posix_spawn(&pid, argv[0], &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r < 0)
		return r;
	r = wait_until(pid, deadline, &st, &ru);
	if (r == -ETIMEDOUT) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return -ETIMEDOUT;
	}
	if (r < 0)
		return r;
	if (ret_ru)
		*ret_ru = ru;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void bench_sh(const char *arg0, ...)
{
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(NULL, NULL, 120000, (const char *const[]){ arg0, NULL },
		    ap);
	va_end(ap);
	if (r != 0)
		bench_die(arg0);
}
