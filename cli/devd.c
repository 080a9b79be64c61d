// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-devd: the driver domain's hotplug daemon, a thin program over
 * xhp_host (xhp/host.h). It does not fork: run it under systemd
 * (Type=notify) or a supervisor. See man/xhp-devd.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>
#include <xhp/xhp.h>

static int foreground;
static const char *pidfile;
static int ready_done;
/* The heal counters (HEALING in xhp-devd(8)): by backend path, written
 * whole to state_file at each heal. */
static char *state_file;
static json_t *heal_state;
static unsigned int self_domid;

static void log_line(void *userdata, int priority, const char *message)
{
	(void)userdata;
	if (foreground)
		fprintf(stderr, "xhp-devd: %s\n", message);
	else
		syslog(priority, "%s", message);
}

static void logf_(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_(int priority, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line(NULL, priority, buf);
}

/* sd_notify(3)'s datagram protocol, spoken directly (no libsystemd). */
static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) <
	    0)
		logf_(LOG_WARNING, "cannot notify %s: %s", path,
		      strerror(errno));
	close(fd);
}

/* Written whole or not at all: a temporary file renamed over it. */
static int write_pidfile(void)
{
	char tmp[PATH_MAX], buf[32];
	int fd, n;

	if (!pidfile)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, n) != n || close(fd) < 0 || rename(tmp, pidfile)) {
		int e = errno;

		unlink(tmp);
		return -e;
	}
	return 0;
}

/*
 * {"domid": 0, "devices": {"<backend path>": {"device": "vif1.0",
 * "heals": 2, "suppressed": 0, "last": "not-on-bridge: ..."}}}
 * written to a temporary file renamed over the state file.
 */
static void write_state(void)
{
	char tmp[PATH_MAX];
	json_t *top;
	int r;

	if (!state_file || !heal_state)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", state_file) >=
	    (int)sizeof(tmp))
		return;
	top = json_pack("{sIsO}", "domid", (json_int_t)self_domid, "devices",
			heal_state);
	r = top ? json_dump_file(top, tmp, JSON_SORT_KEYS | JSON_COMPACT) : -1;
	json_decref(top);
	if (r < 0 || rename(tmp, state_file) < 0) {
		logf_(LOG_WARNING, "cannot write the state file %s: %s",
		      state_file, strerror(errno));
		unlink(tmp);
	}
}

static void count_heal(const xhp_host_event *ev)
{
	const char *key = ev->type == XHP_HOST_HEALED ? "heals" : "suppressed";
	json_t *d, *n;

	if (!heal_state || !ev->backend_path)
		return;
	d = json_object_get(heal_state, ev->backend_path);
	if (!d) {
		d = json_pack("{sssisi}", "device",
			      ev->device ? ev->device : "", "heals", 0,
			      "suppressed", 0);
		if (!d ||
		    json_object_set_new(heal_state, ev->backend_path, d) < 0)
			return;
	}
	n = json_object_get(d, key);
	json_object_set_new(d, key, json_integer(json_integer_value(n) + 1));
	json_object_set_new(d, "last",
			    json_string(ev->message ? ev->message : ""));
	write_state();
}

static void on_event(void *userdata, const xhp_host_event *ev)
{
	const char *what = xhp_host_event_type_to_string(ev->type);
	const char *dev = ev->device ? ev->device : ev->backend_path;
	int r;

	(void)userdata;
	switch (ev->type) {
	case XHP_HOST_READY:
		if (ready_done)
			return logf_(LOG_INFO, "replay done");
		ready_done = 1;
		r = write_pidfile();
		if (r < 0)
			logf_(LOG_ERR, "cannot write the pid file %s: %s",
			      pidfile, strerror(-r));
		logf_(LOG_INFO, "ready: start-up replay done, watching");
		notify("READY=1");
		return;
	case XHP_HOST_DISCONNECTED:
		return logf_(LOG_WARNING, "xenstore connection lost: %s",
			     ev->message);
	case XHP_HOST_CONNECTED:
		return logf_(LOG_NOTICE, "xenstore connection back");
	case XHP_HOST_HEALED:
	case XHP_HOST_HEAL_SUPPRESSED:
		/* the library logged it (notice, warning) */
		return count_heal(ev);
	case XHP_HOST_UNPLUGGED:
		/* a tap's heals count with its vif's backend, which stays */
		if (heal_state && ev->backend_path &&
		    ev->kind != XHP_KIND_TAP &&
		    json_object_del(heal_state, ev->backend_path) == 0)
			write_state();
		break;
	case XHP_HOST_FAILED:
	case XHP_HOST_RETRIED:
		return logf_(
			ev->type == XHP_HOST_FAILED ? LOG_ERR : LOG_WARNING,
			"%s %s (%s, %s): %s", what, dev, ev->backend_path,
			ev->personality ? ev->personality : "-", ev->message);
	default:
		break;
	}
	logf_(LOG_INFO, "%s %s (%s, %s, %.1f ms)", what, dev, ev->backend_path,
	      ev->personality ? ev->personality : "-",
	      (double)ev->elapsed_us / 1000.0);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xhp-devd [--foreground] [--pidfile PATH] [--domid N]\n"
		"                [--workers N] [--timeout SECONDS] [--lock-dir DIR]\n"
		"                [--heal-limit N] [--state-file PATH]\n"
		"Plug and unplug this domain's backend devices (vif, vbd) as\n"
		"xenstore asks, in-process, as `xl devd` does with scripts.\n"
		"  -F, --foreground  log to stderr (default: syslog)\n"
		"  -p, --pidfile     write the pid once replayed and watching\n"
		"  -d, --domid       this domain (default: xenstore's domid, 0)\n"
		"  -w, --workers     operations at once (default 4, at most 64)\n"
		"  -t, --timeout     deadline of one operation in seconds\n"
		"  -l, --lock-dir    hotplug locks (default /var/run/xen-hotplug)\n"
		"  -H, --heal-limit  heals of one device a minute (default 5)\n"
		"  -s, --state-file  heal counters (default /run/xhp/devd-DOMID.json)\n"
		"  -h, --help        this text\n"
		"  -V, --version     the version of xhp-devd and libxhp\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'F' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "domid", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "lock-dir", required_argument, NULL, 'l' },
		{ "heal-limit", required_argument, NULL, 'H' },
		{ "state-file", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	xhp_host_opts opts = { .size = sizeof(opts), .domid = -1 };
	struct pollfd pfd[2];
	struct signalfd_siginfo si;
	xhp_host *h = NULL;
	xhp_ctx *ctx = NULL;
	int c, r, sfd = -1, status = 1, stopping = 0;
	unsigned long v, timeout_s = 0;
	const char *lock_dir = NULL, *state_arg = NULL;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "Fp:d:w:t:l:H:s:hV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'F':
			foreground = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'd':
			if (parse_uint(optarg, 0x7fef, &v) < 0) {
				fprintf(stderr, "xhp-devd: bad --domid '%s'\n",
					optarg);
				return 2;
			}
			opts.domid = (int)v;
			break;
		case 'w':
			if (parse_uint(optarg, 64, &v) < 0 || !v) {
				fprintf(stderr,
					"xhp-devd: bad --workers '%s' (1..64)\n",
					optarg);
				return 2;
			}
			opts.workers = (unsigned int)v;
			break;
		case 't':
			if (parse_uint(optarg, 86400, &v) < 0 || !v) {
				fprintf(stderr,
					"xhp-devd: bad --timeout '%s' (1..86400)\n",
					optarg);
				return 2;
			}
			timeout_s = v;
			break;
		case 'l':
			lock_dir = optarg;
			break;
		case 'H':
			if (parse_uint(optarg, 64, &v) < 0 || !v) {
				fprintf(stderr,
					"xhp-devd: bad --heal-limit '%s' (1..64)\n",
					optarg);
				return 2;
			}
			opts.heal_limit = (unsigned int)v;
			break;
		case 's':
			state_arg = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xhp-devd (libxhp) %s\n", xhp_version());
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!foreground)
		openlog("xhp-devd", LOG_PID, LOG_DAEMON);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || xhp_ctx_new(&ctx) < 0) {
		logf_(LOG_ERR, "cannot start: %s", strerror(errno));
		goto out;
	}
	xhp_ctx_set_log_fn(ctx, log_line, NULL);
	if (timeout_s)
		xhp_ctx_set_timeout_ms(ctx, timeout_s * 1000u);
	if (lock_dir && xhp_ctx_set_lock_dir(ctx, lock_dir) < 0) {
		logf_(LOG_ERR, "bad --lock-dir '%s': %s", lock_dir,
		      xhp_ctx_last_error(ctx));
		goto out;
	}
	opts.event_fn = on_event;
	r = xhp_host_new(ctx, &opts, &h);
	if (r < 0) {
		logf_(LOG_ERR, "%s", xhp_ctx_last_error(ctx));
		if (foreground == 0)
			fprintf(stderr, "xhp-devd: %s\n",
				xhp_ctx_last_error(ctx));
		goto out;
	}
	logf_(LOG_INFO, "serving domain %u", xhp_host_domid(h));
	self_domid = xhp_host_domid(h);
	heal_state = json_object();
	if (state_arg)
		state_file = strdup(state_arg);
	else if (asprintf(&state_file, "/run/xhp/devd-%u.json", self_domid) < 0)
		state_file = NULL;
	if (!state_arg)
		(void)mkdir("/run/xhp", 0755);
	write_state(); /* no heals yet: a file that says so */
	pfd[0] = (struct pollfd){ .fd = xhp_host_fd(h), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		r = xhp_host_dispatch(h);
		if (r < 0) {
			logf_(LOG_ERR, "%s", xhp_ctx_last_error(ctx));
			goto out;
		}
		if (stopping && xhp_host_busy(h) == 0) {
			(void)xhp_host_dispatch(h); /* the last events */
			break;
		}
		r = poll(pfd, 2, stopping ? 100 : xhp_host_timeout_ms(h));
		if (r < 0 && errno != EINTR) {
			logf_(LOG_ERR, "poll: %s", strerror(errno));
			goto out;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				logf_(LOG_INFO, "SIGHUP: replaying");
				xhp_host_replay(h);
			} else if (!stopping) {
				logf_(LOG_INFO,
				      "stopping: finishing %d operations",
				      xhp_host_busy(h));
				notify("STOPPING=1");
				xhp_host_stop(h);
				stopping = 1;
			}
		}
	}
	logf_(LOG_INFO, "stopped");
	status = 0;
out:
	xhp_host_unref(h);
	xhp_ctx_unref(ctx);
	if (state_file)
		unlink(state_file);
	free(state_file);
	json_decref(heal_state);
	if (pidfile && ready_done)
		unlink(pidfile);
	if (sfd >= 0)
		close(sfd);
	return status;
}
