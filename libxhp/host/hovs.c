// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host's OVSDB monitor (RFC 7047 "monitor" of Bridge and Port
 * names), for healing vif-openvswitch devices: opened once such a device
 * is plugged, polled through the host's epoll set, read without waiting
 * in xhp_host_dispatch(). A Port of a plugged vif that goes (del-port,
 * its bridge deleted) and a Bridge that appears (add-br) make the
 * devices concerned checked (heal.c), which re-plugs them with their
 * backend's tag, trunks and external-ids. When ovsdb-server goes (a
 * restart, a wiped database) the monitor is opened again with backoff,
 * and every vif-openvswitch device is checked once it is back.
 */
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "host-internal.h"
#include "ovsdb.h"
#include "util.h"

#define HOVS_MON_ID "xhp-heal"
/* The monitor's reply is waited for (in the loop) at most... */
#define HOVS_TIMEOUT_MS 2000
/* ...and a connect to a full listen queue (in the loop) at most. */
#define HOVS_CONNECT_MS 50

static bool is_ovs(const struct hdev *d)
{
	return d->plugged && d->personality &&
	       !strcmp(d->personality, "vif-openvswitch");
}

static void check_ovs(struct xhp_host *h, struct hdev *d)
{
	if (is_ovs(d))
		heal_request(h, d);
}

static void on_name(void *ud, int table, const char *name, bool is_new)
{
	struct xhp_host *h = ud;
	unsigned int domid, devid;
	struct hdev *d;
	bool emu;

	if (table == XHP_OVSDB_BRIDGE && is_new) {
		xhp_debug(h->ctx, "OVS bridge %s appeared: checking its vifs",
			  name);
		heal_bridge_appeared(h, name);
		return;
	}
	if (table != XHP_OVSDB_PORT || is_new ||
	    !hlinks_vif_name(name, &domid, &devid, &emu))
		return;
	d = hdev_find(h, emu ? HCLS_TAP : HCLS_VIF, domid, devid);
	if (d && is_ovs(d)) {
		xhp_debug(h->ctx, "OVS port %s went: checking it", name);
		heal_request(h, d);
	}
}

static void retry_later(struct xhp_host *h)
{
	h->ovs_retry_us = xhp_now_us() + h->ovs_backoff_ms * 1000ull;
	h->ovs_backoff_ms = h->ovs_backoff_ms * 2 > HOST_BACKOFF_MAX_MS ?
				    HOST_BACKOFF_MAX_MS :
				    h->ovs_backoff_ms * 2;
}

/* The monitor could not be made or was lost: try again later. */
static void give_up(struct xhp_host *h, int level, const char *what)
{
	xhp_log(h->ctx, level, "%s (%s): %s in %u ms", what,
		xhp_ctx_last_error(h->ovs_ctx),
		h->ovs_lost || level == LOG_DEBUG ? "next try" : "reconnecting",
		h->ovs_backoff_ms);
	hovs_close(h);
	h->ovs_lost = true;
	retry_later(h);
}

/*
 * Connect and send the monitor request without waiting for the server:
 * the socket is a unix one (a connect waits only when the server's
 * listen queue is full: bounded by HOVS_CONNECT_MS) and the reply is
 * read by hovs_dispatch() when it comes, so a wedged ovsdb-server (a
 * stopped one accepts into its queue and never answers) never holds
 * the host's loop; it is given up after HOVS_TIMEOUT_MS.
 */
static void connect_monitor(struct xhp_host *h)
{
	struct epoll_event ev = { .events = EPOLLIN };
	xhp_ctx *c = h->ovs_ctx;
	json_t *params;
	int r;

	h->ovs_retry_us = 0;
	if (!h->ovs_backoff_ms)
		h->ovs_backoff_ms = HOST_BACKOFF_MIN_MS;
	c->deadline_us = xhp_now_us() + HOVS_CONNECT_MS * 1000ull;
	r = xhp_ovsdb_socket_path(c, NULL, h->ovs_path, sizeof(h->ovs_path));
	if (r >= 0)
		r = xhp_ovsdb_open(c, h->ovs_path, &h->ovs);
	if (r >= 0) {
		params = xhp_ovsdb_monitor_names_params(HOVS_MON_ID);
		r = params ? xhp_ovsdb_call_send(c, h->ovs, "monitor", params,
						 &h->ovs_call_id) :
			     xhp_err(c, ENOMEM, "out of memory");
	}
	c->deadline_us = 0;
	if (r >= 0) {
		ev.data.fd = xhp_ovsdb_fd(h->ovs);
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
			r = xhp_err(c, errno, "epoll_ctl: %s", strerror(errno));
	}
	if (r < 0)
		return give_up(h, LOG_DEBUG, "no OVSDB monitor");
	h->ovs_pending = true;
	h->ovs_retry_us = xhp_now_us() + HOVS_TIMEOUT_MS * 1000ull;
}

/* The monitor's reply came: it is on. */
static void monitor_on(struct xhp_host *h)
{
	h->ovs_pending = false;
	h->ovs_retry_us = 0;
	h->ovs_backoff_ms = HOST_BACKOFF_MIN_MS;
	xhp_log(h->ctx, LOG_INFO, "OVSDB monitor on %s%s", h->ovs_path,
		h->ovs_lost ? ": checking the Open vSwitch vifs" : "");
	if (h->ovs_lost)
		hdev_each(h, -1, -1, check_ovs);
	h->ovs_lost = false;
}

void hovs_want(struct xhp_host *h)
{
	if (!h->ovs && !h->ovs_retry_us && !h->stopped)
		connect_monitor(h);
}

void hovs_close(struct xhp_host *h)
{
	if (h->ovs)
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, xhp_ovsdb_fd(h->ovs), NULL);
	h->ovs = xhp_ovsdb_close(h->ovs);
	h->ovs_pending = false;
}

void hovs_dispatch(struct xhp_host *h)
{
	json_t *u;
	int r;

	if (h->ovs && h->ovs_pending) {
		r = xhp_ovsdb_next_reply(h->ovs_ctx, h->ovs, h->ovs_call_id,
					 "monitor", NULL);
		if (r == 0)
			return;
		if (r < 0)
			return give_up(h, LOG_DEBUG, "no OVSDB monitor");
		monitor_on(h);
	}
	while (h->ovs) {
		r = xhp_ovsdb_next_update(h->ovs_ctx, h->ovs, HOVS_MON_ID, &u);
		if (r == 0)
			return;
		if (r < 0)
			return give_up(h, LOG_WARNING, "OVSDB monitor lost");
		if (!h->stopped &&
		    xhp_ovsdb_names_each(u, on_name, h) == -EBADMSG)
			xhp_debug(h->ctx, "an OVSDB update not understood");
		json_decref(u);
	}
}

void hovs_timer(struct xhp_host *h, uint64_t now)
{
	if (!h->ovs_retry_us || h->ovs_retry_us > now || h->stopped)
		return;
	if (!h->ovs_pending)
		return connect_monitor(h);
	xhp_err(h->ovs_ctx, ETIMEDOUT,
		"OVSDB at '%s' did not answer 'monitor' in time", h->ovs_path);
	give_up(h, LOG_DEBUG, "no OVSDB monitor");
}
