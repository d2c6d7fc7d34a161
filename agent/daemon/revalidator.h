// SPDX-License-Identifier: Apache-2.0
/* The revalidator: keeps the installed megaflows true to the OpenFlow
 * tables, feeds their counters back into the rules, expires idle megaflows
 * and timed-out rules; misses are translated and installed through it, under
 * a flow limit.
 *
 * Design. Each megaflow is translated again from its own (masked) key. A
 * translation only reads bits inside its mask, so when the new mask equals
 * the installed one, the new actions are right for every packet the
 * megaflow covers: same actions -> keep, other actions -> flow_modify
 * (one atomic hash-entry swap: a packet sees the old or the new list, never
 * a mix, and none after the call returns). When the mask differs, or the
 * translation fails, the megaflow is removed; the next packet of it misses
 * and is executed by the agent with the new tables, so no packet follows
 * old actions once a pass returns. A full pass runs after every table
 * change (before the command returns) and whenever the tables' version
 * moved; each tick also harvests counters, removes rules whose idle or
 * hard timeout passed (1 s granularity: a rule goes at most one tick, about
 * 1 s, after its time) and megaflows idle for max_idle.
 *
 * Counters: every megaflow remembers the rule ids its translation matched
 * (rule_stats.h); the growth of its counters is credited to those rules
 * before it is modified or removed, each tick, and on demand (dump-flows).
 * A packet executed without an installed megaflow (flow limit) is credited
 * directly by whoever executes it. Packets that hit the old actions in the instant between the
 * counter read and a modify are credited to the new rules.
 *
 * Ports. The datapath speaks its own port numbers, the tables OpenFlow
 * port numbers: struct xs_port_map converts both ways. Where a megaflow
 * runs (XDP, TC, userspace) is the provider's business; when it would run
 * it elsewhere now (a port's caps changed) the pass moves it (flow_modify
 * with the same actions). Written against the datapath interface only
 * (agent/dpif/dpif.h): the same code drives the fast path and the
 * userspace provider. One thread drives it. */
#ifndef XS_DAEMON_REVALIDATOR_H
#define XS_DAEMON_REVALIDATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/daemon/rule_stats.h"
#include "agent/dpif/dpif.h"
#include "agent/pipeline/xlate.h"

#define XS_REVAL_DEFAULT_MAX_IDLE_MS 10000
#define XS_REVAL_DEFAULT_FLOW_LIMIT 200000

struct xs_port_map {
	/* OpenFlow port of datapath port @dp_port, 0 if it is not a port. */
	uint32_t (*ofport)(void *ctx, uint32_t dp_port);
	/* Datapath port of OpenFlow port @ofport, 0 if none. */
	uint32_t (*dp_port)(void *ctx, uint32_t ofport);
	void *ctx;
};

/* A translation in datapath terms. */
struct xs_reval_xlate {
	struct xs_action actions[XS_MAX_ACTIONS]; /* outputs name datapath ports */
	uint16_t n_actions;
	struct xs_flow_key mask;     /* megaflow mask, mask_id 0 */
	uint64_t rule_ids[XLATE_MAX_RULES];
	unsigned n_rules;
	int err;                     /* xlate's error (a drop translation), or
	                              * -ENODEV: in_port is not a port */
	struct rs_learn learn;       /* xlate_result's learn (rule_stats.h) */
};

struct xs_reval_counts {
	uint32_t kept, modified, removed; /* by the last full pass */
	uint32_t expired;                 /* idle megaflows removed */
	uint32_t rules_timed_out;         /* rules removed by their timeouts */
};

struct xs_reval {
	struct xs_dpif *dpif;
	struct flow_tables *ft;
	struct xs_port_map map;
	struct rule_stats rs;
	uint64_t max_idle_ms;       /* XS_REVAL_DEFAULT_MAX_IDLE_MS */
	uint32_t flow_limit;        /* in force now (dynamic, see below) */
	uint32_t flow_limit_max;    /* configured: XS_REVAL_DEFAULT_FLOW_LIMIT,
	                             * at most the datapath's size */
	uint64_t version;           /* ft->version at the last full pass */
	bool ports_changed;         /* a port map change: next tick is full */
	/* For `show`. */
	uint64_t limit_hits;        /* misses executed, not installed: limit */
	uint64_t passes;            /* full passes */
	uint64_t last_pass_us;      /* duration of the last full pass */
	struct xs_reval_counts last; /* of the last full pass / tick */
	/* Told, at each harvest, what every megaflow used since the previous
	 * one had learned (rule_stats.h) and when it was last used; NULL: no
	 * one listens. NORMAL's MAC table learns it again. */
	void (*on_used)(void *ctx, const struct rs_learn *learn, uint64_t used_ns);
	void *on_used_ctx;
	uint64_t used_seen_ns;      /* newest use told to on_used */
};

/* Sets up @r over @dpif and @ft (neither owned) with the defaults above.
 * Megaflows already in @dpif (adopted) get records at their current totals
 * at the first full pass. */
void xs_reval_init(struct xs_reval *r, struct xs_dpif *dpif, struct flow_tables *ft,
		   const struct xs_port_map *map);
void xs_reval_destroy(struct xs_reval *r);

/* Translates datapath key @key (in_port = datapath port) through @ft into
 * *@out. Output ports become datapath ports (outputs to a port that is
 * gone are left out); a flood (XS_OUT_F_BROADCAST) stays one action, for
 * the provider to expand. Always fills a usable result; out->err says
 * whether it is a drop by error. Returns out->err. */
int xs_reval_translate(const struct flow_tables *ft, const struct xs_port_map *map,
		       const struct xs_flow_key *key, struct xs_reval_xlate *out);

/* Installs the megaflow of translation @x for datapath key @key (in_port
 * = datapath port) unless the flow limit is reached, and records the rules it
 * came from. *@h receives the handle, also when the same megaflow is
 * already installed (a second miss of a flow queued behind the first).
 * Returns 0; -ENOSPC when the flow limit or the datapath is full (counted
 * in limit_hits: the caller executes the packet with @x's actions and
 * credits @x's rules itself); another -errno (nothing installed). */
int xs_reval_install(struct xs_reval *r, const struct xs_flow_key *key,
		     const struct xs_reval_xlate *x, struct xs_flow_handle *h);
/* @n installs as @n xs_reval_install calls in that order would do them
 * (results in @h[i] and @errs[i]), the datapath's part in one batch. */
void xs_reval_install_batch(struct xs_reval *r, const struct xs_flow_key *keys,
			    const struct xs_reval_xlate *const *x, struct xs_flow_handle *h,
			    int *errs, size_t n);

/* Full pass: every megaflow translated again and kept, modified or removed
 * (see above); counters harvested first. Fills *@c (may be NULL). Returns
 * 0 or the first -errno of a datapath call (the pass goes on). */
int xs_reval_revalidate(struct xs_reval *r, uint64_t now_ms, struct xs_reval_counts *c);

/* Credits every megaflow's counter growth to its rules (dump-flows). */
int xs_reval_harvest(struct xs_reval *r, uint64_t now_ms);

/* Once a second: harvest with idle megaflows (no packet for max_idle_ms)
 * removed, rule idle/hard timeouts (then a full pass), a full pass if the
 * tables or ports changed since the last, the provider's run(). @now_ms and the
 * datapath's used_ns share CLOCK_MONOTONIC. Fills *@c (may be NULL).
 * Returns the number of rules removed by timeouts (the caller saves state
 * when it is > 0), or -errno. */
int xs_reval_tick(struct xs_reval *r, uint64_t now_ms, struct xs_reval_counts *c);

/* CLOCK_MONOTONIC in ms: the clock of the rules' times and of @now_ms
 * arguments here. */
uint64_t xs_reval_now_ms(void);

/* The dynamic flow limit, as Open vSwitch's: a full pass that takes
 * longer than XS_REVAL_SLOW_PASS_MS shrinks the limit in proportion
 * (and by a quarter past XS_REVAL_SLOWISH_PASS_MS), so that tables
 * changes stay answered in about a second; fast passes give it back,
 * XS_REVAL_LIMIT_STEP at a time, up to flow_limit_max. Never below
 * XS_REVAL_LIMIT_FLOOR. Called after each full pass of @pass_ms. */
#define XS_REVAL_SLOW_PASS_MS 2000
#define XS_REVAL_SLOWISH_PASS_MS 1300
#define XS_REVAL_FAST_PASS_MS 1000
#define XS_REVAL_LIMIT_STEP 1000
#define XS_REVAL_LIMIT_FLOOR 1000
void xs_reval_adjust_limit(struct xs_reval *r, uint64_t pass_ms);

/* True when the flow limit stops installs now. */
bool xs_reval_limit_reached(const struct xs_reval *r);

#endif
