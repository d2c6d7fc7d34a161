// SPDX-License-Identifier: Apache-2.0
/* The agent's end of the control socket: a Unix stream socket per bridge,
 * mode 0600, served one connection at a time from the agent's poll loop.
 *
 * Batches. A connection may carry several requests one after another
 * (the CLI sends one and closes). Each call of xs_ctl_server_serve runs
 * one batch: the next request (the first waits up to XS_CTL_IO_TIMEOUT_MS)
 * and every further complete request that has already arrived, at most
 * XS_CTL_MAX_BATCH of them, until their answers hold
 * XS_CTL_BATCH_ANSWER_BYTES or they have run for XS_CTL_BATCH_MS (the
 * loop's other work, misses, waits meanwhile); then ops->commit runs once, and only then are
 * the answers sent, all in one write, in request order. So whatever commit
 * makes true (the agent: revalidated and durable) holds for every request
 * of the batch before its answer leaves. The connection is then kept when
 * more has arrived within XS_CTL_IO_TIMEOUT_MS (the loop polls it and
 * serves the next batch, misses in between), else closed. */
#ifndef XS_CONTROL_SERVER_H
#define XS_CONTROL_SERVER_H

#include <stddef.h>
#include "agent/control/proto.h"

#define XS_CTL_IO_TIMEOUT_MS 2000 /* a client must send each request in time */
#define XS_CTL_MAX_BATCH 1024     /* requests run before one commit */
#define XS_CTL_BATCH_ANSWER_BYTES (16u << 20) /* answers a batch may hold */
#define XS_CTL_BATCH_MS 100       /* a batch takes no new request after this */

/* Runs one request: argv[0] is the command. Appends the text for the user
 * to out and returns the exit status (0 ok, 1 failed, 2 usage; anything
 * else is sent as 1). Must not keep argv after returning. */
typedef int (*xs_ctl_handler_fn)(void *ctx, int argc, char **argv, struct xs_ctl_buf *out);

/* What the server calls, each with the ctx given to xs_ctl_server_serve. */
struct xs_ctl_ops {
	xs_ctl_handler_fn request;
	/* Before the first request of a batch runs (may be NULL). */
	void (*begin)(void *ctx);
	/* After the last request of a batch ran, before any of its answers
	 * is sent (may be NULL). Called once per begin. */
	void (*commit)(void *ctx);
};

struct xs_ctl_server {
	int fd;          /* listening socket, non-blocking */
	int conn;        /* the connection being served, -1: none */
	char path[108];  /* sizeof(sun_path) */
};

/* Creates the socket at path (and its directory, mode 0755, if missing),
 * mode 0600. A stale socket file (nobody listening) is replaced. Returns 0,
 * -EADDRINUSE (an agent is answering there), -ENAMETOOLONG or -errno. */
int xs_ctl_server_open(struct xs_ctl_server *srv, const char *path);

/* The fd to poll for POLLIN: the connection being served, else the
 * listening socket. */
int xs_ctl_server_poll_fd(const struct xs_ctl_server *srv);

/* Serves one batch (see above) on the kept connection, or on a newly
 * accepted one. A malformed request is answered with status 2 and a
 * message without calling ops->request; an oversized, truncated or late
 * one, or one that is not a frame of this protocol, is answered so and
 * ends the connection (the stream cannot be followed past it). Not
 * reentrant: call it from one thread. Returns 0 when a connection was
 * served (well-formed or not, or found closed), -EAGAIN when none was
 * pending, or -errno when accept failed. */
int xs_ctl_server_serve(struct xs_ctl_server *srv, const struct xs_ctl_ops *ops, void *ctx);

/* Closes the connection being served, the socket, and removes its file.
 * Safe on a closed server. */
void xs_ctl_server_close(struct xs_ctl_server *srv);

#endif
