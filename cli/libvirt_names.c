// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libvirt's hook drivers, by name and by the path of a hook link (cli.h):
 * in xhp-hotplug, which hands a hook call to xhp-libvirt-hook, and in
 * that.
 */
#include <string.h>

#include "cli.h"

static const char *const drivers[] = { "qemu", "libxl", "lxc", "network" };

const char *cli_libvirt_driver(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strlen(drivers[i]) == len &&
		    !strncmp(drivers[i], name, len))
			return drivers[i];
	return NULL;
}

const char *cli_libvirt_hook_driver(const char *argv0)
{
	const char *end = strrchr(argv0, '/'), *dir, *base;

	if (!end || end == argv0)
		return NULL;
	base = end + 1;
	for (dir = end; dir > argv0 && dir[-1] != '/'; dir--)
		;
	/* .../hooks/qemu.d/NAME */
	if (end - dir > 2 && !strncmp(end - 2, ".d", 2))
		return cli_libvirt_driver(dir, (size_t)(end - 2 - dir));
	/* .../hooks/qemu (the one-script form of libvirt < 6.5) */
	if (end - dir == 5 && !strncmp(dir, "hooks", 5))
		return cli_libvirt_driver(base, strlen(base));
	return NULL;
}
