/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the vif-bridge tests: a namespace with its own sysfs, the
 * test xenstore daemon and a libxenstore connection to it (for tu_xs_*()),
 * links looked up through libxhp's netlink core, the CLI and Xen's script
 * as processes.
 */
#ifndef XHP_BT_H
#define XHP_BT_H

#include <stdbool.h>

#include "nl.h"
#include "xsd_harness.h"

struct bt {
	struct xsd xsd;
	struct xs_handle *xs;
	xhp_ctx *ctx;
	struct xhp_nl *nl;
};

/*
 * Root, a fresh network namespace (and a mount namespace with /sys
 * remounted, so Xen's script sees this namespace's links), the xenstore
 * daemon, a libxenstore connection. Exits the process on failure.
 */
void bt_init(struct bt *t);
void bt_fini(struct bt *t);

/* Run a command (NULL-terminated list); fail the test unless it exits 0. */
#define bt_sh(...) bt_sh_(__FILE__, __LINE__, __VA_ARGS__, NULL)
void bt_sh_(const char *file, int line, const char *arg0, ...);

/* Look up a link; returns 0 or -ENODEV. */
int bt_link(struct bt *t, const char *name, struct xhp_link *ret);
/* The name of @l's master, "" if none. */
const char *bt_master(struct bt *t, const struct xhp_link *l);
/* br0 (up) and a tap vif1.0 with MAC 02:11:22:33:44:55 and 10.5.0.1/24. */
void bt_add_br0_vif(void);
/* Number of links in the namespace (for residue checks). */
int bt_count_links(void);
/* Number of addresses on @dev. */
int bt_count_addrs(const char *dev);

/*
 * Run argv with the environment plus @env (NULL-terminated "K=V");
 * *out (may be NULL) gets the output. Returns the exit status.
 */
int bt_run(const char *const argv[], const char *const env[], char **out);

#endif
