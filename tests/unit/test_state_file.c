// SPDX-License-Identifier: Apache-2.0
/* The agent's state file: round trip of rules and ports, atomic replace,
 * and bad files refused with file:line, nothing returned. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/daemon/state_file.h"
#include "agent/ofp/flow.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xsh-state-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/br0.state", dir);
	return 0;
}

static int teardown(void **state)
{
	char tmp[160];

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void load(struct flow_tables *ft, const char *text)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	if (ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &err))
		fail_msg("flows: %d:%d: %s", err.line, err.col, err.msg);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ft_add(ft, &flows[i], 0), 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
}

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Every rule, formatted, in ft_collect order, one per line. */
static void dump(const struct flow_tables *ft, char *out, size_t size)
{
	const struct ft_rule **v;
	long n = ft_collect(ft, &v);
	size_t len = 0;

	out[0] = '\0';
	for (long i = 0; i < n; i++) {
		struct ofp_flow f;

		ft_rule_flow(v[i], &f);
		len += (size_t)ofp_format_flow(&f, out + len, size - len);
		len += (size_t)snprintf(out + len, size - len, "\n");
		assert_true(len < size);
	}
	free(v);
}

static const char *flows_text =
	"table=0,priority=100,cookie=0x5,idle_timeout=7,hard_timeout=30,udp,nw_dst=10.0.0.0/8,"
	"tp_dst=53 actions=mod_nw_tos:16,output:2\n"
	"table=0,priority=10,in_port=1 actions=goto_table:3\n"
	"table=3,arp actions=FLOOD\n"
	"table=3,priority=0 actions=drop\n"
	"table=3,dl_vlan=10,ipv6,ipv6_dst=fe80::1 actions=strip_vlan,resubmit(,4),"
	"output:1\n";

static void test_round_trip(void **state)
{
	struct xs_state_port ports[2] = { { "veth-a", 1, true, "tag=10" }, { "eth1", 7, false, "" } };
	struct flow_tables ft, back;
	struct xs_state st;
	char why[256] = "", a[8192], b[8192];

	(void)state;
	flow_tables_init(&ft);
	flow_tables_init(&back);
	load(&ft, flows_text);
	assert_int_equal(xs_state_write(path, 1, &ft, ports, 2, NULL, why, sizeof(why)), 0);
	assert_int_equal(xs_state_read(path, &st, why, sizeof(why)), 0);
	assert_int_equal(st.n_ports, 2);
	assert_string_equal(st.ports[0].name, "veth-a");
	assert_int_equal(st.ports[0].ofport, 1);
	assert_true(st.ports[0].created_qdisc);
	assert_false(st.ports[1].created_qdisc);
	assert_string_equal(st.ports[0].vlan, "tag=10"); /* VLAN options kept */
	assert_string_equal(st.ports[1].vlan, "");
	assert_string_equal(st.ports[1].name, "eth1");
	assert_int_equal(st.ports[1].ofport, 7);
	assert_int_equal(st.n_flows, 5);
	assert_int_equal(st.flows[0].idle_timeout + 0, 7);
	for (size_t i = 0; i < st.n_flows; i++)
		assert_int_equal(ft_add(&back, &st.flows[i], 0), 0);
	dump(&ft, a, sizeof(a));
	dump(&back, b, sizeof(b));
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "cookie=0x5"));
	assert_non_null(strstr(a, "hard_timeout=30"));
	xs_state_free(&st);
	assert_int_equal(st.n_flows, 0);
	/* Empty tables, no ports: a valid, empty state. */
	flow_tables_destroy(&back);
	flow_tables_init(&back);
	assert_int_equal(xs_state_write(path, 1, &back, NULL, 0, NULL, why, sizeof(why)), 0);
	assert_int_equal(xs_state_read(path, &st, why, sizeof(why)), 0);
	assert_int_equal(st.n_flows + st.n_ports, 0);
	xs_state_free(&st);
	flow_tables_destroy(&back);
	flow_tables_destroy(&ft);
}

static void test_atomic_replace(void **state)
{
	struct xs_state_port port = { "p1", 1, false, "" };
	struct flow_tables ft;
	struct xs_state st;
	char why[256] = "", tmp[160];
	struct stat sb;
	ino_t before;

	(void)state;
	flow_tables_init(&ft);
	load(&ft, "actions=drop\n");
	assert_int_equal(xs_state_write(path, 1, &ft, &port, 1, NULL, why, sizeof(why)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	before = sb.st_ino;
	load(&ft, "priority=5,tcp actions=output:1\n");
	assert_int_equal(xs_state_write(path, 1, &ft, &port, 1, NULL, why, sizeof(why)), 0);
	/* A new file took the name (rename), no temporary file is left. */
	assert_int_equal(stat(path, &sb), 0);
	assert_int_not_equal(sb.st_ino, before);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(stat(tmp, &sb), -1);
	assert_int_equal(xs_state_read(path, &st, why, sizeof(why)), 0);
	assert_int_equal(st.n_flows, 2);
	xs_state_free(&st);
	/* A write that cannot happen leaves the old file as it was. */
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(xs_state_write(path, 1, &ft, NULL, 0, NULL, why, sizeof(why)), -EISDIR);
	assert_non_null(strstr(why, ".tmp"));
	rmdir(tmp);
	assert_int_equal(xs_state_read(path, &st, why, sizeof(why)), 0);
	assert_int_equal(st.n_flows, 2);
	assert_int_equal(st.n_ports, 1);
	xs_state_free(&st);
	flow_tables_destroy(&ft);
}

/* Each bad file: its error, exactly, and nothing returned. */
static void expect_bad(const char *text, const char *msg)
{
	struct xs_state st;
	char why[512] = "", want[512];

	write_text(text);
	assert_int_equal(xs_state_read(path, &st, why, sizeof(why)), -EINVAL);
	assert_null(st.flows);
	assert_null(st.ports);
	assert_int_equal(st.n_flows + st.n_ports, 0);
	snprintf(want, sizeof(want), "%s:%s", path, msg);
	assert_string_equal(why, want);
}

static void test_corrupt_files(void **state)
{
	struct xs_state st;
	char why[256] = "";

	(void)state;
	assert_int_equal(xs_state_read("/nonexistent/xsh.state", &st, why, sizeof(why)), -ENOENT);
	expect_bad("", "1: empty file, not an xdpswitch state file");
	expect_bad("hello\n", "1: not an xdpswitch state file (expected 'xdpswitch-state 2 gen N')");
	expect_bad("xdpswitch-state 3 gen 1\n",
		   "1: not an xdpswitch state file (expected 'xdpswitch-state 2 gen N')");
	expect_bad("xdpswitch-state 2\n",
		   "1: not an xdpswitch state file (expected 'xdpswitch-state 2 gen N')");
	expect_bad("xdpswitch-state 2 gen 1 x\n",
		   "1: not an xdpswitch state file (expected 'xdpswitch-state 2 gen N')");
	expect_bad("xdpswitch-state 1 gen 4\n",
		   "1: not an xdpswitch state file (expected 'xdpswitch-state 2 gen N')");
	expect_bad("xdpswitch-state 1\nport a 1\nflow actions=drop\nflow tcp,tp_dst=99999 "
		   "actions=drop\n", "4:17: tp_dst: value 99999 is out of range (0 to 65535)");
	expect_bad("xdpswitch-state 1\n# comment\nport a 1\nport b 1\n",
		   "4: port b 1 repeats a name or number");
	expect_bad("xdpswitch-state 1\nport a 0\n",
		   "2: expected 'port NAME OFPORT [clsact] [vlan:OPTIONS]' (name below 16 characters, port 1-65279)");
	expect_bad("xdpswitch-state 1\nport a-very-long-interface 3\n",
		   "2: expected 'port NAME OFPORT [clsact] [vlan:OPTIONS]' (name below 16 characters, port 1-65279)");
	expect_bad("xdpswitch-state 1\nport a 3 qdisc\n",
		   "2: expected 'port NAME OFPORT [clsact] [vlan:OPTIONS]' (name below 16 characters, port 1-65279)");
	expect_bad("xdpswitch-state 1\nport a 3 clsact vlan:tag=0\n",
		   "2: port a: vlan:tag=0: tag must be a VLAN 1..4095");
	expect_bad("xdpswitch-state 1\nport a 3 vlan:tag=5 clsact\n",
		   "2: expected 'port NAME OFPORT [clsact] [vlan:OPTIONS]' (name below 16 characters, port 1-65279)");
	expect_bad("xdpswitch-state 1\n\nrule actions=drop\n", "3: expected 'port', 'flow' or 'wire'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
