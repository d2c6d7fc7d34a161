// SPDX-License-Identifier: Apache-2.0
/* Tests of the agent's inject and dump-outputs commands
 * (agent/daemon/dummy_cmds.c) over the dummy datapath: the whole bridge in
 * userspace, a miss translated, installed and executed before inject
 * returns; argument errors with their messages. No root, no BPF. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/dummy_cmds.h"
#include "common/flow_parse.h"
#include "tests/lib/packets.h"

static struct xs_agent agent;
static char hex[2 * XS_PKT_MAX + 1];

static int setup(void **state)
{
	struct xs_agent_opts o = { .bridge = "td0", .datapath = "dummy" };
	char why[256] = "";

	(void)state;
	if (xs_agent_init(&agent, &o, NULL) || xs_bridge_dp_open(&agent, why, sizeof(why)))
		return -1;
	if (xs_agent_port_attach(&agent, "p1", false, why, sizeof(why)) ||
	    xs_agent_port_attach(&agent, "p2", false, why, sizeof(why)) ||
	    xs_agent_port_attach(&agent, "p3=7", false, why, sizeof(why)))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_agent_fini(&agent);
	return 0;
}

/* Runs a command function with positional arguments @a0, @a1 (may be
 * NULL); checks its status, returns its output (static). */
static const char *run(int (*fn)(struct xs_agent *, const struct xs_agent_req *,
				 struct xs_ctl_buf *),
		       const char *cmd, bool json, const char *a0, const char *a1, int status)
{
	static char text[8 * XS_PKT_MAX];
	char *pos[3] = { (char *)a0, (char *)a1, NULL };
	struct xs_agent_req r = { .cmd = cmd, .pos = pos, .n_pos = !!a0 + !!a1, .json = json };
	struct xs_ctl_buf out;

	xs_ctl_buf_init(&out);
	assert_int_equal(fn(&agent, &r, &out), status);
	assert_true(out.len < sizeof(text));
	if (out.len)
		memcpy(text, out.data, out.len);
	text[out.len] = 0;
	xs_ctl_buf_free(&out);
	return text;
}

static const char *inject(const char *port, const char *frame, int status)
{
	return run(xs_agent_cmd_inject, "inject", false, port, frame, status);
}

static const char *dump(bool json)
{
	return run(xs_agent_cmd_dump_outputs, "dump-outputs", json, NULL, NULL, 0);
}

static const char *to_hex(const struct xs_pkt *p)
{
	for (size_t i = 0; i < p->len; i++)
		sprintf(hex + 2 * i, "%02x", p->buf[i]);
	hex[2 * p->len] = 0;
	return hex;
}

static void udp_frame(struct xs_pkt *p, const char *dst_ip)
{
	xs_pkt_init(p);
	xs_pkt_eth(p, "00:00:00:00:00:02", "00:00:00:00:00:01");
	xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = dst_ip, .ttl = 64 });
	xs_pkt_udp(p, 1000, 2000);
	xs_pkt_bytes(p, NULL, 6, 0x11);
	xs_pkt_finish(p);
}

/* The datapath's part of show (static). */
static const char *show_dp(void)
{
	static char text[4096];
	struct xs_ctl_buf out;

	xs_ctl_buf_init(&out);
	agent.dpif->cls->show(agent.dpif, &out, false);
	assert_true(out.len < sizeof(text));
	memcpy(text, out.data, out.len);
	text[out.len] = 0;
	xs_ctl_buf_free(&out);
	return text;
}

static void add_flow(const char *flow)
{
	char *argv[] = { "add-flow", (char *)flow, NULL };
	struct xs_ctl_buf out;

	xs_ctl_buf_init(&out);
	if (xs_agent_handle_request(&agent, 2, argv, &out))
		fail_msg("add-flow %s: %.*s", flow, (int)out.len, out.data);
	xs_ctl_buf_free(&out);
}

/* A miss goes through the tables and comes out before inject returns; the
 * second packet hits the megaflow. */
static void test_inject_and_dump(void **state)
{
	static struct xs_pkt p, want;
	static char line[2 * XS_PKT_MAX + 64];

	(void)state;
	add_flow("in_port=1,udp,actions=mod_nw_dst:10.9.9.9,output:2");
	udp_frame(&p, "10.0.0.2");
	udp_frame(&want, "10.9.9.9");
	assert_string_equal(inject("p1", to_hex(&p), 0), "");
	snprintf(line, sizeof(line), "port 2: %s\n", to_hex(&want));
	assert_string_equal(dump(false), line);
	assert_string_equal(dump(false), "");
	assert_int_equal(agent.dpif->cls->flow_count(agent.dpif), 1);

	/* By OpenFlow number; upper case digits; JSON. */
	for (char *c = (char *)to_hex(&p); *c; c++)
		*c = (char)(*c >= 'a' ? *c - 'a' + 'A' : *c);
	assert_string_equal(inject("1", hex, 0), "");
	snprintf(line, sizeof(line), "[{\"port\": 2, \"len\": %zu, \"hex\": \"%s\"}]\n", want.len,
		 to_hex(&want));
	assert_string_equal(dump(true), line);
	assert_string_equal(dump(true), "[]\n");
	assert_int_equal(agent.dpif->cls->flow_count(agent.dpif), 1);
	assert_non_null(strstr(show_dp(), "megaflow hits: 1\n"));

	/* Nothing matches on port 7 (p3): the tables drop it. */
	assert_string_equal(inject("7", to_hex(&p), 0), "");
	assert_string_equal(inject("p3", to_hex(&p), 0), "");
	assert_string_equal(dump(false), "");
}

static void test_inject_errors(void **state)
{
	(void)state;
	assert_string_equal(inject("p9", "00", 1), "inject: no port 'p9' on bridge td0\n");
	assert_string_equal(inject("3", "00", 1), "inject: no OpenFlow port 3 on bridge td0\n");
	assert_string_equal(inject("99999999999999999999", "00", 1),
			    "inject: no OpenFlow port 99999999999999999999 on bridge td0\n");
	assert_string_equal(inject("p1", "", 1), "inject: the frame is empty\n");
	assert_string_equal(inject("p1", "abc", 1),
			    "inject: the frame has an odd number of hex digits (3)\n");
	assert_string_equal(inject("p1", "00:11", 1),
			    "inject: ':' at column 3 of the frame is not a hex digit\n");
	assert_string_equal(inject("p1", "0x00", 1),
			    "inject: 'x' at column 2 of the frame is not a hex digit\n");
	char *big = malloc(2 * (XS_FLOW_PARSE_MAX_LEN + 1) + 1);

	assert_non_null(big);
	memset(big, '0', 2 * (XS_FLOW_PARSE_MAX_LEN + 1));
	big[2 * (XS_FLOW_PARSE_MAX_LEN + 1)] = 0;
	assert_string_equal(inject("p1", big, 1),
			    "inject: the frame has 65536 bytes, more than 65535\n");
	/* The largest is fine, and so is a frame shorter than Ethernet. */
	big[2 * XS_FLOW_PARSE_MAX_LEN] = 0;
	assert_string_equal(inject("p1", big, 0), "");
	free(big);
	assert_string_equal(inject("p2", "0102", 0), "");
	assert_string_equal(dump(false), "");
}

/* A datapath that is not userspace says so. */
static void test_not_userspace(void **state)
{
	struct xs_agent_opts o = { .bridge = "td1", .no_datapath = true };
	struct xs_agent saved = agent;

	(void)state;
	assert_int_equal(xs_agent_init(&agent, &o, NULL), 0);
	assert_string_equal(inject("p1", "00", 1),
			    "inject: datapath none has no injected frames (run the agent with "
			    "--datapath dummy)\n");
	assert_string_equal(run(xs_agent_cmd_dump_outputs, "dump-outputs", false, NULL, NULL, 1),
			    "dump-outputs: datapath none has no injected frames (run the agent "
			    "with --datapath dummy)\n");
	xs_agent_fini(&agent);
	agent = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inject_and_dump),
		cmocka_unit_test(test_inject_errors),
		cmocka_unit_test(test_not_userspace),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
