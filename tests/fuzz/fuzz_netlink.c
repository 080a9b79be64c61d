// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the netlink reply parsers: xhp_nl_link_parse
 * (nl.c, RTM_NEWLINK), xhp_ifaddr_parse (addr.c, RTM_NEWADDR) and
 * xhp_nft_chain_parse (nft.c, nf_tables. NEWCHAIN answer to GETCHAIN). The
 * input is what one recv() from the kernel gives: netlink messages one
 * after another, walked with xhp_nlmsg_ok/mnl_nlmsg_next as
 * xhp_nl_talk walks them; every message goes to both parsers. The
 * input is copied to a malloc'd buffer (aligned as the socket buffer is)
 * rounded up to 4 bytes with zeros, as nl->buf always has room for the
 * last message's padding.
 *
 * libmnl walks attributes up to the message's padded end
 * (MNL_ALIGN(nlmsg_len)), so an attribute may cover the 1-3 padding
 * bytes of an unaligned nlmsg_len; the kernel's messages are aligned.
 * The promise checked is that what the parsers return lies inside the
 * padded message, never past it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#define FUZZ_NETLINK
#include "fuzz.h"
#include "nft.h"
#include "nl.h"

static bool cstr_in(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_link(const struct nlmsghdr *nlh)
{
	struct xhp_link l;

	if (xhp_nl_link_parse(nlh, &l) < 0)
		return;
	CHECK(nlh->nlmsg_type == RTM_NEWLINK);
	CHECK(cstr_in(l.name, sizeof(l.name)));
	CHECK(cstr_in(l.kind, sizeof(l.kind)));
	CHECK(cstr_in(l.alias, sizeof(l.alias)));
}

static void check_addr(const struct nlmsghdr *nlh)
{
	const char *msg = (const char *)nlh, *a;
	struct xhp_ifaddr ia;

	if (xhp_ifaddr_parse(nlh, &ia) < 0)
		return;
	CHECK(nlh->nlmsg_type == RTM_NEWADDR);
	CHECK(ia.ifa == mnl_nlmsg_get_payload(nlh));
	CHECK(ia.len == (ia.ifa->ifa_family == AF_INET ? 4u : 16u));
	if (!ia.addr)
		return;
	/* The address lies inside the message. */
	a = ia.addr;
	CHECK(a >= msg + sizeof(*nlh) + sizeof(struct ifaddrmsg));
	CHECK(a + ia.len <= msg + MNL_ALIGN(nlh->nlmsg_len));
}

static void check_table(const struct nlmsghdr *nlh)
{
	struct xhp_nft_dev_state st;

	if (xhp_nft_chain_parse(nlh, &st) < 0)
		return;
	CHECK(cstr_in(st.fp, sizeof(st.fp)));
	CHECK(!st.fp[0] || st.present);
}

/* One message, to every parser. */
static void check_one(const struct nlmsghdr *nlh)
{
	check_link(nlh);
	check_addr(nlh);
	check_table(nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_nlmsg(data, size, check_one);
	return 0;
}
