/* The switch's own datapath (agent/datapath/dp.h) as an agent datapath:
 * loads the XDP/TC programs with maps pinned per bridge, keeps the output
 * ports in the devmap, drains misses, ranks masks, shows counters. */
#include "agent/daemon/agent.h"
#include "agent/daemon/flow_cmds.h"
#include "agent/datapath/dp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define XS_PIN_ROOT "/sys/fs/bpf/xdpswitch"

struct dp_xs {
	struct xs_dp *dp;
	char pin_dir[128];
};

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
	a->dp = state.dp;
	a->xdp_prog_fd = xs_dp_xdp_prog_fd(state.dp);
	a->tc_prog_fd = xs_dp_tc_prog_fd(state.dp);
	return 0;
}

/* A clean stop removes everything: the ports are detached already, so
 * pinned maps would only be adopted, stale, by the next start. */
static void xs_close(struct xs_agent *a)
{
	xs_dp_close(state.dp);
	state.dp = NULL;
	a->dp = NULL;
	a->xdp_prog_fd = a->tc_prog_fd = -1;
	xs_dp_unpin(state.pin_dir);
}

static int xs_port_added(struct xs_agent *a, struct xs_port *p, char *why, size_t why_size)
{
	int err = xs_dp_port_add(a->dp, (uint32_t)p->ifindex);

	if (err)
		snprintf(why, why_size, "adding ifindex %d to the output ports: %s", p->ifindex,
			 strerror(-err));
	return err;
}

static void xs_port_removed(struct xs_agent *a, struct xs_port *p)
{
	xs_dp_port_del(a->dp, (uint32_t)p->ifindex);
}

static int xs_poll_fd(struct xs_agent *a)
{
	return xs_dp_upcall_fd(a->dp);
}

static int upcall_cb(void *ctx, const struct xs_upcall *u)
{
	return xs_agent_handle_upcall(ctx, u);
}

static void xs_on_ready(struct xs_agent *a)
{
	int n = xs_dp_upcall_poll(a->dp, upcall_cb, a, 0);

	if (n < 0)
		xs_agent_log(a, "reading misses: %s", strerror(-n));
}

static void xs_tick(struct xs_agent *a)
{
	xs_dp_masks_rank(a->dp, NULL);
}

static void xs_show(struct xs_agent *a, struct xs_ctl_buf *out)
{
	uint64_t st[XS_STAT__MAX];

	xs_ctl_printf(out, "megaflows: %u (max %u), masks: %u, misses not handled: %llu\n",
		      xs_dp_flow_count(a->dp), xs_dp_max_flows(a->dp), xs_dp_mask_count(a->dp),
		      (unsigned long long)a->misses_unhandled);
	if (xs_dp_stats_read(a->dp, st))
		return;
	xs_ctl_printf(out, "counters:");
	for (unsigned int i = 0; i < XS_STAT__MAX; i++)
		xs_ctl_printf(out, " %s=%llu", xs_dp_stat_name(i), (unsigned long long)st[i]);
	xs_ctl_printf(out, "\n");
}

const struct xs_agent_dp_ops xs_agent_dp_xs = {
	.name = "xdpswitch",
	.open = xs_open,
	.close = xs_close,
	.port_added = xs_port_added,
	.port_removed = xs_port_removed,
	.poll_fd = xs_poll_fd,
	.on_ready = xs_on_ready,
	.tick = xs_tick,
	.show = xs_show,
};
