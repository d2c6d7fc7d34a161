// SPDX-License-Identifier: Apache-2.0
/* The dummy datapath's megaflow table: tuple space search in userspace.
 *
 * One hash table per distinct mask (masked key -> megaflow, chained through
 * the slots), the masks in a list in the order they first appeared; a
 * packet key is masked and looked up under each mask in turn, and the first
 * match wins (the bridge installs megaflows that never overlap). A mask
 * goes away with its last megaflow. Megaflows live in slots of an array
 * that grows up to max_flows + 1; a handle is {slot, gen}, and the slot's
 * generation moves on at every install and modify, so an older handle is
 * stale from then on. Slot 0 is never used: no live handle has slot 0 or
 * gen 0.
 *
 * Pure C: functions return 0 or -errno and print nothing. Action lists are
 * stored as given; checking them is the provider's. */
#ifndef XS_AGENT_DPIF_DUMMY_TABLE_H
#define XS_AGENT_DPIF_DUMMY_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "xdpswitch/datapath.h"

struct xs_dummy_mask {
	struct xs_flow_key bits;
	struct xs_dummy_mask *next; /* probe order */
	uint32_t n_flows;
	unsigned int shift;         /* bucket = hash >> shift */
	uint32_t *buckets;          /* first slot of each chain; 0: empty */
};

struct xs_dummy_flow {
	uint32_t gen;               /* of the last install or modify */
	bool live;
	uint32_t next;              /* chain of the mask's bucket, or free list */
	struct xs_dummy_mask *mask;
	uint64_t hash;              /* of key */
	struct xs_flow_key key;     /* masked */
	uint64_t installed_ns;      /* CLOCK_MONOTONIC */
	struct xs_flow_stats stats; /* zeroed at install; the provider counts */
	uint16_t n_actions;
	struct xs_action actions[XS_MAX_ACTIONS]; /* unused ones zero */
};

struct xs_dummy_table {
	uint32_t max_flows;
	struct xs_dummy_flow *flows; /* slots */
	uint32_t n_slots;            /* slots ever used, + 1 for slot 0 */
	uint32_t cap_slots;
	uint32_t free_head;          /* free slots through next; 0: none */
	uint32_t n_flows;
	struct xs_dummy_mask *masks;
	uint32_t n_masks;
};

/* An empty table of at most @max_flows megaflows (and XS_MAX_MASKS masks,
 * as the fast path). Allocates nothing yet. */
void xs_dummy_table_init(struct xs_dummy_table *t, uint32_t max_flows);
void xs_dummy_table_fini(struct xs_dummy_table *t);

/* Installs (@key & @mask) -> @actions (@n <= XS_MAX_ACTIONS, checked by
 * the caller); @out (may be NULL) gets the handle. -EINVAL: a mask_id not
 * 0; -EEXIST: the same masked key with the same mask is installed;
 * -ENOSPC: max_flows megaflows, or XS_MAX_MASKS masks and @mask is new;
 * -ENOMEM. On error nothing changes. */
int xs_dummy_table_put(struct xs_dummy_table *t, const struct xs_flow_key *key,
		       const struct xs_flow_key *mask, const struct xs_action *actions,
		       uint16_t n, struct xs_flow_handle *out);

/* The megaflow @h names, or NULL when it is not installed (any more). */
struct xs_dummy_flow *xs_dummy_table_get(struct xs_dummy_table *t, struct xs_flow_handle h);

/* New actions for megaflow *@h, same slot, counters kept; *@h gets the new
 * generation. -ENOENT: @h is not installed. */
int xs_dummy_table_modify(struct xs_dummy_table *t, struct xs_flow_handle *h,
			  const struct xs_action *actions, uint16_t n);

/* Removes megaflow @h; @final (may be NULL) gets its counters. -ENOENT:
 * @h is not installed. */
int xs_dummy_table_del(struct xs_dummy_table *t, struct xs_flow_handle h,
		       struct xs_flow_stats *final);

/* The megaflow of mask @mask whose masked key is @key & @mask: its slot,
 * or 0. */
uint32_t xs_dummy_table_find(const struct xs_dummy_table *t, const struct xs_flow_key *key,
			     const struct xs_flow_key *mask);

/* The first megaflow, masks in list order, that @key (a packet's key)
 * matches: its slot, or 0. */
uint32_t xs_dummy_table_lookup(const struct xs_dummy_table *t, const struct xs_flow_key *key);

/* Walk in slot order: *@pos = 0 to start; returns the next installed
 * megaflow's slot, 0 at the end. */
uint32_t xs_dummy_table_next(const struct xs_dummy_table *t, uint32_t *pos);

/* The handle of the megaflow in slot @s (installed). */
static inline struct xs_flow_handle xs_dummy_table_handle(const struct xs_dummy_table *t,
							   uint32_t s)
{
	return (struct xs_flow_handle){ .slot = s, .gen = t->flows[s].gen };
}

#endif
