// SPDX-License-Identifier: Apache-2.0
/* Which interfaces changed, from the kernel's own notifications instead of
 * a poll of every port: the netdev generic netlink family's "mgmt" group
 * (a device's xdp-features changed: a veth peer gained or lost an XDP
 * program or GRO, which decides whether an XDP redirect into it is
 * delivered) and rtnetlink's link group (a device went up, down or away).
 * Both sockets sit behind one epoll fd for the agent's poll loop. */
#ifndef XS_DATAPATH_PORT_EVENTS_H
#define XS_DATAPATH_PORT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_port_events;

/* Subscribes to both groups. Returns 0, -EOPNOTSUPP when the kernel has no
 * netdev family or no "mgmt" group (before 6.3: poll instead), or -errno. */
int xs_port_events_open(struct xs_port_events **out);
void xs_port_events_close(struct xs_port_events *ev);

/* Readable while notifications wait. */
int xs_port_events_fd(const struct xs_port_events *ev);

/* Drains what waits, without blocking, and puts the distinct ifindexes it
 * names in @ifindexes (at most @max). Sets *@overflow when some were lost
 * (the socket overran, or more than @max): the caller then checks every
 * port. Returns how many, or -errno. */
int xs_port_events_read(struct xs_port_events *ev, uint32_t *ifindexes, size_t max,
			bool *overflow);

#endif
