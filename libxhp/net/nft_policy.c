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
#include <stdarg.h>
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
	F_ICMP_TYPE,
	F_ND_TARGET,
	F_ARP_HTYPE, /* hardware type */
	F_ARP_PTYPE, /* protocol type */
	F_ARP_HLEN, /* hardware address length */
	F_ARP_PLEN, /* protocol address length */
	F_ND_OPT, /* NS, NA: the first option's type and length */
	F_ND_OPT8, /* NS, NA: the first option, 8 bytes */
	F_RS_OPT8, /* RS: the first option, 8 bytes */
	F_PROTO, /* meta protocol (the ether type, host's VLAN tag off) */
	F_L4PROTO, /* meta l4proto */
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
	[F_ICMP_TYPE] = { "type", NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1 },
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

struct match {
	int field; /* 0: none */
	bool neq;
	int prefix; /* bits compared; the field's whole length if < 0 */
	uint8_t val[16];
};

/* The chains: the device's base chain, and its shard's shared one. */
enum { CH_DEV, CH_SHARED };

/* Lists of addresses a rule's field must be none of. */
enum {
	L_IP4, /* ip's IPv4 */
	L_IP4_ANY, /* 0.0.0.0 and ip's IPv4 */
	L_IP6_SRC, /* ::, the MAC's link-local and ip's IPv6 */
	L_IP6_OWN, /* the MAC's link-local and ip's IPv6 */
	LISTS
};

struct rule {
	int chain; /* CH_* */
	uint16_t proto; /* meta protocol (ETH_P_*), 0: any */
	uint8_t l4; /* meta l4proto, 0: any */
	struct match m[4];
	int not_in_field; /* and the field none of list @not_in: 0, none */
	int not_in;
	uint64_t rate; /* limit rate over @rate bytes/second, 0: none */
	int verdict; /* NF_DROP or NFT_JUMP (to the shared chain) */
	const char *comment; /* with a counter; NULL: neither */
};

/* The shared chain's rules and the device's. */
#define RULES_MAX 48

/* A list's exact addresses beyond this many are an anonymous set (one
 * lookup); up to it, and its prefixes, compares in the rule. */
#define LIST_CMPS 8

struct list {
	struct xhp_ip ip[XHP_NFT_POLICY_IPS_MAX + 2];
	size_t n;
};

struct plan {
	struct rule r[RULES_MAX];
	size_t n;
	bool shared; /* the device's rules jump to the shared chain */
	char shared_name[XHP_NFT_CHAIN_NAME_MAX];
	struct list l[LISTS];
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

static void plan_fingerprint(const struct plan *pl, char fp[XHP_NFT_FP_MAX]);

/* The shared chain's plan, and its name: "shared-" and the fingerprint
 * of its rules. */
static void make_shared_plan(struct plan *pl)
{
	char fp[XHP_NFT_FP_MAX];

	memset(pl->l, 0, sizeof(pl->l));
	pl->n = 0;
	pl->shared = false;
	plan_shared(pl);
	plan_fingerprint(pl, fp);
	snprintf(pl->shared_name, sizeof(pl->shared_name), "%s%.16s",
		 XHP_NFT_SHARED_PREFIX, fp);
}

static void make_plan(const struct xhp_nft_policy *p, struct plan *pl)
{
	uint64_t rate = xhp_nft_rate_per_second(p->rate_bytes, p->rate_usecs);

	make_shared_plan(pl); /* for its name */
	pl->n = 0;
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
static void plan_fingerprint(const struct plan *pl, char fp[XHP_NFT_FP_MAX])
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
			mix(&h, (uint64_t)fields[m->field].base << 48 |
					(uint64_t)fields[m->field].off << 16 |
					fields[m->field].len);
			mix(&h, (uint64_t)m->neq << 32 | (uint32_t)m->prefix);
			mix_bytes(&h, m->val, fields[m->field].len);
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
static bool is_prefix(const struct xhp_ip *ip)
{
	return ip->has_prefix &&
	       ip->prefix < (ip->family == AF_INET ? 32 : 128);
}

/* A list's prefixes are compared one by one in its rule (two expressions
 * each: a rule has room for 128, and for 4 KiB of their kernel data). */
#define LIST_PREFIXES XHP_NFT_POLICY_PREFIXES_MAX

/* Why @p cannot be installed: 0 (it can), or -E2BIG with the number of
 * addresses (*n4 = *n6 = 0) or of the prefixes of either family over
 * the limit. */
static int too_many(const struct xhp_nft_policy *p, size_t *n4, size_t *n6)
{
	size_t i;

	*n4 = *n6 = 0;
	if (!p->antispoof)
		return 0;
	if (p->n_ips > XHP_NFT_POLICY_IPS_MAX)
		return -E2BIG;
	for (i = 0; i < p->n_ips; i++) {
		if (!is_prefix(&p->ips[i]))
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

	if (too_many(p, &n4, &n6))
		return -E2BIG; /* more than rules hold */
	pl = malloc(sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	make_plan(p, pl);
	plan_fingerprint(pl, fp);
	chains = !pl->n ? 0 : 1;
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

static void e_cmp_reg(struct nlmsghdr *nlh, uint32_t reg, bool neq,
		      const void *v, size_t len)
{
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "cmp", &d);
	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(reg));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP,
			 htonl(neq ? NFT_CMP_NEQ : NFT_CMP_EQ));
	put_data(nlh, NFTA_CMP_DATA, v, len);
	xhp_nft_expr_end(nlh, e, d);
}

static void e_cmp(struct nlmsghdr *nlh, bool neq, const void *v, size_t len)
{
	e_cmp_reg(nlh, NFT_REG_1, neq, v, len);
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

/* @dreg = reg1 & mask (nft_bitwise: (reg & mask) ^ xor). */
static void e_mask(struct nlmsghdr *nlh, uint32_t dreg, const uint8_t *mask,
		   size_t len)
{
	static const uint8_t zero[16];
	struct nlattr *e, *d;

	e = xhp_nft_expr_start(nlh, "bitwise", &d);
	mnl_attr_put_u32(nlh, NFTA_BITWISE_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_BITWISE_DREG, htonl(dreg));
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
	if (m->field == F_PROTO || m->field == F_L4PROTO) {
		e_meta(nlh, m->field == F_PROTO ? NFT_META_PROTOCOL :
						  NFT_META_L4PROTO);
		e_cmp(nlh, m->neq, m->val, len);
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
		e_mask(nlh, NFT_REG_1, mask, len);
	}
	e_cmp(nlh, m->neq, val, len);
}

/* The exact addresses of @l (a set when more than LIST_CMPS). */
static size_t exact_count(const struct list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !is_prefix(&l->ip[i]);
	return n;
}

/* The anonymous set of a rule: nft's name, the kernel numbers it. */
#define ANON_SET "__set%d"

/* nft's data types of the set's key, for nft to print it */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8

/* The field (reg1) is none of @l's addresses: the exact ones compared
 * one by one, or looked up in set @set_id (not found: a match), the
 * prefixes masked into reg2 and compared. */
static void e_not_in(struct nlmsghdr *nlh, int field, const struct list *l,
		     uint32_t set_id)
{
	size_t len = fields[field].len, i, j;
	uint8_t mask[16], val[16];
	struct nlattr *e, *d;

	if (!l->n)
		return;
	e_payload(nlh, field);
	if (set_id) {
		e = xhp_nft_expr_start(nlh, "lookup", &d);
		mnl_attr_put_strz(nlh, NFTA_LOOKUP_SET, ANON_SET);
		mnl_attr_put_u32(nlh, NFTA_LOOKUP_SET_ID, htonl(set_id));
		mnl_attr_put_u32(nlh, NFTA_LOOKUP_SREG, htonl(NFT_REG_1));
		mnl_attr_put_u32(nlh, NFTA_LOOKUP_FLAGS,
				 htonl(NFT_LOOKUP_F_INV));
		xhp_nft_expr_end(nlh, e, d);
	}
	for (i = 0; i < l->n; i++) {
		const struct xhp_ip *ip = &l->ip[i];

		if (!is_prefix(ip)) {
			if (!set_id)
				e_cmp(nlh, true, ip->addr, len);
			continue;
		}
		prefix_mask(mask, len, ip->prefix);
		for (j = 0; j < len; j++)
			val[j] = ip->addr[j] & mask[j];
		e_mask(nlh, NFT_REG_2, mask, len);
		e_cmp_reg(nlh, NFT_REG_2, true, val, len);
	}
}

/* NFT_MSG_NEWSET: the anonymous, constant set @id of @len-byte keys. */
static struct nlmsghdr *put_set(void *buf, const char *ifname, uint32_t id,
				size_t len)
{
	struct nlmsghdr *nlh =
		xhp_nft_put_msg(buf, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL);

	xhp_nft_put_table_attr(nlh, NFTA_SET_TABLE, ifname);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, ANON_SET);
	mnl_attr_put_u32(nlh, NFTA_SET_FLAGS,
			 htonl(NFT_SET_ANONYMOUS | NFT_SET_CONSTANT));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_TYPE,
			 htonl(len == 4 ? NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR));
	mnl_attr_put_u32(nlh, NFTA_SET_KEY_LEN, htonl((uint32_t)len));
	mnl_attr_put_u32(nlh, NFTA_SET_ID, htonl(id));
	return nlh;
}

/* NFT_MSG_NEWSETELEM: the exact addresses of @l into set @id. */
static struct nlmsghdr *put_elems(void *buf, const char *ifname, uint32_t id,
				  const struct list *l, size_t len)
{
	struct nlmsghdr *nlh =
		xhp_nft_put_msg(buf, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
	struct nlattr *list, *el, *key;
	size_t i;

	xhp_nft_put_table_attr(nlh, NFTA_SET_ELEM_LIST_TABLE, ifname);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, ANON_SET);
	mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(id));
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (i = 0; i < l->n; i++) {
		if (is_prefix(&l->ip[i]))
			continue;
		el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		key = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, len, l->ip[i].addr);
		mnl_attr_nest_end(nlh, key);
		mnl_attr_nest_end(nlh, el);
	}
	mnl_attr_nest_end(nlh, list);
	return nlh;
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

static void e_verdict(struct nlmsghdr *nlh, int code, const char *chain)
{
	struct nlattr *e, *d, *n1, *n2;

	e = xhp_nft_expr_start(nlh, "immediate", &d);
	mnl_attr_put_u32(nlh, NFTA_IMMEDIATE_DREG, htonl(NFT_REG_VERDICT));
	n1 = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
	n2 = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
	mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl((uint32_t)code));
	if (code == NFT_JUMP)
		mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, chain);
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

/* @set_id: of the anonymous set of the rule's list, 0: none. */
static struct nlmsghdr *put_rule(void *buf, const char *ifname,
				 const struct plan *pl, const struct rule *r,
				 uint32_t set_id)
{
	struct nlmsghdr *nlh = xhp_nft_put_msg(buf, NFT_MSG_NEWRULE,
					       NLM_F_CREATE | NLM_F_APPEND);
	struct nlattr *list;
	size_t i;

	xhp_nft_put_table_attr(nlh, NFTA_RULE_TABLE, ifname);
	if (r->chain == CH_SHARED)
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, pl->shared_name);
	else
		xhp_nft_put_chain_name(nlh, NFTA_RULE_CHAIN, ifname);
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
	if (r->not_in_field)
		e_not_in(nlh, r->not_in_field, &pl->l[r->not_in], set_id);
	if (r->rate)
		e_limit(nlh, r->rate);
	if (r->comment)
		e_counter(nlh);
	e_verdict(nlh, r->verdict, pl->shared_name);
	mnl_attr_nest_end(nlh, list);
	if (r->comment)
		put_comment(nlh, r->comment);
	return nlh;
}

static int check_ips(xhp_ctx *ctx, const char *ifname,
		     const struct xhp_nft_policy *p)
{
	size_t n4, n6;

	if (!too_many(p, &n4, &n6))
		return 0;
	if (n4 || n6)
		return xhp_err(
			ctx, EINVAL,
			"cannot enforce the addresses of %s: ip has %zu %s prefixes, anti-spoofing takes at most %d",
			ifname, n4 ? n4 : n6, n4 ? "IPv4" : "IPv6",
			LIST_PREFIXES);
	return xhp_err(
		ctx, EINVAL,
		"cannot enforce the addresses of %s: ip has %zu addresses, anti-spoofing takes at most %d",
		ifname, p->n_ips, XHP_NFT_POLICY_IPS_MAX);
}

#define PUT(nft, m, put)                                                      \
	(((m) = xhp_nft_batch_room(nft)) ? (xhp_nft_batch_add(nft, put), 0) : \
					   -ENOSPC)

/* Into the batch: @pl's rules of @chain (with the sets they use). */
static int put_rules(struct xhp_nft *nft, const char *ifname,
		     const struct plan *pl, int chain)
{
	size_t i;
	void *m;
	int r = 0;

	for (i = 0; r >= 0 && i < pl->n; i++) {
		const struct rule *ru = &pl->r[i];
		uint32_t id = 0;

		if (ru->chain != chain)
			continue;
		if (ru->not_in_field &&
		    exact_count(&pl->l[ru->not_in]) > LIST_CMPS) {
			size_t len = fields[ru->not_in_field].len;

			id = (uint32_t)i + 1;
			r = PUT(nft, m, put_set(m, ifname, id, len));
			if (r >= 0)
				r = PUT(nft, m,
					put_elems(m, ifname, id,
						  &pl->l[ru->not_in], len));
		}
		if (r >= 0)
			r = PUT(nft, m, put_rule(m, ifname, pl, ru, id));
	}
	return r;
}

/* Into the batch: the shared chain @pl names, and its rules. */
static int put_shared(struct xhp_nft *nft, const char *ifname, struct plan *pl)
{
	void *m;
	int r;

	make_shared_plan(pl);
	r = PUT(nft, m,
		xhp_nft_put_regular_chain(m, NFT_MSG_NEWCHAIN,
					  NLM_F_CREATE | NLM_F_EXCL, ifname,
					  pl->shared_name));
	if (r >= 0)
		r = put_rules(nft, ifname, pl, CH_SHARED);
	return r;
}

/* @had: the device has a chain (1), none (0: only the shard's table is
 * made sure of), or not known (-1). @shared: the shared chain is made. */
static int policy_put(struct xhp_nft *nft, const char *ifname,
		      const struct xhp_nft_policy *p, int had, bool shared)
{
	char fp[XHP_NFT_FP_MAX], comment[XHP_NFT_FP_MAX + 16];
	struct nlmsghdr *nlh;
	struct plan *pl;
	void *m;
	int r;

	pl = malloc(sizeof(*pl));
	if (!pl)
		return -ENOMEM;
	if (had < 0)
		r = xhp_nft_put_dev_gone(nft, ifname);
	else if (had) {
		r = PUT(nft, m, xhp_nft_put_flush(m, ifname));
		if (r >= 0)
			r = PUT(nft, m,
				xhp_nft_put_chain(m, NFT_MSG_DELCHAIN, 0,
						  ifname));
	} else
		r = xhp_nft_put_shard(nft, ifname);
	if (r >= 0 && shared)
		r = put_shared(nft, ifname, pl);
	make_plan(p, pl);
	plan_fingerprint(pl, fp);
	snprintf(comment, sizeof(comment), "%s%s", XHP_NFT_FP_PREFIX, fp);
	if (r >= 0 && pl->n) {
		m = xhp_nft_batch_room(nft);
		if (!m)
			r = -ENOSPC;
	}
	if (r >= 0 && pl->n) {
		nlh = xhp_nft_put_chain(m, NFT_MSG_NEWCHAIN,
					NLM_F_CREATE | NLM_F_EXCL, ifname);
		/* the fingerprint of what the chain holds */
		xhp_nft_put_comment(nlh, NFTA_CHAIN_USERDATA, comment);
		xhp_nft_batch_add(nft, nlh);
		r = put_rules(nft, ifname, pl, CH_DEV);
	}
	free(pl);
	return r;
}

int xhp_nft_policy_put(struct xhp_nft *nft, const char *ifname,
		       const struct xhp_nft_policy *p)
{
	return policy_put(nft, ifname, p, -1, p->antispoof);
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

/* The name of the shared chain (of this library's rules). */
static const char *shared_name(char buf[XHP_NFT_CHAIN_NAME_MAX])
{
	struct plan *pl = malloc(sizeof(*pl));

	if (!pl)
		return NULL;
	make_shared_plan(pl);
	memcpy(buf, pl->shared_name, XHP_NFT_CHAIN_NAME_MAX);
	free(pl);
	return buf;
}

static int apply(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
		 const struct xhp_nft_policy *p, bool had, bool shared)
{
	int r;

	xhp_nft_batch_begin(nft);
	r = policy_put(nft, ifname, p, had, shared);
	if (r == -ENOMEM)
		return xhp_err(ctx, ENOMEM, "out of memory");
	if (r < 0)
		return xhp_err(ctx, -r, "nf_tables batch too big");
	return xhp_nft_batch_commit(ctx, nft);
}

int xhp_nft_dev_apply_known(xhp_ctx *ctx, struct xhp_nft *nft,
			    const char *ifname, const struct xhp_nft_policy *p,
			    bool had)
{
	char name[XHP_NFT_CHAIN_NAME_MAX];
	int r, there = 1;

	r = xhp_nft_check_ifname(ctx, ifname);
	if (r >= 0)
		r = check_ips(ctx, ifname, p);
	if (r < 0)
		return r;
	/* No rules to install: only whatever the name had goes, if any. */
	if (xhp_nft_policy_empty(p))
		return had ? xhp_nft_dev_remove(ctx, nft, ifname) : 0;
	if (p->antispoof) {
		if (!shared_name(name))
			return xhp_err(ctx, ENOMEM, "out of memory");
		there = xhp_nft_shared_present(ctx, nft, ifname, name);
		if (there < 0)
			return there;
	}
	r = apply(ctx, nft, ifname, p, had, !there);
	if (r >= 0) {
		if (p->antispoof)
			xhp_nft_shared_known(nft, ifname, name, true);
		return 0;
	}
	if (!p->antispoof || (r != -EEXIST && r != -ENOENT))
		return r;
	/*
	 * The shared chain was made meanwhile by another run (EEXIST), or
	 * is gone though this socket saw it (ENOENT: its table deleted, as
	 * "nft flush ruleset" does): asked again, and once more.
	 */
	xhp_clear_error(ctx);
	xhp_nft_shared_known(nft, ifname, name, false);
	there = xhp_nft_shared_present(ctx, nft, ifname, name);
	if (there < 0)
		return there;
	r = xhp_nft_dev_present(ctx, nft, ifname);
	if (r < 0)
		return r;
	r = apply(ctx, nft, ifname, p, r, !there);
	if (r >= 0)
		xhp_nft_shared_known(nft, ifname, name, true);
	return r;
}

/* --- words --- */

static const char *proto_word(uint16_t proto);
static const char *l4_word(uint8_t l4);

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
	case F_TH_SPORT:
	case F_TH_DPORT:
	case F_ARP_HTYPE:
		snprintf(buf, size, "%u", (unsigned int)(v[0] << 8 | v[1]));
		break;
	case F_ARP_PTYPE:
		snprintf(buf, size, "0x%02x%02x", v[0], v[1]);
		break;
	case F_ND_OPT:
		snprintf(buf, size, "0x%02x%02x", v[0], v[1]);
		break;
	case F_PROTO:
		snprintf(buf, size, "%s",
			 proto_word((uint16_t)(v[0] << 8 | v[1])));
		break;
	case F_L4PROTO:
		snprintf(buf, size, "%s", l4_word(v[0]));
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

/* A line of text that grows (the lists make it long). */
struct text {
	char *s;
	size_t used, size;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->used >= t->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->used, t->size - t->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n;
}

static void describe_list(struct text *t, int field, const struct list *l)
{
	char a[XHP_IP_STR];
	size_t i;

	if (!l->n)
		return;
	put(t, " %s != {", fields[field].name);
	for (i = 0; i < l->n; i++)
		put(t, "%s %s", i ? "," : "",
		    xhp_ip_str(&l->ip[i], is_prefix(&l->ip[i]), a));
	put(t, " }");
}

static void describe_rule(struct text *t, const struct plan *pl,
			  const struct rule *r, const char *chain)
{
	char part[128];
	size_t j;

	t->used = 0;
	put(t, "%s:", chain);
	if (r->proto)
		put(t, " meta protocol %s", proto_word(r->proto));
	if (r->l4)
		put(t, " meta l4proto %s", l4_word(r->l4));
	for (j = 0; j < ARRAY_SIZE(r->m); j++) {
		if (!r->m[j].field)
			continue;
		describe_match(&r->m[j], r->l4, part, sizeof(part));
		put(t, " %s", part);
	}
	if (r->not_in_field)
		describe_list(t, r->not_in_field, &pl->l[r->not_in]);
	if (r->rate)
		put(t, " limit rate over %llu bytes/second",
		    (unsigned long long)r->rate);
	if (r->comment)
		put(t, " counter");
	if (r->verdict == NFT_JUMP)
		put(t, " jump %s", pl->shared_name);
	else
		put(t, " drop");
	if (r->comment)
		put(t, " comment \"%s\"", r->comment);
}

int xhp_nft_policy_describe(const struct xhp_nft_policy *p, const char *ifname,
			    void (*line)(void *data, const char *text),
			    void *data)
{
	struct text t = { .size = 512 + (XHP_NFT_POLICY_IPS_MAX + 2) *
						(XHP_IP_STR + 2) };
	char chain[XHP_NFT_CHAIN_NAME_MAX];
	struct plan *pl = malloc(sizeof(*pl)), *sh = malloc(sizeof(*sh));
	size_t i;
	int n = -ENOMEM;

	t.s = malloc(t.size);
	if (!pl || !sh || !t.s)
		goto out;
	make_plan(p, pl);
	xhp_nft_chain_name(chain, ifname);
	n = 0;
	if (pl->shared) { /* what the device's chain jumps to */
		make_shared_plan(sh);
		for (i = 0; i < sh->n; i++, n++) {
			describe_rule(&t, sh, &sh->r[i], sh->shared_name);
			line(data, t.s);
		}
	}
	for (i = 0; i < pl->n; i++, n++) {
		describe_rule(&t, pl, &pl->r[i], chain);
		line(data, t.s);
	}
out:
	free(t.s);
	free(sh);
	free(pl);
	return n;
}
