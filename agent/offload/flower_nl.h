// SPDX-License-Identifier: Apache-2.0
/* TC flower filters as rtnetlink messages (libmnl): build the request that
 * adds, replaces or deletes one filter on a port's clsact ingress hook,
 * and the one that dumps a port's filters, and read a dumped filter's
 * handle, priority and action counters. Pure: buffers in, buffers out;
 * the socket is tc_sock.h.
 *
 * The requests are laid out as iproute2's `tc filter add ... flower ...
 * action ...` lays them out (attribute types, nesting flags, the action
 * structs with their tc_gen), which tests/e2e/test_offload_encoding.sh
 * checks attribute by attribute against tc's own request. */
#ifndef XS_OFFLOAD_FLOWER_NL_H
#define XS_OFFLOAD_FLOWER_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "agent/offload/flower.h"

/* Bytes a request may need: 32 actions of which pedits hold at most
 * XS_FL_MAX_PEDIT keys each stay well under this. */
#define XS_FL_NL_BUF 16384

/* Where a filter sits: clsact ingress of @ifindex, chain 0, @prio (one
 * per megaflow mask), @handle (one per megaflow), @protocol (network
 * order, tcm_info's low half). */
struct xs_fl_where {
	uint32_t ifindex;
	uint16_t prio;
	uint16_t protocol;
	uint32_t handle;
};

/* RTM_NEWTFILTER for @f at @w with TCA_CLS_FLAGS_* @cls_flags (skip_sw,
 * skip_hw). @replace: the filter at @w exists and is replaced (tc filter
 * replace: NLM_F_CREATE without NLM_F_EXCL); otherwise adding fails if it
 * exists. @buf holds XS_FL_NL_BUF bytes. Returns the message, or NULL if
 * it would not fit. */
struct nlmsghdr *xs_flower_nl_new(void *buf, const struct xs_flower *f,
				  const struct xs_fl_where *w, uint32_t cls_flags, bool replace,
				  uint32_t seq);

/* RTM_DELTFILTER of the filter at @w. */
struct nlmsghdr *xs_flower_nl_del(void *buf, const struct xs_fl_where *w, uint32_t seq);

/* RTM_GETTFILTER dump of every filter on @ifindex's ingress hook. */
struct nlmsghdr *xs_flower_nl_dump(void *buf, uint32_t ifindex, uint32_t seq);

/* One filter of a dump. */
struct xs_fl_dumped {
	uint32_t ifindex, handle;
	uint16_t prio, protocol;
	bool flower;        /* TCA_KIND "flower" */
	bool in_hw;         /* TCA_CLS_FLAGS_IN_HW */
	bool has_stats;
	uint64_t packets, bytes;       /* the first action's counters ... */
	uint64_t hw_packets, hw_bytes; /* ... of which the hardware's */
	uint64_t lastuse_ms;           /* ms since the first action last ran */
};

/* Reads an RTM_NEWTFILTER message (a dump entry). Returns 0 or -EINVAL
 * (malformed). */
int xs_flower_nl_parse(const struct nlmsghdr *nlh, struct xs_fl_dumped *out);

#endif
