// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The `policy` personality: only the guest network policy
 * (guest_policy.h), on a device that exists and is plumbed by someone
 * else (libvirt's tap, found by the libvirt hook), from the caller's
 * settings (mac, ip, vifname, antispoof, isolated, rate); no backend is
 * needed (xhp_device_run_ext() with caller settings).
 *
 * add / online: install the rules on the device named by `vifname` (else
 * the request's device) and, when `isolated` (or the [bridge] policy of
 * its bridge) says so, set its bridge port's isolation; a failure undoes
 * both. remove / offline: delete the device's chains (gone already is
 * success; the device itself may be gone).
 */
#include <string.h>

#include "guest_policy.h"
#include "util.h"

struct pol {
	struct xhp_nl *nl;
	struct xhp_guest_policy *gp;
};

static void pol_free(void *priv)
{
	struct pol *p = priv;

	if (!p)
		return;
	xhp_guest_policy_free(p->gp);
	xhp_nl_close(p->nl);
	free(p);
}

static const char *device_name(struct xhp_op *op)
{
	const char *v = xhp_op_setting(op, "vifname");

	return v ? v : op->req->device;
}

static int check_name(struct xhp_op *op, const char *name)
{
	char q[XHP_QUOTE_MAX];

	if (!name)
		return xhp_err(
			op->ctx, EINVAL,
			"policy needs the device: vifname or the request's device");
	if (!xhp_ifname_valid(name))
		return xhp_err(op->ctx, EINVAL, "bad device name '%s'",
			       xhp_quote(q, name));
	return 0;
}

static int policy_add(struct xhp_op *op)
{
	const char *name = device_name(op);
	struct xhp_link dev, br;
	const char *bridge = NULL;
	char q[XHP_QUOTE_MAX];
	struct pol *p;
	int r;

	r = check_name(op, name);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	op->priv = p;
	r = xhp_nl_open(op->ctx, &p->nl);
	if (r < 0)
		return r;
	r = xhp_nl_link_get(op->ctx, p->nl, name, 0, &dev);
	if (r == -ENODEV)
		return xhp_err(op->ctx, ENODEV, "Could not find device %s",
			       xhp_quote(q, name));
	if (r >= 0)
		r = xhp_guest_policy_check_dev(op->ctx, &dev,
					       op->req->kind == XHP_KIND_TAP);
	if (r < 0)
		return r;
	if (dev.master &&
	    xhp_nl_link_get(op->ctx, p->nl, NULL, dev.master, &br) == 0 &&
	    !strcmp(br.kind, "bridge"))
		bridge = br.name;
	xhp_clear_error(op->ctx);
	r = xhp_guest_policy_prepare(op, bridge, op->req->kind == XHP_KIND_TAP,
				     &p->gp);
	if (r < 0)
		return r;
	if (p->gp->isolated >= 0 && !bridge)
		return xhp_err(
			op->ctx, EINVAL,
			"cannot set isolated on %s: it is not a bridge port",
			dev.name);
	r = xhp_guest_policy_apply(p->gp, dev.name);
	if (r >= 0 && bridge)
		r = xhp_guest_policy_isolate(p->gp, p->nl, &dev);
	return r;
}

static int policy_remove(struct xhp_op *op)
{
	const char *name = device_name(op);
	int r;

	r = check_name(op, name);
	if (r < 0)
		return r;
	return xhp_guest_policy_remove(op, name);
}

static const char *const policy_settings[] = {
	"antispoof", "ip", "isolated", "mac", "rate", "vifname", NULL,
};
static const char *const policy_remove_settings[] = { "vifname", NULL };

const struct xhp_personality xhp_personality_policy = {
	.name = "policy",
	.kinds = (1u << XHP_KIND_VIF) | (1u << XHP_KIND_TAP),
	.settings = policy_settings,
	.remove_settings = policy_remove_settings,
	.add = policy_add,
	.remove = policy_remove,
	.release = pol_free,
};
