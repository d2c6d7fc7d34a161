// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Test helper: XDP program for the far end of a veth; records the test's
 * frames (a ring of the last CAP_FRAMES) and drops everything. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CAP_FRAMES 16
#define CAP_BYTES 2048

struct cap_frame {
	__u32 len;     /* whole frame */
	__u32 ifindex; /* where it arrived */
	__u8 data[CAP_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CAP_FRAMES);
	__type(key, __u32);
	__type(value, struct cap_frame);
} cap_frames SEC(".maps");

__u64 cap_count; /* frames kept; frame n is in cap_frames[n % CAP_FRAMES] */
__u8 cap_src[6];  /* set by the test: keep only frames from this source MAC
		   * (the host may send its own frames on a fresh link) */

SEC("xdp")
int capture(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* 64-bit on purpose: a __u32 would be bounded in its low half while
	 * clang passes the whole register to the helper (verifier). */
	__u64 len = data_end - data;
	__u8 *src = (__u8 *)data + 6;
	struct cap_frame *f;
	__u32 idx;

	if ((void *)(src + 6) > data_end)
		return XDP_DROP;
	for (int i = 0; i < 6; i++)
		if (src[i] != cap_src[i])
			return XDP_DROP;
	idx = __sync_fetch_and_add(&cap_count, 1) % CAP_FRAMES;
	f = bpf_map_lookup_elem(&cap_frames, &idx);
	if (!f)
		return XDP_DROP;
	f->len = len;
	f->ifindex = ctx->ingress_ifindex;
	if (len > CAP_BYTES)
		len = CAP_BYTES;
	if (len > 0)
		bpf_xdp_load_bytes(ctx, 0, f->data, len);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
