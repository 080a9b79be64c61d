/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: the host side of a driver domain, as an object a program's
 * event loop drives: what `xl devd` does, with no process per device.
 *
 * An xhp_host watches this domain's backend directory,
 * /local/domain/<self>/backend, through a libxenstore watch, and the
 * host's links through rtnetlink (RTM_NEWLINK/RTM_DELLINK), and plugs
 * and unplugs devices the way libxl and netback expect:
 *
 *  - a vif, vbd or vbd3 backend is plugged when its state is 2
 *    (InitWait) and its hotplug-status is absent or empty; every such
 *    device is replayed when the host starts, when it reconnects to
 *    xenstore and on xhp_host_replay();
 *  - it is unplugged when its state is 6 (Closed) with online 0, or when
 *    its backend directory disappears (with the settings it was plugged
 *    with: vif personalities);
 *  - a vif whose netdev (vif<D>.<N>) does not exist yet is waited for by
 *    RTM_NEWLINK up to 10 s (libxl's LIBXL_INIT_TIMEOUT), then fails
 *    "device vif<D>.<N> never appeared";
 *  - an emulated NIC's tap, vif<D>.<N>-emu, is plugged ("add
 *    type_if=tap") when it appears and unplugged when it goes;
 *  - the personality is the basename of the backend's `script` key
 *    (vif-bridge, vif-openvswitch, vif-route, block run in-process); any
 *    other script is run per the protocol by the script runner
 *    (xhp/script.h) with libxl's 40 s deadline; no `script` key means
 *    vif-bridge for a vif, block for a vbd;
 *  - one operation per device at a time: an unplug that arrives during
 *    a plug waits, then undoes it; different devices run concurrently; a
 *    device is never plugged twice (a plug that succeeded leaves
 *    hotplug-status=connected, which a later state 2 does not replug);
 *  - a failure is reported in hotplug-error and hotplug-status=error as
 *    xhp_device_run() reports it;
 *  - only this domain's backend directory is read for decisions and
 *    written.
 *
 * Block devices at scale: the host knows every vbd backend of its domain
 * and the physical-device each one reported (from its watch), so a block
 * add's sharing check (xhp-hotplug(8): a device used read-write by one
 * guest is busy for another) reads only the backends that use the same
 * device, instead of all of them; what a check lets through is claimed
 * under the block lock at once. Unlike the scan of Xen's script (and the
 * CLI's), it does not look at dom0's backends from a driver domain
 * (which a driver domain cannot read anyway).
 *
 * Limits: a vbd whose backend directory is removed before its state-6
 * unplug ran cannot be removed in-process (its loop device is named in
 * the backend's node key): the failure is reported as an event. vif
 * personalities keep the settings their remove needs and unplug without
 * the backend.
 *
 * Healing (vif-bridge, vif-openvswitch, vif-route in-process): every vif
 * found connected at start-up is inspected (xhp/inspect.h) once the
 * replay is done, and re-plugged by its personality's online when it
 * drifted in a way a re-plug fixes. So is a plugged vif whose link loses
 * its bridge or goes down (RTM_NEWLINK), and every plugged vif whose
 * backend's bridge key names a bridge that is created again (RTM_NEWLINK
 * of a bridge with a new ifindex); a vif whose bridge is missing waits
 * for it. A vif whose backend has online 0, state >= 5, a hotplug-status
 * other than "connected", or is gone is left alone (checked again under
 * the device lock before the re-plug). Each heal is an XHP_HOST_HEALED
 * event and a notice in the log ("healed vif1.0 (vif-bridge, heal 1):
 * not-on-bridge: ..."); a device healed heal_limit times in a minute is
 * reported once (XHP_HOST_HEAL_SUPPRESSED) and not re-plugged. Open
 * vSwitch: once a vif-openvswitch device is plugged, the host keeps an
 * OVSDB "monitor" of Bridge and Port names (the socket as
 * vif-openvswitch finds it: $OVS_RUNDIR/db.sock, else
 * /var/run/openvswitch/db.sock) on its fd: a Port of a plugged vif that
 * goes (del-port, del-br) and a Bridge that appears (add-br) make the
 * vifs concerned checked; when ovsdb-server goes (restarted, its
 * database wiped), the monitor comes back with backoff (100 ms doubling
 * to 5 s) and every vif-openvswitch device is checked. The re-plug
 * reads the backend's bridge key again: same tag, trunks and
 * external-ids.
 *
 * How it is done inside: a bounded pool of worker threads, each with its
 * own xhp_ctx and xenstore connection, runs the blocking engine
 * (xhp_device_run_ext, xhp_script_run); the caller's thread, in
 * xhp_host_dispatch(), reads the watch, the netlink events and the
 * workers' completions, keeps the table of devices (one operation in
 * flight per device, a "look again" flag for what arrives meanwhile) and
 * calls the event function. Why a pool and not state machines: every
 * step of the engine (netlink requests, OVSDB transactions, xenstore
 * transactions, hotplug locks shared with Xen's scripts) is a blocking
 * call with its own deadline; rewriting them all as state machines would
 * make a second engine. A pool keeps one engine, bounds the concurrency
 * (the host's flock-based locks and xenstored both serialize anyway) and
 * costs a few threads, not a process per device.
 *
 * Threads: the object is used from one thread; the event function is
 * called from xhp_host_dispatch() on that thread. The context given to
 * xhp_host_new() gives the workers its log function, log priority, lock
 * directory, timeout and dry-run flag (each worker has its own context:
 * the log function may be called from the workers' threads at once).
 */
#ifndef XHP_HOST_H
#define XHP_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <xhp/common.h>
#include <xhp/ctx.h>

XHP_BEGIN_DECLS

typedef struct xhp_host xhp_host;

/* What happened to a device. */
enum xhp_host_event_type {
	XHP_HOST_PLUGGED = 1, /* online/add succeeded */
	XHP_HOST_UNPLUGGED = 2, /* offline/remove done */
	XHP_HOST_FAILED = 3, /* the message says why; reported to xenstore */
	XHP_HOST_RETRIED = 4, /* xenstore was unreachable: tried again */
	/* A replay (start-up, reconnection, xhp_host_replay()) is done:
	 * every device that waited has been tried (backend_path NULL). */
	XHP_HOST_READY = 5,
	/* The xenstore connection was lost (message) or is back (none). */
	XHP_HOST_DISCONNECTED = 6,
	XHP_HOST_CONNECTED = 7,
	/* A connected vif whose plumbing drifted was re-plugged; message:
	 * what drifted ("not-on-bridge: vif1.0 is not on bridge br0 ...",
	 * "; "-separated). Since 1.1 (healing). */
	XHP_HOST_HEALED = 8,
	/* It drifted again, but was healed heal_limit times in the last
	 * minute: not re-plugged (reported once until the minute passed);
	 * message: what drifted. */
	XHP_HOST_HEAL_SUPPRESSED = 9
};

/* One event; everything borrowed for the duration of the callback. */
typedef struct xhp_host_event {
	int type; /* enum xhp_host_event_type */
	int kind; /* XHP_KIND_* (xhp/request.h); 0 for host events */
	unsigned int domid; /* the frontend's */
	unsigned int devid;
	const char *backend_path; /* absolute; NULL for host events */
	const char *device; /* vifD.N, vifD.N-emu; NULL for block */
	const char *personality; /* or the script's path */
	/* FAILED, RETRIED, DISCONNECTED, HEALED, HEAL_SUPPRESSED; else
	 * NULL */
	const char *message;
	int error; /* FAILED: the negative errno; else 0 */
	uint64_t elapsed_us; /* of the operation */
} xhp_host_event;

typedef void (*xhp_host_event_fn)(void *userdata, const xhp_host_event *ev);

/*
 * Options of xhp_host_new(). Set size to sizeof(xhp_host_opts): the
 * struct grows at its end.
 */
typedef struct xhp_host_opts {
	size_t size;
	unsigned int flags; /* none yet: 0 */
	/* This domain: -1 reads xenstore's "domid" (0 when absent). */
	int domid;
	/* Worker threads; 0: 8. At most 64. */
	unsigned int workers;
	/* How long a vif's netdev is waited for; 0: 10000 ms. */
	uint64_t netdev_wait_ms;
	/* Directory of scripts named without a slash; NULL:
	 * /etc/xen/scripts (copied). */
	const char *script_dir;
	xhp_host_event_fn event_fn; /* may be NULL */
	void *userdata;
	/* Healing: re-plugs of one device a minute before the next drift
	 * is only reported (XHP_HOST_HEAL_SUPPRESSED); 0: 5. At most 64. */
	unsigned int heal_limit;
} xhp_host_opts;

/*
 * xhp_host_new: connect to xenstore (XENSTORED_PATH as every libxenstore
 * client), find this domain, take the host lock (one host per domain:
 * <lock dir>/xhp-host-<domid>, held while the host lives), arm the watch
 * and the netlink subscription, start the workers and queue the start-up
 * replay. The workers start at once; the events come out of
 * xhp_host_dispatch().
 * Returns: 0, or -EINVAL (bad @opts), -EBUSY (another host serves this
 *   domain: the message names the lock and its holder's pid),
 *   -ECONNREFUSED (no xenstore), -ETIMEDOUT, -ENOMEM, or the errno of a
 *   failing system call; message on @ctx.
 * Ownership: the caller owns *ret; drop it with xhp_host_unref(). The
 *   host keeps a reference on @ctx.
 * Since: 1.1
 */
XHP_EXPORT int xhp_host_new(xhp_ctx *ctx, const xhp_host_opts *opts,
			    xhp_host **ret);

/* xhp_host_ref: take a reference. Returns @h. NULL-safe. Since: 1.1 */
XHP_EXPORT xhp_host *xhp_host_ref(xhp_host *h);

/*
 * xhp_host_unref: drop a reference; the last one stops taking work,
 * lets the operations under way finish (each within its deadline),
 * joins the workers and frees. Devices stay plugged. NULL-safe.
 * Returns NULL. Since: 1.1
 */
XHP_EXPORT xhp_host *xhp_host_unref(xhp_host *h);

/*
 * xhp_host_fd: one descriptor (an epoll set) that is readable (POLLIN)
 * when xhp_host_dispatch() has something to do. Borrowed: valid while
 * @h lives. Since: 1.1
 */
XHP_EXPORT int xhp_host_fd(const xhp_host *h);

/*
 * xhp_host_timeout_ms: milliseconds until xhp_host_dispatch() must be
 * called even if the fd stays quiet (a netdev wait ending, a retry, a
 * reconnection), 0 when due, -1 when nothing is timed. Since: 1.1
 */
XHP_EXPORT int xhp_host_timeout_ms(const xhp_host *h);

/*
 * xhp_host_dispatch: do what is pending without blocking: watch events,
 * link events, finished operations (calling the event function), due
 * timers, reconnection.
 * Returns: 0, or a negative errno the loop cannot go on after (the
 *   message on the context); the loss of xenstore is not one (the host
 *   reconnects with backoff and replays).
 * Since: 1.1
 */
XHP_EXPORT int xhp_host_dispatch(xhp_host *h);

/*
 * xhp_host_replay: look at every backend again, as at start-up (the
 * daemon's SIGHUP). XHP_HOST_READY follows. Returns 0, -EINVAL.
 * Since: 1.1
 */
XHP_EXPORT int xhp_host_replay(xhp_host *h);

/*
 * xhp_host_stop: take no new work: watch and link events are ignored
 * and queued operations dropped; those under way finish. Returns 0,
 * -EINVAL. Since: 1.1
 */
XHP_EXPORT int xhp_host_stop(xhp_host *h);

/*
 * xhp_host_busy: the number of operations under way or queued (after
 * xhp_host_stop(): under way). Since: 1.1
 */
XHP_EXPORT int xhp_host_busy(const xhp_host *h);

/* xhp_host_domid: the domain this host serves. Since: 1.1 */
XHP_EXPORT unsigned int xhp_host_domid(const xhp_host *h);

/*
 * xhp_host_event_type_to_string: "plugged", "unplugged", "failed",
 * "retried", "ready", "disconnected", "connected", "healed",
 * "heal-suppressed"; NULL if not one.
 * Since: 1.1
 */
XHP_EXPORT const char *xhp_host_event_type_to_string(int type);

XHP_END_DECLS

#endif /* XHP_HOST_H */
