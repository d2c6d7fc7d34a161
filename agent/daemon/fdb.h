// SPDX-License-Identifier: Apache-2.0
/* The bridge's side of NORMAL: its MAC table (agent/bridge/mac_table.h)
 * fed by the misses NORMAL translated, kept alive by the megaflows the
 * fast path uses, aged once a second, and the fdb-show / fdb-flush
 * commands.
 *
 * Consistency: every change of the table that can change a decision (an
 * address learned or moved, aged, evicted, flushed, or gone with its port)
 * is followed by a revalidation of the megaflows before the agent reads
 * another batch of misses or answers a command; a move is revalidated
 * before the packet that showed it is re-injected, so a moved host is
 * reached at its new port from its first packet there on. Refresh: what a megaflow's translation learned is learned
 * again whenever the megaflow was used since the last harvest (about once a
 * second), with the time of its last use, as Open vSwitch's revalidator
 * does: a host whose traffic stays in the fast path does not age out, and
 * comes back after an eviction or a flush. */
#ifndef XS_DAEMON_FDB_H
#define XS_DAEMON_FDB_H

#include "agent/daemon/agent.h"
#include "agent/daemon/flow_cmds.h"
#include "agent/daemon/revalidator.h"

/* Sets up a->macs and the pipeline's view of NORMAL (xs_agent_init).
 * Returns 0, -EINVAL (bad sizes) or -ENOMEM. */
int xs_fdb_init(struct xs_agent *a);
void xs_fdb_fini(struct xs_agent *a);

/* A miss was translated into @rx: learns its source address if NORMAL
 * saw one; a move is revalidated at once (before the packet is
 * re-injected), a new address with the rest of the batch. */
void xs_fdb_learn(struct xs_agent *a, const struct xs_reval_xlate *rx);

/* Revalidates when the table changed since the last call. */
void xs_fdb_sync(struct xs_agent *a);

/* Once a second: aging, then xs_fdb_sync. */
void xs_fdb_tick(struct xs_agent *a);

/* The revalidator's hook: a megaflow that learned @learn was used at
 * @used_ns; learned again with that time (see above). */
void xs_fdb_on_used(void *agent, const struct rs_learn *learn, uint64_t used_ns);

/* `show`: one line (text) or ", \"mac_table\": {...}" (json). */
void xs_fdb_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json);

/* fdb-show [--json]: the columns of ovs-appctl fdb/show (port, VLAN, MAC,
 * age in seconds). fdb-flush: empties the table. */
int xs_agent_cmd_fdb_show(struct xs_agent *a, const struct xs_agent_req *r,
			  struct xs_ctl_buf *out);
int xs_agent_cmd_fdb_flush(struct xs_agent *a, const struct xs_agent_req *r,
			   struct xs_ctl_buf *out);

#endif
