// SPDX-License-Identifier: Apache-2.0
/* Command-line helpers shared by the benchmark tools (header only, since
 * every .c file in tests/bench/ is its own binary). */
#ifndef XS_BENCH_CLI_H
#define XS_BENCH_CLI_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <net/if.h>

/* Parses str as an unsigned decimal in [min, max] into *out. On error
 * prints "PROG: OPT: ..." to stderr and returns -EINVAL. */
static inline int bench_parse_u64(const char *prog, const char *opt,
				  const char *str, unsigned long long min,
				  unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(str, &end, 10);
	if (!*str || *end || errno || *str == '-' || v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s' is not a number in [%llu, %llu]\n",
			prog, opt, str, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Ifindex of the device called name in this network namespace, or
 * -ENODEV after printing "PROG: OPT: no device 'NAME'". */
static inline int bench_ifindex(const char *prog, const char *opt,
				const char *name)
{
	unsigned int idx = if_nametoindex(name);

	if (!idx) {
		fprintf(stderr, "%s: %s: no device '%s' in this network namespace\n",
			prog, opt, name);
		return -ENODEV;
	}
	return (int)idx;
}

/* Monotonic time in seconds. */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
