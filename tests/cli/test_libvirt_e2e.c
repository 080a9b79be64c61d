// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The libvirt hook with the real thing: Debian's libvirtd and qemu (TCG),
 * started by this test in the foreground, in a private mount and network
 * namespace where /etc/libvirt (config and hooks), /run, /var/lib/libvirt,
 * /var/log/libvirt, /var/cache/libvirt and /etc/xhp are the test's own
 * directories: nothing of the host's libvirt is read or changed, no
 * service is enabled.
 *
 * A libvirt network in bridge mode on a test bridge, with a portgroup;
 * xhp.conf gives that portgroup a policy (antispoof on, isolated). A
 * diskless 32 MiB domain with an interface in the portgroup is started
 * paused: libvirt creates the tap (multiqueue) and runs
 * hooks/qemu.d/50-xhp, a link to xhp-hotplug, with `started`. Then:
 *   - the tap's nf_tables chain exists and names the guest's MAC, and the
 *     bridge port is isolated;
 *   - frames written on the tap's guest side (a second queue of the
 *     multiqueue tap, as qemu writes them) with the guest's MAC reach the
 *     bridge, with a forged source MAC they do not;
 *   - a libvirtd restart runs `reconnect`, which puts back a chain that
 *     was deleted meanwhile;
 *   - network hooks (hooks/network.d/50-xhp) are accepted: the network
 *     starts and stops;
 *   - destroying the domain runs `stopped` and `release`: the chain is
 *     gone, nothing of it is left.
 * Only the processes started here are killed, by pid.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

#define BR "xlvbr0"
#define TAP "xlvtap0"
/* the table of its chains: its shard, 0x16 (nft.h: stable) */
#define TAP_TABLE "xhp-16"
#define NET "xlvnet"
#define DOM "xlvdom"
#define MAC "52:54:00:aa:bb:cc"
#define VIRSH "virsh", "-q", "-c", "qemu:///system"

static char *dir;
static pid_t libvirtd = -1;
static int created_etc_xhp;

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void sub(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "mkdir %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void bind_dir(const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (mount(path, target, NULL, MS_BIND, NULL) < 0) {
		fprintf(stderr, "bind %s on %s: %s\n", path, target,
			strerror(errno));
		exit(1);
	}
}

static const char qemu_conf[] = "user = \"root\"\n"
				"group = \"root\"\n"
				"dynamic_ownership = 0\n"
				"remember_owner = 0\n"
				"security_driver = \"none\"\n"
				"cgroup_controllers = [ ]\n"
				"namespaces = [ ]\n"
				"stdio_handler = \"file\"\n";

static const char xhp_conf[] = "[policy guests]\n"
			       "antispoof = on\n"
			       "isolated = yes\n"
			       "[portgroup " NET "/guests]\n"
			       "policy = guests\n";

static const char net_xml[] =
	"<network><name>" NET "</name><forward mode='bridge'/>"
	"<bridge name='" BR "'/><portgroup name='guests'/>"
	"<portgroup name='other'/></network>\n";

/* queues='2': a multiqueue tap, so that the test can write as the guest. */
static const char dom_xml[] =
	"<domain type='qemu'><name>" DOM "</name>"
	"<memory unit='MiB'>32</memory>"
	"<os><type arch='x86_64'>hvm</type></os><devices>"
	"<emulator>/usr/bin/qemu-system-x86_64</emulator>"
	"<interface type='network'>"
	"<source network='" NET "' portgroup='guests'/>"
	"<mac address='" MAC "'/><model type='virtio'/>"
	"<driver queues='2'/><target dev='" TAP "'/></interface>"
	"<graphics type='vnc' listen='127.0.0.1' port='-1'/>"
	"</devices></domain>\n";

static void make_tree(void)
{
	static const char *const dirs[] = { "etc",
					    "etc/hooks",
					    "etc/hooks/qemu.d",
					    "etc/hooks/network.d",
					    "run",
					    "lib",
					    "lib/qemu",
					    "log",
					    "log/qemu",
					    "cache",
					    "cache/qemu",
					    "xhp" };
	char link[512];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		sub(dirs[i]);
	put("etc/libvirtd.conf", "unix_sock_group = \"root\"\n");
	put("etc/qemu.conf", qemu_conf);
	put("xhp/xhp.conf", xhp_conf);
	put("net.xml", net_xml);
	put("dom.xml", dom_xml);
	snprintf(link, sizeof(link), "%s/etc/hooks/qemu.d/50-xhp", dir);
	assert_int_equal(symlink(XHP_CLI, link), 0);
	snprintf(link, sizeof(link), "%s/etc/hooks/network.d/50-xhp", dir);
	assert_int_equal(symlink(XHP_CLI, link), 0);
}

static int wait_socket(const char *path, int ms)
{
	struct stat st;

	for (; ms > 0; ms -= 50) {
		if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		usleep(50 * 1000);
	}
	return -ETIMEDOUT;
}

static void start_libvirtd(void)
{
	char log[512];
	int fd;

	snprintf(log, sizeof(log), "%s/libvirtd.log", dir);
	unlink("/run/libvirt/libvirt-sock");
	libvirtd = fork();
	assert_true(libvirtd >= 0);
	if (libvirtd == 0) {
		/* Its own process group: its forks die with it (stop_pid). */
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (setsid() < 0 || fd < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(127);
		execlp("libvirtd", "libvirtd", "-f",
		       "/etc/libvirt/libvirtd.conf", (char *)NULL);
		_exit(127);
	}
	if (wait_socket("/run/libvirt/libvirt-sock", 20000) < 0)
		fail_msg("libvirtd did not create its socket in 20 s (see %s)",
			 log);
}

/* SIGTERM, then SIGKILL after 10 s: our libvirtd and its process group. */
static void stop_pid(pid_t *pid)
{
	int st, i;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(*pid, &st, WNOHANG) == *pid)
			break;
		usleep(50 * 1000);
	}
	if (i == 200) {
		kill(*pid, SIGKILL);
		waitpid(*pid, &st, 0);
	}
	/* What it forked and left (a worker between fork and exec). */
	kill(-*pid, SIGKILL);
	*pid = -1;
}

static int setup(void **state)
{
	struct stat st;

	(void)state;
	tu_require_root("libvirtd, bind mounts and taps need root");
	if (access("/usr/sbin/libvirtd", X_OK) < 0 ||
	    access("/usr/bin/qemu-system-x86_64", X_OK) < 0) {
		fprintf(stderr,
			"libvirtd or qemu-system-x86_64 missing: tools/deps.sh installs them\n");
		exit(1);
	}
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    tu_netns_enter() < 0) {
		fprintf(stderr, "namespaces: %s\n", strerror(errno));
		exit(1);
	}
	dir = tu_mkdtemp("libvirt-e2e");
	make_tree();
	/* /etc/xhp is the hook's (libvirtd passes no XHP_CONFIG). */
	if (stat("/etc/xhp", &st) < 0) {
		assert_int_equal(mkdir("/etc/xhp", 0755), 0);
		created_etc_xhp = 1;
	}
	bind_dir("etc", "/etc/libvirt");
	bind_dir("xhp", "/etc/xhp");
	bind_dir("lib", "/var/lib/libvirt");
	bind_dir("log", "/var/log/libvirt");
	bind_dir("cache", "/var/cache/libvirt");
	assert_int_equal(mount("tmpfs", "/run", "tmpfs", 0, "mode=755"), 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "add", BR, "type",
				 "bridge", NULL),
			 0);
	assert_int_equal(tu_runl(NULL, "ip", "link", "set", BR, "up", NULL), 0);
	start_libvirtd();
	return 0;
}

static void virsh_ok(const char *a, const char *b, const char *c)
{
	char *out = NULL;
	int r = tu_runl(&out, VIRSH, a, b, c, NULL);

	if (r != 0)
		fail_msg("virsh %s %s %s: exit %d: %s", a, b ? b : "",
			 c ? c : "", r, out ? out : "");
	free(out);
}

/* The qemu of our domain, if libvirtd left it: killed by its pid file. */
static void kill_our_qemu(void)
{
	char *pid = tu_read_file("/run/libvirt/qemu/" DOM ".pid");
	long p = pid ? strtol(pid, NULL, 10) : 0;

	if (p > 1)
		kill((pid_t)p, SIGKILL);
	free(pid);
}

static int teardown(void **state)
{
	static const char *const mounts[] = {
		"/etc/libvirt",	    "/etc/xhp",		  "/var/lib/libvirt",
		"/var/log/libvirt", "/var/cache/libvirt", "/run"
	};
	size_t i;

	(void)state;
	tu_runl(NULL, VIRSH, "destroy", DOM, NULL);
	tu_runl(NULL, VIRSH, "undefine", DOM, NULL);
	tu_runl(NULL, VIRSH, "net-destroy", NET, NULL);
	tu_runl(NULL, VIRSH, "net-undefine", NET, NULL);
	kill_our_qemu();
	stop_pid(&libvirtd);
	tu_runl(NULL, "nft", "delete", "table", "netdev", TAP_TABLE, NULL);
	for (i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
		umount2(mounts[i], MNT_DETACH);
	if (created_etc_xhp)
		rmdir("/etc/xhp");
	tu_rmtree(dir);
	free(dir);
	return 0;
}

static char *nft_chain(int *ret)
{
	char *out = NULL;

	*ret = tu_runl(&out, "nft", "list", "chain", "netdev", TAP_TABLE,
		       "dev-" TAP, NULL);
	return out;
}

static void assert_policy_applied(void)
{
	char *out;
	int r;

	out = nft_chain(&r);
	if (r != 0 || !strstr(out, MAC))
		fail_msg("no policy chain for " TAP " naming " MAC
			 " (nft exit %d): %s",
			 r, out ? out : "");
	free(out);
	out = NULL;
	assert_int_equal(tu_runl(&out, "bridge", "-d", "link", "show", "dev",
				 TAP, NULL),
			 0);
	if (!strstr(out, "isolated on"))
		fail_msg("bridge port " TAP " not isolated: %s", out);
	free(out);
}

/* ---- frames from the guest's side of the tap ---- */

/* A queue of the multiqueue tap, as qemu has them; its vnet header size. */
static int tap_queue(int *ret_hdr)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), hdr = 0;

	assert_true(fd >= 0);
	strcpy(ifr.ifr_name, TAP);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		fail_msg("attach a queue to %s: %s", TAP, strerror(errno));
	assert_int_equal(ioctl(fd, TUNGETVNETHDRSZ, &hdr), 0);
	*ret_hdr = hdr;
	return fd;
}

/* A raw socket on the bridge: what gets through the tap's ingress. */
static int bridge_sniffer(void)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			htons(ETH_P_ALL));

	assert_true(fd >= 0);
	sa.sll_ifindex = (int)if_nametoindex(BR);
	assert_true(sa.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Where the marker and the tag are: after the Ethernet, IPv4 and UDP
 * headers. */
#define MARK_AT (14 + 20 + 8)

/* A DHCP client's broadcast (0.0.0.0:68 to 255.255.255.255:67, what the
 * policy lets a guest without an address send) from @src, whose payload
 * is a marker and @tag. */
static void send_frame(int q, int hdr, const unsigned char src[6],
		       unsigned char tag)
{
	unsigned char buf[128] = { 0 }, *f = buf + hdr, *ip = f + 14;
	unsigned int sum = 0, i;

	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 16; /* total length */
	ip[8] = 64; /* ttl */
	ip[9] = IPPROTO_UDP;
	memset(ip + 16, 0xff, 4); /* to 255.255.255.255, from 0.0.0.0 */
	for (i = 0; i < 20; i += 2)
		sum += (unsigned int)(ip[i] << 8 | ip[i + 1]);
	sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (unsigned char)(~sum >> 8);
	ip[11] = (unsigned char)~sum;
	ip[21] = 68; /* udp 68 -> 67, no checksum */
	ip[23] = 67;
	ip[25] = 8 + 16;
	memcpy(f + MARK_AT, "xhp-libvirt-e2e", 15);
	f[MARK_AT + 15] = tag;
	assert_int_equal(write(q, buf, (size_t)hdr + 60), hdr + 60);
}

/* Which of the tags 1..2 the sniffer saw within @ms. */
static unsigned int seen_tags(int sn, int ms)
{
	struct pollfd p = { .fd = sn, .events = POLLIN };
	unsigned char buf[2048];
	unsigned int seen = 0;
	ssize_t n;

	while (poll(&p, 1, ms) > 0) {
		while ((n = recv(sn, buf, sizeof(buf), 0)) > 0)
			if (n > MARK_AT + 15 && buf[12] == 0x08 &&
			    buf[13] == 0 &&
			    !memcmp(buf + MARK_AT, "xhp-libvirt-e2e", 15))
				seen |= 1u << buf[MARK_AT + 15];
		ms = 200;
	}
	return seen;
}

static void test_started_applies(void **state)
{
	static const unsigned char good[6] = { 0x52, 0x54, 0x00,
					       0xaa, 0xbb, 0xcc };
	static const unsigned char forged[6] = { 0x52, 0x54, 0x00,
						 0x66, 0x66, 0x66 };
	char path[512];
	int q, hdr, sn;

	(void)state;
	snprintf(path, sizeof(path), "%s/net.xml", dir);
	virsh_ok("net-define", path, NULL);
	virsh_ok("net-start", NET, NULL);
	snprintf(path, sizeof(path), "%s/dom.xml", dir);
	virsh_ok("define", path, NULL);
	virsh_ok("start", "--paused", DOM);
	assert_policy_applied();

	sn = bridge_sniffer();
	q = tap_queue(&hdr);
	send_frame(q, hdr, good, 1);
	send_frame(q, hdr, forged, 2);
	assert_int_equal(seen_tags(sn, 1000), 1u << 1);
	close(q);
	close(sn);
}

static void test_reconnect_reapplies(void **state)
{
	char *out;
	int r, i;

	(void)state;
	assert_int_equal(tu_runl(NULL, "nft", "delete", "table", "netdev",
				 TAP_TABLE, NULL),
			 0);
	out = nft_chain(&r);
	assert_int_not_equal(r, 0);
	free(out);
	/* libvirtd restarts and reconnects to the running qemu. */
	stop_pid(&libvirtd);
	start_libvirtd();
	virsh_ok("domstate", DOM, NULL);
	/* libvirtd reconnects (and runs the hook) in a thread of its own. */
	for (i = 0; i < 100; i++) {
		out = nft_chain(&r);
		free(out);
		if (r == 0)
			break;
		usleep(100 * 1000);
	}
	assert_policy_applied();
}

static void test_stopped_removes(void **state)
{
	char *out;
	int r;

	(void)state;
	virsh_ok("destroy", DOM, NULL);
	out = nft_chain(&r);
	if (r == 0)
		fail_msg("chain left after destroy: %s", out);
	free(out);
	out = NULL;
	assert_int_equal(tu_runl(&out, "nft", "list", "ruleset", "netdev",
				 NULL) == 0 &&
				 strstr(out, TAP),
			 0);
	free(out);
	assert_int_equal(if_nametoindex(TAP), 0);
	virsh_ok("undefine", DOM, NULL);
	virsh_ok("net-destroy", NET, NULL);
	virsh_ok("net-undefine", NET, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_started_applies),
		cmocka_unit_test(test_reconnect_reapplies),
		cmocka_unit_test(test_stopped_removes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
