// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch agent [OPTIONS] IFACE[=OFPORT]...`: option parsing for the
 * daemon; the daemon itself is agent/daemon/agent.c. */
#include "agent/cli/agent_config.h"
#include "agent/cli/commands.h"
#include "agent/daemon/agent.h"
#include "agent/datapath/attach.h"
#include "agent/dpif/dpif.h"
#include "agent/offload/offload.h"
#include "xdpswitch/datapath.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char agent_usage[] =
	"usage: xdpswitch agent [OPTIONS] IFACE[=OFPORT][,VLAN OPTIONS]...\n"
	"Runs the switch in the foreground until SIGINT or SIGTERM; logs to stderr.\n"
	"SIGHUP replaces the flows with those of the --flows file, atomically.\n"
	"  --config FILE            read options and ports from FILE (KEY = VALUE lines,\n"
	"                           KEY an option below, port = IFACE[=OFPORT]); the\n"
	"                           command line's options win\n"
	"  --bridge NAME            bridge name (default " XS_CTL_DEFAULT_BRIDGE "): control socket\n"
	"                           " XS_CTL_RUN_DIR "/NAME.sock, one agent per bridge\n"
	"  --flows FILE             load these flows (ovs-ofctl add-flows syntax) at start\n"
	"                           and again on SIGHUP\n"
	"  --force                  replace XDP programs or TC filters already on the ports\n"
	"  --mode native|skb        XDP attach mode (default: native, else skb)\n"
	"  --no-libxdp              attach with bpf_xdp_attach, not libxdp\n"
	"  --verbose                also libbpf's and libxdp's informational messages\n"
	"  --datapath-object FILE   attach the first XDP/TC programs of FILE instead\n"
	"                           of the switch's own (development and tests)\n"
	"  --no-datapath            attach nothing; only track ports (tests)\n"
	"  --datapath xdp|dummy     the datapath provider (default xdp: the XDP/TC fast\n"
	"                           path); dummy runs megaflows in the agent, ports are\n"
	"                           names without interfaces, packets come from\n"
	"                           `xdpswitch inject` (no root, no BPF; tests)\n"
	"  --max-idle MS            remove megaflows idle this long (default 10000)\n"
	"  --max-flows N            size of the datapath's megaflow table (default\n"
	"                           65536 for xdp, at most 16777216)\n"
	"  --flow-limit N           install at most N megaflows (default 200000, and\n"
	"                           never more than the datapath holds; not above\n"
	"                           --max-flows); misses beyond are forwarded, not\n"
	"                           installed\n"
	"  --mac-table-size N       NORMAL's MAC table holds N addresses (default 8192;\n"
	"                           a new one evicts the least recently seen)\n"
	"  --mac-aging SECONDS      NORMAL forgets an address not seen this long\n"
	"                           (default 300)\n"
	"  --miss-rate N            upcalls (misses, controller, TTL expiry) per second\n"
	"                           each port may send to the agent; beyond, its packets\n"
	"                           are dropped and counted (0: no limit; default\n"
	"                           200000 per online CPU, each CPU's bucket takes an\n"
	"                           even share of N)\n"
	"  --miss-burst N           upcalls a quiet port may send at once (default\n"
	"                           --miss-rate)\n"
	"  --mask-budget N          megaflow masks the misses of one port may create\n"
	"                           (default 64, at most 256 = no bound); beyond, a cold\n"
	"                           mask of the port is retired, else its new flows are\n"
	"                           forwarded without a megaflow\n"
	"  --hw-offload off|tc|xdp-hw|auto\n"
	"                           offload megaflows to the NIC (default off): TC\n"
	"                           flower filters, hardware-mode XDP drops, or each\n"
	"                           where the port's probe says it can work\n"
	"  --tc-policy skip_sw|skip_hw|none\n"
	"                           flags of the flower filters (default skip_sw)\n"
	"  --controller tcp:IP[:PORT]  connect to an OpenFlow 1.3 controller (port\n"
	"                           6653 by default); reconnects with backoff;\n"
	"                           may be given several times\n"
	"  --listen ptcp:PORT[:IP] | punix:PATH\n"
	"                           accept OpenFlow 1.3 connections (ovs-ofctl -O\n"
	"                           OpenFlow13, other tools); may be repeated\n"
	"  --datapath-id HEX        the OpenFlow datapath id (default: from the\n"
	"                           first port's MAC address)\n"
	"  --fail-mode secure|standalone\n"
	"                           without a controller: secure leaves the flows as\n"
	"                           they are (default); standalone fails open: after\n"
	"                           --fail-open-after seconds with no controller, the\n"
	"                           flows are deleted and the switch learns MACs\n"
	"                           (NORMAL) until a controller is back\n"
	"  --fail-open-after SECONDS  standalone: the wait (default 15, 1-86400)\n"
	"  --packet-in-rate N       packet-ins per second per bridge (default 1000)\n"
	"  --cleanup                remove what a stop left running for the bridge\n"
	"                           (programs on its ports, pinned maps, saved state)\n"
	"A stop (SIGINT, SIGTERM) leaves the ports forwarding; the next agent\n"
	"for the bridge adopts them with the rules and ports saved in\n"
	"" XS_CTL_RUN_DIR "/NAME.state.\n"
	"IFACE=OFPORT picks the OpenFlow port number; otherwise the lowest free one.\n"
	"IFACE[=OFPORT],tag=VLAN,trunks=A,B,C-D,vlan_mode=MODE sets the port's VLAN\n"
	"options for NORMAL, as ovs-vsctl's (MODE: access, trunk, native-tagged,\n"
	"native-untagged; tag alone: access port; none: trunk of all VLANs).\n";

/* xs_dp_open refuses larger tables (agent/datapath/dp.h). */
#define MAX_FLOWS_LIMIT (1u << 24)
_Static_assert(XS_DEFAULT_MAX_FLOWS == 65536 && MAX_FLOWS_LIMIT == 16777216,
	       "the --max-flows help text names these");
#define MISS_RATE_LIMIT 10000000 /* the bucket's arithmetic stays in 64 bits */
_Static_assert(XS_DPIF_DEFAULT_MISS_RATE_PER_CPU == 200000, "the --miss-rate help text names it");
_Static_assert(XS_MAX_MASKS == 256, "the --mask-budget help text names it");

/* A positive decimal number up to @max for option @name; 0 when bad. */
static uint32_t parse_count(const char *name, const char *arg, uint32_t max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v == 0 || v > max) {
		fprintf(stderr, "xdpswitch agent: %s takes a number from 1 to %u, not '%s'\n",
			name, max, arg);
		return 0;
	}
	return (uint32_t)v;
}

/* One --controller (passive false) or --listen value, checked now. */
static int openflow_target(struct of_switch_opts *o, bool passive, const char *arg)
{
	unsigned *n = passive ? &o->n_listens : &o->n_controllers;
	char why[256];

	if (of_switch_check_target(arg, passive, why, sizeof(why))) {
		fprintf(stderr, "xdpswitch agent: %s %s\n", passive ? "--listen" : "--controller",
			why);
		return -1;
	}
	if (*n == OFS_MAX_REMOTES) {
		fprintf(stderr, "xdpswitch agent: at most %d %s\n", OFS_MAX_REMOTES,
			passive ? "--listen" : "--controller");
		return -1;
	}
	(passive ? o->listens : o->controllers)[(*n)++] = arg;
	return 0;
}

/* Options read from --config (kept for the process: opts point into it). */
static struct xs_agent_config agent_cfg;

static int agent_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bridge", required_argument, NULL, 'b' },
		{ "flows", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ "mode", required_argument, NULL, 'm' },
		{ "no-libxdp", no_argument, NULL, 'L' },
		{ "datapath-object", required_argument, NULL, 'O' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-datapath", no_argument, NULL, 'N' },
		{ "datapath", required_argument, NULL, 'D' },
		{ "max-idle", required_argument, NULL, 'I' },
		{ "flow-limit", required_argument, NULL, 'l' },
		{ "max-flows", required_argument, NULL, 'M' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "config", required_argument, NULL, 'c' },
		{ "mac-table-size", required_argument, NULL, 'S' },
		{ "mac-aging", required_argument, NULL, 'A' },
		{ "miss-rate", required_argument, NULL, 'R' },
		{ "miss-burst", required_argument, NULL, 'B' },
		{ "mask-budget", required_argument, NULL, 'K' },
		{ "hw-offload", required_argument, NULL, 'H' },
		{ "tc-policy", required_argument, NULL, 'P' },
		{ "controller", required_argument, NULL, 'k' },
		{ "listen", required_argument, NULL, 'p' },
		{ "datapath-id", required_argument, NULL, 'd' },
		{ "fail-mode", required_argument, NULL, 'x' },
		{ "fail-open-after", required_argument, NULL, 'X' },
		{ "packet-in-rate", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xs_agent_opts o = { 0 };
	const char *config;
	char why[512];
	int c;

	xs_agent_config_free(&agent_cfg); /* a previous call's (tests) */
	config = xs_agent_config_arg("+b:f:h", longopts, argc, argv);
	if (config) {
		if (xs_agent_config_load(config, longopts, argc, argv, &agent_cfg, why,
					 sizeof(why))) {
			fprintf(stderr, "xdpswitch agent: %s\n", why);
			return 2;
		}
		argc = agent_cfg.argc;
		argv = agent_cfg.argv;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "+b:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o.bridge = optarg; break;
		case 'f': o.flows_file = optarg; break;
		case 'F': o.force = true; break;
		case 'L': o.no_libxdp = true; break;
		case 'O': o.dp_object = optarg; break;
		case 'v': o.verbose = true; break;
		case 'N': o.no_datapath = true; break;
		case 'D':
			if (!xs_dpif_class_by_type(optarg)) {
				fprintf(stderr, "xdpswitch agent: --datapath must be xdp or dummy, "
					"not '%s'\n", optarg);
				return 2;
			}
			o.datapath = optarg;
			break;
		case 'C': o.cleanup = true; break;
		case 'c': break; /* read above */
		case 'S':
			o.mac_table_size = parse_count("--mac-table-size", optarg, XS_MAC_MAX_SIZE);
			if (!o.mac_table_size)
				return 2;
			break;
		case 'A':
			o.mac_aging_s = parse_count("--mac-aging", optarg, XS_MAC_MAX_AGING_S);
			if (!o.mac_aging_s)
				return 2;
			break;
		case 'R':
			/* 0 is allowed here: no limit */
			o.miss_rate = strcmp(optarg, "0") ?
				parse_count("--miss-rate", optarg, MISS_RATE_LIMIT) : 0;
			if (!o.miss_rate && strcmp(optarg, "0"))
				return 2;
			o.miss_limit_set = true;
			break;
		case 'B':
			o.miss_burst = parse_count("--miss-burst", optarg, MISS_RATE_LIMIT);
			if (!o.miss_burst)
				return 2;
			break;
		case 'K':
			o.mask_budget = parse_count("--mask-budget", optarg, XS_MAX_MASKS);
			if (!o.mask_budget)
				return 2;
			break;
		case 'H':
			if (xs_hw_offload_parse(optarg, &o.hw_offload)) {
				fprintf(stderr, "xdpswitch agent: --hw-offload must be off, tc, "
					"xdp-hw or auto, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'P':
			if (xs_tc_policy_parse(optarg, &o.tc_policy)) {
				fprintf(stderr, "xdpswitch agent: --tc-policy must be skip_sw, "
					"skip_hw or none, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'k':
		case 'p':
			if (openflow_target(&o.openflow, c == 'p', optarg))
				return 2;
			break;
		case 'd': {
			char *end;

			errno = 0;
			o.openflow.datapath_id = strtoull(optarg, &end, 16);
			if (errno || !*optarg || *end || strlen(optarg) > 16 ||
			    !o.openflow.datapath_id || optarg[0] == '-') {
				fprintf(stderr, "xdpswitch agent: --datapath-id takes 1 to 16 hex "
					"digits, not zero, not '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'x':
			if (!strcmp(optarg, "secure")) {
				o.openflow.fail_mode = OFS_FAIL_SECURE;
			} else if (!strcmp(optarg, "standalone")) {
				o.openflow.fail_mode = OFS_FAIL_STANDALONE;
			} else {
				fprintf(stderr, "xdpswitch agent: --fail-mode must be secure or "
					"standalone, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'X':
			o.openflow.fail_open_after_s = parse_count("--fail-open-after", optarg, 86400);
			if (!o.openflow.fail_open_after_s)
				return 2;
			break;
		case 'r':
			o.openflow.packet_in_rate = parse_count("--packet-in-rate", optarg, 1000000);
			if (!o.openflow.packet_in_rate)
				return 2;
			break;
		case 'I':
			o.max_idle_ms = parse_count("--max-idle", optarg, 86400000);
			if (!o.max_idle_ms)
				return 2;
			break;
		case 'l':
			o.flow_limit = parse_count("--flow-limit", optarg, MAX_FLOWS_LIMIT);
			if (!o.flow_limit)
				return 2;
			break;
		case 'M':
			o.max_flows = parse_count("--max-flows", optarg, MAX_FLOWS_LIMIT);
			if (!o.max_flows)
				return 2;
			break;
		case 'm':
			if (!strcmp(optarg, "native")) {
				o.mode = XS_XDP_MODE_NATIVE;
			} else if (!strcmp(optarg, "skb")) {
				o.mode = XS_XDP_MODE_SKB;
			} else {
				fprintf(stderr, "xdpswitch agent: --mode must be native or skb, "
					"not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(agent_usage, stdout);
			return 0;
		default:
			fputs(agent_usage, stderr);
			return 2;
		}
	}
	/* A limit above the table could never be reached. Without --max-flows
	 * the provider's size applies and the agent lowers the limit to it. */
	if (o.max_flows && o.flow_limit > o.max_flows) {
		fprintf(stderr, "xdpswitch agent: --flow-limit %u is above --max-flows %u (the "
			"datapath holds at most --max-flows megaflows)\n", o.flow_limit,
			o.max_flows);
		return 2;
	}
	/* Offload is the XDP provider's: the others have no NIC to give to. */
	if (o.hw_offload && ((o.datapath && strcmp(o.datapath, "xdp")) || o.dp_object ||
			     o.no_datapath)) {
		fprintf(stderr, "xdpswitch agent: --hw-offload needs the xdp datapath (not %s)\n",
			o.dp_object ? "--datapath-object" : o.no_datapath ? "--no-datapath"
								  : o.datapath);
		return 2;
	}
	if (o.bridge && xs_ctl_check_bridge(o.bridge)) {
		fprintf(stderr, "xdpswitch agent: bad bridge name '%s' (1-%d of A-Z a-z 0-9 _ . -)\n",
			o.bridge, XS_CTL_BRIDGE_MAX);
		return 2;
	}
	o.port_specs = argv + optind;
	o.n_port_specs = argc - optind;
	return xs_agent_run(&o, NULL);
}

int xs_cmd_agent(int argc, char **argv)
{
	int rc = agent_cmd(argc, argv);

	/* A bad value from the configuration file: say where it is. The
	 * file's options come first, each one argv entry, so the option
	 * parser stopped inside them exactly when optind - 1 is one. */
	if (rc == 2 && agent_cfg.argv && optind >= 2 && optind - 1 <= agent_cfg.n_opts)
		fprintf(stderr, "xdpswitch agent: (%s:%d: %s)\n", agent_cfg.path,
			agent_cfg.lines[optind - 1], agent_cfg.argv[optind - 1]);
	return rc;
}
