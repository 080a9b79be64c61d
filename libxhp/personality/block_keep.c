// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Keep a connected vbd's loop device (see block_keep.h). blkback opened
 * the loop device by its number (physical-device) and holds it: a
 * `losetup -d` then only sets the autoclear flag (drivers/block/loop.c,
 * loop_clr_fd(): more than one opener), and the device goes when
 * blkback closes it; with nobody holding it, it is detached at once.
 * The first is undone by clearing the flag again, the second by
 * attaching the same file to the same number, so that the number the
 * backend advertised names the guest's disk again.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "block_keep.h"
#include "blockdev.h"
#include "loop.h"
#include "util.h"
#include "xs.h"

static int undo_attach(xhp_ctx *ctx, void *data)
{
	const struct xhp_block_attached *a = data;

	return xhp_loop_detach(ctx, a->index, a->dev, a->ino, a->path);
}

const struct xhp_undo_type xhp_block_undo_attach = {
	.name = "detach the loop device",
	.undo = undo_attach,
	.release = free,
};

/* physical-device ("%x:%x") as a device number; -ENOENT, -EINVAL. */
static int phys_dev(struct xhp_op *op, dev_t *ret)
{
	_cleanup_free_ char *s = NULL;
	unsigned int ma, mi;
	char end;
	int r;

	r = xhp_xs_read_key(op->ctx, op->req->backend_path, "physical-device",
			    &s);
	if (r < 0)
		return r;
	if (sscanf(s, "%x:%x%c", &ma, &mi, &end) != 2)
		return xhp_err(
			op->ctx, EINVAL,
			"%s: bad physical-device '%s': loop device not re-attached",
			op->req->backend_path, s);
	*ret = makedev(ma, mi);
	return 0;
}

static int clear_autoclear(struct xhp_op *op, unsigned int idx, const char *tag)
{
	int r;

	if (xhp_dry(op->ctx, op->dry_run,
		    "clear the autoclear flag of /dev/loop%u", idx))
		return 0;
	r = xhp_loop_keep(op->ctx, idx, tag);
	if (r == 0)
		xhp_info(op->ctx,
			 "/dev/loop%u kept: its autoclear flag is cleared",
			 idx);
	return r < 0 ? r : 0;
}

/* params' file, which must be on no loop device now. */
static int file_free(struct xhp_op *op, const char *params, struct xhp_bdev *b)
{
	unsigned int idx[4];
	size_t n = 0;
	int r;

	if (params[0] != '/' || xhp_bdev_has_dotdot(params))
		return xhp_err(
			op->ctx, EINVAL,
			"params %s is not an absolute path without '..': loop device not re-attached",
			params);
	r = xhp_bdev_resolve(op->ctx, params, b);
	if (r < 0)
		return r;
	if (b->kind != XHP_BDEV_FILE)
		return xhp_err(
			op->ctx, ENOTBLK,
			"params %s is no longer a regular file: loop device not re-attached",
			params);
	r = xhp_loop_find(op->ctx, NULL, b->dev, b->ino, b->path, idx,
			  ARRAY_SIZE(idx), &n);
	if (r < 0)
		return r;
	if (n)
		return xhp_err(
			op->ctx, EBUSY,
			"%s is attached to /dev/loop%u already: not attached again",
			b->path, idx[0]);
	return 0;
}

static int reattach(struct xhp_op *op, unsigned int idx, const char *params,
		    bool ro, bool dio, const char *tag)
{
	struct xhp_block_attached *a;
	struct xhp_bdev b = { 0 };
	struct xhp_loop l;
	dev_t want = 0;
	int r;

	r = phys_dev(op, &want);
	if (r == -ENOENT)
		return 0; /* not added after all: nothing to keep */
	if (r < 0)
		return r;
	r = file_free(op, params, &b);
	if (r < 0)
		goto out;
	if (xhp_dry(op->ctx, op->dry_run, "attach %s to /dev/loop%u again (%s)",
		    b.path, idx, ro ? "read-only" : "read-write"))
		goto out;
	a = malloc(sizeof(*a) + strlen(b.path) + 1);
	if (!a) {
		r = xhp_err(op->ctx, ENOMEM, "out of memory");
		goto out;
	}
	r = xhp_journal_reserve(&op->journal);
	if (r < 0) {
		free(a);
		goto out;
	}
	r = xhp_loop_attach_at(op->ctx, idx, b.path, b.dev, b.ino, ro, dio, tag,
			       &l);
	if (r < 0) {
		free(a);
		if (r == -EBUSY)
			r = xhp_err(
				op->ctx, EBUSY,
				"/dev/loop%u is attached to another file now: %s not attached again",
				idx, b.path);
		goto out;
	}
	a->index = l.index;
	a->dev = b.dev;
	a->ino = b.ino;
	strcpy(a->path, b.path);
	xhp_journal_push(&op->journal, &xhp_block_undo_attach, a);
	if (l.rdev != want) {
		r = xhp_err(
			op->ctx, ESTALE,
			"/dev/loop%u is %x:%x, not physical-device %x:%x: not attached again",
			idx, major(l.rdev), minor(l.rdev), major(want),
			minor(want));
		goto out;
	}
	xhp_info(op->ctx, "attached %s to %s again (%s)", b.path, l.path,
		 l.read_only ? "read-only" : "read-write");
out:
	xhp_bdev_clear(&b);
	return r;
}

int xhp_block_keep(struct xhp_op *op, const char *params, bool read_only,
		   bool direct_io, const char *tag)
{
	_cleanup_free_ char *node = NULL;
	unsigned int idx;
	int r;

	r = xhp_xs_read_key(op->ctx, op->req->backend_path, "node", &node);
	if (r == -ENOENT)
		return 0; /* a block device: no loop device to keep */
	if (r < 0)
		return r;
	if (xhp_loop_parse_node(node, &idx) < 0)
		return 0;
	r = xhp_loop_autoclear(NULL, idx);
	if (r == 1)
		return clear_autoclear(op, idx, tag);
	if (r == -ENOENT)
		return reattach(op, idx, params, read_only, direct_io, tag);
	if (r < 0)
		return xhp_err(op->ctx, r,
			       "cannot read the autoclear flag of %s: %s", node,
			       strerror(-r));
	return 0;
}
