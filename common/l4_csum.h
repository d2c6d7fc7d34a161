// SPDX-License-Identifier: Apache-2.0
/* Completes TCP/UDP checksums that a local sender left to offload. A frame
 * from a veth whose stack uses checksum offload carries only the
 * pseudo-header sum in its L4 checksum field ("checksum pending" lives in
 * the skb, not in the bytes); once such bytes leave the skb (a miss copied
 * into the ringbuf and re-injected as an XDP frame) nobody finishes it. */
#ifndef XS_COMMON_L4_CSUM_H
#define XS_COMMON_L4_CSUM_H

#include <stddef.h>

/* If @pkt (a whole Ethernet frame of @len bytes) is an unfragmented IPv4 or
 * IPv6 TCP/UDP packet whose L4 checksum field holds exactly the
 * pseudo-header sum that checksum offload leaves there, computes the real
 * checksum over the segment and stores it. A complete (right or wrong)
 * checksum and UDP's "no checksum" 0 are left alone. Returns 1 if it
 * completed a checksum, 0 if it changed nothing. */
int xs_l4_csum_complete(void *pkt, size_t len);

#endif
