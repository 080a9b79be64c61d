// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fault sweep driver (see sweep.h). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include <xhp/xhp.h>

#include "fault.h"
#include "sweep.h"
#include "testutil.h"

#define SWEEP_MAX 500
/* "STEP#K" */
#define STEP_NAME_MAX (XHP_FAULT_STEP_MAX + 16)

/* The realistic errno of a failing call, per layer. */
static const int hard_err[XHP_FAULT_LAYERS] = {
	[XHP_FAULT_NL] = ENOBUFS,
	[XHP_FAULT_XS] = EIO,
	[XHP_FAULT_XS_TX] = EIO,
	[XHP_FAULT_LOOP] = EIO,
	[XHP_FAULT_OVSDB] = ECONNRESET,
	/* /proc/sys mounted read-only, as in many containers */
	[XHP_FAULT_SYSCTL] = EROFS,
};

/* What a caller is expected to retry: a conflicting transaction, a loop
 * device someone else took. */
static const int retry_err[XHP_FAULT_LAYERS] = {
	[XHP_FAULT_NL] = ENOBUFS,	[XHP_FAULT_XS] = EIO,
	[XHP_FAULT_XS_TX] = EAGAIN,	[XHP_FAULT_LOOP] = EBUSY,
	[XHP_FAULT_OVSDB] = ECONNRESET, [XHP_FAULT_SYSCTL] = EROFS,
};

static const char *const layer_names[XHP_FAULT_LAYERS] = {
	"netlink", "xenstore", "xenstore-tx", "loop", "ovsdb", "sysctl",
};

#define XS_MARK "## xenstore\n"

static char *lock_dir;
static struct xs_handle *xs;
static bool verbose;
static int exit_code_problems;

void sw_append(char **buf, const char *fmt, ...)
{
	size_t old = *buf ? strlen(*buf) : 0;
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	*buf = realloc(*buf, old + (size_t)n + 1);
	if (!*buf)
		abort();
	memcpy(*buf + old, s, (size_t)n + 1);
	free(s);
}

/* Drop " qdisc X": a link gets its default qdisc the first time it goes
 * up and keeps it; that is the kernel's doing, not a residue. */
static void drop_qdisc(char *s)
{
	char *p;

	while ((p = strstr(s, " qdisc "))) {
		char *e = strchr(p + 7, ' ');

		if (!e)
			e = p + strlen(p);
		memmove(p, e, strlen(e) + 1);
	}
}

void sw_cmd(char **buf, const char *const argv[])
{
	char *out = NULL;
	int r;

	r = tu_run((char *const *)argv, NULL, 20000, &out);
	sw_append(buf, "## %s %s %s (%d)\n", argv[0], argv[1],
		  argv[2] ? argv[2] : "", r);
	/* Without "N: " ifindex prefixes: a recreated tap gets a new one. */
	for (char *p = out; p && *p;) {
		char *e = strchr(p, '\n'), *q = p;

		if (e)
			*e = '\0';
		while (*q >= '0' && *q <= '9')
			q++;
		sw_append(buf, "%s\n",
			  q > p && q[0] == ':' && q[1] == ' ' ? q + 2 : p);
		p = e ? e + 1 : NULL;
	}
	free(out);
}

#define CMD(buf, ...) sw_cmd(buf, (const char *const[]){ __VA_ARGS__, NULL })

static void xs_dump(char **buf, const char *path)
{
	unsigned int n, i;
	char **ents, *v, sub[1024];

	v = tu_xs_read(xs, path);
	if (v) {
		const char *base = strrchr(path, '/') + 1;

		if (strcmp(base, "hotplug-status") &&
		    strcmp(base, "hotplug-error"))
			sw_append(buf, "%s=%s\n", path, v);
		free(v);
	}
	ents = xs_directory(xs, XBT_NULL, path, &n);
	for (i = 0; ents && i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]);
		xs_dump(buf, sub);
	}
	free(ents);
}

void sw_sysctl(char **buf, const char *fam, const char *dev, const char *name)
{
	char path[256], *v;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", fam, dev,
		 name);
	v = tu_read_file(path);
	if (v && strchr(v, '\n'))
		*strchr(v, '\n') = '\0';
	sw_append(buf, "%s=%s\n", path, v ? v : "-");
	free(v);
}

/* Loop devices backed by files under @prefix (other tests run too). */
static void loops(char **buf, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir("/sys/block");
	char path[512], *v;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "loop", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file",
			 de->d_name);
		v = tu_read_file(path);
		if (v && strchr(v, '\n'))
			*strchr(v, '\n') = '\0';
		if (v && !strncmp(v, prefix, strlen(prefix)))
			sw_append(buf, "%s -> %s\n", de->d_name, v);
		free(v);
	}
	if (d)
		closedir(d);
}

/* The file locks this process holds (/proc/locks): none between runs. */
static void held_locks(char **buf)
{
	char *all = tu_read_file("/proc/locks"), *line, *save = NULL;
	int pid = (int)getpid();

	for (line = all ? strtok_r(all, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		int p = 0;

		if (sscanf(line, "%*s %*s %*s %*s %d", &p) == 1 && p == pid)
			sw_append(buf, "held: %s\n", line);
	}
	free(all);
}

static char *snapshot(const struct sweep *s)
{
	char *buf = NULL;
	struct dirent *de;
	DIR *d;

	if (s->dev) {
		CMD(&buf, "ip", "-o", "link", "show");
		drop_qdisc(buf);
		CMD(&buf, "ip", "-o", "addr", "show");
		CMD(&buf, "ip", "-4", "route", "show", "table", "all");
		CMD(&buf, "ip", "-6", "route", "show", "table", "all");
		CMD(&buf, "ip", "-4", "neigh", "show", "proxy");
		CMD(&buf, "ip", "-6", "neigh", "show", "proxy");
		sw_sysctl(&buf, "ipv4", s->dev, "proxy_arp");
		sw_sysctl(&buf, "ipv4", s->dev, "forwarding");
		sw_sysctl(&buf, "ipv6", s->dev, "proxy_ndp");
		sw_sysctl(&buf, "ipv6", s->dev, "forwarding");
		sw_sysctl(&buf, "ipv6", s->dev, "disable_ipv6");
	}
	if (s->loop_prefix)
		loops(&buf, s->loop_prefix);
	sw_append(&buf, "## locks\n");
	held_locks(&buf);
	d = opendir(lock_dir);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			sw_append(&buf, "lock %s\n", de->d_name);
	if (d)
		closedir(d);
	sw_append(&buf, XS_MARK);
	xs_dump(&buf, "/local/domain");
	if (s->snapshot)
		s->snapshot(&buf);
	return buf;
}

/* Print the lines of @a missing from @b ("-") and the other way ("+"). */
static void diff(const char *a, const char *b)
{
	const char *p, *e;

	for (int pass = 0; pass < 2; pass++) {
		const char *x = pass ? b : a, *y = pass ? a : b;

		for (p = x; *p; p = *e ? e + 1 : e) {
			size_t n;
			const char *q, *qe;
			bool found = false;

			e = strchr(p, '\n');
			if (!e)
				e = p + strlen(p);
			n = (size_t)(e - p);
			for (q = y; *q; q = *qe ? qe + 1 : qe) {
				qe = strchr(q, '\n');
				if (!qe)
					qe = q + strlen(q);
				if ((size_t)(qe - q) == n &&
				    !strncmp(q, p, n)) {
					found = true;
					break;
				}
			}
			if (!found)
				fprintf(stderr, "#   %c %.*s\n",
					pass ? '+' : '-', (int)n, p);
		}
	}
}

static char *be_read(const struct sweep *s, const char *key)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", s->backend, key);
	return tu_xs_read(xs, path);
}

static void be_reset(const struct sweep *s)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/hotplug-status", s->backend);
	tu_xs_rm(xs, path);
	snprintf(path, sizeof(path), "%s/hotplug-error", s->backend);
	tu_xs_rm(xs, path);
}

/* One in-process run; *msg gets the context's last error (free()). */
static int run(const struct sweep *s, const char *action,
	       struct xhp_fault *plan, char **msg)
{
	char *argv[16];
	char **env = tu_env(NULL, (const char *const *)s->env);
	xhp_request *req = NULL;
	xhp_ctx *ctx = NULL;
	int argc = 0, r;

	argv[argc++] = (char *)action;
	for (size_t i = 0; s->argv_extra && s->argv_extra[i]; i++)
		argv[argc++] = (char *)s->argv_extra[i];
	argv[argc] = NULL;
	if (!env || xhp_ctx_new(&ctx) < 0 ||
	    (!s->system_locks && xhp_ctx_set_lock_dir(ctx, lock_dir) < 0))
		abort();
	if (!verbose)
		xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_request_parse(ctx, argc, argv, env, &req);
	if (r == 0) {
		xhp_result *res = NULL;

		ctx->fault = plan;
		r = xhp_device_run(ctx, s->personality, req, &res);
		ctx->fault = NULL;
		/* What the CLI exits with: 1 on any failure. */
		if (!res || xhp_result_exit_code(res) != (r < 0 ? 1 : 0)) {
			fprintf(stderr, "# FAIL %s %s: exit code %d for %d\n",
				s->personality, action,
				res ? xhp_result_exit_code(res) : -1, r);
			exit_code_problems++;
		}
		xhp_result_free(res);
	}
	if (msg)
		*msg = strdup(xhp_ctx_last_error(ctx));
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	tu_env_free(env);
	return r;
}

struct tally {
	/* step name of each call */
	char steps_seen[SWEEP_MAX + 1][XHP_FAULT_STEP_MAX];
	int tolerated;
	int problems;
	int steps[XHP_FAULT_LAYERS];
	int retried; /* faults a retry absorbed: the add succeeded */
	int messages; /* failure messages checked against their step */
	int sticky;
};

#define PROBLEM(t, n, step, ...)                                               \
	do {                                                                   \
		fprintf(stderr, "# FAIL %s call %u (%s): ", s->personality, n, \
			step);                                                 \
		fprintf(stderr, __VA_ARGS__);                                  \
		fprintf(stderr, "\n");                                         \
		(t)->problems++;                                               \
	} while (0)

/* Remove without faults; the host must be back to @base. */
static void reset(const struct sweep *s, struct tally *t, unsigned int n,
		  const char *step, const char *base)
{
	char *msg = NULL, *now;

	if (run(s, s->remove_action, NULL, &msg) < 0)
		PROBLEM(t, n, step, "remove failed: %s", msg);
	free(msg);
	if (s->restore)
		s->restore();
	be_reset(s);
	now = snapshot(s);
	if (strcmp(now, base)) {
		PROBLEM(t, n, step, "not clean after remove:");
		diff(base, now);
	}
	free(now);
}

/* A successful add: connected and plumbed; then remove. */
static void check_success(const struct sweep *s, struct tally *t,
			  unsigned int n, const char *step, const char *base)
{
	char *st = be_read(s, "hotplug-status"), *now = snapshot(s);

	if (!st || strcmp(st, "connected"))
		PROBLEM(t, n, step, "add succeeded, hotplug-status '%s'",
			st ? st : "(none)");
	if (!strcmp(now, base))
		PROBLEM(t, n, step, "add succeeded but changed nothing");
	free(st);
	free(now);
	reset(s, t, n, step, base);
}

/*
 * What hotplug-error must say when @step failed, beyond the system's
 * reason: the phrases that tell an operator which step it was. Every
 * phrase of @need must be in the message. Returns the number of phrases,
 * or -1 for a step this table does not know (a new seam step needs a
 * row here).
 */
#define NEED_MAX 4
#define NEED_LEN 192

static int expected(const struct sweep *s, const char *step,
		    char need[NEED_MAX][NEED_LEN])
{
	/* Steps "PREFIX ARG": the phrases, "%s" standing for ARG. */
	static const struct {
		const char *prefix;
		const char *phrase[NEED_MAX];
	} rows[] = {
		/* xenstore: the call and the key */
		{ "xs_open", { "xenstore" } },
		{ "xs_read ", { "read xenstore %s" } },
		{ "xs_write ", { "write xenstore %s" } },
		{ "xs_rm ", { "xenstore %s" } },
		{ "xs_directory ", { "list xenstore %s" } },
		{ "xs_transaction_start", { "start a xenstore transaction" } },
		{ "xs_transaction_end", { "commit a xenstore transaction" } },
		/* rtnetlink (nl.c names a link request by what it asks) */
		{ "rtnetlink socket", { "rtnetlink" } },
		/* nf_tables (nft.c): its socket, and a batch as a whole */
		{ "nf_tables netlink socket", { "nf_tables netlink" } },
		{ "nf_tables batch", { "nf_tables batch" } },
		{ "NFT_MSG_GETCHAIN", { "nf_tables chain" } },
		{ "RTM_GETLINK dump", { "list" } },
		{ "RTM_GETLINK ", { "look up", "%s" } },
		{ "RTM_GETLINK", { "look up" } },
		{ "RTM_SETLINK name", { "rename" } },
		{ "RTM_SETLINK master", { "enslave", "to bridge " } },
		{ "RTM_SETLINK mtu", { "MTU" } },
		{ "RTM_SETLINK address", { "MAC" } },
		{ "RTM_SETLINK up", { "bring up" } },
		{ "RTM_SETLINK protinfo", { "isolate", "bridge port" } },
		{ "RTM_SETLINK down", { "bring down" } },
		{ "RTM_NEWADDR", { "add address" } },
		{ "RTM_DELADDR", { "delete address" } },
		{ "RTM_GETADDR", { "addresses" } },
		{ "RTM_NEWROUTE", { "add route" } },
		{ "RTM_DELROUTE", { "route" } },
		{ "RTM_GETROUTE", { "route" } },
		{ "RTM_NEWNEIGH", { "neighbour" } },
		{ "RTM_GETNEIGH", { "neighbour" } },
		{ "RTM_DELNEIGH", { "neighbour" } },
		/* loop devices */
		{ "open /dev/loop-control", { "/dev/loop-control" } },
		{ "open /dev/loopN", { "open /dev/loop" } },
		{ "LOOP_CTL_GET_FREE", { "free loop device" } },
		{ "LOOP_CONFIGURE", { "attach", "/dev/loop" } },
		{ "LOOP_SET_STATUS64", { "/dev/loop" } },
		{ "LOOP_GET_STATUS64", { "/dev/loop" } },
		{ "LOOP_CLR_FD", { "detach" } },
		/* OVSDB (ovsdb.c names a request by what it is for) */
		{ "ovsdb connect", { "connect to OVSDB" } },
		{ "ovsdb recv update", { "OVSDB", "ovs-vswitchd" } },
		{ "ovsdb send ", { "write to OVSDB", "%s" } },
		{ "ovsdb recv ", { "read from OVSDB", "%s" } },
	};
	char arg[XHP_FAULT_STEP_MAX];
	int n = 0;

	/* A change of the vif: which bridge, and (below) which link. */
	if (!strcmp(step, "RTM_SETLINK master") && s->bridge)
		snprintf(need[n++], NEED_LEN, "to bridge %s", s->bridge);

	/* The image: its directory is the test's own. */
	if (!strcmp(step, "open backing file")) {
		snprintf(need[n++], NEED_LEN, "cannot open");
		if (s->loop_prefix)
			snprintf(need[n++], NEED_LEN, "%s", s->loop_prefix);
		return n;
	}
	/* "sysctl write ipv4/vif1.0/proxy_arp": the sysctl by its name
	 * net.ipv4.conf.vif1.0.proxy_arp, and whether read or set. */
	if (!strncmp(step, "sysctl ", 7)) {
		char verb[8], fam[8], dev[32], name[32];

		if (sscanf(step, "sysctl %7s %7[^/]/%31[^/]/%31s", verb, fam,
			   dev, name) != 4)
			return -1;
		snprintf(need[n++], NEED_LEN, "%s",
			 strcmp(verb, "write") ? "read" : "set");
		snprintf(need[n++], NEED_LEN, "net.%s.conf.%s.%s", fam, dev,
			 name);
		return n;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = strlen(rows[i].prefix);

		/* A prefix ending in a space takes an argument; else the
		 * step is the prefix, exactly. */
		if (rows[i].prefix[len - 1] == ' ' ?
			    strncmp(step, rows[i].prefix, len) || !step[len] :
			    strcmp(step, rows[i].prefix))
			continue;
		snprintf(arg, sizeof(arg), "%s", step + len);
		for (int k = 0;
		     k < NEED_MAX && n < NEED_MAX && rows[i].phrase[k]; k++) {
			const char *p = rows[i].phrase[k];
			const char *v = strstr(p, "%s");

			int w;

			if (v)
				w = snprintf(need[n++], NEED_LEN, "%.*s%s%s",
					     (int)(v - p), p, arg, v + 2);
			else
				w = snprintf(need[n++], NEED_LEN, "%s", p);
			if (w < 0 || w >= NEED_LEN)
				return -1;
		}
		return n;
	}
	return -1;
}

/* The message names the failed step and the system's reason. */
static void check_message(const struct sweep *s, struct tally *t,
			  unsigned int n, const struct xhp_fault *plan,
			  const char *step, const char *msg)
{
	char need[NEED_MAX][NEED_LEN];
	const char *why = strerror(plan->hit_err);
	int k = expected(s, step, need), before;

	if (verbose) {
		fprintf(stderr, "#   %-3u %-34s %s\n#       need:", n, step,
			msg);
		for (int i = 0; i < k; i++)
			fprintf(stderr, " '%s'", need[i]);
		fprintf(stderr, " '%s'\n", why);
	}
	if (k < 0) {
		PROBLEM(t, n, step,
			"no expectation for this step (sweep.c: expected)");
		return;
	}
	before = t->problems;
	if (!strstr(msg, why))
		PROBLEM(t, n, step, "message '%s' lacks the reason '%s'", msg,
			why);
	if (!strncmp(msg, s->personality, strlen(s->personality)))
		PROBLEM(t, n, step,
			"message '%s' starts with the personality, not the "
			"step",
			msg);
	for (int i = 0; i < k; i++)
		if (!strstr(msg, need[i]))
			PROBLEM(t, n, step,
				"message '%s' does not name the step: no '%s'",
				msg, need[i]);
	/* A change of the vif names the vif (by either name). */
	if (!strncmp(step, "RTM_SETLINK ", 12) && s->dev &&
	    !strstr(msg, s->dev) && !(s->vifname && strstr(msg, s->vifname)))
		PROBLEM(t, n, step,
			"message '%s' does not name the link %s%s%s", msg,
			s->dev, s->vifname ? " or " : "",
			s->vifname ? s->vifname : "");
	if (t->problems == before)
		t->messages++;
}

/* A failed add: error reported, nothing left behind. */
static void check_failure(const struct sweep *s, struct tally *t,
			  unsigned int n, const struct xhp_fault *plan,
			  const char *named, const char *msg, bool reported,
			  const char *base)
{
	char *st = be_read(s, "hotplug-status");
	char *err = be_read(s, "hotplug-error");
	char *now = snapshot(s);

	if (reported) {
		if (!st || strcmp(st, "error"))
			PROBLEM(t, n, plan->step, "hotplug-status '%s'",
				st ? st : "(none)");
		if (!err || strcmp(err, msg))
			PROBLEM(t, n, plan->step,
				"hotplug-error '%s' is not the error '%s'",
				err ? err : "(none)", msg);
	} else if (st || err) {
		/* xenstore is gone: nothing can be written, and nothing
		 * that was there may be left claiming success. */
		PROBLEM(t, n, plan->step,
			"xenstore unreachable, yet hotplug-status '%s'",
			st ? st : "(none)");
	}
	/* The message must say what failed, with the system's reason. */
	check_message(s, t, n, plan, named, msg);
	if (!reported) {
		/* What the add wrote to xenstore before it went away cannot
		 * be taken back: compare the system's state only. */
		char *x = strstr(now, XS_MARK), *y = strstr(base, XS_MARK);

		*x = '\0';
		if (strncmp(now, base, (size_t)(y - base)) ||
		    strlen(now) != (size_t)(y - base)) {
			PROBLEM(t, n, plan->step,
				"residue after the failed add:");
			*y = '\0';
			diff(base, now);
			*y = XS_MARK[0];
		}
		*x = XS_MARK[0];
	} else if (strcmp(now, base)) {
		PROBLEM(t, n, plan->step, "residue after the failed add:");
		diff(base, now);
	}
	free(st);
	free(err);
	free(now);
	reset(s, t, n, plan->step, base);
}

/* "STEP#K": call @n is the K-th call named STEP. */
static void step_name(const struct tally *t, unsigned int n,
		      char name[STEP_NAME_MAX])
{
	unsigned int k = 0;

	for (unsigned int i = 1; i <= n; i++)
		if (!strcmp(t->steps_seen[i], t->steps_seen[n]))
			k++;
	snprintf(name, STEP_NAME_MAX, "%s#%u", t->steps_seen[n], k);
}

/* Is call @n a step the add may carry on after? */
static bool tolerated(const struct sweep *s, const struct tally *t,
		      unsigned int n)
{
	char name[STEP_NAME_MAX];

	step_name(t, n, name);
	for (size_t i = 0; s->tolerated && s->tolerated[i]; i++)
		if (!strcmp(s->tolerated[i], name))
			return true;
	return false;
}

/* Add with call @n failing per @errs; returns false once no fault hit. */
static bool one(const struct sweep *s, struct tally *t, unsigned int n,
		const int *errs, bool sticky, const char *base,
		struct xhp_fault *ret_plan)
{
	struct xhp_fault plan = { .fail_at = n, .sticky_xs = sticky };
	char *msg = NULL;
	bool xs_hit;
	int r;

	memcpy(plan.err, errs, sizeof(plan.err));
	be_reset(s);
	r = run(s, s->add_action, &plan, &msg);
	*ret_plan = plan;
	if (plan.hits == 0) {
		if (r < 0)
			PROBLEM(t, n, "-", "add failed with no fault: %s", msg);
		else
			check_success(s, t, n, "-", base);
		free(msg);
		return false;
	}
	xs_hit = plan.hit_layer == XHP_FAULT_XS ||
		 plan.hit_layer == XHP_FAULT_XS_TX;
	if (!sticky)
		snprintf(t->steps_seen[n], sizeof(t->steps_seen[n]), "%s",
			 plan.step);
	if (r >= 0) {
		if (errs == retry_err &&
		    plan.hit_err != hard_err[plan.hit_layer])
			t->retried++;
		else if (tolerated(s, t, n))
			t->tolerated++;
		else
			PROBLEM(t, n, plan.step,
				"%s failure swallowed: the add succeeded",
				strerror(plan.hit_err));
		check_success(s, t, n, plan.step, base);
	} else {
		/* A tolerated step's failure is not the error: with
		 * xenstore gone, the next call's is. */
		const char *named = plan.step;

		if (sticky && tolerated(s, t, n) && plan.next_step[0])
			named = plan.next_step;
		check_failure(s, t, n, &plan, named, msg, !(sticky && xs_hit),
			      base);
	}
	free(msg);
	return true;
}

int sweep_run(const struct sweep *s)
{
	static struct tally t;

	memset(&t, 0, sizeof(t));
	struct xhp_fault plan;
	unsigned int n, total = 0;
	char *base;

	verbose = getenv("SWEEP_VERBOSE") != NULL;
	lock_dir = tu_mkdtemp("xhp-faults-lock");
	xs = xs_open(0);
	if (!lock_dir || !xs) {
		fprintf(stderr, "sweep set-up failed\n");
		return 1;
	}
	be_reset(s);
	base = snapshot(s);
	for (n = 1; n <= SWEEP_MAX; n++) {
		if (!one(s, &t, n, hard_err, false, base, &plan))
			break;
		total++;
		t.steps[plan.hit_layer]++;
		if (retry_err[plan.hit_layer] != hard_err[plan.hit_layer])
			one(s, &t, n, retry_err, false, base, &plan);
		if (plan.hit_layer == XHP_FAULT_XS ||
		    plan.hit_layer == XHP_FAULT_XS_TX) {
			one(s, &t, n, hard_err, true, base, &plan);
			t.sticky++;
		}
	}
	if (n > SWEEP_MAX)
		PROBLEM(&t, n, "-", "the add never ran without a fault");
	for (size_t i = 0; s->must_fail && s->must_fail[i]; i++) {
		char name[STEP_NAME_MAX];
		unsigned int k;

		for (k = 1; k <= total; k++) {
			step_name(&t, k, name);
			if (!strcmp(name, s->must_fail[i]))
				break;
		}
		if (k > total)
			PROBLEM(&t, 0, s->must_fail[i],
				"the sweep never failed this step");
	}
	printf("%s: %u steps covered (", s->personality, total);
	for (int l = 0; l < XHP_FAULT_LAYERS; l++)
		printf("%s%s %d", l ? ", " : "", layer_names[l], t.steps[l]);
	printf("); %d absorbed by a retry, %d tolerated as by Xen, %d with "
	       "xenstore gone; %d messages named their step; %d problems\n",
	       t.retried, t.tolerated, t.sticky, t.messages,
	       t.problems + exit_code_problems);
	fflush(stdout);
	free(base);
	xs_close(xs);
	tu_rmtree(lock_dir);
	free(lock_dir);
	return t.problems + exit_code_problems;
}
