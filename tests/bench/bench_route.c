// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_route: vif-route online+offline latency with 1, 8 and 64 IPv4
 * addresses in `ip`, ours (in-process library call, and the CLI binary
 * exec'd as libxl would) against Xen's /etc/xen/scripts/vif-route, in a
 * throwaway netns with a veth gateway, a tap as the vif and the test
 * xenstored. Prints medians (and the 90th percentile) in milliseconds.
 *
 * Usage: bench_route [reps-ours [reps-xen]]   (root; default 50 and 10)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "route_util.h"
#include "testutil.h"

enum impl { OURS_LIB, OURS_CLI, XEN };

static const char *const impl_name[] = { "ours (library)", "ours (CLI)",
					 "Xen vif-route" };

static int run(enum impl i, const char *action)
{
	switch (i) {
	case OURS_LIB:
		return ru_ours(action, false, NULL, NULL);
	case OURS_CLI:
		return ru_ours_cli(action, false, NULL);
	default:
		return ru_xen(action, false, NULL);
	}
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_d);
	return v[(int)(p * (n - 1) + 0.5)];
}

static int bench(enum impl i, int n_addr, int reps, double res[4])
{
	double *on = calloc((size_t)reps, sizeof(double));
	double *off = calloc((size_t)reps, sizeof(double));
	double *tot = calloc((size_t)reps, sizeof(double));
	char ip[2048] = "", a[32];
	int k, r = 0;

	if (!on || !off || !tot)
		return -1;
	for (k = 0; k < n_addr; k++) {
		snprintf(a, sizeof(a), "%s10.%d.%d.%d", k ? " " : "",
			 1 + k / 65536, (k / 256) % 256, 1 + k % 250);
		strcat(ip, a);
	}
	if (tu_xs_write(NULL, RU_KEY("ip"), ip) < 0)
		return -1;
	for (k = 0; k < reps && r == 0; k++) {
		double t0 = bench_now_ms(), t1, t2;

		r = run(i, "online");
		t1 = bench_now_ms();
		if (r == 0)
			r = run(i, "offline");
		t2 = bench_now_ms();
		on[k] = t1 - t0;
		off[k] = t2 - t1;
		tot[k] = t2 - t0;
	}
	if (r != 0) {
		fprintf(stderr, "%s failed (exit %d) with %d addresses\n",
			impl_name[i], r, n_addr);
	} else {
		res[0] = pct(on, reps, 0.5);
		res[1] = pct(off, reps, 0.5);
		res[2] = pct(tot, reps, 0.5);
		res[3] = pct(tot, reps, 0.9);
	}
	free(on);
	free(off);
	free(tot);
	return r == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 1, 8, 64 };
	int reps_ours = argc > 1 ? atoi(argv[1]) : 50;
	int reps_xen = argc > 2 ? atoi(argv[2]) : 10;
	struct ru_env env;
	double xen_tot[3] = { 0 };
	size_t s;
	int i, rc = 0;

	tu_require_root("network namespaces, links, routes");
	if (reps_ours < 1 || reps_xen < 1) {
		fprintf(stderr, "usage: bench_route [reps-ours [reps-xen]]\n");
		return 2;
	}
	if (ru_setup(&env, true, false) < 0 || ru_tap(RU_VIF) < 0) {
		ru_teardown(&env);
		return 1;
	}
	printf("vif-route online+offline, vif %s via %s, IPv4 entries in ip;"
	       "\nmedians in ms over %d runs (ours) / %d runs (Xen)\n\n",
	       RU_VIF, RU_GW, reps_ours, reps_xen);
	printf("%-6s %-16s %10s %10s %12s %10s %8s\n", "addrs", "impl",
	       "online", "offline", "on+off", "on+off p90", "vs Xen");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (i = XEN; i >= OURS_LIB; i--) {
			double res[4];
			char ratio[16] = "";

			if (bench((enum impl)i, sizes[s],
				  i == XEN ? reps_xen : reps_ours, res) < 0) {
				rc = 1;
				continue;
			}
			if (i == XEN)
				xen_tot[s] = res[2];
			else if (xen_tot[s] > 0)
				snprintf(ratio, sizeof(ratio), "%.0fx",
					 xen_tot[s] / res[2]);
			printf("%-6d %-16s %10.3f %10.3f %12.3f %10.3f %8s\n",
			       sizes[s], impl_name[i], res[0], res[1], res[2],
			       res[3], ratio);
		}
	}
	ru_teardown(&env);
	return rc;
}
