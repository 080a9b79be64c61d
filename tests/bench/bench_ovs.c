// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vif-openvswitch online+offline latency with 10, 100 and 1000 other ports
 * on the bridge: ours (in-process and through the CLI) vs Xen's script
 * (ovs-vsctl), against private ovsdb-server/ovs-vswitchd daemons (netdev
 * datapath) and the test xenstored, in a throwaway network namespace.
 *
 *   bench_ovs [ITERATIONS]      (default 30; Xen's script gets a third)
 *
 * Needs root. Prints one table row per (ports, implementation): median
 * and 90th percentile of online, offline and the pair, in milliseconds;
 * own50: the library's median pair time minus its waits for
 * ovs-vswitchd to apply the change (cur_cfg), i.e. our own cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "bench.h"
#include "ovs_harness.h"
#include "personality.h"
#include "testutil.h"
#include "xsd_harness.h"

#define BE "/local/domain/0/backend/vif/1/0"
#define MAX_ITER 1000

static struct ovsd ovs;
static struct xsd xsd = XSD_INIT;
static char rundir_env[4200];

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[(int)((n - 1) * p + 0.5)];
}

enum impl { OURS_LIB, OURS_CLI, XEN };
static const char *const impl_names[] = { "ours (library)", "ours (CLI)",
					  "Xen's script" };

/* ovs-vswitchd's share: the library logs how long the cur_cfg wait took. */
static double wait_ms;

static void log_fn(void *userdata, int priority, const char *msg)
{
	const char *p = strstr(msg, "reached cur_cfg");
	unsigned long long us;

	(void)userdata;
	(void)priority;
	if (p && (p = strstr(p, " in ")) && sscanf(p, " in %llu us", &us) == 1)
		wait_ms += us / 1e3;
}

static int run_lib(xhp_ctx *ctx, int action)
{
	xhp_request *req;
	int r;

	if (xhp_request_new(ctx, action, XHP_KIND_VIF, "backend/vif/1/0",
			    "vif1.0", &req) < 0)
		return -1;
	r = xhp_device_run(ctx, "vif-openvswitch", req, NULL);
	if (r < 0)
		fprintf(stderr, "ours: %s\n", xhp_ctx_last_error(ctx));
	xhp_request_free(req);
	return r;
}

static int run_exec(enum impl impl, const char *command)
{
	const char *add[] = { "XENBUS_PATH=backend/vif/1/0", "vif=vif1.0",
			      rundir_env, NULL };
	char *cli[] = { XHP_CLI, "vif-openvswitch", (char *)command,
			"type_if=vif", NULL };
	char *xen[] = { "bash", "/etc/xen/scripts/vif-openvswitch",
			(char *)command, "type_if=vif", NULL };
	char **env = tu_env(NULL, add), *out = NULL;
	int r;

	r = tu_run(impl == XEN ? xen : cli, env, 60000, &out);
	if (r != 0)
		fprintf(stderr, "%s %s: %d: %s\n", impl_names[impl], command, r,
			out);
	free(out);
	tu_env_free(env);
	return r;
}

static int add_ports(int from, int to)
{
	char *argv[4 + 100 * 9 + 1];
	static char names[1000][16];
	int i, n, r;

	while (from < to) {
		n = 0;
		argv[n++] = "ovs-vsctl";
		argv[n++] = ovs.db_arg;
		argv[n++] = "--timeout=120";
		for (i = from; i < to && i < from + 100; i++) {
			snprintf(names[i], sizeof(names[i]), "p%d", i);
			argv[n++] = "--";
			argv[n++] = "add-port";
			argv[n++] = "br0";
			argv[n++] = names[i];
			argv[n++] = "--";
			argv[n++] = "set";
			argv[n++] = "interface";
			argv[n++] = names[i];
			argv[n++] = "type=internal";
		}
		argv[n] = NULL;
		r = tu_run(argv, NULL, 300000, NULL);
		if (r != 0)
			return -1;
		from = i;
	}
	return 0;
}

static void measure(xhp_ctx *ctx, int ports, enum impl impl, int iters)
{
	static double on[MAX_ITER], off[MAX_ITER], both[MAX_ITER];
	static double own[MAX_ITER];
	char own50[16] = "-";
	int i, r;

	for (i = 0; i < iters; i++) {
		double t0 = bench_now_ms(), t1, t2;

		wait_ms = 0;
		r = impl == OURS_LIB ? run_lib(ctx, XHP_ACTION_ONLINE) :
				       run_exec(impl, "online");
		t1 = bench_now_ms();
		r |= impl == OURS_LIB ? run_lib(ctx, XHP_ACTION_OFFLINE) :
					run_exec(impl, "offline");
		t2 = bench_now_ms();
		if (r) {
			fprintf(stderr, "run failed\n");
			exit(1);
		}
		on[i] = t1 - t0;
		off[i] = t2 - t1;
		both[i] = t2 - t0;
		own[i] = both[i] - wait_ms;
	}
	if (impl == OURS_LIB)
		snprintf(own50, sizeof(own50), "%.2f", pct(own, iters, 0.5));
	printf("| %5d | %-14s | %4d | %8.2f | %8.2f | %8.2f | %8.2f | "
	       "%8.2f | %8.2f | %8s |\n",
	       ports, impl_names[impl], iters, pct(on, iters, 0.5),
	       pct(on, iters, 0.9), pct(off, iters, 0.5), pct(off, iters, 0.9),
	       pct(both, iters, 0.5), pct(both, iters, 0.9), own50);
	fflush(stdout);
}

static void xs_put(struct xs_handle *xs, const char *path, const char *v)
{
	if (tu_xs_write(xs, path, v) < 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 10, 100, 1000 };
	int iters = argc > 1 ? atoi(argv[1]) : 30, have = 0;
	struct xs_handle *xs;
	xhp_ctx *ctx;
	size_t s;

	if (iters < 1 || iters > MAX_ITER)
		iters = 30;
	tu_require_root("network namespaces, taps and Open vSwitch daemons");
	if (tu_netns_enter() < 0 || xsd_start(&xsd) < 0)
		return 1;
	if (ovsd_start(&ovs, true) < 0 || ovsd_add_bridge(&ovs, "br0") < 0)
		goto fail;
	snprintf(rundir_env, sizeof(rundir_env), "OVS_RUNDIR=%s", ovs.dir);
	xs = xs_open(0);
	if (!xs)
		goto fail;
	xs_put(xs, "/local/domain/1/vm",
	       "/vm/0bd3e1a4-1111-2222-3333-444455556666");
	xs_put(xs, "/vm/0bd3e1a4-1111-2222-3333-444455556666/name", "bench");
	xs_put(xs, "/vm/0bd3e1a4-1111-2222-3333-444455556666/uuid",
	       "0bd3e1a4-1111-2222-3333-444455556666");
	xs_put(xs, BE "/frontend-id", "1");
	xs_put(xs, BE "/mac", "00:16:3e:00:00:01");
	xs_put(xs, BE "/bridge", "br0.10");
	xs_close(xs);
	if (tu_runl(NULL, "ip", "tuntap", "add", "dev", "vif1.0", "mode", "tap",
		    NULL) != 0 ||
	    xhp_ctx_new(&ctx) < 0)
		goto fail;
	xhp_ctx_set_log_fn(ctx, log_fn, NULL);
	xhp_ctx_set_log_priority(ctx, LOG_DEBUG);

	printf("vif-openvswitch online+offline latency (ms), bridge br0.10, "
	       "private ovsdb-server + ovs-vswitchd (netdev datapath)\n\n");
	printf("| ports | implementation | runs | online50 | online90 | "
	       "offlin50 | offlin90 |  pair50  |  pair90  | own50    |\n");
	printf("|-------|----------------|------|----------|----------|"
	       "----------|----------|----------|----------|----------|\n");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		if (add_ports(have, sizes[s]) < 0)
			goto fail;
		have = sizes[s];
		measure(ctx, have, OURS_LIB, iters);
		measure(ctx, have, OURS_CLI, iters);
		measure(ctx, have, XEN, iters / 3 > 3 ? iters / 3 : 3);
	}
	xhp_ctx_unref(ctx);
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	return 0;
fail:
	fprintf(stderr, "bench_ovs: set-up failed\n");
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	return 1;
}
