// SPDX-License-Identifier: Apache-2.0
/* Hardware offload of megaflows (offload.h): per port what the probe
 * found and what is used, per megaflow where it runs in hardware or why
 * not, refusals logged once per port and reason. Flower filters are
 * offload_tc.c's, names and `show` offload_show.c's. */
#include "agent/offload/offload_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "agent/datapath/port_hw.h"
#include "agent/offload/probe.h"
#include "common/clock.h"

void xs_off_log(struct xs_offload *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!o->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->cfg.log(o->cfg.log_ctx, msg);
}

const char *xs_off_intern(struct xs_offload *o, const char *text)
{
	for (unsigned i = 0; i < o->n_reasons; i++)
		if (!strcmp(o->reasons[i], text))
			return o->reasons[i];
	if (o->n_reasons == MAX_REASONS || !(o->reasons[o->n_reasons] = strdup(text)))
		return "other refusal (too many distinct reasons to keep)";
	return o->reasons[o->n_reasons++];
}

struct off_port *xs_off_port(struct xs_offload *o, uint32_t ifindex)
{
	for (size_t i = 0; i < o->n_ports; i++)
		if (o->ports[i].ifindex == ifindex)
			return &o->ports[i];
	return NULL;
}

const char *xs_off_refused(struct xs_offload *o, struct off_port *p, const char *what,
			   const char *reason)
{
	char text[256];
	const char *r;

	snprintf(text, sizeof(text), "%s: %s", what, reason);
	r = xs_off_intern(o, text);
	if (!p)
		return r;
	for (unsigned i = 0; i < p->n_fails; i++)
		if (p->fails[i].reason == r) {
			p->fails[i].count++;
			return r;
		}
	if (p->n_fails == MAX_PORT_FAILS) {
		p->fails_other++;
		return r;
	}
	p->fails[p->n_fails].reason = r;
	p->fails[p->n_fails++].count = 1;
	xs_off_log(o, "offload: port %s: %s (first time; later ones are counted in `show`)", p->name,
	      r);
	return r;
}

static struct mf_rec *rec_get(struct xs_offload *o, struct xs_flow_handle h)
{
	struct mf_rec *r = h.slot < o->n_recs ? o->recs[h.slot] : NULL;

	return r && r->gen == h.gen ? r : NULL;
}

static struct mf_rec *rec_new(struct xs_offload *o, struct xs_flow_handle h)
{
	struct mf_rec *r;

	if (h.slot >= o->n_recs) {
		size_t n = o->n_recs ? o->n_recs : 1024;
		struct mf_rec **v;

		while (n <= h.slot)
			n *= 2;
		v = realloc(o->recs, n * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + o->n_recs, 0, (n - o->n_recs) * sizeof(*v));
		o->recs = v;
		o->n_recs = n;
	}
	r = o->recs[h.slot];
	if (!r && !(r = o->recs[h.slot] = malloc(sizeof(*r))))
		return NULL;
	memset(r, 0, sizeof(*r));
	r->gen = h.gen;
	return r;
}

int xs_off_request(struct xs_offload *o, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   char *ext, size_t ext_size)
{
	if (o->cfg.request)
		return o->cfg.request(o->cfg.request_ctx, nlh, cb, data, ext, ext_size);
	if (!o->sock)
		return -ENOTCONN;
	return xs_tc_sock_request(o->sock, nlh, cb, data, ext, ext_size);
}

/* --- ports ---------------------------------------------------------------- */

int xs_offload_new(const struct xs_offload_cfg *cfg, struct xs_offload **out)
{
	struct xs_offload *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->cfg = *cfg;
	err = cfg->request ? 0 : xs_tc_sock_open(&o->sock);
	if (err) {
		free(o);
		return err;
	}
	*out = o;
	return 0;
}

static void port_probe(struct xs_offload *o, struct off_port *p)
{
	struct xs_clsact_search q = { 0 };
	bool avail = false, active = false;
	int mode = o->cfg.mode, err;
	char qbuf[512];

	if (xs_port_driver(p->name, p->driver, sizeof(p->driver)))
		snprintf(p->driver, sizeof(p->driver), "?");
	err = xs_ethtool_feature(p->ifindex, "hw-tc-offload", &avail, &active);
	p->tc_feature = err ? err : active;
	p->tc_available = avail;
	q.ifindex = p->ifindex;
	xs_off_request(o, xs_clsact_msg(qbuf, RTM_GETQDISC, p->ifindex), xs_clsact_dump_cb, &q, NULL, 0);
	p->clsact = q.found;
	if (mode == XS_HW_OFFLOAD_TC || (mode == XS_HW_OFFLOAD_AUTO && p->tc_feature == 1)) {
		if (!p->clsact &&
		    !xs_off_request(o, xs_clsact_msg(qbuf, RTM_NEWQDISC, p->ifindex), NULL, NULL, NULL, 0))
			p->clsact = p->created_clsact = true;
		p->use_tc = p->clsact;
		if (!p->clsact)
			snprintf(p->tc_why, sizeof(p->tc_why), "no clsact qdisc and none could be "
				 "created");
	} else if (mode == XS_HW_OFFLOAD_AUTO) {
		snprintf(p->tc_why, sizeof(p->tc_why), "hw-tc-offload is %s (driver %s)",
			 p->tc_feature < 0 ? "unknown" : p->tc_available ? "off" : "off [fixed]",
			 p->driver);
	} else {
		snprintf(p->tc_why, sizeof(p->tc_why), "not asked (--hw-offload=%s)",
			 xs_hw_offload_name(mode));
	}
	if (mode == XS_HW_OFFLOAD_XDP_HW || mode == XS_HW_OFFLOAD_AUTO) {
		char why[160];

		if (!xs_xdp_hw_attach(p->ifindex, &p->xhw, why, sizeof(why))) {
			p->use_xdp_hw = true;
		} else {
			snprintf(p->xdp_hw_why, sizeof(p->xdp_hw_why), "%s (driver %s)", why,
				 p->driver);
			p->xhw = NULL;
		}
	} else {
		snprintf(p->xdp_hw_why, sizeof(p->xdp_hw_why), "not asked (--hw-offload=%s)",
			 xs_hw_offload_name(mode));
	}
}

void xs_offload_port_add(struct xs_offload *o, uint32_t ifindex, const char *name)
{
	struct off_port *p;
	int swept;

	if (xs_off_port(o, ifindex))
		return;
	swept = xs_offload_sweep(o, ifindex);
	if (swept > 0)
		xs_off_log(o, "offload: port %s: removed %d flower filter%s a previous agent left", name,
		      swept, swept == 1 ? "" : "s");
	if (o->n_ports == o->cap_ports) {
		size_t cap = o->cap_ports ? 2 * o->cap_ports : 8;
		struct off_port *v = realloc(o->ports, cap * sizeof(*v));

		if (!v)
			return;
		o->ports = v;
		o->cap_ports = cap;
	}
	p = &o->ports[o->n_ports++];
	memset(p, 0, sizeof(*p));
	p->ifindex = ifindex;
	snprintf(p->name, sizeof(p->name), "%s", name);
	/* what it finds is said in the port's log line (xs_offload_port_show) */
	port_probe(o, p);
}

static void port_release(struct xs_offload *o, struct off_port *p)
{
	for (size_t s = 0; s < o->n_recs; s++) {
		struct mf_rec *r = o->recs[s];

		if (!r || !r->gen || r->key.in_port != p->ifindex)
			continue;
		if (r->where == MF_TC)
			xs_off_tc_remove(o, p, r);
		if (r->where == MF_XDP_HW && p->xhw)
			xs_xdp_hw_del(p->xhw, &r->hk, &r->hm);
		r->where = MF_NONE;
		r->reason = xs_off_intern(o, "port removed");
	}
	xs_xdp_hw_close(p->xhw);
	p->xhw = NULL;
	if (p->created_clsact) {
		char qbuf[512];

		xs_off_request(o, xs_clsact_msg(qbuf, RTM_DELQDISC, p->ifindex), NULL, NULL, NULL, 0);
	}
	p->created_clsact = false;
}

void xs_offload_port_del(struct xs_offload *o, uint32_t ifindex)
{
	struct off_port *p = xs_off_port(o, ifindex);

	if (!p)
		return;
	port_release(o, p);
	*p = o->ports[--o->n_ports];
}

void xs_offload_set_ports(struct xs_offload *o, const uint32_t *ports, size_t n)
{
	uint32_t *v = n ? malloc(n * sizeof(*v)) : NULL;

	if (n && !v)
		return;
	if (n)
		memcpy(v, ports, n * sizeof(*v));
	free(o->bridge_ports);
	o->bridge_ports = v;
	o->n_bridge_ports = n;
}

void xs_offload_free(struct xs_offload *o)
{
	if (!o)
		return;
	while (o->n_ports)
		xs_offload_port_del(o, o->ports[0].ifindex);
	for (size_t s = 0; s < o->n_recs; s++)
		free(o->recs[s]);
	for (unsigned i = 0; i < o->n_reasons; i++)
		free(o->reasons[i]);
	free(o->recs);
	free(o->prios);
	free(o->ports);
	free(o->bridge_ports);
	xs_tc_sock_close(o->sock);
	free(o);
}

/* --- megaflows ------------------------------------------------------------ */

/* Offloads @r with @actions where its port allows: hardware XDP for a
 * drop, else TC flower. Sets r->where or r->reason. */
static void offload(struct xs_offload *o, struct mf_rec *r, const struct xs_action *actions,
		    uint16_t n_actions, uint32_t handle)
{
	struct off_port *p = xs_off_port(o, r->key.in_port);
	struct xs_fl_ports ports = { o->bridge_ports, o->n_bridge_ports };
	const char *why = NULL;
	struct xs_flower f;

	if (!p) {
		r->reason = xs_off_intern(o, "port not probed for offload");
		return;
	}
	if (p->use_xdp_hw) {
		if (!xs_xdp_hw_translate(&r->key, &r->mask, n_actions, &r->hk, &r->hm, &why)) {
			int err = xs_xdp_hw_put(p->xhw, &r->hk, &r->hm);

			if (!err) {
				r->where = MF_XDP_HW;
				r->reason = NULL;
				p->n_xdp_hw++;
				return;
			}
			why = err == -ENOSPC ? "hardware mask table full" : strerror(-err);
		}
		if (!p->use_tc) {
			r->reason = xs_off_refused(o, p, "hardware XDP", why);
			return;
		}
	}
	if (!p->use_tc) { /* and no hardware XDP either */
		if (o->cfg.mode == XS_HW_OFFLOAD_XDP_HW)
			r->reason = xs_off_refused(o, p, "hardware XDP", p->xdp_hw_why);
		else if (o->cfg.mode == XS_HW_OFFLOAD_TC)
			r->reason = xs_off_refused(o, p, "tc flower", p->tc_why);
		else
			r->reason = xs_off_intern(o, "auto: this port offers neither tc flower nor "
					   "hardware XDP (see show)");
		return;
	}
	if (xs_flower_from_megaflow(&r->key, &r->mask, actions, n_actions, &ports, &f, &why)) {
		r->reason = xs_off_refused(o, p, "tc flower cannot express", why);
		return;
	}
	xs_off_tc_install(o, p, r, &f, handle, false);
}

void xs_offload_flow_put(struct xs_offload *o, struct xs_flow_handle h,
			 const struct xs_flow_key *key, const struct xs_flow_key *mask,
			 const struct xs_action *actions, uint16_t n_actions)
{
	struct mf_rec *r;

	if (rec_get(o, h))
		return; /* offered already (an adoption offers every megaflow) */
	r = rec_new(o, h);
	if (!r)
		return;
	r->key = *key;
	r->mask = *mask;
	offload(o, r, actions, n_actions, h.slot + 1);
}

/* A removed megaflow's slot keeps no record. */
static void rec_drop(struct xs_offload *o, struct xs_flow_handle h)
{
	if (h.slot < o->n_recs && o->recs[h.slot]) {
		free(o->recs[h.slot]);
		o->recs[h.slot] = NULL;
	}
}

void xs_offload_flow_modify(struct xs_offload *o, struct xs_flow_handle old,
			    struct xs_flow_handle h, const struct xs_action *actions,
			    uint16_t n_actions)
{
	struct mf_rec *r = rec_get(o, old), saved;
	struct off_port *p;
	struct xs_fl_ports ports = { o->bridge_ports, o->n_bridge_ports };
	struct xs_flower f;
	const char *why;

	if (!r)
		return;
	saved = *r;
	p = xs_off_port(o, r->key.in_port);
	/* Same slot, filter stays: replaced in place with the new actions. */
	if (r->where == MF_TC && old.slot == h.slot && p &&
	    !xs_flower_from_megaflow(&r->key, &r->mask, actions, n_actions, &ports, &f, &why) &&
	    f.protocol == r->tc.protocol) {
		r->gen = h.gen;
		xs_off_tc_read_one(o, r);
		r->carry_packets += r->packets;
		r->carry_bytes += r->bytes;
		r->packets = r->bytes = 0;
		if (!xs_off_tc_install(o, p, r, &f, r->tc.handle, true))
			return;
		/* the old filter may still be there: remove it */
		r->where = MF_TC;
		why = r->reason;
		xs_off_tc_remove(o, p, r);
		r->reason = why;
		return;
	}
	if (r->where == MF_TC)
		xs_off_tc_remove(o, p, r);
	if (r->where == MF_XDP_HW && p && p->xhw) {
		if (!n_actions) { /* still a drop: the entry stays */
			r->gen = h.gen;
			if (old.slot != h.slot) {
				struct mf_rec *n = rec_new(o, h);

				if (n) {
					*n = *r;
					rec_drop(o, old);
				}
			}
			return;
		}
		xs_xdp_hw_del(p->xhw, &r->hk, &r->hm);
		if (p->n_xdp_hw)
			p->n_xdp_hw--;
		r->where = MF_NONE;
	}
	saved = *r;
	if (old.slot != h.slot)
		rec_drop(o, old);
	r = rec_new(o, h);
	if (!r)
		return;
	r->key = saved.key;
	r->mask = saved.mask;
	r->carry_packets = saved.carry_packets + saved.packets;
	r->carry_bytes = saved.carry_bytes + saved.bytes;
	r->used_ns = saved.used_ns;
	offload(o, r, actions, n_actions, h.slot + 1);
}

void xs_offload_flow_del(struct xs_offload *o, struct xs_flow_handle h,
			 struct xs_flow_stats *final)
{
	struct mf_rec *r = rec_get(o, h);
	struct off_port *p;

	if (!r)
		return;
	p = xs_off_port(o, r->key.in_port);
	if (r->where == MF_TC)
		xs_off_tc_remove(o, p, r);
	if (r->where == MF_XDP_HW && p && p->xhw) {
		xs_xdp_hw_stats(p->xhw, &r->hk, &r->hm, &r->packets, &r->bytes);
		xs_xdp_hw_del(p->xhw, &r->hk, &r->hm);
		if (p->n_xdp_hw)
			p->n_xdp_hw--;
		r->carry_packets += r->packets;
		r->carry_bytes += r->bytes;
	}
	if (final) {
		final->packets += r->carry_packets;
		final->bytes += r->carry_bytes;
	}
	rec_drop(o, h);
}

bool xs_offload_flow_state(struct xs_offload *o, struct xs_flow_handle h, const char **dp,
			   const char **reason)
{
	struct mf_rec *r = rec_get(o, h);

	*dp = NULL;
	*reason = "installed before this agent started (adopted)";
	if (!r)
		return false;
	if (r->where == MF_TC || r->where == MF_XDP_HW) {
		*dp = r->where == MF_TC ? "tc" : "xdp-hw";
		return true;
	}
	*reason = r->reason ? r->reason : "not tried";
	return false;
}

void xs_offload_run(struct xs_offload *o)
{
	o->stats_ms = xs_mono_ms();
	for (size_t i = 0; i < o->n_ports; i++) {
		struct off_port *p = &o->ports[i];

		if (p->n_tc)
			xs_off_tc_read_port(o, p);
		if (!p->n_xdp_hw || !p->xhw)
			continue;
		for (size_t s = 0; s < o->n_recs; s++) {
			struct mf_rec *r = o->recs[s];
			uint64_t before;

			if (!r || r->where != MF_XDP_HW || r->key.in_port != p->ifindex)
				continue;
			before = r->packets;
			xs_xdp_hw_stats(p->xhw, &r->hk, &r->hm, &r->packets, &r->bytes);
			if (r->packets != before)
				r->used_ns = xs_mono_ns();
		}
	}
}

void xs_offload_flow_add_stats(struct xs_offload *o, struct xs_flow_handle h,
			       struct xs_flow_stats *st)
{
	struct mf_rec *r = rec_get(o, h);

	if (!r)
		return;
	if (r->where != MF_NONE && xs_mono_ms() - o->stats_ms > XS_OFFLOAD_STATS_MAX_AGE_MS)
		xs_offload_run(o);
	st->packets += r->carry_packets + r->packets;
	st->bytes += r->carry_bytes + r->bytes;
	if (r->used_ns > st->used_ns)
		st->used_ns = r->used_ns;
}
