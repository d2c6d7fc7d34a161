// SPDX-License-Identifier: Apache-2.0
/* OpenFlow 1.3 on the wire: message types, error types and codes, OXM
 * field codes, reserved ports and the fixed sizes of the structures this
 * switch reads and writes (OpenFlow Switch Specification 1.3.5). Every
 * multi-byte field is big endian; the codecs read and write them with the
 * helpers below, never through packed structs, so no layout depends on the
 * compiler. */
#ifndef XS_OPENFLOW_OF13_H
#define XS_OPENFLOW_OF13_H

#include <stdint.h>
#include <string.h>

#define OFP13_VERSION 0x04
#define OFP_HEADER_LEN 8
#define OFP_MAX_MSG 65535
#define OFP_TCP_PORT 6653

enum ofp13_type {
	OFPT_HELLO = 0, OFPT_ERROR = 1, OFPT_ECHO_REQUEST = 2, OFPT_ECHO_REPLY = 3,
	OFPT_EXPERIMENTER = 4, OFPT_FEATURES_REQUEST = 5, OFPT_FEATURES_REPLY = 6,
	OFPT_GET_CONFIG_REQUEST = 7, OFPT_GET_CONFIG_REPLY = 8, OFPT_SET_CONFIG = 9,
	OFPT_PACKET_IN = 10, OFPT_FLOW_REMOVED = 11, OFPT_PORT_STATUS = 12,
	OFPT_PACKET_OUT = 13, OFPT_FLOW_MOD = 14, OFPT_GROUP_MOD = 15, OFPT_PORT_MOD = 16,
	OFPT_TABLE_MOD = 17, OFPT_MULTIPART_REQUEST = 18, OFPT_MULTIPART_REPLY = 19,
	OFPT_BARRIER_REQUEST = 20, OFPT_BARRIER_REPLY = 21,
	OFPT_QUEUE_GET_CONFIG_REQUEST = 22, OFPT_QUEUE_GET_CONFIG_REPLY = 23,
	OFPT_ROLE_REQUEST = 24, OFPT_ROLE_REPLY = 25, OFPT_GET_ASYNC_REQUEST = 26,
	OFPT_GET_ASYNC_REPLY = 27, OFPT_SET_ASYNC = 28, OFPT_METER_MOD = 29,
};

/* An error as (type << 16 | code); 0 is "no error". Codecs return these. */
#define OFPERR(type, code) ((int)(((type) << 16) | (code)))
#define OFPERR_TYPE(e) ((uint16_t)((unsigned)(e) >> 16))
#define OFPERR_CODE(e) ((uint16_t)((e) & 0xffff))

enum { OFPET_HELLO_FAILED = 0, OFPET_BAD_REQUEST = 1, OFPET_BAD_ACTION = 2,
       OFPET_BAD_INSTRUCTION = 3, OFPET_BAD_MATCH = 4, OFPET_FLOW_MOD_FAILED = 5,
       OFPET_GROUP_MOD_FAILED = 6, OFPET_PORT_MOD_FAILED = 7, OFPET_TABLE_MOD_FAILED = 8,
       OFPET_SWITCH_CONFIG_FAILED = 10, OFPET_ROLE_REQUEST_FAILED = 11,
       OFPET_METER_MOD_FAILED = 12 };

#define E_HELLO_INCOMPATIBLE OFPERR(OFPET_HELLO_FAILED, 0)
#define E_BAD_VERSION OFPERR(OFPET_BAD_REQUEST, 0)
#define E_BAD_TYPE OFPERR(OFPET_BAD_REQUEST, 1)
#define E_BAD_MULTIPART OFPERR(OFPET_BAD_REQUEST, 2)
#define E_BAD_EXPERIMENTER OFPERR(OFPET_BAD_REQUEST, 3)
#define E_BAD_EXP_TYPE OFPERR(OFPET_BAD_REQUEST, 4)
#define E_REQ_EPERM OFPERR(OFPET_BAD_REQUEST, 5)
#define E_BAD_LEN OFPERR(OFPET_BAD_REQUEST, 6)
#define E_BUFFER_UNKNOWN OFPERR(OFPET_BAD_REQUEST, 8)
#define E_REQ_BAD_TABLE_ID OFPERR(OFPET_BAD_REQUEST, 9)
#define E_IS_SLAVE OFPERR(OFPET_BAD_REQUEST, 10)
#define E_REQ_BAD_PORT OFPERR(OFPET_BAD_REQUEST, 11)
#define E_BAD_PACKET OFPERR(OFPET_BAD_REQUEST, 12)
#define E_ACT_BAD_TYPE OFPERR(OFPET_BAD_ACTION, 0)
#define E_ACT_BAD_LEN OFPERR(OFPET_BAD_ACTION, 1)
#define E_ACT_BAD_EXPERIMENTER OFPERR(OFPET_BAD_ACTION, 2)
#define E_ACT_BAD_EXP_TYPE OFPERR(OFPET_BAD_ACTION, 3)
#define E_ACT_BAD_OUT_PORT OFPERR(OFPET_BAD_ACTION, 4)
#define E_ACT_BAD_ARGUMENT OFPERR(OFPET_BAD_ACTION, 5)
#define E_ACT_TOO_MANY OFPERR(OFPET_BAD_ACTION, 7)
#define E_ACT_BAD_OUT_GROUP OFPERR(OFPET_BAD_ACTION, 9)
#define E_ACT_MATCH_INCONSISTENT OFPERR(OFPET_BAD_ACTION, 10)
#define E_ACT_BAD_SET_TYPE OFPERR(OFPET_BAD_ACTION, 13)
#define E_ACT_BAD_SET_LEN OFPERR(OFPET_BAD_ACTION, 14)
#define E_ACT_BAD_SET_ARGUMENT OFPERR(OFPET_BAD_ACTION, 15)
#define E_INST_UNKNOWN OFPERR(OFPET_BAD_INSTRUCTION, 0)
#define E_INST_UNSUP OFPERR(OFPET_BAD_INSTRUCTION, 1)
#define E_INST_BAD_TABLE_ID OFPERR(OFPET_BAD_INSTRUCTION, 2)
#define E_INST_BAD_EXPERIMENTER OFPERR(OFPET_BAD_INSTRUCTION, 5)
#define E_INST_BAD_LEN OFPERR(OFPET_BAD_INSTRUCTION, 7)
#define E_MATCH_BAD_TYPE OFPERR(OFPET_BAD_MATCH, 0)
#define E_MATCH_BAD_LEN OFPERR(OFPET_BAD_MATCH, 1)
#define E_MATCH_BAD_WILDCARDS OFPERR(OFPET_BAD_MATCH, 5)
#define E_MATCH_BAD_FIELD OFPERR(OFPET_BAD_MATCH, 6)
#define E_MATCH_BAD_VALUE OFPERR(OFPET_BAD_MATCH, 7)
#define E_MATCH_BAD_MASK OFPERR(OFPET_BAD_MATCH, 8)
#define E_MATCH_BAD_PREREQ OFPERR(OFPET_BAD_MATCH, 9)
#define E_MATCH_DUP_FIELD OFPERR(OFPET_BAD_MATCH, 10)
#define E_FM_UNKNOWN OFPERR(OFPET_FLOW_MOD_FAILED, 0)
#define E_FM_TABLE_FULL OFPERR(OFPET_FLOW_MOD_FAILED, 1)
#define E_FM_BAD_TABLE_ID OFPERR(OFPET_FLOW_MOD_FAILED, 2)
#define E_FM_OVERLAP OFPERR(OFPET_FLOW_MOD_FAILED, 3)
#define E_FM_BAD_COMMAND OFPERR(OFPET_FLOW_MOD_FAILED, 6)
#define E_FM_BAD_FLAGS OFPERR(OFPET_FLOW_MOD_FAILED, 7)
#define E_CONFIG_BAD_LEN OFPERR(OFPET_SWITCH_CONFIG_FAILED, 2)
#define E_ROLE_STALE OFPERR(OFPET_ROLE_REQUEST_FAILED, 0)
#define E_ROLE_BAD_ROLE OFPERR(OFPET_ROLE_REQUEST_FAILED, 2)

/* Ports (32 bits on the wire). */
#define OFPP13_MAX 0xffffff00u
#define OFPP13_IN_PORT 0xfffffff8u
#define OFPP13_TABLE 0xfffffff9u
#define OFPP13_NORMAL 0xfffffffau
#define OFPP13_FLOOD 0xfffffffbu
#define OFPP13_ALL 0xfffffffcu
#define OFPP13_CONTROLLER 0xfffffffdu
#define OFPP13_LOCAL 0xfffffffeu
#define OFPP13_ANY 0xffffffffu
#define OFPG13_ANY 0xffffffffu
#define OFP_NO_BUFFER 0xffffffffu
#define OFPCML_NO_BUFFER 0xffff
#define OFPTT_ALL 0xff

/* flow_mod */
enum { OFPFC_ADD = 0, OFPFC_MODIFY = 1, OFPFC_MODIFY_STRICT = 2, OFPFC_DELETE = 3,
       OFPFC_DELETE_STRICT = 4 };
#define OFPFF_SEND_FLOW_REM 0x01
#define OFPFF_CHECK_OVERLAP 0x02
#define OFPFF_RESET_COUNTS 0x04
#define OFPFF_NO_PKT_COUNTS 0x08
#define OFPFF_NO_BYT_COUNTS 0x10
#define OFP_FLOW_MOD_LEN 56 /* with an empty match: 48 + 8 */

/* instructions, actions */
enum { OFPIT_GOTO_TABLE = 1, OFPIT_WRITE_METADATA = 2, OFPIT_WRITE_ACTIONS = 3,
       OFPIT_APPLY_ACTIONS = 4, OFPIT_CLEAR_ACTIONS = 5, OFPIT_METER = 6,
       OFPIT_EXPERIMENTER = 0xffff };
enum { OFPAT_OUTPUT = 0, OFPAT_COPY_TTL_OUT = 11, OFPAT_COPY_TTL_IN = 12,
       OFPAT_SET_MPLS_TTL = 15, OFPAT_DEC_MPLS_TTL = 16, OFPAT_PUSH_VLAN = 17,
       OFPAT_POP_VLAN = 18, OFPAT_PUSH_MPLS = 19, OFPAT_POP_MPLS = 20,
       OFPAT_SET_QUEUE = 21, OFPAT_GROUP = 22, OFPAT_SET_NW_TTL = 23,
       OFPAT_DEC_NW_TTL = 24, OFPAT_SET_FIELD = 25, OFPAT_PUSH_PBB = 26,
       OFPAT_POP_PBB = 27, OFPAT_EXPERIMENTER = 0xffff };

/* OXM: class, field, has-mask bit, payload length. */
#define OXM_CLASS_NXM0 0x0000
#define OXM_CLASS_NXM1 0x0001
#define OXM_CLASS_BASIC 0x8000
#define OXM_HEADER(cls, field, hasmask, len) \
	((uint32_t)(cls) << 16 | (uint32_t)(field) << 9 | (uint32_t)(hasmask) << 8 | (len))
#define OXM_CLASS(h) ((h) >> 16)
#define OXM_FIELD(h) (((h) >> 9) & 0x7f)
#define OXM_HASMASK(h) (((h) >> 8) & 1)
#define OXM_LEN(h) ((h) & 0xff)
enum { OFPXMT_IN_PORT = 0, OFPXMT_IN_PHY_PORT = 1, OFPXMT_METADATA = 2, OFPXMT_ETH_DST = 3,
       OFPXMT_ETH_SRC = 4, OFPXMT_ETH_TYPE = 5, OFPXMT_VLAN_VID = 6, OFPXMT_VLAN_PCP = 7,
       OFPXMT_IP_DSCP = 8, OFPXMT_IP_ECN = 9, OFPXMT_IP_PROTO = 10, OFPXMT_IPV4_SRC = 11,
       OFPXMT_IPV4_DST = 12, OFPXMT_TCP_SRC = 13, OFPXMT_TCP_DST = 14, OFPXMT_UDP_SRC = 15,
       OFPXMT_UDP_DST = 16, OFPXMT_SCTP_SRC = 17, OFPXMT_SCTP_DST = 18,
       OFPXMT_ICMPV4_TYPE = 19, OFPXMT_ICMPV4_CODE = 20, OFPXMT_ARP_OP = 21,
       OFPXMT_ARP_SPA = 22, OFPXMT_ARP_TPA = 23, OFPXMT_ARP_SHA = 24, OFPXMT_ARP_THA = 25,
       OFPXMT_IPV6_SRC = 26, OFPXMT_IPV6_DST = 27, OFPXMT_IPV6_FLABEL = 28,
       OFPXMT_ICMPV6_TYPE = 29, OFPXMT_ICMPV6_CODE = 30, OFPXMT_IPV6_ND_TARGET = 31,
       OFPXMT_IPV6_ND_SLL = 32, OFPXMT_IPV6_ND_TLL = 33 };
#define OFPVID_PRESENT 0x1000
#define OFPMT_OXM 1

/* packet-in reasons, flow-removed reasons, port-status reasons */
enum { OFPR_NO_MATCH = 0, OFPR_ACTION = 1, OFPR_INVALID_TTL = 2 };
enum { OFPRR_IDLE_TIMEOUT = 0, OFPRR_HARD_TIMEOUT = 1, OFPRR_DELETE = 2 };
enum { OFPPR_ADD = 0, OFPPR_DELETE = 1, OFPPR_MODIFY = 2 };

/* multipart */
enum { OFPMP_DESC = 0, OFPMP_FLOW = 1, OFPMP_AGGREGATE = 2, OFPMP_TABLE = 3,
       OFPMP_PORT_STATS = 4, OFPMP_QUEUE = 5, OFPMP_GROUP = 6, OFPMP_GROUP_DESC = 7,
       OFPMP_GROUP_FEATURES = 8, OFPMP_METER = 9, OFPMP_METER_CONFIG = 10,
       OFPMP_METER_FEATURES = 11, OFPMP_TABLE_FEATURES = 12, OFPMP_PORT_DESC = 13 };
#define OFPMPF_REPLY_MORE 1
#define OFP_PORT_LEN 64

/* roles */
enum { OFPCR_ROLE_NOCHANGE = 0, OFPCR_ROLE_EQUAL = 1, OFPCR_ROLE_MASTER = 2,
       OFPCR_ROLE_SLAVE = 3 };

/* capabilities */
#define OFPC_FLOW_STATS 1
#define OFPC_TABLE_STATS 2
#define OFPC_PORT_STATS 4
#define OFPC_INVALID_TTL_TO_CONTROLLER 4 /* a SET_CONFIG flag */

/* Does a HELLO (msg, len >= 8) allow OpenFlow 1.3 (hello.c)? */
int ofs_hello_ok(const uint8_t *msg, size_t len);

/* --- byte helpers ------------------------------------------------------- */

static inline uint16_t of_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t of_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t of_get64(const uint8_t *p)
{
	return (uint64_t)of_get32(p) << 32 | of_get32(p + 4);
}

static inline void of_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void of_put32(uint8_t *p, uint32_t v)
{
	of_put16(p, (uint16_t)(v >> 16));
	of_put16(p + 2, (uint16_t)v);
}

static inline void of_put64(uint8_t *p, uint64_t v)
{
	of_put32(p, (uint32_t)(v >> 32));
	of_put32(p + 4, (uint32_t)v);
}

/* OpenFlow 1.3 port number <-> the 16-bit numbers of agent/ofp/key.h.
 * Returns 0 for a number that is neither a port nor a reserved port. */
static inline uint32_t of_port_from_wire(uint32_t p)
{
	if (p < 0xff00)
		return p;
	if (p >= OFPP13_IN_PORT)
		return p & 0xffff;
	return 0;
}

static inline uint32_t of_port_to_wire(uint32_t p)
{
	return p >= 0xff00 ? (0xffff0000u | p) : p;
}

#endif
