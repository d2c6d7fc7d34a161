// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch agent --cleanup` when the pinned maps or the state file cannot
 * be adopted: a best-effort teardown that loads and adopts nothing. The
 * bridge's side: which ports were saved (the snapshot and journal read
 * whole if they parse, else their "port" lines alone), then the xdp
 * provider's sweep of programs and pins (agent/datapath/sweep.h), then
 * the saved state removed. Each removal and each failure is logged. */
#ifndef XS_DAEMON_CLEANUP_H
#define XS_DAEMON_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/daemon/agent.h"
#include "agent/datapath/sweep.h"

/* Is anything of @a's bridge left to clean up: its pin directory or its
 * saved state (snapshot or journal)? */
bool xs_cleanup_needed(const struct xs_agent *a);

/* The fallback teardown described above for @a's bridge (a->bridge, its
 * state and journal paths); the caller holds the bridge lock. Returns 0
 * when nothing of the bridge is left (no program of ours on the
 * interfaces it identified, no pin directory, no saved state), -EBUSY
 * when something could not be removed, -ENOMEM. */
int xs_cleanup_fallback(struct xs_agent *a);

#endif
