// SPDX-License-Identifier: Apache-2.0
/* Miss records: the consumer side of the xs_upcalls ringbuf. Records are
 * checked against their own lengths before the callback sees them. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "agent/datapath/dp_internal.h"

struct xs_dp_upcall_ctx {
	struct xs_dp *dp;
	xs_dp_upcall_cb cb;
	void *ctx;
	int n;
};

bool xs_dp_upcall_valid(const void *data, size_t size)
{
	const struct xs_upcall *rec = data;
	const size_t hdr = offsetof(struct xs_upcall, pkt);

	return size >= hdr && rec->cap_len <= XS_UPCALL_MAX_PKT && size >= hdr + rec->cap_len &&
	       rec->cap_len <= rec->pkt_len;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct xs_dp_upcall_ctx *u = ctx;
	const struct xs_upcall *rec = data;

	if (!xs_dp_upcall_valid(data, size)) {
		u->dp->upcall_malformed++;
		return 0;
	}
	u->n++;
	return u->cb(u->ctx, rec);
}

int xs_dp_upcall_poll(struct xs_dp *dp, xs_dp_upcall_cb cb, void *ctx, int timeout_ms)
{
	int err;

	if (!dp || !cb)
		return -EINVAL;
	if (!dp->rb) {
		dp->uctx = calloc(1, sizeof(*dp->uctx));
		if (!dp->uctx)
			return -ENOMEM;
		dp->uctx->dp = dp;
		dp->rb = ring_buffer__new(dp->fd_upcalls, on_record, dp->uctx, NULL);
		if (!dp->rb) {
			err = -errno;
			free(dp->uctx);
			dp->uctx = NULL;
			return err;
		}
	}
	dp->uctx->cb = cb;
	dp->uctx->ctx = ctx;
	dp->uctx->n = 0;
	err = ring_buffer__poll(dp->rb, timeout_ms);
	if (err < 0 && err != -EINTR)
		return err;
	return dp->uctx->n;
}

int xs_dp_upcall_fd(const struct xs_dp *dp)
{
	return dp->fd_upcalls;
}

uint64_t xs_dp_upcall_malformed(const struct xs_dp *dp)
{
	return dp->upcall_malformed;
}

void xs_dp_upcall_fini(struct xs_dp *dp)
{
	ring_buffer__free(dp->rb);
	free(dp->uctx);
	dp->rb = NULL;
	dp->uctx = NULL;
}
