// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A guest's policy as nf_tables rules (nft_policy.h). The rules are first
 * planned as a list of small descriptions (struct rule), from which both
 * the netlink messages (layouts of the kernel's nft_meta, nft_cmp,
 * nft_payload, nft_exthdr, nft_bitwise, nft_limit, nft_counter,
 * nft_immediate) and the dry run's text are made: what is printed is what
 * is installed.
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
	F_ETH_DST,
	F_ARP_SHA,
	F_ARP_SPA,
	F_ARP_TPA,
	F_IP4_SRC,
	F_IP4_DST,
	F_IP6_SRC,
	F_IP6_LEN, /* payload length: extension headers and all */
	F_IP6_NEXT, /* the header after the fixed one */
	F_FRAG_NEXT, /* the header after a fragment header right there */
	F_FRAG_EXISTS, /* exthdr: a fragment header anywhere in the chain */
	F_TH_SPORT,
	F_TH_DPORT,
	F_TH_PORTS, /* source and destination port: 4 bytes */
	F_ICMP_TYPE,
	F_ND_TARGET,
	F_ARP_HDR, /* hardware and protocol type and length */
	F_ND_OPT, /* NS, NA: the first option's type and length */
	F_ND_OPT8, /* NS, NA: the first option, 8 bytes */
	F_RS_OPT8, /* RS: the first option, 8 bytes */
};

static const struct {
	const char *name; /* nft's */
	uint32_t base, off, len;
} fields[] = {
	[F_ETH_SRC] = { "ether saddr", NFT_PAYLOAD_LL_HEADER, 6, 6 },
	[F_ETH_DST] = { "ether daddr", NFT_PAYLOAD_LL_HEADER, 0, 6 },
	[F_ARP_SHA] = { "arp saddr ether", NFT_PAYLOAD_NETWORK_HEADER, 8, 6 },
	[F_ARP_SPA] = { "arp saddr ip", NFT_PAYLOAD_NETWORK_HEADER, 14, 4 },
	[F_ARP_TPA] = { "arp daddr ip", NFT_PAYLOAD_NETWORK_HEADER, 24, 4 },
	[F_IP4_SRC] = { "ip saddr", NFT_PAYLOAD_NETWORK_HEADER, 12, 4 },
	[F_IP4_DST] = { "ip daddr", NFT_PAYLOAD_NETWORK_HEADER, 16, 4 },
	[F_IP6_SRC] = { "ip6 saddr", NFT_PAYLOAD_NETWORK_HEADER, 8, 16 },
	[F_IP6_LEN] = { "ip6 length", NFT_PAYLOAD_NETWORK_HEADER, 4, 2 },
	[F_IP6_NEXT] = { "ip6 nexthdr", NFT_PAYLOAD_NETWORK_HEADER, 6, 1 },
	[F_FRAG_NEXT] = { "@nh,320,8", NFT_PAYLOAD_NETWORK_HEADER, 40, 1 },
	[F_FRAG_EXISTS] = { "exthdr frag exists", 0, 0, 1 },
	[F_TH_SPORT] = { "th sport", NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2 },
	[F_TH_DPORT] = { "th dport", NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2 },
	[F_TH_PORTS] = { "th sport . th dport", NFT_PAYLOAD_TRANSPORT_HEADER, 0,
			 4 },
	[F_ICMP_TYPE] = { "type", NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1 },
	[F_ND_TARGET] = { "icmpv6 nd target", NFT_PAYLOAD_TRANSPORT_HEADER, 8,
			  16 },
	[F_ARP_HDR] = { "arp htype . ptype . hlen . plen",
			NFT_PAYLOAD_NETWORK_HEADER, 0, 6 },
	[F_ND_OPT] = { "@th,192,16", NFT_PAYLOAD_TRANSPORT_HEADER, 24, 2 },
	[F_ND_OPT8] = { "@th,192,64", NFT_PAYLOAD_TRANSPORT_HEADER, 24, 8 },
	[F_RS_OPT8] = { "@th,64,64", NFT_PAYLOAD_TRANSPORT_HEADER, 8, 8 },
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
	struct match m[4];
	uint64_t rate; /* limit rate over @rate bytes/second, 0: none */
	int verdict; /* NF_DROP, NFT_RETURN or NFT_JUMP */
	int jump; /* the chain of NFT_JUMP */
	const char *comment; /* with a counter; NULL: neither */
};

/* Fixed rules, and three per address. */
#define RULES_MAX (64 + 3 * XHP_NFT_POLICY_IPS_MAX)

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
	r->m[0].prefix = r->m[1].prefix = r->m[2].prefix = r->m[3].prefix = -1;
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

/* udp @field (F_TH_SPORT or F_TH_DPORT) @port: drop */
static void add_drop_port(struct plan *pl, int field, uint16_t port,
			  const char *comment)
{
	struct rule *r =
		add(pl, XHP_NFT_CH_BASE, 0, IPPROTO_UDP, NF_DROP, comment);
	uint16_t be = htons(port);

	set_match(&r->m[0], field, false, &be, -1);
}

/*
 * Neighbour discovery messages that carry a link-layer address: router
 * solicitations (133, options from byte 8), neighbour solicitations (135)
 * and advertisements (136, options from byte 24, after the target). The
 * receiver's neighbour entry takes the MAC of the source (1) or target
 * (2) link-layer address option, as ARP's takes the sender's, so that
 * option must be the vif's MAC.
 *
 * nf_tables reads payload at fixed offsets only: options at a variable
 * place (behind a nonce or any unknown option, RFC 4861 4.6 tells the
 * receiver to skip those) cannot be found. So the message is held to the
 * forms whose every byte is at a known place: no options, or exactly one
 * 8-byte option (its length from the IPv6 payload length), that is the
 * link-layer address option with the vif's MAC or, in a neighbour
 * solicitation, a nonce (RFC 7527 DAD: it carries no address); and no
 * extension headers, which would make the payload length no measure of
 * the message. This is all Linux sends (net/ipv6/ndisc.c: ndisc_ns_create
 * adds the 8-byte SLLA unless the source is ::, and the 8-byte nonce only
 * to DAD's, whose source is ::; ndisc_send_na one TLLA or none;
 * ndisc_send_rs one SLLA or none), and the BSDs and Windows send the same
 * forms. Bytes after the IPv6 payload are no part of the message (the
 * receiver trims them), so they are not looked at.
 */
static void add_nd_form(struct plan *pl, uint8_t type, uint16_t min, int f_opt,
			uint8_t opt, const uint8_t mac[6], const char *other)
{
	static const uint8_t icmpv6 = IPPROTO_ICMPV6;
	static const uint8_t nonce[2] = { 14, 1 };
	const uint16_t len0 = htons(min), len1 = htons(min + 8);
	uint8_t own[8] = { opt, 1 };
	struct rule *r;

	memcpy(own + 2, mac, 6);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NF_DROP,
		"xhp: neighbour discovery after extension headers");
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_IP6_NEXT, true, &icmpv6, -1);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NF_DROP,
		"xhp: neighbour discovery with more than one option");
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_IP6_LEN, true, &len0, -1);
	set_match(&r->m[2], F_IP6_LEN, true, &len1, -1);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NF_DROP,
		other);
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_IP6_LEN, false, &len1, -1);
	set_match(&r->m[2], f_opt, true, own, -1);
	if (type == 135) /* a nonce (type 14, 8 bytes) */
		set_match(&r->m[3], F_ND_OPT, true, nonce, -1);
}

/*
 * IPv6 fragments that could hide ICMPv6 from the rules (RFC 7113: the
 * "icmpv6 type" of a fragment that is not the first, or of a first one
 * that ends before the ICMPv6 header, is not there to read, and the
 * kernel's reassembly makes an RA or NA of them). Neighbour discovery is
 * never fragmented (RFC 6980), nor is any ICMPv6 message a guest has to
 * send fragmented (errors fit in 1280 bytes; only echo requests larger
 * than the path MTU are: xhp-hotplug(8) says so). Dropped:
 * - any fragment whose upper layer is ICMPv6 (the kernel sees it in every
 *   fragment: the fragment header names it);
 * - a fragment header that is not right after the IPv6 header, or that
 *   is followed by another extension header: there the upper layer may
 *   lie beyond the first fragment (RFC 7112), the kernel cannot name it
 *   and "meta l4proto" matches nothing. Fragments of TCP, UDP, ESP and
 *   tunnels have their fragment header first and the upper layer after
 *   it, and pass.
 */
static void plan_fragments(struct plan *pl)
{
	static const uint8_t ext[] = { 0, 43, 44, 51, 60 };
	static const uint8_t one = 1, frag = 44;
	struct rule *r;
	size_t i;

	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, 0, NF_DROP,
		"xhp: IPv6 fragment header after another extension header");
	set_match(&r->m[0], F_FRAG_EXISTS, false, &one, -1);
	set_match(&r->m[1], F_IP6_NEXT, true, &frag, -1);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NF_DROP,
		"xhp: fragmented ICMPv6");
	set_match(&r->m[0], F_FRAG_EXISTS, false, &one, -1);
	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, 0, NF_DROP,
			"xhp: extension header after an IPv6 fragment header");
		set_match(&r->m[0], F_IP6_NEXT, false, &frag, -1);
		set_match(&r->m[1], F_FRAG_NEXT, false, &ext[i], -1);
	}
}

/* "return" from @chain for @field within @ip (its prefix). */
static void add_allow(struct plan *pl, int chain, int field,
		      const struct xhp_ip *ip, uint8_t l4)
{
	struct rule *r = add(pl, chain, 0, l4, NFT_RETURN, NULL);

	set_match(&r->m[0], field, false, ip->addr,
		  ip->has_prefix ? ip->prefix : -1);
}

/* In the IPv6 chain, "return" for DAD (an NS from ::) for @ip. */
static void add_dad(struct plan *pl, const struct xhp_ip *ip)
{
	static const uint8_t zero[16];
	struct rule *r =
		add(pl, XHP_NFT_CH_IP6, 0, IPPROTO_ICMPV6, NFT_RETURN, NULL);

	set_match(&r->m[0], F_IP6_SRC, false, zero, -1);
	set_match(&r->m[1], F_ICMP_TYPE, false, (const uint8_t[]){ 135 }, -1);
	set_match(&r->m[2], F_ND_TARGET, false, ip->addr,
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
	static const uint8_t bcast4[4] = { 255, 255, 255, 255 };
	/* the IEEE 802.1 link-local group, 01:80:c2:00:00:00/44 */
	static const uint8_t ieee_group[6] = { 0x01, 0x80, 0xc2 };
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
	 * Frames to the IEEE 802.1 reserved group (STP BPDUs, LACP, 802.1X,
	 * LLDP) are for the link the guest is on, not for other ports: a
	 * Linux bridge without STP forwards BPDUs to every port and uplink
	 * (a guest could claim the physical network's root bridge, or make
	 * a switch's BPDU guard shut the host's port), one with STP takes
	 * them into its own spanning tree.
	 */
	r = add(pl, XHP_NFT_CH_BASE, 0, 0, NF_DROP,
		"xhp: IEEE 802.1 link-local frame");
	set_match(&r->m[0], F_ETH_DST, false, ieee_group, 44);
	/*
	 * The kernel takes one VLAN tag off before the ingress hook, and the
	 * rules below see the frame inside; under a second tag they would
	 * see only its ether type and match nothing.
	 */
	add(pl, XHP_NFT_CH_BASE, ETH_P_8021Q, 0, NF_DROP,
	    "xhp: stacked VLAN tags");
	add(pl, XHP_NFT_CH_BASE, ETH_P_8021AD, 0, NF_DROP,
	    "xhp: stacked VLAN tags");
	plan_fragments(pl);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_ARP, 0, NF_DROP,
		"xhp: ARP other than Ethernet/IPv4");
	set_match(&r->m[0], F_ARP_HDR, true, arp_hdr, -1);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_ARP, 0, NF_DROP,
		"xhp: forged ARP sender MAC");
	set_match(&r->m[0], F_ARP_SHA, true, p->mac, -1);
	add_jump(pl, ETH_P_ARP, 0, XHP_NFT_CH_ARP);
	/*
	 * DHCP and DHCPv6 servers and relays answer from port 67 (547) to
	 * the client's port 68 (546); clients take an answer by its
	 * destination port alone (dhclient's, udhcpc's and
	 * systemd-networkd's packet filters), so both are dropped.
	 */
	add_drop_port(pl, F_TH_SPORT, 67, "xhp: DHCP server reply");
	add_drop_port(pl, F_TH_DPORT, 68, "xhp: DHCP to a client port");
	add_drop_port(pl, F_TH_SPORT, 547, "xhp: DHCPv6 server reply");
	add_drop_port(pl, F_TH_DPORT, 546, "xhp: DHCPv6 to a client port");
	add_drop_type(pl, ETH_P_IP, IPPROTO_ICMP, 5, "xhp: ICMP redirect");
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 134,
		      "xhp: router advertisement");
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 137,
		      "xhp: ICMPv6 redirect");
	/* what only routers send, as XAPI's Open vSwitch rules drop: a home
	 * agent's mobile prefix advertisement (RFC 6275), multicast router
	 * advertisement and termination (RFC 4286: a Linux bridge makes the
	 * port a multicast router port on an advertisement) */
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 147,
		      "xhp: mobile prefix advertisement");
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 151,
		      "xhp: multicast router advertisement");
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 153,
		      "xhp: multicast router termination");
	add_nd_form(
		pl, 133, 8, F_RS_OPT8, 1, p->mac,
		"xhp: router solicitation with another option than its MAC");
	add_nd_form(
		pl, 135, 24, F_ND_OPT8, 1, p->mac,
		"xhp: neighbour solicitation with another option than its MAC");
	add_nd_form(
		pl, 136, 24, F_ND_OPT8, 2, p->mac,
		"xhp: neighbour advertisement with another option than its MAC");
	add_jump(pl, ETH_P_IP, 0, XHP_NFT_CH_IP4);
	add_jump(pl, ETH_P_IPV6, 0, XHP_NFT_CH_IP6);
	r = add(pl, XHP_NFT_CH_BASE, ETH_P_IPV6, IPPROTO_ICMPV6, NFT_JUMP,
		NULL);
	set_match(&r->m[0], F_ICMP_TYPE, false, (const uint8_t[]){ 136 }, -1);
	r->jump = XHP_NFT_CH_ND;

	/*
	 * ARP: an address of ip, or a probe (sender 0.0.0.0, RFC 5227) for
	 * one. A probe for another's address is a conflict to the host that
	 * is probing it (it gives the address up), so the guest probes
	 * only for its own; a DHCP client probes for its lease, which is in
	 * ip when anti-spoofing lets it use it at all.
	 */
	for (i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == AF_INET)
			add_allow(pl, XHP_NFT_CH_ARP, F_ARP_SPA, &p->ips[i], 0);
	for (i = 0; i < p->n_ips; i++) {
		if (p->ips[i].family != AF_INET)
			continue;
		r = add(pl, XHP_NFT_CH_ARP, 0, 0, NFT_RETURN, NULL);
		set_match(&r->m[0], F_ARP_SPA, false, zero, -1);
		set_match(&r->m[1], F_ARP_TPA, false, p->ips[i].addr,
			  p->ips[i].has_prefix ? p->ips[i].prefix : -1);
	}
	r = add(pl, XHP_NFT_CH_ARP, 0, 0, NF_DROP,
		"xhp: ARP probe for another address");
	set_match(&r->m[0], F_ARP_SPA, false, zero, -1);
	add(pl, XHP_NFT_CH_ARP, 0, 0, NF_DROP, "xhp: forged ARP sender IP");

	/*
	 * IPv4: a DHCP client without an address, or an address of ip. A
	 * client without an address broadcasts (RFC 2131 4.1: DHCPDISCOVER,
	 * and DHCPREQUEST in SELECTING and INIT-REBOOT; dhclient, dhcpcd,
	 * udhcpc and systemd-networkd all send to 255.255.255.255); it
	 * unicasts only once it has its address (RENEWING), from that.
	 */
	r = add(pl, XHP_NFT_CH_IP4, 0, IPPROTO_UDP, NFT_RETURN, NULL);
	set_match(&r->m[0], F_IP4_SRC, false, zero, -1);
	set_match(&r->m[1], F_IP4_DST, false, bcast4, -1);
	set_match(&r->m[2], F_TH_PORTS, false, dhcp_ports, -1);
	for (i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == AF_INET)
			add_allow(pl, XHP_NFT_CH_IP4, F_IP4_SRC, &p->ips[i], 0);
	add(pl, XHP_NFT_CH_IP4, 0, 0, NF_DROP, "xhp: forged IPv4 source");

	/*
	 * IPv6: :: for ICMPv6 (DAD, MLD, RS), the MAC's link-local, ip's.
	 * DAD (a neighbour solicitation from ::) only for the guest's own
	 * addresses: to a host doing DAD for the same target it means a
	 * duplicate, and the host gives the address up (RFC 4862 5.4.3).
	 */
	add_dad(pl, &ll);
	for (i = 0; i < p->n_ips; i++)
		if (p->ips[i].family == AF_INET6)
			add_dad(pl, &p->ips[i]);
	r = add(pl, XHP_NFT_CH_IP6, 0, IPPROTO_ICMPV6, NF_DROP,
		"xhp: DAD for another address");
	set_match(&r->m[0], F_IP6_SRC, false, zero, -1);
	set_match(&r->m[1], F_ICMP_TYPE, false, (const uint8_t[]){ 135 }, -1);
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

/* One word into the hash (FNV-1a's step, a word at a time: a re-run
 * computes it on every online, so it is kept cheap). */
static void mix(uint64_t *h, uint64_t w)
{
	*h = (*h ^ w) * 0x100000001b3ull;
}

/* Bytes, eight to a word (little-endian, whatever the host), then their
 * count. */
static void mix_bytes(uint64_t *h, const void *v, size_t n)
{
	const uint8_t *p = v;
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		w |= (uint64_t)p[i] << (8 * (i % 8));
		if (i % 8 == 7) {
			mix(h, w);
			w = 0;
		}
	}
	mix(h, w);
	mix(h, n);
}

/* Every rule, field by field (no padding bytes; a match's place in the
 * frame too), as 16 hex digits; "" for no rules. */
static void plan_fingerprint(const struct plan *pl, char fp[XHP_NFT_FP_MAX])
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, j;

	fp[0] = '\0';
	if (!pl->n)
		return;
	mix(&h, PLAN_FORMAT);
	mix(&h, pl->chains);
	for (i = 0; i < pl->n; i++) {
		const struct rule *r = &pl->r[i];

		mix(&h,
		    (uint64_t)r->chain << 32 | (uint64_t)r->proto << 8 | r->l4);
		for (j = 0; j < ARRAY_SIZE(r->m); j++) {
			const struct match *m = &r->m[j];

			mix(&h, (uint64_t)m->field);
			if (!m->field)
				continue;
			mix(&h, (uint64_t)fields[m->field].base << 48 |
					(uint64_t)fields[m->field].off << 16 |
					fields[m->field].len);
			mix(&h, (uint64_t)m->neq << 32 | (uint32_t)m->prefix);
			mix_bytes(&h, m->val, fields[m->field].len);
		}
		mix(&h, r->rate);
		mix(&h,
		    (uint64_t)(uint32_t)r->verdict << 32 |
			    (uint32_t)(r->verdict == NFT_JUMP ? r->jump : 0));
		if (r->comment)
			mix_bytes(&h, r->comment, strlen(r->comment));
		else
			mix(&h, UINT64_MAX);
	}
	/* the last words reach every bit (murmur3's finalizer) */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
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

/* reg1 = 1 if the IPv6 header chain has a header of @type, else 0 (nft's
 * "exthdr frag exists": the kernel's ipv6_find_hdr() looks for it) */
static void e_exthdr_present(struct nlmsghdr *nlh, uint8_t type)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "exthdr", &d);
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u8(nlh, NFTA_EXTHDR_TYPE, type);
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_OFFSET, htonl(0));
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_LEN, htonl(1));
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_FLAGS, htonl(NFT_EXTHDR_F_PRESENT));
	mnl_attr_put_u32(nlh, NFTA_EXTHDR_OP, htonl(NFT_EXTHDR_OP_IPV6));
	xhp_nft_expr_end(nlh, e, d);
}

static void e_match(struct nlmsghdr *nlh, const struct match *m)
{
	size_t len = fields[m->field].len, i;
	uint8_t mask[16], val[16];

	if (m->field == F_FRAG_EXISTS) {
		e_exthdr_present(nlh, 44);
		e_cmp(nlh, m->neq, m->val, 1);
		return;
	}
	if (m->field == F_ETH_SRC || m->field == F_ETH_DST) {
		/* offsets 0 and 6 are the MACs only on Ethernet */
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

/* @m in nft's words; @l4 is the rule's meta l4proto (the ICMP type's). */
static void describe_match(const struct match *m, uint8_t l4, char *buf,
			   size_t size)
{
	const struct xhp_ip ip4 = { .family = AF_INET };
	size_t len = fields[m->field].len, used;
	char a[XHP_IP_STR];
	struct xhp_ip ip;
	const uint8_t *v = m->val;

	if (m->field == F_FRAG_EXISTS) { /* no value */
		snprintf(buf, size, "%s", fields[m->field].name);
		return;
	}
	used = (size_t)snprintf(buf, size, "%s%s %s",
				m->field != F_ICMP_TYPE ? "" :
				l4 == IPPROTO_ICMPV6	? "icmpv6 " :
							  "icmp ",
				fields[m->field].name, m->neq ? "!= " : "");
	if (used >= size)
		return;
	buf += used;
	size -= used;
	switch (m->field) {
	case F_ETH_DST:
		if (m->prefix >= 0 && m->prefix < 48) {
			uint8_t mask[6];

			prefix_mask(mask, 6, m->prefix);
			used = (size_t)snprintf(
				buf, size,
				"& %02x:%02x:%02x:%02x:%02x:%02x == ", mask[0],
				mask[1], mask[2], mask[3], mask[4], mask[5]);
			if (used >= size)
				return;
			buf += used;
			size -= used;
		}
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1],
			 v[2], v[3], v[4], v[5]);
		break;
	case F_ND_OPT8:
	case F_RS_OPT8:
		snprintf(buf, size, "0x%02x%02x%02x%02x%02x%02x%02x%02x", v[0],
			 v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
		break;
	case F_IP6_LEN:
	case F_TH_DPORT:
		snprintf(buf, size, "%u", (unsigned int)(v[0] << 8 | v[1]));
		break;
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
		snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1],
			 v[2], v[3], v[4], v[5]);
		break;
	case F_ARP_SPA:
	case F_ARP_TPA:
	case F_IP4_SRC:
	case F_IP4_DST:
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
			describe_match(&r->m[j], r->l4, part, sizeof(part));
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
