// SPDX-License-Identifier: LGPL-2.1-or-later
/* Helpers for the vif-bridge tests (see bt.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <xenstore.h>

#include <cmocka.h>

#include "bt.h"
#include "testutil.h"

void bt_init(struct bt *t)
{
	int r;

	tu_require_root("network namespaces, bridges and taps");
	memset(t, 0, sizeof(*t));
	t->xsd = (struct xsd)XSD_INIT;
	r = tu_netns_enter();
	if (r < 0) {
		fprintf(stderr, "cannot enter a network namespace: %s\n",
			strerror(-r));
		exit(1);
	}
	/* Xen's scripts read /sys/class/net: show them this namespace. */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0) {
		perror("mount namespace with a fresh /sys");
		exit(1);
	}
	mkdir("/var/run/xen-hotplug", 0755);
	if (xsd_start(&t->xsd) < 0) {
		perror("xsd_start");
		exit(1);
	}
	t->xs = xs_open(0);
	if (!t->xs || xhp_ctx_new(&t->ctx) < 0 ||
	    xhp_nl_open(t->ctx, &t->nl) < 0) {
		perror("xenstore/netlink");
		xsd_stop(&t->xsd);
		exit(1);
	}
}

void bt_fini(struct bt *t)
{
	if (t->xs)
		xs_close(t->xs);
	xhp_nl_close(t->nl);
	xhp_ctx_unref(t->ctx);
	xsd_stop(&t->xsd);
}

void bt_sh_(const char *file, int line, const char *arg0, ...)
{
	char *out = NULL;
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(&out, NULL, 20000, (const char *const[]){ arg0, NULL }, ap);
	va_end(ap);
	if (r != 0) {
		fprintf(stderr, "%s:%d: %s ... exited %d: %s\n", file, line,
			arg0, r, out ? out : "");
		free(out);
		_fail(file, line);
	}
	free(out);
}

int bt_link(struct bt *t, const char *name, struct xhp_link *ret)
{
	return xhp_nl_link_get(t->ctx, t->nl, name, 0, ret);
}

const char *bt_master(struct bt *t, const struct xhp_link *l)
{
	static struct xhp_link m;

	if (!l->master ||
	    xhp_nl_link_get(t->ctx, t->nl, NULL, l->master, &m) < 0)
		return "";
	return m.name;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

void bt_add_br0_vif(void)
{
	bt_sh("ip", "link", "add", "br0", "type", "bridge");
	bt_sh("ip", "link", "set", "br0", "up");
	bt_sh("ip", "tuntap", "add", "vif1.0", "mode", "tap");
	bt_sh("ip", "link", "set", "vif1.0", "address", "02:11:22:33:44:55");
	bt_sh("ip", "addr", "add", "10.5.0.1/24", "dev", "vif1.0");
}

int bt_count_links(void)
{
	char *out = NULL;
	int n;

	assert_int_equal(tu_runl(&out, "ip", "-o", "link", "show", NULL), 0);
	n = count_lines(out);
	free(out);
	return n;
}

int bt_count_addrs(const char *dev)
{
	char *out = NULL;
	int n;

	assert_int_equal(
		tu_runl(&out, "ip", "-o", "addr", "show", "dev", dev, NULL), 0);
	n = count_lines(out);
	free(out);
	return n;
}

int bt_run(const char *const argv[], const char *const env[], char **out)
{
	char **e = tu_env(NULL, env);
	int r;

	assert_non_null(e);
	r = tu_run((char *const *)argv, e, 30000, out);
	tu_env_free(e);
	return r;
}
