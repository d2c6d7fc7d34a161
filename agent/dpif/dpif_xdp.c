// SPDX-License-Identifier: Apache-2.0
/* The XDP/TC provider of the datapath interface: the switch's fast path
 * (agent/datapath/dp.h) with maps pinned per bridge. It decides where each
 * megaflow runs: in XDP when the list has no output, or ends in one output
 * to a port that takes XDP redirects, or ends in a flood and every port
 * takes XDP redirects (a devmap broadcast); in the TC stage otherwise. */
#include "agent/dpif/dpif_xdp.h"

#include <errno.h>
#include <net/if.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "agent/datapath/sweep.h"
#include "agent/datapath/bpf_env.h"
#include "agent/datapath/dp.h"
#include "agent/datapath/port_events.h"
#include "agent/datapath/port_hw.h"
#include "agent/offload/offload.h"
#include "agent/dpif/xdp_exec.h"

struct dpif_xdp {
	struct xs_dpif up;
	struct xs_dp *dp;        /* NULL for the object provider */
	struct bpf_object *obj;  /* the object provider's programs */
	char pin_dir[128];
	struct xs_port_hw_cfg hw_cfg;
	char bridge[32];
	struct xs_port_hw *ports; /* by datapath port = ifindex */
	size_t n_ports, cap_ports;
	bool noted_no_dispatcher; /* the note was given once */
	struct xs_port_events *events; /* NULL: the kernel tells nothing, poll */
	struct xs_offload *offload;    /* NULL: --hw-offload=off */
	struct xs_xdp_exec *uexec;     /* re-injection in userspace; NULL:
	                                * test runs only (no packet socket) */
};

static struct dpif_xdp *cast(struct xs_dpif *d)
{
	return (struct dpif_xdp *)d;
}

static struct xs_port_hw *find_port(const struct dpif_xdp *x, uint32_t port)
{
	for (size_t i = 0; i < x->n_ports; i++)
		if ((uint32_t)x->ports[i].ifindex == port)
			return &x->ports[i];
	return NULL;
}

static bool xdp_tx(const struct dpif_xdp *x, uint32_t port)
{
	const struct xs_port_hw *p = find_port(x, port);

	return p && p->tx == XS_TX_XDP;
}

/* The stage of a list (XS_MF_F_XDP or 0), see the file comment. XDP can
 * redirect a frame once, so one output, at the end. */
static uint16_t stage_flags(const struct dpif_xdp *x, const struct xs_action *a, uint16_t n)
{
	unsigned outputs = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (xs_act_is_ct(a[i].type))
			return 0; /* conntrack and recirculation run in TC */
		outputs += a[i].type == XS_ACT_OUTPUT;
	}
	if (!outputs)
		return XS_MF_F_XDP;
	if (outputs > 1 || a[n - 1].type != XS_ACT_OUTPUT)
		return 0;
	if (!(a[n - 1].flags & XS_OUT_F_BROADCAST))
		return xdp_tx(x, a[n - 1].arg) ? XS_MF_F_XDP : 0;
	for (size_t i = 0; i < x->n_ports; i++)
		if (x->ports[i].tx != XS_TX_XDP)
			return 0;
	return XS_MF_F_XDP;
}

/* The ports' attach settings. */
static void configure_ports(struct dpif_xdp *x, const struct xs_dpif_config *cfg)
{
	snprintf(x->bridge, sizeof(x->bridge), "%s", cfg->bridge ? cfg->bridge : "");
	x->hw_cfg.mode = (enum xs_xdp_mode)cfg->xdp_mode;
	x->hw_cfg.no_libxdp = cfg->no_libxdp;
}

int xs_dpif_xdp_wrap(struct xs_dp *dp, const char *pin_dir, bool attach, struct xs_dpif **out)
{
	struct dpif_xdp *x;

	if (!dp || !out || (pin_dir && strlen(pin_dir) >= sizeof(x->pin_dir)))
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->up.cls = &xs_dpif_xdp;
	x->dp = dp;
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s", pin_dir ? pin_dir : "");
	x->hw_cfg.xdp_fd = attach ? xs_dp_xdp_prog_fd(dp) : -1;
	x->hw_cfg.tc_fd = attach ? xs_dp_tc_prog_fd(dp) : -1;
	x->hw_cfg.bridge = x->bridge;
	/* Without notifications (kernel before 6.3) the ports are polled. */
	if (xs_port_events_open(&x->events))
		x->events = NULL;
	*out = &x->up;
	return 0;
}

static void xdp_close(struct xs_dpif *d, bool keep);

static int xdp_open(const struct xs_dpif_config *cfg, struct xs_dpif **out, char *why,
		    size_t why_size)
{
	struct xs_dp_opts o = { .max_flows = cfg->max_flows, .mask_budget = cfg->mask_budget };
	char pin_dir[128];
	struct xs_dp *dp;
	int err;

	err = xs_bpf_env_prepare(cfg->verbose, why, why_size);
	if (err)
		return err;
	err = xs_pin_dir(cfg->bridge, pin_dir, sizeof(pin_dir));
	if (err) {
		snprintf(why, why_size, "bridge name too long for a pin directory");
		return err;
	}
	o.pin_dir = pin_dir;
	xs_dp_miss_split(cfg->miss_rate, cfg->miss_burst, &o);
	err = xs_dp_open(&o, &dp);
	if (err == -EPROTONOSUPPORT) {
		snprintf(why, why_size, "cannot adopt the maps pinned under %s: their megaflow "
			 "hash version is newer than this agent computes", pin_dir);
		return err;
	}
	if (err) {
		snprintf(why, why_size, "cannot load the fast path (maps pinned under %s): %s",
			 pin_dir, strerror(-err));
		return err;
	}
	err = xs_dpif_xdp_wrap(dp, pin_dir, true, out);
	if (err) {
		snprintf(why, why_size, "out of memory");
		xs_dp_close(dp);
		xs_dp_unpin(pin_dir);
		return err;
	}
	configure_ports(cast(*out), cfg);
	/* Without a packet socket every re-injection takes a test run. */
	if (xs_xdp_exec_open(&cast(*out)->uexec))
		cast(*out)->uexec = NULL;
	if (cfg->hw_offload) {
		struct xs_offload_cfg oc = { .mode = cfg->hw_offload, .policy = cfg->tc_policy,
					     .log = cfg->log, .log_ctx = cfg->log_ctx };

		err = xs_offload_new(&oc, &cast(*out)->offload);
		if (err) {
			snprintf(why, why_size, "hardware offload: no rtnetlink socket: %s",
				 strerror(-err));
			xdp_close(*out, false);
			return err;
		}
	}
	return 0;
}

/* The bridge's ports, for the offload layer's floods. */
static void offload_ports(struct dpif_xdp *x)
{
	uint32_t v[XS_MAX_PORTS];
	size_t n = 0;

	if (!x->offload)
		return;
	for (size_t i = 0; i < x->n_ports && n < XS_MAX_PORTS; i++)
		v[n++] = (uint32_t)x->ports[i].ifindex;
	xs_offload_set_ports(x->offload, v, n);
}

/* The maps stay pinned when the fast path is to keep forwarding for the
 * next agent; otherwise nothing is left behind. */
static void xdp_close(struct xs_dpif *d, bool keep)
{
	struct dpif_xdp *x = cast(d);
	char note[256];

	/* Filters and hardware programs need the agent: they go in any case
	 * (the fast path keeps every megaflow). */
	xs_offload_free(x->offload);
	xs_xdp_exec_close(x->uexec);
	/* A stop that keeps the fast path leaves the ports attached. */
	while (!keep && x->n_ports)
		xs_port_hw_detach(&x->ports[--x->n_ports], note, sizeof(note));
	xs_port_events_close(x->events);
	xs_dp_close(x->dp);
	bpf_object__close(x->obj);
	if (!keep && x->pin_dir[0])
		xs_dp_unpin(x->pin_dir);
	free(x->ports);
	free(x);
}

static int xdp_port_add(struct xs_dpif *d, const char *name, uint32_t flags, uint32_t *port,
			char *note, size_t note_size, char *why, size_t why_size)
{
	struct dpif_xdp *x = cast(d);
	struct xs_port_hw hw;
	size_t used;
	int err;

	if (x->n_ports == x->cap_ports) {
		size_t cap = x->cap_ports ? 2 * x->cap_ports : 16;
		struct xs_port_hw *v = realloc(x->ports, cap * sizeof(*v));

		if (!v) {
			snprintf(why, why_size, "out of memory");
			return -ENOMEM;
		}
		x->ports = v;
		x->cap_ports = cap;
	}
	if (x->n_ports >= XS_MAX_PORTS) {
		snprintf(why, why_size, "the datapath has %d ports already", XS_MAX_PORTS);
		return -ENOSPC;
	}
	/* Before attaching: a second attach would replace our own program. */
	if (find_port(x, if_nametoindex(name))) {
		snprintf(why, why_size, "'%s' is already a port of the datapath", name);
		return -EEXIST;
	}
	err = xs_port_hw_attach(&x->hw_cfg, name, flags & XS_DPIF_PORT_F_FORCE, &hw, note,
				note_size, why, why_size);
	if (err)
		return err;
	if (flags & XS_DPIF_PORT_F_OWNS_QDISC)
		hw.tc.created_qdisc = true;
	err = x->dp ? xs_dp_port_add(x->dp, (uint32_t)hw.ifindex) : 0;
	if (err) {
		snprintf(why, why_size, "adding ifindex %d to the output ports: %s", hw.ifindex,
			 strerror(-err));
		xs_port_hw_detach(&hw, note, note_size);
		return err;
	}
	used = strlen(note);
	if (hw.xdp.how == XS_XDP_HOW_LIBXDP_LEGACY && !x->noted_no_dispatcher && used < note_size) {
		snprintf(note + used, note_size - used, "%slibxdp's multi-program dispatcher "
			 "cannot load here (libbpf's messages above); libxdp attaches the "
			 "program alone", used ? "; " : "");
		x->noted_no_dispatcher = true;
	}
	x->ports[x->n_ports++] = hw;
	*port = (uint32_t)hw.ifindex;
	if (x->offload) {
		xs_offload_port_add(x->offload, (uint32_t)hw.ifindex, hw.name);
		offload_ports(x);
	}
	return 0;
}

static int xdp_port_del(struct xs_dpif *d, uint32_t port, char *note, size_t note_size)
{
	struct dpif_xdp *x = cast(d);
	struct xs_port_hw *p = find_port(x, port);
	int err;

	note[0] = '\0';
	if (!p)
		return -ENOENT;
	/* Our filters go; without offload now, those an offloading agent
	 * that died left (--cleanup after a SIGKILL) go too. */
	if (x->offload)
		xs_offload_port_del(x->offload, port);
	else if (x->dp)
		xs_offload_sweep(NULL, port);
	if (x->dp)
		xs_dp_port_del(x->dp, port);
	err = xs_port_hw_detach(p, note, note_size);
	*p = x->ports[--x->n_ports];
	offload_ports(x);
	return err;
}

static uint32_t xdp_port_flags(struct xs_dpif *d, uint32_t port)
{
	const struct xs_port_hw *p = find_port(cast(d), port);

	return p && p->tc.created_qdisc ? XS_DPIF_PORT_F_OWNS_QDISC : 0;
}

static void xdp_port_show(struct xs_dpif *d, uint32_t port, struct xs_ctl_buf *out, bool json)
{
	struct dpif_xdp *x = cast(d);
	const struct xs_port_hw *p = find_port(x, port);

	if (p)
		xs_port_hw_describe(p, out, json);
	if (p && x->offload)
		xs_offload_port_show(x->offload, port, out, json);
}

/* A veth peer gains or loses its XDP program or GRO at any time: the
 * ports the kernel's notifications name are probed again (all of them
 * when some notifications were lost, or when there are none to read). */
static int xdp_ports_refresh(struct xs_dpif *d, uint32_t *changed, size_t max)
{
	struct dpif_xdp *x = cast(d);
	uint32_t named[256];
	bool all = !x->events;
	size_t n = 0;
	int n_named = 0;

	if (x->events) {
		n_named = xs_port_events_read(x->events, named, 256, &all);
		if (n_named < 0) {
			all = true;
			n_named = 0;
		}
	}
	for (size_t i = 0; i < x->n_ports; i++) {
		struct xs_port_hw *p = &x->ports[i];
		bool probe = all;

		for (int k = 0; k < n_named && !probe; k++)
			probe = named[k] == (uint32_t)p->ifindex;
		if (probe && xs_port_hw_reprobe(p) && n < max)
			changed[n++] = (uint32_t)p->ifindex;
	}
	return (int)n;
}

static int xdp_ports_fd(struct xs_dpif *d)
{
	return xs_port_events_fd(cast(d)->events);
}

/* After an adoption: the megaflows a previous agent installed are offered
 * to the hardware like new ones. */
static void offload_adopted(struct dpif_xdp *x)
{
	struct xs_dp_flow f;
	uint32_t pos = 0;

	while (x->offload && xs_dp_flow_next(x->dp, &pos, &f) == 1)
		xs_offload_flow_put(x->offload, f.handle, &f.key, &f.mask, f.actions,
				    f.n_actions);
}

static int xdp_ports_sync(struct xs_dpif *d, const uint32_t *ports, size_t n)
{
	struct dpif_xdp *x = cast(d);
	int ret = x->dp ? xs_dp_ports_sync(x->dp, ports, n) : 0;

	if (x->dp)
		offload_adopted(x);
	return ret;
}

static int evict_cold_mask(struct xs_dpif *d, uint32_t port, const struct xs_flow_key *mask);

static int xdp_flow_put(struct xs_dpif *d, const struct xs_flow_key *key,
			const struct xs_flow_key *mask, const struct xs_action *actions,
			uint16_t n_actions, struct xs_flow_handle *out)
{
	struct dpif_xdp *x = cast(d);
	int err;

	if (n_actions > XS_MAX_ACTIONS || (n_actions && !actions))
		return -EINVAL;
	err = xs_dp_flow_install(x->dp, key, mask, actions, n_actions,
				 stage_flags(x, actions, n_actions), out);
	/* The port is at its mask budget: a cold mask of its own makes room. */
	if (err == -EDQUOT && !evict_cold_mask(d, key->in_port, mask))
		err = xs_dp_flow_install(x->dp, key, mask, actions, n_actions,
					 stage_flags(x, actions, n_actions), out);
	/* In XDP first: whatever the hardware says, the megaflow runs. */
	if (!err && x->offload)
		xs_offload_flow_put(x->offload, *out, key, mask, actions, n_actions);
	return err;
}

static void xdp_flow_put_batch(struct xs_dpif *d, struct xs_dpif_put *puts, size_t n)
{
	struct dpif_xdp *x = cast(d);
	struct xs_dp_put *dp_puts = calloc(n, sizeof(*dp_puts));
	size_t i;

	if (!dp_puts) {
		for (i = 0; i < n; i++)
			puts[i].err = -ENOMEM;
		return;
	}
	for (i = 0; i < n; i++) {
		dp_puts[i] = (struct xs_dp_put){ .key = puts[i].key, .mask = puts[i].mask,
						 .actions = puts[i].actions,
						 .n_actions = puts[i].n_actions };
		if (puts[i].n_actions > XS_MAX_ACTIONS || (puts[i].n_actions && !puts[i].actions))
			dp_puts[i].key = NULL; /* refused as -EINVAL */
		else
			dp_puts[i].flags = stage_flags(x, puts[i].actions, puts[i].n_actions);
	}
	xs_dp_flow_install_batch(x->dp, dp_puts, n);
	for (i = 0; i < n; i++) {
		puts[i].err = dp_puts[i].err;
		puts[i].handle = dp_puts[i].handle;
		/* What a batch cannot do, the single install does: a port at its
		 * mask budget retires a cold mask, and a flow whose hash ways are
		 * all taken goes in under the exact mask. */
		if ((puts[i].err == -EDQUOT && !evict_cold_mask(d, puts[i].key->in_port,
								puts[i].mask)) ||
		    puts[i].err == -EADDRINUSE)
			puts[i].err = xs_dp_flow_install(x->dp, puts[i].key, puts[i].mask,
							 puts[i].actions, puts[i].n_actions,
							 dp_puts[i].flags, &puts[i].handle);
		/* In XDP first: whatever the hardware says, the megaflow runs. */
		if (!puts[i].err && x->offload)
			xs_offload_flow_put(x->offload, puts[i].handle, puts[i].key, puts[i].mask,
					    puts[i].actions, puts[i].n_actions);
	}
	free(dp_puts);
}

static int xdp_flow_modify(struct xs_dpif *d, struct xs_flow_handle *h,
			   const struct xs_action *actions, uint16_t n_actions)
{
	struct dpif_xdp *x = cast(d);
	struct xs_flow_handle old = *h;
	int err;

	if (n_actions > XS_MAX_ACTIONS || (n_actions && !actions))
		return -EINVAL;
	err = xs_dp_flow_modify(x->dp, h, actions, n_actions, stage_flags(x, actions, n_actions));
	/* The filter is replaced (or removed) before the caller answers. */
	if (!err && x->offload)
		xs_offload_flow_modify(x->offload, old, *h, actions, n_actions);
	return err;
}

static int xdp_flow_del(struct xs_dpif *d, struct xs_flow_handle h, struct xs_flow_stats *final)
{
	struct dpif_xdp *x = cast(d);
	struct xs_flow_stats hw = { 0 };
	int err;

	/* Out of the hardware first, so no packet runs the old actions there
	 * once the megaflow is gone from XDP. */
	if (x->offload)
		xs_offload_flow_del(x->offload, h, &hw);
	err = xs_dp_flow_remove(x->dp, h, final);
	if (!err && final) {
		final->packets += hw.packets;
		final->bytes += hw.bytes;
	}
	return err;
}

/* Retires the coldest mask @port created for @mask, with its megaflows
 * (out of the hardware too): 0, or -ENOENT (see xs_dp_mask_retire_cold). */
static int evict_cold_mask(struct xs_dpif *d, uint32_t port, const struct xs_flow_key *mask)
{
	struct xs_flow_handle *h;
	uint32_t n;
	int err = xs_dp_mask_retire_cold(cast(d)->dp, port, mask, &h, &n);

	if (err)
		return err;
	for (uint32_t i = 0; i < n; i++)
		xdp_flow_del(d, h[i], NULL);
	free(h);
	return 0;
}

static void to_dpif_flow(const struct dpif_xdp *x, const struct xs_dp_flow *f,
			 struct xs_dpif_flow *out)
{
	out->handle = f->handle;
	out->key = f->key;
	out->mask = f->mask;
	out->n_actions = f->n_actions;
	memcpy(out->actions, f->actions, f->n_actions * sizeof(f->actions[0]));
	out->installed_ns = f->installed_ns;
	out->stage = f->flags & XS_MF_F_XDP ? "xdp" : "tc";
	out->restage = stage_flags(x, f->actions, f->n_actions) != (f->flags & XS_MF_F_XDP);
	out->offload_dp = out->offload_reason = NULL;
	if (x->offload)
		xs_offload_flow_state(x->offload, f->handle, &out->offload_dp,
				      &out->offload_reason);
}

static int xdp_flow_get(struct xs_dpif *d, struct xs_flow_handle h, struct xs_dpif_flow *out)
{
	struct dpif_xdp *x = cast(d);
	struct xs_dp_flow f;
	int err = xs_dp_flow_get(x->dp, h, &f);

	if (!err)
		to_dpif_flow(x, &f, out);
	return err;
}

static int xdp_flow_find(struct xs_dpif *d, const struct xs_flow_key *key,
			 const struct xs_flow_key *mask, struct xs_flow_handle *out)
{
	return xs_dp_flow_find(cast(d)->dp, key, mask, out);
}

static int xdp_flow_next(struct xs_dpif *d, uint32_t *pos, struct xs_dpif_flow *out)
{
	struct dpif_xdp *x = cast(d);
	struct xs_dp_flow f;
	int ret = xs_dp_flow_next(x->dp, pos, &f);

	if (ret == 1)
		to_dpif_flow(x, &f, out);
	return ret;
}

/* Megaflows read at once in a batch from this many on: below it, reading
 * every slot up to the highest costs more than one lookup each. */
#define STATS_BATCH_FROM 64

static int xdp_flow_stats(struct xs_dpif *d, const struct xs_flow_handle *h, size_t n,
			  struct xs_flow_stats *out, int *errs)
{
	struct dpif_xdp *x = cast(d);

	if (n >= STATS_BATCH_FROM && !xs_dp_flow_stats_batch(x->dp, h, n, out, errs))
		goto hw;
	for (size_t i = 0; i < n; i++) {
		int err = xs_dp_flow_stats(x->dp, h[i], &out[i]);

		if (err)
			memset(&out[i], 0, sizeof(out[i]));
		if (errs)
			errs[i] = err;
	}
hw:
	/* What the hardware ran never reached XDP: it adds. */
	for (size_t i = 0; x->offload && i < n; i++)
		if (!errs || !errs[i])
			xs_offload_flow_add_stats(x->offload, h[i], &out[i]);
	return 0;
}

static uint32_t xdp_flow_count(struct xs_dpif *d)
{
	return xs_dp_flow_count(cast(d)->dp);
}

static uint32_t xdp_max_flows(struct xs_dpif *d)
{
	return xs_dp_max_flows(cast(d)->dp);
}

static int xdp_execute(struct xs_dpif *d, uint32_t in_port, const void *pkt, size_t len,
		       struct xs_flow_handle h, const struct xs_action *actions,
		       uint16_t n_actions)
{
	struct dpif_xdp *x = cast(d);
	const struct xs_dp_flow *f = h.gen ? xs_dp_flow_peek(x->dp, h) : NULL;
	struct xs_flow_stats credit;

	/* Rewrites and outputs run here, the rest in the fast path's
	 * executor; a megaflow's counters get the packet either way. */
	if (x->uexec && (f || !h.gen) &&
	    !xs_xdp_exec_run(x->uexec, in_port, pkt, len, f ? f->actions : actions,
			     f ? f->n_actions : n_actions, &credit)) {
		if (f)
			xs_dp_flow_credit(x->dp, h, &credit);
		return 0;
	}
	if (h.gen)
		return xs_dp_execute(x->dp, in_port, pkt, len, h);
	return xs_dp_execute_actions(x->dp, in_port, pkt, len, actions, n_actions,
				     stage_flags(x, actions, n_actions));
}

static void xdp_execute_defer(struct xs_dpif *d, bool on)
{
	struct dpif_xdp *x = cast(d);

	if (x->uexec)
		xs_xdp_exec_defer(x->uexec, on);
}

static int xdp_recv_fd(struct xs_dpif *d)
{
	return xs_dp_upcall_fd(cast(d)->dp);
}

static int xdp_recv(struct xs_dpif *d, unsigned max, xs_dpif_upcall_cb cb, void *ctx)
{
	return xs_dp_upcall_consume(cast(d)->dp, max, (xs_dp_upcall_cb)cb, ctx);
}

static void xdp_run(struct xs_dpif *d)
{
	xs_dp_masks_rank(cast(d)->dp, NULL);
	xs_dp_grace_if_needed(cast(d)->dp);
	if (cast(d)->offload)
		xs_offload_run(cast(d)->offload);
}

/* pmd-stats-show style: where packets were found. */
/* The datapath's counters, with the packets re-injected in userspace
 * counted where xs_tc_exec would have counted them (reinject,
 * action_drop). */
static int read_stats(struct dpif_xdp *x, uint64_t st[XS_STAT__MAX])
{
	uint64_t run, sent, failed, dropped;
	int err = xs_dp_stats_read(x->dp, st);

	if (err || !x->uexec)
		return err;
	xs_xdp_exec_counts(x->uexec, &run, &sent, &failed, &dropped);
	st[XS_STAT_REINJECT] += run;
	st[XS_STAT_ACTION_DROP] += dropped;
	return 0;
}

static void xdp_show(struct xs_dpif *d, struct xs_ctl_buf *out, bool json)
{
	struct dpif_xdp *x = cast(d);
	uint64_t st[XS_STAT__MAX];

	if (read_stats(x, st))
		memset(st, 0, sizeof(st));
	if (json) {
		xs_ctl_printf(out, ", \"megaflows\": %u, \"max_megaflows\": %u, \"masks\": %u, "
			      "\"masks_per_hit\": %.2f, \"hash_collisions\": %" PRIu64 ", "
			      "\"collisions_exact\": %" PRIu64 ", "
			      "\"masks_refused\": %" PRIu64 ", \"masks_evicted\": %" PRIu64
			      ", \"pin_dir\": \"%s\"",
			      xs_dp_flow_count(x->dp), xs_dp_max_flows(x->dp),
			      xs_dp_mask_count(x->dp), xs_dp_stats_masks_per_hit(st),
			      xs_dp_hash_collisions(x->dp), xs_dp_collisions_exact(x->dp),
			      xs_dp_masks_refused(x->dp, NULL), xs_dp_masks_evicted(x->dp),
			      x->pin_dir);
		if (x->offload)
			xs_offload_show(x->offload, out, true);
		xs_ctl_printf(out, ", \"counters\": {");
		for (unsigned int i = 0; i < XS_STAT__MAX; i++)
			xs_ctl_printf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", xs_dp_stat_name(i),
				      st[i]);
		xs_ctl_printf(out, "}");
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
	xs_ctl_printf(out, "  hash collisions: %" PRIu64 " (each served in a further way; "
		      "%" PRIu64 " with every way taken, under the exact mask)\n",
		      xs_dp_hash_collisions(x->dp), xs_dp_collisions_exact(x->dp));
	uint32_t budget;
	uint64_t refused = xs_dp_masks_refused(x->dp, &budget);
	xs_ctl_printf(out, "  masks per port: at most %u; megaflows refused over it: %" PRIu64
		      "; cold masks evicted for new ones: %" PRIu64 "\n", budget, refused,
		      xs_dp_masks_evicted(x->dp));
	uint64_t grace_ns, graces = xs_dp_graces(x->dp, &grace_ns);
	xs_ctl_printf(out, "  grace periods: %" PRIu64 " (%.1f ms each on average)\n", graces,
		      graces ? grace_ns / 1e6 / graces : 0.0);
	uint64_t urun = 0, usent = 0, ufailed = 0, udropped;
	if (x->uexec)
		xs_xdp_exec_counts(x->uexec, &urun, &usent, &ufailed, &udropped);
	xs_ctl_printf(out, "  re-injected in userspace: %" PRIu64 " (%" PRIu64 " frames sent, %"
		      PRIu64 " refused)%s\n", urun, usent, ufailed,
		      x->uexec ? "" : "; no packet socket, all by test runs");
	xs_ctl_printf(out, "  maps: %s (bpftool map dump pinned %s/xs_megaflows)\n",
		      x->pin_dir, x->pin_dir);
	if (x->offload)
		xs_offload_show(x->offload, out, false);
	xs_ctl_printf(out, "counters:");
	for (unsigned int i = 0; i < XS_STAT__MAX; i++)
		xs_ctl_printf(out, " %s=%" PRIu64, xs_dp_stat_name(i), st[i]);
	xs_ctl_printf(out, "\n");
}

static size_t xdp_counters(struct xs_dpif *d, struct xs_dpif_counter *out, size_t max)
{
	uint64_t st[XS_STAT__MAX];
	size_t n = 0;

	if (read_stats(cast(d), st))
		return 0;
	for (unsigned int i = 0; i < XS_STAT__MAX && n < max; i++, n++)
		out[n] = (struct xs_dpif_counter){ xs_dp_stat_name(i), xs_dp_stat_desc(i), st[i] };
	return n;
}

/* The object provider: @cfg->object's first XDP and first TC program are
 * attached to the ports; no megaflows (development, attach tests). */
static int object_open(const struct xs_dpif_config *cfg, struct xs_dpif **out, char *why,
		       size_t why_size)
{
	struct bpf_program *prog;
	struct dpif_xdp *x;
	int err;

	err = xs_bpf_env_prepare(cfg->verbose, why, why_size);
	if (err)
		return err;
	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	x->up.cls = &xs_dpif_object;
	x->hw_cfg.xdp_fd = x->hw_cfg.tc_fd = -1;
	if (xs_port_events_open(&x->events))
		x->events = NULL;
	x->hw_cfg.bridge = x->bridge;
	configure_ports(x, cfg);
	x->obj = bpf_object__open_file(cfg->object, NULL);
	err = libbpf_get_error(x->obj);
	if (err) {
		x->obj = NULL;
		snprintf(why, why_size, "cannot open %s: %s", cfg->object, strerror(-err));
		goto fail;
	}
	err = bpf_object__load(x->obj);
	if (err) {
		snprintf(why, why_size, "cannot load %s: %s", cfg->object, strerror(-err));
		goto fail;
	}
	bpf_object__for_each_program(prog, x->obj) {
		enum bpf_prog_type t = bpf_program__type(prog);

		if (t == BPF_PROG_TYPE_XDP && x->hw_cfg.xdp_fd < 0)
			x->hw_cfg.xdp_fd = bpf_program__fd(prog);
		if (t == BPF_PROG_TYPE_SCHED_CLS && x->hw_cfg.tc_fd < 0)
			x->hw_cfg.tc_fd = bpf_program__fd(prog);
	}
	if (x->hw_cfg.xdp_fd < 0) {
		snprintf(why, why_size, "%s has no XDP program", cfg->object);
		err = -ENOENT;
		goto fail;
	}
	*out = &x->up;
	return 0;
fail:
	bpf_object__close(x->obj);
	free(x);
	return err;
}

struct xs_dp *xs_dpif_xdp_dp(struct xs_dpif *d)
{
	return d && d->cls == &xs_dpif_xdp ? cast(d)->dp : NULL;
}

const struct xs_dpif_class xs_dpif_object = {
	.type = "object",
	.prepare = xs_bpf_env_prepare,
	.open = object_open,
	.close = xdp_close,
	.port_add = xdp_port_add,
	.port_del = xdp_port_del,
	.port_flags = xdp_port_flags,
	.port_show = xdp_port_show,
	.ports_refresh = xdp_ports_refresh,
	.ports_fd = xdp_ports_fd,
	.ports_sync = xdp_ports_sync,
};

const struct xs_dpif_class xs_dpif_xdp = {
	.type = "xdp",
	.outlives_agent = true,
	.prepare = xs_bpf_env_prepare,
	.open = xdp_open,
	.close = xdp_close,
	.port_add = xdp_port_add,
	.port_del = xdp_port_del,
	.port_flags = xdp_port_flags,
	.port_show = xdp_port_show,
	.ports_refresh = xdp_ports_refresh,
	.ports_fd = xdp_ports_fd,
	.ports_sync = xdp_ports_sync,
	.flow_put = xdp_flow_put,
	.flow_put_batch = xdp_flow_put_batch,
	.flow_modify = xdp_flow_modify,
	.flow_del = xdp_flow_del,
	.flow_get = xdp_flow_get,
	.flow_find = xdp_flow_find,
	.flow_next = xdp_flow_next,
	.flow_stats = xdp_flow_stats,
	.flow_count = xdp_flow_count,
	.max_flows = xdp_max_flows,
	.execute = xdp_execute,
	.execute_defer = xdp_execute_defer,
	.recv_fd = xdp_recv_fd,
	.recv = xdp_recv,
	.run = xdp_run,
	.show = xdp_show,
	.counters = xdp_counters,
};
