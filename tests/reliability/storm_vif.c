// SPDX-License-Identifier: LGPL-2.1-or-later
/* The vif side of the storms (storm_vif.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rel.h"
#include "storm_vif.h"
#include "testutil.h"

#define BACKEND "/local/domain/0/backend/vif/%zu/0"

static int put(const struct storm_vif *v, size_t i, const char *key,
	       const char *value)
{
	char p[128];
	int r;

	snprintf(p, sizeof(p), BACKEND "/%s", i + 1, key);
	r = tu_xs_write(v->xs, p, value);
	if (r < 0)
		fprintf(stderr, "xs_write %s: %s\n", p, strerror(-r));
	return r;
}

int storm_vif_setup(const struct storm_vif *v, size_t n)
{
	char dev[32], domid[24];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		snprintf(dev, sizeof(dev), "vif%zu.0", i + 1);
		snprintf(domid, sizeof(domid), "%zu", i + 1);
		if (tu_runl(NULL, "ip", "tuntap", "add", "dev", dev, "mode",
			    "tap", NULL)) {
			fprintf(stderr, "ip tuntap add %s failed\n", dev);
			return -EIO;
		}
		r = put(v, i, "bridge", "br0");
		if (r == 0)
			r = put(v, i, "frontend-id", domid);
		if (r == 0)
			r = put(v, i, "mac", "00:16:3e:00:00:01");
		if (r == 0)
			r = put(v, i, "hotplug-status", "");
		if (r < 0)
			return r;
	}
	return 0;
}

char *storm_vif_get(const struct storm_vif *v, size_t i, const char *key)
{
	char p[128];

	snprintf(p, sizeof(p), BACKEND "/%s", i + 1, key);
	return tu_xs_read(v->xs, p);
}

pid_t storm_vif_spawn(const struct storm_vif *v, size_t i, bool xen, bool add)
{
	char xp[64], vif[32];
	const char *action = add ? "online" : "offline";
	const char *xargv[] = { v->xen_script, action, "type_if=vif", NULL };
	const char *oargv[] = { XHP_CLI, v->personality, action, "type_if=vif",
				NULL };
	const char *env[] = { xp,
			      vif,
			      "XENBUS_TYPE=vif",
			      "XENBUS_BASE_PATH=backend",
			      v->extra_env,
			      NULL };

	snprintf(xp, sizeof(xp), "XENBUS_PATH=backend/vif/%zu/0", i + 1);
	snprintf(vif, sizeof(vif), "vif=vif%zu.0", i + 1);
	return rel_spawn(xen ? xargv : oargv, env, NULL);
}
