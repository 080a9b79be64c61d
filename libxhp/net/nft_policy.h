/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A guest's network policy as nf_tables rules in its device's chains
 * (nft.h): anti-spoofing (source MAC, ARP sender, IPv4/IPv6 source,
 * neighbour advertisement targets; no router advertisements, redirects
 * or DHCP/DHCPv6 server replies from the guest) and a rate policer on
 * what the guest sends. One batch per device: the device's chains are
 * deleted and made anew in it, so a device gets only its own rules and no
 * other device's chains are touched.
 *
 * Chains of "vif1.0" (in its shard's table, netdev xhp-1f: nft.h; the
 * base chain's comment is "xhp policy <fingerprint>"), as nft prints
 * them:
 *   dev-vif1.0 (ingress of vif1.0):
 *     limit rate over R bytes/second counter drop     (rate)
 *     ether saddr != MAC counter drop
 *     ether daddr & ff:ff:ff:ff:ff:f0 == 01:80:c2:00:00:00 counter drop
 *       (STP, LACP, 802.1X, LLDP)
 *     vlan, 8021ad (a second tag) counter drop
 *     arp htype . ptype . hlen . plen != 1 . 0x0800 . 6 . 4 counter drop
 *     arp saddr ether != MAC counter drop
 *     meta protocol arp jump dev-vif1.0/arp
 *     udp sport 67, udp dport 68, udp sport 547, udp dport 546:
 *       counter drop each
 *     icmp type redirect counter drop
 *     icmpv6 type { nd-router-advert, nd-redirect, 147, 151, 153 }:
 *       counter drop each
 *     exthdr frag exists ip6 nexthdr != 44 counter drop
 *     exthdr frag exists meta l4proto ipv6-icmp counter drop
 *     ip6 nexthdr 44 @nh,320,8 { 0, 43, 44, 51, 60 }: counter drop each
 *     per T of RS (133, options at 8), NS, NA (135, 136, at 24):
 *       icmpv6 type T ip6 nexthdr != 58 counter drop
 *       icmpv6 type T ip6 length != MIN ip6 length != MIN+8 counter drop
 *       icmpv6 type T ip6 length MIN+8 @th,O,64 != (SLLA or TLLA, 1,
 *         MAC) [NS: @th,192,16 != 0x0e01 (a nonce)] counter drop
 *     meta protocol ip jump dev-vif1.0/ip4
 *     meta protocol ip6 jump dev-vif1.0/ip6
 *     icmpv6 type nd-neighbor-advert jump dev-vif1.0/nd
 *   dev-vif1.0/arp: per IPv4: arp saddr ip IP return; per IPv4: arp
 *     saddr ip 0.0.0.0 arp daddr ip IP return (a probe); arp saddr ip
 *     0.0.0.0 counter drop; counter drop
 *   dev-vif1.0/ip4: 0.0.0.0 -> 255.255.255.255 udp 68 -> 67 return; per
 *     IPv4: return; counter drop
 *   dev-vif1.0/ip6: per IPv6 and the link-local of MAC: ip6 saddr ::
 *     icmpv6 type nd-neighbor-solicit icmpv6 nd target IP return (DAD);
 *     ip6 saddr :: icmpv6 type nd-neighbor-solicit counter drop;
 *     :: (ICMPv6: MLD, RS) return; link-local of MAC return; per IPv6:
 *     return; counter drop
 *   dev-vif1.0/nd: target link-local or an IPv6 of ip: return;
 *     counter drop
 * Every drop has a counter and a comment naming what it drops.
 */
#ifndef XHP_NFT_POLICY_H
#define XHP_NFT_POLICY_H

#include "keys.h"
#include "nft.h"

/* Addresses one device's rules may allow (each is three rules). */
#define XHP_NFT_POLICY_IPS_MAX 64

struct xhp_nft_policy {
	bool antispoof;
	uint8_t mac[6];
	const struct xhp_ip *ips; /* borrowed */
	size_t n_ips;
	/* A policer on what the guest sends (the device's ingress): @bytes
	 * per @usecs, as netback reads `rate`; 0 in either: none. */
	uint64_t rate_bytes;
	uint32_t rate_usecs;
};

/* Whether @p installs anything at all. */
bool xhp_nft_policy_empty(const struct xhp_nft_policy *p);

/*
 * The fingerprint of what @p installs: 16 hex digits of a hash of its
 * rules, "" when it installs nothing. The base chain's comment carries
 * it ("xhp policy <fp>"). Returns the number of chains it makes (0 when
 * none), -E2BIG (more than XHP_NFT_POLICY_IPS_MAX addresses: no such
 * policy can be installed), or -ENOMEM.
 */
int xhp_nft_policy_fingerprint(const struct xhp_nft_policy *p,
			       char fp[XHP_NFT_FP_MAX]);

/*
 * In one batch: delete every chain of @ifname and, unless @p is empty,
 * make them anew with @p's rules (and its fingerprint on the base
 * chain). xhp_nft_dev_apply asks first whether there are any (GETCHAIN):
 * when not, the batch has no deletes. Returns 0, -EINVAL (bad name, too many
 * addresses: message names the limit), or the batch's error (nft.h).
 */
int xhp_nft_dev_apply(xhp_ctx *ctx, struct xhp_nft *nft, const char *ifname,
		      const struct xhp_nft_policy *p);
/* The same, the device's chains known to be there (@had) or not
 * (xhp_nft_dev_state()): with none, the batch holds no deletes. */
int xhp_nft_dev_apply_known(xhp_ctx *ctx, struct xhp_nft *nft,
			    const char *ifname, const struct xhp_nft_policy *p,
			    bool had);

/* Into a begun batch: what xhp_nft_dev_apply sends (no checks). 0,
 * -ENOSPC, -ENOMEM. */
int xhp_nft_policy_put(struct xhp_nft *nft, const char *ifname,
		       const struct xhp_nft_policy *p);

/*
 * Call @line for each rule @p installs on @ifname, in nft's words
 * ("dev-vif1.0: ether saddr != 00:16:3e:00:00:01 counter drop"), for dry
 * runs. Returns the number of rules.
 */
int xhp_nft_policy_describe(const struct xhp_nft_policy *p, const char *ifname,
			    void (*line)(void *data, const char *text),
			    void *data);

/* The rate policer's bytes per second of @bytes per @usecs (rounded). */
uint64_t xhp_nft_rate_per_second(uint64_t bytes, uint32_t usecs);

#endif /* XHP_NFT_POLICY_H */
