// SPDX-License-Identifier: Apache-2.0
/* MULTIPART requests: desc, flow, aggregate, table, table_features, port
 * stats, port desc, queue. Replies longer than one message are split with
 * OFPMPF_REPLY_MORE on every part but the last. */
#include "agent/openflow/ofs_int.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/openflow/oxm.h"
#include "common/clock.h"

#ifndef XS_VERSION
#define XS_VERSION "dev"
#endif

#define MP_HDR 16

struct mp {
	struct ofs_conn *c;
	uint16_t type;
	uint32_t xid;
	size_t msg;        /* offset of the reply being built */
};

static void mp_begin(struct mp *mp)
{
	mp->msg = ofs_start(mp->c, OFPT_MULTIPART_REPLY, mp->xid);
	ofbuf_put16(&mp->c->tx, mp->type);
	ofbuf_put16(&mp->c->tx, 0);
	ofbuf_put32(&mp->c->tx, 0);
}

/* Before an entry of up to need bytes: a new part when it would not fit. */
static void mp_room(struct mp *mp, size_t need)
{
	struct ofbuf *b = &mp->c->tx;

	if (b->failed || b->len - mp->msg + need <= OFP_MAX_MSG)
		return;
	of_put16(b->data + mp->msg + 10, OFPMPF_REPLY_MORE);
	ofs_end(mp->c, mp->msg);
	mp_begin(mp);
}

static void put_str(struct ofbuf *b, const char *s, size_t width)
{
	uint8_t *p = ofbuf_put_zeros(b, width);

	if (p)
		memcpy(p, s, strnlen(s, width - 1));
}

static void desc(struct of_switch *s, struct mp *mp)
{
	struct ofbuf *b = &mp->c->tx;
	char dp[256];

	snprintf(dp, sizeof(dp), "xdpswitch bridge %s", s->a->bridge);
	put_str(b, "xdpswitch", 256);
	put_str(b, "XDP/eBPF datapath", 256);
	put_str(b, XS_VERSION, 256);
	put_str(b, "None", 32);
	put_str(b, dp, 256);
}

/* Selection of flow and aggregate requests (non-strict, as the spec). */
struct stats_req {
	uint8_t table;
	uint32_t out_port;     /* 16-bit form; OFPP_NONE: any */
	uint32_t out_group;
	uint64_t cookie, cookie_mask;
	struct ofp_match match;
};

static int parse_stats_req(const uint8_t *body, size_t len, struct stats_req *r)
{
	size_t used;
	uint32_t op;
	int err;

	if (len < 40)
		return E_BAD_LEN;
	r->table = body[0];
	op = of_get32(body + 4);
	r->out_group = of_get32(body + 8);
	r->cookie = of_get64(body + 16);
	r->cookie_mask = of_get64(body + 24);
	if (r->table != OFPTT_ALL && r->table >= OFP_N_TABLES)
		return E_REQ_BAD_TABLE_ID;
	if (op == OFPP13_ANY)
		r->out_port = OFPP_NONE;
	else if (!(r->out_port = of_port_from_wire(op)))
		return E_REQ_BAD_PORT;
	err = oxm_decode_match(body + 32, len - 32, &r->match, &used);
	if (err)
		return err;
	return 32 + used == len ? 0 : E_BAD_LEN;
}

static bool outputs_to(const struct ft_rule *r, uint32_t port)
{
	for (size_t i = 0; i < r->n_actions; i++) {
		if (r->actions[i].type == OFPACT_OUTPUT && r->actions[i].output.port == port)
			return true;
		if (r->actions[i].type == OFPACT_CONTROLLER && port == OFPP_CONTROLLER)
			return true;
	}
	return false;
}

static bool stats_selected(const struct stats_req *q, const struct ft_rule *r)
{
	if (q->table != OFPTT_ALL && q->table != r->table_id)
		return false;
	if ((r->cookie & q->cookie_mask) != (q->cookie & q->cookie_mask))
		return false;
	if (q->out_port != OFPP_NONE && !outputs_to(r, q->out_port))
		return false;
	if (q->out_group != OFPG13_ANY)
		return false;
	return cls_match_covers(&q->match, &r->cls.match);
}

static int flow_stats(struct of_switch *s, struct mp *mp, const uint8_t *body, size_t len,
		      bool aggregate)
{
	uint64_t now = xs_mono_ms(), pk = 0, by = 0;
	const struct ft_rule **rules;
	struct stats_req q;
	uint32_t count = 0;
	struct ofbuf *b = &mp->c->tx;
	int err = parse_stats_req(body, len, &q);
	long n;

	if (err)
		return err;
	xs_bridge_dp_sync_stats(s->a);
	n = ft_collect(s->a->pipeline, &rules);
	if (n < 0)
		return E_FM_UNKNOWN;
	mp_begin(mp);
	for (long i = 0; i < n; i++) {
		const struct ft_rule *r = rules[i];
		uint16_t flags = ofs_rule_flags(s, r);
		uint64_t age = now > r->created_ms ? now - r->created_ms : 0;
		size_t start;

		if (!stats_selected(&q, r))
			continue;
		count++;
		pk += flags & OFPFF_NO_PKT_COUNTS ? 0 : r->n_packets;
		by += flags & OFPFF_NO_BYT_COUNTS ? 0 : r->n_bytes;
		if (aggregate)
			continue;
		mp_room(mp, 48 + 2048 + r->n_actions * 32);
		start = b->len;
		ofbuf_put16(b, 0);
		ofbuf_put8(b, r->table_id);
		ofbuf_put8(b, 0);
		ofbuf_put32(b, (uint32_t)(age / 1000));
		ofbuf_put32(b, (uint32_t)(age % 1000) * 1000000u);
		ofbuf_put16(b, r->cls.priority);
		ofbuf_put16(b, r->idle_timeout);
		ofbuf_put16(b, r->hard_timeout);
		ofbuf_put16(b, flags);
		ofbuf_put32(b, 0);
		ofbuf_put64(b, r->cookie);
		ofbuf_put64(b, flags & OFPFF_NO_PKT_COUNTS ? UINT64_MAX : r->n_packets);
		ofbuf_put64(b, flags & OFPFF_NO_BYT_COUNTS ? UINT64_MAX : r->n_bytes);
		ofs_put_rule_match(s, b, r);
		ofs_put_rule_insts(s, b, r);
		if (!b->failed)
			of_put16(b->data + start, (uint16_t)(b->len - start));
	}
	free(rules);
	if (aggregate) {
		ofbuf_put64(b, pk);
		ofbuf_put64(b, by);
		ofbuf_put32(b, count);
		ofbuf_put32(b, 0);
	}
	ofs_end(mp->c, mp->msg);
	return 0;
}

static void table_stats(struct of_switch *s, struct mp *mp)
{
	const struct ft_rule **rules;
	struct ofbuf *b = &mp->c->tx;
	static uint64_t matched[OFP_N_TABLES];
	long n;

	xs_bridge_dp_sync_stats(s->a);
	memset(matched, 0, sizeof(matched));
	n = ft_collect(s->a->pipeline, &rules);
	for (long i = 0; i < n; i++)
		matched[rules[i]->table_id] += rules[i]->n_packets;
	if (n >= 0)
		free(rules);
	mp_begin(mp);
	for (unsigned t = 0; t < OFP_N_TABLES; t++) {
		ofbuf_put8(b, (uint8_t)t);
		ofbuf_put_zeros(b, 3);
		ofbuf_put32(b, (uint32_t)cls_count(&s->a->pipeline->tables[t]));
		ofbuf_put64(b, matched[t] + s->a->pipeline->table_misses[t]);
		ofbuf_put64(b, matched[t]);
	}
	ofs_end(mp->c, mp->msg);
}

/* One table-features property: type, then items, padded to 8. */
static size_t prop_begin(struct ofbuf *b, uint16_t type)
{
	size_t p = b->len;

	ofbuf_put16(b, type);
	ofbuf_put16(b, 0);
	return p;
}

static void prop_end(struct ofbuf *b, size_t p)
{
	if (!b->failed)
		of_put16(b->data + p + 2, (uint16_t)(b->len - p));
	ofbuf_pad8(b, p);
}

enum { TFPT_INSTRUCTIONS = 0, TFPT_NEXT_TABLES = 2, TFPT_WRITE_ACTIONS = 4,
       TFPT_APPLY_ACTIONS = 6, TFPT_MATCH = 8, TFPT_WILDCARDS = 10,
       TFPT_WRITE_SETFIELD = 12, TFPT_APPLY_SETFIELD = 14 };

/* The fields (match: with the mask bit where maskable; set: writable). */
static void prop_fields(struct ofbuf *b, uint16_t type)
{
	size_t n, p = prop_begin(b, type);
	const struct oxm_field *f = oxm_fields_all(&n);

	for (size_t i = 0; i < n; i++) {
		bool mask = type == TFPT_MATCH && f[i].maskable;

		if (type == TFPT_APPLY_SETFIELD && !ofp_field_by_id(f[i].id)->writable)
			continue;
		ofbuf_put32(b, OXM_HEADER(f[i].cls, f[i].field, mask, f[i].len * (mask ? 2 : 1)));
	}
	prop_end(b, p);
}

/* Every table with what it can do: the instructions and actions this
 * switch takes, every field matched and set; write_actions none. */
static void table_features(struct of_switch *s, struct mp *mp)
{
	static const uint16_t insts[] = { OFPIT_GOTO_TABLE, OFPIT_WRITE_METADATA,
					  OFPIT_APPLY_ACTIONS };
	static const uint16_t acts[] = { OFPAT_OUTPUT, OFPAT_PUSH_VLAN, OFPAT_POP_VLAN,
					 OFPAT_SET_NW_TTL, OFPAT_DEC_NW_TTL, OFPAT_SET_FIELD };
	struct ofbuf *b = &mp->c->tx;

	(void)s;
	mp_begin(mp);
	for (unsigned t = 0; t < OFP_N_TABLES; t++) {
		size_t start, p;
		char name[32];

		mp_room(mp, 2048);
		start = b->len;
		ofbuf_put16(b, 0);
		ofbuf_put8(b, (uint8_t)t);
		ofbuf_put_zeros(b, 5);
		snprintf(name, sizeof(name), "table%u", t);
		put_str(b, name, 32);
		ofbuf_put64(b, UINT64_MAX);   /* metadata_match */
		ofbuf_put64(b, UINT64_MAX);   /* metadata_write */
		ofbuf_put32(b, 0);            /* config */
		ofbuf_put32(b, 1000000);      /* max_entries */
		p = prop_begin(b, TFPT_INSTRUCTIONS);
		for (unsigned i = 0; i < 3; i++) {
			if (insts[i] == OFPIT_GOTO_TABLE && t + 1 >= OFP_N_TABLES)
				continue;
			ofbuf_put16(b, insts[i]);
			ofbuf_put16(b, 4);
		}
		prop_end(b, p);
		p = prop_begin(b, TFPT_NEXT_TABLES);
		for (unsigned n = t + 1; n < OFP_N_TABLES; n++)
			ofbuf_put8(b, (uint8_t)n);
		prop_end(b, p);
		prop_end(b, prop_begin(b, TFPT_WRITE_ACTIONS));
		p = prop_begin(b, TFPT_APPLY_ACTIONS);
		for (unsigned i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
			ofbuf_put16(b, acts[i]);
			ofbuf_put16(b, 4);
		}
		prop_end(b, p);
		prop_fields(b, TFPT_MATCH);
		prop_fields(b, TFPT_WILDCARDS);
		prop_end(b, prop_begin(b, TFPT_WRITE_SETFIELD));
		prop_fields(b, TFPT_APPLY_SETFIELD);
		if (!b->failed)
			of_put16(b->data + start, (uint16_t)(b->len - start));
	}
	ofs_end(mp->c, mp->msg);
}

/* Is there an interface of this name (a userspace port has none)? */
static bool access_ok(const char *name)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", name);
	f = fopen(path, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

static uint64_t read_stat(const char *port, const char *what)
{
	char path[160];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", port, what);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int port_stats(struct of_switch *s, struct mp *mp, const uint8_t *body, size_t len)
{
	static const char *const counters[] = { "rx_packets", "tx_packets", "rx_bytes", "tx_bytes",
		"rx_dropped", "tx_dropped", "rx_errors", "tx_errors", "rx_frame_errors",
		"rx_over_errors", "rx_crc_errors", "collisions" };
	struct ofbuf *b = &mp->c->tx;
	struct xs_dpif *dpif = xs_agent_dpif(s->a);
	uint64_t now = xs_mono_ms();
	uint32_t want;

	if (len != 8)
		return E_BAD_LEN;
	want = of_get32(body);
	if (want != OFPP13_ANY && !of_port_from_wire(want))
		return E_REQ_BAD_PORT;
	mp_begin(mp);
	for (size_t i = 0; i < s->a->ports.n; i++) {
		const struct xs_port *p = &s->a->ports.ports[i];
		struct xs_dpif_port_stats dp;
		uint64_t since = ofs_port_since_ms(s, p->ofport), age;

		if (want != OFPP13_ANY && p->ofport != want)
			continue;
		age = since && now > since ? now - since : 0;
		mp_room(mp, 112);
		ofbuf_put32(b, p->ofport);
		ofbuf_put32(b, 0);
		if (dpif && dpif->cls->port_stats &&
		    !dpif->cls->port_stats(dpif, p->dp_port, &dp)) {
			/* a userspace port: its traffic; no error counters
			 * (all-ones: "not available", as the spec says) */
			ofbuf_put64(b, dp.rx_packets);
			ofbuf_put64(b, dp.tx_packets);
			ofbuf_put64(b, dp.rx_bytes);
			ofbuf_put64(b, dp.tx_bytes);
			for (unsigned k = 4; k < 12; k++)
				ofbuf_put64(b, UINT64_MAX);
		} else {
			for (unsigned k = 0; k < 12; k++)
				ofbuf_put64(b, read_stat(p->name, counters[k]));
		}
		ofbuf_put32(b, (uint32_t)(age / 1000));
		ofbuf_put32(b, (uint32_t)(age % 1000) * 1000000u);
	}
	ofs_end(mp->c, mp->msg);
	return 0;
}

uint32_t ofs_port_state(const char *name)
{
	char path[160], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", name);
	f = fopen(path, "r");
	if (!f)
		return access_ok(name) ? 1 : 0; /* admin down: no carrier file to read */
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] == '1' ? 0 : 1;   /* OFPPS_LINK_DOWN */
}

/* One ofp_port for p (port desc, port status). */
void ofs_put_port(struct ofbuf *b, uint32_t ofport, const char *name)
{
	char path[160], buf[64] = "";
	unsigned m[6] = { 0 };
	uint32_t state = 0;
	FILE *f;

	ofbuf_put32(b, ofport);
	ofbuf_put32(b, 0);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f) ||
		    sscanf(buf, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			memset(m, 0, sizeof(m));
		fclose(f);
	}
	for (unsigned i = 0; i < 6; i++)
		ofbuf_put8(b, (uint8_t)m[i]);
	ofbuf_put16(b, 0);
	put_str(b, name, 16);
	ofbuf_put32(b, 0);                    /* config */
	state = ofs_port_state(name);
	ofbuf_put32(b, state);
	ofbuf_put_zeros(b, 24);               /* curr .. max_speed: unknown */
}

static void port_desc(struct of_switch *s, struct mp *mp)
{
	mp_begin(mp);
	for (size_t i = 0; i < s->a->ports.n; i++) {
		mp_room(mp, OFP_PORT_LEN);
		ofs_put_port(&mp->c->tx, s->a->ports.ports[i].ofport, s->a->ports.ports[i].name);
	}
	ofs_end(mp->c, mp->msg);
}

int ofs_multipart(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	struct mp mp = { .c = c, .xid = of_get32(msg + 4) };
	const uint8_t *body = msg + MP_HDR;
	size_t blen;

	if (len < MP_HDR)
		return E_BAD_LEN;
	mp.type = of_get16(msg + 8);
	blen = len - MP_HDR;
	switch (mp.type) {
	case OFPMP_DESC:
		if (blen)
			return E_BAD_LEN;
		mp_begin(&mp);
		desc(s, &mp);
		ofs_end(c, mp.msg);
		return 0;
	case OFPMP_FLOW:
		return flow_stats(s, &mp, body, blen, false);
	case OFPMP_AGGREGATE:
		return flow_stats(s, &mp, body, blen, true);
	case OFPMP_TABLE:
		if (blen)
			return E_BAD_LEN;
		table_stats(s, &mp);
		return 0;
	case OFPMP_TABLE_FEATURES:
		if (blen)
			return OFPERR(13, 5); /* TABLE_FEATURES_FAILED / EPERM: read only */
		table_features(s, &mp);
		return 0;
	case OFPMP_PORT_STATS:
		return port_stats(s, &mp, body, blen);
	case OFPMP_PORT_DESC:
		if (blen)
			return E_BAD_LEN;
		port_desc(s, &mp);
		return 0;
	case OFPMP_QUEUE:
		if (blen != 8)
			return E_BAD_LEN;
		mp_begin(&mp);          /* no queues */
		ofs_end(c, mp.msg);
		return 0;
	case OFPMP_GROUP_DESC:
	case OFPMP_GROUP:
	case OFPMP_METER:
	case OFPMP_METER_CONFIG:
		mp_begin(&mp);          /* no groups, no meters */
		ofs_end(c, mp.msg);
		return 0;
	default:
		return E_BAD_MULTIPART;
	}
}
