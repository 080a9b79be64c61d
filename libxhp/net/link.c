// SPDX-License-Identifier: LGPL-2.1-or-later
/* rtnetlink link operations (see link.h). */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "link.h"
#include "util.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

/*
 * "cannot <what> <name>[ to <to>]: errno text (kernel: ext ack)", the
 * names rendered with xhp_quote (a kernel name may hold any byte).
 */
static int link_fail(xhp_ctx *ctx, int r, const char *ext, const char *what,
		     const char *name, const char *to)
{
	char q[XHP_QUOTE_MAX], q2[XHP_QUOTE_MAX];

	return xhp_nl_fail(ctx, r, ext, "cannot %s %s%s%s", what,
			   xhp_quote(q, name), to ? " to " : "",
			   to ? xhp_quote(q2, to) : "");
}

/* Start an RTM_SETLINK for @ifindex; the caller adds attributes. */
static struct nlmsghdr *setlink_msg(struct xhp_nl *nl, int ifindex,
				    struct ifinfomsg **ret_ifi)
{
	struct nlmsghdr *nlh = xhp_nl_msg(nl, RTM_SETLINK, 0);
	struct ifinfomsg *ifi;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ret_ifi)
		*ret_ifi = ifi;
	return nlh;
}

static int setlink_send(xhp_ctx *ctx, struct xhp_nl *nl, struct nlmsghdr *nlh,
			const char *what, const char *name, const char *to)
{
	const char *ext;
	int r;

	r = xhp_nl_talk(ctx, nl, nlh, NULL, NULL, &ext);
	if (r < 0)
		return link_fail(ctx, r, ext, what, name, to);
	return 0;
}

int xhp_link_set_up(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		    bool up)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = setlink_msg(nl, l->ifindex, &ifi);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return setlink_send(ctx, nl, nlh, up ? "bring up" : "bring down",
			    l->name, NULL);
}

int xhp_link_set_mac(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		     const uint8_t mac[6])
{
	struct nlmsghdr *nlh = setlink_msg(nl, l->ifindex, NULL);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return setlink_send(ctx, nl, nlh, "set the MAC address of", l->name,
			    NULL);
}

int xhp_link_set_mtu(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		     unsigned int mtu)
{
	struct nlmsghdr *nlh = setlink_msg(nl, l->ifindex, NULL);
	char what[48];

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	snprintf(what, sizeof(what), "set MTU %u on", mtu);
	return setlink_send(ctx, nl, nlh, what, l->name, NULL);
}

int xhp_link_rename(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l,
		    const char *name, const char *alias)
{
	struct nlmsghdr *nlh = setlink_msg(nl, l->ifindex, NULL);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* In the same request: the name and its mark change together. */
	if (alias)
		mnl_attr_put(nlh, IFLA_IFALIAS, strlen(alias), alias);
	return setlink_send(ctx, nl, nlh, "rename", l->name, name);
}

int xhp_link_set_master(xhp_ctx *ctx, struct xhp_nl *nl,
			const struct xhp_link *l, int master,
			const char *master_name)
{
	struct nlmsghdr *nlh = setlink_msg(nl, l->ifindex, NULL);
	char to[IF_NAMESIZE + 16];

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (!master)
		return setlink_send(ctx, nl, nlh, "release from its bridge",
				    l->name, NULL);
	/* "cannot enslave vif1.0 to bridge br0" (quoted by link_fail) */
	if (master_name)
		snprintf(to, sizeof(to), "bridge %s", master_name);
	else
		snprintf(to, sizeof(to), "bridge %d", master);
	return setlink_send(ctx, nl, nlh, "enslave", l->name, to);
}

/* Addresses found by one filtered dump, deleted after it. */
#define FLUSH_BATCH 64

struct addr_batch {
	int ifindex;
	size_t n;
	bool more;
	struct {
		struct ifaddrmsg ifa;
		uint8_t addr[16];
		uint16_t len;
	} a[FLUSH_BATCH];
	/* Where the whole messages are kept for a restore (may be NULL). */
	struct xhp_addr_list *save;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_batch *b = data;
	struct xhp_ifaddr a;

	if (xhp_ifaddr_parse(nlh, &a) < 0 ||
	    (int)a.ifa->ifa_index != b->ifindex || !a.addr)
		return MNL_CB_OK; /* kernels before 4.20 do not filter */
	if (b->n == FLUSH_BATCH) {
		b->more = true;
		return MNL_CB_OK;
	}
	b->a[b->n].ifa = *a.ifa;
	b->a[b->n].len = (uint16_t)a.len;
	memcpy(b->a[b->n].addr, a.addr, a.len);
	if (b->save && nlh->nlmsg_len <= sizeof(b->save->a[0].msg)) {
		struct xhp_addr_list *s = b->save;
		void *n = reallocarray(s->a, s->n + 1, sizeof(*s->a));

		if (!n)
			return MNL_CB_ERROR;
		s->a = n;
		memcpy(s->a[s->n].msg, nlh, nlh->nlmsg_len);
		s->n++;
	}
	b->n++;
	return MNL_CB_OK;
}

static int flush_family(xhp_ctx *ctx, struct xhp_nl *nl,
			const struct xhp_link *l, int family,
			struct xhp_addr_list *save)
{
	struct addr_batch *b;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	const char *ext;
	int r = 0, round;
	size_t i;

	b = calloc(1, sizeof(*b));
	if (!b)
		return xhp_err(ctx, ENOMEM, "out of memory");
	b->ifindex = l->ifindex;
	b->save = save;
	for (round = 0; round < 64; round++) {
		b->n = 0;
		b->more = false;
		nlh = xhp_nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = (uint8_t)family;
		ifa->ifa_index = (uint32_t)l->ifindex;
		r = xhp_nl_talk(ctx, nl, nlh, addr_cb, b, &ext);
		if (r < 0) {
			r = link_fail(ctx, r, ext, "list the addresses of",
				      l->name, NULL);
			break;
		}
		for (i = 0; i < b->n; i++) {
			nlh = xhp_nl_msg(nl, RTM_DELADDR, 0);
			ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
			*ifa = b->a[i].ifa;
			mnl_attr_put(nlh, IFA_LOCAL, b->a[i].len, b->a[i].addr);
			r = xhp_nl_talk(ctx, nl, nlh, NULL, NULL, &ext);
			/* Gone already (a primary took its secondaries). */
			if (r == -EADDRNOTAVAIL || r == -ENOENT)
				r = 0;
			if (r < 0) {
				char a[INET6_ADDRSTRLEN] = "?";
				char q[XHP_QUOTE_MAX];

				inet_ntop(family, b->a[i].addr, a, sizeof(a));
				r = xhp_err(
					ctx, r,
					"cannot delete address %s from %s: %s%s%s%s",
					a, xhp_quote(q, l->name), strerror(-r),
					ext[0] ? " (kernel: " : "", ext,
					ext[0] ? ")" : "");
				goto out;
			}
		}
		if (!b->more)
			break;
	}
out:
	free(b);
	return r;
}

int xhp_link_flush_addrs(xhp_ctx *ctx, struct xhp_nl *nl,
			 const struct xhp_link *l, struct xhp_addr_list *save)
{
	int one = 1, r;

	/* Let the kernel filter the dumps by index (Linux 4.20+). */
	mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &one,
			      sizeof(one));
	r = flush_family(ctx, nl, l, AF_INET, save);
	if (r < 0)
		return r;
	return flush_family(ctx, nl, l, AF_INET6, save);
}

int xhp_link_restore_addrs(xhp_ctx *ctx, struct xhp_nl *nl,
			   const struct xhp_link *l,
			   const struct xhp_addr_list *saved)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	const char *ext;
	size_t i;
	int r, first = 0;

	for (i = 0; i < saved->n; i++) {
		const struct nlmsghdr *m = (const void *)saved->a[i].msg;

		nlh = xhp_nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
		memcpy(mnl_nlmsg_get_payload(nlh), mnl_nlmsg_get_payload(m),
		       m->nlmsg_len - MNL_NLMSG_HDRLEN);
		nlh->nlmsg_len = m->nlmsg_len;
		ifa = mnl_nlmsg_get_payload(nlh);
		ifa->ifa_index = (uint32_t)l->ifindex;
		r = xhp_nl_talk(ctx, nl, nlh, NULL, NULL, &ext);
		if (r < 0 && !first)
			first = link_fail(ctx, r, ext, "restore an address of",
					  l->name, NULL);
	}
	return first;
}

void xhp_addr_list_clear(struct xhp_addr_list *list)
{
	free(list->a);
	list->a = NULL;
	list->n = 0;
}

struct first_bridge {
	struct xhp_link best;
	bool found;
};

static int bridge_cb(const struct nlmsghdr *nlh, void *data)
{
	struct first_bridge *fb = data;
	struct xhp_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (xhp_nl_link_parse(nlh, &l) < 0)
		return MNL_CB_ERROR;
	/* Old kernels ignore the kind filter: check it here too. */
	if (strcmp(l.kind, "bridge") || !l.name[0])
		return MNL_CB_OK;
	if (!fb->found || strcmp(l.name, fb->best.name) < 0) {
		fb->best = l;
		fb->found = true;
	}
	return MNL_CB_OK;
}

int xhp_link_first_bridge(xhp_ctx *ctx, struct xhp_nl *nl, struct xhp_link *ret)
{
	struct first_bridge fb = { .found = false };
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	const char *ext;
	int r;

	nlh = xhp_nl_getlink_msg(nl, NLM_F_DUMP, NULL, 0);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, nest);
	r = xhp_nl_talk(ctx, nl, nlh, bridge_cb, &fb, &ext);
	if (r < 0)
		return link_fail(ctx, r, ext, "list the bridges:", "dump",
				 NULL);
	if (!fb.found)
		return -ENODEV;
	*ret = fb.best;
	return 0;
}

struct walk {
	int (*fn)(const struct xhp_link *l, void *userdata);
	void *userdata;
	int r;
};

static int walk_cb(const struct nlmsghdr *nlh, void *data)
{
	struct walk *w = data;
	struct xhp_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK || w->r < 0)
		return MNL_CB_OK;
	if (xhp_nl_link_parse(nlh, &l) < 0)
		return MNL_CB_ERROR;
	w->r = w->fn(&l, w->userdata);
	return MNL_CB_OK;
}

int xhp_link_walk(xhp_ctx *ctx, struct xhp_nl *nl,
		  int (*fn)(const struct xhp_link *l, void *userdata),
		  void *userdata)
{
	struct walk w = { fn, userdata, 0 };
	struct nlmsghdr *nlh;
	const char *ext;
	int r;

	nlh = xhp_nl_getlink_msg(nl, NLM_F_DUMP, NULL, 0);
	r = xhp_nl_talk(ctx, nl, nlh, walk_cb, &w, &ext);
	if (r < 0)
		return link_fail(ctx, r, ext, "list the links:", "dump", NULL);
	return w.r;
}

int xhp_link_delete(xhp_ctx *ctx, struct xhp_nl *nl, const struct xhp_link *l)
{
	struct nlmsghdr *nlh = xhp_nl_msg(nl, RTM_DELLINK, 0);
	struct ifinfomsg *ifi;
	const char *ext;
	int r;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = l->ifindex;
	r = xhp_nl_talk(ctx, nl, nlh, NULL, NULL, &ext);
	if (r == -ENODEV)
		return r;
	return r < 0 ? link_fail(ctx, r, ext, "delete", l->name, NULL) : 0;
}

static int br_data_cb(const struct nlattr *a, void *data)
{
	struct xhp_bridge_info *bi = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_BR_VLAN_FILTERING:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			bi->vlan_filtering = mnl_attr_get_u8(a) != 0;
		break;
	case IFLA_BR_VLAN_DEFAULT_PVID:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			bi->default_pvid = mnl_attr_get_u16(a);
		break;
	}
	return MNL_CB_OK;
}

struct br_info_req {
	struct xhp_bridge_info info;
	bool is_bridge;
};

static int br_info_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct br_info_req *bir = data;
	struct nlattr *attr, *i;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(attr) != IFLA_LINKINFO)
			continue;
		mnl_attr_for_each_nested(i, attr) {
			if (mnl_attr_get_type(i) == IFLA_INFO_KIND &&
			    mnl_attr_get_payload_len(i) >= 6 &&
			    !memcmp(mnl_attr_get_payload(i), "bridge", 6))
				bir->is_bridge = true;
			if (mnl_attr_get_type(i) == IFLA_INFO_DATA)
				mnl_attr_parse_nested(i, br_data_cb,
						      &bir->info);
		}
	}
	return MNL_CB_OK;
}

int xhp_bridge_info_get(xhp_ctx *ctx, struct xhp_nl *nl,
			const struct xhp_link *br, struct xhp_bridge_info *ret)
{
	struct br_info_req bir = { .is_bridge = false };
	struct nlmsghdr *nlh;
	const char *ext;
	int r;

	nlh = xhp_nl_getlink_msg(nl, 0, NULL, br->ifindex);
	r = xhp_nl_talk(ctx, nl, nlh, br_info_cb, &bir, &ext);
	if (r < 0)
		return link_fail(ctx, r, ext, "read the settings of bridge",
				 br->name, NULL);
	if (!bir.is_bridge)
		return xhp_err(ctx, EINVAL, "%s is not a bridge", br->name);
	*ret = bir.info;
	return 0;
}

/* Append one IFLA_BRIDGE_VLAN_INFO; false if it does not fit. */
static bool put_vinfo(struct nlmsghdr *nlh, size_t size, unsigned int *n,
		      uint16_t vid, uint16_t flags)
{
	struct bridge_vlan_info vi = { .flags = flags, .vid = vid };

	if (*n >= XHP_VLAN_INFO_MAX)
		return false;
	(*n)++;
	return mnl_attr_put_check(nlh, size, IFLA_BRIDGE_VLAN_INFO, sizeof(vi),
				  &vi);
}

/* VLANs first..last (first <= last) as one entry or a range pair. */
static bool put_range(struct nlmsghdr *nlh, size_t size, unsigned int *n,
		      uint16_t first, uint16_t last, uint16_t flags)
{
	if (first == last)
		return put_vinfo(nlh, size, n, first, flags);
	return put_vinfo(nlh, size, n, first,
			 flags | BRIDGE_VLAN_INFO_RANGE_BEGIN) &&
	       put_vinfo(nlh, size, n, last,
			 flags | BRIDGE_VLAN_INFO_RANGE_END);
}

static struct nlmsghdr *vlan_msg_start(void *buf, size_t size, uint16_t type,
				       int ifindex, struct nlattr **ret_nest)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)) + 64)
		return NULL;
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	*ret_nest = mnl_attr_nest_start_check(nlh, size, IFLA_AF_SPEC);
	return *ret_nest ? nlh : NULL;
}

/* A step-1 run first..last, split around the PVID if it holds it. */
static bool put_run(struct nlmsghdr *nlh, size_t size, unsigned int *n,
		    uint16_t first, uint16_t last, uint16_t flags,
		    uint16_t pvid)
{
	bool ok = true;

	if (pvid < first || pvid > last)
		return put_range(nlh, size, n, first, last, flags);
	if (pvid > first)
		ok = put_range(nlh, size, n, first, pvid - 1, flags);
	ok = ok && put_vinfo(nlh, size, n, pvid, flags | BRIDGE_VLAN_INFO_PVID);
	if (ok && pvid < last)
		ok = put_range(nlh, size, n, pvid + 1, last, flags);
	return ok;
}

struct nlmsghdr *xhp_bridge_vlan_msg(void *buf, size_t size, uint16_t type,
				     int ifindex,
				     const struct xhp_vlan_spec *spec)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	bool ok = true;
	unsigned int i, v, n = 0;

	nlh = vlan_msg_start(buf, size, type, ifindex, &nest);
	if (!nlh)
		return NULL;
	for (i = 0; ok && i < spec->n_ranges; i++) {
		const struct xhp_vlan_range *r = &spec->ranges[i];
		uint16_t f = r->untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0;

		if (r->step <= 1) {
			ok = put_run(nlh, size, &n, r->first, r->last, f,
				     spec->pvid);
			continue;
		}
		/* A stride: one entry per VLAN. */
		for (v = r->first; ok && v <= r->last; v += r->step)
			ok = put_vinfo(nlh, size, &n, (uint16_t)v,
				       f | (v == spec->pvid ?
						    BRIDGE_VLAN_INFO_PVID :
						    0));
	}
	if (!ok)
		return NULL;
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

struct nlmsghdr *xhp_bridge_vlan_msg_one(void *buf, size_t size, uint16_t type,
					 int ifindex, uint16_t vid,
					 uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int n = 0;

	nlh = vlan_msg_start(buf, size, type, ifindex, &nest);
	if (!nlh || !put_vinfo(nlh, size, &n, vid, flags))
		return NULL;
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static bool spec_has_vid(const struct xhp_vlan_spec *spec, uint16_t vid)
{
	unsigned int i;

	if (spec->pvid == vid)
		return true;
	for (i = 0; i < spec->n_ranges; i++) {
		const struct xhp_vlan_range *r = &spec->ranges[i];

		if (vid >= r->first && vid <= r->last &&
		    (vid - r->first) % (r->step ? r->step : 1) == 0)
			return true;
	}
	return false;
}

/* Send a message built outside nl->buf (sequence number set here). */
static int vlan_send(xhp_ctx *ctx, struct xhp_nl *nl, struct nlmsghdr *nlh,
		     const char *what, const char *name)
{
	nlh->nlmsg_seq = ++nl->seq;
	return setlink_send(ctx, nl, nlh, what, name, NULL);
}

int xhp_bridge_port_set_vlans(xhp_ctx *ctx, struct xhp_nl *nl,
			      const struct xhp_link *l,
			      const struct xhp_vlan_spec *spec,
			      uint16_t default_pvid)
{
	_cleanup_free_ void *buf = malloc(XHP_VLAN_MSG_MAX);
	struct nlmsghdr *nlh;
	int r;

	if (!buf)
		return xhp_err(ctx, ENOMEM, "out of memory");
	nlh = xhp_bridge_vlan_msg(buf, XHP_VLAN_MSG_MAX, RTM_SETLINK,
				  l->ifindex, spec);
	if (!nlh)
		return xhp_err(ctx, E2BIG, "too many VLANs for %s", l->name);
	r = vlan_send(ctx, nl, nlh, "set the VLANs of port", l->name);
	if (r < 0 || !default_pvid || spec_has_vid(spec, default_pvid))
		return r;
	nlh = xhp_bridge_vlan_msg_one(buf, XHP_VLAN_MSG_MAX, RTM_DELLINK,
				      l->ifindex, default_pvid, 0);
	if (!nlh)
		return xhp_err(ctx, E2BIG, "VLAN message does not fit");
	return vlan_send(ctx, nl, nlh, "drop the default VLAN of port",
			 l->name);
}

int xhp_bridge_port_unset_vlans(xhp_ctx *ctx, struct xhp_nl *nl,
				const struct xhp_link *l,
				const struct xhp_vlan_spec *spec,
				uint16_t default_pvid)
{
	_cleanup_free_ void *buf = malloc(XHP_VLAN_MSG_MAX);
	struct nlmsghdr *nlh;
	int r;

	if (!buf)
		return xhp_err(ctx, ENOMEM, "out of memory");
	nlh = xhp_bridge_vlan_msg(buf, XHP_VLAN_MSG_MAX, RTM_DELLINK,
				  l->ifindex, spec);
	if (!nlh)
		return xhp_err(ctx, E2BIG, "too many VLANs for %s", l->name);
	r = vlan_send(ctx, nl, nlh, "take the VLANs away from port", l->name);
	if (r < 0 || !default_pvid)
		return r;
	nlh = xhp_bridge_vlan_msg_one(
		buf, XHP_VLAN_MSG_MAX, RTM_SETLINK, l->ifindex, default_pvid,
		BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
	if (!nlh)
		return xhp_err(ctx, E2BIG, "VLAN message does not fit");
	return vlan_send(ctx, nl, nlh, "give back the default VLAN of port",
			 l->name);
}
