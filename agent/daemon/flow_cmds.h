// SPDX-License-Identifier: Apache-2.0
/* The agent's OpenFlow commands on the control socket (add-flow, dump-flows,
 * trace-live, ...): the OpenFlow tables of the bridge and their views. */
#ifndef XS_DAEMON_FLOW_CMDS_H
#define XS_DAEMON_FLOW_CMDS_H

#include "agent/daemon/agent.h"

/* A request after handlers.c took it apart: the command name, its
 * positional arguments (counts already checked) and the flags given. */
struct xs_agent_req {
	const char *cmd;
	char **pos;
	int n_pos;
	bool json;   /* --json */
	bool strict; /* --strict */
	bool force;  /* --force */
	bool stats;  /* --stats (show) */
};

/* Each appends its output and returns 0 ok, 1 failed. The positional
 * arguments on the wire:
 *   add-flow FLOW
 *   add-flows NAME TEXT        NAME: the file's name for error messages,
 *   replace-flows NAME TEXT    TEXT: its contents (the CLI reads the file)
 *   del-flows [MATCH]          (--strict)
 *   mod-flows FLOW             (--strict) new actions for the flows
 *   mod-flows NAME TEXT        FLOW selects; or one such flow per line,
 *                              applied in order, all or nothing
 *   dump-flows [MATCH]         (--json)
 *   dump-megaflows             (--json)
 *   trace-live PACKET          ofproto/trace packet syntax (--json)
 * Commands that change the tables do it through xs_agent_flow_*()
 * (persist.h: journaled) and end with xs_agent_tables_changed(); within a
 * batch of requests the revalidation and the journal commit follow the
 * last one, before any answer. */
int xs_agent_cmd_add_flow(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out);
int xs_agent_cmd_add_flows(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out);
int xs_agent_cmd_del_flows(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out);
int xs_agent_cmd_mod_flows(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out);
int xs_agent_cmd_replace_flows(struct xs_agent *a, const struct xs_agent_req *r,
			       struct xs_ctl_buf *out);
int xs_agent_cmd_dump_flows(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out);
int xs_agent_cmd_dump_megaflows(struct xs_agent *a, const struct xs_agent_req *r,
				struct xs_ctl_buf *out);
int xs_agent_cmd_trace_live(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out);

#endif
