// SPDX-License-Identifier: Apache-2.0
/* What a controller sent for each of its rules, by rule id: the match's
 * OXM TLVs and the instructions as bytes, and the flow_mod flags, so flow
 * stats give a flow back exactly as it was sent (field order, masks,
 * max_len). The rule's action list pointer is kept too: a rule whose
 * actions changed another way (the CLI's mod-flows) no longer matches it
 * and is encoded from its actions instead. Entries of deleted rules are
 * dropped lazily (wire_store_sweep). */
#ifndef XS_OPENFLOW_WIRE_STORE_H
#define XS_OPENFLOW_WIRE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ft_rule;
struct flow_tables;

struct wire_entry {
	uint64_t rule_id;
	const void *actions;       /* the rule's actions when stored */
	uint16_t flags;            /* OFPFF_* */
	uint8_t *match;            /* OXM TLVs */
	uint16_t match_len;
	uint8_t *insts;
	uint16_t insts_len;
	struct wire_entry *next;
	uint8_t inline_bytes[];    /* match, then instructions until a modify */
};

struct wire_store {
	struct wire_entry **buckets;
	size_t n_buckets, n;
};

void wire_store_init(struct wire_store *ws);
void wire_store_destroy(struct wire_store *ws);
/* Records (or replaces) the entry of rule. Returns 0 or -ENOMEM. */
int wire_store_put(struct wire_store *ws, const struct ft_rule *rule, uint16_t flags,
		   const uint8_t *match, size_t match_len, const uint8_t *insts, size_t insts_len);
/* New instructions for a rule already there (a modify). */
int wire_store_set_insts(struct wire_store *ws, const struct ft_rule *rule,
			 const uint8_t *insts, size_t insts_len);
/* The entry of rule, or NULL. */
struct wire_entry *wire_store_get(const struct wire_store *ws, const struct ft_rule *rule);
/* Drops entries whose rule is gone. */
void wire_store_sweep(struct wire_store *ws, const struct flow_tables *ft);

/* Saving them with the rules (journal.h `wire` records, state_file.h
 * `wire` lines): "FLAGS MATCH INSTS", FLAGS in hex, MATCH and INSTS as
 * hex digits ("-" when empty); INSTS is "~" when the rule's actions
 * changed since (a CLI mod-flows: current false), so they are no longer
 * what was sent. Returns the length needed (snprintf). */
int wire_entry_format(const struct wire_entry *e, bool current, char *buf, size_t size);

/* What wire_entry_format wrote, read back. */
struct wire_bytes {
	uint16_t flags;
	uint8_t *bytes;            /* heap: the match, then the instructions */
	uint16_t match_len, insts_len;
	bool insts_stale;          /* "~": encode the rule's actions instead */
};

/* Parses that text at the start of s (up to the end or a space after
 * INSTS, *used its length). Returns 0, -EINVAL with why set (nothing
 * allocated) or -ENOMEM. */
int wire_bytes_parse(const char *s, struct wire_bytes *wb, size_t *used, char *why,
		     size_t why_size);
void wire_bytes_free(struct wire_bytes *wb);
/* wire_store_put of parsed bytes. */
int wire_store_put_bytes(struct wire_store *ws, const struct ft_rule *rule,
			 const struct wire_bytes *wb);

#endif
