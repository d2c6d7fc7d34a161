// SPDX-License-Identifier: Apache-2.0
#include "tests/lib/pipeline_fixture.h"

#include <stdlib.h>

#include "tests/lib/xs_test.h"

struct flow_tables fx_tables;

int fx_setup(void **state)
{
	(void)state;
	flow_tables_init(&fx_tables);
	return 0;
}

int fx_teardown(void **state)
{
	(void)state;
	flow_tables_destroy(&fx_tables);
	return 0;
}

void fx_load(const char *text)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	if (ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &err))
		fail_msg("flows: %d:%d: %s", err.line, err.col, err.msg);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ft_add(&fx_tables, &flows[i], 0), 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
}

struct ofp_key fx_packet(const char *text)
{
	struct ofp_key k;
	struct xs_err err;

	if (ofp_parse_packet(text, &k, &err))
		fail_msg("packet '%s': %d: %s", text, err.col, err.msg);
	return k;
}
