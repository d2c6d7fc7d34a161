// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Header rewrites shared by the XDP and TC executors. They work on plain
 * [data, data_end) pointers and describe the checksum work they leave in a
 * struct xs_csum_fix, which each program type applies its own way (XDP:
 * arithmetic on the field; TC: bpf_l3/l4_csum_replace, which also keep the
 * skb's checksum state right). VLAN tags, outputs and upcalls differ between
 * XDP and skb and live in execute.h / execute_tc.h. */
#ifndef XDPSWITCH_BPF_REWRITE_H
#define XDPSWITCH_BPF_REWRITE_H

#include <linux/errno.h>
#include <bpf/bpf_endian.h>
#include "xdpswitch/actions.h"
#include "parse.h"
#include "csum.h"

/* Rewrites of 16-bit fields inside a loaded word and the SCTP CRC update
 * assume little-endian loads (the BPF target of x86 and arm64). */
XS_STATIC_ASSERT(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian BPF target");

/* Where the headers of the packet being executed are. Starts as the
 * parser's xs_parse_info; VLAN pushes and pops move the offsets. */
struct xs_pkt {
	__u32 slot;      /* megaflow slot, for upcalls */
	__u16 l3_off;    /* 0: no usable L3 header */
	__u16 l4_off;    /* 0: no L4 header (later fragment, cut, other) */
	__u16 nw_end;    /* end of the IP datagram */
	__u8 l3;         /* enum xs_l3_kind */
	__u8 l4_proto;   /* IP protocol at l4_off */
};

/* Checksum work left by a rewrite. One diff serves both fields: an address
 * is covered by the IPv4 header checksum and the L4 pseudo header. */
#define XS_FIX_UDP 0x01    /* L4 checksum is UDP's: zero means none */
#define XS_FIX_PSEUDO 0x02 /* the change is in the L4 pseudo header */
#define XS_FIX_IPV6 0x04   /* the packet is IPv6 */
struct xs_csum_fix {
	__u32 diff;      /* sum of ~old + new (see csum.h) */
	__u32 crc;       /* SCTP: xor into the CRC32c field */
	__u16 l3_csum;   /* offset of the IPv4 header checksum, 0: none */
	__u16 l4_csum;   /* offset of the TCP/UDP/ICMP checksum, 0: none */
	__u16 sctp_csum; /* offset of the SCTP CRC32c, 0: none */
	__u8 l4_flags;   /* XS_FIX_* */
	__u8 pad;
};

/* Result of xs_rewrite() besides 0 and -errno. */
#define XS_RW_TTL_EXPIRED 1

/* Largest header offset the executor accepts. Offsets come from memory
 * (struct xs_pkt) as full 16-bit values; the verifier tracks packet ranges
 * only for pointers whose offset bound plus access stays below 64 KiB, so
 * each use is bounded by this first. IPv6 extension headers (at most
 * XS_IPV6_MAX_EXT of up to 2 KiB each) stay well inside it. */
#define XS_MAX_HDR_OFF 0x3fff

/* Pointer to @len bytes at offset @off of the frame, or NULL. */
static __always_inline void *xs_hdr(void *data, void *data_end, __u32 off,
				    __u32 len)
{
	__u64 o = off;
	void *h;

	/* Keep the bound check and the addition on one register: clang
	 * otherwise checks a copy, and the verifier cannot see the bound. */
	asm volatile("" : "+r"(o));
	if (o > XS_MAX_HDR_OFF)
		return NULL;
	h = data + o;
	if (h + len > data_end)
		return NULL;
	return h;
}

/* Points @fix at the L4 checksum of @p for a change of @diff (flags
 * XS_FIX_PSEUDO/IPV6 as given). Protocols without a checksum covering
 * the change (ICMPv4 for addresses, SCTP) leave it alone. */
static __always_inline void xs_fix_l4(const struct xs_pkt *p, __u32 diff,
				      __u8 flags, struct xs_csum_fix *fix)
{
	if (!p->l4_off)
		return;
	fix->diff = diff;
	switch (p->l4_proto) {
	case XS_IPPROTO_TCP:
		fix->l4_csum = p->l4_off + 16;
		break;
	case XS_IPPROTO_UDP:
		fix->l4_csum = p->l4_off + 6;
		flags |= XS_FIX_UDP;
		break;
	case XS_IPPROTO_ICMP:
		if (flags & XS_FIX_PSEUDO)
			return; /* ICMPv4 has no pseudo header */
		fix->l4_csum = p->l4_off + 2;
		break;
	case XS_IPPROTO_ICMPV6:
		fix->l4_csum = p->l4_off + 2;
		break;
	default:
		return;
	}
	fix->l4_flags = flags;
}

static __always_inline int xs_rw_eth(void *data, void *data_end,
				     const struct xs_action *a)
{
	struct xs_eth_hdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return -EINVAL;
	__builtin_memcpy(a->type == XS_ACT_SET_ETH_SRC ? eth->src : eth->dst,
			 a->u.mac, 6);
	return 0;
}

static __always_inline struct xs_ipv4_hdr *
xs_ipv4(void *data, void *data_end, const struct xs_pkt *p)
{
	if (p->l3 != XS_L3_IPV4)
		return NULL;
	return xs_hdr(data, data_end, p->l3_off, sizeof(struct xs_ipv4_hdr));
}

static __always_inline struct xs_ipv6_hdr *
xs_ipv6(void *data, void *data_end, const struct xs_pkt *p)
{
	if (p->l3 != XS_L3_IPV6)
		return NULL;
	return xs_hdr(data, data_end, p->l3_off, sizeof(struct xs_ipv6_hdr));
}

static __always_inline int xs_rw_ipv4_addr(void *data, void *data_end,
					   const struct xs_pkt *p,
					   const struct xs_action *a,
					   struct xs_csum_fix *fix)
{
	struct xs_ipv4_hdr *ip = xs_ipv4(data, data_end, p);
	__be32 *field, old, new;

	if (!ip)
		return -EINVAL;
	field = a->type == XS_ACT_SET_IPV4_SRC ? &ip->saddr : &ip->daddr;
	old = *field;
	new = a->u.be32[0];
	if (a->flags & XS_SET_F_MASKED)
		new = (old & ~a->u.be32[1]) | new;
	*field = new;
	fix->diff = xs_csum_diff4(old, new);
	fix->l3_csum = p->l3_off + 10;
	xs_fix_l4(p, fix->diff, XS_FIX_PSEUDO, fix);
	return 0;
}

static __always_inline int xs_rw_ipv6_addr(void *data, void *data_end,
					   const struct xs_pkt *p,
					   const struct xs_action *a,
					   struct xs_csum_fix *fix)
{
	struct xs_ipv6_hdr *ip6 = xs_ipv6(data, data_end, p);
	__u32 *field, old[4];

	if (!ip6)
		return -EINVAL;
	field = (__u32 *)(a->type == XS_ACT_SET_IPV6_SRC ? ip6->saddr : ip6->daddr);
	__builtin_memcpy(old, field, 16);
	__builtin_memcpy(field, a->u.bytes, 16);
	xs_fix_l4(p, xs_csum_diff16(old, a->u.be32), XS_FIX_PSEUDO | XS_FIX_IPV6, fix);
	return 0;
}

static __always_inline int xs_rw_label(void *data, void *data_end,
				       const struct xs_pkt *p,
				       const struct xs_action *a)
{
	struct xs_ipv6_hdr *ip6 = xs_ipv6(data, data_end, p);
	__be32 m = a->u.be32[1] & bpf_htonl(0x000fffff);

	if (!ip6)
		return -EINVAL;
	ip6->vtc_flow = (ip6->vtc_flow & ~m) | (a->u.be32[0] & m);
	return 0;
}

/* IPv4 TOS or IPv6 traffic class, bits in u.bytes[1] set to u.bytes[0]. */
static __always_inline int xs_rw_tos(void *data, void *data_end,
				     const struct xs_pkt *p,
				     const struct xs_action *a,
				     struct xs_csum_fix *fix)
{
	__u8 val = a->u.bytes[0], mask = a->u.bytes[1];
	struct xs_ipv4_hdr *ip = xs_ipv4(data, data_end, p);
	struct xs_ipv6_hdr *ip6;

	if (ip) {
		__u16 old = *(__u16 *)ip;

		ip->tos = (ip->tos & ~mask) | (val & mask);
		fix->diff = xs_csum_diff2(old, *(__u16 *)ip);
		fix->l3_csum = p->l3_off + 10;
		return 0;
	}
	ip6 = xs_ipv6(data, data_end, p);
	if (!ip6)
		return -EINVAL;
	__u32 w = bpf_ntohl(ip6->vtc_flow);
	__u32 m = (__u32)mask << 20;

	w = (w & ~m) | (((__u32)val << 20) & m);
	ip6->vtc_flow = bpf_htonl(w);
	return 0;
}

/* SET_NW_TTL (@dec 0) or DEC_TTL (@dec 1). DEC_TTL leaves a packet whose
 * TTL is <= 1 unchanged and returns XS_RW_TTL_EXPIRED; on a packet that is
 * not IP it does nothing. */
static __always_inline int xs_rw_ttl(void *data, void *data_end,
				     const struct xs_pkt *p,
				     const struct xs_action *a, int dec,
				     struct xs_csum_fix *fix)
{
	struct xs_ipv4_hdr *ip = xs_ipv4(data, data_end, p);
	struct xs_ipv6_hdr *ip6;
	__u8 *ttl;

	if (ip) {
		ttl = &ip->ttl;
	} else {
		ip6 = xs_ipv6(data, data_end, p);
		if (!ip6)
			return dec ? 0 : -EINVAL;
		ttl = &ip6->hop_limit;
	}
	if (dec && *ttl <= 1)
		return XS_RW_TTL_EXPIRED;
	if (ip) {
		/* TTL shares a checksummed 16-bit word with the protocol. */
		__u16 old = *(__u16 *)ttl;

		*ttl = dec ? *ttl - 1 : a->u.bytes[0];
		fix->diff = xs_csum_diff2(old, *(__u16 *)ttl);
		fix->l3_csum = p->l3_off + 10;
	} else {
		*ttl = dec ? *ttl - 1 : a->u.bytes[0];
	}
	return 0;
}

/* TCP/UDP/SCTP port or ICMP/ICMPv6 type (SET_TP_SRC) and code
 * (SET_TP_DST). SCTP's CRC32c is updated without a packet walk (csum.h). */
static __always_inline int xs_rw_tp(void *data, void *data_end,
				    const struct xs_pkt *p,
				    const struct xs_action *a,
				    struct xs_csum_fix *fix)
{
	int dst = a->type == XS_ACT_SET_TP_DST;
	void *l4 = xs_hdr(data, data_end, p->l4_off, sizeof(struct xs_udp_hdr));
	__u32 old, new, shift;
	__u16 mask;

	if (!p->l4_off || !l4)
		return -EINVAL;
	/* Work on the first 4 bytes (both ports, or type, code and checksum)
	 * as one little-endian value: byte i is bits 8i..8i+7. Memcpy, as a
	 * 16-bit store and a 32-bit load of the same bytes are not ordered
	 * under C's aliasing rules. */
	__builtin_memcpy(&old, l4, 4);
	switch (p->l4_proto) {
	case XS_IPPROTO_TCP:
	case XS_IPPROTO_UDP:
	case XS_IPPROTO_SCTP:
		shift = 16 * dst;
		mask = a->flags & XS_SET_F_MASKED ? a->u.be16[1] : 0xffff;
		new = (old & ~((__u32)mask << shift)) | ((__u32)a->u.be16[0] << shift);
		break;
	case XS_IPPROTO_ICMP:
	case XS_IPPROTO_ICMPV6:
		shift = 8 * dst;
		new = (old & ~(0xffu << shift)) |
		      ((__u32)(bpf_ntohs(a->u.be16[0]) & 0xff) << shift);
		break;
	default:
		return -EINVAL;
	}
	__builtin_memcpy(l4, &new, 4);
	if (p->l4_proto == XS_IPPROTO_SCTP) {
		__u32 after = p->nw_end - p->l4_off - 4;

		fix->crc = xs_crc32c_delta(old ^ new, after);
		fix->sctp_csum = p->l4_off + 8;
		return 0;
	}
	/* Both 16-bit words in one diff: the one that did not change adds
	 * nothing (~x + x is zero in one's complement). */
	xs_fix_l4(p, xs_csum_diff4(old, new), p->l3 == XS_L3_IPV6 ? XS_FIX_IPV6 : 0, fix);
	return 0;
}

static __always_inline int xs_rw_arp(void *data, void *data_end,
				     const struct xs_pkt *p,
				     const struct xs_action *a)
{
	struct xs_arp_hdr *arp = xs_hdr(data, data_end, p->l3_off, sizeof(*arp));

	if (p->l3 != XS_L3_ARP || !arp)
		return -EINVAL;
	switch (a->flags) {
	case XS_ARP_FIELD_OP:
		arp->op = a->u.be16[0];
		break;
	case XS_ARP_FIELD_SPA:
		__builtin_memcpy(arp->spa, a->u.be32, 4);
		break;
	case XS_ARP_FIELD_TPA:
		__builtin_memcpy(arp->tpa, a->u.be32, 4);
		break;
	case XS_ARP_FIELD_SHA:
		__builtin_memcpy(arp->sha, a->u.mac, 6);
		break;
	case XS_ARP_FIELD_THA:
		__builtin_memcpy(arp->tha, a->u.mac, 6);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Runs one rewrite action (not output, VLAN or to-agent) on the frame and
 * leaves its checksum work in @fix (zeroed by the caller). Returns 0,
 * XS_RW_TTL_EXPIRED, -EINVAL when the packet lacks the header the action
 * needs, -EOPNOTSUPP for an action type this function does not run. */
static __always_inline int xs_rewrite(void *data, void *data_end,
				      const struct xs_pkt *p,
				      const struct xs_action *a,
				      struct xs_csum_fix *fix)
{
	switch (a->type) {
	case XS_ACT_SET_ETH_SRC:
	case XS_ACT_SET_ETH_DST:
		return xs_rw_eth(data, data_end, a);
	case XS_ACT_SET_IPV4_SRC:
	case XS_ACT_SET_IPV4_DST:
		return xs_rw_ipv4_addr(data, data_end, p, a, fix);
	case XS_ACT_SET_IPV6_SRC:
	case XS_ACT_SET_IPV6_DST:
		return xs_rw_ipv6_addr(data, data_end, p, a, fix);
	case XS_ACT_SET_IPV6_LABEL:
		return xs_rw_label(data, data_end, p, a);
	case XS_ACT_SET_NW_TOS:
		return xs_rw_tos(data, data_end, p, a, fix);
	case XS_ACT_SET_NW_TTL:
		return xs_rw_ttl(data, data_end, p, a, 0, fix);
	case XS_ACT_DEC_TTL:
		return xs_rw_ttl(data, data_end, p, a, 1, fix);
	case XS_ACT_SET_TP_SRC:
	case XS_ACT_SET_TP_DST:
		return xs_rw_tp(data, data_end, p, a, fix);
	case XS_ACT_SET_ARP:
		return xs_rw_arp(data, data_end, p, a);
	}
	return -EOPNOTSUPP;
}

/* Applies @fix to the frame by arithmetic (XDP). Returns 0 or -EINVAL if a
 * checksum field lies beyond the frame. */
static __always_inline int xs_fix_apply(void *data, void *data_end,
					const struct xs_csum_fix *fix)
{
	if (fix->l3_csum) {
		__u16 *s = xs_hdr(data, data_end, fix->l3_csum, 2);

		if (!s)
			return -EINVAL;
		xs_csum_apply(s, fix->diff);
	}
	if (fix->l4_csum) {
		__u16 *s = xs_hdr(data, data_end, fix->l4_csum, 2);

		if (!s)
			return -EINVAL;
		if (fix->l4_flags & XS_FIX_UDP)
			xs_csum_apply_udp(s, fix->diff);
		else
			xs_csum_apply(s, fix->diff);
	}
	return 0;
}

/* SCTP's CRC32c, on either path (the kernel has no helper for it). */
static __always_inline int xs_fix_apply_crc(void *data, void *data_end,
					    const struct xs_csum_fix *fix)
{
	__u32 *c;

	if (!fix->sctp_csum)
		return 0;
	c = xs_hdr(data, data_end, fix->sctp_csum, 4);
	if (!c)
		return -EINVAL;
	*c ^= fix->crc;
	return 0;
}

#endif
