/* OpenFlow commands of the agent. Flows are parsed here (errors name the
 * file, line and column); applying them to the tables is still to be wired
 * in: every place marked WIRE below says what goes there. */
#include "agent/daemon/flow_cmds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"

static int not_wired(struct xs_ctl_buf *out, const char *cmd)
{
	xs_ctl_printf(out, "%s: the OpenFlow pipeline is not wired into the agent yet\n", cmd);
	return 1;
}

static void free_flows(struct ofp_flow *flows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ofp_flow_free(&flows[i]);
	free(flows);
}

/* Parses flow-file text; on error appends "CMD: NAME:LINE:COL: msg". */
static int parse_text(const char *cmd, const char *name, const char *text,
		      enum ofp_parse_mode mode, struct ofp_flow **flows, size_t *n,
		      struct xs_ctl_buf *out)
{
	struct xs_err err;
	char msg[512];
	int ret;

	ret = ofp_parse_flow_text(text, mode, flows, n, &err);
	if (ret) {
		xs_err_format(&err, name, msg, sizeof(msg));
		xs_ctl_printf(out, "%s: %s\n", cmd, msg);
	}
	return ret;
}

/* Parses one flow given on the command line; on error appends
 * "CMD: column COL: msg". */
static int parse_one(const char *cmd, const char *text, enum ofp_parse_mode mode,
		     struct ofp_flow *flow, struct xs_ctl_buf *out)
{
	struct xs_err err;
	int ret;

	memset(&err, 0, sizeof(err));
	ofp_flow_init(flow);
	ret = ofp_parse_flow(text, mode, flow, &err);
	if (ret) {
		if (err.col)
			xs_ctl_printf(out, "%s: column %d: %s\n", cmd, err.col, err.msg);
		else
			xs_ctl_printf(out, "%s: %s\n", cmd, err.msg);
		ofp_flow_free(flow);
	}
	return ret;
}

int xs_agent_flows_load(struct xs_agent *a, const char *path, char *why, size_t why_size)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;
	int ret;

	ret = ofp_parse_flow_file(path, OFP_PARSE_ADD, &flows, &n, &err);
	if (ret) {
		xs_err_format(&err, path, why, (unsigned)why_size);
		return ret;
	}
	/* WIRE: ft_replace(a->pipeline, flows, n, now) */
	xs_agent_log(a, "%s: %zu flows parsed, not loaded: the pipeline is not wired in yet",
		     path, n);
	free_flows(flows, n);
	return 0;
}

int xs_agent_cmd_add_flow(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct ofp_flow flow;

	(void)a;
	(void)argc;
	if (parse_one(argv[0], argv[1], OFP_PARSE_ADD, &flow, out))
		return 1;
	/* WIRE: ft_add(a->pipeline, &flow, now), then revalidate megaflows */
	ofp_flow_free(&flow);
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_add_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct ofp_flow *flows;
	size_t n;

	(void)a;
	(void)argc;
	if (parse_text(argv[0], argv[1], argv[2], OFP_PARSE_ADD, &flows, &n, out))
		return 1;
	/* WIRE: ft_add of each flow, then revalidate megaflows */
	free_flows(flows, n);
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_del_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	const char *match = "";
	struct ofp_flow flow;
	bool strict = false;

	(void)a;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--strict"))
			strict = true;
		else
			match = argv[i];
	}
	if (parse_one(argv[0], match, OFP_PARSE_DELETE, &flow, out))
		return 1;
	/* WIRE: ft_delete(a->pipeline, &flow, strict, OFPP_NONE, &n), revalidate */
	(void)strict;
	ofp_flow_free(&flow);
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_replace_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct ofp_flow *flows;
	size_t n;

	(void)a;
	(void)argc;
	if (parse_text(argv[0], argv[1], argv[2], OFP_PARSE_ADD, &flows, &n, out))
		return 1;
	/* WIRE: ft_replace(a->pipeline, flows, n, now), then revalidate */
	free_flows(flows, n);
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_dump_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct ofp_flow filter;

	(void)a;
	if (argc > 1 && parse_one(argv[0], argv[1], OFP_PARSE_DELETE, &filter, out))
		return 1;
	if (argc > 1)
		ofp_flow_free(&filter);
	/* WIRE: walk the rules, ofp_format_flow with the statistics prefix */
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_dump_megaflows(struct xs_agent *a, int argc, char **argv,
				struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	/* WIRE: xs_dp_flow_next over a->dp, formatted like dpctl/dump-flows */
	return not_wired(out, argv[0]);
}

int xs_agent_handle_upcall(struct xs_agent *a, const struct xs_upcall *u)
{
	(void)u;
	/* WIRE: xlate u->key through a->pipeline; xs_dp_flow_install the
	 * megaflow (ports: OpenFlow numbers -> ifindex via a->ports, flag
	 * XS_MF_F_XDP when the output port's tx is XS_TX_XDP); xs_dp_execute
	 * u->pkt (u->cap_len bytes) on u->ifindex with the new handle. */
	a->misses_unhandled++;
	return 0;
}

int xs_agent_cmd_trace_live(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct ofp_key key;
	struct xs_err err;

	(void)a;
	(void)argc;
	memset(&err, 0, sizeof(err));
	if (ofp_parse_packet(argv[1], &key, &err)) {
		xs_ctl_printf(out, "%s: column %d: %s\n", argv[0], err.col, err.msg);
		return 1;
	}
	/* WIRE: the trace formatter over a->pipeline (as `trace` does offline) */
	return not_wired(out, argv[0]);
}
