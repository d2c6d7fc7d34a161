// SPDX-License-Identifier: Apache-2.0
/* BPF tests of the megaflow masks: 256 at once, the 257th refused, ranking
 * by hits republished atomically while packets keep hitting. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "tests/bpf/dp_fixture.h"
#include "agent/dpif/dpif_xdp.h"

#define N_MASKS XS_MAX_MASKS

/* Flow i: UDP to 10.1.0.1 + i * 256; mask i: dl_type, nw_dst exact, and nw_src
 * bits i + 1, so the masks differ while nw_dst keeps flows apart. */
static void flow_i(uint32_t i, struct xs_flow_key *key, struct xs_flow_key *mask)
{
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, i);

	fx_key(pkt, len, 1, key);
	memset(mask, 0, sizeof(*mask));
	mask->dl_type = 0xffff;
	mask->nw_dst = 0xffffffff;
	mask->nw_src = htonl(i + 1);
}

static void send_i(struct xs_dp *dp, uint32_t i, int want_verdict)
{
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, i);

	assert_int_equal(fx_run(dp, 1, pkt, len), want_verdict);
}

struct fixture {
	struct xs_dp *dp;
	struct xs_flow_handle h[N_MASKS];
};

/* EMC off: every packet walks the masks, so probe counts are exact. */
static int setup_256(void **state)
{
	/* all from port 1: no per-port budget here */
	struct xs_dp_opts o = { .max_flows = 1024, .emc_disabled = true,
				.mask_budget = XS_MAX_MASKS };
	struct fixture *f = calloc(1, sizeof(*f));
	struct xs_flow_key key, mask;

	if (xs_dp_open(&o, &f->dp)) {
		free(f);
		return -1;
	}
	for (uint32_t i = 0; i < N_MASKS; i++) {
		flow_i(i, &key, &mask);
		if (xs_dp_flow_install(f->dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &f->h[i]))
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f)
		xs_dp_close(f->dp);
	free(f);
	return 0;
}

static void test_each_packet_hits_its_own_mask(void **state)
{
	struct fixture *f;
	uint64_t st[XS_STAT__MAX];

	xs_test_require_bpf();
	assert_int_equal(setup_256(state), 0);
	f = *state;
	assert_int_equal(xs_dp_mask_count(f->dp), N_MASKS);
	assert_int_equal(xs_dp_flow_count(f->dp), N_MASKS);
	for (uint32_t i = 0; i < N_MASKS; i++)
		send_i(f->dp, i, XDP_DROP); /* empty action list: drop */
	for (uint32_t i = 0; i < N_MASKS; i++) {
		struct xs_flow_stats s;

		assert_int_equal(xs_dp_flow_stats(f->dp, f->h[i], &s), 0);
		assert_int_equal(s.packets, 1);
	}
	fx_stats(f->dp, st);
	assert_int_equal(st[XS_STAT_MEGAFLOW_HIT], N_MASKS);
	assert_int_equal(st[XS_STAT_MISS], 0);
	/* Install order is probe order: packet i probes i + 1 masks. */
	assert_int_equal(st[XS_STAT_MASKS_PROBED], N_MASKS * (N_MASKS + 1) / 2);
	assert_true(xs_dp_stats_masks_per_hit(st) == (N_MASKS + 1) / 2.0);
}

/* @times installs of @key under @mask, each refused at the budget. */
static void ask(struct xs_dp *dp, const struct xs_flow_key *key, const struct xs_flow_key *mask,
		int times)
{
	struct xs_flow_handle hx = { 0, 0 };

	for (int i = 0; i < times; i++)
		assert_int_equal(xs_dp_flow_install(dp, key, mask, NULL, 0, XS_MF_F_XDP, &hx),
				 -EDQUOT);
	assert_int_equal(hx.gen, 0);
}

/* Cold mask eviction: at its budget, a port may retire the coldest of its
 * own masks (at most XS_MASK_COLD_HITS hits in the last ranking period,
 * through XS_MASK_MIN_RANKS rankings) for a new one asked for at least
 * XS_MASK_EVICT_ASKS times in the period; a hot mask, a mask too young to
 * be measured, another port's mask, and a mask asked for once (a tuple
 * space attack's frame) are never retired. */
static void test_cold_mask_eviction(void **state)
{
	struct xs_dp_opts o = { .max_flows = 64, .mask_budget = 3, .emc_disabled = true };
	struct xs_flow_key key, mask;
	struct xs_flow_handle h[8], *ev;
	uint32_t n;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	for (uint32_t i = 0; i < 3; i++) {
		flow_i(i, &key, &mask);
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[i]),
				 0);
	}
	/* port 2's mask: cold, but not port 1's to retire */
	flow_i(7, &key, &mask);
	key.in_port = 2;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[7]), 0);
	flow_i(3, &key, &mask);
	ask(dp, &key, &mask, XS_MASK_EVICT_ASKS);
	/* not measured yet: nothing is cold */
	assert_int_equal(xs_dp_mask_retire_cold(dp, 1, &mask, &ev, &n), -ENOENT);
	assert_null(ev);
	assert_int_equal(xs_dp_masks_rank(dp, NULL), 0);
	/* mask 0 hot, mask 1 a little, mask 2 nothing */
	for (int k = 0; k < XS_MASK_COLD_HITS + 50; k++)
		send_i(dp, 0, XDP_DROP);
	for (int k = 0; k < 5; k++)
		send_i(dp, 1, XDP_DROP);
	assert_int_equal(xs_dp_masks_rank(dp, NULL), 0);
	/* the ranking started a new period: asked for once, not enough */
	ask(dp, &key, &mask, 1);
	assert_int_equal(xs_dp_mask_retire_cold(dp, 1, &mask, &ev, &n), -ENOENT);
	ask(dp, &key, &mask, XS_MASK_EVICT_ASKS - 1);
	assert_int_equal(xs_dp_masks_refused(dp, NULL), 2 * XS_MASK_EVICT_ASKS);
	/* another port's asks do not count for port 1 */
	assert_int_equal(xs_dp_mask_retire_cold(dp, 2, &mask, &ev, &n), -ENOENT);
	assert_int_equal(xs_dp_mask_retire_cold(dp, 1, &mask, &ev, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(&ev[0], &h[2], sizeof(ev[0]));
	free(ev);
	assert_int_equal(xs_dp_masks_evicted(dp), 1);
	assert_int_equal(xs_dp_masks_refused(dp, NULL), 2 * XS_MASK_EVICT_ASKS - 1); /* taken back */
	assert_int_equal(xs_dp_flow_remove(dp, h[2], NULL), 0);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[3]), 0);
	assert_int_equal(xs_dp_masks_of_port(dp, 1), 3);
	send_i(dp, 3, XDP_DROP); /* served by its own megaflow now */
	/* a second megaflow under mask 1: both go with it */
	flow_i(1, &key, &mask);
	key.nw_dst = htonl(0x0a000999);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[4]), 0);
	flow_i(5, &key, &mask);
	ask(dp, &key, &mask, XS_MASK_EVICT_ASKS);
	assert_int_equal(xs_dp_mask_retire_cold(dp, 1, &mask, &ev, &n), 0);
	assert_int_equal(n, 2);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(xs_dp_flow_remove(dp, ev[i], NULL), 0);
	free(ev);
	assert_int_equal(xs_dp_masks_of_port(dp, 1), 2);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[5]), 0);
	/* left: mask 0 (hot) and masks 3 and 5 (too young): none retired */
	flow_i(6, &key, &mask);
	ask(dp, &key, &mask, XS_MASK_EVICT_ASKS);
	assert_int_equal(xs_dp_mask_retire_cold(dp, 1, &mask, &ev, &n), -ENOENT);
	assert_int_equal(xs_dp_masks_evicted(dp), 2);
	assert_int_equal(xs_dp_masks_of_port(dp, 2), 1);
	xs_dp_close(dp);
}

/* The XDP provider retires a cold mask by itself when an install meets
 * the port's budget (what the agent's misses go through): the install
 * succeeds, the cold mask's megaflows are gone, a hot one stays. */
static void test_provider_evicts_cold_mask(void **state)
{
	struct xs_dp_opts o = { .max_flows = 64, .mask_budget = 2, .emc_disabled = true };
	struct xs_flow_key key, mask;
	struct xs_flow_handle h[4];
	struct xs_dpif_flow f;
	struct xs_dpif *dpif;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dpif_xdp_wrap(dp, NULL, false, &dpif), 0);
	for (uint32_t i = 0; i < 2; i++) {
		flow_i(i, &key, &mask);
		assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, NULL, 0, &h[i]), 0);
	}
	dpif->cls->run(dpif); /* a ranking */
	for (int k = 0; k < XS_MASK_COLD_HITS + 1; k++)
		send_i(dp, 0, XDP_DROP);
	dpif->cls->run(dpif);
	/* a flow's packets keep asking: the first asks are refused, the one
	 * that makes XS_MASK_EVICT_ASKS retires the cold mask */
	flow_i(2, &key, &mask);
	for (int k = 1; k < XS_MASK_EVICT_ASKS; k++)
		assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, NULL, 0, &h[2]), -EDQUOT);
	assert_int_equal(xs_dp_masks_evicted(dp), 0);
	assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, NULL, 0, &h[2]), 0);
	assert_int_equal(xs_dp_masks_evicted(dp), 1);
	assert_int_equal(xs_dp_masks_refused(dp, NULL), XS_MASK_EVICT_ASKS - 1);
	assert_int_equal(xs_dpif_flow_get(dpif, h[1], &f), -ENOENT);
	assert_int_equal(xs_dpif_flow_get(dpif, h[0], &f), 0);
	send_i(dp, 1, XDP_DROP); /* a miss again: its megaflow went */
	/* the new mask is too young, mask 0 too hot: refused */
	flow_i(3, &key, &mask);
	for (int k = 0; k < XS_MASK_EVICT_ASKS + 1; k++)
		assert_int_equal(xs_dpif_flow_put(dpif, &key, &mask, NULL, 0, &h[3]), -EDQUOT);
	assert_int_equal(xs_dp_masks_refused(dp, NULL), 2 * XS_MASK_EVICT_ASKS);
	assert_int_equal(xs_dp_masks_evicted(dp), 1);
	dpif->cls->close(dpif, false);
}

/* Tuple space explosion: the misses of one port create new masks up to
 * its budget; then its new masks are refused (counted, nothing changes)
 * while another port still creates its own, and an existing mask still
 * takes the port's flows. When one of the port's masks goes (idle expiry
 * removes its megaflows), the port may create one again. */
static void test_mask_budget_per_port(void **state)
{
	struct xs_dp_opts o = { .max_flows = 64, .mask_budget = 3 };
	struct xs_flow_key key, mask;
	struct xs_flow_handle h[8], hx = { 0, 0 };
	uint32_t budget;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	for (uint32_t i = 0; i < 3; i++) {
		flow_i(i, &key, &mask);
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[i]),
				 0);
	}
	assert_int_equal(xs_dp_masks_of_port(dp, 1), 3);
	flow_i(3, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &hx), -EDQUOT);
	assert_int_equal(hx.gen, 0);
	assert_int_equal(xs_dp_masks_refused(dp, &budget), 1);
	assert_int_equal(budget, 3);
	assert_int_equal(xs_dp_mask_count(dp), 3);
	assert_int_equal(xs_dp_flow_count(dp), 3);
	send_i(dp, 3, XDP_DROP); /* a miss */
	/* the same mask from port 2: its own budget */
	key.in_port = 2;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[3]), 0);
	assert_int_equal(xs_dp_masks_of_port(dp, 2), 1);
	/* an existing mask takes port 1's flows; port 2's mask too */
	flow_i(3, &key, &mask);
	key.nw_dst = htonl(0x0a000302);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[4]), 0);
	flow_i(0, &key, &mask);
	key.nw_dst = htonl(0x0a000301);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[5]), 0);
	assert_int_equal(xs_dp_masks_refused(dp, NULL), 1);
	/* a mask of port 1 goes: room for one more */
	assert_int_equal(xs_dp_flow_remove(dp, h[1], NULL), 0);
	assert_int_equal(xs_dp_masks_of_port(dp, 1), 2);
	flow_i(5, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[6]), 0);
	flow_i(6, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &hx), -EDQUOT);
	assert_int_equal(xs_dp_masks_refused(dp, NULL), 2);
	xs_dp_close(dp);

	/* budget XS_MAX_MASKS: no bound */
	o.mask_budget = XS_MAX_MASKS;
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	for (uint32_t i = 0; i < 8; i++) {
		flow_i(i, &key, &mask);
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h[i]),
				 0);
	}
	assert_int_equal(xs_dp_masks_refused(dp, &budget), 0);
	assert_int_equal(budget, 0);
	xs_dp_close(dp);
}

static void test_257th_mask_refused(void **state)
{
	struct fixture *f;
	struct xs_flow_key key, mask;
	struct xs_flow_handle h = { 0, 0 };
	uint32_t before[N_MASKS], after[N_MASKS];
	uint64_t st[XS_STAT__MAX];

	xs_test_require_bpf();
	assert_int_equal(setup_256(state), 0);
	f = *state;
	assert_int_equal(xs_dp_mask_order(f->dp, before, N_MASKS), N_MASKS);
	/* What the fast path reads: the published list, before and after. */
	static struct xs_mask_list pub_before, pub_after;
	int masks_fd = xs_dp_map_fd(f->dp, XS_MAP_MASKS);
	uint32_t zero = 0;
	assert_int_equal(bpf_map_lookup_elem(masks_fd, &zero, &pub_before), 0);
	assert_int_equal(pub_before.count, N_MASKS);
	flow_i(N_MASKS, &key, &mask);
	assert_int_equal(xs_dp_flow_install(f->dp, &key, &mask, NULL, 0, 0, &h), -ENOSPC);
	assert_int_equal(bpf_map_lookup_elem(masks_fd, &zero, &pub_after), 0);
	assert_memory_equal(&pub_before, &pub_after, sizeof(pub_before));
	assert_int_equal(h.slot, 0);
	assert_int_equal(xs_dp_mask_count(f->dp), N_MASKS);
	assert_int_equal(xs_dp_flow_count(f->dp), N_MASKS);
	assert_int_equal(xs_dp_mask_order(f->dp, after, N_MASKS), N_MASKS);
	assert_memory_equal(before, after, sizeof(before));
	/* The refused flow's packet misses; all others still hit. */
	send_i(f->dp, N_MASKS, XDP_DROP);
	fx_stats(f->dp, st);
	assert_int_equal(st[XS_STAT_MISS], 1);
	assert_int_equal(st[XS_STAT_MEGAFLOW_HIT], 0);
	/* An existing mask still takes more megaflows: flow 3's mask with
	 * another nw_dst. */
	flow_i(3, &key, &mask);
	key.nw_dst = htonl(0x0a000301); /* 10.0.3.1: no other flow's */
	assert_int_equal(xs_dp_flow_install(f->dp, &key, &mask, NULL, 0, 0, &h), 0);
	assert_int_equal(xs_dp_mask_count(f->dp), N_MASKS);
	/* Freeing a mask makes room: the refused one now fits, last in order. */
	assert_int_equal(xs_dp_flow_remove(f->dp, f->h[7], NULL), 0);
	assert_int_equal(xs_dp_mask_count(f->dp), N_MASKS - 1);
	flow_i(N_MASKS, &key, &mask);
	assert_int_equal(xs_dp_flow_install(f->dp, &key, &mask, NULL, 0, 0, &h), 0);
	assert_int_equal(xs_dp_mask_order(f->dp, after, N_MASKS), N_MASKS);
	assert_int_equal(after[N_MASKS - 1], 7); /* the freed id, reused */
}

static void test_rank_by_hits(void **state)
{
	struct fixture *f;
	uint32_t order[N_MASKS];
	uint64_t st0[XS_STAT__MAX], st1[XS_STAT__MAX];
	bool changed;

	xs_test_require_bpf();
	assert_int_equal(setup_256(state), 0);
	f = *state;
	for (int n = 0; n < 10; n++)
		send_i(f->dp, 200, XDP_DROP);
	for (int n = 0; n < 5; n++)
		send_i(f->dp, 100, XDP_DROP);
	send_i(f->dp, 255, XDP_DROP);
	assert_int_equal(xs_dp_masks_rank(f->dp, &changed), 0);
	assert_true(changed);
	assert_int_equal(xs_dp_mask_order(f->dp, order, N_MASKS), N_MASKS);
	assert_int_equal(order[0], 200);
	assert_int_equal(order[1], 100);
	assert_int_equal(order[2], 255);
	/* The rest keep their relative order. */
	for (uint32_t i = 3, want = 0; i < N_MASKS; i++, want++) {
		while (want == 100 || want == 200 || want == 255)
			want++;
		assert_int_equal(order[i], want);
	}
	/* The fast path now finds flow 200 at the first probe, 0 at the 4th. */
	fx_stats(f->dp, st0);
	send_i(f->dp, 200, XDP_DROP);
	fx_stats(f->dp, st1);
	assert_int_equal(st1[XS_STAT_MASKS_PROBED] - st0[XS_STAT_MASKS_PROBED], 1);
	send_i(f->dp, 0, XDP_DROP);
	fx_stats(f->dp, st0);
	assert_int_equal(st0[XS_STAT_MASKS_PROBED] - st1[XS_STAT_MASKS_PROBED], 4);
	/* Hits since the last ranking count, not totals: 200 and 0 had one
	 * each, so they lead, 200 first as before. */
	assert_int_equal(xs_dp_masks_rank(f->dp, &changed), 0);
	assert_true(changed);
	assert_int_equal(xs_dp_mask_order(f->dp, order, 2), 2);
	assert_int_equal(order[0], 200); /* tie (1 hit each): previous order */
	assert_int_equal(order[1], 0);
	assert_int_equal(xs_dp_masks_rank(f->dp, &changed), 0);
	assert_false(changed);
}

struct sender {
	struct xs_dp *dp;
	atomic_bool stop;
	uint64_t sent;
	int bad; /* verdicts other than XDP_DROP */
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	uint8_t pkt[128];

	while (!atomic_load(&s->stop)) {
		for (uint32_t i = 0; i < N_MASKS; i++) {
			size_t len = fx_udp4(pkt, i);

			if (fx_run(s->dp, 1, pkt, len) != XDP_DROP)
				s->bad++;
			s->sent++;
		}
	}
	return NULL;
}

static void test_rank_while_packets_flow(void **state)
{
	struct fixture *f;
	struct sender s = { 0 };
	pthread_t th;
	uint64_t st[XS_STAT__MAX];
	int changes = 0;
	bool changed;

	xs_test_require_bpf();
	assert_int_equal(setup_256(state), 0);
	f = *state;
	s.dp = f->dp;
	assert_int_equal(pthread_create(&th, NULL, sender_main, &s), 0);
	/* Each round favours other masks, so every ranking republishes. */
	for (uint32_t r = 0; r < 200; r++) {
		for (int n = 0; n < 3; n++)
			send_i(f->dp, (r * 37) % N_MASKS, XDP_DROP);
		assert_int_equal(xs_dp_masks_rank(f->dp, &changed), 0);
		changes += changed;
	}
	atomic_store(&s.stop, true);
	pthread_join(th, NULL);
	fx_stats(f->dp, st);
	assert_int_equal(s.bad, 0);
	assert_int_equal(st[XS_STAT_MISS], 0);
	assert_int_equal(st[XS_STAT_MEGAFLOW_HIT], s.sent + 200 * 3);
	assert_true(changes >= 100);
	print_message("# %d republished orders, %llu packets from the sender\n", changes,
		      (unsigned long long)s.sent);
}

/* Average ns per run of @pkt over @repeat runs (not live). */
static double ns_per_packet(struct xs_dp *dp, const void *pkt, size_t len, uint32_t repeat)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
	);
	assert_int_equal(bpf_prog_test_run_opts(xs_dp_xdp_prog_fd(dp), &o), 0);
	assert_int_equal(o.retval, XDP_DROP);
	return o.duration; /* the kernel reports the mean per run */
}

/* Why masks are ranked: the cost of a megaflow hit grows with the probes
 * it needs. Measured with the microflow cache off. */
static void test_probe_cost(void **state)
{
	struct fixture *f;
	uint8_t pkt[128];
	size_t len;
	double first, last;

	xs_test_require_bpf();
	assert_int_equal(setup_256(state), 0);
	f = *state;
	len = fx_udp4(pkt, 0);
	first = ns_per_packet(f->dp, pkt, len, 20000);
	len = fx_udp4(pkt, N_MASKS - 1);
	last = ns_per_packet(f->dp, pkt, len, 20000);
	print_message("# megaflow hit: %.0f ns at the 1st mask, %.0f ns at the %dth\n", first,
		      last, N_MASKS);
	assert_true(last > 2 * first);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(xs_dp_masks_rank(f->dp, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("# ranking %d masks: %.0f us\n", N_MASKS,
		      ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 100 / 1e3);
}

static void test_shared_mask_refcount(void **state)
{
	struct xs_dp_opts o = { .max_flows = 64, .emc_disabled = true };
	struct xs_flow_key k1, k2, mask;
	struct xs_flow_handle h1, h2;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	flow_i(1, &k1, &mask);
	flow_i(2, &k2, &mask); /* mask of flow 2 for both */
	assert_int_equal(xs_dp_flow_install(dp, &k1, &mask, NULL, 0, XS_MF_F_XDP, &h1), 0);
	assert_int_equal(xs_dp_flow_install(dp, &k2, &mask, NULL, 0, XS_MF_F_XDP, &h2), 0);
	assert_int_equal(xs_dp_mask_count(dp), 1);
	send_i(dp, 1, XDP_DROP);
	send_i(dp, 2, XDP_DROP);
	assert_int_equal(xs_dp_flow_remove(dp, h1, NULL), 0);
	assert_int_equal(xs_dp_mask_count(dp), 1);
	send_i(dp, 2, XDP_DROP);
	assert_int_equal(xs_dp_flow_remove(dp, h2, NULL), 0);
	assert_int_equal(xs_dp_mask_count(dp), 0);
	uint64_t st[XS_STAT__MAX];
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MEGAFLOW_HIT], 3);
	send_i(dp, 2, XDP_DROP);
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MISS], 1);
	xs_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_each_packet_hits_its_own_mask, teardown),
		cmocka_unit_test_teardown(test_257th_mask_refused, teardown),
		cmocka_unit_test_teardown(test_rank_by_hits, teardown),
		cmocka_unit_test_teardown(test_rank_while_packets_flow, teardown),
		cmocka_unit_test_teardown(test_probe_cost, teardown),
		cmocka_unit_test(test_shared_mask_refcount),
		cmocka_unit_test(test_mask_budget_per_port),
		cmocka_unit_test(test_cold_mask_eviction),
		cmocka_unit_test(test_provider_evicts_cold_mask),
	};
	fx_pin_cpu();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
