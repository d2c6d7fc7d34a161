// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Packets to the agent: the ringbuf record (struct xs_upcall) and the
 * per-port token bucket that limits them, for the XDP and TC programs.
 * Every kind of upcall (miss, controller action, TTL expiry) takes its
 * token from the ingress port's bucket: a port that floods with any of
 * them sheds its own packets, not the other ports' ones. */
#ifndef XDPSWITCH_BPF_UPCALL_H
#define XDPSWITCH_BPF_UPCALL_H

#include <linux/errno.h>
#include "maps.h"
#include "stats.h"
#include "parse.h"

#define XS_NSEC_PER_SEC 1000000000ull

/* Takes one token from the miss bucket of @ifindex (this CPU's copy).
 * Returns 1 if the upcall may go to the agent, 0 if it must be shed. With
 * xs_cfg.miss_rate 0 there is no limit. A port whose bucket cannot be
 * created (map full) is not limited. A global function: the verifier
 * checks it once, not at each of the five places an upcall is sent (it
 * only runs on the slow path). */
__attribute__((noinline)) int xs_miss_allowed(__u32 ifindex)
{
	__u64 rate = xs_cfg.miss_rate, depth, now, elapsed, tokens;
	struct xs_miss_bucket *b, fresh;

	if (!rate)
		return 1;
	depth = (xs_cfg.miss_burst ? xs_cfg.miss_burst : rate) * 1000;
	now = bpf_ktime_get_ns();
	b = bpf_map_lookup_elem(&xs_miss_bucket, &ifindex);
	if (!b) {
		fresh.tokens_milli = depth - 1000;
		fresh.last_ns = now;
		bpf_map_update_elem(&xs_miss_bucket, &ifindex, &fresh, BPF_NOEXIST);
		return 1;
	}
	/* Another CPU created the entry: this CPU's copy starts zeroed. */
	elapsed = b->last_ns ? now - b->last_ns : XS_NSEC_PER_SEC;
	/* One second refills at least a full bucket of up to 2^32 misses
	 * per second, and keeps elapsed * rate below 2^63. */
	if (elapsed > XS_NSEC_PER_SEC)
		elapsed = XS_NSEC_PER_SEC;
	tokens = b->tokens_milli + elapsed * rate / 1000000;
	if (tokens > depth || !b->last_ns)
		tokens = depth;
	b->last_ns = now;
	if (tokens < 1000) {
		b->tokens_milli = tokens;
		return 0;
	}
	b->tokens_milli = tokens - 1000;
	return 1;
}

/* Bytes of a @len-byte frame that go into a record. The empty asm hides
 * the value's origin, so clang keeps the bound check that the verifier
 * needs to accept it as a helper's size argument. */
static __always_inline __u64 xs_upcall_cap(__u32 len)
{
	__u64 cap = len; /* 64-bit, so the check is on the register used */

	asm volatile("" : "+r"(cap));
	if (cap > XS_UPCALL_MAX_PKT)
		cap = XS_UPCALL_MAX_PKT;
	return cap;
}

/* Reserves an upcall record and fills its header; the caller copies the
 * packet bytes (cap_len of them) and submits. @len is the frame length.
 * Returns NULL when the ringbuf is full. */
static __always_inline struct xs_upcall *
xs_upcall_reserve(__u32 ifindex, __u8 reason, __u16 cookie, __u32 slot,
		  const struct xs_flow_key *key, __u32 len)
{
	struct xs_upcall *u = bpf_ringbuf_reserve(&xs_upcalls, sizeof(*u), 0);

	if (!u)
		return NULL;
	u->ifindex = ifindex;
	u->reason = reason;
	u->flags = len > XS_UPCALL_MAX_PKT ? XS_UPCALL_F_TRUNC : 0;
	u->cookie = cookie;
	u->pkt_len = len;
	u->cap_len = len > XS_UPCALL_MAX_PKT ? XS_UPCALL_MAX_PKT : len;
	u->slot = slot;
	u->pad = 0;
	__builtin_memcpy(&u->key, key, sizeof(u->key));
	return u;
}

/* Sends the XDP frame to the agent, within the ingress port's budget.
 * Returns 0; -EAGAIN when the port's bucket is empty (counted as
 * MISS_SHED); -ENOSPC when the ringbuf is full (counted as MISS_LOST). */
static __always_inline int xs_upcall_xdp(struct xdp_md *ctx, __u8 reason,
					 __u16 cookie, __u32 slot,
					 const struct xs_flow_key *key)
{
	__u32 len = bpf_xdp_get_buff_len(ctx);
	struct xs_upcall *u;
	__u64 cap;

	if (!xs_miss_allowed(ctx->ingress_ifindex)) {
		xs_count(XS_STAT_MISS_SHED);
		return -EAGAIN;
	}
	u = xs_upcall_reserve(ctx->ingress_ifindex, reason, cookie, slot, key, len);
	if (!u) {
		xs_count(XS_STAT_MISS_LOST);
		return -ENOSPC;
	}
	cap = xs_upcall_cap(len);
	if (cap && bpf_xdp_load_bytes(ctx, 0, u->pkt, cap))
		u->cap_len = 0;
	bpf_ringbuf_submit(u, 0);
	return 0;
}

/* Sends the skb to the agent, as xs_upcall_xdp() (same budget, same
 * returns). An outer VLAN tag that
 * the stack holds in skb metadata is put back in the copied bytes, so the
 * agent sees the frame as it arrived. */
static __always_inline int xs_upcall_skb(struct __sk_buff *skb, __u8 reason,
					 __u16 cookie, __u32 slot,
					 const struct xs_flow_key *key)
{
	__u32 tag = skb->vlan_present ? 4 : 0;
	struct xs_vlan_hdr *vh;
	struct xs_upcall *u;
	__u64 cap;

	if (!xs_miss_allowed(skb->ingress_ifindex)) {
		xs_count(XS_STAT_MISS_SHED);
		return -EAGAIN;
	}
	u = xs_upcall_reserve(skb->ingress_ifindex, reason, cookie, slot, key,
			      skb->len + tag);
	if (!u) {
		xs_count(XS_STAT_MISS_LOST);
		return -ENOSPC;
	}
	cap = xs_upcall_cap(skb->len + tag);
	if (!tag) {
		if (cap && bpf_skb_load_bytes(skb, 0, u->pkt, cap))
			u->cap_len = 0;
	} else if (cap < 16 || bpf_skb_load_bytes(skb, 0, u->pkt, 12)) {
		u->cap_len = 0;
	} else {
		vh = (void *)&u->pkt[12];
		vh->tpid = skb->vlan_proto;
		vh->tci = bpf_htons(skb->vlan_tci);
		if (cap > 16 && bpf_skb_load_bytes(skb, 12, &u->pkt[16], cap - 16))
			u->cap_len = 0;
	}
	bpf_ringbuf_submit(u, 0);
	return 0;
}

#endif
