// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Other block backends using a device, with the rules of Xen's
 * check_sharing and same_vm: one pass over <home>/backend/vbd{,3} (no
 * transaction, see scan_all), reading each backend's physical-device and,
 * only for a match, its mode and the domains' vm and target. Unlike Xen,
 * a vm key that is missing or unreadable proves nothing: see same_vm.
 */
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "blockdev.h"
#include "keys.h"
#include "util.h"
#include "xs.h"

/* Longer than any path xenstore accepts, plus a key. */
#define SCAN_PATH_MAX (XENSTORE_ABS_PATH_MAX + 32)

/*
 * @a/@b into @buf. A path that does not fit is refused by xenstore
 * anyway: fail the check rather than read a cut path.
 */
static int join(xhp_ctx *ctx, char buf[SCAN_PATH_MAX], const char *a,
		const char *b)
{
	char q[XHP_QUOTE_MAX];
	int n = snprintf(buf, SCAN_PATH_MAX, "%s/%s", a, b);

	if (n < 0 || n >= SCAN_PATH_MAX)
		return xhp_err(ctx, ENAMETOOLONG,
			       "sharing check: xenstore path too long under %s",
			       xhp_quote(q, a));
	return 0;
}

struct scan {
	const char *self; /* our backend, absolute or relative */
	unsigned int frontend_id;
	const dev_t *devs;
	size_t n;
	char mode;
	char homes[2][64]; /* where to look: "" is our own home */
	size_t n_homes;
	/* per attempt; NULL: missing or unreadable */
	char *frontend_vm; /* Xen's FRONTEND_UUID */
	char *frontend_uuid; /* the same without a "-1" suffix */
	char *target_vm; /* vm of the frontend's target */
	bool have_frontend;
	struct xhp_share_hit *hit;
	int found;
};

/*
 * A node the scan may find missing: ENOENT, or EACCES (another domain's
 * keys seen from a driver domain), as Xen's xenstore_read_default. Any
 * other failure fails the check: a conflict it cannot see is no answer.
 */
static int scan_error(xhp_ctx *ctx, const char *what, const char *path)
{
	int e = errno ? errno : EIO;
	char q[XHP_QUOTE_MAX];

	if (e == ENOENT || e == EACCES)
		return 0;
	return xhp_err(ctx, e, "sharing check: cannot %s xenstore %s: %s", what,
		       xhp_quote(q, path), strerror(e));
}

/*
 * Read a key or give a copy of @def; with @def NULL, *ret is NULL when
 * the key is missing, unreadable, empty or not a string. Returns 0 or a
 * negative errno.
 */
static int read_default(xhp_ctx *ctx, xs_transaction_t t, const char *path,
			const char *def, char **ret)
{
	unsigned int len;
	char *v = xhp_xs_raw_read(ctx, t, path, &len);
	int r;

	if (v && strlen(v) == len && (def || len)) {
		*ret = v;
		return 0;
	}
	free(v);
	if (!v) {
		r = scan_error(ctx, "read", path);
		if (r < 0)
			return r;
	}
	*ret = def ? strdup(def) : NULL;
	return *ret || !def ? 0 : -ENOMEM;
}

static int dom_key(xhp_ctx *ctx, xs_transaction_t t, const char *dom,
		   const char *key, const char *def, char **ret)
{
	char home[SCAN_PATH_MAX], path[SCAN_PATH_MAX];
	int r;

	r = join(ctx, home, "/local/domain", dom);
	if (r >= 0)
		r = join(ctx, path, home, key);
	if (r < 0)
		return r;
	return read_default(ctx, t, path, def, ret);
}

/* The frontend's side of same_vm, read once per attempt. */
static int frontend_info(xhp_ctx *ctx, xs_transaction_t t, struct scan *s)
{
	char dom[16];
	_cleanup_free_ char *target = NULL;
	size_t l;
	int r;

	if (s->have_frontend)
		return 0;
	snprintf(dom, sizeof(dom), "%u", s->frontend_id);
	r = dom_key(ctx, t, dom, "vm", NULL, &s->frontend_vm);
	if (r < 0)
		return r;
	if (s->frontend_vm) {
		s->frontend_uuid = strdup(s->frontend_vm);
		if (!s->frontend_uuid)
			return -ENOMEM;
		/* Xen: frontend_uuid=${FRONTEND_UUID%-1} */
		l = strlen(s->frontend_uuid);
		if (l >= 2 && !strcmp(s->frontend_uuid + l - 2, "-1"))
			s->frontend_uuid[l - 2] = '\0';
	}
	r = dom_key(ctx, t, dom, "target", "-1", &target);
	if (r < 0)
		return r;
	r = dom_key(ctx, t, target, "vm", NULL, &s->target_vm);
	if (r < 0)
		return r;
	s->have_frontend = true;
	return 0;
}

/* Two owners are the same only when both are known and equal. */
static bool same_owner(const char *a, const char *b)
{
	return a && b && a[0] && !strcmp(a, b);
}

/*
 * Xen's same_vm for the other backend's frontend domain @dom, failing
 * closed: 1 when @dom is our frontend domain itself, or when a vm key
 * known on both sides (the domains' own, or their targets') is the
 * same; else 0. Xen defaults a missing vm to "unknown" for our frontend
 * and to our frontend's for the other domain, so two guests whose vm
 * keys are missing or unreadable (EACCES in a driver domain) were the
 * "same VM" and both got the image read-write; here an owner that
 * cannot be read is another VM. (Xen's reason was xend removing a
 * dying domain's keys before its backends: such a race now refuses the
 * add busy instead of sharing the disk read-write.)
 */
static int same_vm(xhp_ctx *ctx, xs_transaction_t t, struct scan *s,
		   const char *dom)
{
	_cleanup_free_ char *othervm = NULL, *otarget = NULL, *otvm = NULL;
	char fe[16];
	int r;

	snprintf(fe, sizeof(fe), "%u", s->frontend_id);
	if (!strcmp(dom, fe))
		return 1;
	r = frontend_info(ctx, t, s);
	if (r < 0)
		return r;
	r = dom_key(ctx, t, dom, "vm", NULL, &othervm);
	if (r >= 0)
		r = dom_key(ctx, t, dom, "target", "-1", &otarget);
	if (r >= 0)
		r = dom_key(ctx, t, otarget, "vm", NULL, &otvm);
	if (r < 0)
		return r;
	return same_owner(s->frontend_uuid, othervm) ||
	       same_owner(s->target_vm, othervm) ||
	       same_owner(s->frontend_uuid, otvm) ||
	       same_owner(s->target_vm, otvm);
}

static bool matches(const struct scan *s, const char *pd, dev_t *ret)
{
	unsigned int ma, mi;
	const char *why;
	size_t i;

	if (xhp_parse_physical_device(pd, &ma, &mi, &why) < 0)
		return false;
	for (i = 0; i < s->n; i++)
		if (major(s->devs[i]) == ma && minor(s->devs[i]) == mi) {
			*ret = s->devs[i];
			return true;
		}
	return false;
}

static void hit(struct scan *s, const char *dir, const char *dom, dev_t d,
		char mode)
{
	/* For the message only: a long path is cut. */
	snprintf(s->hit->path, sizeof(s->hit->path), "%.*s",
		 (int)sizeof(s->hit->path) - 1, dir);
	s->hit->dev = d;
	s->hit->mode = mode;
	s->hit->domid = (unsigned int)strtoul(dom, NULL, 10);
}

/* One backend directory <dir> (= <base>/<dom>/<dev>). 1: conflict. */
static int check_backend(xhp_ctx *ctx, xs_transaction_t t, struct scan *s,
			 const char *dir, const char *dom)
{
	_cleanup_free_ char *pd = NULL, *m = NULL;
	char path[SCAN_PATH_MAX];
	unsigned int len;
	dev_t d;
	char mode;
	int r;

	r = join(ctx, path, dir, "physical-device");
	if (r < 0)
		return r;
	pd = xhp_xs_raw_read(ctx, t, path, &len);
	if (!pd)
		return scan_error(ctx, "read", path);
	if (!matches(s, pd, &d))
		return 0;
	mode = 'w';
	if (s->mode != 'w') {
		r = join(ctx, path, dir, "mode");
		if (r < 0)
			return r;
		r = read_default(ctx, t, path, "", &m);
		if (r < 0)
			return r;
		mode = xhp_bdev_mode(m);
		if (mode != 'w')
			return 0;
	}
	r = same_vm(ctx, t, s, dom);
	if (r != 0)
		return r < 0 ? r : 0;
	hit(s, dir, dom, d, mode);
	return 1;
}

/* Is @dir (under @home) our own backend? */
static bool is_self(const struct scan *s, const char *home, const char *dir)
{
	if (s->self[0] == '/' && home[0])
		return !strcmp(dir, s->self);
	if (s->self[0] != '/' && !home[0])
		return !strcmp(dir, s->self);
	return false;
}

static int scan_base(xhp_ctx *ctx, xs_transaction_t t, struct scan *s,
		     const char *home, const char *type)
{
	char base[128], sub[SCAN_PATH_MAX], dir[SCAN_PATH_MAX];
	unsigned int nd, nv, i, j;
	char **doms, **devs;
	int r = 0;

	snprintf(base, sizeof(base), "%s%sbackend/%s", home, home[0] ? "/" : "",
		 type);
	doms = xhp_xs_raw_directory(ctx, t, base, &nd);
	if (!doms)
		return scan_error(ctx, "list", base);
	for (i = 0; i < nd && r == 0; i++) {
		r = join(ctx, sub, base, doms[i]);
		if (r < 0)
			break;
		devs = xhp_xs_raw_directory(ctx, t, sub, &nv);
		if (!devs) {
			r = scan_error(ctx, "list", sub);
			continue;
		}
		for (j = 0; j < nv && r == 0; j++) {
			r = join(ctx, dir, sub, devs[j]);
			if (r < 0)
				break;
			if (is_self(s, home, dir))
				continue;
			r = check_backend(ctx, t, s, dir, doms[i]);
		}
		free(devs);
	}
	free(doms);
	return r;
}

static void scan_reset(struct scan *s)
{
	free(s->frontend_vm);
	free(s->frontend_uuid);
	free(s->target_vm);
	s->frontend_vm = s->frontend_uuid = s->target_vm = NULL;
	s->have_frontend = false;
	s->found = 0;
}

/*
 * Not in a transaction, as Xen's check_sharing: the physical-device keys
 * that matter are written by adds under the block lock, which our caller
 * holds, so a snapshot would order nothing more; and a transaction over
 * every backend conflicts whenever any backend directory comes or goes
 * (guests starting), which made a whole new scan each time and failed
 * the add after 16 of them. A backend gone meanwhile reads as missing.
 */
static int scan_all(xhp_ctx *ctx, struct scan *s)
{
	static const char *const types[] = { "vbd", "vbd3" };
	size_t h, k;
	int r;

	scan_reset(s);
	r = xhp_xs_open(ctx);
	if (r < 0)
		return r;
	for (h = 0; h < s->n_homes; h++)
		for (k = 0; k < ARRAY_SIZE(types); k++) {
			r = scan_base(ctx, XBT_NULL, s, s->homes[h], types[k]);
			if (r < 0)
				return r;
			if (r > 0) {
				s->found = 1;
				return 0;
			}
		}
	return 0;
}

/* Which homes to scan: the backend's own domain, and dom0's. */
static void pick_homes(struct scan *s, const char *backend_path)
{
	unsigned int d;

	s->n_homes = 0;
	if (backend_path[0] != '/') {
		snprintf(s->homes[s->n_homes++], sizeof(s->homes[0]), "%s", "");
		return;
	}
	if (sscanf(backend_path, "/local/domain/%u/", &d) == 1) {
		snprintf(s->homes[s->n_homes++], sizeof(s->homes[0]),
			 "/local/domain/%u", d);
		if (d != 0)
			snprintf(s->homes[s->n_homes++], sizeof(s->homes[0]),
				 "%s", "/local/domain/0");
	}
}

#define SHARE_CANDIDATES_MAX 64

/*
 * With the context's index: only the backends it names for our devices
 * (the same checks on each). 1: conflict; -E2BIG: too many to list.
 */
static int scan_index(xhp_ctx *ctx, struct scan *s)
{
	const struct xhp_share_index *ix = ctx->share_index;
	char(*paths)[XHP_SHARE_PATH_MAX];
	char dom[16];
	unsigned int home, fe, devid;
	size_t i;
	int k, r = 0, n;

	paths = calloc(SHARE_CANDIDATES_MAX, sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	scan_reset(s);
	for (i = 0; i < s->n && r == 0; i++) {
		n = ix->lookup(ix, s->devs[i], paths, SHARE_CANDIDATES_MAX);
		if (n < 0) {
			r = n;
			break;
		}
		for (k = 0; k < n && r == 0; k++) {
			if (!strcmp(paths[k], s->self) ||
			    sscanf(paths[k],
				   "/local/domain/%u/backend/%*[a-z0-9]/%u/%u",
				   &home, &fe, &devid) != 3)
				continue;
			snprintf(dom, sizeof(dom), "%u", fe);
			r = check_backend(ctx, XBT_NULL, s, paths[k], dom);
		}
	}
	free(paths);
	if (r > 0)
		s->found = 1;
	if (r == 0)
		for (i = 0; i < s->n; i++)
			ix->claim(ix, s->devs[i], s->self);
	return r < 0 ? r : 0;
}

static int scan(xhp_ctx *ctx, struct scan *s, struct xhp_share_hit *ret)
{
	struct xhp_share_hit h;
	int r = -E2BIG;

	memset(&h, 0, sizeof(h));
	s->hit = &h;
	pick_homes(s, s->self);
	if (ctx->share_index && s->self[0] == '/') {
		r = xhp_xs_open(ctx);
		if (r >= 0)
			r = scan_index(ctx, s);
	}
	if (r == -E2BIG)
		r = scan_all(ctx, s);
	if (r == -ENOMEM)
		r = xhp_err(ctx, ENOMEM, "out of memory");
	if (r >= 0 && s->found) {
		if (ret)
			*ret = h;
		r = 1;
	}
	scan_reset(s);
	return r;
}

int xhp_backend_conflict(xhp_ctx *ctx, const char *backend_path,
			 unsigned int frontend_id, const dev_t *devs, size_t n,
			 char mode, struct xhp_share_hit *ret)
{
	struct scan s = {
		.self = backend_path,
		.frontend_id = frontend_id,
		.devs = devs,
		.n = n,
		.mode = mode,
	};

	return scan(ctx, &s, ret);
}
