// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ct on an ICMP error (ICMP destination unreachable, time exceeded,
 * parameter problem; ICMPv6 types 1-4): +rel, which a lookup from BPF does
 * not derive. As the kernel's nf_conntrack_icmp does, the error carries
 * the head of the packet it answers; that embedded tuple, reversed, is the
 * tuple of the direction the error travels. Found: +trk+rel, and +rpl when
 * that is the connection's reply direction (OVS's CS_RELATED/CS_REPLY_DIR
 * from IP_CT_RELATED(_REPLY)); not found: +trk+inv, as before.
 *
 * With nat, a related error is translated as the kernel's
 * nf_nat_icmp_reply_translation does it: the embedded packet becomes the
 * connection's tuple of the other direction (addresses, ports, its IPv4
 * header checksum and its TCP/UDP checksum), the outer addresses only on
 * the side the connection translates in this direction (an error from a
 * router on the path keeps the router's source), and the ICMP checksum
 * follows every changed byte (ICMPv6's also the outer pseudo header).
 *
 * Included by execute_tc.h after conntrack.h. */
#ifndef XDPSWITCH_BPF_CT_RELATED_H
#define XDPSWITCH_BPF_CT_RELATED_H

/* Is @key an ICMP error the ct action looks up as related? */
static __always_inline int xs_ct_is_icmp_error(const struct xs_flow_key *key)
{
	__u16 type = bpf_ntohs(key->tp_src);

	if (key->nw_frag & XS_FRAG_ANY)
		return 0;
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV4) && key->nw_proto == XS_IPPROTO_ICMP)
		return type == 3 || type == 11 || type == 12;
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV6) && key->nw_proto == XS_IPPROTO_ICMPV6)
		return type >= 1 && type <= 4;
	return 0;
}

/* The embedded packet's head, as loaded from the error. */
struct xs_ct_inner {
	union {
		struct xs_ipv4_hdr v4;
		struct xs_ipv6_hdr v6;
	} ip;
	__be16 sport;
	__be16 dport;
	__be16 udp_len;  /* UDP: length; TCP: half of the sequence number */
	__be16 udp_csum; /* UDP: checksum; TCP: the other half */
};

/* Bits of xs_ct_nat_target.pad for a related error: which outer address
 * the connection translates in the error's direction. */
#define XS_CT_REL_SRC 0x1
#define XS_CT_REL_DST 0x2

/* Loads the embedded packet's head of the ICMP error whose ICMP header is
 * at @l4_off into @in; sets @inner_l4 to its L4 offset. Returns its IP
 * protocol (TCP or UDP), or 0 when there is no such head to read (IPv4
 * options or a later fragment, IPv6 extension headers, cut short). */
static __always_inline __u8 xs_ct_inner_load(struct __sk_buff *skb, int ip4, __u32 l4_off,
					     struct xs_ct_inner *in, __u32 *inner_l4)
{
	__u32 inner_off = l4_off + sizeof(struct xs_icmp_hdr);
	__u8 proto;

	if (ip4) {
		if (bpf_skb_load_bytes(skb, inner_off, &in->ip.v4, sizeof(in->ip.v4)) ||
		    in->ip.v4.ver_ihl != 0x45 || (in->ip.v4.frag_off & bpf_htons(0x1fff)))
			return 0;
		proto = in->ip.v4.proto;
		*inner_l4 = inner_off + sizeof(in->ip.v4);
	} else {
		if (bpf_skb_load_bytes(skb, inner_off, &in->ip.v6, sizeof(in->ip.v6)) ||
		    (in->ip.v6.vtc_flow & bpf_htonl(0xf0000000)) != bpf_htonl(0x60000000))
			return 0;
		proto = in->ip.v6.nexthdr;
		*inner_l4 = inner_off + sizeof(in->ip.v6);
	}
	if ((proto != XS_IPPROTO_TCP && proto != XS_IPPROTO_UDP) ||
	    bpf_skb_load_bytes(skb, *inner_l4, &in->sport, 8))
		return 0;
	return proto;
}

/* The ct action @a on an ICMP error (xs_ct_is_icmp_error): fills @key's
 * ct fields. @t->l4_off: the ICMP header's offset. Global function:
 * verified once. Returns 0, or 1 when the error is to be translated to
 * @t (xs_ct_rel_nat, which the caller runs: not nested, for the call
 * chain's stack). */
__attribute__((noinline)) int xs_ct_related(struct __sk_buff *skb, struct xs_flow_key *key,
					    const struct xs_action *a,
					    struct xs_ct_nat_target *t)
{
	struct bpf_ct_opts o = { .netns_id = XS_BPF_F_CURRENT_NETNS };
	struct bpf_sock_tuple tu = {};
	struct xs_ct_inner in;
	__u32 inner_l4, status;
	struct nf_conn *ct;
	int ip4, dir;
	__u8 proto;

	if (!skb || !key || !a || !t) /* verifier: global function arguments */
		return 0;
	xs_count(XS_STAT_CT_LOOKUP);
	if (XS_CT_TUPLE_VALID(key->ct_state)) /* an earlier ct's */
		xs_ct_key_tuple_clear(key);
	key->ct_zone = bpf_htons(a->arg);
	key->ct_mark = 0;
	o.ct_zone_id = a->arg;
	ip4 = key->dl_type == bpf_htons(XS_ETH_P_IPV4);
	if (!t->l4_off || t->l4_off > XS_MAX_HDR_OFF)
		goto inv;
	proto = xs_ct_inner_load(skb, ip4, t->l4_off, &in, &inner_l4);
	if (!proto)
		goto inv;
	/* The embedded tuple reversed: the error's own direction. */
	if (ip4) {
		tu.ipv4.saddr = in.ip.v4.daddr;
		tu.ipv4.daddr = in.ip.v4.saddr;
		tu.ipv4.sport = in.dport;
		tu.ipv4.dport = in.sport;
	} else {
		__builtin_memcpy(tu.ipv6.saddr, in.ip.v6.daddr, 16);
		__builtin_memcpy(tu.ipv6.daddr, in.ip.v6.saddr, 16);
		tu.ipv6.sport = in.dport;
		tu.ipv6.dport = in.sport;
	}
	o.l4proto = proto;
	ct = bpf_skb_ct_lookup(skb, &tu, ip4 ? sizeof(tu.ipv4) : sizeof(tu.ipv6), &o, sizeof(o));
	if (!ct)
		goto inv;
	dir = o.dir == XS_CT_DIR_REPLY;
	status = ct->status;
	key->ct_state = XS_CS_TRK | XS_CS_REL | (dir ? XS_CS_RPL : 0);
	/* A commit of a related packet sets the connection's mark, as the
	 * kernel's ct action does on the master connection. */
	if ((a->flags & XS_CT_F_COMMIT) && (a->flags & XS_CT_F_MARK))
		ct->mark = xs_ct_new_mark(ct->mark, a);
	key->ct_mark = bpf_htonl(ct->mark);
	xs_ct_key_tuple(key, ct, proto); /* the master's original direction */
	t->pad = 0;
	if ((a->flags & XS_CT_F_NAT) && (status & (XS_IPS_SRC_NAT | XS_IPS_DST_NAT))) {
		if (status & XS_IPS_SRC_NAT)
			key->ct_state |= XS_CS_SNAT;
		if (status & XS_IPS_DST_NAT)
			key->ct_state |= XS_CS_DNAT;
		xs_ct_nat_target(t, ct, dir);
		if (status & (dir ? XS_IPS_DST_NAT : XS_IPS_SRC_NAT))
			t->pad |= XS_CT_REL_SRC;
		if (status & (dir ? XS_IPS_SRC_NAT : XS_IPS_DST_NAT))
			t->pad |= XS_CT_REL_DST;
	}
	bpf_ct_release(ct);
	xs_count(XS_STAT_CT_RELATED);
	return (status & (XS_IPS_SRC_NAT | XS_IPS_DST_NAT)) && (a->flags & XS_CT_F_NAT);
inv:
	xs_count(XS_STAT_CT_INVALID);
	key->ct_state = XS_CS_TRK | XS_CS_INV;
	return 0;
}

/* Rewrites the outer address at @off (4 or 16 bytes) from @from to @to:
 * IPv4 with its header checksum (ICMPv4 has no pseudo header); returns
 * IPv6's diff, for the ICMPv6 pseudo header. */
static __always_inline __u32 xs_ct_rel_outer(struct __sk_buff *skb, __u32 l3_off, __u32 off,
					     int ip4, const __u32 *from, const __u32 *to)
{
	if (ip4) {
		if (from[0] != to[0] && (bpf_skb_store_bytes(skb, off, to, 4, 0) ||
					 bpf_l3_csum_replace(skb, l3_off + 10, from[0], to[0], 4)))
			return 0xffffffff;
		return 0;
	}
	if (bpf_skb_store_bytes(skb, off, to, 16, 0))
		return 0xffffffff;
	return xs_csum_diff16(from, to);
}

/* Translates a related error to @t (xs_ct_related's answer; see the top
 * of this file), in the packet and in @key's outer addresses. Global
 * function: verified once. Returns 0 or -EINVAL. */
__attribute__((noinline)) int xs_ct_rel_nat(struct __sk_buff *skb, const struct xs_pkt *p,
					    struct xs_flow_key *key,
					    const struct xs_ct_nat_target *t)
{
	__u64 d_icmp = 0, d_pseudo = 0;
	__u32 d_l4, inner_l4, l3_off, l4_off;
	struct xs_ct_inner in;
	__be16 csum, old;
	int ip4;
	__u8 proto;

	if (!skb || !p || !key || !t) /* verifier: global function arguments */
		return -EINVAL;
	ip4 = key->dl_type == bpf_htons(XS_ETH_P_IPV4);
	l3_off = p->l3_off;
	l4_off = p->l4_off;
	if (l3_off > XS_MAX_HDR_OFF || l4_off > XS_MAX_HDR_OFF)
		return -EINVAL;
	proto = xs_ct_inner_load(skb, ip4, l4_off, &in, &inner_l4);
	if (!proto)
		return -EINVAL;
	/* The embedded packet becomes the connection's tuple of the other
	 * direction: source <- t->dst, destination <- t->src. */
	if (ip4) {
		d_l4 = xs_csum_diff4(in.ip.v4.saddr, t->dst.ip) +
		       xs_csum_diff4(in.ip.v4.daddr, t->src.ip);
		in.ip.v4.saddr = t->dst.ip;
		in.ip.v4.daddr = t->src.ip;
		old = in.ip.v4.csum;
		xs_csum_apply(&in.ip.v4.csum, d_l4);
		d_icmp += xs_csum_diff2(old, in.ip.v4.csum);
	} else {
		d_l4 = xs_csum_diff16((const __u32 *)in.ip.v6.saddr, t->dst.all) +
		       xs_csum_diff16((const __u32 *)in.ip.v6.daddr, t->src.all);
		__builtin_memcpy(in.ip.v6.saddr, &t->dst, 16);
		__builtin_memcpy(in.ip.v6.daddr, &t->src, 16);
	}
	d_l4 += xs_csum_diff2(in.sport, t->dport) + xs_csum_diff2(in.dport, t->sport);
	d_icmp += d_l4;
	in.sport = t->dport;
	in.dport = t->sport;
	/* Its TCP/UDP checksum (pseudo header and ports), when quoted. */
	if (proto == XS_IPPROTO_UDP) {
		old = in.udp_csum;
		xs_csum_apply_udp(&in.udp_csum, d_l4);
		d_icmp += xs_csum_diff2(old, in.udp_csum);
	} else if (!bpf_skb_load_bytes(skb, inner_l4 + 16, &csum, 2)) {
		old = csum;
		xs_csum_apply(&csum, d_l4);
		d_icmp += xs_csum_diff2(old, csum);
		if (bpf_skb_store_bytes(skb, inner_l4 + 16, &csum, 2, 0))
			return -EINVAL;
	}
	if (bpf_skb_store_bytes(skb, l4_off + sizeof(struct xs_icmp_hdr), &in.ip,
				ip4 ? sizeof(in.ip.v4) : sizeof(in.ip.v6), 0) ||
	    bpf_skb_store_bytes(skb, inner_l4, &in.sport, 8, 0))
		return -EINVAL;

	/* The outer addresses, on the translated side only: an error from a
	 * router on the path keeps the router's address. */
	if (t->pad & XS_CT_REL_SRC) {
		d_pseudo += xs_ct_rel_outer(skb, l3_off, l3_off + (ip4 ? 12 : 8), ip4,
					    ip4 ? &key->nw_src : (const __u32 *)key->ipv6_src,
					    t->src.all);
		if (ip4)
			key->nw_src = t->src.ip;
		else
			__builtin_memcpy(key->ipv6_src, &t->src, 16);
	}
	if (t->pad & XS_CT_REL_DST) {
		d_pseudo += xs_ct_rel_outer(skb, l3_off, l3_off + (ip4 ? 16 : 24), ip4,
					    ip4 ? &key->nw_dst : (const __u32 *)key->ipv6_dst,
					    t->dst.all);
		if (ip4)
			key->nw_dst = t->dst.ip;
		else
			__builtin_memcpy(key->ipv6_dst, &t->dst, 16);
	}
	if (d_pseudo >= 0xffffffff)
		return -EINVAL; /* a store failed */
	/* The ICMP checksum: the message's bytes, then (ICMPv6) the pseudo
	 * header, each the helper's own way for the skb's checksum state. */
	if (bpf_l4_csum_replace(skb, l4_off + 2, 0, xs_csum_fold(d_icmp), 0))
		return -EINVAL;
	if (d_pseudo && bpf_l4_csum_replace(skb, l4_off + 2, 0, xs_csum_fold(d_pseudo),
					    BPF_F_PSEUDO_HDR | BPF_F_IPV6))
		return -EINVAL;
	return 0;
}

#endif
