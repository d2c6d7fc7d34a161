// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch show --stats`: rates per second from the agent's last two
 * samples, a tick apart. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/ops/samples.h"
#include "agent/ops/views.h"

/* (cur - prev) per second; 0 for a counter that went backwards (a port
 * re-created between the samples). */
static double rate(uint64_t cur, uint64_t prev, uint64_t ms)
{
	return cur >= prev && ms ? (double)(cur - prev) * 1000.0 / (double)ms : 0.0;
}

void xs_ops_show_stats(struct xs_agent *a, bool json, struct xs_ctl_buf *out)
{
	struct xs_ops *o = xs_ops_get(a);
	bool have = o && o->prev.ms && o->cur.ms > o->prev.ms;
	uint64_t ms = have ? o->cur.ms - o->prev.ms : 0;

	if (json)
		xs_ctl_printf(out, "{\"interval_ms\": %" PRIu64 ", \"ports\": [", ms);
	else if (have)
		xs_ctl_printf(out, "rates per second over the last %.2f s:\n", ms / 1000.0);
	else
		xs_ctl_printf(out, "rates: not yet (the agent samples its counters every second)\n");
	for (size_t i = 0; o && i < a->ports.n; i++) {
		const struct xs_port *p = &a->ports.ports[i];
		const struct xs_ops_port_sample *c = xs_ops_find(&o->cur, p->name);
		const struct xs_ops_port_sample *q = xs_ops_find(&o->prev, p->name);
		bool ok = have && c && q && c->st.valid && q->st.valid;
		double rxp = ok ? rate(c->st.rx_packets, q->st.rx_packets, ms) : 0;
		double rxb = ok ? rate(c->st.rx_bytes, q->st.rx_bytes, ms) : 0;
		double txp = ok ? rate(c->st.tx_packets, q->st.tx_packets, ms) : 0;
		double txb = ok ? rate(c->st.tx_bytes, q->st.tx_bytes, ms) : 0;
		double drp = ok ? rate(c->st.rx_dropped + c->st.tx_dropped,
				       q->st.rx_dropped + q->st.tx_dropped, ms) : 0;
		double mis = have && c && q ? rate(c->misses, q->misses, ms) : 0;

		if (json) {
			xs_ctl_printf(out, "%s{\"ofport\": %u, \"name\": \"%s\", \"rx_pps\": %.1f, "
				      "\"rx_bps\": %.1f, \"tx_pps\": %.1f, \"tx_bps\": %.1f, "
				      "\"drop_pps\": %.1f, \"miss_pps\": %.1f}", i ? ", " : "",
				      p->ofport, p->name, rxp, rxb * 8, txp, txb * 8, drp, mis);
			continue;
		}
		if (!have)
			continue;
		xs_ctl_printf(out, "  port %s%u(%s): rx %.1f pkt/s %.1f bit/s, tx %.1f pkt/s %.1f "
			      "bit/s, drop %.1f/s, miss %.1f/s\n", p->ofport < 10 ? " " : "",
			      p->ofport, p->name, rxp, rxb * 8, txp, txb * 8, drp, mis);
	}
	if (json)
		xs_ctl_printf(out, "], \"datapath\": {");
	else if (have && o->cur.n_dp)
		xs_ctl_printf(out, "  datapath:");
	for (size_t i = 0; have && i < o->cur.n_dp && i < o->prev.n_dp; i++) {
		double r = rate(o->cur.dp[i].value, o->prev.dp[i].value, ms);

		if (json)
			xs_ctl_printf(out, "%s\"%s\": %.1f", i ? ", " : "", o->cur.dp[i].name, r);
		else
			xs_ctl_printf(out, " %s %.1f/s", o->cur.dp[i].name, r);
	}
	if (json)
		xs_ctl_printf(out, "}}\n");
	else if (have && o->cur.n_dp)
		xs_ctl_printf(out, "\n");
}
