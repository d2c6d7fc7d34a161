// SPDX-License-Identifier: Apache-2.0
/* Operator views of a running bridge: `dump-ports` (per-port counters in
 * ovs-ofctl dump-ports' layout), `show --stats` (the same with rates per
 * second) and `metrics` (Prometheus text exposition, as node_exporter's
 * textfile collector reads it).
 *
 * Where the numbers come from. Per port, rx/tx packets, bytes, drops and
 * errors are the interface's own counters (iface_stats.h: what the kernel
 * counts for the port's netdev, so frames the XDP program redirected or
 * dropped are in rx, frames the switch sent out of the port in tx), or,
 * for a provider whose ports are not interfaces (dummy), its own; miss
 * is the misses of the port's packets the agent read (struct xs_port).
 * Datapath-wide counters come from the provider (dpif counters hook).
 * Rates: once a second (the agent's tick) the counters are sampled; a rate
 * is the difference of the last two samples over their interval.
 * Files: samples.c (taking them), dump_ports.c, rates.c, metrics.c. */
#ifndef XS_OPS_VIEWS_H
#define XS_OPS_VIEWS_H

#include <stdbool.h>

#include "agent/control/proto.h"

struct xs_agent;
struct xs_ops;

/* Takes a sample of every port's and the datapath's counters (the tick). */
void xs_ops_sample(struct xs_agent *a);
/* Frees the samples (agent fini). */
void xs_ops_free(struct xs_agent *a);

/* dump-ports [PORT]: every port, or the one with this number or name.
 * Returns the exit status (1: no such port). */
int xs_ops_dump_ports(struct xs_agent *a, const char *port, bool json, struct xs_ctl_buf *out);
/* show --stats: counters and rates per second. */
void xs_ops_show_stats(struct xs_agent *a, bool json, struct xs_ctl_buf *out);
/* metrics: the Prometheus text format (version 0.0.4). */
void xs_ops_metrics(struct xs_agent *a, struct xs_ctl_buf *out);

#endif
