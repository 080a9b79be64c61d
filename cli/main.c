// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-hotplug: Xen's hotplug scripts as one small program.
 *   xhp-hotplug <personality> <command> [key=value...]
 *   vif-bridge <command> ...  (the same binary under a personality's name)
 *   xhp-hotplug parse <command> [key=value...]
 *   xhp-hotplug lock NAME [--timeout SECONDS] -- COMMAND [ARGS...]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"

extern char **environ;

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
		"Usage: xhp-hotplug PERSONALITY [--dry-run] COMMAND "
		"[key=value...]\n"
		"       xhp-hotplug parse COMMAND [key=value...]\n"
		"       xhp-hotplug lock NAME [--timeout SECONDS] -- "
		"COMMAND [ARGS...]\n"
		"       xhp-hotplug --help | --version\n\n"
		"COMMAND: add, remove, online, offline. The environment "
		"gives XENBUS_PATH,\nXENBUS_TYPE, vif or INTERFACE, as libxl "
		"or udev set them.\nPersonalities:");
	for (i = 0; xhp_device_personality_at(i); i++)
		fprintf(f, " %s", xhp_device_personality_at(i));
	fprintf(f, "\nInstalled or linked under a personality's name, the "
		   "binary acts as it.\n");
}

static void personality_usage(const char *name)
{
	printf("Usage: %s [--dry-run] COMMAND [key=value...]\n"
	       "       %s --help | --version\n\n"
	       "COMMAND: add, remove, online, offline. The environment gives "
	       "XENBUS_PATH,\nXENBUS_TYPE, vif or INTERFACE, as libxl or "
	       "udev set them.\nThis is the %s personality of xhp-hotplug "
	       "(see xhp-hotplug --help).\n",
	       name, name, name);
}

/*
 * --help and --version as the first argument of a personality (the
 * binary under its name, or xhp-hotplug PERSONALITY): print, exit 0, no
 * xenstore. Returns 1 when @arg was one of them.
 */
static int personality_option(const char *name, const char *arg)
{
	if (!arg)
		return 0;
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		personality_usage(name);
		return 1;
	}
	if (!strcmp(arg, "--version")) {
		printf("%s (xhp-hotplug) %s\n", name, xhp_version());
		return 1;
	}
	return 0;
}

static int is_personality(const char *name)
{
	unsigned int i;

	for (i = 0; xhp_device_personality_at(i); i++)
		if (!strcmp(xhp_device_personality_at(i), name))
			return 1;
	return 0;
}

static void print_kv(const char *k, const char *v)
{
	printf("%s=%s\n", k, v ? v : "");
}

static int cmd_parse(xhp_ctx *ctx, int argc, char **argv)
{
	xhp_request *req;
	const char *k, *v;
	unsigned int i;
	int r;

	r = xhp_request_parse(ctx, argc, argv, environ, &req);
	if (r < 0)
		return 1;
	print_kv("action",
		 xhp_request_action_to_string(xhp_request_action(req)));
	print_kv("kind", xhp_request_kind_to_string(xhp_request_kind(req)));
	print_kv("noop", xhp_request_is_noop(req) ? "1" : "0");
	print_kv("backend_path", xhp_request_backend_path(req));
	print_kv("xenbus_type", xhp_request_xenbus_type(req));
	printf("domid=%u\ndevid=%u\n", xhp_request_domid(req),
	       xhp_request_devid(req));
	print_kv("device", xhp_request_device(req));
	for (i = 0; xhp_request_setting_at(req, i, &k, &v) == 0; i++)
		printf("setting.%s=%s\n", k, v);
	xhp_request_free(req);
	return 0;
}

/*
 * Arguments that do not parse still fail visibly: if the environment names
 * a valid backend, the message goes to its hotplug-error.
 */
static void report_parse_failure(xhp_ctx *ctx)
{
	const char *path = getenv("XENBUS_PATH");
	char msg[1024];

	if (!path)
		return;
	snprintf(msg, sizeof(msg), "%s", xhp_ctx_last_error(ctx));
	if (xhp_device_report(ctx, path, XHP_STATUS_ERROR, msg) < 0)
		cli_log(LOG_ERR, "could not report the failure to xenstore: %s",
			xhp_ctx_last_error(ctx));
}

static int cmd_run(xhp_ctx *ctx, const char *personality, int argc, char **argv)
{
	bool dry_run = false;
	xhp_request *req;
	int r;

	if (argc > 0 && !strcmp(argv[0], "--dry-run")) {
		dry_run = true;
		cli_log_dry_run();
		xhp_ctx_set_dry_run(ctx, 1);
		argc--;
		argv++;
	}
	r = xhp_request_parse(ctx, argc, argv, environ, &req);
	if (r < 0) {
		if (!dry_run)
			report_parse_failure(ctx);
		return 1;
	}
	r = xhp_device_run(ctx, personality, req, NULL);
	xhp_request_free(req);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 && argv[0] ? argv[0] : "xhp-hotplug";
	const char *base = strrchr(self, '/') ? strrchr(self, '/') + 1 : self;
	xhp_ctx *ctx = NULL;
	int r;

	if (xhp_ctx_new(&ctx) < 0) {
		fprintf(stderr, "%s: out of memory\n", base);
		return 1;
	}
	if (is_personality(base)) {
		if (argc > 1 && personality_option(base, argv[1])) {
			r = 0;
			goto out;
		}
		cli_log_open(ctx, base);
		r = cmd_run(ctx, base, argc - 1, argv + 1);
		goto out;
	}
	if (argc < 2) {
		usage(stderr);
		r = 2;
		goto out;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		r = 0;
	} else if (!strcmp(argv[1], "--version")) {
		printf("xhp-hotplug %s\n", xhp_version());
		r = 0;
	} else if (!strcmp(argv[1], "parse")) {
		cli_log_open(ctx, "xhp-hotplug");
		r = cmd_parse(ctx, argc - 2, argv + 2);
	} else if (!strcmp(argv[1], "lock")) {
		cli_log_open(ctx, "xhp-hotplug");
		r = cli_lock(ctx, argc - 1, argv + 1);
	} else if (is_personality(argv[1])) {
		if (argc > 2 && personality_option(argv[1], argv[2])) {
			r = 0;
			goto out;
		}
		cli_log_open(ctx, argv[1]);
		r = cmd_run(ctx, argv[1], argc - 2, argv + 2);
	} else {
		fprintf(stderr,
			"xhp-hotplug: unknown personality or "
			"command '%s' (see --help)\n",
			argv[1]);
		r = 2;
	}
out:
	xhp_ctx_unref(ctx);
	return r;
}
