/* xdpswitch: the agent daemon and its command-line client, one binary. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: xdpswitch COMMAND [ARGS]\n"
		   "  trace --flows FILE 'PACKET'   offline trace through a flow table\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	fprintf(stderr, "xdpswitch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
