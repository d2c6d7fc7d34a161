// SPDX-License-Identifier: Apache-2.0
/* One OpenFlow table's rule set: priority lookup over wildcarded matches
 * that also reports which key bits the answer depended on (the megaflow).
 *
 * Design
 * ------
 * Rules are grouped by mask into subtables (tuple space search): within a
 * subtable a hash of the masked key finds the only candidates, rules with the
 * same masked value hang off one hash node sorted by priority. Subtables are
 * visited in decreasing order of their highest priority and the walk stops as
 * soon as no remaining subtable can hold a better rule, so a packet that hits
 * a high-priority rule never looks at (nor depends on) the rest.
 *
 * Every subtable that is looked at adds bits to the caller's wildcard mask
 * ("wc": 1 = the answer depended on this key bit). Three techniques keep
 * those bits few, after the ideas in Open vSwitch's classifier documentation:
 *
 *  - Staged lookup. A subtable's mask is split into stages (metadata, L2, L3,
 *    L4). Each stage but the last keeps the set of hashes of its rules'
 *    masked values up to and including that stage; when the packet's partial
 *    hash is not in the set no rule can match, and only the stages consulted
 *    so far are un-wildcarded. A packet whose Ethernet type matches no rule
 *    therefore does not depend on its IP addresses or ports. Each stage
 *    also keeps the hashes of its own part alone: when a miss can be shown
 *    from one stage that no rule shares with the packet, that stage is all
 *    the mask needs (of all proofs of a miss, the cheapest is taken).
 *
 *  - Prefix tracking. For nw_src, nw_dst, ipv6_src and ipv6_dst each table
 *    keeps a path-compressed binary trie of the prefixes its rules match.
 *    When a subtable whose mask on such a field is a /L prefix fails in or
 *    after its L3 stage, the trie tells whether any rule prefix of length L
 *    covers the packet's address; if none does, only the address bits the
 *    trie walk had to read (at most L; the cheapest field if several rule
 *    it out) are un-wildcarded instead of the stages. A trie is walked at
 *    most once per lookup and never on the way to a hit in the first
 *    subtable; once walked, it skips later subtables before their L3 hash.
 *
 *  - Port tracking. Each subtable that matches L4 ports keeps a trie of its
 *    rules' masked tp_src:tp_dst (32 bits); when the subtable failed in its
 *    L4 stage and no rule has the packet's ports, only the port bits up to
 *    the first one that tells the packet apart from every rule are needed
 *    (tcp,tp_dst=22 against port 80 costs tp_dst=0x40/0xffc0, as in OVS,
 *    which also keeps the earlier stages' bits).
 *
 * Ties: OpenFlow leaves the winner among overlapping rules of equal priority
 * undefined. Here it is defined: the rule whose mask has more bits set wins;
 * between masks of equal size, the one that is greater compared bytewise in
 * struct ofp_key order. The winner therefore depends only on the table's
 * contents, never on the order rules were added. The price: subtables of
 * the winning priority that rank above the winner's are probed too, so
 * equal-priority overlaps can cost mask bits that OVS (which takes the
 * first match it meets) would not spend.
 *
 * Cost: a lookup hashes the key once per subtable probed (stage by stage),
 * so it grows with the number of distinct masks, not of rules; see
 * tests/bench/bench_classifier.c for figures at 100k rules. */
#ifndef XS_PIPELINE_CLASSIFIER_H
#define XS_PIPELINE_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agent/ofp/key.h"

struct cls_subtable;

/* A rule as the classifier sees it. The owner embeds it in its own rule
 * struct, fills match (value already ANDed with mask) and priority, and
 * must not change either while the rule is inserted. */
struct cls_rule {
	struct ofp_match match;
	uint16_t priority;
	/* A conjunctive ("soft") rule: never the answer of cls_lookup, only
	 * found by cls_lookup_soft. Set before insertion; change it while
	 * inserted only through cls_set_soft. */
	bool soft;
	/* Private to the classifier. */
	struct cls_subtable *subtable;
	struct cls_rule *hnext; /* next head in the hash bucket */
	struct cls_rule *lower; /* same match, next lower priority */
	uint64_t hash;
};

/* Prefix-tracked fields (one trie each). */
enum cls_trie_field { CLS_TRIE_NW_SRC, CLS_TRIE_NW_DST, CLS_TRIE_IPV6_SRC,
		      CLS_TRIE_IPV6_DST, CLS_N_TRIES };

struct cls_trie {
	struct cls_trie_node *nodes; /* nodes[0] is the root */
	uint32_t n_nodes, n_alloc;
	uint32_t free_list;          /* 0 = empty (the root is never freed) */
};

struct classifier {
	struct cls_subtable **subtables; /* visiting order, best first */
	unsigned n_subtables, n_alloc;
	size_t n_rules;
	size_t n_soft;                   /* rules with soft set */
	struct cls_trie tries[CLS_N_TRIES];
};

void cls_init(struct classifier *cls);
/* Frees the classifier's own memory; the rules still inserted are not
 * freed (the owner frees them). */
void cls_destroy(struct classifier *cls);

/* Inserts rule. If a rule with an identical match and the same priority is
 * present it is removed and returned in *replaced (else *replaced = NULL).
 * Returns 0 or -ENOMEM (then nothing changed). */
int cls_insert(struct classifier *cls, struct cls_rule *rule, struct cls_rule **replaced);
/* Removes an inserted rule. */
void cls_remove(struct classifier *cls, struct cls_rule *rule);
/* The rule with exactly this match and priority, or NULL. */
struct cls_rule *cls_find_exact(const struct classifier *cls, const struct ofp_match *match,
				uint16_t priority);

/* The best rule matching key (highest priority, ties as described above),
 * or NULL. When wc is not NULL, ORs into it every key bit the answer
 * depended on; a key that agrees with this one on all bits set in wc gets
 * the same answer. */
const struct cls_rule *cls_lookup(const struct classifier *cls, const struct ofp_key *key,
				  struct ofp_key *wc);

/* Calls fn for every soft rule matching key whose priority is above
 * min_priority (-1: any), visiting the subtables cls_lookup would; ORs
 * into wc what the answer depended on, like cls_lookup. */
void cls_lookup_soft(const struct classifier *cls, const struct ofp_key *key,
		     struct ofp_key *wc, int min_priority,
		     void (*fn)(const struct cls_rule *, void *), void *arg);
/* Marks an inserted rule soft or not (its actions changed). */
void cls_set_soft(struct classifier *cls, struct cls_rule *rule, bool soft);

/* Calls fn for every rule (in no particular order). fn must not insert or
 * remove rules; collect them first. */
void cls_for_each(const struct classifier *cls, void (*fn)(struct cls_rule *, void *), void *arg);

static inline size_t cls_count(const struct classifier *cls)
{
	return cls->n_rules;
}

/* Does a match cover every packet the rule matches (the rule is at least as
 * specific on every bit the match cares about)? ovs-ofctl's non-strict
 * modify/delete selection. */
bool cls_match_covers(const struct ofp_match *filter, const struct ofp_match *rule);

#endif
