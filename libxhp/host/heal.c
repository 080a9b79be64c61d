// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Self-healing of connected vifs (xhp/host.h, HEALING): a connected vif
 * whose plumbing drifted (its bridge deleted and re-created, its port
 * released, its link set down) is inspected (xhp/inspect.h) and
 * re-plugged by its personality's online, through the worker pool, one
 * operation per device at a time.
 *
 * When: at start-up, for every vif found connected (once the replay is
 * done); on RTM_NEWLINK of a bridge some vif's backend names that has a
 * new ifindex (re-created); on RTM_NEWLINK of a plugged vif that has no
 * master (vif-bridge) or another one, or is not up. A heal never fights
 * an unplug: the worker inspects (a device that is not "connected", or
 * has online 0 or state >= 5, is left alone) and the re-plug checks
 * again under the device lock (xhp_inspection_repair()). A vif whose
 * bridge is missing waits for the bridge's RTM_NEWLINK. A device
 * repaired heal_limit times in the last minute is not repaired again:
 * reported once (XHP_HOST_HEAL_SUPPRESSED) until the minute has passed.
 *
 * An emulated NIC's tap (HCLS_TAP, plugged on its RTM_NEWLINK) is healed
 * the same way, as a device of its own: inspected with its vif (the same
 * backend), only its own drifts counted, re-plugged by its add. An Open
 * vSwitch bridge gone from OVSDB (bridge-missing) is waited for like a
 * Linux bridge: the monitor's new Bridge row checks its devices again.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "host-internal.h"
#include "inspect-internal.h"
#include "util.h"

static bool in_process_vif(const struct hdev *d)
{
	return (d->cls == HCLS_VIF || d->cls == HCLS_TAP) && d->personality &&
	       (!strcmp(d->personality, "vif-bridge") ||
		!strcmp(d->personality, "vif-openvswitch") ||
		!strcmp(d->personality, "vif-route"));
}

static bool is_vif_bridge(const struct hdev *d)
{
	return d->personality && !strcmp(d->personality, "vif-bridge");
}

bool heal_allowed(const struct xhp_host *h, const struct hdev *d)
{
	uint64_t now = xhp_now_us();
	unsigned int i, n = 0;

	if (!d->heal_times)
		return true;
	for (i = 0; i < h->heal_limit; i++)
		if (d->heal_times[i] &&
		    now - d->heal_times[i] < HOST_HEAL_WINDOW_US)
			n++;
	return n < h->heal_limit;
}

void heal_request(struct xhp_host *h, struct hdev *d)
{
	if (h->stopped || !d->plugged || !in_process_vif(d))
		return;
	if (d->busy || d->timer) {
		d->heal_wanted = true;
		return;
	}
	d->heal_wanted = false;
	host_schedule_op(h, d, HW_HEAL);
}

static struct hbridge *bridge_find(struct xhp_host *h, const char *name)
{
	struct hbridge *b;

	for (b = h->bridges; b; b = b->next)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

void heal_note_bridge(struct xhp_host *h, struct hdev *d, struct hwork *w)
{
	struct hbridge *b;

	if (d->personality && !strcmp(d->personality, "vif-openvswitch"))
		hovs_want(h);
	if (!w->bridge)
		return;
	if (!d->bridge || strcmp(d->bridge, w->bridge)) {
		free(d->bridge);
		d->bridge = w->bridge;
		w->bridge = NULL;
	}
	if (strlen(d->bridge) >= IFNAMSIZ || bridge_find(h, d->bridge))
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		return;
	strcpy(b->name, d->bridge);
	b->ifindex = if_nametoindex(b->name);
	b->next = h->bridges;
	h->bridges = b;
}

void heal_bridges_free(struct xhp_host *h)
{
	struct hbridge *b, *n;

	for (b = h->bridges; b; b = n) {
		n = b->next;
		free(b);
	}
	h->bridges = NULL;
}

static void on_bridge(struct xhp_host *h, struct hdev *d)
{
	if (d->bridge && !strcmp(d->bridge, h->heal_bridge))
		heal_request(h, d);
}

void heal_bridge_appeared(struct xhp_host *h, const char *name)
{
	h->heal_bridge = name;
	hdev_each(h, HCLS_VIF, -1, on_bridge);
	hdev_each(h, HCLS_TAP, -1, on_bridge);
	h->heal_bridge = NULL;
}

char *heal_bridge_name(const char *personality, const char *value)
{
	size_t n;

	if (!personality || !value || !value[0])
		return NULL;
	if (!strcmp(personality, "vif-bridge"))
		return strdup(value);
	if (strcmp(personality, "vif-openvswitch"))
		return NULL;
	n = strcspn(value, ".:");
	return n ? strndup(value, n) : NULL;
}

static void bridge_event(struct xhp_host *h, const struct hlink *l)
{
	struct hbridge *b = bridge_find(h, l->name);

	if (!b)
		return; /* no device of ours names it */
	if (!l->is_new) {
		b->ifindex = 0;
		return;
	}
	if (b->ifindex == l->index)
		return; /* a change of the bridge we know */
	b->ifindex = l->index;
	xhp_debug(h->ctx, "bridge %s appeared (ifindex %u): checking its vifs",
		  b->name, b->ifindex);
	heal_bridge_appeared(h, b->name);
}

void heal_link_event(struct xhp_host *h, const struct hlink *l)
{
	unsigned int domid, devid;
	struct hbridge *b;
	struct hdev *d;
	bool emu;

	if (h->stopped)
		return;
	if (l->bridge)
		return bridge_event(h, l);
	if (!l->is_new || !hlinks_vif_name(l->name, &domid, &devid, &emu))
		return;
	d = hdev_find(h, emu ? HCLS_TAP : HCLS_VIF, domid, devid);
	if (!d || !d->plugged)
		return;
	b = d->bridge ? bridge_find(h, d->bridge) : NULL;
	if (!(l->flags & IFF_UP) || (is_vif_bridge(d) && !l->master) ||
	    (is_vif_bridge(d) && b && b->ifindex && l->master != b->ifindex))
		heal_request(h, d);
}

static void ring_add(struct xhp_host *h, struct hdev *d)
{
	unsigned int i, oldest = 0;

	if (!d->heal_times)
		d->heal_times = calloc(h->heal_limit, sizeof(*d->heal_times));
	if (!d->heal_times)
		return;
	for (i = 1; i < h->heal_limit; i++)
		if (d->heal_times[i] < d->heal_times[oldest])
			oldest = i;
	d->heal_times[oldest] = xhp_now_us();
}

void heal_done(struct xhp_host *h, struct hdev *d, struct hwork *w)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "vif%u.%u%s", d->domid, d->devid,
		 d->cls == HCLS_TAP ? "-emu" : "");
	heal_note_bridge(h, d, w);
	switch (w->outcome) {
	case HO_HEALED:
		d->heals++;
		d->heal_suppressed = false;
		ring_add(h, d);
		xhp_log(h->ctx, LOG_NOTICE, "healed %s (%s, heal %u): %s", dev,
			d->personality, d->heals, w->message);
		host_emit(h, XHP_HOST_HEALED, d, w->message, 0, w->elapsed_us);
		break;
	case HO_HEAL_FAILED:
		xhp_log(h->ctx, LOG_WARNING, "cannot heal %s (%s): %s", dev,
			d->personality, w->message);
		break;
	case HO_HEAL_SUPPRESSED:
		if (d->heal_suppressed)
			break;
		d->heal_suppressed = true;
		xhp_log(h->ctx, LOG_WARNING,
			"not healing %s again: healed %u times in the last minute (heal limit): %s",
			dev, h->heal_limit, w->message);
		host_emit(h, XHP_HOST_HEAL_SUPPRESSED, d, w->message, 0, 0);
		break;
	default:
		break;
	}
}

/* "code: message; code: message" of the vif's drifts or of its tap's
 * (xhp-devd heals them as two devices); NULL: none (or no memory). */
static char *describe(const xhp_inspection *ins, bool tap,
		      bool *ret_bridge_missing)
{
	const char *code, *msg;
	char *s = NULL, *t;
	size_t i;
	int kind;

	*ret_bridge_missing = false;
	for (i = 0; (kind = xhp_inspection_drift_at(ins, i, &code, &msg)) > 0;
	     i++) {
		if (xhp_inspection_drift_is_tap(ins, i) != tap)
			continue;
		if (kind == XHP_DRIFT_BRIDGE_MISSING)
			*ret_bridge_missing = true;
		if (asprintf(&t, "%s%s%s: %s", s ? s : "", s ? "; " : "", code,
			     msg) < 0) {
			free(s);
			return NULL;
		}
		free(s);
		s = t;
	}
	return s;
}

static bool unplugging(const xhp_inspection *ins)
{
	const char *online, *state;
	uint64_t st;

	online = xhp_inspection_value(ins, XHP_INSPECT_XENSTORE, "online");
	state = xhp_inspection_value(ins, XHP_INSPECT_XENSTORE, "state");
	return !xhp_inspection_connected(ins) ||
	       (online && !strcmp(online, "0")) || !state ||
	       xhp_parse_uint(state, 8, &st) < 0 || st >= 5;
}

void heal_run(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w)
{
	xhp_inspection *ins = NULL;
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	char bp[128], dev[32];
	const char *v;
	char *desc = NULL;
	bool wait, tap = w->cls == HCLS_TAP;
	int r;

	/* a tap is inspected as part of its vif (the same backend) */
	hdev_path(h, w->cls, w->domid, w->devid, bp, sizeof(bp));
	snprintf(dev, sizeof(dev), "vif%u.%u", w->domid, w->devid);
	r = xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF, bp, dev,
			    &req);
	if (r >= 0)
		r = xhp_device_inspect(ctx, req, &ins);
	if (r < 0) {
		if (r != -ENOENT)
			xhp_debug(ctx, "cannot inspect %s: %s", dev,
				  xhp_ctx_last_error(ctx));
		goto out;
	}
	v = xhp_inspection_value(ins, XHP_INSPECT_XENSTORE, "bridge");
	w->bridge = heal_bridge_name(w->personality, v);
	if (unplugging(ins) || !xhp_inspection_drift_count(ins))
		goto out;
	desc = describe(ins, tap, &wait);
	if (!desc)
		goto out;
	if (tap)
		strcat(dev, "-emu");
	if (wait || !xhp_inspection_repairable_part(ins, tap)) {
		xhp_debug(ctx, "%s: %s: %s", dev,
			  wait ? "waiting for its bridge" :
				 "not repairable by a re-plug",
			  desc);
		goto out;
	}
	w->message = desc;
	desc = NULL;
	if (!w->heal_allowed) {
		w->outcome = HO_HEAL_SUPPRESSED;
		goto out;
	}
	r = xhp_inspection_repair_part(ctx, ins, tap, &res);
	if (r == -ESTALE || r == -ENOENT || r == -EALREADY) {
		xhp_debug(ctx, "%s: %s", dev, xhp_ctx_last_error(ctx));
		goto out;
	}
	if (r < 0) {
		if (asprintf(&desc, "%s (after %s)", xhp_ctx_last_error(ctx),
			     w->message) >= 0) {
			free(w->message);
			w->message = desc;
			desc = NULL;
		}
		w->error = r;
		w->outcome = HO_HEAL_FAILED;
		goto out;
	}
	w->outcome = HO_HEALED;
	if (res)
		w->elapsed_us = xhp_result_elapsed_us(res);
out:
	free(desc);
	xhp_result_free(res);
	xhp_inspection_free(ins);
	xhp_request_free(req);
}
