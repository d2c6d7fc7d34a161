// SPDX-License-Identifier: Apache-2.0
/* Tuple space search classifier with staged lookup and prefix tries; see
 * classifier.h for the design and the tie rule. */
#include "agent/pipeline/classifier.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KEY_WORDS (sizeof(struct ofp_key) / 8)
_Static_assert(sizeof(struct ofp_key) % 8 == 0, "ofp_key is hashed in u64 words");
_Static_assert(KEY_WORDS <= 255, "word indexes fit a byte");

/* Lookup stages, in the order a subtable is probed. */
enum { STAGE_META, STAGE_L2, STAGE_L3, STAGE_L4, N_STAGES };

/* --- small open-addressing multiset of 64-bit hashes ------------------------ */

struct hset_slot {
	uint64_t hash; /* 0 = empty */
	uint32_t count;
};

struct hset {
	struct hset_slot *slots;
	uint32_t n_slots; /* power of two, or 0 */
	uint32_t n_used;
};

static uint32_t hset_index(const struct hset *s, uint64_t h)
{
	return (uint32_t)(h ^ (h >> 29)) & (s->n_slots - 1);
}

static bool hset_contains(const struct hset *s, uint64_t h)
{
	if (!s->n_slots)
		return false;
	for (uint32_t i = hset_index(s, h);; i = (i + 1) & (s->n_slots - 1)) {
		if (s->slots[i].hash == h)
			return true;
		if (!s->slots[i].hash)
			return false;
	}
}

static void hset_put(struct hset_slot *slots, uint32_t n_slots, uint64_t h, uint32_t count)
{
	struct hset tmp = { .slots = slots, .n_slots = n_slots };
	uint32_t i = hset_index(&tmp, h);

	while (slots[i].hash && slots[i].hash != h)
		i = (i + 1) & (n_slots - 1);
	slots[i].hash = h;
	slots[i].count += count;
}

/* Makes room for one more distinct hash. 0 or -ENOMEM. */
static int hset_reserve(struct hset *s)
{
	if ((s->n_used + 1) * 4 <= s->n_slots * 3)
		return 0;
	uint32_t n = s->n_slots ? s->n_slots * 2 : 16;
	struct hset_slot *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->n_slots; i++)
		if (s->slots[i].hash)
			hset_put(slots, n, s->slots[i].hash, s->slots[i].count);
	free(s->slots);
	s->slots = slots;
	s->n_slots = n;
	return 0;
}

/* Adds one reference to h; hset_reserve() must have succeeded first. */
static void hset_add(struct hset *s, uint64_t h)
{
	uint32_t i = hset_index(s, h);

	while (s->slots[i].hash && s->slots[i].hash != h)
		i = (i + 1) & (s->n_slots - 1);
	if (!s->slots[i].hash) {
		s->slots[i].hash = h;
		s->n_used++;
	}
	s->slots[i].count++;
}

/* Drops one reference to h (which must be present); at zero the slot is
 * emptied and the probe run after it shifted back so lookups stay exact. */
static void hset_del(struct hset *s, uint64_t h)
{
	uint32_t mask = s->n_slots - 1, i = hset_index(s, h);

	while (s->slots[i].hash != h)
		i = (i + 1) & mask;
	if (--s->slots[i].count)
		return;
	s->n_used--;
	for (uint32_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		if (!s->slots[j].hash)
			break;
		uint32_t home = hset_index(s, s->slots[j].hash);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			s->slots[i] = s->slots[j];
			i = j;
		}
	}
	s->slots[i].hash = 0;
	s->slots[i].count = 0;
}

/* --- prefix tries ------------------------------------------------------------ */

/* A path-compressed binary trie: a node sits where a rule prefix ends or
 * where prefixes branch, and holds its whole prefix, so a walk reads one
 * node per branch point instead of one per bit. It answers exactly what
 * the bit-by-bit trie would: which prefix lengths lie on a key's path, and
 * how many leading key bits the walk had to read. */
struct cls_trie_node {
	uint32_t child[2];  /* node index, 0 = none (the root is never a child) */
	uint32_t n_rules;   /* rules whose prefix ends exactly here */
	uint8_t depth;      /* prefix length of this node */
	uint8_t pad[3];
	uint8_t prefix[16]; /* the node's prefix, bits past depth zero */
};

static const struct {
	unsigned ofs;    /* byte offset in struct ofp_key */
	unsigned n_bits;
} trie_fields[CLS_N_TRIES] = {
	[CLS_TRIE_NW_SRC] = { offsetof(struct ofp_key, dp.nw_src), 32 },
	[CLS_TRIE_NW_DST] = { offsetof(struct ofp_key, dp.nw_dst), 32 },
	[CLS_TRIE_IPV6_SRC] = { offsetof(struct ofp_key, dp.ipv6_src), 128 },
	[CLS_TRIE_IPV6_DST] = { offsetof(struct ofp_key, dp.ipv6_dst), 128 },
};

#define TRIE_MAX_BITS 128

static int bit_at(const uint8_t *bytes, unsigned i)
{
	return (bytes[i / 8] >> (7 - i % 8)) & 1;
}

static void trie_init(struct cls_trie *t)
{
	memset(t, 0, sizeof(*t));
}

/* Ensures n more nodes can be taken without failing. 0 or -ENOMEM. */
static int trie_reserve(struct cls_trie *t, uint32_t n)
{
	uint32_t used = t->n_alloc ? t->n_nodes : 1; /* the root comes first */
	uint32_t want = t->n_alloc ? t->n_alloc : 64;
	struct cls_trie_node *nodes;

	if (t->n_alloc && t->n_nodes + n <= t->n_alloc)
		return 0;
	while (want < used + n)
		want *= 2;
	nodes = realloc(t->nodes, want * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	if (!t->n_alloc) {
		memset(&nodes[0], 0, sizeof(nodes[0]));
		t->n_nodes = 1;
	}
	t->nodes = nodes;
	t->n_alloc = want;
	return 0;
}

/* A node for the first depth bits of bits. */
static uint32_t trie_new_node(struct cls_trie *t, const uint8_t *bits, unsigned depth)
{
	struct cls_trie_node *node;
	uint32_t i;

	if (t->free_list) {
		i = t->free_list;
		t->free_list = t->nodes[i].child[0];
	} else {
		i = t->n_nodes++;
	}
	node = &t->nodes[i];
	memset(node, 0, sizeof(*node));
	node->depth = (uint8_t)depth;
	memcpy(node->prefix, bits, (depth + 7) / 8);
	if (depth % 8)
		node->prefix[depth / 8] &= (uint8_t)(0xff00 >> (depth % 8));
	return i;
}

/* First bit in [from, to) where a and b differ, or to. */
static unsigned first_diff(const uint8_t *a, const uint8_t *b, unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++) {
		if (i % 8 == 0 && i + 8 <= to && a[i / 8] == b[i / 8]) {
			i += 7;
			continue;
		}
		if (bit_at(a, i) != bit_at(b, i))
			return i;
	}
	return to;
}

/* Adds one rule prefix (plen > 0); trie_reserve(t, 2) must have succeeded. */
static void trie_insert(struct cls_trie *t, const uint8_t *bits, unsigned plen)
{
	uint32_t n = 0;

	for (;;) {
		struct cls_trie_node *node = &t->nodes[n];
		unsigned d = node->depth;
		int b;

		if (d == plen) {
			node->n_rules++;
			return;
		}
		b = bit_at(bits, d);
		uint32_t c = node->child[b];
		if (!c) {
			uint32_t leaf = trie_new_node(t, bits, plen);
			t->nodes[leaf].n_rules = 1;
			t->nodes[n].child[b] = leaf;
			return;
		}
		unsigned dc = t->nodes[c].depth;
		unsigned lim = dc < plen ? dc : plen;
		unsigned m = first_diff(bits, t->nodes[c].prefix, d + 1, lim);
		if (m == dc) {           /* c's prefix is a prefix of ours */
			n = c;
			continue;
		}
		/* Split the edge at m: a node there, c below it. */
		uint32_t mid = trie_new_node(t, bits, m);
		t->nodes[mid].child[bit_at(t->nodes[c].prefix, m)] = c;
		if (m == plen) {
			t->nodes[mid].n_rules = 1;
		} else {
			uint32_t leaf = trie_new_node(t, bits, plen);
			t->nodes[leaf].n_rules = 1;
			t->nodes[mid].child[bit_at(bits, m)] = leaf;
		}
		t->nodes[n].child[b] = mid;
		return;
	}
}

static void trie_free_node(struct cls_trie *t, uint32_t i)
{
	t->nodes[i].child[0] = t->free_list;
	t->free_list = i;
}

/* Drops one rule prefix (which must be present). Nodes that neither end a
 * prefix nor branch any more are removed or spliced out. */
static void trie_remove(struct cls_trie *t, const uint8_t *bits, unsigned plen)
{
	uint32_t path[TRIE_MAX_BITS + 2];
	unsigned depth = 0;
	uint32_t n = 0;

	path[depth++] = 0;
	while (t->nodes[n].depth != plen) {
		n = t->nodes[n].child[bit_at(bits, t->nodes[n].depth)];
		path[depth++] = n;
	}
	t->nodes[n].n_rules--;
	while (depth > 1) {
		uint32_t i = path[depth - 1], parent = path[depth - 2];
		struct cls_trie_node *node = &t->nodes[i];
		int side = bit_at(bits, t->nodes[parent].depth);

		if (node->n_rules || (node->child[0] && node->child[1]))
			return;
		/* No rule and at most one child: the parent adopts the child. */
		t->nodes[parent].child[side] = node->child[0] ? node->child[0] : node->child[1];
		trie_free_node(t, i);
		depth--;
	}
}

/* What one trie walk learned about a key. */
struct trie_ctx {
	bool done;
	unsigned maskbits;   /* leading bits read to know plens */
	uint64_t plens[3];   /* bit L set: a rule prefix of length L covers the key */
};

static void trie_lookup(const struct cls_trie *t, const uint8_t *bits, unsigned n_bits,
			struct trie_ctx *ctx)
{
	uint32_t n = 0;

	memset(ctx, 0, sizeof(*ctx));
	ctx->done = true;
	if (!t->n_alloc)
		return;
	for (;;) {
		const struct cls_trie_node *node = &t->nodes[n];
		unsigned d = node->depth;

		if (node->n_rules)
			ctx->plens[d / 64] |= 1ull << (d % 64);
		if (d == n_bits) {
			ctx->maskbits = d;
			return;
		}
		int b = bit_at(bits, d);
		uint32_t c = node->child[b];
		if (!c) {
			/* The walk ends here. If prefixes continue on the other
			 * side the key's bit d is what ruled them out. */
			ctx->maskbits = node->child[!b] ? d + 1 : d;
			return;
		}
		unsigned dc = t->nodes[c].depth;
		unsigned m = first_diff(bits, t->nodes[c].prefix, d + 1, dc);
		if (m < dc) {
			/* Left the edge at bit m: that bit was read. */
			ctx->maskbits = m + 1;
			return;
		}
		n = c;
	}
}

/* Length of the prefix a mask field is, 0 if wildcarded, -1 if not CIDR. */
static int mask_plen(const uint8_t *mask, unsigned n_bits)
{
	unsigned i = 0;

	while (i < n_bits && bit_at(mask, i))
		i++;
	for (unsigned j = i; j < n_bits; j++)
		if (bit_at(mask, j))
			return -1;
	return (int)i;
}

static void set_prefix_bits(uint8_t *mask, unsigned n)
{
	for (unsigned i = 0; i < n / 8; i++)
		mask[i] = 0xff;
	if (n % 8)
		mask[n / 8] |= (uint8_t)(0xff00 >> (n % 8));
}

/* --- subtables -------------------------------------------------------------- */

struct cls_subtable {
	struct ofp_key mask;
	uint64_t stage_mask[N_STAGES][KEY_WORDS];
	uint8_t stage_words[N_STAGES][KEY_WORDS];
	unsigned n_stage_words[N_STAGES];
	struct hset stage_set[N_STAGES - 1]; /* hashes up to and including stage
	                                      * i, for stages before last_stage */
	struct hset ind_set[N_STAGES];       /* hashes of stage i alone: used
	                                      * only to narrow a miss's mask */
	unsigned stage_bits[N_STAGES];       /* mask bits in each stage */
	struct cls_rule **buckets;           /* chains of head rules */
	uint32_t n_buckets, n_heads;
	size_t n_rules;
	uint16_t max_priority;
	size_t n_max;                        /* rules at max_priority */
	int plen[CLS_N_TRIES];
	unsigned n_bits;                     /* bits set in mask */
	/* Ports tracking: the rules' masked tp_src:tp_dst as 32-bit prefixes
	 * of ports_plen bits (up to the last bit the mask has there). */
	struct cls_trie ports_trie;
	unsigned ports_plen;
	int last_stage;                      /* last stage with mask bits */
};

#define PORTS_OFS offsetof(struct ofp_key, dp.tp_src)
_Static_assert(offsetof(struct ofp_key, dp.tp_dst) == PORTS_OFS + 2, "ports are adjacent");

/* Which stage each byte of struct ofp_key belongs to. */
static uint8_t stage_of_byte[sizeof(struct ofp_key)];

#define RANGE(member) offsetof(struct ofp_key, member), \
	offsetof(struct ofp_key, member) + sizeof(((struct ofp_key *)0)->member)

static void init_stage_table(void)
{
	static bool done;
	static const struct { unsigned lo, hi; uint8_t stage; } ranges[] = {
		{ RANGE(dp.in_port), STAGE_META },
		{ RANGE(metadata), STAGE_META },
		{ RANGE(regs), STAGE_META },
		{ RANGE(conj_id), STAGE_META },
		{ RANGE(dp.dl_dst), STAGE_L2 },
		{ RANGE(dp.dl_src), STAGE_L2 },
		{ RANGE(dp.dl_type), STAGE_L2 },
		{ RANGE(dp.vlan), STAGE_L2 },
		{ RANGE(dp.tp_src), STAGE_L4 },
		{ RANGE(dp.tp_dst), STAGE_L4 },
		{ RANGE(dp.tcp_flags), STAGE_L4 },
	};

	if (done)
		return;
	/* Everything not listed is L3 (nw_*, IPv6, ND, ARP addresses). */
	memset(stage_of_byte, STAGE_L3, sizeof(stage_of_byte));
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		for (unsigned b = ranges[i].lo; b < ranges[i].hi; b++)
			stage_of_byte[b] = ranges[i].stage;
	done = true;
}

static const uint64_t *key_words(const struct ofp_key *k)
{
	return (const uint64_t *)(const void *)k;
}

static uint64_t hash_word(uint64_t h, uint64_t w)
{
	h ^= w * 0x9e3779b97f4a7c15ull;
	h = (h << 31) | (h >> 33);
	return h * 0xc2b2ae3d27d4eb4full;
}

static uint64_t hash_final(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1; /* 0 marks an empty hset slot */
}

/* Continues a subtable hash over one stage of a key. */
static uint64_t hash_stage(const struct cls_subtable *st, int stage, const uint64_t *kw,
			   uint64_t h)
{
	for (unsigned i = 0; i < st->n_stage_words[stage]; i++) {
		unsigned w = st->stage_words[stage][i];
		h = hash_word(h, kw[w] & st->stage_mask[stage][w]);
	}
	return h;
}

/* Hashes of a masked value: cum[s] over stages 0..s ([N_STAGES - 1] is the
 * full one), ind[s] over stage s alone (ind may be NULL). */
static void rule_stage_hashes(const struct cls_subtable *st, const struct ofp_key *value,
			      uint64_t cum[N_STAGES], uint64_t ind[N_STAGES])
{
	uint64_t h = 0;

	for (int s = 0; s < N_STAGES; s++) {
		h = hash_stage(st, s, key_words(value), h);
		cum[s] = hash_final(h);
		if (ind)
			ind[s] = hash_final(hash_stage(st, s, key_words(value), 0));
	}
}

static unsigned popcount_key(const struct ofp_key *k)
{
	unsigned n = 0;

	for (unsigned i = 0; i < KEY_WORDS; i++)
		n += (unsigned)__builtin_popcountll(key_words(k)[i]);
	return n;
}

static struct cls_subtable *subtable_create(const struct ofp_key *mask)
{
	struct cls_subtable *st = calloc(1, sizeof(*st));
	const uint8_t *mb = (const uint8_t *)mask;

	if (!st)
		return NULL;
	init_stage_table();
	st->mask = *mask;
	for (unsigned b = 0; b < sizeof(*mask); b++)
		if (mb[b])
			((uint8_t *)st->stage_mask[stage_of_byte[b]])[b] = mb[b];
	for (int s = 0; s < N_STAGES; s++)
		for (unsigned w = 0; w < KEY_WORDS; w++)
			if (st->stage_mask[s][w])
				st->stage_words[s][st->n_stage_words[s]++] = (uint8_t)w;
	st->last_stage = 0;
	for (int s = 0; s < N_STAGES; s++) {
		if (st->n_stage_words[s])
			st->last_stage = s;
		for (unsigned w = 0; w < KEY_WORDS; w++)
			st->stage_bits[s] += (unsigned)__builtin_popcountll(st->stage_mask[s][w]);
	}
	for (int f = 0; f < CLS_N_TRIES; f++)
		st->plen[f] = mask_plen(mb + trie_fields[f].ofs, trie_fields[f].n_bits);
	st->n_bits = popcount_key(mask);
	uint32_t pm = (uint32_t)mb[PORTS_OFS] << 24 | (uint32_t)mb[PORTS_OFS + 1] << 16 |
		      (uint32_t)mb[PORTS_OFS + 2] << 8 | mb[PORTS_OFS + 3];
	st->ports_plen = pm ? 32 - (unsigned)__builtin_ctz(pm) : 0;
	trie_init(&st->ports_trie);
	st->n_buckets = 16;
	st->buckets = calloc(st->n_buckets, sizeof(*st->buckets));
	if (!st->buckets) {
		free(st);
		return NULL;
	}
	return st;
}

static void subtable_destroy(struct cls_subtable *st)
{
	for (int s = 0; s < N_STAGES - 1; s++)
		free(st->stage_set[s].slots);
	for (int s = 0; s < N_STAGES; s++)
		free(st->ind_set[s].slots);
	free(st->ports_trie.nodes);
	free(st->buckets);
	free(st);
}

static bool masked_equal(const struct cls_subtable *st, const uint64_t *kw,
			 const struct ofp_key *value)
{
	const uint64_t *vw = key_words(value);

	for (int s = 0; s < N_STAGES; s++)
		for (unsigned i = 0; i < st->n_stage_words[s]; i++) {
			unsigned w = st->stage_words[s][i];
			/* A word can hold bytes of two stages: compare this
			 * stage's bits only. */
			if ((kw[w] ^ vw[w]) & st->stage_mask[s][w])
				return false;
		}
	return true;
}

static struct cls_rule **bucket_of(const struct cls_subtable *st, uint64_t hash)
{
	return &st->buckets[hash & (st->n_buckets - 1)];
}

static struct cls_rule *find_head(const struct cls_subtable *st, uint64_t hash,
				  const struct ofp_key *value)
{
	for (struct cls_rule *r = *bucket_of(st, hash); r; r = r->hnext)
		if (r->hash == hash && !memcmp(&r->match.value, value, sizeof(*value)))
			return r;
	return NULL;
}

static int buckets_reserve(struct cls_subtable *st)
{
	if (st->n_heads + 1 <= st->n_buckets)
		return 0;
	uint32_t n = st->n_buckets * 2;
	struct cls_rule **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < st->n_buckets; i++) {
		struct cls_rule *r = st->buckets[i], *next;
		for (; r; r = next) {
			next = r->hnext;
			r->hnext = b[r->hash & (n - 1)];
			b[r->hash & (n - 1)] = r;
		}
	}
	free(st->buckets);
	st->buckets = b;
	st->n_buckets = n;
	return 0;
}

/* --- ordering ------------------------------------------------------------- */

/* Compares (priority, mask size, mask bytes) tuples: >0 when a ranks first. */
static int rank_cmp(uint16_t pa, const struct cls_subtable *a, uint16_t pb,
		    const struct cls_subtable *b)
{
	if (pa != pb)
		return pa > pb ? 1 : -1;
	if (a->n_bits != b->n_bits)
		return a->n_bits > b->n_bits ? 1 : -1;
	return memcmp(&a->mask, &b->mask, sizeof(a->mask));
}

static int subtable_order(const void *a_, const void *b_)
{
	const struct cls_subtable *a = *(struct cls_subtable *const *)a_;
	const struct cls_subtable *b = *(struct cls_subtable *const *)b_;

	return -rank_cmp(a->max_priority, a, b->max_priority, b);
}

static void sort_subtables(struct classifier *cls)
{
	qsort(cls->subtables, cls->n_subtables, sizeof(*cls->subtables), subtable_order);
}

static void recompute_max(struct cls_subtable *st)
{
	st->max_priority = 0;
	st->n_max = 0;
	for (uint32_t i = 0; i < st->n_buckets; i++)
		for (struct cls_rule *h = st->buckets[i]; h; h = h->hnext) {
			if (h->priority > st->max_priority || !st->n_max) {
				st->max_priority = h->priority;
				st->n_max = 0;
			}
			for (struct cls_rule *r = h; r; r = r->lower)
				if (r->priority == st->max_priority)
					st->n_max++;
		}
}

/* --- public API ------------------------------------------------------------ */

void cls_init(struct classifier *cls)
{
	init_stage_table(); /* here, before any lookup can run concurrently */
	memset(cls, 0, sizeof(*cls));
	for (int f = 0; f < CLS_N_TRIES; f++)
		trie_init(&cls->tries[f]);
}

void cls_destroy(struct classifier *cls)
{
	for (unsigned i = 0; i < cls->n_subtables; i++)
		subtable_destroy(cls->subtables[i]);
	free(cls->subtables);
	for (int f = 0; f < CLS_N_TRIES; f++)
		free(cls->tries[f].nodes);
	cls_init(cls);
}

static struct cls_subtable *find_subtable(const struct classifier *cls, const struct ofp_key *mask)
{
	for (unsigned i = 0; i < cls->n_subtables; i++)
		if (!memcmp(&cls->subtables[i]->mask, mask, sizeof(*mask)))
			return cls->subtables[i];
	return NULL;
}

struct cls_rule *cls_find_exact(const struct classifier *cls, const struct ofp_match *match,
				uint16_t priority)
{
	struct cls_subtable *st = find_subtable(cls, &match->mask);
	uint64_t hashes[N_STAGES];

	if (!st)
		return NULL;
	rule_stage_hashes(st, &match->value, hashes, NULL);
	for (struct cls_rule *r = find_head(st, hashes[N_STAGES - 1], &match->value); r; r = r->lower)
		if (r->priority == priority)
			return r;
	return NULL;
}

/* Takes the counted references (stage sets, tries) of a new distinct rule;
 * all allocations happen before anything changes. */
static int reserve_for_rule(struct classifier *cls, struct cls_subtable *st,
			    const uint64_t *hashes, const uint64_t *ind)
{
	for (int s = 0; s < st->last_stage; s++)
		if (!hset_contains(&st->stage_set[s], hashes[s]) && hset_reserve(&st->stage_set[s]))
			return -ENOMEM;
	for (int s = 0; s < N_STAGES; s++)
		if (st->n_stage_words[s] && !hset_contains(&st->ind_set[s], ind[s]) &&
		    hset_reserve(&st->ind_set[s]))
			return -ENOMEM;
	for (int f = 0; f < CLS_N_TRIES; f++)
		if (st->plen[f] > 0 && trie_reserve(&cls->tries[f], 2))
			return -ENOMEM;
	if (st->ports_plen && trie_reserve(&st->ports_trie, 2))
		return -ENOMEM;
	return buckets_reserve(st);
}

int cls_insert(struct classifier *cls, struct cls_rule *rule, struct cls_rule **replaced)
{
	struct cls_subtable *st = find_subtable(cls, &rule->match.mask);
	bool new_st = false;
	uint64_t hashes[N_STAGES], ind[N_STAGES];

	*replaced = NULL;
	if (!st) {
		if (cls->n_subtables == cls->n_alloc) {
			unsigned n = cls->n_alloc ? cls->n_alloc * 2 : 8;
			void *p = realloc(cls->subtables, n * sizeof(*cls->subtables));
			if (!p)
				return -ENOMEM;
			cls->subtables = p;
			cls->n_alloc = n;
		}
		st = subtable_create(&rule->match.mask);
		if (!st)
			return -ENOMEM;
		new_st = true;
	}
	rule_stage_hashes(st, &rule->match.value, hashes, ind);
	rule->hash = hashes[N_STAGES - 1];
	rule->subtable = st;
	rule->lower = NULL;

	struct cls_rule *head = find_head(st, rule->hash, &rule->match.value);
	struct cls_rule **link = NULL;
	if (head) {
		/* Same match: find the place in the priority-sorted list. */
		struct cls_rule **pp = &head;
		while (*pp && (*pp)->priority > rule->priority)
			pp = &(*pp)->lower;
		if (*pp && (*pp)->priority == rule->priority) {
			struct cls_rule *old = *pp;
			rule->lower = old->lower;
			if (old == head) {
				rule->hnext = old->hnext;
				for (link = bucket_of(st, rule->hash); *link != old; link = &(*link)->hnext)
					;
				*link = rule;
			} else {
				*pp = rule;
			}
			old->subtable = NULL;
			*replaced = old;
			cls->n_soft += (size_t)rule->soft - (size_t)old->soft;
			return 0;
		}
	}
	if (reserve_for_rule(cls, st, hashes, ind)) {
		if (new_st)
			subtable_destroy(st);
		return -ENOMEM;
	}
	if (new_st)
		cls->subtables[cls->n_subtables++] = st;
	if (head) {
		if (rule->priority > head->priority) {
			rule->lower = head;
			rule->hnext = head->hnext;
			for (link = bucket_of(st, rule->hash); *link != head; link = &(*link)->hnext)
				;
			*link = rule;
		} else {
			struct cls_rule *p = head;
			while (p->lower && p->lower->priority > rule->priority)
				p = p->lower;
			rule->lower = p->lower;
			p->lower = rule;
		}
	} else {
		link = bucket_of(st, rule->hash);
		rule->hnext = *link;
		*link = rule;
		st->n_heads++;
	}
	for (int s = 0; s < st->last_stage; s++)
		hset_add(&st->stage_set[s], hashes[s]);
	for (int s = 0; s < N_STAGES; s++)
		if (st->n_stage_words[s])
			hset_add(&st->ind_set[s], ind[s]);
	for (int f = 0; f < CLS_N_TRIES; f++)
		if (st->plen[f] > 0)
			trie_insert(&cls->tries[f], (const uint8_t *)&rule->match.value + trie_fields[f].ofs,
				    (unsigned)st->plen[f]);
	if (st->ports_plen)
		trie_insert(&st->ports_trie, (const uint8_t *)&rule->match.value + PORTS_OFS,
			    st->ports_plen);
	st->n_rules++;
	cls->n_rules++;
	cls->n_soft += rule->soft;
	if (st->n_rules == 1 || rule->priority > st->max_priority) {
		st->max_priority = rule->priority;
		st->n_max = 1;
		sort_subtables(cls);
	} else if (rule->priority == st->max_priority) {
		st->n_max++;
	}
	return 0;
}

void cls_remove(struct classifier *cls, struct cls_rule *rule)
{
	struct cls_subtable *st = rule->subtable;
	uint64_t hashes[N_STAGES], ind[N_STAGES];
	struct cls_rule **link = bucket_of(st, rule->hash);

	while (*link && *link != rule && !((*link)->hash == rule->hash &&
		!memcmp(&(*link)->match.value, &rule->match.value, sizeof(rule->match.value))))
		link = &(*link)->hnext;
	if (*link == rule) {
		if (rule->lower) {
			rule->lower->hnext = rule->hnext;
			*link = rule->lower;
		} else {
			*link = rule->hnext;
			st->n_heads--;
		}
	} else {
		struct cls_rule *p = *link;
		while (p->lower != rule)
			p = p->lower;
		p->lower = rule->lower;
	}
	rule_stage_hashes(st, &rule->match.value, hashes, ind);
	for (int s = 0; s < st->last_stage; s++)
		hset_del(&st->stage_set[s], hashes[s]);
	for (int s = 0; s < N_STAGES; s++)
		if (st->n_stage_words[s])
			hset_del(&st->ind_set[s], ind[s]);
	for (int f = 0; f < CLS_N_TRIES; f++)
		if (st->plen[f] > 0)
			trie_remove(&cls->tries[f], (const uint8_t *)&rule->match.value + trie_fields[f].ofs,
				    (unsigned)st->plen[f]);
	if (st->ports_plen)
		trie_remove(&st->ports_trie, (const uint8_t *)&rule->match.value + PORTS_OFS,
			    st->ports_plen);
	st->n_rules--;
	cls->n_rules--;
	cls->n_soft -= rule->soft;
	rule->subtable = NULL;
	if (!st->n_rules) {
		unsigned i = 0;
		while (cls->subtables[i] != st)
			i++;
		memmove(&cls->subtables[i], &cls->subtables[i + 1],
			(cls->n_subtables - i - 1) * sizeof(*cls->subtables));
		cls->n_subtables--;
		subtable_destroy(st);
	} else if (rule->priority == st->max_priority && !--st->n_max) {
		recompute_max(st);
		sort_subtables(cls);
	}
}

/* A prefix trie may prove a subtable out from few bits: if no rule prefix
 * of the subtable's length covers the packet's address, the address bits
 * the trie walk read are enough. Of the fields that do, picks the one
 * needing fewest bits into *field and *n_bits; false if none does.
 * walked_only: use only tries already walked for this lookup. */
static bool trie_cost(const struct classifier *cls, const struct cls_subtable *st,
		      const struct ofp_key *key, struct trie_ctx *tries, bool walked_only,
		      int *field, unsigned *n_bits)
{
	*field = -1;
	for (int f = 0; f < CLS_N_TRIES; f++) {
		unsigned plen = st->plen[f] > 0 ? (unsigned)st->plen[f] : 0;
		const uint8_t *bits = (const uint8_t *)key + trie_fields[f].ofs;

		if (!plen || (walked_only && !tries[f].done))
			continue;
		if (!tries[f].done)
			trie_lookup(&cls->tries[f], bits, trie_fields[f].n_bits, &tries[f]);
		if (tries[f].plens[plen / 64] & (1ull << (plen % 64)))
			continue;
		unsigned n = tries[f].maskbits < plen ? tries[f].maskbits : plen;
		if (*field < 0 || n < *n_bits) {
			*field = f;
			*n_bits = n;
		}
	}
	return *field >= 0;
}

/* The same from the subtable's port trie: if no rule's masked tp_src:tp_dst
 * agrees with the packet's on the first ports_plen bits, the port bits the
 * walk read (into need[4], already under the mask) prove the miss. */
static bool ports_cost(const struct cls_subtable *st, const struct ofp_key *key,
		       uint8_t need[4], unsigned *n_bits)
{
	const uint8_t *k = (const uint8_t *)key + PORTS_OFS;
	const uint8_t *m = (const uint8_t *)&st->mask + PORTS_OFS;
	uint8_t ports[4];
	struct trie_ctx ctx;

	if (!st->ports_plen)
		return false;
	for (int i = 0; i < 4; i++)
		ports[i] = k[i] & m[i];
	trie_lookup(&st->ports_trie, ports, st->ports_plen, &ctx);
	if (ctx.plens[0] & (1ull << st->ports_plen))
		return false;
	memset(need, 0, 4);
	set_prefix_bits(need, ctx.maskbits < st->ports_plen ? ctx.maskbits : st->ports_plen);
	*n_bits = 0;
	for (int i = 0; i < 4; i++) {
		need[i] &= m[i];
		*n_bits += (unsigned)__builtin_popcount(need[i]);
	}
	return true;
}

/* Un-wildcards one stage of a subtable's mask. */
static void fold_stage(const struct cls_subtable *st, int s, struct ofp_key *wc)
{
	uint64_t *ww = (uint64_t *)(void *)wc;

	for (unsigned i = 0; i < st->n_stage_words[s]; i++) {
		unsigned w = st->stage_words[s][i];
		ww[w] |= st->stage_mask[s][w];
	}
}

/* Bits of one stage of a subtable's mask that wc does not hold yet. */
static unsigned new_stage_bits(const struct cls_subtable *st, int s, const struct ofp_key *wc)
{
	const uint64_t *ww = key_words(wc);
	unsigned n = 0;

	for (unsigned i = 0; i < st->n_stage_words[s]; i++) {
		unsigned w = st->stage_words[s][i];
		n += (unsigned)__builtin_popcountll(st->stage_mask[s][w] & ~ww[w]);
	}
	return n;
}

/* A subtable failed at stage `failed` (last_stage: no rule in the hash
 * table). Several proofs of that exist; the one adding the fewest bits to
 * wc is un-wildcarded:
 *  - the stages 0..failed (the hashes that missed);
 *  - one stage whose value alone no rule has (any key sharing those bits
 *    misses too, whatever the other stages hold);
 *  - a prefix trie or the port trie (see above).
 * Nothing is computed when the caller does not track wildcards. */
static void subtable_miss(const struct classifier *cls, const struct cls_subtable *st,
			  const struct ofp_key *key, struct ofp_key *wc, struct trie_ctx *tries,
			  int failed)
{
	enum { FOLD, ONE_STAGE, TRIE, PORTS } how = FOLD;
	const uint64_t *kw = key_words(key);
	const uint8_t *wb = (const uint8_t *)wc;
	unsigned cost = 0, n = 0, c;
	uint8_t need[4], pfx[16];
	int stage = -1, field = -1;

	if (!wc)
		return;
	/* Costs count only bits wc does not hold yet. */
	for (int s = 0; s <= failed; s++)
		cost += new_stage_bits(st, s, wc);
	for (int s = 0; s <= failed; s++) {
		if (!st->n_stage_words[s] || (c = new_stage_bits(st, s, wc)) >= cost)
			continue;
		if (!hset_contains(&st->ind_set[s], hash_final(hash_stage(st, s, kw, 0)))) {
			how = ONE_STAGE;
			stage = s;
			cost = c;
		}
	}
	if (failed >= STAGE_L3 && trie_cost(cls, st, key, tries, false, &field, &n)) {
		memset(pfx, 0, sizeof(pfx));
		set_prefix_bits(pfx, n);
		c = 0;
		for (unsigned i = 0; i < (n + 7) / 8; i++)
			c += (unsigned)__builtin_popcount(pfx[i] & ~wb[trie_fields[field].ofs + i]);
		if (c < cost) {
			how = TRIE;
			cost = c;
		}
	}
	if (failed == st->last_stage && ports_cost(st, key, need, &n)) {
		c = 0;
		for (int i = 0; i < 4; i++)
			c += (unsigned)__builtin_popcount(need[i] & ~wb[PORTS_OFS + i]);
		if (c < cost)
			how = PORTS;
	}

	switch (how) {
	case FOLD:
		for (int s = 0; s <= failed; s++)
			fold_stage(st, s, wc);
		break;
	case ONE_STAGE:
		fold_stage(st, stage, wc);
		break;
	case TRIE:
		trie_cost(cls, st, key, tries, true, &field, &n);
		set_prefix_bits((uint8_t *)wc + trie_fields[field].ofs, n);
		break;
	case PORTS:
		for (int i = 0; i < 4; i++)
			((uint8_t *)wc)[PORTS_OFS + i] |= need[i];
		break;
	}
}

/* Probes one subtable: the highest-priority rule in it matching key, or
 * NULL; adds to wc what that answer depended on. A trie is walked only once
 * a subtable has failed, so the path to a hit in the first subtable never
 * pays for a walk; once walked, its answer skips later subtables before
 * their L3 stage is even hashed. */
static const struct cls_rule *subtable_lookup(const struct classifier *cls,
					      const struct cls_subtable *st,
					      const struct ofp_key *key, struct ofp_key *wc,
					      struct trie_ctx *tries)
{
	const uint64_t *kw = key_words(key);
	uint64_t h = 0, full;
	unsigned n;
	int field;

	for (int s = 0; s < N_STAGES; s++) {
		if (s == STAGE_L3 && trie_cost(cls, st, key, tries, true, &field, &n)) {
			if (wc)
				set_prefix_bits((uint8_t *)wc + trie_fields[field].ofs, n);
			return NULL;
		}
		if (!st->n_stage_words[s])
			continue;
		h = hash_stage(st, s, kw, h);
		/* The last stage's set would tell no more than the hash table. */
		if (s < st->last_stage && !hset_contains(&st->stage_set[s], hash_final(h))) {
			subtable_miss(cls, st, key, wc, tries, s);
			return NULL;
		}
	}
	full = hash_final(h);
	for (const struct cls_rule *r = *bucket_of(st, full); r; r = r->hnext)
		if (r->hash == full && masked_equal(st, kw, &r->match.value)) {
			if (wc)
				for (int s = 0; s < N_STAGES; s++)
					fold_stage(st, s, wc);
			return r;
		}
	subtable_miss(cls, st, key, wc, tries, st->last_stage);
	return NULL;
}

/* The best rule of a chain of equal matches that is not soft. */
static const struct cls_rule *first_hard(const struct cls_rule *r)
{
	while (r && r->soft)
		r = r->lower;
	return r;
}

const struct cls_rule *cls_lookup(const struct classifier *cls, const struct ofp_key *key,
				  struct ofp_key *wc)
{
	struct trie_ctx tries[CLS_N_TRIES];
	const struct cls_rule *best = NULL;

	for (int f = 0; f < CLS_N_TRIES; f++)
		tries[f].done = false;
	for (unsigned i = 0; i < cls->n_subtables; i++) {
		const struct cls_subtable *st = cls->subtables[i];
		/* Subtables are sorted by the rank of their best possible rule:
		 * once that cannot beat the current winner, none can. */
		if (best && rank_cmp(st->max_priority, st, best->priority, best->subtable) <= 0)
			break;
		const struct cls_rule *r = subtable_lookup(cls, st, key, wc, tries);
		if (cls->n_soft)
			r = first_hard(r);
		if (r && (!best || rank_cmp(r->priority, st, best->priority, best->subtable) > 0))
			best = r;
	}
	return best;
}

void cls_lookup_soft(const struct classifier *cls, const struct ofp_key *key,
		     struct ofp_key *wc, int min_priority,
		     void (*fn)(const struct cls_rule *, void *), void *arg)
{
	struct trie_ctx tries[CLS_N_TRIES];

	if (!cls->n_soft)
		return;
	for (int f = 0; f < CLS_N_TRIES; f++)
		tries[f].done = false;
	for (unsigned i = 0; i < cls->n_subtables; i++) {
		const struct cls_subtable *st = cls->subtables[i];

		/* Sorted by their best priority: no later one can go higher. */
		if ((int)st->max_priority <= min_priority)
			break;
		for (const struct cls_rule *r = subtable_lookup(cls, st, key, wc, tries);
		     r && (int)r->priority > min_priority; r = r->lower)
			if (r->soft)
				fn(r, arg);
	}
}

void cls_set_soft(struct classifier *cls, struct cls_rule *rule, bool soft)
{
	if (rule->soft == soft)
		return;
	rule->soft = soft;
	if (soft)
		cls->n_soft++;
	else
		cls->n_soft--;
}

void cls_for_each(const struct classifier *cls, void (*fn)(struct cls_rule *, void *), void *arg)
{
	for (unsigned i = 0; i < cls->n_subtables; i++) {
		const struct cls_subtable *st = cls->subtables[i];
		for (uint32_t b = 0; b < st->n_buckets; b++)
			for (struct cls_rule *h = st->buckets[b], *hn; h; h = hn) {
				hn = h->hnext;
				for (struct cls_rule *r = h, *rn; r; r = rn) {
					rn = r->lower;
					fn(r, arg);
				}
			}
	}
}

bool cls_match_covers(const struct ofp_match *filter, const struct ofp_match *rule)
{
	const uint64_t *fv = key_words(&filter->value), *fm = key_words(&filter->mask);
	const uint64_t *rv = key_words(&rule->value), *rm = key_words(&rule->mask);

	for (unsigned w = 0; w < KEY_WORDS; w++)
		if ((fm[w] & ~rm[w]) || (rv[w] & fm[w]) != fv[w])
			return false;
	return true;
}
