/* The agent daemon of one bridge: its ports, control socket, lock, main
 * loop, and the seams where the datapath and the OpenFlow pipeline plug in.
 *
 * Life of an agent (xs_agent_run):
 *   1. checks: BPF permission, bpffs mounted (mounted if not), bridge name;
 *   2. the bridge lock <run dir>/<bridge>.lock (flock, holds our pid): a
 *      second agent for the same bridge stops here;
 *   3. dp_ops->open: the datapath loads its programs (xdp/tc prog fds);
 *   4. flows_load (--flows FILE), then the ports given on the command line
 *      are attached (xs_agent_port_attach); any failure undoes all of it;
 *   5. the control socket <run dir>/<bridge>.sock (mode 0600) opens;
 *   6. the loop polls the socket, the datapath's fd and a signalfd for
 *      SIGINT/SIGTERM/SIGHUP; about once a second it re-probes the ports' tx
 *      (see ports.h) and calls dp_ops->tick;
 *   7. on a signal: the ports stay attached and the maps pinned, so the
 *      fast path keeps forwarding the installed megaflows while no agent
 *      runs (misses wait in the ringbuf, up to its size); socket removed,
 *      lock released (the lock file stays, as lock files do);
 *      xs_agent_run returns 0. A bridge without ports leaves nothing;
 *      nor does a datapath that cannot be adopted (!outlives_agent).
 * Restart. The rules and ports are saved in <run dir>/<bridge>.state
 * (state_file.h) after every change. A new agent adopts the pinned maps
 * and their megaflows, reloads the state (before --flows, which replaces
 * its rules), re-attaches the ports (our stale program is replaced), and
 * then revalidates every adopted megaflow before serving requests.
 * `xdpswitch agent --cleanup` attaches the saved ports once more and then
 * detaches them, unpins the maps and removes the state file. When the
 * pinned maps cannot be adopted (another build's layout or sizes, a
 * damaged pin directory) or the state file does not parse, it falls back
 * to a teardown that adopts nothing (cleanup.h): our programs are found by
 * name and by the pinned maps they use, the pin directory and the state
 * file are removed; exit 0 only if nothing of the bridge is left. With
 * neither pins nor state it says there is nothing to clean up. A normal
 * start with such pins is refused, changes nothing, and names --cleanup.
 * A request is served to completion before the loop goes on; a client
 * gets XS_CTL_IO_TIMEOUT_MS to send it, so a stuck client delays misses
 * by that much at most.
 *
 * Datapath seam. struct xs_agent_dp_ops is the only way the agent touches
 * the fast path. xs_agent_dp_xs (dp_xs.c) is the switch's own datapath
 * (agent/datapath/dp.h): maps pinned under /sys/fs/bpf/xdpswitch/BRIDGE,
 * ports in the devmap, misses handed to xs_agent_handle_upcall, masks
 * ranked each tick, counters in `show`. xs_agent_dp_none tracks ports
 * without attaching anything; xs_agent_dp_object loads a BPF object file
 * and attaches its first XDP and first TC program (development, tests).
 *
 * Requests. Each control request is dispatched through the table in
 * agent/daemon/handlers.c by argv[0]; each handler appends its output and
 * returns the exit status (0 ok, 1 failed, 2 usage). The flow commands
 * (agent/daemon/flow_cmds.c) change a->pipeline, the OpenFlow tables.
 *
 * Misses (agent/daemon/upcall.c). The datapath's ringbuf is read in
 * batches of XS_UPCALL_BATCH records; records with the same key (and
 * reason) in one batch are translated once, installed once, and every one
 * of their packets is re-injected (xs_dp_execute), so the first packet of
 * a flow is delivered.
 *
 * One thread. The loop above is the handler "thread": misses, control
 * requests and ticks run in turn on one thread. The xs_dp API is not
 * thread-safe and every miss needs the tables a request may be changing,
 * so a second thread would take one lock around all of it and gain
 * nothing on two cores; batching gives the throughput instead. A request
 * is bounded (XS_CTL_IO_TIMEOUT_MS to arrive, then served at once).
 *
 * Tables changed. Every change of the tables, of the port list (flood)
 * or of a port's tx stage goes through xs_agent_tables_changed(): the
 * state file is rewritten and the revalidator (revalidator.h) checks
 * every megaflow before the command returns, so no packet follows stale
 * actions once it has returned. */
#ifndef XS_DAEMON_AGENT_H
#define XS_DAEMON_AGENT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/control/proto.h"
#include "agent/control/server.h"
#include "agent/datapath/attach.h"
#include "agent/datapath/ports.h"
#include "agent/pipeline/flow_table.h"

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
	const char *dp_object;     /* --datapath-object: use xs_agent_dp_object */
	bool force;                /* replace foreign XDP programs / TC filters */
	enum xs_xdp_mode mode;     /* --mode native|skb, default auto */
	bool no_libxdp;            /* --no-libxdp: plain bpf_xdp_attach */
	bool verbose;              /* --verbose: libbpf/libxdp info messages */
	bool no_datapath;          /* --no-datapath: xs_agent_dp_none */
	const char *datapath;      /* --datapath TYPE: the provider (NULL: "xdp") */
	uint32_t max_idle_ms;      /* --max-idle: megaflow idle expiry; 0: default */
	uint32_t flow_limit;       /* --flow-limit: megaflows at most; 0: default,
	                            * never above the datapath's max_flows */
	uint32_t max_flows;        /* --max-flows: datapath megaflow table size;
	                            * 0: XS_DEFAULT_MAX_FLOWS */
	bool cleanup;              /* --cleanup: remove what a stop left, exit */
	char **port_specs;         /* IFACE[=OFPORT] from the command line */
	int n_port_specs;
};

/* How the agent drives a datapath. Every hook may be NULL. Hooks return
 * 0 or -errno and explain failures in `why` (a short phrase, no newline). */
struct xs_agent_dp_ops {
	const char *name;
	/* The fast path keeps forwarding when the agent stops (pinned maps a
	 * restarted agent adopts): a stop leaves the ports attached. */
	bool outlives_agent;
	/* Loads the programs: sets a->xdp_prog_fd / a->tc_prog_fd (or leaves
	 * them -1: ports are then not attached) and a->dp. close is called
	 * once at the end if and only if open succeeded. */
	int (*open)(struct xs_agent *a, char *why, size_t why_size);
	void (*close)(struct xs_agent *a);
	/* A port was attached / is about to be detached. */
	int (*port_added)(struct xs_agent *a, struct xs_port *p, char *why, size_t why_size);
	void (*port_removed)(struct xs_agent *a, struct xs_port *p);
	/* p->tx changed (a veth peer gained or lost its XDP program or GRO):
	 * megaflows that output to p may need the other stage. */
	void (*tx_changed)(struct xs_agent *a, struct xs_port *p);
	/* fd the loop polls for input (e.g. the miss ringbuf), or -1. */
	int (*poll_fd)(struct xs_agent *a);
	/* The poll_fd is readable. */
	void (*on_ready)(struct xs_agent *a);
	/* About once a second (revalidation, mask ranking, expiry). */
	void (*tick)(struct xs_agent *a);
	/* Extra lines for `show` (counters); JSON members when json. */
	void (*show)(struct xs_agent *a, struct xs_ctl_buf *out, bool json);
	/* The tables, the port list or a port's tx changed: no installed
	 * megaflow may keep actions from before (see above). */
	void (*tables_changed)(struct xs_agent *a);
	/* Credit the megaflows' counters to their rules (dump-flows). */
	void (*sync_stats)(struct xs_agent *a);
	/* dump-megaflows: text like ovs-appctl dpctl/dump-flows, or JSON. */
	void (*dump_megaflows)(struct xs_agent *a, struct xs_ctl_buf *out, bool json);
};

extern const struct xs_agent_dp_ops xs_agent_dp_none;
extern const struct xs_agent_dp_ops xs_agent_dp_object;
extern const struct xs_agent_dp_ops xs_agent_dp_xs;

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
	const struct xs_agent_dp_ops *dp_ops;
	int xdp_prog_fd;      /* -1: nothing to attach */
	int tc_prog_fd;       /* -1: no TC stage */
	void *dp;             /* datapath state, owned by dp_ops */
	bool dp_opened;       /* dp_ops->open succeeded: close is due */
	bool keep_fast_path;  /* fini leaves ports attached, maps pinned */
	bool noted_no_dispatcher; /* logged once that libxdp has no dispatcher */
	struct xs_agent_miss_stats miss; /* what became of the misses read */
	struct flow_tables *pipeline; /* the OpenFlow tables */
	uint32_t *ofports;    /* the ports' OpenFlow numbers (flood/all) */
	volatile sig_atomic_t stop;
};

/* Runs the agent until SIGINT/SIGTERM/SIGHUP (see above). dp_ops NULL picks
 * xs_agent_dp_object when opts->dp_object is set, xs_agent_dp_none with
 * opts->no_datapath, else xs_agent_dp_xs (the switch's fast path).
 * Errors are printed on stderr. Returns the process exit code: 0 after a
 * clean stop, 1 when start-up failed (nothing is left behind). */
int xs_agent_run(const struct xs_agent_opts *opts, const struct xs_agent_dp_ops *dp_ops);

/* Fills *a for opts and dp_ops (see xs_agent_run for the NULL choice)
 * without side effects: no lock, socket, datapath or port yet; the tables
 * are empty. Returns 0, -EINVAL (bad bridge name), -ENAMETOOLONG (run
 * directory too long) or -ENOMEM. Call xs_agent_fini even after an error.
 * xs_agent_run calls it; tests use it to drive handlers directly. */
int xs_agent_init(struct xs_agent *a, const struct xs_agent_opts *opts,
		  const struct xs_agent_dp_ops *dp_ops);

/* Releases what the agent holds: detaches every port, closes the datapath
 * (if it was opened), the socket (file removed) and the lock. Idempotent. */
void xs_agent_fini(struct xs_agent *a);

/* Adds and attaches one port ("IFACE[=OFPORT]"): port table, XDP and TC
 * attach (when the datapath has programs), tx probe, dp_ops->port_added.
 * On error nothing changes and `why` says what is wrong. Returns 0,
 * -EINVAL (bad spec), -ENODEV (no such interface), -EEXIST (already a
 * port), -EADDRINUSE (number taken), -EBUSY (without force: a foreign
 * program or TC filter, or our own program while another bridge's agent
 * runs, i.e. probably that bridge's port), or another -errno. */
int xs_agent_port_attach(struct xs_agent *a, const char *spec, bool force,
			 char *why, size_t why_size);

/* Detaches and removes one port. Returns 0 or -ENOENT. */
int xs_agent_port_detach(struct xs_agent *a, const char *name);

/* Probes every port's tx again (also done once a second by the loop and
 * after each attach/detach); logs changes and calls dp_ops->tx_changed. */
void xs_agent_ports_reprobe(struct xs_agent *a);

/* Formats the bridge and its ports for `show` (text, or one JSON object). */
void xs_agent_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json);

/* The tables or ports changed: refreshes the pipeline's port list and
 * calls dp_ops->tables_changed (see "Tables changed" above). */
void xs_agent_tables_changed(struct xs_agent *a);

/* Rewrites the state file (rules and ports); a failure is logged. Does
 * nothing while the agent starts or cleans up. Returns 0 or -errno. */
int xs_agent_save_state(struct xs_agent *a);

/* The datapath provider the agent drives, or NULL (--no-datapath, a
 * datapath object, or not open yet). */
struct xs_dpif *xs_agent_dpif(struct xs_agent *a);

/* True when the datapath's ports are names without interfaces (a
 * userspace provider): nothing is attached, port numbers are made up. */
bool xs_agent_virtual_ports(const struct xs_agent *a);

/* Handles every upcall waiting in the datapath now (what the loop does
 * when the datapath's fd is readable). */
void xs_agent_upcalls_run(struct xs_agent *a);

/* Logs "xdpswitch[BRIDGE]: ..." with a newline on stderr. */
void xs_agent_log(const struct xs_agent *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The control-socket handler (agent/daemon/handlers.c): ctx is the agent. */
int xs_agent_handle_request(void *ctx, int argc, char **argv, struct xs_ctl_buf *out);

/* Loads --flows FILE at start-up (agent/daemon/flow_cmds.c). Returns 0 or
 * -errno with `why` set. */
int xs_agent_flows_load(struct xs_agent *a, const char *path, char *why, size_t why_size);

#endif
