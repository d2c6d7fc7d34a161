// SPDX-License-Identifier: Apache-2.0
/* The kernel check (agent/datapath/kernel_check.c) with a probe that
 * pretends features are missing: the refusal names the first missing
 * feature, its release and its use; a probe without an answer is not a
 * refusal. The real probes on this kernel are in tests/bpf/test_verifier.c. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <linux/bpf.h>

#include "agent/datapath/kernel_check.h"

static int missing_id = -1; /* the helper or map the fake kernel lacks */
static int answer_missing = 0; /* what the probe says for it */

static int fake_probe(const struct xs_kernel_feature *f)
{
	return f->id == missing_id ? answer_missing : 1;
}

static void test_all_present(void **state)
{
	char why[256] = "";

	(void)state;
	missing_id = -1;
	assert_int_equal(xs_kernel_check(fake_probe, why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

static void test_missing_named(void **state)
{
	char why[512], want[512];
	struct utsname u;

	(void)state;
	assert_int_equal(uname(&u), 0);
	missing_id = BPF_FUNC_loop;
	answer_missing = 0;
	assert_int_equal(xs_kernel_check(fake_probe, why, sizeof(why)), -EOPNOTSUPP);
	snprintf(want, sizeof(want), "this kernel (Linux %s) lacks bpf_loop() (Linux 5.17 and "
		 "later), needed for the megaflow mask walk; xdpswitch needs Linux 5.18 or later",
		 u.release);
	assert_string_equal(why, want);

	missing_id = BPF_MAP_TYPE_RINGBUF;
	assert_int_equal(xs_kernel_check(fake_probe, why, sizeof(why)), -EOPNOTSUPP);
	assert_non_null(strstr(why, "lacks BPF_MAP_TYPE_RINGBUF (Linux 5.8 and later), needed "
				    "for misses to the agent"));
}

/* A probe that cannot tell (no permission to load, say) leaves the
 * decision to the load itself. */
static void test_no_answer_is_not_refusal(void **state)
{
	char why[256] = "";

	(void)state;
	missing_id = BPF_FUNC_xdp_load_bytes;
	answer_missing = -EPERM;
	assert_int_equal(xs_kernel_check(fake_probe, why, sizeof(why)), 0);
}

/* XS_KERNEL_MIN is the newest release in the table. */
static void test_minimum_is_newest(void **state)
{
	size_t n;
	const struct xs_kernel_feature *f = xs_kernel_features(&n);
	int newest_major = 0, newest_minor = 0, major, minor;

	(void)state;
	assert_true(n >= 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(sscanf(f[i].since, "%d.%d", &major, &minor), 2);
		if (major > newest_major || (major == newest_major && minor > newest_minor)) {
			newest_major = major;
			newest_minor = minor;
		}
	}
	char s[16];
	snprintf(s, sizeof(s), "%d.%d", newest_major, newest_minor);
	assert_string_equal(s, XS_KERNEL_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_present),
		cmocka_unit_test(test_missing_named),
		cmocka_unit_test(test_no_answer_is_not_refusal),
		cmocka_unit_test(test_minimum_is_newest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
