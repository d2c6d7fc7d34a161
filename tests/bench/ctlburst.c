// SPDX-License-Identifier: Apache-2.0
/* A burst of single-rule add-flow requests pipelined on one control
 * connection: how long the agent takes to apply, revalidate, journal and
 * answer them. Prints one JSON object, asserts no speed.
 *
 * Usage: ctlburst [--bridge NAME | --socket PATH] [--count N] [--window W]
 *                 [--start S]
 * Request i (S <= i < S + N) adds
 *   priority=100,ip,nw_dst=10.A.B.C actions=output:1   (A.B.C = i in base 256)
 * so rule i is found again in dump-flows. At most W requests are
 * outstanding (default: all of them, one write); the agent serves what has
 * arrived as one batch (one revalidation, one journal fsync). Output:
 *   {"tool": "ctlburst", "requests": N, "window": W, "answered": K,
 *    "failed": F, "seconds": T, "us_per_request": U[, "error": "..."]}
 * "answered" counts answers received in order: requests S .. S+K-1 were
 * answered, so they are in force and durable. Exit 0 when all N were
 * answered with status 0, 1 otherwise (e.g. the agent died: the figures
 * then say how far it got), 2 on a usage error. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent/control/proto.h"
#include "tests/bench/cli.h"

#define PROG "ctlburst"

struct opts {
	const char *socket;
	unsigned long long count, window, start;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--bridge NAME | --socket PATH] [--count N] [--window W] "
		"[--start S]\n"
		"  --bridge NAME  the agent of bridge NAME (default %s)\n"
		"  --socket PATH  the control socket at PATH instead\n"
		"  --count N      requests to send (default 1000)\n"
		"  --window W     requests outstanding at most (default: all)\n"
		"  --start S      index of the first rule (default 0)\n", PROG,
		XS_CTL_DEFAULT_BRIDGE);
}

static int parse_opts(int argc, char **argv, struct opts *o, char *path, size_t size)
{
	const char *bridge = XS_CTL_DEFAULT_BRIDGE;

	o->socket = NULL;
	o->count = 1000;
	o->window = 0;
	o->start = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int err = 0;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "%s: %s: %s\n", PROG, a, strncmp(a, "--", 2) ?
				"unexpected argument" : "missing value or unknown option");
			return -EINVAL;
		}
		if (!strcmp(a, "--bridge"))
			bridge = v;
		else if (!strcmp(a, "--socket"))
			o->socket = v;
		else if (!strcmp(a, "--count"))
			err = bench_parse_u64(PROG, a, v, 1, 1u << 24, &o->count);
		else if (!strcmp(a, "--window"))
			err = bench_parse_u64(PROG, a, v, 1, 1u << 24, &o->window);
		else if (!strcmp(a, "--start"))
			err = bench_parse_u64(PROG, a, v, 0, (1u << 24) - 1, &o->start);
		else {
			fprintf(stderr, "%s: %s: unknown option\n", PROG, a);
			return -EINVAL;
		}
		if (err)
			return err;
		i++;
	}
	if (o->start + o->count > 1u << 24) {
		fprintf(stderr, "%s: --start + --count: at most %u rules (10.0.0.0/8)\n", PROG,
			1u << 24);
		return -EINVAL;
	}
	if (!o->window || o->window > o->count)
		o->window = o->count;
	if (o->socket) {
		snprintf(path, size, "%s", o->socket);
	} else if (xs_ctl_path(bridge, ".sock", path, size)) {
		fprintf(stderr, "%s: --bridge: bad bridge name '%s'\n", PROG, bridge);
		return -EINVAL;
	}
	return 0;
}

/* Appends the request frame of rule @i. */
static int encode(unsigned long long i, struct xs_ctl_buf *frame, struct xs_ctl_buf *out)
{
	char flow[96];
	char *argv[2] = { "add-flow", flow };

	snprintf(flow, sizeof(flow), "priority=100,ip,nw_dst=10.%llu.%llu.%llu actions=output:1",
		 i >> 16, (i >> 8) & 255, i & 255);
	if (xs_ctl_encode_request(2, argv, frame))
		return -ENOMEM;
	return xs_ctl_append(out, frame->data, frame->len);
}

/* Takes every whole response frame off the front of @in. Returns the
 * number taken, or -EPROTO. */
static long take_answers(struct xs_ctl_buf *in, unsigned long long *failed)
{
	size_t pos = 0;
	long n = 0;

	while (in->len - pos >= XS_CTL_HDR_LEN) {
		const char *text;
		size_t text_len;
		uint32_t len;
		int status;

		if (xs_ctl_parse_header((const unsigned char *)in->data + pos, XS_CTL_MAX_RESPONSE,
					&len))
			return -EPROTO;
		if (in->len - pos - XS_CTL_HDR_LEN < len)
			break;
		if (xs_ctl_decode_response(in->data + pos + XS_CTL_HDR_LEN, len, &status, &text,
					   &text_len))
			return -EPROTO;
		*failed += status != 0;
		pos += XS_CTL_HDR_LEN + len;
		n++;
	}
	memmove(in->data, in->data + pos, in->len - pos);
	in->len -= pos;
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xs_ctl_buf frame, out, in;
	unsigned long long sent = 0, answered = 0, failed = 0;
	const char *error = NULL;
	size_t out_pos = 0;
	struct opts o;
	double t0, t;
	int fd;

	if (parse_opts(argc, argv, &o, sa.sun_path, sizeof(sa.sun_path)))
		return 2;
	xs_ctl_buf_init(&frame);
	xs_ctl_buf_init(&out);
	xs_ctl_buf_init(&in);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	t0 = bench_now();
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "%s: %s: %s\n", PROG, sa.sun_path, strerror(errno));
		return 1;
	}
	while (answered < o.count && !error) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[65536];
		ssize_t n;
		long got;

		/* keep the window full: whole frames, then write what fits */
		while (sent < o.count && sent - answered < o.window && !out.oom)
			encode(o.start + sent++, &frame, &out);
		if (out.oom) {
			error = "out of memory";
			break;
		}
		if (out_pos < out.len)
			p.events |= POLLOUT;
		if (poll(&p, 1, 60000) <= 0) {
			error = "no answer within 60 s";
			break;
		}
		if (p.revents & POLLOUT) {
			n = send(fd, out.data + out_pos, out.len - out_pos, MSG_NOSIGNAL);
			if (n > 0)
				out_pos += (size_t)n;
			if (out_pos == out.len)
				out.len = out_pos = 0;
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0 && (n == 0 || (errno != EAGAIN && errno != EINTR))) {
			error = n == 0 ? "the agent closed the connection" : strerror(errno);
			break;
		}
		if (n > 0 && xs_ctl_append(&in, buf, (size_t)n)) {
			error = "out of memory";
			break;
		}
		got = take_answers(&in, &failed);
		if (got < 0)
			error = "not a valid answer";
		else
			answered += (unsigned long long)got;
	}
	t = bench_now() - t0;
	close(fd);
	printf("{\"tool\": \"%s\", \"requests\": %llu, \"window\": %llu, \"answered\": %llu, "
	       "\"failed\": %llu, \"seconds\": %.6f, \"us_per_request\": %.2f", PROG, o.count,
	       o.window, answered, failed, t, answered ? t * 1e6 / (double)answered : 0.0);
	if (error)
		printf(", \"error\": \"%s\"", error);
	printf("}\n");
	xs_ctl_buf_free(&frame);
	xs_ctl_buf_free(&out);
	xs_ctl_buf_free(&in);
	return answered == o.count && !failed ? 0 : 1;
}
