// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pure parsers of the values of xenstore keys and settings (keys.h).
 * No I/O. Numbers are canonical decimal (xhp_parse_uint): no sign, no
 * leading zeros, no spaces, which also keeps a value from meaning
 * something else to a shell's arithmetic (010 is octal there).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "keys.h"
#include "util.h"

#define DOMID_MAX 0x7fef /* DOMID_FIRST_RESERVED - 1 */
#define MODE_MAX 8
#define PARAMS_MAX 4096
#define IP_LIST_MAX 256
#define VLAN_BITMAP_BYTES ((XHP_VLAN_MAX + 8) / 8)
#define MAC_FORM "expected six hex octets aa:bb:cc:dd:ee:ff"

/* Set *why (when asked for) and return -EINVAL. */
static int refuse(const char **why, const char *phrase)
{
	if (why)
		*why = phrase;
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool bit_test(const uint8_t *map, unsigned int i)
{
	return map[i / 8] & (1u << (i % 8));
}

static void bit_set(uint8_t *map, unsigned int i)
{
	map[i / 8] |= (uint8_t)(1u << (i % 8));
}

int xhp_parse_mac(const char *s, uint8_t mac[6], const char **why)
{
	uint8_t m[6];
	int i, hi, lo;

	if (!s || !s[0])
		return refuse(why, "empty");
	if (strlen(s) != 17)
		return refuse(why, MAC_FORM);
	for (i = 0; i < 6; i++) {
		const char *p = s + 3 * i;

		hi = hexval(p[0]);
		lo = hexval(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return refuse(why, MAC_FORM);
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, sizeof(m));
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One "addr[/prefix]" of @len bytes. */
static int parse_ip_entry(const char *s, size_t len, struct xhp_ip *ip,
			  const char **why)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t alen;
	uint64_t v;

	slash = memchr(s, '/', len);
	alen = slash ? (size_t)(slash - s) : len;
	if (alen == 0)
		return refuse(why, "an entry has no address");
	if (alen >= INET6_ADDRSTRLEN)
		return refuse(why, "an address is too long");
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(ip, 0, sizeof(*ip));
	ip->family = memchr(buf, ':', alen) ? AF_INET6 : AF_INET;
	if (inet_pton(ip->family, buf, ip->addr) != 1)
		return refuse(why, ip->family == AF_INET6 ?
					   "not an IPv6 address" :
					   "not an IPv4 address (dotted quad)");
	ip->prefix = ip->family == AF_INET6 ? 128 : 32;
	if (!slash)
		return 0;
	if (xhp_parse_uint_n(slash + 1, len - alen - 1, (uint64_t)ip->prefix,
			     &v) < 0)
		return refuse(why,
			      ip->family == AF_INET6 ?
				      "bad prefix length: expected 0..128" :
				      "bad prefix length: expected 0..32");
	ip->prefix = (int)v;
	ip->has_prefix = true;
	return 0;
}

/* Count the blank-separated entries; refuse other whitespace early. */
static int count_ip_entries(const char *s, size_t *ret_n, const char **why)
{
	size_t n = 0;
	const char *p;

	for (p = s; *p; p++) {
		if ((unsigned char)*p < 0x20 && !is_blank(*p))
			return refuse(why, "contains a control character");
		if (!is_blank(*p) && (p == s || is_blank(p[-1])))
			n++;
	}
	if (n > IP_LIST_MAX)
		return refuse(why, "more than 256 addresses");
	*ret_n = n;
	return 0;
}

int xhp_parse_ip_list(const char *s, struct xhp_ip **ret, size_t *ret_n,
		      const char **why)
{
	struct xhp_ip *ips = NULL;
	size_t n, i = 0;
	int r;

	if (!s)
		return refuse(why, "missing");
	r = count_ip_entries(s, &n, why);
	if (r < 0)
		return r;
	if (n > 0) {
		ips = calloc(n, sizeof(*ips));
		if (!ips)
			return -ENOMEM;
	}
	while (*s) {
		size_t len;

		if (is_blank(*s)) {
			s++;
			continue;
		}
		for (len = 0; s[len] && !is_blank(s[len]); len++)
			;
		r = parse_ip_entry(s, len, &ips[i++], why);
		if (r < 0) {
			free(ips);
			return r;
		}
		s += len;
	}
	*ret = ips;
	*ret_n = n;
	return 0;
}

int xhp_parse_rate(const char *s, uint64_t *bytes, uint32_t *usecs,
		   const char **why)
{
	const char *comma;
	uint64_t b, u;

	if (!s || !s[0])
		return refuse(why, "empty");
	comma = strchr(s, ',');
	if (!comma)
		return refuse(why, "expected <bytes>,<usecs>");
	if (xhp_parse_uint_n(s, (size_t)(comma - s), UINT64_MAX, &b) < 0)
		return refuse(
			why,
			"bad byte count: expected a decimal number below 2^64");
	if (xhp_parse_uint(comma + 1, UINT32_MAX, &u) < 0)
		return refuse(
			why,
			"bad interval: expected a decimal number of microseconds below 2^32");
	*bytes = b;
	*usecs = (uint32_t)u;
	return 0;
}

int xhp_parse_mtu(const char *s, unsigned int *mtu, const char **why)
{
	uint64_t v;

	if (!s || !s[0])
		return refuse(why, "empty");
	if (xhp_parse_uint(s, 65535, &v) < 0 || v < 68)
		return refuse(why, "expected a decimal number 68..65535");
	*mtu = (unsigned int)v;
	return 0;
}

int xhp_parse_mode(const char *s, char *ret_mode, const char **why)
{
	bool w = false, bang = false;
	size_t i;

	if (!s || !s[0])
		return refuse(why, "empty");
	for (i = 0; s[i]; i++) {
		if (i == MODE_MAX)
			return refuse(why, "longer than 8 characters");
		if (s[i] == 'w')
			w = true;
		else if (s[i] == '!')
			bang = true;
		else if (s[i] != 'r' && s[i] != 'o')
			return refuse(why, "expected r, ro, w, rw, w! or rw!");
	}
	*ret_mode = !w ? 'r' : !bang ? 'w' : '!';
	return 0;
}

/* A VLAN id of @len bytes: canonical decimal 1..4094. */
static int parse_vid(const char *s, size_t len, unsigned int *ret)
{
	uint64_t v;

	if (xhp_parse_uint_n(s, len, XHP_VLAN_MAX, &v) < 0 || v < XHP_VLAN_MIN)
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

/* "name[.tag][:trunk[:trunk...]]" as vif-openvswitch's regex. */
int xhp_parse_bridge_spec(const char *s, struct xhp_bridge_spec *ret,
			  const char **why)
{
	uint8_t trunks[VLAN_BITMAP_BYTES] = { 0 };
	size_t nlen = strcspn(s ? s : "", ".:");
	const char *p;
	unsigned int tag = 0, v, n = 0;
	char name[16];

	if (!s || !s[0])
		return refuse(why, "empty");
	if (nlen == 0)
		return refuse(why, "no bridge name");
	if (nlen >= sizeof(name))
		return refuse(why, "bridge name longer than 15 characters");
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	if (!xhp_ifname_valid(name))
		return refuse(
			why,
			"bad bridge name: no '/', whitespace or control characters");
	p = s + nlen;
	if (*p == '.') {
		size_t len = strcspn(p + 1, ":");

		if (parse_vid(p + 1, len, &tag) < 0)
			return refuse(why, "bad VLAN tag: expected 1..4094");
		p += 1 + len;
	}
	while (*p == ':') {
		size_t len = strcspn(p + 1, ":");

		if (parse_vid(p + 1, len, &v) < 0)
			return refuse(why, "bad trunk VLAN: expected 1..4094");
		bit_set(trunks, v);
		p += 1 + len;
	}
	if (*p)
		return refuse(why, "expected name[.tag][:trunk[:trunk...]]");
	memcpy(ret->name, name, nlen + 1);
	ret->tag = tag;
	for (v = XHP_VLAN_MIN; v <= XHP_VLAN_MAX; v++)
		if (bit_test(trunks, v))
			ret->trunks[n++] = (uint16_t)v;
	ret->n_trunks = n;
	return 0;
}

/* One '/'-separated entry of a vlan spec; see keys.h for the forms. */
static int parse_vlan_entry(const char *s, size_t len, struct xhp_vlan_range *r,
			    bool *pvid, const char **why)
{
	const char *dash, *plus, *x;
	unsigned int a, b, step = 1;
	uint64_t cnt;

	*pvid = false;
	r->untagged = false;
	if (len && (s[len - 1] == 'p' || s[len - 1] == 'u')) {
		*pvid = s[len - 1] == 'p';
		r->untagged = true;
		len--;
	}
	if (len == 0)
		return refuse(why, "an entry is empty");
	dash = memchr(s, '-', len);
	plus = memchr(s, '+', len);
	if (dash && plus)
		return refuse(why, "an entry mixes a range and a stride");
	if (dash) {
		if (parse_vid(s, (size_t)(dash - s), &a) < 0 ||
		    parse_vid(dash + 1, len - (size_t)(dash - s) - 1, &b) < 0)
			return refuse(
				why,
				"bad range: expected <vlan>-<vlan>, VLANs 1..4094");
		if (a > b)
			return refuse(why, "a range ends below its start");
	} else if (plus) {
		x = memchr(plus, 'x', len - (size_t)(plus - s));
		if (!x || parse_vid(s, (size_t)(plus - s), &a) < 0 ||
		    parse_vid(plus + 1, (size_t)(x - plus - 1), &step) < 0 ||
		    xhp_parse_uint_n(x + 1, len - (size_t)(x - s) - 1,
				     XHP_VLAN_MAX, &cnt) < 0)
			return refuse(
				why,
				"bad stride: expected <vlan>+<offset>x<count>");
		if (a + step * cnt > XHP_VLAN_MAX)
			return refuse(why, "a stride goes past VLAN 4094");
		b = a + step * (unsigned int)cnt;
	} else {
		if (parse_vid(s, len, &a) < 0)
			return refuse(why, "bad VLAN: expected 1..4094");
		b = a;
	}
	if (*pvid && a != b)
		return refuse(why, "only a single VLAN can be the PVID (p)");
	r->first = (uint16_t)a;
	r->last = (uint16_t)b;
	r->step = (uint16_t)(a == b ? 1 : step);
	return 0;
}

/* Mark the range's VLANs; refuse a VLAN named twice. */
static int mark_range(uint8_t *map, const struct xhp_vlan_range *r,
		      const char **why)
{
	unsigned int v;

	for (v = r->first; v <= r->last; v += r->step) {
		if (bit_test(map, v))
			return refuse(why, "a VLAN is given twice");
		bit_set(map, v);
	}
	return 0;
}

int xhp_parse_vlan_spec(const char *s, struct xhp_vlan_spec *ret,
			const char **why)
{
	uint8_t seen[VLAN_BITMAP_BYTES] = { 0 };
	struct xhp_vlan_spec spec = { 0 };
	const char *p = s;
	bool pvid;
	int r;

	if (!s || !s[0])
		return refuse(why, "empty");
	for (;;) {
		struct xhp_vlan_range *range = &spec.ranges[spec.n_ranges];
		size_t len = strcspn(p, "/");

		if (spec.n_ranges == XHP_VLAN_RANGES_MAX)
			return refuse(why, "more than 64 entries");
		r = parse_vlan_entry(p, len, range, &pvid, why);
		if (r < 0)
			return r;
		r = mark_range(seen, range, why);
		if (r < 0)
			return r;
		if (pvid && spec.pvid)
			return refuse(why, "more than one PVID (p)");
		if (pvid)
			spec.pvid = range->first;
		spec.n_ranges++;
		if (!p[len])
			break;
		p += len + 1;
	}
	/* "10" (or "10u") alone is the PVID, untagged. */
	if (!spec.pvid && spec.n_ranges == 1 &&
	    spec.ranges[0].first == spec.ranges[0].last && !strpbrk(s, "-+")) {
		spec.pvid = spec.ranges[0].first;
		spec.ranges[0].untagged = true;
	}
	if (!spec.pvid)
		return refuse(why, "no PVID: mark one VLAN with p");
	*ret = spec;
	return 0;
}

/* "%x:%x" as printf writes it: lowercase or uppercase hex, canonical. */
static int parse_hex_n(const char *s, size_t len, uint32_t max,
		       unsigned int *ret)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 8 || (s[0] == '0' && len > 1))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint32_t)d;
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int xhp_parse_physical_device(const char *s, unsigned int *major,
			      unsigned int *minor, const char **why)
{
	const char *colon;
	unsigned int ma, mi;

	if (!s || !s[0])
		return refuse(why, "empty");
	colon = strchr(s, ':');
	if (!colon)
		return refuse(why, "expected <major>:<minor> in hex");
	if (parse_hex_n(s, (size_t)(colon - s), 0xfff, &ma) < 0)
		return refuse(
			why,
			"bad major: expected hex 0..fff, no leading zeros");
	if (parse_hex_n(colon + 1, strlen(colon + 1), 0xfffff, &mi) < 0)
		return refuse(
			why,
			"bad minor: expected hex 0..fffff, no leading zeros");
	*major = ma;
	*minor = mi;
	return 0;
}

int xhp_parse_domid(const char *s, unsigned int *domid, const char **why)
{
	uint64_t v;

	if (!s || !s[0])
		return refuse(why, "empty");
	if (xhp_parse_uint(s, DOMID_MAX, &v) < 0)
		return refuse(why, "expected a decimal domain id 0..32751");
	*domid = (unsigned int)v;
	return 0;
}

int xhp_parse_xenbus_state(const char *s, int *state, const char **why)
{
	uint64_t v;

	if (!s || !s[0])
		return refuse(why, "empty");
	if (xhp_parse_uint(s, 8, &v) < 0)
		return refuse(why, "expected a XenbusState 0..8");
	*state = (int)v;
	return 0;
}

int xhp_parse_vifname(const char *s, bool for_tap, const char **why)
{
	if (!s || !s[0])
		return refuse(why, "empty");
	if (!xhp_ifname_valid(s))
		return refuse(
			why,
			"not an interface name: 1 to 15 characters, no '/', ':', whitespace or control characters, not . or ..");
	if (for_tap && strlen(s) > 15 - 4)
		return refuse(
			why,
			"too long for a tap: the name with \"-emu\" must fit in 15 characters");
	/*
	 * Linux takes them, but the name goes on to shell scripts (Xen's
	 * own, for the next event of this device) and into logs.
	 */
	if (strpbrk(s, "$`\\\"'|&;<>()*?[]{}!"))
		return refuse(
			why,
			"a shell metacharacter ($ ` \\ \" ' | & ; < > ( ) * ? [ ] { } !)");
	return 0;
}

int xhp_parse_params(const char *s, const char **why)
{
	size_t i;

	if (!s || !s[0])
		return refuse(why, "empty");
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == PARAMS_MAX)
			return refuse(why, "longer than 4096 bytes");
		if (c < 0x20 || c == 0x7f)
			return refuse(why, "contains a control character");
	}
	return 0;
}

const char *xhp_ip_str(const struct xhp_ip *ip, bool with_prefix,
		       char buf[XHP_IP_STR])
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(ip->family, ip->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (with_prefix)
		snprintf(buf, XHP_IP_STR, "%s/%d", a, ip->prefix);
	else
		snprintf(buf, XHP_IP_STR, "%s", a);
	return buf;
}
