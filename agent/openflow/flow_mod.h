// SPDX-License-Identifier: Apache-2.0
/* FLOW_MOD decoding into the pipeline's flow form (flow_mod.c). */
#ifndef XS_OPENFLOW_FLOW_MOD_H
#define XS_OPENFLOW_FLOW_MOD_H

#include <stddef.h>
#include <stdint.h>

#include "agent/ofp/flow.h"

struct ofs_fm {
	uint8_t command;        /* OFPFC_* */
	uint16_t flags;         /* OFPFF_* */
	uint32_t buffer_id;
	uint32_t out_group;
	struct ofp_flow flow;   /* table (255: all), priority, cookie(s),
	                         * timeouts, out_port, match, actions */
	const uint8_t *oxm;     /* the match's TLVs as sent */
	size_t oxm_len;
	const uint8_t *insts;   /* the instructions as sent */
	size_t insts_len;
};

/* Decodes and checks a whole FLOW_MOD message. On success fm->flow owns
 * its actions (ofp_flow_free); on error nothing is held. Returns 0 or an
 * OFPERR. */
int ofs_decode_flow_mod(const uint8_t *msg, size_t len, struct ofs_fm *fm);

#endif
