// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Self-healing of xhp_host and xhp-devd with real parts: the test
 * xenstored, real taps and a real bridge in a throwaway network
 * namespace, the netback/libxl simulator (sim.h). The drift is made for
 * real (ip link del/add, ip link set nomaster) and the heal read back
 * from the kernel, the events and the daemon's log and state file.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <syslog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>
#include <xhp/xhp.h>
#include <jansson.h>

#include "ovs_harness.h"
#include "sim.h"
#include "testutil.h"
#include "xsd_harness.h"

#define DEVD XHP_BINARY_DIR "/cli/xhp-devd"
#define VIF_BRIDGE "/etc/xen/scripts/vif-bridge"
/* Waits, generous for valgrind; not a timing test. */
#define LONG_MS 60000

struct T {
	struct xsd x;
	struct xs_handle *xs;
	char *dir;
	char log[512], state[512];
	pid_t devd;
};
static struct T T;

static void ip(const char *a1, ...)
{
	const char *argv[16] = { "ip", a1 };
	va_list ap;
	int n = 2, r;

	va_start(ap, a1);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	r = tu_run((char *const *)argv, NULL, 10000, NULL);
	if (r != 0)
		fail_msg("ip %s %s %s: exit %d", a1, argv[2], argv[3], r);
}

static bool file_has(const char *path, const char *what)
{
	char *s = tu_read_file(path);
	bool r = s && strstr(s, what);

	if (!r)
		print_message("%s (looking for '%s'):\n%s\n", path, what,
			      s ? s : "(none)");
	free(s);
	return r;
}

static int wait_file_has(const char *path, const char *what, int timeout_ms)
{
	int r = tu_wait_file_has(path, what, timeout_ms);

	return r == 0 || file_has(path, what) ? 0 : r;
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	T.x = (struct xsd)XSD_INIT;
	if (xsd_start(&T.x) < 0)
		return -1;
	T.xs = xs_open(0);
	T.dir = tu_mkdtemp("xhp-heal");
	if (!T.xs || !T.dir)
		return -1;
	snprintf(T.log, sizeof(T.log), "%s/devd.log", T.dir);
	snprintf(T.state, sizeof(T.state), "%s/devd-state.json", T.dir);
	tu_links_del_all(NULL);
	ip("link", "add", "br0", "type", "bridge", NULL);
	ip("link", "set", "br0", "up", NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (T.devd > 0)
		sim_devd_stop(T.devd, 10000);
	T.devd = 0;
	if (T.xs)
		xs_close(T.xs);
	xsd_stop(&T.x);
	tu_links_del_all(NULL);
	if (T.dir)
		tu_rmtree(T.dir);
	free(T.dir);
	return 0;
}

/* A tap for vif<domid>.<devid>, its backend at state 2. */
static void plug_with(unsigned int domid, unsigned int devid,
		      const char *bridge, const char *script)
{
	char name[32];

	snprintf(name, sizeof(name), "vif%u.%u", domid, devid);
	ip("tuntap", "add", name, "mode", "tap", NULL);
	assert_int_equal(sim_vif_create(T.xs, domid, devid, bridge, script), 0);
	assert_int_equal(sim_state(T.xs, "vif", domid, devid, 2), 0);
}

static void plug(unsigned int domid, unsigned int devid)
{
	plug_with(domid, devid, "br0", VIF_BRIDGE);
}

static void connected(unsigned int domid, unsigned int devid)
{
	assert_int_equal(sim_wait(T.xs, "vif", domid, devid, "hotplug-status",
				  "connected", LONG_MS),
			 0);
	assert_int_equal(sim_state(T.xs, "vif", domid, devid, 4), 0);
}

static void start_devd(const char *const extra[])
{
	T.devd = sim_devd_start(DEVD, T.dir, T.log, extra);
	assert_true(T.devd > 0);
}

struct events {
	int n;
	int type[256];
	char dev[256][32];
	char msg[256][256];
};

static void on_event(void *ud, const xhp_host_event *ev)
{
	struct events *e = ud;

	if (e->n >= 256 || ev->type == XHP_HOST_READY)
		return;
	e->type[e->n] = ev->type;
	snprintf(e->dev[e->n], sizeof(e->dev[0]), "%s",
		 ev->device ? ev->device : "");
	snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s",
		 ev->message ? ev->message : "");
	e->n++;
}

static xhp_host *host_new(xhp_ctx **ctx, struct events *e,
			  unsigned int heal_limit)
{
	xhp_host_opts o = { .size = sizeof(o),
			    .domid = -1,
			    .event_fn = on_event,
			    .userdata = e,
			    .heal_limit = heal_limit };
	xhp_host *h = NULL;

	assert_int_equal(xhp_ctx_new(ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(*ctx, T.dir), 0);
	assert_int_equal(xhp_host_new(*ctx, &o, &h), 0);
	return h;
}

/* Run the host's loop until @e has @n events or @ms passed. */
static void run_until(xhp_host *h, struct events *e, int n, int ms)
{
	struct pollfd p = { .fd = xhp_host_fd(h), .events = POLLIN };
	int waited = 0, t;

	while (e->n < n && waited < ms) {
		t = xhp_host_timeout_ms(h);
		if (t < 0 || t > 20)
			t = 20;
		poll(&p, 1, t);
		waited += t ? t : 1;
		assert_int_equal(xhp_host_dispatch(h), 0);
	}
}

/* Until nothing is under way, then a little more (events in flight). */
static void settle(xhp_host *h, struct events *e)
{
	int i;

	for (i = 0; i < 50; i++) {
		run_until(h, e, e->n + 1, 20);
		if (xhp_host_busy(h) == 0 && i > 25)
			break;
	}
}

static const char *const NOT_ON_BR0 =
	"not-on-bridge: vif3.0 is not on bridge br0 (it has no master)";

/* A port released with `ip link set nomaster`: re-plugged, one event. */
static void test_nomaster(void **state)
{
	struct events e = { 0 };
	xhp_ctx *ctx;
	xhp_host *h;
	char m[64];

	(void)state;
	h = host_new(&ctx, &e, 0);
	plug(3, 0);
	run_until(h, &e, 1, LONG_MS);
	assert_int_equal(e.type[0], XHP_HOST_PLUGGED);
	connected(3, 0);
	settle(h, &e);
	assert_int_equal(e.n, 1);
	ip("link", "set", "vif3.0", "nomaster", NULL);
	run_until(h, &e, 2, LONG_MS);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.type[1], XHP_HOST_HEALED);
	assert_string_equal(e.dev[1], "vif3.0");
	assert_string_equal(e.msg[1], NOT_ON_BR0);
	assert_string_equal(xhp_host_event_type_to_string(e.type[1]), "healed");
	assert_string_equal(tu_master_of("vif3.0", m), "br0");
	/* connected all along: netback never saw a change */
	assert_int_equal(sim_wait(T.xs, "vif", 3, 0, "hotplug-status",
				  "connected", 0),
			 0);
	/* set down: up again */
	ip("link", "set", "vif3.0", "down", NULL);
	run_until(h, &e, 3, LONG_MS);
	assert_int_equal(e.type[2], XHP_HOST_HEALED);
	assert_string_equal(e.msg[2], "link-down: vif3.0 is down");
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

/*
 * A vif whose backend is being unplugged (online 0, then state 5, 6) is
 * never re-plugged: not by the host, not by a repair whose inspection
 * came before the unplug (checked again under the device lock).
 */
static void test_unplugging_left_alone(void **state)
{
	struct events e = { 0 };
	xhp_inspection *ins = NULL;
	xhp_request *req = NULL;
	xhp_ctx *ctx, *c2;
	xhp_host *h;
	char m[64];
	int r;

	(void)state;
	h = host_new(&ctx, &e, 0);
	plug(3, 0);
	run_until(h, &e, 1, LONG_MS);
	assert_int_equal(e.type[0], XHP_HOST_PLUGGED);
	connected(3, 0);
	settle(h, &e);

	/* an inspection made while connected, a repair after online=0 */
	ip("link", "set", "vif3.0", "nomaster", NULL);
	assert_int_equal(xhp_ctx_new(&c2), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(c2, T.dir), 0);
	assert_int_equal(xhp_request_new(c2, XHP_ACTION_ONLINE, XHP_KIND_VIF,
					 SIM_BE "/vif/3/0", "vif3.0", &req),
			 0);
	assert_int_equal(xhp_device_inspect(c2, req, &ins), 0);
	assert_int_equal(xhp_inspection_repairable(ins), 1);
	assert_true(xs_write(T.xs, XBT_NULL, SIM_BE "/vif/3/0/online", "0", 1));
	r = xhp_inspection_repair(c2, ins, NULL);
	assert_int_equal(r, -ESTALE);
	assert_string_equal(
		xhp_ctx_last_error(c2),
		"/local/domain/0/backend/vif/3/0 is no longer connected (state 4, online 0, hotplug-status connected): not re-plugged");
	assert_string_equal(tu_master_of("vif3.0", m), "");
	xhp_inspection_free(ins);
	xhp_request_free(req);
	xhp_ctx_unref(c2);

	/* the host saw the link event: it looked and left it alone */
	settle(h, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(tu_master_of("vif3.0", m), "");
	/* state 5, 6, gone: unplugged, not healed */
	assert_int_equal(sim_state(T.xs, "vif", 3, 0, 5), 0);
	ip("link", "set", "vif3.0", "down", NULL);
	settle(h, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(sim_destroy(T.xs, "vif", 3, 0), 0);
	run_until(h, &e, 2, LONG_MS);
	settle(h, &e);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.type[1], XHP_HOST_UNPLUGGED);
	assert_string_equal(tu_master_of("vif3.0", m), "");
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

/* Healed heal_limit times in a minute: the next drift is reported once. */
static void test_heal_limit(void **state)
{
	struct events e = { 0 };
	xhp_ctx *ctx;
	xhp_host *h;
	char m[64];
	int i;

	(void)state;
	h = host_new(&ctx, &e, 2);
	plug(3, 0);
	run_until(h, &e, 1, LONG_MS);
	connected(3, 0);
	settle(h, &e);
	for (i = 0; i < 2; i++) {
		ip("link", "set", "vif3.0", "nomaster", NULL);
		run_until(h, &e, 2 + i, LONG_MS);
		assert_int_equal(e.type[1 + i], XHP_HOST_HEALED);
		assert_int_equal(tu_wait_master("vif3.0", "br0", LONG_MS), 0);
	}
	ip("link", "set", "vif3.0", "nomaster", NULL);
	run_until(h, &e, 4, LONG_MS);
	assert_int_equal(e.type[3], XHP_HOST_HEAL_SUPPRESSED);
	assert_string_equal(xhp_host_event_type_to_string(e.type[3]),
			    "heal-suppressed");
	assert_string_equal(e.msg[3], NOT_ON_BR0);
	/* reported once, not looped on */
	ip("link", "set", "vif3.0", "down", NULL);
	ip("link", "set", "vif3.0", "up", NULL);
	settle(h, &e);
	assert_int_equal(e.n, 4);
	assert_string_equal(tu_master_of("vif3.0", m), "");
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

/*
 * xhp-devd: the bridge deleted and created again while 50 vifs are
 * connected: every one back on it, each heal a notice with what drifted
 * and counted in the state file; --heal-limit reached: a warning.
 */
static void test_devd_bridge_recreated(void **state)
{
	const char *extra[] = { "--heal-limit", "1", NULL };
	char name[32], want[160], *out;
	unsigned int i, n = 50;
	int rc;

	(void)state;
	start_devd(extra);
	for (i = 0; i < n; i++)
		plug(7, i);
	for (i = 0; i < n; i++)
		connected(7, i);
	ip("link", "del", "br0", NULL);
	ip("link", "add", "br0", "type", "bridge", NULL);
	ip("link", "set", "br0", "up", NULL);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "vif7.%u", i);
		assert_int_equal(tu_wait_master(name, "br0", LONG_MS), 0);
	}
	for (i = 0; i < n; i++) {
		snprintf(
			want, sizeof(want),
			"healed vif7.%u (vif-bridge, heal 1): not-on-bridge: vif7.%u is not on bridge br0 (it has no master)",
			i, i);
		assert_int_equal(wait_file_has(T.log, want, LONG_MS), 0);
	}
	assert_int_equal(
		wait_file_has(
			T.state,
			"\"/local/domain/0/backend/vif/7/49\":{\"device\":\"vif7.49\",\"heals\":1,",
			LONG_MS),
		0);
	/* the counters in xhp-hotplug status (table and JSON) */
	out = NULL;
	rc = tu_runl(&out, XHP_CLI, "status", "--lock-dir", T.dir,
		     "--devd-state", T.state, "7.12", NULL);
	if (rc != 0)
		print_message("status: %s\n", out ? out : "(nothing)");
	assert_int_equal(rc, 0);
	assert_non_null(strstr(
		out,
		"\nvif   7.12      vif-bridge       4     connected  1     vif7.12 up mtu 1500 on br0\n"));
	free(out);
	out = NULL;
	assert_int_equal(tu_runl(&out, XHP_CLI, "status", "--json",
				 "--lock-dir", T.dir, "--devd-state", T.state,
				 "7.12", NULL),
			 0);
	assert_non_null(strstr(out, "\"heals\": 1\n"));
	free(out);
	/* limit 1: the second drift of a minute is only reported */
	ip("link", "set", "vif7.3", "nomaster", NULL);
	assert_int_equal(
		wait_file_has(
			T.log,
			"not healing vif7.3 again: healed 1 times in the last minute (heal limit): not-on-bridge: vif7.3 is not on bridge br0 (it has no master)",
			LONG_MS),
		0);
	assert_int_equal(wait_file_has(T.state, "\"suppressed\":1", LONG_MS),
			 0);
	assert_int_equal(sim_devd_stop(T.devd, LONG_MS), 0);
	T.devd = 0;
	assert_int_equal(access(T.state, F_OK), -1);
}

/* Drift while no daemon ran: healed by the start-up check. */
static void test_devd_startup(void **state)
{
	(void)state;
	start_devd(NULL);
	plug(8, 0);
	connected(8, 0);
	assert_int_equal(sim_devd_stop(T.devd, LONG_MS), 0);
	T.devd = 0;
	ip("link", "set", "vif8.0", "nomaster", NULL);
	start_devd(NULL);
	assert_int_equal(tu_wait_master("vif8.0", "br0", LONG_MS), 0);
	assert_int_equal(
		wait_file_has(
			T.log,
			"healed vif8.0 (vif-bridge, heal 1): not-on-bridge: vif8.0 is not on bridge br0 (it has no master)",
			LONG_MS),
		0);
}

/*
 * Events and log lines in one sequence (the log function is called from
 * the dispatching thread and from the workers: under a lock).
 */
#define SEQ_MAX 1024
struct seq {
	pthread_mutex_t mu;
	int n;
	char line[SEQ_MAX][320]; /* "event <type> <dev> <msg>", "log <msg>" */
};
static struct seq S = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void seq_add(const char *kind, const char *a, const char *b,
		    const char *c)
{
	pthread_mutex_lock(&S.mu);
	if (S.n < SEQ_MAX)
		snprintf(S.line[S.n++], sizeof(S.line[0]), "%s %s%s%s%s%s",
			 kind, a, b ? " " : "", b ? b : "", c ? " " : "",
			 c ? c : "");
	pthread_mutex_unlock(&S.mu);
}

static void seq_log(void *ud, int priority, const char *message)
{
	(void)ud;
	(void)priority;
	seq_add("log", message, NULL, NULL);
}

static void seq_event(void *ud, const xhp_host_event *ev)
{
	on_event(ud, ev);
	seq_add("event", xhp_host_event_type_to_string(ev->type),
		ev->device ? ev->device : "-", ev->message);
}

/* The index of the first line from @from that has @what, or -1. */
static int seq_find(int from, const char *what)
{
	int i, r = -1;

	pthread_mutex_lock(&S.mu);
	for (i = from < 0 ? 0 : from; r < 0 && i < S.n; i++)
		if (strstr(S.line[i], what))
			r = i;
	pthread_mutex_unlock(&S.mu);
	return r;
}

static void seq_dump(void)
{
	int i;

	pthread_mutex_lock(&S.mu);
	for (i = 0; i < S.n; i++)
		print_message("  %d: %s\n", i, S.line[i]);
	pthread_mutex_unlock(&S.mu);
}

/* A host whose events and (debug) log go into S. */
static xhp_host *seq_host_new(xhp_ctx **ctx, struct events *e)
{
	xhp_host_opts o = { .size = sizeof(o),
			    .domid = -1,
			    .event_fn = seq_event,
			    .userdata = e };
	xhp_host *h = NULL;

	pthread_mutex_lock(&S.mu);
	S.n = 0;
	pthread_mutex_unlock(&S.mu);
	assert_int_equal(xhp_ctx_new(ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(*ctx, T.dir), 0);
	assert_int_equal(xhp_ctx_set_log_fn(*ctx, seq_log, NULL), 0);
	assert_int_equal(xhp_ctx_set_log_priority(*ctx, LOG_DEBUG), 0);
	assert_int_equal(xhp_host_new(*ctx, &o, &h), 0);
	return h;
}

/* Run the loop until a line from @from has @what: its index, or -1. */
static int run_until_seq(xhp_host *h, struct events *e, int from,
			 const char *what)
{
	int i, w;

	for (w = 0; w < LONG_MS; w += 20) {
		i = seq_find(from, what);
		if (i >= 0)
			return i;
		run_until(h, e, e->n + 1, 20);
	}
	seq_dump();
	return -1;
}

/* An HVM guest's emulated NIC: the tap libxl's device model makes. */
static void tap_add(unsigned int domid, unsigned int devid)
{
	char name[32];

	snprintf(name, sizeof(name), "vif%u.%u-emu", domid, devid);
	ip("tuntap", "add", name, "mode", "tap", NULL);
}

/*
 * The tap of an emulated NIC, plugged by the host on its RTM_NEWLINK:
 * released from its bridge, set down, its bridge deleted and created
 * again: healed as the vif is (each heal an event about the tap).
 */
static void test_tap(void **state)
{
	struct events e = { 0 };
	xhp_ctx *ctx;
	xhp_host *h;
	char m[64];
	int i, j;

	(void)state;
	h = seq_host_new(&ctx, &e);
	plug(3, 0);
	run_until(h, &e, 1, LONG_MS);
	assert_int_equal(e.type[0], XHP_HOST_PLUGGED);
	connected(3, 0);
	tap_add(3, 0);
	run_until(h, &e, 2, LONG_MS);
	assert_int_equal(e.type[1], XHP_HOST_PLUGGED);
	assert_string_equal(e.dev[1], "vif3.0-emu");
	assert_string_equal(tu_master_of("vif3.0-emu", m), "br0");
	settle(h, &e);
	assert_int_equal(e.n, 2);

	ip("link", "set", "vif3.0-emu", "nomaster", NULL);
	run_until(h, &e, 3, LONG_MS);
	if (e.n != 3 || e.type[2] != XHP_HOST_HEALED)
		seq_dump();
	assert_int_equal(e.n, 3);
	assert_int_equal(e.type[2], XHP_HOST_HEALED);
	assert_string_equal(e.dev[2], "vif3.0-emu");
	assert_string_equal(
		e.msg[2],
		"not-on-bridge: vif3.0-emu is not on bridge br0 (it has no master)");
	assert_string_equal(tu_master_of("vif3.0-emu", m), "br0");
	assert_string_equal(tu_master_of("vif3.0", m), "br0");

	ip("link", "set", "vif3.0-emu", "down", NULL);
	run_until(h, &e, 4, LONG_MS);
	if (e.n != 4 || e.type[3] != XHP_HOST_HEALED)
		seq_dump();
	assert_int_equal(e.type[3], XHP_HOST_HEALED);
	assert_string_equal(e.msg[3], "link-down: vif3.0-emu is down");
	settle(h, &e);

	/* the bridge away: waited for, not re-plugged; back: both healed */
	i = e.n;
	ip("link", "del", "br0", NULL);
	settle(h, &e);
	assert_int_equal(e.n, i);
	assert_true(seq_find(0, "cannot heal") < 0);
	ip("link", "add", "br0", "type", "bridge", NULL);
	ip("link", "set", "br0", "up", NULL);
	run_until(h, &e, i + 2, LONG_MS);
	settle(h, &e);
	assert_int_equal(e.n, i + 2);
	for (j = i; j < i + 2; j++)
		assert_int_equal(e.type[j], XHP_HOST_HEALED);
	j = !strcmp(e.dev[i], "vif3.0") ? i : i + 1;
	assert_string_equal(e.dev[j], "vif3.0");
	assert_string_equal(e.msg[j], NOT_ON_BR0);
	j = j == i ? i + 1 : i;
	assert_string_equal(e.dev[j], "vif3.0-emu");
	assert_string_equal(
		e.msg[j],
		"not-on-bridge: vif3.0-emu is not on bridge br0 (it has no master)");
	assert_string_equal(tu_master_of("vif3.0-emu", m), "br0");
	assert_string_equal(tu_master_of("vif3.0", m), "br0");
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

static void assert_port_tag(struct ovsd *o, const char *port, const char *tag)
{
	char *v = ovsd_get(o, "Port", port, "tag");

	assert_non_null(v);
	assert_string_equal(v, tag);
	free(v);
}

/* Run until a HEALED event comes (failed re-plugs are not events). */
static int wait_healed(xhp_host *h, struct events *e, int from)
{
	int i;

	for (;;) {
		for (i = from; i < e->n; i++)
			if (e->type[i] == XHP_HOST_HEALED)
				return i;
		if (e->n >= 256)
			return -1;
		run_until(h, e, e->n + 1, LONG_MS);
		if (i == e->n)
			return -1;
	}
}

/*
 * Open vSwitch, by the OVSDB monitor: a vif-openvswitch port deleted
 * (ovs-vsctl del-port), its bridge deleted and added again, ovsdb-server
 * restarted on an emptied database and the bridge added again: each time
 * the port comes back with its tag.
 */
static void test_ovs(void **state)
{
	static const char *const PORT_MISSING =
		"ovs-port-missing: Open vSwitch has no port vif4.0 (bridge hovs0)";
	struct events e = { 0 };
	struct ovsd o;
	xhp_ctx *ctx;
	xhp_host *h;
	int i;

	(void)state;
	assert_int_equal(ovsd_start(&o, true), 0);
	assert_int_equal(ovsd_add_bridge(&o, "hovs0"), 0);
	h = host_new(&ctx, &e, 0);
	plug_with(4, 0, "hovs0.10", "/etc/xen/scripts/vif-openvswitch");
	run_until(h, &e, 1, LONG_MS);
	assert_int_equal(e.type[0], XHP_HOST_PLUGGED);
	connected(4, 0);
	settle(h, &e);
	assert_port_tag(&o, "vif4.0", "10");

	assert_int_equal(ovsd_vsctl(&o, NULL, "del-port", "vif4.0", NULL), 0);
	i = wait_healed(h, &e, 1);
	assert_true(i > 0);
	assert_string_equal(e.msg[i], PORT_MISSING);
	assert_port_tag(&o, "vif4.0", "10");
	settle(h, &e);

	assert_int_equal(ovsd_vsctl(&o, NULL, "del-br", "hovs0", NULL), 0);
	settle(h, &e);
	assert_int_equal(ovsd_add_bridge(&o, "hovs0"), 0);
	i = wait_healed(h, &e, i + 1);
	assert_true(i > 0);
	assert_string_equal(e.msg[i], PORT_MISSING);
	assert_port_tag(&o, "vif4.0", "10");
	settle(h, &e);

	assert_int_equal(ovsd_restart_db_empty(&o), 0);
	settle(h, &e);
	assert_int_equal(ovsd_add_bridge(&o, "hovs0"), 0);
	i = wait_healed(h, &e, i + 1);
	assert_true(i > 0);
	assert_string_equal(e.msg[i], PORT_MISSING);
	assert_port_tag(&o, "vif4.0", "10");
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
	ovsd_stop(&o);
}

/* xhp-hotplug status --json of @target: its drift codes, "a,b". */
static void status_codes(const char *target, char *buf, size_t size)
{
	const char *argv[] = { XHP_CLI,	       "status", "--json",
			       "--lock-dir",   T.dir,	 "--devd-state",
			       "/nonexistent", target,	 NULL };
	char *out = NULL, *p;
	json_t *j, *d;
	size_t i;

	buf[0] = '\0';
	tu_run((char *const *)argv, NULL, LONG_MS, &out);
	assert_non_null(out);
	p = strstr(out, "{\n");
	assert_non_null(p);
	j = json_loads(p, JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(j);
	json_array_foreach(
		json_object_get(json_array_get(json_object_get(j, "devices"),
					       0),
				"drift"),
		i, d)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
			 i ? "," : "",
			 json_string_value(json_object_get(d, "code")));
	json_decref(j);
	free(out);
}

/*
 * Open vSwitch: the bridge deleted (ovs-vsctl del-br): status says
 * bridge-missing, and the host does not try a re-plug that cannot work;
 * the bridge added again (the monitor's new Bridge): healed.
 */
static void test_ovs_bridge_missing(void **state)
{
	struct events e = { 0 };
	char codes[256];
	struct ovsd o;
	xhp_ctx *ctx;
	xhp_host *h;
	int i, from;

	(void)state;
	assert_int_equal(ovsd_start(&o, true), 0);
	assert_int_equal(ovsd_add_bridge(&o, "hovs0"), 0);
	h = seq_host_new(&ctx, &e);
	plug_with(4, 0, "hovs0.10", "/etc/xen/scripts/vif-openvswitch");
	run_until(h, &e, 1, LONG_MS);
	assert_int_equal(e.type[0], XHP_HOST_PLUGGED);
	connected(4, 0);
	settle(h, &e);
	assert_true(run_until_seq(h, &e, 0, "OVSDB monitor on") >= 0);

	from = S.n;
	assert_int_equal(ovsd_vsctl(&o, NULL, "del-br", "hovs0", NULL), 0);
	i = run_until_seq(
		h, &e, from,
		"vif4.0: waiting for its bridge: bridge-missing: Open vSwitch bridge hovs0 of vif4.0 does not exist; ovs-port-missing: Open vSwitch has no port vif4.0 (bridge hovs0)");
	assert_true(i >= 0);
	settle(h, &e);
	status_codes("4.0", codes, sizeof(codes));
	assert_string_equal(codes, "bridge-missing,ovs-port-missing");
	assert_true(seq_find(from, "cannot heal vif4.0") < 0);
	assert_true(seq_find(from, "event healed") < 0);

	assert_int_equal(ovsd_add_bridge(&o, "hovs0"), 0);
	i = wait_healed(h, &e, 1);
	assert_true(i > 0);
	assert_string_equal(
		e.msg[i],
		"ovs-port-missing: Open vSwitch has no port vif4.0 (bridge hovs0)");
	assert_port_tag(&o, "vif4.0", "10");
	settle(h, &e);
	status_codes("4.0", codes, sizeof(codes));
	assert_string_equal(codes, "");
	assert_true(seq_find(from, "cannot heal vif4.0") < 0);
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
	ovsd_stop(&o);
}

static struct ovsd W; /* test_ovs_wedged's: resumed whatever happens */

static int wedged_teardown(void **state)
{
	if (W.db_pid > 0)
		kill(W.db_pid, SIGCONT);
	ovsd_stop(&W);
	return teardown(state);
}

/*
 * A wedged ovsdb-server (SIGSTOP: it accepts into its listen queue and
 * never answers) when the host opens its OVSDB monitor (for a
 * vif-openvswitch device found connected): the host's loop goes on, a
 * vif-bridge vif is plugged before the monitor's request is given up
 * (the bound: the monitor's reply timeout); resumed, the monitor is on.
 */
static void test_ovs_wedged(void **state)
{
	struct events e = { 0 };
	int ready, plugged, on;
	xhp_ctx *ctx;
	xhp_host *h;

	(void)state;
	memset(&W, 0, sizeof(W));
	assert_int_equal(ovsd_start(&W, false), 0);
	/* vif5.0: connected (as libxl left it) on Open vSwitch */
	ip("tuntap", "add", "vif5.0", "mode", "tap", NULL);
	assert_int_equal(sim_vif_create(T.xs, 5, 0, "hovs0",
					"/etc/xen/scripts/vif-openvswitch"),
			 0);
	assert_true(xs_write(T.xs, XBT_NULL, SIM_BE "/vif/5/0/hotplug-status",
			     "connected", 9));
	assert_int_equal(sim_state(T.xs, "vif", 5, 0, 4), 0);
	assert_int_equal(kill(W.db_pid, SIGSTOP), 0);

	h = seq_host_new(&ctx, &e);
	ready = run_until_seq(h, &e, 0, "event ready");
	assert_true(ready >= 0);
	plug(3, 0);
	plugged = run_until_seq(h, &e, ready, "event plugged vif3.0");
	assert_true(plugged >= 0);
	/* nothing about the monitor before: neither given up nor on */
	if (seq_find(0, "OVSDB monitor") >= 0 ||
	    seq_find(0, "did not answer") >= 0) {
		seq_dump();
		fail_msg(
			"the monitor was given up on before vif3.0 was plugged");
	}
	connected(3, 0);
	assert_int_equal(kill(W.db_pid, SIGCONT), 0);
	on = run_until_seq(h, &e, plugged, "OVSDB monitor on");
	assert_true(on > plugged);
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nomaster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplugging_left_alone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_heal_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_devd_bridge_recreated,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_devd_startup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ovs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ovs_bridge_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ovs_wedged, setup,
						wedged_teardown),
	};

	tu_require_root("healing makes links and runs xenstored");
	/* One test by name (a glob), when looking into one. */
	if (getenv("XHP_TEST_FILTER"))
		cmocka_set_test_filter(getenv("XHP_TEST_FILTER"));
	if (tu_netns_enter() < 0) {
		fprintf(stderr, "cannot enter a network namespace\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
