// SPDX-License-Identifier: Apache-2.0
/* Per-megaflow rule statistics bookkeeping: records indexed by slot,
 * deltas credited to the rules a megaflow's translation matched. */
#include "agent/daemon/rule_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rule_stats_init(struct rule_stats *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void rule_stats_destroy(struct rule_stats *rs)
{
	for (uint32_t i = 0; i < rs->n_slots; i++)
		free(rs->slots[i].rule_ids);
	free(rs->slots);
	memset(rs, 0, sizeof(*rs));
}

/* Makes room for @slot; 0 or -ENOMEM. */
static int grow(struct rule_stats *rs, uint32_t slot)
{
	uint32_t n = rs->n_slots ? rs->n_slots : 1024;
	struct rs_entry *v;

	if (slot < rs->n_slots)
		return 0;
	while (n <= slot)
		n *= 2;
	v = realloc(rs->slots, (size_t)n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(v + rs->n_slots, 0, (size_t)(n - rs->n_slots) * sizeof(*v));
	rs->slots = v;
	rs->n_slots = n;
	return 0;
}

static struct rs_entry *lookup(const struct rule_stats *rs, struct xs_flow_handle h)
{
	if (!h.gen || h.slot >= rs->n_slots || rs->slots[h.slot].gen != h.gen)
		return NULL;
	return &rs->slots[h.slot];
}

int rule_stats_set(struct rule_stats *rs, struct xs_flow_handle h, const uint64_t *ids,
		   unsigned n, const struct xs_flow_stats *base)
{
	uint64_t *copy = NULL;
	struct rs_entry *e;

	if (!h.gen || (n && !ids))
		return -EINVAL;
	if (grow(rs, h.slot))
		return -ENOMEM;
	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, ids, n * sizeof(*copy));
	}
	e = &rs->slots[h.slot];
	if (!e->gen)
		rs->n_records++;
	free(e->rule_ids);
	e->gen = h.gen;
	e->n_rules = n;
	e->rule_ids = copy;
	e->packets = base ? base->packets : 0;
	e->bytes = base ? base->bytes : 0;
	memset(&e->learn, 0, sizeof(e->learn));
	return 0;
}

void rule_stats_set_learn(struct rule_stats *rs, struct xs_flow_handle h,
			  const struct rs_learn *learn)
{
	struct rs_entry *e = lookup(rs, h);

	if (e)
		e->learn = *learn;
}

void rule_stats_credit_ids(struct flow_tables *ft, const uint64_t *ids, unsigned n,
			   uint64_t packets, uint64_t bytes, uint64_t now_ms)
{
	for (unsigned i = 0; i < n; i++) {
		struct ft_rule *r;

		if (ids[i] >= FT_MISS_ID_BASE && ids[i] < FT_MISS_ID(OFP_N_TABLES)) {
			ft->table_misses[ids[i] - FT_MISS_ID_BASE] += packets;
			continue;
		}
		r = ft_rule_by_id(ft, ids[i]);
		if (r)
			ft_rule_credit(r, packets, bytes, now_ms);
	}
}

long rule_stats_credit(struct rule_stats *rs, struct flow_tables *ft, struct xs_flow_handle h,
		       const struct xs_flow_stats *sum, uint64_t now_ms)
{
	struct rs_entry *e = lookup(rs, h);
	uint64_t dp, db, used_ms;

	if (!e)
		return -ENOENT;
	if (sum->packets < e->packets || sum->bytes < e->bytes)
		e->packets = e->bytes = 0;
	dp = sum->packets - e->packets;
	db = sum->bytes - e->bytes;
	e->packets = sum->packets;
	e->bytes = sum->bytes;
	if (!dp && !db)
		return 0;
	used_ms = sum->used_ns ? sum->used_ns / 1000000 : now_ms;
	rule_stats_credit_ids(ft, e->rule_ids, e->n_rules, dp, db, used_ms);
	return (long)dp;
}

void rule_stats_forget(struct rule_stats *rs, struct xs_flow_handle h)
{
	struct rs_entry *e = lookup(rs, h);

	if (!e)
		return;
	free(e->rule_ids);
	memset(e, 0, sizeof(*e));
	rs->n_records--;
}

const struct rs_entry *rule_stats_get(const struct rule_stats *rs, struct xs_flow_handle h)
{
	return lookup(rs, h);
}
