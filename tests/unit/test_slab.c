// SPDX-License-Identifier: Apache-2.0
/* The mirror's entry slab (agent/datapath/dp_slab.c): zeroed entries,
 * reuse of given-back ones, growth by chunks, and a chunk the system
 * refuses. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/datapath/dp_slab.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Entries are zeroed, distinct and do not overlap, across chunks. */
static void test_fresh_entries(void **state)
{
	enum { SIZE = 100, PER_CHUNK = 4, N = 11 };
	struct xs_slab s;
	uint8_t *e[N];

	(void)state;
	xs_slab_init(&s, SIZE, PER_CHUNK);
	assert_int_equal(s.size % sizeof(void *), 0);
	assert_true(s.size >= SIZE);
	for (int i = 0; i < N; i++) {
		e[i] = xs_slab_get(&s);
		assert_non_null(e[i]);
		assert_true(all_zero(e[i], SIZE));
		memset(e[i], 0xa0 + i, SIZE);
	}
	assert_int_equal(s.n_chunks, (N + PER_CHUNK - 1) / PER_CHUNK);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < SIZE; j++)
			assert_int_equal(e[i][j], 0xa0 + i);
	xs_slab_fini(&s);
	assert_int_equal(s.n_chunks, 0);
}

/* A given-back entry is the next one handed out, zeroed again; no chunk
 * is added while some are free. */
static void test_reuse(void **state)
{
	struct xs_slab s;
	uint8_t *a, *b, *c;

	(void)state;
	xs_slab_init(&s, 64, 2);
	a = xs_slab_get(&s);
	b = xs_slab_get(&s);
	assert_int_equal(s.n_chunks, 1);
	memset(a, 0xff, 64);
	memset(b, 0xee, 64);
	xs_slab_put(&s, a);
	xs_slab_put(&s, NULL); /* nothing */
	c = xs_slab_get(&s);
	assert_ptr_equal(c, a);
	assert_true(all_zero(c, 64));
	assert_int_equal(s.n_chunks, 1);
	assert_int_equal(b[63], 0xee);
	xs_slab_fini(&s);
}

/* A chunk the address space cannot take (a petabyte): NULL, and the
 * slab is as it was. */
static void test_chunk_refused(void **state)
{
	struct xs_slab s;

	(void)state;
	xs_slab_init(&s, (size_t)1 << 40, 1024);
	assert_null(xs_slab_get(&s));
	assert_int_equal(s.n_chunks, 0);
	assert_null(xs_slab_get(&s));
	xs_slab_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_entries),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_chunk_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
