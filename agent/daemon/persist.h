// SPDX-License-Identifier: Apache-2.0
/* Table changes in batches: what the agent's requests change is applied at
 * once, journaled as records, and made true for traffic (one revalidation)
 * and durable (one journal write and fsync) once per batch, before any
 * answer of the batch is sent.
 *
 * Batches. A handler changes the tables through xs_agent_flow_*() (which
 * queue journal records) and ends with xs_agent_tables_changed(), which
 * only marks the tables dirty while a batch is open. The control server
 * opens a batch before the first request it read from a connection and
 * closes it after the last (server.h); xs_agent_batch_end() then commits:
 * dp_ops->tables_changed once if anything changed, then the records as
 * one journal batch. Outside a batch (start-up, a port's tx change, rule
 * timeouts) a change commits at once.
 *
 * Durable state. <run dir>/<bridge>.state is a snapshot (state_file.h)
 * with a generation N; <run dir>/<bridge>.journal holds the batches since
 * (journal.h), headed "gen N". A snapshot replaces the records when one is
 * due: at start (the restored state, --flows, the ports), on
 * replace-flows, when the journal would grow past
 * max(XS_JOURNAL_COMPACT_MIN, snapshot size) (so its cost, proportional
 * to the tables, is paid once per as many journaled bytes: constant per
 * change on average), and after any failure to journal. A snapshot is
 * written as generation N+1 (atomic rename) before its empty journal
 * (atomic rename): a crash between the two leaves the old journal, gen N,
 * which the next start skips as stale. Rules removed by their timeouts
 * (the revalidator's tick) reach the journal through the tables'
 * on_delete hook as strict deletes of each rule; a command's own deletes
 * are journaled as the command (one `del` record). */
#ifndef XS_DAEMON_PERSIST_H
#define XS_DAEMON_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/control/server.h"
#include "agent/daemon/journal.h"
#include "agent/ofp/flow.h"

#define XS_JOURNAL_COMPACT_MIN (1u << 20) /* bytes a journal may always reach */

struct xs_agent;
struct xs_port;
struct xs_state;

/* The agent's part for this (struct xs_agent.persist). */
struct xs_agent_persist {
	char journal_path[128];     /* <run dir>/<bridge>.journal */
	struct xs_journal journal;  /* open from the first snapshot on */
	uint64_t gen;               /* generation of the snapshot on disk */
	size_t snapshot_bytes;      /* its size */
	unsigned batch_depth;       /* > 0: inside a batch */
	bool dirty;                 /* changed since the last revalidation */
	bool snapshot_due;          /* the batch needs a snapshot (replace) */
	bool unsaved;               /* the disk lags behind: a snapshot is due */
	bool own_delete;            /* a command deletes: one record, not per rule */
	bool closed;                /* the agent stops: nothing is written */
	uint64_t batches;           /* journal batches written */
	uint64_t snapshots;         /* snapshots written */
};

/* Sets up a->persist for a's bridge (a->pipeline must exist): journal
 * path, the tables' on_delete hook. Returns 0 or -ENAMETOOLONG. */
int xs_agent_persist_init(struct xs_agent *a);

/* Stops persisting (the agent stops: what follows, port detaches, is not
 * saved) and closes the journal. Idempotent. */
void xs_agent_persist_fini(struct xs_agent *a);

/* Reads what a previous agent saved (xs_state_load): the rules go into
 * a->pipeline unless --flows replaces them or the agent cleans up; the
 * ports, to attach, into *@st (free with xs_state_free). Logs the
 * journal's replay (and a torn tail or stale journal it ignored). A
 * journal without its snapshot is removed. Returns 0, -ENOENT (nothing
 * saved) or -errno with @why "PATH:LINE: what is wrong" (the snapshot or
 * the journal is damaged: nothing restored, the files left as they are). */
int xs_agent_load_state(struct xs_agent *a, struct xs_state *st, char *why, size_t why_size);

/* Opens / closes a batch (nested calls count); the last close commits. */
void xs_agent_batch_begin(struct xs_agent *a);
void xs_agent_batch_end(struct xs_agent *a);

/* Revalidates (dp_ops->tables_changed) if the tables or ports changed
 * since the last commit, then makes the queued changes durable
 * (xs_agent_save_state). */
void xs_agent_commit(struct xs_agent *a);

/* The table operations of the flow commands, each journaled when it
 * changed something; return what the ft_* function returns (flow_table.h). */
int xs_agent_flow_add(struct xs_agent *a, const struct ofp_flow *flow, uint64_t now_ms);
int xs_agent_flow_delete(struct xs_agent *a, const struct ofp_flow *filter, bool strict,
			 size_t *n_deleted);
/* ft_modify_many (mod-flows), journaled as one `mod` record per flow. */
int xs_agent_flow_modify_many(struct xs_agent *a, const struct ofp_flow *flows, size_t n_flows,
			      bool strict, struct ft_modify_result *res);
/* ft_replace; the batch is then saved as a snapshot. */
int xs_agent_flow_replace(struct xs_agent *a, const struct ofp_flow *flows, size_t n_flows,
			  uint64_t now_ms);

/* Journal what a controller sent for rule (its wire_store entry, if it
 * has one), after the add (after_add: right after its record) or modify
 * that made it. */
void xs_agent_journal_wire(struct xs_agent *a, const struct ft_rule *rule, bool after_add);

/* Journal a port attached / about to be detached (agent.c). */
void xs_agent_journal_port(struct xs_agent *a, const struct xs_port *p);
void xs_agent_journal_unport(struct xs_agent *a, const char *name);

/* The control server's view of the agent: requests through
 * xs_agent_handle_request, one batch per server batch. */
extern const struct xs_ctl_ops xs_agent_ctl_ops;

#endif
