// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target of every parser of keys.h. The first byte picks the
 * parser (a letter, see parsers[] below; any other byte modulo the
 * count), the rest is the value. Each accepted value is checked against
 * the parser's promises; any broken promise aborts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "keys.h"
#include "util.h"

/* Accepted numbers are canonical: printing them gives the input back. */
static void check_canonical(const char *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check_canonical(const char *s, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	CHECK(strcasecmp(buf, s) == 0);
}

static void check_why(int r, const char *why)
{
	CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
	CHECK(r != -EINVAL || (why && why[0]));
}

static void f_mac(const char *s)
{
	const char *why = NULL;
	uint8_t m[6];
	int r = xhp_parse_mac(s, m, &why);

	check_why(r, why);
	if (r == 0)
		check_canonical(s, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
				m[2], m[3], m[4], m[5]);
}

static void f_ip(const char *s)
{
	struct xhp_ip *ips = NULL;
	const char *why = NULL;
	size_t n = 0, i;
	int r = xhp_parse_ip_list(s, &ips, &n, &why);

	check_why(r, why);
	if (r < 0)
		return;
	CHECK(n <= 256 && (n == 0) == (ips == NULL));
	for (i = 0; i < n; i++) {
		int full = ips[i].family == AF_INET ? 32 : 128;

		CHECK(ips[i].family == AF_INET || ips[i].family == AF_INET6);
		CHECK(ips[i].prefix >= 0 && ips[i].prefix <= full);
		CHECK(ips[i].has_prefix || ips[i].prefix == full);
	}
	free(ips);
}

static void f_rate(const char *s)
{
	const char *why = NULL;
	uint64_t b;
	uint32_t u;
	int r = xhp_parse_rate(s, &b, &u, &why);

	check_why(r, why);
	if (r == 0)
		check_canonical(s, "%" PRIu64 ",%" PRIu32, b, u);
}

static void f_mtu(const char *s)
{
	const char *why = NULL;
	unsigned int mtu;
	int r = xhp_parse_mtu(s, &mtu, &why);

	check_why(r, why);
	if (r == 0) {
		CHECK(mtu >= 68 && mtu <= 65535);
		check_canonical(s, "%u", mtu);
	}
}

static void f_mode(const char *s)
{
	const char *why = NULL;
	char m;
	int r = xhp_parse_mode(s, &m, &why);

	check_why(r, why);
	if (r == 0) {
		CHECK(m == 'r' || m == 'w' || m == '!');
		CHECK((m == 'r') == !strchr(s, 'w'));
		CHECK(strspn(s, "rwo!") == strlen(s));
	}
}

static void f_bridge(const char *s)
{
	static struct xhp_bridge_spec b;
	const char *why = NULL;
	unsigned int i;
	int r = xhp_parse_bridge_spec(s, &b, &why);

	check_why(r, why);
	if (r < 0)
		return;
	CHECK(xhp_ifname_valid(b.name) && !strpbrk(b.name, "."));
	CHECK(!strncmp(s, b.name, strlen(b.name)));
	CHECK(b.tag <= XHP_VLAN_MAX && b.n_trunks <= XHP_TRUNKS_MAX);
	for (i = 0; i < b.n_trunks; i++) {
		CHECK(b.trunks[i] >= XHP_VLAN_MIN &&
		      b.trunks[i] <= XHP_VLAN_MAX);
		CHECK(i == 0 || b.trunks[i - 1] < b.trunks[i]);
	}
}

static void f_vlan(const char *s)
{
	static uint8_t seen[XHP_VLAN_MAX + 1];
	struct xhp_vlan_spec v;
	const char *why = NULL;
	unsigned int i, vid, pvid_hits = 0;
	int r = xhp_parse_vlan_spec(s, &v, &why);

	check_why(r, why);
	if (r < 0)
		return;
	memset(seen, 0, sizeof(seen));
	CHECK(v.pvid >= XHP_VLAN_MIN && v.pvid <= XHP_VLAN_MAX);
	CHECK(v.n_ranges >= 1 && v.n_ranges <= XHP_VLAN_RANGES_MAX);
	for (i = 0; i < v.n_ranges; i++) {
		const struct xhp_vlan_range *g = &v.ranges[i];

		CHECK(g->first >= XHP_VLAN_MIN && g->last <= XHP_VLAN_MAX);
		CHECK(g->first <= g->last && g->step >= 1);
		CHECK((g->last - g->first) % g->step == 0);
		for (vid = g->first; vid <= g->last; vid += g->step) {
			CHECK(!seen[vid]);
			seen[vid] = 1;
			if (vid == v.pvid) {
				CHECK(g->untagged && g->first == g->last);
				pvid_hits++;
			}
		}
	}
	CHECK(pvid_hits == 1);
}

static void f_physdev(const char *s)
{
	const char *why = NULL;
	unsigned int ma, mi;
	int r = xhp_parse_physical_device(s, &ma, &mi, &why);

	check_why(r, why);
	if (r == 0) {
		CHECK(ma <= 0xfff && mi <= 0xfffff);
		check_canonical(s, "%x:%x", ma, mi);
	}
}

static void f_domid(const char *s)
{
	const char *why = NULL;
	unsigned int d;
	int r = xhp_parse_domid(s, &d, &why);

	check_why(r, why);
	if (r == 0) {
		CHECK(d <= 32751);
		check_canonical(s, "%u", d);
	}
}

static void f_state(const char *s)
{
	const char *why = NULL;
	int st;
	int r = xhp_parse_xenbus_state(s, &st, &why);

	check_why(r, why);
	if (r == 0) {
		CHECK(st >= 0 && st <= 8);
		check_canonical(s, "%d", st);
	}
}

static void f_vifname(const char *s, bool tap)
{
	const char *why = NULL;
	int r = xhp_parse_vifname(s, tap, &why);

	check_why(r, why);
	if (r == 0)
		CHECK(xhp_ifname_valid(s) && strlen(s) <= (tap ? 11u : 15u));
}

static void f_vifname_vif(const char *s)
{
	f_vifname(s, false);
}

static void f_vifname_tap(const char *s)
{
	f_vifname(s, true);
}

static void f_params(const char *s)
{
	const char *why = NULL;
	size_t i;
	int r = xhp_parse_params(s, &why);

	check_why(r, why);
	if (r < 0)
		return;
	CHECK(s[0] && strlen(s) <= 4096);
	for (i = 0; s[i]; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static const struct {
	char tag;
	void (*fn)(const char *s);
} parsers[] = {
	{ 'm', f_mac },	   { 'i', f_ip },	   { 'r', f_rate },
	{ 'u', f_mtu },	   { 'o', f_mode },	   { 'b', f_bridge },
	{ 'v', f_vlan },   { 'p', f_physdev },	   { 'd', f_domid },
	{ 's', f_state },  { 'n', f_vifname_vif }, { 't', f_vifname_tap },
	{ 'a', f_params },
};

#define N_PARSERS (sizeof(parsers) / sizeof(parsers[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i, pick;
	char *s;

	if (size < 1 || size > 65536)
		return 0;
	pick = data[0] % N_PARSERS;
	for (i = 0; i < N_PARSERS; i++)
		if (parsers[i].tag == (char)data[0])
			pick = i;
	/* The value ends at the first NUL, as a C string would. */
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	parsers[pick].fn(s);
	free(s);
	return 0;
}
