// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the datapath library's pure parts: slot pool (generations,
 * FIFO reuse, claims), mask table, checks on actions and ringbuf records. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/xs_test.h"
#include "agent/datapath/dp_internal.h"

static struct xs_flow_handle H(uint32_t slot, uint32_t gen)
{
	struct xs_flow_handle h = { .slot = slot, .gen = gen };
	return h;
}

static void expect_alloc(struct xs_slot_pool *p, uint32_t slot, uint32_t gen)
{
	struct xs_flow_handle h;

	assert_int_equal(xs_slot_alloc(p, &h), 0);
	assert_int_equal(h.slot, slot);
	assert_int_equal(h.gen, gen);
	assert_true(xs_slot_live(p, h));
}

static void test_pool_fifo_and_generations(void **state)
{
	struct xs_slot_pool p;
	struct xs_flow_handle h;

	(void)state;
	assert_int_equal(xs_slot_pool_init(&p, 5), 0);
	for (uint32_t s = 1; s <= 4; s++)
		expect_alloc(&p, s, 1);
	assert_int_equal(p.n_used, 4);
	assert_int_equal(xs_slot_alloc(&p, &h), -ENOSPC);
	/* Released slots come back oldest first, each with a new generation,
	 * and only after a grace period. */
	assert_int_equal(xs_slot_release(&p, H(2, 1)), 0);
	assert_int_equal(xs_slot_release(&p, H(4, 1)), 0);
	assert_false(xs_slot_live(&p, H(2, 1)));
	assert_int_equal(xs_slot_release(&p, H(2, 1)), -ENOENT);
	assert_int_equal(xs_slot_alloc(&p, &h), -EAGAIN);
	assert_int_equal(p.n_limbo, 2);
	xs_slot_grace_done(&p);
	expect_alloc(&p, 2, 2);
	assert_int_equal(xs_slot_release(&p, H(1, 1)), 0);
	expect_alloc(&p, 4, 2);
	/* 1 was released after the grace: still in limbo */
	assert_int_equal(xs_slot_alloc(&p, &h), -EAGAIN);
	xs_slot_grace_done(&p);
	expect_alloc(&p, 1, 2);
	assert_int_equal(xs_slot_alloc(&p, &h), -ENOSPC);
	/* A stale generation is not live and cannot be released. */
	assert_false(xs_slot_live(&p, H(2, 1)));
	assert_int_equal(xs_slot_release(&p, H(3, 2)), -ENOENT);
	assert_int_equal(xs_slot_release(&p, H(0, 1)), -ENOENT);
	assert_int_equal(xs_slot_release(&p, H(9, 1)), -ENOENT);
	xs_slot_pool_fini(&p);
}

static void test_pool_ring_wraps_fifo(void **state)
{
	struct xs_slot_pool p;
	struct xs_flow_handle h;

	(void)state;
	assert_int_equal(xs_slot_pool_init(&p, 4), 0);
	/* Cycle one slot at a time: FIFO means the other free slots are taken
	 * before a just-released one comes back; a grace period every other
	 * turn frees what is in limbo, in release order. */
	uint32_t want[] = { 1, 2, 3, 1, 2, 3, 1 };
	uint32_t gen[] = { 1, 1, 1, 2, 2, 2, 3 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(xs_slot_alloc(&p, &h), 0);
		assert_int_equal(h.slot, want[i]);
		assert_int_equal(h.gen, gen[i]);
		assert_int_equal(xs_slot_release(&p, h), 0);
		if (i % 2)
			xs_slot_grace_done(&p);
	}
	assert_int_equal(p.n_used, 0);
	assert_int_equal(p.n_free + p.n_limbo, 3);
	xs_slot_pool_fini(&p);
}

static void test_pool_generation_skips_zero(void **state)
{
	struct xs_slot_pool p;

	(void)state;
	assert_int_equal(xs_slot_pool_init(&p, 2), 0);
	p.gen[1] = UINT32_MAX;
	expect_alloc(&p, 1, 1);
	p.gen[0] = UINT32_MAX - 1;
	assert_int_equal(xs_slot_scratch_gen(&p), UINT32_MAX);
	assert_int_equal(xs_slot_scratch_gen(&p), 1);
	xs_slot_pool_fini(&p);
}

static void test_pool_claim(void **state)
{
	struct xs_slot_pool p;
	struct xs_flow_handle h;

	(void)state;
	assert_int_equal(xs_slot_pool_init(&p, 6), 0);
	assert_int_equal(xs_slot_claim(&p, H(3, 7)), 0);
	assert_int_equal(xs_slot_claim(&p, H(3, 7)), -EEXIST);
	assert_int_equal(xs_slot_claim(&p, H(0, 1)), -EINVAL);
	assert_int_equal(xs_slot_claim(&p, H(6, 1)), -EINVAL);
	assert_int_equal(xs_slot_claim(&p, H(2, 0)), -EINVAL);
	assert_true(xs_slot_live(&p, H(3, 7)));
	expect_alloc(&p, 1, 1);
	expect_alloc(&p, 2, 1);
	expect_alloc(&p, 4, 1);
	expect_alloc(&p, 5, 1);
	assert_int_equal(xs_slot_alloc(&p, &h), -ENOSPC);
	assert_int_equal(xs_slot_release(&p, H(3, 7)), 0);
	assert_int_equal(xs_slot_alloc(&p, &h), -EAGAIN);
	xs_slot_grace_done(&p);
	expect_alloc(&p, 3, 8);
	xs_slot_pool_fini(&p);
}

static void test_pool_init_rejects_tiny(void **state)
{
	struct xs_slot_pool p;

	(void)state;
	assert_int_equal(xs_slot_pool_init(&p, 1), -EINVAL);
	assert_int_equal(xs_slot_pool_init(&p, 0), -EINVAL);
}

static struct xs_flow_key mask_n(uint32_t n)
{
	struct xs_flow_key m;

	memset(&m, 0, sizeof(m));
	m.in_port = 0xffffffff;
	m.nw_src = n + 1; /* distinct, nonzero */
	return m;
}

static void test_masks_refcount_and_ids(void **state)
{
	struct xs_mask_table *t = malloc(sizeof(*t));
	struct xs_flow_key a = mask_n(0), b = mask_n(1), c = mask_n(2);
	uint32_t id;
	bool created;

	(void)state;
	xs_mask_table_init(t);
	assert_int_equal(xs_mask_get(t, &a, 0, &id, &created), 0);
	assert_int_equal(id, 0);
	assert_true(created);
	assert_int_equal(xs_mask_get(t, &a, 0, &id, &created), 0);
	assert_int_equal(id, 0);
	assert_false(created);
	assert_int_equal(xs_mask_get(t, &b, 0, &id, &created), 0);
	assert_int_equal(id, 1);
	assert_int_equal(t->ent[0].refs, 2);
	assert_int_equal(t->n, 2);
	assert_int_equal(xs_mask_put(t, 0), 0);
	assert_int_equal(xs_mask_put(t, 0), 1);
	assert_int_equal(xs_mask_put(t, 0), -ENOENT);
	assert_int_equal(xs_mask_put(t, XS_MAX_MASKS), -ENOENT);
	assert_int_equal(xs_mask_find(t, &a, &id), -ENOENT);
	assert_int_equal(t->n, 1);
	assert_int_equal(t->order[0], 1);
	/* The freed id waits for a grace period (another id is taken
	 * meanwhile), then is reused, with the baseline given now. */
	assert_int_equal(t->n_limbo, 1);
	assert_int_equal(xs_mask_get(t, &c, 77, &id, &created), 0);
	assert_int_equal(id, 2);
	assert_int_equal(xs_mask_put(t, 2), 1);
	xs_mask_grace_done(t);
	assert_int_equal(t->n_limbo, 0);
	assert_int_equal(xs_mask_get(t, &c, 77, &id, &created), 0);
	assert_int_equal(id, 0);
	assert_int_equal(t->ent[0].hits_seen, 77);
	assert_int_equal(t->order[1], 0);
	free(t);
}

static void test_masks_full_table_refuses(void **state)
{
	struct xs_mask_table *t = malloc(sizeof(*t)), *copy = malloc(sizeof(*t));
	struct xs_flow_key m;
	uint32_t id;
	bool created;

	(void)state;
	xs_mask_table_init(t);
	for (uint32_t i = 0; i < XS_MAX_MASKS; i++) {
		m = mask_n(i);
		assert_int_equal(xs_mask_get(t, &m, 0, &id, &created), 0);
		assert_int_equal(id, i);
	}
	memcpy(copy, t, sizeof(*t));
	m = mask_n(XS_MAX_MASKS);
	assert_int_equal(xs_mask_get(t, &m, 0, &id, &created), -ENOSPC);
	assert_memory_equal(copy, t, sizeof(*t));
	/* An existing mask still gets its reference when the table is full. */
	m = mask_n(5);
	assert_int_equal(xs_mask_get(t, &m, 0, &id, &created), 0);
	assert_int_equal(id, 5);
	assert_int_equal(t->ent[5].refs, 2);
	/* With every free id in limbo the answer is "wait", not "full". */
	assert_int_equal(xs_mask_put(t, 7), 1);
	m = mask_n(XS_MAX_MASKS);
	assert_int_equal(xs_mask_get(t, &m, 0, &id, &created), -EAGAIN);
	xs_mask_grace_done(t);
	assert_int_equal(xs_mask_get(t, &m, 0, &id, &created), 0);
	assert_int_equal(id, 7);
	free(t);
	free(copy);
}

static void test_masks_rank_by_recent_hits(void **state)
{
	struct xs_mask_table *t = malloc(sizeof(*t));
	struct xs_mask_list *list = malloc(sizeof(*list));
	uint64_t hits[XS_MAX_MASKS] = { 0 };
	struct xs_flow_key m;
	uint32_t id;
	bool created;

	(void)state;
	xs_mask_table_init(t);
	for (uint32_t i = 0; i < 4; i++) {
		m = mask_n(i);
		assert_int_equal(xs_mask_get(t, &m, 100, &id, &created), 0);
	}
	/* Deltas since the baseline 100: id0 1, id1 50, id2 1, id3 9. */
	hits[0] = 101, hits[1] = 150, hits[2] = 101, hits[3] = 109;
	assert_int_equal(xs_mask_rank(t, hits), 1);
	uint32_t want1[] = { 1, 3, 0, 2 };
	assert_memory_equal(t->order, want1, sizeof(want1));
	/* No hits since: ties keep the order, nothing changes. */
	assert_int_equal(xs_mask_rank(t, hits), 0);
	assert_memory_equal(t->order, want1, sizeof(want1));
	/* Recent hits count, not totals: id2 now leads. */
	hits[2] += 1000;
	hits[0] += 5;
	assert_int_equal(xs_mask_rank(t, hits), 1);
	uint32_t want2[] = { 2, 0, 1, 3 };
	assert_memory_equal(t->order, want2, sizeof(want2));

	/* mask_n(i) has bits in word 0 (in_port, low half) and word 4
	 * (nw_src, high half). */
	xs_mask_fill_list(t, list);
	assert_int_equal(list->count, 4);
	for (uint32_t i = 0; i < 4; i++) {
		struct xs_mask_words e;

		memset(&e, 0, sizeof(e));
		e.mask_id = want2[i];
		e.word[0] = 0;
		e.bits[0] = 0xffffffffull;
		e.word[1] = 4;
		e.bits[1] = (uint64_t)(want2[i] + 1) << 32;
		assert_memory_equal(&list->masks[i], &e, sizeof(e));
	}
	struct xs_mask_words zero;
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&list->masks[4], &zero, sizeof(zero));
	free(t);
	free(list);
}

/* The fixed hash key has an odd multiplier for every word of the key
 * (hash_key_choose refuses it otherwise, and a zero one leaves the word
 * out of the hash). */
static void test_fixed_hash_key_odd(void **state)
{
	(void)state;
	for (unsigned int w = 0; w < XS_FLOW_KEY_WORDS; w++)
		assert_int_equal(xs_hash_mult(xs_hash_key_fixed(), w) & 1, 1);
}

static void test_mask_key(void **state)
{
	struct xs_flow_key k, m, out;

	(void)state;
	memset(&k, 0xab, sizeof(k));
	memset(&m, 0, sizeof(m));
	m.nw_dst = 0x00ffffff;
	m.tp_dst = 0xffff;
	xs_dp_mask_key(&k, &m, &out);
	assert_int_equal(out.nw_dst, 0x00ababab);
	assert_int_equal(out.tp_dst, 0xabab);
	out.nw_dst = 0;
	out.tp_dst = 0;
	struct xs_flow_key zero;
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&out, &zero, sizeof(zero));
}

/* A mask as the fast path probes it, and a megaflow's hash entry: exact
 * words, positions and hash; bits outside the mask change nothing; both
 * decode back. */
static void test_megaflow_entries(void **state)
{
	struct xs_flow_key m, k, k2, back, masked;
	struct xs_mask_words mw, want;
	struct xs_megaflow_key mk, mk2;
	struct xs_megaflow_entry ent, ent2;
	struct xs_mf_words w, w2;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.in_port = 0xffffffff;  /* word 0, low half */
	m.nw_dst = 0x00ffffff;   /* word 5, low half */
	m.arp_tha[5] = 0xff;     /* word 15, byte 3 */
	xs_mask_words_make(&m, 3, &mw);
	memset(&want, 0, sizeof(want));
	want.mask_id = 3;
	want.word[0] = 0, want.bits[0] = 0xffffffffull;
	want.word[1] = 5, want.bits[1] = 0x00ffffffull;
	want.word[2] = 15, want.bits[2] = 0xff000000ull;
	assert_memory_equal(&mw, &want, sizeof(want));
	xs_mask_words_mask(&mw, &back);
	assert_memory_equal(&back, &m, sizeof(m));

	memset(&k, 0xab, sizeof(k));
	xs_megaflow_entry_make(xs_hash_key_fixed(), XS_HASH_V_CURRENT, &k, &mw, H(7, 2), &mk, &ent, &w);
	assert_int_equal(mk.mask_id, 3);
	assert_int_equal(mk.way, 0);
	/* Words below 2^32 fold to themselves. */
	assert_true(mk.hash == 0xababababull * xs_hash_mult(xs_hash_key_fixed(), 0) + 0xabababull * xs_hash_mult(xs_hash_key_fixed(), 1) +
				       0xab000000ull * xs_hash_mult(xs_hash_key_fixed(), 2));
	assert_int_equal(ent.h.slot, 7);
	assert_int_equal(ent.h.gen, 2);
	assert_int_equal(w.n, 3);
	assert_true(w.bits[0] == 0xababababull && w.bits[1] == 0xababab &&
		    w.bits[2] == 0xab000000ull);
	for (unsigned int i = 3; i < XS_FLOW_KEY_WORDS; i++)
		assert_true(w.bits[i] == 0);
	/* Outside the mask: other MACs, source address, the rest of nw_dst. */
	k2 = k;
	memset(k2.dl_src, 0x11, sizeof(k2.dl_src));
	k2.nw_src = 0x12345678;
	k2.nw_dst = 0xcdababab;
	xs_megaflow_entry_make(xs_hash_key_fixed(), XS_HASH_V_CURRENT, &k2, &mw, H(7, 2), &mk2, &ent2, &w2);
	assert_memory_equal(&mk2, &mk, sizeof(mk));
	assert_memory_equal(&ent2, &ent, sizeof(ent));
	assert_memory_equal(&w2, &w, sizeof(w));
	/* Inside it: another hash. */
	k2.in_port = 0xabababac;
	xs_megaflow_entry_make(xs_hash_key_fixed(), XS_HASH_V_CURRENT, &k2, &mw, H(7, 2), &mk2, &ent2, NULL);
	assert_true(mk2.hash != mk.hash);
	xs_megaflow_entry_key(&w, &mw, &back);
	xs_dp_mask_key(&k, &m, &masked);
	assert_memory_equal(&back, &masked, sizeof(masked));

	/* No bits: no words, hash 0, matches everything. */
	memset(&m, 0, sizeof(m));
	xs_mask_words_make(&m, 4, &mw);
	memset(&want, 0, sizeof(want));
	want.mask_id = 4;
	assert_memory_equal(&mw, &want, sizeof(want));
	xs_megaflow_entry_make(xs_hash_key_fixed(), XS_HASH_V_CURRENT, &k, &mw, H(1, 1), &mk, &ent, &w);
	assert_true(mk.mask_id == 4 && mk.hash == 0 && w.n == 0 && w.bits[0] == 0);
}

static void test_check_actions(void **state)
{
	struct xs_action a[XS_MAX_ACTIONS + 1];

	(void)state;
	memset(a, 0, sizeof(a));
	for (int i = 0; i <= XS_MAX_ACTIONS; i++)
		a[i].type = XS_ACT_OUTPUT;
	assert_int_equal(xs_dp_check_actions(a, XS_MAX_ACTIONS, XS_MF_F_XDP), 0);
	assert_int_equal(xs_dp_check_actions(NULL, 0, 0), 0);
	assert_int_equal(xs_dp_check_actions(a, XS_MAX_ACTIONS + 1, 0), -EINVAL);
	assert_int_equal(xs_dp_check_actions(NULL, 1, 0), -EINVAL);
	assert_int_equal(xs_dp_check_actions(a, 1, 0x8000), -EINVAL);
	a[3].type = XS_ACT__MAX;
	assert_int_equal(xs_dp_check_actions(a, 4, 0), -EINVAL);
	a[3].type = XS_ACT_NONE;
	assert_int_equal(xs_dp_check_actions(a, 4, 0), -EINVAL);
	assert_int_equal(xs_dp_check_actions(a, 3, 0), 0);
}

static void test_upcall_record_check(void **state)
{
	static struct xs_upcall u;
	const size_t hdr = offsetof(struct xs_upcall, pkt);

	(void)state;
	memset(&u, 0, sizeof(u));
	u.pkt_len = 100;
	u.cap_len = 100;
	assert_true(xs_dp_upcall_valid(&u, sizeof(u)));
	assert_true(xs_dp_upcall_valid(&u, hdr + 100));
	assert_false(xs_dp_upcall_valid(&u, hdr + 99));
	assert_false(xs_dp_upcall_valid(&u, hdr - 1));
	u.cap_len = 0;
	u.pkt_len = 0;
	assert_true(xs_dp_upcall_valid(&u, hdr));
	u.cap_len = 101;
	u.pkt_len = 100;
	assert_false(xs_dp_upcall_valid(&u, sizeof(u)));
	u.cap_len = XS_UPCALL_MAX_PKT + 1;
	u.pkt_len = 9000;
	assert_false(xs_dp_upcall_valid(&u, sizeof(u) + 8));
	u.cap_len = XS_UPCALL_MAX_PKT;
	assert_true(xs_dp_upcall_valid(&u, sizeof(u)));
}

/* Per-CPU maps shrink with the CPU count (dp.h): the formula's values, and
 * the memory they come to, from 2 to 256 CPUs. */
static void test_sizing_for_many_cpus(void **state)
{
	static const struct {
		int cpus;
		uint32_t emc_bits, max_flows;
	} want[] = {
		{ 1, 13, 65536 }, { 2, 13, 65536 }, { 8, 13, 65536 }, { 16, 12, 65536 },
		{ 32, 11, 32768 }, { 64, 10, 16384 }, { 128, 9, 8192 }, { 256, 8, 8192 },
	};
	uint32_t bits, flows;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t bytes;

		xs_dp_size_for_cpus(want[i].cpus, &bits, &flows);
		assert_int_equal(bits, want[i].emc_bits);
		assert_int_equal(flows, want[i].max_flows);
		bytes = xs_dp_percpu_bytes(want[i].cpus, 1u << bits, flows);
		print_message("# %3d CPUs: %5u microflow entries and %5u megaflows per CPU: "
			      "%.1f MiB of per-CPU maps\n", want[i].cpus, 1u << bits, flows,
			      bytes / 1048576.0);
		/* within the two budgets, plus the small maps */
		assert_true(bytes <= XS_DP_EMC_BUDGET + XS_DP_FLOW_STATS_BUDGET +
				     (uint64_t)want[i].cpus * (70u << 10) ||
			    flows == 8192);
	}
	/* 128 CPUs: about 43 MiB, where the fixed sizes take about 395 MiB */
	xs_dp_size_for_cpus(128, &bits, &flows);
	assert_true(xs_dp_percpu_bytes(128, 1u << bits, flows) < (60ull << 20));
	assert_true(xs_dp_percpu_bytes(128, XS_EMC_ENTRIES, XS_DEFAULT_MAX_FLOWS) > (370ull << 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizing_for_many_cpus),
		cmocka_unit_test(test_pool_fifo_and_generations),
		cmocka_unit_test(test_pool_ring_wraps_fifo),
		cmocka_unit_test(test_pool_generation_skips_zero),
		cmocka_unit_test(test_pool_claim),
		cmocka_unit_test(test_pool_init_rejects_tiny),
		cmocka_unit_test(test_masks_refcount_and_ids),
		cmocka_unit_test(test_masks_full_table_refuses),
		cmocka_unit_test(test_masks_rank_by_recent_hits),
		cmocka_unit_test(test_fixed_hash_key_odd),
		cmocka_unit_test(test_mask_key),
		cmocka_unit_test(test_megaflow_entries),
		cmocka_unit_test(test_check_actions),
		cmocka_unit_test(test_upcall_record_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
