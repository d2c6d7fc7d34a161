// SPDX-License-Identifier: Apache-2.0
/* Control requests of the agent: one table from command name to handler,
 * with flags and argument counts checked before the handler runs. */
#include "agent/daemon/agent.h"
#include "agent/daemon/dummy_cmds.h"
#include "agent/daemon/fdb.h"
#include "agent/daemon/flow_cmds.h"
#include "agent/ops/views.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MAX_POS 4

typedef int (*handler_fn)(struct xs_agent *a, const struct xs_agent_req *r,
			  struct xs_ctl_buf *out);

enum { F_JSON = 1, F_STRICT = 2, F_FORCE = 4, F_STATS = 8 };

struct handler {
	const char *name;
	int min_pos, max_pos; /* positional arguments after the name */
	unsigned flags;       /* F_* the command takes */
	const char *usage;
	handler_fn fn;
};

/* attach IFACE[=OFPORT] [--force] */
static int h_attach(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	char why[256];

	if (xs_agent_port_attach(a, r->pos[0], r->force, why, sizeof(why))) {
		xs_ctl_printf(out, "attach: %s\n", why);
		return 1;
	}
	xs_agent_ports_reprobe(a); /* a veth peer may have just gained XDP */
	return 0;
}

static int h_detach(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	if (xs_agent_port_detach(a, r->pos[0])) {
		xs_ctl_printf(out, "detach: '%s' is not a port of bridge %s\n", r->pos[0],
			      a->bridge);
		return 1;
	}
	xs_agent_ports_reprobe(a);
	return 0;
}

static int h_show(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	if (r->stats) {
		xs_ops_show_stats(a, r->json, out);
		return 0;
	}
	xs_agent_show(a, out, r->json);
	return 0;
}

static int h_dump_ports(struct xs_agent *a, const struct xs_agent_req *r,
			struct xs_ctl_buf *out)
{
	return xs_ops_dump_ports(a, r->pos[0], r->json, out);
}

static int h_metrics(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	(void)r;
	xs_ops_metrics(a, out);
	return 0;
}

static const struct handler handlers[] = {
	{ "attach", 1, 1, F_FORCE, "attach IFACE[=OFPORT][,tag=N,trunks=LIST,vlan_mode=MODE] "
	  "[--force]", h_attach },
	{ "detach", 1, 1, 0, "detach IFACE", h_detach },
	{ "show", 0, 0, F_JSON | F_STATS, "show [--json] [--stats]", h_show },
	{ "dump-ports", 0, 1, F_JSON, "dump-ports [--json] [PORT]", h_dump_ports },
	{ "metrics", 0, 0, 0, "metrics", h_metrics },
	{ "add-flow", 1, 1, 0, "add-flow FLOW", xs_agent_cmd_add_flow },
	{ "add-flows", 2, 2, 0, "add-flows NAME TEXT", xs_agent_cmd_add_flows },
	{ "del-flows", 0, 1, F_STRICT, "del-flows [--strict] [MATCH]", xs_agent_cmd_del_flows },
	{ "mod-flows", 1, 2, F_STRICT, "mod-flows [--strict] FLOW | NAME TEXT",
	  xs_agent_cmd_mod_flows },
	{ "replace-flows", 2, 2, 0, "replace-flows NAME TEXT", xs_agent_cmd_replace_flows },
	{ "dump-flows", 0, 1, F_JSON, "dump-flows [--json] [MATCH]", xs_agent_cmd_dump_flows },
	{ "inject", 2, 2, 0, "inject PORT HEXFRAME", xs_agent_cmd_inject },
	{ "dump-outputs", 0, 0, F_JSON, "dump-outputs [--json]", xs_agent_cmd_dump_outputs },
	{ "dump-megaflows", 0, 1, F_JSON,
	  "dump-megaflows [--json] [--type=offloaded|non-offloaded]",
	  xs_agent_cmd_dump_megaflows },
	{ "trace-live", 1, 1, F_JSON, "trace-live [--json] PACKET", xs_agent_cmd_trace_live },
	{ "fdb-show", 0, 0, F_JSON, "fdb-show [--json]", xs_agent_cmd_fdb_show },
	{ "fdb-flush", 0, 0, 0, "fdb-flush", xs_agent_cmd_fdb_flush },
};

/* Sorts argv[1..] into flags and positional arguments. Returns 0, or -1
 * for a flag the command does not take or too many arguments. */
static int split(const struct handler *h, int argc, char **argv, struct xs_agent_req *r,
		 char **pos)
{
	static const struct { const char *name; unsigned bit; } flags[] = {
		{ "--json", F_JSON }, { "--strict", F_STRICT }, { "--force", F_FORCE },
		{ "--stats", F_STATS },
	};

	r->cmd = argv[0];
	r->pos = pos;
	for (int i = 1; i < argc; i++) {
		unsigned bit = 0;

		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
			if (!strcmp(argv[i], flags[f].name))
				bit = flags[f].bit;
		if (bit && !(h->flags & bit))
			return -1;
		r->json |= bit == F_JSON;
		r->strict |= bit == F_STRICT;
		r->force |= bit == F_FORCE;
		r->stats |= bit == F_STATS;
		if (bit)
			continue;
		if (r->n_pos == MAX_POS)
			return -1;
		pos[r->n_pos++] = argv[i];
	}
	pos[r->n_pos] = NULL;
	return r->n_pos < h->min_pos || r->n_pos > h->max_pos ? -1 : 0;
}

int xs_agent_handle_request(void *ctx, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct xs_agent *a = ctx;

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		const struct handler *h = &handlers[i];
		struct xs_agent_req r = { 0 };
		char *pos[MAX_POS + 1];

		if (strcmp(argv[0], h->name))
			continue;
		if (split(h, argc, argv, &r, pos)) {
			xs_ctl_printf(out, "usage: %s\n", h->usage);
			return 2;
		}
		return h->fn(a, &r, out);
	}
	xs_ctl_printf(out, "unknown command '%s'\n", argv[0]);
	return 2;
}
