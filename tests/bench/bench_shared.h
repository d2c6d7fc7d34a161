// SPDX-License-Identifier: Apache-2.0
/* Definitions shared by the benchmark XDP programs and their loaders:
 * counter layout of the sink, and how the generator numbers its flows. */
#ifndef XS_BENCH_SHARED_H
#define XS_BENCH_SHARED_H

#include <linux/types.h>

/* Value of the sink's per-CPU counter array (one element, key 0). */
struct bench_count {
	__u64 packets;
	__u64 bytes;
};

/* Flow numbering of the generator: flow i (0 <= i < n_flows) has
 * L4 source port BENCH_SPORT_BASE + (i % BENCH_FLOWS_PER_ADDR) and IPv4
 * source address src_ip + i / BENCH_FLOWS_PER_ADDR; everything else is
 * the template's. A power of two, so the split is a mask and a shift. */
#define BENCH_FLOWS_PER_ADDR_SHIFT 15
#define BENCH_FLOWS_PER_ADDR (1u << BENCH_FLOWS_PER_ADDR_SHIFT)
#define BENCH_SPORT_BASE 32768u

/* Largest flow count the generator accepts (source addresses stay in one
 * /8 above the template's address). */
#define BENCH_MAX_FLOWS (1u << 24)

#endif
