// SPDX-License-Identifier: Apache-2.0
/* The CLI commands that run inside the agent: each sends its arguments over
 * the bridge's control socket and prints the agent's answer. */
#include "agent/cli/commands.h"
#include "agent/control/client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 16

/* What the (last) positional argument is. */
enum ctl_arg {
	ARG_TEXT,       /* sent as it is */
	ARG_FILE,       /* a flow file to send: NAME TEXT ("-": stdin) */
	ARG_TEXT_OR_STDIN, /* sent as it is, except "-": NAME TEXT of stdin */
};

struct ctl_cmd {
	const char *name;
	int min_args, max_args; /* positional, after options */
	enum ctl_arg arg;
	const char *usage;      /* after "xdpswitch NAME " */
};

/* Reads path ("-" = stdin) into b. Returns 0 or -errno. */
static int read_file(const char *path, struct xs_ctl_buf *b)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char chunk[65536];
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (xs_ctl_append(b, chunk, n)) {
			err = -ENOMEM;
			break;
		}
		if (b->len > XS_CTL_MAX_REQUEST) {
			err = -EFBIG;
			break;
		}
	}
	if (!err && ferror(f))
		err = -EIO;
	if (!err && memchr(b->data ? b->data : "", '\0', b->len))
		err = -EINVAL; /* a NUL would split the request */
	if (f != stdin)
		fclose(f);
	return err;
}

/* Parses "[--bridge NAME] ARGS...", sends the request, prints the answer:
 * stdout when the status is 0, stderr otherwise. Returns the exit code. */
static int forward(const struct ctl_cmd *c, int argc, char **argv)
{
	char *req[MAX_ARGS + 3], path[108], msg[256];
	const char *bridge = XS_CTL_DEFAULT_BRIDGE;
	struct xs_ctl_buf file, out;
	int n_req = 0, n_pos = 0, last_pos = 0, status = 1, err;

	req[n_req++] = (char *)c->name;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bridge") && i + 1 < argc) {
			bridge = argv[++i];
		} else if (!strncmp(argv[i], "--bridge=", 9)) {
			bridge = argv[i] + 9;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: xdpswitch %s [--bridge NAME] %s\n", c->name, c->usage);
			return 0;
		} else if (n_req >= MAX_ARGS) {
			goto usage;
		} else {
			if (strncmp(argv[i], "--", 2)) {
				n_pos++;
				last_pos = n_req;
			}
			req[n_req++] = argv[i];
		}
	}
	if (n_pos < c->min_args || n_pos > c->max_args)
		goto usage;
	if (xs_ctl_check_bridge(bridge)) {
		fprintf(stderr, "xdpswitch %s: bad bridge name '%s'\n", c->name, bridge);
		return 2;
	}
	xs_ctl_path(bridge, ".sock", path, sizeof(path));
	xs_ctl_buf_init(&file);
	xs_ctl_buf_init(&out);
	if (n_pos && (c->arg == ARG_FILE ||
		      (c->arg == ARG_TEXT_OR_STDIN && !strcmp(req[last_pos], "-")))) {
		/* send NAME TEXT: the agent may not see the caller's files (it
		 * takes flags anywhere, so TEXT may follow one) */
		const char *name = req[last_pos];

		err = read_file(name, &file);
		if (err) {
			fprintf(stderr, "xdpswitch %s: cannot read %s: %s\n", c->name, name,
				err == -EINVAL ? "it contains a NUL byte" : strerror(-err));
			goto out;
		}
		req[n_req++] = file.data ? file.data : "";
	}
	err = xs_ctl_call(path, n_req, req, &status, &out);
	if (err) {
		fprintf(stderr, "xdpswitch %s: %s\n", c->name,
			xs_ctl_strerror(err, bridge, path, msg, sizeof(msg)));
		status = 1;
		goto out;
	}
	if (out.len)
		fwrite(out.data, 1, out.len, status ? stderr : stdout);
out:
	xs_ctl_buf_free(&file);
	xs_ctl_buf_free(&out);
	return status;
usage:
	fprintf(stderr, "usage: xdpswitch %s [--bridge NAME] %s\n", c->name, c->usage);
	return 2;
}

#define CTL_COMMAND(fn, name, min, max, arg, usage)                     \
	int fn(int argc, char **argv)                                   \
	{                                                               \
		static const struct ctl_cmd c = { name, min, max, arg, usage }; \
		return forward(&c, argc, argv);                         \
	}

CTL_COMMAND(xs_cmd_attach, "attach", 1, 1, ARG_TEXT,
	    "IFACE[=OFPORT][,tag=VLAN][,trunks=LIST][,vlan_mode=MODE] [--force]")
CTL_COMMAND(xs_cmd_detach, "detach", 1, 1, ARG_TEXT, "IFACE")
CTL_COMMAND(xs_cmd_add_flow, "add-flow", 1, 1, ARG_TEXT, "FLOW")
CTL_COMMAND(xs_cmd_add_flows, "add-flows", 1, 1, ARG_FILE, "FILE (- for stdin)")
CTL_COMMAND(xs_cmd_mod_flows, "mod-flows", 1, 1, ARG_TEXT_OR_STDIN,
	    "[--strict] FLOW (- for one flow per line on stdin)")
CTL_COMMAND(xs_cmd_del_flows, "del-flows", 0, 1, ARG_TEXT, "[--strict] [MATCH]")
CTL_COMMAND(xs_cmd_replace_flows, "replace-flows", 1, 1, ARG_FILE, "FILE (- for stdin)")
CTL_COMMAND(xs_cmd_dump_flows, "dump-flows", 0, 1, ARG_TEXT, "[--json] [MATCH]")
CTL_COMMAND(xs_cmd_dump_megaflows, "dump-megaflows", 0, 0, ARG_TEXT,
	    "[--json] [--type=offloaded|non-offloaded]")
CTL_COMMAND(xs_cmd_inject, "inject", 2, 2, ARG_TEXT, "PORT HEXFRAME")
CTL_COMMAND(xs_cmd_dump_outputs, "dump-outputs", 0, 0, ARG_TEXT, "[--json]")
CTL_COMMAND(xs_cmd_show, "show", 0, 0, ARG_TEXT, "[--json] [--stats]")
CTL_COMMAND(xs_cmd_dump_ports, "dump-ports", 0, 1, ARG_TEXT, "[--json] [PORT]")
CTL_COMMAND(xs_cmd_metrics, "metrics", 0, 0, ARG_TEXT, "")
CTL_COMMAND(xs_cmd_fdb_show, "fdb-show", 0, 0, ARG_TEXT, "[--json]")
CTL_COMMAND(xs_cmd_fdb_flush, "fdb-flush", 0, 0, ARG_TEXT, "")
CTL_COMMAND(xs_cmd_trace_live, "trace-live", 1, 1, ARG_TEXT, "[--json] PACKET")
