// SPDX-License-Identifier: Apache-2.0
/* The dynamic flow limit (xs_reval_adjust_limit): slow revalidation
 * passes shrink it, fast ones give it back, within its bounds. */
#include "tests/lib/xs_test.h"

#include <string.h>

#include "agent/daemon/revalidator.h"

static struct xs_reval reval(uint32_t limit, uint32_t max)
{
	struct xs_reval r;

	memset(&r, 0, sizeof(r));
	r.flow_limit = limit;
	r.flow_limit_max = max;
	return r;
}

static void test_slow_pass_shrinks_in_proportion(void **state)
{
	struct xs_reval r = reval(100000, 200000);

	(void)state;
	xs_reval_adjust_limit(&r, 4000); /* 4 s: a quarter of it */
	assert_int_equal(r.flow_limit, 25000);
	xs_reval_adjust_limit(&r, 1500); /* slowish: three quarters */
	assert_int_equal(r.flow_limit, 18750);
	xs_reval_adjust_limit(&r, 1100); /* between: unchanged */
	assert_int_equal(r.flow_limit, 18750);
}

static void test_fast_passes_give_it_back_up_to_max(void **state)
{
	struct xs_reval r = reval(198500, 200000);

	(void)state;
	xs_reval_adjust_limit(&r, 10);
	assert_int_equal(r.flow_limit, 199500);
	xs_reval_adjust_limit(&r, 10);
	assert_int_equal(r.flow_limit, 200000);
	xs_reval_adjust_limit(&r, 10);
	assert_int_equal(r.flow_limit, 200000);
}

static void test_floor_and_small_max(void **state)
{
	struct xs_reval r = reval(5000, 200000), small = reval(2, 2);

	(void)state;
	xs_reval_adjust_limit(&r, 60000); /* a minute: 5000/60 -> the floor */
	assert_int_equal(r.flow_limit, XS_REVAL_LIMIT_FLOOR);
	xs_reval_adjust_limit(&small, 10); /* a configured limit below the floor stays */
	assert_int_equal(small.flow_limit, 2);
	xs_reval_adjust_limit(&small, 60000);
	assert_int_equal(small.flow_limit, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_pass_shrinks_in_proportion),
		cmocka_unit_test(test_fast_passes_give_it_back_up_to_max),
		cmocka_unit_test(test_floor_and_small_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
