// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The XDP program for hardware mode (include/xdpswitch/xdp_hw.h): drops
 * what a drop megaflow matches, passes the rest to the driver-mode fast
 * path. Kept within what offloading NICs accept: array and hash maps,
 * small values, no helpers but map lookups, bounded unrolled loops. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdpswitch/flow_key.h"
#include "xdpswitch/xdp_hw.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Written by the agent when a drop megaflow is offloaded or removed. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_HW_MAX_MASKS);
	__type(key, __u32);
	__type(value, struct xs_hw_mask);
} xs_hw_masks SEC(".maps");

/* Masked key -> counters (read by the agent for the megaflow's stats). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_HW_MAX_DROPS);
	__type(key, struct xs_hw_drop_key);
	__type(value, struct xs_hw_counters);
} xs_hw_drops SEC(".maps");

static __always_inline int parse(void *data, void *end, struct xs_hw_key *k)
{
	__u8 *p = data;
	__be16 type;

	if ((void *)(p + 14) > end)
		return -1;
	__builtin_memcpy(k->dl_dst, p, 6);
	__builtin_memcpy(k->dl_src, p + 6, 6);
	type = *(__be16 *)(p + 12);
	p += 14;
	if (type == bpf_htons(0x8100) || type == bpf_htons(0x88a8)) {
		if ((void *)(p + 4) > end)
			return 0;
		k->vlan_tci = *(__be16 *)p | bpf_htons(XS_VLAN_PRESENT);
		type = *(__be16 *)(p + 2);
		p += 4;
	}
	k->dl_type = type;
	if (type != bpf_htons(0x0800) || (void *)(p + 20) > end)
		return 0;
	{
		__u8 ihl = (p[0] & 0xf) * 4;
		__u16 frag = bpf_ntohs(*(__be16 *)(p + 6));

		if (ihl < 20)
			return 0;
		k->nw_proto = p[9];
		k->nw_src = *(__be32 *)(p + 12);
		k->nw_dst = *(__be32 *)(p + 16);
		if (frag & 0x3fff)
			k->nw_frag = XS_FRAG_ANY | ((frag & 0x1fff) ? XS_FRAG_LATER : 0);
		if (k->nw_frag & XS_FRAG_LATER)
			return 0;
		p += ihl;
	}
	if ((void *)(p + 4) > end)
		return 0;
	if (k->nw_proto == 6 || k->nw_proto == 17) {
		k->tp_src = *(__be16 *)p;
		k->tp_dst = *(__be16 *)(p + 2);
	} else if (k->nw_proto == 1) {
		k->tp_src = bpf_htons(p[0]);
		k->tp_dst = bpf_htons(p[1]);
	}
	return 0;
}

SEC("xdp")
int xs_xdp_hw(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct xs_hw_key k = {};
	__u64 *w = (__u64 *)&k;

	if (parse(data, end, &k) < 0)
		return XDP_PASS;
	/* Unrolled: offloading NICs take no loops the verifier must walk. */
#pragma unroll
	for (__u32 i = 0; i < XS_HW_MAX_MASKS; i++) {
		struct xs_hw_drop_key dk = { .mask_idx = i };
		__u64 *dw = (__u64 *)&dk.masked;
		struct xs_hw_counters *c;
		struct xs_hw_mask *m;
		__u32 idx = i;

		m = bpf_map_lookup_elem(&xs_hw_masks, &idx);
		if (!m || !m->used)
			continue;
		dw[0] = w[0] & ((__u64 *)&m->mask)[0];
		dw[1] = w[1] & ((__u64 *)&m->mask)[1];
		dw[2] = w[2] & ((__u64 *)&m->mask)[2];
		dw[3] = w[3] & ((__u64 *)&m->mask)[3];
		c = bpf_map_lookup_elem(&xs_hw_drops, &dk);
		if (c) {
			__sync_fetch_and_add(&c->packets, 1);
			__sync_fetch_and_add(&c->bytes, (__u64)(end - data));
			return XDP_DROP;
		}
	}
	return XDP_PASS;
}
