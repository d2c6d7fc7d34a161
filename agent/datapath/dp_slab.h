// SPDX-License-Identifier: Apache-2.0
/* Fixed-size entries (the megaflow mirror's) from chunks mapped already
 * faulted in (MAP_POPULATE), recycled through a free list and never given
 * back before the end: under a burst of new flows an install takes no
 * page fault of its own (each cost about as much as a bpf() call here). */
#ifndef XS_DATAPATH_DP_SLAB_H
#define XS_DATAPATH_DP_SLAB_H

#include <stddef.h>
#include <stdint.h>

struct xs_slab {
	size_t size;        /* of an entry, rounded up to a pointer */
	uint32_t per_chunk;
	void **chunks;
	uint32_t n_chunks;
	void *free;         /* given back, linked through their first word */
	uint8_t *fresh;     /* the newest chunk's entries never handed out */
	uint32_t n_fresh;
};

void xs_slab_init(struct xs_slab *s, size_t size, uint32_t per_chunk);
/* Unmaps every chunk: every entry is gone. */
void xs_slab_fini(struct xs_slab *s);
/* A zeroed entry, or NULL (out of memory). */
void *xs_slab_get(struct xs_slab *s);
/* Gives @e (from xs_slab_get, or NULL) back. */
void xs_slab_put(struct xs_slab *s, void *e);

#endif
