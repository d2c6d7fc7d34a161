// SPDX-License-Identifier: Apache-2.0
/* Reading the datapaths' ct_label stores (include/xdpswitch/ct_label.h)
 * for dump-conntrack: the kernel's table has no labels for connections
 * the BPF kfuncs made, the datapath keeps them. */
#ifndef XS_COMMON_CT_LABELS_H
#define XS_COMMON_CT_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdpswitch/ct_label.h"

#define XS_CT_LABEL_MAX_MAPS 16

struct xs_ct_label_maps {
	int fd[XS_CT_LABEL_MAX_MAPS];
	unsigned n;
};

/* Opens every label store on the host (maps named XS_MAP_CT_LABELS: one
 * per running datapath). None is not an error. */
void xs_ct_label_maps_open(struct xs_ct_label_maps *m);
void xs_ct_label_maps_close(struct xs_ct_label_maps *m);
/* The label of connection @k in the first store that has one; false if
 * none does (the label is then 0). */
bool xs_ct_label_find(const struct xs_ct_label_maps *m, const struct xs_ct_label_key *k,
		      uint8_t label[16]);
/* "0x..." as OVS prints a 128-bit value (no leading zeros) into @buf (35+
 * bytes). */
void xs_ct_label_str(const uint8_t label[16], char *buf, size_t size);

#endif
