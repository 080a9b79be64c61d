/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One RTM_NEWADDR message taken apart: the one place that reads
 * ifaddrmsg and its IFA_ attributes, for the address flush of link.c and
 * the address scans of route_nl.c.
 */
#ifndef XHP_ADDR_H
#define XHP_ADDR_H

#include <linux/if_addr.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"

struct xhp_ifaddr {
	const struct ifaddrmsg *ifa; /* borrowed from the message */
	/*
	 * The address: IFA_LOCAL, else IFA_ADDRESS (on a point-to-point
	 * link IFA_ADDRESS is the peer). Borrowed from the message; NULL
	 * when neither has the family's length.
	 */
	const void *addr;
	size_t len; /* 4 (AF_INET) or 16 (AF_INET6) */
	uint32_t flags; /* IFA_FLAGS, else the 8 bits of ifa_flags */
};

/*
 * Parse @nlh. Returns 0, or -EINVAL when it is not an RTM_NEWADDR of
 * AF_INET or AF_INET6 with a whole ifaddrmsg (a dump callback skips it).
 */
int xhp_ifaddr_parse(const struct nlmsghdr *nlh, struct xhp_ifaddr *ret);

#endif /* XHP_ADDR_H */
