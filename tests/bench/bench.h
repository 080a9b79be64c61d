/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every benchmark needs: a monotonic clock in milliseconds, a
 * qsort comparison of doubles and percentiles, and an exit on a failed
 * set-up step naming the program. Those that run Xen's scripts or a
 * program per measurement also link bench.c (the xhp-bench library).
 */
#ifndef XHP_BENCH_H
#define XHP_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int bench_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @p (0..1) quantile of @v[0..n-1] (sorts @v), nearest rank. */
static inline double bench_pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_d);
	return v[(int)(p * (n - 1) + 0.5)];
}

/* "<program>: <what> failed", exit 1. */
static inline void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s failed\n", program_invocation_short_name, what);
	exit(1);
}

/*
 * Root, a fresh network namespace (lo up), and a mount namespace with
 * /sys mounted again, so that Xen's scripts see this namespace's links
 * in /sys/class/net; /var/run/xen-hotplug made for their locks. All of
 * it goes away with the process. Exits (bench_die) on failure. (xhp-bench)
 */
void bench_xen_ns_enter(void);

/*
 * posix_spawn @argv (argv[0] a path, no PATH search, no shell) with
 * @envp, stdin and stdout /dev/null, stderr into the file @errpath
 * (truncated; NULL: /dev/null), in a process group of its own; wait for
 * it until @timeout_ms have passed, then SIGKILL it (its pid and that
 * group) and reap it. *ret_ru (may be NULL) gets its resource usage
 * (wait4) when it exited. Returns the exit status (0..255), 128+signal,
 * -ETIMEDOUT, or -errno when it could not be spawned. (xhp-bench)
 */
/* Run the command (argv: @arg0 and the rest, NULL-terminated; no shell)
 * within 120 s; exit (bench_die) unless it exits 0. (xhp-bench) */
void bench_sh(const char *arg0, ...) __attribute__((sentinel));

struct rusage;
int bench_spawn(char *const argv[], char *const envp[], const char *errpath,
		int timeout_ms, struct rusage *ret_ru);

#endif /* XHP_BENCH_H */
