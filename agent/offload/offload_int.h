// SPDX-License-Identifier: Apache-2.0
/* The offload layer's own state, shared by its files: offload.c (ports,
 * megaflow events, counters), offload_tc.c (flower filters: priorities,
 * install, replace, delete, counters, sweep), offload_show.c (names,
 * `show`). Not for use outside agent/offload/. */
#ifndef XS_OFFLOAD_OFFLOAD_INT_H
#define XS_OFFLOAD_OFFLOAD_INT_H

#include <net/if.h>

#include "agent/offload/flower.h"
#include "agent/offload/flower_nl.h"
#include "agent/offload/offload.h"
#include "agent/offload/tc_sock.h"
#include "agent/offload/xdp_hw.h"

#define MAX_REASONS 64    /* distinct refusal texts kept (the rest: "other") */
#define MAX_PORT_FAILS 16 /* distinct reasons counted per port */

enum mf_where { MF_NONE = 0, MF_TC, MF_XDP_HW };

struct mf_rec {
	uint32_t gen;              /* 0: slot unused */
	enum mf_where where;
	const char *reason;        /* interned; why not offloaded */
	struct xs_flow_key key, mask;
	struct xs_fl_where tc;     /* MF_TC */
	uint16_t prio_idx;
	struct xs_hw_key hk, hm;   /* MF_XDP_HW */
	uint64_t packets, bytes;   /* the hardware's, current filter/entry */
	uint64_t carry_packets, carry_bytes; /* of replaced filters */
	uint64_t used_ns;
};

struct port_fail {
	const char *reason;
	uint64_t count;
};

struct off_port {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	char driver[32];
	int tc_feature;            /* 1 on, 0 off, -errno unknown */
	bool tc_available;
	bool clsact, created_clsact;
	bool use_tc, use_xdp_hw;
	char tc_why[160];          /* why TC is not used */
	char xdp_hw_why[240];      /* why hardware XDP is not used */
	struct xs_xdp_hw *xhw;
	uint32_t n_tc, n_xdp_hw;   /* megaflows offloaded here */
	struct port_fail fails[MAX_PORT_FAILS];
	unsigned n_fails;
	uint64_t fails_other;
};

struct prio_ent {
	struct xs_flow_key mask;
	uint16_t protocol;
	uint32_t refs;
};

struct xs_offload {
	struct xs_offload_cfg cfg;
	struct xs_tc_sock *sock;
	struct off_port *ports;
	size_t n_ports, cap_ports;
	uint32_t *bridge_ports;
	size_t n_bridge_ports;
	struct mf_rec **recs;      /* by slot */
	size_t n_recs;
	struct prio_ent *prios;
	size_t n_prios;
	char *reasons[MAX_REASONS];
	unsigned n_reasons;
	uint64_t stats_ms;         /* when counters were last read */
	char nlbuf[XS_FL_NL_BUF];
};

/* A dump's target: every megaflow of the port, or @only. */
struct dump_ctx {
	struct xs_offload *o;
	struct mf_rec *only;
};

/* Logs through the configured hook. */
void xs_off_log(struct xs_offload *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One copy of each reason text, so ports and megaflows can point at it. */
const char *xs_off_intern(struct xs_offload *o, const char *text);
struct off_port *xs_off_port(struct xs_offload *o, uint32_t ifindex);
/* A refusal on @p (may be NULL): "WHAT: REASON", interned; logged the
 * first time per port and reason, counted always. */
const char *xs_off_refused(struct xs_offload *o, struct off_port *p, const char *what,
			   const char *reason);
/* The kernel's answer to @nlh (tc_sock.h's contract), or the stand-in's. */
int xs_off_request(struct xs_offload *o, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   char *ext, size_t ext_size);

/* offload_tc.c. install: adds (or, @replace, replaces) @r's filter for
 * @f with @handle; sets r->where or r->reason. remove: reads the filter's
 * last counters, deletes it. read_one: its counters into @r. read_port:
 * the counters of every filter of port @p. */
int xs_off_tc_install(struct xs_offload *o, struct off_port *p, struct mf_rec *r,
		      const struct xs_flower *f, uint32_t handle, bool replace);
void xs_off_tc_remove(struct xs_offload *o, struct off_port *p, struct mf_rec *r);
void xs_off_tc_read_one(struct xs_offload *o, struct mf_rec *r);
void xs_off_tc_read_port(struct xs_offload *o, struct off_port *p);

#endif
