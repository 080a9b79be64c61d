// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Block add+remove latency with 0, 50, 200 and 500 other vbd backends in
 * xenstore (4 disks per domain, none sharing our device): Xen's
 * /etc/xen/scripts/block, our xhp-hotplug CLI (a process per run, as libxl
 * runs scripts) and the library in-process. Medians in milliseconds, and
 * the seam calls of one in-process add and remove (xenstore round trips;
 * for a file also the few loop device calls).
 * Last, with 500 backends, a storm: another process keeps creating and
 * removing the backend directories of other domains (as libxl does while
 * guests start and stop) during the runs of ours.
 * Needs root (loop devices). Usage: bench_block [reps-ours [reps-xen]]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xhp/xhp.h>

#include "bench.h"
#include "blocktest.h"
#include "fault.h"
#include "testutil.h"

typedef int (*tool_fn)(const char *cmd, const char *bp);

/* Seam calls (xenstore round trips, and loop device calls) of the last
 * in-process add and remove, counted by a fault plan that fails none. */
static unsigned int calls_add, calls_rm;

static int lib(const char *cmd, const char *bp)
{
	struct xhp_fault plan = { 0 };
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int r;

	if (xhp_ctx_new(&ctx) < 0)
		return 1;
	r = xhp_request_new(
		ctx, !strcmp(cmd, "add") ? XHP_ACTION_ADD : XHP_ACTION_REMOVE,
		XHP_KIND_VBD, bp, NULL, &req);
	ctx->fault = &plan;
	if (r == 0)
		r = xhp_device_run(ctx, "block", req, NULL);
	ctx->fault = NULL;
	*(!strcmp(cmd, "add") ? &calls_add : &calls_rm) = plan.calls;
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r < 0 ? 1 : 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* N other backends: domains 100.., 4 disks each, state 4 (connected). */
static void populate(struct xs_handle *xs, int n)
{
	char bp[128], v[64];
	int i;

	tu_xs_rm(xs, "/local/domain/0/backend/vbd");
	for (i = 0; i < n; i++) {
		unsigned int dom = 100 + (unsigned int)i / 4;

		snprintf(bp, sizeof(bp), "backend/vbd/%u/%d", dom,
			 51712 + (i % 4) * 16);
		snprintf(v, sizeof(v), "/dev/vg0/disk%d", i);
		bt_write(bp, "params", v);
		bt_write(bp, "type", "phy");
		bt_write(bp, "mode", "w");
		snprintf(v, sizeof(v), "%u", dom);
		bt_write(bp, "frontend-id", v);
		bt_write(bp, "state", "4");
		snprintf(v, sizeof(v), "fd:%x", i);
		bt_write(bp, "physical-device", v);
		bt_write(bp, "hotplug-status", "connected");
		snprintf(bp, sizeof(bp), "/local/domain/%u", dom);
		snprintf(v, sizeof(v), "/vm/" BT_VM_FMT, dom);
		bt_write(bp, "vm", v);
	}
}

/* The storm: backend directories of domains 9000.. come and go. */
static pid_t storm_start(void)
{
	pid_t pid = fork();
	char bp[192], dir[128];
	struct xs_handle *h;
	unsigned int i;

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	h = xs_open(0);
	for (i = 0; h; i++) {
		snprintf(dir, sizeof(dir), "/local/domain/0/backend/vbd/%u",
			 9000 + i % 64);
		snprintf(bp, sizeof(bp), "%s/51712/params", dir);
		tu_xs_write(h, bp, "/dev/vg0/storm");
		if (i % 2)
			tu_xs_rm(h, dir);
	}
	_exit(1);
}

static void storm_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Median add and remove times of @reps runs; -1 when a run failed. */
static void measure(tool_fn tool, const char *params, const char *type,
		    int reps, double *add, double *rm)
{
	double a[64], r[64], c[64], t0, t1, t2;
	char bp[128], *st;
	int i;

	for (i = 0; i < reps; i++) {
		bt_backend(bp, sizeof(bp), 1, 51712, params, "w", type, NULL);
		t0 = bench_now_ms();
		if (tool("add", bp) != 0)
			goto failed;
		t1 = bench_now_ms();
		if (tool("remove", bp) != 0)
			goto failed;
		t2 = bench_now_ms();
		st = bt_read(bp, "hotplug-status");
		if (!st || strcmp(st, "connected")) {
			free(st);
			goto failed;
		}
		free(st);
		a[i] = t1 - t0;
		r[i] = t2 - t1;
		c[i] = calls_add;
	}
	*add = median(a, reps);
	*rm = median(r, reps);
	if (tool == lib)
		calls_add = (unsigned int)median(c, reps);
	return;
failed:
	fprintf(stderr, "bench: %s run %d failed\n", type, i);
	*add = *rm = -1;
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 0, 50, 200, 500 };
	int reps = argc > 1 ? atoi(argv[1]) : 21;
	int xreps = argc > 2 ? atoi(argv[2]) : 3;
	struct xs_handle *xs;
	char *img, *phy_img, *node;
	size_t s;
	int k;

	if (reps < 1 || reps > 64 || xreps < 1 || xreps > 64) {
		fprintf(stderr, "usage: bench_block [reps 1..64 [xen-reps]]\n");
		return 2;
	}
	bt_init("xhp-bench-block");
	xs = xs_open(0);
	img = bt_image("file.img", 16, NULL, NULL);
	phy_img = bt_image("phy.img", 16, NULL, NULL);
	node = bt_losetup(phy_img, false);
	printf("block add / remove, median ms (ours: %d runs, Xen: %d runs)"
	       "\n\n",
	       reps, xreps);
	printf("%-9s %-5s | %14s | %14s | %14s | %11s\n", "backends", "kind",
	       "Xen's script", "xhp-hotplug", "libxhp", "seam calls");
	printf("%-9s %-5s | %6s %7s | %6s %7s | %6s %7s | %4s %6s\n", "", "",
	       "add", "remove", "add", "remove", "add", "remove", "add",
	       "remove");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		populate(xs, sizes[s]);
		for (k = 0; k < 2; k++) {
			const char *params = k ? node : img;
			const char *type = k ? "phy" : "file";
			double xa, xr, ca, cr, la, lr;

			measure(bt_xen, params, type, xreps, &xa, &xr);
			measure(bt_cli, params, type, reps, &ca, &cr);
			measure(lib, params, type, reps, &la, &lr);
			if (bt_loops_of(img) != 0)
				fprintf(stderr,
					"bench: %s left a loop device"
					"\n",
					type);
			printf("%-9d %-5s | %6.1f %7.1f | %6.1f %7.1f | "
			       "%6.2f %7.2f | %4u %6u\n",
			       sizes[s], type, xa, xr, ca, cr, la, lr,
			       calls_add, calls_rm);
			fflush(stdout);
		}
	}
	{
		double ca, cr, la, lr;
		pid_t storm = storm_start();

		measure(bt_cli, node, "phy", reps, &ca, &cr);
		measure(lib, node, "phy", reps, &la, &lr);
		storm_stop(storm);
		printf("%-9s %-5s | %6s %7s | %6.1f %7.1f | %6.2f %7.2f | "
		       "%4u %6u\n",
		       "500+storm", "phy", "-", "-", ca, cr, la, lr, calls_add,
		       calls_rm);
	}
	free(node);
	free(phy_img);
	free(img);
	xs_close(xs);
	bt_fini();
	return 0;
}
