// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch trace --flows FILE [--json] [--ports N,...] PACKET`: offline
 * ofproto/trace: loads a flow file into fresh tables and traces one packet.
 * Without --flows the running agent traces it through its live tables. */
#include "agent/cli/commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/ofp/lex.h"
#include "agent/pipeline/trace.h"
#include "xdpswitch/datapath.h"

/* as many as a bridge can have */
#define TRACE_MAX_PORTS XS_MAX_PORTS

struct trace_opts {
	const char *flows;
	const char *packet;
	bool json;
	uint32_t ports[TRACE_MAX_PORTS];
	unsigned n_ports;
	uint8_t ct_next[TRACE_MAX_PASSES]; /* ct_state of passes 2, 3, ... */
	unsigned n_ct_next;
};

static void trace_usage(FILE *f)
{
	fprintf(f, "usage: xdpswitch trace --flows FILE [--json] [--ports N,N,...] "
		   "[--ct-next STATE]... 'PACKET'\n"
		   "       xdpswitch trace [--bridge NAME] [--json] 'PACKET'   (live tables)\n"
		   "  PACKET in ofproto/trace syntax, e.g. 'in_port=1,tcp,nw_dst=10.0.0.1'\n"
		   "  --ports  the switch's ports, for flood and all (default: none)\n"
		   "  --ct-next  ct_state after each recirculation, in order (default trk|new),\n"
		   "           e.g. 'trk|est' or +trk+est\n");
}

/* "1,2,3" into opts->ports. 0 or -EINVAL. */
static int parse_ports(const char *s, struct trace_opts *o)
{
	while (*s) {
		char *end;
		unsigned long p = strtoul(s, &end, 0);

		if (end == s || p == 0 || p >= 0xff00 || o->n_ports == TRACE_MAX_PORTS ||
		    (*end && *end != ','))
			return -EINVAL;
		o->ports[o->n_ports++] = (uint32_t)p;
		s = *end ? end + 1 : end;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct trace_opts *o)
{
	static const struct option longopts[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "ports", required_argument, NULL, 'p' },
		{ "ct-next", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->flows = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p':
			if (parse_ports(optarg, o)) {
				fprintf(stderr, "xdpswitch trace: --ports: '%s' is not a list of "
					"at most %d port numbers (1..65279)\n", optarg,
					TRACE_MAX_PORTS);
				return -EINVAL;
			}
			break;
		case 'c': {
			struct ofp_tok t = { optarg, (unsigned)strlen(optarg), 1 };
			struct xs_err err;
			uint8_t m;

			/* ofproto/trace spells it "trk,est" */
			for (char *q = optarg; *q; q++)
				if (*q == ',')
					*q = '|';

			if (o->n_ct_next == TRACE_MAX_PASSES - 1) {
				fprintf(stderr, "xdpswitch trace: --ct-next given more than %d "
					"times\n", TRACE_MAX_PASSES - 1);
				return -EINVAL;
			}
			if (ofp_read_ct_state(t, false, &o->ct_next[o->n_ct_next], &m, &err)) {
				fprintf(stderr, "xdpswitch trace: --ct-next, column %d: %s\n",
					err.col, err.msg);
				return -EINVAL;
			}
			o->n_ct_next++;
			break;
		}
		case 'h':
			trace_usage(stdout);
			return 1;
		default:
			fprintf(stderr, "xdpswitch trace: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (!o->flows || optind != argc - 1) {
		fprintf(stderr, "xdpswitch trace: %s\n", !o->flows ? "--flows FILE is required" :
			"exactly one PACKET argument is required");
		return -EINVAL;
	}
	o->packet = argv[optind];
	return 0;
}

/* Loads the flow file into ft. Returns 0 or 1 (reported). */
static int load_flows(const char *path, struct flow_tables *ft)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;
	char msg[512];
	int rc = 0;

	if (ofp_parse_flow_file(path, OFP_PARSE_ADD, &flows, &n, &err)) {
		xs_err_format(&err, path, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!rc && ft_add(ft, &flows[i], 0)) {
			fprintf(stderr, "xdpswitch trace: %s: out of memory\n", path);
			rc = 1;
		}
		ofp_flow_free(&flows[i]);
	}
	free(flows);
	return rc;
}

/* Is --flows among the options (before the packet)? */
static bool has_flows_opt(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--flows") || !strncmp(argv[i], "--flows=", 8))
			return true;
	return false;
}

int xs_cmd_trace(int argc, char **argv)
{
	struct trace_opts o;
	struct flow_tables *ft;
	struct ofp_key packet;
	struct xs_err err;
	char *out = NULL;
	int rc;

	if (!has_flows_opt(argc, argv) && !(argc == 2 && !strcmp(argv[1], "--help")))
		return xs_cmd_trace_live(argc, argv);
	rc = parse_opts(argc, argv, &o);
	if (rc) {
		if (rc < 0)
			trace_usage(stderr);
		return rc < 0 ? 2 : 0;
	}
	if (ofp_parse_packet(o.packet, &packet, &err)) {
		fprintf(stderr, "xdpswitch trace: packet, column %d: %s\n", err.col, err.msg);
		return 1;
	}
	ft = malloc(sizeof(*ft));
	if (!ft) {
		fprintf(stderr, "xdpswitch trace: out of memory\n");
		return 1;
	}
	flow_tables_init(ft);
	ft->ports = o.ports;
	ft->n_ports = o.n_ports;
	rc = load_flows(o.flows, ft);
	if (!rc) {
		trace_packet_ct(ft, &packet, o.json, o.ct_next, o.n_ct_next, &out);
		if (out)
			fputs(out, stdout);
		else
			fprintf(stderr, "xdpswitch trace: out of memory\n");
		rc = out ? 0 : 1;
		free(out);
	}
	flow_tables_destroy(ft);
	free(ft);
	return rc;
}
