// SPDX-License-Identifier: Apache-2.0
/* Per-megaflow bookkeeping for OpenFlow rule statistics: which rules a
 * megaflow's translation matched, and how much of its counters they hold.
 *
 * A megaflow's counters (xs_dp_flow_stats) only grow, and survive
 * xs_dp_flow_modify. Each record keeps the totals already credited, so a
 * harvest credits every rule of the record with the growth since the last
 * one: packets and bytes go to each rule the translation went through (all
 * tables of a goto_table/resubmit chain), as OVS does. Records are indexed
 * by the handle's slot and checked against its generation, so a record of a
 * removed megaflow can never credit the rules of a newer one in the same
 * slot. Pure bookkeeping: no file descriptor, no clock of its own. */
#ifndef XS_DAEMON_RULE_STATS_H
#define XS_DAEMON_RULE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/pipeline/flow_table.h"
#include "xdpswitch/datapath.h"

/* What NORMAL learned from the packet that made a megaflow: its source
 * address on a VLAN and OpenFlow port. While the megaflow is used the
 * revalidator learns it again (Open vSwitch's revalidator does the same),
 * so hosts whose traffic stays in the fast path are not forgotten. */
struct rs_learn {
	bool valid;
	uint16_t vlan;
	uint8_t mac[6];
	uint32_t ofport;
};

struct rs_entry {
	uint32_t gen;         /* generation of the handle; 0: no record */
	uint32_t n_rules;
	uint64_t *rule_ids;   /* heap; NULL when n_rules is 0 */
	uint64_t packets;     /* megaflow totals already credited */
	uint64_t bytes;
	struct rs_learn learn; /* cleared by rule_stats_set */
};

struct rule_stats {
	struct rs_entry *slots;
	uint32_t n_slots;
	uint32_t n_records;
};

void rule_stats_init(struct rule_stats *rs);
void rule_stats_destroy(struct rule_stats *rs);

/* Records that megaflow @h stands for the rules @ids[0..@n) and that its
 * totals up to @base (NULL: zero) are already credited. Replaces any record
 * of the slot. Returns 0, -EINVAL (gen 0, ids NULL with n > 0) or -ENOMEM
 * (nothing changed). */
int rule_stats_set(struct rule_stats *rs, struct xs_flow_handle h, const uint64_t *ids,
		   unsigned n, const struct xs_flow_stats *base);

/* Credits the rules of @h's record (those still in @ft) with the growth of
 * @sum over the totals already credited, and remembers @sum. A rule's used
 * time becomes @sum->used_ns in ms (same clock as @now_ms, CLOCK_MONOTONIC),
 * or @now_ms when used_ns is 0. Returns the packets credited, or -ENOENT
 * when @h has no record. Totals below the credited ones (cannot happen for
 * one megaflow) are taken as a fresh start. */
long rule_stats_credit(struct rule_stats *rs, struct flow_tables *ft, struct xs_flow_handle h,
		       const struct xs_flow_stats *sum, uint64_t now_ms);

/* Drops the record of @h (if its generation matches). */
/* Records what @h's translation learned (rule_stats_set first). */
void rule_stats_set_learn(struct rule_stats *rs, struct xs_flow_handle h,
			  const struct rs_learn *learn);

void rule_stats_forget(struct rule_stats *rs, struct xs_flow_handle h);

/* The record of @h, or NULL. */
const struct rs_entry *rule_stats_get(const struct rule_stats *rs, struct xs_flow_handle h);

/* Credits @packets/@bytes to each rule of @ids still in @ft: for a packet
 * executed without an installed megaflow (flow limit). */
void rule_stats_credit_ids(struct flow_tables *ft, const uint64_t *ids, unsigned n,
			   uint64_t packets, uint64_t bytes, uint64_t now_ms);

#endif
