// SPDX-License-Identifier: Apache-2.0
/* trafficgen: sends N flows of template packets out of a device at full
 * speed, through an AF_PACKET socket that bypasses the qdisc (sendmmsg
 * batches; each frame goes straight to the driver's transmit function). */
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
#include <sys/uio.h>
#include <net/if.h>
#include <linux/if_packet.h>

#include "tests/bench/bench_shared.h"
#include "tests/bench/cli.h"
#include "tests/bench/packet.h"

#define PROG "trafficgen"
#define MAX_THREADS 64
#define SLOT 1536 /* bytes per frame buffer: BENCH_MAX_SIZE, 64-aligned */
/* A send that the device refuses (ENOBUFS: the peer's ring or backlog is
 * full) is retried; this long without one frame taken is a failure. */
#define STALL_SECONDS 1.0

struct gen_opts {
	const char *dev;
	struct bench_packet_spec pkt;
	unsigned int flows;
	double duration;	/* seconds; 0 with count set: until count */
	unsigned long long count; /* exact number of packets; 0: no limit */
	unsigned int threads;
	unsigned int first_cpu;
	unsigned int batch;	/* frames per sendmmsg call */
	unsigned long long rate; /* packets per second in all; 0: no limit */
	int quiet;
	int json;
};

/* The template and what flow i changes in it (see bench_shared.h). */
struct gen_template {
	const uint8_t *pkt;
	int len;
	uint8_t proto;
	unsigned int flows;
};

struct gen_thread {
	pthread_t tid;
	int started;
	int fd;			/* AF_PACKET socket bound to the device */
	int cpu;
	unsigned int batch;
	unsigned int next_flow;	/* flow of the next frame */
	unsigned long long quota;	/* 0: until stopped */
	unsigned long long rate;	/* packets per second; 0: no limit */
	const struct gen_template *tmpl;
	uint8_t *bufs;		/* batch frames of SLOT bytes */
	struct mmsghdr *msgs;
	struct iovec *iovs;
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
"Sends packets out of DEV through an AF_PACKET socket that bypasses the\n"
"qdisc (sendmmsg batches). Frames the device refuses are sent again, so\n"
"--count is exact and the rate is what the path after DEV takes.\n"
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
"  --batch N          frames per sendmmsg call, 1..256 (64)\n"
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

/* One's complement checksum check updated for 16-bit words that change
 * from 'from' to 'to' (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). Words
 * are in network order as they are in memory, like the check itself. */
static uint16_t csum_replace(uint16_t check, const uint16_t *from,
			     const uint16_t *to, int words)
{
	uint32_t sum = (uint16_t)~check;

	for (int i = 0; i < words; i++)
		sum += (uint16_t)~from[i] + to[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Writes flow 'flow' into frame f, a copy of the template: source address
 * and L4 source port, and the checksums they are in (computed from the
 * template's, so no earlier flow in f matters). */
static void set_flow(const struct gen_template *t, uint8_t *f, unsigned int flow)
{
	const struct iphdr *tip = (const void *)(t->pkt + sizeof(struct ethhdr));
	struct iphdr *ip = (void *)(f + sizeof(struct ethhdr));
	/* saddr and source port as 16-bit words: [0..1] address, [2] port */
	uint16_t from[3], to[3];
	uint32_t saddr = htonl((ntohl(tip->saddr) & ~(BENCH_MAX_FLOWS - 1)) |
			       ((flow >> BENCH_FLOWS_PER_ADDR_SHIFT) + 1));
	uint16_t sport = htons(BENCH_SPORT_BASE + (flow & (BENCH_FLOWS_PER_ADDR - 1)));
	const uint8_t *tl4 = (const uint8_t *)(tip + 1);
	uint8_t *l4 = (uint8_t *)(ip + 1);

	memcpy(from, &tip->saddr, 4);
	memcpy(&from[2], tl4, 2); /* source port: first field of UDP and TCP */
	memcpy(to, &saddr, 4);
	to[2] = sport;
	memcpy(&ip->saddr, &saddr, 4); /* 2-byte aligned after Ethernet */
	ip->check = csum_replace(tip->check, from, to, 2);
	memcpy(l4, &sport, 2);
	if (t->proto == IPPROTO_TCP) {
		const struct tcphdr *ttcp = (const void *)tl4;
		struct tcphdr *tcp = (void *)l4;

		/* The pseudo-header has the address, the header the port. */
		tcp->check = csum_replace(ttcp->check, from, to, 3);
	}
	/* UDP: the template has no checksum (0, allowed over IPv4). */
}

/* Sends until the quota is met or stop is set, batch frames per call. */
static void *gen_thread_run(void *arg)
{
	struct gen_thread *t = arg;
	const struct gen_template *tmpl = t->tmpl;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	t->err = -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* Paced: calls of at most about a millisecond's worth of packets,
	 * each one when the clock says that many are due. */
	unsigned long long chunk = t->rate ? t->rate / 1000 + 1 : t->batch;
	double t0 = bench_now(), progress = t0;

	if (chunk > t->batch)
		chunk = t->batch;
	while (!t->err && !atomic_load(&stop)) {
		unsigned long long left = t->quota ? t->quota - t->sent : chunk;
		unsigned int n = left < chunk ? left : chunk, flow = t->next_flow;
		int r;

		if (!n)
			break;
		if (t->rate) {
			double ahead = t0 + (double)t->sent / t->rate - bench_now();

			if (ahead > 0)
				usleep(ahead * 1e6);
		}
		for (unsigned int i = 0; i < n; i++) {
			set_flow(tmpl, t->bufs + (size_t)i * SLOT, flow);
			flow = flow + 1 >= tmpl->flows ? 0 : flow + 1;
		}
		r = sendmmsg(t->fd, t->msgs, n, 0);
		if (r > 0) {
			t->sent += r;
			t->next_flow = (t->next_flow + (unsigned int)r) % tmpl->flows;
			progress = bench_now();
		} else if (r < 0 && errno == ENOBUFS) {
			/* The device dropped the first frame (the peer's
			 * ring is full): send it again, unless nothing has
			 * gone through for a while. */
			if (bench_now() - progress > STALL_SECONDS)
				t->err = -ENOBUFS;
			else
				sched_yield();
		} else if (r < 0 && errno != EINTR && errno != EAGAIN) {
			t->err = -errno;
		}
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

/* Sets up thread t to send out of ifindex: a packet socket bound to it
 * that bypasses the qdisc (so no packet tap sees the frames either), and
 * batch copies of the template. Returns 0 or -errno. */
static int gen_thread_init(struct gen_thread *t, int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = 0, /* receives nothing */
		.sll_ifindex = ifindex,
	};
	int one = 1;

	t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -errno;
	if (bind(t->fd, (struct sockaddr *)&sll, sizeof(sll)) ||
	    setsockopt(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		return -errno;
	t->bufs = aligned_alloc(64, (size_t)t->batch * SLOT);
	t->msgs = calloc(t->batch, sizeof(*t->msgs));
	t->iovs = calloc(t->batch, sizeof(*t->iovs));
	if (!t->bufs || !t->msgs || !t->iovs)
		return -ENOMEM;
	for (unsigned int i = 0; i < t->batch; i++) {
		memcpy(t->bufs + (size_t)i * SLOT, t->tmpl->pkt, t->tmpl->len);
		t->iovs[i].iov_base = t->bufs + (size_t)i * SLOT;
		t->iovs[i].iov_len = t->tmpl->len;
		t->msgs[i].msg_hdr.msg_iov = &t->iovs[i];
		t->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static void gen_thread_free(struct gen_thread *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->bufs);
	free(t->msgs);
	free(t->iovs);
}

int main(int argc, char **argv)
{
	struct gen_opts o;
	struct gen_thread *threads = NULL;
	struct gen_template tmpl;
	uint8_t pkt[BENCH_MAX_SIZE];
	unsigned int nthreads = 0;
	int ifindex, pkt_len, err;
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
	tmpl = (struct gen_template){ .pkt = pkt, .len = pkt_len,
				      .proto = o.pkt.proto, .flows = o.flows };

	threads = calloc(o.threads, sizeof(*threads));
	if (!threads) {
		fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
		return 1;
	}
	for (unsigned int i = 0; i < o.threads; i++) {
		struct gen_thread *t = &threads[i];

		t->fd = -1;
		t->cpu = (o.first_cpu + i) % sysconf(_SC_NPROCESSORS_ONLN);
		t->batch = o.batch;
		t->rate = o.rate / o.threads + (i ? 0 : o.rate % o.threads);
		t->tmpl = &tmpl;
		/* Threads start at different flows, so that they do not send
		 * the same flow at the same time. */
		t->next_flow = (unsigned long long)o.flows * i / o.threads;
		/* The count is split evenly; thread 0 takes the remainder. */
		t->quota = o.count / o.threads + (i ? 0 : o.count % o.threads);
		nthreads = i + 1;
		if (o.count && !t->quota)
			break;
		err = gen_thread_init(t, ifindex);
		if (err) {
			fprintf(stderr, PROG ": cannot open a packet socket on %s: %s\n",
				o.dev, strerror(-err));
			goto out;
		}
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = last = bench_now();
	for (unsigned int i = 0; i < nthreads; i++) {
		struct gen_thread *t = &threads[i];

		if (o.count && !t->quota)
			continue;
		atomic_fetch_add(&running, 1);
		err = -pthread_create(&t->tid, NULL, gen_thread_run, t);
		t->started = !err;
		if (err) {
			atomic_fetch_sub(&running, 1);
			fprintf(stderr, PROG ": cannot start thread %u: %s\n", i, strerror(-err));
			atomic_store(&stop, 1);
			break;
		}
	}

	/* Report once a second until the time is up or every thread is done
	 * (quota met, or failed). */
	while (!atomic_load(&stop) && atomic_load(&running)) {
		usleep(20000);
		now = bench_now();
		sent = total_sent(threads, nthreads);
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
	for (unsigned int i = 0; i < nthreads; i++) {
		if (threads[i].started)
			pthread_join(threads[i].tid, NULL);
		if (threads[i].err && !err) {
			err = threads[i].err;
			fprintf(stderr, PROG ": sending on CPU %d failed: %s%s\n",
				threads[i].cpu, strerror(-err), err == -ENOBUFS ?
				" (the device took no frame for a second: is its peer up?)" : "");
		}
	}
	now = bench_now();
	sent = total_sent(threads, nthreads);
	if (o.json)
		printf("{\"dev\":\"%s\",\"size\":%u,\"proto\":\"%s\",\"flows\":%u,"
		       "\"threads\":%u,\"packets\":%llu,\"seconds\":%.3f,\"pps\":%.0f}\n",
		       o.dev, o.pkt.size, o.pkt.proto == IPPROTO_TCP ? "tcp" : "udp",
		       o.flows, o.threads, sent, now - t0, sent / (now - t0));
	else
		printf("sent %llu packets in %.3f s: %.0f pps\n", sent, now - t0,
		       sent / (now - t0));
out:
	for (unsigned int i = 0; i < nthreads; i++)
		gen_thread_free(&threads[i]);
	free(threads);
	return err ? 1 : 0;
}
