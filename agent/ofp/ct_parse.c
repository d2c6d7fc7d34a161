// SPDX-License-Identifier: Apache-2.0
/* The ct action's text (ovs-actions(7)): commit, force, zone=N|FIELD[a..b],
 * table=N, exec(set_field/load to ct_mark), nat[(src|dst=ADDR[-ADDR]
 * [:PORT[-PORT]],persistent,hash,random)], alg refused; and the ct_state
 * flag syntax. Errors follow ovs-ofctl's refusals, each at its text. */
#include "agent/ofp/flow.h"
#include "agent/ofp/lex.h"
#include "common/be_bits.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_IPV6 0x86dd

static const char *const ct_flag_names[8] = { "new", "est", "rel", "rpl",
					      "inv", "trk", "snat", "dnat" };

static int ct_flag_bit(struct ofp_tok t)
{
	for (int i = 0; i < 8; i++)
		if (ofp_tok_is(t, ct_flag_names[i]))
			return i;
	return -1;
}

int ofp_read_ct_state(struct ofp_tok t, bool allow_mask, uint8_t *value, uint8_t *mask,
		      struct xs_err *err)
{
	unsigned i = 0;

	*value = 0;
	*mask = 0;
	if (t.len && t.s[0] != '+' && t.s[0] != '-' && (t.s[0] < 'a' || t.s[0] > 'z')) {
		/* A number, with an optional /mask. */
		int slash = ofp_tok_find(t, '/');
		struct ofp_tok vt = slash < 0 ? t : ofp_tok_sub(t, 0, slash);
		uint64_t v, m = 0xff;

		if (ofp_read_uint(vt, 0xff, "ct_state", &v, err))
			return -EINVAL;
		if (slash >= 0) {
			if (!allow_mask)
				return ofp_err(err, ofp_tok_sub(t, slash, 1),
					       "ct_state: masks are not allowed here");
			if (ofp_read_uint(ofp_tok_sub(t, slash + 1, t.len - slash - 1), 0xff,
					  "ct_state: mask", &m, err))
				return -EINVAL;
		}
		*value = v & m;
		*mask = m;
		return 0;
	}
	if (ofp_tok_find(t, '+') < 0 && ofp_tok_find(t, '-') < 0) {
		/* "trk|est": the flags named are set, the others clear. */
		*mask = 0xff;
		while (i <= t.len) {
			unsigned j = i;
			int bit;

			while (j < t.len && t.s[j] != '|')
				j++;
			bit = ct_flag_bit(ofp_tok_sub(t, i, j - i));
			if (bit < 0)
				return ofp_err(err, ofp_tok_sub(t, i, j - i),
					       "ct_state: unknown flag '%.*s' (new, est, rel, "
					       "rpl, inv, trk, snat or dnat)",
					       OFP_TOK(ofp_tok_sub(t, i, j - i)));
			*value |= 1u << bit;
			i = j + 1;
		}
		return 0;
	}
	while (i < t.len) {
		unsigned j = i + 1;
		bool set = t.s[i] == '+';
		int bit;

		if (t.s[i] != '+' && t.s[i] != '-')
			return ofp_err(err, ofp_tok_sub(t, i, t.len - i),
				       "ct_state: expected +FLAG or -FLAG at '%.*s'",
				       OFP_TOK(ofp_tok_sub(t, i, t.len - i)));
		while (j < t.len && t.s[j] != '+' && t.s[j] != '-')
			j++;
		bit = ct_flag_bit(ofp_tok_sub(t, i + 1, j - i - 1));
		if (bit < 0)
			return ofp_err(err, ofp_tok_sub(t, i, j - i),
				       "ct_state: unknown flag '%.*s' (new, est, rel, rpl, "
				       "inv, trk, snat or dnat)",
				       OFP_TOK(ofp_tok_sub(t, i + 1, j - i - 1)));
		if (*mask & (1u << bit))
			return ofp_err(err, ofp_tok_sub(t, i, j - i),
				       "ct_state: flag '%s' given twice", ct_flag_names[bit]);
		*mask |= 1u << bit;
		if (set)
			*value |= 1u << bit;
		i = j;
	}
	if (!allow_mask)
		*mask = 0xff; /* a packet: the flags not given are clear */
	return 0;
}

void ofp_out_ct_state(struct ofp_out *o, uint8_t value, uint8_t mask)
{
	if (!mask) {
		/* A whole value: the flags set, "trk|est". */
		const char *sep = "";

		if (!value) {
			ofp_out_printf(o, "0");
			return;
		}
		for (int i = 0; i < 8; i++)
			if (value & (1u << i)) {
				ofp_out_printf(o, "%s%s", sep, ct_flag_names[i]);
				sep = "|";
			}
		return;
	}
	for (int i = 0; i < 8; i++)
		if (mask & (1u << i))
			ofp_out_printf(o, "%c%s", value & (1u << i) ? '+' : '-', ct_flag_names[i]);
}

/* --- ct(...) ---------------------------------------------------------------- */

/* Splits @t at top-level commas (not inside parentheses or brackets). Calls
 * @fn for each non-empty item; stops at the first error. */
static int for_each_item(struct ofp_tok t, int (*fn)(struct ofp_tok, void *), void *ctx)
{
	unsigned i = 0;

	while (i <= t.len) {
		unsigned j, depth = 0, b, e;

		for (j = i; j < t.len; j++) {
			if (t.s[j] == '(' || t.s[j] == '[')
				depth++;
			else if ((t.s[j] == ')' || t.s[j] == ']') && depth)
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
		if (b < e && fn(ofp_tok_sub(t, b, e - b), ctx))
			return -EINVAL;
		i = j + 1;
	}
	return 0;
}

struct ct_ctx {
	struct ofpact_ct *ct;
	struct xs_err *err;
	struct ofp_tok exec_at, nat_at, force_at;
	bool has_exec;
};

/* "name=value" or "name(value)" or "name". */
static void split_kv(struct ofp_tok t, struct ofp_tok *name, struct ofp_tok *val, bool *parens)
{
	unsigned i;

	for (i = 0; i < t.len && t.s[i] != '=' && t.s[i] != '(' && t.s[i] != ':'; i++)
		;
	*name = ofp_tok_sub(t, 0, i);
	*parens = i < t.len && t.s[i] == '(';
	if (i == t.len)
		*val = ofp_tok_sub(t, t.len, 0);
	else if (*parens && t.s[t.len - 1] == ')')
		*val = ofp_tok_sub(t, i + 1, t.len - i - 2);
	else
		*val = ofp_tok_sub(t, i + 1, t.len - i - 1);
}

/* NAME[a..b], NAME[a], NAME[] or NAME: the field and its bits. With @ct_dst
 * only ct_mark and ct_label (exec()'s destinations) are taken. */
static int parse_ct_subfield(struct ct_ctx *c, struct ofp_tok t, bool ct_dst,
			     const struct ofp_field **fp, unsigned *ofs, unsigned *n_bits)
{
	int lb = ofp_tok_find(t, '[');
	struct ofp_tok name = lb < 0 ? t : ofp_tok_sub(t, 0, lb);
	const struct ofp_field *f = ofp_subfield_by_name(name.s, name.len);
	uint64_t a = 0, b;

	if (!f)
		return ofp_err(c->err, name, "ct: exec(): unknown field '%.*s'", OFP_TOK(name));
	if (ct_dst && f->id != OFPF_CT_MARK && f->id != OFPF_CT_LABEL)
		return ofp_err(c->err, name, "ct: exec() may write only ct_mark or ct_label, "
			       "not '%.*s'", OFP_TOK(name));
	b = f->n_bits - 1;
	if (lb >= 0) {
		struct ofp_tok r;
		int dots = -1;

		if (t.s[t.len - 1] != ']')
			return ofp_err(c->err, t, "ct: '%.*s' lacks a closing ']'", OFP_TOK(t));
		r = ofp_tok_sub(t, lb + 1, t.len - lb - 2);
		for (unsigned i = 0; i + 1 < r.len; i++)
			if (r.s[i] == '.' && r.s[i + 1] == '.')
				dots = i;
		if (r.len && dots < 0) {
			if (ofp_read_uint(r, f->n_bits - 1, "ct: bit index", &a, c->err))
				return -EINVAL;
			b = a;
		} else if (r.len &&
			   (ofp_read_uint(ofp_tok_sub(r, 0, dots), f->n_bits - 1, "ct: bit index",
					  &a, c->err) ||
			    ofp_read_uint(ofp_tok_sub(r, dots + 2, r.len - dots - 2),
					  f->n_bits - 1, "ct: bit index", &b, c->err))) {
			return -EINVAL;
		}
		if (a > b)
			return ofp_err(c->err, r, "ct: bit range [%.*s] is backwards", OFP_TOK(r));
	}
	*fp = f;
	*ofs = a;
	*n_bits = b - a + 1;
	return 0;
}

/* Adds the bits under @m (value @v) to what the commit writes into ct field
 * @f (ct_mark or ct_label, @f->n_bytes big-endian); the same bit twice is
 * refused (@t: the action, for the error). */
static int add_ct_bits(struct ct_ctx *c, struct ofp_tok t, const struct ofp_field *f,
		       const uint8_t *v, const uint8_t *m)
{
	struct ofpact_ct *ct = c->ct;
	bool label = f->id == OFPF_CT_LABEL, any = false;
	uint8_t cur[16], cur_m[16];

	if (label) {
		memcpy(cur, ct->label, 16);
		memcpy(cur_m, ct->label_mask, 16);
	} else {
		for (int i = 0; i < 4; i++) {
			cur[i] = (uint8_t)(ct->mark >> (24 - 8 * i));
			cur_m[i] = (uint8_t)(ct->mark_mask >> (24 - 8 * i));
		}
	}
	for (unsigned i = 0; i < f->n_bytes; i++) {
		if (cur_m[i] & m[i])
			return ofp_err(c->err, t, "ct: exec() sets the same %s bits twice",
				       f->name);
		any |= m[i] != 0;
	}
	if (!any)
		return ofp_err(c->err, t, "ct: exec(): a zero mask sets no %s bit", f->name);
	for (unsigned i = 0; i < f->n_bytes; i++) {
		cur[i] = (uint8_t)((cur[i] & ~m[i]) | (v[i] & m[i]));
		cur_m[i] |= m[i];
	}
	if (label) {
		memcpy(ct->label, cur, 16);
		memcpy(ct->label_mask, cur_m, 16);
		ct->set_label = true;
	} else {
		ct->mark = (uint32_t)cur[0] << 24 | cur[1] << 16 | cur[2] << 8 | cur[3];
		ct->mark_mask = (uint32_t)cur_m[0] << 24 | cur_m[1] << 16 | cur_m[2] << 8 | cur_m[3];
		ct->set_mark = true;
	}
	return 0;
}

/* One exec() action: set_field:V[/M]->ct_mark|ct_label,
 * load:V->ct_mark|ct_label[a..b] (or NXM_NX_CT_MARK/NXM_NX_CT_LABEL), or
 * move:SRC[a..b]->NXM_NX_CT_MARK|NXM_NX_CT_LABEL[c..d]. */
static int parse_exec_one(struct ofp_tok t, void *arg)
{
	struct ct_ctx *c = arg;
	struct ofp_tok name, val, dst, src;
	uint8_t v[OFP_FIELD_MAX_BYTES] = { 0 }, m[OFP_FIELD_MAX_BYTES] = { 0 };
	const struct ofp_field *f;
	unsigned ofs, n_bits;
	bool parens;
	int arrow;

	split_kv(t, &name, &val, &parens);
	arrow = ofp_tok_arrow(val);
	if ((!ofp_tok_is(name, "set_field") && !ofp_tok_is(name, "load") &&
	     !ofp_tok_is(name, "move")) || arrow < 0)
		return ofp_err(c->err, t, "ct: exec() takes only set_field, load or move "
			       "into ct_mark or ct_label, not '%.*s'", OFP_TOK(name));
	src = ofp_tok_sub(val, 0, arrow);
	dst = ofp_tok_sub(val, arrow + 2, val.len - arrow - 2);
	if (ofp_tok_is(name, "set_field")) {
		f = ofp_field_by_name(dst.s, dst.len);
		if (!f || (f->id != OFPF_CT_MARK && f->id != OFPF_CT_LABEL))
			return ofp_err(c->err, dst, "ct: exec() may set only ct_mark or "
				       "ct_label, not '%.*s'", OFP_TOK(dst));
		if (ofp_read_field_value(f, src, true, v, m, c->err))
			return -EINVAL;
		return add_ct_bits(c, t, f, v, m);
	}
	if (parse_ct_subfield(c, dst, true, &f, &ofs, &n_bits))
		return -EINVAL;
	if (ofp_tok_is(name, "move")) {
		const struct ofp_field *sf;
		unsigned sofs, sbits;
		struct ofpact_ct_move *mv;

		if (parse_ct_subfield(c, src, false, &sf, &sofs, &sbits))
			return -EINVAL;
		if (sbits != n_bits)
			return ofp_err(c->err, t, "ct: move: the source has %u bits, the "
				       "destination %u", sbits, n_bits);
		if (c->ct->n_moves == OFPACT_CT_MAX_MOVES)
			return ofp_err(c->err, t, "ct: exec(): at most %d moves",
				       OFPACT_CT_MAX_MOVES);
		for (unsigned i = 0; i < n_bits; i++)
			be_bit_put(m, f->n_bytes, ofs + i, 1);
		/* Reserve the bits (no other write may set them). */
		if (add_ct_bits(c, t, f, v, m))
			return -EINVAL;
		mv = &c->ct->moves[c->ct->n_moves++];
		mv->src_field = sf->id;
		mv->src_ofs = sofs;
		mv->dst_field = f->id;
		mv->dst_ofs = ofs;
		mv->n_bits = n_bits;
		return 0;
	}
	/* load: the value, up to 128 bits, into the subfield. */
	{
		uint8_t num[16] = { 0 };
		const struct ofp_field *lf = ofp_field_by_id(OFPF_CT_LABEL);

		if (ofp_read_field_value(lf, src, false, num, m, c->err))
			return -EINVAL;
		memset(m, 0, sizeof(m));
		for (unsigned i = n_bits; i < 128; i++)
			if (be_bit_get(num, 16, i))
				return ofp_err(c->err, src, "ct: load: value '%.*s' does not "
					       "fit in %u bits", OFP_TOK(src), n_bits);
		for (unsigned i = 0; i < n_bits; i++) {
			be_bit_put(v, f->n_bytes, ofs + i, be_bit_get(num, 16, i));
			be_bit_put(m, f->n_bytes, ofs + i, 1);
		}
	}
	return add_ct_bits(c, t, f, v, m);
}

/* ADDR or [ADDR] of the nat family; *v6 is set by the first address. */
static int read_nat_addr(struct ct_ctx *c, struct ofp_tok t, uint8_t *out, int *family)
{
	char buf[64];
	int fam;

	if (t.len >= 2 && t.s[0] == '[' && t.s[t.len - 1] == ']')
		t = ofp_tok_sub(t, 1, t.len - 2);
	if (!t.len || t.len >= sizeof(buf))
		return ofp_err(c->err, t, "ct: nat: '%.*s' is not an IP address", OFP_TOK(t));
	memcpy(buf, t.s, t.len);
	buf[t.len] = 0;
	fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, buf, out) != 1)
		return ofp_err(c->err, t, "ct: nat: '%.*s' is not an IP address", OFP_TOK(t));
	if (*family && *family != fam)
		return ofp_err(c->err, t, "ct: nat: both addresses of a range must be "
			       "IPv4 or both IPv6");
	*family = fam;
	return 0;
}

/* src=ADDR[-ADDR][:PORT[-PORT]] (IPv6 addresses in [] when a port follows). */
static int parse_nat_range(struct ct_ctx *c, struct ofp_tok t)
{
	struct ofpact_ct *ct = c->ct;
	struct ofp_tok addrs = t, ports = ofp_tok_sub(t, t.len, 0), a1, a2;
	int family = 0, dash;
	unsigned i;

	if (!t.len)
		return ofp_err(c->err, t, "ct: nat: src= and dst= need an address");
	if (t.s[0] == '[') {
		/* [v6]-[v6]:ports or [v6]:ports */
		int close = -1;

		for (i = 0; i < t.len; i++)
			if (t.s[i] == ']')
				close = i;
		if (close < 0)
			return ofp_err(c->err, t, "ct: nat: '[' without ']'");
		addrs = ofp_tok_sub(t, 0, close + 1);
		if ((unsigned)close + 1 < t.len) {
			if (t.s[close + 1] != ':')
				return ofp_err(c->err, t, "ct: nat: expected ':PORT' after ']'");
			ports = ofp_tok_sub(t, close + 2, t.len - close - 2);
		}
	} else {
		int colons = 0, last = -1;

		for (i = 0; i < t.len; i++)
			if (t.s[i] == ':') {
				colons++;
				last = i;
			}
		if (colons == 1) {
			addrs = ofp_tok_sub(t, 0, last);
			ports = ofp_tok_sub(t, last + 1, t.len - last - 1);
		}
	}
	/* An address range's '-' is outside brackets. */
	dash = -1;
	for (i = 0; i < addrs.len; i++) {
		if (addrs.s[i] == '[')
			while (i < addrs.len && addrs.s[i] != ']')
				i++;
		else if (addrs.s[i] == '-')
			dash = i;
	}
	a1 = dash < 0 ? addrs : ofp_tok_sub(addrs, 0, dash);
	a2 = dash < 0 ? addrs : ofp_tok_sub(addrs, dash + 1, addrs.len - dash - 1);
	if (read_nat_addr(c, a1, ct->addr_min, &family) ||
	    read_nat_addr(c, a2, ct->addr_max, &family))
		return -EINVAL;
	if (memcmp(ct->addr_min, ct->addr_max, family == AF_INET ? 4 : 16) > 0)
		return ofp_err(c->err, addrs, "ct: nat: address range '%.*s' is backwards",
			       OFP_TOK(addrs));
	if (family == AF_INET6)
		ct->nat_flags |= OFPACT_NAT_F_IPV6;
	if (ports.len) {
		int pd = ofp_tok_find(ports, '-');
		uint64_t p1, p2;

		if (ofp_read_uint(pd < 0 ? ports : ofp_tok_sub(ports, 0, pd), 65535,
				  "ct: nat: port", &p1, c->err))
			return -EINVAL;
		p2 = p1;
		if (pd >= 0 && ofp_read_uint(ofp_tok_sub(ports, pd + 1, ports.len - pd - 1),
					     65535, "ct: nat: port", &p2, c->err))
			return -EINVAL;
		if (p1 > p2)
			return ofp_err(c->err, ports, "ct: nat: port range '%.*s' is "
				       "backwards", OFP_TOK(ports));
		ct->port_min = p1;
		ct->port_max = p2;
		ct->nat_flags |= OFPACT_NAT_F_PORTS;
	}
	return 0;
}

static int parse_nat_one(struct ofp_tok t, void *arg)
{
	struct ct_ctx *c = arg;
	struct ofp_tok name, val;
	bool parens;

	split_kv(t, &name, &val, &parens);
	if (ofp_tok_is(name, "src") || ofp_tok_is(name, "dst")) {
		if (c->ct->nat_flags & (OFPACT_NAT_F_SRC | OFPACT_NAT_F_DST))
			return ofp_err(c->err, t, "ct: nat: give only one of src= or dst=");
		c->ct->nat_flags |= ofp_tok_is(name, "src") ? OFPACT_NAT_F_SRC :
							      OFPACT_NAT_F_DST;
		return parse_nat_range(c, val);
	}
	if (val.len || parens)
		return ofp_err(c->err, t, "ct: nat: unknown argument '%.*s'", OFP_TOK(t));
	if (ofp_tok_is(name, "persistent")) {
		c->ct->nat_flags |= OFPACT_NAT_F_PERSISTENT;
	} else if (ofp_tok_is(name, "hash") || ofp_tok_is(name, "random")) {
		uint8_t f = ofp_tok_is(name, "hash") ? OFPACT_NAT_F_HASH : OFPACT_NAT_F_RANDOM;

		if (c->ct->nat_flags & (OFPACT_NAT_F_HASH | OFPACT_NAT_F_RANDOM) & ~f)
			return ofp_err(c->err, t, "ct: nat: hash and random exclude each "
				       "other");
		c->ct->nat_flags |= f;
	} else {
		return ofp_err(c->err, t, "ct: nat: unknown argument '%.*s' (src=, dst=, "
			       "persistent, hash or random)", OFP_TOK(t));
	}
	return 0;
}

static int parse_zone(struct ct_ctx *c, struct ofp_tok t)
{
	struct ofpact_ct *ct = c->ct;
	uint64_t v;

	if (!t.len)
		return ofp_err(c->err, t, "ct: zone= needs a number or a field");
	if (t.s[0] >= '0' && t.s[0] <= '9') {
		if (ofp_read_uint(t, 65535, "ct: zone", &v, c->err))
			return -EINVAL;
		ct->zone = v;
		return 0;
	}
	struct ofp_tok fname = t;
	int lb = ofp_tok_find(t, '[');
	uint64_t a = 0, b;
	const struct ofp_field *f;

	if (lb >= 0)
		fname = ofp_tok_sub(t, 0, lb);
	f = ofp_subfield_by_name(fname.s, fname.len);
	if (!f)
		return ofp_err(c->err, fname, "ct: zone: unknown field '%.*s'", OFP_TOK(fname));
	b = f->n_bits - 1;
	if (lb >= 0) {
		struct ofp_tok r;
		int dots = -1;

		if (t.s[t.len - 1] != ']')
			return ofp_err(c->err, t, "ct: zone: '%.*s' lacks a closing ']'",
				       OFP_TOK(t));
		r = ofp_tok_sub(t, lb + 1, t.len - lb - 2);
		for (unsigned i = 0; i + 1 < r.len; i++)
			if (r.s[i] == '.' && r.s[i + 1] == '.')
				dots = i;
		if (r.len && dots < 0) {
			if (ofp_read_uint(r, f->n_bits - 1, "ct: zone: bit index", &a, c->err))
				return -EINVAL;
			b = a;
		} else if (r.len &&
			   (ofp_read_uint(ofp_tok_sub(r, 0, dots), f->n_bits - 1,
					  "ct: zone: bit index", &a, c->err) ||
			    ofp_read_uint(ofp_tok_sub(r, dots + 2, r.len - dots - 2),
					  f->n_bits - 1, "ct: zone: bit index", &b, c->err))) {
			return -EINVAL;
		}
	}
	if (a > b || b - a + 1 != 16)
		return ofp_err(c->err, t, "ct: zone: '%.*s' must be a 16-bit subfield",
			       OFP_TOK(t));
	ct->zone_field = f->id + 1;
	ct->zone_ofs = a;
	ct->zone_bits = 16;
	return 0;
}

static int parse_ct_one(struct ofp_tok t, void *arg)
{
	struct ct_ctx *c = arg;
	struct ofpact_ct *ct = c->ct;
	struct ofp_tok name, val;
	bool parens;
	uint64_t v;

	split_kv(t, &name, &val, &parens);
	if (ofp_tok_is(name, "commit") && !val.len && !parens) {
		ct->flags |= OFPACT_CT_F_COMMIT;
	} else if (ofp_tok_is(name, "force") && !val.len && !parens) {
		ct->flags |= OFPACT_CT_F_FORCE;
		c->force_at = t;
	} else if (ofp_tok_is(name, "zone") && !parens) {
		return parse_zone(c, val);
	} else if (ofp_tok_is(name, "table") && !parens) {
		if (ofp_read_uint(val, OFP_N_TABLES - 1, "ct: table", &v, c->err))
			return -EINVAL;
		ct->table = v;
	} else if (ofp_tok_is(name, "nat") && (parens || !val.len)) {
		if (ct->nat)
			return ofp_err(c->err, t, "ct: nat given twice");
		ct->nat = true;
		c->nat_at = t;
		return for_each_item(val, parse_nat_one, c);
	} else if (ofp_tok_is(name, "alg")) {
		return ofp_err(c->err, t, "ct: alg= (application layer gateways) is not "
			       "supported");
	} else {
		return ofp_err(c->err, t, "ct: unknown argument '%.*s' (commit, force, "
			       "zone=, table=, exec(), nat)", OFP_TOK(t));
	}
	return 0;
}

/* An exec() item: a mark write, or a nat (OVS prints "exec(load:...,nat)"). */
static int parse_exec_or_nat(struct ofp_tok t, void *arg)
{
	struct ct_ctx *c = arg;
	struct ofp_tok name, val;
	bool parens;

	split_kv(t, &name, &val, &parens);
	if (ofp_tok_is(name, "nat"))
		return parse_ct_one(t, arg);
	return parse_exec_one(t, c);
}

static int parse_ct_item(struct ofp_tok t, void *arg)
{
	struct ct_ctx *c = arg;
	struct ofp_tok name, val;
	bool parens;

	split_kv(t, &name, &val, &parens);
	if (ofp_tok_is(name, "exec") && parens) {
		c->has_exec = true;
		c->exec_at = t;
		return for_each_item(val, parse_exec_or_nat, c);
	}
	return parse_ct_one(t, arg);
}

int ofp_parse_ct(struct ofp_tok arg, bool has_arg, const struct ofp_match *match,
		 struct ofpact_ct *ct, struct xs_err *err)
{
	struct ct_ctx c = { .ct = ct, .err = err };
	uint16_t type = match->mask.dp.dl_type ? ntohs(match->value.dp.dl_type) : 0;

	memset(ct, 0, sizeof(*ct));
	ct->table = 255;
	if (has_arg && for_each_item(arg, parse_ct_item, &c))
		return -EINVAL;
	if ((ct->flags & OFPACT_CT_F_FORCE) && !(ct->flags & OFPACT_CT_F_COMMIT))
		return ofp_err(err, c.force_at, "ct: force requires commit");
	if (c.has_exec && !(ct->flags & OFPACT_CT_F_COMMIT))
		return ofp_err(err, c.exec_at, "ct: exec() requires commit");
	if (type != ETH_TYPE_IP && type != ETH_TYPE_IPV6)
		return ofp_err(err, arg, "ct: the flow must match ip or ipv6 "
			       "(OVS: actions inconsistent with the match)");
	if ((ct->flags & OFPACT_CT_F_COMMIT) && (match->mask.dp.ct_state & XS_CS_INV) &&
	    (match->value.dp.ct_state & XS_CS_INV))
		return ofp_err(err, arg, "ct: commit of a packet matched +inv "
			       "(OVS: actions inconsistent with the match)");
	if (ct->nat && (ct->nat_flags & (OFPACT_NAT_F_SRC | OFPACT_NAT_F_DST)) &&
	    !!(ct->nat_flags & OFPACT_NAT_F_IPV6) != (type == ETH_TYPE_IPV6))
		return ofp_err(err, c.nat_at, "ct: nat: the address family differs from "
			       "the flow's (ip or ipv6)");
	return 0;
}

/* --- formatting --------------------------------------------------------------- */

static void out_nat(struct ofp_out *o, const struct ofpact_ct *ct)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool v6 = ct->nat_flags & OFPACT_NAT_F_IPV6;
	int fam = v6 ? AF_INET6 : AF_INET;
	unsigned n = v6 ? 16 : 4;
	bool range = memcmp(ct->addr_min, ct->addr_max, n);
	bool brackets = v6 && (ct->nat_flags & OFPACT_NAT_F_PORTS);

	ofp_out_printf(o, "nat");
	if (!(ct->nat_flags & (OFPACT_NAT_F_SRC | OFPACT_NAT_F_DST)))
		return;
	inet_ntop(fam, ct->addr_min, a, sizeof(a));
	inet_ntop(fam, ct->addr_max, b, sizeof(b));
	ofp_out_printf(o, "(%s=", ct->nat_flags & OFPACT_NAT_F_SRC ? "src" : "dst");
	ofp_out_printf(o, brackets ? "[%s]" : "%s", a);
	if (range)
		ofp_out_printf(o, brackets ? "-[%s]" : "-%s", b);
	if (ct->nat_flags & OFPACT_NAT_F_PORTS) {
		ofp_out_printf(o, ":%u", ct->port_min);
		if (ct->port_max != ct->port_min)
			ofp_out_printf(o, "-%u", ct->port_max);
	}
	if (ct->nat_flags & OFPACT_NAT_F_PERSISTENT)
		ofp_out_printf(o, ",persistent");
	if (ct->nat_flags & OFPACT_NAT_F_HASH)
		ofp_out_printf(o, ",hash");
	if (ct->nat_flags & OFPACT_NAT_F_RANDOM)
		ofp_out_printf(o, ",random");
	ofp_out_printf(o, ")");
}

/* The mark as OVS prints it: a load into the bits set when they are
 * contiguous, else a set_field with a mask. */
static void out_mark(struct ofp_out *o, uint32_t v, uint32_t m)
{
	int lo = __builtin_ctz(m), hi = 31 - __builtin_clz(m);
	uint32_t run = hi - lo == 31 ? 0xffffffffu : ((1u << (hi - lo + 1)) - 1) << lo;

	if (run != m) {
		ofp_out_printf(o, "set_field:%#x/%#x->ct_mark", v, m);
		return;
	}
	ofp_out_printf(o, "load:%#x->NXM_NX_CT_MARK[", (v & m) >> lo);
	if (m != 0xffffffffu)
		ofp_out_printf(o, "%d..%d", lo, hi);
	ofp_out_printf(o, "]");
}

/* The label write as out_mark() prints the mark's: load into a run of
 * bits, else set_field with a mask. */
static void out_label(struct ofp_out *o, const uint8_t *v, const uint8_t *m)
{
	int lo = -1, hi = -1;
	bool run = true;
	uint8_t val[16] = { 0 };

	for (int i = 0; i < 128; i++)
		if (be_bit_get(m, 16, i)) {
			if (lo < 0)
				lo = i;
			else if (hi != i - 1)
				run = false;
			hi = i;
		}
	if (!run) {
		ofp_out_printf(o, "set_field:");
		ofp_out_hex(o, v, 16);
		ofp_out_printf(o, "/");
		ofp_out_hex(o, m, 16);
		ofp_out_printf(o, "->ct_label");
		return;
	}
	for (int i = lo; i <= hi; i++)
		be_bit_put(val, 16, i - lo, be_bit_get(v, 16, i));
	ofp_out_printf(o, "load:");
	ofp_out_hex(o, val, 16);
	ofp_out_printf(o, "->NXM_NX_CT_LABEL[");
	if (lo || hi != 127)
		ofp_out_printf(o, "%d..%d", lo, hi);
	ofp_out_printf(o, "]");
}

/* The exec() writes of @ct (marks, labels, moves), comma separated. */
static void out_exec(struct ofp_out *o, const struct ofpact_ct *ct)
{
	uint32_t mark_m = ct->mark_mask;
	uint8_t label_m[16];
	const char *sep = "";

	memcpy(label_m, ct->label_mask, 16);
	for (unsigned i = 0; i < ct->n_moves; i++) {
		const struct ofpact_ct_move *mv = &ct->moves[i];

		for (unsigned b = 0; b < mv->n_bits; b++)
			if (mv->dst_field == OFPF_CT_LABEL)
				be_bit_put(label_m, 16, mv->dst_ofs + b, 0);
			else
				mark_m &= ~(1u << (mv->dst_ofs + b));
	}
	if (ct->set_mark && mark_m) {
		out_mark(o, ct->mark & mark_m, mark_m);
		sep = ",";
	}
	for (int i = 0; i < 16; i++)
		if (ct->set_label && label_m[i]) {
			uint8_t v[16];

			for (int j = 0; j < 16; j++)
				v[j] = ct->label[j] & label_m[j];
			ofp_out_printf(o, "%s", sep);
			out_label(o, v, label_m);
			sep = ",";
			break;
		}
	for (unsigned i = 0; i < ct->n_moves; i++) {
		const struct ofpact_ct_move *mv = &ct->moves[i];
		const struct ofp_field *sf = ofp_field_by_id(mv->src_field);
		const struct ofp_field *df = ofp_field_by_id(mv->dst_field);

		ofp_out_printf(o, "%smove:%s[", sep, ofp_field_wire_name(sf));
		if (mv->src_ofs || mv->n_bits != sf->n_bits)
			ofp_out_printf(o, "%u..%u", mv->src_ofs, mv->src_ofs + mv->n_bits - 1);
		ofp_out_printf(o, "]->%s[", ofp_field_wire_name(df));
		if (mv->dst_ofs || mv->n_bits != df->n_bits)
			ofp_out_printf(o, "%u..%u", mv->dst_ofs, mv->dst_ofs + mv->n_bits - 1);
		ofp_out_printf(o, "]");
		sep = ",";
	}
}

void ofp_format_ct(struct ofp_out *o, const struct ofpact_ct *ct)
{
	const char *sep = "";

	ofp_out_printf(o, "ct(");
	if (ct->flags & OFPACT_CT_F_COMMIT) {
		ofp_out_printf(o, "%scommit", sep);
		sep = ",";
	}
	if (ct->flags & OFPACT_CT_F_FORCE) {
		ofp_out_printf(o, "%sforce", sep);
		sep = ",";
	}
	if (ct->table != 255) {
		ofp_out_printf(o, "%stable=%u", sep, ct->table);
		sep = ",";
	}
	if (ct->zone_field) {
		const struct ofp_field *f = ofp_field_by_id(ct->zone_field - 1);

		ofp_out_printf(o, "%szone=%s[%u..%u]", sep, f->nxm_name ? f->nxm_name : f->name,
			       ct->zone_ofs, ct->zone_ofs + ct->zone_bits - 1);
		sep = ",";
	} else if (ct->zone) {
		ofp_out_printf(o, "%szone=%u", sep, ct->zone);
		sep = ",";
	}
	if (ct->set_mark || ct->set_label) {
		ofp_out_printf(o, "%sexec(", sep);
		out_exec(o, ct);
		if (ct->nat) {
			ofp_out_printf(o, ",");
			out_nat(o, ct);
		}
		ofp_out_printf(o, ")");
	} else if (ct->nat) {
		ofp_out_printf(o, "%s", sep);
		out_nat(o, ct);
	}
	ofp_out_printf(o, ")");
}
