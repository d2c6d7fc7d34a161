// SPDX-License-Identifier: Apache-2.0
/* Tests of NORMAL's MAC learning table (agent/bridge/mac_table.c): learn,
 * move, refresh, eviction of the least recently seen, aging, flush,
 * against a simple model for a random sequence. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/bridge/mac_table.h"

static const uint8_t A[6] = { 0x50, 0x54, 0, 0, 0, 1 };
static const uint8_t B[6] = { 0x50, 0x54, 0, 0, 0, 2 };
static const uint8_t C[6] = { 0x50, 0x54, 0, 0, 0, 3 };

static void test_learn_move_refresh(void **state)
{
	struct xs_mac_table t;
	uint64_t changes;

	(void)state;
	assert_int_equal(xs_mac_table_init(&t, 8, 300), 0);
	assert_null(xs_mac_lookup(&t, 0, A));
	assert_int_equal(xs_mac_learn(&t, 0, A, 1, 1000), XS_MAC_NEW);
	assert_int_equal(xs_mac_lookup(&t, 0, A)->ofport, 1);
	assert_null(xs_mac_lookup(&t, 10, A)); /* per VLAN */
	assert_int_equal(xs_mac_learn(&t, 10, A, 2, 1000), XS_MAC_NEW);
	assert_int_equal(xs_mac_lookup(&t, 10, A)->ofport, 2);
	changes = t.changes;
	assert_int_equal(xs_mac_learn(&t, 0, A, 1, 2000), XS_MAC_REFRESHED);
	assert_int_equal(t.changes, changes); /* a refresh changes no decision */
	assert_int_equal(xs_mac_lookup(&t, 0, A)->used_ms, 2000);
	assert_int_equal(xs_mac_learn(&t, 0, A, 3, 2500), XS_MAC_MOVED);
	assert_int_equal(t.changes, changes + 1);
	assert_int_equal(xs_mac_lookup(&t, 0, A)->ofport, 3);
	/* touch: only a known address on the same port */
	assert_false(xs_mac_touch(&t, 0, A, 1, 3000));
	assert_false(xs_mac_touch(&t, 0, B, 3, 3000));
	assert_true(xs_mac_touch(&t, 0, A, 3, 3000));
	assert_int_equal(xs_mac_lookup(&t, 0, A)->used_ms, 3000);
	assert_int_equal(t.n, 2);
	xs_mac_table_destroy(&t);
}

static void test_evict_age_flush(void **state)
{
	const struct xs_mac_entry **v;
	struct xs_mac_table t;

	(void)state;
	assert_int_equal(xs_mac_table_init(&t, 2, 10), 0);
	xs_mac_learn(&t, 0, A, 1, 1000);
	xs_mac_learn(&t, 0, B, 2, 2000);
	xs_mac_learn(&t, 0, A, 1, 3000); /* A is now the newer */
	assert_int_equal(xs_mac_learn(&t, 0, C, 3, 4000), XS_MAC_NEW);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.evicted, 1);
	assert_null(xs_mac_lookup(&t, 0, B)); /* the least recently seen went */
	assert_non_null(xs_mac_lookup(&t, 0, A));
	/* aging: A seen at 3000, C at 4000, 10 s */
	assert_int_equal(xs_mac_age(&t, 12999), 0);
	assert_int_equal(xs_mac_age(&t, 13000), 1);
	assert_null(xs_mac_lookup(&t, 0, A));
	assert_true(xs_mac_touch(&t, 0, C, 3, 9000)); /* fast-path traffic */
	assert_int_equal(xs_mac_age(&t, 18999), 0);
	assert_int_equal(xs_mac_age(&t, 19000), 1);
	assert_int_equal(t.n, 0);
	xs_mac_learn(&t, 5, A, 1, 1);
	xs_mac_learn(&t, 5, B, 2, 1);
	assert_int_equal(xs_mac_flush(&t, 2), 1);
	assert_int_equal(xs_mac_collect(&t, &v), 1);
	assert_int_equal(v[0]->vlan, 5);
	assert_memory_equal(v[0]->mac, A, 6);
	free(v);
	assert_int_equal(xs_mac_flush(&t, 0), 1);
	assert_int_equal(t.n, 0);
	xs_mac_table_destroy(&t);
	assert_int_equal(xs_mac_table_init(&t, 0, 10), -EINVAL);
	assert_int_equal(xs_mac_table_init(&t, 8, 0), -EINVAL);
}

/* A random sequence against a linear model with the same rules. */
struct model {
	uint8_t mac[6];
	uint16_t vlan;
	uint32_t port;
	uint64_t used;
	int live;
};

static void test_against_model(void **state)
{
	enum { MAX = 16, KEYS = 40, STEPS = 20000 };
	static struct model m[KEYS];
	struct xs_mac_table t;
	uint64_t now = 1;

	(void)state;
	srand(7);
	memset(m, 0, sizeof(m));
	for (int k = 0; k < KEYS; k++) {
		m[k].mac[0] = 2;
		m[k].mac[5] = (uint8_t)k;
		m[k].vlan = (uint16_t)(k % 3);
	}
	assert_int_equal(xs_mac_table_init(&t, MAX, 5), 0);
	for (int s = 0; s < STEPS; s++) {
		int k = rand() % KEYS, op = rand() % 10, live = 0;
		uint32_t port = 1 + (uint32_t)(rand() % 4);

		now += 1 + (uint64_t)(rand() % 50); /* no ties: eviction order is exact */
		if (op < 7) {
			int r = xs_mac_learn(&t, m[k].vlan, m[k].mac, port, now);

			if (m[k].live) {
				assert_int_equal(r, m[k].port == port ? XS_MAC_REFRESHED : XS_MAC_MOVED);
			} else {
				int n = 0, old = -1;

				assert_int_equal(r, XS_MAC_NEW);
				for (int i = 0; i < KEYS; i++)
					if (m[i].live) {
						n++;
						if (old < 0 || m[i].used < m[old].used)
							old = i;
					}
				if (n == MAX)
					m[old].live = 0;
			}
			m[k].live = 1;
			m[k].port = port;
			m[k].used = now;
		} else if (op < 9) {
			bool ok = xs_mac_touch(&t, m[k].vlan, m[k].mac, port, now);

			assert_int_equal(ok, m[k].live && m[k].port == port);
			if (ok)
				m[k].used = now;
		} else {
			size_t n = 0;

			for (int i = 0; i < KEYS; i++)
				if (m[i].live && now - m[i].used >= 5000) {
					m[i].live = 0;
					n++;
				}
			assert_int_equal(xs_mac_age(&t, now), n);
		}
		for (int i = 0; i < KEYS; i++) {
			const struct xs_mac_entry *e = xs_mac_lookup(&t, m[i].vlan, m[i].mac);

			live += m[i].live;
			assert_int_equal(e != NULL, m[i].live);
			if (e)
				assert_int_equal(e->ofport, m[i].port);
		}
		assert_int_equal(t.n, live);
	}
	xs_mac_table_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_move_refresh),
		cmocka_unit_test(test_evict_age_flush),
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
