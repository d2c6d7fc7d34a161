/* The agent's end of the control socket: a Unix stream socket per bridge,
 * mode 0600, served one connection at a time from the agent's poll loop. */
#ifndef XS_CONTROL_SERVER_H
#define XS_CONTROL_SERVER_H

#include <stddef.h>
#include "agent/control/proto.h"

#define XS_CTL_IO_TIMEOUT_MS 2000 /* a client must send its request in time */

/* Runs one request: argv[0] is the command. Appends the text for the user
 * to out and returns the exit status (0 ok, 1 failed, 2 usage; anything
 * else is sent as 1). Must not keep argv after returning. */
typedef int (*xs_ctl_handler_fn)(void *ctx, int argc, char **argv, struct xs_ctl_buf *out);

struct xs_ctl_server {
	int fd;          /* listening socket, non-blocking; poll it for POLLIN */
	char path[108];  /* sizeof(sun_path) */
};

/* Creates the socket at path (and its directory, mode 0755, if missing),
 * mode 0600. A stale socket file (nobody listening) is replaced. Returns 0,
 * -EADDRINUSE (an agent is answering there), -ENAMETOOLONG or -errno. */
int xs_ctl_server_open(struct xs_ctl_server *srv, const char *path);

/* Accepts one pending connection, reads its request, calls fn and sends
 * the response. A malformed, oversized, truncated or late request is
 * answered with status 2 and a message, without calling fn. Not
 * reentrant: call it from one thread. Returns 0
 * when a connection was handled (well-formed or not), -EAGAIN when none
 * was pending, or -errno when accept failed. */
int xs_ctl_server_serve_one(struct xs_ctl_server *srv, xs_ctl_handler_fn fn, void *ctx);

/* Closes the socket and removes its file. Safe on a closed server. */
void xs_ctl_server_close(struct xs_ctl_server *srv);

#endif
