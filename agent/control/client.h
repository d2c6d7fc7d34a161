// SPDX-License-Identifier: Apache-2.0
/* The CLI's end of the control socket: send argv to the agent of a bridge,
 * get back the exit status and the output text. */
#ifndef XS_CONTROL_CLIENT_H
#define XS_CONTROL_CLIENT_H

#include "agent/control/proto.h"

#define XS_CTL_CALL_TIMEOUT_MS 60000 /* how long to wait for the answer */

/* Sends argv as one request to the socket at path and waits for the
 * response. On success returns 0, *status is the command's exit status
 * and out (reset first) holds its text, NUL terminated. Errors: -ENOENT or
 * -ECONNREFUSED (no agent), -EACCES (not allowed), -EAGAIN (no answer in
 * time), -EPROTO (not a valid response), -EINVAL/-EMSGSIZE (argv cannot be
 * sent), other -errno. */
int xs_ctl_call(const char *path, int argc, char *const argv[], int *status,
		struct xs_ctl_buf *out);

/* One line explaining a xs_ctl_call error for the user, e.g. "no agent is
 * running for bridge xs0 (no socket at /run/xdpswitch/xs0.sock)". */
const char *xs_ctl_strerror(int err, const char *bridge, const char *path, char *buf, size_t size);

#endif
