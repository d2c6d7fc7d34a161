// SPDX-License-Identifier: Apache-2.0
/* Differential test of the two executors: random frames (every protocol the
 * parser knows, tagged or not, fragments, TTLs at the edge, cut frames)
 * through random action lists, once in the fast path's XDP program
 * (BPF_PROG_TEST_RUN through the datapath library) and once in the
 * userspace dummy datapath. Both must send the same bytes, or drop, and
 * send the same upcalls. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "agent/datapath/dp.h"
#include "agent/dpif/dpif_dummy.h"
#include "tests/lib/exec_cases.h"
#include "tests/lib/packets.h"

#define LO 1 /* the XDP run's ingress ifindex and the dummy's port */
#define ROUNDS 3000
#define MAX_UP 4

static struct xs_pkt frame;
static uint8_t xdp_out[XS_PKT_MAX + 64];

struct up_list {
	int n;
	struct xs_upcall u[MAX_UP];
};

static int keep_upcall(void *ctx, const struct xs_upcall *u)
{
	struct up_list *l = ctx;

	if (l->n < MAX_UP)
		l->u[l->n] = *u;
	l->n++;
	return 0;
}

static unsigned int pick(unsigned int *seed, unsigned int n)
{
	return (unsigned int)rand_r(seed) % n;
}

/* A random frame: IPv4, IPv6 or ARP, an L4 protocol, maybe a tag, maybe a
 * fragment, maybe cut short (at least an Ethernet header stays). */
static void random_frame(unsigned int *seed)
{
	static const int l4s[] = { 6, 17, 132, 1, 58 };
	static const uint8_t ttls[] = { 0, 1, 2, 64, 255 };
	static const uint16_t tpids[] = { 0, 0, 0x8100, 0x88a8 };
	static const uint16_t frags[] = { 0, 0, 0, 0x2000, 0x0010, 0x4000 };
	int l3 = pick(seed, 5) == 0 ? 'a' : pick(seed, 2) ? 4 : 6;
	struct xs_exec_spec s = V4(6, .l3 = l3, .src = l3 == 6 ? "2001:db8::1" : "10.0.0.1",
				   .dst = l3 == 6 ? "2001:db8::2" : "10.0.0.2", .sha = MAC_A,
				   .tha = MAC_C, .arp_op = (uint16_t)(1 + pick(seed, 2)));

	s.l4 = l4s[pick(seed, 5)];
	s.ttl = ttls[pick(seed, 5)];
	s.tos = (uint8_t)pick(seed, 256);
	s.label = pick(seed, 1u << 20);
	s.tpid = tpids[pick(seed, 4)];
	s.tci = (uint16_t)pick(seed, 65536) & ~0x1000;
	s.sport = (uint16_t)pick(seed, 65536);
	s.dport = (uint16_t)pick(seed, 256);
	s.udp_zero = s.l4 == 17 && pick(seed, 3) == 0;
	if (l3 == 4)
		s.frag = frags[pick(seed, 6)];
	xs_exec_build(&frame, &s);
	if (pick(seed, 8) == 0)
		frame.len = 14 + pick(seed, (unsigned int)frame.len - 14);
}

/* A random action of a type that changes the frame, or goes to the agent. */
static struct xs_action random_action(unsigned int *seed)
{
	static const uint16_t types[] = {
		XS_ACT_SET_ETH_SRC, XS_ACT_SET_ETH_DST, XS_ACT_SET_IPV4_SRC, XS_ACT_SET_IPV4_DST,
		XS_ACT_SET_IPV6_SRC, XS_ACT_SET_IPV6_DST, XS_ACT_SET_IPV6_LABEL,
		XS_ACT_SET_NW_TOS, XS_ACT_SET_NW_TTL, XS_ACT_DEC_TTL, XS_ACT_SET_TP_SRC,
		XS_ACT_SET_TP_DST, XS_ACT_PUSH_VLAN, XS_ACT_POP_VLAN, XS_ACT_SET_VLAN_TCI,
		XS_ACT_SET_ARP, XS_ACT_TO_AGENT,
	};
	struct xs_action a = { .type = types[pick(seed, sizeof(types) / sizeof(types[0]))] };

	for (size_t i = 0; i < sizeof(a.u.bytes); i++)
		a.u.bytes[i] = (uint8_t)pick(seed, 256);
	switch (a.type) {
	case XS_ACT_SET_ARP:
		a.flags = (uint16_t)(1 + pick(seed, 6)); /* 6: not a field */
		break;
	case XS_ACT_TO_AGENT:
		a.arg = XS_UPCALL_ACTION;
		a.flags = (uint16_t)pick(seed, 65536);
		break;
	case XS_ACT_PUSH_VLAN:
		a.u.be16[0] = pick(seed, 2) ? BE16(0x8100) : BE16(0x88a8);
		break;
	}
	return a;
}

static void compare_upcalls(int round, const struct up_list *x, const struct up_list *d)
{
	if (x->n != d->n)
		fail_msg("round %d: %d upcalls from XDP, %d from the dummy", round, x->n, d->n);
	for (int i = 0; i < x->n && i < MAX_UP; i++) {
		const struct xs_upcall *a = &x->u[i], *b = &d->u[i];

		if (a->reason != b->reason || a->cookie != b->cookie || a->flags != b->flags ||
		    a->pkt_len != b->pkt_len || a->cap_len != b->cap_len)
			fail_msg("round %d: upcall %d: reason %u/%u cookie %u/%u len %u/%u", round,
				 i, a->reason, b->reason, a->cookie, b->cookie, a->pkt_len,
				 b->pkt_len);
		if (memcmp(&a->key, &b->key, sizeof(a->key)))
			fail_msg("round %d: upcall %d: keys differ", round, i);
		xs_exec_assert_frame(a->pkt, a->cap_len, b->pkt, b->cap_len, "upcall bytes");
	}
}

static void test_same_bytes(void **state)
{
	struct xs_dp_opts o = { .max_flows = 16 };
	struct xs_flow_key zero;
	struct xs_dpif *dummy = NULL;
	struct xs_dp *dp = NULL;
	unsigned int seed = 7;
	char why[128];
	int sent = 0, dropped = 0, upcalls = 0;
	uint32_t port;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dpif_dummy.open(NULL, &dummy, why, sizeof(why)), 0);
	assert_int_equal(dummy->cls->port_add(dummy, "lo", 0, &port, why, sizeof(why), why,
					      sizeof(why)), 0);
	assert_int_equal(port, LO);
	memset(&zero, 0, sizeof(zero));

	for (int round = 0; round < ROUNDS; round++) {
		struct xs_action acts[XS_MAX_ACTIONS];
		struct xdp_md ctx = { .ingress_ifindex = LO };
		struct xs_flow_handle h, none = { 0 };
		struct up_list ux = { 0 }, ud = { 0 };
		struct xs_ctl_buf b;
		uint16_t n = (uint16_t)pick(&seed, 5);
		int verdict;

		random_frame(&seed);
		for (uint16_t i = 0; i < n; i++)
			acts[i] = random_action(&seed);
		acts[n++] = (struct xs_action)OUT(LO);

		/* The fast path: "every packet -> acts" as an XDP list. */
		assert_int_equal(xs_dp_flow_install(dp, &zero, &zero, acts, n, XS_MF_F_XDP, &h), 0);
		ctx.data_end = (uint32_t)frame.len;
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame.buf,
			    .data_size_in = (uint32_t)frame.len, .data_out = xdp_out,
			    .data_size_out = sizeof(xdp_out), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx));
		assert_int_equal(bpf_prog_test_run_opts(xs_dp_xdp_prog_fd(dp), &t), 0);
		verdict = (int)t.retval;
		assert_true(xs_dp_upcall_poll(dp, keep_upcall, &ux, 0) >= 0);
		assert_int_equal(xs_dp_flow_remove(dp, h, NULL), 0);

		/* The dummy. */
		assert_int_equal(dummy->cls->execute(dummy, LO, frame.buf, frame.len, none, acts,
						     n), 0);
		assert_true(dummy->cls->recv(dummy, 0, keep_upcall, &ud) >= 0);
		xs_ctl_buf_init(&b);
		dummy->cls->dump_outputs(dummy, &b, true);
		if (verdict == XDP_TX) {
			char *hex, *want;

			sent++;
			/* One frame on LO, with the bytes XDP sent. */
			want = malloc(2 * t.data_size_out + 64);
			hex = want + snprintf(want, 64, "[{\"port\": %d, \"len\": %u, \"hex\": \"",
					      LO, t.data_size_out);
			for (uint32_t i = 0; i < t.data_size_out; i++)
				hex += sprintf(hex, "%02x", xdp_out[i]);
			strcpy(hex, "\"}]\n");
			if (b.len != strlen(want) || memcmp(b.data, want, b.len))
				fail_msg("round %d: XDP sent\n%s\nthe dummy: %.*s", round, want,
					 (int)b.len, b.data);
			free(want);
		} else {
			dropped++;
			assert_int_equal(verdict, XDP_DROP);
			if (b.len != 3)
				fail_msg("round %d: XDP dropped, the dummy sent %.*s", round,
					 (int)b.len, b.data);
		}
		xs_ctl_buf_free(&b);
		compare_upcalls(round, &ux, &ud);
		upcalls += ux.n;
	}
	printf("# %d sent, %d dropped, %d upcalls\n", sent, dropped, upcalls);
	/* The mix exercises every outcome. */
	assert_true(sent > ROUNDS / 10);
	assert_true(dropped > ROUNDS / 10);
	assert_true(upcalls > ROUNDS / 20);
	dummy->cls->close(dummy, false);
	xs_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
