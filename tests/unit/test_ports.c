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
	struct xs_port_vlan vlan;
	struct xs_err err;
	uint32_t ofport;

	(void)state;
	assert_int_equal(xs_port_spec_parse("eth0", name, &ofport, &vlan, &err), 0);
	assert_string_equal(name, "eth0");
	assert_int_equal(ofport, 0);
	assert_int_equal(xs_port_spec_parse("xse-a=65279", name, &ofport, &vlan, &err), 0);
	assert_string_equal(name, "xse-a");
	assert_int_equal(ofport, 65279);
	assert_int_equal(xs_port_spec_parse("123456789012345=1", name, &ofport, &vlan, &err), 0);
	assert_string_equal(name, "123456789012345");
}

static void expect_spec_error(const char *spec, int col, const char *msg)
{
	char name[IF_NAMESIZE];
	struct xs_port_vlan vlan;
	struct xs_err err;
	uint32_t ofport;

	assert_int_equal(xs_port_spec_parse(spec, name, &ofport, &vlan, &err), -EINVAL);
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

/* "IFACE=N,OPTIONS": VLAN options parsed, formatted back, applied. */
static void test_spec_vlan(void **state)
{
	char name[IF_NAMESIZE], text[XS_PORT_VLAN_TEXT_MAX], why[128];
	struct xs_port_vlan vlan, again;
	struct xs_err err;
	uint32_t ofport;

	(void)state;
	assert_int_equal(xs_port_spec_parse("p1=3,tag=10", name, &ofport, &vlan, &err), 0);
	assert_string_equal(name, "p1");
	assert_int_equal(ofport, 3);
	assert_int_equal(vlan.mode, XS_VLAN_MODE_ACCESS);
	assert_int_equal(vlan.tag, 10);
	assert_int_equal(xs_port_vlan_input(&vlan, -1, why, sizeof(why)), 10);
	assert_int_equal(xs_port_vlan_input(&vlan, 0, why, sizeof(why)), 10); /* priority tag */
	assert_int_equal(xs_port_vlan_input(&vlan, 20, why, sizeof(why)), -1);
	assert_string_equal(why, "dropping VLAN 20 tagged packet received on an access port "
			    "of VLAN 10");
	assert_true(xs_port_vlan_includes(&vlan, 10));
	assert_false(xs_port_vlan_includes(&vlan, 0));
	assert_int_equal(xs_port_vlan_output_vid(&vlan, 10), 0);
	xs_port_vlan_format(&vlan, text, sizeof(text));
	assert_string_equal(text, "tag=10");

	/* no port number, a trunk list with a range, then another option */
	assert_int_equal(xs_port_spec_parse("t,trunks=10,20,30-32,vlan_mode=trunk", name, &ofport,
					    &vlan, &err), 0);
	assert_string_equal(name, "t");
	assert_int_equal(ofport, 0);
	assert_int_equal(vlan.mode, XS_VLAN_MODE_TRUNK);
	assert_int_equal(vlan.n_trunks, 5);
	assert_int_equal(xs_port_vlan_input(&vlan, 31, why, sizeof(why)), 31);
	assert_int_equal(xs_port_vlan_input(&vlan, -1, why, sizeof(why)), -1); /* VLAN 0 */
	assert_string_equal(why, "dropping VLAN 0 packet received on a port not configured "
			    "for trunking VLAN 0");
	assert_int_equal(xs_port_vlan_input(&vlan, 11, why, sizeof(why)), -1);
	assert_int_equal(xs_port_vlan_output_vid(&vlan, 20), 20);
	xs_port_vlan_format(&vlan, text, sizeof(text));
	assert_string_equal(text, "trunks=10,20,30-32,vlan_mode=trunk");
	assert_int_equal(xs_port_vlan_parse(text, 0, &again, &err), 0);
	assert_memory_equal(&again, &vlan, sizeof(vlan));

	/* the default: a trunk of every VLAN, VLAN 0 untagged */
	assert_int_equal(xs_port_spec_parse("d=2", name, &ofport, &vlan, &err), 0);
	assert_int_equal(vlan.mode, XS_VLAN_MODE_TRUNK);
	assert_int_equal(xs_port_vlan_input(&vlan, -1, why, sizeof(why)), 0);
	assert_int_equal(xs_port_vlan_input(&vlan, 4095, why, sizeof(why)), 4095);
	assert_int_equal(xs_port_vlan_output_vid(&vlan, 0), 0);
	xs_port_vlan_format(&vlan, text, sizeof(text));
	assert_string_equal(text, "");

	/* native modes: untagged in is the native VLAN */
	assert_int_equal(xs_port_spec_parse("n=4,tag=5,trunks=7,vlan_mode=native-untagged", name,
					    &ofport, &vlan, &err), 0);
	assert_int_equal(xs_port_vlan_input(&vlan, -1, why, sizeof(why)), 5);
	assert_int_equal(xs_port_vlan_input(&vlan, 7, why, sizeof(why)), 7);
	assert_int_equal(xs_port_vlan_input(&vlan, 5, why, sizeof(why)), 5);
	assert_int_equal(xs_port_vlan_input(&vlan, 8, why, sizeof(why)), -1);
	assert_int_equal(xs_port_vlan_output_vid(&vlan, 5), 0);
	assert_int_equal(xs_port_vlan_output_vid(&vlan, 7), 7);
	assert_int_equal(xs_port_spec_parse("n=4,tag=5,vlan_mode=native-tagged", name, &ofport,
					    &vlan, &err), 0);
	assert_int_equal(xs_port_vlan_output_vid(&vlan, 5), 5);
	assert_true(xs_port_vlan_includes(&vlan, 99)); /* no trunks: all */
	assert_false(xs_port_vlan_includes(&vlan, 0));  /* but VLAN 0 */
	xs_port_vlan_describe(&vlan, text, sizeof(text));
	assert_string_equal(text, "native-tagged native VLAN 5, all VLANs");
}

static void test_spec_vlan_errors(void **state)
{
	(void)state;
	expect_spec_error("p=1,tag=0", 9, "tag must be a VLAN 1..4095");
	expect_spec_error("p=1,tag=4096", 9, "tag must be a VLAN 1..4095");
	expect_spec_error("p,tag=x", 7, "tag must be a VLAN 1..4095");
	expect_spec_error("p=1,tag=10,tag=11", 12, "tag given twice");
	expect_spec_error("p=1,trunks=5,x", 14, "expected tag=VLAN, trunks=LIST or vlan_mode=MODE");
	expect_spec_error("p=1,trunks=4096", 12, "trunks: expected a VLAN 0..4095");
	expect_spec_error("p=1,trunks=9-3", 12, "trunks: bad range (LOW-HIGH, both 0..4095)");
	expect_spec_error("p=1,vlan_mode=hybrid", 15,
			  "vlan_mode must be access, trunk, native-tagged or native-untagged");
	expect_spec_error("p=1,colour=red", 5, "unknown port option 'colour' (tag, trunks, "
			  "vlan_mode)");
	expect_spec_error("p=1,tag=10,trunks=10,20", 5, "trunks conflicts with an access port "
			  "(tag=10); use vlan_mode=native-tagged or native-untagged for both");
	expect_spec_error("p=1,tag=10,vlan_mode=trunk", 5, "tag conflicts with vlan_mode=trunk "
			  "(a trunk's untagged packets are VLAN 0; use vlan_mode=native-tagged or "
			  "native-untagged)");
	expect_spec_error("p=1,vlan_mode=access", 5, "vlan_mode=access needs tag=VLAN");
	expect_spec_error("p=1,vlan_mode=native-tagged", 5,
			  "vlan_mode=native-tagged needs tag=VLAN (the native VLAN)");
	expect_spec_error("p=1,tag=10x", 11, "unexpected 'x' in the port options");
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
		cmocka_unit_test(test_spec_vlan),
		cmocka_unit_test(test_spec_vlan_errors),
		cmocka_unit_test(test_add_lookup_del),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_probe_tx_veth),
	};

	return cmocka_run_group_tests(tests, NULL, del_veth);
}
