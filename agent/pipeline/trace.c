// SPDX-License-Identifier: Apache-2.0
/* Text and JSON rendering of a translation (the trace command); formats in
 * trace.h. */
#include "agent/pipeline/trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/ofp/lex.h"
#include "common/dp_format.h"
#include "xdpswitch/datapath.h"

#define TEXT_MAX 4096

void trace_megaflow_match(const struct ofp_key *packet, const struct xs_flow_key *mask,
			  struct ofp_match *match)
{
	const uint8_t *p = (const uint8_t *)&packet->dp, *m = (const uint8_t *)mask;
	uint8_t *v = (uint8_t *)&match->value.dp;

	memset(match, 0, sizeof(*match));
	match->mask.dp = *mask;
	for (size_t i = 0; i < sizeof(*mask); i++)
		v[i] = p[i] & m[i];
	/* Every megaflow matches recirc_id; the first pass's 0 goes unsaid. */
	if (!packet->dp.recirc_id)
		match->mask.dp.recirc_id = 0;
}

/* A key as a match on every datapath field its packet type has (the
 * fields whose prerequisites it meets), plus the pipeline fields that are
 * not zero. */
static void format_key(const struct ofp_key *k, char *buf, size_t size)
{
	struct ofp_match m;

	memset(&m, 0, sizeof(m));
	for (int id = 0; id < OFPF_METADATA; id++) {
		const struct ofp_field *f = ofp_field_by_id((enum ofp_field_id)id);
		if (ofp_prereq_ok(f, k))
			ofp_field_mask_all(f, &m.mask);
	}
	/* Connection fields only when set (an untracked packet has none). */
	if (!k->dp.ct_state)
		m.mask.dp.ct_state = 0;
	if (!k->dp.ct_zone)
		m.mask.dp.ct_zone = 0;
	if (!k->dp.ct_mark)
		m.mask.dp.ct_mark = 0;
	for (int i = 0; i < 16; i++)
		if (k->dp.ct_label[i])
			ofp_field_mask_all(ofp_field_by_id(OFPF_CT_LABEL), &m.mask);
	if (!k->dp.recirc_id)
		m.mask.dp.recirc_id = 0;
	/* The ct tuple when a connection has one. */
	if (k->dp.ct_nw_proto)
		for (int id = OFPF_CT_NW_PROTO; id <= OFPF_CT_TP_DST; id++) {
			const struct ofp_field *f = ofp_field_by_id((enum ofp_field_id)id);
			if (ofp_prereq_ok(f, k))
				ofp_field_mask_all(f, &m.mask);
		}
	/* ICMP type and code cover the whole port member, as in a match. */
	if (m.mask.dp.tp_src)
		m.mask.dp.tp_src = 0xffff;
	if (m.mask.dp.tp_dst)
		m.mask.dp.tp_dst = 0xffff;
	if (k->metadata)
		m.mask.metadata = ~(__be64)0;
	for (int i = 0; i < OFP_N_REGS; i++)
		if (k->regs[i])
			m.mask.regs[i] = 0xffffffff;
	const uint8_t *kb = (const uint8_t *)k, *mb = (const uint8_t *)&m.mask;
	uint8_t *vb = (uint8_t *)&m.value;
	for (size_t i = 0; i < sizeof(*k); i++)
		vb[i] = kb[i] & mb[i];
	ofp_format_match(&m, buf, size);
}

static void format_rule(const struct ft_rule *r, char *buf, size_t size)
{
	int n = ofp_format_match(&r->cls.match, buf, size);

	if (n < 0 || (size_t)n >= size)
		return;
	n += snprintf(buf + n, size - (size_t)n, "%spriority %u", n ? ", " : "",
		      r->id == FT_HIDDEN_ID ? FT_HIDDEN_PRIORITY : r->cls.priority);
	if (r->id == FT_HIDDEN_ID && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " (hidden: fail-open)");
	if (r->cookie && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ", cookie %#" PRIx64, r->cookie);
}

static const char *error_text(int err)
{
	switch (err) {
	case -ELOOP:
		return "too many nested tables or resubmits";
	case -E2BIG:
		return "too many datapath actions";
	case -EOPNOTSUPP:
		return "an action the datapath cannot do";
	case -ENOENT:
		return "unknown recirc_id: no ct(table=...) of this agent froze it";
	case -ENOSPC:
		return "out of recirculation ids";
	default:
		return strerror(-err);
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void render_text(FILE *f, const struct xlate_result *res, int err, const char *flow,
			const char *final, const char *megaflow, const char *dp)
{
	const struct xlate_trace *t = res->trace;
	char buf[TEXT_MAX];

	fprintf(f, "Flow: %s\n\nbridge(\"xdpswitch\")\n-------------------\n", flow);
	for (size_t i = 0; i < t->n_events; i++) {
		const struct xlate_event *e = &t->events[i];
		int ind = (int)(4 * e->depth);

		switch (e->type) {
		case XEV_LOOKUP:
			if (e->rule) {
				format_rule(e->rule, buf, sizeof(buf));
				fprintf(f, "%*s%2u. %s\n", ind, "", e->table, buf);
				if (!e->rule->n_actions)
					fprintf(f, "%*sdrop\n", ind + 4, "");
			} else {
				fprintf(f, "%*s%2u. No match.\n%*sdrop\n", ind, "", e->table, ind + 4, "");
			}
			break;
		case XEV_ACTION:
			if (e->act->type == OFPACT_CLONE)
				snprintf(buf, sizeof(buf), "clone");
			else
				ofp_format_actions(e->act, 1, buf, sizeof(buf));
			fprintf(f, "%*s%s\n", ind + 4, "", buf);
			break;
		case XEV_NOTE:
			fprintf(f, "%*s>>>> %s <<<<\n", ind + 4, "", e->note);
			break;
		case XEV_INFO:
			fprintf(f, "%*s -> %s\n", ind + 4, "", e->note);
			break;
		}
	}
	if (t->truncated)
		fprintf(f, ">>>> out of memory: trace incomplete <<<<\n");
	fprintf(f, "\nFinal flow: %s\n", final);
	if (err)
		fprintf(f, "Translation failed (%s), packet is dropped.\n", error_text(err));
	fprintf(f, "Megaflow: %s\nDatapath actions: %s\n", megaflow, dp);
}

static void render_json(FILE *f, const struct xlate_result *res, int err, const char *flow,
			const char *final, const char *megaflow, const char *dp)
{
	const struct xlate_trace *t = res->trace;
	char buf[TEXT_MAX];

	fputs("{\"flow\":", f);
	json_str(f, flow);
	fputs(",\"steps\":[", f);
	for (size_t i = 0; i < t->n_events; i++) {
		const struct xlate_event *e = &t->events[i];

		fprintf(f, "%s{\"depth\":%u,\"table\":%u,", i ? "," : "", e->depth, e->table);
		switch (e->type) {
		case XEV_LOOKUP:
			fputs("\"type\":\"lookup\",\"rule\":", f);
			if (e->rule) {
				ofp_format_match(&e->rule->cls.match, buf, sizeof(buf));
				fputs("{\"match\":", f);
				json_str(f, buf);
				fprintf(f, ",\"priority\":%u,\"cookie\":%" PRIu64 ",\"id\":%" PRIu64 "}",
					e->rule->cls.priority, e->rule->cookie, e->rule->id);
			} else {
				fputs("null", f);
			}
			break;
		case XEV_ACTION:
			if (e->act->type == OFPACT_CLONE)
				snprintf(buf, sizeof(buf), "clone");
			else
				ofp_format_actions(e->act, 1, buf, sizeof(buf));
			fputs("\"type\":\"action\",\"action\":", f);
			json_str(f, buf);
			break;
		case XEV_NOTE:
			fputs("\"type\":\"note\",\"text\":", f);
			json_str(f, e->note);
			break;
		case XEV_INFO:
			fputs("\"type\":\"info\",\"text\":", f);
			json_str(f, e->note);
			break;
		}
		fputc('}', f);
	}
	fputs("],\"final_flow\":", f);
	json_str(f, final);
	fputs(",\"megaflow\":", f);
	json_str(f, megaflow);
	fputs(",\"datapath_actions\":", f);
	json_str(f, dp);
	fputs(",\"error\":", f);
	if (err)
		json_str(f, error_text(err));
	else
		fputs("null", f);
	fprintf(f, ",\"trace_complete\":%s}\n", t->truncated ? "false" : "true");
}

static int cmp_port(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* "Datapath actions:" into a heap string (*@out): a broadcast as its ports
 * in port order (ofproto/trace prints a flood so), the packet's in_port
 * left out. 0 or -ENOMEM. */
static int format_dp_actions(const struct ofp_key *packet, const struct xlate_result *res,
			     char **out)
{
	const struct xlate_trace *t = res->trace;
	/* every port as up to 10 digits and a comma, besides the rest */
	size_t size = TEXT_MAX + (size_t)t->n_ports * 11;
	struct xs_dp_port_map map = { .n_bridge = t->n_ports };
	uint32_t *ports = malloc((t->n_ports ? t->n_ports : 1) * sizeof(*ports));

	*out = malloc(size);
	if (!ports || !*out) {
		free(ports);
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	if (t->n_ports)
		memcpy(ports, t->ports, t->n_ports * sizeof(*ports));
	qsort(ports, t->n_ports, sizeof(*ports), cmp_port);
	map.bridge = ports;
	/* Sets are named after the packet's headers (its type and protocol). */
	xs_dp_format_actions(*out, size, res->actions, res->n_actions, &packet->dp, &map);
	free(ports);
	return 0;
}

int trace_render(const struct ofp_key *packet, const struct xlate_result *res, int err,
		 bool json, char **out)
{
	char flow[TEXT_MAX], final[TEXT_MAX], megaflow[TEXT_MAX], *dp;
	struct ofp_match mf;
	size_t len;
	FILE *f;

	*out = NULL;
	format_key(packet, flow, sizeof(flow));
	if (!memcmp(&res->trace->final.dp, &packet->dp, sizeof(packet->dp)) &&
	    !res->trace->final.metadata &&
	    !memcmp(res->trace->final.regs, (uint32_t[OFP_N_REGS]){ 0 }, sizeof(packet->regs)))
		snprintf(final, sizeof(final), "unchanged");
	else
		format_key(&res->trace->final, final, sizeof(final));
	trace_megaflow_match(packet, &res->mask, &mf);
	ofp_format_match(&mf, megaflow, sizeof(megaflow));
	if (format_dp_actions(packet, res, &dp))
		return -ENOMEM;

	f = open_memstream(out, &len);
	if (!f) {
		free(dp);
		return -ENOMEM;
	}
	if (json)
		render_json(f, res, err, flow, final, megaflow, dp);
	else
		render_text(f, res, err, flow, final, megaflow, dp);
	free(dp);
	if (fclose(f)) {
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The ct tuple a connection in state @state gives packet @k, as the
 * datapath fills it: the packet's own (turned around for +rpl), unless
 * the traced packet gave one (ct_nw_proto=...); ICMP's type and code in
 * ct_tp_src/ct_tp_dst (an echo reply's connection: the request's). */
static void next_pass_tuple(struct ofp_key *k, uint8_t state)
{
	struct xs_flow_key *d = &k->dp;
	bool rpl = state & XS_CS_RPL, v4 = d->dl_type == htons(0x0800);

	/* +rel: the master's tuple is in the ICMP error's payload, which a
	 * traced packet does not have: given, or none. */
	if (d->ct_nw_proto || !XS_CT_TUPLE_VALID(state) || (state & XS_CS_REL) ||
	    (!v4 && d->dl_type != htons(0x86dd)))
		return;
	d->ct_nw_proto = d->nw_proto;
	d->ct_tp_src = rpl ? d->tp_dst : d->tp_src;
	d->ct_tp_dst = rpl ? d->tp_src : d->tp_dst;
	if (d->nw_proto == 1 || d->nw_proto == 58) {
		uint16_t t = ntohs(d->tp_src);

		d->ct_tp_src = htons(t == 0 ? 8 : t == 129 ? 128 : t);
		d->ct_tp_dst = d->tp_dst;
	}
	if (v4) {
		d->ct_nw_src = rpl ? d->nw_dst : d->nw_src;
		d->ct_nw_dst = rpl ? d->nw_src : d->nw_dst;
	} else {
		memcpy(d->ct_ipv6_src, rpl ? d->ipv6_dst : d->ipv6_src, 16);
		memcpy(d->ct_ipv6_dst, rpl ? d->ipv6_src : d->ipv6_dst, 16);
	}
}

/* The packet of the pass after @res (which ends in XS_ACT_RECIRC): the
 * packet as the actions left it, with recirc_id, the zone of the last ct
 * action and ct_state @state; ct_mark and ct_label stay the traced packet's, the ct
 * tuple too if it gave one (next_pass_tuple). */
static struct ofp_key next_pass(const struct ofp_key *packet, const struct xlate_result *res,
				uint8_t state)
{
	struct ofp_key k = *packet;

	k.dp = res->trace->final.dp;
	k.dp.in_port = packet->dp.in_port;
	k.dp.recirc_id = htonl(res->actions[res->n_actions - 1].arg);
	k.dp.ct_state = state;
	k.dp.ct_mark = packet->dp.ct_mark;
	memcpy(k.dp.ct_label, packet->dp.ct_label, 16);
	k.dp.ct_zone = 0;
	for (unsigned i = 0; i < res->n_actions; i++)
		if (res->actions[i].type == XS_ACT_CT)
			k.dp.ct_zone = htons((uint16_t)res->actions[i].arg);
	k.metadata = 0;
	memset(k.regs, 0, sizeof(k.regs));
	if (packet->dp.ct_nw_proto) { /* the traced packet's own tuple */
		k.dp.ct_nw_proto = packet->dp.ct_nw_proto;
		k.dp.ct_tp_src = packet->dp.ct_tp_src;
		k.dp.ct_tp_dst = packet->dp.ct_tp_dst;
		memcpy(k.dp.ct_ipv6_src, packet->dp.ct_ipv6_src, 32);
	}
	next_pass_tuple(&k, state);
	return k;
}

static const char *state_text(uint8_t st, char *buf, size_t size)
{
	struct ofp_out o = { buf, size, 0 };

	ofp_out_ct_state(&o, st, 0);
	return buf;
}

/* Appends @next (a JSON object, "{...}\n") to @cur's object as "recirc". */
static int json_nest(char **cur, const char *next)
{
	size_t a = strlen(*cur), b = strlen(next);
	char *s;

	while (a && ((*cur)[a - 1] == '\n' || (*cur)[a - 1] == '}'))
		if ((*cur)[--a] == '}')
			break;
	s = malloc(a + b + 16);
	if (!s)
		return -ENOMEM;
	memcpy(s, *cur, a);
	memcpy(s + a, ",\"recirc\":", 10);
	memcpy(s + a + 10, next, b);
	while (b && s[a + 10 + b - 1] == '\n')
		b--;
	strcpy(s + a + 10 + b, "}\n");
	free(*cur);
	*cur = s;
	return 0;
}

int trace_packet_ct(const struct flow_tables *ft, const struct ofp_key *packet, bool json,
		    const uint8_t *ct_next, unsigned n_ct_next, char **out)
{
	struct ofp_key k = *packet;
	char *passes[TRACE_MAX_PASSES] = { 0 }, head[512], st[64];
	uint32_t ids[TRACE_MAX_PASSES] = { 0 };
	int first_err = 0, err = 0;
	unsigned n = 0;

	*out = NULL;
	for (; n < TRACE_MAX_PASSES; n++) {
		struct xlate_trace trace = { 0 };
		struct xlate_result res = { .trace = &trace };
		int xerr = xlate(ft, &k, &res);

		if (!n)
			first_err = xerr;
		err = trace_render(&k, &res, xerr, json, &passes[n]);
		if (err || !res.n_actions || res.actions[res.n_actions - 1].type != XS_ACT_RECIRC) {
			xlate_trace_free(&trace);
			n += !err;
			break;
		}
		k = next_pass(&k, &res, n < n_ct_next ? ct_next[n] : XS_CS_TRK | XS_CS_NEW);
		if (n + 1 < TRACE_MAX_PASSES)
			ids[n + 1] = ntohl(k.dp.recirc_id);
		xlate_trace_free(&trace);
	}
	/* Put the passes together: text one after the other, JSON nested. */
	for (unsigned i = 0; !err && i < n; i++) {
		if (!i) {
			*out = passes[0];
			passes[0] = NULL;
			continue;
		}
		if (json) {
			err = json_nest(out, passes[i]);
			continue;
		}
		snprintf(head, sizeof(head),
			 "\n%s\nrecirc(%#x) - resume conntrack with ct_state=%s%s\n%s\n\n",
			 "==============================================================================",
			 ids[i],
			 state_text(i - 1 < n_ct_next ? ct_next[i - 1] : XS_CS_TRK | XS_CS_NEW, st,
				    sizeof(st)),
			 i - 1 < n_ct_next ? "" : " (default; --ct-next to choose)",
			 "==============================================================================");
		size_t a = strlen(*out), b = strlen(head), c = strlen(passes[i]);
		char *s = realloc(*out, a + b + c + 1);
		if (!s) {
			err = -ENOMEM;
			break;
		}
		memcpy(s + a, head, b);
		memcpy(s + a + b, passes[i], c + 1);
		*out = s;
	}
	for (unsigned i = 0; i < TRACE_MAX_PASSES; i++)
		free(passes[i]);
	if (err) {
		free(*out);
		*out = NULL;
		return err;
	}
	return first_err;
}

int trace_packet(const struct flow_tables *ft, const struct ofp_key *packet, bool json,
		 char **out)
{
	return trace_packet_ct(ft, packet, json, NULL, 0, out);
}
