// SPDX-License-Identifier: Apache-2.0
/* Version negotiation (conn.h): does a peer's HELLO allow OpenFlow 1.3? */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/openflow/of13.h"

/* Does the peer's HELLO allow 1.3? With a bitmap: bit 4; without: its
 * highest version is at least 1.3 (it speaks every version below). */
int ofs_hello_ok(const uint8_t *msg, size_t len)
{
	size_t ofs = OFP_HEADER_LEN;
	bool bitmap = false, ok = false;

	while (ofs + 4 <= len) {
		uint16_t type = of_get16(msg + ofs), elen = of_get16(msg + ofs + 2);

		if (elen < 4 || elen > len - ofs)
			break;
		if (type == 1) {
			bitmap = true;
			if (elen >= 8 && (of_get32(msg + ofs + 4) & (1u << OFP13_VERSION)))
				ok = true;
		}
		ofs += (elen + 7u) & ~7u;
	}
	return bitmap ? ok : msg[0] >= OFP13_VERSION;
}
