// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch dump-conntrack [zone=N]` and `flush-conntrack [zone=N]`: the
 * kernel's connection table, which the datapath's ct action uses (like
 * ovs-appctl dpctl/dump-conntrack and dpctl/flush-conntrack). They talk
 * to the kernel directly: no agent is needed. ICMP and ICMPv6 echo pairs,
 * which the datapath tracks in its own map, are not in this table. */
#include "agent/cli/commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/ct_netlink.h"

/* argv[1], if any, as "zone=N" into *zone. 0, or 2 (usage) with a message. */
static int parse_zone(int argc, char **argv, int *zone)
{
	char *end;
	long z;

	*zone = XS_CT_ALL_ZONES;
	if (argc == 1)
		return 0;
	if (argc > 2 || strncmp(argv[1], "zone=", 5)) {
		fprintf(stderr, "usage: xdpswitch %s [zone=N]\n", argv[0]);
		return 2;
	}
	errno = 0;
	z = strtol(argv[1] + 5, &end, 0);
	if (errno || end == argv[1] + 5 || *end || z < 0 || z > 65535) {
		fprintf(stderr, "xdpswitch %s: zone '%s' is not a number from 0 to 65535\n",
			argv[0], argv[1] + 5);
		return 2;
	}
	*zone = (int)z;
	return 0;
}

int xs_cmd_dump_conntrack(int argc, char **argv)
{
	int zone, r = parse_zone(argc, argv, &zone);

	if (r)
		return r;
	r = xs_ct_dump(zone, stdout, NULL);
	if (r) {
		fprintf(stderr, "xdpswitch dump-conntrack: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

int xs_cmd_flush_conntrack(int argc, char **argv)
{
	int zone, r = parse_zone(argc, argv, &zone);
	unsigned n;

	if (r)
		return r;
	r = xs_ct_flush(zone, &n);
	if (r) {
		fprintf(stderr, "xdpswitch flush-conntrack: %s\n", strerror(-r));
		return 1;
	}
	printf("%u connections flushed\n", n);
	return 0;
}
