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

#define FM_FIXED 48 /* header + fixed fields, before the match */

int ofs_decode_flow_mod(const uint8_t *msg, size_t len, struct ofs_fm *fm)
{
	struct ofp_flow *f = &fm->flow;
	size_t mlen;
	uint16_t match_len;
	int err;

	memset(fm, 0, sizeof(*fm));
	ofp_flow_init(f);
	if (len < OFP_FLOW_MOD_LEN)
		return E_BAD_LEN;
	f->cookie = of_get64(msg + 8);
	f->cookie_mask = of_get64(msg + 16);
	f->table_id = msg[24];
	fm->command = msg[25];
	f->idle_timeout = of_get16(msg + 26);
	f->hard_timeout = of_get16(msg + 28);
	f->priority = of_get16(msg + 30);
	fm->buffer_id = of_get32(msg + 32);
	f->out_port = of_get32(msg + 36);
	fm->out_group = of_get32(msg + 40);
	fm->flags = of_get16(msg + 44);
	if (fm->command > OFPFC_DELETE_STRICT)
		return E_FM_BAD_COMMAND;
	if (fm->flags & ~0x1fu)
		return E_FM_BAD_FLAGS;
	if (f->table_id == OFPTT_ALL && fm->command == OFPFC_ADD)
		return E_FM_BAD_TABLE_ID;
	/* out_port and out_group only filter deletes; adds and modifies
	 * ignore them (os-ken sends 0). */
	if (fm->command != OFPFC_DELETE && fm->command != OFPFC_DELETE_STRICT) {
		f->out_port = OFPP_NONE;
		fm->out_group = OFPG13_ANY;
	} else if (f->out_port == OFPP13_ANY)
		f->out_port = OFPP_NONE;
	else if (!of_port_from_wire(f->out_port))
		return E_REQ_BAD_PORT;
	else
		f->out_port = of_port_from_wire(f->out_port);
	err = oxm_decode_match(msg + FM_FIXED, len - FM_FIXED, &f->match, &mlen);
	if (err)
		return err;
	match_len = of_get16(msg + FM_FIXED + 2);
	fm->oxm = msg + FM_FIXED + 4;
	fm->oxm_len = match_len - 4u;
	fm->insts = msg + FM_FIXED + mlen;
	fm->insts_len = len - FM_FIXED - mlen;
	if (fm->command == OFPFC_ADD || fm->command == OFPFC_MODIFY ||
	    fm->command == OFPFC_MODIFY_STRICT) {
		err = ofa_decode_instructions(fm->insts, fm->insts_len,
					      f->table_id == OFPTT_ALL ? 0 : f->table_id,
					      &f->actions, &f->n_actions);
		if (err) {
			ofp_flow_free(f);
			return err;
		}
	}
	if (fm->command != OFPFC_ADD)
		f->cookie &= f->cookie_mask;
	else
		f->cookie_mask = 0;
	return 0;
}

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
		wire_store_put(&s->store, r, fm->flags, fm->oxm, fm->oxm_len, fm->insts,
			       fm->insts_len);
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
		wire_store_set_insts(&s->store, r, fm->insts, fm->insts_len);
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
	struct wire_entry *e = wire_store_get(&s->store, r);
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
	struct wire_entry *e = wire_store_get(&s->store, r);

	if (e && e->actions == r->actions)
		ofbuf_put(b, e->insts, e->insts_len);
	else
		ofa_encode_instructions(b, r->actions, r->n_actions);
}

uint16_t ofs_rule_flags(struct of_switch *s, const struct ft_rule *r)
{
	struct wire_entry *e = wire_store_get(&s->store, r);

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
