// SPDX-License-Identifier: Apache-2.0
/* OpenFlow actions and instructions as parsed from ovs-ofctl text (an
 * "ofpact" list, as OVS calls it). The translation walks these; the
 * formatter prints them back the way ovs-ofctl does. */
#ifndef XS_OFP_ACTIONS_H
#define XS_OFP_ACTIONS_H

#include <stdint.h>
#include "agent/ofp/fields.h"
#include "agent/ofp/ct_action.h"

enum ofpact_type {
	OFPACT_OUTPUT,        /* output:N, N, in_port, flood, all (no LOCAL) */
	OFPACT_CONTROLLER,    /* controller, controller:max_len, controller(...) */
	OFPACT_SET_FIELD,     /* set_field:V->F, mod_dl_src:, mod_nw_dst:, ... */
	OFPACT_LOAD,          /* load:V->F[ofs..end] */
	OFPACT_MOVE,          /* move:F[a..b]->G[c..d] */
	OFPACT_DEC_TTL,
	OFPACT_MOD_VLAN_VID,  /* pushes a tag if there is none, like OVS */
	OFPACT_MOD_VLAN_PCP,  /* same */
	OFPACT_POP_VLAN,      /* strip_vlan / pop_vlan */
	OFPACT_PUSH_VLAN,     /* push_vlan:0x8100 */
	OFPACT_WRITE_METADATA,/* write_metadata:V[/M] (instruction) */
	OFPACT_GOTO_TABLE,    /* goto_table:N (instruction, last) */
	OFPACT_RESUBMIT,      /* resubmit:P, resubmit(P,T), resubmit(,T) */
	OFPACT_CONJUNCTION,   /* conjunction(ID,K/N): only with other
	                       * conjunctions and notes (a "soft" flow) */
	OFPACT_NOTE,          /* note:HEX.HEX...: does nothing */
	OFPACT_STACK_PUSH,    /* push:FIELD[range] onto the register stack */
	OFPACT_STACK_POP,     /* pop:FIELD[range] */
	OFPACT_OUTPUT_REG,    /* output:FIELD[range]: to the port it holds */
	OFPACT_CLONE,         /* clone(ACTIONS): the next clone.n_nested
	                       * actions run on a copy of the packet */
	OFPACT_CT,            /* ct(...) (ct_action.h) */
	OFPACT_CT_CLEAR,      /* ct_clear */
	OFPACT_CLEAR_ACTIONS, /* clear_actions (instruction): empties the action set */
	OFPACT_WRITE_ACTIONS, /* write_actions(...) (instruction): the next
	                       * write_actions.n ofpacts are its list, merged
	                       * into the action set, which runs at the end
	                       * of the pipeline (xlate.h) */
};

#define OFPACT_NOTE_MAX 64       /* bytes of a note (ovs-ofctl pads it) */
#define OFPACT_USERDATA_MAX 64   /* bytes of controller(userdata=...) */
#define OFPACT_DEC_TTL_MAX_IDS 8 /* controller ids of dec_ttl(ids) */

/* How a set was spelled, so formatting gives it back (mod_nw_dst:... stays
 * mod_nw_dst:..., set_field:...->nw_dst stays set_field). */
enum ofpact_set_spelling {
	OFPACT_SPELL_SET_FIELD,
	OFPACT_SPELL_MOD,     /* mod_dl_src, mod_dl_dst, mod_nw_src, mod_nw_dst,
	                       * mod_nw_tos, mod_nw_ecn, mod_nw_ttl, mod_tp_src,
	                       * mod_tp_dst */
};

/* controller.reason: the OpenFlow packet-in reason codes. */
#define OFP_REASON_NO_MATCH 0
#define OFP_REASON_ACTION 1
#define OFP_REASON_INVALID_TTL 2

struct ofpact_subfield {
	enum ofp_field_id field;
	uint16_t ofs;    /* first bit, counted from the least significant */
	uint16_t n_bits;
};

struct ofpact {
	enum ofpact_type type;
	union {
		struct { uint32_t port; uint16_t max_len; } output;
		struct {
			uint16_t max_len;
			uint8_t reason;
			uint16_t id;
			uint8_t userdata_len;
			uint8_t userdata[OFPACT_USERDATA_MAX];
		} controller;
		struct { uint32_t id; uint8_t clause; uint8_t n_clauses; } conjunction;
		struct { uint8_t len; uint8_t data[OFPACT_NOTE_MAX]; } note; /* padded */
		struct {
			uint8_t n_ids; /* 0: "dec_ttl", sends to controller id 0 */
			uint16_t ids[OFPACT_DEC_TTL_MAX_IDS];
		} dec_ttl;
		struct ofpact_subfield stack;          /* push and pop */
		struct ofpact_subfield output_reg;
		struct { uint32_t n_nested; } clone;
		struct {
			enum ofp_field_id field;
			enum ofpact_set_spelling spelling;
			uint8_t value[OFP_FIELD_MAX_BYTES]; /* field-width, big endian */
			uint8_t mask[OFP_FIELD_MAX_BYTES];  /* all-ones unless set_field:V/M */
		} set_field;
		struct {
			struct ofpact_subfield dst;
			/* a 128-bit big-endian number: the dst.n_bits low bits */
			uint8_t value[OFP_FIELD_MAX_BYTES];
		} load;
		struct { struct ofpact_subfield src, dst; } move;
		struct { uint16_t vid; } vlan_vid;
		struct { uint8_t pcp; } vlan_pcp;
		struct { __be16 tpid; } push_vlan;
		struct { uint64_t value, mask; } metadata; /* host order */
		struct { uint8_t table; } goto_table;
		struct { uint16_t n; } write_actions;
		struct {
			uint32_t in_port; /* OFPP_IN_PORT: keep the packet's */
			uint8_t table;    /* 255: the current table */
		} resubmit;
		struct ofpact_ct ct;
	};
};

#endif
