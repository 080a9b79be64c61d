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
	if (r == 0 && xhp_conf_policy_vlan(p)) {
		snprintf(buf, sizeof(buf), "%u", xhp_conf_policy_vlan(p));
		r = xhp_settings_set(s, "vlan", buf);
	}
	return r;
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
	r = set_from(s, c, p);
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
