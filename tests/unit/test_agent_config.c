// SPDX-License-Identifier: Apache-2.0
/* Tests of the bridge configuration file (agent/cli/agent_config.c): keys
 * become agent options generically, ports come last, errors name the line,
 * and --config is found among the command line's options. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli/agent_config.h"

static const struct option opts[] = {
	{ "bridge", required_argument, NULL, 'b' },
	{ "flows", required_argument, NULL, 'f' },
	{ "force", no_argument, NULL, 'F' },
	{ "max-idle", required_argument, NULL, 'I' },
	{ "some-new-option", required_argument, NULL, 'Z' },
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static char *cmdline[] = { "agent", "--config", "x.conf", "--max-idle", "7", "veth9", NULL };
#define N_CMDLINE 6

static void expect_argv(const struct xs_agent_config *cfg, const char *const *want)
{
	int n = 0;

	while (want[n])
		n++;
	assert_int_equal(cfg->argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(cfg->argv[i], want[i]);
	assert_null(cfg->argv[n]);
}

static void test_keys_to_options(void **state)
{
	static const char text[] =
		"# bridge br0\n"
		"\n"
		"flows = /etc/xdpswitch/br0.flows   # the flows\n"
		"port = veth1=1\n"
		"force\n"
		"  max-idle=5000  \n"
		"port = veth2=2,tag=10\n"
		"some-new-option = a b c\n";
	static const char *const want[] = {
		"agent", "--flows=/etc/xdpswitch/br0.flows", "--force", "--max-idle=5000",
		"--some-new-option=a b c",
		"--config", "x.conf", "--max-idle", "7", "veth9",
		"veth1=1", "veth2=2,tag=10", NULL,
	};
	struct xs_agent_config cfg;
	char why[256] = "";

	(void)state;
	assert_int_equal(xs_agent_config_parse("br0.conf", text, opts, N_CMDLINE, cmdline, &cfg,
					       why, sizeof(why)), 0);
	expect_argv(&cfg, want);
	assert_int_equal(cfg.n_opts, 4);
	assert_int_equal(cfg.lines[1], 3);
	assert_int_equal(cfg.lines[2], 5);
	assert_int_equal(cfg.lines[4], 8);
	assert_int_equal(cfg.lines[5], 0); /* the command line's */
	assert_int_equal(cfg.lines[10], 4);
	assert_int_equal(cfg.lines[11], 7);
	xs_agent_config_free(&cfg);
}

static void test_flags_yes_no(void **state)
{
	static const char *const want[] = {
		"agent", "--force", "--force", "--config", "x.conf", "--max-idle", "7", "veth9", NULL,
	};
	struct xs_agent_config cfg;
	char why[256];

	(void)state;
	assert_int_equal(xs_agent_config_parse("f", "force = yes\nforce = no\nforce = on\n", opts,
					       N_CMDLINE, cmdline, &cfg, why, sizeof(why)), 0);
	expect_argv(&cfg, want);
	xs_agent_config_free(&cfg);
}

static void expect_error(const char *text, const char *msg)
{
	struct xs_agent_config cfg;
	char why[256] = "";

	assert_int_equal(xs_agent_config_parse("b.conf", text, opts, N_CMDLINE, cmdline, &cfg, why,
					       sizeof(why)), -EINVAL);
	assert_string_equal(why, msg);
	assert_null(cfg.argv);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("flows = f\nbogus = 1\n",
		     "b.conf:2: unknown key 'bogus' (keys are port and the options of "
		     "xdpswitch agent, without --)");
	expect_error("config = other.conf\n",
		     "b.conf:1: unknown key 'config' (keys are port and the options of "
		     "xdpswitch agent, without --)");
	expect_error("help\n", "b.conf:1: unknown key 'help' (keys are port and the options of "
		     "xdpswitch agent, without --)");
	expect_error("\n\nflows\n", "b.conf:3: flows needs a value: flows = VALUE");
	expect_error("flows =   \n", "b.conf:1: flows needs a value: flows = VALUE");
	expect_error("force = maybe\n",
		     "b.conf:1: force is a flag: 'force' or 'force = yes|no', not '= maybe'");
	expect_error("port\n", "b.conf:1: port needs a value: port = IFACE[=N]");
	expect_error("--flows = x\n", "b.conf:1: write keys without dashes: 'flows', not '--flows'");
	expect_error("max idle = 1\n", "b.conf:1: expected KEY = VALUE or KEY, not 'max idle'");
	expect_error("= x\n", "b.conf:1: expected KEY = VALUE or KEY, not ''");
	expect_error("Flows = x\n", "b.conf:1: expected KEY = VALUE or KEY, not 'Flows'");
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/xs-test-config-XXXXXX", why[256];
	struct xs_agent_config cfg;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "port = a=1\n", 11), 11);
	close(fd);
	assert_int_equal(xs_agent_config_load(path, opts, N_CMDLINE, cmdline, &cfg, why,
					      sizeof(why)), 0);
	assert_int_equal(cfg.argc, N_CMDLINE + 1);
	assert_string_equal(cfg.argv[N_CMDLINE], "a=1");
	xs_agent_config_free(&cfg);
	/* a NUL byte cannot be a line */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "port = a\0=1\n", 12), 12);
	close(fd);
	assert_int_equal(xs_agent_config_load(path, opts, N_CMDLINE, cmdline, &cfg, why,
					      sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "it contains a NUL byte"));
	unlink(path);
	assert_int_equal(xs_agent_config_load(path, opts, N_CMDLINE, cmdline, &cfg, why,
					      sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "No such file or directory"));
}

static void test_config_arg(void **state)
{
	char *a1[] = { "agent", "--bridge", "b", "--config", "one.conf", "eth0", NULL };
	char *a2[] = { "agent", "--config=two.conf", "--flows", "--config", NULL };
	char *a3[] = { "agent", "eth0", "--config", "late.conf", NULL };
	char *a4[] = { "agent", "--force", "-b", "x", NULL };

	(void)state;
	assert_string_equal(xs_agent_config_arg("+b:f:h", opts, 6, a1), "one.conf");
	/* "--config" here is the value of --flows */
	assert_string_equal(xs_agent_config_arg("+b:f:h", opts, 4, a2), "two.conf");
	/* after the first port: a port name, as getopt reads it */
	assert_null(xs_agent_config_arg("+b:f:h", opts, 4, a3));
	assert_null(xs_agent_config_arg("+b:f:h", opts, 4, a4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_to_options),
		cmocka_unit_test(test_flags_yes_no),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_config_arg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
