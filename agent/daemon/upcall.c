/* Misses from the fast path: batches of ringbuf records, each distinct key
 * translated through the OpenFlow tables, installed, and re-injected. */
#include "agent/daemon/dp_xs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/pipeline/xlate.h"

#define CONTROLLER_LOG_MAX 20 /* controller packets logged, then counted */

/* Turns the translation's OpenFlow output ports into ifindexes (outputs to
 * ports that are gone are left out) and picks the stage: XDP when there is
 * no output, or one output as the last action into a port an XDP redirect
 * reaches; the TC stage otherwise. Returns the action count. */
static uint16_t to_datapath(struct xs_agent *a, const struct xlate_result *res,
			    struct xs_action *acts, uint16_t *flags)
{
	unsigned n_out = 0;
	uint16_t n = 0;
	bool xdp_out = false;

	for (unsigned i = 0; i < res->n_actions; i++) {
		struct xs_action act = res->actions[i];

		if (act.type == XS_ACT_OUTPUT) {
			struct xs_port *p = xs_ports_by_ofport(&a->ports, act.arg);

			if (!p)
				continue;
			act.arg = (uint32_t)p->ifindex;
			n_out++;
			xdp_out = p->tx == XS_TX_XDP;
		}
		acts[n++] = act;
	}
	*flags = 0;
	if (n_out == 0 || (n_out == 1 && acts[n - 1].type == XS_ACT_OUTPUT && xdp_out))
		*flags = XS_MF_F_XDP;
	return n;
}

/* Re-injects the packet of u with megaflow h, or with the actions when
 * the megaflow could not be installed (h.gen == 0; the rules res matched
 * are then credited here, the megaflow's counters cannot). */
static void reinject(struct xs_agent *a, struct dp_xs *x, const struct xs_upcall *u,
		     struct xs_flow_handle h, const struct xs_action *acts, uint16_t n,
		     uint16_t flags, const struct xs_reval_xlate *rx)
{
	int err;

	if (u->flags & XS_UPCALL_F_TRUNC) {
		a->miss.truncated++;
		return;
	}
	if (h.gen)
		err = xs_dp_execute(x->dp, u->ifindex, u->pkt, u->cap_len, h);
	else
		err = xs_dp_execute_actions(x->dp, u->ifindex, u->pkt, u->cap_len, acts, n, flags);
	if (err)
		a->miss.exec_failed++;
	else
		a->miss.executed++;
	if (!err && !h.gen)
		rule_stats_credit_ids(a->pipeline, rx->rule_ids, rx->n_rules, 1, u->cap_len,
				      xs_reval_now_ms());
}

/* Handles batch[i] and every later miss with the same key. */
static void handle_miss(struct xs_agent *a, struct dp_xs *x, unsigned i, bool *done)
{
	const struct xs_upcall *u = &x->batch[i];
	struct xs_action acts[XS_MAX_ACTIONS];
	struct xs_flow_handle h = { 0 };
	struct xs_flow_key key, mask;
	struct xs_reval_xlate rx;
	struct xlate_result res;
	struct ofp_key packet;
	struct xs_port *port;
	uint16_t n, flags;
	int err;

	port = xs_ports_by_ifindex(&a->ports, (int)u->ifindex);
	if (!port) {
		a->miss.no_port++;
		return;
	}
	memset(&packet, 0, sizeof(packet));
	packet.dp = u->key;
	packet.dp.in_port = port->ofport;
	packet.dp.mask_id = 0;
	memset(&res, 0, sizeof(res));
	err = xlate(a->pipeline, &packet, &res);
	a->miss.translated++;
	if (err) {
		/* res is a drop with a correct mask: installing it keeps this
		 * flow from coming back on every packet */
		a->miss.xlate_failed++;
		xs_agent_log(a, "translating a miss on port %u: %s; dropped", port->ofport,
			     strerror(-err));
	}
	n = to_datapath(a, &res, acts, &flags);
	key = u->key;
	key.mask_id = 0;
	mask = res.mask;
	mask.in_port = UINT32_MAX; /* the ifindex, for the OpenFlow port read */
	mask.mask_id = 0;
	for (unsigned r = 0; r < res.n_rules; r++)
		rx.rule_ids[r] = res.rules[r]->id;
	rx.n_rules = res.n_rules;
	if (xs_reval_limit_reached(&x->reval)) {
		err = -ENOSPC; /* executed, not installed: `show` says so */
		x->reval.limit_hits++;
	} else {
		err = xs_dp_flow_install(x->dp, &key, &mask, acts, n, flags, &h);
	}
	if (err) {
		a->miss.install_failed++;
		if (err != -EEXIST && err != -ENOSPC)
			xs_agent_log(a, "installing a megaflow: %s", strerror(-err));
		h.gen = 0;
	} else {
		a->miss.installed++;
		if (rule_stats_set(&x->reval.rs, h, rx.rule_ids, rx.n_rules, NULL)) {
			/* cannot credit it: do not keep it */
			xs_dp_flow_remove(x->dp, h, NULL);
			h.gen = 0;
		}
	}
	for (unsigned j = i; j < x->n_batch; j++) {
		const struct xs_upcall *v = &x->batch[j];

		if (done[j] || v->reason != XS_UPCALL_MISS || memcmp(&v->key, &u->key, sizeof(key)))
			continue;
		done[j] = true;
		reinject(a, x, v, h, acts, n, flags, &rx);
	}
}

static void handle_batch(struct xs_agent *a, struct dp_xs *x)
{
	bool done[XS_UPCALL_BATCH] = { false };

	for (unsigned i = 0; i < x->n_batch; i++) {
		const struct xs_upcall *u = &x->batch[i];

		if (done[i])
			continue;
		switch (u->reason) {
		case XS_UPCALL_MISS:
			handle_miss(a, x, i, done);
			break;
		case XS_UPCALL_ACTION:
			a->miss.controller++;
			if (x->controller_logged++ < CONTROLLER_LOG_MAX)
				xs_agent_log(a, "controller: %u-byte packet from ifindex %u "
					     "(no controller connected; dropped)", u->pkt_len,
					     u->ifindex);
			break;
		case XS_UPCALL_TTL_EXPIRED:
			a->miss.ttl_expired++;
			break;
		default:
			break;
		}
		done[i] = true;
	}
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
	if (x->n_batch == XS_UPCALL_BATCH)
		handle_batch(a, x);
	return 0;
}

int xs_upcalls_drain(struct xs_agent *a, struct dp_xs *x)
{
	int n = xs_dp_upcall_poll(x->dp, on_record, a, 0);

	if (x->n_batch)
		handle_batch(a, x);
	return n;
}
