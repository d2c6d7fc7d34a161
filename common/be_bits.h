// SPDX-License-Identifier: Apache-2.0
/* Single bits of a big-endian byte string, numbered from the least
 * significant (bit 0 is the last byte's low bit), as OpenFlow numbers the
 * bits of a field in NXM_OF_X[a..b] and load:/move:. */
#ifndef XS_COMMON_BE_BITS_H
#define XS_COMMON_BE_BITS_H

#include <stdint.h>

/* Bit @i of the @n-byte big-endian @s. */
static inline int be_bit_get(const uint8_t *s, unsigned n, unsigned i)
{
	return (s[n - 1 - i / 8] >> (i % 8)) & 1;
}

/* Sets bit @i of the @n-byte big-endian @s to @v (0 or 1). */
static inline void be_bit_put(uint8_t *s, unsigned n, unsigned i, int v)
{
	uint8_t bit = (uint8_t)(1u << (i % 8));

	if (v)
		s[n - 1 - i / 8] |= bit;
	else
		s[n - 1 - i / 8] &= (uint8_t)~bit;
}

#endif
