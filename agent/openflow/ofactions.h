// SPDX-License-Identifier: Apache-2.0
/* OpenFlow 1.3 instructions and actions to and from the pipeline's ofpact
 * lists (agent/ofp/actions.h).
 *
 * An instruction list becomes one ofpact list in execution order: the
 * apply_actions, clear_actions, write_actions (a marker, then its list:
 * the action set, run at the end of the pipeline), write_metadata, then
 * goto_table. meter is refused (BAD_INSTRUCTION/UNSUP_INST).
 * Every refusal is an OFPERR with the spec's type and
 * code (of13.h). */
#ifndef XS_OPENFLOW_OFACTIONS_H
#define XS_OPENFLOW_OFACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/ofp/actions.h"
#include "agent/openflow/ofbuf.h"

/* Where a list comes from: a flow_mod's instructions, or a packet-out's
 * actions (output:TABLE allowed). */
enum ofa_ctx { OFA_FLOW, OFA_PACKET_OUT };

/* Appends the ofpacts of the actions in p[0..len) to *acts (heap, grown;
 * *n counts). Returns 0 or an OFPERR; on error *acts holds what was
 * decoded before (the caller frees it). */
int ofa_decode_actions(const uint8_t *p, size_t len, enum ofa_ctx ctx,
		       struct ofpact **acts, size_t *n);

/* Decodes an instruction list for a flow in table_id. Returns 0 or an
 * OFPERR (a goto_table to this or an earlier table: BAD_TABLE_ID). */
int ofa_decode_instructions(const uint8_t *p, size_t len, uint8_t table_id,
			    struct ofpact **acts, size_t *n);

/* Appends an instruction list for acts (apply_actions, write_metadata,
 * goto_table); actions OpenFlow 1.3 cannot say (load, move, resubmit)
 * are left out. */
void ofa_encode_instructions(struct ofbuf *b, const struct ofpact *acts, size_t n);

/* Appends the actions of acts (a packet-in's or an apply_actions' list). */
void ofa_encode_actions(struct ofbuf *b, const struct ofpact *acts, size_t n);

/* Does the list output to port (OpenFlow 16-bit number; OFPP_CONTROLLER
 * for controller actions)? For flow_mod's out_port. */
bool ofa_outputs_to(const struct ofpact *acts, size_t n, uint32_t port);

#endif
