// SPDX-License-Identifier: Apache-2.0
/* Recirculation ids (recirc.h): an array of frozen states indexed by id - 1
 * and an open-addressing hash from state to id. */
#include "agent/pipeline/recirc.h"

#include <stdlib.h>
#include <string.h>

#define HASH_SLOTS (2 * RECIRC_MAX_IDS) /* power of two, load <= 1/2 */

static struct recirc_state *states; /* [id - 1] */
static uint32_t n_states;
static uint32_t *slots;             /* id, 0 = empty */

static uint32_t state_hash(const struct recirc_state *st)
{
	const uint8_t *p = (const uint8_t *)st;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*st); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

uint32_t recirc_id_get(const struct recirc_state *st)
{
	uint32_t i;

	if (!states) {
		states = calloc(RECIRC_MAX_IDS, sizeof(*states));
		slots = calloc(HASH_SLOTS, sizeof(*slots));
		if (!states || !slots) {
			free(states);
			free(slots);
			states = NULL;
			slots = NULL;
			return 0;
		}
	}
	for (i = state_hash(st) & (HASH_SLOTS - 1);; i = (i + 1) & (HASH_SLOTS - 1)) {
		uint32_t id = slots[i];

		if (!id)
			break;
		if (!memcmp(&states[id - 1], st, sizeof(*st)))
			return id;
	}
	if (n_states == RECIRC_MAX_IDS)
		return 0;
	states[n_states] = *st;
	slots[i] = ++n_states;
	return n_states;
}

const struct recirc_state *recirc_find(uint32_t id)
{
	if (!id || id > n_states)
		return NULL;
	return &states[id - 1];
}
