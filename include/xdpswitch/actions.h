// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Datapath actions: the compact, bounded list the fast path executes for a
 * megaflow. The agent's translation produces it; BPF and the agent's
 * formatter (dump-megaflows, trace) read the same encoding.
 *
 * A list holds at most XS_MAX_ACTIONS fixed-size entries and is executed in
 * order. An empty list drops. Set actions carry absolute values (with a mask
 * where only some bits change); the executor fixes IPv4 and L4 checksums
 * incrementally, including UDP's "no checksum" zero. */
#ifndef XDPSWITCH_ACTIONS_H
#define XDPSWITCH_ACTIONS_H

#include "compat.h"

#define XS_MAX_ACTIONS 16

enum xs_action_type {
	XS_ACT_NONE = 0,       /* never emitted; marks an unused slot */
	XS_ACT_OUTPUT,         /* arg = port (ifindex in the datapath, OpenFlow
	                        * port number in the agent before install);
	                        * flags = XS_OUT_F_* */
	XS_ACT_TO_AGENT,       /* arg = reason (XS_UPCALL_*); flags = cookie slot */
	XS_ACT_SET_ETH_SRC,    /* u.mac */
	XS_ACT_SET_ETH_DST,    /* u.mac */
	XS_ACT_SET_IPV4_SRC,   /* u.be32[0]; XS_SET_F_MASKED: u.be32[1] mask */
	XS_ACT_SET_IPV4_DST,   /* u.be32[0]; XS_SET_F_MASKED: u.be32[1] mask */
	XS_ACT_SET_IPV6_SRC,   /* u.bytes[16] */
	XS_ACT_SET_IPV6_DST,   /* u.bytes[16] */
	XS_ACT_SET_IPV6_LABEL, /* u.be32[0] value, u.be32[1] mask (low 20 bits) */
	XS_ACT_SET_NW_TOS,     /* u.bytes[0] value, u.bytes[1] mask; IPv4 TOS or
	                        * IPv6 traffic class */
	XS_ACT_SET_NW_TTL,     /* u.bytes[0]; IPv4 TTL or IPv6 hop limit */
	XS_ACT_DEC_TTL,        /* TTL/hop limit - 1; at <= 1 the packet goes to
	                        * the agent (XS_UPCALL_TTL_EXPIRED) instead */
	XS_ACT_SET_TP_SRC,     /* u.be16[0]: TCP/UDP/SCTP port, ICMP type;
	                        * XS_SET_F_MASKED: u.be16[1] mask (ports) */
	XS_ACT_SET_TP_DST,     /* u.be16[0]: TCP/UDP/SCTP port, ICMP code; same */
	XS_ACT_PUSH_VLAN,      /* u.be16[0] tpid, u.be16[1] tci (with PRESENT) */
	XS_ACT_POP_VLAN,       /* removes the outer tag */
	XS_ACT_SET_VLAN_TCI,   /* outer tag: u.be16[0] value, u.be16[1] mask */
	XS_ACT_SET_ARP,        /* flags = XS_ARP_FIELD_*, value in u */
	XS_ACT_CT,             /* conntrack (bpf/conntrack.h): arg = zone;
	                        * flags = XS_CT_F_*; u.be32[0] mark value and
	                        * u.be32[1] its mask (host order) with
	                        * XS_CT_F_MARK. Fills the key's ct fields */
	XS_ACT_CT_NAT,         /* NAT range for the XS_ACT_CT that follows it:
	                        * flags = XS_NAT_F_*; arg = port min << 16 |
	                        * port max (host order, 0: any); u.be32[0..1]
	                        * IPv4 address min, max; with XS_NAT_F_IPV6
	                        * u.bytes the one IPv6 address */
	XS_ACT_CT_CLEAR,       /* zeroes the key's ct fields */
	XS_ACT_RECIRC,         /* arg = recirc_id (not 0): the key, with the ct
	                        * fields as they are now, is looked up again.
	                        * Always the list's last action */
	XS_ACT_CT_LABEL,       /* ct_label for the XS_ACT_CT (with
	                        * XS_CT_F_LABEL) after it: two entries, arg 0
	                        * the value, arg 1 the mask, each u.bytes
	                        * big-endian (bpf/ct_label.h) */
	XS_ACT__MAX
};

/* XS_ACT_OUTPUT flags.
 * BROADCAST: a flood (OpenFlow's flood and all): out of every port of the
 * bridge except the ingress port, one copy each, as the packet is at that
 * point of the list; arg is 0. The agent's translation emits it instead of
 * one output per port, so a flood costs one action whatever the bridge's
 * size. In an XS_MF_F_XDP list it can only be the last action (one devmap
 * broadcast over xs_tx_ports with BPF_F_EXCLUDE_INGRESS); in a list the TC
 * stage runs it may be anywhere (a clone to each port of xs_port_list but
 * the ingress one; a last broadcast redirects the packet itself to the
 * last of them). Both maps hold exactly the bridge's ports. */
#define XS_OUT_F_BROADCAST 0x0001

/* Flag of XS_ACT_SET_IPV4_SRC/DST and XS_ACT_SET_TP_SRC/DST: only the bits
 * set in the mask change (a partial write, load:V->NXM_OF_IP_SRC[0..7]),
 * so the megaflow needs no other bits of the field. Without it the whole
 * field is written. The value has no bits outside the mask. */
#define XS_SET_F_MASKED 0x0001

/* The actions only the TC stage runs (bpf/conntrack.h, bpf/recirc.h). */
static inline int xs_act_is_ct(__u16 type)
{
	return type == XS_ACT_CT || type == XS_ACT_CT_NAT || type == XS_ACT_CT_CLEAR ||
	       type == XS_ACT_RECIRC || type == XS_ACT_CT_LABEL;
}

/* XS_ACT_CT flags (OVS's ct() arguments). */
#define XS_CT_F_COMMIT 0x0001 /* create the connection if it is new */
#define XS_CT_F_FORCE 0x0002  /* a committed reply-direction packet ends the
                               * connection and starts a new one */
#define XS_CT_F_MARK 0x0004   /* at commit, set ct_mark (value/mask in u) */
#define XS_CT_F_NAT 0x0008    /* nat: rewrite by the connection's NAT
                               * (a new one takes the XS_ACT_CT_NAT before) */
#define XS_CT_F_LABEL 0x0010  /* at commit, set ct_label (the two
                               * XS_ACT_CT_LABEL entries before it, and
                               * before its XS_ACT_CT_NAT) */

/* XS_ACT_CT_NAT flags. */
#define XS_NAT_F_SRC 0x0001
#define XS_NAT_F_DST 0x0002
#define XS_NAT_F_IPV6 0x0004
#define XS_NAT_F_PERSISTENT 0x0008 /* (no effect: one address per entry) */
#define XS_NAT_F_HASH 0x0010       /* pick from a range by a hash (default) */
#define XS_NAT_F_RANDOM 0x0020     /* pick from a range at random */

/* Which ARP field XS_ACT_SET_ARP rewrites. */
enum xs_arp_field {
	XS_ARP_FIELD_OP = 1, /* u.be16[0] */
	XS_ARP_FIELD_SPA,    /* u.be32 */
	XS_ARP_FIELD_TPA,    /* u.be32 */
	XS_ARP_FIELD_SHA,    /* u.mac */
	XS_ARP_FIELD_THA,    /* u.mac */
};

struct xs_action {
	__u16 type;  /* enum xs_action_type */
	__u16 flags; /* type specific */
	__u32 arg;   /* type specific */
	union {
		__u8 bytes[16];
		__u8 mac[6];
		__be16 be16[8];
		__be32 be32[4];
	} u;
};

XS_STATIC_ASSERT(sizeof(struct xs_action) == 24, "action size");

#endif
