// SPDX-License-Identifier: Apache-2.0
/* Internals of the datapath library: the pure bookkeeping (slot pool, mask
 * table) that tests drive without BPF, and struct xs_dp shared by dp_*.c. */
#ifndef XS_AGENT_DATAPATH_DP_INTERNAL_H
#define XS_AGENT_DATAPATH_DP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/datapath/dp.h"
#include "agent/datapath/dp_slab.h"
#include "agent/datapath/dp_ways.h"

/* --- slot pool (dp_flows.c, pure) ------------------------------------------
 * Slots 1..n_slots-1 are handed out in FIFO order of release, each time with
 * the slot's next generation (never 0). Slot 0 is the scratch slot. A
 * released slot waits in limbo until a grace period has passed after its
 * release (xs_slot_grace_done): a packet that found it before the release
 * may still be running its actions (grace.c says why the wait suffices). */
struct xs_slot_pool {
	uint32_t n_slots;
	uint32_t n_used;
	uint32_t *gen;   /* generation of the live handle, or last one given */
	uint8_t *used;
	uint32_t *fifo;  /* ring: n_free free slots from head, then n_limbo
	                  * released ones; n_slots - 1 places */
	uint32_t head;   /* index of the oldest free slot */
	uint32_t n_free; /* free entries in the ring */
	uint32_t n_limbo; /* released entries after them, not yet free */
	bool dirty;      /* claims happened: rebuild the ring before use */
};

/* n_slots >= 2. -EINVAL, -ENOMEM. */
int xs_slot_pool_init(struct xs_slot_pool *p, uint32_t n_slots);
void xs_slot_pool_fini(struct xs_slot_pool *p);
/* Takes the oldest free slot with its next generation. -EAGAIN if none is
 * free but some are in limbo (wait for a grace period, then
 * xs_slot_grace_done); -ENOSPC if none at all. */
int xs_slot_alloc(struct xs_slot_pool *p, struct xs_flow_handle *h);
/* Puts a live slot in limbo. -ENOENT if @h is not live. */
int xs_slot_release(struct xs_slot_pool *p, struct xs_flow_handle h);
/* A grace period that began after every release so far has ended: the
 * slots in limbo become free. */
void xs_slot_grace_done(struct xs_slot_pool *p);
/* True if @h names a live slot with that generation. */
bool xs_slot_live(const struct xs_slot_pool *p, struct xs_flow_handle h);
/* Marks @h live as found in adopted maps. -EINVAL for slot 0, a slot out of
 * range or gen 0; -EEXIST if the slot is already live. */
int xs_slot_claim(struct xs_slot_pool *p, struct xs_flow_handle h);
/* Undoes xs_slot_claim(@h) (adoption found the rest of its record bad). */
void xs_slot_unclaim(struct xs_slot_pool *p, struct xs_flow_handle h);
/* Next generation of the scratch slot 0. */
uint32_t xs_slot_scratch_gen(struct xs_slot_pool *p);

/* --- mask table (dp_masks.c, pure) -----------------------------------------
 * Ids 0..XS_MAX_MASKS-1; each mask is refcounted by the megaflows using it.
 * order[] lists the ids in use in probe order. */
struct xs_mask_ent {
	struct xs_flow_key mask; /* mask_id 0 */
	uint32_t refs;           /* 0: id free */
	uint32_t owner;          /* in_port of the miss that created it; 0:
	                          * unknown (adopted), counted for no port */
	uint64_t hits_seen;      /* hit counter at the last ranking */
	uint64_t recent;         /* hits in the last ranking period */
	uint32_t ranks;          /* rankings since it was created */
};

struct xs_mask_table {
	struct xs_mask_ent ent[XS_MAX_MASKS];
	uint32_t order[XS_MAX_MASKS];
	uint32_t n;
	/* Freed ids a packet walking an older list may still probe: not
	 * reused before a grace period (xs_mask_grace_done). */
	uint8_t limbo[XS_MAX_MASKS];
	uint32_t n_limbo;
};

void xs_mask_table_init(struct xs_mask_table *t);
/* Id of @mask, taking a reference; a new mask goes last in the order and
 * sets *@created. @hits is the id's current hit counter (the baseline for
 * ranking). -ENOSPC if the mask is new and every id is taken; -EAGAIN if
 * the only ids left are in limbo. */
int xs_mask_get(struct xs_mask_table *t, const struct xs_flow_key *mask, uint64_t hits,
		uint32_t *id, bool *created);
/* Id of @mask if it is in use, else -ENOENT. No reference taken. */
int xs_mask_find(const struct xs_mask_table *t, const struct xs_flow_key *mask, uint32_t *id);
/* Drops a reference; returns 1 if the mask was freed (left the order, id
 * in limbo), 0 if still in use, -ENOENT if @id is not in use. */
int xs_mask_put(struct xs_mask_table *t, uint32_t id);
/* A grace period has passed since the last xs_mask_put: limbo ids free. */
void xs_mask_grace_done(struct xs_mask_table *t);
/* Masks in use that port @owner created. */
uint32_t xs_mask_owned(const struct xs_mask_table *t, uint32_t owner);
/* The coldest mask @owner created that may be retired (see
 * XS_MASK_COLD_HITS) into *@id; -ENOENT if none is cold enough. */
int xs_mask_cold(const struct xs_mask_table *t, uint32_t owner, uint32_t *id);
/* Orders the masks by hits since the last ranking (hits[id] are current
 * counters), most first; ties keep their order. Returns 1 if the order
 * changed, else 0. */
int xs_mask_rank(struct xs_mask_table *t, const uint64_t hits[XS_MAX_MASKS]);
/* Fills the xs_masks value: masks in order, as xs_mask_words_make. */
void xs_mask_fill_list(const struct xs_mask_table *t, struct xs_mask_list *out);

/* --- megaflow hash entries (dp_masks.c, pure) --------------------------------
 * What the fast path probes (datapath.h): a mask as the words it has bits
 * in, a megaflow as {mask id, hash of those words of the masked key} ->
 * {handle, the words}. */

/* @mask (mask_id ignored) as the fast path probes it, with id @id. */
void xs_mask_words_make(const struct xs_flow_key *mask, uint32_t id, struct xs_mask_words *out);
/* The full mask @mw describes (mask_id 0). */
void xs_mask_words_mask(const struct xs_mask_words *mw, struct xs_flow_key *mask);
/* A megaflow's masked key words, in its mask's order, as its record
 * (struct xs_megaflow) starts with them. */
struct xs_mf_words {
	uint32_t n;
	uint64_t bits[XS_FLOW_KEY_WORDS];
};

/* The xs_megaflows key (way 0) and value of @key (bits outside the mask
 * ignored) under @mw and hash key @hk of version @ver, with handle @h;
 * @words (may be NULL) receives the words its record holds. */
void xs_megaflow_entry_make(const struct xs_hash_key *hk, uint32_t ver, const struct xs_flow_key *key,
			    const struct xs_mask_words *mw, struct xs_flow_handle h,
			    struct xs_megaflow_key *mk, struct xs_megaflow_entry *ent,
			    struct xs_mf_words *words);
/* The masked key (mask_id 0) a record's words under @mw make. */
void xs_megaflow_entry_key(const struct xs_mf_words *words, const struct xs_mask_words *mw,
			   struct xs_flow_key *key);

/* --- records (dp_record.c) --------------------------------------------------
 * A megaflow's words and actions in xs_record_slots() slots, head first. */

/* The words of @key under @mw. */
void xs_mf_words_of(const struct xs_flow_key *key, const struct xs_mask_words *mw,
		    struct xs_mf_words *out);
/* The slot values of the record in @slots (head first, as many as
 * xs_record_slots(w->n, n_actions)), the head with generation @head_gen
 * (0: retired), continuations with their own. */
void xs_record_fill(const struct xs_flow_handle *slots, uint32_t head_gen,
		    const struct xs_mf_words *w, const struct xs_action *actions,
		    uint16_t n_actions, uint16_t flags, struct xs_megaflow *out);
/* The words and actions of the record whose @n slot values (head first)
 * are @s; -EINVAL unless they are a record xs_record_fill could write. */
int xs_record_decode(const struct xs_megaflow *s, uint32_t n, struct xs_mf_words *w,
		     struct xs_action *actions);

/* --- the datapath handle ----------------------------------------------------*/

#define XS_DP_SLAB_CHUNK 256 /* mirror entries mapped at a time (about 200 KB) */
#define XS_DP_SCRATCH 16     /* dp_install.c's scratch arrays */

/* The mirror entry of an installed megaflow. */
struct xs_dp_slot {
	struct xs_dp_flow flow;
	struct xs_flow_handle cont[XS_RECORD_MAX_SLOTS - 1]; /* record's other slots */
	uint32_t n_cont;
	uint32_t way; /* of its xs_megaflows key */
	struct xs_flow_stats carried; /* counters of slots it had before */
	uint64_t hash; /* of its xs_megaflows key: its place in dp->ways */
	struct xs_dp_slot *ways_next; /* dp_ways.c's chain */
};

struct xs_dp_upcall_ctx;

struct xs_dp {
	struct xdpswitch *skel;
	struct xs_hash_key hash_key; /* as in xs_cfg and xs_hash_key */
	uint32_t hash_ver;           /* as in xs_cfg and xs_hash_ver */
	int ncpus;
	uint32_t max_flows;
	uint32_t emc_bits;          /* log2 of xs_emc's entries per CPU */
	uint32_t n_flows;
	int fd_emc, fd_masks, fd_megaflows, fd_flows, fd_flow_stats;
	int fd_mask_hits, fd_stats, fd_upcalls, fd_tx_ports, fd_filter, fd_port_list;
	struct xs_slot_pool slots;
	struct xs_mask_table masks;
	struct xs_dp_slot **mirror; /* per slot; NULL when not installed */
	struct xs_ways ways;        /* the mirror by {mask id, hash} */
	struct xs_slab slab;        /* where mirror entries come from */
	void *scratch[XS_DP_SCRATCH]; /* dp_install.c's arrays, kept */
	size_t scratch_size[XS_DP_SCRATCH];
	uint64_t *filter;           /* xs_mask_filter as written */
	uint32_t filter_stale;      /* removals since the filter was rebuilt */
	struct xs_port_list *port_list; /* xs_port_list[0] as published */
	void *percpu_buf;           /* ncpus * 64 bytes, for per-CPU reads */
	struct xs_flow_stats *stats_all; /* n_slots * ncpus: batched counter
	                                  * reads (xs_dp_flow_stats_batch) */
	int fd_grace_outer, fd_grace_inner; /* grace.c */
	uint64_t graces;            /* grace periods waited for */
	uint64_t grace_ns;          /* time spent waiting, in total */
	struct ring_buffer *rb;
	struct xs_dp_upcall_ctx *uctx;
	uint64_t upcall_malformed;
	uint64_t hash_collisions; /* installs that found another key's hash */
	uint64_t collisions_exact; /* installed under the exact mask: all ways
	                            * of their own {mask, hash} taken */
	uint32_t mask_budget;     /* masks a port may create; 0: no bound */
	uint64_t masks_refused;   /* installs refused: the port's budget */
	uint64_t masks_evicted;   /* cold masks retired for a port's new one */
	/* Masks refused this ranking period, by hash of {port, mask}: how
	 * often each was asked for (xs_dp_mask_retire_cold). */
	struct { uint64_t hash; uint32_t asks; } asked[XS_MASK_ASKED_SLOTS];
};

/* Masked copy of @key under @mask, mask_id 0. */
void xs_dp_mask_key(const struct xs_flow_key *key, const struct xs_flow_key *mask,
		    struct xs_flow_key *out);
/* xs_megaflows key (way 0) and value of the megaflow (@key & @mask) with
 * mask id @id and handle @h, under @dp's hash key. */
void xs_dp_megaflow_entry(const struct xs_dp *dp, const struct xs_flow_key *key, const struct xs_flow_key *mask,
			  uint32_t id, struct xs_flow_handle h, struct xs_megaflow_key *mk,
			  struct xs_megaflow_entry *ent, struct xs_mf_words *words);
/* Sets @mk's bit in xs_mask_filter (before the entry is inserted). */
int xs_dp_filter_set(struct xs_dp *dp, const struct xs_megaflow_key *mk);
/* Counts a refusal of @mask for @port over its budget (dp_flows.c); the
 * count this ranking period tells a wanted mask from an attack's one-off. */
uint32_t xs_dp_mask_asked(struct xs_dp *dp, uint32_t port, const struct xs_flow_key *mask);
/* Clears mask @id's bitmap (its last megaflow is gone). */
int xs_dp_filter_clear(struct xs_dp *dp, uint32_t id);
/* Notes a removal; rebuilds every bitmap from the installed megaflows once
 * removals outnumber them (so stale bits cost O(1) per removal). */
int xs_dp_filter_removed(struct xs_dp *dp);
/* Rebuilds every bitmap from the installed megaflows and writes each word
 * that differs from the map (all of them if @all). */
int xs_dp_filter_rebuild(struct xs_dp *dp, bool all);
/* --- grace periods (grace.c) ---------------------------------------------- */
int xs_dp_grace_init(struct xs_dp *dp);
void xs_dp_grace_fini(struct xs_dp *dp);
/* Returns once every BPF program run that began before the call has
 * ended, then frees the slots and mask ids in limbo. */
int xs_dp_grace(struct xs_dp *dp);

/* Publishes the mask table's list into xs_masks. */
int xs_dp_masks_publish(struct xs_dp *dp);
/* Sum over CPUs of xs_mask_hits[id], for one id or for every id. */
int xs_dp_mask_hits_one(struct xs_dp *dp, uint32_t id, uint64_t *hits);
int xs_dp_mask_hits_read(struct xs_dp *dp, uint64_t hits[XS_MAX_MASKS]);
/* Rebuilds slot pool, mask table and mirror from adopted maps. */
int xs_dp_flows_adopt(struct xs_dp *dp);
/* Writes the record of @w and @actions into @slots (head first), the head
 * with generation @head_gen: 0 retires it, keeping the rest for packets
 * still running it. */
int xs_dp_record_write(struct xs_dp *dp, const struct xs_flow_handle *slots, uint32_t head_gen,
		       const struct xs_mf_words *w, const struct xs_action *actions,
		       uint16_t n_actions, uint16_t flags);
/* Reads the record headed by slot @head: words, actions, the head's value
 * (@head_out may be NULL) and the other slots' handles. -EINVAL if it is
 * not a well-formed record. */
int xs_dp_record_read(struct xs_dp *dp, uint32_t head, struct xs_mf_words *w,
		      struct xs_action *actions, struct xs_megaflow *head_out,
		      struct xs_flow_handle *cont, uint32_t *n_cont);
/* Checks an action list as install documents. */
/* Adds the per-CPU counters @percpu (dp->ncpus of them) to *@sum: packets
 * and bytes summed, the latest used_ns, tcp_flags OR-ed. */
void xs_dp_stats_add(const struct xs_dp *dp, const struct xs_flow_stats *percpu,
		     struct xs_flow_stats *sum);

int xs_dp_check_actions(const struct xs_action *actions, uint16_t n_actions, uint16_t flags);
/* True if a ringbuf record of @size bytes holds a whole struct xs_upcall
 * header and the cap_len packet bytes it announces (cap_len <= pkt_len). */
bool xs_dp_upcall_valid(const void *data, size_t size);
void xs_dp_upcall_fini(struct xs_dp *dp);

#endif
