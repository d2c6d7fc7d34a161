// SPDX-License-Identifier: Apache-2.0
/* Hardware offload of megaflows, for the XDP provider (agent/dpif/
 * dpif_xdp.c), in Open vSwitch's model (other_config:hw-offload,
 * tc-policy, per-megaflow "offloaded" state).
 *
 * Every megaflow stays in the XDP fast path; offload is additive. When a
 * megaflow is installed, modified or removed, the provider calls this
 * layer, which on the megaflow's ingress port
 *   - in hardware XDP (xdp_hw.h): adds or removes a drop entry, when the
 *     megaflow drops and the port took the hardware-mode program;
 *   - in TC flower (flower.h, flower_nl.h): adds, replaces or deletes one
 *     filter, handle = slot + 1, priority one per {mask, protocol} (below
 *     the fast path's own TC filter), flags from --tc-policy;
 * before the call returns, so a table change is in force in hardware when
 * its command answers. What cannot be offloaded (not expressible, or
 * refused by the kernel) keeps running in XDP; the reason is kept per
 * megaflow. The first refusal per port and reason is logged through the
 * configured log hook, later ones are counted (show).
 *
 * Counters: the hardware's (flower action stats, TCA_STATS_BASIC_HW when
 * the kernel gives it, else all of a skip_sw filter's; the hardware XDP
 * drop counters) are read once per tick (xs_offload_run) and, when older
 * than XS_OFFLOAD_STATS_MAX_AGE_MS, on demand; they add to the megaflow's.
 *
 * Cleanup: a port's filters, its hardware-mode program and a clsact qdisc
 * this layer created go when the port is removed; all of them when the
 * layer is freed. Nothing else is touched.
 *
 * Functions print nothing (refusals go to the log hook). */
#ifndef XS_OFFLOAD_OFFLOAD_H
#define XS_OFFLOAD_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "agent/control/proto.h"
#include "xdpswitch/actions.h"
#include "xdpswitch/datapath.h"
#include "xdpswitch/flow_key.h"

enum xs_hw_offload {
	XS_HW_OFFLOAD_OFF = 0,
	XS_HW_OFFLOAD_TC,     /* flower filters on every port */
	XS_HW_OFFLOAD_XDP_HW, /* hardware-mode XDP drops on every port */
	XS_HW_OFFLOAD_AUTO,   /* each where the probe says it can work */
};

enum xs_tc_policy {
	XS_TC_POLICY_SKIP_SW = 0, /* the NIC does it, XDP is the software path */
	XS_TC_POLICY_SKIP_HW,
	XS_TC_POLICY_NONE,
};

#define XS_OFFLOAD_STATS_MAX_AGE_MS 200
/* Flower filter priorities: [BASE, BASE + MAX), before the fast path's
 * TC filter (agent/datapath/attach.h, XS_TC_PRIORITY 0x7853). */
#define XS_OFFLOAD_PRIO_BASE 0x7000
#define XS_OFFLOAD_PRIO_MAX 0x0800

/* "off", "tc", "xdp-hw", "auto" / "skip_sw", "skip_hw", "none": 0 or
 * -EINVAL. */
int xs_hw_offload_parse(const char *s, int *out);
int xs_tc_policy_parse(const char *s, int *out);
const char *xs_hw_offload_name(int mode);
const char *xs_tc_policy_name(int policy);

struct xs_offload_cfg {
	int mode;   /* enum xs_hw_offload, not OFF */
	int policy; /* enum xs_tc_policy */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	/* The kernel: NULL for rtnetlink (tc_sock.h); tests give a stand-in
	 * with xs_tc_sock_request's contract. */
	int (*request)(void *ctx, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *ext,
		       size_t ext_size);
	void *request_ctx;
};

struct xs_offload;

int xs_offload_new(const struct xs_offload_cfg *cfg, struct xs_offload **out);
/* Removes every filter, program and qdisc added, then frees. */
void xs_offload_free(struct xs_offload *o);

/* Probes a port the datapath took (driver, hw-tc-offload, clsact,
 * hardware-mode XDP) and decides what is used there; logs what it found
 * once. port_del removes what was added on the port. */
void xs_offload_port_add(struct xs_offload *o, uint32_t ifindex, const char *name);
void xs_offload_port_del(struct xs_offload *o, uint32_t ifindex);
/* Removes every flower filter at the offload priorities
 * [XS_OFFLOAD_PRIO_BASE, +XS_OFFLOAD_PRIO_MAX) of @ifindex's ingress hook:
 * what an agent that died (SIGKILL) left there. Those priorities are the
 * agent's. @o may be NULL (a socket of its own). Returns how many went,
 * or -errno. port_add does it first. */
int xs_offload_sweep(struct xs_offload *o, uint32_t ifindex);
/* Ports for a flood's outputs (the bridge's, as datapath ports). */
void xs_offload_set_ports(struct xs_offload *o, const uint32_t *ports, size_t n);

/* Megaflow events, after the fast path took them. modify: @old was
 * replaced by @h with new actions (same key and mask). */
void xs_offload_flow_put(struct xs_offload *o, struct xs_flow_handle h,
			 const struct xs_flow_key *key, const struct xs_flow_key *mask,
			 const struct xs_action *actions, uint16_t n_actions);
void xs_offload_flow_modify(struct xs_offload *o, struct xs_flow_handle old,
			    struct xs_flow_handle h, const struct xs_action *actions,
			    uint16_t n_actions);
/* Removes the megaflow's filter or entry; @final (may be NULL) gains its
 * hardware counters. */
void xs_offload_flow_del(struct xs_offload *o, struct xs_flow_handle h,
			 struct xs_flow_stats *final);

/* Where megaflow @h runs in hardware: true with *@dp ("tc", "xdp-hw"), or
 * false with *@reason. */
bool xs_offload_flow_state(struct xs_offload *o, struct xs_flow_handle h, const char **dp,
			   const char **reason);
/* Adds the hardware's counters of @h to @st (packets, bytes, used_ns). */
void xs_offload_flow_add_stats(struct xs_offload *o, struct xs_flow_handle h,
			       struct xs_flow_stats *st);

/* Once per tick: counters from the hardware. */
void xs_offload_run(struct xs_offload *o);

/* `show`: per port (text after the port's line, or JSON members without
 * braces) and for the bridge (lines, or JSON members each after ", "). */
void xs_offload_port_show(struct xs_offload *o, uint32_t ifindex, struct xs_ctl_buf *out,
			  bool json);
void xs_offload_show(struct xs_offload *o, struct xs_ctl_buf *out, bool json);

#endif
