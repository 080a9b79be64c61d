/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vif side of the storms: device i is the tap vif<D>.0 of domain
 * D = i + 1, with the backend /local/domain/0/backend/vif/<D>/0 (bridge
 * br0, frontend-id, mac, an empty hotplug-status), brought online or
 * offline by Xen's script or by our CLI under the script's name.
 */
#ifndef XHP_STORM_VIF_H
#define XHP_STORM_VIF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <xenstore.h>

struct storm_vif {
	struct xs_handle *xs;
	const char *xen_script; /* path of Xen's script */
	const char *personality; /* our CLI's name for it */
	const char *extra_env; /* one more "K=V" for both, or NULL */
};

/* Make the @n taps and their backends. 0, or -errno (which step: stderr). */
int storm_vif_setup(const struct storm_vif *v, size_t n);

/* <backend of device i>/<key>, or NULL (caller frees). */
char *storm_vif_get(const struct storm_vif *v, size_t i, const char *key);

/* Start the online (@add) or offline of device @i: a pid or -errno. */
pid_t storm_vif_spawn(const struct storm_vif *v, size_t i, bool xen, bool add);

#endif
