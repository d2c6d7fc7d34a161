// SPDX-License-Identifier: Apache-2.0
/* Tests of the control protocol: encoding round trips, every decode error,
 * and a live server (in a child process) answering malformed, oversized,
 * truncated and late requests with an error and still serving afterwards. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "agent/control/client.h"
#include "agent/control/proto.h"
#include "agent/control/server.h"

static void test_buf_printf_append(void **state)
{
	struct xs_ctl_buf b;

	(void)state;
	xs_ctl_buf_init(&b);
	assert_int_equal(xs_ctl_printf(&b, "port %d: %s", 7, "xse-a"), 0);
	assert_int_equal(xs_ctl_append(&b, "\0x", 2), 0);
	assert_int_equal(b.len, 15);
	assert_memory_equal(b.data, "port 7: xse-a\0x", 15);
	for (int i = 0; i < 1000; i++) /* grows past the first allocation */
		assert_int_equal(xs_ctl_printf(&b, "%04d", i), 0);
	assert_int_equal(b.len, 15 + 4000);
	assert_memory_equal(b.data + b.len - 4, "0999", 4);
	assert_int_equal(b.data[b.len], '\0');
	xs_ctl_buf_free(&b);
	assert_null(b.data);
}

/* JSON string literals: quotes, backslashes and control bytes escaped. */
static void test_json_str(void **state)
{
	struct xs_ctl_buf b;

	(void)state;
	xs_ctl_buf_init(&b);
	assert_int_equal(xs_ctl_json_str(&b, "a\"b\\c\n\x01" "d"), 0);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\u000a\\u0001d\"");
	xs_ctl_buf_free(&b);
	xs_ctl_buf_init(&b);
	assert_int_equal(xs_ctl_json_str(&b, ""), 0);
	assert_string_equal(b.data, "\"\"");
	xs_ctl_buf_free(&b);
}

static void test_request_round_trip(void **state)
{
	char *in[] = { "add-flow", "", "priority=1,in_port=1 actions=output:2\nline2", "x" };
	char *argv[XS_CTL_MAX_ARGS + 1];
	struct xs_ctl_buf f;
	const char *why = NULL;
	uint32_t len;

	(void)state;
	xs_ctl_buf_init(&f);
	assert_int_equal(xs_ctl_encode_request(4, in, &f), 0);
	assert_int_equal(f.len, 8 + 9 + 1 + 44 + 2);
	assert_memory_equal(f.data, "XSC1\0\0\0\x38", 8);
	assert_int_equal(xs_ctl_parse_header((unsigned char *)f.data, XS_CTL_MAX_REQUEST, &len), 0);
	assert_int_equal(len, 56);
	assert_int_equal(xs_ctl_decode_request(f.data + 8, len, argv, &why), 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(argv[i], in[i]);
	assert_null(argv[4]);
	xs_ctl_buf_free(&f);
}

static void test_request_encode_errors(void **state)
{
	char *none[] = { NULL };
	char *with_null[] = { "show", NULL };
	struct xs_ctl_buf f;

	(void)state;
	xs_ctl_buf_init(&f);
	assert_int_equal(xs_ctl_encode_request(0, none, &f), -EINVAL);
	assert_int_equal(xs_ctl_encode_request(2, with_null, &f), -EINVAL);
	assert_int_equal(xs_ctl_encode_request(XS_CTL_MAX_ARGS + 1, with_null, &f), -EINVAL);

	char *big = malloc(XS_CTL_MAX_REQUEST + 1);
	assert_non_null(big);
	memset(big, 'a', XS_CTL_MAX_REQUEST);
	big[XS_CTL_MAX_REQUEST] = '\0';
	char *too_big[] = { "add-flows", big };
	assert_int_equal(xs_ctl_encode_request(2, too_big, &f), -EMSGSIZE);
	free(big);
	xs_ctl_buf_free(&f);
}

static void test_request_decode_errors(void **state)
{
	char *argv[XS_CTL_MAX_ARGS + 1];
	const char *why;
	char no_nul[] = { 's', 'h', 'o', 'w' };
	char empty_cmd[] = { '\0', 'x', '\0' };

	(void)state;
	assert_int_equal(xs_ctl_decode_request(no_nul, 0, argv, &why), -EINVAL);
	assert_string_equal(why, "empty request");
	assert_int_equal(xs_ctl_decode_request(no_nul, 4, argv, &why), -EINVAL);
	assert_string_equal(why, "request does not end with NUL");
	assert_int_equal(xs_ctl_decode_request(empty_cmd, 3, argv, &why), -EINVAL);
	assert_string_equal(why, "empty command name");

	size_t n = XS_CTL_MAX_ARGS + 1;
	char *many = malloc(2 * n);
	for (size_t i = 0; i < n; i++) {
		many[2 * i] = 'a';
		many[2 * i + 1] = '\0';
	}
	assert_int_equal(xs_ctl_decode_request(many, 2 * n, argv, &why), -EINVAL);
	assert_string_equal(why, "too many arguments");
	assert_int_equal(xs_ctl_decode_request(many, 2 * (n - 1), argv, &why), XS_CTL_MAX_ARGS);
	free(many);
}

static void test_header_errors(void **state)
{
	const unsigned char bad_magic[8] = { 'H', 'T', 'T', 'P', 0, 0, 0, 1 };
	const unsigned char big[8] = { 'X', 'S', 'C', '1', 0x01, 0x00, 0x00, 0x01 };
	uint32_t len;

	(void)state;
	assert_int_equal(xs_ctl_parse_header(bad_magic, 100, &len), -EPROTO);
	assert_int_equal(xs_ctl_parse_header(big, XS_CTL_MAX_REQUEST, &len), -EMSGSIZE);
	assert_int_equal(len, XS_CTL_MAX_REQUEST + 1);
	assert_int_equal(xs_ctl_parse_header(big, XS_CTL_MAX_REQUEST + 1, &len), 0);
}

static void test_response_round_trip(void **state)
{
	struct xs_ctl_buf f;
	const char *text;
	size_t tl;
	int status;

	(void)state;
	xs_ctl_buf_init(&f);
	assert_int_equal(xs_ctl_encode_response(2, "usage: x\n", 9, &f), 0);
	assert_int_equal(f.len, 8 + 4 + 9);
	assert_memory_equal(f.data, "XSC1\0\0\0\x0d\0\0\0\x02usage: x\n", 21);
	assert_int_equal(xs_ctl_decode_response(f.data + 8, f.len - 8, &status, &text, &tl), 0);
	assert_int_equal(status, 2);
	assert_int_equal(tl, 9);
	assert_memory_equal(text, "usage: x\n", 9);
	assert_int_equal(xs_ctl_decode_response(f.data + 8, 3, &status, &text, &tl), -EPROTO);

	/* output above the limit is cut and says so */
	size_t n = XS_CTL_MAX_RESPONSE + 10;
	char *big = malloc(n);
	memset(big, 'z', n);
	assert_int_equal(xs_ctl_encode_response(0, big, n, &f), 0);
	assert_int_equal(f.len, 8 + XS_CTL_MAX_RESPONSE);
	assert_memory_equal(f.data + f.len - 20, "\n(output truncated)\n", 20);
	free(big);
	xs_ctl_buf_free(&f);
}

static void test_paths(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(xs_ctl_check_bridge("xs0"), 0);
	assert_int_equal(xs_ctl_check_bridge("br-int.1_x"), 0);
	assert_int_equal(xs_ctl_check_bridge(""), -EINVAL);
	assert_int_equal(xs_ctl_check_bridge("../etc"), -EINVAL);
	assert_int_equal(xs_ctl_check_bridge("a/b"), -EINVAL);
	assert_int_equal(xs_ctl_check_bridge("-x"), -EINVAL);
	assert_int_equal(xs_ctl_check_bridge("abcdefghijklmnop"), -EINVAL); /* 16 */
	assert_int_equal(xs_ctl_check_bridge(NULL), -EINVAL);
	setenv("XS_RUN_DIR", "/tmp/xsrun", 1);
	assert_int_equal(xs_ctl_path("br1", ".sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/tmp/xsrun/br1.sock");
	assert_int_equal(xs_ctl_path("br1", ".sock", buf, 10), -ENAMETOOLONG);
	assert_int_equal(xs_ctl_path("a b", ".sock", buf, sizeof(buf)), -EINVAL);
	unsetenv("XS_RUN_DIR");
	assert_int_equal(xs_ctl_path("xs0", ".lock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/xdpswitch/xs0.lock");
}

/* --- a live server ------------------------------------------------------- */

static char dir[64], sock[128];
static pid_t server_pid;
static int handler_calls; /* in the child */

/* echo: "argc=N" and the arguments joined by '|'; "status N" returns N;
 * "quit" stops the server. */
static int echo_handler(void *ctx, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)ctx;
	handler_calls++;
	if (!strcmp(argv[0], "status"))
		return atoi(argv[1]);
	if (!strcmp(argv[0], "calls")) {
		xs_ctl_printf(out, "%d", handler_calls);
		return 0;
	}
	xs_ctl_printf(out, "argc=%d", argc);
	for (int i = 0; i < argc; i++)
		xs_ctl_printf(out, "%s%s", i ? "|" : " ", argv[i]);
	return 0;
}

static const struct xs_ctl_ops echo_ops = { .request = echo_handler };

static int start_server(void **state)
{
	struct xs_ctl_server srv;
	int pipefd[2];
	char c;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xse-ctl-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock, sizeof(sock), "%s/run/t.sock", dir); /* run/ is created */
	if (pipe(pipefd))
		return -1;
	server_pid = fork();
	if (server_pid == 0) {
		close(pipefd[0]);
		if (xs_ctl_server_open(&srv, sock))
			_exit(1);
		write(pipefd[1], "r", 1);
		for (;;) {
			struct pollfd p = { .fd = xs_ctl_server_poll_fd(&srv), .events = POLLIN };

			poll(&p, 1, 1000);
			xs_ctl_server_serve(&srv, &echo_ops, NULL);
		}
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1)
		return -1;
	close(pipefd[0]);
	return 0;
}

static int stop_server(void **state)
{
	char cmd[128];

	(void)state;
	kill(server_pid, SIGKILL);
	waitpid(server_pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* Sends raw bytes (then half-closes) and returns the response status and
 * text, or -1 status when the server closed without answering. */
static int raw_exchange(const void *data, size_t len, int delay_ms, char *text, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xs_ctl_buf payload;
	const char *t;
	size_t tl;
	int fd, status = -1;

	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (len)
		assert_int_equal(xs_ctl_write_all(fd, data, len), 0);
	if (delay_ms)
		usleep(delay_ms * 1000);
	else
		shutdown(fd, SHUT_WR);
	xs_ctl_buf_init(&payload);
	if (!xs_ctl_read_frame(fd, XS_CTL_MAX_RESPONSE, &payload)) {
		assert_int_equal(xs_ctl_decode_response(payload.data, payload.len, &status, &t, &tl), 0);
		snprintf(text, size, "%.*s", (int)tl, t);
	}
	xs_ctl_buf_free(&payload);
	close(fd);
	return status;
}

static void call_ok(char **argv, int argc, int want_status, const char *want_text)
{
	struct xs_ctl_buf out;
	int status = -1;

	xs_ctl_buf_init(&out);
	assert_int_equal(xs_ctl_call(sock, argc, argv, &status, &out), 0);
	assert_int_equal(status, want_status);
	assert_string_equal(out.data ? out.data : "", want_text);
	xs_ctl_buf_free(&out);
}

static void test_server_round_trip(void **state)
{
	char *a[] = { "dump-flows", "", "x y" };
	char *s[] = { "status", "2" };
	char *s7[] = { "status", "7" };
	struct stat st;

	(void)state;
	assert_int_equal(stat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	call_ok(a, 3, 0, "argc=3 dump-flows||x y");
	call_ok(s, 2, 2, "");
	call_ok(s7, 2, 1, ""); /* out-of-range status is sent as 1 */
}

static void test_server_survives_bad_requests(void **state)
{
	char text[256];
	char *calls[] = { "calls" };
	struct xs_ctl_buf before;
	int status;

	(void)state;
	xs_ctl_buf_init(&before);
	assert_int_equal(xs_ctl_call(sock, 1, calls, &status, &before), 0);
	int n_before = atoi(before.data);
	xs_ctl_buf_free(&before);

	assert_int_equal(raw_exchange("GET / HTTP/1.0\r\n\r\n", 18, 0, text, sizeof(text)), 2);
	assert_string_equal(text, "bad request: not the xdpswitch control protocol (wrong magic)");

	const unsigned char big[8] = { 'X', 'S', 'C', '1', 0x01, 0x00, 0x00, 0x01 };
	assert_int_equal(raw_exchange(big, 8, 0, text, sizeof(text)), 2);
	assert_string_equal(text, "bad request: larger than the agent accepts");

	const unsigned char trunc[13] = { 'X', 'S', 'C', '1', 0, 0, 0, 100, 's', 'h', 'o', 'w', 0 };
	assert_int_equal(raw_exchange(trunc, 13, 0, text, sizeof(text)), 2);
	assert_string_equal(text, "bad request: truncated");

	assert_int_equal(raw_exchange("XSC1", 4, 0, text, sizeof(text)), 2); /* half header */
	assert_string_equal(text, "bad request: truncated");

	const unsigned char no_nul[12] = { 'X', 'S', 'C', '1', 0, 0, 0, 4, 's', 'h', 'o', 'w' };
	assert_int_equal(raw_exchange(no_nul, 12, 0, text, sizeof(text)), 2);
	assert_string_equal(text, "bad request: request does not end with NUL\n");

	const unsigned char empty[8] = { 'X', 'S', 'C', '1', 0, 0, 0, 0 };
	assert_int_equal(raw_exchange(empty, 8, 0, text, sizeof(text)), 2);
	assert_string_equal(text, "bad request: empty request\n");

	assert_int_equal(raw_exchange(NULL, 0, 0, text, sizeof(text)), -1); /* hang-up */

	/* a client that sends half a frame and then waits is cut off */
	assert_int_equal(raw_exchange(trunc, 10, XS_CTL_IO_TIMEOUT_MS + 500, text, sizeof(text)), 2);
	assert_string_equal(text, "bad request: not received in time");

	/* still serving, and none of the bad requests reached the handler */
	char want[16];
	snprintf(want, sizeof(want), "%d", n_before + 1);
	call_ok(calls, 1, 0, want);
}

static void test_second_server_refused(void **state)
{
	struct xs_ctl_server srv;

	(void)state;
	assert_int_equal(xs_ctl_server_open(&srv, sock), -EADDRINUSE);
	assert_int_equal(srv.fd, -1);
}

static void test_stale_socket_replaced_and_removed(void **state)
{
	struct xs_ctl_server a, b;
	char path[160];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	assert_int_equal(xs_ctl_server_open(&a, path), 0);
	close(a.fd); /* dies without cleaning up: the file stays */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(xs_ctl_server_open(&b, path), 0);
	assert_int_equal(xs_ctl_server_serve(&b, &echo_ops, NULL), -EAGAIN);
	xs_ctl_server_close(&b);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	xs_ctl_server_close(&b); /* twice is harmless */
}

static void test_client_errors(void **state)
{
	char *a[] = { "show" };
	struct xs_ctl_server srv;
	struct xs_ctl_buf out;
	char path[160], msg[256];
	int status;

	(void)state;
	xs_ctl_buf_init(&out);
	snprintf(path, sizeof(path), "%s/none.sock", dir);
	assert_int_equal(xs_ctl_call(path, 1, a, &status, &out), -ENOENT);
	xs_ctl_strerror(-ENOENT, "xs9", path, msg, sizeof(msg));
	assert_non_null(strstr(msg, "no agent is running for bridge xs9"));

	assert_int_equal(xs_ctl_server_open(&srv, path), 0);
	close(srv.fd); /* file without a listener */
	assert_int_equal(xs_ctl_call(path, 1, a, &status, &out), -ECONNREFUSED);
	unlink(path);
	assert_int_equal(xs_ctl_call(path, 0, a, &status, &out), -EINVAL);
	xs_ctl_buf_free(&out);

	char longpath[200];
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(xs_ctl_call(longpath, 1, a, &status, &out), -ENAMETOOLONG);
	assert_int_equal(xs_ctl_server_open(&srv, longpath), -ENAMETOOLONG);
}

static void test_server_open_errors(void **state)
{
	struct xs_ctl_server srv;
	char file[160], path[200];
	FILE *f;

	(void)state;
	snprintf(file, sizeof(file), "%s/plainfile", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/x.sock", file); /* parent is a file */
	assert_int_equal(xs_ctl_server_open(&srv, path), -ENOTDIR);
	assert_int_equal(srv.fd, -1);
	unlink(file);
}

/* A peer that accepts and hangs up without answering. */
static void test_client_no_answer(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *a[] = { "show" };
	struct xs_ctl_buf out;
	int lfd, status;
	pid_t pid;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/mute.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	if (pid == 0) {
		int c = accept(lfd, NULL, NULL);
		char buf[64];

		read(c, buf, sizeof(buf)); /* take the request, say nothing */
		close(c);
		_exit(0);
	}
	xs_ctl_buf_init(&out);
	assert_int_equal(xs_ctl_call(sa.sun_path, 1, a, &status, &out), -EPROTO);
	xs_ctl_buf_free(&out);
	waitpid(pid, NULL, 0);
	close(lfd);
	unlink(sa.sun_path);
}

/* --- batches: an in-process server with counting hooks ------------------ */

struct batch_counts {
	int begin, commit, requests, depth;
	int client;            /* the client's fd, to see nothing arrived early */
	int answered_early;    /* answers the client could read at a commit */
};

static int count_request(void *ctx, int argc, char **argv, struct xs_ctl_buf *out)
{
	struct batch_counts *c = ctx;

	assert_int_equal(c->depth, 1); /* inside begin .. commit */
	c->requests++;
	if (argc > 1 && !strcmp(argv[1], "slow"))
		usleep(60 * 1000);
	xs_ctl_printf(out, "argc=%d %s|%s", argc, argv[0], argc > 1 ? argv[1] : "");
	return 0;
}

static void count_begin(void *ctx)
{
	struct batch_counts *c = ctx;

	c->begin++;
	c->depth++;
}

/* The commit runs before any answer of its batch is sent. */
static void count_commit(void *ctx)
{
	struct batch_counts *c = ctx;
	char byte;

	c->commit++;
	c->depth--;
	if (recv(c->client, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		c->answered_early++;
}

static const struct xs_ctl_ops counting_ops = {
	.request = count_request, .begin = count_begin, .commit = count_commit,
};

/* A server on its own socket and a client connected to it. */
static int open_pair(struct xs_ctl_server *srv, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	assert_int_equal(xs_ctl_server_open(srv, sa.sun_path), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Sends "echo I" for I in [from, to) in one write (a write per frame
 * would fill the socket's buffer with per-packet overhead first). */
static void send_echo_range(int fd, int from, int to)
{
	struct xs_ctl_buf frame, all;
	char arg[16];
	char *argv[2] = { "echo", arg };

	xs_ctl_buf_init(&frame);
	xs_ctl_buf_init(&all);
	for (int i = from; i < to; i++) {
		snprintf(arg, sizeof(arg), "%d", i);
		assert_int_equal(xs_ctl_encode_request(2, argv, &frame), 0);
		xs_ctl_append(&all, frame.data, frame.len);
	}
	assert_int_equal(xs_ctl_write_all(fd, all.data, all.len), 0);
	xs_ctl_buf_free(&frame);
	xs_ctl_buf_free(&all);
}

static void send_echo(int fd, int i)
{
	send_echo_range(fd, i, i + 1);
}

/* Reads one answer and checks status and text. */
static void expect_answer(int fd, int status, const char *text)
{
	struct xs_ctl_buf payload;
	const char *t;
	size_t tl;
	int st;

	xs_ctl_buf_init(&payload);
	assert_int_equal(xs_ctl_read_frame(fd, XS_CTL_MAX_RESPONSE, &payload), 0);
	assert_int_equal(xs_ctl_decode_response(payload.data, payload.len, &st, &t, &tl), 0);
	assert_int_equal(st, status);
	assert_int_equal(tl, strlen(text));
	assert_memory_equal(t, text, tl);
	xs_ctl_buf_free(&payload);
}

/* 1500 requests sent before the server looks: a batch of XS_CTL_MAX_BATCH
 * and one of the rest, one commit each, before their answers; all answers
 * in request order; the connection is kept between the two batches. */
static void test_server_pipelined_batches(void **state)
{
	struct batch_counts c = { 0 };
	struct xs_ctl_server srv;
	char want[64];
	int fd;

	(void)state;
	fd = open_pair(&srv, "batch.sock");
	c.client = fd;
	send_echo_range(fd, 0, 1500);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	assert_int_equal(c.requests, XS_CTL_MAX_BATCH);
	assert_int_equal(c.begin, 1);
	assert_int_equal(c.commit, 1);
	assert_true(srv.conn >= 0); /* more has arrived: kept, and polled */
	assert_int_equal(xs_ctl_server_poll_fd(&srv), srv.conn);
	for (int i = 0; i < XS_CTL_MAX_BATCH; i++) {
		snprintf(want, sizeof(want), "argc=2 echo|%d", i);
		expect_answer(fd, 0, want);
	}
	shutdown(fd, SHUT_WR);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	assert_int_equal(c.requests, 1500);
	assert_int_equal(c.begin, 2);
	assert_int_equal(c.commit, 2);
	assert_int_equal(c.answered_early, 0);
	assert_int_equal(srv.conn, -1); /* the client hung up */
	assert_int_equal(xs_ctl_server_poll_fd(&srv), srv.fd);
	for (int i = XS_CTL_MAX_BATCH; i < 1500; i++) {
		snprintf(want, sizeof(want), "argc=2 echo|%d", i);
		expect_answer(fd, 0, want);
	}
	close(fd);
	xs_ctl_server_close(&srv);
}

/* In a batch, a malformed request is answered with status 2 and the
 * others run; a frame that breaks the framing is answered and ends the
 * connection: what follows it is never run. */
static void test_server_batch_with_bad_requests(void **state)
{
	const unsigned char no_nul[12] = { 'X', 'S', 'C', '1', 0, 0, 0, 4, 's', 'h', 'o', 'w' };
	struct batch_counts c = { 0 };
	struct xs_ctl_server srv;
	struct xs_ctl_buf payload;
	int fd, err;

	(void)state;
	fd = open_pair(&srv, "bad.sock");
	c.client = fd;
	send_echo(fd, 1);
	xs_ctl_write_all(fd, no_nul, sizeof(no_nul));
	send_echo(fd, 2);
	xs_ctl_write_all(fd, "GET / HTTP/1.0\r\n\r\n", 18);
	send_echo(fd, 3);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	assert_int_equal(c.requests, 2);
	assert_int_equal(c.commit, 1);
	assert_int_equal(srv.conn, -1);
	expect_answer(fd, 0, "argc=2 echo|1");
	expect_answer(fd, 2, "bad request: request does not end with NUL\n");
	expect_answer(fd, 0, "argc=2 echo|2");
	expect_answer(fd, 2, "bad request: not the xdpswitch control protocol (wrong magic)");
	/* closed, with "echo 3" unread (so the kernel may say reset) */
	xs_ctl_buf_init(&payload);
	err = xs_ctl_read_frame(fd, XS_CTL_MAX_RESPONSE, &payload);
	assert_true(err == -ENODATA || err == -ECONNRESET);
	xs_ctl_buf_free(&payload);
	close(fd);
	xs_ctl_server_close(&srv);
}

/* A batch takes no new request once its requests ran for
 * XS_CTL_BATCH_MS: three requests of 60 ms are two batches. */
static void test_server_batch_time_bound(void **state)
{
	struct batch_counts c = { 0 };
	struct xs_ctl_server srv;
	struct xs_ctl_buf frame, all;
	char *argv[2] = { "echo", "slow" };
	int fd;

	(void)state;
	fd = open_pair(&srv, "slow.sock");
	c.client = fd;
	xs_ctl_buf_init(&frame);
	xs_ctl_buf_init(&all);
	assert_int_equal(xs_ctl_encode_request(2, argv, &frame), 0);
	for (int i = 0; i < 3; i++)
		xs_ctl_append(&all, frame.data, frame.len);
	assert_int_equal(xs_ctl_write_all(fd, all.data, all.len), 0);
	shutdown(fd, SHUT_WR);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	assert_int_equal(c.requests, 2);
	assert_int_equal(c.commit, 1);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	assert_int_equal(c.requests, 3);
	assert_int_equal(c.commit, 2);
	for (int i = 0; i < 3; i++)
		expect_answer(fd, 0, "argc=2 echo|slow");
	xs_ctl_buf_free(&frame);
	xs_ctl_buf_free(&all);
	close(fd);
	xs_ctl_server_close(&srv);
}

/* A client that keeps its connection open but sends nothing more is
 * dropped after XS_CTL_IO_TIMEOUT_MS; one that sends more later on the
 * same connection is served again (the CLI's one-shot use and a slow
 * pipelining client both work). */
static void test_server_kept_connection(void **state)
{
	struct batch_counts c = { 0 };
	struct xs_ctl_server srv;
	struct timespec t0, t1;
	int fd;

	(void)state;
	fd = open_pair(&srv, "kept.sock");
	c.client = fd;
	send_echo(fd, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(srv.conn, -1);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >=
		    XS_CTL_IO_TIMEOUT_MS - 100);
	expect_answer(fd, 0, "argc=2 echo|1");
	close(fd);

	fd = open_pair(&srv, "kept2.sock");
	c.client = fd;
	if (fork() == 0) {
		usleep(300 * 1000); /* after the first answer: more */
		send_echo(fd, 3);
		shutdown(fd, SHUT_WR);
		_exit(0);
	}
	send_echo(fd, 2);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	assert_true(srv.conn >= 0);
	assert_int_equal(xs_ctl_server_serve(&srv, &counting_ops, &c), 0);
	assert_int_equal(srv.conn, -1);
	wait(NULL);
	expect_answer(fd, 0, "argc=2 echo|2");
	expect_answer(fd, 0, "argc=2 echo|3");
	assert_int_equal(c.commit, 3);
	close(fd);
	xs_ctl_server_close(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_printf_append),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_encode_errors),
		cmocka_unit_test(test_request_decode_errors),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_response_round_trip),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_server_round_trip),
		cmocka_unit_test(test_server_survives_bad_requests),
		cmocka_unit_test(test_second_server_refused),
		cmocka_unit_test(test_stale_socket_replaced_and_removed),
		cmocka_unit_test(test_client_errors),
		cmocka_unit_test(test_server_open_errors),
		cmocka_unit_test(test_client_no_answer),
		cmocka_unit_test(test_server_pipelined_batches),
		cmocka_unit_test(test_server_batch_with_bad_requests),
		cmocka_unit_test(test_server_batch_time_bound),
		cmocka_unit_test(test_server_kept_connection),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
