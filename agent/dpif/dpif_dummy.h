// SPDX-License-Identifier: Apache-2.0
/* Limits of the userspace "dummy" datapath (xs_dpif_dummy, dpif.h), for the
 * commands that drive it and the tests that fill it up.
 *
 * Design. Megaflows live in a tuple space (dummy_table.h): a hash table per
 * mask, probed in turn, the first match wins; handles are slots with
 * generations. A packet that arrives (receive) is parsed by the fast path's
 * parser, looked up, counted, and run on a copy with the fast path's rewrite
 * semantics (dummy_exec.h); a miss becomes an upcall. Outputs go to a
 * bounded log that dump_outputs prints and empties; upcalls wait in a
 * bounded queue, and an eventfd is readable while any wait. */
#ifndef XS_AGENT_DPIF_DUMMY_H
#define XS_AGENT_DPIF_DUMMY_H

#include "agent/dpif/dpif.h"

#define XS_DUMMY_MAX_UPCALLS 4096     /* waiting at most; later ones are lost */
#define XS_DUMMY_MAX_OUTPUTS 4096     /* frames the output log keeps: the latest */
#define XS_DUMMY_MAX_FLOWS (1u << 24) /* largest xs_dpif_config.max_flows */

#endif
