/* The XDP/TC provider of the datapath interface (agent/dpif/dpif_xdp.c):
 * where it runs each megaflow (XDP or the TC stage) from the ports' caps,
 * how a caps change asks for a move, and its error paths; on the real
 * object through BPF_PROG_TEST_RUN. */
#include "tests/bpf/dp_fixture.h"
#include "agent/dpif/dpif_xdp.h"

#define IN_PORT 1 /* lo: packets arrive there */

static struct xs_dpif *dpif;
static struct fx_veth v; /* v.a: takes XDP redirects (v.b runs a program) */
static uint32_t other;   /* a port without XDP tx: v.b */

static int setup(void **state)
{
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_pin_cpu();
	dp = fx_open(64);
	fx_veth_up(&v);
	other = v.b;
	assert_int_equal(xs_dpif_xdp_wrap(dp, NULL, &dpif), 0);
	assert_int_equal(dpif->cls->port_add(dpif, v.a, XS_DPIF_PORT_XDP_TX), 0);
	assert_int_equal(dpif->cls->port_add(dpif, other, 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dpif->cls->close(dpif, false);
	fx_veth_down(&v);
	return 0;
}

static struct xs_action output(uint32_t port, uint16_t flags)
{
	struct xs_action a = { .type = XS_ACT_OUTPUT, .flags = flags, .arg = port };

	return a;
}

/* Installs @acts for UDP to 10.1.0.1 + @i and returns where it runs. */
static const char *put_stage(uint32_t i, const struct xs_action *acts, uint16_t n,
			     struct xs_flow_handle *h)
{
	static struct xs_dpif_flow f;
	struct xs_flow_key key, mask;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, i);

	fx_key(pkt, len, IN_PORT, &key);
	memset(&mask, 0xff, sizeof(mask));
	mask.mask_id = 0;
	key.mask_id = 0;
	assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, acts, n, h), 0);
	assert_int_equal(xs_dpif_flow_get(dpif, *h, &f), 0);
	assert_false(f.restage);
	return f.stage;
}

static void test_stage_from_port_caps(void **state)
{
	struct xs_action set = { .type = XS_ACT_SET_NW_TTL, .u.bytes = { 9 } };
	struct xs_flow_handle h;

	(void)state;
	assert_string_equal(put_stage(1, NULL, 0, &h), "xdp"); /* a drop */
	assert_string_equal(put_stage(2, (struct xs_action[]){ set, output(v.a, 0) }, 2, &h),
			    "xdp");
	assert_string_equal(put_stage(3, (struct xs_action[]){ output(other, 0) }, 1, &h), "tc");
	assert_string_equal(put_stage(4, (struct xs_action[]){ output(v.a, 0), output(v.a, 0) },
				      2, &h), "tc");
	/* an output that does not end the list: XDP redirects once, at the end */
	assert_string_equal(put_stage(5, (struct xs_action[]){ output(v.a, 0), set }, 2, &h),
			    "tc");
	assert_int_equal(dpif->cls->flow_count(dpif), 5);
}

/* A flood runs in XDP only while every port takes XDP redirects; when a
 * port's caps change, the megaflow says it wants to move, and a modify
 * with the same actions moves it. */
static void test_caps_change_restages(void **state)
{
	struct xs_action flood = output(0, XS_OUT_F_BROADCAST);
	struct xs_flow_handle h;
	struct xs_dpif_flow f;

	(void)state;
	assert_string_equal(put_stage(10, &flood, 1, &h), "tc");
	assert_int_equal(dpif->cls->port_add(dpif, other, XS_DPIF_PORT_XDP_TX), 0);
	assert_int_equal(xs_dpif_flow_get(dpif, h, &f), 0);
	assert_true(f.restage);
	assert_string_equal(f.stage, "tc");
	assert_int_equal(xs_dpif_flow_modify(dpif, &h, &flood, 1), 0);
	assert_int_equal(xs_dpif_flow_get(dpif, h, &f), 0);
	assert_false(f.restage);
	assert_string_equal(f.stage, "xdp");
	assert_int_equal(dpif->cls->port_add(dpif, other, 0), 0);
	assert_int_equal(xs_dpif_flow_get(dpif, h, &f), 0);
	assert_true(f.restage);
}

static void test_errors(void **state)
{
	struct xs_action many[XS_MAX_ACTIONS + 1] = { 0 };
	struct xs_flow_key key = { 0 }, mask = { 0 };
	struct xs_flow_handle h = { .slot = 1, .gen = 0x7fffffff };
	struct xs_dpif *d;

	(void)state;
	assert_int_equal(xs_dpif_xdp_wrap(NULL, NULL, &d), -EINVAL);
	assert_int_equal(dpif->cls->port_del(dpif, 999999), -ENOENT);
	assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, many, XS_MAX_ACTIONS + 1, &h),
			 -EINVAL);
	assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, NULL, 1, &h), -EINVAL);
	assert_int_equal(xs_dpif_flow_modify(dpif, &h, NULL, 0), -ENOENT);
	assert_int_equal(xs_dpif_flow_del(dpif, h, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_from_port_caps),
		cmocka_unit_test(test_caps_change_restages),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
