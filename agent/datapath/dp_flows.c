// SPDX-License-Identifier: Apache-2.0
/* Megaflows: slot pool (generations, FIFO reuse); install, modify, remove in
 * an order packets never see half-done; counters, mirror, pinned adoption. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "common/clock.h"
#include "agent/datapath/dp_internal.h"

/* --- slot pool ------------------------------------------------------------- */

int xs_slot_pool_init(struct xs_slot_pool *p, uint32_t n_slots)
{
	memset(p, 0, sizeof(*p));
	if (n_slots < 2)
		return -EINVAL;
	p->n_slots = n_slots;
	p->gen = calloc(n_slots, sizeof(*p->gen));
	p->used = calloc(n_slots, sizeof(*p->used));
	p->fifo = calloc(n_slots - 1, sizeof(*p->fifo));
	if (!p->gen || !p->used || !p->fifo) {
		xs_slot_pool_fini(p);
		return -ENOMEM;
	}
	for (uint32_t s = 1; s < n_slots; s++)
		p->fifo[s - 1] = s;
	p->n_free = n_slots - 1;
	return 0;
}

void xs_slot_pool_fini(struct xs_slot_pool *p)
{
	free(p->gen);
	free(p->used);
	free(p->fifo);
	memset(p, 0, sizeof(*p));
}

static uint32_t next_gen(uint32_t gen)
{
	return gen + 1 ? gen + 1 : 1; /* 0 means "free" in xs_flows */
}

/* After claims, the ring holds exactly the unused slots, in slot order,
 * all free: claims happen at adoption, which waits for a grace period. */
static void rebuild_ring(struct xs_slot_pool *p)
{
	p->head = 0;
	p->n_free = 0;
	p->n_limbo = 0;
	for (uint32_t s = 1; s < p->n_slots; s++)
		if (!p->used[s])
			p->fifo[p->n_free++] = s;
	p->dirty = false;
}

int xs_slot_alloc(struct xs_slot_pool *p, struct xs_flow_handle *h)
{
	if (p->dirty)
		rebuild_ring(p);
	if (!p->n_free)
		return p->n_limbo ? -EAGAIN : -ENOSPC;
	uint32_t s = p->fifo[p->head];

	p->head = (p->head + 1) % (p->n_slots - 1);
	p->n_free--;
	p->used[s] = 1;
	p->gen[s] = next_gen(p->gen[s]);
	p->n_used++;
	h->slot = s;
	h->gen = p->gen[s];
	return 0;
}

bool xs_slot_live(const struct xs_slot_pool *p, struct xs_flow_handle h)
{
	return h.slot && h.slot < p->n_slots && p->used[h.slot] && p->gen[h.slot] == h.gen;
}

int xs_slot_release(struct xs_slot_pool *p, struct xs_flow_handle h)
{
	if (!xs_slot_live(p, h))
		return -ENOENT;
	if (p->dirty)
		rebuild_ring(p);
	p->used[h.slot] = 0;
	p->n_used--;
	p->fifo[(p->head + p->n_free + p->n_limbo) % (p->n_slots - 1)] = h.slot;
	p->n_limbo++;
	return 0;
}

void xs_slot_grace_done(struct xs_slot_pool *p)
{
	p->n_free += p->n_limbo;
	p->n_limbo = 0;
}

int xs_slot_claim(struct xs_slot_pool *p, struct xs_flow_handle h)
{
	if (!h.slot || h.slot >= p->n_slots || !h.gen)
		return -EINVAL;
	if (p->used[h.slot])
		return -EEXIST;
	p->used[h.slot] = 1;
	p->gen[h.slot] = h.gen;
	p->n_used++;
	p->dirty = true;
	return 0;
}

void xs_slot_unclaim(struct xs_slot_pool *p, struct xs_flow_handle h)
{
	if (!xs_slot_live(p, h))
		return;
	p->used[h.slot] = 0;
	p->n_used--;
	p->dirty = true;
}

uint32_t xs_slot_scratch_gen(struct xs_slot_pool *p)
{
	p->gen[0] = next_gen(p->gen[0]);
	return p->gen[0];
}

/* --- map writes ------------------------------------------------------------- */

/* Besides install's list: an OUTPUT flag other than XS_OUT_F_BROADCAST, a
 * broadcast that names a port, and a broadcast before the end of an
 * XS_MF_F_XDP list (XDP can only broadcast as its verdict) are -EINVAL; a
 * list the TC stage runs may broadcast anywhere. */
int xs_dp_check_actions(const struct xs_action *actions, uint16_t n_actions, uint16_t flags)
{
	if (n_actions > XS_MAX_ACTIONS || (n_actions && !actions))
		return -EINVAL;
	if (flags & ~XS_MF_F_XDP)
		return -EINVAL;
	for (uint16_t i = 0; i < n_actions; i++) {
		const struct xs_action *a = &actions[i];

		if (a->type == XS_ACT_NONE || a->type >= XS_ACT__MAX)
			return -EINVAL;
		if (xs_act_is_ct(a->type) && (flags & XS_MF_F_XDP))
			return -EINVAL; /* only the TC stage runs them */
		if (a->type == XS_ACT_RECIRC && (!a->arg || i + 1 != n_actions))
			return -EINVAL;
		if (a->type != XS_ACT_OUTPUT || !a->flags)
			continue;
		if (a->flags != XS_OUT_F_BROADCAST || a->arg)
			return -EINVAL;
		if ((flags & XS_MF_F_XDP) && i + 1 != n_actions)
			return -EINVAL;
	}
	return 0;
}

static int slot_zero_stats(struct xs_dp *dp, uint32_t slot)
{
	memset(dp->percpu_buf, 0, (size_t)dp->ncpus * sizeof(struct xs_flow_stats));
	return bpf_map_update_elem(dp->fd_flow_stats, &slot, dp->percpu_buf, BPF_ANY) ? -errno : 0;
}

static int slot_read_stats(struct xs_dp *dp, uint32_t slot, struct xs_flow_stats *sum)
{
	if (bpf_map_lookup_elem(dp->fd_flow_stats, &slot, dp->percpu_buf))
		return -errno;
	xs_dp_stats_add(dp, dp->percpu_buf, sum);
	return 0;
}

/* Releases the slots of a record (head @h, @n_cont more) into limbo. */
static void record_release(struct xs_dp *dp, struct xs_flow_handle h,
			   const struct xs_flow_handle *cont, uint32_t n_cont)
{
	xs_slot_release(&dp->slots, h);
	for (uint32_t i = 0; i < n_cont; i++)
		xs_slot_release(&dp->slots, cont[i]);
}

/* Takes the slots of a record of @w and @actions, head into @slots[0],
 * and writes zeroed counters and the record into them. */
static int record_take(struct xs_dp *dp, const struct xs_mf_words *w,
		       const struct xs_action *actions, uint16_t n_actions, uint16_t flags,
		       struct xs_flow_handle *slots)
{
	uint32_t n = xs_record_slots(w->n, n_actions), k;
	int err = 0;

	for (k = 0; k < n && !err; k++) {
		err = xs_slot_alloc(&dp->slots, &slots[k]);
		if (err == -EAGAIN) { /* only released slots left: wait them out */
			err = xs_dp_grace(dp);
			if (!err)
				err = xs_slot_alloc(&dp->slots, &slots[k]);
		}
	}
	if (err) { /* slots 0 .. k - 2 were taken */
		for (uint32_t i = 0; i + 1 < k; i++)
			xs_slot_release(&dp->slots, slots[i]);
		return err;
	}
	err = slot_zero_stats(dp, slots[0].slot);
	if (!err)
		err = xs_dp_record_write(dp, slots, slots[0].gen, w, actions, n_actions, flags);
	if (err)
		record_release(dp, slots[0], slots + 1, n - 1);
	return err;
}

/* Retires the record of @ms (handle @h, its other slots, words @w):
 * generation 0 (stale for every microflow entry), the rest kept for
 * packets still running it, slots into limbo. */
static void record_retire(struct xs_dp *dp, struct xs_dp_slot *ms, struct xs_flow_handle h,
			  const struct xs_mf_words *w)
{
	struct xs_flow_handle slots[XS_RECORD_MAX_SLOTS];

	slots[0] = h;
	memcpy(slots + 1, ms->cont, ms->n_cont * sizeof(*slots));
	xs_dp_record_write(dp, slots, 0, w, ms->flow.actions, ms->flow.n_actions, ms->flow.flags);
	record_release(dp, h, ms->cont, ms->n_cont);
}

static struct xs_dp_slot *mirror_of(const struct xs_dp *dp, struct xs_flow_handle h)
{
	if (!xs_slot_live(&dp->slots, h))
		return NULL;
	return dp->mirror[h.slot];
}

/* --- megaflow operations ------------------------------------------------------ */

/* 1 if the record of the megaflow @h names has words @w. */
static bool words_equal(struct xs_dp *dp, struct xs_flow_handle h, const struct xs_mf_words *w)
{
	struct xs_action actions[XS_MAX_ACTIONS];
	struct xs_flow_handle cont[XS_RECORD_MAX_SLOTS - 1];
	struct xs_mf_words have;
	uint32_t n_cont;

	if (xs_dp_record_read(dp, h.slot, &have, actions, NULL, cont, &n_cont))
		return false;
	return have.n == w->n && !memcmp(have.bits, w->bits, w->n * sizeof(w->bits[0]));
}

/* Removes the entry at @mk (way included) keeping the ways of its hash
 * contiguous: the last way, if another, moves into its place first (its
 * megaflow is in two ways for a moment, never in none). The ways come
 * from dp->ways, not from the kernel. */
static int delete_way(struct xs_dp *dp, const struct xs_megaflow_key *mk)
{
	struct xs_dp_slot *held[XS_HASH_WAYS], *last = NULL;
	struct xs_megaflow_entry ent;
	struct xs_megaflow_key lk;

	xs_ways_get(&dp->ways, mk->mask_id, mk->hash, held);
	for (uint32_t w = mk->way + 1; w < XS_HASH_WAYS && held[w]; w++)
		last = held[w];
	if (!last)
		return bpf_map_delete_elem(dp->fd_megaflows, mk) && errno != ENOENT ? -errno : 0;
	xs_dp_megaflow_entry(dp, &last->flow.key, &last->flow.mask, last->flow.mask_id,
			     last->flow.handle, &lk, &ent, NULL);
	lk.way = last->way;
	if (bpf_map_update_elem(dp->fd_megaflows, mk, &ent, BPF_EXIST))
		return -errno;
	last->way = mk->way;
	bpf_map_delete_elem(dp->fd_megaflows, &lk);
	return 0;
}

/* FNV-1a of {port, mask}: which refused mask a slot of dp->asked counts. */
static uint64_t asked_hash(uint32_t port, const struct xs_flow_key *mask)
{
	const uint8_t *b = (const uint8_t *)mask;
	uint64_t h = 0xcbf29ce484222325ull ^ port;

	for (size_t i = 0; i < sizeof(*mask); i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Counts a refusal of @mask for @port; returns the count this period. */
uint32_t xs_dp_mask_asked(struct xs_dp *dp, uint32_t port, const struct xs_flow_key *mask)
{
	uint64_t h = asked_hash(port, mask);
	uint32_t least = 0;

	for (uint32_t i = 0; i < XS_MASK_ASKED_SLOTS; i++) {
		if (dp->asked[i].hash == h)
			return ++dp->asked[i].asks;
		if (dp->asked[i].asks < dp->asked[least].asks)
			least = i;
	}
	dp->asked[least].hash = h;
	dp->asked[least].asks = 1;
	return 1;
}

static uint32_t mask_asks(const struct xs_dp *dp, uint32_t port, const struct xs_flow_key *mask)
{
	uint64_t h = asked_hash(port, mask);

	for (uint32_t i = 0; i < XS_MASK_ASKED_SLOTS; i++)
		if (dp->asked[i].hash == h)
			return dp->asked[i].asks;
	return 0;
}

static int install_under(struct xs_dp *dp, const struct xs_flow_key *key,
			 const struct xs_flow_key *mask, const struct xs_action *actions,
			 uint16_t n_actions, uint16_t flags, struct xs_flow_handle *out)
{
	struct xs_dp_put put = { .key = key, .mask = mask, .actions = actions,
				 .n_actions = n_actions, .flags = flags };

	if (!dp || !key || !mask)
		return -EINVAL;
	xs_dp_flow_install_batch(dp, &put, 1); /* dp_install.c */
	if (!put.err && out)
		*out = put.handle;
	return put.err;
}

void xs_dp_exact_mask(struct xs_flow_key *mask)
{
	memset(mask, 0xff, sizeof(*mask));
}

/* A flow whose {mask, hash} has all XS_HASH_WAYS taken by other keys goes
 * in under the exact mask instead: stricter than its translation's mask,
 * so it matches a subset of the packets that translation holds for, and
 * its words hash under other multipliers, so the same keys do not collide
 * there again (a sender would need a second collision under the secret
 * key). Only when that fails too is the flow refused. */
int xs_dp_flow_install(struct xs_dp *dp, const struct xs_flow_key *key,
		       const struct xs_flow_key *mask, const struct xs_action *actions,
		       uint16_t n_actions, uint16_t flags, struct xs_flow_handle *out)
{
	struct xs_flow_key exact;
	int err = install_under(dp, key, mask, actions, n_actions, flags, out);

	if (err != -EADDRINUSE)
		return err;
	xs_dp_exact_mask(&exact);
	if (!memcmp(&exact, mask, sizeof(exact)))
		return err;
	err = install_under(dp, key, &exact, actions, n_actions, flags, out);
	if (!err)
		dp->collisions_exact++;
	return err;
}

uint64_t xs_dp_collisions_exact(const struct xs_dp *dp)
{
	return dp->collisions_exact;
}

int xs_dp_flow_modify(struct xs_dp *dp, struct xs_flow_handle *h,
		      const struct xs_action *actions, uint16_t n_actions, uint16_t flags)
{
	struct xs_flow_handle slots[XS_RECORD_MAX_SLOTS], old;
	struct xs_megaflow_entry ent;
	struct xs_megaflow_key mk;
	struct xs_mf_words w;
	struct xs_dp_slot *ms;
	int err;

	if (!dp || !h)
		return -EINVAL;
	ms = mirror_of(dp, *h);
	if (!ms)
		return -ENOENT;
	err = xs_dp_check_actions(actions, n_actions, flags);
	if (err)
		return err;
	xs_dp_megaflow_entry(dp, &ms->flow.key, &ms->flow.mask, ms->flow.mask_id, *h, &mk, &ent,
			     &w);
	err = record_take(dp, &w, actions, n_actions, flags, slots);
	if (err)
		return err;
	/* The new record in force with one element replace: a packet runs
	 * the old list or the new one, never a mix. */
	ent.h = slots[0];
	mk.way = ms->way;
	if (bpf_map_update_elem(dp->fd_megaflows, &mk, &ent, BPF_EXIST)) {
		err = -errno;
		xs_dp_record_write(dp, slots, 0, &w, actions, n_actions, flags);
		record_release(dp, slots[0], slots + 1, xs_record_slots(w.n, n_actions) - 1);
		return err;
	}
	old = *h;
	/* Packets that ran the old slot until now stay counted. */
	slot_read_stats(dp, old.slot, &ms->carried);
	record_retire(dp, ms, old, &w);
	dp->mirror[old.slot] = NULL;
	ms->flow.handle = slots[0];
	ms->n_cont = xs_record_slots(w.n, n_actions) - 1;
	memcpy(ms->cont, slots + 1, ms->n_cont * sizeof(*slots));
	ms->flow.n_actions = n_actions;
	ms->flow.flags = flags;
	memset(ms->flow.actions, 0, sizeof(ms->flow.actions));
	if (n_actions)
		memcpy(ms->flow.actions, actions, n_actions * sizeof(*actions));
	dp->mirror[slots[0].slot] = ms;
	*h = slots[0];
	return 0;
}

int xs_dp_flow_stats(struct xs_dp *dp, struct xs_flow_handle h, struct xs_flow_stats *sum)
{
	struct xs_dp_slot *ms;

	if (!dp || !sum)
		return -EINVAL;
	ms = mirror_of(dp, h);
	if (!ms)
		return -ENOENT;
	*sum = ms->carried;
	return slot_read_stats(dp, h.slot, sum);
}

int xs_dp_flow_remove(struct xs_dp *dp, struct xs_flow_handle h, struct xs_flow_stats *final)
{
	struct xs_megaflow_entry ent;
	struct xs_megaflow_key mk;
	struct xs_dp_slot *ms;
	int err = 0;

	if (!dp)
		return -EINVAL;
	ms = mirror_of(dp, h);
	if (!ms)
		return -ENOENT;
	struct xs_mf_words w;

	xs_dp_megaflow_entry(dp, &ms->flow.key, &ms->flow.mask, ms->flow.mask_id, h, &mk, &ent,
			     &w);
	mk.way = ms->way;
	err = delete_way(dp, &mk);
	if (err)
		return err;
	if (final) {
		*final = ms->carried;
		slot_read_stats(dp, h.slot, final);
	}
	record_retire(dp, ms, h, &w);
	dp->mirror[h.slot] = NULL;
	xs_ways_del(&dp->ways, ms);
	dp->n_flows--;
	/* A filter bit not cleared is a wasted probe, not an error. */
	if (xs_mask_put(&dp->masks, ms->flow.mask_id) == 1) {
		err = xs_dp_masks_publish(dp);
		xs_dp_filter_clear(dp, ms->flow.mask_id);
	} else {
		xs_dp_filter_removed(dp);
	}
	xs_slab_put(&dp->slab, ms);
	return err;
}

int xs_dp_flow_flush(struct xs_dp *dp)
{
	int err = 0;

	if (!dp)
		return -EINVAL;
	for (uint32_t s = 1; s < dp->slots.n_slots; s++) {
		if (!dp->mirror[s])
			continue;
		int e = xs_dp_flow_remove(dp, dp->mirror[s]->flow.handle, NULL);

		if (e && !err)
			err = e;
	}
	return err;
}

int xs_dp_flow_get(const struct xs_dp *dp, struct xs_flow_handle h, struct xs_dp_flow *out)
{
	const struct xs_dp_slot *ms;

	if (!dp || !out)
		return -EINVAL;
	ms = mirror_of(dp, h);
	if (!ms)
		return -ENOENT;
	*out = ms->flow;
	return 0;
}

static int find_under(const struct xs_dp *dp, const struct xs_flow_key *key,
		      const struct xs_flow_key *mask, struct xs_flow_handle *out)
{
	struct xs_megaflow_entry want, ent;
	struct xs_megaflow_key mk;
	struct xs_mf_words w;
	uint32_t id;

	if (!dp || !key || !mask || !out)
		return -EINVAL;
	if (xs_mask_find(&dp->masks, mask, &id))
		return -ENOENT;
	xs_dp_megaflow_entry(dp, key, mask, id, (struct xs_flow_handle){ 0, 0 }, &mk, &want, &w);
	for (mk.way = 0; mk.way < XS_HASH_WAYS; mk.way++) {
		if (bpf_map_lookup_elem(dp->fd_megaflows, &mk, &ent))
			return -errno;
		if (words_equal((struct xs_dp *)dp, ent.h, &w))
			break;
	}
	if (mk.way == XS_HASH_WAYS || !mirror_of(dp, ent.h))
		return -ENOENT;
	*out = ent.h;
	return 0;
}

/* Also finds a flow that went in under the exact mask (a fifth collision,
 * xs_dp_flow_install). */
int xs_dp_flow_find(const struct xs_dp *dp, const struct xs_flow_key *key,
		    const struct xs_flow_key *mask, struct xs_flow_handle *out)
{
	struct xs_flow_key exact;
	int err = find_under(dp, key, mask, out);

	if (err != -ENOENT || !dp->collisions_exact)
		return err;
	xs_dp_exact_mask(&exact);
	return find_under(dp, key, &exact, out);
}

int xs_dp_flow_next(const struct xs_dp *dp, uint32_t *pos, struct xs_dp_flow *out)
{
	if (*pos == 0)
		*pos = 1; /* slot 0 is scratch */
	for (; *pos < dp->slots.n_slots; (*pos)++) {
		if (dp->mirror[*pos]) {
			*out = dp->mirror[(*pos)++]->flow;
			return 1;
		}
	}
	return 0;
}

uint32_t xs_dp_flow_count(const struct xs_dp *dp)
{
	return dp->n_flows;
}

int xs_dp_mask_retire_cold(struct xs_dp *dp, uint32_t port, const struct xs_flow_key *mask,
			   struct xs_flow_handle **out, uint32_t *n)
{
	struct xs_flow_handle *h;
	uint32_t id, refs, k = 0;

	*out = NULL;
	*n = 0;
	if (mask_asks(dp, port, mask) < XS_MASK_EVICT_ASKS ||
	    xs_mask_cold(&dp->masks, port, &id))
		return -ENOENT;
	refs = dp->masks.ent[id].refs;
	h = malloc((refs ? refs : 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (uint32_t s = 1; s < dp->slots.n_slots && k < refs; s++)
		if (dp->mirror[s] && dp->mirror[s]->flow.mask_id == id)
			h[k++] = dp->mirror[s]->flow.handle;
	dp->masks_evicted++;
	if (dp->masks_refused)
		dp->masks_refused--; /* the install that asked is tried again */
	*out = h;
	*n = k;
	return 0;
}

uint64_t xs_dp_masks_evicted(const struct xs_dp *dp)
{
	return dp->masks_evicted;
}

uint64_t xs_dp_masks_refused(const struct xs_dp *dp, uint32_t *budget)
{
	if (budget)
		*budget = dp->mask_budget;
	return dp->masks_refused;
}

uint32_t xs_dp_masks_of_port(const struct xs_dp *dp, uint32_t port)
{
	return xs_mask_owned(&dp->masks, port);
}

uint64_t xs_dp_hash_collisions(const struct xs_dp *dp)
{
	return dp->hash_collisions;
}

uint32_t xs_dp_max_flows(const struct xs_dp *dp)
{
	return dp->max_flows;
}

/* --- adoption ------------------------------------------------------------------- */

/* Adds one adopted megaflow (hash entry @mk -> @ent) to pool, masks, mirror.
 * Mask ids stay as they are in the maps: the hash keys carry them. The
 * mask and the entry must be exactly what install would have written for
 * the mask and key they decode to. */
static int adopt_one(struct xs_dp *dp, const struct xs_mask_list *list,
		     const struct xs_megaflow_key *mk, const struct xs_megaflow_entry *ent)
{
	const struct xs_mask_words *mw = NULL;
	struct xs_flow_handle h = ent->h, cont[XS_RECORD_MAX_SLOTS - 1];
	struct xs_action actions[XS_MAX_ACTIONS];
	struct xs_megaflow_entry re;
	struct xs_megaflow_key rk;
	struct xs_mask_words rw;
	struct xs_flow_key m, key;
	struct xs_mf_words w, rwords;
	struct xs_mask_ent *me;
	struct xs_megaflow head;
	struct xs_dp_slot *ms;
	uint32_t n_cont, i;

	if (mk->mask_id >= XS_MAX_MASKS || mk->way >= XS_HASH_WAYS)
		return -EINVAL;
	if (mk->way) { /* a probe reaches way n only through ways 0..n-1 */
		struct xs_megaflow_key prev = *mk;
		struct xs_megaflow_entry pe;

		prev.way--;
		if (bpf_map_lookup_elem(dp->fd_megaflows, &prev, &pe))
			return -EINVAL;
	}
	me = &dp->masks.ent[mk->mask_id];
	for (i = 0; i < list->count && i < XS_MAX_MASKS; i++)
		if (list->masks[i].mask_id == mk->mask_id)
			mw = &list->masks[i];
	if (!mw || !h.slot || h.slot >= dp->slots.n_slots)
		return -EINVAL;
	memset(actions, 0, sizeof(actions));
	if (xs_dp_record_read(dp, h.slot, &w, actions, &head, cont, &n_cont) ||
	    head.gen != h.gen)
		return -EINVAL;
	xs_mask_words_mask(mw, &m);
	xs_mask_words_make(&m, mk->mask_id, &rw);
	xs_megaflow_entry_key(&w, mw, &key);
	xs_megaflow_entry_make(&dp->hash_key, dp->hash_ver, &key, &rw, h, &rk, &re, &rwords);
	rk.way = mk->way;
	if (memcmp(&rw, mw, sizeof(rw)) || memcmp(&rk, mk, sizeof(rk)) ||
	    memcmp(&re, ent, sizeof(re)) || rwords.n != w.n ||
	    memcmp(rwords.bits, w.bits, sizeof(w.bits)))
		return -EINVAL;
	if (me->refs && memcmp(&me->mask, &m, sizeof(m)))
		return -EINVAL;
	ms = xs_slab_get(&dp->slab);
	if (!ms)
		return -ENOMEM;
	if (xs_slot_claim(&dp->slots, h)) {
		xs_slab_put(&dp->slab, ms);
		return -EINVAL;
	}
	for (i = 0; i < n_cont; i++) {
		if (xs_slot_claim(&dp->slots, cont[i])) {
			xs_slot_unclaim(&dp->slots, h);
			while (i-- > 0)
				xs_slot_unclaim(&dp->slots, cont[i]);
			xs_slab_put(&dp->slab, ms);
			return -EINVAL;
		}
	}
	ms->n_cont = n_cont;
	memcpy(ms->cont, cont, n_cont * sizeof(*cont));
	ms->flow.handle = h;
	ms->flow.key = key;
	ms->flow.mask = m;
	ms->flow.mask_id = mk->mask_id;
	ms->flow.n_actions = head.n_actions;
	ms->flow.flags = head.flags;
	ms->flow.installed_ns = xs_mono_ns();
	memcpy(ms->flow.actions, actions, sizeof(actions));
	me->mask = m;
	if (!me->refs)
		me->owner = 0; /* unknown: a budget counts what this agent made */
	me->refs++;
	ms->way = mk->way;
	ms->hash = mk->hash;
	dp->mirror[h.slot] = ms;
	xs_ways_add(&dp->ways, ms);
	dp->n_flows++;
	return 0;
}

/* Empties every CPU's microflow cache (see dp.h: free slots' old
 * generations are unknown after a restart). Packets may fill entries
 * meanwhile; those name live megaflows of the table being adopted. */
static int flush_emc(struct xs_dp *dp)
{
	struct xs_emc_entry *empty = calloc(dp->ncpus, sizeof(*empty));
	int err = 0;

	if (!empty)
		return -ENOMEM;
	for (uint32_t i = 0; i < xs_dp_emc_entries(dp) && !err; i++)
		if (bpf_map_update_elem(dp->fd_emc, &i, empty, BPF_ANY))
			err = -errno;
	free(empty);
	return err;
}

/* Hash entries that cannot be adopted (no such mask, stale slot, words
 * that do not hash to their key) are deleted after the walk rather than
 * guessed at. */
static int adopt_megaflows(struct xs_dp *dp, const struct xs_mask_list *list)
{
	struct xs_megaflow_key k, *prev = NULL, *bad = NULL;
	struct xs_megaflow_entry ent;
	size_t n_bad = 0;
	int err = 0;

	while (!bpf_map_get_next_key(dp->fd_megaflows, prev, &k)) {
		struct xs_megaflow_key cur = k;

		prev = &k;
		if (bpf_map_lookup_elem(dp->fd_megaflows, &cur, &ent))
			continue;
		if (!adopt_one(dp, list, &cur, &ent))
			continue;
		struct xs_megaflow_key *nb = realloc(bad, (n_bad + 1) * sizeof(*bad));

		if (!nb) {
			err = -ENOMEM;
			break;
		}
		bad = nb;
		bad[n_bad++] = cur;
	}
	for (size_t i = 0; i < n_bad; i++)
		bpf_map_delete_elem(dp->fd_megaflows, &bad[i]);
	free(bad);
	return err;
}

int xs_dp_flows_adopt(struct xs_dp *dp)
{
	struct xs_mask_list *list = calloc(1, sizeof(*list));
	uint32_t zero = 0;
	int err;

	if (!list)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dp->fd_masks, &zero, list))
		list->count = 0; /* nothing published yet */
	err = adopt_megaflows(dp, list);
	/* Probe order as it was published, minus masks nothing uses. */
	dp->masks.n = 0;
	for (uint32_t i = 0; i < list->count && i < XS_MAX_MASKS; i++) {
		uint32_t id = list->masks[i].mask_id;

		if (id < XS_MAX_MASKS && dp->masks.ent[id].refs) {
			dp->masks.order[dp->masks.n++] = id;
			if (!err)
				err = xs_dp_mask_hits_one(dp, id, &dp->masks.ent[id].hits_seen);
		}
	}
	free(list);
	if (!err)
		err = xs_dp_filter_rebuild(dp, true);
	if (!err)
		err = flush_emc(dp);
	/* free slots may have been released by the last agent just now */
	if (!err)
		err = xs_dp_grace(dp);
	if (!err)
		err = xs_dp_masks_publish(dp);
	return err;
}
