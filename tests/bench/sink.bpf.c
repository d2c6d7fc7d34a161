// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Packet sink: counts packets and bytes per CPU and drops them. Attached to
 * the far veth of the benchmark topology; sink.c reads the counters. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tests/bench/bench_shared.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_count);
} sink_count SEC(".maps");

SEC("xdp")
int xs_sink(struct xdp_md *ctx)
{
	__u32 zero = 0;
	struct bench_count *c = bpf_map_lookup_elem(&sink_count, &zero);

	if (c) { /* verifier: an array lookup cannot fail */
		c->packets++;
		c->bytes += ctx->data_end - ctx->data;
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
