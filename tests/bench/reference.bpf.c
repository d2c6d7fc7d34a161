// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The reference the switch is measured against: the least an XDP forwarder
 * must do. Parse Ethernet and IPv4, then redirect through a devmap keyed by
 * the ingress port; anything else is passed to the kernel stack. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* ingress ifindex -> egress device */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} ref_ports SEC(".maps");

SEC("xdp")
int xs_reference(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if ((void *)(ip + 1) > data_end || ip->ihl < 5 ||
	    (void *)ip + ip->ihl * 4 > data_end)
		return XDP_DROP;
	return bpf_redirect_map(&ref_ports, ctx->ingress_ifindex, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
