// SPDX-License-Identifier: Apache-2.0
/* Translation of the rest of the flow language (issue 12): conjunctive
 * matches, xreg/xxreg, the register stack, output:FIELD, clone, note,
 * controller descriptors, port semantics after load:->in_port. Exact
 * datapath actions and megaflow masks. */
#include "tests/lib/xs_test.h"
#include "tests/lib/pipeline_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/xlate.h"
#include "xdpswitch/datapath.h"

static const uint32_t ports[] = { 1, 2, 3, 4, 5, 6 };

/* fx_setup with six ports, for flood and all. */
static int setup(void **state)
{
	fx_setup(state);
	fx_tables.ports = ports;
	fx_tables.n_ports = 6;
	return 0;
}

static struct xlate_result run(const char *text)
{
	struct ofp_key k;
	struct xs_err err;
	struct xlate_result res = { .trace = NULL };

	if (ofp_parse_packet(text, &k, &err)) {
		print_error("packet: %d: %s\n", err.col, err.msg);
		fail();
	}
	assert_int_equal(xlate(&fx_tables, &k, &res), 0);
	return res;
}

/* The ports a result outputs to, in order, as "1,3" ("" for none). */
static const char *outputs(const struct xlate_result *r)
{
	static char buf[128];
	size_t len = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < r->n_actions; i++)
		if (r->actions[i].type == XS_ACT_OUTPUT)
			len += snprintf(buf + len, sizeof(buf) - len, "%s%u", len ? "," : "",
					r->actions[i].arg);
	return buf;
}

/* Two dimensions, two ids at different priorities, ordinary flows above
 * and below, and a conjunction whose conj_id flow is missing. */
static void test_conjunction(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("priority=100,ip,nw_src=10.0.0.1,actions=conjunction(1,1/2)\n"
	     "priority=100,ip,nw_src=10.0.0.2,actions=conjunction(1,1/2),note:aa\n"
	     "priority=100,tcp,tp_dst=80,actions=conjunction(1,2/2)\n"
	     "priority=100,tcp,tp_dst=443,actions=conjunction(1,2/2),conjunction(2,1/2)\n"
	     "priority=100,conj_id=1,ip,actions=output:2\n"
	     "priority=90,in_port=1,tcp,actions=conjunction(2,2/2)\n"
	     "priority=90,conj_id=2,actions=output:3\n"
	     "priority=200,ip,nw_src=10.0.0.9,actions=output:4\n"
	     "priority=95,ip,nw_src=10.0.0.7,actions=conjunction(3,1/2)\n"
	     "priority=95,ip,nw_dst=10.0.0.8,actions=conjunction(3,2/2)\n"
	     "priority=1,actions=output:6\n");
	r = run("in_port=5,tcp,nw_src=10.0.0.2,tp_dst=80");
	assert_string_equal(outputs(&r), "2");
	/* Only one dimension matches: the ordinary low-priority flow. */
	r = run("in_port=5,tcp,nw_src=10.0.0.3,tp_dst=80");
	assert_string_equal(outputs(&r), "6");
	/* Both ids complete: the higher priority (1 at 100) wins. */
	r = run("in_port=1,tcp,nw_src=10.0.0.1,tp_dst=443");
	assert_string_equal(outputs(&r), "2");
	/* Id 2 alone (clauses at priority 100 and 90 do not combine). */
	r = run("in_port=1,tcp,nw_src=10.0.0.3,tp_dst=443");
	assert_string_equal(outputs(&r), "6");
	/* An ordinary flow above every conjunction wins. */
	r = run("in_port=1,tcp,nw_src=10.0.0.9,tp_dst=80");
	assert_string_equal(outputs(&r), "4");
	/* Id 3 complete, but no conj_id=3 flow: passed over. */
	r = run("in_port=1,ip,nw_src=10.0.0.7,nw_dst=10.0.0.8");
	assert_string_equal(outputs(&r), "6");
	/* conj_id never reaches the datapath: a packet cannot carry it. */
	assert_int_equal(r.mask.nd_pad, 0);
}

/* A later table's conj_id flows see only their own table's conjunctions,
 * and modify-flows turns a rule soft and back. */
static void test_conjunction_tables_and_modify(void **state)
{
	struct xlate_result r;
	struct ofp_flow f;
	struct xs_err err;
	(void)state;

	fx_load("table=0,priority=10,ip,actions=goto_table:1\n"
	     "table=1,priority=10,in_port=1,actions=conjunction(5,1/2)\n"
	     "table=1,priority=10,ip,nw_dst=10.0.0.5,actions=conjunction(5,2/2)\n"
	     "table=1,priority=10,conj_id=5,actions=output:3\n"
	     "table=1,priority=1,actions=output:2\n");
	r = run("in_port=1,ip,nw_dst=10.0.0.5");
	assert_string_equal(outputs(&r), "3");
	assert_int_equal(ofp_parse_flow("table=1,in_port=1,actions=output:4", OFP_PARSE_MODIFY,
					&f, &err), 0);
	assert_int_equal(ft_modify(&fx_tables, &f, false, NULL), 0);
	ofp_flow_free(&f);
	/* in_port=1 is an ordinary flow now, above the catch-all. */
	r = run("in_port=1,ip,nw_dst=10.0.0.5");
	assert_string_equal(outputs(&r), "4");
	assert_int_equal(ofp_parse_flow("table=1,in_port=1,actions=conjunction(5,1/2)",
					OFP_PARSE_MODIFY, &f, &err), 0);
	assert_int_equal(ft_modify(&fx_tables, &f, false, NULL), 0);
	ofp_flow_free(&f);
	r = run("in_port=1,ip,nw_dst=10.0.0.5");
	assert_string_equal(outputs(&r), "3");
}

/* xreg1 is reg2 (high) and reg3 (low); xxreg0 is reg0..reg3. */
static void test_xreg_views(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("table=0,actions=set_field:0x0000000500000003->xreg1,goto_table:1\n"
	     "table=1,priority=10,reg2=5,reg3=3,actions=goto_table:2\n"
	     "table=1,priority=1,actions=output:1\n"
	     "table=2,priority=10,xxreg0=0x0000000000000005/0x00000000ffffffff0000000000000000,"
	     "actions=output:reg3\n"
	     "table=2,priority=1,actions=output:1\n");
	r = run("in_port=4");
	assert_string_equal(outputs(&r), "3");
	/* Registers never reach the megaflow. */
	assert_int_equal(r.mask.dl_type, 0);
}

/* push/pop: last in, first out; a pop from an empty stack writes nothing. */
static void test_stack(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("table=0,actions=load:2->reg0[],load:3->reg1[],push:reg0[],push:reg1[],"
	     "pop:reg0[],pop:reg1[],pop:reg1[],goto_table:1\n"
	     "table=1,priority=10,reg0=3,reg1=2,actions=output:4\n"
	     "table=1,priority=1,actions=output:1\n");
	r = run("in_port=2");
	assert_string_equal(outputs(&r), "4");
}

/* push of a packet field makes its bits part of the megaflow. */
static void test_stack_packet_field(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("table=0,tcp,actions=push:NXM_OF_TCP_DST[0..7],pop:reg0[0..7],output:reg0\n");
	r = run("in_port=1,tcp,tp_dst=3");
	assert_string_equal(outputs(&r), "3");
	assert_int_equal(r.mask.tp_dst, htons(0xff));
}

/* output:FIELD: the port it holds; in_port is skipped like output:N;
 * values above 16 bits and ports the bridge lacks go nowhere. */
static void test_output_reg(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("in_port=1,actions=load:2->reg5[0..15],output:reg5[0..15],"
	     "load:0x10003->reg6[],output:reg6,load:9->reg7[],output:NXM_NX_REG7[],"
	     "output:NXM_OF_IN_PORT[],load:0xfff8->reg8[0..15],output:reg8[0..15]\n");
	r = run("in_port=1");
	/* 2; 0x10003 no port; 9 not on the bridge; in_port skipped;
	 * 0xfff8 is IN_PORT: explicit, so out of 1 */
	assert_string_equal(outputs(&r), "2,1");
}

/* After load:0->in_port[], output:in_port goes to port 0: no such port. */
static void test_in_port_zero(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("in_port=1,actions=load:0->NXM_OF_IN_PORT[],output:in_port,output:1\n");
	r = run("in_port=1");
	/* and output:1 is no longer the input port */
	assert_string_equal(outputs(&r), "1");
}

/* clone: its edits and outputs happen, then the packet is as before. */
static void test_clone(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("in_port=1,actions=clone(mod_dl_src:02:00:00:00:00:09,load:4->reg0[],"
	     "output:reg0),output:reg0,output:2\n");
	r = run("in_port=1,dl_src=02:00:00:00:00:01");
	/* reg0 is 0 again after the clone: output:reg0 goes nowhere */
	assert_string_equal(outputs(&r), "4,2");
	assert_int_equal(r.n_actions, 4);
	assert_int_equal(r.actions[0].type, XS_ACT_SET_ETH_SRC);
	assert_int_equal(r.actions[0].u.mac[5], 9);
	assert_int_equal(r.actions[2].type, XS_ACT_SET_ETH_SRC);
	assert_int_equal(r.actions[2].u.mac[5], 1);
}

/* A TTL expiring inside a clone ends the clone only. */
static void test_clone_dec_ttl(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("in_port=1,ip,actions=clone(dec_ttl,output:3),output:2\n");
	r = run("in_port=1,ip,nw_ttl=1");
	assert_string_equal(outputs(&r), "2");
	assert_int_equal(r.n_actions, 2);
	assert_int_equal(r.actions[0].type, XS_ACT_TO_AGENT);
	assert_int_equal(r.actions[0].arg, XS_UPCALL_TTL_EXPIRED);
}

/* controller(...) options travel as a descriptor index in the cookie. */
static void test_controller_descriptors(void **state)
{
	struct xlate_result r;
	const struct ctl_desc *d;
	(void)state;

	fx_load("in_port=1,actions=controller(reason=no_match,max_len=128,id=7,userdata=01.02.03)\n"
	     "in_port=2,actions=controller\n"
	     "in_port=3,actions=controller(userdata=01.02.03,max_len=128,id=7,reason=no_match)\n");
	r = run("in_port=1");
	assert_int_equal(r.n_actions, 1);
	assert_int_equal(r.actions[0].type, XS_ACT_TO_AGENT);
	assert_int_equal(r.actions[0].arg, XS_UPCALL_ACTION);
	assert_int_not_equal(r.actions[0].flags, 0);
	d = ctl_desc_get(fx_tables.ctl, r.actions[0].flags);
	assert_non_null(d);
	assert_int_equal(d->reason, OFP_REASON_NO_MATCH);
	assert_int_equal(d->max_len, 128);
	assert_int_equal(d->id, 7);
	assert_int_equal(d->userdata_len, 3);
	assert_memory_equal(d->userdata, "\x01\x02\x03", 3);
	/* the same options share the descriptor; plain controller is 0 */
	unsigned cookie = r.actions[0].flags;
	r = run("in_port=3");
	assert_int_equal(r.actions[0].flags, cookie);
	r = run("in_port=2");
	assert_int_equal(r.actions[0].flags, 0);
	d = ctl_desc_get(fx_tables.ctl, 0);
	assert_int_equal(d->reason, OFP_REASON_ACTION);
	assert_int_equal(d->max_len, 65535);
	assert_null(ctl_desc_get(fx_tables.ctl, 999));
}

/* ND fields: nd_sll/nd_tll matches only for NS/NA; the megaflow pins
 * ICMPv6 type and code. */
static void test_nd_fields(void **state)
{
	struct xlate_result r;
	(void)state;

	fx_load("priority=10,icmp6,icmp_type=135,nd_sll=02:00:00:00:00:01,actions=output:2\n"
	     "priority=10,icmp6,icmp_type=136,nd_tll=02:00:00:00:00:02,actions=output:3\n"
	     "priority=1,actions=output:4\n");
	r = run("in_port=1,icmp6,icmpv6_type=135,icmpv6_code=0,nd_target=::1,"
		"nd_sll=02:00:00:00:00:01");
	assert_string_equal(outputs(&r), "2");
	assert_int_equal(r.mask.tp_src, 0xffff);
	assert_int_equal(r.mask.tp_dst, 0xffff);
	r = run("in_port=1,icmp6,icmpv6_type=136,icmpv6_code=0,nd_target=::1,"
		"nd_tll=02:00:00:00:00:02");
	assert_string_equal(outputs(&r), "3");
	/* A TCP packet: nw_proto tells it apart, ports stay free. */
	r = run("in_port=1,tcp6,tcp_dst=80");
	assert_string_equal(outputs(&r), "4");
	assert_int_equal(r.mask.tp_dst, 0);
	assert_int_equal(r.mask.nw_proto, 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conjunction, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_conjunction_tables_and_modify, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_xreg_views, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stack, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stack_packet_field, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_output_reg, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_in_port_zero, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_clone, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_clone_dec_ttl, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_controller_descriptors, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nd_fields, setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
