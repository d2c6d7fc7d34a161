// SPDX-License-Identifier: Apache-2.0
/* FLOW_MOD: add, modify(_strict), delete(_strict) on the bridge's tables,
 * the same tables and journal the CLI's flow commands use; FLOW_REMOVED
 * for rules that asked for it. A refused flow_mod changes nothing. */
#include "agent/openflow/flow_mod.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/persist.h"
#include "agent/openflow/ofactions.h"
#include "agent/openflow/ofs_int.h"
#include "agent/openflow/oxm.h"
#include "common/clock.h"

static bool overlaps(const struct ofp_match *a, const struct ofp_match *b)
{
	const uint8_t *av = (const void *)&a->value, *am = (const void *)&a->mask;
	const uint8_t *bv = (const void *)&b->value, *bm = (const void *)&b->mask;

	for (size_t i = 0; i < sizeof(a->value); i++)
		if ((av[i] ^ bv[i]) & am[i] & bm[i])
			return false;
	return true;
}

/* The rules of the tables a modify/delete of f selects (like flow_table.c
 * selects them), in a heap array. Returns the count or -ENOMEM. */
static long select_rules(struct of_switch *s, const struct ofp_flow *f, bool strict,
			 const struct ft_rule ***out)
{
	const struct ft_rule **all;
	long n = ft_collect(s->a->pipeline, &all), k = 0;

	if (n < 0)
		return n;
	for (long i = 0; i < n; i++) {
		const struct ft_rule *r = all[i];

		if (f->table_id != OFPTT_ALL && r->table_id != f->table_id)
			continue;
		if ((r->cookie & f->cookie_mask) != (f->cookie & f->cookie_mask))
			continue;
		if (strict ? r->cls.priority != f->priority ||
			     memcmp(&r->cls.match, &f->match, sizeof(f->match))
			   : !cls_match_covers(&f->match, &r->cls.match))
			continue;
		all[k++] = r;
	}
	*out = all;
	return k;
}

static int fm_add(struct of_switch *s, struct ofs_fm *fm)
{
	struct flow_tables *ft = s->a->pipeline;
	struct ofp_flow *f = &fm->flow;
	struct cls_rule *cr;
	struct ft_rule *r;
	int err;

	if (fm->flags & OFPFF_CHECK_OVERLAP) {
		const struct ft_rule **rules;
		long n = ft_collect(ft, &rules);
		bool clash = false;

		if (n < 0)
			return E_FM_UNKNOWN;
		for (long i = 0; i < n && !clash; i++)
			clash = rules[i]->table_id == f->table_id &&
				rules[i]->cls.priority == f->priority &&
				overlaps(&rules[i]->cls.match, &f->match);
		free(rules);
		if (clash)
			return E_FM_OVERLAP;
	}
	err = xs_agent_flow_add(s->a, f, xs_mono_ms());
	if (err)
		return err == -ENOSPC ? E_FM_TABLE_FULL : E_FM_UNKNOWN;
	cr = cls_find_exact(&ft->tables[f->table_id], &f->match, f->priority);
	r = (struct ft_rule *)cr;
	if (r) {
		if (fm->flags & OFPFF_RESET_COUNTS)
			r->n_packets = r->n_bytes = 0;
		/* Without it, a flow stats reply encodes the rule's actions. */
		if (!wire_store_put(&s->a->wire, r, fm->flags, fm->oxm, fm->oxm_len, fm->insts,
				    fm->insts_len))
			xs_agent_journal_wire(s->a, r, true);
	}
	xs_agent_tables_changed(s->a);
	return 0;
}

static int fm_modify(struct of_switch *s, struct ofs_fm *fm, bool strict)
{
	struct ft_modify_result res;
	const struct ft_rule **rules;
	long n = select_rules(s, &fm->flow, strict, &rules);
	int err;

	if (n < 0)
		return E_FM_UNKNOWN;
	err = xs_agent_flow_modify_many(s->a, &fm->flow, 1, strict, &res);
	if (err) {
		free(rules);
		return err == -EINVAL ? E_INST_BAD_TABLE_ID : E_FM_UNKNOWN;
	}
	for (long i = 0; i < n; i++) {
		struct ft_rule *r = (struct ft_rule *)rules[i];

		if (fm->flags & OFPFF_RESET_COUNTS)
			r->n_packets = r->n_bytes = 0;
		if (!wire_store_set_insts(&s->a->wire, r, fm->insts, fm->insts_len))
			xs_agent_journal_wire(s->a, r, false); /* those with an entry */
	}
	free(rules);
	if (res.n_changed)
		xs_agent_tables_changed(s->a);
	return 0;
}

static int fm_delete(struct of_switch *s, struct ofs_fm *fm, bool strict)
{
	size_t n = 0;

	if (fm->out_group != OFPG13_ANY)
		return 0; /* no rule outputs to a group */
	s->deleting = true;
	xs_agent_flow_delete(s->a, &fm->flow, strict, &n);
	s->deleting = false;
	if (n)
		xs_agent_tables_changed(s->a);
	return 0;
}

int ofs_flow_mod(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	struct ofs_fm fm;
	int err = ofs_decode_flow_mod(msg, len, &fm);

	if (err)
		return err;
	switch (fm.command) {
	case OFPFC_ADD:
		err = fm_add(s, &fm);
		break;
	case OFPFC_MODIFY:
	case OFPFC_MODIFY_STRICT:
		err = fm_modify(s, &fm, fm.command == OFPFC_MODIFY_STRICT);
		break;
	default:
		err = fm_delete(s, &fm, fm.command == OFPFC_DELETE_STRICT);
		break;
	}
	ofp_flow_free(&fm.flow);
	/* No buffers here: the flow_mod applies, the buffer does not exist. */
	if (!err && fm.buffer_id != OFP_NO_BUFFER)
		ofs_send_error(c, E_BUFFER_UNKNOWN, msg, len);
	return err;
}

/* Appends the match of rule r: as its controller sent it, else encoded. */
void ofs_put_rule_match(struct of_switch *s, struct ofbuf *b, const struct ft_rule *r)
{
	struct wire_entry *e = wire_store_get(&s->a->wire, r);
	size_t start = b->len;

	if (!e) {
		oxm_encode_match(b, &r->cls.match);
		return;
	}
	ofbuf_put16(b, OFPMT_OXM);
	ofbuf_put16(b, (uint16_t)(4 + e->match_len));
	ofbuf_put(b, e->match, e->match_len);
	ofbuf_pad8(b, start);
}

/* Appends the instructions of r, as sent while its actions are the ones
 * the controller gave. */
void ofs_put_rule_insts(struct of_switch *s, struct ofbuf *b, const struct ft_rule *r)
{
	struct wire_entry *e = wire_store_get(&s->a->wire, r);

	if (e && e->actions == r->actions)
		ofbuf_put(b, e->insts, e->insts_len);
	else
		ofa_encode_instructions(b, r->actions, r->n_actions);
}

uint16_t ofs_rule_flags(struct of_switch *s, const struct ft_rule *r)
{
	struct wire_entry *e = wire_store_get(&s->a->wire, r);

	return e ? e->flags : 0;
}

void ofs_flow_removed_hook(void *ctx, const struct ft_rule *r)
{
	struct of_switch *s = ctx;
	uint64_t now = xs_mono_ms(), age, idle, last;
	uint8_t reason = OFPRR_DELETE;

	if (s->prev_on_delete)
		s->prev_on_delete(s->prev_on_delete_ctx, r);
	if (!(ofs_rule_flags(s, r) & OFPFF_SEND_FLOW_REM))
		return;
	age = now > r->created_ms ? now - r->created_ms : 0;
	last = r->used_ms > r->created_ms ? r->used_ms : r->created_ms;
	idle = now > last ? now - last : 0;
	if (!s->deleting) {
		if (r->hard_timeout && age >= r->hard_timeout * 1000ull)
			reason = OFPRR_HARD_TIMEOUT;
		else if (r->idle_timeout && idle >= r->idle_timeout * 1000ull)
			reason = OFPRR_IDLE_TIMEOUT;
	}
	for (unsigned i = 0; i < s->n_conns; i++) {
		struct ofs_conn *c = s->conns[i];
		size_t m;

		if (!ofs_wants(c, 2, reason))
			continue;
		m = ofs_start(c, OFPT_FLOW_REMOVED, 0);
		ofbuf_put64(&c->tx, r->cookie);
		ofbuf_put16(&c->tx, r->cls.priority);
		ofbuf_put8(&c->tx, reason);
		ofbuf_put8(&c->tx, r->table_id);
		ofbuf_put32(&c->tx, (uint32_t)(age / 1000));
		ofbuf_put32(&c->tx, (uint32_t)(age % 1000) * 1000000u);
		ofbuf_put16(&c->tx, r->idle_timeout);
		ofbuf_put16(&c->tx, r->hard_timeout);
		ofbuf_put64(&c->tx, r->n_packets);
		ofbuf_put64(&c->tx, r->n_bytes);
		ofs_put_rule_match(s, &c->tx, r);
		ofs_end(c, m);
		s->flow_removed_sent++;
	}
}
