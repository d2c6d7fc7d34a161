// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Trivial XDP and TC programs for the attach tests. They pass every packet;
 * the "foreign" ones stand for somebody else's program on the interface. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xs_test_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int xs_test_foreign(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("tc")
int xs_test_tc_pass(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

SEC("tc")
int xs_test_tc_foreign(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
