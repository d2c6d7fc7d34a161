// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Named datapath counters: per-CPU increments of xs_stats (enum xs_stat,
 * whose names the agent prints from the same X-macro list). */
#ifndef XDPSWITCH_BPF_STATS_H
#define XDPSWITCH_BPF_STATS_H

#include "maps.h"

/* Adds @n to counter @stat of this CPU. */
static __always_inline void xs_count_n(__u32 stat, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&xs_stats, &stat);

	if (c)
		*c += n;
}

static __always_inline void xs_count(__u32 stat)
{
	xs_count_n(stat, 1);
}

#endif
