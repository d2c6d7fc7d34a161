// SPDX-License-Identifier: Apache-2.0
/* The bridge layer over the userspace datapath (--datapath dummy): miss
 * handling (agent/daemon/upcall.c), the revalidator and rule statistics
 * driven through the agent's own requests, with exact outputs and counts.
 * No root, no BPF, no interfaces. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/daemon/dp_xs.h"
#include "tests/lib/packets.h"

static struct xs_agent agent;
static char run_dir[] = "/tmp/xs-bridge-dummy-XXXXXX";

/* Runs a request; checks its status; returns its output (static). */
static const char *req(int status, int argc, ...)
{
	static char text[65536];
	struct xs_ctl_buf out;
	char *argv[8];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_agent_handle_request(&agent, argc, argv, &out), status);
	assert_true(out.len < sizeof(text));
	if (out.len)
		memcpy(text, out.data, out.len);
	text[out.len] = 0;
	xs_ctl_buf_free(&out);
	return text;
}

static int setup(void **state)
{
	struct xs_agent_opts o = { .bridge = "tbd", .datapath = "dummy" };
	char why[256] = "";

	(void)state;
	if (!mkdtemp(run_dir))
		return -1;
	setenv("XS_RUN_DIR", run_dir, 1);
	if (xs_agent_init(&agent, &o, NULL) || xs_bridge_dp_open(&agent, why, sizeof(why)))
		return -1;
	/* with the control socket open, table changes revalidate at once */
	if (xs_ctl_server_open(&agent.ctl, agent.sock_path))
		return -1;
	for (int i = 1; i <= 3; i++) {
		char spec[16];

		snprintf(spec, sizeof(spec), "p%d", i);
		if (xs_agent_port_attach(&agent, spec, false, why, sizeof(why)))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	xs_agent_fini(&agent);
	snprintf(path, sizeof(path), "%s/tbd.state", run_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/tbd.journal", run_dir);
	unlink(path);
	rmdir(run_dir);
	return 0;
}

/* UDP 10.0.0.1 -> 10.0.0.@host, port @dport, as a frame. */
static struct xs_pkt udp_to(int host, uint16_t dport)
{
	struct xs_pkt p;
	char dst[16];

	snprintf(dst, sizeof(dst), "10.0.0.%d", host);
	xs_pkt_init(&p);
	xs_pkt_eth(&p, "02:00:00:00:00:02", "02:00:00:00:00:01");
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = dst, .ttl = 64 });
	xs_pkt_udp(&p, 1000, dport);
	xs_pkt_bytes(&p, NULL, 10, 0x5a);
	xs_pkt_finish(&p);
	return p;
}

/* The frame arrives on datapath port 1 (OpenFlow port 1); the miss it
 * may cause is handled as the agent's loop would. */
static void arrive(const struct xs_pkt *p)
{
	assert_int_equal(agent.dpif->cls->receive(agent.dpif, 1, p->buf, p->len), 0);
	xs_agent_upcalls_run(&agent);
}

/* Datapath ports the frames went out of since the last call, as "2,3". */
static const char *outputs(void)
{
	static char ports[256];
	const char *text = req(0, 1, "dump-outputs");
	size_t n = 0;

	ports[0] = 0;
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		unsigned port;

		assert_int_equal(sscanf(l, "port %u:", &port), 1);
		n += (size_t)snprintf(ports + n, sizeof(ports) - n, "%s%u", n ? "," : "", port);
		if (!strchr(l, '\n'))
			break;
	}
	return ports;
}

static void reset(void)
{
	req(0, 1, "del-flows");
	outputs();
	agent.miss = (struct xs_agent_miss_stats){ 0 };
}

/* A miss is translated, installed and its packet sent; the next packet of
 * the flow hits the megaflow without the agent. */
static void test_miss_install_then_hit(void **state)
{
	struct xs_pkt p = udp_to(2, 7);

	(void)state;
	reset();
	req(0, 2, "add-flow", "priority=10,udp,nw_dst=10.0.0.2 actions=output:2");
	arrive(&p);
	assert_string_equal(outputs(), "2");
	assert_int_equal(agent.miss.upcalls, 1);
	assert_int_equal(agent.miss.installed, 1);
	assert_int_equal(agent.miss.executed, 1);
	arrive(&p);
	arrive(&p);
	assert_string_equal(outputs(), "2,2");
	assert_int_equal(agent.miss.upcalls, 1);
	assert_int_equal(xs_dpif_flow_count(agent.dpif), 1);
}

/* A table change is in force when the request returns: the megaflow is
 * modified in place (no miss), then removed when its mask must change. */
static void test_table_changes_revalidate(void **state)
{
	struct xs_pkt p = udp_to(2, 7);

	(void)state;
	reset();
	req(0, 2, "add-flow", "priority=10,udp,nw_dst=10.0.0.2 actions=output:2");
	arrive(&p);
	assert_string_equal(outputs(), "2");
	req(0, 2, "add-flow", "priority=10,udp,nw_dst=10.0.0.2 actions=output:3");
	assert_int_equal(agent.dp->reval.last.modified, 1);
	arrive(&p);
	assert_string_equal(outputs(), "3");
	assert_int_equal(agent.miss.upcalls, 1);

	/* a rule on the UDP port: the megaflow's mask no longer fits */
	req(0, 2, "add-flow", "priority=20,udp,tp_dst=7 actions=output:3,output:2");
	assert_int_equal(agent.dp->reval.last.removed, 1);
	assert_int_equal(xs_dpif_flow_count(agent.dpif), 0);
	arrive(&p);
	assert_string_equal(outputs(), "3,2");
	assert_int_equal(agent.miss.upcalls, 2);

	req(0, 1, "del-flows");
	arrive(&p);
	assert_string_equal(outputs(), "");
}

/* n_packets/n_bytes are exact across a modify of the megaflow, for every
 * rule of a goto_table chain. */
static void test_rule_statistics_exact(void **state)
{
	struct xs_pkt p = udp_to(2, 9);
	char want[64];
	const char *dump;

	(void)state;
	reset();
	req(0, 2, "add-flow", "table=0,priority=1,udp actions=goto_table:1");
	req(0, 2, "add-flow", "table=1,priority=1,udp actions=output:2");
	for (int i = 0; i < 3; i++)
		arrive(&p);
	req(0, 2, "mod-flows", "table=1,udp actions=output:3");
	for (int i = 0; i < 4; i++)
		arrive(&p);
	assert_string_equal(outputs(), "2,2,2,3,3,3,3");
	dump = req(0, 1, "dump-flows");
	snprintf(want, sizeof(want), "n_packets=7, n_bytes=%zu,", 7 * p.len);
	assert_non_null(strstr(dump, want));
	assert_non_null(strstr(strstr(dump, want) + 1, want)); /* both tables */
}

/* Past the flow limit a miss is executed without a megaflow (and its rule
 * credited); idle megaflows expire at the tick. */
static void test_flow_limit_and_idle_expiry(void **state)
{
	struct xs_pkt a = udp_to(2, 11), b = udp_to(2, 12);
	uint32_t limit = agent.dp->reval.flow_limit, max = agent.dp->reval.flow_limit_max;

	(void)state;
	reset();
	agent.dp->reval.flow_limit = agent.dp->reval.flow_limit_max = 1;
	req(0, 2, "add-flow", "priority=1,udp,tp_dst=11 actions=output:2");
	req(0, 2, "add-flow", "priority=1,udp,tp_dst=12 actions=output:3");
	arrive(&a);
	arrive(&b);
	arrive(&b);
	assert_string_equal(outputs(), "2,3,3");
	assert_int_equal(xs_dpif_flow_count(agent.dpif), 1);
	assert_int_equal(agent.dp->reval.limit_hits, 2);
	assert_non_null(strstr(req(0, 1, "dump-flows"), "n_packets=2,"));
	agent.dp->reval.flow_limit = limit;
	agent.dp->reval.flow_limit_max = max;

	agent.dp->reval.max_idle_ms = 1;
	usleep(20 * 1000);
	xs_bridge_dp_tick(&agent);
	assert_int_equal(xs_dpif_flow_count(agent.dpif), 0);
	assert_int_equal(agent.dp->reval.last.expired, 1);
	agent.dp->reval.max_idle_ms = XS_REVAL_DEFAULT_MAX_IDLE_MS;
}

/* A port detached: its megaflows go, floods no longer reach it. */
static void test_detach_revalidates(void **state)
{
	struct xs_pkt p = udp_to(9, 5);
	char why[256];

	(void)state;
	reset();
	req(0, 2, "add-flow", "priority=1,udp actions=flood");
	arrive(&p);
	assert_string_equal(outputs(), "2,3");
	req(0, 2, "detach", "p3");
	arrive(&p);
	assert_string_equal(outputs(), "2");
	/* back, as OpenFlow port 3 again and the lowest free datapath port */
	assert_int_equal(xs_agent_port_attach(&agent, "p3", false, why, sizeof(why)), 0);
	arrive(&p);
	assert_string_equal(outputs(), "2,3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_miss_install_then_hit),
		cmocka_unit_test(test_table_changes_revalidate),
		cmocka_unit_test(test_rule_statistics_exact),
		cmocka_unit_test(test_flow_limit_and_idle_expiry),
		cmocka_unit_test(test_detach_revalidates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
