/* lookupcost: per-packet cost of the fast path's cache tiers, next to the
 * reference program, measured with BPF_PROG_TEST_RUN in one run. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/datapath/dp.h"
#include "common/flow_parse.h"
#include "reference.skel.h"
#include "tests/bench/cli.h"
#include "tests/bench/packet.h"

#define PROG "lookupcost"
#define LO 1 /* ingress port of every run: lo */
#define MAX_ROUNDS 101

static unsigned int repeat = 200000, rounds = 7;
static const char *only; /* --only: cases whose name starts so */
static int bad_verdicts;

/* True if case @name was asked for. */
static bool wanted(const char *name)
{
	return !only || !strncmp(name, only, strlen(only));
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [--repeat N] [--rounds N] [--big N] [--only PREFIX]\n"
"Prints, one per line, the kernel's cost in ns of one 64-byte TCP packet\n"
"(median over rounds of BPF_PROG_TEST_RUN's mean, as progcost) for:\n"
"  reference     parse Ethernet + IPv4, devmap redirect\n"
"  microflow     a microflow hit (XDP_TX)\n"
"  megaflow/M    a megaflow hit at the last of M masks, microflow cache off\n"
"  flows/N       a megaflow hit with N megaflows under one mask (1000 and\n"
"                --big N, default 1000000; 0 skips it)\n"
"  miss/8        no megaflow under 8 masks (the miss ringbuf is not read,\n"
"                so this is the probes plus a failed reservation)\n"
"and the ratio of each to the reference. --only runs the reference and the\n"
"cases whose name starts with PREFIX. Exits 1 if a case did not end with\n"
"the verdict it should (the fast path did not do what was measured).\n");
}

/* Median over rounds of the mean ns of one run of @fd on @pkt. */
static double cost(int fd, const void *pkt, size_t len, uint32_t *retval)
{
	double ns[MAX_ROUNDS], t;

	for (unsigned int r = 0; r <= rounds; r++) {
		struct xdp_md ctx = { .data_end = len, .ingress_ifindex = LO };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o)) {
			fprintf(stderr, PROG ": test run failed: %s\n", strerror(errno));
			exit(1);
		}
		if (r) /* round 0 warms up */
			ns[r - 1] = o.duration;
		*retval = o.retval;
	}
	for (unsigned int i = 1; i < rounds; i++) /* insertion sort */
		for (unsigned int j = i; j > 0 && ns[j - 1] > ns[j]; j--)
			t = ns[j], ns[j] = ns[j - 1], ns[j - 1] = t;
	return rounds % 2 ? ns[rounds / 2] : (ns[rounds / 2 - 1] + ns[rounds / 2]) / 2;
}

static void report(const char *name, double ns, double ref, uint32_t retval, uint32_t want)
{
	printf("%-14s %7.0f ns  %5.2fx%s\n", name, ns, ns / ref,
	       retval == want ? "" : "  (unexpected verdict)");
	bad_verdicts += retval != want;
}

static struct xs_dp *open_dp(uint32_t max_flows, bool emc)
{
	struct xs_dp_opts o = { .max_flows = max_flows, .emc_disabled = !emc };
	struct xs_dp *dp;
	int err = xs_dp_open(&o, &dp);

	if (err) {
		fprintf(stderr, PROG ": cannot open the datapath: %s\n", strerror(-err));
		exit(1);
	}
	return dp;
}

static void install(struct xs_dp *dp, const struct xs_flow_key *key,
		    const struct xs_flow_key *mask)
{
	static const struct xs_action tx = { .type = XS_ACT_OUTPUT, .arg = LO };
	int err = xs_dp_flow_install(dp, key, mask, &tx, 1, XS_MF_F_XDP, NULL);

	if (err) {
		fprintf(stderr, PROG ": install failed: %s\n", strerror(-err));
		exit(1);
	}
}

/* A 5-tuple-ish mask: in_port, dl_type, nw_proto, nw_dst, tp_dst exact,
 * and @src_bits of nw_src (so masks differ). */
static void mask_of(struct xs_flow_key *m, uint32_t src_bits)
{
	memset(m, 0, sizeof(*m));
	m->in_port = ~0u;
	m->dl_type = 0xffff;
	m->nw_proto = 0xff;
	m->nw_dst = ~0u;
	m->tp_dst = 0xffff;
	m->nw_src = htonl(src_bits);
}

/* @n_masks masks; the packet's megaflow is under the last one, the others
 * hold a megaflow for another destination. */
static double megaflow_cost(const struct xs_flow_key *key, const void *pkt, size_t len,
			    uint32_t n_masks, uint32_t *retval)
{
	struct xs_dp *dp = open_dp(1024, false);
	struct xs_flow_key m, k;
	double ns;

	for (uint32_t i = 0; i < n_masks; i++) {
		mask_of(&m, i + 1);
		k = *key;
		if (i + 1 < n_masks)
			k.nw_dst ^= htonl(0x00ff0000);
		install(dp, &k, &m);
	}
	ns = cost(xs_dp_xdp_prog_fd(dp), pkt, len, retval);
	xs_dp_close(dp);
	return ns;
}

/* @n megaflows under one mask (destinations 11.0.0.0 + i), one of them the
 * packet's. */
static double flows_cost(const struct xs_flow_key *key, const void *pkt, size_t len,
			 uint32_t n, uint32_t *retval)
{
	struct xs_dp *dp = open_dp(n, false);
	struct xs_flow_key m, k = *key;
	double ns;

	mask_of(&m, 0);
	for (uint32_t i = 0; i + 1 < n; i++) {
		k.nw_dst = htonl(0x0b000000 + i);
		install(dp, &k, &m);
	}
	install(dp, key, &m);
	ns = cost(xs_dp_xdp_prog_fd(dp), pkt, len, retval);
	xs_dp_close(dp);
	return ns;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repeat", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "big", required_argument, NULL, 'b' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const uint32_t mask_counts[] = { 1, 4, 8, 16, 64, 256 };
	struct bench_packet_spec spec;
	struct xs_parse_info info;
	struct xs_flow_key key, m;
	unsigned long long v, big = 1000000;
	uint8_t pkt[256];
	uint32_t port = LO, rv;
	double ref, ns;
	char name[32];
	int len, c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (bench_parse_u64(PROG, "--repeat", optarg, 1, 1u << 30, &v))
				return 2;
			repeat = v;
			break;
		case 'n':
			if (bench_parse_u64(PROG, "--rounds", optarg, 1, MAX_ROUNDS, &v))
				return 2;
			rounds = v;
			break;
		case 'b':
			if (bench_parse_u64(PROG, "--big", optarg, 0, 1u << 24, &v))
				return 2;
			big = v;
			break;
		case 'o':
			only = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (only && !wanted("microflow") && !wanted("megaflow/") && !wanted("flows/") &&
	    !wanted("miss/8") && strncmp(only, "megaflow/", 9) && strncmp(only, "flows/", 6)) {
		fprintf(stderr, PROG ": --only: no case starts with '%s'\n", only);
		return 2;
	}
	bench_packet_defaults(&spec);
	spec.proto = IPPROTO_TCP;
	len = bench_packet_build(&spec, pkt, sizeof(pkt));
	if (len < 0 || xs_flow_parse(pkt, len, LO, &key, &info) < 0) {
		fprintf(stderr, PROG ": cannot build the test packet\n");
		return 1;
	}

	struct reference *r = reference__open_and_load();

	if (!r || bpf_map__update_elem(r->maps.ref_ports, &port, sizeof(port), &port,
				       sizeof(port), BPF_ANY)) {
		fprintf(stderr, PROG ": cannot load the reference\n");
		return 1;
	}
	ref = cost(bpf_program__fd(r->progs.xs_reference), pkt, len, &rv);
	reference__destroy(r);
	report("reference", ref, ref, rv, XDP_REDIRECT);

	if (wanted("microflow")) {
		struct xs_dp *dp = open_dp(1024, true);

		mask_of(&m, 0);
		install(dp, &key, &m);
		ns = cost(xs_dp_xdp_prog_fd(dp), pkt, len, &rv);
		xs_dp_close(dp);
		report("microflow", ns, ref, rv, XDP_TX);
	}
	for (size_t i = 0; i < sizeof(mask_counts) / sizeof(mask_counts[0]); i++) {
		snprintf(name, sizeof(name), "megaflow/%u", mask_counts[i]);
		if (!wanted(name))
			continue;
		ns = megaflow_cost(&key, pkt, len, mask_counts[i], &rv);
		report(name, ns, ref, rv, XDP_TX);
	}
	for (unsigned long long n = 1000; n && n <= big; n = n == big ? 0 : big) {
		snprintf(name, sizeof(name), "flows/%llu", n);
		if (!wanted(name))
			continue;
		ns = flows_cost(&key, pkt, len, n, &rv);
		report(name, ns, ref, rv, XDP_TX);
	}
	if (wanted("miss/8")) {
		struct xs_dp *dp = open_dp(1024, true);

		for (uint32_t i = 0; i < 8; i++) {
			struct xs_flow_key k = key;

			mask_of(&m, i + 1);
			k.nw_dst ^= htonl(0x00ff0000);
			install(dp, &k, &m);
		}
		ns = cost(xs_dp_xdp_prog_fd(dp), pkt, len, &rv);
		xs_dp_close(dp);
		report("miss/8", ns, ref, rv, XDP_DROP);
	}
	return bad_verdicts ? 1 : 0;
}
