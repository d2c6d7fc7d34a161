// SPDX-License-Identifier: Apache-2.0
/* progcost: per-packet cost of an XDP program, measured with
 * BPF_PROG_TEST_RUN (many repeats, several rounds, median), as JSON. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "reference.skel.h"
#include "tests/bench/cli.h"
#include "tests/bench/packet.h"

#define PROG "progcost"
#define MAX_ROUNDS 101
#define MAX_MAP_SETS 32

struct map_set {
	const char *name;
	__u32 key;
	__u32 value;
};

struct cost_opts {
	const char *obj;	/* --obj FILE */
	const char *prog;	/* --prog NAME within --obj */
	const char *pinned;	/* --pinned PATH */
	unsigned int id;	/* --id N */
	int reference;		/* --reference */
	const char *packet;	/* --packet FILE */
	struct bench_packet_spec pkt;
	const char *dev;	/* --dev: ingress device of the test packet */
	struct map_set sets[MAX_MAP_SETS];
	int n_sets;
	unsigned int repeat;
	unsigned int rounds;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " PROGRAM [PACKET] [options]\n"
"Runs an XDP program on one packet with BPF_PROG_TEST_RUN and prints its\n"
"cost as JSON: ns_per_pkt is the median over rounds of the kernel's own\n"
"figure (samples), the mean time of one run in whole ns, counting only time\n"
"spent running: the test run steps aside when the scheduler asks, and that\n"
"time is left out. The first of rounds + 1 calls only warms up.\n\n"
"PROGRAM, one of:\n"
"  --reference        the built-in reference (parse + devmap redirect),\n"
"                     with the ingress device mapped to itself\n"
"  --obj FILE [--prog NAME]   load a BPF object, first XDP program or NAME\n"
"  --map NAME:KEY=VAL set a u32 -> u32 entry in a map of --obj (repeatable)\n"
"  --id N | --pinned PATH     an already loaded program (e.g. the switch's,\n"
"                     with its maps filled by its loader)\n"
"PACKET: --packet FILE (raw frame) or a template: --size N (64, FCS\n"
"  included) --proto udp|tcp (udp)\n"
"  --dev DEV          ingress device in the context (lo)\n"
"  --repeat N         runs per round (1000000)\n"
"  --rounds N         rounds, 1..%d (7); one extra warm-up round is dropped\n",
		MAX_ROUNDS);
}

static int parse_map_set(const char *arg, struct map_set *s)
{
	char *colon = strchr(arg, ':');
	unsigned int k, v;
	char tail;

	if (!colon || colon == arg ||
	    sscanf(colon + 1, "%u=%u%c", &k, &v, &tail) != 2) {
		fprintf(stderr, PROG ": --map: '%s' is not NAME:KEY=VALUE (u32)\n", arg);
		return -EINVAL;
	}
	*colon = '\0';
	s->name = arg;
	s->key = k;
	s->value = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct cost_opts *o)
{
	static const struct option longopts[] = {
		{ "reference", no_argument, NULL, 'r' },
		{ "obj", required_argument, NULL, 'o' },
		{ "prog", required_argument, NULL, 'P' },
		{ "map", required_argument, NULL, 'm' },
		{ "id", required_argument, NULL, 'i' },
		{ "pinned", required_argument, NULL, 'n' },
		{ "packet", required_argument, NULL, 'k' },
		{ "size", required_argument, NULL, 's' },
		{ "proto", required_argument, NULL, 'p' },
		{ "dev", required_argument, NULL, 'd' },
		{ "repeat", required_argument, NULL, 'R' },
		{ "rounds", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	bench_packet_defaults(&o->pkt);
	o->dev = "lo";
	o->repeat = 1000000;
	o->rounds = 7;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->reference = 1;
			break;
		case 'o':
			o->obj = optarg;
			break;
		case 'P':
			o->prog = optarg;
			break;
		case 'm':
			if (o->n_sets == MAX_MAP_SETS) {
				fprintf(stderr, PROG ": --map: at most %d\n", MAX_MAP_SETS);
				return -EINVAL;
			}
			if (parse_map_set(optarg, &o->sets[o->n_sets++]))
				return -EINVAL;
			break;
		case 'i':
			if (bench_parse_u64(PROG, "--id", optarg, 1, ~0u, &v))
				return -EINVAL;
			o->id = v;
			break;
		case 'n':
			o->pinned = optarg;
			break;
		case 'k':
			o->packet = optarg;
			break;
		case 's':
			if (bench_parse_u64(PROG, "--size", optarg, BENCH_MIN_SIZE,
					    BENCH_MAX_SIZE, &v))
				return -EINVAL;
			o->pkt.size = v;
			break;
		case 'p':
			if (!strcmp(optarg, "udp") || !strcmp(optarg, "tcp")) {
				o->pkt.proto = optarg[0] == 'u' ? IPPROTO_UDP : IPPROTO_TCP;
			} else {
				fprintf(stderr, PROG ": --proto: '%s' is not udp or tcp\n", optarg);
				return -EINVAL;
			}
			break;
		case 'd':
			o->dev = optarg;
			break;
		case 'R':
			if (bench_parse_u64(PROG, "--repeat", optarg, 1, ~0u / 2, &v))
				return -EINVAL;
			o->repeat = v;
			break;
		case 'N':
			if (bench_parse_u64(PROG, "--rounds", optarg, 1, MAX_ROUNDS, &v))
				return -EINVAL;
			o->rounds = v;
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
	if (!!o->reference + !!o->obj + !!o->id + !!o->pinned != 1) {
		fprintf(stderr, PROG ": give exactly one of --reference, --obj, --id, --pinned\n");
		return -EINVAL;
	}
	if ((o->prog || o->n_sets) && !o->obj) {
		fprintf(stderr, PROG ": --prog and --map need --obj\n");
		return -EINVAL;
	}
	return 0;
}

/* Reads a raw frame from path into buf. Returns its length or -errno. */
static int read_packet(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, cap, f);
	if (!feof(f) || n < ETH_HLEN) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	return (int)n;
}

/* Loads --obj, applies the --map entries and returns the fd of the chosen
 * program (*objp keeps it alive), or -errno after printing why. */
static int load_obj(const struct cost_opts *o, struct bpf_object **objp)
{
	struct bpf_program *p, *found = NULL;
	struct bpf_object *obj = bpf_object__open_file(o->obj, NULL);
	int err;

	if (!obj) {
		err = -errno;
		fprintf(stderr, PROG ": --obj: cannot open %s: %s\n", o->obj, strerror(-err));
		return err;
	}
	*objp = obj;
	bpf_object__for_each_program(p, obj) {
		if (o->prog ? !strcmp(bpf_program__name(p), o->prog)
			    : bpf_program__type(p) == BPF_PROG_TYPE_XDP) {
			found = p;
			break;
		}
	}
	if (!found) {
		fprintf(stderr, PROG ": --obj: %s has no %s%s\n", o->obj,
			o->prog ? "program " : "XDP program", o->prog ? o->prog : "");
		return -ENOENT;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, PROG ": --obj: cannot load %s: %s\n", o->obj, strerror(-err));
		return err;
	}
	for (int i = 0; i < o->n_sets; i++) {
		const struct map_set *s = &o->sets[i];
		struct bpf_map *m = bpf_object__find_map_by_name(obj, s->name);

		err = m ? bpf_map__update_elem(m, &s->key, sizeof(s->key), &s->value,
					       sizeof(s->value), BPF_ANY)
			: -ENOENT;
		if (err) {
			fprintf(stderr, PROG ": --map %s:%u=%u: %s\n", s->name, s->key,
				s->value, m ? strerror(-err) : "no such map");
			return err;
		}
	}
	return bpf_program__fd(found);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of the n values at v (sorts them). */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Prints "NAME":[v0,v1,...], with prec decimals. */
static void print_array(const char *name, const double *v, unsigned int n, int prec)
{
	printf("\"%s\":[", name);
	for (unsigned int i = 0; i < n; i++)
		printf("%s%.*f", i ? "," : "", prec, v[i]);
	printf("],");
}

int main(int argc, char **argv)
{
	struct cost_opts o;
	struct reference *ref = NULL;
	struct bpf_object *obj = NULL;
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);
	double ns[MAX_ROUNDS];
	uint8_t pkt[4096];
	int fd = -1, len, ifindex, err;
	__u32 retval = 0;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : 2;
	ifindex = bench_ifindex(PROG, "--dev", o.dev);
	if (ifindex < 0)
		return 2;
	len = o.packet ? read_packet(o.packet, pkt, sizeof(pkt))
		       : bench_packet_build(&o.pkt, pkt, sizeof(pkt));
	if (len < 0) {
		fprintf(stderr, PROG ": %s%s: %s\n", o.packet ? "--packet " : "packet",
			o.packet ? o.packet : "", len == -EINVAL ?
			"not a frame of 14..4096 bytes" : strerror(-len));
		return 2;
	}

	if (o.reference) {
		__u32 port = ifindex;

		ref = reference__open_and_load();
		err = ref ? bpf_map__update_elem(ref->maps.ref_ports, &port, sizeof(port),
						 &port, sizeof(port), BPF_ANY) : -errno;
		if (err)
			fprintf(stderr, PROG ": cannot set up the reference: %s\n", strerror(-err));
		else
			fd = bpf_program__fd(ref->progs.xs_reference);
	} else if (o.obj) {
		fd = load_obj(&o, &obj);
	} else {
		fd = o.id ? bpf_prog_get_fd_by_id(o.id) : bpf_obj_get(o.pinned);
		if (fd < 0 && o.id)
			fprintf(stderr, PROG ": --id %u: %s\n", o.id, strerror(errno));
		else if (fd < 0)
			fprintf(stderr, PROG ": --pinned %s: %s\n", o.pinned, strerror(errno));
	}
	if (fd < 0) {
		err = 1;
		goto out;
	}
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &info_len);
	if (!err && info.type != BPF_PROG_TYPE_XDP) {
		fprintf(stderr, PROG ": program %s is not an XDP program\n", info.name);
		err = -EINVAL;
	}

	/* Round 0 warms caches and branch predictors and is not kept. */
	for (unsigned int r = 0; !err && r <= o.rounds; r++) {
		struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = pkt,
			.data_size_in = len,
			.ctx_in = &ctx,
			.ctx_size_in = sizeof(ctx),
			.repeat = o.repeat,
		);

		err = bpf_prog_test_run_opts(fd, &opts);
		if (err)
			fprintf(stderr, PROG ": test run failed: %s\n", strerror(-err));
		else if (r)
			ns[r - 1] = opts.duration;
		retval = opts.retval;
	}
	if (err)
		goto out;
	printf("{\"prog\":\"%s\",\"id\":%u,\"retval\":%u,\"packet_len\":%d,"
	       "\"repeat\":%u,\"rounds\":%u,", info.name, info.id, retval, len,
	       o.repeat, o.rounds);
	print_array("samples", ns, o.rounds, 0);
	printf("\"ns_per_pkt\":%.0f}\n", median(ns, o.rounds));
out:
	if (fd >= 0 && (o.id || o.pinned))
		close(fd);
	reference__destroy(ref);
	bpf_object__close(obj);
	return err ? 1 : 0;
}
