// SPDX-License-Identifier: Apache-2.0
/* Verifier acceptance: the fast-path object loads on this kernel, every
 * program verified, with the default map sizes and with the megaflow table
 * resized by the loader. Prints each program's verifier cost and size.
 *
 * The matrix: bpf/xdpswitch.bpf.c built by every clang Debian offers
 * (13, 14, 15, 16, 19, 22) with -mcpu=v2 and -mcpu=v3 loads too, each
 * program within a budget of instructions the verifier processes: a change
 * that makes verification explode fails here, not on a user's kernel. */
#include "tests/lib/xs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "xdpswitch/datapath.h"
#include "agent/datapath/kernel_check.h"
#include "xdpswitch.skel.h"

#define LOG_SIZE (1u << 20)

/* Budgets of "processed N insns", per program. The shipped build (clang
 * 14, default CPU) is held to about 1.3x what it costs today (xs_xdp
 * 124k, xs_tc 183k, xs_tc_exec 177k, with conntrack and 4 hash ways);
 * any compiler of the matrix to the same factor over the worst seen
 * (clang 16: xs_xdp 362k with -mcpu=v2, xs_tc 516k and xs_tc_exec 510k
 * with -mcpu=v3; clang 13 -mcpu=v3 is the cheapest, about a third of
 * that). The kernel's own limit is 1M. */
static const struct {
	const char *prog;
	long shipped, any;
} budget[] = {
	{ "xs_xdp", 160000, 470000 },
	{ "xs_tc", 240000, 670000 },
	{ "xs_tc_exec", 230000, 665000 },
};

static long budget_of(const char *prog, bool shipped)
{
	for (size_t i = 0; i < sizeof(budget) / sizeof(budget[0]); i++)
		if (!strcmp(budget[i].prog, prog))
			return shipped ? budget[i].shipped : budget[i].any;
	return 0;
}

#define N_PROGS 3

static char logs[N_PROGS][LOG_SIZE];

/* "processed N insns" from a verifier log with BPF_LOG_STATS, or -1. */
static long processed_insns(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtol(p + strlen("processed "), NULL, 10) : -1;
}

/* Loads the skeleton with @max_flows megaflow slots (0: default) and the
 * knobs @cfg (NULL: defaults), and checks that every program was verified;
 * prints their cost. The knobs are rodata, so each setting prunes other
 * code and is verified on its own. */
static void load_and_check(uint32_t max_flows, const struct xs_config *cfg)
{
	struct xdpswitch *skel = xdpswitch__open();
	struct bpf_program *progs[N_PROGS];
	int i;

	assert_non_null(skel);
	if (cfg)
		skel->rodata->xs_cfg = *cfg;
	progs[0] = skel->progs.xs_xdp;
	progs[1] = skel->progs.xs_tc;
	progs[2] = skel->progs.xs_tc_exec;
	for (i = 0; i < N_PROGS; i++) {
		logs[i][0] = 0;
		assert_int_equal(bpf_program__set_log_buf(progs[i], logs[i], LOG_SIZE), 0);
		assert_int_equal(bpf_program__set_log_level(progs[i], 4), 0); /* stats */
	}
	if (max_flows) {
		assert_int_equal(bpf_map__set_max_entries(skel->maps.xs_flows, max_flows), 0);
		assert_int_equal(bpf_map__set_max_entries(skel->maps.xs_flow_stats, max_flows), 0);
		assert_int_equal(bpf_map__set_max_entries(skel->maps.xs_megaflows, max_flows), 0);
	}
	if (xdpswitch__load(skel)) {
		for (i = 0; i < N_PROGS; i++)
			fprintf(stderr, "%s:\n%s\n", bpf_program__name(progs[i]),
				logs[i] + (strlen(logs[i]) > 4000 ? strlen(logs[i]) - 4000 : 0));
		fail_msg("xdpswitch.bpf.o does not load");
	}
	for (i = 0; i < N_PROGS; i++) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		memset(&info, 0, sizeof(info));
		assert_int_equal(bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len), 0);
		assert_true(processed_insns(logs[i]) > 0);
		printf("# %s: verifier processed %ld insns, xlated %u bytes (%u insns), jited %u bytes\n",
		       bpf_program__name(progs[i]), processed_insns(logs[i]),
		       info.xlated_prog_len, info.xlated_prog_len / 8, info.jited_prog_len);
		if (processed_insns(logs[i]) > budget_of(bpf_program__name(progs[i]), true))
			fail_msg("%s: the verifier processed %ld insns, over the budget of %ld",
				 bpf_program__name(progs[i]), processed_insns(logs[i]),
				 budget_of(bpf_program__name(progs[i]), true));
	}
	if (max_flows) {
		struct bpf_map_info mi;
		uint32_t len = sizeof(mi);

		memset(&mi, 0, sizeof(mi));
		assert_int_equal(bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.xs_flows), &mi, &len), 0);
		assert_int_equal(mi.max_entries, max_flows);
	}
	xdpswitch__destroy(skel);
}

static void test_loads_default(void **state)
{
	(void)state;
	xs_test_require_bpf();
	load_and_check(0, NULL);
}

static void test_loads_resized(void **state)
{
	(void)state;
	xs_test_require_bpf();
	load_and_check(1024, NULL);
	load_and_check(XS_DEFAULT_MAX_FLOWS * 4, NULL);
}

static void test_loads_with_knobs(void **state)
{
	const struct xs_config limited = { .miss_rate = 1000, .miss_burst = 100, .emc_enabled = 1 };
	const struct xs_config no_emc = { .miss_rate = 0, .emc_enabled = 0 };

	(void)state;
	xs_test_require_bpf();
	load_and_check(0, &limited);
	load_and_check(0, &no_emc);
}

/* The agent's configuration: limiter on, microflow cache on, a random
 * (odd) hash key. */
static struct xs_config shipped_config(void)
{
	struct xs_config c = { .miss_rate = 10000, .miss_burst = 10000, .emc_enabled = 1 };

	for (unsigned w = 0; w < XS_FLOW_KEY_WORDS; w++)
		c.hash.mult[w] = ((uint64_t)rand() << 33 ^ (uint64_t)rand() << 1) | 1;
	return c;
}

static const int clangs[] = { 13, 14, 15, 16, 19, 22 };
#define N_CLANGS (sizeof(clangs) / sizeof(clangs[0]))

/* Offset of variable @name in the object's .rodata section, or -1. */
static long rodata_offset(struct bpf_object *obj, const char *name)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *v;
	const struct btf_type *sec;
	int id;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return -1;
	sec = btf__type_by_id(btf, id);
	v = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, v++)
		if (!strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, v->type)->name_off), name))
			return v->offset;
	return -1;
}

/* Loads @path with the agent's knobs; returns 0 and each program's cost
 * in @cost (N_PROGS), or fails the test with the verifier's last words. */
static void load_file(const char *path, long cost[N_PROGS], char names[N_PROGS][32])
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct xs_config cfg = shipped_config();
	struct bpf_program *prog;
	struct bpf_map *rodata = NULL, *m;
	size_t size;
	void *init;
	long off;
	int i = 0;

	assert_non_null(obj);
	bpf_object__for_each_map(m, obj) {
		const char *sec = strstr(bpf_map__name(m), ".rodata");

		/* ".rodata", not ".rodata.cst16" (constants clang puts apart) */
		if (sec && !strcmp(sec, ".rodata"))
			rodata = m;
	}
	assert_non_null(rodata);
	init = (void *)bpf_map__initial_value(rodata, &size); /* const in libbpf 1.1 */
	off = rodata_offset(obj, "xs_cfg");
	assert_true(init && off >= 0 && (size_t)off + sizeof(cfg) <= size);
	memcpy((char *)init + off, &cfg, sizeof(cfg));
	bpf_object__for_each_program(prog, obj) {
		assert_true(i < N_PROGS);
		logs[i][0] = 0;
		bpf_program__set_log_buf(prog, logs[i], LOG_SIZE);
		bpf_program__set_log_level(prog, 4);
		snprintf(names[i++], 32, "%s", bpf_program__name(prog));
	}
	assert_int_equal(i, N_PROGS);
	if (bpf_object__load(obj)) {
		for (i = 0; i < N_PROGS; i++)
			fprintf(stderr, "%s:\n%s\n", names[i],
				logs[i] + (strlen(logs[i]) > 3000 ? strlen(logs[i]) - 3000 : 0));
		fail_msg("%s does not load", path);
	}
	for (i = 0; i < N_PROGS; i++)
		cost[i] = processed_insns(logs[i]);
	bpf_object__close(obj);
}

/* Every clang Debian offers, -mcpu=v2 and v3: builds (two at a time) and
 * loads, each program within the "any compiler" budget. */
static void test_compiler_matrix(void **state)
{
	const char *o = getenv("XS_BUILD") ? getenv("XS_BUILD") : "build";
	char cmd[2048], path[512];

	(void)state;
	xs_test_require_bpf();
	srand(15);
	/* the Makefile's BPF_CFLAGS plus -mcpu; two compilers at a time */
	snprintf(cmd, sizeof(cmd),
		 "set -e; src=$(pwd); mkdir -p %s/verifier-matrix; cd %s/verifier-matrix; "
		 "for c in 13 14 15 16 19 22; do for v in v2 v3; do echo \"$c $v\"; done; done | "
		 "xargs -P 2 -L 1 sh -c 'clang-$1 -O2 -g -target bpf -mcpu=$2 -D__TARGET_ARCH_x86 "
		 "-Wall -Wno-unused-function -I\"$0/include\" -I\"$0\" "
		 "-I/usr/include/$(uname -m)-linux-gnu -c \"$0/bpf/xdpswitch.bpf.c\" "
		 "-o xs-clang$1-$2.o 2>xs-clang$1-$2.log || "
		 "{ echo \"clang-$1 -mcpu=$2 failed:\"; head -20 xs-clang$1-$2.log; exit 255; }' "
		 "\"$src\"", o, o);
	if (system(cmd))
		fail_msg("building the matrix failed: %s", cmd);
	for (size_t c = 0; c < N_CLANGS; c++) {
		for (int v = 2; v <= 3; v++) {
			char names[N_PROGS][32];
			long cost[N_PROGS];

			snprintf(path, sizeof(path), "%s/verifier-matrix/xs-clang%d-v%d.o", o,
				 clangs[c], v);
			load_file(path, cost, names);
			printf("# clang-%d -mcpu=v%d:", clangs[c], v);
			for (int i = 0; i < N_PROGS; i++)
				printf(" %s %ld", names[i], cost[i]);
			printf(" insns processed\n");
			for (int i = 0; i < N_PROGS; i++)
				if (cost[i] <= 0 || cost[i] > budget_of(names[i], false))
					fail_msg("clang-%d -mcpu=v%d: %s: the verifier processed %ld "
						 "insns, over the budget of %ld", clangs[c], v,
						 names[i], cost[i], budget_of(names[i], false));
		}
	}
}

/* This kernel has every feature the agent checks for, by the real probes. */
static void test_kernel_features_present(void **state)
{
	char why[512] = "";

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_kernel_check(NULL, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

/* Map names are the XS_MAP_* strings the agent pins and looks up. */
static void test_map_names(void **state)
{
	static const char *const names[] = {
		XS_MAP_EMC, XS_MAP_MASKS, XS_MAP_MEGAFLOWS, XS_MAP_FLOWS,
		XS_MAP_FLOW_STATS, XS_MAP_MASK_HITS, XS_MAP_STATS, XS_MAP_UPCALLS,
		XS_MAP_TX_PORTS, XS_MAP_MISS_BUCKET, XS_MAP_MASK_FILTER, XS_MAP_PORT_LIST,
		XS_MAP_HASH_KEY,
	};
	struct xdpswitch *skel;
	size_t i;

	(void)state;
	skel = xdpswitch__open();
	assert_non_null(skel);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_non_null(bpf_object__find_map_by_name(skel->obj, names[i]));
	assert_int_equal(bpf_map__value_size(skel->maps.xs_flows), sizeof(struct xs_megaflow));
	assert_int_equal(bpf_map__value_size(skel->maps.xs_masks), sizeof(struct xs_mask_list));
	assert_int_equal(bpf_map__key_size(skel->maps.xs_megaflows), sizeof(struct xs_megaflow_key));
	assert_int_equal(bpf_map__value_size(skel->maps.xs_megaflows),
			 sizeof(struct xs_megaflow_entry));
	assert_int_equal(bpf_map__value_size(skel->maps.xs_emc), sizeof(struct xs_emc_entry));
	assert_int_equal(bpf_map__max_entries(skel->maps.xs_emc), XS_EMC_ENTRIES);
	assert_int_equal(bpf_map__max_entries(skel->maps.xs_stats), XS_STAT__MAX);
	xdpswitch__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_names),
		cmocka_unit_test(test_loads_default),
		cmocka_unit_test(test_loads_resized),
		cmocka_unit_test(test_loads_with_knobs),
		cmocka_unit_test(test_compiler_matrix),
		cmocka_unit_test(test_kernel_features_present),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
