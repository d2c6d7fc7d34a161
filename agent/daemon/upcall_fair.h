// SPDX-License-Identifier: Apache-2.0
/* Per-port fairness of the agent's miss work. The datapath hands every
 * upcall to one FIFO ring, so a port that floods misses would fill each
 * turn of the agent's loop with its own records and push the other ports'
 * misses back (or out of the ring). Records are read from the ring faster
 * than they are handled (copying is cheap, translating and re-injecting
 * are not) into one queue per ingress port; each turn then handles them
 * round robin, one record per port at a time, so every port with misses
 * gets an equal share of the turn. When the pool of queued records is
 * full, the longest queue gives up its oldest record (longest queue drop):
 * the flooding port loses, a quiet port never does while another holds
 * more. Nothing here knows OpenFlow or BPF. */
#ifndef XS_DAEMON_UPCALL_FAIR_H
#define XS_DAEMON_UPCALL_FAIR_H

#include <stdint.h>

#include "agent/dpif/dpif.h"

#define XS_FAIR_POOL 1024  /* records queued at most (1.7 MB) */
/* The queue of every port's connection tracking events: they set a TCP
 * connection's state, so their order matters across ports (a connection
 * has two), and one queue keeps it. */
#define XS_FAIR_EVENTS 0xffffffffu
#define XS_FAIR_QUEUES 256 /* ports with records queued at once; more share the last */

struct xs_fair_queue {
	uint32_t port;    /* ingress datapath port, or XS_FAIR_EVENTS */
	int32_t head, tail; /* record indices; -1: empty */
	uint32_t len;
};

struct xs_fair {
	struct xs_upcall *rec;       /* XS_FAIR_POOL records */
	int32_t *next;               /* per record: next in its queue or the free list */
	int32_t free_head;
	uint32_t n_free;
	struct xs_fair_queue q[XS_FAIR_QUEUES];
	uint32_t n_queues;
	uint32_t rr;                 /* next queue to serve */
	uint32_t last;               /* queue the previous record went to */
	uint64_t queued;             /* records taken in */
	uint64_t dropped;            /* given up by the longest queue, or refused */
	uint64_t served;             /* handed to the handler */
};

/* 0 or -ENOMEM. */
int xs_fair_init(struct xs_fair *f);
void xs_fair_fini(struct xs_fair *f);

/* An xs_dpif_upcall_cb: queues a copy of @u (ctx: the struct xs_fair). */
int xs_fair_push(void *ctx, const struct xs_upcall *u);

/* Hands up to @max queued records to @cb, round robin over the ports, and
 * forgets them (@cb copies what it keeps); stops early, between records,
 * once @deadline_ns (CLOCK_MONOTONIC; 0: none) has passed. Returns how
 * many. */
unsigned xs_fair_serve(struct xs_fair *f, unsigned max, uint64_t deadline_ns,
		       xs_dpif_upcall_cb cb, void *ctx);

/* Records queued, not handled yet. */
static inline uint32_t xs_fair_pending(const struct xs_fair *f)
{
	return XS_FAIR_POOL - f->n_free;
}

#endif
