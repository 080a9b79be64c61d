// SPDX-License-Identifier: LGPL-2.1-or-later
/* One RTM_NEWADDR message taken apart (see addr.h). */
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

int xhp_ifaddr_parse(const struct nlmsghdr *nlh, struct xhp_ifaddr *ret)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const void *local = NULL, *address = NULL;
	const struct nlattr *a;
	uint32_t flags;
	size_t len;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return -EINVAL;
	len = ifa->ifa_family == AF_INET ? 4 : 16;
	flags = ifa->ifa_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		switch (mnl_attr_get_type(a)) {
		case IFA_LOCAL:
			if (mnl_attr_get_payload_len(a) == len)
				local = mnl_attr_get_payload(a);
			break;
		case IFA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == len)
				address = mnl_attr_get_payload(a);
			break;
		case IFA_FLAGS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				flags = mnl_attr_get_u32(a);
			break;
		}
	}
	memset(ret, 0, sizeof(*ret));
	ret->ifa = ifa;
	ret->addr = local ? local : address;
	ret->len = len;
	ret->flags = flags;
	return 0;
}
