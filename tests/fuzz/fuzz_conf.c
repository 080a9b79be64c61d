// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the host configuration parser (conf.c): the input
 * is a whole file. An accepted file keeps the parser's promises: every
 * section names a policy there is, values are in range, lookups find
 * what the file binds.
 */
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "keys.h"
#include "fuzz.h"

static void check_conf(const struct xhp_conf *c)
{
	size_t i;

	CHECK(c->antispoof >= XHP_ANTISPOOF_OFF &&
	      c->antispoof <= XHP_ANTISPOOF_STRICT);
	for (i = 0; i < c->n_policies; i++) {
		const struct xhp_conf_policy *p = &c->policies[i];

		CHECK(xhp_conf_policy_find(c, p->name) == p);
		CHECK(p->antispoof >= XHP_CONF_UNSET &&
		      p->antispoof <= XHP_CONF_YES);
		CHECK(p->isolated >= XHP_CONF_UNSET &&
		      p->isolated <= XHP_CONF_YES);
		if (xhp_conf_policy_vlan(p)) {
			struct xhp_vlan_spec vs;
			const char *why;

			CHECK(xhp_parse_vlan_spec(p->vlan, &vs, &why) == 0);
		}
	}
	for (i = 0; i < c->n_binds; i++) {
		const struct xhp_conf_bind *b = &c->binds[i];
		const struct xhp_conf_policy *p = &c->policies[b->policy];
		const char *slash;
		char net[80];

		CHECK(b->policy < c->n_policies);
		CHECK(!strcmp(p->name, b->policy_name));
		if (b->kind == XHP_CONF_BRIDGE)
			CHECK(xhp_conf_policy_for(c, NULL, NULL, b->name));
		if (b->kind == XHP_CONF_NETWORK)
			CHECK(xhp_conf_policy_for(c, b->name, NULL, NULL) == p);
		if (b->kind == XHP_CONF_PORTGROUP) {
			slash = strchr(b->name, '/');
			CHECK(slash && (size_t)(slash - b->name) < sizeof(net));
			memcpy(net, b->name, (size_t)(slash - b->name));
			net[slash - b->name] = '\0';
			CHECK(xhp_conf_policy_for(c, net, slash + 1, NULL) ==
			      p);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static xhp_ctx *ctx;
	struct xhp_conf *c = NULL;
	int r;

	if (!ctx && xhp_ctx_new(&ctx) < 0)
		return 0;
	r = xhp_conf_parse(ctx, "fuzz.conf", (const char *)data, size, &c);
	CHECK(r == 0 || r == -EINVAL || r == -ENOMEM || r == -EFBIG);
	CHECK((r == 0) == (c != NULL));
	if (r < 0) {
		CHECK(!strncmp(xhp_ctx_last_error(ctx), "fuzz.conf", 9) ||
		      r == -ENOMEM);
		return 0;
	}
	check_conf(c);
	xhp_conf_free(c);
	return 0;
}
