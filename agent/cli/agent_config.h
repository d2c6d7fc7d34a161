// SPDX-License-Identifier: Apache-2.0
/* A bridge's configuration file (`xdpswitch agent --config FILE`, what the
 * systemd unit runs): agent options written one per line, so a new agent
 * option needs no change here.
 *
 *     # /etc/xdpswitch/br0.conf
 *     flows = /etc/xdpswitch/br0.flows     -> --flows=/etc/xdpswitch/br0.flows
 *     max-idle = 5000                      -> --max-idle=5000
 *     force                                -> --force (a flag; "= yes" too,
 *                                             "= no" leaves it out)
 *     port = veth1=1                       -> the positional IFACE[=N][,...]
 *
 * KEY is any long option of `xdpswitch agent` (the option table is passed
 * in), except config and help; `#` starts a comment; blank lines are
 * ignored; spaces around KEY and VALUE are trimmed. Options given on the
 * command line come after the file's, so they win. */
#ifndef XS_CLI_AGENT_CONFIG_H
#define XS_CLI_AGENT_CONFIG_H

#include <getopt.h>
#include <stddef.h>

/* The command line with a configuration file spliced in. */
struct xs_agent_config {
	int argc;
	char **argv;   /* argv[0], the file's options, the command line's
	                * arguments (argv[1..]), the file's ports; NULL-ended */
	int n_opts;    /* the file's options are argv[1..n_opts] */
	int *lines;    /* lines[i]: the file's line of argv[i] (0: not from it) */
	const char *path;
	char *text;    /* the file's text: the ports point into it */
};

/* Reads @path and splices it into (argc, argv) as above, checking every
 * key against @longopts. Returns 0, or -errno with @why set to
 * "PATH:LINE: what is wrong" (or "cannot read PATH: ..."). */
int xs_agent_config_load(const char *path, const struct option *longopts, int argc,
			 char **argv, struct xs_agent_config *cfg, char *why, size_t why_size);

/* Parses file text (@name for messages) the same way. */
int xs_agent_config_parse(const char *name, const char *text, const struct option *longopts,
			  int argc, char **argv, struct xs_agent_config *cfg, char *why,
			  size_t why_size);

void xs_agent_config_free(struct xs_agent_config *cfg);

/* The last --config value among the options of argv (getopt_long with
 * @shortopts and @longopts, errors silent: the real parse reports them),
 * or NULL. */
const char *xs_agent_config_arg(const char *shortopts, const struct option *longopts,
				int argc, char **argv);

#endif
