// SPDX-License-Identifier: Apache-2.0
/* XDP hardware mode on one port: loads bpf/xdp_hw.bpf.c for the device
 * (program and maps offloaded to the NIC), attaches it with
 * XDP_FLAGS_HW_MODE next to the driver-mode fast path, and keeps its
 * drop table in step with the drop megaflows (include/xdpswitch/xdp_hw.h).
 * The translation megaflow -> hardware key/mask is pure and tested
 * without a NIC; the table is tested through the program loaded on the
 * host (xs_xdp_hw_open_host) with BPF_PROG_TEST_RUN. Functions return 0
 * or -errno and print nothing. */
#ifndef XS_OFFLOAD_XDP_HW_H
#define XS_OFFLOAD_XDP_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdpswitch/actions.h"
#include "xdpswitch/flow_key.h"
#include "xdpswitch/xdp_hw.h"

struct xs_xdp_hw;

/* Megaflow -> hardware key and mask. Returns 0, or -EOPNOTSUPP with a
 * static *@reason: not a drop, or a field outside the hardware key. */
int xs_xdp_hw_translate(const struct xs_flow_key *key, const struct xs_flow_key *mask,
			uint16_t n_actions, struct xs_hw_key *hk, struct xs_hw_key *hm,
			const char **reason);

/* Loads the program and maps for @ifindex's NIC and attaches it in
 * hardware mode. On error nothing stays and @why says which step the
 * kernel refused and how. */
int xs_xdp_hw_attach(uint32_t ifindex, struct xs_xdp_hw **out, char *why, size_t why_size);

/* The same program and maps loaded on the host, not attached (tests). */
int xs_xdp_hw_open_host(struct xs_xdp_hw **out);

/* Detaches (if attached) and frees. */
void xs_xdp_hw_close(struct xs_xdp_hw *h);

int xs_xdp_hw_prog_fd(const struct xs_xdp_hw *h);

/* Adds a drop entry (-ENOSPC: all XS_HW_MAX_MASKS masks in use by
 * others; -EEXIST: already there); removes one; reads its counters. */
int xs_xdp_hw_put(struct xs_xdp_hw *h, const struct xs_hw_key *hk, const struct xs_hw_key *hm);
int xs_xdp_hw_del(struct xs_xdp_hw *h, const struct xs_hw_key *hk, const struct xs_hw_key *hm);
int xs_xdp_hw_stats(struct xs_xdp_hw *h, const struct xs_hw_key *hk, const struct xs_hw_key *hm,
		    uint64_t *packets, uint64_t *bytes);

#endif
