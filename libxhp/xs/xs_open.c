// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Connecting to xenstore with libxenstore's socket found, for the
 * deadlines of xs_sock.c.
 *
 * The deadlines need the socket, which libxenstore keeps to itself: struct
 * xs_handle is opaque and xs_fileno() gives the watch pipe. Guessing it
 * ("the lowest free descriptor before xs_open()") is wrong as soon as
 * another thread opens a descriptor at the same moment, and then sets
 * timeouts on that thread's descriptor. So we do not guess: we make
 * xs_open() put its descriptor at a number we own.
 *
 *  1. The calling thread opens a placeholder (/dev/null) at a number P
 *     of the process's descriptor table. P is ours: nobody else can
 *     open anything there.
 *  2. A short-lived helper thread unshares its descriptor table
 *     (unshare(CLONE_FILES)): it works on a private copy that no other
 *     thread can open or close anything in. There it closes every copy
 *     but P and its channel back (close_range(): a copy would keep a
 *     descriptor the application closes open), takes every free number
 *     below P (duplicates of the placeholder), closes its copy of P,
 *     notes the next free number Q, and calls xs_open(0).
 *     libxenstore opens exactly one descriptor (socket(), or open() of
 *     the xenbus device), and a new descriptor is the lowest free number
 *     (POSIX), so it is P. The helper checks that P is open and Q still
 *     free (nothing else was left open), and sends P to the calling
 *     thread over a socketpair (SCM_RIGHTS). Its private table, with the
 *     duplicates, goes away when it exits.
 *  3. The calling thread puts the received socket in place of its
 *     placeholder, atomically: dup3(received, P, O_CLOEXEC). The handle
 *     now works at the number libxenstore remembers, in the process's
 *     table. The received descriptor stays ours: all setsockopt() calls
 *     go to it, a descriptor we own, never to a number libxenstore may
 *     have closed and the process reused.
 *
 * No other thread's descriptor is looked at or touched, whatever it does
 * meanwhile. It costs a thread per connection (once per context, and
 * again after a timeout), not per call.
 *
 * xs_open() can block too: connect() waits while xenstored's listen
 * backlog is full (C xenstored listens with a backlog of 1,
 * tools/xenstore/xenstored_core.c:2591; a stopped one accepts nothing).
 * The calling thread waits for the helper only until the deadline; then
 * it gives up with ETIMEDOUT and closes its placeholder, and the helper,
 * when connect() returns, closes what it opened in its own table and
 * frees the state they shared. With XS_ABANDONED_MAX helpers still
 * waiting, new connections fail at once.
 *
 * When the helper cannot run (thread limits, or a seccomp filter that
 * refuses unshare()), a fallback finds the socket under a process-wide
 * lock (libxhp's own opens one at a time): the sockets open before and
 * after xs_open() (/proc/self/fd), by identity (device and inode: a
 * number may be closed and reused meanwhile), and among the new ones
 * those connected (AF_UNIX, stream) to xenstored's socket, the path
 * xs_daemon_socket() gives libxenstore. Exactly one: that is the
 * handle's (checked on our own duplicate). None or several (another
 * thread of the application connected to xenstored at that moment): we
 * say so at debug level and try a new connection, twice; then the calls
 * of that connection have no deadline (libxenstore's own behaviour). Its
 * connect() has no deadline either.
 *
 * Through /dev/xen/xenbus (no socket) calls keep libxenstore's own
 * behaviour too: no deadline.
 *
 * libxenstore behaviours relied on (xen.git RELEASE-4.17.7,
 * tools/libs/store/xs.c): xs_open() (360) -> get_handle() (284) opens
 * one descriptor, get_socket() (225: socket() + connect()) or get_dev()
 * (257: open()), closed again on failure, and keeps it in h->fd for all
 * I/O; the watch pipe only comes with xs_fileno() (207), the reader
 * thread only with xs_watch() (902); read_all() (435) retries EINTR
 * only, as xs_write_all() does (tools/xenstore/xs_lib.c:90), so
 * SO_RCVTIMEO/SO_SNDTIMEO end a call with EAGAIN; xs_talkv() (532) then
 * closes h->fd and sets it to -1 (597), so the handle fails with EBADF
 * from then on; xs_daemon_socket() is XENSTORED_PATH or <rundir>/socket
 * (xs_lib.c:40-62).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs.h"

/* Fallback: new connections tried when the descriptor is ambiguous. */
#define XS_SCAN_TRIES 3
/*
 * Connections that did not come within their deadline are left to finish
 * in their helper thread; with this many still waiting, new ones fail
 * at once (xenstored is not accepting).
 */
#define XS_ABANDONED_MAX 16
/* The helper thread's stack. */
#define XS_HELPER_STACK (128 * 1024)

/* Our own reference: kept when it is a stream socket, else closed. */
static void adopt(xhp_ctx *ctx, int ref)
{
	int type = 0;
	socklen_t len = sizeof(type);
	struct stat st;

	if (fstat(ref, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    getsockopt(ref, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_STREAM) {
		ctx->xs_sock.fd = ref;
		return;
	}
	close(ref);
	xhp_debug(
		ctx,
		"xenstore: connected through a device, not a socket: calls have no deadline");
}

/*
 * The helper thread's work (step 2). Shared with the calling thread until
 * done; if the caller stopped waiting (abandoned), the helper frees it.
 */
struct opener {
	int p; /* the placeholder's number */
	int chan; /* socketpair end to send the descriptor on */
	struct xs_handle *xs; /* the handle, sent: the caller owns it */
	int open_err; /* xs_open() failed with this errno */
	int err; /* the mechanism failed with this errno (see why) */
	const char *why;
	bool done, abandoned; /* under openers_lock */
};

/* Guards every struct opener's done and abandoned, and n_abandoned. */
static pthread_mutex_t openers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t openers_cond;
static pthread_once_t openers_once = PTHREAD_ONCE_INIT;
/* Helpers still in xs_open() after their caller gave up. */
static unsigned int n_abandoned;

static void openers_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&openers_cond, &a);
	pthread_condattr_destroy(&a);
}

static int fail(struct opener *o, const char *why)
{
	o->err = errno ? errno : EIO;
	o->why = why;
	return -1;
}

/*
 * Make P the lowest free number of this (private) table: take every
 * free number below it. Returns the next free number above P.
 */
static int take_below(struct opener *o)
{
	for (;;) {
		int n = fcntl(o->p, F_DUPFD_CLOEXEC, 0);

		if (n < 0)
			return fail(o, "fcntl F_DUPFD");
		if (n > o->p) {
			close(n);
			return n;
		}
		/* A hole below P: it stays taken until the thread exits. */
	}
}

static int send_fd(int chan, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	m.msg_control = u.buf;
	m.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(chan, &m, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 ? 0 : -1;
}

static int recv_fd(int chan)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int fd;

	m.msg_control = u.buf;
	m.msg_controllen = sizeof(u.buf);
	if (recvmsg(chan, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)) ||
	    (m.msg_flags & MSG_CTRUNC)) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int close_span(unsigned int lo, unsigned int hi)
{
#ifdef SYS_close_range
	if (lo > hi)
		return 0;
	return (int)syscall(SYS_close_range, lo, hi, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * In the private table, close all but P and the channel: copies of the
 * process's descriptors would keep them open (a pipe would not see its
 * end, a listener not go away) while this thread lives, and it may live
 * long in a connect() that xenstored does not accept.
 */
static int close_others(struct opener *o)
{
	unsigned int a = (unsigned int)(o->p < o->chan ? o->p : o->chan);
	unsigned int b = (unsigned int)(o->p < o->chan ? o->chan : o->p);
	bool again = true;
	struct dirent *de;
	DIR *d;

	if ((a == 0 || close_span(0, a - 1) == 0) &&
	    close_span(a + 1, b - 1) == 0 && close_span(b + 1, ~0U) == 0)
		return 0;
	/* No close_range() (Linux < 5.9): this thread's own table. */
	while (again) {
		d = opendir("/proc/thread-self/fd");
		if (!d)
			return fail(o, "close_range");
		again = false;
		while ((de = readdir(d))) {
			int fd = atoi(de->d_name);

			if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
			    fd == o->p || fd == o->chan || fd == dirfd(d))
				continue;
			close(fd);
			again = true;
		}
		closedir(d);
	}
	return 0;
}

/* xs_open() at P of a private table: the handle, or NULL. */
static struct xs_handle *open_at(struct opener *o)
{
	struct xs_handle *xs;
	int q;

	if (unshare(CLONE_FILES) < 0) {
		fail(o, "unshare(CLONE_FILES)");
		return NULL;
	}
	if (close_others(o) < 0)
		return NULL;
	q = take_below(o);
	if (q < 0)
		return NULL;
	close(o->p);
	errno = 0;
	/* May block in connect(): a stopped xenstored's backlog is full. */
	xs = xs_open(0);
	if (!xs) {
		o->open_err = errno ? errno : EIO;
		return NULL;
	}
	if (fcntl(o->p, F_GETFD) >= 0 && fcntl(q, F_GETFD) < 0)
		return xs;
	errno = EPROTO;
	fail(o, "xs_open() did not open exactly one descriptor");
	xs_close(xs);
	return NULL;
}

/* Step 2, in the helper thread. */
static void *opener_main(void *arg)
{
	struct opener *o = arg;
	struct xs_handle *xs = open_at(o);

	pthread_mutex_lock(&openers_lock);
	if (xs && !o->abandoned) {
		if (send_fd(o->chan, o->p) < 0)
			fail(o, "sendmsg SCM_RIGHTS");
		else
			o->xs = TAKE_PTR(xs);
	}
	o->done = true;
	if (o->abandoned) {
		n_abandoned--;
		free(o);
	}
	pthread_cond_broadcast(&openers_cond);
	pthread_mutex_unlock(&openers_lock);
	/* Not handed over: closes P of the private table only. */
	if (xs)
		xs_close(xs);
	return NULL;
}

/* Wait (openers_lock held) up to @ms for the helper: whether it is done. */
static bool wait_done(struct opener *o, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!o->done && pthread_cond_timedwait(&openers_cond, &openers_lock,
						  &ts) != ETIMEDOUT)
		;
	return o->done;
}

/* Start the helper with every signal blocked: none runs on its table. */
static int start_helper(struct opener *o)
{
	sigset_t all, old;
	pthread_attr_t a;
	pthread_t th;
	int r;

	r = pthread_attr_init(&a);
	if (r)
		return r;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	/* xs_open() needs little stack: a small one is cheaper to map than
	 * the default 8 MiB (this thread runs once per connection). */
	pthread_attr_setstacksize(&a, XS_HELPER_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&th, &a, opener_main, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	return r;
}

/* Step 3: the handle's descriptor in place of the placeholder. */
static struct xs_handle *take_over(xhp_ctx *ctx, struct opener *o, int chan)
{
	int ref = recv_fd(chan);

	if (ref < 0 || dup3(ref, o->p, O_CLOEXEC) < 0) {
		fail(o, ref < 0 ? "recvmsg SCM_RIGHTS" : "dup3");
		if (ref >= 0)
			close(ref);
		/* Its descriptor number is our placeholder: this closes it. */
		xs_close(o->xs);
		o->p = -1;
		return NULL;
	}
	o->p = -1; /* now libxenstore's */
	adopt(ctx, ref);
	return o->xs;
}

/*
 * Steps 1-3, waiting at most @ms for xs_open(). Returns 1 with *ret_xs,
 * -errno when xs_open() failed or did not finish in time, or 0 when the
 * mechanism could not be used (nothing is left open).
 */
static int open_private(xhp_ctx *ctx, int ms, struct xs_handle **ret_xs)
{
	int sv[2] = { -1, -1 };
	struct opener *o;
	int r = 0;

	pthread_once(&openers_once, openers_init);
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->p = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (o->p < 0) {
		fail(o, "open /dev/null");
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fail(o, "socketpair");
		goto out;
	}
	o->chan = sv[1];
	pthread_mutex_lock(&openers_lock);
	if (n_abandoned >= XS_ABANDONED_MAX) {
		pthread_mutex_unlock(&openers_lock);
		xhp_debug(
			ctx,
			"xenstore: %d connections still wait for xenstored to accept them",
			XS_ABANDONED_MAX);
		r = -ETIMEDOUT;
		goto out;
	}
	r = start_helper(o);
	if (r) {
		pthread_mutex_unlock(&openers_lock);
		errno = r;
		r = 0;
		fail(o, "pthread_create");
		goto out;
	}
	if (!wait_done(o, ms)) {
		int p = o->p;

		/* The helper frees it; P and the socketpair stay ours. */
		o->abandoned = true;
		n_abandoned++;
		pthread_mutex_unlock(&openers_lock);
		xhp_debug(ctx, "xenstore: no connection within %d ms", ms);
		close(p);
		close(sv[0]);
		close(sv[1]);
		return -ETIMEDOUT;
	}
	pthread_mutex_unlock(&openers_lock);
	if (o->open_err)
		r = -o->open_err;
	else if (o->xs)
		*ret_xs = take_over(ctx, o, sv[0]);
out:
	if (o->p >= 0)
		close(o->p);
	if (sv[0] >= 0) {
		close(sv[0]);
		close(sv[1]);
	}
	if (!r && *ret_xs)
		r = 1;
	else if (!r)
		xhp_debug(
			ctx,
			"xenstore: cannot open in a private descriptor table (%s: %s), looking for the socket instead",
			o->why ? o->why : "?", strerror(o->err));
	free(o);
	return r;
}

/* Fallback. */

static pthread_mutex_t scan_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The sockets open in the process, by identity (a descriptor number can
 * be closed and opened again for another socket between two looks).
 */
struct fdset {
	struct sock_id {
		dev_t dev;
		ino_t ino;
	} * id;
	size_t n;
};

static int cmp_id(const void *a, const void *b)
{
	const struct sock_id *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

static int fdset_add(struct fdset *s, size_t *cap, const struct stat *st)
{
	if (s->n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct sock_id *p = realloc(s->id, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*cap = c;
		s->id = p;
	}
	s->id[s->n++] = (struct sock_id){ st->st_dev, st->st_ino };
	return 0;
}

/*
 * The open sockets, sorted; with @fn, @fn is called for each descriptor
 * number that is a socket not in @skip. -errno without /proc/self/fd.
 */
static int fdset_read(struct fdset *s, const struct fdset *skip,
		      void (*fn)(int fd, const struct stat *st, void *ud),
		      void *ud)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t cap = 0;

	*s = (struct fdset){ 0 };
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct sock_id k;
		struct stat st;
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end ||
		    v == dirfd(d) ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		    !S_ISSOCK(st.st_mode))
			continue;
		if (fdset_add(s, &cap, &st) < 0) {
			closedir(d);
			free(s->id);
			return -ENOMEM;
		}
		k = (struct sock_id){ st.st_dev, st.st_ino };
		if (fn && !(skip->n &&
			    bsearch(&k, skip->id, skip->n, sizeof(k), cmp_id)))
			fn((int)v, &st, ud);
	}
	closedir(d);
	qsort(s->id, s->n, sizeof(*s->id), cmp_id);
	return 0;
}

/* Is @fd a connected AF_UNIX stream socket whose peer is @path? */
static bool peer_is(int fd, const char *path)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	int type = 0;
	socklen_t tlen = sizeof(type);
	struct stat a, b;
	size_t n;

	memset(&peer, 0, sizeof(peer));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_STREAM ||
	    getpeername(fd, (struct sockaddr *)&peer, &len) < 0 ||
	    peer.sun_family != AF_UNIX ||
	    len <= offsetof(struct sockaddr_un, sun_path) || !peer.sun_path[0])
		return false;
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (n >= sizeof(peer.sun_path))
		n = sizeof(peer.sun_path) - 1;
	peer.sun_path[n] = '\0';
	if (!strcmp(peer.sun_path, path))
		return true;
	/* The daemon bound another name of the same socket file. */
	return stat(peer.sun_path, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

struct found {
	const char *path;
	int fd; /* our duplicate of the last candidate */
	int n; /* candidates */
};

/* A new socket: a candidate when it is connected to xenstored. */
static void consider(int fd, const struct stat *st, void *ud)
{
	struct found *f = ud;
	struct stat dst;
	/* Checked on our duplicate: the object we keep. */
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (d < 0)
		return;
	if (fstat(d, &dst) < 0 || dst.st_dev != st->st_dev ||
	    dst.st_ino != st->st_ino || !peer_is(d, f->path)) {
		close(d);
		return;
	}
	f->n++;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = d;
}

/*
 * Our duplicate of the one socket connected to xenstored that is new
 * since @before, or -1 (none, several, or no /proc).
 */
static int find_new(xhp_ctx *ctx, const struct fdset *before)
{
	struct found f = { .path = xs_daemon_socket(), .fd = -1 };
	struct fdset after;

	if (!f.path || fdset_read(&after, before, consider, &f) < 0)
		return -1;
	free(after.id);
	if (f.n == 1)
		return f.fd;
	if (f.fd >= 0)
		close(f.fd);
	xhp_debug(ctx, "xenstore: %d new connections to %s: cannot tell ours",
		  f.n, f.path);
	return -1;
}

static struct xs_handle *open_scan(xhp_ctx *ctx)
{
	struct xs_handle *xs = NULL;
	struct fdset before;
	int i, e, ref = -1;
	bool ok;

	pthread_mutex_lock(&scan_lock);
	for (i = 0; i < XS_SCAN_TRIES && ref < 0; i++) {
		if (xs)
			xs_close(xs);
		ok = fdset_read(&before, NULL, NULL, NULL) == 0;
		errno = 0;
		xs = xs_open(0);
		if (xs && ok)
			ref = find_new(ctx, &before);
		if (ok)
			free(before.id);
		if (!xs || !ok)
			break;
	}
	e = errno;
	pthread_mutex_unlock(&scan_lock);
	if (!xs) {
		errno = e ? e : EIO;
		return NULL;
	}
	if (ref >= 0)
		adopt(ctx, ref);
	else
		xhp_debug(ctx,
			  "xenstore: socket not found: calls have no deadline");
	return xs;
}

struct xs_handle *xhp_xs_sock_open(xhp_ctx *ctx)
{
	struct xs_handle *xs = NULL;
	int r;

	ctx->xs_sock =
		(struct xhp_xs_sock){ .fd = -1, .grace = ctx->xs_sock.grace };
	r = open_private(ctx, xhp_xs_sock_wanted_ms(ctx), &xs);
	if (r > 0)
		return xs;
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return open_scan(ctx);
}
