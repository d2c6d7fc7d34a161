// SPDX-License-Identifier: Apache-2.0
/* Translation tests' pipeline: one set of flow tables per test binary,
 * cmocka setup/teardown around it, flow text loaded into it and packet
 * descriptions parsed for it. A parse failure fails the test with the
 * line and column the parser reported. */
#ifndef XS_TEST_PIPELINE_FIXTURE_H
#define XS_TEST_PIPELINE_FIXTURE_H

#include "agent/ofp/flow.h"
#include "agent/pipeline/flow_table.h"

extern struct flow_tables fx_tables;

/* cmocka group or test setup/teardown: empty tables, then freed. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Adds every flow of @text (ovs-ofctl add-flows syntax) to fx_tables. */
void fx_load(const char *text);

/* The packet @text describes (trace syntax). */
struct ofp_key fx_packet(const char *text);

#endif
