// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Incremental checksum arithmetic shared by the XDP and TC executors: the
 * Internet checksum (RFC 1624) and SCTP's CRC32c, plain C on values.
 *
 * Internet checksum updates work on a "diff": the one's complement sum of
 * ~old + new over the 16-bit words that changed, taken in memory order
 * (the sum is byte-order independent, so values are used as loaded). The
 * XDP path applies a diff to the checksum field with xs_csum_apply(); the
 * TC path hands the same diff to bpf_l3/l4_csum_replace(), which also keep
 * skb checksum state (CHECKSUM_PARTIAL/COMPLETE) right. */
#ifndef XDPSWITCH_BPF_CSUM_H
#define XDPSWITCH_BPF_CSUM_H

#include "xdpswitch/compat.h"

/* Folds a 64-bit one's complement sum to 16 bits (not inverted). */
static __always_inline __u16 xs_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Diff for a 16-bit word changing from @from to @to. */
static __always_inline __u32 xs_csum_diff2(__u16 from, __u16 to)
{
	return (__u16)~from + (__u32)to;
}

/* Diff for a 32-bit word changing from @from to @to. */
static __always_inline __u32 xs_csum_diff4(__u32 from, __u32 to)
{
	return xs_csum_fold((__u64)(~from & 0xffff) + (~from >> 16) +
			    (to & 0xffff) + (to >> 16));
}

/* Diff for 16 bytes (an IPv6 address) changing from @from to @to. */
static __always_inline __u32 xs_csum_diff16(const __u32 *from, const __u32 *to)
{
	__u64 s = 0;
	int i;

#pragma unroll
	for (i = 0; i < 4; i++)
		s += xs_csum_diff4(from[i], to[i]);
	return xs_csum_fold(s);
}

/* Applies @diff to the checksum field *@sum: ~(~sum + diff). */
static __always_inline void xs_csum_apply(__u16 *sum, __u32 diff)
{
	*sum = ~xs_csum_fold((__u64)(__u16)~*sum + diff);
}

/* The same for UDP: a zero checksum means "none" and stays zero; a result
 * of zero is sent as 0xffff (RFC 768). */
static __always_inline void xs_csum_apply_udp(__u16 *sum, __u32 diff)
{
	if (!*sum)
		return;
	xs_csum_apply(sum, diff);
	if (!*sum)
		*sum = 0xffff;
}

/* CRC32c (Castagnoli), reflected, as SCTP uses it. A CRC is affine in the
 * message, so for two messages of the same length crc(a) ^ crc(b) equals
 * the pure (zero-init, no final xor) CRC of a ^ b. Rewriting the ports
 * therefore changes the checksum by the pure CRC of the 4 changed bytes
 * followed by n zero bytes, where n is what follows them in the SCTP
 * packet; appending n zero bytes is a multiplication by x^(8n) modulo the
 * polynomial, done with the powers x^(8 * 2^k) below. No packet walk. */
#define XS_CRC32C_POLY 0x82f63b78u

/* x^(8 * 2^k) mod P, k = 0..15, bit-reflected (x^0 is bit 31). */
static const __u32 xs_crc32c_x8n[16] = {
	0x00800000, 0x00008000, 0x82f63b78, 0x6ea2d55c, 0x18b8ea18, 0x510ac59a,
	0xb82be955, 0xb8fdb1e7, 0x88e56f72, 0x74c360a4, 0xe4172b16, 0x0d65762a,
	0x35d73a62, 0x28461564, 0xbf455269, 0xe2ea32dc,
};

/* a * b modulo P in the reflected representation. Branch-free, so the
 * verifier walks it as straight code. */
static __always_inline __u32 xs_crc32c_mul(__u32 a, __u32 b)
{
	__u32 p = 0;
	int i;

	for (i = 0; i < 32; i++) {
		p ^= b & -((a >> (31 - i)) & 1);
		b = (b >> 1) ^ (XS_CRC32C_POLY & -(b & 1));
	}
	return p;
}

/* Change of an SCTP packet's CRC32c when its first 4 bytes (the ports)
 * change by xor @d (bytes in packet order, loaded little-endian) and @n
 * bytes follow them. The new checksum is old ^ result. */
static __always_inline __u32 xs_crc32c_delta(__u32 d, __u32 n)
{
	__u32 c = d;
	int i;

	for (i = 0; i < 32; i++)
		c = (c >> 1) ^ (XS_CRC32C_POLY & -(c & 1));
	for (i = 0; i < 16; i++) {
		__u32 m = xs_crc32c_mul(xs_crc32c_x8n[i], c);

		/* Multiply only where bit i of n is set, without a branch. */
		c ^= (m ^ c) & -((n >> i) & 1);
	}
	return c;
}

#endif
