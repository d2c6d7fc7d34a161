// SPDX-License-Identifier: Apache-2.0
/* The NORMAL action's MAC learning table: (VLAN, MAC) -> OpenFlow port,
 * with the time the address was last seen there.
 *
 * Bounded: at most max_entries (--mac-table-size, default 8192); learning
 * a new address in a full table evicts the least recently seen one, as
 * Open vSwitch does. Aging (--mac-aging, default 300 s): an entry not seen
 * for that long is removed by xs_mac_age. Entries sit in a hash table
 * (look-up, learn: O(1)) and on one list ordered by last use, oldest first
 * (eviction and aging: O(removed)). `changes` counts every change that
 * can alter a forwarding decision (new entry, move, removal), so the
 * caller knows when the megaflows built on the table need revalidation.
 * Pure: the caller passes the time. */
#ifndef XS_BRIDGE_MAC_TABLE_H
#define XS_BRIDGE_MAC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_MAC_DEFAULT_SIZE 8192
#define XS_MAC_DEFAULT_AGING_S 300
#define XS_MAC_MAX_SIZE (1u << 20)
#define XS_MAC_MAX_AGING_S 1000000

struct xs_mac_entry {
	uint8_t mac[6];
	uint16_t vlan;
	uint32_t ofport;
	uint64_t used_ms;             /* last seen (learned, or refreshed) */
	struct xs_mac_entry *hnext;   /* hash chain */
	struct xs_mac_entry *prev, *next; /* use order, oldest first */
};

struct xs_mac_table {
	struct xs_mac_entry **buckets;
	size_t n_buckets;             /* a power of two */
	size_t n, max_entries;
	uint64_t aging_ms;
	struct xs_mac_entry *oldest, *newest;
	uint64_t changes;             /* see above */
	uint64_t evicted;             /* removed to make room (for `show`) */
	uint64_t aged;                /* removed by aging */
};

enum xs_mac_learned {
	XS_MAC_REFRESHED = 0,  /* known on this port: only its time moved */
	XS_MAC_NEW,            /* a new entry */
	XS_MAC_MOVED,          /* known on another port: moved here */
};

/* Returns 0 or -ENOMEM. max_entries 1..XS_MAC_MAX_SIZE, aging_s 1..
 * XS_MAC_MAX_AGING_S (-EINVAL otherwise). */
int xs_mac_table_init(struct xs_mac_table *t, size_t max_entries, unsigned aging_s);
void xs_mac_table_destroy(struct xs_mac_table *t);

/* Learns that @mac is on @ofport in @vlan at @now_ms (the caller has
 * checked @mac is not multicast). Returns enum xs_mac_learned, or -ENOMEM
 * (nothing learned). */
int xs_mac_learn(struct xs_mac_table *t, uint16_t vlan, const uint8_t mac[6], uint32_t ofport,
		 uint64_t now_ms);

/* The entry of (@vlan, @mac), or NULL. Valid until the next change. */
const struct xs_mac_entry *xs_mac_lookup(const struct xs_mac_table *t, uint16_t vlan,
					 const uint8_t mac[6]);

/* Moves the time of (@vlan, @mac) forward to @used_ms when it is known on
 * @ofport (traffic the fast path forwarded): no entry is made or moved.
 * Returns whether it was. */
bool xs_mac_touch(struct xs_mac_table *t, uint16_t vlan, const uint8_t mac[6], uint32_t ofport,
		  uint64_t used_ms);

/* Removes entries not seen for aging_ms at @now_ms. Returns how many. */
size_t xs_mac_age(struct xs_mac_table *t, uint64_t now_ms);

/* Removes every entry (@ofport 0) or those on @ofport. Returns how many. */
size_t xs_mac_flush(struct xs_mac_table *t, uint32_t ofport);

/* Every entry, sorted by port, VLAN, MAC, in a heap array of pointers (free
 * it, not the entries). Returns the count, or -ENOMEM. */
long xs_mac_collect(const struct xs_mac_table *t, const struct xs_mac_entry ***out);

#endif
