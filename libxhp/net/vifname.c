// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vif's name and rename_vif's clash check (see vifname.h). */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "util.h"
#include "vifname.h"

int xhp_vifname_resolve(xhp_ctx *ctx, const char *device, const char *vifname,
			bool tap, char ret[IFNAMSIZ])
{
	char q[XHP_QUOTE_MAX], q2[XHP_QUOTE_MAX];
	const char *why;

	if (!vifname || !vifname[0]) {
		snprintf(ret, IFNAMSIZ, "%s", device);
		return 0;
	}
	if (xhp_parse_vifname(vifname, tap, &why) < 0)
		return xhp_err(ctx, EINVAL, "bad vifname '%s' for %s: %s",
			       xhp_quote(q, vifname), xhp_quote(q2, device),
			       why);
	snprintf(ret, IFNAMSIZ, "%s%s", vifname, tap ? "-emu" : "");
	return 0;
}

static int lookup(xhp_ctx *ctx, struct xhp_nl *nl, const char *name,
		  struct xhp_link *ret)
{
	char q[XHP_QUOTE_MAX];
	int r;

	r = xhp_nl_link_get(ctx, nl, name, 0, ret);
	if (r < 0 && r != -ENODEV)
		return xhp_err(ctx, r, "cannot look up %s: %s",
			       xhp_quote(q, name), strerror(-r));
	return r;
}

int xhp_vifname_find(xhp_ctx *ctx, struct xhp_nl *nl, const char *device,
		     const char *want, struct xhp_link *ret, bool *ret_rename)
{
	char q[XHP_QUOTE_MAX], q2[XHP_QUOTE_MAX];
	bool rename = strcmp(device, want) != 0;
	struct xhp_link dev, other;
	int r;

	r = lookup(ctx, nl, device, &dev);
	if (r == -ENODEV && rename) {
		r = lookup(ctx, nl, want, &dev);
		/* Ours only if an earlier run renamed it (alias: the old
		 * name); else another guest's link, which Xen's rename_vif
		 * refuses to touch too. */
		if (r == 0 && strcmp(dev.alias, device))
			return xhp_err(ctx, EEXIST,
				       "Cannot rename interface %s. An "
				       "interface with name %s already exists.",
				       xhp_quote(q, device),
				       xhp_quote(q2, want));
		if (r == 0)
			xhp_debug(ctx, "%s is already named %s", device, want);
		rename = false;
	} else if (r == 0 && rename) {
		r = lookup(ctx, nl, want, &other);
		if (r == 0)
			return xhp_err(ctx, EEXIST,
				       "Cannot rename interface %s. An "
				       "interface with name %s already exists.",
				       xhp_quote(q, device),
				       xhp_quote(q2, want));
		if (r == -ENODEV)
			r = 0;
	}
	if (r < 0)
		return r;
	*ret = dev;
	*ret_rename = rename;
	return 0;
}

int xhp_vifname_lookup(xhp_ctx *ctx, struct xhp_nl *nl, const char *device,
		       const char *want, struct xhp_link *ret)
{
	int r = lookup(ctx, nl, want, ret);

	if (r == -ENODEV && strcmp(device, want))
		r = lookup(ctx, nl, device, ret);
	return r;
}
