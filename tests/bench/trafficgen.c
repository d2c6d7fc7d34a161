/* trafficgen: sends N flows of template packets out of a device at full
 * speed, using BPF_PROG_TEST_RUN with live frames (no NIC queue needed). */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trafficgen.skel.h"
#include "tests/bench/bench_shared.h"
#include "tests/bench/cli.h"
#include "tests/bench/packet.h"

#define PROG "trafficgen"
#define CHUNK 65536 /* packets per test run call when running for a time */
#define MAX_THREADS 64

struct gen_opts {
	const char *dev;
	struct bench_packet_spec pkt;
	unsigned int flows;
	double duration;	/* seconds; 0 with count set: until count */
	unsigned long long count; /* exact number of packets; 0: no limit */
	unsigned int threads;
	unsigned int first_cpu;
	unsigned int batch;	/* frames per kernel batch (test run batch_size) */
	unsigned long long rate; /* packets per second in all; 0: no limit */
	int quiet;
	int json;
};

struct gen_thread {
	pthread_t tid;
	int started;
	int prog_fd;
	int cpu;
	unsigned int batch;
	unsigned long long quota;	/* 0: until stopped */
	unsigned long long rate;	/* packets per second; 0: no limit */
	const uint8_t *pkt;
	int pkt_len;
	_Atomic unsigned long long sent;
	int err;
};

static atomic_int stop;
static atomic_int running; /* threads that have not returned yet */

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --dev DEV [options]\n"
"Sends packets out of DEV with BPF_PROG_TEST_RUN live frames. DEV must be\n"
"able to transmit XDP frames (a veth whose peer has an XDP program or GRO).\n"
"While it runs, the program is also attached to DEV in generic XDP mode\n"
"(passing what DEV receives), which makes each test run call cheaper.\n"
"  --dev DEV          device to send out of (this network namespace)\n"
"  --size N           frame size incl. 4-byte FCS, 64..1518 (64)\n"
"  --proto udp|tcp    L4 protocol of the template (udp)\n"
"  --flows N          distinct flows, 1..%u; flow i has source port\n"
"                     %u+i%%%u, source IP 10.0.0.1+i/%u (1)\n"
"  --src-mac/--dst-mac MAC   Ethernet addresses (DEV's own / 02:00:00:00:00:02)\n"
"  --duration SEC     run time (5, or until --count)\n"
"  --count N          send exactly N packets, then stop\n"
"  --threads N        sending threads, one pinned per CPU (1)\n"
"  --cpu N            CPU of the first thread (0)\n"
"  --batch N          frames per kernel batch, 1..256 (64)\n"
"  --rate PPS         send at most PPS packets per second in all threads\n"
"  --quiet            no per-second rate lines\n"
"  --json             final summary as one JSON object on stdout\n",
		BENCH_MAX_FLOWS, BENCH_SPORT_BASE, BENCH_FLOWS_PER_ADDR,
		BENCH_FLOWS_PER_ADDR);
}

/* MAC address of device ifname into mac. Returns 0 or -errno. */
static int dev_mac(const char *ifname, uint8_t mac[ETH_ALEN])
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

/* Parses argv into o. Returns 0, 1 for --help, or -EINVAL after printing
 * what is wrong. */
static int parse_args(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "proto", required_argument, NULL, 'p' },
		{ "flows", required_argument, NULL, 'f' },
		{ "src-mac", required_argument, NULL, 'S' },
		{ "dst-mac", required_argument, NULL, 'D' },
		{ "duration", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 'T' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "batch", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned long long v;
	int src_mac_set = 0, c;
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(o, 0, sizeof(*o));
	bench_packet_defaults(&o->pkt);
	o->flows = 1;
	o->threads = 1;
	o->batch = 64;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 's':
			if (bench_parse_u64(PROG, "--size", optarg, BENCH_MIN_SIZE,
					    BENCH_MAX_SIZE, &v))
				return -EINVAL;
			o->pkt.size = v;
			break;
		case 'p':
			if (!strcmp(optarg, "udp")) {
				o->pkt.proto = IPPROTO_UDP;
			} else if (!strcmp(optarg, "tcp")) {
				o->pkt.proto = IPPROTO_TCP;
			} else {
				fprintf(stderr, PROG ": --proto: '%s' is not udp or tcp\n", optarg);
				return -EINVAL;
			}
			break;
		case 'f':
			if (bench_parse_u64(PROG, "--flows", optarg, 1, BENCH_MAX_FLOWS, &v))
				return -EINVAL;
			o->flows = v;
			break;
		case 'S':
		case 'D':
			if (bench_parse_mac(optarg, c == 'S' ? o->pkt.src_mac : o->pkt.dst_mac)) {
				fprintf(stderr, PROG ": %s: '%s' is not a MAC address\n",
					c == 'S' ? "--src-mac" : "--dst-mac", optarg);
				return -EINVAL;
			}
			src_mac_set |= c == 'S';
			break;
		case 't':
			if (bench_parse_u64(PROG, "--duration", optarg, 1, 3600, &v))
				return -EINVAL;
			o->duration = v;
			break;
		case 'n':
			if (bench_parse_u64(PROG, "--count", optarg, 1, ~0ull >> 1, &v))
				return -EINVAL;
			o->count = v;
			break;
		case 'T':
			if (bench_parse_u64(PROG, "--threads", optarg, 1,
					    ncpus < MAX_THREADS ? ncpus : MAX_THREADS, &v))
				return -EINVAL;
			o->threads = v;
			break;
		case 'c':
			if (bench_parse_u64(PROG, "--cpu", optarg, 0, ncpus - 1, &v))
				return -EINVAL;
			o->first_cpu = v;
			break;
		case 'b':
			if (bench_parse_u64(PROG, "--batch", optarg, 1, 256, &v))
				return -EINVAL;
			o->batch = v;
			break;
		case 'r':
			if (bench_parse_u64(PROG, "--rate", optarg, 1, 1000000000, &v))
				return -EINVAL;
			o->rate = v;
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
	if (o->rate && o->rate < o->threads) {
		fprintf(stderr, PROG ": --rate %llu is less than one packet per second "
			"for each of the %u threads\n", o->rate, o->threads);
		return -EINVAL;
	}
	if (!o->duration && !o->count)
		o->duration = 5;
	if (!src_mac_set && dev_mac(o->dev, o->pkt.src_mac)) {
		fprintf(stderr, PROG ": --dev: cannot read the MAC of '%s'\n", o->dev);
		return -EINVAL;
	}
	return 0;
}

/* Sends through the test run until the quota is met or stop is set. */
static void *gen_thread_run(void *arg)
{
	struct gen_thread *t = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	t->err = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* Paced: calls of about a millisecond's worth of packets, each one
	 * when the clock says that many are due. */
	unsigned long long chunk = t->rate ? t->rate / 1000 + 1 : CHUNK;
	double t0 = bench_now();

	while (!t->err && !atomic_load(&stop)) {
		unsigned long long left = t->quota ? t->quota - t->sent : chunk;
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = t->pkt,
			.data_size_in = t->pkt_len,
			.repeat = left < chunk ? left : chunk,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			.batch_size = t->batch,
		);

		if (!left)
			break;
		if (t->rate) {
			double ahead = t0 + (double)t->sent / t->rate - bench_now();

			if (ahead > 0)
				usleep(ahead * 1e6);
		}
		t->err = bpf_prog_test_run_opts(t->prog_fd, &opts);
		if (t->err == -EINTR && atomic_load(&stop))
			t->err = 0; /* interrupted on purpose; this call's
				     * packets are not counted */
		else if (!t->err)
			t->sent += opts.repeat;
	}
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static unsigned long long total_sent(struct gen_thread *t, unsigned int n)
{
	unsigned long long sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += t[i].sent;
	return sum;
}

/* Gives each CPU's flow counter a different start so that threads do not
 * send the same flow at the same time. Returns 0 or -errno. */
static int seed_flows(struct trafficgen *skel, unsigned int flows)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 zero = 0;
	__u64 *start;
	int err;

	if (ncpus < 0)
		return ncpus;
	start = calloc(ncpus, sizeof(*start));
	if (!start)
		return -ENOMEM;
	for (int c = 0; c < ncpus; c++)
		start[c] = (__u64)flows * c / ncpus;
	err = bpf_map__update_elem(skel->maps.gen_next, &zero, sizeof(zero),
				   start, ncpus * sizeof(*start), BPF_ANY);
	free(start);
	return err;
}

/* A program in a BPF_PROG_TEST_RUN of XDP joins the kernel's XDP
 * dispatcher for the call and leaves it after, and each change waits for an
 * RCU grace period: milliseconds per call. Attaching the program to dev in
 * generic mode (where it passes what arrives) keeps it registered for the
 * whole run. Returns 0 or -errno; failing only makes the calls slower. */
static int keep_registered(const char *dev, int ifindex, int prog_fd)
{
	int err = bpf_xdp_attach(ifindex, prog_fd,
				 XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);

	if (err)
		fprintf(stderr, PROG ": warning: cannot attach to %s in generic mode (%s), "
			"so every test run call pays for registering the program\n",
			dev, strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	struct gen_opts o;
	struct gen_thread *threads = NULL;
	struct trafficgen *skel = NULL;
	uint8_t pkt[BENCH_MAX_SIZE];
	int ifindex, pkt_len, registered = 0, err;
	double t0, last, now;
	unsigned long long last_sent = 0, sent;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	ifindex = bench_ifindex(PROG, "--dev", o.dev);
	if (ifindex < 0)
		return 2;
	pkt_len = bench_packet_build(&o.pkt, pkt, sizeof(pkt));
	if (pkt_len < 0) {
		fprintf(stderr, PROG ": cannot build the packet: %s\n", strerror(-pkt_len));
		return 2;
	}

	skel = trafficgen__open();
	if (!skel) {
		fprintf(stderr, PROG ": cannot open the BPF object: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->n_flows = o.flows;
	skel->rodata->out_ifindex = ifindex;
	skel->rodata->l4_proto = o.pkt.proto;
	err = trafficgen__load(skel);
	if (!err)
		err = seed_flows(skel, o.flows);
	if (err) {
		fprintf(stderr, PROG ": cannot load the generator program: %s\n", strerror(-err));
		goto out;
	}

	registered = !keep_registered(o.dev, ifindex,
				      bpf_program__fd(skel->progs.xs_trafficgen));
	threads = calloc(o.threads, sizeof(*threads));
	if (!threads) {
		err = -ENOMEM;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = last = bench_now();
	for (unsigned int i = 0; i < o.threads; i++) {
		struct gen_thread *t = &threads[i];

		t->prog_fd = bpf_program__fd(skel->progs.xs_trafficgen);
		t->cpu = (o.first_cpu + i) % sysconf(_SC_NPROCESSORS_ONLN);
		t->batch = o.batch;
		t->rate = o.rate / o.threads + (i ? 0 : o.rate % o.threads);
		t->pkt = pkt;
		t->pkt_len = pkt_len;
		/* The count is split evenly; thread 0 takes the remainder. */
		t->quota = o.count / o.threads + (i ? 0 : o.count % o.threads);
		if (o.count && !t->quota)
			continue;
		atomic_fetch_add(&running, 1);
		err = -pthread_create(&t->tid, NULL, gen_thread_run, t);
		t->started = !err;
		if (err) {
			atomic_fetch_sub(&running, 1);
			fprintf(stderr, PROG ": cannot start thread %u: %s\n", i, strerror(-err));
			atomic_store(&stop, 1);
			o.threads = i;
			break;
		}
	}

	/* Report once a second until the time is up or every thread is done
	 * (quota met, or failed). */
	while (!atomic_load(&stop) && atomic_load(&running)) {
		usleep(20000);
		now = bench_now();
		sent = total_sent(threads, o.threads);
		if (o.duration && now - t0 >= o.duration)
			break;
		if (now - last >= 1.0) {
			if (!o.quiet)
				fprintf(stderr, PROG ": %.0f pps\n", (sent - last_sent) / (now - last));
			last = now;
			last_sent = sent;
		}
	}
	atomic_store(&stop, 1);
	for (unsigned int i = 0; i < o.threads; i++) {
		if (threads[i].started)
			pthread_join(threads[i].tid, NULL);
		if (threads[i].err && !err) {
			err = threads[i].err;
			fprintf(stderr, PROG ": test run on CPU %d failed: %s\n",
				threads[i].cpu, strerror(-err));
		}
	}
	now = bench_now();
	sent = total_sent(threads, o.threads);
	if (o.json)
		printf("{\"dev\":\"%s\",\"size\":%u,\"proto\":\"%s\",\"flows\":%u,"
		       "\"threads\":%u,\"packets\":%llu,\"seconds\":%.3f,\"pps\":%.0f}\n",
		       o.dev, o.pkt.size, o.pkt.proto == IPPROTO_TCP ? "tcp" : "udp",
		       o.flows, o.threads, sent, now - t0, sent / (now - t0));
	else
		printf("sent %llu packets in %.3f s: %.0f pps\n", sent, now - t0,
		       sent / (now - t0));
out:
	if (registered)
		bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL);
	free(threads);
	trafficgen__destroy(skel);
	return err ? 1 : 0;
}
