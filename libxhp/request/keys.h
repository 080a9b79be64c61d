/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure parsers of the values of xenstore keys and settings. No I/O, no
 * allocation unless said. Each returns 0, or -EINVAL with *why set to a
 * static English phrase saying what is wrong (for "bad mac 'x': <why>");
 * @why may be NULL. A NULL or empty string is refused ("empty"), except
 * by the ip list. Out-parameters are written only on success. Numbers
 * are canonical: no sign, no leading zeros, no spaces, no trailing text.
 * Each has a libFuzzer target in tests/fuzz/.
 */
#ifndef XHP_KEYS_H
#define XHP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* mac: "aa:bb:cc:dd:ee:ff" (hex, either case, exactly 6 octets). */
int xhp_parse_mac(const char *s, uint8_t mac[6], const char **why);

/* One entry of the ip key: an address with an optional /prefix. */
struct xhp_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order; 4 bytes used for AF_INET */
	int prefix; /* 0..32 or 0..128; the full length when absent */
	bool has_prefix;
};

/*
 * Render @ip as "addr/prefix" (or "addr" with @with_prefix false), for
 * messages. The one IP address type of the library: keys, routes,
 * addresses and neighbour entries all use it. Returns @buf.
 */
#define XHP_IP_STR 64
const char *xhp_ip_str(const struct xhp_ip *ip, bool with_prefix,
		       char buf[XHP_IP_STR]);

/*
 * ip: addresses separated by spaces (any run of spaces/tabs), IPv4
 * (dotted quad, inet_pton) or IPv6, each with an optional /prefix. At
 * most 256 entries. An empty or all-space string gives zero entries and
 * *ret = NULL. Host bits under the prefix are kept as given.
 * Returns: 0, -EINVAL, -ENOMEM. Caller owns *ret (free()).
 */
int xhp_parse_ip_list(const char *s, struct xhp_ip **ret, size_t *ret_n,
		      const char **why);

/*
 * rate: "<bytes>,<usecs>" as libxl writes it (PRIu64 "," PRIu32); zero
 * is accepted in both.
 */
int xhp_parse_rate(const char *s, uint64_t *bytes, uint32_t *usecs,
		   const char **why);

/* mtu: decimal 68..65535. */
int xhp_parse_mtu(const char *s, unsigned int *mtu, const char **why);

/*
 * mode: canonicalised as Xen's block-common.sh does: no 'w' -> 'r';
 * 'w' without '!' -> 'w'; 'w' and '!' -> '!'. Accepts what Xen accepts
 * (r, ro, w, rw, w!, rw!, ...) but refuses empty strings, strings longer
 * than 8 and characters other than r, o, w, !. As in Xen, "!" alone has
 * no 'w' and gives 'r'.
 */
int xhp_parse_mode(const char *s, char *ret_mode, const char **why);

/* A VLAN id: 1..4094. */
#define XHP_VLAN_MIN 1
#define XHP_VLAN_MAX 4094
#define XHP_TRUNKS_MAX 4094

/*
 * bridge, in Xen's vif-openvswitch syntax: "name[.tag][:trunk[:trunk...]]"
 * The name must be a valid interface name. tag and trunks are VLANs
 * 1..4094; tag 0 in the result means none. Trunks come out sorted
 * ascending without duplicates (OVS keeps them as a set).
 */
struct xhp_bridge_spec {
	char name[16];
	unsigned int tag;
	unsigned int n_trunks;
	uint16_t trunks[XHP_TRUNKS_MAX];
};
int xhp_parse_bridge_spec(const char *s, struct xhp_bridge_spec *ret,
			  const char **why);

/*
 * vlan, libxl's grammar (xl-network-configuration(5), Xen 4.19+; libxl
 * itself stores the string unchecked): entries separated by '/', each
 *   <vlan>[p|u]                a single VLAN; 'p': the PVID (implies u)
 *   <vlan1>-<vlan2>[u]         a range, vlan1 <= vlan2
 *   <vlan>+<offset>x<count>[u] vlan and count more, offset apart:
 *                              100+10x4 is 100, 110, 120, 130, 140
 * with VLANs 1..4094. Exactly one VLAN is the PVID, marked 'p', except
 * that a spec of one single VLAN ("10", "10u") is that VLAN as PVID.
 * No VLAN may be given twice; at most 64 entries. 'u' (and 'p'): egress
 * untagged; other VLANs are tagged.
 * (The man page's example "10p/100+10x4 -- 10, 100, ..., 150" lists one
 * VLAN more than its own rule "count additional entries"; we follow the
 * rule.)
 * Each entry becomes one range: VLANs first, first + step, ..., last
 * (step 1 for a single VLAN or a-b; iterate with v += step).
 */
#define XHP_VLAN_RANGES_MAX 64
struct xhp_vlan_range {
	uint16_t first;
	uint16_t last;
	uint16_t step; /* >= 1 */
	bool untagged;
};
struct xhp_vlan_spec {
	uint16_t pvid; /* 1..4094, also in one untagged range */
	unsigned int n_ranges;
	struct xhp_vlan_range ranges[XHP_VLAN_RANGES_MAX];
};
int xhp_parse_vlan_spec(const char *s, struct xhp_vlan_spec *ret,
			const char **why);

/*
 * physical-device: "%x:%x" major:minor, hex (either case, no 0x, no
 * leading zeros), as block scripts write it; major <= 0xfff, minor <=
 * 0xfffff (Linux dev_t).
 */
int xhp_parse_physical_device(const char *s, unsigned int *major,
			      unsigned int *minor, const char **why);

/* A domain id (frontend-id): decimal 0..32751. */
int xhp_parse_domid(const char *s, unsigned int *domid, const char **why);

/* state: a XenbusState, decimal 0..8 (Initialising=1 ... Reconfigured=8). */
#define XHP_XENBUS_STATE_INIT_WAIT 2
int xhp_parse_xenbus_state(const char *s, int *state, const char **why);

/*
 * vifname: a valid interface name (xhp_ifname_valid) that leaves room for
 * the "-emu" suffix when @for_tap: at most 15 bytes with it; no shell
 * metacharacters.
 */
int xhp_parse_vifname(const char *s, bool for_tap, const char **why);

/*
 * params of a block device: non-empty, at most 4096 bytes, no control
 * characters (bytes >= 0x80 are allowed: paths may be UTF-8). Further
 * interpretation is the block personality's.
 */
int xhp_parse_params(const char *s, const char **why);

#endif /* XHP_KEYS_H */
