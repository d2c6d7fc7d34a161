// SPDX-License-Identifier: Apache-2.0
/* Classifier and flow-table semantics: priorities, ties, replacement,
 * staged lookup and prefix masks, strict/non-strict modify and delete,
 * and a random comparison against a linear-scan oracle. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pipeline/classifier.h"
#include "agent/ofp/flow.h"
#include "agent/pipeline/flow_table.h"

struct trule {
	struct cls_rule cls;
	int id;
};

static void set_ipv4(struct ofp_match *m)
{
	m->value.dp.dl_type = htons(0x0800);
	m->mask.dp.dl_type = 0xffff;
}

static void set_nw_dst(struct ofp_match *m, uint32_t addr, int plen)
{
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

	m->value.dp.nw_dst = htonl(addr & mask);
	m->mask.dp.nw_dst = htonl(mask);
}

static struct trule *trule(int id, uint16_t priority)
{
	struct trule *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->id = id;
	r->cls.priority = priority;
	return r;
}

static void insert(struct classifier *cls, struct trule *r)
{
	struct cls_rule *old;

	assert_int_equal(cls_insert(cls, &r->cls, &old), 0);
	assert_null(old);
}

static int lookup_id(const struct classifier *cls, const struct ofp_key *k, struct ofp_key *wc)
{
	const struct cls_rule *r = cls_lookup(cls, k, wc);

	return r ? ((const struct trule *)(const void *)r)->id : -1;
}

static void free_all(struct classifier *cls, struct trule **rules, int n)
{
	for (int i = 0; i < n; i++)
		if (rules[i]) {
			if (rules[i]->cls.subtable)
				cls_remove(cls, &rules[i]->cls);
			free(rules[i]);
		}
	assert_int_equal(cls_count(cls), 0);
	cls_destroy(cls);
}

static void test_priority_and_replace(void **state)
{
	struct classifier cls;
	struct trule *r[3];
	struct ofp_key k = { 0 };
	struct cls_rule *old;
	(void)state;

	cls_init(&cls);
	r[0] = trule(0, 10); /* ip */
	set_ipv4(&r[0]->cls.match);
	r[1] = trule(1, 20); /* ip, nw_dst=10.0.0.0/8 */
	set_ipv4(&r[1]->cls.match);
	set_nw_dst(&r[1]->cls.match, 0x0a000000, 8);
	insert(&cls, r[0]);
	insert(&cls, r[1]);
	k.dp.dl_type = htons(0x0800);
	k.dp.nw_dst = htonl(0x0a010203);
	assert_int_equal(lookup_id(&cls, &k, NULL), 1);
	k.dp.nw_dst = htonl(0x0b010203);
	assert_int_equal(lookup_id(&cls, &k, NULL), 0);
	k.dp.dl_type = htons(0x0806);
	assert_int_equal(lookup_id(&cls, &k, NULL), -1);

	/* Same match and priority: replaces and hands back the old rule. */
	r[2] = trule(2, 20);
	r[2]->cls.match = r[1]->cls.match;
	assert_int_equal(cls_insert(&cls, &r[2]->cls, &old), 0);
	assert_ptr_equal(old, &r[1]->cls);
	assert_null(r[1]->cls.subtable);
	assert_int_equal(cls_count(&cls), 2);
	k.dp.dl_type = htons(0x0800);
	k.dp.nw_dst = htonl(0x0a010203);
	assert_int_equal(lookup_id(&cls, &k, NULL), 2);
	assert_ptr_equal(cls_find_exact(&cls, &r[2]->cls.match, 20), &r[2]->cls);
	assert_null(cls_find_exact(&cls, &r[2]->cls.match, 21));

	/* Removing the winner uncovers the lower rule. */
	cls_remove(&cls, &r[2]->cls);
	assert_int_equal(lookup_id(&cls, &k, NULL), 0);
	free(r[1]);
	r[1] = NULL;
	free_all(&cls, r, 3);
}

static void test_same_match_priority_list(void **state)
{
	struct classifier cls;
	struct trule *r[3];
	struct ofp_key k = { 0 };
	(void)state;

	/* Identical matches at three priorities share a hash node. */
	cls_init(&cls);
	static const uint16_t prio[3] = { 10, 30, 20 };

	for (int i = 0; i < 3; i++) {
		r[i] = trule(i, prio[i]);
		set_ipv4(&r[i]->cls.match);
		insert(&cls, r[i]);
	}
	k.dp.dl_type = htons(0x0800);
	assert_int_equal(lookup_id(&cls, &k, NULL), 1); /* priority 30 */
	cls_remove(&cls, &r[1]->cls);
	assert_int_equal(lookup_id(&cls, &k, NULL), 2); /* 30 gone: 20 */
	cls_remove(&cls, &r[0]->cls);                   /* not the head */
	assert_int_equal(lookup_id(&cls, &k, NULL), 2);
	free(r[0]);
	free(r[1]);
	r[0] = r[1] = NULL;
	free_all(&cls, r, 3);
}

static void test_equal_priority_tie(void **state)
{
	(void)state;
	/* Whatever the order of insertion, the more specific rule wins. */
	for (int order = 0; order < 2; order++) {
		struct classifier cls;
		struct trule *r[2];
		struct ofp_key k = { 0 };

		cls_init(&cls);
		r[0] = trule(0, 5);
		set_ipv4(&r[0]->cls.match);
		set_nw_dst(&r[0]->cls.match, 0x0a000000, 8);
		r[1] = trule(1, 5);
		set_ipv4(&r[1]->cls.match);
		set_nw_dst(&r[1]->cls.match, 0x0a010000, 16);
		insert(&cls, r[order]);
		insert(&cls, r[!order]);
		k.dp.dl_type = htons(0x0800);
		k.dp.nw_dst = htonl(0x0a010101);
		assert_int_equal(lookup_id(&cls, &k, NULL), 1);
		k.dp.nw_dst = htonl(0x0a020101);
		assert_int_equal(lookup_id(&cls, &k, NULL), 0);
		free_all(&cls, r, 2);
	}
}

static void test_staged_lookup_mask(void **state)
{
	struct classifier cls;
	struct trule *r[1];
	struct ofp_key k = { 0 }, wc, want;
	(void)state;

	/* dl_dst=02:..:01,tcp,tp_dst=80 (priority 10). */
	cls_init(&cls);
	r[0] = trule(0, 10);
	set_ipv4(&r[0]->cls.match);
	r[0]->cls.match.value.dp.dl_dst[5] = 1;
	memset(r[0]->cls.match.mask.dp.dl_dst, 0xff, 6);
	r[0]->cls.match.value.dp.nw_proto = 6;
	r[0]->cls.match.mask.dp.nw_proto = 0xff;
	r[0]->cls.match.value.dp.tp_dst = htons(80);
	r[0]->cls.match.mask.dp.tp_dst = 0xffff;
	insert(&cls, r[0]);

	/* A UDP packet passes L2 but fails in the L3 stage. No rule has
	 * nw_proto 17 at all, so that stage alone proves the miss: neither
	 * the L2 fields nor the ports are needed. */
	k.dp.dl_dst[5] = 1;
	k.dp.dl_type = htons(0x0800);
	k.dp.nw_proto = 17;
	k.dp.tp_dst = htons(80);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), -1);
	memset(&want, 0, sizeof(want));
	want.dp.nw_proto = 0xff;
	assert_memory_equal(&wc, &want, sizeof(wc));

	/* An ARP packet fails at L2 (dl_dst, dl_type): only that stage. */
	k.dp.dl_type = htons(0x0806);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), -1);
	memset(&want, 0, sizeof(want));
	memset(want.dp.dl_dst, 0xff, 6);
	want.dp.dl_type = 0xffff;
	assert_memory_equal(&wc, &want, sizeof(wc));

	/* A hit depends on the whole mask. */
	k.dp.dl_type = htons(0x0800);
	k.dp.nw_proto = 6;
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), 0);
	assert_memory_equal(&wc, &r[0]->cls.match.mask, sizeof(wc));
	free_all(&cls, r, 1);
}

static void test_prefix_tracking_mask(void **state)
{
	struct classifier cls;
	struct trule *r[2];
	struct ofp_key k = { 0 }, wc, want;
	(void)state;

	/* ip,nw_dst=10.1.2.0/24 (priority 20) and ip,nw_dst=10.0.0.0/8 (10).
	 * 10.2.0.1 leaves the /24 trie path after 15 bits (10.0 and 10.2
	 * differ from 10.1 at bit 14), so the /24 subtable costs /15 only. */
	cls_init(&cls);
	r[0] = trule(0, 10);
	set_ipv4(&r[0]->cls.match);
	set_nw_dst(&r[0]->cls.match, 0x0a000000, 8);
	r[1] = trule(1, 20);
	set_ipv4(&r[1]->cls.match);
	set_nw_dst(&r[1]->cls.match, 0x0a010200, 24);
	insert(&cls, r[0]);
	insert(&cls, r[1]);

	k.dp.dl_type = htons(0x0800);
	k.dp.nw_dst = htonl(0x0a020001);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), 0);
	memset(&want, 0, sizeof(want));
	want.dp.dl_type = 0xffff;
	want.dp.nw_dst = htonl(0xfffe0000);
	assert_memory_equal(&wc, &want, sizeof(wc));

	/* 11.0.0.1: 10 = 00001010 and 11 = 00001011 differ at bit 7, where
	 * the trie walk ends; no prefix covers the address, so both subtables
	 * are skipped on the first 8 bits alone, without reading dl_type. */
	k.dp.nw_dst = htonl(0x0b000001);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), -1);
	memset(&want, 0, sizeof(want));
	want.dp.nw_dst = htonl(0xff000000);
	assert_memory_equal(&wc, &want, sizeof(wc));

	/* 10.1.2.3 hits the /24: the mask is the /24 rule's. */
	want.dp.dl_type = 0xffff;
	k.dp.nw_dst = htonl(0x0a010203);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), 1);
	want.dp.nw_dst = htonl(0xffffff00);
	assert_memory_equal(&wc, &want, sizeof(wc));
	free_all(&cls, r, 2);
}

static void test_prefix_mask_after_removal(void **state)
{
	struct classifier cls;
	struct trule *r[3];
	struct ofp_key k = { 0 }, wc, want;
	(void)state;

	/* The /16 between the /8 and the /24 splits and then rejoins the
	 * compressed trie path; afterwards the masks are as if it never was. */
	cls_init(&cls);
	r[0] = trule(0, 10);
	set_ipv4(&r[0]->cls.match);
	set_nw_dst(&r[0]->cls.match, 0x0a000000, 8);
	r[1] = trule(1, 20);
	set_ipv4(&r[1]->cls.match);
	set_nw_dst(&r[1]->cls.match, 0x0a010200, 24);
	r[2] = trule(2, 15);
	set_ipv4(&r[2]->cls.match);
	set_nw_dst(&r[2]->cls.match, 0x0a030000, 16);
	insert(&cls, r[0]);
	insert(&cls, r[1]);
	insert(&cls, r[2]);

	/* 10.2.0.1 with all three: 10.3 leaves the path at bit 15 too. */
	k.dp.dl_type = htons(0x0800);
	k.dp.nw_dst = htonl(0x0a020001);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), 0);
	memset(&want, 0, sizeof(want));
	want.dp.dl_type = 0xffff;
	want.dp.nw_dst = htonl(0xffff0000);
	assert_memory_equal(&wc, &want, sizeof(wc));

	cls_remove(&cls, &r[2]->cls);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), 0);
	want.dp.nw_dst = htonl(0xfffe0000);
	assert_memory_equal(&wc, &want, sizeof(wc));

	/* Removing the /24 too leaves only the /8: nothing else to rule out. */
	cls_remove(&cls, &r[1]->cls);
	memset(&wc, 0, sizeof(wc));
	assert_int_equal(lookup_id(&cls, &k, &wc), 0);
	want.dp.nw_dst = htonl(0xff000000);
	assert_memory_equal(&wc, &want, sizeof(wc));
	free(r[1]);
	free(r[2]);
	r[1] = r[2] = NULL;
	free_all(&cls, r, 3);
}

/* --- random comparison against a linear scan -------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Random rule over a few fields with small value ranges, so rules overlap
 * and packets hit often. */
static void random_match(struct ofp_match *m)
{
	memset(m, 0, sizeof(*m));
	if (rnd() % 2) {
		m->value.dp.in_port = 1 + rnd() % 3;
		m->mask.dp.in_port = 0xffffffff;
	}
	if (rnd() % 3) {
		set_ipv4(m);
		if (rnd() % 2)
			set_nw_dst(m, 0x0a000000 | (rnd() % 4) << 16 | (rnd() % 4) << 8,
				   (int)(8 + 8 * (rnd() % 3)));
		if (rnd() % 3 == 0) {
			uint32_t plen = 16 + rnd() % 17, mask = ~0u << (32 - plen);
			m->value.dp.nw_src = htonl((0xc0a80000 | (rnd() % 4)) & mask);
			m->mask.dp.nw_src = htonl(mask);
		}
		if (rnd() % 3 == 0) {
			m->value.dp.nw_proto = rnd() % 2 ? 6 : 17;
			m->mask.dp.nw_proto = 0xff;
			if (rnd() % 2) {
				m->value.dp.tp_dst = htons((uint16_t)(80 + rnd() % 3));
				m->mask.dp.tp_dst = 0xffff;
			}
		}
	} else if (rnd() % 2) {
		m->value.dp.dl_type = htons(0x0806);
		m->mask.dp.dl_type = 0xffff;
	}
	if (rnd() % 4 == 0) {
		m->value.regs[0] = htonl(rnd() % 2);
		m->mask.regs[0] = 0xffffffff;
	}
}

static void random_key(struct ofp_key *k)
{
	memset(k, 0, sizeof(*k));
	k->dp.in_port = 1 + rnd() % 3;
	k->dp.dl_type = htons(rnd() % 4 ? 0x0800 : 0x0806);
	k->dp.nw_dst = htonl(0x0a000000 | (rnd() % 4) << 16 | (rnd() % 4) << 8 | (rnd() % 4));
	k->dp.nw_src = htonl(0xc0a80000 | (rnd() % 5));
	k->dp.nw_proto = rnd() % 2 ? 6 : 17;
	k->dp.tp_dst = htons((uint16_t)(80 + rnd() % 3));
	k->regs[0] = htonl(rnd() % 2);
}

static bool oracle_matches(const struct cls_rule *r, const struct ofp_key *k)
{
	const uint8_t *kb = (const uint8_t *)k, *v = (const uint8_t *)&r->match.value;
	const uint8_t *m = (const uint8_t *)&r->match.mask;

	for (size_t i = 0; i < sizeof(*k); i++)
		if ((kb[i] & m[i]) != v[i])
			return false;
	return true;
}

static unsigned popcount(const struct ofp_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(*k); i++)
		n += (unsigned)__builtin_popcount(b[i]);
	return n;
}

/* The documented order: priority, then mask size, then mask bytes. */
static bool oracle_better(const struct cls_rule *a, const struct cls_rule *b)
{
	unsigned pa = popcount(&a->match.mask), pb = popcount(&b->match.mask);

	if (a->priority != b->priority)
		return a->priority > b->priority;
	if (pa != pb)
		return pa > pb;
	return memcmp(&a->match.mask, &b->match.mask, sizeof(a->match.mask)) > 0;
}

#define N_RANDOM_RULES 200

static void check_against_oracle(struct classifier *cls, struct trule **rules, int n)
{
	for (int p = 0; p < 500; p++) {
		struct ofp_key k, wc, k2;
		const struct cls_rule *want = NULL, *got;

		random_key(&k);
		for (int i = 0; i < n; i++)
			if (rules[i] && rules[i]->cls.subtable && oracle_matches(&rules[i]->cls, &k) &&
			    (!want || oracle_better(&rules[i]->cls, want)))
				want = &rules[i]->cls;
		memset(&wc, 0, sizeof(wc));
		got = cls_lookup(cls, &k, &wc);
		if (got != want)
			print_message("want %d (prio %d) got %d (prio %d)\n",
				      want ? ((const struct trule *)(const void *)want)->id : -1,
				      want ? want->priority : -1,
				      got ? ((const struct trule *)(const void *)got)->id : -1,
				      got ? got->priority : -1);
		assert_ptr_equal(got, want);
		/* Any key agreeing on the wildcard bits gets the same rule. */
		for (int j = 0; j < 20; j++) {
			uint8_t *b2 = (uint8_t *)&k2;
			const uint8_t *b = (const uint8_t *)&k, *m = (const uint8_t *)&wc;
			random_key(&k2);
			for (size_t i = 0; i < sizeof(k2); i++)
				b2[i] = (uint8_t)((b[i] & m[i]) | (b2[i] & ~m[i]));
			assert_ptr_equal(cls_lookup(cls, &k2, NULL), got);
		}
	}
}

static void test_random_vs_oracle(void **state)
{
	struct trule *rules[N_RANDOM_RULES];
	struct classifier cls;
	(void)state;

	for (int round = 0; round < 10; round++) {
		cls_init(&cls);
		for (int i = 0; i < N_RANDOM_RULES; i++) {
			struct cls_rule *old;
			rules[i] = trule(i, (uint16_t)(rnd() % 8));
			random_match(&rules[i]->cls.match);
			assert_int_equal(cls_insert(&cls, &rules[i]->cls, &old), 0);
			if (old)
				((struct trule *)(void *)old)->cls.subtable = NULL;
		}
		check_against_oracle(&cls, rules, N_RANDOM_RULES);
		/* Remove a random half, check again. */
		for (int i = 0; i < N_RANDOM_RULES; i++)
			if (rules[i]->cls.subtable && rnd() % 2)
				cls_remove(&cls, &rules[i]->cls);
		check_against_oracle(&cls, rules, N_RANDOM_RULES);
		for (int i = 0; i < N_RANDOM_RULES; i++)
			if (rules[i]->cls.subtable)
				cls_remove(&cls, &rules[i]->cls);
		for (int i = 0; i < N_RANDOM_RULES; i++)
			free(rules[i]);
		assert_int_equal(cls_count(&cls), 0);
		assert_int_equal(cls.n_subtables, 0);
		cls_destroy(&cls);
	}
}

/* --- flow tables -------------------------------------------------------------- */

static struct ofpact out_act(uint32_t port)
{
	struct ofpact a;

	memset(&a, 0, sizeof(a));
	a.type = OFPACT_OUTPUT;
	a.output.port = port;
	return a;
}

static void flow(struct ofp_flow *f, uint8_t table, uint16_t priority, uint64_t cookie,
		 uint32_t nw_dst, int plen, struct ofpact *act)
{
	memset(f, 0, sizeof(*f));
	f->table_id = table;
	f->priority = priority;
	f->cookie = cookie;
	if (plen >= 0) {
		set_ipv4(&f->match);
		set_nw_dst(&f->match, nw_dst, plen);
	}
	f->actions = act;
	f->n_actions = act ? 1 : 0;
}

static const struct ft_rule *find(const struct flow_tables *ft, uint8_t table, uint32_t nw_dst)
{
	struct ofp_key k = { 0 };

	k.dp.dl_type = htons(0x0800);
	k.dp.nw_dst = htonl(nw_dst);
	return ft_lookup(ft, table, &k, NULL);
}

static void test_flow_table_add_replace_counters(void **state)
{
	struct flow_tables ft;
	struct ofp_flow f;
	struct ofpact a1 = out_act(1), a2 = out_act(2);
	struct ft_rule *r;
	(void)state;

	flow_tables_init(&ft);
	flow(&f, 0, 100, 0, 0x0a000000, 8, &a1);
	assert_int_equal(ft_add(&ft, &f, 1000), 0);
	r = (struct ft_rule *)find(&ft, 0, 0x0a000001);
	assert_non_null(r);
	ft_rule_credit(r, 3, 300, 1500);
	/* Re-adding the same match and priority replaces actions, keeps counts. */
	uint64_t old_id = r->id;
	flow(&f, 0, 100, 7, 0x0a000000, 8, &a2);
	assert_int_equal(ft_add(&ft, &f, 2000), 0);
	assert_null(ft_rule_by_id(&ft, old_id));
	assert_int_equal(ft.n_rules, 1);
	r = (struct ft_rule *)find(&ft, 0, 0x0a000001);
	assert_int_equal(r->actions[0].output.port, 2);
	assert_int_equal(r->cookie, 7);
	assert_int_equal(r->n_packets, 3);
	assert_int_equal(r->n_bytes, 300);
	assert_int_equal(r->created_ms, 1000);
	/* A bad table changes nothing. */
	flow(&f, OFP_N_TABLES, 100, 0, 0x0a000000, 8, &a1);
	assert_int_equal(ft_add(&ft, &f, 0), -EINVAL);
	assert_int_equal(ft.n_rules, 1);
	flow_tables_destroy(&ft);
}

/* Table 0: A ip,nw_dst=10/8 p100 c1 -> 1; B ip,nw_dst=10.1/16 p200 c2 -> 2;
 * C ip p50 c1 -> 3; table 1: D ip,nw_dst=10.1/16 p200 c2 -> 2. */
static void load_four(struct flow_tables *ft, struct ofpact *acts)
{
	struct ofp_flow f;

	flow_tables_init(ft);
	flow(&f, 0, 100, 1, 0x0a000000, 8, &acts[1]);
	assert_int_equal(ft_add(ft, &f, 0), 0);
	flow(&f, 0, 200, 2, 0x0a010000, 16, &acts[2]);
	assert_int_equal(ft_add(ft, &f, 0), 0);
	flow(&f, 0, 50, 1, 0, 0, &acts[3]);
	assert_int_equal(ft_add(ft, &f, 0), 0);
	flow(&f, 1, 200, 2, 0x0a010000, 16, &acts[2]);
	assert_int_equal(ft_add(ft, &f, 0), 0);
	assert_int_equal(ft->n_rules, 4);
}

static void test_flow_table_delete(void **state)
{
	struct ofpact acts[4] = { out_act(0), out_act(1), out_act(2), out_act(3) };
	struct flow_tables ft;
	struct ofp_flow f;
	size_t n;
	(void)state;

	/* Non-strict, all tables: ip,nw_dst=10/8 covers A, B and D, not C. */
	load_four(&ft, acts);
	flow(&f, FT_TABLE_ALL, 0, 0, 0x0a000000, 8, NULL);
	assert_int_equal(ft_delete(&ft, &f, false, OFPP_NONE, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ft.n_rules, 1);
	assert_int_equal(find(&ft, 0, 0x0a010101)->actions[0].output.port, 3);
	flow_tables_destroy(&ft);

	/* Strict: only identical match and priority. */
	load_four(&ft, acts);
	uint64_t id_b = find(&ft, 0, 0x0a010101)->id;
	flow(&f, 0, 100, 0, 0x0a010000, 16, NULL);
	assert_int_equal(ft_delete(&ft, &f, true, OFPP_NONE, &n), 0);
	assert_int_equal(n, 0);
	flow(&f, 0, 200, 0, 0x0a010000, 16, NULL);
	assert_non_null(ft_rule_by_id(&ft, id_b));
	assert_int_equal(ft_delete(&ft, &f, true, OFPP_NONE, &n), 0);
	assert_int_equal(n, 1);
	assert_null(ft_rule_by_id(&ft, id_b));
	assert_int_equal(find(&ft, 0, 0x0a010101)->actions[0].output.port, 1);
	assert_non_null(find(&ft, 1, 0x0a010101));
	flow_tables_destroy(&ft);

	/* Cookie mask: cookie=1/-1 in table 0 removes A and C only. */
	load_four(&ft, acts);
	flow(&f, 0, 0, 1, 0, -1, NULL);
	f.cookie_mask = ~0ull;
	assert_int_equal(ft_delete(&ft, &f, false, OFPP_NONE, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(find(&ft, 0, 0x0a010101)->actions[0].output.port, 2);
	assert_null(find(&ft, 0, 0x0b000001));
	flow_tables_destroy(&ft);

	/* out_port: only rules that output to port 2 (B and D). */
	load_four(&ft, acts);
	flow(&f, FT_TABLE_ALL, 0, 0, 0, -1, NULL);
	assert_int_equal(ft_delete(&ft, &f, false, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ft.n_rules, 2);
	flow_tables_destroy(&ft);
}

static void test_flow_table_modify(void **state)
{
	struct ofpact acts[4] = { out_act(0), out_act(1), out_act(2), out_act(3) };
	struct ofpact a9 = out_act(9);
	struct flow_tables ft;
	struct ofp_flow f;
	struct ft_rule *r;
	size_t n;
	(void)state;

	/* Non-strict in table 0: ip,nw_dst=10.0.0.0/8 changes A and B. */
	load_four(&ft, acts);
	r = (struct ft_rule *)find(&ft, 0, 0x0a010101);
	ft_rule_credit(r, 5, 500, 1);
	flow(&f, 0, 0, 0, 0x0a000000, 8, &a9);
	assert_int_equal(ft_modify(&ft, &f, false, &n), 0);
	assert_int_equal(n, 2);
	r = (struct ft_rule *)find(&ft, 0, 0x0a010101);
	assert_int_equal(r->actions[0].output.port, 9);
	assert_int_equal(r->n_packets, 5);
	assert_int_equal(r->cookie, 2);
	assert_int_equal(find(&ft, 0, 0x0a020101)->actions[0].output.port, 9);
	assert_int_equal(find(&ft, 0, 0x0b020101)->actions[0].output.port, 3);
	assert_int_equal(find(&ft, 1, 0x0a010101)->actions[0].output.port, 2);

	/* Strict with the wrong priority changes nothing, and never adds. */
	flow(&f, 0, 99, 0, 0x0a000000, 8, &acts[0]);
	assert_int_equal(ft_modify(&ft, &f, true, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ft.n_rules, 4);

	/* set_cookie (mod-flows cookie=V): the rules changed get the cookie. */
	flow(&f, 1, 200, 0, 0x0a010000, 16, &acts[2]);
	f.set_cookie = true;
	f.new_cookie = 9;
	assert_int_equal(ft_modify(&ft, &f, true, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(find(&ft, 1, 0x0a010101)->cookie, 9);
	f.new_cookie = 2;
	assert_int_equal(ft_modify(&ft, &f, true, &n), 0);

	/* Cookie-filtered, all tables: cookie 2 = B and D. */
	flow(&f, FT_TABLE_ALL, 0, 2, 0, -1, &acts[0]);
	f.cookie_mask = 0xff;
	assert_int_equal(ft_modify(&ft, &f, false, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(find(&ft, 1, 0x0a010101)->actions[0].output.port, 0);
	flow_tables_destroy(&ft);
}

static void test_flow_table_replace(void **state)
{
	struct ofpact acts[4] = { out_act(0), out_act(1), out_act(2), out_act(3) };
	struct flow_tables ft;
	struct ofp_flow fl[2];
	struct ft_rule *r;
	uint64_t version;
	(void)state;

	uint64_t id_a, id_b;

	load_four(&ft, acts);
	r = (struct ft_rule *)find(&ft, 0, 0x0a010101); /* B */
	ft_rule_credit(r, 4, 40, 1);
	id_b = r->id;
	r = (struct ft_rule *)find(&ft, 0, 0x0a020101); /* A */
	ft_rule_credit(r, 6, 60, 1);
	id_a = r->id;
	assert_ptr_equal(ft_rule_by_id(&ft, id_a), r);
	version = ft.version;
	/* B unchanged (keeps counters); A with new actions (counters reset). */
	flow(&fl[0], 0, 200, 2, 0x0a010000, 16, &acts[2]);
	flow(&fl[1], 0, 100, 1, 0x0a000000, 8, &acts[3]);
	assert_int_equal(ft_replace(&ft, fl, 2, 5), 0);
	assert_int_equal(ft.n_rules, 2);
	assert_true(ft.version > version);
	r = (struct ft_rule *)find(&ft, 0, 0x0a010101);
	assert_int_equal(r->n_packets, 4);
	/* The unchanged rule keeps its id; the changed one has a new id. */
	assert_int_equal(r->id, id_b);
	assert_ptr_equal(ft_rule_by_id(&ft, id_b), r);
	assert_null(ft_rule_by_id(&ft, id_a));
	r = (struct ft_rule *)find(&ft, 0, 0x0a020101);
	assert_int_equal(r->n_packets, 0);
	assert_true(r->id > id_b && r->id != id_a);
	assert_ptr_equal(ft_rule_by_id(&ft, r->id), r);
	assert_int_equal(r->actions[0].output.port, 3);
	assert_null(find(&ft, 1, 0x0a010101));
	assert_null(find(&ft, 0, 0x0b000001));

	/* A bad flow anywhere in the set: nothing changes. */
	flow(&fl[1], OFP_N_TABLES, 1, 0, 0, -1, &acts[0]);
	assert_int_equal(ft_replace(&ft, fl, 2, 6), -EINVAL);
	assert_int_equal(ft.n_rules, 2);
	assert_non_null(find(&ft, 0, 0x0a020101));
	flow_tables_destroy(&ft);
}

static void test_flow_table_collect_order(void **state)
{
	struct ofpact acts[4] = { out_act(0), out_act(1), out_act(2), out_act(3) };
	struct flow_tables ft;
	const struct ft_rule **rules;
	(void)state;

	struct ofp_flow view;
	char buf[256];

	load_four(&ft, acts);
	assert_int_equal(ft_collect(&ft, &rules), 4);
	ft_rule_flow(rules[0], &view);
	ofp_format_flow(&view, buf, sizeof(buf));
	assert_string_equal(buf, "cookie=0x2, table=0, priority=200,ip,nw_dst=10.1.0.0/16 "
				 "actions=output:2");
	assert_int_equal(rules[0]->cls.priority, 200);
	assert_int_equal(rules[1]->cls.priority, 100);
	assert_int_equal(rules[2]->cls.priority, 50);
	assert_int_equal(rules[3]->table_id, 1);
	free(rules);
	flow_tables_destroy(&ft);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_and_replace),
		cmocka_unit_test(test_same_match_priority_list),
		cmocka_unit_test(test_equal_priority_tie),
		cmocka_unit_test(test_staged_lookup_mask),
		cmocka_unit_test(test_prefix_tracking_mask),
		cmocka_unit_test(test_prefix_mask_after_removal),
		cmocka_unit_test(test_random_vs_oracle),
		cmocka_unit_test(test_flow_table_add_replace_counters),
		cmocka_unit_test(test_flow_table_delete),
		cmocka_unit_test(test_flow_table_modify),
		cmocka_unit_test(test_flow_table_replace),
		cmocka_unit_test(test_flow_table_collect_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
