// SPDX-License-Identifier: LGPL-2.1-or-later
/* Small string and number helpers shared by the parsers. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

const char *xhp_quote(char buf[XHP_QUOTE_MAX], const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!s) {
		snprintf(buf, XHP_QUOTE_MAX, "(null)");
		return buf;
	}
	for (i = 0; s[i] && i < 64; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

int xhp_parse_uint_n(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (!s || len == 0 || len > 20)
		return -EINVAL;
	if (s[0] == '0' && len > 1)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int xhp_parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
	if (!s)
		return -EINVAL;
	return xhp_parse_uint_n(s, strlen(s), max, ret);
}

bool xhp_ifname_valid(const char *name)
{
	size_t i, n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n >= IFNAMSIZ)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

bool xhp_varname_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     c == '_';

		if (!alpha && (i == 0 || c < '0' || c > '9'))
			return false;
	}
	return true;
}

static bool is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

bool xhp_is_one_line(const char *s)
{
	for (; *s; s++)
		if (is_control(*s))
			return false;
	return true;
}

char *xhp_one_line(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (is_control(*p))
			*p = '?';
	return s;
}
