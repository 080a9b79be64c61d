// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * link_change.c on a real veth in a throwaway network namespace: every
 * step changes the kernel's link as it says, the undo puts back name,
 * alias, MAC, MTU, up/down, addresses and master exactly, also after a
 * failure at any netlink call of the steps (the fault seam), and keeps
 * the first error's message; a dry run touches nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bt.h"
#include "fault.h"
#include "link_change.h"
#include "testutil.h"

#define DEV "lc0"
#define PEER "lc0p"
#define VIFNAME "lcvif0"
#define MTU_ORIG 1400u
#define MTU_WANT 1450u
#define ALIAS_ORIG "the toolstack's note on lc0, longer than a name"

static const uint8_t mac_orig[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static struct {
	xhp_ctx *ctx;
	struct xhp_nl *nl;
	int br0, br1; /* ifindex of the target and the original master */
	char log[8192]; /* LOG_ERR and LOG_INFO lines, newline separated */
} T;

/* The kernel's view of a link, for comparisons. */
struct snap {
	struct xhp_link l;
	char addrs[1024]; /* "family addr/prefix" lines, sorted */
};

static void log_fn(void *userdata, int priority, const char *message)
{
	size_t n = strlen(T.log);

	(void)userdata;
	if (priority <= LOG_INFO)
		snprintf(T.log + n, sizeof(T.log) - n, "%s\n", message);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `ip -o addr show dev`, reduced to family and address, sorted. */
static void addrs_of(const char *name, char *buf, size_t size)
{
	char *out = NULL, *save = NULL, *line, *lines[32];
	size_t n = 0, i, len = 0;

	assert_int_equal(tu_runl(&out, "ip", "-o", "addr", "show", "dev", name,
				 NULL),
			 0);
	for (line = strtok_r(out, "\n", &save); line && n < 32;
	     line = strtok_r(NULL, "\n", &save)) {
		char fam[16], addr[64];

		/* "7: lc0    inet 10.9.0.1/24 brd ... scope global lc0..." */
		if (sscanf(line, "%*s %*s %15s %63s", fam, addr) != 2)
			continue;
		if (asprintf(&lines[n], "%s %s", fam, addr) < 0)
			fail();
		n++;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(buf + len, size - len, "%s\n",
					lines[i]);
		free(lines[i]);
	}
	free(out);
}

static void snap_take(int ifindex, struct snap *s)
{
	struct xhp_fault *plan = T.ctx->fault;

	T.ctx->fault = NULL; /* not a step of the sweep */
	memset(s, 0, sizeof(*s));
	assert_int_equal(xhp_nl_link_get(T.ctx, T.nl, NULL, ifindex, &s->l), 0);
	addrs_of(s->l.name, s->addrs, sizeof(s->addrs));
	T.ctx->fault = plan;
}

static void snap_equal(const struct snap *a, const struct snap *b)
{
	assert_string_equal(a->l.name, b->l.name);
	assert_string_equal(a->l.alias, b->l.alias);
	assert_memory_equal(a->l.addr, b->l.addr, 6);
	assert_int_equal(a->l.mtu, b->l.mtu);
	assert_int_equal(a->l.flags & IFF_UP, b->l.flags & IFF_UP);
	assert_int_equal(a->l.master, b->l.master);
	assert_string_equal(a->addrs, b->addrs);
}

/* Look lc0 up, take its picture and start recording changes to it. */
static void begin(struct xhp_link_change *lc, struct xhp_link *dev,
		  struct snap *orig, bool dry_run)
{
	assert_int_equal(xhp_nl_link_get(T.ctx, T.nl, DEV, 0, dev), 0);
	snap_take(dev->ifindex, orig);
	xhp_link_change_init(lc, T.ctx, T.nl, dev, dry_run);
}

/* Undo, and the kernel's link is as in @orig again. */
static void undo_to(struct xhp_link_change *lc, const struct snap *orig)
{
	struct snap s;

	xhp_link_change_undo(lc);
	xhp_link_change_clear(lc);
	snap_take(orig->l.ifindex, &s);
	snap_equal(&s, orig);
}

static bool recorded(const struct xhp_link_change *lc)
{
	return lc->downed || lc->renamed || lc->mac_set || lc->mtu_set ||
	       lc->enslaved || lc->brought_up || lc->addrs.n;
}

/* lc0 as a toolstack might leave a vif: up, with a MAC, an MTU, IPv4 and
 * IPv6 addresses, a port of br1. */
static int fixture(void **state)
{
	struct xhp_link l;

	(void)state;
	bt_sh("ip", "link", "add", DEV, "type", "veth", "peer", "name", PEER);
	bt_sh("ip", "link", "set", DEV, "addrgenmode", "none");
	bt_sh("ip", "link", "set", DEV, "address", "02:00:00:00:00:01", "mtu",
	      "1400", "master", "br1");
	/* An alias of its own, which an undone rename must give back. */
	bt_sh("ip", "link", "set", DEV, "alias", ALIAS_ORIG);
	bt_sh("ip", "addr", "add", "10.9.0.1/24", "dev", DEV);
	bt_sh("ip", "addr", "add", "10.9.1.1/16", "dev", DEV);
	bt_sh("ip", "addr", "add", "2001:db8::1/64", "dev", DEV, "nodad");
	bt_sh("ip", "link", "set", DEV, "up");
	bt_sh("ip", "link", "set", PEER, "up");
	assert_int_equal(xhp_nl_link_get(T.ctx, T.nl, DEV, 0, &l), 0);
	assert_int_equal(l.master, T.br1);
	T.log[0] = '\0';
	xhp_clear_error(T.ctx);
	return 0;
}

static int fixture_gone(void **state)
{
	(void)state;
	/* Under whichever name a failing test left it. */
	tu_runl(NULL, "ip", "link", "del", DEV, NULL);
	tu_runl(NULL, "ip", "link", "del", VIFNAME, NULL);
	tu_runl(NULL, "ip", "link", "del", "lcblock", NULL);
	T.ctx->fault = NULL;
	return 0;
}

/* What a vif-bridge add does to the link; stops at the first error. */
static int all_steps(struct xhp_link_change *lc, unsigned int flags)
{
	int r;

	r = xhp_link_change_prepare(lc, VIFNAME, flags);
	if (r >= 0)
		r = xhp_link_change_set_mtu(lc, MTU_WANT);
	if (r >= 0)
		r = xhp_link_change_set_master(lc, T.br0, "br0");
	if (r >= 0)
		r = xhp_link_change_up(lc);
	return r;
}

static void test_steps_and_undo(void **state)
{
	struct xhp_link_change lc;
	struct xhp_link dev;
	struct snap orig, s;

	(void)state;
	begin(&lc, &dev, &orig, false);

	assert_int_equal(xhp_link_change_flush_addrs(&lc), 0);
	snap_take(dev.ifindex, &s);
	assert_string_equal(s.addrs, "");
	assert_int_equal(lc.addrs.n, 3);

	assert_int_equal(xhp_link_change_down(&lc), 0);
	snap_take(dev.ifindex, &s);
	assert_false(s.l.flags & IFF_UP);
	assert_true(lc.downed);

	assert_int_equal(xhp_link_change_rename(&lc, VIFNAME), 0);
	snap_take(dev.ifindex, &s);
	assert_string_equal(s.l.name, VIFNAME);
	assert_string_equal(s.l.alias, DEV); /* the mark of vifname.c */
	assert_string_equal(dev.name, VIFNAME);

	assert_int_equal(xhp_link_change_set_mac(&lc, xhp_link_dummy_mac), 0);
	snap_take(dev.ifindex, &s);
	assert_memory_equal(s.l.addr, xhp_link_dummy_mac, 6);

	assert_int_equal(xhp_link_change_set_mtu(&lc, MTU_WANT), 0);
	snap_take(dev.ifindex, &s);
	assert_int_equal(s.l.mtu, MTU_WANT);

	assert_int_equal(xhp_link_change_set_master(&lc, T.br0, "br0"), 0);
	snap_take(dev.ifindex, &s);
	assert_int_equal(s.l.master, T.br0);

	assert_int_equal(xhp_link_change_up(&lc), 0);
	snap_take(dev.ifindex, &s);
	assert_true(s.l.flags & IFF_UP);
	assert_true(lc.brought_up);

	undo_to(&lc, &orig);
	/* The caller's link follows, and nothing is left to undo. */
	assert_string_equal(orig.l.alias, ALIAS_ORIG);
	assert_string_equal(dev.name, DEV);
	assert_string_equal(dev.alias, ALIAS_ORIG);
	assert_int_equal(dev.mtu, MTU_ORIG);
	assert_memory_equal(dev.addr, mac_orig, 6);
	assert_null(strstr(T.log, "undo:"));
	assert_false(recorded(&lc));
	undo_to(&lc, &orig);
}

/* A step that finds the link as wanted changes and records nothing. */
static void test_nothing_to_do(void **state)
{
	struct xhp_link_change lc;
	struct xhp_link dev;
	struct snap orig;

	(void)state;
	begin(&lc, &dev, &orig, false);
	assert_int_equal(xhp_link_change_rename(&lc, DEV), 0);
	assert_int_equal(xhp_link_change_set_mac(&lc, mac_orig), 0);
	assert_int_equal(xhp_link_change_set_mtu(&lc, MTU_ORIG), 0);
	assert_int_equal(xhp_link_change_set_master(&lc, T.br1, "br1"), 0);
	assert_int_equal(xhp_link_change_up(&lc), 0);
	assert_false(recorded(&lc));
	undo_to(&lc, &orig);
}

static void test_dry_run(void **state)
{
	struct xhp_link_change lc;
	struct xhp_link dev;
	struct snap orig, s;

	(void)state;
	begin(&lc, &dev, &orig, true);
	assert_int_equal(all_steps(&lc, 0), 0);
	snap_take(dev.ifindex, &s);
	snap_equal(&s, &orig);
	/* The caller sees the link as it would be. */
	assert_string_equal(dev.name, VIFNAME);
	assert_int_equal(dev.mtu, MTU_WANT);
	assert_int_equal(dev.master, T.br0);
	assert_non_null(strstr(T.log, "dry run: would bring " DEV " down"));
	assert_non_null(
		strstr(T.log, "dry run: would rename " DEV " to " VIFNAME));
	assert_non_null(strstr(T.log, "dry run: would set the MAC of " VIFNAME
				      " to fe:ff:ff:ff:ff:ff"));
	assert_non_null(
		strstr(T.log, "dry run: would add " VIFNAME " to bridge br0"));
	assert_false(recorded(&lc));
	undo_to(&lc, &orig);
}

/*
 * Each netlink call of the steps failing in turn (the fault seam): the
 * steps fail, the undo puts the link back exactly, and the message is
 * still the failed step's.
 */
static void test_fault_sweep(void **state)
{
	struct snap orig;
	unsigned int n, failed = 0;

	(void)state;
	for (n = 1;; n++) {
		struct xhp_fault plan = { .fail_at = n };
		struct xhp_link_change lc;
		struct xhp_link dev;
		char first[XHP_ERR_MAX];
		int r;

		plan.err[XHP_FAULT_NL] = ENOBUFS;
		begin(&lc, &dev, &orig, false);
		xhp_clear_error(T.ctx);
		T.ctx->fault = &plan;
		r = all_steps(&lc, 0);
		if (!plan.hits) {
			/* Past the last call: the steps went through. */
			T.ctx->fault = NULL;
			assert_int_equal(r, 0);
			undo_to(&lc, &orig);
			break;
		}
		if (r != -ENOBUFS)
			fail_msg("call %u (%s): returned %d", n, plan.step, r);
		snprintf(first, sizeof(first), "%s", xhp_ctx_last_error(T.ctx));
		assert_non_null(strstr(first, "No buffer space available"));
		T.ctx->fault = NULL;
		undo_to(&lc, &orig);
		assert_string_equal(xhp_ctx_last_error(T.ctx), first);
		failed++;
	}
	/* down, rename, MAC, two address dumps, three deletes, MTU,
	 * master, up: every one of them failed once. */
	assert_true(failed >= 11);
}

/* The undo carries on past its own failures and logs them, and the
 * context keeps the first error. */
static void test_undo_failure_keeps_first_error(void **state)
{
	struct xhp_link_change lc;
	struct xhp_link dev;
	struct snap orig, s;
	int r;

	(void)state;
	begin(&lc, &dev, &orig, false);
	assert_int_equal(xhp_link_change_prepare(&lc, VIFNAME, 0), 0);
	assert_int_equal(xhp_link_change_set_mtu(&lc, MTU_WANT), 0);
	/* The first error: a master that does not exist. */
	r = xhp_link_change_set_master(&lc, 0x7ffffff0, "nosuchbr");
	assert_int_equal(r, -EINVAL); /* the kernel's answer */
	assert_non_null(strstr(xhp_ctx_last_error(T.ctx), "enslave"));
	assert_non_null(strstr(xhp_ctx_last_error(T.ctx), VIFNAME));
	/* Another link took the old name: the rename back must fail. */
	bt_sh("ip", "link", "add", DEV, "type", "veth", "peer", "name",
	      "lcblock");
	xhp_link_change_undo(&lc);
	assert_non_null(strstr(xhp_ctx_last_error(T.ctx), "enslave"));
	assert_null(strstr(xhp_ctx_last_error(T.ctx), "rename"));
	assert_non_null(strstr(T.log, "undo: cannot rename " VIFNAME));
	/* Everything else was put back, and the link is up again. */
	snap_take(dev.ifindex, &s);
	assert_string_equal(s.l.name, VIFNAME);
	assert_memory_equal(s.l.addr, orig.l.addr, 6);
	assert_int_equal(s.l.mtu, orig.l.mtu);
	assert_int_equal(s.l.master, orig.l.master);
	assert_string_equal(s.addrs, orig.addrs);
	assert_true(s.l.flags & IFF_UP);
	xhp_link_change_clear(&lc);
}

/* Xen's vif-openvswitch ignores a refused MAC; the error stays clean. */
static void test_mac_best_effort(void **state)
{
	/* Flushed, down and renamed first, a prepare's calls are the two
	 * address dumps of its flush, then the MAC. */
	struct xhp_fault plan = { .fail_at = 3 };
	struct xhp_link_change lc;
	struct xhp_link dev;
	struct snap orig, s;

	(void)state;
	plan.err[XHP_FAULT_NL] = EADDRNOTAVAIL;
	begin(&lc, &dev, &orig, false);
	assert_int_equal(xhp_link_change_flush_addrs(&lc), 0);
	assert_int_equal(xhp_link_change_down(&lc), 0);
	assert_int_equal(xhp_link_change_rename(&lc, VIFNAME), 0);
	T.ctx->fault = &plan;
	assert_int_equal(
		xhp_link_change_prepare(&lc, VIFNAME,
					XHP_LINK_PREPARE_MAC_BEST_EFFORT),
		0);
	T.ctx->fault = NULL;
	assert_int_equal(plan.hits, 1);
	assert_string_equal(plan.step, "RTM_SETLINK address");
	assert_string_equal(xhp_ctx_last_error(T.ctx), "");
	assert_false(lc.mac_set);
	snap_take(dev.ifindex, &s);
	assert_memory_equal(s.l.addr, mac_orig, 6);
	assert_string_equal(s.l.name, VIFNAME);
	assert_string_equal(s.addrs, "");
	undo_to(&lc, &orig);
}

/* ALWAYS_DOWN sends the down to a link found down, and the undo leaves
 * it down. */
static void test_always_down(void **state)
{
	/* Two address dumps of the flush, then the down. */
	struct xhp_fault plan = { .fail_at = 3 };
	struct xhp_link_change lc;
	struct xhp_link dev;
	struct snap orig;

	(void)state;
	bt_sh("ip", "link", "set", DEV, "down");
	bt_sh("ip", "addr", "flush", "dev", DEV);
	begin(&lc, &dev, &orig, false);
	plan.err[XHP_FAULT_NL] = ENOBUFS;
	T.ctx->fault = &plan;
	assert_int_equal(xhp_link_change_prepare(&lc, VIFNAME,
						 XHP_LINK_PREPARE_ALWAYS_DOWN),
			 -ENOBUFS);
	T.ctx->fault = NULL;
	assert_non_null(strstr(xhp_ctx_last_error(T.ctx), "bring down"));
	undo_to(&lc, &orig);
	/* Without the flag, a link found down gets no down. */
	plan = (struct xhp_fault){ .fail_at = 3 };
	plan.err[XHP_FAULT_NL] = ENOBUFS;
	T.ctx->fault = &plan;
	xhp_link_change_init(&lc, T.ctx, T.nl, &dev, false);
	assert_int_equal(xhp_link_change_prepare(&lc, VIFNAME, 0), -ENOBUFS);
	T.ctx->fault = NULL;
	assert_non_null(strstr(xhp_ctx_last_error(T.ctx), "rename"));
	undo_to(&lc, &orig);
	/* Fully: the link was down, and stays so after the undo. */
	xhp_link_change_init(&lc, T.ctx, T.nl, &dev, false);
	assert_int_equal(all_steps(&lc, XHP_LINK_PREPARE_ALWAYS_DOWN), 0);
	assert_false(lc.downed);
	undo_to(&lc, &orig);
	assert_false(orig.l.flags & IFF_UP);
}

static int group_setup(void **state)
{
	struct xhp_link l;

	(void)state;
	tu_require_root("link_change needs a network namespace");
	if (tu_netns_enter() < 0)
		fail_msg("cannot enter a network namespace");
	assert_int_equal(xhp_ctx_new(&T.ctx), 0);
	assert_int_equal(xhp_ctx_set_log_fn(T.ctx, log_fn, NULL), 0);
	assert_int_equal(xhp_ctx_set_log_priority(T.ctx, LOG_DEBUG), 0);
	assert_int_equal(xhp_nl_open(T.ctx, &T.nl), 0);
	bt_sh("ip", "link", "add", "br0", "type", "bridge");
	bt_sh("ip", "link", "add", "br1", "type", "bridge");
	assert_int_equal(xhp_nl_link_get(T.ctx, T.nl, "br0", 0, &l), 0);
	T.br0 = l.ifindex;
	assert_int_equal(xhp_nl_link_get(T.ctx, T.nl, "br1", 0, &l), 0);
	T.br1 = l.ifindex;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_runl(NULL, "ip", "link", "del", "br0", NULL);
	tu_runl(NULL, "ip", "link", "del", "br1", NULL);
	xhp_nl_close(T.nl);
	xhp_ctx_unref(T.ctx);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_steps_and_undo, fixture,
						fixture_gone),
		cmocka_unit_test_setup_teardown(test_nothing_to_do, fixture,
						fixture_gone),
		cmocka_unit_test_setup_teardown(test_dry_run, fixture,
						fixture_gone),
		cmocka_unit_test_setup_teardown(test_fault_sweep, fixture,
						fixture_gone),
		cmocka_unit_test_setup_teardown(
			test_undo_failure_keeps_first_error, fixture,
			fixture_gone),
		cmocka_unit_test_setup_teardown(test_mac_best_effort, fixture,
						fixture_gone),
		cmocka_unit_test_setup_teardown(test_always_down, fixture,
						fixture_gone),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
