// SPDX-License-Identifier: Apache-2.0
/* lookupcost: per-packet cost of the switch's XDP program by lookup path
 * (microflow, megaflow by masks probed, miss) and by table size, as JSON.
 *
 * Uses only the datapath library's public API (agent/datapath/dp.h), so it
 * measures any implementation of the lookup behind it. Every figure is the
 * kernel's own BPF_PROG_TEST_RUN time (mean ns of one run over --repeat
 * runs, not live: a redirect is a verdict, nothing is sent), the median
 * over --rounds rounds after one warm-up round, on one CPU. Each case checks
 * with the datapath counters that every run took the path it names.
 *
 * Scale: N megaflows with one mask (in_port + dl_src), keys differing in
 * dl_src. Each megaflow's actions rewrite dl_src to the key of the next
 * megaflow in a random cycle through all N, then output. A test run keeps
 * the frame between repeats, so consecutive runs look up N keys in random
 * order, each once per cycle: the hash table is walked like a cache-cold
 * table, not one warm entry. Memory is the kernel's accounting ("memlock"
 * in /proc/self/fdinfo of each map). */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "reference.skel.h"
#include "agent/datapath/dp.h"
#include "common/flow_parse.h"
#include "tests/bench/cli.h"
#include "tests/bench/packet.h"

#define PROG "lookupcost"
#define MAX_ROUNDS 101
#define MAX_LIST 8
/* Misses per round: fewer than the 4 MiB ringbuf holds (about 2500 records
 * of 1.7 KB), drained between rounds, so every miss is a submitted record. */
#define MISS_REPEAT 2000
/* Target time of one round, ns: a case costing more gets fewer repeats. */
#define ROUND_NS 2e8

struct lc_opts {
	unsigned int repeat;
	unsigned int rounds;
	unsigned int masks[MAX_LIST];
	int n_masks;
	unsigned int scale[MAX_LIST];
	int n_scale;
	unsigned int scale_repeat;
	unsigned int emc_inv[MAX_LIST]; /* --scale-microflow */
	int n_emc_inv;
	const char *in, *out;
};

/* One measured case: the median and the rounds it came from. */
struct lc_result {
	double ns;
	double samples[MAX_ROUNDS];
	unsigned int rounds;
	unsigned int repeat;
	uint64_t runs;  /* all runs, warm-up included */
	__u32 retval;
};

static uint32_t in_ifindex = 1, out_ifindex = 1; /* --in, --out (lo) */
static bool cut_build; /* --cut-build: the program ends early (floor.sh) */
static uint8_t pkt[256];
static int pkt_len;
static uint8_t last_out[256]; /* the frame after the last measured round */
static int first_json = 1;

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [--repeat N] [--rounds N] [--masks \"1 8 64 256\"]\n"
"       [--scale \"1000 100000 1000000\"] [--scale-repeat N]\n"
"       [--scale-microflow \"1 100\"] [--in DEV] [--out DEV] [--cut-build]\n"
"Cost per packet (ns, BPF_PROG_TEST_RUN, median of rounds) of the switch's\n"
"XDP program on a 64-byte UDP packet received on --in (lo) and sent to\n"
"--out (lo; the same device is an XDP_TX), by path: reference\n"
"program, microflow hit, megaflow hit with the hit at the first and at the\n"
"last of M masks (microflow cache off), miss (ringbuf drained between\n"
"rounds of %d, no miss limit); then megaflow hits at N megaflows in random\n"
"order with their memory, and (up to 100k) with the microflow cache on,\n"
"inserting at 1/N for each N of --scale-microflow (Open vSwitch's\n"
"emc-insert-inv-prob). Prints one JSON object. --masks \"\", --scale \"\" or\n"
"--scale-microflow \"\" skips that part. --cut-build: the program was built\n"
"to end early (tests/bench/floor.sh): no path is checked, no scale part. Defaults: --repeat 1000000 --rounds 7, --scale-repeat\n"
"1000000 (at least N).\n", MISS_REPEAT);
}

/* Parses a space-separated list of numbers in [1, max] into out. */
static int parse_list(const char *opt, const char *str, unsigned int max,
		      unsigned int *out, int *n)
{
	char buf[256], *tok, *save;
	unsigned long long v;

	if (strlen(str) >= sizeof(buf)) {
		fprintf(stderr, PROG ": %s: list too long\n", opt);
		return -EINVAL;
	}
	strcpy(buf, str);
	*n = 0;
	for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		if (*n == MAX_LIST) {
			fprintf(stderr, PROG ": %s: at most %d values\n", opt, MAX_LIST);
			return -EINVAL;
		}
		if (bench_parse_u64(PROG, opt, tok, 1, max, &v))
			return -EINVAL;
		out[(*n)++] = v;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct lc_opts *o)
{
	static const struct option longopts[] = {
		{ "repeat", required_argument, NULL, 'R' },
		{ "rounds", required_argument, NULL, 'N' },
		{ "masks", required_argument, NULL, 'm' },
		{ "scale", required_argument, NULL, 's' },
		{ "scale-repeat", required_argument, NULL, 'S' },
		{ "scale-microflow", required_argument, NULL, 'e' },
		{ "cut-build", no_argument, NULL, 'c' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->repeat = 1000000;
	o->rounds = 7;
	o->scale_repeat = 1000000;
	o->in = "lo";
	o->out = "lo";
	parse_list("--masks", "1 8 64 256", XS_MAX_MASKS, o->masks, &o->n_masks);
	parse_list("--scale", "1000 100000 1000000", 1u << 24, o->scale, &o->n_scale);
	parse_list("--scale-microflow", "1 100", ~0u, o->emc_inv, &o->n_emc_inv);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'R':
		case 'S':
			if (bench_parse_u64(PROG, c == 'R' ? "--repeat" : "--scale-repeat",
					    optarg, 1, ~0u / 2, &v))
				return -EINVAL;
			*(c == 'R' ? &o->repeat : &o->scale_repeat) = v;
			break;
		case 'N':
			if (bench_parse_u64(PROG, "--rounds", optarg, 1, MAX_ROUNDS, &v))
				return -EINVAL;
			o->rounds = v;
			break;
		case 'm':
			if (parse_list("--masks", optarg, XS_MAX_MASKS, o->masks, &o->n_masks))
				return -EINVAL;
			break;
		case 's':
			if (parse_list("--scale", optarg, 1u << 24, o->scale, &o->n_scale))
				return -EINVAL;
			break;
		case 'e':
			if (parse_list("--scale-microflow", optarg, ~0u, o->emc_inv,
				       &o->n_emc_inv))
				return -EINVAL;
			break;
		case 'c':
			cut_build = true;
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
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
	if (cut_build)
		o->n_scale = 0; /* the walk needs the actions run */
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, unsigned int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* One test run of @fd on @data (@len bytes, rewritten in place with the
 * frame as the program left it), @repeat times. Returns the kernel's mean
 * ns per run in *ns, or -errno. */
static int run_once(int fd, uint8_t *data, int len, unsigned int repeat,
		    double *ns, __u32 *retval)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = in_ifindex };
	uint8_t out[256];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = repeat,
	);
	int err = bpf_prog_test_run_opts(fd, &opts);

	if (err)
		return err;
	*ns = opts.duration;
	*retval = opts.retval;
	if (opts.data_size_out == (__u32)len)
		memcpy(data, out, len);
	return 0;
}

/* Warm-up round, then @rounds measured rounds of @repeat runs of the test
 * packet; between rounds @between (may be NULL) is called. */
static int measure(int fd, unsigned int repeat, unsigned int rounds, bool adapt,
		   void (*between)(void *), void *arg, struct lc_result *r)
{
	uint8_t data[256];
	double ns;
	int err;

	memset(r, 0, sizeof(*r));
	r->rounds = rounds;
	for (unsigned int i = 0; i <= rounds; i++) {
		memcpy(data, pkt, pkt_len);
		err = run_once(fd, data, pkt_len, repeat, &ns, &r->retval);
		if (err) {
			fprintf(stderr, PROG ": test run failed: %s\n", strerror(-err));
			return err;
		}
		r->runs += repeat;
		/* After the warm-up, rounds of about ROUND_NS unless --repeat
		 * asks for fewer runs (costly cases keep the run short). */
		if (!i && adapt && ns * repeat > ROUND_NS)
			repeat = ROUND_NS / (ns > 1 ? ns : 1) > 10000 ? ROUND_NS / ns : 10000;
		r->repeat = repeat;
		if (i)
			r->samples[i - 1] = ns;
		memcpy(last_out, data, pkt_len);
		if (between)
			between(arg);
	}
	r->ns = median(r->samples, rounds);
	return 0;
}

static void json_key(const char *name)
{
	printf("%s\"%s\":", first_json ? "{" : ",", name);
	first_json = 0;
}

static void json_result(const struct lc_result *r, double ref_ns)
{
	printf("{\"ns_per_pkt\":%.0f,\"ratio\":%.3f,\"repeat\":%u,\"retval\":%u,\"samples\":[",
	       r->ns, ref_ns > 0 ? r->ns / ref_ns : 0, r->repeat, r->retval);
	for (unsigned int i = 0; i < r->rounds; i++)
		printf("%s%.0f", i ? "," : "", r->samples[i]);
	printf("]");
}

/* @emc_inv: the microflow insertion's inverse probability (0: default). */
static struct xs_dp *dp_open(uint32_t max_flows, bool emc, uint32_t emc_inv)
{
	/* It measures lookups across up to XS_MAX_MASKS masks of one port: no
	 * per-port mask budget (--mask-budget) here. */
	struct xs_dp_opts o = { .max_flows = max_flows, .emc_disabled = !emc,
				.mask_budget = XS_MAX_MASKS, .emc_insert_inv_prob = emc_inv };
	struct xs_dp *dp = NULL;
	int err = xs_dp_open(&o, &dp);

	if (!err)
		err = xs_dp_port_add(dp, in_ifindex);
	if (!err)
		err = xs_dp_port_add(dp, out_ifindex);
	if (err) {
		fprintf(stderr, PROG ": cannot open the datapath (max_flows %u): %s\n",
			max_flows, strerror(-err));
		xs_dp_close(dp);
		return NULL;
	}
	return dp;
}

static int stats(struct xs_dp *dp, uint64_t s[XS_STAT__MAX])
{
	int err = xs_dp_stats_read(dp, s);

	if (err)
		fprintf(stderr, PROG ": cannot read counters: %s\n", strerror(-err));
	return err;
}

/* Checks that counter @stat grew by exactly @want since @before. */
static int expect(struct xs_dp *dp, const uint64_t before[XS_STAT__MAX],
		  unsigned int stat, uint64_t want, const char *what)
{
	uint64_t now[XS_STAT__MAX];

	if (cut_build)
		return 0;
	if (stats(dp, now))
		return -EIO;
	if (now[stat] - before[stat] != want) {
		fprintf(stderr, PROG ": %s: %s grew by %llu, expected %llu\n", what,
			xs_dp_stat_name(stat), (unsigned long long)(now[stat] - before[stat]),
			(unsigned long long)want);
		return -EPROTO;
	}
	return 0;
}

static struct xs_action out_lo = { .type = XS_ACT_OUTPUT }; /* arg: out_ifindex */

/* Mask number @i (0-based) of the mask cases: exact in_port, dl_type,
 * nw_proto, nw_dst; tp_src with mask i + 1, so all masks differ. */
static void case_mask(unsigned int i, struct xs_flow_key *m)
{
	memset(m, 0, sizeof(*m));
	m->in_port = ~0u;
	m->dl_type = 0xffff;
	m->nw_proto = 0xff;
	m->nw_dst = ~0u;
	m->tp_src = htons(i + 1);
}

/* Installs @n megaflows with distinct masks; the one that matches the test
 * packet (@pkt_key) gets the first mask if @first, else the last; the
 * others have a destination the packet does not have. Returns the
 * position of the matching mask in probe order, or -errno. */
static int install_masks(struct xs_dp *dp, const struct xs_flow_key *pkt_key,
			 unsigned int n, bool first)
{
	uint32_t order[XS_MAX_MASKS], want = first ? 0 : n - 1, cnt;
	struct xs_flow_key k, m, hit_mask;
	struct xs_flow_handle h;
	int err;

	err = xs_dp_flow_flush(dp);
	for (unsigned int i = 0; !err && i < n; i++) {
		case_mask(i, &m);
		k = *pkt_key;
		if (i != want)
			k.nw_dst = htonl(0x0ac80000 + i); /* 10.200.x.y: no match */
		err = xs_dp_flow_install(dp, &k, &m, &out_lo, 1, XS_MF_F_XDP, &h);
		if (i == want)
			hit_mask = m;
	}
	if (err) {
		fprintf(stderr, PROG ": installing %u masks: %s\n", n, strerror(-err));
		return err;
	}
	/* Where the matching mask sits in the published probe order. */
	cnt = xs_dp_mask_order(dp, order, XS_MAX_MASKS);
	for (uint32_t i = 0; i < cnt; i++) {
		struct xs_dp_flow f;
		uint32_t pos = 0;

		while (xs_dp_flow_next(dp, &pos, &f) == 1) {
			if (f.mask_id == order[i] &&
			    !memcmp(&f.mask, &hit_mask, sizeof(hit_mask)))
				return (int)i;
		}
	}
	return -ENOENT;
}

/* Drains the miss ringbuf (callback of measure()). */
static int drop_upcall(void *ctx, const struct xs_upcall *u)
{
	(void)ctx;
	(void)u;
	return 0;
}

static void drain(void *arg)
{
	while (xs_dp_upcall_poll(arg, drop_upcall, NULL, 0) > 0)
		;
}

/* Reference program with lo mapped to itself. */
static int case_reference(const struct lc_opts *o, struct lc_result *r)
{
	struct reference *ref = reference__open_and_load();
	__u32 port = in_ifindex, out = out_ifindex;
	int err;

	err = ref ? bpf_map__update_elem(ref->maps.ref_ports, &port, sizeof(port),
					 &out, sizeof(out), BPF_ANY) : -errno;
	if (!err)
		err = measure(bpf_program__fd(ref->progs.xs_reference), o->repeat,
			      o->rounds, true, NULL, NULL, r);
	else
		fprintf(stderr, PROG ": cannot set up the reference: %s\n", strerror(-err));
	reference__destroy(ref);
	return err;
}

static int case_microflow(const struct lc_opts *o, const struct xs_flow_key *key,
			  struct lc_result *r)
{
	struct xs_dp *dp = dp_open(0, true, 0);
	uint64_t before[XS_STAT__MAX];
	struct xs_flow_key m;
	int err;

	if (!dp)
		return -EIO;
	case_mask(0, &m);
	err = xs_dp_flow_install(dp, key, &m, &out_lo, 1, XS_MF_F_XDP, NULL);
	if (!err)
		err = stats(dp, before);
	if (!err)
		err = measure(xs_dp_xdp_prog_fd(dp), o->repeat, o->rounds, true, NULL, NULL, r);
	/* The first run of the warm-up round fills the cache. */
	if (!err)
		err = expect(dp, before, XS_STAT_MICROFLOW_HIT, r->runs - 1, "microflow");
	xs_dp_close(dp);
	return err;
}

/* Megaflow hits with n masks, microflow cache off. */
static int case_masks(const struct lc_opts *o, struct xs_dp *dp,
		      const struct xs_flow_key *key, unsigned int n, bool first,
		      struct lc_result *r, int *pos, double *probes)
{
	uint64_t before[XS_STAT__MAX], after[XS_STAT__MAX];
	int err;

	*pos = install_masks(dp, key, n, first);
	if (*pos < 0)
		return *pos;
	err = stats(dp, before);
	if (!err)
		err = measure(xs_dp_xdp_prog_fd(dp), o->repeat, o->rounds, true, NULL, NULL, r);
	if (!err)
		err = expect(dp, before, XS_STAT_MEGAFLOW_HIT, r->runs, "megaflow");
	if (!err)
		err = stats(dp, after);
	if (!err)
		*probes = (double)(after[XS_STAT_MASKS_PROBED] - before[XS_STAT_MASKS_PROBED]) /
			  r->runs;
	return err;
}

static int case_miss(const struct lc_opts *o, struct lc_result *r)
{
	struct xs_dp *dp = dp_open(0, true, 0);
	uint64_t before[XS_STAT__MAX];
	int err;

	if (!dp)
		return -EIO;
	err = stats(dp, before);
	if (!err)
		err = measure(xs_dp_xdp_prog_fd(dp), MISS_REPEAT, o->rounds, false, drain, dp, r);
	if (!err)
		err = expect(dp, before, XS_STAT_MISS, r->runs, "miss");
	if (!err)
		err = expect(dp, before, XS_STAT_MISS_LOST, 0, "miss");
	xs_dp_close(dp);
	return err;
}

/* "memlock" of a map as the kernel accounts it, from fdinfo; 0 if absent. */
static unsigned long long map_memlock(struct xs_dp *dp, const char *name)
{
	char path[64], line[128];
	unsigned long long v = 0;
	int fd = xs_dp_map_fd(dp, name);
	FILE *f;

	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static void scale_mac(uint32_t i, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x5c;
	mac[2] = i >> 24;
	mac[3] = i >> 16;
	mac[4] = i >> 8;
	mac[5] = i;
}

static const char *const mem_maps[] = { XS_MAP_MEGAFLOWS, XS_MAP_FLOWS, XS_MAP_FLOW_STATS };
#define N_MEM_MAPS (sizeof(mem_maps) / sizeof(mem_maps[0]))

/* Scale case: see the header comment. Prints its JSON object. With
 * @emc_inv the microflow cache is on, inserting at 1/@emc_inv (Open
 * vSwitch's emc-insert-inv-prob), and the object gives the hits of each
 * tier instead of the memory. */
static int case_scale(const struct lc_opts *o, const struct xs_flow_key *key,
		      uint32_t n, double ref_ns, uint32_t emc_inv)
{
	unsigned long long mem0[N_MEM_MAPS], mem1[N_MEM_MAPS];
	uint64_t before[XS_STAT__MAX];
	struct xs_action act[2] = { { .type = XS_ACT_SET_ETH_SRC }, out_lo };
	unsigned int repeat = o->scale_repeat < n ? n : o->scale_repeat;
	struct xs_flow_key k = *key, m;
	uint32_t *next = malloc(n * sizeof(*next));
	struct mallinfo2 heap0, heap1;
	uint8_t saved_src[ETH_ALEN];
	struct lc_result r;
	double t0, t_install;
	struct xs_dp *dp;
	int err = 0;

	if (!next)
		return -ENOMEM;
	/* A random cycle through all n (Sattolo's shuffle). */
	for (uint32_t i = 0; i < n; i++)
		next[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = rnd(i), t = next[i];

		next[i] = next[j];
		next[j] = t;
	}
	dp = dp_open(n, emc_inv != 0, emc_inv);
	if (!dp) {
		free(next);
		return -EIO;
	}
	memset(&m, 0, sizeof(m));
	m.in_port = ~0u;
	memset(m.dl_src, 0xff, sizeof(m.dl_src));
	for (size_t i = 0; i < N_MEM_MAPS; i++)
		mem0[i] = map_memlock(dp, mem_maps[i]);
	heap0 = mallinfo2();
	t0 = bench_now();
	for (uint32_t i = 0; !err && i < n; i++) {
		scale_mac(i, k.dl_src);
		scale_mac(next[i], act[0].u.mac);
		err = xs_dp_flow_install(dp, &k, &m, act, 2, XS_MF_F_XDP, NULL);
	}
	t_install = bench_now() - t0;
	heap1 = mallinfo2();
	if (err) {
		fprintf(stderr, PROG ": installing %u megaflows: %s\n", n, strerror(-err));
		goto out;
	}
	for (size_t i = 0; i < N_MEM_MAPS; i++)
		mem1[i] = map_memlock(dp, mem_maps[i]);

	/* The test packet starts at megaflow 0. */
	memcpy(saved_src, pkt + ETH_ALEN, ETH_ALEN);
	scale_mac(0, pkt + ETH_ALEN);
	err = stats(dp, before);
	if (!err)
		err = measure(xs_dp_xdp_prog_fd(dp), repeat, o->rounds, false, NULL, NULL, &r);
	if (!err && !emc_inv)
		err = expect(dp, before, XS_STAT_MEGAFLOW_HIT,
			     r.runs, "scale");
	uint64_t after[XS_STAT__MAX], tier[2] = { 0, 0 };

	if (!err && emc_inv && !(err = stats(dp, after))) {
		tier[0] = after[XS_STAT_MICROFLOW_HIT] - before[XS_STAT_MICROFLOW_HIT];
		tier[1] = after[XS_STAT_MEGAFLOW_HIT] - before[XS_STAT_MEGAFLOW_HIT];
		if (tier[0] + tier[1] != r.runs) {
			fprintf(stderr, PROG ": scale: %llu hits for %llu runs\n",
				(unsigned long long)(tier[0] + tier[1]),
				(unsigned long long)r.runs);
			err = -EPROTO;
		}
	}
	memcpy(pkt + ETH_ALEN, saved_src, ETH_ALEN);
	if (err)
		goto out;
	/* The frame must have walked the cycle: after @repeat runs its source
	 * is that of megaflow next^repeat(0). */
	uint32_t at = 0;
	uint8_t want[ETH_ALEN];

	for (unsigned int i = 0; i < repeat; i++)
		at = next[at];
	scale_mac(at, want);
	if (memcmp(last_out + ETH_ALEN, want, ETH_ALEN)) {
		fprintf(stderr, PROG ": scale: the frame did not walk the megaflow cycle\n");
		err = -EPROTO;
		goto out;
	}

	printf("{\"megaflows\":%u,\"masks\":1,\"install_s\":%.3f,"
	       "\"install_per_s\":%.0f,\"hit\":", n, t_install, n / t_install);
	json_result(&r, ref_ns);
	if (emc_inv) {
		printf("},\"emc_insert_inv_prob\":%u,\"microflow_hit_share\":%.4f}",
		       emc_inv, (double)tier[0] / r.runs);
		goto out;
	}
	printf("},\"memlock_empty\":{");
	for (size_t i = 0; i < N_MEM_MAPS; i++)
		printf("%s\"%s\":%llu", i ? "," : "", mem_maps[i], mem0[i]);
	printf("},\"memlock\":{");
	unsigned long long total = 0, grown = 0;

	for (size_t i = 0; i < N_MEM_MAPS; i++) {
		printf("%s\"%s\":%llu", i ? "," : "", mem_maps[i], mem1[i]);
		total += mem1[i];
		grown += mem1[i] - mem0[i];
	}
	printf("},\"kernel_bytes_per_megaflow\":%.1f,\"kernel_grown_bytes_per_megaflow\":%.1f,"
	       "\"agent_heap_bytes_per_megaflow\":%.1f}",
	       (double)total / n, (double)grown / n,
	       (double)(heap1.uordblks - heap0.uordblks) / n);
out:
	xs_dp_close(dp);
	free(next);
	return err;
}

/* Runs on one CPU: microflow entries and counters are per CPU. */
static void pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char **argv)
{
	struct bench_packet_spec spec;
	struct xs_parse_info info;
	struct xs_flow_key key;
	struct lc_result ref, r;
	struct lc_opts o;
	struct xs_dp *dp;
	int err, pos;
	double probes;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	libbpf_set_print(NULL);
	err = bench_ifindex(PROG, "--in", o.in);
	if (err < 0)
		return 2;
	in_ifindex = err;
	err = bench_ifindex(PROG, "--out", o.out);
	if (err < 0)
		return 2;
	out_ifindex = err;
	out_lo.arg = out_ifindex;
	pin_cpu();
	bench_packet_defaults(&spec);
	pkt_len = bench_packet_build(&spec, pkt, sizeof(pkt));
	if (pkt_len < 0 || xs_flow_parse(pkt, pkt_len, in_ifindex, &key, &info) < 0) {
		fprintf(stderr, PROG ": cannot build the test packet\n");
		return 1;
	}

	err = case_reference(&o, &ref);
	if (err)
		return 1;
	json_key("packet_len");
	printf("%d", pkt_len);
	json_key("rounds");
	printf("%u", o.rounds);
	json_key("reference");
	json_result(&ref, ref.ns);
	printf("}");

	err = case_microflow(&o, &key, &r);
	if (err)
		return 1;
	json_key("microflow");
	json_result(&r, ref.ns);
	printf("}");

	json_key("megaflow");
	printf("[");
	dp = o.n_masks ? dp_open(0, false, 0) : NULL;
	if (o.n_masks && !dp)
		return 1;
	for (int i = 0; i < o.n_masks; i++) {
		for (int first = 0; first < 2; first++) {
			err = case_masks(&o, dp, &key, o.masks[i], first, &r, &pos, &probes);
			if (err) {
				xs_dp_close(dp);
				return 1;
			}
			printf("%s{\"masks\":%u,\"hit_at\":\"%s\",\"position\":%d,"
			       "\"masks_probed\":%.2f,\"cost\":", i || first ? "," : "",
			       o.masks[i], first ? "first" : "last", pos + 1, probes);
			json_result(&r, ref.ns);
			printf("}}");
			if (o.masks[i] == 1)
				break; /* first and last are the same mask */
		}
	}
	printf("]");
	xs_dp_close(dp);

	err = case_miss(&o, &r);
	if (err)
		return 1;
	json_key("miss");
	json_result(&r, ref.ns);
	printf(",\"how\":\"no megaflow; miss limiter off; ringbuf drained between"
	       " rounds of %d, every miss submitted\"}", MISS_REPEAT);

	json_key("scale");
	printf("[");
	for (int i = 0; i < o.n_scale; i++) {
		if (i)
			printf(",");
		fflush(stdout);
		if (case_scale(&o, &key, o.scale[i], ref.ns, 0))
			return 1;
	}
	printf("]");
	json_key("scale_microflow");
	printf("[");
	for (int i = 0, first = 1; i < o.n_scale; i++) {
		/* 1M megaflows twice more would double the run for little. */
		if (o.scale[i] > 100000)
			continue;
		for (int j = 0; j < o.n_emc_inv; j++) {
			printf("%s", first ? "" : ",");
			first = 0;
			fflush(stdout);
			if (case_scale(&o, &key, o.scale[i], ref.ns, o.emc_inv[j]))
				return 1;
		}
	}
	printf("]}\n");
	return 0;
}
