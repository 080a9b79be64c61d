// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-demo: one real hotplug, end to end, touching nothing on the host.
 * In a throwaway network namespace it makes a bridge xenbr0 and a tap
 * vif1.0 (standing in for netback's vif), starts the test xenstore
 * daemon, writes the backend keys as libxl does, runs
 * `xhp-hotplug vif-bridge online` and `offline` with libxl's argv and
 * environment, and shows the kernel's and xenstore's state after each.
 *
 *   xhp-demo [SCRIPT]
 *
 * SCRIPT: run this device script instead of the built xhp-hotplug, with
 * exactly libxl's argv (e.g. the installed /usr/libexec/xhp/vif-bridge,
 * as tools/deb-check.sh does after installing the .deb).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include "testutil.h"
#include "xsd_harness.h"

#define BACKEND "/local/domain/0/backend/vif/1/0"

static void show(const char *title, const char *arg0, ...)
{
	char *out = NULL;
	va_list ap;

	va_start(ap, arg0);
	tu_runv(&out, NULL, 10000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	printf("--- %s\n%s", title, out ? out : "");
	free(out);
}

/* The device script, or NULL for the built `xhp-hotplug vif-bridge`. */
static const char *script;

static int hotplug(const char *command)
{
	char script_env[4096];
	const char *const add[] = {
		script_env,
		"XENBUS_TYPE=vif",
		"XENBUS_PATH=backend/vif/1/0",
		"XENBUS_BASE_PATH=backend",
		"vif=vif1.0",
		NULL,
	};
	char *cli_argv[] = { XHP_CLI, "vif-bridge", (char *)command,
			     "type_if=vif", NULL };
	char *script_argv[] = { (char *)script, (char *)command, "type_if=vif",
				NULL };
	char **argv = script ? script_argv : cli_argv;
	char **env;
	char *out = NULL;
	int r;

	snprintf(script_env, sizeof(script_env), "script=%s",
		 script ? script : "/usr/libexec/xhp/vif-bridge");
	env = tu_env(NULL, add);
	printf("\n=== %s%s %s type_if=vif "
	       "(XENBUS_PATH=backend/vif/1/0 vif=vif1.0)\n",
	       script ? script : "xhp-hotplug", script ? "" : " vif-bridge",
	       command);
	r = tu_run(argv, env, 40000, &out);
	printf("exit status %d%s%s", r, out && *out ? ", output:\n" : "\n",
	       out ? out : "");
	free(out);
	tu_env_free(env);
	return r;
}

static int write_backend(void)
{
	static const char *const kv[][2] = {
		{ BACKEND "/frontend", "/local/domain/1/device/vif/0" },
		{ BACKEND "/frontend-id", "1" },
		{ BACKEND "/online", "1" },
		{ BACKEND "/state", "2" },
		{ BACKEND "/script", "/usr/libexec/xhp/vif-bridge" },
		{ BACKEND "/mac", "00:16:3e:12:34:56" },
		{ BACKEND "/bridge", "xenbr0" },
		{ BACKEND "/handle", "0" },
		{ BACKEND "/hotplug-status", "" },
		{ "/local/domain/1/vm",
		  "/vm/00000000-0000-0000-0000-000000000001" },
		{ "/local/domain/1/name", "demo-guest" },
	};
	struct xs_handle *xs = xs_open(0);
	size_t i;

	if (!xs)
		return -1;
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (tu_xs_write(xs, kv[i][0], kv[i][1]) < 0) {
			xs_close(xs);
			return -1;
		}
	xs_close(xs);
	return 0;
}

int main(int argc, char *argv[])
{
	struct xsd xsd = XSD_INIT;
	int r_on = -1, r_off = -1;

	if (argc > 1)
		script = argv[1];
	if (script && access(script, X_OK) < 0) {
		fprintf(stderr, "demo: %s: %s\n", script, strerror(errno));
		return 1;
	}

	tu_require_root("network namespaces and links");
	if (tu_netns_enter() < 0) {
		fprintf(stderr, "demo: cannot make a network namespace\n");
		return 1;
	}
	if (xsd_start(&xsd) < 0) {
		fprintf(stderr, "demo: cannot start the test xenstore\n");
		return 1;
	}
	printf("demo: network namespace of pid %d, test xenstored at %s\n",
	       (int)getpid(), xsd.socket);
	if (tu_runl(NULL, "ip", "link", "add", "xenbr0", "type", "bridge",
		    NULL) ||
	    tu_runl(NULL, "ip", "link", "set", "xenbr0", "up", NULL) ||
	    tu_runl(NULL, "ip", "tuntap", "add", "vif1.0", "mode", "tap",
		    NULL) ||
	    write_backend() < 0) {
		fprintf(stderr, "demo: set-up failed\n");
		goto out;
	}
	show("before: links", "ip", "-br", "link", NULL);
	r_on = hotplug("online");
	show("after online: vif1.0", "ip", "-d", "link", "show", "vif1.0",
	     NULL);
	show("after online: bridge ports", "bridge", "link", NULL);
	show("after online: backend keys", "xenstore-ls", "-f", BACKEND, NULL);
	show("after online: frontend mtu", "xenstore-read",
	     "/local/domain/1/device/vif/0/mtu", NULL);
	r_off = hotplug("offline");
	show("after offline: vif1.0", "ip", "-br", "link", "show", "vif1.0",
	     NULL);
	show("after offline: bridge ports", "bridge", "link", NULL);
out:
	xsd_stop(&xsd);
	printf("\ndemo: online %s, offline %s; the namespace goes with this "
	       "process\n",
	       r_on == 0 ? "ok" : "FAILED", r_off == 0 ? "ok" : "FAILED");
	return r_on == 0 && r_off == 0 ? 0 : 1;
}
