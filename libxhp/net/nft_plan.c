// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A guest's policy planned (nft_plan.h): the device's rules, the shared
 * chain's, and their fingerprints.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nft_plan.h"
#include "util.h"

const struct xhp_nft_field xhp_nft_fields[] = {
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
	[F_ICMP_TYPE] = { "type", NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1 },
	[F_IGMP_TYPE] = { "igmp type", NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1 },
	[F_ND_TARGET] = { "icmpv6 nd target", NFT_PAYLOAD_TRANSPORT_HEADER, 8,
			  16 },
	[F_ARP_HTYPE] = { "arp htype", NFT_PAYLOAD_NETWORK_HEADER, 0, 2 },
	[F_ARP_PTYPE] = { "arp ptype", NFT_PAYLOAD_NETWORK_HEADER, 2, 2 },
	[F_ARP_HLEN] = { "arp hlen", NFT_PAYLOAD_NETWORK_HEADER, 4, 1 },
	[F_ARP_PLEN] = { "arp plen", NFT_PAYLOAD_NETWORK_HEADER, 5, 1 },
	[F_ND_OPT] = { "@th,192,16", NFT_PAYLOAD_TRANSPORT_HEADER, 24, 2 },
	[F_ND_OPT8] = { "@th,192,64", NFT_PAYLOAD_TRANSPORT_HEADER, 24, 8 },
	[F_RS_OPT8] = { "@th,64,64", NFT_PAYLOAD_TRANSPORT_HEADER, 8, 8 },
	[F_PROTO] = { "meta protocol", 0, 0, 2 },
	[F_L4PROTO] = { "meta l4proto", 0, 0, 1 },
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
	memcpy(m->val, val, xhp_nft_fields[field].len);
}

/* A drop in the shared chain. */
static struct rule *shared(struct plan *pl, uint16_t proto, uint8_t l4,
			   const char *comment)
{
	return add(pl, CH_SHARED, proto, l4, NF_DROP, comment);
}

/* A drop in the device's chain. */
static struct rule *own(struct plan *pl, uint16_t proto, uint8_t l4,
			const char *comment)
{
	return add(pl, CH_DEV, proto, l4, NF_DROP, comment);
}

static void add_drop_type(struct plan *pl, uint16_t proto, uint8_t l4,
			  uint8_t type, const char *comment)
{
	set_match(&shared(pl, proto, l4, comment)->m[0], F_ICMP_TYPE, false,
		  &type, -1);
}

/* udp @field (F_TH_SPORT or F_TH_DPORT) @port: drop */
static void add_drop_port(struct plan *pl, int field, uint16_t port,
			  const char *comment)
{
	uint16_t be = htons(port);

	set_match(&shared(pl, 0, IPPROTO_UDP, comment)->m[0], field, false, &be,
		  -1);
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
 * receiver trims them), so they are not looked at. The forms are the
 * shared chain's; the option's MAC, the device's.
 */
static void add_nd_form(struct plan *pl, uint8_t type, uint16_t min)
{
	static const uint8_t icmpv6 = IPPROTO_ICMPV6;
	const uint16_t len0 = htons(min), len1 = htons(min + 8);
	struct rule *r;

	r = shared(pl, ETH_P_IPV6, IPPROTO_ICMPV6,
		   "xhp: neighbour discovery after extension headers");
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_IP6_NEXT, true, &icmpv6, -1);
	r = shared(pl, ETH_P_IPV6, IPPROTO_ICMPV6,
		   "xhp: neighbour discovery with more than one option");
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_IP6_LEN, true, &len0, -1);
	set_match(&r->m[2], F_IP6_LEN, true, &len1, -1);
}

static void add_nd_own(struct plan *pl, uint8_t type, uint16_t min, int f_opt,
		       uint8_t opt, const uint8_t mac[6], const char *other)
{
	static const uint8_t nonce[2] = { 14, 1 };
	const uint16_t len1 = htons(min + 8);
	uint8_t mine[8] = { opt, 1 };
	struct rule *r;

	memcpy(mine + 2, mac, 6);
	r = own(pl, ETH_P_IPV6, IPPROTO_ICMPV6, other);
	set_match(&r->m[0], F_ICMP_TYPE, false, &type, -1);
	set_match(&r->m[1], F_IP6_LEN, false, &len1, -1);
	set_match(&r->m[2], f_opt, true, mine, -1);
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

	r = shared(pl, ETH_P_IPV6, 0,
		   "xhp: IPv6 fragment header after another extension header");
	set_match(&r->m[0], F_FRAG_EXISTS, false, &one, -1);
	set_match(&r->m[1], F_IP6_NEXT, true, &frag, -1);
	r = shared(pl, ETH_P_IPV6, IPPROTO_ICMPV6, "xhp: fragmented ICMPv6");
	set_match(&r->m[0], F_FRAG_EXISTS, false, &one, -1);
	for (i = 0; i < ARRAY_SIZE(ext); i++) {
		r = shared(
			pl, ETH_P_IPV6, 0,
			"xhp: extension header after an IPv6 fragment header");
		set_match(&r->m[0], F_IP6_NEXT, false, &frag, -1);
		set_match(&r->m[1], F_FRAG_NEXT, false, &ext[i], -1);
	}
}

/*
 * The shared chain: what every device's anti-spoofing drops alike, made
 * once in each shard's table (named by its fingerprint: a changed rule
 * set is another chain, and devices plugged before keep jumping to the
 * one they were made with). Its counters count the frames of every
 * device of the shard.
 */
static void plan_shared(struct plan *pl)
{
	static const uint8_t zero[16];
	static const uint8_t bcast4[4] = { 255, 255, 255, 255 };
	static const uint8_t udp = IPPROTO_UDP, icmpv6 = IPPROTO_ICMPV6;
	/* the IEEE 802.1 link-local group, 01:80:c2:00:00:00/44 */
	static const uint8_t ieee_group[6] = { 0x01, 0x80, 0xc2 };
	/* Ethernet (1), IPv4, 6 and 4 bytes: where arp saddr is */
	static const struct {
		int field;
		uint8_t v[2];
	} arp_hdr[] = { { F_ARP_HTYPE, { 0, 1 } },
			{ F_ARP_PTYPE, { 8, 0 } },
			{ F_ARP_HLEN, { 6 } },
			{ F_ARP_PLEN, { 4 } } };
	const uint16_t ip = htons(ETH_P_IP), ip6 = htons(ETH_P_IPV6),
		       arp = htons(ETH_P_ARP), sport = htons(68),
		       dport = htons(67);
	struct rule *r;
	size_t i;

	/*
	 * Frames to the IEEE 802.1 reserved group (STP BPDUs, LACP, 802.1X,
	 * LLDP) are for the link the guest is on, not for other ports: a
	 * Linux bridge without STP forwards BPDUs to every port and uplink
	 * (a guest could claim the physical network's root bridge, or make
	 * a switch's BPDU guard shut the host's port), one with STP takes
	 * them into its own spanning tree.
	 */
	r = shared(pl, 0, 0, "xhp: IEEE 802.1 link-local frame");
	set_match(&r->m[0], F_ETH_DST, false, ieee_group, 44);
	/*
	 * The kernel takes one VLAN tag off before the ingress hook, and the
	 * rules below see the frame inside; under a second tag they would
	 * see only its ether type and match nothing.
	 */
	shared(pl, ETH_P_8021Q, 0, "xhp: stacked VLAN tags");
	shared(pl, ETH_P_8021AD, 0, "xhp: stacked VLAN tags");
	/*
	 * Every other protocol (PPPoE, whose discovery is DHCP's kind of
	 * server answer, IPX, 802.2 LLC frames, RARP ...) carries addresses
	 * no rule here checks: what anti-spoofing lets out is IPv4, IPv6
	 * and ARP, as XAPI's locked VIFs and libvirt's clean-traffic do.
	 */
	r = shared(pl, 0, 0, "xhp: other than IPv4, IPv6 and ARP");
	set_match(&r->m[0], F_PROTO, true, &ip, -1);
	set_match(&r->m[1], F_PROTO, true, &ip6, -1);
	set_match(&r->m[2], F_PROTO, true, &arp, -1);
	plan_fragments(pl);
	/* one rule per field: nft would print a compare of the 6 bytes as
	 * four, each "!=", which reads as "and" */
	for (i = 0; i < ARRAY_SIZE(arp_hdr); i++) {
		r = shared(pl, ETH_P_ARP, 0,
			   "xhp: ARP other than Ethernet/IPv4");
		set_match(&r->m[0], arp_hdr[i].field, true, arp_hdr[i].v, -1);
	}
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
	/* General and group queries, which make the guest the querier of
	 * the link (the lowest address wins the election, RFC 2236 3 and
	 * RFC 2710 5; a Linux bridge with snooping then sends the group's
	 * reports to the guest's port): a guest listens to multicast, it
	 * does not route it. */
	r = shared(pl, ETH_P_IP, IPPROTO_IGMP, "xhp: IGMP membership query");
	set_match(&r->m[0], F_IGMP_TYPE, false, (const uint8_t[]){ 0x11 }, -1);
	add_drop_type(pl, ETH_P_IPV6, IPPROTO_ICMPV6, 130,
		      "xhp: multicast listener query");
	add_nd_form(pl, 133, 8);
	add_nd_form(pl, 135, 24);
	add_nd_form(pl, 136, 24);
	/*
	 * IPv4 from 0.0.0.0: a DHCP client without an address, and only
	 * that. A client without an address broadcasts (RFC 2131 4.1:
	 * DHCPDISCOVER, and DHCPREQUEST in SELECTING and INIT-REBOOT;
	 * dhclient, dhcpcd, udhcpc and systemd-networkd all send to
	 * 255.255.255.255); it unicasts only once it has its address
	 * (RENEWING), from that.
	 */
	r = shared(pl, ETH_P_IP, 0, "xhp: IPv4 from 0.0.0.0 but DHCP");
	set_match(&r->m[0], F_IP4_SRC, false, zero, -1);
	set_match(&r->m[1], F_IP4_DST, true, bcast4, -1);
	r = shared(pl, ETH_P_IP, 0, "xhp: IPv4 from 0.0.0.0 but DHCP");
	set_match(&r->m[0], F_IP4_SRC, false, zero, -1);
	set_match(&r->m[1], F_L4PROTO, true, &udp, -1);
	r = shared(pl, ETH_P_IP, IPPROTO_UDP,
		   "xhp: IPv4 from 0.0.0.0 but DHCP");
	set_match(&r->m[0], F_IP4_SRC, false, zero, -1);
	set_match(&r->m[1], F_TH_SPORT, true, &sport, -1);
	r = shared(pl, ETH_P_IP, IPPROTO_UDP,
		   "xhp: IPv4 from 0.0.0.0 but DHCP");
	set_match(&r->m[0], F_IP4_SRC, false, zero, -1);
	set_match(&r->m[1], F_TH_DPORT, true, &dport, -1);
	/* IPv6 from :: is ICMPv6 only (DAD, MLD, RS) */
	r = shared(pl, ETH_P_IPV6, 0, "xhp: IPv6 from :: but ICMPv6");
	set_match(&r->m[0], F_IP6_SRC, false, zero, -1);
	set_match(&r->m[1], F_L4PROTO, true, &icmpv6, -1);
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

static void list_add(struct list *l, const struct xhp_ip *ip)
{
	l->ip[l->n++] = *ip;
}

static void make_lists(struct plan *pl, const struct xhp_nft_policy *p)
{
	const struct xhp_ip any4 = { .family = AF_INET, .prefix = 32 };
	const struct xhp_ip any6 = { .family = AF_INET6, .prefix = 128 };
	struct xhp_ip ll;
	size_t i;

	link_local(p->mac, &ll);
	list_add(&pl->l[L_IP4_ANY], &any4);
	list_add(&pl->l[L_IP6_SRC], &any6);
	list_add(&pl->l[L_IP6_SRC], &ll);
	list_add(&pl->l[L_IP6_OWN], &ll);
	for (i = 0; i < p->n_ips; i++) {
		if (p->ips[i].family == AF_INET) {
			list_add(&pl->l[L_IP4], &p->ips[i]);
			list_add(&pl->l[L_IP4_ANY], &p->ips[i]);
		} else {
			list_add(&pl->l[L_IP6_SRC], &p->ips[i]);
			list_add(&pl->l[L_IP6_OWN], &p->ips[i]);
		}
	}
}

static void not_in(struct rule *r, int field, int list)
{
	r->not_in_field = field;
	r->not_in = list;
}

/* The device's own: its MAC and addresses. */
static void plan_antispoof(struct plan *pl, const struct xhp_nft_policy *p)
{
	static const uint8_t zero[16];
	struct rule *r;

	make_lists(pl, p);
	r = own(pl, 0, 0, "xhp: forged source MAC");
	set_match(&r->m[0], F_ETH_SRC, true, p->mac, -1);
	pl->shared = true;
	add(pl, CH_DEV, 0, 0, NFT_JUMP, NULL);
	r = own(pl, ETH_P_ARP, 0, "xhp: forged ARP sender MAC");
	set_match(&r->m[0], F_ARP_SHA, true, p->mac, -1);
	/*
	 * ARP: from an address of ip, or a probe (sender 0.0.0.0, RFC 5227)
	 * for one. A probe for another's address is a conflict to the host
	 * that is probing it (it gives the address up), so the guest probes
	 * only for its own; a DHCP client probes for its lease, which is in
	 * ip when anti-spoofing lets it use it at all.
	 */
	r = own(pl, ETH_P_ARP, 0, "xhp: ARP probe for another address");
	set_match(&r->m[0], F_ARP_SPA, false, zero, -1);
	not_in(r, F_ARP_TPA, L_IP4);
	not_in(own(pl, ETH_P_ARP, 0, "xhp: forged ARP sender IP"), F_ARP_SPA,
	       L_IP4_ANY);
	not_in(own(pl, ETH_P_IP, 0, "xhp: forged IPv4 source"), F_IP4_SRC,
	       L_IP4_ANY);
	/*
	 * DAD (a neighbour solicitation from ::) only for the guest's own
	 * addresses: to a host doing DAD for the same target it means a
	 * duplicate, and the host gives the address up (RFC 4862 5.4.3).
	 */
	r = own(pl, ETH_P_IPV6, IPPROTO_ICMPV6, "xhp: DAD for another address");
	set_match(&r->m[0], F_IP6_SRC, false, zero, -1);
	set_match(&r->m[1], F_ICMP_TYPE, false, (const uint8_t[]){ 135 }, -1);
	not_in(r, F_ND_TARGET, L_IP6_OWN);
	not_in(own(pl, ETH_P_IPV6, 0, "xhp: forged IPv6 source"), F_IP6_SRC,
	       L_IP6_SRC);
	r = own(pl, ETH_P_IPV6, IPPROTO_ICMPV6,
		"xhp: neighbour advertisement for another address");
	set_match(&r->m[0], F_ICMP_TYPE, false, (const uint8_t[]){ 136 }, -1);
	not_in(r, F_ND_TARGET, L_IP6_OWN);
	add_nd_own(pl, 133, 8, F_RS_OPT8, 1, p->mac,
		   "xhp: router solicitation with another option than its MAC");
	add_nd_own(
		pl, 135, 24, F_ND_OPT8, 1, p->mac,
		"xhp: neighbour solicitation with another option than its MAC");
	add_nd_own(
		pl, 136, 24, F_ND_OPT8, 2, p->mac,
		"xhp: neighbour advertisement with another option than its MAC");
}

/* The shared chain's plan, and its name: "shared-" and the fingerprint
 * of its rules. */
void xhp_nft_plan_shared(struct plan *pl)
{
	char fp[XHP_NFT_FP_MAX];

	memset(pl->l, 0, sizeof(pl->l));
	pl->n = 0;
	pl->shared = false;
	plan_shared(pl);
	xhp_nft_plan_fingerprint(pl, fp);
	snprintf(pl->shared_name, sizeof(pl->shared_name), "%s%.16s",
		 XHP_NFT_SHARED_PREFIX, fp);
}

/* The shared chain's name: its rules are the same for every device of
 * every run, so it is made once per process. */
static char shared_name[XHP_NFT_CHAIN_NAME_MAX];
static struct plan shared_plan;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void make_shared_name(void)
{
	xhp_nft_plan_shared(&shared_plan);
	memcpy(shared_name, shared_plan.shared_name, sizeof(shared_name));
}

const char *xhp_nft_shared_name(void)
{
	pthread_once(&shared_once, make_shared_name);
	return shared_name;
}

void xhp_nft_plan_make(const struct xhp_nft_policy *p, struct plan *pl)
{
	uint64_t rate = xhp_nft_rate_per_second(p->rate_bytes, p->rate_usecs);

	memset(pl->l, 0, sizeof(pl->l));
	pl->n = 0;
	pl->shared = false;
	memcpy(pl->shared_name, xhp_nft_shared_name(), sizeof(pl->shared_name));
	if (rate)
		own(pl, 0, 0, "xhp: over the rate")->rate = rate;
	if (p->antispoof)
		plan_antispoof(pl, p);
}

/* --- fingerprint --- */

/* Bumped when the messages made of a plan change but the plan does not:
 * a table of the older making then differs from what is expected. */
#define PLAN_FORMAT 2

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

static void mix_list(uint64_t *h, const struct list *l)
{
	size_t i;

	mix(h, l->n);
	for (i = 0; i < l->n; i++) {
		mix(h, (uint64_t)l->ip[i].family << 32 |
			       (uint64_t)l->ip[i].has_prefix << 16 |
			       (uint16_t)l->ip[i].prefix);
		mix_bytes(h, l->ip[i].addr, sizeof(l->ip[i].addr));
	}
}

/* Every rule, field by field (no padding bytes; a match's place in the
 * frame too), as 16 hex digits; "" for no rules. */
void xhp_nft_plan_fingerprint(const struct plan *pl, char fp[XHP_NFT_FP_MAX])
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i, j;

	fp[0] = '\0';
	if (!pl->n)
		return;
	mix(&h, PLAN_FORMAT);
	mix(&h, pl->shared);
	if (pl->shared) /* the shared chain's rules, by their name */
		mix_bytes(&h, pl->shared_name, strlen(pl->shared_name));
	for (i = 0; i < pl->n; i++) {
		const struct rule *r = &pl->r[i];

		mix(&h,
		    (uint64_t)r->chain << 32 | (uint64_t)r->proto << 8 | r->l4);
		for (j = 0; j < ARRAY_SIZE(r->m); j++) {
			const struct match *m = &r->m[j];

			mix(&h, (uint64_t)m->field);
			if (!m->field)
				continue;
			mix(&h, (uint64_t)xhp_nft_fields[m->field].base << 48 |
					(uint64_t)xhp_nft_fields[m->field].off
						<< 16 |
					xhp_nft_fields[m->field].len);
			mix(&h, (uint64_t)m->neq << 32 | (uint32_t)m->prefix);
			mix_bytes(&h, m->val, xhp_nft_fields[m->field].len);
		}
		mix(&h, (uint64_t)r->not_in_field);
		if (r->not_in_field)
			mix_list(&h, &pl->l[r->not_in]);
		mix(&h, r->rate);
		mix(&h, (uint64_t)(uint32_t)r->verdict);
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

/* A list's addresses with a prefix shorter than their length. */
void xhp_nft_prefix_mask(uint8_t *mask, size_t len, int prefix)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int bits = prefix - (int)i * 8;

		mask[i] = bits >= 8 ? 0xff :
			  bits <= 0 ? 0 :
				      (uint8_t)(0xff << (8 - bits));
	}
}

bool xhp_nft_ip_is_prefix(const struct xhp_ip *ip)
{
	return ip->has_prefix &&
	       ip->prefix < (ip->family == AF_INET ? 32 : 128);
}

int xhp_nft_plan_too_many(const struct xhp_nft_policy *p, size_t *n4,
			  size_t *n6)
{
	size_t i;

	*n4 = *n6 = 0;
	if (!p->antispoof)
		return 0;
	if (p->n_ips > XHP_NFT_POLICY_IPS_MAX)
		return -E2BIG;
	for (i = 0; i < p->n_ips; i++) {
		if (!xhp_nft_ip_is_prefix(&p->ips[i]))
			continue;
		if (p->ips[i].family == AF_INET)
			(*n4)++;
		else
			(*n6)++;
	}
	if (*n4 > LIST_PREFIXES || *n6 > LIST_PREFIXES)
		return -E2BIG;
	*n4 = *n6 = 0;
	return 0;
}

int xhp_nft_policy_fingerprint(const struct xhp_nft_policy *p,
			       char fp[XHP_NFT_FP_MAX])
{
	struct plan *pl;
	size_t n4, n6;
	int chains;

	if (xhp_nft_plan_too_many(p, &n4, &n6))
		return -E2BIG; /* more than rules hold */
	pl = malloc(sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	xhp_nft_plan_make(p, pl);
	xhp_nft_plan_fingerprint(pl, fp);
	chains = !pl->n ? 0 : 1;
	free(pl);
	return chains;
}
