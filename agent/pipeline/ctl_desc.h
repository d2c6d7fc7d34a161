// SPDX-License-Identifier: Apache-2.0
/* Controller descriptors: what a controller(...) action asked for (reason,
 * max_len, controller id, userdata), interned in a table so that a
 * datapath upcall carries only a 16-bit index (the XS_ACT_TO_AGENT cookie)
 * and the agent finds the rest here when the packet arrives. Index 0 is
 * the plain "controller" action: reason action, max_len 65535, id 0, no
 * userdata. Entries are never removed (a table holds at most one entry per
 * distinct descriptor), so an index stays valid for megaflows installed
 * before any table change. The OpenFlow wire side builds its packet-ins
 * from these fields. */
#ifndef XS_PIPELINE_CTL_DESC_H
#define XS_PIPELINE_CTL_DESC_H

#include <stddef.h>
#include <stdint.h>
#include "agent/ofp/actions.h"

#define CTL_DESC_MAX 65536

struct ctl_desc {
	uint16_t max_len;      /* bytes of the packet to send */
	uint8_t reason;        /* OFP_REASON_* */
	uint16_t id;           /* controller connection id */
	uint8_t userdata_len;
	uint8_t userdata[OFPACT_USERDATA_MAX];
};

struct ctl_descs {
	struct ctl_desc *v;
	size_t n, cap;
};

/* Creates a table holding the default descriptor at index 0; NULL when
 * out of memory. */
struct ctl_descs *ctl_descs_new(void);
void ctl_descs_free(struct ctl_descs *t);
/* The descriptor of a controller action (OFPACT_CONTROLLER). */
void ctl_desc_of(const struct ofpact *a, struct ctl_desc *d);
/* Index of d in t, adding it if new. -ENOSPC when CTL_DESC_MAX distinct
 * descriptors exist, -ENOMEM. */
int ctl_desc_intern(struct ctl_descs *t, const struct ctl_desc *d);
/* Descriptor idx, or NULL if there is none. */
const struct ctl_desc *ctl_desc_get(const struct ctl_descs *t, uint16_t idx);

#endif
