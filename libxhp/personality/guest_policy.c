// SPDX-License-Identifier: LGPL-2.1-or-later
/* The guest network policy of one device (guest_policy.h). */
#include <stdio.h>
#include <string.h>

#include "guest_policy.h"
#include "keys.h"
#include "util.h"

/* A setting's value checked again where it is used (the settings table
 * checked it already): the message names the key and the source. */
static int bad_setting(struct xhp_op *op, const char *key, const char *v,
		       const char *why)
{
	char q[XHP_QUOTE_MAX];

	return xhp_err(op->ctx, EINVAL, "bad %s '%s' from %s: %s", key,
		       xhp_quote(q, v),
		       xhp_source_phrase(xhp_op_setting_source(op, key)), why);
}

int xhp_guest_policy_check_dev(xhp_ctx *ctx, const struct xhp_link *dev,
			       bool tap)
{
	static const char *const masters[] = { "bridge", "openvswitch", "bond",
					       "team" };
	static const char *const taps[] = { "tun", "macvtap", "veth" };
	const char *kind = dev->kind[0] ? dev->kind : "none";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(masters); i++)
		if (!strcmp(dev->kind, masters[i]))
			return xhp_err(
				ctx, EINVAL,
				"refusing a guest network policy on %s: it is a %s, not a guest's device",
				dev->name, masters[i]);
	if (!tap)
		return 0;
	for (i = 0; i < ARRAY_SIZE(taps); i++)
		if (!strcmp(dev->kind, taps[i]))
			return 0;
	return xhp_err(
		ctx, EINVAL,
		"refusing a guest network policy on %s: it is no tun/tap, macvtap or veth (link kind %s)",
		dev->name, kind);
}

/* antispoof: the setting, else the policy's, else the global mode. */
static int resolve_mode(struct xhp_guest_policy *gp,
			const struct xhp_conf *conf,
			const struct xhp_conf_policy *pol)
{
	const char *v = xhp_op_setting(gp->op, "antispoof");
	const char *why = "malformed";
	int r;

	if (v) {
		r = xhp_parse_antispoof(v, &why);
		if (r < 0)
			return bad_setting(gp->op, "antispoof", v, why);
		gp->mode = r;
	} else if (xhp_conf_policy_antispoof(pol) != XHP_CONF_UNSET) {
		gp->mode = xhp_conf_policy_antispoof(pol) == XHP_CONF_YES ?
				   XHP_ANTISPOOF_STRICT :
				   XHP_ANTISPOOF_OFF;
	} else {
		gp->mode = xhp_conf_antispoof(conf);
	}
	return 0;
}

static int resolve_addresses(struct xhp_guest_policy *gp)
{
	const char *mac = xhp_op_setting(gp->op, "mac");
	const char *ip = xhp_op_setting(gp->op, "ip");
	const char *why = "malformed";
	size_t n = 0;
	int r;

	if (ip) {
		r = xhp_parse_ip_list(ip, &gp->ips, &n, &why);
		if (r == -ENOMEM)
			return xhp_err(gp->ctx, ENOMEM, "out of memory");
		if (r < 0)
			return bad_setting(gp->op, "ip", ip, why);
	}
	gp->nft.ips = gp->ips;
	gp->nft.n_ips = n;
	/* auto: where Xen's rules applied (ip given), and with the mac
	 * that libxl always writes; a device without one is left alone */
	gp->nft.antispoof = gp->mode == XHP_ANTISPOOF_STRICT ||
			    (gp->mode == XHP_ANTISPOOF_AUTO && n && mac);
	if (gp->mode == XHP_ANTISPOOF_AUTO && n && !mac)
		xhp_debug(gp->ctx, "antispoof auto: no mac, nothing enforced");
	if (!gp->nft.antispoof)
		return 0;
	if (!mac)
		return xhp_err(
			gp->ctx, EINVAL,
			"anti-spoofing (strict) needs the guest's mac: none given");
	if (xhp_parse_mac(mac, gp->nft.mac, &why) < 0)
		return bad_setting(gp->op, "mac", mac, why);
	return 0;
}

/* rate: taps only (netback enforces it for PV vifs). */
static int resolve_rate(struct xhp_guest_policy *gp,
			const struct xhp_conf_policy *pol, bool tap)
{
	const char *v = tap ? xhp_op_setting(gp->op, "rate") : NULL;
	const char *why = "malformed";

	if (!tap)
		return 0;
	if (v) {
		if (xhp_parse_rate(v, &gp->nft.rate_bytes, &gp->nft.rate_usecs,
				   &why) < 0)
			return bad_setting(gp->op, "rate", v, why);
		return 0;
	}
	if (xhp_conf_policy_rate(pol, &gp->nft.rate_bytes,
				 &gp->nft.rate_usecs) < 0)
		gp->nft.rate_bytes = gp->nft.rate_usecs = 0;
	return 0;
}

static int resolve_isolated(struct xhp_guest_policy *gp,
			    const struct xhp_conf_policy *pol)
{
	const char *v = xhp_op_setting(gp->op, "isolated");
	const char *why = "malformed";
	int r;

	if (!v) {
		gp->isolated = xhp_conf_policy_isolated(pol);
		return 0;
	}
	r = xhp_parse_yesno(v, &why);
	if (r < 0)
		return bad_setting(gp->op, "isolated", v, why);
	gp->isolated = r;
	return 0;
}

int xhp_guest_policy_prepare(struct xhp_op *op, const char *bridge, bool tap,
			     struct xhp_guest_policy **ret)
{
	const struct xhp_conf_policy *pol;
	struct xhp_guest_policy *gp;
	struct xhp_conf *conf = NULL;
	int r;

	gp = calloc(1, sizeof(*gp));
	if (!gp)
		return xhp_err(op->ctx, ENOMEM, "out of memory");
	gp->op = op;
	gp->ctx = op->ctx;
	gp->isolated = -1;
	r = xhp_conf_load(op->ctx, NULL, &conf);
	if (r < 0)
		goto fail;
	pol = xhp_conf_policy_for(conf, NULL, NULL, bridge);
	r = resolve_mode(gp, conf, pol);
	if (r >= 0)
		r = resolve_addresses(gp);
	if (r >= 0)
		r = resolve_rate(gp, pol, tap);
	if (r >= 0)
		r = resolve_isolated(gp, pol);
	xhp_conf_free(conf);
	if (r < 0)
		goto fail;
	*ret = gp;
	return 0;
fail:
	xhp_guest_policy_free(gp);
	return r;
}

void xhp_guest_policy_free(struct xhp_guest_policy *gp)
{
	if (!gp)
		return;
	free(gp->ips);
	free(gp);
}

static int undo_rules(xhp_ctx *ctx, void *data)
{
	struct xhp_guest_policy *gp = data;

	return xhp_nft_dev_remove(ctx, gp->sock, gp->ifname);
}

static const struct xhp_undo_type undo_rules_type = {
	.name = "delete the guest's nf_tables rules",
	.undo = undo_rules,
};

/* "cannot install the guest network policy of vif1.0: <the step's>" */
static int in_words(xhp_ctx *ctx, int r, const char *what, const char *ifname)
{
	struct xhp_err_saved saved;

	if (r == -ENOMEM)
		return r;
	xhp_err_save(ctx, &saved);
	return xhp_err(ctx, r, "cannot %s %s: %s", what, ifname, saved.msg);
}

static void dry_line(void *data, const char *text)
{
	struct xhp_guest_policy *gp = data;

	char table[XHP_NFT_TABLE_NAME_MAX];

	xhp_dry(gp->ctx, true, "install in table netdev %s: %s",
		xhp_nft_table_name(table, gp->ifname), text);
}

/* The device's chains hold this policy already: 1, 0 (also when there
 * are none), or -errno. *had says whether it has chains at all. */
static int in_place(struct xhp_guest_policy *gp, const char *ifname, bool *had)
{
	char fp[XHP_NFT_FP_MAX];
	struct xhp_nft_dev_state st;
	int chains, r;

	chains = xhp_nft_policy_fingerprint(&gp->nft, fp);
	if (chains == -E2BIG)
		return 0; /* not installable: the apply says why */
	if (chains < 0)
		return xhp_err(gp->ctx, ENOMEM, "out of memory");
	r = xhp_nft_dev_state(gp->ctx, gp->sock, ifname, &st);
	if (r < 0)
		return r;
	*had = st.present;
	return st.present && chains && !strcmp(st.fp, fp);
}

int xhp_guest_policy_apply(struct xhp_guest_policy *gp, const char *ifname)
{
	bool had = false;
	int r;

	snprintf(gp->ifname, sizeof(gp->ifname), "%s", ifname);
	if (gp->op->dry_run) {
		if (xhp_nft_policy_empty(&gp->nft))
			xhp_dry(gp->ctx, true,
				"delete the nf_tables table of %s, if any",
				ifname);
		else if (xhp_nft_policy_describe(&gp->nft, ifname, dry_line,
						 gp) < 0)
			return xhp_err(gp->ctx, ENOMEM, "out of memory");
		return 0;
	}
	r = xhp_nft_get(gp->ctx, &gp->sock);
	if (r >= 0)
		r = in_place(gp, ifname, &had);
	if (r > 0) {
		xhp_debug(gp->ctx, "%s: guest policy in place already", ifname);
		return 0;
	}
	if (r >= 0 && !had && xhp_nft_policy_empty(&gp->nft))
		return 0; /* nothing there, nothing to put there */
	if (r >= 0)
		r = xhp_journal_reserve(&gp->op->journal);
	if (r >= 0)
		r = xhp_nft_dev_apply_known(gp->ctx, gp->sock, ifname, &gp->nft,
					    had);
	if (r < 0)
		return in_words(gp->ctx, r,
				"install the guest network policy of", ifname);
	if (!had && !xhp_nft_policy_empty(&gp->nft))
		xhp_journal_push(&gp->op->journal, &undo_rules_type, gp);
	else if (!xhp_nft_policy_empty(&gp->nft))
		xhp_debug(
			gp->ctx,
			"%s: another policy was replaced; a failure of this run keeps the new one",
			ifname);
	if (!xhp_nft_policy_empty(&gp->nft))
		xhp_debug(gp->ctx, "%s: guest policy installed%s%s", ifname,
			  gp->nft.antispoof ? ", anti-spoofing" : "",
			  gp->nft.rate_usecs ? ", rate" : "");
	return 0;
}

static int undo_isolation(xhp_ctx *ctx, void *data)
{
	struct xhp_guest_policy *gp = data;

	return xhp_bridge_port_set_isolated(ctx, gp->nl, &gp->port,
					    gp->was_isolated);
}

static const struct xhp_undo_type undo_isolation_type = {
	.name = "put the bridge port's isolation back",
	.undo = undo_isolation,
};

int xhp_guest_policy_isolate(struct xhp_guest_policy *gp, struct xhp_nl *nl,
			     const struct xhp_link *port)
{
	int r;

	if (gp->isolated < 0)
		return 0;
	if (gp->op->dry_run) {
		xhp_dry(gp->ctx, true, "set isolated %s on bridge port %s",
			gp->isolated ? "on" : "off", port->name);
		return 0;
	}
	r = xhp_bridge_port_isolated(gp->ctx, nl, port);
	if (r < 0 || r == gp->isolated)
		return r < 0 ? r : 0;
	gp->nl = nl;
	gp->port = *port;
	gp->was_isolated = r;
	r = xhp_journal_reserve(&gp->op->journal);
	if (r >= 0)
		r = xhp_bridge_port_set_isolated(gp->ctx, nl, port,
						 gp->isolated);
	if (r < 0)
		return r;
	xhp_journal_push(&gp->op->journal, &undo_isolation_type, gp);
	return 0;
}

int xhp_guest_policy_remove(struct xhp_op *op, const char *ifname)
{
	struct xhp_nft *sock = NULL;
	int r;

	if (xhp_dry(op->ctx, op->dry_run,
		    "delete the nf_tables table of %s, if any", ifname))
		return 0;
	r = xhp_nft_get(op->ctx, &sock);
	if (r >= 0)
		r = xhp_nft_dev_remove(op->ctx, sock, ifname);
	if (r < 0)
		return in_words(op->ctx, r,
				"delete the guest network policy of", ifname);
	return 0;
}
