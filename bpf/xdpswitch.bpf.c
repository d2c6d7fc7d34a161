// SPDX-License-Identifier: GPL-2.0
/* The fast path: the XDP program (parse, microflow, megaflow, execute or
 * miss) and the TC ingress stage that executes what XDP cannot. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "parse.h"
#include "maps.h"
#include "stats.h"
#include "lookup.h"
#include "upcall.h"
#include "execute.h"
#include "execute_tc.h"

char LICENSE[] SEC("license") = "GPL";

/* The parser, as global functions (verified once, on their own): the
 * verifier then continues after the call with one state in which key and
 * info are unknown bytes, instead of re-walking the lookup and executor
 * once for every distinct way the parse ended (a sevenfold verifier cost
 * when inlined). The price is one call per packet. @key must be zeroed but
 * for in_port. */
__attribute__((noinline)) int xs_parse_xdp(struct xdp_md *ctx, struct xs_flow_key *key,
					   struct xs_parse_info *info)
{
	if (!ctx || !key || !info) /* verifier: global function arguments */
		return XS_PARSE_PARTIAL;
	return xs_parse((void *)(long)ctx->data, (void *)(long)ctx->data_end, key, info);
}

__attribute__((noinline)) int xs_parse_skb(struct __sk_buff *skb, struct xs_flow_key *key,
					   struct xs_parse_info *info)
{
	if (!skb || !key || !info) /* verifier: global function arguments */
		return XS_PARSE_PARTIAL;
	return xs_parse((void *)(long)skb->data, (void *)(long)skb->data_end, key, info);
}

/* The executor's view of a parsed packet. */
static __always_inline void xs_pkt_init(struct xs_pkt *p,
					const struct xs_parse_info *info)
{
	p->slot = 0;
	p->l3_off = info->l3_off;
	p->l4_off = info->l4_off;
	p->nw_end = info->nw_end;
	p->l3 = info->l3;
	p->l4_proto = info->l4_proto;
}

/* No megaflow: send the packet to the agent, within the port's miss
 * budget, and drop it here (the agent re-injects it once it has installed
 * the megaflow). */
static __always_inline int xs_miss(struct xdp_md *ctx, const struct xs_flow_key *key)
{
	if (!xs_miss_allowed(ctx->ingress_ifindex)) {
		xs_count(XS_STAT_MISS_SHED);
		return XDP_DROP;
	}
	if (xs_upcall_xdp(ctx, XS_UPCALL_MISS, 0, 0, key) == 0)
		xs_count(XS_STAT_MISS);
	return XDP_DROP;
}

/* A packet the agent re-injects carries a struct xs_meta with XS_META_EXEC
 * in front of the frame: strip it and fill @h with the megaflow to run
 * instead of a lookup. Returns 1 for such a packet, 0 for any other, -1 if
 * the metadata cannot be stripped. */
static __always_inline int xs_take_reinject(struct xdp_md *ctx,
					    struct xs_flow_handle *h)
{
	struct xs_meta *meta = (void *)(long)ctx->data_meta;

	if ((void *)(meta + 1) > (void *)(long)ctx->data ||
	    meta->magic != XS_META_EXEC)
		return 0;
	h->slot = meta->slot;
	h->gen = meta->gen;
	xs_count(XS_STAT_REINJECT);
	/* Strip the metadata so it reaches neither the TC stage nor a port. */
	if (bpf_xdp_adjust_meta(ctx, (int)sizeof(*meta)))
		return -1;
	return 1;
}

SEC("xdp")
int xs_xdp(struct xdp_md *ctx)
{
	struct xs_flow_key key = {};
	struct xs_parse_info info;
	struct xs_flow_handle h;
	void *data, *data_end;
	struct xs_hit hit;
	struct xs_pkt p;
	int reinject;

	reinject = xs_take_reinject(ctx, &h);
	if (reinject < 0)
		return XDP_DROP;
	if (!reinject)
		xs_count(XS_STAT_RX);

	key.in_port = ctx->ingress_ifindex;
	xs_parse_xdp(ctx, &key, &info);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	if (reinject) {
		hit.mf = xs_flow_get(&h);
		if (!hit.mf) {
			xs_count(XS_STAT_STALE_REINJECT);
			return XDP_DROP;
		}
		hit.slot = h.slot;
		hit.gen = h.gen;
	} else if (!xs_lookup(&key, &hit)) {
		return xs_miss(ctx, &key);
	}
	xs_flow_account(hit.slot, data_end - data, key.tcp_flags);
	xs_pkt_init(&p, &info);
	return xs_execute_xdp(ctx, &hit, &p, &key);
}

/* The stack may hold the outer VLAN tag in skb metadata; the key (used by
 * upcalls from the TC stage) is made to show it as XDP would have: the
 * parsed tag, if any, becomes the inner one. */
static __always_inline void xs_key_add_skb_vlan(struct __sk_buff *skb,
						struct xs_flow_key *key)
{
	if (!skb->vlan_present)
		return;
	key->vlan[1] = key->vlan[0];
	key->vlan[0].tpid = skb->vlan_proto;
	key->vlan[0].tci = bpf_htons(skb->vlan_tci | XS_VLAN_PRESENT);
}

SEC("tc")
int xs_tc(struct __sk_buff *skb)
{
	struct xs_meta *meta = (void *)(long)skb->data_meta;
	struct xs_flow_handle h;
	struct xs_flow_key key = {};
	struct xs_parse_info info;
	struct xs_megaflow *mf;
	struct xs_pkt p;

	if ((void *)(meta + 1) > (void *)(long)skb->data || meta->magic != XS_META_TC)
		return TC_ACT_OK;
	h.slot = meta->slot;
	h.gen = meta->gen;
	/* Consume the metadata: the skb may keep it through a redirect, and
	 * a later TC stage must not run this slot again without a lookup. */
	meta->magic = 0;
	mf = xs_flow_get(&h);
	if (!mf) {
		/* The megaflow changed between the XDP and TC stages. */
		xs_count(XS_STAT_EXEC_ERROR);
		return TC_ACT_SHOT;
	}
	key.in_port = skb->ingress_ifindex;
	xs_parse_skb(skb, &key, &info);
	xs_key_add_skb_vlan(skb, &key);
	xs_pkt_init(&p, &info);
	p.slot = h.slot;
	return xs_execute_tc(skb, mf, &p, &key);
}
