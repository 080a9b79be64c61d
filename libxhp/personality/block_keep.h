/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * block's repair of a connected vbd's loop device (block_keep.c), and
 * the undo of an attach both it and block.c's add record.
 */
#ifndef XHP_BLOCK_KEEP_H
#define XHP_BLOCK_KEEP_H

#include <sys/types.h>

#include "personality.h"

/* The undo of an attach: what identifies the loop device and its file. */
struct xhp_block_attached {
	unsigned int index;
	dev_t dev;
	ino_t ino;
	char path[]; /* the file's */
};

/* Detach it again (xhp_loop_detach: only while it backs that file). */
extern const struct xhp_undo_type xhp_block_undo_attach;

/*
 * A re-plug (op->recheck) of a vbd whose add is done: keep the loop
 * device its node key names, under the block lock (the caller holds
 * it, unless a dry run). Autoclear set (a `losetup -d` while blkback
 * holds it): cleared, on a device with this backend's mark @tag only.
 * Detached: params attached again to the same /dev/loopN (the one
 * physical-device names, which blkback keeps using), read-only when
 * @read_only, marked @tag; refused when that device is attached to
 * another file meanwhile or params' file is on a loop device already.
 * Anything else (no node: a block device; attached and kept): nothing.
 * Returns 0, or a negative errno with the message on op->ctx.
 */
int xhp_block_keep(struct xhp_op *op, const char *params, bool read_only,
		   bool direct_io, const char *tag);

#endif
