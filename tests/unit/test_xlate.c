// SPDX-License-Identifier: Apache-2.0
/* Translation on hand-made tables: exact datapath actions and exact
 * megaflow masks (staged lookup, prefixes, writes, VLANs, resubmit, limits). */
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

/* Expected datapath actions. */
static struct xs_action want[XS_MAX_ACTIONS];
static unsigned n_want;

static struct xs_action *want_act(enum xs_action_type type)
{
	struct xs_action *a = &want[n_want++];

	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

static void want_output(uint32_t port)
{
	want_act(XS_ACT_OUTPUT)->arg = port;
}

static struct xs_flow_key want_mask;

static void reset_want(void)
{
	n_want = 0;
	memset(&want_mask, 0, sizeof(want_mask));
	want_mask.in_port = 0xffffffff;
	want_mask.recirc_id = 0xffffffff;
}

static void check(const char *pkt, int want_err)
{
	struct ofp_key k = fx_packet(pkt);
	struct xlate_result res = { .trace = NULL };

	assert_int_equal(xlate(&fx_tables, &k, &res), want_err);
	assert_int_equal(res.n_actions, n_want);
	for (unsigned i = 0; i < n_want; i++) {
		assert_int_equal(res.actions[i].type, want[i].type);
		assert_memory_equal(&res.actions[i], &want[i], sizeof(want[i]));
	}
	assert_memory_equal(&res.mask, &want_mask, sizeof(want_mask));
}

static void test_in_port_and_prefix(void **state)
{
	(void)state;
	fx_load("priority=100,in_port=1,ip,nw_dst=10.0.0.0/24,actions=output:2\n"
	     "priority=0,actions=drop\n");

	/* Hit: in_port, dl_type, nw_dst/24 and nothing else. */
	reset_want();
	want_output(2);
	want_mask.dl_type = 0xffff;
	want_mask.nw_dst = htonl(0xffffff00);
	check("in_port=1,tcp,nw_src=1.2.3.4,nw_dst=10.0.0.5,tp_dst=80", 0);

	/* Other port: the first stage fails, only in_port matters. */
	reset_want();
	check("in_port=3,tcp,nw_src=1.2.3.4,nw_dst=10.0.0.5,tp_dst=80", 0);

	/* Same port, other network: the trie rules out the /24 after reading
	 * 8 bits (11 vs 10 differ in bit 7); dl_type joins as a prerequisite. */
	reset_want();
	want_mask.dl_type = 0xffff;
	want_mask.nw_dst = htonl(0xff000000);
	check("in_port=1,udp,nw_dst=11.0.0.5", 0);

	/* Same port, ARP: the L2 stage fails; nw_dst stays wildcarded. */
	reset_want();
	want_mask.dl_type = 0xffff;
	check("in_port=1,arp,arp_tpa=10.0.0.5", 0);
}

static void test_miss_all(void **state)
{
	(void)state;
	/* An empty table: a miss depends on nothing but in_port. */
	reset_want();
	check("in_port=7,tcp,nw_dst=10.0.0.5,tp_dst=22", 0);

	fx_load("table=1,actions=output:5\n");
	reset_want();
	check("in_port=7,tcp,nw_dst=10.0.0.5,tp_dst=22", 0);
}

static void test_staged_l4(void **state)
{
	(void)state;
	fx_load("priority=10,tcp,tp_dst=80,actions=output:2\n");

	/* UDP fails at L3 (nw_proto): ports stay wildcarded. */
	reset_want();
	want_mask.dl_type = 0xffff;
	want_mask.nw_proto = 0xff;
	check("in_port=1,udp,tp_dst=80", 0);

	/* TCP to port 22 fails at L4: 22 = 0x0016 and 80 = 0x0050 part at
	 * bit 0x40, so only tp_dst's top ten bits count (0x0000/0xffc0). */
	reset_want();
	want_mask.dl_type = 0xffff;
	want_mask.nw_proto = 0xff;
	want_mask.tp_dst = htons(0xffc0);
	check("in_port=1,tcp,tp_dst=22,tp_src=80", 0);

	reset_want();
	want_output(2);
	want_mask.dl_type = 0xffff;
	want_mask.nw_proto = 0xff;
	want_mask.tp_dst = 0xffff;
	check("in_port=1,tcp,tp_dst=80", 0);
	check("in_port=1,tcp,tp_dst=80,tp_src=1234,nw_dst=1.1.1.1", 0);
}

static void test_resubmit_and_set(void **state)
{
	struct xs_action *a;
	(void)state;
	fx_load("in_port=1,actions=resubmit(,1),output:3\n"
	     "table=1,ip,actions=mod_nw_dst:10.0.0.9,output:2\n");

	/* The set is committed once, before the first output. */
	reset_want();
	a = want_act(XS_ACT_SET_IPV4_DST);
	a->u.be32[0] = htonl(0x0a000009);
	want_output(2);
	want_output(3);
	want_mask.dl_type = 0xffff;
	want_mask.nw_dst = 0xffffffff;
	check("in_port=1,udp,nw_dst=10.0.0.1", 0);

	/* Already 10.0.0.9: no set action, but nw_dst stays exact. */
	reset_want();
	want_output(2);
	want_output(3);
	want_mask.dl_type = 0xffff;
	want_mask.nw_dst = 0xffffffff;
	check("in_port=1,udp,nw_dst=10.0.0.9", 0);

	/* IPv6 misses table 1 on dl_type. */
	reset_want();
	want_output(3);
	want_mask.dl_type = 0xffff;
	check("in_port=1,ipv6", 0);
}

static void test_goto_and_partial_write(void **state)
{
	struct xs_action *a;
	(void)state;
	/* A write to part of a field: a masked set of the written bits, so
	 * the packet's other bits stay out of the mask. */
	fx_load("ip,actions=load:0x7->NXM_OF_IP_SRC[0..7],goto_table:2\n"
	     "tcp,actions=load:0x7->NXM_OF_TCP_DST[4..11],load:1->reg0[0],output:3\n"
	     "table=2,actions=output:4\n");
	reset_want();
	a = want_act(XS_ACT_SET_IPV4_SRC);
	a->flags = XS_SET_F_MASKED;
	a->u.be32[0] = htonl(0x07);
	a->u.be32[1] = htonl(0xff);
	want_output(4);
	want_mask.dl_type = 0xffff;
	want_mask.nw_proto = 0xff; /* the tcp rule was looked at */
	want_mask.nw_src = htonl(0xff);
	check("in_port=1,ip,nw_src=1.2.3.4", 0);

	reset_want();
	a = want_act(XS_ACT_SET_TP_DST);
	a->flags = XS_SET_F_MASKED;
	a->u.be16[0] = htons(0x070);
	a->u.be16[1] = htons(0xff0);
	want_output(3);
	want_mask.dl_type = 0xffff;
	want_mask.nw_proto = 0xff;
	want_mask.tp_dst = htons(0xff0);
	check("in_port=1,tcp,tp_dst=80", 0);
}

static void test_masked_tos(void **state)
{
	struct xs_action *a;
	(void)state;
	/* mod_nw_tos writes the DSCP bits only: a masked set, ECN free. */
	fx_load("ip,actions=mod_nw_tos:32,output:2\n");
	reset_want();
	a = want_act(XS_ACT_SET_NW_TOS);
	a->u.bytes[0] = 32;
	a->u.bytes[1] = 32;
	want_output(2);
	want_mask.dl_type = 0xffff;
	want_mask.nw_tos = 0xfc;
	check("in_port=1,ip,nw_tos=0,nw_ecn=1", 0);
}

static void test_in_port_output(void **state)
{
	(void)state;
	fx_load("in_port=1,actions=output:1,output:2\n"
	     "in_port=2,actions=in_port,output:3\n");
	/* output:1 from port 1 is dropped. */
	reset_want();
	want_output(2);
	check("in_port=1", 0);
	/* output:in_port sends it back. */
	reset_want();
	want_output(2);
	want_output(3);
	check("in_port=2", 0);
}

/* The parser refuses LOCAL, but load can still write 65534 (or another
 * reserved number) into in_port: output:in_port then goes nowhere, with a
 * note, and the outputs before and after still happen. */
static void test_no_local_port(void **state)
{
	struct xlate_trace trace = { 0 };
	struct xlate_result res = { .trace = &trace };
	struct ofp_key k = fx_packet("in_port=1,ip");
	bool noted = false;
	(void)state;

	fx_load("in_port=1,actions=output:2,load:0xfffe->NXM_OF_IN_PORT[],in_port,output:3\n"
	     "in_port=4,actions=load:0xfffb->NXM_OF_IN_PORT[],output:in_port\n");
	reset_want();
	want_output(2);
	want_output(3);
	check("in_port=1,ip", 0);
	reset_want();
	check("in_port=4", 0);

	assert_int_equal(xlate(&fx_tables, &k, &res), 0);
	for (size_t i = 0; i < trace.n_events; i++)
		noted |= trace.events[i].type == XEV_NOTE &&
			 !strcmp(trace.events[i].note, "output to LOCAL: this bridge has no "
				 "such port: dropped");
	assert_true(noted);
	xlate_trace_free(&trace);
}

static void test_resubmit_in_port(void **state)
{
	(void)state;
	/* resubmit:5 looks table 0 up as if from port 5, but the actions found
	 * run with the real in_port (1), as in OVS: output:5 there is not an
	 * output to the input port. */
	fx_load("in_port=1,actions=resubmit:5,output:1,output:5\n"
	     "in_port=5,actions=output:5,output:6\n");
	reset_want();
	want_output(5);
	want_output(6);
	want_output(5);
	check("in_port=1", 0);
}

static void test_loop_limit(void **state)
{
	(void)state;
	fx_load("actions=resubmit(,0)\n");
	reset_want();
	check("in_port=1", -ELOOP);
}

static void test_resubmit_fanout_limit(void **state)
{
	(void)state;
	/* Two resubmits per table over 20 tables would be 2^20 lookups. */
	char text[4096];
	int len = 0;

	for (int t = 0; t < 20; t++)
		len += snprintf(text + len, sizeof(text) - (size_t)len,
				"table=%d,actions=resubmit(,%d),resubmit(,%d)\n", t, t + 1, t + 1);
	fx_load(text);
	reset_want();
	check("in_port=1", -ELOOP);
}

static void test_too_many_actions(void **state)
{
	char text[512] = "actions=";
	(void)state;

	for (int p = 0; p < XS_MAX_ACTIONS + 1; p++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%soutput:%d",
			 p ? "," : "", p + 10);
	strcat(text, "\n");
	fx_load(text);
	reset_want();
	check("in_port=1", -E2BIG);
}

static void test_unsupported_changes(void **state)
{
	struct xlate_trace trace = { 0 };
	struct xlate_result res = { .trace = &trace };
	struct ofp_key k;
	(void)state;

	fx_load("in_port=1,actions=push_vlan:0x8100,push_vlan:0x8100,push_vlan:0x8100,output:2\n"
	     "in_port=2,icmp6,icmp_type=135,icmp_code=0,actions=set_field:::1->nd_target,"
	     "output:3\n"
	     "in_port=3,icmp6,icmp_type=135,icmp_code=0,actions=set_field:::1->nd_target\n");
	/* A third VLAN tag does not fit the key. */
	reset_want();
	want_mask.vlan[0].tci = want_mask.vlan[1].tci = htons(0x1000);
	check("in_port=1", -EOPNOTSUPP);

	/* nd_target has no datapath set action: output fails and says why. */
	k = fx_packet("in_port=2,icmp6,icmp_type=135,nd_target=::2");
	assert_int_equal(xlate(&fx_tables, &k, &res), -EOPNOTSUPP);
	assert_int_equal(res.n_actions, 0);
	assert_int_equal(trace.events[trace.n_events - 1].type, XEV_NOTE);
	assert_string_equal(trace.events[trace.n_events - 1].note,
			    "the datapath cannot rewrite nd_target in this packet");
	xlate_trace_free(&trace);

	/* Without an output the rewrite never has to happen. */
	reset_want();
	want_mask.dl_type = 0xffff;
	want_mask.nw_proto = 0xff;
	want_mask.tp_src = 0xffff;
	want_mask.tp_dst = 0xffff;
	check("in_port=3,icmp6,icmp_type=135,nd_target=::2", 0);
}

static void test_dec_ttl(void **state)
{
	(void)state;
	fx_load("ip,actions=dec_ttl,output:2\n"
	     "arp,actions=dec_ttl,output:3\n");
	reset_want();
	want_act(XS_ACT_DEC_TTL);
	want_output(2);
	want_mask.dl_type = 0xffff;
	want_mask.nw_ttl = 0xff;
	check("in_port=1,ip,nw_ttl=64", 0);
	/* TTL 1: the datapath diverts the packet at DEC_TTL; nothing after. */
	reset_want();
	want_act(XS_ACT_DEC_TTL);
	want_mask.dl_type = 0xffff;
	want_mask.nw_ttl = 0xff;
	check("in_port=1,ip,nw_ttl=1", 0);
	/* Not IP: no-op. */
	reset_want();
	want_output(3);
	want_mask.dl_type = 0xffff;
	check("in_port=1,arp", 0);
}

static void test_dec_ttl_ordering(void **state)
{
	struct xs_action *a;
	(void)state;
	fx_load("in_port=1,ip,actions=mod_dl_src:02:00:00:00:00:01,dec_ttl,output:2\n"
	     "in_port=2,ip,actions=mod_nw_ttl:5,dec_ttl,output:3\n"
	     "in_port=3,ip,actions=mod_dl_src:02:00:00:00:00:01,mod_nw_dst:1.2.3.4\n");
	/* DEC_TTL commutes with the MAC rewrite, which waits for the output. */
	reset_want();
	want_act(XS_ACT_DEC_TTL);
	a = want_act(XS_ACT_SET_ETH_SRC);
	a->u.mac[0] = 2;
	a->u.mac[5] = 1;
	want_output(2);
	want_mask.dl_type = 0xffff;
	want_mask.nw_ttl = 0xff;
	memset(want_mask.dl_src, 0xff, 6);
	check("in_port=1,ip,nw_ttl=9", 0);
	/* A rewritten TTL is committed before it is decremented. */
	reset_want();
	a = want_act(XS_ACT_SET_NW_TTL);
	a->u.bytes[0] = 5;
	want_act(XS_ACT_DEC_TTL);
	want_output(3);
	want_mask.dl_type = 0xffff;
	want_mask.nw_ttl = 0xff;
	check("in_port=2,ip,nw_ttl=9", 0);
	/* Writes that nothing outputs do not reach the megaflow. */
	reset_want();
	want_mask.dl_type = 0xffff;
	check("in_port=3,ip,nw_dst=9.9.9.9", 0);
}

static void test_vlan(void **state)
{
	struct xs_action *a;
	(void)state;
	fx_load("in_port=1,actions=mod_vlan_vid:10,output:2\n"
	     "in_port=2,actions=strip_vlan,output:3\n");

	reset_want();
	a = want_act(XS_ACT_PUSH_VLAN);
	a->u.be16[0] = htons(0x8100);
	a->u.be16[1] = htons(0x1000 | 10);
	want_output(2);
	/* Untagged: "no tag" is all the pushed tag depends on. */
	want_mask.vlan[0].tci = want_mask.vlan[1].tci = htons(0x1000);
	check("in_port=1", 0);

	/* Tagged with VID 5: only the VID bits change, and only they and
	 * the present bits are matched (not the PCP). */
	reset_want();
	a = want_act(XS_ACT_SET_VLAN_TCI);
	a->u.be16[0] = htons(10 & 0xf);
	a->u.be16[1] = htons(5 ^ 10);
	want_output(2);
	want_mask.vlan[0].tci = htons(0x1000 | 0x0fff);
	want_mask.vlan[1].tci = htons(0x1000);
	check("in_port=1,dl_vlan=5,dl_vlan_pcp=6", 0);

	reset_want();
	want_act(XS_ACT_POP_VLAN);
	want_output(3);
	want_mask.vlan[0].tci = want_mask.vlan[1].tci = htons(0x1000);
	check("in_port=2,dl_vlan=5", 0);
	/* Untagged: nothing to pop. */
	reset_want();
	want_output(3);
	want_mask.vlan[0].tci = want_mask.vlan[1].tci = htons(0x1000);
	check("in_port=2", 0);
}

static void want_broadcast(void)
{
	want_act(XS_ACT_OUTPUT)->flags = XS_OUT_F_BROADCAST;
}

static void test_controller_and_flood(void **state)
{
	static const uint32_t ports[] = { 1, 2, 3 };
	struct xs_action *a;
	(void)state;

	fx_tables.ports = ports;
	fx_tables.n_ports = 3;
	fx_load("in_port=1,actions=controller\n"
	     "in_port=2,actions=flood\n"
	     "in_port=3,actions=output:normal\n");
	reset_want();
	a = want_act(XS_ACT_TO_AGENT);
	a->arg = XS_UPCALL_ACTION;
	check("in_port=1", 0);
	/* one broadcast, not an output per other port */
	reset_want();
	want_broadcast();
	check("in_port=2", 0);
	reset_want();
	check("in_port=3", -EOPNOTSUPP);
}

/* flood and all are the same single action, for any number of ports (64
 * here: four times XS_MAX_ACTIONS); a rewrite before it is committed
 * first, actions after it run after it, the mask is in_port plus what the
 * rewrites read. */
static void test_flood_one_action(void **state)
{
	static uint32_t ports[64];
	struct xs_action *a;
	(void)state;

	for (unsigned i = 0; i < 64; i++)
		ports[i] = i + 1;
	fx_tables.ports = ports;
	fx_tables.n_ports = 64;
	fx_load("in_port=1,actions=flood\n"
	     "in_port=2,actions=all\n"
	     "in_port=3,actions=mod_dl_dst:02:00:00:00:00:0d,flood,mod_dl_dst:02:00:00:00:00:0e,"
	     "output:7\n"
	     "in_port=4,actions=flood,all\n");
	reset_want();
	want_broadcast();
	check("in_port=1", 0);
	reset_want();
	want_broadcast();
	check("in_port=2", 0);
	check("in_port=2,tcp,nw_src=10.0.0.1", 0); /* nothing else read */

	reset_want();
	a = want_act(XS_ACT_SET_ETH_DST);
	memcpy(a->u.mac, "\x02\0\0\0\0\x0d", 6);
	want_broadcast();
	a = want_act(XS_ACT_SET_ETH_DST);
	memcpy(a->u.mac, "\x02\0\0\0\0\x0e", 6);
	want_output(7);
	memset(want_mask.dl_dst, 0xff, 6);
	check("in_port=3", 0);

	/* two floods are two copies per port, as OVS does */
	reset_want();
	want_broadcast();
	want_broadcast();
	check("in_port=4", 0);
}

/* After an action rewrote in_port, OpenFlow's flood leaves out the new
 * in_port, not the ingress port the datapath's broadcast leaves out:
 * one output per port but the new in_port (the ingress port included). */
static void test_flood_after_in_port_write(void **state)
{
	static const uint32_t ports[] = { 1, 2, 3, 4 };
	(void)state;

	fx_tables.ports = ports;
	fx_tables.n_ports = 4;
	fx_load("in_port=1,actions=load:3->NXM_OF_IN_PORT[],flood\n"
	     "in_port=2,actions=load:2->NXM_OF_IN_PORT[],all\n");
	reset_want();
	want_output(1);
	want_output(2);
	want_output(4);
	check("in_port=1", 0);
	/* written, but to the same port: the broadcast says it */
	reset_want();
	want_broadcast();
	check("in_port=2", 0);
}

/* The explicit outputs of a flood after an in_port write are bounded by
 * XS_MAX_ACTIONS: 18 ports are too many (a drop, -E2BIG), as any list. */
static void test_flood_after_in_port_write_limit(void **state)
{
	static uint32_t ports[18];
	(void)state;

	for (unsigned i = 0; i < 18; i++)
		ports[i] = i + 1;
	fx_tables.ports = ports;
	fx_tables.n_ports = 18;
	fx_load("in_port=1,actions=load:3->NXM_OF_IN_PORT[],flood\n");
	reset_want();
	check("in_port=1", -E2BIG);
}

static void test_move_through_register(void **state)
{
	(void)state;
	/* A register loaded from nw_src and matched later: nw_src is in the
	 * megaflow although no rule matches it directly. */
	fx_load("ip,actions=move:NXM_OF_IP_SRC[]->NXM_NX_REG0[],resubmit(,1)\n"
	     "table=1,reg0=0x0a000001,actions=output:2\n");
	reset_want();
	want_output(2);
	want_mask.dl_type = 0xffff;
	want_mask.nw_src = 0xffffffff;
	check("in_port=1,ip,nw_src=10.0.0.1", 0);
	reset_want();
	want_mask.dl_type = 0xffff;
	want_mask.nw_src = 0xffffffff;
	check("in_port=1,ip,nw_src=10.0.0.2", 0);
}

static void test_rules_and_trace(void **state)
{
	struct xlate_trace trace = { 0 };
	struct xlate_result res = { .trace = &trace };
	struct ofp_key k = fx_packet("in_port=1,ip");
	(void)state;

	fx_load("in_port=1,actions=resubmit(,1),resubmit(,1),output:9\n"
	     "table=1,ip,actions=output:2\n");
	assert_int_equal(xlate(&fx_tables, &k, &res), 0);
	/* Two rules, table 1's counted once. */
	assert_int_equal(res.n_rules, 2);
	assert_int_equal(res.rules[0]->table_id, 0);
	assert_int_equal(res.rules[1]->table_id, 1);
	/* lookup(0), resubmit, lookup(1), output, resubmit, lookup(1),
	 * output, output: 8 events, the second output to 2 ... */
	assert_int_equal(trace.n_events, 8);
	assert_int_equal(trace.events[0].type, XEV_LOOKUP);
	assert_int_equal(trace.events[2].type, XEV_LOOKUP);
	assert_int_equal(trace.events[2].depth, 1);
	assert_int_equal(trace.events[2].table, 1);
	assert_int_equal(trace.events[7].type, XEV_ACTION);
	assert_int_equal(trace.events[7].depth, 0);
	/* Output 2 twice: the datapath gets it twice, as OVS would do. */
	assert_int_equal(res.n_actions, 3);
	xlate_trace_free(&trace);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_port_and_prefix, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_miss_all, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_staged_l4, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_and_set, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_goto_and_partial_write, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_masked_tos, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_in_port_output, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_local_port, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_in_port, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_loop_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_fanout_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_too_many_actions, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_changes, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dec_ttl, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dec_ttl_ordering, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vlan, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_controller_and_flood, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flood_one_action, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flood_after_in_port_write, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flood_after_in_port_write_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_move_through_register, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rules_and_trace, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
