// SPDX-License-Identifier: Apache-2.0
/* The datapath interface: what the bridge layer (translation, miss
 * handling, revalidation, rule statistics, dumps) asks of a datapath, in
 * the spirit of Open vSwitch's dpif. The bridge is written once against
 * it; providers decide how a megaflow runs.
 *
 * Providers:
 *   xs_dpif_xdp    the switch's fast path (agent/dpif/dpif_xdp.c over
 *                  agent/datapath/dp.h): megaflows in BPF maps, run in XDP
 *                  or in the TC stage, floods as a devmap broadcast or a
 *                  TC loop, misses from a ringbuf, re-injection by a test
 *                  run. It alone decides the stage of each megaflow, and
 *                  (--hw-offload, agent/offload/offload.h) which also run
 *                  in the NIC.
 *   xs_dpif_dummy  userspace (agent/dpif/dpif_dummy.c): megaflows in a
 *                  hash table of the agent, packets injected by a command
 *                  and outputs recorded; no root, no BPF, no interfaces.
 *
 * Vocabulary. A datapath port is a number the provider gives meaning to
 * (the XDP provider: an ifindex); the bridge maps OpenFlow port numbers to
 * it. A megaflow is {key & mask -> actions}, the actions' outputs naming
 * datapath ports; XS_OUT_F_BROADCAST (one action) floods to every port but
 * the ingress one, however many there are. A handle {slot, gen} names an
 * installed megaflow until it is removed or modified (a modify gives a new
 * handle); gen 0 is never a live handle.
 *
 * A provider without megaflows (the "object" provider: a BPF object's
 * programs attached to the ports, for development) leaves flow_put and
 * the other megaflow, execute and upcall hooks NULL.
 *
 * Every function returns 0 or -errno unless it says otherwise, prints
 * nothing, and is called from one thread. */
#ifndef XS_AGENT_DPIF_H
#define XS_AGENT_DPIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/control/proto.h"
#include "xdpswitch/datapath.h"

struct xs_dpif;

/* Port flags: port_add's @flags, and what port_flags() asks to save. */
#define XS_DPIF_PORT_F_FORCE 0x1      /* take the port from a foreign program
                                       * or filter (or another bridge) */
#define XS_DPIF_PORT_F_OWNS_QDISC 0x2 /* the port's TC qdisc is ours (made
                                       * by an earlier run): removing the
                                       * port removes it */

/* One installed megaflow. */
struct xs_dpif_flow {
	struct xs_flow_handle handle;
	struct xs_flow_key key;  /* already masked; mask_id 0 */
	struct xs_flow_key mask; /* mask_id 0 */
	uint16_t n_actions;
	const char *stage;       /* where it runs: "xdp", "tc", "userspace" */
	bool restage;            /* the provider would run it elsewhere now (a
	                          * port's caps changed): a flow_modify with the
	                          * same actions moves it */
	uint64_t installed_ns;   /* CLOCK_MONOTONIC at install (or adoption) */
	/* Hardware offload: NULL offload_dp and NULL offload_reason when the
	 * provider offloads nothing (off); else where it runs in hardware
	 * ("tc", "xdp-hw") or why it does not. */
	const char *offload_dp;
	const char *offload_reason;
	struct xs_action actions[XS_MAX_ACTIONS];
};

/* The agent's --miss-rate unless told otherwise, per online CPU: a port's
 * packets usually arrive on one CPU (one receive queue per flow), so an
 * even split of one per-port figure over the CPUs (what --miss-rate N
 * means) would cap such a port at N / CPUs. Per CPU it is about the most
 * one agent thread handles per CPU second (about 220k misses a second in
 * the bench's mix, 125k when every one installs a megaflow),
 * so the limiter never holds a port below the agent's capacity and still
 * sheds a flood (about 1 Mpps from one generator) in the fast path. */
#define XS_DPIF_DEFAULT_MISS_RATE_PER_CPU 200000

/* The per-port --miss-rate that gives each online CPU's bucket
 * XS_DPIF_DEFAULT_MISS_RATE_PER_CPU after the split. */
uint32_t xs_dpif_default_miss_rate(void);

struct xs_dpif_config {
	const char *bridge;   /* names pins, locks */
	uint32_t max_flows;   /* megaflows at most; 0: the provider's default */
	uint32_t miss_rate;   /* upcalls per second per port; 0: no limit */
	uint32_t miss_burst;  /* bucket depth in upcalls; 0: miss_rate */
	uint32_t mask_budget; /* masks one port may create; 0: the provider's
	                       * default */
	/* XDP provider only. */
	int xdp_mode;         /* enum xs_xdp_mode: auto, native, skb */
	bool no_libxdp;       /* attach with bpf_xdp_attach only */
	bool verbose;         /* libbpf's and libxdp's info messages too */
	const char *object;   /* the "object" provider: a BPF object file whose
	                       * first XDP and TC programs are attached */
	int hw_offload;       /* enum xs_hw_offload (agent/offload/offload.h) */
	int tc_policy;        /* enum xs_tc_policy */
	/* Where a provider's rare messages go (offload refusals, once per
	 * port and reason); may be NULL. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

/* Called per upcall; a negative return stops the receive, which returns it. */
typedef int (*xs_dpif_upcall_cb)(void *ctx, const struct xs_upcall *u);

/* One megaflow of flow_put_batch: flow_put's arguments and results. */
struct xs_dpif_put {
	const struct xs_flow_key *key, *mask;
	const struct xs_action *actions;
	uint16_t n_actions;
	struct xs_flow_handle handle; /* out, when err is 0 */
	int err;                      /* out: 0 or flow_put's -errno */
};

/* A port's traffic as a provider whose ports are not interfaces counts
 * it (the dummy datapath); the XDP provider's ports are interfaces, whose
 * kernel counters the bridge reads (agent/ops/iface_stats.h). */
struct xs_dpif_port_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
};

/* One named counter of the whole datapath. */
struct xs_dpif_counter {
	const char *name;
	const char *help;
	uint64_t value;
};

struct xs_dpif_class {
	const char *type; /* "xdp", "dummy" */
	/* The fast path keeps forwarding when the agent stops and a new agent
	 * adopts its megaflows. */
	bool outlives_agent;

	/* Can the provider run in this process at all (permissions, mounts)?
	 * Called before anything is locked or opened; may be NULL. */
	int (*prepare)(bool verbose, char *why, size_t why_size);
	int (*open)(const struct xs_dpif_config *cfg, struct xs_dpif **out, char *why,
		    size_t why_size);
	/* @keep: leave the fast path running for the next agent (only for
	 * outlives_agent providers). */
	void (*close)(struct xs_dpif *dpif, bool keep);

	/* Ports. port_add makes @name a port (the XDP provider attaches its
	 * programs to that interface; a userspace provider takes any name)
	 * and gives its datapath number in *@port; @note gets what the log
	 * should say ("" if nothing), @why the error: -ENODEV (no such
	 * interface), -EBUSY (taken; XS_DPIF_PORT_F_FORCE takes it), -errno;
	 * on error nothing changes. port_del undoes it (@note: what failed on
	 * the way, the port is gone anyway). port_flags: XS_DPIF_PORT_F_* to
	 * save with the port and give back to port_add after a restart.
	 * port_show: how the port is served, text or JSON members (no
	 * braces). ports_refresh: probes every port again and puts the ports
	 * whose service changed in @changed (at most @max), returning how
	 * many; their megaflows then say restage. ports_fd: readable when
	 * something about the ports may have changed (then call
	 * ports_refresh); NULL or -1: nothing tells, call ports_refresh about
	 * once a second. ports_sync: the ports are
	 * exactly @ports now (after an adoption); returns how many stale
	 * ones it dropped. */
	int (*port_add)(struct xs_dpif *dpif, const char *name, uint32_t flags, uint32_t *port,
			char *note, size_t note_size, char *why, size_t why_size);
	int (*port_del)(struct xs_dpif *dpif, uint32_t port, char *note, size_t note_size);
	uint32_t (*port_flags)(struct xs_dpif *dpif, uint32_t port);
	void (*port_show)(struct xs_dpif *dpif, uint32_t port, struct xs_ctl_buf *out, bool json);
	int (*ports_refresh)(struct xs_dpif *dpif, uint32_t *changed, size_t max);
	int (*ports_fd)(struct xs_dpif *dpif);
	int (*ports_sync)(struct xs_dpif *dpif, const uint32_t *ports, size_t n);

	/* Megaflows. put: -EEXIST (same masked key and mask installed),
	 * -EADDRINUSE (the provider cannot hold it beside another of the same
	 * mask), -ENOSPC (full), -EINVAL (a bad list); on error nothing
	 * changes. modify: new actions, counters kept, *h updated. del: @final
	 * (may be NULL) gets the last counters. */
	int (*flow_put)(struct xs_dpif *dpif, const struct xs_flow_key *key,
			const struct xs_flow_key *mask, const struct xs_action *actions,
			uint16_t n_actions, struct xs_flow_handle *out);
	/* @n puts as @n flow_put calls in that order would do them (each
	 * result in puts[i].err and .handle), in fewer syscalls where the
	 * provider can; NULL: xs_dpif_flow_put_batch calls flow_put. */
	void (*flow_put_batch)(struct xs_dpif *dpif, struct xs_dpif_put *puts, size_t n);
	int (*flow_modify)(struct xs_dpif *dpif, struct xs_flow_handle *h,
			   const struct xs_action *actions, uint16_t n_actions);
	int (*flow_del)(struct xs_dpif *dpif, struct xs_flow_handle h,
			struct xs_flow_stats *final);
	int (*flow_get)(struct xs_dpif *dpif, struct xs_flow_handle h, struct xs_dpif_flow *out);
	int (*flow_find)(struct xs_dpif *dpif, const struct xs_flow_key *key,
			 const struct xs_flow_key *mask, struct xs_flow_handle *out);
	/* Dump: *pos = 0 to start; returns 1 with *out filled, 0 at the end. */
	int (*flow_next)(struct xs_dpif *dpif, uint32_t *pos, struct xs_dpif_flow *out);
	/* Counters of @n megaflows at once (a batched read where the provider
	 * can); a handle no longer installed gets -ENOENT in @errs[i] (may be
	 * NULL: such entries are zeroed). */
	int (*flow_stats)(struct xs_dpif *dpif, const struct xs_flow_handle *h, size_t n,
			  struct xs_flow_stats *out, int *errs);
	uint32_t (*flow_count)(struct xs_dpif *dpif);
	uint32_t (*max_flows)(struct xs_dpif *dpif);

	/* Sends @pkt as if it had arrived on @in_port, with the actions of
	 * installed megaflow @h (gen != 0), or with @actions when @h.gen is 0
	 * (a packet whose megaflow is not installed). */
	int (*execute)(struct xs_dpif *dpif, uint32_t in_port, const void *pkt, size_t len,
		       struct xs_flow_handle h, const struct xs_action *actions,
		       uint16_t n_actions);
	/* While on, execute may hold frames back to send them together
	 * (a batch of misses); off sends what is held. NULL: never held. */
	void (*execute_defer)(struct xs_dpif *dpif, bool on);

	/* Upcalls: an fd to poll (-1: none), and a receive that hands every
	 * waiting upcall to @cb, at most @max of them (0: all); returns how
	 * many or -errno. A provider may take more than @max. */
	int (*recv_fd)(struct xs_dpif *dpif);
	int (*recv)(struct xs_dpif *dpif, unsigned max, xs_dpif_upcall_cb cb, void *ctx);

	/* About once a second (e.g. mask ranking). */
	void (*run)(struct xs_dpif *dpif);
	/* Counters and state for `show`: text lines, or JSON members each
	 * starting with ", "; NULL: nothing to show. */
	void (*show)(struct xs_dpif *dpif, struct xs_ctl_buf *out, bool json);
	/* Datapath-wide counters (metrics, show --stats): fills up to @max,
	 * returns how many; NULL: none. Names are [a-z0-9_], fixed order. */
	size_t (*counters)(struct xs_dpif *dpif, struct xs_dpif_counter *out, size_t max);
	/* A port's traffic (dump-ports, metrics), for providers whose ports
	 * are not interfaces; NULL: the port's interface counters apply.
	 * Returns 0 or -ENOENT. */
	int (*port_stats)(struct xs_dpif *dpif, uint32_t port, struct xs_dpif_port_stats *out);

	/* Userspace providers only (NULL elsewhere): a frame arrives on
	 * @port (xdpswitch inject); the frames sent so far (dump-outputs). */
	int (*receive)(struct xs_dpif *dpif, uint32_t port, const void *frame, size_t len);
	void (*dump_outputs)(struct xs_dpif *dpif, struct xs_ctl_buf *out, bool json);
};

/* Every provider begins with this. */
struct xs_dpif {
	const struct xs_dpif_class *cls;
};

extern const struct xs_dpif_class xs_dpif_xdp;
extern const struct xs_dpif_class xs_dpif_object;
extern const struct xs_dpif_class xs_dpif_dummy;

/* Calls through the class, for the bridge's readability. */
static inline int xs_dpif_flow_put(struct xs_dpif *d, const struct xs_flow_key *key,
				   const struct xs_flow_key *mask,
				   const struct xs_action *actions, uint16_t n,
				   struct xs_flow_handle *out)
{
	return d->cls->flow_put(d, key, mask, actions, n, out);
}

static inline void xs_dpif_flow_put_batch(struct xs_dpif *d, struct xs_dpif_put *puts, size_t n)
{
	if (d->cls->flow_put_batch) {
		d->cls->flow_put_batch(d, puts, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		puts[i].err = d->cls->flow_put(d, puts[i].key, puts[i].mask, puts[i].actions,
					       puts[i].n_actions, &puts[i].handle);
}

static inline int xs_dpif_flow_modify(struct xs_dpif *d, struct xs_flow_handle *h,
				      const struct xs_action *actions, uint16_t n)
{
	return d->cls->flow_modify(d, h, actions, n);
}

static inline int xs_dpif_flow_del(struct xs_dpif *d, struct xs_flow_handle h,
				   struct xs_flow_stats *final)
{
	return d->cls->flow_del(d, h, final);
}

static inline int xs_dpif_flow_get(struct xs_dpif *d, struct xs_flow_handle h,
				   struct xs_dpif_flow *out)
{
	return d->cls->flow_get(d, h, out);
}

static inline int xs_dpif_flow_next(struct xs_dpif *d, uint32_t *pos, struct xs_dpif_flow *out)
{
	return d->cls->flow_next(d, pos, out);
}

static inline int xs_dpif_flow_stats(struct xs_dpif *d, const struct xs_flow_handle *h,
				     size_t n, struct xs_flow_stats *out, int *errs)
{
	return d->cls->flow_stats(d, h, n, out, errs);
}

static inline uint32_t xs_dpif_flow_count(struct xs_dpif *d)
{
	return d->cls->flow_count(d);
}

/* The provider named @type ("xdp", "dummy"), or NULL; the "object" provider
 * is chosen by its option (--datapath-object FILE), not by name. */
const struct xs_dpif_class *xs_dpif_class_by_type(const char *type);

#endif
