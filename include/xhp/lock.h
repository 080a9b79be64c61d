/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: hotplug locks that interlock with Xen's locking.sh.
 *
 * The lock NAME is the file <lock dir>/NAME (default
 * /var/run/xen-hotplug/NAME): opened with O_CREAT, flock(LOCK_EX), then
 * the fd's inode is compared with the path's and the whole thing retried
 * if the file was replaced meanwhile. Release unlinks the path, then
 * closes the fd. Xen's scripts and libxhp exclude each other.
 */
#ifndef XHP_LOCK_H
#define XHP_LOCK_H

#include <xhp/common.h>
#include <xhp/ctx.h>

XHP_BEGIN_DECLS

typedef struct xhp_lock xhp_lock;

/*
 * xhp_lock_acquire: take the hotplug lock @name, waiting at most the
 * context's timeout.
 * @name: [A-Za-z0-9_.-]+, not "." or "..".
 * Returns: 0, or -EINVAL (bad name), -ETIMEDOUT (the message names the
 *   lock and its holder where /proc/locks tells), -ENOMEM, or the errno of
 *   open(2)/flock(2).
 * Ownership: the caller owns *ret_lock; release with xhp_lock_release().
 * Since: 1.0
 */
XHP_EXPORT int xhp_lock_acquire(xhp_ctx *ctx, const char *name,
				xhp_lock **ret_lock);

/*
 * xhp_lock_fd: the open file that holds the lock (close-on-exec). The
 * flock lasts while any copy of it is open: a child process that must keep
 * the lock should this process die can inherit a dup(2) of it. Borrowed:
 * valid until xhp_lock_release(). Returns the fd, or -EINVAL.
 * Since: 1.0
 */
XHP_EXPORT int xhp_lock_fd(const xhp_lock *lock);

/*
 * xhp_lock_release: unlink the lock file, then close it. NULL-safe.
 * Returns NULL. Since: 1.0
 */
XHP_EXPORT xhp_lock *xhp_lock_release(xhp_lock *lock);

XHP_END_DECLS

#endif /* XHP_LOCK_H */
