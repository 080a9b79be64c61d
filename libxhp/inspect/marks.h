/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xhp's marks on host objects, as the leftovers scan reads them. Pure:
 * no I/O; each has a libFuzzer target (tests/fuzz/fuzz_inspect.c).
 */
#ifndef XHP_MARKS_H
#define XHP_MARKS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A renamed vif's alias (vifname.h): "vif<D>.<N>" or "vif<D>.<N>-emu",
 * numbers as %u prints them. true with *domid and *devid.
 */
bool xhp_mark_vif_alias(const char *s, unsigned int *domid,
			unsigned int *devid);

/*
 * block's mark at the start of a loop device's lo_file_name:
 * "xhp:<type>/<D>/<N>" then ' ' or the end (<type> [a-z0-9], up to 7).
 * true with @type, *domid, *devid and the mark itself in @tag (@size).
 */
bool xhp_mark_loop(const char *name, char type[8], unsigned int *domid,
		   unsigned int *devid, char *tag, size_t size);

/* xhp's lock names: "vif-<D>.<N>" (*domid = D) or "block" (*domid = -1). */
bool xhp_mark_lock(const char *name, int *domid);

#endif
