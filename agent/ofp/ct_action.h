// SPDX-License-Identifier: Apache-2.0
/* The ct action of ovs-ofctl flow text (ovs-actions(7)): its parsed form,
 * parser and formatter, and the ct_state flag syntax of matches
 * ("+trk+est-inv"). */
#ifndef XS_OFP_CT_ACTION_H
#define XS_OFP_CT_ACTION_H

#include <stdbool.h>
#include <stdint.h>

struct ofp_tok;
struct ofp_out;
struct ofp_match;
struct xs_err;

#define OFPACT_CT_F_COMMIT 0x01
#define OFPACT_CT_F_FORCE 0x02

#define OFPACT_NAT_F_SRC 0x01        /* nat(src=...) */
#define OFPACT_NAT_F_DST 0x02        /* nat(dst=...) */
#define OFPACT_NAT_F_IPV6 0x04       /* addresses are IPv6 */
#define OFPACT_NAT_F_PORTS 0x08      /* a port range was given */
#define OFPACT_NAT_F_PERSISTENT 0x10
#define OFPACT_NAT_F_HASH 0x20
#define OFPACT_NAT_F_RANDOM 0x40

/* exec(move:SRC[a..b]->ct_mark|ct_label[c..d]): the bits are the
 * packet's, read when the flow is translated. Field ids: enum
 * ofp_field_id; bit offsets from the least significant bit. */
#define OFPACT_CT_MAX_MOVES 4
struct ofpact_ct_move {
	uint16_t src_field, src_ofs;
	uint16_t dst_field, dst_ofs;
	uint16_t n_bits;
};

struct ofpact_ct {
	uint8_t flags;        /* OFPACT_CT_F_* */
	uint8_t table;        /* 255: no recirculation */
	uint16_t zone;        /* immediate zone, when zone_field is 0 */
	/* zone=FIELD[a..b]: field id + 1 (0: immediate), first bit, bits */
	uint16_t zone_field;
	uint16_t zone_ofs, zone_bits;
	bool set_mark;        /* exec(set_field:V/M->ct_mark) */
	uint32_t mark, mark_mask;
	bool set_label;       /* exec(set_field:V/M->ct_label, load:, move:) */
	uint8_t label[16], label_mask[16]; /* big-endian, as the key's */
	uint8_t n_moves;
	struct ofpact_ct_move moves[OFPACT_CT_MAX_MOVES];
	bool nat;             /* nat, with or without a range */
	uint8_t nat_flags;    /* OFPACT_NAT_F_* */
	uint8_t addr_min[16], addr_max[16]; /* network order; 4 bytes for IPv4 */
	uint16_t port_min, port_max;
};

/* Parses the text inside "ct(...)" (@has_arg false: bare "ct"). @match is
 * the flow's match: ct needs an IP dl_type in it, and ct(commit) must not
 * follow a match on +inv (OVS: inconsistent). Returns 0 or -EINVAL with
 * @err set at the offending text. */
int ofp_parse_ct(struct ofp_tok arg, bool has_arg, const struct ofp_match *match,
		 struct ofpact_ct *ct, struct xs_err *err);
/* Prints a ct action as ovs-ofctl dump-flows does. */
void ofp_format_ct(struct ofp_out *o, const struct ofpact_ct *ct);

/* ct_state values: "+trk-inv", "trk|est" or a number, with /mask. */
int ofp_read_ct_state(struct ofp_tok t, bool allow_mask, uint8_t *value, uint8_t *mask,
		      struct xs_err *err);
/* The flags under @mask as "+new-est+trk" (bit order, as ovs-ofctl
 * prints matches); @mask 0: @value as "new|trk". */
void ofp_out_ct_state(struct ofp_out *o, uint8_t value, uint8_t mask);

#endif
