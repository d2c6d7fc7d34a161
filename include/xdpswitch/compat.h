// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Lets the shared headers compile both under clang's BPF target (vmlinux-free,
 * <linux/types.h>) and in userspace C. */
#ifndef XDPSWITCH_COMPAT_H
#define XDPSWITCH_COMPAT_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#ifdef __cplusplus
#define XS_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define XS_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

#endif
