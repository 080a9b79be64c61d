// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vif's identity: its names, its links, its lock (see vifname.h). */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "util.h"
#include "vifname.h"

/* Rounds of lookups when a link changes name between two of them. */
#define LOOKUP_ROUNDS 3

static const char *what(const struct xhp_vifname *id)
{
	return id->tap ? "tap" : "vif";
}

/*
 * A vifname that is another device's protocol name (vif7.0 for guest 3,
 * or its own tap's name for a vif) would take that name from netback or
 * the device model: only the device's own may be given (then nothing is
 * renamed).
 */
static bool other_proto_name(const struct xhp_vifname *id, const char *name)
{
	const char *p = name + 3;
	int part;

	if (strncmp(name, "vif", 3) || !strcmp(name, id->proto))
		return false;
	/* Two numbers as "%u" prints them (no sign, no leading 0). */
	for (part = 0; part < 2; part++) {
		if (part && *p++ != '.')
			return false;
		if (*p < '0' || *p > '9' ||
		    (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return !*p || !strcmp(p, "-emu");
}

static int set_want(xhp_ctx *ctx, const xhp_request *req, const char *vifname,
		    struct xhp_vifname *id)
{
	const char *dev = req->device ? req->device : "", *why;
	char q[XHP_QUOTE_MAX], q2[XHP_QUOTE_MAX];

	if (!vifname || !vifname[0]) {
		memcpy(id->want, id->proto, sizeof(id->want));
		return 0;
	}
	if (xhp_parse_vifname(vifname, id->tap, &why) < 0)
		return xhp_err(ctx, EINVAL, "bad vifname '%s' for %s: %s",
			       xhp_quote(q, vifname), xhp_quote(q2, dev), why);
	snprintf(id->want, sizeof(id->want), "%s%s", vifname,
		 id->tap ? "-emu" : "");
	if (other_proto_name(id, id->want))
		return xhp_err(
			ctx, EINVAL,
			"bad vifname '%s' for %s: %s is the name netback or the device model gives another device",
			xhp_quote(q, vifname), xhp_quote(q2, dev), id->want);
	return 0;
}

/*
 * A device without a backend (xhp_request_new with no backend path): the
 * caller names its own device, there is no protocol name to hold it to.
 * Its name stands in for one (and is the mark of its rename).
 */
static int init_no_backend(xhp_ctx *ctx, const xhp_request *req,
			   const char *vifname, struct xhp_vifname *id)
{
	char q[XHP_QUOTE_MAX];

	if (!req->device || !xhp_ifname_valid(req->device))
		return xhp_err(ctx, EINVAL, "bad device name '%s'",
			       xhp_quote(q, req->device ? req->device : ""));
	id->no_backend = true;
	snprintf(id->owner, sizeof(id->owner), "the caller's %s %s", what(id),
		 req->device);
	snprintf(id->proto, sizeof(id->proto), "%s", req->device);
	return set_want(ctx, req, vifname, id);
}

int xhp_vifname_init(xhp_ctx *ctx, const xhp_request *req, const char *vifname,
		     struct xhp_vifname *ret)
{
	char q[XHP_QUOTE_MAX], name[64], backend[48];
	struct xhp_vifname id = {
		.tap = req->kind == XHP_KIND_TAP,
		.domid = req->domid,
		.devid = req->devid,
	};
	int r;

	if (req->no_backend) {
		r = init_no_backend(ctx, req, vifname, &id);
		if (r >= 0)
			*ret = id;
		return r;
	}
	snprintf(backend, sizeof(backend), "backend/vif/%u/%u", req->domid,
		 req->devid);
	snprintf(id.owner, sizeof(id.owner), "%s's %s", backend, what(&id));
	snprintf(name, sizeof(name), "vif%u.%u%s", req->domid, req->devid,
		 id.tap ? "-emu" : "");
	if (strlen(name) >= IFNAMSIZ)
		return xhp_err(
			ctx, EINVAL,
			"%s has no %s name: %s is longer than 15 characters",
			backend, what(&id), name);
	memcpy(id.proto, name, sizeof(id.proto));
	r = set_want(ctx, req, vifname, &id);
	if (r < 0)
		return r;
	if (!req->device ||
	    (strcmp(req->device, id.proto) && strcmp(req->device, id.want)))
		return xhp_err(
			ctx, EINVAL,
			"device %s is not %s (expected %s or its vifname)",
			xhp_quote(q, req->device ? req->device : ""), id.owner,
			id.proto);
	*ret = id;
	return 0;
}

/* The link @l carries this backend's mark. */
static bool marked(const struct xhp_vifname *id, const struct xhp_link *l)
{
	return !strcmp(l->alias, id->proto);
}

static int clash(xhp_ctx *ctx, const struct xhp_vifname *id)
{
	/* Xen's rename_vif says so, in these words. */
	return xhp_err(
		ctx, EEXIST,
		"Cannot rename interface %s. An interface with name %s already exists.",
		id->proto, id->want);
}

int xhp_vifname_find(xhp_ctx *ctx, struct xhp_nl *nl,
		     const struct xhp_vifname *id, struct xhp_link *ret,
		     bool *ret_rename)
{
	bool rename = strcmp(id->proto, id->want) != 0;
	struct xhp_link dev, other;
	int r, r2, round;

	for (round = 0; round < LOOKUP_ROUNDS; round++) {
		r = xhp_nl_link_get(ctx, nl, id->proto, 0, &dev);
		if (r < 0 && (r != -ENODEV || !rename))
			return r;
		if (r == 0 && !rename)
			break;
		r2 = xhp_nl_link_get(ctx, nl, id->want, 0, &other);
		if (r2 < 0 && r2 != -ENODEV)
			return r2;
		if (r == 0 && r2 == -ENODEV)
			break;
		if (r == 0 && other.ifindex != dev.ifindex)
			return clash(ctx, id);
		if (r == -ENODEV && r2 == 0) {
			/* Ours only if an earlier run renamed it. */
			if (!marked(id, &other))
				return clash(ctx, id);
			xhp_debug(ctx, "%s is already named %s", id->proto,
				  id->want);
			dev = other;
			rename = false;
			r = 0;
			break;
		}
		/* Renamed between the two lookups (the same ifindex under
		 * both names, or under neither): look again. */
		r = -ENODEV;
	}
	if (r < 0)
		return r;
	*ret = dev;
	*ret_rename = rename;
	return 0;
}

static int foreign(xhp_ctx *ctx, const struct xhp_vifname *id,
		   const struct xhp_link *l)
{
	char q[XHP_QUOTE_MAX];

	if (!l->alias[0])
		return xhp_err(ctx, EEXIST, "%s is not %s: it has no alias %s",
			       id->want, id->owner, id->proto);
	return xhp_err(ctx, EEXIST, "%s is not %s: its alias is '%s', not %s",
		       id->want, id->owner, xhp_quote(q, l->alias), id->proto);
}

int xhp_vifname_lookup(xhp_ctx *ctx, struct xhp_nl *nl,
		       const struct xhp_vifname *id, struct xhp_link *ret)
{
	struct xhp_link l;
	int r, round;

	for (round = 0; round < LOOKUP_ROUNDS; round++) {
		r = xhp_nl_link_get(ctx, nl, id->proto, 0, &l);
		if (r == 0)
			break;
		if (r != -ENODEV || !strcmp(id->proto, id->want))
			return r;
		r = xhp_nl_link_get(ctx, nl, id->want, 0, &l);
		if (r == 0 && !marked(id, &l))
			return foreign(ctx, id, &l);
		if (r != -ENODEV)
			break;
		/* Under neither name: gone, or renamed back meanwhile. */
	}
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}
