// SPDX-License-Identifier: Apache-2.0
/* The bridge's port table: each port's name, its datapath port number
 * (what the datapath provider calls it: an ifindex for the XDP provider)
 * and its OpenFlow port number.
 *
 * Port numbers. "IFACE=N" asks for OpenFlow port N (1..XS_OFPORT_MAX);
 * plain "IFACE" takes the lowest free number. Numbers are not reused while
 * the port exists; a detached port's number is free again. Pure: no
 * interface is touched here (agent/datapath/port_hw.h attaches). */
#ifndef XS_BRIDGE_PORTS_H
#define XS_BRIDGE_PORTS_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/bridge/port_vlan.h"
#include "common/error.h"

#define XS_OFPORT_MAX 0xfeffu   /* highest OpenFlow port number (OFPP_MAX - 1) */
#define XS_BRIDGE_MAX_PORTS 1024 /* as the fast path's devmap (XS_MAX_PORTS) */

struct xs_port {
	char name[IF_NAMESIZE];
	uint32_t dp_port;  /* the datapath's number for it */
	uint32_t ofport;
	uint64_t misses;   /* misses of its packets the agent read (dump-ports) */
	struct xs_port_vlan vlan; /* tag, trunks, vlan_mode (NORMAL) */
};

/* Ports sorted by OpenFlow port number. */
struct xs_port_table {
	struct xs_port *ports;
	size_t n;
	size_t cap;
};

/* Parses "IFACE[=OFPORT][,OPTIONS]" (the agent's command line and
 * `xdpswitch attach`), OPTIONS the port's VLAN options (port_vlan.h:
 * "IFACE=1,tag=10", "IFACE,trunks=10,20,vlan_mode=native-untagged,tag=5").
 * *ofport = 0 when none was given; *vlan gets the defaults without
 * options. Returns 0 or -EINVAL with err (column of the problem) set. */
int xs_port_spec_parse(const char *spec, char name[IF_NAMESIZE], uint32_t *ofport,
		       struct xs_port_vlan *vlan, struct xs_err *err);

void xs_ports_init(struct xs_port_table *t);
void xs_ports_free(struct xs_port_table *t);

/* Adds a port. ofport 0 = lowest free number. Returns the new port through
 * *out (valid until the next add/del), or -EEXIST (name or datapath port
 * already a port), -EADDRINUSE (ofport taken), -ERANGE (ofport above
 * XS_OFPORT_MAX), -ENOSPC (XS_BRIDGE_MAX_PORTS ports, or no free number),
 * -EINVAL (empty or too long name, datapath port 0), -ENOMEM. */
int xs_ports_add(struct xs_port_table *t, const char *name, uint32_t dp_port, uint32_t ofport,
		 struct xs_port **out);

/* Removes a port from the table. Returns 0 or -ENOENT. */
int xs_ports_del(struct xs_port_table *t, const char *name);

/* Look-ups; NULL when absent. */
struct xs_port *xs_ports_by_name(const struct xs_port_table *t, const char *name);
struct xs_port *xs_ports_by_dp_port(const struct xs_port_table *t, uint32_t dp_port);
struct xs_port *xs_ports_by_ofport(const struct xs_port_table *t, uint32_t ofport);

#endif
