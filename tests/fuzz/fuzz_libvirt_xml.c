// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of the libvirt hook's domain XML parser
 * (cli/libvirt_xml.h): the input is the whole XML a hook reads on stdin.
 * Accepted documents are checked: counts within their bounds, target
 * devs unique, every kept value printable; refusals say why.
 */
#include <errno.h>
#include <string.h>

#include <libxml/parser.h>

#include "fuzz.h"
#include "libvirt_xml.h"

static void check_value(const char *s)
{
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	CHECK(n <= 255);
	for (; *s; s++)
		CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lv_domain *d = NULL;
	char why[512];
	size_t i, j;
	int r;

	r = lv_domain_parse((const char *)data, size, &d, why, sizeof(why));
	CHECK(r == 0 || r == -EINVAL || r == -EFBIG || r == -ENOMEM);
	if (r < 0) {
		CHECK(why[0] != '\0');
		return 0;
	}
	for (i = 0; i < d->n_ifaces; i++) {
		const struct lv_iface *f = &d->ifaces[i];

		CHECK(f->n_ips <= LV_MAX_IPS && f->n_tags <= LV_MAX_TAGS);
		check_value(f->type);
		check_value(f->mac);
		check_value(f->dev);
		check_value(f->bridge);
		check_value(f->network);
		check_value(f->portgroup);
		for (j = 0; j < f->n_ips; j++)
			check_value(f->ips[j]);
		for (j = 0; j < f->n_tags; j++)
			CHECK(f->tags[j] >= 1 && f->tags[j] <= 4094);
		for (j = i + 1; f->dev && j < d->n_ifaces; j++)
			CHECK(!d->ifaces[j].dev ||
			      strcmp(f->dev, d->ifaces[j].dev) != 0);
	}
	lv_domain_free(d);
	return 0;
}
