// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* ct_label (OVS's 128-bit connection label) on the TC stage's ct action.
 *
 * The kernel keeps labels in the connection's labels extension, which an
 * entry the BPF kfuncs allocate does not get (it is added only once
 * something called nf_connlabels_get, and no kfunc reads or writes it),
 * so the label lives here: xs_ct_labels, an LRU map keyed by zone and
 * original-direction tuple (what the key's ct tuple holds after a ct
 * action, for either direction). A commit with exec(set_field:..->
 * ct_label) writes it in the same packet, so the first packet's later
 * passes and the replies see it with no agent round trip.
 *
 * Stale labels: a fresh commit (a new connection, or force) starts from 0
 * and drops what an earlier connection of the same tuple left; a packet
 * whose connection is not in the table (+new, not committed) gets 0; the
 * LRU evicts the oldest when full (sized to nf_conntrack_max).
 *
 * Cost: nothing until some commit wrote a label (xs_ct_labels_used, set
 * here at the first write); then one lookup per tracked valid packet. */
#ifndef XDPSWITCH_BPF_CT_LABEL_H
#define XDPSWITCH_BPF_CT_LABEL_H

#include <bpf/bpf_helpers.h>
#include "xdpswitch/actions.h"
#include "xdpswitch/ct_label.h"
#include "xdpswitch/datapath.h"
#include "xdpswitch/flow_key.h"
#include "parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XS_CT_LABELS_DEFAULT_MAX);
	__type(key, struct xs_ct_label_key);
	__type(value, struct xs_ct_label_val);
} xs_ct_labels SEC(".maps");

/* Non-zero once a commit wrote a label: until then every label is 0 and
 * the ct action skips the store. */
__u32 xs_ct_labels_used;

/* What xs_tc_ct() found (in xs_ct_nat_target.pad, shifted): the label's
 * source. */
#define XS_CT_CONN_SHIFT 8
#define XS_CT_CONN_FOUND 0 /* an existing connection: its stored label */
#define XS_CT_CONN_FRESH 1 /* committed now as a new connection: from 0 */
#define XS_CT_CONN_NONE 2  /* not in the table (not committed): 0 */

static __always_inline void xs_ct_label_key_of(const struct xs_flow_key *key,
					       struct xs_ct_label_key *lk)
{
	lk->zone = bpf_ntohs(key->ct_zone);
	lk->proto = key->ct_nw_proto;
	lk->sport = key->ct_tp_src;
	lk->dport = key->ct_tp_dst;
	if (key->dl_type == bpf_htons(XS_ETH_P_IPV4)) {
		__builtin_memcpy(lk->src, &key->ct_nw_src, 4);
		__builtin_memcpy(lk->dst, &key->ct_nw_dst, 4);
		return;
	}
	lk->ipv6 = 1;
	__builtin_memcpy(lk->src, key->ct_ipv6_src, 16);
	__builtin_memcpy(lk->dst, key->ct_ipv6_dst, 16);
}

/* The XS_ACT_CT_LABEL pair (value, mask) of the ct action the TC
 * executor is about to run. The executor walks a megaflow's record with
 * a cursor (bpf/record.h) and cannot look back at the entries before the
 * ct action, so it leaves them here as it passes them; per CPU, since a
 * program runs to its end on one CPU. */
struct xs_ct_label_pending {
	__u8 val[16];
	__u8 mask[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_ct_label_pending);
} xs_ct_lbl_stash SEC(".maps");

/* Keeps XS_ACT_CT_LABEL entry @a (arg 0 the value, 1 the mask) for the
 * ct action after it. Global function: verified once, no stack in the
 * executor's frame. */
__attribute__((noinline)) int xs_ct_label_stash(const struct xs_action *a)
{
	struct xs_ct_label_pending *p;
	__u32 zero = 0;

	if (!a) /* verifier: global function arguments */
		return 0;
	p = bpf_map_lookup_elem(&xs_ct_lbl_stash, &zero);
	if (!p)
		return 0;
	if (a->arg)
		__builtin_memcpy(p->mask, a->u.bytes, 16);
	else
		__builtin_memcpy(p->val, a->u.bytes, 16);
	return 0;
}

/* Fills @key->ct_label after ct action @ct, which found the connection
 * as @conn (XS_CT_CONN_*, shifted as xs_tc_ct leaves it in
 * xs_ct_nat_target.pad); a commit with XS_CT_F_LABEL writes the label
 * first (its XS_ACT_CT_LABEL pair, stashed by xs_ct_label_stash). Global
 * function: verified once; its frame is off the ct action's call chain
 * and the caller keeps nothing for it. */
__attribute__((noinline)) int xs_tc_ct_label(struct xs_flow_key *key, const struct xs_action *ct,
					     __u32 conn)
{
	struct xs_ct_label_key lk = {};
	struct xs_ct_label_val nv, *v = NULL;
	__u64 *l;

	if (!key || !ct) /* verifier: global function arguments */
		return 0;
	l = (__u64 *)key->ct_label;
	l[0] = 0;
	l[1] = 0;
	conn = (conn >> XS_CT_CONN_SHIFT) & 3;
	if (!XS_CT_TUPLE_VALID(key->ct_state) || conn == XS_CT_CONN_NONE)
		return 0;
	xs_ct_label_key_of(key, &lk);
	if (ct->type == XS_ACT_CT && (ct->flags & (XS_CT_F_COMMIT | XS_CT_F_LABEL)) ==
					     (XS_CT_F_COMMIT | XS_CT_F_LABEL)) {
		struct xs_ct_label_pending *p;
		const __u64 *val, *msk;
		__u64 *n = (__u64 *)nv.label;
		__u32 zero = 0;

		p = bpf_map_lookup_elem(&xs_ct_lbl_stash, &zero);
		if (!p)
			return -1;
		val = (const __u64 *)p->val;
		msk = (const __u64 *)p->mask;

		if (conn == XS_CT_CONN_FOUND)
			v = bpf_map_lookup_elem(&xs_ct_labels, &lk);
		__builtin_memcpy(nv.label, v ? v->label : key->ct_label, 16);
		n[0] = (n[0] & ~msk[0]) | (val[0] & msk[0]);
		n[1] = (n[1] & ~msk[1]) | (val[1] & msk[1]);
		if (!xs_ct_labels_used)
			xs_ct_labels_used = 1;
		if (bpf_map_update_elem(&xs_ct_labels, &lk, &nv, BPF_ANY))
			return -1;
		l[0] = n[0];
		l[1] = n[1];
		return 0;
	}
	if (!xs_ct_labels_used)
		return 0;
	if (conn == XS_CT_CONN_FRESH) {
		/* A new connection of a tuple an old one labelled. */
		bpf_map_delete_elem(&xs_ct_labels, &lk);
		return 0;
	}
	v = bpf_map_lookup_elem(&xs_ct_labels, &lk);
	if (v)
		__builtin_memcpy(key->ct_label, v->label, 16);
	return 0;
}

#endif
