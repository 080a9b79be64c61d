// SPDX-License-Identifier: LGPL-2.1-or-later
/* Shared set-up for the vif-route tests and benchmark (route_util.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <xhp/xhp.h>

#include "personality.h"
#include "route_util.h"
#include "testutil.h"

extern char **environ;

static int sh(const char *const argv[])
{
	char *out = NULL;
	int r = tu_run((char *const *)argv, NULL, 30000, &out);

	if (r != 0)
		fprintf(stderr, "%s failed (%d): %s\n", argv[0], r,
			out ? out : "");
	free(out);
	return r == 0 ? 0 : -1;
}

#define SH(...) sh((const char *const[]){ __VA_ARGS__, NULL })

static int write_sysctl(const char *path, const char *value)
{
	FILE *f = fopen(path, "we");
	int r;

	if (!f)
		return -1;
	r = fputs(value, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

int ru_setup(struct ru_env *e, bool gw4, bool gw6)
{
	struct stat st;

	memset(e, 0, sizeof(*e));
	e->xsd = (struct xsd)XSD_INIT;
	if (tu_netns_enter() < 0) {
		fprintf(stderr, "cannot enter a new netns\n");
		return -1;
	}
	/* No duplicate address detection here: link-local addresses that
	 * turn from tentative to valid between two snapshots are not what
	 * the tests look at. */
	if (write_sysctl("/proc/sys/net/ipv6/conf/all/accept_dad", "0") < 0 ||
	    write_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "0") < 0)
		return -1;
	if (SH("ip", "link", "add", RU_GW, "type", "veth", "peer", "name",
	       "eth0p") ||
	    SH("ip", "link", "set", RU_GW, "up") ||
	    SH("ip", "link", "set", "eth0p", "up"))
		return -1;
	if (gw4 && SH("ip", "addr", "add", RU_GW4 "/24", "dev", RU_GW))
		return -1;
	if (gw6 && SH("ip", "addr", "add", RU_GW6 "/64", "dev", RU_GW, "nodad"))
		return -1;
	if (stat("/var/log/xen", &st) < 0) {
		if (mkdir("/var/log/xen", 0755) < 0)
			return -1;
		e->var_log_xen = strdup("/var/log/xen");
	}
	if (xsd_start(&e->xsd) < 0) {
		fprintf(stderr, "xsd_start: %s\n", strerror(errno));
		return -1;
	}
	return tu_xs_write(NULL, RU_KEY("frontend-id"), "3");
}

void ru_teardown(struct ru_env *e)
{
	xsd_stop(&e->xsd);
	if (e->var_log_xen) {
		tu_rmtree(e->var_log_xen);
		free(e->var_log_xen);
		e->var_log_xen = NULL;
	}
}

int ru_tap(const char *name)
{
	return SH("ip", "tuntap", "add", "dev", name, "mode", "tap");
}

/* The protocol's environment for one run, plus @extra. */
static char **run_env(bool tap, const char *const extra[])
{
	const char *add[32];
	size_t n = 0;

	add[n++] = "XENBUS_PATH=" RU_BACKEND;
	add[n++] = "XENBUS_TYPE=vif";
	add[n++] = "XENBUS_BASE_PATH=backend";
	add[n++] = "script=vif-route";
	add[n++] = tap ? "INTERFACE=" RU_TAP : "vif=" RU_VIF;
	while (extra && *extra && n < 31)
		add[n++] = *extra++;
	add[n] = NULL;
	return tu_env(NULL, add);
}

static int ours(const char *action, bool tap, const char *const extra[],
		char **msg, bool dry, xhp_log_fn log_fn, void *userdata)
{
	char *argv[] = { (char *)action,
			 (char *)(tap ? "type_if=tap" : "type_if=vif"), NULL };
	char **env = run_env(tap, extra);
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	xhp_ctx *ctx = NULL;
	int r;

	if (!env || xhp_ctx_new(&ctx) < 0) {
		tu_env_free(env);
		return -1;
	}
	xhp_ctx_set_dry_run(ctx, dry);
	if (log_fn) {
		xhp_ctx_set_log_fn(ctx, log_fn, userdata);
		xhp_ctx_set_log_priority(ctx, LOG_DEBUG);
	}
	r = xhp_request_parse(ctx, 2, argv, env, &req);
	if (r == 0)
		r = xhp_device_run(ctx, "vif-route", req, &res);
	if (msg)
		*msg = strdup(
			xhp_ctx_last_error(ctx) ? xhp_ctx_last_error(ctx) : "");
	r = res ? xhp_result_exit_code(res) : 1;
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_ctx_unref(ctx);
	tu_env_free(env);
	return r;
}

int ru_ours(const char *action, bool tap, const char *const extra[], char **msg)
{
	return ours(action, tap, extra, msg, false, NULL, NULL);
}

int ru_ours_log(const char *action, bool tap, const char *const extra[],
		xhp_log_fn fn, void *userdata)
{
	return ours(action, tap, extra, NULL, false, fn, userdata);
}

int ru_ours_dry(const char *action, bool tap, const char *const extra[])
{
	return ours(action, tap, extra, NULL, true, NULL, NULL);
}

static int run_script(const char *prog, const char *first, const char *action,
		      bool tap, const char *const extra[])
{
	char *argv[] = { (char *)prog, (char *)first, (char *)action,
			 (char *)(tap ? "type_if=tap" : "type_if=vif"), NULL };
	char **env = run_env(tap, extra);
	char *out = NULL;
	int r;

	if (!env)
		return -1;
	r = first ? tu_run(argv, env, 60000, &out) :
		    tu_run((char *[]){ argv[0], argv[2], argv[3], NULL }, env,
			   60000, &out);
	if (r != 0 && getenv("RU_VERBOSE"))
		fprintf(stderr, "%s %s: %d: %s\n", prog, action, r, out);
	free(out);
	tu_env_free(env);
	return r;
}

int ru_ours_cli(const char *action, bool tap, const char *const extra[])
{
	return run_script(XHP_CLI, "vif-route", action, tap, extra);
}

int ru_xen(const char *action, bool tap, const char *const extra[])
{
	return run_script(XEN_VIF_ROUTE, NULL, action, tap, extra);
}

json_t *ru_ip_json(const char *const args[])
{
	const char *argv[32] = { "ip", "-d", "-j" };
	size_t n = 3;
	json_error_t err;
	char *out = NULL;
	json_t *j = NULL;
	int r;

	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	r = tu_run((char *const *)argv, NULL, 30000, &out);
	if (r == 0 && out)
		j = json_loads(out[0] ? out : "[]", 0, &err);
	free(out);
	return j;
}

json_t *ru_routes(const char *dev)
{
	return ru_ip_json((const char *const[]){ "route", "show", "table",
						 "all", "dev", dev, NULL });
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *ru_find_route(json_t *routes, const char *dst)
{
	size_t i;
	json_t *r;

	json_array_foreach(routes, i, r) {
		const char *d = jstr(r, "dst"), *t = jstr(r, "table");

		if (d && !strcmp(d, dst) && t && !strcmp(t, "main"))
			return r;
	}
	return NULL;
}

int ru_proxy_count(const char *dev, const char *dst)
{
	json_t *j = ru_ip_json(
		(const char *const[]){ "-6", "neigh", "show", "proxy", NULL });
	size_t i;
	json_t *e;
	int n = 0;

	json_array_foreach(j, i, e) {
		const char *d = jstr(e, "dst"), *v = jstr(e, "dev");

		if (v && !strcmp(v, dev) && d && (!dst || !strcmp(d, dst)))
			n++;
	}
	json_decref(j);
	return n;
}

static json_t *link_json(const char *dev)
{
	json_t *j = ru_ip_json(
		(const char *const[]){ "addr", "show", "dev", dev, NULL });
	json_t *l;

	if (!j)
		return NULL;
	l = json_incref(json_array_get(j, 0));
	json_decref(j);
	return l;
}

bool ru_has_addr(const char *dev, const char *local, int prefix)
{
	json_t *l = link_json(dev), *a;
	bool found = false;
	size_t i;

	json_array_foreach(json_object_get(l, "addr_info"), i, a) {
		const char *s = jstr(a, "local");

		if (s && !strcmp(s, local) &&
		    json_integer_value(json_object_get(a, "prefixlen")) ==
			    prefix)
			found = true;
	}
	json_decref(l);
	return found;
}

int ru_addr_count(const char *dev, int family)
{
	json_t *l = link_json(dev), *a;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(l, "addr_info"), i, a) {
		const char *f = jstr(a, "family"), *s = jstr(a, "local");

		if (!f || !s)
			continue;
		if (family == 4 && !strcmp(f, "inet"))
			n++;
		if (family == 6 && !strcmp(f, "inet6") &&
		    strncmp(s, "fe80:", 5))
			n++;
	}
	json_decref(l);
	return n;
}

bool ru_link_up(const char *dev)
{
	json_t *l = link_json(dev), *f;
	bool up = false;
	size_t i;

	json_array_foreach(json_object_get(l, "flags"), i, f)
		if (json_is_string(f) && !strcmp(json_string_value(f), "UP"))
			up = true;
	json_decref(l);
	return up;
}

bool ru_link_exists(const char *dev)
{
	json_t *l = link_json(dev);
	bool e = l != NULL;

	json_decref(l);
	return e;
}

int ru_sysctl_set(int family, const char *dev, const char *name, int value)
{
	char path[256], v[16];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv%d/conf/%s/%s", family,
		 dev, name);
	snprintf(v, sizeof(v), "%d\n", value);
	return write_sysctl(path, v);
}

int ru_sysctl(int family, const char *dev, const char *name)
{
	char path[256], *v;
	int n;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv%d/conf/%s/%s", family,
		 dev, name);
	v = tu_read_file(path);
	if (!v)
		return -1;
	n = atoi(v);
	free(v);
	return n;
}

/* ---- normalised state ---- */

struct lines {
	char **v;
	size_t n;
};

static void add_line(struct lines *l, char *s)
{
	char **n = realloc(l->v, (l->n + 1) * sizeof(*n));

	if (!n || !s) {
		free(s);
		return;
	}
	l->v = n;
	l->v[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char * or (const char *s)
{
	return s ? s : "-";
}

char *ru_state(const char *dev)
{
	struct lines l = { 0 };
	json_t *link = link_json(dev), *routes, *a;
	size_t i, len = 1;
	char *s, *out;

	add_line(&l, strdup(link ? "link present" : "link absent"));
	if (asprintf(&s, "up %d", ru_link_up(dev)) >= 0)
		add_line(&l, s);
	if (asprintf(&s, "proxy_arp %d", ru_sysctl(4, dev, "proxy_arp")) >= 0)
		add_line(&l, s);
	json_array_foreach(json_object_get(link, "addr_info"), i, a) {
		const char *loc = jstr(a, "local");

		if (!loc || !strncmp(loc, "fe80:", 5))
			continue;
		if (asprintf(&s, "addr %s/%lld scope %s", loc,
			     json_integer_value(json_object_get(a, "prefixlen")),
			     or (jstr(a, "scope"))) >= 0)
			add_line(&l, s);
	}
	json_decref(link);
	routes = ru_routes(dev);
	json_array_foreach(routes, i, a) {
		const char *d = jstr(a, "dst");

		if (d && !strncmp(d, "fe80:", 5))
			continue;
		if (d && !strncmp(d, "ff00:", 5))
			continue;
		if (asprintf(&s,
			     "route %s table %s type %s proto %s scope %s "
			     "src %s metric %lld",
			     or (d), or (jstr(a, "table")),
			     or (jstr(a, "type")), or (jstr(a, "protocol")),
			     or (jstr(a, "scope")), or (jstr(a, "prefsrc")),
			     json_integer_value(
				     json_object_get(a, "metric"))) >= 0)
			add_line(&l, s);
	}
	json_decref(routes);
	if (asprintf(&s, "proxies %d", ru_proxy_count(RU_GW, NULL)) >= 0)
		add_line(&l, s);
	qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	for (i = 0; i < l.n; i++)
		len += strlen(l.v[i]) + 1;
	out = malloc(len);
	if (out) {
		out[0] = '\0';
		for (i = 0; i < l.n; i++) {
			strcat(out, l.v[i]);
			strcat(out, "\n");
		}
	}
	for (i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return out;
}
