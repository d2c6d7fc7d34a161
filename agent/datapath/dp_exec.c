/* Re-injection: runs a packet through the XDP program with a megaflow's
 * actions (struct xs_meta in front of the frame), as live frames. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "agent/datapath/dp_internal.h"

/* Largest frame a live test run takes: one page less the XDP headroom and
 * the skb_shared_info tail the kernel keeps. */
#define XS_EXEC_MAX_LEN 3520

int xs_dp_execute(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len,
		  struct xs_flow_handle h)
{
	struct xs_meta meta = {
		.magic = XS_META_EXEC,
		.slot = h.slot,
		.gen = h.gen,
	};
	struct xdp_md ctx = {
		.data = sizeof(meta), /* the meta goes before the frame */
		.data_end = sizeof(meta) + len,
		.ingress_ifindex = ifindex,
	};
	unsigned char buf[sizeof(meta) + XS_EXEC_MAX_LEN];

	if (!dp || !pkt || len < 14 || len > XS_EXEC_MAX_LEN || !ifindex)
		return -EINVAL;
	memcpy(buf, &meta, sizeof(meta));
	memcpy(buf + sizeof(meta), pkt, len);
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = buf,
		.data_size_in = sizeof(meta) + len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		.repeat = 1,
	);
	return bpf_prog_test_run_opts(xs_dp_xdp_prog_fd(dp), &opts) ? -errno : 0;
}

int xs_dp_execute_actions(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len,
			  const struct xs_action *actions, uint16_t n_actions, uint16_t flags)
{
	struct xs_flow_handle h = { .slot = 0 };
	int err;

	if (!dp)
		return -EINVAL;
	err = xs_dp_check_actions(actions, n_actions, flags);
	if (err)
		return err;
	/* The scratch slot is only ever run by this thread's test runs, which
	 * finish (frames sent) before the syscall returns. */
	h.gen = xs_slot_scratch_gen(&dp->slots);
	err = xs_dp_slot_write(dp, 0, h.gen, actions, n_actions, flags);
	if (err)
		return err;
	return xs_dp_execute(dp, ifindex, pkt, len, h);
}
