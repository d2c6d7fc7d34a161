// SPDX-License-Identifier: Apache-2.0
/* Nicira extensions (nicira.h). */
#include "agent/openflow/nicira.h"

#include <string.h>

#include "agent/openflow/of13.h"

enum { NXAC2PT_MAX_LEN, NXAC2PT_CONTROLLER_ID, NXAC2PT_REASON, NXAC2PT_USERDATA,
       NXAC2PT_PAUSE, NXAC2PT_METER_ID };
enum { NXPINT_PACKET, NXPINT_FULL_LEN, NXPINT_BUFFER_ID, NXPINT_TABLE_ID, NXPINT_COOKIE,
       NXPINT_REASON, NXPINT_METADATA, NXPINT_USERDATA };

/* The properties of NXAST_CONTROLLER2 at p (n bytes) into a. */
static int decode_controller2_props(const uint8_t *p, size_t n, struct ofpact *a)
{
	size_t ofs = 0;

	while (ofs < n) {
		uint16_t type, plen;

		if (n - ofs < 4)
			return E_ACT_BAD_LEN;
		type = of_get16(p + ofs);
		plen = of_get16(p + ofs + 2);
		if (plen < 4 || ((plen + 7u) & ~7u) > n - ofs)
			return E_ACT_BAD_LEN;
		switch (type) {
		case NXAC2PT_MAX_LEN:
		case NXAC2PT_CONTROLLER_ID:
			if (plen != 8 && plen != 6) /* Open vSwitch pads the value to 4 */
				return E_ACT_BAD_LEN;
			if (type == NXAC2PT_MAX_LEN)
				a->controller.max_len = of_get16(p + ofs + 4);
			else
				a->controller.id = of_get16(p + ofs + 4);
			break;
		case NXAC2PT_REASON:
			if (plen != 5)
				return E_ACT_BAD_LEN;
			a->controller.reason = p[ofs + 4];
			if (a->controller.reason > OFP_REASON_INVALID_TTL)
				return E_ACT_BAD_ARGUMENT;
			break;
		case NXAC2PT_USERDATA:
			if (plen - 4u > OFPACT_USERDATA_MAX)
				return E_ACT_BAD_ARGUMENT;
			a->controller.userdata_len = (uint8_t)(plen - 4u);
			memcpy(a->controller.userdata, p + ofs + 4, plen - 4u);
			break;
		default: /* PAUSE, METER_ID and unknown ones: not done here */
			return E_ACT_BAD_ARGUMENT;
		}
		ofs += (plen + 7u) & ~7u;
	}
	return 0;
}

int nx_decode_action(const uint8_t *q, uint16_t alen, struct ofpact *a)
{
	uint16_t subtype;

	if (of_get32(q + 4) != NX_VENDOR_ID)
		return E_ACT_BAD_EXPERIMENTER;
	subtype = of_get16(q + 8);
	a->type = OFPACT_CONTROLLER;
	a->controller.max_len = OFPCML_NO_BUFFER;
	a->controller.reason = OFP_REASON_ACTION;
	switch (subtype) {
	case NXAST_CONTROLLER:
		if (alen != 16)
			return E_ACT_BAD_LEN;
		a->controller.max_len = of_get16(q + 10);
		a->controller.id = of_get16(q + 12);
		a->controller.reason = q[14];
		return a->controller.reason > OFP_REASON_INVALID_TTL ? E_ACT_BAD_ARGUMENT : 0;
	case NXAST_CONTROLLER2:
		if (alen < 16)
			return E_ACT_BAD_LEN;
		return decode_controller2_props(q + 16, alen - 16u, a);
	default:
		return E_ACT_BAD_EXP_TYPE;
	}
}

static void put_prop16(struct ofbuf *b, uint16_t type, uint16_t v)
{
	ofbuf_put16(b, type);
	ofbuf_put16(b, 8); /* the value padded to 4, as Open vSwitch writes it */
	ofbuf_put16(b, v);
	ofbuf_put_zeros(b, 2);
}

static void put_prop(struct ofbuf *b, uint16_t type, const void *v, size_t n)
{
	size_t start = b->len;

	ofbuf_put16(b, type);
	ofbuf_put16(b, (uint16_t)(4 + n));
	ofbuf_put(b, v, n);
	ofbuf_pad8(b, start);
}

void nx_encode_controller(struct ofbuf *b, const struct ofpact *a)
{
	size_t start = b->len;

	if (!a->controller.userdata_len) {
		if (!a->controller.id && a->controller.reason == OFP_REASON_ACTION) {
			ofbuf_put16(b, OFPAT_OUTPUT);
			ofbuf_put16(b, 16);
			ofbuf_put32(b, OFPP13_CONTROLLER);
			ofbuf_put16(b, a->controller.max_len);
			ofbuf_put_zeros(b, 6);
			return;
		}
		ofbuf_put16(b, OFPAT_EXPERIMENTER);
		ofbuf_put16(b, 16);
		ofbuf_put32(b, NX_VENDOR_ID);
		ofbuf_put16(b, NXAST_CONTROLLER);
		ofbuf_put16(b, a->controller.max_len);
		ofbuf_put16(b, a->controller.id);
		ofbuf_put8(b, a->controller.reason);
		ofbuf_put8(b, 0);
		return;
	}
	ofbuf_put16(b, OFPAT_EXPERIMENTER);
	ofbuf_put16(b, 0); /* below */
	ofbuf_put32(b, NX_VENDOR_ID);
	ofbuf_put16(b, NXAST_CONTROLLER2);
	ofbuf_put_zeros(b, 6);
	if (a->controller.max_len != OFPCML_NO_BUFFER)
		put_prop16(b, NXAC2PT_MAX_LEN, a->controller.max_len);
	if (a->controller.id)
		put_prop16(b, NXAC2PT_CONTROLLER_ID, a->controller.id);
	if (a->controller.reason != OFP_REASON_ACTION)
		put_prop(b, NXAC2PT_REASON, &a->controller.reason, 1);
	put_prop(b, NXAC2PT_USERDATA, a->controller.userdata, a->controller.userdata_len);
	ofbuf_pad8(b, start);
	if (!b->failed)
		of_put16(b->data + start + 2, (uint16_t)(b->len - start));
}

void nx_put_packet_in2(struct ofbuf *b, const struct nx_pin *pin)
{
	size_t meta;
	uint8_t v8;

	ofbuf_put32(b, NX_VENDOR_ID);
	ofbuf_put32(b, NXT_PACKET_IN2);
	put_prop(b, NXPINT_PACKET, pin->pkt, pin->len);
	if (pin->len < pin->total_len) {
		ofbuf_put16(b, NXPINT_FULL_LEN);
		ofbuf_put16(b, 8);
		ofbuf_put32(b, pin->total_len);
	}
	v8 = pin->table;
	put_prop(b, NXPINT_TABLE_ID, &v8, 1);
	if (pin->cookie != UINT64_MAX) {
		ofbuf_put16(b, NXPINT_COOKIE);
		ofbuf_put16(b, 16);
		ofbuf_put32(b, 0);
		ofbuf_put64(b, pin->cookie);
	}
	v8 = pin->reason;
	put_prop(b, NXPINT_REASON, &v8, 1);
	/* the metadata fields as OXM TLVs */
	meta = b->len;
	ofbuf_put16(b, NXPINT_METADATA);
	ofbuf_put16(b, 0);
	ofbuf_put32(b, OXM_HEADER(OXM_CLASS_BASIC, OFPXMT_IN_PORT, 0, 4));
	ofbuf_put32(b, of_port_to_wire(pin->in_port));
	if (pin->metadata) {
		ofbuf_put32(b, OXM_HEADER(OXM_CLASS_BASIC, OFPXMT_METADATA, 0, 8));
		ofbuf_put64(b, pin->metadata);
	}
	if (!b->failed)
		of_put16(b->data + meta + 2, (uint16_t)(b->len - meta));
	ofbuf_pad8(b, meta);
	if (pin->userdata_len)
		put_prop(b, NXPINT_USERDATA, pin->userdata, pin->userdata_len);
}
