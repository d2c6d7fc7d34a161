// SPDX-License-Identifier: Apache-2.0
/* Userspace wrapper of bpf/parse.h: the same parser XDP runs, over a buffer.
 * Keeps the key zeroing and in_port convention in one place. */
#include "common/flow_parse.h"

#include <errno.h>
#include <string.h>

int xs_flow_parse(const void *pkt, size_t len, __u32 in_port,
		  struct xs_flow_key *key, struct xs_parse_info *info)
{
	static const __u8 empty[1];
	void *data = (void *)(pkt ? pkt : empty);

	if (len > XS_FLOW_PARSE_MAX_LEN)
		return -EMSGSIZE;
	memset(key, 0, sizeof(*key));
	key->in_port = in_port;
	return xs_parse(data, (char *)data + (pkt ? len : 0), key, info);
}
