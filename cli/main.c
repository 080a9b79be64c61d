// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-hotplug: Xen's hotplug scripts as one small program.
 *   xhp-hotplug PERSONALITY [OPTIONS] COMMAND [key=value...]
 *   PERSONALITY [OPTIONS] COMMAND ...  (the binary under its name)
 *   xhp-hotplug parse COMMAND [key=value...]
 *   xhp-hotplug lock NAME [--timeout SECONDS] -- COMMAND [ARGS...]
 *   xhp-hotplug status [--json] [--repair] [DOMID[.DEVID]]
 *   xhp-hotplug libvirt-hook DRIVER OBJECT OP SUBOP EXTRA
 *   /etc/libvirt/hooks/DRIVER.d/NAME OBJECT OP SUBOP EXTRA  (a link)
 *   xhp-hotplug --help | --version
 *
 * One rule for options: they go between the personality and the command,
 * and nowhere else. Any other argument with a leading '-' (before the
 * personality, or after the command) is a usage error: exit 2, a message,
 * and nothing reported to xenstore, since a misplaced option says nothing
 * about the device (a connected vif must stay connected).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char options_help[] =
	"OPTIONS (only between the personality and the command):\n"
	"  -n, --dry-run        check and print the steps; change nothing\n"
	"  --timeout SECONDS    deadline of the run (default 30)\n"
	"  -h, --help, --version\n";

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"Usage: xhp-hotplug PERSONALITY [OPTIONS] COMMAND [key=value...]\n"
		"       xhp-hotplug parse COMMAND [key=value...]\n"
		"       xhp-hotplug lock NAME [--timeout SECONDS] -- COMMAND [ARGS...]\n"
		"       xhp-hotplug status [--json] [--repair] [DOMID[.DEVID]]\n"
		"       xhp-hotplug libvirt-hook DRIVER OBJECT OP SUBOP EXTRA  (XML on stdin)\n"
		"       xhp-hotplug --help | --version\n\n"
		"COMMAND: add, remove, online, offline. The environment gives XENBUS_PATH,\nXENBUS_TYPE, vif or INTERFACE, as libxl or udev set them.\n%sPersonalities:",
		options_help);
	for (i = 0; xhp_device_personality_at(i); i++)
		fprintf(f, " %s", xhp_device_personality_at(i));
	/* One line each: the bash completion reads both. */
	fprintf(f, "\nSettings (key=value):");
	for (i = 0; xhp_setting_key_at(i); i++)
		fprintf(f, " %s", xhp_setting_key_at(i));
	fprintf(f,
		"\nInstalled or linked under a personality's name, the binary acts as it.\n");
}

static void personality_usage(const char *name)
{
	printf("Usage: %s [OPTIONS] COMMAND [key=value...]\n"
	       "       %s --help | --version\n\n"
	       "COMMAND: add, remove, online, offline. The environment gives XENBUS_PATH,\nXENBUS_TYPE, vif or INTERFACE, as libxl or udev set them.\n%sThis is the %s personality of xhp-hotplug (see xhp-hotplug --help).\n",
	       name, name, options_help, name);
}

static int is_personality(const char *name)
{
	unsigned int i;

	for (i = 0; xhp_device_personality_at(i); i++)
		if (!strcmp(xhp_device_personality_at(i), name))
			return 1;
	return 0;
}

/* An argument shown in a message: control bytes as \xNN, 64 bytes. */
static const char *quote(char buf[CLI_QUOTE_MAX], const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; s[i] && i < 64; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[c >> 4];
		buf[o++] = hex[c & 15];
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int cli_set_timeout(xhp_ctx *ctx, const char *arg)
{
	char q[CLI_QUOTE_MAX], *end;
	uint64_t ms;
	double s;

	errno = 0;
	s = (*arg >= '0' && *arg <= '9') || *arg == '.' ? strtod(arg, &end) :
							  -1;
	/* Rounded up: a positive timeout never becomes 0 (refused). */
	if (!errno && s > 0 && s <= 86400 && !*end) {
		ms = (uint64_t)(s * 1000);
		if ((double)ms < s * 1000)
			ms++;
		if (xhp_ctx_set_timeout_ms(ctx, ms) == 0)
			return 0;
	}
	cli_log(LOG_ERR, "bad --timeout '%s' (seconds, up to 86400)",
		quote(q, arg));
	return -EINVAL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void print_kv(const char *k, const char *v)
{
	printf("%s=%s\n", k, v ? v : "");
}

/* The variables of the protocol: no personality "uses" them as settings. */
static int is_protocol_var(const char *k)
{
	static const char *const vars[] = {
		"XENBUS_PATH", "XENBUS_TYPE", "XENBUS_BASE_PATH", "script",
		"vif",	       "INTERFACE",   "type_if"
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(k, vars[i]))
			return 1;
	return 0;
}

/*
 * Which personalities read the setting @k and which do not: a setting
 * one does not use is said so, never dropped silently.
 */
static void print_use(const char *k)
{
	const char *p;
	unsigned int i;
	int any = 0;

	if (is_protocol_var(k))
		return;
	if (xhp_device_uses_setting(xhp_device_personality_at(0), k) < 0) {
		printf("setting.%s.note=not a setting of any personality: ignored\n",
		       k);
		return;
	}
	for (int used = 1; used >= 0; used--) {
		printf("setting.%s.%s=", k, used ? "used_by" : "not_used_by");
		any = 0;
		for (i = 0; (p = xhp_device_personality_at(i)); i++)
			if (xhp_device_uses_setting(p, k) == used)
				printf("%s%s", any++ ? " " : "", p);
		printf("\n");
	}
}

static int cmd_parse(xhp_ctx *ctx, int argc, char **argv)
{
	xhp_request *req;
	const char *k, *v;
	unsigned int i;
	int r;

	/* As for a personality: no command is a usage error. */
	if (argc < 1) {
		cli_log(LOG_ERR,
			"missing COMMAND (see xhp-hotplug --help): xhp-hotplug parse COMMAND [key=value...]");
		return EXIT_USAGE;
	}
	r = xhp_request_parse(ctx, argc, argv, environ, &req);
	if (r < 0) {
		cli_log(LOG_ERR, "%s", xhp_ctx_last_error(ctx));
		return EXIT_FAIL;
	}
	print_kv("action",
		 xhp_request_action_to_string(xhp_request_action(req)));
	print_kv("kind", xhp_request_kind_to_string(xhp_request_kind(req)));
	print_kv("noop", xhp_request_is_noop(req) ? "1" : "0");
	print_kv("backend_path", xhp_request_backend_path(req));
	print_kv("xenbus_type", xhp_request_xenbus_type(req));
	printf("domid=%u\ndevid=%u\n", xhp_request_domid(req),
	       xhp_request_devid(req));
	print_kv("device", xhp_request_device(req));
	for (i = 0; xhp_request_setting_at(req, i, &k, &v) == 0; i++) {
		printf("setting.%s=%s\n", k, v);
		printf("setting.%s.source=%s\n", k,
		       xhp_source_to_string(
			       xhp_request_setting_source(req, k)));
		print_use(k);
	}
	xhp_request_free(req);
	return EXIT_OK;
}

/*
 * Arguments that do not parse (an unknown command, a malformed setting)
 * still fail visibly: if the environment names a valid backend, the
 * message goes to its hotplug-error. Whether the backend exists and is
 * not connected is for the library to check, in the transaction that
 * writes (a CLI check would race with the toolstack).
 */
static void report_parse_failure(xhp_ctx *ctx)
{
	const char *path = getenv("XENBUS_PATH");
	char msg[1024];
	int r;

	if (!path)
		return;
	snprintf(msg, sizeof(msg), "%s", xhp_ctx_last_error(ctx));
	r = xhp_device_report_ext(ctx, path, XHP_STATUS_ERROR, msg,
				  XHP_REPORT_UNLESS_CONNECTED);
	/* A backend that is gone or a device that works: left alone. */
	if (r == -ENOENT || r == -EALREADY)
		cli_log(LOG_INFO, "not reported: %s", xhp_ctx_last_error(ctx));
	else if (r < 0)
		cli_log(LOG_WARNING,
			"could not report the failure to xenstore: %s",
			xhp_ctx_last_error(ctx));
}

struct run_options {
	bool dry_run;
};

/*
 * The options between the personality @name and the command; consumes
 * them from argc and argv. Returns 0 (go on), 1 (--help or --version
 * printed: exit 0) or -EINVAL (usage error, said).
 */
static int parse_options(xhp_ctx *ctx, const char *name, int *argc,
			 char ***argv, struct run_options *o)
{
	char q[CLI_QUOTE_MAX];
	char **a = *argv;
	int n = *argc;

	for (; n > 0 && a[0][0] == '-'; n--, a++) {
		if (!strcmp(a[0], "-n") || !strcmp(a[0], "--dry-run")) {
			o->dry_run = true;
		} else if (!strcmp(a[0], "-h") || !strcmp(a[0], "--help")) {
			personality_usage(name);
			return 1;
		} else if (!strcmp(a[0], "--version")) {
			printf("%s (xhp-hotplug) %s\n", name, xhp_version());
			return 1;
		} else if (!strcmp(a[0], "--timeout")) {
			if (n < 2) {
				cli_log(LOG_ERR, "--timeout needs a value");
				return -EINVAL;
			}
			if (cli_set_timeout(ctx, a[1]) < 0)
				return -EINVAL;
			n--;
			a++;
		} else {
			cli_log(LOG_ERR, "unknown option '%s' (see %s --help)",
				quote(q, a[0]), name);
			return -EINVAL;
		}
	}
	if (n == 0) {
		cli_log(LOG_ERR, "missing COMMAND (see %s --help)", name);
		return -EINVAL;
	}
	for (int i = 1; i < n; i++)
		if (a[i][0] == '-') {
			cli_log(LOG_ERR,
				"unexpected argument '%s' after the command: options go between %s and the command",
				quote(q, a[i]), name);
			return -EINVAL;
		}
	*argc = n;
	*argv = a;
	return 0;
}

/* "vif-bridge online vif1.0 (backend/vif/1/0)", as the library says. */
static void describe(char *buf, size_t size, const char *personality,
		     const xhp_request *req)
{
	const char *dev = xhp_request_device(req);

	snprintf(buf, size, "%s %s %s (%s)", personality,
		 xhp_request_action_to_string(xhp_request_action(req)),
		 dev ? dev : xhp_request_kind_to_string(xhp_request_kind(req)),
		 xhp_request_backend_path(req));
}

/*
 * Each run's outcome, success included, so that a success and a run
 * killed half-way (no line) tell apart in syslog; a failure at LOG_ERR
 * with the library's message (which it does not log itself).
 */
static void log_outcome(xhp_ctx *ctx, const char *what, const xhp_request *req,
			const xhp_result *res, int r, double ms, bool dry_run)
{
	const char *done;

	if (r < 0) {
		cli_log(LOG_ERR, "%s: %s in %.1f ms: %s", what,
			xhp_result_status(res) == XHP_STATUS_BUSY ?
				"refused (busy)" :
				"failed",
			ms, xhp_ctx_last_error(ctx));
		return;
	}
	if (xhp_request_is_noop(req))
		done = "nothing to do";
	else if (dry_run)
		done = "dry run done";
	else if (xhp_result_status(res) == XHP_STATUS_CONNECTED)
		done = "connected";
	else
		done = "done";
	cli_log(LOG_INFO, "%s: %s in %.1f ms", what, done, ms);
}

static int cmd_run(xhp_ctx *ctx, const char *personality, int argc, char **argv)
{
	struct run_options o = { 0 };
	char q[CLI_QUOTE_MAX];
	xhp_result *res = NULL;
	xhp_request *req;
	struct timespec t0;
	char what[512];
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = parse_options(ctx, personality, &argc, &argv, &o);
	if (r != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (o.dry_run) {
		cli_log_dry_run();
		xhp_ctx_set_dry_run(ctx, 1);
	}
	r = xhp_request_parse(ctx, argc, argv, environ, &req);
	if (r < 0) {
		cli_log(LOG_ERR, "%s %s: failed: %s", personality,
			quote(q, argv[0]), xhp_ctx_last_error(ctx));
		if (!o.dry_run)
			report_parse_failure(ctx);
		return EXIT_FAIL;
	}
	describe(what, sizeof(what), personality, req);
	r = xhp_device_run(ctx, personality, req, &res);
	log_outcome(ctx, what, req, res, r, ms_since(&t0), o.dry_run);
	xhp_result_free(res);
	xhp_request_free(req);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

/*
 * Hand a hook call to xhp-libvirt-hook (libvirt_main.c): the one beside
 * this program (a build tree), else the installed one; the process is
 * replaced, so there is nothing to wait for. Returns only on failure.
 */
static int exec_libvirt_hook(const char *driver, int argc, char **argv)
{
	static const char helper[] = "xhp-libvirt-hook";
	char self[PATH_MAX], path[PATH_MAX + sizeof(helper)], **args, *slash;
	ssize_t n;
	int i;

	args = calloc((size_t)argc + 3, sizeof(*args));
	if (!args) {
		cli_log(LOG_ERR, "libvirt-hook: out of memory");
		return EXIT_FAIL;
	}
	args[0] = (char *)helper;
	args[1] = (char *)driver;
	for (i = 0; i < argc; i++)
		args[i + 2] = argv[i];
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			slash[1] = '\0';
			snprintf(path, sizeof(path), "%s%s", self, helper);
			execv(path, args);
		}
	}
	execv(XHP_LIBEXEC_DIR "/xhp-libvirt-hook", args);
	cli_log(LOG_ERR, "libvirt-hook: cannot run %s: %s",
		XHP_LIBEXEC_DIR "/xhp-libvirt-hook", strerror(errno));
	free(args);
	return EXIT_FAIL;
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 && argv[0] ? argv[0] : "xhp-hotplug";
	const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
	char q[CLI_QUOTE_MAX];
	xhp_ctx *ctx = NULL;
	int r;

	/*
	 * A closed stderr or stdout (a caller that stopped reading) must not
	 * kill a run between a failing step and its undo: writes fail with
	 * EPIPE instead. Children get the default back (lock.c, and the
	 * library's script runner).
	 */
	signal(SIGPIPE, SIG_IGN);
	if (xhp_ctx_new(&ctx) < 0) {
		fprintf(stderr, "%s: out of memory\n", base);
		return EXIT_FAIL;
	}
	if (is_personality(base)) {
		cli_log_open(ctx, base);
		r = cmd_run(ctx, base, argc - 1, argv + 1);
		goto out;
	}
	if (cli_libvirt_hook_driver(self)) {
		cli_log_open(ctx, "xhp-hotplug");
		r = exec_libvirt_hook(cli_libvirt_hook_driver(self), argc - 1,
				      argv + 1);
		goto out;
	}
	cli_log_open(ctx, "xhp-hotplug");
	if (argc < 2) {
		usage(stderr);
		r = EXIT_USAGE;
	} else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		r = EXIT_OK;
	} else if (!strcmp(argv[1], "--version")) {
		printf("xhp-hotplug %s\n", xhp_version());
		r = EXIT_OK;
	} else if (!strcmp(argv[1], "parse")) {
		r = cmd_parse(ctx, argc - 2, argv + 2);
	} else if (!strcmp(argv[1], "lock")) {
		r = cli_lock(ctx, argc - 1, argv + 1);
	} else if (!strcmp(argv[1], "status")) {
		r = cli_status(ctx, argc - 1, argv + 1);
	} else if (!strcmp(argv[1], "libvirt-hook")) {
		cli_log_open(ctx, "xhp-hotplug");
		if (argc < 3 || !cli_libvirt_driver(argv[2], strlen(argv[2]))) {
			cli_log(LOG_ERR,
				"libvirt-hook: DRIVER '%s' is not qemu, libxl, lxc or network",
				argc < 3 ? "" : quote(q, argv[2]));
			r = EXIT_USAGE;
		} else {
			r = exec_libvirt_hook(
				cli_libvirt_driver(argv[2], strlen(argv[2])),
				argc - 3, argv + 3);
		}
	} else if (is_personality(argv[1])) {
		cli_log_open(ctx, argv[1]);
		r = cmd_run(ctx, argv[1], argc - 2, argv + 2);
	} else if (argv[1][0] == '-') {
		cli_log(LOG_ERR,
			"unknown option '%s': options go after the personality (xhp-hotplug PERSONALITY [OPTIONS] COMMAND ...)",
			quote(q, argv[1]));
		r = EXIT_USAGE;
	} else {
		cli_log(LOG_ERR,
			"unknown personality or command '%s' (see --help)",
			quote(q, argv[1]));
		r = EXIT_USAGE;
	}
out:
	xhp_ctx_unref(ctx);
	return r;
}
