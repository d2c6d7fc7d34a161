// SPDX-License-Identifier: Apache-2.0
/* Text form of datapath flows: a key with its mask, and an action list, in
 * Open vSwitch's datapath syntax (ovs-appctl dpctl/dump-flows, ofproto/trace).
 *
 * Key: in_port(2),eth(src=..,dst=..),eth_type(0x0800),
 *      ipv4(src=10.0.0.1,dst=10.0.0.0/255.0.0.0,proto=6,frag=no),tcp(dst=80)
 * A field whose mask is zero is left out, a partly masked one is printed as
 * value/mask, an attribute with nothing left is left out (eth() excepted,
 * as OVS prints it for Ethernet flows). VLAN tags nest as OVS does:
 * eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800),...).
 * Values are printed masked (key & mask).
 *
 * Actions: 2,set(eth(src=..,dst=..)),set(ipv4(dst=..)),push_vlan(vid=10,
 * pcp=0),pop_vlan,dec_ttl,userspace(reason=action,cookie=0), or drop for
 * a list that prints nothing. A broadcast (XS_OUT_F_BROADCAST) prints as
 * the ports it reaches, one output each, as OVS prints a flood, when the
 * caller gives the bridge's ports; otherwise as broadcast(all_but_in_port).
 * Consecutive sets of one header are merged into one set(), as OVS writes
 * them. */
#ifndef XS_COMMON_DP_FORMAT_H
#define XS_COMMON_DP_FORMAT_H

#include <stddef.h>
#include "xdpswitch/flow_key.h"
#include "xdpswitch/actions.h"

/* How ports are printed. name() writes the text for port into buf (size
 * bytes, NUL-terminated) and returns 0, or returns < 0 to have the number
 * printed. A NULL map (or NULL name) prints numbers. The pipeline passes
 * OpenFlow numbers or names; the datapath layer maps ifindexes. */
struct xs_dp_port_map {
	int (*name)(void *ctx, __u32 port, char *buf, size_t size);
	void *ctx;
	/* The bridge's ports (NULL: not known), in the order a broadcast
	 * prints them: each but the key's in_port (all of them for a NULL
	 * key). The caller sizes buf for them. */
	const __u32 *bridge;
	unsigned int n_bridge;
};

/* Formats key under mask (NULL: every field exact, as for a packet's key)
 * into buf. Returns 0, -EINVAL if buf is NULL or size is 0, or -ENOSPC if
 * the text did not fit (buf then holds a NUL-terminated prefix). */
int xs_dp_format_key(char *buf, size_t size, const struct xs_flow_key *key,
		     const struct xs_flow_key *mask,
		     const struct xs_dp_port_map *ports);

/* Formats the n actions of acts into buf. key is the flow the actions
 * apply to (its dl_type and nw_proto name the headers that NW and TP sets
 * rewrite); NULL means IPv4 and TCP. Returns 0; -EINVAL if buf is NULL,
 * size is 0, or an action is bad: an unknown type prints as
 * "unknown(type=N)", a known one that cannot apply (an ARP field that does
 * not exist, a port set on a flow without ports) as "invalid(type=N)", and
 * the rest is still formatted; -E2BIG if n exceeds XS_MAX_ACTIONS (buf
 * then empty); -ENOSPC if the text did not fit (NUL-terminated prefix). */
int xs_dp_format_actions(char *buf, size_t size, const struct xs_action *acts,
			 unsigned int n, const struct xs_flow_key *key,
			 const struct xs_dp_port_map *ports);

#endif
