// SPDX-License-Identifier: Apache-2.0
/* The xdp provider's teardown of a bridge it cannot adopt: our programs
 * off every interface that runs them for this bridge, then its pin
 * directory (sweep.h). */
#include "agent/datapath/sweep.h"
#include "agent/datapath/attach.h"
#include "agent/control/proto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#define DISPATCHER_NAME "xdp_dispatcher" /* libxdp's multi-program dispatcher */
#define MAX_IDS 256
#define MAX_PROG_MAPS 64

/* Map ids pinned per bridge. */
struct pinned_ids {
	unsigned n;
	struct {
		__u32 id;
		char bridge[XS_CTL_BRIDGE_MAX + 1];
	} e[MAX_IDS];
};

/* One run of the sweep. */
struct sweep {
	const char *bridge;
	xs_sweep_log_fn log;
	void *ctx;
	struct pinned_ids here;    /* this bridge's pinned maps */
	struct pinned_ids others;  /* every other bridge's */
	const struct xs_sweep_port *ports; /* the bridge's saved ports */
	size_t n_ports;
	unsigned removed, failed;
};

/* The maps and programs one XDP or TC attachment runs. */
struct prog_view {
	bool ours;                  /* named like ours (every component) */
	char name[16];              /* what runs there (a foreign component's) */
	unsigned n_maps;
	__u32 maps[MAX_PROG_MAPS];
};

int xs_pin_dir(const char *bridge, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", XS_PIN_ROOT, bridge);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool fd_is_map(int fd)
{
	char path[64], line[128];
	bool map = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!map && fgets(line, sizeof(line), f))
		map = !strncmp(line, "map_type:", 9);
	fclose(f);
	return map;
}

/* Adds the ids of the maps pinned directly in @dir to @s as @bridge's. */
static void collect_pinned(const char *dir, const char *bridge, struct pinned_ids *s)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && s->n < MAX_IDS) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		char path[512];
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (fd_is_map(fd) && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
			s->e[s->n].id = info.id;
			snprintf(s->e[s->n].bridge, sizeof(s->e[s->n].bridge), "%s", bridge);
			s->n++;
		}
		close(fd);
	}
	closedir(d);
}

/* Every other bridge's pinned maps under XS_PIN_ROOT. */
static void collect_others(struct sweep *w)
{
	DIR *d = opendir(XS_PIN_ROOT);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char dir[512];

		if (e->d_name[0] == '.' || !strcmp(e->d_name, w->bridge) ||
		    xs_ctl_check_bridge(e->d_name))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", XS_PIN_ROOT, e->d_name);
		collect_pinned(dir, e->d_name, &w->others);
	}
	closedir(d);
}

/* The bridge whose pinned maps @v uses, or NULL. */
static const char *owner_in(const struct pinned_ids *s, const struct prog_view *v)
{
	for (unsigned i = 0; i < v->n_maps; i++)
		for (unsigned j = 0; j < s->n; j++)
			if (s->e[j].id == v->maps[i])
				return s->e[j].bridge;
	return NULL;
}

/* Adds program @fd's name check (against @ours) and its map ids to @v. */
static int view_add_prog(struct prog_view *v, int fd, const char *ours)
{
	__u32 ids[MAX_PROG_MAPS];
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = MAX_PROG_MAPS;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (strcmp(info.name, ours)) {
		v->ours = false;
		snprintf(v->name, sizeof(v->name), "%s", info.name);
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < MAX_PROG_MAPS &&
			  v->n_maps < MAX_PROG_MAPS; i++)
		v->maps[v->n_maps++] = ids[i];
	return 0;
}

/* Is @name a saved port of the bridge? Its entry, or NULL. */
static const struct xs_sweep_port *saved_port(const struct sweep *w, const char *name)
{
	for (size_t i = 0; i < w->n_ports; i++)
		if (!strcmp(w->ports[i].name, name))
			return &w->ports[i];
	return NULL;
}

/* Should the attachment @v on @ifname go? Says why not when it is a saved
 * port's. */
static bool take(struct sweep *w, const struct prog_view *v, const char *ifname,
		 const char *what, __u32 id)
{
	bool saved = saved_port(w, ifname) != NULL;
	const char *other;

	if (!v->ours) {
		if (saved)
			w->log(w->ctx, "left %s program '%s' (id %u) on saved port %s: not ours",
				     what, v->name, id, ifname);
		return false;
	}
	if (owner_in(&w->here, v))
		return true;
	other = owner_in(&w->others, v);
	if (saved && other)
		w->log(w->ctx, "left %s program '%s' (id %u) on saved port %s: it uses "
			     "bridge %s's maps", what, v->name, id, ifname, other);
	return saved && !other;
}

/* Counts and logs the removal of @what (program @id) from @ifname. */
static void note(struct sweep *w, int err, const char *what, const char *ifname, __u32 id)
{
	if (err) {
		w->failed++;
		w->log(w->ctx, "could not remove %s (id %u) from %s: %s", what, id, ifname,
			     strerror(-err));
	} else {
		w->removed++;
		w->log(w->ctx, "removed %s (id %u) from %s", what, id, ifname);
	}
}

/* Our XDP program on @ifindex, alone or in a libxdp dispatcher. */
static void sweep_xdp(struct sweep *w, int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct prog_view v = { .ours = true, .name = XS_SWEEP_XDP_NAME };
	struct xdp_multiprog *mp = NULL;
	char name[16] = "";
	int fd, err;
	__u32 flags;

	if (bpf_xdp_query(ifindex, 0, &q) || !q.prog_id)
		return;
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0)
		return;
	err = xs_prog_name(fd, name);
	if (!err && !strcmp(name, DISPATCHER_NAME)) {
		int n = 0;

		mp = xdp_multiprog__get_from_ifindex(ifindex);
		if (libxdp_get_error(mp))
			mp = NULL;
		for (struct xdp_program *p = mp ? xdp_multiprog__next_prog(NULL, mp) : NULL; p;
		     p = xdp_multiprog__next_prog(p, mp), n++)
			if (view_add_prog(&v, xdp_program__fd(p), XS_SWEEP_XDP_NAME))
				v.ours = false;
		v.ours = v.ours && n > 0;
	} else if (!err) {
		err = view_add_prog(&v, fd, XS_SWEEP_XDP_NAME);
	}
	if (err || !take(w, &v, ifname, "XDP", q.prog_id))
		goto out;
	if (mp) {
		err = xdp_multiprog__detach(mp);
	} else {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = fd);

		flags = q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE :
			q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_HW_MODE;
		/* REPLACE semantics: only if the program is still the one we saw */
		err = bpf_xdp_detach(ifindex, flags, &o) ? -errno : 0;
	}
	note(w, err, mp ? "XDP dispatcher running " XS_SWEEP_XDP_NAME :
		     "XDP program " XS_SWEEP_XDP_NAME, ifname, q.prog_id);
out:
	if (mp)
		xdp_multiprog__close(mp);
	close(fd);
}

/* Our TC ingress filter on @ifindex, and the clsact qdisc when the state
 * file says the agent created it. */
static void sweep_tc(struct sweep *w, int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY);
	struct prog_view v = { .ours = true, .name = XS_SWEEP_TC_NAME };
	const struct xs_sweep_port *sp = saved_port(w, ifname);
	int fd, err;

	libbpf_print_fn_t print = libbpf_set_print(NULL);

	/* most interfaces have no clsact: libbpf would warn for each */
	err = bpf_tc_query(&hook, &q);
	libbpf_set_print(print);
	if (err || !q.prog_id)
		return; /* no clsact, or nothing at our handle */
	fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0)
		return;
	err = view_add_prog(&v, fd, XS_SWEEP_TC_NAME);
	close(fd);
	if (err || !take(w, &v, ifname, "TC", q.prog_id))
		return;
	err = bpf_tc_detach(&hook, &d);
	note(w, err, "TC filter " XS_SWEEP_TC_NAME, ifname, q.prog_id);
	if (!err && !sp)
		w->log(w->ctx, "left the clsact qdisc on %s (no saved state says the agent "
			     "created it)", ifname);
	if (err || !sp || !sp->owns_qdisc)
		return;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&hook);
	if (err) {
		w->failed++;
		w->log(w->ctx, "could not remove the clsact qdisc of %s: %s", ifname,
			     strerror(-err));
	} else {
		w->log(w->ctx, "removed the clsact qdisc the agent created on %s", ifname);
	}
}

/* Every file pinned in @dir, then @dir. */
static void unpin_all(struct sweep *w, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (!d) {
		if (errno != ENOENT) {
			w->failed++;
			w->log(w->ctx, "could not open %s: %s", dir, strerror(errno));
		}
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) &&
		    (errno != EISDIR || unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR))) {
			w->failed++;
			w->log(w->ctx, "could not remove %s/%s: %s", dir, e->d_name,
				     strerror(errno));
			continue;
		}
		n++;
	}
	closedir(d);
	if (rmdir(dir)) {
		w->failed++;
		w->log(w->ctx, "could not remove %s: %s", dir, strerror(errno));
		return;
	}
	w->removed++;
	w->log(w->ctx, "removed %s and the %u file%s pinned there", dir, n, n == 1 ? "" : "s");
}

int xs_sweep_bridge(const char *bridge, const struct xs_sweep_port *ports, size_t n_ports,
		    xs_sweep_log_fn log, void *ctx, unsigned *removed, unsigned *failed)
{
	struct if_nameindex *ifs;
	char dir[256];
	struct sweep *w;

	if (xs_pin_dir(bridge, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->bridge = bridge;
	w->log = log;
	w->ctx = ctx;
	w->ports = ports;
	w->n_ports = n_ports;
	collect_pinned(dir, bridge, &w->here);
	collect_others(w);
	ifs = if_nameindex();
	if (!ifs) {
		w->failed++;
		log(ctx, "cannot list the interfaces: %s", strerror(errno));
	}
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		sweep_xdp(w, (int)i->if_index, i->if_name);
		sweep_tc(w, (int)i->if_index, i->if_name);
	}
	for (size_t i = 0; i < n_ports; i++)
		if (!if_nametoindex(ports[i].name))
			log(ctx, "saved port %s: no such interface; skipped", ports[i].name);
	if (ifs)
		if_freenameindex(ifs);
	unpin_all(w, dir);
	*removed += w->removed;
	*failed += w->failed;
	free(w);
	return 0;
}
