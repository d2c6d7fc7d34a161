// SPDX-License-Identifier: Apache-2.0
/* Kernel features of the fast path, probed before the object is loaded so
 * that an old kernel gets a sentence instead of a verifier log. */
#include "agent/datapath/kernel_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <linux/bpf.h>
#include <bpf/libbpf.h>

/* Oldest first; XS_KERNEL_MIN is the newest "since". Features without a
 * probe of their own (BPF_F_BROADCAST for bpf_redirect_map, 5.15; global
 * BPF functions, 5.6) are older than the newest probed one. */
static const struct xs_kernel_feature features[] = {
	{ "BPF_MAP_TYPE_ARRAY_OF_MAPS", "4.12", "grace periods before a slot is reused",
	  XS_KF_MAP, 0, BPF_MAP_TYPE_ARRAY_OF_MAPS },
	{ "BPF_MAP_TYPE_DEVMAP_HASH", "5.4", "output ports by ifindex", XS_KF_MAP, 0,
	  BPF_MAP_TYPE_DEVMAP_HASH },
	{ "BPF_MAP_TYPE_RINGBUF", "5.8", "misses to the agent", XS_KF_MAP, 0,
	  BPF_MAP_TYPE_RINGBUF },
	{ "bpf_ringbuf_reserve() in XDP", "5.8", "misses to the agent", XS_KF_HELPER,
	  BPF_PROG_TYPE_XDP, BPF_FUNC_ringbuf_reserve },
	{ "bpf_ktime_get_coarse_ns()", "5.11", "megaflow last-use times", XS_KF_HELPER,
	  BPF_PROG_TYPE_XDP, BPF_FUNC_ktime_get_coarse_ns },
	{ "bpf_loop()", "5.17", "the megaflow mask walk", XS_KF_HELPER, BPF_PROG_TYPE_XDP,
	  BPF_FUNC_loop },
	{ "bpf_xdp_get_buff_len()", "5.18", "the length of a missed frame", XS_KF_HELPER,
	  BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_get_buff_len },
	{ "bpf_xdp_load_bytes()", "5.18", "copying a missed frame to the agent", XS_KF_HELPER,
	  BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes },
};

const struct xs_kernel_feature *xs_kernel_features(size_t *n)
{
	*n = sizeof(features) / sizeof(features[0]);
	return features;
}

static int libbpf_probe(const struct xs_kernel_feature *f)
{
	if (f->kind == XS_KF_MAP)
		return libbpf_probe_bpf_map_type(f->id, NULL);
	return libbpf_probe_bpf_helper(f->prog_type, f->id, NULL);
}

int xs_kernel_check(xs_kernel_probe_fn probe, char *why, size_t why_size)
{
	struct utsname u;

	if (!probe)
		probe = libbpf_probe;
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct xs_kernel_feature *f = &features[i];

		if (probe(f) != 0)
			continue; /* there, or no answer (the load will tell) */
		snprintf(why, why_size, "this kernel (Linux %s) lacks %s (Linux %s and later), "
			 "needed for %s; xdpswitch needs Linux " XS_KERNEL_MIN " or later",
			 u.release, f->name, f->since, f->use);
		return -EOPNOTSUPP;
	}
	return 0;
}
