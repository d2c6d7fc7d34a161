// SPDX-License-Identifier: Apache-2.0
/* Floods (XS_OUT_F_BROADCAST) through the real datapath and real veths:
 * the library keeps the port list in step with the devmap; the TC stage's
 * broadcast (last, in the middle, twice, re-injected by xs_tc_exec, with a
 * port that refuses its copy) and the XDP stage's devmap broadcast give
 * every port but the ingress one exactly its copies, byte for byte, on 64
 * ports and on XS_MAX_PORTS - 1. The test runs in a network namespace of
 * its own with N_PAIRS veth pairs fa<i>/fb<i>: the switch's ports are fa<i>
 * (and for the widest flood fb<i> too); port_cap counts what arrives at
 * the far end of each. Frames come in for real: sent from fb<i> by a
 * packet socket, they arrive on fa<i>, where xs_tc (or xs_xdp) runs. */
#include "tests/bpf/dp_fixture.h"

#include <linux/pkt_cls.h>
#include <time.h>

#include "xdpswitch/datapath.h"
#include "port_cap.skel.h"

#define N_PAIRS 512  /* 1024 interfaces: XS_MAX_PORTS of them */
#define N_SMALL 64   /* the 64-port bridge: fa0..fa63 */
#define PC_MAX_IFINDEX 4096
#define PC_FRAMES 4
#define MAC_C "02:00:00:00:00:0c"
#define MAC_D "02:00:00:00:00:0d"

_Static_assert(N_PAIRS * 2 == XS_MAX_PORTS, "every interface is a port once");

/* port_cap.bpf.c's value. */
struct pc_port {
	uint64_t count;
	struct {
		uint32_t len;
		uint8_t data[128];
	} frames[PC_FRAMES];
};

/* What one interface must receive during a check: @n frames, in order. */
struct expect {
	unsigned n;
	const struct xs_pkt *frames[PC_FRAMES];
};

static struct port_cap *cap;
static struct xs_dp *dp;
static uint32_t fa[N_PAIRS], fb[N_PAIRS];
static struct xs_flow_handle flow; /* the match-all megaflow (gen 0: none) */
static int inject_fd = -1;
static struct expect want[PC_MAX_IFINDEX];
static uint64_t snap[PC_MAX_IFINDEX];
static struct xs_pkt orig, rew_c, rew_d; /* as sent; eth dst C; eth dst D */

#define OUT(port) { .type = XS_ACT_OUTPUT, .arg = (port) }
#define BCAST { .type = XS_ACT_OUTPUT, .flags = XS_OUT_F_BROADCAST }

static struct xs_action set_dst(const char *mac)
{
	struct xs_action a = { .type = XS_ACT_SET_ETH_DST };

	xs_pkt_parse_mac(mac, a.u.mac);
	return a;
}

/* --- fixture ------------------------------------------------------------- */

static void make_frames(void)
{
	xs_pkt_init(&orig);
	orig.len = fx_udp4(orig.buf, 0);
	rew_c = orig;
	xs_pkt_parse_mac(MAC_C, rew_c.buf);
	rew_d = orig;
	xs_pkt_parse_mac(MAC_D, rew_d.buf);
}

static void cap_on(uint32_t ifindex)
{
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(cap->progs.port_cap),
					XDP_FLAGS_DRV_MODE, NULL), 0);
}

static void tc_attach(uint32_t ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);

	bpf_tc_hook_create(&hook); /* -EEXIST is fine */
	opts.prog_fd = xs_dp_tc_prog_fd(dp);
	assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
}

static int setup(void **state)
{
	FILE *batch;

	(void)state;
	xs_test_require_bpf();
	fx_pin_cpu();
	fx_private_netns();
	/* No IPv6 autoconfiguration noise on the namespace's interfaces. */
	assert_int_equal(fx_sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
			       "net.ipv6.conf.default.disable_ipv6=1"), 0);
	batch = popen("ip -batch - >/dev/null", "w");
	assert_non_null(batch);
	for (int i = 0; i < N_PAIRS; i++)
		fprintf(batch, "link add fa%d type veth peer name fb%d\n"
			"link set fa%d up\nlink set fb%d up\n", i, i, i, i);
	assert_int_equal(pclose(batch), 0);
	for (int i = 0; i < N_PAIRS; i++) {
		char name[IF_NAMESIZE];

		snprintf(name, sizeof(name), "fa%d", i);
		fa[i] = if_nametoindex(name);
		snprintf(name, sizeof(name), "fb%d", i);
		fb[i] = if_nametoindex(name);
		assert_true(fa[i] && fa[i] < PC_MAX_IFINDEX && fb[i] && fb[i] < PC_MAX_IFINDEX);
	}

	cap = port_cap__open_and_load();
	assert_non_null(cap);
	assert_int_equal(bpf_map__value_size(cap->maps.pc_ports), sizeof(struct pc_port));
	xs_pkt_parse_mac(FX_SRC_MAC, cap->bss->pc_src);
	/* Every far end counts; fa0 is only ever an ingress port (XDP there
	 * would take the frames the tests send in; see from_port()). */
	for (int i = 0; i < N_PAIRS; i++) {
		cap_on(fb[i]);
		if (i)
			cap_on(fa[i]);
	}
	dp = fx_open(64);
	tc_attach(fa[0]);
	tc_attach(fa[37]);
	inject_fd = socket(AF_PACKET, SOCK_RAW, 0);
	assert_true(inject_fd >= 0);
	make_frames();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (inject_fd >= 0)
		close(inject_fd);
	xs_dp_close(dp);
	port_cap__destroy(cap);
	return 0; /* the veths go with the namespace, at exit */
}

/* --- helpers -------------------------------------------------------------- */

static uint64_t cap_count(uint32_t ifindex)
{
	struct pc_port p;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(cap->maps.pc_ports), &ifindex, &p), 0);
	return p.count;
}

/* Nothing expected anywhere; counters noted. */
static void expect_reset(void)
{
	memset(want, 0, sizeof(want));
	for (int i = 0; i < N_PAIRS; i++) {
		snap[fa[i]] = cap_count(fa[i]);
		snap[fb[i]] = cap_count(fb[i]);
	}
}

/* @ifindex must receive @frame next. */
static void expect_frame(uint32_t ifindex, const struct xs_pkt *frame)
{
	assert_true(want[ifindex].n < PC_FRAMES);
	want[ifindex].frames[want[ifindex].n++] = frame;
}

/* The far end of every port of fa[0..@n) but fa[@in] receives @frame. */
static void expect_flood(int n, int in, const struct xs_pkt *frame)
{
	for (int i = 0; i < n; i++)
		if (i != in)
			expect_frame(fb[i], frame);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits (up to 3 s) until as many frames as expected have arrived, then
 * 100 ms more for any extra one; then every interface must have received
 * exactly its expected frames, in order, byte for byte. */
static void check(const char *what)
{
	uint64_t total = 0, got = 0, t0 = ms_now();
	struct pc_port p;

	for (int i = 0; i < PC_MAX_IFINDEX; i++)
		total += want[i].n;
	while (ms_now() - t0 < 3000) {
		got = 0;
		for (int i = 0; i < N_PAIRS; i++)
			got += cap_count(fa[i]) - snap[fa[i]] + cap_count(fb[i]) - snap[fb[i]];
		if (got >= total)
			break;
		usleep(10 * 1000);
	}
	usleep(100 * 1000);
	for (int i = 0; i < 2 * N_PAIRS; i++) {
		uint32_t ifx = i % 2 ? fb[i / 2] : fa[i / 2];
		const struct expect *e = &want[ifx];
		uint64_t n;

		assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(cap->maps.pc_ports), &ifx, &p), 0);
		n = p.count - snap[ifx];
		if (n != e->n)
			fail_msg("%s: %s%d got %llu frames, want %u", what, i % 2 ? "fb" : "fa", i / 2,
				 (unsigned long long)n, e->n);
		for (unsigned k = 0; k < e->n; k++) {
			const typeof(p.frames[0]) *f = &p.frames[(snap[ifx] + k) % PC_FRAMES];

			if (f->len != e->frames[k]->len ||
			    memcmp(f->data, e->frames[k]->buf, e->frames[k]->len))
				fail_msg("%s: %s%d frame %u differs", what, i % 2 ? "fb" : "fa",
					 i / 2, k);
		}
	}
}

/* Sends @p from fb<i>: it arrives on port fa<i>, where the counting
 * program, if any, steps aside for it. */
static void inject(int i, const struct xs_pkt *p)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6,
				   .sll_ifindex = (int)fb[i] };

	if (i)
		bpf_xdp_detach(fa[i], XDP_FLAGS_DRV_MODE, NULL);
	memcpy(sll.sll_addr, p->buf, 6);
	assert_int_equal(sendto(inject_fd, p->buf, p->len, 0, (struct sockaddr *)&sll,
				sizeof(sll)), (ssize_t)p->len);
	/* veth delivers from NAPI, on this CPU, before the send returns;
	 * the program goes back after a pause all the same */
	usleep(20 * 1000);
	if (i)
		cap_on(fa[i]);
}

/* The megaflow "every packet -> @acts" (replacing the previous one). */
static void set_flow(const struct xs_action *acts, uint16_t n, uint16_t flags)
{
	struct xs_flow_key key, mask;

	if (flow.gen)
		assert_int_equal(xs_dp_flow_remove(dp, flow, NULL), 0);
	memset(&key, 0, sizeof(key));
	memset(&mask, 0, sizeof(mask));
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, acts, n, flags, &flow), 0);
}

/* The bridge: fa[0..@n). */
static void small_bridge(int n)
{
	assert_true(xs_dp_ports_sync(dp, fa, (size_t)n) >= 0);
}

/* The port list map and the devmap hold @ports (the list in this order). */
static void expect_ports(const uint32_t *ports, uint32_t n)
{
	static struct xs_port_list l;
	uint32_t zero = 0, key, next, in_devmap = 0;
	int fd = xs_dp_map_fd(dp, XS_MAP_TX_PORTS);

	assert_int_equal(bpf_map_lookup_elem(xs_dp_map_fd(dp, XS_MAP_PORT_LIST), &zero, &l), 0);
	assert_int_equal(l.count, n);
	for (uint32_t i = 0; i < XS_MAX_PORTS; i++)
		assert_int_equal(l.ifindex[i], i < n ? ports[i] : 0);
	for (int err = bpf_map_get_next_key(fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		bool found = false;

		key = next;
		for (uint32_t i = 0; i < n && !found; i++)
			found = ports[i] == key;
		if (!found)
			fail_msg("devmap holds %u, not a port", key);
		in_devmap++;
	}
	assert_int_equal(in_devmap, n);
}

static uint64_t stat_now(enum xs_stat s)
{
	uint64_t st[XS_STAT__MAX];

	fx_stats(dp, st);
	return st[s];
}

/* --- the port list ----------------------------------------------------------- */

/* Add, add again, delete, the XS_MAX_PORTS limit, refused ifindexes, sync:
 * the list keeps the order ports joined in and the devmap the same set;
 * a refused change changes neither. */
static void test_port_list_in_step(void **state)
{
	static uint32_t all[2 * N_PAIRS];
	uint32_t n = 0, gone;

	(void)state;
	assert_int_equal(xs_dp_ports_sync(dp, NULL, 0), 0);
	expect_ports(all, 0);
	for (int i = 0; i < N_PAIRS; i++) {
		all[n++] = fa[i];
		all[n++] = fb[i];
	}
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(xs_dp_port_add(dp, all[i]), 0);
	expect_ports(all, n);
	assert_int_equal(xs_dp_port_add(dp, 1), -ENOSPC); /* lo: one too many */
	assert_int_equal(xs_dp_port_add(dp, all[7]), 0);  /* again: no change */
	expect_ports(all, n);

	gone = all[5];
	assert_int_equal(xs_dp_port_del(dp, gone), 0);
	memmove(&all[5], &all[6], (n - 6) * sizeof(all[0]));
	n--;
	expect_ports(all, n);
	assert_int_equal(xs_dp_port_del(dp, gone), -ENOENT);
	assert_int_equal(xs_dp_port_add(dp, 0x7ffffff0), -EINVAL); /* no such interface */
	assert_int_equal(xs_dp_port_add(dp, 0), -EINVAL);
	assert_int_equal(xs_dp_port_del(dp, 0), -EINVAL);
	assert_int_equal(xs_dp_port_add(NULL, 1), -EINVAL);
	assert_int_equal(xs_dp_port_del(NULL, 1), -EINVAL);
	expect_ports(all, n);
	assert_int_equal(xs_dp_port_add(dp, gone), 0); /* joins at the end */
	all[n++] = gone;
	expect_ports(all, n);

	/* A port only in the devmap (a run that died half-way) and the
	 * ports in both maps each count once. */
	assert_int_equal(xs_dp_ports_sync(dp, fa, N_SMALL), 2 * N_PAIRS - N_SMALL);
	expect_ports(fa, N_SMALL);
	assert_int_equal(bpf_map_update_elem(xs_dp_map_fd(dp, XS_MAP_TX_PORTS), &fb[3], &fb[3],
					     BPF_ANY), 0);
	assert_int_equal(xs_dp_ports_sync(dp, fa, N_SMALL), 1);
	expect_ports(fa, N_SMALL);
	assert_int_equal(xs_dp_ports_sync(dp, fa, N_SMALL), 0);
	/* Deleting a port that only the devmap has: gone from it. */
	assert_int_equal(bpf_map_update_elem(xs_dp_map_fd(dp, XS_MAP_TX_PORTS), &fb[3], &fb[3],
					     BPF_ANY), 0);
	assert_int_equal(xs_dp_port_del(dp, fb[3]), 0);
	expect_ports(fa, N_SMALL);
}

/* --- TC stage -------------------------------------------------------------------- */

/* A flood that ends the list, after a rewrite, from port 0 and from port
 * 37 of 64: each other port gets one rewritten copy, the ingress port
 * none. */
static void test_tc_flood_64(void **state)
{
	struct xs_action acts[] = { set_dst(MAC_D), BCAST };
	uint64_t errors, misses, drops;

	(void)state;
	small_bridge(N_SMALL);
	set_flow(acts, 2, 0);
	errors = stat_now(XS_STAT_EXEC_ERROR);
	misses = stat_now(XS_STAT_TC_MISS);
	drops = stat_now(XS_STAT_ACTION_DROP);
	expect_reset();
	expect_flood(N_SMALL, 0, &rew_d);
	inject(0, &orig);
	check("from port 0");
	expect_reset();
	expect_flood(N_SMALL, 37, &rew_d);
	inject(37, &orig);
	check("from port 37");
	assert_int_equal(stat_now(XS_STAT_EXEC_ERROR), errors);
	assert_int_equal(stat_now(XS_STAT_TC_MISS), misses);
	assert_int_equal(stat_now(XS_STAT_ACTION_DROP), drops);
}

/* A flood in the middle of a list: the copies leave as the packet is
 * there, the actions after it run on (another rewrite, an output); two
 * floods give each port two copies, in order. */
static void test_tc_flood_middle(void **state)
{
	struct xs_action mid[] = { BCAST, set_dst(MAC_D), OUT(fa[5]) };
	struct xs_action twice[] = { set_dst(MAC_C), BCAST, set_dst(MAC_D), BCAST };

	(void)state;
	small_bridge(N_SMALL);
	set_flow(mid, 3, 0);
	expect_reset();
	expect_flood(N_SMALL, 0, &orig);
	expect_frame(fb[5], &rew_d);
	inject(0, &orig);
	check("flood, rewrite, output");

	set_flow(twice, 4, 0);
	expect_reset();
	expect_flood(N_SMALL, 0, &rew_c);
	expect_flood(N_SMALL, 0, &rew_d);
	inject(0, &orig);
	check("two floods");
}

/* The agent's re-injection (xs_tc_exec, every output a clone): a flood at
 * the end and in the middle of an installed megaflow's list, and from the
 * scratch slot; an XDP list with a flood before its end is refused and
 * sends nothing. */
static void test_tc_flood_reinject(void **state)
{
	struct xs_action last[] = { set_dst(MAC_D), BCAST };
	struct xs_action mid[] = { BCAST, set_dst(MAC_D), OUT(fa[5]) };
	uint64_t reinject, errors;

	(void)state;
	small_bridge(N_SMALL);
	reinject = stat_now(XS_STAT_REINJECT);
	errors = stat_now(XS_STAT_EXEC_ERROR);
	set_flow(last, 2, 0);
	expect_reset();
	expect_flood(N_SMALL, 0, &rew_d);
	assert_int_equal(xs_dp_execute(dp, fa[0], orig.buf, orig.len, flow), 0);
	check("re-injected, flood last");

	set_flow(mid, 3, 0);
	expect_reset();
	expect_flood(N_SMALL, 0, &orig);
	expect_frame(fb[5], &rew_d);
	assert_int_equal(xs_dp_execute(dp, fa[0], orig.buf, orig.len, flow), 0);
	check("re-injected, flood in the middle");

	expect_reset();
	expect_flood(N_SMALL, 9, &orig);
	assert_int_equal(xs_dp_execute_actions(dp, fa[9], orig.buf, orig.len, mid, 1, 0), 0);
	check("scratch slot, from port 9");

	expect_reset();
	assert_int_equal(xs_dp_execute_actions(dp, fa[0], orig.buf, orig.len, mid, 3, XS_MF_F_XDP),
			 -EINVAL);
	check("refused");
	assert_int_equal(stat_now(XS_STAT_REINJECT), reinject + 3);
	assert_int_equal(stat_now(XS_STAT_EXEC_ERROR), errors);
}

static void link_set(int i, const char *state)
{
	assert_int_equal(fx_sh("ip link set fa%d %s", i, state), 0);
}

/* A port that refuses its copy (down) costs the others nothing: counted
 * in EXEC_ERROR, once per refused copy, the walk goes on. The last port
 * down: the TC stage redirects the packet itself there (the kernel drops
 * it, uncounted); the re-injection's last copy is counted. */
static void test_tc_flood_port_down(void **state)
{
	struct xs_action acts[] = { BCAST };
	uint64_t errors;

	(void)state;
	small_bridge(N_SMALL);
	set_flow(acts, 1, 0);
	link_set(9, "down");
	errors = stat_now(XS_STAT_EXEC_ERROR);
	expect_reset();
	expect_flood(N_SMALL, 0, &orig);
	want[fb[9]].n = 0;
	inject(0, &orig);
	check("port 9 down");
	assert_int_equal(stat_now(XS_STAT_EXEC_ERROR), errors + 1);

	link_set(N_SMALL - 1, "down");
	expect_reset();
	expect_flood(N_SMALL - 1, 0, &orig);
	want[fb[9]].n = 0;
	inject(0, &orig);
	check("ports 9 and 63 down");
	assert_int_equal(stat_now(XS_STAT_EXEC_ERROR), errors + 2);
	expect_reset();
	expect_flood(N_SMALL - 1, 0, &orig);
	want[fb[9]].n = 0;
	assert_int_equal(xs_dp_execute(dp, fa[0], orig.buf, orig.len, flow), 0);
	check("re-injected, ports 9 and 63 down");
	assert_int_equal(stat_now(XS_STAT_EXEC_ERROR), errors + 4);
	link_set(9, "up");
	link_set(N_SMALL - 1, "up");
}

/* A port that leaves gets no more copies, one that joins gets them. */
static void test_tc_flood_port_changes(void **state)
{
	struct xs_action acts[] = { BCAST };

	(void)state;
	small_bridge(N_SMALL);
	set_flow(acts, 1, 0);
	assert_int_equal(xs_dp_port_del(dp, fa[20]), 0);
	expect_reset();
	expect_flood(N_SMALL, 0, &orig);
	want[fb[20]].n = 0;
	inject(0, &orig);
	check("port 20 left");
	assert_int_equal(xs_dp_port_add(dp, fa[20]), 0);
	assert_int_equal(xs_dp_port_add(dp, fa[100]), 0);
	expect_reset();
	expect_flood(N_SMALL, 0, &orig);
	expect_frame(fb[100], &orig);
	inject(0, &orig);
	check("port 20 back, port 100 joined");
}

/* XS_MAX_PORTS - 1 ports (every interface but fb0, the sender): a flood
 * from fa0 reaches the far end of each of the other 1022, once, in the
 * TC stage, through the re-injection, and in XDP (one devmap broadcast). */
static void test_flood_1023_ports(void **state)
{
	static uint32_t ports[2 * N_PAIRS];
	struct xs_action acts[] = { set_dst(MAC_D), BCAST };
	uint32_t n = 0;
	uint64_t errors;

	(void)state;
	for (int i = 0; i < N_PAIRS; i++)
		ports[n++] = fa[i];
	for (int i = 1; i < N_PAIRS; i++)
		ports[n++] = fb[i];
	assert_int_equal(n, XS_MAX_PORTS - 1);
	assert_true(xs_dp_ports_sync(dp, ports, n) >= 0);
	errors = stat_now(XS_STAT_EXEC_ERROR);
	set_flow(acts, 2, 0);
	for (int round = 0; round < 3; round++) {
		expect_reset();
		for (int i = 1; i < N_PAIRS; i++) {
			expect_frame(fb[i], &rew_d);
			expect_frame(fa[i], &rew_d);
		}
		if (round == 0) {
			inject(0, &orig);
			check("1023 ports, TC stage");
		} else if (round == 1) {
			assert_int_equal(xs_dp_execute(dp, fa[0], orig.buf, orig.len, flow), 0);
			check("1023 ports, re-injected");
		} else {
			set_flow(acts, 2, XS_MF_F_XDP);
			assert_int_equal(bpf_xdp_attach(fa[0], xs_dp_xdp_prog_fd(dp),
							XDP_FLAGS_DRV_MODE, NULL), 0);
			inject(0, &orig);
			check("1023 ports, XDP");
			bpf_xdp_detach(fa[0], XDP_FLAGS_DRV_MODE, NULL);
		}
	}
	assert_int_equal(stat_now(XS_STAT_EXEC_ERROR), errors);
}

/* --- XDP stage -------------------------------------------------------------------- */

/* The XDP stage's broadcast (the last action of an XS_MF_F_XDP list): one
 * devmap broadcast, each other port one rewritten copy, the TC stage not
 * involved. */
static void test_xdp_flood_64(void **state)
{
	struct xs_action acts[] = { set_dst(MAC_D), BCAST };
	uint64_t handoff;

	(void)state;
	small_bridge(N_SMALL);
	set_flow(acts, 2, XS_MF_F_XDP);
	handoff = stat_now(XS_STAT_TC_HANDOFF);
	assert_int_equal(bpf_xdp_attach(fa[0], xs_dp_xdp_prog_fd(dp), XDP_FLAGS_DRV_MODE, NULL), 0);
	expect_reset();
	expect_flood(N_SMALL, 0, &rew_d);
	inject(0, &orig);
	check("XDP broadcast");
	bpf_xdp_detach(fa[0], XDP_FLAGS_DRV_MODE, NULL);
	assert_int_equal(stat_now(XS_STAT_TC_HANDOFF), handoff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_list_in_step),
		cmocka_unit_test(test_tc_flood_64),
		cmocka_unit_test(test_tc_flood_middle),
		cmocka_unit_test(test_tc_flood_reinject),
		cmocka_unit_test(test_tc_flood_port_down),
		cmocka_unit_test(test_tc_flood_port_changes),
		cmocka_unit_test(test_flood_1023_ports),
		cmocka_unit_test(test_xdp_flood_64),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
