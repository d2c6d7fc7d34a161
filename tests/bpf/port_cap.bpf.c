// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Test helper: one XDP program for the far ends of many veths (a flood's
 * receivers): counts the test's frames per interface and keeps the last
 * PC_FRAMES of each, then drops them. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PC_MAX_IFINDEX 4096 /* ifindexes of a fresh namespace stay below */
#define PC_FRAMES 4
#define PC_BYTES 128

struct pc_frame {
	__u32 len; /* whole frame */
	__u8 data[PC_BYTES];
};

struct pc_port {
	__u64 count; /* frames kept; frame n is in frames[n % PC_FRAMES] */
	struct pc_frame frames[PC_FRAMES];
};

/* Indexed by ingress ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PC_MAX_IFINDEX);
	__type(key, __u32);
	__type(value, struct pc_port);
} pc_ports SEC(".maps");

__u8 pc_src[6]; /* set by the test: keep only frames from this source MAC */

SEC("xdp")
int port_cap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* 64-bit on purpose: a __u32 would be bounded in its low half while
	 * clang passes the whole register to the helper (verifier). */
	__u64 len = data_end - data;
	__u32 ifindex = ctx->ingress_ifindex;
	__u8 *src = (__u8 *)data + 6;
	struct pc_port *p;
	struct pc_frame *f;

	if ((void *)(src + 6) > data_end)
		return XDP_DROP;
	for (int i = 0; i < 6; i++)
		if (src[i] != pc_src[i])
			return XDP_DROP;
	p = bpf_map_lookup_elem(&pc_ports, &ifindex);
	if (!p)
		return XDP_DROP;
	f = &p->frames[__sync_fetch_and_add(&p->count, 1) % PC_FRAMES];
	f->len = len;
	if (len > PC_BYTES)
		len = PC_BYTES;
	if (len > 0)
		bpf_xdp_load_bytes(ctx, 0, f->data, len);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
