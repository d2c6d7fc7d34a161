// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The 64-bit hash of flow key words that names microflow and megaflow
 * entries; BPF and the agent must compute it identically.
 *
 * Multilinear: h = sum over positions p of x[p] * M[p] (mod 2^64), with a
 * fixed odd multiplier per position. The products are independent, so the
 * chain a CPU waits on is one multiply deep plus one add per word, not a
 * multiply per word as in a mix-after-every-word hash (or the kernel's
 * jhash, three rounds of rotate-add-xor per 12 bytes). Each multiplier is
 * odd, so two keys that differ in one word never collide; keys that differ
 * in several collide only if the differences cancel mod 2^64, which random
 * or counting traffic does not do. Nothing trusts the hash alone: every
 * user keeps the hashed words next to it and compares them.
 *
 * The kernel's hash maps hash the 16-byte key again for their buckets, so
 * the value needs no final avalanche. The microflow cache indexes with the
 * TOP bits (xs_emc_index), which every bit of every word reaches.
 *
 * The multipliers are part of the pinned maps' contract: with other ones,
 * an agent adopting pinned maps finds entries that do not hash to their
 * words and deletes them (the flows come back as misses). */
#ifndef XDPSWITCH_FLOW_HASH_H
#define XDPSWITCH_FLOW_HASH_H

#include "flow_key.h"

/* Multiplier of position @pos (< XS_FLOW_KEY_WORDS). With a constant
 * @pos (an unrolled loop) the compiler folds this to an immediate. */
static inline __u64 xs_hash_mult(unsigned int pos)
{
	static const __u64 mult[XS_FLOW_KEY_WORDS] = {
		0xdaeb8ebd244a330dull, 0x685bd8519d0023dbull, 0x959ef8713231c2cbull,
		0xd1ea2fa4dd9af44dull, 0xa402cba46b82bdddull, 0x4f7580cd7b17a39full,
		0xc8b045b99d6fb287ull, 0xceca0ca0c351e0a7ull, 0x38987f53584df3c9ull,
		0xbb74476ee0b6e30full, 0x9474c83868219521ull, 0xa309f5fba2117b35ull,
		0xf901131499f29aadull, 0x6568525f65be34afull,
	};

	return mult[pos];
}

#endif
