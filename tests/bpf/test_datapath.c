// SPDX-License-Identifier: Apache-2.0
/* BPF tests of the datapath library on the real fast path: megaflows as
 * packets see them, microflows, re-injection, pinning, ports, error paths. */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tests/bpf/dp_fixture.h"
#include "agent/datapath/dp_internal.h" /* hash entries, for leftovers */

static char pin_dir[64]; /* /sys/fs/bpf/xs-test-b2-<pid> */

static const uint8_t new_dst[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x99 };

static struct xs_action act_output(uint32_t ifindex)
{
	struct xs_action a = { .type = XS_ACT_OUTPUT, .arg = ifindex };
	return a;
}

static struct xs_action act_set_dst(const uint8_t mac[6])
{
	struct xs_action a = { .type = XS_ACT_SET_ETH_DST };

	memcpy(a.u.mac, mac, 6);
	return a;
}

/* Megaflow for fx_udp4(i) on port 1: in_port, dl_type and nw_dst exact. */
static void udp_match(uint32_t i, struct xs_flow_key *key, struct xs_flow_key *mask)
{
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, i);

	fx_key(pkt, len, 1, key);
	memset(mask, 0, sizeof(*mask));
	mask->in_port = 0xffffffff;
	mask->dl_type = 0xffff;
	mask->nw_dst = 0xffffffff;
}

static void expect_delta(const uint64_t *a, const uint64_t *b, unsigned int stat, uint64_t d)
{
	if (b[stat] - a[stat] != d)
		fail_msg("counter %s: got +%llu, want +%llu", xs_dp_stat_name(stat),
			 (unsigned long long)(b[stat] - a[stat]), (unsigned long long)d);
}

static void test_open_rejects_bad_options(void **state)
{
	struct xs_dp_opts o = { .max_flows = (1u << 24) + 1 };
	struct xs_dp *dp = (struct xs_dp *)1;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_dp_open(&o, &dp), -EINVAL);
	assert_null(dp);
	o.max_flows = 16;
	o.pin_dir = "relative/dir";
	assert_int_equal(xs_dp_open(&o, &dp), -EINVAL);
	assert_int_equal(xs_dp_open(&o, NULL), -EINVAL);
	assert_int_equal(xs_dp_unpin("relative"), -EINVAL);
	assert_int_equal(xs_dp_unpin(NULL), -EINVAL);
	xs_dp_close(NULL);
	/* a hash key with an even multiplier is not a key */
	struct xs_hash_key even = *xs_hash_key_fixed();
	even.mult[3] &= ~1ull;
	o.pin_dir = NULL;
	o.hash_key = &even;
	assert_int_equal(xs_dp_open(&o, &dp), -EINVAL);
	assert_null(dp);
	o.hash_key = NULL;

	o.pin_dir = NULL;
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_true(xs_dp_xdp_prog_fd(dp) >= 0);
	assert_true(xs_dp_tc_prog_fd(dp) >= 0);
	assert_true(xs_dp_map_fd(dp, XS_MAP_MEGAFLOWS) >= 0);
	assert_int_equal(xs_dp_map_fd(dp, "xs_nope"), -ENOENT);
	assert_int_equal(xs_dp_max_flows(dp), 16);
	assert_int_equal(xs_dp_flow_count(dp), 0);
	assert_int_equal(xs_dp_mask_count(dp), 0);
	struct bpf_map_info info = { 0 };
	uint32_t ilen = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(xs_dp_map_fd(dp, XS_MAP_FLOWS), &info, &ilen), 0);
	assert_int_equal(info.max_entries, xs_dp_slots_for(16) + XS_RECORD_MAX_SLOTS - 1);
	uint64_t st[XS_STAT__MAX];
	fx_stats(dp, st);
	for (int i = 0; i < XS_STAT__MAX; i++)
		assert_int_equal(st[i], 0);
	assert_string_equal(xs_dp_stat_name(XS_STAT_MEGAFLOW_HIT), "megaflow_hit");
	assert_null(xs_dp_stat_name(XS_STAT__MAX));
	assert_null(xs_dp_stat_desc(XS_STAT__MAX));
	assert_true(xs_dp_stats_masks_per_hit(st) == 0);
	xs_dp_close(dp);
}

/* Install, then the same frame is forwarded with the megaflow's actions:
 * verdict, bytes on the wire, per-megaflow counters. */
static void test_install_forwards(void **state)
{
	struct xs_flow_key key, mask;
	struct xs_flow_handle h;
	struct xs_flow_stats fs;
	struct fx_veth v;
	uint8_t pkt[128], want[128];
	size_t len = fx_udp4(pkt, 5);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	udp_match(5, &key, &mask);
	struct xs_action acts[2] = { act_set_dst(new_dst), act_output(v.a) };
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, acts, 2, XS_MF_F_XDP, &h), 0);
	assert_true(h.slot > 0 && h.gen > 0);

	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_REDIRECT);
	assert_int_equal(fx_run_live(dp, 1, pkt, len), 0);
	assert_int_equal(fx_cap_wait(&v, 1), 1);
	memcpy(want, pkt, len);
	memcpy(want, new_dst, 6);
	fx_cap_expect(&v, 0, want, len);

	assert_int_equal(xs_dp_flow_stats(dp, h, &fs), 0);
	assert_int_equal(fs.packets, 2);
	assert_int_equal(fs.bytes, 2 * len);
	/* used_ns and installed_ns share CLOCK_MONOTONIC (used_ns at jiffy
	 * resolution, so it may trail the install by a tick). */
	struct xs_dp_flow f;
	struct timespec ts;
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
	assert_true(f.installed_ns > 0 && f.installed_ns <= now);
	assert_true(fs.used_ns + 20000000 > f.installed_ns && fs.used_ns <= now);
	/* Another destination misses. */
	size_t len6 = fx_udp4(pkt, 6);
	assert_int_equal(fx_run_live(dp, 1, pkt, len6), 0);
	assert_int_equal(fx_cap_wait(&v, 1), 1);

	fx_veth_down(&v);
	xs_dp_close(dp);
}

/* Microflow takes over on the second packet; removing the megaflow turns
 * the microflow entry stale; modify makes the next packet use the new
 * actions; counters carry over a modify. */
static void test_cache_tiers(void **state)
{
	struct xs_flow_key key, mask;
	struct xs_flow_handle h, h0;
	struct xs_flow_stats fs;
	uint64_t s0[XS_STAT__MAX], s1[XS_STAT__MAX];
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 9);
	struct fx_veth v;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	udp_match(9, &key, &mask);
	struct xs_action out = act_output(v.a);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &out, 1, XS_MF_F_XDP, &h), 0);

	fx_stats(dp, s0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_REDIRECT);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_RX, 1);
	expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, 1);
	expect_delta(s0, s1, XS_STAT_MASKS_PROBED, 1);
	expect_delta(s0, s1, XS_STAT_MICROFLOW_HIT, 0);

	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_REDIRECT);
	fx_stats(dp, s0);
	expect_delta(s1, s0, XS_STAT_MICROFLOW_HIT, 1);
	expect_delta(s1, s0, XS_STAT_MEGAFLOW_HIT, 0);

	/* Remove: the microflow entry is stale, the packet misses. */
	assert_int_equal(xs_dp_flow_remove(dp, h, &fs), 0);
	assert_int_equal(fs.packets, 2);
	assert_int_equal(fs.bytes, 2 * len);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_STALE_MICROFLOW, 1);
	expect_delta(s0, s1, XS_STAT_MISS, 1);
	expect_delta(s0, s1, XS_STAT_MICROFLOW_HIT, 0);
	expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, 0);

	/* Install again, two packets, then modify to an empty list (drop). */
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &out, 1, XS_MF_F_XDP, &h), 0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_REDIRECT);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_REDIRECT);
	fx_stats(dp, s0);
	expect_delta(s1, s0, XS_STAT_STALE_MICROFLOW, 1);
	expect_delta(s1, s0, XS_STAT_MEGAFLOW_HIT, 1);
	expect_delta(s1, s0, XS_STAT_MICROFLOW_HIT, 1);
	h0 = h;
	assert_int_equal(xs_dp_flow_modify(dp, &h, NULL, 0, XS_MF_F_XDP), 0);
	assert_int_not_equal(h.slot, h0.slot);
	assert_int_equal(xs_dp_flow_stats(dp, h0, &fs), -ENOENT);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_STALE_MICROFLOW, 1);
	expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, 1);
	expect_delta(s0, s1, XS_STAT_MISS, 0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, s0);
	expect_delta(s1, s0, XS_STAT_MICROFLOW_HIT, 1);
	assert_int_equal(xs_dp_flow_stats(dp, h, &fs), 0);
	assert_int_equal(fs.packets, 4);
	assert_int_equal(fs.bytes, 4 * len);
	struct xs_dp_flow f;
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	assert_int_equal(f.n_actions, 0);
	assert_int_equal(xs_dp_flow_count(dp), 1);
	fx_veth_down(&v);
	xs_dp_close(dp);
}

/* Microflow off: every packet goes to the megaflow tier. */
static void test_emc_disabled(void **state)
{
	struct xs_dp_opts o = { .max_flows = 64, .emc_disabled = true };
	struct xs_flow_key key, mask;
	uint64_t st[XS_STAT__MAX];
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 2);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	udp_match(2, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MEGAFLOW_HIT], 3);
	assert_int_equal(st[XS_STAT_MICROFLOW_HIT], 0);
	xs_dp_close(dp);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Re-injection runs exactly the handle's actions, whatever the lookup
 * would give; a retired handle is dropped and counted. */
static void test_execute(void **state)
{
	struct xs_flow_key key, mask;
	struct xs_flow_handle h;
	uint64_t s0[XS_STAT__MAX], s1[XS_STAT__MAX];
	struct fx_veth v;
	uint8_t pkt[128], want[128];
	size_t len = fx_udp4(pkt, 3);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	/* A megaflow for another packet: execute ignores the lookup. */
	udp_match(4, &key, &mask);
	struct xs_action acts[2] = { act_set_dst(new_dst), act_output(v.a) };
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, acts, 2, XS_MF_F_XDP, &h), 0);

	fx_stats(dp, s0);
	assert_int_equal(xs_dp_execute(dp, 1, pkt, len, h), 0);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_REINJECT, 1);
	expect_delta(s0, s1, XS_STAT_MISS, 0);
	expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, 0);
	assert_int_equal(fx_cap_wait(&v, 1), 1);
	memcpy(want, pkt, len);
	memcpy(want, new_dst, 6);
	fx_cap_expect(&v, 0, want, len);

	/* Scratch slot: actions of a flow that is not installed. */
	struct xs_action out = act_output(v.a);
	assert_int_equal(xs_dp_execute_actions(dp, 1, pkt, len, &out, 1, XS_MF_F_XDP), 0);
	assert_int_equal(fx_cap_wait(&v, 2), 2);
	fx_cap_expect(&v, 1, pkt, len);
	assert_int_equal(xs_dp_flow_count(dp), 1);

	/* Re-injection rate: what one agent thread can push through the
	 * miss path's last step. */
	const int n_exec = 20000;
	double t0 = now_s();
	for (int i = 0; i < n_exec; i++)
		assert_int_equal(xs_dp_execute(dp, 1, pkt, len, h), 0);
	double dt = now_s() - t0;
	assert_int_equal(fx_cap_wait(&v, 2 + n_exec), 2 + n_exec);
	print_message("# re-injection: %.0f packets/s (%.2f us each)\n", n_exec / dt,
		      dt / n_exec * 1e6);

	/* Retired handle: dropped, counted, nothing sent. */
	assert_int_equal(xs_dp_flow_remove(dp, h, NULL), 0);
	fx_stats(dp, s0);
	assert_int_equal(xs_dp_execute(dp, 1, pkt, len, h), 0);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_STALE_REINJECT, 1);
	assert_int_equal(fx_cap_wait(&v, 2 + n_exec), 2 + n_exec);

	/* Bad arguments. */
	assert_int_equal(xs_dp_execute(dp, 1, NULL, len, h), -EINVAL);
	assert_int_equal(xs_dp_execute(dp, 1, pkt, 13, h), -EINVAL);
	assert_int_equal(xs_dp_execute(dp, 1, pkt, 3521, h), -EINVAL);
	assert_int_equal(xs_dp_execute(dp, 0, pkt, len, h), -EINVAL);
	assert_int_equal(xs_dp_execute(dp, 999999, pkt, len, h), -ENODEV);
	struct xs_action bad = { .type = XS_ACT__MAX };
	assert_int_equal(xs_dp_execute_actions(dp, 1, pkt, len, &bad, 1, 0), -EINVAL);
	assert_int_equal(fx_cap_wait(&v, 2 + n_exec), 2 + n_exec);

	fx_veth_down(&v);
	xs_dp_close(dp);
}

static void test_flow_limit(void **state)
{
	struct xs_flow_key key, mask;
	struct xs_flow_handle h[5];
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(4);
	for (uint32_t i = 0; i < 4; i++) {
		udp_match(i, &key, &mask);
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, 0, &h[i]), 0);
	}
	udp_match(4, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, 0, &h[4]), -ENOSPC);
	assert_int_equal(xs_dp_flow_count(dp), 4);
	/* A full table still takes modifies (spare slots), many times over. */
	struct xs_action out = act_output(1);
	for (int n = 0; n < 3 * XS_DP_SPARE_SLOTS; n++)
		assert_int_equal(xs_dp_flow_modify(dp, &h[n % 4], &out, 1, 0), 0);
	assert_int_equal(xs_dp_flow_remove(dp, h[1], NULL), 0);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, 0, &h[4]), 0);
	assert_int_equal(xs_dp_flow_count(dp), 4);
	assert_int_equal(xs_dp_flow_flush(dp), 0);

	/* Slots come round again: each reuse starts from zeroed counters and a
	 * new generation, so the microflow entry left by the previous round
	 * (same key, same slot, older generation) is stale, never a hit. */
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 4);
	uint64_t st[XS_STAT__MAX];
	uint32_t slot0 = 0;
	bool reused = false;
	udp_match(4, &key, &mask);
	for (uint32_t r = 0; r < 2 * (4 + XS_DP_SPARE_SLOTS); r++) {
		struct xs_flow_stats fs;
		struct xs_flow_handle hr;

		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &hr), 0);
		if (r == 0)
			slot0 = hr.slot;
		else if (hr.slot == slot0)
			reused = true;
		/* FIFO: the first slot comes back only after all the others. */
		assert_true(!reused || r >= 4 + XS_DP_SPARE_SLOTS - 1);
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
		assert_int_equal(xs_dp_flow_stats(dp, hr, &fs), 0);
		assert_int_equal(fs.packets, 2);
		assert_int_equal(fs.bytes, 2 * len);
		assert_int_equal(xs_dp_flow_remove(dp, hr, NULL), 0);
	}
	assert_true(reused);
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MEGAFLOW_HIT], 2 * (4 + XS_DP_SPARE_SLOTS));
	assert_int_equal(st[XS_STAT_MICROFLOW_HIT], 2 * (4 + XS_DP_SPARE_SLOTS));
	assert_int_equal(st[XS_STAT_STALE_MICROFLOW], 2 * (4 + XS_DP_SPARE_SLOTS) - 1);
	assert_int_equal(st[XS_STAT_MISS], 0);
	assert_int_equal(xs_dp_flow_count(dp), 0);
	assert_int_equal(xs_dp_mask_count(dp), 0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MISS], 1);
	xs_dp_close(dp);
}

static void test_error_paths(void **state)
{
	struct xs_flow_key key, mask, k2;
	struct xs_flow_handle h, h2, bogus = { .slot = 7, .gen = 1 };
	struct xs_action acts[XS_MAX_ACTIONS + 1];
	struct xs_flow_stats fs;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	memset(acts, 0, sizeof(acts));
	for (int i = 0; i <= XS_MAX_ACTIONS; i++)
		acts[i] = act_output(1);
	udp_match(1, &key, &mask);

	assert_int_equal(xs_dp_flow_install(dp, NULL, &mask, acts, 1, 0, &h), -EINVAL);
	assert_int_equal(xs_dp_flow_install(dp, &key, NULL, acts, 1, 0, &h), -EINVAL);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, acts, XS_MAX_ACTIONS + 1, 0, &h),
			 -EINVAL);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 1, 0, &h), -EINVAL);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, acts, 1, 0x100, &h), -EINVAL);
	assert_int_equal(xs_dp_flow_count(dp), 0);
	assert_int_equal(xs_dp_mask_count(dp), 0);

	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, acts, XS_MAX_ACTIONS, 0, &h), 0);
	/* Same masked key: bits outside the mask do not make it new. */
	k2 = key;
	k2.tp_src ^= 0xffff;
	assert_int_equal(xs_dp_flow_install(dp, &k2, &mask, acts, 1, 0, &h2), -EEXIST);
	assert_int_equal(xs_dp_flow_count(dp), 1);
	assert_int_equal(xs_dp_mask_count(dp), 1);
	assert_int_equal(xs_dp_flow_find(dp, &k2, &mask, &h2), 0);
	assert_memory_equal(&h2, &h, sizeof(h));
	k2.nw_dst ^= 1;
	assert_int_equal(xs_dp_flow_find(dp, &k2, &mask, &h2), -ENOENT);

	assert_int_equal(xs_dp_flow_remove(dp, bogus, NULL), -ENOENT);
	bogus = h;
	bogus.gen++;
	assert_int_equal(xs_dp_flow_remove(dp, bogus, NULL), -ENOENT);
	assert_int_equal(xs_dp_flow_modify(dp, &bogus, acts, 1, 0), -ENOENT);
	assert_int_equal(xs_dp_flow_stats(dp, bogus, &fs), -ENOENT);
	h2 = h;
	assert_int_equal(xs_dp_flow_modify(dp, &h2, acts, XS_MAX_ACTIONS + 1, 0), -EINVAL);
	assert_memory_equal(&h2, &h, sizeof(h));
	assert_int_equal(xs_dp_flow_remove(dp, h, NULL), 0);
	assert_int_equal(xs_dp_flow_remove(dp, h, NULL), -ENOENT);
	assert_int_equal(xs_dp_flow_count(dp), 0);

	assert_int_equal(xs_dp_port_add(dp, 0), -EINVAL);
	assert_int_equal(xs_dp_port_del(dp, 1), -ENOENT);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	assert_int_equal(xs_dp_port_del(dp, 1), 0);
	assert_int_equal(xs_dp_port_del(dp, 1), -ENOENT);
	xs_dp_close(dp);
}

static void test_iteration(void **state)
{
	struct xs_flow_key key[3], mask[3];
	struct xs_flow_handle h[3];
	struct xs_dp_flow f;
	uint32_t pos = 0;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	for (uint32_t i = 0; i < 3; i++) {
		struct xs_action out = act_output(10 + i);

		udp_match(i, &key[i], &mask[i]);
		mask[i].tp_dst = i == 2 ? 0xffff : 0; /* two masks */
		assert_int_equal(xs_dp_flow_install(dp, &key[i], &mask[i], &out, 1, 0, &h[i]), 0);
	}
	assert_int_equal(xs_dp_mask_count(dp), 2);
	assert_int_equal(xs_dp_flow_remove(dp, h[1], NULL), 0);
	for (uint32_t i = 0; i < 3; i += 2) {
		struct xs_flow_key masked;

		assert_int_equal(xs_dp_flow_next(dp, &pos, &f), 1);
		assert_memory_equal(&f.handle, &h[i], sizeof(h[i]));
		for (size_t w = 0; w < sizeof(masked); w++)
			((uint8_t *)&masked)[w] = ((uint8_t *)&key[i])[w] & ((uint8_t *)&mask[i])[w];
		assert_memory_equal(&f.key, &masked, sizeof(masked));
		assert_memory_equal(&f.mask, &mask[i], sizeof(mask[i]));
		assert_int_equal(f.n_actions, 1);
		assert_int_equal(f.actions[0].type, XS_ACT_OUTPUT);
		assert_int_equal(f.actions[0].arg, 10 + i);
	}
	assert_int_equal(xs_dp_flow_next(dp, &pos, &f), 0);
	assert_int_equal(xs_dp_flow_next(dp, &pos, &f), 0);
	xs_dp_close(dp);
}

/* A full table: every slot used, each megaflow reachable, then all gone;
 * prints install and remove rates. */
static void test_full_table_rates(void **state)
{
	const uint32_t n = 16384;
	struct xs_flow_handle *h = calloc(n, sizeof(*h));
	struct xs_flow_key key, mask;
	struct xs_dp_flow f;
	uint32_t pos = 0, seen = 0;
	uint8_t pkt[128];
	double t0, t1, t2;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(n);
	udp_match(0, &key, &mask);
	t0 = now_s();
	for (uint32_t i = 0; i < n; i++) {
		key.nw_dst = htonl(0x0a010001 + (i << 8));
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[i]), 0);
	}
	t1 = now_s();
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, 0, NULL), -ENOSPC);
	while (xs_dp_flow_next(dp, &pos, &f) == 1)
		seen++;
	assert_int_equal(seen, n);
	for (uint32_t i = 0; i < n; i += n / 8) {
		size_t len = fx_udp4(pkt, i);
		struct xs_flow_stats fs;

		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
		assert_int_equal(xs_dp_flow_stats(dp, h[i], &fs), 0);
		assert_int_equal(fs.packets, 1);
	}
	/* What a revalidator pass over a full table costs in counter reads. */
	double ts = now_s();
	pos = 0;
	while (xs_dp_flow_next(dp, &pos, &f) == 1) {
		struct xs_flow_stats fs;

		assert_int_equal(xs_dp_flow_stats(dp, f.handle, &fs), 0);
	}
	ts = now_s() - ts;
	t2 = now_s();
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(xs_dp_flow_remove(dp, h[i], NULL), 0);
	print_message("# %u megaflows: install %.0f/s, remove %.0f/s, walk + counters %.1f ms\n",
		      n, n / (t1 - t0), n / (now_s() - t2), ts * 1e3);
	assert_int_equal(xs_dp_flow_count(dp), 0);
	assert_int_equal(xs_dp_mask_count(dp), 0);
	free(h);
	xs_dp_close(dp);
}

/* Index and value of the xs_mask_filter word holding megaflow (@key &
 * @mask)'s bit under mask id @id. */
/* xs_dp_megaflow_entry under hash key @hk (the datapath may be closed). */
static void entry_hk(const struct xs_hash_key *hk, const struct xs_flow_key *key,
		     const struct xs_flow_key *mask, uint32_t id, struct xs_flow_handle h,
		     struct xs_megaflow_key *mk, struct xs_megaflow_entry *ent)
{
	struct xs_mask_words mw;

	xs_mask_words_make(mask, id, &mw);
	xs_megaflow_entry_make(hk, XS_HASH_V_CURRENT, key, &mw, h, mk, ent, NULL);
}

static uint32_t filter_word(const struct xs_hash_key *hk, const struct xs_flow_key *key,
			    const struct xs_flow_key *mask, uint32_t id, uint64_t *bit)
{
	struct xs_megaflow_key mk;
	struct xs_megaflow_entry ent;
	uint32_t b;

	entry_hk(hk, key, mask, id, (struct xs_flow_handle){ 0, 0 }, &mk, &ent);
	b = xs_filter_bit(mk.hash);
	*bit = 1ull << (b % 64);
	return id * XS_FILTER_WORDS + b / 64;
}

/* Mask @id's filter bits set, counted over its words. */
static unsigned int filter_bits(int fd, uint32_t id)
{
	unsigned int n = 0;

	for (uint32_t i = id * XS_FILTER_WORDS; i < (id + 1) * XS_FILTER_WORDS; i++) {
		uint64_t v;

		assert_int_equal(bpf_map_lookup_elem(fd, &i, &v), 0);
		n += __builtin_popcountll(v);
	}
	return n;
}

/* Maps pinned, agent gone, agent back: the same maps, the mirror rebuilt,
 * the megaflow still forwards; unpin cleans up. */
static void test_pinning_adopts(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64 };
	char path[128];
	struct xs_flow_key key, mask, key2, mask2;
	struct xs_flow_handle h, h2, hx;
	struct xs_dp_flow f;
	struct fx_veth v;
	struct stat sb;
	uint8_t pkt[128], want[128];
	size_t len = fx_udp4(pkt, 8);
	struct xs_dp *dp;
	uint32_t pos = 0;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-b2-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_MEGAFLOWS);
	xs_dp_unpin(pin_dir);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	udp_match(8, &key, &mask);
	struct xs_action acts[2] = { act_set_dst(new_dst), act_output(v.a) };
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, acts, 2, XS_MF_F_XDP, &h), 0);
	udp_match(9, &key2, &mask2);
	mask2.tp_src = 0xffff;
	assert_int_equal(xs_dp_flow_install(dp, &key2, &mask2, NULL, 0, 0, &h2), 0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_REDIRECT); /* fills the microflow */
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	struct xs_hash_key hk = *xs_dp_hash_key(dp);
	xs_dp_close(dp);

	/* Leftovers the next agent cannot trust: hash entries of a mask that
	 * is not published, of a slot with another generation, and one whose
	 * words do not hash to its key. */
	int mf_fd = bpf_obj_get(path);
	struct xs_megaflow_key bad[3];
	struct xs_megaflow_entry bent[3], ent;
	struct xs_flow_key other = key;
	assert_true(mf_fd >= 0);
	entry_hk(&hk, &key, &mask, f.mask_id, h, &bad[0], &bent[0]);
	assert_int_equal(bpf_map_lookup_elem(mf_fd, &bad[0], &ent), 0); /* the real one */
	assert_memory_equal(&ent, &bent[0], sizeof(ent));
	bad[0].mask_id = 200;
	other.nw_dst ^= htonl(0xff);
	entry_hk(&hk, &other, &mask, f.mask_id, (struct xs_flow_handle){ 30, 3 },
			     &bad[1], &bent[1]);
	other.nw_dst ^= htonl(0x0f);
	entry_hk(&hk, &other, &mask, f.mask_id, h, &bad[2], &bent[2]);
	bad[2].hash ^= 1;
	for (int i = 0; i < 3; i++)
		assert_int_equal(bpf_map_update_elem(mf_fd, &bad[i], &bent[i], BPF_NOEXIST), 0);
	/* Stale filter bits, which adoption rebuilds away. */
	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_MASK_FILTER);
	int filter_fd = bpf_obj_get(path);
	uint32_t stale_idx = 5 * XS_FILTER_WORDS + 7, live_idx;
	uint64_t word = ~0ull, live_bit;
	assert_true(filter_fd >= 0);
	assert_int_equal(bpf_map_update_elem(filter_fd, &stale_idx, &word, BPF_ANY), 0);
	live_idx = filter_word(&hk, &key, &mask, f.mask_id, &live_bit);

	/* Pinned maps that do not fit the options are refused. */
	o.max_flows = 128;
	assert_true(xs_dp_open(&o, &dp) < 0);
	o.max_flows = 64;

	assert_int_equal(xs_dp_open(&o, &dp), 0);
	/* the hash key is adopted with the maps it hashes */
	assert_memory_equal(xs_dp_hash_key(dp), &hk, sizeof(hk));
	assert_int_equal(xs_dp_flow_count(dp), 2);
	assert_int_equal(xs_dp_mask_count(dp), 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(bpf_map_lookup_elem(mf_fd, &bad[i], &ent), -ENOENT);
	close(mf_fd);
	assert_int_equal(bpf_map_lookup_elem(filter_fd, &stale_idx, &word), 0);
	assert_true(word == 0);
	assert_int_equal(bpf_map_lookup_elem(filter_fd, &live_idx, &word), 0);
	assert_true(word & live_bit);
	close(filter_fd);
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	assert_int_equal(f.n_actions, 2);
	assert_memory_equal(f.actions, acts, sizeof(acts));
	assert_memory_equal(&f.mask, &mask, sizeof(mask));
	assert_int_equal(xs_dp_flow_next(dp, &pos, &f), 1);
	assert_int_equal(xs_dp_flow_next(dp, &pos, &f), 1);
	assert_int_equal(xs_dp_flow_next(dp, &pos, &f), 0);
	/* The microflow cache was flushed; the megaflow forwards. */
	uint64_t s0[XS_STAT__MAX], s1[XS_STAT__MAX];
	fx_stats(dp, s0);
	assert_int_equal(fx_run_live(dp, 1, pkt, len), 0);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, 1);
	expect_delta(s0, s1, XS_STAT_MICROFLOW_HIT, 0);
	assert_int_equal(fx_cap_wait(&v, 1), 1);
	memcpy(want, pkt, len);
	memcpy(want, new_dst, 6);
	fx_cap_expect(&v, 0, want, len);
	/* The rebuilt state works: duplicates are seen, masks shared, new
	 * slots do not collide with adopted ones, counters continue. */
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, 0, &hx), -EEXIST);
	udp_match(10, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, 0, &hx), 0);
	assert_int_not_equal(hx.slot, h.slot);
	assert_int_not_equal(hx.slot, h2.slot);
	assert_int_equal(xs_dp_mask_count(dp), 2);
	struct xs_flow_stats fs;
	assert_int_equal(xs_dp_flow_stats(dp, h, &fs), 0);
	assert_int_equal(fs.packets, 2);
	assert_int_equal(xs_dp_flow_remove(dp, h2, NULL), 0);
	assert_int_equal(xs_dp_mask_count(dp), 1);
	xs_dp_close(dp);

	assert_int_equal(xs_dp_unpin(pin_dir), 0);
	assert_int_equal(stat(pin_dir, &sb), -1);
	assert_int_equal(errno, ENOENT);
	fx_veth_down(&v);
}

/* The per-mask filter: a megaflow's bit is set when it is installed and
 * gates the probe (cleared by hand, the packet misses); removals leave
 * stale bits until they outnumber the megaflows, then a rebuild clears
 * them; the mask's last removal clears its bitmap. */
static void test_mask_filter(void **state)
{
	struct xs_flow_key key, mask, k;
	struct xs_flow_handle h, hk, *hs;
	uint64_t bit, v, st0[XS_STAT__MAX], st1[XS_STAT__MAX];
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 3);
	struct xs_dp_flow f;
	uint32_t idx, n = 5000;
	struct xs_dp *dp;
	int fd;

	(void)state;
	xs_test_require_bpf();
	/* No microflow cache: every packet probes the masks. */
	/* the fixed hash key: the bit counts below depend on the key */
	assert_int_equal(xs_dp_open(&(struct xs_dp_opts){ .max_flows = 8192, .emc_disabled = true,
						  .hash_key = xs_hash_key_fixed() },
				    &dp), 0);
	fd = xs_dp_map_fd(dp, XS_MAP_MASK_FILTER);
	assert_true(fd >= 0);
	udp_match(3, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h), 0);
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	idx = filter_word(xs_dp_hash_key(dp), &key, &mask, f.mask_id, &bit);
	assert_int_equal(bpf_map_lookup_elem(fd, &idx, &v), 0);
	assert_true(v == bit);
	assert_int_equal(filter_bits(fd, f.mask_id), 1);

	/* The bit gates the probe. */
	fx_stats(dp, st0);
	v = 0;
	assert_int_equal(bpf_map_update_elem(fd, &idx, &v, BPF_ANY), 0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, st1);
	expect_delta(st0, st1, XS_STAT_MISS, 1);
	expect_delta(st0, st1, XS_STAT_MEGAFLOW_HIT, 0);
	assert_int_equal(bpf_map_update_elem(fd, &idx, &bit, BPF_ANY), 0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, st0);
	expect_delta(st1, st0, XS_STAT_MEGAFLOW_HIT, 1);

	/* n more megaflows of the mask, removed again: their bits stay until
	 * removals outnumber the megaflows left + 4096 (at the 4549th of
	 * 5000: 4549 > 452 + 4096); the rebuild leaves the live ones' bits. */
	hs = calloc(n, sizeof(*hs));
	assert_non_null(hs);
	k = key;
	for (uint32_t i = 0; i < n; i++) {
		k.nw_dst = htonl(0x0b000000 + i);
		assert_int_equal(xs_dp_flow_install(dp, &k, &mask, NULL, 0, 0, &hs[i]), 0);
	}
	unsigned int full = filter_bits(fd, f.mask_id);
	assert_true(full > 4000 && full <= n + 1); /* a few share a bit */
	for (uint32_t i = 0; i < 4548; i++)
		assert_int_equal(xs_dp_flow_remove(dp, hs[i], NULL), 0);
	assert_int_equal(filter_bits(fd, f.mask_id), full);
	assert_int_equal(xs_dp_flow_remove(dp, hs[4548], NULL), 0);
	uint64_t *live = calloc(XS_FILTER_WORDS, sizeof(*live));
	unsigned int want = 0;
	assert_non_null(live);
	live[idx % XS_FILTER_WORDS] |= bit;
	for (uint32_t i = 4549; i < n; i++) {
		uint64_t b;
		uint32_t w;

		k.nw_dst = htonl(0x0b000000 + i);
		w = filter_word(xs_dp_hash_key(dp), &k, &mask, f.mask_id, &b);
		live[w % XS_FILTER_WORDS] |= b;
	}
	for (uint32_t i = 0; i < XS_FILTER_WORDS; i++)
		want += __builtin_popcountll(live[i]);
	free(live);
	assert_true(want > 400 && want < full);
	assert_int_equal(filter_bits(fd, f.mask_id), want);
	for (uint32_t i = 4549; i < n; i++)
		assert_int_equal(xs_dp_flow_remove(dp, hs[i], NULL), 0);
	assert_int_equal(filter_bits(fd, f.mask_id), want); /* stale again, harmless */
	assert_int_equal(bpf_map_lookup_elem(fd, &idx, &v), 0);
	assert_true(v & bit);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, st1);
	expect_delta(st0, st1, XS_STAT_MEGAFLOW_HIT, 1);

	/* Another mask keeps its own bits; the last removal clears a mask. */
	mask.tp_src = 0xffff;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, 0, &hk), 0);
	assert_int_equal(xs_dp_flow_remove(dp, h, NULL), 0);
	assert_int_equal(filter_bits(fd, f.mask_id), 0);
	assert_int_equal(xs_dp_flow_get(dp, hk, &f), 0);
	assert_int_equal(filter_bits(fd, f.mask_id), 1);
	free(hs);
	xs_dp_close(dp);
}

/* Maps pinned by an agent with another layout (here: xs_megaflows keyed
 * by the whole 112-byte flow key, as before hashed megaflow keys) are not
 * adopted: open fails and leaves them as they were. */
static void test_pinned_layout_mismatch_refused(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64 };
	struct xs_flow_key k;
	struct xs_flow_handle h = { .slot = 1, .gen = 1 }, got;
	char path[128];
	struct xs_dp *dp = NULL;
	int fd;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-b2-%d", (int)getpid());
	xs_dp_unpin(pin_dir);
	assert_true(mkdir(pin_dir, 0700) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_MEGAFLOWS);
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_NO_PREALLOC);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, XS_MAP_MEGAFLOWS, sizeof(struct xs_flow_key),
			    sizeof(struct xs_flow_handle), 64, &mo);
	assert_true(fd >= 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(bpf_map_update_elem(fd, &k, &h, BPF_NOEXIST), 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);

	assert_int_equal(xs_dp_open(&o, &dp), -EINVAL);
	assert_null(dp);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &got), 0);
	assert_memory_equal(&got, &h, sizeof(h));
	close(fd);
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
}

/* Inverse of odd @m mod 2^64 (Newton: each step doubles the good bits). */
static uint64_t inverse_mod64(uint64_t m)
{
	uint64_t x = m;

	for (int i = 0; i < 5; i++)
		x *= 2 - m * x;
	return x;
}

/* Key bytes 4..15 (dl_dst, dl_src) of @base changed so that words 0 and
 * 1 of the key differ from @base's by a chosen step in dl_dst[2] and a
 * compensating difference in word 1: (f(b0) - f(a0)) * M0 + (f(b1) -
 * f(a1)) * M1 = 0 under @hk, the datapath's own key, f the fold of the
 * current hash version (its own inverse). */
static void colliding_frame(const struct xs_hash_key *hk, const uint8_t *base, size_t len,
			    unsigned step, uint8_t *out)
{
	struct xs_flow_key ka;
	uint64_t a[2], b[2];

	fx_key(base, len, 1, &ka);
	memcpy(a, &ka, sizeof(a));
	b[0] = a[0] ^ ((uint64_t)step << 48);
	b[1] = xs_hash_fold(xs_hash_fold(a[1], XS_HASH_V_CURRENT) -
				    (xs_hash_fold(b[0], XS_HASH_V_CURRENT) -
				     xs_hash_fold(a[0], XS_HASH_V_CURRENT)) *
					    xs_hash_mult(hk, 0) * inverse_mod64(xs_hash_mult(hk, 1)),
			    XS_HASH_V_CURRENT);
	memcpy(out, base, len);
	memcpy(out, (uint8_t *)b + 4, 12);
}

/* The handle the kernel's xs_megaflows holds at @way of @key's {mask,
 * hash}; gen 0 if that way is empty. */
static struct xs_flow_handle kernel_way(struct xs_dp *dp, const struct xs_flow_key *key,
					const struct xs_flow_key *mask, uint32_t way)
{
	struct xs_megaflow_entry ent;
	struct xs_megaflow_key mk;
	struct xs_flow_handle h = { 0, 0 };
	uint32_t id;

	assert_int_equal(xs_mask_find(&dp->masks, mask, &id), 0);
	xs_dp_megaflow_entry(dp, key, mask, id, h, &mk, &ent, NULL);
	mk.way = way;
	if (bpf_map_lookup_elem(dp->fd_megaflows, &mk, &ent))
		return h;
	return ent.h;
}

/* The agent's index of the ways (dp_ways.c) against the kernel's map:
 * colliding keys and a duplicate in one batch get what calls in order
 * would (ways 0..3, the duplicate -EEXIST, a fifth -EADDRINUSE), each at
 * the way the kernel holds; a removal moves the last way into the hole
 * and the next install takes the freed last way; an agent that adopts
 * the pinned maps knows the ways again. */
static void test_ways_batch(void **state)
{
	static const int order[] = { 0, 1, 1, 2, 3, 4 };
	static const int want[] = { 0, 0, -EEXIST, 0, 0, -EADDRINUSE };
	enum { N = sizeof(order) / sizeof(order[0]) };
	char wpin[64];
	struct xs_dp_opts o = { .pin_dir = wpin, .max_flows = 64 };
	struct xs_flow_key key[XS_HASH_WAYS + 1], mask;
	struct xs_flow_handle h[XS_HASH_WAYS + 1], k;
	struct xs_action out = { .type = XS_ACT_OUTPUT, .arg = 1 };
	struct xs_dp_put puts[N];
	uint8_t pkt[XS_HASH_WAYS + 1][128];
	size_t len = fx_udp4(pkt[0], 1);
	struct xs_flow_stats fs;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(wpin, sizeof(wpin), "/sys/fs/bpf/xs-test-b2w-%d", (int)getpid());
	xs_dp_unpin(wpin);
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	memset(&mask, 0, sizeof(mask));
	memset(mask.dl_dst, 0xff, sizeof(mask.dl_dst));
	memset(mask.dl_src, 0xff, sizeof(mask.dl_src));
	fx_key(pkt[0], len, 1, &key[0]);
	for (int i = 1; i <= XS_HASH_WAYS; i++) {
		colliding_frame(xs_dp_hash_key(dp), pkt[0], len, 0x10u * i, pkt[i]);
		fx_key(pkt[i], len, 1, &key[i]);
	}
	for (int i = 0; i < N; i++)
		puts[i] = (struct xs_dp_put){ .key = &key[order[i]], .mask = &mask,
					      .actions = &out, .n_actions = 1,
					      .flags = XS_MF_F_XDP };
	assert_int_equal(xs_dp_flow_install_batch(dp, puts, N), 4);
	for (int i = 0; i < N; i++) {
		assert_int_equal(puts[i].err, want[i]);
		if (!want[i])
			h[order[i]] = puts[i].handle;
	}
	/* key 1's duplicate met key 0's way first; key 4 met all four */
	assert_int_equal(xs_dp_hash_collisions(dp), 1 + 1 + 2 + 3 + 4);
	assert_int_equal(xs_dp_flow_count(dp), XS_HASH_WAYS);
	for (uint32_t w = 0; w < XS_HASH_WAYS; w++) {
		k = kernel_way(dp, &key[0], &mask, w);
		assert_memory_equal(&k, &h[w], sizeof(k));
	}
	/* each packet runs its own megaflow */
	for (int i = 0; i < XS_HASH_WAYS; i++)
		assert_int_equal(fx_run(dp, 1, pkt[i], len), XDP_TX);
	for (int i = 0; i < XS_HASH_WAYS; i++) {
		assert_int_equal(xs_dp_flow_stats(dp, h[i], &fs), 0);
		assert_int_equal(fs.packets, 1);
	}

	/* way 1 out: way 3 moves into it, and way 3 is free for key 4 */
	assert_int_equal(xs_dp_flow_remove(dp, h[1], NULL), 0);
	k = kernel_way(dp, &key[0], &mask, 1);
	assert_memory_equal(&k, &h[3], sizeof(k));
	assert_int_equal(kernel_way(dp, &key[0], &mask, 3).gen, 0);
	assert_int_equal(fx_run(dp, 1, pkt[3], len), XDP_TX);
	assert_int_equal(xs_dp_flow_stats(dp, h[3], &fs), 0);
	assert_int_equal(fs.packets, 2);
	puts[0] = (struct xs_dp_put){ .key = &key[4], .mask = &mask, .actions = &out,
				      .n_actions = 1, .flags = XS_MF_F_XDP };
	assert_int_equal(xs_dp_flow_install_batch(dp, puts, 1), 1);
	h[4] = puts[0].handle;
	k = kernel_way(dp, &key[0], &mask, 3);
	assert_memory_equal(&k, &h[4], sizeof(k));
	xs_dp_close(dp);

	/* a new agent adopts the maps: way 0 out moves key 4 (way 3) into
	 * it; key 1 then takes way 3, and its duplicate is refused */
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_flow_count(dp), XS_HASH_WAYS);
	assert_int_equal(xs_dp_flow_remove(dp, h[0], NULL), 0);
	k = kernel_way(dp, &key[0], &mask, 0);
	assert_memory_equal(&k, &h[4], sizeof(k));
	assert_int_equal(kernel_way(dp, &key[0], &mask, 3).gen, 0);
	puts[0].key = puts[1].key = &key[1];
	puts[1].mask = &mask;
	puts[1].actions = &out;
	puts[1].n_actions = 1;
	puts[1].flags = XS_MF_F_XDP;
	assert_int_equal(xs_dp_flow_install_batch(dp, puts, 2), 1);
	assert_int_equal(puts[1].err, -EEXIST);
	k = kernel_way(dp, &key[0], &mask, 3);
	assert_memory_equal(&k, &puts[0].handle, sizeof(k));
	for (int i = 1; i <= XS_HASH_WAYS; i++)
		assert_int_equal(fx_run(dp, 1, pkt[i], len), XDP_TX);
	assert_int_equal(xs_dp_flow_stats(dp, h[4], &fs), 0);
	assert_int_equal(fs.packets, 1);
	xs_dp_close(dp);
	assert_int_equal(xs_dp_unpin(wpin), 0);
}

/* A computed collision for a victim flow: megaflows of one mask whose
 * masked words hash the same under the datapath's key. Each is installed
 * in a further way and each packet runs its own megaflow in the fast
 * path; removing the first moves the last way into its place; a fifth
 * key (all XS_HASH_WAYS taken) goes in under the exact mask and is
 * served by the fast path too. The mask
 * takes both MACs: words 0 (high half) and 1. */
static void test_hash_collision_served(void **state)
{
	struct xs_flow_key key[XS_HASH_WAYS + 1], mask;
	struct xs_megaflow_key mk0, mk;
	struct xs_megaflow_entry ent0, ent;
	struct xs_mf_words w0, w;
	struct xs_flow_handle h[XS_HASH_WAYS + 1], hf;
	struct xs_action out[XS_HASH_WAYS];
	uint64_t st0[XS_STAT__MAX], st1[XS_STAT__MAX];
	uint8_t pkt[XS_HASH_WAYS + 1][128];
	size_t len = fx_udp4(pkt[0], 1);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(16);
	/* the key is random: two datapaths do not share it */
	struct xs_dp *dp2 = fx_open(16);
	assert_memory_not_equal(xs_dp_hash_key(dp), xs_dp_hash_key(dp2), sizeof(struct xs_hash_key));
	xs_dp_close(dp2);
	/* back out of the ingress port (XDP_TX); each flow's own counter
	 * tells which megaflow a packet ran */
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	for (int i = 0; i < XS_HASH_WAYS; i++)
		out[i] = (struct xs_action){ .type = XS_ACT_OUTPUT, .arg = 1 };
	memset(&mask, 0, sizeof(mask));
	memset(mask.dl_dst, 0xff, sizeof(mask.dl_dst));
	memset(mask.dl_src, 0xff, sizeof(mask.dl_src));
	fx_key(pkt[0], len, 1, &key[0]);
	for (int i = 1; i <= XS_HASH_WAYS; i++) {
		colliding_frame(xs_dp_hash_key(dp), pkt[0], len, 0x10u * i, pkt[i]);
		fx_key(pkt[i], len, 1, &key[i]);
	}
	xs_dp_megaflow_entry(dp, &key[0], &mask, 0, h[0], &mk0, &ent0, &w0);
	for (int i = 1; i <= XS_HASH_WAYS; i++) {
		xs_dp_megaflow_entry(dp, &key[i], &mask, 0, h[0], &mk, &ent, &w);
		assert_memory_equal(&mk0, &mk, sizeof(mk));
		assert_memory_not_equal(w0.bits, w.bits, sizeof(w.bits));
	}

	for (int i = 0; i < XS_HASH_WAYS; i++)
		assert_int_equal(xs_dp_flow_install(dp, &key[i], &mask, &out[i], 1, XS_MF_F_XDP,
						    &h[i]), 0);
	assert_int_equal(xs_dp_hash_collisions(dp), 1 + 2 + 3);
	/* a fifth: every way taken, so it goes in under the exact mask and
	 * runs its own megaflow in XDP too */
	assert_int_equal(xs_dp_mask_count(dp), 1);
	assert_int_equal(xs_dp_collisions_exact(dp), 0);
	assert_int_equal(xs_dp_flow_install(dp, &key[XS_HASH_WAYS], &mask, NULL, 0, XS_MF_F_XDP,
					    &hf), 0);
	assert_int_not_equal(hf.gen, 0);
	assert_int_equal(xs_dp_collisions_exact(dp), 1);
	assert_int_equal(xs_dp_flow_count(dp), XS_HASH_WAYS + 1);
	assert_int_equal(xs_dp_mask_count(dp), 2);
	{
		struct xs_dp_flow f;
		struct xs_flow_key exact;
		struct xs_flow_handle h5;

		assert_int_equal(xs_dp_flow_get(dp, hf, &f), 0);
		xs_dp_exact_mask(&exact);
		assert_memory_equal(&f.mask, &exact, sizeof(exact));
		/* found by its translation's mask (what a later miss asks) */
		assert_int_equal(xs_dp_flow_find(dp, &key[XS_HASH_WAYS], &mask, &h5), 0);
		assert_memory_equal(&h5, &hf, sizeof(h5));
		/* the same key again is a duplicate of it */
		assert_int_equal(xs_dp_flow_install(dp, &key[XS_HASH_WAYS], &mask, NULL, 0,
						    XS_MF_F_XDP, NULL), -EEXIST);
		/* These keys differ only in the words of the mask, so they
		 * collide under the exact mask as well (a sender who knew the
		 * key could do this): three more take its further ways, and
		 * only one past both masks' ways is refused, changing nothing. */
		struct xs_flow_handle hx[XS_HASH_WAYS];
		uint8_t px[128];
		struct xs_flow_key kx;

		for (int i = 1; i <= XS_HASH_WAYS; i++) {
			colliding_frame(xs_dp_hash_key(dp), pkt[0], len, 0x100u + 0x10u * i, px);
			fx_key(px, len, 1, &kx);
			hx[i - 1].gen = 0;
			assert_int_equal(xs_dp_flow_install(dp, &kx, &mask, NULL, 0, XS_MF_F_XDP,
							    &hx[i - 1]),
					 i < XS_HASH_WAYS ? 0 : -EADDRINUSE);
		}
		assert_int_equal(hx[XS_HASH_WAYS - 1].gen, 0);
		assert_int_equal(xs_dp_collisions_exact(dp), XS_HASH_WAYS);
		assert_int_equal(xs_dp_flow_count(dp), 2 * XS_HASH_WAYS);
		for (int i = 0; i < XS_HASH_WAYS - 1; i++)
			assert_int_equal(xs_dp_flow_remove(dp, hx[i], NULL), 0);
	}
	fx_stats(dp, st0);
	assert_int_equal(fx_run(dp, 1, pkt[XS_HASH_WAYS], len), XDP_DROP); /* its empty list */
	fx_stats(dp, st1);
	expect_delta(st0, st1, XS_STAT_MEGAFLOW_HIT, 1);
	expect_delta(st0, st1, XS_STAT_MISS, 0);
	{
		struct xs_flow_stats fs;

		assert_int_equal(xs_dp_flow_stats(dp, hf, &fs), 0);
		assert_int_equal(fs.packets, 1);
	}
	assert_int_equal(xs_dp_flow_remove(dp, hf, NULL), 0);
	assert_int_equal(xs_dp_mask_count(dp), 1);
	assert_int_equal(xs_dp_flow_count(dp), XS_HASH_WAYS);
	/* the same masked key again is a duplicate, not a collision */
	assert_int_equal(xs_dp_flow_install(dp, &key[2], &mask, NULL, 0, 0, NULL), -EEXIST);
	for (int i = 0; i < XS_HASH_WAYS; i++) {
		assert_int_equal(xs_dp_flow_find(dp, &key[i], &mask, &hf), 0);
		assert_memory_equal(&hf, &h[i], sizeof(hf));
	}
	/* every packet runs its own megaflow, in the fast path */
	fx_stats(dp, st0);
	for (int i = 0; i < XS_HASH_WAYS; i++)
		assert_int_equal(fx_run(dp, 1, pkt[i], len), XDP_TX);
	fx_stats(dp, st1);
	expect_delta(st0, st1, XS_STAT_MEGAFLOW_HIT, XS_HASH_WAYS);
	expect_delta(st0, st1, XS_STAT_MISS, 0);
	for (int i = 0; i < XS_HASH_WAYS; i++) {
		struct xs_flow_stats fs;

		assert_int_equal(xs_dp_flow_stats(dp, h[i], &fs), 0);
		assert_int_equal(fs.packets, 1);
	}
	/* way 0 removed: the last way moves into it, the others stay found */
	assert_int_equal(xs_dp_flow_remove(dp, h[0], NULL), 0);
	mk = mk0;
	mk.way = XS_HASH_WAYS - 1;
	assert_int_not_equal(bpf_map_lookup_elem(xs_dp_map_fd(dp, XS_MAP_MEGAFLOWS), &mk, &ent), 0);
	mk.way = 0;
	assert_int_equal(bpf_map_lookup_elem(xs_dp_map_fd(dp, XS_MAP_MEGAFLOWS), &mk, &ent), 0);
	assert_memory_equal(&ent.h, &h[XS_HASH_WAYS - 1], sizeof(ent.h));
	fx_stats(dp, st0);
	assert_int_equal(fx_run(dp, 1, pkt[0], len), XDP_DROP); /* a miss now */
	for (int i = 1; i < XS_HASH_WAYS; i++)
		assert_int_equal(fx_run(dp, 1, pkt[i], len), XDP_TX);
	fx_stats(dp, st1);
	expect_delta(st0, st1, XS_STAT_MISS, 1);
	/* the moved flow is still modified and removed at its new way */
	assert_int_equal(xs_dp_flow_modify(dp, &h[XS_HASH_WAYS - 1], NULL, 0, XS_MF_F_XDP), 0);
	assert_int_equal(fx_run(dp, 1, pkt[XS_HASH_WAYS - 1], len), XDP_DROP);
	for (int i = 1; i < XS_HASH_WAYS; i++)
		assert_int_equal(xs_dp_flow_remove(dp, h[i], NULL), 0);
	assert_int_equal(bpf_map_get_next_key(xs_dp_map_fd(dp, XS_MAP_MEGAFLOWS), NULL, &mk), -ENOENT);
	xs_dp_close(dp);
}

/* A restarted agent does not know the generations of free slots, so it
 * hands out slot 1 generation 1 again. A microflow entry left from the
 * previous life that names {1, 1} must not reach the new megaflow. */
static void test_adoption_forgets_old_microflows(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 16 };
	struct xs_flow_key key, mask;
	struct xs_flow_handle h;
	uint64_t st[XS_STAT__MAX];
	uint8_t pkt_a[128], pkt_b[128];
	size_t len_a = fx_udp4(pkt_a, 1), len_b = fx_udp4(pkt_b, 2);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-b2-%d", (int)getpid());
	xs_dp_unpin(pin_dir);
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	udp_match(1, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h), 0);
	assert_int_equal(h.slot, 1);
	assert_int_equal(h.gen, 1);
	assert_int_equal(fx_run(dp, 1, pkt_a, len_a), XDP_DROP); /* microflow A -> {1, 1} */
	assert_int_equal(xs_dp_flow_remove(dp, h, NULL), 0);
	xs_dp_close(dp);

	assert_int_equal(xs_dp_open(&o, &dp), 0);
	udp_match(2, &key, &mask);
	/* Out of the ingress port: XDP_TX, unlike a miss. */
	struct xs_action out = { .type = XS_ACT_OUTPUT, .arg = 1 };
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &out, 1, XS_MF_F_XDP, &h), 0);
	assert_int_equal(h.slot, 1);
	assert_int_equal(h.gen, 1);
	assert_int_equal(fx_run(dp, 1, pkt_a, len_a), XDP_DROP); /* a miss, not B's output */
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MISS], 1);
	assert_int_equal(st[XS_STAT_MICROFLOW_HIT], 0);
	assert_int_equal(fx_run(dp, 1, pkt_b, len_b), XDP_TX);
	xs_dp_close(dp);
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
}

/* Writes a microflow entry {@key, @h} on every CPU at the index the fast
 * path computes for @index_key (flow_hash.h under @hk); returns the index. */
static uint32_t emc_forge(struct xs_dp *dp, const struct xs_hash_key *hk,
		      const struct xs_flow_key *index_key, const struct xs_flow_key *key,
		      struct xs_flow_handle h)
{
	int ncpus = libbpf_num_possible_cpus(), fd = xs_dp_map_fd(dp, XS_MAP_EMC);
	const uint64_t *w = (const uint64_t *)index_key;
	uint32_t bits = __builtin_ctz(xs_dp_emc_entries(dp)), idx;
	struct xs_emc_entry *v;
	uint64_t hash = 0;

	assert_true(ncpus > 0 && fd >= 0);
	for (unsigned int i = 0; i < XS_FLOW_KEY_WORDS; i++)
		hash += w[i] * xs_hash_mult(hk, i); /* unfolded: xs_key_hash */
	idx = xs_emc_index(hash, 64 - bits);
	v = calloc(ncpus, sizeof(*v));
	assert_non_null(v);
	for (int c = 0; c < ncpus; c++) {
		v[c].key = *key;
		v[c].h = h;
	}
	assert_int_equal(bpf_map_update_elem(fd, &idx, v, BPF_ANY), 0);
	free(v);
	return idx;
}

/* 1 if this CPU's (CPU 0's) microflow entry @idx holds @key. */
static int emc_holds(struct xs_dp *dp, uint32_t idx, const struct xs_flow_key *key)
{
	int ncpus = libbpf_num_possible_cpus(), fd = xs_dp_map_fd(dp, XS_MAP_EMC), r;
	struct xs_emc_entry *v = calloc(ncpus, sizeof(*v));

	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(fd, &idx, v), 0);
	r = !memcmp(&v[0].key, key, sizeof(*key));
	free(v);
	return r;
}

/* The microflow tier hashes and compares only the first words of a short
 * key (IPv4: nothing past nw_dst); an entry whose key has the same first
 * words but something further on (an ARP or IPv6 field, a ct field) must
 * not answer for it. The positive control (the same entry with the exact
 * key) shows that the forged entry sits where the packet looks. */
static void test_microflow_short_key_tail(void **state)
{
	const struct xs_hash_key *hk = xs_hash_key_fixed();
	struct xs_dp_opts o = { .max_flows = 16, .hash_key = hk };
	struct xs_action out = { .type = XS_ACT_OUTPUT, .arg = 1 };
	struct xs_flow_key key_a, mask, key_b, tail;
	struct xs_flow_handle h_a, h_b;
	uint64_t s0[XS_STAT__MAX], s1[XS_STAT__MAX];
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 1);
	struct xs_dp *dp = NULL;

	(void)state;
	xs_test_require_bpf();
	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	udp_match(1, &key_a, &mask); /* A: drop */
	assert_int_equal(xs_dp_flow_install(dp, &key_a, &mask, NULL, 0, XS_MF_F_XDP, &h_a), 0);
	udp_match(2, &key_b, &mask); /* B: out of port 1, XDP_TX */
	assert_int_equal(xs_dp_flow_install(dp, &key_b, &mask, &out, 1, XS_MF_F_XDP, &h_b), 0);
	fx_key(pkt, len, 1, &key_a);

	/* Words past the short ones set, one at a time: never a hit. */
	for (unsigned int w = 6; w < XS_FLOW_KEY_WORDS; w++) {
		tail = key_a;
		((uint64_t *)&tail)[w] = 1;
		emc_forge(dp, hk, &key_a, &tail, h_b);
		fx_stats(dp, s0);
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP); /* A's own megaflow */
		fx_stats(dp, s1);
		expect_delta(s0, s1, XS_STAT_MICROFLOW_HIT, 0);
		expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, 1);
	}
	/* The exact key at the same index: a hit, on the forged handle. */
	emc_forge(dp, hk, &key_a, &key_a, h_b);
	fx_stats(dp, s0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_TX);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_MICROFLOW_HIT, 1);
	expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, 0);
	xs_dp_close(dp);
}

/* A megaflow hit takes a microflow entry held by another live flow only
 * once in emc_insert_inv_prob (Open vSwitch's emc-insert-inv-prob); an
 * entry whose megaflow is gone is always taken. Flow A's index is forged
 * to hold flow B's key before each packet of A. */
static void emc_insert_case(uint32_t inv_prob, unsigned int runs, unsigned int lo,
			    unsigned int hi)
{
	const struct xs_hash_key *hk = xs_hash_key_fixed();
	struct xs_dp_opts o = { .max_flows = 16, .hash_key = hk,
				.emc_insert_inv_prob = inv_prob };
	struct xs_flow_key key_a, mask, key_b, key_c;
	struct xs_flow_handle h_a, h_b, h_c;
	uint64_t s0[XS_STAT__MAX], s1[XS_STAT__MAX];
	unsigned int taken = 0;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 1);
	struct xs_dp *dp = NULL;
	uint32_t idx;

	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	udp_match(1, &key_a, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key_a, &mask, NULL, 0, XS_MF_F_XDP, &h_a), 0);
	udp_match(2, &key_b, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key_b, &mask, NULL, 0, XS_MF_F_XDP, &h_b), 0);
	udp_match(3, &key_c, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key_c, &mask, NULL, 0, XS_MF_F_XDP, &h_c), 0);
	fx_key(pkt, len, 1, &key_a);

	fx_stats(dp, s0);
	for (unsigned int i = 0; i < runs; i++) {
		idx = emc_forge(dp, hk, &key_a, &key_b, h_b);
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
		taken += emc_holds(dp, idx, &key_a);
	}
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_MEGAFLOW_HIT, runs);
	expect_delta(s0, s1, XS_STAT_MICROFLOW_HIT, 0);
	if (taken < lo || taken > hi)
		fail_msg("1/%u: taken %u times in %u, want %u..%u", inv_prob, taken, runs, lo, hi);

	/* C's megaflow removed: its entry is free for A at once, and A's
	 * next packet hits it. */
	idx = emc_forge(dp, hk, &key_a, &key_c, h_c);
	assert_int_equal(xs_dp_flow_remove(dp, h_c, NULL), 0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	assert_true(emc_holds(dp, idx, &key_a));
	fx_stats(dp, s0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, s1);
	expect_delta(s0, s1, XS_STAT_MICROFLOW_HIT, 1);
	xs_dp_close(dp);
}

static void test_microflow_insert_probability(void **state)
{
	(void)state;
	xs_test_require_bpf();
	fx_private_netns();
	fx_pin_cpu();
	emc_insert_case(1, 20, 20, 20);           /* always */
	emc_insert_case(1u << 30, 200, 0, 0);     /* as good as never */
	emc_insert_case(4, 400, 50, 160);         /* mean 100, sd 8.7 */
}

/* The devmap's keys, sorted, into @out (at most @max); returns how many. */
static size_t tx_ports(struct xs_dp *dp, uint32_t *out, size_t max)
{
	int fd = xs_dp_map_fd(dp, XS_MAP_TX_PORTS);
	uint32_t key, next;
	size_t n = 0;

	assert_true(fd >= 0);
	for (int err = bpf_map_get_next_key(fd, NULL, &next); !err;
	     err = bpf_map_get_next_key(fd, &key, &next)) {
		assert_true(n < max);
		key = out[n++] = next;
	}
	assert_int_equal(errno, ENOENT);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			uint32_t t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

static void expect_tx_ports(struct xs_dp *dp, uint32_t a, uint32_t b)
{
	uint32_t got[8];

	assert_int_equal(tx_ports(dp, got, 8), 2);
	assert_int_equal(got[0], a < b ? a : b);
	assert_int_equal(got[1], a < b ? b : a);
}

/* The pinned port list holds @n ports, these (in this order). */
static void expect_port_list(struct xs_dp *dp, const uint32_t *want, uint32_t n)
{
	static struct xs_port_list l;
	uint32_t zero = 0;

	assert_int_equal(bpf_map_lookup_elem(xs_dp_map_fd(dp, XS_MAP_PORT_LIST), &zero, &l), 0);
	assert_int_equal(l.count, n);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(l.ifindex[i], want[i]);
}

/* A devmap and port list adopted from a previous run that hold a port the
 * bridge lost: the sync removes it (and only it) from both and adds what
 * is missing; the list keeps the order it is given. */
static void test_ports_sync(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 16 };
	struct fx_veth v;
	struct xs_dp *dp;
	uint32_t got[8];

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-b2-%d", (int)getpid());
	xs_dp_unpin(pin_dir);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	assert_int_equal(xs_dp_port_add(dp, v.b), 0);
	xs_dp_close(dp);

	assert_int_equal(xs_dp_open(&o, &dp), 0); /* adopts the 3 entries */
	assert_int_equal(tx_ports(dp, got, 8), 3);
	expect_port_list(dp, (uint32_t[]){ 1, v.a, v.b }, 3);
	uint32_t keep[3] = { v.b, v.a, v.b };
	assert_int_equal(xs_dp_ports_sync(dp, keep, 3), 1);
	expect_tx_ports(dp, v.a, v.b);
	expect_port_list(dp, keep, 2);
	assert_int_equal(xs_dp_ports_sync(dp, keep, 2), 0);
	expect_tx_ports(dp, v.a, v.b);

	/* One removed, one added. */
	uint32_t other[2] = { 1, v.a };
	assert_int_equal(xs_dp_ports_sync(dp, other, 2), 1);
	expect_tx_ports(dp, 1, v.a);
	expect_port_list(dp, other, 2);

	/* Bad arguments change nothing. */
	uint32_t zero[2] = { v.b, 0 };
	assert_int_equal(xs_dp_ports_sync(NULL, other, 2), -EINVAL);
	assert_int_equal(xs_dp_ports_sync(dp, NULL, 1), -EINVAL);
	assert_int_equal(xs_dp_ports_sync(dp, zero, 2), -EINVAL);
	assert_int_equal(xs_dp_ports_sync(dp, other, XS_MAX_PORTS + 1), -EINVAL);
	expect_tx_ports(dp, 1, v.a);
	expect_port_list(dp, other, 2);

	/* The kernel refuses an ifindex with no interface: the stale port
	 * is gone from both maps, the list holds what the devmap got. */
	uint32_t gone[2] = { v.a, 0x7ffffff0 };
	assert_int_equal(xs_dp_ports_sync(dp, gone, 2), -EINVAL);
	assert_int_equal(tx_ports(dp, got, 8), 1);
	assert_int_equal(got[0], v.a);
	expect_port_list(dp, gone, 1);

	/* No ports: the maps empty. */
	assert_int_equal(xs_dp_ports_sync(dp, NULL, 0), 1);
	assert_int_equal(tx_ports(dp, got, 8), 0);
	expect_port_list(dp, NULL, 0);
	xs_dp_close(dp);

	/* A pinned list that claims more than XS_MAX_PORTS ports is not
	 * adopted: the open fails and leaves it as it is. */
	static struct xs_port_list bad;
	char path[256];
	uint32_t key0 = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_PORT_LIST);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	bad.count = XS_MAX_PORTS + 1;
	assert_int_equal(bpf_map_update_elem(fd, &key0, &bad, BPF_ANY), 0);
	dp = (struct xs_dp *)1;
	assert_int_equal(xs_dp_open(&o, &dp), -EINVAL);
	assert_null(dp);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(bpf_map_lookup_elem(fd, &key0, &bad), 0);
	assert_int_equal(bad.count, XS_MAX_PORTS + 1);
	close(fd);
	fx_veth_down(&v);
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
}

/* Counters of many megaflows in batched reads equal the one-by-one reads;
 * removed and modified handles are named, not read. */
static void test_stats_batch(void **state)
{
	enum { N = 300 };
	struct xs_flow_handle h[N + 2];
	struct xs_flow_stats one, batch[N + 2];
	struct xs_flow_key key, mask;
	struct xs_action drop[1] = { { .type = XS_ACT_SET_NW_TTL } };
	int errs[N + 2];
	uint8_t pkt[128];
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_pin_cpu();
	dp = fx_open(1024);
	for (uint32_t i = 0; i < N; i++) {
		udp_match(i, &key, &mask);
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, drop, 1, XS_MF_F_XDP, &h[i]), 0);
		/* flow i gets i % 5 packets */
		for (uint32_t k = 0; k < i % 5; k++)
			assert_int_equal(fx_run(dp, 1, pkt, fx_udp4(pkt, i)), XDP_DROP);
	}
	h[N] = h[7];
	assert_int_equal(xs_dp_flow_remove(dp, h[7], NULL), 0);
	h[N + 1] = h[8];
	assert_int_equal(xs_dp_flow_modify(dp, &h[8], drop, 1, XS_MF_F_XDP), 0);
	assert_int_equal(xs_dp_flow_stats_batch(dp, h, N + 2, batch, errs), 0);
	for (uint32_t i = 0; i < N + 2; i++) {
		if (i == 7 || i == N || i == N + 1) {
			assert_int_equal(errs[i], -ENOENT);
			assert_int_equal(batch[i].packets, 0);
			continue;
		}
		assert_int_equal(errs[i], 0);
		assert_int_equal(xs_dp_flow_stats(dp, h[i], &one), 0);
		assert_int_equal(batch[i].packets, i % 5);
		assert_int_equal(batch[i].packets, one.packets);
		assert_int_equal(batch[i].bytes, one.bytes);
		assert_int_equal(batch[i].used_ns, one.used_ns);
	}
	/* the modified megaflow kept its counters under the new handle */
	assert_int_equal(batch[8].packets, 3);
	assert_int_equal(xs_dp_flow_stats_batch(NULL, h, 1, batch, errs), -EINVAL);
	assert_int_equal(xs_dp_flow_stats_batch(dp, NULL, 1, batch, errs), -EINVAL);
	assert_int_equal(xs_dp_flow_stats_batch(dp, h, 0, NULL, NULL), 0);
	xs_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_rejects_bad_options),
		cmocka_unit_test(test_install_forwards),
		cmocka_unit_test(test_cache_tiers),
		cmocka_unit_test(test_emc_disabled),
		cmocka_unit_test(test_execute),
		cmocka_unit_test(test_flow_limit),
		cmocka_unit_test(test_error_paths),
		cmocka_unit_test(test_iteration),
		cmocka_unit_test(test_full_table_rates),
		cmocka_unit_test(test_pinning_adopts),
		cmocka_unit_test(test_adoption_forgets_old_microflows),
		cmocka_unit_test(test_microflow_short_key_tail),
		cmocka_unit_test(test_microflow_insert_probability),
		cmocka_unit_test(test_hash_collision_served),
		cmocka_unit_test(test_ways_batch),
		cmocka_unit_test(test_mask_filter),
		cmocka_unit_test(test_pinned_layout_mismatch_refused),
		cmocka_unit_test(test_ports_sync),
		cmocka_unit_test(test_stats_batch),
	};
	fx_pin_cpu();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	fx_cleanup();
	if (pin_dir[0])
		xs_dp_unpin(pin_dir);
	return failed;
}
