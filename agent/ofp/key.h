// SPDX-License-Identifier: Apache-2.0
/* The pipeline's view of a packet: the datapath flow key plus the OpenFlow
 * pipeline's own fields (metadata, registers), and a match as value + mask
 * over that view.
 *
 * dp.in_port holds the OpenFlow port number here (the datapath layer maps it
 * to and from the ifindex). metadata and regs are kept in network byte order
 * like every other maskable field, so a field's bits are one big-endian bit
 * string wherever it lives and masks work bytewise. Pipeline fields start at
 * zero for every packet and never reach the datapath, so they are never part
 * of a megaflow. */
#ifndef XS_OFP_KEY_H
#define XS_OFP_KEY_H

#include <stdbool.h>
#include <stdint.h>
#include "xdpswitch/flow_key.h"

#define OFP_N_REGS 16

struct ofp_key {
	struct xs_flow_key dp;
	__be64 metadata;
	__be32 regs[OFP_N_REGS];
	__be32 conj_id;     /* 0 except in the lookup after a conjunctive match */
	__be32 pad;
};

/* A bit is matched where mask has a 1; value has no bits outside mask. */
struct ofp_match {
	struct ofp_key value;
	struct ofp_key mask;
};

/* OpenFlow 1.0-style reserved port numbers (what ovs-ofctl prints). */
#define OFPP_MAX 0xff00u
#define OFPP_IN_PORT 0xfff8u
#define OFPP_TABLE 0xfff9u
#define OFPP_NORMAL 0xfffau
#define OFPP_FLOOD 0xfffbu
#define OFPP_ALL 0xfffcu
#define OFPP_CONTROLLER 0xfffdu
#define OFPP_LOCAL 0xfffeu
#define OFPP_NONE 0xffffu

#endif
