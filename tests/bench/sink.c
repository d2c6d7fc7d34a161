// SPDX-License-Identifier: Apache-2.0
/* sink: attaches the counting XDP sink to a device, samples the counters
 * at a fixed interval and reports the received packet rate. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sink.skel.h"
#include "tests/bench/bench_shared.h"
#include "tests/bench/cli.h"

#define PROG "sink"
#define MAX_SAMPLES 36000

struct sink_opts {
	const char *dev;
	double duration;	/* 0: until SIGINT or SIGTERM */
	double interval;
	int skb_mode;
	int quiet;
	int json;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --dev DEV [options]\n"
"Attaches an XDP program to DEV that counts and drops every packet, prints\n"
"the rate every interval and a summary at the end (duration or a signal).\n"
"  --dev DEV          device to attach to (this network namespace)\n"
"  --duration SEC     stop after SEC seconds (default: at SIGINT/SIGTERM)\n"
"  --interval MS      sampling interval, 10..10000 ms (1000)\n"
"  --skb              generic XDP instead of native\n"
"  --quiet            no per-interval lines\n"
"  --json             summary as one JSON object on stdout\n"
"The summary rate is the median of the intervals that had traffic, without\n"
"the first and last of them (partly idle) when there are more than two.\n");
}

static int parse_args(int argc, char **argv, struct sink_opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "skb", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->interval = 1.0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 't':
			if (bench_parse_u64(PROG, "--duration", optarg, 1, 3600, &v))
				return -EINVAL;
			o->duration = v;
			break;
		case 'i':
			if (bench_parse_u64(PROG, "--interval", optarg, 10, 10000, &v))
				return -EINVAL;
			o->interval = v / 1000.0;
			break;
		case 's':
			o->skb_mode = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!o->dev) {
		fprintf(stderr, PROG ": --dev is required\n");
		return -EINVAL;
	}
	return 0;
}

/* Sums the per-CPU counters into *total. Returns 0 or -errno. */
static int read_count(struct sink *skel, struct bench_count *total)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bench_count *v;
	__u32 zero = 0;
	int err;

	if (ncpus < 0)
		return ncpus;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = bpf_map__lookup_elem(skel->maps.sink_count, &zero, sizeof(zero), v,
				   ncpus * sizeof(*v), 0);
	memset(total, 0, sizeof(*total));
	for (int c = 0; !err && c < ncpus; c++) {
		total->packets += v[c].packets;
		total->bytes += v[c].bytes;
	}
	free(v);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Steady-state rate from the per-interval rates (see usage()). Sorts and
 * trims rates in place. */
static double steady_rate(double *rates, int n)
{
	int first = 0, last = n - 1;

	while (first < n && rates[first] == 0)
		first++;
	while (last >= first && rates[last] == 0)
		last--;
	if (last < first)
		return 0;
	if (last - first >= 2) {
		first++;
		last--;
	}
	n = last - first + 1;
	qsort(rates + first, n, sizeof(*rates), cmp_double);
	return n % 2 ? rates[first + n / 2]
		     : (rates[first + n / 2 - 1] + rates[first + n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct sink_opts o;
	struct sink *skel;
	struct bench_count prev = { 0 }, cur = { 0 };
	static double rates[MAX_SAMPLES];
	int n = 0, ifindex, err;
	__u32 flags;
	double t0, last, now;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	ifindex = bench_ifindex(PROG, "--dev", o.dev);
	if (ifindex < 0)
		return 2;
	skel = sink__open_and_load();
	if (!skel) {
		fprintf(stderr, PROG ": cannot load the sink program: %s\n", strerror(errno));
		return 1;
	}
	/* Set before attaching, so a stop request always detaches. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	flags = XDP_FLAGS_UPDATE_IF_NOEXIST |
		(o.skb_mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.xs_sink), flags, NULL);
	if (err) {
		fprintf(stderr, PROG ": cannot attach to %s: %s%s\n", o.dev, strerror(-err),
			err == -EBUSY ? " (it has an XDP program already)" : "");
		sink__destroy(skel);
		return 1;
	}
	printf("attached to %s\n", o.dev);
	fflush(stdout);

	t0 = last = now = bench_now();
	/* Wake-ups follow a fixed schedule so that lateness does not add up
	 * and the duration holds a whole number of intervals. */
	for (double next = t0 + o.interval; !stop; next += o.interval) {
		double end = o.duration ? t0 + o.duration : 1e300;
		double wake = next < end ? next : end;

		if (wake > bench_now())
			usleep((wake - bench_now()) * 1e6); /* a signal cuts it short */
		now = bench_now();
		err = read_count(skel, &cur);
		if (err)
			break;
		/* Only whole intervals are samples; a cut-short last one is not. */
		if (now - last >= o.interval * 0.9 && n < MAX_SAMPLES) {
			rates[n++] = (cur.packets - prev.packets) / (now - last);
			if (!o.quiet)
				fprintf(stderr, PROG ": %.0f pps %.0f Mbit/s\n", rates[n - 1],
					(cur.bytes - prev.bytes) * 8 / (now - last) / 1e6);
			prev = cur;
			last = now;
		}
		if (now >= end - o.interval * 0.1)
			break;
	}
	bpf_xdp_detach(ifindex, flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		fprintf(stderr, PROG ": cannot read the counters: %s\n", strerror(-err));
	} else if (o.json) {
		printf("{\"dev\":\"%s\",\"packets\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
		       "\"intervals\":%d,\"pps\":%.0f}\n", o.dev,
		       (unsigned long long)cur.packets, (unsigned long long)cur.bytes,
		       now - t0, n, steady_rate(rates, n));
	} else {
		printf("received %llu packets, %llu bytes in %.3f s: %.0f pps\n",
		       (unsigned long long)cur.packets, (unsigned long long)cur.bytes,
		       now - t0, steady_rate(rates, n));
	}
	sink__destroy(skel);
	return err ? 1 : 0;
}
