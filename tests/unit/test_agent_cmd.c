// SPDX-License-Identifier: Apache-2.0
/* `xdpswitch agent` option errors that stop it before anything runs:
 * --max-flows and --flow-limit values and how they relate; exit status 2
 * and the exact message on stderr. */
#include "tests/lib/xs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/commands.h"
#include "agent/datapath/dp.h"
#include "agent/dpif/dpif.h"

/* Runs `xdpswitch agent ARGS...`; returns its status, stderr in err. */
static int run_agent(char *err, size_t err_size, int argc, ...)
{
	char *argv[16] = { "agent" };
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), status;
	size_t n;
	va_list ap;

	assert_non_null(tmp);
	assert_true(saved >= 0 && argc < 15);
	va_start(ap, argc);
	for (int i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	status = xs_cmd_agent(argc + 1, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, err_size - 1, tmp);
	err[n] = 0;
	fclose(tmp);
	return status;
}

static void test_max_flows_values(void **state)
{
	static const char *const bad[] = { "x", "0", "-5", "16777217", "12k", "", "99999999999" };
	char err[512], want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--max-flows",
					   bad[i]), 2);
		snprintf(want, sizeof(want), "xdpswitch agent: --max-flows takes a number from 1 "
			 "to 16777216, not '%s'\n", bad[i]);
		assert_string_equal(err, want);
	}
	assert_int_equal(run_agent(err, sizeof(err), 2, "--no-datapath", "--max-flows"), 2);
	assert_non_null(strstr(err, "usage: xdpswitch agent"));
}

/* --miss-rate takes 0 (no limit) to 10^7; --miss-burst 1 to 10^7. */
static void test_miss_limit_values(void **state)
{
	static const char *const bad_rate[] = { "x", "-1", "10000001", "5k", "" };
	static const char *const bad_burst[] = { "0", "-3", "10000001", "y" };
	char err[512], want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_rate) / sizeof(bad_rate[0]); i++) {
		assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--miss-rate",
					   bad_rate[i]), 2);
		snprintf(want, sizeof(want), "xdpswitch agent: --miss-rate takes a number from 1 "
			 "to 10000000, not '%s'\n", bad_rate[i]);
		assert_string_equal(err, want);
	}
	for (size_t i = 0; i < sizeof(bad_burst) / sizeof(bad_burst[0]); i++) {
		assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--miss-burst",
					   bad_burst[i]), 2);
		snprintf(want, sizeof(want), "xdpswitch agent: --miss-burst takes a number from 1 "
			 "to 10000000, not '%s'\n", bad_burst[i]);
		assert_string_equal(err, want);
	}
}

/* --mask-budget takes 1 to 256 (256: no bound). */
static void test_mask_budget_values(void **state)
{
	static const char *const bad[] = { "0", "257", "-1", "x", "" };
	char err[512], want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--mask-budget",
					   bad[i]), 2);
		snprintf(want, sizeof(want), "xdpswitch agent: --mask-budget takes a number from "
			 "1 to 256, not '%s'\n", bad[i]);
		assert_string_equal(err, want);
	}
}

/* Each online CPU's bucket gets an even share of the per-port figures,
 * rounded up; 0 stays "no limit". */
static void test_miss_split(void **state)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct xs_dp_opts o = { 0 };

	(void)state;
	xs_dp_miss_split(20000, 0, &o);
	assert_int_equal(o.miss_rate, (20000 + cpus - 1) / cpus);
	assert_int_equal(o.miss_burst, o.miss_rate);
	xs_dp_miss_split(1, 7, &o);
	assert_int_equal(o.miss_rate, 1);
	assert_int_equal(o.miss_burst, (7 + cpus - 1) / cpus);
	xs_dp_miss_split(0, 7, &o);
	assert_int_equal(o.miss_rate, 0);
	assert_int_equal(o.miss_burst, 0);
}

/* Without --miss-rate every CPU's bucket holds the default per-CPU rate
 * after the split: a port whose packets come in on one CPU gets it all. */
static void test_miss_default_per_cpu(void **state)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct xs_dp_opts o = { 0 };

	(void)state;
	assert_int_equal(xs_dpif_default_miss_rate(), XS_DPIF_DEFAULT_MISS_RATE_PER_CPU * cpus);
	xs_dp_miss_split(xs_dpif_default_miss_rate(), 0, &o);
	assert_int_equal(o.miss_rate, XS_DPIF_DEFAULT_MISS_RATE_PER_CPU);
	assert_int_equal(o.miss_burst, XS_DPIF_DEFAULT_MISS_RATE_PER_CPU);
}

/* --datapath names a provider; "object" is not one by name (it comes with
 * --datapath-object FILE). */
static void test_datapath_values(void **state)
{
	static const char *const bad[] = { "bogus", "object", "", "XDP" };
	char err[512], want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_agent(err, sizeof(err), 2, "--datapath", bad[i]), 2);
		snprintf(want, sizeof(want), "xdpswitch agent: --datapath must be xdp or dummy, "
			 "not '%s'\n", bad[i]);
		assert_string_equal(err, want);
	}
}

static void test_flow_limit_within_max_flows(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_agent(err, sizeof(err), 5, "--no-datapath", "--max-flows", "1000",
				   "--flow-limit", "1001"), 2);
	assert_string_equal(err, "xdpswitch agent: --flow-limit 1001 is above --max-flows 1000 "
			    "(the datapath holds at most --max-flows megaflows)\n");
	/* in either order */
	assert_int_equal(run_agent(err, sizeof(err), 5, "--no-datapath", "--flow-limit", "7",
				   "--max-flows", "6"), 2);
	assert_string_equal(err, "xdpswitch agent: --flow-limit 7 is above --max-flows 6 "
			    "(the datapath holds at most --max-flows megaflows)\n");
	assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--flow-limit", "0"), 2);
	assert_string_equal(err, "xdpswitch agent: --flow-limit takes a number from 1 to "
			    "16777216, not '0'\n");
}

/* --fail-open-after: 1 to 86400 seconds; --fail-mode: secure or
 * standalone. */
static void test_fail_open_values(void **state)
{
	static const char *const bad[] = { "0", "86401", "-1", "15s", "" };
	char err[512], want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath",
					   "--fail-open-after", bad[i]), 2);
		snprintf(want, sizeof(want), "xdpswitch agent: --fail-open-after takes a number "
			 "from 1 to 86400, not '%s'\n", bad[i]);
		assert_string_equal(err, want);
	}
	assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--fail-mode", "open"), 2);
	assert_string_equal(err, "xdpswitch agent: --fail-mode must be secure or standalone, "
			    "not 'open'\n");
}

static void test_help_names_max_flows(void **state)
{
	char err[512];
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	char out[4096];
	size_t n;

	(void)state;
	assert_non_null(tmp);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	assert_int_equal(run_agent(err, sizeof(err), 1, "--help"), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof(out) - 1, tmp);
	out[n] = 0;
	fclose(tmp);
	assert_non_null(strstr(out, "  --max-flows N            size of the datapath's megaflow "
			       "table (default\n                           65536 for xdp, at "
			       "most 16777216)\n"));
	assert_non_null(strstr(out, "--flow-limit N"));
}

/* Values from --config FILE: an error names the file's line; one on the
 * command line or after the whole parse names none. */
static void test_config_errors(void **state)
{
	char path[] = "/tmp/xs-test-agent-conf-XXXXXX", err[1024], want[1024];
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# test\nmax-flows = 12k\n", f);
	fclose(f);
	assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--config", path), 2);
	snprintf(want, sizeof(want), "xdpswitch agent: --max-flows takes a number from 1 to "
		 "16777216, not '12k'\nxdpswitch agent: (%s:2: --max-flows=12k)\n", path);
	assert_string_equal(err, want);

	f = fopen(path, "w");
	fputs("max-flows = 100\n", f);
	fclose(f);
	/* the command line's bad value: no line of the file named */
	assert_int_equal(run_agent(err, sizeof(err), 5, "--no-datapath", "--config", path,
				   "--max-idle", "x"), 2);
	assert_string_equal(err, "xdpswitch agent: --max-idle takes a number from 1 to "
			    "86400000, not 'x'\n");
	/* found after the whole parse: no line either */
	assert_int_equal(run_agent(err, sizeof(err), 5, "--no-datapath", "--config", path,
				   "--flow-limit", "200"), 2);
	assert_string_equal(err, "xdpswitch agent: --flow-limit 200 is above --max-flows 100 "
			    "(the datapath holds at most --max-flows megaflows)\n");

	f = fopen(path, "w");
	fputs("max-flows = 100\nbogus\n", f);
	fclose(f);
	assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--config", path), 2);
	snprintf(want, sizeof(want), "xdpswitch agent: %s:2: unknown key 'bogus' (keys are port "
		 "and the options of xdpswitch agent, without --)\n", path);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(run_agent(err, sizeof(err), 3, "--no-datapath", "--config", path), 2);
	snprintf(want, sizeof(want), "xdpswitch agent: cannot read %s: No such file or "
		 "directory\n", path);
	assert_string_equal(err, want);
}

/* --hw-offload and --tc-policy: the choices, and only with the xdp
 * datapath. */
static void test_offload_options(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_agent(err, sizeof(err), 2, "--hw-offload", "yes"), 2);
	assert_string_equal(err, "xdpswitch agent: --hw-offload must be off, tc, xdp-hw or auto, "
			    "not 'yes'\n");
	assert_int_equal(run_agent(err, sizeof(err), 2, "--tc-policy", "skip-sw"), 2);
	assert_string_equal(err, "xdpswitch agent: --tc-policy must be skip_sw, skip_hw or none, "
			    "not 'skip-sw'\n");
	assert_int_equal(run_agent(err, sizeof(err), 4, "--hw-offload", "tc", "--datapath",
				   "dummy"), 2);
	assert_string_equal(err, "xdpswitch agent: --hw-offload needs the xdp datapath (not "
			    "dummy)\n");
	assert_int_equal(run_agent(err, sizeof(err), 3, "--hw-offload", "auto", "--no-datapath"),
			 2);
	assert_string_equal(err, "xdpswitch agent: --hw-offload needs the xdp datapath (not "
			    "--no-datapath)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_max_flows_values),
		cmocka_unit_test(test_flow_limit_within_max_flows),
		cmocka_unit_test(test_datapath_values),
		cmocka_unit_test(test_miss_limit_values),
		cmocka_unit_test(test_miss_split),
		cmocka_unit_test(test_miss_default_per_cpu),
		cmocka_unit_test(test_mask_budget_values),
		cmocka_unit_test(test_help_names_max_flows),
		cmocka_unit_test(test_fail_open_values),
		cmocka_unit_test(test_offload_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
