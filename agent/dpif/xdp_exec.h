// SPDX-License-Identifier: Apache-2.0
/* Re-injection in userspace for the xdp provider: a missed packet whose
 * actions are rewrites and plain outputs is run by the dummy datapath's
 * executor (dummy_exec.h: the fast path's bytes, tests/bpf/
 * test_dummy_vs_xdp.c) and its frames queued, then sent with one sendmmsg
 * on a packet socket for the whole batch of misses. A test run of
 * xs_tc_exec per packet costs a syscall and an skb each; this costs one
 * syscall per batch. Anything else (floods, conntrack, recirculation,
 * to-agent, an expiring TTL, a frame the rewrite refuses) is left to the
 * test run, which does it as the fast path does. */
#ifndef XS_AGENT_DPIF_XDP_EXEC_H
#define XS_AGENT_DPIF_XDP_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdpswitch/actions.h"
#include "xdpswitch/datapath.h"

/* Frames queued at most; a fuller queue is sent first. */
#define XS_XDP_EXEC_QUEUE 256

struct xs_xdp_exec;

/* A packet socket that only sends. 0, or -errno (no CAP_NET_RAW, say:
 * then every packet takes the test run). */
int xs_xdp_exec_open(struct xs_xdp_exec **out);
void xs_xdp_exec_close(struct xs_xdp_exec *e);

/* Runs @actions on the @len bytes at @pkt that arrived on @in_port and
 * queues the frames they output (sent now unless deferred). Returns 0 with
 * *@credit (may be NULL) set to what the fast path's counters would have
 * counted for the packet (one packet, @len bytes, now, its TCP flags);
 * -EOPNOTSUPP if the list or the frame needs the fast path's executor
 * (nothing queued); -EMSGSIZE beyond XS_UPCALL_MAX_PKT bytes. */
int xs_xdp_exec_run(struct xs_xdp_exec *e, uint32_t in_port, const void *pkt, size_t len,
		    const struct xs_action *actions, uint16_t n_actions,
		    struct xs_flow_stats *credit);

/* While deferred, frames wait in the queue (a batch of misses); ending it
 * sends them. */
void xs_xdp_exec_defer(struct xs_xdp_exec *e, bool on);

/* Sends the queued frames in one sendmmsg (more if the kernel takes only
 * part). Returns how many could not be sent (also counted). */
unsigned xs_xdp_exec_flush(struct xs_xdp_exec *e);

/* Packets run here, frames sent, frames the kernel refused, packets
 * whose list output nothing (the fast path counts them as action_drop). */
void xs_xdp_exec_counts(const struct xs_xdp_exec *e, uint64_t *run, uint64_t *sent,
			uint64_t *failed, uint64_t *dropped);

#endif
