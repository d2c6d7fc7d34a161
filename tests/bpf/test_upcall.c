// SPDX-License-Identifier: Apache-2.0
/* BPF tests of the miss path: one ringbuf record per miss with the userspace
 * parser's key, truncation, the per-port limiter, the poll contract. */
#include <poll.h>

#include "tests/bpf/dp_fixture.h"

#define MAC_A "02:00:00:00:00:0a"
#define MAC_B "02:00:00:00:00:0b"

/* Records collected by the poll callback. */
struct sink {
	int n;
	int stop_after; /* returns -ECANCELED after this many, 0: never */
	struct xs_upcall rec[4];
};

static int collect(void *ctx, const struct xs_upcall *u)
{
	struct sink *s = ctx;

	if (s->n < 4)
		memcpy(&s->rec[s->n], u, offsetof(struct xs_upcall, pkt) + u->cap_len);
	s->n++;
	if (s->stop_after && s->n >= s->stop_after)
		return -ECANCELED;
	return 0;
}

typedef void (*build_fn)(struct xs_pkt *p);

static void b_eth_other(struct xs_pkt *p)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_ethertype(p, 0x88b5);
	xs_pkt_bytes(p, NULL, 46, 0x5a);
}

static void b_llc(struct xs_pkt *p)
{
	static const uint8_t llc[] = { 0x42, 0x42, 0x03 };

	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_ethertype(p, 46);
	xs_pkt_bytes(p, llc, sizeof(llc), 0);
	xs_pkt_bytes(p, NULL, 43, 0);
}

static void b_arp(struct xs_pkt *p)
{
	xs_pkt_eth(p, "ff:ff:ff:ff:ff:ff", MAC_A);
	xs_pkt_arp(p, 1, MAC_A, "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2");
}

static void ip4(struct xs_pkt *p, uint16_t frag)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2",
					     .tos = 0x10, .ttl = 63, .frag = frag });
}

static void b_tcp4(struct xs_pkt *p)
{
	ip4(p, 0x4000);
	xs_pkt_tcp(p, 40000, 80, XS_TCP_SYN | XS_TCP_ACK);
}

static void b_udp4(struct xs_pkt *p)
{
	ip4(p, 0);
	xs_pkt_udp(p, 5353, 53);
	xs_pkt_bytes(p, NULL, 20, 1);
}

static void b_icmp4(struct xs_pkt *p)
{
	ip4(p, 0);
	xs_pkt_icmp(p, 8, 0);
	xs_pkt_bytes(p, NULL, 56, 2);
}

static void b_sctp4(struct xs_pkt *p)
{
	ip4(p, 0);
	xs_pkt_sctp(p, 2905, 2906);
}

static void b_frag4_first(struct xs_pkt *p)
{
	ip4(p, 0x2000);
	xs_pkt_udp(p, 1, 2);
	xs_pkt_bytes(p, NULL, 64, 3);
}

static void b_frag4_later(struct xs_pkt *p)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2", .ttl = 5,
					     .frag = 185, .proto = 17 });
	xs_pkt_bytes(p, NULL, 40, 4);
}

static void b_vlan_udp4(struct xs_pkt *p)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_vlan(p, 0x8100, (5 << 13) | 100);
	xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = "192.168.1.1", .dst = "192.168.1.2",
					     .ttl = 64 });
	xs_pkt_udp(p, 1234, 4321);
}

static void b_qinq_tcp6(struct xs_pkt *p)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_vlan(p, 0x88a8, 200);
	xs_pkt_vlan(p, 0x8100, 300);
	xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = "2001:db8::1", .dst = "2001:db8::2",
					     .tclass = 0x20, .label = 0x12345, .hlim = 64 });
	xs_pkt_tcp(p, 443, 50000, XS_TCP_FIN | XS_TCP_ACK);
}

static void b_udp6_ext(struct xs_pkt *p)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = "fe80::1", .dst = "ff02::fb", .hlim = 255 });
	xs_pkt_ipv6_ext(p, 0, 8);
	xs_pkt_ipv6_ext(p, 60, 16);
	xs_pkt_udp(p, 5353, 5353);
}

static void b_icmp6(struct xs_pkt *p)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = "2001:db8::1", .dst = "2001:db8::2",
					     .hlim = 64 });
	xs_pkt_icmp6(p, 128, 0);
	xs_pkt_bytes(p, NULL, 32, 7);
}

static void b_nd_ns(struct xs_pkt *p)
{
	xs_pkt_eth(p, "33:33:ff:00:00:02", MAC_A);
	xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = "fe80::1", .dst = "ff02::1:ff00:2",
					     .hlim = 255 });
	xs_pkt_nd(p, 135, "fe80::2", MAC_A, NULL);
}

static void b_frag6(struct xs_pkt *p)
{
	xs_pkt_eth(p, MAC_B, MAC_A);
	xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = "2001:db8::1", .dst = "2001:db8::2",
					     .hlim = 9 });
	xs_pkt_ipv6_frag(p, 0, 1, 0x1234);
	xs_pkt_udp(p, 7, 9);
	xs_pkt_bytes(p, NULL, 24, 8);
}

static const struct {
	const char *name;
	build_fn build;
} kinds[] = {
	{ "ethernet, unknown type", b_eth_other },
	{ "802.3 LLC", b_llc },
	{ "ARP request", b_arp },
	{ "IPv4 TCP", b_tcp4 },
	{ "IPv4 UDP", b_udp4 },
	{ "IPv4 ICMP", b_icmp4 },
	{ "IPv4 SCTP", b_sctp4 },
	{ "IPv4 first fragment", b_frag4_first },
	{ "IPv4 later fragment", b_frag4_later },
	{ "VLAN IPv4 UDP", b_vlan_udp4 },
	{ "QinQ IPv6 TCP", b_qinq_tcp6 },
	{ "IPv6 ext headers UDP", b_udp6_ext },
	{ "ICMPv6 echo", b_icmp6 },
	{ "ND solicitation", b_nd_ns },
	{ "IPv6 fragment", b_frag6 },
};

/* Sends one frame that misses and checks its one record. */
static void miss_and_check(struct xs_dp *dp, const uint8_t *pkt, size_t len, const char *what)
{
	struct sink s = { 0 };
	struct xs_flow_key want;
	size_t cap = len > XS_UPCALL_MAX_PKT ? XS_UPCALL_MAX_PKT : len;

	fx_key(pkt, len, 1, &want);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 100), 1);
	assert_int_equal(s.n, 1);
	if (memcmp(&s.rec[0].key, &want, sizeof(want)))
		fail_msg("%s: ringbuf key differs from the userspace parser's", what);
	assert_int_equal(s.rec[0].ifindex, 1);
	assert_int_equal(s.rec[0].reason, XS_UPCALL_MISS);
	assert_int_equal(s.rec[0].flags, len > XS_UPCALL_MAX_PKT ? XS_UPCALL_F_TRUNC : 0);
	assert_int_equal(s.rec[0].cookie, 0);
	assert_int_equal(s.rec[0].slot, 0);
	assert_int_equal(s.rec[0].pkt_len, len);
	assert_int_equal(s.rec[0].cap_len, cap);
	assert_memory_equal(s.rec[0].pkt, pkt, cap);
}

static void test_each_kind_misses_with_its_key(void **state)
{
	static struct xs_pkt p;
	uint64_t st[XS_STAT__MAX];
	struct xs_dp *dp;
	size_t n = sizeof(kinds) / sizeof(kinds[0]);

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	for (size_t i = 0; i < n; i++) {
		xs_pkt_init(&p);
		kinds[i].build(&p);
		xs_pkt_finish(&p);
		miss_and_check(dp, p.buf, p.len, kinds[i].name);
	}
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_RX], n);
	assert_int_equal(st[XS_STAT_MISS], n);
	assert_int_equal(st[XS_STAT_MISS_LOST], 0);
	assert_int_equal(st[XS_STAT_MISS_SHED], 0);
	xs_dp_close(dp);
}

static void test_long_frame_truncated(void **state)
{
	static struct xs_pkt p;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	for (size_t extra = 1536 - 42 - 1; extra <= 1536 - 42 + 1; extra++) {
		xs_pkt_init(&p);
		ip4(&p, 0);
		xs_pkt_udp(&p, 1, 2);
		xs_pkt_bytes(&p, NULL, extra, 0xee);
		xs_pkt_finish(&p);
		miss_and_check(dp, p.buf, p.len, "edge of the capture");
	}
	xs_pkt_init(&p);
	b_udp4(&p);
	xs_pkt_bytes(&p, NULL, 2000 - p.len, 0x77);
	xs_pkt_finish(&p);
	assert_int_equal(p.len, 2000);
	for (size_t i = 1000; i < 2000; i++)
		p.buf[i] = i & 0xff;
	miss_and_check(dp, p.buf, p.len, "2000 bytes");
	xs_dp_close(dp);
}

static void test_miss_limiter(void **state)
{
	struct xs_dp_opts o = { .max_flows = 64, .miss_rate = 1, .miss_burst = 3 };
	struct sink s = { 0 };
	uint64_t st[XS_STAT__MAX];
	struct fx_veth v;
	uint8_t pkt[128];
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_veth_up(&v);
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	/* One token a second, three deep: the fourth miss within the
	 * second is shed, on each port separately. */
	for (uint32_t i = 0; i < 10; i++) {
		size_t len = fx_udp4(pkt, i);

		assert_int_equal(fx_run(dp, v.a, pkt, len), XDP_DROP);
	}
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MISS], 3);
	assert_int_equal(st[XS_STAT_MISS_SHED], 7);
	for (uint32_t i = 0; i < 5; i++) {
		size_t len = fx_udp4(pkt, i);

		assert_int_equal(fx_run(dp, v.b, pkt, len), XDP_DROP);
	}
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MISS], 6);
	assert_int_equal(st[XS_STAT_MISS_SHED], 9);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 100), 6);
	assert_int_equal(s.rec[0].ifindex, v.a);
	assert_int_equal(s.rec[3].ifindex, v.b);
	/* The records are the first three of each port. */
	struct xs_flow_key k;
	size_t len = fx_udp4(pkt, 2);
	fx_key(pkt, len, v.a, &k);
	assert_memory_equal(&s.rec[2].key, &k, sizeof(k));
	xs_dp_close(dp);

	/* No burst given: the bucket is one second deep. */
	o.miss_rate = 2;
	o.miss_burst = 0;
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	for (uint32_t i = 0; i < 5; i++) {
		len = fx_udp4(pkt, i);
		assert_int_equal(fx_run(dp, v.a, pkt, len), XDP_DROP);
	}
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MISS], 2);
	assert_int_equal(st[XS_STAT_MISS_SHED], 3);
	xs_dp_close(dp);
	fx_veth_down(&v);
}

static void test_poll_contract(void **state)
{
	struct sink s = { 0 };
	struct pollfd pfd;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 1);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	assert_int_equal(xs_dp_upcall_poll(dp, NULL, &s, 0), -EINVAL);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 0), 0);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 20), 0);
	pfd.fd = xs_dp_upcall_fd(dp);
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);

	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	assert_int_equal(poll(&pfd, 1, 0), 1);
	assert_true(pfd.revents & POLLIN);
	/* A callback error stops the walk after its record. */
	s.stop_after = 2;
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 0), -ECANCELED);
	assert_int_equal(s.n, 2);
	s.stop_after = 0;
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 0), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 0), 0);
	assert_int_equal(xs_dp_upcall_malformed(dp), 0);
	xs_dp_close(dp);
}

/* Controller and TTL-expiry upcalls take their token from the ingress
 * port's bucket like misses: a port sending them at a flood's rate sheds
 * its own, and another port's misses still go up. */
static void test_every_upcall_kind_limited(void **state)
{
	struct xs_dp_opts o = { .max_flows = 64, .miss_rate = 1, .miss_burst = 2 };
	struct xs_action to_agent = { .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION };
	struct xs_action dec_ttl = { .type = XS_ACT_DEC_TTL };
	struct xs_flow_key key, mask;
	struct sink s = { 0 };
	uint64_t st[XS_STAT__MAX];
	struct fx_veth v;
	uint8_t pkt[128];
	size_t len;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_veth_up(&v);
	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	/* port a: every packet to the controller; port b: TTL decrement */
	memset(&mask, 0, sizeof(mask));
	mask.in_port = 0xffffffff;
	memset(&key, 0, sizeof(key));
	key.in_port = v.a;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &to_agent, 1, XS_MF_F_XDP, NULL), 0);
	key.in_port = v.b;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &dec_ttl, 1, XS_MF_F_XDP, NULL), 0);
	for (uint32_t i = 0; i < 5; i++) {
		len = fx_udp4(pkt, i);
		assert_int_equal(fx_run(dp, v.a, pkt, len), XDP_DROP);
	}
	for (uint32_t i = 0; i < 4; i++) {
		len = fx_udp4(pkt, i);
		pkt[22] = 1; /* IPv4 TTL */
		assert_int_equal(fx_run(dp, v.b, pkt, len), XDP_DROP);
	}
	for (uint32_t i = 0; i < 3; i++) { /* lo: plain misses */
		len = fx_udp4(pkt, i);
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	}
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_TO_AGENT], 5);
	assert_int_equal(st[XS_STAT_TTL_EXPIRED], 4);
	assert_int_equal(st[XS_STAT_MISS], 2);
	assert_int_equal(st[XS_STAT_MISS_SHED], 3 + 2 + 1);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 100), 6);
	assert_int_equal(s.rec[0].reason, XS_UPCALL_ACTION);
	assert_int_equal(s.rec[1].reason, XS_UPCALL_ACTION);
	assert_int_equal(s.rec[2].reason, XS_UPCALL_TTL_EXPIRED);
	assert_int_equal(s.rec[3].reason, XS_UPCALL_TTL_EXPIRED);
	assert_int_equal(s.rec[3].ifindex, v.b);
	xs_dp_close(dp);
	fx_veth_down(&v);
}

/* A bounded read takes at most its count and leaves the rest, in order,
 * for the next one: the agent's loop turn reads XS_UPCALL_TURN at most. */
static void test_bounded_consume(void **state)
{
	struct sink s = { 0 };
	struct xs_flow_key k;
	uint8_t pkt[128];
	size_t len;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	for (uint32_t i = 0; i < 5; i++) {
		len = fx_udp4(pkt, i);
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	}
	assert_int_equal(xs_dp_upcall_consume(dp, 2, collect, &s), 2);
	assert_int_equal(xs_dp_upcall_consume(dp, 1, collect, &s), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(xs_dp_upcall_consume(dp, 0, collect, &s), 2);
	assert_int_equal(s.n, 5);
	assert_int_equal(xs_dp_upcall_consume(dp, 2, collect, &s), 0);
	for (uint32_t i = 0; i < 4; i++) { /* each once, in order */
		len = fx_udp4(pkt, i);
		fx_key(pkt, len, 1, &k);
		assert_memory_equal(&s.rec[i].key, &k, sizeof(k));
	}
	assert_int_equal(xs_dp_upcall_consume(dp, 1, NULL, &s), -EINVAL);
	xs_dp_close(dp);
}

/* The agent's loop in miniature: a miss, a megaflow installed from the
 * record's key, the missed packet re-injected with it, the next packet
 * forwarded by the fast path alone. */
static void test_miss_install_execute(void **state)
{
	struct sink s = { 0 };
	struct xs_flow_key mask;
	struct xs_flow_handle h;
	uint64_t st[XS_STAT__MAX];
	struct fx_veth v;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 42);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	assert_int_equal(fx_run_live(dp, 1, pkt, len), 0);
	assert_int_equal(fx_cap_wait(&v, 0), 0);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 100), 1);

	memset(&mask, 0xff, sizeof(mask));
	struct xs_action out = { .type = XS_ACT_OUTPUT, .arg = v.a };
	assert_int_equal(xs_dp_flow_install(dp, &s.rec[0].key, &mask, &out, 1, XS_MF_F_XDP, &h),
			 0);
	assert_int_equal(xs_dp_execute(dp, s.rec[0].ifindex, s.rec[0].pkt, s.rec[0].cap_len, h),
			 0);
	assert_int_equal(fx_cap_wait(&v, 1), 1);
	fx_cap_expect(&v, 0, pkt, len);
	assert_int_equal(fx_run_live(dp, 1, pkt, len), 0);
	assert_int_equal(fx_cap_wait(&v, 2), 2);
	fx_cap_expect(&v, 1, pkt, len);
	fx_stats(dp, st);
	assert_int_equal(st[XS_STAT_MISS], 1);
	assert_int_equal(st[XS_STAT_REINJECT], 1);
	assert_int_equal(st[XS_STAT_MEGAFLOW_HIT], 1);
	assert_int_equal(xs_dp_upcall_poll(dp, collect, &s, 0), 0);
	fx_veth_down(&v);
	xs_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_kind_misses_with_its_key),
		cmocka_unit_test(test_long_frame_truncated),
		cmocka_unit_test(test_miss_limiter),
		cmocka_unit_test(test_poll_contract),
		cmocka_unit_test(test_every_upcall_kind_limited),
		cmocka_unit_test(test_bounded_consume),
		cmocka_unit_test(test_miss_install_execute),
	};
	fx_pin_cpu();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	fx_cleanup();
	return failed;
}
