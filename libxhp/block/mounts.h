/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One line of /proc/self/mountinfo taken apart (mounts.c). */
#ifndef XHP_MOUNTS_H
#define XHP_MOUNTS_H

#include <stdbool.h>
#include <sys/types.h>

struct xhp_mount_line {
	dev_t dev; /* field 3, major:minor */
	char *point; /* field 5, unescaped; points into the line */
	char *source; /* after "- fstype": unescaped; points into the line */
	bool ro; /* mount options or super options start with "ro" */
};

/*
 * Split @line (one line of mountinfo, NUL-terminated, modified in
 * place) into @m. Returns false when it is malformed.
 */
bool xhp_mountinfo_parse_line(char *line, struct xhp_mount_line *m);

#endif /* XHP_MOUNTS_H */
