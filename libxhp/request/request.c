// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The hotplug environment: argv and environ parsed into a request.
 * Pure: no I/O, nothing evaluated. Every refusal has one specific message.
 */
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "settings.h"
#include "util.h"

#define DOMID_MAX 0x7fef /* below DOMID_FIRST_RESERVED */
#define DEVID_MAX 0x7fffffff

/*
 * Environment variables of the protocol a device script reads; the
 * settings table's keys allowed from the environment are read too.
 */
static const char *const env_names[] = {
	"XENBUS_PATH", "XENBUS_TYPE", "XENBUS_BASE_PATH", "script",
	"vif",	       "INTERFACE",   "type_if",
};

static const char *const action_names[] = {
	[XHP_ACTION_ADD] = "add",
	[XHP_ACTION_REMOVE] = "remove",
	[XHP_ACTION_ONLINE] = "online",
	[XHP_ACTION_OFFLINE] = "offline",
};

static const char *const kind_names[] = {
	[XHP_KIND_VIF] = "vif",
	[XHP_KIND_TAP] = "tap",
	[XHP_KIND_VBD] = "vbd",
	[XHP_KIND_VBD3] = "vbd3",
};

XHP_EXPORT const char *xhp_request_action_to_string(int action)
{
	if (action < XHP_ACTION_ADD || action > XHP_ACTION_OFFLINE)
		return NULL;
	return action_names[action];
}

XHP_EXPORT const char *xhp_request_kind_to_string(int kind)
{
	if (kind < XHP_KIND_VIF || kind > XHP_KIND_VBD3)
		return NULL;
	return kind_names[kind];
}

static int action_from_name(const char *s)
{
	int a;

	for (a = XHP_ACTION_ADD; a <= XHP_ACTION_OFFLINE; a++)
		if (!strcmp(s, action_names[a]))
			return a;
	return 0;
}

static int kind_from_xenbus_type(const char *s)
{
	if (!strcmp(s, "vif"))
		return XHP_KIND_VIF;
	if (!strcmp(s, "vbd"))
		return XHP_KIND_VBD;
	if (!strcmp(s, "vbd3"))
		return XHP_KIND_VBD3;
	return 0;
}

XHP_EXPORT xhp_request *xhp_request_free(xhp_request *req)
{
	size_t i;

	if (!req)
		return NULL;
	for (i = 0; i < req->n_settings; i++) {
		free(req->settings[i].key);
		free(req->settings[i].value);
	}
	free(req->settings);
	free(req->backend_path);
	free(req->device);
	free(req);
	return NULL;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

xhp_request *xhp_request_copy(const xhp_request *req, int action)
{
	xhp_request *c;
	bool oom = false;
	size_t i;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = *req;
	c->settings = NULL;
	c->n_settings = 0;
	c->backend_path = dup_or_null(req->backend_path, &oom);
	c->device = dup_or_null(req->device, &oom);
	if (req->n_settings) {
		c->settings = calloc(req->n_settings, sizeof(*c->settings));
		if (!c->settings)
			oom = true;
	}
	for (i = 0; c->settings && i < req->n_settings; i++) {
		c->settings[i].key = dup_or_null(req->settings[i].key, &oom);
		c->settings[i].value =
			dup_or_null(req->settings[i].value, &oom);
		c->settings[i].source = req->settings[i].source;
		c->n_settings++;
	}
	if (oom)
		return xhp_request_free(c);
	if (action && action != req->action) {
		c->action = action;
		c->noop = false;
	}
	return c;
}

static struct xhp_setting *find_setting(const xhp_request *req, const char *key,
					size_t klen)
{
	size_t i;

	for (i = 0; i < req->n_settings; i++)
		if (strlen(req->settings[i].key) == klen &&
		    !memcmp(req->settings[i].key, key, klen))
			return &req->settings[i];
	return NULL;
}

static int check_value(xhp_ctx *ctx, const char *key, const char *value)
{
	char q[XHP_QUOTE_MAX];
	size_t i, n = strlen(value);

	if (n > XHP_VALUE_MAX)
		return xhp_err(
			ctx, EINVAL,
			"value of %s is too long (%zu bytes, at most %d)", key,
			n, XHP_VALUE_MAX);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c < 0x20 || c == 0x7f)
			return xhp_err(
				ctx, EINVAL,
				"value of %s contains a control character: '%s'",
				key, xhp_quote(q, value));
	}
	return 0;
}

/*
 * Add or replace a setting; argv settings replace environment ones. A key
 * of the settings table is checked by its parser now.
 */
static int put_setting(xhp_ctx *ctx, xhp_request *req, const char *key,
		       size_t klen, const char *value, int source)
{
	const struct xhp_setting_def *def;
	struct xhp_setting *s, *n;
	char *k, *v;
	int r;

	s = find_setting(req, key, klen);
	if (s && s->source == source)
		return xhp_err(ctx, EINVAL,
			       source == XHP_SOURCE_ARGV ?
				       "argument %.*s= given twice" :
				       "environment variable %.*s given twice",
			       (int)klen, key);
	if (s && s->source > source)
		return 0;
	k = strndup(key, klen);
	if (!k)
		return -ENOMEM;
	r = check_value(ctx, k, value);
	def = xhp_setting_def_find(key, klen);
	if (r >= 0 && def)
		r = xhp_setting_check(ctx, def, source, NULL, value);
	if (r < 0) {
		free(k);
		return r;
	}
	v = strdup(value);
	if (!v) {
		free(k);
		return -ENOMEM;
	}
	if (s) {
		free(s->key);
		free(s->value);
	} else {
		n = reallocarray(req->settings, req->n_settings + 1,
				 sizeof(*n));
		if (!n) {
			free(k);
			free(v);
			return -ENOMEM;
		}
		req->settings = n;
		s = &n[req->n_settings++];
	}
	s->key = k;
	s->value = v;
	s->source = source;
	return 0;
}

XHP_EXPORT const char *xhp_request_setting(const xhp_request *req,
					   const char *key)
{
	struct xhp_setting *s;

	if (!req || !key)
		return NULL;
	s = find_setting(req, key, strlen(key));
	return s ? s->value : NULL;
}

XHP_EXPORT int xhp_request_setting_at(const xhp_request *req,
				      unsigned int index, const char **ret_key,
				      const char **ret_value)
{
	if (!req)
		return -EINVAL;
	if (index >= req->n_settings)
		return -ENOENT;
	if (ret_key)
		*ret_key = req->settings[index].key;
	if (ret_value)
		*ret_value = req->settings[index].value;
	return 0;
}

XHP_EXPORT int xhp_request_setting_source(const xhp_request *req,
					  const char *key)
{
	struct xhp_setting *s;

	if (!req || !key)
		return -EINVAL;
	s = find_setting(req, key, strlen(key));
	return s ? s->source : -ENOENT;
}

/* Settings the parse turned into the request's kind, path and device. */
static bool is_identity(const char *key)
{
	static const char *const keys[] = { "XENBUS_PATH", "XENBUS_TYPE",
					    "type_if", "vif", "INTERFACE" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

XHP_EXPORT int xhp_request_set(xhp_request *req, const char *key,
			       const char *value)
{
	struct xhp_setting *s;

	if (!req || !key || !value || !xhp_varname_valid(key, strlen(key)) ||
	    is_identity(key))
		return -EINVAL;
	s = find_setting(req, key, strlen(key));
	if (s)
		s->source = XHP_SOURCE_ENV; /* allow the replacement */
	return put_setting(NULL, req, key, strlen(key), value, XHP_SOURCE_ARGV);
}

/* Split "a/b/c" components; returns the count (at most max). */
static size_t split_path(const char *p, const char *comp[], size_t len[],
			 size_t max)
{
	size_t n = 0;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (n == max)
			return max + 1;
		comp[n] = p;
		len[n++] = l;
		if (!e)
			break;
		p = e + 1;
		if (!*p)
			return max + 1; /* trailing slash */
	}
	return n;
}

int xhp_backend_path_parse(xhp_ctx *ctx, const char *path, char type[8],
			   unsigned int *domid, unsigned int *devid)
{
	char q[XHP_QUOTE_MAX], qt[XHP_QUOTE_MAX];
	const char *c[8];
	size_t l[8], n, b;
	uint64_t v;

	n = split_path(path[0] == '/' ? path + 1 : path, c, l, 7);
	if (path[0] == '/') {
		/* /local/domain/<id>/backend/<type>/<domid>/<devid> */
		if (n != 7 || l[0] != 5 || memcmp(c[0], "local", 5) ||
		    l[1] != 6 || memcmp(c[1], "domain", 6) ||
		    xhp_parse_uint_n(c[2], l[2], DOMID_MAX, &v) < 0)
			goto bad;
		b = 3;
	} else {
		if (n != 4)
			goto bad;
		b = 0;
	}
	if (l[b] != 7 || memcmp(c[b], "backend", 7))
		goto bad;
	if (l[b + 1] == 0 || l[b + 1] >= 8)
		goto bad;
	memcpy(type, c[b + 1], l[b + 1]);
	type[l[b + 1]] = '\0';
	if (!kind_from_xenbus_type(type))
		return xhp_err(
			ctx, EINVAL,
			"XENBUS_PATH '%s' has device type '%s'; expected vif, vbd or vbd3",
			xhp_quote(q, path), xhp_quote(qt, type));
	if (xhp_parse_uint_n(c[b + 2], l[b + 2], DOMID_MAX, &v) < 0)
		return xhp_err(ctx, EINVAL, "XENBUS_PATH '%s': bad domain id",
			       xhp_quote(q, path));
	*domid = (unsigned int)v;
	if (xhp_parse_uint_n(c[b + 3], l[b + 3], DEVID_MAX, &v) < 0)
		return xhp_err(ctx, EINVAL, "XENBUS_PATH '%s': bad device id",
			       xhp_quote(q, path));
	*devid = (unsigned int)v;
	return 0;
bad:
	return xhp_err(
		ctx, EINVAL,
		"malformed XENBUS_PATH '%s': expected backend/<type>/<domid>/<devid> or /local/domain/<id>/backend/<type>/<domid>/<devid>",
		xhp_quote(q, path));
}

/* vif<domid>.<devid>[-emu] → domid, devid. */
static int parse_vif_name(const char *name, bool emu, unsigned int *domid,
			  unsigned int *devid)
{
	const char *dot, *end;
	size_t n = strlen(name);
	uint64_t d, i;

	if (strncmp(name, "vif", 3))
		return -EINVAL;
	if (emu) {
		if (n < 4 || strcmp(name + n - 4, "-emu"))
			return -EINVAL;
		n -= 4;
	}
	end = name + n;
	dot = memchr(name + 3, '.', (size_t)(end - name - 3));
	if (!dot)
		return -EINVAL;
	if (xhp_parse_uint_n(name + 3, (size_t)(dot - name - 3), DOMID_MAX,
			     &d) < 0 ||
	    xhp_parse_uint_n(dot + 1, (size_t)(end - dot - 1), DEVID_MAX, &i) <
		    0)
		return -EINVAL;
	*domid = (unsigned int)d;
	*devid = (unsigned int)i;
	return 0;
}

static int parse_args(xhp_ctx *ctx, xhp_request *req, int argc,
		      char *const argv[], const char **positional_type)
{
	char q[XHP_QUOTE_MAX];
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq;

		if (!a)
			return xhp_err(ctx, EINVAL, "argument %d is NULL", i);
		eq = strchr(a, '=');
		if (!eq) {
			if (strcmp(a, "vif") && strcmp(a, "tap"))
				return xhp_err(
					ctx, EINVAL,
					"unexpected argument '%s': expected key=value, vif or tap",
					xhp_quote(q, a));
			if (*positional_type)
				return xhp_err(ctx, EINVAL,
					       "interface type given twice");
			*positional_type = a;
			continue;
		}
		if (!xhp_varname_valid(a, (size_t)(eq - a)))
			return xhp_err(
				ctx, EINVAL,
				"malformed argument '%s': the key must be a name of letters, digits and _",
				xhp_quote(q, a));
		r = put_setting(ctx, req, a, (size_t)(eq - a), eq + 1,
				XHP_SOURCE_ARGV);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_env(xhp_ctx *ctx, xhp_request *req, char *const envp[])
{
	const struct xhp_setting_def *def;
	size_t i, j;
	int r;

	for (i = 0; envp && envp[i]; i++) {
		const char *e = envp[i], *eq = strchr(e, '=');

		if (!eq)
			continue;
		for (j = 0; j < ARRAY_SIZE(env_names); j++) {
			size_t kl = strlen(env_names[j]);

			if ((size_t)(eq - e) != kl ||
			    memcmp(e, env_names[j], kl))
				continue;
			r = put_setting(ctx, req, e, kl, eq + 1,
					XHP_SOURCE_ENV);
			if (r < 0)
				return r;
		}
		def = xhp_setting_def_find(e, (size_t)(eq - e));
		if (def && (def->sources & XHP_SRC(XHP_SOURCE_ENV))) {
			r = put_setting(ctx, req, e, (size_t)(eq - e), eq + 1,
					XHP_SOURCE_ENV);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int resolve_kind(xhp_ctx *ctx, xhp_request *req, const char *postype)
{
	const char *tif = xhp_request_setting(req, "type_if");
	const char *xbt = xhp_request_setting(req, "XENBUS_TYPE");
	char q[XHP_QUOTE_MAX];
	int xk = 0;

	if (postype && tif && strcmp(postype, tif))
		return xhp_err(ctx, EINVAL,
			       "interface type given as %s and type_if=%s",
			       postype, xhp_quote(q, tif));
	if (!tif)
		tif = postype;
	if (tif && strcmp(tif, "vif") && strcmp(tif, "tap"))
		return xhp_err(ctx, EINVAL,
			       "bad type_if '%s': expected vif or tap",
			       xhp_quote(q, tif));
	if (xbt && xbt[0]) {
		xk = kind_from_xenbus_type(xbt);
		if (!xk)
			return xhp_err(
				ctx, EINVAL,
				"bad XENBUS_TYPE '%s': expected vif, vbd or vbd3",
				xhp_quote(q, xbt));
	}
	if (tif && !strcmp(tif, "tap")) {
		if (xk && xk != XHP_KIND_VIF)
			return xhp_err(ctx, EINVAL,
				       "type_if=tap with XENBUS_TYPE=%s", xbt);
		req->kind = XHP_KIND_TAP;
	} else if (tif && xk && xk != XHP_KIND_VIF) {
		return xhp_err(ctx, EINVAL, "type_if=vif with XENBUS_TYPE=%s",
			       xbt);
	} else {
		req->kind = tif ? XHP_KIND_VIF : xk;
	}
	return 0;
}

/* Xen's combination rules (vif-common.sh, block): what needs doing. */
static bool is_noop(int kind, int action)
{
	switch (kind) {
	case XHP_KIND_VIF:
		return action != XHP_ACTION_ONLINE &&
		       action != XHP_ACTION_OFFLINE;
	default:
		return action != XHP_ACTION_ADD && action != XHP_ACTION_REMOVE;
	}
}

static int resolve_device(xhp_ctx *ctx, xhp_request *req)
{
	const char *var = req->kind == XHP_KIND_TAP ? "INTERFACE" : "vif";
	const char *dev = xhp_request_setting(req, var);
	char q[XHP_QUOTE_MAX];

	if (req->kind != XHP_KIND_VIF && req->kind != XHP_KIND_TAP)
		return 0;
	if (!dev || !dev[0]) {
		if (req->noop)
			return 0;
		return xhp_err(ctx, EINVAL,
			       "missing %s: the name of the %s device", var,
			       req->kind == XHP_KIND_TAP ? "tap" : "vif");
	}
	if (!xhp_ifname_valid(dev))
		return xhp_err(
			ctx, EINVAL,
			"bad device name %s='%s': 1 to 15 characters, no '/', ':' or whitespace",
			var, xhp_quote(q, dev));
	req->device = strdup(dev);
	return req->device ? 0 : -ENOMEM;
}

static int resolve_path(xhp_ctx *ctx, xhp_request *req)
{
	const char *path = xhp_request_setting(req, "XENBUS_PATH");
	char type[8], buf[64];
	unsigned int domid, devid;
	int r;

	if (req->no_backend)
		return 0;
	if (path && path[0]) {
		r = xhp_backend_path_parse(ctx, path, type, &domid, &devid);
		if (r < 0)
			return r;
		if (req->kind &&
		    kind_from_xenbus_type(type) != (req->kind == XHP_KIND_TAP ?
							    XHP_KIND_VIF :
							    req->kind))
			return xhp_err(
				ctx, EINVAL,
				"XENBUS_PATH is a %s backend but the device is a %s",
				type, xhp_request_kind_to_string(req->kind));
		if (!req->kind)
			req->kind = kind_from_xenbus_type(type);
	} else if (req->kind == XHP_KIND_TAP && req->device) {
		/* udev's tap events carry no XENBUS_PATH: vifD.N-emu */
		if (parse_vif_name(req->device, true, &domid, &devid) < 0)
			return xhp_err(
				ctx, EINVAL,
				"cannot derive the backend of tap %s: expected a name vif<domid>.<devid>-emu or XENBUS_PATH",
				req->device);
		snprintf(buf, sizeof(buf), "backend/vif/%u/%u", domid, devid);
		path = buf;
		strcpy(type, "vif");
	} else if (req->noop) {
		return 0;
	} else {
		return xhp_err(
			ctx, EINVAL,
			"missing XENBUS_PATH: the backend path in xenstore");
	}
	req->backend_path = strdup(path);
	if (!req->backend_path)
		return -ENOMEM;
	memcpy(req->xenbus_type, type, sizeof(type));
	req->domid = domid;
	req->devid = devid;
	return 0;
}

static int finish(xhp_ctx *ctx, xhp_request *req)
{
	int r;

	req->noop = req->kind ? is_noop(req->kind, req->action) : false;
	r = resolve_device(ctx, req);
	if (r < 0)
		return r;
	r = resolve_path(ctx, req);
	if (r < 0)
		return r;
	if (!req->kind)
		return xhp_err(
			ctx, EINVAL,
			"cannot tell the device type: no XENBUS_TYPE, XENBUS_PATH or type_if");
	req->noop = is_noop(req->kind, req->action);
	/* The kind may come from XENBUS_PATH alone: the device, now. */
	if (!req->device)
		return resolve_device(ctx, req);
	return 0;
}

XHP_EXPORT int xhp_request_parse(xhp_ctx *ctx, int argc, char *const argv[],
				 char *const envp[], xhp_request **ret_req)
{
	const char *postype = NULL;
	char q[XHP_QUOTE_MAX];
	xhp_request *req;
	int r;

	if (!ctx || argc < 0 || (argc > 0 && !argv) || !ret_req)
		return -EINVAL;
	xhp_clear_error(ctx);
	if (argc < 1 || !argv[0] || !argv[0][0])
		return xhp_err(
			ctx, EINVAL,
			"missing command: expected add, remove, online or offline");
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->action = action_from_name(argv[0]);
	if (!req->action) {
		r = xhp_err(
			ctx, EINVAL,
			"unknown command '%s': expected add, remove, online or offline",
			xhp_quote(q, argv[0]));
		goto fail;
	}
	r = parse_args(ctx, req, argc, argv, &postype);
	if (r < 0)
		goto fail;
	r = parse_env(ctx, req, envp);
	if (r < 0)
		goto fail;
	r = resolve_kind(ctx, req, postype);
	if (r < 0)
		goto fail;
	r = finish(ctx, req);
	if (r < 0)
		goto fail;
	*ret_req = req;
	return 0;
fail:
	if (r == -ENOMEM)
		xhp_err(ctx, ENOMEM, "out of memory parsing the request");
	xhp_request_free(req);
	return r;
}

XHP_EXPORT int xhp_request_new(xhp_ctx *ctx, int action, int kind,
			       const char *backend_path, const char *device,
			       xhp_request **ret_req)
{
	xhp_request *req;
	int r;

	if (!ctx || !ret_req || !xhp_request_action_to_string(action) ||
	    !xhp_request_kind_to_string(kind) ||
	    (!backend_path &&
	     (!device || (kind != XHP_KIND_VIF && kind != XHP_KIND_TAP))))
		return -EINVAL;
	xhp_clear_error(ctx);
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->action = action;
	req->kind = kind;
	req->no_backend = !backend_path;
	r = backend_path ? put_setting(ctx, req, "XENBUS_PATH", 11,
				       backend_path, XHP_SOURCE_ARGV) :
			   0;
	if (r >= 0 && device)
		r = put_setting(ctx, req,
				kind == XHP_KIND_TAP ? "INTERFACE" : "vif",
				kind == XHP_KIND_TAP ? 9 : 3, device,
				XHP_SOURCE_ARGV);
	if (r >= 0)
		r = finish(ctx, req);
	if (r < 0) {
		xhp_request_free(req);
		return r;
	}
	*ret_req = req;
	return 0;
}

XHP_EXPORT int xhp_request_action(const xhp_request *req)
{
	return req ? req->action : -EINVAL;
}

XHP_EXPORT int xhp_request_kind(const xhp_request *req)
{
	return req ? req->kind : -EINVAL;
}

XHP_EXPORT int xhp_request_is_noop(const xhp_request *req)
{
	return req ? req->noop : -EINVAL;
}

XHP_EXPORT const char *xhp_request_backend_path(const xhp_request *req)
{
	return req ? req->backend_path : NULL;
}

XHP_EXPORT const char *xhp_request_xenbus_type(const xhp_request *req)
{
	return req && req->xenbus_type[0] ? req->xenbus_type : NULL;
}

XHP_EXPORT unsigned int xhp_request_domid(const xhp_request *req)
{
	return req ? req->domid : 0;
}

XHP_EXPORT unsigned int xhp_request_devid(const xhp_request *req)
{
	return req ? req->devid : 0;
}

XHP_EXPORT const char *xhp_request_device(const xhp_request *req)
{
	return req ? req->device : NULL;
}
