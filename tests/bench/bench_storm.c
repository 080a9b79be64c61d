// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench_storm: a storm of N vifs (N = 10, 100, 1000), from the first
 * backend state=2 to the last hotplug-status=connected, side by side:
 *   (a) a runner that forks Xen's /etc/xen/scripts/vif-bridge per device
 *       as `xl devd` does (libxhp's script runner, all at once),
 *   (b) the same runner forking xhp-hotplug's vif-bridge,
 *   (c) xhp-devd (a process, as deployed);
 * the kernel's floor (`ip -batch` enslaving and raising the same N), and
 * the unplug storm of the N with xhp-devd (online 0, state 5 -> 6, until
 * no port is left on the bridge). Taps stand in for netback's vifs, the
 * project's test xenstored for xenstored, in a network and mount
 * namespace of its own. Then block: one vbd added beside 0 and 500
 * other vbd backends, through xhp-devd (whose sharing check asks its
 * index of backends) and through the library in-process (which scans
 * them all, as the CLI does). Then memory: an in-process xhp_host after 100 and
 * after 10,000 plug/unplug cycles (RSS, open descriptors).
 *
 *   bench_storm [--xen-max N] [--cycles N] [--table FILE]
 *     --xen-max: largest N run with Xen's script (default 1000)
 *     --table: also write the storm table (N, a, b, devd in ms) there
 */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>
#include <xhp/xhp.h>

#include "bench.h"
#include "sim.h"
#include "testutil.h"
#include "xsd_harness.h"

#define XEN_SCRIPT "/etc/xen/scripts/vif-bridge"
#define OUR_SCRIPT XHP_BINARY_DIR "/cli/vif-bridge"
#define DEVD XHP_BINARY_DIR "/cli/xhp-devd"
#define DOMID 7

static struct xs_handle *xs;
static char *dir;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ip -batch of @n lines per pair of @fmts: "<first> vif<DOMID>.<i><second>"
 * ("tuntap add", " mode tap"). */
static double ip_batch(unsigned int n, const char *const fmts[])
{
	char path[512];
	uint64_t t0;
	unsigned int i;
	size_t f;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/batch", dir);
	fp = fopen(path, "w");
	if (!fp)
		bench_die("fopen");
	for (f = 0; fmts[f]; f += 2)
		for (i = 0; i < n; i++)
			fprintf(fp, "%s vif%u.%u%s\n", fmts[f], DOMID, i,
				fmts[f + 1]);
	fclose(fp);
	t0 = now_us();
	bench_sh("ip", "-batch", path, NULL);
	return (now_us() - t0) / 1000.0;
}

static void make_taps(unsigned int n)
{
	static const char *const f[] = { "tuntap add", " mode tap", NULL };

	ip_batch(n, f);
}

static void del_taps(unsigned int n)
{
	static const char *const f[] = { "link del", "", NULL };

	ip_batch(n, f);
}

/* Backends at state 1, then the clock starts with the first state=2. */
static void backends(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (sim_vif_create(xs, DOMID, i, "br0", NULL))
			bench_die("sim_vif_create");
}

static void rm_backends(void)
{
	tu_xs_rm(xs, SIM_BE);
	tu_xs_rm(xs, "/local/domain/"
		     "7");
}

/*
 * Walk all N to state 2 and wait for every hotplug-status=connected,
 * through a watch. With @runner, this process is also the runner: it
 * spawns @script for each device whose state turns 2 (as xl devd does).
 */
static double storm(unsigned int n, const char *script)
{
	struct xs_handle *w = xs_open(0);
	xhp_script **run = calloc(n, sizeof(*run));
	char *seen = calloc(n, 1);
	unsigned int i, connected = 0, num, domid, devid, running = 0;
	char key[64], **v, *val;
	xhp_ctx *ctx = NULL;
	uint64_t t0;

	if (!w || !run || !seen || !xs_watch(w, SIM_BE "/vif", "s") ||
	    xhp_ctx_new(&ctx) < 0)
		bench_die("watch");
	t0 = now_us();
	for (i = 0; i < n; i++)
		if (sim_state(xs, "vif", DOMID, i, 2))
			bench_die("state 2");
	while (connected < n) {
		struct pollfd p = { .fd = xs_fileno(w), .events = POLLIN };

		poll(&p, 1, running ? 5 : 1000);
		while ((v = xs_check_watch(w))) {
			if (sscanf(v[0], SIM_BE "/vif/%u/%u/%63s", &domid,
				   &devid, key) == 3 &&
			    devid < n) {
				val = xs_read(w, XBT_NULL, v[0], &num);
				if (!strcmp(key, "hotplug-status") && val &&
				    !strcmp(val, "connected") && !seen[devid]) {
					seen[devid] = 1;
					connected++;
				}
				if (script && !strcmp(key, "state") && val &&
				    !strcmp(val, "2") && !run[devid]) {
					char be[64], dev[32];
					xhp_request *req;

					snprintf(be, sizeof(be),
						 SIM_BE "/vif/%u/%u", domid,
						 devid);
					snprintf(dev, sizeof(dev), "vif%u.%u",
						 domid, devid);
					if (xhp_request_new(ctx,
							    XHP_ACTION_ONLINE,
							    XHP_KIND_VIF, be,
							    dev, &req) < 0 ||
					    xhp_script_spawn(ctx, script, req,
							     &run[devid]) < 0)
						bench_die(xhp_ctx_last_error(
							ctx));
					xhp_request_free(req);
					running++;
				}
				free(val);
			}
			free(v);
		}
		for (i = 0; script && i < n; i++)
			if (run[i] && xhp_script_dispatch(run[i]) == 1) {
				run[i] = xhp_script_free(run[i]);
				running--;
			}
	}
	t0 = now_us() - t0;
	for (i = 0; i < n; i++)
		xhp_script_free(run[i]);
	xs_unwatch(w, SIM_BE "/vif", "s");
	xs_close(w);
	free(run);
	free(seen);
	xhp_ctx_unref(ctx);
	return t0 / 1000.0;
}

static unsigned int ports_on_br0(void)
{
	char *out = NULL, *p;
	unsigned int n = 0;

	if (tu_runl(&out, "ip", "-o", "link", "show", "master", "br0", NULL))
		bench_die("ip link show master");
	for (p = out; p && (p = strchr(p, '\n')); p++)
		n++;
	free(out);
	return n;
}

/* online 0, state 5 -> 6 for all N, until br0 has no port left. */
static double unplug_storm(unsigned int n)
{
	char path[128];
	uint64_t t0 = now_us();
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), SIM_BE "/vif/%u/%u/online", DOMID,
			 i);
		if (tu_xs_write(xs, path, "0") ||
		    sim_state(xs, "vif", DOMID, i, 5) ||
		    sim_state(xs, "vif", DOMID, i, 6))
			bench_die("unplug writes");
	}
	while (ports_on_br0())
		;
	return (now_us() - t0) / 1000.0;
}

static pid_t start_devd(void)
{
	char log[512], pid[512];
	const char *extra[] = { "--pidfile", pid, NULL };
	pid_t p;

	snprintf(log, sizeof(log), "%s/devd.log", dir);
	snprintf(pid, sizeof(pid), "%s/devd.pid", dir);
	unlink(pid);
	p = sim_devd_start(DEVD, dir, log, extra);
	if (p < 0 || sim_wait_file(pid, 20000))
		bench_die("xhp-devd start");
	return p;
}

static double floor_release;

static double floor_enslave(unsigned int n)
{
	static const char *const f[] = { "link set", " master br0", "link set",
					 " up", NULL };
	static const char *const undo[] = { "link set", " nomaster", NULL };
	double ms = ip_batch(n, f);

	floor_release = ip_batch(n, undo);
	return ms;
}

static void reset(unsigned int n)
{
	rm_backends();
	del_taps(n);
	make_taps(n);
	backends(n);
}

static long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	size_t len = strlen(key);

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len))
			v = strtol(line + len + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1;
}

struct cycles {
	int plugged, unplugged, failed;
};

static void on_event(void *ud, const xhp_host_event *ev)
{
	struct cycles *c = ud;

	c->plugged += ev->type == XHP_HOST_PLUGGED;
	c->unplugged += ev->type == XHP_HOST_UNPLUGGED;
	c->failed += ev->type == XHP_HOST_FAILED;
}

static void run_until(xhp_host *h, const int *count, int want)
{
	struct pollfd p = { .fd = xhp_host_fd(h), .events = POLLIN };

	while (*count < want) {
		poll(&p, 1, 50);
		if (xhp_host_dispatch(h) < 0)
			bench_die("dispatch");
	}
}

/*
 * RSS once malloc has given back what is free (malloc_trim: every
 * arena, and the host's workers each have one), so that memory the
 * earlier phases freed, and an arena's cache, are not taken for what the
 * host keeps.
 */
static long live_rss_kb(void)
{
	malloc_trim(0);
	return status_kb("VmRSS:");
}

/* One vif plugged and unplugged @n times by an in-process host. */
static void memory(unsigned int total)
{
	struct cycles c = { 0 };
	xhp_host_opts o = { .size = sizeof(o),
			    .domid = -1,
			    .event_fn = on_event,
			    .userdata = &c };
	long rss100 = 0, rss;
	int fds100 = 0;
	xhp_ctx *ctx;
	xhp_host *h;
	unsigned int i;

	rm_backends();
	if (xhp_ctx_new(&ctx) < 0 || xhp_ctx_set_lock_dir(ctx, dir) < 0 ||
	    xhp_host_new(ctx, &o, &h) < 0)
		bench_die("xhp_host_new");
	for (i = 1; i <= total; i++) {
		if (sim_vif_create(xs, DOMID, 0, "br0", NULL) ||
		    sim_state(xs, "vif", DOMID, 0, 2))
			bench_die("cycle create");
		run_until(h, &c.plugged, (int)i);
		if (sim_destroy(xs, "vif", DOMID, 0))
			bench_die("cycle destroy");
		run_until(h, &c.unplugged, (int)i);
		if (i == 100) {
			rss100 = live_rss_kb();
			fds100 = open_fds();
		}
	}
	rss = live_rss_kb();
	printf("\nmemory: in-process xhp_host, one vif plugged and unplugged\n");
	printf("  after %6u cycles: RSS %ld KiB, %d open fds\n", 100u, rss100,
	       fds100);
	printf("  after %6u cycles: RSS %ld KiB, %d open fds (failures %d)\n",
	       total, rss, open_fds(), c.failed);
	printf("  growth: %ld KiB\n", rss - rss100);
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

/* @n vbd backends of other guests, plugged long ago (state 4). */
static void other_vbds(unsigned int n)
{
	char path[160], v[32];
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (sim_vbd_create(xs, 100 + i / 16, 51712 + i % 16,
				   "/nonexistent"))
			bench_die("sim_vbd_create");
		snprintf(path, sizeof(path),
			 SIM_BE "/vbd/%u/%u/physical-device", 100 + i / 16,
			 51712 + i % 16);
		snprintf(v, sizeof(v), "fe:%x", i);
		if (tu_xs_write(xs, path, v))
			bench_die("physical-device");
		path[strlen(path) - strlen("physical-device")] = '\0';
		strcat(path, "hotplug-status");
		if (tu_xs_write(xs, path, "connected") ||
		    sim_state(xs, "vbd", 100 + i / 16, 51712 + i % 16, 4))
			bench_die("other vbd");
	}
}

#define VBD_RUNS 7

/* Wait for @path to read @want, by a watch (no polling interval). */
static void wait_value(struct xs_handle *w, const char *path, const char *want)
{
	unsigned int len;
	char **v, *val;
	bool ok = false;

	while (!ok) {
		struct pollfd p = { .fd = xs_fileno(w), .events = POLLIN };

		val = xs_read(w, XBT_NULL, path, &len);
		ok = val && !strcmp(val, want);
		free(val);
		if (ok)
			break;
		if (poll(&p, 1, 30000) <= 0)
			bench_die("wait_value");
		while ((v = xs_check_watch(w)))
			free(v);
	}
}

/*
 * One file-backed vbd added with @others other vbd backends in xenstore:
 * through xhp-devd (state=2 to connected) and through the library
 * in-process (xhp_device_run add, which scans every backend). Medians.
 */
static void block_add(unsigned int others)
{
	char file[512], be[128], *loop = NULL;
	double devd_ms[VBD_RUNS], lib_ms[VBD_RUNS];
	struct xs_handle *w = xs_open(0);
	xhp_request *req;
	xhp_ctx *ctx;
	uint64_t t0;
	pid_t devd;
	int k;

	/* a block device (not a file: a file with no loop device yet
	 * needs no sharing check), so that every add checks the others */
	snprintf(file, sizeof(file), "%s/disk.img", dir);
	bench_sh("truncate", "-s", "8M", file, NULL);
	if (tu_runl(&loop, "losetup", "--find", "--show", file, NULL) ||
	    !loop || !w || !xs_watch(w, SIM_BE "/vbd/9", "v"))
		bench_die("losetup");
	loop[strcspn(loop, "\n")] = '\0';
	rm_backends();
	other_vbds(others);
	devd = start_devd();
	for (k = 0; k < VBD_RUNS; k++) {
		if (sim_vbd_create(xs, 9, 51712, loop))
			bench_die("vbd");
		t0 = now_us();
		if (sim_state(xs, "vbd", 9, 51712, 2))
			bench_die("vbd state");
		wait_value(w, SIM_BE "/vbd/9/51712/hotplug-status",
			   "connected");
		devd_ms[k] = (now_us() - t0) / 1000.0;
		if (tu_xs_write(xs, SIM_BE "/vbd/9/51712/online", "0") ||
		    sim_state(xs, "vbd", 9, 51712, 6))
			bench_die("vbd unplug");
		usleep(20000); /* the remove writes nothing to wait for */
		tu_xs_rm(xs, SIM_BE "/vbd/9/51712");
	}
	if (sim_devd_stop(devd, 30000) != 0)
		bench_die("xhp-devd stop");
	if (xhp_ctx_new(&ctx) < 0 || xhp_ctx_set_lock_dir(ctx, dir) < 0)
		bench_die("ctx");
	snprintf(be, sizeof(be), SIM_BE "/vbd/9/51712");
	for (k = 0; k < VBD_RUNS; k++) {
		if (sim_vbd_create(xs, 9, 51712, loop) ||
		    sim_state(xs, "vbd", 9, 51712, 2) ||
		    xhp_request_new(ctx, XHP_ACTION_ADD, XHP_KIND_VBD, be, NULL,
				    &req) < 0)
			bench_die("vbd");
		t0 = now_us();
		if (xhp_device_run(ctx, "block", req, NULL) < 0)
			bench_die(xhp_ctx_last_error(ctx));
		lib_ms[k] = (now_us() - t0) / 1000.0;
		xhp_request_free(req);
		if (xhp_request_new(ctx, XHP_ACTION_REMOVE, XHP_KIND_VBD, be,
				    NULL, &req) < 0 ||
		    xhp_device_run(ctx, "block", req, NULL) < 0)
			bench_die(xhp_ctx_last_error(ctx));
		xhp_request_free(req);
		tu_xs_rm(xs, be);
	}
	xhp_ctx_unref(ctx);
	xs_close(w);
	tu_runl(NULL, "losetup", "-d", loop, NULL);
	free(loop);
	qsort(devd_ms, VBD_RUNS, sizeof(double), bench_cmp_d);
	qsort(lib_ms, VBD_RUNS, sizeof(double), bench_cmp_d);
	printf("%8u %22.2f %22.2f\n", others, devd_ms[VBD_RUNS / 2],
	       lib_ms[VBD_RUNS / 2]);
	rm_backends();
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 10, 100, 1000 };
	unsigned int xen_max = 1000, cycles = 10000, s, n;
	double a, b, c, fl, un;
	struct xsd x = XSD_INIT;
	const char *table = NULL;
	FILE *tf = NULL;
	pid_t devd;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--xen-max") && i + 1 < argc)
			xen_max = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
			cycles = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--table") && i + 1 < argc)
			table = argv[++i];
		else {
			fprintf(stderr,
				"usage: bench_storm [--xen-max N] [--cycles N] [--table FILE]\n");
			return 2;
		}
	}
	tu_require_root("the storm makes taps and runs xenstored");
	bench_xen_ns_enter();
	dir = tu_mkdtemp("bench-storm");
	if (!dir || xsd_start(&x) < 0 || !(xs = xs_open(0)))
		bench_die("set-up");
	signal(SIGPIPE, SIG_IGN);
	bench_sh("ip", "link", "add", "br0", "type", "bridge", NULL);
	bench_sh("ip", "link", "set", "br0", "up", NULL);
	if (table && !(tf = fopen(table, "w")))
		bench_die("--table");
	if (tf)
		fprintf(tf,
			"# N xen_script_ms xhp_hotplug_ms xhp_devd_ms ip_batch_ms\n");
	printf("storm: N vifs, first state=2 to last hotplug-status=connected (ms)\n");
	printf("%6s %14s %14s %10s %12s %8s %8s\n", "N", "(a) xen fork",
	       "(b) xhp fork", "xhp-devd", "ip -batch", "a/devd", "unplug");
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		make_taps(n);
		fl = floor_enslave(n);
		a = -1;
		if (n <= xen_max) {
			reset(n);
			a = storm(n, XEN_SCRIPT);
		}
		reset(n);
		b = storm(n, OUR_SCRIPT);
		reset(n);
		devd = start_devd();
		c = storm(n, NULL);
		un = unplug_storm(n);
		if (sim_devd_stop(devd, 30000) != 0)
			bench_die("xhp-devd stop");
		printf("%6u %14.1f %14.1f %10.1f %12.1f %8.1f %8.1f %10.1f\n",
		       n, a, b, c, fl, a > 0 ? a / c : 0.0, un, floor_release);
		fflush(stdout);
		if (tf)
			fprintf(tf, "%u %.1f %.1f %.1f %.1f\n", n, a, b, c, fl);
		rm_backends();
		del_taps(n);
	}
	if (tf)
		fclose(tf);
	printf("\nblock: a vbd (a loop block device) added beside N other vbd backends (median ms)\n");
	printf("%8s %22s %22s\n", "N", "xhp-devd (state 2->conn)",
	       "library add (scans)");
	block_add(0);
	block_add(500);
	make_taps(1);
	memory(cycles);
	del_taps(1);
	xs_close(xs);
	xsd_stop(&x);
	tu_rmtree(dir);
	return 0;
}
