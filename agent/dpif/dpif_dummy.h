/* Limits of the userspace "dummy" datapath (xs_dpif_dummy, dpif.h), for the
 * commands that drive it and the tests that fill it up.
 *
 * Design. Megaflows live in a tuple space: one hash table per distinct mask
 * (masked key -> megaflow), the masks in a list in the order they first
 * appeared; a packet probes each mask in turn and takes the first match
 * (the bridge installs megaflows that never overlap). A megaflow sits in a
 * slot of a growing array; its handle is {slot, gen}, and the slot's
 * generation moves on at every install and modify, so an old handle turns
 * stale. Slot 0 is never used, so no live handle has slot 0 or gen 0.
 * Packets are run on a copy (agent/dpif/dummy_exec.h), outputs go to a
 * bounded log, upcalls to a bounded queue signalled by an eventfd. */
#ifndef XS_AGENT_DPIF_DUMMY_H
#define XS_AGENT_DPIF_DUMMY_H

#include "agent/dpif/dpif.h"

#define XS_DUMMY_MAX_UPCALLS 4096     /* waiting at most; later ones are lost */
#define XS_DUMMY_MAX_OUTPUTS 4096     /* frames the output log keeps: the latest */
#define XS_DUMMY_MAX_FLOWS (1u << 24) /* largest xs_dpif_config.max_flows */

#endif
