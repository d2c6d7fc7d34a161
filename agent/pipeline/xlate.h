// SPDX-License-Identifier: Apache-2.0
/* Translation of a packet key through the OpenFlow tables into datapath
 * actions and the megaflow mask that makes them valid for other packets.
 *
 * The walk starts at table 0 with a working copy of the key. Rule actions
 * edit the working key (set_field, load, move, VLAN edits, dec_ttl,
 * write_metadata) so later tables see the edits; goto_table and resubmit
 * look up another table (depth limit XLATE_MAX_DEPTH, at most
 * XLATE_MAX_RESUBMITS lookups in all); resubmit:PORT uses PORT as in_port
 * for the lookup only, as OVS does. A table miss drops (OpenFlow 1.3+).
 *
 * Datapath actions are produced as OVS's "commit" does: before each output
 * or controller action, a set action is emitted for every datapath field
 * where the working key differs from what the packet carries at that point
 * in the action list; VLAN stacks are reconciled with pop/set/push. dec_ttl
 * becomes XS_ACT_DEC_TTL (the datapath handles expiry); it commits first
 * only when the TTL itself was rewritten, or when the TTL is <= 1 (the
 * packet then leaves for the agent there and nothing after it runs).
 * Output ports are OpenFlow port numbers. Output to the current in_port is
 * dropped unless spelled output:in_port; output:in_port after load/move
 * wrote LOCAL (or another reserved number) into in_port drops with a note:
 * the bridge has no LOCAL port. flood and all become ONE broadcast output
 * (XS_ACT_OUTPUT, flags XS_OUT_F_BROADCAST, arg 0: every port of the
 * bridge but the ingress one), so a flood costs one action whatever the
 * bridge's size; only after an action rewrote in_port are they one output
 * per port of flow_tables.ports but the new in_port (the datapath's
 * broadcast leaves out the port the packet came in on).
 * NORMAL (normal.h) becomes outputs to the learned port or the VLAN's
 * flood, each with its port's egress tagging; a flood whose ports all
 * carry the VLAN with the same tagging is one broadcast, otherwise one
 * output per port (untagged ones first, then one push and the tagged).
 * controller becomes XS_ACT_TO_AGENT (XS_UPCALL_ACTION). Actions after the
 * last output are dropped; no output at all means drop.
 *
 * The megaflow mask holds every key bit a decision read: each subtable the
 * classifier probed (see classifier.h: staged lookup, prefix and port
 * tracking), the bits an action read (move sources, dec_ttl's TTL, VLAN
 * edits, prerequisites of a set), the bits an action wrote once a commit
 * compares them (so "did it change" has one answer in the whole megaflow;
 * writes that no output follows cost nothing), the unwritten bits that a
 * whole-field set action copies, in_port, and the prerequisites (dl_type,
 * nw_proto) of any L3/L4 bits. Registers and metadata never reach it. */
#ifndef XS_PIPELINE_XLATE_H
#define XS_PIPELINE_XLATE_H

#include <stdbool.h>
#include <stddef.h>
#include "xdpswitch/actions.h"
#include "agent/pipeline/flow_table.h"

#define XLATE_MAX_DEPTH 64
#define XLATE_MAX_RESUBMITS 4096
#define XLATE_MAX_RULES 64

/* One step of a translation, for the trace command. */
enum xlate_event_type {
	XEV_LOOKUP,  /* table looked up: rule, or NULL for a miss */
	XEV_ACTION,  /* act executed */
	XEV_NOTE,    /* note: something worth telling (dropped output, ...) */
	XEV_INFO,    /* note: a decision explained (NORMAL's "-> ..." lines) */
};

struct xlate_event {
	enum xlate_event_type type;
	unsigned depth;               /* nesting: 0 for table 0's rule */
	uint8_t table;
	const struct ft_rule *rule;
	const struct ofpact *act;
	char note[160];
};

/* A translation log; zero-initialise, free with xlate_trace_free(). */
struct xlate_trace {
	struct xlate_event *events;
	size_t n_events, alloc;
	bool truncated;               /* ran out of memory: log incomplete */
	struct ofp_key final;         /* working key when translation ended */
	const uint32_t *ports;        /* flow_tables.ports of the translation
	                               * (a broadcast's ports); valid until the
	                               * port list changes */
	unsigned n_ports;
};

void xlate_trace_free(struct xlate_trace *trace);

struct xlate_result {
	struct xs_action actions[XS_MAX_ACTIONS];
	unsigned n_actions;           /* 0: drop */
	struct xs_flow_key mask;      /* megaflow mask, datapath fields only */
	const struct ft_rule *rules[XLATE_MAX_RULES]; /* matched rules, in order,
	                               * each once; credit their statistics */
	unsigned n_rules;
	bool rules_truncated;         /* more than XLATE_MAX_RULES matched */
	uint8_t miss_tables[XLATE_MAX_RULES]; /* tables looked up that missed */
	unsigned n_misses;
	struct xlate_trace *trace;    /* in: NULL, or a log to append to */
	/* NORMAL saw a source address it may learn: the caller learns it
	 * (the agent, for a packet that really arrived; never a trace or a
	 * revalidation). The first NORMAL of the translation. */
	struct {
		bool valid;
		uint16_t vlan;
		uint8_t mac[6];
		uint32_t ofport;
	} learn;
};

/* Translates packet (dp.in_port = OpenFlow port; metadata and registers are
 * ignored and start at zero). Fills *res except res->trace, which is only
 * appended to. Returns 0, or on error leaves a valid drop translation (no
 * actions, mask still correct) and returns:
 *   -ELOOP       depth or resubmit limit exceeded
 *   -E2BIG       more than XS_MAX_ACTIONS datapath actions
 *   -EOPNOTSUPP  a change the datapath cannot express (e.g. nd_target,
 *                a third VLAN tag), NORMAL without ft->normal, or an
 *                action after a ct(table=T) that reaches the datapath
 *   -ENOENT      packet->dp.recirc_id names no frozen state (recirc.h)
 *   -ENOSPC      out of recirculation ids
 * A packet with recirc_id != 0 continues the pipeline frozen under that id
 * (a ct(table=T) of an earlier pass), with its ct fields; the megaflow
 * always matches recirc_id exactly.
 * The tables must not change during the call; res->rules stays valid
 * until they do. */
int xlate(const struct flow_tables *ft, const struct ofp_key *packet, struct xlate_result *res);

/* The same for an action list instead of table 0 (an OpenFlow packet-out):
 * output:TABLE runs the packet through table 0 from there, and a packet
 * from in_port CONTROLLER (or another reserved port) floods to every
 * port as explicit outputs. Same returns. */
int xlate_actions(const struct flow_tables *ft, const struct ofp_key *packet,
		  const struct ofpact *acts, size_t n_acts, struct xlate_result *res);

#endif
