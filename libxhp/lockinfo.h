/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XHP_LOCKINFO_H
#define XHP_LOCKINFO_H

#include <stddef.h>

/*
 * Describe who holds the flock on the file open at @fd ("pid 123
 * (vif-bridge)"), from /proc/locks; "an unknown process" if not found.
 */
void xhp_lock_holder(int fd, char *buf, size_t size);

#endif
