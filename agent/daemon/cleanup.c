/* The fallback of `agent --cleanup`: detaches the bridge's programs, found by
 * name and by the maps they use, then removes its pins and state file. */
#include "agent/daemon/cleanup.h"
#include "agent/datapath/attach.h"
#include "agent/daemon/state_file.h"

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

/* One run of the fallback. */
struct sweep {
	struct xs_agent *a;
	struct pinned_ids here;    /* this bridge's pinned maps */
	struct pinned_ids others;  /* every other bridge's */
	struct xs_state_port *ports; /* the state file's ports (heap) */
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

int xs_cleanup_pin_dir(const char *bridge, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", XS_PIN_ROOT, bridge);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool xs_cleanup_needed(const struct xs_agent *a)
{
	char dir[256];

	return !access(a->state_path, F_OK) || !access(a->persist.journal_path, F_OK) ||
	       (!xs_cleanup_pin_dir(a->bridge, dir, sizeof(dir)) && !access(dir, F_OK));
}

/* Is @fd a BPF map? (/proc/self/fdinfo lists map_type for maps only.) */
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

		if (e->d_name[0] == '.' || !strcmp(e->d_name, w->a->bridge) ||
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

/* Is the state file's port @name? Its entry, or NULL. */
static const struct xs_state_port *saved_port(const struct sweep *w, const char *name)
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
			xs_agent_log(w->a, "left %s program '%s' (id %u) on saved port %s: not ours",
				     what, v->name, id, ifname);
		return false;
	}
	if (owner_in(&w->here, v))
		return true;
	other = owner_in(&w->others, v);
	if (saved && other)
		xs_agent_log(w->a, "left %s program '%s' (id %u) on saved port %s: it uses "
			     "bridge %s's maps", what, v->name, id, ifname, other);
	return saved && !other;
}

/* Counts and logs the removal of @what (program @id) from @ifname. */
static void note(struct sweep *w, int err, const char *what, const char *ifname, __u32 id)
{
	if (err) {
		w->failed++;
		xs_agent_log(w->a, "could not remove %s (id %u) from %s: %s", what, id, ifname,
			     strerror(-err));
	} else {
		w->removed++;
		xs_agent_log(w->a, "removed %s (id %u) from %s", what, id, ifname);
	}
}

/* Our XDP program on @ifindex, alone or in a libxdp dispatcher. */
static void sweep_xdp(struct sweep *w, int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct prog_view v = { .ours = true, .name = XS_CLEANUP_XDP_NAME };
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
			if (view_add_prog(&v, xdp_program__fd(p), XS_CLEANUP_XDP_NAME))
				v.ours = false;
		v.ours = v.ours && n > 0;
	} else if (!err) {
		err = view_add_prog(&v, fd, XS_CLEANUP_XDP_NAME);
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
	note(w, err, mp ? "XDP dispatcher running " XS_CLEANUP_XDP_NAME :
		     "XDP program " XS_CLEANUP_XDP_NAME, ifname, q.prog_id);
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
	struct prog_view v = { .ours = true, .name = XS_CLEANUP_TC_NAME };
	const struct xs_state_port *sp = saved_port(w, ifname);
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
	err = view_add_prog(&v, fd, XS_CLEANUP_TC_NAME);
	close(fd);
	if (err || !take(w, &v, ifname, "TC", q.prog_id))
		return;
	err = bpf_tc_detach(&hook, &d);
	note(w, err, "TC filter " XS_CLEANUP_TC_NAME, ifname, q.prog_id);
	if (!err && !sp)
		xs_agent_log(w->a, "left the clsact qdisc on %s (no saved state says the agent "
			     "created it)", ifname);
	if (err || !sp || !sp->created_qdisc)
		return;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_destroy(&hook);
	if (err) {
		w->failed++;
		xs_agent_log(w->a, "could not remove the clsact qdisc of %s: %s", ifname,
			     strerror(-err));
	} else {
		xs_agent_log(w->a, "removed the clsact qdisc the agent created on %s", ifname);
	}
}

/* The "port NAME OFPORT [clsact]" lines of a snapshot or journal that do
 * not parse as a whole (their flows may be what is broken). A port the
 * journal detached again is named too: its programs are then looked for
 * where they are not, which costs nothing. */
static void salvage_ports(struct sweep *w, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char name[IF_NAMESIZE], extra[16] = "";
		struct xs_state_port *p;
		unsigned ofport;

		if (sscanf(line, "port %15s %u %15s", name, &ofport, extra) < 2)
			continue;
		p = realloc(w->ports, (w->n_ports + 1) * sizeof(*p));
		if (!p)
			break;
		w->ports = p;
		p = &w->ports[w->n_ports++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->ofport = ofport;
		p->created_qdisc = !strcmp(extra, "clsact");
	}
	fclose(f);
}

/* The saved ports (snapshot and journal), whole or salvaged. */
static void read_ports(struct sweep *w)
{
	struct xs_journal_scan scan;
	struct flow_tables ft;
	struct xs_state st;
	char why[512] = "";
	int err;

	flow_tables_init(&ft);
	err = xs_state_load(w->a->state_path, w->a->persist.journal_path, ft_modify, 0, &ft, &st,
			    &scan, why, sizeof(why));
	flow_tables_destroy(&ft);
	if (err == -ENOENT)
		return;
	if (err) {
		xs_agent_log(w->a, "state file unreadable (%s); using its port lines", why);
		salvage_ports(w, w->a->state_path);
		salvage_ports(w, w->a->persist.journal_path);
		return;
	}
	w->ports = st.ports;
	w->n_ports = st.n_ports;
	st.ports = NULL;
	st.n_ports = 0;
	xs_state_free(&st);
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
			xs_agent_log(w->a, "could not open %s: %s", dir, strerror(errno));
		}
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) &&
		    (errno != EISDIR || unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR))) {
			w->failed++;
			xs_agent_log(w->a, "could not remove %s/%s: %s", dir, e->d_name,
				     strerror(errno));
			continue;
		}
		n++;
	}
	closedir(d);
	if (rmdir(dir)) {
		w->failed++;
		xs_agent_log(w->a, "could not remove %s: %s", dir, strerror(errno));
		return;
	}
	w->removed++;
	xs_agent_log(w->a, "removed %s and the %u file%s pinned there", dir, n, n == 1 ? "" : "s");
}

/* Removes a saved-state file (snapshot or journal) and its temporary. */
static void remove_state(struct sweep *w, const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp); /* a write interrupted by a crash */
	if (!unlink(path)) {
		w->removed++;
		xs_agent_log(w->a, "removed %s", path);
	} else if (errno != ENOENT) {
		w->failed++;
		xs_agent_log(w->a, "could not remove %s: %s", path, strerror(errno));
	}
}

int xs_cleanup_fallback(struct xs_agent *a)
{
	struct if_nameindex *ifs;
	char dir[256];
	struct sweep *w;
	int err = 0;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->a = a;
	if (xs_cleanup_pin_dir(a->bridge, dir, sizeof(dir))) {
		free(w);
		return -ENAMETOOLONG;
	}
	collect_pinned(dir, a->bridge, &w->here);
	collect_others(w);
	read_ports(w);
	ifs = if_nameindex();
	if (!ifs) {
		w->failed++;
		xs_agent_log(a, "cannot list the interfaces: %s", strerror(errno));
	}
	for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
		sweep_xdp(w, (int)i->if_index, i->if_name);
		sweep_tc(w, (int)i->if_index, i->if_name);
	}
	for (size_t i = 0; i < w->n_ports; i++)
		if (!if_nametoindex(w->ports[i].name))
			xs_agent_log(a, "saved port %s: no such interface; skipped", w->ports[i].name);
	if (ifs)
		if_freenameindex(ifs);
	unpin_all(w, dir);
	remove_state(w, a->state_path);
	remove_state(w, a->persist.journal_path);
	if (w->failed) {
		xs_agent_log(a, "cleanup incomplete: removed %u, could not remove %u", w->removed,
			     w->failed);
		err = -EBUSY;
	} else {
		xs_agent_log(a, "cleaned up without adopting: removed %u", w->removed);
	}
	free(w->ports);
	free(w);
	return err;
}
