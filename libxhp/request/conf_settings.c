// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp_settings_set_policy (xhp/settings.h): the guest network policy the
 * host configuration (conf.h) gives a port, as caller settings, for the
 * callers that have no xenstore (the libvirt hook).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "settings.h"

static const char *antispoof_word(int mode)
{
	switch (mode) {
	case XHP_ANTISPOOF_OFF:
		return "off";
	case XHP_ANTISPOOF_STRICT:
		return "strict";
	default:
		return "auto";
	}
}

static int set_from(xhp_settings *s, const struct xhp_conf *c,
		    const struct xhp_conf_policy *p)
{
	char buf[64];
	uint64_t bytes;
	uint32_t usecs;
	int v, r;

	v = xhp_conf_policy_antispoof(p);
	r = xhp_settings_set(s, "antispoof",
			     v == XHP_CONF_UNSET ?
				     antispoof_word(xhp_conf_antispoof(c)) :
			     v == XHP_CONF_YES ? "on" :
						 "off");
	v = xhp_conf_policy_isolated(p);
	if (r == 0 && v != XHP_CONF_UNSET)
		r = xhp_settings_set(s, "isolated",
				     v == XHP_CONF_YES ? "yes" : "no");
	if (r == 0 && xhp_conf_policy_rate(p, &bytes, &usecs) == 0) {
		snprintf(buf, sizeof(buf), "%" PRIu64 ",%" PRIu32, bytes,
			 usecs);
		r = xhp_settings_set(s, "rate", buf);
	}
	if (r == 0 && xhp_conf_policy_vlan(p))
		r = xhp_settings_set(s, "vlan", xhp_conf_policy_vlan(p));
	return r;
}

static void entries_free(struct xhp_settings_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].value);
	free(v);
}

/* A scratch copy of @s (its context borrowed): 0 or -ENOMEM. */
static int settings_copy(const xhp_settings *s, xhp_settings *ret)
{
	size_t i;

	*ret = (xhp_settings){ .ctx = s->ctx };
	if (!s->n)
		return 0;
	ret->v = calloc(s->n, sizeof(*ret->v));
	if (!ret->v)
		return -ENOMEM;
	for (; ret->n < s->n; ret->n++) {
		i = ret->n;
		ret->v[i].def = s->v[i].def;
		ret->v[i].value = strdup(s->v[i].value);
		if (!ret->v[i].value) {
			entries_free(ret->v, ret->n);
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Set the policy's values into a copy of @s, and only when every one of
 * them is set, swap the copy in: a failure leaves @s as it was.
 */
static int set_all_or_none(xhp_settings *s, const struct xhp_conf *c,
			   const struct xhp_conf_policy *p)
{
	xhp_settings tmp;
	int r;

	r = settings_copy(s, &tmp);
	if (r < 0)
		return r;
	r = set_from(&tmp, c, p);
	if (r < 0) {
		entries_free(tmp.v, tmp.n);
		return r;
	}
	entries_free(s->v, s->n);
	s->v = tmp.v;
	s->n = tmp.n;
	return 0;
}

XHP_EXPORT int xhp_settings_set_policy(xhp_settings *s, const char *conf_path,
				       const char *network,
				       const char *portgroup,
				       const char *bridge, char **ret_policy)
{
	const struct xhp_conf_policy *p;
	struct xhp_conf *c = NULL;
	char *name = NULL;
	int r;

	if (!s)
		return -EINVAL;
	r = xhp_conf_load(s->ctx, conf_path, &c);
	if (r < 0)
		return r;
	p = xhp_conf_policy_for(c, network, portgroup, bridge);
	if (!p) {
		r = 0;
		goto out;
	}
	if (ret_policy) {
		name = strdup(p->name);
		if (!name) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = set_all_or_none(s, c, p);
	if (r < 0)
		goto out;
	if (ret_policy) {
		*ret_policy = name;
		name = NULL;
	}
	r = 1;
out:
	free(name);
	xhp_conf_free(c);
	return r;
}
