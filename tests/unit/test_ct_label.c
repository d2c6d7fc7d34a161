// SPDX-License-Identifier: Apache-2.0
/* ct_label in the flow language and the translation: its refusals
 * (message and column), the text ovs-ofctl prints back, the datapath
 * action ct(...,label=V/M) with the two XS_ACT_CT_LABEL entries before it,
 * exec(move:...) reading the packet (and un-wildcarding what it read), and
 * the megaflow's ct_label(V/M). */
#include "tests/lib/xs_test.h"
#include "tests/lib/pipeline_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/xlate.h"
#include "common/ct_labels.h"
#include "common/dp_format.h"
#include "xdpswitch/datapath.h"

static const struct {
	const char *text;
	int col;
	const char *msg;
} errors[] = {
	{ "ip,ct_label=0x100000000000000000000000000000000,actions=drop", 13,
	  "ct_label: value 0x100000000000000000000000000000000 does not fit in 128 bits" },
	{ "ip,ct_label=0x1/0x1/0x1,actions=drop", 17,
	  "ct_label: mask '0x1/0x1' is not a number" },
	{ "ip,ct_label=zz,actions=drop", 13, "ct_label: value 'zz' is not a number" },
	{ "ip,ct_label=1,ct_label=2,actions=drop", 15, "ct_label given twice" },
	/* Labels are written only by a ct commit (OVS: ct_label is read-only
	 * outside ct's exec()). */
	{ "ip,actions=set_field:1->ct_label", 25, "set_field: field ct_label is not writable" },
	{ "ip,actions=load:1->NXM_NX_CT_LABEL[]", 20, "load: field ct_label is not writable" },
	{ "ip,actions=move:NXM_NX_REG0[]->NXM_NX_CT_LABEL[0..31]", 32,
	  "move: field ct_label is not writable" },
	{ "ip,actions=ct(exec(set_field:1->ct_label))", 15, "ct: exec() requires commit" },
	{ "ip,actions=ct(commit,exec(set_field:1->ct_label,set_field:0x3/0x3->ct_label))", 49,
	  "ct: exec() sets the same ct_label bits twice" },
	{ "ip,actions=ct(commit,exec(set_field:0/0->ct_label))", 27,
	  "ct: exec(): a zero mask sets no ct_label bit" },
	{ "ip,actions=ct(commit,exec(load:1->NXM_NX_CT_LABEL[128]))", 51,
	  "ct: bit index: 128 is out of range (0 to 127)" },
	{ "ip,actions=ct(commit,exec(load:1->NXM_NX_CT_LABEL[8..3]))", 51,
	  "ct: bit range [8..3] is backwards" },
	{ "ip,actions=ct(commit,exec(load:0x100->NXM_NX_CT_LABEL[0..7]))", 32,
	  "ct: load: value '0x100' does not fit in 8 bits" },
	{ "ip,actions=ct(commit,exec(move:NXM_NX_REG0[0..7]->NXM_NX_CT_LABEL[0..15]))", 27,
	  "ct: move: the source has 8 bits, the destination 16" },
	{ "ip,actions=ct(commit,exec(move:foo[]->NXM_NX_CT_LABEL[0..15]))", 32,
	  "ct: exec(): unknown field 'foo'" },
	{ "ip,actions=ct(commit,exec(move:NXM_NX_REG0[]->NXM_NX_REG1[]))", 47,
	  "ct: exec() may write only ct_mark or ct_label, not 'NXM_NX_REG1'" },
	{ "ip,actions=ct(commit,exec(set_field:1->ct_labels))", 40,
	  "ct: exec() may set only ct_mark or ct_label, not 'ct_labels'" },
};

static void test_errors(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct ofp_flow f;
		struct xs_err e;
		int r = ofp_parse_flow(errors[i].text, OFP_PARSE_ADD, &f, &e);

		if (r >= 0)
			fail_msg("'%s' returned %d, expected an error", errors[i].text, r);
		if (!errors[i].msg || e.col != errors[i].col || strcmp(e.msg, errors[i].msg)) {
			print_error("'%s'\n  gave col %d: %s\n  expected col %d: %s\n",
				    errors[i].text, e.col, e.msg, errors[i].col,
				    errors[i].msg ? errors[i].msg : "?");
			bad++;
		}
		assert_null(f.actions);
	}
	assert_int_equal(bad, 0);
}

static const struct {
	const char *in, *out;
} texts[] = {
	{ "ip,ct_label=0x5/0xff,actions=drop", "ct_label=0x5/0xff,ip actions=drop" },
	{ "ip,ct_state=+trk+est,ct_mark=1,ct_label=0x80000000000000000000000000000001,"
	  "actions=drop",
	  "ct_state=+est+trk,ct_mark=0x1,ct_label=0x80000000000000000000000000000001,ip "
	  "actions=drop" },
	{ "ip,actions=ct(commit,exec(set_field:0x5->ct_label))",
	  "ip actions=ct(commit,exec(load:0x5->NXM_NX_CT_LABEL[]))" },
	{ "ip,actions=ct(commit,exec(set_field:0x5/0xf0f->ct_label))",
	  "ip actions=ct(commit,exec(set_field:0x5/0xf0f->ct_label))" },
	{ "ip,actions=ct(commit,zone=3,exec(load:0x1->NXM_NX_CT_LABEL[64..71],"
	  "set_field:0x2a->ct_mark))",
	  "ip actions=ct(commit,zone=3,exec(load:0x2a->NXM_NX_CT_MARK[],"
	  "load:0x1->NXM_NX_CT_LABEL[64..71]))" },
	{ "ip,actions=ct(commit,exec(move:NXM_NX_REG0[0..7]->NXM_NX_CT_LABEL[8..15]),table=1)",
	  "ip actions=ct(commit,table=1,exec(move:NXM_NX_REG0[0..7]->NXM_NX_CT_LABEL[8..15]))" },
	{ "ip,actions=ct(commit,exec(set_field:0x1->ct_label,nat(src=10.0.0.1)))",
	  "ip actions=ct(commit,exec(load:0x1->NXM_NX_CT_LABEL[],nat(src=10.0.0.1)))" },
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
		if (!strstr(buf, texts[i].out))
			fail_msg("'%s'\n  printed: %s\n  wanted:  %s", texts[i].in, buf, texts[i].out);
		if (ofp_parse_flow(buf, OFP_PARSE_ADD, &g, &e))
			fail_msg("'%s' does not parse back: col %d: %s", buf, e.col, e.msg);
		ofp_format_flow(&g, buf2, sizeof(buf2));
		assert_string_equal(buf, buf2);
		ofp_flow_free(&f);
		ofp_flow_free(&g);
	}
}

/* --- translation ------------------------------------------------------------- */

static struct xlate_result xl(const char *pkt, const char *want_acts)
{
	struct ofp_key k = fx_packet(pkt);
	struct xlate_result res = { .trace = NULL };
	char buf[512];

	assert_int_equal(xlate(&fx_tables, &k, &res), 0);
	xs_dp_format_actions(buf, sizeof(buf), res.actions, res.n_actions, &k.dp, NULL);
	if (strcmp(buf, want_acts))
		fail_msg("'%s'\n  actions: %s\n  wanted:  %s", pkt, buf, want_acts);
	return res;
}

static void test_xlate_commit(void **state)
{
	struct xlate_result r;
	const struct xs_action *a;
	uint8_t v[16] = { 0 }, m[16] = { 0 };

	(void)state;
	fx_load("priority=10,ip,in_port=1 actions=ct(commit,zone=7,exec(set_field:0x5/0xff->ct_label,"
	     "set_field:0x2a->ct_mark)),output:2\n"
	     "priority=10,ip,in_port=3 actions=ct(commit,zone=7,exec(set_field:0x1->ct_label),"
	     "nat(src=10.0.0.100)),output:2\n"
	     "priority=10,ip,in_port=4 actions=ct(commit,exec(move:NXM_OF_IP_SRC[]->"
	     "NXM_NX_CT_LABEL[32..63])),output:2\n");
	r = xl("ip,in_port=1,nw_src=10.0.0.1", "ct(commit,zone=7,mark=0x2a/0xffffffff,"
	       "label=0x5/0xff),2");
	/* LABEL value, LABEL mask, CT, OUTPUT */
	assert_int_equal(r.n_actions, 4);
	a = r.actions;
	v[15] = 0x5;
	m[15] = 0xff;
	assert_int_equal(a[0].type, XS_ACT_CT_LABEL);
	assert_int_equal(a[0].arg, 0);
	assert_memory_equal(a[0].u.bytes, v, 16);
	assert_int_equal(a[1].type, XS_ACT_CT_LABEL);
	assert_int_equal(a[1].arg, 1);
	assert_memory_equal(a[1].u.bytes, m, 16);
	assert_int_equal(a[2].type, XS_ACT_CT);
	assert_true(a[2].flags & XS_CT_F_LABEL);
	/* With NAT: the labels before the XS_ACT_CT_NAT. */
	r = xl("ip,in_port=3,nw_src=10.0.0.1", "ct(commit,zone=7,label=0x1,nat(src=10.0.0.100)),2");
	assert_int_equal(r.actions[0].type, XS_ACT_CT_LABEL);
	assert_int_equal(r.actions[2].type, XS_ACT_CT_NAT);
	assert_int_equal(r.actions[3].type, XS_ACT_CT);
	/* move: the packet's bits, and the megaflow matches them. */
	r = xl("ip,in_port=4,nw_src=10.0.0.9", "ct(commit,label=0xa00000900000000/"
	       "0xffffffff00000000),2");
	assert_int_equal(r.mask.nw_src, 0xffffffff);
	xl("ip,in_port=4,nw_src=10.0.0.10", "ct(commit,label=0xa00000a00000000/"
	   "0xffffffff00000000),2");
}

static void test_xlate_match(void **state)
{
	struct xlate_result r;
	struct ofp_key k;
	char buf[1024];

	(void)state;
	fx_load("priority=10,ip,ct_state=+trk+est,ct_label=0x5/0xff actions=output:2\n"
	     "priority=9,ip,ct_state=+trk+est,ct_label=0x100000000000000000000000000/"
	     "0x100000000000000000000000000 actions=output:3\n"
	     "priority=1,ip actions=drop\n");
	r = xl("ct_state=+trk+est,ip,in_port=1,ct_label=0x105", "2");
	k = fx_packet("ct_state=+trk+est,ip,in_port=1,ct_label=0x105");
	xs_dp_format_key(buf, sizeof(buf), &k.dp, &r.mask, NULL);
	if (!strstr(buf, "ct_label(0x5/0xff)"))
		fail_msg("megaflow: %s", buf);
	xl("ct_state=+trk+est,ip,in_port=1,ct_label=0x100000000000000000000000006", "3");
	xl("ct_state=+trk+est,ip,in_port=1,ct_label=0x6", "drop");
	xl("ct_state=+trk+est,ip,in_port=1", "drop");
}

static void test_label_str(void **state)
{
	uint8_t l[16] = { 0 };
	char s[40];

	(void)state;
	xs_ct_label_str(l, s, sizeof(s));
	assert_string_equal(s, "0x0");
	l[15] = 0x5;
	xs_ct_label_str(l, s, sizeof(s));
	assert_string_equal(s, "0x5");
	l[0] = 0x80;
	l[14] = 0x01;
	xs_ct_label_str(l, s, sizeof(s));
	assert_string_equal(s, "0x80000000000000000000000000000105");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_xlate_commit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_xlate_match, fx_setup, fx_teardown),
		cmocka_unit_test(test_label_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
