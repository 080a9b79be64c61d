// SPDX-License-Identifier: LGPL-2.1-or-later
/* The guest policy tests' harness (pt.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "nl.h"
#include "pt.h"
#include "testutil.h"

static int host_fd = -1;
static uint32_t next_tag = 0x5a000000;

void pt_init(void)
{
	tu_require_root("creates namespaces, bridges, veths, nf_tables chains");
	if (tu_netns_enter() < 0)
		fail_msg("cannot enter a network namespace");
	host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(host_fd >= 0);
}

void pt_ns_new(struct pt_ns *ns)
{
	*ns = (struct pt_ns){ .fd = -1, .tx = -1 };
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	ns->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(ns->fd >= 0);
	pt_run(ns, "ip", "link", "set", "lo", "up", NULL);
	pt_enter(NULL);
}

void pt_ns_free(struct pt_ns *ns)
{
	if (ns->tx >= 0)
		close(ns->tx);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->tx = ns->fd = -1;
}

void pt_enter(const struct pt_ns *ns)
{
	assert_int_equal(setns(ns ? ns->fd : host_fd, CLONE_NEWNET), 0);
}

void pt_run(const struct pt_ns *ns, const char *arg0, ...)
{
	const char *head[] = { arg0, NULL };
	char *out = NULL;
	va_list ap;
	int r;

	pt_enter(ns);
	va_start(ap, arg0);
	r = tu_runv(&out, NULL, 10000, head, ap);
	va_end(ap);
	pt_enter(NULL);
	if (r != 0)
		fail_msg("%s: exit %d: %s", arg0, r, out ? out : "");
	free(out);
}

/* Move link @name of the host into @ns (IFLA_NET_NS_FD). */
static void move_to(const char *name, const struct pt_ns *ns)
{
	struct xhp_nl *nl = NULL;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	xhp_ctx *ctx = NULL;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_nl_open(ctx, &nl), 0);
	nlh = xhp_nl_msg(nl, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)ns->fd);
	assert_int_equal(xhp_nl_talk(ctx, nl, nlh, NULL, NULL, NULL), 0);
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
}

void pt_link_mac(const char *name, uint8_t mac[6])
{
	struct xhp_nl *nl = NULL;
	xhp_ctx *ctx = NULL;
	struct xhp_link l;

	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_nl_open(ctx, &nl), 0);
	assert_int_equal(xhp_nl_link_get(ctx, nl, name, 0, &l), 0);
	memcpy(mac, l.addr, 6);
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
}

/* Whether `bridge link show dev @name` says the port forwards. */
static bool forwarding(const char *name)
{
	char *out = NULL;
	bool r;

	r = tu_runl(&out, "bridge", "link", "show", "dev", name, NULL) == 0 &&
	    out && strstr(out, "state forwarding");
	free(out);
	return r;
}

void pt_wait_port(const struct pt_ns *ns, const char *name)
{
	struct xhp_nl *nl = NULL;
	xhp_ctx *ctx = NULL;
	struct xhp_link l;
	bool ready = false;
	int i;

	pt_enter(ns);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_nl_open(ctx, &nl), 0);
	for (i = 0; i < 1000 && !ready; i++) {
		if (i)
			usleep(10000);
		assert_int_equal(xhp_nl_link_get(ctx, nl, name, 0, &l), 0);
		ready = (l.flags & IFF_RUNNING) &&
			(!l.master || forwarding(name));
	}
	xhp_nl_close(nl);
	xhp_ctx_unref(ctx);
	pt_enter(NULL);
	if (!ready)
		fail_msg("%s: not running (or not forwarding) after 10 s",
			 name);
}

void pt_veth(const char *host_end, struct pt_ns *ns, const char *mac,
	     const char *const addrs[])
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET };
	char peer[IFNAMSIZ];
	size_t i;

	snprintf(peer, sizeof(peer), "p-%s", host_end);
	pt_run(NULL, "ip", "link", "add", host_end, "type", "veth", "peer",
	       "name", peer, NULL);
	move_to(peer, ns);
	pt_run(ns, "ip", "link", "set", peer, "name", "eth0", NULL);
	if (mac)
		pt_run(ns, "ip", "link", "set", "eth0", "address", mac, NULL);
	for (i = 0; addrs && addrs[i]; i++)
		pt_run(ns, "ip", "addr", "add", addrs[i], "dev", "eth0",
		       strchr(addrs[i], ':') ? "nodad" : NULL, NULL);
	pt_run(ns, "ip", "link", "set", "eth0", "up", NULL);
	pt_run(NULL, "ip", "link", "set", host_end, "up", NULL);
	pt_enter(ns);
	pt_link_mac("eth0", ns->mac);
	ns->tx = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(ns->tx >= 0);
	sa.sll_protocol = htons(ETH_P_ALL);
	sa.sll_ifindex = (int)if_nametoindex("eth0");
	assert_int_equal(bind(ns->tx, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pt_enter(NULL);
	pt_wait_port(ns, "eth0");
	pt_wait_port(NULL, host_end);
}

/* --- frames --- */

static void put(struct pt_frame *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put16(struct pt_frame *f, uint16_t v)
{
	uint16_t be = htons(v);

	put(f, &be, 2);
}

void pt_eth(struct pt_frame *f, const uint8_t dst[6], const uint8_t src[6],
	    uint16_t type)
{
	f->len = 0;
	f->tag_at = f->sum_at = 0;
	put(f, dst, 6);
	put(f, src, 6);
	put16(f, type);
}

static void addr(int family, const char *s, void *out)
{
	assert_int_equal(inet_pton(family, s, out), 1);
}

/* An IPv4 header of protocol @proto whose total length holds @len bytes
 * after it and the tag. */
static void ip4(struct pt_frame *f, const uint8_t smac[6],
		const uint8_t dmac[6], const char *sip, const char *dip,
		uint8_t proto, size_t len)
{
	uint8_t ip[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, proto };
	uint16_t tot = (uint16_t)(20 + len + 4);
	uint32_t sum = 0;
	size_t i;

	pt_eth(f, dmac, smac, ETHERTYPE_IP);
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	addr(AF_INET, sip, ip + 12);
	addr(AF_INET, dip, ip + 16);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	put(f, ip, sizeof(ip));
}

void pt_ip4(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	    const char *sip, const char *dip, uint8_t proto,
	    const void *payload, size_t len)
{
	ip4(f, smac, dmac, sip, dip, proto, len);
	put(f, payload, len);
}

void pt_udp4(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	     const char *sip, const char *dip, uint16_t sport, uint16_t dport,
	     size_t payload)
{
	size_t i;

	ip4(f, smac, dmac, sip, dip, 17, 8 + payload);
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + payload + 4));
	put16(f, 0); /* no checksum */
	for (i = 0; i < payload; i++)
		put(f, "x", 1);
}

static void ip6(struct pt_frame *f, const uint8_t smac[6],
		const uint8_t dmac[6], const char *sip, const char *dip,
		uint8_t next, uint16_t len)
{
	uint8_t h[40] = { 0x60 };

	pt_eth(f, dmac, smac, ETHERTYPE_IPV6);
	h[4] = (uint8_t)(len >> 8);
	h[5] = (uint8_t)len;
	h[6] = next;
	h[7] = 255;
	addr(AF_INET6, sip, h + 8);
	addr(AF_INET6, dip, h + 24);
	put(f, h, sizeof(h));
}

void pt_udp6(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	     const char *sip, const char *dip, uint16_t sport, uint16_t dport)
{
	ip6(f, smac, dmac, sip, dip, 17, 8 + 4);
	put16(f, sport);
	put16(f, dport);
	put16(f, 8 + 4);
	put16(f, 0);
}

void pt_arp(struct pt_frame *f, const uint8_t sha[6], const char *spa,
	    const char *tpa, uint16_t op)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	uint8_t a[4];

	pt_eth(f, bcast, sha, ETHERTYPE_ARP);
	put16(f, 1);
	put16(f, ETHERTYPE_IP);
	put(f, "\x06\x04", 2);
	put16(f, op);
	put(f, sha, 6);
	addr(AF_INET, spa, a);
	put(f, a, 4);
	put(f, zero, 6);
	addr(AF_INET, tpa, a);
	put(f, a, 4);
}

void pt_icmp6(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	      const char *sip, const char *dip, uint8_t type,
	      const char *target)
{
	static const uint8_t zero[12];
	uint8_t t[16];

	/* the exact length (the policy holds neighbour discovery to its
	 * exact lengths): the tag goes into the message */
	ip6(f, smac, dmac, sip, dip, 58,
	    (uint16_t)(8 + (target	? 16 :
			    type == 133 ? 0 :
					  8)));
	f->tag_at = f->len + 4;
	put(f, &type, 1);
	put(f, zero, 3); /* code, checksum */
	put(f, zero, 4); /* flags / reserved / RA's hop limit .. lifetime */
	if (target) {
		addr(AF_INET6, target, t);
		put(f, t, 16);
	} else if (type != 133) {
		put(f, zero, 8); /* RA: reachable, retrans */
	}
}

void pt_vlan(struct pt_frame *f, uint16_t tpid, uint16_t vid)
{
	uint8_t tag[4] = { (uint8_t)(tpid >> 8), (uint8_t)tpid,
			   (uint8_t)(vid >> 8), (uint8_t)vid };

	assert_true(f->len + 4 <= sizeof(f->b));
	memmove(f->b + 16, f->b + 12, f->len - 12);
	memcpy(f->b + 12, tag, 4);
	f->len += 4;
	if (f->tag_at)
		f->tag_at += 4;
}

void pt_nd_opt(struct pt_frame *f, uint8_t type, const uint8_t data[6])
{
	const uint8_t len = 1; /* in units of 8 bytes */
	uint16_t plen = (uint16_t)(f->b[18] << 8 | f->b[19]) + 8;

	put(f, &type, 1);
	put(f, &len, 1);
	put(f, data, 6);
	f->b[18] = (uint8_t)(plen >> 8);
	f->b[19] = (uint8_t)plen;
}

void pt_nd_opt_pad(struct pt_frame *f, uint8_t type, uint8_t units)
{
	uint16_t plen = (uint16_t)(f->b[18] << 8 | f->b[19]) + units * 8;
	size_t i;

	put(f, &type, 1);
	put(f, &units, 1);
	for (i = 2; i < (size_t)units * 8; i++)
		put(f, "", 1);
	f->b[18] = (uint8_t)(plen >> 8);
	f->b[19] = (uint8_t)plen;
}

void pt_ip6(struct pt_frame *f, const uint8_t smac[6], const uint8_t dmac[6],
	    const char *sip, const char *dip, uint8_t next, const void *payload,
	    size_t len)
{
	ip6(f, smac, dmac, sip, dip, next, (uint16_t)len);
	put(f, payload, len);
}

/* The ICMPv6 checksum of the message at @f->sum_at (RFC 4443 2.3). */
static void icmp6_sum(struct pt_frame *f)
{
	const uint8_t *ip = f->b + 14;
	size_t end = 14 + 40 + (size_t)(ip[4] << 8 | ip[5]), i;
	size_t len = end - f->sum_at;
	uint32_t sum = 58 + (uint32_t)len;

	assert_int_equal(f->b[12] << 8 | f->b[13], ETHERTYPE_IPV6);
	assert_true(f->sum_at < end && end <= f->len);
	f->b[f->sum_at + 2] = f->b[f->sum_at + 3] = 0;
	for (i = 8; i < 40; i += 2) /* source and destination */
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (i = f->sum_at; i < end; i += 2)
		sum += (uint32_t)(f->b[i] << 8 |
				  (i + 1 < end ? f->b[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f->b[f->sum_at + 2] = (uint8_t)(~sum >> 8);
	f->b[f->sum_at + 3] = (uint8_t)~sum;
}

uint32_t pt_send(const struct pt_ns *from, struct pt_frame *f, int n)
{
	uint32_t tag = htonl(++next_tag);
	size_t len = f->len;
	int i;

	if (f->tag_at) {
		assert_true(f->tag_at + 4 <= f->len);
		memcpy(f->b + f->tag_at, &tag, 4);
	} else {
		put(f, &tag, 4);
	}
	if (f->sum_at)
		icmp6_sum(f);
	while (f->len < 60)
		put(f, "", 1);
	for (i = 0; i < n; i++)
		assert_int_equal(send(from->tx, f->b, f->len, 0),
				 (ssize_t)f->len);
	f->len = len;
	return tag;
}

bool pt_has_tag(const uint8_t *frame, size_t len, const void *arg)
{
	return memmem(frame, len, arg, sizeof(uint32_t)) != NULL;
}

void pt_count_rx(struct pt_rx *rx, size_t n)
{
	struct pollfd p[8];
	uint8_t in[2048];
	size_t i;

	assert_true(n <= sizeof(p) / sizeof(p[0]));
	for (i = 0; i < n; i++) {
		rx[i].got = 0;
		p[i] = (struct pollfd){ rx[i].fd, POLLIN, 0 };
	}
	while (poll(p, n, 300) > 0) {
		for (i = 0; i < n; i++) {
			struct sockaddr_ll sa;
			socklen_t sl = sizeof(sa);
			ssize_t got;

			if (!(p[i].revents & POLLIN))
				continue;
			got = recvfrom(rx[i].fd, in, sizeof(in), 0,
				       (struct sockaddr *)&sa, &sl);
			if (got <= 0)
				fail_msg("receiver %zu: %s", i,
					 got ? strerror(errno) : "EOF");
			if (sa.sll_pkttype != PACKET_OUTGOING &&
			    rx[i].match(in, (size_t)got, rx[i].arg))
				rx[i].got++;
		}
	}
}

int pt_count(const struct pt_ns *ns, uint32_t tag)
{
	struct pt_rx rx = { ns->tx, pt_has_tag, &tag, 0 };

	pt_count_rx(&rx, 1);
	return rx.got;
}

int pt_tap(const struct pt_ns *ns, const char *ifname, uint16_t proto)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(proto) };
	int fd;

	pt_enter(ns);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));
	assert_true(fd >= 0);
	sa.sll_ifindex = (int)if_nametoindex(ifname);
	assert_true(sa.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pt_enter(NULL);
	return fd;
}

/* --- nft --- */

/* Where the policy's rules are (the one place that says it): the xhp-*
 * tables of the test's own namespace, its netdev ruleset. */
static char *nft_list(bool json)
{
	char *out = NULL;
	int r;

	if (json)
		r = tu_runl(&out, "nft", "-j", "list", "ruleset", "netdev",
			    NULL);
	else
		r = tu_runl(&out, "nft", "list", "ruleset", "netdev", NULL);
	if (r ||
	    !strstr(out ? out : "", json ? "\"xhp-" : "table netdev xhp-")) {
		free(out);
		return NULL;
	}
	return out;
}

char *pt_nft_list(void)
{
	return nft_list(false);
}

/* The sum of the packets counters of @rule's expressions. */
static long rule_packets(const json_t *rule)
{
	const json_t *e, *c;
	size_t i;
	long n = 0;

	json_array_foreach(json_object_get(rule, "expr"), i, e)
		if ((c = json_object_get(e, "counter")))
			n += (long)json_integer_value(
				json_object_get(c, "packets"));
	return n;
}

/*
 * The name of the table (caller frees) whose base chain hooks device
 * @dev, NULL if none: from the text listing, as nft 1.0.6 leaves a
 * chain's device out of its JSON ("... hook ingress device "vif3.0"
 * priority ...", or "devices = { ... }").
 */
static char *table_of(const char *dev)
{
	char *out = nft_list(false), *line, *save = NULL, *table = NULL;
	char quoted[IFNAMSIZ + 2], bare[IFNAMSIZ + 8];

	if (!out)
		return NULL;
	snprintf(quoted, sizeof(quoted), "\"%s\"", dev);
	snprintf(bare, sizeof(bare), "device %s ", dev);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "table netdev ", 13)) {
			free(table);
			table = strndup(line + 13, strcspn(line + 13, " {"));
		} else if (strstr(line, "hook ingress") &&
			   (strstr(line, quoted) || strstr(line, bare))) {
			free(out);
			return table;
		}
	}
	free(table);
	free(out);
	return NULL;
}

long pt_dev_counter(const char *dev, const char *comment)
{
	char *table = table_of(dev), *out;
	const json_t *item, *o;
	json_t *root;
	long n = -1;
	size_t i;

	if (!table || !(out = nft_list(true))) {
		free(table);
		return -1;
	}
	root = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "nftables"), i, item) {
		o = json_object_get(item, "rule");
		if (!o ||
		    strcmp(json_string_value(json_object_get(o, "table")) ?: "",
			   table) ||
		    strcmp(json_string_value(json_object_get(o, "comment")) ?:
									      "",
			   comment))
			continue;
		n = (n < 0 ? 0 : n) + rule_packets(o);
	}
	free(table);
	json_decref(root);
	return n;
}

int pt_chains(void)
{
	char *out = pt_nft_list();
	const char *s = out;
	int n = 0;

	while (s && (s = strstr(s, "\tchain dev-"))) {
		n++;
		s++;
	}
	free(out);
	return n;
}
