// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the host watch's parsers (libxhp/host/links.c):
 * hlinks_parse, which reads RTM_NEWLINK/RTM_DELLINK events as one recv()
 * gives them (walked as hlinks_dispatch walks them), and hlinks_vif_name,
 * which reads vif<D>.<N>[-emu] names. The first byte chooses: even, the
 * rest is a datagram; odd, the rest is a name (up to the first NUL). The
 * datagram is copied to an aligned buffer rounded up to 4 bytes.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "host-internal.h"
#include "nl.h"

static void datagram(const uint8_t *data, size_t size)
{
	size_t cap = (size + 3) & ~(size_t)3;
	char *buf = calloc(1, cap ? cap : 4);
	const struct nlmsghdr *nlh;
	struct hlink l;
	int len = (int)size, r;

	if (!buf)
		return;
	memcpy(buf, data, size);
	for (nlh = (const struct nlmsghdr *)buf; xhp_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		r = hlinks_parse(nlh, nlh->nlmsg_len, &l);
		CHECK(r == 0 || r == 1 || r == -EBADMSG);
		if (r == 1) {
			CHECK(strlen(l.name) < IFNAMSIZ);
			CHECK(l.is_new == (nlh->nlmsg_type == RTM_NEWLINK));
		}
	}
	free(buf);
}

static void vif_name(const uint8_t *data, size_t size)
{
	char s[64], back[80];
	unsigned int domid, devid;
	bool emu;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!hlinks_vif_name(s, &domid, &devid, &emu))
		return;
	/* what was read prints back as it was */
	snprintf(back, sizeof(back), "vif%u.%u%s", domid, devid,
		 emu ? "-emu" : "");
	CHECK(!strcmp(back, s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		vif_name(data + 1, size - 1);
	else
		datagram(data + 1, size - 1);
	return 0;
}
