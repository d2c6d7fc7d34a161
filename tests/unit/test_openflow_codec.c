// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the OpenFlow 1.3 codec (agent/openflow/): OXM matches and
 * instructions encoded and decoded back to the same flow, flow_mod
 * decoding, HELLO version negotiation, and every refusal with its error
 * type and code. */
#include "tests/lib/xs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/openflow/conn.h"
#include "agent/openflow/flow_mod.h"
#include "agent/openflow/of13.h"
#include "agent/openflow/ofactions.h"
#include "agent/openflow/oxm.h"

static const char *const round_trips[] = {
	"priority=10,ip,nw_dst=10.0.0.2 actions=output:2",
	"in_port=3,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff actions=flood",
	"tcp,nw_src=10.0.0.0/8,tp_dst=0x50/0xfff0 actions=set_field:10.1.1.1->nw_dst,goto_table:3",
	"udp,ip_dscp=8,ip_ecn=1,tp_src=53 actions=write_metadata:0x10/0xf0,goto_table:4",
	"sctp,tp_dst=9 actions=push_vlan:0x8100,set_field:5->dl_vlan,output:2",
	"dl_vlan=10,dl_vlan_pcp=3,metadata=0x5/0xff actions=pop_vlan,output:1",
	"arp,arp_op=1,arp_spa=10.0.0.0/8,arp_tpa=10.0.0.1,arp_sha=02:00:00:00:00:01 actions=output:3",
	"ipv6,ipv6_src=2001:db8::/32,ipv6_label=0x12345 actions=dec_ttl,output:1",
	"icmp6,icmpv6_type=135,icmpv6_code=0,nd_target=2001:db8::1 actions=drop",
	"icmp,icmp_type=8,icmp_code=0,nw_ttl=64 actions=controller:128",
	"tcp,tcp_flags=+syn-ack,reg3=0x7/0xf actions=output:1,controller",
	"ip,ip_frag=later actions=drop",
	"dl_type=0x88cc actions=controller",
	"ip actions=output:1,clear_actions,write_actions(set_field:10.0.0.9->nw_dst,output:2),goto_table:5",
};

static void parse(const char *text, struct ofp_flow *f)
{
	struct xs_err err;

	ofp_flow_init(f);
	if (ofp_parse_flow(text, OFP_PARSE_ADD, f, &err))
		fail_msg("%s: %s (col %d)", text, err.msg, err.col);
}

static void test_match_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(round_trips) / sizeof(round_trips[0]); i++) {
		struct ofp_flow f;
		struct ofp_match back;
		struct ofbuf b;
		size_t used;

		parse(round_trips[i], &f);
		ofbuf_init(&b);
		oxm_encode_match(&b, &f.match);
		assert_false(b.failed);
		assert_int_equal(b.len % 8, 0);
		if (oxm_decode_match(b.data, b.len, &back, &used))
			fail_msg("%s: the encoded match does not decode", round_trips[i]);
		assert_int_equal(used, b.len);
		if (memcmp(&back, &f.match, sizeof(back)))
			fail_msg("%s: the match changed on the way", round_trips[i]);
		ofbuf_free(&b);
		ofp_flow_free(&f);
	}
}

static void test_instructions_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(round_trips) / sizeof(round_trips[0]); i++) {
		char want[512], got[512];
		struct ofpact *acts = NULL;
		struct ofp_flow f;
		struct ofbuf b;
		size_t n = 0;
		int err;

		parse(round_trips[i], &f);
		ofbuf_init(&b);
		ofa_encode_instructions(&b, f.actions, f.n_actions);
		err = ofa_decode_instructions(b.data, b.len, 0, &acts, &n);
		if (err)
			fail_msg("%s: decode error %d/%d", round_trips[i], OFPERR_TYPE(err),
				 OFPERR_CODE(err));
		ofp_format_actions(f.actions, f.n_actions, want, sizeof(want));
		ofp_format_actions(acts, n, got, sizeof(got));
		/* set_field of a vlan spells the same change as mod_vlan_vid;
		 * text through the wire keeps the set_field spelling */
		if (strcmp(want, got))
			fail_msg("%s: actions %s came back as %s", round_trips[i], want, got);
		free(acts);
		ofbuf_free(&b);
		ofp_flow_free(&f);
	}
}

/* A flow_mod: fixed part, then match and instructions of text. */
static void build_flow_mod(struct ofbuf *b, const char *text, uint8_t command, uint8_t table,
			   uint16_t flags, uint32_t out_port)
{
	struct ofp_flow f;
	size_t m;

	parse(text, &f);
	ofbuf_init(b);
	m = ofbuf_start_msg(b, OFPT_FLOW_MOD, 7);
	ofbuf_put64(b, 0x1234);            /* cookie */
	ofbuf_put64(b, 0);                 /* cookie_mask */
	ofbuf_put8(b, table);
	ofbuf_put8(b, command);
	ofbuf_put16(b, 10);                /* idle */
	ofbuf_put16(b, 20);                /* hard */
	ofbuf_put16(b, f.priority);
	ofbuf_put32(b, OFP_NO_BUFFER);
	ofbuf_put32(b, out_port);
	ofbuf_put32(b, OFPG13_ANY);
	ofbuf_put16(b, flags);
	ofbuf_put16(b, 0);
	oxm_encode_match(b, &f.match);
	ofa_encode_instructions(b, f.actions, f.n_actions);
	ofbuf_end_msg(b, m);
	ofp_flow_free(&f);
}

static void test_flow_mod_decode(void **state)
{
	struct ofbuf b;
	struct ofs_fm fm;
	struct ofp_flow want;
	char wa[256], ga[256];

	(void)state;
	build_flow_mod(&b, "priority=77,tcp,tp_dst=22 actions=output:3", OFPFC_ADD, 2,
		       OFPFF_SEND_FLOW_REM, 0);
	assert_int_equal(ofs_decode_flow_mod(b.data, b.len, &fm), 0);
	parse("priority=77,tcp,tp_dst=22 actions=output:3", &want);
	assert_int_equal(fm.command, OFPFC_ADD);
	assert_int_equal(fm.flags, OFPFF_SEND_FLOW_REM);
	assert_int_equal(fm.flow.table_id, 2);
	assert_int_equal(fm.flow.priority, 77);
	assert_int_equal(fm.flow.cookie, 0x1234);
	assert_int_equal(fm.flow.idle_timeout, 10);
	assert_int_equal(fm.flow.hard_timeout, 20);
	assert_int_equal(fm.flow.out_port, OFPP_NONE); /* ignored for adds */
	assert_memory_equal(&fm.flow.match, &want.match, sizeof(want.match));
	ofp_format_actions(want.actions, want.n_actions, wa, sizeof(wa));
	ofp_format_actions(fm.flow.actions, fm.flow.n_actions, ga, sizeof(ga));
	assert_string_equal(wa, ga);
	/* the match and instructions as sent are kept for flow stats */
	assert_int_equal(fm.oxm_len, 4 + 2 + 4 + 1 + 4 + 2);
	assert_int_equal(of_get32(fm.oxm), OXM_HEADER(OXM_CLASS_BASIC, OFPXMT_ETH_TYPE, 0, 2));
	assert_int_equal(of_get16(fm.insts), OFPIT_APPLY_ACTIONS);
	ofp_flow_free(&fm.flow);
	ofp_flow_free(&want);
	ofbuf_free(&b);

	/* a delete keeps its out_port (16-bit form), its cookie masked */
	build_flow_mod(&b, "ip actions=drop", OFPFC_DELETE, OFPTT_ALL, 0, 5);
	assert_int_equal(ofs_decode_flow_mod(b.data, b.len, &fm), 0);
	assert_int_equal(fm.flow.out_port, 5);
	assert_int_equal(fm.flow.table_id, OFPTT_ALL);
	assert_int_equal(fm.flow.cookie, 0);
	ofp_flow_free(&fm.flow);
	ofbuf_free(&b);
	build_flow_mod(&b, "ip actions=drop", OFPFC_DELETE, OFPTT_ALL, 0, OFPP13_CONTROLLER);
	assert_int_equal(ofs_decode_flow_mod(b.data, b.len, &fm), 0);
	assert_int_equal(fm.flow.out_port, OFPP_CONTROLLER);
	ofp_flow_free(&fm.flow);
	ofbuf_free(&b);
}

static void expect_fm_error(const char *what, struct ofbuf *b, int want)
{
	struct ofs_fm fm;
	int err = ofs_decode_flow_mod(b->data, b->len, &fm);

	if (err != want)
		fail_msg("%s: error %d/%d, expected %d/%d", what, OFPERR_TYPE(err), OFPERR_CODE(err),
			 OFPERR_TYPE(want), OFPERR_CODE(want));
	if (!err)
		ofp_flow_free(&fm.flow);
	ofbuf_free(b);
}

static void test_flow_mod_errors(void **state)
{
	struct ofbuf b;

	(void)state;
	build_flow_mod(&b, "ip actions=drop", OFPFC_ADD, 0, 0, 0);
	b.len = 40;
	of_put16(b.data + 2, 40);
	expect_fm_error("short flow_mod", &b, E_BAD_LEN);
	build_flow_mod(&b, "ip actions=drop", 5, 0, 0, 0);
	expect_fm_error("command 5", &b, E_FM_BAD_COMMAND);
	build_flow_mod(&b, "ip actions=drop", OFPFC_ADD, 0, 0x20, 0);
	expect_fm_error("flag 0x20", &b, E_FM_BAD_FLAGS);
	build_flow_mod(&b, "ip actions=drop", OFPFC_ADD, OFPTT_ALL, 0, 0);
	expect_fm_error("add to table 255", &b, E_FM_BAD_TABLE_ID);
	build_flow_mod(&b, "ip actions=drop", OFPFC_DELETE, 0, 0, 0xffffff10);
	expect_fm_error("delete with out_port 0xffffff10", &b, E_REQ_BAD_PORT);
	build_flow_mod(&b, "actions=goto_table:3", OFPFC_ADD, 3, 0, 0);
	expect_fm_error("goto_table to its own table", &b, E_INST_BAD_TABLE_ID);
	build_flow_mod(&b, "ip actions=drop", OFPFC_ADD, 0, 0, 0);
	of_put16(b.data + 48, 0);   /* match type: standard (OpenFlow 1.1) */
	expect_fm_error("match type 0", &b, E_MATCH_BAD_TYPE);
	build_flow_mod(&b, "ip actions=drop", OFPFC_ADD, 0, 0, 0);
	of_put16(b.data + 50, 200); /* match length past the message */
	expect_fm_error("match past the end", &b, E_BAD_LEN);
}

/* A match of raw TLV bytes. */
static int decode_tlvs(const uint8_t *p, size_t len)
{
	struct ofp_match m;

	return oxm_decode_tlvs(p, len, &m);
}

#define TLV(field, hm, len) 0x80, 0x00, (uint8_t)((field) << 1 | (hm)), (len)
#define ETH_IP TLV(OFPXMT_ETH_TYPE, 0, 2), 0x08, 0x00
#define ETH_IP6 TLV(OFPXMT_ETH_TYPE, 0, 2), 0x86, 0xdd

static void test_match_errors(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[48];
		size_t len;
		int err;
	} cases[] = {
		{ "truncated header", { 0x80, 0x00 }, 2, E_MATCH_BAD_LEN },
		{ "payload past the end", { TLV(OFPXMT_ETH_TYPE, 0, 2), 0x08 }, 5, E_MATCH_BAD_LEN },
		{ "unknown field", { TLV(60, 0, 2), 0, 0 }, 6, E_MATCH_BAD_FIELD },
		{ "unknown class", { 0x12, 0x34, 0x00, 0x02, 0, 0 }, 6, E_MATCH_BAD_FIELD },
		{ "eth_type of 3 bytes", { TLV(OFPXMT_ETH_TYPE, 0, 3), 8, 0, 0 }, 7, E_MATCH_BAD_LEN },
		{ "mask on eth_type", { TLV(OFPXMT_ETH_TYPE, 1, 4), 8, 0, 0xff, 0xff }, 8,
		  E_MATCH_BAD_MASK },
		{ "eth_type twice", { ETH_IP, ETH_IP }, 12, E_MATCH_DUP_FIELD },
		{ "value bit outside the mask", { TLV(OFPXMT_ETH_DST, 1, 12), 1, 0, 0, 0, 0, 1,
		  0xff, 0xff, 0xff, 0xff, 0xff, 0 }, 16, E_MATCH_BAD_WILDCARDS },
		{ "vlan_vid 0x2000", { TLV(OFPXMT_VLAN_VID, 0, 2), 0x20, 0x00 }, 6,
		  E_MATCH_BAD_VALUE },
		{ "ip_dscp 64", { ETH_IP, TLV(OFPXMT_IP_DSCP, 0, 1), 64 }, 11, E_MATCH_BAD_VALUE },
		{ "in_port 0", { TLV(OFPXMT_IN_PORT, 0, 4), 0, 0, 0, 0 }, 8, E_MATCH_BAD_VALUE },
		{ "in_port 0xffffff10", { TLV(OFPXMT_IN_PORT, 0, 4), 0xff, 0xff, 0xff, 0x10 }, 8,
		  E_MATCH_BAD_VALUE },
		{ "tcp_dst without ip_proto", { ETH_IP, TLV(OFPXMT_TCP_DST, 0, 2), 0, 80 }, 12,
		  E_MATCH_BAD_PREREQ },
		{ "tcp_dst over udp", { ETH_IP, TLV(OFPXMT_IP_PROTO, 0, 1), 17,
		  TLV(OFPXMT_TCP_DST, 0, 2), 0, 80 }, 17, E_MATCH_BAD_PREREQ },
		{ "ipv4_src over IPv6", { ETH_IP6, TLV(OFPXMT_IPV4_SRC, 0, 4), 10, 0, 0, 1 }, 14,
		  E_MATCH_BAD_PREREQ },
		{ "vlan_pcp without a VLAN", { TLV(OFPXMT_VLAN_PCP, 0, 1), 3 }, 5,
		  E_MATCH_BAD_PREREQ },
		{ "ip_proto without eth_type", { TLV(OFPXMT_IP_PROTO, 0, 1), 6 }, 5,
		  E_MATCH_BAD_PREREQ },
		{ "nd_target outside NS/NA", { ETH_IP6, TLV(OFPXMT_IP_PROTO, 0, 1), 58,
		  TLV(OFPXMT_IPV6_ND_TARGET, 0, 16), 0 }, 31, E_MATCH_BAD_PREREQ },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = decode_tlvs(cases[i].bytes, cases[i].len);

		if (err != cases[i].err)
			fail_msg("%s: error %d/%d, expected %d/%d", cases[i].what, OFPERR_TYPE(err),
				 OFPERR_CODE(err), OFPERR_TYPE(cases[i].err),
				 OFPERR_CODE(cases[i].err));
	}
	/* prerequisites may follow what needs them */
	{
		static const uint8_t later[] = { TLV(OFPXMT_TCP_DST, 0, 2), 0, 80,
						 TLV(OFPXMT_IP_PROTO, 0, 1), 6, ETH_IP };

		assert_int_equal(decode_tlvs(later, sizeof(later)), 0);
	}
}

static int decode_acts(const uint8_t *p, size_t len, enum ofa_ctx ctx)
{
	struct ofpact *acts = NULL;
	size_t n = 0;
	int err = ofa_decode_actions(p, len, ctx, &acts, &n);

	free(acts);
	return err;
}

#define OUT(port) 0, 0, 0, 16, (uint8_t)((port) >> 24), (uint8_t)((port) >> 16), \
	(uint8_t)((port) >> 8), (uint8_t)(port), 0xff, 0xff, 0, 0, 0, 0, 0, 0

/* A Nicira action header: OFPAT_EXPERIMENTER, len, NX_VENDOR_ID, subtype. */
#define NX(len, subtype) 0xff, 0xff, 0, (len), 0, 0, 0x23, 0x20, 0, (subtype)

/* Open vSwitch's own encoding (tests/ofp-actions.at, without pause) of
 * controller(reason=invalid_ttl,max_len=1234,id=5678,userdata=01.02.03.04.05),
 * and of controller(reason=invalid_ttl,max_len=1234,id=5678): decoded and
 * encoded back to the same bytes. */
static void test_nicira_controller(void **state)
{
	static const uint8_t c2[] = {
		0xff, 0xff, 0x00, 0x38, 0x00, 0x00, 0x23, 0x20, 0x00, 0x25, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x00, 0x00,
		0x00, 0x01, 0x00, 0x08, 0x16, 0x2e, 0x00, 0x00,
		0x00, 0x02, 0x00, 0x05, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x03, 0x00, 0x09, 0x01, 0x02, 0x03, 0x04, 0x05, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t c1[] = { 0xff, 0xff, 0x00, 0x10, 0x00, 0x00, 0x23, 0x20,
				      0x00, 0x14, 0x04, 0xd2, 0x16, 0x2e, 0x02, 0x00 };
	const uint8_t *bytes[] = { c2, c1 };
	size_t lens[] = { sizeof(c2), sizeof(c1) };

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct ofpact *acts = NULL;
		struct ofbuf b;
		size_t n = 0;

		assert_int_equal(ofa_decode_actions(bytes[i], lens[i], OFA_FLOW, &acts, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(acts[0].type, OFPACT_CONTROLLER);
		assert_int_equal(acts[0].controller.max_len, 1234);
		assert_int_equal(acts[0].controller.id, 5678);
		assert_int_equal(acts[0].controller.reason, OFP_REASON_INVALID_TTL);
		assert_int_equal(acts[0].controller.userdata_len, i ? 0 : 5);
		ofbuf_init(&b);
		ofa_encode_actions(&b, acts, n);
		assert_int_equal(b.len, lens[i]);
		assert_memory_equal(b.data, bytes[i], lens[i]);
		ofbuf_free(&b);
		free(acts);
	}
}

static void test_action_errors(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[96];
		size_t len;
		enum ofa_ctx ctx;
		int err;
	} cases[] = {
		{ "length 12", { 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0 }, 12, OFA_FLOW, E_ACT_BAD_LEN },
		{ "length past the list", { 0, 0, 0, 24, 0, 0, 0, 1 }, 8, OFA_FLOW, E_ACT_BAD_LEN },
		{ "output of 8 bytes", { 0, 0, 0, 8, 0, 0, 0, 1 }, 8, OFA_FLOW, E_ACT_BAD_LEN },
		{ "copy_ttl_out", { 0, 11, 0, 8 }, 8, OFA_FLOW, E_ACT_BAD_TYPE },
		{ "set_queue", { 0, 21, 0, 8, 0, 0, 0, 1 }, 8, OFA_FLOW, E_ACT_BAD_TYPE },
		{ "output to port 0", { OUT(0) }, 16, OFA_FLOW, E_ACT_BAD_OUT_PORT },
		{ "output to LOCAL", { OUT(OFPP13_LOCAL) }, 16, OFA_FLOW, E_ACT_BAD_OUT_PORT },
		{ "output to ANY", { OUT(OFPP13_ANY) }, 16, OFA_FLOW, E_ACT_BAD_OUT_PORT },
		{ "output to TABLE in a flow", { OUT(OFPP13_TABLE) }, 16, OFA_FLOW,
		  E_ACT_BAD_OUT_PORT },
		{ "output to 0xffffff10", { OUT(0xffffff10) }, 16, OFA_FLOW, E_ACT_BAD_OUT_PORT },
		{ "group", { 0, 22, 0, 8, 0, 0, 0, 1 }, 8, OFA_FLOW, E_ACT_BAD_OUT_GROUP },
		{ "experimenter of 8 bytes", { 0xff, 0xff, 0, 8, 0, 0, 0x23, 0x20 }, 8, OFA_FLOW,
		  E_ACT_BAD_LEN },
		{ "experimenter not Nicira", { 0xff, 0xff, 0, 16, 0, 0, 0x23, 0x21, 0, 20 }, 16,
		  OFA_FLOW, E_ACT_BAD_EXPERIMENTER },
		{ "Nicira action not a controller", { NX(16, 21) }, 16, OFA_FLOW,
		  E_ACT_BAD_EXP_TYPE },
		{ "NXAST_CONTROLLER of 24 bytes", { NX(24, 20) }, 24, OFA_FLOW, E_ACT_BAD_LEN },
		{ "NXAST_CONTROLLER reason 3", { NX(16, 20), 0, 64, 0, 0, 3, 0 }, 16, OFA_FLOW,
		  E_ACT_BAD_ARGUMENT },
		{ "NXAST_CONTROLLER2 property of 3 bytes", { NX(24, 37), 0, 0, 0, 0, 0, 0,
		  0, 0, 0, 3 }, 24, OFA_FLOW, E_ACT_BAD_LEN },
		{ "NXAST_CONTROLLER2 property past the action", { NX(24, 37), 0, 0, 0, 0, 0, 0,
		  0, 3, 0, 20 }, 24, OFA_FLOW, E_ACT_BAD_LEN },
		{ "NXAST_CONTROLLER2 max_len of 1 byte", { NX(24, 37), 0, 0, 0, 0, 0, 0,
		  0, 0, 0, 5, 1 }, 24, OFA_FLOW, E_ACT_BAD_LEN },
		{ "NXAST_CONTROLLER2 reason of 2 bytes", { NX(24, 37), 0, 0, 0, 0, 0, 0,
		  0, 2, 0, 6, 0, 1 }, 24, OFA_FLOW, E_ACT_BAD_LEN },
		{ "NXAST_CONTROLLER2 reason 7", { NX(24, 37), 0, 0, 0, 0, 0, 0,
		  0, 2, 0, 5, 7 }, 24, OFA_FLOW, E_ACT_BAD_ARGUMENT },
		{ "NXAST_CONTROLLER2 userdata of 65 bytes", { NX(88, 37), 0, 0, 0, 0, 0, 0,
		  0, 3, 0, 69 }, 88, OFA_FLOW, E_ACT_BAD_ARGUMENT },
		{ "NXAST_CONTROLLER2 pause (no continuations)", { NX(24, 37), 0, 0, 0, 0, 0, 0,
		  0, 4, 0, 4 }, 24, OFA_FLOW, E_ACT_BAD_ARGUMENT },
		{ "NXAST_CONTROLLER2 meter_id", { NX(24, 37), 0, 0, 0, 0, 0, 0,
		  0, 5, 0, 8, 0, 0, 0, 1 }, 24, OFA_FLOW, E_ACT_BAD_ARGUMENT },
		{ "push_vlan 0x0800", { 0, 17, 0, 8, 0x08, 0x00, 0, 0 }, 8, OFA_FLOW,
		  E_ACT_BAD_ARGUMENT },
		{ "set_field eth_type (read-only)", { 0, 25, 0, 16, TLV(OFPXMT_ETH_TYPE, 0, 2), 8, 0 },
		  16, OFA_FLOW, E_ACT_BAD_SET_TYPE },
		{ "set_field unknown field", { 0, 25, 0, 16, TLV(70, 0, 2), 8, 0 }, 16, OFA_FLOW,
		  E_ACT_BAD_SET_TYPE },
		{ "set_field with a mask", { 0, 25, 0, 16, TLV(OFPXMT_IPV4_DST, 1, 8), 10, 0, 0, 1,
		  0xff, 0xff, 0xff, 0xff }, 16, OFA_FLOW, E_ACT_BAD_SET_LEN },
		{ "set_field padded too far", { 0, 25, 0, 24, TLV(OFPXMT_IP_DSCP, 0, 1), 6 },
		  24, OFA_FLOW, E_ACT_BAD_SET_LEN },
		{ "set_field vlan_vid 0x2000", { 0, 25, 0, 16, TLV(OFPXMT_VLAN_VID, 0, 2), 0x20, 0 },
		  16, OFA_FLOW, E_ACT_BAD_SET_ARGUMENT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = decode_acts(cases[i].bytes, cases[i].len, cases[i].ctx);

		if (err != cases[i].err)
			fail_msg("%s: error %d/%d, expected %d/%d", cases[i].what, OFPERR_TYPE(err),
				 OFPERR_CODE(err), OFPERR_TYPE(cases[i].err),
				 OFPERR_CODE(cases[i].err));
	}
	{
		static const uint8_t table[] = { OUT(OFPP13_TABLE) };

		assert_int_equal(decode_acts(table, sizeof(table), OFA_PACKET_OUT), 0);
	}
}

static void test_instruction_errors(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[40];
		size_t len;
		uint8_t table;
		int err;
	} cases[] = {
		{ "unknown instruction 9", { 0, 9, 0, 8 }, 8, 0, E_INST_UNKNOWN },
		{ "write_actions twice", { 0, 3, 0, 8, 0, 0, 0, 0, 0, 3, 0, 8 }, 16, 0, E_INST_UNSUP },
		{ "clear_actions of 16 bytes", { 0, 5, 0, 16 }, 16, 0, E_INST_BAD_LEN },
		{ "write_actions with two outputs", { 0, 3, 0, 40, 0, 0, 0, 0, OUT(1), OUT(2) }, 40, 0,
		  E_ACT_TOO_MANY },
		{ "meter", { 0, 6, 0, 8, 0, 0, 0, 1 }, 8, 0, E_INST_UNSUP },
		{ "experimenter", { 0xff, 0xff, 0, 8, 0, 0, 0x23, 0x20 }, 8, 0,
		  E_INST_BAD_EXPERIMENTER },
		{ "length 4", { 0, 4, 0, 4, 0, 0, 0, 0 }, 8, 0, E_INST_BAD_LEN },
		{ "truncated", { 0, 4 }, 2, 0, E_INST_BAD_LEN },
		{ "goto_table of 16 bytes", { 0, 1, 0, 16, 5 }, 16, 0, E_INST_BAD_LEN },
		{ "goto_table backwards", { 0, 1, 0, 8, 2 }, 8, 4, E_INST_BAD_TABLE_ID },
		{ "goto_table 255", { 0, 1, 0, 8, 255 }, 8, 0, E_INST_BAD_TABLE_ID },
		{ "write_metadata of 16 bytes", { 0, 2, 0, 16 }, 16, 0, E_INST_BAD_LEN },
		{ "apply_actions twice", { 0, 4, 0, 8, 0, 0, 0, 0, 0, 4, 0, 8 }, 16, 0, E_INST_UNSUP },
		{ "a bad action inside", { 0, 4, 0, 16, 0, 0, 0, 0, 0, 11, 0, 8 }, 16, 0,
		  E_ACT_BAD_TYPE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ofpact *acts = NULL;
		size_t n = 0;
		int err = ofa_decode_instructions(cases[i].bytes, cases[i].len, cases[i].table,
						  &acts, &n);

		free(acts);
		if (err != cases[i].err)
			fail_msg("%s: error %d/%d, expected %d/%d", cases[i].what, OFPERR_TYPE(err),
				 OFPERR_CODE(err), OFPERR_TYPE(cases[i].err),
				 OFPERR_CODE(cases[i].err));
	}
}

static void test_hello(void **state)
{
	static const uint8_t bitmap13[] = { 4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x10 };
	static const uint8_t bitmap10[] = { 6, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x02 };
	static const uint8_t bitmap_all[] = { 6, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x7e };
	static const uint8_t plain15[] = { 6, 0, 0, 8, 0, 0, 0, 1 };
	static const uint8_t plain10[] = { 1, 0, 0, 8, 0, 0, 0, 1 };

	(void)state;
	assert_true(ofs_hello_ok(bitmap13, sizeof(bitmap13)));
	assert_false(ofs_hello_ok(bitmap10, sizeof(bitmap10)));
	assert_true(ofs_hello_ok(bitmap_all, sizeof(bitmap_all)));
	assert_true(ofs_hello_ok(plain15, sizeof(plain15)));
	assert_false(ofs_hello_ok(plain10, sizeof(plain10)));
}

static void test_ports(void **state)
{
	(void)state;
	assert_int_equal(of_port_from_wire(7), 7);
	assert_int_equal(of_port_from_wire(OFPP13_CONTROLLER), OFPP_CONTROLLER);
	assert_int_equal(of_port_from_wire(OFPP13_IN_PORT), OFPP_IN_PORT);
	assert_int_equal(of_port_from_wire(0xff00), 0);
	assert_int_equal(of_port_from_wire(0xfffffff0), 0);
	assert_int_equal(of_port_to_wire(OFPP_FLOOD), OFPP13_FLOOD);
	assert_int_equal(of_port_to_wire(42), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_round_trip),
		cmocka_unit_test(test_instructions_round_trip),
		cmocka_unit_test(test_flow_mod_decode),
		cmocka_unit_test(test_flow_mod_errors),
		cmocka_unit_test(test_match_errors),
		cmocka_unit_test(test_action_errors),
		cmocka_unit_test(test_nicira_controller),
		cmocka_unit_test(test_instruction_errors),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
