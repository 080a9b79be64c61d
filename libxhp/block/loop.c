// SPDX-License-Identifier: LGPL-2.1-or-later
/* Loop devices through the kernel's interfaces, no losetup (see loop.h). */
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fault.h"
#include "loop.h"
#include "util.h"

#define LOOP_ATTACH_TRIES 64
#define LOOP_OPEN_TRIES 50 /* 1 ms apart: devtmpfs may lag behind */

static const char *root_of(const char *sysfs_root)
{
	return sysfs_root ? sysfs_root : "/sys";
}

int xhp_loop_parse_node(const char *node, unsigned int *ret_index)
{
	uint64_t v;

	if (strncmp(node, "/dev/loop", 9) != 0 ||
	    xhp_parse_uint(node + 9, 1u << 20, &v) < 0)
		return -EINVAL;
	*ret_index = (unsigned int)v;
	return 0;
}

int xhp_loop_backing_file(const char *sysfs_root, unsigned int index, char *buf,
			  size_t size)
{
	char path[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/block/loop%u/loop/backing_file",
		 root_of(sysfs_root), index);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* The kernel's huge_encode_dev() layout of loop_info64.lo_device. */
static dev_t kdev_decode(uint64_t kdev)
{
	unsigned int ma = (unsigned int)((kdev >> 8) & 0xfff);
	unsigned int mi =
		(unsigned int)((kdev & 0xff) | ((kdev >> 12) & 0xfff00));

	return makedev(ma, mi);
}

static bool kdev_is(uint64_t kdev, dev_t dev)
{
	dev_t d = kdev_decode(kdev);

	return major(d) == major(dev) && minor(d) == minor(dev);
}

static int open_loop(xhp_ctx *ctx, unsigned int index, int flags)
{
	char path[32];
	int fd, i;

	snprintf(path, sizeof(path), "/dev/loop%u", index);
	fd = xhp_fault(ctx, XHP_FAULT_LOOP, "open /dev/loopN");
	if (fd < 0)
		return fd;
	for (i = 0; i < LOOP_OPEN_TRIES; i++) {
		fd = open(path, flags | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			return fd < 0 ? -errno : fd;
		poll(NULL, 0, 1);
	}
	return -ENOENT;
}

/*
 * /dev/loop@index opened read-only (*@ret_fd) to ask or detach it: 0, 1
 * when there is no such device (gone: nothing to do), or -errno with the
 * message.
 */
static int open_present(xhp_ctx *ctx, unsigned int index, int *ret_fd)
{
	int fd = open_loop(ctx, index, O_RDONLY);

	if (fd == -ENOENT || fd == -ENXIO)
		return 1;
	if (fd < 0)
		return xhp_err(ctx, fd, "cannot open /dev/loop%u: %s", index,
			       strerror(-fd));
	*ret_fd = fd;
	return 0;
}

/* Configure one free device; -EBUSY when someone else took it first. */
static int configure(xhp_ctx *ctx, int lfd, int ffd, const char *file,
		     const char *tag, bool read_only, bool direct_io)
{
	char *name;
	struct loop_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (__u32)ffd;
	if (read_only)
		cfg.info.lo_flags |= LO_FLAGS_READ_ONLY;
	if (direct_io)
		cfg.info.lo_flags |= LO_FLAGS_DIRECT_IO;
	name = (char *)cfg.info.lo_file_name;
	if (tag)
		snprintf(name, LO_NAME_SIZE, "%s %s", tag, file);
	else
		snprintf(name, LO_NAME_SIZE, "%s", file);
	if (xhp_fault(ctx, XHP_FAULT_LOOP, "LOOP_CONFIGURE") < 0)
		return -errno;
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) < 0)
		return -errno;
	return 0;
}

/* What the configured device @lfd (/dev/loop@idx) is, into @ret. */
static void fill_loop(int lfd, unsigned int idx, struct xhp_loop *ret)
{
	struct loop_info64 info;
	struct stat st;

	memset(ret, 0, sizeof(*ret));
	ret->index = idx;
	snprintf(ret->path, sizeof(ret->path), "/dev/loop%u", idx);
	if (fstat(lfd, &st) == 0)
		ret->rdev = st.st_rdev;
	memset(&info, 0, sizeof(info)); /* see xhp_loop_is_tagged() */
	if (ioctl(lfd, LOOP_GET_STATUS64, &info) == 0) {
		ret->read_only = info.lo_flags & LO_FLAGS_READ_ONLY;
		ret->direct_io = info.lo_flags & LO_FLAGS_DIRECT_IO;
	}
#ifdef BLKGETDISKSEQ
	if (ioctl(lfd, BLKGETDISKSEQ, &ret->diskseq) < 0)
		ret->diskseq = 0;
#endif
}

/*
 * Attach @ffd to /dev/loop@idx: 0 (*ret filled), -EBUSY (silently) when
 * it is attached already, or -errno with the message.
 */
static int attach_index(xhp_ctx *ctx, unsigned int idx, int ffd,
			const char *file, const char *tag, bool read_only,
			bool direct_io, struct xhp_loop *ret)
{
	int lfd, r;

	lfd = open_loop(ctx, idx, O_RDWR);
	if (lfd == -EROFS || lfd == -EACCES)
		lfd = open_loop(ctx, idx, O_RDONLY);
	if (lfd < 0)
		return xhp_err(ctx, lfd, "cannot open /dev/loop%u: %s", idx,
			       strerror(-lfd));
	r = configure(ctx, lfd, ffd, file, tag, read_only, direct_io);
	if (r == -EINVAL && direct_io) {
		xhp_debug(ctx,
			  "/dev/loop%u: no direct I/O for %s, buffered instead",
			  idx, file);
		r = configure(ctx, lfd, ffd, file, tag, read_only, false);
	}
	if (r == -EBUSY) {
		close(lfd);
		return -EBUSY;
	}
	if (r < 0) {
		close(lfd);
		return xhp_err(
			ctx, r,
			"cannot attach %s to /dev/loop%u (LOOP_CONFIGURE): %s",
			file, idx, strerror(-r));
	}
	fill_loop(lfd, idx, ret);
	close(lfd);
	return 0;
}

static int attach_one(xhp_ctx *ctx, int ctl, int ffd, const char *file,
		      const char *tag, bool read_only, bool direct_io,
		      struct xhp_loop *ret)
{
	int idx;

	idx = xhp_fault(ctx, XHP_FAULT_LOOP, "LOOP_CTL_GET_FREE");
	if (idx == 0)
		idx = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (idx < 0)
		return xhp_err(
			ctx, errno,
			"cannot get a free loop device (LOOP_CTL_GET_FREE): %s",
			strerror(errno));
	return attach_index(ctx, (unsigned int)idx, ffd, file, tag, read_only,
			    direct_io, ret);
}

/*
 * Open the backing file, which must be the checked one: the path may have
 * been replaced since (O_NONBLOCK: a FIFO put there must not block us).
 */
static int open_backing(xhp_ctx *ctx, const char *file, dev_t dev, ino_t ino,
			bool read_only)
{
	struct stat st;
	int fd, fl;

	fd = xhp_fault(ctx, XHP_FAULT_LOOP, "open backing file");
	if (fd == 0)
		fd = open(file, (read_only ? O_RDONLY : O_RDWR) | O_NONBLOCK |
					O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == EROFS || e == EACCES || e == EPERM || e == ETXTBSY)
			return -e;
		return xhp_err(ctx, e, "cannot open %s: %s", file, strerror(e));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != dev ||
	    st.st_ino != ino) {
		close(fd);
		return xhp_err(
			ctx, ESTALE,
			"%s changed between its checks and its attach: left alone",
			file);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;

		close(fd);
		return xhp_err(ctx, e, "cannot set up %s: %s", file,
			       strerror(e));
	}
	return fd;
}

int xhp_loop_attach(xhp_ctx *ctx, const char *file, dev_t dev, ino_t ino,
		    bool read_only, bool direct_io, const char *tag,
		    struct xhp_loop *ret)
{
	int ffd, ctl, r = -EBUSY, i;

	ffd = open_backing(ctx, file, dev, ino, read_only);
	if (ffd < 0)
		return ffd;
	ctl = xhp_fault(ctx, XHP_FAULT_LOOP, "open /dev/loop-control");
	if (ctl == 0)
		ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		r = xhp_err(ctx, errno, "cannot open /dev/loop-control: %s",
			    strerror(errno));
		goto close_file;
	}
	for (i = 0; i < LOOP_ATTACH_TRIES && r == -EBUSY; i++)
		r = attach_one(ctx, ctl, ffd, file, tag, read_only, direct_io,
			       ret);
	if (r == -EBUSY)
		r = xhp_err(
			ctx, EBUSY,
			"cannot attach %s: every free loop device was taken by someone else (%d tries)",
			file, LOOP_ATTACH_TRIES);
	close(ctl);
close_file:
	close(ffd);
	return r;
}

int xhp_loop_attach_at(xhp_ctx *ctx, unsigned int index, const char *file,
		       dev_t dev, ino_t ino, bool read_only, bool direct_io,
		       const char *tag, struct xhp_loop *ret)
{
	char path[32];
	int ffd, ctl, r;

	ffd = open_backing(ctx, file, dev, ino, read_only);
	if (ffd < 0)
		return ffd;
	/* Removed since (LOOP_CTL_REMOVE): the same number again. */
	snprintf(path, sizeof(path), "/dev/loop%u", index);
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
		if (ctl >= 0) {
			if (ioctl(ctl, LOOP_CTL_ADD, (int)index) < 0 &&
			    errno != EEXIST)
				xhp_debug(ctx, "LOOP_CTL_ADD %u: %s", index,
					  strerror(errno));
			close(ctl);
		}
	}
	r = attach_index(ctx, index, ffd, file, tag, read_only, direct_io, ret);
	if (r == -EBUSY)
		r = xhp_err(
			ctx, EBUSY,
			"cannot attach %s to /dev/loop%u: it is attached to another file",
			file, index);
	close(ffd);
	return r;
}

/* Is attached loopN backed by (dev, ino)? 1 yes, 0 no, <0 cannot tell. */
/* Not through the seam: how many devices a scan opens depends on what
 * the rest of the system attached. */
static int loop_backs(unsigned int index, dev_t dev, ino_t ino)
{
	struct loop_info64 info;
	int fd, r;

	fd = open_loop(NULL, index, O_RDONLY);
	if (fd < 0)
		return fd;
	r = ioctl(fd, LOOP_GET_STATUS64, &info) < 0 ? -errno : 0;
	close(fd);
	if (r == -ENXIO)
		return 0;
	if (r < 0)
		return r;
	return kdev_is(info.lo_device, dev) && info.lo_inode == (uint64_t)ino;
}

static bool loop_index_of(const char *name, unsigned int *ret)
{
	uint64_t v;

	if (strncmp(name, "loop", 4) != 0 ||
	    xhp_parse_uint(name + 4, 1u << 20, &v) < 0)
		return false;
	*ret = (unsigned int)v;
	return true;
}

int xhp_loop_find(xhp_ctx *ctx, const char *sysfs_root, dev_t dev, ino_t ino,
		  const char *path, unsigned int *ret, size_t max,
		  size_t *ret_n)
{
	char dir[4096], backing[4096];
	struct dirent *de;
	unsigned int idx;
	size_t n = 0;
	DIR *d;
	int r;

	snprintf(dir, sizeof(dir), "%s/block", root_of(sysfs_root));
	d = opendir(dir);
	if (!d)
		return xhp_err(ctx, errno, "cannot list %s: %s", dir,
			       strerror(errno));
	while ((de = readdir(d))) {
		if (!loop_index_of(de->d_name, &idx))
			continue;
		if (xhp_loop_backing_file(sysfs_root, idx, backing,
					  sizeof(backing)) < 0)
			continue; /* not attached */
		if (sysfs_root)
			r = path && !strcmp(backing, path);
		else
			r = loop_backs(idx, dev, ino);
		/* Cannot ask the device (no node, or an error): go by the
		 * name sysfs gives, so that a sharing check fails closed. */
		if (r < 0)
			r = path && !strcmp(backing, path);
		if (r <= 0)
			continue; /* detached meanwhile, or another file */
		if (n < max)
			ret[n] = idx;
		n++;
	}
	closedir(d);
	*ret_n = n;
	return 0;
}

/* Is loopN's sysfs backing_file "@path (deleted)", or with
 * @or_present, also "@path"? */
static bool backing_name_is(unsigned int index, const char *path,
			    bool or_present)
{
	char b[4096];
	size_t n = strlen(path);

	if (xhp_loop_backing_file(NULL, index, b, sizeof(b)) < 0)
		return false;
	return !strncmp(b, path, n) &&
	       ((or_present && b[n] == '\0') || !strcmp(b + n, " (deleted)"));
}

/*
 * LOOP_CLR_FD on the open loop device @fd (@what: its backing file, for
 * the message). Returns 0, 1 if it was detached meanwhile, or -errno.
 */
static int clear_fd(xhp_ctx *ctx, int fd, unsigned int index, const char *what)
{
	int r;

	if (xhp_fault(ctx, XHP_FAULT_LOOP, "LOOP_CLR_FD") == 0 &&
	    ioctl(fd, LOOP_CLR_FD, 0) == 0)
		return 0;
	r = errno == ENXIO ? 1 : -errno;
	if (r < 0)
		xhp_err(ctx, r, "cannot detach /dev/loop%u (%s): %s", index,
			what, strerror(-r));
	return r;
}

int xhp_loop_detach(xhp_ctx *ctx, unsigned int index, dev_t dev, ino_t ino,
		    const char *path)
{
	char b[4096] = "";
	int fd, r;

	r = open_present(ctx, index, &fd);
	if (r != 0)
		return r;
	if (dev) {
		struct loop_info64 info;

		if (xhp_fault(ctx, XHP_FAULT_LOOP, "LOOP_GET_STATUS64") < 0 ||
		    ioctl(fd, LOOP_GET_STATUS64, &info) < 0) {
			r = errno == ENXIO ? 1 : -errno;
			if (r < 0)
				xhp_err(ctx, r,
					"cannot read the status of /dev/loop%u: %s",
					index, strerror(-r));
			goto close_loop;
		}
		r = kdev_is(info.lo_device, dev) &&
		    info.lo_inode == (uint64_t)ino;
		/* The file at @path was replaced: a deleted one of the same
		 * name is still the one that was attached. */
		if (!r)
			r = backing_name_is(index, path, false);
	} else {
		r = backing_name_is(index, path, true);
	}
	if (!r) {
		if (xhp_loop_backing_file(NULL, index, b, sizeof(b)) < 0) {
			r = 1; /* detached meanwhile */
			goto close_loop;
		}
		r = xhp_err(
			ctx, ESTALE,
			"/dev/loop%u is attached to %s, not to %s: left alone",
			index, b, path);
		goto close_loop;
	}
	r = clear_fd(ctx, fd, index, path);
close_loop:
	close(fd);
	return r;
}

bool xhp_loop_tagged(const char *name, const char *tag)
{
	size_t n = strlen(tag);

	return n && tag[0] != '/' && !strncmp(name, tag, n) &&
	       (name[n] == ' ' || name[n] == '\0');
}

int xhp_loop_is_tagged(unsigned int index, const char *tag)
{
	struct loop_info64 info;
	int fd, r;

	fd = open_loop(NULL, index, O_RDONLY);
	if (fd < 0)
		return 0;
	/* Zeroed: valgrind cannot tell what this old-style ioctl writes. */
	memset(&info, 0, sizeof(info));
	r = ioctl(fd, LOOP_GET_STATUS64, &info) == 0 &&
	    xhp_loop_tagged((const char *)info.lo_file_name, tag);
	close(fd);
	return r;
}

/* What the device open as @fd says of itself. 1: not attached. */
static int read_info(xhp_ctx *ctx, int fd, unsigned int index,
		     struct xhp_loop_info *ret)
{
	struct loop_info64 li;
	struct stat st;
	int r;

	memset(ret, 0, sizeof(*ret));
	memset(&li, 0, sizeof(li)); /* see xhp_loop_is_tagged() */
	if (xhp_fault(ctx, XHP_FAULT_LOOP, "LOOP_GET_STATUS64") < 0 ||
	    ioctl(fd, LOOP_GET_STATUS64, &li) < 0) {
		r = errno == ENXIO ? 1 : -errno;
		if (r < 0)
			xhp_err(ctx, r,
				"cannot read the status of /dev/loop%u: %s",
				index, strerror(-r));
		return r;
	}
	ret->index = index;
	if (fstat(fd, &st) == 0)
		ret->rdev = st.st_rdev;
#ifdef BLKGETDISKSEQ
	if (ioctl(fd, BLKGETDISKSEQ, &ret->diskseq) < 0)
		ret->diskseq = 0;
#endif
	ret->dev = kdev_decode(li.lo_device);
	ret->ino = (ino_t)li.lo_inode;
	memcpy(ret->name, li.lo_file_name, sizeof(ret->name) - 1);
	if (xhp_loop_backing_file(NULL, index, ret->backing,
				  sizeof(ret->backing)) < 0)
		ret->backing[0] = '\0';
	return 0;
}

int xhp_loop_info_get(xhp_ctx *ctx, unsigned int index,
		      struct xhp_loop_info *ret)
{
	int fd, r;

	r = open_present(ctx, index, &fd);
	if (r != 0)
		return r;
	r = read_info(ctx, fd, index, ret);
	close(fd);
	return r;
}

int xhp_loop_detach_if(xhp_ctx *ctx, unsigned int index, xhp_loop_judge judge,
		       void *userdata, char *why, size_t why_size)
{
	struct xhp_loop_info info;
	int fd, r;

	why[0] = '\0';
	r = open_present(ctx, index, &fd);
	if (r != 0)
		return r;
	r = read_info(ctx, fd, index, &info);
	if (r != 0)
		goto close_loop;
	r = judge(ctx, &info, userdata, why, why_size);
	if (r <= 0) {
		r = r < 0 ? r : 2;
		goto close_loop;
	}
	r = clear_fd(ctx, fd, index, info.backing[0] ? info.backing : "?");
close_loop:
	close(fd);
	return r;
}

int xhp_loop_autoclear(const char *sysfs_root, unsigned int index)
{
	char path[4096], c = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/block/loop%u/loop/autoclear",
		 root_of(sysfs_root), index);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	n = read(fd, &c, 1);
	close(fd);
	if (n < 0)
		return -errno;
	return c == '1';
}

int xhp_loop_keep(xhp_ctx *ctx, unsigned int index, const char *tag)
{
	struct loop_info64 li;
	int fd, r;

	r = open_present(ctx, index, &fd);
	if (r == 1)
		return xhp_err(ctx, ENXIO, "/dev/loop%u is not attached",
			       index);
	if (r < 0)
		return r;
	memset(&li, 0, sizeof(li)); /* see xhp_loop_is_tagged() */
	if (xhp_fault(ctx, XHP_FAULT_LOOP, "LOOP_GET_STATUS64") < 0 ||
	    ioctl(fd, LOOP_GET_STATUS64, &li) < 0) {
		r = -errno;
		r = r == -ENXIO ?
			    xhp_err(ctx, ENXIO, "/dev/loop%u is not attached",
				    index) :
			    xhp_err(ctx, r,
				    "cannot read the status of /dev/loop%u: %s",
				    index, strerror(-r));
		goto out;
	}
	if (!xhp_loop_tagged((const char *)li.lo_file_name, tag)) {
		r = xhp_err(
			ctx, EPERM,
			"/dev/loop%u does not carry the mark %s: left alone",
			index, tag);
		goto out;
	}
	if (!(li.lo_flags & LO_FLAGS_AUTOCLEAR)) {
		r = 1;
		goto out;
	}
	/* The whole status back (name, offset, size limit unchanged): only
	 * the flag differs, and LOOP_SET_STATUS may clear it. */
	li.lo_flags &= ~(__u32)LO_FLAGS_AUTOCLEAR;
	r = 0;
	if (xhp_fault(ctx, XHP_FAULT_LOOP, "LOOP_SET_STATUS64") < 0 ||
	    ioctl(fd, LOOP_SET_STATUS64, &li) < 0) {
		r = -errno;
		r = xhp_err(
			ctx, r,
			"cannot clear the autoclear flag of /dev/loop%u (LOOP_SET_STATUS64): %s",
			index, strerror(-r));
	}
out:
	close(fd);
	return r;
}
