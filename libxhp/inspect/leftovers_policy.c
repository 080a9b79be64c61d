// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Leftover guest network policies: a device's nf_tables chain
 * "dev-<ifname>" (nft_list.h) whose device no backend owns. A netdev
 * chain outlives its device and attaches itself again to the next
 * device of that name, which would then get another guest's rules: an
 * offline or remove deletes it, and one that a killed run left is
 * listed here. Whose device a chain is, by the device's name:
 *   - a protocol name vif<D>.<N>[-emu]: backend/vif/<D>/<N>'s;
 *   - the name of a link with xhp's mark (alias vif<D>.<N>[-emu]): the
 *     same backend's (the link was renamed to its vifname);
 *   - the name of another link: not xhp's to judge (a device the
 *     `policy` personality was given, say), never listed;
 *   - a name no link has: the backend whose vifname it is, if any (its
 *     link is gone, or not yet made); with none it is listed.
 * Other chains of the shard tables are not looked at. Removal takes the
 * device's hotplug lock (vif-<D>.<N>, as its runs do), judges again,
 * then deletes the device's chains with their rules in one batch.
 */
#include <stdio.h>
#include <string.h>

#include "leftovers.h"
#include "marks.h"
#include "nft_list.h"
#include "util.h"
#include "xs.h"

enum policy_owner {
	OWNER_PROTO, /* the chain's device has a protocol name */
	OWNER_RENAMED, /* its device is a link with xhp's mark */
	OWNER_NONE /* no link of that name, no backend's vifname */
};

/* The vifname keys of this domain's vif backends, read when a chain of
 * a name no link has is met (a whole-host walk: one read per backend). */
struct vifnames {
	char **v;
	size_t n;
	bool read;
};

static void vifnames_free(struct vifnames *vn)
{
	size_t i;

	for (i = 0; i < vn->n; i++)
		free(vn->v[i]);
	free(vn->v);
	*vn = (struct vifnames){ 0 };
}

static int vifnames_read(xhp_ctx *ctx, struct vifnames *vn)
{
	char **list = NULL, path[512], *v;
	size_t i;
	int r;

	if (vn->read)
		return 0;
	r = xhp_backend_list(ctx, "vif", -1, &list);
	if (r < 0)
		return r;
	vn->v = calloc((size_t)r + 1, sizeof(*vn->v));
	if (!vn->v) {
		xhp_backend_list_free(list);
		return xhp_err(ctx, ENOMEM, "out of memory");
	}
	for (i = 0; r >= 0 && list[i]; i++) {
		snprintf(path, sizeof(path), "%s/vifname", list[i]);
		v = NULL;
		r = xhp_xs_read(ctx, XBT_NULL, path, &v);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r >= 0 && v[0])
			vn->v[vn->n++] = v;
		else
			free(v);
	}
	xhp_backend_list_free(list);
	vn->read = r >= 0;
	return r < 0 ? r : 0;
}

/* Whether a backend's vifname names @ifname (its vif, or its tap with
 * "-emu"): 1, 0, or -errno (said). */
static int vifname_claimed(xhp_ctx *ctx, struct vifnames *vn,
			   const char *ifname)
{
	size_t i, len;
	int r;

	r = vifnames_read(ctx, vn);
	if (r < 0)
		return r;
	for (i = 0; i < vn->n; i++) {
		len = strlen(vn->v[i]);
		if (!strcmp(ifname, vn->v[i]) ||
		    (!strncmp(ifname, vn->v[i], len) &&
		     !strcmp(ifname + len, "-emu")))
			return 1;
	}
	return 0;
}

static const struct xhp_link *marked(const struct marked_links *m,
				     const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return &m->v[i];
	return NULL;
}

/*
 * Whose chain @c is: 1 with @o filled (domid, devid, mark, owner) when
 * no backend owns it, 0 when one does (or it is not xhp's to judge),
 * -errno (said).
 */
static int judge(xhp_ctx *ctx, struct xhp_nl *nl,
		 const struct marked_links *links, struct vifnames *vn,
		 const char *ifname, struct leftover *o)
{
	const struct xhp_link *ml;
	struct xhp_link k;
	unsigned int d, n;
	int r;

	o->domid = -1;
	if (xhp_mark_vif_alias(ifname, &d, &n)) {
		o->owner = OWNER_PROTO;
	} else if ((ml = marked(links, ifname))) {
		xhp_mark_vif_alias(ml->alias, &d, &n);
		o->owner = OWNER_RENAMED;
		snprintf(o->mark, sizeof(o->mark), "%s", ml->alias);
	} else {
		r = xhp_nl_link_get(ctx, nl, ifname, 0, &k);
		if (r != -ENODEV)
			return r < 0 ? r : 0;
		xhp_clear_error(ctx);
		o->owner = OWNER_NONE;
		r = vifname_claimed(ctx, vn, ifname);
		return r < 0 ? r : !r;
	}
	o->domid = (int)d;
	o->devid = n;
	snprintf(o->type, sizeof(o->type), "vif");
	r = xhp_backend_exists(ctx, "vif", d, n);
	return r < 0 ? r : !r;
}

static int list_one(xhp_ctx *ctx, xhp_leftovers *l, struct leftover *o)
{
	const char *name = o->ifname, *t = o->table;
	char chain[IFNAMSIZ + 8];

	snprintf(chain, sizeof(chain), "%s%s", XHP_NFT_CHAIN_PREFIX, name);
	switch (o->owner) {
	case OWNER_PROTO:
		return xhp_leftovers_add(
			ctx, l, o, chain,
			"chain %s in table netdev %s is the guest network policy of %s, and backend/vif/%d/%u is gone",
			chain, t, name, o->domid, o->devid);
	case OWNER_RENAMED:
		return xhp_leftovers_add(
			ctx, l, o, chain,
			"chain %s in table netdev %s is the guest network policy of %s (renamed from %s by xhp), and backend/vif/%d/%u is gone",
			chain, t, name, o->mark, o->domid, o->devid);
	default:
		return xhp_leftovers_add(
			ctx, l, o, chain,
			"chain %s in table netdev %s is a guest network policy of %s, and no link %s exists nor has a backend the vifname %s",
			chain, t, name, name, name);
	}
}

int xhp_leftovers_scan_policy(xhp_ctx *ctx, struct xhp_nl *nl,
			      const struct marked_links *links,
			      xhp_leftovers *l)
{
	struct xhp_nft_dev_chain *c = NULL;
	struct vifnames vn = { 0 };
	struct xhp_nft *nft;
	struct leftover o;
	int r, n, i;

	r = xhp_nft_get(ctx, &nft);
	if (r < 0)
		return r;
	n = xhp_nft_dev_chains(ctx, nft, &c);
	if (n < 0)
		return n;
	for (i = 0, r = 0; r >= 0 && i < n; i++) {
		o = (struct leftover){ .kind = XHP_LEFTOVER_POLICY };
		r = judge(ctx, nl, links, &vn, c[i].ifname, &o);
		if (r <= 0)
			continue;
		memcpy(o.table, c[i].table, sizeof(o.table));
		memcpy(o.ifname, c[i].ifname, sizeof(o.ifname));
		r = list_one(ctx, l, &o);
	}
	vifnames_free(&vn);
	free(c);
	return r < 0 ? r : 0;
}

/* Judge @o again, now: 0 still no backend's, or -EBUSY (said). */
static int judge_again(xhp_ctx *ctx, struct xhp_nl *nl,
		       const struct leftover *o)
{
	struct vifnames vn = { 0 };
	struct xhp_link k;
	int r;

	r = xhp_nl_link_get(ctx, nl, o->ifname, 0, &k);
	if (r == -ENODEV) {
		xhp_clear_error(ctx);
		k.ifindex = 0;
	} else if (r < 0) {
		return r;
	}
	if (o->owner == OWNER_RENAMED && k.ifindex && strcmp(k.alias, o->mark))
		return xhp_err(
			ctx, EBUSY,
			"link %s changed since the scan (alias now '%s'): chain %s%s left alone",
			o->ifname, k.alias, XHP_NFT_CHAIN_PREFIX, o->ifname);
	if (o->owner == OWNER_NONE && k.ifindex)
		return xhp_err(ctx, EBUSY,
			       "link %s exists now: chain %s%s left alone",
			       o->ifname, XHP_NFT_CHAIN_PREFIX, o->ifname);
	if (o->owner == OWNER_NONE) {
		r = vifname_claimed(ctx, &vn, o->ifname);
		vifnames_free(&vn);
		if (r > 0)
			r = xhp_err(
				ctx, EBUSY,
				"a backend has the vifname %s now: chain %s%s left alone",
				o->ifname, XHP_NFT_CHAIN_PREFIX, o->ifname);
		return r < 0 ? r : 0;
	}
	r = xhp_backend_exists(ctx, "vif", (unsigned int)o->domid, o->devid);
	if (r > 0)
		r = xhp_err(
			ctx, EBUSY,
			"backend/vif/%d/%u exists again: chain %s%s left alone",
			o->domid, o->devid, XHP_NFT_CHAIN_PREFIX, o->ifname);
	return r < 0 ? r : 0;
}

int xhp_leftovers_remove_policy(xhp_ctx *ctx, const struct leftover *o)
{
	struct xhp_nl *nl = NULL;
	struct xhp_nft *nft;
	xhp_lock *lock = NULL;
	char name[48];
	int r = 0;

	/* The device's runs hold it from their checks to their report. */
	if (o->domid >= 0) {
		snprintf(name, sizeof(name), "vif-%d.%u", o->domid, o->devid);
		r = xhp_lock_acquire(ctx, name, &lock);
	}
	if (r >= 0)
		r = xhp_nl_open(ctx, &nl);
	if (r >= 0)
		r = judge_again(ctx, nl, o);
	if (r >= 0)
		r = xhp_nft_get(ctx, &nft);
	if (r >= 0)
		r = xhp_nft_dev_present(ctx, nft, o->ifname);
	if (r == 0)
		r = 1; /* gone already */
	else if (r > 0)
		r = xhp_nft_dev_remove(ctx, nft, o->ifname);
	xhp_nl_close(nl);
	xhp_lock_release(lock);
	return r;
}
