// SPDX-License-Identifier: Apache-2.0
/* The bridge's side of the datapath: opens the provider (agent/dpif/dpif.h)
 * and, when it holds megaflows, drives them for the bridge: ports by
 * datapath number, misses, revalidation, counters in `show`. Nothing here
 * knows how the provider runs a megaflow. */
#include "agent/daemon/dp_xs.h"
#include "agent/daemon/fdb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct dp_xs state; /* one agent per process */
static bool ports_synced;  /* the provider's ports were checked against ours */

/* The revalidator's view of the ports. */
static uint32_t map_ofport(void *ctx, uint32_t dp_port)
{
	struct xs_port *p = xs_ports_by_dp_port(&((struct xs_agent *)ctx)->ports, dp_port);

	return p ? p->ofport : 0;
}

static uint32_t map_dp_port(void *ctx, uint32_t ofport)
{
	struct xs_port *p = xs_ports_by_ofport(&((struct xs_agent *)ctx)->ports, ofport);

	return p ? p->dp_port : 0;
}

/* The datapath has megaflows (not the object provider). */
static bool has_megaflows(const struct xs_agent *a)
{
	return a->dpif && a->dp;
}

/* The provider's rare messages (offload refusals) in the agent's log. */
static void provider_log(void *ctx, const char *msg)
{
	xs_agent_log(ctx, "%s", msg);
}

int xs_bridge_dp_open(struct xs_agent *a, char *why, size_t why_size)
{
	struct xs_dpif_config cfg = {
		.bridge = a->bridge, .max_flows = a->opts.max_flows, .xdp_mode = a->opts.mode,
		.no_libxdp = a->opts.no_libxdp, .verbose = a->opts.verbose,
		.object = a->opts.dp_object, .hw_offload = a->opts.hw_offload,
		.tc_policy = a->opts.tc_policy, .log = provider_log, .log_ctx = a,
		.miss_rate = a->opts.miss_limit_set ? a->opts.miss_rate : xs_dpif_default_miss_rate(),
		.miss_burst = a->opts.miss_burst, .mask_budget = a->opts.mask_budget,
	};
	struct xs_port_map map = { map_ofport, map_dp_port, a };
	uint32_t size;
	int err;

	if (!a->dp_class) {
		snprintf(why, why_size, "no datapath '%s'", a->opts.datapath);
		return -EINVAL;
	}
	err = a->dp_class->open(&cfg, &a->dpif, why, why_size);
	if (err) {
		a->dpif = NULL;
		return err;
	}
	ports_synced = false;
	if (!a->dpif->cls->flow_put)
		return 0;
	memset(&state, 0, sizeof(state));
	state.dpif = a->dpif;
	state.batch = calloc(XS_UPCALL_BATCH, sizeof(*state.batch));
	state.xl = calloc(XS_UPCALL_BATCH, sizeof(*state.xl));
	if (!state.batch || !state.xl || xs_fair_init(&state.fair)) {
		free(state.batch);
		free(state.xl);
		snprintf(why, why_size, "out of memory");
		a->dpif->cls->close(a->dpif, true);
		a->dpif = NULL;
		return -ENOMEM;
	}
	/* Megaflows adopted from a previous run keep forwarding; the first
	 * full pass, once the tables and ports are back, checks each one. */
	xs_reval_init(&state.reval, state.dpif, a->pipeline, &map);
	if (a->opts.max_idle_ms)
		state.reval.max_idle_ms = a->opts.max_idle_ms;
	state.reval.on_used = xs_fdb_on_used;
	state.reval.on_used_ctx = a;
	/* The flow limit never exceeds what the datapath holds. */
	size = a->dpif->cls->max_flows(a->dpif);
	state.reval.flow_limit_max = a->opts.flow_limit ? a->opts.flow_limit
							: XS_REVAL_DEFAULT_FLOW_LIMIT;
	if (state.reval.flow_limit_max > size)
		state.reval.flow_limit_max = size;
	state.reval.flow_limit = state.reval.flow_limit_max;
	a->dp = &state;
	return 0;
}

/* The fast path keeps forwarding (maps pinned) while ports still run the
 * programs (a stop that leaves it forwarding, see agent.h); otherwise
 * nothing is left behind. */
void xs_bridge_dp_close(struct xs_agent *a)
{
	if (a->dp) {
		xs_reval_destroy(&state.reval);
		free(state.batch);
		free(state.xl);
		state.batch = NULL;
		state.xl = NULL;
		xs_fair_fini(&state.fair);
		a->dp = NULL;
	}
	if (a->dpif)
		a->dpif->cls->close(a->dpif, a->keep_fast_path && a->dpif->cls->outlives_agent);
	a->dpif = NULL;
}

/* Once every port is back after start-up: an adopted devmap may still
 * hold a port the bridge no longer has (the previous run died before
 * saving it, or the state file lost it), which floods would reach. */
static void sync_ports(struct xs_agent *a)
{
	uint32_t ports[XS_BRIDGE_MAX_PORTS];
	size_t n = a->ports.n < XS_BRIDGE_MAX_PORTS ? a->ports.n : XS_BRIDGE_MAX_PORTS;
	int removed;

	for (size_t i = 0; i < n; i++)
		ports[i] = a->ports.ports[i].dp_port;
	removed = a->dpif->cls->ports_sync(a->dpif, ports, n);
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
void xs_bridge_dp_tables_changed(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;
	int err;

	if (!a->dpif)
		return;
	if (x)
		x->reval.ports_changed = true;
	if (a->ctl.fd < 0)
		return;
	if (!ports_synced)
		sync_ports(a);
	if (!x)
		return;
	err = xs_reval_revalidate(&x->reval, xs_reval_now_ms(), NULL);
	if (err)
		xs_agent_log(a, "revalidating megaflows: %s", strerror(-err));
}

int xs_bridge_dp_poll_fd(struct xs_agent *a)
{
	return has_megaflows(a) ? a->dpif->cls->recv_fd(a->dpif) : -1;
}

static void xs_on_ready(struct xs_agent *a)
{
	int n = xs_upcalls_drain(a, a->dp);

	if (n < 0)
		xs_agent_log(a, "reading misses: %s", strerror(-n));
}

/* Counters, timeouts, idle megaflows, mask ranking; rules removed by
 * their timeouts are saved. */
void xs_bridge_dp_tick(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;
	int n;

	if (!has_megaflows(a))
		return;
	n = xs_reval_tick(&x->reval, xs_reval_now_ms(), NULL);

	if (n < 0)
		xs_agent_log(a, "revalidator: %s", strerror(-n));
	else if (n > 0)
		xs_agent_save_state(a);
}

void xs_bridge_dp_sync_stats(struct xs_agent *a)
{
	if (has_megaflows(a))
		xs_reval_harvest(&a->dp->reval, xs_reval_now_ms());
}

void xs_bridge_dp_dump_megaflows(struct xs_agent *a, struct xs_ctl_buf *out, bool json,
				 int type)
{
	if (has_megaflows(a))
		xs_mf_dump(a, a->dp, out, json, type);
	else if (json)
		xs_ctl_printf(out, "[]\n");
}

/* The provider's counters, then what the agent did with the misses and
 * what the revalidator did. */
void xs_bridge_dp_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json)
{
	struct dp_xs *x = a->dp;
	const struct xs_agent_miss_stats *m = &a->miss;
	const struct xs_reval *r;

	if (a->dpif && a->dpif->cls->show)
		a->dpif->cls->show(a->dpif, out, json);
	if (!x)
		return;
	r = &x->reval;
	if (json) {
		xs_ctl_printf(out, ", \"agent\": {\"upcalls\": %" PRIu64 ", \"installed\": %"
			      PRIu64 ", \"install_failed\": %" PRIu64 ", \"hash_collisions\": %"
			      PRIu64 ", \"executed\": %" PRIu64
			      ", \"exec_failed\": %" PRIu64 ", \"truncated\": %" PRIu64
			      ", \"xlate_failed\": %" PRIu64 ", \"controller\": %" PRIu64
			      ", \"ttl_expired\": %" PRIu64 ", \"fair_dropped\": %" PRIu64
			      ", \"fair_pending\": %u}",
			      m->upcalls, m->installed, m->install_failed, m->hash_collisions,
			      m->executed, m->exec_failed, m->truncated, m->xlate_failed, m->controller,
			      m->ttl_expired, x->fair.dropped, xs_fair_pending(&x->fair));
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
	xs_ctl_printf(out, "agent miss queues: round robin over ports; %u queued, %" PRIu64
		      " dropped from the longest queue\n", xs_fair_pending(&x->fair), x->fair.dropped);
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


struct xs_dpif *xs_agent_dpif(struct xs_agent *a)
{
	return a->dpif;
}

const char *xs_agent_dp_name(const struct xs_agent *a)
{
	return a->dp_class ? a->dp_class->type : "none";
}

void xs_agent_upcalls_run(struct xs_agent *a)
{
	if (has_megaflows(a))
		xs_on_ready(a);
}

bool xs_agent_upcalls_pending(struct xs_agent *a)
{
	return has_megaflows(a) && xs_fair_pending(&a->dp->fair);
}
