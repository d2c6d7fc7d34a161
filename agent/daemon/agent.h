// SPDX-License-Identifier: Apache-2.0
/* The agent daemon of one bridge: its ports, control socket, lock, main
 * loop, and the seams where the datapath and the OpenFlow pipeline plug in.
 *
 * Life of an agent (xs_agent_run):
 *   1. checks: the bridge name; the datapath's prepare (for the XDP
 *      provider: BPF permission, bpffs mounted, mounted if not);
 *   2. the bridge lock <run dir>/<bridge>.lock (flock, holds our pid): a
 *      second agent for the same bridge stops here;
 *   3. the datapath opens;
 *   4. flows_load (--flows FILE), then the ports given on the command line
 *      are attached (xs_agent_port_attach); any failure undoes all of it;
 *   5. the control socket <run dir>/<bridge>.sock (mode 0600) opens;
 *   6. the loop polls the socket, the datapath's upcall fd, its port
 *      change fd (the kernel's notifications: a port is probed again when
 *      the kernel says it changed; without them, every second) and a
 *      signalfd for SIGINT/SIGTERM/SIGHUP; about once a second it runs the
 *      revalidator's tick; SIGHUP reloads the --flows file (reload.c);
 *   7. on a signal: the ports stay attached and the maps pinned, so the
 *      fast path keeps forwarding the installed megaflows while no agent
 *      runs (misses wait in the ringbuf, up to its size); socket removed,
 *      lock released (the lock file stays, as lock files do; --cleanup
 *      removes it);
 *      xs_agent_run returns 0. A bridge without ports leaves nothing;
 *      nor does a datapath that cannot be adopted (!outlives_agent).
 * Restart. The rules and ports are saved as a snapshot,
 * <run dir>/<bridge>.state (state_file.h), and a journal of the changes
 * since, <run dir>/<bridge>.journal (journal.h), one fsync'ed batch of
 * records per batch of requests (persist.h). A new agent adopts the pinned
 * maps and their megaflows, reloads snapshot and journal (before --flows,
 * which replaces its rules), re-attaches the ports (our stale program is
 * replaced), writes a new snapshot, and then revalidates every adopted
 * megaflow before serving requests. A damaged journal (not a torn last
 * batch, which is ignored) stops the start with "PATH:LINE: what is
 * wrong", changing nothing. `xdpswitch agent --cleanup` attaches the
 * saved ports once more and then detaches them, unpins the maps and
 * removes snapshot and journal. When the
 * pinned maps cannot be adopted (another build's layout or sizes, a
 * damaged pin directory) or the state file does not parse, it falls back
 * to a teardown that adopts nothing (cleanup.h): our programs are found by
 * name and by the pinned maps they use, the pin directory and the state
 * file are removed; exit 0 only if nothing of the bridge is left. With
 * neither pins nor state it says there is nothing to clean up. A normal
 * start with such pins is refused, changes nothing, and names --cleanup.
 * Requests are served in batches (control/server.h): the requests a
 * connection has sent, up to XS_CTL_MAX_BATCH, run to completion, are
 * committed once and answered before the loop goes on; a client gets
 * XS_CTL_IO_TIMEOUT_MS to send each request, so a stuck client delays
 * misses by that much at most.
 *
 * Datapath seam. The agent touches a datapath only through the datapath
 * interface (agent/dpif/dpif.h): ports by datapath number, megaflows,
 * packets, upcalls. Providers: "xdp" (the switch's fast path: maps pinned
 * under /sys/fs/bpf/xdpswitch/BRIDGE, programs attached to the ports),
 * "dummy" (userspace, no root), "object" (a BPF object file's first XDP
 * and TC programs attached; development, tests). --no-datapath opens
 * none: ports are tracked, nothing attached. The bridge's side of the
 * datapath (misses, revalidator, rule counters, dumps) is dp_xs.c.
 *
 * Requests. Each control request is dispatched through the table in
 * agent/daemon/handlers.c by argv[0]; each handler appends its output and
 * returns the exit status (0 ok, 1 failed, 2 usage). The flow commands
 * (agent/daemon/flow_cmds.c) change a->pipeline, the OpenFlow tables.
 *
 * Misses (agent/daemon/upcall.c). The datapath's ringbuf is read in
 * batches of XS_UPCALL_BATCH records; records with the same key (and
 * reason) in one batch are translated once, the batch's megaflows are
 * installed together (flow_put_batch), and every one of their packets is
 * re-injected (dpif execute, its frames sent together at the end of the
 * batch), so the first packet of a flow is delivered.
 *
 * One thread. The loop above is the handler "thread": misses, control
 * requests and ticks run in turn on one thread. The xs_dp API is not
 * thread-safe and every miss needs the tables a request may be changing,
 * so a second thread would take one lock around all of it and gain
 * nothing on two cores; batching gives the throughput instead. A request
 * is bounded (XS_CTL_IO_TIMEOUT_MS to arrive, then served at once).
 *
 * Tables changed. Every change of the tables, of the port list (flood)
 * or of a port's tx stage goes through xs_agent_tables_changed(): at the
 * end of the batch (at once outside one) the revalidator (revalidator.h)
 * checks every megaflow and the change is journaled and fsync'ed, before
 * the answer of any request of the batch is sent, so no packet follows
 * stale actions, and a restart loses no change, once a command has
 * returned. */
#ifndef XS_DAEMON_AGENT_H
#define XS_DAEMON_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/bridge/mac_table.h"
#include "agent/bridge/ports.h"
#include "agent/control/proto.h"
#include "agent/control/server.h"
#include "agent/daemon/persist.h"
#include "agent/dpif/dpif.h"
#include "agent/openflow/ofswitch.h"
#include "agent/pipeline/flow_table.h"
#include "agent/pipeline/normal.h"

struct xs_agent;

/* What the agent did with the records it read from the datapath. */
struct xs_agent_miss_stats {
	uint64_t upcalls;      /* records read */
	uint64_t translated;   /* distinct keys translated (per batch) */
	uint64_t installed;    /* megaflows installed */
	uint64_t install_failed; /* not installed (table full, race, ...) */
	uint64_t hash_collisions; /* of them: megaflow hash owned by another flow */
	uint64_t executed;     /* packets re-injected */
	uint64_t exec_failed;  /* re-injections that failed */
	uint64_t truncated;    /* misses too long to re-inject: dropped */
	uint64_t xlate_failed; /* translation errors (packet dropped) */
	uint64_t no_port;      /* ingress ifindex not a port */
	uint64_t controller;   /* sent by a controller action */
	uint64_t ttl_expired;  /* dec_ttl expired: dropped */
};

struct xs_agent_opts {
	const char *bridge;        /* XS_CTL_DEFAULT_BRIDGE if NULL */
	const char *flows_file;    /* --flows, may be NULL */
	const char *dp_object;     /* --datapath-object: the "object" provider */
	bool force;                /* replace foreign XDP programs / TC filters */
	int mode;                  /* --mode native|skb (enum xs_xdp_mode), default auto */
	bool no_libxdp;            /* --no-libxdp: plain bpf_xdp_attach */
	bool verbose;              /* --verbose: libbpf/libxdp info messages */
	bool no_datapath;          /* --no-datapath: ports tracked, nothing attached */
	const char *datapath;      /* --datapath TYPE: the provider (NULL: "xdp") */
	uint32_t max_idle_ms;      /* --max-idle: megaflow idle expiry; 0: default */
	uint32_t flow_limit;       /* --flow-limit: megaflows at most; 0: default,
	                            * never above the datapath's max_flows */
	uint32_t max_flows;        /* --max-flows: datapath megaflow table size;
	                            * 0: XS_DEFAULT_MAX_FLOWS */
	bool miss_limit_set;       /* --miss-rate given (0 turns the limit off) */
	uint32_t miss_rate;        /* --miss-rate: upcalls per second per port */
	uint32_t miss_burst;       /* --miss-burst: bucket depth; 0: miss_rate */
	uint32_t mask_budget;      /* --mask-budget: masks per port; 0: default */
	bool cleanup;              /* --cleanup: remove what a stop left, exit */
	uint32_t mac_table_size;   /* --mac-table-size (NORMAL); 0: default */
	uint32_t mac_aging_s;      /* --mac-aging seconds (NORMAL); 0: default */
	int hw_offload;            /* --hw-offload (enum xs_hw_offload), default off */
	int tc_policy;             /* --tc-policy (enum xs_tc_policy), default skip_sw */
	struct of_switch_opts openflow; /* --controller, --listen, ... */
	char **port_specs;         /* IFACE[=OFPORT] from the command line */
	int n_port_specs;
};

struct xs_agent {
	struct xs_agent_opts opts;
	char bridge[XS_CTL_BRIDGE_MAX + 1];
	struct xs_port_table ports;
	struct xs_ctl_server ctl;
	char lock_path[108];
	char sock_path[108];
	char state_path[108]; /* <run dir>/<bridge>.state */
	int lock_fd;
	int signal_fd;
	const struct xs_dpif_class *dp_class; /* NULL: --no-datapath */
	struct xs_dpif *dpif; /* the open datapath, or NULL */
	struct dp_xs *dp;     /* megaflow bookkeeping (dp_xs.h), when the
	                       * datapath has megaflows */
	bool keep_fast_path;  /* fini leaves ports attached, maps pinned */
	struct xs_agent_miss_stats miss; /* what became of the misses read */
	struct flow_tables *pipeline; /* the OpenFlow tables */
	struct wire_store wire; /* controllers' bytes per rule (pipeline->wire) */
	struct xs_agent_persist persist; /* batches, journal, snapshots */
	uint32_t *ofports;    /* the ports' OpenFlow numbers (flood/all) */
	struct xs_ops *ops;   /* counter samples for rates (agent/ops/views.h) */
	struct xs_mac_table macs; /* NORMAL's MAC table (fdb.h) */
	struct xs_normal normal;  /* what NORMAL reads: ports, macs */
	uint64_t macs_seen;   /* macs.changes at the last revalidation */
	struct of_switch *of; /* OpenFlow connections (agent/openflow/), or
	                       * NULL without --controller and --listen */
	volatile sig_atomic_t stop;
};

/* Runs the agent until SIGINT/SIGTERM (see above). @dp_class NULL
 * picks the "object" provider when opts->dp_object is set, none with
 * opts->no_datapath, else opts->datapath ("xdp", the switch's fast path,
 * by default). Errors are printed on stderr. Returns the process exit
 * code: 0 after a clean stop, 1 when start-up failed (nothing is left
 * behind). */
int xs_agent_run(const struct xs_agent_opts *opts, const struct xs_dpif_class *dp_class);

/* Fills *a for opts and dp_class (see xs_agent_run for the NULL choice)
 * without side effects: no lock, socket, datapath or port yet; the tables
 * are empty. Returns 0, -EINVAL (bad bridge name), -ENAMETOOLONG (run
 * directory too long) or -ENOMEM. Call xs_agent_fini even after an error.
 * xs_agent_run calls it; tests use it to drive handlers directly. */
int xs_agent_init(struct xs_agent *a, const struct xs_agent_opts *opts,
		  const struct xs_dpif_class *dp_class);

/* Releases what the agent holds: detaches every port, closes the datapath
 * (if it was opened), the socket (file removed) and the lock. Idempotent. */
void xs_agent_fini(struct xs_agent *a);

/* Adds one port ("IFACE[=OFPORT]"): the datapath's port_add (the XDP
 * provider attaches its programs), then the bridge's port table. On error
 * nothing changes and `why` says what is wrong. Returns 0, -EINVAL (bad
 * spec), -ENODEV (no such interface), -EEXIST (already a port),
 * -EADDRINUSE (number taken), -EBUSY (without force: a foreign program or
 * TC filter, or our own program while another bridge's agent runs, i.e.
 * probably that bridge's port), or another -errno. */
int xs_agent_port_attach(struct xs_agent *a, const char *spec, bool force,
			 char *why, size_t why_size);

/* The same with XS_DPIF_PORT_F_* flags (a restart gives back what
 * port_flags() saved). */
int xs_agent_port_attach_flags(struct xs_agent *a, const char *spec, uint32_t flags,
			       char *why, size_t why_size);

/* The datapath's name for `show` and logs: "xdp", "object", "dummy",
 * "none". */
const char *xs_agent_dp_name(const struct xs_agent *a);

/* Detaches and removes one port. Returns 0 or -ENOENT. */
int xs_agent_port_detach(struct xs_agent *a, const char *name);

/* Asks the datapath to probe its ports again (also done once a second by
 * the loop and after each attach/detach); logs changes, and revalidates
 * when a port changed. */
void xs_agent_ports_reprobe(struct xs_agent *a);

/* Formats the bridge and its ports for `show` (text, or one JSON object). */
void xs_agent_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json);

/* The tables or ports changed: refreshes the pipeline's port list; the
 * revalidation (xs_bridge_dp_tables_changed) and saving follow at the end
 * of the batch, or now outside one (see "Tables changed" above). */
void xs_agent_tables_changed(struct xs_agent *a);

/* Makes the changes made so far durable without revalidating (persist.c):
 * the queued journal records as one batch (one write, one fsync), or a
 * snapshot when one is due. The datapath calls it after rules timed out.
 * A failure is logged. Does nothing while the agent starts, cleans up or
 * stops. Returns 0 or -errno. */
int xs_agent_save_state(struct xs_agent *a);

/* The datapath provider the agent drives, or NULL (--no-datapath, or not
 * open yet). */
struct xs_dpif *xs_agent_dpif(struct xs_agent *a);

/* --- the bridge's side of the datapath (dp_xs.c) ------------------------- */

/* Opens a->dp_class for the bridge and, when it has megaflows, the miss
 * handling and revalidator over it. 0 or -errno with @why set. */
int xs_bridge_dp_open(struct xs_agent *a, char *why, size_t why_size);
/* Closes what xs_bridge_dp_open opened (the fast path stays for the next
 * agent when a->keep_fast_path). Idempotent. */
void xs_bridge_dp_close(struct xs_agent *a);
/* Revalidation after a change of tables or ports (see "Tables changed"). */
void xs_bridge_dp_tables_changed(struct xs_agent *a);
/* The fd the loop polls for upcalls, or -1. */
int xs_bridge_dp_poll_fd(struct xs_agent *a);
/* Once a second: counters, timeouts, idle megaflows, the provider's run. */
void xs_bridge_dp_tick(struct xs_agent *a);
/* `show`: the provider's counters, the misses and the revalidator. */
void xs_bridge_dp_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json);
/* Rule counters up to date (dump-flows). */
void xs_bridge_dp_sync_stats(struct xs_agent *a);
/* dump-megaflows, like ovs-appctl dpctl/dump-flows. */
/* @type: XS_MF_TYPE_* (dump-megaflows --type=offloaded|non-offloaded). */
enum { XS_MF_TYPE_ALL = 0, XS_MF_TYPE_OFFLOADED, XS_MF_TYPE_NOT_OFFLOADED };
void xs_bridge_dp_dump_megaflows(struct xs_agent *a, struct xs_ctl_buf *out, bool json,
				 int type);

/* Handles every upcall waiting in the datapath now (what the loop does
 * when the datapath's fd is readable). */
void xs_agent_upcalls_run(struct xs_agent *a);
/* Records read but not handled yet (the loop runs again without waiting). */
bool xs_agent_upcalls_pending(struct xs_agent *a);

/* Logs "xdpswitch[BRIDGE]: ..." with a newline on stderr. */
void xs_agent_log(const struct xs_agent *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The control-socket handler (agent/daemon/handlers.c): ctx is the agent. */
int xs_agent_handle_request(void *ctx, int argc, char **argv, struct xs_ctl_buf *out);

/* SIGHUP: replaces the tables with the flows of opts.flows_file, atomically
 * (a file with an error changes nothing; the error is logged with its
 * FILE:LINE:COL), as `xdpswitch replace-flows FILE` would (reload.c). */
void xs_agent_reload(struct xs_agent *a);

/* Loads --flows FILE at start-up (agent/daemon/flow_cmds.c). Returns 0 or
 * -errno with `why` set. */
int xs_agent_flows_load(struct xs_agent *a, const char *path, char *why, size_t why_size);

#endif
