/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a vbd's params names (a block device or a regular file), and who
 * else uses it: mounts in this domain and other block backends (the
 * sharing rules of Xen's block script, check_sharing).
 */
#ifndef XHP_BLOCKDEV_H
#define XHP_BLOCKDEV_H

#include <stdbool.h>
#include <sys/types.h>

#include <xenstore.h>

#include "internal.h"

enum xhp_bdev_kind {
	XHP_BDEV_NONE = 0, /* neither: another type's helper may know it */
	XHP_BDEV_PHY = 1,
	XHP_BDEV_FILE = 2,
};

struct xhp_bdev {
	int kind;
	char *path; /* canonical (realpath); caller frees */
	dev_t rdev; /* PHY: the device number */
	dev_t dev; /* FILE: the file's st_dev and st_ino */
	ino_t ino;
	mode_t perm; /* FILE: permission bits */
};

/*
 * Resolve @params: "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=" through
 * libblkid (probing; no udev links needed); an absolute path; or a name
 * relative to /dev (no ".." components; must be a block device).
 * Symlinks are resolved. Returns 0 and fills *ret (free ret->path), or:
 *   -ENOENT  nothing by that name (for a name that is not a tag and not
 *            absolute, *ret is filled with kind XHP_BDEV_NONE and the
 *            return is -ENOENT too), message on @ctx;
 *   -ENOTBLK it exists but is neither a block device nor a regular file
 *            (or a relative name that is not a block device);
 *   -EINVAL  a malformed tag or name;
 *   -ENOTUNIQ a tag more than one block device carries (every device is
 *            probed; the message names them): guests set the labels and
 *            UUIDs of the file systems on their disks, which are block
 *            devices here too.
 */
int xhp_bdev_resolve(xhp_ctx *ctx, const char *params, struct xhp_bdev *ret);
void xhp_bdev_clear(struct xhp_bdev *b);

/* Does @params look like a tag (UUID=...) libblkid resolves? */
bool xhp_bdev_is_tag(const char *params);

/*
 * A mount in this domain of one of @devs (n of them) that conflicts with
 * @mode ('w': any mount; 'r': read-write mounts). Reads
 * <@proc_root or /proc>/self/mountinfo: the mount's device number, and
 * the device number of its source when that is a /dev path.
 * Returns 1 and fills ret_* (the matching device, the mount point in
 * @where, whether it is mounted read-only), 0 when none, or -errno.
 */
int xhp_mount_conflict(xhp_ctx *ctx, const char *proc_root, const dev_t *devs,
		       size_t n, char mode, dev_t *ret_dev, char *where,
		       size_t where_size, bool *ret_ro);

/*
 * A user of one of @devs (n of them) in this domain other than a mount
 * that conflicts with @mode ('w' or 'r'; Xen's script looks for mounts
 * only):
 * - an active swap area on it (<@proc_root or /proc>/swaps, by device
 *   number): swap writes, so it conflicts with either mode, as a
 *   read-write mount does;
 * - a holder (<@sysfs_root or /sys>/dev/block/M:m/holders: device-mapper,
 *   md, bcache ...): any with mode 'w', one whose ro attribute is not 1
 *   with mode 'r';
 * - with @paths (the nodes of @devs; NULL on a captured tree) and mode
 *   'w' only: an exclusive open (O_RDONLY|O_EXCL) the kernel refuses
 *   with EBUSY, as it does while anything claims the device: a mount,
 *   also of a partition of it, swap, a holder, mkfs. A read-only mount
 *   claims the device too, so mode 'r' does not ask.
 * Returns 1 with *ret_dev (the device) and @what (what holds it: "an
 * active swap area (/proc/swaps)", "held by dm-0 (...)", "in use (...)"),
 * 0 when none, or a negative errno (message on @ctx).
 */
int xhp_holder_conflict(xhp_ctx *ctx, const char *sysfs_root,
			const char *proc_root, const dev_t *devs,
			const char *const *paths, size_t n, char mode,
			dev_t *ret_dev, char *what, size_t what_size);

/* A conflicting backend found by xhp_backend_conflict(). */
struct xhp_share_hit {
	dev_t dev;
	char path[320]; /* its backend directory (as scanned) */
	unsigned int domid;
	char mode; /* its canonical mode */
};

/*
 * Another vbd/vbd3 backend using one of @devs in a way that conflicts
 * with @mode, under Xen's same-VM rules (vm uuid and target), for the
 * frontend @frontend_id. Scans <home>/backend/vbd and vbd3, where home is
 * the domain of @backend_path (relative: our own), and dom0's as well,
 * in one pass without a transaction (call it under the block lock). Our
 * own backend (@backend_path) is skipped.
 * Returns 1 with *ret filled, 0 when none, or -errno.
 */
int xhp_backend_conflict(xhp_ctx *ctx, const char *backend_path,
			 unsigned int frontend_id, const dev_t *devs, size_t n,
			 char mode, struct xhp_share_hit *ret);

/*
 * An index of the vbd/vbd3 backends by physical-device, kept by a caller
 * that sees every backend of its domain (the host watch): with one on the
 * context, xhp_backend_conflict() reads only the backends the index names
 * for @devs (each read again from xenstore: the index may name too many,
 * never too few) instead of scanning all of them.
 * lookup: the absolute directories of the backends that may use @dev into
 *   @paths (at most @max); returns their number, or -E2BIG (then the
 *   caller scans).
 * claim: the check for @backend_path passed under the block lock: it is
 *   about to use @dev (so that the next add, under the same lock, sees it
 *   before the watch reports its physical-device).
 */
#define XHP_SHARE_PATH_MAX 128
struct xhp_share_index {
	int (*lookup)(const struct xhp_share_index *ix, dev_t dev,
		      char (*paths)[XHP_SHARE_PATH_MAX], size_t max);
	void (*claim)(const struct xhp_share_index *ix, dev_t dev,
		      const char *backend_path);
};

/* Does the path @name have a ".." component? */
bool xhp_bdev_has_dotdot(const char *name);

/* Canonical mode as Xen's canonicalise_mode; unparsable -> 'r'. */
char xhp_bdev_mode(const char *s);

#endif /* XHP_BLOCKDEV_H */
