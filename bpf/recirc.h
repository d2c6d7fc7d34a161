// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Recirculation in the TC stage: after a megaflow ends in XS_ACT_RECIRC
 * (a ct(table=T) of the pipeline), the packet is parsed again (a NAT or a
 * set may have changed it), given the recirc_id and ct fields the pass
 * left, and looked up again in both cache tiers: each pass has its own
 * megaflow, keyed by recirc_id. A miss goes to the agent with that key,
 * which continues the pipeline from the state it froze under recirc_id.
 * At most XS_MAX_PASSES passes; beyond, a counted drop (RECIRC_LIMIT).
 *
 * Included by xdpswitch.bpf.c after xs_parse_skb, xs_pkt_init and
 * xs_key_add_skb_vlan, which it uses. */
#ifndef XDPSWITCH_BPF_RECIRC_H
#define XDPSWITCH_BPF_RECIRC_H

#define XS_MAX_PASSES 4

/* Parses the skb into @key again, keeping the ct fields and recirc_id a
 * pass left in it; fills @p. */
static __always_inline void xs_recirc_key(struct __sk_buff *skb, struct xs_flow_key *key,
					  struct xs_pkt *p)
{
	__u32 recirc_id = key->recirc_id, mark = key->ct_mark;
	__u16 zone = key->ct_zone;
	__u8 state = key->ct_state;
	struct xs_parse_info info;

	/* A key with a ct tuple keeps it (and its ct_nw_proto, ct_tp_*): it
	 * shares bytes with the ND/ARP fields only, which the parser does not
	 * write for a tracked, valid (never ND, never ARP) packet. */
	if (XS_CT_TUPLE_VALID(state))
		__builtin_memset(key, 0, __builtin_offsetof(struct xs_flow_key, recirc_id));
	else
		__builtin_memset(key, 0, sizeof(*key));
	key->in_port = skb->ingress_ifindex;
	xs_parse_skb(skb, key, &info);
	xs_key_add_skb_vlan(skb, key);
	key->recirc_id = recirc_id;
	key->ct_mark = mark;
	key->ct_zone = zone;
	key->ct_state = state;
	xs_pkt_init(p, &info);
}

/* The lookup of a pass after the first: parses the skb again into @key
 * (keeping what the last pass left), looks it up in both tiers, counts the
 * megaflow's use and fills @h and @p. Returns 1 on a hit; 0 on a miss,
 * which went to the agent with this key. Global function: its parse glue
 * and lookup are verified once, not once per pass of the caller's loop. */
__attribute__((noinline)) int xs_tc_next(struct __sk_buff *skb, struct xs_flow_key *key,
					 struct xs_pkt *p, struct xs_flow_handle *h)
{
	struct xs_hit hit;

	if (!skb || !key || !p || !h) /* verifier: global function arguments */
		return 0;
	xs_count(XS_STAT_RECIRC);
	xs_recirc_key(skb, key, p);
	if (!xs_lookup(key, &hit)) {
		if (xs_miss_allowed(skb->ingress_ifindex) &&
		    xs_upcall_skb(skb, XS_UPCALL_MISS, 0, 0, key) == 0)
			xs_count(XS_STAT_MISS);
		return 0;
	}
	xs_flow_account(hit.slot, skb->len, key->tcp_flags);
	p->slot = hit.slot;
	h->slot = hit.slot;
	h->gen = hit.gen;
	return 1;
}

/* The passes after the first, in the entry program's own frame (a
 * function of its own would add its frame to the call chain's stack,
 * which the executor and the ct action already bring near the verifier's
 * 512 bytes); each pass is two global calls (xs_tc_next, xs_tc_run). @ret
 * is the first pass's answer; @key as that pass left it. Returns the TC
 * verdict. */
static __always_inline int xs_tc_passes(struct __sk_buff *skb, struct xs_flow_key *key,
					struct xs_pkt *p, int ret, int clone_last)
{
	struct xs_flow_handle h;
	struct xs_megaflow *mf;
	int pass;

	for (pass = 1; pass < XS_MAX_PASSES && ret == XS_TC_RECIRC; pass++) {
		if (!xs_tc_next(skb, key, p, &h))
			return TC_ACT_SHOT;
		mf = xs_flow_get(&h);
		if (!mf)
			return TC_ACT_SHOT; /* replaced since: the next packet finds it */
		ret = xs_tc_run(skb, p, key, clone_last);
	}
	if (ret != XS_TC_RECIRC)
		return ret;
	xs_count(XS_STAT_RECIRC_LIMIT);
	return TC_ACT_SHOT;
}

#endif
