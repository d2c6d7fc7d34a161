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
#include "agent/dpif/dpif.h"
#include "agent/pipeline/xlate.h"

#define XS_UPCALL_BATCH 64 /* misses handled together (merged by key) */

struct dp_xs {
	struct xs_dpif *dpif;
	struct xs_reval reval;       /* megaflows vs. tables, rule counters */
	struct xs_upcall *batch;     /* XS_UPCALL_BATCH records */
	unsigned n_batch;
	unsigned controller_logged;  /* controller packets logged so far */
};

/* --- megaflows.c ---------------------------------------------------------- */

/* Appends the megaflows like ovs-appctl dpctl/dump-flows (text) or as a
 * JSON array. Ports are printed as OpenFlow numbers. */
void xs_mf_dump(struct xs_agent *a, struct dp_xs *x, struct xs_ctl_buf *out, bool json,
		int type);

/* --- upcall.c ------------------------------------------------------------- */

/* Reads every waiting record from the ringbuf and handles them in
 * batches: translate, install, re-inject (see agent.h "Misses"). Returns
 * the number of records read or -errno. */
int xs_upcalls_drain(struct xs_agent *a, struct dp_xs *x);

#endif
