// SPDX-License-Identifier: Apache-2.0
/* The subcommand table. Each command is a function in agent/cli/<name>.c
 * taking (argc, argv) with argv[0] = the command name, returning the exit
 * code: 0 ok, 1 operation failed, 2 usage error. Add a line to add one. */
#ifndef XS_CLI_COMMANDS_H
#define XS_CLI_COMMANDS_H

#include <stdio.h>

struct xs_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

#define XS_COMMANDS(X) \
	X("agent", xs_cmd_agent, "run the switch: agent [--bridge B] [--flows F] IFACE[=N]...") \
	X("attach", xs_cmd_attach, "attach a port to the running agent") \
	X("detach", xs_cmd_detach, "detach a port from the running agent") \
	X("add-flow", xs_cmd_add_flow, "add one flow") \
	X("add-flows", xs_cmd_add_flows, "add the flows of a file") \
	X("mod-flows", xs_cmd_mod_flows, "change the actions of the matching flows") \
	X("del-flows", xs_cmd_del_flows, "delete flows (all, or those matching)") \
	X("replace-flows", xs_cmd_replace_flows, "make the tables hold exactly the flows of a file") \
	X("dump-flows", xs_cmd_dump_flows, "print the flows with their counters") \
	X("dump-megaflows", xs_cmd_dump_megaflows, "print the datapath megaflows") \
	X("inject", xs_cmd_inject, "a frame arrives on a port (--datapath dummy)") \
	X("dump-outputs", xs_cmd_dump_outputs, "print and clear the frames sent (--datapath dummy)") \
	X("show", xs_cmd_show, "print the bridge, its ports and counters (--stats: rates)") \
	X("dump-ports", xs_cmd_dump_ports, "print per-port counters like ovs-ofctl dump-ports") \
	X("metrics", xs_cmd_metrics, "print the counters in Prometheus text format") \
	X("trace-live", xs_cmd_trace_live, "trace a packet through the running tables") \
	X("fdb-show", xs_cmd_fdb_show, "print NORMAL's MAC table (port, VLAN, MAC, age)") \
	X("fdb-flush", xs_cmd_fdb_flush, "empty NORMAL's MAC table") \
	X("trace", xs_cmd_trace, "trace a packet through a flow file, offline") \
	X("dump-conntrack", xs_cmd_dump_conntrack, "print the kernel's connections [zone=N]") \
	X("flush-conntrack", xs_cmd_flush_conntrack, "delete the kernel's connections [zone=N]") \
	X("version", xs_cmd_version, "print the version")

int xs_cmd_version(int argc, char **argv);
int xs_cmd_agent(int argc, char **argv);
int xs_cmd_attach(int argc, char **argv);
int xs_cmd_detach(int argc, char **argv);
int xs_cmd_add_flow(int argc, char **argv);
int xs_cmd_add_flows(int argc, char **argv);
int xs_cmd_mod_flows(int argc, char **argv);
int xs_cmd_del_flows(int argc, char **argv);
int xs_cmd_replace_flows(int argc, char **argv);
int xs_cmd_dump_flows(int argc, char **argv);
int xs_cmd_dump_megaflows(int argc, char **argv);
int xs_cmd_inject(int argc, char **argv);
int xs_cmd_dump_outputs(int argc, char **argv);
int xs_cmd_show(int argc, char **argv);
int xs_cmd_dump_ports(int argc, char **argv);
int xs_cmd_metrics(int argc, char **argv);
int xs_cmd_trace_live(int argc, char **argv);
int xs_cmd_trace(int argc, char **argv);
int xs_cmd_fdb_show(int argc, char **argv);
int xs_cmd_fdb_flush(int argc, char **argv);
int xs_cmd_dump_conntrack(int argc, char **argv);
int xs_cmd_flush_conntrack(int argc, char **argv);

#endif
