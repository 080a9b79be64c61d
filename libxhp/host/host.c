// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host watch (xhp/host.h): the dispatching thread's side. It reads
 * the xenstore watch, the link events and the workers' completions, keeps
 * the device table (one operation in flight per device; what arrives
 * meanwhile sets "again"), the timers (netdev waits, retries, the
 * reconnection) and calls the event function.
 */
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-internal.h"
#include "undo.h"
#include "util.h"
#include "xs.h"

#define OPTS_SIZE_V1 (offsetof(xhp_host_opts, userdata) + sizeof(void *))
#define OPTS_SIZE_V2 \
	(offsetof(xhp_host_opts, heal_limit) + sizeof(unsigned int))
#define WATCH_TOKEN "xhp-host"
#define WATCH_TIMEOUT_MS 2000
/* Watch events handled per dispatch (the pipe stays readable). */
#define EVENTS_PER_DISPATCH 4096

XHP_EXPORT const char *xhp_host_event_type_to_string(int type)
{
	static const char *const s[] = { NULL,		 "plugged",
					 "unplugged",	 "failed",
					 "retried",	 "ready",
					 "disconnected", "connected",
					 "healed",	 "heal-suppressed" };

	return type > 0 && type < (int)ARRAY_SIZE(s) ? s[type] : NULL;
}

void host_emit(struct xhp_host *h, int type, const struct hdev *d,
	       const char *message, int error, uint64_t elapsed_us)
{
	xhp_host_event ev = { .type = type,
			      .message = message,
			      .error = error,
			      .elapsed_us = elapsed_us };
	char bp[128], dev[32];

	if (d) {
		hdev_path(h, d->cls, d->domid, d->devid, bp, sizeof(bp));
		ev.kind = hcls_kind(d->cls);
		ev.domid = d->domid;
		ev.devid = d->devid;
		ev.backend_path = bp;
		ev.personality = d->personality;
		if (d->cls == HCLS_VIF || d->cls == HCLS_TAP) {
			snprintf(dev, sizeof(dev), "vif%u.%u%s", d->domid,
				 d->devid, d->cls == HCLS_TAP ? "-emu" : "");
			ev.device = dev;
		}
	}
	if (h->event_fn)
		h->event_fn(h->userdata, &ev);
}

/* Hand @d to a worker: @op, or 0 for what its class and state say. */
void host_schedule_op(struct xhp_host *h, struct hdev *d, int op)
{
	struct hwork *w;

	if (h->stopped)
		return;
	if (d->busy) {
		if (op == HW_HEAL)
			d->heal_wanted = true;
		else
			d->again = true;
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		xhp_log(h->ctx, LOG_WARNING, "out of memory: event dropped");
		return;
	}
	w->dev = d;
	w->op = op		   ? op :
		d->cls == HCLS_TAP ? HW_TAP :
		d->fail_wait	   ? HW_FAIL_WAIT :
				     HW_EXAMINE;
	if (op == HW_HEAL)
		w->heal_allowed = heal_allowed(h, d);
	d->fail_wait = false;
	w->cls = d->cls;
	w->domid = d->domid;
	w->devid = d->devid;
	w->plugged = d->plugged;
	w->link_present = d->link_present;
	w->personality = d->personality;
	w->snap = d->snap;
	d->personality = NULL;
	d->snap = NULL;
	d->busy = true;
	hpool_submit(&h->pool, w);
}

static void schedule(struct xhp_host *h, struct hdev *d)
{
	host_schedule_op(h, d, 0);
}

static void queue_scan(struct xhp_host *h)
{
	struct hwork *w;

	if (h->stopped)
		return;
	if (h->scan_pending) {
		h->scan_again = true;
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return;
	w->op = HW_SCAN;
	h->scan_pending = true;
	hpool_submit(&h->pool, w);
	if (h->nl)
		(void)hlinks_dump(h); /* taps that are there already */
}

/* After a replay: check the vifs found connected (hdev_each callback). */
static void heal_found(struct xhp_host *h, struct hdev *d)
{
	if (d->heal_wanted && !d->busy)
		heal_request(h, d);
}

static void check_ready(struct xhp_host *h)
{
	if (h->replay_left || h->scan_pending)
		return;
	host_emit(h, XHP_HOST_READY, NULL, NULL, 0, 0);
	hdev_each(h, HCLS_VIF, -1, heal_found);
}

static void lost(struct xhp_host *h, const char *why);

static void scan_done(struct xhp_host *h, struct hwork *w)
{
	size_t i;

	h->scan_pending = false;
	if (w->outcome == HO_RETRY || w->outcome == HO_FAILED) {
		lost(h, w->message);
		return;
	}
	for (i = 0; w->outcome != HO_DROPPED && i < w->n_found; i++) {
		struct hdev *d = hdev_get(h, w->found[i].cls, w->found[i].domid,
					  w->found[i].devid);

		if (!d)
			continue;
		if (!d->in_replay) {
			d->in_replay = true;
			h->replay_left++;
		}
		schedule(h, d);
	}
	if (h->scan_again) {
		h->scan_again = false;
		queue_scan(h);
	}
	check_ready(h);
}

static bool netdev_exists(const struct hdev *d)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "vif%u.%u", d->domid, d->devid);
	return if_nametoindex(dev) != 0;
}

static void done(struct xhp_host *h, struct hwork *w)
{
	struct hdev *d = w->dev;
	uint64_t now = xhp_now_us();

	if (w->op == HW_SCAN)
		return scan_done(h, w);
	d->busy = false;
	d->personality = w->personality;
	d->snap = w->snap;
	w->personality = NULL;
	w->snap = NULL;
	switch (w->outcome) {
	case HO_PLUGGED:
		d->plugged = true;
		d->retries = 0;
		heal_note_bridge(h, d, w);
		host_emit(h, XHP_HOST_PLUGGED, d, NULL, 0, w->elapsed_us);
		break;
	case HO_SEEN:
		/* found connected: checked once the replay is done */
		d->plugged = true;
		d->heal_wanted = true;
		heal_note_bridge(h, d, w);
		break;
	case HO_HEALED:
	case HO_HEAL_FAILED:
	case HO_HEAL_SUPPRESSED:
		heal_done(h, d, w);
		break;
	case HO_NONE:
		if (w->op == HW_HEAL)
			heal_note_bridge(h, d, w);
		break;
	case HO_UNPLUGGED:
		d->plugged = false;
		d->retries = 0;
		host_emit(h, XHP_HOST_UNPLUGGED, d, NULL, 0, w->elapsed_us);
		break;
	case HO_FAILED:
		/* a failed unplug is not tried again either */
		d->plugged = false;
		host_emit(h, XHP_HOST_FAILED, d, w->message, w->error,
			  w->elapsed_us);
		break;
	case HO_WAIT:
		if (netdev_exists(d)) /* came meanwhile */
			d->again = true;
		else if (!d->timer)
			htimer_add(&h->waits, d, TIMER_WAIT,
				   now + h->netdev_wait_us);
		break;
	case HO_RETRY:
		if (++d->retries > HOST_RETRIES_MAX) {
			d->retries = 0;
			host_emit(h, XHP_HOST_FAILED, d, w->message, w->error,
				  w->elapsed_us);
		} else {
			host_emit(h, XHP_HOST_RETRIED, d, w->message, w->error,
				  w->elapsed_us);
			htimer_del(&h->retries, d);
			htimer_add(&h->retries, d, TIMER_RETRY,
				   now + HOST_RETRY_MS * 1000u);
		}
		break;
	default:
		break;
	}
	if (w->pdev_read)
		hshare_set(h, d, w->has_pdev, w->pdev);
	if (w->outcome == HO_UNPLUGGED || w->outcome == HO_GONE ||
	    w->outcome == HO_FAILED) {
		/* keep nothing for a device that is not plugged */
		xhp_settings_free(d->snap);
		d->snap = NULL;
		d->heal_wanted = false;
	}
	if (d->in_replay && w->outcome != HO_DROPPED) {
		d->in_replay = false;
		h->replay_left--;
		check_ready(h);
	}
	if (d->again && w->outcome != HO_DROPPED) {
		d->again = false;
		schedule(h, d);
	} else if (d->heal_wanted && w->outcome != HO_DROPPED &&
		   !h->replay_left && !h->scan_pending) {
		heal_request(h, d);
	} else {
		d->again = false;
		hdev_forget(h, d);
	}
}

/* Look at a device again (hdev_each callback). */
static void look(struct xhp_host *h, struct hdev *d)
{
	if (d->cls != HCLS_TAP)
		schedule(h, d);
}

static int cls_of(const char *type, size_t len)
{
	int cls;

	for (cls = HCLS_VIF; cls <= HCLS_VBD3; cls++)
		if (strlen(hcls_type(cls)) == len &&
		    !strncmp(type, hcls_type(cls), len))
			return cls;
	return -1;
}

/*
 * One watch event: <base>[/<type>[/<domid>[/<devid>[/<key>]]]]. A device
 * is looked at when its directory, its state or its online changes; a
 * directory above a device (removed whole) makes every known device under
 * it looked at.
 */
static void watch_event(struct xhp_host *h, const char *path)
{
	const char *p = path + h->base_len, *e;
	uint64_t domid, devid;
	struct hdev *d;
	int cls;

	if (strncmp(path, h->base, h->base_len) || (*p && *p != '/'))
		return;
	if (!*p || !p[1])
		return hdev_each(h, -1, -1, look);
	p++;
	e = strchrnul(p, '/');
	cls = cls_of(p, e - p);
	if (cls < 0)
		return;
	if (!*e || !e[1])
		return hdev_each(h, cls, -1, look);
	p = e + 1;
	e = strchrnul(p, '/');
	if (xhp_parse_uint_n(p, e - p, UINT32_MAX, &domid) < 0)
		return;
	if (!*e || !e[1])
		return hdev_each(h, cls, (long)domid, look);
	p = e + 1;
	e = strchrnul(p, '/');
	if (xhp_parse_uint_n(p, e - p, UINT32_MAX, &devid) < 0)
		return;
	if (*e && e[1] && strcmp(e + 1, "state") && strcmp(e + 1, "online") &&
	    (cls == HCLS_VIF || strcmp(e + 1, "physical-device")))
		return;
	d = hdev_get(h, cls, (unsigned int)domid, (unsigned int)devid);
	if (d)
		schedule(h, d);
}

void host_link_event(struct xhp_host *h, const struct hlink *l)
{
	const char *name = l->name;
	bool is_new = l->is_new;
	unsigned int domid, devid;
	struct hdev *d;
	bool emu;

	heal_link_event(h, l);
	if (h->stopped || !hlinks_vif_name(name, &domid, &devid, &emu))
		return;
	if (!emu) {
		d = hdev_find(h, HCLS_VIF, domid, devid);
		if (d && is_new && d->timer == TIMER_WAIT) {
			htimer_del(&h->waits, d);
			schedule(h, d);
		}
		return;
	}
	d = is_new ? hdev_get(h, HCLS_TAP, domid, devid) :
		     hdev_find(h, HCLS_TAP, domid, devid);
	if (!d)
		return;
	if (d->link_present == is_new && !d->busy)
		return; /* a change of a tap we know: not ours to act on */
	d->link_present = is_new;
	if (d->plugged != is_new || d->busy)
		schedule(h, d);
	else
		hdev_forget(h, d);
}

static int epoll_add(struct xhp_host *h, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return xhp_err(h->ctx, errno, "epoll_ctl: %s", strerror(errno));
	return 0;
}

static int connect_watch(struct xhp_host *h)
{
	int r;

	r = xhp_xs_watch_open(h->wctx, h->base, WATCH_TOKEN, NULL, NULL,
			      &h->watch_fd, &h->hup_fd);
	if (r < 0)
		return r;
	r = epoll_add(h, h->watch_fd, EPOLLIN);
	if (r >= 0 && h->hup_fd >= 0)
		r = epoll_add(h, h->hup_fd, EPOLLRDHUP);
	if (r < 0)
		return r;
	h->connected = true;
	h->backoff_ms = HOST_BACKOFF_MIN_MS;
	h->reconnect_us = 0;
	return 0;
}

static void disconnect_watch(struct xhp_host *h)
{
	if (h->watch_fd >= 0)
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, h->watch_fd, NULL);
	if (h->hup_fd >= 0) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, h->hup_fd, NULL);
		close(h->hup_fd);
	}
	h->watch_fd = h->hup_fd = -1;
	xhp_xs_close(h->wctx);
	h->connected = false;
}

static void lost(struct xhp_host *h, const char *why)
{
	if (!h->connected)
		return;
	disconnect_watch(h);
	host_emit(h, XHP_HOST_DISCONNECTED, NULL, why, -ECONNRESET, 0);
	xhp_log(h->ctx, LOG_WARNING,
		"xenstore connection lost (%s): reconnecting in %u ms", why,
		h->backoff_ms);
	h->reconnect_us = xhp_now_us() + h->backoff_ms * 1000u;
}

static void reconnect(struct xhp_host *h)
{
	int r;

	h->reconnect_us = 0;
	r = connect_watch(h);
	if (r < 0) {
		disconnect_watch(h);
		h->backoff_ms = h->backoff_ms * 2 > HOST_BACKOFF_MAX_MS ?
					HOST_BACKOFF_MAX_MS :
					h->backoff_ms * 2;
		xhp_debug(h->ctx,
			  "cannot reconnect to xenstore (%s): next in %u ms",
			  xhp_ctx_last_error(h->wctx), h->backoff_ms);
		h->reconnect_us = xhp_now_us() + h->backoff_ms * 1000u;
		return;
	}
	xhp_log(h->ctx, LOG_INFO, "xenstore connection back: replaying");
	host_emit(h, XHP_HOST_CONNECTED, NULL, NULL, 0, 0);
	queue_scan(h);
}

static int take_lock(struct xhp_host *h)
{
	const char *dir = h->ctx->lock_dir ? h->ctx->lock_dir :
					     XHP_DEFAULT_LOCK_DIR;
	char path[4096], pid[32] = "";
	ssize_t n;
	int fd;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return xhp_err(h->ctx, errno, "cannot create %s: %s", dir,
			       strerror(errno));
	snprintf(path, sizeof(path), "%s/xhp-host-%u", dir, h->domid);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return xhp_err(h->ctx, errno, "cannot open %s: %s", path,
			       strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(fd);
		if (e == EWOULDBLOCK)
			return xhp_err(
				h->ctx, EBUSY,
				"another xhp host already serves domain %u (lock %s held by pid %s)",
				h->domid, path, pid[0] ? pid : "unknown");
		return xhp_err(h->ctx, e, "cannot lock %s: %s", path,
			       strerror(e));
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 ||
	    pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid))
		xhp_debug(h->ctx, "cannot write the pid into %s", path);
	h->lock_fd = fd;
	return 0;
}

static int find_domid(struct xhp_host *h, int want)
{
	char *v = NULL;
	uint64_t id = 0;
	int r;

	if (want >= 0) {
		h->domid = (unsigned int)want;
		return 0;
	}
	r = xhp_xs_open(h->wctx);
	if (r >= 0)
		r = xhp_xs_read(h->wctx, XBT_NULL, "domid", &v);
	if (r == -ENOENT)
		r = 0;
	if (r < 0)
		return xhp_err(h->ctx, r, "%s", xhp_ctx_last_error(h->wctx));
	if (v && xhp_parse_uint(v, INT32_MAX, &id) < 0) {
		char q[XHP_QUOTE_MAX];

		r = xhp_err(h->ctx, EINVAL,
			    "bad domid '%s' in xenstore key domid",
			    xhp_quote(q, v));
		free(v);
		return r;
	}
	free(v);
	h->domid = (unsigned int)id;
	return 0;
}

static int setup(struct xhp_host *h, const xhp_host_opts *o)
{
	int r;

	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0)
		return xhp_err(h->ctx, errno, "epoll_create1: %s",
			       strerror(errno));
	r = xhp_ctx_clone(h->ctx, &h->wctx);
	if (r >= 0)
		r = xhp_ctx_clone(h->ctx, &h->snap_ctx);
	if (r >= 0)
		r = xhp_ctx_clone(h->ctx, &h->ovs_ctx);
	if (r < 0)
		return xhp_err(h->ctx, r, "out of memory");
	h->wctx->timeout_ms = h->ctx->timeout_ms < WATCH_TIMEOUT_MS ?
				      h->ctx->timeout_ms :
				      WATCH_TIMEOUT_MS;
	r = find_domid(h, o ? o->domid : -1);
	if (r < 0)
		return r;
	snprintf(h->base, sizeof(h->base), "/local/domain/%u/backend",
		 h->domid);
	h->base_len = strlen(h->base);
	r = take_lock(h);
	if (r >= 0)
		r = hdev_table_init(h);
	if (r >= 0)
		r = hshare_init(h);
	if (r == -ENOMEM)
		return xhp_err(h->ctx, r, "out of memory");
	if (r >= 0)
		r = hlinks_open(h);
	if (r >= 0)
		r = epoll_add(h, h->nl_fd, EPOLLIN);
	if (r < 0)
		return r;
	r = connect_watch(h);
	if (r < 0)
		return xhp_err(h->ctx, r, "%s", xhp_ctx_last_error(h->wctx));
	r = hpool_start(h, h->ctx,
			o && o->workers ? o->workers : HOST_WORKERS_DEFAULT);
	if (r >= 0)
		r = epoll_add(h, h->pool.efd, EPOLLIN);
	if (r < 0)
		return r;
	queue_scan(h);
	return 0;
}

XHP_EXPORT int xhp_host_new(xhp_ctx *ctx, const xhp_host_opts *opts,
			    xhp_host **ret)
{
	struct xhp_host *h;
	int r;

	if (!ctx || !ret)
		return -EINVAL;
	xhp_clear_error(ctx);
	if (opts && (opts->size < OPTS_SIZE_V1 || opts->flags ||
		     opts->workers > HOST_WORKERS_MAX || opts->domid < -1 ||
		     opts->netdev_wait_ms > UINT64_MAX / 1000 ||
		     (opts->size >= OPTS_SIZE_V2 &&
		      opts->heal_limit > HOST_HEAL_LIMIT_MAX)))
		return xhp_err(
			ctx, EINVAL,
			"bad xhp_host_opts: size %zu (at least %zu), flags 0x%x, workers %u (at most %d), domid %d, heal_limit %u (at most %d)",
			opts->size, (size_t)OPTS_SIZE_V1, opts->flags,
			opts->workers, HOST_WORKERS_MAX, opts->domid,
			opts->size >= OPTS_SIZE_V2 ? opts->heal_limit : 0,
			HOST_HEAL_LIMIT_MAX);
	h = calloc(1, sizeof(*h));
	if (!h)
		return xhp_err(ctx, ENOMEM, "out of memory");
	h->n_ref = 1;
	h->ctx = xhp_ctx_ref(ctx);
	h->lock_fd = h->epfd = h->watch_fd = h->hup_fd = h->nl_fd = -1;
	h->backoff_ms = HOST_BACKOFF_MIN_MS;
	pthread_mutex_init(&h->snap_mu, NULL);
	h->netdev_wait_us = (opts && opts->netdev_wait_ms ?
				     opts->netdev_wait_ms :
				     HOST_NETDEV_WAIT_MS) *
			    1000u;
	h->script_dir = strdup(opts && opts->script_dir ? opts->script_dir :
							  HOST_SCRIPT_DIR);
	if (opts) {
		h->event_fn = opts->event_fn;
		h->userdata = opts->userdata;
	}
	h->heal_limit = HOST_HEAL_LIMIT_DEFAULT;
	if (opts && opts->size >= OPTS_SIZE_V2 && opts->heal_limit)
		h->heal_limit = opts->heal_limit;
	r = h->script_dir ? setup(h, opts) :
			    xhp_err(ctx, ENOMEM, "out of memory");
	if (r < 0) {
		struct xhp_err_saved saved;

		xhp_err_save(ctx, &saved);
		h->event_fn = NULL;
		xhp_host_unref(h);
		xhp_err_restore(ctx, &saved);
		return r;
	}
	*ret = h;
	return 0;
}

XHP_EXPORT xhp_host *xhp_host_ref(xhp_host *h)
{
	if (h)
		h->n_ref++;
	return h;
}

XHP_EXPORT xhp_host *xhp_host_unref(xhp_host *h)
{
	if (!h || --h->n_ref > 0)
		return NULL;
	h->stopped = true;
	hpool_stop(&h->pool);
	disconnect_watch(h);
	hlinks_close(h);
	hovs_close(h);
	hdev_table_free(h);
	heal_bridges_free(h);
	hshare_free(h);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	xhp_ctx_unref(h->wctx);
	xhp_ctx_unref(h->snap_ctx);
	xhp_ctx_unref(h->ovs_ctx);
	pthread_mutex_destroy(&h->snap_mu);
	free(h->script_dir);
	xhp_ctx_unref(h->ctx);
	free(h);
	return NULL;
}

XHP_EXPORT int xhp_host_fd(const xhp_host *h)
{
	return h ? h->epfd : -EINVAL;
}

static int ms_until(uint64_t due, uint64_t now)
{
	uint64_t ms;

	if (due <= now)
		return 0;
	ms = (due - now + 999) / 1000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

XHP_EXPORT int xhp_host_timeout_ms(const xhp_host *h)
{
	uint64_t due = UINT64_MAX, now;

	if (!h)
		return -EINVAL;
	if (h->waits.head && h->waits.head->due_us < due)
		due = h->waits.head->due_us;
	if (h->retries.head && h->retries.head->due_us < due)
		due = h->retries.head->due_us;
	if (h->reconnect_us && h->reconnect_us < due)
		due = h->reconnect_us;
	if (h->ovs_retry_us && h->ovs_retry_us < due)
		due = h->ovs_retry_us;
	if (due == UINT64_MAX)
		return -1;
	now = xhp_now_us();
	return ms_until(due, now);
}

static void timers(struct xhp_host *h)
{
	uint64_t now = xhp_now_us();
	struct hdev *d;

	while ((d = h->waits.head) && d->due_us <= now) {
		htimer_del(&h->waits, d);
		d->fail_wait = true;
		schedule(h, d);
	}
	while ((d = h->retries.head) && d->due_us <= now) {
		htimer_del(&h->retries, d);
		schedule(h, d);
	}
	if (h->reconnect_us && h->reconnect_us <= now && !h->stopped)
		reconnect(h);
	hovs_timer(h, now);
}

static void watch_events(struct xhp_host *h)
{
	struct pollfd pfd = { .fd = h->hup_fd, .events = POLLRDHUP };
	char *path;
	int i, r = 0;

	for (i = 0; h->connected && i < EVENTS_PER_DISPATCH; i++) {
		r = xhp_xs_watch_next(h->wctx, &path);
		if (r <= 0)
			break;
		if (!h->stopped)
			watch_event(h, path);
		free(path);
	}
	if (!h->connected)
		return;
	if (r < 0)
		return lost(h, "the watch connection failed");
	if (h->hup_fd >= 0 && poll(&pfd, 1, 0) > 0 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		lost(h, "xenstored closed the connection");
}

XHP_EXPORT int xhp_host_dispatch(xhp_host *h)
{
	struct hwork *w, *next;
	int r;

	if (!h)
		return -EINVAL;
	xhp_clear_error(h->ctx);
	for (w = hpool_take_done(&h->pool); w; w = next) {
		next = w->next;
		done(h, w);
		hwork_free(w);
	}
	watch_events(h);
	r = hlinks_dispatch(h);
	if (r < 0)
		return r;
	hovs_dispatch(h);
	timers(h);
	return 0;
}

XHP_EXPORT int xhp_host_replay(xhp_host *h)
{
	if (!h)
		return -EINVAL;
	queue_scan(h);
	return 0;
}

XHP_EXPORT int xhp_host_stop(xhp_host *h)
{
	if (!h)
		return -EINVAL;
	h->stopped = true;
	hpool_drop_queued(&h->pool);
	return 0;
}

XHP_EXPORT int xhp_host_busy(const xhp_host *h)
{
	struct hpool *p;
	int n;

	if (!h)
		return -EINVAL;
	p = (struct hpool *)&h->pool;
	pthread_mutex_lock(&p->mu);
	n = (int)(p->queued + p->running);
	pthread_mutex_unlock(&p->mu);
	return n;
}

XHP_EXPORT unsigned int xhp_host_domid(const xhp_host *h)
{
	return h ? h->domid : 0;
}
