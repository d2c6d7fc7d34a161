// SPDX-License-Identifier: Apache-2.0
/* The kernel's connection table through ctnetlink: dump (one line per
 * connection, as ovs-appctl dpctl/dump-conntrack prints it) and flush,
 * optionally of one zone. Functions return 0 or -errno and print nothing
 * but the dump lines they are asked for. */
#ifndef XS_COMMON_CT_NETLINK_H
#define XS_COMMON_CT_NETLINK_H

#include <stdio.h>

#define XS_CT_ALL_ZONES (-1)

/* Prints every connection (of @zone, unless XS_CT_ALL_ZONES) to @out;
 * *@n (may be NULL) gets how many. */
int xs_ct_dump(int zone, FILE *out, unsigned *n);
/* Deletes every connection (of @zone, unless XS_CT_ALL_ZONES); *@n (may
 * be NULL) gets how many were deleted. */
int xs_ct_flush(int zone, unsigned *n);

struct xs_flow_key;

/* Moves the kernel's TCP state of the connection of @key (the tuple as a
 * packet in direction @dir carried it, and ct_zone) on after datapath
 * event @ev (enum xs_ct_event; datapath.h says what each sets). A FIN
 * reads the current state first: the first FIN of a connection gives
 * FIN_WAIT (original direction) or CLOSE_WAIT (reply), the other side's
 * FIN TIME_WAIT. -ENOENT: the connection is gone. */
int xs_ct_tcp_event(const struct xs_flow_key *key, int dir, int ev);

#endif
