/* The bridge's port table: interface name and index, OpenFlow port number,
 * XDP/TC attachment, and whether an XDP redirect into the port delivers.
 *
 * Port numbers. "IFACE=N" asks for OpenFlow port N (1..XS_OFPORT_MAX);
 * plain "IFACE" takes the lowest free number. Numbers are not reused while
 * the port exists; a detached port's number is free again.
 *
 * Redirect into a port (tx). XDP_REDIRECT from a natively attached ingress
 * hands the frame to the output driver's ndo_xdp_xmit. A veth accepts it only
 * while its peer has an XDP program or GRO enabled, otherwise the frame is
 * dropped silently; a driver without ndo_xdp_xmit refuses it. The kernel
 * publishes exactly this as the NETDEV_XDP_ACT_NDO_XMIT bit of the device's
 * xdp-features (netdev generic netlink family, Linux 6.3+; for a veth it is
 * recomputed when the peer's XDP program or GRO changes). xs_port_probe_tx
 * reads it: set -> XS_TX_XDP, clear -> XS_TX_TC (the TC stage outputs
 * through the normal stack, which always delivers). Without the netdev
 * family it decides conservatively: veth -> TC, others -> XDP when our
 * program is attached natively, else TC. The answer can change at run time
 * (the peer gains a program), so the agent re-probes when it refreshes
 * ports; a stale XS_TX_TC only costs speed, a stale XS_TX_XDP loses frames,
 * which is why the fallback leans to TC. (An ingress attached in SKB mode
 * redirects through the stack and reaches any port.) */
#ifndef XS_DATAPATH_PORTS_H
#define XS_DATAPATH_PORTS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/datapath/attach.h"
#include "common/error.h"
#include "xdpswitch/datapath.h"

#define XS_OFPORT_MAX 0xfeffu   /* highest OpenFlow port number (OFPP_MAX - 1) */

enum xs_port_tx {
	XS_TX_UNKNOWN = 0, /* not probed */
	XS_TX_XDP,         /* XDP_REDIRECT into this port delivers */
	XS_TX_TC,          /* output here through the TC stage */
};

struct xs_port {
	char name[IF_NAMESIZE];
	int ifindex;
	uint32_t ofport;
	enum xs_port_tx tx;
	char tx_why[64];        /* how tx was decided, for `show` */
	struct xs_xdp_link xdp; /* how = XS_XDP_HOW_NONE until attached */
	struct xs_tc_link tc;
};

/* Ports sorted by OpenFlow port number. */
struct xs_port_table {
	struct xs_port *ports;
	size_t n;
	size_t cap;
};

/* Parses "IFACE" or "IFACE=OFPORT" (the agent's command line and
 * `xdpswitch attach`). *ofport = 0 when none was given. Returns 0 or
 * -EINVAL with err (column of the problem) set. */
int xs_port_spec_parse(const char *spec, char name[IF_NAMESIZE], uint32_t *ofport,
		       struct xs_err *err);

void xs_ports_init(struct xs_port_table *t);
/* Frees the table; does not detach anything (see the agent for that). */
void xs_ports_free(struct xs_port_table *t);

/* Adds a port (not attached, tx unknown). ofport 0 = lowest free number.
 * Returns the new port through *out (valid until the next add/del), or
 * -EEXIST (name or ifindex already a port), -EADDRINUSE (ofport taken),
 * -ERANGE (ofport above XS_OFPORT_MAX), -ENOSPC (XS_MAX_PORTS ports, or no
 * free number), -EINVAL (empty or too long name, ifindex <= 0), -ENOMEM. */
int xs_ports_add(struct xs_port_table *t, const char *name, int ifindex, uint32_t ofport,
		 struct xs_port **out);

/* Removes a port from the table (the caller detached it). Returns 0 or
 * -ENOENT. */
int xs_ports_del(struct xs_port_table *t, const char *name);

/* Look-ups; NULL when absent. */
struct xs_port *xs_ports_by_name(const struct xs_port_table *t, const char *name);
struct xs_port *xs_ports_by_ifindex(const struct xs_port_table *t, int ifindex);
struct xs_port *xs_ports_by_ofport(const struct xs_port_table *t, uint32_t ofport);

/* Decides p->tx and p->tx_why as described above. Returns 0, or -errno
 * when the interface is gone (tx is then XS_TX_UNKNOWN). */
int xs_port_probe_tx(struct xs_port *p);

/* The kernel's xdp-features bits of ifindex (NETDEV_XDP_ACT_*), from the
 * netdev generic netlink family. Returns 0, -EOPNOTSUPP (no such family:
 * kernel before 6.3) or -errno. */
int xs_netdev_xdp_features(int ifindex, uint64_t *features);

/* Driver name (ethtool), e.g. "veth", into buf. Returns 0 or -errno. */
int xs_port_driver(const char *name, char *buf, size_t size);

const char *xs_port_tx_name(enum xs_port_tx tx); /* "xdp", "tc", "?" */

#endif
