// SPDX-License-Identifier: Apache-2.0
/* The action list of ovs-ofctl flow text ("actions=..."): each action's
 * syntax, instruction order, and prerequisites against the flow's match. */
#include "agent/ofp/lex.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct act_state {
	struct ofpact *v;
	size_t n, cap;
	int table;               /* the flow's table, -1 if unknown */
	struct ofp_match work;   /* the match as earlier actions left it */
	bool write_md;           /* write_metadata seen */
	bool action_set;         /* clear_actions or write_actions seen */
	bool in_write;           /* parsing write_actions' list */
	bool goto_seen;
	bool drop;
	unsigned clone_depth;    /* inside clone(...) */
	struct ofp_tok conj_at;  /* first conjunction, if any */
	struct ofp_tok other_at; /* first action that is neither it nor note */
	struct xs_err *err;
};

static int parse_list(struct act_state *st, struct ofp_tok t);

/* One action token split into name and argument. */
struct act_tok {
	struct ofp_tok all, name, arg;
	bool has_arg, parens;
};

static struct ofpact *append(struct act_state *st, enum ofpact_type type)
{
	struct ofpact *a;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		struct ofpact *v = realloc(st->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		st->v = v;
		st->cap = cap;
	}
	a = &st->v[st->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

/* Appends an action of type to st as a, or returns -EINVAL ("out of
 * memory" at the action at) from the calling parser. */
#define APPEND(a, st, at, type)                                               \
	do {                                                                  \
		(a) = append(st, type);                                       \
		if (!(a))                                                     \
			return ofp_err((st)->err, (at)->all, "out of memory"); \
	} while (0)

/* The working match knows whether a VLAN tag is there (for set_field on
 * dl_vlan and dl_vlan_pcp). */
static void work_vlan(struct act_state *st, bool present)
{
	__be16 cfi = htons(XS_VLAN_PRESENT);

	st->work.mask.dp.vlan[0].tci |= cfi;
	if (present)
		st->work.value.dp.vlan[0].tci |= cfi;
	else
		st->work.value.dp.vlan[0].tci &= ~cfi;
}

static int need_prereq(struct act_state *st, const struct act_tok *at,
		       const struct ofp_field *f, struct ofp_tok where)
{
	if (ofp_prereq_in_match(f, &st->work))
		return 0;
	return ofp_err(st->err, where, "%.*s: %s requires %s in the match",
		       OFP_TOK(at->name), f->name, ofp_prereq_text(f));
}

static int need_arg(struct act_state *st, const struct act_tok *at, const char *form)
{
	if (at->has_arg && at->arg.len)
		return 0;
	return ofp_err(st->err, at->all, "%.*s needs an argument (%s)",
		       OFP_TOK(at->name), form);
}

static int no_arg(struct act_state *st, const struct act_tok *at)
{
	if (!at->has_arg)
		return 0;
	return ofp_err(st->err, at->arg, "%.*s takes no argument", OFP_TOK(at->name));
}

static int add_set(struct act_state *st, const struct act_tok *at,
		   const struct ofp_field *f, const uint8_t *value, const uint8_t *mask,
		   enum ofpact_set_spelling spelling)
{
	struct ofpact *a;

	if (need_prereq(st, at, f, at->arg))
		return -EINVAL;
	APPEND(a, st, at, OFPACT_SET_FIELD);
	a->set_field.field = f->id;
	a->set_field.spelling = spelling;
	memcpy(a->set_field.value, value, f->n_bytes);
	memcpy(a->set_field.mask, mask, f->n_bytes);
	return 0;
}

/* mod_dl_src:MAC, mod_nw_dst:IP, mod_tp_src:PORT, ... */
static int parse_mod(struct act_state *st, const struct act_tok *at, enum ofp_field_id id)
{
	const struct ofp_field *f = ofp_field_by_id(id);
	uint8_t v[OFP_FIELD_MAX_BYTES], m[OFP_FIELD_MAX_BYTES];

	if (need_arg(st, at, "VALUE") ||
	    ofp_read_field_value(f, at->arg, false, v, m, st->err))
		return -EINVAL;
	if (id == OFPF_NW_TOS && (v[0] & 3))
		return ofp_err(st->err, at->arg, "mod_nw_tos: %.*s has ECN bits set "
			       "(a multiple of 4 is needed)", OFP_TOK(at->arg));
	return add_set(st, at, f, v, m, OFPACT_SPELL_MOD);
}

/* In actions, ovs-ofctl reads tp_src/tp_dst as tcp_src/tcp_dst (only
 * matches take them for any L4 protocol). */
static const struct ofp_field *action_field(const struct ofp_field *f)
{
	if (f && f->id == OFPF_TP_SRC)
		return ofp_field_by_id(OFPF_TCP_SRC);
	if (f && f->id == OFPF_TP_DST)
		return ofp_field_by_id(OFPF_TCP_DST);
	return f;
}

/* set_field:VALUE[/MASK]->FIELD */
static int parse_set_field(struct act_state *st, const struct act_tok *at)
{
	uint8_t v[OFP_FIELD_MAX_BYTES], m[OFP_FIELD_MAX_BYTES];
	const struct ofp_field *f;
	struct ofp_tok vt, ft;
	int arrow;

	if (need_arg(st, at, "VALUE->FIELD"))
		return -EINVAL;
	arrow = ofp_tok_arrow(at->arg);
	if (arrow < 0)
		return ofp_err(st->err, at->arg, "set_field: '%.*s' lacks '->' "
			       "(write set_field:VALUE->FIELD)", OFP_TOK(at->arg));
	vt = ofp_tok_sub(at->arg, 0, arrow);
	ft = ofp_tok_sub(at->arg, arrow + 2, at->arg.len - arrow - 2);
	f = action_field(ofp_field_by_name(ft.s, ft.len));
	if (!f)
		return ofp_err(st->err, ft, "set_field: unknown field '%.*s'", OFP_TOK(ft));
	if (!f->writable)
		return ofp_err(st->err, ft, "set_field: field %s is not writable", f->name);
	if (ofp_read_field_value(f, vt, true, v, m, st->err))
		return -EINVAL;
	if (f->id == OFPF_NW_TOS && (v[0] & 3))
		return ofp_err(st->err, vt, "set_field: nw_tos value %.*s has ECN bits "
			       "set (a multiple of 4 is needed)", OFP_TOK(vt));
	if (need_prereq(st, at, f, ft))
		return -EINVAL;
	/* As OpenFlow 1.2+ says and ovs-ofctl checks: a VID is set only in
	 * a tag the match (or an earlier push) guarantees. */
	if ((f->id == OFPF_VLAN_VID || f->id == OFPF_DL_VLAN) &&
	    !ofp_prereq_in_match(ofp_field_by_id(OFPF_DL_VLAN_PCP), &st->work))
		return ofp_err(st->err, ft, "set_field: %s requires %s in the match", f->name,
			       ofp_prereq_text(ofp_field_by_id(OFPF_DL_VLAN_PCP)));
	return add_set(st, at, f, v, m, OFPACT_SPELL_SET_FIELD);
}

/* FIELD[], FIELD[N], FIELD[A..B] or FIELD: a bit range of a field. */
static int parse_subfield(struct act_state *st, const struct act_tok *at,
			  struct ofp_tok t, bool dst, struct ofpact_subfield *sf)
{
	const struct ofp_field *f;
	int lb = ofp_tok_find(t, '[');
	struct ofp_tok name = lb < 0 ? t : ofp_tok_sub(t, 0, lb);
	uint64_t a, b;
	char what[48];
	int dots = -1;
	unsigned i;

	f = action_field(ofp_subfield_by_name(name.s, name.len));
	if (!f)
		return ofp_err(st->err, name, "%.*s: unknown field '%.*s'",
			       OFP_TOK(at->name), OFP_TOK(name));
	if (dst && !f->writable)
		return ofp_err(st->err, name, "%.*s: field %s is not writable",
			       OFP_TOK(at->name), f->name);
	sf->field = f->id;
	sf->ofs = 0;
	sf->n_bits = f->n_bits;
	if (lb < 0)
		return 0;
	if (t.s[t.len - 1] != ']')
		return ofp_err(st->err, t, "%.*s: '%.*s' lacks a closing ']'",
			       OFP_TOK(at->name), OFP_TOK(t));
	t = ofp_tok_sub(t, lb + 1, t.len - lb - 2);
	if (!t.len)
		return 0;
	snprintf(what, sizeof(what), "%.*s: bit index", OFP_TOK(at->name));
	for (i = 0; i + 1 < t.len; i++)
		if (t.s[i] == '.' && t.s[i + 1] == '.')
			dots = i;
	if (dots < 0) {
		if (ofp_read_uint(t, 0xffff, what, &a, st->err))
			return -EINVAL;
		b = a;
	} else if (ofp_read_uint(ofp_tok_sub(t, 0, dots), 0xffff, what, &a, st->err) ||
		   ofp_read_uint(ofp_tok_sub(t, dots + 2, t.len - dots - 2), 0xffff, what,
				 &b, st->err)) {
		return -EINVAL;
	}
	if (a > b)
		return ofp_err(st->err, t, "%.*s: bit range [%.*s] is backwards",
			       OFP_TOK(at->name), OFP_TOK(t));
	if (b >= f->n_bits)
		return ofp_err(st->err, t, "%.*s: bit range [%.*s] is out of range (%s "
			       "has %u bits)", OFP_TOK(at->name), OFP_TOK(t), f->name,
			       f->n_bits);
	sf->ofs = a;
	sf->n_bits = b - a + 1;
	return 0;
}

/* load:VALUE->DST[range] */
static int parse_load(struct act_state *st, const struct act_tok *at)
{
	struct ofpact_subfield dst;
	uint8_t v[OFP_FIELD_MAX_BYTES];
	struct ofp_tok vt, dt;
	struct ofpact *a;
	int arrow, r;

	if (need_arg(st, at, "VALUE->FIELD[RANGE]"))
		return -EINVAL;
	arrow = ofp_tok_arrow(at->arg);
	if (arrow < 0)
		return ofp_err(st->err, at->arg, "load: '%.*s' lacks '->' (write "
			       "load:VALUE->FIELD[RANGE])", OFP_TOK(at->arg));
	vt = ofp_tok_sub(at->arg, 0, arrow);
	dt = ofp_tok_sub(at->arg, arrow + 2, at->arg.len - arrow - 2);
	if (parse_subfield(st, at, dt, true, &dst))
		return -EINVAL;
	r = ofp_read_number(vt, v, sizeof(v));
	if (r == -EINVAL)
		return ofp_err(st->err, vt, "load: value '%.*s' is not a number",
			       OFP_TOK(vt));
	if (r == -ERANGE || ofp_bits_used(v, sizeof(v)) > dst.n_bits)
		return ofp_err(st->err, vt, "load: value %.*s does not fit in %u bits",
			       OFP_TOK(vt), dst.n_bits);
	if (need_prereq(st, at, ofp_field_by_id(dst.field), dt))
		return -EINVAL;
	APPEND(a, st, at, OFPACT_LOAD);
	a->load.dst = dst;
	memcpy(a->load.value, v, sizeof(v));
	return 0;
}

/* move:SRC[range]->DST[range] */
static int parse_move(struct act_state *st, const struct act_tok *at)
{
	struct ofpact_subfield src, dst;
	struct ofp_tok srct, dstt;
	struct ofpact *a;
	int arrow;

	if (need_arg(st, at, "SRC[RANGE]->DST[RANGE]"))
		return -EINVAL;
	arrow = ofp_tok_arrow(at->arg);
	if (arrow < 0)
		return ofp_err(st->err, at->arg, "move: '%.*s' lacks '->' (write "
			       "move:SRC[RANGE]->DST[RANGE])", OFP_TOK(at->arg));
	srct = ofp_tok_sub(at->arg, 0, arrow);
	dstt = ofp_tok_sub(at->arg, arrow + 2, at->arg.len - arrow - 2);
	if (parse_subfield(st, at, srct, false, &src) ||
	    parse_subfield(st, at, dstt, true, &dst))
		return -EINVAL;
	if (src.n_bits != dst.n_bits)
		return ofp_err(st->err, at->arg, "move: source has %u bits but "
			       "destination has %u", src.n_bits, dst.n_bits);
	if (need_prereq(st, at, ofp_field_by_id(src.field), srct) ||
	    need_prereq(st, at, ofp_field_by_id(dst.field), dstt))
		return -EINVAL;
	APPEND(a, st, at, OFPACT_MOVE);
	a->move.src = src;
	a->move.dst = dst;
	return 0;
}

static int add_output(struct act_state *st, const struct act_tok *at,
		      struct ofp_tok where, uint32_t port)
{
	struct ofpact *a;

	if (port == OFPP_TABLE || port == OFPP_NONE)
		return ofp_err(st->err, where, "output to %s is not supported in a flow",
			       ofp_port_name(port));
	if (port == OFPP_CONTROLLER) {
		APPEND(a, st, at, OFPACT_CONTROLLER);
		a->controller.max_len = UINT16_MAX;
		a->controller.reason = OFP_REASON_ACTION;
		return 0;
	}
	APPEND(a, st, at, OFPACT_OUTPUT);
	a->output.port = port;
	return 0;
}

/* Is t the name of a field (with or without a bit range)? */
static bool names_field(struct ofp_tok t)
{
	int lb = ofp_tok_find(t, '[');
	struct ofp_tok name = lb < 0 ? t : ofp_tok_sub(t, 0, lb);

	return ofp_subfield_by_name(name.s, name.len) != NULL;
}

/* output:PORT, or output:FIELD[range] (the port number the field holds);
 * a bare name that is both (in_port) is the port, as in ovs-ofctl. */
static int parse_output(struct act_state *st, const struct act_tok *at)
{
	struct ofpact_subfield sf;
	struct ofpact *a;
	uint32_t port;

	if (at->parens)
		return ofp_err(st->err, at->all, "output(...) is not supported "
			       "(write output:PORT)");
	if (need_arg(st, at, "output:PORT or output:FIELD[RANGE]"))
		return -EINVAL;
	if (ofp_tok_find(at->arg, '[') < 0 &&
	    (!names_field(at->arg) || !ofp_read_port(at->arg, "output", &port, NULL))) {
		if (ofp_read_port(at->arg, "output", &port, st->err))
			return -EINVAL;
		return add_output(st, at, at->arg, port);
	}
	if (parse_subfield(st, at, at->arg, false, &sf) ||
	    need_prereq(st, at, ofp_field_by_id(sf.field), at->arg))
		return -EINVAL;
	APPEND(a, st, at, OFPACT_OUTPUT_REG);
	a->output_reg = sf;
	return 0;
}

/* push:FIELD[range] and pop:FIELD[range] (the register stack). */
static int parse_stack(struct act_state *st, const struct act_tok *at)
{
	bool pop = ofp_tok_is(at->name, "pop");
	struct ofpact_subfield sf;
	struct ofpact *a;

	if (need_arg(st, at, pop ? "pop:FIELD[RANGE]" : "push:FIELD[RANGE]") ||
	    parse_subfield(st, at, at->arg, pop, &sf) ||
	    need_prereq(st, at, ofp_field_by_id(sf.field), at->arg))
		return -EINVAL;
	APPEND(a, st, at, pop ? OFPACT_STACK_POP : OFPACT_STACK_PUSH);
	a->stack = sf;
	return 0;
}

/* conjunction(ID,K/N) */
static int parse_conjunction(struct act_state *st, const struct act_tok *at)
{
	struct ofp_tok idt, kt, nt;
	uint64_t id, k, n;
	struct ofpact *a;
	int comma, slash;

	comma = at->parens ? ofp_tok_find(at->arg, ',') : -1;
	if (comma < 0)
		return ofp_err(st->err, at->all, "conjunction syntax is "
			       "conjunction(ID,K/N)");
	idt = ofp_tok_sub(at->arg, 0, comma);
	kt = ofp_tok_sub(at->arg, comma + 1, at->arg.len - comma - 1);
	slash = ofp_tok_find(kt, '/');
	if (slash < 0)
		return ofp_err(st->err, kt, "conjunction: '%.*s' is not K/N "
			       "(clause K of N)", OFP_TOK(kt));
	nt = ofp_tok_sub(kt, slash + 1, kt.len - slash - 1);
	kt = ofp_tok_sub(kt, 0, slash);
	while (idt.len && idt.s[idt.len - 1] == ' ')
		idt.len--;
	while (kt.len && kt.s[0] == ' ')
		kt = ofp_tok_sub(kt, 1, kt.len - 1);
	if (ofp_read_uint(idt, UINT32_MAX, "conjunction: id", &id, st->err) ||
	    ofp_read_uint(kt, 255, "conjunction: clause", &k, st->err) ||
	    ofp_read_uint(nt, 255, "conjunction: number of clauses", &n, st->err))
		return -EINVAL;
	if (n < 2 || n > 64)
		return ofp_err(st->err, nt, "conjunction: %u clauses (it takes 2 to 64)",
			       (unsigned)n);
	if (k < 1 || k > n)
		return ofp_err(st->err, kt, "conjunction: clause %u is not in 1..%u",
			       (unsigned)k, (unsigned)n);
	APPEND(a, st, at, OFPACT_CONJUNCTION);
	a->conjunction.id = id;
	a->conjunction.clause = k - 1;
	a->conjunction.n_clauses = n;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes, optionally separated by dots ("01.02.ff" or "0102ff"). */
static int read_hex_bytes(struct act_state *st, struct ofp_tok t, const char *what,
			  uint8_t *out, unsigned max, unsigned *len)
{
	unsigned i = 0, n = 0;

	while (i < t.len) {
		int hi, lo;

		if (t.s[i] == '.') {
			i++;
			continue;
		}
		hi = hex_digit(t.s[i]);
		lo = i + 1 < t.len ? hex_digit(t.s[i + 1]) : -1;
		if (hi < 0 || lo < 0)
			return ofp_err(st->err, ofp_tok_sub(t, i, i + 1 < t.len ? 2 : 1),
				       "%s: '%.*s' is not a hex byte (write pairs of "
				       "hex digits, dots between bytes optional)", what,
				       i + 1 < t.len ? 2 : 1, t.s + i);
		if (n == max)
			return ofp_err(st->err, t, "%s: longer than %u bytes", what, max);
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*len = n;
	return 0;
}

/* note:HEX...; kept padded as ovs-ofctl prints it (to 6 + 8k bytes). */
static int parse_note(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	unsigned len = 0, padded;
	uint8_t data[OFPACT_NOTE_MAX];

	if (at->parens)
		return ofp_err(st->err, at->all, "note syntax is note:HEX.HEX...");
	if (at->has_arg && read_hex_bytes(st, at->arg, "note", data,
					  OFPACT_NOTE_MAX - 8, &len))
		return -EINVAL;
	padded = (len + 2 + 7) / 8 * 8 - 2;
	if (padded < 6)
		padded = 6;
	APPEND(a, st, at, OFPACT_NOTE);
	memcpy(a->note.data, data, len);
	a->note.len = padded;
	return 0;
}

/* dec_ttl, dec_ttl(ID,...): the ids are the controllers told of an
 * expired TTL. */
static int parse_dec_ttl(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	unsigned i = 0, n = 0;
	uint16_t ids[OFPACT_DEC_TTL_MAX_IDS];

	if (at->has_arg && !at->parens)
		return ofp_err(st->err, at->arg, "dec_ttl takes no argument (write "
			       "dec_ttl or dec_ttl(ID,...))");
	while (at->parens && i < at->arg.len) {
		unsigned j = i;
		uint64_t v;

		while (j < at->arg.len && at->arg.s[j] != ',')
			j++;
		if (n == OFPACT_DEC_TTL_MAX_IDS)
			return ofp_err(st->err, at->arg, "dec_ttl: more than %d controller "
				       "ids", OFPACT_DEC_TTL_MAX_IDS);
		if (ofp_read_uint(ofp_tok_sub(at->arg, i, j - i), UINT16_MAX,
				  "dec_ttl: controller id", &v, st->err))
			return -EINVAL;
		ids[n++] = v;
		i = j + 1;
	}
	APPEND(a, st, at, OFPACT_DEC_TTL);
	a->dec_ttl.n_ids = n;
	memcpy(a->dec_ttl.ids, ids, n * sizeof(ids[0]));
	return 0;
}

/* clone(ACTIONS): the nested actions follow the CLONE entry in the list;
 * what they do to the packet does not outlive them. */
static int parse_clone(struct act_state *st, const struct act_tok *at)
{
	struct ofp_match saved = st->work;
	size_t idx;
	struct ofpact *a;

	if (!at->parens)
		return ofp_err(st->err, at->all, "clone syntax is clone(ACTIONS)");
	APPEND(a, st, at, OFPACT_CLONE);
	idx = st->n - 1;
	st->clone_depth++;
	if (parse_list(st, at->arg))
		return -EINVAL;
	st->clone_depth--;
	st->drop = false;
	st->v[idx].clone.n_nested = st->n - idx - 1;
	st->work = saved;
	return 0;
}

static const struct {
	const char *name;
	uint8_t code;
} reasons[] = {
	{ "no_match", OFP_REASON_NO_MATCH },
	{ "action", OFP_REASON_ACTION },
	{ "invalid_ttl", OFP_REASON_INVALID_TTL },
};

/* controller(key=value,...) */
static int parse_controller_opts(struct act_state *st, struct ofp_tok t,
				 struct ofpact *a)
{
	unsigned i = 0;

	while (i < t.len) {
		unsigned j = i, k;
		struct ofp_tok kt, vt;
		int eq;
		uint64_t v;

		while (j < t.len && t.s[j] != ',')
			j++;
		kt = ofp_tok_sub(t, i, j - i);
		i = j + 1;
		eq = ofp_tok_find(kt, '=');
		if (eq < 0)
			return ofp_err(st->err, kt, "controller: option '%.*s' is not "
				       "supported (max_len=N, reason=R, id=N or "
				       "userdata=HEX)", OFP_TOK(kt));
		vt = ofp_tok_sub(kt, eq + 1, kt.len - eq - 1);
		kt = ofp_tok_sub(kt, 0, eq);
		if (ofp_tok_is(kt, "max_len")) {
			if (ofp_read_uint(vt, UINT16_MAX, "controller: max_len", &v, st->err))
				return -EINVAL;
			a->controller.max_len = v;
		} else if (ofp_tok_is(kt, "id")) {
			if (ofp_read_uint(vt, UINT16_MAX, "controller: id", &v, st->err))
				return -EINVAL;
			a->controller.id = v;
		} else if (ofp_tok_is(kt, "reason")) {
			for (k = 0; k < sizeof(reasons) / sizeof(reasons[0]); k++)
				if (ofp_tok_is(vt, reasons[k].name))
					break;
			if (k == sizeof(reasons) / sizeof(reasons[0]))
				return ofp_err(st->err, vt, "controller: unknown reason "
					       "'%.*s' (action, no_match or invalid_ttl)",
					       OFP_TOK(vt));
			a->controller.reason = reasons[k].code;
		} else if (ofp_tok_is(kt, "userdata")) {
			unsigned len;

			if (read_hex_bytes(st, vt, "controller: userdata",
					   a->controller.userdata, OFPACT_USERDATA_MAX, &len))
				return -EINVAL;
			a->controller.userdata_len = len;
		} else {
			return ofp_err(st->err, kt, "controller: option '%.*s' is not "
				       "supported (max_len=N, reason=R, id=N or "
				       "userdata=HEX)", OFP_TOK(kt));
		}
	}
	return 0;
}

static int parse_controller(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	uint64_t v;

	APPEND(a, st, at, OFPACT_CONTROLLER);
	a->controller.max_len = UINT16_MAX;
	a->controller.reason = OFP_REASON_ACTION;
	if (!at->has_arg)
		return 0;
	if (at->parens)
		return parse_controller_opts(st, at->arg, a);
	if (ofp_read_uint(at->arg, UINT16_MAX, "controller: max_len", &v, st->err))
		return -EINVAL;
	a->controller.max_len = v;
	return 0;
}

/* resubmit:PORT, resubmit(PORT,TABLE), resubmit(,TABLE), resubmit(PORT) */
static int parse_resubmit(struct act_state *st, const struct act_tok *at)
{
	struct ofp_tok pt = at->arg, tt;
	uint32_t port = OFPP_IN_PORT;
	struct ofpact *a;
	uint64_t table = 255;
	int comma;

	if (need_arg(st, at, "resubmit:PORT or resubmit(PORT,TABLE)"))
		return -EINVAL;
	tt = ofp_tok_sub(at->arg, at->arg.len, 0);
	if (at->parens) {
		comma = ofp_tok_find(at->arg, ',');
		if (comma >= 0) {
			pt = ofp_tok_sub(at->arg, 0, comma);
			tt = ofp_tok_sub(at->arg, comma + 1, at->arg.len - comma - 1);
			if (ofp_tok_find(tt, ',') >= 0)
				return ofp_err(st->err, tt, "resubmit: only (PORT,TABLE) "
					       "is supported");
		}
	}
	if (pt.len && ofp_read_port(pt, "resubmit", &port, st->err))
		return -EINVAL;
	if (tt.len && ofp_read_uint(tt, OFP_N_TABLES - 1, "resubmit: table", &table,
				    st->err))
		return -EINVAL;
	/* Same port, same table would only loop. */
	if (port == OFPP_IN_PORT && table == 255)
		return ofp_err(st->err, at->arg, "resubmit: give a port other than "
			       "in_port, a table, or both");
	if (port == OFPP_TABLE || port == OFPP_NONE || port == OFPP_NORMAL ||
	    port == OFPP_FLOOD || port == OFPP_ALL || port == OFPP_CONTROLLER)
		return ofp_err(st->err, pt, "resubmit: %s is not an ingress port",
			       ofp_port_name(port));
	APPEND(a, st, at, OFPACT_RESUBMIT);
	a->resubmit.in_port = port;
	a->resubmit.table = table;
	return 0;
}

static int parse_goto(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	uint64_t t;

	if (need_arg(st, at, "goto_table:TABLE") ||
	    ofp_read_uint(at->arg, OFP_N_TABLES - 1, "goto_table", &t, st->err))
		return -EINVAL;
	if (st->table >= 0 && (int)t <= st->table)
		return ofp_err(st->err, at->arg, "goto_table:%u must go to a later "
			       "table than this flow's table %d", (unsigned)t, st->table);
	APPEND(a, st, at, OFPACT_GOTO_TABLE);
	a->goto_table.table = t;
	st->goto_seen = true;
	return 0;
}

static int parse_write_metadata(struct act_state *st, const struct act_tok *at)
{
	struct ofp_tok vt, mt;
	uint64_t v, m = UINT64_MAX;
	struct ofpact *a;
	int slash;

	if (need_arg(st, at, "write_metadata:VALUE[/MASK]"))
		return -EINVAL;
	if (st->write_md)
		return ofp_err(st->err, at->all, "write_metadata given twice");
	slash = ofp_tok_find(at->arg, '/');
	vt = slash < 0 ? at->arg : ofp_tok_sub(at->arg, 0, slash);
	if (ofp_read_uint(vt, UINT64_MAX, "write_metadata", &v, st->err))
		return -EINVAL;
	if (slash >= 0) {
		mt = ofp_tok_sub(at->arg, slash + 1, at->arg.len - slash - 1);
		if (ofp_read_uint(mt, UINT64_MAX, "write_metadata: mask", &m, st->err))
			return -EINVAL;
	}
	APPEND(a, st, at, OFPACT_WRITE_METADATA);
	a->metadata.value = v & m;
	a->metadata.mask = m;
	st->write_md = true;
	return 0;
}

static int parse_vlan_vid(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	uint64_t v;

	if (need_arg(st, at, "mod_vlan_vid:VID") ||
	    ofp_read_uint(at->arg, XS_VLAN_VID_MASK, "mod_vlan_vid", &v, st->err))
		return -EINVAL;
	APPEND(a, st, at, OFPACT_MOD_VLAN_VID);
	a->vlan_vid.vid = v;
	work_vlan(st, true);
	return 0;
}

static int parse_vlan_pcp(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	uint64_t v;

	if (need_arg(st, at, "mod_vlan_pcp:PCP") ||
	    ofp_read_uint(at->arg, 7, "mod_vlan_pcp", &v, st->err))
		return -EINVAL;
	APPEND(a, st, at, OFPACT_MOD_VLAN_PCP);
	a->vlan_pcp.pcp = v;
	work_vlan(st, true);
	return 0;
}

static int parse_push_vlan(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	uint64_t v;

	if (need_arg(st, at, "push_vlan:ETHERTYPE") ||
	    ofp_read_uint(at->arg, 0xffff, "push_vlan", &v, st->err))
		return -EINVAL;
	if (v != 0x8100 && v != 0x88a8)
		return ofp_err(st->err, at->arg, "push_vlan: ethertype %.*s is not "
			       "0x8100 or 0x88a8", OFP_TOK(at->arg));
	APPEND(a, st, at, OFPACT_PUSH_VLAN);
	a->push_vlan.tpid = htons(v);
	work_vlan(st, true);
	return 0;
}

static int parse_simple(struct act_state *st, const struct act_tok *at,
			enum ofpact_type type)
{
	struct ofpact *a;

	if (no_arg(st, at))
		return -EINVAL;
	APPEND(a, st, at, type);
	if (type == OFPACT_POP_VLAN)
		work_vlan(st, false);
	return 0;
}

static int parse_ct(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;
	struct ofpact_ct ct;

	if (ofp_parse_ct(at->has_arg ? at->arg : at->all, at->has_arg, &st->work, &ct, st->err))
		return -EINVAL;
	APPEND(a, st, at, OFPACT_CT);
	a->ct = ct;
	return 0;
}

static int parse_drop(struct act_state *st, const struct act_tok *at)
{
	if (no_arg(st, at))
		return -EINVAL;
	st->drop = true;
	return 0;
}

static int parse_one(struct act_state *st, struct ofp_tok t);

/* clear_actions and write_actions(LIST): instructions between the apply
 * actions and write_metadata (OpenFlow's order). */
static int parse_clear_actions(struct act_state *st, const struct act_tok *at)
{
	struct ofpact *a;

	if (no_arg(st, at))
		return -EINVAL;
	if (st->action_set)
		return ofp_err(st->err, at->all, "clear_actions must come before write_actions "
			       "and be given once");
	APPEND(a, st, at, OFPACT_CLEAR_ACTIONS);
	st->action_set = true;
	return 0;
}

static int parse_write_actions(struct act_state *st, const struct act_tok *at)
{
	size_t mark = st->n, n;
	struct ofpact *a;
	unsigned i = 0;

	if (!at->parens)
		return ofp_err(st->err, at->all, "write_actions takes a list: write_actions(...)");
	if (st->in_write)
		return ofp_err(st->err, at->all, "write_actions inside write_actions");
	for (size_t k = 0; k < st->n; k++)
		if (st->v[k].type == OFPACT_WRITE_ACTIONS)
			return ofp_err(st->err, at->all, "write_actions given twice");
	APPEND(a, st, at, OFPACT_WRITE_ACTIONS);
	st->in_write = true;
	while (i < at->arg.len) {
		unsigned j, depth = 0, b, e;

		for (j = i; j < at->arg.len; j++) {
			if (at->arg.s[j] == '(')
				depth++;
			else if (at->arg.s[j] == ')' && depth)
				depth--;
			else if (at->arg.s[j] == ',' && !depth)
				break;
		}
		b = i;
		e = j;
		while (b < e && (at->arg.s[b] == ' ' || at->arg.s[b] == '\t'))
			b++;
		while (e > b && (at->arg.s[e - 1] == ' ' || at->arg.s[e - 1] == '\t'))
			e--;
		i = j + 1;
		if (b < e && parse_one(st, ofp_tok_sub(at->arg, b, e - b))) {
			st->in_write = false;
			return -EINVAL;
		}
	}
	st->in_write = false;
	n = st->n - mark - 1;
	for (size_t k = mark + 1; k < st->n; k++) {
		enum ofpact_type t = st->v[k].type;

		if (t != OFPACT_OUTPUT && t != OFPACT_CONTROLLER && t != OFPACT_SET_FIELD &&
		    t != OFPACT_DEC_TTL && t != OFPACT_POP_VLAN && t != OFPACT_PUSH_VLAN &&
		    t != OFPACT_MOD_VLAN_VID && t != OFPACT_MOD_VLAN_PCP)
			return ofp_err(st->err, at->arg, "write_actions: only output, controller, "
				       "set_field, dec_ttl, push_vlan and pop_vlan belong in an "
				       "action set");
	}
	st->v[mark].write_actions.n = (uint16_t)n;
	st->action_set = true;
	return 0;
}

enum act_kind { K_APPLY, K_WRITE_MD, K_GOTO, K_SET };

static const struct {
	const char *name;
	enum act_kind kind;
	int (*parse)(struct act_state *, const struct act_tok *);
	enum ofp_field_id mod_field;   /* for parse == NULL: a mod_* action */
	enum ofpact_type simple;       /* for mod_field == OFPF__MAX */
} actions[] = {
	{ "output", K_APPLY, parse_output, 0, 0 },
	{ "controller", K_APPLY, parse_controller, 0, 0 },
	{ "drop", K_APPLY, parse_drop, 0, 0 },
	{ "set_field", K_APPLY, parse_set_field, 0, 0 },
	{ "load", K_APPLY, parse_load, 0, 0 },
	{ "move", K_APPLY, parse_move, 0, 0 },
	{ "resubmit", K_APPLY, parse_resubmit, 0, 0 },
	{ "mod_vlan_vid", K_APPLY, parse_vlan_vid, 0, 0 },
	{ "mod_vlan_pcp", K_APPLY, parse_vlan_pcp, 0, 0 },
	{ "push_vlan", K_APPLY, parse_push_vlan, 0, 0 },
	{ "write_metadata", K_WRITE_MD, parse_write_metadata, 0, 0 },
	{ "goto_table", K_GOTO, parse_goto, 0, 0 },
	{ "clear_actions", K_SET, parse_clear_actions, 0, 0 },
	{ "write_actions", K_SET, parse_write_actions, 0, 0 },
	{ "conjunction", K_APPLY, parse_conjunction, 0, 0 },
	{ "note", K_APPLY, parse_note, 0, 0 },
	{ "push", K_APPLY, parse_stack, 0, 0 },
	{ "pop", K_APPLY, parse_stack, 0, 0 },
	{ "clone", K_APPLY, parse_clone, 0, 0 },
	{ "dec_ttl", K_APPLY, parse_dec_ttl, 0, 0 },
	{ "ct", K_APPLY, parse_ct, 0, 0 },
	{ "ct_clear", K_APPLY, NULL, OFPF__MAX, OFPACT_CT_CLEAR },
	{ "mod_dl_src", K_APPLY, NULL, OFPF_DL_SRC, 0 },
	{ "mod_dl_dst", K_APPLY, NULL, OFPF_DL_DST, 0 },
	{ "mod_nw_src", K_APPLY, NULL, OFPF_NW_SRC, 0 },
	{ "mod_nw_dst", K_APPLY, NULL, OFPF_NW_DST, 0 },
	{ "mod_nw_tos", K_APPLY, NULL, OFPF_NW_TOS, 0 },
	{ "mod_nw_ecn", K_APPLY, NULL, OFPF_IP_ECN, 0 },
	{ "mod_nw_ttl", K_APPLY, NULL, OFPF_NW_TTL, 0 },
	{ "mod_tp_src", K_APPLY, NULL, OFPF_TP_SRC, 0 },
	{ "mod_tp_dst", K_APPLY, NULL, OFPF_TP_DST, 0 },
	{ "strip_vlan", K_APPLY, NULL, OFPF__MAX, OFPACT_POP_VLAN },
	{ "pop_vlan", K_APPLY, NULL, OFPF__MAX, OFPACT_POP_VLAN },
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

/* Splits "name:arg", "name=arg", "name(arg)" or "name". */
static int split_action(struct ofp_tok t, struct act_tok *at, struct xs_err *err)
{
	unsigned i;

	memset(at, 0, sizeof(*at));
	at->all = t;
	for (i = 0; i < t.len; i++)
		if (t.s[i] == ':' || t.s[i] == '=' || t.s[i] == '(')
			break;
	at->name = ofp_tok_sub(t, 0, i);
	if (i == t.len)
		return 0;
	at->has_arg = true;
	if (t.s[i] != '(') {
		at->arg = ofp_tok_sub(t, i + 1, t.len - i - 1);
		return 0;
	}
	at->parens = true;
	if (t.s[t.len - 1] != ')')
		return ofp_err(err, t, "'%.*s' lacks a closing ')' at its end",
			       OFP_TOK(t));
	at->arg = ofp_tok_sub(t, i + 1, t.len - i - 2);
	return 0;
}

/* One action (or instruction) token: checks instruction order, then hands
 * it to its parser; a bare port is an output. */
static int parse_one(struct act_state *st, struct ofp_tok t)
{
	struct act_tok at;
	unsigned i;
	uint32_t port;

	if (split_action(t, &at, st->err))
		return -EINVAL;
	if (st->goto_seen)
		return ofp_err(st->err, t, "%.*s: nothing may follow goto_table "
			       "(it must be the last instruction)", OFP_TOK(at.name));
	for (i = 0; i < N_ACTIONS; i++)
		if (at.name.len == strlen(actions[i].name) &&
		    !strncasecmp(at.name.s, actions[i].name, at.name.len))
			break;
	if (i == N_ACTIONS) {
		/* A bare port: "2", "in_port", "flood", ... */
		int r = at.has_arg ? -EINVAL : ofp_read_port(t, "", &port, st->err);

		if (r == -ENODEV)
			return -EINVAL; /* "local": the message says why */
		if (r)
			return ofp_err(st->err, t, "unknown or unsupported action '%.*s'",
				       OFP_TOK(at.name));
		if (st->write_md && !st->in_write)
			return ofp_err(st->err, t, "%.*s must come before write_metadata "
				       "(instruction order)", OFP_TOK(t));
		if (st->action_set && !st->in_write)
			return ofp_err(st->err, t, "%.*s must come before clear_actions and "
				       "write_actions (instruction order)", OFP_TOK(t));
		if (!st->clone_depth && !st->other_at.len)
			st->other_at = t;
		return add_output(st, &at, t, port);
	}
	if (st->in_write && actions[i].kind != K_APPLY)
		return ofp_err(st->err, t, "%s inside write_actions", actions[i].name);
	if ((actions[i].kind == K_APPLY || actions[i].kind == K_SET) && st->write_md)
		return ofp_err(st->err, t, "%s must come before write_metadata "
			       "(instruction order)", actions[i].name);
	if (actions[i].kind == K_APPLY && st->action_set && !st->in_write)
		return ofp_err(st->err, t, "%s must come before clear_actions and write_actions "
			       "(instruction order)", actions[i].name);
	if (actions[i].kind != K_APPLY && st->clone_depth)
		return ofp_err(st->err, t, "%s: an instruction is not allowed inside "
			       "clone(...)", actions[i].name);
	if (!st->clone_depth) {
		if (!strcmp(actions[i].name, "conjunction")) {
			if (!st->conj_at.len)
				st->conj_at = t;
		} else if (strcmp(actions[i].name, "note") && !st->other_at.len) {
			st->other_at = t;
		}
	}
	if (actions[i].parse)
		return actions[i].parse(st, &at);
	if (actions[i].mod_field != OFPF__MAX)
		return parse_mod(st, &at, actions[i].mod_field);
	return parse_simple(st, &at, actions[i].simple);
}

/* Parses a comma-separated action list into st (also the inside of
 * clone(...)). */
static int parse_list(struct act_state *st, struct ofp_tok t)
{
	struct ofp_tok drop_at = { 0 };
	size_t first = st->n;
	unsigned i = 0;

	st->drop = false;
	while (i < t.len) {
		unsigned j, depth = 0, b, e;

		for (j = i; j < t.len; j++) {
			if (t.s[j] == '(')
				depth++;
			else if (t.s[j] == ')' && depth)
				depth--;
			else if (t.s[j] == ',' && !depth)
				break;
		}
		b = i;
		e = j;
		while (b < e && (t.s[b] == ' ' || t.s[b] == '\t'))
			b++;
		while (e > b && (t.s[e - 1] == ' ' || t.s[e - 1] == '\t'))
			e--;
		i = j + 1;
		if (b == e) {
			if (j < t.len)
				continue; /* ",," and ", " separate, like ovs-ofctl */
			break;
		}
		if (drop_at.len)
			goto drop_not_alone;
		if (parse_one(st, ofp_tok_sub(t, b, e - b)))
			return -EINVAL;
		if (st->drop) {
			drop_at = ofp_tok_sub(t, b, e - b);
			if (st->n > first)
				goto drop_not_alone;
		}
	}
	return 0;

drop_not_alone:
	return ofp_err(st->err, drop_at, "drop must be the only action");
}

int ofp_parse_actions(struct ofp_tok t, int table, const struct ofp_match *match,
		      struct ofpact **acts, size_t *n, struct xs_err *err)
{
	struct act_state st;

	memset(&st, 0, sizeof(st));
	st.table = table;
	st.work = *match;
	st.err = err;
	if (parse_list(&st, t))
		goto fail;
	if (st.conj_at.len && st.other_at.len) {
		ofp_err(err, st.other_at, "conjunction actions may be used along with "
			"note but not with any other action (such as '%.*s')",
			OFP_TOK(st.other_at));
		goto fail;
	}
	*acts = st.v;
	*n = st.n;
	if (!st.n) {
		free(st.v);
		*acts = NULL;
	}
	return 0;

fail:
	free(st.v);
	return -EINVAL;
}
