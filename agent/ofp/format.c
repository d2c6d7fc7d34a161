// SPDX-License-Identifier: Apache-2.0
/* Matches, actions and flows printed the way ovs-ofctl dump-flows prints
 * them (field order, shorthands, port names), so that the text parses back. */
#include "agent/ofp/lex.h"

#include <arpa/inet.h>
#include <string.h>

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd

static bool all_zero(const uint8_t *p, unsigned n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool all_ones(const uint8_t *p, unsigned n)
{
	while (n--)
		if (*p++ != 0xff)
			return false;
	return true;
}

/* Prefix length of a CIDR mask, or -1 if the mask is not one. */
static int prefix_len(const uint8_t *m, unsigned n)
{
	unsigned i;
	int len = 0;
	bool zero = false;

	for (i = 0; i < n * 8; i++) {
		bool bit = m[i / 8] >> (7 - i % 8) & 1;

		if (bit && zero)
			return -1;
		if (bit)
			len++;
		else
			zero = true;
	}
	return len;
}

static void get(enum ofp_field_id id, const struct ofp_match *m, uint8_t *v, uint8_t *k)
{
	ofp_field_get_match(ofp_field_by_id(id), m, v, k);
}

/* name=VALUE or name=VALUE/MASK with addresses as /N when CIDR. */
static void out_addr(struct ofp_out *o, const char *name, enum ofp_field_id id,
		     const struct ofp_match *m)
{
	const struct ofp_field *f = ofp_field_by_id(id);
	uint8_t v[16], k[16];
	int plen;

	get(id, m, v, k);
	if (all_zero(k, f->n_bytes))
		return;
	ofp_out_printf(o, "%s=", name);
	ofp_out_field_value(o, f, v);
	if (all_ones(k, f->n_bytes)) {
		ofp_out_printf(o, ",");
		return;
	}
	plen = f->format == OFPFMT_ETH ? -1 : prefix_len(k, f->n_bytes);
	if (plen >= 0) {
		ofp_out_printf(o, "/%d,", plen);
		return;
	}
	ofp_out_printf(o, "/");
	ofp_out_field_value(o, f, k);
	ofp_out_printf(o, ",");
}

/* reg0=0x5 / metadata=0x5/0xff, with ovs-ofctl's "%#x" (0 prints as 0). */
static void out_hex_masked(struct ofp_out *o, const char *name, enum ofp_field_id id,
			   const struct ofp_match *m)
{
	const struct ofp_field *f = ofp_field_by_id(id);
	uint8_t v[16], k[16], ones[16];

	get(id, m, v, k);
	if (all_zero(k, f->n_bytes))
		return;
	ofp_field_ones(f, ones);
	ofp_out_printf(o, "%s=", name);
	ofp_out_hex(o, v, f->n_bytes);
	if (memcmp(k, ones, f->n_bytes)) {
		ofp_out_printf(o, "/");
		ofp_out_hex(o, k, f->n_bytes);
	}
	ofp_out_printf(o, ",");
}

/* 16-bit key members: name=N, or name=0xV/0xM when partly masked. */
static void out_be16(struct ofp_out *o, const char *name, __be16 v, __be16 k)
{
	if (!k)
		return;
	if (k == 0xffff)
		ofp_out_printf(o, "%s=%u,", name, ntohs(v));
	else
		ofp_out_printf(o, "%s=0x%x/0x%x,", name, ntohs(v), ntohs(k));
}

/* "name=V," for fields the parser only takes whole; a partial mask (from
 * a megaflow, say) is shown as "/0xM" so the text never claims more than
 * the match holds. */
static void out_partial(struct ofp_out *o, const char *fmt, unsigned v, unsigned k,
			unsigned full)
	__attribute__((format(printf, 2, 0)));
static void out_partial(struct ofp_out *o, const char *fmt, unsigned v, unsigned k,
			unsigned full)
{
	ofp_out_printf(o, fmt, v & k);
	if (k != full)
		ofp_out_printf(o, "/0x%x", k);
	ofp_out_printf(o, ",");
}

static void out_vlan(struct ofp_out *o, const struct ofp_match *m)
{
	uint16_t v = ntohs(m->value.dp.vlan[0].tci), k = ntohs(m->mask.dp.vlan[0].tci);
	uint16_t vid = k & XS_VLAN_VID_MASK, pcp = k & XS_VLAN_PCP_MASK;

	if (!k)
		return;
	if ((k & XS_VLAN_PRESENT) && (v & XS_VLAN_PRESENT) &&
	    (!vid || vid == XS_VLAN_VID_MASK) && (!pcp || pcp == XS_VLAN_PCP_MASK) &&
	    (vid || pcp)) {
		if (vid)
			ofp_out_printf(o, "dl_vlan=%u,", v & XS_VLAN_VID_MASK);
		if (pcp)
			ofp_out_printf(o, "dl_vlan_pcp=%u,", v >> XS_VLAN_PCP_SHIFT);
	} else if (k == 0xffff) {
		ofp_out_printf(o, "vlan_tci=0x%04x,", v);
	} else {
		ofp_out_printf(o, "vlan_tci=0x%04x/0x%04x,", v, k);
	}
}

static void out_frag(struct ofp_out *o, uint8_t v, uint8_t k)
{
	const char *s = NULL;

	switch (k & XS_FRAG_MASK) {
	case XS_FRAG_MASK:
		s = v & XS_FRAG_ANY ? (v & XS_FRAG_LATER ? "later" : "first") :
		    (v & XS_FRAG_LATER ? NULL : "no");
		break;
	case XS_FRAG_ANY:
		s = v & XS_FRAG_ANY ? "yes" : "no";
		break;
	case XS_FRAG_LATER:
		s = v & XS_FRAG_LATER ? "later" : "not_later";
		break;
	default:
		return;
	}
	/* "later but not a fragment" cannot be written; no parse produces it. */
	ofp_out_printf(o, "nw_frag=%s,", s ? s : "<error>");
}

static void out_tcp_flags(struct ofp_out *o, const struct ofp_match *m)
{
	uint16_t v = ntohs(m->value.dp.tcp_flags) & 0xfff;
	uint16_t k = ntohs(m->mask.dp.tcp_flags) & 0xfff;
	static const char *const names[] = {
		"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns",
	};
	int i;

	if (!k)
		return;
	if ((v & 0xe00) || (k != 0xfff && (k & 0xe00))) {
		/* Reserved bits have no names: print numbers. */
		if (k == 0xfff)
			ofp_out_printf(o, "tcp_flags=0x%03x,", v);
		else
			ofp_out_printf(o, "tcp_flags=0x%03x/0x%03x,", v, k);
		return;
	}
	ofp_out_printf(o, "tcp_flags=");
	if (k == 0xfff) {
		const char *sep = "";

		if (!v)
			ofp_out_printf(o, "0");
		for (i = 0; i < 9; i++) {
			if (v & 1u << i) {
				ofp_out_printf(o, "%s%s", sep, names[i]);
				sep = "|";
			}
		}
	} else {
		for (i = 0; i < 9; i++)
			if (k & 1u << i)
				ofp_out_printf(o, "%c%s", v & 1u << i ? '+' : '-', names[i]);
	}
	ofp_out_printf(o, ",");
}

/* The shorthand for dl_type (+ nw_proto); *proto_done says nw_proto was
 * covered by it. NULL if dl_type has none. */
static const char *shorthand(const struct ofp_match *m, bool *proto_done)
{
	uint16_t type = ntohs(m->value.dp.dl_type);
	bool proto = m->mask.dp.nw_proto == 0xff;
	uint8_t p = m->value.dp.nw_proto;
	bool v6 = type == ETH_TYPE_IPV6;

	*proto_done = false;
	if (m->mask.dp.dl_type != 0xffff)
		return NULL;
	if (type == ETH_TYPE_ARP)
		return "arp";
	if (type != ETH_TYPE_IP && !v6)
		return NULL;
	*proto_done = proto;
	if (proto && p == 6)
		return v6 ? "tcp6" : "tcp";
	if (proto && p == 17)
		return v6 ? "udp6" : "udp";
	if (proto && p == 132)
		return v6 ? "sctp6" : "sctp";
	if (proto && p == (v6 ? 58 : 1))
		return v6 ? "icmp6" : "icmp";
	*proto_done = false;
	return v6 ? "ipv6" : "ip";
}

/* recirc_id and the ct fields, first, as ovs-ofctl prints them. */
static void format_ct_match(struct ofp_out *o, const struct ofp_match *m)
{
	const struct xs_flow_key *v = &m->value.dp, *k = &m->mask.dp;

	if (k->recirc_id)
		ofp_out_printf(o, "recirc_id=%#x,", ntohl(v->recirc_id));
	if (k->ct_state) {
		ofp_out_printf(o, "ct_state=");
		ofp_out_ct_state(o, v->ct_state, k->ct_state);
		ofp_out_printf(o, ",");
	}
	if (k->ct_zone)
		out_partial(o, "ct_zone=%u", ntohs(v->ct_zone), ntohs(k->ct_zone), 0xffff);
	out_hex_masked(o, "ct_mark", OFPF_CT_MARK, m);
	out_hex_masked(o, "ct_label", OFPF_CT_LABEL, m);
	/* The original-direction tuple, in ovs-ofctl's order; its address
	 * bytes are the ND/ARP fields' in other flows (key.h). */
	if (!ofp_prereq_in_match(ofp_field_by_id(OFPF_CT_NW_PROTO), m))
		return;
	if (v->dl_type == htons(ETH_TYPE_IP) && k->dl_type == 0xffff) {
		out_addr(o, "ct_nw_src", OFPF_CT_NW_SRC, m);
		out_addr(o, "ct_nw_dst", OFPF_CT_NW_DST, m);
	} else if (v->dl_type == htons(ETH_TYPE_IPV6) && k->dl_type == 0xffff &&
		   !ofp_prereq_in_match(ofp_field_by_id(OFPF_ND_TARGET), m)) {
		out_addr(o, "ct_ipv6_src", OFPF_CT_IPV6_SRC, m);
		out_addr(o, "ct_ipv6_dst", OFPF_CT_IPV6_DST, m);
	}
	if (k->ct_nw_proto)
		ofp_out_printf(o, "ct_nw_proto=%u,", v->ct_nw_proto);
	out_be16(o, "ct_tp_src", v->ct_tp_src, k->ct_tp_src);
	out_be16(o, "ct_tp_dst", v->ct_tp_dst, k->ct_tp_dst);
}

static void format_match(struct ofp_out *o, const struct ofp_match *m)
{
	const struct ofp_key *v = &m->value, *k = &m->mask;
	uint16_t type = k->dp.dl_type ? ntohs(v->dp.dl_type) : 0;
	bool proto_done, icmp;
	const char *sh = shorthand(m, &proto_done);
	size_t start = o->len;
	int i;

	if (k->conj_id)
		ofp_out_printf(o, "conj_id=%u,", ntohl(v->conj_id));
	format_ct_match(o, m);
	if (sh)
		ofp_out_printf(o, "%s,", sh);
	for (i = 0; i < OFP_N_REGS; i++)
		out_hex_masked(o, ofp_field_by_id(OFPF_REG0 + i)->name, OFPF_REG0 + i, m);
	out_hex_masked(o, "metadata", OFPF_METADATA, m);
	if (k->dp.in_port & 0xffff) {
		uint8_t pv[2] = { v->dp.in_port >> 8 & 0xff, v->dp.in_port & 0xff };

		ofp_out_printf(o, "in_port=");
		ofp_out_field_value(o, ofp_field_by_id(OFPF_IN_PORT), pv);
		if ((k->dp.in_port & 0xffff) != 0xffff)
			ofp_out_printf(o, "/0x%x", k->dp.in_port & 0xffff);
		ofp_out_printf(o, ",");
	}
	out_vlan(o, m);
	out_addr(o, "dl_src", OFPF_DL_SRC, m);
	out_addr(o, "dl_dst", OFPF_DL_DST, m);
	if (!sh && k->dp.dl_type)
		out_partial(o, "dl_type=0x%04x", type, ntohs(k->dp.dl_type), 0xffff);
	if (type == ETH_TYPE_IPV6) {
		out_addr(o, "ipv6_src", OFPF_IPV6_SRC, m);
		out_addr(o, "ipv6_dst", OFPF_IPV6_DST, m);
		if (k->dp.ipv6_label) {
			uint32_t lv = ntohl(v->dp.ipv6_label), lk = ntohl(k->dp.ipv6_label);

			if (lk == 0xfffff)
				ofp_out_printf(o, "ipv6_label=0x%05x,", lv);
			else
				ofp_out_printf(o, "ipv6_label=0x%05x/0x%05x,", lv, lk);
		}
	} else if (type == ETH_TYPE_ARP) {
		out_addr(o, "arp_spa", OFPF_ARP_SPA, m);
		out_addr(o, "arp_tpa", OFPF_ARP_TPA, m);
	} else {
		out_addr(o, "nw_src", OFPF_NW_SRC, m);
		out_addr(o, "nw_dst", OFPF_NW_DST, m);
	}
	if (!proto_done && k->dp.nw_proto)
		out_partial(o, type == ETH_TYPE_ARP ? "arp_op=%u" : "nw_proto=%u",
			    v->dp.nw_proto, k->dp.nw_proto, 0xff);
	if (type == ETH_TYPE_ARP) {
		out_addr(o, "arp_sha", OFPF_ARP_SHA, m);
		out_addr(o, "arp_tha", OFPF_ARP_THA, m);
	}
	if (k->dp.nw_tos & 0xfc)
		ofp_out_printf(o, "nw_tos=%u,", v->dp.nw_tos & 0xfc);
	if (k->dp.nw_tos & 0x03)
		ofp_out_printf(o, "nw_ecn=%u,", v->dp.nw_tos & 0x03);
	if (k->dp.nw_ttl)
		out_partial(o, "nw_ttl=%u", v->dp.nw_ttl, k->dp.nw_ttl, 0xff);
	out_frag(o, v->dp.nw_frag, k->dp.nw_frag);
	icmp = (type == ETH_TYPE_IP && v->dp.nw_proto == 1) ||
	       (type == ETH_TYPE_IPV6 && v->dp.nw_proto == 58);
	if (icmp) {
		out_be16(o, "icmp_type", v->dp.tp_src, k->dp.tp_src);
		out_be16(o, "icmp_code", v->dp.tp_dst, k->dp.tp_dst);
		if (type == ETH_TYPE_IPV6 &&
		    ofp_prereq_in_match(ofp_field_by_id(OFPF_ND_TARGET), m))
			out_addr(o, "nd_target", OFPF_ND_TARGET, m);
	} else {
		out_be16(o, "tp_src", v->dp.tp_src, k->dp.tp_src);
		out_be16(o, "tp_dst", v->dp.tp_dst, k->dp.tp_dst);
	}
	if ((type == ETH_TYPE_IP || type == ETH_TYPE_IPV6) && v->dp.nw_proto == 6)
		out_tcp_flags(o, m);
	/* Drop the trailing comma. */
	if (o->len > start) {
		o->len--;
		if (o->len < o->size)
			o->buf[o->len] = 0;
	}
}

int ofp_format_match(const struct ofp_match *match, char *buf, size_t size)
{
	struct ofp_out o = { buf, size, 0 };

	if (size)
		buf[0] = 0;
	format_match(&o, match);
	return o.len;
}

static void out_subfield(struct ofp_out *o, const struct ofpact_subfield *sf)
{
	const struct ofp_field *f = ofp_field_by_id(sf->field);

	ofp_out_printf(o, "%s", ofp_field_wire_name(f));
	if (sf->ofs == 0 && sf->n_bits == f->n_bits)
		ofp_out_printf(o, "[]");
	else if (sf->n_bits == 1)
		ofp_out_printf(o, "[%u]", sf->ofs);
	else
		ofp_out_printf(o, "[%u..%u]", sf->ofs, sf->ofs + sf->n_bits - 1);
}

static const char *mod_name(enum ofp_field_id id)
{
	switch (id) {
	case OFPF_DL_SRC: return "mod_dl_src";
	case OFPF_DL_DST: return "mod_dl_dst";
	case OFPF_NW_SRC: return "mod_nw_src";
	case OFPF_NW_DST: return "mod_nw_dst";
	case OFPF_NW_TOS: return "mod_nw_tos";
	case OFPF_IP_ECN: return "mod_nw_ecn";
	case OFPF_NW_TTL: return "mod_nw_ttl";
	case OFPF_TP_SRC: return "mod_tp_src";
	case OFPF_TP_DST: return "mod_tp_dst";
	default: return NULL;
	}
}

static void out_set_field(struct ofp_out *o, const struct ofpact *a)
{
	const struct ofp_field *f = ofp_field_by_id(a->set_field.field);
	const char *mod = mod_name(f->id);
	uint8_t ones[OFP_FIELD_MAX_BYTES];

	ofp_field_ones(f, ones);
	if (a->set_field.spelling == OFPACT_SPELL_MOD && mod &&
	    !memcmp(a->set_field.mask, ones, f->n_bytes)) {
		ofp_out_printf(o, "%s:", mod);
		ofp_out_field_value(o, f, a->set_field.value);
		return;
	}
	ofp_out_printf(o, "set_field:");
	ofp_out_field_value(o, f, a->set_field.value);
	if (memcmp(a->set_field.mask, ones, f->n_bytes)) {
		ofp_out_printf(o, "/");
		if (f->format == OFPFMT_PORT || f->format == OFPFMT_TCP_FLAGS)
			ofp_out_hex(o, a->set_field.mask, f->n_bytes);
		else
			ofp_out_field_value(o, f, a->set_field.mask);
	}
	ofp_out_printf(o, "->%s", f->name);
}

static void out_port(struct ofp_out *o, uint32_t port)
{
	const char *name = ofp_port_name(port);

	if (name)
		ofp_out_printf(o, "%s", name);
	else
		ofp_out_printf(o, "%u", port);
}

/* 01.02.ff, as ovs-ofctl prints notes and userdata. */
static void out_hex_bytes(struct ofp_out *o, const uint8_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ofp_out_printf(o, "%s%02x", i ? "." : "", p[i]);
}

static const char *reason_name(uint8_t r)
{
	switch (r) {
	case OFP_REASON_NO_MATCH: return "no_match";
	case OFP_REASON_INVALID_TTL: return "invalid_ttl";
	default: return "action";
	}
}

static void out_action(struct ofp_out *o, const struct ofpact *a)
{
	switch (a->type) {
	case OFPACT_OUTPUT:
		if (a->output.port < OFPP_MAX)
			ofp_out_printf(o, "output:%u", a->output.port);
		else
			out_port(o, a->output.port);
		return;
	case OFPACT_CONTROLLER:
		if (a->controller.reason == OFP_REASON_ACTION && !a->controller.id &&
		    !a->controller.userdata_len) {
			ofp_out_printf(o, "CONTROLLER:%u", a->controller.max_len);
			return;
		}
		ofp_out_printf(o, "controller(");
		if (a->controller.reason != OFP_REASON_ACTION)
			ofp_out_printf(o, "reason=%s,", reason_name(a->controller.reason));
		if (a->controller.max_len != UINT16_MAX)
			ofp_out_printf(o, "max_len=%u,", a->controller.max_len);
		if (a->controller.id)
			ofp_out_printf(o, "id=%u,", a->controller.id);
		if (a->controller.userdata_len) {
			ofp_out_printf(o, "userdata=");
			out_hex_bytes(o, a->controller.userdata, a->controller.userdata_len);
			ofp_out_printf(o, ",");
		}
		o->len--; /* the last comma: at least one option was printed */
		ofp_out_printf(o, ")");
		return;
	case OFPACT_SET_FIELD:
		out_set_field(o, a);
		return;
	case OFPACT_LOAD:
		ofp_out_printf(o, "load:");
		ofp_out_hex(o, a->load.value, sizeof(a->load.value));
		ofp_out_printf(o, "->");
		out_subfield(o, &a->load.dst);
		return;
	case OFPACT_MOVE:
		ofp_out_printf(o, "move:");
		out_subfield(o, &a->move.src);
		ofp_out_printf(o, "->");
		out_subfield(o, &a->move.dst);
		return;
	case OFPACT_DEC_TTL:
		ofp_out_printf(o, "dec_ttl");
		for (unsigned i = 0; i < a->dec_ttl.n_ids; i++)
			ofp_out_printf(o, "%s%u", i ? "," : "(", a->dec_ttl.ids[i]);
		if (a->dec_ttl.n_ids)
			ofp_out_printf(o, ")");
		return;
	case OFPACT_CONJUNCTION:
		ofp_out_printf(o, "conjunction(%u,%u/%u)", a->conjunction.id,
			       a->conjunction.clause + 1, a->conjunction.n_clauses);
		return;
	case OFPACT_NOTE:
		ofp_out_printf(o, "note:");
		out_hex_bytes(o, a->note.data, a->note.len);
		return;
	case OFPACT_STACK_PUSH:
	case OFPACT_STACK_POP:
		ofp_out_printf(o, a->type == OFPACT_STACK_PUSH ? "push:" : "pop:");
		out_subfield(o, &a->stack);
		return;
	case OFPACT_OUTPUT_REG:
		ofp_out_printf(o, "output:");
		out_subfield(o, &a->output_reg);
		return;
	case OFPACT_CLONE:
		return; /* format_actions prints the nested list */
	case OFPACT_MOD_VLAN_VID:
		ofp_out_printf(o, "mod_vlan_vid:%u", a->vlan_vid.vid);
		return;
	case OFPACT_MOD_VLAN_PCP:
		ofp_out_printf(o, "mod_vlan_pcp:%u", a->vlan_pcp.pcp);
		return;
	case OFPACT_POP_VLAN:
		ofp_out_printf(o, "strip_vlan");
		return;
	case OFPACT_PUSH_VLAN:
		ofp_out_printf(o, "push_vlan:0x%04x", ntohs(a->push_vlan.tpid));
		return;
	case OFPACT_WRITE_METADATA:
		ofp_out_printf(o, "write_metadata:%#llx", (unsigned long long)a->metadata.value);
		if (a->metadata.mask != UINT64_MAX)
			ofp_out_printf(o, "/%#llx", (unsigned long long)a->metadata.mask);
		return;
	case OFPACT_GOTO_TABLE:
		ofp_out_printf(o, "goto_table:%u", a->goto_table.table);
		return;
	case OFPACT_CLEAR_ACTIONS:
		ofp_out_printf(o, "clear_actions");
		return;
	case OFPACT_WRITE_ACTIONS:
		return; /* format_actions prints it around its list */
	case OFPACT_CT:
		ofp_format_ct(o, &a->ct);
		return;
	case OFPACT_CT_CLEAR:
		ofp_out_printf(o, "ct_clear");
		return;
	case OFPACT_RESUBMIT:
		if (a->resubmit.in_port != OFPP_IN_PORT && a->resubmit.table == 255) {
			ofp_out_printf(o, "resubmit:");
			out_port(o, a->resubmit.in_port);
			return;
		}
		ofp_out_printf(o, "resubmit(");
		if (a->resubmit.in_port != OFPP_IN_PORT)
			out_port(o, a->resubmit.in_port);
		ofp_out_printf(o, ",");
		if (a->resubmit.table != 255)
			ofp_out_printf(o, "%u", a->resubmit.table);
		ofp_out_printf(o, ")");
		return;
	}
}

static void format_actions(struct ofp_out *o, const struct ofpact *acts, size_t n)
{
	size_t i, nested;

	if (!n) {
		ofp_out_printf(o, "drop");
		return;
	}
	for (i = 0; i < n; i++) {
		if (i)
			ofp_out_printf(o, ",");
		if (acts[i].type == OFPACT_WRITE_ACTIONS) {
			size_t k = acts[i].write_actions.n;

			if (k > n - i - 1)
				k = n - i - 1;
			ofp_out_printf(o, "write_actions(");
			for (size_t j = 1; j <= k; j++) {
				if (j > 1)
					ofp_out_printf(o, ",");
				out_action(o, &acts[i + j]);
			}
			ofp_out_printf(o, ")");
			i += k;
			continue;
		}
		if (acts[i].type != OFPACT_CLONE) {
			out_action(o, &acts[i]);
			continue;
		}
		nested = acts[i].clone.n_nested;
		if (nested > n - i - 1)
			nested = n - i - 1;
		ofp_out_printf(o, "clone(");
		format_actions(o, &acts[i + 1], nested);
		ofp_out_printf(o, ")");
		i += nested;
	}
}

int ofp_format_actions(const struct ofpact *acts, size_t n, char *buf, size_t size)
{
	struct ofp_out o = { buf, size, 0 };

	if (size)
		buf[0] = 0;
	format_actions(&o, acts, n);
	return o.len;
}

static void format_flow_match(struct ofp_out *o, const struct ofp_flow *flow)
{
	size_t before;

	if (flow->priority != 32768)
		ofp_out_printf(o, "priority=%u,", flow->priority);
	before = o->len;
	format_match(o, &flow->match);
	if (o->len == before && flow->priority != 32768) {
		o->len--; /* no match fields: drop the comma after priority */
		if (o->len < o->size)
			o->buf[o->len] = 0;
	}
}

int ofp_format_flow_match(const struct ofp_flow *flow, char *buf, size_t size)
{
	struct ofp_out o = { buf, size, 0 };

	if (size)
		buf[0] = 0;
	format_flow_match(&o, flow);
	return o.len;
}

int ofp_format_flow(const struct ofp_flow *flow, char *buf, size_t size)
{
	struct ofp_out o = { buf, size, 0 };
	size_t before;

	if (size)
		buf[0] = 0;
	if (flow->set_cookie)
		ofp_out_printf(&o, "cookie=%#llx, ", (unsigned long long)flow->new_cookie);
	if (flow->cookie || flow->cookie_mask) {
		ofp_out_printf(&o, "cookie=%#llx", (unsigned long long)flow->cookie);
		if (flow->cookie_mask)
			ofp_out_printf(&o, "/%#llx", (unsigned long long)flow->cookie_mask);
		ofp_out_printf(&o, ", ");
	}
	if (flow->table_id != OFP_TABLE_ALL)
		ofp_out_printf(&o, "table=%u, ", flow->table_id);
	if (flow->out_port != OFPP_NONE) {
		ofp_out_printf(&o, "out_port=");
		out_port(&o, flow->out_port);
		ofp_out_printf(&o, ", ");
	}
	if (flow->idle_timeout)
		ofp_out_printf(&o, "idle_timeout=%u, ", flow->idle_timeout);
	if (flow->hard_timeout)
		ofp_out_printf(&o, "hard_timeout=%u, ", flow->hard_timeout);
	before = o.len;
	format_flow_match(&o, flow);
	ofp_out_printf(&o, "%sactions=", o.len > before ? " " : "");
	format_actions(&o, flow->actions, flow->n_actions);
	return o.len;
}
