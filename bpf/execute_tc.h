// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The action executor on skbs, for the TC ingress stage: the same actions
 * as execute.h for megaflows that XDP hands over (several outputs, ports an
 * XDP redirect cannot reach, a flood that is not the last action or goes
 * to such ports). Header rewrites are rewrite.h's, shared with
 * XDP; here checksums go through bpf_l3/l4_csum_replace so the skb's
 * checksum state (CHECKSUM_PARTIAL from local senders, COMPLETE from NICs)
 * stays right.
 *
 * VLAN tags: before TC ingress runs, the stack moves an outer tag that is in
 * the packet into skb metadata (skb_vlan_untag(); drivers with rx-vlan
 * offload do the same), so the frame TC sees may lack the tag XDP saw. The
 * TC stage therefore parses the skb for its own header offsets, puts the
 * accelerated tag back into the key for its lookup, and handles tags with
 * bpf_skb_vlan_push/pop, which
 * know about the accelerated tag; after each, the offsets are moved by the
 * change in the number of tags left in the packet bytes. */
#ifndef XDPSWITCH_BPF_EXECUTE_TC_H
#define XDPSWITCH_BPF_EXECUTE_TC_H

#include <linux/pkt_cls.h>
#include "execute.h"

/* Number of VLAN tags at the start of the skb's packet bytes (at most 3). */
static __always_inline int xs_skb_data_tags(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 off = 12;
	int n;

#pragma unroll
	for (n = 0; n < XS_MAX_VLAN + 1; n++) {
		__be16 *type = data + off;

		if ((void *)(type + 1) > data_end || !xs_is_vlan_tpid(*type))
			break;
		off += XS_VLAN_TAG_LEN;
	}
	return n;
}

/* Sets the outer tag's TCI (value u.be16[0] under mask u.be16[1]) where
 * the outer tag is: in skb metadata or in the packet. */
static __always_inline int xs_skb_set_vlan_tci(struct __sk_buff *skb,
					       const struct xs_action *a)
{
	__u16 m = bpf_ntohs(a->u.be16[1]) & ~XS_VLAN_PRESENT;
	__u16 tci;
	__be16 proto;

	if (!skb->vlan_present)
		return xs_rw_vlan_tci((void *)(long)skb->data,
				      (void *)(long)skb->data_end, a);
	tci = (skb->vlan_tci & ~m) | (bpf_ntohs(a->u.be16[0]) & m);
	proto = skb->vlan_proto;
	/* Pop and push the new tag: pop may pull an inner tag up into the
	 * metadata, and push puts it back, so the tag order is kept. */
	if (bpf_skb_vlan_pop(skb) || bpf_skb_vlan_push(skb, proto, tci))
		return -ENOMEM;
	return 0;
}

/* Runs one VLAN action on the skb and moves @p's offsets by the change in
 * tags held in the packet bytes. */
static __always_inline int xs_skb_vlan(struct __sk_buff *skb, struct xs_pkt *p,
				       const struct xs_action *a)
{
	int before = xs_skb_data_tags(skb), ret;

	switch (a->type) {
	case XS_ACT_PUSH_VLAN:
		ret = bpf_skb_vlan_push(skb, a->u.be16[0],
					bpf_ntohs(a->u.be16[1]) & ~XS_VLAN_PRESENT);
		break;
	case XS_ACT_POP_VLAN:
		ret = bpf_skb_vlan_pop(skb);
		break;
	default:
		ret = xs_skb_set_vlan_tci(skb, a);
		break;
	}
	if (ret)
		return ret < 0 ? ret : -EINVAL;
	xs_pkt_shift(p, (xs_skb_data_tags(skb) - before) * XS_VLAN_TAG_LEN);
	return 0;
}

/* Applies @fix with the kernel's checksum helpers. */
static __always_inline int xs_skb_fix_apply(struct __sk_buff *skb,
					    const struct xs_csum_fix *fix)
{
	__u64 flags = 0;

	if (fix->l3_csum && bpf_l3_csum_replace(skb, fix->l3_csum, 0, fix->diff, 0))
		return -EINVAL;
	if (fix->l4_csum) {
		if (fix->l4_flags & XS_FIX_UDP)
			flags |= BPF_F_MARK_MANGLED_0;
		if (fix->l4_flags & XS_FIX_PSEUDO)
			flags |= BPF_F_PSEUDO_HDR;
		if (fix->l4_flags & XS_FIX_IPV6)
			flags |= BPF_F_IPV6;
		if (bpf_l4_csum_replace(skb, fix->l4_csum, 0, fix->diff, flags))
			return -EINVAL;
	}
	if (fix->sctp_csum)
		return xs_fix_apply_crc((void *)(long)skb->data,
					(void *)(long)skb->data_end, fix);
	return 0;
}

/* Runs action @a (not OUTPUT) on the skb; as xs_xdp_action(). */
__attribute__((noinline)) int xs_tc_action(struct __sk_buff *skb, struct xs_pkt *p,
					   const struct xs_action *a,
					   const struct xs_flow_key *key)
{
	struct xs_csum_fix fix = {};
	int ret;

	if (!skb || !p || !a || !key) /* verifier: global function arguments */
		return -EINVAL;
	switch (a->type) {
	case XS_ACT_PUSH_VLAN:
	case XS_ACT_POP_VLAN:
	case XS_ACT_SET_VLAN_TCI:
		return xs_skb_vlan(skb, p, a);
	case XS_ACT_TO_AGENT:
		xs_count(XS_STAT_TO_AGENT);
		xs_upcall_skb(skb, a->arg, a->flags, p->slot, key);
		return 0;
	}
	ret = xs_rewrite((void *)(long)skb->data, (void *)(long)skb->data_end,
			 p, a, &fix);
	if (ret == XS_RW_TTL_EXPIRED) {
		xs_count(XS_STAT_TTL_EXPIRED);
		xs_upcall_skb(skb, XS_UPCALL_TTL_EXPIRED, 0, p->slot, key);
		return XS_X_EXPIRED;
	}
	if (ret)
		return ret;
	return xs_skb_fix_apply(skb, &fix);
}

#include "conntrack.h"
#include "ct_related.h"

/* A broadcast's walk over xs_port_list (bpf_loop's context). */
struct xs_bcast {
	struct __sk_buff *skb;
	const struct xs_port_list *list;
	__u32 in_port; /* the ingress port: no copy */
	__u32 held;    /* the last port found, not sent yet (0: none) */
};

/* bpf_loop callback, for entry @i: sends the packet to the port held from
 * the entry before and holds this one, so the caller learns the last port
 * (which may get the packet itself instead of a copy). A copy a port
 * refuses (down, gone) is counted in EXEC_ERROR and the walk goes on: one
 * bad port does not cost the others theirs. */
static long xs_bcast_one(__u32 i, void *data)
{
	struct xs_bcast *b = data;
	__u32 port;

	/* verifier: bpf_loop's index is not bounded by its count */
	if (i >= XS_MAX_PORTS)
		return 1;
	port = b->list->ifindex[i];
	if (!port || port == b->in_port)
		return 0;
	if (b->held && bpf_clone_redirect(b->skb, b->held, 0))
		xs_count(XS_STAT_EXEC_ERROR);
	b->held = port;
	return 0;
}

/* A broadcast OUTPUT on the skb: a copy to every port of xs_port_list but
 * the ingress one, in list order. With @keep_last the last of them gets no
 * copy and is returned instead, for the caller to redirect the packet
 * itself there; otherwise it gets its copy too. Returns that port, or 0
 * when none is left to the caller (no port but the ingress one, or
 * @keep_last 0). Global function: the verifier checks it (and bpf_loop's
 * callback) once, not once per position in the action list; bpf_loop
 * because a bounded loop over XS_MAX_PORTS entries would be walked by the
 * verifier entry by entry. */
__attribute__((noinline)) int xs_tc_broadcast(struct __sk_buff *skb, int keep_last)
{
	struct xs_bcast b = {};
	__u32 zero = 0;

	if (!skb) /* verifier: global function arguments */
		return 0;
	b.list = bpf_map_lookup_elem(&xs_port_list, &zero);
	if (!b.list)
		return 0; /* no list published yet: no port to flood to */
	b.skb = skb;
	b.in_port = skb->ingress_ifindex;
	bpf_loop(b.list->count, xs_bcast_one, &b, 0);
	if (keep_last || !b.held)
		return b.held;
	if (bpf_clone_redirect(skb, b.held, 0))
		xs_count(XS_STAT_EXEC_ERROR);
	return 0;
}

/* xs_execute_tc()'s answer besides TC verdicts: look the key up again
 * (XS_ACT_RECIRC; key->recirc_id and the ct fields are set). */
#define XS_TC_RECIRC (-1000)

/* Executes megaflow @mf (slot p->slot) on the skb; returns the TC verdict, or
 * XS_TC_RECIRC.
 * Every OUTPUT but the list's last action sends a clone out of its port's
 * egress; an OUTPUT that ends the list redirects the skb itself, or, with
 * @clone_last (the agent's test run, whose redirect verdict the kernel
 * does not carry out), sends a clone too. A broadcast OUTPUT
 * (XS_OUT_F_BROADCAST) does the same for every port but the ingress one
 * (xs_tc_broadcast); anywhere in the list. */
static __always_inline int xs_execute_tc(struct __sk_buff *skb,
					 const struct xs_megaflow *mf,
					 struct xs_pkt *p, struct xs_flow_key *key,
					 int clone_last)
{
	const struct xs_action *a = NULL, *prev = NULL;
	struct xs_ct_nat_target *nat;
	struct xs_act_cursor cur;
	__u32 n = mf->n_actions;
	int i, ret;

	xs_act_start(&cur, mf, p->slot);
	for (i = 0; i < XS_MAX_ACTIONS; i++, prev = a) {
		if (i >= n)
			break;
		a = xs_act_next(&cur);
		if (!a)
			goto err;
		if (a->type == XS_ACT_OUTPUT) {
			int last = i + 1 == n;

			if (a->flags & XS_OUT_F_BROADCAST) {
				ret = xs_tc_broadcast(skb, last && !clone_last);
				if (ret > 0)
					return bpf_redirect(ret, 0);
				if (last)
					return TC_ACT_SHOT; /* copies sent, or no port */
				continue;
			}
			if (last && !clone_last)
				return bpf_redirect(a->arg, 0);
			/* A port that cannot take it (its peer is down, say)
			 * loses its copy, not the outputs after it. */
			if (bpf_clone_redirect(skb, a->arg, 0))
				xs_count(XS_STAT_EXEC_ERROR);
			if (last)
				return TC_ACT_SHOT; /* sent: the clone was the packet */
			continue;
		}
		switch (a->type) {
		case XS_ACT_CT:
			nat = xs_ct_nat_scratch();
			if (!nat)
				goto err;
			nat->l4_off = p->l4_off;
			if (xs_ct_is_icmp_error(key)) {
				ret = xs_ct_related(skb, key, a, nat);
				if (ret == 1)
					ret = xs_ct_rel_nat(skb, p, key, nat);
				if (!ret && xs_ct_labels_used) /* the master's label */
					xs_tc_ct_label(key, a, XS_CT_CONN_FOUND << XS_CT_CONN_SHIFT);
				break;
			}
			if (xs_ct_is_echo(key, p->l4_off)) {
				/* answers how it found the pair (XS_CT_CONN_*) */
				ret = xs_ct_echo(skb, key, a, p->l4_off);
				if ((a->flags & XS_CT_F_LABEL) || xs_ct_labels_used)
					xs_tc_ct_label(key, a, ret);
				ret = 0;
				break;
			}
			ret = xs_tc_ct(skb, key, a,
				       prev && prev->type == XS_ACT_CT_NAT ? prev : NULL, nat);
			if (ret == 1)
				ret = xs_ct_nat_apply(skb, p, key, nat);
			if (!ret && ((a->flags & XS_CT_F_LABEL) || xs_ct_labels_used))
				xs_tc_ct_label(key, a, nat->pad);
			break;
		case XS_ACT_CT_NAT: /* read by the XS_ACT_CT after it */
			continue;
		case XS_ACT_CT_LABEL: /* for the XS_ACT_CT after it */
			xs_ct_label_stash(a);
			continue;
		case XS_ACT_CT_CLEAR:
			if (XS_CT_TUPLE_VALID(key->ct_state))
				xs_ct_key_tuple_clear(key);
			key->ct_state = 0;
			key->ct_zone = 0;
			key->ct_mark = 0;
			if (xs_ct_labels_used)
				xs_tc_ct_label(key, a, 0); /* zeroes it */
			continue;
		case XS_ACT_RECIRC:
			key->recirc_id = bpf_htonl(a->arg);
			return XS_TC_RECIRC;
		default:
			ret = xs_tc_action(skb, p, a, key);
		}
		if (ret == XS_X_EXPIRED)
			return TC_ACT_SHOT;
		if (ret)
			goto err;
	}
	xs_count(XS_STAT_ACTION_DROP);
	return TC_ACT_SHOT;
err:
	xs_count(XS_STAT_EXEC_ERROR);
	return TC_ACT_SHOT;
}

/* xs_execute_tc() as a global function: verified once however many
 * programs and recirculation passes run it. Runs the megaflow whose head
 * is slot p->slot (the caller has checked its generation); the head is
 * looked up here so that every slot of the record is an xs_flows value
 * (a pointer argument would be verified as memory of one slot's size). */
__attribute__((noinline)) int xs_tc_run(struct __sk_buff *skb, struct xs_pkt *p,
					struct xs_flow_key *key, int clone_last)
{
	const struct xs_megaflow *mf;
	__u32 slot;

	if (!skb || !p || !key) /* verifier: global function arguments */
		return TC_ACT_SHOT;
	slot = p->slot;
	mf = bpf_map_lookup_elem(&xs_flows, &slot);
	if (!mf)
		return TC_ACT_SHOT;
	return xs_execute_tc(skb, mf, p, key, clone_last);
}

#endif
