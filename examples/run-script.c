// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * run-script: what a toolstack does on a vif hotplug event, for several
 * devices at once. Each device script (Xen's /etc/xen/scripts/vif-bridge,
 * or /usr/libexec/xhp/vif-bridge) is started with libxl's argv and
 * environment, then one poll() loop waits for all of them (the fd-based
 * API an event-loop toolstack uses), and each result is printed.
 *
 *   run-script [-t MS] SCRIPT online|offline DOMID.DEVID...
 *
 * The backend of DOMID.DEVID is backend/vif/DOMID/DEVID, the device
 * vifDOMID.DEVID. Exit status: 0 when every script succeeded.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xhp/xhp.h>

#define MAX_DEVICES 64

static void usage(FILE *f)
{
	fprintf(f, "usage: run-script [-t MS] SCRIPT online|offline "
		   "DOMID.DEVID...\n");
}

/* Print what the script did, the way a toolstack would log it. */
static void print_result(const char *dev, const xhp_result *res)
{
	const char *err = xhp_result_message(res);
	const char *text = xhp_result_stderr(res);
	int status = xhp_result_status(res);

	printf("vif%s: ", dev);
	if (xhp_result_timed_out(res))
		printf("timed out, killed with signal %d",
		       xhp_result_signal(res));
	else if (xhp_result_signal(res))
		printf("killed by signal %d", xhp_result_signal(res));
	else
		printf("exit %d", xhp_result_exit_code(res));
	printf(", hotplug-status %s, %.1f ms\n",
	       status ? xhp_result_status_to_string(status) : "(none)",
	       xhp_result_elapsed_us(res) / 1000.0);
	if (err)
		printf("  hotplug-error: %s\n", err);
	if (text && *text)
		printf("  stderr: %s%s", text,
		       text[strlen(text) - 1] == '\n' ? "" : "\n");
}

/* Start the script for one "DOMID.DEVID". */
static int start(xhp_ctx *ctx, const char *script, int action, const char *id,
		 xhp_script **ret_s)
{
	unsigned int domid, devid;
	char path[64], dev[32];
	xhp_request *req = NULL;
	int r;

	if (sscanf(id, "%u.%u", &domid, &devid) != 2) {
		fprintf(stderr, "%s: not DOMID.DEVID\n", id);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "backend/vif/%u/%u", domid, devid);
	snprintf(dev, sizeof(dev), "vif%u.%u", domid, devid);
	r = xhp_request_new(ctx, action, XHP_KIND_VIF, path, dev, &req);
	if (r == 0)
		r = xhp_script_spawn(ctx, script, req, ret_s);
	if (r < 0)
		fprintf(stderr, "%s: %s\n", dev, xhp_ctx_last_error(ctx));
	xhp_request_free(req); /* the script keeps what it needs */
	return r;
}

/*
 * One poll() over every running script until all have finished; returns
 * how many failed.
 */
static int wait_all(xhp_script *s[], const char *ids[], int n)
{
	int running = 0, failed = 0, i;

	for (i = 0; i < n; i++)
		running += s[i] != NULL;

	while (running > 0) {
		struct pollfd pfd[MAX_DEVICES];
		int timeout = -1;

		for (i = 0; i < n; i++) {
			pfd[i].fd = s[i] ? xhp_script_fd(s[i]) : -1;
			pfd[i].events = POLLIN;
			if (s[i] && (timeout < 0 ||
				     xhp_script_timeout_ms(s[i]) < timeout))
				timeout = xhp_script_timeout_ms(s[i]);
		}
		if (poll(pfd, n, timeout) < 0 && errno != EINTR) {
			perror("poll");
			return running;
		}
		for (i = 0; i < n; i++) {
			xhp_result *res = NULL;

			/* dispatch also enforces the deadline: call it for
			 * every script, not only the readable ones */
			if (!s[i] || xhp_script_dispatch(s[i]) == 0)
				continue;
			if (xhp_script_wait(s[i], &res) < 0)
				failed++;
			if (res)
				print_result(ids[i], res);
			xhp_result_free(res);
			s[i] = xhp_script_free(s[i]);
			running--;
		}
	}
	return failed;
}

int main(int argc, char *argv[])
{
	xhp_script *s[MAX_DEVICES] = { NULL };
	const char *ids[MAX_DEVICES];
	xhp_ctx *ctx = NULL;
	int action, n, i, arg = 1, failed = 0;

	if (argc > 1 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (xhp_ctx_new(&ctx) < 0)
		return 1;
	/* libxl gives a device script 40 s */
	xhp_ctx_set_timeout_ms(ctx, 40000);
	if (argc > 3 && !strcmp(argv[1], "-t")) {
		xhp_ctx_set_timeout_ms(ctx, strtoull(argv[2], NULL, 10));
		arg = 3;
	}
	n = argc - arg - 2;
	if (n < 1 || n > MAX_DEVICES) {
		usage(stderr);
		xhp_ctx_unref(ctx);
		return 2;
	}
	if (!strcmp(argv[arg + 1], "online")) {
		action = XHP_ACTION_ONLINE;
	} else if (!strcmp(argv[arg + 1], "offline")) {
		action = XHP_ACTION_OFFLINE;
	} else {
		usage(stderr);
		xhp_ctx_unref(ctx);
		return 2;
	}
	for (i = 0; i < n; i++) {
		ids[i] = argv[arg + 2 + i];
		if (start(ctx, argv[arg], action, ids[i], &s[i]) < 0)
			failed++;
	}
	failed += wait_all(s, ids, n);
	for (i = 0; i < n; i++)
		xhp_script_free(s[i]);
	xhp_ctx_unref(ctx);
	return failed ? 1 : 0;
}
