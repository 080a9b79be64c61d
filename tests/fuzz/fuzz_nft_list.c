// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the parser of a GETCHAIN dump's messages,
 * xhp_nft_dev_chain_parse (net/nft_list.c), as xhp_nft_dev_chains gives
 * it what one recv() brings: netlink messages one after another, walked
 * with xhp_nlmsg_ok/mnl_nlmsg_next as xhp_nl_talk walks them. The input
 * is copied to a malloc'd buffer (aligned as the socket buffer is)
 * rounded up to 4 bytes with zeros, as in fuzz_netlink.c.
 *
 * The promises: -EINVAL, 0 or 1; with 1, a device's chain of xhp: a
 * valid interface name whose shard's table is the one named, and a
 * fingerprint that is a string; with anything else, *ret untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NETLINK
#include "fuzz.h"
#include "nft_list.h"
#include "util.h"

static bool cstr_in(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_chain(const struct nlmsghdr *nlh)
{
	struct xhp_nft_dev_chain c, before;
	char table[XHP_NFT_TABLE_NAME_MAX];
	int r;

	memset(&c, 0x5a, sizeof(c));
	before = c;
	r = xhp_nft_dev_chain_parse(nlh, &c);
	CHECK(r == -EINVAL || r == 0 || r == 1);
	if (r != 1) {
		CHECK(!memcmp(&c, &before, sizeof(c)));
		return;
	}
	CHECK(cstr_in(c.table, sizeof(c.table)));
	CHECK(cstr_in(c.ifname, sizeof(c.ifname)));
	CHECK(cstr_in(c.fp, sizeof(c.fp)));
	CHECK(xhp_ifname_valid(c.ifname));
	CHECK(!strchr(c.ifname, '/'));
	CHECK(!strcmp(c.table, xhp_nft_table_name(table, c.ifname)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_nlmsg(data, size, check_chain);
	return 0;
}
