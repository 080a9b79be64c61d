// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Hotplug locks with the protocol of Xen's locking.sh: open the lock file
 * with O_CREAT, flock it, and check that the path still names the locked
 * inode (a releaser unlinks the path before closing, so a waiter can lock
 * a file that is no longer there); release = unlink, then close.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "lockinfo.h"
#include "util.h"

struct xhp_lock {
	int fd;
	char *path;
};

static bool lock_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 64 || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* Sleep a little between non-blocking attempts, growing to 20 ms. */
static void backoff(unsigned int attempt, int left_ms)
{
	int ms = attempt < 5 ? 1 << attempt : 20;

	if (left_ms >= 0 && ms > left_ms)
		ms = left_ms;
	poll(NULL, 0, ms);
}

XHP_EXPORT int xhp_lock_acquire(xhp_ctx *ctx, const char *name,
				xhp_lock **ret_lock)
{
	const char *dir;
	char path[4096], q[XHP_QUOTE_MAX], holder[128];
	uint64_t deadline;
	unsigned int attempt = 0;
	bool made_dir = false;
	struct stat fst, pst;
	xhp_lock *lock;
	int fd, n;

	if (!ctx || !name || !ret_lock)
		return -EINVAL;
	xhp_clear_error(ctx);
	if (!lock_name_valid(name))
		return xhp_err(ctx, EINVAL, "bad lock name '%s'",
			       xhp_quote(q, name));
	dir = ctx->lock_dir ? ctx->lock_dir : XHP_DEFAULT_LOCK_DIR;
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return xhp_err(ctx, ENAMETOOLONG, "lock path too long");
	/* An operation's deadline if one is under way, else the timeout. */
	deadline = ctx->deadline_us ? ctx->deadline_us :
				      xhp_deadline_from(ctx, xhp_now_us());
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			  0644);
		/* The directory is made once (a boot clears /run): no
		 * mkdir() per lock. */
		if (fd < 0 && errno == ENOENT && !made_dir) {
			made_dir = true;
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return xhp_err(
					ctx, errno,
					"cannot create lock directory %s: %s",
					dir, strerror(errno));
			continue;
		}
		if (fd < 0)
			return xhp_err(ctx, errno, "cannot open lock %s: %s",
				       path, strerror(errno));
		while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			uint64_t now = xhp_now_us();

			if (errno != EWOULDBLOCK && errno != EINTR) {
				int e = errno;

				close(fd);
				return xhp_err(ctx, e, "cannot lock %s: %s",
					       path, strerror(e));
			}
			if (now >= deadline) {
				xhp_lock_holder(fd, holder, sizeof(holder));
				close(fd);
				return xhp_err(
					ctx, ETIMEDOUT,
					"timed out waiting for lock %s (held by %s)",
					path, holder);
			}
			backoff(attempt++,
				(deadline - now) / 1000 > 20 ?
					20 :
					(int)((deadline - now + 999) / 1000));
		}
		if (fstat(fd, &fst) == 0 && stat(path, &pst) == 0 &&
		    fst.st_dev == pst.st_dev && fst.st_ino == pst.st_ino)
			break;
		/* Released (unlinked) meanwhile: lock the new file. */
		close(fd);
	}
	lock = calloc(1, sizeof(*lock));
	if (lock)
		lock->path = strdup(path);
	if (!lock || !lock->path) {
		unlink(path);
		close(fd);
		free(lock);
		return xhp_err(ctx, ENOMEM, "out of memory");
	}
	lock->fd = fd;
	*ret_lock = lock;
	return 0;
}

XHP_EXPORT int xhp_lock_fd(const xhp_lock *lock)
{
	return lock ? lock->fd : -EINVAL;
}

XHP_EXPORT xhp_lock *xhp_lock_release(xhp_lock *lock)
{
	if (!lock)
		return NULL;
	unlink(lock->path);
	close(lock->fd);
	free(lock->path);
	free(lock);
	return NULL;
}
