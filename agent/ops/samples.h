// SPDX-License-Identifier: Apache-2.0
/* The counter samples behind the operator views (views.h): every port's
 * counters and the datapath's at one time. The agent keeps the last two,
 * a tick apart, for rates; dump-ports and metrics take a fresh one. */
#ifndef XS_OPS_SAMPLES_H
#define XS_OPS_SAMPLES_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/dpif/dpif.h"
#include "agent/ops/iface_stats.h"

struct xs_agent;

#define XS_OPS_MAX_DP_COUNTERS 64 /* datapath counters kept per sample */

/* One port's counters at one time. */
struct xs_ops_port_sample {
	char name[IF_NAMESIZE];
	struct xs_iface_stats st;
	uint64_t misses;
};

struct xs_ops_sample {
	uint64_t ms;
	struct xs_ops_port_sample *ports;
	size_t n_ports;
	struct xs_dpif_counter dp[XS_OPS_MAX_DP_COUNTERS];
	size_t n_dp;
};

struct xs_ops {
	struct xs_iface_reader *rd;
	struct xs_ops_sample prev, cur; /* the last two samples, a tick apart */
};

/* The agent's samples (a->ops), made on first use; NULL without memory. */
struct xs_ops *xs_ops_get(struct xs_agent *a);
/* Reads every port's counters (the provider's own, or its interface's)
 * and the datapath's into *s, now. */
void xs_ops_take(struct xs_agent *a, struct xs_ops_sample *s);
/* The port named @name in @s, or NULL. */
const struct xs_ops_port_sample *xs_ops_find(const struct xs_ops_sample *s, const char *name);

#endif
