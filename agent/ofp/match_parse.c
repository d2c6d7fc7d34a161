// SPDX-License-Identifier: Apache-2.0
/* The match part of ovs-ofctl flow text: fields, masks and shorthands,
 * duplicate and conflict detection, and prerequisite checks. */
#include "agent/ofp/lex.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd

/* Shorthands: a dl_type and, for some, an IP protocol. */
static const struct {
	const char *name;
	uint16_t dl_type;
	int nw_proto; /* -1: none */
} shorthands[] = {
	{ "ip", ETH_TYPE_IP, -1 },     { "ipv6", ETH_TYPE_IPV6, -1 },
	{ "icmp", ETH_TYPE_IP, 1 },    { "icmp6", ETH_TYPE_IPV6, 58 },
	{ "tcp", ETH_TYPE_IP, 6 },     { "tcp6", ETH_TYPE_IPV6, 6 },
	{ "udp", ETH_TYPE_IP, 17 },    { "udp6", ETH_TYPE_IPV6, 17 },
	{ "sctp", ETH_TYPE_IP, 132 },  { "sctp6", ETH_TYPE_IPV6, 132 },
	{ "arp", ETH_TYPE_ARP, -1 },
};
#define N_SHORTHANDS (sizeof(shorthands) / sizeof(shorthands[0]))

void ofp_match_state_init(struct ofp_match_state *st, struct ofp_match *match)
{
	memset(st, 0, sizeof(*st));
	st->match = match;
}

/* Whole-key operations go a 64-bit word at a time; memcpy keeps that
 * within C's aliasing rules (it compiles to plain loads and stores). */
#define KEY_WORDS (sizeof(struct ofp_key) / sizeof(uint64_t))
_Static_assert(sizeof(struct ofp_key) % sizeof(uint64_t) == 0, "ofp_key in u64 words");

static uint64_t word(const struct ofp_key *k, size_t i)
{
	uint64_t w;

	memcpy(&w, (const uint8_t *)k + i * sizeof(w), sizeof(w));
	return w;
}

static void set_word(struct ofp_key *k, size_t i, uint64_t w)
{
	memcpy((uint8_t *)k + i * sizeof(w), &w, sizeof(w));
}

/* Does "add" constrain any bit that the match already pins to another
 * value? */
static bool conflicts(const struct ofp_match *m, const struct ofp_match *add)
{
	size_t i;

	for (i = 0; i < KEY_WORDS; i++)
		if ((word(&m->value, i) ^ word(&add->value, i)) & word(&m->mask, i) &
		    word(&add->mask, i))
			return true;
	return false;
}

static void merge(struct ofp_match *m, const struct ofp_match *add)
{
	size_t i;

	for (i = 0; i < KEY_WORDS; i++) {
		uint64_t ak = word(&add->mask, i);

		set_word(&m->value, i, (word(&m->value, i) & ~ak) | word(&add->value, i));
		set_word(&m->mask, i, word(&m->mask, i) | ak);
	}
}

static int add_constraint(struct ofp_match_state *st, const struct ofp_match *add,
			  struct ofp_tok key, struct xs_err *err)
{
	if (conflicts(st->match, add))
		return ofp_err(err, key, "%.*s conflicts with an earlier field of "
			       "this match", OFP_TOK(key));
	merge(st->match, add);
	return 0;
}

static int parse_shorthand(struct ofp_match_state *st, unsigned i, struct ofp_tok key,
			   bool has_value, struct xs_err *err)
{
	struct ofp_match add;

	if (has_value)
		return ofp_err(err, key, "%s takes no value", shorthands[i].name);
	if (st->shorthands & 1u << i)
		return ofp_err(err, key, "%s given twice", shorthands[i].name);
	st->shorthands |= 1u << i;
	memset(&add, 0, sizeof(add));
	add.value.dp.dl_type = htons(shorthands[i].dl_type);
	add.mask.dp.dl_type = 0xffff;
	if (shorthands[i].nw_proto >= 0) {
		add.value.dp.nw_proto = shorthands[i].nw_proto;
		add.mask.dp.nw_proto = 0xff;
	}
	return add_constraint(st, &add, key, err);
}

/* dl_vlan=0xffff is OpenFlow 1.0's "no VLAN tag". */
static bool is_no_vlan(struct ofp_tok v)
{
	return ofp_tok_is(v, "0xffff") || ofp_tok_is(v, "0xFFFF") || ofp_tok_is(v, "65535");
}

int ofp_parse_match_item(struct ofp_match_state *st, struct ofp_tok key,
			 struct ofp_tok value, bool has_value, bool exact,
			 struct xs_err *err)
{
	uint8_t v[OFP_FIELD_MAX_BYTES], m[OFP_FIELD_MAX_BYTES];
	const struct ofp_field *f;
	struct ofp_match add;
	unsigned i;

	for (i = 0; i < N_SHORTHANDS; i++)
		if (ofp_tok_is(key, shorthands[i].name))
			return parse_shorthand(st, i, key, has_value, err);
	f = ofp_field_by_name(key.s, key.len);
	if (!f) {
		ofp_err(err, key, "unknown field '%.*s'", OFP_TOK(key));
		return -ENOENT;
	}
	if (!has_value)
		return ofp_err(err, key, "%s: missing value (write %s=VALUE)", f->name,
			       f->name);
	if (st->given[f->id])
		return ofp_err(err, key, "%s given twice", f->name);
	memset(&add, 0, sizeof(add));
	if (f->id == OFPF_DL_VLAN && is_no_vlan(value)) {
		add.mask.dp.vlan[0].tci = 0xffff;
	} else {
		if (ofp_read_field_value(f, value, !exact, v, m, err))
			return -EINVAL;
		if ((f->id == OFPF_NW_TOS) && (v[0] & 3))
			return ofp_err(err, value, "nw_tos: %.*s has ECN bits set (nw_tos "
				       "takes the DSCP bits: a multiple of 4)",
				       OFP_TOK(value));
		ofp_field_set_match(f, v, m, &add);
	}
	if (add_constraint(st, &add, key, err))
		return -EINVAL;
	st->given[f->id] = true;
	st->at[f->id] = key;
	return 0;
}

const char *ofp_prereq_text(const struct ofp_field *f)
{
	switch (f->prereq) {
	case OFPR_NONE:
		return "nothing";
	case OFPR_VLAN:
		return "a VLAN tag (dl_vlan, or vlan_tci with bit 0x1000 set)";
	case OFPR_ARP:
		return "arp (dl_type=0x0806)";
	case OFPR_IP_ANY:
		return "ip or ipv6 (dl_type=0x0800 or 0x86dd)";
	case OFPR_IPV4:
		return "ip (dl_type=0x0800)";
	case OFPR_IPV6:
		return "ipv6 (dl_type=0x86dd)";
	case OFPR_TCP_ANY:
		return "tcp or tcp6 (nw_proto=6)";
	case OFPR_L4_ANY:
		return "tcp, udp or sctp (nw_proto=6, 17 or 132, over ip or ipv6)";
	case OFPR_ICMPV4:
		return "icmp (dl_type=0x0800,nw_proto=1)";
	case OFPR_ICMPV6:
		return "icmp6 (dl_type=0x86dd,nw_proto=58)";
	case OFPR_ND:
		return "icmp6 with icmp_type=135 or 136 and icmp_code=0";
	case OFPR_ND_NS:
		return "icmp6 with icmp_type=135 and icmp_code=0";
	case OFPR_ND_NA:
		return "icmp6 with icmp_type=136 and icmp_code=0";
	case OFPR_UDP:
		return "udp or udp6 (nw_proto=17)";
	case OFPR_SCTP:
		return "sctp or sctp6 (nw_proto=132)";
	case OFPR_CT:
		return "a tracked, valid connection (ct_state with +new, +est, +rel, +rpl, "
		       "+snat or +dnat, or +trk-inv)";
	case OFPR_CT_IPV4:
		return "ip (dl_type=0x0800) and a tracked, valid connection (ct_state with "
		       "+new, +est, +rel, +rpl, +snat or +dnat, or +trk-inv)";
	case OFPR_CT_IPV6:
		return "ipv6 (dl_type=0x86dd) and a tracked, valid connection (ct_state with "
		       "+new, +est, +rel, +rpl, +snat or +dnat, or +trk-inv)";
	}
	return "?";
}

/* In a match, ovs-ofctl also takes nw_src/nw_dst for ARP's addresses and
 * icmp_type/icmp_code for ICMPv6 (that is how it prints them). */
static bool compat_prereq_ok(const struct ofp_field *f, const struct ofp_match *m)
{
	const struct ofp_field *alt = NULL;

	if (f->id == OFPF_NW_SRC || f->id == OFPF_NW_DST)
		alt = ofp_field_by_id(OFPF_ARP_SPA);
	else if (f->id == OFPF_ICMP_TYPE || f->id == OFPF_ICMP_CODE)
		alt = ofp_field_by_id(OFPF_ICMPV6_TYPE);
	return alt && ofp_prereq_in_match(alt, m);
}

/* A packet: fields not given are 0, so the prerequisites are read from
 * the values (with the same compatibility spellings as matches). */
static bool packet_prereq_ok(const struct ofp_field *f, const struct ofp_key *k)
{
	if (ofp_prereq_ok(f, k))
		return true;
	if (f->id == OFPF_NW_SRC || f->id == OFPF_NW_DST)
		return ofp_prereq_ok(ofp_field_by_id(OFPF_ARP_SPA), k);
	if (f->id == OFPF_ICMP_TYPE || f->id == OFPF_ICMP_CODE)
		return ofp_prereq_ok(ofp_field_by_id(OFPF_ICMPV6_TYPE), k);
	/* A traced packet may carry the ct tuple the passes after its ct
	 * action are to see, whatever its own ct_state: the IP version only. */
	if (f->prereq == OFPR_CT)
		return k->dp.dl_type == htons(0x0800) || k->dp.dl_type == htons(0x86dd);
	if (f->prereq == OFPR_CT_IPV4)
		return k->dp.dl_type == htons(0x0800);
	if (f->prereq == OFPR_CT_IPV6)
		return k->dp.dl_type == htons(0x86dd);
	return false;
}

int ofp_check_match(const struct ofp_match_state *st, struct xs_err *err)
{
	unsigned id;

	for (id = 0; id < OFPF__MAX; id++) {
		const struct ofp_field *f = ofp_field_by_id(id);

		if (!st->given[id])
			continue;
		if (st->packet ? packet_prereq_ok(f, &st->match->value) :
		    ofp_prereq_in_match(f, st->match) || compat_prereq_ok(f, st->match))
			continue;
		if (id == OFPF_DL_VLAN && st->match->mask.dp.vlan[0].tci == 0xffff &&
		    !st->match->value.dp.vlan[0].tci)
			continue; /* dl_vlan=0xffff: "no tag" needs no tag */
		if (id == OFPF_NW_SRC || id == OFPF_NW_DST)
			return ofp_err(err, st->at[id], "%s requires ip or arp "
				       "(dl_type=0x0800 or 0x0806)", f->name);
		if (id == OFPF_ICMP_TYPE || id == OFPF_ICMP_CODE)
			return ofp_err(err, st->at[id], "%s requires icmp or icmp6",
				       f->name);
		return ofp_err(err, st->at[id], "%s requires %s", f->name,
			       ofp_prereq_text(f));
	}
	/* The key keeps the ct tuple's IPv6 addresses where ND packets keep
	 * their ND fields (ND is never tracked): one flow cannot match both. */
	for (id = OFPF_CT_IPV6_SRC; id <= OFPF_CT_IPV6_DST; id++) {
		if (!st->given[id])
			continue;
		if (st->given[OFPF_ND_TARGET] || st->given[OFPF_ND_SLL] || st->given[OFPF_ND_TLL])
			return ofp_err(err, st->at[id], "%s cannot be matched with nd_target, "
				       "nd_sll or nd_tll (ND packets are never tracked)",
				       ofp_field_by_id(id)->name);
	}
	return 0;
}
