// SPDX-License-Identifier: Apache-2.0
/* The switch's OpenFlow tables: rules with actions, cookies and counters in
 * one classifier per table, and the flow_mod operations of ovs-ofctl.
 *
 * Semantics (ovs-ofctl(8)):
 *  - add: a rule with an identical match and priority in the same table is
 *    replaced; its packet and byte counters and creation time carry over
 *    (OpenFlow 1.2+ behaviour without reset_counts).
 *  - modify/delete, non-strict: every rule whose match is at least as
 *    specific as the given one (the given match covers it), any priority.
 *    Strict: identical match and priority only.
 *  - cookie_mask != 0 restricts modify/delete to rules with
 *    (rule.cookie & cookie_mask) == (cookie & cookie_mask).
 *  - modify replaces the actions of the selected rules and nothing else:
 *    counters, creation time (so duration, and hard_timeout, which Open
 *    vSwitch restarts on a modify), idle time, timeouts and id are kept; the flow's priority only selects (strict)
 *    and its timeouts are ignored. It never adds a rule, even when nothing
 *    matches (OpenFlow 1.2+; Open vSwitch with OpenFlow 1.0 would add).
 *    The cookie changes only when the modify says so (set_cookie: mod-flows
 *    with cookie=V and no mask, ovs-ofctl(8)), to new_cookie, even 0.
 *    A goto_table must lead to a later table than every selected rule's.
 *  - table_id FT_TABLE_ALL in a modify/delete means every table.
 *  - replace: the whole rule set is swapped in one step; rules that exist
 *    unchanged (table, match, priority, cookie, actions) keep counters and
 *    their id.
 * Every rule has an id that is never reused by these tables, so a holder of
 * ids (megaflows crediting statistics) can find a rule again, or learn that
 * it is gone, after any change: ft_rule_by_id().
 * A failed operation (-ENOMEM, -EINVAL) changes nothing. */
#ifndef XS_PIPELINE_FLOW_TABLE_H
#define XS_PIPELINE_FLOW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agent/ofp/flow.h"
#include "agent/pipeline/classifier.h"
#include "agent/pipeline/ctl_desc.h"

struct xs_normal;
struct wire_store;

#define FT_TABLE_ALL OFP_TABLE_ALL

/* Rule ids from here on are never a rule's: FT_MISS_ID(t) stands for "table
 * t was looked up and missed" in a translation's rule list, so a table
 * miss is credited like a rule (to ft->table_misses[t]). */
#define FT_MISS_ID_BASE (1ull << 62)
#define FT_MISS_ID(t) (FT_MISS_ID_BASE + (t))
/* The id of flow_tables.hidden0 (never a table rule's), and the priority
 * it stands for, Open vSwitch's fail-open one, above every OpenFlow
 * priority (cls.priority, 16 bits, cannot hold it). */
#define FT_HIDDEN_ID (FT_MISS_ID_BASE - 1)
#define FT_HIDDEN_PRIORITY 0xf0f0f0u

struct ft_rule {
	struct cls_rule cls;     /* match and priority; keep first */
	uint8_t table_id;
	uint64_t id;             /* unique for the life of the flow_tables */
	uint64_t cookie;
	uint16_t idle_timeout, hard_timeout;
	struct ofpact *actions;  /* owned; NULL when n_actions == 0 (drop) */
	size_t n_actions;
	uint64_t n_packets, n_bytes;
	uint64_t created_ms;     /* caller's clock when first added */
	uint64_t used_ms;        /* last time credited with traffic */
	struct ft_rule *id_next; /* private: id index chain */
};

struct flow_tables {
	struct classifier tables[OFP_N_TABLES];
	size_t n_rules;
	uint64_t next_id;
	uint64_t version;        /* bumped by every change (revalidation) */
	struct ft_rule **by_id;  /* id index: chained buckets */
	size_t n_id_buckets;
	/* The switch's ports (OpenFlow numbers) for flood and all; owned by
	 * the caller, kept across ft_replace. */
	const uint32_t *ports;
	unsigned n_ports;
	/* What the NORMAL action reads: port VLAN options and the MAC table
	 * (normal.h); owned by the caller, kept across ft_replace. NULL:
	 * NORMAL is refused (offline trace). */
	const struct xs_normal *normal;
	/* Told of every rule ft_delete removes, before it is freed (NULL: no
	 * one listens); kept across ft_replace. The agent journals removals
	 * it did not ask for itself: rules gone by their timeouts. */
	void (*on_delete)(void *ctx, const struct ft_rule *rule);
	void *on_delete_ctx;
	/* controller(...) descriptors upcalls name by index; kept across
	 * ft_replace; NULL if it could not be allocated. */
	struct ctl_descs *ctl;
	/* Packets that missed in each table (OpenFlow table stats: a miss
	 * raises lookup_count, not matched_count); credited through
	 * FT_MISS_ID rule ids. */
	uint64_t table_misses[OFP_N_TABLES];
	/* A hidden rule above every rule of table 0 (standalone fail-open:
	 * match all, NORMAL), or NULL. It is in no classifier, has no id
	 * ft_rule_by_id finds, and no dump lists it; owned by the caller,
	 * kept across ft_replace. Changing it needs a version bump. */
	const struct ft_rule *hidden0;
	/* The bytes controllers sent for their rules (agent/openflow/
	 * wire_store.h), saved and restored with the rules by the snapshot
	 * and the journal; owned by the caller (NULL: none), kept across
	 * ft_replace. */
	struct wire_store *wire;
};

void flow_tables_init(struct flow_tables *ft);
void flow_tables_destroy(struct flow_tables *ft);

/* Adds one flow (actions copied). Returns 0, -EINVAL when flow->table_id
 * is not a table, or -ENOMEM. */
int ft_add(struct flow_tables *ft, const struct ofp_flow *flow, uint64_t now_ms);

/* What ft_modify_many did, or where it stopped. */
struct ft_modify_result {
	size_t n_changed;  /* rules changed, once per flow that changed them */
	size_t failed;     /* on error: index of the flow that could not apply */
	uint8_t bad_table; /* -EINVAL: a selected rule's table, which is not
	                    * before that flow's goto_table */
};

/* Applies the modifies flows[0..n_flows) in order (see above), all or
 * nothing. res may be NULL. Returns 0 (also when nothing matched: nothing
 * is added), -EINVAL when a flow's goto_table does not lead to a later
 * table than a rule it selects, or -ENOMEM; on error nothing changed.
 * Bumps the version when any rule was selected, so the revalidator checks
 * the megaflows again. */
int ft_modify_many(struct flow_tables *ft, const struct ofp_flow *flows, size_t n_flows,
		   bool strict, struct ft_modify_result *res);

/* One modify: ft_modify_many of one flow; *n_changed (may be NULL)
 * receives the number of rules changed. Same returns. */
int ft_modify(struct flow_tables *ft, const struct ofp_flow *flow, bool strict,
	      size_t *n_changed);

/* Deletes the selected rules; out_port != OFPP_NONE also requires an
 * output action to that port. *n_deleted may be NULL. Returns 0. */
int ft_delete(struct flow_tables *ft, const struct ofp_flow *filter, bool strict,
	      uint32_t out_port, size_t *n_deleted);

/* Makes the tables hold exactly these flows, atomically. Returns 0,
 * -EINVAL (a bad table id: nothing changed) or -ENOMEM. */
int ft_replace(struct flow_tables *ft, const struct ofp_flow *flows, size_t n_flows,
	       uint64_t now_ms);

/* The rule with this id, or NULL if it was deleted or replaced. */
struct ft_rule *ft_rule_by_id(const struct flow_tables *ft, uint64_t id);

/* The best rule of one table for key (see cls_lookup for wc). */
/* ft_lookup with Open vSwitch's conjunctive matches: when soft rules
 * (conjunction actions) above the best ordinary rule match the key and,
 * at one priority, cover every clause of a conjunction ID, the table is
 * looked up again with conj_id=ID, and a rule found then wins. key's
 * conj_id is changed only during that lookup. At most FT_MAX_SOFT soft
 * matches per lookup are considered. */
#define FT_MAX_SOFT 1024
const struct ft_rule *ft_lookup_conj(const struct flow_tables *ft, uint8_t table,
				     struct ofp_key *key, struct ofp_key *wc);
const struct ft_rule *ft_lookup(const struct flow_tables *ft, uint8_t table,
				const struct ofp_key *key, struct ofp_key *wc);

/* All rules sorted by table, priority (high first), then age (oldest
 * first), in a heap array the caller frees (not the rules). Returns the
 * count, or -ENOMEM. */
long ft_collect(const struct flow_tables *ft, const struct ft_rule ***out);

/* Fills flow with a view of rule for the ofp formatters (dump-flows): the
 * actions are borrowed, so flow must not be freed or outlive the rule. */
void ft_rule_flow(const struct ft_rule *rule, struct ofp_flow *flow);

/* Credits traffic to a rule (called by the revalidator). */
static inline void ft_rule_credit(struct ft_rule *rule, uint64_t packets, uint64_t bytes,
				  uint64_t now_ms)
{
	rule->n_packets += packets;
	rule->n_bytes += bytes;
	if (packets)
		rule->used_ms = now_ms;
}

#endif
