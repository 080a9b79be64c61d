/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The network interfaces of a libvirt domain XML, as a hook reads them
 * on stdin (docs/hooks.rst: the domain's XML, live or status form).
 * Parsed with libxml2: no network (XML_PARSE_NONET), no entity
 * substitution, no DTD loading, and a document with a DOCTYPE is refused
 * outright (libvirt never writes one; it is how entity bombs and
 * external entities come in). Pure: no I/O, fuzzed (fuzz-libvirt-xml).
 */
#ifndef XHP_CLI_LIBVIRT_XML_H
#define XHP_CLI_LIBVIRT_XML_H

#include <stddef.h>

/* The largest domain XML read (libvirt's own are a few KiB). */
#define LV_XML_MAX (4u * 1024 * 1024)
#define LV_MAX_IPS 32
#define LV_MAX_TAGS 16

/* One <interface> of /domain/devices. Strings NULL when absent. */
struct lv_iface {
	char *type; /* @type: bridge, network, direct, ethernet ... */
	char *mac; /* mac/@address */
	char *dev; /* target/@dev */
	char *bridge; /* source/@bridge */
	char *network; /* source/@network */
	char *portgroup; /* source/@portgroup */
	/* ip/@address and filterref/parameter[@name=IP|IPV6]/@value */
	char *ips[LV_MAX_IPS];
	unsigned int n_ips;
	unsigned int tags[LV_MAX_TAGS]; /* vlan/tag/@id */
	unsigned int n_tags;
	int trunk; /* vlan/@trunk='yes' */
};

struct lv_domain {
	char *name; /* /domain/name */
	struct lv_iface *ifaces;
	size_t n_ifaces;
};

/*
 * Parse @len bytes of domain XML (<domain>, or <domstatus> holding one).
 * Returns 0, -EINVAL (bad or hostile XML, a bad value, two interfaces
 * with one target dev: *why, in @why_buf of @why_size, says which),
 * -EFBIG (more than LV_XML_MAX), -ENOMEM.
 * The caller owns *ret; free with lv_domain_free().
 */
int lv_domain_parse(const char *xml, size_t len, struct lv_domain **ret,
		    char *why_buf, size_t why_size);

/* NULL-safe; returns NULL. */
struct lv_domain *lv_domain_free(struct lv_domain *d);

#endif
