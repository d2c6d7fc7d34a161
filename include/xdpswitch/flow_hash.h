// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The 64-bit hash of flow key words that names microflow and megaflow
 * entries; BPF and the agent must compute it identically.
 *
 * Multilinear over folded words: h = sum over positions p of
 * f(x[p]) * M[p] (mod 2^64), f(x) = x ^ (x >> 32), with an odd multiplier
 * per position. The products are independent, so the chain a CPU waits on
 * is a shift, an xor, one multiply and one add per word, not a multiply
 * per word as in a mix-after-every-word hash (or the kernel's jhash, three
 * rounds of rotate-add-xor per 12 bytes). f is a bijection (its own
 * inverse) and each multiplier is odd, so two keys that differ in one word
 * never collide. Nothing trusts the hash alone: every user keeps the
 * hashed words next to it and compares them.
 *
 * Why the fold: a product x * M only carries a bit of x upwards, so
 * without it (version 0, XS_HASH_V_MULTILINEAR) a field in a word's top
 * bits (the UDP source port is bits 48..63 of word 3, the IPv4 source bits
 * 32..63 of word 4) reached only the hash's top bits: 64k flows differing
 * in ports and addresses got about 2^16 distinct hashes and most took a
 * further way. Folded, every bit of a word reaches at least the top 33
 * bits of its product. Over the key, two keys whose words differ by
 * d = 2^k * odd (after the fold) collide with probability about 2^(k-63):
 * k <= 31 unless a word's two halves change by the same bits. The one
 * difference no key hides is 2^63 (2^63 * M = 2^63 for any odd M): keys
 * differing in bits 63 and 31 of an even number of words (bit 63 alone
 * before the fold) hash the same under every key, as in any multilinear
 * hash mod 2^64; they are served in further ways, then under the exact
 * mask.
 *
 * The multipliers are a secret key, random per datapath (struct
 * xs_hash_key): with public ones a sender computes, for a victim flow, a
 * second flow of the same mask with the same hash (two words whose
 * differences cancel, d0 * M0 + d1 * M1 = 0). The fast path still serves
 * such a pair (a second way, datapath.h), but only XS_HASH_WAYS of them.
 *
 * The kernel's hash maps hash the 16-byte key again for their buckets, so
 * the value needs no final avalanche. The microflow cache indexes with the
 * TOP bits (xs_emc_index), which every bit of every word reaches even
 * unfolded, and compares whole keys: it hashes in version 0, a fold less
 * per word (it is emptied when pinned maps are adopted, so it is no part
 * of their contract).
 *
 * The key and the version are part of the pinned maps' contract: pinned
 * with them (xs_hash_key, xs_hash_ver) and adopted with them; maps pinned
 * before keys existed were written with xs_hash_key_fixed(), maps pinned
 * before versions existed with version 0. */
#ifndef XDPSWITCH_FLOW_HASH_H
#define XDPSWITCH_FLOW_HASH_H

#include "flow_key.h"

struct xs_hash_key {
	__u64 mult[XS_FLOW_KEY_WORDS]; /* each odd */
};

/* Hash versions, as pinned in xs_hash_ver (a missing pin: version 0). */
#define XS_HASH_V_MULTILINEAR 0 /* x * M: maps pinned by older agents */
#define XS_HASH_V_FOLDED 1      /* (x ^ x >> 32) * M */
#define XS_HASH_V_CURRENT XS_HASH_V_FOLDED

/* Word @x as version @ver multiplies it. */
static inline __u64 xs_hash_fold(__u64 x, __u32 ver)
{
	return ver == XS_HASH_V_MULTILINEAR ? x : x ^ (x >> 32);
}

/* Multiplier of position @pos (< XS_FLOW_KEY_WORDS) under @k. */
static inline __u64 xs_hash_mult(const struct xs_hash_key *k, unsigned int pos)
{
	return k->mult[pos];
}

/* The multipliers every datapath used before keys were random: maps
 * pinned then, the dummy datapath, tests that need known values. */
static inline const struct xs_hash_key *xs_hash_key_fixed(void)
{
	static const struct xs_hash_key fixed = { {
		0xdaeb8ebd244a330dull, 0x685bd8519d0023dbull, 0x959ef8713231c2cbull,
		0xd1ea2fa4dd9af44dull, 0xa402cba46b82bdddull, 0x4f7580cd7b17a39full,
		0xc8b045b99d6fb287ull, 0xceca0ca0c351e0a7ull, 0x38987f53584df3c9ull,
		0xbb74476ee0b6e30full, 0x9474c83868219521ull, 0xa309f5fba2117b35ull,
		0xf901131499f29aadull, 0x6568525f65be34afull,
		/* words 14 and 15 (the ct fields, since the key is 128 bytes) */
		0x0bee156c3b0b6ef5ull, 0x54c7d8652fd061ebull,
		/* words 16 and 17 (ct_label, since the key is 144 bytes) */
		0x8f1bbcdcca62c1d7ull, 0x3c6ef372fe94f82bull,
	} };

	return &fixed;
}

#endif
