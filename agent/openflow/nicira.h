// SPDX-License-Identifier: Apache-2.0
/* The Nicira extensions (vendor 0x00002320) Open vSwitch's tools and
 * controllers use with OpenFlow 1.3, where the standard has no room:
 *  - the controller(...) action with a reason, a controller id or
 *    userdata: NXAST_CONTROLLER (subtype 20) and NXAST_CONTROLLER2
 *    (subtype 37, properties MAX_LEN, CONTROLLER_ID, REASON, USERDATA;
 *    PAUSE and METER_ID are refused: no continuations, no meters);
 *  - NXT_SET_PACKET_IN_FORMAT (subtype 16): a connection picks OpenFlow's
 *    PACKET_IN (0) or NXT_PACKET_IN2 (2; 1, the old NXT_PACKET_IN, is
 *    refused with BAD_REQUEST/EPERM, as for an unknown format);
 *  - NXT_PACKET_IN2 (subtype 30): a packet-in as properties (packet,
 *    full_len, table_id, cookie, reason, metadata, userdata), the only one
 *    that carries a controller action's userdata.
 * Wire formats as include/openflow/nicira-ext.h of Open vSwitch documents
 * them; properties are OpenFlow 1.4's (type, length, value, padded to 8). */
#ifndef XS_OPENFLOW_NICIRA_H
#define XS_OPENFLOW_NICIRA_H

#include <stddef.h>
#include <stdint.h>

#include "agent/ofp/actions.h"
#include "agent/openflow/ofbuf.h"

#define NX_VENDOR_ID 0x00002320u
#define NXAST_CONTROLLER 20
#define NXAST_CONTROLLER2 37
#define NXT_SET_PACKET_IN_FORMAT 16
#define NXT_PACKET_IN2 30

/* One experimenter action q of alen bytes (alen checked: >= 8, a multiple
 * of 8) into a. Returns 0 or an OFPERR. */
int nx_decode_action(const uint8_t *q, uint16_t alen, struct ofpact *a);
/* A controller action: as OFPAT_OUTPUT to CONTROLLER when that says all,
 * else NXAST_CONTROLLER, or NXAST_CONTROLLER2 with userdata (as Open
 * vSwitch encodes it). */
void nx_encode_controller(struct ofbuf *b, const struct ofpact *a);

/* What a packet-in says, whatever its format. */
struct nx_pin {
	uint8_t reason, table;
	uint64_t cookie;
	uint64_t metadata;
	uint32_t in_port;          /* an OFPP_* number */
	uint32_t total_len;
	const uint8_t *pkt;
	size_t len;                /* bytes of pkt sent */
	const uint8_t *userdata;
	uint8_t userdata_len;
};

/* The body of an NXT_PACKET_IN2 after the OpenFlow header (vendor and
 * subtype included). */
void nx_put_packet_in2(struct ofbuf *b, const struct nx_pin *pin);

#endif
