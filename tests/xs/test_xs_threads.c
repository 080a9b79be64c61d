// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deadlines on xenstore calls with contexts in parallel threads
 * (libxhp(3): different contexts may be used from different threads).
 *
 * A "churn" thread opens and closes descriptors meanwhile: /dev/null,
 * socketpairs and unix sockets connected to the test xenstored itself
 * (each kept a while, then checked: its SO_RCVTIMEO/SO_SNDTIMEO must
 * still be 0, nobody else's deadline landed on it).
 *
 * - Eight workers, each with its own context per round, run vif-bridge
 *   online and offline in-process on their own tap in a throwaway
 *   network namespace: every result right, no call hangs, no deadline
 *   on a foreign descriptor.
 * - The red team's reproduction: 32 threads, each with its own context
 *   and a 1.5 s timeout, on a SIGSTOPped xenstored (it accepts
 *   connections but never answers): every call returns -ETIMEDOUT
 *   within twice the timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>

#include <cmocka.h>

#include "nl.h"
#include "testutil.h"
#include "xs.h"
#include "xsd_harness.h"

#define WORKERS 8
#define ROUNDS 12
#define STALL_THREADS 32
#define STALL_TIMEOUT_MS 1500
#define CHURN_RING 24

static struct xsd xsd = XSD_INIT;

static uint64_t ms_since(uint64_t t0)
{
	return (xhp_now_us() - t0) / 1000;
}

/* The churn thread. */

static atomic_bool churn_stop;
static bool churn_xsd; /* also connect to the test xenstored */
static atomic_int churn_foreign; /* foreign descriptors with a timeout */
static atomic_int churn_checked;

static int connect_xsd(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (strlen(xsd.socket) >= sizeof(a.sun_path)) {
		close(fd);
		return -1;
	}
	memcpy(a.sun_path, xsd.socket, strlen(xsd.socket) + 1);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A socket of ours with a receive or send timeout: someone set it. */
static void check_and_close(int fd)
{
	struct timeval tv[2];
	socklen_t len = sizeof(tv[0]);
	int type;
	socklen_t tl = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0) {
		memset(tv, 0, sizeof(tv));
		getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv[0], &len);
		len = sizeof(tv[1]);
		getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv[1], &len);
		if (tv[0].tv_sec || tv[0].tv_usec || tv[1].tv_sec ||
		    tv[1].tv_usec)
			atomic_fetch_add(&churn_foreign, 1);
		atomic_fetch_add(&churn_checked, 1);
	}
	close(fd);
}

static void *churn(void *arg)
{
	int ring[CHURN_RING], i, n = 0;

	(void)arg;
	for (i = 0; i < CHURN_RING; i++)
		ring[i] = -1;
	while (!atomic_load(&churn_stop)) {
		int slot = n % CHURN_RING, sv[2] = { -1, -1 };

		if (ring[slot] >= 0)
			check_and_close(ring[slot]);
		switch (n % 3) {
		case 0:
			ring[slot] = open("/dev/null", O_RDONLY | O_CLOEXEC);
			break;
		case 1:
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				       sv) == 0) {
				ring[slot] = sv[0];
				/* The other end only lives a moment. */
				check_and_close(sv[1]);
			}
			break;
		default:
			/* A stopped daemon's backlog would fill up. */
			if (churn_xsd)
				ring[slot] = connect_xsd();
			else if (socketpair(AF_UNIX,
					    SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
					    sv) == 0) {
				ring[slot] = sv[0];
				close(sv[1]);
			}
			break;
		}
		n++;
		if (n % 64 == 0)
			usleep(100);
	}
	for (i = 0; i < CHURN_RING; i++)
		if (ring[i] >= 0)
			check_and_close(ring[i]);
	return NULL;
}

static pthread_t churn_start(bool xsd_too)
{
	pthread_t th;

	churn_xsd = xsd_too;
	atomic_store(&churn_stop, false);
	atomic_store(&churn_foreign, 0);
	atomic_store(&churn_checked, 0);
	assert_int_equal(pthread_create(&th, NULL, churn, NULL), 0);
	return th;
}

static void churn_end(pthread_t th)
{
	atomic_store(&churn_stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	printf("churn: %d foreign sockets checked, %d with a timeout\n",
	       atomic_load(&churn_checked), atomic_load(&churn_foreign));
	assert_true(atomic_load(&churn_checked) > 100);
	assert_int_equal(atomic_load(&churn_foreign), 0);
}

/* Workers running vif-bridge. */

struct worker {
	pthread_t th;
	unsigned int dom;
	char tap[IFNAMSIZ];
	char backend[96];
	int br; /* the bridge's ifindex */
	/* results */
	int rounds;
	char failure[512];
	uint64_t longest_ms;
};

static int link_get(xhp_ctx *ctx, const char *name, struct xhp_link *l)
{
	struct xhp_nl *nl = NULL;
	int r = xhp_nl_open(ctx, &nl);

	if (r == 0)
		r = xhp_nl_link_get(ctx, nl, name, 0, l);
	xhp_nl_close(nl);
	return r;
}

static int link_state(xhp_ctx *ctx, const char *name, unsigned int *flags,
		      int *master)
{
	struct xhp_link l;
	int r = link_get(ctx, name, &l);

	*flags = r == 0 ? l.flags : 0;
	*master = r == 0 ? l.master : -1;
	return r;
}

static bool wfail(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool wfail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
	va_end(ap);
	return false;
}

static bool run_one(struct worker *w, xhp_ctx *ctx, int action)
{
	xhp_request *req = NULL;
	uint64_t t0, ms;
	int r;

	r = xhp_request_new(ctx, action, XHP_KIND_VIF, w->backend, w->tap,
			    &req);
	if (r < 0)
		return wfail(w, "request: %d", r);
	t0 = xhp_now_us();
	r = xhp_device_run(ctx, "vif-bridge", req, NULL);
	ms = ms_since(t0);
	xhp_request_free(req);
	if (ms > w->longest_ms)
		w->longest_ms = ms;
	if (r < 0)
		return wfail(w, "%s %s: %d (%s)",
			     xhp_request_action_to_string(action), w->tap, r,
			     xhp_ctx_last_error(ctx));
	return true;
}

static bool round_ok(struct worker *w)
{
	unsigned int flags;
	char path[160], *v = NULL;
	int master, r;
	xhp_ctx *ctx;
	bool ok = false;

	if (xhp_ctx_new(&ctx) < 0)
		return wfail(w, "xhp_ctx_new");
	xhp_ctx_set_timeout_ms(ctx, 20000);
	if (!run_one(w, ctx, XHP_ACTION_ONLINE))
		goto out;
	snprintf(path, sizeof(path), "%s/hotplug-status", w->backend);
	r = xhp_xs_read(ctx, XBT_NULL, path, &v);
	if (r < 0 || strcmp(v, "connected")) {
		wfail(w, "%s: hotplug-status %s (%d)", w->tap, v ? v : "-", r);
		goto out;
	}
	r = link_state(ctx, w->tap, &flags, &master);
	if (r < 0 || !(flags & IFF_UP) || master != w->br) {
		wfail(w, "%s after online: %d, flags %#x, master %d", w->tap, r,
		      flags, master);
		goto out;
	}
	if (!run_one(w, ctx, XHP_ACTION_OFFLINE))
		goto out;
	r = link_state(ctx, w->tap, &flags, &master);
	if (r < 0 || (flags & IFF_UP) || master != 0) {
		wfail(w, "%s after offline: %d, flags %#x, master %d", w->tap,
		      r, flags, master);
		goto out;
	}
	ok = true;
out:
	free(v);
	xhp_ctx_unref(ctx);
	return ok;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (w->rounds = 0; w->rounds < ROUNDS; w->rounds++)
		if (!round_ok(w))
			break;
	return NULL;
}

static void put(xhp_ctx *ctx, const char *backend, const char *key,
		const char *value)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/%s", backend, key);
	assert_int_equal(xhp_xs_write(ctx, p, value), 0);
}

static void test_parallel_vif_bridge(void **state)
{
	struct worker w[WORKERS];
	struct xhp_link br;
	pthread_t ch;
	xhp_ctx *ctx;
	int i;
	char id[16], mac[32];

	(void)state;
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "add", "br0", "type",
				 "bridge", NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "set", "br0", "up", NULL),
			 0);
	assert_int_equal(link_get(ctx, "br0", &br), 0);
	memset(w, 0, sizeof(w));
	for (i = 0; i < WORKERS; i++) {
		w[i].dom = 20 + i;
		w[i].br = br.ifindex;
		snprintf(w[i].tap, sizeof(w[i].tap), "vif%u.0", w[i].dom);
		snprintf(w[i].backend, sizeof(w[i].backend),
			 "/local/domain/0/backend/vif/%u/0", w[i].dom);
		assert_int_equal(tu_runl(NULL, "ip", "tuntap", "add", "dev",
					 w[i].tap, "mode", "tap", NULL),
				 0);
		snprintf(id, sizeof(id), "%u", w[i].dom);
		snprintf(mac, sizeof(mac), "00:16:3e:00:01:%02x", w[i].dom);
		put(ctx, w[i].backend, "bridge", "br0");
		put(ctx, w[i].backend, "frontend-id", id);
		put(ctx, w[i].backend, "mac", mac);
	}
	xhp_ctx_unref(ctx);

	ch = churn_start(true);
	for (i = 0; i < WORKERS; i++)
		assert_int_equal(
			pthread_create(&w[i].th, NULL, worker_main, &w[i]), 0);
	for (i = 0; i < WORKERS; i++)
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
	churn_end(ch);
	for (i = 0; i < WORKERS; i++) {
		printf("%s: %d rounds, longest run %llu ms%s%s\n", w[i].tap,
		       w[i].rounds, (unsigned long long)w[i].longest_ms,
		       w[i].failure[0] ? ": " : "", w[i].failure);
		assert_string_equal(w[i].failure, "");
		assert_int_equal(w[i].rounds, ROUNDS);
		assert_true(w[i].longest_ms < 20000);
	}
}

/* The red team's reproduction. */

struct staller {
	pthread_t th;
	int r;
	uint64_t ms;
	char err[256];
};

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done;

static void *staller_main(void *arg)
{
	struct staller *s = arg;
	char *v = NULL;
	xhp_ctx *ctx;
	uint64_t t0 = xhp_now_us();

	s->r = xhp_ctx_new(&ctx);
	if (s->r == 0)
		s->r = xhp_ctx_set_timeout_ms(ctx, STALL_TIMEOUT_MS);
	if (s->r == 0) {
		s->r = xhp_xs_read(ctx, XBT_NULL, "/local/domain/0/stall", &v);
		snprintf(s->err, sizeof(s->err), "%s", xhp_ctx_last_error(ctx));
		free(v);
		xhp_ctx_unref(ctx);
	}
	s->ms = ms_since(t0);
	pthread_mutex_lock(&done_lock);
	done++;
	pthread_cond_signal(&done_cond);
	pthread_mutex_unlock(&done_lock);
	return NULL;
}

/*
 * Start the stallers, wait twice the timeout, then let @resume make the
 * daemon answer: every thread returned -ETIMEDOUT in time.
 */
static void stall_all(void (*resume)(void))
{
	struct staller s[STALL_THREADS];
	struct timespec until;
	pthread_t ch;
	int i, late, finished;

	memset(s, 0, sizeof(s));
	done = 0;
	ch = churn_start(false);
	for (i = 0; i < STALL_THREADS; i++)
		assert_int_equal(
			pthread_create(&s[i].th, NULL, staller_main, &s[i]), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2 * STALL_TIMEOUT_MS / 1000;
	until.tv_nsec += (2 * STALL_TIMEOUT_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&done_lock);
	while (done < STALL_THREADS &&
	       pthread_cond_timedwait(&done_cond, &done_lock, &until) == 0)
		;
	finished = done;
	pthread_mutex_unlock(&done_lock);
	/* Nobody hangs for ever, whatever the result. */
	resume();
	for (i = 0; i < STALL_THREADS; i++)
		assert_int_equal(pthread_join(s[i].th, NULL), 0);
	churn_end(ch);
	for (i = late = 0; i < STALL_THREADS; i++) {
		if (s[i].r != -ETIMEDOUT || s[i].ms >= 2 * STALL_TIMEOUT_MS) {
			late++;
			printf("thread %d: %d after %llu ms: %s\n", i, s[i].r,
			       (unsigned long long)s[i].ms, s[i].err);
		}
	}
	printf("%d of %d threads returned within %d ms, %d late or wrong\n",
	       finished, STALL_THREADS, 2 * STALL_TIMEOUT_MS, late);
	assert_int_equal(finished, STALL_THREADS);
	assert_int_equal(late, 0);
	for (i = 0; i < STALL_THREADS; i++) {
		assert_int_equal(s[i].r, -ETIMEDOUT);
		assert_non_null(strstr(s[i].err, "timed out"));
	}
}

static void daemon_cont(void)
{
	assert_int_equal(kill(xsd.pid, SIGCONT), 0);
}

/* The daemon is SIGSTOPped: it accepts connections, never answers. */
static void test_stalled_xenstored(void **state)
{
	(void)state;
	assert_int_equal(kill(xsd.pid, SIGSTOP), 0);
	stall_all(daemon_cont);
}

static int listener = -1;
static char listener_path[PATH_MAX + 8];

static void listener_close(void)
{
	close(listener);
	listener = -1;
}

/* Also when the test failed: the test xenstored again. */
static int listener_teardown(void **state)
{
	(void)state;
	if (listener >= 0)
		listener_close();
	unlink(listener_path);
	return setenv("XENSTORED_PATH", xsd.socket, 1);
}

/*
 * A xenstored that accepts nothing, with xenstored's backlog
 * (listen(sock, 1), tools/xenstore/xenstored_core.c): all but the first
 * connections block in connect() inside xs_open().
 */
static void test_connect_blocks(void **state)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	xhp_ctx *ctx;
	char *v = NULL;
	int i, r = -1;

	(void)state;
	snprintf(listener_path, sizeof(listener_path), "%s.deaf", xsd.socket);
	assert_true(strlen(listener_path) < sizeof(a.sun_path));
	memcpy(a.sun_path, listener_path, strlen(listener_path) + 1);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(listener >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(listener, 1), 0);
	assert_int_equal(setenv("XENSTORED_PATH", listener_path, 1), 0);
	stall_all(listener_close);
	assert_int_equal(listener_teardown(NULL), 0);
	/* The connections left waiting end with the listener: back to work. */
	for (i = 0; i < 200 && r != 0; i++) {
		assert_int_equal(xhp_ctx_new(&ctx), 0);
		r = xhp_xs_write(ctx, "/local/domain/0/back", "1");
		xhp_ctx_unref(ctx);
		if (r != 0)
			usleep(10000);
	}
	assert_int_equal(r, 0);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_xs_read(ctx, XBT_NULL, "/local/domain/0/back", &v),
			 0);
	assert_string_equal(v, "1");
	free(v);
	xhp_ctx_unref(ctx);
}

/*
 * The fallback, when the helper cannot unshare its descriptor table: a
 * child process whose seccomp filter refuses unshare() with EPERM (as
 * container profiles do). Contexts still never touch a foreign socket
 * (when another connection to xenstored appears at the same moment, the
 * call goes without a deadline rather than guess), and on a stopped
 * xenstored every call still times out in time. No cmocka in the child:
 * it exits 0 or says what failed.
 */
static int no_unshare(void)
{
	struct sock_filter f[] = {
#ifdef __x86_64__
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#endif
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -1;
	return unshare(CLONE_FILES) < 0 && errno == EPERM ? 0 : -1;
}

struct rw_worker {
	pthread_t th;
	int id;
	bool failed;
};

static void *rw_main(void *arg)
{
	struct rw_worker *w = arg;
	char path[64], val[16], *v;
	xhp_ctx *ctx;
	int i;

	for (i = 0; i < 40 && !w->failed; i++) {
		v = NULL;
		snprintf(path, sizeof(path), "/local/domain/0/fb/%d", w->id);
		snprintf(val, sizeof(val), "%d", i);
		if (xhp_ctx_new(&ctx) < 0)
			w->failed = true;
		else if (xhp_xs_write(ctx, path, val) < 0 ||
			 xhp_xs_read(ctx, XBT_NULL, path, &v) < 0 ||
			 strcmp(v, val))
			w->failed = true;
		free(v);
		xhp_ctx_unref(ctx);
	}
	return NULL;
}

static int fallback_child(void)
{
	struct rw_worker w[WORKERS];
	struct staller s[STALL_THREADS];
	pthread_t ch;
	int i, bad = 0;

	if (no_unshare() < 0) {
		printf("child: cannot refuse unshare() with seccomp\n");
		return 1;
	}
	churn_xsd = true;
	if (pthread_create(&ch, NULL, churn, NULL))
		return 1;
	for (i = 0; i < WORKERS; i++) {
		w[i] = (struct rw_worker){ .id = i };
		if (pthread_create(&w[i].th, NULL, rw_main, &w[i]))
			return 1;
	}
	for (i = 0; i < WORKERS; i++) {
		pthread_join(w[i].th, NULL);
		bad += w[i].failed;
	}
	atomic_store(&churn_stop, true);
	pthread_join(ch, NULL);
	printf("child: %d of %d workers failed; churn: %d foreign sockets "
	       "checked, %d with a timeout\n",
	       bad, WORKERS, atomic_load(&churn_checked),
	       atomic_load(&churn_foreign));
	if (bad || atomic_load(&churn_foreign))
		return 1;

	memset(s, 0, sizeof(s));
	kill(xsd.pid, SIGSTOP);
	for (i = 0; i < STALL_THREADS; i++)
		if (pthread_create(&s[i].th, NULL, staller_main, &s[i]))
			return 1;
	usleep(2 * STALL_TIMEOUT_MS * 1000);
	kill(xsd.pid, SIGCONT);
	for (i = 0; i < STALL_THREADS; i++) {
		pthread_join(s[i].th, NULL);
		if (s[i].r != -ETIMEDOUT || s[i].ms >= 2 * STALL_TIMEOUT_MS) {
			printf("child: staller %d: %d after %llu ms\n", i,
			       s[i].r, (unsigned long long)s[i].ms);
			bad++;
		}
	}
	return bad ? 1 : 0;
}

static void test_fallback_without_unshare(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	atomic_store(&churn_stop, false);
	atomic_store(&churn_foreign, 0);
	atomic_store(&churn_checked, 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		status = fallback_child();
		fflush(stdout);
		_exit(status);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	kill(xsd.pid, SIGCONT);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int setup(void **state)
{
	(void)state;
	return xsd_start(&xsd) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (xsd.pid > 0)
		kill(xsd.pid, SIGCONT);
	xsd_stop(&xsd);
	return xsd_exited_cleanly(&xsd) ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_vif_bridge),
		cmocka_unit_test(test_stalled_xenstored),
		cmocka_unit_test_teardown(test_connect_blocks,
					  listener_teardown),
		cmocka_unit_test(test_fallback_without_unshare),
	};

	tu_require_root("taps and a bridge in a network namespace");
	/* Before any thread: they all live in this namespace. */
	if (tu_netns_enter() < 0) {
		fprintf(stderr, "cannot make a network namespace\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
