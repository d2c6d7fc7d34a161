// SPDX-License-Identifier: Apache-2.0
/* Translation of a packet through the OpenFlow tables into datapath actions
 * and a megaflow mask; semantics in xlate.h. */
#include "agent/pipeline/xlate.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pipeline/normal.h"
#include "xdpswitch/datapath.h"
#include "agent/pipeline/recirc.h"
#include "common/be_bits.h"

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100
#define XLATE_STACK_DEPTH 64

/* The OpenFlow action set: at most one action of each kind (one set per
 * field), run at the end of the pipeline in the spec's order: pop, push,
 * dec_ttl, the sets, then the output. */
#define ASET_MAX_SETS 16
struct action_set {
	const struct ofpact *pop, *push, *dec_ttl, *out;
	const struct ofpact *sets[ASET_MAX_SETS];
	unsigned n_sets;
};

static enum ofp_field_id set_field_of(const struct ofpact *a)
{
	return a->type == OFPACT_MOD_VLAN_VID ? OFPF_DL_VLAN :
	       a->type == OFPACT_MOD_VLAN_PCP ? OFPF_DL_VLAN_PCP : a->set_field.field;
}

/* write_actions: each action replaces the set's action of its kind. */
static void aset_write(struct action_set *s, const struct ofpact *acts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ofpact *a = &acts[i];
		unsigned k;

		switch (a->type) {
		case OFPACT_OUTPUT:
		case OFPACT_CONTROLLER:
			s->out = a;
			break;
		case OFPACT_POP_VLAN:
			s->pop = a;
			break;
		case OFPACT_PUSH_VLAN:
			s->push = a;
			break;
		case OFPACT_DEC_TTL:
			s->dec_ttl = a;
			break;
		case OFPACT_SET_FIELD:
		case OFPACT_MOD_VLAN_VID:
		case OFPACT_MOD_VLAN_PCP:
			for (k = 0; k < s->n_sets; k++)
				if (set_field_of(s->sets[k]) == set_field_of(a))
					break;
			if (k < ASET_MAX_SETS) {
				s->sets[k] = a;
				if (k == s->n_sets)
					s->n_sets++;
			}
			break;
		default:
			break; /* the parsers let nothing else in */
		}
	}
}

/* State of one translation. */
struct xctx {
	const struct flow_tables *ft;
	struct xlate_result *res;
	struct ofp_key key;        /* working key: what the pipeline sees */
	struct xs_flow_key dp;     /* the packet as the datapath holds it after
	                            * the actions emitted so far */
	struct ofp_key wc;         /* bits depended on (1 = exact) */
	struct ofp_key written;    /* bits actions wrote; they join wc at the
	                            * first commit, whose "did it change"
	                            * depends on the packet's old value */
	unsigned n_lookups;
	uint8_t table;             /* table whose rule is running */
	int err;
	bool stop;                 /* nothing after this point can run */
	bool recirculated;         /* a ct(table=T) ended the datapath list */
	unsigned n_kept;           /* actions up to the last one that matters */
	bool packet_out;           /* xlate_actions: output:TABLE runs table 0 */
	struct action_set aset;    /* write_actions so far (OpenFlow 1.3) */
	/* The register stack of push/pop: values right-aligned in 16 bytes. */
	uint8_t stack[XLATE_STACK_DEPTH][OFP_FIELD_MAX_BYTES];
	unsigned n_stack;
	unsigned clone_depth;      /* inside clone(...) */
};

void xlate_trace_free(struct xlate_trace *trace)
{
	free(trace->events);
	memset(trace, 0, sizeof(*trace));
}

static struct xlate_event *trace_event(struct xctx *x, enum xlate_event_type type,
				       unsigned depth)
{
	struct xlate_trace *t = x->res->trace;

	if (!t)
		return NULL;
	if (t->n_events == t->alloc) {
		size_t n = t->alloc ? t->alloc * 2 : 32;
		void *p = realloc(t->events, n * sizeof(*t->events));
		if (!p) {
			t->truncated = true;
			return NULL;
		}
		t->events = p;
		t->alloc = n;
	}
	struct xlate_event *e = &t->events[t->n_events++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->depth = depth;
	e->table = x->table;
	return e;
}

static void vnote(struct xctx *x, enum xlate_event_type type, unsigned depth, const char *fmt,
		  va_list ap)
{
	struct xlate_event *e = trace_event(x, type, depth);

	if (e)
		vsnprintf(e->note, sizeof(e->note), fmt, ap);
}

static void __attribute__((format(printf, 3, 4)))
note(struct xctx *x, unsigned depth, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(x, XEV_NOTE, depth, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 4)))
info(struct xctx *x, unsigned depth, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(x, XEV_INFO, depth, fmt, ap);
	va_end(ap);
}

/* Records the first error; the translation stops and ends as a drop. */
#define fail(x, depth, error, ...) do {                 \
		if (!(x)->err)                          \
			(x)->err = (error);             \
		note(x, depth, __VA_ARGS__);            \
	} while (0)

static struct xs_action *emit(struct xctx *x, unsigned depth, enum xs_action_type type)
{
	struct xs_action *a;

	if (x->err)
		return NULL;
	if (x->recirculated) {
		fail(x, depth, -EOPNOTSUPP, "actions after ct(table=...) that reach the "
		     "datapath are not supported");
		return NULL;
	}
	if (x->res->n_actions == XS_MAX_ACTIONS) {
		fail(x, depth, -E2BIG, "more than %d datapath actions", XS_MAX_ACTIONS);
		return NULL;
	}
	a = &x->res->actions[x->res->n_actions++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return a;
}

/* --- commit: datapath set actions for what the pipeline changed ----------- */

static bool is_present(const struct xs_vlan_hdr_key *v)
{
	return ntohs(v->tci) & XS_VLAN_PRESENT;
}

/* Gives the working VLAN stack one spelling: absent tags all zero, present
 * tags with a TPID (set_field on vlan_tci may leave it 0). */
static void normalize_vlans(struct xs_vlan_hdr_key *v)
{
	bool outer_gone = false;

	for (int i = 0; i < XS_MAX_VLAN; i++) {
		if (outer_gone || !is_present(&v[i])) {
			v[i].tpid = 0;
			v[i].tci = 0;
			outer_gone = true;
		} else if (!v[i].tpid) {
			v[i].tpid = htons(ETH_TYPE_VLAN);
		}
	}
}

static unsigned n_tags(const struct xs_vlan_hdr_key *v)
{
	unsigned n = 0;

	while (n < XS_MAX_VLAN && is_present(&v[n]))
		n++;
	return n;
}

/* Turns the datapath's VLAN stack into the working one with the fewest
 * pops, then at most one TCI rewrite of the outer kept tag, then pushes. */
static void commit_vlans(struct xctx *x, unsigned depth)
{
	struct xs_vlan_hdr_key *w = x->key.dp.vlan, *d = x->dp.vlan;
	unsigned nw, nd;

	/* Both sides, so a spelling difference is never a change. */
	normalize_vlans(w);
	normalize_vlans(d);
	if (!memcmp(w, d, sizeof(x->dp.vlan)))
		return;
	/* Which of pop/set/push is emitted depends on how many tags there
	 * are; a set carries only the written bits (already in the mask). */
	for (int i = 0; i < XS_MAX_VLAN; i++)
		x->wc.dp.vlan[i].tci |= htons(XS_VLAN_PRESENT);
	nw = n_tags(w);
	nd = n_tags(d);
	for (unsigned pops = 0; pops <= nd; pops++) {
		unsigned kept = nd - pops;
		bool ok = kept <= nw, set = false;

		for (unsigned i = 0; ok && i < kept; i++) {
			const struct xs_vlan_hdr_key *a = &d[pops + i], *b = &w[nw - kept + i];
			if (a->tpid != b->tpid)
				ok = false;
			else if (a->tci != b->tci && i == 0 && kept == nw)
				set = true;
			else if (a->tci != b->tci)
				ok = false;
		}
		if (!ok)
			continue;
		/* Pushing back tags the packet had copies their bits. */
		if (nw > kept && nd)
			memset(x->wc.dp.vlan, 0xff, sizeof(x->wc.dp.vlan));
		for (unsigned i = 0; i < pops; i++)
			emit(x, depth, XS_ACT_POP_VLAN);
		if (set) {
			struct xs_action *a = emit(x, depth, XS_ACT_SET_VLAN_TCI);
			__be16 diff = w[0].tci ^ d[pops].tci;
			if (a) {
				a->u.be16[0] = w[0].tci & diff;
				a->u.be16[1] = diff;
			}
		}
		for (int i = (int)(nw - kept) - 1; i >= 0; i--) {
			struct xs_action *a = emit(x, depth, XS_ACT_PUSH_VLAN);
			if (a) {
				a->u.be16[0] = w[i].tpid;
				a->u.be16[1] = w[i].tci;
			}
		}
		break;
	}
	memcpy(d, w, sizeof(x->dp.vlan));
}

/* Emits an unmasked set of a whole field when it changed. The action
 * carries the field's unwritten bits too, so they join the mask. */
static bool commit_whole(struct xctx *x, unsigned depth, size_t ofs, size_t size,
			 enum xs_action_type type, uint16_t flags)
{
	uint8_t *w = (uint8_t *)&x->key.dp + ofs, *d = (uint8_t *)&x->dp + ofs;
	struct xs_action *a;

	if (!memcmp(w, d, size))
		return false;
	memset((uint8_t *)&x->wc.dp + ofs, 0xff, size);
	a = emit(x, depth, type);
	if (a) {
		a->flags = flags;
		memcpy(a->u.bytes, w, size);
	}
	memcpy(d, w, size);
	return true;
}

#define WHOLE(x, depth, member, type, flags) \
	commit_whole(x, depth, offsetof(struct xs_flow_key, member), \
		     sizeof(((struct xs_flow_key *)0)->member), type, flags)

/* Emits a set of an IPv4 address (member of 4 bytes) or an L4 port (2)
 * that changed: masked when only some of its bits were ever written, so
 * the megaflow needs only those (already in it); else whole, and the
 * unwritten bits the action copies join the mask. */
static bool commit_partial(struct xctx *x, unsigned depth, size_t ofs, size_t size,
			   enum xs_action_type type)
{
	uint8_t *w = (uint8_t *)&x->key.dp + ofs, *d = (uint8_t *)&x->dp + ofs;
	const uint8_t *wr = (const uint8_t *)&x->written.dp + ofs;
	struct xs_action *a;
	bool whole = true;

	if (!memcmp(w, d, size))
		return false;
	for (size_t i = 0; i < size; i++)
		whole &= wr[i] == 0xff;
	if (whole)
		return commit_whole(x, depth, ofs, size, type, 0);
	a = emit(x, depth, type);
	if (a) {
		a->flags = XS_SET_F_MASKED;
		for (size_t i = 0; i < size; i++) {
			a->u.bytes[i] = w[i] & wr[i];
			a->u.bytes[size + i] = wr[i];
		}
	}
	memcpy(d, w, size);
	return true;
}

#define PARTIAL(x, depth, member, type) \
	commit_partial(x, depth, offsetof(struct xs_flow_key, member), \
		       sizeof(((struct xs_flow_key *)0)->member), type)

/* Emits a masked set of the bits of a u8 that changed (only written bits can
 * differ, and those are already exact in the mask). */
static void commit_tos(struct xctx *x, unsigned depth)
{
	uint8_t diff = x->key.dp.nw_tos ^ x->dp.nw_tos;
	struct xs_action *a;

	if (!diff)
		return;
	a = emit(x, depth, XS_ACT_SET_NW_TOS);
	if (a) {
		a->u.bytes[0] = x->key.dp.nw_tos & diff;
		a->u.bytes[1] = diff;
	}
	x->dp.nw_tos = x->key.dp.nw_tos;
}

static void commit_label(struct xctx *x, unsigned depth)
{
	__be32 diff = x->key.dp.ipv6_label ^ x->dp.ipv6_label;
	struct xs_action *a;

	if (!diff)
		return;
	a = emit(x, depth, XS_ACT_SET_IPV6_LABEL);
	if (a) {
		a->u.be32[0] = x->key.dp.ipv6_label & diff;
		a->u.be32[1] = diff;
	}
	x->dp.ipv6_label = x->key.dp.ipv6_label;
}

static void commit_arp_op(struct xctx *x, unsigned depth)
{
	struct xs_action *a;

	if (x->key.dp.nw_proto == x->dp.nw_proto)
		return;
	a = emit(x, depth, XS_ACT_SET_ARP);
	if (a) {
		a->flags = XS_ARP_FIELD_OP;
		a->u.be16[0] = htons(x->key.dp.nw_proto);
	}
	x->dp.nw_proto = x->key.dp.nw_proto;
}

static bool is_l4_proto(uint8_t p)
{
	return p == 6 || p == 17 || p == 132 || p == 1 || p == 58;
}

#define MEMBER(m) { offsetof(struct xs_flow_key, m), #m }

/* Name of the flow key member holding byte ofs (for error notes). */
static const char *key_member_name(size_t ofs)
{
	static const struct { size_t ofs; const char *name; } members[] = {
		MEMBER(in_port), MEMBER(dl_dst), MEMBER(dl_src), MEMBER(dl_type),
		MEMBER(vlan), MEMBER(nw_proto), MEMBER(nw_tos), MEMBER(nw_ttl),
		MEMBER(nw_frag), MEMBER(tp_src), MEMBER(tp_dst), MEMBER(tcp_flags),
		MEMBER(nw_src), MEMBER(nw_dst), MEMBER(ipv6_label), MEMBER(ipv6_src),
		MEMBER(ipv6_dst), MEMBER(recirc_id), MEMBER(ct_mark), MEMBER(ct_zone),
		MEMBER(ct_state), MEMBER(ct_nw_proto), MEMBER(ct_tp_src), MEMBER(ct_tp_dst),
		MEMBER(nd_target), MEMBER(arp_sha), MEMBER(arp_tha), MEMBER(nd_pad),
		MEMBER(ct_label),
	};
	_Static_assert(XS_FLOW_KEY_SEQ == 4, "list every flow key member above");
	size_t i = 0;

	while (i + 1 < sizeof(members) / sizeof(members[0]) && members[i + 1].ofs <= ofs)
		i++;
	return members[i].name;
}

/* Brings the datapath's copy of the packet up to the working key. */
static void commit(struct xctx *x, unsigned depth)
{
	struct xs_flow_key *w = &x->key.dp;
	uint16_t type = ntohs(w->dl_type);
	bool l3 = false, l4 = false;
	uint8_t *wc = (uint8_t *)&x->wc.dp;
	const uint8_t *wr = (const uint8_t *)&x->written.dp;

	for (size_t i = 0; i < sizeof(x->wc.dp); i++)
		wc[i] |= wr[i];
	commit_vlans(x, depth);
	WHOLE(x, depth, dl_src, XS_ACT_SET_ETH_SRC, 0);
	WHOLE(x, depth, dl_dst, XS_ACT_SET_ETH_DST, 0);
	if (type == ETH_TYPE_IP) {
		l3 |= PARTIAL(x, depth, nw_src, XS_ACT_SET_IPV4_SRC);
		l3 |= PARTIAL(x, depth, nw_dst, XS_ACT_SET_IPV4_DST);
	} else if (type == ETH_TYPE_IPV6) {
		l3 |= WHOLE(x, depth, ipv6_src, XS_ACT_SET_IPV6_SRC, 0);
		l3 |= WHOLE(x, depth, ipv6_dst, XS_ACT_SET_IPV6_DST, 0);
		commit_label(x, depth);
	} else if (type == ETH_TYPE_ARP) {
		commit_arp_op(x, depth);
		l3 |= WHOLE(x, depth, nw_src, XS_ACT_SET_ARP, XS_ARP_FIELD_SPA);
		l3 |= WHOLE(x, depth, nw_dst, XS_ACT_SET_ARP, XS_ARP_FIELD_TPA);
		l3 |= WHOLE(x, depth, arp_sha, XS_ACT_SET_ARP, XS_ARP_FIELD_SHA);
		l3 |= WHOLE(x, depth, arp_tha, XS_ACT_SET_ARP, XS_ARP_FIELD_THA);
	}
	if (type == ETH_TYPE_IP || type == ETH_TYPE_IPV6) {
		commit_tos(x, depth);
		l3 |= WHOLE(x, depth, nw_ttl, XS_ACT_SET_NW_TTL, 0);
		if (w->nw_proto == 1 || w->nw_proto == 58) {
			/* ICMP type and code: one byte each, written whole. */
			l4 |= WHOLE(x, depth, tp_src, XS_ACT_SET_TP_SRC, 0);
			l4 |= WHOLE(x, depth, tp_dst, XS_ACT_SET_TP_DST, 0);
		} else if (is_l4_proto(w->nw_proto)) {
			l4 |= PARTIAL(x, depth, tp_src, XS_ACT_SET_TP_SRC);
			l4 |= PARTIAL(x, depth, tp_dst, XS_ACT_SET_TP_DST);
		}
	}
	/* The action chosen depended on the packet's type (and protocol). */
	if (l3 || l4)
		x->wc.dp.dl_type = 0xffff;
	if (l4)
		x->wc.dp.nw_proto = 0xff;

	/* Whatever still differs has no datapath action. */
	struct xs_flow_key a = *w, b = x->dp;
	a.in_port = b.in_port = 0;
	if (memcmp(&a, &b, sizeof(a))) {
		const uint8_t *pa = (const uint8_t *)&a, *pb = (const uint8_t *)&b;
		size_t i = 0;
		while (pa[i] == pb[i])
			i++;
		fail(x, depth, -EOPNOTSUPP, "the datapath cannot rewrite %s in this packet",
		     key_member_name(i));
	}
}

/* --- actions ------------------------------------------------------------------ */

static void do_table(struct xctx *x, uint8_t table, unsigned depth, uint32_t lookup_port);
static void run_action_set(struct xctx *x, unsigned depth);
static void do_normal(struct xctx *x, unsigned depth);

static bool has_port(const struct flow_tables *ft, uint32_t port)
{
	for (unsigned i = 0; i < ft->n_ports; i++)
		if (ft->ports[i] == port)
			return true;
	return false;
}

static void output_to(struct xctx *x, unsigned depth, uint32_t port)
{
	struct xs_action *a;

	/* The parser refuses LOCAL, but load/move can still put it (or another
	 * reserved number) in in_port for output:in_port: no port has it. */
	if (port >= OFPP_MAX) {
		note(x, depth, "output to %s: this bridge has no such port: dropped",
		     port == OFPP_LOCAL ? "LOCAL" : "a reserved port number");
		return;
	}
	if (x->ft->n_ports && !has_port(x->ft, port)) {
		/* As in OVS: after load:0->in_port[], output:in_port goes nowhere. */
		note(x, depth, "output to port %u: this bridge has no such port: dropped",
		     port);
		return;
	}
	commit(x, depth);
	a = emit(x, depth, XS_ACT_OUTPUT);
	if (a) {
		a->arg = port;
		x->n_kept = x->res->n_actions;
	}
}

/* To the agent, with the index of the controller action's descriptor
 * (0, the plain one, when act is NULL) as the upcall's cookie. */
static void to_agent(struct xctx *x, unsigned depth, const struct ofpact *act)
{
	struct xs_action *a;
	int cookie = 0;

	if (act && x->ft->ctl) {
		struct ctl_desc d;

		ctl_desc_of(act, &d);
		cookie = ctl_desc_intern(x->ft->ctl, &d);
		if (cookie < 0) {
			fail(x, depth, cookie, "no room for another controller descriptor");
			return;
		}
	}
	commit(x, depth);
	a = emit(x, depth, XS_ACT_TO_AGENT);
	if (a) {
		a->arg = XS_UPCALL_ACTION;
		a->flags = (uint16_t)cookie;
		x->n_kept = x->res->n_actions;
	}
}

/* flood and all (the same here: no port has OFPPC_NO_FLOOD): one
 * broadcast output, every port of the bridge but the ingress one, however
 * many there are. The datapath leaves out the port the packet came in on;
 * after an action rewrote in_port, OpenFlow leaves out the new one
 * instead, which only explicit outputs can say (each port of the bridge
 * but the current in_port, within XS_MAX_ACTIONS). */
static void flood(struct xctx *x, unsigned depth)
{
	uint32_t in_port = x->key.dp.in_port;
	struct xs_action *a;

	/* A packet-out from CONTROLLER comes in on no port: nothing to skip. */
	if (in_port != x->dp.in_port || in_port >= OFPP_MAX) {
		for (unsigned i = 0; i < x->ft->n_ports; i++)
			if (x->ft->ports[i] != in_port)
				output_to(x, depth, x->ft->ports[i]);
		return;
	}
	commit(x, depth);
	a = emit(x, depth, XS_ACT_OUTPUT);
	if (a) {
		a->flags = XS_OUT_F_BROADCAST;
		x->n_kept = x->res->n_actions;
	}
}

static void do_output(struct xctx *x, unsigned depth, uint32_t port)
{
	uint32_t in_port = x->key.dp.in_port;

	switch (port) {
	case OFPP_IN_PORT:
		output_to(x, depth, in_port);
		break;
	case OFPP_CONTROLLER:
		to_agent(x, depth, NULL);
		break;
	case OFPP_FLOOD:
	case OFPP_ALL:
		flood(x, depth);
		break;
	case OFPP_NORMAL:
		do_normal(x, depth);
		break;
	case OFPP_TABLE:
		if (x->packet_out) {
			do_table(x, 0, depth + 1, OFPP_IN_PORT);
			run_action_set(x, depth + 1);
		}
		else
			note(x, depth, "output to TABLE is only for packet-out: ignored");
		break;
	case OFPP_NONE:
		break;
	default:
		if (port == in_port)
			note(x, depth, "skipping output to input port");
		else
			output_to(x, depth, port);
		break;
	}
}

/* Writes src_bits (right-aligned in src of src_n bytes) into a subfield of
 * the working key, un-wildcarding the written bits. */
static void write_subfield(struct xctx *x, unsigned depth, const struct ofpact_subfield *dst,
			   const uint8_t *src, unsigned src_n)
{
	const struct ofp_field *f = ofp_field_by_id(dst->field);
	uint8_t value[OFP_FIELD_MAX_BYTES] = { 0 }, mask[OFP_FIELD_MAX_BYTES] = { 0 };

	ofp_prereq_mask(f, &x->key, &x->wc);
	if (!ofp_prereq_ok(f, &x->key)) {
		note(x, depth, "%s not in this packet: write skipped", f->name);
		return;
	}
	for (unsigned i = 0; i < dst->n_bits; i++) {
		be_bit_put(value, f->n_bytes, dst->ofs + i, be_bit_get(src, src_n, i));
		be_bit_put(mask, f->n_bytes, dst->ofs + i, 1);
	}
	ofp_field_set(f, mask, mask, &x->written);
	ofp_field_set(f, value, mask, &x->key);
}

static void do_set_field(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	const struct ofp_field *f = ofp_field_by_id(a->set_field.field);

	ofp_prereq_mask(f, &x->key, &x->wc);
	if (!ofp_prereq_ok(f, &x->key)) {
		note(x, depth, "%s not in this packet: set skipped", f->name);
		return;
	}
	ofp_field_set(f, a->set_field.mask, a->set_field.mask, &x->written);
	ofp_field_set(f, a->set_field.value, a->set_field.mask, &x->key);
}

static void do_move(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	const struct ofp_field *f = ofp_field_by_id(a->move.src.field);
	uint8_t value[OFP_FIELD_MAX_BYTES], bits[OFP_FIELD_MAX_BYTES] = { 0 };
	uint8_t mask[OFP_FIELD_MAX_BYTES] = { 0 };

	ofp_prereq_mask(f, &x->key, &x->wc);
	if (!ofp_prereq_ok(f, &x->key)) {
		note(x, depth, "%s not in this packet: move skipped", f->name);
		return;
	}
	ofp_field_get(f, &x->key, value);
	for (unsigned i = 0; i < a->move.src.n_bits; i++) {
		be_bit_put(bits, sizeof(bits), i, be_bit_get(value, f->n_bytes, a->move.src.ofs + i));
		be_bit_put(mask, f->n_bytes, a->move.src.ofs + i, 1);
	}
	/* The destination now carries these packet bits. */
	ofp_field_set(f, mask, mask, &x->wc);
	write_subfield(x, depth, &a->move.dst, bits, sizeof(bits));
}

/* Reads a subfield of the working key (right-aligned into out[16]),
 * un-wildcarding the bits read; false when the field is not in the packet. */
static bool read_subfield(struct xctx *x, unsigned depth, const struct ofpact_subfield *sf,
			  uint8_t *out, const char *what)
{
	const struct ofp_field *f = ofp_field_by_id(sf->field);
	uint8_t value[OFP_FIELD_MAX_BYTES], mask[OFP_FIELD_MAX_BYTES] = { 0 };

	memset(out, 0, OFP_FIELD_MAX_BYTES);
	ofp_prereq_mask(f, &x->key, &x->wc);
	if (!ofp_prereq_ok(f, &x->key)) {
		note(x, depth, "%s not in this packet: %s skipped", f->name, what);
		return false;
	}
	ofp_field_get(f, &x->key, value);
	for (unsigned i = 0; i < sf->n_bits; i++) {
		be_bit_put(out, OFP_FIELD_MAX_BYTES, i, be_bit_get(value, f->n_bytes, sf->ofs + i));
		be_bit_put(mask, f->n_bytes, sf->ofs + i, 1);
	}
	ofp_field_set(f, mask, mask, &x->wc);
	return true;
}

static void do_push(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	uint8_t v[OFP_FIELD_MAX_BYTES];

	if (!read_subfield(x, depth, &a->stack, v, "push"))
		return;
	if (x->n_stack == XLATE_STACK_DEPTH) {
		fail(x, depth, -E2BIG, "register stack overflow (%d entries)", XLATE_STACK_DEPTH);
		return;
	}
	memcpy(x->stack[x->n_stack++], v, sizeof(v));
}

static void do_pop(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	if (!x->n_stack) {
		note(x, depth, "pop from an empty register stack: nothing written");
		return;
	}
	x->n_stack--;
	write_subfield(x, depth, &a->stack, x->stack[x->n_stack], OFP_FIELD_MAX_BYTES);
}

/* output:FIELD[range]: the port number the field holds (OVS: values
 * above 16 bits name no port). */
static void do_output_reg(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	uint8_t v[OFP_FIELD_MAX_BYTES];
	uint32_t port = 0;
	bool big = false;

	if (!read_subfield(x, depth, &a->output_reg, v, "output"))
		return;
	for (unsigned i = 0; i < OFP_FIELD_MAX_BYTES - 4; i++)
		big |= v[i] != 0;
	for (unsigned i = OFP_FIELD_MAX_BYTES - 4; i < OFP_FIELD_MAX_BYTES; i++)
		port = port << 8 | v[i];
	if (big || port > UINT16_MAX) {
		note(x, depth, "output to a field holding a value above 65535: no such port");
		return;
	}
	do_output(x, depth, port);
}

static void do_dec_ttl(struct xctx *x, unsigned depth)
{
	uint16_t type = ntohs(x->key.dp.dl_type);
	struct xs_action *act;

	x->wc.dp.dl_type = 0xffff;
	if (type != ETH_TYPE_IP && type != ETH_TYPE_IPV6) {
		note(x, depth, "dec_ttl on a non-IP packet does nothing");
		return;
	}
	x->wc.dp.nw_ttl = 0xff;
	/* DEC_TTL commutes with the other pending sets: commit them only when
	 * the TTL itself was rewritten, or when the packet leaves for the
	 * agent here (it should see every change made so far). */
	if (x->key.dp.nw_ttl <= 1 || x->key.dp.nw_ttl != x->dp.nw_ttl)
		commit(x, depth);
	if (x->key.dp.nw_ttl <= 1 && x->clone_depth) {
		/* The datapath's dec_ttl would end the whole action list; in a
		 * clone only the clone ends, so hand the packet over here. */
		act = emit(x, depth, XS_ACT_TO_AGENT);
		if (act) {
			act->arg = XS_UPCALL_TTL_EXPIRED;
			x->n_kept = x->res->n_actions;
		}
		note(x, depth, "TTL expired in a clone: to the agent, the clone ends");
		x->stop = true;
		return;
	}
	act = emit(x, depth, XS_ACT_DEC_TTL);
	if (!act)
		return;
	if (x->key.dp.nw_ttl <= 1) {
		/* The datapath hands such a packet to the agent; nothing after
		 * this action ever runs. */
		note(x, depth, "TTL expired: the datapath sends the packet to the agent");
		x->n_kept = x->res->n_actions;
		x->stop = true;
		return;
	}
	x->key.dp.nw_ttl--;
	x->dp.nw_ttl--;
}

/* A VLAN edit depends on which tags are there (their present bits); what
 * it reads or writes beyond that, do_vlan adds. */
static bool vlan_edit_begin(struct xctx *x)
{
	for (int i = 0; i < XS_MAX_VLAN; i++)
		x->wc.dp.vlan[i].tci |= htons(XS_VLAN_PRESENT);
	normalize_vlans(x->key.dp.vlan);
	return is_present(&x->key.dp.vlan[0]);
}

static void push_tag(struct xctx *x, unsigned depth, __be16 tpid, uint16_t tci)
{
	struct xs_vlan_hdr_key *v = x->key.dp.vlan;

	if (is_present(&v[XS_MAX_VLAN - 1])) {
		fail(x, depth, -EOPNOTSUPP, "more than %d VLAN tags", XS_MAX_VLAN);
		return;
	}
	memmove(&v[1], &v[0], sizeof(v[0]) * (XS_MAX_VLAN - 1));
	v[0].tpid = tpid;
	v[0].tci = htons(tci | XS_VLAN_PRESENT);
	/* A new outer tag is written whole: if the packet had one there, a
	 * commit compares all its bits. */
	x->written.dp.vlan[0].tpid = 0xffff;
	x->written.dp.vlan[0].tci = 0xffff;
}

static void do_vlan(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	struct xs_vlan_hdr_key *v = x->key.dp.vlan;
	bool tagged = vlan_edit_begin(x);
	uint16_t tci = tagged ? ntohs(v[0].tci) : 0;

	switch (a->type) {
	case OFPACT_MOD_VLAN_VID:
		tci = (uint16_t)((tci & ~XS_VLAN_VID_MASK) | (a->vlan_vid.vid & XS_VLAN_VID_MASK));
		if (!tagged) {
			push_tag(x, depth, htons(ETH_TYPE_VLAN), tci);
		} else {
			/* Only the VID is written: a masked set keeps the PCP. */
			v[0].tci = htons(tci);
			x->written.dp.vlan[0].tci |= htons(XS_VLAN_VID_MASK);
		}
		break;
	case OFPACT_MOD_VLAN_PCP:
		tci = (uint16_t)((tci & ~XS_VLAN_PCP_MASK) |
				 ((a->vlan_pcp.pcp << XS_VLAN_PCP_SHIFT) & XS_VLAN_PCP_MASK));
		if (!tagged) {
			push_tag(x, depth, htons(ETH_TYPE_VLAN), tci);
		} else {
			v[0].tci = htons(tci);
			x->written.dp.vlan[0].tci |= htons(XS_VLAN_PCP_MASK);
		}
		break;
	case OFPACT_PUSH_VLAN:
		/* The new tag copies VID and PCP of the current outer one. */
		if (tagged)
			x->wc.dp.vlan[0].tci |= htons(XS_VLAN_VID_MASK | XS_VLAN_PCP_MASK);
		push_tag(x, depth, a->push_vlan.tpid, tci & (XS_VLAN_VID_MASK | XS_VLAN_PCP_MASK));
		break;
	case OFPACT_POP_VLAN:
		if (!tagged)
			break;
		/* The inner tag moves out: later writes to it no longer sit
		 * where the packet has it, so depend on the whole stack. */
		if (is_present(&v[1]))
			memset(x->wc.dp.vlan, 0xff, sizeof(x->wc.dp.vlan));
		memmove(&v[0], &v[1], sizeof(v[0]) * (XS_MAX_VLAN - 1));
		memset(&v[XS_MAX_VLAN - 1], 0, sizeof(v[0]));
		break;
	default:
		break;
	}
}

/* --- NORMAL (normal.h) ----------------------------------------------------- */

/* Gives the working key's outer tag egress VID @vid (0: untagged); the
 * PCP of a tag that stays is kept. */
static void normal_tag(struct xctx *x, uint16_t vid)
{
	struct xs_vlan_hdr_key *v = x->key.dp.vlan;
	bool tagged;

	/* no mask here: the commit of a changed stack adds it */
	normalize_vlans(v);
	tagged = is_present(&v[0]);

	if (!vid) {
		if (tagged) {
			memmove(&v[0], &v[1], sizeof(v[0]) * (XS_MAX_VLAN - 1));
			memset(&v[XS_MAX_VLAN - 1], 0, sizeof(v[0]));
		}
	} else if (tagged) {
		v[0].tci = htons((uint16_t)((ntohs(v[0].tci) & ~XS_VLAN_VID_MASK) | vid));
	} else {
		push_tag(x, 0, htons(ETH_TYPE_VLAN), vid);
	}
}

/* One NORMAL output: the port's egress tagging, then the packet's own tags
 * back for what follows (as Open vSwitch restores the flow). */
static void normal_output(struct xctx *x, unsigned depth, uint32_t port, uint16_t vid)
{
	struct xs_vlan_hdr_key saved[XS_MAX_VLAN];

	memcpy(saved, x->key.dp.vlan, sizeof(saved));
	normal_tag(x, vid);
	output_to(x, depth, port);
	memcpy(x->key.dp.vlan, saved, sizeof(saved));
}

/* Every port but the input one that carries @vlan. One broadcast when
 * that is every other port of the bridge with one egress tagging (the
 * datapath leaves out the ingress port); else one output per port. */
static void normal_flood(struct xctx *x, unsigned depth, const struct xs_normal *n,
			 uint16_t vlan)
{
	const struct xs_port_table *t = n->ports;
	uint32_t in_port = x->key.dp.in_port;
	int common = -2; /* -2 none yet, -1 mixed, else the one egress VID */
	bool all = true;

	for (size_t i = 0; i < t->n; i++) {
		int vid;

		if (t->ports[i].ofport == in_port)
			continue;
		vid = normal_egress_vid(&t->ports[i], vlan);
		if (vid < 0)
			all = false;
		else if (common == -2)
			common = vid;
		else if (common != vid)
			common = -1;
	}
	if (common == -2)
		return; /* no other port carries the VLAN */
	if (all && common >= 0 && in_port == x->dp.in_port) {
		struct xs_vlan_hdr_key saved[XS_MAX_VLAN];

		memcpy(saved, x->key.dp.vlan, sizeof(saved));
		normal_tag(x, (uint16_t)common);
		flood(x, depth);
		memcpy(x->key.dp.vlan, saved, sizeof(saved));
		return;
	}
	/* untagged ports first, then the tagged ones: at most one pop and
	 * one push between them */
	for (int tagged = 0; tagged < 2; tagged++)
		for (size_t i = 0; i < t->n; i++) {
			const struct xs_port *p = &t->ports[i];
			int vid = normal_egress_vid(p, vlan);

			if (p->ofport != in_port && vid >= 0 && (vid > 0) == tagged)
				normal_output(x, depth, p->ofport, (uint16_t)vid);
		}
}

static void do_normal(struct xctx *x, unsigned depth)
{
	const struct xs_normal *n = x->ft->normal;
	struct normal_decision d;

	if (!n) {
		fail(x, depth, -EOPNOTSUPP, "NORMAL needs the running agent's ports and MAC "
		     "table: trace it with the agent (xdpswitch trace without --flows)");
		return;
	}
	/* What the decision reads, whatever it is: a new source address, a
	 * new destination or another VLAN misses and is decided again. The
	 * whole tag stack, not only the VID: a forward that keeps the tag
	 * and a flood that re-tags then have one mask, so a MAC table change
	 * modifies the megaflow in place instead of removing it. */
	memset(x->wc.dp.dl_src, 0xff, sizeof(x->wc.dp.dl_src));
	memset(x->wc.dp.dl_dst, 0xff, sizeof(x->wc.dp.dl_dst));
	memset(x->wc.dp.vlan, 0xff, sizeof(x->wc.dp.vlan));
	normal_decide(n, &x->key.dp, &d);
	if (d.may_learn && !x->res->learn.valid) {
		x->res->learn.valid = true;
		x->res->learn.vlan = d.vlan;
		memcpy(x->res->learn.mac, x->key.dp.dl_src, 6);
		x->res->learn.ofport = x->key.dp.in_port;
	}
	info(x, depth, "%s", d.why);
	if (d.verdict == NORMAL_FORWARD) {
		const struct xs_port *p = xs_ports_by_ofport(n->ports, d.out_port);
		int vid = p ? normal_egress_vid(p, d.vlan) : -1;

		/* A learned port that stopped carrying the VLAN (its options
		 * changed): the packet goes nowhere, as in Open vSwitch. */
		if (vid >= 0)
			normal_output(x, depth, d.out_port, (uint16_t)vid);
	} else if (d.verdict == NORMAL_FLOOD) {
		normal_flood(x, depth, n, d.vlan);
	}
}

static void do_resubmit(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	uint8_t table = a->resubmit.table == 255 ? x->table : a->resubmit.table;

	do_table(x, table, depth + 1, a->resubmit.in_port);
}

/* ct and ct_clear change the pipeline's view of the connection fields and
 * the datapath's alike (commit() compares the two views). */
static void set_ct_fields(struct xctx *x, uint8_t state, __be16 zone, __be32 mark)
{
	/* The ct tuple goes with a valid state (its bytes are the ND/ARP
	 * fields' otherwise: flow_key.h). */
	if (XS_CT_TUPLE_VALID(x->key.dp.ct_state) && !XS_CT_TUPLE_VALID(state)) {
		struct xs_flow_key *v[2] = { &x->key.dp, &x->dp };

		for (int i = 0; i < 2; i++) {
			v[i]->ct_nw_proto = 0;
			v[i]->ct_tp_src = v[i]->ct_tp_dst = 0;
			memset(v[i]->ct_ipv6_src, 0, 32);
		}
	}
	x->key.dp.ct_state = x->dp.ct_state = state;
	x->key.dp.ct_zone = x->dp.ct_zone = zone;
	x->key.dp.ct_mark = x->dp.ct_mark = mark;
	memset(x->key.dp.ct_label, 0, 16);
	memset(x->dp.ct_label, 0, 16);
}

/* ct(...): pending sets first (the tracker sees the packet as it is here),
 * then XS_ACT_CT (after its XS_ACT_CT_NAT); with table=T the pipeline
 * state is frozen under a recirc_id and the list ends in XS_ACT_RECIRC.
 * The fork that goes on here sees the ct fields cleared (ovs-actions(7)). */
/* The bits exec(move:...) takes from the packet into @label and @mark
 * (their masks already hold them); the megaflow then depends on them. */
static void ct_exec_moves(struct xctx *x, const struct ofpact_ct *ct, uint8_t *label,
			  uint32_t *mark)
{
	for (unsigned i = 0; i < ct->n_moves; i++) {
		const struct ofpact_ct_move *mv = &ct->moves[i];
		const struct ofp_field *f = ofp_field_by_id(mv->src_field);
		uint8_t v[OFP_FIELD_MAX_BYTES], m[OFP_FIELD_MAX_BYTES] = { 0 };

		ofp_field_get(f, &x->key, v);
		for (unsigned b = 0; b < mv->n_bits; b++) {
			int bit = be_bit_get(v, f->n_bytes, mv->src_ofs + b);

			be_bit_put(m, f->n_bytes, mv->src_ofs + b, 1);
			if (mv->dst_field == OFPF_CT_LABEL)
				be_bit_put(label, 16, mv->dst_ofs + b, bit);
			else if (bit)
				*mark |= 1u << (mv->dst_ofs + b);
			else
				*mark &= ~(1u << (mv->dst_ofs + b));
		}
		ofp_field_set(f, m, m, &x->wc);
	}
}

static void do_ct(struct xctx *x, unsigned depth, const struct ofpact_ct *ct)
{
	uint16_t zone = ct->zone;
	uint32_t mark = ct->mark;
	uint8_t label[16];
	struct xs_action *a;

	if (ct->zone_field) {
		const struct ofp_field *f = ofp_field_by_id(ct->zone_field - 1);
		uint8_t v[OFP_FIELD_MAX_BYTES], m[OFP_FIELD_MAX_BYTES] = { 0 };

		ofp_field_get(f, &x->key, v);
		zone = 0;
		for (unsigned i = 0; i < 16; i++) {
			zone |= (uint16_t)(be_bit_get(v, f->n_bytes, ct->zone_ofs + i) << i);
			be_bit_put(m, f->n_bytes, ct->zone_ofs + i, 1);
		}
		ofp_field_set(f, m, m, &x->wc); /* the zone depends on these bits */
	}
	memcpy(label, ct->label, 16);
	ct_exec_moves(x, ct, label, &mark);
	commit(x, depth);
	if (ct->set_label) {
		/* Value, then mask: read by the XS_ACT_CT below (ct_label.h). */
		for (int i = 0; i < 2; i++) {
			a = emit(x, depth, XS_ACT_CT_LABEL);
			if (a) {
				a->arg = i;
				memcpy(a->u.bytes, i ? ct->label_mask : label, 16);
			}
		}
	}
	if (ct->nat && (ct->nat_flags & (OFPACT_NAT_F_SRC | OFPACT_NAT_F_DST))) {
		a = emit(x, depth, XS_ACT_CT_NAT);
		if (a) {
			a->flags = (ct->nat_flags & OFPACT_NAT_F_SRC ? XS_NAT_F_SRC : XS_NAT_F_DST) |
				   (ct->nat_flags & OFPACT_NAT_F_IPV6 ? XS_NAT_F_IPV6 : 0) |
				   (ct->nat_flags & OFPACT_NAT_F_PERSISTENT ? XS_NAT_F_PERSISTENT : 0) |
				   (ct->nat_flags & OFPACT_NAT_F_HASH ? XS_NAT_F_HASH : 0) |
				   (ct->nat_flags & OFPACT_NAT_F_RANDOM ? XS_NAT_F_RANDOM : 0);
			if (ct->nat_flags & OFPACT_NAT_F_PORTS)
				a->arg = (uint32_t)ct->port_min << 16 | ct->port_max;
			if (ct->nat_flags & OFPACT_NAT_F_IPV6) {
				memcpy(a->u.bytes, ct->addr_min, 16);
			} else {
				memcpy(&a->u.be32[0], ct->addr_min, 4);
				memcpy(&a->u.be32[1], ct->addr_max, 4);
			}
		}
	}
	a = emit(x, depth, XS_ACT_CT);
	if (!a)
		return;
	a->arg = zone;
	if (ct->flags & OFPACT_CT_F_COMMIT)
		a->flags |= XS_CT_F_COMMIT;
	if (ct->flags & OFPACT_CT_F_FORCE)
		a->flags |= XS_CT_F_FORCE;
	if (ct->nat)
		a->flags |= XS_CT_F_NAT;
	if (ct->set_mark) {
		a->flags |= XS_CT_F_MARK;
		a->u.be32[0] = mark;
		a->u.be32[1] = ct->mark_mask;
	}
	if (ct->set_label)
		a->flags |= XS_CT_F_LABEL;
	x->n_kept = x->res->n_actions; /* a lookup or commit is a side effect */
	set_ct_fields(x, 0, 0, 0);
	if (ct->table == 255)
		return;

	struct recirc_state st;
	uint32_t id;

	memset(&st, 0, sizeof(st));
	st.table = ct->table;
	st.metadata = x->key.metadata;
	memcpy(st.regs, x->key.regs, sizeof(st.regs));
	id = recirc_id_get(&st);
	if (!id) {
		fail(x, depth, -ENOSPC, "out of recirculation ids (%d)", RECIRC_MAX_IDS);
		return;
	}
	a = emit(x, depth, XS_ACT_RECIRC);
	if (!a)
		return;
	a->arg = id;
	x->n_kept = x->res->n_actions;
	x->recirculated = true;
	note(x, depth, "recirculate: recirc_id=%#x continues in table %u", id, ct->table);
}

static void do_ct_clear(struct xctx *x, unsigned depth)
{
	x->wc.dp.ct_state = 0xff;
	if (!x->key.dp.ct_state)
		return; /* nothing to clear */
	if (emit(x, depth, XS_ACT_CT_CLEAR))
		set_ct_fields(x, 0, 0, 0);
}

static void do_action(struct xctx *x, unsigned depth, const struct ofpact *a)
{
	struct xlate_event *e = trace_event(x, XEV_ACTION, depth);

	if (e)
		e->act = a;
	switch (a->type) {
	case OFPACT_OUTPUT:
		do_output(x, depth, a->output.port);
		break;
	case OFPACT_CONTROLLER:
		to_agent(x, depth, a);
		break;
	case OFPACT_SET_FIELD:
		do_set_field(x, depth, a);
		break;
	case OFPACT_LOAD:
		write_subfield(x, depth, &a->load.dst, a->load.value, sizeof(a->load.value));
		break;
	case OFPACT_MOVE:
		do_move(x, depth, a);
		break;
	case OFPACT_DEC_TTL:
		do_dec_ttl(x, depth);
		break;
	case OFPACT_MOD_VLAN_VID:
	case OFPACT_MOD_VLAN_PCP:
	case OFPACT_PUSH_VLAN:
	case OFPACT_POP_VLAN:
		do_vlan(x, depth, a);
		break;
	case OFPACT_WRITE_METADATA: {
		uint64_t md = be64toh(x->key.metadata);
		md = (md & ~a->metadata.mask) | (a->metadata.value & a->metadata.mask);
		x->key.metadata = htobe64(md);
		break;
	}
	case OFPACT_GOTO_TABLE:
		do_table(x, a->goto_table.table, depth + 1, OFPP_IN_PORT);
		break;
	case OFPACT_RESUBMIT:
		do_resubmit(x, depth, a);
		break;
	case OFPACT_CLEAR_ACTIONS:
		memset(&x->aset, 0, sizeof(x->aset));
		break;
	case OFPACT_WRITE_ACTIONS:
		break; /* run_actions takes its list */
	case OFPACT_STACK_PUSH:
		do_push(x, depth, a);
		break;
	case OFPACT_STACK_POP:
		do_pop(x, depth, a);
		break;
	case OFPACT_OUTPUT_REG:
		do_output_reg(x, depth, a);
		break;
	case OFPACT_CONJUNCTION: /* only decides lookups (ft_lookup_conj) */
	case OFPACT_NOTE:
	case OFPACT_CLONE:       /* run_actions runs its nested list */
		break;
	case OFPACT_CT:
		do_ct(x, depth, &a->ct);
		break;
	case OFPACT_CT_CLEAR:
		do_ct_clear(x, depth);
		break;
	}
}

/* Runs an action list; write_actions' lists go to the action set;
 * clone(...) runs its nested actions on a copy of
 * the working packet and pipeline fields, which the actions after it
 * get back unchanged (the datapath copy is brought back by the next
 * commit, as OVS does without a datapath clone action). */
static void run_actions(struct xctx *x, unsigned depth, const struct ofpact *acts, size_t n)
{
	for (size_t i = 0; i < n && !x->err && !x->stop; i++) {
		const struct ofpact *a = &acts[i];

		if (a->type == OFPACT_WRITE_ACTIONS) {
			size_t k = a->write_actions.n < n - i - 1 ? a->write_actions.n : n - i - 1;

			do_action(x, depth, a); /* for the trace */
			aset_write(&x->aset, a + 1, k);
			i += k;
			continue;
		}
		do_action(x, depth, a);
		if (a->type == OFPACT_CLONE) {
			size_t nested = a->clone.n_nested < n - i - 1 ? a->clone.n_nested : n - i - 1;
			struct ofp_key saved = x->key;
			unsigned saved_stack = x->n_stack;

			x->clone_depth++;
			run_actions(x, depth + 1, a + 1, nested);
			x->clone_depth--;
			x->key = saved;
			x->n_stack = saved_stack;
			x->stop = false;
			i += nested;
		}
	}
}

/* The end of the pipeline: the action set runs, in the spec's order. */
static void run_action_set(struct xctx *x, unsigned depth)
{
	const struct action_set s = x->aset;

	memset(&x->aset, 0, sizeof(x->aset));
	if (s.pop && !x->err && !x->stop)
		do_action(x, depth, s.pop);
	if (s.push && !x->err && !x->stop)
		do_action(x, depth, s.push);
	if (s.dec_ttl && !x->err && !x->stop)
		do_action(x, depth, s.dec_ttl);
	for (unsigned i = 0; i < s.n_sets && !x->err && !x->stop; i++)
		do_action(x, depth, s.sets[i]);
	if (s.out && !x->err && !x->stop)
		do_action(x, depth, s.out);
}

static void record_rule(struct xlate_result *res, const struct ft_rule *rule)
{
	for (unsigned i = 0; i < res->n_rules; i++)
		if (res->rules[i] == rule)
			return;
	if (res->n_rules == XLATE_MAX_RULES)
		res->rules_truncated = true;
	else
		res->rules[res->n_rules++] = rule;
}

/* Looks up table and runs the winning rule's actions at depth. Unless
 * lookup_port is OFPP_IN_PORT, the lookup (only) sees that in_port, as
 * resubmit:PORT does in OVS; the actions run with the real one. */
static void do_table(struct xctx *x, uint8_t table, unsigned depth, uint32_t lookup_port)
{
	uint32_t in_port = x->key.dp.in_port;
	const struct ft_rule *rule;
	uint8_t saved = x->table;
	struct xlate_event *e;

	if (x->err || x->stop)
		return;
	if (depth >= XLATE_MAX_DEPTH) {
		fail(x, depth, -ELOOP, "over the translation depth limit (%d)", XLATE_MAX_DEPTH);
		return;
	}
	if (++x->n_lookups > XLATE_MAX_RESUBMITS) {
		fail(x, depth, -ELOOP, "over the table lookup limit (%d)", XLATE_MAX_RESUBMITS);
		return;
	}
	x->table = table;
	if (lookup_port != OFPP_IN_PORT)
		x->key.dp.in_port = lookup_port;
	rule = ft_lookup_conj(x->ft, table, &x->key, &x->wc);
	x->key.dp.in_port = in_port;
	e = trace_event(x, XEV_LOOKUP, depth);
	if (e)
		e->rule = rule;
	if (rule) {
		record_rule(x->res, rule);
		run_actions(x, depth, rule->actions, rule->n_actions);
	} else if (x->res->n_misses < XLATE_MAX_RULES && table < OFP_N_TABLES) {
		x->res->miss_tables[x->res->n_misses++] = table;
	}
	x->table = saved;
}

/* --- result ---------------------------------------------------------------- */

static bool nonzero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return true;
	return false;
}

#define NZ(m, member) nonzero(&(m)->member, sizeof((m)->member))

/* The datapath part of the wildcards, with in_port exact and the
 * prerequisites of every L3/L4 bit added. */
static void finish_mask(const struct ofp_key *wc, const struct ofp_key *packet,
			struct xs_flow_key *m)
{
	bool nd, l4, l3;

	*m = wc->dp;
	m->in_port = 0xffffffff;
	m->recirc_id = 0xffffffff; /* each pass has its own megaflows */
	/* A tag the packet lacks has an all-zero TCI in every such packet:
	 * once "no tag" (the present bit) is matched, its other bits say
	 * nothing more (OVS gets this from the outer Ethernet type). */
	for (int i = 0; i < XS_MAX_VLAN; i++) {
		if (!(packet->dp.vlan[i].tci & htons(XS_VLAN_PRESENT)) &&
		    (m->vlan[i].tci & htons(XS_VLAN_PRESENT))) {
			m->vlan[i].tci = htons(XS_VLAN_PRESENT);
			m->vlan[i].tpid = 0;
		}
	}
	nd = ntohs(packet->dp.dl_type) == ETH_TYPE_IPV6 &&
	     (NZ(m, nd_target) || NZ(m, arp_sha) || NZ(m, arp_tha));
	if (nd) {
		/* ND fields mean something only for ICMPv6 NS/NA, code 0: other
		 * protocols are told apart by nw_proto, ICMPv6 by type and code. */
		m->nw_proto = 0xff;
		if (packet->dp.nw_proto == 58) {
			m->tp_src = 0xffff;
			m->tp_dst = 0xffff;
		}
	}
	l4 = NZ(m, tp_src) || NZ(m, tp_dst) || NZ(m, tcp_flags);
	l3 = l4 || NZ(m, nw_proto) || NZ(m, nw_tos) || NZ(m, nw_ttl) || NZ(m, nw_frag) ||
	     NZ(m, nw_src) || NZ(m, nw_dst) || NZ(m, ipv6_label) || NZ(m, ipv6_src) ||
	     NZ(m, ipv6_dst) || NZ(m, nd_target) || NZ(m, arp_sha) || NZ(m, arp_tha);
	if (l4)
		m->nw_proto = 0xff;
	if (l3)
		m->dl_type = 0xffff;
}

/* Runs table 0, or for a packet-out the action list acts. */
static int run(const struct flow_tables *ft, const struct ofp_key *packet, bool packet_out,
	       const struct ofpact *acts, size_t n_acts, struct xlate_result *res)
{
	struct xlate_trace *trace = res->trace;
	struct xctx x;

	memset(res, 0, sizeof(*res));
	res->trace = trace;
	memset(&x, 0, sizeof(x));
	x.ft = ft;
	x.res = res;
	x.key.dp = packet->dp;
	x.dp = x.key.dp;

	if (packet_out) {
		x.packet_out = true;
		for (size_t i = 0; i < n_acts && !x.err && !x.stop; i++)
			do_action(&x, 0, &acts[i]);
	} else if (!packet->dp.recirc_id) {
		do_table(&x, 0, 0, OFPP_IN_PORT);
		run_action_set(&x, 0);
	} else {
		/* A later pass: continue where ct(table=T) froze the pipeline. */
		const struct recirc_state *st = recirc_find(ntohl(packet->dp.recirc_id));

		if (!st) {
			fail(&x, 0, -ENOENT, "unknown recirc_id %#x", ntohl(packet->dp.recirc_id));
		} else {
			x.key.metadata = st->metadata;
			memcpy(x.key.regs, st->regs, sizeof(x.key.regs));
			note(&x, 0, "resume after recirculation (recirc_id=%#x) in table %u",
			     ntohl(packet->dp.recirc_id), st->table);
			do_table(&x, st->table, 0, OFPP_IN_PORT);
			run_action_set(&x, 0);
		}
	}

	res->n_actions = x.err ? 0 : x.n_kept;
	finish_mask(&x.wc, packet, &res->mask);
	if (trace) {
		trace->final = x.key;
		trace->ports = ft->ports;
		trace->n_ports = ft->n_ports;
	}
	return x.err;
}

int xlate(const struct flow_tables *ft, const struct ofp_key *packet, struct xlate_result *res)
{
	return run(ft, packet, false, NULL, 0, res);
}

int xlate_actions(const struct flow_tables *ft, const struct ofp_key *packet,
		  const struct ofpact *acts, size_t n_acts, struct xlate_result *res)
{
	return run(ft, packet, true, acts, n_acts, res);
}
