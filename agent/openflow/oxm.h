// SPDX-License-Identifier: Apache-2.0
/* The OXM match codec: an OpenFlow 1.3 ofp_match (type OXM, TLVs of the
 * OpenFlow basic class plus the Nicira registers, ip_ttl, ip_frag and
 * tcp_flags) to and from struct ofp_match.
 *
 * Decoding checks what the spec and Open vSwitch check: known field
 * (BAD_FIELD), payload length (BAD_LEN), a mask only on maskable fields
 * (BAD_MASK), no value bit outside its mask (BAD_WILDCARDS), values in
 * range (BAD_VALUE: a VLAN id above 0x1fff, DSCP above 63, an invalid
 * port), each field at most once (DUP_FIELD), and every field's
 * prerequisites matched exactly somewhere in the same match (BAD_PREREQ:
 * tcp_dst needs eth_type 0x0800 or 0x86dd and ip_proto 6, ...). */
#ifndef XS_OPENFLOW_OXM_H
#define XS_OPENFLOW_OXM_H

#include <stddef.h>
#include <stdint.h>

#include "agent/ofp/fields.h"
#include "agent/openflow/ofbuf.h"

/* One known OXM field. */
struct oxm_field {
	uint16_t cls;
	uint8_t field;
	uint8_t len;            /* payload bytes without mask */
	enum ofp_field_id id;   /* where it lives in the key */
	bool maskable;
	uint8_t prereq;         /* private: enum in oxm.c */
	const char *name;
};

/* The known fields, for table features: n is set to their count. */
const struct oxm_field *oxm_fields_all(size_t *n);

/* The field with this header's class and field number, or NULL. */
const struct oxm_field *oxm_field_by_header(uint32_t header);

/* Decodes the TLVs in p[0..len) (no ofp_match header, no padding) into
 * *match (initialised here). Returns 0 or an OFPERR. */
int oxm_decode_tlvs(const uint8_t *p, size_t len, struct ofp_match *match);

/* Decodes a whole ofp_match at p (up to avail bytes): type, length, TLVs.
 * *consumed gets its padded size. Returns 0 or an OFPERR. */
int oxm_decode_match(const uint8_t *p, size_t avail, struct ofp_match *match,
		     size_t *consumed);

/* Appends an ofp_match (header, TLVs, padding to 8) for *match in the
 * canonical order; fields of the key that OpenFlow 1.3 cannot express are
 * left out. */
void oxm_encode_match(struct ofbuf *b, const struct ofp_match *match);

/* Decodes one set_field's TLV value (no mask) into dst/value for an
 * OFPACT_SET_FIELD. Returns 0 or an OFPERR of the BAD_ACTION family. */
int oxm_decode_set_field(const uint8_t *p, size_t len, enum ofp_field_id *id,
			 uint8_t *value, size_t *consumed);
/* Appends the TLV of a set_field of field id with value (field width). */
int oxm_encode_set_field(struct ofbuf *b, enum ofp_field_id id, const uint8_t *value);

#endif
