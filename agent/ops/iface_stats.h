// SPDX-License-Identifier: Apache-2.0
/* An interface's counters as the kernel keeps them (rtnetlink
 * RTM_GETLINK, IFLA_STATS64: what `ip -s link` prints): the per-port
 * counters of dump-ports, show --stats and metrics. The fast path counts
 * no packet per port itself (a per-port counter would cost every packet a
 * map update); the kernel already counts each port's frames. */
#ifndef XS_OPS_IFACE_STATS_H
#define XS_OPS_IFACE_STATS_H

#include <stdbool.h>
#include <stdint.h>

struct xs_iface_stats {
	bool valid; /* false: no such interface (e.g. the dummy datapath's ports) */
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t rx_frame_errors, rx_over_errors, rx_crc_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors, collisions;
};

struct xs_iface_reader;

/* A netlink socket for the reads below. Returns NULL (errno set) on error. */
struct xs_iface_reader *xs_iface_reader_open(void);
void xs_iface_reader_close(struct xs_iface_reader *r);

/* Reads @ifname's counters into *st (st->valid false if there is no such
 * interface). Returns 0 (also for no interface) or -errno. */
int xs_iface_stats_read(struct xs_iface_reader *r, const char *ifname, struct xs_iface_stats *st);

#endif
