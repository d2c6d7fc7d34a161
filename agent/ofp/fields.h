// SPDX-License-Identifier: Apache-2.0
/* The match/set field table (OVS's meta-flow, reduced): every field the flow
 * syntax knows, where it lives in struct ofp_key, its width, its
 * prerequisites, and whether it can be masked or written.
 *
 * A field value is handled as a big-endian byte string of n_bytes (n_bits
 * significant, right-aligned): "dl_vlan" is 2 bytes with 12 bits, "ip_dscp"
 * 1 byte with 6 bits, "nw_src" 4 bytes. Fields that are a view of part of a
 * key member (dl_vlan, dl_vlan_pcp, ip_dscp, ip_ecn, icmp_type, ...) are read
 * and written through these functions, which shift and mask as needed, so
 * callers never touch struct ofp_key offsets themselves. */
#ifndef XS_OFP_FIELDS_H
#define XS_OFP_FIELDS_H

#include <stdbool.h>
#include <stdint.h>
#include "agent/ofp/key.h"

#define OFP_FIELD_MAX_BYTES 16

enum ofp_field_id {
	OFPF_IN_PORT,
	OFPF_DL_DST,
	OFPF_DL_SRC,
	OFPF_DL_TYPE,
	OFPF_VLAN_TCI,   /* outer tag, with XS_VLAN_PRESENT */
	OFPF_DL_VLAN,    /* 12-bit VID of the outer tag */
	OFPF_DL_VLAN_PCP,
	OFPF_NW_SRC,
	OFPF_NW_DST,
	OFPF_NW_PROTO,
	OFPF_NW_TOS,     /* whole TOS byte (ovs-ofctl's nw_tos uses DSCP bits) */
	OFPF_IP_DSCP,    /* 6 bits */
	OFPF_IP_ECN,     /* 2 bits */
	OFPF_NW_TTL,
	OFPF_IP_FRAG,
	OFPF_TP_SRC,
	OFPF_TP_DST,
	OFPF_TCP_FLAGS,
	OFPF_ICMP_TYPE,
	OFPF_ICMP_CODE,
	OFPF_ICMPV6_TYPE,
	OFPF_ICMPV6_CODE,
	OFPF_ARP_OP,
	OFPF_ARP_SPA,
	OFPF_ARP_TPA,
	OFPF_ARP_SHA,
	OFPF_ARP_THA,
	OFPF_IPV6_SRC,
	OFPF_IPV6_DST,
	OFPF_IPV6_LABEL,
	OFPF_ND_TARGET,
	OFPF_CT_STATE,   /* XS_CS_* flags */
	OFPF_CT_ZONE,
	OFPF_CT_MARK,    /* written only by ct(commit,exec(...)) */
	OFPF_RECIRC_ID,
	OFPF_METADATA,
	OFPF_REG0,       /* OFPF_REG0 + i for reg i, i < OFP_N_REGS */
	/* Fields added for Open vSwitch 3.1's full name set (issue 12); other
	 * features append theirs before OFPF__MAX. */
	OFPF_IN_PORT_OXM = OFPF_REG0 + OFP_N_REGS, /* 32-bit OpenFlow 1.1+ view */
	OFPF_VLAN_VID,   /* 13 bits: OFPVID_PRESENT (0x1000) | VID */
	OFPF_TCP_SRC,    /* tp_src seen as TCP only (prerequisite tcp) */
	OFPF_TCP_DST,
	OFPF_UDP_SRC,
	OFPF_UDP_DST,
	OFPF_SCTP_SRC,
	OFPF_SCTP_DST,
	OFPF_ND_SLL,     /* ND source link-layer address (NS only) */
	OFPF_ND_TLL,     /* ND target link-layer address (NA only) */
	OFPF_CONJ_ID,    /* set by a conjunctive match, matched later */
	OFPF_XREG0,      /* OFPF_XREG0 + i: 64-bit reg(2i):reg(2i+1) */
	OFPF_XXREG0 = OFPF_XREG0 + OFP_N_REGS / 2, /* 128-bit reg(4i)..reg(4i+3) */
	/* The original-direction tuple of the packet's connection, as a ct
	 * action leaves it (read-only; key.h's xs_flow_key shares the address
	 * bytes with the ND/ARP fields). */
	OFPF_CT_NW_PROTO = OFPF_XXREG0 + OFP_N_REGS / 4,
	OFPF_CT_NW_SRC,
	OFPF_CT_NW_DST,
	OFPF_CT_IPV6_SRC,
	OFPF_CT_IPV6_DST,
	OFPF_CT_TP_SRC,
	OFPF_CT_TP_DST,
	OFPF_CT_LABEL,   /* 128 bits; written only by ct(commit,exec(...)) */
	OFPF__MAX
};

/* What must hold in a match (and in a packet) for a field to be meaningful. */
enum ofp_prereq {
	OFPR_NONE,
	OFPR_VLAN,   /* a VLAN tag is present (for dl_vlan_pcp etc. only in sets) */
	OFPR_ARP,    /* dl_type=0x0806 */
	OFPR_IP_ANY, /* dl_type=0x0800 or 0x86dd */
	OFPR_IPV4,
	OFPR_IPV6,
	OFPR_TCP_ANY, /* IPv4 or IPv6, nw_proto=6 */
	OFPR_L4_ANY,  /* IPv4 or IPv6, nw_proto in {6, 17, 132} */
	OFPR_ICMPV4,  /* IPv4, nw_proto=1 */
	OFPR_ICMPV6,  /* IPv6, nw_proto=58 */
	OFPR_ND,      /* ICMPv6 type 135 or 136, code 0 */
	OFPR_ND_NS,   /* ICMPv6 type 135 (neighbour solicitation), code 0 */
	OFPR_ND_NA,   /* ICMPv6 type 136 (neighbour advertisement), code 0 */
	OFPR_UDP,     /* IPv4 or IPv6, nw_proto=17 */
	OFPR_SCTP,    /* IPv4 or IPv6, nw_proto=132 */
	/* OVS's "CT" (is_ct_valid): a tracked, valid connection; in a match,
	 * ct_state matches one of +new +est +rel +rpl +snat +dnat, or +trk
	 * with -inv. */
	OFPR_CT,
	OFPR_CT_IPV4, /* CT and ip: the key's IPv4 view of the tuple */
	OFPR_CT_IPV6, /* CT and ipv6 */
};

/* How a value is written and read in text. */
enum ofp_field_format {
	OFPFMT_DEC,     /* decimal (hex accepted with 0x) */
	OFPFMT_HEX,     /* printed as 0x..., decimal accepted */
	OFPFMT_ETH,     /* aa:bb:cc:dd:ee:ff */
	OFPFMT_IPV4,    /* dotted quad, /prefix or /mask */
	OFPFMT_IPV6,    /* RFC 5952, /prefix */
	OFPFMT_FRAG,    /* no | yes | first | later | not_later */
	OFPFMT_TCP_FLAGS, /* +syn-ack or 0x002/0x012 */
	OFPFMT_PORT,    /* OpenFlow port: number or in_port/flood/...; not LOCAL */
	OFPFMT_CT_STATE, /* +trk+est-inv (ct_action.h) */
};

struct ofp_field {
	enum ofp_field_id id;
	const char *name;      /* ovs-ofctl name, e.g. "nw_src" */
	const char *nxm_name;  /* e.g. "NXM_OF_IP_SRC"; NULL if none */
	const char *oxm_name;  /* e.g. "OXM_OF_IPV4_SRC"; NULL if none */
	uint8_t n_bytes;       /* width of the value byte string */
	uint8_t n_bits;        /* significant bits, right-aligned */
	bool maskable;         /* arbitrary masks in a match */
	bool prefix_only;      /* masks must be CIDR-style prefixes */
	bool writable;         /* set_field/load/move destination */
	enum ofp_prereq prereq;
	enum ofp_field_format format;
};

const struct ofp_field *ofp_field_by_id(enum ofp_field_id id);
/* Looks up a field by the names ovs-ofctl takes in a match and in
 * set_field: the short name and its aliases (eth_src, dl_src, ...), not the
 * NXM/OXM names. NULL if unknown. */
const struct ofp_field *ofp_field_by_name(const char *name, unsigned len);
/* Same, also taking NXM and OXM names: what load, move, push, pop and
 * output:FIELD accept for a field. */
const struct ofp_field *ofp_subfield_by_name(const char *name, unsigned len);
/* The name ovs-ofctl prints in a subfield: NXM's, else OXM's, else short. */
const char *ofp_field_wire_name(const struct ofp_field *f);

/* Bits a value (or match mask) of the field may have: n_bits, but 13 for
 * vlan_vid, whose bit 12 is OFPVID_PRESENT (a subfield of it has 12). */
unsigned ofp_field_value_bits(const struct ofp_field *f);
/* The field's all-ones value: ofp_field_value_bits() ones, right-aligned
 * in n_bytes. */
void ofp_field_ones(const struct ofp_field *f, uint8_t *ones);
/* Reads the field's value from a key into value[n_bytes]. */
void ofp_field_get(const struct ofp_field *f, const struct ofp_key *key, uint8_t *value);
/* Writes value (only the bits set in mask; NULL mask = all) into a key. */
void ofp_field_set(const struct ofp_field *f, const uint8_t *value,
		   const uint8_t *mask, struct ofp_key *key);
/* Adds "field & mask == value & mask" to a match (ANDs into what is there
 * for other bits of shared key members; the field's own bits are replaced).
 * As in ovs-ofctl, dl_vlan and dl_vlan_pcp also match the VLAN-present bit
 * (a tag must be there), and icmp(v6)_type/code pin the whole tp_src/tp_dst
 * member (its high byte is 0 in every ICMP key). */
void ofp_field_set_match(const struct ofp_field *f, const uint8_t *value,
			 const uint8_t *mask, struct ofp_match *match);
/* Reads the field's value and mask from a match. */
void ofp_field_get_match(const struct ofp_field *f, const struct ofp_match *match,
			 uint8_t *value, uint8_t *mask);
/* Sets all the field's bits in a key-shaped mask (un-wildcards it). */
void ofp_field_mask_all(const struct ofp_field *f, struct ofp_key *mask);

/* Does the packet/working key satisfy the field's prerequisites? */
bool ofp_prereq_ok(const struct ofp_field *f, const struct ofp_key *key);
/* Un-wildcards in mask the key bits that ofp_prereq_ok() looked at. */
void ofp_prereq_mask(const struct ofp_field *f, const struct ofp_key *key,
		     struct ofp_key *mask);
/* Does a match imply the field's prerequisites (for validating flows)? */
bool ofp_prereq_in_match(const struct ofp_field *f, const struct ofp_match *match);

#endif
