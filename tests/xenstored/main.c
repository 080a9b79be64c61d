// SPDX-License-Identifier: LGPL-2.1-only
/*
 * xhp-test-xenstored: a xenstore daemon for libxhp's tests.
 *
 * Speaks the xenstore wire protocol (xen/io/xs_wire.h) on a unix socket so
 * that the real libxenstore (XENSTORED_PATH=<socket>) and Xen's xenstore-*
 * tools can be used without a hypervisor.  Single threaded, poll() based.
 *
 * Usage: xhp-test-xenstored --socket PATH [--pidfile FILE] [--verbose]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "proto.h"
#include "store.h"
#include "util.h"
#include "watch.h"

/* Stop reading from a client while this much output is queued for it. */
#define OUT_BACKLOG_MAX (1024 * 1024)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void fire_cb(void *opaque, const char *path, bool exact)
{
	watch_fire(opaque, path, exact);
}

static void usage(FILE *f)
{
	fputs("usage: xhp-test-xenstored --socket PATH [--pidfile FILE]"
	      " [--verbose]\n",
	      f);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "xhp-test-xenstored: socket path too long\n");
		return -1;
	}
	strcpy(sun.sun_path, path);

	/* Remove a stale socket, but never anything else. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto err;
	if (listen(fd, 128) < 0)
		goto err;
	return fd;

err:
	fprintf(stderr, "xhp-test-xenstored: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Written atomically (rename) so a reader never sees a partial file. */
static int write_pidfile(const char *path)
{
	size_t len = strlen(path) + 8;
	char *tmp = xsd_malloc(len);
	FILE *f;
	int ret = -1;

	snprintf(tmp, len, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		goto out;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0)
		goto out;
	if (rename(tmp, path) < 0)
		goto out;
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "xhp-test-xenstored: %s: %s\n", path,
			strerror(errno));
	free(tmp);
	return ret;
}

static void accept_clients(struct xsd_server *srv, int lfd)
{
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		conn_new(srv, fd);
	}
}

/* The ppoll() timeout: until the first delay-commit hold ends. */
static struct timespec *hold_timeout(struct xsd_server *srv,
				     struct timespec *ts)
{
	long long first = 0, now = xsd_now_ms();
	struct xsd_conn *c;

	for (c = srv->conns; c; c = c->next)
		if (c->hold_until && (!first || c->hold_until < first))
			first = c->hold_until;
	if (!first)
		return NULL;
	first = first > now ? first - now : 0;
	ts->tv_sec = first / 1000;
	ts->tv_nsec = (first % 1000) * 1000000L;
	return ts;
}

static void release_holds(struct xsd_server *srv)
{
	long long now = xsd_now_ms();
	struct xsd_conn *c;

	for (c = srv->conns; c; c = c->next)
		if (c->hold_until && c->hold_until <= now && !c->dead)
			conn_release(srv, c);
}

static int serve(struct xsd_server *srv, int lfd, const sigset_t *waitmask)
{
	struct pollfd *pfds = NULL;
	struct xsd_conn **pconns = NULL;
	struct xsd_conn *c, *next;
	struct timespec ts;
	size_t n, cap = 0, i;
	int ret = 0;

	while (!stop_signal) {
		n = 1;
		for (c = srv->conns; c; c = c->next)
			n++;
		if (n > cap) {
			cap = n * 2;
			pfds = xsd_realloc(pfds, cap * sizeof(*pfds));
			pconns = xsd_realloc(pconns, cap * sizeof(*pconns));
		}
		pfds[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 1, c = srv->conns; c; c = c->next, i++) {
			pfds[i].fd = c->fd;
			pfds[i].events = 0;
			pfds[i].revents = 0;
			if (!c->eof &&
			    xsd_buf_pending(&c->out) < OUT_BACKLOG_MAX)
				pfds[i].events |= POLLIN;
			if (xsd_buf_pending(&c->out))
				pfds[i].events |= POLLOUT;
			pconns[i] = c;
			/* A held request: even its end of file waits. */
			if (c->held_payload)
				pfds[i].fd = -1;
		}

		if (ppoll(pfds, n, hold_timeout(srv, &ts), waitmask) < 0) {
			if (errno == EINTR)
				continue;
			perror("xhp-test-xenstored: ppoll");
			ret = -1;
			break;
		}

		for (i = 1; i < n; i++) {
			c = pconns[i];
			if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_handle_input(srv, c);
		}
		if (pfds[0].revents & POLLIN)
			accept_clients(srv, lfd);
		release_holds(srv);

		/* Flush everyone: requests may have queued watch events. */
		for (c = srv->conns; c; c = next) {
			next = c->next;
			conn_flush(c);
			if (c->eof && !xsd_buf_pending(&c->out))
				c->dead = true;
			if (c->dead)
				conn_free(srv, c);
		}
	}

	free(pfds);
	free(pconns);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *pidfile = NULL;
	struct xsd_server srv = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	int opt, lfd = -1, ret = 1;

	while ((opt = getopt_long(argc, argv, "s:p:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'v':
			xsd_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!sock || optind != argc) {
		usage(stderr);
		return 2;
	}

	/* Signals are only delivered inside ppoll(): no races. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	srv.store = xs_store_new(fire_cb, &srv);
	/* Like a booted dom0: /local/domain/0 exists. */
	xs_store_mkdir(srv.store, NULL, XSD_IMPLICIT_PATH);

	lfd = listen_on(sock);
	if (lfd < 0)
		goto out;
	if (pidfile && write_pidfile(pidfile) < 0)
		goto out_unlink;
	xsd_log("listening on %s", sock);

	if (serve(&srv, lfd, &waitmask) == 0)
		ret = 0;
	xsd_log("exiting on signal %d", (int)stop_signal);

	if (pidfile)
		unlink(pidfile);
out_unlink:
	unlink(sock);
out:
	while (srv.conns)
		conn_free(&srv, srv.conns);
	if (lfd >= 0)
		close(lfd);
	xs_store_free(srv.store);
	free(srv.delay.path);
	return ret;
}
