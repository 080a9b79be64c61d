/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared pieces of the reliability tests: processes started with
 * fork/exec (to be killed at a chosen moment, or run many at a time),
 * a private lock directory, and sizes that CI keeps small.
 */
#ifndef XHP_REL_H
#define XHP_REL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REL_LOCK_DIR "/var/run/xen-hotplug"

uint64_t rel_now_us(void);

/*
 * Start argv[0] (a path) with the environment plus @add ("K=V", NULL-
 * terminated; may be NULL), stdin /dev/null, stdout and stderr to
 * @log (NULL: /dev/null; appended). Returns the pid or -errno.
 */
pid_t rel_spawn(const char *const argv[], const char *const add[],
		const char *log);

/* Wait for @pid: the exit status, 128+signal, or -errno. */
int rel_wait(pid_t pid);

/*
 * Start argv, sleep @delay_us, SIGKILL it (the process only, as libxl
 * does) and reap it. Returns 1 if it was killed, 0 if it had already
 * exited (*status: its exit status), or -errno.
 */
int rel_kill_after(const char *const argv[], const char *const add[],
		   unsigned int delay_us, int *status);

/*
 * Mount a tmpfs on REL_LOCK_DIR (the process must already be in a
 * private mount namespace): lock files of this test only. 0 or -errno.
 */
int rel_private_lock_dir(void);

/*
 * A new network namespace, a private mount namespace with this
 * namespace's /sys (Xen's scripts read /sys/class/net) and a private
 * lock directory. 0 or -errno.
 */
int rel_enter_namespaces(void);

/* Entries in @dir other than . and .., or -errno. */
int rel_count_dir(const char *dir);

/* Non-zero when XHP_STORM_FULL=1 (the full sizes). */
bool rel_full(void);

/* A pseudo-random number in [0, n) (seeded from XHP_SEED or time). */
unsigned int rel_rand(unsigned int n);
/* The seed in use (printed by the tests, to replay a run). */
unsigned int rel_seed(void);

/*
 * A pool of @n jobs, at most @conc processes at a time. @step starts the
 * job's next process: it returns its pid (> 0), 0 when the job is done,
 * or < 0 on failure (the pool stops starting jobs, waits for what runs
 * and returns it). @done is called with the exit status of each process.
 * Returns 0 or the first failure.
 */
struct rel_job {
	size_t index;
	int step; /* the process now running: 0, 1, ... */
	pid_t pid;
	uint64_t start_us;
};
typedef pid_t (*rel_step_fn)(struct rel_job *job, void *ud);
typedef int (*rel_done_fn)(struct rel_job *job, int status, void *ud);
int rel_pool(size_t n, unsigned int conc, rel_step_fn step, rel_done_fn done,
	     void *ud);

#endif
