// SPDX-License-Identifier: Apache-2.0
/* xdpswitch: the agent daemon and its command-line client, one binary.
 * Each subcommand lives in agent/cli/ and registers in the table below. */
#include <stdio.h>
#include <string.h>

#include "agent/cli/commands.h"

static const struct xs_command commands[] = {
#define XS_CMD_ENTRY(name, fn, help) { name, fn, help },
	XS_COMMANDS(XS_CMD_ENTRY)
#undef XS_CMD_ENTRY
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xdpswitch COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "xdpswitch: unknown command '%s' (try 'xdpswitch help')\n", argv[1]);
	return 2;
}
