// SPDX-License-Identifier: LGPL-2.1-or-later
/* A bridge port's isolation flag (brport.h). */
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <sys/socket.h>

#include "brport.h"
#include "util.h"

struct iso_req {
	int isolated; /* -1: not a bridge port */
};

static int slave_cb(const struct nlattr *a, void *data)
{
	struct iso_req *req = data;

	if (mnl_attr_get_type(a) == IFLA_BRPORT_ISOLATED &&
	    mnl_attr_get_payload_len(a) >= 1)
		req->isolated = mnl_attr_get_u8(a) ? 1 : 0;
	return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_DATA)
		mnl_attr_parse_nested(a, slave_cb, data);
	return MNL_CB_OK;
}

static int link_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO)
		mnl_attr_parse_nested(a, linkinfo_cb, data);
	return MNL_CB_OK;
}

static int getlink_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_cb, data);
	return MNL_CB_OK;
}

int xhp_bridge_port_isolated(xhp_ctx *ctx, struct xhp_nl *nl,
			     const struct xhp_link *l)
{
	struct iso_req req = { .isolated = -1 };
	char q[XHP_QUOTE_MAX];
	struct nlmsghdr *nlh;
	const char *ext;
	int r;

	nlh = xhp_nl_getlink_msg(nl, 0, NULL, l->ifindex);
	r = xhp_nl_talk(ctx, nl, nlh, getlink_cb, &req, &ext);
	if (r < 0)
		return xhp_nl_fail(ctx, r, ext,
				   "cannot look up the bridge port flags of %s",
				   xhp_quote(q, l->name));
	if (req.isolated < 0)
		return xhp_err(ctx, EINVAL, "%s is not a bridge port",
			       xhp_quote(q, l->name));
	return req.isolated;
}

int xhp_bridge_port_set_isolated(xhp_ctx *ctx, struct xhp_nl *nl,
				 const struct xhp_link *l, bool on)
{
	struct nlmsghdr *nlh = xhp_nl_msg(nl, RTM_SETLINK, 0);
	char q[XHP_QUOTE_MAX];
	struct ifinfomsg *ifi;
	struct nlattr *nest;
	const char *ext;
	int r;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = l->ifindex;
	nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, on ? 1 : 0);
	mnl_attr_nest_end(nlh, nest);
	r = xhp_nl_talk(ctx, nl, nlh, NULL, NULL, &ext);
	if (r < 0)
		return xhp_nl_fail(ctx, r, ext, "cannot %s bridge port %s",
				   on ? "isolate" : "end the isolation of",
				   xhp_quote(q, l->name));
	return 0;
}
