// SPDX-License-Identifier: Apache-2.0
/* Hardware offload of megaflows (offload.h): per port what the probe
 * found and what is used, per megaflow where it runs in hardware or why
 * not, refusals logged once per port and reason. */
#include "agent/offload/offload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>

#include "agent/datapath/port_hw.h"
#include "agent/offload/flower.h"
#include "agent/offload/flower_nl.h"
#include "agent/offload/probe.h"
#include "agent/offload/tc_sock.h"
#include "agent/offload/xdp_hw.h"
#include "common/clock.h"

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

/* --- names ---------------------------------------------------------------- */

static const char *const mode_names[] = { "off", "tc", "xdp-hw", "auto" };
static const char *const policy_names[] = { "skip_sw", "skip_hw", "none" };

static int by_name(const char *s, const char *const *names, int n, int *out)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

int xs_hw_offload_parse(const char *s, int *out)
{
	return by_name(s, mode_names, 4, out);
}

int xs_tc_policy_parse(const char *s, int *out)
{
	return by_name(s, policy_names, 3, out);
}

const char *xs_hw_offload_name(int mode)
{
	return mode >= 0 && mode < 4 ? mode_names[mode] : "?";
}

const char *xs_tc_policy_name(int policy)
{
	return policy >= 0 && policy < 3 ? policy_names[policy] : "?";
}

/* --- helpers -------------------------------------------------------------- */

static void logf_(struct xs_offload *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logf_(struct xs_offload *o, const char *fmt, ...)
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

/* One copy of each reason text, so ports and megaflows can point at it. */
static const char *intern(struct xs_offload *o, const char *text)
{
	for (unsigned i = 0; i < o->n_reasons; i++)
		if (!strcmp(o->reasons[i], text))
			return o->reasons[i];
	if (o->n_reasons == MAX_REASONS || !(o->reasons[o->n_reasons] = strdup(text)))
		return "other refusal (too many distinct reasons to keep)";
	return o->reasons[o->n_reasons++];
}

static struct off_port *find_port(struct xs_offload *o, uint32_t ifindex)
{
	for (size_t i = 0; i < o->n_ports; i++)
		if (o->ports[i].ifindex == ifindex)
			return &o->ports[i];
	return NULL;
}

/* A refusal on @p: logged the first time per reason, counted always. */
static const char *refused(struct xs_offload *o, struct off_port *p, const char *what,
			   const char *reason)
{
	char text[256];
	const char *r;

	snprintf(text, sizeof(text), "%s: %s", what, reason);
	r = intern(o, text);
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
	logf_(o, "offload: port %s: %s (first time; later ones are counted in `show`)", p->name,
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

/* The kernel's answer to @nlh (tc_sock.h's contract), or the stand-in's. */
static int request(struct xs_offload *o, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		   char *ext, size_t ext_size)
{
	if (o->cfg.request)
		return o->cfg.request(o->cfg.request_ctx, nlh, cb, data, ext, ext_size);
	if (!o->sock)
		return -ENOTCONN;
	return xs_tc_sock_request(o->sock, nlh, cb, data, ext, ext_size);
}

/* --- TC flower ------------------------------------------------------------ */

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

	err = request(o, nlh, NULL, NULL, ext, sizeof(ext));
	if (err)
		kernel_words(err, ext, why, why_size);
	return err;
}

/* Adds (or, @replace, replaces) @r's filter for @f. */
static int tc_install(struct xs_offload *o, struct off_port *p, struct mf_rec *r,
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
			r->reason = refused(o, p, "tc flower", "no filter priority left");
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
		r->reason = refused(o, p, "tc flower", why);
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

/* A dump's target: every megaflow of the port, or @only. */
struct dump_ctx {
	struct xs_offload *o;
	struct mf_rec *only;
};

/* One filter's counters (a get of its handle), into @r. */
static int dumped_cb(const struct nlmsghdr *nlh, void *data);

static void tc_read_one(struct xs_offload *o, struct mf_rec *r)
{
	struct nlmsghdr *nlh = xs_flower_nl_dump(o->nlbuf, r->tc.ifindex, 0);
	struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	struct dump_ctx ctx = { o, r };

	/* a get of one filter: handle, priority and protocol given */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	t->tcm_handle = r->tc.handle;
	t->tcm_info = TC_H_MAKE((uint32_t)r->tc.prio << 16, r->tc.protocol);
	mnl_attr_put_strz(nlh, TCA_KIND, "flower");
	request(o, nlh, dumped_cb, &ctx, NULL, 0);
}

static void tc_remove(struct xs_offload *o, struct off_port *p, struct mf_rec *r)
{
	char why[200];

	if (r->where != MF_TC)
		return;
	tc_read_one(o, r);
	if (tc_send(o, xs_flower_nl_del(o->nlbuf, &r->tc, 0), why, sizeof(why)) &&
	    p)
		refused(o, p, "tc flower delete", why);
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
	request(o, xs_clsact_msg(qbuf, RTM_GETQDISC, p->ifindex), xs_clsact_dump_cb, &q, NULL, 0);
	p->clsact = q.found;
	if (mode == XS_HW_OFFLOAD_TC || (mode == XS_HW_OFFLOAD_AUTO && p->tc_feature == 1)) {
		if (!p->clsact &&
		    !request(o, xs_clsact_msg(qbuf, RTM_NEWQDISC, p->ifindex), NULL, NULL, NULL, 0))
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
		err = request(o, xs_flower_nl_dump(o->nlbuf, ifindex, 0), sweep_cb, s, NULL, 0);
		for (unsigned i = 0; !err && i < s->n; i++) {
			err = request(o, xs_flower_nl_del(o->nlbuf, &s->w[i], 0), NULL, NULL, NULL,
				      0);
			gone += !err;
		}
	} while (!err && s->n == 256);
	free(s);
	xs_offload_free(tmp);
	return err ? err : gone;
}

void xs_offload_port_add(struct xs_offload *o, uint32_t ifindex, const char *name)
{
	struct off_port *p;
	int swept;

	if (find_port(o, ifindex))
		return;
	swept = xs_offload_sweep(o, ifindex);
	if (swept > 0)
		logf_(o, "offload: port %s: removed %d flower filter%s a previous agent left", name,
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
			tc_remove(o, p, r);
		if (r->where == MF_XDP_HW && p->xhw)
			xs_xdp_hw_del(p->xhw, &r->hk, &r->hm);
		r->where = MF_NONE;
		r->reason = intern(o, "port removed");
	}
	xs_xdp_hw_close(p->xhw);
	p->xhw = NULL;
	if (p->created_clsact) {
		char qbuf[512];

		request(o, xs_clsact_msg(qbuf, RTM_DELQDISC, p->ifindex), NULL, NULL, NULL, 0);
	}
	p->created_clsact = false;
}

void xs_offload_port_del(struct xs_offload *o, uint32_t ifindex)
{
	struct off_port *p = find_port(o, ifindex);

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
	struct off_port *p = find_port(o, r->key.in_port);
	struct xs_fl_ports ports = { o->bridge_ports, o->n_bridge_ports };
	const char *why = NULL;
	struct xs_flower f;

	if (!p) {
		r->reason = intern(o, "port not probed for offload");
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
			r->reason = refused(o, p, "hardware XDP", why);
			return;
		}
	}
	if (!p->use_tc) { /* and no hardware XDP either */
		if (o->cfg.mode == XS_HW_OFFLOAD_XDP_HW)
			r->reason = refused(o, p, "hardware XDP", p->xdp_hw_why);
		else if (o->cfg.mode == XS_HW_OFFLOAD_TC)
			r->reason = refused(o, p, "tc flower", p->tc_why);
		else
			r->reason = intern(o, "auto: this port offers neither tc flower nor "
					   "hardware XDP (see show)");
		return;
	}
	if (xs_flower_from_megaflow(&r->key, &r->mask, actions, n_actions, &ports, &f, &why)) {
		r->reason = refused(o, p, "tc flower cannot express", why);
		return;
	}
	tc_install(o, p, r, &f, handle, false);
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
	p = find_port(o, r->key.in_port);
	/* Same slot, filter stays: replaced in place with the new actions. */
	if (r->where == MF_TC && old.slot == h.slot && p &&
	    !xs_flower_from_megaflow(&r->key, &r->mask, actions, n_actions, &ports, &f, &why) &&
	    f.protocol == r->tc.protocol) {
		r->gen = h.gen;
		tc_read_one(o, r);
		r->carry_packets += r->packets;
		r->carry_bytes += r->bytes;
		r->packets = r->bytes = 0;
		if (!tc_install(o, p, r, &f, r->tc.handle, true))
			return;
		/* the old filter may still be there: remove it */
		r->where = MF_TC;
		why = r->reason;
		tc_remove(o, p, r);
		r->reason = why;
		return;
	}
	if (r->where == MF_TC)
		tc_remove(o, p, r);
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
	p = find_port(o, r->key.in_port);
	if (r->where == MF_TC)
		tc_remove(o, p, r);
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

		if (p->n_tc) {
			struct dump_ctx ctx = { o, NULL };

			request(o, xs_flower_nl_dump(o->nlbuf, p->ifindex, 0), dumped_cb, &ctx,
				NULL, 0);
		}
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

/* --- show ----------------------------------------------------------------- */

void xs_offload_port_show(struct xs_offload *o, uint32_t ifindex, struct xs_ctl_buf *out,
			  bool json)
{
	struct off_port *p = find_port(o, ifindex);
	uint64_t failed = 0;

	if (!p)
		return;
	for (unsigned i = 0; i < p->n_fails; i++)
		failed += p->fails[i].count;
	failed += p->fails_other;
	if (json) {
		xs_ctl_printf(out, ", \"offload\": {\"driver\": ");
		xs_ctl_json_str(out, p->driver);
		xs_ctl_printf(out, ", \"hw_tc_offload\": \"%s\", \"clsact\": %s, \"tc\": %s, "
			      "\"tc_why\": ", p->tc_feature < 0 ? "unknown" :
			      p->tc_feature ? "on" : "off", p->clsact ? "true" : "false",
			      p->use_tc ? "true" : "false");
		xs_ctl_json_str(out, p->use_tc ? "" : p->tc_why);
		xs_ctl_printf(out, ", \"xdp_hw\": %s, \"xdp_hw_why\": ",
			      p->use_xdp_hw ? "true" : "false");
		xs_ctl_json_str(out, p->use_xdp_hw ? "" : p->xdp_hw_why);
		xs_ctl_printf(out, ", \"offloaded_tc\": %u, \"offloaded_xdp_hw\": %u, "
			      "\"refusals\": %" PRIu64 ", \"refusals_by_reason\": [", p->n_tc,
			      p->n_xdp_hw, failed);
		for (unsigned i = 0; i < p->n_fails; i++) {
			xs_ctl_printf(out, "%s{\"reason\": ", i ? ", " : "");
			xs_ctl_json_str(out, p->fails[i].reason);
			xs_ctl_printf(out, ", \"count\": %" PRIu64 "}", p->fails[i].count);
		}
		xs_ctl_printf(out, "]}");
		return;
	}
	xs_ctl_printf(out, "\n    offload: driver %s, hw-tc-offload %s, clsact %s%s\n"
		      "    offload: tc flower %s%s%s%s\n"
		      "    offload: hardware XDP %s%s%s%s\n"
		      "    offload: offloaded tc %u, xdp-hw %u; refusals %" PRIu64,
		      p->driver, p->tc_feature < 0 ? "unknown" : p->tc_feature ? "on" :
		      p->tc_available ? "off" : "off [fixed]", p->clsact ? "yes" : "no",
		      p->created_clsact ? " (created for offload)" : "",
		      p->use_tc ? "tried" : "not tried", p->use_tc ? "" : " (",
		      p->use_tc ? "" : p->tc_why, p->use_tc ? "" : ")",
		      p->use_xdp_hw ? "attached" : "not used", p->use_xdp_hw ? "" : " (",
		      p->use_xdp_hw ? "" : p->xdp_hw_why, p->use_xdp_hw ? "" : ")", p->n_tc,
		      p->n_xdp_hw, failed);
	for (unsigned i = 0; i < p->n_fails; i++)
		xs_ctl_printf(out, "\n    offload: refused %" PRIu64 "x: %s", p->fails[i].count,
			      p->fails[i].reason);
}

void xs_offload_show(struct xs_offload *o, struct xs_ctl_buf *out, bool json)
{
	if (json) {
		xs_ctl_printf(out, ", \"hw_offload\": \"%s\", \"tc_policy\": \"%s\"",
			      xs_hw_offload_name(o->cfg.mode), xs_tc_policy_name(o->cfg.policy));
		return;
	}
	xs_ctl_printf(out, "hw-offload: %s, tc-policy: %s\n", xs_hw_offload_name(o->cfg.mode),
		      xs_tc_policy_name(o->cfg.policy));
}
