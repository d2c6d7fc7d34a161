// SPDX-License-Identifier: Apache-2.0
/* The agent's life cycle: start-up checks, bridge lock, ports, control
 * socket, the poll loop and a clean stop on SIGINT/SIGTERM (SIGHUP
 * reloads the flow file). */
#include "agent/daemon/agent.h"
#include "agent/daemon/cleanup.h"
#include "agent/daemon/fdb.h"
#include "agent/daemon/persist.h"
#include "agent/daemon/sd_notify.h"
#include "agent/daemon/state_file.h"
#include "agent/ops/views.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

void xs_agent_log(const struct xs_agent *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xdpswitch[%s]: ", a->bridge);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --cleanup leaves no trace: the lock file goes while we still hold the
 * lock, so no agent can hold it on the file being removed (one starting
 * right now creates a new file and runs). */
static void remove_lock(struct xs_agent *a)
{
	if (a->lock_fd >= 0 && unlink(a->lock_path) && errno != ENOENT)
		xs_agent_log(a, "removing %s: %s", a->lock_path, strerror(errno));
}

/* Takes the bridge lock; on -EBUSY *holder is the running agent's pid. */
static int take_lock(struct xs_agent *a, long *holder)
{
	char buf[32];
	ssize_t n;
	int fd;

	*holder = 0;
	if (mkdir(xs_ctl_run_dir(), 0755) && errno != EEXIST)
		return -errno;
	fd = open(a->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			*holder = strtol(buf, NULL, 10);
		}
		close(fd);
		return err;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n) {
		close(fd);
		return -errno;
	}
	a->lock_fd = fd;
	return 0;
}

/* SIGINT/SIGTERM (stop) and SIGHUP (reload the flow file) arrive through
 * a signalfd, so the loop handles them between requests and misses. */
static int open_signals(struct xs_agent *a)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	a->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return a->signal_fd < 0 ? -errno : 0;
}

/* The datapath port of interface @name without a provider (--no-datapath):
 * its ifindex, nothing attached. */
static int untracked_port(const char *name, uint32_t *port, char *why, size_t why_size)
{
	*port = if_nametoindex(name);
	if (*port)
		return 0;
	snprintf(why, why_size, "no interface '%s'", name);
	return -ENODEV;
}

int xs_agent_port_attach(struct xs_agent *a, const char *spec, bool force,
			 char *why, size_t why_size)
{
	return xs_agent_port_attach_flags(a, spec, force ? XS_DPIF_PORT_F_FORCE : 0, why,
					  why_size);
}

int xs_agent_port_attach_flags(struct xs_agent *a, const char *spec, uint32_t flags,
			       char *why, size_t why_size)
{
	char name[IF_NAMESIZE], note[512] = "", sub[256] = "";
	struct xs_port *p, *other;
	struct xs_port_vlan vlan;
	struct xs_err perr;
	uint32_t ofport, dp_port = 0;
	int err;

	err = xs_port_spec_parse(spec, name, &ofport, &vlan, &perr);
	if (err) {
		snprintf(why, why_size, "'%s', column %d: %s", spec, perr.col, perr.msg);
		return err;
	}
	p = xs_ports_by_name(&a->ports, name);
	if (p) {
		snprintf(why, why_size, "'%s' is already port %u", name, p->ofport);
		return -EEXIST;
	}
	other = ofport ? xs_ports_by_ofport(&a->ports, ofport) : NULL;
	if (other) {
		snprintf(why, why_size, "OpenFlow port %u is already '%s'", ofport, other->name);
		return -EADDRINUSE;
	}
	if (!a->dpif) {
		err = untracked_port(name, &dp_port, why, why_size);
		if (err)
			return err;
	} else {
		err = a->dpif->cls->port_add(a->dpif, name, flags, &dp_port, note, sizeof(note),
					     sub, sizeof(sub));
		if (note[0])
			xs_agent_log(a, "%s", note);
		if (err == -ENODEV || err == -EBUSY) {
			snprintf(why, why_size, "%s", sub);
			return err;
		}
		if (err) {
			snprintf(why, why_size, "datapath refused port '%s': %s", name,
				 sub[0] ? sub : strerror(-err));
			return err;
		}
	}
	err = xs_ports_add(&a->ports, name, dp_port, ofport, &p);
	if (err) {
		if (err == -EEXIST)
			snprintf(why, why_size, "datapath port %u is already a port", dp_port);
		else
			snprintf(why, why_size, "adding port '%s': %s", name, strerror(-err));
		if (a->dpif)
			a->dpif->cls->port_del(a->dpif, dp_port, note, sizeof(note));
		return err;
	}
	p->vlan = vlan;
	if (a->dpif && a->dpif->cls->port_show) {
		struct xs_ctl_buf desc;

		xs_ctl_buf_init(&desc);
		a->dpif->cls->port_show(a->dpif, dp_port, &desc, false);
		xs_agent_log(a, "port %u: %s, %s", p->ofport, name, desc.data ? desc.data : "");
		xs_ctl_buf_free(&desc);
	} else {
		xs_agent_log(a, "port %u: %s (datapath port %u)", p->ofport, name, dp_port);
	}
	xs_agent_journal_port(a, p);
	xs_agent_tables_changed(a);
	if (a->of)
		of_switch_port_status(a->of, p->ofport, name, 0 /* OFPPR_ADD */);
	return 0;
}

int xs_agent_port_detach(struct xs_agent *a, const char *name)
{
	struct xs_port *p = xs_ports_by_name(&a->ports, name);
	char note[256] = "";
	int err;

	if (!p)
		return -ENOENT;
	if (a->dpif && a->dpif->cls->port_del(a->dpif, p->dp_port, note, sizeof(note)) && note[0])
		xs_agent_log(a, "%s", note);
	xs_agent_log(a, "port %u: %s detached", p->ofport, name);
	xs_agent_journal_unport(a, name);
	xs_mac_flush(&a->macs, p->ofport); /* its hosts are gone with it */
	a->macs_seen = a->macs.changes;    /* the revalidation below covers it */
	if (a->of)
		of_switch_port_status(a->of, p->ofport, name, 1 /* OFPPR_DELETE */);
	err = xs_ports_del(&a->ports, name);
	xs_agent_tables_changed(a);
	return err;
}

void xs_agent_tables_changed(struct xs_agent *a)
{
	uint32_t *ofports = NULL;

	if (a->ports.n) {
		ofports = realloc(a->ofports, a->ports.n * sizeof(*ofports));
		if (!ofports) {
			/* keep the old list: flood then misses a new port */
			xs_agent_log(a, "out of memory for the port list");
			ofports = a->ofports;
		} else {
			for (size_t i = 0; i < a->ports.n; i++)
				ofports[i] = a->ports.ports[i].ofport;
			a->ofports = ofports;
			if (a->pipeline)
				a->pipeline->n_ports = (unsigned)a->ports.n;
		}
	} else if (a->pipeline) {
		a->pipeline->n_ports = 0;
	}
	if (a->pipeline)
		a->pipeline->ports = a->ofports;
	/* Revalidation and saving wait for the end of the batch (persist.h). */
	a->persist.dirty = true;
	if (!a->persist.batch_depth)
		xs_agent_commit(a);
}

static void show_text(struct xs_agent *a, struct xs_ctl_buf *out)
{
	xs_ctl_printf(out, "bridge %s: datapath %s, %zu port%s\n", a->bridge, xs_agent_dp_name(a),
		      a->ports.n, a->ports.n == 1 ? "" : "s");
	for (size_t i = 0; i < a->ports.n; i++) {
		struct xs_port *p = &a->ports.ports[i];
		char vlan[XS_PORT_VLAN_TEXT_MAX];

		xs_ctl_printf(out, " %u(%s): ", p->ofport, p->name);
		if (a->dpif && a->dpif->cls->port_show)
			a->dpif->cls->port_show(a->dpif, p->dp_port, out, false);
		else
			xs_ctl_printf(out, "datapath port %u", p->dp_port);
		xs_port_vlan_describe(&p->vlan, vlan, sizeof(vlan));
		xs_ctl_printf(out, "; %s\n", vlan);
	}
	xs_ctl_printf(out, "flows: %zu\n", a->pipeline ? a->pipeline->n_rules : 0);
	xs_fdb_show(a, out, false);
	if (a->of)
		of_switch_show(a->of, out, false);
}

/* Names, bridge and interface names need no JSON escaping: they are
 * checked to be printable without quotes or backslashes. */
static void show_json(struct xs_agent *a, struct xs_ctl_buf *out)
{
	xs_ctl_printf(out, "{\"bridge\": \"%s\", \"datapath\": \"%s\", \"flows\": %zu, "
		      "\"ports\": [", a->bridge, xs_agent_dp_name(a),
		      a->pipeline ? a->pipeline->n_rules : 0);
	for (size_t i = 0; i < a->ports.n; i++) {
		struct xs_port *p = &a->ports.ports[i];

		char vlan[XS_PORT_VLAN_TEXT_MAX];

		xs_port_vlan_format(&p->vlan, vlan, sizeof(vlan));
		xs_ctl_printf(out, "%s{\"ofport\": %u, \"name\": \"%s\", \"dp_port\": %u, "
			      "\"vlan\": \"%s\"", i ? ", " : "", p->ofport, p->name, p->dp_port,
			      vlan);
		if (a->dpif && a->dpif->cls->port_show) {
			xs_ctl_printf(out, ", ");
			a->dpif->cls->port_show(a->dpif, p->dp_port, out, true);
		}
		xs_ctl_printf(out, "}");
	}
	xs_ctl_printf(out, "]");
	xs_fdb_show(a, out, true);
	if (a->of)
		of_switch_show(a->of, out, true);
	xs_bridge_dp_show(a, out, true);
	xs_ctl_printf(out, "}\n");
}

void xs_agent_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json)
{
	if (json) {
		show_json(a, out);
		return;
	}
	show_text(a, out);
	xs_bridge_dp_show(a, out, false);
}

/* A veth peer gains or loses its XDP program or GRO at any time: the
 * provider probes its ports, and megaflows through a changed one move. */
void xs_agent_ports_reprobe(struct xs_agent *a)
{
	uint32_t changed[64];
	int n;

	if (!a->dpif || !a->dpif->cls->ports_refresh)
		return;
	n = a->dpif->cls->ports_refresh(a->dpif, changed, 64);
	for (int i = 0; i < n; i++) {
		struct xs_port *p = xs_ports_by_dp_port(&a->ports, changed[i]);
		struct xs_ctl_buf desc;

		if (!p)
			continue;
		xs_ctl_buf_init(&desc);
		a->dpif->cls->port_show(a->dpif, p->dp_port, &desc, false);
		xs_agent_log(a, "port %u: %s: now %s", p->ofport, p->name,
			     desc.data ? desc.data : "");
		xs_ctl_buf_free(&desc);
	}
	if (n > 0)
		xs_agent_tables_changed(a);
}

static void detach_all(struct xs_agent *a)
{
	while (a->ports.n)
		xs_agent_port_detach(a, a->ports.ports[a->ports.n - 1].name);
}

/* The datapath's fd for port changes, or -1 (poll them once a second). */
static int ports_fd(struct xs_agent *a)
{
	return a->dpif && a->dpif->cls->ports_fd ? a->dpif->cls->ports_fd(a->dpif) : -1;
}

#define TICK_MS 1000

static void loop(struct xs_agent *a)
{
	uint64_t last_tick = xs_mono_ms();

	while (!a->stop) {
		uint64_t since = xs_mono_ms() - last_tick;
		struct pollfd pf[4 + OFS_MAX_POLLFDS] = {
			{ .fd = a->signal_fd, .events = POLLIN },
			{ .fd = xs_ctl_server_poll_fd(&a->ctl), .events = POLLIN },
			{ .fd = xs_bridge_dp_poll_fd(a), .events = POLLIN },
			{ .fd = ports_fd(a), .events = POLLIN },
		};
		/* OpenFlow connections after the agent's own fds */
		unsigned n_of = a->of ? of_switch_pollfds(a->of, pf + 4, OFS_MAX_POLLFDS) : 0;
		/* Until the next tick, not a whole second from now: requests and
		 * misses wake the loop and must not push the tick (timeouts,
		 * expiry) later. */
		bool pending = xs_agent_upcalls_pending(a); /* queued misses: no wait */
		int n = poll(pf, 4 + n_of,
			     since >= TICK_MS || pending ? 0 : (int)(TICK_MS - since));

		if (n < 0 && errno != EINTR) {
			xs_agent_log(a, "poll: %s; stopping", strerror(errno));
			break;
		}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(a->signal_fd, &si, sizeof(si)) != sizeof(si)) {
				/* nothing (another reader took it) */
			} else if (si.ssi_signo == SIGHUP) {
				xs_agent_reload(a); /* reload.c */
			} else {
				xs_agent_log(a, "%s received, stopping",
					     si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
				a->stop = 1;
				break;
			}
		}
		/* One batch per round: a connection with more requests is
		 * served again after the misses below. */
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR))
			xs_ctl_server_serve(&a->ctl, &xs_agent_ctl_ops, a);
		if ((pf[2].revents & POLLIN) || pending)
			xs_agent_upcalls_run(a);
		if (pf[3].revents & POLLIN)
			xs_agent_ports_reprobe(a);
		if (n_of)
			of_switch_run(a->of, pf + 4, n_of);
		if (xs_mono_ms() - last_tick >= TICK_MS) {
			last_tick = xs_mono_ms();
			if (pf[3].fd < 0)
				xs_agent_ports_reprobe(a); /* nothing tells: poll */
			xs_bridge_dp_tick(a);
			xs_ops_sample(a); /* rates for show --stats */
			xs_fdb_tick(a);
			if (a->of)
				of_switch_tick(a->of);
		}
	}
}

void xs_agent_fini(struct xs_agent *a)
{
	of_switch_destroy(a->of); /* no port status for the detaches below */
	a->of = NULL;
	xs_agent_persist_fini(a); /* the detaches below are not saved */
	if (!a->keep_fast_path)
		detach_all(a);
	xs_bridge_dp_close(a);
	xs_ctl_server_close(&a->ctl);
	xs_fdb_fini(a);
	if (a->pipeline) {
		flow_tables_destroy(a->pipeline);
		free(a->pipeline);
		a->pipeline = NULL;
	}
	wire_store_destroy(&a->wire);
	free(a->ofports);
	a->ofports = NULL;
	xs_ops_free(a);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	if (a->signal_fd >= 0)
		close(a->signal_fd);
	a->lock_fd = a->signal_fd = -1;
	xs_ports_free(&a->ports);
}

int xs_agent_init(struct xs_agent *a, const struct xs_agent_opts *opts,
		  const struct xs_dpif_class *dp_class)
{
	const char *bridge = opts->bridge ? opts->bridge : XS_CTL_DEFAULT_BRIDGE;

	memset(a, 0, sizeof(*a));
	a->opts = *opts;
	a->lock_fd = a->signal_fd = -1;
	a->ctl.fd = a->ctl.conn = -1;
	xs_journal_init(&a->persist.journal); /* closed, whatever fails below */
	if (dp_class)
		a->dp_class = dp_class;
	else if (opts->dp_object)
		a->dp_class = &xs_dpif_object;
	else if (!opts->no_datapath)
		a->dp_class = xs_dpif_class_by_type(opts->datapath ? opts->datapath : "xdp");
	xs_ports_init(&a->ports);
	a->pipeline = malloc(sizeof(*a->pipeline));
	if (!a->pipeline)
		return -ENOMEM;
	flow_tables_init(a->pipeline);
	wire_store_init(&a->wire);
	a->pipeline->wire = &a->wire;
	if (xs_fdb_init(a))
		return -ENOMEM;
	if (xs_ctl_check_bridge(bridge))
		return -EINVAL;
	snprintf(a->bridge, sizeof(a->bridge), "%s", bridge);
	if (xs_ctl_path(a->bridge, ".lock", a->lock_path, sizeof(a->lock_path)) ||
	    xs_ctl_path(a->bridge, ".sock", a->sock_path, sizeof(a->sock_path)) ||
	    xs_ctl_path(a->bridge, ".state", a->state_path, sizeof(a->state_path)) ||
	    xs_agent_persist_init(a))
		return -ENAMETOOLONG;
	return 0;
}

/* The fast path did not open (-EINVAL: libbpf refused to reuse a pin;
 * -EPROTONOSUPPORT: a newer megaflow hash version) while maps are pinned
 * for the bridge: they do not fit this build (another build's layout or
 * sizes, or a damaged pin directory). Nothing was changed; says how to go
 * on. */
static void explain_pins(struct xs_agent *a, int err)
{
	char dir[256];

	if ((err != -EINVAL && err != -EPROTONOSUPPORT) || a->dp_class != &xs_dpif_xdp ||
	    xs_pin_dir(a->bridge, dir, sizeof(dir)) || access(dir, F_OK))
		return;
	xs_agent_log(a, "the maps pinned under %s cannot be adopted (%s): left by another "
		     "build or a damaged pin directory; nothing was changed. "
		     "`xdpswitch agent --cleanup --bridge %s` removes them, the programs "
		     "using them and the saved state", dir, strerror(-err), a->bridge);
}

/* Is @spec ("IFACE[=OFPORT]") a port restored from the state file? */
static bool restored_port(struct xs_agent *a, const char *spec)
{
	char name[IF_NAMESIZE];
	struct xs_port_vlan vlan;
	struct xs_err perr;
	uint32_t ofport;

	return !xs_port_spec_parse(spec, name, &ofport, &vlan, &perr) &&
	       xs_ports_by_name(&a->ports, name) != NULL;
}

/* Reloads the rules (unless --flows replaces them) and re-attaches the
 * ports saved by a previous run, snapshot and journal (persist.h);
 * *restarted says whether there was a state. A port whose interface is
 * gone is logged and skipped. Returns 0 or -errno with @why set (a bad
 * snapshot or journal: nothing applied). */
static int restore_state(struct xs_agent *a, bool *restarted, char *why, size_t why_size)
{
	struct xs_state st;
	int err;

	err = xs_agent_load_state(a, &st, why, why_size);
	*restarted = err != -ENOENT;
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	for (size_t i = 0; i < st.n_ports; i++) {
		struct xs_port_record r = { .ofport = st.ports[i].ofport };
		char spec[XS_PORT_VLAN_TEXT_MAX + 64], sub[256] = "";

		snprintf(r.name, sizeof(r.name), "%s", st.ports[i].name);
		snprintf(r.vlan, sizeof(r.vlan), "%s", st.ports[i].vlan);
		xs_port_record_spec(&r, spec, sizeof(spec));
		/* The port ran our programs when the state was saved: what
		 * sits at our XDP and TC hooks now is the previous run's (the
		 * TC attach cannot tell our filter from another), so it is
		 * replaced. */
		err = xs_agent_port_attach_flags(a, spec, XS_DPIF_PORT_F_FORCE |
						 (st.ports[i].created_qdisc ?
						  XS_DPIF_PORT_F_OWNS_QDISC : 0), sub, sizeof(sub));
		if (err == -ENODEV) {
			xs_agent_log(a, "saved port %s: %s; skipped", spec, sub);
			continue;
		}
		if (err) {
			snprintf(why, why_size, "%s: restoring port %s: %s", a->state_path, spec, sub);
			goto out;
		}
	}
	xs_agent_log(a, "restored %zu rules and %zu ports from %s", a->pipeline->n_rules,
		     st.n_ports, a->state_path);
	err = 0;
out:
	xs_state_free(&st);
	return err;
}

int xs_agent_run(const struct xs_agent_opts *opts, const struct xs_dpif_class *dp_class)
{
	bool restarted = false;
	struct xs_agent a;
	char why[1024] = "";
	long holder;
	int err;

	err = xs_agent_init(&a, opts, dp_class);
	if (err == -EINVAL) {
		fprintf(stderr, "xdpswitch agent: bad bridge name '%s' (1-%d of A-Z a-z 0-9 _ . -)\n",
			opts->bridge, XS_CTL_BRIDGE_MAX);
		xs_agent_fini(&a);
		return 1;
	}
	if (err) {
		if (err == -ENAMETOOLONG)
			xs_agent_log(&a, "run directory path too long: %s", xs_ctl_run_dir());
		else
			xs_agent_log(&a, "%s", strerror(-err));
		xs_agent_fini(&a);
		return 1;
	}
	/* Before the lock: a user who cannot run the datapath is told so. */
	if (a.dp_class && a.dp_class->prepare) {
		err = a.dp_class->prepare(opts->verbose, why, sizeof(why));
		if (err) {
			xs_agent_log(&a, "%s", why);
			goto fail;
		}
	}
	err = take_lock(&a, &holder);
	if (err == -EBUSY) {
		xs_agent_log(&a, "another agent (pid %ld) is already running for bridge %s",
			     holder, a.bridge);
		goto fail;
	}
	if (err) {
		xs_agent_log(&a, "cannot lock %s: %s", a.lock_path, strerror(-err));
		goto fail;
	}
	err = open_signals(&a);
	if (err) {
		xs_agent_log(&a, "signalfd: %s", strerror(-err));
		goto fail;
	}
	if (opts->cleanup && a.dp_class == &xs_dpif_xdp && !xs_cleanup_needed(&a)) {
		xs_agent_log(&a, "nothing to clean up: no maps pinned, no saved state");
		remove_lock(&a);
		xs_agent_fini(&a);
		return 0;
	}
	if (a.dp_class) {
		err = xs_bridge_dp_open(&a, why, sizeof(why));
		if (err) {
			xs_agent_log(&a, "datapath %s: %s", xs_agent_dp_name(&a),
				     why[0] ? why : strerror(-err));
			if (opts->cleanup)
				goto fallback;
			explain_pins(&a, err);
			goto fail;
		}
	}
	err = restore_state(&a, &restarted, why, sizeof(why));
	if (err) {
		xs_agent_log(&a, "%s (xdpswitch agent --cleanup removes the saved state)", why);
		if (opts->cleanup)
			goto fallback;
		goto fail;
	}
	if (opts->cleanup) {
		/* The saved ports were attached again: fini detaches them,
		 * unpins the maps; the state and the lock file go too. */
		remove_lock(&a);
		xs_agent_fini(&a);
		if (unlink(a.state_path) && errno != ENOENT)
			xs_agent_log(&a, "removing %s: %s", a.state_path, strerror(errno));
		if (unlink(a.persist.journal_path) && errno != ENOENT)
			xs_agent_log(&a, "removing %s: %s", a.persist.journal_path, strerror(errno));
		xs_agent_log(&a, "cleaned up");
		return 0;
	}
	if (opts->flows_file) {
		err = xs_agent_flows_load(&a, opts->flows_file, why, sizeof(why));
		if (err) {
			xs_agent_log(&a, "%s", why);
			goto fail;
		}
	}
	for (int i = 0; i < opts->n_port_specs; i++) {
		if (restored_port(&a, opts->port_specs[i]))
			continue;
		err = xs_agent_port_attach(&a, opts->port_specs[i], opts->force, why, sizeof(why));
		if (err) {
			xs_agent_log(&a, "%s", why);
			goto fail;
		}
	}
	xs_agent_ports_reprobe(&a);
	if (opts->openflow.n_controllers || opts->openflow.n_listens) {
		err = of_switch_create(&a, &opts->openflow, &a.of, why, sizeof(why));
		if (err) {
			xs_agent_log(&a, "%s", why);
			goto fail;
		}
	}
	err = xs_ctl_server_open(&a.ctl, a.sock_path);
	if (err) {
		xs_agent_log(&a, "control socket %s: %s", a.sock_path, strerror(-err));
		goto fail;
	}
	/* Now that the tables and every port are back: the first full
	 * revalidation (adopted megaflows) and the first state file. */
	xs_agent_tables_changed(&a);
	xs_agent_log(&a, "running: %zu port%s, datapath %s, control socket %s%s", a.ports.n,
		     a.ports.n == 1 ? "" : "s", xs_agent_dp_name(&a), a.sock_path,
		     restarted ? " (restarted from the saved state)" : "");
	xs_sd_notify("READY=1"); /* a Type=notify unit is started now */
	loop(&a);
	xs_sd_notify("STOPPING=1");
	/* The fast path keeps forwarding without us (agent.h, step 7). */
	a.keep_fast_path = a.ports.n > 0 && a.dp_class && a.dp_class->outlives_agent;
	xs_agent_fini(&a);
	if (!a.keep_fast_path) {
		unlink(a.state_path);
		unlink(a.persist.journal_path);
	}
	xs_agent_log(&a, "stopped%s", a.keep_fast_path ? "; the ports keep forwarding "
		     "(xdpswitch agent --cleanup removes the programs)" : "");
	return 0;
fail:
	/* A failed restart leaves the previous run's fast path as it was. */
	a.keep_fast_path = restarted && a.dp_class && a.dp_class->outlives_agent;
	xs_agent_fini(&a);
	return 1;
fallback:
	/* --cleanup without adoption (cleanup.h). What this run attached
	 * runs its programs on the pinned maps, so the sweep finds it too;
	 * fini must not unpin or detach behind it. */
	xs_agent_log(&a, "cleaning up without adopting the datapath");
	err = a.dp_class == &xs_dpif_xdp ? xs_cleanup_fallback(&a) : -EOPNOTSUPP;
	if (err == -EOPNOTSUPP)
		xs_agent_log(&a, "datapath %s has no fallback cleanup", xs_agent_dp_name(&a));
	a.keep_fast_path = true;
	if (!err)
		remove_lock(&a);
	xs_agent_fini(&a);
	return err ? 1 : 0;
}
