// SPDX-License-Identifier: Apache-2.0
/* latency: round-trip time of UDP frames through a forwarder, first packet
 * of a new flow against the second one of the same flow, over packet sockets.
 *
 *   latency echo --dev DEV [--duration S]     sends every IPv4 frame it
 *       receives on DEV back out of DEV, MAC addresses swapped
 *   latency ping --dev DEV [--flows N] [--dst-mac M] [--json]
 *       for each of N flows (UDP source port 1024 + i) sends one frame,
 *       waits for it to come back, then sends a second frame of the same
 *       flow; prints median and p99 of both round trips.
 *
 * With a flow table that makes each source port its own megaflow, the
 * first frame takes the miss path (upcall, install, re-injection) and the
 * second a cache hit; both include the same echo, so the difference is
 * what the miss adds. Both ends run on CPU 0 and send by its queue. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include "tests/bench/cli.h"
#include "tests/bench/packet.h"

#define PROG "latency"
#define MAX_FLOWS 100000
#define MAGIC 0x78736c74u /* "xslt" */
#define TIMEOUT_MS 1000

/* Payload after the UDP header: which probe a frame is. */
struct probe {
	uint32_t magic;
	uint32_t flow;
	uint32_t nth; /* 0: first frame of the flow, 1: second */
};

#define PROBE_OFF (ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " echo --dev DEV [--duration S]\n"
"       " PROG " ping --dev DEV [--flows N] [--dst-mac M] [--json]\n"
"echo: sends every IPv4 frame received on DEV back, MACs swapped, for S\n"
"  seconds (60). ping: N flows (100, at most %d), UDP source ports 1024 + i:\n"
"  the round trip of each flow's first frame and of its second, median and\n"
"  p99 in microseconds. A frame not back within %d ms counts as lost.\n",
		MAX_FLOWS, TIMEOUT_MS);
}

/* Packet socket on @dev (all protocols, incoming frames only matter). */
static int open_dev(const char *dev, int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	int fd, one = 1;

	*ifindex = bench_ifindex(PROG, "--dev", dev);
	if (*ifindex < 0)
		return -ENODEV;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (fd < 0) {
		fprintf(stderr, PROG ": packet socket: %s\n", strerror(errno));
		return -errno;
	}
	/* Frames leave by the queue of this CPU, with the process pinned to
	 * CPU 0 that is queue 0: a forwarder that serves one queue (Open
	 * vSwitch's AF_XDP port, n_rxq 1) sees them all. Without the bypass
	 * the queue follows the flow hash. */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		fprintf(stderr, PROG ": PACKET_QDISC_BYPASS: %s\n", strerror(errno));
		close(fd);
		return -errno;
	}
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, PROG ": bind to %s: %s\n", dev, strerror(errno));
		close(fd);
		return -errno;
	}
	return fd;
}

/* Receives one incoming frame into @buf, waiting up to @ms. Returns its
 * length, 0 on timeout, -errno on error. */
static int recv_in(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	for (;;) {
		int r = poll(&p, 1, ms);

		if (r <= 0)
			return r < 0 ? -errno : 0;
		n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return -errno;
		if (from.sll_pkttype != PACKET_OUTGOING)
			return (int)n;
	}
}

static int do_echo(int fd, double secs)
{
	double end = bench_now() + secs;
	uint8_t buf[2048], mac[ETH_ALEN];
	int n;

	while (bench_now() < end) {
		n = recv_in(fd, buf, sizeof(buf), 100);
		if (n < 0)
			return 1;
		if (n < ETH_HLEN)
			continue;
		memcpy(mac, buf, ETH_ALEN);
		memcpy(buf, buf + ETH_ALEN, ETH_ALEN);
		memcpy(buf + ETH_ALEN, mac, ETH_ALEN);
		if (send(fd, buf, n, 0) < 0)
			fprintf(stderr, PROG ": echo: send: %s\n", strerror(errno));
	}
	return 0;
}

/* Sends probe (@flow, @nth) and waits for it to come back. Returns the
 * round trip in us, or -1 if it did not come back in time. */
static double round_trip(int fd, const struct bench_packet_spec *spec, uint32_t flow,
			 uint32_t nth)
{
	struct probe pr = { .magic = MAGIC, .flow = flow, .nth = nth }, got;
	uint8_t frame[256], buf[2048];
	double t0, deadline;
	int len = bench_packet_build(spec, frame, sizeof(frame)), n;

	memcpy(frame + PROBE_OFF, &pr, sizeof(pr));
	t0 = bench_now();
	deadline = t0 + TIMEOUT_MS / 1e3;
	if (send(fd, frame, len, 0) < 0) {
		fprintf(stderr, PROG ": send: %s\n", strerror(errno));
		return -1;
	}
	while (bench_now() < deadline) {
		n = recv_in(fd, buf, sizeof(buf), 1 + (int)((deadline - bench_now()) * 1e3));
		if (n <= 0)
			break;
		if ((size_t)n < PROBE_OFF + sizeof(got))
			continue;
		memcpy(&got, buf + PROBE_OFF, sizeof(got));
		if (got.magic == MAGIC && got.flow == flow && got.nth == nth)
			return (bench_now() - t0) * 1e6;
	}
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Percentile @p (0..100) of the n sorted values, nearest rank. */
static double pct(const double *v, int n, double p)
{
	int i = (int)(p / 100 * n + 0.999999) - 1;

	if (n == 0)
		return 0;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static int do_ping(int fd, struct bench_packet_spec *spec, int flows, int json)
{
	double *rtt[2];
	int got[2] = { 0, 0 };

	rtt[0] = calloc(flows, sizeof(double));
	rtt[1] = calloc(flows, sizeof(double));
	if (!rtt[0] || !rtt[1])
		return 1;
	for (int i = 0; i < flows; i++) {
		spec->sport = 1024 + i;
		for (int nth = 0; nth < 2; nth++) {
			double us = round_trip(fd, spec, i, nth);

			if (us >= 0)
				rtt[nth][got[nth]++] = us;
		}
	}
	for (int k = 0; k < 2; k++)
		qsort(rtt[k], got[k], sizeof(double), cmp_double);
	if (json) {
		printf("{\"flows\":%d,\"first\":{\"back\":%d,\"median_us\":%.1f,\"p99_us\":%.1f},"
		       "\"second\":{\"back\":%d,\"median_us\":%.1f,\"p99_us\":%.1f}}\n",
		       flows, got[0], pct(rtt[0], got[0], 50), pct(rtt[0], got[0], 99),
		       got[1], pct(rtt[1], got[1], 50), pct(rtt[1], got[1], 99));
	} else {
		printf("first packet:  %d/%d back, median %.1f us, p99 %.1f us\n", got[0],
		       flows, pct(rtt[0], got[0], 50), pct(rtt[0], got[0], 99));
		printf("second packet: %d/%d back, median %.1f us, p99 %.1f us\n", got[1],
		       flows, pct(rtt[1], got[1], 50), pct(rtt[1], got[1], 99));
	}
	free(rtt[0]);
	free(rtt[1]);
	return got[0] ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 't' },
		{ "flows", required_argument, NULL, 'f' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct bench_packet_spec spec;
	cpu_set_t cpus;
	unsigned long long secs = 60, flows = 100;
	const char *dev = NULL;
	int c, fd, ifindex, json = 0, echo;

	if (argc < 2 || (strcmp(argv[1], "echo") && strcmp(argv[1], "ping"))) {
		if (argc >= 2 && !strcmp(argv[1], "--help")) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	echo = !strcmp(argv[1], "echo");
	bench_packet_defaults(&spec);
	opterr = 0; /* getopt would name the subcommand, not this tool */
	while ((c = getopt_long(argc - 1, argv + 1, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 't':
			if (bench_parse_u64(PROG, "--duration", optarg, 1, 3600, &secs))
				return 2;
			break;
		case 'f':
			if (bench_parse_u64(PROG, "--flows", optarg, 1, MAX_FLOWS, &flows))
				return 2;
			break;
		case 'm':
			if (bench_parse_mac(optarg, spec.dst_mac)) {
				fprintf(stderr, PROG ": --dst-mac: '%s' is not a MAC address\n", optarg);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		/* getopt walks argv + 1 and has stepped past the bad option,
		 * so argv[optind] is that option. */
		case ':':
			fprintf(stderr, PROG ": %s needs a value\n", argv[optind]);
			return 2;
		default:
			fprintf(stderr, PROG ": unknown option '%s'\n", argv[optind]);
			return 2;
		}
	}
	if (optind < argc - 1) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind + 1]);
		return 2;
	}
	if (!dev) {
		fprintf(stderr, PROG ": --dev is required\n");
		return 2;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus); /* see open_dev() */
	fd = open_dev(dev, &ifindex);
	if (fd < 0)
		return 1;
	c = echo ? do_echo(fd, secs) : do_ping(fd, &spec, flows, json);
	close(fd);
	return c;
}
