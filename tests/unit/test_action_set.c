// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the OpenFlow action set in the translation: write_actions
 * merge into the set across tables (one action of each kind, one set per
 * field), clear_actions empties it, it runs at the end of the pipeline in
 * the spec's order (pop, push, dec_ttl, sets, output), and the text
 * syntax parses, formats back and refuses what does not belong. */
#include "tests/lib/xs_test.h"
#include "tests/lib/pipeline_fixture.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/xlate.h"
#include "xdpswitch/datapath.h"

static void run(const char *pkt, struct xlate_result *res)
{
	struct ofp_key k;
	struct xs_err err;

	if (ofp_parse_packet(pkt, &k, &err))
		fail_msg("packet: %s", err.msg);
	memset(res, 0, sizeof(*res));
	assert_int_equal(xlate(&fx_tables, &k, res), 0);
}

static void test_write_across_tables(void **state)
{
	struct xlate_result res;

	(void)state;
	fx_load("table=0,ip actions=write_actions(output:3),goto_table:1\n"
	     "table=1,ip actions=write_actions(set_field:10.0.0.9->nw_dst,output:2)\n");
	run("in_port=1,ip,nw_src=10.0.0.1,nw_dst=10.0.0.2", &res);
	/* the later output replaced the first; the set ran before it */
	assert_int_equal(res.n_actions, 2);
	assert_int_equal(res.actions[0].type, XS_ACT_SET_IPV4_DST);
	assert_int_equal(res.actions[0].u.be32[0], htonl(0x0a000009));
	assert_int_equal(res.actions[1].type, XS_ACT_OUTPUT);
	assert_int_equal(res.actions[1].arg, 2);
}

static void test_apply_runs_first(void **state)
{
	struct xlate_result res;

	(void)state;
	fx_load("ip actions=output:4,set_field:10.0.0.7->nw_dst,write_actions(output:2)\n");
	run("in_port=1,ip,nw_dst=10.0.0.2", &res);
	/* apply: output 4 at once; set then applies to the set's output 2 */
	assert_int_equal(res.n_actions, 3);
	assert_int_equal(res.actions[0].type, XS_ACT_OUTPUT);
	assert_int_equal(res.actions[0].arg, 4);
	assert_int_equal(res.actions[1].type, XS_ACT_SET_IPV4_DST);
	assert_int_equal(res.actions[2].arg, 2);
}

static void test_clear(void **state)
{
	struct xlate_result res;

	(void)state;
	fx_load("table=0,ip actions=write_actions(output:3),goto_table:1\n"
	     "table=1,ip actions=clear_actions\n");
	run("in_port=1,ip,nw_dst=10.0.0.2", &res);
	assert_int_equal(res.n_actions, 0);
}

static void test_order(void **state)
{
	struct xlate_result res;

	(void)state;
	/* written output first, pop last: the set runs pop, dec_ttl, then
	 * output (the datapath gets the TTL change before the committed pop) */
	fx_load("dl_vlan=5,ip actions=write_actions(output:2,dec_ttl,pop_vlan)\n");
	run("in_port=1,dl_vlan=5,ip,nw_ttl=9", &res);
	assert_int_equal(res.n_actions, 3);
	assert_int_equal(res.actions[0].type, XS_ACT_DEC_TTL);
	assert_int_equal(res.actions[1].type, XS_ACT_POP_VLAN);
	assert_int_equal(res.actions[2].type, XS_ACT_OUTPUT);
	assert_int_equal(res.actions[2].arg, 2);
}

static void test_text(void **state)
{
	static const char *const ok[] = {
		"ip actions=output:1,clear_actions,write_actions(set_field:10.0.0.9->nw_dst,output:2),goto_table:5",
		"actions=write_actions(output:2)",
		"actions=clear_actions",
	};
	static const struct { const char *text, *msg; } bad[] = {
		{ "actions=write_actions(output:2),output:3",
		  "output must come before clear_actions and write_actions (instruction order)" },
		{ "actions=write_actions(goto_table:3)", "goto_table inside write_actions" },
		{ "actions=write_actions(resubmit(,2))",
		  "write_actions: only output, controller, set_field, dec_ttl, push_vlan and "
		  "pop_vlan belong in an action set" },
		{ "actions=write_actions(output:1),write_actions(output:2)",
		  "write_actions given twice" },
		{ "actions=write_actions:2", "write_actions takes a list: write_actions(...)" },
		{ "actions=write_actions(output:1),clear_actions",
		  "clear_actions must come before write_actions and be given once" },
		{ "actions=write_metadata:1,clear_actions",
		  "clear_actions must come before write_metadata (instruction order)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ofp_flow f;
		struct xs_err err;
		char buf[512];

		ofp_flow_init(&f);
		if (ofp_parse_flow(ok[i], OFP_PARSE_ADD, &f, &err))
			fail_msg("%s: %s", ok[i], err.msg);
		ofp_format_actions(f.actions, f.n_actions, buf, sizeof(buf));
		assert_string_equal(buf, strstr(ok[i], "actions=") + 8);
		ofp_flow_free(&f);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ofp_flow f;
		struct xs_err err;

		ofp_flow_init(&f);
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(ofp_parse_flow(bad[i].text, OFP_PARSE_ADD, &f, &err), 0);
		if (strcmp(err.msg, bad[i].msg))
			fail_msg("%s: \"%s\", expected \"%s\"", bad[i].text, err.msg, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_across_tables, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_apply_runs_first, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_clear, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_order, fx_setup, fx_teardown),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
