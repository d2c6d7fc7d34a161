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
	X("version", xs_cmd_version, "print the version")

int xs_cmd_version(int argc, char **argv);

#endif
