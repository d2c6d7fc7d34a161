// SPDX-License-Identifier: Apache-2.0
/* Verifier acceptance: the fast-path object loads on this kernel, every
 * program verified, with the default map sizes and with the megaflow table
 * resized by the loader. Prints each program's verifier cost and size. */
#include "tests/lib/xs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpswitch/datapath.h"
#include "xdpswitch.skel.h"

#define LOG_SIZE (1u << 20)

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

/* Map names are the XS_MAP_* strings the agent pins and looks up. */
static void test_map_names(void **state)
{
	static const char *const names[] = {
		XS_MAP_EMC, XS_MAP_MASKS, XS_MAP_MEGAFLOWS, XS_MAP_FLOWS,
		XS_MAP_FLOW_STATS, XS_MAP_MASK_HITS, XS_MAP_STATS, XS_MAP_UPCALLS,
		XS_MAP_TX_PORTS, XS_MAP_MISS_BUCKET, XS_MAP_MASK_FILTER, XS_MAP_PORT_LIST,
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
