// SPDX-License-Identifier: Apache-2.0
/* Tests of the port table (agent/datapath/ports.c): IFACE[=OFPORT] parsing,
 * number allocation, look-ups, errors, and the redirect (tx) probe on veths. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/bridge/ports.h"
#include "agent/datapath/port_hw.h"

static void test_spec_parse(void **state)
{
	char name[IF_NAMESIZE];
	struct xs_err err;
	uint32_t ofport;

	(void)state;
	assert_int_equal(xs_port_spec_parse("eth0", name, &ofport, &err), 0);
	assert_string_equal(name, "eth0");
	assert_int_equal(ofport, 0);
	assert_int_equal(xs_port_spec_parse("xse-a=65279", name, &ofport, &err), 0);
	assert_string_equal(name, "xse-a");
	assert_int_equal(ofport, 65279);
	assert_int_equal(xs_port_spec_parse("123456789012345=1", name, &ofport, &err), 0);
	assert_string_equal(name, "123456789012345");
}

static void expect_spec_error(const char *spec, int col, const char *msg)
{
	char name[IF_NAMESIZE];
	struct xs_err err;
	uint32_t ofport;

	assert_int_equal(xs_port_spec_parse(spec, name, &ofport, &err), -EINVAL);
	assert_int_equal(err.col, col);
	assert_string_equal(err.msg, msg);
}

static void test_spec_errors(void **state)
{
	(void)state;
	expect_spec_error("", 1, "missing interface name in ''");
	expect_spec_error("=3", 1, "missing interface name in '=3'");
	expect_spec_error("1234567890123456", 16, "interface name longer than 15 characters");
	expect_spec_error("a/b", 2, "'/' is not allowed in an interface name");
	expect_spec_error("eth0=", 6, "expected an OpenFlow port number after '='");
	expect_spec_error("eth0=-1", 6, "expected an OpenFlow port number after '='");
	expect_spec_error("eth0=3x", 7, "unexpected 'x' after the port number");
	expect_spec_error("eth0=0", 6, "OpenFlow port number must be 1..65279");
	expect_spec_error("eth0=65280", 6, "OpenFlow port number must be 1..65279");
	expect_spec_error("eth0=99999999999999999999", 6, "OpenFlow port number must be 1..65279");
}

static void test_add_lookup_del(void **state)
{
	struct xs_port_table t;
	struct xs_port *p;

	(void)state;
	xs_ports_init(&t);
	assert_int_equal(xs_ports_add(&t, "a", 10, 0, &p), 0);
	assert_int_equal(p->ofport, 1);
	assert_int_equal(xs_ports_add(&t, "b", 11, 3, &p), 0);
	assert_int_equal(p->ofport, 3);
	assert_int_equal(xs_ports_add(&t, "c", 12, 0, &p), 0);
	assert_int_equal(p->ofport, 2); /* lowest free */
	assert_int_equal(xs_ports_add(&t, "d", 13, 0, &p), 0);
	assert_int_equal(p->ofport, 4);
	assert_int_equal(t.n, 4);
	/* sorted by number */
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.ports[i].ofport, i + 1);
	assert_string_equal(xs_ports_by_ofport(&t, 3)->name, "b");
	assert_int_equal(xs_ports_by_name(&t, "c")->dp_port, 12);
	assert_int_equal(xs_ports_by_dp_port(&t, 13)->ofport, 4);
	assert_null(xs_ports_by_name(&t, "zz"));
	assert_null(xs_ports_by_dp_port(&t, 99));
	assert_null(xs_ports_by_ofport(&t, 5));

	assert_int_equal(xs_ports_del(&t, "c"), 0);
	assert_int_equal(xs_ports_del(&t, "c"), -ENOENT);
	assert_null(xs_ports_by_name(&t, "c"));
	assert_int_equal(t.n, 3);
	assert_int_equal(xs_ports_add(&t, "e", 14, 0, &p), 0);
	assert_int_equal(p->ofport, 2); /* freed number is reused */
	xs_ports_free(&t);
	assert_int_equal(t.n, 0);
}

static void test_add_errors(void **state)
{
	struct xs_port_table t;
	struct xs_port *p = NULL;

	(void)state;
	xs_ports_init(&t);
	assert_int_equal(xs_ports_add(&t, "a", 10, 7, &p), 0);
	assert_int_equal(xs_ports_add(&t, "a", 11, 0, &p), -EEXIST);
	assert_int_equal(xs_ports_add(&t, "b", 10, 0, &p), -EEXIST);
	assert_int_equal(xs_ports_add(&t, "b", 11, 7, &p), -EADDRINUSE);
	assert_int_equal(xs_ports_add(&t, "b", 11, XS_OFPORT_MAX + 1, &p), -ERANGE);
	assert_int_equal(xs_ports_add(&t, "", 11, 0, &p), -EINVAL);
	assert_int_equal(xs_ports_add(&t, "b", 0, 0, &p), -EINVAL);
	assert_int_equal(xs_ports_add(&t, "1234567890123456", 11, 0, &p), -EINVAL);
	assert_int_equal(t.n, 1);
	assert_int_equal(xs_ports_add(&t, "top", 11, XS_OFPORT_MAX, &p), 0);

	char name[IF_NAMESIZE];
	for (int i = 2; i < XS_BRIDGE_MAX_PORTS; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		assert_int_equal(xs_ports_add(&t, name, 100 + i, 0, NULL), 0);
	}
	assert_int_equal(t.n, XS_BRIDGE_MAX_PORTS);
	assert_int_equal(xs_ports_add(&t, "full", 5000, 0, &p), -ENOSPC);
	xs_ports_free(&t);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(xs_port_tx_name(XS_TX_XDP), "xdp");
	assert_string_equal(xs_port_tx_name(XS_TX_TC), "tc");
	assert_string_equal(xs_port_tx_name(XS_TX_UNKNOWN), "?");
}

static int sh(const char *cmd)
{
	return system(cmd);
}

/* A veth accepts redirected frames only while its peer has an XDP program
 * or GRO: the probe must follow the peer's state. */
static char a[IF_NAMESIZE], b[IF_NAMESIZE];

static int del_veth(void **state)
{
	char cmd[64];

	(void)state;
	if (a[0] && geteuid() == 0) {
		snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null", a);
		sh(cmd);
	}
	return 0;
}

static void test_probe_tx_veth(void **state)
{
	char cmd[256], driver[32];
	struct xs_port_hw p;

	(void)state;
	xs_test_require_bpf();
	snprintf(a, sizeof(a), "xse-pa%d", getpid() % 100000);
	snprintf(b, sizeof(b), "xse-pb%d", getpid() % 100000);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s && ip link set %s up"
		 " && ip link set %s up && ethtool -K %s gro off", a, b, a, b, b);
	assert_int_equal(sh(cmd), 0);
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", a);
	p.ifindex = (int)if_nametoindex(a);

	assert_int_equal(xs_port_driver(a, driver, sizeof(driver)), 0);
	assert_string_equal(driver, "veth");
	assert_int_equal(xs_port_probe_tx(&p), 0);
	assert_int_equal(p.tx, XS_TX_TC);
	assert_string_equal(p.tx_why, "xdp-features lacks ndo-xmit");

	snprintf(cmd, sizeof(cmd), "ip link set %s xdp obj %s sec xdp 2>/dev/null", b,
		 xs_test_build_path("tests/bpf/xdp_pass.bpf.o"));
	assert_int_equal(sh(cmd), 0);
	assert_int_equal(xs_port_probe_tx(&p), 0);
	assert_int_equal(p.tx, XS_TX_XDP);
	assert_string_equal(p.tx_why, "xdp-features has ndo-xmit");

	snprintf(cmd, sizeof(cmd), "ip link set %s xdp off && ethtool -K %s gro on", b, b);
	assert_int_equal(sh(cmd), 0);
	assert_int_equal(xs_port_probe_tx(&p), 0);
	assert_int_equal(p.tx, XS_TX_XDP);

	snprintf(cmd, sizeof(cmd), "ip link del %s", a);
	assert_int_equal(sh(cmd), 0);
	assert_int_not_equal(xs_port_probe_tx(&p), 0); /* gone */
	assert_int_equal(p.tx, XS_TX_UNKNOWN);
	assert_int_equal(xs_port_driver(a, driver, sizeof(driver)), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_add_lookup_del),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_probe_tx_veth),
	};

	return cmocka_run_group_tests(tests, NULL, del_veth);
}
