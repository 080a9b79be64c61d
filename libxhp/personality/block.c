// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The block personality: what Xen's block and block-common.sh do on
 * Linux, in-process. params names a block device (path, /dev-relative
 * name, symlink, libblkid tag) or a regular file (attached to a loop
 * device); the sharing checks and the attach run under the "block" lock,
 * which stays held until device.c has written physical-device and
 * hotplug-status (Xen holds it across write_dev). A dry run makes the
 * same reads and checks, and the same refusals, without the lock (see
 * lock_unless_dry), and attaches and writes nothing.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "block_helper.h"
#include "block_keep.h"
#include "blockdev.h"
#include "keys.h"
#include "loop.h"
#include "personality.h"
#include "util.h"

#define MAX_FILE_LOOPS 64
#define LOOP_TAG_MAX 48

/* What add and remove read from the backend directory. */
struct vbd {
	char *type; /* "MISSING" when absent, as Xen */
	char *params;
	char *mode_s;
	char mode; /* canonical: r, w or ! */
};

static void vbd_clear(struct vbd *v)
{
	free(v->type);
	free(v->params);
	free(v->mode_s);
}

/* A required setting: missing or empty is Xen's "xenstore-read ... failed". */
static int read_required(struct xhp_op *op, const char *key, char **ret)
{
	const char *v = xhp_op_setting(op, key);

	if (!v && op->xenstore)
		return xhp_err(op->ctx, EINVAL, "%s/%s is missing",
			       op->req->backend_path, key);
	if (!v)
		return xhp_err(op->ctx, EINVAL,
			       "%s is missing from the caller's settings", key);
	*ret = strdup(v);
	return *ret ? 0 : xhp_err(op->ctx, ENOMEM, "out of memory");
}

static int read_optional(struct xhp_op *op, const char *key, const char *def,
			 char **ret)
{
	const char *v = xhp_op_setting(op, key);

	if (!v)
		v = def;
	*ret = v ? strdup(v) : NULL;
	if (v && !*ret)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	return 0;
}

static int read_vbd(struct xhp_op *op, struct vbd *v, bool need_mode)
{
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r;

	if (!op->req->backend_path)
		return xhp_err(op->ctx, EINVAL, "block needs XENBUS_PATH");
	r = read_optional(op, "type", "MISSING", &v->type);
	if (r < 0)
		return r;
	r = read_required(op, "params", &v->params);
	if (r < 0)
		return r;
	if (xhp_parse_params(v->params, &why) < 0)
		return xhp_err(op->ctx, EINVAL, "bad params '%s': %s",
			       xhp_quote(q, v->params), why);
	if (!need_mode)
		return 0;
	r = read_required(op, "mode", &v->mode_s);
	if (r < 0)
		return r;
	if (xhp_parse_mode(v->mode_s, &v->mode, &why) < 0)
		return xhp_err(op->ctx, EINVAL, "bad mode '%s': %s",
			       xhp_quote(q, v->mode_s), why);
	return 0;
}

static bool is_xen_type(const char *type)
{
	return !strcmp(type, "phy") || !strcmp(type, "file") ||
	       !strcmp(type, "MISSING");
}

/*
 * params names neither a device nor a file: a block-<type> helper may
 * know it. Returns 1 when there is none (the caller reports its error).
 */
static int run_helper(struct xhp_op *op, const struct vbd *v,
		      const char *command)
{
	char helper[4096];

	if (is_xen_type(v->type) ||
	    xhp_block_helper_find(op->req, v->type, helper, sizeof(helper)) < 0)
		return 1;
	if (xhp_dry(op->ctx, op->dry_run, "run %s %s", helper, command))
		return 0;
	xhp_clear_error(op->ctx);
	return xhp_block_helper_run(op->ctx, op->req, helper, command);
}

static const char *mode_word(char mode)
{
	return mode == 'w' ? "read-write" : "read-only";
}

/* "Device X" or "File X is loopback-mounted through /dev/loopN, which" */
static void subject(char *buf, size_t size, const struct xhp_bdev *b,
		    const dev_t *devs, const unsigned int *loops, size_t n,
		    dev_t dev)
{
	size_t i;

	if (b->kind == XHP_BDEV_PHY) {
		snprintf(buf, size, "Device %s (%x:%x)", b->path, major(dev),
			 minor(dev));
		return;
	}
	for (i = 0; i < n && devs[i] != dev; i++)
		;
	snprintf(
		buf, size,
		"File %s is loopback-mounted through /dev/loop%u (%x:%x), which",
		b->path, i < n ? loops[i] : minor(dev), major(dev), minor(dev));
}

/*
 * Swap, holders and exclusive claims of @devs here (Xen looks for mounts
 * only): refused busy, as Xen refuses a mounted device.
 */
static int check_holders(struct xhp_op *op, const struct xhp_bdev *b,
			 const dev_t *devs, const unsigned int *loops, size_t n,
			 char mode)
{
	char nodes[MAX_FILE_LOOPS][32], what[512], who[512];
	const char *paths[MAX_FILE_LOOPS];
	size_t i;
	dev_t d;
	int r;

	if (n > MAX_FILE_LOOPS)
		return xhp_err(op->ctx, E2BIG, "too many devices to check");
	for (i = 0; i < n; i++) {
		if (b->kind == XHP_BDEV_PHY) {
			paths[i] = b->path;
			continue;
		}
		snprintf(nodes[i], sizeof(nodes[i]), "/dev/loop%u", loops[i]);
		paths[i] = nodes[i];
	}
	r = xhp_holder_conflict(op->ctx, NULL, NULL, devs, paths, n, mode, &d,
				what, sizeof(what));
	if (r <= 0)
		return r;
	subject(who, sizeof(who), b, devs, loops, n, d);
	op->fail_status = XHP_STATUS_BUSY;
	return xhp_err(
		op->ctx, EBUSY,
		"%s is %s in the privileged domain, and so cannot be used %s by a guest",
		who, what, mode_word(mode));
}

/*
 * Xen's check_sharing for @devs (the device, or the file's loop devices):
 * mounts here, then (unlike Xen) swap and other holders here, then other
 * backends. 0 ok; -EBUSY with fail_status busy.
 */
static int check_sharing(struct xhp_op *op, const struct xhp_bdev *b,
			 const dev_t *devs, const unsigned int *loops, size_t n,
			 char mode, unsigned int frontend_id)
{
	char where[256], who[512];
	struct xhp_share_hit hit;
	bool ro;
	dev_t d;
	int r;

	r = xhp_mount_conflict(op->ctx, NULL, devs, n, mode, &d, where,
			       sizeof(where), &ro);
	if (r < 0)
		return r;
	if (r > 0) {
		subject(who, sizeof(who), b, devs, loops, n, d);
		op->fail_status = XHP_STATUS_BUSY;
		return xhp_err(
			op->ctx, EBUSY,
			"%s is mounted %s in the privileged domain (on %s), and so cannot be used %s by a guest",
			who, mode_word(!ro ? 'w' : 'r'), where,
			mode_word(mode));
	}
	r = check_holders(op, b, devs, loops, n, mode);
	if (r < 0)
		return r;
	r = xhp_backend_conflict(op->ctx, op->req->backend_path, frontend_id,
				 devs, n, mode, &hit);
	if (r < 0)
		return r;
	if (r > 0) {
		subject(who, sizeof(who), b, devs, loops, n, hit.dev);
		op->fail_status = XHP_STATUS_BUSY;
		return xhp_err(
			op->ctx, EBUSY,
			"%s is in use by a guest (domain %u, %s, mode %s), and so cannot be used %s now",
			who, hit.domid, hit.path, mode_word(hit.mode),
			mode_word(mode));
	}
	return 0;
}

static int frontend_id(struct xhp_op *op, unsigned int *ret)
{
	_cleanup_free_ char *s = NULL;
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r;

	/* A protocol key of the backend, not a setting. */
	r = xhp_xs_read_key(op->ctx, op->req->backend_path, "frontend-id", &s);
	if (r == -ENOENT || (r == 0 && !s[0]))
		return xhp_err(op->ctx, EINVAL, "%s/frontend-id is missing",
			       op->req->backend_path);
	if (r < 0)
		return r;
	if (xhp_parse_domid(s, ret, &why) < 0)
		return xhp_err(op->ctx, EINVAL, "bad frontend-id '%s': %s",
			       xhp_quote(q, s), why);
	return 0;
}

static int put_dev(struct xhp_op *op, dev_t dev, const char *path)
{
	char mm[32];
	int r;

	snprintf(mm, sizeof(mm), "%x:%x", major(dev), minor(dev));
	r = xhp_op_put(op, "physical-device", mm);
	if (r >= 0)
		r = xhp_op_put(op, "physical-device-path", path);
	if (r < 0)
		return xhp_err(op->ctx, r, "out of memory");
	return 0;
}

/*
 * Has an add of this backend already written physical-device? Xen's
 * script may be called twice ("just bail"). Asked before the lock, and
 * again under it: two adds at once both pass the first check, and the
 * second must not attach (and name) another device.
 * 1 yes, 0 no, or -errno.
 */
static int already_added(struct xhp_op *op)
{
	_cleanup_free_ char *phys = NULL;
	char q[XHP_QUOTE_MAX];
	int r;

	r = xhp_xs_read_key(op->ctx, op->req->backend_path, "physical-device",
			    &phys);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	xhp_debug(op->ctx, "%s: physical-device is already %s",
		  op->req->backend_path, xhp_quote(q, phys));
	op->unchanged = true; /* as Xen: exit 0, nothing written */
	return 1;
}

/*
 * diskseq of the device (0: none), read through an fd that must still be
 * the device that was resolved.
 */
static int phy_diskseq(struct xhp_op *op, const struct xhp_bdev *b,
		       uint64_t *ret)
{
	struct stat st;
	int fd, r = 0;

	*ret = 0;
	fd = open(b->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return xhp_err(op->ctx, errno, "cannot open %s: %s", b->path,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != b->rdev)
		r = xhp_err(op->ctx, ESTALE, "%s changed while being added",
			    b->path);
#ifdef BLKGETDISKSEQ
	else if (ioctl(fd, BLKGETDISKSEQ, ret) < 0)
		*ret = 0;
#endif
	close(fd);
	return r;
}

static int put_diskseq(struct xhp_op *op, uint64_t diskseq)
{
	char seq[32];
	int r;

	if (!diskseq)
		return 0;
	/* hex, as the blkback diskseq patches parse it */
	snprintf(seq, sizeof(seq), "%llx", (unsigned long long)diskseq);
	r = xhp_op_put(op, "diskseq", seq);
	return r < 0 ? xhp_err(op->ctx, r, "out of memory") : 0;
}

/*
 * The block lock, except in a dry run: a dry run must neither create the
 * lock file nor make real adds wait behind it, so its checks read
 * without it. Its sharing check is then a snapshot that an add running
 * at the same time may change.
 */
static int lock_unless_dry(struct xhp_op *op, xhp_lock **ret)
{
	*ret = NULL;
	return op->dry_run ? 0 : xhp_lock_acquire(op->ctx, "block", ret);
}

/*
 * The block lock, held across the report as Xen's write_dev holds it
 * (the engine releases it once the report is written, before any undo),
 * and under it the check that no other run added the device meanwhile:
 * 1 when one did (nothing to do), 0 to go on, or a negative errno.
 */
static int lock_and_recheck(struct xhp_op *op)
{
	int r = lock_unless_dry(op, &op->lock);

	return r < 0 ? r : already_added(op);
}

static int add_phy(struct xhp_op *op, const struct vbd *v,
		   const struct xhp_bdev *b, unsigned int fe)
{
	uint64_t seq;
	int r;

	r = lock_and_recheck(op);
	if (r != 0)
		return r < 0 ? r : 0;
	if (v->mode != '!') {
		r = check_sharing(op, b, &b->rdev, NULL, 1, v->mode, fe);
		if (r < 0)
			return r;
	}
	r = phy_diskseq(op, b, &seq);
	if (r < 0)
		return r;
	if (xhp_dry(op->ctx, op->dry_run,
		    "write physical-device %x:%x (%s, mode %c)", major(b->rdev),
		    minor(b->rdev), b->path, v->mode))
		return 0;
	r = put_dev(op, b->rdev, b->path);
	if (r >= 0)
		r = put_diskseq(op, seq);
	return r;
}

/* The state guard of Xen's script: the backend must still be InitWait. */
static int check_state(struct xhp_op *op)
{
	_cleanup_free_ char *s = NULL;
	char q[XHP_QUOTE_MAX];
	const char *why;
	int r, state;

	r = xhp_xs_read_key(op->ctx, op->req->backend_path, "state", &s);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && xhp_parse_xenbus_state(s, &state, &why) == 0 &&
	    state == XHP_XENBUS_STATE_INIT_WAIT)
		return 0;
	return xhp_err(
		op->ctx, EINVAL,
		"Path closed or removed during hotplug add: %s state: %s",
		op->req->backend_path, r == 0 ? xhp_quote(q, s) : "unknown");
}

static int refuse_read_only(struct xhp_op *op, const struct xhp_bdev *b)
{
	op->fail_status = XHP_STATUS_BUSY;
	return xhp_err(
		op->ctx, EBUSY,
		"File %s is read-only, and so I will not mount it read-write in a guest domain",
		b->path);
}

/* The sharing check of a file: through its existing loop devices. */
static int check_file_sharing(struct xhp_op *op, const struct xhp_bdev *b,
			      char mode, unsigned int fe)
{
	unsigned int idx[MAX_FILE_LOOPS];
	dev_t devs[MAX_FILE_LOOPS];
	char path[32];
	struct stat st;
	size_t n, i, k = 0;
	int r;

	r = xhp_loop_find(op->ctx, NULL, b->dev, b->ino, b->path, idx,
			  MAX_FILE_LOOPS, &n);
	if (r < 0)
		return r;
	if (n > MAX_FILE_LOOPS)
		n = MAX_FILE_LOOPS;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/dev/loop%u", idx[i]);
		if (stat(path, &st) == 0 && S_ISBLK(st.st_mode)) {
			idx[k] = idx[i];
			devs[k++] = st.st_rdev;
		}
	}
	if (k == 0)
		return 0; /* Xen: no loop device, nothing shares it */
	return check_sharing(op, b, devs, idx, k, mode, fe);
}

static int put_file_keys(struct xhp_op *op, const struct xhp_loop *l)
{
	int r;

	r = xhp_op_put(op, "node", l->path);
	if (r < 0)
		return xhp_err(op->ctx, r, "out of memory");
	r = put_dev(op, l->rdev, l->path);
	if (r < 0)
		return r;
	return put_diskseq(op, l->diskseq);
}

static bool direct_io_safe(struct xhp_op *op)
{
	_cleanup_free_ char *s = NULL;

	return xhp_xs_read_key(op->ctx, op->req->backend_path, "direct-io-safe",
			       &s) == 0 &&
	       !strcmp(s, "1");
}

/*
 * The mark this backend's add puts on its loop devices (lo_file_name):
 * "xhp:<type>/<frontend>/<devid>", the backend path after "backend/".
 * Loop devices are local, so the backend's home domain is ours.
 */
static int loop_tag(struct xhp_op *op, char *buf, size_t size)
{
	const char *bp = op->req->backend_path, *t = strstr(bp, "backend/");
	int n;

	n = t ? snprintf(buf, size, "xhp:%s", t + 8) : -1;
	if (n < 0 || (size_t)n >= size || strchr(buf, ' '))
		return xhp_err(op->ctx, EINVAL,
			       "%s: cannot make a loop device mark of it", bp);
	return 0;
}

static int clear_marked(struct xhp_op *op, const struct xhp_bdev *b,
			const char *tag, long keep);

/*
 * A dry run's stand-in for the attach's open of the file: the same
 * access (read-only or read-write; opening changes nothing), the same
 * refusal when it is denied, and the file must still be the one that was
 * checked.
 */
static int dry_open(struct xhp_op *op, const struct xhp_bdev *b, bool ro)
{
	struct stat st;
	int fd, r = 0;

	fd = open(b->path,
		  (ro ? O_RDONLY : O_RDWR) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (!ro && (r == -EROFS || r == -EACCES || r == -EPERM ||
			    r == -ETXTBSY))
			return refuse_read_only(op, b);
		return xhp_err(op->ctx, -r, "cannot open %s: %s", b->path,
			       strerror(-r));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != b->dev ||
	    st.st_ino != b->ino)
		r = xhp_err(op->ctx, ESTALE, "%s changed while being added",
			    b->path);
	close(fd);
	return r;
}

static int add_file(struct xhp_op *op, const struct vbd *v,
		    const struct xhp_bdev *b, unsigned int fe)
{
	bool ro = v->mode == 'r', dio = direct_io_safe(op);
	char tag[LOOP_TAG_MAX];
	struct xhp_block_attached *a;
	struct xhp_loop l;
	int r;

	r = loop_tag(op, tag, sizeof(tag));
	if (r < 0)
		return r;
	r = lock_and_recheck(op);
	if (r != 0)
		return r < 0 ? r : 0;
	r = check_state(op);
	if (r < 0)
		return r;
	/* No key names a device of this backend: any with its mark is
	 * left by an interrupted add, and would be leaked by this one. */
	r = clear_marked(op, NULL, tag, -1);
	if (r < 0)
		return r;
	if (v->mode == 'w' && !(b->perm & 0222))
		return refuse_read_only(op, b);
	if (v->mode != '!') {
		r = check_file_sharing(op, b, v->mode, fe);
		if (r < 0)
			return r;
	}
	if (op->dry_run) {
		r = dry_open(op, b, ro);
		if (r >= 0)
			xhp_dry(op->ctx, true,
				"attach %s to a loop device (%s%s)", b->path,
				mode_word(v->mode), dio ? ", direct I/O" : "");
		return r;
	}
	/* The undo's entry first: nothing may fail once it is attached. */
	a = malloc(sizeof(*a) + strlen(b->path) + 1);
	if (!a)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	r = xhp_journal_reserve(&op->journal);
	if (r < 0) {
		free(a);
		return r;
	}
	r = xhp_loop_attach(op->ctx, b->path, b->dev, b->ino, ro, dio, tag, &l);
	if (r >= 0) {
		a->index = l.index;
		a->dev = b->dev;
		a->ino = b->ino;
		strcpy(a->path, b->path);
		xhp_journal_push(&op->journal, &xhp_block_undo_attach, a);
	} else {
		free(a);
	}
	if (r == -EROFS || r == -EACCES || r == -EPERM || r == -ETXTBSY) {
		if (!ro)
			r = refuse_read_only(op, b);
		else
			r = xhp_err(op->ctx, r, "cannot open %s: %s", b->path,
				    strerror(-r));
	}
	if (r < 0)
		return r;
	xhp_info(op->ctx, "attached %s to %s (%s%s)", b->path, l.path,
		 l.read_only ? "read-only" : "read-write",
		 l.direct_io ? ", direct I/O" : "");
	/* Still under the block lock: an index of backends (the host
	 * watch's) learns the new device before the next add checks. */
	if (op->ctx->share_index)
		op->ctx->share_index->claim(op->ctx->share_index, l.rdev,
					    op->req->backend_path);
	/* The report (the engine's) names it in node: until then nothing
	 * but the journal knows this loop device. */
	return put_file_keys(op, &l);
}

/*
 * A repair (xhp_device_rerun()) of a vbd whose add is done: its loop
 * device kept (block_keep.c), under the block lock.
 */
static int keep_added(struct xhp_op *op, const struct vbd *v)
{
	char tag[LOOP_TAG_MAX];
	int r;

	if (!op->recheck)
		return 0;
	r = loop_tag(op, tag, sizeof(tag));
	if (r >= 0)
		r = lock_unless_dry(op, &op->lock);
	if (r >= 0)
		r = xhp_block_keep(op, v->params, v->mode == 'r',
				   direct_io_safe(op), tag);
	return r;
}

static int block_add(struct xhp_op *op)
{
	char q[XHP_QUOTE_MAX];
	struct vbd v = { 0 };
	struct xhp_bdev b;
	unsigned int fe;
	int r;

	r = read_vbd(op, &v, true);
	if (r < 0)
		goto clear_vbd;
	r = already_added(op);
	if (r != 0) {
		/* called twice: nothing more to do, but a repair's */
		r = r < 0 ? r : keep_added(op, &v);
		goto clear_vbd;
	}
	r = frontend_id(op, &fe);
	if (r < 0)
		goto clear_vbd;
	/*
	 * No path traversal: "/images/../etc/shadow" would give a guest
	 * the host's files (Xen's script canonicalises it and does). A
	 * symlink is an explicit choice and still works. Only add refuses:
	 * remove must still undo what another script added.
	 */
	if (v.params[0] == '/' && xhp_bdev_has_dotdot(v.params)) {
		r = xhp_err(op->ctx, EINVAL, "params %s has a '..' component",
			    xhp_quote(q, v.params));
		goto clear_vbd;
	}
	r = xhp_bdev_resolve(op->ctx, v.params, &b);
	if (r < 0) {
		if (r == -ENOENT || r == -ENOTBLK) {
			int h = run_helper(op, &v, "add");

			if (h <= 0)
				r = h;
		}
		goto clear_bdev;
	}
	if (b.kind == XHP_BDEV_PHY)
		r = add_phy(op, &v, &b, fe);
	else
		r = add_file(op, &v, &b, fe);
clear_bdev:
	xhp_bdev_clear(&b);
clear_vbd:
	vbd_clear(&v);
	return r;
}

/* A key of the backend: this run's own (undoing its add), else stored. */
static int backend_key(struct xhp_op *op, const char *key, char **ret)
{
	size_t i;

	for (i = 0; i < op->n_keys; i++)
		if (!strcmp(op->keys[i].key, key)) {
			*ret = strdup(op->keys[i].value);
			return *ret ? 0 :
				      xhp_err(op->ctx, ENOMEM, "out of memory");
		}
	return xhp_xs_read_key(op->ctx, op->req->backend_path, key, ret);
}

/* What may prove that a loop device is this backend's (block_remove). */
struct proof {
	const char *tag; /* the mark of this backend's add */
	bool have_rdev;
	dev_t rdev; /* physical-device */
	uint64_t diskseq; /* the diskseq key; 0: none */
	const struct xhp_bdev *file; /* params' file; NULL: gone */
	const char *names[2]; /* what sysfs may call the file */
};

/* Is sysfs backing_file @backing the file once at @name? */
static bool backing_named(const char *backing, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n && !strncmp(backing, name, n) &&
	       (backing[n] == '\0' || !strcmp(backing + n, " (deleted)"));
}

static int judge_node(xhp_ctx *ctx, const struct xhp_loop_info *i, void *ud,
		      char *why, size_t size)
{
	const struct proof *p = ud;
	const char *backing = i->backing[0] ? i->backing : "an unknown file";
	size_t k;

	(void)ctx;
	if (p->have_rdev && i->rdev != p->rdev) {
		snprintf(why, size, "it is %x:%x, not physical-device %x:%x",
			 major(i->rdev), minor(i->rdev), major(p->rdev),
			 minor(p->rdev));
		return 0;
	}
	if (p->diskseq && i->diskseq) {
		if (i->diskseq == p->diskseq)
			return 1;
		snprintf(
			why, size,
			"its diskseq is %llx, not the %llx of this backend's add: attached again since (to %s)",
			(unsigned long long)i->diskseq,
			(unsigned long long)p->diskseq, backing);
		return 0;
	}
	if (xhp_loop_tagged(i->name, p->tag))
		return 1;
	/* An add that does not mark its device (Xen's script): its file. */
	if (p->file && i->dev == p->file->dev && i->ino == p->file->ino)
		return 1;
	for (k = 0; k < ARRAY_SIZE(p->names); k++)
		if (backing_named(i->backing, p->names[k]))
			return 1;
	snprintf(
		why, size,
		"it backs %s, not this backend's params, and has no mark or diskseq of this backend's add",
		backing);
	return 0;
}

/* A dangling symlink's target, absolute, into @buf; "" when none. */
static void link_target(const char *link, char *buf, size_t size)
{
	char t[4096];
	const char *slash = strrchr(link, '/');
	ssize_t n = readlink(link, t, sizeof(t) - 1);
	int w = -1;

	buf[0] = '\0';
	if (n <= 0)
		return;
	t[n] = '\0';
	if (t[0] == '/')
		w = snprintf(buf, size, "%s", t);
	else if (slash)
		w = snprintf(buf, size, "%.*s/%s", (int)(slash - link), link,
			     t);
	if (w < 0 || (size_t)w >= size)
		buf[0] = '\0'; /* a cut name must not match */
}

static int read_proof(struct xhp_op *op, struct proof *p)
{
	_cleanup_free_ char *pd = NULL, *seq = NULL;
	char q[XHP_QUOTE_MAX], *end;
	unsigned int ma, mi;
	const char *why;
	int r;

	r = backend_key(op, "physical-device", &pd);
	if (r == 0) {
		if (xhp_parse_physical_device(pd, &ma, &mi, &why) < 0)
			return xhp_err(op->ctx, EINVAL,
				       "bad physical-device '%s': %s",
				       xhp_quote(q, pd), why);
		p->have_rdev = true;
		p->rdev = makedev(ma, mi);
	} else if (r != -ENOENT) {
		return r;
	}
	r = backend_key(op, "diskseq", &seq);
	if (r == 0) {
		errno = 0;
		p->diskseq = strtoull(seq, &end, 16);
		if (errno || end == seq || *end)
			p->diskseq = 0; /* then the mark or the file */
	} else if (r != -ENOENT) {
		return r;
	}
	return 0;
}

/*
 * Detach @node if it is provably this backend's loop device (see
 * block_remove), whether or not params still names a file.
 */
static int remove_node(struct xhp_op *op, const struct vbd *v, const char *node,
		       const char *tag)
{
	struct proof p = { .tag = tag };
	struct xhp_bdev b = { 0 };
	char q[XHP_QUOTE_MAX], why[512], target[4096];
	xhp_lock *lock = NULL;
	unsigned int idx;
	int r;

	if (xhp_loop_parse_node(node, &idx) < 0)
		return xhp_err(op->ctx, EINVAL,
			       "node '%s' is not a loop device",
			       xhp_quote(q, node));
	r = xhp_bdev_resolve(op->ctx, v->params, &b);
	if (r == -ENOENT || r == -ENOTBLK) {
		/* The image, or the link to it, is gone (or no file any
		 * more): the keys and the device's own record still tell
		 * whether it is ours. */
		xhp_bdev_clear(&b);
		xhp_clear_error(op->ctx);
		link_target(v->params, target, sizeof(target));
		p.names[0] = v->params;
		p.names[1] = target;
		r = 0;
	} else if (r == 0 && b.kind != XHP_BDEV_FILE) {
		r = xhp_err(
			op->ctx, EINVAL,
			"%s names a loop device but params %s is not a file",
			node, b.path);
	} else if (r == 0) {
		p.file = &b;
		p.names[0] = b.path;
		p.names[1] = v->params;
	}
	if (r < 0)
		goto clear_bdev;
	r = read_proof(op, &p);
	if (r < 0)
		goto clear_bdev;
	if (xhp_dry(op->ctx, op->dry_run, "detach %s if it is %s's", node,
		    op->req->backend_path))
		goto clear_bdev;
	r = xhp_lock_acquire(op->ctx, "block", &lock);
	if (r < 0)
		goto clear_bdev;
	r = xhp_loop_detach_if(op->ctx, idx, judge_node, &p, why, sizeof(why));
	if (r == 0)
		xhp_info(op->ctx, "detached %s", node);
	else if (r == 1)
		xhp_info(op->ctx, "%s is already detached", node);
	else if (r == 2)
		/* Ours is gone and the number reused: nothing of ours left. */
		xhp_log(op->ctx, LOG_WARNING, "%s left alone: %s", node, why);
	/* And what an interrupted add of this backend left beside it. */
	if (r >= 0)
		r = clear_marked(op, NULL, tag, idx);
	xhp_lock_release(lock);
clear_bdev:
	xhp_bdev_clear(&b);
	return r < 0 ? r : 0;
}

static int judge_orphan(xhp_ctx *ctx, const struct xhp_loop_info *i, void *ud,
			char *why, size_t size)
{
	(void)ctx;
	if (xhp_loop_tagged(i->name, ud))
		return 1;
	snprintf(why, size, "it has no mark of this backend's add");
	return 0;
}

/* sysfs backing_file of a block device entry "loopN"; false: none. */
static bool attached_loop(const char *name, unsigned int *idx, char *backing,
			  size_t size)
{
	uint64_t v;

	if (strncmp(name, "loop", 4) != 0 ||
	    xhp_parse_uint(name + 4, 1u << 20, &v) < 0)
		return false;
	*idx = (unsigned int)v;
	return xhp_loop_backing_file(NULL, *idx, backing, size) == 0;
}

/*
 * Detach the loop devices that carry this backend's mark @tag, except
 * /dev/loop@keep (the node this backend's keys name; -1: none): an add
 * of this backend killed after LOOP_CONFIGURE and before the transaction
 * that writes node and physical-device (or whose undo failed) leaves one
 * that no key names, and a later add would attach another one beside it.
 * The caller holds the block lock, which every add holds from before its
 * attach until its keys are written: an add in progress is not taken for
 * an interrupted one. A loop device of params' file @b (may be NULL)
 * without the mark (an administrator's losetup, another backend's) is
 * left alone, and logged. A dry run only says what it would detach.
 *
 * The mark is in lo_file_name, which only the device itself tells
 * (LOOP_GET_STATUS64): this lists /sys/block (names only) and asks each
 * attached loop device, so its cost grows with the number of loop
 * devices on the host; no other block device is opened.
 */
static int clear_marked(struct xhp_op *op, const struct xhp_bdev *b,
			const char *tag, long keep)
{
	char backing[4096], why[256];
	struct dirent *de;
	unsigned int idx;
	int r = 0;
	DIR *d;

	d = opendir("/sys/block");
	if (!d)
		return xhp_err(op->ctx, errno, "cannot list /sys/block: %s",
			       strerror(errno));
	while (r >= 0 && (de = readdir(d))) {
		if (!attached_loop(de->d_name, &idx, backing,
				   sizeof(backing)) ||
		    (long)idx == keep)
			continue;
		if (!xhp_loop_is_tagged(idx, tag)) {
			if (b && backing_named(backing, b->path))
				xhp_info(
					op->ctx,
					"/dev/loop%u of %s left alone: no node names it and it has no mark of this backend's add",
					idx, backing);
			continue;
		}
		if (xhp_dry(op->ctx, op->dry_run,
			    "detach /dev/loop%u (%s), left by an interrupted add of this backend",
			    idx, backing))
			continue;
		r = xhp_loop_detach_if(op->ctx, idx, judge_orphan, (void *)tag,
				       why, sizeof(why));
		if (r == 0)
			xhp_info(
				op->ctx,
				"detached /dev/loop%u (%s), left by an interrupted add of this backend",
				idx, backing);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

/*
 * Remove without a node: detach the loop devices with this backend's
 * mark (clear_marked), under the block lock.
 */
static int remove_orphans(struct xhp_op *op, const struct vbd *v,
			  const struct xhp_bdev *b, const char *tag)
{
	_cleanup_free_ char *node = NULL;
	xhp_lock *lock = NULL;
	int r;

	if (xhp_dry(op->ctx, op->dry_run, "detach the loop devices marked %s",
		    tag))
		return 0;
	r = xhp_lock_acquire(op->ctx, "block", &lock);
	if (r < 0)
		return r;
	/* An add that held the lock may have written node meanwhile. */
	r = xhp_xs_read_key(op->ctx, op->req->backend_path, "node", &node);
	if (r != -ENOENT) {
		xhp_lock_release(lock);
		return r < 0 ? r : remove_node(op, v, node, tag);
	}
	r = clear_marked(op, b, tag, -1);
	xhp_lock_release(lock);
	return r;
}

/*
 * remove detaches only a loop device this backend provably attached:
 * - with node: node must agree with physical-device (when present), and
 *   then either its diskseq is the diskseq key (this very attachment),
 *   or, on a kernel without diskseq, it carries the mark our add puts
 *   in lo_file_name (loop_tag), or, for an add that does not mark (Xen's
 *   script), it backs params' file (by device and inode, or by the name
 *   sysfs keeps, " (deleted)" or not, also through a dangling link).
 *   params itself need not exist any more.
 * - with or without node: loop devices with this backend's mark that no
 *   key names (an add interrupted between its attach and its keys).
 * Anything else is left alone, with the reason in the log, and remove
 * succeeds.
 * Xen's block script, on remove: for a params that is still a regular
 * file, `losetup -d $node` whatever node is attached to now (no check;
 * a missing node makes xenstore_read fail the script); for a block
 * device nothing; when params is gone (neither -b nor -f) nothing, so
 * the loop device stays attached for ever.
 */
static int block_remove(struct xhp_op *op)
{
	_cleanup_free_ char *node = NULL;
	char tag[LOOP_TAG_MAX];
	struct vbd v = { 0 };
	int r;

	r = read_vbd(op, &v, false);
	if (r >= 0)
		r = loop_tag(op, tag, sizeof(tag));
	if (r < 0)
		goto clear_vbd;
	r = backend_key(op, "node", &node);
	if (r == 0) {
		r = remove_node(op, &v, node, tag);
	} else if (r == -ENOENT) {
		/* A device: nothing to undo. Else another type's helper. */
		struct xhp_bdev b = { 0 };

		r = 0;
		/* Files (always absolute paths) may have a lost loop. */
		if (v.params[0] != '/' && is_xen_type(v.type))
			goto clear_vbd;
		r = xhp_bdev_resolve(op->ctx, v.params, &b);
		if (r < 0) {
			xhp_clear_error(op->ctx);
			r = run_helper(op, &v, "remove");
			if (r == 1 && v.params[0] == '/')
				r = remove_orphans(op, &v, NULL, tag);
			else if (r == 1)
				r = 0;
		} else if (b.kind == XHP_BDEV_FILE) {
			r = remove_orphans(op, &v, &b, tag);
		}
		xhp_bdev_clear(&b);
	}
clear_vbd:
	vbd_clear(&v);
	return r;
}

static const char *const block_settings[] = { "mode", "params", "type", NULL };
static const char *const block_remove_settings[] = { "params", "type", NULL };

const struct xhp_personality xhp_personality_block = {
	.name = "block",
	.settings = block_settings,
	.remove_settings = block_remove_settings,
	.kinds = (1u << XHP_KIND_VBD) | (1u << XHP_KIND_VBD3),
	.add = block_add,
	.remove = block_remove,
};
