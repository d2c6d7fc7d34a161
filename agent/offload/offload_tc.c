// SPDX-License-Identifier: Apache-2.0
/* The offload layer's TC flower filters (offload_int.h): one priority per
 * {mask, Ethernet type}, one filter per megaflow, its counters from dumps,
 * and the sweep of what a killed agent left. */
#include "agent/offload/offload_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "common/clock.h"

static int prio_get(struct xs_offload *o, const struct xs_flow_key *mask, uint16_t protocol,
		    uint16_t *idx)
{
	size_t free_i = SIZE_MAX;

	for (size_t i = 0; i < o->n_prios; i++) {
		if (o->prios[i].refs && o->prios[i].protocol == protocol &&
		    !memcmp(&o->prios[i].mask, mask, sizeof(*mask))) {
			o->prios[i].refs++;
			*idx = (uint16_t)i;
			return 0;
		}
		if (!o->prios[i].refs && free_i == SIZE_MAX)
			free_i = i;
	}
	if (free_i == SIZE_MAX) {
		struct prio_ent *v;

		if (o->n_prios >= XS_OFFLOAD_PRIO_MAX)
			return -ENOSPC;
		v = realloc(o->prios, (o->n_prios + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		o->prios = v;
		free_i = o->n_prios++;
	}
	o->prios[free_i].mask = *mask;
	o->prios[free_i].protocol = protocol;
	o->prios[free_i].refs = 1;
	*idx = (uint16_t)free_i;
	return 0;
}

static void prio_put(struct xs_offload *o, uint16_t idx)
{
	if (idx < o->n_prios && o->prios[idx].refs)
		o->prios[idx].refs--;
}

static uint32_t cls_flags(const struct xs_offload *o)
{
	switch (o->cfg.policy) {
	case XS_TC_POLICY_SKIP_HW:
		return TCA_CLS_FLAGS_SKIP_HW;
	case XS_TC_POLICY_NONE:
		return 0;
	default:
		return TCA_CLS_FLAGS_SKIP_SW;
	}
}

/* The kernel's answer as a reason: its extended-ack text and errno. */
static void kernel_words(int err, const char *ext, char *buf, size_t size)
{
	if (ext && ext[0])
		snprintf(buf, size, "kernel: %s (%s)", ext, strerror(-err));
	else
		snprintf(buf, size, "kernel: %s", strerror(-err));
}

static int tc_send(struct xs_offload *o, struct nlmsghdr *nlh, char *why, size_t why_size)
{
	char ext[160];
	int err;

	err = xs_off_request(o, nlh, NULL, NULL, ext, sizeof(ext));
	if (err)
		kernel_words(err, ext, why, why_size);
	return err;
}

/* Adds (or, @replace, replaces) @r's filter for @f. */
int xs_off_tc_install(struct xs_offload *o, struct off_port *p, struct mf_rec *r,
		      const struct xs_flower *f, uint32_t handle, bool replace)
{
	struct xs_fl_where w = { .ifindex = p->ifindex, .protocol = f->protocol,
				 .handle = handle };
	struct nlmsghdr *nlh;
	uint16_t idx = r->prio_idx;
	char why[200];
	int err;

	if (!replace) {
		err = prio_get(o, &r->mask, f->protocol, &idx);
		if (err) {
			r->reason = xs_off_refused(o, p, "tc flower", "no filter priority left");
			return err;
		}
	}
	w.prio = (uint16_t)(XS_OFFLOAD_PRIO_BASE + idx);
	nlh = xs_flower_nl_new(o->nlbuf, f, &w, cls_flags(o), replace, 0);
	err = nlh ? tc_send(o, nlh, why, sizeof(why)) : -E2BIG;
	if (!nlh)
		snprintf(why, sizeof(why), "filter too large for one message");
	if (err) {
		if (!replace)
			prio_put(o, idx);
		r->reason = xs_off_refused(o, p, "tc flower", why);
		return err;
	}
	r->tc = w;
	r->prio_idx = idx;
	r->where = MF_TC;
	r->reason = NULL;
	if (!replace)
		p->n_tc++;
	return 0;
}

/* One filter's counters (a get of its handle), into @r. */
static int dumped_cb(const struct nlmsghdr *nlh, void *data);

void xs_off_tc_read_one(struct xs_offload *o, struct mf_rec *r)
{
	struct nlmsghdr *nlh = xs_flower_nl_dump(o->nlbuf, r->tc.ifindex, 0);
	struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	struct dump_ctx ctx = { o, r };

	/* a get of one filter: handle, priority and protocol given */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	t->tcm_handle = r->tc.handle;
	t->tcm_info = TC_H_MAKE((uint32_t)r->tc.prio << 16, r->tc.protocol);
	mnl_attr_put_strz(nlh, TCA_KIND, "flower");
	xs_off_request(o, nlh, dumped_cb, &ctx, NULL, 0);
}

void xs_off_tc_remove(struct xs_offload *o, struct off_port *p, struct mf_rec *r)
{
	char why[200];

	if (r->where != MF_TC)
		return;
	xs_off_tc_read_one(o, r);
	if (tc_send(o, xs_flower_nl_del(o->nlbuf, &r->tc, 0), why, sizeof(why)) &&
	    p)
		xs_off_refused(o, p, "tc flower delete", why);
	prio_put(o, r->prio_idx);
	if (p && p->n_tc)
		p->n_tc--;
	r->carry_packets += r->packets;
	r->carry_bytes += r->bytes;
	r->packets = r->bytes = 0;
	r->where = MF_NONE;
}

/* Counters of a dumped filter into its megaflow. */
static int dumped_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	struct xs_offload *o = ctx->o;
	struct xs_fl_dumped d;
	struct mf_rec *r;

	if (nlh->nlmsg_type != RTM_NEWTFILTER || xs_flower_nl_parse(nlh, &d) || !d.flower ||
	    !d.has_stats || !d.handle)
		return MNL_CB_OK;
	r = ctx->only;
	if (!r && d.handle - 1 < o->n_recs)
		r = o->recs[d.handle - 1];
	if (!r || r->where != MF_TC || r->tc.handle != d.handle || r->tc.prio != d.prio ||
	    r->tc.ifindex != d.ifindex)
		return MNL_CB_OK;
	/* With skip_sw every count is the hardware's; otherwise only
	 * TCA_STATS_BASIC_HW is (software hits were XDP's already). */
	if (o->cfg.policy == XS_TC_POLICY_SKIP_SW) {
		r->packets = d.packets;
		r->bytes = d.bytes;
	} else {
		r->packets = d.hw_packets;
		r->bytes = d.hw_bytes;
	}
	if (r->packets)
		r->used_ns = xs_mono_ns() - d.lastuse_ms * 1000000ull;
	return MNL_CB_OK;
}

void xs_off_tc_read_port(struct xs_offload *o, struct off_port *p)
{
	struct dump_ctx ctx = { o, NULL };

	xs_off_request(o, xs_flower_nl_dump(o->nlbuf, p->ifindex, 0), dumped_cb, &ctx, NULL, 0);
}

struct sweep_ctx {
	struct xs_fl_where w[256];
	unsigned n;
};

static int sweep_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sweep_ctx *s = data;
	struct xs_fl_dumped d;

	if (nlh->nlmsg_type != RTM_NEWTFILTER || xs_flower_nl_parse(nlh, &d) || !d.flower ||
	    !d.handle || d.prio < XS_OFFLOAD_PRIO_BASE ||
	    d.prio >= XS_OFFLOAD_PRIO_BASE + XS_OFFLOAD_PRIO_MAX || s->n == 256)
		return MNL_CB_OK;
	s->w[s->n].ifindex = d.ifindex;
	s->w[s->n].prio = d.prio;
	s->w[s->n].protocol = d.protocol;
	s->w[s->n++].handle = d.handle;
	return MNL_CB_OK;
}

int xs_offload_sweep(struct xs_offload *o, uint32_t ifindex)
{
	struct xs_offload_cfg c = { .mode = XS_HW_OFFLOAD_TC };
	struct xs_offload *tmp = NULL;
	struct sweep_ctx *s;
	int err = 0, gone = 0;

	if (!o) {
		err = xs_offload_new(&c, &tmp);
		if (err)
			return err;
		o = tmp;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		xs_offload_free(tmp);
		return -ENOMEM;
	}
	/* a dump fills at most 256 at a time: again until none is left */
	do {
		s->n = 0;
		err = xs_off_request(o, xs_flower_nl_dump(o->nlbuf, ifindex, 0), sweep_cb, s, NULL, 0);
		for (unsigned i = 0; !err && i < s->n; i++) {
			err = xs_off_request(o, xs_flower_nl_del(o->nlbuf, &s->w[i], 0), NULL, NULL, NULL,
				      0);
			gone += !err;
		}
	} while (!err && s->n == 256);
	free(s);
	xs_offload_free(tmp);
	return err ? err : gone;
}
