// SPDX-License-Identifier: Apache-2.0
/* Userspace entry to the fast path's packet parser (bpf/parse.h): the agent,
 * trace and the tests extract keys with exactly the code XDP runs. */
#ifndef XS_COMMON_FLOW_PARSE_H
#define XS_COMMON_FLOW_PARSE_H

#include <stddef.h>
#include "bpf/parse.h"

/* Largest frame accepted: xs_parse_info holds 16-bit offsets. */
#define XS_FLOW_PARSE_MAX_LEN 65535

/* Parses the len bytes at pkt into key (zeroed here, in_port set) and info.
 * Returns XS_PARSE_OK or XS_PARSE_PARTIAL as xs_parse() does (the key is
 * valid in both cases), or -EMSGSIZE if len exceeds XS_FLOW_PARSE_MAX_LEN,
 * leaving key and info unchanged. pkt may be NULL when len is 0. */
int xs_flow_parse(const void *pkt, size_t len, __u32 in_port,
		  struct xs_flow_key *key, struct xs_parse_info *info);

#endif
