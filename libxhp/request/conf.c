// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host configuration file (conf.h, xhp.conf(5)): a line parser over a
 * buffer, and the load of the file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "keys.h"
#include "util.h"

#define NAME_MAX_LEN 64

/* Where the parser is: the file, the line, the section being filled. */
struct parser {
	xhp_ctx *ctx;
	struct xhp_conf *conf;
	unsigned int line;
	int section; /* -1: global; else SEC_POLICY or a bind kind + 1 */
	size_t index; /* of the policy or bind being filled */
	unsigned int seen; /* keys given in this section (bits) */
};

enum { SEC_GLOBAL = -1, SEC_POLICY = 0 }; /* binds: 1 + their kind */

enum {
	KEY_ANTISPOOF = 1u << 0,
	KEY_RATE = 1u << 1,
	KEY_ISOLATED = 1u << 2,
	KEY_VLAN = 1u << 3,
	KEY_POLICY = 1u << 4,
};

static const char *const bind_words[] = {
	[XHP_CONF_PORTGROUP] = "portgroup",
	[XHP_CONF_NETWORK] = "network",
	[XHP_CONF_BRIDGE] = "bridge",
};

static int perr(struct parser *p, int errnum, const char *what,
		const char *value)
{
	char q[XHP_QUOTE_MAX];

	if (errnum == ENOMEM)
		return xhp_err(p->ctx, ENOMEM, "out of memory");
	if (value)
		return xhp_err(p->ctx, errnum, "%s:%u: %s '%s'", p->conf->path,
			       p->line, what, xhp_quote(q, value));
	return xhp_err(p->ctx, errnum, "%s:%u: %s", p->conf->path, p->line,
		       what);
}

int xhp_parse_antispoof(const char *s, const char **why)
{
	if (s && !strcmp(s, "off"))
		return XHP_ANTISPOOF_OFF;
	if (s && !strcmp(s, "auto"))
		return XHP_ANTISPOOF_AUTO;
	if (s && (!strcmp(s, "strict") || !strcmp(s, "on")))
		return XHP_ANTISPOOF_STRICT;
	if (why)
		*why = "expected off, auto, strict or on";
	return -EINVAL;
}

int xhp_parse_yesno(const char *s, const char **why)
{
	if (s && !strcmp(s, "yes"))
		return 1;
	if (s && !strcmp(s, "no"))
		return 0;
	if (why)
		*why = "expected yes or no";
	return -EINVAL;
}

/* A policy's name: 1..64 of [A-Za-z0-9_.-]. */
static bool policy_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= NAME_MAX_LEN &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* A libvirt network or portgroup name: 1..64 printable, no '/'. */
static bool libvirt_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > NAME_MAX_LEN)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '/')
			return false;
	return true;
}

static bool bind_name_ok(int kind, const char *s)
{
	const char *slash = strchr(s, '/');

	switch (kind) {
	case XHP_CONF_PORTGROUP:
		return slash && libvirt_name_ok(s, (size_t)(slash - s)) &&
		       libvirt_name_ok(slash + 1, strlen(slash + 1));
	case XHP_CONF_NETWORK:
		return libvirt_name_ok(s, strlen(s));
	default:
		return xhp_ifname_valid(s);
	}
}

/*
 * Room for one more of @n elements of @size in *@arr: the array doubles
 * when @n is a power of two, so that a file of many sections is not
 * copied once per section. 0 or -ENOMEM.
 */
static int grow(void **arr, size_t n, size_t size)
{
	void *v;

	if (n & (n - 1))
		return 0; /* room left from the last doubling */
	v = reallocarray(*arr, n ? 2 * n : 4, size);
	if (!v)
		return -ENOMEM;
	*arr = v;
	return 0;
}

static const struct xhp_conf_bind *bind_find(const struct xhp_conf *c, int kind,
					     const char *a, const char *b);

static int add_policy(struct parser *p, const char *name)
{
	struct xhp_conf *c = p->conf;
	struct xhp_conf_policy *v;

	if (!policy_name_ok(name))
		return perr(p, EINVAL,
			    "bad policy name (1 to 64 of A-Z a-z 0-9 _ . -)",
			    name);
	if (xhp_conf_policy_find(c, name))
		return perr(p, EINVAL, "policy given twice:", name);
	if (grow((void **)&c->policies, c->n_policies, sizeof(*v)) < 0 ||
	    xhp_conf_index_add(&c->policy_ix, xhp_conf_hash(0, name, NULL),
			       c->n_policies) < 0)
		return perr(p, ENOMEM, NULL, NULL);
	v = &c->policies[c->n_policies];
	*v = (struct xhp_conf_policy){ .line = p->line,
				       .antispoof = XHP_CONF_UNSET,
				       .isolated = XHP_CONF_UNSET };
	v->name = strdup(name);
	if (!v->name)
		return perr(p, ENOMEM, NULL, NULL);
	p->index = c->n_policies++;
	return 0;
}

static int add_bind(struct parser *p, int kind, const char *name)
{
	static const char *const bad[] = {
		[XHP_CONF_PORTGROUP] = "bad portgroup (NETWORK/PORTGROUP)",
		[XHP_CONF_NETWORK] = "bad network name",
		[XHP_CONF_BRIDGE] = "bad bridge name",
	};
	struct xhp_conf *c = p->conf;
	struct xhp_conf_bind *v;

	if (!bind_name_ok(kind, name))
		return perr(p, EINVAL, bad[kind], name);
	if (bind_find(c, kind, name, NULL))
		return perr(p, EINVAL, "section given twice:", name);
	if (grow((void **)&c->binds, c->n_binds, sizeof(*v)) < 0 ||
	    xhp_conf_index_add(&c->bind_ix, xhp_conf_hash(kind, name, NULL),
			       c->n_binds) < 0)
		return perr(p, ENOMEM, NULL, NULL);
	v = &c->binds[c->n_binds];
	*v = (struct xhp_conf_bind){ .kind = kind, .line = p->line };
	v->name = strdup(name);
	if (!v->name)
		return perr(p, ENOMEM, NULL, NULL);
	p->index = c->n_binds++;
	return 0;
}

/* "[word name]" (@s is the stripped line). */
static int section(struct parser *p, char *s)
{
	size_t n = strlen(s), i;
	char *word, *name, *end, *rest;

	if (s[n - 1] != ']')
		return perr(p, EINVAL, "expected ']' at the end of", s);
	s[n - 1] = '\0';
	word = s + 1 + strspn(s + 1, " \t");
	end = word + strcspn(word, " \t");
	name = end + strspn(end, " \t");
	rest = name + strcspn(name, " \t");
	if (!name[0] || rest[strspn(rest, " \t")])
		return perr(p, EINVAL, "expected '[KIND NAME]':", s + 1);
	*end = '\0';
	*rest = '\0';
	p->seen = 0;
	if (!strcmp(word, "policy")) {
		p->section = SEC_POLICY;
		return add_policy(p, name);
	}
	for (i = 0; i < ARRAY_SIZE(bind_words); i++)
		if (!strcmp(word, bind_words[i])) {
			p->section = 1 + (int)i;
			return add_bind(p, (int)i, name);
		}
	return perr(
		p, EINVAL,
		"unknown section (policy, portgroup, network, bridge):", word);
}

static int key_once(struct parser *p, unsigned int bit, const char *key)
{
	if (p->seen & bit)
		return perr(p, EINVAL, "key given twice in this section:", key);
	p->seen |= bit;
	return 0;
}

static int bad_value(struct parser *p, const char *key, const char *value,
		     const char *why)
{
	char q[XHP_QUOTE_MAX];

	return xhp_err(p->ctx, EINVAL, "%s:%u: bad %s '%s': %s", p->conf->path,
		       p->line, key, xhp_quote(q, value), why);
}

static int global_key(struct parser *p, const char *key, const char *value)
{
	int r;

	if (strcmp(key, "antispoof"))
		return perr(p, EINVAL, "unknown global key (antispoof):", key);
	r = key_once(p, KEY_ANTISPOOF, key);
	if (r < 0)
		return r;
	r = strcmp(value, "on") ? xhp_parse_antispoof(value, NULL) : -EINVAL;
	if (r < 0)
		return bad_value(p, key, value, "expected off, auto or strict");
	p->conf->antispoof = r;
	return 0;
}

static int policy_key(struct parser *p, const char *key, const char *value)
{
	struct xhp_conf_policy *pol = &p->conf->policies[p->index];
	const char *why = "malformed";
	struct xhp_vlan_spec *vs;
	int r;

	if (!strcmp(key, "antispoof")) {
		r = key_once(p, KEY_ANTISPOOF, key);
		if (r < 0)
			return r;
		if (!strcmp(value, "on"))
			pol->antispoof = XHP_CONF_YES;
		else if (!strcmp(value, "off"))
			pol->antispoof = XHP_CONF_NO;
		else
			return bad_value(p, key, value, "expected on or off");
	} else if (!strcmp(key, "rate")) {
		r = key_once(p, KEY_RATE, key);
		if (r < 0)
			return r;
		if (xhp_parse_rate(value, &pol->rate_bytes, &pol->rate_usecs,
				   &why) < 0)
			return bad_value(p, key, value, why);
		pol->has_rate = true;
	} else if (!strcmp(key, "isolated")) {
		r = key_once(p, KEY_ISOLATED, key);
		if (r < 0)
			return r;
		r = xhp_parse_yesno(value, &why);
		if (r < 0)
			return bad_value(p, key, value, why);
		pol->isolated = r;
	} else if (!strcmp(key, "vlan")) {
		r = key_once(p, KEY_VLAN, key);
		if (r < 0)
			return r;
		if (strlen(value) > XHP_CONF_VLAN_MAX)
			return bad_value(p, key, value,
					 "longer than 255 bytes");
		vs = malloc(sizeof(*vs));
		if (!vs)
			return perr(p, ENOMEM, "out of memory", key);
		r = xhp_parse_vlan_spec(value, vs, &why);
		free(vs);
		if (r < 0)
			return bad_value(p, key, value, why);
		strcpy(pol->vlan, value);
	} else {
		return perr(
			p, EINVAL,
			"unknown key in a [policy] (antispoof, rate, isolated, vlan):",
			key);
	}
	return 0;
}

static int bind_key(struct parser *p, const char *key, const char *value)
{
	struct xhp_conf_bind *b = &p->conf->binds[p->index];
	int r;

	if (strcmp(key, "policy"))
		return perr(p, EINVAL,
			    "unknown key in this section (policy):", key);
	r = key_once(p, KEY_POLICY, key);
	if (r < 0)
		return r;
	if (!policy_name_ok(value))
		return bad_value(
			p, key, value,
			"expected a policy name (1 to 64 of A-Z a-z 0-9 _ . -)");
	b->policy_name = strdup(value);
	if (!b->policy_name)
		return perr(p, ENOMEM, NULL, NULL);
	b->policy_line = p->line;
	return 0;
}

/* "key = value" (@s is the stripped line). */
static int assignment(struct parser *p, char *s)
{
	char *eq = strchr(s, '='), *key = s, *value, *e;

	if (!eq)
		return perr(p, EINVAL,
			    "expected 'key = value' or '[section]':", s);
	*eq = '\0';
	e = eq;
	while (e > key && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	value = eq + 1 + strspn(eq + 1, " \t");
	if (!key[0] ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyz_") != strlen(key))
		return perr(p, EINVAL, "bad key", key);
	if (!value[0])
		return perr(p, EINVAL, "empty value of", key);
	if (p->section == SEC_GLOBAL)
		return global_key(p, key, value);
	if (p->section == SEC_POLICY)
		return policy_key(p, key, value);
	return bind_key(p, key, value);
}

static int parse_line(struct parser *p, char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (!n || s[0] == '#')
		return 0;
	if (!xhp_is_one_line(s))
		return perr(p, EINVAL, "control character in the line", NULL);
	if (s[0] == '[')
		return section(p, s);
	return assignment(p, s);
}

/* Every bind names a policy there is. */
static int resolve(struct parser *p)
{
	struct xhp_conf *c = p->conf;
	const struct xhp_conf_policy *pol;
	size_t i;

	for (i = 0; i < c->n_binds; i++) {
		struct xhp_conf_bind *b = &c->binds[i];

		p->line = b->line;
		if (!b->policy_name)
			return perr(
				p, EINVAL,
				"section without 'policy = NAME':", b->name);
		pol = xhp_conf_policy_find(c, b->policy_name);
		if (!pol) {
			p->line = b->policy_line;
			return perr(p, EINVAL, "no [policy] named",
				    b->policy_name);
		}
		b->policy = (size_t)(pol - c->policies);
	}
	return 0;
}

static struct xhp_conf *conf_alloc(const char *path)
{
	struct xhp_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->antispoof = XHP_ANTISPOOF_AUTO;
	c->path = strdup(path ? path : "(config)");
	if (!c->path) {
		free(c);
		return NULL;
	}
	return c;
}

int xhp_conf_new_default(xhp_ctx *ctx, struct xhp_conf **ret)
{
	struct xhp_conf *c = conf_alloc("(defaults)");

	if (!c)
		return xhp_err(ctx, ENOMEM, "out of memory");
	*ret = c;
	return 0;
}

int xhp_conf_parse(xhp_ctx *ctx, const char *path, const char *text, size_t len,
		   struct xhp_conf **ret)
{
	struct parser p = { .ctx = ctx, .section = SEC_GLOBAL };
	size_t at = 0;
	char *line = NULL;
	int r = 0;

	p.conf = conf_alloc(path);
	if (!p.conf)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (len > XHP_CONF_MAX_SIZE) {
		r = xhp_err(ctx, EFBIG, "%s: larger than %d bytes",
			    p.conf->path, XHP_CONF_MAX_SIZE);
		goto fail;
	}
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;

		p.line++;
		if (memchr(text + at, '\0', n)) {
			r = perr(&p, EINVAL, "NUL byte in the line", NULL);
			goto fail;
		}
		line = strndup(text + at, n);
		if (!line) {
			r = perr(&p, ENOMEM, NULL, NULL);
			goto fail;
		}
		r = parse_line(&p, line);
		free(line);
		if (r < 0)
			goto fail;
		at += n + 1;
	}
	r = resolve(&p);
	if (r < 0)
		goto fail;
	*ret = p.conf;
	return 0;
fail:
	xhp_conf_free(p.conf);
	return r;
}

static int read_all(xhp_ctx *ctx, int fd, const char *path, char **buf,
		    size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t k;

	if (!b)
		return xhp_err(ctx, ENOMEM, "out of memory");
	for (;;) {
		if (n == cap) {
			if (cap > XHP_CONF_MAX_SIZE) {
				free(b);
				return xhp_err(ctx, EFBIG,
					       "%s: larger than %d bytes", path,
					       XHP_CONF_MAX_SIZE);
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return xhp_err(ctx, ENOMEM, "out of memory");
			}
			b = nb;
			cap *= 2;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;

			free(b);
			return xhp_err(ctx, e, "cannot read %s: %s", path,
				       strerror(e));
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*buf = b;
	*len = n;
	return 0;
}

int xhp_conf_load(xhp_ctx *ctx, const char *path, struct xhp_conf **ret)
{
	bool optional = false;
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	if (!path) {
		path = secure_getenv("XHP_CONFIG");
		if (!path || !path[0]) {
			path = XHP_CONF_DEFAULT_PATH;
			optional = true;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT && optional)
		return xhp_conf_new_default(ctx, ret);
	if (fd < 0) {
		r = errno;
		return xhp_err(ctx, r, "cannot open %s: %s", path, strerror(r));
	}
	r = read_all(ctx, fd, path, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	r = xhp_conf_parse(ctx, path, buf, len, ret);
	free(buf);
	return r;
}

struct xhp_conf *xhp_conf_free(struct xhp_conf *c)
{
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < c->n_policies; i++)
		free(c->policies[i].name);
	for (i = 0; i < c->n_binds; i++) {
		free(c->binds[i].name);
		free(c->binds[i].policy_name);
	}
	free(c->policies);
	free(c->binds);
	xhp_conf_index_clear(&c->policy_ix);
	xhp_conf_index_clear(&c->bind_ix);
	free(c->path);
	free(c);
	return NULL;
}

const struct xhp_conf_policy *xhp_conf_policy_find(const struct xhp_conf *c,
						   const char *name)
{
	uint64_t h;
	size_t pos = 0, e;

	if (!c || !name)
		return NULL;
	h = xhp_conf_hash(0, name, NULL);
	while ((e = xhp_conf_index_next(&c->policy_ix, h, &pos)))
		if (!strcmp(c->policies[e - 1].name, name))
			return &c->policies[e - 1];
	return NULL;
}

/* The bind @kind named @a (and "/@b" when @b), by the index. */
static const struct xhp_conf_bind *bind_find(const struct xhp_conf *c, int kind,
					     const char *a, const char *b)
{
	uint64_t h = xhp_conf_hash(kind, a, b);
	size_t pos = 0, e, la = strlen(a);

	while ((e = xhp_conf_index_next(&c->bind_ix, h, &pos))) {
		const struct xhp_conf_bind *v = &c->binds[e - 1];
		const char *n = v->name;

		if (v->kind != kind)
			continue;
		if (b ? !strncmp(n, a, la) && n[la] == '/' &&
				    !strcmp(n + la + 1, b) :
			!strcmp(n, a))
			return v;
	}
	return NULL;
}

/* The policy of the bind @kind named @a (and "/@b" when @b). */
static const struct xhp_conf_policy *bound(const struct xhp_conf *c, int kind,
					   const char *a, const char *b)
{
	const struct xhp_conf_bind *v;

	if (!a || (kind == XHP_CONF_PORTGROUP && !b))
		return NULL;
	v = bind_find(c, kind, a, b);
	return v ? &c->policies[v->policy] : NULL;
}

const struct xhp_conf_policy *xhp_conf_policy_for(const struct xhp_conf *c,
						  const char *network,
						  const char *portgroup,
						  const char *bridge)
{
	const struct xhp_conf_policy *p;

	if (!c)
		return NULL;
	p = bound(c, XHP_CONF_PORTGROUP, network, portgroup);
	if (!p)
		p = bound(c, XHP_CONF_NETWORK, network, NULL);
	if (!p)
		p = bound(c, XHP_CONF_BRIDGE, bridge, NULL);
	return p;
}

int xhp_conf_antispoof(const struct xhp_conf *c)
{
	return c ? c->antispoof : XHP_ANTISPOOF_AUTO;
}

int xhp_conf_policy_antispoof(const struct xhp_conf_policy *p)
{
	return p ? p->antispoof : XHP_CONF_UNSET;
}

int xhp_conf_policy_isolated(const struct xhp_conf_policy *p)
{
	return p ? p->isolated : XHP_CONF_UNSET;
}

int xhp_conf_policy_rate(const struct xhp_conf_policy *p, uint64_t *bytes,
			 uint32_t *usecs)
{
	if (!p || !p->has_rate)
		return -ENOENT;
	*bytes = p->rate_bytes;
	*usecs = p->rate_usecs;
	return 0;
}

const char *xhp_conf_policy_vlan(const struct xhp_conf_policy *p)
{
	return p && p->vlan[0] ? p->vlan : NULL;
}
