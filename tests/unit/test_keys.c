// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests of the key value parsers (libxhp/request/keys.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "keys.h"

/* A refused input and a word its reason must contain. */
struct bad {
	const char *in;
	const char *why;
};

#define LONG_DIGITS "123456789012345678901234567890"
#define NON_ASCII "\xc3\xa9"

/* Check @why says something and contains @word. */
static void assert_why(const char *in, const char *why, const char *word)
{
	if (!why || !strstr(why, word))
		fail_msg("input '%s': reason '%s' lacks '%s'", in,
			 why ? why : "(null)", word);
}

static void test_mac(void **state)
{
	static const struct bad bad[] = {
		{ "", "empty" },
		{ "00:16:3e:74:3d", "six" },
		{ "00:16:3e:74:3d:76:00", "six" },
		{ "00:16:3e:74:3d:7g", "six" },
		{ "00-16-3e-74-3d-76", "six" },
		{ "0:16:3e:74:3d:76:", "six" },
		{ " 00:16:3e:74:3d:7", "six" },
		{ "00:16:3e:74:3d:76 ", "six" },
		{ "001:6:3e:74:3d:76", "six" },
		{ "+0:16:3e:74:3d:76", "six" },
		{ "00:16:3e:74:3d:" NON_ASCII, "six" },
		{ "00:16:3e:74:3d:76" LONG_DIGITS, "six" },
	};
	uint8_t mac[6] = { 0 };
	const char *why;
	size_t i;

	assert_int_equal(xhp_parse_mac("00:16:3E:74:3d:76", mac, NULL), 0);
	assert_memory_equal(mac, "\x00\x16\x3e\x74\x3d\x76", 6);
	assert_int_equal(xhp_parse_mac("ff:FF:fF:00:00:01", mac, NULL), 0);
	assert_memory_equal(mac, "\xff\xff\xff\x00\x00\x01", 6);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 0xaa, sizeof(mac));
		why = NULL;
		assert_int_equal(xhp_parse_mac(bad[i].in, mac, &why), -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
		assert_memory_equal(mac, "\xaa\xaa\xaa\xaa\xaa\xaa", 6);
	}
	assert_int_equal(xhp_parse_mac(NULL, mac, NULL), -EINVAL);
}

static void test_ip_ok(void **state)
{
	struct xhp_ip *ips = NULL;
	size_t n = 99;

	assert_int_equal(xhp_parse_ip_list("", &ips, &n, NULL), 0);
	assert_null(ips);
	assert_int_equal(n, 0);
	assert_int_equal(xhp_parse_ip_list(" \t ", &ips, &n, NULL), 0);
	assert_null(ips);
	assert_int_equal(n, 0);

	assert_int_equal(xhp_parse_ip_list(" 10.0.0.1  192.168.1.0/24\t"
					   "fe80::1/64 ::1 0.0.0.0/0",
					   &ips, &n, NULL),
			 0);
	assert_int_equal(n, 5);
	assert_int_equal(ips[0].family, AF_INET);
	assert_memory_equal(ips[0].addr, "\x0a\x00\x00\x01", 4);
	assert_int_equal(ips[0].prefix, 32);
	assert_false(ips[0].has_prefix);
	assert_int_equal(ips[1].prefix, 24);
	assert_true(ips[1].has_prefix);
	assert_memory_equal(ips[1].addr, "\xc0\xa8\x01\x00", 4);
	assert_int_equal(ips[2].family, AF_INET6);
	assert_int_equal(ips[2].prefix, 64);
	assert_int_equal(ips[2].addr[0], 0xfe);
	assert_int_equal(ips[2].addr[15], 1);
	assert_int_equal(ips[3].prefix, 128);
	assert_false(ips[3].has_prefix);
	assert_int_equal(ips[4].prefix, 0);
	assert_true(ips[4].has_prefix);
	free(ips);

	/* Host bits are kept; boundaries of the prefix. */
	assert_int_equal(xhp_parse_ip_list("10.1.2.3/32 ::/128 ::/0", &ips, &n,
					   NULL),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(ips[1].prefix, 128);
	free(ips);
}

static void test_ip_limits(void **state)
{
	char buf[257 * 9 + 1];
	struct xhp_ip *ips = NULL;
	const char *why = NULL;
	size_t i, n;

	buf[0] = '\0';
	for (i = 0; i < 256; i++)
		strcat(buf, "10.0.0.1 ");
	assert_int_equal(xhp_parse_ip_list(buf, &ips, &n, NULL), 0);
	assert_int_equal(n, 256);
	free(ips);
	strcat(buf, "10.0.0.1");
	ips = (void *)1;
	assert_int_equal(xhp_parse_ip_list(buf, &ips, &n, &why), -EINVAL);
	assert_why(buf, why, "256");
	assert_ptr_equal(ips, (void *)1);
}

static void test_ip_bad(void **state)
{
	static const struct bad bad[] = {
		{ "10.0.0.256", "IPv4" },
		{ "10.0.0", "IPv4" },
		{ "010.0.0.1", "IPv4" },
		{ "10.0.0.1,10.0.0.2", "IPv4" },
		{ "host.example", "IPv4" },
		{ "-1.0.0.1", "IPv4" },
		{ "10.0.0.1" NON_ASCII, "IPv4" },
		{ "fe80::1%eth0", "IPv6" },
		{ "fe80:::1", "IPv6" },
		{ "10.0.0.1/33", "0..32" },
		{ "10.0.0.1/024", "0..32" },
		{ "10.0.0.1/+24", "0..32" },
		{ "10.0.0.1/", "0..32" },
		{ "10.0.0.1/24/1", "0..32" },
		{ "10.0.0.1/" LONG_DIGITS, "0..32" },
		{ "::1/129", "0..128" },
		{ "::1/-1", "0..128" },
		{ "/24", "no address" },
		{ "10.0.0.1 /24", "no address" },
		{ "10.0.0.1\n10.0.0.2", "control" },
		{ "10.0.0.1\r", "control" },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa",
		  "too long" },
		{ "1.2.3.4 ok 5.6.7.8", "IPv4" },
	};
	struct xhp_ip *ips;
	const char *why;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ips = (void *)1;
		n = 7;
		why = NULL;
		assert_int_equal(xhp_parse_ip_list(bad[i].in, &ips, &n, &why),
				 -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
		assert_ptr_equal(ips, (void *)1);
		assert_int_equal(n, 7);
	}
	assert_int_equal(xhp_parse_ip_list(NULL, &ips, &n, NULL), -EINVAL);
}

static void test_rate(void **state)
{
	static const struct bad bad[] = {
		{ "", "empty" },
		{ "1000", "<bytes>,<usecs>" },
		{ ",50000", "byte" },
		{ "1000,", "interval" },
		{ "01000,50000", "byte" },
		{ "1000,050000", "interval" },
		{ "-1,50000", "byte" },
		{ "+1,50000", "byte" },
		{ " 1,50000", "byte" },
		{ "1,50000 ", "interval" },
		{ "1, 50000", "interval" },
		{ "1,2,3", "interval" },
		{ "18446744073709551616,1", "byte" },
		{ "1,4294967296", "interval" },
		{ "1" LONG_DIGITS ",1", "byte" },
		{ "1kB,50ms", "byte" },
		{ "1," NON_ASCII, "interval" },
	};
	uint64_t b = 7;
	uint32_t u = 7;
	const char *why;
	size_t i;

	assert_int_equal(xhp_parse_rate("20000,20000", &b, &u, NULL), 0);
	assert_int_equal(b, 20000);
	assert_int_equal(u, 20000);
	assert_int_equal(xhp_parse_rate("18446744073709551615,4294967295", &b,
					&u, NULL),
			 0);
	assert_true(b == UINT64_MAX);
	assert_true(u == UINT32_MAX);
	assert_int_equal(xhp_parse_rate("0,0", &b, &u, NULL), 0);
	assert_true(b == 0 && u == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = 7;
		u = 7;
		why = NULL;
		assert_int_equal(xhp_parse_rate(bad[i].in, &b, &u, &why),
				 -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
		assert_true(b == 7 && u == 7);
	}
}

static void test_mtu(void **state)
{
	static const char *const bad[] = {
		"",	      "0",     "67",	    "65536",
		"4294967364", "01500", "+1500",	    "-1500",
		" 1500",      "1500 ", "1500\n",    "15 00",
		"1500.0",     "0x5dc", LONG_DIGITS, NON_ASCII,
	};
	unsigned int mtu = 7;
	const char *why;
	size_t i;

	assert_int_equal(xhp_parse_mtu("68", &mtu, NULL), 0);
	assert_int_equal(mtu, 68);
	assert_int_equal(xhp_parse_mtu("1500", &mtu, NULL), 0);
	assert_int_equal(mtu, 1500);
	assert_int_equal(xhp_parse_mtu("65535", &mtu, NULL), 0);
	assert_int_equal(mtu, 65535);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mtu = 7;
		why = NULL;
		assert_int_equal(xhp_parse_mtu(bad[i], &mtu, &why), -EINVAL);
		assert_why(bad[i], why, bad[i][0] ? "68..65535" : "empty");
		assert_int_equal(mtu, 7);
	}
	assert_int_equal(xhp_parse_mtu(NULL, &mtu, NULL), -EINVAL);
}

static void test_mode(void **state)
{
	static const struct {
		const char *in;
		char out;
	} ok[] = {
		{ "r", 'r' },  { "ro", 'r' },	    { "w", 'w' },
		{ "rw", 'w' }, { "w!", '!' },	    { "rw!", '!' },
		{ "!w", '!' }, { "!", 'r' },	    { "o", 'r' },
		{ "wr", 'w' }, { "rrrrrrrw", 'w' },
	};
	static const struct bad bad[] = {
		{ "", "empty" },       { "x", "expected" },
		{ "R", "expected" },   { "W", "expected" },
		{ " w", "expected" },  { "w ", "expected" },
		{ "rw,", "expected" }, { "w" NON_ASCII, "expected" },
		{ "rrrrrrrrw", "8" },
	};
	const char *why;
	char m;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		m = 0;
		assert_int_equal(xhp_parse_mode(ok[i].in, &m, NULL), 0);
		assert_int_equal(m, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = 'z';
		why = NULL;
		assert_int_equal(xhp_parse_mode(bad[i].in, &m, &why), -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
		assert_int_equal(m, 'z');
	}
}

static void test_bridge_ok(void **state)
{
	struct xhp_bridge_spec *b = malloc(sizeof(*b));
	char buf[5 * 4095 + 16];
	unsigned int v;

	assert_non_null(b);
	assert_int_equal(xhp_parse_bridge_spec("xenbr0", b, NULL), 0);
	assert_string_equal(b->name, "xenbr0");
	assert_int_equal(b->tag, 0);
	assert_int_equal(b->n_trunks, 0);

	assert_int_equal(xhp_parse_bridge_spec("ovsbr.10", b, NULL), 0);
	assert_string_equal(b->name, "ovsbr");
	assert_int_equal(b->tag, 10);

	assert_int_equal(
		xhp_parse_bridge_spec("br-x_1.4094:30:1:20:30", b, NULL), 0);
	assert_string_equal(b->name, "br-x_1");
	assert_int_equal(b->tag, 4094);
	assert_int_equal(b->n_trunks, 3);
	assert_int_equal(b->trunks[0], 1);
	assert_int_equal(b->trunks[1], 20);
	assert_int_equal(b->trunks[2], 30);

	assert_int_equal(xhp_parse_bridge_spec("abcdefghijklmno:4094", b, NULL),
			 0);
	assert_string_equal(b->name, "abcdefghijklmno");
	assert_int_equal(b->tag, 0);
	assert_int_equal(b->n_trunks, 1);
	assert_int_equal(b->trunks[0], 4094);

	/* Every VLAN as a trunk, in reverse order. */
	strcpy(buf, "br");
	for (v = 4094; v >= 1; v--)
		sprintf(buf + strlen(buf), ":%u", v);
	assert_int_equal(xhp_parse_bridge_spec(buf, b, NULL), 0);
	assert_int_equal(b->n_trunks, 4094);
	assert_int_equal(b->trunks[0], 1);
	assert_int_equal(b->trunks[4093], 4094);
	free(b);
}

static void test_bridge_bad(void **state)
{
	static const struct bad bad[] = {
		{ "", "empty" },
		{ ".10", "no bridge name" },
		{ ":10", "no bridge name" },
		{ "abcdefghijklmnop", "15" },
		{ "abcdefghijklmnop.10", "15" },
		{ "br 0", "bad bridge name" },
		{ "br/0", "bad bridge name" },
		{ "br" NON_ASCII, "bad bridge name" },
		{ "..", "no bridge name" },
		{ "br.0", "tag" },
		{ "br.4095", "tag" },
		{ "br.010", "tag" },
		{ "br.+1", "tag" },
		{ "br.-1", "tag" },
		{ "br.", "tag" },
		{ "br.1 ", "tag" },
		{ "br." LONG_DIGITS, "tag" },
		{ "br.10.20", "tag" },
		{ "br:0", "trunk" },
		{ "br:4095", "trunk" },
		{ "br:", "trunk" },
		{ "br:1:", "trunk" },
		{ "br::1", "trunk" },
		{ "br:01", "trunk" },
		{ "br:1.2", "trunk" },
		{ "br:1,2", "trunk" },
		{ "br:99999999999999999999", "trunk" },
		{ "br:10.5", "trunk" },
	};
	struct xhp_bridge_spec *b = malloc(sizeof(*b));
	const char *why;
	size_t i;

	assert_non_null(b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(b, 0x5a, sizeof(*b));
		why = NULL;
		assert_int_equal(xhp_parse_bridge_spec(bad[i].in, b, &why),
				 -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
		assert_int_equal(b->name[0], 0x5a);
	}
	assert_int_equal(xhp_parse_bridge_spec(NULL, b, NULL), -EINVAL);
	free(b);
}

/* Expected ranges as "first-last/step[u]" words. */
static void assert_vlan(const char *in, unsigned int pvid, const char *want)
{
	struct xhp_vlan_spec v;
	char got[512] = "";
	const char *why = NULL;
	unsigned int i;

	if (xhp_parse_vlan_spec(in, &v, &why) < 0)
		fail_msg("vlan '%s' refused: %s", in, why);
	for (i = 0; i < v.n_ranges; i++) {
		const struct xhp_vlan_range *r = &v.ranges[i];

		sprintf(got + strlen(got), "%s%u-%u/%u%s", i ? " " : "",
			r->first, r->last, r->step, r->untagged ? "u" : "");
	}
	assert_int_equal(v.pvid, pvid);
	assert_string_equal(got, want);
}

static void test_vlan_ok(void **state)
{
	assert_vlan("10", 10, "10-10/1u");
	assert_vlan("10u", 10, "10-10/1u");
	assert_vlan("10p", 10, "10-10/1u");
	assert_vlan("1", 1, "1-1/1u");
	assert_vlan("4094", 4094, "4094-4094/1u");
	assert_vlan("10p/20", 10, "10-10/1u 20-20/1");
	assert_vlan("20/10p", 10, "20-20/1 10-10/1u");
	assert_vlan("10p/100+10x4", 10, "10-10/1u 100-140/10");
	assert_vlan("10p/100+10x4u", 10, "10-10/1u 100-140/10u");
	assert_vlan("10p/100+1x0", 10, "10-10/1u 100-100/1");
	assert_vlan("10p/20-30", 10, "10-10/1u 20-30/1");
	assert_vlan("10p/20-30u/40u", 10, "10-10/1u 20-30/1u 40-40/1u");
	assert_vlan("10p/20-20", 10, "10-10/1u 20-20/1");
	assert_vlan("4094p/1-4093", 4094, "4094-4094/1u 1-4093/1");
	assert_vlan("1p/2+4092x1", 1, "1-1/1u 2-4094/4092");
	assert_vlan("1p/2+1x4092", 1, "1-1/1u 2-4094/1");
	assert_vlan("100+10x0p", 100, "100-100/1u");
	/* Interleaved strides do not collide. */
	assert_vlan("1p/10+2x5/11+2x5", 1, "1-1/1u 10-20/2 11-21/2");
}

static void test_vlan_many(void **state)
{
	struct xhp_vlan_spec v;
	const char *why = NULL;
	char buf[64 * 6 + 8];
	unsigned int i;

	strcpy(buf, "1p");
	for (i = 2; i <= 64; i++)
		sprintf(buf + strlen(buf), "/%u", i);
	assert_int_equal(xhp_parse_vlan_spec(buf, &v, NULL), 0);
	assert_int_equal(v.n_ranges, 64);
	strcat(buf, "/65");
	v.pvid = 77;
	assert_int_equal(xhp_parse_vlan_spec(buf, &v, &why), -EINVAL);
	assert_why(buf, why, "64");
	assert_int_equal(v.pvid, 77);
}

static void test_vlan_bad(void **state)
{
	static const struct bad bad[] = {
		{ "", "empty" },
		{ "0", "1..4094" },
		{ "4095", "1..4094" },
		{ "0p", "1..4094" },
		{ "010", "1..4094" },
		{ "+10", "stride" },
		{ "-10", "range" },
		{ " 10", "1..4094" },
		{ "10 ", "1..4094" },
		{ "10p/ 20", "1..4094" },
		{ LONG_DIGITS, "1..4094" },
		{ "10" NON_ASCII, "1..4094" },
		{ "10P", "1..4094" },
		{ "10pu", "1..4094" },
		{ "10up", "1..4094" },
		{ "p", "empty" },
		{ "u", "empty" },
		{ "/", "empty" },
		{ "10p/", "empty" },
		{ "/10p", "empty" },
		{ "10p//20", "empty" },
		{ "10-20", "PVID" },
		{ "10/20", "PVID" },
		{ "10u/20u", "PVID" },
		{ "100+10x4", "PVID" },
		{ "10p/20p", "more than one PVID" },
		{ "10p/10", "twice" },
		{ "10p/10u", "twice" },
		{ "10p/5-15", "twice" },
		{ "10p/5-15/15", "twice" },
		{ "1p/100+10x4/130", "twice" },
		{ "1p/100+10x4/120-125", "twice" },
		{ "10-20p", "single VLAN" },
		{ "10p/20-30p", "single VLAN" },
		{ "100+10x4p", "single VLAN" },
		{ "1p/20-10", "below its start" },
		{ "1p/0-10", "range" },
		{ "1p/10-4095", "range" },
		{ "1p/10-", "range" },
		{ "1p/10-20-30", "range" },
		{ "1p/10-20+1x2", "mixes" },
		{ "1p/100+10", "stride" },
		{ "1p/100x4", "1..4094" },
		{ "1p/100+0x4", "stride" },
		{ "1p/100+10x", "stride" },
		{ "1p/100+x4", "stride" },
		{ "1p/100+10x04", "stride" },
		{ "1p/100+10x4095", "stride" },
		{ "1p/100+10x4x1", "stride" },
		{ "1p/100+10x400", "past VLAN 4094" },
		{ "1p/4000+1x95", "past VLAN 4094" },
		{ "1p/2+4093x1", "past VLAN 4094" },
		{ "1p,20", "1..4094" },
	};
	struct xhp_vlan_spec v;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v.pvid = 77;
		v.n_ranges = 77;
		why = NULL;
		assert_int_equal(xhp_parse_vlan_spec(bad[i].in, &v, &why),
				 -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
		assert_int_equal(v.pvid, 77);
		assert_int_equal(v.n_ranges, 77);
	}
	assert_int_equal(xhp_parse_vlan_spec(NULL, &v, NULL), -EINVAL);
}

static void test_physical_device(void **state)
{
	static const struct bad bad[] = {
		{ "", "empty" },
		{ "7", "<major>:<minor>" },
		{ ":0", "major" },
		{ "7:", "minor" },
		{ "07:0", "major" },
		{ "7:00", "minor" },
		{ "0x7:0", "major" },
		{ "7:0x1", "minor" },
		{ "1000:0", "major" },
		{ "7:100000", "minor" },
		{ "fffffffff:0", "major" },
		{ "7:" LONG_DIGITS, "minor" },
		{ "-7:0", "major" },
		{ "+7:0", "major" },
		{ " 7:0", "major" },
		{ "7:0 ", "minor" },
		{ "7:0:1", "minor" },
		{ "g:0", "major" },
		{ "7:" NON_ASCII, "minor" },
	};
	unsigned int ma = 9, mi = 9;
	const char *why;
	size_t i;

	assert_int_equal(xhp_parse_physical_device("7:0", &ma, &mi, NULL), 0);
	assert_true(ma == 7 && mi == 0);
	assert_int_equal(xhp_parse_physical_device("fe:1a", &ma, &mi, NULL), 0);
	assert_true(ma == 0xfe && mi == 0x1a);
	assert_int_equal(xhp_parse_physical_device("FFF:FFFFF", &ma, &mi, NULL),
			 0);
	assert_true(ma == 0xfff && mi == 0xfffff);
	assert_int_equal(xhp_parse_physical_device("0:0", &ma, &mi, NULL), 0);
	assert_true(ma == 0 && mi == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ma = mi = 9;
		why = NULL;
		assert_int_equal(xhp_parse_physical_device(bad[i].in, &ma, &mi,
							   &why),
				 -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
		assert_true(ma == 9 && mi == 9);
	}
}

static void test_domid(void **state)
{
	static const char *const bad[] = {
		"",
		"32752",
		"65535",
		"-1",
		"+1",
		"01",
		"00",
		" 1",
		"1 ",
		"1a",
		"0x10",
		LONG_DIGITS,
		"18446744073709551617",
		NON_ASCII,
	};
	unsigned int d = 7;
	const char *why;
	size_t i;

	assert_int_equal(xhp_parse_domid("0", &d, NULL), 0);
	assert_int_equal(d, 0);
	assert_int_equal(xhp_parse_domid("32751", &d, NULL), 0);
	assert_int_equal(d, 32751);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = 7;
		why = NULL;
		assert_int_equal(xhp_parse_domid(bad[i], &d, &why), -EINVAL);
		assert_why(bad[i], why, bad[i][0] ? "0..32751" : "empty");
		assert_int_equal(d, 7);
	}
}

static void test_state(void **state)
{
	static const char *const bad[] = {
		"",   "9",  "10",  "-1", "+1",	      "01",
		" 4", "4 ", "4\n", "x",	 LONG_DIGITS, NON_ASCII,
	};
	const char *why;
	char in[2] = "0";
	int s;
	size_t i;

	for (in[0] = '0'; in[0] <= '8'; in[0]++) {
		s = -1;
		assert_int_equal(xhp_parse_xenbus_state(in, &s, NULL), 0);
		assert_int_equal(s, in[0] - '0');
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = -7;
		why = NULL;
		assert_int_equal(xhp_parse_xenbus_state(bad[i], &s, &why),
				 -EINVAL);
		assert_why(bad[i], why, bad[i][0] ? "0..8" : "empty");
		assert_int_equal(s, -7);
	}
}

static void test_vifname(void **state)
{
	static const struct bad bad[] = {
		{ "", "empty" },
		{ "abcdefghijklmnop", "15" },
		{ "a b", "not an interface name" },
		{ "a\tb", "not an interface name" },
		{ "a/b", "not an interface name" },
		{ "a:b", "not an interface name" },
		{ ".", "not an interface name" },
		{ "..", "not an interface name" },
		{ "a\x7f", "not an interface name" },
		{ "eth" NON_ASCII, "not an interface name" },
		{ "a`id`", "shell metacharacter" },
		{ "$(x)", "shell metacharacter" },
		{ "a;b", "shell metacharacter" },
		{ "a|b", "shell metacharacter" },
		{ "a'b", "shell metacharacter" },
		{ "a*", "shell metacharacter" },
	};
	const char *why;
	size_t i;

	assert_int_equal(xhp_parse_vifname("vif1.0", false, NULL), 0);
	assert_int_equal(xhp_parse_vifname("guest_nic-1.2@x", false, NULL), 0);
	assert_int_equal(xhp_parse_vifname("...", false, NULL), 0);
	assert_int_equal(xhp_parse_vifname("abcdefghijklmno", false, NULL), 0);
	assert_int_equal(xhp_parse_vifname("abcdefghijk", true, NULL), 0);
	why = NULL;
	assert_int_equal(xhp_parse_vifname("abcdefghijkl", true, &why),
			 -EINVAL);
	assert_why("abcdefghijkl", why, "-emu");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(xhp_parse_vifname(bad[i].in, i & 1, &why),
				 -EINVAL);
		assert_why(bad[i].in, why, bad[i].why);
	}
	assert_int_equal(xhp_parse_vifname(NULL, false, NULL), -EINVAL);
}

static void test_params(void **state)
{
	char *big = malloc(4098);
	const char *why;

	assert_non_null(big);
	assert_int_equal(xhp_parse_params("/dev/vg0/guest-disk", NULL), 0);
	assert_int_equal(
		xhp_parse_params("/srv/img/" NON_ASCII " a b.img", NULL), 0);
	assert_int_equal(xhp_parse_params("UUID=1234-5678", NULL), 0);
	memset(big, 'a', 4096);
	big[4096] = '\0';
	assert_int_equal(xhp_parse_params(big, NULL), 0);
	big[4096] = 'a';
	big[4097] = '\0';
	why = NULL;
	assert_int_equal(xhp_parse_params(big, &why), -EINVAL);
	assert_why("(4097 bytes)", why, "4096");
	free(big);

	why = NULL;
	assert_int_equal(xhp_parse_params("", &why), -EINVAL);
	assert_why("", why, "empty");
	why = NULL;
	assert_int_equal(xhp_parse_params("/img\n", &why), -EINVAL);
	assert_why("/img\\n", why, "control");
	why = NULL;
	assert_int_equal(xhp_parse_params("/img\x7f", &why), -EINVAL);
	assert_why("/img\\x7f", why, "control");
	why = NULL;
	assert_int_equal(xhp_parse_params("\t/img", &why), -EINVAL);
	assert_why("\\t/img", why, "control");
	assert_int_equal(xhp_parse_params(NULL, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_ip_ok),
		cmocka_unit_test(test_ip_limits),
		cmocka_unit_test(test_ip_bad),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_mtu),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_bridge_ok),
		cmocka_unit_test(test_bridge_bad),
		cmocka_unit_test(test_vlan_ok),
		cmocka_unit_test(test_vlan_many),
		cmocka_unit_test(test_vlan_bad),
		cmocka_unit_test(test_physical_device),
		cmocka_unit_test(test_domid),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_vifname),
		cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
