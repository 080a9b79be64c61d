// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xhp-hotplug libvirt-hook as libvirt runs it (the XML on stdin): exit
 * codes, the one stderr line of a failure, nothing on stdout ever, the
 * operations that do nothing, network hooks, argv[0] dispatch from a
 * hooks/<driver>.d/ directory, and hostile XML (billion laughs, external
 * entity, 10 MB, two interfaces with one dev). No policy matches here
 * ($XHP_CONFIG names a file without one): what runs a policy is in
 * test-libvirt-e2e.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

static char *dir, conf[512];

struct out {
	int status;
	char *out, *err;
};

/* Run @argv with @input (@len bytes) on stdin; stdout, stderr apart. */
static struct out run(char *const argv[], const char *input, size_t len)
{
	char in_path[600], out_path[600], err_path[600];
	struct out o = { 0 };
	int in, fo, fe, st;
	pid_t pid;
	FILE *f;

	snprintf(in_path, sizeof(in_path), "%s/stdin", dir);
	snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	f = fopen(in_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(input, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char env[600];

		snprintf(env, sizeof(env), "XHP_CONFIG=%s", conf);
		in = open(in_path, O_RDONLY);
		fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || fo < 0 || fe < 0 || dup2(in, 0) < 0 ||
		    dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		execve(argv[0], argv, (char *[]){ env, NULL });
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	o.status = WEXITSTATUS(st);
	o.out = tu_read_file(out_path);
	o.err = tu_read_file(err_path);
	assert_non_null(o.out);
	assert_non_null(o.err);
	return o;
}

static void expect(struct out o, int status, const char *err)
{
	if (o.status != status)
		fail_msg("exit %d, not %d; stderr: %s", o.status, status,
			 o.err);
	/* Never anything on stdout (libvirt would take it as new XML). */
	assert_string_equal(o.out, "");
	/* A failure is one line (tu_read_file cut its newline). */
	assert_null(strchr(o.err, '\n'));
	if (err)
		assert_string_equal(o.err, err);
	free(o.out);
	free(o.err);
}

#define HOOK(drv, op)                                                       \
	(char *[])                                                          \
	{                                                                   \
		XHP_CLI, "libvirt-hook", drv, "vm1", op, "begin", "-", NULL \
	}

static const char two_ifaces[] =
	"<domain type='qemu'><name>vm1</name><devices>"
	"<interface type='bridge'><mac address='52:54:00:00:00:01'/>"
	"<source bridge='lvhbr0'/><target dev='lvh0'/></interface>"
	"<interface type='network'><source network='n' portgroup='p'/>"
	"<target dev='lvh1'/></interface>"
	"</devices></domain>";

static void test_no_policy_applies_nothing(void **state)
{
	(void)state;
	/* No [portgroup]/[network]/[bridge] matches: logged at info, 0. */
	expect(run(HOOK("qemu", "started"), two_ifaces, strlen(two_ifaces)), 0,
	       "");
	expect(run(HOOK("libxl", "reconnect"), two_ifaces, strlen(two_ifaces)),
	       0, "");
	expect(run(HOOK("lxc", "started"), two_ifaces, strlen(two_ifaces)), 0,
	       "");
}

static void test_other_ops_do_nothing(void **state)
{
	static char *const ops[] = { "prepare", "start",  "migrate",
				     "restore", "attach", "shutdown" };
	size_t i;

	(void)state;
	/* Not even the XML is read: garbage on stdin is fine. */
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		expect(run(HOOK("qemu", ops[i]), "<garbage", 8), 0, "");
	expect(run(HOOK("network", "port-created"), "<networkport/>", 14), 0,
	       "");
	expect(run(HOOK("network", "port-deleted"), "", 0), 0, "");
	expect(run(HOOK("network", "started"), "<network/>", 10), 0, "");
}

static void test_usage(void **state)
{
	(void)state;
	expect(run(HOOK("xen", "started"), "", 0), 2,
	       "xhp-hotplug: libvirt-hook: DRIVER 'xen' is not qemu, libxl, lxc or network");
	expect(run((char *[]){ XHP_CLI, "libvirt-hook", "qemu", "vm1", NULL },
		   "", 0),
	       2,
	       "xhp-hotplug: usage: xhp-hotplug libvirt-hook DRIVER OBJECT OP [SUBOP [EXTRA]] (DRIVER: qemu, libxl, lxc, network), the domain XML on stdin");
}

static void test_hostile_xml(void **state)
{
	static const char laughs[] =
		"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
		"<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
		"<!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>]>"
		"<domain><devices><interface><target dev='&lol2;'/>"
		"</interface></devices></domain>";
	static const char ext[] =
		"<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
		"<domain><name>&x;</name></domain>";
	static const char dup[] = "<domain><devices>"
				  "<interface><target dev='vnet9'/></interface>"
				  "<interface><target dev='vnet9'/></interface>"
				  "</devices></domain>";
	size_t big = 10 * 1024 * 1024;
	char *buf;

	(void)state;
	expect(run(HOOK("qemu", "started"), laughs, strlen(laughs)), 1,
	       "xhp-hotplug: libvirt-hook qemu vm1 started: bad domain XML on stdin: a DOCTYPE (DTD, entity declarations) is not allowed");
	expect(run(HOOK("qemu", "stopped"), ext, strlen(ext)), 1,
	       "xhp-hotplug: libvirt-hook qemu vm1 stopped: bad domain XML on stdin: a DOCTYPE (DTD, entity declarations) is not allowed");
	expect(run(HOOK("qemu", "started"), dup, strlen(dup)), 1,
	       "xhp-hotplug: libvirt-hook qemu vm1 started: bad domain XML on stdin: interfaces #1 and #2 both have <target dev='vnet9'>");
	buf = malloc(big);
	assert_non_null(buf);
	memset(buf, ' ', big);
	memcpy(buf, "<domain>", 8);
	expect(run(HOOK("qemu", "release"), buf, big), 1,
	       "xhp-hotplug: libvirt-hook qemu vm1 release: the domain XML on stdin is larger than 4194304 bytes (4 MiB)");
	free(buf);
	expect(run(HOOK("qemu", "started"), "<domain>", 8), 1,
	       "xhp-hotplug: libvirt-hook qemu vm1 started: bad domain XML on stdin: line 1: Premature end of data in tag domain line 1");
	/* Missing elements are no error: nothing to do. */
	expect(run(HOOK("qemu", "started"), "<domain/>", 9), 0, "");
}

static void test_bad_conf_fails(void **state)
{
	char saved[512], msg[1024];
	struct out o;
	FILE *f;

	(void)state;
	memcpy(saved, conf, sizeof(saved));
	snprintf(conf, sizeof(conf), "%s/bad.conf", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs("[portgroup n/p]\npolicy = nosuch\n", f);
	fclose(f);
	o = run(HOOK("qemu", "started"), two_ifaces, strlen(two_ifaces));
	snprintf(
		msg, sizeof(msg),
		"xhp-hotplug: libvirt-hook qemu vm1 started: interface lvh0: %s:2: no [policy] named 'nosuch'",
		conf);
	expect(o, 1, msg);
	memcpy(conf, saved, sizeof(saved));
}

static void test_argv0_dispatch(void **state)
{
	char qd[600], link[700], legacy[700], *xml = (char *)two_ifaces;

	(void)state;
	snprintf(qd, sizeof(qd), "%s/hooks", dir);
	assert_int_equal(mkdir(qd, 0755), 0);
	snprintf(qd, sizeof(qd), "%s/hooks/qemu.d", dir);
	assert_int_equal(mkdir(qd, 0755), 0);
	snprintf(link, sizeof(link), "%s/50-xhp", qd);
	assert_int_equal(symlink(XHP_CLI, link), 0);
	/* libvirt runs it with OBJECT OP SUBOP EXTRA; the dir is the driver */
	expect(run((char *[]){ link, "vm1", "started", "begin", "-", NULL },
		   xml, strlen(xml)),
	       0, "");
	expect(run((char *[]){ link, "vm1", "started", "begin", "-", NULL },
		   "<x", 2),
	       1,
	       "xhp-hotplug: libvirt-hook qemu vm1 started: bad domain XML on stdin: line 1: Couldn't find end of Start Tag x line 1");
	/* The one-file form of libvirt < 6.5: hooks/qemu */
	snprintf(legacy, sizeof(legacy), "%s/hooks/libxl", dir);
	assert_int_equal(symlink(XHP_CLI, legacy), 0);
	expect(run((char *[]){ legacy, "vm1", "stopped", "end", "-", NULL },
		   "<x", 2),
	       1,
	       "xhp-hotplug: libvirt-hook libxl vm1 stopped: bad domain XML on stdin: line 1: Couldn't find end of Start Tag x line 1");
}

static int setup(void **state)
{
	FILE *f;

	(void)state;
	dir = tu_mkdtemp("libvirt-hook");
	snprintf(conf, sizeof(conf), "%s/xhp.conf", dir);
	f = fopen(conf, "w");
	assert_non_null(f);
	fputs("[policy p1]\nisolated = yes\n[portgroup other/p]\npolicy = p1",
	      f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	free(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_policy_applies_nothing),
		cmocka_unit_test(test_other_ops_do_nothing),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_hostile_xml),
		cmocka_unit_test(test_bad_conf_fails),
		cmocka_unit_test(test_argv0_dispatch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
