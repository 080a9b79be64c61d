/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libxhp: device settings and where they come from.
 *
 * A setting is a key a personality reads to know what to do: bridge,
 * mac, ip, mtu, vifname, rate, vlan, netdev/gatewaydev, params, mode ...
 * Every key has one parser and a list of the sources it may come from,
 * and every personality the same precedence, Xen's (vif-common.sh):
 *
 *   default < environment < arguments < caller < xenstore backend key
 *
 * An empty value counts as absent. Every value is checked by the key's
 * parser whatever its source; a bad value is -EINVAL with a message that
 * names the key, the source and the value, before anything is changed.
 *
 * A caller that has no xenstore (a KVM host, a libvirt hook, a test), or
 * that wants to hand the keys over itself, builds an xhp_settings and
 * passes it in xhp_device_opts: xenstore is then not read for settings.
 */
#ifndef XHP_SETTINGS_H
#define XHP_SETTINGS_H

#include <xhp/common.h>
#include <xhp/ctx.h>

XHP_BEGIN_DECLS

typedef struct xhp_settings xhp_settings;

/* Where a setting's value came from (lowest precedence first). */
enum xhp_source {
	XHP_SOURCE_DEFAULT = 1,
	XHP_SOURCE_ENV = 2,
	XHP_SOURCE_ARGV = 3,
	XHP_SOURCE_CALLER = 4,
	XHP_SOURCE_XENSTORE = 5
};

/*
 * xhp_source_to_string: "default", "environment", "arguments", "caller",
 * "xenstore"; NULL if @source is not one (static strings).
 * Since: 1.1
 */
XHP_EXPORT const char *xhp_source_to_string(int source);

/*
 * xhp_settings_new: an empty set of caller-provided settings. Messages of
 * xhp_settings_set() go to @ctx, which the set keeps a reference of.
 * Returns: 0, -EINVAL, -ENOMEM.
 * Ownership: the caller owns *ret; free with xhp_settings_free().
 * Thread safety: a set is used by one thread at a time; a finished set
 *   may be read by several runs at once.
 * Since: 1.1
 */
XHP_EXPORT int xhp_settings_new(xhp_ctx *ctx, xhp_settings **ret);

/*
 * xhp_settings_set: set @key to @value (copied), replacing an earlier
 * value; @value NULL removes it. The key must be one of the settings
 * table's and allowed from the caller, and the value must pass the key's
 * parser: checked now.
 * Returns: 0, -EINVAL (unknown key, or a bad value: the message on the
 *   set's context names the key and the value), -ENOMEM.
 * Since: 1.1
 */
XHP_EXPORT int xhp_settings_set(xhp_settings *s, const char *key,
				const char *value);

/*
 * xhp_settings_get: the value of @key, or NULL. Borrowed, valid until
 * the key is set again or @s is freed. Since: 1.1
 */
XHP_EXPORT const char *xhp_settings_get(const xhp_settings *s, const char *key);

/* xhp_settings_free: NULL-safe; returns NULL. Since: 1.1 */
XHP_EXPORT xhp_settings *xhp_settings_free(xhp_settings *s);

/*
 * xhp_settings_set_policy: the guest network policy that the host
 * configuration gives a port, set into @s. Reads @conf_path (NULL:
 * $XHP_CONFIG when set, else /etc/xhp/xhp.conf, whose absence means no
 * policy) and looks up [portgroup @network/@portgroup], then [network
 * @network], then [bridge @bridge] (each argument may be NULL). A match
 * sets antispoof (the policy's, else the file's global mode), and
 * isolated, rate and vlan where the policy says them; a setting of @s
 * the policy does not say is left as it was.
 * @ret_policy: may be NULL; on a match, the policy's name (caller frees
 *   it with free()); not written otherwise.
 * Returns: 1 (a policy matched), 0 (none: @s unchanged), -EINVAL (a bad
 *   file: the message on the set's context names the file and line),
 *   -EFBIG, -ENOMEM, or the negative errno of reading the file; after
 *   a failure @s is exactly as it was (the policy's values are set all
 *   together or not at all).
 * Thread safety: as xhp_settings_set().
 * Since: 1.1
 */
XHP_EXPORT int xhp_settings_set_policy(xhp_settings *s, const char *conf_path,
				       const char *network,
				       const char *portgroup,
				       const char *bridge, char **ret_policy);

/*
 * xhp_setting_key_at: the @index-th key of the settings table, or NULL
 * past the end (to list them). Static strings. Since: 1.1
 */
XHP_EXPORT const char *xhp_setting_key_at(unsigned int index);

XHP_END_DECLS

#endif /* XHP_SETTINGS_H */
