// SPDX-License-Identifier: Apache-2.0
/* Tests of the agent's request dispatch (agent/daemon/handlers.c) with no
 * datapath: unknown commands, argument counts, port commands, flow parse
 * errors, exact outputs and exit statuses. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"

static struct xs_agent agent;

static int setup(void **state)
{
	struct xs_agent_opts o = { .bridge = "tb0", .no_datapath = true };

	(void)state;
	return xs_agent_init(&agent, &o, NULL);
}

static int teardown(void **state)
{
	(void)state;
	xs_agent_fini(&agent);
	return 0;
}

/* Runs argv through the handler; checks status and exact output. */
static void expect(int status, const char *output, int argc, ...)
{
	char *argv[8];
	struct xs_ctl_buf out;
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	xs_ctl_buf_init(&out);
	int got = xs_agent_handle_request(&agent, argc, argv, &out);

	if (got != status)
		fail_msg("%s %s: status %d, expected %d; output: %s", argv[0],
			 argc > 1 ? argv[1] : "", got, status, out.data ? out.data : "");
	assert_string_equal(out.data ? out.data : "", output);
	xs_ctl_buf_free(&out);
}

static void test_init(void **state)
{
	struct xs_agent_opts bad = { .bridge = "no/slash" };
	struct xs_agent a;

	(void)state;
	assert_string_equal(agent.bridge, "tb0");
	assert_string_equal(xs_agent_dp_name(&agent), "none");
	assert_null(agent.dpif);
	assert_int_equal(xs_agent_init(&a, &bad, NULL), -EINVAL);
	xs_agent_fini(&a);
	/* a failed init closes no descriptor it did not open (stdin here) */
	assert_int_not_equal(fcntl(0, F_GETFD), -1);
}

static void test_unknown_and_usage(void **state)
{
	(void)state;
	expect(2, "unknown command 'frobnicate'\n", 1, "frobnicate");
	expect(2, "usage: show [--json] [--stats]\n", 2, "show", "x");
	expect(2, "usage: show [--json] [--stats]\n", 2, "show", "--strict");
	expect(2, "usage: dump-ports [--json] [PORT]\n", 3, "dump-ports", "1", "2");
	expect(2, "usage: dump-ports [--json] [PORT]\n", 2, "dump-ports", "--stats");
	expect(2, "usage: metrics\n", 2, "metrics", "x");
	expect(2, "usage: detach IFACE\n", 1, "detach");
	expect(2, "usage: add-flow FLOW\n", 1, "add-flow");
	expect(2, "usage: add-flows NAME TEXT\n", 2, "add-flows", "f");
	expect(2, "usage: dump-megaflows [--json] [--type=offloaded|non-offloaded]\n", 3,
	       "dump-megaflows", "x", "y");
	expect(2, "dump-megaflows: 'x': expected --type=offloaded or --type=non-offloaded\n", 2,
	       "dump-megaflows", "x");
	expect(2, "usage: del-flows [--strict] [MATCH]\n", 3, "del-flows", "ip", "arp");
	expect(2, "usage: trace-live [--json] PACKET\n", 2, "trace-live", "--json");
	expect(2, "usage: attach IFACE[=OFPORT][,tag=N,trunks=LIST,vlan_mode=MODE] [--force]\n", 2, "attach", "--force");
	expect(2, "usage: attach IFACE[=OFPORT][,tag=N,trunks=LIST,vlan_mode=MODE] [--force]\n", 3, "attach", "a", "b");
	expect(2, "usage: mod-flows [--strict] FLOW | NAME TEXT\n", 1, "mod-flows");
	expect(2, "usage: mod-flows [--strict] FLOW | NAME TEXT\n", 4, "mod-flows", "a", "b",
	       "c");
	expect(2, "usage: mod-flows [--strict] FLOW | NAME TEXT\n", 3, "mod-flows", "--json",
	       "actions=drop");
}

static void test_show_empty(void **state)
{
	(void)state;
	expect(0, "bridge tb0: datapath none, 0 ports\nflows: 0\n"
	       "mac table: 0 entries (at most 8192, aging 300 s), 0 evicted, 0 aged\n", 1, "show");
	expect(0, "{\"bridge\": \"tb0\", \"datapath\": \"none\", \"flows\": 0, \"ports\": [], \"mac_table\": {\"entries\": 0, \"max\": 8192, \"aging_s\": 300, \"evicted\": 0, \"aged\": 0}}\n",
	       2, "show", "--json");
	expect(0, "OFPST_PORT reply: 0 ports\n", 1, "dump-ports");
	expect(0, "[]\n", 2, "dump-ports", "--json");
	expect(1, "dump-ports: '7' is not a port of bridge tb0\n", 2, "dump-ports", "7");
	expect(0, "rates: not yet (the agent samples its counters every second)\n", 2, "show",
	       "--stats");
}

static void test_port_commands(void **state)
{
	struct xs_ctl_buf out;
	char *show[] = { "show", NULL };

	(void)state;
	expect(1, "attach: no interface 'xse-none0'\n", 2, "attach", "xse-none0");
	expect(1, "attach: 'lo=', column 4: expected an OpenFlow port number after '='\n", 2,
	       "attach", "lo=");
	expect(0, "", 2, "attach", "lo=9");
	expect(1, "attach: 'lo' is already port 9\n", 2, "attach", "lo");

	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 1, show, &out), 0);
	/* no datapath: nothing attached, the port is its ifindex */
	assert_string_equal(out.data, "bridge tb0: datapath none, 1 port\n"
			    " 9(lo): datapath port 1; trunk all VLANs\n"
			    "flows: 0\n"
			    "mac table: 0 entries (at most 8192, aging 300 s), 0 evicted, 0 aged\n");
	xs_ctl_buf_free(&out);

	expect(0, "", 2, "detach", "lo");
	expect(1, "detach: 'lo' is not a port of bridge tb0\n", 2, "detach", "lo");
	expect(0, "bridge tb0: datapath none, 0 ports\nflows: 0\n"
	       "mac table: 0 entries (at most 8192, aging 300 s), 0 evicted, 0 aged\n", 1, "show");
}

static void test_flow_commands_parse(void **state)
{
	struct xs_ctl_buf out;
	char *bad_file[] = { "add-flows", "my.flows", "actions=drop\n\nnw_src=1.2.3.4.5 actions=drop\n",
			     NULL };

	(void)state;
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 3, bad_file, &out), 1);
	assert_memory_equal(out.data, "add-flows: my.flows:3:", 22);
	xs_ctl_buf_free(&out);

	xs_ctl_buf_init(&out);
	char *bad_flow[] = { "add-flow", "in_port=1 actions=frob", NULL };
	assert_int_equal(xs_agent_handle_request(&agent, 2, bad_flow, &out), 1);
	assert_memory_equal(out.data, "add-flow: column ", 17);
	xs_ctl_buf_free(&out);

	/* nothing was added by the failed commands */
	expect(0, "", 1, "dump-flows");
}

/* Flows reach the tables: add, dump (exact ovs-ofctl text), delete. */
static void test_flow_commands_apply(void **state)
{
	struct xs_ctl_buf out;
	char *dump[] = { "dump-flows", NULL };
	char *file[] = { "add-flows", "f.flows",
			 "priority=5,ip,nw_dst=10.0.0.2 actions=output:2\n"
			 "table=1,arp actions=drop\n", NULL };
	char *replace[] = { "replace-flows", "r.flows", "priority=7,udp actions=output:3\n", NULL };

	(void)state;
	expect(0, "", 2, "add-flow", "priority=100,in_port=1 actions=output:2");
	assert_int_equal(xs_agent_handle_request(&agent, 3, file, &(struct xs_ctl_buf){ 0 }), 0);
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 1, dump, &out), 0);
	/* durations vary: compare what follows them */
	assert_non_null(strstr(out.data, ", table=0, n_packets=0, n_bytes=0, idle_age=0, "
			       "priority=100,in_port=1 actions=output:2\n"));
	assert_non_null(strstr(out.data, ", table=0, n_packets=0, n_bytes=0, idle_age=0, "
			       "priority=5,ip,nw_dst=10.0.0.2 actions=output:2\n"));
	assert_non_null(strstr(out.data, ", table=1, n_packets=0, n_bytes=0, idle_age=0, arp actions=drop\n"));
	assert_memory_equal(out.data, " cookie=0x0, duration=", 22);
	xs_ctl_buf_free(&out);
	assert_int_equal(agent.pipeline->n_rules, 3);

	expect(0, "", 3, "del-flows", "--strict", "in_port=1");   /* priority differs */
	assert_int_equal(agent.pipeline->n_rules, 3);
	expect(0, "", 2, "del-flows", "ip");
	assert_int_equal(agent.pipeline->n_rules, 2);
	expect(0, "", 2, "del-flows", "table=1");
	assert_int_equal(agent.pipeline->n_rules, 1);

	/* a bad replacement changes nothing; a good one replaces all */
	char *bad[] = { "replace-flows", "b.flows", "udp actions=output:3\nfoo=1 actions=drop\n",
			NULL };
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 3, bad, &out), 1);
	assert_memory_equal(out.data, "replace-flows: b.flows:2:1: ", 28);
	xs_ctl_buf_free(&out);
	assert_int_equal(agent.pipeline->n_rules, 1);
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 3, replace, &out), 0);
	xs_ctl_buf_free(&out);
	assert_int_equal(agent.pipeline->n_rules, 1);
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 2, (char *[]){ "dump-flows", "--json",
			 NULL }, &out), 0);
	assert_non_null(strstr(out.data, "\"n_packets\": 0, \"n_bytes\": 0, \"idle_timeout\": 0, "
			       "\"hard_timeout\": 0, \"idle_age_s\": 0, \"priority\": 7, "
			       "\"match\": \"priority=7,udp\", \"actions\": \"output:3\"}]\n"));
	xs_ctl_buf_free(&out);
	expect(0, "", 1, "del-flows");
	expect(0, "[]\n", 2, "dump-flows", "--json");
	expect(0, "", 1, "dump-megaflows"); /* no datapath: none */
	expect(0, "", 2, "dump-megaflows", "--type=offloaded");
	expect(0, "", 2, "dump-megaflows", "--type=non-offloaded");
	expect(1, "add-flow: column 1: unknown field 'bogus'\n", 2, "add-flow", "bogus=1 actions=drop");
}

/* Rule lines of dump-flows after the duration (which varies). */
static char *dump_rules(void)
{
	static char buf[4096];
	char *argv[] = { "dump-flows", NULL };
	struct xs_ctl_buf out;
	size_t len = 0;

	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 1, argv, &out), 0);
	buf[0] = 0;
	for (char *line = out.data; line && *line;) {
		char *nl = strchr(line, '\n'), *t = strstr(line, ", table=");

		assert_non_null(nl);
		assert_true(t && t < nl);
		len += snprintf(buf + len, sizeof(buf) - len, "%.*s\n", (int)(nl - t - 2), t + 2);
		line = nl + 1;
	}
	xs_ctl_buf_free(&out);
	return buf;
}

/* mod-flows: new actions for the matching flows, counters kept, cookies as
 * ovs-ofctl sets and selects them; never adds; bad input changes nothing. */
static void test_mod_flows(void **state)
{
	struct xs_ctl_buf out;
	char before[4096];

	(void)state;
	expect(0, "", 3, "add-flows", "f", "priority=5,ip,nw_dst=10.0.0.2 actions=output:2\n"
	       "priority=6,cookie=0x7,tcp actions=output:3\ntable=1,arp actions=drop\n");
	ft_rule_credit((struct ft_rule *)ft_lookup(agent.pipeline, 0, &(struct ofp_key){
		.dp.dl_type = htons(0x0800), .dp.nw_proto = 6 }, NULL), 3, 180, 1);

	/* non-strict: every table, any priority; counters stay */
	expect(0, "", 2, "mod-flows", "ip actions=output:4");
	assert_string_equal(dump_rules(),
		"table=0, n_packets=3, n_bytes=180, idle_age=0, priority=6,tcp actions=output:4\n"
		"table=0, n_packets=0, n_bytes=0, idle_age=0, priority=5,ip,nw_dst=10.0.0.2 "
		"actions=output:4\n"
		"table=1, n_packets=0, n_bytes=0, idle_age=0, arp actions=drop\n");
	/* strict: exact match and priority only */
	expect(0, "", 3, "mod-flows", "--strict", "tcp actions=output:5");
	expect(0, "", 3, "mod-flows", "priority=6,tcp actions=output:5", "--strict");
	/* cookie: select 0x7, set 0x8 */
	expect(0, "", 2, "mod-flows", "cookie=0x7/-1,cookie=0x8 actions=output:6");
	assert_string_equal(dump_rules(),
		"table=0, n_packets=3, n_bytes=180, idle_age=0, priority=6,tcp actions=output:6\n"
		"table=0, n_packets=0, n_bytes=0, idle_age=0, priority=5,ip,nw_dst=10.0.0.2 "
		"actions=output:4\n"
		"table=1, n_packets=0, n_bytes=0, idle_age=0, arp actions=drop\n");
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 1, (char *[]){ "dump-flows", NULL },
						 &out), 0);
	assert_memory_equal(out.data, " cookie=0x8, ", 13);
	xs_ctl_buf_free(&out);

	/* no match: nothing added, success (as ovs-ofctl) */
	strcpy(before, dump_rules());
	expect(0, "", 2, "mod-flows", "udp actions=output:1");
	expect(0, "", 3, "mod-flows", "--strict", "priority=9,tcp actions=output:1");
	assert_string_equal(dump_rules(), before);

	/* bad input: a message, status 1, nothing changed */
	expect(1, "mod-flows: column 4: missing actions=... (use actions=drop to drop)\n", 2,
	       "mod-flows", "tcp");
	expect(1, "mod-flows: column 20: output: 'LOCAL': this bridge has no LOCAL port "
	       "(xdpswitch has no internal port; output to a real port)\n", 2, "mod-flows",
	       "tcp actions=output:LOCAL");
	expect(1, "mod-flows: column 1: out_port is not allowed when modifying flows\n", 2,
	       "mod-flows", "out_port=1 actions=drop");
	expect(1, "mod-flows: goto_table:1 must lead to a later table, but a flow this modifies "
	       "is in table 1 (select with table=; nothing changed)\n", 2, "mod-flows",
	       "actions=goto_table:1");
	/* a file: parsed whole first, then applied all or nothing */
	expect(1, "mod-flows: m.flows:2:12: unknown or unsupported action 'frob'\n", 3,
	       "mod-flows", "m.flows", "tcp actions=output:9\nip actions=frob\n");
	expect(1, "mod-flows: m.flows: flow 2 of 2: goto_table:1 must lead to a later table, but "
	       "a flow this modifies is in table 1 (select with table=; nothing changed)\n", 3,
	       "mod-flows", "m.flows", "tcp actions=output:9\n\n# c\narp actions=goto_table:1\n");
	assert_string_equal(dump_rules(), before);
	expect(0, "", 3, "mod-flows", "m.flows", "tcp actions=output:9\n"
	       "table=0 actions=goto_table:1\n");
	assert_string_equal(dump_rules(),
		"table=0, n_packets=3, n_bytes=180, idle_age=0, priority=6,tcp "
		"actions=goto_table:1\n"
		"table=0, n_packets=0, n_bytes=0, idle_age=0, priority=5,ip,nw_dst=10.0.0.2 "
		"actions=goto_table:1\n"
		"table=1, n_packets=0, n_bytes=0, idle_age=0, arp actions=drop\n");
	expect(0, "", 1, "del-flows");
}

/* LOCAL is refused wherever a flow is given, with its position. */
static void test_no_local_port(void **state)
{
	(void)state;
	expect(1, "add-flow: column 12: 'local': this bridge has no LOCAL port (xdpswitch has "
	       "no internal port; output to a real port)\n", 2, "add-flow", "ip actions=local");
	expect(1, "add-flows: f.flows:2:9: in_port: 'LOCAL': this bridge has no LOCAL port "
	       "(xdpswitch has no internal port; use a real port)\n", 3, "add-flows", "f.flows",
	       "ip actions=drop\nin_port=LOCAL actions=output:1\n");
	expect(1, "replace-flows: r.flows:1:18: resubmit: '65534': this bridge has no LOCAL port "
	       "(xdpswitch has no internal port; use a real port)\n", 3, "replace-flows",
	       "r.flows", "actions=resubmit(65534,1)\n");
	expect(1, "trace-live: column 9: in_port: 'local': this bridge has no LOCAL port "
	       "(xdpswitch has no internal port; use a real port)\n", 2, "trace-live",
	       "in_port=local,ip");
	expect(1, "del-flows: column 10: out_port: 'LOCAL': this bridge has no LOCAL port "
	       "(xdpswitch has no internal port; use a real port)\n", 2, "del-flows",
	       "out_port=LOCAL");
	expect(0, "", 1, "dump-flows");
}

/* trace-live runs the offline tracer over the live tables. */
static void test_trace_live(void **state)
{
	struct xs_ctl_buf out;
	char *trace[] = { "trace-live", "in_port=1,ip,nw_dst=10.0.0.9", NULL };

	(void)state;
	expect(0, "", 2, "add-flow", "priority=9,ip,nw_dst=10.0.0.9 actions=output:4");
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, 2, trace, &out), 0);
	assert_non_null(strstr(out.data, "Datapath actions: 4\n"));
	xs_ctl_buf_free(&out);
	expect(1, "trace-live: column 1: unknown field 'frob'\n", 2, "trace-live", "frob=1");
	expect(0, "", 1, "del-flows");
}

/* A datapath provider that refuses every port. */
static struct xs_dpif refusing_dpif;

static int refusing_open(const struct xs_dpif_config *cfg, struct xs_dpif **out, char *why,
			 size_t why_size)
{
	(void)cfg;
	(void)why;
	(void)why_size;
	*out = &refusing_dpif;
	return 0;
}

static void refusing_close(struct xs_dpif *d, bool keep)
{
	(void)d;
	(void)keep;
}

static int refusing_port_add(struct xs_dpif *d, const char *name, uint32_t flags,
			     uint32_t *port, char *note, size_t note_size, char *why,
			     size_t why_size)
{
	(void)d;
	(void)name;
	(void)flags;
	(void)port;
	(void)note_size;
	note[0] = '\0';
	snprintf(why, why_size, "test refusal");
	return -EIO;
}

static const struct xs_dpif_class refusing = {
	.type = "refusing",
	.open = refusing_open,
	.close = refusing_close,
	.port_add = refusing_port_add,
};

/* A datapath that refuses a port: the attach fails and leaves no port. */
static void test_datapath_refuses_port(void **state)
{
	struct xs_agent_opts o = { .bridge = "tb1" };
	struct xs_agent a;
	char why[256];

	(void)state;
	refusing_dpif.cls = &refusing;
	assert_int_equal(xs_agent_init(&a, &o, &refusing), 0);
	assert_int_equal(xs_bridge_dp_open(&a, why, sizeof(why)), 0);
	assert_string_equal(xs_agent_dp_name(&a), "refusing");
	assert_int_equal(xs_agent_port_attach(&a, "lo", false, why, sizeof(why)), -EIO);
	assert_string_equal(why, "datapath refused port 'lo': test refusal");
	assert_int_equal(a.ports.n, 0);
	xs_agent_fini(&a);
}

static void test_init_long_run_dir(void **state)
{
	struct xs_agent_opts o = { .bridge = "tb2", .no_datapath = true };
	char longdir[160];
	struct xs_agent a;

	(void)state;
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	setenv("XS_RUN_DIR", longdir, 1);
	assert_int_equal(xs_agent_init(&a, &o, NULL), -ENAMETOOLONG);
	unsetenv("XS_RUN_DIR");
	xs_agent_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_unknown_and_usage),
		cmocka_unit_test(test_show_empty),
		cmocka_unit_test(test_port_commands),
		cmocka_unit_test(test_flow_commands_parse),
		cmocka_unit_test(test_flow_commands_apply),
		cmocka_unit_test(test_mod_flows),
		cmocka_unit_test(test_no_local_port),
		cmocka_unit_test(test_trace_live),
		cmocka_unit_test(test_datapath_refuses_port),
		cmocka_unit_test(test_init_long_run_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
