// SPDX-License-Identifier: Apache-2.0
/* Completion of offload-pending TCP/UDP checksums in frames that left
 * their skb (see l4_csum.h). */
#include "common/l4_csum.h"

#include <stdint.h>
#include <string.h>

#include "common/flow_parse.h"

/* One's-complement sum of @len bytes (big-endian 16-bit words) into @sum. */
static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int xs_l4_csum_complete(void *pkt, size_t len)
{
	struct xs_flow_key key;
	struct xs_parse_info info;
	uint8_t *p = pkt, *field;
	uint32_t pseudo;
	size_t l4_len;
	uint16_t pending, full;
	int csum_ofs;

	if (xs_flow_parse(pkt, len, 0, &key, &info) < 0 || !info.l4_off || key.nw_frag ||
	    info.nw_end > len || info.nw_end <= info.l4_off)
		return 0;
	if (info.l4_proto == XS_IPPROTO_TCP)
		csum_ofs = 16;
	else if (info.l4_proto == XS_IPPROTO_UDP)
		csum_ofs = 6;
	else
		return 0;
	l4_len = info.nw_end - info.l4_off;
	if (l4_len < (size_t)csum_ofs + 2)
		return 0;

	/* Pseudo header: addresses, protocol, L4 length. */
	if (info.l3 == XS_L3_IPV4)
		pseudo = sum_bytes(0, (const uint8_t *)&key.nw_src, 8);
	else if (info.l3 == XS_L3_IPV6)
		pseudo = sum_bytes(sum_bytes(0, key.ipv6_src, 16), key.ipv6_dst, 16);
	else
		return 0;
	pseudo += info.l4_proto + (uint32_t)(l4_len >> 16) + (uint32_t)(l4_len & 0xffff);

	field = p + info.l4_off + csum_ofs;
	pending = fold(pseudo);
	if (((uint16_t)(field[0] << 8 | field[1])) != pending)
		return 0; /* complete already (or 0: UDP without checksum) */

	field[0] = field[1] = 0;
	full = (uint16_t)~fold(sum_bytes(pseudo, p + info.l4_off, l4_len));
	if (full == 0 && info.l4_proto == XS_IPPROTO_UDP)
		full = 0xffff; /* 0 means "no checksum" in UDP */
	field[0] = full >> 8;
	field[1] = full & 0xff;
	return 1;
}
