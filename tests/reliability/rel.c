// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shared pieces of the reliability tests (see rel.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rel.h"
#include "testutil.h"

extern char **environ;

uint64_t rel_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

pid_t rel_spawn(const char *const argv[], const char *const add[],
		const char *log)
{
	char **env = tu_env(NULL, add);
	pid_t pid;
	int fd;

	if (!env)
		return -ENOMEM;
	pid = fork();
	if (pid < 0) {
		tu_env_free(env);
		return -errno;
	}
	if (pid == 0) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		if (log)
			fd = open(log,
				  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				  0644);
		else
			fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execve(argv[0], (char *const *)argv, env);
		_exit(127);
	}
	tu_env_free(env);
	return pid;
}

static int status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

int rel_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status_of(st);
}

int rel_kill_after(const char *const argv[], const char *const add[],
		   unsigned int delay_us, int *status)
{
	struct timespec ts = { delay_us / 1000000,
			       (long)(delay_us % 1000000) * 1000 };
	pid_t pid = rel_spawn(argv, add, NULL);
	int st, r;

	if (pid < 0)
		return pid;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	/* Already gone (a zombie): no kill, its own status. */
	r = waitpid(pid, &st, WNOHANG);
	if (r == pid) {
		*status = status_of(st);
		return 0;
	}
	kill(pid, SIGKILL);
	*status = rel_wait(pid);
	return *status == 128 + SIGKILL ? 1 : 0;
}

int rel_private_lock_dir(void)
{
	mkdir(REL_LOCK_DIR, 0755);
	if (mount("tmpfs", REL_LOCK_DIR, "tmpfs", 0, "mode=0755") < 0)
		return -errno;
	return 0;
}

int rel_enter_namespaces(void)
{
	int r = tu_netns_enter();

	if (r < 0)
		return r;
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		return -errno;
	return rel_private_lock_dir();
}

int rel_count_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

bool rel_full(void)
{
	const char *s = getenv("XHP_STORM_FULL");

	return s && !strcmp(s, "1");
}

static unsigned int seed;
static bool seeded;

unsigned int rel_seed(void)
{
	const char *s;

	if (!seeded) {
		s = getenv("XHP_SEED");
		seed = s ? (unsigned int)strtoul(s, NULL, 0) :
			   (unsigned int)(time(NULL) ^ getpid());
		srandom(seed);
		seeded = true;
	}
	return seed;
}

unsigned int rel_rand(unsigned int n)
{
	rel_seed();
	return n ? (unsigned int)random() % n : 0;
}

static int start(struct rel_job *j, rel_step_fn step, void *ud)
{
	pid_t pid = step(j, ud);

	if (pid < 0)
		return (int)pid;
	j->pid = pid;
	j->start_us = rel_now_us();
	return 0;
}

int rel_pool(size_t n, unsigned int conc, rel_step_fn step, rel_done_fn done,
	     void *ud)
{
	struct rel_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	size_t next = 0, running = 0, i;
	int first = 0, r, st;
	pid_t pid;

	if (!jobs)
		return -ENOMEM;
	for (;;) {
		while (!first && running < conc && next < n) {
			jobs[next].index = next;
			r = start(&jobs[next], step, ud);
			if (r < 0) {
				first = r;
				break;
			}
			if (jobs[next].pid > 0)
				running++;
			next++;
		}
		if (!running)
			break;
		pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			first = first ? first : -errno;
			break;
		}
		for (i = 0; i < next && jobs[i].pid != pid; i++)
			;
		if (i == next)
			continue; /* not ours (a helper daemon) */
		running--;
		jobs[i].pid = 0;
		r = done(&jobs[i], status_of(st), ud);
		if (r < 0 && !first)
			first = r;
		jobs[i].step++;
		if (first)
			continue;
		r = start(&jobs[i], step, ud);
		if (r < 0)
			first = r;
		else if (jobs[i].pid > 0)
			running++;
	}
	free(jobs);
	return first;
}
