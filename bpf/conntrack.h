// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The ct action on skbs (TC stage): the kernel's own connection tracker
 * through the BPF conntrack kfuncs, so connections are the host's (visible
 * in `conntrack -L`, subject to nf_conntrack_max, sharing zones and marks
 * with nftables).
 *
 * Why TC and not XDP: the skb kfuncs and the checksum helpers keep a NAT
 * rewrite right whatever the skb's checksum state, and a megaflow with a
 * ct action leaves XDP anyway (XDP passes it up; the agent never marks
 * such a list XS_MF_F_XDP), so XDP pays nothing for it.
 *
 * What a lookup from BPF does NOT do, and what this file does instead:
 *  - no nf_conntrack_in(): no TCP window tracking and no TCP state
 *    machine. ct_state here is derived from direction and status: a
 *    packet in the reply direction is +est+rpl, one in the original
 *    direction +est once a reply was seen, else +new. The kernel's TCP
 *    state (what `conntrack -L` shows) is moved on by the agent through
 *    ctnetlink, told by XS_UPCALL_CT_EVENT records sent here at the few
 *    packets that change it (commit, first reply, FIN, RST): SYN_SENT,
 *    ESTABLISHED, FIN_WAIT/CLOSE_WAIT, TIME_WAIT, CLOSE.
 *  - no IPS_SEEN_REPLY/IPS_ASSURED: set here on the first reply packet
 *    (bpf_ct_change_status), so the kernel's early drop spares the entry.
 *  - no timeout refresh: every tracked packet sets the timeout again, by
 *    protocol, TCP state and flags (XS_CT_TO_*: the kernel's default
 *    sysctl values for each state).
 *  - TCP and UDP only (the kfuncs refuse other protocols): ICMP and
 *    ICMPv6 echo request/reply pairs are tracked in xs_ct_icmp, a BPF LRU
 *    map of this program (not in `conntrack -L`); ICMP errors are related
 *    by ct_related.h; other protocols and IP fragments (no reassembly)
 *    get +trk+inv.
 *  - a new TCP connection must start with a SYN (no ACK/RST/FIN), else
 *    +inv, as OVS's userspace tracker does.
 *  - force cannot delete the old entry (no kfunc does): its timeout is
 *    cut to zero so the kernel reaps it; the packet is then +new.
 * A commit that cannot allocate or insert (table full: nf_conntrack_max)
 * gives +trk+inv and counts CT_FULL, as OVS's datapath gives +inv. */
#ifndef XDPSWITCH_BPF_CONNTRACK_H
#define XDPSWITCH_BPF_CONNTRACK_H

#include <bpf/bpf_helpers.h>
#include "xdpswitch/actions.h"
#include "parse.h"
#include "stats.h"
#include "upcall.h"
#include "ct_label.h"

/* The kernel types the kfuncs take, with only the fields read here; CO-RE
 * (preserve_access_index) relocates them against the running kernel. */
union nf_inet_addr {
	__u32 all[4];
	__be32 ip;
	__be32 ip6[4];
};

struct nf_conntrack_tuple {
	struct {
		union nf_inet_addr u3;
		union {
			__be16 all;
		} u;
	} src;
	struct {
		union nf_inet_addr u3;
		union {
			__be16 all;
		} u;
	} dst;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple_hash {
	struct nf_conntrack_tuple tuple;
} __attribute__((preserve_access_index));

struct ip_ct_tcp {
	__u8 state; /* enum tcp_conntrack, moved on by the agent */
} __attribute__((preserve_access_index));

union nf_conntrack_proto {
	struct ip_ct_tcp tcp;
} __attribute__((preserve_access_index));

struct nf_conn {
	unsigned long status;
	__u32 mark;
	struct nf_conntrack_tuple_hash tuplehash[2];
	union nf_conntrack_proto proto;
} __attribute__((preserve_access_index));

/* An allocated, not yet inserted entry (the kernel's own opaque type). */
struct nf_conn___init {
	struct nf_conn ct;
};

struct bpf_ct_opts {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
};

enum nf_nat_manip_type { NF_NAT_MANIP_SRC, NF_NAT_MANIP_DST };

extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *, struct bpf_sock_tuple *, __u32,
					 struct bpf_ct_opts *, __u32) __ksym;
extern struct nf_conn___init *bpf_skb_ct_alloc(struct __sk_buff *, struct bpf_sock_tuple *,
					       __u32, struct bpf_ct_opts *, __u32) __ksym;
extern struct nf_conn *bpf_ct_insert_entry(struct nf_conn___init *) __ksym;
extern void bpf_ct_release(struct nf_conn *) __ksym;
extern void bpf_ct_set_timeout(struct nf_conn___init *, __u32) __ksym;
extern int bpf_ct_change_timeout(struct nf_conn *, __u32) __ksym;
extern int bpf_ct_change_status(struct nf_conn *, __u32) __ksym;
extern int bpf_ct_set_nat_info(struct nf_conn___init *, union nf_inet_addr *, int,
			       enum nf_nat_manip_type) __ksym;

#define XS_IPS_SEEN_REPLY 0x02
#define XS_IPS_ASSURED 0x04
#define XS_IPS_SRC_NAT 0x10
#define XS_IPS_DST_NAT 0x20
#define XS_CT_DIR_REPLY 1
#define XS_BPF_F_CURRENT_NETNS (-1)

/* Timeouts in ms: the kernel's default nf_conntrack_* sysctls (the agent
 * sets the same ones, in common/ct_netlink.c, when it moves a state). */
#define XS_CT_TO_TCP_SYN_SENT 120000u
#define XS_CT_TO_TCP_SYN_RECV 60000u
#define XS_CT_TO_TCP_ESTABLISHED 432000000u
#define XS_CT_TO_TCP_FIN_WAIT 120000u
#define XS_CT_TO_TCP_CLOSE_WAIT 60000u
#define XS_CT_TO_TCP_LAST_ACK 30000u
#define XS_CT_TO_TCP_TIME_WAIT 120000u
#define XS_CT_TO_TCP_CLOSE 10000u
#define XS_CT_TO_UDP 30000u
#define XS_CT_TO_UDP_STREAM 120000u
#define XS_CT_TO_ICMP_NS (30000ull * 1000000ull)

#define XS_TCP_FIN 0x001
#define XS_TCP_SYN 0x002
#define XS_TCP_RST 0x004
#define XS_TCP_ACK 0x010

/* xs_ct_icmp: ICMP and ICMPv6 echo "connections", keyed by the request's
 * direction. An IPv4 pair holds its addresses in src[0] and dst[0], the
 * rest zero; @v6 keeps the families apart. */
struct xs_ct_icmp_key {
	__be32 src[4];
	__be32 dst[4];
	__be16 id;
	__u16 zone;
	__u8 v6;
	__u8 pad[3];
};

struct xs_ct_icmp_val {
	__u64 last_ns;
	__u32 mark;
	__u32 replied;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct xs_ct_icmp_key);
	__type(value, struct xs_ct_icmp_val);
} xs_ct_icmp SEC(".maps");

/* Tells the agent that a TCP connection moved on (XS_UPCALL_CT_EVENT, no
 * packet bytes), within the port's miss budget: a few records per
 * connection, never one per packet. */
static __always_inline void xs_ct_event(struct __sk_buff *skb, const struct xs_flow_key *key,
					__u16 ev, int dir)
{
	struct xs_upcall *u;

	if (!xs_miss_allowed(skb->ingress_ifindex))
		return;
	u = xs_upcall_reserve(skb->ingress_ifindex, XS_UPCALL_CT_EVENT, ev | dir << 8, 0,
			      key, 0);
	if (!u) {
		xs_count(XS_STAT_MISS_LOST);
		return;
	}
	bpf_ringbuf_submit(u, 0);
}

/* The event a TCP packet of an existing connection causes, or 0. */
static __always_inline __u16 xs_ct_tcp_event(const struct xs_flow_key *key, int dir,
					     __u32 status)
{
	__u16 f = bpf_ntohs(key->tcp_flags);

	if (f & XS_TCP_RST)
		return XS_CT_EV_RST;
	if (f & XS_TCP_FIN)
		return XS_CT_EV_FIN;
	if (dir == XS_CT_DIR_REPLY && !(status & XS_IPS_SEEN_REPLY))
		return XS_CT_EV_ESTABLISHED;
	return 0;
}

/* The timeout a TCP/UDP packet leaves its connection with: by the TCP
 * state the kernel holds (enum tcp_conntrack, which the agent moves on),
 * a RST or FIN in the packet before the agent has heard of it. */
static __always_inline __u32 xs_ct_timeout(const struct xs_flow_key *key, int replied,
					   __u8 tcp_state)
{
	__u16 f = bpf_ntohs(key->tcp_flags);

	if (key->nw_proto != XS_IPPROTO_TCP)
		return replied ? XS_CT_TO_UDP_STREAM : XS_CT_TO_UDP;
	if (f & XS_TCP_RST)
		return XS_CT_TO_TCP_CLOSE;
	switch (tcp_state) {
	case 1: return XS_CT_TO_TCP_SYN_SENT;
	case 2: return XS_CT_TO_TCP_SYN_RECV;
	case 4: return XS_CT_TO_TCP_FIN_WAIT;
	case 5: return XS_CT_TO_TCP_CLOSE_WAIT;
	case 6: return XS_CT_TO_TCP_LAST_ACK;
	case 7: return XS_CT_TO_TCP_TIME_WAIT;
	case 8: return XS_CT_TO_TCP_CLOSE;
	}
	if (f & XS_TCP_FIN)
		return XS_CT_TO_TCP_FIN_WAIT;
	return replied ? XS_CT_TO_TCP_ESTABLISHED : XS_CT_TO_TCP_SYN_SENT;
}

static __always_inline __u32 xs_ct_new_mark(__u32 old, const struct xs_action *a)
{
	return (old & ~a->u.be32[1]) | (a->u.be32[0] & a->u.be32[1]);
}

/* The key's ct tuple (ct_nw_proto, ct_tp_src/dst, ct_nw_src/dst or ct_ipv6_src/dst):
 * the original-direction tuple of connection @ct, whose protocol is
 * @proto. Only for a packet that ends up tracked and valid: the bytes are
 * the ND/ARP fields' too (flow_key.h), never set in such a packet. */
static __always_inline void xs_ct_key_tuple(struct xs_flow_key *key, const struct nf_conn *ct,
					    __u8 proto)
{
	const struct nf_conntrack_tuple *o = &ct->tuplehash[0].tuple;

	key->ct_nw_proto = proto;
	key->ct_tp_src = o->src.u.all;
	key->ct_tp_dst = o->dst.u.all;
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV4)) {
		key->ct_nw_src = o->src.u3.ip;
		key->ct_nw_dst = o->dst.u3.ip;
		return;
	}
	__u32 *s = (__u32 *)key->ct_ipv6_src, *d = (__u32 *)key->ct_ipv6_dst;

	s[0] = o->src.u3.ip6[0];
	s[1] = o->src.u3.ip6[1];
	s[2] = o->src.u3.ip6[2];
	s[3] = o->src.u3.ip6[3];
	d[0] = o->dst.u3.ip6[0];
	d[1] = o->dst.u3.ip6[1];
	d[2] = o->dst.u3.ip6[2];
	d[3] = o->dst.u3.ip6[3];
}

/* The same from the packet itself (a +new connection not committed: its
 * original direction is this packet's), or, with @reverse, from the
 * packet turned around. */
static __always_inline void xs_ct_key_tuple_pkt(struct xs_flow_key *key, int reverse)
{
	key->ct_nw_proto = key->nw_proto;
	key->ct_tp_src = reverse ? key->tp_dst : key->tp_src;
	key->ct_tp_dst = reverse ? key->tp_src : key->tp_dst;
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV4)) {
		key->ct_nw_src = reverse ? key->nw_dst : key->nw_src;
		key->ct_nw_dst = reverse ? key->nw_src : key->nw_dst;
		return;
	}
	__builtin_memcpy(key->ct_ipv6_src, reverse ? key->ipv6_dst : key->ipv6_src, 16);
	__builtin_memcpy(key->ct_ipv6_dst, reverse ? key->ipv6_src : key->ipv6_dst, 16);
}

/* An echo pair's tuple: the request's addresses (@reply: this packet is
 * the reply), the request's type (ICMP 8, ICMPv6 128) and code 0 in
 * ct_tp_src/ct_tp_dst (as OVS's userspace tracker gives ICMP connections). */
static __always_inline void xs_ct_key_tuple_echo(struct xs_flow_key *key, int reply,
						 __u8 req_type)
{
	xs_ct_key_tuple_pkt(key, reply);
	key->ct_tp_src = bpf_htons(req_type);
	key->ct_tp_dst = 0;
}

#define XS_ICMP_ECHO_REQUEST 8
#define XS_ICMP_ECHO_REPLY 0
#define XS_ICMPV6_ECHO_REQUEST 128
#define XS_ICMPV6_ECHO_REPLY 129

/* Tells whether @key, whose L4 header is at @l4_off, is an ICMP or
 * ICMPv6 echo request or reply, not a fragment: xs_ct_echo() tracks it. */
static __always_inline int xs_ct_is_echo(const struct xs_flow_key *key, __u32 l4_off)
{
	if (!l4_off || (key->nw_frag & XS_FRAG_ANY))
		return 0;
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV4) && key->nw_proto == XS_IPPROTO_ICMP)
		return key->tp_src == bpf_htons(XS_ICMP_ECHO_REQUEST) ||
		       key->tp_src == bpf_htons(XS_ICMP_ECHO_REPLY);
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV6) && key->nw_proto == XS_IPPROTO_ICMPV6)
		return key->tp_src == bpf_htons(XS_ICMPV6_ECHO_REQUEST) ||
		       key->tp_src == bpf_htons(XS_ICMPV6_ECHO_REPLY);
	return 0;
}

/* Drops the key's ct tuple. Only for a key that holds one
 * (XS_CT_TUPLE_VALID): an ND packet's key holds its ND fields there. */
static __always_inline void xs_ct_key_tuple_clear(struct xs_flow_key *key)
{
	key->ct_nw_proto = 0;
	key->ct_tp_src = 0;
	key->ct_tp_dst = 0;
	__builtin_memset(key->ct_ipv6_src, 0, 32);
}

/* ICMP and ICMPv6 echo tracking (the kfuncs take TCP and UDP only: the
 * kernel's bpf_nf_ct_tuple_parse refuses other protocols with -EPROTO).
 * Only for a key xs_ct_is_echo() accepts. Returns ct_state; *@conn:
 * XS_CT_CONN_* (ct_label.h). */
static __always_inline __u8 xs_ct_icmp_echo(struct __sk_buff *skb, __u32 l4_off,
					     struct xs_flow_key *key, const struct xs_action *a,
					     __u32 *conn)
{
	struct xs_ct_icmp_key k = { .zone = a->arg };
	struct xs_ct_icmp_val *v, nv = {};
	__u64 now = bpf_ktime_get_coarse_ns();
	const void *src, *dst;
	__u8 type, req;
	int v6;

	type = bpf_ntohs(key->tp_src);
	v6 = key->dl_type == bpf_htons(XS_ETH_P_IPV6);
	req = v6 ? XS_ICMPV6_ECHO_REQUEST : XS_ICMP_ECHO_REQUEST;

	/* The echo identifier is not in the key: read it from the packet
	 * (the same place in ICMP and ICMPv6). */
	if (bpf_skb_load_bytes(skb, l4_off + 4, &k.id, 2))
		return XS_CS_TRK | XS_CS_INV;
	src = type == req ? (v6 ? (void *)key->ipv6_src : (void *)&key->nw_src) :
			    (v6 ? (void *)key->ipv6_dst : (void *)&key->nw_dst);
	dst = type == req ? (v6 ? (void *)key->ipv6_dst : (void *)&key->nw_dst) :
			    (v6 ? (void *)key->ipv6_src : (void *)&key->nw_src);
	if (v6) {
		__builtin_memcpy(k.src, src, 16);
		__builtin_memcpy(k.dst, dst, 16);
		k.v6 = 1;
	} else {
		k.src[0] = *(const __be32 *)src;
		k.dst[0] = *(const __be32 *)dst;
	}
	v = bpf_map_lookup_elem(&xs_ct_icmp, &k);
	if (v && now - v->last_ns > XS_CT_TO_ICMP_NS)
		v = NULL; /* timed out */
	if (type != req) {
		if (!v)
			return XS_CS_TRK | XS_CS_INV; /* a reply to nothing */
		xs_ct_key_tuple_echo(key, 1, req);
		v->replied = 1;
		v->last_ns = now;
		key->ct_mark = bpf_htonl(v->mark);
		return XS_CS_TRK | XS_CS_EST | XS_CS_RPL;
	}
	xs_ct_key_tuple_echo(key, 0, req);
	if (v) {
		v->last_ns = now;
		if ((a->flags & XS_CT_F_COMMIT) && (a->flags & XS_CT_F_MARK))
			v->mark = xs_ct_new_mark(v->mark, a);
		key->ct_mark = bpf_htonl(v->mark);
		return XS_CS_TRK | (v->replied ? XS_CS_EST : XS_CS_NEW);
	}
	*conn = XS_CT_CONN_NONE;
	if (a->flags & XS_CT_F_COMMIT) {
		nv.last_ns = now;
		if (a->flags & XS_CT_F_MARK)
			nv.mark = xs_ct_new_mark(0, a);
		key->ct_mark = bpf_htonl(nv.mark);
		if (bpf_map_update_elem(&xs_ct_icmp, &k, &nv, BPF_ANY)) {
			xs_count(XS_STAT_CT_FULL);
			return XS_CS_TRK | XS_CS_INV;
		}
		xs_count(XS_STAT_CT_COMMIT);
		*conn = XS_CT_CONN_FRESH;
	}
	return XS_CS_TRK | XS_CS_NEW;
}

/* The kfunc tuple of the packet (TCP/UDP over IPv4/IPv6); its length. */
static __always_inline __u32 xs_ct_tuple(const struct xs_flow_key *key, struct bpf_sock_tuple *t)
{
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV4)) {
		t->ipv4.saddr = key->nw_src;
		t->ipv4.daddr = key->nw_dst;
		t->ipv4.sport = key->tp_src;
		t->ipv4.dport = key->tp_dst;
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, key->ipv6_src, 16);
	__builtin_memcpy(t->ipv6.daddr, key->ipv6_dst, 16);
	t->ipv6.sport = key->tp_src;
	t->ipv6.dport = key->tp_dst;
	return sizeof(t->ipv6);
}

/* Commits tried for one packet when its NAT range has more than one
 * address:port choice and the one picked clashes with a connection that
 * holds it (the insert fails). A range of at most XS_NAT_TRIES choices is
 * walked whole (each try the next choice); in a larger one the retries
 * pick at random, so that a run of taken neighbours (consecutive source
 * ports map to consecutive picks) does not fail all of them. */
#define XS_NAT_TRIES 4

/* How many address:port choices a NAT range offers (at least 1; 1 without
 * a port: the kernel then finds a free port itself). */
static __always_inline __u32 xs_ct_nat_choices(const struct xs_action *nat)
{
	__u32 lo = nat->arg >> 16, hi = nat->arg & 0xffff, n = 1;

	if (!lo)
		return 1;
	if (hi > lo)
		n = hi - lo + 1;
	if (!(nat->flags & XS_NAT_F_IPV6) &&
	    bpf_ntohl(nat->u.be32[1]) > bpf_ntohl(nat->u.be32[0]))
		n *= 2; /* any second address will do */
	return n;
}

/* How many tries a NAT range is worth. */
static __always_inline __u32 xs_ct_nat_tries(const struct xs_action *nat)
{
	__u32 n = xs_ct_nat_choices(nat);

	return n < XS_NAT_TRIES ? n : XS_NAT_TRIES;
}

/* NAT of a new entry from the XS_ACT_CT_NAT before the ct action. IPv4:
 * an address of the range picked by the source port, or at random with
 * XS_NAT_F_RANDOM (the kfunc takes one address and one port); the same
 * for the port; a retry @try takes the next choice, or a random one in a
 * range of more than XS_NAT_TRIES; port 0 lets the kernel choose. */
static __always_inline int xs_ct_set_nat(struct nf_conn___init *n, const struct xs_action *nat,
					 const struct xs_flow_key *key, __u32 try)
{
	union nf_inet_addr addr = {};
	__u32 lo = nat->arg >> 16, hi = nat->arg & 0xffff, port = 0;
	__u32 pick = (nat->flags & XS_NAT_F_RANDOM ? bpf_get_prandom_u32() :
						     bpf_ntohs(key->tp_src)) + try;

	if (try && xs_ct_nat_choices(nat) > XS_NAT_TRIES)
		pick = bpf_get_prandom_u32();

	if (nat->flags & XS_NAT_F_IPV6) {
		__builtin_memcpy(&addr, nat->u.bytes, 16);
	} else {
		__u32 a0 = bpf_ntohl(nat->u.be32[0]), a1 = bpf_ntohl(nat->u.be32[1]);

		if (a1 > a0)
			a0 += pick % (a1 - a0 + 1);
		addr.ip = bpf_htonl(a0);
	}
	if (lo) {
		port = lo;
		if (hi > lo)
			port += pick % (hi - lo + 1);
	}
	return bpf_ct_set_nat_info(n, &addr, port,
				   nat->flags & XS_NAT_F_DST ? NF_NAT_MANIP_DST : NF_NAT_MANIP_SRC);
}

/* What a packet becomes under its connection's NAT. */
struct xs_ct_nat_target {
	union nf_inet_addr src;
	union nf_inet_addr dst;
	__be16 sport;
	__be16 dport;
	__u16 l4_off; /* in: the packet's L4 header offset (xs_pkt) */
	__u16 pad;    /* out: XS_CT_REL_* (ct_related.h) for a related error,
		       * XS_CT_CONN_* << XS_CT_CONN_SHIFT (ct_label.h) after
		       * xs_tc_ct */
};

/* The TC executor's xs_ct_nat_target, per CPU rather than in its frame:
 * xs_tc -> xs_tc_run -> xs_ct_rel_nat is the deepest call chain, and the
 * verifier allows 512 bytes of stack for the whole of it. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_ct_nat_target);
} xs_ct_nat_scratch_map SEC(".maps");

static __always_inline struct xs_ct_nat_target *xs_ct_nat_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xs_ct_nat_scratch_map, &zero);
}

/* Fills @t with what the connection's NAT makes of a packet in direction
 * @dir: the inverse of the other direction's tuple. */
static __always_inline void xs_ct_nat_target(struct xs_ct_nat_target *t,
					     const struct nf_conn *ct, int dir)
{
	/* Constant indexes: CO-RE relocates a field path, not a computed
	 * array element (the kernel's element is larger than ours). */
	const struct nf_conntrack_tuple *o = dir ? &ct->tuplehash[0].tuple :
						   &ct->tuplehash[1].tuple;

	t->src.ip6[0] = o->dst.u3.ip6[0];
	t->src.ip6[1] = o->dst.u3.ip6[1];
	t->src.ip6[2] = o->dst.u3.ip6[2];
	t->src.ip6[3] = o->dst.u3.ip6[3];
	t->dst.ip6[0] = o->src.u3.ip6[0];
	t->dst.ip6[1] = o->src.u3.ip6[1];
	t->dst.ip6[2] = o->src.u3.ip6[2];
	t->dst.ip6[3] = o->src.u3.ip6[3];
	t->sport = o->dst.u.all;
	t->dport = o->src.u.all;
}

/* One commit of a new connection, NAT choice @try: the inserted entry
 * (the caller releases it), or NULL: a clash (try the next choice), or,
 * with *@stop set, a failure no other choice mends (no entry to
 * allocate: the table is full; NAT refused). */
static __always_inline struct nf_conn *
xs_ct_commit_try(struct __sk_buff *skb, struct bpf_sock_tuple *tu, __u32 len,
		 struct bpf_ct_opts *o, const struct xs_flow_key *key, const struct xs_action *a,
		 const struct xs_action *nat, __u32 try, int *stop)
{
	struct nf_conn___init *n;
	struct nf_conn *ct;

	o->error = 0;
	n = bpf_skb_ct_alloc(skb, tu, len, o, sizeof(*o));
	if (!n) {
		*stop = 1;
		return NULL;
	}
	bpf_ct_set_timeout(n, xs_ct_timeout(key, 0, 0));
	if (a->flags & XS_CT_F_MARK)
		n->ct.mark = xs_ct_new_mark(0, a);
	if (nat && xs_ct_set_nat(n, nat, key, try)) {
		/* NAT refused: inserting is the only way to let go of an
		 * allocated entry; it goes at once (timeout 0) and the commit
		 * counts as failed. */
		ct = bpf_ct_insert_entry(n);
		if (ct) {
			bpf_ct_change_timeout(ct, 0);
			bpf_ct_release(ct);
		}
		*stop = 1;
		return NULL;
	}
	return bpf_ct_insert_entry(n);
}

/* Runs ct action @a (@nat: its XS_ACT_CT_NAT, or NULL) on the skb and
 * fills @key's ct fields; @t->l4_off is the packet's L4 offset, @t->pad
 * is set to how the connection was found (XS_CT_CONN_*, for
 * xs_tc_ct_label). Global function: verified once. Returns 0, or 1 when
 * the packet is to be rewritten to @t (xs_ct_nat_apply, which the
 * caller runs: not nested here, for the call chain's stack). */
__attribute__((noinline)) int xs_tc_ct(struct __sk_buff *skb, struct xs_flow_key *key,
				       const struct xs_action *a, const struct xs_action *nat,
				       struct xs_ct_nat_target *t)
{
	struct bpf_ct_opts o = { .netns_id = XS_BPF_F_CURRENT_NETNS };
	struct bpf_sock_tuple tu = {};
	struct nf_conn *ct;
	__u32 len, status, tries;
	int stop;
	__u8 state = XS_CS_TRK;
	int dir, ret = 0;

	if (!skb || !key || !a || !t) /* verifier: global function arguments */
		return 0;
	xs_count(XS_STAT_CT_LOOKUP);
	if (XS_CT_TUPLE_VALID(key->ct_state)) /* an earlier ct's */
		xs_ct_key_tuple_clear(key);
	key->ct_zone = bpf_htons(a->arg);
	key->ct_mark = 0;
	o.ct_zone_id = a->arg;
	o.l4proto = key->nw_proto;
	if ((key->dl_type != bpf_htons(XS_ETH_P_IPV4) &&
	     key->dl_type != bpf_htons(XS_ETH_P_IPV6)) || (key->nw_frag & XS_FRAG_ANY) ||
	    !t->l4_off)
		goto inv;
	if (key->nw_proto != XS_IPPROTO_TCP && key->nw_proto != XS_IPPROTO_UDP)
		goto inv;

	len = xs_ct_tuple(key, &tu);
	/* Verifier aid: clang 13 -mcpu=v3 computed the length (12 or 36)
	 * with arithmetic the verifier does not bound; hidden from clang, the
	 * test stays and bounds it. */
	asm volatile("" : "+r"(len));
	if (len > sizeof(tu))
		goto inv;
	ct = bpf_skb_ct_lookup(skb, &tu, len, &o, sizeof(o));
	if (ct) {
		dir = o.dir;
		status = ct->status;
		if ((a->flags & XS_CT_F_FORCE) && (a->flags & XS_CT_F_COMMIT) &&
		    dir == XS_CT_DIR_REPLY) {
			/* force: the old connection ends here (reaped by the
			 * kernel) and this packet starts a new one. */
			bpf_ct_change_timeout(ct, 0);
			bpf_ct_release(ct);
			goto new_conn;
		}
		if (dir == XS_CT_DIR_REPLY) {
			state |= XS_CS_EST | XS_CS_RPL;
			if (!(status & XS_IPS_SEEN_REPLY))
				bpf_ct_change_status(ct, status | XS_IPS_SEEN_REPLY | XS_IPS_ASSURED);
		} else {
			state |= status & XS_IPS_SEEN_REPLY ? XS_CS_EST : XS_CS_NEW;
		}
		bpf_ct_change_timeout(ct, xs_ct_timeout(key, dir == XS_CT_DIR_REPLY ||
							 (status & XS_IPS_SEEN_REPLY),
							 ct->proto.tcp.state));
		if (key->nw_proto == XS_IPPROTO_TCP) {
			__u16 ev = xs_ct_tcp_event(key, dir, status);

			if (ev)
				xs_ct_event(skb, key, ev, dir);
		}
		if ((a->flags & XS_CT_F_COMMIT) && (a->flags & XS_CT_F_MARK))
			ct->mark = xs_ct_new_mark(ct->mark, a);
		key->ct_mark = bpf_htonl(ct->mark);
		xs_ct_key_tuple(key, ct, key->nw_proto);
		if (a->flags & XS_CT_F_NAT) {
			if (status & XS_IPS_SRC_NAT)
				state |= XS_CS_SNAT;
			if (status & XS_IPS_DST_NAT)
				state |= XS_CS_DNAT;
			if (status & (XS_IPS_SRC_NAT | XS_IPS_DST_NAT)) {
				xs_ct_nat_target(t, ct, dir);
				ret = 1;
			}
		}
		bpf_ct_release(ct);
		key->ct_state = state;
		t->pad = XS_CT_CONN_FOUND << XS_CT_CONN_SHIFT;
		return ret;
	}
new_conn:
	if (key->nw_proto == XS_IPPROTO_TCP &&
	    (bpf_ntohs(key->tcp_flags) & (XS_TCP_SYN | XS_TCP_ACK | XS_TCP_RST | XS_TCP_FIN)) !=
		    XS_TCP_SYN)
		goto inv;
	if (!(a->flags & XS_CT_F_COMMIT)) {
		key->ct_state = XS_CS_TRK | XS_CS_NEW;
		xs_ct_key_tuple_pkt(key, 0);
		t->pad = XS_CT_CONN_NONE << XS_CT_CONN_SHIFT;
		return 0;
	}
	/* Each try inlined (no loop: with some compilers the verifier sees
	 * the same state at each turn of one and calls it infinite). */
	tries = nat ? xs_ct_nat_tries(nat) : 1;
	stop = 0;
	ct = xs_ct_commit_try(skb, &tu, len, &o, key, a, nat, 0, &stop);
	if (!ct && !stop && tries > 1)
		ct = xs_ct_commit_try(skb, &tu, len, &o, key, a, nat, 1, &stop);
	if (!ct && !stop && tries > 2)
		ct = xs_ct_commit_try(skb, &tu, len, &o, key, a, nat, 2, &stop);
	if (!ct && !stop && tries > 3)
		ct = xs_ct_commit_try(skb, &tu, len, &o, key, a, nat, 3, &stop);
	if (!ct)
		goto full;
	xs_count(XS_STAT_CT_COMMIT);
	key->ct_mark = bpf_htonl(ct->mark);
	xs_ct_key_tuple(key, ct, key->nw_proto);
	state |= XS_CS_NEW;
	if (key->nw_proto == XS_IPPROTO_TCP)
		xs_ct_event(skb, key, XS_CT_EV_NEW, 0);
	if (nat && (a->flags & XS_CT_F_NAT)) {
		state |= nat->flags & XS_NAT_F_DST ? XS_CS_DNAT : XS_CS_SNAT;
		xs_ct_nat_target(t, ct, 0);
		ret = 1;
	}
	bpf_ct_release(ct);
	key->ct_state = state;
	t->pad = XS_CT_CONN_FRESH << XS_CT_CONN_SHIFT;
	return ret;
full:
	xs_count(XS_STAT_CT_FULL);
inv:
	xs_count(XS_STAT_CT_INVALID);
	key->ct_state = XS_CS_TRK | XS_CS_INV;
	return 0;
}

/* The ct action @a on an echo request or reply (xs_ct_is_echo()), whose
 * ICMP header is at @l4_off: fills @key's ct fields. Apart from
 * xs_tc_ct() and called by the executor itself, so that its map key (40
 * bytes) sits in a frame beside xs_tc_ct's deepest call, not on top of it
 * (the TC call chain's stack is near the verifier's 512 bytes). Global
 * function: verified once. Returns 0. */
__attribute__((noinline)) int xs_ct_echo(struct __sk_buff *skb, struct xs_flow_key *key,
					 const struct xs_action *a, __u32 l4_off)
{
	__u32 conn = XS_CT_CONN_FOUND;

	if (!skb || !key || !a) /* verifier: global function arguments */
		return 0;
	xs_count(XS_STAT_CT_LOOKUP);
	if (XS_CT_TUPLE_VALID(key->ct_state)) /* an earlier ct's */
		xs_ct_key_tuple_clear(key);
	key->ct_zone = bpf_htons(a->arg);
	key->ct_mark = 0;
	key->ct_state = xs_ct_icmp_echo(skb, l4_off, key, a, &conn);
	if (key->ct_state & XS_CS_INV) {
		xs_ct_key_tuple_clear(key);
		xs_count(XS_STAT_CT_INVALID);
	}
	return conn << XS_CT_CONN_SHIFT;
}

static __always_inline int xs_ct_ne16(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return (x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]);
}

/* Applies NAT target @t to the packet (and @key): up to four set actions
 * (source, destination, source port, destination port) through the
 * executor's rewrite and the skb checksum helpers, from one call site in
 * a loop (one inlined rewrite, and no further call frame: the stack of the
 * TC call chain is near the verifier's 512 bytes). Global function:
 * verified once. Returns 0 or -EINVAL. */
__attribute__((noinline)) int xs_ct_nat_apply(struct __sk_buff *skb, struct xs_pkt *p,
					      struct xs_flow_key *key,
					      const struct xs_ct_nat_target *t)
{
	int ip4, i, err = 0;

	if (!skb || !p || !key || !t) /* verifier: global function arguments */
		return -EINVAL;
	ip4 = key->dl_type == bpf_htons(XS_ETH_P_IPV4);
	for (i = 0; i < 4; i++) {
		struct xs_csum_fix fix = {};
		struct xs_action s = {};

		if (i == 0 && ip4 && t->src.ip != key->nw_src) {
			s.type = XS_ACT_SET_IPV4_SRC;
			s.u.be32[0] = key->nw_src = t->src.ip;
		} else if (i == 1 && ip4 && t->dst.ip != key->nw_dst) {
			s.type = XS_ACT_SET_IPV4_DST;
			s.u.be32[0] = key->nw_dst = t->dst.ip;
		} else if (i == 0 && !ip4 && xs_ct_ne16(&t->src, key->ipv6_src)) {
			s.type = XS_ACT_SET_IPV6_SRC;
			__builtin_memcpy(key->ipv6_src, &t->src, 16);
			__builtin_memcpy(s.u.bytes, &t->src, 16);
		} else if (i == 1 && !ip4 && xs_ct_ne16(&t->dst, key->ipv6_dst)) {
			s.type = XS_ACT_SET_IPV6_DST;
			__builtin_memcpy(key->ipv6_dst, &t->dst, 16);
			__builtin_memcpy(s.u.bytes, &t->dst, 16);
		} else if (i == 2 && t->sport != key->tp_src) {
			s.type = XS_ACT_SET_TP_SRC;
			s.u.be16[0] = key->tp_src = t->sport;
		} else if (i == 3 && t->dport != key->tp_dst) {
			s.type = XS_ACT_SET_TP_DST;
			s.u.be16[0] = key->tp_dst = t->dport;
		} else {
			continue;
		}
		if (xs_rewrite((void *)(long)skb->data, (void *)(long)skb->data_end, p, &s, &fix) ||
		    xs_skb_fix_apply(skb, &fix))
			err = -EINVAL;
	}
	return err;
}

#endif
