// SPDX-License-Identifier: Apache-2.0
/* Instruction and action codec (ofactions.h). */
#include "agent/openflow/ofactions.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/ofp/key.h"
#include "agent/openflow/nicira.h"
#include "agent/openflow/of13.h"
#include "agent/openflow/oxm.h"

#define MAX_ACTIONS 1024

static struct ofpact *push(struct ofpact **acts, size_t *n)
{
	struct ofpact *a;

	if (*n >= MAX_ACTIONS)
		return NULL;
	if (!(*n & (*n - 1)) || !*n) {
		size_t cap = *n ? *n * 2 : 4;
		struct ofpact *na = realloc(*acts, cap * sizeof(*na));

		if (!na)
			return NULL;
		*acts = na;
	}
	a = &(*acts)[(*n)++];
	memset(a, 0, sizeof(*a));
	return a;
}

static int decode_output(const uint8_t *p, enum ofa_ctx ctx, struct ofpact *a)
{
	uint32_t port = of_get32(p + 4);
	uint16_t max_len = of_get16(p + 8);

	switch (port) {
	case OFPP13_CONTROLLER:
		a->type = OFPACT_CONTROLLER;
		a->controller.max_len = max_len;
		a->controller.reason = OFP_REASON_ACTION;
		return 0;
	case OFPP13_TABLE:
		if (ctx != OFA_PACKET_OUT)
			return E_ACT_BAD_OUT_PORT;
		break;
	case OFPP13_ANY:
	case OFPP13_LOCAL:
	case 0:
		return E_ACT_BAD_OUT_PORT;
	default:
		if (!of_port_from_wire(port))
			return E_ACT_BAD_OUT_PORT;
		break;
	}
	a->type = OFPACT_OUTPUT;
	a->output.port = of_port_from_wire(port);
	a->output.max_len = max_len;
	return 0;
}

int ofa_decode_actions(const uint8_t *p, size_t len, enum ofa_ctx ctx,
		       struct ofpact **acts, size_t *n)
{
	size_t ofs = 0;

	while (ofs < len) {
		uint16_t type, alen;
		const uint8_t *q = p + ofs;
		struct ofpact *a;
		int err = 0;

		if (len - ofs < 8)
			return E_ACT_BAD_LEN;
		type = of_get16(q);
		alen = of_get16(q + 2);
		if (alen < 8 || alen % 8 || alen > len - ofs)
			return E_ACT_BAD_LEN;
		a = push(acts, n);
		if (!a)
			return E_ACT_TOO_MANY;
		switch (type) {
		case OFPAT_OUTPUT:
			if (alen != 16)
				return E_ACT_BAD_LEN;
			err = decode_output(q, ctx, a);
			break;
		case OFPAT_PUSH_VLAN: {
			uint16_t tpid = of_get16(q + 4);

			if (alen != 8)
				return E_ACT_BAD_LEN;
			if (tpid != 0x8100 && tpid != 0x88a8)
				return E_ACT_BAD_ARGUMENT;
			a->type = OFPACT_PUSH_VLAN;
			a->push_vlan.tpid = htons(tpid);
			break;
		}
		case OFPAT_POP_VLAN:
			if (alen != 8)
				return E_ACT_BAD_LEN;
			a->type = OFPACT_POP_VLAN;
			break;
		case OFPAT_DEC_NW_TTL:
			if (alen != 8)
				return E_ACT_BAD_LEN;
			a->type = OFPACT_DEC_TTL;
			break;
		case OFPAT_SET_NW_TTL:
			if (alen != 8)
				return E_ACT_BAD_LEN;
			a->type = OFPACT_SET_FIELD;
			a->set_field.field = OFPF_NW_TTL;
			a->set_field.value[0] = q[4];
			memset(a->set_field.mask, 0xff, 1);
			break;
		case OFPAT_SET_FIELD: {
			const struct ofp_field *f;
			size_t used;

			err = oxm_decode_set_field(q + 4, alen - 4u, &a->set_field.field,
						   a->set_field.value, &used);
			if (err)
				return err;
			if (((4 + used + 7) & ~7u) != alen)
				return E_ACT_BAD_SET_LEN;
			f = ofp_field_by_id(a->set_field.field);
			a->type = OFPACT_SET_FIELD;
			a->set_field.spelling = OFPACT_SPELL_SET_FIELD;
			ofp_field_ones(f, a->set_field.mask);
			break;
		}
		case OFPAT_GROUP:
			return E_ACT_BAD_OUT_GROUP;
		case OFPAT_EXPERIMENTER:
			if (alen < 16)
				return E_ACT_BAD_LEN;
			err = nx_decode_action(q, alen, a);
			break;
		default:
			return E_ACT_BAD_TYPE;
		}
		if (err)
			return err;
		ofs += alen;
	}
	return 0;
}

int ofa_decode_instructions(const uint8_t *p, size_t len, uint8_t table_id,
			    struct ofpact **acts, size_t *n)
{
	const uint8_t *apply = NULL, *meta = NULL, *go = NULL, *write = NULL, *clear = NULL;
	size_t apply_len = 0, write_len = 0, ofs = 0;
	struct ofpact *a;
	int err;

	while (ofs < len) {
		const uint8_t *q = p + ofs;
		uint16_t type, ilen;

		if (len - ofs < 4)
			return E_INST_BAD_LEN;
		type = of_get16(q);
		ilen = of_get16(q + 2);
		if (ilen < 8 || ilen % 8 || ilen > len - ofs)
			return E_INST_BAD_LEN;
		switch (type) {
		case OFPIT_APPLY_ACTIONS:
			if (apply)
				return E_INST_UNSUP;
			apply = q + 8;
			apply_len = ilen - 8u;
			break;
		case OFPIT_WRITE_METADATA:
			if (ilen != 24)
				return E_INST_BAD_LEN;
			if (meta)
				return E_INST_UNSUP;
			meta = q;
			break;
		case OFPIT_GOTO_TABLE:
			if (ilen != 8)
				return E_INST_BAD_LEN;
			if (go)
				return E_INST_UNSUP;
			if (q[4] <= table_id || q[4] >= OFP_N_TABLES)
				return E_INST_BAD_TABLE_ID;
			go = q;
			break;
		case OFPIT_WRITE_ACTIONS:
			if (write)
				return E_INST_UNSUP;
			write = q + 8;
			write_len = ilen - 8u;
			break;
		case OFPIT_CLEAR_ACTIONS:
			if (clear || ilen != 8)
				return clear ? E_INST_UNSUP : E_INST_BAD_LEN;
			clear = q;
			break;
		case OFPIT_METER:
			return E_INST_UNSUP;
		case OFPIT_EXPERIMENTER:
			return E_INST_BAD_EXPERIMENTER;
		default:
			return E_INST_UNKNOWN;
		}
		ofs += ilen;
	}
	if (apply) {
		err = ofa_decode_actions(apply, apply_len, OFA_FLOW, acts, n);
		if (err)
			return err;
	}
	if (clear) {
		a = push(acts, n);
		if (!a)
			return E_ACT_TOO_MANY;
		a->type = OFPACT_CLEAR_ACTIONS;
	}
	if (write) {
		size_t mark = *n;

		a = push(acts, n);
		if (!a)
			return E_ACT_TOO_MANY;
		a->type = OFPACT_WRITE_ACTIONS;
		err = ofa_decode_actions(write, write_len, OFA_FLOW, acts, n);
		if (err)
			return err;
		for (size_t i = mark + 1; i < *n; i++) {
			enum ofpact_type t = (*acts)[i].type;

			/* the set holds one action of each kind: a second
			 * output would replace the first (spec 5.10) */
			for (size_t j = mark + 1; j < i; j++)
				if ((*acts)[j].type == t && t != OFPACT_SET_FIELD)
					return E_ACT_TOO_MANY;
		}
		(*acts)[mark].write_actions.n = (uint16_t)(*n - mark - 1);
	}
	if (meta) {
		a = push(acts, n);
		if (!a)
			return E_ACT_TOO_MANY;
		a->type = OFPACT_WRITE_METADATA;
		a->metadata.value = of_get64(meta + 8);
		a->metadata.mask = of_get64(meta + 16);
		a->metadata.value &= a->metadata.mask;
	}
	if (go) {
		a = push(acts, n);
		if (!a)
			return E_ACT_TOO_MANY;
		a->type = OFPACT_GOTO_TABLE;
		a->goto_table.table = go[4];
	}
	return 0;
}

static void put_output(struct ofbuf *b, uint32_t port, uint16_t max_len)
{
	ofbuf_put16(b, OFPAT_OUTPUT);
	ofbuf_put16(b, 16);
	ofbuf_put32(b, port);
	ofbuf_put16(b, max_len);
	ofbuf_put_zeros(b, 6);
}

static void put_set_field(struct ofbuf *b, enum ofp_field_id id, const uint8_t *value)
{
	size_t start = b->len;

	ofbuf_put16(b, OFPAT_SET_FIELD);
	ofbuf_put16(b, 0);
	if (oxm_encode_set_field(b, id, value)) {
		b->len = start;
		return;
	}
	ofbuf_pad8(b, start);
	if (!b->failed)
		of_put16(b->data + start + 2, (uint16_t)(b->len - start));
}

void ofa_encode_actions(struct ofbuf *b, const struct ofpact *acts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ofpact *a = &acts[i];
		uint8_t v[OFP_FIELD_MAX_BYTES] = { 0 };

		switch (a->type) {
		case OFPACT_OUTPUT:
			put_output(b, of_port_to_wire(a->output.port), a->output.max_len);
			break;
		case OFPACT_CONTROLLER:
			nx_encode_controller(b, a);
			break;
		case OFPACT_SET_FIELD:
			put_set_field(b, a->set_field.field, a->set_field.value);
			break;
		case OFPACT_DEC_TTL:
			ofbuf_put16(b, OFPAT_DEC_NW_TTL);
			ofbuf_put16(b, 8);
			ofbuf_put32(b, 0);
			break;
		case OFPACT_POP_VLAN:
			ofbuf_put16(b, OFPAT_POP_VLAN);
			ofbuf_put16(b, 8);
			ofbuf_put32(b, 0);
			break;
		case OFPACT_PUSH_VLAN:
			ofbuf_put16(b, OFPAT_PUSH_VLAN);
			ofbuf_put16(b, 8);
			ofbuf_put16(b, ntohs(a->push_vlan.tpid));
			ofbuf_put16(b, 0);
			break;
		case OFPACT_MOD_VLAN_VID:
			of_put16(v, a->vlan_vid.vid);
			put_set_field(b, OFPF_DL_VLAN, v);
			break;
		case OFPACT_MOD_VLAN_PCP:
			v[0] = a->vlan_pcp.pcp;
			put_set_field(b, OFPF_DL_VLAN_PCP, v);
			break;
		default:
			break; /* load, move, resubmit: no OpenFlow 1.3 action */
		}
	}
}

/* Is acts[i] one of the apply_actions (not an instruction, nor inside
 * write_actions)? */
static size_t apply_end(const struct ofpact *acts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (acts[i].type == OFPACT_WRITE_METADATA || acts[i].type == OFPACT_GOTO_TABLE ||
		    acts[i].type == OFPACT_WRITE_ACTIONS || acts[i].type == OFPACT_CLEAR_ACTIONS)
			return i;
	return n;
}

void ofa_encode_instructions(struct ofbuf *b, const struct ofpact *acts, size_t n)
{
	size_t start = b->len, end = apply_end(acts, n);

	if (end) {
		ofbuf_put16(b, OFPIT_APPLY_ACTIONS);
		ofbuf_put16(b, 0);
		ofbuf_put32(b, 0);
		ofa_encode_actions(b, acts, end);
		if (!b->failed)
			of_put16(b->data + start + 2, (uint16_t)(b->len - start));
	}
	for (size_t i = end; i < n; i++) {
		if (acts[i].type == OFPACT_CLEAR_ACTIONS) {
			ofbuf_put16(b, OFPIT_CLEAR_ACTIONS);
			ofbuf_put16(b, 8);
			ofbuf_put32(b, 0);
		}
	}
	for (size_t i = end; i < n; i++) {
		size_t k, w = b->len;

		if (acts[i].type != OFPACT_WRITE_ACTIONS)
			continue;
		k = acts[i].write_actions.n < n - i - 1 ? acts[i].write_actions.n : n - i - 1;
		ofbuf_put16(b, OFPIT_WRITE_ACTIONS);
		ofbuf_put16(b, 0);
		ofbuf_put32(b, 0);
		ofa_encode_actions(b, acts + i + 1, k);
		if (!b->failed)
			of_put16(b->data + w + 2, (uint16_t)(b->len - w));
		i += k;
	}
	for (size_t i = 0; i < n; i++) {
		if (acts[i].type == OFPACT_WRITE_METADATA) {
			ofbuf_put16(b, OFPIT_WRITE_METADATA);
			ofbuf_put16(b, 24);
			ofbuf_put32(b, 0);
			ofbuf_put64(b, acts[i].metadata.value);
			ofbuf_put64(b, acts[i].metadata.mask);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (acts[i].type == OFPACT_GOTO_TABLE) {
			ofbuf_put16(b, OFPIT_GOTO_TABLE);
			ofbuf_put16(b, 8);
			ofbuf_put8(b, acts[i].goto_table.table);
			ofbuf_put_zeros(b, 3);
		}
	}
}

bool ofa_outputs_to(const struct ofpact *acts, size_t n, uint32_t port)
{
	for (size_t i = 0; i < n; i++) {
		if (acts[i].type == OFPACT_OUTPUT && acts[i].output.port == port)
			return true;
		if (acts[i].type == OFPACT_CONTROLLER && port == OFPP_CONTROLLER)
			return true;
	}
	return false;
}
