// SPDX-License-Identifier: Apache-2.0
/* The revalidator: megaflows translated again after table changes, counters
 * credited to rules, idle megaflows and timed-out rules removed, misses
 * installed under the flow limit. Design in revalidator.h. */
#include "agent/daemon/revalidator.h"
#include "common/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void xs_reval_init(struct xs_reval *r, struct xs_dpif *dpif, struct flow_tables *ft,
		   const struct xs_port_map *map)
{
	memset(r, 0, sizeof(*r));
	r->dpif = dpif;
	r->ft = ft;
	r->map = *map;
	rule_stats_init(&r->rs);
	r->max_idle_ms = XS_REVAL_DEFAULT_MAX_IDLE_MS;
	r->flow_limit = r->flow_limit_max = XS_REVAL_DEFAULT_FLOW_LIMIT;
	/* Adopted megaflows have no record yet: the first tick checks them. */
	r->version = ft->version - 1;
}

void xs_reval_destroy(struct xs_reval *r)
{
	rule_stats_destroy(&r->rs);
}

uint64_t xs_reval_now_ms(void)
{
	return (xs_mono_ns() / 1000) / 1000;
}

int xs_reval_translate(const struct flow_tables *ft, const struct xs_port_map *map,
		       const struct xs_flow_key *key, struct xs_reval_xlate *out)
{
	struct xlate_result res;
	struct ofp_key k;
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	memset(&k, 0, sizeof(k));
	k.dp = *key;
	k.dp.in_port = map->ofport(map->ctx, key->in_port);
	memset(&res, 0, sizeof(res));
	if (!k.dp.in_port) {
		/* A packet from a port that is gone: drop, and the megaflow
		 * only covers this in_port. */
		out->mask.in_port = 0xffffffff;
		out->err = -ENODEV;
		return out->err;
	}
	out->err = xlate(ft, &k, &res);
	out->mask = res.mask;
	out->mask.in_port = 0xffffffff;
	for (unsigned i = 0; i < res.n_rules; i++)
		out->rule_ids[i] = res.rules[i]->id;
	out->n_rules = res.n_rules;
	out->learn.valid = res.learn.valid;
	out->learn.vlan = res.learn.vlan;
	memcpy(out->learn.mac, res.learn.mac, sizeof(out->learn.mac));
	out->learn.ofport = res.learn.ofport;
	/* table misses count like rules (table stats), room permitting */
	for (unsigned i = 0; i < res.n_misses && out->n_rules < XLATE_MAX_RULES; i++)
		out->rule_ids[out->n_rules++] = FT_MISS_ID(res.miss_tables[i]);
	for (unsigned i = 0; i < res.n_actions; i++) {
		struct xs_action a = res.actions[i];

		if (a.type == XS_ACT_OUTPUT && !(a.flags & XS_OUT_F_BROADCAST)) {
			a.arg = map->dp_port(map->ctx, a.arg);
			if (!a.arg)
				continue; /* the port is gone */
		}
		out->actions[n++] = a;
	}
	out->n_actions = (uint16_t)n;
	return out->err;
}

void xs_reval_adjust_limit(struct xs_reval *r, uint64_t pass_ms)
{
	uint64_t limit = r->flow_limit;

	if (pass_ms > XS_REVAL_SLOW_PASS_MS)
		limit = limit * XS_REVAL_FAST_PASS_MS / pass_ms;
	else if (pass_ms > XS_REVAL_SLOWISH_PASS_MS)
		limit = limit * 3 / 4;
	else if (pass_ms < XS_REVAL_FAST_PASS_MS)
		limit += XS_REVAL_LIMIT_STEP;
	if (limit > r->flow_limit_max)
		limit = r->flow_limit_max;
	if (limit < XS_REVAL_LIMIT_FLOOR)
		limit = XS_REVAL_LIMIT_FLOOR < r->flow_limit_max ? XS_REVAL_LIMIT_FLOOR
								 : r->flow_limit_max;
	r->flow_limit = (uint32_t)limit;
}

bool xs_reval_limit_reached(const struct xs_reval *r)
{
	return xs_dpif_flow_count(r->dpif) >= r->flow_limit;
}

/* What xs_reval_install does once the datapath answered @err. */
static int installed(struct xs_reval *r, const struct xs_flow_key *key,
		     const struct xs_reval_xlate *x, struct xs_flow_handle *h, int err)
{
	if (err == -EEXIST)
		return r->dpif->cls->flow_find(r->dpif, key, &x->mask, h);
	if (err == -ENOSPC)
		r->limit_hits++;
	if (err)
		return err;
	if (rule_stats_set(&r->rs, *h, x->rule_ids, x->n_rules, NULL)) {
		/* it could not be credited: do not keep it */
		xs_dpif_flow_del(r->dpif, *h, NULL);
		return -ENOMEM;
	}
	rule_stats_set_learn(&r->rs, *h, &x->learn);
	return 0;
}

int xs_reval_install(struct xs_reval *r, const struct xs_flow_key *key,
		     const struct xs_reval_xlate *x, struct xs_flow_handle *h)
{
	int err;

	if (xs_reval_limit_reached(r)) {
		r->limit_hits++;
		return -ENOSPC;
	}
	err = xs_dpif_flow_put(r->dpif, key, &x->mask, x->actions, x->n_actions, h);
	return installed(r, key, x, h, err);
}

void xs_reval_install_batch(struct xs_reval *r, const struct xs_flow_key *keys,
			    const struct xs_reval_xlate *const *x, struct xs_flow_handle *h,
			    int *errs, size_t n)
{
	uint32_t count = xs_dpif_flow_count(r->dpif);
	size_t room = count < r->flow_limit ? r->flow_limit - count : 0, i;
	struct xs_dpif_put *puts;

	/* Those beyond the limit's room go one by one after the batch: one
	 * that finds its megaflow already there leaves room for the next. */
	if (room > n)
		room = n;
	puts = room ? calloc(room, sizeof(*puts)) : NULL;
	if (!puts)
		room = 0;
	for (i = 0; i < room; i++)
		puts[i] = (struct xs_dpif_put){ .key = &keys[i], .mask = &x[i]->mask,
						.actions = x[i]->actions,
						.n_actions = x[i]->n_actions };
	if (room)
		xs_dpif_flow_put_batch(r->dpif, puts, room);
	for (i = 0; i < room; i++) {
		h[i] = puts[i].handle;
		errs[i] = installed(r, &keys[i], x[i], &h[i], puts[i].err);
	}
	free(puts);
	for (; i < n; i++)
		errs[i] = xs_reval_install(r, &keys[i], x[i], &h[i]);
}

/* Handles of every installed megaflow, so changes during a pass (a modify
 * moves a megaflow to another slot) cannot make the walk see one twice.
 * Returns the count or -ENOMEM; *out is heap (free it). */
static long snapshot(struct xs_reval *r, struct xs_flow_handle **out)
{
	uint32_t cap = xs_dpif_flow_count(r->dpif) + 1, pos = 0;
	struct xs_flow_handle *v = malloc(cap * sizeof(*v));
	struct xs_dpif_flow f;
	long n = 0;

	if (!v)
		return -ENOMEM;
	while (n < cap && xs_dpif_flow_next(r->dpif, &pos, &f) == 1)
		v[n++] = f.handle;
	*out = v;
	return n;
}

/* Removes @h after crediting its last packets. */
static int remove_flow(struct xs_reval *r, struct xs_flow_handle h, uint64_t now_ms)
{
	struct xs_flow_stats final;
	int err = xs_dpif_flow_del(r->dpif, h, &final);

	if (!err)
		rule_stats_credit(&r->rs, r->ft, h, &final, now_ms);
	rule_stats_forget(&r->rs, h);
	return err;
}

/* Same actions, and the provider would still run them where they run. */
static bool same_actions(const struct xs_dpif_flow *f, const struct xs_reval_xlate *x)
{
	return f->n_actions == x->n_actions && !f->restage &&
	       !memcmp(f->actions, x->actions, x->n_actions * sizeof(x->actions[0]));
}

/* True for the exact mask (every bit of the key): the provider put a
 * flow whose {mask, hash} was full of colliding keys there (dp.h
 * xs_dp_flow_install). Stricter than any translation's mask, it matches a
 * subset of the packets the translation holds for, so it stays correct. */
static bool mask_exact(const struct xs_flow_key *m)
{
	struct xs_flow_key exact;

	memset(&exact, 0xff, sizeof(exact));
	return !memcmp(&exact, m, sizeof(exact));
}

/* Revalidates one megaflow; bumps the matching counter. @pre: its
 * counters from the pass's one batched read (-ENOENT: gone already). A
 * megaflow kept is credited with them; one to be modified is read again
 * just before, so its old rules get every packet up to the swap. */
static int revalidate_one(struct xs_reval *r, struct xs_flow_handle h,
			  const struct xs_flow_stats *pre, uint64_t now_ms,
			  struct xs_reval_counts *c)
{
	struct xs_flow_stats sum;
	struct xs_reval_xlate x;
	struct xs_dpif_flow f;
	int err, gone = 0;

	if (xs_dpif_flow_get(r->dpif, h, &f))
		return 0; /* gone meanwhile */
	xs_reval_translate(r->ft, &r->map, &f.key, &x);
	if (x.err || (memcmp(&x.mask, &f.mask, sizeof(x.mask)) && !mask_exact(&f.mask))) {
		c->removed++;
		return remove_flow(r, h, now_ms);
	}
	if (same_actions(&f, &x)) {
		c->kept++;
		rule_stats_credit(&r->rs, r->ft, h, pre, now_ms);
		/* Other rules may give the same actions now. */
		err = rule_stats_set(&r->rs, h, x.rule_ids, x.n_rules, pre);
		rule_stats_set_learn(&r->rs, h, &x.learn);
		return err;
	}
	if (xs_dpif_flow_stats(r->dpif, &h, 1, &sum, &gone) || gone)
		return 0;
	rule_stats_credit(&r->rs, r->ft, h, &sum, now_ms);
	err = xs_dpif_flow_modify(r->dpif, &f.handle, x.actions, x.n_actions);
	if (err) {
		/* No slot for the new list: removing is the safe answer. */
		c->removed++;
		remove_flow(r, h, now_ms);
		return err;
	}
	c->modified++;
	rule_stats_forget(&r->rs, h);
	err = rule_stats_set(&r->rs, f.handle, x.rule_ids, x.n_rules, &sum);
	if (err)
		remove_flow(r, f.handle, now_ms);
	else
		rule_stats_set_learn(&r->rs, f.handle, &x.learn);
	return err;
}

int xs_reval_revalidate(struct xs_reval *r, uint64_t now_ms, struct xs_reval_counts *c)
{
	struct xs_reval_counts cnt = { 0 };
	struct xs_flow_handle *v;
	uint64_t t0 = (xs_mono_ns() / 1000);
	long n = snapshot(r, &v);
	struct xs_flow_stats *pre;
	int first = 0, *errs;

	if (n < 0)
		return (int)n;
	/* Every megaflow's counters in one batched read. */
	pre = malloc(((size_t)n + 1) * sizeof(*pre));
	errs = malloc(((size_t)n + 1) * sizeof(*errs));
	if (!pre || !errs || xs_dpif_flow_stats(r->dpif, v, (size_t)n, pre, errs)) {
		free(v);
		free(pre);
		free(errs);
		return -ENOMEM;
	}
	for (long i = 0; i < n; i++) {
		int err = errs[i] ? 0 : revalidate_one(r, v[i], &pre[i], now_ms, &cnt);

		if (err && !first)
			first = err;
	}
	free(v);
	free(pre);
	free(errs);
	r->version = r->ft->version;
	r->ports_changed = false;
	r->passes++;
	r->last_pass_us = (xs_mono_ns() / 1000) - t0;
	xs_reval_adjust_limit(r, r->last_pass_us / 1000);
	r->last.kept = cnt.kept;
	r->last.modified = cnt.modified;
	r->last.removed = cnt.removed;
	if (c)
		*c = cnt;
	return first;
}

/* Harvests every megaflow (one batched counter read); with @idle_ns > 0
 * also removes those idle for that long at @now_ns. Returns the number
 * removed, or -ENOMEM. */
static long harvest(struct xs_reval *r, uint64_t now_ms, uint64_t now_ns, uint64_t idle_ns)
{
	struct xs_flow_handle *v;
	struct xs_flow_stats *sums;
	long n = snapshot(r, &v), expired = 0;
	uint64_t seen = r->used_seen_ns;
	int *errs;

	if (n < 0)
		return n;
	sums = malloc(((size_t)n + 1) * sizeof(*sums));
	errs = malloc(((size_t)n + 1) * sizeof(*errs));
	if (!sums || !errs || xs_dpif_flow_stats(r->dpif, v, (size_t)n, sums, errs)) {
		free(v);
		free(sums);
		free(errs);
		return -ENOMEM;
	}
	for (long i = 0; i < n; i++) {
		struct xs_dpif_flow f;
		uint64_t last;

		if (errs[i])
			continue;
		rule_stats_credit(&r->rs, r->ft, v[i], &sums[i], now_ms);
		if (r->on_used && sums[i].used_ns > r->used_seen_ns) {
			const struct rs_entry *e = rule_stats_get(&r->rs, v[i]);

			if (e && e->learn.valid)
				r->on_used(r->on_used_ctx, &e->learn, sums[i].used_ns);
			if (sums[i].used_ns > seen)
				seen = sums[i].used_ns;
		}
		if (!idle_ns)
			continue;
		/* used recently: not idle, whenever it was installed */
		if (sums[i].used_ns && (now_ns <= sums[i].used_ns ||
					now_ns - sums[i].used_ns < idle_ns))
			continue;
		if (xs_dpif_flow_get(r->dpif, v[i], &f))
			continue;
		last = sums[i].used_ns > f.installed_ns ? sums[i].used_ns : f.installed_ns;
		if (now_ns > last && now_ns - last >= idle_ns && !remove_flow(r, v[i], now_ms))
			expired++;
	}
	free(v);
	free(sums);
	free(errs);
	r->used_seen_ns = seen;
	return expired;
}

int xs_reval_harvest(struct xs_reval *r, uint64_t now_ms)
{
	long n = harvest(r, now_ms, 0, 0);

	return n < 0 ? (int)n : 0;
}

/* Removes the rules whose idle or hard timeout has passed at @now_ms.
 * Returns how many. */
static int expire_rules(struct xs_reval *r, uint64_t now_ms)
{
	const struct ft_rule **v;
	long n = ft_collect(r->ft, &v);
	uint64_t *ids;
	int gone = 0;

	if (n <= 0)
		return (int)n;
	/* Ids first: deleting invalidates the collected pointers' order. */
	ids = malloc((size_t)n * sizeof(*ids));
	if (!ids) {
		free(v);
		return -ENOMEM;
	}
	for (long i = 0; i < n; i++) {
		const struct ft_rule *rule = v[i];
		uint64_t last = rule->used_ms > rule->created_ms ? rule->used_ms : rule->created_ms;
		bool idle = rule->idle_timeout && now_ms >= last &&
			    now_ms - last >= rule->idle_timeout * 1000ull;
		bool hard = rule->hard_timeout && now_ms >= rule->created_ms &&
			    now_ms - rule->created_ms >= rule->hard_timeout * 1000ull;

		ids[i] = idle || hard ? rule->id : 0;
	}
	free(v);
	for (long i = 0; i < n; i++) {
		struct ft_rule *rule = ids[i] ? ft_rule_by_id(r->ft, ids[i]) : NULL;
		struct ofp_flow del;
		size_t k = 0;

		if (!rule)
			continue;
		ft_rule_flow(rule, &del);
		del.cookie_mask = 0;
		del.out_port = OFPP_NONE;
		if (!ft_delete(r->ft, &del, true, OFPP_NONE, &k))
			gone += (int)k;
	}
	free(ids);
	return gone;
}

int xs_reval_tick(struct xs_reval *r, uint64_t now_ms, struct xs_reval_counts *c)
{
	struct xs_reval_counts cnt = { 0 };
	uint64_t now_ns;
	long expired;
	int gone, err = 0;

	now_ns = xs_mono_ns();
	/* One walk over the megaflows: counters credited (the rules' used
	 * times the timeouts below read) and idle ones removed. A second
	 * walk doubled the tick, which holds the loop (and the control
	 * socket) for tens of ms with a full table. */
	expired = harvest(r, now_ms, now_ns, r->max_idle_ms * 1000000ull);
	if (expired < 0)
		return (int)expired;
	gone = expire_rules(r, now_ms);
	if (gone < 0)
		return gone;
	if (r->version != r->ft->version || r->ports_changed)
		err = xs_reval_revalidate(r, now_ms, &cnt);
	cnt.rules_timed_out = (uint32_t)gone;
	cnt.expired = (uint32_t)expired;
	r->last.expired = cnt.expired;
	r->last.rules_timed_out = cnt.rules_timed_out;
	if (r->dpif->cls->run)
		r->dpif->cls->run(r->dpif);
	if (c)
		*c = cnt;
	return err ? err : gone;
}
