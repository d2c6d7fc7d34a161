// SPDX-License-Identifier: Apache-2.0
/* Counter samples (samples.h): the ports' and the datapath's counters,
 * taken once a second by the agent's tick and on demand. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/ops/samples.h"
#include "agent/ops/views.h"
#include "common/clock.h"

struct xs_ops *xs_ops_get(struct xs_agent *a)
{
	if (!a->ops)
		a->ops = calloc(1, sizeof(*a->ops));
	if (a->ops && !a->ops->rd)
		a->ops->rd = xs_iface_reader_open();
	return a->ops;
}

void xs_ops_take(struct xs_agent *a, struct xs_ops_sample *s)
{
	struct xs_ops *o = xs_ops_get(a);
	size_t n = a->ports.n ? a->ports.n : 1;
	struct xs_ops_port_sample *ps = realloc(s->ports, n * sizeof(*ps));

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
		s->n_dp = a->dpif->cls->counters(a->dpif, s->dp, XS_OPS_MAX_DP_COUNTERS);
}

void xs_ops_sample(struct xs_agent *a)
{
	struct xs_ops *o = xs_ops_get(a);
	struct xs_ops_sample t;

	if (!o)
		return;
	/* the older sample's buffer is reused for the new one */
	t = o->prev;
	o->prev = o->cur;
	o->cur = t;
	xs_ops_take(a, &o->cur);
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

const struct xs_ops_port_sample *xs_ops_find(const struct xs_ops_sample *s, const char *name)
{
	for (size_t i = 0; i < s->n_ports; i++)
		if (!strcmp(s->ports[i].name, name))
			return &s->ports[i];
	return NULL;
}
