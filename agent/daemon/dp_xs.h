// SPDX-License-Identifier: Apache-2.0
/* Private to the agent's bridge-side datapath glue (dp_xs.c, upcall.c,
 * megaflows.c): the datapath provider it drives (agent/dpif/dpif.h), miss
 * batches and the megaflow bookkeeping. Nothing here is BPF-specific. */
#ifndef XS_DAEMON_DP_XS_H
#define XS_DAEMON_DP_XS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/revalidator.h"
#include "agent/daemon/upcall_fair.h"
#include "agent/dpif/dpif.h"
#include "agent/pipeline/xlate.h"

#define XS_UPCALL_BATCH 64 /* misses handled together (merged by key) */
/* Records read per turn of the agent's loop: under a miss flood the loop
 * still serves control requests between turns (about 3 ms of misses). */
#define XS_UPCALL_TURN 256
/* ... and at most this long: a turn the scheduler stretches (the agent
 * shares its CPUs with the traffic; 256 records took 11-68 ms of wall
 * time under a flood here, for a few ms of CPU) ends early, and the rest
 * waits in the queues while the loop answers the control socket. */
#define XS_UPCALL_TURN_NS (5 * 1000 * 1000ull)
/* Records read from the ring per turn into the per-port queues
 * (upcall_fair.h): more than a turn handles, so a flood's excess is shed
 * here, cheaply, instead of holding the ring against other ports. */
#define XS_FAIR_READ 1024
/* Miss-path log lines per window; the rest are counted and summed up in
 * the first line of a later window. */
#define XS_MISS_LOG_BURST 10
#define XS_MISS_LOG_WINDOW_MS 10000

struct dp_xs {
	struct xs_dpif *dpif;
	struct xs_reval reval;       /* megaflows vs. tables, rule counters */
	struct xs_upcall *batch;     /* XS_UPCALL_BATCH records */
	struct xs_reval_xlate *xl;   /* XS_UPCALL_BATCH translations of a batch */
	struct xs_fair fair;         /* records read, waiting their turn */
	unsigned n_batch;
	unsigned controller_logged;  /* controller packets logged so far */
	uint64_t log_window_ms;      /* start of the miss-path log window */
	unsigned log_in_window;      /* lines logged in it */
	uint64_t log_suppressed;     /* lines not logged since the last one */
};

/* --- megaflows.c ---------------------------------------------------------- */

/* Appends the megaflows like ovs-appctl dpctl/dump-flows (text) or as a
 * JSON array. Ports are printed as OpenFlow numbers. */
void xs_mf_dump(struct xs_agent *a, struct dp_xs *x, struct xs_ctl_buf *out, bool json,
		int type);

/* --- upcall.c ------------------------------------------------------------- */

/* Reads up to XS_FAIR_READ waiting records from the ringbuf into the
 * per-port queues, and handles up to XS_UPCALL_TURN of the queued ones,
 * round robin over the ports, in batches: translate, install, re-inject (see agent.h "Misses").
 * Returns the number of records read or -errno. */
int xs_upcalls_drain(struct xs_agent *a, struct dp_xs *x);

#endif
