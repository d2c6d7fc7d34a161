/* The agent's datapath glue: drives a datapath provider (agent/dpif/dpif.h;
 * the XDP/TC fast path by default) for the bridge: ports with their caps,
 * misses, revalidation, counters in `show`. The only BPF-aware call is the
 * XDP provider's program fds, which the agent's port attach needs. */
#include "agent/daemon/dp_xs.h"
#include "agent/dpif/dpif_xdp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static struct dp_xs state; /* one agent per process */
static bool ports_synced;  /* the devmap was checked against the ports */

/* The revalidator's view of the ports. */
static uint32_t map_ofport(void *ctx, uint32_t ifindex)
{
	struct xs_port *p = xs_ports_by_ifindex(&((struct xs_agent *)ctx)->ports, (int)ifindex);

	return p ? p->ofport : 0;
}

static uint32_t map_dp_port(void *ctx, uint32_t ofport)
{
	struct xs_port *p = xs_ports_by_ofport(&((struct xs_agent *)ctx)->ports, ofport);

	return p ? (uint32_t)p->ifindex : 0;
}

/* What the provider needs to know of a port. */
static uint32_t port_caps(const struct xs_port *p)
{
	return p->tx == XS_TX_XDP ? XS_DPIF_PORT_XDP_TX : 0;
}

static int xs_open(struct xs_agent *a, char *why, size_t why_size)
{
	struct xs_dpif_config cfg = { .bridge = a->bridge };
	struct xs_port_map map = { map_ofport, map_dp_port, a };
	const struct xs_dpif_class *cls =
		xs_dpif_class_by_type(a->opts.datapath ? a->opts.datapath : "xdp");
	int err;

	if (!cls) {
		snprintf(why, why_size, "no datapath '%s'", a->opts.datapath);
		return -EINVAL;
	}
	err = cls->open(&cfg, &state.dpif, why, why_size);
	if (err)
		return err;
	state.batch = calloc(XS_UPCALL_BATCH, sizeof(*state.batch));
	if (!state.batch) {
		snprintf(why, why_size, "out of memory");
		state.dpif->cls->close(state.dpif, true);
		state.dpif = NULL;
		return -ENOMEM;
	}
	/* Megaflows adopted from a previous run keep forwarding; the first
	 * full pass, once the tables and ports are back, checks each one. */
	xs_reval_init(&state.reval, state.dpif, a->pipeline, &map);
	if (a->opts.max_idle_ms)
		state.reval.max_idle_ms = a->opts.max_idle_ms;
	/* The flow limit never exceeds what the datapath holds. */
	state.reval.flow_limit_max = a->opts.flow_limit ? a->opts.flow_limit
							: XS_REVAL_DEFAULT_FLOW_LIMIT;
	if (state.reval.flow_limit_max > state.dpif->cls->max_flows(state.dpif))
		state.reval.flow_limit_max = state.dpif->cls->max_flows(state.dpif);
	state.reval.flow_limit = state.reval.flow_limit_max;
	ports_synced = false;
	a->dp = &state;
	/* only the XDP provider has programs to attach to interfaces */
	xs_dpif_xdp_prog_fds(state.dpif, &a->xdp_prog_fd, &a->tc_prog_fd);
	return 0;
}

/* The fast path keeps forwarding (maps pinned) while ports still run the
 * programs (a stop that leaves it forwarding, see agent.h); otherwise
 * nothing is left behind. */
static void xs_close(struct xs_agent *a)
{
	xs_reval_destroy(&state.reval);
	free(state.batch);
	state.batch = NULL;
	state.dpif->cls->close(state.dpif, a->keep_fast_path && state.dpif->cls->outlives_agent);
	state.dpif = NULL;
	a->dp = NULL;
	a->xdp_prog_fd = a->tc_prog_fd = -1;
}

static int xs_port_added(struct xs_agent *a, struct xs_port *p, char *why, size_t why_size)
{
	struct dp_xs *x = a->dp;
	int err = x->dpif->cls->port_add(x->dpif, (uint32_t)p->ifindex, port_caps(p));

	if (err)
		snprintf(why, why_size, "adding ifindex %d to the output ports: %s", p->ifindex,
			 strerror(-err));
	return err;
}

static void xs_port_removed(struct xs_agent *a, struct xs_port *p)
{
	struct dp_xs *x = a->dp;

	x->dpif->cls->port_del(x->dpif, (uint32_t)p->ifindex);
}

/* Once every port is back after start-up: an adopted devmap may still
 * hold a port the bridge no longer has (the previous run died before
 * saving it, or the state file lost it), which floods would reach. */
static void sync_ports(struct xs_agent *a, struct dp_xs *x)
{
	uint32_t ifindexes[XS_MAX_PORTS];
	size_t n = a->ports.n < XS_MAX_PORTS ? a->ports.n : XS_MAX_PORTS;
	int removed;

	for (size_t i = 0; i < n; i++)
		ifindexes[i] = (uint32_t)a->ports.ports[i].ifindex;
	removed = x->dpif->cls->ports_sync(x->dpif, ifindexes, n);
	if (removed < 0)
		xs_agent_log(a, "syncing the output ports with the bridge: %s",
			     strerror(-removed));
	else if (removed > 0)
		xs_agent_log(a, "removed %d stale output port%s left in the pinned devmap",
			     removed, removed == 1 ? "" : "s");
	ports_synced = true;
}

/* Every megaflow checked against the tables before the command returns.
 * While the agent starts (no control socket yet) the ports are not all
 * back: the pass waits for xs_agent_run's first call after start-up, so
 * adopted megaflows of a port not re-attached yet are not removed; that
 * call also drops output ports the bridge does not have. */
static void xs_tables_changed(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;
	int err;

	if (!x || !x->dpif)
		return;
	x->reval.ports_changed = true;
	if (a->ctl.fd < 0)
		return;
	if (!ports_synced)
		sync_ports(a, x);
	err = xs_reval_revalidate(&x->reval, xs_reval_now_ms(), NULL);
	if (err)
		xs_agent_log(a, "revalidating megaflows: %s", strerror(-err));
}

/* The provider learns the port's new caps; megaflows that output to it
 * may have to run elsewhere: a full pass moves them. */
static void xs_tx_changed(struct xs_agent *a, struct xs_port *p)
{
	struct dp_xs *x = a->dp;

	x->dpif->cls->port_add(x->dpif, (uint32_t)p->ifindex, port_caps(p));
	xs_tables_changed(a);
}

static int xs_poll_fd(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;

	return x->dpif->cls->recv_fd(x->dpif);
}

static void xs_on_ready(struct xs_agent *a)
{
	int n = xs_upcalls_drain(a, a->dp);

	if (n < 0)
		xs_agent_log(a, "reading misses: %s", strerror(-n));
}

/* Counters, timeouts, idle megaflows, mask ranking; rules removed by
 * their timeouts are saved. */
static void xs_tick(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;
	int n = xs_reval_tick(&x->reval, xs_reval_now_ms(), NULL);

	if (n < 0)
		xs_agent_log(a, "revalidator: %s", strerror(-n));
	else if (n > 0)
		xs_agent_save_state(a);
}

static void xs_sync_stats(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;

	xs_reval_harvest(&x->reval, xs_reval_now_ms());
}

static void xs_dump_megaflows(struct xs_agent *a, struct xs_ctl_buf *out, bool json)
{
	xs_mf_dump(a, a->dp, out, json);
}

/* The provider's counters, then what the agent did with the misses and
 * what the revalidator did. */
static void xs_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json)
{
	struct dp_xs *x = a->dp;
	const struct xs_agent_miss_stats *m = &a->miss;
	const struct xs_reval *r = &x->reval;

	x->dpif->cls->show(x->dpif, out, json);
	if (json) {
		xs_ctl_printf(out, ", \"agent\": {\"upcalls\": %" PRIu64 ", \"installed\": %"
			      PRIu64 ", \"install_failed\": %" PRIu64 ", \"hash_collisions\": %"
			      PRIu64 ", \"executed\": %" PRIu64
			      ", \"exec_failed\": %" PRIu64 ", \"truncated\": %" PRIu64
			      ", \"xlate_failed\": %" PRIu64 ", \"controller\": %" PRIu64
			      ", \"ttl_expired\": %" PRIu64 "}",
			      m->upcalls, m->installed, m->install_failed, m->hash_collisions,
			      m->executed, m->exec_failed, m->truncated, m->xlate_failed, m->controller,
			      m->ttl_expired);
		xs_ctl_printf(out, ", \"revalidator\": {\"passes\": %" PRIu64 ", \"last_pass_us\": %"
			      PRIu64 ", \"kept\": %u, \"modified\": %u, \"removed\": %u, "
			      "\"idle_expired\": %u, \"rules_timed_out\": %u, \"max_idle_ms\": %"
			      PRIu64 ", \"flow_limit\": %u, \"flow_limit_max\": %u, "
			      "\"flow_limit_hit\": %s, "
			      "\"not_installed\": %" PRIu64 "}",
			      r->passes, r->last_pass_us, r->last.kept, r->last.modified,
			      r->last.removed, r->last.expired, r->last.rules_timed_out,
			      r->max_idle_ms, r->flow_limit, r->flow_limit_max,
			      xs_reval_limit_reached(r) ? "true" : "false", r->limit_hits);
		return;
	}
	xs_ctl_printf(out, "agent: upcalls %" PRIu64 ", installed %" PRIu64 ", install failed %"
		      PRIu64 " (hash collisions %" PRIu64 "), re-injected %" PRIu64 ", re-inject failed %" PRIu64
		      ", truncated %" PRIu64 ", translation failed %" PRIu64 ", controller %"
		      PRIu64 ", ttl expired %" PRIu64 "\n",
		      m->upcalls, m->installed, m->install_failed, m->hash_collisions,
		      m->executed, m->exec_failed, m->truncated, m->xlate_failed, m->controller, m->ttl_expired);
	xs_ctl_printf(out, "revalidator: %" PRIu64 " passes, last %" PRIu64 " us (kept %u, "
		      "modified %u, removed %u); idle expired %u (max-idle %" PRIu64 " ms); "
		      "rules timed out %u\n", r->passes, r->last_pass_us, r->last.kept,
		      r->last.modified, r->last.removed, r->last.expired, r->max_idle_ms,
		      r->last.rules_timed_out);
	xs_ctl_printf(out, "flow limit: %u", r->flow_limit);
	if (r->flow_limit < r->flow_limit_max)
		xs_ctl_printf(out, " (dynamic: lowered from %u, revalidation is slow)",
			      r->flow_limit_max);
	xs_ctl_printf(out, "%s; misses executed without a megaflow: %" PRIu64 "\n",
		      xs_reval_limit_reached(r) ? " (limit hit)" : "", r->limit_hits);
}

const struct xs_agent_dp_ops xs_agent_dp_xs = {
	.name = "xdpswitch",
	.outlives_agent = true,
	.open = xs_open,
	.close = xs_close,
	.port_added = xs_port_added,
	.port_removed = xs_port_removed,
	.tx_changed = xs_tx_changed,
	.poll_fd = xs_poll_fd,
	.on_ready = xs_on_ready,
	.tick = xs_tick,
	.show = xs_show,
	.tables_changed = xs_tables_changed,
	.sync_stats = xs_sync_stats,
	.dump_megaflows = xs_dump_megaflows,
};

struct xs_dpif *xs_agent_dpif(struct xs_agent *a)
{
	return a->dp_ops == &xs_agent_dp_xs && a->dp ? ((struct dp_xs *)a->dp)->dpif : NULL;
}

bool xs_agent_virtual_ports(const struct xs_agent *a)
{
	const struct xs_dpif_class *cls =
		xs_dpif_class_by_type(a->opts.datapath ? a->opts.datapath : "xdp");

	return a->dp_ops == &xs_agent_dp_xs && cls && !cls->outlives_agent;
}

void xs_agent_upcalls_run(struct xs_agent *a)
{
	if (a->dp_ops == &xs_agent_dp_xs && a->dp)
		xs_on_ready(a);
}
