// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Users of a device in this domain that conflict with a vbd's mode:
 * mounts, from /proc/self/mountinfo (Xen's check_sharing reads
 * /proc/mounts), and the kernel's other holders, which Xen does not
 * look for: swap, stacked devices, anything that claims it exclusively.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blockdev.h"
#include "mounts.h"

/* Undo mountinfo's octal escapes (\040 ...) in place. */
static void unescape(char *s)
{
	char *w = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

static bool opts_ro(const char *opts)
{
	return !strncmp(opts, "ro", 2) && (opts[2] == ',' || !opts[2]);
}

static bool in_set(dev_t d, const dev_t *devs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (devs[i] == d)
			return true;
	return false;
}

/* Split one mountinfo line; false when it is malformed. */
bool xhp_mountinfo_parse_line(char *line, struct xhp_mount_line *m)
{
	char *f[7], *save = NULL, *tok, *opts, *sep, *super;
	unsigned int ma, mi;
	int i;

	for (i = 0; i < 6; i++) {
		tok = strtok_r(i ? NULL : line, " ", &save);
		if (!tok)
			return false;
		f[i] = tok;
	}
	if (sscanf(f[2], "%u:%u", &ma, &mi) != 2)
		return false;
	opts = f[5];
	sep = strstr(save ? save : "", "- ");
	if (!sep)
		return false;
	/* after "- ": fstype source superopts */
	tok = strtok_r(sep + 2, " ", &save); /* fstype */
	m->source = tok ? strtok_r(NULL, " ", &save) : NULL;
	super = m->source ? strtok_r(NULL, " \n", &save) : NULL;
	if (!m->source)
		return false;
	m->dev = makedev(ma, mi);
	m->point = f[4];
	m->ro = opts_ro(opts) || (super && opts_ro(super));
	unescape(m->point);
	unescape(m->source);
	return true;
}

int xhp_mount_conflict(xhp_ctx *ctx, const char *proc_root, const dev_t *devs,
		       size_t n, char mode, dev_t *ret_dev, char *where,
		       size_t where_size, bool *ret_ro)
{
	char path[4096], *line = NULL;
	struct xhp_mount_line m;
	size_t cap = 0;
	struct stat st;
	int r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/self/mountinfo",
		 proc_root ? proc_root : "/proc");
	f = fopen(path, "re");
	if (!f)
		return xhp_err(ctx, errno, "cannot read %s: %s", path,
			       strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		dev_t d;

		if (!xhp_mountinfo_parse_line(line, &m))
			continue;
		if (mode != 'w' && m.ro)
			continue;
		if (in_set(m.dev, devs, n))
			d = m.dev;
		else if (!strncmp(m.source, "/dev/", 5) &&
			 stat(m.source, &st) == 0 && S_ISBLK(st.st_mode) &&
			 in_set(st.st_rdev, devs, n))
			d = st.st_rdev;
		else
			continue;
		*ret_dev = d;
		snprintf(where, where_size, "%s", m.point);
		*ret_ro = m.ro;
		r = 1;
		break;
	}
	free(line);
	fclose(f);
	return r;
}

/* An active swap area on one of @devs (swap writes: any mode). */
static int swap_conflict(xhp_ctx *ctx, const char *proc_root, const dev_t *devs,
			 size_t n, dev_t *ret_dev, char *what, size_t what_size)
{
	char path[4096], *line = NULL, *name, *save;
	size_t cap = 0;
	struct stat st;
	int r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/swaps",
		 proc_root ? proc_root : "/proc");
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0; /* a kernel without swap */
		return xhp_err(ctx, errno, "cannot read %s: %s", path,
			       strerror(errno));
	}
	/* "Filename Type Size Used Priority", then one line per area. */
	while (r == 0 && getline(&line, &cap, f) > 0) {
		name = strtok_r(line, " \t\n", &save);
		if (!name || name[0] != '/')
			continue;
		unescape(name);
		if (stat(name, &st) < 0 || !S_ISBLK(st.st_mode) ||
		    !in_set(st.st_rdev, devs, n))
			continue;
		*ret_dev = st.st_rdev;
		snprintf(what, what_size, "an active swap area (%s)", path);
		r = 1;
	}
	free(line);
	fclose(f);
	return r;
}

/* Is the holder @name in @dir read-only (its ro attribute is 1)? */
static bool holder_ro(DIR *dir, const char *name)
{
	char path[300], v[8] = "";
	ssize_t k;
	int fd, w;

	w = snprintf(path, sizeof(path), "%s/ro", name);
	if (w < 0 || (size_t)w >= sizeof(path))
		return false;
	fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	k = read(fd, v, sizeof(v) - 1);
	close(fd);
	return k > 0 && v[0] == '1' && (v[1] == '\n' || !v[1]);
}

/*
 * A device stacked on @d (device-mapper, md, bcache ...): its holders
 * directory in sysfs, looked up by device number.
 */
static int holders_conflict(xhp_ctx *ctx, const char *sysfs_root, dev_t d,
			    char mode, char *what, size_t what_size)
{
	char dir[4096];
	struct dirent *de;
	int r = 0;
	DIR *h;

	snprintf(dir, sizeof(dir), "%s/dev/block/%u:%u/holders",
		 sysfs_root ? sysfs_root : "/sys", major(d), minor(d));
	h = opendir(dir);
	if (!h) {
		if (errno == ENOENT)
			return 0;
		return xhp_err(ctx, errno, "cannot list %s: %s", dir,
			       strerror(errno));
	}
	while (r == 0 && (de = readdir(h))) {
		if (de->d_name[0] == '.')
			continue;
		if (mode != 'w' && holder_ro(h, de->d_name))
			continue;
		snprintf(what, what_size, "held%s by %s (%s)",
			 mode != 'w' ? " read-write" : "", de->d_name, dir);
		r = 1;
	}
	closedir(h);
	return r;
}

/*
 * The kernel refuses an exclusive open with EBUSY while anything claims
 * the device: a mount (also of one of its partitions), swap, a holder,
 * mkfs... O_NONBLOCK: no wait for a medium.
 */
static int exclusive_probe(xhp_ctx *ctx, const char *path, dev_t d, char *what,
			   size_t what_size)
{
	struct stat st;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_EXCL | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == EBUSY) {
		snprintf(
			what, what_size,
			"in use (the kernel refuses an exclusive open of %s: %s)",
			path, strerror(EBUSY));
		return 1;
	}
	if (fd < 0)
		return xhp_err(ctx, errno,
			       "cannot open %s to see what holds it: %s", path,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != d)
		r = xhp_err(ctx, ESTALE, "%s changed while being checked",
			    path);
	close(fd);
	return r;
}

int xhp_holder_conflict(xhp_ctx *ctx, const char *sysfs_root,
			const char *proc_root, const dev_t *devs,
			const char *const *paths, size_t n, char mode,
			dev_t *ret_dev, char *what, size_t what_size)
{
	size_t i;
	int r;

	r = swap_conflict(ctx, proc_root, devs, n, ret_dev, what, what_size);
	for (i = 0; r == 0 && i < n; i++) {
		r = holders_conflict(ctx, sysfs_root, devs[i], mode, what,
				     what_size);
		if (r == 0 && paths && mode == 'w')
			r = exclusive_probe(ctx, paths[i], devs[i], what,
					    what_size);
		if (r > 0)
			*ret_dev = devs[i];
	}
	return r;
}
