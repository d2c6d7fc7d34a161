// SPDX-License-Identifier: Apache-2.0
/* The per-mask hash bitmaps (xs_mask_filter) that let a megaflow probe skip
 * the hash lookup: a bit set before each insert, stale bits rebuilt away.
 *
 * A word update from here is a plain copy a packet may read half done. That
 * is safe because every write keeps the live megaflows' bits: it sets one
 * more bit (install), clears stale ones (rebuild), or clears a mask that
 * has no megaflow left; any mix of old and new bytes has every live bit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/datapath/dp_internal.h"

#define FILTER_WORDS_ALL ((size_t)XS_MAX_MASKS * XS_FILTER_WORDS)

/* Removals beyond the installed megaflows before a rebuild. */
#define FILTER_STALE_SLACK 4096

static int write_word(struct xs_dp *dp, uint32_t idx, uint64_t v)
{
	if (bpf_map_update_elem(dp->fd_filter, &idx, &v, BPF_ANY))
		return -errno;
	dp->filter[idx] = v;
	return 0;
}

int xs_dp_filter_set(struct xs_dp *dp, const struct xs_megaflow_key *mk)
{
	uint32_t bit = xs_filter_bit(mk->hash);
	uint32_t idx = mk->mask_id * XS_FILTER_WORDS + bit / 64;
	uint64_t v = dp->filter[idx] | 1ull << (bit % 64);

	return v == dp->filter[idx] ? 0 : write_word(dp, idx, v);
}

int xs_dp_filter_clear(struct xs_dp *dp, uint32_t id)
{
	for (uint32_t i = id * XS_FILTER_WORDS; i < (id + 1) * XS_FILTER_WORDS; i++) {
		if (!dp->filter[i])
			continue;
		int err = write_word(dp, i, 0);

		if (err)
			return err;
	}
	return 0;
}

/* Writes the whole map from @words in one batch. */
static int write_all(struct xs_dp *dp, const uint64_t *words)
{
	uint32_t *keys = malloc(FILTER_WORDS_ALL * sizeof(*keys));
	uint32_t count = FILTER_WORDS_ALL;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < FILTER_WORDS_ALL; i++)
		keys[i] = i;
	if (bpf_map_update_batch(dp->fd_filter, keys, words, &count, NULL))
		err = -errno;
	else
		memcpy(dp->filter, words, FILTER_WORDS_ALL * sizeof(*words));
	free(keys);
	return err;
}

int xs_dp_filter_rebuild(struct xs_dp *dp, bool all)
{
	uint64_t *fresh = calloc(FILTER_WORDS_ALL, sizeof(*fresh));
	int err = 0;

	if (!fresh)
		return -ENOMEM;
	for (uint32_t s = 1; s < dp->slots.n_slots; s++) {
		const struct xs_dp_flow *f = dp->mirror[s] ? &dp->mirror[s]->flow : NULL;
		struct xs_megaflow_entry ent;
		struct xs_megaflow_key mk;
		uint32_t bit;

		if (!f)
			continue;
		xs_dp_megaflow_entry(dp, &f->key, &f->mask, f->mask_id, f->handle, &mk, &ent, NULL);
		bit = xs_filter_bit(mk.hash);
		fresh[mk.mask_id * XS_FILTER_WORDS + bit / 64] |= 1ull << (bit % 64);
	}
	if (all) {
		err = write_all(dp, fresh);
	} else {
		/* Every live bit is set in both: only stale ones are cleared. */
		for (uint32_t i = 0; i < FILTER_WORDS_ALL && !err; i++)
			if (fresh[i] != dp->filter[i])
				err = write_word(dp, i, fresh[i]);
	}
	free(fresh);
	if (!err)
		dp->filter_stale = 0;
	return err;
}

int xs_dp_filter_removed(struct xs_dp *dp)
{
	if (++dp->filter_stale <= dp->n_flows + FILTER_STALE_SLACK)
		return 0;
	return xs_dp_filter_rebuild(dp, false);
}
