// SPDX-License-Identifier: Apache-2.0
/* The agent's index of the xs_megaflows entries it wrote: which mirror
 * entries hold the ways of a {mask id, hash}. The agent is the only
 * writer of that map, so the index is exact, and an install knows its
 * free way (or its duplicate, or that all ways are taken) without asking
 * the kernel: a batch of installs writes every hash entry in one
 * BPF_MAP_UPDATE_BATCH (dp_install.c). Chained buckets of mirror entries,
 * two pointers per megaflow. */
#ifndef XS_DATAPATH_DP_WAYS_H
#define XS_DATAPATH_DP_WAYS_H

#include <stddef.h>
#include <stdint.h>

#include <xdpswitch/datapath.h>

struct xs_dp_slot;

struct xs_ways {
	struct xs_dp_slot **bucket;
	uint32_t shift; /* 64 - log2(buckets) */
	size_t size;    /* of the bucket array, in bytes */
};

/* Sized for @n_entries megaflows. 0 or -ENOMEM. */
int xs_ways_init(struct xs_ways *w, uint32_t n_entries);
void xs_ways_fini(struct xs_ways *w);
/* Adds @ms under its flow.mask_id, hash and way. */
void xs_ways_add(struct xs_ways *w, struct xs_dp_slot *ms);
/* Removes @ms if it is there. */
void xs_ways_del(struct xs_ways *w, struct xs_dp_slot *ms);
/* The entries of {@mask_id, @hash} by way into @out (NULL where none);
 * returns how many. */
unsigned xs_ways_get(const struct xs_ways *w, uint32_t mask_id, uint64_t hash,
		     struct xs_dp_slot *out[XS_HASH_WAYS]);

#endif
