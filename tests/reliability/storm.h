/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hotplug storm: n devices, even ones handled by Xen's script and odd
 * ones by our CLI, in three phases run by a pool of processes:
 *   A: add the first half;
 *   B: remove the first half and add the second half, interleaved;
 *   C: remove the second half.
 * After each add and remove the personality checks the device; after A
 * and B it checks that the devices that are up are exactly right
 * together (@check_live); at the end that nothing is left.
 */
#ifndef XHP_STORM_H
#define XHP_STORM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct storm {
	const char *name;
	size_t n;
	unsigned int conc;
	/* Start the add (or remove) of device @i: a pid or -errno. */
	pid_t (*spawn)(size_t i, bool xen, bool add);
	/* Its exit status @rc: the number of failures (printed). */
	int (*check)(size_t i, bool xen, bool add, int rc);
	/* @live[i]: added and not removed. Returns failures. */
	int (*check_live)(const bool *live, size_t n);
	/* Returns failures (storm_run also checks REL_LOCK_DIR is empty). */
	int (*check_final)(void);
};

/* Sizes: @ci by default, @full with XHP_STORM_FULL=1; XHP_STORM_N and
 * XHP_STORM_CONC override. */
void storm_sizes(struct storm *s, size_t ci, size_t full);

/* Run it; prints the times. Returns the number of failures. */
int storm_run(struct storm *s);

/* With device @i: is it Xen's script's? */
static inline bool storm_xen(size_t i)
{
	return i % 2 == 0;
}

#endif
