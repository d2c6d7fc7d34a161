// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch dump-ports`: each port's counters in ovs-ofctl dump-ports'
 * layout (text) or as JSON, then our miss= line (views.h says which
 * counter counts what). */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/ops/samples.h"
#include "agent/ops/views.h"

/* ovs-ofctl prints "?" for a counter it does not have. */
static void stat(struct xs_ctl_buf *out, const char *leader, bool valid, uint64_t v, bool more)
{
	if (valid)
		xs_ctl_printf(out, "%s%" PRIu64 "%s", leader, v, more ? ", " : "\n");
	else
		xs_ctl_printf(out, "%s?%s", leader, more ? ", " : "\n");
}

static void port_text(struct xs_ctl_buf *out, const struct xs_port *p, const struct xs_ops_port_sample *s)
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

static void port_json(struct xs_ctl_buf *out, const struct xs_port *p, const struct xs_ops_port_sample *s)
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
	struct xs_ops_sample now = { 0 };
	size_t n = 0, k = 0;

	for (size_t i = 0; i < a->ports.n; i++)
		n += port_selected(&a->ports.ports[i], sel);
	if (sel && !n) {
		xs_ctl_printf(out, "dump-ports: '%s' is not a port of bridge %s\n", sel, a->bridge);
		return 1;
	}
	xs_ops_take(a, &now);
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
