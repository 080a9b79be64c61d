// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-hotplug libvirt-hook DRIVER OBJECT OP SUBOP EXTRA: libvirt's hook
 * calling convention (docs/hooks.rst), the domain XML on stdin.
 *
 *   started, reconnect   apply the guest network policy that xhp.conf
 *                        gives each <interface> with a <target dev>
 *   stopped, release     remove it
 *   anything else        nothing; exit 0 with nothing on stdout (so the
 *                        XML of migrate, restore ... stays libvirt's)
 *
 * DRIVER: qemu, libxl, lxc (domains) or network, whose port-created and
 * port-deleted (and every other) operation is accepted and ignored: a
 * network port's XML names no tap. Installed as a link in
 * /etc/libvirt/hooks/<driver>.d/ (libvirt >= 6.5 runs each executable
 * there with OBJECT OP SUBOP EXTRA), or as the file
 * /etc/libvirt/hooks/<driver>, the binary takes DRIVER from that path.
 *
 * Hooks are synchronous and a failure aborts a start: this fails only on
 * a real error, with one line on stderr (and syslog) saying what failed
 * and on which interface; what was applied to the domain's other
 * interfaces in the same run is removed again first.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "libvirt_xml.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define POLICY_PERSONALITY "policy"

/* All of stdin, up to LV_XML_MAX bytes: 0, -EFBIG, or -errno. */
static int read_stdin(char **ret, size_t *ret_len)
{
	size_t len = 0, size = 64 * 1024;
	char *buf = malloc(size), *n;
	ssize_t k;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == size) {
			if (size > LV_XML_MAX)
				break;
			/* One byte past the limit tells it is exceeded. */
			size = size * 2 > LV_XML_MAX ? LV_XML_MAX + 1 :
						       size * 2;
			n = realloc(buf, size);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
		}
		k = read(STDIN_FILENO, buf + len, size - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			k = -errno;
			free(buf);
			return (int)k;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len > LV_XML_MAX) {
		free(buf);
		return -EFBIG;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

struct hook {
	xhp_ctx *ctx;
	const char *what; /* "qemu guest1 started" */
	bool add;
};

/* "network default, portgroup web" ... for messages. */
static void describe_source(char *buf, size_t size, const struct lv_iface *f)
{
	if (f->network && f->portgroup)
		snprintf(buf, size, "network %s portgroup %s", f->network,
			 f->portgroup);
	else if (f->network)
		snprintf(buf, size, "network %s", f->network);
	else if (f->bridge)
		snprintf(buf, size, "bridge %s", f->bridge);
	else
		snprintf(buf, size, "no network or bridge");
}

static int settings_from(xhp_settings *s, const struct lv_iface *f,
			 const char **ret_key)
{
	char ips[LV_MAX_IPS * 256];
	size_t o = 0;
	unsigned int i;
	int r;

	*ret_key = "vifname";
	r = xhp_settings_set(s, "vifname", f->dev);
	if (r == 0 && f->mac) {
		*ret_key = "mac";
		r = xhp_settings_set(s, "mac", f->mac);
	}
	if (r == 0 && f->bridge) {
		*ret_key = "bridge";
		r = xhp_settings_set(s, "bridge", f->bridge);
	}
	for (i = 0; i < f->n_ips; i++)
		o += (size_t)snprintf(ips + o, sizeof(ips) - o, "%s%s",
				      i ? " " : "", f->ips[i]);
	if (r == 0 && f->n_ips) {
		*ret_key = "ip";
		r = xhp_settings_set(s, "ip", ips);
	}
	return r;
}

/*
 * Apply (h->add) or remove the policy of one interface. Returns 1 when
 * the policy personality ran, 0 when there was nothing to do, or -errno
 * with the error said.
 */
static int one_iface(struct hook *h, const struct lv_iface *f)
{
	xhp_device_opts opts = { .size = sizeof(opts) };
	xhp_settings *s = NULL;
	xhp_request *req = NULL;
	xhp_result *res = NULL;
	const char *key = NULL;
	char *policy = NULL;
	char src[600];
	int r;

	describe_source(src, sizeof(src), f);
	r = xhp_settings_new(h->ctx, &s);
	if (r < 0)
		goto fail;
	r = xhp_settings_set_policy(s, NULL, f->network, f->portgroup,
				    f->bridge, &policy);
	if (r < 0)
		goto fail;
	if (r == 0 && h->add) {
		cli_log(LOG_INFO,
			"libvirt-hook %s: interface %s (%s): no policy in xhp.conf: nothing applied",
			h->what, f->dev, src);
		goto out;
	}
	/*
	 * The interface's own <vlan> is libvirt's: it set it on the OVS
	 * port itself (ovs-vsctl add-port ... tag= trunks=), and it
	 * refuses a <vlan> on any connection it cannot give one to. The
	 * policy's vlan is for interfaces without one.
	 */
	if (f->n_tags && xhp_settings_get(s, "vlan")) {
		cli_log(LOG_INFO,
			"libvirt-hook %s: interface %s: its <vlan> in the domain XML wins: the vlan of policy %s is not applied",
			h->what, f->dev, policy ? policy : "(none)");
		xhp_settings_set(s, "vlan", NULL);
	}
	/*
	 * A removal runs with or without a policy: the file may have
	 * changed since the start, and removing nothing is safe.
	 */
	r = settings_from(s, f, &key);
	if (r < 0)
		goto fail;
	r = xhp_request_new(h->ctx, h->add ? XHP_ACTION_ADD : XHP_ACTION_REMOVE,
			    XHP_KIND_TAP, NULL, f->dev, &req);
	if (r < 0)
		goto fail;
	opts.settings = s;
	r = xhp_device_run_ext(h->ctx, POLICY_PERSONALITY, req, &opts, &res);
	if (r < 0)
		goto fail;
	cli_log(LOG_INFO, "libvirt-hook %s: interface %s (%s): policy %s %s",
		h->what, f->dev, src, policy ? policy : "(none)",
		h->add ? "applied" : "removed");
	r = 1;
	goto out;
fail:
	cli_log(LOG_ERR, "libvirt-hook %s: interface %s: %s%s", h->what, f->dev,
		key && !req ? "from the domain XML: " : "",
		xhp_ctx_last_error(h->ctx));
out:
	xhp_result_free(res);
	xhp_request_free(req);
	xhp_settings_free(s);
	free(policy);
	return r;
}

static int run_domain(struct hook *h)
{
	struct lv_domain *d = NULL;
	char why[512];
	size_t len = 0, i, done;
	char *xml = NULL;
	int r;

	r = read_stdin(&xml, &len);
	if (r == -EFBIG) {
		cli_log(LOG_ERR,
			"libvirt-hook %s: the domain XML on stdin is larger than %u bytes (4 MiB)",
			h->what, LV_XML_MAX);
		return EXIT_FAIL;
	}
	if (r < 0) {
		cli_log(LOG_ERR, "libvirt-hook %s: cannot read stdin: %s",
			h->what, strerror(-r));
		return EXIT_FAIL;
	}
	r = lv_domain_parse(xml, len, &d, why, sizeof(why));
	free(xml);
	if (r < 0) {
		cli_log(LOG_ERR, "libvirt-hook %s: bad domain XML on stdin: %s",
			h->what, why);
		return EXIT_FAIL;
	}
	for (i = 0, r = 0; r >= 0 && i < d->n_ifaces; i++)
		if (d->ifaces[i].dev)
			r = one_iface(h, &d->ifaces[i]);
	if (r < 0 && h->add) {
		/* Undo the interfaces before the failed one, last first. */
		done = i - 1;
		h->add = false;
		while (done-- > 0)
			if (d->ifaces[done].dev &&
			    one_iface(h, &d->ifaces[done]) < 0)
				cli_log(LOG_WARNING,
					"libvirt-hook %s: interface %s: could not remove the policy again",
					h->what, d->ifaces[done].dev);
	}
	lv_domain_free(d);
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}

int cli_libvirt_hook(xhp_ctx *ctx, const char *driver, int argc, char **argv)
{
	struct hook h = { .ctx = ctx };
	char what[300];
	const char *op;

	if (argc < 2 || argc > 4) {
		cli_log(LOG_ERR,
			"usage: xhp-hotplug libvirt-hook DRIVER OBJECT OP [SUBOP [EXTRA]] (DRIVER: qemu, libxl, lxc, network), the domain XML on stdin");
		return EXIT_USAGE;
	}
	op = argv[1];
	snprintf(what, sizeof(what), "%.16s %.200s %.32s", driver, argv[0], op);
	for (char *c = what; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	h.what = what;
	/* Network hooks: a port's XML names no tap. */
	if (!strcmp(driver, "network"))
		return EXIT_OK;
	if (!strcmp(op, "started") || !strcmp(op, "reconnect"))
		h.add = true;
	else if (strcmp(op, "stopped") && strcmp(op, "release"))
		return EXIT_OK;
	return run_domain(&h);
}
