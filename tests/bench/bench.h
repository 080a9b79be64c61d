/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every benchmark needs: a monotonic clock in milliseconds, a
 * qsort comparison of doubles (for medians), and an exit on a failed
 * set-up step naming the program.
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

/* "<program>: <what> failed", exit 1. */
static inline void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s failed\n", program_invocation_short_name, what);
	exit(1);
}

#endif /* XHP_BENCH_H */
