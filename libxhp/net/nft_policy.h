/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A guest's network policy as nf_tables rules in its device's chain
 * (nft.h): anti-spoofing (source MAC, ARP sender, IPv4/IPv6 source,
 * neighbour advertisement targets; no router advertisements, redirects
 * or DHCP/DHCPv6 server replies from the guest; IPv4, IPv6 and ARP only)
 * and a rate policer on what the guest sends. One batch per device: the
 * device's chain is deleted and made anew in it, so a device gets only
 * its own rules and no other device's chain is touched.
 *
 * The kernel's cost is per message (a rule: 5-10 us here), so a device's
 * chain holds only what names its MAC and addresses, about a dozen
 * rules, each address list in one rule (compares, or an anonymous set
 * beyond 8 addresses), and jumps to the shard's shared chain for the
 * rest, which every device has alike (made once per table, by the first
 * device's batch, and kept). As nft prints them, for "vif1.0" in shard
 * table netdev xhp-1f:
 *   dev-vif1.0 (ingress of vif1.0; comment "xhp policy <fingerprint>"):
 *     limit rate over R bytes/second counter drop     (rate)
 *     ether saddr != MAC counter drop
 *     jump shared-<fingerprint of its rules>
 *     arp saddr ether != MAC counter drop
 *     arp saddr ip 0.0.0.0 arp daddr ip != IP4... counter drop (probes)
 *     arp saddr ip != { 0.0.0.0, IP4... } counter drop
 *     ip saddr != { 0.0.0.0, IP4... } counter drop
 *     ip6 saddr :: icmpv6 type nd-neighbor-solicit icmpv6 nd target !=
 *       { LL, IP6... } counter drop                   (DAD)
 *     ip6 saddr != { ::, LL, IP6... } counter drop
 *     icmpv6 type nd-neighbor-advert nd target != { LL, IP6... } drop
 *     per T of RS (133, options at 8), NS, NA (135, 136, at 24):
 *       icmpv6 type T ip6 length MIN+8 @th,O,64 != (SLLA or TLLA, 1,
 *         MAC) [NS: @th,192,16 != 0x0e01 (a nonce)] counter drop
 *     (LL: the link-local address of MAC, modified EUI-64)
 *   shared-<hex>:
 *     ether daddr & ff:ff:ff:ff:ff:f0 == 01:80:c2:00:00:00 counter drop
 *       (STP, LACP, 802.1X, LLDP)
 *     vlan, 8021ad (a second tag) counter drop
 *     meta protocol other than ip, ip6, arp: counter drop
 *     IPv6 fragments that could hide ICMPv6: 7 rules, counter drop
 *     arp htype != 1, ptype != ip, hlen != 6, plen != 4: counter drop
 *     udp sport 67, udp dport 68, udp sport 547, udp dport 546:
 *       counter drop each
 *     icmp type redirect counter drop
 *     icmpv6 type { nd-router-advert, nd-redirect, 147, 151, 153,
 *       mld-listener-query }, igmp type membership-query: counter drop each
 *     per T of RS, NS, NA:
 *       icmpv6 type T ip6 nexthdr != 58 counter drop
 *       icmpv6 type T ip6 length != MIN ip6 length != MIN+8 counter drop
 *     ip saddr 0.0.0.0 and not to 255.255.255.255, not UDP, not from
 *       port 68, not to 67: counter drop (4 rules)
 *     ip6 saddr :: meta l4proto != ipv6-icmp counter drop
 * Every drop has a counter and a comment naming what it drops; the shared
 * chain's count the frames of every device of its table.
 */
#ifndef XHP_NFT_POLICY_H
#define XHP_NFT_POLICY_H

#include "keys.h"
#include "nft.h"

/* Addresses one device's rules may allow, and of them prefixes (shorter
 * than the address) of each family. */
#define XHP_NFT_POLICY_IPS_MAX 64
#define XHP_NFT_POLICY_PREFIXES_MAX 16

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
