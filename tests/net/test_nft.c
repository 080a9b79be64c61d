// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nft.c against the kernel, with real frames: a veth pair whose "guest"
 * end is in a second network namespace; the host end gets the chain
 * dev-host0 that drops frames whose source MAC is not the guest's. Frames
 * the guest sends with its own and with a forged source MAC are counted
 * by a packet socket on the host end that is bound to their EtherType
 * (such sockets see a frame only after the ingress hook) and by one for
 * every protocol (a tap: it sees the frame before the hook). `nft list` reads back what is installed.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <linux/netfilter/nf_tables.h>
#include <net/ethernet.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fault.h"
#include "nft.h"
#include "testutil.h"

#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */
#define NFRAMES 5

static const uint8_t forged[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t other[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

static struct {
	xhp_ctx *ctx;
	struct xhp_nft *nft;
	int host_ns, guest_ns;
	int tx; /* packet socket on guest0, in the guest namespace */
	int rx; /* packet socket on host0 for ETHERTYPE_TEST */
	int all; /* packet socket on host0 for ETH_P_ALL */
	uint8_t guest_mac[6];
	unsigned int tag;
} T;

/* Run a command (NULL-terminated words); it must exit 0. */
static void run_ok(const char *arg0, ...) __attribute__((sentinel));
static void run_ok(const char *arg0, ...)
{
	const char *head[] = { arg0, NULL };
	char *out = NULL;
	va_list ap;
	int r;

	va_start(ap, arg0);
	r = tu_runv(&out, NULL, 10000, head, ap);
	va_end(ap);
	if (r != 0)
		fail_msg("%s: exit %d: %s", arg0, r, out ? out : "");
	free(out);
}

/* Move link @name of this namespace into the one of @nsfd. */
static void move_to_ns(const char *name, int nsfd)
{
	struct xhp_nl *nl = NULL;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	assert_int_equal(xhp_nl_open(T.ctx, &nl), 0);
	nlh = xhp_nl_msg(nl, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	assert_int_equal(xhp_nl_talk(T.ctx, nl, nlh, NULL, NULL, NULL), 0);
	xhp_nl_close(nl);
}

/* The MAC of link @name of the current namespace. */
static void read_mac(const char *name, uint8_t mac[6])
{
	struct xhp_nl *nl = NULL;
	struct xhp_link l;

	assert_int_equal(xhp_nl_open(T.ctx, &nl), 0);
	assert_int_equal(xhp_nl_link_get(T.ctx, nl, name, 0, &l), 0);
	assert_true(l.has_addr);
	memcpy(mac, l.addr, 6);
	xhp_nl_close(nl);
}

static int packet_socket(const char *ifname, uint16_t proto)
{
	struct sockaddr_ll sa = { .sll_family = AF_PACKET };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(proto));

	assert_true(fd >= 0);
	sa.sll_protocol = htons(proto);
	sa.sll_ifindex = (int)if_nametoindex(ifname);
	assert_true(sa.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Count the frames of @tag from @src waiting on @fd, within 300 ms of the
 * last one. */
static int count_tagged(int fd, const uint8_t src[6], unsigned int tag)
{
	unsigned char in[128];
	int got = 0;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 300) <= 0)
			return got;
		n = recv(fd, in, sizeof(in), 0);
		assert_true(n > 0);
		if ((size_t)n >= sizeof(struct ether_header) + sizeof(tag) &&
		    !memcmp(in + 6, src, 6) &&
		    !memcmp(in + sizeof(struct ether_header), &tag,
			    sizeof(tag)))
			got++;
	}
}

/*
 * Send NFRAMES broadcast frames from the guest with source @src; return
 * how many of them the host's stack received (the packet socket bound to
 * their EtherType), and in *dev how many reached host0 (the ETH_P_ALL
 * tap, which sees them before the ingress hook).
 */
static int send_count(const uint8_t src[6], int *dev)
{
	unsigned char frame[64] = { 0 };
	struct ether_header *eh = (struct ether_header *)frame;
	unsigned int tag = ++T.tag;
	int i, got;

	memset(eh->ether_dhost, 0xff, 6);
	memcpy(eh->ether_shost, src, 6);
	eh->ether_type = htons(ETHERTYPE_TEST);
	memcpy(frame + sizeof(*eh), &tag, sizeof(tag));
	for (i = 0; i < NFRAMES; i++)
		assert_int_equal(send(T.tx, frame, sizeof(frame), 0),
				 (ssize_t)sizeof(frame));
	got = count_tagged(T.rx, src, tag);
	*dev = count_tagged(T.all, src, tag);
	return got;
}

/* `nft list chain netdev <its shard> dev-<dev>` (NULL if there is
 * none). */
static char *nft_list(const char *dev)
{
	char *out = NULL, table[XHP_NFT_TABLE_NAME_MAX], chain[32];
	int r;

	snprintf(chain, sizeof(chain), "dev-%s", dev);
	r = tu_runl(&out, "nft", "list", "chain", "netdev",
		    xhp_nft_table_name(table, dev), chain, NULL);

	if (r != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* host0's shard's table */
static char h0_table[XHP_NFT_TABLE_NAME_MAX];
#define H0 xhp_nft_table_name(h0_table, "host0")

static int occurrences(const char *s, const char *what)
{
	int n = 0;

	while (s && (s = strstr(s, what))) {
		n++;
		s += strlen(what);
	}
	return n;
}

static int setup(void **state)
{
	(void)state;
	tu_require_root("creates veths and nf_tables chains");
	assert_int_equal(tu_netns_enter(), 0);
	T.host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(T.host_ns >= 0);
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	T.guest_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(T.guest_ns >= 0);
	assert_int_equal(setns(T.host_ns, CLONE_NEWNET), 0);
	assert_int_equal(xhp_ctx_new(&T.ctx), 0);
	assert_int_equal(xhp_nft_open(T.ctx, &T.nft), 0);

	run_ok("ip", "link", "add", "host0", "type", "veth", "peer", "name",
	       "guest0", NULL);
	run_ok("ip", "link", "add", "host1", "type", "veth", "peer", "name",
	       "guest1", NULL);
	move_to_ns("guest0", T.guest_ns);
	run_ok("ip", "link", "set", "host0", "up", NULL);
	T.rx = packet_socket("host0", ETHERTYPE_TEST);
	T.all = packet_socket("host0", ETH_P_ALL);

	assert_int_equal(setns(T.guest_ns, CLONE_NEWNET), 0);
	run_ok("ip", "link", "set", "guest0", "up", NULL);
	read_mac("guest0", T.guest_mac);
	T.tx = packet_socket("guest0", ETHERTYPE_TEST);
	assert_int_equal(setns(T.host_ns, CLONE_NEWNET), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* The namespaces, their links and tables go with the process; the
	 * table is deleted all the same. */
	tu_runl(NULL, "nft", "flush", "ruleset", "netdev", NULL);
	close(T.tx);
	close(T.rx);
	close(T.all);
	close(T.guest_ns);
	close(T.host_ns);
	xhp_nft_close(T.nft);
	xhp_ctx_unref(T.ctx);
	return 0;
}

/* The test's own mechanism: without a chain, both frames arrive. */
static void test_no_chain_passes_all(void **state)
{
	int dev;

	(void)state;
	assert_null(nft_list("host0"));
	assert_int_equal(send_count(T.guest_mac, &dev), NFRAMES);
	assert_int_equal(dev, NFRAMES);
	assert_int_equal(send_count(forged, &dev), NFRAMES);
	assert_int_equal(dev, NFRAMES);
}

static void test_replace_drops_forged(void **state)
{
	int dev;
	char *out;

	(void)state;
	assert_int_equal(
		xhp_nft_dev_replace(T.ctx, T.nft, "host0", T.guest_mac), 0);
	assert_int_equal(send_count(T.guest_mac, &dev), NFRAMES);
	assert_int_equal(dev, NFRAMES);
	/* The forged frames reach the device, not the stack. */
	assert_int_equal(send_count(forged, &dev), 0);
	assert_int_equal(dev, NFRAMES);

	out = nft_list("host0");
	assert_non_null(out);
	assert_int_equal(occurrences(out, "chain dev-host0 {"), 1);
	assert_non_null(strstr(out, "type filter hook ingress device \"host0\""
				    " priority filter; policy accept;"));
	assert_int_equal(occurrences(out, " drop"), 1);
	free(out);
}

/* Applied again (another MAC): one chain, one rule, the new MAC. */
static void test_replace_twice_replaces(void **state)
{
	int dev;
	char *out, want[64];

	(void)state;
	assert_int_equal(xhp_nft_dev_replace(T.ctx, T.nft, "host0", other), 0);
	assert_int_equal(
		xhp_nft_dev_replace(T.ctx, T.nft, "host0", T.guest_mac), 0);
	out = nft_list("host0");
	assert_non_null(out);
	assert_int_equal(occurrences(out, "chain dev-host0 {"), 1);
	assert_int_equal(occurrences(out, " drop"), 1);
	snprintf(want, sizeof(want),
		 "ether saddr != %02x:%02x:%02x:%02x:%02x:%02x drop",
		 T.guest_mac[0], T.guest_mac[1], T.guest_mac[2], T.guest_mac[3],
		 T.guest_mac[4], T.guest_mac[5]);
	assert_non_null(strstr(out, want));
	free(out);
	assert_int_equal(send_count(T.guest_mac, &dev), NFRAMES);
	assert_int_equal(send_count(forged, &dev), 0);
}

/* host1's table survives host0's replace and remove. */
static void test_other_device_untouched(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(xhp_nft_dev_replace(T.ctx, T.nft, "host1", other), 0);
	assert_int_equal(
		xhp_nft_dev_replace(T.ctx, T.nft, "host0", T.guest_mac), 0);
	out = nft_list("host1");
	assert_int_equal(occurrences(out, "chain dev-host1 {"), 1);
	assert_non_null(strstr(out, "ether saddr != 02:11:22:33:44:55 drop"));
	assert_int_equal(occurrences(out, " drop"), 1);
	free(out);
	out = nft_list("host0");
	assert_int_equal(occurrences(out, "chain dev-host0 {"), 1);
	assert_int_equal(occurrences(out, " drop"), 1);
	free(out);

	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "host0"), 0);
	assert_null(nft_list("host0"));
	out = nft_list("host1");
	assert_int_equal(occurrences(out, "chain dev-host1 {"), 1);
	assert_int_equal(occurrences(out, " drop"), 1);
	free(out);
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "host1"), 0);
}

static void test_remove(void **state)
{
	int dev;
	char *out;

	(void)state;
	assert_int_equal(
		xhp_nft_dev_replace(T.ctx, T.nft, "host0", T.guest_mac), 0);
	assert_int_equal(send_count(forged, &dev), 0);
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "host0"), 0);
	assert_null(nft_list("host0"));
	assert_int_equal(send_count(forged, &dev), NFRAMES);
	/* Again: no table is not an error. */
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "host0"), 0);
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "ghost0"), 0);
	assert_null(nft_list("ghost0"));
	(void)out;
}

/* A batch of its own: the table made sure of, the base chain (may
 * conflict), then @last (1: the table again, 2: the chain's flush). */
static int conflicting_batch(int last)
{
	void *m;

	xhp_nft_batch_begin(T.nft);
	m = xhp_nft_batch_room(T.nft);
	xhp_nft_batch_add(T.nft, xhp_nft_put_table(m, NFT_MSG_NEWTABLE,
						   NLM_F_CREATE, "host0"));
	m = xhp_nft_batch_room(T.nft);
	xhp_nft_batch_add(T.nft, xhp_nft_put_chain(m, NFT_MSG_NEWCHAIN,
						   NLM_F_CREATE, "host0"));
	m = xhp_nft_batch_room(T.nft);
	xhp_nft_batch_add(T.nft,
			  last == 1 ? xhp_nft_put_table(m, NFT_MSG_NEWTABLE,
							NLM_F_CREATE, "host0") :
				      xhp_nft_put_flush(m, "host0"));
	return xhp_nft_batch_commit(T.ctx, T.nft);
}

/*
 * A batch the kernel refuses changes nothing, and the error names the
 * message and carries the kernel's extended ack: a chain of that name
 * with another priority cannot be updated. Only the last message asks
 * for an answer: the failure of one before it is reported all the same.
 */
static void test_kernel_error(void **state)
{
	char *out;
	int r;

	(void)state;
	run_ok("nft", "add", "table", "netdev", H0, NULL);
	run_ok("nft", "add", "chain", "netdev", H0, "dev-host0",
	       "{ type filter hook ingress device host0 priority 10; }", NULL);
	/* The sequence numbers wrap at the failing message: BEGIN is
	 * UINT_MAX - 1, NEWTABLE UINT_MAX, NEWCHAIN 0. */
	T.nft->nl->seq = UINT_MAX - 2;
	r = conflicting_batch(1);
	/* nf_tables_updchain(): "chain hook priority mismatch" */
	assert_int_equal(r, -EOPNOTSUPP);
	assert_string_equal(xhp_ctx_last_error(T.ctx),
			    "nf_tables NFT_MSG_NEWCHAIN failed: Operation not "
			    "supported");
	out = nft_list("host0");
	assert_non_null(strstr(out, "priority filter + 10;"));
	assert_int_equal(occurrences(out, " drop"), 0);
	free(out);
	run_ok("nft", "delete", "table", "netdev", H0, NULL);
}

/* The attribute the kernel's extended ack points at is named: a regular
 * chain of that name cannot become a base chain. */
static void test_kernel_error_attr(void **state)
{
	char *out;
	int r;

	(void)state;
	run_ok("nft", "add", "table", "netdev", H0, NULL);
	run_ok("nft", "add", "chain", "netdev", H0, "dev-host0", NULL);
	r = conflicting_batch(2);
	/* nf_tables_updchain(): a policy only for base chains */
	assert_int_equal(r, -EOPNOTSUPP);
	assert_string_equal(xhp_ctx_last_error(T.ctx),
			    "nf_tables NFT_MSG_NEWCHAIN failed: Operation not "
			    "supported (attribute policy)");
	out = nft_list("host0");
	assert_non_null(strstr(out, "chain dev-host0 {\n\t}"));
	free(out);
	run_ok("nft", "delete", "table", "netdev", H0, NULL);
}

/* The fault seam: the batch is one step; failed there, nothing changes
 * and the error names it. */
static void test_fault_sweep(void **state)
{
	unsigned int n, failed = 0;
	char *out;

	(void)state;
	assert_int_equal(xhp_nft_dev_replace(T.ctx, T.nft, "host1", other), 0);
	for (n = 1;; n++) {
		struct xhp_fault plan = { .fail_at = n };
		int r;

		plan.err[XHP_FAULT_NL] = ENOBUFS;
		T.ctx->fault = &plan;
		r = xhp_nft_dev_replace(T.ctx, T.nft, "host1", T.guest_mac);
		T.ctx->fault = NULL;
		if (!plan.hits) {
			assert_int_equal(r, 0);
			break;
		}
		assert_int_equal(r, -ENOBUFS);
		assert_string_equal(plan.step, "nf_tables batch");
		assert_string_equal(xhp_ctx_last_error(T.ctx),
				    "nf_tables batch: No buffer space "
				    "available");
		out = nft_list("host1");
		assert_non_null(
			strstr(out, "ether saddr != 02:11:22:33:44:55"));
		free(out);
		failed++;
	}
	assert_int_equal(failed, 1);
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "host1"), 0);
}

static void test_fault_socket(void **state)
{
	struct xhp_fault plan = { .fail_at = 1 };
	struct xhp_nft *nft = NULL;

	(void)state;
	plan.err[XHP_FAULT_NL] = EMFILE;
	T.ctx->fault = &plan;
	assert_int_equal(xhp_nft_open(T.ctx, &nft), -EMFILE);
	T.ctx->fault = NULL;
	assert_null(nft);
	assert_string_equal(plan.step, "nf_tables netlink socket");
	assert_string_equal(xhp_ctx_last_error(T.ctx),
			    "cannot open nf_tables netlink: Too many open "
			    "files");
}

static void test_bad_name(void **state)
{
	(void)state;
	assert_int_equal(xhp_nft_dev_replace(T.ctx, T.nft, "a/b", other),
			 -EINVAL);
	assert_string_equal(xhp_ctx_last_error(T.ctx),
			    "invalid interface name 'a/b'");
	assert_int_equal(xhp_nft_dev_remove(T.ctx, T.nft, "sixteen-chars-xx"),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_chain_passes_all),
		cmocka_unit_test(test_replace_drops_forged),
		cmocka_unit_test(test_replace_twice_replaces),
		cmocka_unit_test(test_other_device_untouched),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_kernel_error),
		cmocka_unit_test(test_kernel_error_attr),
		cmocka_unit_test(test_fault_sweep),
		cmocka_unit_test(test_fault_socket),
		cmocka_unit_test(test_bad_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
