// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch metrics`: the counters in the Prometheus text exposition
 * format (0.0.4), as node_exporter's textfile collector reads it. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/ops/samples.h"
#include "agent/ops/views.h"

/* One metric family: HELP, TYPE, then its samples. */
static void family(struct xs_ctl_buf *out, const char *name, const char *type, const char *help)
{
	xs_ctl_printf(out, "# HELP xdpswitch_%s %s\n# TYPE xdpswitch_%s %s\n", name, help, name,
		      type);
}

static const struct port_metric {
	const char *name, *help;
	size_t off; /* in struct xs_iface_stats */
} port_metrics[] = {
#define PM(f, h) { "port_" #f "_total", h, offsetof(struct xs_iface_stats, f) }
	PM(rx_packets, "Packets received on the port (interface counter)."),
	PM(rx_bytes, "Bytes received on the port (interface counter)."),
	PM(rx_dropped, "Received packets the interface dropped."),
	PM(rx_errors, "Receive errors of the interface."),
	PM(tx_packets, "Packets sent out of the port (interface counter)."),
	PM(tx_bytes, "Bytes sent out of the port (interface counter)."),
	PM(tx_dropped, "Packets to send that the interface dropped."),
	PM(tx_errors, "Transmit errors of the interface."),
#undef PM
};

void xs_ops_metrics(struct xs_agent *a, struct xs_ctl_buf *out)
{
	struct xs_ops_sample now = { 0 };

	xs_ops_take(a, &now);
	family(out, "ports", "gauge", "Ports of the bridge.");
	xs_ctl_printf(out, "xdpswitch_ports{bridge=\"%s\"} %zu\n", a->bridge, a->ports.n);
	family(out, "flows", "gauge", "OpenFlow rules in the bridge's tables.");
	xs_ctl_printf(out, "xdpswitch_flows{bridge=\"%s\"} %zu\n", a->bridge,
		      a->pipeline ? a->pipeline->n_rules : 0);
	for (size_t m = 0; m < sizeof(port_metrics) / sizeof(port_metrics[0]); m++) {
		family(out, port_metrics[m].name, "counter", port_metrics[m].help);
		for (size_t i = 0; i < now.n_ports; i++) {
			const struct xs_port *p = &a->ports.ports[i];
			const struct xs_iface_stats *st = &now.ports[i].st;

			if (st->valid)
				xs_ctl_printf(out, "xdpswitch_%s{bridge=\"%s\",port=\"%u\",name=\"%s\"} %"
					      PRIu64 "\n", port_metrics[m].name, a->bridge, p->ofport,
					      p->name,
					      *(const uint64_t *)((const char *)st + port_metrics[m].off));
		}
	}
	family(out, "port_misses_total", "counter",
	       "Misses of the port's packets read by the agent.");
	for (size_t i = 0; i < now.n_ports; i++)
		xs_ctl_printf(out, "xdpswitch_port_misses_total{bridge=\"%s\",port=\"%u\",name=\"%s\"} %"
			      PRIu64 "\n", a->bridge, a->ports.ports[i].ofport,
			      a->ports.ports[i].name, now.ports[i].misses);
	for (size_t i = 0; i < now.n_dp; i++) {
		char name[96];

		snprintf(name, sizeof(name), "datapath_%s_total", now.dp[i].name);
		family(out, name, "counter", now.dp[i].help ? now.dp[i].help : now.dp[i].name);
		xs_ctl_printf(out, "xdpswitch_%s{bridge=\"%s\"} %" PRIu64 "\n", name, a->bridge,
			      now.dp[i].value);
	}
	family(out, "agent_upcalls_total", "counter", "Records read from the datapath.");
	xs_ctl_printf(out, "xdpswitch_agent_upcalls_total{bridge=\"%s\"} %" PRIu64 "\n",
		      a->bridge, a->miss.upcalls);
	family(out, "agent_megaflows_installed_total", "counter", "Megaflows installed.");
	xs_ctl_printf(out, "xdpswitch_agent_megaflows_installed_total{bridge=\"%s\"} %" PRIu64
		      "\n", a->bridge, a->miss.installed);
	family(out, "agent_reinjected_total", "counter", "Missed packets re-injected.");
	xs_ctl_printf(out, "xdpswitch_agent_reinjected_total{bridge=\"%s\"} %" PRIu64 "\n",
		      a->bridge, a->miss.executed);
	free(now.ports);
}
