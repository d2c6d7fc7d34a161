// SPDX-License-Identifier: Apache-2.0
/* Datapath counters: xs_stats summed over CPUs, their names from the shared
 * X-macro, and figures derived from them. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/datapath/dp_internal.h"

static const char *const stat_names[] = {
#define XS_STAT_NAME(name, key, desc) key,
	XS_STATS_LIST(XS_STAT_NAME)
#undef XS_STAT_NAME
};

static const char *const stat_descs[] = {
#define XS_STAT_DESC(name, key, desc) desc,
	XS_STATS_LIST(XS_STAT_DESC)
#undef XS_STAT_DESC
};

int xs_dp_stats_read(struct xs_dp *dp, uint64_t out[XS_STAT__MAX])
{
	const uint64_t *v = dp->percpu_buf;

	for (uint32_t i = 0; i < XS_STAT__MAX; i++) {
		if (bpf_map_lookup_elem(dp->fd_stats, &i, dp->percpu_buf))
			return -errno;
		out[i] = 0;
		for (int c = 0; c < dp->ncpus; c++)
			out[i] += v[c];
	}
	return 0;
}

const char *xs_dp_stat_name(unsigned int stat)
{
	return stat < XS_STAT__MAX ? stat_names[stat] : NULL;
}

const char *xs_dp_stat_desc(unsigned int stat)
{
	return stat < XS_STAT__MAX ? stat_descs[stat] : NULL;
}

double xs_dp_stats_masks_per_hit(const uint64_t stats[XS_STAT__MAX])
{
	if (!stats[XS_STAT_MEGAFLOW_HIT])
		return 0;
	return (double)stats[XS_STAT_MASKS_PROBED] / (double)stats[XS_STAT_MEGAFLOW_HIT];
}

void xs_dp_stats_add(const struct xs_dp *dp, const struct xs_flow_stats *percpu,
		     struct xs_flow_stats *sum)
{
	for (int c = 0; c < dp->ncpus; c++) {
		sum->packets += percpu[c].packets;
		sum->bytes += percpu[c].bytes;
		if (percpu[c].used_ns > sum->used_ns)
			sum->used_ns = percpu[c].used_ns;
		sum->tcp_flags |= percpu[c].tcp_flags;
	}
}

/* Slots read per BPF_MAP_LOOKUP_BATCH call. */
#define STATS_BATCH 1024

/* Reads the per-CPU counters of slots [0, @n_slots) into @all (n_slots *
 * ncpus entries) with batched lookups: a few syscalls instead of one per
 * megaflow. */
static int read_all_slots(struct xs_dp *dp, uint32_t n_slots, struct xs_flow_stats *all)
{
	uint32_t keys[STATS_BATCH], next = 0, done = 0;
	bool first = true;

	while (done < n_slots) {
		__u32 count = n_slots - done < STATS_BATCH ? n_slots - done : STATS_BATCH;
		int err;

		err = bpf_map_lookup_batch(dp->fd_flow_stats, first ? NULL : &next, &next, keys,
					   all + (size_t)done * dp->ncpus, &count, NULL);
		if (err && errno != ENOENT)
			return -errno;
		done += count;
		first = false;
		if (err || !count) /* ENOENT: the end of the map */
			break;
	}
	return done >= n_slots ? 0 : -EIO;
}

int xs_dp_flow_stats_batch(struct xs_dp *dp, const struct xs_flow_handle *h, size_t n,
			   struct xs_flow_stats *out, int *errs)
{
	uint32_t top = 0;
	int err;

	if (!dp || (n && (!h || !out)))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (h[i].slot < dp->slots.n_slots && h[i].slot >= top)
			top = h[i].slot + 1;
	if (top && !dp->stats_all) {
		dp->stats_all = calloc((size_t)dp->slots.n_slots * dp->ncpus, sizeof(*out));
		if (!dp->stats_all)
			return -ENOMEM;
	}
	err = top ? read_all_slots(dp, top, dp->stats_all) : 0;
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const struct xs_dp_slot *ms =
			h[i].slot < dp->slots.n_slots ? dp->mirror[h[i].slot] : NULL;

		if (!ms || !h[i].gen || ms->flow.handle.gen != h[i].gen) {
			memset(&out[i], 0, sizeof(out[i]));
			if (errs)
				errs[i] = -ENOENT;
			continue;
		}
		out[i] = ms->carried;
		xs_dp_stats_add(dp, dp->stats_all + (size_t)h[i].slot * dp->ncpus, &out[i]);
		if (errs)
			errs[i] = 0;
	}
	return 0;
}
