/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XHP_LOCKINFO_H
#define XHP_LOCKINFO_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Describe who holds the flock on the file open at @fd ("pid 123
 * (vif-bridge)"), from /proc/locks; "an unknown process" if not found.
 */
void xhp_lock_holder(int fd, char *buf, size_t size);

/*
 * One line of /proc/locks: true, with the holder's @pid and the file's
 * device (@maj:@min, hex) and inode, when it is a granted FLOCK (not a
 * waiter, "->").
 */
bool xhp_locks_parse_line(const char *line, unsigned long *pid,
			  unsigned int *maj, unsigned int *min,
			  unsigned long *ino);

#endif
