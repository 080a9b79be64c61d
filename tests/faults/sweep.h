/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fault sweep of one personality: run its add in-process with the
 * 1st, 2nd, ... seam call failing (libxhp/core/fault.h) until an add hits no
 * fault, and check each failing run against a snapshot of everything the
 * personality may touch (kernel links, addresses, routes, proxy
 * neighbours, sysctls, loop devices, OVS rows, xenstore, lock files).
 */
#ifndef XHP_FAULTS_SWEEP_H
#define XHP_FAULTS_SWEEP_H

#include <stdbool.h>

struct sweep {
	const char *personality;
	const char *backend; /* absolute backend path */
	const char *add_action; /* "online" or "add" */
	const char *remove_action;
	const char *const *argv_extra; /* after the action; NULL-terminated */
	const char *const *env; /* the protocol's environment */
	const char *dev; /* the vif's kernel name, NULL for block */
	const char *vifname; /* the name the add gives it, or NULL */
	const char *bridge; /* the bridge the add enslaves it to, or NULL */
	const char *loop_prefix; /* block: the image directory */
	/*
	 * Take the locks in the system's lock directory: Xen's block script
	 * relies on the "block" lock against every other attacher (tests
	 * running at the same time). Else a private one, checked empty.
	 */
	bool system_locks;
	/*
	 * After a successful add and its remove: put the fixture back as it
	 * was (netback deletes the vif, and makes a fresh one next time;
	 * Xen's offline leaves the name, MAC and MTU). NULL: nothing.
	 */
	void (*restore)(void);
	/*
	 * Steps whose failure the add deliberately carries on after, as
	 * Xen's script does ("STEP#K": the K-th call named STEP), e.g. the
	 * dummy MAC of vif-openvswitch (`ip link set address ... || true`).
	 * NULL-terminated; may be NULL.
	 */
	const char *const *tolerated;
	/*
	 * Steps ("STEP#K" as for @tolerated) the sweep must have failed at
	 * least once: a call that stops going through the seam is a gap
	 * in the sweep. NULL-terminated; may be NULL.
	 */
	const char *const *must_fail;
	/* Append the personality's own state (OVS rows...) to *buf. */
	void (*snapshot)(char **buf);
};

/* Text helpers for snapshots. */
void sw_append(char **buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append "/proc/sys/net/<fam>/conf/<dev>/<name>=<value or ->". */
void sw_sysctl(char **buf, const char *fam, const char *dev, const char *name);
/* Append a command's output (NULL-terminated argv). */
void sw_cmd(char **buf, const char *const argv[]);

/*
 * Run the sweep. Prints one line per failing step and a summary.
 * Returns the number of problems found (0: pass).
 */
int sweep_run(const struct sweep *s);

#endif
