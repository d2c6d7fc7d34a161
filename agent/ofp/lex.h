// SPDX-License-Identifier: Apache-2.0
/* Internal helpers shared by the ovs-ofctl text parsers and the formatter:
 * tokens with their column, number/address/port readers and writers. */
#ifndef XS_OFP_LEX_H
#define XS_OFP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agent/ofp/flow.h"

/* A piece of the input line: not NUL-terminated; col is 1-based. */
struct ofp_tok {
	const char *s;
	unsigned len;
	int col;
};

/* Sub-token of t from byte i, len bytes. */
struct ofp_tok ofp_tok_sub(struct ofp_tok t, unsigned i, unsigned len);
/* Does t spell exactly name? (case-sensitive) */
bool ofp_tok_is(struct ofp_tok t, const char *name);
/* Index of the first c in t, or -1. */
int ofp_tok_find(struct ofp_tok t, char c);
/* Index of the first "->" in t, or -1. */
int ofp_tok_arrow(struct ofp_tok t);

/* Sets err at t's column; the message is "fmt" with "%.*s" arguments
 * available through OFP_TOK(t). Returns -EINVAL. */
int ofp_err(struct xs_err *err, struct ofp_tok t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Quoting a token in a message: "%.*s" with OFP_TOK(t), cut at 64 chars. */
#define OFP_TOK(t) (int)((t).len > 64 ? 64 : (t).len), (t).s

/* Unsigned number, decimal or 0x-hex, into an n_bytes big-endian string.
 * Returns 0, -EINVAL (not a number) or -ERANGE (wider than n_bytes). */
int ofp_read_number(struct ofp_tok t, uint8_t *out, unsigned n_bytes);
/* Same into a host integer no larger than max; messages name "what". */
int ofp_read_uint(struct ofp_tok t, uint64_t max, const char *what,
		  uint64_t *v, struct xs_err *err);
/* Number of significant bits in a big-endian byte string. */
unsigned ofp_bits_used(const uint8_t *p, unsigned n_bytes);

/* OpenFlow port: a number below OFPP_MAX or a reserved name (in_port,
 * table, normal, flood, all, controller, none; any case), or the number of
 * a reserved port. Returns 0, -EINVAL, or -ENODEV for LOCAL (by name or as
 * 65534): the bridge has no such port. Messages start with "WHAT: ",
 * except for what "" (a bare port in an action list). */
int ofp_read_port(struct ofp_tok t, const char *what, uint32_t *port,
		  struct xs_err *err);
/* Appends a port as ovs-ofctl prints it: number or upper-case name. */
const char *ofp_port_name(uint32_t port);

/* A field value as ovs-ofctl writes it, optionally "/mask". mask gets all
 * ones of the field's width when none is given; allow_mask false refuses
 * one. Checks width, mask support and prefix-only masks. */
int ofp_read_field_value(const struct ofp_field *f, struct ofp_tok t,
			 bool allow_mask, uint8_t *value, uint8_t *mask,
			 struct xs_err *err);

/* A growable output string for the formatter, snprintf-like: len counts
 * what was needed even when it did not fit. */
struct ofp_out {
	char *buf;
	size_t size;
	size_t len;
};

void ofp_out_printf(struct ofp_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A field value (no mask) in the field's text format. */
void ofp_out_field_value(struct ofp_out *o, const struct ofp_field *f,
			 const uint8_t *value);
/* A big-endian byte string as 0x-hex without leading zeros ("0" if 0). */
void ofp_out_hex(struct ofp_out *o, const uint8_t *p, unsigned n_bytes);

/* A match being parsed: which fields were given, and where. */
struct ofp_match_state {
	struct ofp_match *match;
	bool given[OFPF__MAX];          /* per enum ofp_field_id */
	struct ofp_tok at[OFPF__MAX];   /* where each given field was */
	uint32_t shorthands;            /* bit per shorthand given */
	bool packet;                    /* prerequisites hold on the values */
};

void ofp_match_state_init(struct ofp_match_state *st, struct ofp_match *match);
/* One "key[=value]" of a match. exact: packet mode (no masks). Returns 0,
 * -EINVAL (err set), or -ENOENT if key is neither a field nor a shorthand
 * (err set too, so callers that know no other keys can just return). */
int ofp_parse_match_item(struct ofp_match_state *st, struct ofp_tok key,
			 struct ofp_tok value, bool has_value, bool exact,
			 struct xs_err *err);
/* Checks every given field's prerequisites once the whole match is known. */
int ofp_check_match(const struct ofp_match_state *st, struct xs_err *err);
/* What a prerequisite needs, in words, for messages. */
const char *ofp_prereq_text(const struct ofp_field *f);

/* Parses an action list (the text after "actions="). table is the flow's
 * table (-1 if unknown) for goto_table; match is the flow's match, for
 * prerequisites. On success *acts is heap (NULL if empty) with *n items. */
int ofp_parse_actions(struct ofp_tok t, int table, const struct ofp_match *match,
		      struct ofpact **acts, size_t *n, struct xs_err *err);

#endif
