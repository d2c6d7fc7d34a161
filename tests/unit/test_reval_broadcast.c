/* When the revalidator's translation turns a flood into one devmap broadcast
 * (XS_OUT_F_BROADCAST, run in XDP) and when it keeps explicit outputs for
 * the TC stage: pure translation over hand-made tables and ports. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/revalidator.h"
#include "agent/ofp/flow.h"

#define MAX_PORTS 6
#define IFX(ofport) (100 + (ofport)) /* ifindex of OpenFlow port n */

static struct flow_tables ft;
static uint32_t ports[MAX_PORTS];
static bool xdp_tx[MAX_PORTS + 1]; /* by OpenFlow port */

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

static void assert_broadcast(const struct xs_reval_xlate *x, unsigned n_before)
{
	const struct xs_action *a = &x->actions[n_before];

	assert_int_equal(x->n_actions, n_before + 1);
	assert_int_equal(x->flags, XS_MF_F_XDP);
	assert_int_equal(a->type, XS_ACT_OUTPUT);
	assert_int_equal(a->flags, XS_OUT_F_BROADCAST);
	assert_int_equal(a->arg, 0);
	assert_true(memcmp(a->u.bytes, (uint8_t[16]){ 0 }, 16) == 0);
}

/* Explicit outputs to these OpenFlow ports end the list; TC stage. */
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

/* OpenFlow's "all" and an explicit list of every other port, in any order,
 * are the same set; a rewrite before them is applied once. */
static void test_same_set_is_broadcast(void **state)
{
	struct xs_reval_xlate x;

	(void)state;
	load("priority=2,in_port=1,udp actions=mod_nw_tos:4,output:3,output:2\n"
	     "priority=1,udp actions=all");
	translate(1, &x);
	assert_int_equal(x.actions[0].type, XS_ACT_SET_NW_TOS);
	assert_broadcast(&x, 1);
	translate(2, &x);
	assert_broadcast(&x, 0);
}

static void test_port_without_xdp_tx_goes_to_tc(void **state)
{
	static const uint32_t want[] = { 2, 3 };
	struct xs_reval_xlate x;

	(void)state;
	load("udp actions=flood");
	xdp_tx[3] = false;
	translate(1, &x);
	assert_outputs(&x, 0, 0, want, 2);
	/* the ingress port's own tx does not matter */
	translate(3, &x);
	assert_broadcast(&x, 0);
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

/* One other port: the plain single output, not a broadcast. */
static void test_two_ports_single_output(void **state)
{
	static const uint32_t two[] = { 2 };
	struct xs_reval_xlate x;

	(void)state;
	set_ports(2);
	load("udp actions=flood");
	translate(1, &x);
	assert_outputs(&x, XS_MF_F_XDP, 0, two, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flood_all_xdp_is_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_set_is_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_without_xdp_tx_goes_to_tc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_every_other_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewrite_between_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_ports_single_output, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
