/* The two cache tiers: microflow (xs_emc, exact key per CPU) and megaflow
 * (tuple space search over the ordered mask list). Both give a handle
 * {slot, gen} that is trusted only if xs_flows[slot].gen still equals gen.
 *
 * The mask walk runs in a bpf_loop() callback: the verifier checks its body
 * once instead of once per mask, and the kernel inlines the loop (flags 0,
 * constant callback), so the cost is one direct call per probe. */
#ifndef XDPSWITCH_BPF_LOOKUP_H
#define XDPSWITCH_BPF_LOOKUP_H

#include "maps.h"
#include "stats.h"

/* A megaflow found for a packet. */
struct xs_hit {
	struct xs_megaflow *mf;
	__u32 slot;
	__u32 gen;
};

/* Returns the megaflow of @h if the handle is live, else NULL. */
static __always_inline struct xs_megaflow *
xs_flow_get(const struct xs_flow_handle *h)
{
	__u32 slot = h->slot;
	struct xs_megaflow *mf = bpf_map_lookup_elem(&xs_flows, &slot);

	if (!mf || !h->gen || mf->gen != h->gen)
		return NULL;
	return mf;
}

/* Microflow lookup. Fills @hit and returns 1 on a live entry; 0 on a miss.
 * A stale entry (megaflow removed or replaced) counts STALE_MICROFLOW. An
 * entry with gen 0 was created on another CPU and this CPU's copy was never
 * written: a plain miss. */
static __always_inline int xs_emc_lookup(const struct xs_flow_key *key,
					 struct xs_hit *hit)
{
	struct xs_flow_handle *e, h;

	if (!xs_cfg.emc_enabled)
		return 0;
	e = bpf_map_lookup_elem(&xs_emc, key);
	if (!e)
		return 0;
	h = *e; /* copy at once: an LRU element may be recycled */
	if (!h.gen)
		return 0;
	hit->mf = xs_flow_get(&h);
	if (!hit->mf) {
		xs_count(XS_STAT_STALE_MICROFLOW);
		return 0;
	}
	hit->slot = h.slot;
	hit->gen = h.gen;
	return 1;
}

/* State of one mask walk, shared with the bpf_loop() callback. */
struct xs_probe {
	const struct xs_flow_key *key;
	const struct xs_mask_list *list;
	__u32 count;
	__u32 mask_id;   /* out: id of the mask that matched */
	struct xs_flow_handle h; /* out: gen 0 until a hit */
};

/* bpf_loop() callback: probes mask @i. Returns 1 to stop the walk. */
static long xs_probe_mask(__u64 i, void *arg)
{
	struct xs_probe *p = arg;
	const struct xs_flow_handle *h;
	const __u64 *k, *m;
	struct xs_flow_key masked;
	__u64 *out = (__u64 *)&masked;
	int w;

	/* i < count <= XS_MAX_MASKS; the test bounds the index (verifier). */
	if (i >= XS_MAX_MASKS)
		return 1;
	k = (const __u64 *)p->key;
	m = (const __u64 *)&p->list->masks[i];
#pragma unroll
	for (w = 0; w < XS_FLOW_KEY_WORDS; w++)
		out[w] = k[w] & m[w];
	masked.mask_id = p->list->masks[i].mask_id;
	h = bpf_map_lookup_elem(&xs_megaflows, &masked);
	if (!h)
		return 0;
	p->h = *h;
	p->mask_id = masked.mask_id;
	p->count = i + 1; /* probes used */
	return 1;
}

/* Megaflow lookup. On a live hit fills @hit, counts MEGAFLOW_HIT and the
 * probes, bumps the mask's hit counter, caches the key in xs_emc (when
 * enabled) and returns 1. Returns 0 on a miss; a hash entry whose slot is
 * stale (being replaced by the agent) is a miss too. */
static __always_inline int xs_megaflow_lookup(const struct xs_flow_key *key,
					      struct xs_hit *hit)
{
	struct xs_probe p = { .key = key };
	__u32 zero = 0, n;
	__u64 *mh;

	p.list = bpf_map_lookup_elem(&xs_masks, &zero);
	if (!p.list)
		return 0;
	n = p.list->count;
	if (n > XS_MAX_MASKS)
		n = XS_MAX_MASKS;
	p.count = 0;
	bpf_loop(n, xs_probe_mask, &p, 0);
	if (!p.h.gen)
		return 0;
	hit->mf = xs_flow_get(&p.h);
	if (!hit->mf)
		return 0;
	hit->slot = p.h.slot;
	hit->gen = p.h.gen;

	xs_count(XS_STAT_MEGAFLOW_HIT);
	xs_count_n(XS_STAT_MASKS_PROBED, p.count);
	mh = bpf_map_lookup_elem(&xs_mask_hits, &p.mask_id);
	if (mh)
		*mh += 1;
	if (xs_cfg.emc_enabled)
		bpf_map_update_elem(&xs_emc, key, &p.h, BPF_ANY);
	return 1;
}

/* Both tiers. Returns 1 with @hit filled, 0 on a miss. */
static __always_inline int xs_lookup(const struct xs_flow_key *key,
				     struct xs_hit *hit)
{
	if (xs_emc_lookup(key, hit)) {
		xs_count(XS_STAT_MICROFLOW_HIT);
		return 1;
	}
	return xs_megaflow_lookup(key, hit);
}

/* Per-megaflow counters: packets, bytes, last use, TCP flags seen. The
 * coarse clock (jiffy resolution) is enough for idle expiry and costs a
 * fraction of bpf_ktime_get_ns(). */
static __always_inline void xs_flow_account(__u32 slot, __u32 len,
					    __be16 tcp_flags)
{
	struct xs_flow_stats *s = bpf_map_lookup_elem(&xs_flow_stats, &slot);

	if (!s)
		return;
	s->packets++;
	s->bytes += len;
	s->used_ns = bpf_ktime_get_coarse_ns();
	s->tcp_flags |= tcp_flags;
}

#endif
