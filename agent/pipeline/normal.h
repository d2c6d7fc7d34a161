// SPDX-License-Identifier: Apache-2.0
/* The NORMAL action's decision, as Open vSwitch's L2 switch makes it
 * (ofproto-dpif-xlate's xlate_normal, without bonds, mirrors or multicast
 * snooping):
 *   1. the input port must be a port of the bridge; frames to the reserved
 *      802.1D group addresses 01:80:c2:00:00:0X are dropped;
 *   2. the packet's VLAN follows from its outer tag and the input port's
 *      VLAN options (agent/bridge/port_vlan.h); a VLAN the port does not
 *      carry drops the packet;
 *   3. a unicast source address may be learned on (VLAN, input port) --
 *      the caller learns, only for a packet that really arrived;
 *   4. a multicast or broadcast destination, or a unicast one the MAC table
 *      does not know in this VLAN, floods: every other port that carries
 *      the VLAN, tagged or untagged by its mode; a learned destination goes
 *      to its port, and is dropped when that is the input port.
 * Translation (xlate.c) turns the decision into datapath actions; the
 * megaflow matches in_port, dl_src, dl_dst and the VLAN tags, so a new
 * source address or a new pair misses and is seen. */
#ifndef XS_PIPELINE_NORMAL_H
#define XS_PIPELINE_NORMAL_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/bridge/mac_table.h"
#include "agent/bridge/ports.h"
#include "xdpswitch/flow_key.h"

/* What NORMAL reads: the bridge's ports (their VLAN options, by OpenFlow
 * port number) and its MAC table. Owned by the agent. */
struct xs_normal {
	const struct xs_port_table *ports;
	const struct xs_mac_table *macs;
};

enum normal_verdict {
	NORMAL_DROP,
	NORMAL_FORWARD,  /* to out_port */
	NORMAL_FLOOD,    /* within vlan */
};

struct normal_decision {
	enum normal_verdict verdict;
	uint16_t vlan;        /* the packet's VLAN on the bridge */
	uint32_t out_port;    /* NORMAL_FORWARD: the learned port */
	bool may_learn;       /* the source address can be learned on
	                       * (vlan, in_port) */
	char why[144];        /* the decision in ofproto/trace's words */
};

/* Decides for packet @k (in_port an OpenFlow port number). */
void normal_decide(const struct xs_normal *n, const struct xs_flow_key *k,
		   struct normal_decision *d);

/* The VID with which a packet of @vlan leaves port @p (0: untagged), or -1
 * when the port does not carry @vlan. */
int normal_egress_vid(const struct xs_port *p, uint16_t vlan);

#endif
