// SPDX-License-Identifier: Apache-2.0
/* Shared helpers for the cmocka test binaries: privilege checks that skip
 * locally but fail in CI, bpffs, build paths. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/magic.h>

static int bpf_usable(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	int fd = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

void xs_test_require_bpf(void)
{
	if (geteuid() == 0 && bpf_usable())
		return;
	const char *ci = getenv("CI");
	if (ci && strcmp(ci, "true") == 0)
		fail_msg("this test needs root and BPF, and CI must run it");
	skip();
}

int xs_test_mount_bpffs(void)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

const char *xs_test_build_path(const char *rel)
{
	static char buf[4096];
	const char *b = getenv("XS_BUILD");

	snprintf(buf, sizeof(buf), "%s/%s", b && *b ? b : "build", rel);
	return buf;
}
