// SPDX-License-Identifier: Apache-2.0
/* The one clock of the agent: CLOCK_MONOTONIC, which is also the clock of
 * the fast path's bpf_ktime_get(_coarse)_ns (megaflow used_ns). */
#ifndef XS_COMMON_CLOCK_H
#define XS_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t xs_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t xs_mono_ms(void)
{
	return xs_mono_ns() / 1000000;
}

#endif
