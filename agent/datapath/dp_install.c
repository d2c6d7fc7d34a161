// SPDX-License-Identifier: Apache-2.0
/* Megaflow installs, in batches: the zeroed counters, the records (every slot),
 * the filter words and the hash entries of a batch go to the kernel in one
 * BPF_MAP_UPDATE_BATCH each (on this machine kind a bpf() call costs more
 * than the rest of an install). A batch write cannot say BPF_NOEXIST: the
 * agent's exact index of the entries (dp_ways.h) names each entry's free
 * way instead. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/datapath/dp_internal.h"
#include "common/clock.h"

/* The scratch arrays of a batch, kept between batches (dp->scratch):
 * fresh ones cost page faults on every batch. */
enum { S_KEYS, S_WHICH, S_REC, S_ERRS, S_ZERO, S_PUT, S_WORD, S_VAL, S_MK, S_ENT,
       S_RUN_ERRS, S_PEND, S_COUNT };
XS_STATIC_ASSERT(S_COUNT <= XS_DP_SCRATCH, "scratch arrays");

/* Scratch array @i of at least @size bytes, or NULL; its content is
 * undefined. */
static void *scratch(struct xs_dp *dp, unsigned i, size_t size)
{
	void *b;

	if (size <= dp->scratch_size[i])
		return dp->scratch[i];
	b = realloc(dp->scratch[i], size);
	if (!b)
		return NULL;
	dp->scratch[i] = b;
	dp->scratch_size[i] = size;
	return b;
}

/* One install on its way: what phase 1 took for it. */
struct pending {
	struct xs_dp_slot *ms;
	struct xs_megaflow_key mk;
	struct xs_megaflow_entry ent;
	struct xs_mf_words words;       /* its record's key words */
	struct xs_flow_handle cont[XS_RECORD_MAX_SLOTS - 1]; /* record's other slots */
	uint32_t n_cont;
	uint32_t id;
	bool created;   /* this put created the mask */
	bool fresh;     /* the mask was created in this batch: unpublished */
	bool full;      /* refused at max_flows in phase 1: tried again after */
};

/* Gives back what phase 1 took for @p and records @err. */
static void undo(struct xs_dp *dp, struct xs_dp_put *put, struct pending *p, int err,
		 bool slot_taken, bool slot_written)
{
	/* a written slot is retired: generation 0, as xs_dp_flow_remove
	 * leaves one */
	if (slot_written) {
		struct xs_flow_handle slots[XS_RECORD_MAX_SLOTS];

		slots[0] = put->handle;
		memcpy(slots + 1, p->cont, p->n_cont * sizeof(*slots));
		xs_dp_record_write(dp, slots, 0, &p->words, put->actions, put->n_actions,
				   put->flags);
	}
	if (slot_taken) {
		xs_slot_release(&dp->slots, put->handle);
		for (uint32_t i = 0; i < p->n_cont; i++)
			xs_slot_release(&dp->slots, p->cont[i]);
	}
	xs_mask_put(&dp->masks, p->id);
	xs_ways_del(&dp->ways, p->ms);
	xs_slab_put(&dp->slab, p->ms);
	p->ms = NULL;
	put->err = err;
}

static int slot_alloc(struct xs_dp *dp, struct xs_flow_handle *h)
{
	int err = xs_slot_alloc(&dp->slots, h);

	if (err == -EAGAIN) { /* only released slots left: wait them out */
		err = xs_dp_grace(dp);
		if (!err)
			err = xs_slot_alloc(&dp->slots, h);
	}
	return err;
}

/* The slots of @put's record: head in put->handle, the others in @p. */
static int take_slots(struct xs_dp *dp, struct xs_dp_put *put, struct pending *p)
{
	uint32_t n = xs_record_slots(p->words.n, put->n_actions);
	int err = slot_alloc(dp, &put->handle);

	p->n_cont = 0;
	if (err)
		return err;
	for (; p->n_cont + 1 < n; p->n_cont++) {
		err = slot_alloc(dp, &p->cont[p->n_cont]);
		if (err)
			break;
	}
	if (err) {
		xs_slot_release(&dp->slots, put->handle);
		for (uint32_t i = 0; i < p->n_cont; i++)
			xs_slot_release(&dp->slots, p->cont[i]);
	}
	return err;
}

/* Phase 1, pure bookkeeping: checks, mask id, slots. @pending_flows is the
 * count of earlier puts of the batch that got this far. */
static int take(struct xs_dp *dp, struct xs_dp_put *put, struct pending *p,
		uint32_t pending_flows, uint8_t *fresh_ids)
{
	uint32_t id;
	int err;

	if (!put->key || !put->mask)
		return -EINVAL;
	err = xs_dp_check_actions(put->actions, put->n_actions, put->flags);
	if (err)
		return err;
	if (dp->n_flows + pending_flows >= dp->max_flows)
		return -ENOSPC;
	/* Tuple space explosion: a port whose packets keep asking for new
	 * masks stops at its budget; its further flows are executed without
	 * a megaflow (and limited by the miss limiter) until its own masks
	 * expire. Other ports' masks are not touched. */
	if (dp->mask_budget && xs_mask_find(&dp->masks, put->mask, &id) &&
	    xs_mask_owned(&dp->masks, put->key->in_port) >= dp->mask_budget) {
		dp->masks_refused++;
		xs_dp_mask_asked(dp, put->key->in_port, put->mask); /* eviction's evidence */
		return -EDQUOT;
	}
	p->ms = xs_slab_get(&dp->slab);
	if (!p->ms)
		return -ENOMEM;
	err = xs_mask_get(&dp->masks, put->mask, 0, &p->id, &p->created);
	if (err == -EAGAIN) { /* only ids in limbo left */
		err = xs_dp_grace(dp);
		if (!err)
			err = xs_mask_get(&dp->masks, put->mask, 0, &p->id, &p->created);
	}
	if (err) {
		xs_slab_put(&dp->slab, p->ms);
		p->ms = NULL;
		return err;
	}
	if (p->created) {
		dp->masks.ent[p->id].owner = put->key->in_port;
		fresh_ids[p->id] = 1;
		/* The id's hit counter now is the ranking baseline. */
		err = xs_dp_mask_hits_one(dp, p->id, &dp->masks.ent[p->id].hits_seen);
	}
	p->fresh = fresh_ids[p->id];
	if (!err) {
		xs_dp_megaflow_entry(dp, put->key, put->mask, p->id, (struct xs_flow_handle){ 0, 0 },
				     &p->mk, &p->ent, &p->words);
		err = take_slots(dp, put, p);
	}
	if (err) {
		xs_mask_put(&dp->masks, p->id);
		xs_slab_put(&dp->slab, p->ms);
		p->ms = NULL;
	}
	return err;
}

/* Writes @n elements of @fd in as few BPF_MAP_UPDATE_BATCH calls as it
 * can (BPF_ANY: batches take no other flag): an element the kernel
 * refuses gets its -errno in @errs (-ENOSPC for a full hash) and the batch
 * goes on after it. */
static void update_batch(int fd, const void *keys, size_t ksize, const void *vals, size_t vsize,
			 uint32_t n, int *errs)
{
	uint32_t done = 0;

	while (done < n) {
		uint32_t count = n - done;

		if (!bpf_map_update_batch(fd, (const uint8_t *)keys + (size_t)done * ksize,
					  (const uint8_t *)vals + (size_t)done * vsize, &count,
					  NULL))
			return;
		/* count: the elements written before the one refused */
		done += count;
		if (done < n)
			errs[done++] = errno == E2BIG ? -ENOSPC : -errno;
	}
}

static void update_slots(int fd, uint32_t *keys, uint8_t *vals, size_t vsize, uint32_t n,
			 int *errs)
{
	update_batch(fd, keys, sizeof(*keys), vals, vsize, n, errs);
}

/* Lists the puts still going: their head slots in @keys, their indexes in
 * @which. With @rec, every slot of their records instead, and the slot
 * values in @rec. Returns how many. */
static uint32_t still_going(const struct xs_dp_put *puts, const struct pending *pend, size_t n,
			    uint32_t *keys, struct xs_megaflow *rec, uint32_t *which)
{
	struct xs_flow_handle slots[XS_RECORD_MAX_SLOTS];
	uint32_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct pending *p = &pend[i];

		if (!p->ms)
			continue;
		if (!rec) {
			keys[k] = puts[i].handle.slot;
			which[k++] = (uint32_t)i;
			continue;
		}
		slots[0] = puts[i].handle;
		memcpy(slots + 1, p->cont, p->n_cont * sizeof(*slots));
		xs_record_fill(slots, slots[0].gen, &p->words, puts[i].actions, puts[i].n_actions,
			       puts[i].flags, &rec[k]);
		for (uint32_t j = 0; j <= p->n_cont; j++) {
			keys[k] = slots[j].slot;
			which[k++] = (uint32_t)i;
		}
	}
	return k;
}

/* Phase 2: zeroed counters, then records, for every put still going.
 * -ENOMEM if the scratch arrays cannot be had (nothing written). */
static int write_slots(struct xs_dp *dp, struct xs_dp_put *puts, struct pending *pend, size_t n)
{
	size_t stats_size = (size_t)dp->ncpus * sizeof(struct xs_flow_stats);
	size_t n_rec = n * XS_RECORD_MAX_SLOTS; /* slots of n records at most */
	uint32_t *keys = scratch(dp, S_KEYS, n_rec * sizeof(*keys));
	uint32_t *which = scratch(dp, S_WHICH, n_rec * sizeof(*which)), k;
	struct xs_megaflow *rec = scratch(dp, S_REC, n_rec * sizeof(*rec));
	int *errs = scratch(dp, S_ERRS, n_rec * sizeof(*errs));
	uint8_t *zero = scratch(dp, S_ZERO, n * stats_size);

	if (!keys || !which || !errs || !rec || !zero)
		return -ENOMEM;
	memset(errs, 0, n_rec * sizeof(*errs));
	memset(zero, 0, n * stats_size);
	/* Counters first: a packet that finds the slot's generation counts
	 * into zeroed counters. */
	k = still_going(puts, pend, n, keys, NULL, which);
	update_slots(dp->fd_flow_stats, keys, zero, stats_size, k, errs);
	for (uint32_t j = 0; j < k; j++)
		if (errs[j] && pend[which[j]].ms)
			undo(dp, &puts[which[j]], &pend[which[j]], errs[j], true, false);
	memset(errs, 0, n_rec * sizeof(*errs));
	k = still_going(puts, pend, n, keys, rec, which);
	update_slots(dp->fd_flows, keys, (uint8_t *)rec, sizeof(*rec), k, errs);
	for (uint32_t j = 0; j < k; j++)
		if (errs[j] && pend[which[j]].ms)
			undo(dp, &puts[which[j]], &pend[which[j]], errs[j], true, false);
	return 0;
}

/* Phase 3's run of hash entries, each at the way pick_way found free, so
 * a batch write (which cannot say BPF_NOEXIST) overwrites nothing. The
 * filter words they change go first, in one batch, then the entries. */
struct run {
	uint32_t n, n_words;
	uint32_t *put;                  /* indexes of the puts */
	uint32_t *word;                 /* filter word indexes */
	uint64_t *val;                  /* their new values */
	struct xs_megaflow_key *mk;     /* scratch for the batch write */
	struct xs_megaflow_entry *ent;
	int *errs;
};

/* The filter word @idx as the run will write it. */
static uint64_t *run_word(struct run *r, const struct xs_dp *dp, uint32_t idx)
{
	for (uint32_t w = 0; w < r->n_words; w++)
		if (r->word[w] == idx)
			return &r->val[w];
	r->word[r->n_words] = idx;
	r->val[r->n_words] = dp->filter[idx];
	return &r->val[r->n_words++];
}

/* Writes the run: filter words, then entries. Each put that fails is
 * undone; *@publish is set if one of a new mask went in. */
static void run_flush(struct xs_dp *dp, struct run *r, struct xs_dp_put *puts,
		      struct pending *pend, bool *publish)
{
	uint32_t k = 0;

	if (!r->n) {
		r->n_words = 0;
		return;
	}
	memset(r->errs, 0, r->n_words * sizeof(*r->errs));
	update_batch(dp->fd_filter, r->word, sizeof(*r->word), r->val, sizeof(*r->val),
		     r->n_words, r->errs);
	for (uint32_t w = 0; w < r->n_words; w++)
		if (!r->errs[w])
			dp->filter[r->word[w]] = r->val[w];
	/* A put whose bit did not reach the kernel is not inserted. */
	for (uint32_t j = 0; j < r->n; j++) {
		struct pending *p = &pend[r->put[j]];
		uint32_t bit = xs_filter_bit(p->mk.hash);
		uint32_t idx = p->mk.mask_id * XS_FILTER_WORDS + bit / 64;

		if (!(dp->filter[idx] & 1ull << (bit % 64))) {
			undo(dp, &puts[r->put[j]], p, -EIO, true, true);
			continue;
		}
		r->mk[k] = p->mk;
		r->ent[k] = p->ent;
		r->put[k++] = r->put[j];
	}
	memset(r->errs, 0, k * sizeof(*r->errs));
	update_batch(dp->fd_megaflows, r->mk, sizeof(*r->mk), r->ent, sizeof(*r->ent), k,
		     r->errs);
	for (uint32_t j = 0; j < k; j++) {
		if (r->errs[j])
			undo(dp, &puts[r->put[j]], &pend[r->put[j]], r->errs[j], true, true);
		else
			*publish |= pend[r->put[j]].fresh;
	}
	r->n = r->n_words = 0;
}

/* True if @ms is an entry of the run not written yet. */
static bool in_run(const struct run *r, const struct pending *pend, const struct xs_dp_slot *ms)
{
	for (uint32_t j = 0; j < r->n; j++)
		if (pend[r->put[j]].ms == ms)
			return true;
	return false;
}

/* The way of @p's entry, from dp->ways (exact: the agent writes every
 * entry): the first free one (p->mk.way), -EEXIST if a way holds the same
 * words, -EADDRINUSE if all XS_HASH_WAYS hold other words of the hash.
 * Ways held by the unwritten run are written first: a way the kernel
 * then refuses is not left as a hole before a later one. */
static int pick_way(struct xs_dp *dp, struct run *r, struct xs_dp_put *puts,
		    struct pending *pend, struct pending *p, bool *publish)
{
	struct xs_dp_slot *held[XS_HASH_WAYS];
	struct xs_mask_words mw;
	struct xs_mf_words other;
	uint32_t w;

	xs_ways_get(&dp->ways, p->id, p->mk.hash, held);
	for (w = 0; w < XS_HASH_WAYS; w++) {
		if (held[w] && in_run(r, pend, held[w])) {
			run_flush(dp, r, puts, pend, publish);
			xs_ways_get(&dp->ways, p->id, p->mk.hash, held);
			break;
		}
	}
	/* the ways of a hash are contiguous: the first hole is the free one */
	for (w = 0; w < XS_HASH_WAYS && held[w]; w++) {
		const struct xs_dp_flow *f = &held[w]->flow;

		/* the same mask id: the same mask words for every way */
		if (!w)
			xs_mask_words_make(&f->mask, f->mask_id, &mw);
		xs_mf_words_of(&f->key, &mw, &other);
		if (other.n == p->words.n &&
		    !memcmp(other.bits, p->words.bits, other.n * sizeof(other.bits[0])))
			return -EEXIST;
		dp->hash_collisions++;
	}
	if (w == XS_HASH_WAYS)
		return -EADDRINUSE;
	p->mk.way = w;
	return 0;
}

/* Phase 3: the hash entries, after the slots they name; the filter lets
 * packets probe before any packet can find the handle (a bit left set by
 * a failure costs a wasted probe only). A mask made in this batch stays
 * unpublished until phase 4, so its entries are found by no packet before
 * then. Every entry's way is known beforehand (pick_way), so the filter
 * words that change go in one batch write and the entries in another. */
static int insert_entries(struct xs_dp *dp, struct xs_dp_put *puts, struct pending *pend,
			  size_t n, bool *publish)
{
	struct run r = { 0 };
	int err;

	r.put = scratch(dp, S_PUT, n * sizeof(*r.put));
	r.word = scratch(dp, S_WORD, n * sizeof(*r.word));
	r.val = scratch(dp, S_VAL, n * sizeof(*r.val));
	r.mk = scratch(dp, S_MK, n * sizeof(*r.mk));
	r.ent = scratch(dp, S_ENT, n * sizeof(*r.ent));
	r.errs = scratch(dp, S_RUN_ERRS, n * sizeof(*r.errs));
	err = r.put && r.word && r.val && r.mk && r.ent && r.errs ? 0 : -ENOMEM;
	for (size_t i = 0; !err && i < n; i++) {
		struct pending *p = &pend[i];
		int e;

		if (!p->ms)
			continue;
		p->ent.h = puts[i].handle;
		e = pick_way(dp, &r, puts, pend, p, publish);
		if (e) {
			undo(dp, &puts[i], p, e, true, true);
			continue;
		}
		uint32_t bit = xs_filter_bit(p->mk.hash);
		uint32_t idx = p->mk.mask_id * XS_FILTER_WORDS + bit / 64;

		if (!(dp->filter[idx] & 1ull << (bit % 64)))
			*run_word(&r, dp, idx) |= 1ull << (bit % 64);
		p->ms->flow.handle = puts[i].handle;
		p->ms->flow.mask_id = p->id;
		xs_dp_mask_key(puts[i].key, puts[i].mask, &p->ms->flow.key);
		p->ms->flow.mask = *puts[i].mask;
		p->ms->hash = p->mk.hash;
		p->ms->way = p->mk.way;
		xs_ways_add(&dp->ways, p->ms);
		r.put[r.n++] = (uint32_t)i;
	}
	if (!err)
		run_flush(dp, &r, puts, pend, publish);
	return err;
}

/* Phase 5: the mirror, once the megaflow is in force. */
static void mirror_set(struct xs_dp *dp, const struct xs_dp_put *put, struct pending *p,
		       uint64_t now_ns)
{
	struct xs_dp_slot *ms = p->ms;

	/* handle, key, mask, mask id, hash and way: set by insert_entries */
	ms->n_cont = p->n_cont;
	memcpy(ms->cont, p->cont, p->n_cont * sizeof(*p->cont));
	ms->flow.n_actions = put->n_actions;
	ms->flow.flags = put->flags;
	ms->flow.installed_ns = now_ns;
	if (put->n_actions)
		memcpy(ms->flow.actions, put->actions, put->n_actions * sizeof(*put->actions));
	dp->mirror[put->handle.slot] = ms;
	dp->n_flows++;
}

size_t xs_dp_flow_install_batch(struct xs_dp *dp, struct xs_dp_put *puts, size_t n)
{
	uint8_t fresh_ids[XS_MAX_MASKS] = { 0 };
	struct pending *pend;
	uint32_t taken = 0;
	size_t installed = 0;
	bool publish = false;
	int err;

	if (!dp || !puts || !n)
		return 0;
	pend = scratch(dp, S_PEND, n * sizeof(*pend));
	if (pend)
		memset(pend, 0, n * sizeof(*pend));
	if (!pend) {
		for (size_t i = 0; i < n; i++)
			puts[i].err = -ENOMEM;
		return 0;
	}
	/* 1: ids and slots (no syscall unless a grace period is needed) */
	for (size_t i = 0; i < n; i++) {
		puts[i].err = take(dp, &puts[i], &pend[i], taken, fresh_ids);
		if (!puts[i].err)
			taken++;
		pend[i].full = puts[i].err == -ENOSPC;
	}
	/* 2: counters and records, two batched calls */
	if (taken) {
		err = write_slots(dp, puts, pend, n);
		for (size_t i = 0; err && i < n; i++)
			if (pend[i].ms)
				undo(dp, &puts[i], &pend[i], err, true, false);
	}
	/* 3: the hash entries */
	err = insert_entries(dp, puts, pend, n, &publish);
	for (size_t i = 0; err && i < n; i++)
		if (pend[i].ms)
			undo(dp, &puts[i], &pend[i], err, true, true);
	/* 4: one publication of the mask list for every new mask */
	if (publish && (err = xs_dp_masks_publish(dp))) {
		for (size_t i = 0; i < n; i++) {
			if (!pend[i].ms || !pend[i].fresh)
				continue;
			bpf_map_delete_elem(dp->fd_megaflows, &pend[i].mk);
			undo(dp, &puts[i], &pend[i], err, true, true);
		}
	}
	/* 5: the mirror */
	uint64_t now_ns = xs_mono_ns();

	for (size_t i = 0; i < n; i++) {
		if (!pend[i].ms)
			continue;
		mirror_set(dp, &puts[i], &pend[i], now_ns);
		installed++;
	}
	/* Refused as the table looked full counting every earlier put, some
	 * of which found their megaflow already there: one by one now, as
	 * calls in order would have had them. Those installs reuse the
	 * scratch arrays, pend's too: which ones goes into a copy first. */
	size_t n_full = 0, *full = NULL;

	for (size_t i = 0; i < n && n > 1; i++)
		n_full += pend[i].full;
	if (n_full && !(full = malloc(n_full * sizeof(*full)))) {
		for (size_t i = 0; i < n; i++)
			if (pend[i].full)
				puts[i].err = -ENOMEM;
		return installed;
	}
	for (size_t i = 0, k = 0; i < n && n_full; i++)
		if (pend[i].full)
			full[k++] = i;
	for (size_t k = 0; k < n_full; k++)
		installed += xs_dp_flow_install_batch(dp, &puts[full[k]], 1);
	free(full);
	return installed;
}
