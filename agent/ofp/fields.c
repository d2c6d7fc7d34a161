// SPDX-License-Identifier: Apache-2.0
/* The match/set field table: names, widths, prerequisites, and where each
 * field's bits live in struct ofp_key, with the accessors built on that. */
#include "agent/ofp/fields.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <string.h>

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd

/* Where a field lives: a key member at ofs of size bytes. "bits" selects
 * the field's part of the member (0 = the whole member, copied bytewise);
 * the field's value is (member & bits) >> shift. host: member is in host
 * byte order (in_port), otherwise big endian. whole: a match on the field
 * pins the whole member (ICMP type and code live in the low byte of the
 * 16-bit port members, whose high byte is always 0, as in OVS). */
struct field_loc {
	uint16_t ofs;
	uint8_t size;
	bool host;
	uint8_t shift;
	uint32_t bits;
	bool whole;
};

#define KOFS(m) offsetof(struct ofp_key, m)
#define KSIZE(m) sizeof(((struct ofp_key *)0)->m)
#define WHOLE(m) { KOFS(m), KSIZE(m), false, 0, 0, false }
#define PART(m, b, s) { KOFS(m), KSIZE(m), false, s, b, false }
#define LOWBYTE(m) { KOFS(m), KSIZE(m), false, 0, 0xff, true }

#define F(ID, NAME, NXM, OXM, BYTES, BITS, MASKABLE, PREFIX, WRITABLE, PREREQ, FMT) \
	[ID] = { ID, NAME, NXM, OXM, BYTES, BITS, MASKABLE, PREFIX, WRITABLE, PREREQ, FMT }
#define XREG(i) \
	F(OFPF_XREG0 + i, "xreg" #i, NULL, "OXM_OF_PKT_REG" #i, 8, 64, true, false, true, \
	  OFPR_NONE, OFPFMT_HEX)
#define XXREG(i) \
	F(OFPF_XXREG0 + i, "xxreg" #i, "NXM_NX_XXREG" #i, NULL, 16, 128, true, false, true, \
	  OFPR_NONE, OFPFMT_HEX)
#define REG(i) \
	F(OFPF_REG0 + i, "reg" #i, "NXM_NX_REG" #i, NULL, 4, 32, true, false, true, \
	  OFPR_NONE, OFPFMT_HEX)

static const struct ofp_field fields[OFPF__MAX] = {
	F(OFPF_IN_PORT, "in_port", "NXM_OF_IN_PORT", NULL, 2, 16,
	  false, false, true, OFPR_NONE, OFPFMT_PORT),
	F(OFPF_DL_DST, "dl_dst", "NXM_OF_ETH_DST", "OXM_OF_ETH_DST", 6, 48,
	  true, false, true, OFPR_NONE, OFPFMT_ETH),
	F(OFPF_DL_SRC, "dl_src", "NXM_OF_ETH_SRC", "OXM_OF_ETH_SRC", 6, 48,
	  true, false, true, OFPR_NONE, OFPFMT_ETH),
	F(OFPF_DL_TYPE, "dl_type", "NXM_OF_ETH_TYPE", "OXM_OF_ETH_TYPE", 2, 16,
	  false, false, false, OFPR_NONE, OFPFMT_HEX),
	F(OFPF_VLAN_TCI, "vlan_tci", "NXM_OF_VLAN_TCI", NULL, 2, 16,
	  true, false, true, OFPR_NONE, OFPFMT_HEX),
	/* Reads 0 without a tag; set_field needs one (actions_parse.c). */
	F(OFPF_DL_VLAN, "dl_vlan", NULL, NULL, 2, 12,
	  false, false, true, OFPR_NONE, OFPFMT_DEC),
	F(OFPF_DL_VLAN_PCP, "dl_vlan_pcp", NULL, "OXM_OF_VLAN_PCP", 1, 3,
	  false, false, true, OFPR_VLAN, OFPFMT_DEC),
	F(OFPF_NW_SRC, "nw_src", "NXM_OF_IP_SRC", "OXM_OF_IPV4_SRC", 4, 32,
	  true, false, true, OFPR_IPV4, OFPFMT_IPV4),
	F(OFPF_NW_DST, "nw_dst", "NXM_OF_IP_DST", "OXM_OF_IPV4_DST", 4, 32,
	  true, false, true, OFPR_IPV4, OFPFMT_IPV4),
	F(OFPF_NW_PROTO, "nw_proto", "NXM_OF_IP_PROTO", "OXM_OF_IP_PROTO", 1, 8,
	  false, false, false, OFPR_IP_ANY, OFPFMT_DEC),
	F(OFPF_NW_TOS, "nw_tos", "NXM_OF_IP_TOS", NULL, 1, 8,
	  false, false, true, OFPR_IP_ANY, OFPFMT_DEC),
	F(OFPF_IP_DSCP, "ip_dscp", NULL, "OXM_OF_IP_DSCP", 1, 6,
	  false, false, true, OFPR_IP_ANY, OFPFMT_DEC),
	F(OFPF_IP_ECN, "ip_ecn", "NXM_NX_IP_ECN", "OXM_OF_IP_ECN", 1, 2,
	  false, false, true, OFPR_IP_ANY, OFPFMT_DEC),
	F(OFPF_NW_TTL, "nw_ttl", "NXM_NX_IP_TTL", NULL, 1, 8,
	  false, false, true, OFPR_IP_ANY, OFPFMT_DEC),
	F(OFPF_IP_FRAG, "ip_frag", "NXM_NX_IP_FRAG", NULL, 1, 2,
	  true, false, false, OFPR_IP_ANY, OFPFMT_FRAG),
	F(OFPF_TP_SRC, "tp_src", NULL, NULL, 2, 16,
	  true, false, true, OFPR_L4_ANY, OFPFMT_DEC),
	F(OFPF_TP_DST, "tp_dst", NULL, NULL, 2, 16,
	  true, false, true, OFPR_L4_ANY, OFPFMT_DEC),
	F(OFPF_TCP_FLAGS, "tcp_flags", "NXM_NX_TCP_FLAGS", NULL, 2, 12,
	  true, false, false, OFPR_TCP_ANY, OFPFMT_TCP_FLAGS),
	F(OFPF_ICMP_TYPE, "icmp_type", "NXM_OF_ICMP_TYPE", "OXM_OF_ICMPV4_TYPE", 1, 8,
	  false, false, true, OFPR_ICMPV4, OFPFMT_DEC),
	F(OFPF_ICMP_CODE, "icmp_code", "NXM_OF_ICMP_CODE", "OXM_OF_ICMPV4_CODE", 1, 8,
	  false, false, true, OFPR_ICMPV4, OFPFMT_DEC),
	F(OFPF_ICMPV6_TYPE, "icmpv6_type", "NXM_NX_ICMPV6_TYPE", "OXM_OF_ICMPV6_TYPE", 1, 8,
	  false, false, true, OFPR_ICMPV6, OFPFMT_DEC),
	F(OFPF_ICMPV6_CODE, "icmpv6_code", "NXM_NX_ICMPV6_CODE", "OXM_OF_ICMPV6_CODE", 1, 8,
	  false, false, true, OFPR_ICMPV6, OFPFMT_DEC),
	F(OFPF_ARP_OP, "arp_op", "NXM_OF_ARP_OP", "OXM_OF_ARP_OP", 2, 8,
	  false, false, true, OFPR_ARP, OFPFMT_DEC),
	F(OFPF_ARP_SPA, "arp_spa", "NXM_OF_ARP_SPA", "OXM_OF_ARP_SPA", 4, 32,
	  true, false, true, OFPR_ARP, OFPFMT_IPV4),
	F(OFPF_ARP_TPA, "arp_tpa", "NXM_OF_ARP_TPA", "OXM_OF_ARP_TPA", 4, 32,
	  true, false, true, OFPR_ARP, OFPFMT_IPV4),
	F(OFPF_ARP_SHA, "arp_sha", "NXM_NX_ARP_SHA", "OXM_OF_ARP_SHA", 6, 48,
	  true, false, true, OFPR_ARP, OFPFMT_ETH),
	F(OFPF_ARP_THA, "arp_tha", "NXM_NX_ARP_THA", "OXM_OF_ARP_THA", 6, 48,
	  true, false, true, OFPR_ARP, OFPFMT_ETH),
	F(OFPF_IPV6_SRC, "ipv6_src", "NXM_NX_IPV6_SRC", "OXM_OF_IPV6_SRC", 16, 128,
	  true, false, true, OFPR_IPV6, OFPFMT_IPV6),
	F(OFPF_IPV6_DST, "ipv6_dst", "NXM_NX_IPV6_DST", "OXM_OF_IPV6_DST", 16, 128,
	  true, false, true, OFPR_IPV6, OFPFMT_IPV6),
	F(OFPF_IPV6_LABEL, "ipv6_label", "NXM_NX_IPV6_LABEL", "OXM_OF_IPV6_FLABEL", 4, 20,
	  true, false, true, OFPR_IPV6, OFPFMT_HEX),
	F(OFPF_ND_TARGET, "nd_target", "NXM_NX_ND_TARGET", "OXM_OF_IPV6_ND_TARGET", 16, 128,
	  true, false, true, OFPR_ND, OFPFMT_IPV6),
	F(OFPF_CT_STATE, "ct_state", "NXM_NX_CT_STATE", NULL, 1, 8,
	  true, false, false, OFPR_NONE, OFPFMT_CT_STATE),
	F(OFPF_CT_ZONE, "ct_zone", "NXM_NX_CT_ZONE", NULL, 2, 16,
	  false, false, false, OFPR_NONE, OFPFMT_DEC),
	F(OFPF_CT_MARK, "ct_mark", "NXM_NX_CT_MARK", NULL, 4, 32,
	  true, false, false, OFPR_NONE, OFPFMT_HEX),
	F(OFPF_RECIRC_ID, "recirc_id", "NXM_NX_RECIRC_ID", NULL, 4, 32,
	  false, false, false, OFPR_NONE, OFPFMT_DEC),
	F(OFPF_METADATA, "metadata", NULL, "OXM_OF_METADATA", 8, 64,
	  true, false, true, OFPR_NONE, OFPFMT_HEX),
	REG(0), REG(1), REG(2), REG(3), REG(4), REG(5), REG(6), REG(7),
	REG(8), REG(9), REG(10), REG(11), REG(12), REG(13), REG(14), REG(15),
	F(OFPF_IN_PORT_OXM, "in_port_oxm", NULL, "OXM_OF_IN_PORT", 4, 32,
	  false, false, true, OFPR_NONE, OFPFMT_DEC),
	F(OFPF_VLAN_VID, "vlan_vid", NULL, "OXM_OF_VLAN_VID", 2, 12,
	  true, false, true, OFPR_NONE, OFPFMT_DEC),
	F(OFPF_TCP_SRC, "tcp_src", "NXM_OF_TCP_SRC", "OXM_OF_TCP_SRC", 2, 16,
	  true, false, true, OFPR_TCP_ANY, OFPFMT_DEC),
	F(OFPF_TCP_DST, "tcp_dst", "NXM_OF_TCP_DST", "OXM_OF_TCP_DST", 2, 16,
	  true, false, true, OFPR_TCP_ANY, OFPFMT_DEC),
	F(OFPF_UDP_SRC, "udp_src", "NXM_OF_UDP_SRC", "OXM_OF_UDP_SRC", 2, 16,
	  true, false, true, OFPR_UDP, OFPFMT_DEC),
	F(OFPF_UDP_DST, "udp_dst", "NXM_OF_UDP_DST", "OXM_OF_UDP_DST", 2, 16,
	  true, false, true, OFPR_UDP, OFPFMT_DEC),
	F(OFPF_SCTP_SRC, "sctp_src", NULL, "OXM_OF_SCTP_SRC", 2, 16,
	  true, false, true, OFPR_SCTP, OFPFMT_DEC),
	F(OFPF_SCTP_DST, "sctp_dst", NULL, "OXM_OF_SCTP_DST", 2, 16,
	  true, false, true, OFPR_SCTP, OFPFMT_DEC),
	/* Readable and matchable; the datapath has no ND rewrite (yet). */
	F(OFPF_ND_SLL, "nd_sll", "NXM_NX_ND_SLL", "OXM_OF_IPV6_ND_SLL", 6, 48,
	  true, false, false, OFPR_ND_NS, OFPFMT_ETH),
	F(OFPF_ND_TLL, "nd_tll", "NXM_NX_ND_TLL", "OXM_OF_IPV6_ND_TLL", 6, 48,
	  true, false, false, OFPR_ND_NA, OFPFMT_ETH),
	F(OFPF_CONJ_ID, "conj_id", "NXM_NX_CONJ_ID", NULL, 4, 32,
	  false, false, false, OFPR_NONE, OFPFMT_DEC),
	XREG(0), XREG(1), XREG(2), XREG(3), XREG(4), XREG(5), XREG(6), XREG(7),
	XXREG(0), XXREG(1), XXREG(2), XXREG(3),
	F(OFPF_CT_NW_PROTO, "ct_nw_proto", "NXM_NX_CT_NW_PROTO", NULL, 1, 8,
	  false, false, false, OFPR_CT, OFPFMT_DEC),
	F(OFPF_CT_NW_SRC, "ct_nw_src", "NXM_NX_CT_NW_SRC", NULL, 4, 32,
	  true, false, false, OFPR_CT_IPV4, OFPFMT_IPV4),
	F(OFPF_CT_NW_DST, "ct_nw_dst", "NXM_NX_CT_NW_DST", NULL, 4, 32,
	  true, false, false, OFPR_CT_IPV4, OFPFMT_IPV4),
	F(OFPF_CT_IPV6_SRC, "ct_ipv6_src", "NXM_NX_CT_IPV6_SRC", NULL, 16, 128,
	  true, false, false, OFPR_CT_IPV6, OFPFMT_IPV6),
	F(OFPF_CT_IPV6_DST, "ct_ipv6_dst", "NXM_NX_CT_IPV6_DST", NULL, 16, 128,
	  true, false, false, OFPR_CT_IPV6, OFPFMT_IPV6),
	F(OFPF_CT_TP_SRC, "ct_tp_src", "NXM_NX_CT_TP_SRC", NULL, 2, 16,
	  true, false, false, OFPR_CT, OFPFMT_DEC),
	F(OFPF_CT_TP_DST, "ct_tp_dst", "NXM_NX_CT_TP_DST", NULL, 2, 16,
	  true, false, false, OFPR_CT, OFPFMT_DEC),
	F(OFPF_CT_LABEL, "ct_label", "NXM_NX_CT_LABEL", NULL, 16, 128,
	  true, false, false, OFPR_NONE, OFPFMT_HEX),
};

#define R(i) [OFPF_REG0 + i] = WHOLE(regs[i])
/* xregN is reg(2N) in the high half and reg(2N+1) in the low one, xxregN
 * reg(4N) (most significant) to reg(4N+3), as in Open vSwitch; the registers
 * are big-endian and adjacent in struct ofp_key, so each view is a plain
 * byte run. */
#define XR(i) [OFPF_XREG0 + i] = { KOFS(regs[2 * i]), 8, false, 0, 0, false }
#define XXR(i) [OFPF_XXREG0 + i] = { KOFS(regs[4 * i]), 16, false, 0, 0, false }

static const struct field_loc locs[OFPF__MAX] = {
	[OFPF_IN_PORT] = { KOFS(dp.in_port), KSIZE(dp.in_port), true, 0, 0xffff, false },
	[OFPF_DL_DST] = WHOLE(dp.dl_dst),
	[OFPF_DL_SRC] = WHOLE(dp.dl_src),
	[OFPF_DL_TYPE] = WHOLE(dp.dl_type),
	[OFPF_VLAN_TCI] = WHOLE(dp.vlan[0].tci),
	[OFPF_DL_VLAN] = PART(dp.vlan[0].tci, XS_VLAN_VID_MASK, 0),
	[OFPF_DL_VLAN_PCP] = PART(dp.vlan[0].tci, XS_VLAN_PCP_MASK, XS_VLAN_PCP_SHIFT),
	[OFPF_NW_SRC] = WHOLE(dp.nw_src),
	[OFPF_NW_DST] = WHOLE(dp.nw_dst),
	[OFPF_NW_PROTO] = WHOLE(dp.nw_proto),
	[OFPF_NW_TOS] = PART(dp.nw_tos, 0xfc, 0),
	[OFPF_IP_DSCP] = PART(dp.nw_tos, 0xfc, 2),
	[OFPF_IP_ECN] = PART(dp.nw_tos, 0x03, 0),
	[OFPF_NW_TTL] = WHOLE(dp.nw_ttl),
	[OFPF_IP_FRAG] = PART(dp.nw_frag, XS_FRAG_MASK, 0),
	[OFPF_TP_SRC] = WHOLE(dp.tp_src),
	[OFPF_TP_DST] = WHOLE(dp.tp_dst),
	[OFPF_TCP_FLAGS] = PART(dp.tcp_flags, 0x0fff, 0),
	[OFPF_ICMP_TYPE] = LOWBYTE(dp.tp_src),
	[OFPF_ICMP_CODE] = LOWBYTE(dp.tp_dst),
	[OFPF_ICMPV6_TYPE] = LOWBYTE(dp.tp_src),
	[OFPF_ICMPV6_CODE] = LOWBYTE(dp.tp_dst),
	[OFPF_ARP_OP] = PART(dp.nw_proto, 0xff, 0),
	[OFPF_ARP_SPA] = WHOLE(dp.nw_src),
	[OFPF_ARP_TPA] = WHOLE(dp.nw_dst),
	[OFPF_ARP_SHA] = WHOLE(dp.arp_sha),
	[OFPF_ARP_THA] = WHOLE(dp.arp_tha),
	[OFPF_IPV6_SRC] = WHOLE(dp.ipv6_src),
	[OFPF_IPV6_DST] = WHOLE(dp.ipv6_dst),
	[OFPF_IPV6_LABEL] = PART(dp.ipv6_label, 0x000fffff, 0),
	[OFPF_ND_TARGET] = WHOLE(dp.nd_target),
	[OFPF_CT_STATE] = WHOLE(dp.ct_state),
	[OFPF_CT_ZONE] = WHOLE(dp.ct_zone),
	[OFPF_CT_MARK] = WHOLE(dp.ct_mark),
	[OFPF_RECIRC_ID] = WHOLE(dp.recirc_id),
	[OFPF_METADATA] = WHOLE(metadata),
	R(0), R(1), R(2), R(3), R(4), R(5), R(6), R(7),
	R(8), R(9), R(10), R(11), R(12), R(13), R(14), R(15),
	/* The key keeps OpenFlow 1.0 port numbers: the 32-bit view's reserved
	 * ports (0xfffffff8...) land on the 16-bit ones (0xfff8...). */
	[OFPF_IN_PORT_OXM] = { KOFS(dp.in_port), KSIZE(dp.in_port), true, 0, 0xffff, false },
	[OFPF_VLAN_VID] = PART(dp.vlan[0].tci, XS_VLAN_VID_MASK, 0),
	[OFPF_TCP_SRC] = WHOLE(dp.tp_src),
	[OFPF_TCP_DST] = WHOLE(dp.tp_dst),
	[OFPF_UDP_SRC] = WHOLE(dp.tp_src),
	[OFPF_UDP_DST] = WHOLE(dp.tp_dst),
	[OFPF_SCTP_SRC] = WHOLE(dp.tp_src),
	[OFPF_SCTP_DST] = WHOLE(dp.tp_dst),
	[OFPF_ND_SLL] = WHOLE(dp.arp_sha),
	[OFPF_ND_TLL] = WHOLE(dp.arp_tha),
	[OFPF_CONJ_ID] = WHOLE(conj_id),
	XR(0), XR(1), XR(2), XR(3), XR(4), XR(5), XR(6), XR(7),
	XXR(0), XXR(1), XXR(2), XXR(3),
	[OFPF_CT_NW_PROTO] = WHOLE(dp.ct_nw_proto),
	[OFPF_CT_NW_SRC] = WHOLE(dp.ct_nw_src),
	[OFPF_CT_NW_DST] = WHOLE(dp.ct_nw_dst),
	[OFPF_CT_IPV6_SRC] = WHOLE(dp.ct_ipv6_src),
	[OFPF_CT_IPV6_DST] = WHOLE(dp.ct_ipv6_dst),
	[OFPF_CT_TP_SRC] = WHOLE(dp.ct_tp_src),
	[OFPF_CT_TP_DST] = WHOLE(dp.ct_tp_dst),
	[OFPF_CT_LABEL] = WHOLE(dp.ct_label),
};

/* Wire names of a field beyond its own NXM and OXM ones. */
static const struct {
	const char *name;
	enum ofp_field_id id;
} wire_aliases[] = {
	{ "ONFOXM_ET_TCP_FLAGS", OFPF_TCP_FLAGS },
};

/* Other spellings ovs-ofctl accepts for the same fields (ovs-fields(7)'s
 * "aka" names and the OpenFlow 1.0 ones it still reads). */
static const struct {
	const char *name;
	enum ofp_field_id id;
} aliases[] = {
	{ "eth_src", OFPF_DL_SRC }, { "eth_dst", OFPF_DL_DST },
	{ "eth_type", OFPF_DL_TYPE }, { "vlan_pcp", OFPF_DL_VLAN_PCP },
	{ "ip_src", OFPF_NW_SRC }, { "ip_dst", OFPF_NW_DST },
	{ "ip_proto", OFPF_NW_PROTO }, { "nw_ecn", OFPF_IP_ECN },
	{ "nw_frag", OFPF_IP_FRAG },
};

const struct ofp_field *ofp_field_by_id(enum ofp_field_id id)
{
	if ((unsigned)id >= OFPF__MAX)
		return NULL;
	return &fields[id];
}

static bool name_is(const char *s, const char *name, unsigned len)
{
	return s && strlen(s) == len && !memcmp(s, name, len);
}

const struct ofp_field *ofp_field_by_name(const char *name, unsigned len)
{
	unsigned i;

	for (i = 0; i < OFPF__MAX; i++)
		if (name_is(fields[i].name, name, len))
			return &fields[i];
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (name_is(aliases[i].name, name, len))
			return &fields[aliases[i].id];
	return NULL;
}

const struct ofp_field *ofp_subfield_by_name(const char *name, unsigned len)
{
	unsigned i;

	for (i = 0; i < OFPF__MAX; i++) {
		const struct ofp_field *f = &fields[i];

		if (name_is(f->nxm_name, name, len) || name_is(f->oxm_name, name, len))
			return f;
	}
	for (i = 0; i < sizeof(wire_aliases) / sizeof(wire_aliases[0]); i++)
		if (name_is(wire_aliases[i].name, name, len))
			return &fields[wire_aliases[i].id];
	return ofp_field_by_name(name, len);
}

const char *ofp_field_wire_name(const struct ofp_field *f)
{
	return f->nxm_name ? f->nxm_name : f->oxm_name ? f->oxm_name : f->name;
}

/* Big-endian byte string <-> integer, for fields of at most 8 bytes. */
static uint64_t be_to_u64(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static void u64_to_be(uint64_t v, uint8_t *p, unsigned n)
{
	while (n--) {
		p[n] = v & 0xff;
		v >>= 8;
	}
}

static uint64_t member_read(const struct field_loc *l, const uint8_t *m)
{
	if (l->host) {
		uint32_t v;

		memcpy(&v, m, sizeof(v));
		return v;
	}
	return be_to_u64(m, l->size);
}

static void member_write(const struct field_loc *l, uint64_t v, uint8_t *m)
{
	if (l->host) {
		uint32_t h = v;

		memcpy(m, &h, sizeof(h));
		return;
	}
	u64_to_be(v, m, l->size);
}

static uint64_t low_ones(unsigned n_bits)
{
	return n_bits >= 64 ? UINT64_MAX : (UINT64_C(1) << n_bits) - 1;
}

void ofp_field_get(const struct ofp_field *f, const struct ofp_key *key, uint8_t *value)
{
	const struct field_loc *l = &locs[f->id];
	const uint8_t *m = (const uint8_t *)key + l->ofs;

	if (!l->bits) {
		memcpy(value, m, f->n_bytes);
		return;
	}
	u64_to_be((member_read(l, m) & l->bits) >> l->shift, value, f->n_bytes);
}

void ofp_field_set(const struct ofp_field *f, const uint8_t *value,
		   const uint8_t *mask, struct ofp_key *key)
{
	const struct field_loc *l = &locs[f->id];
	uint8_t *m = (uint8_t *)key + l->ofs;
	uint64_t v, mk, cur;
	unsigned i;

	if (!l->bits) {
		for (i = 0; i < f->n_bytes; i++) {
			uint8_t b = mask ? mask[i] : 0xff;

			m[i] = (m[i] & ~b) | (value[i] & b);
		}
		return;
	}
	v = be_to_u64(value, f->n_bytes);
	mk = mask ? be_to_u64(mask, f->n_bytes) : UINT64_MAX;
	mk = (mk << l->shift) & l->bits;
	cur = member_read(l, m);
	member_write(l, (cur & ~mk) | ((v << l->shift) & mk), m);
}

unsigned ofp_field_value_bits(const struct ofp_field *f)
{
	return f->id == OFPF_VLAN_VID ? 13 : f->n_bits;
}

void ofp_field_ones(const struct ofp_field *f, uint8_t *ones)
{
	unsigned i, bits = ofp_field_value_bits(f);

	memset(ones, 0, f->n_bytes);
	for (i = f->n_bytes; i-- > 0 && bits; ) {
		unsigned n = bits < 8 ? bits : 8;

		ones[i] = (uint8_t)low_ones(n);
		bits -= n;
	}
}

void ofp_field_mask_all(const struct ofp_field *f, struct ofp_key *mask)
{
	uint8_t ones[OFP_FIELD_MAX_BYTES];

	ofp_field_ones(f, ones);
	ofp_field_set(f, ones, NULL, mask);
}

/* Matching on dl_vlan or dl_vlan_pcp means "a tag is present and its VID
 * (PCP) is ...", as ovs-ofctl reads them: the present bit is matched too. */
static void match_vlan_present(struct ofp_match *match)
{
	__be16 cfi = htons(XS_VLAN_PRESENT);

	match->value.dp.vlan[0].tci |= cfi;
	match->mask.dp.vlan[0].tci |= cfi;
}

void ofp_field_set_match(const struct ofp_field *f, const uint8_t *value,
			 const uint8_t *mask, struct ofp_match *match)
{
	uint8_t m[OFP_FIELD_MAX_BYTES], v[OFP_FIELD_MAX_BYTES];
	unsigned i;

	ofp_field_ones(f, m);
	for (i = 0; i < f->n_bytes; i++) {
		if (mask)
			m[i] &= mask[i];
		v[i] = value[i] & m[i];
	}
	ofp_field_set(f, m, NULL, &match->mask);
	ofp_field_set(f, v, NULL, &match->value);
	if (locs[f->id].whole) {
		const struct field_loc *l = &locs[f->id];
		uint8_t *mm = (uint8_t *)&match->mask + l->ofs;
		uint8_t *mv = (uint8_t *)&match->value + l->ofs;

		member_write(l, member_read(l, mm) | (~l->bits & low_ones(l->size * 8)), mm);
		member_write(l, member_read(l, mv) & l->bits, mv);
	}
	if (f->id == OFPF_DL_VLAN || f->id == OFPF_DL_VLAN_PCP)
		match_vlan_present(match);
	if (f->id == OFPF_VLAN_VID && (m[0] & 0x10)) {
		/* OFPVID_PRESENT (bit 12) is the tag-present bit. */
		__be16 cfi = htons(XS_VLAN_PRESENT);

		match->mask.dp.vlan[0].tci |= cfi;
		match->value.dp.vlan[0].tci = (match->value.dp.vlan[0].tci & ~cfi) |
					      (v[0] & 0x10 ? cfi : 0);
	}
}

void ofp_field_get_match(const struct ofp_field *f, const struct ofp_match *match,
			 uint8_t *value, uint8_t *mask)
{
	ofp_field_get(f, &match->value, value);
	ofp_field_get(f, &match->mask, mask);
	if (f->id == OFPF_VLAN_VID) {
		value[0] |= match->value.dp.vlan[0].tci & htons(XS_VLAN_PRESENT) ? 0x10 : 0;
		mask[0] |= match->mask.dp.vlan[0].tci & htons(XS_VLAN_PRESENT) ? 0x10 : 0;
	}
}

/* The facts prerequisites are made of, read from a key. */
static bool is_ipv4(const struct ofp_key *k)
{
	return k->dp.dl_type == htons(ETH_TYPE_IP);
}

static bool is_ipv6(const struct ofp_key *k)
{
	return k->dp.dl_type == htons(ETH_TYPE_IPV6);
}

static bool is_l4_proto(uint8_t p)
{
	return p == 6 || p == 17 || p == 132;
}

static bool is_nd_type(const struct ofp_key *k)
{
	uint16_t type = ntohs(k->dp.tp_src);

	return type == 135 || type == 136;
}

/* The ICMPv6 type an ND-solicit or ND-advert prerequisite asks for. */
static uint16_t nd_type_of(enum ofp_prereq p)
{
	return p == OFPR_ND_NS ? 135 : 136;
}

bool ofp_prereq_ok(const struct ofp_field *f, const struct ofp_key *k)
{
	bool ip = is_ipv4(k) || is_ipv6(k);

	switch (f->prereq) {
	case OFPR_NONE:
		return true;
	case OFPR_VLAN:
		return k->dp.vlan[0].tci & htons(XS_VLAN_PRESENT);
	case OFPR_ARP:
		return k->dp.dl_type == htons(ETH_TYPE_ARP);
	case OFPR_IP_ANY:
		return ip;
	case OFPR_IPV4:
		return is_ipv4(k);
	case OFPR_IPV6:
		return is_ipv6(k);
	case OFPR_TCP_ANY:
		return ip && k->dp.nw_proto == 6;
	case OFPR_L4_ANY:
		return ip && is_l4_proto(k->dp.nw_proto);
	case OFPR_ICMPV4:
		return is_ipv4(k) && k->dp.nw_proto == 1;
	case OFPR_ICMPV6:
		return is_ipv6(k) && k->dp.nw_proto == 58;
	case OFPR_ND:
		return is_ipv6(k) && k->dp.nw_proto == 58 && is_nd_type(k) &&
		       !k->dp.tp_dst;
	case OFPR_ND_NS:
	case OFPR_ND_NA:
		return is_ipv6(k) && k->dp.nw_proto == 58 && !k->dp.tp_dst &&
		       ntohs(k->dp.tp_src) == nd_type_of(f->prereq);
	case OFPR_UDP:
		return ip && k->dp.nw_proto == 17;
	case OFPR_SCTP:
		return ip && k->dp.nw_proto == 132;
	case OFPR_CT:
		return ip && XS_CT_TUPLE_VALID(k->dp.ct_state);
	case OFPR_CT_IPV4:
		return is_ipv4(k) && XS_CT_TUPLE_VALID(k->dp.ct_state);
	case OFPR_CT_IPV6:
		return is_ipv6(k) && XS_CT_TUPLE_VALID(k->dp.ct_state);
	}
	return false;
}

void ofp_prereq_mask(const struct ofp_field *f, const struct ofp_key *k,
		     struct ofp_key *mask)
{
	bool ip = is_ipv4(k) || is_ipv6(k);

	switch (f->prereq) {
	case OFPR_NONE:
		return;
	case OFPR_VLAN:
		mask->dp.vlan[0].tci |= htons(XS_VLAN_PRESENT);
		return;
	case OFPR_ARP:
	case OFPR_IP_ANY:
	case OFPR_IPV4:
	case OFPR_IPV6:
		mask->dp.dl_type = 0xffff;
		return;
	case OFPR_TCP_ANY:
	case OFPR_UDP:
	case OFPR_SCTP:
	case OFPR_L4_ANY:
		mask->dp.dl_type = 0xffff;
		if (ip)
			mask->dp.nw_proto = 0xff;
		return;
	case OFPR_ICMPV4:
		mask->dp.dl_type = 0xffff;
		if (is_ipv4(k))
			mask->dp.nw_proto = 0xff;
		return;
	case OFPR_ICMPV6:
	case OFPR_ND:
	case OFPR_ND_NS:
	case OFPR_ND_NA:
		mask->dp.dl_type = 0xffff;
		if (!is_ipv6(k))
			return;
		mask->dp.nw_proto = 0xff;
		if (f->prereq == OFPR_ICMPV6 || k->dp.nw_proto != 58)
			return;
		mask->dp.tp_src = 0xffff;
		if (f->prereq == OFPR_ND ? is_nd_type(k) :
		    ntohs(k->dp.tp_src) == nd_type_of(f->prereq))
			mask->dp.tp_dst = 0xffff;
		return;
	case OFPR_CT:
	case OFPR_CT_IPV4:
	case OFPR_CT_IPV6:
		mask->dp.dl_type = 0xffff;
		mask->dp.ct_state |= XS_CS_TRK | XS_CS_INV;
		return;
	}
}

/* OVS's is_ct_valid() on a match: the ct_state it matches implies a
 * tracked, valid connection. */
static bool ct_valid_in_match(const struct ofp_match *m)
{
	uint8_t v = m->value.dp.ct_state, k = m->mask.dp.ct_state;

	return (v & k & (XS_CS_NEW | XS_CS_EST | XS_CS_REL | XS_CS_RPL | XS_CS_SNAT |
			 XS_CS_DNAT)) ||
	       ((v & k & XS_CS_TRK) && (k & XS_CS_INV) && !(v & XS_CS_INV));
}

/* Is the key member of a match fully matched (every bit of "bits")? */
static bool exact16(__be16 mask, uint16_t bits)
{
	return (ntohs(mask) & bits) == bits;
}

bool ofp_prereq_in_match(const struct ofp_field *f, const struct ofp_match *m)
{
	const struct ofp_key *v = &m->value, *k = &m->mask;
	bool type = k->dp.dl_type == 0xffff;
	bool proto = k->dp.nw_proto == 0xff;

	switch (f->prereq) {
	case OFPR_NONE:
		return true;
	case OFPR_VLAN:
		return exact16(k->dp.vlan[0].tci, XS_VLAN_PRESENT) &&
		       (v->dp.vlan[0].tci & htons(XS_VLAN_PRESENT));
	case OFPR_ARP:
		return type && v->dp.dl_type == htons(ETH_TYPE_ARP);
	case OFPR_IP_ANY:
		return type && (is_ipv4(v) || is_ipv6(v));
	case OFPR_IPV4:
		return type && is_ipv4(v);
	case OFPR_IPV6:
		return type && is_ipv6(v);
	case OFPR_TCP_ANY:
		return type && (is_ipv4(v) || is_ipv6(v)) && proto && v->dp.nw_proto == 6;
	case OFPR_L4_ANY:
		return type && (is_ipv4(v) || is_ipv6(v)) && proto &&
		       is_l4_proto(v->dp.nw_proto);
	case OFPR_ICMPV4:
		return type && is_ipv4(v) && proto && v->dp.nw_proto == 1;
	case OFPR_ICMPV6:
		return type && is_ipv6(v) && proto && v->dp.nw_proto == 58;
	/* As ovs-ofctl, from the values: a wildcarded icmp_code reads as 0. */
	case OFPR_ND:
		return type && is_ipv6(v) && proto && v->dp.nw_proto == 58 &&
		       exact16(k->dp.tp_src, 0xff) && is_nd_type(v) && !v->dp.tp_dst;
	case OFPR_ND_NS:
	case OFPR_ND_NA:
		return type && is_ipv6(v) && proto && v->dp.nw_proto == 58 &&
		       exact16(k->dp.tp_src, 0xff) && !v->dp.tp_dst &&
		       ntohs(v->dp.tp_src) == nd_type_of(f->prereq);
	case OFPR_UDP:
		return type && (is_ipv4(v) || is_ipv6(v)) && proto && v->dp.nw_proto == 17;
	case OFPR_SCTP:
		return type && (is_ipv4(v) || is_ipv6(v)) && proto && v->dp.nw_proto == 132;
	case OFPR_CT:
		return ct_valid_in_match(m);
	case OFPR_CT_IPV4:
		return ct_valid_in_match(m) && type && is_ipv4(v);
	case OFPR_CT_IPV6:
		return ct_valid_in_match(m) && type && is_ipv6(v);
	}
	return false;
}
