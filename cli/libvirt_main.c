// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-libvirt-hook: libvirt's hook (cli_libvirt_hook), in a program of its
 * own so that libxml2, and the ICU and C++ runtime it loads, are loaded by
 * hook calls only, not by every hotplug of xhp-hotplug (1.7 ms of each
 * exec here). xhp-hotplug libvirt-hook and a hook link to xhp-hotplug
 * exec it; a hook link may name it too.
 *   xhp-libvirt-hook DRIVER OBJECT OP SUBOP EXTRA   (the XML on stdin)
 *   /etc/libvirt/hooks/DRIVER.d/NAME OBJECT OP SUBOP EXTRA   (a link)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int main(int argc, char **argv)
{
	const char *self = argc > 0 && argv[0] ? argv[0] : "xhp-libvirt-hook";
	const char *driver = cli_libvirt_hook_driver(self);
	xhp_ctx *ctx = NULL;
	int r;

	signal(SIGPIPE, SIG_IGN); /* as xhp-hotplug: see its main() */
	if (xhp_ctx_new(&ctx) < 0) {
		fprintf(stderr, "xhp-libvirt-hook: out of memory\n");
		return EXIT_FAIL;
	}
	cli_log_open(ctx, "xhp-hotplug");
	if (driver) {
		r = cli_libvirt_hook(ctx, driver, argc - 1, argv + 1);
	} else if (argc < 2 ||
		   !(driver = cli_libvirt_driver(argv[1], strlen(argv[1])))) {
		/* xhp-hotplug checked it: a name of no driver is someone
		 * else's call */
		cli_log(LOG_ERR,
			"usage: xhp-libvirt-hook DRIVER OBJECT OP SUBOP EXTRA (DRIVER: qemu, libxl, lxc or network)");
		r = EXIT_USAGE;
	} else {
		r = cli_libvirt_hook(ctx, driver, argc - 2, argv + 2);
	}
	xhp_ctx_unref(ctx);
	return r;
}
