/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared set-up for the vif-route tests and benchmark: a throwaway netns
 * with a veth pair as the gateway device, taps standing in for netback's
 * vifs, a private test xenstored, and runners for our personality
 * (in-process or through the CLI) and Xen's /etc/xen/scripts/vif-route.
 */
#ifndef XHP_ROUTE_UTIL_H
#define XHP_ROUTE_UTIL_H

#include <jansson.h>
#include <stdbool.h>

#include <xhp/xhp.h>

#include "xsd_harness.h"

#define RU_DOMID 3
#define RU_BACKEND "backend/vif/3/0"
#define RU_BACKEND_ABS "/local/domain/0/backend/vif/3/0"
/* The path of the backend's key @key (a string literal). */
#define RU_KEY(key) RU_BACKEND_ABS "/" key
#define RU_VIF "vif3.0"
#define RU_TAP "vif3.0-emu"
#define RU_GW "eth0"
#define RU_GW4 "192.168.5.1"
#define RU_GW6 "2001:db8::1"
#define XEN_VIF_ROUTE "/etc/xen/scripts/vif-route"

struct ru_env {
	struct xsd xsd;
	char *var_log_xen; /* created by us, removed at the end */
};

/*
 * Enter a new netns, make the gateway veth RU_GW (up; with RU_GW4/24 and
 * RU_GW6/64 when asked), the backend directory and start the xenstored.
 * Returns 0 or -1 (message on stderr).
 */
int ru_setup(struct ru_env *e, bool gw4, bool gw6);
void ru_teardown(struct ru_env *e);

/* A tap device (down) named @name; 0 or -1. */
int ru_tap(const char *name);

/*
 * Run vif-route: @action "online"/"offline"/"add"/"remove", @tap: tap
 * kind (device RU_TAP) else vif (RU_VIF); @extra: NULL-terminated
 * "K=V" environment additions (netdev=...). Returns the exit code;
 * *msg (may be NULL) gets the error message (malloc'd).
 */
int ru_ours(const char *action, bool tap, const char *const extra[],
	    char **msg);
/* The same, in-process, every log line (debug included) to @fn. */
int ru_ours_log(const char *action, bool tap, const char *const extra[],
		xhp_log_fn fn, void *userdata);
/* The same through the CLI binary (exec). */
int ru_ours_cli(const char *action, bool tap, const char *const extra[]);
/* The same through Xen's script. */
int ru_xen(const char *action, bool tap, const char *const extra[]);
/* The same, with dry_run (in-process). */
int ru_ours_dry(const char *action, bool tap, const char *const extra[]);

/* `ip -d -j ...` parsed; NULL on failure. */
json_t *ru_ip_json(const char *const args[]);
/* The route to @dst (as ip prints it) in table main via @dev, family
 * AF_UNSPEC for both; borrowed from @routes or NULL. */
json_t *ru_find_route(json_t *routes, const char *dst);
/* Routes (all tables, both families) through @dev; caller json_decref. */
json_t *ru_routes(const char *dev);
/* Number of proxy neighbour entries for @dst on @dev (dst NULL: all). */
int ru_proxy_count(const char *dev, const char *dst);
/* Whether @dev has address @local/@prefix. */
bool ru_has_addr(const char *dev, const char *local, int prefix);
/* Number of addresses of @family (4 or 6, 6 excludes link-local). */
int ru_addr_count(const char *dev, int family);
bool ru_link_up(const char *dev);
bool ru_link_exists(const char *dev);
/* A sysctl under /proc/sys/net/ipv<family>/conf/<dev>/, -1 if absent. */
int ru_sysctl(int family, const char *dev, const char *name);
/* Write it (the test's own set-up); 0 or -1. */
int ru_sysctl_set(int family, const char *dev, const char *name, int value);

/*
 * A normalised text dump of the kernel state that vif-route touches on
 * @dev and the gateway: @dev's addresses and up flag, proxy_arp, the
 * routes through @dev (all tables), proxy neighbours on the gateway.
 * Caller frees.
 */
char *ru_state(const char *dev);

#endif
