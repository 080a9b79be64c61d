// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The network interfaces of a libvirt domain XML (libvirt_xml.h).
 *
 * The shape read, from libvirt's domain XML format and status XML:
 *   <domain> <name>N</name> <devices>
 *     <interface type='bridge|network|direct|ethernet|...'>
 *       <mac address='52:54:00:..'/>
 *       <source bridge='br0'/> | <source network='net' portgroup='pg'
 *                                        [bridge='virbr0' | dev=...]/>
 *       <target dev='vnet0'/>
 *       <ip address='192.0.2.5' prefix='24'/> ...
 *       <filterref filter='clean-traffic'>
 *         <parameter name='IP' value='192.0.2.5'/> ... (and IPV6)
 *       </filterref>
 *       <vlan [trunk='yes']> <tag id='42'/> ... </vlan>
 *   (or <domstatus> ... <domain> ... </domain> </domstatus>)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "libvirt_xml.h"

/* Longest attribute value kept (names, addresses: far less). */
#define LV_VALUE_MAX 255

struct parse {
	char *why;
	size_t why_size;
	int doctype; /* a DOCTYPE was seen: parsing stopped */
	int have_error; /* why holds libxml2's first error */
};

static int fail(struct parse *p, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct parse *p, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->why_size, fmt, ap);
	va_end(ap);
	return r;
}

/* libxml2's errors: the first one kept, nothing printed. */
static void on_error(void *data, xmlErrorPtr err)
{
	xmlParserCtxtPtr ctxt = data;
	struct parse *p = ctxt->_private;
	size_t n;

	if (p->have_error || p->doctype || !err || !err->message)
		return;
	p->have_error = 1;
	snprintf(p->why, p->why_size, "line %d: %s", err->line, err->message);
	n = strlen(p->why);
	while (n > 0 && (p->why[n - 1] == '\n' || p->why[n - 1] == ' '))
		p->why[--n] = '\0';
}

/*
 * A DOCTYPE: libvirt never writes one, and it is where entity
 * declarations (billion laughs, external entities) live. Stop here,
 * before the internal subset is read.
 */
static void on_doctype(void *data, const xmlChar *name, const xmlChar *ext,
		       const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = data;
	struct parse *p = ctxt->_private;

	(void)name;
	(void)ext;
	(void)sys;
	p->doctype = 1;
	xmlStopParser(ctxt);
}

static int is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       !strcmp((const char *)n->name, name);
}

/* The first element child of @n named @name, or NULL. */
static xmlNode *child(xmlNode *n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (is_elem(n, name))
			return n;
	return NULL;
}

/*
 * @n's attribute @attr, copied into *ret (NULL when absent): 0, or
 * -EINVAL for a value with control characters or longer than
 * LV_VALUE_MAX, -ENOMEM.
 */
static int attr(struct parse *p, xmlNode *n, const char *attr, char **ret)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
	size_t i, len;

	*ret = NULL;
	if (!v || !v[0]) { /* empty: as absent */
		xmlFree(v);
		return 0;
	}
	len = strlen((const char *)v);
	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] == 0x7f)
			break;
	if (len > LV_VALUE_MAX || i < len) {
		xmlFree(v);
		return fail(p, -EINVAL, "<%s %s=...> on line %ld: %s",
			    (const char *)n->name, attr, xmlGetLineNo(n),
			    len > LV_VALUE_MAX ? "longer than 255 bytes" :
						 "has a control character");
	}
	*ret = strdup((const char *)v);
	xmlFree(v);
	return *ret ? 0 : -ENOMEM;
}

static int add_ip(struct parse *p, struct lv_iface *f, xmlNode *n,
		  const char *name, unsigned int idx)
{
	char *v;
	int r;

	r = attr(p, n, name, &v);
	if (r < 0 || !v)
		return r;
	if (f->n_ips == LV_MAX_IPS) {
		free(v);
		return fail(p, -EINVAL, "interface #%u: more than %d addresses",
			    idx, LV_MAX_IPS);
	}
	f->ips[f->n_ips++] = v;
	return 0;
}

static int parse_filterref(struct parse *p, struct lv_iface *f, xmlNode *fr,
			   unsigned int idx)
{
	xmlNode *n;
	char *name;
	int r;

	for (n = fr->children; n; n = n->next) {
		if (!is_elem(n, "parameter"))
			continue;
		r = attr(p, n, "name", &name);
		if (r < 0)
			return r;
		if (name && (!strcmp(name, "IP") || !strcmp(name, "IPV6")))
			r = add_ip(p, f, n, "value", idx);
		free(name);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_vlan(struct parse *p, struct lv_iface *f, xmlNode *vl,
		      unsigned int idx)
{
	char *v, *end;
	unsigned long id;
	xmlNode *n;
	int r;

	r = attr(p, vl, "trunk", &v);
	if (r < 0)
		return r;
	f->trunk = v && !strcmp(v, "yes");
	free(v);
	for (n = vl->children; n; n = n->next) {
		if (!is_elem(n, "tag"))
			continue;
		r = attr(p, n, "id", &v);
		if (r < 0)
			return r;
		/* end must not be left from the previous tag's value. */
		end = v;
		id = v && *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
		if (!v || *end || id < 1 || id > 4094 ||
		    f->n_tags == LV_MAX_TAGS) {
			r = fail(
				p, -EINVAL,
				"interface #%u: bad <vlan><tag id='%s'> on line %ld (1 to 4094, %d tags at most)",
				idx, v ? v : "", xmlGetLineNo(n), LV_MAX_TAGS);
			free(v);
			return r;
		}
		free(v);
		f->tags[f->n_tags++] = (unsigned int)id;
	}
	return 0;
}

static int parse_iface(struct parse *p, struct lv_iface *f, xmlNode *ifn,
		       unsigned int idx)
{
	xmlNode *n;
	int r;

	r = attr(p, ifn, "type", &f->type);
	if (r == 0 && (n = child(ifn, "mac")))
		r = attr(p, n, "address", &f->mac);
	if (r == 0 && (n = child(ifn, "target")))
		r = attr(p, n, "dev", &f->dev);
	if (r == 0 && (n = child(ifn, "source"))) {
		r = attr(p, n, "bridge", &f->bridge);
		if (r == 0)
			r = attr(p, n, "network", &f->network);
		if (r == 0)
			r = attr(p, n, "portgroup", &f->portgroup);
	}
	for (n = ifn->children; r == 0 && n; n = n->next) {
		if (is_elem(n, "ip"))
			r = add_ip(p, f, n, "address", idx);
		else if (is_elem(n, "filterref"))
			r = parse_filterref(p, f, n, idx);
		else if (is_elem(n, "vlan"))
			r = parse_vlan(p, f, n, idx);
	}
	return r;
}

static int parse_devices(struct parse *p, struct lv_domain *d, xmlNode *devs)
{
	size_t count = 0, i, j;
	xmlNode *n;
	int r;

	for (n = devs ? devs->children : NULL; n; n = n->next)
		count += is_elem(n, "interface");
	if (!count)
		return 0;
	d->ifaces = calloc(count, sizeof(*d->ifaces));
	if (!d->ifaces)
		return -ENOMEM;
	for (n = devs->children; n; n = n->next) {
		if (!is_elem(n, "interface"))
			continue;
		r = parse_iface(p, &d->ifaces[d->n_ifaces], n,
				(unsigned int)d->n_ifaces + 1);
		d->n_ifaces++;
		if (r < 0)
			return r;
	}
	/* A handful of interfaces: quadratic is fine and bounded by 4 MiB. */
	for (i = 0; i < d->n_ifaces; i++)
		for (j = i + 1; d->ifaces[i].dev && j < d->n_ifaces; j++)
			if (d->ifaces[j].dev &&
			    !strcmp(d->ifaces[i].dev, d->ifaces[j].dev))
				return fail(
					p, -EINVAL,
					"interfaces #%zu and #%zu both have <target dev='%s'>",
					i + 1, j + 1, d->ifaces[i].dev);
	return 0;
}

static int parse_doc(struct parse *p, xmlDoc *doc, struct lv_domain *d)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n;
	xmlChar *name;

	if (root && is_elem(root, "domstatus"))
		root = child(root, "domain");
	if (!root || !is_elem(root, "domain"))
		return fail(p, -EINVAL,
			    "the root element is <%s>, not <domain>",
			    root ? (const char *)root->name : "");
	n = child(root, "name");
	if (n) {
		name = xmlNodeGetContent(n);
		d->name = name ? strdup((const char *)name) : NULL;
		xmlFree(name);
		if (!d->name)
			return -ENOMEM;
	}
	return parse_devices(p, d, child(root, "devices"));
}

int lv_domain_parse(const char *xml, size_t len, struct lv_domain **ret,
		    char *why_buf, size_t why_size)
{
	struct parse p = { .why = why_buf, .why_size = why_size };
	xmlParserCtxtPtr ctxt = NULL;
	struct lv_domain *d = NULL;
	xmlDoc *doc = NULL;
	int r;

	why_buf[0] = '\0';
	if (len > LV_XML_MAX)
		return fail(&p, -EFBIG, "larger than %u bytes (4 MiB)",
			    LV_XML_MAX);
	ctxt = xmlNewParserCtxt();
	d = calloc(1, sizeof(*d));
	if (!ctxt || !d) {
		r = -ENOMEM;
		goto out;
	}
	ctxt->_private = &p;
	ctxt->sax->serror = on_error;
	ctxt->sax->internalSubset = on_doctype;
	/*
	 * No XML_PARSE_NOENT (entities are not substituted), no DTDLOAD or
	 * DTDATTR (nothing is loaded), NONET; a DOCTYPE stops the parse.
	 */
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "stdin", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	if (p.doctype) {
		r = fail(&p, -EINVAL,
			 "a DOCTYPE (DTD, entity declarations) is not allowed");
		goto out;
	}
	if (!doc || !ctxt->wellFormed) {
		if (!p.have_error)
			fail(&p, -EINVAL, "not well-formed");
		r = -EINVAL;
		goto out;
	}
	r = parse_doc(&p, doc, d);
	if (r == -ENOMEM)
		fail(&p, r, "out of memory");
out:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (r < 0) {
		lv_domain_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

struct lv_domain *lv_domain_free(struct lv_domain *d)
{
	size_t i;
	unsigned int j;

	if (!d)
		return NULL;
	for (i = 0; i < d->n_ifaces; i++) {
		struct lv_iface *f = &d->ifaces[i];

		free(f->type);
		free(f->mac);
		free(f->dev);
		free(f->bridge);
		free(f->network);
		free(f->portgroup);
		for (j = 0; j < f->n_ips; j++)
			free(f->ips[j]);
	}
	free(d->ifaces);
	free(d->name);
	free(d);
	return NULL;
}
