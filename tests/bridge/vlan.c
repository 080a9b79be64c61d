// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vlan key on a bridge with vlan_filtering=1: the port gets its VLANs.
 * Kernels built without CONFIG_BRIDGE_VLAN_FILTERING refuse to turn
 * filtering on: then this test says so in one line and is skipped (77).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bt.h"
#include "testutil.h"

static struct bt T;

static void test_vlan_filtering_bridge(void **state)
{
	const char *argv[] = { XHP_CLI, "vif-bridge", "online", "type_if=vif",
			       NULL };
	const char *env[] = { "vif=vif1.0", "XENBUS_PATH=backend/vif/1/0",
			      NULL };
	char *out = NULL;

	bt_xs_write(&T, "backend/vif/1/0/bridge", "br0");
	bt_xs_write(&T, "backend/vif/1/0/vlan", "10p/20-22");
	if (bt_run(argv, env, &out) != 0)
		fail_msg("online failed: %s", out);
	free(out);
	out = NULL;
	assert_int_equal(tu_runl(&out, "bridge", "-j", "vlan", "show", "dev",
				 "vif1.0", NULL),
			 0);
	/* PVID 10 untagged; 20..22 tagged; the default PVID 1 gone. */
	assert_non_null(strstr(out, "\"vlan\":10,\"flags\":[\"PVID\","
				    "\"Egress Untagged\"]"));
	assert_non_null(strstr(out, "\"vlan\":20,\"vlanEnd\":22"));
	assert_null(strstr(out, "\"vlan\":1,"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vlan_filtering_bridge),
	};
	char *out = NULL;
	int r;

	bt_init(&T);
	if (tu_runl(NULL, "ip", "link", "add", "br0", "type", "bridge", NULL) !=
		    0 ||
	    tu_runl(NULL, "ip", "tuntap", "add", "vif1.0", "mode", "tap",
		    NULL) != 0) {
		bt_fini(&T);
		return 1;
	}
	if (tu_runl(&out, "ip", "link", "set", "br0", "type", "bridge",
		    "vlan_filtering", "1", NULL) != 0) {
		char *nl = out ? strchr(out, '\n') : NULL;

		if (nl)
			*nl = '\0';
		printf("SKIP: the kernel refuses bridge vlan_filtering: %s\n",
		       out ? out : "");
		free(out);
		bt_fini(&T);
		return TU_SKIP;
	}
	free(out);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	bt_fini(&T);
	return r;
}
