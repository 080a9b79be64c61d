// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vlan key on a bridge with vlan_filtering=1: the port gets its VLANs.
 * Kernels built without CONFIG_BRIDGE_VLAN_FILTERING refuse to turn
 * filtering on with "Operation not supported": then this test says so in
 * one line and is skipped (77); any other failure fails it. The reader of
 * `bridge -j vlan show` is checked first, always, on captured outputs.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bt.h"
#include "testutil.h"

static struct bt T;

#define VLAN_MAX 4094
#define VF_MEMBER 1
#define VF_PVID 2
#define VF_UNTAGGED 4

/* After the key at @p (just past its closing quote): its number. */
static long json_number_after(const char *p)
{
	char *end;
	long v;

	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != ':')
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	v = strtol(p, &end, 10);
	return end == p ? -1 : v;
}

/*
 * Fill @tbl (indexed by VLAN id) with VF_* from the output of `bridge -j
 * vlan show dev X` with or without -c: each VLAN as {"vlan":N,...}, or a
 * range as {"vlan":N,"vlanEnd":M,...}, with "flags":["PVID","Egress
 * Untagged"] when set. Returns the number of entries, or -1 when the text
 * is not that (bad number, range, or a VLAN listed twice).
 */
static int vlan_table(const char *json, unsigned char tbl[VLAN_MAX + 1])
{
	static const char key[] = "\"vlan\"", key_end[] = "\"vlanEnd\"";
	const char *p = json;
	int n = 0;

	memset(tbl, 0, VLAN_MAX + 1);
	while ((p = strstr(p, key))) {
		const char *obj_end = strchr(p, '}'), *e;
		unsigned char flags = VF_MEMBER;
		long first, last, v;
		size_t len;

		if (!obj_end)
			return -1;
		len = (size_t)(obj_end - p);
		first = last = json_number_after(p + strlen(key));
		e = memmem(p, len, key_end, strlen(key_end));
		if (e)
			last = json_number_after(e + strlen(key_end));
		if (first < 1 || last < first || last > VLAN_MAX)
			return -1;
		if (memmem(p, len, "\"PVID\"", 6))
			flags |= VF_PVID;
		if (memmem(p, len, "\"Egress Untagged\"", 17))
			flags |= VF_UNTAGGED;
		for (v = first; v <= last; v++) {
			if (tbl[v])
				return -1;
			tbl[v] = flags;
		}
		n++;
		p = obj_end;
	}
	return n;
}

/*
 * What vlan=10p/20-22 must give the port: PVID 10 untagged, 20..22
 * tagged, nothing else (the default PVID 1 gone). NULL when @json says
 * so, else what is wrong (static).
 */
static const char *vlan_check(const char *json)
{
	static char why[128];
	unsigned char tbl[VLAN_MAX + 1];
	int v;

	if (vlan_table(json, tbl) < 0)
		return "not the output of bridge -j vlan show";
	for (v = 1; v <= VLAN_MAX; v++) {
		unsigned char want = 0;

		if (v == 10)
			want = VF_MEMBER | VF_PVID | VF_UNTAGGED;
		else if (v >= 20 && v <= 22)
			want = VF_MEMBER;
		if (tbl[v] != want) {
			snprintf(why, sizeof(why),
				 "vlan %d: flags %#x, expected %#x", v, tbl[v],
				 want);
			return why;
		}
	}
	return NULL;
}

/* Outputs of iproute2's bridge 6.x for a port with vlan=10p/20-22. */
#define PORT "[{\"ifname\":\"vif1.0\",\"vlans\":["
#define PVID10 "{\"vlan\":10,\"flags\":[\"PVID\",\"Egress Untagged\"]}"
static const char each_vlan[] = PORT PVID10 ",{\"vlan\":20},{\"vlan\":21},"
					    "{\"vlan\":22}]}]\n";
static const char compressed[] = PORT PVID10
	",{\"vlan\":20,\"vlanEnd\":22}]}]\n";
static const char pretty[] =
	"[ {\n    \"ifname\": \"vif1.0\",\n"
	"    \"vlans\": [ {\n"
	"        \"vlan\": 10,\n"
	"        \"flags\": [ \"PVID\",\"Egress Untagged\" ]\n"
	"    },{\n"
	"        \"vlan\": 20,\n"
	"        \"vlanEnd\": 22\n"
	"    } ]\n} ]\n";

static void test_json_good(void **state)
{
	assert_null(vlan_check(each_vlan));
	assert_null(vlan_check(compressed));
	assert_null(vlan_check(pretty));
}

static void test_json_bad(void **state)
{
	static const char *const bad[] = {
		"[]\n",
		/* 21 missing */
		PORT PVID10 ",{\"vlan\":20},{\"vlan\":22}]}]",
		/* the range one short */
		PORT PVID10 ",{\"vlan\":20,\"vlanEnd\":21}]}]",
		/* the default PVID 1 left behind */
		PORT "{\"vlan\":1,\"flags\":[\"PVID\",\"Egress Untagged\"]},"
		     "{\"vlan\":10},{\"vlan\":20,\"vlanEnd\":22}]}]",
		/* 10 tagged, not the PVID */
		PORT "{\"vlan\":10},{\"vlan\":20,\"vlanEnd\":22}]}]",
		/* 21 untagged */
		PORT PVID10 ",{\"vlan\":20},{\"vlan\":21,\"flags\":["
			    "\"Egress Untagged\"]},{\"vlan\":22}]}]",
		/* an extra VLAN */
		PORT PVID10 ",{\"vlan\":20,\"vlanEnd\":22},{\"vlan\":30}]}]",
		/* malformed */
		PORT PVID10 ",{\"vlan\":22,\"vlanEnd\":20}]}]",
		PORT PVID10 ",{\"vlan\":20},{\"vlan\":20,\"vlanEnd\":22}]}]",
		PORT PVID10 ",{\"vlan\":\"20\"}]}]",
		PORT PVID10 ",{\"vlan\":20",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = vlan_check(bad[i]);

		if (!why)
			fail_msg("accepted: %s", bad[i]);
		print_message("rejected (%s)\n", why);
	}
}

static void test_vlan_filtering_bridge(void **state)
{
	const char *argv[] = { XHP_CLI, "vif-bridge", "online", "type_if=vif",
			       NULL };
	const char *env[] = { "vif=vif1.0", "XENBUS_PATH=backend/vif/1/0",
			      NULL };
	const char *why;
	char *out = NULL;

	assert_int_equal(tu_xs_write(T.xs, "backend/vif/1/0/bridge", "br0"), 0);
	assert_int_equal(tu_xs_write(T.xs, "backend/vif/1/0/vlan", "10p/20-22"),
			 0);
	if (bt_run(argv, env, &out) != 0)
		fail_msg("online failed: %s", out);
	free(out);
	/* Each VLAN on its own, then ranges compressed (-c). */
	out = NULL;
	assert_int_equal(tu_runl(&out, "bridge", "-j", "vlan", "show", "dev",
				 "vif1.0", NULL),
			 0);
	why = vlan_check(out);
	if (why)
		fail_msg("bridge -j vlan show: %s: %s", why, out);
	free(out);
	out = NULL;
	assert_int_equal(tu_runl(&out, "bridge", "-c", "-j", "vlan", "show",
				 "dev", "vif1.0", NULL),
			 0);
	why = vlan_check(out);
	if (why)
		fail_msg("bridge -c -j vlan show: %s: %s", why, out);
	free(out);
}

/*
 * Turn vlan_filtering on for br0. Returns 0, TU_SKIP when the kernel
 * lacks it ("Operation not supported", printed), 1 on any other failure.
 */
static int vlan_filtering_on(void)
{
	char *out = NULL, *nl;
	int r;

	r = tu_runl(&out, "ip", "link", "set", "br0", "type", "bridge",
		    "vlan_filtering", "1", NULL);
	if (r == 0) {
		free(out);
		return 0;
	}
	nl = out ? strchr(out, '\n') : NULL;
	if (nl)
		*nl = '\0';
	if (out && strstr(out, "Operation not supported")) {
		printf("SKIP: the kernel refuses bridge vlan_filtering: %s\n",
		       out);
		r = TU_SKIP;
	} else {
		printf("ip link set br0 type bridge vlan_filtering 1 failed "
		       "(%d): %s\n",
		       r, out ? out : "");
		r = 1;
	}
	free(out);
	return r;
}

int main(void)
{
	const struct CMUnitTest json_tests[] = {
		cmocka_unit_test(test_json_good),
		cmocka_unit_test(test_json_bad),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vlan_filtering_bridge),
	};
	int r;

	/* The reader first: it runs even where the kernel part skips. */
	r = cmocka_run_group_tests_name("vlan_json", json_tests, NULL, NULL);
	if (r != 0)
		return r;
	bt_init(&T);
	if (tu_runl(NULL, "ip", "link", "add", "br0", "type", "bridge", NULL) !=
		    0 ||
	    tu_runl(NULL, "ip", "tuntap", "add", "vif1.0", "mode", "tap",
		    NULL) != 0) {
		bt_fini(&T);
		return 1;
	}
	r = vlan_filtering_on();
	if (r != 0) {
		bt_fini(&T);
		return r;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini(&T);
	return r;
}
