/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loop devices without losetup: /dev/loop-control (LOOP_CTL_GET_FREE),
 * LOOP_CONFIGURE, LOOP_GET_STATUS64, LOOP_CLR_FD, BLKGETDISKSEQ, and the
 * sysfs view (/sys/block/loopN/loop/backing_file).
 *
 * @sysfs_root arguments: NULL means "/sys"; tests pass a captured tree.
 */
#ifndef XHP_LOOP_H
#define XHP_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

/* A loop device this run attached. */
struct xhp_loop {
	unsigned int index; /* N of /dev/loopN */
	dev_t rdev; /* its device number */
	uint64_t diskseq; /* 0 when the kernel has no BLKGETDISKSEQ */
	bool read_only;
	bool direct_io; /* direct I/O is in effect */
	char path[32]; /* "/dev/loopN" */
};

/*
 * Attach @file, which must still be the regular file (@dev, @ino) the
 * caller checked, to a free loop device: read-only when @read_only, with
 * LO_FLAGS_DIRECT_IO when @direct_io and the file system allows it (else
 * without). Another process grabbing the same free device (EBUSY) makes
 * it ask for another one. @tag (may be NULL) marks the device as the
 * caller's: lo_file_name becomes "@tag @file" (the file cut to fit)
 * instead of "@file"; see xhp_loop_tagged(). losetup and sysfs show the
 * backing file from the kernel's own record, not from lo_file_name.
 * Returns 0 and fills *ret; -EROFS/-EACCES/-EPERM when @file cannot be
 * opened as asked; -ESTALE (message on @ctx) when the path now names
 * another file or no regular file; another negative errno with a message
 * on @ctx.
 */
int xhp_loop_attach(xhp_ctx *ctx, const char *file, dev_t dev, ino_t ino,
		    bool read_only, bool direct_io, const char *tag,
		    struct xhp_loop *ret);

/*
 * xhp_loop_attach(), but to /dev/loop@index (created again when it was
 * removed): the device a backend's physical-device still names.
 * Returns as xhp_loop_attach(), and -EBUSY (said) when that device is
 * attached already.
 */
int xhp_loop_attach_at(xhp_ctx *ctx, unsigned int index, const char *file,
		       dev_t dev, ino_t ino, bool read_only, bool direct_io,
		       const char *tag, struct xhp_loop *ret);

/*
 * Whether /dev/loop@index will detach itself when its last user closes
 * it (LO_FLAGS_AUTOCLEAR, sysfs "autoclear"; `losetup -d` of a device
 * someone holds open sets it, drivers/block/loop.c loop_clr_fd()).
 * 1, 0, -ENOENT when not attached, or another negative errno.
 */
int xhp_loop_autoclear(const char *sysfs_root, unsigned int index);

/*
 * Clear LO_FLAGS_AUTOCLEAR of /dev/loop@index (LOOP_SET_STATUS64 with
 * its own status: nothing else changes), only when its lo_file_name
 * carries @tag. Returns 0 (cleared), 1 (it was not set), -ENXIO (not
 * attached), -EPERM (not marked @tag: left alone), or another negative
 * errno; the message on @ctx.
 */
int xhp_loop_keep(xhp_ctx *ctx, unsigned int index, const char *tag);

/* What an attached loop device says about itself. */
struct xhp_loop_info {
	unsigned int index;
	dev_t rdev; /* of /dev/loopN */
	uint64_t diskseq; /* 0: the kernel has no BLKGETDISKSEQ */
	dev_t dev; /* the backing file's device and inode */
	ino_t ino;
	char name[64]; /* lo_file_name */
	char backing[4096]; /* sysfs backing_file, "" when unreadable */
};

/*
 * Does lo_file_name @name carry @tag (as xhp_loop_attach(@tag) writes
 * it)? A name losetup wrote is an absolute path: never a tag.
 */
bool xhp_loop_tagged(const char *name, const char *tag);

/*
 * Is /dev/loop@index attached with lo_file_name tagged @tag? 1 yes, 0 no
 * (or not attached). Not through the fault seam: callers scan every loop
 * device of the system.
 */
int xhp_loop_is_tagged(unsigned int index, const char *tag);

/*
 * What /dev/loop@index says about itself (lo_file_name, backing file).
 * Returns 0, 1 when it is not attached (or does not exist), or a
 * negative errno (message on @ctx).
 */
int xhp_loop_info_get(xhp_ctx *ctx, unsigned int index,
		      struct xhp_loop_info *ret);

/*
 * Decide about loop device @info: 1 detach it, 0 leave it alone (say why
 * in @why, @why_size bytes), or a negative errno (message on @ctx).
 */
typedef int (*xhp_loop_judge)(xhp_ctx *ctx, const struct xhp_loop_info *info,
			      void *userdata, char *why, size_t why_size);

/*
 * Detach /dev/loop@index if @judge, asked with what the device says of
 * itself (read through the fd that detaches it), says so.
 * Returns 0 when detached, 1 when it was not attached, 2 when @judge
 * left it alone (its reason in @why), or a negative errno (message on
 * @ctx).
 */
int xhp_loop_detach_if(xhp_ctx *ctx, unsigned int index, xhp_loop_judge judge,
		       void *userdata, char *why, size_t why_size);

/*
 * The loop devices backed by the file (@dev, @ino): their indices into
 * @ret (up to @max), count into *ret_n (may exceed @max: then call again
 * with more room). Candidates come from sysfs; each is confirmed with
 * LOOP_GET_STATUS64 (device and inode). When /dev/loopN cannot be opened
 * (a captured sysfs tree), the sysfs backing_file is compared with
 * @path instead.
 * Returns 0 or a negative errno (message on @ctx).
 */
int xhp_loop_find(xhp_ctx *ctx, const char *sysfs_root, dev_t dev, ino_t ino,
		  const char *path, unsigned int *ret, size_t max,
		  size_t *ret_n);

/*
 * Read /sys/block/loopN/loop/backing_file into @buf (newline cut).
 * Returns 0, -ENOENT when loopN is not attached (or does not exist).
 */
int xhp_loop_backing_file(const char *sysfs_root, unsigned int index, char *buf,
			  size_t size);

/* "/dev/loopN" -> N. Returns 0 or -EINVAL (anything else). */
int xhp_loop_parse_node(const char *node, unsigned int *ret_index);

/*
 * Detach /dev/loopN, but only when it is attached to the file (@dev,
 * @ino) or to a deleted file that was at @path (the file was replaced);
 * with @dev == 0 (the file is gone) its sysfs backing_file must read
 * "@path (deleted)" or "@path".
 * Returns 0 when detached, 1 when it was not attached (nothing to do),
 * -ESTALE when it backs another file (left alone, message on @ctx), or
 * another negative errno.
 */
int xhp_loop_detach(xhp_ctx *ctx, unsigned int index, dev_t dev, ino_t ino,
		    const char *path);

#endif /* XHP_LOOP_H */
