// SPDX-License-Identifier: Apache-2.0
/* The bridge's OpenFlow 1.3 side: controllers and tools connected over
 * TCP or Unix sockets program the same tables as the CLI, get packet-ins
 * and flow-removed messages, and send packets out.
 *
 *   --controller tcp:IP[:PORT]   active: the agent connects, and connects
 *                                again after a loss, with backoff from 1 s
 *                                doubling to 8 s (several allowed)
 *   --listen ptcp:PORT[:IP]      passive: ovs-ofctl and other tools connect
 *   --listen punix:PATH
 *   --datapath-id HEX            16 hex digits at most (default: from the
 *                                first port's MAC, else from the bridge name)
 *   --fail-mode secure|standalone
 *   --fail-open-after SECONDS    standalone: no controller this long, the
 *                                switch fails open (fail_open.h)
 *
 * The agent's loop polls the fds this module lists (of_switch_pollfds) and
 * hands back what they reported (of_switch_run). Everything is
 * non-blocking: a connection that stops reading has its replies queued up
 * to OFS_TX_MAX bytes and is then closed; packet-ins to it are dropped
 * (counted) while its queue is over OFS_TX_PIN_MAX. A message whose
 * framing cannot be followed (length below 8) ends its connection only.
 *
 * Consistency: the messages read from one connection in one round run in
 * one batch of the agent (persist.h): one revalidation and one journal
 * write. A BARRIER_REQUEST closes the batch first, so its reply leaves
 * after every flow_mod before it is in force for traffic and on disk. */
#ifndef XS_OPENFLOW_OFSWITCH_H
#define XS_OPENFLOW_OFSWITCH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdpswitch/datapath.h"

struct xs_agent;
struct of_switch;
struct ft_rule;

#define OFS_MAX_REMOTES 8   /* --controller and --listen, each */
#define OFS_MAX_CONNS 64
#define OFS_MAX_POLLFDS (OFS_MAX_CONNS + 2 * OFS_MAX_REMOTES)

enum ofs_fail_mode { OFS_FAIL_SECURE, OFS_FAIL_STANDALONE };

struct of_switch_opts {
	const char *controllers[OFS_MAX_REMOTES];
	unsigned n_controllers;
	const char *listens[OFS_MAX_REMOTES];
	unsigned n_listens;
	uint64_t datapath_id;      /* 0: derived */
	enum ofs_fail_mode fail_mode;
	uint32_t fail_open_after_s; /* standalone: 0 means 15 (fail_open.h) */
	uint32_t packet_in_rate;   /* packet-ins per second; 0: 1000 */
};

/* Checks the syntax of one --controller / --listen value; 0 or -EINVAL
 * with why set. */
int of_switch_check_target(const char *spec, bool passive, char *why, size_t why_size);

/* Opens the listeners and starts connecting to the controllers. Returns 0
 * or -errno with why set (nothing stays open). */
int of_switch_create(struct xs_agent *a, const struct of_switch_opts *opts,
		     struct of_switch **out, char *why, size_t why_size);
void of_switch_destroy(struct of_switch *s);

/* Fills pf with the fds to poll, at most max; returns how many. */
unsigned of_switch_pollfds(struct of_switch *s, struct pollfd *pf, unsigned max);
/* Serves what pf (as filled by of_switch_pollfds, revents set) reported. */
void of_switch_run(struct of_switch *s, const struct pollfd *pf, unsigned n);
/* About once a second: reconnects, echo probes, dead connections. */
void of_switch_tick(struct of_switch *s);

/* Is a controller (an active connection) connected? */
bool of_switch_has_controller(const struct of_switch *s);

/* A controller action's upcall, or a TTL that dec_ttl found expired (with
 * OFPC_INVALID_TTL_TO_CONTROLLER set): sends a PACKET_IN to the connections that
 * want it. Returns true when it was taken (sent, or dropped by the rate
 * limit), false when no connection wants packet-ins. */
bool of_switch_packet_in(struct of_switch *s, const struct xs_upcall *u, uint32_t ofport);

/* A port was added (reason OFPPR_ADD), removed or changed: PORT_STATUS. */
void of_switch_port_status(struct of_switch *s, uint32_t ofport, const char *name,
			   uint8_t reason);

/* Counters and connections for `show`. */
struct xs_ctl_buf;
void of_switch_show(struct of_switch *s, struct xs_ctl_buf *out, bool json);

#endif
