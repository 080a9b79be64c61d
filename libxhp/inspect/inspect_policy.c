// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The guest network policy of a vif (vif-bridge, vif-route) or of its
 * emulated NIC's tap (with the rate key: guest_policy.h): what the
 * backend's keys ask for, resolved by the code the personality runs
 * (guest_policy.h, over a run whose settings are the backend's keys),
 * beside what the device's base chain says (one GETCHAIN by name: the
 * fingerprint of its policy, nft.h).
 *
 * Only the backend's keys and xhp.conf are seen here: a policy setting
 * given to a run by its arguments or its caller (antispoof=strict on the
 * command line) is not, and its table then shows as differing.
 */
#include <string.h>

#include "guest_policy.h"
#include "inspect-internal.h"
#include "nft_policy.h"
#include "settings.h"
#include "undo.h"

/* A run of @p whose settings are the inspection's xenstore facts. */
static int fake_op(struct xhp_insp *in, const struct xhp_personality *p,
		   struct xhp_op *op)
{
	const char *const *k;
	size_t n = 0;

	for (k = p->settings; k && *k; k++)
		n++;
	*op = (struct xhp_op){ .ctx = in->ctx, .req = in->req, .p = p };
	op->settings = calloc(n ? n : 1, sizeof(*op->settings));
	if (!op->settings)
		return xhp_err(in->ctx, ENOMEM, "out of memory");
	for (k = p->settings; k && *k; k++) {
		struct xhp_op_setting *s = &op->settings[op->n_settings];
		const char *v = xhp_insp_xs(in, *k);

		s->def = xhp_setting_def_find(*k, strlen(*k));
		if (!s->def)
			continue;
		op->n_settings++;
		if (!v)
			continue;
		s->value = strdup(v);
		if (!s->value)
			return xhp_err(in->ctx, ENOMEM, "out of memory");
		s->source = XHP_SOURCE_XENSTORE;
	}
	return 0;
}

/* The fingerprint the keys ask for into @fp ("": none); 0, or 1 when it
 * cannot be known (an unchecked drift was added), or -errno. */
static int expected(struct xhp_insp *in, const char *bridge,
		    char fp[XHP_NFT_FP_MAX])
{
	const struct xhp_personality *p;
	struct xhp_guest_policy *gp = NULL;
	struct xhp_op op;
	int r;

	p = xhp_personality_find(in->ins->personality);
	if (!p)
		return xhp_err(in->ctx, EINVAL, "no personality %s",
			       in->ins->personality);
	r = fake_op(in, p, &op);
	if (r >= 0)
		r = xhp_guest_policy_prepare(&op, bridge, in->tap, &gp);
	if (r >= 0)
		r = xhp_nft_policy_fingerprint(&gp->nft, fp);
	if (r == -E2BIG)
		r = xhp_err(
			in->ctx, EINVAL,
			"ip has more addresses than a policy takes (%d, of them %d prefixes of each family)",
			XHP_NFT_POLICY_IPS_MAX, XHP_NFT_POLICY_PREFIXES_MAX);
	xhp_guest_policy_free(gp);
	xhp_op_settings_free(&op);
	if (r == -EINVAL) {
		struct xhp_err_saved why;

		xhp_err_save(in->ctx, &why);
		xhp_clear_error(in->ctx);
		r = xhp_insp_drift(
			in, XHP_DRIFT_UNCHECKED,
			"the guest network policy is not checked: %s", why.msg);
		return r < 0 ? r : 1;
	}
	if (r == -ENOMEM)
		return xhp_err(in->ctx, ENOMEM, "out of memory");
	return r < 0 ? r : 0;
}

int xhp_inspect_policy(struct xhp_insp *in, const struct xhp_link *l,
		       const char *bridge)
{
	char fp[XHP_NFT_FP_MAX], table[XHP_NFT_TABLE_NAME_MAX];
	struct xhp_nft_dev_state st;
	struct xhp_nft *nft;
	int r;

	r = expected(in, bridge, fp);
	if (r != 0)
		return r < 0 ? r : 0;
	r = xhp_nft_get(in->ctx, &nft);
	if (r >= 0)
		r = xhp_nft_dev_state(in->ctx, nft, l->name, &st);
	if (r < 0)
		return r;
	xhp_nft_table_name(table, l->name);
	if (st.present)
		r = xhp_insp_host(in, in->tap ? "tap-policy" : "policy", "%s",
				  st.fp[0] ? st.fp : "(not xhp's)");
	if (r < 0 || (!st.present && !fp[0]))
		return r;
	if (!st.present)
		return xhp_insp_drift(
			in, XHP_DRIFT_POLICY_MISSING,
			"%s has no guest network policy (no chain dev-%s in table netdev %s); its keys ask for one",
			l->name, l->name, table);
	if (!fp[0])
		return xhp_insp_drift(
			in, XHP_DRIFT_POLICY_DIFFERS,
			"%s has a chain dev-%s in table netdev %s; its keys ask for no guest network policy",
			l->name, l->name, table);
	if (strcmp(st.fp, fp))
		return xhp_insp_drift(
			in, XHP_DRIFT_POLICY_DIFFERS,
			"the guest network policy of %s is not what its keys ask for (chain dev-%s in table netdev %s: fingerprint %s, expected %s)",
			l->name, l->name, table, st.fp[0] ? st.fp : "none", fp);
	return 0;
}
