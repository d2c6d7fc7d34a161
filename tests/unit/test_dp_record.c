// SPDX-License-Identifier: Apache-2.0
/* Megaflow records (datapath.h, dp_record.c): how many slots a record
 * takes, where its words and actions sit, and that a record reads back
 * as written while a damaged one is refused. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/lib/xs_test.h"
#include "agent/datapath/dp_internal.h"

static void make(uint32_t nw, uint32_t na, struct xs_mf_words *w, struct xs_action *a,
		 struct xs_flow_handle *slots)
{
	memset(w, 0, sizeof(*w));
	w->n = nw;
	for (uint32_t i = 0; i < nw; i++)
		w->bits[i] = 0x1111111111111111ull * (i + 1);
	memset(a, 0, XS_MAX_ACTIONS * sizeof(*a));
	for (uint32_t i = 0; i < na; i++) {
		a[i].type = XS_ACT_SET_NW_TTL;
		a[i].flags = (uint16_t)i;
		a[i].arg = 0xa0000000u + i;
		memset(a[i].u.bytes, (int)(0x40 + i), sizeof(a[i].u.bytes));
	}
	for (uint32_t i = 0; i < XS_RECORD_MAX_SLOTS; i++)
		slots[i] = (struct xs_flow_handle){ 100 + 7 * i, 50 + i };
}

/* Slot counts: what fits one slot, where a record spills, the longest. */
static void test_record_slots(void **state)
{
	uint32_t most = 0;

	(void)state;
	assert_int_equal(xs_record_slots(0, 0), 1);
	assert_int_equal(xs_record_slots(3, 3), 1);  /* 12 cells */
	assert_int_equal(xs_record_slots(7, 2), 1);  /* IPv4 5-tuple, 2 actions: 13 */
	assert_int_equal(xs_record_slots(0, 4), 1);
	assert_int_equal(xs_record_slots(0, 5), 2);
	assert_int_equal(xs_record_slots(8, 2), 2);  /* the second action spills */
	assert_int_equal(xs_record_slots(13, 0), 1);
	assert_int_equal(xs_record_slots(14, 0), 2); /* words spill too */
	assert_int_equal(xs_record_slots(XS_FLOW_KEY_WORDS, XS_MAX_ACTIONS), XS_RECORD_MAX_SLOTS);
	for (uint32_t nw = 0; nw <= XS_FLOW_KEY_WORDS; nw++)
		for (uint32_t na = 0; na <= XS_MAX_ACTIONS; na++)
			if (xs_record_slots(nw, na) > most)
				most = xs_record_slots(nw, na);
	assert_int_equal(most, XS_RECORD_MAX_SLOTS);
}

/* Every size round-trips; actions never straddle slots; heads and
 * continuations are marked and chained as the fast path walks them. */
static void test_record_roundtrip(void **state)
{
	struct xs_megaflow rec[XS_RECORD_MAX_SLOTS];
	struct xs_flow_handle slots[XS_RECORD_MAX_SLOTS];
	struct xs_action a[XS_MAX_ACTIONS], back_a[XS_MAX_ACTIONS];
	struct xs_mf_words w, back_w;

	(void)state;
	for (uint32_t nw = 0; nw <= XS_FLOW_KEY_WORDS; nw++) {
		for (uint32_t na = 0; na <= XS_MAX_ACTIONS; na++) {
			uint32_t n = xs_record_slots(nw, na), p = nw;

			make(nw, na, &w, a, slots);
			xs_record_fill(slots, 77, &w, a, (uint16_t)na, XS_MF_F_XDP, rec);
			assert_int_equal(rec[0].gen, 77);
			assert_int_equal(rec[0].flags, XS_MF_F_XDP);
			assert_int_equal(rec[0].n_words, nw);
			assert_int_equal(rec[0].n_actions, na);
			for (uint32_t i = 0; i < n; i++) {
				assert_int_equal(rec[i].next, i + 1 < n ? slots[i + 1].slot : 0);
				if (i)
					assert_true(rec[i].flags == XS_MF_F_CONT &&
						    rec[i].gen == slots[i].gen);
			}
			for (uint32_t i = 0; i < nw; i++)
				assert_true(rec[i / XS_SLOT_CELLS].cell[i % XS_SLOT_CELLS] ==
					    w.bits[i]);
			/* as bpf/record.h finds them */
			for (uint32_t i = 0; i < na; i++) {
				p = xs_record_action_at(p);
				assert_true(p % XS_SLOT_CELLS + XS_ACTION_CELLS <= XS_SLOT_CELLS);
				assert_memory_equal(&rec[p / XS_SLOT_CELLS].cell[p % XS_SLOT_CELLS],
						    &a[i], sizeof(a[i]));
				p += XS_ACTION_CELLS;
			}
			assert_int_equal(xs_record_decode(rec, n, &back_w, back_a), 0);
			assert_int_equal(back_w.n, nw);
			assert_memory_equal(back_w.bits, w.bits, sizeof(w.bits));
			if (na)
				assert_memory_equal(back_a, a, na * sizeof(a[0]));
		}
	}
}

/* A damaged record is refused, not guessed at. */
static void test_record_decode_refuses(void **state)
{
	struct xs_megaflow rec[XS_RECORD_MAX_SLOTS], bad[XS_RECORD_MAX_SLOTS];
	struct xs_flow_handle slots[XS_RECORD_MAX_SLOTS];
	struct xs_action a[XS_MAX_ACTIONS];
	struct xs_mf_words w;
	uint32_t n = xs_record_slots(9, 6);

	(void)state;
	make(9, 6, &w, a, slots);
	xs_record_fill(slots, 5, &w, a, 6, 0, rec);
	assert_int_equal(n, 3);
	assert_int_equal(xs_record_decode(rec, n, &w, a), 0);
	assert_int_equal(xs_record_decode(rec, 0, &w, a), -EINVAL);
	assert_int_equal(xs_record_decode(rec, n - 1, &w, a), -EINVAL); /* chain goes on */
	memcpy(bad, rec, sizeof(rec));
	bad[0].flags |= XS_MF_F_CONT; /* a continuation as head */
	assert_int_equal(xs_record_decode(bad, n, &w, a), -EINVAL);
	memcpy(bad, rec, sizeof(rec));
	bad[1].flags = 0; /* a head inside the chain */
	assert_int_equal(xs_record_decode(bad, n, &w, a), -EINVAL);
	memcpy(bad, rec, sizeof(rec));
	bad[0].n_actions = XS_MAX_ACTIONS + 1;
	assert_int_equal(xs_record_decode(bad, n, &w, a), -EINVAL);
	memcpy(bad, rec, sizeof(rec));
	bad[0].n_words = XS_FLOW_KEY_WORDS + 1;
	assert_int_equal(xs_record_decode(bad, n, &w, a), -EINVAL);
	memcpy(bad, rec, sizeof(rec));
	bad[0].n_actions = 2; /* counts that need fewer slots than it has */
	assert_int_equal(xs_record_decode(bad, n, &w, a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_slots),
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_decode_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
