/* The agent's OpenFlow commands on the control socket (add-flow, dump-flows,
 * trace-live, ...): where the pipeline plugs into the agent. */
#ifndef XS_DAEMON_FLOW_CMDS_H
#define XS_DAEMON_FLOW_CMDS_H

#include "agent/daemon/agent.h"
#include "xdpswitch/datapath.h"

/* Each takes the request argv (argv[0] = command name, counts already
 * checked by handlers.c), appends its output, returns 0 ok, 1 failed. The
 * arguments on the wire:
 *   add-flow FLOW
 *   add-flows NAME TEXT        NAME: the file's name for error messages,
 *   replace-flows NAME TEXT    TEXT: its contents (the CLI reads the file)
 *   del-flows [--strict] [MATCH]
 *   dump-flows [MATCH]
 *   dump-megaflows
 *   trace-live PACKET          ofproto/trace packet syntax */
int xs_agent_cmd_add_flow(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out);
int xs_agent_cmd_add_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out);
int xs_agent_cmd_del_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out);
int xs_agent_cmd_replace_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out);
int xs_agent_cmd_dump_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out);
int xs_agent_cmd_dump_megaflows(struct xs_agent *a, int argc, char **argv,
				struct xs_ctl_buf *out);
/* One miss from the datapath (dp_xs.c): translate u->key through the
 * tables, install the megaflow, execute u->pkt with its actions. Returns 0
 * (a negative value stops the current ringbuf poll). */
int xs_agent_handle_upcall(struct xs_agent *a, const struct xs_upcall *u);

int xs_agent_cmd_trace_live(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out);

#endif
