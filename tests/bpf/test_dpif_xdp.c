// SPDX-License-Identifier: Apache-2.0
/* The XDP/TC provider of the datapath interface (agent/dpif/dpif_xdp.c) on
 * real interfaces: its ports (programs attached, tx probed), where it runs
 * each megaflow (XDP or the TC stage), how a port change asks for a move,
 * and its error paths. */
#include "tests/bpf/dp_fixture.h"
#include "agent/dpif/dpif_xdp.h"

#define IN_PORT 1 /* lo: where the test's packets come from */

static struct xs_dpif *dpif;
static char xa[IF_NAMESIZE], xc[IF_NAMESIZE];
static uint32_t pa, pc; /* pa takes XDP redirects (its peer runs XDP), pc not */

static int setup(void **state)
{
	char note[256], why[256];

	(void)state;
	xs_test_require_bpf();
	fx_pin_cpu();
	assert_int_equal(xs_dpif_xdp_wrap(fx_open(64), NULL, true, &dpif), 0);
	snprintf(xa, sizeof(xa), "xsda%d", (int)getpid() % 100000);
	snprintf(xc, sizeof(xc), "xsdc%d", (int)getpid() % 100000);
	assert_int_equal(fx_sh("ip link add %s type veth peer name %sp && ip link set %s up && "
			       "ip link set %sp up && ip link set %sp xdp obj %s sec xdp",
			       xa, xa, xa, xa, xa, xs_test_build_path("tests/bpf/xdp_pass.bpf.o")),
			 0);
	assert_int_equal(fx_sh("ip link add %s type veth peer name %sp && ip link set %s up && "
			       "ip link set %sp up && ethtool -K %sp gro off >/dev/null",
			       xc, xc, xc, xc, xc), 0);
	assert_int_equal(dpif->cls->port_add(dpif, xa, 0, &pa, note, sizeof(note), why,
					     sizeof(why)), 0);
	assert_int_equal(dpif->cls->port_add(dpif, xc, 0, &pc, note, sizeof(note), why,
					     sizeof(why)), 0);
	assert_int_equal(pa, if_nametoindex(xa));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dpif->cls->close(dpif, false);
	fx_sh("ip link del %s; ip link del %s", xa, xc);
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
	assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, acts, n, h), 0);
	assert_int_equal(xs_dpif_flow_get(dpif, *h, &f), 0);
	assert_false(f.restage);
	return f.stage;
}

/* The ports as attached: XDP and TC programs on both, tx as probed. */
static void test_ports_attached_and_shown(void **state)
{
	struct xs_ctl_buf out;

	(void)state;
	xs_ctl_buf_init(&out);
	dpif->cls->port_show(dpif, pa, &out, false);
	dpif->cls->port_show(dpif, pc, &out, false);
	assert_non_null(strstr(out.data, ", tc ingress, tx xdp (xdp-features has ndo-xmit)"));
	assert_non_null(strstr(out.data, ", tc ingress, tx tc (xdp-features lacks ndo-xmit)"));
	xs_ctl_buf_free(&out);
	assert_int_equal(dpif->cls->port_flags(dpif, pa), XS_DPIF_PORT_F_OWNS_QDISC);
}

static void test_stage_from_ports(void **state)
{
	struct xs_action set = { .type = XS_ACT_SET_NW_TTL, .u.bytes = { 9 } };
	struct xs_flow_handle h;

	(void)state;
	assert_string_equal(put_stage(1, NULL, 0, &h), "xdp"); /* a drop */
	assert_string_equal(put_stage(2, (struct xs_action[]){ set, output(pa, 0) }, 2, &h),
			    "xdp");
	assert_string_equal(put_stage(3, (struct xs_action[]){ output(pc, 0) }, 1, &h), "tc");
	assert_string_equal(put_stage(4, (struct xs_action[]){ output(pa, 0), output(pa, 0) },
				      2, &h), "tc");
	/* an output that does not end the list: XDP redirects once, at the end */
	assert_string_equal(put_stage(5, (struct xs_action[]){ output(pa, 0), set }, 2, &h),
			    "tc");
	assert_int_equal(dpif->cls->flow_count(dpif), 5);
}

/* A flood runs in XDP only while every port takes XDP redirects; when a
 * port's tx changes (its peer gains an XDP program), the refresh names
 * it, the megaflow says it wants to move, and a modify with the same
 * actions moves it. */
static void test_port_change_restages(void **state)
{
	struct xs_action flood = output(0, XS_OUT_F_BROADCAST);
	struct xs_flow_handle h;
	struct xs_dpif_flow f;
	uint32_t changed[4];

	(void)state;
	assert_string_equal(put_stage(10, &flood, 1, &h), "tc");
	assert_int_equal(dpif->cls->ports_refresh(dpif, changed, 4), 0);
	assert_int_equal(fx_sh("ip link set %sp xdp obj %s sec xdp", xc,
			       xs_test_build_path("tests/bpf/xdp_pass.bpf.o")), 0);
	assert_int_equal(dpif->cls->ports_refresh(dpif, changed, 4), 1);
	assert_int_equal(changed[0], pc);
	assert_int_equal(xs_dpif_flow_get(dpif, h, &f), 0);
	assert_true(f.restage);
	assert_string_equal(f.stage, "tc");
	assert_int_equal(xs_dpif_flow_modify(dpif, &h, &flood, 1), 0);
	assert_int_equal(xs_dpif_flow_get(dpif, h, &f), 0);
	assert_false(f.restage);
	assert_string_equal(f.stage, "xdp");
	assert_int_equal(fx_sh("ip link set %sp xdp off", xc), 0);
	assert_int_equal(dpif->cls->ports_refresh(dpif, changed, 4), 1);
	assert_int_equal(xs_dpif_flow_get(dpif, h, &f), 0);
	assert_true(f.restage);
}

/* A flood (one broadcast action) runs in XDP only as the list's verdict:
 * the last action, no other output, every port taking XDP redirects;
 * anywhere else in a list, or beside another output, in the TC stage
 * (which the datapath now takes: a broadcast anywhere in a TC list). */
static void test_flood_stage(void **state)
{
	struct xs_action flood = output(0, XS_OUT_F_BROADCAST);
	struct xs_action set = { .type = XS_ACT_SET_NW_TTL, .u.bytes = { 9 } };
	struct xs_flow_handle h;
	uint32_t changed[4];

	(void)state;
	assert_int_equal(fx_sh("ip link set %sp xdp obj %s sec xdp", xc,
			       xs_test_build_path("tests/bpf/xdp_pass.bpf.o")), 0);
	assert_int_equal(dpif->cls->ports_refresh(dpif, changed, 4), 1);
	assert_string_equal(put_stage(20, &flood, 1, &h), "xdp");
	assert_string_equal(put_stage(21, (struct xs_action[]){ set, flood }, 2, &h), "xdp");
	assert_string_equal(put_stage(22, (struct xs_action[]){ flood, set }, 2, &h), "tc");
	assert_string_equal(put_stage(23, (struct xs_action[]){ flood, output(pa, 0) }, 2, &h),
			    "tc");
	assert_string_equal(put_stage(24, (struct xs_action[]){ output(pa, 0), flood }, 2, &h),
			    "tc");
	assert_string_equal(put_stage(25, (struct xs_action[]){ flood, set, flood }, 3, &h),
			    "tc");
	assert_int_equal(fx_sh("ip link set %sp xdp off", xc), 0);
	assert_int_equal(dpif->cls->ports_refresh(dpif, changed, 4), 1);
}

static void test_errors(void **state)
{
	struct xs_action many[XS_MAX_ACTIONS + 1] = { 0 };
	struct xs_flow_key key = { 0 }, mask = { 0 };
	struct xs_flow_handle h = { .slot = 1, .gen = 0x7fffffff };
	char note[256], why[256];
	struct xs_dpif *d;
	uint32_t port;

	(void)state;
	assert_int_equal(xs_dpif_xdp_wrap(NULL, NULL, true, &d), -EINVAL);
	assert_int_equal(dpif->cls->port_add(dpif, "xs-no-such", 0, &port, note, sizeof(note),
					     why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "no interface 'xs-no-such'");
	assert_int_equal(dpif->cls->port_add(dpif, xa, 0, &port, note, sizeof(note), why,
					     sizeof(why)), -EEXIST);
	assert_int_equal(dpif->cls->port_del(dpif, 999999, note, sizeof(note)), -ENOENT);
	assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, many, XS_MAX_ACTIONS + 1, &h),
			 -EINVAL);
	assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, NULL, 1, &h), -EINVAL);
	assert_int_equal(xs_dpif_flow_modify(dpif, &h, NULL, 0), -ENOENT);
	assert_int_equal(xs_dpif_flow_del(dpif, h, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_attached_and_shown),
		cmocka_unit_test(test_stage_from_ports),
		cmocka_unit_test(test_port_change_restages),
		cmocka_unit_test(test_flood_stage),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
