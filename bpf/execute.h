// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The action executor on XDP frames: runs a megaflow's action list on the
 * frame and returns the XDP verdict, or passes the packet up to the TC
 * stage (which finds the megaflow again) when the list cannot run in XDP.
 *
 * Each action runs in xs_xdp_action(), a global (non-inlined) function: the
 * verifier checks it once, not once per list position, and the list loop
 * stays a handful of instructions per action. */
#ifndef XDPSWITCH_BPF_EXECUTE_H
#define XDPSWITCH_BPF_EXECUTE_H

#include "rewrite.h"
#include "lookup.h"
#include "upcall.h"

/* xs_xdp_action() results besides 0 (next action) and -errno. */
#define XS_X_EXPIRED 1 /* DEC_TTL found TTL <= 1: sent to the agent, drop */

#define XS_VLAN_TAG_LEN 4

static __always_inline int xs_is_vlan_tpid(__be16 t)
{
	return t == bpf_htons(XS_ETH_P_8021Q) || t == bpf_htons(XS_ETH_P_8021AD);
}

/* Moves every header offset of @p by @delta (a tag pushed or popped). */
static __always_inline void xs_pkt_shift(struct xs_pkt *p, int delta)
{
	if (p->l3_off)
		p->l3_off += delta;
	if (p->l4_off)
		p->l4_off += delta;
	if (p->nw_end)
		p->nw_end += delta;
}

static __always_inline int xs_xdp_push_vlan(struct xdp_md *ctx, struct xs_pkt *p,
					    const struct xs_action *a)
{
	struct xs_vlan_hdr *tag;
	void *data, *data_end;
	__u8 macs[12];

	if (bpf_xdp_adjust_head(ctx, -XS_VLAN_TAG_LEN))
		return -ENOMEM;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(struct xs_eth_hdr) + XS_VLAN_TAG_LEN > data_end)
		return -EINVAL;
	__builtin_memcpy(macs, data + XS_VLAN_TAG_LEN, 12);
	__builtin_memcpy(data, macs, 12);
	tag = data + 12;
	tag->tpid = a->u.be16[0];
	/* The key's "present" bit is the CFI/DEI bit on the wire: clear it. */
	tag->tci = a->u.be16[1] & ~bpf_htons(XS_VLAN_PRESENT);
	xs_pkt_shift(p, XS_VLAN_TAG_LEN);
	return 0;
}

/* Removes the outer tag; an untagged frame is left as it is. */
static __always_inline int xs_xdp_pop_vlan(struct xdp_md *ctx, struct xs_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 macs[12];

	if (data + sizeof(struct xs_eth_hdr) + XS_VLAN_TAG_LEN > data_end)
		return 0;
	if (!xs_is_vlan_tpid(((struct xs_eth_hdr *)data)->type))
		return 0;
	__builtin_memcpy(macs, data, 12);
	__builtin_memcpy(data + XS_VLAN_TAG_LEN, macs, 12);
	if (bpf_xdp_adjust_head(ctx, XS_VLAN_TAG_LEN))
		return -ENOMEM;
	xs_pkt_shift(p, -XS_VLAN_TAG_LEN);
	return 0;
}

/* Sets the outer tag's TCI bits in u.be16[1] to u.be16[0], on a tag in
 * the frame at offset 12. The wire's CFI/DEI bit is not touched. Shared
 * with the TC path for tags the stack left in the packet. */
static __always_inline int xs_rw_vlan_tci(void *data, void *data_end,
					  const struct xs_action *a)
{
	struct xs_vlan_hdr *tag = data + 12;
	__be16 m = a->u.be16[1] & ~bpf_htons(XS_VLAN_PRESENT);

	if ((void *)(tag + 1) > data_end || !xs_is_vlan_tpid(tag->tpid))
		return -EINVAL;
	tag->tci = (tag->tci & ~m) | (a->u.be16[0] & m);
	return 0;
}

/* Runs action @a (not OUTPUT) on the frame. @key is the packet's key as
 * parsed (for upcalls). Returns 0, XS_X_EXPIRED, or -errno when the action
 * cannot run on this packet. Global function: verified once, see above. */
__attribute__((noinline)) int xs_xdp_action(struct xdp_md *ctx, struct xs_pkt *p,
					    const struct xs_action *a,
					    const struct xs_flow_key *key)
{
	struct xs_csum_fix fix = {};
	void *data, *data_end;
	int ret;

	if (!ctx || !p || !a || !key) /* verifier: global function arguments */
		return -EINVAL;
	switch (a->type) {
	case XS_ACT_PUSH_VLAN:
		return xs_xdp_push_vlan(ctx, p, a);
	case XS_ACT_POP_VLAN:
		return xs_xdp_pop_vlan(ctx, p);
	case XS_ACT_SET_VLAN_TCI:
		return xs_rw_vlan_tci((void *)(long)ctx->data,
				      (void *)(long)ctx->data_end, a);
	case XS_ACT_TO_AGENT:
		xs_count(XS_STAT_TO_AGENT);
		xs_upcall_xdp(ctx, a->arg, a->flags, p->slot, key);
		return 0;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	ret = xs_rewrite(data, data_end, p, a, &fix);
	if (ret == XS_RW_TTL_EXPIRED) {
		xs_count(XS_STAT_TTL_EXPIRED);
		xs_upcall_xdp(ctx, XS_UPCALL_TTL_EXPIRED, 0, p->slot, key);
		return XS_X_EXPIRED;
	}
	if (ret)
		return ret;
	ret = xs_fix_apply(data, data_end, &fix);
	if (ret)
		return ret;
	return xs_fix_apply_crc(data, data_end, &fix);
}

/* OUTPUT @a as the last action: out of the ingress port again (XDP_TX),
 * through the devmap, or (XS_OUT_F_BROADCAST) one devmap broadcast to
 * every port but the ingress one: the kernel clones the frame per port.
 * A port missing from xs_tx_ports is an error. */
static __always_inline int xs_xdp_output(struct xdp_md *ctx, const struct xs_action *a)
{
	__u32 port = a->arg;
	long ret;

	if (a->flags & XS_OUT_F_BROADCAST)
		ret = bpf_redirect_map(&xs_tx_ports, 0,
				       BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	else if (port == ctx->ingress_ifindex)
		return XDP_TX;
	else
		ret = bpf_redirect_map(&xs_tx_ports, port, XDP_ABORTED);
	if (ret != XDP_REDIRECT) {
		xs_count(XS_STAT_EXEC_ERROR);
		return XDP_DROP;
	}
	return XDP_REDIRECT;
}

/* Passes the frame up to the TC stage, which looks its megaflow up again
 * (XDP cannot tell it which: no metadata, see struct xs_exec_req). */
static __always_inline int xs_tc_handoff(void)
{
	xs_count(XS_STAT_TC_HANDOFF);
	return XDP_PASS;
}

/* Executes megaflow @hit on the frame; returns the XDP verdict. Counts
 * ACTION_DROP for a list without output, EXEC_ERROR when an action fails
 * (the packet is dropped). */
static __always_inline int xs_execute_xdp(struct xdp_md *ctx, const struct xs_hit *hit,
					  struct xs_pkt *p, const struct xs_flow_key *key)
{
	struct xs_megaflow *mf = hit->mf;
	__u32 n = mf->n_actions;
	struct xs_act_cursor cur;
	int i, ret;

	if (!(mf->flags & XS_MF_F_XDP))
		return xs_tc_handoff();
	p->slot = hit->slot;
	xs_act_start(&cur, mf, hit->slot);
	for (i = 0; i < XS_MAX_ACTIONS; i++) {
		const struct xs_action *a;

		if (i >= n)
			break;
		a = xs_act_at(&cur, mf, hit->slot, i);
		if (!a)
			goto err;
		if (a->type == XS_ACT_OUTPUT) {
			/* An XDP list has at most one output, at its end. */
			if (i + 1 != n)
				goto err;
			return xs_xdp_output(ctx, a);
		}
		ret = xs_xdp_action(ctx, p, a, key);
		if (ret == XS_X_EXPIRED)
			return XDP_DROP;
		if (ret)
			goto err;
	}
	xs_count(XS_STAT_ACTION_DROP);
	return XDP_DROP;
err:
	xs_count(XS_STAT_EXEC_ERROR);
	return XDP_DROP;
}

#endif
