/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A guest's policy planned as a list of small rule descriptions (struct
 * rule), from which nft_policy.c makes the netlink messages and
 * nft_policy_words.c the dry run's text: what is printed is what is
 * installed. nft_plan.c makes the plans and their fingerprints.
 */
#ifndef XHP_NFT_PLAN_H
#define XHP_NFT_PLAN_H

#include "nft_policy.h"

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
	F_IGMP_TYPE, /* its first byte, as ICMP's */
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

/* A field: nft's name of it, its payload base, offset and length. */
struct xhp_nft_field {
	const char *name; /* nft's */
	uint32_t base, off, len;
};
extern const struct xhp_nft_field xhp_nft_fields[];

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

/* A list's prefixes are compared one by one in its rule (two expressions
 * each: a rule has room for 128, and for 4 KiB of their kernel data). */
#define LIST_PREFIXES XHP_NFT_POLICY_PREFIXES_MAX

/* @p's rules into @pl (its shared chain's name too). */
void xhp_nft_plan_make(const struct xhp_nft_policy *p, struct plan *pl);
/* The shared chain's rules into @pl, and its name: "shared-" and the
 * fingerprint of its rules. */
void xhp_nft_plan_shared(struct plan *pl);
/* The name xhp_nft_plan_shared() gives (computed once; static). */
const char *xhp_nft_shared_name(void);
/* Every rule, field by field, as 16 hex digits; "" for no rules. */
void xhp_nft_plan_fingerprint(const struct plan *pl, char fp[XHP_NFT_FP_MAX]);
/* @mask: @len bytes, the first @prefix bits set. */
void xhp_nft_prefix_mask(uint8_t *mask, size_t len, int prefix);
/* An address with a prefix shorter than its length. */
bool xhp_nft_ip_is_prefix(const struct xhp_ip *ip);
/* Why @p cannot be installed: 0 (it can), or -E2BIG with the number of
 * addresses (*n4 = *n6 = 0) or of the prefixes of either family over
 * the limit. */
int xhp_nft_plan_too_many(const struct xhp_nft_policy *p, size_t *n4,
			  size_t *n6);

#endif /* XHP_NFT_PLAN_H */
