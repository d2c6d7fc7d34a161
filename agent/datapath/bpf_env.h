// SPDX-License-Identifier: Apache-2.0
/* What the BPF providers need of the process before they load anything:
 * permission to create maps, a mounted bpffs, libbpf's and libxdp's
 * messages routed and filtered. */
#ifndef XS_DATAPATH_BPF_ENV_H
#define XS_DATAPATH_BPF_ENV_H

#include <stdbool.h>
#include <stddef.h>

/* Checks that this process may create BPF maps (root, or CAP_BPF) and that
 * the kernel has what the fast path needs (kernel_check.h), mounts
 * bpffs on /sys/fs/bpf if it is not, and sends libbpf's and libxdp's
 * warnings (and with @verbose their other messages) to stderr. Returns 0,
 * or -errno with @why set. Idempotent. */
int xs_bpf_env_prepare(bool verbose, char *why, size_t why_size);

#endif
