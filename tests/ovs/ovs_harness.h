/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A private Open vSwitch for a test: ovsdb-server and ovs-vswitchd on a
 * fresh database under a temporary directory, which also becomes
 * OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR, so that plain `ovs-vsctl` (and Xen's
 * vif-openvswitch) reach them through <dir>/db.sock.
 *
 * The daemons run as children of the test process (not --detach) with
 * PR_SET_PDEATHSIG, so they die with it even if the test crashes;
 * ovsd_stop() stops them by pid (SIGTERM, then SIGKILL) and removes the
 * directory. Call it on every path; it is idempotent.
 */
#ifndef XHP_OVS_HARNESS_H
#define XHP_OVS_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct ovsd {
	char *dir;
	char sock[PATH_MAX]; /* <dir>/db.sock */
	char db_arg[PATH_MAX + 16]; /* --db=unix:<sock> */
	pid_t db_pid; /* ovsdb-server */
	pid_t vs_pid; /* ovs-vswitchd, 0 if not running */
};

/* Start ovsdb-server (and ovs-vswitchd when @vswitchd). 0 or -errno. */
int ovsd_start(struct ovsd *o, bool vswitchd);
/* Start / stop ovs-vswitchd alone. */
int ovsd_start_vswitchd(struct ovsd *o);
void ovsd_stop_vswitchd(struct ovsd *o);
void ovsd_stop(struct ovsd *o);

/* Stop ovsdb-server, create its database again (empty: no bridge) and
 * start it on the same socket; ovs-vswitchd stays. 0 or -errno. */
int ovsd_restart_db_empty(struct ovsd *o);

/* Run ovs-vsctl --db=unix:<sock> --timeout=20 ARGS...; output in *out
 * (may be NULL). Returns its exit status. */
int ovsd_vsctl(struct ovsd *o, char **out, ...) __attribute__((sentinel));

/* A netdev-datapath bridge (no kernel module needed). 0 or -EIO. */
int ovsd_add_bridge(struct ovsd *o, const char *name);

/* `ovs-vsctl get TABLE RECORD COLUMN` trimmed, malloc'd; NULL on error. */
char *ovsd_get(struct ovsd *o, const char *table, const char *record,
	       const char *column);

#endif
