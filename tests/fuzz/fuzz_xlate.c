// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the pipeline: a flow table (text up to the first NUL)
 * and a raw packet key (the bytes after it) through xlate() and the trace
 * renderers. Aborts if the packet with every wildcarded bit flipped - still
 * inside the megaflow - gets different datapath actions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/trace.h"

static const uint32_t ports[] = { 1, 2, 3, 4 };

static void load(struct flow_tables *ft, const char *text)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	if (ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &err))
		return;
	for (size_t i = 0; i < n; i++) {
		ft_add(ft, &flows[i], 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct flow_tables ft;
	const uint8_t *nul = memchr(data, 0, size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	struct xlate_trace trace = { 0 };
	struct xlate_result r0 = { .trace = &trace }, r1 = { .trace = NULL };
	struct ofp_key pkt, flip;
	char *text, *out;
	int e0, e1;

	text = malloc(text_len + 1);
	if (!text)
		return 0;
	memcpy(text, data, text_len);
	text[text_len] = 0;
	flow_tables_init(&ft);
	ft.ports = ports;
	ft.n_ports = 4;
	load(&ft, text);
	free(text);

	memset(&pkt, 0, sizeof(pkt));
	pkt.dp.in_port = 1;
	if (nul) {
		size_t n = size - text_len - 1;
		if (n > sizeof(struct xs_flow_key))
			n = sizeof(struct xs_flow_key);
		memcpy(&pkt.dp, nul + 1, n);
	}

	e0 = xlate(&ft, &pkt, &r0);
	flip = pkt;
	uint8_t *f = (uint8_t *)&flip.dp;
	const uint8_t *m = (const uint8_t *)&r0.mask;
	for (size_t i = 0; i < sizeof(struct xs_flow_key); i++)
		f[i] ^= (uint8_t)~m[i];
	e1 = xlate(&ft, &flip, &r1);
	if (e0 != e1 || r0.n_actions != r1.n_actions ||
	    memcmp(r0.actions, r1.actions, r0.n_actions * sizeof(r0.actions[0])))
		abort();

	for (int json = 0; json < 2; json++)
		if (!trace_render(&pkt, &r0, e0, json, &out))
			free(out); /* NULL only when out of memory */
	xlate_trace_free(&trace);
	flow_tables_destroy(&ft);
	return 0;
}
