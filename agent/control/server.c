/* Control socket server: listen on a bridge's socket, answer one request
 * per connection, survive anything a client sends. */
#include "agent/control/server.h"

#include <errno.h>
#include <fcntl.h>
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

	srv->fd = -1;
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

static void respond(int fd, int status, const char *text, size_t len)
{
	struct xs_ctl_buf frame;

	xs_ctl_buf_init(&frame);
	if (!xs_ctl_encode_response(status, text, len, &frame))
		xs_ctl_write_all(fd, frame.data, frame.len);
	xs_ctl_buf_free(&frame);
}

int xs_ctl_server_serve_one(struct xs_ctl_server *srv, xs_ctl_handler_fn fn, void *ctx)
{
	static char *argv[XS_CTL_MAX_ARGS + 1]; /* too big for the stack; one
						 * caller at a time (the loop) */
	struct xs_ctl_buf req, out;
	const char *why;
	int cfd, err, argc, status;

	cfd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	set_timeouts(cfd, XS_CTL_IO_TIMEOUT_MS);
	xs_ctl_buf_init(&req);
	xs_ctl_buf_init(&out);
	err = xs_ctl_read_frame(cfd, XS_CTL_MAX_REQUEST, &req);
	if (err) {
		why = read_error_text(err);
		if (why)
			respond(cfd, 2, why, strlen(why));
		goto out;
	}
	argc = xs_ctl_decode_request(req.data, req.len, argv, &why);
	if (argc < 0) {
		xs_ctl_printf(&out, "bad request: %s\n", why);
		respond(cfd, 2, out.data, out.len);
		goto out;
	}
	status = fn(ctx, argc, argv, &out);
	if (status < 0 || status > 2)
		status = 1;
	if (out.oom) {
		static const char msg[] = "agent out of memory formatting the answer\n";

		respond(cfd, 1, msg, sizeof(msg) - 1);
	} else {
		respond(cfd, status, out.data, out.len);
	}
out:
	xs_ctl_buf_free(&req);
	xs_ctl_buf_free(&out);
	close(cfd);
	return 0;
}

void xs_ctl_server_close(struct xs_ctl_server *srv)
{
	if (srv->fd >= 0) {
		close(srv->fd);
		srv->fd = -1;
	}
	if (srv->path[0]) {
		unlink(srv->path);
		srv->path[0] = '\0';
	}
}
