// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_vif_bridge: wall time per online and per offline of a vif on a
 * Linux bridge, for xhp-hotplug as a process, the library in-process
 * (xhp_request_new + xhp_device_run) and Xen's /etc/xen/scripts/vif-bridge,
 * with 0, 10, 100 and 1000 other ports on the bridge. Runs as root in its
 * own network and mount namespaces with the test xenstore daemon.
 *
 *   bench_vif_bridge [runs-per-cell]   (default 100; Xen's script: /10)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "bench.h"
#include "internal.h"
#include "testutil.h"
#include "xsd_harness.h"

#define XEN_SCRIPT "/etc/xen/scripts/vif-bridge"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void stats(uint64_t *v, int n, double *med, double *p90)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	*med = v[n / 2] / 1000.0;
	*p90 = v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1] / 1000.0;
}

/* Put ports pN (N from *have to want-1) on br0 with one ip -batch. */
static void grow_ports(int *have, int want)
{
	char path[] = "/tmp/bench-vb-XXXXXX";
	int fd = mkstemp(path), i;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		bench_die("mkstemp");
	for (i = *have; i < want; i++) {
		fprintf(f, "tuntap add p%d mode tap\n", i);
		fprintf(f, "link set p%d master br0\n", i);
	}
	fclose(f);
	if (want > *have)
		bench_sh("ip", "-batch", path, NULL);
	unlink(path);
	*have = want;
}

enum { CLI, LIB, XEN };
static const char *const way_names[] = { "xhp-hotplug (process)",
					 "libxhp (in-process)",
					 "Xen vif-bridge" };

static int run_process(int way, const char *action)
{
	const char *cli[] = { XHP_CLI, "vif-bridge", action, "type_if=vif",
			      NULL };
	const char *xen[] = { XEN_SCRIPT, action, "type_if=vif", NULL };
	const char *add[] = { "vif=vif1.0", "XENBUS_PATH=backend/vif/1/0",
			      "XENBUS_TYPE=vif", NULL };
	char **env = tu_env(NULL, add);
	int r;

	r = tu_run((char *const *)(way == XEN ? xen : cli), env, 60000, NULL);
	tu_env_free(env);
	return r;
}

static int run_lib(xhp_ctx *ctx, int action)
{
	xhp_request *req;
	int r;

	r = xhp_request_new(ctx, action, XHP_KIND_VIF, "backend/vif/1/0",
			    "vif1.0", &req);
	if (r < 0)
		return r;
	r = xhp_device_run(ctx, "vif-bridge", req, NULL);
	xhp_request_free(req);
	return r;
}

/* Median/p90 of online and offline, in microseconds. */
static void measure(xhp_ctx *ctx, int way, int runs, double out[4])
{
	uint64_t *on = calloc((size_t)runs, sizeof(*on));
	uint64_t *off = calloc((size_t)runs, sizeof(*off));
	int i, r;

	if (!on || !off)
		bench_die("calloc");
	for (i = 0; i < runs; i++) {
		uint64_t t0 = xhp_now_us(), t1, t2;

		r = way == LIB ? run_lib(ctx, XHP_ACTION_ONLINE) :
				 run_process(way, "online");
		t1 = xhp_now_us();
		if (r != 0)
			bench_die("online");
		r = way == LIB ? run_lib(ctx, XHP_ACTION_OFFLINE) :
				 run_process(way, "offline");
		t2 = xhp_now_us();
		if (r != 0)
			bench_die("offline");
		on[i] = (t1 - t0) * 1000;
		off[i] = (t2 - t1) * 1000;
	}
	stats(on, runs, &out[0], &out[1]);
	stats(off, runs, &out[2], &out[3]);
	free(on);
	free(off);
}

int main(int argc, char **argv)
{
	static const int ports[] = { 0, 10, 100, 1000 };
	double res[4][3][4];
	struct xsd x = XSD_INIT;
	struct xs_handle *xs;
	xhp_ctx *ctx;
	int runs = argc > 1 ? atoi(argv[1]) : 100, have = 0, p, w;

	if (runs < 2)
		runs = 2;
	tu_require_root("network namespaces");
	bench_xen_ns_enter();
	if (xsd_start(&x) < 0)
		bench_die("xsd_start");
	xs = xs_open(0);
	if (!xs || tu_xs_write(xs, "backend/vif/1/0/bridge", "br0") < 0)
		bench_die("xenstore");
	bench_sh("ip", "link", "add", "br0", "type", "bridge", NULL);
	bench_sh("ip", "link", "set", "br0", "up", NULL);
	bench_sh("ip", "tuntap", "add", "vif1.0", "mode", "tap", NULL);
	if (xhp_ctx_new(&ctx) < 0)
		bench_die("xhp_ctx_new");
	for (p = 0; p < 4; p++) {
		grow_ports(&have, ports[p]);
		for (w = CLI; w <= XEN; w++)
			measure(ctx, w,
				w == XEN ? (runs / 10 > 2 ? runs / 10 : 2) :
					   runs,
				res[p][w]);
		fprintf(stderr, "%d ports done\n", ports[p]);
	}
	printf("vif-bridge online/offline wall time, microseconds "
	       "(%d runs per cell; Xen's script %d)\n\n",
	       runs, runs / 10 > 2 ? runs / 10 : 2);
	printf("%-22s %6s %10s %10s %10s %10s\n", "", "ports", "online p50",
	       "online p90", "offl. p50", "offl. p90");
	for (w = CLI; w <= XEN; w++)
		for (p = 0; p < 4; p++)
			printf("%-22s %6d %10.0f %10.0f %10.0f %10.0f\n",
			       p ? "" : way_names[w], ports[p], res[p][w][0],
			       res[p][w][1], res[p][w][2], res[p][w][3]);
	printf("\nXen/process (online p50, 10 ports): %.1fx; process "
	       "1000/10 ports: %.2fx; library 1000/10 ports: %.2fx\n",
	       res[1][XEN][0] / res[1][CLI][0], res[3][CLI][0] / res[1][CLI][0],
	       res[3][LIB][0] / res[1][LIB][0]);
	xhp_ctx_unref(ctx);
	xs_close(xs);
	xsd_stop(&x);
	return 0;
}
