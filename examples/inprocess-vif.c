// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * inprocess-vif: plumb a vif in-process, with no script and no fork: the
 * library reads the backend keys from xenstore, does what vif-bridge (or
 * another personality) would, and writes hotplug-status itself.
 *
 *   inprocess-vif [-n] [-p PERSONALITY] online|offline DOMID.DEVID
 *                 [key=value...]
 *
 * -n: dry run (read everything, log the steps, change nothing).
 * PERSONALITY: vif-bridge (default), vif-openvswitch, vif-route.
 * key=value: settings as libxl would pass them (bridge=xenbr0, mtu=...);
 * the backend's xenstore keys win over them.
 * Exit status: 0 on success, 1 on failure, 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <xhp/xhp.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: inprocess-vif [-n] [-p PERSONALITY] online|offline "
		   "DOMID.DEVID [key=value...]\n");
}

/* The library is silent unless given a log function. */
static void log_line(void *userdata, int priority, const char *message)
{
	(void)userdata;
	(void)priority;
	fprintf(stderr, "libxhp: %s\n", message);
}

static void print_result(const char *dev, int r, const xhp_result *res)
{
	const char *err = res ? xhp_result_message(res) : NULL;
	int status = res ? xhp_result_status(res) : XHP_STATUS_NONE;

	printf("%s: %s (%d), hotplug-status %s", dev, r < 0 ? "failed" : "ok",
	       r, status ? xhp_result_status_to_string(status) : "(none)");
	if (res)
		printf(", %.1f ms", xhp_result_elapsed_us(res) / 1000.0);
	printf("\n");
	if (err)
		printf("  hotplug-error: %s\n", err);
}

int main(int argc, char *argv[])
{
	const char *personality = "vif-bridge";
	unsigned int domid, devid;
	char path[64], dev[32];
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx = NULL;
	int action, opt, dry_run = 0, r, i;

	while ((opt = getopt(argc, argv, "hnp:")) != -1) {
		switch (opt) {
		case 'n':
			dry_run = 1;
			break;
		case 'p':
			personality = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind < 2 ||
	    sscanf(argv[optind + 1], "%u.%u", &domid, &devid) != 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[optind], "online")) {
		action = XHP_ACTION_ONLINE;
	} else if (!strcmp(argv[optind], "offline")) {
		action = XHP_ACTION_OFFLINE;
	} else {
		usage(stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "backend/vif/%u/%u", domid, devid);
	snprintf(dev, sizeof(dev), "vif%u.%u", domid, devid);

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return 1;
	xhp_ctx_set_log_fn(ctx, log_line, NULL);
	xhp_ctx_set_dry_run(ctx, dry_run);
	r = xhp_request_new(ctx, action, XHP_KIND_VIF, path, dev, &req);
	for (i = optind + 2; r == 0 && i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "%s: not key=value\n", argv[i]);
			r = -1;
			break;
		}
		*eq = '\0';
		r = xhp_request_set(req, argv[i], eq + 1);
	}
	if (r == 0) {
		/* res is written even on failure, once the run got going */
		r = xhp_device_run(ctx, personality, req, &res);
		print_result(dev, r, res);
	}
	if (r < 0 && !res) /* otherwise print_result showed it */
		fprintf(stderr, "%s: %s\n", dev, xhp_ctx_last_error(ctx));
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r < 0 ? 1 : 0;
}
