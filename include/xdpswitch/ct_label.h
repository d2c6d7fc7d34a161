// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The datapath's ct_label store (bpf/ct_label.h): labels of connections,
 * keyed by zone and original-direction tuple. The kernel's conntrack keeps
 * labels in an extension that the BPF conntrack kfuncs neither create nor
 * read or write, so the datapath keeps its own; the agent reads it for
 * dump-conntrack. */
#ifndef XDPSWITCH_CT_LABEL_H
#define XDPSWITCH_CT_LABEL_H

#include "compat.h"

#define XS_MAP_CT_LABELS "xs_ct_labels"
#define XS_CT_LABELS_DEFAULT_MAX 65536 /* the agent sizes it to nf_conntrack_max */

/* A connection as the flow key's ct tuple gives it (either direction's
 * packet gives the same one). IPv4 addresses in src[0..3]/dst[0..3]. */
struct xs_ct_label_key {
	__u16 zone;     /* host order */
	__u8 proto;     /* ct_nw_proto */
	__u8 ipv6;      /* 1: IPv6 addresses */
	__be16 sport;   /* ct_tp_src */
	__be16 dport;   /* ct_tp_dst */
	__u8 src[16];
	__u8 dst[16];
};

XS_STATIC_ASSERT(sizeof(struct xs_ct_label_key) == 40, "label key size");

struct xs_ct_label_val {
	__u8 label[16]; /* big-endian, as the flow key's ct_label */
};

#endif
