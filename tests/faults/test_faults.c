// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Fault injection sweep of every personality's add (sweep.h):
 *
 *   test-faults PERSONALITY    vif-bridge, vif-route, vif-openvswitch,
 *                              block; vif-route-vifname (the vif renamed
 *                              to its vifname key first)
 *
 * Each runs in its own process: a throwaway network namespace (and mount
 * namespace), the test xenstored, real bridges and taps, the private OVS
 * daemons, real loop devices on image files (always detached).
 * SWEEP_VERBOSE=1 prints every step and its message.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "blocktest.h"
#include "nft_policy.h"
#include "ovs_harness.h"
#include "route_util.h"
#include "sweep.h"
#include "testutil.h"
#include "xsd_harness.h"

static struct xsd xsd = XSD_INIT;
static struct ovsd ovs;

static void die(const char *what)
{
	fprintf(stderr, "set-up: %s: %s\n", what, strerror(errno));
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	exit(1);
}

static void sh_(const char *const argv[])
{
	char *out = NULL;

	if (tu_run((char *const *)argv, NULL, 20000, &out) != 0) {
		fprintf(stderr, "set-up: %s %s: %s\n", argv[0], argv[1],
			out ? out : "");
		errno = EIO;
		die(argv[0]);
	}
	free(out);
}

#define SH(...) sh_((const char *const[]){ __VA_ARGS__, NULL })

static void xs_put(const char *path, const char *value)
{
	if (tu_xs_write(NULL, path, value) < 0)
		die(path);
}

/* A network namespace with this namespace's /sys, and the xenstored. */
static void net_init(void)
{
	if (tu_netns_enter() < 0)
		die("network namespace");
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		die("mount namespace with a fresh /sys");
	if (xsd_start(&xsd) < 0)
		die("xsd_start");
}

/* The tap netback would make, with an address for the add to flush. */
static void tap(const char *name)
{
	SH("ip", "tuntap", "add", "dev", name, "mode", "tap");
	SH("ip", "link", "set", name, "address", "02:11:22:33:44:55");
	SH("ip", "addr", "add", "192.0.2.7/24", "dev", name);
}

#define VIF_BE "/local/domain/0/backend/vif/1/0"
#define VM_UUID "4b1c2f5e-0d7a-4e4c-9a35-8d1f0c2b7e11"

static void vif_keys(void)
{
	xs_put(VIF_BE "/frontend-id", "1");
	xs_put(VIF_BE "/mac", "00:16:3e:12:34:56");
	xs_put(VIF_BE "/online", "1");
	xs_put(VIF_BE "/vifname", "guest0");
	xs_put("/local/domain/1/vm", "/vm/" VM_UUID);
	xs_put("/vm/" VM_UUID "/name", "guest1");
	xs_put("/vm/" VM_UUID "/uuid", VM_UUID);
	xs_put("/local/domain/1/device/vif/0/state", "1");
}

/* netback's part: the vif goes away with the domain, a fresh one comes. */
static void vif_restore(void)
{
	tu_runl(NULL, "ip", "link", "del", "guest0", NULL);
	tu_runl(NULL, "ip", "link", "del", "vif1.0", NULL);
	tap("vif1.0");
	tu_xs_rm(NULL, "/local/domain/1/device/vif/0/mtu");
}

static const char *const vif_argv[] = { "type_if=vif", NULL };
/* vif-bridge with the guest policy: anti-spoofing (mac and ip in the
 * backend: auto) and the port isolated. */
static const char *const bridge_argv[] = { "type_if=vif", "isolated=yes",
					   NULL };

/* The guest policy's state: the nf_tables tables of the namespace (the
 * shards are made before the sweep, so that only the device's chains
 * come and go) and the bridge ports' flags (isolated). */
static void policy_snapshot(char **buf)
{
	/* stateless: the shared chains' counters count every device's
	 * frames, which come and go with the sweep's links */
	static const char *const nft[] = { "nft",     "-s",	"list",
					   "ruleset", "netdev", NULL };
	static const char *const ports[] = { "bridge", "-d", "link", "show",
					     NULL };

	sw_append(buf, "## nf_tables\n");
	sw_cmd(buf, nft);
	sw_append(buf, "## bridge ports\n");
	sw_cmd(buf, ports);
}

/* The shared chain of the shard of @name made before the sweep (a
 * device's policy makes it in its shard's table, and it stays:
 * nft_policy.h), by a policy put on @name and taken off. Only the
 * sweep's devices' shards: every snapshot lists the tables. */
static void nft_shared(const char *name)
{
	const struct xhp_nft_policy p = {
		.antispoof = true, .mac = { 0x00, 0x16, 0x3e, 0, 0, 1 }
	};
	struct xhp_nft *nft = NULL;
	xhp_ctx *ctx = NULL;

	if (xhp_ctx_new(&ctx) < 0 || xhp_nft_open(ctx, &nft) < 0 ||
	    xhp_nft_dev_apply(ctx, nft, name, &p) < 0 ||
	    xhp_nft_dev_remove(ctx, nft, name) < 0)
		die(ctx ? xhp_ctx_last_error(ctx) : "nf_tables");
	xhp_nft_close(nft);
	xhp_ctx_unref(ctx);
}

/* Every shard's table made before the sweep (nft.h: they are made when
 * needed and never deleted), and the shared chain of the shards of @dev
 * and @other (NULL: none), so that only the device's chains come and
 * go. */
static void nft_tables(const char *dev, const char *other)
{
	char path[] = "/tmp/xhp-faults-nft-XXXXXX";
	FILE *f;
	int fd, i;

	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		die("nft tables file");
	for (i = 0; i < XHP_NFT_SHARDS; i++)
		fprintf(f, "add table netdev %s%02x\n", XHP_NFT_TABLE_PREFIX,
			i);
	fclose(f);
	SH("nft", "-f", path);
	unlink(path);
	nft_shared(dev);
	if (other)
		nft_shared(other);
}

static int sweep_bridge(void)
{
	/* the policy's steps: its socket, its batch, the isolation */
	static const char *const bridge_must[] = {
		"nf_tables netlink socket#1",
		"nf_tables batch#1",
		"RTM_SETLINK protinfo#1",
		NULL,
	};
	static const char *const env[] = {
		"vif=vif1.0",
		"XENBUS_PATH=backend/vif/1/0",
		"XENBUS_TYPE=vif",
		"XENBUS_BASE_PATH=backend",
		"script=/etc/xen/scripts/vif-bridge",
		NULL,
	};
	const struct sweep s = {
		.personality = "vif-bridge",
		.backend = VIF_BE,
		.add_action = "online",
		.remove_action = "offline",
		.argv_extra = bridge_argv,
		.env = env,
		.dev = "vif1.0",
		.vifname = "guest0",
		.bridge = "br0",
		.restore = vif_restore,
		.must_fail = bridge_must,
		.snapshot = policy_snapshot,
	};
	int r;

	net_init();
	SH("ip", "link", "add", "br0", "type", "bridge");
	/* A set address: the bridge's own would follow its ports. */
	SH("ip", "link", "set", "br0", "address", "02:00:00:00:00:01");
	SH("ip", "link", "set", "br0", "up");
	tap("vif1.0");
	vif_keys();
	xs_put(VIF_BE "/bridge", "br0");
	xs_put(VIF_BE "/mtu", "1400");
	xs_put(VIF_BE "/ip", "192.0.2.10 2001:db8::10");
	nft_tables("vif1.0", "guest0"); /* renamed: vif_keys() */
	r = sweep_run(&s);
	xsd_stop(&xsd);
	return r;
}

/* vif-route: the sysctls of the shared devices, which it must not touch,
 * and of the vif under its vifname. */
#define RU_VIFNAME "guest3"

static void route_snapshot(char **buf)
{
	static const char *const devs[] = { RU_GW, "all", "default",
					    RU_VIFNAME };

	sw_append(buf, "## sysctls\n");
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		sw_sysctl(buf, "ipv4", devs[i], "proxy_arp");
		sw_sysctl(buf, "ipv4", devs[i], "forwarding");
		sw_sysctl(buf, "ipv6", devs[i], "proxy_ndp");
		sw_sysctl(buf, "ipv6", devs[i], "forwarding");
	}
	policy_snapshot(buf);
}

/* netback's part: the vif goes with the domain, a fresh one comes (with
 * a set MAC: the snapshots compare links). */
static void route_vif_new(void)
{
	SH("ip", "tuntap", "add", "dev", RU_VIF, "mode", "tap");
	SH("ip", "link", "set", RU_VIF, "address", "02:11:22:33:44:66");
}

static void route_restore(void)
{
	tu_runl(NULL, "ip", "link", "del", RU_VIFNAME, NULL);
	tu_runl(NULL, "ip", "link", "del", RU_VIF, NULL);
	route_vif_new();
}

/*
 * @vifname: the vif renamed to RU_VIFNAME first (vif-common.sh), the
 * rename undone by a failed add; a fresh vif after each remove.
 */
static int sweep_route(bool vifname)
{
	static const char *const env[] = {
		"vif=" RU_VIF,	    "XENBUS_PATH=" RU_BACKEND,
		"XENBUS_TYPE=vif",  "XENBUS_BASE_PATH=backend",
		"script=vif-route", NULL,
	};
	/* The advisory reads of the gateway's IPv6 settings (a warning
	 * when the proxy entries cannot answer): nothing to fail for. */
	static const char *const tolerated[] = {
		"sysctl read ipv6/" RU_GW "/forwarding#1",
		"sysctl read ipv6/" RU_GW "/proxy_ndp#1",
		"sysctl read ipv6/all/proxy_ndp#1",
		NULL,
	};
	/* Steps that must go through the seam, so that the sweep fails
	 * them: each sysctl read and write, the rename and the link up. */
	static const char *const must[] = {
		"sysctl read ipv4/" RU_VIF "/proxy_arp#1",
		"sysctl write ipv4/" RU_VIF "/proxy_arp#1",
		"sysctl read ipv6/" RU_VIF "/proxy_ndp#1",
		"sysctl write ipv6/" RU_VIF "/proxy_ndp#1",
		"RTM_NEWADDR#1",
		"RTM_SETLINK up#1",
		"RTM_NEWROUTE#2",
		"RTM_NEWNEIGH#1",
		"nf_tables batch#1",
		NULL,
	};
	static const char *const must_vifname[] = {
		"sysctl read ipv4/" RU_VIFNAME "/proxy_arp#1",
		"sysctl write ipv4/" RU_VIFNAME "/proxy_arp#1",
		"sysctl read ipv6/" RU_VIFNAME "/proxy_ndp#1",
		"sysctl write ipv6/" RU_VIFNAME "/proxy_ndp#1",
		"RTM_SETLINK name#1", /* the rename */
		"RTM_NEWADDR#1",
		"RTM_SETLINK up#1",
		"RTM_NEWROUTE#2",
		"RTM_NEWNEIGH#1",
		"nf_tables batch#1",
		NULL,
	};
	struct sweep s = {
		.personality = "vif-route",
		.backend = RU_BACKEND_ABS,
		.add_action = "online",
		.remove_action = "offline",
		.argv_extra = vif_argv,
		.env = env,
		.dev = RU_VIF,
		.tolerated = tolerated,
		.must_fail = vifname ? must_vifname : must,
		.snapshot = route_snapshot,
	};
	struct ru_env e;
	int r;

	if (ru_setup(&e, true, true) < 0 ||
	    tu_xs_write(NULL, RU_KEY("ip"), "10.0.0.5 2001:db8:1::5") < 0 ||
	    tu_xs_write(NULL, RU_KEY("mac"), "00:16:3e:12:34:57") < 0)
		die("vif-route set-up");
	nft_tables(RU_VIF, vifname ? RU_VIFNAME : NULL);
	if (vifname) {
		route_vif_new();
		if (tu_xs_write(NULL, RU_KEY("vifname"), RU_VIFNAME) < 0)
			die("vif-route set-up");
		s.restore = route_restore;
		s.vifname = RU_VIFNAME;
	} else if (ru_tap(RU_VIF) < 0) {
		die("vif-route set-up");
	}
	r = sweep_run(&s);
	ru_teardown(&e);
	return r;
}

static void ovs_snapshot(char **buf)
{
	static const char *const q[][6] = {
		{ "--format=csv",
		  "--columns=name,tag,trunks,vlan_mode,"
		  "external_ids,other_config",
		  "list", "Port", NULL },
		{ "--format=csv", "--columns=name,external_ids,other_config",
		  "list", "Interface", NULL },
		{ "list-ports", "br0", NULL },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char *out = NULL;
		int r = ovsd_vsctl(&ovs, &out, q[i][0], q[i][1], q[i][2],
				   q[i][3], q[i][4], NULL);

		sw_append(buf, "## ovs %s (%d)\n%s", q[i][0], r,
			  out ? out : "");
		free(out);
	}
}

static int sweep_ovs(void)
{
	/* The dummy MAC: Xen's `ip link set address ... || true`. */
	static const char *const tolerated[] = { "RTM_SETLINK address#1",
						 NULL };
	static const char *const env[] = {
		"vif=vif1.0",
		"XENBUS_PATH=backend/vif/1/0",
		"XENBUS_TYPE=vif",
		"XENBUS_BASE_PATH=backend",
		"script=/etc/xen/scripts/vif-openvswitch",
		NULL,
	};
	const struct sweep s = {
		.personality = "vif-openvswitch",
		.backend = VIF_BE,
		.add_action = "online",
		.remove_action = "offline",
		.argv_extra = vif_argv,
		.env = env,
		.dev = "vif1.0",
		.vifname = "guest0",
		.restore = vif_restore,
		.tolerated = tolerated,
		.snapshot = ovs_snapshot,
	};
	int r;

	net_init();
	if (ovsd_start(&ovs, true) < 0 || ovsd_add_bridge(&ovs, "br0") < 0)
		die("ovs daemons");
	tap("vif1.0");
	vif_keys();
	xs_put(VIF_BE "/bridge", "br0.5");
	xs_put(VIF_BE "/vlan", "5p/7-8");
	r = sweep_run(&s);
	ovsd_stop(&ovs);
	xsd_stop(&xsd);
	return r;
}

static char block_bp[128];

/* The toolstack's part: the keys of the report go with the backend. */
static void block_restore(void)
{
	static const char *const keys[] = { "node", "physical-device",
					    "physical-device-path", "diskseq",
					    NULL };
	char path[256];

	for (size_t i = 0; keys[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", block_bp, keys[i]);
		tu_xs_rm(bt_xs(), path);
	}
}

/* One sweep of the block add: backend @fe, @params in @mode. */
static int sweep_block_one(const char *what, unsigned int fe,
			   const char *params, const char *mode,
			   const char *type, const char *vm)
{
	/* An unreadable direct-io-safe means buffered I/O, the safe way. */
	static char dio[192];
	static const char *const tolerated[] = { dio, NULL };
	static char xp[160];
	static const char *env[] = {
		xp,
		"XENBUS_TYPE=vbd",
		"XENBUS_BASE_PATH=backend",
		"script=/etc/xen/scripts/block",
		NULL,
	};
	static const char *const no_argv[] = { NULL };
	char bp[128], be[192];
	struct sweep s = {
		.personality = "block",
		.add_action = "add",
		.remove_action = "remove",
		.argv_extra = no_argv,
		.env = env,
		.restore = block_restore,
		.tolerated = tolerated,
		.system_locks = true,
	};

	bt_backend(bp, sizeof(bp), fe, 51712, params, mode, type, vm);
	snprintf(xp, sizeof(xp), "XENBUS_PATH=%s", bp);
	snprintf(dio, sizeof(dio), "xs_read %s/direct-io-safe#1", bp);
	snprintf(block_bp, sizeof(block_bp), "%s", bp);
	snprintf(be, sizeof(be), "/local/domain/0/%s", bp);
	s.backend = be;
	s.loop_prefix = bt_dir();
	printf("%s, mode %s: ", what, mode);
	fflush(stdout);
	return sweep_run(&s);
}

/*
 * The block add of a file and of a device, read-only and read-write,
 * each with a sharer the sharing check must read (and allow).
 */
static int sweep_block(void)
{
	char other[128], vm2[64], *img, *img2, *img3, *node, *mm, *pnode;
	char *pmm;
	int r = 0;

	bt_init("faults");
	img = bt_image("vbd.img", 8, NULL, NULL);
	img2 = bt_image("other.img", 8, NULL, NULL);
	img3 = bt_image("dev.img", 8, NULL, NULL);
	/*
	 * Another domain's vbd has the image attached read-only: the
	 * sharing check finds its loop device and reads that backend (read
	 * and read: allowed; read-write: allowed for the same VM, which
	 * the check reads). And a vbd of another file.
	 */
	node = bt_losetup(img, true);
	mm = bt_majmin(node);
	bt_backend(other, sizeof(other), 2, 51712, img, "r", "file", NULL);
	bt_write(other, "physical-device", mm);
	bt_write(other, "node", node);
	bt_backend(other, sizeof(other), 3, 51712, img2, "w", "file", NULL);
	bt_write(other, "physical-device", "7:1f3");
	/* A device, used read-only by domain 7's vbd (VM "phy"). */
	pnode = bt_losetup(img3, false);
	pmm = bt_majmin(pnode);
	bt_backend(other, sizeof(other), 7, 51712, pnode, "r", "phy", "phy");
	bt_write(other, "physical-device", pmm);

	snprintf(vm2, sizeof(vm2), BT_VM_FMT, 2u);
	r += sweep_block_one("block file", 1, img, "r", "file", NULL);
	r += sweep_block_one("block file", 4, img, "w", "file", vm2);
	r += sweep_block_one("block phy", 5, pnode, "r", "phy", NULL);
	r += sweep_block_one("block phy", 6, pnode, "w", "phy", "phy");
	free(pmm);
	free(pnode);
	free(node);
	free(mm);
	free(img);
	free(img2);
	free(img3);
	bt_fini();
	return r;
}

int main(int argc, char **argv)
{
	const char *p = argc > 1 ? argv[1] : "";
	int r;

	tu_require_root("network namespaces, loop devices, OVS daemons");
	if (!strcmp(p, "vif-bridge"))
		r = sweep_bridge();
	else if (!strcmp(p, "vif-route"))
		r = sweep_route(false);
	else if (!strcmp(p, "vif-route-vifname"))
		r = sweep_route(true);
	else if (!strcmp(p, "vif-openvswitch"))
		r = sweep_ovs();
	else if (!strcmp(p, "block"))
		r = sweep_block();
	else {
		fprintf(stderr, "usage: test-faults PERSONALITY\n");
		return 2;
	}
	return r ? 1 : 0;
}
