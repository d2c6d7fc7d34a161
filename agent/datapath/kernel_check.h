// SPDX-License-Identifier: Apache-2.0
/* The oldest kernel the fast path runs on, checked feature by feature:
 * the agent refuses to start on a kernel that lacks one, naming it. */
#ifndef XS_DATAPATH_KERNEL_CHECK_H
#define XS_DATAPATH_KERNEL_CHECK_H

#include <stddef.h>

/* The newest of the features below: the oldest kernel supported. */
#define XS_KERNEL_MIN "5.18"

/* A kernel feature the fast path needs. */
struct xs_kernel_feature {
	const char *name;   /* as the message names it */
	const char *since;  /* the first Linux release with it */
	const char *use;    /* what the fast path needs it for */
	int kind;           /* XS_KF_MAP or XS_KF_HELPER */
	int prog_type;      /* helper: the program type that calls it */
	int id;             /* enum bpf_map_type or enum bpf_func_id */
};

#define XS_KF_MAP 1
#define XS_KF_HELPER 2

/* Tells whether @f is there: 1 yes, 0 no, -errno when it cannot tell. */
typedef int (*xs_kernel_probe_fn)(const struct xs_kernel_feature *f);

/* Probes every feature the fast path needs with @probe (NULL: libbpf's
 * probes, loading tiny programs and maps). Returns 0, or -EOPNOTSUPP with
 * @why naming the first missing feature, its release and its use; a probe
 * that cannot tell is not a refusal. */
int xs_kernel_check(xs_kernel_probe_fn probe, char *why, size_t why_size);

/* The table, for tests and documentation. */
const struct xs_kernel_feature *xs_kernel_features(size_t *n);

#endif
