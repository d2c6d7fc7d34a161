// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch version`. */
#include "agent/cli/commands.h"

#define XS_VERSION "0.1.0"

int xs_cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("xdpswitch %s\n", XS_VERSION);
	return 0;
}
