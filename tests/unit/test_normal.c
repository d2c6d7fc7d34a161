// SPDX-License-Identifier: Apache-2.0
/* NORMAL through the translation (agent/pipeline/normal.c, xlate.c): the
 * exact datapath actions of floods per port tagging, one broadcast when
 * the VLAN's ports agree, a learned port, drops, the megaflow mask, what
 * is handed back to learn, and the action limit on mixed floods. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/normal.h"
#include "agent/pipeline/xlate.h"

static struct flow_tables ft;
static struct xs_port_table ports;
static struct xs_mac_table macs;
static struct xs_normal normal = { &ports, &macs };

static const uint8_t H1[6] = { 2, 0, 0, 0, 0, 1 }, H2[6] = { 2, 0, 0, 0, 0, 2 };

static int setup(void **state)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	(void)state;
	flow_tables_init(&ft);
	xs_ports_init(&ports);
	assert_int_equal(xs_mac_table_init(&macs, 64, 300), 0);
	ft.normal = &normal;
	assert_int_equal(ofp_parse_flow_text("priority=0,actions=NORMAL\n", OFP_PARSE_ADD, &flows,
					     &n, &err), 0);
	assert_int_equal(ft_add(&ft, &flows[0], 0), 0);
	ofp_flow_free(&flows[0]);
	free(flows);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	flow_tables_destroy(&ft);
	xs_ports_free(&ports);
	xs_mac_table_destroy(&macs);
	return 0;
}

static void add_port(uint32_t ofport, const char *opts)
{
	char name[16];
	struct xs_port *p;
	struct xs_err err;

	snprintf(name, sizeof(name), "p%u", ofport);
	assert_int_equal(xs_ports_add(&ports, name, 100 + ofport, ofport, &p), 0);
	assert_int_equal(xs_port_vlan_parse(opts, 0, &p->vlan, &err), 0);
}

static int run(const char *pkt, struct xlate_result *res)
{
	struct ofp_key k;
	struct xs_err err;

	assert_int_equal(ofp_parse_packet(pkt, &k, &err), 0);
	memset(res, 0, sizeof(*res));
	return xlate(&ft, &k, res);
}

static void assert_output(const struct xs_action *a, uint32_t port)
{
	assert_int_equal(a->type, XS_ACT_OUTPUT);
	assert_int_equal(a->flags, 0);
	assert_int_equal(a->arg, port);
}

static void test_flood_by_tagging(void **state)
{
	struct xlate_result res;
	const struct xs_flow_key *m = &res.mask;
	static const uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	(void)state;
	add_port(1, "tag=10");
	add_port(2, "tag=10");
	add_port(3, "tag=20");
	add_port(4, "trunks=10,20");
	add_port(5, "tag=10");
	assert_int_equal(run("in_port=1,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff", &res), 0);
	/* untagged ports, then one push and the tagged one; not 3 (VLAN 20) */
	assert_int_equal(res.n_actions, 4);
	assert_output(&res.actions[0], 2);
	assert_output(&res.actions[1], 5);
	assert_int_equal(res.actions[2].type, XS_ACT_PUSH_VLAN);
	assert_int_equal(ntohs(res.actions[2].u.be16[1]), XS_VLAN_PRESENT | 10);
	assert_output(&res.actions[3], 4);
	/* the mask: in_port, both MACs, the VLAN tags; nothing else (of an
	 * absent tag only its present bit: the other bits are zero then) */
	assert_int_equal(m->in_port, 0xffffffff);
	assert_memory_equal(m->dl_src, ones, 6);
	assert_memory_equal(m->dl_dst, ones, 6);
	assert_int_equal(m->vlan[0].tci, htons(XS_VLAN_PRESENT));
	assert_int_equal(m->dl_type, 0);
	assert_int_equal(m->nw_src, 0);
	/* what the caller learns */
	assert_true(res.learn.valid);
	assert_int_equal(res.learn.vlan, 10);
	assert_int_equal(res.learn.ofport, 1);
	assert_memory_equal(res.learn.mac, H1, 6);

	/* from the trunk in VLAN 10: popped for the access ports */
	assert_int_equal(run("in_port=4,dl_vlan=10,dl_src=02:00:00:00:00:02,dl_dst=ff:ff:ff:ff:ff:ff",
			     &res), 0);
	assert_int_equal(res.n_actions, 4);
	assert_int_equal(res.actions[0].type, XS_ACT_POP_VLAN);
	assert_output(&res.actions[1], 1);
	assert_output(&res.actions[2], 2);
	assert_output(&res.actions[3], 5);

	/* learned: one output; learned on the input port: dropped */
	assert_int_equal(xs_mac_learn(&macs, 10, H2, 5, 1), XS_MAC_NEW);
	assert_int_equal(run("in_port=1,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02", &res), 0);
	assert_int_equal(res.n_actions, 1);
	assert_output(&res.actions[0], 5);
	assert_int_equal(run("in_port=5,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02", &res), 0);
	assert_int_equal(res.n_actions, 0);
	/* the same address in VLAN 20 is unknown: flooded there */
	assert_int_equal(run("in_port=3,dl_src=02:00:00:00:00:01,dl_dst=02:00:00:00:00:02", &res), 0);
	assert_int_equal(res.n_actions, 2);
	assert_int_equal(res.actions[0].type, XS_ACT_PUSH_VLAN);
	assert_output(&res.actions[1], 4);

	/* drops: a tagged frame on an access port, 802.1D group addresses;
	 * a multicast source is not learned */
	assert_int_equal(run("in_port=1,dl_vlan=20,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff",
			     &res), 0);
	assert_int_equal(res.n_actions, 0);
	assert_false(res.learn.valid);
	assert_int_equal(run("in_port=1,dl_src=02:00:00:00:00:01,dl_dst=01:80:c2:00:00:00", &res), 0);
	assert_int_equal(res.n_actions, 0);
	assert_int_equal(run("in_port=1,dl_src=01:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff", &res), 0);
	assert_int_equal(res.n_actions, 4);
	assert_false(res.learn.valid);
}

/* Every other port carries the VLAN with one tagging: one broadcast. */
static void test_uniform_flood_is_one_action(void **state)
{
	struct xlate_result res;

	(void)state;
	for (uint32_t p = 1; p <= 40; p++)
		add_port(p, "");
	assert_int_equal(run("in_port=7,dl_vlan=5,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff",
			     &res), 0);
	assert_int_equal(res.n_actions, 1);
	assert_int_equal(res.actions[0].type, XS_ACT_OUTPUT);
	assert_int_equal(res.actions[0].flags, XS_OUT_F_BROADCAST);
}

/* A flood that needs one output per port runs out of actions past
 * XS_MAX_ACTIONS: a clear error, the packet dropped (README known limit). */
static void test_mixed_flood_limit(void **state)
{
	struct xlate_result res;

	(void)state;
	for (uint32_t p = 1; p <= 18; p++)
		add_port(p, "tag=10");
	add_port(19, "tag=20");
	assert_int_equal(run("in_port=1,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff", &res),
			 -E2BIG);
	assert_int_equal(res.n_actions, 0);
	/* 16 ports of VLAN 10: 15 outputs fit */
	assert_int_equal(xs_ports_del(&ports, "p18"), 0);
	assert_int_equal(xs_ports_del(&ports, "p17"), 0);
	assert_int_equal(run("in_port=1,dl_src=02:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff", &res), 0);
	assert_int_equal(res.n_actions, 15);
}

static void test_offline_refused(void **state)
{
	struct xlate_result res;

	(void)state;
	ft.normal = NULL;
	assert_int_equal(run("in_port=1,dl_dst=ff:ff:ff:ff:ff:ff", &res), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flood_by_tagging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uniform_flood_is_one_action, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_flood_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
