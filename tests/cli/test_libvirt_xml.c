// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The libvirt hook's domain XML parser (cli/libvirt_xml.h):
 *   - the status XML of libvirt's commit 89d26890ee (seed 003): the three
 *     forms of one macvtap interface, before and after network and
 *     portgroup came back;
 *   - XML that libvirt itself writes: its test driver (virsh -c
 *     test:///default), run now, for its built-in domain and for a domain
 *     and a network with a portgroup defined in the same connection;
 *   - hostile XML: billion laughs, external entities (file and http),
 *     10 MB, missing elements, two interfaces with one target dev, bad
 *     values; exact errnos and messages;
 *   - xhp_settings_set_policy(): the portgroup wins over the network,
 *     the bridge is the last resort, no match sets nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <xhp/xhp.h>

#include "libvirt_xml.h"
#include "testutil.h"

static char why[512];

static struct lv_domain *parse_ok(const char *xml)
{
	struct lv_domain *d = NULL;

	assert_int_equal(
		lv_domain_parse(xml, strlen(xml), &d, why, sizeof(why)), 0);
	assert_non_null(d);
	return d;
}

static void parse_fails(const char *xml, size_t len, int err, const char *msg)
{
	struct lv_domain *d = NULL;

	assert_int_equal(lv_domain_parse(xml, len, &d, why, sizeof(why)), err);
	assert_null(d);
	if (!strstr(why, msg))
		fail_msg("message '%s' lacks '%s'", why, msg);
}

/* ---- seed 003: libvirt commit 89d26890ee, figures [C], [E] and after ---- */

#define SEED_HEAD "<domain type='kvm' id='3'><name>guest1</name><devices>"
#define SEED_TAIL                                        \
	"<target dev='macvtap0'/><alias name='net0'/>"   \
	"<address type='pci' domain='0x0000' bus='0x00'" \
	" slot='0x03' function='0x0'/></interface></devices></domain>"
#define SEED_BW                                                         \
	"<bandwidth><inbound average='1000' peak='5000' burst='1024'/>" \
	"<outbound average='128' peak='256' burst='256'/></bandwidth>"

static void test_seed003_before(void **state)
{
	/* [C]: the config form, before 1.2.2 */
	struct lv_domain *d = parse_ok(
		SEED_HEAD
		"<interface type='network'>"
		"<source network='testnet' portgroup='admin'/>" SEED_TAIL);

	(void)state;
	assert_string_equal(d->name, "guest1");
	assert_int_equal(d->n_ifaces, 1);
	assert_string_equal(d->ifaces[0].type, "network");
	assert_string_equal(d->ifaces[0].network, "testnet");
	assert_string_equal(d->ifaces[0].portgroup, "admin");
	assert_string_equal(d->ifaces[0].dev, "macvtap0");
	assert_null(d->ifaces[0].mac);
	lv_domain_free(d);
}

static void test_seed003_status_no_portgroup(void **state)
{
	/* 1.2.11: the network is back, the portgroup is not */
	struct lv_domain *d = parse_ok(
		SEED_HEAD
		"<interface type='direct'>"
		"<source network='testnet' dev='p4p1_0' mode='bridge'/>" SEED_BW
			SEED_TAIL);

	(void)state;
	assert_string_equal(d->ifaces[0].type, "direct");
	assert_string_equal(d->ifaces[0].network, "testnet");
	assert_null(d->ifaces[0].portgroup);
	assert_null(d->ifaces[0].bridge);
	assert_string_equal(d->ifaces[0].dev, "macvtap0");
	lv_domain_free(d);
}

static void test_seed003_status_portgroup(void **state)
{
	/* After 89d26890ee, in a <domstatus> as libvirtd keeps it */
	struct lv_domain *d = parse_ok(
		"<domstatus state='running' reason='booted' pid='42'>" SEED_HEAD
		"<interface type='direct'>"
		"<source network='testnet' portgroup='admin'\n"
		"        dev='p4p1_0' mode='bridge'/>" SEED_BW SEED_TAIL
		"</domstatus>");

	(void)state;
	assert_int_equal(d->n_ifaces, 1);
	assert_string_equal(d->ifaces[0].network, "testnet");
	assert_string_equal(d->ifaces[0].portgroup, "admin");
	assert_string_equal(d->ifaces[0].dev, "macvtap0");
	assert_int_equal(d->ifaces[0].n_ips, 0);
	lv_domain_free(d);
}

/* ---- libvirt's own XML, from its test driver ---- */

static char *virsh_test(const char *cmds)
{
	char *out = NULL;
	int r;

	r = tu_runl(&out, "virsh", "-q", "-c", "test:///default", cmds, NULL);
	if (r != 0)
		fail_msg("virsh '%s': exit %d: %s", cmds, r, out ? out : "");
	return out;
}

static void test_virsh_test_driver(void **state)
{
	struct lv_domain *d;
	char *xml;

	(void)state;
	xml = virsh_test("dumpxml test");
	d = parse_ok(xml);
	assert_string_equal(d->name, "test");
	assert_int_equal(d->n_ifaces, 1);
	assert_string_equal(d->ifaces[0].type, "network");
	assert_string_equal(d->ifaces[0].mac, "aa:bb:cc:dd:ee:ff");
	assert_string_equal(d->ifaces[0].network, "default");
	assert_null(d->ifaces[0].portgroup);
	assert_string_equal(d->ifaces[0].dev, "testnet0");
	lv_domain_free(d);
	free(xml);
}

static const char net_xml[] =
	"<network><name>lan</name><bridge name='xhplvbr0'/>"
	"<portgroup name='web'/><portgroup name='db'/></network>\n";
static const char dom_xml[] =
	"<domain type='test'><name>pg</name><memory>65536</memory>"
	"<os><type>hvm</type></os><devices>"
	"<interface type='network'><mac address='52:54:00:0a:0b:0c'/>"
	"<source network='lan' portgroup='web'/><target dev='pgtap0'/>"
	"<ip address='192.0.2.7' prefix='24'/>"
	"<filterref filter='clean-traffic'>"
	"<parameter name='IP' value='192.0.2.8'/>"
	"<parameter name='IPV6' value='2001:db8::8'/></filterref>"
	"</interface>"
	"<interface type='bridge'><mac address='52:54:00:0a:0b:0d'/>"
	"<source bridge='xhplvbr1'/><target dev='pgtap1'/></interface>"
	"</devices></domain>\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_virsh_test_driver_portgroup(void **state)
{
	char *dir = tu_mkdtemp("xhp-lvxml"), *cmds, *xml;
	char net[256], dom[256];
	struct lv_domain *d;

	(void)state;
	snprintf(net, sizeof(net), "%s/net.xml", dir);
	snprintf(dom, sizeof(dom), "%s/dom.xml", dir);
	write_file(net, net_xml);
	write_file(dom, dom_xml);
	assert_true(
		asprintf(
			&cmds,
			"net-define %s; net-start lan; define %s; start pg; dumpxml pg",
			net, dom) > 0);
	xml = virsh_test(cmds);
	/* virsh says what it did before the XML: from the XML on. */
	d = parse_ok(strstr(xml, "<domain"));
	assert_int_equal(d->n_ifaces, 2);
	assert_string_equal(d->ifaces[0].mac, "52:54:00:0a:0b:0c");
	assert_string_equal(d->ifaces[0].network, "lan");
	assert_string_equal(d->ifaces[0].portgroup, "web");
	assert_string_equal(d->ifaces[0].dev, "pgtap0");
	assert_int_equal(d->ifaces[0].n_ips, 3);
	assert_string_equal(d->ifaces[0].ips[0], "192.0.2.7");
	assert_string_equal(d->ifaces[0].ips[1], "192.0.2.8");
	assert_string_equal(d->ifaces[0].ips[2], "2001:db8::8");
	assert_string_equal(d->ifaces[1].type, "bridge");
	assert_string_equal(d->ifaces[1].bridge, "xhplvbr1");
	assert_null(d->ifaces[1].network);
	lv_domain_free(d);
	free(xml);
	free(cmds);
	tu_rmtree(dir);
	free(dir);
}

static void test_vlan_tags(void **state)
{
	struct lv_domain *d = parse_ok(
		"<domain><devices><interface type='bridge'>"
		"<vlan trunk='yes'><tag id='42' nativeMode='untagged'/>"
		"<tag id='4094'/></vlan><target dev='v0'/></interface>"
		"</devices></domain>");

	(void)state;
	assert_int_equal(d->ifaces[0].n_tags, 2);
	assert_int_equal(d->ifaces[0].tags[0], 42);
	assert_int_equal(d->ifaces[0].tags[1], 4094);
	assert_int_equal(d->ifaces[0].trunk, 1);
	lv_domain_free(d);
}

/* ---- hostile and broken XML ---- */

static void test_billion_laughs(void **state)
{
	static const char xml[] =
		"<?xml version='1.0'?>\n"
		"<!DOCTYPE lolz [\n"
		" <!ENTITY lol 'lol'>\n"
		" <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
		" <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
		" <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
		" <!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>\n"
		" <!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>\n"
		" <!ENTITY lol6 '&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;'>\n"
		" <!ENTITY lol7 '&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;'>\n"
		" <!ENTITY lol8 '&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;'>\n"
		" <!ENTITY lol9 '&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;'>\n"
		"]>\n"
		"<domain><name>&lol9;</name><devices><interface>"
		"<target dev='&lol9;'/></interface></devices></domain>\n";

	(void)state;
	parse_fails(xml, strlen(xml), -EINVAL,
		    "a DOCTYPE (DTD, entity declarations) is not allowed");
}

static void test_external_entities(void **state)
{
	static const char file[] =
		"<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
		"<domain><name>&x;</name></domain>";
	static const char net[] =
		"<!DOCTYPE domain SYSTEM 'http://192.0.2.1/evil.dtd'>"
		"<domain><name>&x;</name></domain>";
	static const char pe[] =
		"<!DOCTYPE d [<!ENTITY % p SYSTEM 'file:///etc/shadow'> %p;]>"
		"<domain/>";

	(void)state;
	parse_fails(file, strlen(file), -EINVAL, "a DOCTYPE");
	parse_fails(net, strlen(net), -EINVAL, "a DOCTYPE");
	parse_fails(pe, strlen(pe), -EINVAL, "a DOCTYPE");
}

static void test_undeclared_entity(void **state)
{
	static const char xml[] = "<domain><name>&x;</name></domain>";

	(void)state;
	parse_fails(xml, strlen(xml), -EINVAL,
		    "line 1: Entity 'x' not defined");
}

static void test_too_big(void **state)
{
	size_t len = 10 * 1024 * 1024;
	char *big = malloc(len);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', len);
	memcpy(big, "<domain>", 8);
	parse_fails(big, len, -EFBIG, "larger than 4194304 bytes (4 MiB)");
	/* The limit itself is allowed. */
	memcpy(big + LV_XML_MAX - 9, "</domain>", 9);
	{
		struct lv_domain *d = NULL;

		assert_int_equal(lv_domain_parse(big, LV_XML_MAX, &d, why,
						 sizeof(why)),
				 0);
		assert_int_equal(d->n_ifaces, 0);
		lv_domain_free(d);
	}
	free(big);
}

static void test_missing_elements(void **state)
{
	struct lv_domain *d;

	(void)state;
	/* No devices, no name: nothing to do, not an error. */
	d = parse_ok("<domain type='qemu'/>");
	assert_null(d->name);
	assert_int_equal(d->n_ifaces, 0);
	lv_domain_free(d);
	/* An interface with no target, no mac, no source, empty dev. */
	d = parse_ok("<domain><devices><interface type='network'/>"
		     "<interface><target dev=''/><mac/><source/></interface>"
		     "</devices></domain>");
	assert_int_equal(d->n_ifaces, 2);
	assert_null(d->ifaces[0].dev);
	assert_null(d->ifaces[1].dev);
	assert_null(d->ifaces[1].mac);
	assert_null(d->ifaces[1].network);
	lv_domain_free(d);
	parse_fails("", 0, -EINVAL, "line 1: Document is empty");
	parse_fails("<network/>", 10, -EINVAL,
		    "the root element is <network>, not <domain>");
	parse_fails("<domstatus/>", 12, -EINVAL,
		    "the root element is <>, not <domain>");
	parse_fails("<domain><devices>", 17, -EINVAL,
		    "Premature end of data in tag devices line 1");
}

static void test_two_interfaces_one_dev(void **state)
{
	static const char xml[] =
		"<domain><devices>"
		"<interface type='bridge'><target dev='vnet3'/></interface>"
		"<interface type='network'/>"
		"<interface type='bridge'><target dev='vnet3'/></interface>"
		"</devices></domain>";

	(void)state;
	parse_fails(xml, strlen(xml), -EINVAL,
		    "interfaces #1 and #3 both have <target dev='vnet3'>");
}

static void test_bad_values(void **state)
{
	static const char ctl[] = "<domain><devices><interface>"
				  "<target dev='a&#10;b'/></interface>"
				  "</devices></domain>";
	static const char tag[] = "<domain><devices><interface><vlan>"
				  "<tag id='0'/></vlan></interface>"
				  "</devices></domain>";
	char many[64 + LV_MAX_IPS * 32 + 64];
	size_t o = 0;
	int i;

	(void)state;
	parse_fails(ctl, strlen(ctl), -EINVAL,
		    "<target dev=...> on line 1: has a control character");
	parse_fails(tag, strlen(tag), -EINVAL,
		    "interface #1: bad <vlan><tag id='0'> on line 1");
	o += (size_t)sprintf(many, "<domain><devices><interface>");
	for (i = 0; i <= LV_MAX_IPS; i++)
		o += (size_t)sprintf(many + o, "<ip address='10.0.0.%d'/>", i);
	sprintf(many + o, "</interface></devices></domain>");
	parse_fails(many, strlen(many), -EINVAL,
		    "interface #1: more than 32 addresses");
}

/* ---- xhp_settings_set_policy ---- */

static const char conf_text[] = "[policy web]\n"
				"antispoof = on\n"
				"isolated = yes\n"
				"[policy any]\n"
				"rate = 125000,50000\n"
				"[portgroup lan/web]\n"
				"policy = web\n"
				"[network lan]\n"
				"policy = any\n"
				"[bridge br9]\n"
				"policy = web\n";

static void test_settings_set_policy(void **state)
{
	char *dir = tu_mkdtemp("xhp-lvconf"), path[256], *name = NULL;
	xhp_settings *s = NULL;
	xhp_ctx *ctx = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/xhp.conf", dir);
	write_file(path, conf_text);
	assert_int_equal(xhp_ctx_new(&ctx), 0);
	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	/* The portgroup wins over the network. */
	assert_int_equal(xhp_settings_set_policy(s, path, "lan", "web", "br9",
						 &name),
			 1);
	assert_string_equal(name, "web");
	free(name);
	assert_string_equal(xhp_settings_get(s, "antispoof"), "on");
	assert_string_equal(xhp_settings_get(s, "isolated"), "yes");
	assert_null(xhp_settings_get(s, "rate"));
	xhp_settings_free(s);
	/* Another portgroup of the network: the network's; the global
	 * antispoof mode when the policy does not say. */
	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	assert_int_equal(
		xhp_settings_set_policy(s, path, "lan", "db", NULL, &name), 1);
	assert_string_equal(name, "any");
	free(name);
	assert_string_equal(xhp_settings_get(s, "rate"), "125000,50000");
	assert_string_equal(xhp_settings_get(s, "antispoof"), "auto");
	assert_null(xhp_settings_get(s, "isolated"));
	xhp_settings_free(s);
	/* A bridge; then nothing at all. */
	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	assert_int_equal(
		xhp_settings_set_policy(s, path, NULL, NULL, "br9", NULL), 1);
	assert_string_equal(xhp_settings_get(s, "isolated"), "yes");
	xhp_settings_free(s);
	assert_int_equal(xhp_settings_new(ctx, &s), 0);
	name = (char *)"untouched";
	assert_int_equal(xhp_settings_set_policy(s, path, "other", "web", "br0",
						 &name),
			 0);
	assert_string_equal(name, "untouched");
	assert_null(xhp_settings_get(s, "antispoof"));
	/* A file that is not there (named: it must exist). */
	strcat(path, ".missing");
	assert_int_equal(xhp_settings_set_policy(s, path, "lan", NULL, NULL,
						 NULL),
			 -ENOENT);
	assert_non_null(strstr(xhp_ctx_last_error(ctx), "xhp.conf.missing"));
	xhp_settings_free(s);
	xhp_ctx_unref(ctx);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed003_before),
		cmocka_unit_test(test_seed003_status_no_portgroup),
		cmocka_unit_test(test_seed003_status_portgroup),
		cmocka_unit_test(test_virsh_test_driver),
		cmocka_unit_test(test_virsh_test_driver_portgroup),
		cmocka_unit_test(test_vlan_tags),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_external_entities),
		cmocka_unit_test(test_undeclared_entity),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_missing_elements),
		cmocka_unit_test(test_two_interfaces_one_dev),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_settings_set_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
