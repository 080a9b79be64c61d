// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nf_tables batches over libmnl: the message layouts are those of the
 * kernel's net/netfilter/nf_tables_api.c, with the uapi constants.
 */
#include <arpa/inet.h>
#include <net/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "fault.h"
#include "nft.h"
#include "util.h"

/*
 * The kernel answers every failed message of a batch (and the last one,
 * the only one asking: xhp_nft_batch_commit) with an skb of its own of
 * about 800 bytes of the receive buffer, all before the first is read: a
 * batch whose every message fails (its table gone meanwhile) overflows
 * the default buffer (212992 bytes: ENOBUFS at about 250 messages), so
 * the buffer is made to hold them, as nft does. SO_RCVBUFFORCE passes
 * net.core.rmem_max (as root); else the kernel caps SO_RCVBUF there.
 */
static void set_rcvbuf(struct xhp_nft *nft)
{
	int fd = mnl_socket_get_fd(nft->nl->sock);
	int size = XHP_NFT_BATCH_MSGS * 2048;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int xhp_nft_open(xhp_ctx *ctx, struct xhp_nft **ret)
{
	struct xhp_nft *nft;
	int r;

	nft = calloc(1, sizeof(*nft));
	if (!nft)
		return xhp_err(ctx, ENOMEM, "out of memory");
	r = xhp_nl_open_proto(ctx, NETLINK_NETFILTER, "nf_tables netlink",
			      &nft->nl);
	if (r < 0) {
		free(nft);
		return r;
	}
	set_rcvbuf(nft);
	*ret = nft;
	return 0;
}

struct xhp_nft *xhp_nft_close(struct xhp_nft *nft)
{
	if (nft) {
		xhp_nl_close(nft->nl);
		free(nft);
	}
	return NULL;
}

/* The context's socket (ctx->nft), and the namespace it was opened in. */
struct nft_cached {
	struct xhp_nft *nft;
	dev_t ns_dev;
	ino_t ns_ino;
};

static void cached_free(void *p)
{
	struct nft_cached *c = p;

	if (c) {
		xhp_nft_close(c->nft);
		free(c);
	}
}

int xhp_nft_get(xhp_ctx *ctx, struct xhp_nft **ret)
{
	struct nft_cached *c = ctx->nft;
	struct stat st;
	int r;

	if (stat("/proc/thread-self/ns/net", &st) < 0) {
		st.st_dev = 0; /* no /proc: the socket is kept */
		st.st_ino = 0;
	}
	if (c && c->ns_dev == st.st_dev && c->ns_ino == st.st_ino) {
		*ret = c->nft;
		return 0;
	}
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return xhp_err(ctx, ENOMEM, "out of memory");
		ctx->nft = c;
		ctx->nft_free = cached_free;
	}
	c->nft = xhp_nft_close(c->nft);
	r = xhp_nft_open(ctx, &c->nft);
	if (r < 0)
		return r;
	c->ns_dev = st.st_dev;
	c->ns_ino = st.st_ino;
	*ret = c->nft;
	return 0;
}

/* A message header of the nfnetlink subsystem @subsys with its nfgenmsg. */
static struct nlmsghdr *put_hdr(void *buf, uint16_t type, uint16_t flags,
				uint8_t family, uint16_t res_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return nlh;
}

struct nlmsghdr *xhp_nft_put_msg(void *buf, uint16_t type, uint16_t flags)
{
	return put_hdr(buf, (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | type), flags,
		       NFPROTO_NETDEV, 0);
}

unsigned int xhp_nft_shard(const char *ifname)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *ifname; ifname++) {
		h ^= (uint8_t)*ifname;
		h *= 16777619u;
	}
	return h % XHP_NFT_SHARDS;
}

const char *xhp_nft_table_name(char buf[XHP_NFT_TABLE_NAME_MAX],
			       const char *ifname)
{
	snprintf(buf, XHP_NFT_TABLE_NAME_MAX, "%s%02x", XHP_NFT_TABLE_PREFIX,
		 xhp_nft_shard(ifname));
	return buf;
}

void xhp_nft_put_table_attr(struct nlmsghdr *nlh, uint16_t attr,
			    const char *ifname)
{
	char name[XHP_NFT_TABLE_NAME_MAX];

	mnl_attr_put_strz(nlh, attr, xhp_nft_table_name(name, ifname));
}

void xhp_nft_put_comment(struct nlmsghdr *nlh, uint16_t attr,
			 const char *comment)
{
	uint8_t ud[2 + XHP_NFT_FP_MAX + 16];
	size_t n = strlen(comment) + 1;

	if (n > sizeof(ud) - 2)
		n = sizeof(ud) - 2;
	ud[0] = 0;
	ud[1] = (uint8_t)n;
	memcpy(ud + 2, comment, n);
	ud[1 + n] = '\0';
	mnl_attr_put(nlh, attr, 2 + n, ud);
}

struct nlmsghdr *xhp_nft_put_table(void *buf, uint16_t type, uint16_t flags,
				   const char *ifname)
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, type, flags);

	xhp_nft_put_table_attr(nlh, NFTA_TABLE_NAME, ifname);
	if (type == NFT_MSG_NEWTABLE)
		mnl_attr_put_u32(nlh, NFTA_TABLE_FLAGS, htonl(0));
	return nlh;
}

/* "dev-" and "shared-" (XHP_NFT_SHARED_PREFIX) differ before any
 * interface name begins: no device's chain is a shared one. */
const char *xhp_nft_chain_name(char buf[XHP_NFT_CHAIN_NAME_MAX],
			       const char *ifname)
{
	snprintf(buf, XHP_NFT_CHAIN_NAME_MAX, "%s%s", XHP_NFT_CHAIN_PREFIX,
		 ifname);
	return buf;
}

void xhp_nft_put_chain_name(struct nlmsghdr *nlh, uint16_t attr,
			    const char *ifname)
{
	char name[XHP_NFT_CHAIN_NAME_MAX];

	mnl_attr_put_strz(nlh, attr, xhp_nft_chain_name(name, ifname));
}

static void put_chain_name(struct nlmsghdr *nlh, uint16_t attr,
			   const char *ifname)
{
	xhp_nft_put_chain_name(nlh, attr, ifname);
}

struct nlmsghdr *xhp_nft_put_chain(void *buf, uint16_t type, uint16_t flags,
				   const char *ifname)
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, type, flags);
	struct nlattr *hook;

	xhp_nft_put_table_attr(nlh, NFTA_CHAIN_TABLE, ifname);
	put_chain_name(nlh, NFTA_CHAIN_NAME, ifname);
	if (type != NFT_MSG_NEWCHAIN)
		return nlh;
	hook = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
	mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(NF_NETDEV_INGRESS));
	mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY,
			 htonl((uint32_t)XHP_NFT_PRIO));
	mnl_attr_put_strz(nlh, NFTA_HOOK_DEV, ifname);
	mnl_attr_nest_end(nlh, hook);
	mnl_attr_put_u32(nlh, NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "filter");
	return nlh;
}

struct nlmsghdr *xhp_nft_put_flush(void *buf, const char *ifname)
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, NFT_MSG_DELRULE, 0);

	xhp_nft_put_table_attr(nlh, NFTA_RULE_TABLE, ifname);
	put_chain_name(nlh, NFTA_RULE_CHAIN, ifname);
	return nlh;
}

struct nlmsghdr *xhp_nft_put_regular_chain(void *buf, uint16_t type,
					   uint16_t flags, const char *ifname,
					   const char *name)
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, type, flags);

	xhp_nft_put_table_attr(nlh, NFTA_CHAIN_TABLE, ifname);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, name);
	return nlh;
}

/* Open NFTA_LIST_ELEM { NFTA_EXPR_NAME @name, NFTA_EXPR_DATA { ...; the
 * caller fills the data and closes both with expr_end(). */
struct nlattr *xhp_nft_expr_start(struct nlmsghdr *nlh, const char *name,
				  struct nlattr **data)
{
	struct nlattr *elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
	*data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	return elem;
}

void xhp_nft_expr_end(struct nlmsghdr *nlh, struct nlattr *elem,
		      struct nlattr *data)
{
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, elem);
}

struct nlmsghdr *xhp_nft_put_rule_src_mac(void *buf, const char *ifname,
					  const uint8_t mac[6])
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, NFT_MSG_NEWRULE,
					       NLM_F_CREATE | NLM_F_APPEND);
	struct nlattr *list, *elem, *data, *n1, *n2;

	xhp_nft_put_table_attr(nlh, NFTA_RULE_TABLE, ifname);
	put_chain_name(nlh, NFTA_RULE_CHAIN, ifname);
	list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);

	/* meta iiftype == ether: offset 6 is the source MAC only there */
	elem = xhp_nft_expr_start(nlh, "meta", &data);
	mnl_attr_put_u32(nlh, NFTA_META_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_META_KEY, htonl(NFT_META_IIFTYPE));
	xhp_nft_expr_end(nlh, elem, data);
	elem = xhp_nft_expr_start(nlh, "cmp", &data);
	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP, htonl(NFT_CMP_EQ));
	n1 = mnl_attr_nest_start(nlh, NFTA_CMP_DATA);
	mnl_attr_put_u16(nlh, NFTA_DATA_VALUE, ARPHRD_ETHER); /* host order */
	mnl_attr_nest_end(nlh, n1);
	xhp_nft_expr_end(nlh, elem, data);

	/* payload load 6 bytes at link-layer offset 6 (ether saddr) */
	elem = xhp_nft_expr_start(nlh, "payload", &data);
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_BASE, htonl(NFT_PAYLOAD_LL_HEADER));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_OFFSET, htonl(6));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_LEN, htonl(6));
	xhp_nft_expr_end(nlh, elem, data);

	/* cmp neq @mac */
	elem = xhp_nft_expr_start(nlh, "cmp", &data);
	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP, htonl(NFT_CMP_NEQ));
	n1 = mnl_attr_nest_start(nlh, NFTA_CMP_DATA);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, 6, mac);
	mnl_attr_nest_end(nlh, n1);
	xhp_nft_expr_end(nlh, elem, data);

	/* immediate verdict drop */
	elem = xhp_nft_expr_start(nlh, "immediate", &data);
	mnl_attr_put_u32(nlh, NFTA_IMMEDIATE_DREG, htonl(NFT_REG_VERDICT));
	n1 = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	n2 = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl(NF_DROP));
	mnl_attr_nest_end(nlh, n2);
	mnl_attr_nest_end(nlh, n1);
	xhp_nft_expr_end(nlh, elem, data);

	mnl_attr_nest_end(nlh, list);
	return nlh;
}

void xhp_nft_batch_begin(struct xhp_nft *nft)
{
	struct nlmsghdr *nlh;

	nlh = put_hdr(nft->out, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC,
		      NFNL_SUBSYS_NFTABLES);
	nlh->nlmsg_seq = nft->begin_seq = ++nft->nl->seq;
	nft->len = nlh->nlmsg_len;
	nft->n = 0;
}

void *xhp_nft_batch_room(struct xhp_nft *nft)
{
	/* Room for the message and the END after it. */
	if (nft->n >= XHP_NFT_BATCH_MSGS - 1 ||
	    nft->len + 2 * XHP_NFT_MSG_MAX > sizeof(nft->out))
		return NULL;
	return nft->out + nft->len;
}

void xhp_nft_batch_add(struct xhp_nft *nft, struct nlmsghdr *nlh)
{
	nft->last = nlh;
	nlh->nlmsg_seq = ++nft->nl->seq;
	nft->type[nft->n++] = nlh->nlmsg_type & 0xff;
	nft->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static const char *nft_type_name(uint16_t type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE:
		return "NFT_MSG_NEWTABLE";
	case NFT_MSG_DELTABLE:
		return "NFT_MSG_DELTABLE";
	case NFT_MSG_NEWCHAIN:
		return "NFT_MSG_NEWCHAIN";
	case NFT_MSG_DELCHAIN:
		return "NFT_MSG_DELCHAIN";
	case NFT_MSG_NEWRULE:
		return "NFT_MSG_NEWRULE";
	case NFT_MSG_DELRULE:
		return "NFT_MSG_DELRULE";
	default:
		return "nf_tables message";
	}
}

/* What the batch got back so far. Messages are known by their place in
 * the batch, seq - begin_seq (0: BEGIN, n + 1: END), which survives the
 * wrap of the sequence numbers. */
struct batch_acks {
	unsigned int err_at; /* place of the first failed one */
	int err; /* its errno (negative), 0 if none failed */
	uint32_t off; /* NLMSGERR_ATTR_OFFS of its answer, 0: none */
	char ext[sizeof(((struct xhp_nl *)0)->ext)];
};

/* Walk one datagram of answers. 1 when the batch is answered. */
static int batch_read(struct xhp_nft *nft, int len, struct batch_acks *a)
{
	const struct nlmsghdr *h;

	for (h = (const struct nlmsghdr *)nft->nl->buf; xhp_nlmsg_ok(h, len);
	     h = mnl_nlmsg_next(h, &len)) {
		unsigned int at = h->nlmsg_seq - nft->begin_seq;
		int e;

		if (h->nlmsg_type != NLMSG_ERROR || at > nft->n + 1)
			continue;
		nft->nl->ext[0] = '\0';
		nft->nl->ext_off = 0;
		e = xhp_nl_ack_error(nft->nl, h);
		if (e < 0 && (!a->err || at < a->err_at)) {
			a->err = e;
			a->err_at = at;
			a->off = nft->nl->ext_off;
			snprintf(a->ext, sizeof(a->ext), "%s", nft->nl->ext);
		}
		/* The batch itself refused (BEGIN or END): nothing else
		 * comes. The last message's answer comes after those of
		 * every message before it (nfnetlink sends them in order
		 * once the batch is done). */
		if (at == 0 || at >= nft->n)
			return 1;
	}
	return 0;
}

static int batch_wait(xhp_ctx *ctx, struct xhp_nft *nft, struct batch_acks *a)
{
	for (;;) {
		struct pollfd p = { mnl_socket_get_fd(nft->nl->sock), POLLIN,
				    0 };
		int left = xhp_deadline_left_ms(ctx);
		ssize_t n;
		int r;

		r = poll(&p, 1, left < 0 ? 10000 : left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = xhp_nl_recv_kernel(nft->nl);
		if (n == 0 || n == -EINTR || n == -EAGAIN)
			continue;
		if (n < 0)
			return (int)n;
		if (batch_read(nft, (int)n, a))
			return 0;
	}
}

/* The message a failure names, by its place in the batch. */
static const char *place_name(const struct xhp_nft *nft, unsigned int at)
{
	if (at == 0)
		return "NFNL_MSG_BATCH_BEGIN";
	if (at > nft->n)
		return "NFNL_MSG_BATCH_END";
	return nft_type_name(nft->type[at - 1]);
}

/* The names of the attributes of our messages: @parent is 0 at the top. */
static const char *attr_name(uint16_t msg, uint16_t parent, uint16_t type)
{
	static const char *const table[] = {
		[NFTA_TABLE_NAME] = "name",
		[NFTA_TABLE_FLAGS] = "flags",
	};
	static const char *const chain[] = {
		[NFTA_CHAIN_TABLE] = "table",
		[NFTA_CHAIN_NAME] = "name",
		[NFTA_CHAIN_HOOK] = "hook",
		[NFTA_CHAIN_POLICY] = "policy",
		[NFTA_CHAIN_TYPE] = "type",
		[NFTA_CHAIN_USERDATA] = "userdata",
	};
	static const char *const hook[] = { [NFTA_HOOK_HOOKNUM] = "hooknum",
					    [NFTA_HOOK_PRIORITY] = "priority",
					    [NFTA_HOOK_DEV] = "dev" };
	static const char *const rule[] = {
		[NFTA_RULE_TABLE] = "table",
		[NFTA_RULE_CHAIN] = "chain",
		[NFTA_RULE_EXPRESSIONS] = "expressions",
	};
	const char *const *names = NULL;
	size_t n = 0;

#define NAMES(a) (names = (a), n = sizeof(a) / sizeof((a)[0]))
	if (msg == NFT_MSG_NEWTABLE && !parent) {
		NAMES(table);
	} else if (msg == NFT_MSG_NEWCHAIN || msg == NFT_MSG_DELCHAIN) {
		if (!parent)
			NAMES(chain);
		else if (parent == NFTA_CHAIN_HOOK)
			NAMES(hook);
	} else if ((msg == NFT_MSG_NEWRULE || msg == NFT_MSG_DELRULE) &&
		   !parent) {
		NAMES(rule);
	}
#undef NAMES
	return names && type < n ? names[type] : NULL;
}

/*
 * Describe the attribute at @off bytes into @nlh (the kernel's
 * NLMSGERR_ATTR_OFFS): "hook dev", "expressions 2 data 1", down to where
 * the offset points.
 */
static void describe_attr(const struct nlmsghdr *nlh, uint32_t off, char *buf,
			  size_t size)
{
	const char *p = (const char *)nlh, *end = p + nlh->nlmsg_len;
	const struct nlattr *a;
	uint16_t parent = 0;
	size_t used = 0;

	buf[0] = '\0';
	a = (const struct nlattr *)(p + NLMSG_HDRLEN +
				    MNL_ALIGN(sizeof(struct nfgenmsg)));
	while ((const char *)a + sizeof(*a) <= end && off < nlh->nlmsg_len) {
		size_t start = (size_t)((const char *)a - p);
		uint16_t type = mnl_attr_get_type(a);
		const char *name;

		if (a->nla_len < sizeof(*a) ||
		    start + a->nla_len > (size_t)(end - p))
			return;
		if (off >= start + MNL_ALIGN(a->nla_len)) {
			a = (const struct nlattr *)((const char *)a +
						    MNL_ALIGN(a->nla_len));
			continue;
		}
		if (off < start)
			return;
		name = attr_name(nlh->nlmsg_type & 0xff, parent, type);
		if (used < size)
			used += (size_t)snprintf(buf + used, size - used,
						 "%s%s", used ? " " : "",
						 name ? name : "");
		if (!name && used < size)
			used += (size_t)snprintf(buf + used, size - used, "%u",
						 type);
		if (off == start || !(a->nla_type & NLA_F_NESTED))
			return;
		parent = parent ? UINT16_MAX : type;
		end = (const char *)a + a->nla_len;
		a = mnl_attr_get_payload(a);
	}
}

/* The message at @at in the batch (0: BEGIN). */
static const struct nlmsghdr *place_msg(const struct xhp_nft *nft,
					unsigned int at)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)nft->out;
	int len = (int)nft->len;

	for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len))
		if (h->nlmsg_seq - nft->begin_seq == at)
			return h;
	return NULL;
}

/* The failure of the batch: the message, errno, the kernel's words and
 * the attribute it pointed at. */
static int batch_error(xhp_ctx *ctx, const struct xhp_nft *nft,
		       const struct batch_acks *a)
{
	const struct nlmsghdr *h = place_msg(nft, a->err_at);
	char at[96] = "";

	if (h && a->off)
		describe_attr(h, a->off, at, sizeof(at));
	return xhp_err(ctx, -a->err, "nf_tables %s failed: %s%s%s%s%s%s",
		       place_name(nft, a->err_at), strerror(-a->err),
		       a->ext[0] ? ": " : "", a->ext,
		       at[0] ? " (attribute " : "", at, at[0] ? ")" : "");
}

int xhp_nft_batch_commit(xhp_ctx *ctx, struct xhp_nft *nft)
{
	struct batch_acks a = { 0 };
	struct nlmsghdr *nlh;
	int r;

	/* Only the last message asks for an answer: nfnetlink answers every
	 * failed one anyway, and its answers come once the whole batch is
	 * done, so the last one's says it is. One answer instead of one per
	 * message (an skb each). */
	if (nft->n)
		nft->last->nlmsg_flags |= NLM_F_ACK;
	if (nft->len + XHP_NFT_MSG_MAX > sizeof(nft->out))
		return xhp_err(ctx, ENOSPC, "nf_tables batch too big");
	nlh = put_hdr(nft->out + nft->len, NFNL_MSG_BATCH_END, 0, AF_UNSPEC,
		      NFNL_SUBSYS_NFTABLES);
	nlh->nlmsg_seq = ++nft->nl->seq;
	nft->len += nlh->nlmsg_len;
	r = xhp_fault(ctx, XHP_FAULT_NL, "nf_tables batch");
	if (r < 0)
		return xhp_err(ctx, -r, "nf_tables batch: %s", strerror(-r));
	if (mnl_socket_sendto(nft->nl->sock, nft->out, nft->len) < 0) {
		r = errno;
		return xhp_err(ctx, r, "cannot send the nf_tables batch: %s",
			       strerror(r));
	}
	r = batch_wait(ctx, nft, &a);
	if (r < 0)
		return xhp_err(ctx, -r, "nf_tables batch: %s", strerror(-r));
	if (a.err < 0)
		return batch_error(ctx, nft, &a);
	return 0;
}

/* Add the message @put builds at @m, the batch's room: 0, or -ENOSPC
 * when the batch is full. */
#define BATCH_PUT(nft, m, put)                                                \
	(((m) = xhp_nft_batch_room(nft)) ? (xhp_nft_batch_add(nft, put), 0) : \
					   -ENOSPC)

/*
 * The shard's table made sure of, and the device's chain created if
 * missing, then its rules and it deleted: the chain is gone, whether or
 * not it was there.
 */
int xhp_nft_put_dev_gone(struct xhp_nft *nft, const char *ifname)
{
	void *buf;
	int r;

	r = xhp_nft_put_shard(nft, ifname);
	if (r >= 0)
		r = BATCH_PUT(nft, buf,
			      xhp_nft_put_chain(buf, NFT_MSG_NEWCHAIN,
						NLM_F_CREATE, ifname));
	if (r >= 0)
		r = BATCH_PUT(nft, buf, xhp_nft_put_flush(buf, ifname));
	if (r >= 0)
		r = BATCH_PUT(nft, buf,
			      xhp_nft_put_chain(buf, NFT_MSG_DELCHAIN, 0,
						ifname));
	return r;
}

int xhp_nft_put_shard(struct xhp_nft *nft, const char *ifname)
{
	void *buf;

	return BATCH_PUT(nft, buf,
			 xhp_nft_put_table(buf, NFT_MSG_NEWTABLE, NLM_F_CREATE,
					   ifname));
}

int xhp_nft_check_ifname(xhp_ctx *ctx, const char *ifname)
{
	if (!ifname || !xhp_ifname_valid(ifname))
		return xhp_err(ctx, EINVAL, "invalid interface name '%s'",
			       ifname ? ifname : "(null)");
	return 0;
}

int xhp_nft_dev_replace(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
			const uint8_t mac[6])
{
	void *m;
	int r;

	r = xhp_nft_check_ifname(ctx, ifname);
	if (r < 0)
		return r;
	xhp_nft_batch_begin(nft);
	r = xhp_nft_put_dev_gone(nft, ifname);
	if (r >= 0)
		r = BATCH_PUT(nft, m,
			      xhp_nft_put_chain(m, NFT_MSG_NEWCHAIN,
						NLM_F_CREATE | NLM_F_EXCL,
						ifname));
	if (r >= 0)
		r = BATCH_PUT(nft, m, xhp_nft_put_rule_src_mac(m, ifname, mac));
	if (r < 0)
		return xhp_err(ctx, -r, "nf_tables batch too big");
	return xhp_nft_batch_commit(ctx, nft);
}

/* The comment's fingerprint: nft's user data is TLVs (type, length,
 * value); a comment (type 0) is a NUL-terminated string. */
static void parse_comment(const uint8_t *ud, size_t len,
			  struct xhp_nft_dev_state *ret)
{
	static const char pre[] = XHP_NFT_FP_PREFIX;
	size_t i = 0;

	while (i + 2 <= len) {
		size_t n = ud[i + 1];
		const char *v = (const char *)ud + i + 2;

		if (i + 2 + n > len)
			return;
		if (ud[i] == 0 && n > sizeof(pre) - 1 && v[n - 1] == '\0' &&
		    !memcmp(v, pre, sizeof(pre) - 1) &&
		    n - sizeof(pre) < sizeof(ret->fp)) {
			memcpy(ret->fp, v + sizeof(pre) - 1, n - sizeof(pre));
			ret->fp[n - sizeof(pre)] = '\0';
			return;
		}
		i += 2 + n;
	}
}

static int chain_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, NFTA_CHAIN_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

int xhp_nft_chain_parse(const struct nlmsghdr *nlh,
			struct xhp_nft_dev_state *ret)
{
	const struct nlattr *tb[NFTA_CHAIN_MAX + 1] = { 0 };

	*ret = (struct xhp_nft_dev_state){ 0 };
	if (nlh->nlmsg_type != (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWCHAIN))
		return 0;
	if (nlh->nlmsg_len <
	    MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct nfgenmsg)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), chain_attr_cb, tb) <
	    MNL_CB_STOP)
		return -EINVAL;
	ret->present = true;
	if (tb[NFTA_CHAIN_USERDATA])
		parse_comment(mnl_attr_get_payload(tb[NFTA_CHAIN_USERDATA]),
			      mnl_attr_get_payload_len(tb[NFTA_CHAIN_USERDATA]),
			      ret);
	return 0;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	if (xhp_nft_chain_parse(nlh, data) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int xhp_nft_dev_state(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
		      struct xhp_nft_dev_state *ret)
{
	struct xhp_nft_dev_state st = { 0 };
	struct nlmsghdr *nlh;
	const char *ext;
	int r;

	r = xhp_nft_check_ifname(ctx, ifname);
	if (r < 0)
		return r;
	nlh = xhp_nft_put_chain(nft->nl->buf, NFT_MSG_GETCHAIN, 0, ifname);
	nlh->nlmsg_seq = ++nft->nl->seq;
	r = xhp_nl_talk(ctx, nft->nl, nlh, chain_cb, &st, &ext);
	if (r == -ENOENT) {
		*ret = (struct xhp_nft_dev_state){ 0 };
		return 0;
	}
	if (r < 0)
		return xhp_nl_fail(ctx, r, ext,
				   "cannot look up the nf_tables chain of %s",
				   ifname);
	*ret = st;
	return 0;
}

int xhp_nft_dev_present(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname)
{
	struct xhp_nft_dev_state st;
	int r;

	r = xhp_nft_dev_state(ctx, nft, ifname, &st);
	return r < 0 ? r : st.present;
}

int xhp_nft_dev_remove(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname)
{
	void *buf;
	int r;

	/* Nothing there: no batch, so no transaction for the socket's close
	 * to wait for (see xhp_nft_dev_state()). */
	r = xhp_nft_dev_present(ctx, nft, ifname);
	if (r <= 0)
		return r;
	/* Its rules and it: 2 messages, no creates. Asked first, not found
	 * by a batch that fails: a failed batch costs the kernel's abort
	 * (15 ms here, an RCU grace period). Gone meanwhile (another run
	 * removed it): made sure of, then deleted. */
	xhp_nft_batch_begin(nft);
	r = BATCH_PUT(nft, buf, xhp_nft_put_flush(buf, ifname));
	if (r >= 0)
		r = BATCH_PUT(nft, buf,
			      xhp_nft_put_chain(buf, NFT_MSG_DELCHAIN, 0,
						ifname));
	if (r >= 0)
		r = xhp_nft_batch_commit(ctx, nft);
	if (r != -ENOENT)
		return r;
	xhp_clear_error(ctx);
	xhp_nft_batch_begin(nft);
	r = xhp_nft_put_dev_gone(nft, ifname);
	if (r < 0)
		return xhp_err(ctx, -r, "nf_tables batch too big");
	return xhp_nft_batch_commit(ctx, nft);
}

static bool shared_bit(struct xhp_nft *nft, const char *ifname,
		       const char *name, uint8_t *mask, uint8_t **byte)
{
	unsigned int shard = xhp_nft_shard(ifname);

	if (strcmp(nft->shared, name)) {
		/* another shared chain: what is known is of the old one */
		snprintf(nft->shared, sizeof(nft->shared), "%s", name);
		memset(nft->shared_ok, 0, sizeof(nft->shared_ok));
	}
	*byte = &nft->shared_ok[shard / 8];
	*mask = (uint8_t)(1u << (shard % 8));
	return **byte & *mask;
}

void xhp_nft_shared_known(struct xhp_nft *nft, const char *ifname,
			  const char *name, bool there)
{
	uint8_t mask, *byte;

	shared_bit(nft, ifname, name, &mask, &byte);
	if (there)
		*byte |= mask;
	else
		*byte &= (uint8_t)~mask;
}

int xhp_nft_shared_present(xhp_ctx *ctx, struct xhp_nft *nft,
			   const char *ifname, const char *name)
{
	struct nlmsghdr *nlh;
	uint8_t mask, *byte;
	const char *ext;
	int r;

	if (shared_bit(nft, ifname, name, &mask, &byte))
		return 1;
	nlh = xhp_nft_put_regular_chain(nft->nl->buf, NFT_MSG_GETCHAIN, 0,
					ifname, name);
	nlh->nlmsg_seq = ++nft->nl->seq;
	r = xhp_nl_talk(ctx, nft->nl, nlh, NULL, NULL, &ext);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return xhp_nl_fail(ctx, r, ext,
				   "cannot look up the nf_tables chain %s",
				   name);
	*byte |= mask;
	return 1;
}
