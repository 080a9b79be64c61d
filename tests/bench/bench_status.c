// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_status: the cost of `xhp-hotplug status` over 10 and 1000
 * connected vif-bridge devices (veths on one bridge, their backends in
 * the test xenstored), in its own network namespace: the library's walk
 * (xhp_backend_list + xhp_device_inspect of each) in-process, and the
 * CLI as a process. Prints the total and the cost per device (median of
 * the runs, and the fastest, as the machine may be shared); targets: <= 200 ms at 1000, per device 1000/10 <= 1.5x.
 *
 *   bench_status [runs]   (default 9)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xhp/xhp.h>

#include "bench.h"
#include "testutil.h"
#include "xsd_harness.h"

/* Links vif<D>.0 for D in [1, want], on br0 and up. */
static void links(unsigned int want)
{
	char *batch;
	unsigned int d;
	FILE *f;

	if (asprintf(&batch, "/tmp/bench-status-%d.batch", (int)getpid()) < 0)
		bench_die("asprintf");
	f = fopen(batch, "we");
	if (!f)
		bench_die("batch file");
	for (d = 1; d <= want; d++) {
		fprintf(f, "link add vif%u.0 type veth peer name g%u\n", d, d);
		fprintf(f, "link set vif%u.0 master br0 up\n", d);
	}
	fclose(f);
	if (tu_runl(NULL, "ip", "-batch", batch, NULL) != 0)
		bench_die("ip -batch");
	unlink(batch);
	free(batch);
}
/* Backends of vif<D>.0 for D in [1, want], connected, in @x. */
static void backends(const struct xsd *x, unsigned int want)
{
	static const char *const keys[][2] = {
		{ "script", "/etc/xen/scripts/vif-bridge" },
		{ "bridge", "br0" },
		{ "online", "1" },
		{ "state", "4" },
		{ "frontend-id", NULL },
		{ "hotplug-status", "connected" },
	};
	char path[96];
	unsigned int d;
	size_t k;

	if (setenv("XENSTORED_PATH", x->socket, 1) < 0)
		bench_die("setenv");
	for (d = 1; d <= want; d++)
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			char v[16];

			snprintf(path, sizeof(path),
				 "/local/domain/0/backend/vif/%u/0/%s", d,
				 keys[k][0]);
			snprintf(v, sizeof(v), "%u", d);
			if (tu_xs_write(NULL, path, keys[k][1] ?: v) < 0)
				bench_die("xenstore write");
		}
}

/* Walks of 10 devices per sample of the library's cost. */
#define SMALL_REPEAT 100

/* One status walk in-process; returns the number of drifting devices. */
static int walk(xhp_ctx *ctx, unsigned int *ret_n)
{
	xhp_inspection *ins;
	xhp_request *req;
	char **list, dev[32];
	int n, i, drift = 0;
	unsigned int d;

	n = xhp_backend_list(ctx, "vif", -1, &list);
	if (n < 0)
		bench_die(xhp_ctx_last_error(ctx));
	for (i = 0; i < n; i++) {
		if (sscanf(list[i], "/local/domain/0/backend/vif/%u/", &d) != 1)
			bench_die("path");
		snprintf(dev, sizeof(dev), "vif%u.0", d);
		if (xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
				    list[i], dev, &req) < 0 ||
		    xhp_device_inspect(ctx, req, &ins) < 0)
			bench_die(xhp_ctx_last_error(ctx));
		drift += xhp_inspection_drift_count(ins) > 0;
		xhp_inspection_free(ins);
		xhp_request_free(req);
	}
	xhp_backend_list_free(list);
	*ret_n = (unsigned int)n;
	return drift;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_d);
	return v[n / 2];
}

/* A context of its own on xenstored @x (xs_open() reads the socket's
 * path from the environment at its first call). */
static xhp_ctx *ctx_on(const struct xsd *x)
{
	unsigned int n;
	xhp_ctx *ctx;

	if (setenv("XENSTORED_PATH", x->socket, 1) < 0 || xhp_ctx_new(&ctx) < 0)
		bench_die("context");
	if (walk(ctx, &n) != 0)
		bench_die("a first walk");
	return ctx;
}

/* One sample of size @s: the library's walk(s), then the CLI. */
static void sample(size_t s, unsigned int size, xhp_ctx *ctx,
		   const struct xsd *x, double *lib, double *proc)
{
	const char *cli[] = { XHP_CLI, "status", "--lock-dir", "/nonexistent",
			      NULL };
	int j, e, reps = size < 100 ? SMALL_REPEAT : 1;
	unsigned int n;
	double t;

	t = bench_now_ms();
	for (j = 0; j < reps; j++)
		if (walk(ctx, &n) != 0 || n != size)
			bench_die("a clean walk");
	*lib = (bench_now_ms() - t) / reps;
	if (setenv("XENSTORED_PATH", x->socket, 1) < 0)
		bench_die("setenv");
	t = bench_now_ms();
	e = tu_run((char *const *)cli, NULL, 120000, NULL);
	*proc = bench_now_ms() - t;
	/* 1: other tests' loop devices with xhp's mark whose backends are
	 * not in this xenstored. */
	if (e != 0 && e != 1)
		bench_die("xhp-hotplug status (exit 0 or 1)");
	(void)s;
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 10, 1000 };
	int runs = argc > 1 ? atoi(argv[1]) : 9;
	double lib[2][64], proc[2][64], per[2], cli_ms[2], t;
	struct xsd x[2] = { XSD_INIT, XSD_INIT };
	xhp_ctx *ctx[2];
	size_t s;
	int i;

	if (runs < 1 || runs > 64)
		runs = 9;
	tu_require_root("bench_status makes links");
	if (tu_netns_enter() < 0 || xsd_start(&x[0]) < 0 ||
	    xsd_start(&x[1]) < 0)
		bench_die("namespace or xenstored");
	if (tu_runl(NULL, "ip", "link", "add", "br0", "type", "bridge", NULL) ||
	    tu_runl(NULL, "ip", "link", "set", "br0", "up", NULL))
		bench_die("bridge");
	links(sizes[1]);
	for (s = 0; s < 2; s++) {
		backends(&x[s], sizes[s]);
		ctx[s] = ctx_on(&x[s]);
	}
	/* Turn about, so that both sizes see the machine in the same
	 * state (two cores shared with other work here). */
	for (i = 0; i < runs; i++)
		for (s = 0; s < 2; s++)
			sample(s, sizes[s], ctx[s], &x[s], &lib[s][i],
			       &proc[s][i]);
	printf("%d runs each, in turn, median (fastest); %u links on one bridge\n",
	       runs, sizes[1]);
	printf("%8s %20s %16s %20s\n", "devices", "library walk ms",
	       "us per device", "xhp-hotplug status ms");
	for (s = 0; s < 2; s++) {
		t = median(lib[s], runs);
		per[s] = t * 1000.0 / sizes[s];
		cli_ms[s] = median(proc[s], runs);
		printf("%8u %12.2f (%5.2f) %16.1f %12.1f (%5.1f)\n", sizes[s],
		       t, lib[s][0], per[s], cli_ms[s], proc[s][0]);
	}
	printf("goal: status over 1000 devices <= 200 ms: %.1f ms, %s\n",
	       cli_ms[1], cli_ms[1] <= 200.0 ? "met" : "MISSED");
	printf("goal: per-device cost 1000 vs 10 <= 1.5x: %.2fx, %s\n",
	       per[1] / per[0], per[1] / per[0] <= 1.5 ? "met" : "MISSED");
	for (s = 0; s < 2; s++) {
		xhp_ctx_unref(ctx[s]);
		xsd_stop(&x[s]);
	}
	return 0;
}
