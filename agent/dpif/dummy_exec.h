// SPDX-License-Identifier: Apache-2.0
/* The dummy datapath's packet rewrites: every action of
 * include/xdpswitch/actions.h that changes the frame, run in userspace with
 * the fast path's semantics (bpf/rewrite.h, bpf/execute.h) and its checksum
 * arithmetic (bpf/csum.h), so both give the same bytes for the same frame.
 *
 * The frame is copied into a buffer with headroom for VLAN pushes, and the
 * header offsets the parser found move with pushes and pops, as in the fast
 * path's struct xs_pkt. Outputs and upcalls are the provider's
 * (dpif_dummy.c); this file only edits bytes. Pure C, no allocation. */
#ifndef XS_AGENT_DPIF_DUMMY_EXEC_H
#define XS_AGENT_DPIF_DUMMY_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/flow_parse.h"
#include "xdpswitch/actions.h"

/* Room in front of the frame: one tag per action at most. */
#define XS_DUMMY_HEADROOM (XS_MAX_ACTIONS * 4)

struct xs_dummy_frame {
	uint8_t *data;     /* start of the frame, inside buf */
	size_t len;
	/* Where the headers are, as xs_parse_info said and moved since by
	 * pushes and pops; 0: absent. 32-bit: a 64 KiB frame plus tags
	 * overflows the fast path's 16-bit offsets. */
	uint32_t l3_off;
	uint32_t l4_off;
	uint32_t nw_end;
	uint8_t l3;        /* enum xs_l3_kind */
	uint8_t l4_proto;
	uint8_t buf[XS_DUMMY_HEADROOM + XS_FLOW_PARSE_MAX_LEN];
};

/* Copies the @len bytes at @pkt (len <= XS_FLOW_PARSE_MAX_LEN; the caller
 * checks) into @f with the header offsets of @info, from xs_flow_parse()
 * on the same bytes. */
void xs_dummy_frame_load(struct xs_dummy_frame *f, const void *pkt, size_t len,
			 const struct xs_parse_info *info);

/* xs_dummy_rewrite() result besides 0 and -errno. */
#define XS_DUMMY_TTL_EXPIRED 1

/* Runs action @a on @f: any type but XS_ACT_OUTPUT and XS_ACT_TO_AGENT.
 * Returns 0, XS_DUMMY_TTL_EXPIRED (DEC_TTL found TTL <= 1; the frame is
 * unchanged), -EINVAL when the frame lacks the header the action needs
 * (the frame may be partly changed, as in the fast path, which then drops
 * it), -EOPNOTSUPP for a type this function does not run. */
int xs_dummy_rewrite(struct xs_dummy_frame *f, const struct xs_action *a);

#endif
