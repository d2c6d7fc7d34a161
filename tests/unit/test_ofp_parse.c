// SPDX-License-Identifier: Apache-2.0
/* Unit tests for the ovs-ofctl flow parser: every match field, shorthand,
 * flow key and action, checked against hand-built structs. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/ofp/flow.h"

static void parse_ok(const char *text, enum ofp_parse_mode mode, struct ofp_flow *f)
{
	struct xs_err e;

	if (ofp_parse_flow(text, mode, f, &e))
		fail_msg("'%s' failed at col %d: %s", text, e.col, e.msg);
}

/* Parses "MATCH actions=drop" and compares the match with exp. */
static void expect_match(const char *match, const struct ofp_match *exp)
{
	char text[512];
	struct ofp_flow f;

	snprintf(text, sizeof(text), "%s actions=drop", match);
	parse_ok(text, OFP_PARSE_ADD, &f);
	if (memcmp(&f.match, exp, sizeof(*exp))) {
		const uint8_t *a = (const uint8_t *)&f.match, *b = (const uint8_t *)exp;
		size_t i;

		for (i = 0; i < sizeof(*exp); i++)
			if (a[i] != b[i])
				fail_msg("'%s': byte %zu of the match is 0x%02x, expected "
					 "0x%02x", match, i, a[i], b[i]);
	}
	assert_int_equal(f.n_actions, 0);
	ofp_flow_free(&f);
}

static void m_init(struct ofp_match *m)
{
	memset(m, 0, sizeof(*m));
}

static void m_type(struct ofp_match *m, uint16_t type, int proto)
{
	m->value.dp.dl_type = htons(type);
	m->mask.dp.dl_type = 0xffff;
	if (proto >= 0) {
		m->value.dp.nw_proto = proto;
		m->mask.dp.nw_proto = 0xff;
	}
}

static void test_shorthands(void **state)
{
	static const struct {
		const char *name;
		uint16_t type;
		int proto;
	} cases[] = {
		{ "ip", 0x0800, -1 },   { "ipv6", 0x86dd, -1 }, { "tcp", 0x0800, 6 },
		{ "udp", 0x0800, 17 },  { "sctp", 0x0800, 132 }, { "icmp", 0x0800, 1 },
		{ "icmp6", 0x86dd, 58 }, { "arp", 0x0806, -1 },  { "tcp6", 0x86dd, 6 },
		{ "udp6", 0x86dd, 17 }, { "sctp6", 0x86dd, 132 },
	};
	struct ofp_match m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m_init(&m);
		m_type(&m, cases[i].type, cases[i].proto);
		expect_match(cases[i].name, &m);
	}
	/* Redundant but consistent spellings are fine. */
	m_init(&m);
	m_type(&m, 0x0800, 6);
	expect_match("ip,nw_proto=6", &m);
	expect_match("dl_type=0x0800,tcp", &m);
}

static void test_l2_fields(void **state)
{
	static const uint8_t mac[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t mmask[6] = { 0xff, 0xff, 0xff, 0, 0, 0 };
	struct ofp_match m;

	(void)state;
	m_init(&m);
	m.value.dp.in_port = 7;
	m.mask.dp.in_port = 0xffff;
	expect_match("in_port=7", &m);
	m.value.dp.in_port = OFPP_MAX - 1;
	expect_match("in_port:65279", &m);
	expect_match("in_port=0xfeff", &m);

	m_init(&m);
	memcpy(m.value.dp.dl_src, mac, 6);
	memset(m.mask.dp.dl_src, 0xff, 6);
	expect_match("dl_src=00:11:22:33:44:55", &m);
	m_init(&m);
	memcpy(m.value.dp.dl_dst, mac, 3);
	memcpy(m.mask.dp.dl_dst, mmask, 6);
	expect_match("dl_dst=00:11:22:33:44:55/ff:ff:ff:00:00:00", &m);

	m_init(&m);
	m_type(&m, 0x1234, -1);
	expect_match("dl_type=0x1234", &m);
	expect_match("dl_type=4660", &m);

	m_init(&m);
	m.value.dp.vlan[0].tci = htons(0x1000 | 100);
	m.mask.dp.vlan[0].tci = htons(0x1fff);
	expect_match("dl_vlan=100", &m);
	m.value.dp.vlan[0].tci = htons(0x1000 | 100 | 5 << 13);
	m.mask.dp.vlan[0].tci = 0xffff;
	expect_match("dl_vlan=100,dl_vlan_pcp=5", &m);
	m_init(&m);
	m.value.dp.vlan[0].tci = htons(0x1000 | 3 << 13);
	m.mask.dp.vlan[0].tci = htons(0xf000);
	expect_match("dl_vlan_pcp=3", &m);
	m_init(&m);
	m.mask.dp.vlan[0].tci = 0xffff;
	expect_match("dl_vlan=0xffff", &m);
	expect_match("vlan_tci=0", &m);
	m_init(&m);
	m.value.dp.vlan[0].tci = htons(0x1000);
	m.mask.dp.vlan[0].tci = htons(0x1000);
	expect_match("vlan_tci=0x1000/0x1000", &m);
}

static void test_l3_fields(void **state)
{
	struct ofp_match m;

	(void)state;
	m_init(&m);
	m_type(&m, 0x0800, -1);
	m.value.dp.nw_src = htonl(0x0a000000);
	m.mask.dp.nw_src = htonl(0xff000000);
	expect_match("ip,nw_src=10.1.2.3/8", &m);
	m.value.dp.nw_dst = htonl(0x0a000003);
	m.mask.dp.nw_dst = htonl(0xff0000ff);
	expect_match("ip,nw_src=10.0.0.0/255.0.0.0,nw_dst=10.9.9.3/255.0.0.255", &m);

	m_init(&m);
	m_type(&m, 0x0800, 47);
	expect_match("ip,nw_proto=47", &m);

	m_init(&m);
	m_type(&m, 0x86dd, -1);
	m.value.dp.nw_tos = 46 << 2;
	m.mask.dp.nw_tos = 0xfc;
	expect_match("ipv6,nw_tos=184", &m);
	expect_match("ipv6,ip_dscp=46", &m);
	m.value.dp.nw_tos |= 2;
	m.mask.dp.nw_tos = 0xff;
	expect_match("ipv6,ip_dscp=46,ip_ecn=2", &m);
	expect_match("ipv6,nw_ecn=2,nw_tos=184", &m);

	m_init(&m);
	m_type(&m, 0x0800, -1);
	m.value.dp.nw_ttl = 64;
	m.mask.dp.nw_ttl = 0xff;
	expect_match("ip,nw_ttl=64", &m);

	m_init(&m);
	m_type(&m, 0x0800, -1);
	m.mask.dp.nw_frag = XS_FRAG_ANY;
	expect_match("ip,ip_frag=no", &m);
	m.value.dp.nw_frag = XS_FRAG_ANY;
	expect_match("ip,ip_frag=yes", &m);
	m.mask.dp.nw_frag = XS_FRAG_MASK;
	expect_match("ip,ip_frag=first", &m);
	m.value.dp.nw_frag = XS_FRAG_MASK;
	expect_match("ip,nw_frag=later", &m);
	m.value.dp.nw_frag = 0;
	m.mask.dp.nw_frag = XS_FRAG_LATER;
	expect_match("ip,ip_frag=not_later", &m);

	m_init(&m);
	m_type(&m, 0x86dd, -1);
	inet_pton(AF_INET6, "2001:db8::", m.value.dp.ipv6_src);
	memset(m.mask.dp.ipv6_src, 0xff, 4);
	inet_pton(AF_INET6, "fe80::1", m.value.dp.ipv6_dst);
	memset(m.mask.dp.ipv6_dst, 0xff, 16);
	m.value.dp.ipv6_label = htonl(0x12345);
	m.mask.dp.ipv6_label = htonl(0xfffff);
	expect_match("ipv6,ipv6_src=2001:db8::5/32,ipv6_dst=fe80::1,ipv6_label=0x12345", &m);
	m.mask.dp.ipv6_label = htonl(0xff);
	m.value.dp.ipv6_label = htonl(0x45);
	expect_match("ipv6,ipv6_src=2001:db8::/32,ipv6_dst=fe80::1,ipv6_label=0x12345/0xff",
		     &m);
}

static void test_l4_fields(void **state)
{
	struct ofp_match m;

	(void)state;
	m_init(&m);
	m_type(&m, 0x0800, 6);
	m.value.dp.tp_src = htons(1024);
	m.mask.dp.tp_src = 0xffff;
	m.value.dp.tp_dst = htons(0x100);
	m.mask.dp.tp_dst = htons(0xff00);
	expect_match("tcp,tp_src=1024,tp_dst=0x1ff/0xff00", &m);
	m_type(&m, 0x86dd, 17);
	expect_match("udp6,udp_src=1024,udp_dst=0x100/0xff00", &m);

	m_init(&m);
	m_type(&m, 0x0800, 6);
	m.value.dp.tcp_flags = htons(0x002);
	m.mask.dp.tcp_flags = htons(0x012);
	expect_match("tcp,tcp_flags=+syn-ack", &m);
	expect_match("tcp,tcp_flags=-ack+syn", &m);
	expect_match("tcp,tcp_flags=0x002/0x012", &m);
	m.value.dp.tcp_flags = htons(0x012);
	m.mask.dp.tcp_flags = htons(0xfff);
	expect_match("tcp,tcp_flags=syn|ack", &m);
	expect_match("tcp,tcp_flags=0x12", &m);

	m_init(&m);
	m_type(&m, 0x0800, 1);
	m.value.dp.tp_src = htons(8);
	m.mask.dp.tp_src = 0xffff;
	m.mask.dp.tp_dst = 0xffff;
	expect_match("icmp,icmp_type=8,icmp_code=0", &m);
	m_type(&m, 0x86dd, 58);
	m.value.dp.tp_src = htons(135);
	expect_match("icmp6,icmpv6_type=135,icmpv6_code=0", &m);
	expect_match("icmp6,icmp_type=135,icmp_code=0", &m);
	inet_pton(AF_INET6, "fe80::9", m.value.dp.nd_target);
	memset(m.mask.dp.nd_target, 0xff, 16);
	expect_match("icmp6,icmp_type=135,icmp_code=0,nd_target=fe80::9", &m);
}

static void test_arp_fields(void **state)
{
	static const uint8_t sha[6] = { 2, 0, 0, 0, 0, 1 };
	struct ofp_match m;

	(void)state;
	m_init(&m);
	m_type(&m, 0x0806, -1);
	m.value.dp.nw_proto = 2;
	m.mask.dp.nw_proto = 0xff;
	m.value.dp.nw_src = htonl(0xc0a80001);
	m.mask.dp.nw_src = 0xffffffff;
	m.value.dp.nw_dst = htonl(0xc0a80000);
	m.mask.dp.nw_dst = htonl(0xffffff00);
	memcpy(m.value.dp.arp_sha, sha, 6);
	memset(m.mask.dp.arp_sha, 0xff, 6);
	memset(m.mask.dp.arp_tha, 0xff, 6);
	expect_match("arp,arp_op=2,arp_spa=192.168.0.1,arp_tpa=192.168.0.0/24,"
		     "arp_sha=02:00:00:00:00:01,arp_tha=00:00:00:00:00:00", &m);
	/* OpenFlow 1.0 spelling: nw_src/nw_dst are ARP's addresses. */
	expect_match("arp,arp_op=2,nw_src=192.168.0.1,nw_dst=192.168.0.0/24,"
		     "arp_sha=02:00:00:00:00:01,arp_tha=00:00:00:00:00:00", &m);
}

static void test_pipeline_fields(void **state)
{
	struct ofp_match m;

	(void)state;
	m_init(&m);
	m.value.metadata = htobe64(0x1234);
	m.mask.metadata = htobe64(0xffff);
	m.value.regs[0] = htonl(5);
	m.mask.regs[0] = 0xffffffff;
	m.value.regs[15] = htonl(0x10);
	m.mask.regs[15] = htonl(0xf0);
	expect_match("metadata=0x1234/0xffff,reg0=5,reg15=0x1f/0xf0", &m);
}

static void test_flow_keys(void **state)
{
	struct ofp_flow f;

	(void)state;
	parse_ok("table=3, priority=100, cookie=0xabc, idle_timeout=10, hard_timeout=20, "
		 "actions=drop", OFP_PARSE_ADD, &f);
	assert_int_equal(f.table_id, 3);
	assert_int_equal(f.priority, 100);
	assert_int_equal(f.cookie, 0xabc);
	assert_int_equal(f.cookie_mask, 0);
	assert_int_equal(f.idle_timeout, 10);
	assert_int_equal(f.hard_timeout, 20);
	assert_null(f.actions);
	ofp_flow_free(&f);

	parse_ok("actions=drop", OFP_PARSE_ADD, &f);
	assert_int_equal(f.table_id, 0);
	assert_int_equal(f.priority, 32768);
	assert_int_equal(f.out_port, OFPP_NONE);
	ofp_flow_free(&f);

	/* del-flows: match only, cookie as value/mask, all tables by default. */
	parse_ok("cookie=0x10/0xf0,tcp", OFP_PARSE_DELETE, &f);
	assert_int_equal(f.table_id, OFP_TABLE_ALL);
	assert_int_equal(f.cookie, 0x10);
	assert_int_equal(f.cookie_mask, 0xf0);
	assert_int_equal(f.n_actions, 0);
	assert_int_equal(f.out_port, OFPP_NONE);
	ofp_flow_free(&f);
	parse_ok("table=2,priority=7,out_port=3", OFP_PARSE_DELETE, &f);
	assert_int_equal(f.table_id, 2);
	assert_int_equal(f.priority, 7);
	assert_int_equal(f.out_port, 3);
	ofp_flow_free(&f);
	parse_ok("out_port=FLOOD", OFP_PARSE_DELETE, &f);
	assert_int_equal(f.out_port, OFPP_FLOOD);
	ofp_flow_free(&f);
	parse_ok("", OFP_PARSE_DELETE, &f);
	assert_int_equal(f.table_id, OFP_TABLE_ALL);
	ofp_flow_free(&f);

	/* mod-flows: cookie=V sets a new cookie, cookie=V/M selects. */
	parse_ok("cookie=5 actions=output:1", OFP_PARSE_MODIFY, &f);
	assert_true(f.set_cookie);
	assert_int_equal(f.new_cookie, 5);
	assert_int_equal(f.cookie, 0);
	assert_int_equal(f.cookie_mask, 0);
	assert_int_equal(f.table_id, OFP_TABLE_ALL);
	assert_int_equal(f.n_actions, 1);
	ofp_flow_free(&f);
	parse_ok("cookie=0x15/0xf0 actions=output:1", OFP_PARSE_MODIFY, &f);
	assert_false(f.set_cookie);
	assert_int_equal(f.cookie, 0x10);
	assert_int_equal(f.cookie_mask, 0xf0);
	ofp_flow_free(&f);
	/* both, in either order: select cookie 1, set it to 0 (ovs-ofctl(8)) */
	parse_ok("cookie=0,ip,cookie=1/-1 actions=drop", OFP_PARSE_MODIFY, &f);
	assert_true(f.set_cookie);
	assert_int_equal(f.new_cookie, 0);
	assert_int_equal(f.cookie, 1);
	assert_int_equal(f.cookie_mask, UINT64_MAX);
	ofp_flow_free(&f);
	/* an add never sets these */
	parse_ok("cookie=7 actions=drop", OFP_PARSE_ADD, &f);
	assert_false(f.set_cookie);
	assert_int_equal(f.cookie, 7);
	ofp_flow_free(&f);
}

static void parse_acts(const char *match, const char *acts, struct ofp_flow *f)
{
	char text[512];

	snprintf(text, sizeof(text), "%s actions=%s", match, acts);
	parse_ok(text, OFP_PARSE_ADD, f);
}

static void test_output_actions(void **state)
{
	struct ofp_flow f;

	(void)state;
	parse_acts("", "output:2,3,in_port,65279,flood,all,normal,NORMAL", &f);
	assert_int_equal(f.n_actions, 8);
	static const uint32_t ports[] = { 2, 3, OFPP_IN_PORT, OFPP_MAX - 1, OFPP_FLOOD,
					  OFPP_ALL, OFPP_NORMAL, OFPP_NORMAL };
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(f.actions[i].type, OFPACT_OUTPUT);
		assert_int_equal(f.actions[i].output.port, ports[i]);
	}
	ofp_flow_free(&f);

	parse_acts("", "controller,controller:128,controller(max_len=10,reason=no_match,id=7),"
		   "output:controller", &f);
	assert_int_equal(f.n_actions, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(f.actions[i].type, OFPACT_CONTROLLER);
	assert_int_equal(f.actions[0].controller.max_len, 65535);
	assert_int_equal(f.actions[0].controller.reason, OFP_REASON_ACTION);
	assert_int_equal(f.actions[1].controller.max_len, 128);
	assert_int_equal(f.actions[2].controller.max_len, 10);
	assert_int_equal(f.actions[2].controller.reason, OFP_REASON_NO_MATCH);
	assert_int_equal(f.actions[2].controller.id, 7);
	assert_int_equal(f.actions[3].controller.max_len, 65535);
	ofp_flow_free(&f);

	parse_acts("", "", &f);
	assert_int_equal(f.n_actions, 0);
	assert_null(f.actions);
	ofp_flow_free(&f);
	parse_acts("", "drop", &f);
	assert_int_equal(f.n_actions, 0);
	ofp_flow_free(&f);
	parse_acts("", " output:1 , output:2 ", &f);
	assert_int_equal(f.n_actions, 2);
	assert_int_equal(f.actions[1].output.port, 2);
	ofp_flow_free(&f);
}

static void expect_set(const struct ofpact *a, enum ofp_field_id id,
		       enum ofpact_set_spelling sp, const void *value, unsigned n)
{
	assert_int_equal(a->type, OFPACT_SET_FIELD);
	assert_int_equal(a->set_field.field, id);
	assert_int_equal(a->set_field.spelling, sp);
	assert_memory_equal(a->set_field.value, value, n);
}

static void test_set_actions(void **state)
{
	struct ofp_flow f;
	uint8_t v6[16];

	(void)state;
	parse_acts("tcp", "mod_dl_src:00:00:00:00:00:01,mod_dl_dst:02:00:00:00:00:02,"
		   "mod_nw_src:1.2.3.4,mod_nw_dst:10.0.0.9,mod_nw_tos:16,mod_nw_ecn:1,"
		   "mod_nw_ttl:9,mod_tp_src:80,mod_tp_dst:0x1bb", &f);
	assert_int_equal(f.n_actions, 9);
	expect_set(&f.actions[0], OFPF_DL_SRC, OFPACT_SPELL_MOD, "\0\0\0\0\0\1", 6);
	expect_set(&f.actions[1], OFPF_DL_DST, OFPACT_SPELL_MOD, "\2\0\0\0\0\2", 6);
	expect_set(&f.actions[2], OFPF_NW_SRC, OFPACT_SPELL_MOD, "\1\2\3\4", 4);
	expect_set(&f.actions[3], OFPF_NW_DST, OFPACT_SPELL_MOD, "\12\0\0\11", 4);
	expect_set(&f.actions[4], OFPF_NW_TOS, OFPACT_SPELL_MOD, "\20", 1);
	expect_set(&f.actions[5], OFPF_IP_ECN, OFPACT_SPELL_MOD, "\1", 1);
	expect_set(&f.actions[6], OFPF_NW_TTL, OFPACT_SPELL_MOD, "\11", 1);
	expect_set(&f.actions[7], OFPF_TP_SRC, OFPACT_SPELL_MOD, "\0\120", 2);
	expect_set(&f.actions[8], OFPF_TP_DST, OFPACT_SPELL_MOD, "\1\273", 2);
	assert_memory_equal(f.actions[8].set_field.mask, "\377\377", 2);
	ofp_flow_free(&f);

	parse_acts("ipv6", "set_field:2001:db8::1->ipv6_dst,set_field:0x5/0xf->reg3,"
		   "set_field:7->in_port,set_field:0x12345->ipv6_label", &f);
	assert_int_equal(f.n_actions, 4);
	inet_pton(AF_INET6, "2001:db8::1", v6);
	expect_set(&f.actions[0], OFPF_IPV6_DST, OFPACT_SPELL_SET_FIELD, v6, 16);
	expect_set(&f.actions[1], OFPF_REG0 + 3, OFPACT_SPELL_SET_FIELD, "\0\0\0\5", 4);
	assert_memory_equal(f.actions[1].set_field.mask, "\0\0\0\17", 4);
	expect_set(&f.actions[2], OFPF_IN_PORT, OFPACT_SPELL_SET_FIELD, "\0\7", 2);
	expect_set(&f.actions[3], OFPF_IPV6_LABEL, OFPACT_SPELL_SET_FIELD, "\0\1\43\105", 4);
	assert_memory_equal(f.actions[3].set_field.mask, "\0\17\377\377", 4);
	ofp_flow_free(&f);

	parse_acts("dl_vlan=5", "set_field:7->dl_vlan_pcp,set_field:9->dl_vlan", &f);
	expect_set(&f.actions[0], OFPF_DL_VLAN_PCP, OFPACT_SPELL_SET_FIELD, "\7", 1);
	expect_set(&f.actions[1], OFPF_DL_VLAN, OFPACT_SPELL_SET_FIELD, "\0\11", 2);
	ofp_flow_free(&f);
}

static void test_vlan_ttl_actions(void **state)
{
	struct ofp_flow f;

	(void)state;
	parse_acts("ip", "dec_ttl,mod_vlan_vid:100,mod_vlan_pcp:5,strip_vlan,pop_vlan,"
		   "push_vlan:0x88a8,set_field:3->dl_vlan", &f);
	assert_int_equal(f.n_actions, 7);
	assert_int_equal(f.actions[0].type, OFPACT_DEC_TTL);
	assert_int_equal(f.actions[1].type, OFPACT_MOD_VLAN_VID);
	assert_int_equal(f.actions[1].vlan_vid.vid, 100);
	assert_int_equal(f.actions[2].type, OFPACT_MOD_VLAN_PCP);
	assert_int_equal(f.actions[2].vlan_pcp.pcp, 5);
	assert_int_equal(f.actions[3].type, OFPACT_POP_VLAN);
	assert_int_equal(f.actions[4].type, OFPACT_POP_VLAN);
	assert_int_equal(f.actions[5].type, OFPACT_PUSH_VLAN);
	assert_int_equal(f.actions[5].push_vlan.tpid, htons(0x88a8));
	assert_int_equal(f.actions[6].type, OFPACT_SET_FIELD);
	ofp_flow_free(&f);
}

static void test_load_move(void **state)
{
	struct ofp_flow f;
	uint8_t v[16];

	(void)state;
	parse_acts("ipv6", "load:0x1->NXM_NX_REG0[],load:5->reg1[8..15],load:1->reg2[31],"
		   "load:0xffffffffffffffffff->ipv6_src[0..71],"
		   "move:NXM_NX_IPV6_SRC[0..31]->NXM_NX_REG1[],"
		   "move:reg0[0..15]->NXM_NX_REG2[16..31],"
		   "move:metadata[]->OXM_OF_METADATA[]", &f);
	assert_int_equal(f.n_actions, 7);
	assert_int_equal(f.actions[0].type, OFPACT_LOAD);
	assert_int_equal(f.actions[0].load.dst.field, OFPF_REG0);
	assert_int_equal(f.actions[0].load.dst.ofs, 0);
	assert_int_equal(f.actions[0].load.dst.n_bits, 32);
	memset(v, 0, 16);
	v[15] = 1;
	assert_memory_equal(f.actions[0].load.value, v, 16);
	assert_int_equal(f.actions[1].load.dst.field, OFPF_REG0 + 1);
	assert_int_equal(f.actions[1].load.dst.ofs, 8);
	assert_int_equal(f.actions[1].load.dst.n_bits, 8);
	v[15] = 5;
	assert_memory_equal(f.actions[1].load.value, v, 16);
	assert_int_equal(f.actions[2].load.dst.ofs, 31);
	assert_int_equal(f.actions[2].load.dst.n_bits, 1);
	assert_int_equal(f.actions[3].load.dst.field, OFPF_IPV6_SRC);
	memset(v, 0, 16);
	memset(v + 7, 0xff, 9);
	assert_memory_equal(f.actions[3].load.value, v, 16);

	assert_int_equal(f.actions[4].type, OFPACT_MOVE);
	assert_int_equal(f.actions[4].move.src.field, OFPF_IPV6_SRC);
	assert_int_equal(f.actions[4].move.src.n_bits, 32);
	assert_int_equal(f.actions[4].move.dst.field, OFPF_REG0 + 1);
	assert_int_equal(f.actions[5].move.src.field, OFPF_REG0);
	assert_int_equal(f.actions[5].move.src.ofs, 0);
	assert_int_equal(f.actions[5].move.src.n_bits, 16);
	assert_int_equal(f.actions[5].move.dst.field, OFPF_REG0 + 2);
	assert_int_equal(f.actions[5].move.dst.ofs, 16);
	assert_int_equal(f.actions[5].move.dst.n_bits, 16);
	assert_int_equal(f.actions[6].move.src.field, OFPF_METADATA);
	assert_int_equal(f.actions[6].move.dst.n_bits, 64);
	ofp_flow_free(&f);

	parse_acts("ip", "move:NXM_OF_IP_SRC[]->NXM_NX_REG1[]", &f);
	assert_int_equal(f.actions[0].move.src.field, OFPF_NW_SRC);
	assert_int_equal(f.actions[0].move.src.n_bits, 32);
	ofp_flow_free(&f);
}

static void test_table_actions(void **state)
{
	struct ofp_flow f;

	(void)state;
	parse_ok("table=1 actions=resubmit(,2),resubmit(3,4),resubmit:5,resubmit(in_port,0),"
		 "resubmit(9),write_metadata:0x10/0xff,goto_table:7", OFP_PARSE_ADD, &f);
	assert_int_equal(f.n_actions, 7);
	assert_int_equal(f.actions[0].type, OFPACT_RESUBMIT);
	assert_int_equal(f.actions[0].resubmit.in_port, OFPP_IN_PORT);
	assert_int_equal(f.actions[0].resubmit.table, 2);
	assert_int_equal(f.actions[1].resubmit.in_port, 3);
	assert_int_equal(f.actions[1].resubmit.table, 4);
	assert_int_equal(f.actions[2].resubmit.in_port, 5);
	assert_int_equal(f.actions[2].resubmit.table, 255);
	assert_int_equal(f.actions[3].resubmit.in_port, OFPP_IN_PORT);
	assert_int_equal(f.actions[3].resubmit.table, 0);
	assert_int_equal(f.actions[4].resubmit.in_port, 9);
	assert_int_equal(f.actions[4].resubmit.table, 255);
	assert_int_equal(f.actions[5].type, OFPACT_WRITE_METADATA);
	assert_int_equal(f.actions[5].metadata.value, 0x10);
	assert_int_equal(f.actions[5].metadata.mask, 0xff);
	assert_int_equal(f.actions[6].type, OFPACT_GOTO_TABLE);
	assert_int_equal(f.actions[6].goto_table.table, 7);
	ofp_flow_free(&f);

	/* ovs-ofctl's "action=" spelling, and no error struct. */
	assert_int_equal(ofp_parse_flow("ip action=output:4", OFP_PARSE_ADD, &f, NULL), 0);
	assert_int_equal(f.actions[0].output.port, 4);
	ofp_flow_free(&f);
	assert_int_equal(ofp_parse_flow("ip action=bogus", OFP_PARSE_ADD, &f, NULL), -EINVAL);

	parse_ok("actions=write_metadata:5", OFP_PARSE_ADD, &f);
	assert_int_equal(f.actions[0].metadata.value, 5);
	assert_int_equal(f.actions[0].metadata.mask, UINT64_MAX);
	ofp_flow_free(&f);
}

static void test_packet(void **state)
{
	struct ofp_key k, exp;
	struct xs_err e;

	(void)state;
	memset(&exp, 0, sizeof(exp));
	assert_int_equal(ofp_parse_packet("in_port=3,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,"
					  "tp_dst=80,dl_vlan=7,reg2=9", &k, &e), 0);
	exp.dp.in_port = 3;
	exp.dp.dl_type = htons(0x0800);
	exp.dp.nw_proto = 6;
	exp.dp.nw_src = htonl(0x0a000001);
	exp.dp.nw_dst = htonl(0x0a000002);
	exp.dp.tp_dst = htons(80);
	exp.dp.vlan[0].tci = htons(0x1000 | 7);
	exp.dp.vlan[0].tpid = htons(0x8100);
	exp.regs[2] = htonl(9);
	assert_memory_equal(&k, &exp, sizeof(k));

	memset(&exp, 0, sizeof(exp));
	assert_int_equal(ofp_parse_packet("", &k, &e), 0);
	assert_memory_equal(&k, &exp, sizeof(k));
	assert_int_equal(ofp_parse_packet("icmp6,icmp_type=135,nd_target=::1", &k, &e), 0);
	assert_int_equal(k.dp.tp_src, htons(135));
	assert_int_equal(k.dp.nd_target[15], 1);
}

static void test_flow_text(void **state)
{
	struct ofp_flow *flows;
	struct xs_err e;
	size_t n;

	(void)state;
	assert_int_equal(ofp_parse_flow_text("# comment\n\n  \t\n"
					     "in_port=1 actions=output:2 # to port 2\r\n"
					     "   # indented comment\n"
					     "table=1,priority=5,ip actions=drop", OFP_PARSE_ADD,
					     &flows, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(flows[0].actions[0].output.port, 2);
	assert_int_equal(flows[1].table_id, 1);
	assert_int_equal(flows[1].priority, 5);
	for (size_t i = 0; i < n; i++)
		ofp_flow_free(&flows[i]);
	free(flows);

	assert_int_equal(ofp_parse_flow_text("", OFP_PARSE_ADD, &flows, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(flows);
}

static void test_flow_file(void **state)
{
	char path[] = "/tmp/xs_flows_XXXXXX";
	struct ofp_flow *flows;
	struct xs_err e;
	size_t n;
	int fd = mkstemp(path);
	static const char text[] = "priority=1 actions=drop\ntcp,tp_dst=22 actions=output:1\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_int_equal(ofp_parse_flow_file(path, OFP_PARSE_ADD, &flows, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(flows[1].match.value.dp.tp_dst, htons(22));
	for (size_t i = 0; i < n; i++)
		ofp_flow_free(&flows[i]);
	free(flows);
	unlink(path);
}

static void test_clone(void **state)
{
	struct ofp_flow f, g;

	(void)state;
	parse_ok("ip actions=output:1,output:2", OFP_PARSE_ADD, &f);
	assert_int_equal(ofp_flow_clone(&g, &f), 0);
	assert_ptr_not_equal(g.actions, f.actions);
	assert_int_equal(g.n_actions, 2);
	assert_memory_equal(g.actions, f.actions, 2 * sizeof(*f.actions));
	assert_memory_equal(&g.match, &f.match, sizeof(f.match));
	ofp_flow_free(&f);
	assert_int_equal(g.actions[1].output.port, 2);
	ofp_flow_free(&g);
	assert_null(g.actions);
	assert_int_equal(g.n_actions, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shorthands),
		cmocka_unit_test(test_l2_fields),
		cmocka_unit_test(test_l3_fields),
		cmocka_unit_test(test_l4_fields),
		cmocka_unit_test(test_arp_fields),
		cmocka_unit_test(test_pipeline_fields),
		cmocka_unit_test(test_flow_keys),
		cmocka_unit_test(test_output_actions),
		cmocka_unit_test(test_set_actions),
		cmocka_unit_test(test_vlan_ttl_actions),
		cmocka_unit_test(test_load_move),
		cmocka_unit_test(test_table_actions),
		cmocka_unit_test(test_packet),
		cmocka_unit_test(test_flow_text),
		cmocka_unit_test(test_flow_file),
		cmocka_unit_test(test_clone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
