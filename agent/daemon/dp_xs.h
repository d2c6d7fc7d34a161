/* Private to the agent's xdpswitch datapath (dp_xs.c, upcall.c,
 * megaflows.c): its state, miss batches and the megaflow bookkeeping. */
#ifndef XS_DAEMON_DP_XS_H
#define XS_DAEMON_DP_XS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/daemon/agent.h"
#include "agent/datapath/dp.h"
#include "agent/pipeline/xlate.h"

#define XS_UPCALL_BATCH 64 /* misses handled together (merged by key) */

/* Which rules a megaflow's translation went through, and how much of its
 * counters they were already credited with. */
struct xs_mf_owner {
	uint32_t gen;             /* the handle's generation */
	uint32_t n_ids;
	uint64_t credited_packets;
	uint64_t credited_bytes;
	uint64_t ids[];           /* ft_rule ids */
};

struct dp_xs {
	struct xs_dp *dp;
	char pin_dir[128];
	struct xs_mf_owner **owners; /* by slot; NULL: not tracked */
	uint32_t n_slots;
	struct xs_upcall *batch;     /* XS_UPCALL_BATCH records */
	unsigned n_batch;
	unsigned controller_logged;  /* controller packets logged so far */
};

/* --- megaflows.c ---------------------------------------------------------- */

/* Sets up / frees the bookkeeping for a datapath of n_slots slots. */
int xs_mf_init(struct dp_xs *x, uint32_t n_slots);
void xs_mf_fini(struct dp_xs *x);

/* Remembers that megaflow h came from these rules (replacing what was
 * known of its slot). Returns 0 or -ENOMEM (then h is simply not
 * credited to anything). */
int xs_mf_track(struct dp_xs *x, struct xs_flow_handle h, const struct xlate_result *res);

/* Credits every installed megaflow's counters since the last harvest to
 * the rules it came from (rules deleted meanwhile are skipped). */
void xs_mf_harvest(struct xs_agent *a, struct dp_xs *x);

/* Harvests, then removes every megaflow and forgets their rules. Returns
 * 0 or -errno from the datapath. */
int xs_mf_flush(struct xs_agent *a, struct dp_xs *x);

/* Appends the megaflows like ovs-appctl dpctl/dump-flows (text) or as a
 * JSON array. Ports are printed as OpenFlow numbers. */
void xs_mf_dump(struct xs_agent *a, struct dp_xs *x, struct xs_ctl_buf *out, bool json);

/* --- upcall.c ------------------------------------------------------------- */

/* Reads every waiting record from the ringbuf and handles them in
 * batches: translate, install, re-inject (see agent.h "Misses"). Returns
 * the number of records read or -errno. */
int xs_upcalls_drain(struct xs_agent *a, struct dp_xs *x);

#endif
