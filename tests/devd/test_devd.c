// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-devd and xhp_host with real parts: the project's test xenstored
 * reached through the real libxenstore, real taps and a real bridge in a
 * throwaway network namespace, the netback/libxl simulator (sim.h)
 * writing backends as libxl does and walking state as netback does.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>
#include <xhp/xhp.h>

#include "sim.h"
#include "testutil.h"
#include "xsd_harness.h"

#define DEVD XHP_BINARY_DIR "/cli/xhp-devd"
/* How long a wait may last before it fails: generous, for valgrind (the
 * daemon under memcheck is some 30 times slower). Not a timing test. */
#define LONG_MS 60000

struct T {
	struct xsd x;
	struct xs_handle *xs;
	char *dir; /* lock dir, logs, pid files, marks */
	char log[512], pidfile[512], mark[512];
	pid_t devd;
};
static struct T T;

static void sh(const char *arg0, ...)
{
	const char *argv[16] = { arg0 };
	va_list ap;
	int n = 1, r;

	va_start(ap, arg0);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	r = tu_run((char *const *)argv, NULL, 10000, NULL);
	if (r != 0)
		fail_msg("%s %s %s: exit %d", arg0, argv[1], argv[2], r);
}

static void tap(const char *name)
{
	sh("ip", "tuntap", "add", name, "mode", "tap", NULL);
}

/* Whether the daemon's log has @what: it writes after it acts, so a
 * line about what a test has just seen done may come a little later
 * (under valgrind, tens of milliseconds): waited for up to 10 s. */
static void print_log(void)
{
	char *s = tu_read_file(T.log);

	print_message("daemon log:\n%s\n", s ? s : "(none)");
	free(s);
}

static bool log_has(const char *what)
{
	bool r = tu_wait_file_has(T.log, what, 10000) == 0;

	if (!r)
		print_log();
	return r;
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	T.x = (struct xsd)XSD_INIT;
	if (xsd_start(&T.x) < 0)
		return -1;
	T.xs = xs_open(0);
	T.dir = tu_mkdtemp("xhp-devd");
	if (!T.xs || !T.dir)
		return -1;
	snprintf(T.log, sizeof(T.log), "%s/devd.log", T.dir);
	snprintf(T.pidfile, sizeof(T.pidfile), "%s/devd.pid", T.dir);
	snprintf(T.mark, sizeof(T.mark), "%s/mark", T.dir);
	setenv("XHP_TEST_MARK", T.mark, 1);
	tu_links_del_all(NULL);
	sh("ip", "link", "add", "br0", "type", "bridge", NULL);
	sh("ip", "link", "set", "br0", "up", NULL);
	return 0;
}

/* Loop devices on @file (losetup -j), as a list of /dev/loopN lines. */
static char *loops_of(const char *file)
{
	char *out = NULL;

	if (tu_runl(&out, "losetup", "-j", file, NULL) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Loop devices are global: detach any the test's files still have. */
static void detach_loops(void)
{
	char file[600], *out, *p, *colon;

	snprintf(file, sizeof(file), "%s/disk.img", T.dir);
	out = loops_of(file);
	for (p = out; p && *p; p = colon ? strchr(colon, '\n') : NULL) {
		while (*p == '\n')
			p++;
		colon = strchr(p, ':');
		if (!colon)
			break;
		*colon++ = '\0';
		tu_runl(NULL, "losetup", "-d", p, NULL);
	}
	free(out);
}

static int teardown(void **state)
{
	(void)state;
	if (T.devd > 0)
		sim_devd_stop(T.devd, 10000);
	T.devd = 0;
	if (T.dir)
		detach_loops();
	if (T.xs)
		xs_close(T.xs);
	xsd_stop(&T.x);
	tu_links_del_all(NULL);
	if (T.dir)
		tu_rmtree(T.dir);
	free(T.dir);
	return 0;
}

static void start_devd(bool with_pidfile)
{
	const char *extra[] = { "--pidfile", T.pidfile, NULL };

	T.devd =
		sim_devd_start(DEVD, T.dir, T.log, with_pidfile ? extra : NULL);
	assert_true(T.devd > 0);
	if (with_pidfile)
		assert_int_equal(sim_wait_file(T.pidfile, LONG_MS), 0);
}

static void plug_vif(unsigned int domid, unsigned int devid, const char *script)
{
	assert_int_equal(sim_vif_create(T.xs, domid, devid, "br0", script), 0);
	assert_int_equal(sim_state(T.xs, "vif", domid, devid, 2), 0);
}

static void assert_connected(unsigned int domid, unsigned int devid,
			     int timeout_ms)
{
	int r = sim_wait(T.xs, "vif", domid, devid, "hotplug-status",
			 "connected", timeout_ms);

	if (r) {
		char *e = sim_read(T.xs, "vif", domid, devid, "hotplug-error");

		print_message("vif %u/%u: hotplug-error %s\n", domid, devid,
			      e ? e : "(none)");
		free(e);
		print_log();
	}
	assert_int_equal(r, 0);
}

/* Plug, netback's state 4, unplug as libxl does: the bridge port goes. */
static void test_plug_unplug(void **state)
{
	char m[64];

	(void)state;
	tap("vif1.0");
	start_devd(true);
	plug_vif(1, 0, "/etc/xen/scripts/vif-bridge");
	assert_connected(1, 0, LONG_MS);
	assert_string_equal(tu_master_of("vif1.0", m), "br0");
	assert_int_equal(sim_state(T.xs, "vif", 1, 0, 4), 0);
	assert_int_equal(sim_destroy(T.xs, "vif", 1, 0), 0);
	assert_int_equal(tu_wait_master("vif1.0", "", LONG_MS), 0);
	assert_int_equal(sim_devd_stop(T.devd, LONG_MS), 0);
	T.devd = 0;
	assert_true(log_has("plugged vif1.0"));
	assert_true(log_has("unplugged vif1.0"));
}

/*
 * Devices waiting at state 2 before the daemon starts are plugged by its
 * start-up replay, before the pid file appears; SIGTERM leaves them
 * plugged and exits 0.
 */
static void test_replay(void **state)
{
	char name[16], m[64], *v;
	unsigned int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "vif2.%u", i);
		tap(name);
		plug_vif(2, i, NULL); /* no script: vif-bridge */
	}
	start_devd(true);
	for (i = 0; i < 20; i++) {
		v = sim_read(T.xs, "vif", 2, i, "hotplug-status");
		assert_non_null(v);
		assert_string_equal(v, "connected");
		free(v);
	}
	assert_int_equal(sim_devd_stop(T.devd, LONG_MS), 0);
	T.devd = 0;
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "vif2.%u", i);
		assert_string_equal(tu_master_of(name, m), "br0");
	}
	assert_int_equal(access(T.pidfile, F_OK), -1);
}

/* systemd's readiness: READY=1 on NOTIFY_SOCKET once replayed. */
static void test_notify(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[256];
	ssize_t n;
	int fd;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", T.dir);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	start_devd(true);
	unsetenv("NOTIFY_SOCKET");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1");
	assert_int_equal(kill(T.devd, SIGTERM), 0);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "STOPPING=1");
	assert_int_equal(sim_wait_exit(T.devd, LONG_MS), 0);
	T.devd = 0;
	close(fd);
}

/* The vif's netdev comes after state 2: plugged when RTM_NEWLINK says so. */
static void test_late_netdev(void **state)
{
	char *v;

	(void)state;
	start_devd(true);
	plug_vif(1, 1, NULL);
	tu_sleep_ms(300);
	v = sim_read(T.xs, "vif", 1, 1, "hotplug-status");
	assert_non_null(v);
	assert_string_equal(v, "");
	free(v);
	tap("vif1.1");
	assert_connected(1, 1, LONG_MS);
	assert_int_equal(tu_wait_master("vif1.1", "br0", LONG_MS), 0);
}

/* The events of an in-process host, for the tests that look at them. */
struct events {
	int n;
	int type[64];
	int kind[64];
	char msg[64][256];
};

static void on_event(void *ud, const xhp_host_event *ev)
{
	struct events *e = ud;

	if (e->n >= 64 || ev->type == XHP_HOST_READY)
		return;
	e->type[e->n] = ev->type;
	e->kind[e->n] = ev->kind;
	snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s",
		 ev->message ? ev->message : "");
	e->n++;
}

static xhp_host *host_new(xhp_ctx **ctx, struct events *e, uint64_t wait_ms)
{
	xhp_host_opts o = { .size = sizeof(o),
			    .domid = -1,
			    .netdev_wait_ms = wait_ms,
			    .event_fn = on_event,
			    .userdata = e };
	xhp_host *h = NULL;

	assert_int_equal(xhp_ctx_new(ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(*ctx, T.dir), 0);
	assert_int_equal(xhp_host_new(*ctx, &o, &h), 0);
	assert_int_equal(xhp_host_domid(h), 0);
	return h;
}

/* Run the host's loop until @e has @n events or @timeout_ms passed. */
static void run_until(xhp_host *h, struct events *e, int n, int timeout_ms)
{
	struct pollfd p = { .fd = xhp_host_fd(h), .events = POLLIN };
	int waited = 0, t;

	while (e->n < n && waited < timeout_ms) {
		t = xhp_host_timeout_ms(h);
		if (t < 0 || t > 50)
			t = 50;
		poll(&p, 1, t);
		waited += t ? t : 1;
		assert_int_equal(xhp_host_dispatch(h), 0);
	}
}

/* A netdev that never comes: the error libxl's users will read. */
static void test_netdev_never(void **state)
{
	struct events e = { 0 };
	xhp_ctx *ctx;
	xhp_host *h;
	char *v;

	(void)state;
	h = host_new(&ctx, &e, 300);
	plug_vif(1, 7, NULL);
	run_until(h, &e, 1, LONG_MS);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.type[0], XHP_HOST_FAILED);
	assert_string_equal(e.msg[0], "device vif1.7 never appeared");
	v = sim_read(T.xs, "vif", 1, 7, "hotplug-status");
	assert_string_equal(v, "error");
	free(v);
	v = sim_read(T.xs, "vif", 1, 7, "hotplug-error");
	assert_string_equal(v, "device vif1.7 never appeared");
	free(v);
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

/* An emulated NIC's tap: plugged when it appears, unplugged when it goes. */
static void test_taps(void **state)
{
	struct events e = { 0 };
	xhp_ctx *ctx;
	xhp_host *h;
	char m[64];

	(void)state;
	assert_int_equal(sim_vif_create(T.xs, 3, 0, "br0", NULL), 0);
	h = host_new(&ctx, &e, 0);
	tap("vif3.0-emu");
	run_until(h, &e, 1, LONG_MS);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.type[0], XHP_HOST_PLUGGED);
	assert_int_equal(e.kind[0], XHP_KIND_TAP);
	assert_string_equal(tu_master_of("vif3.0-emu", m), "br0");
	sh("ip", "link", "del", "vif3.0-emu", NULL);
	run_until(h, &e, 2, LONG_MS);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.type[1], XHP_HOST_UNPLUGGED);
	assert_int_equal(e.kind[1], XHP_KIND_TAP);
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

/* A script that is not ours runs per the protocol. */
static void test_exec_fallback(void **state)
{
	char *s;

	(void)state;
	tap("vif1.3");
	start_devd(true);
	plug_vif(1, 3, SCRIPTS_DIR "/vif-custom");
	assert_connected(1, 3, LONG_MS);
	assert_int_equal(sim_destroy(T.xs, "vif", 1, 3), 0);
	assert_int_equal(tu_wait_file_has(T.mark, "offline", LONG_MS), 0);
	assert_int_equal(sim_devd_stop(T.devd, LONG_MS), 0);
	T.devd = 0;
	s = tu_read_file(T.mark);
	assert_non_null(s);
	assert_string_equal(s, "online " SIM_BE "/vif/1/3 vif1.3\n"
			       "offline " SIM_BE "/vif/1/3 vif1.3");
	free(s);
}

/* An unplug that comes during the plug waits for it, then undoes it. */
static void test_unplug_during_plug(void **state)
{
	struct events e = { 0 };
	char be[128], *s = NULL;
	xhp_ctx *ctx;
	xhp_host *h;
	int i;

	(void)state;
	tap("vif1.4");
	h = host_new(&ctx, &e, 0);
	plug_vif(1, 4, SCRIPTS_DIR "/vif-slow");
	for (i = 0; i < LONG_MS / 10 && !(s && strstr(s, "start")); i++) {
		free(s);
		run_until(h, &e, 1, 10);
		s = tu_read_file(T.mark);
	}
	assert_non_null(strstr(s, "start"));
	free(s);
	snprintf(be, sizeof(be), SIM_BE "/vif/1/4/online");
	assert_int_equal(tu_xs_write(T.xs, be, "0"), 0);
	assert_int_equal(sim_state(T.xs, "vif", 1, 4, 5), 0);
	assert_int_equal(sim_state(T.xs, "vif", 1, 4, 6), 0);
	run_until(h, &e, 2, LONG_MS);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.type[0], XHP_HOST_PLUGGED);
	assert_int_equal(e.type[1], XHP_HOST_UNPLUGGED);
	s = tu_read_file(T.mark);
	assert_string_equal(s, "start\nonline\noffline");
	free(s);
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
}

/* A file-backed vbd: a loop device at state 2, detached at state 6. */
/* A file-backed vbd of guest 61 plugged by the daemon: its file in
 * @file, attached to a loop device. */
static void vbd_plugged(unsigned int devid, const char *name, char *file,
			size_t size)
{
	char *loops;

	snprintf(file, size, "%s/%s", T.dir, name);
	sh("truncate", "-s", "8M", file, NULL);
	start_devd(true);
	assert_int_equal(sim_vbd_create(T.xs, 61, devid, file), 0);
	assert_int_equal(sim_state(T.xs, "vbd", 61, devid, 2), 0);
	assert_int_equal(sim_wait(T.xs, "vbd", 61, devid, "hotplug-status",
				  "connected", LONG_MS),
			 0);
	loops = loops_of(file);
	assert_non_null(loops);
	assert_non_null(strstr(loops, "/dev/loop"));
	free(loops);
}

/* Wait until no loop device is attached to @file. */
static void assert_loops_go(const char *file)
{
	char *loops = NULL;
	int i;

	for (i = 0; i < LONG_MS / 10; i++) {
		loops = loops_of(file);
		if (loops && !loops[0])
			break;
		free(loops);
		loops = NULL;
		tu_sleep_ms(10);
	}
	assert_non_null(loops);
	assert_string_equal(loops, "");
	free(loops);
}

static void test_vbd(void **state)
{
	char file[600], *v;

	(void)state;
	vbd_plugged(51712, "disk.img", file, sizeof(file));
	v = sim_read(T.xs, "vbd", 61, 51712, "node");
	assert_non_null(v);
	assert_int_equal(strncmp(v, "/dev/loop", 9), 0);
	free(v);
	/* libxl's unplug, the backend kept until the loop is gone */
	assert_int_equal(tu_xs_write(T.xs, SIM_BE "/vbd/61/51712/online", "0"),
			 0);
	assert_int_equal(sim_state(T.xs, "vbd", 61, 51712, 5), 0);
	assert_int_equal(sim_state(T.xs, "vbd", 61, 51712, 6), 0);
	assert_loops_go(file);
	assert_int_equal(tu_xs_rm(T.xs, SIM_BE "/vbd/61/51712"), 0);
	assert_true(log_has("unplugged " SIM_BE "/vbd/61/51712"));
}

/*
 * A backend directory removed while its vbd is plugged (a toolstack that
 * skips the Closing/Closed steps, or `xenstore-rm` by hand): the loop
 * device the daemon attached goes with it, found by xhp's mark, although
 * no key names it any more.
 */
static void test_vbd_backend_vanished(void **state)
{
	char file[600];

	(void)state;
	vbd_plugged(51728, "gone.img", file, sizeof(file));
	assert_int_equal(tu_xs_rm(T.xs, SIM_BE "/vbd/61/51728"), 0);
	assert_loops_go(file);
	assert_true(log_has("unplugged " SIM_BE "/vbd/61/51728"));
}

/*
 * The sharing check through the daemon's index of backends: a second
 * guest asking for the same file read-write finds the first one.
 */
static void test_vbd_shared(void **state)
{
	char file[600], *v;

	(void)state;
	snprintf(file, sizeof(file), "%s/disk.img", T.dir);
	sh("truncate", "-s", "8M", file, NULL);
	start_devd(true);
	assert_int_equal(sim_vbd_create(T.xs, 61, 51712, file), 0);
	assert_int_equal(sim_state(T.xs, "vbd", 61, 51712, 2), 0);
	assert_int_equal(sim_wait(T.xs, "vbd", 61, 51712, "hotplug-status",
				  "connected", LONG_MS),
			 0);
	assert_int_equal(sim_vbd_create(T.xs, 62, 51712, file), 0);
	assert_int_equal(sim_state(T.xs, "vbd", 62, 51712, 2), 0);
	assert_int_equal(sim_wait(T.xs, "vbd", 62, 51712, "hotplug-status",
				  "busy", LONG_MS),
			 0);
	v = sim_read(T.xs, "vbd", 62, 51712, "hotplug-error");
	assert_non_null(v);
	if (!strstr(v, "is in use by a guest (domain 61, " SIM_BE
		       "/vbd/61/51712, mode read-write), and so cannot be used "
		       "read-write now"))
		print_message("hotplug-error: %s\n", v);
	assert_non_null(strstr(v, "is in use by a guest (domain 61, " SIM_BE
				  "/vbd/61/51712, mode read-write), and so "
				  "cannot be used read-write now"));
	free(v);
	assert_int_equal(sim_devd_stop(T.devd, LONG_MS), 0);
	T.devd = 0;
}

/* One daemon per domain: the second says who holds the lock and exits. */
static void test_two_daemons(void **state)
{
	char want[600], log2[600];
	pid_t second;
	char *s;

	(void)state;
	start_devd(true);
	snprintf(log2, sizeof(log2), "%s/second.log", T.dir);
	second = sim_devd_start(DEVD, T.dir, log2, NULL);
	assert_true(second > 0);
	assert_int_equal(sim_wait_exit(second, LONG_MS), 1);
	snprintf(
		want, sizeof(want),
		"xhp-devd: another xhp host already serves domain 0 (lock %s/xhp-host-0 held by pid %d)",
		T.dir, (int)T.devd);
	s = tu_read_file(log2);
	assert_non_null(s);
	if (!strstr(s, want))
		print_message("second daemon said:\n%s\nwanted:\n%s", s, want);
	assert_non_null(strstr(s, want));
	free(s);
	/* the first one still works */
	tap("vif1.5");
	plug_vif(1, 5, NULL);
	assert_connected(1, 5, LONG_MS);
}

/* xenstored stopped for 5 s in the middle of a storm: nothing lost. */
static void test_xenstored_stopped(void **state)
{
	char name[16];
	unsigned int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "vif4.%u", i);
		tap(name);
	}
	start_devd(true);
	for (i = 0; i < 40; i++)
		plug_vif(4, i, NULL);
	assert_int_equal(kill(T.x.pid, SIGSTOP), 0);
	tu_sleep_ms(5000);
	assert_int_equal(kill(T.x.pid, SIGCONT), 0);
	for (i = 0; i < 40; i++)
		assert_connected(4, i, LONG_MS);
	assert_int_equal(waitpid(T.devd, NULL, WNOHANG), 0); /* alive */
}

/* Wait for a job's end through its fd; returns its dispatch code. */
static int job_wait(xhp_device_job *j, xhp_result **res)
{
	struct pollfd p = { .fd = xhp_device_job_fd(j), .events = POLLIN };
	int r, t;

	while ((r = xhp_device_job_dispatch(j, res)) == 0) {
		t = xhp_device_job_timeout_ms(j);
		poll(&p, 1, t < 0 || t > 1000 ? 1000 : t + 1000);
	}
	return r;
}

static xhp_request *vif_request(xhp_ctx *ctx, int action, unsigned int devid)
{
	char be[128], dev[16];
	xhp_request *req = NULL;

	snprintf(be, sizeof(be), SIM_BE "/vif/1/%u", devid);
	snprintf(dev, sizeof(dev), "vif1.%u", devid);
	assert_int_equal(
		xhp_request_new(ctx, action, XHP_KIND_VIF, be, dev, &req), 0);
	return req;
}

/*
 * The asynchronous device job: done through its fd; cancelled after it
 * succeeded, its add is undone; cancelled at once, nothing is left.
 */
static void test_job(void **state)
{
	xhp_device_job *j;
	xhp_result *res = NULL;
	xhp_request *req;
	xhp_ctx *ctx;
	char m[64];

	(void)state;
	tap("vif1.6");
	assert_int_equal(sim_vif_create(T.xs, 1, 6, "br0", NULL), 0);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, T.dir), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 6);
	assert_int_equal(xhp_device_job_start(ctx, "vif-bridge", req, NULL, &j),
			 0);
	xhp_request_free(req); /* the job has its copy */
	assert_int_equal(job_wait(j, &res), 1);
	assert_non_null(res);
	assert_int_equal(xhp_result_status(res), XHP_STATUS_CONNECTED);
	xhp_result_free(res);
	assert_string_equal(tu_master_of("vif1.6", m), "br0");
	/* cancelled once done: undone (offline) */
	assert_int_equal(xhp_device_job_cancel(j), 0);
	assert_string_equal(tu_master_of("vif1.6", m), "");
	assert_int_equal(xhp_device_job_cancel(j), -EALREADY);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "the job was cancelled before");
	xhp_device_job_free(j);
	/* cancelled at once: whatever it got to, nothing stays */
	req = vif_request(ctx, XHP_ACTION_ONLINE, 6);
	assert_int_equal(xhp_device_job_start(ctx, "vif-bridge", req, NULL, &j),
			 0);
	xhp_request_free(req);
	assert_int_equal(xhp_device_job_cancel(j), 0);
	assert_string_equal(tu_master_of("vif1.6", m), "");
	xhp_device_job_free(j);
	/* an unknown personality is refused at the start */
	req = vif_request(ctx, XHP_ACTION_ONLINE, 6);
	assert_int_equal(xhp_device_job_start(ctx, "vif-nope", req, NULL, &j),
			 -EINVAL);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "unknown personality 'vif-nope'");
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

/* A job's deadline holds against a xenstored that stopped answering. */
static void test_job_deadline(void **state)
{
	xhp_device_opts o = { .size = sizeof(o), .timeout_ms = 300 };
	struct timespec t0, t1;
	xhp_device_job *j;
	xhp_request *req;
	xhp_ctx *ctx;
	long ms;
	int r;

	(void)state;
	tap("vif1.8");
	assert_int_equal(sim_vif_create(T.xs, 1, 8, "br0", NULL), 0);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_ctx_set_lock_dir(ctx, T.dir), 0);
	req = vif_request(ctx, XHP_ACTION_ONLINE, 8);
	assert_int_equal(kill(T.x.pid, SIGSTOP), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(xhp_device_job_start(ctx, "vif-bridge", req, &o, &j),
			 0);
	r = job_wait(j, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(kill(T.x.pid, SIGCONT), 0);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	     (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_int_equal(r, -ETIMEDOUT);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "xenstore"));
	assert_true(ms >= 300);
	print_message("job ended %ld ms after its start (deadline 300)\n", ms);
	xhp_device_job_free(j);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
}

static unsigned int ports_on_br0(void)
{
	char *out = NULL, *p;
	unsigned int n = 0;

	assert_int_equal(tu_runl(&out, "ip", "-o", "link", "show", "master",
				 "br0", NULL),
			 0);
	for (p = out; p && (p = strchr(p, '\n')); p++)
		n++;
	free(out);
	return n;
}

/*
 * The daemon SIGKILLed at a random point of a 200-device storm, then
 * started again (XHP_DEVD_KILL_RUNS times, 30 by default): every device
 * ends connected (on the bridge) or in error with a message; unplugging
 * them all leaves no port on the bridge.
 */
static void test_kill_storm(void **state)
{
	const char *env = getenv("XHP_DEVD_KILL_RUNS");
	int runs = env ? atoi(env) : 30, run;
	unsigned int i, n = 200, ok, failed;
	char name[16], m[64], *v, *e;

	(void)state;
	srand((unsigned int)getpid());
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "vif6.%u", i);
		tap(name);
	}
	for (run = 0; run < runs; run++) {
		for (i = 0; i < n; i++)
			assert_int_equal(
				sim_vif_create(T.xs, 6, i, "br0", NULL), 0);
		T.devd = sim_devd_start(DEVD, T.dir, T.log, NULL);
		assert_true(T.devd > 0);
		for (i = 0; i < n; i++)
			assert_int_equal(sim_state(T.xs, "vif", 6, i, 2), 0);
		tu_sleep_ms(rand() % 200);
		kill(T.devd, SIGKILL);
		assert_int_equal(sim_wait_exit(T.devd, LONG_MS), 128 + SIGKILL);
		unlink(T.pidfile);
		/* the pid file: the replay is done, every device tried */
		start_devd(true);
		for (i = ok = failed = 0; i < n; i++) {
			v = sim_read(T.xs, "vif", 6, i, "hotplug-status");
			assert_non_null(v);
			if (!strcmp(v, "connected")) {
				ok++;
				snprintf(name, sizeof(name), "vif6.%u", i);
				assert_string_equal(tu_master_of(name, m),
						    "br0");
			} else {
				assert_string_equal(v, "error");
				e = sim_read(T.xs, "vif", 6, i,
					     "hotplug-error");
				assert_non_null(e);
				assert_true(e[0] != '\0');
				free(e);
				failed++;
			}
			free(v);
		}
		assert_int_equal(ok + failed, n);
		for (i = 0; i < n; i++)
			assert_int_equal(sim_destroy(T.xs, "vif", 6, i), 0);
		for (i = 0; i < LONG_MS / 10 && ports_on_br0(); i++)
			tu_sleep_ms(10);
		assert_int_equal(ports_on_br0(), 0);
		assert_int_equal(sim_devd_stop(T.devd, LONG_MS), 0);
		T.devd = 0;
	}
}

/* xenstored killed, a fresh one on the same socket: reconnect, replay. */
static void test_xenstored_restart(void **state)
{
	const char *argv[] = { xsd_daemon_path(), "--socket",  T.x.socket,
			       "--pidfile",	  T.x.pidfile, NULL };
	pid_t pid;

	(void)state;
	tap("vif5.0");
	tap("vif5.1");
	start_devd(true);
	plug_vif(5, 0, NULL);
	assert_connected(5, 0, LONG_MS);
	xs_close(T.xs);
	T.xs = NULL;
	assert_int_equal(kill(T.x.pid, SIGKILL), 0);
	assert_int_equal(waitpid(T.x.pid, NULL, 0), T.x.pid);
	unlink(T.x.pidfile);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	T.x.pid = pid;
	assert_int_equal(sim_wait_file(T.x.pidfile, 10000), 0);
	T.xs = xs_open(0);
	assert_non_null(T.xs);
	/* the toolstack writes its backends again; one waits at state 2 */
	plug_vif(5, 1, NULL);
	assert_connected(5, 1, LONG_MS);
	assert_true(log_has("xenstore connection lost"));
	assert_true(log_has("xenstore connection back"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plug_unplug, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_netdev, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_netdev_never, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_taps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_fallback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unplug_during_plug, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vbd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vbd_backend_vanished,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vbd_shared, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_daemons, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xenstored_stopped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xenstored_restart, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kill_storm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_deadline, setup,
						teardown),
	};

	tu_require_root("the daemon's tests make links and run xenstored");
	if (tu_netns_enter() < 0) {
		fprintf(stderr, "cannot enter a network namespace\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
