// SPDX-License-Identifier: Apache-2.0
/* Megaflow records (struct xs_megaflow, datapath.h): the compact slots
 * that hold a megaflow's masked key words and actions, laid out and read
 * back the way bpf/record.h walks them. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/datapath/dp_internal.h"

void xs_mf_words_of(const struct xs_flow_key *key, const struct xs_mask_words *mw,
		    struct xs_mf_words *out)
{
	const uint64_t *k = (const uint64_t *)key;

	memset(out, 0, sizeof(*out));
	for (uint32_t w = 0; w < XS_FLOW_KEY_WORDS && mw->bits[w]; w++)
		out->bits[out->n++] = k[mw->word[w] % XS_FLOW_KEY_WORDS] & mw->bits[w];
}

/* Cell @p of the record in @s (slot values, head first). */
static __u64 *cell(struct xs_megaflow *s, uint32_t p)
{
	return &s[p / XS_SLOT_CELLS].cell[p % XS_SLOT_CELLS];
}

void xs_record_fill(const struct xs_flow_handle *slots, uint32_t head_gen,
		    const struct xs_mf_words *w, const struct xs_action *actions,
		    uint16_t n_actions, uint16_t flags, struct xs_megaflow *out)
{
	uint32_t n = xs_record_slots(w->n, n_actions), p = 0;

	memset(out, 0, n * sizeof(*out));
	for (uint32_t i = 0; i < n; i++) {
		out[i].gen = i ? slots[i].gen : head_gen;
		out[i].flags = i ? XS_MF_F_CONT : flags;
		out[i].next = i + 1 < n ? slots[i + 1].slot : 0;
	}
	out[0].n_actions = (uint8_t)n_actions;
	out[0].n_words = (uint8_t)w->n;
	for (; p < w->n; p++)
		*cell(out, p) = w->bits[p];
	for (uint16_t i = 0; i < n_actions; i++) {
		p = xs_record_action_at(p);
		memcpy(cell(out, p), &actions[i], sizeof(actions[i]));
		p += XS_ACTION_CELLS;
	}
}

int xs_record_decode(const struct xs_megaflow *s, uint32_t n, struct xs_mf_words *w,
		     struct xs_action *actions)
{
	uint32_t p = 0;

	if (!n || s[0].n_actions > XS_MAX_ACTIONS || s[0].n_words > XS_FLOW_KEY_WORDS ||
	    (s[0].flags & XS_MF_F_CONT) || xs_record_slots(s[0].n_words, s[0].n_actions) != n)
		return -EINVAL;
	for (uint32_t i = 1; i < n; i++)
		if (!(s[i].flags & XS_MF_F_CONT) || s[i - 1].next == 0)
			return -EINVAL;
	if (s[n - 1].next)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->n = s[0].n_words;
	for (; p < w->n; p++)
		w->bits[p] = *cell((struct xs_megaflow *)s, p);
	for (uint16_t i = 0; i < s[0].n_actions; i++) {
		p = xs_record_action_at(p);
		memcpy(&actions[i], cell((struct xs_megaflow *)s, p), sizeof(actions[i]));
		p += XS_ACTION_CELLS;
	}
	return 0;
}

int xs_dp_record_write(struct xs_dp *dp, const struct xs_flow_handle *slots, uint32_t head_gen,
		       const struct xs_mf_words *w, const struct xs_action *actions,
		       uint16_t n_actions, uint16_t flags)
{
	struct xs_megaflow rec[XS_RECORD_MAX_SLOTS];
	uint32_t n = xs_record_slots(w->n, n_actions);

	xs_record_fill(slots, head_gen, w, actions, n_actions, flags, rec);
	/* Continuations first: the head is what packets reach them by. */
	for (uint32_t i = n; i-- > 0;)
		if (bpf_map_update_elem(dp->fd_flows, &slots[i].slot, &rec[i], BPF_ANY))
			return -errno;
	return 0;
}

int xs_dp_record_read(struct xs_dp *dp, uint32_t head, struct xs_mf_words *w,
		      struct xs_action *actions, struct xs_megaflow *head_out,
		      struct xs_flow_handle *cont, uint32_t *n_cont)
{
	struct xs_megaflow rec[XS_RECORD_MAX_SLOTS];
	uint32_t n = 0, slot = head;

	do {
		if (slot >= dp->slots.n_slots && n)
			return -EINVAL;
		if (bpf_map_lookup_elem(dp->fd_flows, &slot, &rec[n]))
			return -errno;
		if (n)
			cont[n - 1] = (struct xs_flow_handle){ slot, rec[n].gen };
		slot = rec[n++].next;
	} while (slot && n < XS_RECORD_MAX_SLOTS);
	if (slot)
		return -EINVAL;
	if (head_out)
		*head_out = rec[0];
	*n_cont = n - 1;
	return xs_record_decode(rec, n, w, actions);
}
