/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host watch (xhp/host.h) inside: the device table, the work items
 * the worker pool runs, the pool, the link events. Never installed.
 *
 * Threads: struct xhp_host and struct hdev belong to the dispatching
 * thread. A work item is filled by that thread, handed to a worker (which
 * reads its inputs and the host's constant configuration, and writes its
 * outputs) and handed back; the pool's mutex orders the hand-overs.
 */
#ifndef XHP_HOST_INTERNAL_H
#define XHP_HOST_INTERNAL_H

#include <pthread.h>

#include "internal.h"
#include "blockdev.h"
#include "request.h"

#define HOST_WORKERS_DEFAULT 4
#define HOST_WORKERS_MAX 64
#define HOST_NETDEV_WAIT_MS 10000
#define HOST_SCRIPT_DIR "/etc/xen/scripts"
/* Reconnection to xenstore: first delay, doubling up to the last. */
#define HOST_BACKOFF_MIN_MS 100
#define HOST_BACKOFF_MAX_MS 5000
/* An operation that could not reach xenstore is tried again after... */
#define HOST_RETRY_MS 1000
#define HOST_RETRIES_MAX 5
/* Heals of one device a minute before the next is suppressed. */
#define HOST_HEAL_LIMIT_DEFAULT 5
#define HOST_HEAL_LIMIT_MAX 64
#define HOST_HEAL_WINDOW_US (60 * 1000000ull)

/* The kinds of devices in the table. */
enum hcls { HCLS_VIF, HCLS_VBD, HCLS_VBD3, HCLS_TAP, HCLS_N };

struct hdev {
	struct hdev *hnext; /* hash chain */
	int cls; /* enum hcls */
	unsigned int domid, devid;
	bool busy; /* a work item is queued or under way */
	bool again; /* something changed meanwhile: look again after */
	bool plugged; /* by us, or found connected */
	bool link_present; /* HCLS_TAP: the tap exists (netlink) */
	bool in_replay; /* counted in host->replay_left */
	bool fail_wait; /* the netdev wait ended: report it */
	/* Healing (heal.c): a check is wanted (after what is under way) */
	bool heal_wanted;
	bool heal_suppressed; /* reported: the limit is reached */
	char *bridge; /* vif-bridge: the bridge its backend names */
	unsigned int heals; /* repairs done, in all */
	uint64_t *heal_times; /* the last heal_limit repairs (a ring) */
	unsigned int retries;
	/* Waiting for the netdev (HCLS_VIF), or for a retry: in the
	 * host's timer list of that kind, ordered by due time. */
	struct hdev *tprev, *tnext;
	int timer; /* 0, TIMER_WAIT, TIMER_RETRY */
	uint64_t due_us;
	/* What it was plugged with, for its unplug: the personality (or
	 * the script's path) and a snapshot of the settings its remove
	 * reads (NULL for scripts). */
	char *personality;
	xhp_settings *snap;
	/* vbd, vbd3: the physical-device in the share index */
	bool has_pdev;
	dev_t pdev;
};

enum { TIMER_WAIT = 1, TIMER_RETRY = 2 };

struct htimers {
	struct hdev *head, *tail;
};

/* What a worker is asked. */
enum hwork_op {
	HW_EXAMINE = 1, /* a backend: plug, unplug or nothing */
	HW_TAP, /* a tap: plug if present, unplug if gone */
	HW_FAIL_WAIT, /* report "device ... never appeared" */
	HW_SCAN, /* list every backend */
	HW_HEAL /* a connected vif: inspect, re-plug if it drifted */
};

/* What came of it. */
enum hwork_outcome {
	HO_NONE = 0, /* nothing to do */
	HO_PLUGGED,
	HO_UNPLUGGED,
	HO_FAILED,
	HO_WAIT, /* the vif's netdev does not exist yet */
	HO_RETRY, /* xenstore unreachable */
	HO_GONE, /* no backend and nothing plugged */
	HO_SEEN, /* found plugged (hotplug-status connected) */
	HO_DROPPED, /* not run: the host stopped */
	HO_HEALED, /* re-plugged: message says what drifted */
	HO_HEAL_FAILED, /* the re-plug failed (nothing reported) */
	HO_HEAL_SUPPRESSED /* it drifted, but the heal limit is reached */
};

struct hfound {
	int cls;
	unsigned int domid, devid;
};

struct hwork {
	struct hwork *next;
	struct hdev *dev; /* NULL for HW_SCAN; only the dispatcher uses it */
	int op;
	/* inputs */
	int cls;
	unsigned int domid, devid;
	bool plugged;
	bool link_present;
	char *personality; /* moved from and back to the device */
	xhp_settings *snap; /* likewise */
	/* outputs */
	bool has_pdev; /* vbd, vbd3: physical-device read (pdev) */
	bool pdev_read; /* it was looked at (else: keep what is known) */
	dev_t pdev;
	int outcome;
	int error;
	char *message;
	uint64_t elapsed_us;
	bool heal_allowed; /* HW_HEAL: under the heal limit */
	char *bridge; /* vif-bridge: the bridge the backend names */
	struct hfound *found; /* HW_SCAN */
	size_t n_found;
};

struct hworker {
	struct hpool *p;
	xhp_ctx *ctx; /* the worker's own */
	pthread_t thread;
};

struct hpool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hwork *qhead, *qtail; /* to do */
	struct hwork *dhead, *dtail; /* done */
	int efd; /* eventfd: something is done */
	bool stopping;
	unsigned int queued, running;
	unsigned int n_threads;
	struct hworker w[HOST_WORKERS_MAX];
	struct xhp_host *host;
};

/* A bridge some device names, by name, with the ifindex it had. */
struct hbridge {
	struct hbridge *next;
	char name[16];
	unsigned int ifindex; /* 0: gone */
};

/* What a link event says (links.c). */
struct hlink {
	bool is_new; /* RTM_NEWLINK, else RTM_DELLINK */
	bool bridge; /* IFLA_INFO_KIND "bridge" */
	char name[16];
	unsigned int index, master, flags;
};

struct hshare_ent;
struct hshare {
	pthread_mutex_t mu;
	struct hshare_ent **b; /* by device */
	struct hshare_ent **k; /* by backend */
	bool lost; /* out of memory once: lookups say scan */
	struct xhp_share_index ix;
};

struct xhp_host {
	unsigned int n_ref;
	xhp_ctx *ctx; /* the caller's: messages and the log */
	unsigned int domid;
	char base[64]; /* /local/domain/<domid>/backend */
	size_t base_len;
	char *script_dir;
	uint64_t netdev_wait_us;
	xhp_host_event_fn event_fn;
	void *userdata;
	int lock_fd; /* one host per domain */
	int epfd;
	/* the watch */
	xhp_ctx *wctx;
	int watch_fd, hup_fd;
	bool connected;
	unsigned int backoff_ms;
	uint64_t reconnect_us; /* 0: none due */
	/* the links */
	struct mnl_socket *nl;
	int nl_fd;
	/* the snapshot settings' context, with its lock (xhp_settings
	 * keeps a reference on it and writes its messages there) */
	pthread_mutex_t snap_mu;
	xhp_ctx *snap_ctx;
	/* devices */
	struct hdev **buckets;
	size_t n_buckets, n_devs;
	struct htimers waits, retries;
	/* replays */
	bool scan_pending; /* a scan is queued or under way */
	bool scan_again;
	unsigned int replay_left;
	bool stopped;
	/* healing */
	unsigned int heal_limit;
	struct hbridge *bridges;
	const char *heal_bridge; /* the bridge being re-created (heal.c) */
	/* the OVSDB monitor (hovs.c) */
	xhp_ctx *ovs_ctx;
	struct xhp_ovsdb *ovs;
	unsigned int ovs_backoff_ms;
	uint64_t ovs_retry_us; /* 0: none due */
	bool ovs_lost; /* connected before: look at every OVS vif again */
	/* the monitor request is sent, its reply not read yet (the
	 * connection is made without waiting for the server: hovs.c);
	 * ovs_retry_us is then when to give up on it */
	bool ovs_pending;
	int64_t ovs_call_id;
	char ovs_path[108];
	struct hpool pool;
	struct hshare share;
};

/* devices.c */
int hdev_table_init(struct xhp_host *h);
void hdev_table_free(struct xhp_host *h);
struct hdev *hdev_find(struct xhp_host *h, int cls, unsigned int domid,
		       unsigned int devid);
/* Find or add; NULL when out of memory. */
struct hdev *hdev_get(struct xhp_host *h, int cls, unsigned int domid,
		      unsigned int devid);
/* Forget a device that is idle, unplugged and not timed. */
void hdev_forget(struct xhp_host *h, struct hdev *d);
/* Call @fn for every device of @cls (-1: all) and @domid (-1: all). */
void hdev_each(struct xhp_host *h, int cls, long domid,
	       void (*fn)(struct xhp_host *h, struct hdev *d));
void htimer_add(struct htimers *t, struct hdev *d, int kind, uint64_t due);
void htimer_del(struct htimers *t, struct hdev *d);
const char *hcls_type(int cls); /* "vif", "vbd", "vbd3", "vif" (tap) */
int hcls_kind(int cls); /* XHP_KIND_* */

/* pool.c */
int hpool_start(struct xhp_host *h, const xhp_ctx *ctx, unsigned int n);
void hpool_submit(struct hpool *p, struct hwork *w);
/* Take what is done (a list, oldest first). */
struct hwork *hpool_take_done(struct hpool *p);
/* Drop what is queued (it comes back done, HO_DROPPED). */
void hpool_drop_queued(struct hpool *p);
void hpool_stop(struct hpool *p);
struct hwork *hwork_free(struct hwork *w);

/* work.c: what a worker does (on its own context @ctx). */
void hwork_run(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w);
/* The absolute backend path of a device into @buf. */
void hdev_path(const struct xhp_host *h, int cls, unsigned int domid,
	       unsigned int devid, char *buf, size_t size);

/* share.c: the index of vbd backends by physical-device */
int hshare_init(struct xhp_host *h);
void hshare_free(struct xhp_host *h);
/* What @d's backend says now (main thread). */
void hshare_set(struct xhp_host *h, struct hdev *d, bool has, dev_t dev);

/* links.c */
int hlinks_open(struct xhp_host *h);
void hlinks_close(struct xhp_host *h);
/* Ask for every link (RTM_GETLINK dump): their RTM_NEWLINK come as
 * events. */
int hlinks_dump(struct xhp_host *h);
/* Read and handle what the socket has. */
int hlinks_dispatch(struct xhp_host *h);
/*
 * A link message's verdict (pure; fuzzed): 1 with *ret_new (RTM_NEWLINK
 * or RTM_DELLINK) and the name in @name, 0 for a message of another
 * type or a bridge's news of its port (AF_BRIDGE), -EBADMSG if
 * malformed.
 */
int hlinks_parse(const void *buf, size_t len, struct hlink *ret);
/* vif<D>.<N> or vif<D>.<N>-emu: 1 with the numbers and *ret_emu. */
bool hlinks_vif_name(const char *name, unsigned int *domid, unsigned int *devid,
		     bool *ret_emu);

/* host.c: a link came, changed or went. */
void host_link_event(struct xhp_host *h, const struct hlink *l);
void host_schedule_op(struct xhp_host *h, struct hdev *d, int op);
void host_emit(struct xhp_host *h, int type, const struct hdev *d,
	       const char *message, int error, uint64_t elapsed_us);

/* heal.c */
/* A check of @d is wanted (it is plugged): now, after what is under way,
 * or not at all (the limit is reached: reported once). */
void heal_request(struct xhp_host *h, struct hdev *d);
/* A heal's outcome (done()). */
void heal_done(struct xhp_host *h, struct hdev *d, struct hwork *w);
/* Keep @w's bridge as @d's and know that bridge. */
void heal_note_bridge(struct xhp_host *h, struct hdev *d, struct hwork *w);
/* A link event of a bridge or of a plugged vif. */
void heal_link_event(struct xhp_host *h, const struct hlink *l);
void heal_bridges_free(struct xhp_host *h);
/* Check every plugged vif whose bridge is @name. */
void heal_bridge_appeared(struct xhp_host *h, const char *name);
/* The bridge a backend's bridge key names for @personality, malloc'd
 * (vif-openvswitch: br of br[.tag][:trunk...]); NULL for none. */
char *heal_bridge_name(const char *personality, const char *value);
/* Under the limit: a drift found may be repaired. */
bool heal_allowed(const struct xhp_host *h, const struct hdev *d);
/* hovs.c: the OVSDB monitor of Bridge and Port names */
/* A vif-openvswitch device is plugged: monitor, if not yet. */
void hovs_want(struct xhp_host *h);
void hovs_dispatch(struct xhp_host *h);
void hovs_timer(struct xhp_host *h, uint64_t now);
void hovs_close(struct xhp_host *h);
/* work side (a worker's context) */
void heal_run(struct xhp_host *h, xhp_ctx *ctx, struct hwork *w);

#endif
