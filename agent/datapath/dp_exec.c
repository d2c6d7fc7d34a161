// SPDX-License-Identifier: Apache-2.0
/* Re-injection: runs a packet with a megaflow's actions through xs_tc_exec
 * (an skb test run on the ingress port), named by struct xs_exec_req in
 * the object's .bss. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "agent/datapath/dp_internal.h"
#include "xdpswitch.skel.h"

/* Largest frame a test run takes: one page less the headroom and the
 * skb_shared_info tail the kernel keeps. */
#define XS_EXEC_MAX_LEN 3520

int xs_dp_execute(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len,
		  struct xs_flow_handle h)
{
	struct __sk_buff ctx = { .ifindex = ifindex, .ingress_ifindex = ifindex };

	if (!dp || !pkt || len < 14 || len > XS_EXEC_MAX_LEN || !ifindex)
		return -EINVAL;
	/* Read by the program during the syscall below; this thread is the
	 * only writer and the only one that runs it. */
	dp->skel->bss->xs_exec_req.slot = h.slot;
	dp->skel->bss->xs_exec_req.gen = h.gen;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = (__u32)len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	return bpf_prog_test_run_opts(bpf_program__fd(dp->skel->progs.xs_tc_exec), &opts)
		? -errno : 0;
}

int xs_dp_execute_actions(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len,
			  const struct xs_action *actions, uint16_t n_actions, uint16_t flags)
{
	struct xs_flow_handle h = { .slot = 0 }, slots[XS_RECORD_MAX_SLOTS];
	struct xs_mf_words none = { 0 };
	int err;

	if (!dp)
		return -EINVAL;
	err = xs_dp_check_actions(actions, n_actions, flags);
	if (err)
		return err;
	/* The scratch slot is only ever run by this thread's test runs, which
	 * finish (frames sent) before the syscall returns. */
	h.gen = xs_slot_scratch_gen(&dp->slots);
	/* A long list goes on in the scratch continuations, the slots past
	 * the pool's (dp.c sizes xs_flows for them). */
	slots[0] = h;
	for (uint32_t i = 1; i < XS_RECORD_MAX_SLOTS; i++)
		slots[i] = (struct xs_flow_handle){ dp->slots.n_slots + i - 1, h.gen };
	err = xs_dp_record_write(dp, slots, h.gen, &none, actions, n_actions, flags);
	if (err)
		return err;
	return xs_dp_execute(dp, ifindex, pkt, len, h);
}

const struct xs_dp_flow *xs_dp_flow_peek(const struct xs_dp *dp, struct xs_flow_handle h)
{
	if (!dp || !h.gen || !xs_slot_live(&dp->slots, h) || !dp->mirror[h.slot])
		return NULL;
	return &dp->mirror[h.slot]->flow;
}

int xs_dp_flow_credit(struct xs_dp *dp, struct xs_flow_handle h, const struct xs_flow_stats *add)
{
	struct xs_flow_stats *c;

	if (!xs_dp_flow_peek(dp, h))
		return -ENOENT;
	c = &dp->mirror[h.slot]->carried;
	c->packets += add->packets;
	c->bytes += add->bytes;
	if (add->used_ns > c->used_ns)
		c->used_ns = add->used_ns;
	c->tcp_flags |= add->tcp_flags;
	return 0;
}
