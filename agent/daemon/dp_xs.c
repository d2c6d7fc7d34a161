/* The switch's own datapath (agent/datapath/dp.h) as an agent datapath:
 * loads the XDP/TC programs with maps pinned per bridge, keeps the output
 * ports in the devmap, handles misses, ranks masks, shows counters. */
#include "agent/daemon/dp_xs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XS_PIN_ROOT "/sys/fs/bpf/xdpswitch"

static struct dp_xs state; /* one agent per process */

static int xs_open(struct xs_agent *a, char *why, size_t why_size)
{
	struct xs_dp_opts o = { .pin_dir = state.pin_dir };
	int err;

	snprintf(state.pin_dir, sizeof(state.pin_dir), "%s/%s", XS_PIN_ROOT, a->bridge);
	err = xs_dp_open(&o, &state.dp);
	if (err) {
		snprintf(why, why_size, "cannot load the fast path (maps pinned under %s): %s",
			 state.pin_dir, strerror(-err));
		return err;
	}
	state.batch = calloc(XS_UPCALL_BATCH, sizeof(*state.batch));
	err = state.batch ? xs_mf_init(&state, xs_dp_max_flows(state.dp) + XS_DP_SPARE_SLOTS)
			  : -ENOMEM;
	if (err) {
		snprintf(why, why_size, "out of memory");
		free(state.batch);
		state.batch = NULL;
		xs_dp_close(state.dp);
		xs_dp_unpin(state.pin_dir);
		state.dp = NULL;
		return err;
	}
	/* megaflows adopted from a previous run name rules we do not know */
	xs_dp_flow_flush(state.dp);
	a->dp = &state;
	a->xdp_prog_fd = xs_dp_xdp_prog_fd(state.dp);
	a->tc_prog_fd = xs_dp_tc_prog_fd(state.dp);
	return 0;
}

/* A clean stop removes everything: the ports are detached already, so
 * pinned maps would only be adopted, stale, by the next start. */
static void xs_close(struct xs_agent *a)
{
	xs_mf_fini(&state);
	free(state.batch);
	state.batch = NULL;
	xs_dp_close(state.dp);
	state.dp = NULL;
	a->dp = NULL;
	a->xdp_prog_fd = a->tc_prog_fd = -1;
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

/* Until the revalidator: every megaflow goes, counters credited first. */
static void xs_tables_changed(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;
	int err;

	if (!x || !x->dp)
		return;
	err = xs_mf_flush(a, x);
	if (err)
		xs_agent_log(a, "flushing megaflows: %s", strerror(-err));
	a->miss.flushes++;
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

static void xs_tick(struct xs_agent *a)
{
	struct dp_xs *x = a->dp;

	xs_dp_masks_rank(x->dp, NULL);
}

static void xs_sync_stats(struct xs_agent *a)
{
	xs_mf_harvest(a, a->dp);
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
	uint64_t st[XS_STAT__MAX];

	if (xs_dp_stats_read(x->dp, st))
		memset(st, 0, sizeof(st));
	if (json) {
		xs_ctl_printf(out, ", \"megaflows\": %u, \"max_megaflows\": %u, \"masks\": %u, "
			      "\"masks_per_hit\": %.2f, \"counters\": {",
			      xs_dp_flow_count(x->dp), xs_dp_max_flows(x->dp),
			      xs_dp_mask_count(x->dp), xs_dp_stats_masks_per_hit(st));
		for (unsigned int i = 0; i < XS_STAT__MAX; i++)
			xs_ctl_printf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", xs_dp_stat_name(i),
				      st[i]);
		xs_ctl_printf(out, "}, \"agent\": {\"upcalls\": %" PRIu64 ", \"installed\": %"
			      PRIu64 ", \"install_failed\": %" PRIu64 ", \"executed\": %" PRIu64
			      ", \"exec_failed\": %" PRIu64 ", \"truncated\": %" PRIu64
			      ", \"xlate_failed\": %" PRIu64 ", \"controller\": %" PRIu64
			      ", \"ttl_expired\": %" PRIu64 ", \"flushes\": %" PRIu64 "}",
			      m->upcalls, m->installed, m->install_failed, m->executed,
			      m->exec_failed, m->truncated, m->xlate_failed, m->controller,
			      m->ttl_expired, m->flushes);
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
	xs_ctl_printf(out, "agent: upcalls %" PRIu64 ", installed %" PRIu64 ", install failed %"
		      PRIu64 ", re-injected %" PRIu64 ", re-inject failed %" PRIu64
		      ", truncated %" PRIu64 ", translation failed %" PRIu64 ", controller %"
		      PRIu64 ", ttl expired %" PRIu64 ", flushes %" PRIu64 "\n",
		      m->upcalls, m->installed, m->install_failed, m->executed, m->exec_failed,
		      m->truncated, m->xlate_failed, m->controller, m->ttl_expired, m->flushes);
	xs_ctl_printf(out, "counters:");
	for (unsigned int i = 0; i < XS_STAT__MAX; i++)
		xs_ctl_printf(out, " %s=%" PRIu64, xs_dp_stat_name(i), st[i]);
	xs_ctl_printf(out, "\n");
}

const struct xs_agent_dp_ops xs_agent_dp_xs = {
	.name = "xdpswitch",
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
