// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * params -> a block device or a regular file: paths, /dev-relative names,
 * symlinks, and libblkid tags (UUID=, LABEL=, PARTUUID=, PARTLABEL=).
 */
#include <blkid.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "blockdev.h"
#include "util.h"

static const char *const tags[] = { "UUID=", "LABEL=", "PARTUUID=",
				    "PARTLABEL=" };

bool xhp_bdev_is_tag(const char *params)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tags); i++)
		if (!strncmp(params, tags[i], strlen(tags[i])))
			return true;
	return false;
}

char xhp_bdev_mode(const char *s)
{
	if (!s || !strchr(s, 'w'))
		return 'r';
	return strchr(s, '!') ? '!' : 'w';
}

void xhp_bdev_clear(struct xhp_bdev *b)
{
	free(b->path);
	memset(b, 0, sizeof(*b));
}

/* The devices shown by name in a "matches N devices" refusal. */
#define TAG_MATCHES_SHOWN 8

struct tag_matches {
	dev_t rdev[TAG_MATCHES_SHOWN];
	size_t n; /* distinct devices, may exceed TAG_MATCHES_SHOWN */
	char *first; /* the first one's name */
	char list[TAG_MATCHES_SHOWN * 40 + 8]; /* "/dev/a, /dev/b" */
};

/* One device carrying the tag: counted once whatever its names. */
static int tag_match(struct tag_matches *m, const char *name)
{
	char q[XHP_QUOTE_MAX];
	struct stat st;
	size_t i, len;

	if (stat(name, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0; /* gone since the probe */
	for (i = 0; i < m->n && i < TAG_MATCHES_SHOWN; i++)
		if (m->rdev[i] == st.st_rdev)
			return 0;
	if (m->n < TAG_MATCHES_SHOWN) {
		m->rdev[m->n] = st.st_rdev;
		len = strlen(m->list);
		snprintf(m->list + len, sizeof(m->list) - len, "%s%s",
			 m->n ? ", " : "", xhp_quote(q, name));
	} else if (m->n == TAG_MATCHES_SHOWN) {
		len = strlen(m->list);
		snprintf(m->list + len, sizeof(m->list) - len, ", ...");
	}
	if (!m->n) {
		m->first = strdup(name);
		if (!m->first)
			return -ENOMEM;
	}
	m->n++;
	return 0;
}

/*
 * A tag through libblkid: every block device is probed (no udev links
 * or cache file trusted) and the device must be the only one with the
 * tag. Guests write the labels and UUIDs of the file systems on their
 * own disks, which are block devices here too (loop devices, LVs): a
 * tag that more than one device carries is refused, not resolved to
 * whichever libblkid finds first.
 */
static int resolve_tag(xhp_ctx *ctx, const char *params, char **ret)
{
	char q[XHP_QUOTE_MAX];
	struct tag_matches m = { .n = 0 };
	_cleanup_free_ char *type = NULL, *value = NULL;
	blkid_cache cache = NULL;
	blkid_dev_iterate it;
	blkid_dev dev;
	int r = 0;

	if (blkid_parse_tag_string(params, &type, &value) < 0 || !type ||
	    !value)
		return xhp_err(ctx, EINVAL, "bad tag %s", xhp_quote(q, params));
	/* A private cache: never read or rewrite the system's cache file. */
	if (blkid_get_cache(&cache, "/dev/null") < 0)
		return xhp_err(ctx, ENOMEM, "libblkid: cannot make a cache");
	if (blkid_probe_all(cache) < 0) {
		r = xhp_err(ctx, EIO,
			    "libblkid: cannot probe the block devices");
		goto put_cache;
	}
	it = blkid_dev_iterate_begin(cache);
	if (!it || blkid_dev_set_search(it, type, value) < 0) {
		blkid_dev_iterate_end(it);
		r = xhp_err(ctx, ENOMEM, "out of memory");
		goto put_cache;
	}
	while (r >= 0 && blkid_dev_next(it, &dev) == 0)
		r = tag_match(&m, blkid_dev_devname(dev));
	blkid_dev_iterate_end(it);
	if (r < 0)
		r = xhp_err(ctx, -r, "out of memory");
	else if (m.n == 0)
		r = xhp_err(ctx, ENOENT, "no block device has %s",
			    xhp_quote(q, params));
	else if (m.n > 1)
		r = xhp_err(ctx, ENOTUNIQ, "%s matches %zu devices: %s",
			    xhp_quote(q, params), m.n, m.list);
	else
		*ret = TAKE_PTR(m.first);
put_cache:
	free(m.first);
	blkid_put_cache(cache);
	return r;
}

bool xhp_bdev_has_dotdot(const char *name)
{
	const char *p = name;

	while ((p = strstr(p, ".."))) {
		if ((p == name || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
		p += 2;
	}
	return false;
}

int xhp_bdev_resolve(xhp_ctx *ctx, const char *params, struct xhp_bdev *ret)
{
	char q[XHP_QUOTE_MAX], canon[PATH_MAX];
	_cleanup_free_ char *given = NULL;
	bool relative = false;
	struct stat st;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!params[0])
		return xhp_err(ctx, EINVAL, "params is empty");
	if (xhp_bdev_is_tag(params)) {
		r = resolve_tag(ctx, params, &given);
		if (r < 0)
			return r;
	} else if (params[0] == '/') {
		given = strdup(params);
	} else {
		if (xhp_bdev_has_dotdot(params))
			return xhp_err(ctx, EINVAL,
				       "device name %s has a '..' component",
				       xhp_quote(q, params));
		relative = true;
		if (asprintf(&given, "/dev/%s", params) < 0)
			given = NULL;
	}
	if (!given)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (!realpath(given, canon)) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			return xhp_err(ctx, ENOENT, "%s does not exist",
				       xhp_quote(q, given));
		return xhp_err(ctx, e, "cannot resolve %s: %s",
			       xhp_quote(q, given), strerror(e));
	}
	if (stat(canon, &st) < 0)
		return xhp_err(ctx, errno, "cannot stat %s: %s",
			       xhp_quote(q, canon), strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		ret->kind = XHP_BDEV_PHY;
		ret->rdev = st.st_rdev;
	} else if (S_ISREG(st.st_mode) && !relative) {
		ret->kind = XHP_BDEV_FILE;
		ret->dev = st.st_dev;
		ret->ino = st.st_ino;
		ret->perm = st.st_mode & 07777;
	} else {
		return xhp_err(ctx, ENOTBLK, "%s is not a block device%s",
			       xhp_quote(q, canon),
			       relative ? "" : " or a regular file");
	}
	ret->path = strdup(canon);
	if (!ret->path)
		return xhp_err(ctx, ENOMEM, "out of memory");
	return 0;
}
