// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The XDP hardware-mode program's maps (bpf/xdp_hw.bpf.c), shared with the
 * agent's loader (agent/offload/xdp_hw.c). Built for SmartNICs that run
 * XDP themselves (Netronome class): array and hash maps only, values of at
 * most 64 bytes, no redirect, a few hundred instructions.
 *
 * It runs drop megaflows (ACLs) only: a small key (Ethernet, one VLAN tag,
 * IPv4, L4 ports / ICMP type and code) is masked with each of up to
 * XS_HW_MAX_MASKS masks and looked up; a hit drops and counts, anything
 * else passes to the driver-mode program (the fast path). The maps are
 * per port (offloaded maps belong to one device), so in_port is implied. */
#ifndef XDPSWITCH_XDP_HW_H
#define XDPSWITCH_XDP_HW_H

#include "compat.h"

#define XS_HW_MAX_MASKS 8
#define XS_HW_MAX_DROPS 4096

struct xs_hw_key {
	__u8 dl_dst[6];
	__u8 dl_src[6];
	__be16 dl_type;  /* after one VLAN tag */
	__be16 vlan_tci; /* outer tag with XS_VLAN_PRESENT; 0 untagged */
	__be32 nw_src;   /* IPv4 only */
	__be32 nw_dst;
	__u8 nw_proto;
	__u8 nw_frag;    /* XS_FRAG_* */
	__be16 tp_src;   /* TCP/UDP port, ICMP type as htons() */
	__be16 tp_dst;   /* TCP/UDP port, ICMP code as htons() */
	__u16 pad;
};

struct xs_hw_mask {
	struct xs_hw_key mask;
	__u32 used;      /* 0: a free slot, skipped */
	__u32 pad;
};

struct xs_hw_drop_key {
	struct xs_hw_key masked;
	__u32 mask_idx;
	__u32 pad;
};

struct xs_hw_counters {
	__u64 packets;
	__u64 bytes;
};

XS_STATIC_ASSERT(sizeof(struct xs_hw_key) == 32, "hw key: four u64 words");
XS_STATIC_ASSERT(sizeof(struct xs_hw_mask) <= 64, "hw map values: 64 bytes at most");
XS_STATIC_ASSERT(sizeof(struct xs_hw_drop_key) <= 64, "hw map keys: 64 bytes at most");

#endif
