/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pure parsers of the values of xenstore keys and settings. No I/O, no
 * allocation unless said. Each returns 0, or -EINVAL with *why set to a
 * static English phrase saying what is wrong (for "bad mac 'x': <why>").
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
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network byte order; 4 bytes used for AF_INET */
	int prefix;        /* 0..32 or 0..128; the full length when absent */
	bool has_prefix;
};

/*
 * ip: addresses separated by spaces (any run of spaces/tabs), IPv4 or
 * IPv6, each with an optional /prefix. At most 256 entries. An empty or
 * all-space string gives zero entries. Caller owns *ret (free()).
 */
int xhp_parse_ip_list(const char *s, struct xhp_ip **ret, size_t *ret_n,
		      const char **why);

/* rate: "<bytes>,<usecs>" as libxl writes it (PRIu64 "," PRIu32). */
int xhp_parse_rate(const char *s, uint64_t *bytes, uint32_t *usecs,
		   const char **why);

/* mtu: decimal 68..65535. */
int xhp_parse_mtu(const char *s, unsigned int *mtu, const char **why);

/*
 * mode: canonicalised as Xen's block-common.sh does: no 'w' -> 'r';
 * 'w' without '!' -> 'w'; 'w' and '!' -> '!'. Accepts what Xen accepts
 * (r, ro, w, rw, w!, rw!, ...) but refuses empty strings and characters
 * other than r, o, w, !.
 */
int xhp_parse_mode(const char *s, char *ret_mode, const char **why);

/* A VLAN id: 1..4094. */
#define XHP_VLAN_MIN 1
#define XHP_VLAN_MAX 4094
#define XHP_TRUNKS_MAX 4094

/*
 * bridge, in Xen's vif-openvswitch syntax: "name[.tag][:trunk[:trunk...]]"
 * The name must be a valid interface name. tag 0 means none.
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
 * vlan, libxl's grammar (xl-network-configuration(5), Xen 4.19+):
 * entries separated by '/'; each entry is a VLAN "10", a range "10-20",
 * or a stride "100+10x4" (100, 110, 120, 130); a suffix 'p' marks the PVID
 * (exactly one VLAN, across all entries), 'u' untagged egress. "10" alone
 * is PVID 10, untagged. See the tests for the accepted forms.
 */
struct xhp_vlan_range {
	uint16_t first;
	uint16_t last;
	bool untagged;
};
struct xhp_vlan_spec {
	uint16_t pvid;
	unsigned int n_ranges;
	struct xhp_vlan_range ranges[64];
};
int xhp_parse_vlan_spec(const char *s, struct xhp_vlan_spec *ret,
			const char **why);

/* physical-device: "%x:%x" major:minor, hex, as block scripts write it. */
int xhp_parse_physical_device(const char *s, unsigned int *major,
			      unsigned int *minor, const char **why);

/* A domain id (frontend-id): decimal 0..32751. */
int xhp_parse_domid(const char *s, unsigned int *domid, const char **why);

/* state: a XenbusState, decimal 0..8 (Initialising=1 ... Reconfigured=8). */
int xhp_parse_xenbus_state(const char *s, int *state, const char **why);

/*
 * vifname: a valid interface name (xhp_ifname_valid) that leaves room for
 * the "-emu" suffix when @for_tap: at most 15 bytes with it.
 */
int xhp_parse_vifname(const char *s, bool for_tap, const char **why);

/*
 * params of a block device: non-empty, at most 4096 bytes, no control
 * characters. Further interpretation is the block personality's.
 */
int xhp_parse_params(const char *s, const char **why);

#endif /* XHP_KEYS_H */
