// SPDX-License-Identifier: Apache-2.0
/* xs_reval_install_batch: a batch of misses' megaflows installed as
 * xs_reval_install calls in order would have them, the flow limit
 * included (a put that finds its megaflow there takes no room), on the
 * dummy provider (no flow_put_batch: the one-by-one fallback). */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "agent/daemon/revalidator.h"
#include "agent/dpif/dpif.h"
#include "agent/pipeline/flow_table.h"

static void match(uint32_t i, struct xs_flow_key *key, struct xs_reval_xlate *x)
{
	memset(key, 0, sizeof(*key));
	key->in_port = 1;
	key->dl_type = htons(0x0800);
	key->nw_dst = htonl(0x0a000000 + i);
	memset(x, 0, sizeof(*x));
	x->mask.in_port = 0xffffffff;
	x->mask.dl_type = 0xffff;
	x->mask.nw_dst = 0xffffffff;
	x->actions[0] = (struct xs_action){ .type = XS_ACT_OUTPUT, .arg = 2 };
	x->n_actions = 1;
}

static void test_batch_as_calls_in_order(void **state)
{
	struct xs_dpif_config cfg = { .bridge = "t", .max_flows = 16 };
	const uint32_t frame[5] = { 1, 2, 1, 3, 4 }; /* the third: the first's */
	const int want[5] = { 0, 0, 0, 0, -ENOSPC };
	struct xs_flow_key keys[5];
	struct xs_reval_xlate x[5];
	const struct xs_reval_xlate *xp[5];
	struct xs_flow_handle h[5];
	struct xs_port_map map = { 0 };
	struct flow_tables ft;
	struct xs_dpif *dpif;
	struct xs_reval r;
	char why[128];
	int errs[5];

	(void)state;
	flow_tables_init(&ft);
	assert_int_equal(xs_dpif_dummy.open(&cfg, &dpif, why, sizeof(why)), 0);
	xs_reval_init(&r, dpif, &ft, &map);
	r.flow_limit = 3;
	for (int i = 0; i < 5; i++) {
		match(frame[i], &keys[i], &x[i]);
		xp[i] = &x[i];
	}
	xs_reval_install_batch(&r, keys, xp, h, errs, 5);
	for (int i = 0; i < 5; i++)
		if (errs[i] != want[i])
			fail_msg("install %d: got %d, want %d", i, errs[i], want[i]);
	assert_memory_equal(&h[2], &h[0], sizeof(h[0]));
	assert_int_equal(xs_dpif_flow_count(dpif), 3);
	assert_int_equal(r.limit_hits, 1);
	/* at the limit: nothing goes in the batch, each is refused */
	xs_reval_install_batch(&r, &keys[4], &xp[4], h, errs, 1);
	assert_int_equal(errs[0], -ENOSPC);
	assert_int_equal(r.limit_hits, 2);
	xs_reval_destroy(&r);
	dpif->cls->close(dpif, false);
	flow_tables_destroy(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_as_calls_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
