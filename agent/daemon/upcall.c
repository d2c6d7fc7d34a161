// SPDX-License-Identifier: Apache-2.0
/* Misses from the fast path: batches of ringbuf records, each distinct key
 * translated through the OpenFlow tables, installed, and re-injected. */
#include "agent/daemon/dp_xs.h"
#include "agent/daemon/fdb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"

#include "agent/pipeline/xlate.h"
#include "common/ct_netlink.h"
#include "common/l4_csum.h"

#define CONTROLLER_LOG_MAX 20 /* controller packets logged, then counted */

/* Logs at most XS_MISS_LOG_BURST lines per window: a flood of bad misses
 * must not turn into a flood of log lines. */
static void miss_log(struct xs_agent *a, struct dp_xs *x, const char *fmt, ...)
{
	uint64_t now = xs_mono_ms();
	char line[256];
	va_list ap;

	if (now - x->log_window_ms >= XS_MISS_LOG_WINDOW_MS) {
		x->log_window_ms = now;
		x->log_in_window = 0;
	}
	if (x->log_in_window >= XS_MISS_LOG_BURST) {
		x->log_suppressed++;
		return;
	}
	x->log_in_window++;
	if (x->log_suppressed) {
		xs_agent_log(a, "(%" PRIu64 " miss-path messages suppressed)", x->log_suppressed);
		x->log_suppressed = 0;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	xs_agent_log(a, "%s", line);
}

/* Re-injects the packet of u with megaflow h, or with rx's actions when
 * the megaflow could not be installed (h.gen == 0; the rules rx matched
 * are then credited here, the megaflow's counters cannot). */
static void reinject(struct xs_agent *a, struct dp_xs *x, const struct xs_upcall *u,
		     struct xs_flow_handle h, const struct xs_reval_xlate *rx)
{
	uint8_t pkt[XS_UPCALL_MAX_PKT];
	int err;

	if (u->flags & XS_UPCALL_F_TRUNC) {
		a->miss.truncated++;
		return;
	}
	/* A local sender with checksum offload (a veth host's stack) left only
	 * the pseudo-header sum in TCP/UDP; the skb that said "finish it" is
	 * gone, so finish it here or the receiver drops the first packet. */
	memcpy(pkt, u->pkt, u->cap_len);
	xs_l4_csum_complete(pkt, u->cap_len);
	err = x->dpif->cls->execute(x->dpif, u->ifindex, pkt, u->cap_len, h, rx->actions,
				    rx->n_actions);
	if (err)
		a->miss.exec_failed++;
	else
		a->miss.executed++;
	if (!err && !h.gen)
		rule_stats_credit_ids(a->pipeline, rx->rule_ids, rx->n_rules, 1, u->cap_len,
				      xs_reval_now_ms());
}

/* Translates the miss batch[i] into x->xl[n] (its key into *@key).
 * Returns false if its port is gone (the record is dropped). */
static bool translate_miss(struct xs_agent *a, struct dp_xs *x, unsigned i, unsigned n,
			   struct xs_flow_key *key)
{
	const struct xs_upcall *u = &x->batch[i];
	struct xs_port *port = xs_ports_by_dp_port(&a->ports, u->ifindex);
	struct xs_reval_xlate *rx = &x->xl[n];
	int err;

	if (!port) {
		a->miss.no_port++;
		return false;
	}
	*key = u->key;
	/* the revalidator's translation: a megaflow it checks later gives
	 * the same answer unless the tables changed */
	err = xs_reval_translate(a->pipeline, &x->reval.map, key, rx);
	a->miss.translated++;
	xs_fdb_learn(a, rx);
	if (err) {
		/* rx is a drop with a correct mask: installing it keeps this
		 * flow from coming back on every packet */
		a->miss.xlate_failed++;
		miss_log(a, x, "translating a miss on port %u: %s; dropped", port->ofport,
			 strerror(-err));
	}
	return true;
}

/* Once batch[i]'s megaflow is installed (@err 0, handle @h) or not:
 * re-injects it and every later miss with the same key. */
static void reinject_miss(struct xs_agent *a, struct dp_xs *x, unsigned i,
			  const struct xs_reval_xlate *rx, struct xs_flow_handle h, int err,
			  bool *done)
{
	const struct xs_upcall *u = &x->batch[i];

	if (err) {
		a->miss.install_failed++;
		/* The flow limit and a hash whose XS_HASH_WAYS are all taken
		 * by other flows of the mask are expected: the packet is
		 * executed without a megaflow, and so will its successors. */
		if (err == -EADDRINUSE)
			a->miss.hash_collisions++;
		else if (err != -ENOSPC && err != -EDQUOT)
			miss_log(a, x, "installing a megaflow: %s", strerror(-err));
		h.gen = 0;
	} else {
		a->miss.installed++;
	}
	for (unsigned j = i; j < x->n_batch; j++) {
		const struct xs_upcall *v = &x->batch[j];

		if (done[j] || v->reason != XS_UPCALL_MISS ||
		    memcmp(&v->key, &u->key, sizeof(v->key)))
			continue;
		done[j] = true;
		reinject(a, x, v, h, rx);
	}
}

/* What the controller action asked for travels as the upcall's cookie:
 * an index into the pipeline's controller descriptors (ctl_desc.h). */
static void log_controller(struct xs_agent *a, const struct xs_upcall *u)
{
	const struct ctl_desc *d = ctl_desc_get(a->pipeline->ctl, u->cookie);
	char ud[3 * OFPACT_USERDATA_MAX + 1] = "";

	if (!d) {
		xs_agent_log(a, "controller: %u-byte packet from ifindex %u with unknown "
			     "descriptor %u (dropped)", u->pkt_len, u->ifindex, u->cookie);
		return;
	}
	for (unsigned i = 0, len = 0; i < d->userdata_len; i++)
		len += snprintf(ud + len, sizeof(ud) - len, "%s%02x", i ? "." : "", d->userdata[i]);
	xs_agent_log(a, "controller: %u-byte packet from ifindex %u (reason %u, max_len %u, "
		     "id %u, userdata %s; no controller connected; dropped)", u->pkt_len,
		     u->ifindex, d->reason, d->max_len, d->id, d->userdata_len ? ud : "none");
}

/* The misses of a batch: each distinct key translated, then all their
 * megaflows installed in one datapath batch, then every packet
 * re-injected. The other upcalls are handled in their turn. */
static void handle_batch(struct xs_agent *a, struct dp_xs *x)
{
	const struct xs_reval_xlate *rx[XS_UPCALL_BATCH];
	struct xs_flow_key keys[XS_UPCALL_BATCH];
	struct xs_flow_handle h[XS_UPCALL_BATCH];
	bool done[XS_UPCALL_BATCH] = { false };
	unsigned first[XS_UPCALL_BATCH], n = 0;
	int errs[XS_UPCALL_BATCH];

	for (unsigned i = 0; i < x->n_batch; i++) {
		const struct xs_upcall *u = &x->batch[i];
		bool seen = false;

		if (done[i])
			continue;
		switch (u->reason) {
		case XS_UPCALL_MISS:
			/* a later miss of a key already here goes with it */
			for (unsigned k = 0; k < n && !seen; k++)
				seen = !memcmp(&x->batch[first[k]].key, &u->key, sizeof(u->key));
			if (seen)
				continue;
			if (translate_miss(a, x, i, n, &keys[n])) {
				rx[n] = &x->xl[n];
				first[n++] = i;
				continue;
			}
			break;
		case XS_UPCALL_ACTION: {
			struct xs_port *p = xs_ports_by_dp_port(&a->ports, u->ifindex);

			a->miss.controller++;
			if (p && a->of && of_switch_packet_in(a->of, u, p->ofport))
				break; /* a PACKET_IN (or over the rate limit) */
			if (x->controller_logged++ < CONTROLLER_LOG_MAX)
				log_controller(a, u);
			break;
		}
		case XS_UPCALL_TTL_EXPIRED: {
			struct xs_port *p = xs_ports_by_dp_port(&a->ports, u->ifindex);

			a->miss.ttl_expired++;
			if (p && a->of)
				of_switch_packet_in(a->of, u, p->ofport); /* invalid_ttl */
			break;
		}
		case XS_UPCALL_CT_EVENT:
			/* The kernel's TCP state of a datapath connection moves on;
			 * a connection gone meanwhile is no news. */
			(void)xs_ct_tcp_event(&u->key, u->cookie >> 8, u->cookie & 0xff);
			break;
		default:
			break;
		}
		done[i] = true;
	}
	if (n)
		xs_reval_install_batch(&x->reval, keys, rx, h, errs, n);
	if (n && x->dpif->cls->execute_defer)
		x->dpif->cls->execute_defer(x->dpif, true);
	for (unsigned k = 0; k < n; k++)
		reinject_miss(a, x, first[k], rx[k], h[k], errs[k], done);
	if (n && x->dpif->cls->execute_defer)
		x->dpif->cls->execute_defer(x->dpif, false);
	x->n_batch = 0;
}

static int on_record(void *ctx, const struct xs_upcall *u)
{
	struct xs_agent *a = ctx;
	struct dp_xs *x = a->dp;

	/* copy: the record is only valid during the callback */
	memcpy(&x->batch[x->n_batch], u, offsetof(struct xs_upcall, pkt) + u->cap_len);
	x->n_batch++;
	a->miss.upcalls++;
	if (u->reason == XS_UPCALL_MISS) { /* dump-ports' miss= column */
		struct xs_port *p = xs_ports_by_dp_port(&a->ports, u->ifindex);

		if (p)
			p->misses++;
	}
	if (x->n_batch == XS_UPCALL_BATCH)
		handle_batch(a, x);
	return 0;
}

int xs_upcalls_drain(struct xs_agent *a, struct dp_xs *x)
{
	/* Read ahead into per-port queues, then a turn's worth round robin
	 * over the ports (upcall_fair.h). */
	int n = x->dpif->cls->recv(x->dpif, XS_FAIR_READ, xs_fair_push, &x->fair);

	xs_fair_serve(&x->fair, XS_UPCALL_TURN, xs_mono_ns() + XS_UPCALL_TURN_NS, on_record, a);
	if (x->n_batch)
		handle_batch(a, x);
	/* what NORMAL learned is in force before the next batch */
	xs_fdb_sync(a);
	return n;
}
