// SPDX-License-Identifier: Apache-2.0
/* Tuple space search for the dummy datapath: per-mask hash tables over a
 * slot array with generations (see dummy_table.h). */
#include "agent/dpif/dummy_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

#define MIN_BUCKET_BITS 4
#define MAX_BUCKET_BITS 30

static void key_and(struct xs_flow_key *out, const struct xs_flow_key *key,
		    const struct xs_flow_key *mask)
{
	uint64_t k[XS_FLOW_KEY_WORDS], m[XS_FLOW_KEY_WORDS];

	memcpy(k, key, sizeof(k));
	memcpy(m, mask, sizeof(m));
	for (size_t i = 0; i < XS_FLOW_KEY_WORDS; i++)
		k[i] &= m[i];
	memcpy(out, k, sizeof(k));
}

/* The fast path's hash (flow_hash.h) over all words, with the
 * fixed key (the dummy table chains collisions, so no key is needed); buckets
 * take its top bits, which every bit of every word reaches. */
static uint64_t key_hash(const struct xs_flow_key *key)
{
	uint64_t w[XS_FLOW_KEY_WORDS], h = 0;

	memcpy(w, key, sizeof(w));
	for (unsigned int i = 0; i < XS_FLOW_KEY_WORDS; i++)
		h += xs_hash_fold(w[i], XS_HASH_V_CURRENT) * xs_hash_mult(xs_hash_key_fixed(), i);
	return h;
}

static struct xs_dummy_mask *mask_find(const struct xs_dummy_table *t,
				       const struct xs_flow_key *bits)
{
	for (struct xs_dummy_mask *m = t->masks; m; m = m->next)
		if (!memcmp(&m->bits, bits, sizeof(*bits)))
			return m;
	return NULL;
}

/* Slot of the megaflow with masked key @key in @m, or 0. */
static uint32_t mask_lookup(const struct xs_dummy_table *t, const struct xs_dummy_mask *m,
			    const struct xs_flow_key *key, uint64_t hash)
{
	for (uint32_t s = m->buckets[hash >> m->shift]; s; s = t->flows[s].next)
		if (t->flows[s].hash == hash && !memcmp(&t->flows[s].key, key, sizeof(*key)))
			return s;
	return 0;
}

static struct xs_dummy_mask *mask_new(const struct xs_flow_key *bits)
{
	struct xs_dummy_mask *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->buckets = calloc(1u << MIN_BUCKET_BITS, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return NULL;
	}
	m->bits = *bits;
	m->shift = 64 - MIN_BUCKET_BITS;
	return m;
}

/* Doubles @m's buckets once its chains average more than one; on
 * allocation failure the chains just stay longer. */
static void mask_maybe_grow(struct xs_dummy_table *t, struct xs_dummy_mask *m)
{
	unsigned int bits = 64 - m->shift;
	uint32_t n = 1u << bits, *nb;

	if (m->n_flows <= n || bits >= MAX_BUCKET_BITS)
		return;
	nb = calloc(2 * (size_t)n, sizeof(*nb));
	if (!nb)
		return;
	for (uint32_t b = 0; b < n; b++) {
		uint32_t s = m->buckets[b];

		while (s) {
			struct xs_dummy_flow *f = &t->flows[s];
			uint32_t next = f->next, nbk = (uint32_t)(f->hash >> (m->shift - 1));

			f->next = nb[nbk];
			nb[nbk] = s;
			s = next;
		}
	}
	free(m->buckets);
	m->buckets = nb;
	m->shift--;
}

static void mask_free(struct xs_dummy_mask *m)
{
	if (m)
		free(m->buckets);
	free(m);
}

static uint32_t next_gen(uint32_t gen)
{
	return gen + 1 ? gen + 1 : 1; /* 0 is never live */
}

/* Makes sure a slot can be taken without failing. */
static int slot_reserve(struct xs_dummy_table *t)
{
	struct xs_dummy_flow *f;
	uint32_t cap;

	if (t->free_head || t->n_slots < t->cap_slots)
		return 0;
	cap = t->cap_slots ? 2 * t->cap_slots : 64;
	if (cap > t->max_flows + 1)
		cap = t->max_flows + 1;
	f = realloc(t->flows, (size_t)cap * sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(&f[t->cap_slots], 0, (size_t)(cap - t->cap_slots) * sizeof(*f));
	t->flows = f;
	t->cap_slots = cap;
	if (!t->n_slots)
		t->n_slots = 1; /* slot 0 is never given out */
	return 0;
}

/* After slot_reserve(). */
static uint32_t slot_take(struct xs_dummy_table *t)
{
	uint32_t s = t->free_head;

	if (s)
		t->free_head = t->flows[s].next;
	else
		s = t->n_slots++;
	return s;
}

static void set_actions(struct xs_dummy_flow *f, const struct xs_action *actions, uint16_t n)
{
	memset(f->actions, 0, sizeof(f->actions));
	if (n)
		memcpy(f->actions, actions, n * sizeof(*actions));
	f->n_actions = n;
}

void xs_dummy_table_init(struct xs_dummy_table *t, uint32_t max_flows)
{
	memset(t, 0, sizeof(*t));
	t->max_flows = max_flows;
}

void xs_dummy_table_fini(struct xs_dummy_table *t)
{
	while (t->masks) {
		struct xs_dummy_mask *m = t->masks;

		t->masks = m->next;
		mask_free(m);
	}
	free(t->flows);
	memset(t, 0, sizeof(*t));
}

int xs_dummy_table_put(struct xs_dummy_table *t, const struct xs_flow_key *key,
		       const struct xs_flow_key *mask, const struct xs_action *actions,
		       uint16_t n, struct xs_flow_handle *out)
{
	struct xs_dummy_mask *m, *fresh = NULL;
	struct xs_flow_key masked;
	struct xs_dummy_flow *f;
	uint64_t hash;
	uint32_t s;
	int err;

	key_and(&masked, key, mask);
	hash = key_hash(&masked);
	m = mask_find(t, mask);
	if (m && mask_lookup(t, m, &masked, hash))
		return -EEXIST;
	if (t->n_flows >= t->max_flows || (!m && t->n_masks >= XS_MAX_MASKS))
		return -ENOSPC;
	err = slot_reserve(t);
	if (err)
		return err;
	if (!m) {
		fresh = m = mask_new(mask);
		if (!m)
			return -ENOMEM;
	}
	/* Nothing fails from here on. */
	if (fresh) {
		struct xs_dummy_mask **tail = &t->masks;

		while (*tail)
			tail = &(*tail)->next;
		*tail = fresh;
		t->n_masks++;
	}
	s = slot_take(t);
	f = &t->flows[s];
	f->gen = next_gen(f->gen);
	f->live = true;
	f->mask = m;
	f->hash = hash;
	f->key = masked;
	f->installed_ns = xs_mono_ns();
	memset(&f->stats, 0, sizeof(f->stats));
	set_actions(f, actions, n);
	f->next = m->buckets[hash >> m->shift];
	m->buckets[hash >> m->shift] = s;
	m->n_flows++;
	t->n_flows++;
	mask_maybe_grow(t, m);
	if (out)
		*out = xs_dummy_table_handle(t, s);
	return 0;
}

struct xs_dummy_flow *xs_dummy_table_get(struct xs_dummy_table *t, struct xs_flow_handle h)
{
	if (!h.slot || h.slot >= t->n_slots || !t->flows[h.slot].live ||
	    t->flows[h.slot].gen != h.gen)
		return NULL;
	return &t->flows[h.slot];
}

int xs_dummy_table_modify(struct xs_dummy_table *t, struct xs_flow_handle *h,
			  const struct xs_action *actions, uint16_t n)
{
	struct xs_dummy_flow *f = xs_dummy_table_get(t, *h);

	if (!f)
		return -ENOENT;
	f->gen = next_gen(f->gen);
	set_actions(f, actions, n);
	h->gen = f->gen;
	return 0;
}

int xs_dummy_table_del(struct xs_dummy_table *t, struct xs_flow_handle h,
		       struct xs_flow_stats *final)
{
	struct xs_dummy_flow *f = xs_dummy_table_get(t, h);
	struct xs_dummy_mask *m;
	uint32_t *link;

	if (!f)
		return -ENOENT;
	m = f->mask;
	link = &m->buckets[f->hash >> m->shift];
	while (*link != h.slot)
		link = &t->flows[*link].next;
	*link = f->next;
	if (final)
		*final = f->stats;
	f->live = false;
	f->mask = NULL;
	f->next = t->free_head;
	t->free_head = h.slot;
	t->n_flows--;
	if (--m->n_flows == 0) {
		struct xs_dummy_mask **pm = &t->masks;

		while (*pm != m)
			pm = &(*pm)->next;
		*pm = m->next;
		t->n_masks--;
		mask_free(m);
	}
	return 0;
}

uint32_t xs_dummy_table_find(const struct xs_dummy_table *t, const struct xs_flow_key *key,
			     const struct xs_flow_key *mask)
{
	const struct xs_dummy_mask *m = mask_find(t, mask);
	struct xs_flow_key masked;

	if (!m)
		return 0;
	key_and(&masked, key, mask);
	return mask_lookup(t, m, &masked, key_hash(&masked));
}

uint32_t xs_dummy_table_lookup(const struct xs_dummy_table *t, const struct xs_flow_key *key)
{
	for (const struct xs_dummy_mask *m = t->masks; m; m = m->next) {
		struct xs_flow_key masked;
		uint32_t s;

		key_and(&masked, key, &m->bits);
		s = mask_lookup(t, m, &masked, key_hash(&masked));
		if (s)
			return s;
	}
	return 0;
}

uint32_t xs_dummy_table_next(const struct xs_dummy_table *t, uint32_t *pos)
{
	for (uint32_t s = *pos ? *pos : 1; s < t->n_slots; s++) {
		if (t->flows[s].live) {
			*pos = s + 1;
			return s;
		}
	}
	*pos = t->n_slots;
	return 0;
}
