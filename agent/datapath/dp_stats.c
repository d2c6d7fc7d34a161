/* Datapath counters: xs_stats summed over CPUs, their names from the shared
 * X-macro, and figures derived from them. */
#include <errno.h>

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
