// SPDX-License-Identifier: Apache-2.0
/* A flow (rule) as ovs-ofctl text describes it, and the parsers and
 * formatters for flows, matches, actions and whole flow files.
 *
 * Errors name the column (and line, for files) of the offending text; a
 * flow file is parsed completely before anything is returned, so a caller
 * applies all of it or nothing. */
#ifndef XS_OFP_FLOW_H
#define XS_OFP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agent/ofp/actions.h"
#include "common/error.h"

#define OFP_MAX_LINE 65536   /* longer lines are refused */
#define OFP_N_TABLES 254     /* tables 0..253: Open vSwitch keeps 254 for itself */
#define OFP_TABLE_ALL 255    /* del-flows/mod-flows without table=: every table */

struct ofp_flow {
	uint8_t table_id;
	uint16_t priority;         /* default 32768 */
	uint64_t cookie;           /* adds: the cookie; deletes/modifies: the
	                            * value cookie_mask selects */
	uint64_t cookie_mask;      /* deletes/modifies: which cookie bits count */
	bool set_cookie;           /* modifies: cookie=V (no mask) was given: */
	uint64_t new_cookie;       /*   V, the modified flows' new cookie */
	uint16_t idle_timeout;     /* seconds, 0 = none */
	uint16_t hard_timeout;
	uint32_t out_port;         /* deletes: only flows that output here;
	                            * OFPP_NONE (the default) for any */
	struct ofp_match match;
	struct ofpact *actions;    /* heap; NULL when n_actions == 0 (drop) */
	size_t n_actions;
};

/* What the text is for: add-flow requires actions; del-flows takes a match
 * only (no actions, priority only with --strict); mod-flows both; a trace
 * packet is a match whose fields are read as exact values. */
enum ofp_parse_mode { OFP_PARSE_ADD, OFP_PARSE_MODIFY, OFP_PARSE_DELETE, OFP_PARSE_PACKET };

void ofp_flow_init(struct ofp_flow *flow);   /* priority 32768, out_port NONE */
void ofp_flow_free(struct ofp_flow *flow);   /* frees actions, not flow */
int ofp_flow_clone(struct ofp_flow *dst, const struct ofp_flow *src);

/* Parses one flow. Returns 0 or -EINVAL with err filled (col 1-based;
 * err may be NULL). On error *flow is left initialised and empty.
 * del-flows and mod-flows without table= get table_id OFP_TABLE_ALL.
 * mod-flows: cookie=V sets the cookie (set_cookie, new_cookie), cookie=V/M
 * selects flows by cookie (cookie, cookie_mask); each may be given once,
 * so "cookie=1/-1,cookie=2" changes cookie 1 to 2 (ovs-ofctl(8));
 * del-flows only takes cookie=V/M. */
int ofp_parse_flow(const char *text, enum ofp_parse_mode mode,
		   struct ofp_flow *flow, struct xs_err *err);

/* Parses a packet in ofproto/trace syntax into a key (unset fields are 0). */
int ofp_parse_packet(const char *text, struct ofp_key *key, struct xs_err *err);

/* Parses a whole flow file ('#' starts a comment anywhere in a line, as in
 * ovs-ofctl; blank lines are skipped). On
 * success *flows is a heap array of *n_flows flows (free each with
 * ofp_flow_free, then free the array). On error nothing is returned and err
 * has line and column. */
int ofp_parse_flow_file(const char *path, enum ofp_parse_mode mode,
			struct ofp_flow **flows, size_t *n_flows, struct xs_err *err);
/* Same over a buffer already in memory (tests, the control socket). */
int ofp_parse_flow_text(const char *text, enum ofp_parse_mode mode,
			struct ofp_flow **flows, size_t *n_flows, struct xs_err *err);

/* Formatting, ovs-ofctl style, into a caller buffer; returns the length it
 * needed (like snprintf). */
int ofp_format_match(const struct ofp_match *match, char *buf, size_t size);
int ofp_format_actions(const struct ofpact *acts, size_t n, char *buf, size_t size);
/* "[cookie=C, ][cookie=C/M, ]table=T, [out_port=P, ][idle_timeout=I, ]
 * [hard_timeout=H, ]priority=P,MATCH actions=ACTIONS", which the parser (in
 * the flow's mode) reads back to the same flow. priority= is left out when
 * it is 32768 and table= when it is OFP_TABLE_ALL, as ovs-ofctl does; an
 * empty action list prints as "drop". */
int ofp_format_flow(const struct ofp_flow *flow, char *buf, size_t size);
/* "priority=P,MATCH" as dump-flows prints it after the counters (priority
 * left out when it is the default 32768, like ovs-ofctl). */
int ofp_format_flow_match(const struct ofp_flow *flow, char *buf, size_t size);

#endif
