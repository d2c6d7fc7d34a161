// SPDX-License-Identifier: Apache-2.0
/* The xdp provider's teardown of a bridge whose pinned maps cannot be
 * adopted (`xdpswitch agent --cleanup`, agent/daemon/cleanup.h): it loads
 * and adopts nothing.
 *
 * What belongs to the bridge. Our programs are recognised by name (the XDP
 * program xs_xdp, alone or as every component of a libxdp dispatcher; the
 * TC filter xs_tc at XS_TC_HANDLE/XS_TC_PRIORITY). A program is the
 * bridge's when it uses a map pinned in the bridge's pin directory (map
 * ids compared), so interfaces the saved state does not name are found
 * too. A saved port loses a program named like ours unless that program
 * uses a map pinned for another bridge. Anything else is left alone and
 * named. Then every file in the pin directory is removed, and the
 * directory. Each removal and each failure is told to the log callback. */
#ifndef XS_DATAPATH_SWEEP_H
#define XS_DATAPATH_SWEEP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#define XS_PIN_ROOT "/sys/fs/bpf/xdpswitch" /* one directory per bridge */
#define XS_SWEEP_XDP_NAME "xs_xdp"          /* bpf/xdpswitch.bpf.c */
#define XS_SWEEP_TC_NAME "xs_tc"

/* A port the bridge saved. */
struct xs_sweep_port {
	char name[IF_NAMESIZE];
	bool owns_qdisc; /* the agent created its clsact qdisc: it goes too */
};

typedef void (*xs_sweep_log_fn)(void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The bridge's pin directory (XS_PIN_ROOT/BRIDGE) into @buf. Returns 0 or
 * -ENAMETOOLONG. */
int xs_pin_dir(const char *bridge, char *buf, size_t size);

/* The sweep described above for @bridge, whose saved ports are @ports.
 * Adds what it removed and what it could not to *@removed and *@failed.
 * Returns 0 (the counts say how it went), -ENAMETOOLONG or -ENOMEM. */
int xs_sweep_bridge(const char *bridge, const struct xs_sweep_port *ports, size_t n_ports,
		    xs_sweep_log_fn log, void *ctx, unsigned *removed, unsigned *failed);

#endif
