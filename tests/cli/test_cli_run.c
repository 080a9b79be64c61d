// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The CLI's runs for real, as libxl runs it: a bridge and a tap in a
 * throwaway network namespace, the test xenstore daemon, and syslog
 * caught on a /dev/log of our own (a tmpfs on /dev in a private mount
 * namespace, with the few device nodes the runs need bound in).
 *   - each run's outcome is logged, success included, and a failure's
 *     message is said once, by the CLI (the library does not log it);
 *   - options between the personality and the command (-n, --timeout);
 *   - a stderr nobody reads (`... 2>&1 | head -1` after head exited) does
 *     not kill a failing run before its undo.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xenstore.h>

#include "testutil.h"
#include "xsd_harness.h"

#define BE "backend/vif/1/0"

static struct xsd xsd = XSD_INIT;
static struct xs_handle *xs;
static int log_fd = -1; /* our /dev/log */

static const char *const env[] = { "XENBUS_PATH=" BE, "XENBUS_TYPE=vif",
				   "vif=vif1.0", NULL };

/* ---- a /dev of our own, with /dev/log a socket we read ---- */

static int bind_node(int old_dev, const char *name)
{
	char src[64], dst[64];
	int fd;

	snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", old_dev, name);
	snprintf(dst, sizeof(dst), "/dev/%s", name);
	fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	close(fd);
	return mount(src, dst, NULL, MS_BIND, NULL);
}

static int dev_log_open(void)
{
	static const char *const nodes[] = { "null",   "zero",	  "full",
					     "random", "urandom", "net/tun" };
	struct sockaddr_un sa = { .sun_family = AF_UNIX,
				  .sun_path = "/dev/log" };
	int old, fd;
	size_t i;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	old = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (old < 0 || mount("tmpfs", "/dev", "tmpfs", 0, "mode=755") < 0 ||
	    mkdir("/dev/net", 0755) < 0)
		return -1;
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (bind_node(old, nodes[i]) < 0)
			return -1;
	close(old);
	if (symlink("/proc/self/fd", "/dev/fd") < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

/* Every syslog datagram received since the last call, one per line. */
static char *syslog_take(void)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	assert_non_null(buf);
	while (cap - len > 2048 &&
	       (n = recv(log_fd, buf + len, cap - len - 2048, 0)) > 0) {
		len += (size_t)n;
		buf[len++] = '\n';
	}
	buf[len] = '\0';
	return buf;
}

/* The syslog line holding @what, or fail. */
static void assert_logged(const char *log, const char *prio, const char *what)
{
	const char *p = strstr(log, what), *bol;

	if (!p)
		fail_msg("no syslog line with '%s' in:\n%s", what, log);
	for (bol = p; bol > log && bol[-1] != '\n'; bol--)
		;
	if (strncmp(bol, prio, strlen(prio)))
		fail_msg("'%s' logged with the wrong priority: %.*s", what,
			 (int)(strchr(p, '\n') - bol), bol);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/* ---- running things ---- */

static void sh_(const char *file, int line, const char *arg0, ...)
{
	char *out = NULL;
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(&out, NULL, 20000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	if (r != 0) {
		fprintf(stderr, "%s:%d: %s ... exited %d: %s\n", file, line,
			arg0, r, out ? out : "");
		free(out);
		_fail(file, line);
	}
	free(out);
}
#define sh(...) sh_(__FILE__, __LINE__, __VA_ARGS__, NULL)

static int cli(char **out, const char *arg0, ...)
{
	char **e = tu_env(NULL, env);
	va_list ap;
	int r;

	assert_non_null(e);
	va_start(ap, arg0);
	r = tu_runv(out, e, 30000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	tu_env_free(e);
	return r;
}

/*
 * Run argv with stdout and stderr a pipe whose reader has gone, and
 * SIGPIPE at its default, as a shell leaves it. Returns the exit status,
 * or 128 + the signal that ended it.
 */
static int run_unread(const char *const argv[])
{
	char **e = tu_env(NULL, env);
	int p[2], status, waited = 0;
	pid_t pid;

	assert_non_null(e);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 ||
		    dup2(p[1], 2) < 0)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execve(argv[0], (char *const *)argv, e);
		_exit(127);
	}
	close(p[1]);
	tu_env_free(e);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (++waited > 3000) { /* 30 s */
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("run past 30 s");
		}
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void assert_key(const char *path, const char *want)
{
	char *v = tu_xs_read(xs, path);

	if (!want) {
		assert_null(v);
		return;
	}
	if (!v)
		fail_msg("%s: missing, want '%s'", path, want);
	assert_string_equal(v, want);
	free(v);
}

/* `ip -o link show dev @dev` (one line), or NULL if there is none. */
static char *link_line(const char *dev)
{
	char *out = NULL;

	if (tu_runl(&out, "ip", "-o", "link", "show", "dev", dev, NULL)) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- fixture: br0 and a tap vif1.0 as netback would leave it ---- */

static int setup(void **state)
{
	sh("ip", "link", "add", "br0", "type", "bridge");
	sh("ip", "link", "set", "br0", "up");
	sh("ip", "tuntap", "add", "vif1.0", "mode", "tap");
	sh("ip", "link", "set", "vif1.0", "address", "02:11:22:33:44:55");
	sh("ip", "addr", "add", "10.5.0.1/24", "dev", "vif1.0");
	sh("ip", "link", "set", "vif1.0", "up");
	assert_int_equal(tu_xs_write(xs, BE "/bridge", "br0"), 0);
	assert_int_equal(tu_xs_write(xs, BE "/hotplug-status", ""), 0);
	free(syslog_take());
	return 0;
}

static int teardown(void **state)
{
	static const char *const links[] = { "mv0", "vif1.0", "guest0", "br0" };
	size_t i;

	if (xsd.pid > 0)
		kill(xsd.pid, SIGCONT);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		tu_runl(NULL, "ip", "link", "del", links[i], NULL);
	tu_xs_rm(xs, "backend");
	tu_xs_rm(xs, "/local/domain/1");
	return 0;
}

/* ---- tests ---- */

/*
 * Each run's outcome reaches syslog at info, success included (a run
 * killed half-way leaves none); a failure at err, with the message, which
 * stderr shows once.
 */
static void test_outcome_is_logged(void **state)
{
	char *out = NULL, *log;

	assert_int_equal(cli(&out, XHP_CLI, "vif-bridge", "online",
			     "type_if=vif", NULL),
			 0);
	free(out);
	assert_key(BE "/hotplug-status", "connected");
	log = syslog_take();
	assert_logged(log, "<30>",
		      "vif-bridge online vif1.0 (" BE "): connected in ");
	assert_non_null(strstr(log, "vif-bridge["));
	free(log);

	assert_int_equal(cli(&out, XHP_CLI, "vif-bridge", "offline",
			     "type_if=vif", NULL),
			 0);
	free(out);
	log = syslog_take();
	assert_logged(log, "<30>",
		      "vif-bridge offline vif1.0 (" BE "): done in ");
	free(log);

	assert_int_equal(tu_xs_write(xs, BE "/bridge", "nobr0"), 0);
	assert_int_equal(cli(&out, XHP_CLI, "vif-bridge", "online",
			     "type_if=vif", NULL),
			 1);
	assert_int_equal(count(out, "Could not find bridge device nobr0"), 1);
	assert_non_null(strstr(out, "vif-bridge: vif-bridge online vif1.0 (" BE
				    "): failed in "));
	free(out);
	log = syslog_take();
	assert_logged(log, "<27>",
		      "vif-bridge online vif1.0 (" BE "): failed in ");
	assert_int_equal(count(log, "Could not find bridge device nobr0"), 1);
	free(log);
	assert_key(BE "/hotplug-status", "error");
}

/* -n and --timeout between the personality and the command. */
static void test_options_after_personality(void **state)
{
	char *out = NULL, *l;

	assert_int_equal(tu_xs_write(xs, BE "/vifname", "guest0"), 0);
	assert_int_equal(cli(&out, XHP_CLI, "vif-bridge", "-n", "--timeout",
			     "5", "online", "type_if=vif", NULL),
			 0);
	assert_non_null(strstr(out, "dry run: would "));
	assert_non_null(strstr(out, "dry run done in "));
	free(out);
	assert_int_equal(cli(&out, XHP_CLI, "vif-bridge", "--dry-run", "online",
			     "type_if=vif", NULL),
			 0);
	free(out);
	/* Nothing changed, nothing reported. */
	assert_key(BE "/hotplug-status", "");
	assert_null(link_line("guest0"));
	l = link_line("vif1.0");
	assert_non_null(l);
	assert_null(strstr(l, "master"));
	free(l);
}

/*
 * --timeout bounds the run: with xenstored stopped, a run fails with a
 * timeout after about the time given, not after the default 30 s.
 */
static void test_timeout_option(void **state)
{
	struct timespec t0, t1;
	char *out = NULL;
	double s;

	assert_int_equal(kill(xsd.pid, SIGSTOP), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cli(&out, XHP_CLI, "vif-bridge", "--timeout", "0.5",
			     "online", "type_if=vif", NULL),
			 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(kill(xsd.pid, SIGCONT), 0);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (s < 0.4 || s > 5 || !strstr(out, "xenstore did not answer within"))
		fail_msg("%.2f s: %s", s, out);
	free(out);
}

/*
 * A failing enslave (a macvlan on the tap makes the bridge refuse it,
 * after the addresses, the down, the rename and the MAC), with stderr a
 * pipe nobody reads: the run must not die of SIGPIPE before its undo.
 */
static void test_unread_stderr_failing_enslave(void **state)
{
	const char *argv[] = { XHP_CLI, "vif-bridge", "online", "type_if=vif",
			       NULL };
	char *l, *a = NULL;

	sh("ip", "link", "add", "mv0", "link", "vif1.0", "type", "macvlan");
	assert_int_equal(tu_xs_write(xs, BE "/vifname", "guest0"), 0);
	assert_int_equal(run_unread(argv), 1);
	assert_key(BE "/hotplug-status", "error");
	{
		char *e = tu_xs_read(xs, BE "/hotplug-error");

		assert_non_null(e);
		assert_non_null(strstr(e, "br0"));
		free(e);
	}
	/* Back as it was: its name, up, its MAC and address, no master. */
	assert_null(link_line("guest0"));
	l = link_line("vif1.0");
	assert_non_null(l);
	assert_non_null(strstr(l, ",UP"));
	assert_non_null(strstr(l, "link/ether 02:11:22:33:44:55 "));
	assert_null(strstr(l, "master"));
	free(l);
	assert_int_equal(tu_runl(&a, "ip", "-o", "-4", "addr", "show", "dev",
				 "vif1.0", NULL),
			 0);
	assert_non_null(strstr(a, "inet 10.5.0.1/24 "));
	free(a);
}

/* A program run under `lock` gets SIGPIPE at its default again. */
static void test_lock_child_sigpipe_default(void **state)
{
	char *out = NULL, *p;
	unsigned long long ign;

	assert_int_equal(cli(&out, XHP_CLI, "lock", "xhp-test-cli-run", "--",
			     "grep", "^SigIgn:", "/proc/self/status", NULL),
			 0);
	p = strstr(out, "SigIgn:");
	assert_non_null(p);
	ign = strtoull(p + 7, NULL, 16);
	assert_int_equal(ign & (1ull << (SIGPIPE - 1)), 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outcome_is_logged, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_options_after_personality,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_option, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_unread_stderr_failing_enslave, setup, teardown),
		cmocka_unit_test(test_lock_child_sigpipe_default),
	};
	int r;

	tu_require_root("network and mount namespaces, bridges and taps");
	if (tu_netns_enter() < 0) {
		perror("network namespace");
		return 1;
	}
	log_fd = dev_log_open();
	if (log_fd < 0) {
		perror("a /dev with our own /dev/log");
		return 1;
	}
	mkdir("/var/run/xen-hotplug", 0755);
	if (xsd_start(&xsd) < 0) {
		perror("xsd_start");
		return 1;
	}
	xs = xs_open(0);
	if (!xs) {
		perror("xs_open");
		xsd_stop(&xsd);
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	xs_close(xs);
	xsd_stop(&xsd);
	close(log_fd);
	return r || !xsd_exited_cleanly(&xsd);
}
