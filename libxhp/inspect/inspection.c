// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The inspection object (xhp/inspect.h): codes, facts, drifts and their
 * accessors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "inspect-internal.h"
#include "util.h"

static const char *const drift_names[] = {
	[XHP_DRIFT_LINK_MISSING] = "link-missing",
	[XHP_DRIFT_LINK_DOWN] = "link-down",
	[XHP_DRIFT_NOT_ON_BRIDGE] = "not-on-bridge",
	[XHP_DRIFT_WRONG_BRIDGE] = "wrong-bridge",
	[XHP_DRIFT_BRIDGE_MISSING] = "bridge-missing",
	[XHP_DRIFT_MTU] = "mtu-differs",
	[XHP_DRIFT_OVS_PORT_MISSING] = "ovs-port-missing",
	[XHP_DRIFT_OVS_PORT_DIFFERENT] = "ovs-port-different",
	[XHP_DRIFT_ADDRESS_MISSING] = "address-missing",
	[XHP_DRIFT_ROUTE_MISSING] = "route-missing",
	[XHP_DRIFT_PROXY_MISSING] = "proxy-missing",
	[XHP_DRIFT_LOOP_DETACHED] = "loop-detached",
	[XHP_DRIFT_LOOP_OTHER_FILE] = "loop-other-file",
	[XHP_DRIFT_UNCHECKED] = "unchecked",
	[XHP_DRIFT_POLICY_MISSING] = "policy-missing",
	[XHP_DRIFT_LOOP_DETACHING] = "loop-detaching",
	[XHP_DRIFT_POLICY_DIFFERS] = "policy-differs",
};

static const char *const leftover_names[] = {
	[XHP_LEFTOVER_LINK] = "link",
	[XHP_LEFTOVER_LOOP] = "loop",
	[XHP_LEFTOVER_LOCK] = "lock",
	[XHP_LEFTOVER_POLICY] = "policy",
};

XHP_EXPORT const char *xhp_drift_to_string(int drift)
{
	if (drift <= 0 || (size_t)drift >= ARRAY_SIZE(drift_names))
		return NULL;
	return drift_names[drift];
}

XHP_EXPORT const char *xhp_leftover_to_string(int kind)
{
	if (kind <= 0 || (size_t)kind >= ARRAY_SIZE(leftover_names))
		return NULL;
	return leftover_names[kind];
}

static void facts_clear(struct xhp_facts *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].key);
		free(f->v[i].value);
	}
	f->n = 0;
}

XHP_EXPORT xhp_inspection *xhp_inspection_free(xhp_inspection *ins)
{
	size_t i;

	if (!ins)
		return NULL;
	facts_clear(&ins->xs);
	facts_clear(&ins->host);
	for (i = 0; i < ins->n_drift; i++)
		free(ins->drift[i].message);
	free(ins->backend_path);
	free(ins->personality);
	free(ins);
	return NULL;
}

XHP_EXPORT const char *xhp_inspection_backend_path(const xhp_inspection *ins)
{
	return ins ? ins->backend_path : NULL;
}

XHP_EXPORT const char *xhp_inspection_personality(const xhp_inspection *ins)
{
	return ins ? ins->personality : NULL;
}

XHP_EXPORT int xhp_inspection_connected(const xhp_inspection *ins)
{
	return ins && ins->connected ? 1 : 0;
}

static const struct xhp_facts *side_of(const xhp_inspection *ins, int side)
{
	if (!ins)
		return NULL;
	if (side == XHP_INSPECT_XENSTORE)
		return &ins->xs;
	if (side == XHP_INSPECT_HOST)
		return &ins->host;
	return NULL;
}

static const char *facts_get(const struct xhp_facts *f, const char *key)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].key, key))
			return f->v[i].value;
	return NULL;
}

XHP_EXPORT const char *xhp_inspection_value(const xhp_inspection *ins, int side,
					    const char *key)
{
	const struct xhp_facts *f = side_of(ins, side);

	return f && key ? facts_get(f, key) : NULL;
}

XHP_EXPORT int xhp_inspection_value_at(const xhp_inspection *ins, int side,
				       size_t n, const char **ret_key,
				       const char **ret_value)
{
	const struct xhp_facts *f = side_of(ins, side);

	if (!f)
		return -EINVAL;
	if (n >= f->n)
		return -ENOENT;
	if (ret_key)
		*ret_key = f->v[n].key;
	if (ret_value)
		*ret_value = f->v[n].value;
	return 0;
}

XHP_EXPORT size_t xhp_inspection_drift_count(const xhp_inspection *ins)
{
	return ins ? ins->n_drift : 0;
}

XHP_EXPORT int xhp_inspection_drift_at(const xhp_inspection *ins, size_t n,
				       const char **ret_code,
				       const char **ret_message)
{
	if (!ins)
		return -EINVAL;
	if (n >= ins->n_drift)
		return -ENOENT;
	if (ret_code)
		*ret_code = xhp_drift_to_string(ins->drift[n].code);
	if (ret_message)
		*ret_message = ins->drift[n].message;
	return ins->drift[n].code;
}

XHP_EXPORT const char *xhp_inspection_drift_device(const xhp_inspection *ins,
						   size_t n)
{
	if (!ins || n >= ins->n_drift || !ins->drift[n].device[0])
		return NULL;
	return ins->drift[n].device;
}

bool xhp_inspection_drift_is_tap(const xhp_inspection *ins, size_t n)
{
	return ins && n < ins->n_drift && ins->drift[n].tap;
}

static bool fixable(int code)
{
	switch (code) {
	case XHP_DRIFT_LINK_MISSING:
	case XHP_DRIFT_LOOP_OTHER_FILE:
	case XHP_DRIFT_UNCHECKED:
		return false;
	default:
		return true;
	}
}

XHP_EXPORT int xhp_inspection_repairable(const xhp_inspection *ins)
{
	size_t i;

	if (!ins || !ins->connected || !ins->n_drift)
		return 0;
	for (i = 0; i < ins->n_drift; i++)
		if (!fixable(ins->drift[i].code))
			return 0;
	return 1;
}

int xhp_inspection_repairable_part(const xhp_inspection *ins, bool tap)
{
	size_t i, n = 0;

	if (!ins || !ins->connected)
		return 0;
	for (i = 0; i < ins->n_drift; i++) {
		if (ins->drift[i].tap != tap)
			continue;
		if (!fixable(ins->drift[i].code))
			return 0;
		n++;
	}
	return n ? 1 : 0;
}

static int facts_add(xhp_ctx *ctx, struct xhp_facts *f, const char *key,
		     char *value)
{
	char *k;

	if (f->n >= XHP_INSPECT_FACTS_MAX) {
		free(value);
		return xhp_err(ctx, E2BIG, "too many facts (at %s)", key);
	}
	k = strdup(key);
	if (!k || !value) {
		free(k);
		free(value);
		return xhp_err(ctx, ENOMEM, "out of memory");
	}
	f->v[f->n].key = k;
	f->v[f->n++].value = value;
	return 0;
}

int xhp_insp_xs_put(struct xhp_insp *in, const char *key, char *value)
{
	return facts_add(in->ctx, &in->ins->xs, key, value);
}

const char *xhp_insp_xs(const struct xhp_insp *in, const char *key)
{
	const char *v = facts_get(&in->ins->xs, key);

	return v && v[0] ? v : NULL;
}

int xhp_insp_host(struct xhp_insp *in, const char *key, const char *fmt, ...)
{
	char *v = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (n < 0)
		v = NULL;
	return facts_add(in->ctx, &in->ins->host, key, v);
}

/* The link a drift is about: the tap under check, the vif's link, its
 * protocol name (missing), none for a vbd. */
static void drift_device(const struct xhp_insp *in, struct xhp_drift_entry *e)
{
	const char *link = facts_get(&in->ins->host, "link");

	e->tap = in->tap;
	if (in->tap)
		snprintf(e->device, sizeof(e->device), "%s", in->tap_name);
	else if (link)
		snprintf(e->device, sizeof(e->device), "%s", link);
	else if (in->ins->kind == XHP_KIND_VIF)
		snprintf(e->device, sizeof(e->device), "vif%u.%u",
			 in->ins->domid, in->ins->devid);
}

int xhp_insp_drift(struct xhp_insp *in, int code, const char *fmt, ...)
{
	struct xhp_inspection *ins = in->ins;
	char *m = NULL;
	va_list ap;
	int n;

	if (ins->n_drift >= XHP_INSPECT_DRIFTS_MAX)
		return 0; /* the first ones say enough */
	va_start(ap, fmt);
	n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0)
		return xhp_err(in->ctx, ENOMEM, "out of memory");
	xhp_one_line(m);
	drift_device(in, &ins->drift[ins->n_drift]);
	ins->drift[ins->n_drift].code = code;
	ins->drift[ins->n_drift++].message = m;
	return 0;
}
