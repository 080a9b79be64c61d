// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host's links, by rtnetlink events (RTMGRP_LINK): a vif's netdev
 * that comes late, an emulated NIC's tap that comes or goes. Nothing is
 * polled: one subscribed socket, read when the loop says so. Only the
 * kernel's messages count (any local process may send to our port).
 * When the socket overflows (ENOBUFS: a storm of links), the links are
 * asked for again with one dump.
 */
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host-internal.h"
#include "nl.h"
#include "util.h"

#define HLINKS_RCVBUF (4 << 20)

int hlinks_open(struct xhp_host *h)
{
	int size = HLINKS_RCVBUF;

	h->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!h->nl)
		return xhp_err(h->ctx, errno, "cannot open rtnetlink: %s",
			       strerror(errno));
	if (mnl_socket_bind(h->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0)
		return xhp_err(h->ctx, errno,
			       "cannot subscribe to link events: %s",
			       strerror(errno));
	/* best effort: the overflow is handled anyway */
	(void)setsockopt(mnl_socket_get_fd(h->nl), SOL_SOCKET, SO_RCVBUFFORCE,
			 &size, sizeof(size));
	h->nl_fd = mnl_socket_get_fd(h->nl);
	return 0;
}

void hlinks_close(struct xhp_host *h)
{
	if (h->nl)
		mnl_socket_close(h->nl);
	h->nl = NULL;
	h->nl_fd = -1;
}

int hlinks_dump(struct xhp_host *h)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0)
		return xhp_err(h->ctx, errno, "cannot ask for the links: %s",
			       strerror(errno));
	return 0;
}

static int kind_attr(const struct nlattr *a, void *data)
{
	struct hlink *l = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND) {
		if (mnl_attr_validate(a, MNL_TYPE_STRING) < 0)
			return MNL_CB_ERROR;
		l->bridge =
			mnl_attr_get_payload_len(a) >= 6 &&
			!strncmp(mnl_attr_get_payload(a), "bridge", 6) &&
			(mnl_attr_get_payload_len(a) == 6 ||
			 ((const char *)mnl_attr_get_payload(a))[6] == '\0');
	}
	return MNL_CB_OK;
}

struct parse {
	struct hlink *l;
	const char *name;
};

static int link_attr(const struct nlattr *a, void *data)
{
	struct parse *p = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		p->name = mnl_attr_get_str(a);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		p->l->master = mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(a, kind_attr, p->l) < 0)
			return MNL_CB_ERROR;
		break;
	}
	return MNL_CB_OK;
}

int hlinks_parse(const void *buf, size_t len, struct hlink *ret)
{
	const struct nlmsghdr *nlh = buf;
	const struct ifinfomsg *ifi;
	struct hlink l = { 0 };
	struct parse p = { &l, NULL };

	if (len < sizeof(*nlh) || !xhp_nlmsg_ok(nlh, (int)len))
		return -EBADMSG;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg) ||
	    mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, &p) < 0 ||
	    !p.name || strlen(p.name) >= IFNAMSIZ)
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	/* The bridge's own news of its ports (family AF_BRIDGE): an
	 * RTM_DELLINK of it says a port left its bridge (nomaster), not
	 * that the link is gone; the link's own message comes as well. */
	if (ifi->ifi_family == AF_BRIDGE)
		return 0;
	strcpy(l.name, p.name);
	l.is_new = nlh->nlmsg_type == RTM_NEWLINK;
	l.index = ifi->ifi_index > 0 ? (unsigned int)ifi->ifi_index : 0;
	l.flags = ifi->ifi_flags;
	*ret = l;
	return 1;
}

bool hlinks_vif_name(const char *name, unsigned int *domid, unsigned int *devid,
		     bool *ret_emu)
{
	const char *dot, *end;
	uint64_t d, n;

	if (strncmp(name, "vif", 3))
		return false;
	dot = strchr(name + 3, '.');
	if (!dot ||
	    xhp_parse_uint_n(name + 3, dot - name - 3, UINT32_MAX, &d) < 0)
		return false;
	end = strchr(dot + 1, '-');
	if (end && strcmp(end, "-emu"))
		return false;
	if (!end)
		end = dot + 1 + strlen(dot + 1);
	if (xhp_parse_uint_n(dot + 1, end - dot - 1, UINT32_MAX, &n) < 0)
		return false;
	*domid = (unsigned int)d;
	*devid = (unsigned int)n;
	*ret_emu = *end != '\0';
	return true;
}

int hlinks_dispatch(struct xhp_host *h)
{
	char buf[16384] __attribute__((aligned(8)));
	struct sockaddr_nl sa;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_name = &sa,
			     .msg_namelen = sizeof(sa),
			     .msg_iov = &iov,
			     .msg_iovlen = 1 };
	const struct nlmsghdr *nlh;
	struct hlink l;
	ssize_t n;
	int len;

	for (;;) {
		n = recvmsg(h->nl_fd, &mh, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			xhp_log(h->ctx, LOG_WARNING,
				"link events lost (overflow): asking for the links again");
			(void)hlinks_dump(h);
			continue;
		}
		if (n < 0)
			return xhp_err(h->ctx, errno,
				       "cannot read link events: %s",
				       strerror(errno));
		if (sa.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC))
			continue; /* not the kernel's, or cut */
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; xhp_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			if (hlinks_parse(nlh, nlh->nlmsg_len, &l) == 1)
				host_link_event(h, &l);
	}
}
