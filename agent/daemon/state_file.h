// SPDX-License-Identifier: Apache-2.0
/* The agent's state snapshot: the OpenFlow rules and the port list of one
 * bridge, written atomically, and the restore of a bridge from it and the
 * journal that follows it (journal.h).
 *
 * Format (text, one item a line, '#' comments):
 *   xdpswitch-state 2 gen N     N: the generation, counted up by every
 *                               snapshot; a journal applies to one of them
 *   port NAME OFPORT [clsact]   clsact: the agent created the port's
 *                               clsact qdisc (so removing the port removes it)
 *   flow FLOW            FLOW as ofp_format_flow prints it (add-flow syntax)
 *   wire FLAGS MATCH INSTS  what a controller sent for the flow before
 *                        (wire_store.h's text; only with a wire store)
 * Version 1 files (the header "xdpswitch-state 1", written before there was
 * a journal) still load, as generation 0, which no journal carries.
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

#include "agent/daemon/journal.h"
#include "agent/pipeline/flow_table.h"

#define XS_STATE_VERSION 2

struct xs_state_port {
	char name[IF_NAMESIZE];
	uint32_t ofport;
	bool created_qdisc;
	char vlan[XS_PORT_VLAN_TEXT_MAX]; /* VLAN options, "" for the defaults */
};

struct xs_state {
	uint64_t gen;                 /* of the snapshot; 0 for version 1 */
	struct xs_state_port *ports;  /* heap */
	size_t n_ports;
	struct ofp_flow *flows;       /* heap; each freed with ofp_flow_free */
	size_t n_flows;
	struct xs_state_wire {        /* `wire` lines: of flows[flow] */
		size_t flow;
		struct wire_bytes wb;
	} *wires;                     /* heap */
	size_t n_wires;
};

/* Writes @ft's rules (with ft->wire's entries that still describe them)
 * and @ports to @path atomically (see above) as
 * generation @gen; *@bytes (may be NULL) gets the file's size. Returns 0
 * or -errno with @why set ("writing PATH.tmp: ..."); on error @path is
 * untouched and the temporary file removed. */
int xs_state_write(const char *path, uint64_t gen, const struct flow_tables *ft,
		   const struct xs_state_port *ports, size_t n_ports, size_t *bytes,
		   char *why, size_t why_size);

/* Reads @path into *@st (zeroed first). Returns 0, -ENOENT when there is
 * no such file (nothing to restore), or -EINVAL/-errno with @why set to
 * "PATH:LINE: message" (column too, for a bad flow); on error *@st holds
 * nothing. */
int xs_state_read(const char *path, struct xs_state *st, char *why, size_t why_size);

/* Rebuilds what a previous agent saved: the snapshot at @state_path, then
 * every committed batch of the journal at @journal_path that carries the
 * snapshot's generation, in order (journal.h; a torn tail is left out, a
 * stale or missing journal skipped). The rules go into @ft (empty tables,
 * rule times @now_ms; the `wire` lines and records into ft->wire when it
 * is set), the ports and the generation into *@st (its flows stay
 * empty). `mod` records are replayed with @modify (NULL: such a
 * record is an error). *@scan says what the journal held (zeroed without
 * one). Returns 0; -ENOENT when there is no snapshot (nothing to restore;
 * a journal alone is ignored); or -EINVAL/-errno with @why "PATH:LINE:
 * what is wrong" naming the snapshot or the journal, and then @ft is
 * emptied and *@st holds nothing: a damaged journal restores nothing. */
int xs_state_load(const char *state_path, const char *journal_path, xs_journal_modify_fn modify,
		  uint64_t now_ms, struct flow_tables *ft, struct xs_state *st,
		  struct xs_journal_scan *scan, char *why, size_t why_size);

void xs_state_free(struct xs_state *st);

#endif
