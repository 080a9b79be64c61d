// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The settings table (settings.h) and caller-provided settings
 * (xhp/settings.h).
 */
#include <string.h>

#include "conf.h"
#include "keys.h"
#include "settings.h"
#include "util.h"

/*
 * vif-openvswitch's own keys were never read from the environment (libxl
 * passes its caller's environment on to the script): arguments, the
 * caller or the backend only.
 */
#define XHP_SRC_NOT_ENV (XHP_SRC_ALL & ~XHP_SRC(XHP_SOURCE_ENV))
/*
 * The guest policy's own keys (antispoof, isolated) are the host's
 * choice: the arguments or a caller (the libvirt hook) give them, never
 * the inherited environment nor the backend directory.
 */
#define XHP_SRC_HOST (XHP_SRC(XHP_SOURCE_ARGV) | XHP_SRC(XHP_SOURCE_CALLER))

static int check_mac(const char *s, const char **why)
{
	uint8_t mac[6];

	return xhp_parse_mac(s, mac, why);
}

static int check_ip(const char *s, const char **why)
{
	struct xhp_ip *ips = NULL;
	size_t n;
	int r = xhp_parse_ip_list(s, &ips, &n, why);

	free(ips);
	if (r == -ENOMEM && why)
		*why = "out of memory";
	return r;
}

static int check_mtu(const char *s, const char **why)
{
	unsigned int mtu;

	return xhp_parse_mtu(s, &mtu, why);
}

static int check_rate(const char *s, const char **why)
{
	uint64_t bytes;
	uint32_t usecs;

	return xhp_parse_rate(s, &bytes, &usecs, why);
}

static int check_vlan(const char *s, const char **why)
{
	struct xhp_vlan_spec *v = malloc(sizeof(*v));
	int r;

	if (!v) {
		*why = "out of memory";
		return -ENOMEM;
	}
	r = xhp_parse_vlan_spec(s, v, why);
	free(v);
	return r;
}

/* A Linux bridge's name, or Open vSwitch's "name[.tag][:trunk...]". */
static int check_bridge(const char *s, const char **why)
{
	struct xhp_bridge_spec *b;
	int r;

	if (xhp_ifname_valid(s))
		return 0;
	b = malloc(sizeof(*b));
	if (!b) {
		*why = "out of memory";
		return -ENOMEM;
	}
	r = xhp_parse_bridge_spec(s, b, why);
	free(b);
	return r;
}

static int check_antispoof(const char *s, const char **why)
{
	int r = xhp_parse_antispoof(s, why);

	return r < 0 ? r : 0;
}

static int check_yesno(const char *s, const char **why)
{
	int r = xhp_parse_yesno(s, why);

	return r < 0 ? r : 0;
}

static int check_vifname(const char *s, const char **why)
{
	return xhp_parse_vifname(s, false, why);
}

static int check_ifname(const char *s, const char **why)
{
	if (xhp_ifname_valid(s))
		return 0;
	*why = "expected an interface name: 1 to 15 characters, no '/', ':' or whitespace";
	return -EINVAL;
}

static int check_mode(const char *s, const char **why)
{
	char mode;

	return xhp_parse_mode(s, &mode, why);
}

/* ovsdb_timeout: seconds 1..3600 (vif-openvswitch's wait for OVSDB). */
static int check_seconds(const char *s, const char **why)
{
	uint64_t v;

	if (xhp_parse_uint(s, 3600, &v) < 0 || v == 0) {
		*why = "expected seconds, 1..3600";
		return -EINVAL;
	}
	return 0;
}

/* ovsdb_socket: a path of a unix socket, or unix:<path>. */
static int check_socket(const char *s, const char **why)
{
	const char *p = strncmp(s, "unix:", 5) ? s : s + 5;

	if (p[0] != '/' || strlen(p) >= 108) {
		*why = "expected an absolute path of a unix socket (at most 107 bytes), optionally after unix:";
		return -EINVAL;
	}
	return 0;
}

/* Free text that goes into a database or a message: printable. */
static int check_text(const char *s, const char **why)
{
	if (strlen(s) > 255) {
		*why = "longer than 255 bytes";
		return -EINVAL;
	}
	return 0;
}

/* Sorted by key. Values never hold control characters (request.c). */
static const struct xhp_setting_def defs[] = {
	{ "antispoof", check_antispoof, XHP_SRC_HOST },
	{ "bridge", check_bridge, XHP_SRC_ALL },
	{ "gatewaydev", check_ifname, XHP_SRC_USER },
	{ "iface_id", check_text, XHP_SRC_NOT_ENV },
	{ "ip", check_ip, XHP_SRC_ALL },
	{ "isolated", check_yesno, XHP_SRC_HOST },
	{ "mac", check_mac, XHP_SRC_ALL },
	{ "mode", check_mode,
	  XHP_SRC(XHP_SOURCE_CALLER) | XHP_SRC(XHP_SOURCE_XENSTORE) },
	{ "mtu", check_mtu, XHP_SRC_ALL },
	{ "netdev", check_ifname, XHP_SRC_USER },
	{ "ovsdb_socket", check_socket, XHP_SRC_NOT_ENV },
	{ "ovsdb_timeout", check_seconds, XHP_SRC_NOT_ENV },
	{ "params", xhp_parse_params,
	  XHP_SRC(XHP_SOURCE_CALLER) | XHP_SRC(XHP_SOURCE_XENSTORE) },
	{ "rate", check_rate, XHP_SRC_ALL },
	{ "type", check_text,
	  XHP_SRC(XHP_SOURCE_CALLER) | XHP_SRC(XHP_SOURCE_XENSTORE) },
	{ "vifname", check_vifname, XHP_SRC_ALL },
	{ "vlan", check_vlan, XHP_SRC_ALL },
};

const struct xhp_setting_def *xhp_setting_def_find(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(defs); i++)
		if (strlen(defs[i].key) == len &&
		    !memcmp(defs[i].key, key, len))
			return &defs[i];
	return NULL;
}

XHP_EXPORT const char *xhp_setting_key_at(unsigned int index)
{
	return index < ARRAY_SIZE(defs) ? defs[index].key : NULL;
}

static const char *const source_names[] = {
	[XHP_SOURCE_DEFAULT] = "default",   [XHP_SOURCE_ENV] = "environment",
	[XHP_SOURCE_ARGV] = "arguments",    [XHP_SOURCE_CALLER] = "caller",
	[XHP_SOURCE_XENSTORE] = "xenstore",
};

XHP_EXPORT const char *xhp_source_to_string(int source)
{
	if (source < XHP_SOURCE_DEFAULT || source > XHP_SOURCE_XENSTORE)
		return NULL;
	return source_names[source];
}

const char *xhp_source_phrase(int source)
{
	switch (source) {
	case XHP_SOURCE_ENV:
		return "the environment";
	case XHP_SOURCE_ARGV:
		return "the arguments";
	case XHP_SOURCE_CALLER:
		return "the caller's settings";
	case XHP_SOURCE_XENSTORE:
		return "xenstore";
	default:
		return "the defaults";
	}
}

/* "mode and params come only from xenstore or the caller" */
static const char *allowed_phrase(unsigned int sources)
{
	if (sources == XHP_SRC_USER)
		return "only the environment, the arguments or the caller set it";
	if (sources == XHP_SRC_HOST)
		return "only the arguments or the caller set it";
	if (sources == XHP_SRC_NOT_ENV)
		return "the arguments, the caller or xenstore set it";
	return "only xenstore or the caller set it";
}

int xhp_setting_check(xhp_ctx *ctx, const struct xhp_setting_def *def,
		      int source, const char *where, const char *value)
{
	char q[XHP_QUOTE_MAX];
	const char *why = "malformed";
	int r;

	if (!(def->sources & XHP_SRC(source)))
		return xhp_err(ctx, EINVAL, "%s cannot come from %s: %s",
			       def->key, xhp_source_phrase(source),
			       allowed_phrase(def->sources));
	if (!value[0])
		return 0;
	r = def->check(value, &why);
	if (r == 0)
		return 0;
	if (r == -ENOMEM)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (where)
		return xhp_err(ctx, EINVAL, "bad %s '%s' from %s %s: %s",
			       def->key, xhp_quote(q, value),
			       xhp_source_phrase(source), where, why);
	return xhp_err(ctx, EINVAL, "bad %s '%s' from %s: %s", def->key,
		       xhp_quote(q, value), xhp_source_phrase(source), why);
}

XHP_EXPORT int xhp_settings_new(xhp_ctx *ctx, xhp_settings **ret)
{
	xhp_settings *s;

	if (!ctx || !ret)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ctx = xhp_ctx_ref(ctx);
	*ret = s;
	return 0;
}

XHP_EXPORT xhp_settings *xhp_settings_free(xhp_settings *s)
{
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < s->n; i++)
		free(s->v[i].value);
	free(s->v);
	xhp_ctx_unref(s->ctx);
	free(s);
	return NULL;
}

static struct xhp_settings_entry *entry(const xhp_settings *s,
					const struct xhp_setting_def *def)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].def == def)
			return &s->v[i];
	return NULL;
}

/* Control characters never pass, whatever the key (as in request.c). */
static bool has_control(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return true;
	return false;
}

XHP_EXPORT int xhp_settings_set(xhp_settings *s, const char *key,
				const char *value)
{
	const struct xhp_setting_def *def;
	struct xhp_settings_entry *e, *n;
	char q[XHP_QUOTE_MAX];
	char *v;
	int r;

	if (!s || !key)
		return -EINVAL;
	xhp_clear_error(s->ctx);
	def = xhp_setting_def_find(key, strlen(key));
	if (!def)
		return xhp_err(s->ctx, EINVAL, "unknown setting '%s'",
			       xhp_quote(q, key));
	e = entry(s, def);
	if (!value) {
		if (e) {
			free(e->value);
			*e = s->v[--s->n];
		}
		return 0;
	}
	if (has_control(value) || strlen(value) > 4096)
		return xhp_err(
			s->ctx, EINVAL,
			"bad %s '%s' from %s: control characters or longer than 4096 bytes",
			key, xhp_quote(q, value),
			xhp_source_phrase(XHP_SOURCE_CALLER));
	r = xhp_setting_check(s->ctx, def, XHP_SOURCE_CALLER, NULL, value);
	if (r < 0)
		return r;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	if (!e) {
		n = reallocarray(s->v, s->n + 1, sizeof(*n));
		if (!n) {
			free(v);
			return -ENOMEM;
		}
		s->v = n;
		e = &n[s->n++];
		e->def = def;
	} else {
		free(e->value);
	}
	e->value = v;
	return 0;
}

XHP_EXPORT const char *xhp_settings_get(const xhp_settings *s, const char *key)
{
	const struct xhp_setting_def *def;
	const struct xhp_settings_entry *e;

	if (!s || !key)
		return NULL;
	def = xhp_setting_def_find(key, strlen(key));
	e = def ? entry(s, def) : NULL;
	return e ? e->value : NULL;
}
