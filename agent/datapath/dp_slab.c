// SPDX-License-Identifier: Apache-2.0
/* Pre-faulted entry chunks (see dp_slab.h). */
#include "agent/datapath/dp_slab.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void xs_slab_init(struct xs_slab *s, size_t size, uint32_t per_chunk)
{
	memset(s, 0, sizeof(*s));
	s->size = (size + sizeof(void *) - 1) / sizeof(void *) * sizeof(void *);
	s->per_chunk = per_chunk ? per_chunk : 1;
}

void xs_slab_fini(struct xs_slab *s)
{
	for (uint32_t i = 0; i < s->n_chunks; i++)
		munmap(s->chunks[i], s->size * s->per_chunk);
	free(s->chunks);
	s->chunks = NULL;
	s->n_chunks = 0;
	s->free = NULL;
	s->fresh = NULL;
	s->n_fresh = 0;
}

static int grow(struct xs_slab *s)
{
	void **chunks = realloc(s->chunks, (s->n_chunks + 1) * sizeof(*chunks));
	uint8_t *c;

	if (!chunks)
		return -1;
	s->chunks = chunks;
	c = mmap(NULL, s->size * s->per_chunk, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c == MAP_FAILED)
		return -1;
	s->chunks[s->n_chunks++] = c;
	s->fresh = c;
	s->n_fresh = s->per_chunk;
	return 0;
}

void *xs_slab_get(struct xs_slab *s)
{
	void *e;

	if (s->free) { /* a used one: zeroed here */
		e = s->free;
		s->free = *(void **)e;
		memset(e, 0, s->size);
		return e;
	}
	/* never used: still zero as mapped */
	if (!s->n_fresh && grow(s))
		return NULL;
	e = s->fresh;
	s->fresh += s->size;
	s->n_fresh--;
	return e;
}

void xs_slab_put(struct xs_slab *s, void *e)
{
	if (!e)
		return;
	*(void **)e = s->free;
	s->free = e;
}
