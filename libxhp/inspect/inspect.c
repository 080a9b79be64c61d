// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp_device_inspect(): the backend's keys, then the checks of its
 * personality (inspect_net.c, inspect_block.c); xhp_inspection_repair();
 * the list of this domain's backends.
 */
#include <stdio.h>
#include <string.h>

#include "inspect-internal.h"
#include "personality.h"
#include "util.h"
#include "xs.h"

/* Keys every inspection reads, then the personality's settings. */
static const char *const common_keys[] = {
	"state", "online", "hotplug-status", "hotplug-error", "script",
};
/* block's: the loop device it attached, and what it reported. */
static const char *const block_keys[] = { "node", "physical-device" };

int xhp_self_domid(xhp_ctx *ctx, unsigned int *ret)
{
	_cleanup_free_ char *v = NULL;
	uint64_t id;
	int r;

	r = xhp_xs_read(ctx, XBT_NULL, "domid", &v);
	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	if (xhp_parse_uint(v, 32751, &id) < 0)
		return xhp_err(ctx, EINVAL, "bad domid '%s' in xenstore", v);
	*ret = (unsigned int)id;
	return 0;
}

int xhp_backend_exists(xhp_ctx *ctx, const char *type, unsigned int domid,
		       unsigned int devid)
{
	char path[128];
	unsigned int self;
	char *v = NULL;
	int r;

	r = xhp_self_domid(ctx, &self);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/local/domain/%u/backend/%s/%u/%u", self,
		 type, domid, devid);
	r = xhp_xs_read(ctx, XBT_NULL, path, &v);
	free(v);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

static bool listed(char **names, unsigned int n, const char *key)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], key))
			return true;
	return false;
}

static int read_one(struct xhp_insp *in, char **names, unsigned int n,
		    const char *key)
{
	char *v = NULL;
	int r;

	if (!listed(names, n, key) || xhp_insp_xs(in, key) ||
	    xhp_inspection_value(in->ins, XHP_INSPECT_XENSTORE, key))
		return 0;
	r = xhp_xs_read_key(in->ctx, in->ins->backend_path, key, &v);
	if (r == -ENOENT)
		return 0; /* removed meanwhile */
	if (r < 0)
		return r;
	return xhp_insp_xs_put(in, key, v);
}

/*
 * A backend without a script key is plugged as xhp-devd plugs it (and
 * libxl would, had it not written one): a vif by vif-bridge, a vbd by
 * block.
 */
static int default_personality(struct xhp_insp *in)
{
	struct xhp_inspection *ins = in->ins;

	ins->personality =
		strdup(ins->kind == XHP_KIND_VIF ? "vif-bridge" : "block");
	return ins->personality ? 0 : xhp_err(in->ctx, ENOMEM, "out of memory");
}

/* The backend's keys this inspection needs, each listed key read once. */
static int read_keys(struct xhp_insp *in)
{
	struct xhp_inspection *ins = in->ins;
	const struct xhp_personality *p;
	const char *script, *base;
	char **names = NULL;
	const char *const *k;
	unsigned int n = 0;
	size_t i;
	int r;

	r = xhp_xs_list(in->ctx, ins->backend_path, &names, &n);
	if (r == -ENOENT)
		return xhp_err(in->ctx, ENOENT, "%s does not exist in xenstore",
			       ins->backend_path);
	if (r < 0)
		return r;
	for (i = 0; r >= 0 && i < ARRAY_SIZE(common_keys); i++)
		r = read_one(in, names, n, common_keys[i]);
	for (i = 0;
	     r >= 0 && ins->kind != XHP_KIND_VIF && i < ARRAY_SIZE(block_keys);
	     i++)
		r = read_one(in, names, n, block_keys[i]);
	script = xhp_insp_xs(in, "script");
	if (r >= 0 && script) {
		base = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
		ins->personality = strdup(base);
		if (!ins->personality)
			r = xhp_err(in->ctx, ENOMEM, "out of memory");
	}
	if (r >= 0 && !script)
		r = default_personality(in);
	p = ins->personality ? xhp_personality_find(ins->personality) : NULL;
	for (k = p ? p->settings : NULL; r >= 0 && k && *k; k++)
		r = read_one(in, names, n, *k);
	free(names);
	return r;
}

static int check_host(struct xhp_insp *in)
{
	struct xhp_inspection *ins = in->ins;
	const char *p = ins->personality;
	char q[XHP_QUOTE_MAX];
	bool vif = ins->kind == XHP_KIND_VIF;

	if (p && vif && !strcmp(p, "vif-bridge"))
		return xhp_inspect_vif_bridge(in);
	if (p && vif && !strcmp(p, "vif-openvswitch"))
		return xhp_inspect_vif_openvswitch(in);
	if (p && vif && !strcmp(p, "vif-route"))
		return xhp_inspect_vif_route(in);
	if (p && !vif && !strcmp(p, "block"))
		return xhp_inspect_block(in);
	if (!ins->connected)
		return 0;
	return xhp_insp_drift(
		in, XHP_DRIFT_UNCHECKED,
		"the host side of %s is not checked: its script %s is not one of xhp's personalities",
		ins->backend_path, p ? xhp_quote(q, p) : "(none)");
}

static int absolute_path(xhp_ctx *ctx, const xhp_request *req, char **ret)
{
	unsigned int self;
	int r;

	if (req->backend_path[0] == '/') {
		*ret = strdup(req->backend_path);
	} else {
		r = xhp_self_domid(ctx, &self);
		if (r < 0)
			return r;
		if (asprintf(ret, "/local/domain/%u/%s", self,
			     req->backend_path) < 0)
			*ret = NULL;
	}
	return *ret ? 0 : xhp_err(ctx, ENOMEM, "out of memory");
}

XHP_EXPORT int xhp_device_inspect(xhp_ctx *ctx, const xhp_request *req,
				  xhp_inspection **ret)
{
	struct xhp_insp in = { .ctx = ctx, .req = req };
	const char *hs;
	int r;

	if (!ctx || !req || !ret)
		return -EINVAL;
	xhp_clear_error(ctx);
	if (!req->backend_path || req->kind == XHP_KIND_TAP)
		return xhp_err(
			ctx, EINVAL,
			"inspect: a vif or vbd request with a backend path is needed");
	in.ins = calloc(1, sizeof(*in.ins));
	if (!in.ins)
		return xhp_err(ctx, ENOMEM, "out of memory");
	in.ins->kind = req->kind;
	in.ins->domid = req->domid;
	in.ins->devid = req->devid;
	xhp_deadline_start(ctx);
	r = absolute_path(ctx, req, &in.ins->backend_path);
	if (r >= 0)
		r = read_keys(&in);
	if (r >= 0) {
		hs = xhp_insp_xs(&in, "hotplug-status");
		in.ins->connected = hs && !strcmp(hs, "connected");
		r = check_host(&in);
	}
	if (r >= 0 && in.ins->connected)
		r = xhp_inspect_tap(&in);
	ctx->deadline_us = 0;
	xhp_nl_close(in.nl);
	if (r < 0) {
		xhp_inspection_free(in.ins);
		return r;
	}
	*ret = in.ins;
	return 0;
}

/* Re-plug the vif (online) or its tap (add), under the device lock. */
static int repair_one(xhp_ctx *ctx, const xhp_inspection *ins, bool tap,
		      xhp_result **ret_result)
{
	xhp_device_opts opts = { .size = sizeof(opts),
				 .flags = XHP_DEVICE_NO_REPORT };
	bool vif = ins->kind == XHP_KIND_VIF;
	xhp_request *req = NULL;
	char dev[32];
	size_t i;
	int r;

	snprintf(dev, sizeof(dev), "vif%u.%u%s", ins->domid, ins->devid,
		 tap ? "-emu" : "");
	r = xhp_request_new(ctx,
			    vif && !tap ? XHP_ACTION_ONLINE : XHP_ACTION_ADD,
			    tap ? XHP_KIND_TAP : ins->kind, ins->backend_path,
			    vif ? dev : NULL, &req);
	if (r < 0)
		return r;
	for (i = 0; i + 1 < ins->n_drift && ins->drift[i].tap != tap; i++)
		;
	xhp_info(ctx, "repairing %s%s%s with %s %s (%s)", ins->backend_path,
		 tap ? " tap " : "", tap ? dev : "", ins->personality,
		 vif && !tap ? "online" : "add",
		 xhp_drift_to_string(ins->drift[i].code));
	/* under the device lock: still connected? (not fighting an unplug) */
	r = xhp_device_rerun(ctx, ins->personality, req, &opts, ret_result);
	xhp_request_free(req);
	return r;
}

static int repair_check(xhp_ctx *ctx, const xhp_inspection *ins, bool ok)
{
	if (!ins->n_drift)
		return xhp_err(ctx, EALREADY,
			       "%s has no drift: nothing to repair",
			       ins->backend_path);
	if (!ok)
		return xhp_err(ctx, EOPNOTSUPP,
			       "%s: %s cannot be repaired by a re-plug",
			       ins->backend_path,
			       ins->connected ?
				       "its drift" :
				       "a device that is not connected");
	return 0;
}

int xhp_inspection_repair_part(xhp_ctx *ctx, const xhp_inspection *ins,
			       bool tap, xhp_result **ret_result)
{
	int r;

	if (!ctx || !ins)
		return -EINVAL;
	xhp_clear_error(ctx);
	r = repair_check(ctx, ins, xhp_inspection_repairable_part(ins, tap));
	return r < 0 ? r : repair_one(ctx, ins, tap, ret_result);
}

XHP_EXPORT int xhp_inspection_repair(xhp_ctx *ctx, const xhp_inspection *ins,
				     xhp_result **ret_result)
{
	bool vif_part = false, tap_part = false;
	xhp_result *res = NULL;
	size_t i;
	int r;

	if (!ctx || !ins)
		return -EINVAL;
	xhp_clear_error(ctx);
	r = repair_check(ctx, ins, xhp_inspection_repairable(ins));
	if (r < 0)
		return r;
	for (i = 0; i < ins->n_drift; i++)
		*(ins->drift[i].tap ? &tap_part : &vif_part) = true;
	if (vif_part)
		r = repair_one(ctx, ins, false, tap_part ? &res : ret_result);
	if (r >= 0 && tap_part) {
		xhp_result_free(res);
		res = NULL;
		r = repair_one(ctx, ins, true, ret_result);
	}
	xhp_result_free(res);
	return r;
}

static int cmp_uint_names(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

XHP_EXPORT char **xhp_backend_list_free(char **list)
{
	char **p;

	for (p = list; p && *p; p++)
		free(*p);
	free(list);
	return NULL;
}

static int push(xhp_ctx *ctx, char ***list, size_t *n, size_t *cap,
		const char *dir, const char *devid)
{
	char **nl;

	if (*n + 1 >= *cap) {
		*cap = *cap ? *cap * 2 : 16;
		nl = realloc(*list, *cap * sizeof(**list));
		if (!nl)
			return xhp_err(ctx, ENOMEM, "out of memory");
		*list = nl;
	}
	if (asprintf(&(*list)[*n], "%s/%s", dir, devid) < 0)
		return xhp_err(ctx, ENOMEM, "out of memory");
	(*list)[++*n] = NULL;
	return 0;
}

/* The devices of frontend @dom under @base, sorted by devid. */
static int list_domain(xhp_ctx *ctx, const char *base, const char *dom,
		       char ***list, size_t *n, size_t *cap)
{
	char dir[256], **devs = NULL;
	unsigned int nd = 0, j;
	uint64_t v;
	int r;

	snprintf(dir, sizeof(dir), "%s/%s", base, dom);
	r = xhp_xs_list(ctx, dir, &devs, &nd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	qsort(devs, nd, sizeof(*devs), cmp_uint_names);
	for (j = 0; r >= 0 && j < nd; j++)
		if (xhp_parse_uint(devs[j], UINT32_MAX, &v) == 0)
			r = push(ctx, list, n, cap, dir, devs[j]);
	free(devs);
	return r;
}

XHP_EXPORT int xhp_backend_list(xhp_ctx *ctx, const char *type, int domid,
				char ***ret)
{
	char base[128], one[16], **doms = NULL, **list = NULL;
	size_t n = 0, cap = 0;
	unsigned int self, nd = 0, i;
	uint64_t v;
	int r;

	if (!ctx || !type || !ret || domid < -1 ||
	    (strcmp(type, "vif") && strcmp(type, "vbd") &&
	     strcmp(type, "vbd3")))
		return -EINVAL;
	xhp_clear_error(ctx);
	r = xhp_self_domid(ctx, &self);
	if (r < 0)
		return r;
	snprintf(base, sizeof(base), "/local/domain/%u/backend/%s", self, type);
	if (domid >= 0) {
		snprintf(one, sizeof(one), "%d", domid);
		r = list_domain(ctx, base, one, &list, &n, &cap);
	} else {
		r = xhp_xs_list(ctx, base, &doms, &nd);
		if (r == -ENOENT)
			r = 0;
		if (r >= 0)
			qsort(doms, nd, sizeof(*doms), cmp_uint_names);
		for (i = 0; r >= 0 && i < nd; i++)
			if (xhp_parse_uint(doms[i], 32751, &v) == 0)
				r = list_domain(ctx, base, doms[i], &list, &n,
						&cap);
		free(doms);
	}
	if (r >= 0 && !list) {
		list = calloc(1, sizeof(*list));
		if (!list)
			r = xhp_err(ctx, ENOMEM, "out of memory");
	}
	if (r < 0) {
		xhp_backend_list_free(list);
		return r;
	}
	*ret = list;
	return (int)n;
}
