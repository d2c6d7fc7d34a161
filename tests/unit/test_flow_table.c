// SPDX-License-Identifier: Apache-2.0
/* mod-flows on the flow tables (ft_modify, ft_modify_many): which rules a
 * strict and a non-strict modify select, cookies set and selected, what is
 * kept (counters, age, timeouts, ids), that nothing is ever added, that bad
 * input changes nothing, and a random check that a non-strict modify picks
 * exactly the rules del-flows would delete. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/flow_table.h"

static struct flow_tables ft;

static int setup(void **state)
{
	(void)state;
	flow_tables_init(&ft);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	flow_tables_destroy(&ft);
	return 0;
}

static void parse(const char *text, enum ofp_parse_mode mode, struct ofp_flow *f)
{
	struct xs_err err;

	if (ofp_parse_flow(text, mode, f, &err))
		fail_msg("'%s': col %d: %s", text, err.col, err.msg);
}

/* Adds flows at time now_ms (one per line). */
static void load(const char *text, uint64_t now_ms)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	if (ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &err))
		fail_msg("%d:%d: %s", err.line, err.col, err.msg);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ft_add(&ft, &flows[i], now_ms), 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
}

/* ft_modify with flow text in mod-flows syntax; returns rules changed. */
static size_t modify(const char *text, bool strict)
{
	struct ofp_flow f;
	size_t n = 99;

	parse(text, OFP_PARSE_MODIFY, &f);
	assert_int_equal(ft_modify(&ft, &f, strict, &n), 0);
	ofp_flow_free(&f);
	return n;
}

/* Every rule as "cookie table priority,match actions", in dump order,
 * one per line. */
static char *dump(void)
{
	static char buf[8192];
	const struct ft_rule **rules;
	long n = ft_collect(&ft, &rules);
	size_t len = 0;

	assert_true(n >= 0);
	buf[0] = 0;
	for (long i = 0; i < n; i++) {
		struct ofp_flow f;
		char text[1024];

		ft_rule_flow(rules[i], &f);
		ofp_format_flow(&f, text, sizeof(text));
		len += snprintf(buf + len, sizeof(buf) - len, "%s\n", text);
		assert_true(len < sizeof(buf));
	}
	free(rules);
	return buf;
}

/* The rule of a table with this exact match text and priority. */
static struct ft_rule *rule(uint8_t table, const char *match, uint16_t priority)
{
	struct ofp_flow f;
	struct cls_rule *c;

	parse(match, OFP_PARSE_DELETE, &f);
	c = cls_find_exact(&ft.tables[table], &f.match, priority);
	ofp_flow_free(&f);
	assert_non_null(c);
	return (struct ft_rule *)(void *)c;
}

#define FOUR "table=0,priority=100,cookie=0x1,ip,nw_dst=10.0.0.0/8 actions=output:1\n" \
	     "table=0,priority=200,cookie=0x2,ip,nw_dst=10.1.0.0/16 actions=output:2\n" \
	     "table=0,priority=50,cookie=0x11,ip actions=output:3\n"                     \
	     "table=1,priority=200,cookie=0x2,ip,nw_dst=10.1.0.0/16 actions=output:4\n"

static void test_non_strict(void **state)
{
	uint64_t version;
	(void)state;

	load(FOUR, 0);
	version = ft.version;
	/* Covers 10/8 and 10.1/16 in every table, at any priority; not "ip". */
	assert_int_equal(modify("ip,nw_dst=10.0.0.0/8 actions=output:9", false), 3);
	assert_true(ft.version > version);
	assert_string_equal(dump(),
		"cookie=0x2, table=0, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:9\n"
		"cookie=0x1, table=0, priority=100,ip,nw_dst=10.0.0.0/8 actions=output:9\n"
		"cookie=0x11, table=0, priority=50,ip actions=output:3\n"
		"cookie=0x2, table=1, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:9\n");
	/* table= narrows to one table; priority is ignored without --strict;
	 * an empty action list is drop. */
	assert_int_equal(modify("table=1,priority=7,ip actions=drop", false), 1);
	assert_int_equal(rule(1, "ip,nw_dst=10.1.0.0/16", 200)->n_actions, 0);
	assert_null(rule(1, "ip,nw_dst=10.1.0.0/16", 200)->actions);
	/* An empty match covers everything. */
	assert_int_equal(modify("actions=output:5", false), 4);
	assert_int_equal(ft.n_rules, 4);
}

static void test_strict(void **state)
{
	(void)state;

	load(FOUR, 0);
	/* Same match, wrong priority; right priority, wider match: nothing. */
	assert_int_equal(modify("ip,nw_dst=10.1.0.0/16 actions=output:9", true), 0);
	assert_int_equal(modify("priority=200,ip,nw_dst=10.0.0.0/8 actions=output:9", true), 0);
	/* Exact match and priority: one rule per table. */
	assert_int_equal(modify("priority=200,ip,nw_dst=10.1.0.0/16 actions=output:9", true), 2);
	assert_int_equal(modify("table=0,priority=200,ip,nw_dst=10.1.0.0/16 actions=output:8",
				true), 1);
	assert_string_equal(dump(),
		"cookie=0x2, table=0, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:8\n"
		"cookie=0x1, table=0, priority=100,ip,nw_dst=10.0.0.0/8 actions=output:1\n"
		"cookie=0x11, table=0, priority=50,ip actions=output:3\n"
		"cookie=0x2, table=1, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:9\n");
	/* Priority 32768 is what an unspecified priority means. */
	load("udp actions=drop\n", 0);
	assert_int_equal(modify("udp actions=output:1", true), 1);
}

static void test_cookies(void **state)
{
	(void)state;

	load(FOUR, 0);
	/* Selecting: cookie 0x2 exactly (B and D), then the low nibble 1 (A
	 * and C), in addition to the match. */
	assert_int_equal(modify("cookie=0x2/-1 actions=output:7", false), 2);
	assert_int_equal(rule(0, "ip,nw_dst=10.1.0.0/16", 200)->actions[0].output.port, 7);
	assert_int_equal(rule(1, "ip,nw_dst=10.1.0.0/16", 200)->actions[0].output.port, 7);
	assert_int_equal(modify("cookie=0x1/0xf actions=output:6", false), 2);
	assert_int_equal(modify("cookie=0x1/0xf,ip,nw_dst=10.0.0.0/8 actions=output:6", false), 1);
	assert_int_equal(modify("cookie=0x3/-1 actions=output:6", false), 0);
	/* Selecting does not change the cookie; a cookie without a mask does,
	 * even to 0, and selects nothing by itself. */
	assert_int_equal(rule(0, "ip", 50)->cookie, 0x11);
	assert_int_equal(modify("cookie=0,ip,nw_dst=10.0.0.0/8 actions=output:1", false), 3);
	assert_int_equal(rule(0, "ip,nw_dst=10.0.0.0/8", 100)->cookie, 0);
	assert_int_equal(rule(0, "ip,nw_dst=10.1.0.0/16", 200)->cookie, 0);
	assert_int_equal(rule(0, "ip", 50)->cookie, 0x11);
	/* Select by one cookie and set another (ovs-ofctl(8): cookie twice). */
	assert_int_equal(modify("cookie=0x11/-1,cookie=0x22 actions=output:3", false), 1);
	assert_int_equal(rule(0, "ip", 50)->cookie, 0x22);
	assert_int_equal(modify("cookie=0x11/-1,cookie=0x33 actions=output:3", false), 0);
	assert_int_equal(rule(0, "ip", 50)->cookie, 0x22);
	/* Strict with a cookie: both must hold. */
	assert_int_equal(modify("cookie=0x22/-1,priority=50,ip,cookie=0x5 actions=drop", true), 1);
	assert_int_equal(rule(0, "ip", 50)->cookie, 0x5);
}

/* Counters, age, last use, timeouts and the id survive; only actions move. */
static void test_kept(void **state)
{
	struct ft_rule *r;
	uint64_t id;
	(void)state;

	load("priority=9,idle_timeout=30,hard_timeout=60,tcp,tp_dst=80 actions=output:1\n", 1000);
	r = rule(0, "tcp,tp_dst=80", 9);
	ft_rule_credit(r, 12, 3400, 4000);
	id = r->id;
	assert_int_equal(modify("tcp actions=mod_tp_dst:8080,output:2", false), 1);
	r = rule(0, "tcp,tp_dst=80", 9);
	assert_int_equal(r->id, id);
	assert_ptr_equal(ft_rule_by_id(&ft, id), r);
	assert_int_equal(r->n_packets, 12);
	assert_int_equal(r->n_bytes, 3400);
	assert_int_equal(r->created_ms, 1000);
	assert_int_equal(r->used_ms, 4000);
	assert_int_equal(r->idle_timeout, 30);
	assert_int_equal(r->hard_timeout, 60);
	assert_int_equal(r->n_actions, 2);
	assert_int_equal(r->actions[0].type, OFPACT_SET_FIELD);
	assert_int_equal(r->actions[1].output.port, 2);
	/* Timeouts in a modify are not applied (OpenFlow 1.2+, OVS). */
	assert_int_equal(modify("idle_timeout=5,hard_timeout=6,tcp actions=output:3", false), 1);
	assert_int_equal(r->idle_timeout, 30);
	assert_int_equal(r->hard_timeout, 60);
	assert_int_equal(ft.n_rules, 1);
}

/* A modify that matches nothing adds nothing (OpenFlow 1.2+) and leaves the
 * version alone: the revalidator has nothing to do. */
static void test_no_match_adds_nothing(void **state)
{
	uint64_t version;
	(void)state;

	assert_int_equal(modify("priority=5,udp actions=output:1", true), 0);
	assert_int_equal(modify("udp actions=output:1", false), 0);
	assert_int_equal(ft.n_rules, 0);
	load(FOUR, 0);
	version = ft.version;
	assert_int_equal(modify("arp actions=output:1", false), 0);
	assert_int_equal(modify("table=2 actions=output:1", false), 0);
	assert_int_equal(modify("priority=100,ip,nw_dst=10.0.0.0/8,cookie=0x9 actions=output:1",
				true) + modify("table=1,priority=100,ip,nw_dst=10.0.0.0/8 "
					       "actions=output:1", true), 1);
	assert_int_equal(ft.n_rules, 4);
	assert_true(ft.version > version);
	version = ft.version;
	assert_int_equal(modify("ipv6 actions=output:1", false), 0);
	assert_int_equal(ft.version, version);
	assert_string_equal(dump(),
		"cookie=0x2, table=0, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:2\n"
		"cookie=0x9, table=0, priority=100,ip,nw_dst=10.0.0.0/8 actions=output:1\n"
		"cookie=0x11, table=0, priority=50,ip actions=output:3\n"
		"cookie=0x2, table=1, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:4\n");
}

/* goto_table must go forward from every rule a modify selects; the parser
 * can only check that when table= is given. Failing changes nothing. */
static void test_goto_table_checked(void **state)
{
	struct ft_modify_result res;
	struct ofp_flow f;
	size_t n = 7;
	char before[8192];
	uint64_t version;
	(void)state;

	load(FOUR "table=3,ip actions=output:5\n", 0);
	strcpy(before, dump());
	version = ft.version;
	parse("ip actions=goto_table:2", OFP_PARSE_MODIFY, &f);
	assert_int_equal(ft_modify(&ft, &f, false, &n), -EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(ft_modify_many(&ft, &f, 1, false, &res), -EINVAL);
	assert_int_equal(res.failed, 0);
	assert_int_equal(res.bad_table, 3);
	assert_int_equal(res.n_changed, 0);
	assert_string_equal(dump(), before);
	assert_int_equal(ft.version, version);
	ofp_flow_free(&f);
	/* From table 1 to 2 is forward; table 1 to 1 is not. */
	assert_int_equal(modify("table=1 actions=goto_table:2", false), 1);
	parse("ip,nw_dst=10.1.0.0/16 actions=goto_table:1", OFP_PARSE_MODIFY, &f);
	assert_int_equal(ft_modify_many(&ft, &f, 1, false, &res), -EINVAL);
	assert_int_equal(res.bad_table, 1);
	ofp_flow_free(&f);
}

/* Several modifies (mod-flows - < FILE): in order, all or nothing. */
static void test_many_all_or_nothing(void **state)
{
	struct ft_modify_result res;
	struct ofp_flow *flows;
	struct xs_err err;
	char before[8192];
	uint64_t version;
	size_t n;
	(void)state;

	load(FOUR "table=3,ip actions=output:5\n", 0);
	strcpy(before, dump());
	version = ft.version;
	/* The first two apply (the second to a rule the first changed), the
	 * third cannot: everything is put back, rules changed twice too. */
	assert_int_equal(ofp_parse_flow_text("cookie=0x40,ip actions=output:7\n"
					     "cookie=0x40/-1,table=0 actions=output:8\n"
					     "ip actions=goto_table:1\n", OFP_PARSE_MODIFY,
					     &flows, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ft_modify_many(&ft, flows, n, false, &res), -EINVAL);
	assert_int_equal(res.failed, 2);
	assert_int_equal(res.n_changed, 0);
	assert_string_equal(dump(), before);
	assert_int_equal(ft.version, version);

	/* Without the bad one: applied in order, the second selecting by the
	 * cookie the first set. */
	assert_int_equal(ft_modify_many(&ft, flows, 2, false, &res), 0);
	assert_int_equal(res.n_changed, 5 + 3);
	assert_true(ft.version > version);
	assert_string_equal(dump(),
		"cookie=0x40, table=0, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:8\n"
		"cookie=0x40, table=0, priority=100,ip,nw_dst=10.0.0.0/8 actions=output:8\n"
		"cookie=0x40, table=0, priority=50,ip actions=output:8\n"
		"cookie=0x40, table=1, priority=200,ip,nw_dst=10.1.0.0/16 actions=output:7\n"
		"cookie=0x40, table=3, ip actions=output:7\n");
	for (size_t i = 0; i < n; i++)
		ofp_flow_free(&flows[i]);
	free(flows);
	/* No flows at all: nothing to do. */
	assert_int_equal(ft_modify_many(&ft, NULL, 0, true, NULL), 0);
}

/* --- random: non-strict modify selects what del-flows deletes -------------- */

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

static void random_rule_text(unsigned *seed, char *buf, size_t size, bool filter)
{
	int len = 0;

	if (!filter || rnd(seed, 3) == 0)
		len += snprintf(buf + len, size - len, "table=%u,", rnd(seed, 3));
	if (!filter)
		len += snprintf(buf + len, size - len, "priority=%u,cookie=%#x,", rnd(seed, 4),
				rnd(seed, 4));
	else if (rnd(seed, 3) == 0)
		len += snprintf(buf + len, size - len, "cookie=%#x/%#x,", rnd(seed, 4),
				rnd(seed, 4));
	if (rnd(seed, 4)) {
		unsigned plen = rnd(seed, 4) * 8;

		len += snprintf(buf + len, size - len, "ip,nw_dst=10.%u.%u.0/%u,",
				rnd(seed, 2), rnd(seed, 2), plen);
		if (rnd(seed, 2))
			len += snprintf(buf + len, size - len, "nw_src=%u.0.0.0/%u,",
					rnd(seed, 2), rnd(seed, 2) * 8);
	}
	snprintf(buf + len, size - len, "actions=output:%u", 1 + rnd(seed, 3));
}

static void test_random_like_delete(void **state)
{
	unsigned seed = 7, partial = 0;
	(void)state;

	for (int round = 0; round < 200; round++) {
		struct flow_tables copy;
		struct ofp_flow f;
		char text[256];
		size_t n_mod, n_del;

		for (int i = 0; i < 30; i++) {
			random_rule_text(&seed, text, sizeof(text), false);
			load(strcat(text, "\n"), 0);
		}
		flow_tables_init(&copy);
		{
			const struct ft_rule **rules;
			long n = ft_collect(&ft, &rules);

			for (long i = 0; i < n; i++) {
				struct ofp_flow rf;

				ft_rule_flow(rules[i], &rf);
				assert_int_equal(ft_add(&copy, &rf, 0), 0);
			}
			free(rules);
		}
		random_rule_text(&seed, text, sizeof(text), true);
		strcpy(strstr(text, "actions="), "actions=output:99");
		parse(text, OFP_PARSE_MODIFY, &f);
		assert_int_equal(ft_modify(&ft, &f, false, &n_mod), 0);
		assert_int_equal(ft_delete(&copy, &f, false, OFPP_NONE, &n_del), 0);
		if (n_mod != n_del)
			fail_msg("'%s': modified %zu, del-flows deletes %zu", text, n_mod, n_del);
		/* The rules changed are exactly those that now output to 99. */
		f.table_id = FT_TABLE_ALL;
		memset(&f.match, 0, sizeof(f.match));
		f.cookie_mask = 0;
		assert_int_equal(ft_delete(&ft, &f, false, 99, &n_del), 0);
		assert_int_equal(n_del, n_mod);
		partial += n_mod && ft.n_rules;  /* what is left was not selected */
		ofp_flow_free(&f);
		flow_tables_destroy(&copy);
		flow_tables_destroy(&ft);
		flow_tables_init(&ft);
	}
	print_message("# %u of 200 filters selected some rules but not all\n", partial);
	assert_true(partial > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_non_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_match_adds_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_goto_table_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_like_delete, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
