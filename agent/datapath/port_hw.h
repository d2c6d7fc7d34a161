// SPDX-License-Identifier: Apache-2.0
/* The fast path on one interface of the XDP provider: the attached XDP
 * program and TC filter, and whether an XDP redirect into it delivers.
 *
 * Attach. Our XDP program goes on first: a previous run's program (named
 * like ours, alone on the hook) is swapped for ours with one atomic
 * XDP_FLAGS_REPLACE, so a restart drops no frame; otherwise through libxdp
 * (its dispatcher, or alone where the dispatcher cannot load), else with
 * bpf_xdp_attach. Then our TC ingress filter (clsact, created if missing).
 * Without force, a foreign program or filter is refused, and so is our own
 * program while another bridge's agent runs (probably its port).
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
#ifndef XS_DATAPATH_PORT_HW_H
#define XS_DATAPATH_PORT_HW_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/control/proto.h"
#include "agent/datapath/attach.h"

enum xs_port_tx {
	XS_TX_UNKNOWN = 0, /* not probed */
	XS_TX_XDP,         /* XDP_REDIRECT into this port delivers */
	XS_TX_TC,          /* output here through the TC stage */
};

struct xs_port_hw {
	char name[IF_NAMESIZE];
	int ifindex;
	enum xs_port_tx tx;
	char tx_why[64];        /* how tx was decided, for `show` */
	struct xs_xdp_link xdp; /* how = XS_XDP_HOW_NONE until attached */
	struct xs_tc_link tc;
};

struct xs_port_hw_cfg {
	int xdp_fd, tc_fd;      /* programs to attach; -1: none */
	enum xs_xdp_mode mode;  /* XS_XDP_MODE_AUTO unless asked */
	bool no_libxdp;
	const char *bridge;     /* ours, to tell another bridge's agent */
};

/* Attaches to interface @name (see above) and probes tx into *@p. @note
 * gets what the log should say ("" if nothing: a program replaced, a
 * libxdp fallback). On error nothing stays attached and @why says what is
 * wrong: -ENODEV (no such interface), -EBUSY (a foreign program or filter,
 * or another bridge's; force takes it), -errno. */
int xs_port_hw_attach(const struct xs_port_hw_cfg *c, const char *name, bool force,
		      struct xs_port_hw *p, char *note, size_t note_size, char *why,
		      size_t why_size);

/* Detaches what xs_port_hw_attach attached (the clsact qdisc too if it
 * was created for us). Returns 0, or the first error with @note set. */
int xs_port_hw_detach(struct xs_port_hw *p, char *note, size_t note_size);

/* Probes tx again; true if it changed. */
bool xs_port_hw_reprobe(struct xs_port_hw *p);

/* "ifindex 5, xdp native (libxdp), tc ingress, tx tc (why)", or JSON
 * members without braces. */
void xs_port_hw_describe(const struct xs_port_hw *p, struct xs_ctl_buf *out, bool json);

/* Decides p->tx and p->tx_why as described above. Returns 0, or -errno
 * when the interface is gone (tx is then XS_TX_UNKNOWN). */
int xs_port_probe_tx(struct xs_port_hw *p);

/* The kernel's xdp-features bits of ifindex (NETDEV_XDP_ACT_*), from the
 * netdev generic netlink family. Returns 0, -EOPNOTSUPP (no such family:
 * kernel before 6.3) or -errno. */
int xs_netdev_xdp_features(int ifindex, uint64_t *features);

/* Driver name (ethtool), e.g. "veth", into buf. Returns 0 or -errno. */
int xs_port_driver(const char *name, char *buf, size_t size);

const char *xs_port_tx_name(enum xs_port_tx tx); /* "xdp", "tc", "?" */

#endif
