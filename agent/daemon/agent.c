/* The agent's life cycle: start-up checks, bridge lock, ports, control
 * socket, the poll loop and a clean stop on SIGINT/SIGTERM/SIGHUP. */
#include "agent/daemon/agent.h"
#include "agent/daemon/cleanup.h"
#include "agent/daemon/state_file.h"
#include "common/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#define BPFFS "/sys/fs/bpf"

void xs_agent_log(const struct xs_agent *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xdpswitch[%s]: ", a->bridge);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool lib_verbose;

/* libbpf and libxdp messages: warnings always, the rest with --verbose. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && !lib_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap); /* libbpf adds its own "libbpf: " */
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBXDP_WARN && !lib_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap); /* libxdp adds its own "libxdp: " */
}

/* Can this process create BPF maps (root, or CAP_BPF)? */
static int check_bpf_permission(void)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = (int)syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int ensure_bpffs(struct xs_agent *a)
{
	struct statfs st;

	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return -errno;
	xs_agent_log(a, "mounted bpffs on %s", BPFFS);
	return 0;
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

/* SIGINT/SIGTERM/SIGHUP arrive through a signalfd, so the loop sees them
 * in poll and stops cleanly (a closed terminal must not leave programs
 * attached). */
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

/* Is another bridge's agent running (its lock held)? Its name goes to
 * bridge[]. */
static bool other_agent_running(const struct xs_agent *a, char *bridge, size_t size)
{
	DIR *d = opendir(xs_ctl_run_dir());
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char path[512];
		int fd;

		if (n <= 5 || strcmp(e->d_name + n - 5, ".lock") ||
		    (n - 5 == strlen(a->bridge) && !strncmp(e->d_name, a->bridge, n - 5)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", xs_ctl_run_dir(), e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK) {
			snprintf(bridge, size, "%.*s", (int)(n - 5), e->d_name);
			found = true;
		}
		close(fd);
	}
	closedir(d);
	return found;
}

/* Without force, an interface that carries a program named like ours
 * while another bridge's agent runs is taken to be that bridge's port. */
static int check_other_bridge(struct xs_agent *a, const char *name, int ifindex,
			      char *why, size_t why_size)
{
	char ours[16], found[16], other[64];
	__u32 id;

	if (xs_prog_name(a->xdp_prog_fd, ours) || xs_xdp_query(ifindex, &id, found) || !id ||
	    strcmp(ours, found) || !other_agent_running(a, other, sizeof(other)))
		return 0;
	snprintf(why, why_size, "'%s' already runs an xdpswitch program (id %u), maybe as a "
		 "port of bridge %s; --force takes it", name, id, other);
	return -EBUSY;
}

static void probe_tx(struct xs_port *p)
{
	int err = xs_port_probe_tx(p);

	if (err)
		snprintf(p->tx_why, sizeof(p->tx_why), "probe failed: %s", strerror(-err));
}

/* A restarted agent finds the previous run's program (named like ours,
 * alone on the hook) still forwarding: it is swapped for ours with one
 * atomic XDP_FLAGS_REPLACE, so no frame meets an empty hook (a detach and
 * attach would drop what arrives in between). Fills p->xdp as a plain
 * attach, which xs_xdp_detach undoes. Returns 0, or -ENOENT when there is
 * no such program (the normal attach follows), or -errno. */
static int swap_in_place(struct xs_agent *a, struct xs_port *p)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char ours[16], found[16];
	__u32 our_id, id, flags;
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int old_fd, err;

	if (bpf_xdp_query(p->ifindex, 0, &q) || !q.prog_id ||
	    (q.attach_mode != XDP_ATTACHED_DRV && q.attach_mode != XDP_ATTACHED_SKB))
		return -ENOENT;
	flags = q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	if ((a->opts.mode == XS_XDP_MODE_NATIVE && flags != XDP_FLAGS_DRV_MODE) ||
	    (a->opts.mode == XS_XDP_MODE_SKB && flags != XDP_FLAGS_SKB_MODE) ||
	    xs_prog_name(a->xdp_prog_fd, ours) || xs_xdp_query(p->ifindex, &id, found) ||
	    id != q.prog_id || strcmp(ours, found))
		return -ENOENT;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(a->xdp_prog_fd, &info, &len))
		return -errno;
	our_id = info.id;
	old_fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (old_fd < 0)
		return -ENOENT;
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old_fd);
	err = bpf_xdp_attach(p->ifindex, a->xdp_prog_fd, flags | XDP_FLAGS_REPLACE, &o) ? -errno : 0;
	close(old_fd);
	if (err)
		return err;
	memset(&p->xdp, 0, sizeof(p->xdp));
	p->xdp.ifindex = p->ifindex;
	p->xdp.mode = flags == XDP_FLAGS_DRV_MODE ? XS_XDP_MODE_NATIVE : XS_XDP_MODE_SKB;
	p->xdp.how = XS_XDP_HOW_PLAIN;
	p->xdp.prog_id = our_id;
	p->xdp.prog_fd = a->xdp_prog_fd;
	snprintf(p->xdp.replaced, sizeof(p->xdp.replaced), "%s", found);
	return 0;
}

int xs_agent_port_attach(struct xs_agent *a, const char *spec, bool force,
			 char *why, size_t why_size)
{
	struct xs_attach_opts ao = { .mode = a->opts.mode, .force = force,
				     .no_libxdp = a->opts.no_libxdp };
	char name[IF_NAMESIZE], found[16], sub[96] = "";
	struct xs_port *p, *other;
	struct xs_err perr;
	uint32_t ofport, id;
	int ifindex, err;

	err = xs_port_spec_parse(spec, name, &ofport, &perr);
	if (err) {
		snprintf(why, why_size, "'%s', column %d: %s", spec, perr.col, perr.msg);
		return err;
	}
	if (xs_agent_virtual_ports(a)) {
		/* A name without an interface: its datapath port is a number
		 * of ours, one above the highest in use. */
		ifindex = 1;
		for (size_t i = 0; i < a->ports.n; i++)
			if (a->ports.ports[i].ifindex >= ifindex)
				ifindex = a->ports.ports[i].ifindex + 1;
	} else {
		ifindex = (int)if_nametoindex(name);
	}
	if (!ifindex) {
		snprintf(why, why_size, "no interface '%s'", name);
		return -ENODEV;
	}
	p = xs_ports_by_name(&a->ports, name);
	if (p) {
		snprintf(why, why_size, "'%s' is already port %u", name, p->ofport);
		return -EEXIST;
	}
	other = ofport ? xs_ports_by_ofport(&a->ports, ofport) : NULL;
	err = xs_ports_add(&a->ports, name, ifindex, ofport, &p);
	if (err) {
		if (err == -EADDRINUSE && other)
			snprintf(why, why_size, "OpenFlow port %u is already '%s'", ofport, other->name);
		else if (err == -EEXIST)
			snprintf(why, why_size, "ifindex %d is already a port", ifindex);
		else
			snprintf(why, why_size, "adding port '%s': %s", name, strerror(-err));
		return err;
	}
	if (a->xdp_prog_fd >= 0 && !force) {
		err = check_other_bridge(a, name, ifindex, why, why_size);
		if (err)
			goto del;
	}
	if (a->xdp_prog_fd >= 0) {
		err = swap_in_place(a, p);
		if (err)
			err = xs_xdp_attach(ifindex, a->xdp_prog_fd, &ao, &p->xdp);
		if (err == -EBUSY) {
			xs_xdp_query(ifindex, &id, found);
			snprintf(why, why_size, "'%s' already has XDP program '%s' (id %u); "
				 "--force replaces it", name, found, id);
		} else if (err) {
			snprintf(why, why_size, "attaching XDP to '%s': %s", name, strerror(-err));
		}
		if (err)
			goto del;
		if (p->xdp.replaced[0])
			xs_agent_log(a, "%s: replaced XDP program '%s'", name, p->xdp.replaced);
		if (p->xdp.how == XS_XDP_HOW_LIBXDP_LEGACY && !a->noted_no_dispatcher) {
			xs_agent_log(a, "libxdp's multi-program dispatcher cannot load here "
				     "(libbpf's messages above); libxdp attaches the program alone");
			a->noted_no_dispatcher = true;
		}
		if (p->xdp.libxdp_err)
			xs_agent_log(a, "%s: libxdp could not attach (%s); attached with "
				     "bpf_xdp_attach instead", name, strerror(-p->xdp.libxdp_err));
	}
	if (a->tc_prog_fd >= 0) {
		err = xs_tc_attach(ifindex, a->tc_prog_fd, &ao, &p->tc);
		if (err == -EBUSY)
			snprintf(why, why_size, "'%s' already has a TC ingress filter at handle %#x "
				 "priority %u; --force replaces it", name, XS_TC_HANDLE, XS_TC_PRIORITY);
		else if (err)
			snprintf(why, why_size, "attaching TC ingress to '%s': %s", name,
				 strerror(-err));
		if (err)
			goto xdp;
	}
	if (!xs_agent_virtual_ports(a))
		probe_tx(p);
	if (a->dp_ops->port_added) {
		err = a->dp_ops->port_added(a, p, sub, sizeof(sub));
		if (err) {
			snprintf(why, why_size, "datapath refused port '%s': %s", name,
				 sub[0] ? sub : strerror(-err));
			goto tc;
		}
	}
	xs_agent_log(a, "port %u: %s (ifindex %d), xdp %s%s%s%s, tc %s, tx %s (%s)", p->ofport,
		     name, ifindex, p->xdp.how ? xs_xdp_mode_name(p->xdp.mode) : "off",
		     p->xdp.how ? " (" : "", p->xdp.how ? xs_xdp_how_name(p->xdp.how) : "",
		     p->xdp.how ? ")" : "", p->tc.attached ? "ingress" : "off",
		     xs_port_tx_name(p->tx), p->tx_why);
	xs_agent_tables_changed(a);
	return 0;
tc:
	xs_tc_detach(&p->tc);
xdp:
	xs_xdp_detach(&p->xdp);
del:
	xs_ports_del(&a->ports, name);
	return err;
}

int xs_agent_port_detach(struct xs_agent *a, const char *name)
{
	struct xs_port *p = xs_ports_by_name(&a->ports, name);
	int err;

	if (!p)
		return -ENOENT;
	if (a->dp_ops->port_removed)
		a->dp_ops->port_removed(a, p);
	err = xs_tc_detach(&p->tc);
	if (err)
		xs_agent_log(a, "%s: removing the TC filter: %s", name, strerror(-err));
	err = xs_xdp_detach(&p->xdp);
	if (err)
		xs_agent_log(a, "%s: detaching XDP: %s", name, strerror(-err));
	xs_agent_log(a, "port %u: %s detached", p->ofport, name);
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
	if (a->dp_ops->tables_changed)
		a->dp_ops->tables_changed(a);
	xs_agent_save_state(a);
}

int xs_agent_save_state(struct xs_agent *a)
{
	struct xs_state_port *ports;
	char why[256];
	int err;

	if (a->ctl.fd < 0 || a->opts.cleanup || !a->pipeline)
		return 0;
	ports = calloc(a->ports.n + 1, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	for (size_t i = 0; i < a->ports.n; i++) {
		snprintf(ports[i].name, sizeof(ports[i].name), "%s", a->ports.ports[i].name);
		ports[i].ofport = a->ports.ports[i].ofport;
		ports[i].created_qdisc = a->ports.ports[i].tc.created_qdisc;
	}
	err = xs_state_write(a->state_path, a->pipeline, ports, a->ports.n, why, sizeof(why));
	if (err)
		xs_agent_log(a, "%s (a restart would not restore this change)", why);
	free(ports);
	return err;
}

static void show_text(struct xs_agent *a, struct xs_ctl_buf *out)
{
	xs_ctl_printf(out, "bridge %s: datapath %s, %zu port%s\n", a->bridge, a->dp_ops->name,
		      a->ports.n, a->ports.n == 1 ? "" : "s");
	for (size_t i = 0; i < a->ports.n; i++) {
		struct xs_port *p = &a->ports.ports[i];

		xs_ctl_printf(out, " %u(%s): ifindex %d, xdp ", p->ofport, p->name, p->ifindex);
		if (p->xdp.how)
			xs_ctl_printf(out, "%s (%s)", xs_xdp_mode_name(p->xdp.mode),
				      xs_xdp_how_name(p->xdp.how));
		else
			xs_ctl_printf(out, "off");
		xs_ctl_printf(out, ", tc %s, tx %s (%s)\n", p->tc.attached ? "ingress" : "off",
			      xs_port_tx_name(p->tx), p->tx_why[0] ? p->tx_why : "not probed");
	}
	xs_ctl_printf(out, "flows: %zu\n", a->pipeline ? a->pipeline->n_rules : 0);
}

/* Names, bridge and interface names need no JSON escaping: they are
 * checked to be printable without quotes or backslashes. */
static void show_json(struct xs_agent *a, struct xs_ctl_buf *out)
{
	xs_ctl_printf(out, "{\"bridge\": \"%s\", \"datapath\": \"%s\", \"flows\": %zu, "
		      "\"ports\": [", a->bridge, a->dp_ops->name,
		      a->pipeline ? a->pipeline->n_rules : 0);
	for (size_t i = 0; i < a->ports.n; i++) {
		struct xs_port *p = &a->ports.ports[i];

		xs_ctl_printf(out, "%s{\"ofport\": %u, \"name\": \"%s\", \"ifindex\": %d, "
			      "\"xdp\": \"%s\", \"xdp_how\": \"%s\", \"tc\": %s, "
			      "\"tx\": \"%s\"}", i ? ", " : "", p->ofport, p->name, p->ifindex,
			      p->xdp.how ? xs_xdp_mode_name(p->xdp.mode) : "off",
			      xs_xdp_how_name(p->xdp.how), p->tc.attached ? "true" : "false",
			      xs_port_tx_name(p->tx));
	}
	xs_ctl_printf(out, "]");
	if (a->dp_ops->show)
		a->dp_ops->show(a, out, true);
	xs_ctl_printf(out, "}\n");
}

void xs_agent_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json)
{
	if (json) {
		show_json(a, out);
		return;
	}
	show_text(a, out);
	if (a->dp_ops->show)
		a->dp_ops->show(a, out, false);
}

void xs_agent_ports_reprobe(struct xs_agent *a)
{
	if (xs_agent_virtual_ports(a))
		return; /* no interfaces to probe */
	for (size_t i = 0; i < a->ports.n; i++) {
		struct xs_port *p = &a->ports.ports[i];
		enum xs_port_tx was = p->tx;

		probe_tx(p);
		if (p->tx == was)
			continue;
		xs_agent_log(a, "port %u: %s: tx now %s (%s)", p->ofport, p->name,
			     xs_port_tx_name(p->tx), p->tx_why);
		if (a->dp_ops->tx_changed)
			a->dp_ops->tx_changed(a, p);
	}
}

static void detach_all(struct xs_agent *a)
{
	while (a->ports.n)
		xs_agent_port_detach(a, a->ports.ports[a->ports.n - 1].name);
}

static void loop(struct xs_agent *a)
{
	uint64_t last_tick = xs_mono_ms();

	while (!a->stop) {
		struct pollfd pf[3] = {
			{ .fd = a->signal_fd, .events = POLLIN },
			{ .fd = a->ctl.fd, .events = POLLIN },
			{ .fd = a->dp_ops->poll_fd ? a->dp_ops->poll_fd(a) : -1, .events = POLLIN },
		};
		int n = poll(pf, pf[2].fd >= 0 ? 3 : 2, 1000);

		if (n < 0 && errno != EINTR) {
			xs_agent_log(a, "poll: %s; stopping", strerror(errno));
			break;
		}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(a->signal_fd, &si, sizeof(si)) == sizeof(si)) {
				xs_agent_log(a, "%s received, stopping",
					     si.ssi_signo == SIGINT ? "SIGINT" :
					     si.ssi_signo == SIGHUP ? "SIGHUP" : "SIGTERM");
				a->stop = 1;
				break;
			}
		}
		if (pf[1].revents & POLLIN)
			while (xs_ctl_server_serve_one(&a->ctl, xs_agent_handle_request, a) == 0)
				;
		if ((pf[2].revents & POLLIN) && a->dp_ops->on_ready)
			a->dp_ops->on_ready(a);
		if (xs_mono_ms() - last_tick >= 1000) {
			last_tick = xs_mono_ms();
			xs_agent_ports_reprobe(a);
			if (a->dp_ops->tick)
				a->dp_ops->tick(a);
		}
	}
}

void xs_agent_fini(struct xs_agent *a)
{
	if (!a->keep_fast_path)
		detach_all(a);
	if (a->dp_opened && a->dp_ops->close)
		a->dp_ops->close(a);
	a->dp_opened = false;
	xs_ctl_server_close(&a->ctl);
	if (a->pipeline) {
		flow_tables_destroy(a->pipeline);
		free(a->pipeline);
		a->pipeline = NULL;
	}
	free(a->ofports);
	a->ofports = NULL;
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	if (a->signal_fd >= 0)
		close(a->signal_fd);
	a->lock_fd = a->signal_fd = -1;
	xs_ports_free(&a->ports);
}

int xs_agent_init(struct xs_agent *a, const struct xs_agent_opts *opts,
		  const struct xs_agent_dp_ops *dp_ops)
{
	const char *bridge = opts->bridge ? opts->bridge : XS_CTL_DEFAULT_BRIDGE;

	memset(a, 0, sizeof(*a));
	a->opts = *opts;
	a->lock_fd = a->signal_fd = a->xdp_prog_fd = a->tc_prog_fd = -1;
	a->ctl.fd = -1;
	if (dp_ops)
		a->dp_ops = dp_ops;
	else if (opts->dp_object)
		a->dp_ops = &xs_agent_dp_object;
	else if (opts->no_datapath)
		a->dp_ops = &xs_agent_dp_none;
	else
		a->dp_ops = &xs_agent_dp_xs;
	xs_ports_init(&a->ports);
	a->pipeline = malloc(sizeof(*a->pipeline));
	if (!a->pipeline)
		return -ENOMEM;
	flow_tables_init(a->pipeline);
	if (xs_ctl_check_bridge(bridge))
		return -EINVAL;
	snprintf(a->bridge, sizeof(a->bridge), "%s", bridge);
	if (xs_ctl_path(a->bridge, ".lock", a->lock_path, sizeof(a->lock_path)) ||
	    xs_ctl_path(a->bridge, ".sock", a->sock_path, sizeof(a->sock_path)) ||
	    xs_ctl_path(a->bridge, ".state", a->state_path, sizeof(a->state_path)))
		return -ENAMETOOLONG;
	return 0;
}

/* The fast path did not open (-EINVAL: libbpf refused to reuse a pin)
 * while maps are pinned for the bridge: they do not fit this build (an
 * older build's layout or sizes, or a damaged pin directory). Nothing was
 * changed; says how to go on. */
static void explain_pins(struct xs_agent *a, int err)
{
	char dir[256];

	if (err != -EINVAL || a->dp_ops != &xs_agent_dp_xs ||
	    xs_cleanup_pin_dir(a->bridge, dir, sizeof(dir)) || access(dir, F_OK))
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
	struct xs_err perr;
	uint32_t ofport;

	return !xs_port_spec_parse(spec, name, &ofport, &perr) &&
	       xs_ports_by_name(&a->ports, name) != NULL;
}

/* Reloads the rules (unless --flows replaces them) and re-attaches the
 * ports saved by a previous run; *restarted says whether there was a
 * state. A port whose interface is gone is logged and skipped. Returns 0
 * or -errno with @why set (a bad state file: nothing applied). */
static int restore_state(struct xs_agent *a, bool *restarted, char *why, size_t why_size)
{
	struct xs_state st;
	int err;

	err = xs_state_read(a->state_path, &st, why, why_size);
	*restarted = err != -ENOENT;
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (!a->opts.flows_file && !a->opts.cleanup) {
		err = ft_replace(a->pipeline, st.flows, st.n_flows, xs_mono_ms());
		if (err) {
			snprintf(why, why_size, "%s: restoring %zu rules: %s", a->state_path,
				 st.n_flows, strerror(-err));
			goto out;
		}
	}
	for (size_t i = 0; i < st.n_ports; i++) {
		char spec[64], sub[256] = "";

		snprintf(spec, sizeof(spec), "%s=%u", st.ports[i].name, st.ports[i].ofport);
		/* The port ran our programs when the state was saved: what
		 * sits at our XDP and TC hooks now is the previous run's (the
		 * TC attach cannot tell our filter from another), so it is
		 * replaced. */
		err = xs_agent_port_attach(a, spec, true, sub, sizeof(sub));
		if (err == -ENODEV) {
			xs_agent_log(a, "saved port %s: %s; skipped", spec, sub);
			continue;
		}
		if (err) {
			snprintf(why, why_size, "%s: restoring port %s: %s", a->state_path, spec, sub);
			goto out;
		}
		/* the qdisc stays ours across runs: removing the port removes it */
		if (st.ports[i].created_qdisc)
			xs_ports_by_name(&a->ports, st.ports[i].name)->tc.created_qdisc = true;
	}
	xs_agent_log(a, "restored %zu rules and %zu ports from %s", st.n_flows, st.n_ports,
		     a->state_path);
	err = 0;
out:
	xs_state_free(&st);
	return err;
}

int xs_agent_run(const struct xs_agent_opts *opts, const struct xs_agent_dp_ops *dp_ops)
{
	bool restarted = false;
	struct xs_agent a;
	char why[256] = "";
	long holder;
	int err;

	err = xs_agent_init(&a, opts, dp_ops);
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
	lib_verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	err = xs_agent_virtual_ports(&a) ? 0 : check_bpf_permission();
	if (err) {
		xs_agent_log(&a, "cannot use BPF (%s): the agent needs root (CAP_BPF, "
			     "CAP_NET_ADMIN)", strerror(-err));
		goto fail;
	}
	err = xs_agent_virtual_ports(&a) ? 0 : ensure_bpffs(&a);
	if (err) {
		xs_agent_log(&a, "cannot mount bpffs on %s: %s", BPFFS, strerror(-err));
		goto fail;
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
	if (opts->cleanup && a.dp_ops == &xs_agent_dp_xs && !xs_cleanup_needed(&a)) {
		xs_agent_log(&a, "nothing to clean up: no maps pinned, no saved state");
		xs_agent_fini(&a);
		return 0;
	}
	if (a.dp_ops->open) {
		err = a.dp_ops->open(&a, why, sizeof(why));
		if (err) {
			xs_agent_log(&a, "datapath %s: %s", a.dp_ops->name,
				     why[0] ? why : strerror(-err));
			if (opts->cleanup)
				goto fallback;
			explain_pins(&a, err);
			goto fail;
		}
		a.dp_opened = true;
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
		 * unpins the maps; the state goes too. */
		xs_agent_fini(&a);
		if (unlink(a.state_path) && errno != ENOENT)
			xs_agent_log(&a, "removing %s: %s", a.state_path, strerror(errno));
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
	err = xs_ctl_server_open(&a.ctl, a.sock_path);
	if (err) {
		xs_agent_log(&a, "control socket %s: %s", a.sock_path, strerror(-err));
		goto fail;
	}
	/* Now that the tables and every port are back: the first full
	 * revalidation (adopted megaflows) and the first state file. */
	xs_agent_tables_changed(&a);
	xs_agent_log(&a, "running: %zu port%s, datapath %s, control socket %s%s", a.ports.n,
		     a.ports.n == 1 ? "" : "s", a.dp_ops->name, a.sock_path,
		     restarted ? " (restarted from the saved state)" : "");
	loop(&a);
	/* The fast path keeps forwarding without us (agent.h, step 7). */
	a.keep_fast_path = a.ports.n > 0 && a.dp_ops->outlives_agent;
	xs_agent_fini(&a);
	if (!a.keep_fast_path)
		unlink(a.state_path);
	xs_agent_log(&a, "stopped%s", a.keep_fast_path ? "; the ports keep forwarding "
		     "(xdpswitch agent --cleanup removes the programs)" : "");
	return 0;
fail:
	/* A failed restart leaves the previous run's fast path as it was. */
	a.keep_fast_path = restarted && a.dp_ops->outlives_agent;
	xs_agent_fini(&a);
	return 1;
fallback:
	/* --cleanup without adoption (cleanup.h). What this run attached
	 * runs its programs on the pinned maps, so the sweep finds it too;
	 * fini must not unpin or detach behind it. */
	xs_agent_log(&a, "cleaning up without adopting the datapath");
	err = a.dp_ops == &xs_agent_dp_xs ? xs_cleanup_fallback(&a) : -EOPNOTSUPP;
	if (err == -EOPNOTSUPP)
		xs_agent_log(&a, "datapath %s has no fallback cleanup", a.dp_ops->name);
	a.keep_fast_path = true;
	xs_agent_fini(&a);
	return err ? 1 : 0;
}
