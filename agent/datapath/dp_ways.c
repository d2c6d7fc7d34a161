// SPDX-License-Identifier: Apache-2.0
/* Index of the hash entries by {mask id, hash} (see dp_ways.h). */
#include "agent/datapath/dp_ways.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "agent/datapath/dp_internal.h"

int xs_ways_init(struct xs_ways *w, uint32_t n_entries)
{
	uint32_t bits = 4;

	void *b;

	while (bits < 31 && (1u << bits) < n_entries)
		bits++;
	/* Faulted in now: a new flow's random bucket would otherwise cost
	 * a page fault on the first packet's path (tens of us here). */
	w->size = ((size_t)1 << bits) * sizeof(*w->bucket);
	b = mmap(NULL, w->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		 -1, 0);
	if (b == MAP_FAILED) {
		w->bucket = NULL;
		return -ENOMEM;
	}
	w->bucket = b;
	w->shift = 64 - bits;
	return 0;
}

void xs_ways_fini(struct xs_ways *w)
{
	if (w->bucket)
		munmap(w->bucket, w->size);
	w->bucket = NULL;
}

/* The megaflow hash may carry a word's high bits only in its own high
 * bits: fold them down before the multiply spreads them up again. */
static struct xs_dp_slot **bucket_of(const struct xs_ways *w, uint32_t mask_id, uint64_t hash)
{
	uint64_t x = hash ^ ((uint64_t)mask_id << 32 | mask_id);

	x ^= x >> 32;
	x *= 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return &w->bucket[x >> w->shift];
}

void xs_ways_add(struct xs_ways *w, struct xs_dp_slot *ms)
{
	struct xs_dp_slot **b = bucket_of(w, ms->flow.mask_id, ms->hash);

	ms->ways_next = *b;
	*b = ms;
}

void xs_ways_del(struct xs_ways *w, struct xs_dp_slot *ms)
{
	for (struct xs_dp_slot **p = bucket_of(w, ms->flow.mask_id, ms->hash); *p;
	     p = &(*p)->ways_next) {
		if (*p == ms) {
			*p = ms->ways_next;
			ms->ways_next = NULL;
			return;
		}
	}
}

unsigned xs_ways_get(const struct xs_ways *w, uint32_t mask_id, uint64_t hash,
		     struct xs_dp_slot *out[XS_HASH_WAYS])
{
	unsigned n = 0;

	for (unsigned i = 0; i < XS_HASH_WAYS; i++)
		out[i] = NULL;
	for (struct xs_dp_slot *s = *bucket_of(w, mask_id, hash); s; s = s->ways_next) {
		if (s->hash != hash || s->flow.mask_id != mask_id || s->way >= XS_HASH_WAYS)
			continue;
		out[s->way] = s;
		n++;
	}
	return n;
}
