// SPDX-License-Identifier: LGPL-2.1-or-later
/* rtnetlink over libmnl: request/ack with extended acks, link lookup. */
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fault.h"
#include "nl.h"
#include "util.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

int xhp_nl_open(xhp_ctx *ctx, struct xhp_nl **ret)
{
	return xhp_nl_open_proto(ctx, NETLINK_ROUTE, "rtnetlink", ret);
}

int xhp_nl_open_proto(xhp_ctx *ctx, int proto, const char *what,
		      struct xhp_nl **ret)
{
	char step[64];
	struct xhp_nl *nl;
	int one = 1;

	snprintf(step, sizeof(step), "%s socket", what);
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (xhp_fault(ctx, XHP_FAULT_NL, step) < 0)
		nl->sock = NULL;
	else
		nl->sock = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl->sock) {
		int e = errno;

		free(nl);
		return xhp_err(ctx, e, "cannot open %s: %s", what, strerror(e));
	}
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sock);
		free(nl);
		return xhp_err(ctx, e, "cannot bind %s: %s", what, strerror(e));
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	*ret = nl;
	return 0;
}

struct xhp_nl *xhp_nl_close(struct xhp_nl *nl)
{
	if (nl) {
		mnl_socket_close(nl->sock);
		free(nl);
	}
	return NULL;
}

struct nlmsghdr *xhp_nl_msg(struct xhp_nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/*
 * Pull NLMSGERR_ATTR_MSG out of an extended ack: the TLVs that follow
 * @off bytes of payload (an NLMSG_ERROR's nlmsgerr, an NLMSG_DONE's
 * error code).
 */
static void parse_ext_ack(struct xhp_nl *nl, const struct nlmsghdr *nlh,
			  size_t off)
{
	const struct nlattr *attr;

	nl->ext[0] = '\0';
	nl->ext_off = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->ext, sizeof(nl->ext), "%s",
				 mnl_attr_get_str(attr));
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_OFFS &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			nl->ext_off = mnl_attr_get_u32(attr);
	}
}

int xhp_nl_ack_error(struct xhp_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	if (e->error >= 0)
		return e->error ? -EBADMSG : 0;
	/* The echoed request; a length below its header is malformed (and
	 * would wrap the offset): then no TLVs are read. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off = e->msg.nlmsg_len < sizeof(struct nlmsghdr) ?
			      SIZE_MAX :
			      off + e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	parse_ext_ack(nl, nlh, off);
	return e->error;
}

/* An NLMSG_DONE: 0, or the negative errno of a failed dump. */
static int done_error(struct xhp_nl *nl, const struct nlmsghdr *nlh)
{
	int e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e))
		return 0; /* no error code: nothing failed */
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e >= 0)
		return 0;
	parse_ext_ack(nl, nlh, sizeof(e));
	return e;
}

/* The step name of a request, for the fault seam. */
static const char *nl_type_name(uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
		return "RTM_NEWLINK";
	case RTM_DELLINK:
		return "RTM_DELLINK";
	case RTM_GETLINK:
		return "RTM_GETLINK";
	case RTM_SETLINK:
		return "RTM_SETLINK";
	case RTM_NEWADDR:
		return "RTM_NEWADDR";
	case RTM_DELADDR:
		return "RTM_DELADDR";
	case RTM_GETADDR:
		return "RTM_GETADDR";
	case RTM_NEWROUTE:
		return "RTM_NEWROUTE";
	case RTM_DELROUTE:
		return "RTM_DELROUTE";
	case RTM_GETROUTE:
		return "RTM_GETROUTE";
	case RTM_NEWNEIGH:
		return "RTM_NEWNEIGH";
	case RTM_DELNEIGH:
		return "RTM_DELNEIGH";
	case RTM_GETNEIGH:
		return "RTM_GETNEIGH";
	case NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETCHAIN: /* nft.c */
		return "NFT_MSG_GETCHAIN";
	default:
		return "rtnetlink request";
	}
}

/*
 * What a link request asks for, from its own attributes: the seam step
 * "RTM_SETLINK name" (a rename), "RTM_SETLINK master", "RTM_SETLINK mtu",
 * "RTM_SETLINK address", "RTM_SETLINK up" or "down"; "RTM_GETLINK <name>"
 * for a lookup by name, "RTM_GETLINK dump". Other requests: their type.
 */
static void nl_step(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const char *type = nl_type_name(nlh->nlmsg_type);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t n;

	n = (size_t)snprintf(buf, size, "%s", type);
	if (nlh->nlmsg_type != RTM_SETLINK && nlh->nlmsg_type != RTM_GETLINK)
		return;
	if (nlh->nlmsg_flags & NLM_F_DUMP) {
		snprintf(buf + n, size - n, " dump");
		return;
	}
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		const char *what = NULL;

		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			what = nlh->nlmsg_type == RTM_GETLINK ?
				       mnl_attr_get_str(a) :
				       "name";
			break;
		case IFLA_MASTER:
			what = "master";
			break;
		case IFLA_MTU:
			what = "mtu";
			break;
		case IFLA_ADDRESS:
			what = "address";
			break;
		case IFLA_PROTINFO:
			what = "protinfo";
			break;
		}
		if (what && n < size)
			n += (size_t)snprintf(buf + n, size - n, " %s", what);
	}
	if ((ifi->ifi_change & IFF_UP) && n < size)
		snprintf(buf + n, size - n, " %s",
			 ifi->ifi_flags & IFF_UP ? "up" : "down");
}

ssize_t xhp_nl_recv_kernel(struct xhp_nl *nl)
{
	struct sockaddr_nl sa;
	struct iovec iov = { nl->buf, sizeof(nl->buf) };
	struct msghdr msg = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	n = recvmsg(mnl_socket_get_fd(nl->sock), &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -ENOSPC;
	if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
		return 0;
	return n;
}

int xhp_nl_talk(xhp_ctx *ctx, struct xhp_nl *nl, struct nlmsghdr *nlh,
		mnl_cb_t cb, void *data, const char **ret_ext)
{
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int r, len;

	nl->ext[0] = '\0';
	nl->ext_off = 0;
	if (ret_ext)
		*ret_ext = nl->ext;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (__builtin_expect(ctx && ctx->fault, 0)) {
		char step[XHP_FAULT_STEP_MAX];

		nl_step(nlh, step, sizeof(step));
		r = xhp_fault_check(ctx, XHP_FAULT_NL, step);
		if (r < 0)
			return r;
	}
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { mnl_socket_get_fd(nl->sock), POLLIN, 0 };
		int left = xhp_deadline_left_ms(ctx);
		const struct nlmsghdr *h;

		r = poll(&p, 1, left < 0 ? 10000 : left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = xhp_nl_recv_kernel(nl);
		if (n == 0 || n == -EINTR || n == -EAGAIN)
			continue; /* not from the kernel, or nothing after all */
		if (n < 0)
			return (int)n;
		len = (int)n;
		/* Find an error message to read its extended ack first. */
		for (h = (const struct nlmsghdr *)nl->buf; xhp_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return xhp_nl_ack_error(nl, h);
			/* A dump the kernel failed: the error is here. */
			if (h->nlmsg_type == NLMSG_DONE)
				return done_error(nl, h);
			/* A callback that fails says why in errno
			 * (ENOMEM), else it is -EIO. */
			errno = 0;
			if (cb && cb(h, data) < 0)
				return errno ? -errno : -EIO;
		}
	}
}

int xhp_nl_fail(xhp_ctx *ctx, int r, const char *ext, const char *fmt, ...)
{
	char step[XHP_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(step, sizeof(step), fmt, ap);
	va_end(ap);
	if (r > 0)
		r = -r;
	return xhp_err(ctx, r, "%s: %s%s%s%s", step, strerror(-r),
		       ext && ext[0] ? " (kernel: " : "", ext ? ext : "",
		       ext && ext[0] ? ")" : "");
}

static int link_attr(const struct nlattr *a, void *data)
{
	struct xhp_link *l = data;
	struct nlattr *i;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s",
				 mnl_attr_get_str(a));
		break;
	case IFLA_IFALIAS:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->alias, sizeof(l->alias), "%s",
				 mnl_attr_get_str(a));
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6) {
			memcpy(l->addr, mnl_attr_get_payload(a), 6);
			l->has_addr = true;
		}
		break;
	case IFLA_LINKINFO:
		mnl_attr_for_each_nested(i, a)
			if (mnl_attr_get_type(i) == IFLA_INFO_KIND &&
			    mnl_attr_validate(i, MNL_TYPE_STRING) == 0)
				snprintf(l->kind, sizeof(l->kind), "%.*s",
					 (int)mnl_attr_get_payload_len(i),
					 (const char *)mnl_attr_get_payload(i));
		break;
	}
	return MNL_CB_OK;
}

int xhp_nl_link_parse(const struct nlmsghdr *nlh, struct xhp_link *ret)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct xhp_link l = { 0 };

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	l.ifindex = ifi->ifi_index;
	l.flags = ifi->ifi_flags;
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr, &l) < 0)
		return -EBADMSG;
	*ret = l;
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK && xhp_nl_link_parse(nlh, data) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

struct nlmsghdr *xhp_nl_getlink_msg(struct xhp_nl *nl, uint16_t flags,
				    const char *name, int ifindex)
{
	struct nlmsghdr *nlh = xhp_nl_msg(nl, RTM_GETLINK, flags);
	struct ifinfomsg *ifi;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = name ? 0 : ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nlh;
}

int xhp_nl_link_get(xhp_ctx *ctx, struct xhp_nl *nl, const char *name,
		    int ifindex, struct xhp_link *ret)
{
	char q[XHP_QUOTE_MAX];
	struct xhp_link l = { 0 };
	struct nlmsghdr *nlh;
	const char *ext;
	int r;

	nlh = xhp_nl_getlink_msg(nl, 0, name, ifindex);
	r = xhp_nl_talk(ctx, nl, nlh, link_cb, &l, &ext);
	if (r == -ENODEV || (r == 0 && l.ifindex == 0))
		return -ENODEV; /* the expected answer: the caller's words */
	if (r < 0 && name)
		return xhp_nl_fail(ctx, r, ext, "cannot look up device %s",
				   xhp_quote(q, name));
	if (r < 0)
		return xhp_nl_fail(ctx, r, ext,
				   "cannot look up the device of ifindex %d",
				   ifindex);
	*ret = l;
	return 0;
}
