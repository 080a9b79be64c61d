// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A guest's policy in nft's words, for dry runs (nft_policy.h), made from
 * the plan (nft_plan.h) the messages are made from.
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

#include "nft_plan.h"
#include "util.h"

/* --- words --- */

static const char *proto_word(uint16_t proto);
static const char *l4_word(uint8_t l4);

/* @m in nft's words; @l4 is the rule's meta l4proto (the ICMP type's). */
static void describe_match(const struct match *m, uint8_t l4, char *buf,
			   size_t size)
{
	const struct xhp_ip ip4 = { .family = AF_INET };
	size_t len = xhp_nft_fields[m->field].len, used;
	char a[XHP_IP_STR];
	struct xhp_ip ip;
	const uint8_t *v = m->val;

	if (m->field == F_FRAG_EXISTS) { /* no value */
		snprintf(buf, size, "%s", xhp_nft_fields[m->field].name);
		return;
	}
	used = (size_t)snprintf(buf, size, "%s%s %s",
				m->field != F_ICMP_TYPE ? "" :
				l4 == IPPROTO_ICMPV6	? "icmpv6 " :
							  "icmp ",
				xhp_nft_fields[m->field].name,
				m->neq ? "!= " : "");
	if (used >= size)
		return;
	buf += used;
	size -= used;
	switch (m->field) {
	case F_ETH_DST:
		if (m->prefix >= 0 && m->prefix < 48) {
			uint8_t mask[6];

			xhp_nft_prefix_mask(mask, 6, m->prefix);
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
	       l4 == IPPROTO_IGMP ? "igmp" :
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
	put(t, " %s != {", xhp_nft_fields[field].name);
	for (i = 0; i < l->n; i++)
		put(t, "%s %s", i ? "," : "",
		    xhp_ip_str(&l->ip[i], xhp_nft_ip_is_prefix(&l->ip[i]), a));
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
	xhp_nft_plan_make(p, pl);
	xhp_nft_chain_name(chain, ifname);
	n = 0;
	if (pl->shared) { /* what the device's chain jumps to */
		xhp_nft_plan_shared(sh);
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
