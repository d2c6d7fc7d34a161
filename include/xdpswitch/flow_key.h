// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The flow key: what the parser extracts from a packet, and what the microflow
 * and megaflow caches hash. One fixed layout, read by BPF and by userspace.
 *
 * Conventions follow Open vSwitch's struct flow:
 *  - multi-byte protocol fields are kept in network byte order (__be*);
 *  - a VLAN tag is stored with XS_VLAN_PRESENT (the old CFI bit, 0x1000) set,
 *    so "no tag" (0) and "tag with VID 0" differ; vlan[0] is the outer tag;
 *  - ARP puts its opcode (low 8 bits) in nw_proto and spa/tpa in nw_src/nw_dst;
 *  - ICMP and ICMPv6 put type and code in tp_src and tp_dst (as htons(v));
 *  - IPv6 neighbour discovery puts the source/target link-layer address
 *    options in arp_sha/arp_tha and the target in nd_target.
 *
 * Every byte is named: hash maps compare padding too, so a key is always
 * zeroed before it is filled. Bump XS_FLOW_KEY_SEQ whenever a field is added,
 * removed or moved; code that lists every field asserts the number, so the
 * build breaks in each place that has to learn about the change. */
#ifndef XDPSWITCH_FLOW_KEY_H
#define XDPSWITCH_FLOW_KEY_H

#include "compat.h"

#define XS_FLOW_KEY_SEQ 4

#define XS_VLAN_PRESENT 0x1000 /* host order; in vlan_tci as bpf_htons() */
#define XS_VLAN_VID_MASK 0x0fff
#define XS_VLAN_PCP_MASK 0xe000
#define XS_VLAN_PCP_SHIFT 13
#define XS_MAX_VLAN 2

/* nw_frag bits, as OVS's FLOW_NW_FRAG_*. */
#define XS_FRAG_ANY 0x01   /* any fragment, first or later */
#define XS_FRAG_LATER 0x02 /* a fragment with a non-zero offset */
#define XS_FRAG_MASK (XS_FRAG_ANY | XS_FRAG_LATER)

/* ct_state bits, as OVS's CS_* (ovs-fields(7)). */
#define XS_CS_NEW 0x01
#define XS_CS_EST 0x02
#define XS_CS_REL 0x04
#define XS_CS_RPL 0x08
#define XS_CS_INV 0x10
#define XS_CS_TRK 0x20
#define XS_CS_SNAT 0x40
#define XS_CS_DNAT 0x80

struct xs_vlan_hdr_key {
	__be16 tpid; /* 0x8100 or 0x88a8; 0 when absent */
	__be16 tci;  /* PCP | XS_VLAN_PRESENT | VID */
};

struct xs_flow_key {
	__u32 in_port;           /* datapath port: ingress ifindex */
	__u8 dl_dst[6];
	__u8 dl_src[6];
	__be16 dl_type;          /* inner ethertype, after VLAN tags */
	struct xs_vlan_hdr_key vlan[XS_MAX_VLAN]; /* [0] = outer */
	__u8 nw_proto;           /* IP protocol / last IPv6 next header / ARP op */
	__u8 nw_tos;             /* DSCP and ECN, as in the IP header */
	__u8 nw_ttl;             /* IPv4 TTL / IPv6 hop limit */
	__u8 nw_frag;            /* XS_FRAG_* */
	__be16 tp_src;           /* L4 source port / ICMP type */
	__be16 tp_dst;           /* L4 destination port / ICMP code */
	__be16 tcp_flags;        /* low 12 bits of the TCP flags word */
	__be32 nw_src;           /* IPv4 source / ARP spa */
	__be32 nw_dst;           /* IPv4 destination / ARP tpa */
	__be32 ipv6_label;       /* low 20 bits */
	__u8 ipv6_src[16];
	__u8 ipv6_dst[16];
	/* Connection tracking (conntrack.h): zero until a ct action of an
	 * earlier pass filled them; recirc_id 0 is the first pass. Every
	 * megaflow matches recirc_id exactly, as in OVS. */
	__be32 recirc_id;
	__be32 ct_mark;
	__be16 ct_zone;
	__u8 ct_state;           /* XS_CS_* */
	/* The original-direction tuple of the packet's connection (of the
	 * master connection for +rel), as OVS's ct_nw_proto/ct_tp_src/
	 * ct_tp_dst/ct_nw_src/... fields: set by a ct action when the packet
	 * is tracked and not +inv (XS_CT_TUPLE_VALID), else zero. */
	__u8 ct_nw_proto;
	__be16 ct_tp_src;        /* ICMP: type of the original direction */
	__be16 ct_tp_dst;        /* ICMP: code */
	/* The last 32 bytes serve two kinds of packet that never meet: ND
	 * and ARP packets (their link-layer addresses and ND target), and
	 * packets a ct action found valid (ND is never tracked, ARP never
	 * reaches ct), whose original-direction addresses they hold; IPv4
	 * and IPv6 share them too (the ethertype tells which). A flow may
	 * not match both kinds (the agent refuses it). So the ct tuple
	 * costs no key bytes. */
	union {
		struct {
			__u8 nd_target[16];
			__u8 arp_sha[6]; /* ARP sha / ND source link-layer address */
			__u8 arp_tha[6]; /* ARP tha / ND target link-layer address */
			__u32 nd_pad;    /* 0 */
		};
		struct {
			__u8 ct_ipv6_src[16];
			__u8 ct_ipv6_dst[16];
		};
		struct {
			__be32 ct_nw_src;
			__be32 ct_nw_dst;
		};
	};
	/* The connection's 128-bit label (OVS's ct_label), big-endian: byte 0
	 * holds bits 127..120. Set by a ct action from the datapath's label
	 * store (bpf/ct_label.h), else zero. Its own bytes, not an overlay:
	 * IPv6 tracked packets have none free. */
	__u8 ct_label[16];
} __attribute__((aligned(8))); /* read as u64 words: on the BPF stack an 8-byte
				* read at a 4-aligned offset is refused (clang 19
				* placed a key there) */

#define XS_FLOW_KEY_WORDS (sizeof(struct xs_flow_key) / 8)

XS_STATIC_ASSERT(sizeof(struct xs_flow_key) == 144, "flow key size");
XS_STATIC_ASSERT(sizeof(struct xs_flow_key) % 8 == 0, "key is masked in u64 words");
XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, nw_src) == 36, "nw_src offset");
XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, ipv6_src) == 48, "ipv6_src offset");
XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, nd_target) == 96, "ND/ARP and ct tuple share the last 32 bytes");
XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, ct_ipv6_dst) == 112, "ct_ipv6_dst offset");
XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, ct_label) == 128, "ct_label: the last two words");

/* ct_state values with which the key holds a ct tuple: tracked, valid. */
#define XS_CT_TUPLE_VALID(state) \
	(((state) & (XS_CS_TRK | XS_CS_INV)) == XS_CS_TRK)

#endif
