// SPDX-License-Identifier: Apache-2.0
/* Per-port round robin over the miss records (design in upcall_fair.h). */
#include "agent/daemon/upcall_fair.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

int xs_fair_init(struct xs_fair *f)
{
	memset(f, 0, sizeof(*f));
	f->rec = malloc(XS_FAIR_POOL * sizeof(*f->rec));
	f->next = malloc(XS_FAIR_POOL * sizeof(*f->next));
	if (!f->rec || !f->next) {
		xs_fair_fini(f);
		return -ENOMEM;
	}
	for (int32_t i = 0; i < XS_FAIR_POOL; i++)
		f->next[i] = i + 1 < XS_FAIR_POOL ? i + 1 : -1;
	f->free_head = 0;
	f->n_free = XS_FAIR_POOL;
	return 0;
}

void xs_fair_fini(struct xs_fair *f)
{
	free(f->rec);
	free(f->next);
	f->rec = NULL;
	f->next = NULL;
	f->n_free = XS_FAIR_POOL;
	f->n_queues = 0;
}

/* The queue of @port, created empty if there is room; the last queue
 * takes every port beyond XS_FAIR_QUEUES. Records of a flood come in
 * runs from one port: the previous record's queue is tried first. */
static struct xs_fair_queue *queue_of(struct xs_fair *f, uint32_t port)
{
	struct xs_fair_queue *q;

	if (f->last < f->n_queues && f->q[f->last].port == port)
		return &f->q[f->last];
	for (uint32_t i = 0; i < f->n_queues; i++) {
		if (f->q[i].port == port) {
			f->last = i;
			return &f->q[i];
		}
	}
	if (f->n_queues == XS_FAIR_QUEUES)
		return &f->q[XS_FAIR_QUEUES - 1];
	f->last = f->n_queues;
	q = &f->q[f->n_queues++];
	q->port = port;
	q->head = q->tail = -1;
	q->len = 0;
	return q;
}

static int32_t pop(struct xs_fair *f, struct xs_fair_queue *q)
{
	int32_t r = q->head;

	q->head = f->next[r];
	if (q->head < 0)
		q->tail = -1;
	q->len--;
	return r;
}

static void release(struct xs_fair *f, int32_t r)
{
	f->next[r] = f->free_head;
	f->free_head = r;
	f->n_free++;
}

/* A record for @mine: a free one, or the oldest of the longest queue if
 * that one holds more than @mine would; -1 if @mine is the longest. */
static int32_t take(struct xs_fair *f, const struct xs_fair_queue *mine)
{
	struct xs_fair_queue *longest = NULL;
	int32_t r;

	if (f->n_free) {
		r = f->free_head;
		f->free_head = f->next[r];
		f->n_free--;
		return r;
	}
	for (uint32_t i = 0; i < f->n_queues; i++)
		if (!longest || f->q[i].len > longest->len)
			longest = &f->q[i];
	if (!longest || longest->len <= mine->len + 1)
		return -1;
	f->dropped++;
	return pop(f, longest);
}

int xs_fair_push(void *ctx, const struct xs_upcall *u)
{
	struct xs_fair *f = ctx;
	struct xs_fair_queue *q = queue_of(f, u->reason == XS_UPCALL_CT_EVENT ? XS_FAIR_EVENTS
									    : u->ifindex);
	int32_t r = take(f, q);

	if (r < 0) {
		f->dropped++;
		return 0;
	}
	memcpy(&f->rec[r], u, offsetof(struct xs_upcall, pkt) + u->cap_len);
	f->next[r] = -1;
	if (q->tail >= 0)
		f->next[q->tail] = r;
	else
		q->head = r;
	q->tail = r;
	q->len++;
	f->queued++;
	return 0;
}

/* Drops the empty queues, keeping the order of the others; the round
 * robin goes on from the queue it was at. */
static void compact(struct xs_fair *f)
{
	uint32_t n = 0, rr = 0;

	for (uint32_t i = 0; i < f->n_queues; i++) {
		if (!f->q[i].len)
			continue;
		if (i < f->rr)
			rr = n + 1;
		f->q[n++] = f->q[i];
	}
	f->n_queues = n;
	f->rr = rr < n ? rr : 0;
	f->last = n;
}

unsigned xs_fair_serve(struct xs_fair *f, unsigned max, uint64_t deadline_ns,
		       xs_dpif_upcall_cb cb, void *ctx)
{
	unsigned done = 0;

	while (done < max && xs_fair_pending(f)) {
		if (deadline_ns && xs_mono_ns() > deadline_ns)
			break;
		struct xs_fair_queue *q;
		int32_t r;

		if (f->rr >= f->n_queues)
			f->rr = 0;
		q = &f->q[f->rr++];
		if (!q->len)
			continue;
		r = pop(f, q);
		cb(ctx, &f->rec[r]);
		release(f, r);
		done++;
	}
	f->served += done;
	compact(f);
	return done;
}
