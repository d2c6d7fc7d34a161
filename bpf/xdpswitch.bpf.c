// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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
	/* skb->len, not the linear part: a GRO super-packet's payload is in
	 * its fragments, its IP header announces the whole datagram. */
	return xs_parse_pkt((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len, key,
			    info);
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
	if (xs_upcall_xdp(ctx, XS_UPCALL_MISS, 0, 0, key) == 0)
		xs_count(XS_STAT_MISS);
	return XDP_DROP;
}

/* Cut points of tests/bench/floor.sh: a build with -DXS_BENCH_CUT=N ends
 * xs_xdp after stage N (1 nothing, 2 parse, 3 lookup, 4 per-flow
 * counters), so that the cost of each stage is measured by difference.
 * A constant 0 in every other build: the tests fold away. */
#ifndef XS_BENCH_CUT
#define XS_BENCH_CUT 0
#endif
#define XS_CUT(n, verdict)                    \
	do {                                  \
		if (XS_BENCH_CUT == (n))      \
			return (verdict);     \
	} while (0)

SEC("xdp")
int xs_xdp(struct xdp_md *ctx)
{
	struct xs_flow_key key = {};
	struct xs_parse_info info;
	struct xs_hit hit;
	struct xs_pkt p;

	XS_CUT(1, XDP_DROP);
	xs_count(XS_STAT_RX);
	key.in_port = ctx->ingress_ifindex;
	xs_parse_xdp(ctx, &key, &info);
	XS_CUT(2, key.tp_dst ? XDP_DROP : XDP_PASS);
	if (!xs_lookup(&key, &hit))
		return xs_miss(ctx, &key);
	XS_CUT(3, hit.slot ? XDP_DROP : XDP_PASS);
	/* The length (info.len), not the packet pointers, lives across the
	 * lookup: with -mcpu=v3 clang kept ctx->data in a 32-bit register
	 * and spilled it with a 4-byte store, which the verifier refuses for
	 * a pointer ("invalid size of register spill"). */
	xs_flow_account(hit.slot, info.len, key.tcp_flags);
	XS_CUT(4, hit.slot ? XDP_DROP : XDP_PASS);
	xs_pkt_init(&p, &info);
	return xs_execute_xdp(ctx, &hit, &p, &key);
}

/* The agent's re-injection request (struct xs_exec_req): the skeleton's
 * .bss, written by the agent before each test run of xs_tc_exec, which
 * only the agent runs. */
struct xs_exec_req xs_exec_req;

/* The megaflow of the agent's request, or NULL (STALE_REINJECT counted)
 * when it was removed or replaced since. */
static __always_inline struct xs_megaflow *xs_exec_flow(struct xs_hit *hit)
{
	struct xs_flow_handle h = { .slot = xs_exec_req.slot, .gen = xs_exec_req.gen };

	xs_count(XS_STAT_REINJECT);
	hit->mf = xs_flow_get(&h);
	if (!hit->mf) {
		xs_count(XS_STAT_STALE_REINJECT);
		return NULL;
	}
	hit->slot = h.slot;
	hit->gen = h.gen;
	return hit->mf;
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

#include "recirc.h"

/* xs_lookup_again() for xs_tc, as a global function: its locals (the mask
 * walk's state, bpf_loop's slots) then sit in a frame of their own, not
 * in xs_tc's, which heads the deepest call chain (xs_tc -> xs_tc_run ->
 * xs_tc_ct -> xs_miss_allowed: over the verifier's 512 bytes with clang
 * 16 and later when the lookup was inlined). Fills @h (a global function
 * cannot hand back the megaflow pointer); returns 1 on a hit. */
__attribute__((noinline)) int xs_tc_lookup(const struct xs_flow_key *key,
					   struct xs_flow_handle *h)
{
	struct xs_hit hit;

	if (!key || !h) /* verifier: global function arguments */
		return 0;
	if (!xs_lookup_again(key, &hit))
		return 0;
	h->slot = hit.slot;
	h->gen = hit.gen;
	return 1;
}

/* The TC ingress stage: XDP passed the packet up because its megaflow's
 * actions need the stack (several outputs, a port an XDP redirect cannot
 * reach, a flood that is not the list's verdict). XDP cannot say which megaflow (no metadata): look it up again,
 * by the key as XDP saw it. A miss here (the megaflow was removed in
 * between) goes to the agent like an XDP miss. A packet XDP did not pass
 * (our XDP program is not on the port) is the stack's. */
SEC("tc")
int xs_tc(struct __sk_buff *skb)
{
	struct xs_flow_key key = {};
	struct xs_parse_info info;
	struct xs_flow_handle h;
	struct xs_megaflow *mf;
	struct xs_pkt p;
	int ret;

	key.in_port = skb->ingress_ifindex;
	xs_parse_skb(skb, &key, &info);
	xs_key_add_skb_vlan(skb, &key);
	/* A slot replaced between the two reads is a miss too. */
	if (!xs_tc_lookup(&key, &h) || !(mf = xs_flow_get(&h))) {
		xs_count(XS_STAT_TC_MISS);
		if (xs_upcall_skb(skb, XS_UPCALL_MISS, 0, 0, &key) == 0)
			xs_count(XS_STAT_MISS);
		return TC_ACT_SHOT;
	}
	xs_pkt_init(&p, &info);
	p.slot = h.slot;
	ret = xs_tc_run(skb, &p, &key, 0);
	return xs_tc_passes(skb, &key, &p, ret, 0);
}

/* Re-injection of a missed packet: the agent's BPF_PROG_TEST_RUN of an
 * skb on the ingress port (ctx ifindex) runs the requested megaflow's
 * actions instead of a lookup; every output is a clone sent for real (the
 * kernel discards the run's own skb whatever the verdict). One executor
 * for XDP and TC lists alike: an XDP list is a subset of what the TC
 * stage runs, and XDP live-frame test runs, which could run XDP lists as
 * XDP, are refused by some kernels (EPERM on this project's CI). */
SEC("tc")
int xs_tc_exec(struct __sk_buff *skb)
{
	struct xs_flow_key key = {};
	struct xs_parse_info info;
	struct xs_hit hit;
	struct xs_pkt p;
	int ret;

	if (!xs_exec_flow(&hit))
		return TC_ACT_SHOT;
	key.in_port = skb->ingress_ifindex;
	xs_parse_skb(skb, &key, &info);
	xs_flow_account(hit.slot, skb->len, key.tcp_flags);
	xs_pkt_init(&p, &info);
	p.slot = hit.slot;
	ret = xs_tc_run(skb, &p, &key, 1);
	return xs_tc_passes(skb, &key, &p, ret, 1);
}
