// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-hotplug status [--json] [--repair] [DOMID[.DEVID]]
 *
 * Every backend device of this domain (vif, vbd, vbd3) as the library
 * inspects it (xhp/inspect.h), then xhp's leftovers on the host. With
 * --repair, a connected device whose plumbing drifted is re-plugged
 * (xhp_inspection_repair()) and inspected again, and each leftover is
 * removed (xhp_leftovers_remove(): only what carries xhp's marks).
 * The heals xhp-devd counted show when its state file exists
 * (--devd-state, default /run/xhp/devd-<self>.json).
 * The JSON schema is documented in xhp-hotplug(8); its "version" grows
 * only when a field changes meaning (new fields may be added).
 * Exit: 0 clean (nothing drifts and no leftovers, after any repair),
 * 1 drift, leftovers or a failure, 2 usage.
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"

#define STATUS_JSON_VERSION 1

enum { ST_CLEAN = 0, ST_DRIFT = 1, ST_USAGE = 2 };

struct status_opts {
	bool json, repair;
	int domid; /* -1: all */
	long devid; /* -1: all */
	const char *lock_dir; /* NULL: the library's default */
	const char *devd_state; /* NULL: /run/xhp/devd-<self>.json */
};

struct status {
	struct status_opts o;
	xhp_ctx *ctx;
	json_t *devices, *leftovers;
	bool dirty;
	/* xhp-devd's heal counters (xhp-devd(8)), NULL without the file */
	json_t *heals;
	bool heals_read;
};

/* DOMID or DOMID.DEVID, decimal. */
static int parse_target(const char *s, struct status_opts *o)
{
	char *end;
	long d, n = -1;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	d = strtol(s, &end, 10);
	if (errno || d > 32751)
		return -EINVAL;
	if (*end == '.') {
		s = end + 1;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = strtol(s, &end, 10);
		if (errno || n > 0x7fffffff)
			return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	o->domid = (int)d;
	o->devid = n;
	return 0;
}

static int parse_args(int argc, char **argv, struct status_opts *o)
{
	int i;

	o->domid = -1;
	o->devid = -1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--repair")) {
			o->repair = true;
		} else if (!strcmp(argv[i], "--lock-dir") && i + 1 < argc) {
			o->lock_dir = argv[++i];
		} else if (!strcmp(argv[i], "--devd-state") && i + 1 < argc) {
			o->devd_state = argv[++i];
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			printf("Usage: xhp-hotplug status [--json] [--repair] [--lock-dir DIR] [--devd-state FILE] [DOMID[.DEVID]]\n");
			return 1;
		} else if (argv[i][0] != '-' && o->domid < 0 &&
			   parse_target(argv[i], o) == 0) {
			continue;
		} else {
			cli_log(LOG_ERR,
				"status: bad argument '%.64s' (usage: xhp-hotplug status [--json] [--repair] [DOMID[.DEVID]])",
				argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Control bytes of untrusted text shown as '?' (one line per row). */
static const char *clean(char *buf, size_t size, const char *s)
{
	size_t i;

	snprintf(buf, size, "%s", s ? s : "-");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	return buf;
}

/*
 * Untrusted text as a JSON string (null for NULL). jansson takes only
 * UTF-8 and returns NULL otherwise, which dropped the key or, through
 * json_pack, the whole drift: bytes of another encoding become '?'.
 * Control characters are escaped by the dump.
 */
static json_t *str_or_null(const char *s)
{
	json_t *j;
	char *c;
	size_t i;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	c = strdup(s);
	if (!c)
		return NULL;
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] >= 0x80)
			c[i] = '?';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *facts(const xhp_inspection *ins, int side)
{
	json_t *o = json_object();
	const char *k, *v;
	size_t i;

	for (i = 0; o && xhp_inspection_value_at(ins, side, i, &k, &v) == 0;
	     i++)
		json_object_set_new(o, k, str_or_null(v));
	return o;
}

static json_t *drifts(const xhp_inspection *ins)
{
	json_t *a = json_array();
	const char *code, *msg;
	size_t i;

	for (i = 0; a && xhp_inspection_drift_at(ins, i, &code, &msg) > 0; i++)
		json_array_append_new(
			a, json_pack("{sososo}", "code", str_or_null(code),
				     "message", str_or_null(msg), "device",
				     str_or_null(xhp_inspection_drift_device(
					     ins, i))));
	return a;
}

/* "vif1.0 up mtu 1500 on br0", "/dev/loop3 of /images/a.img", "-". */
static void host_summary(const xhp_inspection *ins, char *buf, size_t size)
{
	const char *link = xhp_inspection_value(ins, XHP_INSPECT_HOST, "link");
	const char *up = xhp_inspection_value(ins, XHP_INSPECT_HOST, "up");
	const char *mtu = xhp_inspection_value(ins, XHP_INSPECT_HOST, "mtu");
	const char *br = xhp_inspection_value(ins, XHP_INSPECT_HOST, "master");
	const char *ovs =
		xhp_inspection_value(ins, XHP_INSPECT_HOST, "ovs-bridge");
	const char *loop = xhp_inspection_value(ins, XHP_INSPECT_HOST, "loop");
	const char *file =
		xhp_inspection_value(ins, XHP_INSPECT_HOST, "backing-file");

	if (link)
		snprintf(buf, size, "%s %s mtu %s%s%s%s", link,
			 up && !strcmp(up, "1") ? "up" : "down",
			 mtu ? mtu : "?", br || ovs ? " on " : "",
			 br ? br : (ovs ? "ovs:" : ""), br ? "" : (ovs ?: ""));
	else if (loop)
		snprintf(buf, size, "%s of %s", loop, file ? file : "?");
	else
		snprintf(buf, size, "-");
}

/* The emulated NIC's tap, when it exists: "vif1.0-emu up mtu 1500 on
 * br0" (a line of its own under its vif's row). */
static bool tap_summary(const xhp_inspection *ins, char *buf, size_t size)
{
	const char *tap = xhp_inspection_value(ins, XHP_INSPECT_HOST, "tap");
	const char *up = xhp_inspection_value(ins, XHP_INSPECT_HOST, "tap-up");
	const char *mtu =
		xhp_inspection_value(ins, XHP_INSPECT_HOST, "tap-mtu");
	const char *br =
		xhp_inspection_value(ins, XHP_INSPECT_HOST, "tap-master");
	const char *ovs =
		xhp_inspection_value(ins, XHP_INSPECT_HOST, "tap-ovs-bridge");

	if (!tap)
		return false;
	snprintf(buf, size, "%s %s mtu %s%s%s%s", tap,
		 up && !strcmp(up, "1") ? "up" : "down", mtu ? mtu : "?",
		 br || ovs ? " on " : "", br ? br : (ovs ? "ovs:" : ""),
		 br ? "" : (ovs ?: ""));
	return true;
}

/*
 * The heals xhp-devd counted for @path: read once from its state file
 * ({"domid": D, "devices": {"<backend path>": {"heals": N, ...}}}),
 * whose default name has this domain's id (from @path). -1: no file or
 * no entry.
 */
static json_int_t heals_of(struct status *st, const char *path)
{
	unsigned int self = 0;
	char def[64];
	json_t *d;

	if (!st->heals_read) {
		st->heals_read = true;
		if (!st->o.devd_state &&
		    sscanf(path, "/local/domain/%u/", &self) == 1)
			snprintf(def, sizeof(def), "/run/xhp/devd-%u.json",
				 self);
		st->heals = json_load_file(st->o.devd_state ?: def, 0, NULL);
		if (st->heals &&
		    !json_is_object(json_object_get(st->heals, "devices"))) {
			json_decref(st->heals);
			st->heals = NULL;
		}
	}
	d = st->heals ? json_object_get(json_object_get(st->heals, "devices"),
					path) :
			NULL;
	d = json_object_get(d, "heals");
	return json_is_integer(d) ? json_integer_value(d) : -1;
}

static void print_row(const char *type, const xhp_inspection *ins,
		      unsigned int domid, unsigned int devid, json_int_t heals)
{
	char c1[64], c2[32], c3[32], c4[512], c5[512], c6[32];
	const char *code, *msg;
	size_t i;

	host_summary(ins, c4, sizeof(c4));
	if (heals >= 0)
		snprintf(c6, sizeof(c6), "%lld", (long long)heals);
	else
		snprintf(c6, sizeof(c6), "-");
	printf("%-5s %-9s %-16s %-5s %-10s %-5s %s\n", type,
	       (snprintf(c1, sizeof(c1), "%u.%u", domid, devid), c1),
	       clean(c2, sizeof(c2), xhp_inspection_personality(ins)),
	       clean(c3, sizeof(c3),
		     xhp_inspection_value(ins, XHP_INSPECT_XENSTORE, "state")),
	       xhp_inspection_value(ins, XHP_INSPECT_XENSTORE, "hotplug-status") ?:
		       "-",
	       c6, clean(c5, sizeof(c5), c4));
	if (tap_summary(ins, c4, sizeof(c4)))
		printf("      tap %s\n", clean(c5, sizeof(c5), c4));
	for (i = 0; xhp_inspection_drift_at(ins, i, &code, &msg) > 0; i++)
		printf("      drift %s: %s\n", code,
		       clean(c4, sizeof(c4), msg));
}

/* --repair: re-plug, inspect again; the outcome into @dev (JSON). */
static int repair(struct status *st, const xhp_request *req,
		  xhp_inspection **ins, json_t *dev)
{
	const char *what;
	xhp_inspection *again = NULL;
	char msg[1024];
	int r;

	r = xhp_inspection_repair(st->ctx, *ins, NULL);
	snprintf(msg, sizeof(msg), "%s", xhp_ctx_last_error(st->ctx));
	what = r == 0		? "repaired" :
	       r == -EOPNOTSUPP ? "not-repairable" :
				  "failed";
	if (!st->o.json)
		printf("      repair: %s%s%s\n", what, r < 0 ? ": " : "",
		       r < 0 ? msg : "");
	else
		json_object_set_new(
			dev, "repair",
			json_pack("{ssso}", "result", what, "message",
				  r < 0 ? json_string(msg) : json_null()));
	if (r < 0)
		cli_log(LOG_WARNING, "%s: %s",
			xhp_inspection_backend_path(*ins), msg);
	else
		cli_log(LOG_NOTICE, "%s: repaired",
			xhp_inspection_backend_path(*ins));
	if (xhp_device_inspect(st->ctx, req, &again) == 0) {
		xhp_inspection_free(*ins);
		*ins = again;
	}
	return r;
}

static int one_device(struct status *st, const char *type, const char *path)
{
	const char *tail = strrchr(path, '/'), *p;
	unsigned int domid, devid;
	xhp_inspection *ins = NULL;
	xhp_request *req = NULL;
	json_t *dev = NULL;
	json_int_t heals;
	char name[32];
	int kind, r;

	for (p = tail - 1; p > path && *p != '/'; p--)
		;
	if (sscanf(p, "/%u/%u", &domid, &devid) != 2)
		return 0;
	if (st->o.devid >= 0 && (long)devid != st->o.devid)
		return 0;
	kind = !strcmp(type, "vif") ? XHP_KIND_VIF :
	       !strcmp(type, "vbd") ? XHP_KIND_VBD :
				      XHP_KIND_VBD3;
	snprintf(name, sizeof(name), "vif%u.%u", domid, devid);
	r = xhp_request_new(st->ctx, XHP_ACTION_ONLINE, kind, path,
			    kind == XHP_KIND_VIF ? name : NULL, &req);
	if (r >= 0)
		r = xhp_device_inspect(st->ctx, req, &ins);
	if (r == -ENOENT) { /* removed since the listing */
		xhp_request_free(req);
		return 0;
	}
	if (r < 0) {
		cli_log(LOG_ERR, "status: %s: %s", path,
			xhp_ctx_last_error(st->ctx));
		st->dirty = true;
		xhp_request_free(req);
		return r;
	}
	if (st->o.json)
		dev = json_object();
	heals = heals_of(st, path);
	if (!st->o.json)
		print_row(type, ins, domid, devid, heals);
	if (st->o.repair && xhp_inspection_drift_count(ins))
		repair(st, req, &ins, dev);
	if (xhp_inspection_drift_count(ins))
		st->dirty = true;
	if (dev) {
		json_object_set_new(dev, "type", json_string(type));
		json_object_set_new(dev, "domid", json_integer(domid));
		json_object_set_new(dev, "devid", json_integer(devid));
		json_object_set_new(dev, "backend", json_string(path));
		json_object_set_new(
			dev, "personality",
			str_or_null(xhp_inspection_personality(ins)));
		json_object_set_new(
			dev, "state",
			str_or_null(xhp_inspection_value(
				ins, XHP_INSPECT_XENSTORE, "state")));
		json_object_set_new(
			dev, "hotplug_status",
			str_or_null(xhp_inspection_value(
				ins, XHP_INSPECT_XENSTORE, "hotplug-status")));
		json_object_set_new(
			dev, "connected",
			json_boolean(xhp_inspection_connected(ins)));
		json_object_set_new(dev, "xenstore",
				    facts(ins, XHP_INSPECT_XENSTORE));
		json_object_set_new(dev, "host", facts(ins, XHP_INSPECT_HOST));
		json_object_set_new(dev, "drift", drifts(ins));
		json_object_set_new(dev, "heals",
				    heals >= 0 ? json_integer(heals) :
						 json_null());
		json_array_append_new(st->devices, dev);
	}
	xhp_inspection_free(ins);
	xhp_request_free(req);
	return 0;
}

static int devices(struct status *st)
{
	static const char *const types[] = { "vif", "vbd", "vbd3" };
	char **list;
	size_t t;
	int r, n, i;

	if (!st->o.json)
		printf("%-5s %-9s %-16s %-5s %-10s %-5s %s\n", "TYPE", "DEVICE",
		       "PERSONALITY", "STATE", "HOTPLUG", "HEALS", "HOST");
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		n = xhp_backend_list(st->ctx, types[t], st->o.domid, &list);
		if (n < 0) {
			cli_log(LOG_ERR, "status: %s",
				xhp_ctx_last_error(st->ctx));
			return n;
		}
		for (i = 0; i < n; i++) {
			r = one_device(st, types[t], list[i]);
			if (r < 0 && r != -ENOENT && r != -ENODEV)
				break;
		}
		xhp_backend_list_free(list);
	}
	return 0;
}

static int leftovers(struct status *st)
{
	const char *name, *msg, *kind;
	xhp_leftovers *l = NULL;
	int k, domid, r;
	json_t *o;
	size_t i;

	r = xhp_leftovers_scan(st->ctx, &l);
	if (r < 0) {
		cli_log(LOG_ERR, "status: %s", xhp_ctx_last_error(st->ctx));
		return r;
	}
	for (i = 0; (k = xhp_leftovers_at(l, i, &name, &domid, &msg)) > 0;
	     i++) {
		if (st->o.domid >= 0 && domid != st->o.domid)
			continue;
		kind = xhp_leftover_to_string(k);
		r = st->o.repair ? xhp_leftovers_remove(st->ctx, l, i) : -1;
		if (!st->o.repair || r < 0)
			st->dirty = true;
		if (st->o.repair && r < 0)
			cli_log(LOG_WARNING, "status: %s",
				xhp_ctx_last_error(st->ctx));
		if (!st->o.json) {
			printf("leftover %s %s: %s%s\n", kind, name, msg,
			       !st->o.repair ? "" :
			       r >= 0	     ? " (removed)" :
					       " (not removed)");
			continue;
		}
		o = json_pack("{sssssoss}", "kind", kind, "name", name, "domid",
			      domid < 0 ? json_null() : json_integer(domid),
			      "message", msg);
		if (o && st->o.repair)
			json_object_set_new(o, "removed", json_boolean(r >= 0));
		json_array_append_new(st->leftovers, o);
	}
	xhp_leftovers_free(l);
	return 0;
}

int cli_status(xhp_ctx *ctx, int argc, char **argv)
{
	struct status st = { .ctx = ctx };
	json_t *top;
	int r;

	r = parse_args(argc, argv, &st.o);
	if (r != 0)
		return r > 0 ? ST_CLEAN : ST_USAGE;
	if (st.o.lock_dir && xhp_ctx_set_lock_dir(ctx, st.o.lock_dir) < 0) {
		cli_log(LOG_ERR, "status: bad --lock-dir: %s",
			xhp_ctx_last_error(ctx));
		return ST_USAGE;
	}
	st.devices = json_array();
	st.leftovers = json_array();
	if (!st.devices || !st.leftovers) {
		json_decref(st.devices);
		json_decref(st.leftovers);
		cli_log(LOG_ERR, "status: out of memory");
		return ST_DRIFT;
	}
	r = devices(&st);
	if (r >= 0)
		r = leftovers(&st);
	if (r < 0)
		st.dirty = true;
	if (st.o.json) {
		top = json_pack("{sisOsOsb}", "version", STATUS_JSON_VERSION,
				"devices", st.devices, "leftovers",
				st.leftovers, "clean", !st.dirty);
		if (top && json_dumpf(top, stdout, JSON_INDENT(2)) == 0)
			putchar('\n');
		json_decref(top);
	}
	json_decref(st.devices);
	json_decref(st.leftovers);
	json_decref(st.heals);
	fflush(stdout);
	return st.dirty ? ST_DRIFT : ST_CLEAN;
}
