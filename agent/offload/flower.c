// SPDX-License-Identifier: Apache-2.0
/* Megaflow -> TC flower filter (flower.h): match attributes in the
 * kernel's TCA_FLOWER_KEY_* encoding, actions in execution order. */
#include "agent/offload/flower.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_csum.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_pedit.h>
#include <linux/tc_act/tc_vlan.h>

_Static_assert(XS_FLOW_KEY_SEQ == 4, "flower.c lists every key field");

struct xlate {
	struct xs_flower *f;
	const char *reason;
};

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int refuse(struct xlate *x, const char *why)
{
	if (!x->reason)
		x->reason = why;
	return -EOPNOTSUPP;
}

static int put(struct xlate *x, uint16_t type, const void *data, uint16_t len)
{
	struct xs_flower *f = x->f;

	if (f->n_match >= XS_FL_MAX_MATCH)
		return refuse(x, "too many match fields");
	f->match[f->n_match].type = type;
	f->match[f->n_match].len = len;
	memcpy(f->match[f->n_match].data, data, len);
	f->n_match++;
	return 0;
}

/* Value and mask attributes, both always sent (as iproute2 sends them for
 * addresses, TOS/TTL, TCP flags, ICMP and ARP fields), when the mask has a
 * bit. */
static int put_masked(struct xlate *x, uint16_t type, uint16_t mask_type, const void *v,
		      const void *m, uint16_t len)
{
	if (all_zero(m, len))
		return 0;
	if (put(x, type, v, len))
		return -EOPNOTSUPP;
	return put(x, mask_type, m, len);
}

/* L4 ports: the value alone for an exact match (flower's default mask is
 * all ones; iproute2 sends no mask for `dst_port 80`), value and mask for
 * a partial one. */
static int put_port(struct xlate *x, uint16_t type, uint16_t mask_type, __be16 v, __be16 m)
{
	if (!m)
		return 0;
	if (put(x, type, &v, 2))
		return -EOPNOTSUPP;
	return m == 0xffff ? 0 : put(x, mask_type, &m, 2);
}

/* An exact-only field: all of it or none of it. */
static int exact_u8(struct xlate *x, uint16_t type, uint8_t v, uint8_t m, const char *why)
{
	if (!m)
		return 0;
	if (m != 0xff)
		return refuse(x, why);
	return put(x, type, &v, 1);
}

/* VLAN tag @i (0 outer) matched by the mask: id and priority (exact only,
 * host order for the id as flower takes it). */
static int match_tag(struct xlate *x, const struct xs_vlan_hdr_key *k,
		     const struct xs_vlan_hdr_key *m, bool inner)
{
	uint16_t tci = ntohs(k->tci), mtci = ntohs(m->tci);
	uint16_t vid_m = mtci & XS_VLAN_VID_MASK, pcp_m = mtci & XS_VLAN_PCP_MASK;

	if (vid_m && vid_m != XS_VLAN_VID_MASK)
		return refuse(x, "partial VLAN id mask");
	if (pcp_m && pcp_m != XS_VLAN_PCP_MASK)
		return refuse(x, "partial VLAN priority mask");
	if (vid_m) {
		uint16_t vid = tci & XS_VLAN_VID_MASK;

		if (put(x, inner ? TCA_FLOWER_KEY_CVLAN_ID : TCA_FLOWER_KEY_VLAN_ID, &vid, 2))
			return -EOPNOTSUPP;
	}
	if (pcp_m) {
		uint8_t pcp = (uint8_t)(tci >> XS_VLAN_PCP_SHIFT);

		if (put(x, inner ? TCA_FLOWER_KEY_CVLAN_PRIO : TCA_FLOWER_KEY_VLAN_PRIO, &pcp, 1))
			return -EOPNOTSUPP;
	}
	return 0;
}

static bool tag_matched(const struct xs_flow_key *k, const struct xs_flow_key *m, int i)
{
	return (ntohs(m->vlan[i].tci) & XS_VLAN_PRESENT) &&
	       (ntohs(k->vlan[i].tci) & XS_VLAN_PRESENT);
}

static __be16 tag_tpid(const struct xs_vlan_hdr_key *k)
{
	return k->tpid ? k->tpid : htons(ETH_P_8021Q);
}

/* Ethernet type and VLAN tags: the filter's protocol is the outermost
 * type; a tag's inner type goes in VLAN_ETH_TYPE (CVLAN_ETH_TYPE under a
 * second tag). */
static int match_l2(struct xlate *x, const struct xs_flow_key *k, const struct xs_flow_key *m)
{
	__be16 type = m->dl_type ? k->dl_type : 0;
	uint16_t mtci1 = ntohs(m->vlan[1].tci);

	if (m->dl_type && m->dl_type != 0xffff)
		return refuse(x, "partial Ethernet type mask");
	if (put_masked(x, TCA_FLOWER_KEY_ETH_DST, TCA_FLOWER_KEY_ETH_DST_MASK, k->dl_dst,
		       m->dl_dst, 6) ||
	    put_masked(x, TCA_FLOWER_KEY_ETH_SRC, TCA_FLOWER_KEY_ETH_SRC_MASK, k->dl_src,
		       m->dl_src, 6))
		return -EOPNOTSUPP;
	if (!tag_matched(k, m, 0)) {
		if (ntohs(m->vlan[0].tci) & ~XS_VLAN_PRESENT)
			return refuse(x, "VLAN fields without a tag");
		/* flower has no "untagged": with the tag stripped by the NIC a
		 * tagged packet has the inner type and would match too */
		if (ntohs(m->vlan[0].tci) & XS_VLAN_PRESENT)
			return refuse(x, "a match on no VLAN tag (flower cannot require it)");
		x->f->protocol = type ? type : htons(ETH_P_ALL);
		return 0;
	}
	x->f->protocol = tag_tpid(&k->vlan[0]);
	if (match_tag(x, &k->vlan[0], &m->vlan[0], false))
		return -EOPNOTSUPP;
	if (tag_matched(k, m, 1)) {
		__be16 tpid = tag_tpid(&k->vlan[1]);

		if (put(x, TCA_FLOWER_KEY_VLAN_ETH_TYPE, &tpid, 2) ||
		    match_tag(x, &k->vlan[1], &m->vlan[1], true))
			return -EOPNOTSUPP;
		return type ? put(x, TCA_FLOWER_KEY_CVLAN_ETH_TYPE, &type, 2) : 0;
	}
	if (mtci1 & ~XS_VLAN_PRESENT)
		return refuse(x, "VLAN fields without a tag");
	if (mtci1 & XS_VLAN_PRESENT)
		return refuse(x, "a match on no inner VLAN tag (flower cannot require it)");
	return type ? put(x, TCA_FLOWER_KEY_VLAN_ETH_TYPE, &type, 2) : 0;
}

/* nw_frag -> flower's key flags: "any fragment" is IS_FRAGMENT, "later
 * fragment" is a fragment that is not the first. */
static int match_frag(struct xlate *x, uint8_t frag, uint8_t mfrag)
{
	uint32_t v = 0, m = 0;
	__be32 bv, bm;

	if (mfrag & XS_FRAG_ANY) {
		m |= TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT;
		if (frag & XS_FRAG_ANY)
			v |= TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT;
	}
	if (mfrag & XS_FRAG_LATER) {
		m |= TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST;
		if ((frag & XS_FRAG_ANY) && !(frag & XS_FRAG_LATER))
			v |= TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST;
	}
	if (!m)
		return 0;
	bv = htonl(v);
	bm = htonl(m);
	if (put(x, TCA_FLOWER_KEY_FLAGS, &bv, 4))
		return -EOPNOTSUPP;
	return put(x, TCA_FLOWER_KEY_FLAGS_MASK, &bm, 4);
}

static int match_l4(struct xlate *x, const struct xs_flow_key *k, const struct xs_flow_key *m,
		    bool v6)
{
	uint8_t proto = m->nw_proto ? k->nw_proto : 0;
	uint8_t t = (uint8_t)ntohs(k->tp_src), c = (uint8_t)ntohs(k->tp_dst);
	uint8_t tm = (uint8_t)ntohs(m->tp_src), cm = (uint8_t)ntohs(m->tp_dst);

	if (m->tcp_flags && proto != IPPROTO_TCP)
		return refuse(x, "TCP flags without TCP");
	if (!m->tp_src && !m->tp_dst)
		goto flags;
	switch (proto) {
	case IPPROTO_TCP:
		if (put_port(x, TCA_FLOWER_KEY_TCP_SRC, TCA_FLOWER_KEY_TCP_SRC_MASK, k->tp_src,
			     m->tp_src) ||
		    put_port(x, TCA_FLOWER_KEY_TCP_DST, TCA_FLOWER_KEY_TCP_DST_MASK, k->tp_dst,
			     m->tp_dst))
			return -EOPNOTSUPP;
		break;
	case IPPROTO_UDP:
		if (put_port(x, TCA_FLOWER_KEY_UDP_SRC, TCA_FLOWER_KEY_UDP_SRC_MASK, k->tp_src,
			     m->tp_src) ||
		    put_port(x, TCA_FLOWER_KEY_UDP_DST, TCA_FLOWER_KEY_UDP_DST_MASK, k->tp_dst,
			     m->tp_dst))
			return -EOPNOTSUPP;
		break;
	case IPPROTO_SCTP:
		if (put_port(x, TCA_FLOWER_KEY_SCTP_SRC, TCA_FLOWER_KEY_SCTP_SRC_MASK, k->tp_src,
			     m->tp_src) ||
		    put_port(x, TCA_FLOWER_KEY_SCTP_DST, TCA_FLOWER_KEY_SCTP_DST_MASK, k->tp_dst,
			     m->tp_dst))
			return -EOPNOTSUPP;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if ((proto == IPPROTO_ICMP) == v6)
			return refuse(x, "ICMP of the other IP version");
		/* type and code are htons(8 bits): the high byte of a mask
		 * (OVS-style 0xffff) matches the zero the parser stores */
		if ((k->tp_src & htons(0xff00)) || (k->tp_dst & htons(0xff00)))
			return refuse(x, "ICMP type/code beyond 8 bits");
		if (put_masked(x, v6 ? TCA_FLOWER_KEY_ICMPV6_TYPE : TCA_FLOWER_KEY_ICMPV4_TYPE,
			       v6 ? TCA_FLOWER_KEY_ICMPV6_TYPE_MASK : TCA_FLOWER_KEY_ICMPV4_TYPE_MASK,
			       &t, &tm, 1) ||
		    put_masked(x, v6 ? TCA_FLOWER_KEY_ICMPV6_CODE : TCA_FLOWER_KEY_ICMPV4_CODE,
			       v6 ? TCA_FLOWER_KEY_ICMPV6_CODE_MASK : TCA_FLOWER_KEY_ICMPV4_CODE_MASK,
			       &c, &cm, 1))
			return -EOPNOTSUPP;
		break;
	default:
		return refuse(x, "L4 ports without TCP, UDP, SCTP or ICMP");
	}
flags:
	return put_masked(x, TCA_FLOWER_KEY_TCP_FLAGS, TCA_FLOWER_KEY_TCP_FLAGS_MASK, &k->tcp_flags,
			  &m->tcp_flags, 2);
}

static bool l4_masked(const struct xs_flow_key *m)
{
	return m->tp_src || m->tp_dst || m->tcp_flags;
}

static int match_ip_common(struct xlate *x, const struct xs_flow_key *k,
			   const struct xs_flow_key *m, bool v6)
{
	if (exact_u8(x, TCA_FLOWER_KEY_IP_PROTO, k->nw_proto, m->nw_proto,
		     "partial IP protocol mask") ||
	    put_masked(x, TCA_FLOWER_KEY_IP_TOS, TCA_FLOWER_KEY_IP_TOS_MASK, &k->nw_tos,
		       &m->nw_tos, 1) ||
	    put_masked(x, TCA_FLOWER_KEY_IP_TTL, TCA_FLOWER_KEY_IP_TTL_MASK, &k->nw_ttl,
		       &m->nw_ttl, 1) ||
	    match_frag(x, k->nw_frag, m->nw_frag))
		return -EOPNOTSUPP;
	return match_l4(x, k, m, v6);
}

static int match_l3(struct xlate *x, const struct xs_flow_key *k, const struct xs_flow_key *m)
{
	__be16 type = m->dl_type ? k->dl_type : 0;
	bool v4_fields = m->nw_src || m->nw_dst || m->nw_proto || m->nw_tos || m->nw_ttl ||
			 m->nw_frag || l4_masked(m);
	bool v6_fields = !all_zero(m->ipv6_src, 16) || !all_zero(m->ipv6_dst, 16) ||
			 m->ipv6_label || !all_zero(m->nd_target, 16);
	bool arp_ll = !all_zero(m->arp_sha, 6) || !all_zero(m->arp_tha, 6);

	switch (ntohs(type)) {
	case ETH_P_IP:
		if (v6_fields || arp_ll)
			return refuse(x, "IPv6 or ARP fields in an IPv4 megaflow");
		if (put_masked(x, TCA_FLOWER_KEY_IPV4_SRC, TCA_FLOWER_KEY_IPV4_SRC_MASK, &k->nw_src,
			       &m->nw_src, 4) ||
		    put_masked(x, TCA_FLOWER_KEY_IPV4_DST, TCA_FLOWER_KEY_IPV4_DST_MASK, &k->nw_dst,
			       &m->nw_dst, 4))
			return -EOPNOTSUPP;
		return match_ip_common(x, k, m, false);
	case ETH_P_IPV6:
		if (m->nw_src || m->nw_dst)
			return refuse(x, "IPv4 fields in an IPv6 megaflow");
		if (m->ipv6_label)
			return refuse(x, "IPv6 flow label (no flower key)");
		if (!all_zero(m->nd_target, 16) || arp_ll)
			return refuse(x, "IPv6 neighbour discovery fields (no flower key)");
		if (put_masked(x, TCA_FLOWER_KEY_IPV6_SRC, TCA_FLOWER_KEY_IPV6_SRC_MASK,
			       k->ipv6_src, m->ipv6_src, 16) ||
		    put_masked(x, TCA_FLOWER_KEY_IPV6_DST, TCA_FLOWER_KEY_IPV6_DST_MASK,
			       k->ipv6_dst, m->ipv6_dst, 16))
			return -EOPNOTSUPP;
		return match_ip_common(x, k, m, true);
	case ETH_P_ARP: {
		uint8_t op = k->nw_proto, opm = m->nw_proto;

		if (v6_fields || m->nw_tos || m->nw_ttl || m->nw_frag || l4_masked(m))
			return refuse(x, "IP fields in an ARP megaflow");
		if (put_masked(x, TCA_FLOWER_KEY_ARP_SIP, TCA_FLOWER_KEY_ARP_SIP_MASK, &k->nw_src,
			       &m->nw_src, 4) ||
		    put_masked(x, TCA_FLOWER_KEY_ARP_TIP, TCA_FLOWER_KEY_ARP_TIP_MASK, &k->nw_dst,
			       &m->nw_dst, 4) ||
		    put_masked(x, TCA_FLOWER_KEY_ARP_OP, TCA_FLOWER_KEY_ARP_OP_MASK, &op, &opm, 1) ||
		    put_masked(x, TCA_FLOWER_KEY_ARP_SHA, TCA_FLOWER_KEY_ARP_SHA_MASK, k->arp_sha,
			       m->arp_sha, 6) ||
		    put_masked(x, TCA_FLOWER_KEY_ARP_THA, TCA_FLOWER_KEY_ARP_THA_MASK, k->arp_tha,
			       m->arp_tha, 6))
			return -EOPNOTSUPP;
		return 0;
	}
	default:
		if (v4_fields || v6_fields || arp_ll)
			return refuse(x, "L3 fields without IPv4, IPv6 or ARP");
		return 0;
	}
}

/* --- actions ------------------------------------------------------------ */

struct act_state {
	struct xlate *x;
	const struct xs_flow_key *k, *m;
	struct xs_fl_action *pedit; /* the open rewrite group, or NULL */
	uint32_t csum;              /* checksums the group needs */
	int ttl;                    /* known TTL, -1 unknown */
	int vid;                    /* known outer VID, -1 unknown */
};

static struct xs_fl_action *new_act(struct act_state *s, enum xs_fl_act_kind kind,
				    int32_t verdict)
{
	struct xs_flower *f = s->x->f;
	struct xs_fl_action *a;

	if (f->n_acts >= XS_FL_MAX_ACTS) {
		refuse(s->x, "too many TC actions");
		return NULL;
	}
	a = &f->acts[f->n_acts++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->verdict = verdict;
	return a;
}

/* Ends a rewrite group: act_csum follows the pedit when a checksum moved. */
static int close_pedit(struct act_state *s)
{
	struct xs_fl_action *c;

	if (!s->pedit)
		return 0;
	s->pedit = NULL;
	if (!s->csum)
		return 0;
	c = new_act(s, XS_FLA_CSUM, TC_ACT_PIPE);
	if (!c)
		return -EOPNOTSUPP;
	c->u.csum.update_flags = s->csum;
	s->csum = 0;
	return 0;
}

/* Sets @len bytes at @off of header @htype to @val where @mask has bits,
 * as 32-bit pedit keys (one per word touched). */
static int pedit_bytes(struct act_state *s, uint16_t htype, uint16_t cmd, uint32_t off,
		       const uint8_t *val, const uint8_t *mask, uint32_t len)
{
	uint32_t first = off & ~3u, end = off + len;

	if (!s->pedit) {
		s->pedit = new_act(s, XS_FLA_PEDIT, TC_ACT_PIPE);
		if (!s->pedit)
			return -EOPNOTSUPP;
	}
	for (uint32_t w = first; w < end; w += 4) {
		uint8_t v[4] = { 0 }, keep[4] = { 0xff, 0xff, 0xff, 0xff };
		struct xs_fl_pedit_key *pk;
		bool any = false;

		for (uint32_t b = 0; b < 4; b++) {
			uint32_t at = w + b;

			if (at < off || at >= end)
				continue;
			v[b] = val[at - off] & mask[at - off];
			keep[b] = (uint8_t)~mask[at - off];
			any |= mask[at - off] != 0;
		}
		if (!any)
			continue;
		if (s->pedit->u.pedit.n >= XS_FL_MAX_PEDIT)
			return refuse(s->x, "too many header rewrites");
		pk = &s->pedit->u.pedit.keys[s->pedit->u.pedit.n++];
		pk->htype = htype;
		pk->cmd = cmd;
		pk->off = w;
		memcpy(&pk->val, v, 4);
		memcpy(&pk->mask, keep, 4);
	}
	return 0;
}

static int pedit_set(struct act_state *s, uint16_t htype, uint32_t off, const void *val,
		     uint32_t len)
{
	static const uint8_t ones[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	return pedit_bytes(s, htype, TCA_PEDIT_KEY_EX_CMD_SET, off, val, ones, len);
}

static uint8_t exact_proto(const struct act_state *s)
{
	return s->m->nw_proto == 0xff ? s->k->nw_proto : 0;
}

static bool is_v4(const struct act_state *s)
{
	return s->m->dl_type && s->k->dl_type == htons(ETH_P_IP);
}

static bool is_v6(const struct act_state *s)
{
	return s->m->dl_type && s->k->dl_type == htons(ETH_P_IPV6);
}

/* TCP/UDP checksums cover the pseudo header: after an address rewrite. */
static void l4_csum(struct act_state *s)
{
	switch (exact_proto(s)) {
	case IPPROTO_TCP:
		s->csum |= TCA_CSUM_UPDATE_FLAG_TCP;
		break;
	case IPPROTO_UDP:
		s->csum |= TCA_CSUM_UPDATE_FLAG_UDP;
		break;
	case IPPROTO_ICMP:
		break;
	default:
		s->csum |= TCA_CSUM_UPDATE_FLAG_TCP | TCA_CSUM_UPDATE_FLAG_UDP;
	}
}

static int act_set(struct act_state *s, const struct xs_action *a)
{
	uint8_t b[4];

	switch (a->type) {
	case XS_ACT_SET_ETH_DST:
		return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_ETH, 0, a->u.mac, 6);
	case XS_ACT_SET_ETH_SRC:
		return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_ETH, 6, a->u.mac, 6);
	case XS_ACT_SET_IPV4_SRC:
	case XS_ACT_SET_IPV4_DST:
		if (!is_v4(s))
			return refuse(s->x, "IPv4 rewrite without an IPv4 match");
		s->csum |= TCA_CSUM_UPDATE_FLAG_IPV4HDR;
		l4_csum(s);
		return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP4,
				 a->type == XS_ACT_SET_IPV4_SRC ? 12 : 16, &a->u.be32[0], 4);
	case XS_ACT_SET_IPV6_SRC:
	case XS_ACT_SET_IPV6_DST:
		if (!is_v6(s))
			return refuse(s->x, "IPv6 rewrite without an IPv6 match");
		l4_csum(s);
		return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP6,
				 a->type == XS_ACT_SET_IPV6_SRC ? 8 : 24, a->u.bytes, 16);
	case XS_ACT_SET_NW_TOS:
		if (is_v4(s)) {
			s->csum |= TCA_CSUM_UPDATE_FLAG_IPV4HDR;
			return pedit_bytes(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP4,
					   TCA_PEDIT_KEY_EX_CMD_SET, 1, &a->u.bytes[0],
					   &a->u.bytes[1], 1);
		}
		if (is_v6(s)) {
			/* traffic class: bits 4..11 of the first word */
			uint8_t v[2] = { (uint8_t)(a->u.bytes[0] >> 4),
					 (uint8_t)(a->u.bytes[0] << 4) };
			uint8_t m[2] = { (uint8_t)(a->u.bytes[1] >> 4),
					 (uint8_t)(a->u.bytes[1] << 4) };

			return pedit_bytes(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP6,
					   TCA_PEDIT_KEY_EX_CMD_SET, 0, v, m, 2);
		}
		return refuse(s->x, "TOS rewrite without an IP match");
	case XS_ACT_SET_NW_TTL:
		s->ttl = a->u.bytes[0];
		if (is_v4(s)) {
			s->csum |= TCA_CSUM_UPDATE_FLAG_IPV4HDR;
			return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP4, 8, a->u.bytes, 1);
		}
		if (is_v6(s))
			return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP6, 7, a->u.bytes, 1);
		return refuse(s->x, "TTL rewrite without an IP match");
	case XS_ACT_DEC_TTL: {
		static const uint8_t ff = 0xff;

		/* The fast path sends an expiring packet to the agent; flower
		 * cannot, so the TTL must be known to stay above 1. */
		if (s->ttl < 0 && s->m->nw_ttl == 0xff)
			s->ttl = s->k->nw_ttl;
		if (s->ttl <= 1)
			return refuse(s->x, "dec_ttl without a TTL above 1 in the megaflow");
		s->ttl--;
		if (is_v4(s)) {
			s->csum |= TCA_CSUM_UPDATE_FLAG_IPV4HDR;
			return pedit_bytes(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP4,
					   TCA_PEDIT_KEY_EX_CMD_ADD, 8, &ff, &ff, 1);
		}
		if (is_v6(s))
			return pedit_bytes(s, TCA_PEDIT_KEY_EX_HDR_TYPE_IP6,
					   TCA_PEDIT_KEY_EX_CMD_ADD, 7, &ff, &ff, 1);
		return refuse(s->x, "dec_ttl without an IP match");
	}
	case XS_ACT_SET_TP_SRC:
	case XS_ACT_SET_TP_DST: {
		uint8_t p = exact_proto(s);
		uint32_t off = a->type == XS_ACT_SET_TP_SRC ? 0 : 2;

		memcpy(b, &a->u.be16[0], 2);
		if (p == IPPROTO_TCP) {
			s->csum |= TCA_CSUM_UPDATE_FLAG_TCP;
			return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_TCP, off, b, 2);
		}
		if (p == IPPROTO_UDP) {
			s->csum |= TCA_CSUM_UPDATE_FLAG_UDP;
			return pedit_set(s, TCA_PEDIT_KEY_EX_HDR_TYPE_UDP, off, b, 2);
		}
		return refuse(s->x, "L4 rewrite other than TCP/UDP ports");
	}
	default:
		return refuse(s->x, "rewrite with no pedit counterpart (ARP, IPv6 label)");
	}
}

static int act_vlan(struct act_state *s, const struct xs_action *a)
{
	struct xs_fl_action *v;
	uint16_t tci = ntohs(a->u.be16[1]);

	if (close_pedit(s))
		return -EOPNOTSUPP;
	v = new_act(s, XS_FLA_VLAN, TC_ACT_PIPE);
	if (!v)
		return -EOPNOTSUPP;
	switch (a->type) {
	case XS_ACT_POP_VLAN:
		v->u.vlan.v_action = TCA_VLAN_ACT_POP;
		s->vid = -1;
		return 0;
	case XS_ACT_PUSH_VLAN:
		v->u.vlan.v_action = TCA_VLAN_ACT_PUSH;
		v->u.vlan.id = tci & XS_VLAN_VID_MASK;
		v->u.vlan.prio = (uint8_t)(tci >> XS_VLAN_PCP_SHIFT);
		v->u.vlan.has_prio = true;
		v->u.vlan.proto = a->u.be16[0] ? a->u.be16[0] : htons(ETH_P_8021Q);
		s->vid = v->u.vlan.id;
		return 0;
	default: { /* XS_ACT_SET_VLAN_TCI: value be16[0], mask be16[1] */
		uint16_t val = ntohs(a->u.be16[0]), mask = ntohs(a->u.be16[1]);

		v->u.vlan.v_action = TCA_VLAN_ACT_MODIFY;
		if ((mask & XS_VLAN_VID_MASK) == XS_VLAN_VID_MASK)
			s->vid = val & XS_VLAN_VID_MASK;
		else if (mask & XS_VLAN_VID_MASK)
			return refuse(s->x, "partial VLAN id rewrite");
		if (s->vid < 0)
			return refuse(s->x, "VLAN priority rewrite of an unknown VLAN id");
		v->u.vlan.id = (uint16_t)s->vid;
		if ((mask & XS_VLAN_PCP_MASK) == XS_VLAN_PCP_MASK) {
			v->u.vlan.prio = (uint8_t)(val >> XS_VLAN_PCP_SHIFT);
			v->u.vlan.has_prio = true;
		} else if (mask & XS_VLAN_PCP_MASK) {
			return refuse(s->x, "partial VLAN priority rewrite");
		}
		return 0;
	}
	}
}

static int act_mirred(struct act_state *s, uint32_t ifindex, bool last)
{
	struct xs_fl_action *o;

	if (close_pedit(s))
		return -EOPNOTSUPP;
	o = new_act(s, XS_FLA_MIRRED, last ? TC_ACT_STOLEN : TC_ACT_PIPE);
	if (!o)
		return -EOPNOTSUPP;
	o->u.mirred.eaction = last ? TCA_EGRESS_REDIR : TCA_EGRESS_MIRROR;
	o->u.mirred.ifindex = ifindex;
	return 0;
}

/* Outputs: a copy (mirror) for each but the last, which redirects the
 * packet itself; a flood is one output per bridge port but the ingress. */
static int act_output(struct act_state *s, const struct xs_action *a, bool last_output,
		      const struct xs_fl_ports *ports)
{
	uint32_t in = s->k->in_port;
	size_t last = SIZE_MAX;

	if (!(a->flags & XS_OUT_F_BROADCAST))
		return act_mirred(s, a->arg, last_output);
	if (!ports)
		return refuse(s->x, "flood without the bridge's ports");
	for (size_t i = 0; i < ports->n; i++)
		if (ports->ports[i] != in)
			last = i;
	for (size_t i = 0; i < ports->n; i++)
		if (ports->ports[i] != in &&
		    act_mirred(s, ports->ports[i], last_output && i == last))
			return -EOPNOTSUPP;
	return 0;
}

static int translate_actions(struct xlate *x, const struct xs_flow_key *k,
			     const struct xs_flow_key *m, const struct xs_action *acts,
			     uint16_t n, const struct xs_fl_ports *ports)
{
	struct act_state s = { .x = x, .k = k, .m = m, .ttl = -1, .vid = -1 };
	int last_out = -1;
	bool sent = false;

	if (tag_matched(k, m, 0) && (ntohs(m->vlan[0].tci) & XS_VLAN_VID_MASK) == XS_VLAN_VID_MASK)
		s.vid = ntohs(k->vlan[0].tci) & XS_VLAN_VID_MASK;
	for (uint16_t i = 0; i < n; i++)
		if (acts[i].type == XS_ACT_OUTPUT)
			last_out = i;
	for (uint16_t i = 0; i < n; i++) {
		const struct xs_action *a = &acts[i];
		int err;

		if (i > last_out && last_out >= 0)
			break; /* rewrites after the last output change nothing sent */
		switch (a->type) {
		case XS_ACT_OUTPUT:
			err = act_output(&s, a, i == last_out, ports);
			sent = true;
			break;
		case XS_ACT_PUSH_VLAN:
		case XS_ACT_POP_VLAN:
		case XS_ACT_SET_VLAN_TCI:
			err = act_vlan(&s, a);
			break;
		case XS_ACT_TO_AGENT:
			return refuse(x, "action to the agent (controller, slow path)");
		default:
			err = act_set(&s, a);
		}
		if (err)
			return -EOPNOTSUPP;
	}
	if (!sent || last_out < 0) {
		struct xs_fl_action *d;

		if (close_pedit(&s))
			return -EOPNOTSUPP;
		/* no output: drop, whatever was rewritten */
		x->f->n_acts = 0;
		d = new_act(&s, XS_FLA_GACT, TC_ACT_SHOT);
		return d ? 0 : -EOPNOTSUPP;
	}
	return close_pedit(&s);
}

int xs_flower_from_megaflow(const struct xs_flow_key *key, const struct xs_flow_key *mask,
			    const struct xs_action *actions, uint16_t n_actions,
			    const struct xs_fl_ports *ports, struct xs_flower *out,
			    const char **reason)
{
	struct xs_flower scratch; /* *out stays untouched on a refusal */
	struct xs_flower *f = &scratch;
	struct xlate x = { .f = f };

	memset(f, 0, sizeof(*f));
	if (mask->in_port != 0xffffffffu || !key->in_port) {
		*reason = "in_port not exact";
		return -EOPNOTSUPP;
	}
	if (n_actions > XS_MAX_ACTIONS || (n_actions && !actions)) {
		*reason = "bad action list";
		return -EOPNOTSUPP;
	}
	/* Connection tracking stays in the TC stage: a later pass (recirc_id),
	 * a match on ct fields, or a ct action is not offered. */
	if (key->recirc_id || mask->ct_state || mask->ct_zone || mask->ct_mark ||
	    mask->ct_nw_proto || mask->ct_tp_src || mask->ct_tp_dst ||
	    memcmp(mask->ct_label, (uint8_t[16]){ 0 }, 16)) {
		*reason = "connection tracking fields (recirculation, ct_state, ct_zone, ct_mark, "
			  "ct_label)";
		return -EOPNOTSUPP;
	}
	for (uint16_t i = 0; i < n_actions; i++)
		if (xs_act_is_ct(actions[i].type)) {
			*reason = "connection tracking or recirculation action";
			return -EOPNOTSUPP;
		}
	f->ifindex = key->in_port;
	if (match_l2(&x, key, mask) || match_l3(&x, key, mask) ||
	    translate_actions(&x, key, mask, actions, n_actions, ports)) {
		*reason = x.reason ? x.reason : "not expressible";
		return -EOPNOTSUPP;
	}
	*out = *f;
	return 0;
}

const struct xs_fl_attr *xs_flower_find(const struct xs_flower *f, uint16_t type)
{
	for (uint16_t i = 0; i < f->n_match; i++)
		if (f->match[i].type == type)
			return &f->match[i];
	return NULL;
}
