// SPDX-License-Identifier: LGPL-2.1-or-later
/* Link operations for vif-openvswitch over rtnetlink (see ovs_link.h). */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <string.h>

#include "ovs_link.h"
#include "util.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

#define MAX_ADDRS 256

static struct nlmsghdr *setlink_msg(struct xhp_nl *nl, int ifindex,
				    struct ifinfomsg **ret_ifi)
{
	struct nlmsghdr *nlh = xhp_nl_msg(nl, RTM_SETLINK, 0);
	struct ifinfomsg *ifi;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	*ret_ifi = ifi;
	return nlh;
}

static int link_fail(xhp_ctx *ctx, int r, const char *what, const char *name,
		     const char *ext)
{
	char q[XHP_QUOTE_MAX];

	return xhp_err(ctx, r, "cannot %s '%s': %s%s%s", what,
		       xhp_quote(q, name), strerror(-r),
		       ext && ext[0] ? ": " : "", ext ? ext : "");
}

int xhp_ovs_link_set_up(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			const char *name, bool up)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = setlink_msg(nl, ifindex, &ifi);
	const char *ext;
	int r;

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	r = xhp_nl_talk(ctx, nl, nlh, NULL, NULL, &ext);
	if (r < 0)
		return link_fail(ctx, r, up ? "bring up" : "bring down", name,
				 ext);
	return 0;
}

int xhp_ovs_link_set_mac(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			 const uint8_t mac[6])
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = setlink_msg(nl, ifindex, &ifi);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return xhp_nl_talk(ctx, nl, nlh, NULL, NULL, NULL);
}

int xhp_ovs_link_rename(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			const char *old_name, const char *new_name)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = setlink_msg(nl, ifindex, &ifi);
	char q[XHP_QUOTE_MAX], q2[XHP_QUOTE_MAX];
	const char *ext;
	int r;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
	r = xhp_nl_talk(ctx, nl, nlh, NULL, NULL, &ext);
	if (r < 0)
		return xhp_err(ctx, r, "cannot rename '%s' to '%s': %s%s%s",
			       xhp_quote(q, old_name), xhp_quote(q2, new_name),
			       strerror(-r), ext[0] ? ": " : "", ext);
	return 0;
}

/* One address of the link, as RTM_GETADDR gives it. */
struct addr {
	unsigned char family, prefixlen;
	uint8_t local[16], address[16];
	bool has_local, has_address;
};

struct addr_list {
	int ifindex;
	size_t n;
	struct addr a[MAX_ADDRS];
};

static int addr_attr(const struct nlattr *at, void *data)
{
	struct addr *a = data;
	size_t len = a->family == AF_INET ? 4 : 16;

	if (mnl_attr_get_payload_len(at) != len)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(at)) {
	case IFA_LOCAL:
		memcpy(a->local, mnl_attr_get_payload(at), len);
		a->has_local = true;
		break;
	case IFA_ADDRESS:
		memcpy(a->address, mnl_attr_get_payload(at), len);
		a->has_address = true;
		break;
	}
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_list *l = data;
	struct addr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (int)ifa->ifa_index != l->ifindex || l->n >= MAX_ADDRS)
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	a = &l->a[l->n];
	memset(a, 0, sizeof(*a));
	a->family = ifa->ifa_family;
	a->prefixlen = ifa->ifa_prefixlen;
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, a) < 0)
		return MNL_CB_ERROR;
	l->n++;
	return MNL_CB_OK;
}

static int del_addr(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
		    const struct addr *a, const char **ext)
{
	struct nlmsghdr *nlh = xhp_nl_msg(nl, RTM_DELADDR, 0);
	struct ifaddrmsg *ifa;
	size_t len = a->family == AF_INET ? 4 : 16;

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_index = (unsigned int)ifindex;
	if (a->has_local)
		mnl_attr_put(nlh, IFA_LOCAL, len, a->local);
	if (a->has_address)
		mnl_attr_put(nlh, IFA_ADDRESS, len, a->address);
	return xhp_nl_talk(ctx, nl, nlh, NULL, NULL, ext);
}

int xhp_ovs_link_flush_addrs(xhp_ctx *ctx, struct xhp_nl *nl, int ifindex,
			     const char *name)
{
	struct addr_list *l;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	const char *ext;
	int one = 1, r = 0;
	size_t i;

	l = calloc(1, sizeof(*l));
	if (!l)
		return xhp_err(ctx, ENOMEM, "out of memory");
	l->ifindex = ifindex;
	/* With strict checking the kernel filters the dump by ifindex. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_NETLINK,
		   NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	nlh = xhp_nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (unsigned int)ifindex;
	r = xhp_nl_talk(ctx, nl, nlh, addr_cb, l, &ext);
	if (r < 0) {
		r = link_fail(ctx, r, "list the addresses of", name, ext);
		goto free_list;
	}
	for (i = 0; i < l->n; i++) {
		r = del_addr(ctx, nl, ifindex, &l->a[i], &ext);
		/* Gone already (e.g. with its primary): fine. */
		if (r == -EADDRNOTAVAIL || r == -ENOENT)
			r = 0;
		if (r < 0) {
			r = link_fail(ctx, r, "flush the addresses of", name,
				      ext);
			goto free_list;
		}
	}
free_list:
	free(l);
	return r;
}
