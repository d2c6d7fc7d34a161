// SPDX-License-Identifier: Apache-2.0
/* Connection tracking in the flow language and the translation: every ct
 * argument error (message and column), the text ovs-ofctl prints back,
 * ct_state syntax, and the datapath actions and megaflow masks of ct
 * pipelines across recirculation (recirc.h). */
#include "tests/lib/xs_test.h"
#include "tests/lib/pipeline_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/recirc.h"
#include "agent/pipeline/xlate.h"
#include "common/dp_format.h"
#include "xdpswitch/datapath.h"

/* --- errors ------------------------------------------------------------------ */

static const struct {
	const char *text;
	int col;
	const char *msg;
} errors[] = {
	{ "ip,actions=ct(force)", 15, "ct: force requires commit" },
	{ "ip,actions=ct(exec(set_field:1->ct_mark))", 15, "ct: exec() requires commit" },
	{ "actions=ct(commit)", 12,
	  "ct: the flow must match ip or ipv6 (OVS: actions inconsistent with the match)" },
	{ "arp,actions=ct", 13,
	  "ct: the flow must match ip or ipv6 (OVS: actions inconsistent with the match)" },
	{ "ip,ct_state=+inv,actions=ct(commit)", 29,
	  "ct: commit of a packet matched +inv (OVS: actions inconsistent with the match)" },
	{ "ip,actions=ct(table=254)", 21, "ct: table: 254 is out of range (0 to 253)" },
	{ "ip,actions=ct(zone=70000)", 20, "ct: zone: 70000 is out of range (0 to 65535)" },
	{ "ip,actions=ct(zone=NXM_NX_REG0[0..7])", 20,
	  "ct: zone: 'NXM_NX_REG0[0..7]' must be a 16-bit subfield" },
	{ "ip,actions=ct(zone=foo[])", 20, "ct: zone: unknown field 'foo'" },
	{ "ip,actions=ct(bogus)", 15,
	  "ct: unknown argument 'bogus' (commit, force, zone=, table=, exec(), nat)" },
	{ "ip,actions=ct(alg=ftp)", 15,
	  "ct: alg= (application layer gateways) is not supported" },
	{ "ip,actions=ct(commit,exec(output:1))", 27,
	  "ct: exec() takes only set_field, load or move into ct_mark or ct_label, not "
	  "'output'" },
	{ "ip,actions=ct(commit,exec(set_field:1->nw_src))", 40,
	  "ct: exec() may set only ct_mark or ct_label, not 'nw_src'" },
	{ "ip,actions=ct(commit,exec(load:1->NXM_NX_REG0[]))", 35,
	  "ct: exec() may write only ct_mark or ct_label, not 'NXM_NX_REG0'" },
	{ "ip,actions=ct(commit,exec(load:16->ct_mark[0..3]))", 32,
	  "ct: load: value '16' does not fit in 4 bits" },
	{ "ip,actions=ct(commit,exec(set_field:1->ct_mark,set_field:2->ct_mark))", 48,
	  "ct: exec() sets the same ct_mark bits twice" },
	{ "ip,actions=ct(commit,exec(set_field:0/0->ct_mark))", 27,
	  "ct: exec(): a zero mask sets no ct_mark bit" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.1,hash,random))", 44,
	  "ct: nat: hash and random exclude each other" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.1,dst=10.0.0.2))", 39,
	  "ct: nat: give only one of src= or dst=" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.300))", 30,
	  "ct: nat: '10.0.0.300' is not an IP address" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.5-10.0.0.1))", 30,
	  "ct: nat: address range '10.0.0.5-10.0.0.1' is backwards" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.1:200-100))", 39,
	  "ct: nat: port range '200-100' is backwards" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.1:70000))", 39,
	  "ct: nat: port: 70000 is out of range (0 to 65535)" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.1-fe80::1))", 39,
	  "ct: nat: both addresses of a range must be IPv4 or both IPv6" },
	{ "ip,actions=ct(commit,nat(src=[fe80::1]))", 22,
	  "ct: nat: the address family differs from the flow's (ip or ipv6)" },
	{ "ip,actions=ct(commit,nat(foo))", 26,
	  "ct: nat: unknown argument 'foo' (src=, dst=, persistent, hash or random)" },
	{ "ip,actions=ct(nat,nat)", 19, "ct: nat given twice" },
	{ "ip,actions=set_field:1->ct_mark", 25,
	  "set_field: field ct_mark is not writable" },
	{ "ip,ct_state=+foo,actions=drop", 13,
	  "ct_state: unknown flag 'foo' (new, est, rel, rpl, inv, trk, snat or dnat)" },
	{ "ip,ct_state=+trk+trk,actions=drop", 17, "ct_state: flag 'trk' given twice" },
	{ "ip,ct_state=trk|bad,actions=drop", 17,
	  "ct_state: unknown flag 'bad' (new, est, rel, rpl, inv, trk, snat or dnat)" },
	{ "ip,ct_zone=1/1,actions=drop", 13, "ct_zone: field does not support masks" },
	{ "ip,ct_nw_src=10.0.0.1,actions=drop", 4,
	  "ct_nw_src requires ip (dl_type=0x0800) and a tracked, valid connection (ct_state "
	  "with +new, +est, +rel, +rpl, +snat or +dnat, or +trk-inv)" },
	{ "ip,ct_state=+trk,ct_tp_dst=80,actions=drop", 18,
	  "ct_tp_dst requires a tracked, valid connection (ct_state with +new, +est, +rel, "
	  "+rpl, +snat or +dnat, or +trk-inv)" },
	{ "ipv6,ct_state=+est,ct_nw_dst=10.0.0.1,actions=drop", 20,
	  "ct_nw_dst requires ip (dl_type=0x0800) and a tracked, valid connection (ct_state "
	  "with +new, +est, +rel, +rpl, +snat or +dnat, or +trk-inv)" },
	{ "ip,ct_state=+est,ct_ipv6_src=::1,actions=drop", 18,
	  "ct_ipv6_src requires ipv6 (dl_type=0x86dd) and a tracked, valid connection "
	  "(ct_state with +new, +est, +rel, +rpl, +snat or +dnat, or +trk-inv)" },
	{ "icmp6,icmp_type=135,icmp_code=0,nd_target=::1,ct_state=+trk-inv,"
	  "ct_ipv6_dst=::2,actions=drop", 65,
	  "ct_ipv6_dst cannot be matched with nd_target, nd_sll or nd_tll (ND packets are "
	  "never tracked)" },
	{ "ip,ct_state=+est,ct_nw_proto=6/1,actions=drop", 31,
	  "ct_nw_proto: field does not support masks" },
	{ "ip,actions=set_field:10.0.0.1->ct_nw_src", 32,
	  "set_field: field ct_nw_src is not writable" },
	{ "ip,recirc_id=1/1,actions=drop", 15, "recirc_id: field does not support masks" },
};

static void test_errors(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct ofp_flow f;
		struct xs_err e;
		int r = ofp_parse_flow(errors[i].text, OFP_PARSE_ADD, &f, &e);

		if (r != -EINVAL)
			fail_msg("'%s' returned %d, expected -EINVAL", errors[i].text, r);
		if (e.col != errors[i].col || strcmp(e.msg, errors[i].msg)) {
			print_error("'%s'\n  gave col %d: %s\n  expected col %d: %s\n",
				    errors[i].text, e.col, e.msg, errors[i].col, errors[i].msg);
			bad++;
		}
		assert_null(f.actions);
	}
	assert_int_equal(bad, 0);
}

/* --- text round trip --------------------------------------------------------- */

static const struct {
	const char *in, *out;
} texts[] = {
	{ "ip,ct_state=-trk,actions=ct(table=1,zone=7)",
	  "ct_state=-trk,ip actions=ct(table=1,zone=7)" },
	{ "ip,ct_state=+trk+new-est,actions=ct(commit,zone=7,exec(set_field:0x2a->ct_mark)),2",
	  "ct_state=+new-est+trk,ip actions=ct(commit,zone=7,exec(load:0x2a->NXM_NX_CT_MARK[])),output:2" },
	{ "ip,actions=ct(commit,exec(set_field:0x5/0xff->ct_mark),nat)",
	  "ip actions=ct(commit,exec(load:0x5->NXM_NX_CT_MARK[0..7],nat))" },
	{ "ip,actions=ct(commit,exec(set_field:0x5/0x505->ct_mark))",
	  "ip actions=ct(commit,exec(set_field:0x5/0x505->ct_mark))" },
	{ "ip,actions=ct(commit,exec(load:3->NXM_NX_CT_MARK[4..5]))",
	  "ip actions=ct(commit,exec(load:0x3->NXM_NX_CT_MARK[4..5]))" },
	{ "ip,actions=ct(commit,force,zone=NXM_NX_REG3[16..31],table=4)",
	  "ip actions=ct(commit,force,table=4,zone=NXM_NX_REG3[16..31])" },
	{ "ip,actions=ct(commit,nat(src=10.0.0.1-10.0.0.5:1000-2000,persistent,random))",
	  "ip actions=ct(commit,nat(src=10.0.0.1-10.0.0.5:1000-2000,persistent,random))" },
	{ "ipv6,actions=ct(commit,nat(dst=[fe80::1]:80))",
	  "ipv6 actions=ct(commit,nat(dst=[fe80::1]:80))" },
	{ "ipv6,actions=ct(commit,nat(dst=fe80::1-fe80::5))",
	  "ipv6 actions=ct(commit,nat(dst=fe80::1-fe80::5))" },
	{ "ip,actions=ct(nat,table=2),ct_clear",
	  "ip actions=ct(table=2,nat),ct_clear" },
	{ "recirc_id=3,ct_state=trk|est,ct_zone=9,ct_mark=0x10/0xf0,ip,actions=drop",
	  "recirc_id=0x3,ct_state=-new+est-rel-rpl-inv+trk-snat-dnat,ct_zone=9,"
	  "ct_mark=0x10/0xf0,ip actions=drop" },
	{ "ip,ct_state=0x21/0x21,actions=drop", "ct_state=+new+trk,ip actions=drop" },
	{ "tcp,ct_state=+trk+est,ct_nw_proto=6,ct_nw_dst=10.0.0.200,ct_tp_dst=80,"
	  "ct_nw_src=10.0.0.0/24,ct_tp_src=0x400/0xfc00,actions=drop",
	  "ct_state=+est+trk,ct_nw_src=10.0.0.0/24,ct_nw_dst=10.0.0.200,ct_nw_proto=6,"
	  "ct_tp_src=0x400/0xfc00,ct_tp_dst=80,tcp actions=drop" },
	{ "ipv6,ct_state=+trk-inv,ct_ipv6_src=fd00::/64,ct_ipv6_dst=fd00::2,actions=drop",
	  "ct_state=-inv+trk,ct_ipv6_src=fd00::/64,ct_ipv6_dst=fd00::2,ipv6 actions=drop" },
	{ "icmp,ct_state=+rel,ct_nw_proto=17,actions=drop",
	  "ct_state=+rel,ct_nw_proto=17,icmp actions=drop" },
};

static void test_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct ofp_flow f, g;
		struct xs_err e;
		char buf[512], buf2[512];

		if (ofp_parse_flow(texts[i].in, OFP_PARSE_ADD, &f, &e))
			fail_msg("'%s': col %d: %s", texts[i].in, e.col, e.msg);
		ofp_format_flow(&f, buf, sizeof(buf));
		/* The flow text without cookie/table/priority prefixes. */
		const char *p = strstr(buf, texts[i].out);
		if (!p)
			fail_msg("'%s'\n  printed: %s\n  wanted:  %s", texts[i].in, buf, texts[i].out);
		/* And it parses back to the same actions. */
		if (ofp_parse_flow(buf, OFP_PARSE_ADD, &g, &e))
			fail_msg("'%s' does not parse back: col %d: %s", buf, e.col, e.msg);
		ofp_format_flow(&g, buf2, sizeof(buf2));
		assert_string_equal(buf, buf2);
		ofp_flow_free(&f);
		ofp_flow_free(&g);
	}
}

/* --- translation ------------------------------------------------------------- */

/* Translates @pkt and checks the datapath actions' text. */
static struct xlate_result xl(const char *pkt, int want_err, const char *want_acts)
{
	struct ofp_key k = fx_packet(pkt);
	struct xlate_result res = { .trace = NULL };
	char buf[512];

	assert_int_equal(xlate(&fx_tables, &k, &res), want_err);
	xs_dp_format_actions(buf, sizeof(buf), res.actions, res.n_actions, &k.dp, NULL);
	if (strcmp(buf, want_acts))
		fail_msg("'%s'\n  actions: %s\n  wanted:  %s", pkt, buf, want_acts);
	return res;
}

static const char *firewall =
	"priority=100,ip,ct_state=-trk actions=ct(zone=7,table=1)\n"
	"table=1,priority=100,ip,in_port=1,ct_state=+trk+new actions="
	"ct(commit,zone=7,exec(set_field:0x2a->ct_mark)),output:2\n"
	"table=1,priority=100,ip,in_port=1,ct_state=+trk+est actions=output:2\n"
	"table=1,priority=100,ip,in_port=2,ct_state=+trk+est,ct_mark=0x2a actions=output:1\n"
	"table=1,priority=10,ip actions=drop\n";

static void test_xlate_firewall(void **state)
{
	struct xlate_result r;
	uint32_t id;
	char pkt[256];

	(void)state;
	fx_load(firewall);
	r = xl("tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,tp_src=1000,tp_dst=80", 0,
	       "ct(zone=7),recirc(0x1)");
	id = r.actions[1].arg;
	assert_non_null(recirc_find(id));
	assert_int_equal(recirc_find(id)->table, 1);
	/* Pass 0: recirc_id and the trk bit, in_port; nothing of L3. */
	assert_int_equal(r.mask.recirc_id, 0xffffffff);
	assert_int_equal(r.mask.ct_state, XS_CS_TRK);
	assert_int_equal(r.mask.nw_src, 0);
	assert_int_equal(r.mask.ct_mark, 0);

	/* Pass 1, new: commit with the mark, then output. */
	snprintf(pkt, sizeof(pkt), "recirc_id=%u,ct_state=+trk+new,ct_zone=7,tcp,in_port=1,"
		 "nw_src=10.0.0.1,nw_dst=10.0.0.2", id);
	r = xl(pkt, 0, "ct(commit,zone=7,mark=0x2a/0xffffffff),2");
	assert_int_equal(r.mask.recirc_id, 0xffffffff);
	assert_int_equal(r.mask.ct_state & (XS_CS_TRK | XS_CS_NEW), XS_CS_TRK | XS_CS_NEW);
	/* Pass 1, reply with the mark: out to 1; the mark is in the mask. */
	snprintf(pkt, sizeof(pkt), "recirc_id=%u,ct_state=+trk+est+rpl,ct_zone=7,"
		 "ct_mark=0x2a,tcp,in_port=2", id);
	r = xl(pkt, 0, "1");
	assert_int_equal(r.mask.ct_mark, 0xffffffff);
	/* Pass 1, reply without the mark: dropped. */
	snprintf(pkt, sizeof(pkt), "recirc_id=%u,ct_state=+trk+est+rpl,tcp,in_port=2", id);
	xl(pkt, 0, "drop");
	/* The same frozen state gives the same id. */
	r = xl("udp,in_port=2", 0, "ct(zone=7),recirc(0x1)");
	assert_int_equal(r.actions[1].arg, id);
	/* An id nobody froze: a drop, -ENOENT. */
	xl("recirc_id=999,tcp,in_port=1", -ENOENT, "drop");
}

static void test_xlate_frozen_registers(void **state)
{
	struct xlate_result r;
	char pkt[256];

	(void)state;
	fx_load("priority=1,ip,in_port=3 actions=load:5->NXM_NX_REG0[0..15],"
	     "write_metadata:0x77,goto_table:2\n"
	     "table=2,ip actions=ct(zone=NXM_NX_REG0[0..15],table=3)\n"
	     "table=3,ip,reg0=5,metadata=0x77 actions=ct(commit,zone=NXM_NX_REG0[0..15]),"
	     "output:1\n"
	     "table=3,priority=0,ip actions=drop\n");
	r = xl("ip,in_port=3", 0, "ct(zone=5),recirc(0x2)");
	assert_int_equal(recirc_find(r.actions[1].arg)->regs[0], htonl(5));
	snprintf(pkt, sizeof(pkt), "recirc_id=%u,ct_state=+trk+new,ip,in_port=3",
		 r.actions[1].arg);
	xl(pkt, 0, "ct(commit,zone=5),1");
}

static void test_xlate_nat_and_clear(void **state)
{
	struct xlate_result r;

	(void)state;
	fx_load("priority=5,tcp,in_port=1 actions=ct(commit,nat(src=10.0.0.100-10.0.0.101:"
	     "2000-3000)),output:2\n"
	     "priority=5,tcp,in_port=2 actions=ct(nat),ct_clear,output:1\n"
	     "priority=5,udp,in_port=1 actions=ct(table=1),output:2\n"
	     "priority=5,udp,in_port=2,ct_state=+trk actions=ct_clear,output:1\n");
	r = xl("tcp,in_port=1", 0, "ct(commit,nat(src=10.0.0.100-10.0.0.101:2000-3000)),2");
	assert_int_equal(r.n_actions, 3);
	assert_int_equal(r.actions[0].type, XS_ACT_CT_NAT);
	assert_int_equal(r.actions[0].flags, XS_NAT_F_SRC);
	assert_int_equal(r.actions[0].arg, 2000u << 16 | 3000u);
	assert_int_equal(r.actions[1].flags, XS_CT_F_COMMIT | XS_CT_F_NAT);
	/* ct without table clears the fields for what follows: no ct_clear. */
	xl("tcp,in_port=2", 0, "ct(nat),1");
	/* Something reaching the datapath after ct(table=...) is refused. */
	xl("udp,in_port=1", -EOPNOTSUPP, "drop");
	/* ct_clear on a tracked packet clears it in the datapath too. */
	r = xl("ct_state=+trk+est,udp,in_port=2", 0, "ct_clear,1");
	assert_int_equal(r.mask.ct_state, 0xff);
}

/* Matches on the ct tuple read the key's tuple: the megaflow covers it
 * (and ct_state's trk and inv), the datapath prints it as OVS does. */
static void test_xlate_ct_tuple(void **state)
{
	const char *hit = "ct_state=+trk+est,tcp,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,"
			  "ct_nw_proto=6,ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.200,ct_tp_dst=80";
	struct xlate_result r;
	struct ofp_key k;
	char buf[1024];

	(void)state;
	fx_load("priority=5,tcp,ct_state=+trk+est,ct_nw_dst=10.0.0.200,ct_tp_dst=80,"
	     "ct_nw_proto=6 actions=output:2\n"
	     "priority=4,tcp6,ct_state=+trk-inv,ct_ipv6_src=fd00::/64 actions=output:3\n"
	     "priority=3,tcp,ct_state=+trk+est actions=ct_clear,output:4\n"
	     "priority=1,ip actions=drop\n");
	r = xl(hit, 0, "2");
	assert_int_equal(r.mask.ct_nw_dst, 0xffffffff);
	assert_int_equal(r.mask.ct_tp_dst, 0xffff);
	assert_int_equal(r.mask.ct_nw_proto, 0xff);
	assert_int_equal(r.mask.ct_state & (XS_CS_TRK | XS_CS_EST), XS_CS_TRK | XS_CS_EST);
	k = fx_packet(hit);
	xs_dp_format_key(buf, sizeof(buf), &k.dp, &r.mask, NULL);
	if (!strstr(buf, "ct_tuple4(dst=10.0.0.200,proto=6,tp_dst=80)"))
		fail_msg("megaflow: %s", buf);
	/* Another original destination: the next rule, which clears the
	 * tuple with the connection (the datapath's ct_clear). */
	r = xl("ct_state=+trk+est,tcp,in_port=1,ct_nw_proto=6,ct_nw_dst=10.0.0.201,"
	       "ct_tp_dst=80", 0, "ct_clear,4");
	xl("ct_state=+trk+new,tcp6,in_port=1,ct_nw_proto=6,ct_ipv6_src=fd00::7,"
	   "ct_ipv6_dst=fd00::1", 0, "3");
	xl("ct_state=+trk+new,tcp6,in_port=1,ct_nw_proto=6,ct_ipv6_src=fd01::7", 0, "drop");
	/* No ct tuple in an untracked packet: the rule's prerequisite. */
	xl("tcp,in_port=1,ct_nw_proto=6,ct_nw_dst=10.0.0.200,ct_tp_dst=80", 0, "drop");
}

static void test_ct_state_packet(void **state)
{
	struct ofp_key k;

	(void)state;
	k = fx_packet("ct_state=+trk+est,ip");
	assert_int_equal(k.dp.ct_state, XS_CS_TRK | XS_CS_EST);
	k = fx_packet("ct_state=trk|rpl|est,ip");
	assert_int_equal(k.dp.ct_state, XS_CS_TRK | XS_CS_EST | XS_CS_RPL);
	k = fx_packet("ct_state=0x22,ct_zone=3,ct_mark=0x10,ip");
	assert_int_equal(k.dp.ct_state, 0x22);
	assert_int_equal(ntohs(k.dp.ct_zone), 3);
	assert_int_equal(ntohl(k.dp.ct_mark), 0x10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_xlate_firewall, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_xlate_frozen_registers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_xlate_nat_and_clear, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_xlate_ct_tuple, fx_setup, fx_teardown),
		cmocka_unit_test(test_ct_state_packet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
