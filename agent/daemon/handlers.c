/* Control requests of the agent: one table from command name to handler,
 * with argument counts checked before the handler runs. */
#include "agent/daemon/agent.h"
#include "agent/daemon/flow_cmds.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

typedef int (*handler_fn)(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out);

struct handler {
	const char *name;
	int min_args, max_args; /* after the command name; -1: no limit */
	const char *usage;
	handler_fn fn;
};

/* attach IFACE[=OFPORT] [--force] */
static int h_attach(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	const char *spec = NULL;
	bool force = false;
	int n_specs = 0;
	char why[256];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force")) {
			force = true;
		} else {
			spec = argv[i];
			n_specs++;
		}
	}
	if (n_specs != 1) {
		xs_ctl_printf(out, "usage: attach IFACE[=OFPORT] [--force]\n");
		return 2;
	}
	if (xs_agent_port_attach(a, spec, force, why, sizeof(why))) {
		xs_ctl_printf(out, "attach: %s\n", why);
		return 1;
	}
	xs_agent_ports_reprobe(a); /* a veth peer may have just gained XDP */
	return 0;
}

static int h_detach(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)argc;
	if (xs_agent_port_detach(a, argv[1])) {
		xs_ctl_printf(out, "detach: '%s' is not a port of bridge %s\n", argv[1], a->bridge);
		return 1;
	}
	xs_agent_ports_reprobe(a);
	return 0;
}

static int h_show(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)argc;
	(void)argv;
	xs_agent_show(a, out);
	return 0;
}

static const struct handler handlers[] = {
	{ "attach", 1, 2, "attach IFACE[=OFPORT] [--force]", h_attach },
	{ "detach", 1, 1, "detach IFACE", h_detach },
	{ "show", 0, 0, "show", h_show },
	{ "add-flow", 1, 1, "add-flow FLOW", xs_agent_cmd_add_flow },
	{ "add-flows", 2, 2, "add-flows NAME TEXT", xs_agent_cmd_add_flows },
	{ "del-flows", 0, 2, "del-flows [--strict] [MATCH]", xs_agent_cmd_del_flows },
	{ "replace-flows", 2, 2, "replace-flows NAME TEXT", xs_agent_cmd_replace_flows },
	{ "dump-flows", 0, 1, "dump-flows [MATCH]", xs_agent_cmd_dump_flows },
	{ "dump-megaflows", 0, 0, "dump-megaflows", xs_agent_cmd_dump_megaflows },
	{ "trace-live", 1, 1, "trace-live PACKET", xs_agent_cmd_trace_live },
};

int xs_agent_handle_request(void *ctx, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct xs_agent *a = ctx;

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		const struct handler *h = &handlers[i];

		if (strcmp(argv[0], h->name))
			continue;
		if (argc - 1 < h->min_args || (h->max_args >= 0 && argc - 1 > h->max_args)) {
			xs_ctl_printf(out, "usage: %s\n", h->usage);
			return 2;
		}
		return h->fn(a, argc, argv, out);
	}
	xs_ctl_printf(out, "unknown command '%s'\n", argv[0]);
	return 2;
}
