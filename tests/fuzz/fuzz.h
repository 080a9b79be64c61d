/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every fuzz target shares: the entry point and CHECK(). */
#ifndef XHP_FUZZ_H
#define XHP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A promise of the parser under test: abort (a finding) if broken. */
#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "broken promise: %s\n", #cond); \
			abort();                                        \
		}                                                       \
	} while (0)

/* Netlink targets: @data as a stream of netlink messages (a copy, padded
 * to the alignment, so that reads past it are caught), each handed to
 * @one. Define FUZZ_NETLINK before including this header. */
#ifdef FUZZ_NETLINK
#include <libmnl/libmnl.h>
#include <string.h>

#include "nl.h"

static inline void fuzz_each_nlmsg(const uint8_t *data, size_t size,
				   void (*one)(const struct nlmsghdr *nlh))
{
	const struct nlmsghdr *nlh;
	void *buf;
	int len;

	if (size > 65536)
		return;
	len = (int)size;
	buf = calloc(1, MNL_ALIGN(size) ? MNL_ALIGN(size) : 1);
	if (!buf)
		return;
	memcpy(buf, data, size);
	for (nlh = buf; xhp_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
		one(nlh);
	free(buf);
}
#endif

#endif /* XHP_FUZZ_H */
