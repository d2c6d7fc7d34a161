// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The two cache tiers: microflow (xs_emc, exact key per CPU) and megaflow
 * (tuple space search over the ordered mask list). Both give a handle
 * {slot, gen} that is trusted only if xs_flows[slot].gen still equals gen.
 *
 * Neither tier has the kernel hash a whole 112-byte key (its jhash over the
 * key was half the cost of a hit, once per tier and once per mask probed):
 * the microflow cache is an array indexed by the multilinear hash of the
 * key (flow_hash.h), and a megaflow probe hashes only the words its mask
 * has bits in, asks the mask's bitmap whether that hash may be there (one
 * inlined array read) and only then looks up a 16-byte {mask id, hash}.
 * What either finds is confirmed by comparing the words, so a hash
 * collision is never a wrong flow; colliding megaflows of one mask sit in
 * further ways of the hash, probed only when the first way's words differ.
 *
 * The mask walk runs in a bpf_loop() callback: the verifier checks its body
 * once instead of once per mask, and the kernel inlines the loop (flags 0,
 * constant callback), so the cost is one direct call per probe. */
#ifndef XDPSWITCH_BPF_LOOKUP_H
#define XDPSWITCH_BPF_LOOKUP_H

#include "maps.h"
#include "record.h"
#include "stats.h"

/* A megaflow found for a packet. */
struct xs_hit {
	struct xs_megaflow *mf;
	__u32 slot;
	__u32 gen;
};

/* Returns the megaflow of @h if the handle is live, else NULL. */
static __always_inline struct xs_megaflow *
xs_flow_get(const struct xs_flow_handle *h)
{
	__u32 slot = h->slot;
	struct xs_megaflow *mf = bpf_map_lookup_elem(&xs_flows, &slot);

	if (!mf || !h->gen || mf->gen != h->gen)
		return NULL;
	return mf;
}

/* Multiplier @w of the datapath's hash key (flow_hash.h): a load from
 * the frozen rodata, no map lookup. */
#define XS_MULT(w) (xs_cfg.hash.mult[(w)])

/* Packet keys are mostly short: IPv4, and anything but IPv6, ARP and a
 * later pass after a ct action, has bits only in the first
 * XS_SHORT_KEY_WORDS words (L2, L3 ports, IPv4 addresses). The microflow
 * tier hashes and compares just those words for such a key, which is the
 * same hash (a zero word adds nothing to flow_hash.h's sum) and the same
 * answer: a short key equals an entry iff their short words are equal and
 * the entry's other words are zero. Reading the packet key's words costs
 * more than their count says: the parser wrote them a few bytes at a time,
 * so each 8-byte read waits for those stores to drain. */
#define XS_SHORT_KEY_WORDS 6

XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, ipv6_src) ==
			 XS_SHORT_KEY_WORDS * 8,
		 "IPv4 keys end where ipv6_src starts");

/* OR of the words of @k past the short ones: 0 for a short key. */
static __always_inline __u64 xs_key_tail(const __u64 *k)
{
	__u64 t = 0;
	int w;

#pragma unroll
	for (w = XS_SHORT_KEY_WORDS; w < XS_FLOW_KEY_WORDS; w++)
		t |= k[w];
	return t;
}

/* The microflow index hash: flow_hash.h's version 0 over every word of
 * @key; @is_short: its tail is zero. */
static __always_inline __u64 xs_key_hash(const struct xs_flow_key *key, int is_short)
{
	const __u64 *k = (const __u64 *)key;
	__u64 h = 0;
	int w;

	/* Unfolded (version 0): the cache takes only the hash's top bits,
	 * which every bit of every word reaches, and compares whole keys,
	 * so equal hashes of two keys cost nothing; the fold would add 1 ns
	 * a hit (lookupcost). */
#pragma unroll
	for (w = 0; w < XS_SHORT_KEY_WORDS; w++)
		h += k[w] * XS_MULT(w);
	if (is_short)
		return h;
#pragma unroll
	for (w = XS_SHORT_KEY_WORDS; w < XS_FLOW_KEY_WORDS; w++)
		h += k[w] * XS_MULT(w);
	return h;
}

/* 1 if @a (a microflow entry's key) equals @b (the packet's key, short if
 * @is_short). No early exit: one branch instead of 16. */
static __always_inline int xs_key_equal(const struct xs_flow_key *a,
					const struct xs_flow_key *b, int is_short)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	__u64 diff = 0;
	int w;

#pragma unroll
	for (w = 0; w < XS_SHORT_KEY_WORDS; w++)
		diff |= x[w] ^ y[w];
	if (is_short)
		return !(diff | xs_key_tail(x));
#pragma unroll
	for (w = XS_SHORT_KEY_WORDS; w < XS_FLOW_KEY_WORDS; w++)
		diff |= x[w] ^ y[w];
	return !diff;
}

/* This CPU's microflow entry for @key: found or to be filled. NULL when
 * the cache is disabled. */
static __always_inline struct xs_emc_entry *
xs_emc_entry(const struct xs_flow_key *key, int is_short)
{
	__u32 idx;

	if (!xs_cfg.emc_enabled)
		return NULL;
	idx = xs_emc_index(xs_key_hash(key, is_short), xs_cfg.emc_shift);
	return bpf_map_lookup_elem(&xs_emc, &idx);
}

/* What a microflow entry is to a packet's key. */
enum xs_emc_state {
	XS_EMC_OTHER = 0, /* another key's */
	XS_EMC_HIT = 1,   /* the key's, with a live handle: @hit filled */
	XS_EMC_FREE = 2,  /* empty, or the key's with a dead handle */
};

/* What @e is to @key; STALE_MICROFLOW counted if it holds @key with a
 * handle whose megaflow was removed or replaced. Packets write @e only on
 * this CPU, so it does not change while it is read (the agent empties the
 * cache only when it adopts pinned maps). */
static __always_inline int xs_emc_hit(const struct xs_emc_entry *e,
				      const struct xs_flow_key *key, int is_short,
				      struct xs_hit *hit)
{
	if (!e->h.gen)
		return XS_EMC_FREE;
	if (!xs_key_equal(&e->key, key, is_short))
		return XS_EMC_OTHER;
	hit->mf = xs_flow_get(&e->h);
	if (!hit->mf) {
		xs_count(XS_STAT_STALE_MICROFLOW);
		return XS_EMC_FREE;
	}
	hit->slot = e->h.slot;
	hit->gen = e->h.gen;
	return XS_EMC_HIT;
}

/* Whether a megaflow hit replaces microflow entry @e (state @st) with its
 * key. Free entries are always taken. One held by another key is taken
 * once in xs_cfg.emc_insert_inv_prob hits (Open vSwitch's
 * emc-insert-inv-prob), or when its megaflow is gone: with many more flows
 * than entries, a packet mostly pays for the 136-byte write and evicts a
 * flow that would have hit, for an entry the next flow of its index takes
 * back; a flow that keeps coming still gets in after a few packets. */
static __always_inline int xs_emc_take(const struct xs_emc_entry *e, int st)
{
	__u32 inv = xs_cfg.emc_insert_inv_prob;

	if (st == XS_EMC_FREE || inv <= 1)
		return 1;
	if (!xs_flow_get(&e->h))
		return 1;
	return bpf_get_prandom_u32() % inv == 0;
}

/* State of one mask walk, shared with the bpf_loop() callback. */
struct xs_probe {
	const __u64 *key; /* the packet key's words */
	const struct xs_mask_list *list;
	__u32 count;
	__u32 mask_id;   /* out: id of the mask that matched */
	struct xs_flow_handle h; /* out: gen 0 until a hit */
	struct xs_megaflow *mf;  /* out: its record, as the compare found it live */
};

/* Word @w of mask @m applied to the packet's key words @k. The compare
 * bounds the index for the verifier (the agent never publishes more; the
 * key has 18 words, not a power of two a mask could bound). */
static __always_inline __u64 xs_masked_word(const __u64 *k, const struct xs_mask_words *m,
					    __u32 w)
{
	__u32 i = m->word[w];

	if (i >= XS_FLOW_KEY_WORDS)
		i = 0;
	return k[i] & m->bits[w];
}

/* Non-zero if the words of megaflow @mf (its record's first cells) differ
 * from the packet's key words @k under mask @m. Words past the head's
 * cells (a mask of more than XS_SLOT_CELLS words) are in the next slot. */
static __always_inline __u64 xs_words_diff(const struct xs_megaflow *mf,
					   const struct xs_mask_words *m, const __u64 *k)
{
	const struct xs_megaflow *more;
	__u64 diff = 0;
	__u32 w;

	/* Hides @k and @m from clang, which otherwise hoists the words of
	 * every unrolled way out of the probe's way loop into 32 stack
	 * slots (the array xs_masked_word() avoids, twice over). */
	asm volatile("" : "+r"(k), "+r"(m));
#pragma unroll
	for (w = 0; w < XS_SLOT_CELLS; w++) {
		if (!m->bits[w])
			return diff;
		diff |= mf->cell[w] ^ xs_masked_word(k, m, w);
	}
	if (!m->bits[XS_SLOT_CELLS])
		return diff;
	more = xs_record_next(mf);
	if (!more)
		return 1;
#pragma unroll
	for (w = XS_SLOT_CELLS; w < XS_FLOW_KEY_WORDS; w++) {
		if (!m->bits[w])
			break;
		diff |= more->cell[w - XS_SLOT_CELLS] ^ xs_masked_word(k, m, w);
	}
	return diff;
}

/* flow_hash.h's hash, version @ver (a constant), of the packet's key
 * words @k under mask @m. The loop stops at the mask's first unused word
 * (most masks use 2 to 5); unrolled, each word is a few loads, an AND, the
 * fold and a multiply-add. The exit tests bits[] rather than a count: with
 * a count the compiler works out a variable trip count and then refuses
 * to unroll. */
static __always_inline __u64 xs_masked_hash(const __u64 *k, const struct xs_mask_words *m,
					    __u32 ver)
{
	__u64 hash = 0;
	__u32 w;

#pragma unroll
	for (w = 0; w < XS_FLOW_KEY_WORDS; w++) {
		if (!m->bits[w])
			break;
		hash += xs_hash_fold(xs_masked_word(k, m, w), ver) * XS_MULT(w);
	}
	return hash;
}

/* bpf_loop() callback: probes mask @i. Returns 1 to stop the walk. */
static long xs_probe_mask(__u64 i, void *arg)
{
	struct xs_probe *p = arg;
	const struct xs_mask_words *m;
	const struct xs_megaflow_entry *e;
	const struct xs_megaflow *mf;
	struct xs_megaflow_key mk = {};
	__u64 hash, *f;
	__u32 idx, bit, way;

	/* i < count <= XS_MAX_MASKS; the test bounds the index (verifier). */
	if (i >= XS_MAX_MASKS)
		return 1;
	m = &p->list->masks[i];
	/* The masked words are not kept for the compare below but read again
	 * (only after the filter said yes): an array of them made this
	 * frame 264 bytes, and the TC chain xs_tc -> xs_tc_next -> this
	 * callback went over the verifier's 512-byte stack. */
	/* rodata: the verifier keeps one side (maps adopted from an agent
	 * before the fold keep their version, flow_hash.h). */
	if (xs_cfg.hash_version == XS_HASH_V_MULTILINEAR)
		hash = xs_masked_hash(p->key, m, XS_HASH_V_MULTILINEAR);
	else
		hash = xs_masked_hash(p->key, m, XS_HASH_V_FOLDED);
	mk.mask_id = m->mask_id;
	mk.hash = hash;
	bit = xs_filter_bit(hash);
	idx = mk.mask_id * XS_FILTER_WORDS + bit / 64;
	f = bpf_map_lookup_elem(&xs_mask_filter, &idx); /* NULL: id out of range */
	if (!f || !((*f >> (bit % 64)) & 1))
		return 0; /* no megaflow of this mask has this hash */
	/* Another masked key with this hash (a collision, rare) sends the
	 * probe on to the next way. */
#pragma unroll
	for (way = 0; way < XS_HASH_WAYS; way++) {
		mk.way = way;
		e = bpf_map_lookup_elem(&xs_megaflows, &mk);
		if (!e)
			return 0;
		/* A slot being replaced (stale) cannot be compared: its words
		 * may be another megaflow's soon. */
		mf = xs_flow_get(&e->h);
		if (mf && !xs_words_diff(mf, m, p->key))
			break;
	}
	if (way == XS_HASH_WAYS)
		return 0;
	p->h = e->h;
	p->mf = (struct xs_megaflow *)mf;
	p->mask_id = mk.mask_id;
	p->count = i + 1; /* probes used */
	return 1;
}

/* Megaflow lookup. On a live hit fills @hit and returns 1; with @count it
 * also counts MEGAFLOW_HIT and the probes and bumps the mask's hit counter
 * (the TC stage's second lookup of a packet XDP already counted passes
 * 0). Returns 0 on a miss; a hash entry whose slot is stale (being
 * replaced by the agent) is a miss too. */
static __always_inline int xs_megaflow_lookup(const struct xs_flow_key *key,
					      struct xs_hit *hit, int count)
{
	struct xs_probe p = { .key = (const __u64 *)key, .mf = NULL };
	__u32 zero = 0, n;
	__u64 *mh;

	p.list = bpf_map_lookup_elem(&xs_masks, &zero);
	if (!p.list)
		return 0;
	n = p.list->count;
	if (n > XS_MAX_MASKS)
		n = XS_MAX_MASKS;
	p.count = 0;
	bpf_loop(n, xs_probe_mask, &p, 0);
	if (!p.h.gen || !p.mf)
		return 0;
	hit->mf = p.mf;
	hit->slot = p.h.slot;
	hit->gen = p.h.gen;
	if (!count)
		return 1;

	xs_count(XS_STAT_MEGAFLOW_HIT);
	xs_count_n(XS_STAT_MASKS_PROBED, p.count);
	mh = bpf_map_lookup_elem(&xs_mask_hits, &p.mask_id);
	if (mh)
		*mh += 1;
	return 1;
}

/* Both tiers; a megaflow hit fills this CPU's microflow entry of the
 * key's index (xs_emc_take()). Returns 1 with @hit filled, 0 on a miss. */
static __always_inline int xs_lookup(const struct xs_flow_key *key,
				     struct xs_hit *hit)
{
	struct xs_emc_entry *e = NULL;
	int st = XS_EMC_OTHER;

	if (xs_cfg.emc_enabled) { /* rodata: the verifier drops the dead side */
		int is_short = !xs_key_tail((const __u64 *)key);

		e = xs_emc_entry(key, is_short);
		if (e)
			st = xs_emc_hit(e, key, is_short, hit);
	}
	if (st == XS_EMC_HIT) {
		xs_count(XS_STAT_MICROFLOW_HIT);
		return 1;
	}
	if (!xs_megaflow_lookup(key, hit, 1))
		return 0;
	if (e && xs_emc_take(e, st)) {
		e->key = *key;
		e->h.slot = hit->slot;
		e->h.gen = hit->gen;
	}
	return 1;
}

/* The TC stage's lookup of a packet XDP handed over: XDP has just counted
 * it and filled this CPU's microflow entry (TC ingress runs on the CPU of
 * the XDP pass), so the entry usually answers; nothing is counted or
 * cached again. Returns 1 with @hit filled, 0 on a miss. */
static __always_inline int xs_lookup_again(const struct xs_flow_key *key,
					   struct xs_hit *hit)
{
	if (xs_cfg.emc_enabled) {
		int is_short = !xs_key_tail((const __u64 *)key);
		struct xs_emc_entry *e = xs_emc_entry(key, is_short);

		if (e && xs_emc_hit(e, key, is_short, hit) == XS_EMC_HIT)
			return 1;
	}
	return xs_megaflow_lookup(key, hit, 0);
}

/* Per-megaflow counters: packets, bytes, last use, TCP flags seen. The
 * coarse clock (jiffy resolution) is enough for idle expiry and costs a
 * fraction of bpf_ktime_get_ns(). */
static __always_inline void xs_flow_account(__u32 slot, __u32 len,
					    __be16 tcp_flags)
{
	struct xs_flow_stats *s = bpf_map_lookup_elem(&xs_flow_stats, &slot);

	if (!s)
		return;
	s->packets++;
	s->bytes += len;
	s->used_ns = bpf_ktime_get_coarse_ns();
	s->tcp_flags |= tcp_flags;
}

#endif
