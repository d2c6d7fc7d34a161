/* The agent's state file: the OpenFlow rules and the port list of one
 * bridge, rewritten atomically after every change and read back at start.
 *
 * Format (text, one item a line, '#' comments):
 *   xdpswitch-state 1
 *   port NAME OFPORT [clsact]   clsact: the agent created the port's
 *                               clsact qdisc (so removing the port removes it)
 *   flow FLOW            FLOW as ofp_format_flow prints it (add-flow syntax)
 * Writing goes to PATH.tmp, is fsync'ed, renamed over PATH and the
 * directory fsync'ed: a reader sees the old file or the new one, whole,
 * even across a crash. Reading parses everything before returning, so a
 * bad file changes nothing; its error names file:line. Counters and rule
 * ages are not kept: a restarted agent starts them again (hard timeouts
 * restart too). */
#ifndef XS_DAEMON_STATE_FILE_H
#define XS_DAEMON_STATE_FILE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/pipeline/flow_table.h"

#define XS_STATE_VERSION 1

struct xs_state_port {
	char name[IF_NAMESIZE];
	uint32_t ofport;
	bool created_qdisc;
};

struct xs_state {
	struct xs_state_port *ports;  /* heap */
	size_t n_ports;
	struct ofp_flow *flows;       /* heap; each freed with ofp_flow_free */
	size_t n_flows;
};

/* Writes @ft's rules and @ports to @path atomically (see above). Returns 0
 * or -errno with @why set ("writing PATH.tmp: ..."); on error @path is
 * untouched and the temporary file removed. */
int xs_state_write(const char *path, const struct flow_tables *ft,
		   const struct xs_state_port *ports, size_t n_ports, char *why, size_t why_size);

/* Reads @path into *@st (zeroed first). Returns 0, -ENOENT when there is
 * no such file (nothing to restore), or -EINVAL/-errno with @why set to
 * "PATH:LINE: message" (column too, for a bad flow); on error *@st holds
 * nothing. */
int xs_state_read(const char *path, struct xs_state *st, char *why, size_t why_size);

void xs_state_free(struct xs_state *st);

#endif
