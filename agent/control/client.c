// SPDX-License-Identifier: Apache-2.0
/* Control socket client: one request, one response, errors made readable
 * for the command line. */
#include "agent/control/client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

int xs_ctl_call(const char *path, int argc, char *const argv[], int *status,
		struct xs_ctl_buf *out)
{
	struct timeval tv = { .tv_sec = XS_CTL_CALL_TIMEOUT_MS / 1000 };
	struct xs_ctl_buf frame, payload;
	struct sockaddr_un sa;
	const char *text;
	size_t text_len;
	int fd, err;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);

	xs_ctl_buf_init(&frame);
	xs_ctl_buf_init(&payload);
	err = xs_ctl_encode_request(argc, argv, &frame);
	if (err)
		goto out;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = -errno;
	if (!err)
		err = xs_ctl_write_all(fd, frame.data, frame.len);
	/* Even if sending failed half way, the agent may have answered with
	 * the reason (e.g. request too large): read it. */
	if (!err || err == -EPIPE || err == -ECONNRESET) {
		int rerr = xs_ctl_read_frame(fd, XS_CTL_MAX_RESPONSE, &payload);

		if (!rerr)
			err = 0;
		else if (!err)
			err = rerr == -ENODATA || rerr == -ECONNRESET ? -EPROTO : rerr;
	}
	close(fd);
	if (err)
		goto out;
	err = xs_ctl_decode_response(payload.data, payload.len, status, &text, &text_len);
	if (err)
		goto out;
	out->len = 0;
	out->oom = 0;
	err = xs_ctl_append(out, text, text_len);
out:
	xs_ctl_buf_free(&frame);
	xs_ctl_buf_free(&payload);
	return err;
}

const char *xs_ctl_strerror(int err, const char *bridge, const char *path, char *buf, size_t size)
{
	switch (err) {
	case -ENOENT:
		snprintf(buf, size, "no agent is running for bridge %s (no socket at %s)", bridge, path);
		break;
	case -ECONNREFUSED:
		snprintf(buf, size, "no agent is running for bridge %s (%s refuses connections)",
			 bridge, path);
		break;
	case -EACCES:
	case -EPERM:
		snprintf(buf, size, "permission denied on %s (the agent's socket is for root)", path);
		break;
	case -EAGAIN:
		snprintf(buf, size, "the agent of bridge %s did not answer within %d s", bridge,
			 XS_CTL_CALL_TIMEOUT_MS / 1000);
		break;
	case -EPROTO:
		snprintf(buf, size, "the agent of bridge %s sent no valid answer", bridge);
		break;
	case -EMSGSIZE:
		snprintf(buf, size, "request too large (the limit is %u bytes)", XS_CTL_MAX_REQUEST);
		break;
	default:
		snprintf(buf, size, "talking to the agent at %s: %s", path, strerror(-err));
		break;
	}
	return buf;
}
