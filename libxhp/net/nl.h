/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnetlink over libmnl: one socket per context, request/ack with the
 * kernel's errno and extended-ack message, link lookup by name (never a
 * dump). Built on by the network personalities' own netlink files.
 *
 * The net/ layer's error rule (nl, link, link_change, vifname, route_nl,
 * ovsdb): every function that makes a request on its caller's behalf (a
 * netlink request, a sysctl, an OVSDB transaction) returns a negative
 * errno and sets the context's message (xhp_err) naming the step, the
 * object (device, address, route, bridge, port) and the system's reason
 * with the kernel's extended ack, as xhp_nl_fail() words it:
 * "cannot set MTU 65535 on guest0: Invalid argument (kernel: ...)".
 * The caller passes the message on as it is, or words its own step over
 * it. The only errors returned without a message, for the caller to
 * phrase, are the answers a lookup is asked for:
 *   -ENODEV  no link of that name or index (xhp_nl_link_get), no bridge
 *            at all (xhp_link_first_bridge);
 *   -ENOENT  no such address, route, neighbour or sysctl (route_nl.h),
 *            also when a delete finds nothing to delete.
 * xhp_nl_talk() is the transport under all of them and knows no object:
 * it returns the bare errno and leaves the extended ack in *ret_ext for
 * its caller in net/ to word; nothing outside net/ calls it.
 * Nothing in net/ logs an error it returns.
 */
#ifndef XHP_NL_H
#define XHP_NL_H

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "internal.h"

struct xhp_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[16384]; /* MNL_SOCKET_BUFFER_SIZE, aligned */
	char ext[256]; /* the last extended-ack message */
	/* NLMSGERR_ATTR_OFFS of the last extended ack: the offending
	 * attribute's offset in the request, 0 if none was named */
	uint32_t ext_off;
};

/* Open the rtnetlink socket (NETLINK_ROUTE, extended acks on). */
int xhp_nl_open(xhp_ctx *ctx, struct xhp_nl **ret);
struct xhp_nl *xhp_nl_close(struct xhp_nl *nl);

/* The same for another netlink protocol (NETLINK_NETFILTER); @what names
 * it in the error message. */
int xhp_nl_open_proto(xhp_ctx *ctx, int proto, const char *what,
		      struct xhp_nl **ret);

/*
 * Receive one datagram into nl->buf without waiting. Only the kernel's
 * count: any local process may unicast to our port id, so a datagram from
 * another sender is dropped (0). Returns its length, 0, or a negative
 * errno (-EAGAIN: nothing there, -ENOSPC: truncated).
 */
ssize_t xhp_nl_recv_kernel(struct xhp_nl *nl);

/* An NLMSG_ERROR: 0 (the ack), -EBADMSG if malformed, or the kernel's
 * negative errno with its extended-ack text in nl->ext ("" if none). */
int xhp_nl_ack_error(struct xhp_nl *nl, const struct nlmsghdr *nlh);

/*
 * mnl_nlmsg_ok() that also refuses an nlmsg_len of 2^31 or more: libmnl
 * (1.0.4) compares it with @len as an int, so such a header passes and
 * the walk (and the parsers) leave the buffer.
 */
static inline bool xhp_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_len <= (unsigned int)len;
}

/* Start a request in nl->buf; the caller adds the family header. */
struct nlmsghdr *xhp_nl_msg(struct xhp_nl *nl, uint16_t type, uint16_t flags);

/*
 * Send @nlh (NLM_F_ACK is added) and wait for the kernel's answer within
 * the context's deadline; datagrams from other senders are dropped. @cb
 * (may be NULL) sees each answer message; one that returns MNL_CB_ERROR
 * ends the call with -errno as it set it (-EIO if it set none). Returns
 * 0, or the kernel's negative errno WITHOUT a message (the transport: its
 * caller in net/ words the step, see the top); *ret_ext (may be NULL)
 * gets the extended-ack text, or "" (a buffer in @nl, valid until the
 * next call).
 */
int xhp_nl_talk(xhp_ctx *ctx, struct xhp_nl *nl, struct nlmsghdr *nlh,
		mnl_cb_t cb, void *data, const char **ret_ext);

/*
 * The net/ message of a failed request: "<step>: <strerror(r)>", then
 * " (kernel: <ext>)" when @ext (may be NULL) is not empty. @fmt words the
 * step and its object ("cannot add route %s dev %s"); untrusted names go
 * in as "%s" arguments. Returns @r (negative).
 */
int xhp_nl_fail(xhp_ctx *ctx, int r, const char *ext, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A link, as one RTM_GETLINK by name returns it. */
struct xhp_link {
	int ifindex;
	char name[IFNAMSIZ];
	unsigned int flags; /* IFF_* */
	unsigned int mtu;
	int master; /* ifindex, 0 if none */
	uint8_t addr[6];
	bool has_addr;
	char kind[16]; /* IFLA_INFO_KIND: "bridge", "tun", "veth" */
	/* IFLA_IFALIAS, whole (IFALIASZ, 256, with the NUL): a renamed
	 * vif's mark (vifname.h), or whatever alias the link had. */
	char alias[256];
};

/*
 * Start an RTM_GETLINK in nl->buf for @name, or @ifindex when @name is
 * NULL (a dump with NLM_F_DUMP in @flags: neither), without statistics.
 */
struct nlmsghdr *xhp_nl_getlink_msg(struct xhp_nl *nl, uint16_t flags,
				    const char *name, int ifindex);

/* Parse an RTM_NEWLINK message (-EBADMSG if it is none or malformed). */
int xhp_nl_link_parse(const struct nlmsghdr *nlh, struct xhp_link *ret);

/*
 * Look a link up by name (or by index when @name is NULL). -ENODEV, with
 * no message, if there is none; any other failure says "cannot look up
 * device <name>" on the context.
 */
int xhp_nl_link_get(xhp_ctx *ctx, struct xhp_nl *nl, const char *name,
		    int ifindex, struct xhp_link *ret);

#endif /* XHP_NL_H */
