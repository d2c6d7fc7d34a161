// SPDX-License-Identifier: Apache-2.0
/* Rule statistics bookkeeping: deltas credited exactly once to every rule
 * a megaflow matched, records tied to handle generations, error paths. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/rule_stats.h"
#include "agent/ofp/flow.h"

static struct flow_tables ft;
static struct rule_stats rs;

static int setup(void **state)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	(void)state;
	flow_tables_init(&ft);
	rule_stats_init(&rs);
	assert_int_equal(ofp_parse_flow_text("table=0,udp actions=goto_table:1\n"
					     "table=1,udp actions=output:2\n"
					     "table=0,tcp actions=output:3\n",
					     OFP_PARSE_ADD, &flows, &n, &err), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ft_add(&ft, &flows[i], 100), 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rule_stats_destroy(&rs);
	flow_tables_destroy(&ft);
	return 0;
}

/* Ids of the rules in ft_collect order: table 0 tcp/udp, then table 1. */
static struct ft_rule *rule(unsigned i)
{
	const struct ft_rule **v;
	struct ft_rule *r;
	long n = ft_collect(&ft, &v);

	assert_true(n == 3 && i < 3);
	r = ft_rule_by_id(&ft, v[i]->id);
	free(v);
	return r;
}

static void test_credit_deltas_to_every_rule(void **state)
{
	struct xs_flow_handle h = { .slot = 5, .gen = 7 };
	struct xs_flow_stats s = { .packets = 10, .bytes = 1000, .used_ns = 2500000000ull };
	struct ft_rule *t0 = rule(0), *t1 = rule(2), *other = rule(1);
	uint64_t ids[2];

	(void)state;
	assert_int_equal(t0->table_id, 0);
	assert_int_equal(t1->table_id, 1);
	ids[0] = t0->id;
	ids[1] = t1->id;
	assert_int_equal(rule_stats_set(&rs, h, ids, 2, NULL), 0);
	assert_int_equal(rule_stats_credit(&rs, &ft, h, &s, 9999), 10);
	assert_int_equal(t0->n_packets, 10);
	assert_int_equal(t0->n_bytes, 1000);
	assert_int_equal(t1->n_packets, 10);
	assert_int_equal(t1->n_bytes, 1000);
	assert_int_equal(t0->used_ms, 2500);
	assert_int_equal(other->n_packets, 0);
	/* The same totals again credit nothing. */
	assert_int_equal(rule_stats_credit(&rs, &ft, h, &s, 9999), 0);
	assert_int_equal(t0->n_packets, 10);
	/* Growth only. */
	s.packets = 13;
	s.bytes = 1300;
	s.used_ns = 0;
	assert_int_equal(rule_stats_credit(&rs, &ft, h, &s, 4000), 3);
	assert_int_equal(t1->n_packets, 13);
	assert_int_equal(t1->n_bytes, 1300);
	assert_int_equal(t1->used_ms, 4000);
}

static void test_base_and_deleted_rule(void **state)
{
	struct xs_flow_handle h = { .slot = 3000, .gen = 1 };
	struct xs_flow_stats base = { .packets = 50, .bytes = 5000 };
	struct xs_flow_stats s = { .packets = 52, .bytes = 5200 };
	struct ft_rule *t0 = rule(0), *t1 = rule(2);
	struct ofp_flow del;
	uint64_t ids[2] = { t0->id, t1->id };

	(void)state;
	/* A slot beyond the first allocation, and a base already counted
	 * (an adopted or modified megaflow). */
	assert_int_equal(rule_stats_set(&rs, h, ids, 2, &base), 0);
	ft_rule_flow(t1, &del);
	assert_int_equal(ft_delete(&ft, &del, true, OFPP_NONE, NULL), 0);
	assert_null(ft_rule_by_id(&ft, ids[1]));
	assert_int_equal(rule_stats_credit(&rs, &ft, h, &s, 1), 2);
	assert_int_equal(t0->n_packets, 2);
	assert_int_equal(t0->n_bytes, 200);
}

static void test_generation_guards_the_slot(void **state)
{
	struct xs_flow_handle h = { .slot = 1, .gen = 2 }, newer = { .slot = 1, .gen = 3 };
	struct xs_flow_stats s = { .packets = 4, .bytes = 400 };
	struct ft_rule *t0 = rule(0);
	uint64_t id = t0->id;

	(void)state;
	assert_int_equal(rule_stats_set(&rs, h, &id, 1, NULL), 0);
	assert_int_equal(rs.n_records, 1);
	assert_int_equal(rule_stats_credit(&rs, &ft, newer, &s, 1), -ENOENT);
	assert_null(rule_stats_get(&rs, newer));
	assert_non_null(rule_stats_get(&rs, h));
	rule_stats_forget(&rs, newer); /* not its record: nothing happens */
	assert_int_equal(rs.n_records, 1);
	rule_stats_forget(&rs, h);
	assert_int_equal(rs.n_records, 0);
	assert_int_equal(rule_stats_credit(&rs, &ft, h, &s, 1), -ENOENT);
	assert_int_equal(t0->n_packets, 0);
	/* Replacing a record resets what was credited. */
	assert_int_equal(rule_stats_set(&rs, newer, &id, 1, NULL), 0);
	assert_int_equal(rule_stats_credit(&rs, &ft, newer, &s, 1), 4);
	assert_int_equal(rule_stats_set(&rs, newer, NULL, 0, &s), 0);
	assert_int_equal(rs.n_records, 1);
	s.packets = 9;
	assert_int_equal(rule_stats_credit(&rs, &ft, newer, &s, 1), 5);
	assert_int_equal(t0->n_packets, 4); /* the record has no rules now */
}

static void test_counters_going_back_start_fresh(void **state)
{
	struct xs_flow_handle h = { .slot = 9, .gen = 1 };
	struct xs_flow_stats s = { .packets = 10, .bytes = 100 };
	struct ft_rule *t0 = rule(0);
	uint64_t id = t0->id;

	(void)state;
	assert_int_equal(rule_stats_set(&rs, h, &id, 1, &s), 0);
	s.packets = 3;
	s.bytes = 30;
	assert_int_equal(rule_stats_credit(&rs, &ft, h, &s, 1), 3);
	assert_int_equal(t0->n_bytes, 30);
}

static void test_bad_arguments(void **state)
{
	struct xs_flow_handle zero = { .slot = 1, .gen = 0 }, h = { .slot = 1, .gen = 1 };
	uint64_t id = 1;

	(void)state;
	assert_int_equal(rule_stats_set(&rs, zero, &id, 1, NULL), -EINVAL);
	assert_int_equal(rule_stats_set(&rs, h, NULL, 1, NULL), -EINVAL);
	assert_int_equal(rs.n_records, 0);
	assert_null(rule_stats_get(&rs, zero));
}

static void test_credit_ids_directly(void **state)
{
	struct ft_rule *t0 = rule(0), *t1 = rule(2);
	uint64_t ids[3] = { t0->id, 999999, t1->id };

	(void)state;
	rule_stats_credit_ids(&ft, ids, 3, 1, 60, 77);
	assert_int_equal(t0->n_packets, 1);
	assert_int_equal(t1->n_bytes, 60);
	assert_int_equal(t1->used_ms, 77);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_credit_deltas_to_every_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_and_deleted_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_guards_the_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_going_back_start_fresh, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credit_ids_directly, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
