// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Packet parser of the fast path: frame bytes in, struct xs_flow_key out.
 * Pure pointer arithmetic on [data, data_end): compiled into XDP and userspace.
 *
 * Semantics follow Open vSwitch's flow extraction (lib/flow.c), so a key is
 * what OVS would extract from the same bytes, within the bounds below:
 *
 *  - Ethernet: a frame shorter than 14 bytes leaves the key untouched (only
 *    in_port). Up to XS_MAX_VLAN tags (TPID 0x8100 or 0x88a8) are read; a
 *    tag is taken only if 6 bytes (tag + next type) remain. The TCI is
 *    stored with XS_VLAN_PRESENT forced on. A third tag, or a cut tag,
 *    leaves dl_type = its TPID and nothing further is parsed.
 *    A type below 0x0600 is an 802.3 length: LLC/SNAP with OUI 0 yields the
 *    SNAP type, anything else dl_type = XS_DL_TYPE_NONE (0x05ff).
 *  - ARP/RARP: only Ethernet/IPv4 ARP (hrd 1, pro 0x0800, hln 6, pln 4) in
 *    28 bytes; else no ARP field. nw_proto = opcode if it is <= 0xff.
 *  - IPv4: the header is used only if IHL >= 5, the header fits, and
 *    IHL * 4 <= total length <= bytes present <= total length + 255.
 *    Otherwise every nw and tp field stays zero (dl fields set). Bytes past
 *    the total length are L2 padding and never parsed; more than 255 of
 *    them make OVS (whose padding count is 8 bits) reject the header, and
 *    so does this parser. The version nibble is not checked (as OVS).
 *  - IPv6: the 40-byte header is used only if 40 + payload length <= bytes
 *    present <= 40 + payload length + 255. Extension headers (hop-by-hop,
 *    routing, destination options, AH, fragment) are walked, at most
 *    XS_IPV6_MAX_EXT of them. A cut or
 *    overlong extension header leaves only ipv6_src/ipv6_dst set (as OVS:
 *    the addresses are stored before the walk). Past the bound, the walk
 *    stops with nw_proto = the next header not walked and no L4 fields.
 *  - Fragments: nw_frag = XS_FRAG_ANY for any fragment, | XS_FRAG_LATER if
 *    the offset is non-zero. Later fragments have no L4 fields; an IPv6
 *    later fragment reports nw_proto = 44 (fragment), as OVS.
 *  - L4 fields are set only when the whole fixed header is inside the IP
 *    payload: TCP 20 bytes (the data offset is not checked), UDP 8, SCTP 12,
 *    ICMP 8, ICMPv6 8. As in OVS, the protocol number alone selects the L4
 *    parser, whatever the IP version. ICMP type/code go to tp_src/tp_dst as
 *    htons(). tcp_flags = low 12 bits of the flags word.
 *  - ND (ICMPv6 135/136, code 0): nd_target if 16 bytes follow; then up to
 *    XS_ND_MAX_OPTS options: an 8-byte source/target link-layer option sets
 *    arp_sha/arp_tha; a second one of the same kind while the first is
 *    non-zero makes the ND invalid: nd_target, arp_sha, arp_tha are zeroed.
 *    A zero-length or cut option ends the walk, keeping what was found.
 *
 * Not parsed (dl_type or nw_proto is set, nothing below it): MPLS, IGMP,
 * GRE and other tunnels. No BPF helper is called; loops have constant
 * bounds (the verifier walks them; clang may unroll them); every read is
 * checked against data_end. */
#ifndef XDPSWITCH_BPF_PARSE_H
#define XDPSWITCH_BPF_PARSE_H

#include <bpf/bpf_endian.h>
#include "xdpswitch/compat.h"
#include "xdpswitch/flow_key.h"

/* Ethertypes and IP protocol numbers the parser knows (host order). */
#define XS_ETH_P_IPV4 0x0800
#define XS_ETH_P_ARP 0x0806
#define XS_ETH_P_RARP 0x8035
#define XS_ETH_P_8021Q 0x8100
#define XS_ETH_P_8021AD 0x88a8
#define XS_ETH_P_IPV6 0x86dd
#define XS_ETH_TYPE_MIN 0x0600  /* below: an 802.3 length field */
#define XS_DL_TYPE_NONE 0x05ff  /* OVS's dl_type for non-SNAP 802.3 frames */

#define XS_IPPROTO_HOPOPTS 0
#define XS_IPPROTO_ICMP 1
#define XS_IPPROTO_TCP 6
#define XS_IPPROTO_UDP 17
#define XS_IPPROTO_ROUTING 43
#define XS_IPPROTO_FRAGMENT 44
#define XS_IPPROTO_AH 51
#define XS_IPPROTO_ICMPV6 58
#define XS_IPPROTO_DSTOPTS 60
#define XS_IPPROTO_SCTP 132

#define XS_ND_NEIGHBOR_SOLICIT 135
#define XS_ND_NEIGHBOR_ADVERT 136
#define XS_ND_OPT_SOURCE_LL 1
#define XS_ND_OPT_TARGET_LL 2

#define XS_IPV6_MAX_EXT 4 /* extension headers walked, at most */
#define XS_ND_MAX_OPTS 4  /* ND options walked, at most */

/* Largest L4 offset the walks can reach: 2 VLAN tags and LLC/SNAP, IPv6,
 * the longest extension headers (xs_parse_l4() relies on it). */
XS_STATIC_ASSERT(14 + 8 + 8 + 40 + XS_IPV6_MAX_EXT * 2048 <= 0x3fff,
		 "L4 offsets fit in 14 bits");

/* Wire headers. Multi-byte fields are in network order; every struct has
 * no padding, so sizeof() is the wire size. A header starts at an even
 * offset of the frame (Ethernet is 14 bytes and every header length is
 * even) but not always at a multiple of 4. In userspace the structs are
 * declared 2-byte aligned, so that reads are defined C (UBSan checks it in
 * the fuzzer); frames must then start at an even address. BPF keeps the
 * natural alignment: the JITs of x86 and arm64 load unaligned packet
 * fields and the verifier allows it there, while a packed struct would
 * split every 32-bit load in two. */
#ifdef __bpf__
#define XS_WIRE
#else
#define XS_WIRE __attribute__((packed, aligned(2)))
#endif

struct xs_eth_hdr {
	__u8 dst[6];
	__u8 src[6];
	__be16 type;
} XS_WIRE;

struct xs_vlan_hdr {
	__be16 tpid;
	__be16 tci;
} XS_WIRE;

struct xs_llc_snap_hdr {
	__u8 dsap;    /* 0xaa for SNAP */
	__u8 ssap;    /* 0xaa for SNAP */
	__u8 ctrl;    /* 0x03 for SNAP */
	__u8 oui[3];  /* 0 for an encapsulated ethertype */
	__be16 type;
} XS_WIRE;

struct xs_arp_hdr {
	__be16 hrd;
	__be16 pro;
	__u8 hln;
	__u8 pln;
	__be16 op;
	__u8 sha[6];
	__u8 spa[4];
	__u8 tha[6];
	__u8 tpa[4];
} XS_WIRE;

struct xs_ipv4_hdr {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off; /* flags (DF 0x4000, MF 0x2000) | offset in 8 bytes */
	__u8 ttl;
	__u8 proto;
	__be16 csum;
	__be32 saddr;
	__be32 daddr;
} XS_WIRE;

struct xs_ipv6_hdr {
	__be32 vtc_flow; /* version 4 | traffic class 8 | flow label 20 */
	__be16 plen;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
} XS_WIRE;

/* First 8 bytes of any IPv6 extension header; frag_off is the fragment
 * header's offset (0xfff8) | reserved | M flag (0x0001). */
struct xs_ipv6_ext_hdr {
	__u8 nexthdr;
	__u8 len;
	__be16 frag_off;
	__be32 data;
} XS_WIRE;

struct xs_tcp_hdr {
	__be16 sport;
	__be16 dport;
	__be32 seq;
	__be32 ack;
	__be16 off_flags; /* data offset 4 | flags 12 */
	__be16 window;
	__be16 csum;
	__be16 urg;
} XS_WIRE;

struct xs_udp_hdr {
	__be16 sport;
	__be16 dport;
	__be16 len;
	__be16 csum;
} XS_WIRE;

struct xs_sctp_hdr {
	__be16 sport;
	__be16 dport;
	__be32 vtag;
	__be32 csum;
} XS_WIRE;

/* ICMP and ICMPv6 share the first 8 bytes. */
struct xs_icmp_hdr {
	__u8 type;
	__u8 code;
	__be16 csum;
	__be32 data;
} XS_WIRE;

/* ND link-layer address option, Ethernet size. */
struct xs_nd_opt {
	__u8 type;
	__u8 len; /* in units of 8 bytes */
	__u8 mac[6];
} XS_WIRE;

XS_STATIC_ASSERT(sizeof(struct xs_eth_hdr) == 14, "eth header");
XS_STATIC_ASSERT(sizeof(struct xs_llc_snap_hdr) == 8, "llc/snap header");
XS_STATIC_ASSERT(sizeof(struct xs_arp_hdr) == 28, "arp header");
XS_STATIC_ASSERT(sizeof(struct xs_ipv4_hdr) == 20, "ipv4 header");
XS_STATIC_ASSERT(sizeof(struct xs_ipv6_hdr) == 40, "ipv6 header");
XS_STATIC_ASSERT(sizeof(struct xs_tcp_hdr) == 20, "tcp header");
XS_STATIC_ASSERT(sizeof(struct xs_sctp_hdr) == 12, "sctp header");

/* What the parser found, for the action executor. Offsets count from the
 * start of the frame; 0 means absent (no header starts at 0 but Ethernet). */
enum xs_l3_kind {
	XS_L3_NONE = 0,
	XS_L3_IPV4,
	XS_L3_IPV6,
	XS_L3_ARP,
};

#define XS_PI_FRAG_FIRST 0x01 /* IP fragment with offset 0: L4 header here,
                               * but the payload continues elsewhere */

struct xs_parse_info {
	__u16 l3_off;  /* valid IPv4/IPv6/ARP header (l3 says which), else 0 */
	__u16 l4_off;  /* L4 header whose fields are in the key, else 0 */
	__u16 nw_end;  /* IP: end of the datagram (total length); bytes after
	                * it are L2 padding. 0 without IP */
	__u8 n_vlan;   /* VLAN tags in the key: tag i is at 12 + 4 * i */
	__u8 l3;       /* enum xs_l3_kind */
	__u8 l4_proto; /* IP protocol of the header at l4_off, else 0 */
	__u8 flags;    /* XS_PI_* */
	__u16 len;     /* bytes from data to data_end, at most 0xffff (an XDP
	                * frame's linear part fits in a page): what the XDP
	                * program counts, read here so that it keeps no packet
	                * pointer alive across the lookup (clang 13 with
	                * -mcpu=v3 spilled one with a 4-byte store, which the
	                * verifier refuses) */
};

XS_STATIC_ASSERT(sizeof(struct xs_parse_info) == 12, "parse info size");

/* xs_parse() results. */
#define XS_PARSE_OK 0      /* every header the packet announces was parsed */
#define XS_PARSE_PARTIAL 1 /* a header was cut short or malformed, or a walk
                            * bound was hit: the key holds what came before */

XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, arp_tha) ==
		 __builtin_offsetof(struct xs_flow_key, arp_sha) + 6,
		 "ND clears arp_sha and arp_tha as one 12-byte run");

/* ND: target and link-layer options of an NS/NA whose ICMPv6 header starts
 * at off. limit = end of the IPv6 payload (offset). */
static __always_inline int xs_parse_nd(void *data, void *data_end, __u32 off,
				       __u32 limit, struct xs_flow_key *key)
{
	__u8 *target = data + off + sizeof(struct xs_icmp_hdr);
	int i;

	off += sizeof(struct xs_icmp_hdr) + 16;
	/* The pointer test is implied by off <= limit; it is here for the
	 * verifier, which does not know limit <= data_end. */
	if (off > limit || (void *)(target + 16) > data_end)
		return XS_PARSE_PARTIAL;
	__builtin_memcpy(key->nd_target, target, 16);

	for (i = 0; i < XS_ND_MAX_OPTS; i++) {
		struct xs_nd_opt *opt = data + off;
		__u32 opt_len;

		if (off + sizeof(*opt) > limit)
			return XS_PARSE_OK;
		if ((void *)(opt + 1) > data_end) /* verifier: see above */
			return XS_PARSE_PARTIAL;
		opt_len = opt->len * 8;
		if (opt_len == 0 || off + opt_len > limit)
			return XS_PARSE_PARTIAL;
		if (opt_len == 8 && (opt->type == XS_ND_OPT_SOURCE_LL ||
				     opt->type == XS_ND_OPT_TARGET_LL)) {
			__u8 *mac = opt->type == XS_ND_OPT_SOURCE_LL ?
				key->arp_sha : key->arp_tha;

			if (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) {
				/* Same option twice: OVS drops all ND fields. */
				__builtin_memset(key->nd_target, 0, 16);
				__builtin_memset(key->arp_sha, 0, 12);
				return XS_PARSE_OK;
			}
			__builtin_memcpy(mac, opt->mac, 6);
		}
		off += opt_len;
	}
	/* Bound hit with another whole option left: not walked. */
	return off + sizeof(struct xs_nd_opt) <= limit ? XS_PARSE_PARTIAL :
							 XS_PARSE_OK;
}

/* Tells whether a header of len bytes at @hdr (data + off) lies inside
 * the IP payload, which ends at limit. The data_end test is implied by
 * limit <= data_end; it is there for the verifier, which does not know
 * that. It tests @hdr itself, the pointer the caller reads through: with
 * data + off + len computed apart, clang 13 checked one register and read
 * through another, whose range the verifier did not know. */
static __always_inline int xs_l4_fits(void *hdr, void *data_end, __u32 off,
				      __u32 len, __u32 limit)
{
	return off + len <= limit && hdr + len <= data_end;
}

/* Transport header at off, inside an IP payload ending at limit. Each
 * protocol checks its own length: with one shared length variable clang
 * merges the tests and the verifier loses the range. */
static __always_inline int xs_parse_l4(void *data, void *data_end, __u32 off,
				       __u32 limit, struct xs_flow_key *key,
				       struct xs_parse_info *info)
{
	__u8 proto = key->nw_proto;

	/* Verifier aid, a no-op at run time: off <= 8262 (30 bytes of L2, 40
	 * of IPv6, XS_IPV6_MAX_EXT extension headers of at most 2048) and
	 * limit <= 0xffff (frames are at most 64 KiB, as nw_end's width
	 * says; a GRO super-packet whose datagram ends past byte 0xffff of
	 * the frame, over 65521 bytes of IPv4, is cut here and parses
	 * partial: a wider mask cost the verifier 40k more instructions in
	 * every program). Masked, every way into the L4 parser carries the
	 * same ranges, so the verifier prunes instead of walking L4 and ND
	 * once per path (120k -> 76k instructions processed for
	 * parse_key.bpf.c). */
	off &= 0x3fff;
	limit &= 0xffff;

	if (proto == XS_IPPROTO_TCP) {
		struct xs_tcp_hdr *tcp = data + off;

		if (!xs_l4_fits(tcp, data_end, off, sizeof(*tcp), limit))
			return XS_PARSE_PARTIAL;
		key->tcp_flags = tcp->off_flags & bpf_htons(0x0fff);
		key->tp_src = tcp->sport;
		key->tp_dst = tcp->dport;
	} else if (proto == XS_IPPROTO_UDP) {
		struct xs_udp_hdr *udp = data + off;

		if (!xs_l4_fits(udp, data_end, off, sizeof(*udp), limit))
			return XS_PARSE_PARTIAL;
		key->tp_src = udp->sport;
		key->tp_dst = udp->dport;
	} else if (proto == XS_IPPROTO_SCTP) {
		struct xs_sctp_hdr *sctp = data + off;

		if (!xs_l4_fits(sctp, data_end, off, sizeof(*sctp), limit))
			return XS_PARSE_PARTIAL;
		key->tp_src = sctp->sport;
		key->tp_dst = sctp->dport;
	} else if (proto == XS_IPPROTO_ICMP || proto == XS_IPPROTO_ICMPV6) {
		struct xs_icmp_hdr *icmp = data + off;

		if (!xs_l4_fits(icmp, data_end, off, sizeof(*icmp), limit))
			return XS_PARSE_PARTIAL;
		key->tp_src = bpf_htons(icmp->type);
		key->tp_dst = bpf_htons(icmp->code);
		info->l4_off = off;
		info->l4_proto = proto;
		if (proto == XS_IPPROTO_ICMPV6 && icmp->code == 0 &&
		    (icmp->type == XS_ND_NEIGHBOR_SOLICIT ||
		     icmp->type == XS_ND_NEIGHBOR_ADVERT))
			return xs_parse_nd(data, data_end, off, limit, key);
		return XS_PARSE_OK;
	} else {
		return XS_PARSE_OK;
	}
	info->l4_off = off;
	info->l4_proto = proto;
	return XS_PARSE_OK;
}

/* The IPv4 header at off and what follows it (see the file comment). */
static __always_inline int xs_parse_ipv4(void *data, void *data_end, __u32 pkt_len,
					 __u32 off, struct xs_flow_key *key,
					 struct xs_parse_info *info)
{
	struct xs_ipv4_hdr *ip = data + off;
	__u32 ihl, tot;

	if ((void *)(ip + 1) > data_end)
		return XS_PARSE_PARTIAL;
	ihl = (ip->ver_ihl & 0x0f) * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ihl < sizeof(*ip) || tot < ihl || off + tot > pkt_len || off + tot + 255 < pkt_len)
		return XS_PARSE_PARTIAL;

	key->nw_src = ip->saddr;
	key->nw_dst = ip->daddr;
	key->nw_proto = ip->proto;
	key->nw_tos = ip->tos;
	key->nw_ttl = ip->ttl;
	info->l3_off = off;
	info->l3 = XS_L3_IPV4;
	info->nw_end = off + tot;
	if (ip->frag_off & bpf_htons(0x3fff)) {
		key->nw_frag = XS_FRAG_ANY;
		if (ip->frag_off & bpf_htons(0x1fff)) {
			key->nw_frag |= XS_FRAG_LATER;
			return XS_PARSE_OK;
		}
		info->flags |= XS_PI_FRAG_FIRST;
	}
	return xs_parse_l4(data, data_end, off + ihl, off + tot, key, info);
}

/* Tells whether an IPv6 next header value is an extension header the walk
 * steps over. */
static __always_inline int xs_ipv6_is_ext(__u8 nh)
{
	return nh == XS_IPPROTO_HOPOPTS || nh == XS_IPPROTO_ROUTING ||
	       nh == XS_IPPROTO_DSTOPTS || nh == XS_IPPROTO_AH ||
	       nh == XS_IPPROTO_FRAGMENT;
}

/* The IPv6 header at off, its extension headers and what follows them. */
static __always_inline int xs_parse_ipv6(void *data, void *data_end, __u32 pkt_len,
					 __u32 off, struct xs_flow_key *key,
					 struct xs_parse_info *info)
{
	struct xs_ipv6_hdr *ip6 = data + off;
	__u32 limit;
	__u8 nh, frag = 0;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return XS_PARSE_PARTIAL;
	limit = sizeof(*ip6) + bpf_ntohs(ip6->plen);
	if (off + limit > pkt_len || off + limit + 255 < pkt_len)
		return XS_PARSE_PARTIAL;
	limit += off;

	__builtin_memcpy(key->ipv6_src, ip6->saddr, 16);
	__builtin_memcpy(key->ipv6_dst, ip6->daddr, 16);
	info->l3_off = off;
	info->l3 = XS_L3_IPV6;
	info->nw_end = limit;
	nh = ip6->nexthdr;
	off += sizeof(*ip6);

	for (i = 0; i < XS_IPV6_MAX_EXT; i++) {
		struct xs_ipv6_ext_hdr *ext = data + off;
		__u32 len;

		if (!xs_ipv6_is_ext(nh))
			break;
		/* off + 8 <= limit implies the pointer test, which the
		 * verifier needs to allow the read. */
		if (off + sizeof(*ext) > limit || (void *)(ext + 1) > data_end)
			return XS_PARSE_PARTIAL;
		if (nh == XS_IPPROTO_FRAGMENT) {
			len = sizeof(*ext);
			nh = ext->nexthdr;
			if (ext->frag_off) {
				frag = XS_FRAG_ANY;
				if (ext->frag_off & bpf_htons(0xfff8)) {
					frag |= XS_FRAG_LATER;
					nh = XS_IPPROTO_FRAGMENT;
				}
			}
		} else {
			len = nh == XS_IPPROTO_AH ? (ext->len + 2) * 4 :
						    (ext->len + 1) * 8;
			nh = ext->nexthdr;
		}
		if (off + len > limit)
			return XS_PARSE_PARTIAL;
		off += len;
		if (frag & XS_FRAG_LATER)
			break;
	}

	key->ipv6_label = ip6->vtc_flow & bpf_htonl(0x000fffff);
	key->nw_tos = bpf_ntohl(ip6->vtc_flow) >> 20;
	key->nw_ttl = ip6->hop_limit;
	key->nw_proto = nh;
	key->nw_frag = frag;
	if (frag & XS_FRAG_LATER)
		return XS_PARSE_OK;
	if (xs_ipv6_is_ext(nh))
		return XS_PARSE_PARTIAL; /* more than XS_IPV6_MAX_EXT headers */
	if (frag)
		info->flags |= XS_PI_FRAG_FIRST;
	return xs_parse_l4(data, data_end, off, limit, key, info);
}

/* The ARP/RARP header at off: Ethernet/IPv4 ARP only. */
static __always_inline int xs_parse_arp(void *data, void *data_end, __u32 off,
					struct xs_flow_key *key,
					struct xs_parse_info *info)
{
	struct xs_arp_hdr *arp = data + off;

	if ((void *)(arp + 1) > data_end)
		return XS_PARSE_PARTIAL;
	if (arp->hrd != bpf_htons(1) || arp->pro != bpf_htons(XS_ETH_P_IPV4) ||
	    arp->hln != 6 || arp->pln != 4)
		return XS_PARSE_OK;
	__builtin_memcpy(&key->nw_src, arp->spa, 4);
	__builtin_memcpy(&key->nw_dst, arp->tpa, 4);
	if (bpf_ntohs(arp->op) <= 0xff)
		key->nw_proto = bpf_ntohs(arp->op);
	__builtin_memcpy(key->arp_sha, arp->sha, 6);
	__builtin_memcpy(key->arp_tha, arp->tha, 6);
	info->l3_off = off;
	info->l3 = XS_L3_ARP;
	return XS_PARSE_OK;
}

/* Parses the frame of @pkt_len bytes at @data, whose headers are in
 * [data, data_end), starting at an even address, into key, which the
 * caller has zeroed (in_port may be set; nothing else is read). Fills
 * every field of info. @pkt_len is more than data_end - data for an skb
 * whose payload is not all in its linear part, as a GRO super-packet's
 * (a GSO skb: one IP header announcing the whole merged datagram, up to
 * 64 KiB): the IP length is checked against it, headers are read from the
 * linear part only.
 * Returns XS_PARSE_OK, or XS_PARSE_PARTIAL when the packet ended or was
 * malformed before its last header, or a walk bound was hit; the key then
 * holds the fields parsed before that point, as the file comment lists. */
static __always_inline int xs_parse_pkt(void *data, void *data_end, __u32 pkt_len,
					struct xs_flow_key *key,
					struct xs_parse_info *info)
{
	struct xs_eth_hdr *eth = data;
	__u32 off = 2 * 6; /* the first type field */
	__be16 type;
	int i;

	__builtin_memset(info, 0, sizeof(*info));
	info->len = data_end - data > 0xffff ? 0xffff : data_end - data;
	if ((void *)(eth + 1) > data_end)
		return XS_PARSE_PARTIAL;
	__builtin_memcpy(key->dl_dst, eth->dst, 6);
	__builtin_memcpy(key->dl_src, eth->src, 6);
	type = eth->type;

	for (i = 0; i < XS_MAX_VLAN; i++) {
		struct xs_vlan_hdr *tag = data + off;

		if (type != bpf_htons(XS_ETH_P_8021Q) &&
		    type != bpf_htons(XS_ETH_P_8021AD))
			break;
		/* The tag and the type after it must be present. */
		if ((void *)tag + sizeof(*tag) + 2 > data_end) {
			key->dl_type = type;
			return XS_PARSE_PARTIAL;
		}
		key->vlan[i].tpid = type;
		key->vlan[i].tci = tag->tci | bpf_htons(XS_VLAN_PRESENT);
		off += sizeof(*tag);
		type = *(__be16 *)(data + off);
		info->n_vlan = i + 1;
	}
	off += 2;

	if (bpf_ntohs(type) < XS_ETH_TYPE_MIN) {
		struct xs_llc_snap_hdr *llc = data + off;

		if ((void *)(llc + 1) > data_end || llc->dsap != 0xaa ||
		    llc->ssap != 0xaa || llc->ctrl != 0x03 || llc->oui[0] ||
		    llc->oui[1] || llc->oui[2] ||
		    bpf_ntohs(llc->type) < XS_ETH_TYPE_MIN) {
			key->dl_type = bpf_htons(XS_DL_TYPE_NONE);
			return XS_PARSE_OK;
		}
		type = llc->type;
		off += sizeof(*llc);
	}
	key->dl_type = type;

	switch (type) {
	case bpf_htons(XS_ETH_P_IPV4):
		return xs_parse_ipv4(data, data_end, pkt_len, off, key, info);
	case bpf_htons(XS_ETH_P_IPV6):
		return xs_parse_ipv6(data, data_end, pkt_len, off, key, info);
	case bpf_htons(XS_ETH_P_ARP):
	case bpf_htons(XS_ETH_P_RARP):
		return xs_parse_arp(data, data_end, off, key, info);
	case bpf_htons(XS_ETH_P_8021Q):
	case bpf_htons(XS_ETH_P_8021AD):
		/* A third tag: not parsed (dl_type tells). */
		return XS_PARSE_PARTIAL;
	}
	return XS_PARSE_OK;
}

/* Parses the frame [data, data_end), at most 65535 bytes, all linear (an
 * XDP frame, a test's buffer): xs_parse_pkt() above. */
static __always_inline int xs_parse(void *data, void *data_end,
				    struct xs_flow_key *key,
				    struct xs_parse_info *info)
{
	return xs_parse_pkt(data, data_end, data_end - data, key, info);
}

#endif
