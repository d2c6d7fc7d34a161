// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Somebody else's XDP program, for the tests that check the agent refuses
 * to replace it without --force. Passes every packet. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xs_foreign(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
