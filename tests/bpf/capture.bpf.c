/* Test helper: an XDP program for the far end of a veth that records every
 * frame it receives (a ring of the last CAP_FRAMES) and drops it. */
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

__u64 cap_count; /* frames seen; frame n is in cap_frames[n % CAP_FRAMES] */

SEC("xdp")
int capture(struct xdp_md *ctx)
{
	__u32 idx = __sync_fetch_and_add(&cap_count, 1) % CAP_FRAMES;
	struct cap_frame *f = bpf_map_lookup_elem(&cap_frames, &idx);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/* 64-bit on purpose: a __u32 would be bounded in its low half while
	 * clang passes the whole register to the helper (verifier). */
	__u64 len = data_end - data;

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

char LICENSE[] SEC("license") = "GPL";
