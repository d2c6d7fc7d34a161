// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Reading a megaflow's record (struct xs_megaflow, datapath.h): its masked
 * key words for the probe's compare, its actions for the executors. A
 * record is one slot for most megaflows; longer ones go on in the slots
 * @next names, each one inlined array lookup away. Every pointer handed
 * out is into an xs_flows value, so the executors' loops are verified for
 * one kind of pointer only. */
#ifndef XDPSWITCH_BPF_RECORD_H
#define XDPSWITCH_BPF_RECORD_H

#include "maps.h"

/* The slot after @s in its record, or NULL. */
static __always_inline const struct xs_megaflow *xs_record_next(const struct xs_megaflow *s)
{
	__u32 next = s->next;

	if (!next)
		return NULL;
	return bpf_map_lookup_elem(&xs_flows, &next);
}

/* Where a walk over a record's actions is: slot numbers and a cell. */
struct xs_act_cursor {
	__u32 slot; /* where the next action is */
	__u32 next; /* the slot after it */
	__u32 c;    /* cell of the next action in @slot */
};

/* Positions @cur on the first action of the record headed by @head
 * (slot @slot). More than a slot of words (the exact mask) go on in
 * the next slot. */
static __always_inline void xs_act_start(struct xs_act_cursor *cur,
					 const struct xs_megaflow *head, __u32 slot)
{
	cur->slot = slot;
	cur->next = head->next;
	cur->c = head->n_words;
	if (cur->c >= XS_SLOT_CELLS) {
		cur->slot = head->next;
		cur->next = 0; /* read with the slot */
		cur->c -= XS_SLOT_CELLS;
	}
}

/* Moves @cur past the next action; returns that action's cell in slot
 * cur->slot, or -1 if the record is broken (the agent never writes one
 * that is). A global function: the verifier checks it once and knows
 * nothing of its answer but what the caller tests, so every pass of an
 * executor's loop reaches the action with the same state. Tracking the
 * cell instead split each pass in two (next slot or not) and made the
 * TC stage's loop a quarter again as costly to verify (clang 22: over
 * the matrix's budget). */
__attribute__((noinline)) int xs_act_step(struct xs_act_cursor *cur)
{
	const struct xs_megaflow *s;
	__u32 slot, c;

	if (!cur) /* verifier: global function arguments */
		return -1;
	slot = cur->slot;
	c = cur->c;
	if (c > XS_SLOT_CELLS - XS_ACTION_CELLS) { /* does not fit: next slot */
		slot = cur->next;
		c = 0;
	}
	s = bpf_map_lookup_elem(&xs_flows, &slot);
	if (!s)
		return -1;
	cur->slot = slot;
	cur->next = s->next;
	cur->c = c + XS_ACTION_CELLS;
	return (int)c;
}

/* The action at @cur, moving @cur past it; NULL if the record is broken. */
static __always_inline const struct xs_action *xs_act_next(struct xs_act_cursor *cur)
{
	const struct xs_megaflow *s;
	__u64 c = (__u32)xs_act_step(cur); /* -1: above the bound */
	__u32 slot = cur->slot;

	if (c > XS_SLOT_CELLS - XS_ACTION_CELLS)
		return NULL;
	s = bpf_map_lookup_elem(&xs_flows, &slot);
	if (!s)
		return NULL;
	return (const struct xs_action *)&s->cell[c];
}

/* Actions read straight from the head, without a call: most lists have
 * one or two, and they are in the head. */
#define XS_ACT_INLINE 2

/* Action @i (the executor's loop counter: a constant in each pass the
 * verifier makes, so only passes 0 and 1 have the direct branch) of the
 * record headed by @head (slot @head_slot), moving @cur past it; NULL if
 * it is broken. */
static __always_inline const struct xs_action *xs_act_at(struct xs_act_cursor *cur,
							 const struct xs_megaflow *head,
							 __u32 head_slot, int i)
{
	const struct xs_action *a;
	__u64 c = cur->c;

	if (i < XS_ACT_INLINE && cur->slot == head_slot) {
		/* the test where the index is used: clang 22 otherwise
		 * merges this address with xs_act_next()'s and bounds neither */
		asm volatile("" : "+r"(c));
		if (c <= XS_SLOT_CELLS - XS_ACTION_CELLS) {
			cur->c = c + XS_ACTION_CELLS;
			a = (const struct xs_action *)&head->cell[c];
			asm volatile("" : "+r"(a));
			return a;
		}
	}
	return xs_act_next(cur);
}

#endif
