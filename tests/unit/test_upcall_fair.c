// SPDX-License-Identifier: Apache-2.0
/* The agent's per-port miss queues (agent/daemon/upcall_fair.c): round
 * robin over ports, longest queue drop when the pool is full, records
 * handed over intact and in order within a port. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/xs_test.h"
#include "agent/daemon/upcall_fair.h"

struct seen {
	uint32_t port[4 * XS_FAIR_POOL];
	uint32_t cookie[4 * XS_FAIR_POOL];
	unsigned n;
};

static int record(void *ctx, const struct xs_upcall *u)
{
	struct seen *s = ctx;

	s->port[s->n] = u->ifindex;
	s->cookie[s->n] = u->cookie;
	s->n++;
	return 0;
}

static void push(struct xs_fair *f, uint32_t port, uint32_t seq)
{
	static struct xs_upcall u;

	memset(&u, 0, sizeof(u));
	u.ifindex = port;
	u.cookie = seq;
	u.cap_len = u.pkt_len = 60;
	memset(u.pkt, (int)seq, u.cap_len);
	assert_int_equal(xs_fair_push(f, &u), 0);
}

/* 300 records of port 1 read before 3 of port 2 and 3 of port 3: the
 * turn takes them round robin, so ports 2 and 3 are done within the
 * first 9 records instead of after 300; each port's own order is kept. */
static void test_round_robin(void **state)
{
	static struct seen s;
	struct xs_fair f;
	uint32_t last[4] = { 0 };
	unsigned n;

	(void)state;
	assert_int_equal(xs_fair_init(&f), 0);
	for (uint32_t i = 1; i <= 300; i++)
		push(&f, 1, i);
	for (uint32_t i = 1; i <= 3; i++) {
		push(&f, 2, i);
		push(&f, 3, i);
	}
	assert_int_equal(xs_fair_pending(&f), 306);
	memset(&s, 0, sizeof(s));
	n = xs_fair_serve(&f, 9, 0, record, &s);
	assert_int_equal(n, 9);
	for (unsigned p = 1; p <= 3; p++) {
		unsigned c = 0;

		for (unsigned i = 0; i < s.n; i++)
			c += s.port[i] == p;
		assert_int_equal(c, 3);
	}
	/* the rest (port 1 only) in later turns, still in order */
	n = xs_fair_serve(&f, 1000, 0, record, &s);
	assert_int_equal(n, 297);
	assert_int_equal(xs_fair_pending(&f), 0);
	for (unsigned i = 0; i < s.n; i++) {
		assert_int_equal(s.cookie[i], last[s.port[i]] + 1);
		last[s.port[i]] = s.cookie[i];
	}
	assert_int_equal(last[1], 300);
	assert_int_equal(f.dropped, 0);
	assert_int_equal(f.served, 306);
	xs_fair_fini(&f);
}

/* A flood fills the pool; a quiet port's records still get in (the
 * flooder's oldest make room) and are served in the next turn; the
 * flooder's own further records are refused, not the quiet port's. */
static void test_longest_queue_drop(void **state)
{
	static struct seen s;
	struct xs_fair f;
	unsigned quiet = 0;

	(void)state;
	assert_int_equal(xs_fair_init(&f), 0);
	for (uint32_t i = 1; i <= XS_FAIR_POOL + 100; i++)
		push(&f, 7, i);
	assert_int_equal(xs_fair_pending(&f), XS_FAIR_POOL);
	assert_int_equal(f.dropped, 100); /* its own: it is the longest */
	for (uint32_t i = 1; i <= 10; i++)
		push(&f, 8, i);
	assert_int_equal(xs_fair_pending(&f), XS_FAIR_POOL);
	assert_int_equal(f.dropped, 110);
	memset(&s, 0, sizeof(s));
	assert_int_equal(xs_fair_serve(&f, 20, 0, record, &s), 20);
	for (unsigned i = 0; i < s.n; i++)
		quiet += s.port[i] == 8;
	assert_int_equal(quiet, 10);
	/* the flooder lost its oldest: its first served is record 11 */
	for (unsigned i = 0; i < s.n; i++)
		if (s.port[i] == 7) {
			assert_int_equal(s.cookie[i], 11);
			break;
		}
	xs_fair_fini(&f);
}

/* Records carry their bytes; more ports than queues share the last one;
 * emptied queues are forgotten. */
static void test_bytes_and_many_ports(void **state)
{
	static struct seen s;
	struct xs_fair f;
	unsigned total = 0;

	(void)state;
	assert_int_equal(xs_fair_init(&f), 0);
	for (uint32_t p = 1; p <= XS_FAIR_QUEUES + 10; p++)
		push(&f, p, p);
	assert_int_equal(f.n_queues, XS_FAIR_QUEUES);
	assert_int_equal(f.q[XS_FAIR_QUEUES - 1].len, 11);
	memset(&s, 0, sizeof(s));
	while (xs_fair_pending(&f))
		total += xs_fair_serve(&f, 64, 0, record, &s);
	assert_int_equal(total, XS_FAIR_QUEUES + 10);
	assert_int_equal(f.n_queues, 0);
	/* bytes copied intact */
	push(&f, 5, 0xab);
	assert_int_equal(f.rec[f.q[0].head].pkt[59], 0xab);
	assert_int_equal(f.rec[f.q[0].head].cap_len, 60);
	xs_fair_fini(&f);
}

/* A turn past its deadline hands over nothing more; the records wait. */
static void test_deadline(void **state)
{
	static struct seen s;
	struct xs_fair f;

	(void)state;
	assert_int_equal(xs_fair_init(&f), 0);
	for (uint32_t i = 1; i <= 10; i++)
		push(&f, 1, i);
	memset(&s, 0, sizeof(s));
	assert_int_equal(xs_fair_serve(&f, 256, 1 /* long past */, record, &s), 0);
	assert_int_equal(xs_fair_pending(&f), 10);
	assert_int_equal(xs_fair_serve(&f, 256, UINT64_MAX, record, &s), 10);
	assert_int_equal(s.cookie[0], 1);
	xs_fair_fini(&f);
}

/* Connection tracking events of two ports share one queue: their order
 * (a TCP connection's state changes) is kept across ports. */
static void test_ct_events_in_order(void **state)
{
	static struct seen s;
	static struct xs_upcall u;
	struct xs_fair f;

	(void)state;
	assert_int_equal(xs_fair_init(&f), 0);
	for (uint32_t i = 1; i <= 6; i++) {
		memset(&u, 0, sizeof(u));
		u.reason = XS_UPCALL_CT_EVENT;
		u.ifindex = i % 2 ? 1 : 2;
		u.cookie = i;
		assert_int_equal(xs_fair_push(&f, &u), 0);
	}
	push(&f, 1, 100); /* a miss of port 1: its own queue */
	assert_int_equal(f.n_queues, 2);
	memset(&s, 0, sizeof(s));
	assert_int_equal(xs_fair_serve(&f, 256, 0, record, &s), 7);
	for (unsigned i = 0, want = 1; i < s.n; i++) {
		if (s.cookie[i] == 100)
			continue;
		assert_int_equal(s.cookie[i], want++);
	}
	xs_fair_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_longest_queue_drop),
		cmocka_unit_test(test_bytes_and_many_ports),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_ct_events_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
