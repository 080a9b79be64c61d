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

/* A tag through libblkid; probes devices (there may be no udev links). */
static int resolve_tag(xhp_ctx *ctx, const char *params, char **ret)
{
	char q[XHP_QUOTE_MAX];
	blkid_cache cache = NULL;
	char *dev;

	/* A private cache: never read or rewrite the system's cache file. */
	if (blkid_get_cache(&cache, "/dev/null") < 0)
		return xhp_err(ctx, ENOMEM, "libblkid: cannot make a cache");
	dev = blkid_evaluate_tag(params, NULL, &cache);
	blkid_put_cache(cache);
	if (!dev)
		return xhp_err(ctx, ENOENT, "no block device has %s",
			       xhp_quote(q, params));
	*ret = dev;
	return 0;
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
				       "device name %s has a "
				       "'..' component",
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
