// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a worker does for one device, on its own context: look at the
 * backend (state, hotplug-status, script, online) and plug, unplug or do
 * nothing, as libxl's devd (libxl_device.c, backend_watch_callback)
 * decides: plug at state 2 with hotplug-status absent or empty, unplug at
 * state 6 with online 0 or when the backend directory is gone.
 * Only <self>/backend/<type>/<domid>/<devid> is read.
 */
#include <net/if.h>
#include <sys/sysmacros.h>
#include <stdio.h>
#include <string.h>

#include "host-internal.h"
#include "personality.h"
#include "util.h"
#include "xs.h"

void hdev_path(const struct xhp_host *h, int cls, unsigned int domid,
	       unsigned int devid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/%u/%u", h->base, hcls_type(cls), domid,
		 devid);
}

/* xenstore itself failed, not the device: try again later. */
static bool unreachable(int r)
{
	return r == -ECONNREFUSED || r == -ECONNRESET || r == -EPIPE ||
	       r == -EBADF || r == -ENOTCONN || r == -ETIMEDOUT;
}

static void set_message(struct hwork *w, int r, const char *msg)
{
	free(w->message);
	w->message = strdup(msg && msg[0] ? msg : strerror(-r));
	w->error = r;
}

static void fail(struct hwork *w, xhp_ctx *ctx, int r)
{
	w->outcome = unreachable(r) ? HO_RETRY : HO_FAILED;
	set_message(w, r, xhp_ctx_last_error(ctx));
}

static const char *const in_process[] = { "vif-bridge", "vif-openvswitch",
					  "vif-route", "block" };

/*
 * The personality for the backend's script key: its basename when it is
 * one of ours, else the script's path (absolute, or under the script
 * directory); no script: vif-bridge or block.
 */
static char *personality_of(const struct xhp_host *h, int cls,
			    const char *script)
{
	const char *base;
	char *p;
	size_t i;

	if (!script || !script[0])
		return strdup(cls == HCLS_VIF || cls == HCLS_TAP ?
				      "vif-bridge" :
				      "block");
	base = strrchr(script, '/');
	base = base ? base + 1 : script;
	for (i = 0; i < ARRAY_SIZE(in_process); i++)
		if (!strcmp(base, in_process[i]))
			return strdup(in_process[i]);
	if (script[0] == '/')
		return strdup(script);
	if (asprintf(&p, "%s/%s", h->script_dir, script) < 0)
		return NULL;
	return p;
}

static bool is_script(const char *personality)
{
	return personality[0] == '/';
}

static void device_name(const struct hwork *w, char *buf, size_t size)
{
	if (w->cls == HCLS_VIF)
		snprintf(buf, size, "vif%u.%u", w->domid, w->devid);
	else if (w->cls == HCLS_TAP)
		snprintf(buf, size, "vif%u.%u-emu", w->domid, w->devid);
	else
		buf[0] = '\0';
}

/* Read @key under @bp; a missing key is "" (*ret NULL is never set). */
static int read_key(xhp_ctx *ctx, const char *bp, const char *key, char **ret)
{
	int r = xhp_xs_read_key(ctx, bp, key, ret);

	if (r == -ENOENT) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	return r;
}

/*
 * What the remove of an in-process vif personality reads, from the
 * backend now: kept with the device, so that it can be unplugged once the
 * backend is gone.
 */
static void snapshot(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w,
		     const char *bp)
{
	const char *const *keys;
	char *values[8] = { NULL };
	xhp_settings *s = NULL;
	size_t i, n = 0;

	if (is_script(w->personality) || w->snap)
		return;
	keys = xhp_personality_remove_settings(w->personality);
	for (; keys && keys[n] && n < ARRAY_SIZE(values); n++)
		if (xhp_xs_read_key(ctx, bp, keys[n], &values[n]) < 0)
			values[n] = NULL;
	pthread_mutex_lock(&h->snap_mu);
	if (xhp_settings_new(h->snap_ctx, &s) == 0)
		for (i = 0; i < n; i++)
			if (values[i] && values[i][0])
				/* a key not allowed from a caller: left out */
				(void)xhp_settings_set(s, keys[i], values[i]);
	pthread_mutex_unlock(&h->snap_mu);
	for (i = 0; i < n; i++)
		free(values[i]);
	w->snap = s;
}

static int run(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w,
	       const char *bp, int action, bool gone)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_settings *empty = NULL;
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	char dev[IFNAMSIZ + 8];
	int r;

	device_name(w, dev, sizeof(dev));
	r = xhp_request_new(ctx, action, hcls_kind(w->cls), bp,
			    dev[0] ? dev : NULL, &req);
	if (r < 0)
		return r;
	if (is_script(w->personality)) {
		r = xhp_script_run(ctx, w->personality, req, &res);
		/* A script that failed without saying so: say it for it. */
		if (r < 0 && !gone && res &&
		    xhp_result_status(res) != XHP_STATUS_ERROR &&
		    (action == XHP_ACTION_ADD || action == XHP_ACTION_ONLINE)) {
			struct xhp_err_saved saved;

			xhp_err_save(ctx, &saved);
			(void)xhp_device_report(ctx, bp, XHP_STATUS_ERROR,
						saved.msg);
			xhp_err_restore(ctx, &saved);
		}
		if (r < 0 && res && xhp_result_message(res))
			xhp_err(ctx, r, "%s", xhp_result_message(res));
	} else {
		if (gone) {
			/* Nothing to read or report under a backend that is
			 * gone: what it was plugged with. */
			opts.flags = XHP_DEVICE_NO_REPORT;
			opts.settings = w->snap;
			if (!opts.settings) {
				pthread_mutex_lock(&h->snap_mu);
				r = xhp_settings_new(h->snap_ctx, &empty);
				pthread_mutex_unlock(&h->snap_mu);
				if (r < 0)
					goto out;
				opts.settings = empty;
			}
		}
		r = xhp_device_run_ext(ctx, w->personality, req, &opts, &res);
	}
out:
	if (res)
		w->elapsed_us = xhp_result_elapsed_us(res);
	xhp_result_free(res);
	xhp_request_free(req);
	if (empty) {
		pthread_mutex_lock(&h->snap_mu);
		xhp_settings_free(empty);
		pthread_mutex_unlock(&h->snap_mu);
	}
	return r;
}

/* The bridge its backend names, for healing (heal.c). */
static void read_bridge(xhp_ctx *ctx, struct hwork *w, const char *bp)
{
	char *v = NULL;

	if ((w->cls != HCLS_VIF && w->cls != HCLS_TAP) || !w->personality)
		return;
	if (xhp_xs_read_key(ctx, bp, "bridge", &v) >= 0) {
		free(w->bridge);
		w->bridge = heal_bridge_name(w->personality, v);
	}
	free(v);
}

static void plug(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w,
		 const char *bp)
{
	int action = w->cls == HCLS_VIF ? XHP_ACTION_ONLINE : XHP_ACTION_ADD;
	int r = run(h, ctx, w, bp, action, false);

	if (r < 0)
		return fail(w, ctx, r);
	w->outcome = HO_PLUGGED;
	snapshot(h, ctx, w, bp);
	read_bridge(ctx, w, bp);
}

static void unplug(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w,
		   const char *bp, bool gone)
{
	int action = w->cls == HCLS_VIF ? XHP_ACTION_OFFLINE :
					  XHP_ACTION_REMOVE;
	int r;

	if (!w->personality) {
		w->personality = personality_of(h, w->cls, NULL);
		if (!w->personality)
			return fail(w, ctx,
				    xhp_err(ctx, ENOMEM, "out of memory"));
	}
	r = run(h, ctx, w, bp, action, gone);
	if (r < 0)
		return fail(w, ctx, r);
	w->outcome = HO_UNPLUGGED;
}

/* Take the personality from the script key (unless it is known). */
static int choose(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w,
		  const char *script)
{
	if (w->personality)
		return 0;
	w->personality = personality_of(h, w->cls, script);
	return w->personality ? 0 : xhp_err(ctx, ENOMEM, "out of memory");
}

static bool netdev_exists(const struct hwork *w)
{
	char dev[IFNAMSIZ + 8];

	device_name(w, dev, sizeof(dev));
	return if_nametoindex(dev) != 0;
}

/* vbd, vbd3: what physical-device says now, for the share index. */
static void read_pdev(xhp_ctx *ctx, struct hwork *w, const char *bp)
{
	unsigned int ma, mi;
	char *v = NULL, end;
	int r;

	if (w->cls != HCLS_VBD && w->cls != HCLS_VBD3)
		return;
	r = xhp_xs_read_key(ctx, bp, "physical-device", &v);
	if (r < 0 && r != -ENOENT) {
		free(v);
		return; /* unknown: keep what the index has */
	}
	w->pdev_read = true;
	w->has_pdev = v && sscanf(v, "%x:%x%c", &ma, &mi, &end) == 2;
	w->pdev = w->has_pdev ? makedev(ma, mi) : 0;
	free(v);
}

static void examine(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w)
{
	char *state = NULL, *hs = NULL, *script = NULL, *online = NULL;
	char bp[128];
	uint64_t st = 0;
	bool connected;
	int r;

	hdev_path(h, w->cls, w->domid, w->devid, bp, sizeof(bp));
	r = xhp_xs_read_key(ctx, bp, "state", &state);
	if (r == -ENOENT) {
		w->pdev_read = true; /* gone: out of the index */
		if (w->plugged)
			unplug(h, ctx, w, bp, true);
		else
			w->outcome = HO_GONE;
		return;
	}
	if (r < 0)
		return fail(w, ctx, r);
	if (xhp_parse_uint(state, 8, &st) < 0 || st == 1 || st == 3)
		goto out; /* nothing to do at Initialising, Initialised */
	r = read_key(ctx, bp, "hotplug-status", &hs);
	if (r >= 0)
		r = xhp_xs_read_key(ctx, bp, "script", &script);
	if (r == -ENOENT)
		r = 0;
	if (r >= 0)
		r = choose(h, ctx, w, script);
	if (r < 0) {
		fail(w, ctx, r);
		goto out;
	}
	connected = !strcmp(hs, "connected");
	if (st == 6) {
		r = read_key(ctx, bp, "online", &online);
		if (r < 0)
			fail(w, ctx, r);
		else if (strcmp(online, "1") && (w->plugged || connected))
			unplug(h, ctx, w, bp, false);
	} else if (st == 2 && !hs[0] && !w->plugged) {
		if (w->cls == HCLS_VIF && !netdev_exists(w))
			w->outcome = HO_WAIT;
		else
			plug(h, ctx, w, bp);
	} else if (connected && !w->plugged && st < 5) {
		w->outcome = HO_SEEN;
		snapshot(h, ctx, w, bp);
		read_bridge(ctx, w, bp);
	}
	read_pdev(ctx, w, bp);
out:
	free(state);
	free(hs);
	free(script);
	free(online);
}

static void tap(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w)
{
	char *state = NULL, *script = NULL;
	char bp[128];
	int r;

	hdev_path(h, w->cls, w->domid, w->devid, bp, sizeof(bp));
	r = xhp_xs_read_key(ctx, bp, "state", &state);
	free(state);
	if (r < 0 && r != -ENOENT)
		return fail(w, ctx, r);
	if (w->link_present && !w->plugged) {
		if (r == -ENOENT) /* a tap that is no backend's */
			return;
		r = xhp_xs_read_key(ctx, bp, "script", &script);
		if (r >= 0 || r == -ENOENT)
			r = choose(h, ctx, w, script);
		free(script);
		if (r < 0)
			return fail(w, ctx, r);
		plug(h, ctx, w, bp);
	} else if (!w->link_present && w->plugged) {
		unplug(h, ctx, w, bp, r == -ENOENT);
	}
}

/* The netdev wait ended: report it, unless it came meanwhile. */
static void fail_wait(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w)
{
	char *hs = NULL, *state = NULL;
	char bp[128], dev[IFNAMSIZ + 8];
	int r;

	if (netdev_exists(w))
		return examine(h, ctx, w);
	hdev_path(h, w->cls, w->domid, w->devid, bp, sizeof(bp));
	r = xhp_xs_read_key(ctx, bp, "state", &state);
	if (r >= 0)
		r = read_key(ctx, bp, "hotplug-status", &hs);
	if (r == -ENOENT) {
		w->outcome = HO_GONE;
	} else if (r < 0) {
		fail(w, ctx, r);
	} else if (!strcmp(state, "2") && !hs[0]) {
		device_name(w, dev, sizeof(dev));
		r = xhp_err(ctx, ENODEV, "device %s never appeared", dev);
		set_message(w, r, xhp_ctx_last_error(ctx));
		w->outcome = HO_FAILED;
		r = xhp_device_report(ctx, bp, XHP_STATUS_ERROR, w->message);
		if (r < 0 && unreachable(r))
			w->outcome = HO_RETRY;
	}
	free(hs);
	free(state);
}

static int list(xhp_ctx *ctx, const char *dir, char ***ret, unsigned int *n)
{
	int r = xhp_xs_list(ctx, dir, ret, n);

	if (r == -ENOENT) {
		*ret = NULL;
		*n = 0;
		return 0;
	}
	return r;
}

static int add_found(struct hwork *w, size_t *cap, int cls, uint64_t domid,
		     uint64_t devid)
{
	if (w->n_found == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct hfound *f = realloc(w->found, c * sizeof(*f));

		if (!f)
			return -ENOMEM;
		w->found = f;
		*cap = c;
	}
	w->found[w->n_found++] = (struct hfound){ cls, (unsigned int)domid,
						  (unsigned int)devid };
	return 0;
}

static void scan(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w)
{
	char dir[128], sub[160];
	char **doms = NULL, **devs = NULL;
	unsigned int nd, nv, i, j;
	uint64_t domid, devid;
	size_t cap = 0;
	int cls, r = 0;

	for (cls = HCLS_VIF; cls <= HCLS_VBD3 && r >= 0; cls++) {
		snprintf(dir, sizeof(dir), "%s/%s", h->base, hcls_type(cls));
		r = list(ctx, dir, &doms, &nd);
		for (i = 0; r >= 0 && i < nd; i++) {
			if (xhp_parse_uint(doms[i], UINT32_MAX, &domid) < 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", dir, doms[i]);
			r = list(ctx, sub, &devs, &nv);
			for (j = 0; r >= 0 && j < nv; j++)
				if (xhp_parse_uint(devs[j], UINT32_MAX,
						   &devid) == 0)
					r = add_found(w, &cap, cls, domid,
						      devid);
			free(devs);
			devs = NULL;
		}
		free(doms);
		doms = NULL;
	}
	if (r < 0)
		fail(w, ctx, r);
}

void hwork_run(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w)
{
	uint64_t t0 = xhp_now_us();

	w->outcome = HO_NONE;
	switch (w->op) {
	case HW_EXAMINE:
		examine(h, ctx, w);
		break;
	case HW_TAP:
		tap(h, ctx, w);
		break;
	case HW_FAIL_WAIT:
		fail_wait(h, ctx, w);
		break;
	case HW_SCAN:
		scan(h, ctx, w);
		break;
	case HW_HEAL:
		heal_run(h, ctx, w);
		break;
	}
	if (!w->elapsed_us)
		w->elapsed_us = xhp_now_us() - t0;
}
