// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests of the host configuration parser (libxhp/request/conf.c). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static xhp_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	return xhp_ctx_new(&ctx);
}

static int teardown(void **state)
{
	(void)state;
	xhp_ctx_unref(ctx);
	return 0;
}

static struct xhp_conf *parse_ok(const char *text)
{
	struct xhp_conf *c = NULL;
	int r = xhp_conf_parse(ctx, "t.conf", text, strlen(text), &c);

	if (r != 0)
		fail_msg("parse failed: %d %s", r, xhp_ctx_last_error(ctx));
	return c;
}

/* Refused with -EINVAL and a message that is exactly @msg. */
static void parse_bad(const char *text, const char *msg)
{
	struct xhp_conf *c = NULL;
	int r = xhp_conf_parse(ctx, "t.conf", text, strlen(text), &c);

	assert_int_equal(r, -EINVAL);
	assert_null(c);
	assert_string_equal(xhp_ctx_last_error(ctx), msg);
}

static void test_empty_is_default(void **state)
{
	struct xhp_conf *c = parse_ok("# nothing\n\n   \n");

	(void)state;
	assert_int_equal(xhp_conf_antispoof(c), XHP_ANTISPOOF_AUTO);
	assert_int_equal(c->n_policies, 0);
	assert_null(xhp_conf_policy_for(c, "net", "pg", "br0"));
	xhp_conf_free(c);
}

static const char full[] = "# host policy\n"
			   "antispoof = strict\n"
			   "\n"
			   "[policy guests]\n"
			   "antispoof = on\n"
			   "rate = 1250000,50000\n"
			   "isolated = yes\n"
			   "vlan = 10\n"
			   "[policy trusted]\n"
			   "\tantispoof=off  \r\n"
			   "[ portgroup  lan/tenants ]\n"
			   "policy = guests\n"
			   "[network lan]\n"
			   "policy = trusted\n"
			   "[bridge xenbr0]\n"
			   "policy = guests";

static void test_full(void **state)
{
	struct xhp_conf *c = parse_ok(full);
	const struct xhp_conf_policy *g, *t;
	uint64_t bytes = 0;
	uint32_t usecs = 0;

	(void)state;
	assert_int_equal(xhp_conf_antispoof(c), XHP_ANTISPOOF_STRICT);
	g = xhp_conf_policy_find(c, "guests");
	t = xhp_conf_policy_find(c, "trusted");
	assert_non_null(g);
	assert_non_null(t);
	assert_null(xhp_conf_policy_find(c, "nope"));
	assert_int_equal(xhp_conf_policy_antispoof(g), XHP_CONF_YES);
	assert_int_equal(xhp_conf_policy_isolated(g), XHP_CONF_YES);
	assert_int_equal(xhp_conf_policy_rate(g, &bytes, &usecs), 0);
	assert_int_equal(bytes, 1250000);
	assert_int_equal(usecs, 50000);
	assert_string_equal(xhp_conf_policy_vlan(g), "10");
	assert_int_equal(xhp_conf_policy_antispoof(t), XHP_CONF_NO);
	assert_int_equal(xhp_conf_policy_isolated(t), XHP_CONF_UNSET);
	assert_int_equal(xhp_conf_policy_rate(t, &bytes, &usecs), -ENOENT);
	assert_null(xhp_conf_policy_vlan(t));
	/* portgroup wins over network; network over bridge */
	assert_ptr_equal(xhp_conf_policy_for(c, "lan", "tenants", "xenbr0"), g);
	assert_ptr_equal(xhp_conf_policy_for(c, "lan", "other", "xenbr0"), t);
	assert_ptr_equal(xhp_conf_policy_for(c, "lan", NULL, NULL), t);
	assert_ptr_equal(xhp_conf_policy_for(c, "wan", "tenants", "xenbr0"), g);
	assert_ptr_equal(xhp_conf_policy_for(c, NULL, NULL, "xenbr0"), g);
	assert_null(xhp_conf_policy_for(c, "wan", NULL, "xenbr1"));
	assert_null(xhp_conf_policy_for(c, "lan/tenants", NULL, NULL));
	xhp_conf_free(c);
}

static void test_forward_reference(void **state)
{
	struct xhp_conf *c =
		parse_ok("[bridge br0]\npolicy = later\n[policy later]\n");

	(void)state;
	assert_ptr_equal(xhp_conf_policy_for(c, NULL, NULL, "br0"),
			 xhp_conf_policy_find(c, "later"));
	xhp_conf_free(c);
}

/*
 * Many sections (the index, conf_index.h): every one is found by its name,
 * sections of one kind do not answer for another, and a duplicate far
 * down the file is refused at its own line.
 */
#define MANY 9000

static char *many_sections(size_t *len, bool dup)
{
	size_t cap = (size_t)MANY * 96 + 64, n = 0, i;
	char *t = malloc(cap);

	assert_non_null(t);
	for (i = 0; i < MANY; i++)
		n += (size_t)snprintf(t + n, cap - n,
				      "[policy p%zu]\nisolated = %s\n"
				      "[bridge b%zu]\npolicy = p%zu\n"
				      "[portgroup n%zu/g%zu]\npolicy = p%zu\n",
				      i, i % 2 ? "yes" : "no", i, MANY - 1 - i,
				      i % 97, i, i);
	if (dup)
		n += (size_t)snprintf(t + n, cap - n, "[bridge b%u]\n",
				      MANY / 2);
	*len = n;
	return t;
}

static void test_many_sections(void **state)
{
	struct xhp_conf *c = NULL;
	char name[32], net[16], pg[16], msg[80];
	size_t len, i;
	char *t = many_sections(&len, false);

	(void)state;
	assert_true(len <= XHP_CONF_MAX_SIZE);
	assert_int_equal(xhp_conf_parse(ctx, "t.conf", t, len, &c), 0);
	free(t);
	assert_int_equal(c->n_policies, MANY);
	assert_int_equal(c->n_binds, 2 * MANY);
	for (i = 0; i < MANY; i += 7) {
		snprintf(name, sizeof(name), "p%zu", i);
		assert_string_equal(xhp_conf_policy_find(c, name)->name, name);
		assert_int_equal(
			xhp_conf_policy_isolated(xhp_conf_policy_find(c, name)),
			i % 2 ? XHP_CONF_YES : XHP_CONF_NO);
		snprintf(name, sizeof(name), "b%zu", i);
		assert_string_equal(
			xhp_conf_policy_for(c, NULL, NULL, name)->name,
			(snprintf(net, sizeof(net), "p%zu", MANY - 1 - i),
			 net));
		snprintf(net, sizeof(net), "n%zu", i % 97);
		snprintf(pg, sizeof(pg), "g%zu", i);
		snprintf(name, sizeof(name), "p%zu", i);
		assert_string_equal(xhp_conf_policy_for(c, net, pg, "x")->name,
				    name);
	}
	/* A policy's name is not a bridge, a network not a portgroup. */
	assert_null(xhp_conf_policy_for(c, NULL, NULL, "p1"));
	assert_null(xhp_conf_policy_for(c, "n1", NULL, NULL));
	assert_null(xhp_conf_policy_for(c, "n1", "g2", NULL));
	assert_null(xhp_conf_policy_find(c, "b1"));
	xhp_conf_free(c);

	t = many_sections(&len, true);
	c = NULL;
	assert_int_equal(xhp_conf_parse(ctx, "t.conf", t, len, &c), -EINVAL);
	free(t);
	assert_null(c);
	snprintf(msg, sizeof(msg), "t.conf:%u: section given twice: 'b%u'",
		 6 * MANY + 1, MANY / 2);
	assert_string_equal(xhp_ctx_last_error(ctx), msg);
}

static void test_errors(void **state)
{
	(void)state;
	parse_bad(
		"antispoof = maybe\n",
		"t.conf:1: bad antispoof 'maybe': expected off, auto or strict");
	parse_bad("antispoof = on\n",
		  "t.conf:1: bad antispoof 'on': expected off, auto or strict");
	parse_bad("\nrate = 1,2\n",
		  "t.conf:2: unknown global key (antispoof): 'rate'");
	parse_bad("antispoof = off\nantispoof = auto\n",
		  "t.conf:2: key given twice in this section: 'antispoof'");
	parse_bad("[policy p]\nisolated = maybe\n",
		  "t.conf:2: bad isolated 'maybe': expected yes or no");
	parse_bad("[policy p]\nantispoof = strict\n",
		  "t.conf:2: bad antispoof 'strict': expected on or off");
	parse_bad("[policy p]\nrate = 10\n",
		  "t.conf:2: bad rate '10': expected <bytes>,<usecs>");
	parse_bad("[policy p]\nvlan = 4095\n",
		  "t.conf:2: bad vlan '4095': bad VLAN: expected 1..4094");
	parse_bad("[policy p]\nvlan = 0\n",
		  "t.conf:2: bad vlan '0': bad VLAN: expected 1..4094");
	parse_bad("[policy p]\nvlan = 10/20\n",
		  "t.conf:2: bad vlan '10/20': no PVID: mark one VLAN with p");
	parse_bad(
		"[policy p]\ncolour = red\n",
		"t.conf:2: unknown key in a [policy] (antispoof, rate, isolated, vlan): 'colour'");
	parse_bad("[policy p]\n[policy p]\n",
		  "t.conf:2: policy given twice: 'p'");
	parse_bad("[policy p q]\n",
		  "t.conf:1: expected '[KIND NAME]': 'policy p q'");
	parse_bad("[policy]\n", "t.conf:1: expected '[KIND NAME]': 'policy'");
	parse_bad("[policy p\n",
		  "t.conf:1: expected ']' at the end of '[policy p'");
	parse_bad(
		"[zone z]\n",
		"t.conf:1: unknown section (policy, portgroup, network, bridge): 'zone'");
	parse_bad(
		"[policy a/b]\n",
		"t.conf:1: bad policy name (1 to 64 of A-Z a-z 0-9 _ . -) 'a/b'");
	parse_bad("[portgroup lan]\n",
		  "t.conf:1: bad portgroup (NETWORK/PORTGROUP) 'lan'");
	parse_bad("[bridge a:b]\n", "t.conf:1: bad bridge name 'a:b'");
	parse_bad("[network lan]\npolicy = none\n",
		  "t.conf:2: no [policy] named 'none'");
	parse_bad("[policy p]\n[network lan]\n",
		  "t.conf:2: section without 'policy = NAME': 'lan'");
	parse_bad("[network lan]\nrate = 1,1\n",
		  "t.conf:2: unknown key in this section (policy): 'rate'");
	parse_bad(
		"just words\n",
		"t.conf:1: expected 'key = value' or '[section]': 'just words'");
	parse_bad("antispoof =\n", "t.conf:1: empty value of 'antispoof'");
	parse_bad("Anti spoof = on\n", "t.conf:1: bad key 'Anti spoof'");
	parse_bad("antispoof = off\x1b[2J\n",
		  "t.conf:1: control character in the line");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "antispoof = off\0\n";
	struct xhp_conf *c = NULL;

	(void)state;
	assert_int_equal(xhp_conf_parse(ctx, "t.conf", text, sizeof(text) - 1,
					&c),
			 -EINVAL);
	assert_string_equal(xhp_ctx_last_error(ctx),
			    "t.conf:1: NUL byte in the line");
}

static void test_load(void **state)
{
	char path[] = "/tmp/xhp-test-conf-XXXXXX";
	struct xhp_conf *c = NULL;
	char msg[128];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "antispoof = off\n[policy x\n", 26), 26);
	close(fd);
	assert_int_equal(xhp_conf_load(ctx, path, &c), -EINVAL);
	snprintf(msg, sizeof(msg),
		 "%s:2: expected ']' at the end of '[policy x'", path);
	assert_string_equal(xhp_ctx_last_error(ctx), msg);
	/* $XHP_CONFIG names the file */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "antispoof = off\n", 16), 16);
	close(fd);
	setenv("XHP_CONFIG", path, 1);
	assert_int_equal(xhp_conf_load(ctx, NULL, &c), 0);
	assert_int_equal(xhp_conf_antispoof(c), XHP_ANTISPOOF_OFF);
	assert_string_equal(c->path, path);
	c = xhp_conf_free(c);
	unlink(path);
	/* a file named by $XHP_CONFIG must exist */
	assert_int_equal(xhp_conf_load(ctx, NULL, &c), -ENOENT);
	snprintf(msg, sizeof(msg), "cannot open %s: %s", path,
		 strerror(ENOENT));
	assert_string_equal(xhp_ctx_last_error(ctx), msg);
	unsetenv("XHP_CONFIG");
}

/* The shipped example parses, and says what its comments say. */
static void test_example(void **state)
{
	struct xhp_conf *c = NULL;

	(void)state;
	if (xhp_conf_load(ctx, XHP_SOURCE_DIR "/examples/xhp.conf", &c) < 0)
		fail_msg("%s", xhp_ctx_last_error(ctx));
	assert_int_equal(xhp_conf_antispoof(c), XHP_ANTISPOOF_AUTO);
	assert_ptr_equal(xhp_conf_policy_for(c, NULL, NULL, "xenbr0"),
			 xhp_conf_policy_find(c, "tenants"));
	assert_ptr_equal(xhp_conf_policy_for(c, "default", "admins", NULL),
			 xhp_conf_policy_find(c, "trusted"));
	xhp_conf_free(c);
}

static void test_setting_values(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(xhp_parse_antispoof("off", NULL), XHP_ANTISPOOF_OFF);
	assert_int_equal(xhp_parse_antispoof("auto", NULL), XHP_ANTISPOOF_AUTO);
	assert_int_equal(xhp_parse_antispoof("strict", NULL),
			 XHP_ANTISPOOF_STRICT);
	assert_int_equal(xhp_parse_antispoof("on", NULL), XHP_ANTISPOOF_STRICT);
	assert_int_equal(xhp_parse_antispoof("ON", &why), -EINVAL);
	assert_string_equal(why, "expected off, auto, strict or on");
	assert_int_equal(xhp_parse_yesno("yes", NULL), 1);
	assert_int_equal(xhp_parse_yesno("no", NULL), 0);
	assert_int_equal(xhp_parse_yesno("true", &why), -EINVAL);
	assert_string_equal(why, "expected yes or no");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_default),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_forward_reference),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_many_sections),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_setting_values),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
