// SPDX-License-Identifier: Apache-2.0
/* Control socket server: listen on a bridge's socket, serve the requests
 * of a connection in batches, survive anything a client sends. */
#include "agent/control/server.h"
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* Is an agent answering on path? */
static int socket_is_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int live;

	if (fd < 0)
		return 0;
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return live;
}

/* Creates the parent directory of path if it is missing. */
static int make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int xs_ctl_server_open(struct xs_ctl_server *srv, const char *path)
{
	struct sockaddr_un sa;
	mode_t old;
	int err, fd;

	srv->fd = srv->conn = -1;
	srv->path[0] = '\0';
	err = fill_addr(&sa, path);
	if (err)
		return err;
	err = make_parent(path);
	if (err)
		return err;
	if (access(path, F_OK) == 0) {
		if (socket_is_live(&sa))
			return -EADDRINUSE;
		unlink(path); /* stale: its agent died without cleaning up */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177); /* born 0600: no window where others may connect */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && chmod(path, 0600))
		err = -errno;
	if (!err && listen(fd, 16))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	srv->fd = fd;
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	return 0;
}

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Text for a request that could not be read; NULL when there is nobody
 * left to answer. */
static const char *read_error_text(int err)
{
	switch (err) {
	case -ENODATA: return NULL;
	case -EPROTO: return "bad request: not the xdpswitch control protocol (wrong magic)";
	case -EMSGSIZE: return "bad request: larger than the agent accepts";
	case -ECONNRESET: return "bad request: truncated";
	case -EAGAIN: return "bad request: not received in time";
	case -ENOMEM: return "agent out of memory reading the request";
	default: return "bad request: read failed";
	}
}

/* Appends one response frame to the batch's answers. */
static void answer(struct xs_ctl_buf *answers, int status, const char *text, size_t len)
{
	struct xs_ctl_buf frame;

	xs_ctl_buf_init(&frame);
	if (!xs_ctl_encode_response(status, text, len, &frame))
		xs_ctl_append(answers, frame.data, frame.len);
	else
		answers->oom = 1;
	xs_ctl_buf_free(&frame);
}

/* Decodes and runs one request payload, appending its answer. */
static void run_one(struct xs_ctl_buf *req, const struct xs_ctl_ops *ops, void *ctx,
		    struct xs_ctl_buf *answers)
{
	static char *argv[XS_CTL_MAX_ARGS + 1]; /* too big for the stack; one
						 * caller at a time (the loop) */
	static const char oom[] = "agent out of memory formatting the answer\n";
	struct xs_ctl_buf out;
	const char *why;
	int argc, status;

	xs_ctl_buf_init(&out);
	argc = xs_ctl_decode_request(req->data, req->len, argv, &why);
	if (argc < 0) {
		xs_ctl_printf(&out, "bad request: %s\n", why);
		status = 2;
	} else {
		status = ops->request(ctx, argc, argv, &out);
		if (status < 0 || status > 2)
			status = 1;
	}
	if (out.oom)
		answer(answers, 1, oom, sizeof(oom) - 1);
	else
		answer(answers, status, out.data, out.len);
	xs_ctl_buf_free(&out);
}

/* Has the peer sent something, hung up or failed, so that a read would
 * return at once? Waits up to @ms. */
static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

static void drop_conn(struct xs_ctl_server *srv)
{
	close(srv->conn);
	srv->conn = -1;
}

int xs_ctl_server_poll_fd(const struct xs_ctl_server *srv)
{
	return srv->conn >= 0 ? srv->conn : srv->fd;
}

int xs_ctl_server_serve(struct xs_ctl_server *srv, const struct xs_ctl_ops *ops, void *ctx)
{
	struct xs_ctl_buf req, answers;
	uint64_t t0 = xs_mono_ms();
	bool end = false;
	unsigned n = 0;
	char c;

	if (srv->conn < 0) {
		int cfd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		set_timeouts(cfd, XS_CTL_IO_TIMEOUT_MS);
		srv->conn = cfd;
	}
	xs_ctl_buf_init(&req);
	xs_ctl_buf_init(&answers);
	while (n == 0 || (n < XS_CTL_MAX_BATCH && answers.len < XS_CTL_BATCH_ANSWER_BYTES &&
			  xs_mono_ms() - t0 < XS_CTL_BATCH_MS && readable(srv->conn, 0))) {
		int err = xs_ctl_read_frame(srv->conn, XS_CTL_MAX_REQUEST, &req);

		if (err) {
			const char *why = read_error_text(err);

			if (why)
				answer(&answers, 2, why, strlen(why));
			end = true;
			break;
		}
		if (n++ == 0 && ops->begin)
			ops->begin(ctx);
		run_one(&req, ops, ctx, &answers);
	}
	if (n && ops->commit)
		ops->commit(ctx);
	if (answers.oom || xs_ctl_write_all(srv->conn, answers.data, answers.len))
		end = true;
	/* Keep the connection only if it goes on within the timeout; a hang-up
	 * (the CLI, after its answer) ends it here. */
	if (!end && (!readable(srv->conn, XS_CTL_IO_TIMEOUT_MS) ||
		     recv(srv->conn, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0))
		end = true;
	if (end)
		drop_conn(srv);
	xs_ctl_buf_free(&req);
	xs_ctl_buf_free(&answers);
	return 0;
}

void xs_ctl_server_close(struct xs_ctl_server *srv)
{
	if (srv->conn >= 0)
		drop_conn(srv);
	if (srv->fd >= 0) {
		close(srv->fd);
		srv->fd = -1;
	}
	if (srv->path[0]) {
		unlink(srv->path);
		srv->path[0] = '\0';
	}
}
