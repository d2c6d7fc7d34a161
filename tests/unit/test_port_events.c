// SPDX-License-Identifier: Apache-2.0
/* Interface change notifications (agent/datapath/port_events.c) on a real
 * veth pair: the peer's XDP program or GRO changes the end's xdp-features,
 * and the end is named; a link going down is named; nothing else is. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "agent/datapath/port_events.h"

static char a[IF_NAMESIZE], b[IF_NAMESIZE];

static int sh(const char *cmd)
{
	return system(cmd);
}

/* Reads the notifications; true if @ifindex is among them. */
static bool named(struct xs_port_events *ev, uint32_t ifindex)
{
	uint32_t v[64];
	bool overflow = true, found = false;
	int n = xs_port_events_read(ev, v, 64, &overflow);

	assert_true(n >= 0);
	assert_false(overflow);
	for (int i = 0; i < n; i++)
		found = found || v[i] == ifindex;
	return found;
}

static void test_peer_changes_name_the_port(void **state)
{
	struct xs_port_events *ev;
	char cmd[512];
	uint32_t ia;

	(void)state;
	xs_test_require_bpf();
	snprintf(a, sizeof(a), "xspe-a%d", getpid() % 100000);
	snprintf(b, sizeof(b), "xspe-b%d", getpid() % 100000);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s && ip link set %s up"
		 " && ip link set %s up && ethtool -K %s gro off >/dev/null", a, b, a, b, b);
	assert_int_equal(sh(cmd), 0);
	ia = if_nametoindex(a);
	assert_int_equal(xs_port_events_open(&ev), 0);
	assert_true(xs_port_events_fd(ev) >= 0);
	assert_false(named(ev, ia)); /* nothing happened yet */

	/* the peer gains an XDP program: a's xdp-features change */
	snprintf(cmd, sizeof(cmd), "ip link set %s xdp obj %s sec xdp", b,
		 xs_test_build_path("tests/bpf/xdp_pass.bpf.o"));
	assert_int_equal(sh(cmd), 0);
	assert_true(named(ev, ia));
	assert_false(named(ev, ia)); /* read once */

	/* ... loses it, then gains GRO: a's features change each time */
	snprintf(cmd, sizeof(cmd), "ip link set %s xdp off", b);
	assert_int_equal(sh(cmd), 0);
	assert_true(named(ev, ia));
	snprintf(cmd, sizeof(cmd), "ethtool -K %s gro on >/dev/null", b);
	assert_int_equal(sh(cmd), 0);
	assert_true(named(ev, ia));

	/* a goes down (rtnetlink) */
	snprintf(cmd, sizeof(cmd), "ip link set %s down", a);
	assert_int_equal(sh(cmd), 0);
	assert_true(named(ev, ia));

	snprintf(cmd, sizeof(cmd), "ip link del %s", a);
	assert_int_equal(sh(cmd), 0);
	assert_true(named(ev, ia));
	xs_port_events_close(ev);
	xs_port_events_close(NULL);
	assert_int_equal(xs_port_events_fd(NULL), -1);
}

static void test_more_than_max_is_an_overflow(void **state)
{
	struct xs_port_events *ev;
	uint32_t v[1];
	bool overflow = false;
	char cmd[256];

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_port_events_open(&ev), 0);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %s && ip link del %s",
		 a, b, a);
	assert_int_equal(sh(cmd), 0);
	/* both ends were created and deleted: two ifindexes, room for one */
	assert_int_equal(xs_port_events_read(ev, v, 1, &overflow), 1);
	assert_true(overflow);
	assert_int_equal(xs_port_events_read(NULL, v, 1, &overflow), -EINVAL);
	xs_port_events_close(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_changes_name_the_port),
		cmocka_unit_test(test_more_than_max_is_an_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
