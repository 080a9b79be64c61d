// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Allocation-failure sweep of the core paths: request parsing, the key
 * parsers, results, the xenstore report and the script runner's set-up.
 * Each path runs with its 1st, 2nd, ... allocation failing until it runs
 * with none failing; every failing run must return -ENOMEM (nothing
 * else, no crash). Leaks show up under -DXHP_SANITIZE=ON (LeakSanitizer
 * at exit fails the test).
 *
 * The library's objects are linked into this binary with
 * -Wl,--wrap=malloc,... so that their allocations come here; the
 * libraries they use (libxenstore, libc internals) allocate unhindered.
 */
#include <errno.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xhp/xhp.h>

#include "internal.h"
#include "keys.h"
#include "request.h"
#include "result.h"
#include "personality.h"
#include "testutil.h"
#include "xs.h"
#include "xsd_harness.h"

static struct {
	bool armed;
	unsigned long calls, fail_at, failed;
} A;

static bool fail_now(void)
{
	if (!A.armed)
		return false;
	if (++A.calls != A.fail_at)
		return false;
	A.failed++;
	errno = ENOMEM;
	if (getenv("XHP_ALLOC_TRACE")) {
		void *bt[16];

		backtrace_symbols_fd(bt, backtrace(bt, 16), 2);
	}
	return true;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_reallocarray(void *p, size_t n, size_t m);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **ret, const char *fmt, va_list ap);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_reallocarray(void *p, size_t n, size_t m);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **ret, const char *fmt, va_list ap);
int __wrap_asprintf(char **ret, const char *fmt, ...);

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return fail_now() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

void *__wrap_reallocarray(void *p, size_t n, size_t m)
{
	return fail_now() ? NULL : __real_reallocarray(p, n, m);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **ret, const char *fmt, va_list ap)
{
	if (fail_now())
		return -1;
	return __real_vasprintf(ret, fmt, ap);
}

int __wrap_asprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (fail_now())
		return -1;
	va_start(ap, fmt);
	r = __real_vasprintf(ret, fmt, ap);
	va_end(ap);
	return r;
}

static int problems;

/*
 * Run @fn with the 1st, 2nd, ... allocation failing until it runs with
 * none failing, which must return @want. Returns the allocation count.
 */
static unsigned long sweep(const char *name, int (*fn)(void), int want)
{
	unsigned long n;
	int r;

	for (n = 1;; n++) {
		A.calls = 0;
		A.failed = 0;
		A.fail_at = n;
		A.armed = true;
		r = fn();
		A.armed = false;
		if (!A.failed) {
			if (r != want) {
				fprintf(stderr,
					"# FAIL %s: %d without a fault\n", name,
					r);
				problems++;
			}
			break;
		}
		/* A run that fails anyway may keep its own error when an
		 * allocation of its failure report fails. */
		if (r != -ENOMEM && !(want < 0 && r == want)) {
			fprintf(stderr,
				"# FAIL %s: allocation %lu failing gave %d "
				"(%s), not -ENOMEM\n",
				name, n, r, strerror(-r));
			problems++;
		}
	}
	printf("%s: %lu allocations, each failed in turn\n", name, n - 1);
	fflush(stdout);
	return n - 1;
}

static char *const parse_argv[] = { "online", "type_if=vif", "bridge=xenbr0",
				    "ip=10.0.0.1 10.0.0.2", NULL };
static char *const parse_env[] = { "vif=vif1.0",
				   "XENBUS_PATH=backend/vif/1/0",
				   "XENBUS_TYPE=vif",
				   "XENBUS_BASE_PATH=backend",
				   "script=/etc/xen/scripts/vif-bridge",
				   "netdev=eth0",
				   "vifname=guest0",
				   NULL };

static int op_parse(void)
{
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return r;
	xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_request_parse(ctx, 4, parse_argv, parse_env, &req);
	if (r == 0 && (!xhp_request_setting(req, "bridge") ||
		       !xhp_request_setting(req, "netdev")))
		r = -EBADMSG;
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

static int op_request_new(void)
{
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return r;
	xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
			    "/local/domain/0/backend/vif/1/0", "vif1.0", &req);
	if (r == 0)
		r = xhp_request_set(req, "bridge", "xenbr0");
	if (r == 0)
		r = xhp_request_set(req, "mtu", "1400");
	if (r == 0)
		r = xhp_request_set(req, "bridge", "xenbr1");
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

static int op_keys(void)
{
	static struct xhp_vlan_spec vs;
	static struct xhp_bridge_spec bs;
	struct xhp_ip *ips = NULL;
	const char *why;
	size_t n;
	int r;

	r = xhp_parse_ip_list("10.0.0.1 10.0.0.2/24 2001:db8::1/64 192.0.2.9",
			      &ips, &n, &why);
	free(ips);
	if (r < 0)
		return r;
	r = xhp_parse_vlan_spec("5p/7-8/10", &vs, &why);
	if (r < 0)
		return r;
	return xhp_parse_bridge_spec("br-x_1.4094:30:1:20:30", &bs, &why);
}

static int op_result(void)
{
	xhp_result *res = xhp_result_new();
	int r;

	if (!res)
		return -ENOMEM;
	r = xhp_result_put(res, "node", "/dev/loop0");
	if (r == 0)
		r = xhp_result_put(res, "physical-device", "7:0");
	if (r == 0)
		r = xhp_result_put(res, "node", "/dev/loop1");
	if (r == 0)
		r = xhp_result_set_message(res, "something failed");
	if (r == 0 && strcmp(xhp_result_value(res, "node"), "/dev/loop1"))
		r = -EBADMSG;
	xhp_result_free(res);
	return r;
}

static int op_report(void)
{
	xhp_ctx *ctx;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return r;
	xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_device_report(ctx, "/local/domain/0/backend/vif/1/0",
			      XHP_STATUS_ERROR, "cannot enslave vif1.0");
	if (r == 0)
		r = xhp_device_report(ctx, "backend/vbd/1/51712",
				      XHP_STATUS_CONNECTED, NULL);
	xhp_ctx_unref(ctx);
	return r;
}

static int op_xs(void)
{
	char *name = NULL, *uuid = NULL;
	xhp_request *req = NULL;
	struct xhp_op op = { .p = &xhp_personality_vif_bridge,
			     .xenstore = true };
	xhp_ctx *ctx;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return r;
	xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_request_parse(ctx, 4, parse_argv, parse_env, &req);
	op.ctx = ctx;
	op.req = req;
	if (r == 0)
		r = xhp_op_resolve_settings(&op);
	if (r == 0)
		r = xhp_xs_vm_info(ctx, 1, &name, &uuid);
	if (r == 0 && (!name || strcmp(name, "guest1")))
		r = -EBADMSG;
	xhp_op_settings_free(&op);
	free(name);
	free(uuid);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/* A run that fails (no such vif): the failure's report and result. */
static int op_device_fail(void)
{
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return r;
	xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_request_parse(ctx, 4, parse_argv, parse_env, &req);
	if (r == 0)
		r = xhp_device_run(ctx, "vif-route", req, &res);
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

static char script_path[4096];

static int op_script(void)
{
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return r;
	xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_request_parse(ctx, 4, parse_argv, parse_env, &req);
	if (r == 0)
		r = xhp_script_run(ctx, script_path, req, &res);
	if (r == 0 && xhp_result_status(res) != XHP_STATUS_CONNECTED)
		r = -EBADMSG;
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/* The tap vif1.0 as a guest's vif is found: down, its own MAC and an
 * address, on no bridge (unarmed: the commands allocate too). */
/*
 * xhp_settings_set_policy(): a failing call leaves the set exactly as it
 * was (the policy's four values replace earlier ones, all or none).
 */
static char policy_conf[600];

static char *settings_dump(const xhp_settings *s)
{
	char *out = calloc(1, 8192), *e;
	const char *k, *v;
	unsigned int i;

	for (i = 0; out && (k = xhp_setting_key_at(i)); i++) {
		v = xhp_settings_get(s, k);
		e = out + strlen(out);
		snprintf(e, 8192 - (size_t)(e - out), "%s=%s\n", k,
			 v ? v : "(unset)");
	}
	return out;
}

static int op_set_policy(void)
{
	bool armed = A.armed;
	char *before, *after, *name = NULL;
	xhp_settings *s = NULL;
	xhp_ctx *ctx = NULL;
	int r;

	A.armed = false;
	if (xhp_ctx_new(&ctx) < 0 || xhp_settings_new(ctx, &s) < 0 ||
	    xhp_settings_set(s, "antispoof", "off") < 0 ||
	    xhp_settings_set(s, "vlan", "7") < 0 ||
	    xhp_settings_set(s, "mac", "52:54:00:00:00:01") < 0)
		abort();
	before = settings_dump(s);
	A.armed = armed;
	r = xhp_settings_set_policy(s, policy_conf, "lan", "web", NULL, &name);
	A.armed = false;
	after = settings_dump(s);
	if (!before || !after)
		abort();
	if (r < 0 && strcmp(before, after)) {
		fprintf(stderr,
			"# set_policy failed (%d) and changed the set:\n%s-> \n%s",
			r, before, after);
		r = -EBADMSG;
	}
	if (r == 1) /* matched: the policy's values, the rest kept */
		r = strstr(after, "antispoof=on\n") &&
				    strstr(after, "isolated=yes\n") &&
				    strstr(after, "rate=1000,50000\n") &&
				    strstr(after, "vlan=10p/20-30\n") &&
				    strstr(after, "mac=52:54:00:00:00:01\n") &&
				    name && !strcmp(name, "web") ?
			    0 :
			    -EBADMSG;
	free(name);
	free(before);
	free(after);
	xhp_settings_free(s);
	xhp_ctx_unref(ctx);
	A.armed = armed;
	return r;
}

static void tap_reset(void)
{
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	tu_runl(NULL, "ip", "tuntap", "add", "vif1.0", "mode", "tap", NULL);
	tu_runl(NULL, "ip", "link", "set", "vif1.0", "address",
		"02:11:22:33:44:55", NULL);
	tu_runl(NULL, "ip", "addr", "add", "192.0.2.7/24", "dev", "vif1.0",
		NULL);
}

/* What a run could change on the tap: link (name, state, MTU, master,
 * MAC) and addresses; caller frees. */
static char *tap_state(void)
{
	char *l = NULL, *a = NULL, *both = NULL, *q, *e;

	tu_runl(&l, "ip", "-o", "link", "show", "dev", "vif1.0", NULL);
	tu_runl(&a, "ip", "-o", "addr", "show", "dev", "vif1.0", NULL);
	/* Not the qdisc: the kernel gives a link one at its first up and
	 * keeps it, whatever the run put back. */
	if (l && (q = strstr(l, " qdisc ")) && (e = strchr(q + 7, ' ')))
		memmove(q, e, strlen(e) + 1);
	if (asprintf(&both, "%s%s", l ? l : "", a ? a : "") < 0)
		both = NULL;
	free(l);
	free(a);
	return both;
}

static int vif_bridge_online(void)
{
	xhp_request *req = NULL;
	xhp_ctx *ctx;
	int r;

	r = xhp_ctx_new(&ctx);
	if (r < 0)
		return r;
	xhp_ctx_set_log_priority(ctx, LOG_CRIT);
	r = xhp_request_new(ctx, XHP_ACTION_ONLINE, XHP_KIND_VIF,
			    "backend/vif/1/0", "vif1.0", &req);
	if (r == 0)
		r = xhp_device_run(ctx, "vif-bridge", req, NULL);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	return r;
}

/*
 * A real vif-bridge online (a tap onto a bridge in this test's network
 * namespace) with each allocation failing in turn: every failing run
 * returns -ENOMEM and leaves the tap exactly as it found it (the undo
 * journal replayed; its own entries were made room for before each
 * change), and the run with none failing plumbs it.
 */
static void sweep_online_residue(void)
{
	unsigned long n;
	char *before, *after;
	int r;

	if (geteuid() != 0 || tu_netns_enter() < 0) {
		fprintf(stderr, "# FAIL vif-bridge online: needs root and a "
				"network namespace\n");
		problems++;
		return;
	}
	tu_runl(NULL, "ip", "link", "add", "br0", "type", "bridge", NULL);
	tu_runl(NULL, "ip", "link", "set", "br0", "up", NULL);
	for (n = 1;; n++) {
		tap_reset();
		before = tap_state();
		A.calls = 0;
		A.failed = 0;
		A.fail_at = n;
		A.armed = true;
		r = vif_bridge_online();
		A.armed = false;
		after = tap_state();
		if (!A.failed) {
			if (r != 0 || !after || !strstr(after, "master br0")) {
				fprintf(stderr,
					"# FAIL vif-bridge online: %d without a "
					"fault: %s\n",
					r, after ? after : "?");
				problems++;
			}
			free(before);
			free(after);
			break;
		}
		if (r != -ENOMEM || !before || !after ||
		    strcmp(before, after)) {
			fprintf(stderr,
				"# FAIL vif-bridge online: allocation %lu "
				"failing gave %d, tap before:\n%s\nafter:\n%s\n",
				n, r, before ? before : "?",
				after ? after : "?");
			problems++;
		}
		free(before);
		free(after);
	}
	printf("vif-bridge online: %lu allocations, each failed in turn, no "
	       "residue\n",
	       n - 1);
	fflush(stdout);
}

int main(void)
{
	struct xsd xsd = XSD_INIT;

	/* Every allocation of a key parser is checked, none needs root. */
	sweep("request parse", op_parse, 0);
	sweep("request new/set", op_request_new, 0);
	sweep("key parsers", op_keys, 0);
	sweep("result", op_result, 0);
	{
		char *d = tu_mkdtemp("alloc-conf");
		FILE *f;

		snprintf(policy_conf, sizeof(policy_conf), "%s/xhp.conf", d);
		f = fopen(policy_conf, "w");
		if (!f)
			return 1;
		fputs("[policy web]\nantispoof = on\nisolated = yes\n"
		      "rate = 1000,50000\nvlan = 10p/20-30\n"
		      "[portgroup lan/web]\npolicy = web\n",
		      f);
		fclose(f);
		sweep("settings from a policy", op_set_policy, 0);
		tu_rmtree(d);
		free(d);
	}
	if (xsd_start(&xsd) < 0) {
		perror("xsd_start");
		return 1;
	}
	{
		struct xs_handle *h = xs_open(0);
		static const char *const kv[][2] = {
			{ "/local/domain/1/vm", "/vm/u1" },
			{ "/vm/u1/name", "guest1" },
			{ "/vm/u1/uuid", "u1" },
			{ "/local/domain/0/backend/vif/1/0/frontend-id", "1" },
			{ "/local/domain/0/backend/vif/1/0/bridge", "br0" },
			{ "/local/domain/1/device/vif/0/state", "1" },
			{ "/local/domain/0/backend/vbd/1/51712/frontend-id",
			  "1" },
		};

		for (size_t i = 0; h && i < ARRAY_SIZE(kv); i++)
			tu_xs_write(h, kv[i][0], kv[i][1]);
		if (h)
			xs_close(h);
	}
	sweep("xenstore report", op_report, 0);
	sweep("xenstore settings", op_xs, 0);
	sweep("failed run and its report", op_device_fail, -ENODEV);
	snprintf(script_path, sizeof(script_path), "%s",
		 XHP_SOURCE_DIR "/tests/script/scripts/report-ok");
	sweep("script runner", op_script, 0);
	sweep_online_residue();
	xsd_stop(&xsd);
	return problems ? 1 : 0;
}
