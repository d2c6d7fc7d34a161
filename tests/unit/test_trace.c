// SPDX-License-Identifier: Apache-2.0
/* Trace rendering: exact text for a two-table walk, table misses, notes and
 * failed translations, and the JSON form. */
#include "tests/lib/xs_test.h"
#include "tests/lib/pipeline_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/trace.h"

/* Traces pkt; returns the rendering (caller frees) and the xlate result. */
static char *trace(const char *pkt, bool json, int want_err)
{
	struct ofp_key k;
	struct xs_err err;
	char *out;

	assert_int_equal(ofp_parse_packet(pkt, &k, &err), 0);
	assert_int_equal(trace_packet(&fx_tables, &k, json, &out), want_err);
	assert_non_null(out);
	return out;
}

static void test_text_two_tables(void **state)
{
	(void)state;
	fx_load("priority=100,in_port=1,ip,nw_dst=10.0.0.0/24,cookie=0x5,"
	     "actions=mod_nw_dst:10.0.0.9,resubmit(,1),output:1\n"
	     "table=1,ip,actions=output:2\n");
	char *out = trace("in_port=1,udp,nw_dst=10.0.0.5,nw_ttl=64", false, 0);
	const char *want =
		"Flow: udp,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,"
		"dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=10.0.0.5,nw_tos=0,nw_ecn=0,"
		"nw_ttl=64,nw_frag=no,tp_src=0,tp_dst=0\n"
		"\n"
		"bridge(\"xdpswitch\")\n"
		"-------------------\n"
		" 0. ip,in_port=1,nw_dst=10.0.0.0/24, priority 100, cookie 0x5\n"
		"    mod_nw_dst:10.0.0.9\n"
		"    resubmit(,1)\n"
		"     1. ip, priority 32768\n"
		"        output:2\n"
		"    output:1\n"
		"    >>>> skipping output to input port <<<<\n"
		"\n"
		"Final flow: udp,in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,"
		"dl_dst=00:00:00:00:00:00,nw_src=0.0.0.0,nw_dst=10.0.0.9,nw_tos=0,nw_ecn=0,"
		"nw_ttl=64,nw_frag=no,tp_src=0,tp_dst=0\n"
		"Megaflow: ip,in_port=1,nw_dst=10.0.0.5\n"
		"Datapath actions: set(ipv4(dst=10.0.0.9)),2\n";

	assert_string_equal(out, want);
	free(out);
}

static void test_text_miss(void **state)
{
	(void)state;
	fx_load("in_port=2,actions=output:1\n");
	char *out = trace("in_port=1", false, 0);

	assert_non_null(strstr(out, "\n 0. No match.\n    drop\n\nFinal flow: unchanged\n"));
	assert_non_null(strstr(out, "\nMegaflow: in_port=1\nDatapath actions: drop\n"));
	free(out);
}

static void test_text_failure(void **state)
{
	(void)state;
	fx_load("actions=resubmit(,0)\n");
	char *out = trace("in_port=1", false, -ELOOP);

	assert_non_null(strstr(out, ">>>> over the translation depth limit (64) <<<<\n"));
	assert_non_null(strstr(out, "Translation failed (too many nested tables or resubmits), "
				    "packet is dropped.\n"));
	assert_non_null(strstr(out, "Datapath actions: drop\n"));
	free(out);
}

static void test_json(void **state)
{
	(void)state;
	fx_load("in_port=1,actions=controller,output:2\n");
	char *out = trace("in_port=1", true, 0);
	const char *want =
		"{\"flow\":\"in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,"
		"dl_dst=00:00:00:00:00:00,dl_type=0x0000\","
		"\"steps\":[{\"depth\":0,\"table\":0,\"type\":\"lookup\",\"rule\":"
		"{\"match\":\"in_port=1\",\"priority\":32768,\"cookie\":0,\"id\":1}},"
		"{\"depth\":0,\"table\":0,\"type\":\"action\",\"action\":\"CONTROLLER:65535\"},"
		"{\"depth\":0,\"table\":0,\"type\":\"action\",\"action\":\"output:2\"}],"
		"\"final_flow\":\"unchanged\",\"megaflow\":\"in_port=1\","
		"\"datapath_actions\":\"userspace(reason=action,cookie=0),2\",\"error\":null,"
		"\"trace_complete\":true}\n";

	assert_string_equal(out, want);
	free(out);
}

static void test_json_failure(void **state)
{
	(void)state;
	fx_load("actions=resubmit(,0)\n");
	char *out = trace("in_port=1", true, -ELOOP);

	assert_non_null(strstr(out, "{\"depth\":64,\"table\":0,\"type\":\"note\","
				    "\"text\":\"over the translation depth limit (64)\"}"));
	assert_non_null(strstr(out, "\"datapath_actions\":\"drop\",\"error\":"
				    "\"too many nested tables or resubmits\",\"trace_complete\":true}\n"));
	free(out);
}

/* "1,2,...,N" without @skip, into a heap string. */
static char *port_run(unsigned n, unsigned skip)
{
	char *s = malloc((size_t)n * 6 + 1), *p = s;

	assert_non_null(s);
	*s = 0;
	for (unsigned i = 1; i <= n; i++)
		if (i != skip)
			p += sprintf(p, "%s%u", p == s ? "" : ",", i);
	return s;
}

/* A flood on a 64-port bridge (given in shuffled order): one broadcast in
 * the datapath, printed as OVS prints a flood: each other port, in port
 * order; a rewrite before it shows once, before the ports. The megaflow
 * is in_port alone. */
static void test_flood_64_ports(void **state)
{
	static uint32_t ports[64];
	char *out, *want_ports, want[1024];
	(void)state;

	for (unsigned i = 0; i < 64; i++)
		ports[i] = (i * 37) % 64 + 1; /* 37 is prime to 64: a permutation */
	fx_tables.ports = ports;
	fx_tables.n_ports = 64;
	fx_load("in_port=5,actions=flood\n"
	     "in_port=6,actions=mod_dl_dst:02:00:00:00:00:0d,all\n");
	out = trace("in_port=5,udp", false, 0);
	want_ports = port_run(64, 5);
	snprintf(want, sizeof(want), "\nFinal flow: unchanged\nMegaflow: in_port=5\n"
		 "Datapath actions: %s\n", want_ports);
	assert_non_null(strstr(out, "\n 0. in_port=5, priority 32768\n    FLOOD\n"));
	assert_non_null(strstr(out, want));
	free(out);
	free(want_ports);

	out = trace("in_port=6,udp", true, 0);
	want_ports = port_run(64, 6);
	snprintf(want, sizeof(want), "\"datapath_actions\":\"set(eth(dst=02:00:00:00:00:0d)),%s\","
		 "\"error\":null", want_ports);
	assert_non_null(strstr(out, want));
	free(out);
	free(want_ports);
}

/* A bridge of XS_MAX_PORTS ports: every other port printed, none cut. */
static void test_flood_1024_ports(void **state)
{
	static uint32_t ports[1024];
	char *out, *want_ports, *want;
	(void)state;

	for (unsigned i = 0; i < 1024; i++)
		ports[i] = i + 1;
	fx_tables.ports = ports;
	fx_tables.n_ports = 1024;
	fx_load("actions=flood\n");
	out = trace("in_port=1000", false, 0);
	want_ports = port_run(1024, 1000);
	want = malloc(strlen(want_ports) + 64);
	assert_non_null(want);
	sprintf(want, "\nDatapath actions: %s\n", want_ports);
	assert_non_null(strstr(out, want));
	free(want);
	free(out);
	free(want_ports);
}

static void test_megaflow_match(void **state)
{
	struct ofp_key k;
	struct xs_flow_key mask;
	struct ofp_match m;
	struct xs_err err;
	char buf[256];
	(void)state;

	assert_int_equal(ofp_parse_packet("in_port=3,tcp,nw_dst=10.1.2.3,tp_dst=22", &k, &err), 0);
	memset(&mask, 0, sizeof(mask));
	mask.in_port = 0xffffffff;
	mask.dl_type = 0xffff;
	mask.nw_dst = htonl(0xffff0000);
	trace_megaflow_match(&k, &mask, &m);
	ofp_format_match(&m, buf, sizeof(buf));
	assert_string_equal(buf, "ip,in_port=3,nw_dst=10.1.0.0/16");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_two_tables, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_text_miss, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_text_failure, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_json, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_json_failure, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flood_64_ports, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flood_1024_ports, fx_setup, fx_teardown),
		cmocka_unit_test(test_megaflow_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
