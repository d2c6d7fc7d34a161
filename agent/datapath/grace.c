// SPDX-License-Identifier: Apache-2.0
/* Grace periods: when may a megaflow slot or a mask id be reused?
 *
 * A packet finds a slot through a hash entry or a microflow entry and then
 * reads that slot's actions while it runs them; it walks a mask list and
 * probes each id in it. If the agent rewrote the slot (or gave the id to
 * another mask) in between, the packet would run half of one action list
 * and half of another (or match another mask's megaflows). So a released
 * slot or id waits in limbo until no program run that may have seen it is
 * still going, and that is a fact the kernel can give us:
 *
 *  - every run of the fast path's programs is one RCU read-side critical
 *    section: XDP runs in the driver's NAPI poll (softirq, bottom halves
 *    off) or in generic XDP under rcu_read_lock(); TC ingress runs under
 *    rcu_read_lock() in the receive path; BPF_PROG_TEST_RUN (the agent's
 *    re-injection) runs each repetition under rcu_read_lock(). Since the
 *    RCU flavours were merged (Linux 5.0), synchronize_rcu() also waits
 *    for regions with bottom halves or preemption off;
 *  - a packet's lookup and its use of what it found happen in one run;
 *  - updating an element of a map-in-map (BPF_MAP_TYPE_ARRAY_OF_MAPS)
 *    through the bpf() syscall ends with synchronize_rcu()
 *    (kernel/bpf/syscall.c, maybe_wait_bpf_programs(), added in 2018 and
 *    kept since; Linux 6.x: "Wait for any running non-sleepable BPF
 *    programs to complete so that userspace, when we return to it, knows
 *    that all non-sleepable programs that could be running use the new
 *    map value"). The fast path has no sleepable programs.
 *
 * So: slot s is retired (hash entry deleted, generation 0 written) at t0;
 * the agent updates its private ARRAY_OF_MAPS at t1 > t0 and the call
 * returns at t2. A run that could hold s's old handle began before t0,
 * hence before t1, hence ended before t2. A run that began after t0 cannot
 * find the handle: the hash entry is gone, and a microflow entry naming it
 * compares its generation with the slot's (0, or the next owner's), which
 * never equals it. From t2 on the slot may be rewritten. Mask ids: the new
 * list without the id is published at t0 (one element replace); a run
 * that read the old list began before t0. Nothing depends on timing: the
 * old FIFO reuse (about 64 allocations later) was safe only by timing.
 *
 * The price: one synchronize_rcu() (a few ms, more on a loaded host) per
 * batch of releases, paid when an allocation finds only limbo slots, and
 * once a second by the revalidator's tick (xs_dp_grace_if_needed), so
 * allocations rarely wait. The map is the agent's own, used by no
 * program: the wait covers every program anyway. */
#include <errno.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/clock.h"
#include "agent/datapath/dp_internal.h"

int xs_dp_grace_init(struct xs_dp *dp)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int err;

	dp->fd_grace_outer = -1;
	dp->fd_grace_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xs_grace_in", 4, 4, 1, NULL);
	if (dp->fd_grace_inner < 0)
		return -errno;
	o.inner_map_fd = dp->fd_grace_inner;
	dp->fd_grace_outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "xs_grace", 4, 4, 1, &o);
	if (dp->fd_grace_outer < 0) {
		err = -errno;
		close(dp->fd_grace_inner);
		dp->fd_grace_inner = -1;
		return err;
	}
	return 0;
}

void xs_dp_grace_fini(struct xs_dp *dp)
{
	if (dp->fd_grace_outer > 0)
		close(dp->fd_grace_outer);
	if (dp->fd_grace_inner > 0)
		close(dp->fd_grace_inner);
	dp->fd_grace_outer = dp->fd_grace_inner = -1;
}

int xs_dp_grace(struct xs_dp *dp)
{
	uint64_t t0 = xs_mono_ns();
	uint32_t zero = 0;

	if (bpf_map_update_elem(dp->fd_grace_outer, &zero, &dp->fd_grace_inner, BPF_ANY))
		return -errno;
	dp->graces++;
	dp->grace_ns += xs_mono_ns() - t0;
	xs_slot_grace_done(&dp->slots);
	xs_mask_grace_done(&dp->masks);
	return 0;
}

int xs_dp_grace_if_needed(struct xs_dp *dp)
{
	if (!dp || (!dp->slots.n_limbo && !dp->masks.n_limbo))
		return 0;
	return xs_dp_grace(dp);
}

uint64_t xs_dp_graces(const struct xs_dp *dp, uint64_t *wait_ns)
{
	if (wait_ns)
		*wait_ns = dp->grace_ns;
	return dp->graces;
}
