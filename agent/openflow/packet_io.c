// SPDX-License-Identifier: Apache-2.0
/* Packets between the switch and its controllers: PACKET_IN for the
 * packets a controller action sends up (reason, table, cookie, in_port
 * and metadata, data up to the action's max_len, never buffered; rate
 * limited per bridge), PACKET_OUT (the actions run on the packet through
 * the datapath's execute; output:TABLE runs the pipeline) and PORT_STATUS. */
#include "agent/openflow/conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/openflow/nicira.h"
#include "agent/openflow/ofactions.h"
#include "agent/pipeline/xlate.h"
#include "common/clock.h"
#include "common/flow_parse.h"

/* The rule and controller action behind a packet's controller upcall: the
 * packet's translation again (the tables it ran through are the ones that
 * sent it, unless a flow_mod came in between). */
struct pin_info {
	uint8_t reason, table;
	uint64_t cookie;
	uint16_t max_len;
	uint64_t metadata;
	uint8_t userdata[OFPACT_USERDATA_MAX]; /* controller(userdata=...) */
	uint8_t userdata_len;
	uint16_t id;               /* controller(id=N): the connections of id N */
};

static bool find_action(const struct flow_tables *ft, const struct ofp_key *k,
			enum ofpact_type type, struct pin_info *pi)
{
	struct xlate_trace trace = { 0 };
	struct xlate_result res;
	const struct xlate_event *lookup = NULL;
	bool found = false;

	memset(&res, 0, sizeof(res));
	res.trace = &trace;
	xlate(ft, k, &res);
	for (size_t i = 0; i < trace.n_events && !found; i++) {
		const struct xlate_event *e = &trace.events[i];

		if (e->type == XEV_LOOKUP) {
			lookup = e;
		} else if (e->type == XEV_ACTION && e->act->type == type && lookup &&
			   lookup->rule) {
			const struct ft_rule *r = lookup->rule;
			const struct ofp_key zero = { 0 };

			if (type == OFPACT_CONTROLLER) {
				pi->reason = e->act->controller.reason;
				pi->max_len = e->act->controller.max_len;
				pi->userdata_len = e->act->controller.userdata_len;
				pi->id = e->act->controller.id;
				memcpy(pi->userdata, e->act->controller.userdata, pi->userdata_len);
			}
			pi->table = lookup->table;
			pi->cookie = r->cookie;
			/* the table-miss flow entry (priority 0, matches all) */
			if (type == OFPACT_CONTROLLER && !r->cls.priority && !memcmp(&r->cls.match.mask, &zero, sizeof(zero)))
				pi->reason = OFPR_NO_MATCH;
			found = true;
		}
	}
	pi->metadata = be64toh(trace.final.metadata);
	xlate_trace_free(&trace);
	return found;
}

static bool rate_ok(struct of_switch *s)
{
	double rate = s->opts.packet_in_rate ? s->opts.packet_in_rate : 1000;
	uint64_t now = xs_mono_ms();

	s->pin_tokens += (double)(now - s->pin_last_ms) * rate / 1000.0;
	s->pin_last_ms = now;
	if (s->pin_tokens > rate)
		s->pin_tokens = rate;
	if (s->pin_tokens < 1.0)
		return false;
	s->pin_tokens -= 1.0;
	return true;
}

void ofs_put_pin(struct ofbuf *b, const struct pin_info *pi, uint32_t in_port,
		 uint32_t total_len, const uint8_t *pkt, size_t len)
{
	size_t match;

	ofbuf_put32(b, OFP_NO_BUFFER);
	ofbuf_put16(b, (uint16_t)(total_len > 0xffff ? 0xffff : total_len));
	ofbuf_put8(b, pi->reason);
	ofbuf_put8(b, pi->table);
	ofbuf_put64(b, pi->cookie);
	match = b->len;
	ofbuf_put16(b, OFPMT_OXM);
	ofbuf_put16(b, (uint16_t)(4 + 8 + (pi->metadata ? 12 : 0)));
	ofbuf_put32(b, OXM_HEADER(OXM_CLASS_BASIC, OFPXMT_IN_PORT, 0, 4));
	ofbuf_put32(b, of_port_to_wire(in_port));
	if (pi->metadata) {
		ofbuf_put32(b, OXM_HEADER(OXM_CLASS_BASIC, OFPXMT_METADATA, 0, 8));
		ofbuf_put64(b, pi->metadata);
	}
	ofbuf_pad8(b, match);
	ofbuf_put16(b, 0);
	ofbuf_put(b, pkt, len);
}

/* One packet-in to c, in the format it asked for. */
static void send_pin(struct ofs_conn *c, const struct pin_info *pi, uint32_t in_port,
		     uint32_t total_len, const uint8_t *pkt, size_t len)
{
	size_t m;

	if (c->pin2) {
		struct nx_pin np = { .reason = pi->reason, .table = pi->table,
				     .cookie = pi->cookie, .metadata = pi->metadata,
				     .in_port = in_port, .total_len = total_len, .pkt = pkt,
				     .len = len, .userdata = pi->userdata,
				     .userdata_len = pi->userdata_len };

		m = ofs_start(c, OFPT_EXPERIMENTER, 0);
		nx_put_packet_in2(&c->tx, &np);
	} else {
		m = ofs_start(c, OFPT_PACKET_IN, 0);
		ofs_put_pin(&c->tx, pi, in_port, total_len, pkt, len);
	}
	ofs_end(c, m);
}

bool of_switch_packet_in(struct of_switch *s, const struct xs_upcall *u, uint32_t ofport)
{
	bool ttl = u->reason == XS_UPCALL_TTL_EXPIRED;
	struct pin_info pi = { .reason = ttl ? OFPR_INVALID_TTL : OFPR_ACTION,
			       .max_len = ttl ? s->miss_send_len : OFPCML_NO_BUFFER };
	struct ofp_key k;
	bool wanted = false;
	size_t len;

	for (unsigned i = 0; i < s->n_conns && !wanted; i++)
		wanted = s->conns[i]->state == OFS_ACTIVE;
	/* invalid TTL goes up only when the controller asked (spec 7.3.2) */
	if (!wanted || (ttl && !(s->config_flags & OFPC_INVALID_TTL_TO_CONTROLLER)))
		return false;
	if (!rate_ok(s)) {
		s->pin_rate_dropped++;
		return true;
	}
	memset(&k, 0, sizeof(k));
	k.dp = u->key;
	k.dp.in_port = ofport;
	find_action(s->a->pipeline, &k, ttl ? OFPACT_DEC_TTL : OFPACT_CONTROLLER, &pi);
	len = u->cap_len;
	if (pi.max_len != OFPCML_NO_BUFFER && pi.max_len < len)
		len = pi.max_len;
	/* Every connection has controller id 0 (no NXT_SET_CONTROLLER_ID
	 * here): a controller(id=N) action with N > 0 reaches none, as in
	 * Open vSwitch with no connection of that id. */
	for (unsigned i = 0; i < s->n_conns && !pi.id; i++) {
		struct ofs_conn *c = s->conns[i];

		if (!ofs_wants(c, 0, pi.reason))
			continue;
		if (c->tx.len > OFS_TX_PIN_MAX) {
			s->pin_queue_dropped++;
			continue;
		}
		send_pin(c, &pi, ofport, u->pkt_len, u->pkt, len);
		ofs_conn_flush(s, c);
		s->pin_sent++;
	}
	return true;
}

bool ofs_packet_in_raw(struct of_switch *s, const uint8_t *pkt, size_t len, uint32_t in_port,
		       uint8_t reason, uint64_t cookie)
{
	struct pin_info pi = { .reason = reason, .cookie = cookie };
	bool sent = false;

	if (!rate_ok(s)) {
		s->pin_rate_dropped++;
		return false;
	}
	for (unsigned i = 0; i < s->n_conns; i++) {
		struct ofs_conn *c = s->conns[i];

		if (!ofs_wants(c, 0, reason) || c->tx.len > OFS_TX_PIN_MAX)
			continue;
		send_pin(c, &pi, in_port, (uint32_t)len, pkt, len);
		ofs_conn_flush(s, c);
		s->pin_sent++;
		sent = true;
	}
	return sent;
}

int ofs_packet_out(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	struct xs_action acts[XS_MAX_ACTIONS];
	struct xs_flow_handle h = { 0 };
	struct xlate_result res;
	struct xs_parse_info info;
	struct ofpact *ofpacts = NULL;
	size_t n_ofpacts = 0, dlen;
	const struct xs_port *in = NULL;
	struct xs_dpif *dpif = xs_agent_dpif(s->a);
	uint32_t in_port, in_dp;
	uint16_t alen;
	struct ofp_key k;
	unsigned n = 0;
	int err;

	(void)c;
	if (len < 24)
		return E_BAD_LEN;
	alen = of_get16(msg + 16);
	if (alen > len - 24)
		return E_BAD_LEN;
	if (of_get32(msg + 8) != OFP_NO_BUFFER)
		return E_BUFFER_UNKNOWN;
	in_port = of_get32(msg + 12);
	if (in_port == OFPP13_CONTROLLER) {
		in_port = OFPP_CONTROLLER;
	} else {
		in = in_port < 0xff00 ? xs_ports_by_ofport(&s->a->ports, in_port) : NULL;
		if (!in)
			return E_REQ_BAD_PORT;
	}
	err = ofa_decode_actions(msg + 24, alen, OFA_PACKET_OUT, &ofpacts, &n_ofpacts);
	if (err) {
		free(ofpacts);
		return err;
	}
	dlen = len - 24 - alen;
	if (!dlen || dlen > XS_FLOW_PARSE_MAX_LEN) {
		free(ofpacts);
		return E_BAD_PACKET;
	}
	memset(&k, 0, sizeof(k));
	xs_flow_parse(msg + 24 + alen, dlen, in_port, &k.dp, &info);
	k.dp.in_port = in_port;
	memset(&res, 0, sizeof(res));
	err = xlate_actions(s->a->pipeline, &k, ofpacts, n_ofpacts, &res);
	free(ofpacts);
	if (err)
		return err == -EOPNOTSUPP ? E_ACT_BAD_OUT_PORT : E_ACT_BAD_ARGUMENT;
	/* output:TABLE: the rules it went through count the packet */
	for (unsigned i = 0; i < res.n_rules; i++)
		ft_rule_credit((struct ft_rule *)res.rules[i], 1, dlen, xs_mono_ms());
	for (unsigned i = 0; i < res.n_misses; i++)
		s->a->pipeline->table_misses[res.miss_tables[i]]++;
	for (unsigned i = 0; i < res.n_actions; i++) {
		struct xs_action a = res.actions[i];

		if (a.type == XS_ACT_OUTPUT && !(a.flags & XS_OUT_F_BROADCAST)) {
			const struct xs_port *p = xs_ports_by_ofport(&s->a->ports, a.arg);

			if (!p)
				continue;
			a.arg = p->dp_port;
		}
		acts[n++] = a;
	}
	if (!n || !dpif || !dpif->cls->execute || !s->a->ports.n)
		return 0;
	/* From CONTROLLER: the packet runs on some port; its outputs are
	 * explicit (xlate_actions), so which one does not matter. */
	in_dp = in ? in->dp_port : s->a->ports.ports[0].dp_port;
	if (dpif->cls->execute(dpif, in_dp, msg + 24 + alen, dlen, h, acts, (uint16_t)n))
		xs_agent_log(s->a, "openflow %s: packet-out could not be executed", c->name);
	return 0;
}

void of_switch_port_status(struct of_switch *s, uint32_t ofport, const char *name, uint8_t reason)
{
	for (unsigned i = 0; i < s->n_conns; i++) {
		struct ofs_conn *c = s->conns[i];
		size_t m;

		if (!ofs_wants(c, 1, reason))
			continue;
		m = ofs_start(c, OFPT_PORT_STATUS, 0);
		ofbuf_put8(&c->tx, reason);
		ofbuf_put_zeros(&c->tx, 7);
		ofs_put_port(&c->tx, ofport, name);
		ofs_end(c, m);
		ofs_conn_flush(s, c);
	}
}
