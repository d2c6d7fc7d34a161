// SPDX-License-Identifier: Apache-2.0
/* The process-wide BPF set-up of the providers (bpf_env.h). */
#include "agent/datapath/bpf_env.h"
#include "agent/datapath/kernel_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#define BPFFS "/sys/fs/bpf"

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

int xs_bpf_env_prepare(bool verbose, char *why, size_t why_size)
{
	struct statfs st;
	int err;

	lib_verbose = verbose;
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
	err = check_bpf_permission();
	if (err) {
		snprintf(why, why_size, "cannot use BPF (%s): the agent needs root (CAP_BPF, "
			 "CAP_NET_ADMIN)", strerror(-err));
		return err;
	}
	err = xs_kernel_check(NULL, why, why_size);
	if (err)
		return err;
	if (statfs(BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		err = -errno;
		snprintf(why, why_size, "mounting bpffs on %s: %s", BPFFS, strerror(errno));
		return err;
	}
	return 0;
}
