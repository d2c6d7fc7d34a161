// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Test program for bpf/parse.h: parses the frame with xs_parse() and stores
 * the key, the parse info and the result in slot 0 of an array map. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/parse.h"

/* What one run leaves in parse_out[0]; tests/bpf/test_parse.c reads it. */
struct parse_out {
	struct xs_flow_key key;
	struct xs_parse_info info;
	__s32 ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct parse_out);
} parse_out SEC(".maps");

SEC("xdp")
int parse_key(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct parse_out *out = bpf_map_lookup_elem(&parse_out, &zero);

	if (!out)
		return XDP_ABORTED;
	__builtin_memset(&out->key, 0, sizeof(out->key));
	out->key.in_port = ctx->ingress_ifindex;
	out->ret = xs_parse(data, data_end, &out->key, &out->info);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
