/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small string and number helpers shared by the parsers. */
#ifndef XHP_UTIL_H
#define XHP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for a quoted value: 64 shown bytes, each up to 4 chars, + "...". */
#define XHP_QUOTE_MAX (64 * 4 + 8)

/*
 * Render an untrusted string for a message: printable ASCII as is, other
 * bytes as \xNN, cut after 64 bytes with "...". Returns @buf.
 */
const char *xhp_quote(char buf[XHP_QUOTE_MAX], const char *s);

/*
 * Parse a decimal unsigned number with no sign, no leading zeros (but
 * "0"), no spaces, no trailing text, at most @max. Returns 0 or -EINVAL.
 */
int xhp_parse_uint(const char *s, uint64_t max, uint64_t *ret);
/* The same for the first @len bytes of @s. */
int xhp_parse_uint_n(const char *s, size_t len, uint64_t max, uint64_t *ret);

/* A network device name the kernel would accept: 1..15 bytes, no '/',
 * ':', whitespace or control bytes, not "." or "..". */
bool xhp_ifname_valid(const char *name);

/* A shell variable name: [A-Za-z_][A-Za-z0-9_]*. */
bool xhp_varname_valid(const char *s, size_t len);

/*
 * One line of text for hotplug-error and the log: no control byte
 * (< 0x20, 0x7f), so no newline to forge a line, no escape sequence.
 * xhp_is_one_line() tells; xhp_one_line() shows each as '?' in place
 * and returns @s.
 */
bool xhp_is_one_line(const char *s);
char *xhp_one_line(char *s);

#endif /* XHP_UTIL_H */
