// SPDX-License-Identifier: Apache-2.0
/* The agent's commands for userspace datapaths (--datapath dummy): frames in
 * by hand (inject), frames out for inspection (dump-outputs). */
#ifndef XS_DAEMON_DUMMY_CMDS_H
#define XS_DAEMON_DUMMY_CMDS_H

#include "agent/daemon/agent.h"
#include "agent/daemon/flow_cmds.h"

/* Each appends its output and returns 0 ok, 1 failed. Positional
 * arguments on the wire:
 *   inject PORT HEXFRAME  PORT: a port's name or OpenFlow number;
 *                         HEXFRAME: the frame's bytes as hex digits (1 to
 *                         XS_FLOW_PARSE_MAX_LEN bytes). The frame arrives
 *                         on the port; a miss it causes is handled before
 *                         the command returns, so its outputs are in the
 *                         log then. Prints nothing on success.
 *   dump-outputs          (--json) the frames the datapath sent since the
 *                         last dump, oldest first, and empties the log:
 *                         "port N: HEX" lines, or a JSON array of
 *                         {"port": N, "len": L, "hex": "..."}; N is the
 *                         datapath port number (show's dp_port).
 * Both fail with a message when the datapath takes no injected frames (it
 * is not a userspace one). */
int xs_agent_cmd_inject(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out);
int xs_agent_cmd_dump_outputs(struct xs_agent *a, const struct xs_agent_req *r,
			      struct xs_ctl_buf *out);

#endif
