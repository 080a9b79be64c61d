// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_policy: the guest network policy's cost.
 *
 * 1. One device's full policy (anti-spoofing with an IPv4 and an IPv6
 *    address, and a rate) installed and removed in-process
 *    (xhp_nft_dev_apply, xhp_nft_dev_remove), with 10, 100 and 1000 other
 *    devices' policies present, in the shard tables (names only: a
 *    netdev chain may name a device that does not exist), and again with
 *    the others holding a rate only; "install only" is the apply alone.
 *    Target: <= 0.3 ms, and 1000/10 <= 1.5.
 * 2. vif-bridge online of a vif (a tap stands in for netback's) on a
 *    bridge, in-process with one context (caller settings, no backend),
 *    with the policy (mac and ip: antispoof auto) and without
 *    (antispoof=off): online again of the plugged device (a re-run, a
 *    repair, a heal), and online after an offline (the offline not
 *    timed). Target: with / without <= 1.2.
 *
 * Prints medians and 90th percentiles in milliseconds.
 * Usage: bench_policy [reps]   (root; default 300)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "nft_policy.h"
#include "testutil.h"

static int fail(xhp_ctx *ctx, const char *what)
{
	fprintf(stderr, "bench_policy: %s: %s\n", what,
		xhp_ctx_last_error(ctx));
	return 1;
}

/* @light: the other devices have a rate only (one rule each). */
static int bench_nft(xhp_ctx *ctx, int reps, double *t, bool light)
{
	static const int others[] = { 10, 100, 1000 };
	struct xhp_nft_policy p = { .antispoof = true,
				    .mac = { 0x00, 0x16, 0x3e, 0, 0, 1 },
				    .rate_bytes = 125000,
				    .rate_usecs = 50000 };
	struct xhp_nft *nft = NULL;
	struct xhp_ip *ips = NULL;
	double med[3] = { 0 };
	const char *why;
	int have = 0, k, i;
	size_t n;

	if (xhp_parse_ip_list("10.0.0.2 fd00::2", &ips, &n, &why) < 0 ||
	    xhp_nft_open(ctx, &nft) < 0)
		return fail(ctx, "open");
	p.ips = ips;
	p.n_ips = n;
	printf("policy install+remove, in-process; other devices: %s\n",
	       light ? "a rate only (1 rule each)" : "the same policy");
	printf("%-14s %10s %10s %12s\n", "other devices", "median ms", "p90 ms",
	       "install only");
	for (k = 0; k < 3; k++) {
		for (; have < others[k]; have++) {
			char name[16];

			snprintf(name, sizeof(name), "bp%d", have);
			p.antispoof = !light;
			if (xhp_nft_dev_apply(ctx, nft, name, &p) < 0)
				return fail(ctx, "fill");
			p.antispoof = true;
		}
		for (i = 0; i < reps; i++) {
			double t0 = bench_now_ms(), t1;

			if (xhp_nft_dev_apply(ctx, nft, "probe0", &p) < 0)
				return fail(ctx, "probe0");
			t1 = bench_now_ms();
			if (xhp_nft_dev_remove(ctx, nft, "probe0") < 0)
				return fail(ctx, "probe0");
			t[i] = bench_now_ms() - t0;
			t[reps + i] = t1 - t0;
		}
		med[k] = bench_pct(t, reps, 0.5);
		printf("%-14d %10.3f %10.3f %12.3f\n", others[k], med[k],
		       bench_pct(t, reps, 0.9), bench_pct(t + reps, reps, 0.5));
	}
	printf("1000/10: %.2fx (goal <= 1.5x; median at 10 goal <= 0.3 ms)\n\n",
	       med[2] / med[0]);
	/* the others go, for the second part */
	for (i = 0; i < have; i++) {
		char name[16];

		snprintf(name, sizeof(name), "bp%d", i);
		xhp_nft_dev_remove(ctx, nft, name);
	}
	free(ips);
	xhp_nft_close(nft);
	return 0;
}

/* vif-bridge @action of vif9.0 (a tap standing in for netback's vif),
 * in-process, caller settings, no backend: with the policy (mac and ip:
 * antispoof auto) or without (antispoof=off). */
static int vif_bridge(xhp_ctx *ctx, int action, bool policy)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_request *req = NULL;
	xhp_settings *s = NULL;
	int r;

	if (xhp_settings_new(ctx, &s) < 0 ||
	    xhp_settings_set(s, "bridge", "bpbr0") < 0 ||
	    xhp_settings_set(s, "mac", "00:16:3e:00:00:01") < 0 ||
	    xhp_settings_set(s, "ip", "10.0.0.2 fd00::2") < 0 ||
	    xhp_settings_set(s, "antispoof", policy ? "auto" : "off") < 0 ||
	    xhp_request_new(ctx, action, XHP_KIND_VIF, NULL, "vif9.0", &req) <
		    0)
		return -1;
	opts.settings = s;
	r = xhp_device_run_ext(ctx, "vif-bridge", req, &opts, NULL);
	xhp_request_free(req);
	xhp_settings_free(s);
	return r;
}

/* @replug: online of the plugged device again (what a re-run, a repair
 * or a heal does); else online after an offline (not timed). */
static int bench_online(xhp_ctx *ctx, int reps, double *t, bool replug)
{
	double med[2];
	int k, i;

	printf("vif-bridge online of vif9.0, in-process, one context: %s\n",
	       replug ? "again, plugged already (re-run)" :
			"after an offline (first plug)");
	printf("%-14s %10s %10s\n", "policy", "median ms", "p90 ms");
	for (k = 0; k < 2; k++) {
		if (replug && vif_bridge(ctx, XHP_ACTION_ONLINE, k) < 0)
			return fail(ctx, "vif-bridge online");
		for (i = 0; i < reps; i++) {
			double t0;

			if (!replug &&
			    vif_bridge(ctx, XHP_ACTION_OFFLINE, k) < 0)
				return fail(ctx, "vif-bridge offline");
			t0 = bench_now_ms();
			if (vif_bridge(ctx, XHP_ACTION_ONLINE, k) < 0)
				return fail(ctx, "vif-bridge online");
			t[i] = bench_now_ms() - t0;
		}
		if (vif_bridge(ctx, XHP_ACTION_OFFLINE, k) < 0)
			return fail(ctx, "vif-bridge offline");
		med[k] = bench_pct(t, reps, 0.5);
		printf("%-14s %10.3f %10.3f\n", k ? "with" : "without", med[k],
		       bench_pct(t, reps, 0.9));
	}
	printf("with/without: %.2fx (goal <= 1.2x)\n\n", med[1] / med[0]);
	return 0;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 300, r;
	xhp_ctx *ctx = NULL;
	double *t;

	tu_require_root("creates nf_tables chains, a bridge and a tap");
	if (reps < 1 || tu_netns_enter() < 0 || xhp_ctx_new(&ctx) < 0)
		return 1;
	setenv("XHP_CONFIG", "/dev/null", 1);
	t = calloc(2 * (size_t)reps, sizeof(*t));
	if (!t)
		return 1;
	r = bench_nft(ctx, reps, t, false);
	if (!r)
		r = bench_nft(ctx, reps, t, true);
	if (!r && (tu_runl(NULL, "ip", "link", "add", "bpbr0", "type", "bridge",
			   NULL) ||
		   tu_runl(NULL, "ip", "link", "set", "bpbr0", "up", NULL) ||
		   tu_runl(NULL, "ip", "tuntap", "add", "dev", "vif9.0", "mode",
			   "tap", NULL)))
		r = fail(ctx, "set-up");
	if (!r)
		r = bench_online(ctx, reps, t, true);
	if (!r)
		r = bench_online(ctx, reps, t, false);
	free(t);
	xhp_ctx_unref(ctx);
	return r;
}
