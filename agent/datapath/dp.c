// SPDX-License-Identifier: Apache-2.0
/* Datapath lifecycle: opens the skeleton, sets the load-time knobs and map
 * sizes, pins or adopts the maps, and manages the ports (devmap and port
 * list). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/datapath/dp_internal.h"
#include "xdpswitch.skel.h"
#include "xdpswitch/ct_label.h"

#define XS_DP_MAX_FLOWS_LIMIT (1u << 24)

static const char *const pinned_maps[] = {
	XS_MAP_EMC, XS_MAP_MASKS, XS_MAP_MEGAFLOWS, XS_MAP_FLOWS, XS_MAP_FLOW_STATS,
	XS_MAP_MASK_HITS, XS_MAP_STATS, XS_MAP_UPCALLS, XS_MAP_TX_PORTS, XS_MAP_MISS_BUCKET,
	XS_MAP_MASK_FILTER, XS_MAP_PORT_LIST, XS_MAP_HASH_KEY, XS_MAP_HASH_VER,
};
#define N_PINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))

static int pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* mkdir -p: every missing component of the absolute path @dir. */
static int make_dirs(const char *dir)
{
	char buf[PATH_MAX];

	if (strlen(dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, dir);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

static struct bpf_map *map_by_name(const struct xs_dp *dp, const char *name)
{
	return bpf_object__find_map_by_name(dp->skel->obj, name);
}

int xs_dp_map_fd(const struct xs_dp *dp, const char *name)
{
	struct bpf_map *m = dp && name ? map_by_name(dp, name) : NULL;

	return m ? bpf_map__fd(m) : -ENOENT;
}

/* libbpf 1.1 refuses to reuse a pinned devmap: the kernel adds
 * BPF_F_RDONLY_PROG to its flags, so they never equal the declared ones.
 * Reuses it by hand, checking what matters; a new one is pinned after load
 * (pin_devmap). */
static int reuse_devmap(struct bpf_map *m, const char *path)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	if (!err && (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
		     info.value_size != bpf_map__value_size(m) ||
		     info.max_entries != bpf_map__max_entries(m)))
		err = -EINVAL;
	if (!err)
		err = bpf_map__reuse_fd(m, fd);
	close(fd);
	return err;
}

static int pin_devmap(struct xs_dp *dp, const char *pin_dir)
{
	struct bpf_map *m = map_by_name(dp, XS_MAP_TX_PORTS);
	char path[PATH_MAX];
	int err = pin_path(path, sizeof(path), pin_dir, XS_MAP_TX_PORTS);

	if (err || !access(path, F_OK))
		return err;
	return bpf_map__pin(m, path);
}

/* The hash key of maps pinned in @pin_dir (NULL: none): the pinned key;
 * the fixed one for maps pinned before keys existed; else a new random
 * key. */
static int hash_key_choose(const char *pin_dir, bool adopt, const struct xs_hash_key *given,
			   struct xs_hash_key *k)
{
	char path[PATH_MAX];
	uint32_t zero = 0;
	int fd, err = 0;

	if (pin_dir && !pin_path(path, sizeof(path), pin_dir, XS_MAP_HASH_KEY) &&
	    (fd = bpf_obj_get(path)) >= 0) {
		if (bpf_map_lookup_elem(fd, &zero, k))
			err = -errno;
		close(fd);
		for (size_t w = 0; !err && w < XS_FLOW_KEY_WORDS; w++)
			if (!(k->mult[w] & 1))
				err = -EINVAL; /* not a key this code wrote */
		return err;
	}
	if (adopt || given) {
		*k = adopt ? *xs_hash_key_fixed() : *given;
		for (size_t w = 0; w < XS_FLOW_KEY_WORDS; w++)
			if (!(k->mult[w] & 1))
				return -EINVAL;
		return 0;
	}
	if (getrandom(k, sizeof(*k), 0) != sizeof(*k))
		return -errno;
	for (size_t w = 0; w < XS_FLOW_KEY_WORDS; w++)
		k->mult[w] |= 1;
	return 0;
}

/* The hash version (flow_hash.h) of the megaflows: the pinned one when
 * adopting (@adopt), version 0 for maps pinned before versions existed
 * (no xs_hash_ver pin), else the current one. A version this code does
 * not compute is refused (-EPROTONOSUPPORT) before anything changes. */
static int hash_ver_choose(const char *pin_dir, bool adopt, uint32_t *ver)
{
	char path[PATH_MAX];
	uint32_t zero = 0;
	int fd, err = 0;

	*ver = XS_HASH_V_CURRENT;
	if (!adopt)
		return 0;
	err = pin_path(path, sizeof(path), pin_dir, XS_MAP_HASH_VER);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno != ENOENT)
			return -errno;
		*ver = XS_HASH_V_MULTILINEAR;
		return 0;
	}
	if (bpf_map_lookup_elem(fd, &zero, ver))
		err = -errno;
	close(fd);
	if (!err && *ver > XS_HASH_V_CURRENT)
		err = -EPROTONOSUPPORT;
	return err;
}

static uint32_t pinned_emc_bits(const char *pin_dir);

/* The label store holds as many connections as the kernel's table may
 * (nf_conntrack_max of this namespace), within [1024, 1M]; unreadable:
 * XS_CT_LABELS_DEFAULT_MAX. */
static uint32_t ct_labels_size(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_max", "r");
	unsigned long v = XS_CT_LABELS_DEFAULT_MAX;

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = XS_CT_LABELS_DEFAULT_MAX;
		fclose(f);
	}
	return v < 1024 ? 1024 : v > (1u << 20) ? 1u << 20 : (uint32_t)v;
}

/* Sets rodata knobs and map sizes; points maps at their pin paths and
 * tells whether the maps were pinned already (*@adopt). */
static int configure(struct xs_dp *dp, const struct xs_dp_opts *o, uint32_t n_slots, bool *adopt)
{
	struct xs_config *cfg = (struct xs_config *)&dp->skel->rodata->xs_cfg;
	char path[PATH_MAX];
	int err;

	cfg->miss_rate = o->miss_rate;
	cfg->miss_burst = o->miss_burst ? o->miss_burst : o->miss_rate;
	cfg->emc_enabled = !o->emc_disabled;
	cfg->emc_insert_inv_prob = o->emc_insert_inv_prob ? o->emc_insert_inv_prob
							  : XS_DP_EMC_INSERT_INV_PROB;
	if (pinned_emc_bits(o->pin_dir))
		dp->emc_bits = pinned_emc_bits(o->pin_dir);
	cfg->emc_shift = 64 - dp->emc_bits;
	err = bpf_map__set_max_entries(map_by_name(dp, XS_MAP_EMC), 1u << dp->emc_bits);
	if (!err)
		err = bpf_map__set_max_entries(map_by_name(dp, XS_MAP_FLOWS),
					       n_slots + XS_RECORD_MAX_SLOTS - 1);
	if (!err)
		err = bpf_map__set_max_entries(map_by_name(dp, XS_MAP_FLOW_STATS), n_slots);
	if (!err)
		err = bpf_map__set_max_entries(map_by_name(dp, XS_MAP_MEGAFLOWS), dp->max_flows);
	if (!err)
		err = bpf_map__set_max_entries(map_by_name(dp, XS_MAP_CT_LABELS),
					       ct_labels_size());
	if (err)
		return err;
	if (!o->pin_dir) {
		err = hash_key_choose(NULL, false, o->hash_key, &dp->hash_key);
		dp->hash_ver = o->hash_version_old ? XS_HASH_V_MULTILINEAR : XS_HASH_V_CURRENT;
		cfg->hash = dp->hash_key;
		cfg->hash_version = dp->hash_ver;
		return err;
	}

	err = make_dirs(o->pin_dir);
	if (err)
		return err;
	for (size_t i = 0; i < N_PINNED; i++) {
		struct bpf_map *m = map_by_name(dp, pinned_maps[i]);

		if (!m)
			return -ENOENT;
		err = pin_path(path, sizeof(path), o->pin_dir, pinned_maps[i]);
		if (!err)
			err = bpf_map__type(m) == BPF_MAP_TYPE_DEVMAP_HASH ? reuse_devmap(m, path)
									   : bpf_map__set_pin_path(m, path);
		if (err)
			return err;
	}
	pin_path(path, sizeof(path), o->pin_dir, XS_MAP_MEGAFLOWS);
	*adopt = access(path, F_OK) == 0;
	err = hash_key_choose(o->pin_dir, *adopt, o->hash_key, &dp->hash_key);
	if (!err)
		err = hash_ver_choose(o->pin_dir, *adopt, &dp->hash_ver);
	if (!err && o->hash_version_old && !*adopt)
		dp->hash_ver = XS_HASH_V_MULTILINEAR;
	cfg->hash = dp->hash_key;
	cfg->hash_version = dp->hash_ver;
	return err;
}

/* Writes the key and its version into xs_hash_key and xs_hash_ver
 * (pinned: the next agent adopts them). */
static int hash_key_store(struct xs_dp *dp)
{
	uint32_t zero = 0;
	int fd = xs_dp_map_fd(dp, XS_MAP_HASH_KEY), fd_ver = xs_dp_map_fd(dp, XS_MAP_HASH_VER);

	if (fd < 0 || fd_ver < 0)
		return fd < 0 ? fd : fd_ver;
	if (bpf_map_update_elem(fd, &zero, &dp->hash_key, BPF_ANY) ||
	    bpf_map_update_elem(fd_ver, &zero, &dp->hash_ver, BPF_ANY))
		return -errno;
	return 0;
}

const struct xs_hash_key *xs_dp_hash_key(const struct xs_dp *dp)
{
	return &dp->hash_key;
}

uint32_t xs_dp_hash_version(const struct xs_dp *dp)
{
	return dp->hash_ver;
}

static int find_fds(struct xs_dp *dp)
{
	struct {
		int *fd;
		const char *name;
	} t[] = {
		{ &dp->fd_emc, XS_MAP_EMC },
		{ &dp->fd_masks, XS_MAP_MASKS },
		{ &dp->fd_megaflows, XS_MAP_MEGAFLOWS },
		{ &dp->fd_flows, XS_MAP_FLOWS },
		{ &dp->fd_flow_stats, XS_MAP_FLOW_STATS },
		{ &dp->fd_mask_hits, XS_MAP_MASK_HITS },
		{ &dp->fd_stats, XS_MAP_STATS },
		{ &dp->fd_upcalls, XS_MAP_UPCALLS },
		{ &dp->fd_tx_ports, XS_MAP_TX_PORTS },
		{ &dp->fd_filter, XS_MAP_MASK_FILTER },
		{ &dp->fd_port_list, XS_MAP_PORT_LIST },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		*t[i].fd = xs_dp_map_fd(dp, t[i].name);
		if (*t[i].fd < 0)
			return -ENOENT;
	}
	return 0;
}

/* The port list as pinned (adopted maps) or empty (a new map, or pins
 * from before the list existed: xs_dp_ports_sync fills it). */
static int port_list_load(struct xs_dp *dp)
{
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(dp->fd_port_list, &zero, dp->port_list)) {
		if (errno != ENOENT)
			return -errno;
		memset(dp->port_list, 0, sizeof(*dp->port_list));
	}
	if (dp->port_list->count > XS_MAX_PORTS)
		return -EINVAL;
	return 0;
}

static uint32_t floor_log2(uint64_t v)
{
	uint32_t b = 0;

	while (v >>= 1)
		b++;
	return b;
}

void xs_dp_size_for_cpus(int cpus, uint32_t *emc_bits, uint32_t *default_max_flows)
{
	uint64_t n = cpus > 0 ? (uint64_t)cpus : 1;
	uint32_t e = floor_log2(XS_DP_EMC_BUDGET / (n * sizeof(struct xs_emc_entry)));
	uint32_t f = floor_log2(XS_DP_FLOW_STATS_BUDGET / (n * sizeof(struct xs_flow_stats)));

	*emc_bits = e < 8 ? 8 : e > XS_EMC_BITS ? XS_EMC_BITS : e;
	*default_max_flows = f < 13 ? 8192 : f > 16 ? XS_DEFAULT_MAX_FLOWS : 1u << f;
}

uint64_t xs_dp_percpu_bytes(int cpus, uint32_t emc_entries, uint32_t max_flows)
{
	uint64_t per_cpu = (uint64_t)emc_entries * sizeof(struct xs_emc_entry) +
			   (uint64_t)xs_dp_slots_for(max_flows) * sizeof(struct xs_flow_stats) +
			   XS_MAX_MASKS * 8 + XS_STAT__MAX * 8 +
			   XS_MAX_PORTS * sizeof(struct xs_miss_bucket);

	return per_cpu * (uint64_t)(cpus > 0 ? cpus : 1);
}

uint32_t xs_dp_emc_entries(const struct xs_dp *dp)
{
	return 1u << dp->emc_bits;
}

/* log2 of the entries of a pinned xs_emc (a restart keeps its size), or
 * 0 when none is pinned. */
static uint32_t pinned_emc_bits(const char *pin_dir)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info), bits = 0;
	char path[PATH_MAX];
	int fd;

	if (!pin_dir || pin_path(path, sizeof(path), pin_dir, XS_MAP_EMC))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.max_entries)
		bits = floor_log2(info.max_entries);
	close(fd);
	return bits;
}

void xs_dp_miss_split(uint32_t rate, uint32_t burst, struct xs_dp_opts *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t cpus = n > 0 ? (uint32_t)n : 1;

	if (!burst)
		burst = rate;
	o->miss_rate = rate ? (rate + cpus - 1) / cpus : 0;
	o->miss_burst = rate ? (burst + cpus - 1) / cpus : 0;
}

int xs_dp_open(const struct xs_dp_opts *opts, struct xs_dp **out)
{
	static const struct xs_dp_opts defaults;
	const struct xs_dp_opts *o = opts ? opts : &defaults;
	struct xs_dp *dp;
	uint32_t n_slots;
	bool adopt = false;
	int err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (o->max_flows > XS_DP_MAX_FLOWS_LIMIT)
		return -EINVAL;
	if (o->pin_dir && (o->pin_dir[0] != '/' || strlen(o->pin_dir) > PATH_MAX - 64))
		return -EINVAL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	uint32_t default_max_flows;

	dp->ncpus = libbpf_num_possible_cpus();
	xs_dp_size_for_cpus(dp->ncpus, &dp->emc_bits, &default_max_flows);
	dp->max_flows = o->max_flows ? o->max_flows : default_max_flows;
	dp->mask_budget = !o->mask_budget ? XS_DP_MASK_BUDGET :
			  o->mask_budget >= XS_MAX_MASKS ? 0 : o->mask_budget;
	n_slots = xs_dp_slots_for(dp->max_flows);
	if (dp->ncpus <= 0) {
		err = dp->ncpus ? dp->ncpus : -EINVAL;
		goto err;
	}
	dp->percpu_buf = calloc(dp->ncpus, sizeof(struct xs_flow_stats));
	dp->mirror = calloc(n_slots, sizeof(*dp->mirror));
	xs_slab_init(&dp->slab, sizeof(struct xs_dp_slot), XS_DP_SLAB_CHUNK);
	dp->filter = calloc((size_t)XS_MAX_MASKS * XS_FILTER_WORDS, sizeof(*dp->filter));
	dp->port_list = calloc(1, sizeof(*dp->port_list));
	err = xs_slot_pool_init(&dp->slots, n_slots);
	if (!err)
		err = xs_ways_init(&dp->ways, n_slots);
	if (err || !dp->percpu_buf || !dp->mirror || !dp->filter || !dp->port_list) {
		err = err ? err : -ENOMEM;
		goto err;
	}
	xs_mask_table_init(&dp->masks);

	dp->skel = xdpswitch__open();
	if (!dp->skel) {
		err = -errno;
		goto err;
	}
	err = configure(dp, o, n_slots, &adopt);
	if (!err)
		err = xdpswitch__load(dp->skel);
	if (!err && o->pin_dir)
		err = pin_devmap(dp, o->pin_dir);
	if (!err)
		err = hash_key_store(dp);
	if (!err)
		err = xs_dp_grace_init(dp);
	if (!err)
		err = find_fds(dp);
	if (!err)
		err = port_list_load(dp);
	if (!err)
		err = adopt ? xs_dp_flows_adopt(dp) : xs_dp_masks_publish(dp);
	if (err)
		goto err;
	*out = dp;
	return 0;
err:
	xs_dp_close(dp);
	return err;
}

void xs_dp_close(struct xs_dp *dp)
{
	if (!dp)
		return;
	xs_dp_upcall_fini(dp);
	xs_dp_grace_fini(dp);
	xs_slab_fini(&dp->slab); /* every mirror entry */
	for (unsigned i = 0; i < XS_DP_SCRATCH; i++)
		free(dp->scratch[i]);
	free(dp->mirror);
	xs_ways_fini(&dp->ways);
	xs_slot_pool_fini(&dp->slots);
	xdpswitch__destroy(dp->skel);
	free(dp->percpu_buf);
	free(dp->stats_all);
	free(dp->filter);
	free(dp->port_list);
	free(dp);
}

int xs_dp_unpin(const char *pin_dir)
{
	char path[PATH_MAX];
	int err = 0;

	if (!pin_dir || pin_dir[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < N_PINNED; i++) {
		int e = pin_path(path, sizeof(path), pin_dir, pinned_maps[i]);

		if (!e && unlink(path) && errno != ENOENT)
			e = -errno;
		if (e && !err)
			err = e;
	}
	if (rmdir(pin_dir) && errno != ENOENT && errno != ENOTEMPTY && !err)
		err = -errno;
	return err;
}

int xs_dp_xdp_prog_fd(const struct xs_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.xs_xdp);
}

int xs_dp_tc_prog_fd(const struct xs_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.xs_tc);
}

/* Place of @ifindex in the port list @l, or -1. */
static int list_find(const struct xs_port_list *l, uint32_t ifindex)
{
	for (uint32_t i = 0; i < l->count; i++)
		if (l->ifindex[i] == ifindex)
			return (int)i;
	return -1;
}

/* Publishes @l as the port list (one element replace: see bpf/maps.h) and
 * makes it the mirror. */
static int list_publish(struct xs_dp *dp, const struct xs_port_list *l)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(dp->fd_port_list, &zero, l, BPF_ANY))
		return -errno;
	if (l != dp->port_list)
		memcpy(dp->port_list, l, sizeof(*l));
	return 0;
}

static bool devmap_has(struct xs_dp *dp, uint32_t ifindex)
{
	uint32_t v;

	return !bpf_map_lookup_elem(dp->fd_tx_ports, &ifindex, &v);
}

int xs_dp_port_add(struct xs_dp *dp, uint32_t ifindex)
{
	struct xs_port_list *l;
	bool had;
	int err;

	if (!dp || !ifindex)
		return -EINVAL;
	if (list_find(dp->port_list, ifindex) >= 0)
		return bpf_map_update_elem(dp->fd_tx_ports, &ifindex, &ifindex, BPF_ANY) ? -errno
											 : 0;
	if (dp->port_list->count == XS_MAX_PORTS)
		return -ENOSPC;
	had = devmap_has(dp, ifindex);
	if (bpf_map_update_elem(dp->fd_tx_ports, &ifindex, &ifindex, BPF_ANY))
		return -errno;
	l = malloc(sizeof(*l));
	err = l ? 0 : -ENOMEM;
	if (!err) {
		memcpy(l, dp->port_list, sizeof(*l));
		l->ifindex[l->count++] = ifindex;
		err = list_publish(dp, l);
		free(l);
	}
	if (err && !had)
		bpf_map_delete_elem(dp->fd_tx_ports, &ifindex);
	return err;
}

int xs_dp_port_del(struct xs_dp *dp, uint32_t ifindex)
{
	struct xs_port_list *l;
	int at, err;

	if (!dp || !ifindex)
		return -EINVAL;
	at = list_find(dp->port_list, ifindex);
	if (at >= 0) {
		l = malloc(sizeof(*l));
		if (!l)
			return -ENOMEM;
		memcpy(l, dp->port_list, sizeof(*l));
		memmove(&l->ifindex[at], &l->ifindex[at + 1],
			(l->count - (uint32_t)at - 1) * sizeof(l->ifindex[0]));
		l->ifindex[--l->count] = 0;
		err = list_publish(dp, l);
		free(l);
		if (err)
			return err;
	}
	err = bpf_map_delete_elem(dp->fd_tx_ports, &ifindex) ? -errno : 0;
	return err == -ENOENT && at >= 0 ? 0 : err;
}

static bool in_list(const uint32_t *list, size_t n, uint32_t ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == ifindex)
			return true;
	return false;
}

int xs_dp_ports_sync(struct xs_dp *dp, const uint32_t *ifindexes, size_t n)
{
	struct xs_port_list *l;
	uint32_t key, next, kept = 0;
	int removed = 0, err, perr;

	if (!dp || (!ifindexes && n) || n > XS_MAX_PORTS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!ifindexes[i])
			return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (list_find(l, ifindexes[i]) < 0)
			l->ifindex[l->count++] = ifindexes[i];
	for (uint32_t i = 0; i < dp->port_list->count; i++)
		removed += !in_list(ifindexes, n, dp->port_list->ifindex[i]);
	/* The successor is read before the key is deleted: next_key of a
	 * key no longer in the map starts over from the first one. */
	err = bpf_map_get_next_key(dp->fd_tx_ports, NULL, &next) ? -errno : 0;
	while (!err) {
		key = next;
		err = bpf_map_get_next_key(dp->fd_tx_ports, &key, &next) ? -errno : 0;
		if (in_list(ifindexes, n, key))
			continue;
		if (bpf_map_delete_elem(dp->fd_tx_ports, &key) && errno != ENOENT) {
			err = -errno;
			break;
		}
		/* counted already if the port list had it too */
		removed += list_find(dp->port_list, key) < 0;
	}
	if (err != -ENOENT)
		goto out;
	err = 0;
	for (uint32_t i = 0; i < l->count && !err; i++)
		if (bpf_map_update_elem(dp->fd_tx_ports, &l->ifindex[i], &l->ifindex[i],
					BPF_NOEXIST) && errno != EEXIST)
			err = -errno;
	/* The list gets what the devmap has, also when an add failed. */
	for (uint32_t i = 0; i < l->count; i++)
		if (devmap_has(dp, l->ifindex[i]))
			l->ifindex[kept++] = l->ifindex[i];
	memset(&l->ifindex[kept], 0, (l->count - kept) * sizeof(l->ifindex[0]));
	l->count = kept;
	perr = list_publish(dp, l);
	if (!err)
		err = perr;
out:
	free(l);
	return err ? err : removed;
}
