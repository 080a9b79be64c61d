// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp_ifaddr_parse (libxhp/net/addr.h), the one reader of RTM_NEWADDR
 * messages, on messages built here: which attribute is the address,
 * where the flags come from, what is not an address message.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

static char buf[8192];

static struct nlmsghdr *msg(uint16_t type, uint8_t family, uint8_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = family == AF_INET ? 24 : 64;
	ifa->ifa_flags = flags;
	ifa->ifa_index = 7;
	return nlh;
}

static void put_ip(struct nlmsghdr *nlh, uint16_t attr, int family,
		   const char *text)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(family, text, a), 1);
	mnl_attr_put(nlh, attr, family == AF_INET ? 4 : 16, a);
}

static void assert_addr(const struct xhp_ifaddr *a, int family,
			const char *text)
{
	char s[INET6_ADDRSTRLEN];

	assert_non_null(a->addr);
	assert_int_equal(a->len, family == AF_INET ? 4 : 16);
	assert_non_null(inet_ntop(family, a->addr, s, sizeof(s)));
	assert_string_equal(s, text);
}

/* Point-to-point: IFA_LOCAL is ours, IFA_ADDRESS the peer's. */
static void test_local_first(void **state)
{
	struct nlmsghdr *nlh = msg(RTM_NEWADDR, AF_INET, IFA_F_SECONDARY);
	struct xhp_ifaddr a;

	(void)state;
	put_ip(nlh, IFA_ADDRESS, AF_INET, "10.9.9.9");
	put_ip(nlh, IFA_LOCAL, AF_INET, "10.1.2.3");
	assert_int_equal(xhp_ifaddr_parse(nlh, &a), 0);
	assert_addr(&a, AF_INET, "10.1.2.3");
	assert_int_equal(a.flags, IFA_F_SECONDARY);
	assert_int_equal(a.ifa->ifa_index, 7);
	assert_int_equal(a.ifa->ifa_prefixlen, 24);
}

/* IPv6 carries IFA_ADDRESS only; IFA_FLAGS has the 32-bit flags. */
static void test_address_and_flags(void **state)
{
	struct nlmsghdr *nlh = msg(RTM_NEWADDR, AF_INET6, IFA_F_PERMANENT);
	struct xhp_ifaddr a;

	(void)state;
	put_ip(nlh, IFA_ADDRESS, AF_INET6, "2001:db8::5");
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	assert_int_equal(xhp_ifaddr_parse(nlh, &a), 0);
	assert_addr(&a, AF_INET6, "2001:db8::5");
	assert_int_equal(a.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
}

/* An attribute of the wrong length for the family is not the address. */
static void test_wrong_length(void **state)
{
	struct nlmsghdr *nlh = msg(RTM_NEWADDR, AF_INET, 0);
	uint8_t six[6] = { 1, 2, 3, 4, 5, 6 };
	struct xhp_ifaddr a;

	(void)state;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(six), six);
	assert_int_equal(xhp_ifaddr_parse(nlh, &a), 0);
	assert_null(a.addr);
	put_ip(nlh, IFA_ADDRESS, AF_INET, "192.0.2.1");
	assert_int_equal(xhp_ifaddr_parse(nlh, &a), 0);
	assert_addr(&a, AF_INET, "192.0.2.1");
}

static void test_not_an_address(void **state)
{
	struct xhp_ifaddr a;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = msg(RTM_DELADDR, AF_INET, 0);
	assert_int_equal(xhp_ifaddr_parse(nlh, &a), -EINVAL);
	nlh = msg(RTM_NEWADDR, AF_PACKET, 0);
	assert_int_equal(xhp_ifaddr_parse(nlh, &a), -EINVAL);
	/* shorter than an ifaddrmsg */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	mnl_nlmsg_put_extra_header(nlh, 4);
	assert_int_equal(xhp_ifaddr_parse(nlh, &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_first),
		cmocka_unit_test(test_address_and_flags),
		cmocka_unit_test(test_wrong_length),
		cmocka_unit_test(test_not_an_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
