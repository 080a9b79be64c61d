// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A guest's policy as nf_tables rules (nft_policy.h). The rules are first
 * planned as a list of small descriptions (struct rule), from which both
 * the netlink messages (layouts of the kernel's nft_meta, nft_cmp,
 * nft_payload, nft_bitwise, nft_limit, nft_counter, nft_immediate) and
 * the dry run's text are made: what is printed is what is installed.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nft_policy.h"
#include "util.h"

/* Fields a rule compares, at their place in the frame. */
enum field {
	F_ETH_SRC = 1,
	F_ARP_SHA,
	F_ARP_SPA,
	F_IP4_SRC,
	F_IP6_SRC,
	F_TH_SPORT,
	F_TH_PORTS, /* source and destination port: 4 bytes */
	F_ICMP_TYPE,
	F_ND_TARGET,
	F_ARP_HDR, /* hardware and protocol type and length */
	F_ND_OPT, /* the first option's type and length (NS, NA) */
	F_ND_OPT_LLA, /* its link-layer address */
	F_ND_OPT2, /* the type of an option right after the first */
};

static const struct {
	const char *name; /* nft's */
	uint32_t base, off, len;
} fields[] = {
	[F_ETH_SRC] = { "ether saddr", NFT_PAYLOAD_LL_HEADER, 6, 6 },
	[F_ARP_SHA] = { "arp saddr ether", NFT_PAYLOAD_NETWORK_HEADER, 8, 6 },
	[F_ARP_SPA] = { "arp saddr ip", NFT_PAYLOAD_NETWORK_HEADER, 14, 4 },
	[F_IP4_SRC] = { "ip saddr", NFT_PAYLOAD_NETWORK_HEADER, 12, 4 },
	[F_IP6_SRC] = { "ip6 saddr", NFT_PAYLOAD_NETWORK_HEADER, 8, 16 },
	[F_TH_SPORT] = { "th sport", NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2 },
	[F_TH_PORTS] = { "th sport . th dport", NFT_PAYLOAD_TRANSPORT_HEADER, 0,
			 4 },
	[F_ICMP_TYPE] = { "type", NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1 },
	[F_ND_TARGET] = { "icmpv6 nd target", NFT_PAYLOAD_TRANSPORT_HEADER, 8,
			  16 },
	[F_ARP_HDR] = { "arp htype . ptype . hlen . plen",
			NFT_PAYLOAD_NETWORK_HEADER, 0, 6 },
	[F_ND_OPT] = { "@th,192,16", NFT_PAYLOAD_TRANSPORT_HEADER, 24, 2 },
	[F_ND_OPT_LLA] = { "@th,208,48", NFT_PAYLOAD_TRANSPORT_HEADER, 26, 6 },
	[F_ND_OPT2] = { "@th,256,8", NFT_PAYLOAD_TRANSPORT_HEADER, 32, 1 },
};

struct match {
	int field; /* 0: none */
	bool neq;
	int prefix; /* bits compared; the field's whole length if < 0 */
	uint8_t val[16];
};

struct rule {
	int chain; /* XHP_NFT_CH_* */
	uint16_t proto; /* meta protocol (ETH_P_*), 0: any */
	uint8_t l4; /* meta l4proto, 0: any */
	struct match m[3];
	uint64_t rate; /* limit rate over @rate bytes/second, 0: none */
	int verdict; /* NF_DROP, NFT_RETURN or NFT_JUMP */
	int jump; /* the chain of NFT_JUMP */
	const char *comment; /* with a counter; NULL: neither */
};

/* Fixed rules, and two per address at most. */
#define RULES_MAX (32 + 2 * XHP_NFT_POLICY_IPS_MAX)

struct plan {
	struct rule r[RULES_MAX];
	size_t n;
	bool chains; /* the regular chains are used */
};

uint64_t xhp_nft_rate_per_second(uint64_t bytes, uint32_t usecs)
{
	if (!usecs)
		return 0;
	if (bytes <= UINT64_MAX / 1000000)
		return (bytes * 1000000 + usecs / 2) / usecs;
	return bytes / usecs * 1000000;
}

bool xhp_nft_policy_empty(const struct xhp_nft_policy *p)
{
	return !p->antispoof &&
	       !xhp_nft_rate_per_second(p->rate_bytes, p->rate_usecs);
}

static struct rule *add(struct plan *pl, int chain, uint16_t proto, uint8_t l4,
			int verdict, const char *comment)
{
	struct rule *r = &pl->r[pl->n++];

	*r = (struct rule){ .chain = chain,
			    .proto = proto,
			    .l4 = l4,
			    .verdict = verdict,
			    .comment = comment };
	r->m[0].prefix = r->m[1].prefix = r->m[2].prefix = -1;
	return r;
}

static void set_match(struct match *m, int field, bool neq, const void *val,
		      int prefix)
{
	m->field = field;
	m->neq = neq;
	m->prefix = prefix;
	memcpy(m->val, val, fields[field].len);
}

static void add_jump(struct plan *pl, uint16_t proto, uint8_t l4, int chain)
{
	add(pl, XHP_NFT_CH_BASE, proto, l4, NFT_JUMP, NULL)->jump = chain;
}

static void add_drop_type(struct plan *pl, uint16_t proto, uint8_t l4,
			  uint8_t type, const char *comment)
{
	struct rule *r = add(pl, XHP_NFT_CH_BASE, proto, l4, NF_DROP, comment);

	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
}

static void add_drop_sport(struct plan *pl, uint16_t port, const char *comment)
{
	struct rule *r =
		add(pl, XHP_NFT_CH_BASE, 0, IPPROTO_UDP, NF_DROP, comment);
	uint16_t be = htons(port);

	set_match(&r->m[0], F_TH_SPORT, false, &be, -1);
}

/*
 * Neighbour solicitations and advertisements (@type) carry one option,
 * the sender's (1) or the target's (2) link-layer address (@opt), 24
 * bytes into the message (RFC 4861 4.3, 4.4); the receiver's neighbour
 * entry takes its MAC, as ARP's takes the sender's. Another MAC there
 * is dropped, and so is a second such option right after it (a stack
 * that keeps the last duplicate would take that one; Linux and the BSDs
 * keep the first). The nonce of DAD (RFC 7527, option 14) is no
 * link-layer address.
 */
static void add_nd_options(struct plan *pl, uint8_t type, uint8_t opt,
			   const uint8_t mac[6], const char *other_mac,
			   const char *second)
{
	const uint8_t hdr[2] = { opt, 1 };
	struct rule *r;

	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NF_DROP,
		other_mac);
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_ND_OPT, false, hdr, -1);
	set_match(&r->m[2], F_ND_OPT_LLA, true, mac, -1);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NF_DROP,
		second);
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_ND_OPT2, false, &opt, -1);
}

/* "return" from @chain for @field within @ip (its prefix). */
static void add_allow(struct plan *pl, int chain, int field,
		      const struct xhp_ip *ip, uint8_t l4)
{
	struct rule *r = add(pl, chain, 0, l4, NFT_RETURN, NULL);

	set_match(&r->m[0], field, false, ip->addr,
		  ip->has_prefix ? ip->prefix : -1);
}

/* The link-local address of @mac (modified EUI-64). */
static void link_local(const uint8_t mac[6], struct xhp_ip *ip)
{
	static const uint8_t pre[8] = { 0xfe, 0x80 };

	*ip = (struct xhp_ip){ .family = AF_INET6, .prefix = 128 };
	memcpy(ip->addr, pre, 8);
	ip->addr[8] = mac[0] ^ 0x02;
	ip->addr[9] = mac[1];
	ip->addr[10] = mac[2];
	ip->addr[11] = 0xff;
	ip->addr[12] = 0xfe;
	ip->addr[13] = mac[3];
	ip->addr[14] = mac[4];
	ip->addr[15] = mac[5];
}

static void plan_antispoof(struct plan *pl, const struct xhp_nft_policy *p)
{
	static const uint8_t zero[16];
	static const uint8_t dhcp_ports[4] = { 0, 68, 0, 67 };
	/* Ethernet (1), IPv4, 6 and 4 bytes: where arp saddr is */
	static const uint8_t arp_hdr[6] = { 0, 1, 8, 0, 6, 4 };
	const struct xhp_ip unspec6 = { .family = AF_INET6, .prefix = 128 };
	struct xhp_ip ll;
	struct rule *r;
	size_t i;

	pl->chains = true;
	link_local(p->mac, &ll);
	r = add(pl, XHP_NFT_CH_BASE, 0, 0, NF_DROP, "xhp: forged source MAC");
	set_match(&r->m[0], F_ETH_SRC, true, p->mac, -1);
	/*
	 * The kernel takes one VLAN tag off before the ingress hook, and the
	 * rules below see the frame inside; under a second tag they would
	 * see only its ether type and match nothing.
	 */
	add(pl, XHP_NFT_CH_BASE, ETH_P_8021Q, 0, NF_DROP,
	    "xhp: stacked VLAN tags");
	add(pl, XHP_NFT_CH_BASE, ETH_P_8021AD, 0, NF_DROP,
	    "xhp: stacked VLAN tags");
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_ARP, 0, NF_DROP,
		"xhp: ARP other than Ethernet/IPv4");
	set_match(&r->m[0], F_ARP_HDR, true, arp_hdr, -1);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_ARP, 0, NF_DROP,
		"xhp: forged ARP sender MAC");
	set_match(&r->m[0], F_ARP_SHA, true, p->mac, -1);
	add_jump(pl, ETH_P_ARP, 0, XHP_NFT_CH_ARP);
	add_drop_sport(pl, 67, "xhp: DHCP server reply");
	add_drop_sport(pl, 547, "xhp: DHCPv6 server reply");
	add_drop_type(pl, ETH_P_IP, IPPROTO_ICMP, 5, "xhp: ICMP redirect");
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 134,
		      "xhp: router advertisement");
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 137,
		      "xhp: ICMPv6 redirect");
	add_nd_options(pl, 135, 1, p->mac,
		       "xhp: neighbour solicitation from another MAC",
		       "xhp: neighbour solicitation with two source MACs");
	add_nd_options(pl, 136, 2, p->mac,
		       "xhp: neighbour advertisement of another MAC",
		       "xhp: neighbour advertisement with two target MACs");
	add_jump(pl, ETH_P_IP, 0, XHP_NFT_CH_IP4);
	add_jump(pl, ETH_P_IPV6, 0, XHP_NFT_CH_IP6);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NFT_JUMP,
		NULL);
	set_match(&r->m[0], F_ICMP_TYPE, false, (const uint8_t[]){ 136 }, -1);
	r->jump = XHP_NFT_CH_ND;

	/* ARP: a probe (sender 0.0.0.0), or an address of ip */
	r = add(pl, XHP_NFT_CH_ARP, 0, 0, NFT_RETURN, NULL);
	set_match(&r->m[0], F_ARP_SPA, false, zero, -1);
	for (i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == AF_INET)
			add_allow(pl, XHP_NFT_CH_ARP, F_ARP_SPA, &p->ips[i], 0);
	add(pl, XHP_NFT_CH_ARP, 0, 0, NF_DROP, "xhp: forged ARP sender IP");

	/* IPv4: a DHCP client without an address, or an address of ip */
	r = add(pl, XHP_NFT_CH_IP4, 0, IPPROTO_UDP, NFT_RETURN, NULL);
	set_match(&r->m[0], F_IP4_SRC, false, zero, -1);
	set_match(&r->m[1], F_TH_PORTS, false, dhcp_ports, -1);
	for (i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == AF_INET)
			add_allow(pl, XHP_NFT_CH_IP4, F_IP4_SRC, &p->ips[i], 0);
	add(pl, XHP_NFT_CH_IP4, 0, 0, NF_DROP, "xhp: forged IPv4 source");

	/* IPv6: :: for ICMPv6 (DAD, MLD), the MAC's link-local, ip's */
	add_allow(pl, XHP_NFT_CH_IP6, F_IP6_SRC, &unspec6, IPPROTO_ICMPV6);
	add_allow(pl, XHP_NFT_CH_IP6, F_IP6_SRC, &ll, 0);
	for (i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == AF_INET6)
			add_allow(pl, XHP_NFT_CH_IP6, F_IP6_SRC, &p->ips[i], 0);
	add(pl, XHP_NFT_CH_IP6, 0, 0, NF_DROP, "xhp: forged IPv6 source");

	/* Neighbour advertisements: for the guest's own addresses only */
	add_allow(pl, XHP_NFT_CH_ND, F_ND_TARGET, &ll, 0);
	for (i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == AF_INET6)
			add_allow(pl, XHP_NFT_CH_ND, F_ND_TARGET, &p->ips[i],
				  0);
	add(pl, XHP_NFT_CH_ND, 0, 0, NF_DROP,
	    "xhp: neighbour advertisement for another address");
}

static void make_plan(const struct xhp_nft_policy *p, struct plan *pl)
{
	uint64_t rate = xhp_nft_rate_per_second(p->rate_bytes, p->rate_usecs);

	pl->n = 0;
	pl->chains = false;
	if (rate)
		add(pl, XHP_NFT_CH_BASE, 0, 0, NF_DROP, "xhp: over the rate")
			->rate = rate;
	if (p->antispoof)
		plan_antispoof(pl, p);
}

/* --- fingerprint --- */

/* Bumped when the messages made of a plan change but the plan does not:
 * a table of the older making then differs from what is expected. */
#define PLAN_FORMAT 1

static void fnv(uint64_t *h, const void *v, size_t n)
{
	const uint8_t *p = v;
	size_t i;

	for (i = 0; i < n; i++) {
		*h ^= p[i];
		*h *= 0x100000001b3ull;
	}
}

static void fnv_int(uint64_t *h, int64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (8 * i));
	fnv(h, b, sizeof(b));
}

/* FNV-1a over every rule, field by field (no padding bytes), as 16 hex
 * digits; "" for no rules. */
static void plan_fingerprint(const struct plan *pl, char fp[XHP_NFT_FP_MAX])
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, j;

	fp[0] = '\0';
	if (!pl->n)
		return;
	fnv_int(&h, PLAN_FORMAT);
	fnv_int(&h, pl->chains);
	for (i = 0; i < pl->n; i++) {
		const struct rule *r = &pl->r[i];

		fnv_int(&h, r->chain);
		fnv_int(&h, r->proto);
		fnv_int(&h, r->l4);
		for (j = 0; j < ARRAY_SIZE(r->m); j++) {
			fnv_int(&h, r->m[j].field);
			if (!r->m[j].field)
				continue;
			fnv_int(&h, r->m[j].neq);
			fnv_int(&h, r->m[j].prefix);
			fnv(&h, r->m[j].val, fields[r->m[j].field].len);
		}
		fnv_int(&h, (int64_t)r->rate);
		fnv_int(&h, r->verdict);
		fnv_int(&h, r->verdict == NFT_JUMP ? r->jump : 0);
		if (r->comment)
			fnv(&h, r->comment, strlen(r->comment) + 1);
		else
			fnv_int(&h, 0);
	}
	snprintf(fp, XHP_NFT_FP_MAX, "%016llx", (unsigned long long)h);
}

int xhp_nft_policy_fingerprint(const struct xhp_nft_policy *p,
			       char fp[XHP_NFT_FP_MAX])
{
	struct plan *pl;
	int chains;

	if (p->antispoof && p->n_ips > XHP_NFT_POLICY_IPS_MAX)
		return -E2BIG; /* more rules than a plan holds */
	pl = malloc(sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	make_plan(p, pl);
	plan_fingerprint(pl, fp);
	chains = !pl->n ? 0 : pl->chains ? XHP_NFT_CHAINS : 1;
	free(pl);
	return chains;
}

/* --- messages --- */

static void put_data(struct nlmsghdr *nlh, uint16_t attr, const void *v,
		     size_t len)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, attr);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(nlh, n);
}

static void e_meta(struct nlmsghdr *nlh, uint32_t key)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "meta", &d);
	mnl_attr_put_u32(nlh, NFTA_META_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_META_KEY, htonl(key));
	xhp_nft_expr_end(nlh, e, d);
}

static void e_cmp(struct nlmsghdr *nlh, bool neq, const void *v, size_t len)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "cmp", &d);
	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP,
			 htonl(neq ? NFT_CMP_NEQ : NFT_CMP_EQ));
	put_data(nlh, NFTA_CMP_DATA, v, len);
	xhp_nft_expr_end(nlh, e, d);
}

static void e_payload(struct nlmsghdr *nlh, int field)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "payload", &d);
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_BASE, htonl(fields[field].base));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_OFFSET, htonl(fields[field].off));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_LEN, htonl(fields[field].len));
	xhp_nft_expr_end(nlh, e, d);
}

static void prefix_mask(uint8_t *mask, size_t len, int prefix)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int bits = prefix - (int)i * 8;

		mask[i] = bits >= 8 ? 0xff :
			  bits <= 0 ? 0 :
				      (uint8_t)(0xff << (8 - bits));
	}
}

/* reg1 &= mask (nft_bitwise: (reg & mask) ^ xor). */
static void e_mask(struct nlmsghdr *nlh, const uint8_t *mask, size_t len)
{
	static const uint8_t zero[16];
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "bitwise", &d);
	mnl_attr_put_u32(nlh, NFTA_BITWISE_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_BITWISE_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_BITWISE_LEN, htonl((uint32_t)len));
	put_data(nlh, NFTA_BITWISE_MASK, mask, len);
	put_data(nlh, NFTA_BITWISE_XOR, zero, len);
	xhp_nft_expr_end(nlh, e, d);
}

static void e_match(struct nlmsghdr *nlh, const struct match *m)
{
	size_t len = fields[m->field].len, i;
	uint8_t mask[16], val[16];

	if (m->field == F_ETH_SRC) {
		/* offset 6 is the source MAC only on Ethernet */
		uint16_t ether = ARPHRD_ETHER; /* host order, as dev->type */

		e_meta(nlh, NFT_META_IIFTYPE);
		e_cmp(nlh, false, &ether, sizeof(ether));
	}
	e_payload(nlh, m->field);
	memcpy(val, m->val, len);
	if (m->prefix >= 0 && (size_t)m->prefix < len * 8) {
		prefix_mask(mask, len, m->prefix);
		for (i = 0; i < len; i++)
			val[i] &= mask[i];
		e_mask(nlh, mask, len);
	}
	e_cmp(nlh, m->neq, val, len);
}

static void e_limit(struct nlmsghdr *nlh, uint64_t rate)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "limit", &d);
	mnl_attr_put_u64(nlh, NFTA_LIMIT_RATE, htobe64(rate));
	mnl_attr_put_u64(nlh, NFTA_LIMIT_UNIT, htobe64(1));
	mnl_attr_put_u32(nlh, NFTA_LIMIT_BURST, htonl(0));
	mnl_attr_put_u32(nlh, NFTA_LIMIT_TYPE, htonl(NFT_LIMIT_PKT_BYTES));
	mnl_attr_put_u32(nlh, NFTA_LIMIT_FLAGS, htonl(NFT_LIMIT_F_INV));
	xhp_nft_expr_end(nlh, e, d);
}

static void e_counter(struct nlmsghdr *nlh)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "counter", &d);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_BYTES, 0);
	mnl_attr_put_u64(nlh, NFTA_COUNTER_PACKETS, 0);
	xhp_nft_expr_end(nlh, e, d);
}

static void e_verdict(struct nlmsghdr *nlh, int code, const char *ifname,
		      int chain)
{
	char name[XHP_NFT_CHAIN_NAME_MAX];
	struct nlattr *e, *d, *n1, *n2;

	e = xhp_nft_expr_start(nlh, "immediate", &d);
	mnl_attr_put_u32(nlh, NFTA_IMMEDIATE_DREG, htonl(NFT_REG_VERDICT));
	n1 = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	n2 = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)code));
	if (code == NFT_JUMP)
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN,
				  xhp_nft_chain_name(name, ifname, chain));
	mnl_attr_nest_end(nlh, n2);
	mnl_attr_nest_end(nlh, n1);
	xhp_nft_expr_end(nlh, e, d);
}

/* nft's rule comment: user data TLV type 0 (a NUL-terminated string). */
static void put_comment(struct nlmsghdr *nlh, const char *comment)
{
	uint8_t ud[2 + 96];
	size_t n = strlen(comment) + 1;

	if (n > sizeof(ud) - 2)
		n = sizeof(ud) - 2;
	ud[0] = 0; /* NFTNL_UDATA_RULE_COMMENT */
	ud[1] = (uint8_t)n;
	memcpy(ud + 2, comment, n);
	ud[1 + n] = '\0';
	mnl_attr_put(nlh, NFTA_RULE_USERDATA, 2 + n, ud);
}

static struct nlmsghdr *put_rule(void *buf, const char *ifname,
				 const struct rule *r)
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, NFT_MSG_NEWRULE,
					       NLM_F_CREATE | NLM_F_APPEND);
	struct nlattr *list;
	size_t i;

	xhp_nft_put_table_attr(nlh, NFTA_RULE_TABLE, ifname);
	xhp_nft_put_chain_name(nlh, NFTA_RULE_CHAIN, ifname, r->chain);
	list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	if (r->proto) {
		uint16_t be = htons(r->proto);

		e_meta(nlh, NFT_META_PROTOCOL);
		e_cmp(nlh, false, &be, sizeof(be));
	}
	if (r->l4) {
		e_meta(nlh, NFT_META_L4PROTO);
		e_cmp(nlh, false, &r->l4, 1);
	}
	for (i = 0; i < ARRAY_SIZE(r->m); i++)
		if (r->m[i].field)
			e_match(nlh, &r->m[i]);
	if (r->rate)
		e_limit(nlh, r->rate);
	if (r->comment)
		e_counter(nlh);
	e_verdict(nlh, r->verdict, ifname, r->jump);
	mnl_attr_nest_end(nlh, list);
	if (r->comment)
		put_comment(nlh, r->comment);
	return nlh;
}

static int check_ips(xhp_ctx *ctx, const char *ifname,
		     const struct xhp_nft_policy *p)
{
	if (p->antispoof && p->n_ips > XHP_NFT_POLICY_IPS_MAX)
		return xhp_err(
			ctx, EINVAL,
			"cannot enforce the addresses of %s: ip has %zu addresses, anti-spoofing takes at most %d",
			ifname, p->n_ips, XHP_NFT_POLICY_IPS_MAX);
	return 0;
}

/* @had: the device has chains (1), none (0: only the shard's table is
 * made sure of), or not known (-1). */
static int policy_put(struct xhp_nft *nft, const char *ifname,
		      const struct xhp_nft_policy *p, int had)
{
	char fp[XHP_NFT_FP_MAX], comment[XHP_NFT_FP_MAX + 16];
	struct plan *pl;
	void *m;
	size_t i;
	int c, r;

	pl = malloc(sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	make_plan(p, pl);
	plan_fingerprint(pl, fp);
	snprintf(comment, sizeof(comment), "%s%s", XHP_NFT_FP_PREFIX, fp);
	r = had ? xhp_nft_put_dev_gone(nft, ifname) :
		  xhp_nft_put_shard(nft, ifname);
	for (c = XHP_NFT_CH_BASE; r >= 0 && pl->n && c < XHP_NFT_CHAINS; c++) {
		struct nlmsghdr *nlh;

		if (c != XHP_NFT_CH_BASE && !pl->chains)
			break;
		m = xhp_nft_batch_room(nft);
		if (!m) {
			r = -ENOSPC;
			break;
		}
		if (c == XHP_NFT_CH_BASE) {
			nlh = xhp_nft_put_chain(m, NFT_MSG_NEWCHAIN,
						NLM_F_CREATE | NLM_F_EXCL,
						ifname);
			/* the fingerprint of what the chains hold */
			xhp_nft_put_comment(nlh, NFTA_CHAIN_USERDATA, comment);
		} else {
			nlh = xhp_nft_put_regular_chain(
				m, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL,
				ifname, c);
		}
		xhp_nft_batch_add(nft, nlh);
	}
	for (i = 0; r >= 0 && i < pl->n; i++) {
		m = xhp_nft_batch_room(nft);
		if (!m) {
			r = -ENOSPC;
			break;
		}
		xhp_nft_batch_add(nft, put_rule(m, ifname, &pl->r[i]));
	}
	free(pl);
	return r;
}

int xhp_nft_policy_put(struct xhp_nft *nft, const char *ifname,
		       const struct xhp_nft_policy *p)
{
	return policy_put(nft, ifname, p, -1);
}

int xhp_nft_dev_apply(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
		      const struct xhp_nft_policy *p)
{
	int r;

	r = xhp_nft_check_ifname(ctx, ifname);
	if (r >= 0)
		r = xhp_nft_dev_present(ctx, nft, ifname);
	return r < 0 ? r : xhp_nft_dev_apply_known(ctx, nft, ifname, p, r);
}

int xhp_nft_dev_apply_known(xhp_ctx *ctx, struct xhp_nft *nft,
			    const char *ifname, const struct xhp_nft_policy *p,
			    bool had)
{
	int r;

	r = xhp_nft_check_ifname(ctx, ifname);
	if (r >= 0)
		r = check_ips(ctx, ifname, p);
	if (r < 0)
		return r;
	/* No rules to install: only whatever the name had goes, if any. */
	if (xhp_nft_policy_empty(p))
		return had ? xhp_nft_dev_remove(ctx, nft, ifname) : 0;
	xhp_nft_batch_begin(nft);
	r = policy_put(nft, ifname, p, had);
	if (r == -ENOMEM)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (r < 0)
		return xhp_err(ctx, -r, "nf_tables batch too big");
	return xhp_nft_batch_commit(ctx, nft);
}

/* --- words --- */

static void describe_match(const struct match *m, char *buf, size_t size)
{
	const struct xhp_ip ip4 = { .family = AF_INET };
	size_t len = fields[m->field].len, used;
	char a[XHP_IP_STR];
	struct xhp_ip ip;
	const uint8_t *v = m->val;

	used = (size_t)snprintf(buf, size, "%s %s", fields[m->field].name,
				m->neq ? "!= " : "");
	if (used >= size)
		return;
	buf += used;
	size -= used;
	switch (m->field) {
	case F_ARP_HDR:
		snprintf(buf, size, "%u . 0x%02x%02x . %u . %u",
			 (unsigned int)(v[0] << 8 | v[1]), v[2], v[3], v[4],
			 v[5]);
		break;
	case F_ND_OPT:
		snprintf(buf, size, "0x%02x%02x", v[0], v[1]);
		break;
	case F_ETH_SRC:
	case F_ARP_SHA:
	case F_ND_OPT_LLA:
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1],
			 v[2], v[3], v[4], v[5]);
		break;
	case F_ARP_SPA:
	case F_IP4_SRC:
	case F_IP6_SRC:
	case F_ND_TARGET:
		ip = ip4;
		if (len == 16)
			ip.family = AF_INET6;
		memcpy(ip.addr, v, len);
		ip.prefix = m->prefix >= 0 ? m->prefix : (int)len * 8;
		ip.has_prefix = m->prefix >= 0;
		snprintf(buf, size, "%s", xhp_ip_str(&ip, ip.has_prefix, a));
		break;
	case F_TH_SPORT:
		snprintf(buf, size, "%u", (unsigned int)(v[0] << 8 | v[1]));
		break;
	case F_TH_PORTS:
		snprintf(buf, size, "%u . %u", (unsigned int)(v[0] << 8 | v[1]),
			 (unsigned int)(v[2] << 8 | v[3]));
		break;
	default:
		snprintf(buf, size, "%u", v[0]);
	}
}

static const char *proto_word(uint16_t proto)
{
	return proto == ETH_P_ARP    ? "arp" :
	       proto == ETH_P_IP     ? "ip" :
	       proto == ETH_P_8021Q  ? "vlan" :
	       proto == ETH_P_8021AD ? "8021ad" :
				       "ip6";
}

static const char *l4_word(uint8_t l4)
{
	return l4 == IPPROTO_UDP  ? "udp" :
	       l4 == IPPROTO_ICMP ? "icmp" :
				    "ipv6-icmp";
}

int xhp_nft_policy_describe(const struct xhp_nft_policy *p, const char *ifname,
			    void (*line)(void *data, const char *text),
			    void *data)
{
	char text[512], part[128], chain[XHP_NFT_CHAIN_NAME_MAX];
	struct plan *pl = malloc(sizeof(*pl));
	size_t i, j, used;
	int n;

	if (!pl)
		return -ENOMEM;
	make_plan(p, pl);
	for (i = 0; i < pl->n; i++) {
		const struct rule *r = &pl->r[i];

		used = (size_t)snprintf(
			text, sizeof(text),
			"%s:", xhp_nft_chain_name(chain, ifname, r->chain));
#define APPEND(...)                                                         \
	(used += used < sizeof(text) ?                                      \
			 (size_t)snprintf(text + used, sizeof(text) - used, \
					  __VA_ARGS__) :                    \
			 0)
		if (r->proto)
			APPEND(" meta protocol %s", proto_word(r->proto));
		if (r->l4)
			APPEND(" meta l4proto %s", l4_word(r->l4));
		for (j = 0; j < ARRAY_SIZE(r->m); j++) {
			if (!r->m[j].field)
				continue;
			describe_match(&r->m[j], part, sizeof(part));
			APPEND(" %s", part);
		}
		if (r->rate)
			APPEND(" limit rate over %llu bytes/second",
			       (unsigned long long)r->rate);
		if (r->comment)
			APPEND(" counter");
		if (r->verdict == NFT_JUMP)
			APPEND(" jump %s",
			       xhp_nft_chain_name(chain, ifname, r->jump));
		else
			APPEND(" %s",
			       r->verdict == NF_DROP ? "drop" : "return");
		if (r->comment)
			APPEND(" comment \"%s\"", r->comment);
#undef APPEND
		line(data, text);
	}
	n = (int)pl->n;
	free(pl);
	return n;
}
