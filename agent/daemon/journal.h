// SPDX-License-Identifier: Apache-2.0
/* The agent's journal: an append-only log of table and port changes that
 * follows a state snapshot (state_file.h), so that persisting one change
 * costs one small write and one fsync, whatever the size of the tables.
 *
 * Format (text, one item a line):
 *   xdpswitch-journal 1 gen N     header: the snapshot generation it follows
 *   add FLOW                      FLOW as ofp_format_flow prints it
 *   del [strict] FILTER           a del-flows filter: [cookie=V/M, ]
 *                                 [table=T, ][out_port=P, ]priority=P,MATCH
 *   mod [strict] FLOW             a mod-flows flow (cookie=V sets, V/M selects)
 *   port NAME OFPORT [clsact]     a port attached
 *   unport NAME                   a port detached
 *   wire FLAGS MATCH INSTS [RULE] what a controller sent for the rule
 *                                 RULE (table=T,priority=P,MATCH, which
 *                                 exists): wire_store.h's text; written
 *                                 after the add or mod that made it;
 *                                 without RULE, the rule of the add
 *                                 record just before (cheaper to write)
 *   commit COUNT CRC32            ends a batch: COUNT records, CRC32 (zlib,
 *                                 8 hex digits) of the batch's record bytes
 * Records are written in the order they were applied. A batch is appended
 * with one write and made durable with one fdatasync; an error on either
 * cuts the file back to its last batch and closes the journal (the caller
 * writes a snapshot instead). A journal is created whole: header into
 * PATH.tmp, fsync, rename over PATH, directory fsync.
 *
 * Reading. Only batches whose commit line is whole and right are applied,
 * in order, each record parsed before any of its batch is handed over. A
 * damaged last batch (no commit line, a partial line, a wrong count or
 * checksum with nothing after it) is what a crash during its write leaves:
 * it is reported as a torn tail and ignored. The same damage followed by
 * more bytes, a record of a committed batch that does not parse, or a bad
 * header cannot come from a crash: the journal is corrupt, the error says
 * "PATH:LINE: what is wrong" and nothing from that batch on is handed
 * over. A journal whose generation is not the snapshot's is stale (a crash
 * between writing a snapshot and starting its journal) and is skipped.
 *
 * Functions return 0 or -errno and print nothing. */
#ifndef XS_DAEMON_JOURNAL_H
#define XS_DAEMON_JOURNAL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/daemon/port_record.h"
#include "agent/openflow/wire_store.h"
#include "agent/ofp/flow.h"
#include "agent/pipeline/flow_table.h"

#define XS_JOURNAL_VERSION 1

enum xs_journal_op {
	XS_JOURNAL_ADD,
	XS_JOURNAL_DEL,
	XS_JOURNAL_MOD,
	XS_JOURNAL_PORT,
	XS_JOURNAL_UNPORT,
	XS_JOURNAL_WIRE,
};

/* One record as read back. */
struct xs_journal_rec {
	enum xs_journal_op op;
	unsigned line;          /* in the journal file, for messages */
	bool strict;            /* DEL, MOD */
	struct ofp_flow flow;   /* ADD, DEL (a filter), MOD */
	char port[IF_NAMESIZE]; /* PORT, UNPORT */
	uint32_t ofport;        /* PORT */
	bool clsact;            /* PORT: the agent created the port's clsact qdisc */
	char vlan[XS_PORT_VLAN_TEXT_MAX]; /* PORT: VLAN options, "" default */
	struct wire_bytes wire; /* WIRE: the bytes; flow names the rule, */
	bool wire_after_add;    /* or the record before, an add, does */
};

/* How a `mod` record is replayed: ft_modify's contract (flow_table.h). The
 * journal only carries mod records; the mod-flows command that writes them
 * passes its table operation here. */
typedef int (*xs_journal_modify_fn)(struct flow_tables *ft, const struct ofp_flow *flow,
				    bool strict, size_t *n_changed);

/* Applies one record of a committed batch. Returns 0, or -errno with @why
 * set (no position: the reader adds "PATH:LINE: "); the replay stops. */
typedef int (*xs_journal_apply_fn)(void *ctx, const struct xs_journal_rec *rec,
				   char *why, size_t why_size);

/* What a replay found. */
struct xs_journal_scan {
	uint64_t gen;           /* the header's generation */
	bool stale;             /* gen is not the one asked for: nothing applied */
	unsigned batches;       /* committed batches applied */
	unsigned records;       /* their records */
	uint64_t good_bytes;    /* the file up to the end of the last of them */
	unsigned torn_line;     /* first line of an ignored torn tail, 0: none */
	uint64_t torn_bytes;    /* its length */
};

/* The writer: an open journal file and the batch being built. */
struct xs_journal {
	int fd;                 /* -1: closed */
	uint64_t gen;
	uint64_t size;          /* bytes in the file: header + committed batches */
	char *batch;            /* the open batch's record lines (heap) */
	size_t batch_len, batch_cap;
	unsigned n_records;     /* in the open batch */
	int err;                /* a record could not be queued: commit fails */
};

/* A closed journal with an empty batch. */
void xs_journal_init(struct xs_journal *j);

/* Creates (or replaces) the journal at @path for snapshot generation @gen,
 * atomically (see above), and opens it for appending. The open batch is
 * kept. Returns 0 or -errno with @why set; on error @j is closed and @path
 * untouched (the temporary file is removed). */
int xs_journal_create(struct xs_journal *j, const char *path, uint64_t gen,
		      char *why, size_t why_size);

/* Closes the file and drops the open batch. Safe on a closed journal. */
void xs_journal_close(struct xs_journal *j);

/* Queue one record in the open batch (nothing is written yet), also on a
 * closed journal. Return 0, or -ENOMEM (then the next commit fails and
 * drops the batch). @flow and @filter are formatted, not kept. */
int xs_journal_add(struct xs_journal *j, const struct ofp_flow *flow);
int xs_journal_del(struct xs_journal *j, const struct ofp_flow *filter, bool strict);
int xs_journal_mod(struct xs_journal *j, const struct ofp_flow *flow, bool strict);
int xs_journal_port(struct xs_journal *j, const char *name, uint32_t ofport, bool clsact);
/* The same with the port's VLAN options (@vlan "" for the defaults). */
int xs_journal_port_vlan(struct xs_journal *j, const char *name, uint32_t ofport, bool clsact,
			 const char *vlan);
int xs_journal_unport(struct xs_journal *j, const char *name);
/* A `wire` record: entry e of rule; after_add: right after the add record
 * of rule (RULE left out). */
int xs_journal_wire(struct xs_journal *j, const struct ft_rule *rule, const struct wire_entry *e,
		    bool after_add);

/* Bytes the open batch would add to the file, commit line included. */
size_t xs_journal_pending(const struct xs_journal *j);

/* Drops the open batch (a snapshot made it redundant). */
void xs_journal_discard(struct xs_journal *j);

/* Appends the open batch and its commit line with one write, then one
 * fdatasync; an empty batch writes nothing. Returns 0, -EBADF (closed),
 * -ENOMEM (a record was lost), or the -errno of the write or sync with
 * @why set. On error the batch is dropped, the file cut back to its last
 * batch and the journal closed. */
int xs_journal_commit(struct xs_journal *j, char *why, size_t why_size);

/* Reads @path and hands every record of its committed batches to @apply,
 * in order, if its header names generation @gen (see "Reading" above).
 * Fills *@scan. Returns 0 (also for a stale journal), -ENOENT (no file:
 * nothing applied), -EINVAL with @why "PATH:LINE: what is wrong" (corrupt;
 * the batches before the damage were applied), the error @apply returned
 * (with "PATH:LINE: " before its message), or another -errno. */
int xs_journal_replay(const char *path, uint64_t gen, xs_journal_apply_fn apply, void *ctx,
		      struct xs_journal_scan *scan, char *why, size_t why_size);

#endif
