// SPDX-License-Identifier: Apache-2.0
/* dump-ports, show --stats and metrics (views.h): counters of the ports'
 * interfaces, the agent's misses per port and the datapath's counters. */
#include "agent/ops/views.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/ops/iface_stats.h"
#include "common/clock.h"

#define MAX_DP_COUNTERS 64

/* One port's counters at one time. */
struct port_sample {
	char name[IF_NAMESIZE];
	struct xs_iface_stats st;
	uint64_t misses;
};

struct sample {
	uint64_t ms;
	struct port_sample *ports;
	size_t n_ports;
	struct xs_dpif_counter dp[MAX_DP_COUNTERS];
	size_t n_dp;
};

struct xs_ops {
	struct xs_iface_reader *rd;
	struct sample prev, cur; /* the last two samples, a tick apart */
};

static struct xs_ops *ops_get(struct xs_agent *a)
{
	if (!a->ops)
		a->ops = calloc(1, sizeof(*a->ops));
	if (a->ops && !a->ops->rd)
		a->ops->rd = xs_iface_reader_open();
	return a->ops;
}

/* Reads every port's counters and the datapath's now. */
static void take(struct xs_agent *a, struct sample *s)
{
	struct xs_ops *o = ops_get(a);
	struct port_sample *ps = realloc(s->ports, (a->ports.n ? a->ports.n : 1) * sizeof(*ps));

	s->ms = xs_mono_ms();
	s->n_ports = 0;
	s->n_dp = 0;
	if (!ps)
		return;
	s->ports = ps;
	for (size_t i = 0; i < a->ports.n; i++) {
		const struct xs_port *p = &a->ports.ports[i];

		memset(&ps[i], 0, sizeof(ps[i]));
		snprintf(ps[i].name, sizeof(ps[i].name), "%s", p->name);
		if (a->dpif && a->dpif->cls->port_stats) {
			struct xs_dpif_port_stats dp;

			if (!a->dpif->cls->port_stats(a->dpif, p->dp_port, &dp))
				ps[i].st = (struct xs_iface_stats){
					.valid = true,
					.rx_packets = dp.rx_packets, .rx_bytes = dp.rx_bytes,
					.tx_packets = dp.tx_packets, .tx_bytes = dp.tx_bytes,
				};
		} else if (o && o->rd && xs_iface_stats_read(o->rd, p->name, &ps[i].st)) {
			ps[i].st.valid = false;
		}
		ps[i].misses = p->misses;
	}
	s->n_ports = a->ports.n;
	if (a->dpif && a->dpif->cls->counters)
		s->n_dp = a->dpif->cls->counters(a->dpif, s->dp, MAX_DP_COUNTERS);
}

void xs_ops_sample(struct xs_agent *a)
{
	struct xs_ops *o = ops_get(a);
	struct sample t;

	if (!o)
		return;
	/* the older sample's buffer is reused for the new one */
	t = o->prev;
	o->prev = o->cur;
	o->cur = t;
	take(a, &o->cur);
}

void xs_ops_free(struct xs_agent *a)
{
	if (!a->ops)
		return;
	xs_iface_reader_close(a->ops->rd);
	free(a->ops->prev.ports);
	free(a->ops->cur.ports);
	free(a->ops);
	a->ops = NULL;
}

static const struct port_sample *find_sample(const struct sample *s, const char *name)
{
	for (size_t i = 0; i < s->n_ports; i++)
		if (!strcmp(s->ports[i].name, name))
			return &s->ports[i];
	return NULL;
}

/* ovs-ofctl prints "?" for a counter it does not have. */
static void stat(struct xs_ctl_buf *out, const char *leader, bool valid, uint64_t v, bool more)
{
	if (valid)
		xs_ctl_printf(out, "%s%" PRIu64 "%s", leader, v, more ? ", " : "\n");
	else
		xs_ctl_printf(out, "%s?%s", leader, more ? ", " : "\n");
}

static void port_text(struct xs_ctl_buf *out, const struct xs_port *p, const struct port_sample *s)
{
	const struct xs_iface_stats *st = &s->st;
	bool v = st->valid;

	xs_ctl_printf(out, "  port %s%u: rx ", p->ofport < 10 ? " " : "", p->ofport);
	stat(out, "pkts=", v, st->rx_packets, true);
	stat(out, "bytes=", v, st->rx_bytes, true);
	stat(out, "drop=", v, st->rx_dropped, true);
	stat(out, "errs=", v, st->rx_errors, true);
	stat(out, "frame=", v, st->rx_frame_errors, true);
	stat(out, "over=", v, st->rx_over_errors, true);
	stat(out, "crc=", v, st->rx_crc_errors, false);
	xs_ctl_printf(out, "           tx ");
	stat(out, "pkts=", v, st->tx_packets, true);
	stat(out, "bytes=", v, st->tx_bytes, true);
	stat(out, "drop=", v, st->tx_dropped, true);
	stat(out, "errs=", v, st->tx_errors, true);
	stat(out, "coll=", v, st->collisions, false);
	xs_ctl_printf(out, "           miss=%" PRIu64 "\n", s->misses);
}

static void json_u64(struct xs_ctl_buf *out, const char *name, bool valid, uint64_t v, bool more)
{
	if (valid)
		xs_ctl_printf(out, "\"%s\": %" PRIu64 "%s", name, v, more ? ", " : "");
	else
		xs_ctl_printf(out, "\"%s\": null%s", name, more ? ", " : "");
}

static void port_json(struct xs_ctl_buf *out, const struct xs_port *p, const struct port_sample *s)
{
	const struct xs_iface_stats *st = &s->st;
	bool v = st->valid;

	xs_ctl_printf(out, "{\"ofport\": %u, \"name\": \"%s\", ", p->ofport, p->name);
	json_u64(out, "rx_packets", v, st->rx_packets, true);
	json_u64(out, "rx_bytes", v, st->rx_bytes, true);
	json_u64(out, "rx_dropped", v, st->rx_dropped, true);
	json_u64(out, "rx_errors", v, st->rx_errors, true);
	json_u64(out, "rx_frame_errors", v, st->rx_frame_errors, true);
	json_u64(out, "rx_over_errors", v, st->rx_over_errors, true);
	json_u64(out, "rx_crc_errors", v, st->rx_crc_errors, true);
	json_u64(out, "tx_packets", v, st->tx_packets, true);
	json_u64(out, "tx_bytes", v, st->tx_bytes, true);
	json_u64(out, "tx_dropped", v, st->tx_dropped, true);
	json_u64(out, "tx_errors", v, st->tx_errors, true);
	json_u64(out, "collisions", v, st->collisions, true);
	json_u64(out, "misses", true, s->misses, false);
	xs_ctl_printf(out, "}");
}

static bool port_selected(const struct xs_port *p, const char *sel)
{
	char num[16];

	if (!sel)
		return true;
	snprintf(num, sizeof(num), "%u", p->ofport);
	return !strcmp(sel, num) || !strcmp(sel, p->name);
}

int xs_ops_dump_ports(struct xs_agent *a, const char *sel, bool json, struct xs_ctl_buf *out)
{
	struct sample now = { 0 };
	size_t n = 0, k = 0;

	for (size_t i = 0; i < a->ports.n; i++)
		n += port_selected(&a->ports.ports[i], sel);
	if (sel && !n) {
		xs_ctl_printf(out, "dump-ports: '%s' is not a port of bridge %s\n", sel, a->bridge);
		return 1;
	}
	take(a, &now);
	if (json)
		xs_ctl_printf(out, "[");
	else
		xs_ctl_printf(out, "OFPST_PORT reply: %zu ports\n", n);
	for (size_t i = 0; i < now.n_ports; i++) {
		const struct xs_port *p = &a->ports.ports[i];

		if (!port_selected(p, sel))
			continue;
		if (json) {
			xs_ctl_printf(out, "%s", k++ ? ", " : "");
			port_json(out, p, &now.ports[i]);
		} else {
			port_text(out, p, &now.ports[i]);
		}
	}
	if (json)
		xs_ctl_printf(out, "]\n");
	free(now.ports);
	return 0;
}

/* (cur - prev) per second; 0 for a counter that went backwards (a port
 * re-created between the samples). */
static double rate(uint64_t cur, uint64_t prev, uint64_t ms)
{
	return cur >= prev && ms ? (double)(cur - prev) * 1000.0 / (double)ms : 0.0;
}

void xs_ops_show_stats(struct xs_agent *a, bool json, struct xs_ctl_buf *out)
{
	struct xs_ops *o = ops_get(a);
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
		const struct port_sample *c = find_sample(&o->cur, p->name);
		const struct port_sample *q = find_sample(&o->prev, p->name);
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
	struct sample now = { 0 };

	take(a, &now);
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
