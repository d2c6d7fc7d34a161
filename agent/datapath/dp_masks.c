// SPDX-License-Identifier: Apache-2.0
/* Megaflow masks: refcounted ids, the probe order ranked by recent hits,
 * and its publication as the single xs_masks element (one atomic replace). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/datapath/dp_internal.h"

void xs_mask_table_init(struct xs_mask_table *t)
{
	memset(t, 0, sizeof(*t));
}

int xs_mask_find(const struct xs_mask_table *t, const struct xs_flow_key *mask, uint32_t *id)
{
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t m = t->order[i];

		if (!memcmp(&t->ent[m].mask, mask, sizeof(*mask))) {
			*id = m;
			return 0;
		}
	}
	return -ENOENT;
}

int xs_mask_get(struct xs_mask_table *t, const struct xs_flow_key *mask, uint64_t hits,
		uint32_t *id, bool *created)
{
	*created = false;
	if (!xs_mask_find(t, mask, id)) {
		t->ent[*id].refs++;
		return 0;
	}
	if (t->n == XS_MAX_MASKS)
		return -ENOSPC;
	if (t->n + t->n_limbo == XS_MAX_MASKS)
		return -EAGAIN;
	uint32_t m = 0;
	while (t->ent[m].refs || t->limbo[m]) /* a free id exists */
		m++;
	t->ent[m].mask = *mask;
	t->ent[m].refs = 1;
	t->ent[m].hits_seen = hits;
	t->ent[m].recent = 0;
	t->ent[m].ranks = 0;
	t->order[t->n++] = m;
	*id = m;
	*created = true;
	return 0;
}

int xs_mask_put(struct xs_mask_table *t, uint32_t id)
{
	if (id >= XS_MAX_MASKS || !t->ent[id].refs)
		return -ENOENT;
	if (--t->ent[id].refs)
		return 0;
	t->limbo[id] = 1;
	t->n_limbo++;
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->order[i] == id) {
			memmove(&t->order[i], &t->order[i + 1], (t->n - i - 1) * sizeof(t->order[0]));
			t->n--;
			break;
		}
	}
	return 1;
}

uint32_t xs_mask_owned(const struct xs_mask_table *t, uint32_t owner)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->n; i++)
		n += t->ent[t->order[i]].owner == owner;
	return n;
}

int xs_mask_cold(const struct xs_mask_table *t, uint32_t owner, uint32_t *id)
{
	const struct xs_mask_ent *best = NULL;

	for (uint32_t i = 0; i < t->n; i++) {
		const struct xs_mask_ent *e = &t->ent[t->order[i]];

		if (e->owner != owner || e->ranks < XS_MASK_MIN_RANKS ||
		    e->recent > XS_MASK_COLD_HITS)
			continue;
		if (!best || e->recent < best->recent) {
			best = e;
			*id = t->order[i];
		}
	}
	return best ? 0 : -ENOENT;
}

void xs_mask_grace_done(struct xs_mask_table *t)
{
	memset(t->limbo, 0, sizeof(t->limbo));
	t->n_limbo = 0;
}

int xs_mask_rank(struct xs_mask_table *t, const uint64_t hits[XS_MAX_MASKS])
{
	uint64_t delta[XS_MAX_MASKS];
	uint32_t old[XS_MAX_MASKS];
	int changed = 0;

	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t m = t->order[i];

		delta[m] = hits[m] - t->ent[m].hits_seen;
		t->ent[m].hits_seen = hits[m];
		t->ent[m].recent = delta[m];
		if (t->ent[m].ranks < UINT32_MAX)
			t->ent[m].ranks++;
		old[i] = m;
	}
	/* Insertion sort: stable, and n is at most XS_MAX_MASKS. */
	for (uint32_t i = 1; i < t->n; i++) {
		uint32_t m = t->order[i], j = i;

		while (j > 0 && delta[t->order[j - 1]] < delta[m]) {
			t->order[j] = t->order[j - 1];
			j--;
		}
		t->order[j] = m;
	}
	for (uint32_t i = 0; i < t->n; i++)
		if (old[i] != t->order[i])
			changed = 1;
	return changed;
}

void xs_mask_fill_list(const struct xs_mask_table *t, struct xs_mask_list *out)
{
	memset(out, 0, sizeof(*out));
	out->count = t->n;
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t m = t->order[i];

		xs_mask_words_make(&t->ent[m].mask, m, &out->masks[i]);
	}
}

/* --- megaflow hash entries ----------------------------------------------------- */

void xs_mask_words_make(const struct xs_flow_key *mask, uint32_t id, struct xs_mask_words *out)
{
	struct xs_flow_key m = *mask;
	uint64_t mw[XS_FLOW_KEY_WORDS];
	uint32_t n = 0;

	memcpy(mw, &m, sizeof(mw));
	memset(out, 0, sizeof(*out));
	out->mask_id = id;
	for (uint32_t w = 0; w < XS_FLOW_KEY_WORDS; w++) {
		if (!mw[w])
			continue;
		out->word[n] = w;
		out->bits[n++] = mw[w];
	}
}

void xs_mask_words_mask(const struct xs_mask_words *mw, struct xs_flow_key *mask)
{
	uint64_t *m = (uint64_t *)mask;

	memset(mask, 0, sizeof(*mask));
	for (uint32_t w = 0; w < XS_FLOW_KEY_WORDS && mw->bits[w]; w++)
		if (mw->word[w] < XS_FLOW_KEY_WORDS)
			m[mw->word[w]] = mw->bits[w];
}

void xs_megaflow_entry_make(const struct xs_hash_key *hk, uint32_t ver, const struct xs_flow_key *key,
			    const struct xs_mask_words *mw, struct xs_flow_handle h,
			    struct xs_megaflow_key *mk, struct xs_megaflow_entry *ent,
			    struct xs_mf_words *words)
{
	struct xs_mf_words w;

	xs_mf_words_of(key, mw, &w);
	memset(mk, 0, sizeof(*mk));
	memset(ent, 0, sizeof(*ent));
	mk->mask_id = mw->mask_id;
	ent->h = h;
	/* As xs_probe_mask: word w of the list at position w of the hash. */
	for (uint32_t i = 0; i < w.n; i++)
		mk->hash += xs_hash_fold(w.bits[i], ver) * xs_hash_mult(hk, i);
	if (words)
		*words = w;
}

void xs_megaflow_entry_key(const struct xs_mf_words *words, const struct xs_mask_words *mw,
			   struct xs_flow_key *key)
{
	uint64_t *k = (uint64_t *)key;

	memset(key, 0, sizeof(*key));
	for (uint32_t w = 0; w < XS_FLOW_KEY_WORDS && w < words->n && mw->bits[w]; w++)
		if (mw->word[w] < XS_FLOW_KEY_WORDS)
			k[mw->word[w]] = words->bits[w] & mw->bits[w];
}

void xs_dp_mask_key(const struct xs_flow_key *key, const struct xs_flow_key *mask,
		    struct xs_flow_key *out)
{
	const uint64_t *k = (const uint64_t *)key, *m = (const uint64_t *)mask;
	uint64_t *o = (uint64_t *)out;

	for (size_t i = 0; i < XS_FLOW_KEY_WORDS; i++)
		o[i] = k[i] & m[i];
}

void xs_dp_megaflow_entry(const struct xs_dp *dp, const struct xs_flow_key *key, const struct xs_flow_key *mask,
			  uint32_t id, struct xs_flow_handle h, struct xs_megaflow_key *mk,
			  struct xs_megaflow_entry *ent, struct xs_mf_words *words)
{
	struct xs_mask_words mw;

	xs_mask_words_make(mask, id, &mw);
	xs_megaflow_entry_make(&dp->hash_key, dp->hash_ver, key, &mw, h, mk, ent, words);
}

int xs_dp_masks_publish(struct xs_dp *dp)
{
	struct xs_mask_list *list = malloc(sizeof(*list));
	uint32_t zero = 0;
	int err;

	if (!list)
		return -ENOMEM;
	xs_mask_fill_list(&dp->masks, list);
	/* One element replace: a packet sees the old list or the new one. */
	err = bpf_map_update_elem(dp->fd_masks, &zero, list, BPF_ANY) ? -errno : 0;
	free(list);
	return err;
}

int xs_dp_mask_hits_one(struct xs_dp *dp, uint32_t id, uint64_t *hits)
{
	const uint64_t *v = dp->percpu_buf;

	if (bpf_map_lookup_elem(dp->fd_mask_hits, &id, dp->percpu_buf))
		return -errno;
	*hits = 0;
	for (int c = 0; c < dp->ncpus; c++)
		*hits += v[c];
	return 0;
}

int xs_dp_mask_hits_read(struct xs_dp *dp, uint64_t hits[XS_MAX_MASKS])
{
	for (uint32_t id = 0; id < XS_MAX_MASKS; id++) {
		int err = xs_dp_mask_hits_one(dp, id, &hits[id]);

		if (err)
			return err;
	}
	return 0;
}

uint32_t xs_dp_mask_count(const struct xs_dp *dp)
{
	return dp->masks.n;
}

uint32_t xs_dp_mask_order(const struct xs_dp *dp, uint32_t *ids, uint32_t max)
{
	uint32_t n = dp->masks.n < max ? dp->masks.n : max;

	memcpy(ids, dp->masks.order, n * sizeof(*ids));
	return n;
}

int xs_dp_masks_rank(struct xs_dp *dp, bool *changed)
{
	uint64_t hits[XS_MAX_MASKS];
	struct xs_mask_table saved;
	int err, r;

	if (changed)
		*changed = false;
	err = xs_dp_mask_hits_read(dp, hits);
	if (err)
		return err;
	saved = dp->masks;
	r = xs_mask_rank(&dp->masks, hits);
	/* a new period: refused masks count their asks again */
	memset(dp->asked, 0, sizeof(dp->asked));
	if (!r)
		return 0;
	err = xs_dp_masks_publish(dp);
	if (err) {
		dp->masks = saved;
		return err;
	}
	if (changed)
		*changed = true;
	return 0;
}
