// SPDX-License-Identifier: Apache-2.0
/* OXM match codec (oxm.h). */
#include "agent/openflow/oxm.h"

#include <arpa/inet.h>
#include <string.h>

#include "agent/openflow/of13.h"

enum pre { P_NONE, P_VLAN, P_IP, P_IPV4, P_IPV6, P_ARP, P_TCP, P_UDP, P_SCTP, P_ICMP4,
	   P_ICMP6, P_ND, P_ND_SLL, P_ND_TLL };

#define B(f, len, id, mask, pre, name) \
	{ OXM_CLASS_BASIC, OFPXMT_##f, len, id, mask, pre, name }
#define N(f, len, id, mask, pre, name) { OXM_CLASS_NXM1, f, len, id, mask, pre, name }
#define REGF(i) N(i, 4, OFPF_REG0 + i, true, P_NONE, "reg" #i)

/* In canonical (encoding) order: prerequisites before what needs them. */
static const struct oxm_field oxm_fields[] = {
	B(IN_PORT, 4, OFPF_IN_PORT, false, P_NONE, "in_port"),
	B(METADATA, 8, OFPF_METADATA, true, P_NONE, "metadata"),
	B(ETH_DST, 6, OFPF_DL_DST, true, P_NONE, "eth_dst"),
	B(ETH_SRC, 6, OFPF_DL_SRC, true, P_NONE, "eth_src"),
	B(ETH_TYPE, 2, OFPF_DL_TYPE, false, P_NONE, "eth_type"),
	B(VLAN_VID, 2, OFPF_VLAN_TCI, true, P_NONE, "vlan_vid"),
	B(VLAN_PCP, 1, OFPF_DL_VLAN_PCP, false, P_VLAN, "vlan_pcp"),
	B(IP_DSCP, 1, OFPF_IP_DSCP, false, P_IP, "ip_dscp"),
	B(IP_ECN, 1, OFPF_IP_ECN, false, P_IP, "ip_ecn"),
	B(IP_PROTO, 1, OFPF_NW_PROTO, false, P_IP, "ip_proto"),
	B(IPV4_SRC, 4, OFPF_NW_SRC, true, P_IPV4, "ipv4_src"),
	B(IPV4_DST, 4, OFPF_NW_DST, true, P_IPV4, "ipv4_dst"),
	B(TCP_SRC, 2, OFPF_TP_SRC, true, P_TCP, "tcp_src"),
	B(TCP_DST, 2, OFPF_TP_DST, true, P_TCP, "tcp_dst"),
	B(UDP_SRC, 2, OFPF_TP_SRC, true, P_UDP, "udp_src"),
	B(UDP_DST, 2, OFPF_TP_DST, true, P_UDP, "udp_dst"),
	B(SCTP_SRC, 2, OFPF_TP_SRC, true, P_SCTP, "sctp_src"),
	B(SCTP_DST, 2, OFPF_TP_DST, true, P_SCTP, "sctp_dst"),
	B(ICMPV4_TYPE, 1, OFPF_ICMP_TYPE, false, P_ICMP4, "icmpv4_type"),
	B(ICMPV4_CODE, 1, OFPF_ICMP_CODE, false, P_ICMP4, "icmpv4_code"),
	B(ARP_OP, 2, OFPF_ARP_OP, false, P_ARP, "arp_op"),
	B(ARP_SPA, 4, OFPF_ARP_SPA, true, P_ARP, "arp_spa"),
	B(ARP_TPA, 4, OFPF_ARP_TPA, true, P_ARP, "arp_tpa"),
	B(ARP_SHA, 6, OFPF_ARP_SHA, true, P_ARP, "arp_sha"),
	B(ARP_THA, 6, OFPF_ARP_THA, true, P_ARP, "arp_tha"),
	B(IPV6_SRC, 16, OFPF_IPV6_SRC, true, P_IPV6, "ipv6_src"),
	B(IPV6_DST, 16, OFPF_IPV6_DST, true, P_IPV6, "ipv6_dst"),
	B(IPV6_FLABEL, 4, OFPF_IPV6_LABEL, true, P_IPV6, "ipv6_flabel"),
	B(ICMPV6_TYPE, 1, OFPF_ICMPV6_TYPE, false, P_ICMP6, "icmpv6_type"),
	B(ICMPV6_CODE, 1, OFPF_ICMPV6_CODE, false, P_ICMP6, "icmpv6_code"),
	B(IPV6_ND_TARGET, 16, OFPF_ND_TARGET, true, P_ND, "nd_target"),
	B(IPV6_ND_SLL, 6, OFPF_ARP_SHA, true, P_ND_SLL, "nd_sll"),
	B(IPV6_ND_TLL, 6, OFPF_ARP_THA, true, P_ND_TLL, "nd_tll"),
	N(29, 1, OFPF_NW_TTL, false, P_IP, "nw_ttl"),
	N(26, 1, OFPF_IP_FRAG, true, P_IP, "ip_frag"),
	N(34, 2, OFPF_TCP_FLAGS, true, P_TCP, "tcp_flags"),
	REGF(0), REGF(1), REGF(2), REGF(3), REGF(4), REGF(5), REGF(6), REGF(7),
	REGF(8), REGF(9), REGF(10), REGF(11), REGF(12), REGF(13), REGF(14), REGF(15),
};
#define N_OXM (sizeof(oxm_fields) / sizeof(oxm_fields[0]))

const struct oxm_field *oxm_fields_all(size_t *n)
{
	*n = N_OXM;
	return oxm_fields;
}

const struct oxm_field *oxm_field_by_header(uint32_t header)
{
	for (size_t i = 0; i < N_OXM; i++)
		if (oxm_fields[i].cls == OXM_CLASS(header) &&
		    oxm_fields[i].field == OXM_FIELD(header))
			return &oxm_fields[i];
	return NULL;
}

/* What the match pins exactly, for the prerequisite checks. */
struct pins {
	int eth_type;   /* -1: not exact */
	int ip_proto;
	int icmp6_type;
	bool vlan;      /* VLAN_VID with the present bit matched as 1 */
};

static int value_ok(const struct oxm_field *f, const uint8_t *v)
{
	switch (f->cls == OXM_CLASS_BASIC ? f->field : 0xff) {
	case OFPXMT_IN_PORT: {
		uint32_t p = of_get32(v);

		return p && of_port_from_wire(p) ? 0 : E_MATCH_BAD_VALUE;
	}
	case OFPXMT_VLAN_VID:
		return of_get16(v) > 0x1fff ? E_MATCH_BAD_VALUE : 0;
	case OFPXMT_VLAN_PCP:
		return v[0] > 7 ? E_MATCH_BAD_VALUE : 0;
	case OFPXMT_IP_DSCP:
		return v[0] > 63 ? E_MATCH_BAD_VALUE : 0;
	case OFPXMT_IP_ECN:
		return v[0] > 3 ? E_MATCH_BAD_VALUE : 0;
	case OFPXMT_ARP_OP:
		return of_get16(v) > 255 ? E_MATCH_BAD_VALUE : 0;
	case OFPXMT_IPV6_FLABEL:
		return of_get32(v) > 0xfffff ? E_MATCH_BAD_VALUE : 0;
	default:
		return 0;
	}
}

static bool prereq_ok(enum pre p, const struct pins *s)
{
	bool ip = s->eth_type == 0x0800 || s->eth_type == 0x86dd;

	switch (p) {
	case P_NONE: return true;
	case P_VLAN: return s->vlan;
	case P_IP: return ip;
	case P_IPV4: return s->eth_type == 0x0800;
	case P_IPV6: return s->eth_type == 0x86dd;
	case P_ARP: return s->eth_type == 0x0806;
	case P_TCP: return ip && s->ip_proto == 6;
	case P_UDP: return ip && s->ip_proto == 17;
	case P_SCTP: return ip && s->ip_proto == 132;
	case P_ICMP4: return s->eth_type == 0x0800 && s->ip_proto == 1;
	case P_ICMP6: return s->eth_type == 0x86dd && s->ip_proto == 58;
	case P_ND: return prereq_ok(P_ICMP6, s) && (s->icmp6_type == 135 || s->icmp6_type == 136);
	case P_ND_SLL: return prereq_ok(P_ICMP6, s) && s->icmp6_type == 135;
	case P_ND_TLL: return prereq_ok(P_ICMP6, s) && s->icmp6_type == 136;
	}
	return false;
}

/* Stores one decoded field in the match. */
static void put_field(const struct oxm_field *f, const uint8_t *v, const uint8_t *m,
		      struct ofp_match *match)
{
	const struct ofp_field *of = ofp_field_by_id(f->id);
	uint8_t val[OFP_FIELD_MAX_BYTES], mask[OFP_FIELD_MAX_BYTES];

	if (f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_IN_PORT) {
		uint16_t p = (uint16_t)of_port_from_wire(of_get32(v));

		of_put16(val, p);
		of_put16(mask, 0xffff);
	} else if (f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_VLAN_VID) {
		/* OFPVID_PRESENT is the key's XS_VLAN_PRESENT bit: VID and
		 * present bit are the tci's low 13 bits. Keep other tci bits
		 * (a pcp match) as they are. */
		uint8_t cur[2], cmask[2];

		ofp_field_get_match(of, match, cur, cmask);
		of_put16(val, (uint16_t)((of_get16(cur) & ~0x1fff) | of_get16(v)));
		of_put16(mask, (uint16_t)((of_get16(cmask) & ~0x1fff) |
					  (m ? of_get16(m) & 0x1fff : 0x1fff)));
	} else {
		memcpy(val, v, f->len);
		if (m)
			memcpy(mask, m, f->len);
		else
			ofp_field_ones(of, mask);
	}
	ofp_field_set_match(of, val, mask, match);
}

int oxm_decode_tlvs(const uint8_t *p, size_t len, struct ofp_match *match)
{
	struct pins s = { .eth_type = -1, .ip_proto = -1, .icmp6_type = -1 };
	const struct oxm_field *seen[64];
	unsigned n_seen = 0;
	size_t ofs = 0;

	memset(match, 0, sizeof(*match));
	while (ofs < len) {
		const struct oxm_field *f;
		uint32_t h;
		unsigned plen;
		const uint8_t *v, *m;

		if (len - ofs < 4)
			return E_MATCH_BAD_LEN;
		h = of_get32(p + ofs);
		plen = OXM_LEN(h);
		if (len - ofs - 4 < plen)
			return E_MATCH_BAD_LEN;
		f = oxm_field_by_header(h);
		if (!f)
			return E_MATCH_BAD_FIELD;
		if (plen != (OXM_HASMASK(h) ? 2u : 1u) * f->len)
			return E_MATCH_BAD_LEN;
		if (OXM_HASMASK(h) && !f->maskable)
			return E_MATCH_BAD_MASK;
		for (unsigned i = 0; i < n_seen; i++)
			if (seen[i] == f)
				return E_MATCH_DUP_FIELD;
		if (n_seen == 64)
			return E_MATCH_BAD_LEN;
		seen[n_seen++] = f;
		v = p + ofs + 4;
		m = OXM_HASMASK(h) ? v + f->len : NULL;
		if (m)
			for (unsigned i = 0; i < f->len; i++)
				if (v[i] & ~m[i])
					return E_MATCH_BAD_WILDCARDS;
		if (value_ok(f, v))
			return value_ok(f, v);
		if (f->cls == OXM_CLASS_BASIC) {
			if (f->field == OFPXMT_ETH_TYPE)
				s.eth_type = of_get16(v);
			else if (f->field == OFPXMT_IP_PROTO)
				s.ip_proto = v[0];
			else if (f->field == OFPXMT_ICMPV6_TYPE)
				s.icmp6_type = v[0];
			else if (f->field == OFPXMT_VLAN_VID)
				s.vlan = (of_get16(v) & OFPVID_PRESENT) &&
					 (!m || (of_get16(m) & OFPVID_PRESENT));
		}
		put_field(f, v, m, match);
		ofs += 4 + plen;
	}
	for (unsigned i = 0; i < n_seen; i++)
		if (!prereq_ok(seen[i]->prereq, &s))
			return E_MATCH_BAD_PREREQ;
	return 0;
}

int oxm_decode_match(const uint8_t *p, size_t avail, struct ofp_match *match, size_t *consumed)
{
	uint16_t type, len;
	size_t padded;

	if (avail < 4)
		return E_BAD_LEN;
	type = of_get16(p);
	len = of_get16(p + 2);
	if (type != OFPMT_OXM)
		return E_MATCH_BAD_TYPE;
	if (len < 4)
		return E_MATCH_BAD_LEN;
	padded = (len + 7u) & ~7u;
	if (padded > avail)
		return E_BAD_LEN;
	*consumed = padded;
	return oxm_decode_tlvs(p + 4, len - 4u, match);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Is field f expressible for this match (its prerequisites pinned)? */
static bool encodable(const struct oxm_field *f, const struct ofp_match *match)
{
	struct pins s = { .eth_type = -1, .ip_proto = -1, .icmp6_type = -1 };

	if (match->mask.dp.dl_type == 0xffff)
		s.eth_type = ntohs(match->value.dp.dl_type);
	if (match->mask.dp.nw_proto == 0xff)
		s.ip_proto = match->value.dp.nw_proto;
	if (s.eth_type == 0x86dd && s.ip_proto == 58 && (match->mask.dp.tp_src & htons(0xff)) ==
	    htons(0xff))
		s.icmp6_type = ntohs(match->value.dp.tp_src) & 0xff;
	s.vlan = (ntohs(match->value.dp.vlan[0].tci) & XS_VLAN_PRESENT) &&
		 (ntohs(match->mask.dp.vlan[0].tci) & XS_VLAN_PRESENT);
	if (f->id == OFPF_NW_PROTO && s.eth_type == 0x0806)
		return false; /* arp_op lives there */
	return prereq_ok(f->prereq, &s);
}

void oxm_encode_match(struct ofbuf *b, const struct ofp_match *match)
{
	size_t start = b->len;

	ofbuf_put16(b, OFPMT_OXM);
	ofbuf_put16(b, 0);
	for (size_t i = 0; i < N_OXM; i++) {
		const struct oxm_field *f = &oxm_fields[i];
		const struct ofp_field *of = ofp_field_by_id(f->id);
		uint8_t v[OFP_FIELD_MAX_BYTES], m[OFP_FIELD_MAX_BYTES], ones[OFP_FIELD_MAX_BYTES];
		uint8_t wv[OFP_FIELD_MAX_BYTES], wm[OFP_FIELD_MAX_BYTES];
		bool masked;

		ofp_field_get_match(of, match, v, m);
		if (all_zero(m, of->n_bytes) || !encodable(f, match))
			continue;
		if (f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_IN_PORT) {
			of_put32(wv, of_port_to_wire(of_get16(v)));
			of_put32(wm, 0xffffffff);
		} else if (f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_VLAN_VID) {
			of_put16(wv, of_get16(v) & 0x1fff);
			of_put16(wm, of_get16(m) & 0x1fff);
			if (!of_get16(wm))
				continue;
		} else {
			memcpy(wv, v, f->len);
			memcpy(wm, m, f->len);
		}
		memset(ones, 0, sizeof(ones));
		if (f->field == OFPXMT_VLAN_VID && f->cls == OXM_CLASS_BASIC)
			of_put16(ones, 0x1fff);
		else if (f->field == OFPXMT_IN_PORT && f->cls == OXM_CLASS_BASIC)
			of_put32(ones, 0xffffffff);
		else
			ofp_field_ones(of, ones);
		masked = memcmp(wm, ones, f->len) != 0;
		if (masked && !f->maskable)
			continue; /* a partial mask OpenFlow 1.3 cannot say */
		ofbuf_put32(b, OXM_HEADER(f->cls, f->field, masked, f->len * (masked ? 2 : 1)));
		ofbuf_put(b, wv, f->len);
		if (masked)
			ofbuf_put(b, wm, f->len);
	}
	if (!b->failed)
		of_put16(b->data + start + 2, (uint16_t)(b->len - start));
	ofbuf_pad8(b, start);
}

int oxm_decode_set_field(const uint8_t *p, size_t len, enum ofp_field_id *id, uint8_t *value,
			 size_t *consumed)
{
	const struct oxm_field *f;
	uint32_t h;

	if (len < 4)
		return E_ACT_BAD_SET_LEN;
	h = of_get32(p);
	f = oxm_field_by_header(h);
	if (!f || !ofp_field_by_id(f->id)->writable)
		return E_ACT_BAD_SET_TYPE;
	if (OXM_HASMASK(h) || OXM_LEN(h) != f->len || len < 4u + f->len)
		return E_ACT_BAD_SET_LEN;
	if (value_ok(f, p + 4))
		return E_ACT_BAD_SET_ARGUMENT;
	memset(value, 0, OFP_FIELD_MAX_BYTES);
	if (f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_VLAN_VID) {
		/* set_field:VID->vlan_vid writes the 12-bit VID (dl_vlan) */
		*id = OFPF_DL_VLAN;
		of_put16(value, of_get16(p + 4) & 0x0fff);
	} else if (f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_IN_PORT) {
		*id = OFPF_IN_PORT;
		of_put16(value, (uint16_t)of_port_from_wire(of_get32(p + 4)));
	} else {
		*id = f->id;
		memcpy(value, p + 4, f->len);
	}
	*consumed = 4 + f->len;
	return 0;
}

int oxm_encode_set_field(struct ofbuf *b, enum ofp_field_id id, const uint8_t *value)
{
	for (size_t i = 0; i < N_OXM; i++) {
		const struct oxm_field *f = &oxm_fields[i];

		if (id == OFPF_DL_VLAN && f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_VLAN_VID) {
			ofbuf_put32(b, OXM_HEADER(f->cls, f->field, 0, 2));
			ofbuf_put16(b, (uint16_t)(of_get16(value) | OFPVID_PRESENT));
			return 0;
		}
		if (f->id != id)
			continue;
		if (f->cls == OXM_CLASS_BASIC && f->field == OFPXMT_IN_PORT) {
			ofbuf_put32(b, OXM_HEADER(f->cls, f->field, 0, 4));
			ofbuf_put32(b, of_port_to_wire(of_get16(value)));
			return 0;
		}
		ofbuf_put32(b, OXM_HEADER(f->cls, f->field, 0, f->len));
		ofbuf_put(b, value, f->len);
		return 0;
	}
	return -1;
}
