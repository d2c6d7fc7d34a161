// SPDX-License-Identifier: Apache-2.0
/* Conjunctive matches (OVS's conjunction/conj_id) on top of one table's
 * classifier: the soft rules above the best ordinary match, grouped by
 * priority, and the conj_id re-lookup; semantics in flow_table.h. */
#include "agent/pipeline/flow_table.h"

#include <arpa/inet.h>
#include <stdlib.h>

static const struct ft_rule *rule_of(const struct cls_rule *c)
{
	return (const struct ft_rule *)(const void *)c; /* cls is the first member */
}

struct soft_collect {
	const struct ft_rule **v;
	size_t n, cap;
	bool truncated;
};

static void soft_cb(const struct cls_rule *c, void *arg)
{
	struct soft_collect *sc = arg;

	if (sc->n < sc->cap)
		sc->v[sc->n++] = rule_of(c);
	else
		sc->truncated = true;
}

static int by_priority_desc(const void *a_, const void *b_)
{
	const struct ft_rule *a = *(const struct ft_rule *const *)a_;
	const struct ft_rule *b = *(const struct ft_rule *const *)b_;

	return (int)b->cls.priority - (int)a->cls.priority;
}

/* A conjunction being assembled at one priority. */
struct conj_match {
	uint32_t id;
	uint64_t clauses; /* 1 bits: clauses seen, or beyond n_clauses */
	bool failed;      /* its conj_id lookup found no rule */
};

#define FT_MAX_CONJ 256

/* Among soft rules of one priority, an id whose every clause matched and
 * that has not failed; false if none. */
static bool find_conj(const struct ft_rule *const *soft, size_t n, struct conj_match *cm,
		      size_t *n_cm, uint32_t *id)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t a = 0; a < soft[i]->n_actions; a++) {
			const struct ofpact *act = &soft[i]->actions[a];
			size_t j;

			if (act->type != OFPACT_CONJUNCTION)
				continue;
			for (j = 0; j < *n_cm && cm[j].id != act->conjunction.id; j++)
				;
			if (j == *n_cm) {
				if (*n_cm == FT_MAX_CONJ)
					continue;
				cm[j].id = act->conjunction.id;
				cm[j].clauses = act->conjunction.n_clauses >= 64 ? 0 :
						UINT64_MAX << act->conjunction.n_clauses;
				cm[j].failed = false;
				(*n_cm)++;
			}
			cm[j].clauses |= UINT64_C(1) << act->conjunction.clause;
		}
	}
	for (size_t j = 0; j < *n_cm; j++)
		if (cm[j].clauses == UINT64_MAX && !cm[j].failed) {
			*id = cm[j].id;
			cm[j].failed = true; /* tried: not again */
			return true;
		}
	return false;
}

const struct ft_rule *ft_lookup_conj(const struct flow_tables *ft, uint8_t table,
				     struct ofp_key *key, struct ofp_key *wc)
{
	const struct ft_rule *hard, *r;
	const struct ft_rule *buf[FT_MAX_SOFT];
	struct soft_collect sc = { buf, 0, FT_MAX_SOFT, false };
	struct conj_match *cm;
	__be32 saved = key->conj_id;

	/* above every rule: the answer depends on no key bit */
	if (!table && ft->hidden0)
		return ft->hidden0;
	hard = ft_lookup(ft, table, key, wc);
	if (table >= OFP_N_TABLES || !ft->tables[table].n_soft)
		return hard;
	cls_lookup_soft(&ft->tables[table], key, wc, hard ? hard->cls.priority : -1,
			soft_cb, &sc);
	if (!sc.n)
		return hard;
	cm = malloc(FT_MAX_CONJ * sizeof(*cm));
	if (!cm)
		return hard;
	qsort(sc.v, sc.n, sizeof(sc.v[0]), by_priority_desc);
	for (size_t i = 0; i < sc.n; ) {
		size_t j = i, n_cm = 0;
		uint32_t id;

		while (j < sc.n && sc.v[j]->cls.priority == sc.v[i]->cls.priority)
			j++;
		/* The highest-priority complete conjunction whose conj_id flow
		 * exists wins; one without such a flow is passed over. */
		while (find_conj(&sc.v[i], j - i, cm, &n_cm, &id)) {
			key->conj_id = htonl(id);
			r = ft_lookup(ft, table, key, wc);
			key->conj_id = saved;
			if (r) {
				free(cm);
				return r;
			}
		}
		i = j;
	}
	free(cm);
	return hard;
}

