/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host configuration, /etc/xhp/xhp.conf (or the file $XHP_CONFIG
 * names): guest network policy (xhp.conf(5)). Internal API.
 *
 *   # comment
 *   antispoof = off | auto | strict      (global; auto by default)
 *   [policy NAME]
 *   antispoof = on | off
 *   rate = BYTES,USECS                  (as the xenstore key)
 *   isolated = yes | no
 *   vlan = SPEC                         (the vlan setting's syntax,
 *                                        keys.h: 10, or 10p/20-30 ...)
 *   [portgroup NETWORK/PORTGROUP]       (libvirt)
 *   policy = NAME
 *   [network NETWORK]
 *   policy = NAME
 *   [bridge NAME]
 *   policy = NAME
 *
 * Unknown keys or sections, bad values, a key given twice, a section
 * given twice and a policy = naming no [policy] are errors naming the
 * file and the line. Parsing is pure (xhp_conf_parse, fuzzed);
 * xhp_conf_load reads the file.
 */
#ifndef XHP_CONF_H
#define XHP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf_index.h"
#include "internal.h"

#define XHP_CONF_DEFAULT_PATH "/etc/xhp/xhp.conf"
#define XHP_CONF_MAX_SIZE (1024 * 1024)

/* Global antispoof mode; a setting's value "on" is strict. */
enum xhp_antispoof {
	XHP_ANTISPOOF_OFF = 0,
	XHP_ANTISPOOF_AUTO = 1, /* enforce when the device has `ip` */
	XHP_ANTISPOOF_STRICT = 2, /* always the MAC; DHCP/link-local only
				   * when no `ip` */
};

/* A tri-state of a [policy]: not said, no, yes. */
enum xhp_conf_bool {
	XHP_CONF_UNSET = -1,
	XHP_CONF_NO = 0,
	XHP_CONF_YES = 1,
};

/* The longest vlan value of a [policy]. */
#define XHP_CONF_VLAN_MAX 255

struct xhp_conf_policy {
	char *name;
	unsigned int line; /* of its header */
	int antispoof; /* enum xhp_conf_bool */
	int isolated; /* enum xhp_conf_bool */
	bool has_rate;
	uint64_t rate_bytes;
	uint32_t rate_usecs;
	char vlan[XHP_CONF_VLAN_MAX + 1]; /* "": not said */
};

enum xhp_conf_bind_kind {
	XHP_CONF_PORTGROUP,
	XHP_CONF_NETWORK,
	XHP_CONF_BRIDGE,
};

/* A [portgroup]/[network]/[bridge] section and the policy it names. */
struct xhp_conf_bind {
	int kind; /* enum xhp_conf_bind_kind */
	char *name; /* "NETWORK/PORTGROUP", "NETWORK" or the bridge */
	unsigned int line;
	char *policy_name;
	unsigned int policy_line;
	size_t policy; /* index into policies, once resolved */
};

struct xhp_conf {
	char *path; /* for messages */
	int antispoof; /* enum xhp_antispoof */
	struct xhp_conf_policy *policies;
	size_t n_policies;
	struct xhp_conf_bind *binds;
	size_t n_binds;
	/* by name (conf_index.h): policies; binds by kind and name */
	struct xhp_conf_index policy_ix, bind_ix;
};

/*
 * Parse @len bytes of @text (need not be NUL-terminated) read from @path
 * (named in messages). Returns 0, -EINVAL (message "<path>:<line>: ..."),
 * -ENOMEM. Caller owns *ret (xhp_conf_free).
 */
int xhp_conf_parse(xhp_ctx *ctx, const char *path, const char *text, size_t len,
		   struct xhp_conf **ret);

/*
 * Read @path; NULL: $XHP_CONFIG (secure_getenv) if set and not empty,
 * else /etc/xhp/xhp.conf, whose absence gives the defaults (any other
 * file must exist). Returns 0, -EINVAL, -ENOMEM, -EFBIG, or the errno of
 * open/read (message names the file).
 */
int xhp_conf_load(xhp_ctx *ctx, const char *path, struct xhp_conf **ret);

/* The defaults (no file): antispoof auto, no policies. */
int xhp_conf_new_default(xhp_ctx *ctx, struct xhp_conf **ret);

struct xhp_conf *xhp_conf_free(struct xhp_conf *conf);

/* The [policy @name], or NULL. Borrowed from @conf. */
const struct xhp_conf_policy *xhp_conf_policy_find(const struct xhp_conf *conf,
						   const char *name);

/*
 * The policy of a port: [portgroup @network/@portgroup], else [network
 * @network], else [bridge @bridge]; any argument may be NULL. NULL when
 * none applies. Borrowed from @conf.
 */
const struct xhp_conf_policy *xhp_conf_policy_for(const struct xhp_conf *conf,
						  const char *network,
						  const char *portgroup,
						  const char *bridge);

/* Getters (NULL @p: not said). */
int xhp_conf_antispoof(const struct xhp_conf *conf); /* enum xhp_antispoof */
int xhp_conf_policy_antispoof(const struct xhp_conf_policy *p);
int xhp_conf_policy_isolated(const struct xhp_conf_policy *p);
/* 0 and the rate, or -ENOENT when the policy says none. */
int xhp_conf_policy_rate(const struct xhp_conf_policy *p, uint64_t *bytes,
			 uint32_t *usecs);
/* The vlan spec (keys.h), or NULL when not said. Borrowed. */
const char *xhp_conf_policy_vlan(const struct xhp_conf_policy *p);

/*
 * A value of the antispoof setting: "off", "auto", "strict" or "on"
 * (strict). Returns enum xhp_antispoof, or -EINVAL with *why.
 */
int xhp_parse_antispoof(const char *s, const char **why);
/* "yes" or "no": 1 or 0, or -EINVAL with *why. */
int xhp_parse_yesno(const char *s, const char **why);

#endif /* XHP_CONF_H */
