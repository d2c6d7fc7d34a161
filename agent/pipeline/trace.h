// SPDX-License-Identifier: Apache-2.0
/* Rendering of a translation for people (ovs-appctl ofproto/trace style) and
 * for programs (one JSON object): tables, rules, actions, megaflow.
 *
 * Text layout, one block per table visited, nested lookups indented:
 *
 *   Flow: tcp,in_port=1,...
 *
 *   bridge("xdpswitch")
 *   -------------------
 *    0. ip,in_port=1,nw_dst=10.0.0.0/24, priority 100
 *       output:2
 *
 *   Final flow: unchanged
 *   Megaflow: ip,in_port=1,nw_dst=10.0.0.0/24
 *   Datapath actions: 2
 *
 * JSON: {"flow", "steps": [{"type": "lookup"|"action"|"note", ...}],
 * "final_flow", "megaflow", "datapath_actions", "error"}. */
#ifndef XS_PIPELINE_TRACE_H
#define XS_PIPELINE_TRACE_H

#include <stdbool.h>
#include "agent/pipeline/xlate.h"

/* Translates packet through ft and renders the result as text (json =
 * false) or JSON into a heap string (*out, caller frees). A translation
 * that ends in a recirculation (ct(table=T)) goes on, as ofproto/trace
 * does, with the next pass: the packet as the actions left it, the
 * recirc_id, the ct action's zone and ct_state trk|new (no conntrack is
 * consulted; NAT is not simulated); text shows each pass after a
 * "recirc" banner, JSON nests it as "recirc". At most TRACE_MAX_PASSES.
 * Returns the first xlate() result (the rendering says what went wrong),
 * or -ENOMEM with *out = NULL. */
int trace_packet(const struct flow_tables *ft, const struct ofp_key *packet, bool json,
		 char **out);

#define TRACE_MAX_PASSES 4

/* trace_packet() with the ct_state of each pass after the first chosen:
 * ct_next[i] for pass i + 1 (OVS's --ct-next), trk|new past the list. */
int trace_packet_ct(const struct flow_tables *ft, const struct ofp_key *packet, bool json,
		    const uint8_t *ct_next, unsigned n_ct_next, char **out);

/* Renders an existing translation (res->trace must be set; err is what
 * xlate() returned) into a heap string *out. Returns 0 or -ENOMEM (then
 * *out = NULL). */
int trace_render(const struct ofp_key *packet, const struct xlate_result *res, int err,
		 bool json, char **out);

/* The megaflow of a translation as an OpenFlow match (value = packet &
 * mask), so it can be printed with ofp_format_match(). */
void trace_megaflow_match(const struct ofp_key *packet, const struct xs_flow_key *mask,
			  struct ofp_match *match);

#endif
