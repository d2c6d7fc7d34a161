// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the ovs-ofctl text parser: any text through every
 * parse mode and the flow-file parser; what parses must survive a
 * format -> parse round trip unchanged (aborts otherwise). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent/ofp/flow.h"

static char fmt1[1 << 17], fmt2[1 << 17];

static void die(const char *what, const char *text, const char *s1, const char *s2)
{
	fprintf(stderr, "fixed point broken (%s)\n  input: %.300s\n  first: %.300s\n"
		"  again: %.300s\n", what, text, s1, s2 ? s2 : "");
	abort();
}

static void check_err(const struct xs_err *e, size_t len)
{
	/* A message is always set, and the column lies within the line (or
	 * one past its end, for "missing" errors). */
	if (!e->msg[0] || e->col < 0 || (size_t)e->col > len + 1 ||
	    strnlen(e->msg, sizeof(e->msg)) == sizeof(e->msg))
		abort();
}

static bool same_flow(const struct ofp_flow *a, const struct ofp_flow *b)
{
	return !memcmp(&a->match, &b->match, sizeof(a->match)) &&
	       a->table_id == b->table_id && a->priority == b->priority &&
	       a->cookie == b->cookie && a->cookie_mask == b->cookie_mask &&
	       a->set_cookie == b->set_cookie && a->new_cookie == b->new_cookie &&
	       a->out_port == b->out_port &&
	       a->idle_timeout == b->idle_timeout && a->hard_timeout == b->hard_timeout &&
	       a->n_actions == b->n_actions &&
	       (!a->n_actions ||
		!memcmp(a->actions, b->actions, a->n_actions * sizeof(*a->actions)));
}

/* Formats f the way its mode prints, parses that, and compares. */
static void round_trip(const struct ofp_flow *f, enum ofp_parse_mode mode, const char *text)
{
	struct ofp_flow g;
	struct xs_err e;
	int n;

	if (mode == OFP_PARSE_DELETE)
		n = ofp_format_flow_match(f, fmt1, sizeof(fmt1));
	else if (mode == OFP_PARSE_PACKET)
		n = ofp_format_match(&f->match, fmt1, sizeof(fmt1));
	else
		n = ofp_format_flow(f, fmt1, sizeof(fmt1));
	if (n < 0 || (size_t)n >= sizeof(fmt1))
		die("output too long", text, "", NULL);
	if (ofp_parse_flow(fmt1, mode, &g, &e))
		die(e.msg, text, fmt1, NULL);
	if (mode == OFP_PARSE_DELETE || mode == OFP_PARSE_PACKET) {
		/* Those printings leave the flow keys out. */
		g.table_id = f->table_id;
		g.cookie = f->cookie;
		g.cookie_mask = f->cookie_mask;
		g.out_port = f->out_port;
		if (mode == OFP_PARSE_PACKET)
			g.priority = f->priority;
	}
	if (!same_flow(f, &g)) {
		ofp_format_flow(&g, fmt2, sizeof(fmt2));
		die("parses differently", text, fmt1, fmt2);
	}
	ofp_flow_free(&g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ofp_parse_mode modes[] = {
		OFP_PARSE_ADD, OFP_PARSE_MODIFY, OFP_PARSE_DELETE, OFP_PARSE_PACKET,
	};
	struct ofp_flow f, *flows;
	struct ofp_key key;
	struct xs_err e;
	char *text;
	size_t i, n;

	if (size > 4 * OFP_MAX_LINE)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (ofp_parse_flow(text, modes[i], &f, &e)) {
			check_err(&e, strlen(text));
			if (f.actions || f.n_actions)
				abort();
			continue;
		}
		round_trip(&f, modes[i], text);
		ofp_flow_free(&f);
	}
	if (ofp_parse_packet(text, &key, &e))
		check_err(&e, strlen(text));
	if (!ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &e)) {
		for (i = 0; i < n; i++) {
			round_trip(&flows[i], OFP_PARSE_ADD, text);
			ofp_flow_free(&flows[i]);
		}
		free(flows);
	} else if (flows || n) {
		abort();
	}
	free(text);
	return 0;
}
