/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest policy tests with real frames: network namespaces standing in
 * for guests and a router, veth pairs standing in for vifs and taps (the
 * vif end in the test's host namespace, the peer "eth0" in the guest's),
 * frames built byte by byte and sent from a guest with a packet socket,
 * counted where they arrive by packet sockets that look for the frame's
 * tag, and the nft counters of the drop rules read back with `nft`.
 */
#ifndef XHP_PT_H
#define XHP_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* A namespace: its fd, and the packet socket on its eth0 (-1: none). */
struct pt_ns {
	int fd;
	int tx; /* ETH_P_ALL packet socket on eth0, sends and counts */
	uint8_t mac[6]; /* of eth0 */
};

/* Enter a fresh namespace as the "host" (tu_netns_enter). */
void pt_init(void);
/* A new namespace (the test stays in the host's). */
void pt_ns_new(struct pt_ns *ns);
void pt_ns_free(struct pt_ns *ns);
/* Switch the calling thread into @ns (NULL: the host). */
void pt_enter(const struct pt_ns *ns);
/* Run a command in @ns (NULL: host); it must exit 0. */
void pt_run(const struct pt_ns *ns, const char *arg0, ...)
	__attribute__((sentinel));
/*
 * A veth: @host_end in the host, its peer "eth0" in @ns with MAC @mac
 * (NULL: the kernel's), up, with @addrs (NULL-terminated "10.0.0.1/24"
 * ...; IPv6 ones nodad). Opens ns->tx.
 */
/*
 * Wait up to 10 s until link @name of @ns (NULL: the host) is running
 * (IFF_RUNNING: its operstate is up, which the kernel's linkwatch sets,
 * and starts the link's queue, up to a second after the carrier comes)
 * and, when it is a bridge port, forwarding; else the test fails. A
 * frame sent before is dropped by the queue or the bridge.
 */
void pt_wait_port(const struct pt_ns *ns, const char *name);
void pt_veth(const char *host_end, struct pt_ns *ns, const char *mac,
	     const char *const addrs[]);

/* The MAC of link @name of the current namespace. */
void pt_link_mac(const char *name, uint8_t mac[6]);

/* A frame being built. */
struct pt_frame {
	uint8_t b[1600];
	size_t len;
	/* Where pt_send() writes its tag: 0, at the end; else 4 bytes the
	 * frame has at this offset (for IPv6, whose bytes after the payload
	 * a bridge with br_netfilter trims off). */
	size_t tag_at;
	/* If not 0: where an ICMPv6 message starts (IPv6 right after the
	 * MAC addresses, ICMPv6 to the end of its payload), whose checksum
	 * pt_send() sets once tagged (a bridge checks that of MLD). */
	size_t sum_at;
};
/* Start @f: its Ethernet header (@type), nothing after it. */
void pt_eth(struct pt_frame *f, const uint8_t dst[6], const uint8_t src[6],
	    uint16_t type);
/* An IPv4 packet of protocol @proto with @payload (@len bytes; the tag
 * follows it, inside the packet's total length). No checksum of the
 * payload's is set. */
void pt_ip4(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	    const char *sip, const char *dip, uint8_t proto,
	    const void *payload, size_t len);
void pt_udp4(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	     const char *sip, const char *dip, uint16_t sport, uint16_t dport,
	     size_t payload);
void pt_udp6(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	     const char *sip, const char *dip, uint16_t sport, uint16_t dport);
/* ARP @op (1 request, 2 reply), broadcast. */
void pt_arp(struct pt_frame *f, const uint8_t sha[6], const char *spa,
	    const char *tpa, uint16_t op);
/* ICMPv6 @type (133 RS, 134 RA, 135 NS, 136 NA) with @target (NULL:
 * none; RA: reachable time and retransmission timer 0), of
 * its exact length; the tag goes into bytes 4-7 of the message (reserved
 * in RS, NS, NA). */
void pt_icmp6(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	      const char *sip, const char *dip, uint8_t type,
	      const char *target);

/* Insert an 802.1Q-style tag (@tpid, @vid) after @f's MAC addresses
 * (outermost: call it for the inner tag first). */
void pt_vlan(struct pt_frame *f, uint16_t tpid, uint16_t vid);
/* Append an 8-byte neighbour discovery option (@type, length 1, @data:
 * a MAC or a nonce) to the ICMPv6 frame @f; its payload length grows. */
void pt_nd_opt(struct pt_frame *f, uint8_t type, const uint8_t data[6]);

/* Append an option of @type and @units * 8 bytes of zeros (after its
 * type and length) to the ICMPv6 frame @f; its payload length grows. */
void pt_nd_opt_pad(struct pt_frame *f, uint8_t type, uint8_t units);
/* An IPv6 packet with next header @next and @payload (@len bytes: the
 * extension headers and what follows, built by the caller). */
void pt_ip6(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	    const char *sip, const char *dip, uint8_t next, const void *payload,
	    size_t len);

/* Tag @f (a fresh tag at its end, or at f->tag_at) and send it @n times
 * from @from. */
uint32_t pt_send(const struct pt_ns *from, struct pt_frame *f, int n);
/* Frames with @tag that reach @ns's eth0 within 300 ms of the last. */
int pt_count(const struct pt_ns *ns, uint32_t tag);

/* Whether @frame (@len bytes) is the one a receiver looks for. */
typedef bool pt_match_fn(const uint8_t *frame, size_t len, const void *arg);
/* pt_match_fn: @frame has the tag *(const uint32_t *)@arg (pt_send's). */
bool pt_has_tag(const uint8_t *frame, size_t len, const void *arg);
/* A receiver: packet socket @fd, and what it counts. */
struct pt_rx {
	int fd;
	pt_match_fn *match;
	const void *arg;
	int got; /* set by pt_count_rx */
};
/*
 * Read the @n receivers' sockets together until none has had a frame for
 * 300 ms; rx[i].got: the frames on rx[i].fd (not sent from its side)
 * that rx[i].match. One wait for all of them, not one each.
 */
void pt_count_rx(struct pt_rx *rx, size_t n);
/*
 * A packet socket on link @ifname of @ns (NULL: the host) for the ether
 * type @proto alone. The kernel hands such a socket a frame after the
 * device's ingress hook (an ETH_P_ALL one, like pt_ns.tx, gets it
 * before), with the frames the stack itself receives: what it counts got
 * past the policy into @ns's stack. Caller closes it.
 */
int pt_tap(const struct pt_ns *ns, const char *ifname, uint16_t proto);

/*
 * The packets counters of the rules with @comment in every chain of the
 * table that holds the base chain of device @dev (whatever the chains are
 * called and however the rules are spread over them), summed; -1 if
 * there is no such rule.
 */
long pt_dev_counter(const char *dev, const char *comment);
/* `nft list ruleset netdev` (the test's own namespace), or NULL if it has
 * no table netdev xhp-* (caller frees). */
char *pt_nft_list(void);
/* The number of chains named dev-* in the xhp-* tables. */
int pt_chains(void);

#endif /* XHP_PT_H */
