// SPDX-License-Identifier: Apache-2.0
/* Miss records: the consumer side of the xs_upcalls ringbuf. Records are
 * checked against their own lengths before the callback sees them. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "agent/datapath/dp_internal.h"

struct xs_dp_upcall_ctx {
	struct xs_dp *dp;
	xs_dp_upcall_cb cb;
	void *ctx;
	int n;
	int max; /* records per call; 0: no bound */
};

/* on_record's return once a bounded consume has its records. libbpf
 * advances the consumer past a record before its callback runs, so the
 * record that returns it is consumed, and the walk stops there. */
#define BUDGET_SPENT (-EDQUOT)

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
	int ret = u->cb(u->ctx, rec);

	if (!ret && u->max && u->n >= u->max)
		return BUDGET_SPENT;
	return ret;
}

static int ring_open(struct xs_dp *dp)
{
	int err;

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
	return 0;
}

/* Waits up to @timeout_ms for records, or (@wait false) only takes what
 * is there. */
static int ring_read(struct xs_dp *dp, xs_dp_upcall_cb cb, void *ctx, unsigned max,
		     bool wait, int timeout_ms)
{
	int err;

	if (!dp || !cb)
		return -EINVAL;
	err = ring_open(dp);
	if (err)
		return err;
	dp->uctx->cb = cb;
	dp->uctx->ctx = ctx;
	dp->uctx->n = 0;
	dp->uctx->max = (int)(max > INT_MAX ? INT_MAX : max);
	err = wait ? ring_buffer__poll(dp->rb, timeout_ms) : ring_buffer__consume(dp->rb);
	if (err < 0 && err != -EINTR && err != BUDGET_SPENT)
		return err;
	return dp->uctx->n;
}

int xs_dp_upcall_poll(struct xs_dp *dp, xs_dp_upcall_cb cb, void *ctx, int timeout_ms)
{
	return ring_read(dp, cb, ctx, 0, true, timeout_ms);
}

int xs_dp_upcall_consume(struct xs_dp *dp, unsigned max, xs_dp_upcall_cb cb, void *ctx)
{
	return ring_read(dp, cb, ctx, max, false, 0);
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
