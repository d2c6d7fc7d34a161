// SPDX-License-Identifier: Apache-2.0
/* Recirculation ids: what a ct(table=T) freezes of a translation (the
 * table to continue in, metadata and registers: the pipeline state the
 * datapath does not carry) under a 32-bit id that the datapath puts in
 * the key of the next pass (XS_ACT_RECIRC). The same state always gets
 * the same id, so packets of many connections share the next pass's
 * megaflows. Ids live as long as the process: a restarted agent starts
 * again from 1, and megaflows of the old ids are translated as drops
 * (unknown id) until the revalidator replaces them. */
#ifndef XS_PIPELINE_RECIRC_H
#define XS_PIPELINE_RECIRC_H

#include <stdint.h>
#include "agent/ofp/key.h"

#define RECIRC_MAX_IDS 65536

struct recirc_state {
	uint8_t table;
	uint8_t pad[7];
	__be64 metadata;
	__be32 regs[OFP_N_REGS];
};

/* The id of @st (zero its padding): found, or added. 0 when the table of
 * ids is full or memory runs out. */
uint32_t recirc_id_get(const struct recirc_state *st);
/* The state frozen under @id, or NULL if there is none. */
const struct recirc_state *recirc_find(uint32_t id);

#endif
