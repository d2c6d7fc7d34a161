// SPDX-License-Identifier: Apache-2.0
/* Classifier and translation cost with 100k rules: insert, lookup (hit and
 * miss, with megaflow tracking), delete, and a full xlate(). Prints figures,
 * asserts nothing. Usage: bench_classifier [N_RULES]
 *
 * Measured on the 2-vCPU development VM (other builds running, so +-50%),
 * 100k rules: one mask (host routes) 60-150 ns per lookup; 25 prefix masks
 * 0.5-1.2 us for a hit (the nw_dst trie walk and ~20 skipped subtables);
 * 4-mask ACL 0.5-1.2 us; a whole xlate() 0.25-1.5 us; insert 0.5-1.5 us per
 * rule; strict delete under 1 us; non-strict delete ~13 ms (every rule is
 * compared with the filter). Lookup cost grows with the number of masks
 * probed, not with the number of rules. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/pipeline/xlate.h"

#define N_KEYS 4096
#define N_LOOKUPS 2000000

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Rule shapes: each gives rule i a match; keys come from the same space. */
enum shape {
	HOSTS,     /* ip,nw_dst=10.x.y.z/32: one subtable */
	PREFIXES,  /* ip,nw_dst=A/len, len in 8..32: 25 subtables, tries */
	ACL,       /* in_port,tcp,nw_src/24,nw_dst/32,tp_dst: 4 shapes */
};

static const char *const shape_names[] = {
	[HOSTS] = "host routes (ip,nw_dst=/32), 1 mask",
	[PREFIXES] = "routes ip,nw_dst=/8../32, 25 masks, priority = length",
	[ACL] = "ACL (in_port,tcp,nw_src/24,nw_dst,tp_dst), 4 masks",
};

static void make_rule(enum shape s, unsigned i, struct ofp_flow *f, struct ofpact *act)
{
	struct ofp_match *m = &f->match;

	memset(f, 0, sizeof(*f));
	m->value.dp.dl_type = htons(0x0800);
	m->mask.dp.dl_type = 0xffff;
	switch (s) {
	case HOSTS:
		m->value.dp.nw_dst = htonl(0x0a000000 | i);
		m->mask.dp.nw_dst = 0xffffffff;
		f->priority = 100;
		break;
	case PREFIXES: {
		unsigned len = 8 + i % 25;
		uint32_t mask = ~0u << (32 - len);
		m->value.dp.nw_dst = htonl((0x0a000000 | rnd() % 0x1000000) & mask);
		m->mask.dp.nw_dst = htonl(mask);
		f->priority = (uint16_t)len;
		break;
	}
	case ACL:
		m->value.dp.nw_proto = 6;
		m->mask.dp.nw_proto = 0xff;
		m->value.dp.nw_dst = htonl(0x0a000000 | i);
		m->mask.dp.nw_dst = 0xffffffff;
		if (i % 2) {
			m->value.dp.in_port = 1 + i % 4;
			m->mask.dp.in_port = 0xffffffff;
		}
		if (i % 4 >= 2) {
			m->value.dp.nw_src = htonl(0xc0a80000 | (i % 256) << 8);
			m->mask.dp.nw_src = htonl(0xffffff00);
		}
		m->value.dp.tp_dst = htons((uint16_t)(i % 1024));
		m->mask.dp.tp_dst = 0xffff;
		f->priority = (uint16_t)(1 + i % 1000);
		break;
	}
	act->type = OFPACT_OUTPUT;
	act->output.port = 1 + i % 8;
	f->actions = act;
	f->n_actions = 1;
}

static void make_key(enum shape s, unsigned n_rules, bool hit, struct ofp_key *k)
{
	unsigned i = rnd() % n_rules;

	memset(k, 0, sizeof(*k));
	k->dp.in_port = 1 + i % 4;
	k->dp.dl_type = htons(0x0800);
	k->dp.nw_proto = 6;
	k->dp.nw_ttl = 64;
	k->dp.nw_src = htonl(0xc0a80000 | (i % 256) << 8 | 7);
	k->dp.tp_dst = htons((uint16_t)(i % 1024));
	switch (s) {
	case HOSTS:
	case ACL:
		k->dp.nw_dst = htonl(hit ? 0x0a000000 | i : 0x0b000000 | i);
		break;
	case PREFIXES:
		k->dp.nw_dst = htonl(hit ? 0x0a000000 | rnd() % 0x1000000 : 0x0b000000 | i);
		break;
	}
}

static void bench_shape(enum shape s, unsigned n_rules)
{
	static struct ofp_key keys[N_KEYS];
	struct flow_tables *ft = malloc(sizeof(*ft));
	struct ofp_flow f;
	struct ofpact act;
	struct ofp_key wc;
	struct xlate_result res = { .trace = NULL };
	double t0, t_insert, t_hit = 0, t_miss = 0, t_xlate, t_delete;
	volatile const void *sink;
	unsigned hits = 0;

	if (!ft)
		return;
	flow_tables_init(ft);
	t0 = now_ns();
	for (unsigned i = 0; i < n_rules; i++) {
		make_rule(s, i, &f, &act);
		if (ft_add(ft, &f, 0)) {
			fprintf(stderr, "out of memory at rule %u\n", i);
			break;
		}
	}
	t_insert = (now_ns() - t0) / n_rules;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N_KEYS; i++)
			make_key(s, n_rules, pass == 0, &keys[i]);
		t0 = now_ns();
		for (int i = 0; i < N_LOOKUPS; i++) {
			memset(&wc, 0, sizeof(wc));
			sink = ft_lookup(ft, 0, &keys[i % N_KEYS], &wc);
			hits += sink != NULL;
		}
		if (pass == 0)
			t_hit = (now_ns() - t0) / N_LOOKUPS;
		else
			t_miss = (now_ns() - t0) / N_LOOKUPS;
	}
	(void)sink;

	for (int i = 0; i < N_KEYS; i++)
		make_key(s, n_rules, true, &keys[i]);
	t0 = now_ns();
	for (int i = 0; i < N_LOOKUPS / 4; i++)
		xlate(ft, &keys[i % N_KEYS], &res);
	t_xlate = (now_ns() - t0) / (N_LOOKUPS / 4);

	unsigned n_sub = ft->tables[0].n_subtables;
	size_t n_in = ft->n_rules;
	t0 = now_ns();
	flow_tables_destroy(ft);
	t_delete = (now_ns() - t0) / (n_in ? n_in : 1);

	printf("%s\n  %zu rules, %u subtables: insert %.0f ns/rule, lookup+megaflow "
	       "%.0f ns (hit) %.0f ns (miss), xlate %.0f ns, teardown %.0f ns/rule "
	       "(%u%% of hit-pass keys found)\n", shape_names[s], n_in, n_sub, t_insert,
	       t_hit, t_miss, t_xlate, t_delete, hits * 100 / (2 * N_LOOKUPS) * 2);
	free(ft);
}

/* Deleting rules one at a time (del-flows --strict) from a full table. */
static void bench_delete(unsigned n_rules)
{
	struct flow_tables *ft = malloc(sizeof(*ft));
	struct ofp_flow f;
	struct ofpact act;
	double t0;
	size_t n;

	if (!ft)
		return;
	flow_tables_init(ft);
	for (unsigned i = 0; i < n_rules; i++) {
		make_rule(HOSTS, i, &f, &act);
		ft_add(ft, &f, 0);
	}
	t0 = now_ns();
	for (unsigned i = 0; i < 1000; i++) {
		make_rule(HOSTS, i, &f, &act);
		ft_delete(ft, &f, true, OFPP_NONE, &n);
	}
	printf("strict delete of one rule among %u: %.2f us\n", n_rules,
	       (now_ns() - t0) / 1000 / 1e3);
	t0 = now_ns();
	for (unsigned i = 1000; i < 1010; i++) {
		make_rule(HOSTS, i, &f, &act);
		ft_delete(ft, &f, false, OFPP_NONE, &n);
	}
	printf("non-strict delete among %u: %.0f us (visits every rule)\n", n_rules,
	       (now_ns() - t0) / 10 / 1e3);
	flow_tables_destroy(ft);
	free(ft);
}

int main(int argc, char **argv)
{
	unsigned n_rules = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 100000;

	if (!n_rules)
		n_rules = 100000;
	printf("bench_classifier: %u rules, %d lookups per figure\n", n_rules, N_LOOKUPS);
	bench_shape(HOSTS, n_rules);
	bench_shape(PREFIXES, n_rules);
	bench_shape(ACL, n_rules);
	bench_delete(n_rules);
	return 0;
}
