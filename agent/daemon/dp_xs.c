/* The switch's own datapath (agent/datapath/dp.h) as an agent datapath:
 * loads the XDP/TC programs with maps pinned per bridge, keeps the output
 * ports in the devmap, handles misses, ranks masks, shows counters. */
#include "agent/daemon/dp_xs.h"
#include "agent/daemon/cleanup.h"

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

static uint32_t map_ifindex(void *ctx, uint32_t ofport, bool *xdp_tx)
{
	struct xs_port *p = xs_ports_by_ofport(&((struct xs_agent *)ctx)->ports, ofport);

	*xdp_tx = p && p->tx == XS_TX_XDP;
	return p ? (uint32_t)p->ifindex : 0;
}

static int xs_open(struct xs_agent *a, char *why, size_t why_size)
{
	struct xs_dp_opts o = { .pin_dir = state.pin_dir };
	struct xs_port_map map = { map_ofport, map_ifindex, a };
	int err;

	err = xs_cleanup_pin_dir(a->bridge, state.pin_dir, sizeof(state.pin_dir));
	if (err) {
		snprintf(why, why_size, "bridge name too long for a pin directory");
		return err;
	}
	err = xs_dp_open(&o, &state.dp);
	if (err) {
		snprintf(why, why_size, "cannot load the fast path (maps pinned under %s): %s",
			 state.pin_dir, strerror(-err));
		return err;
	}
	state.batch = calloc(XS_UPCALL_BATCH, sizeof(*state.batch));
	if (!state.batch) {
		snprintf(why, why_size, "out of memory");
		xs_dp_close(state.dp);
		state.dp = NULL;
		return -ENOMEM;
	}
	/* Megaflows adopted from a previous run keep forwarding; the first
	 * full pass, once the tables and ports are back, checks each one. */
	xs_reval_init(&state.reval, state.dp, a->pipeline, &map);
	if (a->opts.max_idle_ms)
		state.reval.max_idle_ms = a->opts.max_idle_ms;
	if (a->opts.flow_limit)
		state.reval.flow_limit = a->opts.flow_limit;
	ports_synced = false;
	a->dp = &state;
	a->xdp_prog_fd = xs_dp_xdp_prog_fd(state.dp);
	a->tc_prog_fd = xs_dp_tc_prog_fd(state.dp);
	return 0;
}

/* The maps stay pinned while ports still run the programs (a stop that
 * leaves the fast path forwarding, see agent.h); otherwise nothing is
 * left behind. */
static void xs_close(struct xs_agent *a)
{
	bool keep = a->keep_fast_path;

	xs_reval_destroy(&state.reval);
	free(state.batch);
	state.batch = NULL;
	xs_dp_close(state.dp);
	state.dp = NULL;
	a->dp = NULL;
	a->xdp_prog_fd = a->tc_prog_fd = -1;
	if (!keep)
		xs_dp_unpin(state.pin_dir);
}

static int xs_port_added(struct xs_agent *a, struct xs_port *p, char *why, size_t why_size)
{
	struct dp_xs *x = a->dp;
	int err = xs_dp_port_add(x->dp, (uint32_t)p->ifindex);

	if (err)
		snprintf(why, why_size, "adding ifindex %d to the output ports: %s", p->ifindex,
			 strerror(-err));
	return err;
}

static void xs_port_removed(struct xs_agent *a, struct xs_port *p)
{
	struct dp_xs *x = a->dp;

	xs_dp_port_del(x->dp, (uint32_t)p->ifindex);
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
	removed = xs_dp_ports_sync(x->dp, ifindexes, n);
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

	if (!x || !x->dp)
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

/* Megaflows that output to p must move to the other stage. */
static void xs_tx_changed(struct xs_agent *a, struct xs_port *p)
{
	(void)p;
	xs_tables_changed(a);
}

static int xs_poll_fd(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;

	return xs_dp_upcall_fd(x->dp);
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

/* pmd-stats-show style: where packets were found, and what the agent did
 * with the rest. */
static void xs_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json)
{
	struct dp_xs *x = a->dp;
	const struct xs_agent_miss_stats *m = &a->miss;
	const struct xs_reval *r = &x->reval;
	uint64_t st[XS_STAT__MAX];

	if (xs_dp_stats_read(x->dp, st))
		memset(st, 0, sizeof(st));
	if (json) {
		xs_ctl_printf(out, ", \"megaflows\": %u, \"max_megaflows\": %u, \"masks\": %u, "
			      "\"masks_per_hit\": %.2f, \"pin_dir\": \"%s\", \"counters\": {",
			      xs_dp_flow_count(x->dp), xs_dp_max_flows(x->dp),
			      xs_dp_mask_count(x->dp), xs_dp_stats_masks_per_hit(st), x->pin_dir);
		for (unsigned int i = 0; i < XS_STAT__MAX; i++)
			xs_ctl_printf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", xs_dp_stat_name(i),
				      st[i]);
		xs_ctl_printf(out, "}, \"agent\": {\"upcalls\": %" PRIu64 ", \"installed\": %"
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
			      PRIu64 ", \"flow_limit\": %u, \"flow_limit_hit\": %s, "
			      "\"not_installed\": %" PRIu64 "}",
			      r->passes, r->last_pass_us, r->last.kept, r->last.modified,
			      r->last.removed, r->last.expired, r->last.rules_timed_out,
			      r->max_idle_ms, r->flow_limit,
			      xs_reval_limit_reached(r) ? "true" : "false", r->limit_hits);
		return;
	}
	xs_ctl_printf(out, "datapath:\n");
	xs_ctl_printf(out, "  packets received: %" PRIu64 "\n", st[XS_STAT_RX]);
	xs_ctl_printf(out, "  microflow hits: %" PRIu64 "\n", st[XS_STAT_MICROFLOW_HIT]);
	xs_ctl_printf(out, "  megaflow hits: %" PRIu64 "\n", st[XS_STAT_MEGAFLOW_HIT]);
	xs_ctl_printf(out, "  avg. masks probed per hit: %.2f\n", xs_dp_stats_masks_per_hit(st));
	xs_ctl_printf(out, "  misses: %" PRIu64 "\n", st[XS_STAT_MISS]);
	xs_ctl_printf(out, "  lost: %" PRIu64 "\n", st[XS_STAT_MISS_LOST]);
	xs_ctl_printf(out, "  shed: %" PRIu64 "\n", st[XS_STAT_MISS_SHED]);
	xs_ctl_printf(out, "  megaflows: %u (max %u), masks: %u\n", xs_dp_flow_count(x->dp),
		      xs_dp_max_flows(x->dp), xs_dp_mask_count(x->dp));
	xs_ctl_printf(out, "  maps: %s (bpftool map dump pinned %s/xs_megaflows)\n",
		      x->pin_dir, x->pin_dir);
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
	xs_ctl_printf(out, "flow limit: %u%s; misses executed without a megaflow: %" PRIu64
		      "\n", r->flow_limit, xs_reval_limit_reached(r) ? " (limit hit)" : "",
		      r->limit_hits);
	xs_ctl_printf(out, "counters:");
	for (unsigned int i = 0; i < XS_STAT__MAX; i++)
		xs_ctl_printf(out, " %s=%" PRIu64, xs_dp_stat_name(i), st[i]);
	xs_ctl_printf(out, "\n");
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
