/* The revalidator's translation of a flood (one XS_OUT_F_BROADCAST output
 * from xlate): passed through as it is, and run in XDP (a devmap
 * broadcast) only when it is the last action, no other output is there and
 * every other port takes XDP redirects; otherwise in the TC stage. Pure
 * translation over hand-made tables and ports. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/revalidator.h"
#include "agent/ofp/flow.h"

#define MAX_PORTS 64
#define IFX(ofport) (100 + (ofport)) /* ifindex of OpenFlow port n */

static struct flow_tables ft;
static uint32_t ports[MAX_PORTS];
static bool xdp_tx[MAX_PORTS + 1]; /* by OpenFlow port */
static uint32_t gone;               /* a port with no datapath port */

static uint32_t map_ofport(void *ctx, uint32_t ifindex)
{
	(void)ctx;
	for (unsigned i = 0; i < ft.n_ports; i++)
		if (IFX(ports[i]) == ifindex)
			return ports[i];
	return 0;
}

static uint32_t map_ifindex(void *ctx, uint32_t ofport, bool *xdp)
{
	(void)ctx;
	*xdp = false;
	if (ofport == gone)
		return 0;
	for (unsigned i = 0; i < ft.n_ports; i++)
		if (ports[i] == ofport) {
			*xdp = xdp_tx[ofport];
			return IFX(ofport);
		}
	return 0;
}

static const struct xs_port_map map = { map_ofport, map_ifindex, NULL };

/* Switch ports 1..@n, all taking XDP redirects. */
static void set_ports(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		ports[i] = i + 1;
		xdp_tx[i + 1] = true;
	}
	ft.ports = ports;
	ft.n_ports = n;
}

static int setup(void **state)
{
	(void)state;
	flow_tables_init(&ft);
	set_ports(3);
	gone = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	flow_tables_destroy(&ft);
	return 0;
}

static void load(const char *text)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	if (ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &err)) {
		print_error("flows: %d:%d: %s\n", err.line, err.col, err.msg);
		fail();
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ft_add(&ft, &flows[i], 0), 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
}

/* Translates a UDP packet from OpenFlow port @in_port into *@x. */
static void translate(uint32_t in_port, struct xs_reval_xlate *x)
{
	struct ofp_key k;
	struct xs_err err;

	assert_int_equal(ofp_parse_packet("udp,nw_dst=10.0.0.9,tp_dst=7777", &k, &err), 0);
	k.dp.in_port = IFX(in_port);
	assert_int_equal(xs_reval_translate(&ft, &map, &k.dp, x), 0);
}

/* A broadcast at @at of a list of @n actions, run in the stage @flags. */
static void assert_broadcast_at(const struct xs_reval_xlate *x, unsigned at, unsigned n,
				uint16_t flags)
{
	const struct xs_action *a = &x->actions[at];

	assert_int_equal(x->n_actions, n);
	assert_int_equal(x->flags, flags);
	assert_int_equal(a->type, XS_ACT_OUTPUT);
	assert_int_equal(a->flags, XS_OUT_F_BROADCAST);
	assert_int_equal(a->arg, 0);
	assert_true(memcmp(a->u.bytes, (uint8_t[16]){ 0 }, 16) == 0);
}

/* The list ends with a broadcast after @n_before actions, in XDP. */
static void assert_broadcast(const struct xs_reval_xlate *x, unsigned n_before)
{
	assert_broadcast_at(x, n_before, n_before + 1, XS_MF_F_XDP);
}

/* Explicit outputs to these OpenFlow ports end the list. */
static void assert_outputs(const struct xs_reval_xlate *x, uint16_t flags, unsigned n_before,
			   const uint32_t *want, unsigned n)
{
	assert_int_equal(x->n_actions, n_before + n);
	assert_int_equal(x->flags, flags);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(x->actions[n_before + i].type, XS_ACT_OUTPUT);
		assert_int_equal(x->actions[n_before + i].flags, 0);
		assert_int_equal(x->actions[n_before + i].arg, IFX(want[i]));
	}
}

static void test_flood_all_xdp_is_broadcast(void **state)
{
	struct xs_reval_xlate x;

	(void)state;
	load("udp actions=flood");
	translate(1, &x);
	assert_broadcast(&x, 0);
	translate(3, &x);
	assert_broadcast(&x, 0);
}

/* OpenFlow's "all" is the same broadcast, a rewrite before it applied
 * once; an explicit list of every other port stays explicit (several
 * outputs: the TC stage). */
static void test_all_and_explicit_list(void **state)
{
	static const uint32_t others[] = { 3, 2 };
	struct xs_reval_xlate x;

	(void)state;
	load("priority=2,in_port=1,udp actions=mod_nw_tos:4,output:3,output:2\n"
	     "priority=1,udp actions=mod_nw_tos:4,all");
	translate(1, &x);
	assert_int_equal(x.actions[0].type, XS_ACT_SET_NW_TOS);
	assert_outputs(&x, 0, 1, others, 2);
	translate(2, &x);
	assert_int_equal(x.actions[0].type, XS_ACT_SET_NW_TOS);
	assert_broadcast(&x, 1);
}

/* One other port that cannot take XDP redirects: the broadcast stays, in
 * the TC stage; the ingress port's own tx does not matter. */
static void test_port_without_xdp_tx_goes_to_tc(void **state)
{
	struct xs_reval_xlate x;

	(void)state;
	load("udp actions=flood");
	xdp_tx[3] = false;
	translate(1, &x);
	assert_broadcast_at(&x, 0, 1, 0);
	translate(3, &x);
	assert_broadcast(&x, 0);
}

/* A broadcast that is not the last action, or next to another output, or
 * twice in a list: the TC stage (XDP broadcasts only as its verdict). */
static void test_broadcast_elsewhere_goes_to_tc(void **state)
{
	struct xs_reval_xlate x;

	(void)state;
	load("priority=4,in_port=1,udp actions=flood,mod_nw_tos:4,output:2\n"
	     "priority=3,in_port=2,udp actions=output:3,flood\n"
	     "priority=2,in_port=3,udp actions=flood,all\n"
	     "priority=1,udp actions=flood,controller\n");
	translate(1, &x);
	assert_broadcast_at(&x, 0, 3, 0);
	assert_int_equal(x.actions[1].type, XS_ACT_SET_NW_TOS);
	assert_int_equal(x.actions[2].arg, IFX(2));
	translate(2, &x);
	assert_int_equal(x.actions[0].arg, IFX(3));
	assert_broadcast_at(&x, 1, 2, 0);
	translate(3, &x);
	assert_broadcast_at(&x, 0, 2, 0);
	assert_broadcast_at(&x, 1, 2, 0);
	set_ports(4);
	translate(4, &x);
	assert_broadcast_at(&x, 0, 2, 0);
	assert_int_equal(x.actions[1].type, XS_ACT_TO_AGENT);
}

static void test_not_every_other_port(void **state)
{
	static const uint32_t two[] = { 2, 3 }, dup[] = { 3, 3, 4 }, with_in[] = { 3, 1, 2 };
	struct xs_reval_xlate x;

	(void)state;
	set_ports(4);
	load("priority=3,in_port=1,udp actions=output:2,output:3\n"
	     "priority=2,in_port=2,udp actions=output:3,output:3,output:4\n"
	     "priority=1,in_port=3,udp actions=output:in_port,output:1,output:2\n");
	/* two of three other ports */
	translate(1, &x);
	assert_outputs(&x, 0, 0, two, 2);
	/* three outputs for three other ports, but one twice */
	translate(2, &x);
	assert_outputs(&x, 0, 0, dup, 3);
	/* every port, the ingress one too */
	set_ports(3);
	translate(3, &x);
	assert_outputs(&x, 0, 0, with_in, 3);
}

/* A rewrite between outputs: each port gets other bytes, no broadcast. */
static void test_rewrite_between_outputs(void **state)
{
	struct xs_reval_xlate x;

	(void)state;
	load("udp actions=output:2,mod_nw_tos:4,output:3");
	translate(1, &x);
	assert_int_equal(x.n_actions, 3);
	assert_int_equal(x.flags, 0);
	assert_int_equal(x.actions[0].flags, 0);
	assert_int_equal(x.actions[1].type, XS_ACT_SET_NW_TOS);
	assert_int_equal(x.actions[2].arg, IFX(3));
}

/* One other port: still the broadcast, in XDP. */
static void test_two_ports(void **state)
{
	struct xs_reval_xlate x;

	(void)state;
	set_ports(2);
	load("udp actions=flood");
	translate(1, &x);
	assert_broadcast(&x, 0);
}

/* 64 ports (four times XS_MAX_ACTIONS): one action; XDP while every other
 * port takes redirects, TC once one does not, or once one has no
 * datapath port (map says 0). */
static void test_64_ports(void **state)
{
	struct xs_reval_xlate x;

	(void)state;
	set_ports(64);
	load("udp actions=mod_nw_tos:4,flood");
	translate(17, &x);
	assert_broadcast(&x, 1);
	xdp_tx[17] = false; /* the ingress port */
	translate(17, &x);
	assert_broadcast(&x, 1);
	xdp_tx[64] = false;
	translate(17, &x);
	assert_broadcast_at(&x, 1, 2, 0);
	translate(64, &x);
	assert_broadcast_at(&x, 1, 2, 0);
	xdp_tx[17] = true;
	translate(64, &x);
	assert_broadcast(&x, 1);
	gone = 41; /* a port of the tables the datapath does not have */
	translate(64, &x);
	assert_broadcast_at(&x, 1, 2, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flood_all_xdp_is_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_and_explicit_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_without_xdp_tx_goes_to_tc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_elsewhere_goes_to_tc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_every_other_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_between_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_64_ports, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
