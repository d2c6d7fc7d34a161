// SPDX-License-Identifier: Apache-2.0
/* Shared helpers for the cmocka test binaries. */
#ifndef XS_TEST_H
#define XS_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* Skips the calling test unless it runs as root with BPF available; under
 * CI=true it fails instead, because CI must run every test. */
void xs_test_require_bpf(void);

/* Mounts bpffs on /sys/fs/bpf if it is not mounted. Returns 0 or -errno. */
int xs_test_mount_bpffs(void);

/* Path of a file in the build directory ($XS_BUILD, default "build"). */
const char *xs_test_build_path(const char *rel);

#endif
