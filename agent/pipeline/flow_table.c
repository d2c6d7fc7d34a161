// SPDX-License-Identifier: Apache-2.0
/* The switch's OpenFlow tables and their flow_mod operations; semantics in
 * flow_table.h. */
#include "agent/pipeline/flow_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct ft_rule *rule_of(const struct cls_rule *c)
{
	return (struct ft_rule *)(void *)c; /* cls is the first member */
}

/* --- id index ------------------------------------------------------------------ */

static size_t id_bucket(const struct flow_tables *ft, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 17) & (ft->n_id_buckets - 1);
}

/* Makes room for one more rule in the index. 0 or -ENOMEM. */
static int id_reserve(struct flow_tables *ft)
{
	size_t n = ft->n_id_buckets ? ft->n_id_buckets * 2 : 64;
	struct ft_rule **b;

	if (ft->n_rules + 1 <= ft->n_id_buckets)
		return 0;
	b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < ft->n_id_buckets; i++)
		for (struct ft_rule *r = ft->by_id[i], *next; r; r = next) {
			next = r->id_next;
			size_t j = (size_t)((r->id * 0x9e3779b97f4a7c15ull) >> 17) & (n - 1);
			r->id_next = b[j];
			b[j] = r;
		}
	free(ft->by_id);
	ft->by_id = b;
	ft->n_id_buckets = n;
	return 0;
}

static void id_add(struct flow_tables *ft, struct ft_rule *r)
{
	size_t i = id_bucket(ft, r->id);

	r->id_next = ft->by_id[i];
	ft->by_id[i] = r;
}

static void id_del(struct flow_tables *ft, struct ft_rule *r)
{
	struct ft_rule **p = &ft->by_id[id_bucket(ft, r->id)];

	while (*p != r)
		p = &(*p)->id_next;
	*p = r->id_next;
}

struct ft_rule *ft_rule_by_id(const struct flow_tables *ft, uint64_t id)
{
	if (!ft->n_id_buckets)
		return NULL;
	for (struct ft_rule *r = ft->by_id[id_bucket(ft, id)]; r; r = r->id_next)
		if (r->id == id)
			return r;
	return NULL;
}

/* --- tables ----------------------------------------------------------------------- */

void flow_tables_init(struct flow_tables *ft)
{
	memset(ft, 0, sizeof(*ft));
	for (int t = 0; t < OFP_N_TABLES; t++)
		cls_init(&ft->tables[t]);
	ft->next_id = 1;
	ft->ctl = ctl_descs_new(); /* NULL: every controller action is plain */
}

static void rule_free(struct ft_rule *r)
{
	free(r->actions);
	free(r);
}

static void free_rule_cb(struct cls_rule *c, void *arg)
{
	struct ft_rule **list = arg;
	struct ft_rule *r = rule_of(c);

	/* Chain through hnext: the classifier is being torn down anyway. */
	c->hnext = (struct cls_rule *)*list;
	*list = r;
}

void flow_tables_destroy(struct flow_tables *ft)
{
	for (int t = 0; t < OFP_N_TABLES; t++) {
		struct ft_rule *list = NULL;
		cls_for_each(&ft->tables[t], free_rule_cb, &list);
		cls_destroy(&ft->tables[t]);
		while (list) {
			struct ft_rule *next = (struct ft_rule *)list->cls.hnext;
			rule_free(list);
			list = next;
		}
	}
	free(ft->by_id);
	ctl_descs_free(ft->ctl);
	memset(ft, 0, sizeof(*ft));
}

static int copy_actions(const struct ofpact *src, size_t n, struct ofpact **dst)
{
	*dst = NULL;
	if (!n)
		return 0;
	*dst = malloc(n * sizeof(*src));
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, n * sizeof(*src));
	return 0;
}

static bool same_actions(const struct ofpact *a, size_t na, const struct ofpact *b, size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * sizeof(*a)));
}

/* A flow whose actions are conjunction(...) takes part in conjunctive
 * matches instead of being an answer itself. */
static bool is_soft(const struct ofpact *acts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (acts[i].type == OFPACT_CONJUNCTION)
			return true;
	return false;
}

static struct ft_rule *rule_new(const struct ofp_flow *flow, uint64_t now_ms)
{
	struct ft_rule *r = calloc(1, sizeof(*r));
	uint8_t *v, *m;

	if (!r)
		return NULL;
	if (copy_actions(flow->actions, flow->n_actions, &r->actions)) {
		free(r);
		return NULL;
	}
	r->n_actions = flow->n_actions;
	r->cls.match = flow->match;
	v = (uint8_t *)&r->cls.match.value;
	m = (uint8_t *)&r->cls.match.mask;
	for (size_t i = 0; i < sizeof(struct ofp_key); i++)
		v[i] &= m[i];
	r->cls.priority = flow->priority;
	r->cls.soft = is_soft(flow->actions, flow->n_actions);
	r->table_id = flow->table_id;
	r->cookie = flow->cookie;
	r->idle_timeout = flow->idle_timeout;
	r->hard_timeout = flow->hard_timeout;
	r->created_ms = now_ms;
	r->used_ms = now_ms;
	return r;
}

/* Inserts a prepared rule under id (0: a new one); an identical rule is
 * replaced, its counters and age carried over. */
static int insert_rule(struct flow_tables *ft, struct ft_rule *r, uint64_t id)
{
	struct cls_rule *old;
	int err = id_reserve(ft);

	if (!err)
		err = cls_insert(&ft->tables[r->table_id], &r->cls, &old);
	if (err)
		return err;
	r->id = id ? id : ft->next_id++;
	if (old) {
		struct ft_rule *o = rule_of(old);
		r->n_packets = o->n_packets;
		r->n_bytes = o->n_bytes;
		r->created_ms = o->created_ms;
		r->used_ms = o->used_ms;
		id_del(ft, o);
		rule_free(o);
	} else {
		ft->n_rules++;
	}
	id_add(ft, r);
	ft->version++;
	return 0;
}

int ft_add(struct flow_tables *ft, const struct ofp_flow *flow, uint64_t now_ms)
{
	struct ft_rule *r;
	int err;

	if (flow->table_id >= OFP_N_TABLES)
		return -EINVAL;
	r = rule_new(flow, now_ms);
	if (!r)
		return -ENOMEM;
	err = insert_rule(ft, r, 0);
	if (err)
		rule_free(r);
	return err;
}

/* --- selection for modify/delete -------------------------------------------- */

struct selection {
	const struct ofp_flow *filter;
	bool strict;
	uint32_t out_port;
	struct ft_rule **rules;
	size_t n, alloc;
	int err;
};

static bool has_output_to(const struct ft_rule *r, uint32_t port)
{
	for (size_t i = 0; i < r->n_actions; i++)
		if (r->actions[i].type == OFPACT_OUTPUT && r->actions[i].output.port == port)
			return true;
	return false;
}

static bool selected(const struct selection *sel, const struct ft_rule *r)
{
	const struct ofp_flow *f = sel->filter;

	if ((r->cookie & f->cookie_mask) != (f->cookie & f->cookie_mask))
		return false;
	if (sel->out_port != OFPP_NONE && !has_output_to(r, sel->out_port))
		return false;
	if (sel->strict)
		return r->cls.priority == f->priority &&
		       !memcmp(&r->cls.match, &f->match, sizeof(f->match));
	return cls_match_covers(&f->match, &r->cls.match);
}

static void select_cb(struct cls_rule *c, void *arg)
{
	struct selection *sel = arg;
	struct ft_rule *r = rule_of(c);

	if (sel->err || !selected(sel, r))
		return;
	if (sel->n == sel->alloc) {
		size_t n = sel->alloc ? sel->alloc * 2 : 16;
		void *p = realloc(sel->rules, n * sizeof(*sel->rules));
		if (!p) {
			sel->err = -ENOMEM;
			return;
		}
		sel->rules = p;
		sel->alloc = n;
	}
	sel->rules[sel->n++] = r;
}

/* Collects the rules a modify/delete applies to. */
static int select_rules(struct flow_tables *ft, struct selection *sel)
{
	const struct ofp_flow *f = sel->filter;
	struct ofp_flow masked;

	/* Compare against a masked copy so stray value bits don't count. */
	masked = *f;
	uint8_t *v = (uint8_t *)&masked.match.value;
	const uint8_t *m = (const uint8_t *)&masked.match.mask;
	for (size_t i = 0; i < sizeof(struct ofp_key); i++)
		v[i] &= m[i];
	sel->filter = &masked;
	for (int t = 0; t < OFP_N_TABLES; t++) {
		if (f->table_id != FT_TABLE_ALL && f->table_id != t)
			continue;
		if (sel->strict) {
			/* One candidate per table: find it by hash. */
			struct cls_rule *c = cls_find_exact(&ft->tables[t], &sel->filter->match,
							    f->priority);
			if (c)
				select_cb(c, sel);
		} else {
			cls_for_each(&ft->tables[t], select_cb, sel);
		}
	}
	sel->filter = f;
	if (sel->err) {
		free(sel->rules);
		sel->rules = NULL;
		sel->n = 0;
	}
	return sel->err;
}

/* The table a goto_table in acts leads to, or -1. */
static int goto_target(const struct ofpact *acts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (acts[i].type == OFPACT_GOTO_TABLE)
			return acts[i].goto_table.table;
	return -1;
}

/* A rule's actions and cookie before a modify, to put back on failure. */
struct undo {
	struct ft_rule *rule;
	struct ofpact *actions;
	size_t n_actions;
	uint64_t cookie;
};

struct undo_log {
	struct undo *v;
	size_t n, alloc;
};

/* Applies one modify, logging what it replaced. Fails before changing
 * anything: -EINVAL (goto_table, res->bad_table set) or -ENOMEM. */
static int modify_one(struct flow_tables *ft, const struct ofp_flow *flow, bool strict,
		      struct undo_log *log, struct ft_modify_result *res)
{
	struct selection sel = { .filter = flow, .strict = strict, .out_port = OFPP_NONE };
	int target = goto_target(flow->actions, flow->n_actions);
	struct ofpact **copies = NULL;
	int err = select_rules(ft, &sel);
	size_t i;

	if (err)
		return err;
	/* The parser checked goto_table against table=; without one, every
	 * selected rule must still go forward (no loops between tables). */
	for (i = 0; i < sel.n && target >= 0; i++)
		if (sel.rules[i]->table_id >= target) {
			res->bad_table = sel.rules[i]->table_id;
			err = -EINVAL;
			goto out;
		}
	if (log->n + sel.n > log->alloc) {
		size_t n = log->n + sel.n + 16;
		void *p = realloc(log->v, n * sizeof(*log->v));

		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		log->v = p;
		log->alloc = n;
	}
	copies = calloc(sel.n ? sel.n : 1, sizeof(*copies));
	if (!copies) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < sel.n; i++)
		if (copy_actions(flow->actions, flow->n_actions, &copies[i])) {
			while (i--)
				free(copies[i]);
			err = -ENOMEM;
			goto out;
		}
	for (i = 0; i < sel.n; i++) {
		struct ft_rule *r = sel.rules[i];

		log->v[log->n++] = (struct undo){ r, r->actions, r->n_actions, r->cookie };
		r->actions = copies[i];
		r->n_actions = flow->n_actions;
		cls_set_soft(&ft->tables[r->table_id], &r->cls, is_soft(r->actions, r->n_actions));
		if (flow->set_cookie)
			r->cookie = flow->new_cookie;
	}
	res->n_changed += sel.n;
out:
	free(copies);
	free(sel.rules);
	return err;
}

int ft_modify_many(struct flow_tables *ft, const struct ofp_flow *flows, size_t n_flows,
		   bool strict, struct ft_modify_result *res)
{
	struct ft_modify_result dummy;
	struct undo_log log = { 0 };
	int err = 0;
	size_t i;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	for (i = 0; i < n_flows && !err; i++)
		err = modify_one(ft, &flows[i], strict, &log, res);
	if (err) {
		/* Newest first, so a rule changed twice ends as it began. */
		while (log.n--) {
			struct undo *u = &log.v[log.n];

			free(u->rule->actions);
			u->rule->actions = u->actions;
			u->rule->n_actions = u->n_actions;
			u->rule->cookie = u->cookie;
			cls_set_soft(&ft->tables[u->rule->table_id], &u->rule->cls,
				     is_soft(u->actions, u->n_actions));
		}
		res->failed = i - 1;
		res->n_changed = 0;
	} else {
		for (size_t k = 0; k < log.n; k++)
			free(log.v[k].actions);
		if (log.n)
			ft->version++;
	}
	free(log.v);
	return err;
}

int ft_modify(struct flow_tables *ft, const struct ofp_flow *flow, bool strict,
	      size_t *n_changed)
{
	struct ft_modify_result res;
	int err = ft_modify_many(ft, flow, 1, strict, &res);

	if (n_changed)
		*n_changed = res.n_changed;
	return err;
}

int ft_delete(struct flow_tables *ft, const struct ofp_flow *filter, bool strict,
	      uint32_t out_port, size_t *n_deleted)
{
	struct selection sel = { .filter = filter, .strict = strict, .out_port = out_port };
	int err = select_rules(ft, &sel);

	if (n_deleted)
		*n_deleted = 0;
	if (err)
		return err;
	for (size_t i = 0; i < sel.n; i++) {
		struct ft_rule *r = sel.rules[i];
		if (ft->on_delete)
			ft->on_delete(ft->on_delete_ctx, r);
		cls_remove(&ft->tables[r->table_id], &r->cls);
		id_del(ft, r);
		rule_free(r);
	}
	ft->n_rules -= sel.n;
	if (sel.n)
		ft->version++;
	if (n_deleted)
		*n_deleted = sel.n;
	free(sel.rules);
	return 0;
}

int ft_replace(struct flow_tables *ft, const struct ofp_flow *flows, size_t n_flows,
	       uint64_t now_ms)
{
	struct flow_tables *next;
	int err = 0;

	for (size_t i = 0; i < n_flows; i++)
		if (flows[i].table_id >= OFP_N_TABLES)
			return -EINVAL;
	next = malloc(sizeof(*next));
	if (!next)
		return -ENOMEM;
	flow_tables_init(next);
	next->next_id = ft->next_id;
	for (size_t i = 0; i < n_flows && !err; i++) {
		const struct ofp_flow *f = &flows[i];
		struct ft_rule *r = rule_new(f, now_ms);
		if (!r) {
			err = -ENOMEM;
			break;
		}
		const struct cls_rule *oc = cls_find_exact(&ft->tables[f->table_id],
							   &r->cls.match, f->priority);
		const struct ft_rule *old = oc ? rule_of(oc) : NULL;
		bool same = old && old->cookie == r->cookie &&
			    same_actions(old->actions, old->n_actions, r->actions, r->n_actions);
		err = insert_rule(next, r, same ? old->id : 0);
		if (err) {
			rule_free(r);
			break;
		}
		if (same) {
			r->n_packets = old->n_packets;
			r->n_bytes = old->n_bytes;
			r->created_ms = old->created_ms;
			r->used_ms = old->used_ms;
		}
	}
	if (err) {
		flow_tables_destroy(next);
		free(next);
		return err;
	}
	next->version = ft->version + 1;
	next->ports = ft->ports;
	next->n_ports = ft->n_ports;
	next->normal = ft->normal;
	next->on_delete = ft->on_delete;
	next->on_delete_ctx = ft->on_delete_ctx;
	next->hidden0 = ft->hidden0;
	next->wire = ft->wire;
	/* Installed megaflows still name the old descriptors. */
	ctl_descs_free(next->ctl);
	next->ctl = ft->ctl;
	ft->ctl = NULL;
	flow_tables_destroy(ft);
	*ft = *next;
	free(next);
	return 0;
}

const struct ft_rule *ft_lookup(const struct flow_tables *ft, uint8_t table,
				const struct ofp_key *key, struct ofp_key *wc)
{
	const struct cls_rule *c;

	if (table >= OFP_N_TABLES)
		return NULL;
	c = cls_lookup(&ft->tables[table], key, wc);
	return c ? rule_of(c) : NULL;
}

struct collect {
	const struct ft_rule **rules;
	size_t n;
};

static void collect_cb(struct cls_rule *c, void *arg)
{
	struct collect *col = arg;

	col->rules[col->n++] = rule_of(c);
}

static int collect_order(const void *a_, const void *b_)
{
	const struct ft_rule *a = *(const struct ft_rule *const *)a_;
	const struct ft_rule *b = *(const struct ft_rule *const *)b_;

	if (a->table_id != b->table_id)
		return a->table_id < b->table_id ? -1 : 1;
	if (a->cls.priority != b->cls.priority)
		return a->cls.priority > b->cls.priority ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

long ft_collect(const struct flow_tables *ft, const struct ft_rule ***out)
{
	struct collect col = { .rules = malloc((ft->n_rules ? ft->n_rules : 1) * sizeof(*col.rules)) };

	*out = NULL;
	if (!col.rules)
		return -ENOMEM;
	for (int t = 0; t < OFP_N_TABLES; t++)
		cls_for_each(&ft->tables[t], collect_cb, &col);
	qsort(col.rules, col.n, sizeof(*col.rules), collect_order);
	*out = col.rules;
	return (long)col.n;
}

void ft_rule_flow(const struct ft_rule *rule, struct ofp_flow *flow)
{
	memset(flow, 0, sizeof(*flow));
	flow->table_id = rule->table_id;
	flow->priority = rule->cls.priority;
	flow->cookie = rule->cookie;
	flow->idle_timeout = rule->idle_timeout;
	flow->hard_timeout = rule->hard_timeout;
	flow->out_port = OFPP_NONE;
	flow->match = rule->cls.match;
	flow->actions = rule->actions;
	flow->n_actions = rule->n_actions;
}
