// SPDX-License-Identifier: Apache-2.0
/* Completion of offload-pending TCP/UDP checksums (common/l4_csum.c):
 * frames built with full checksums, then turned into what a sender with
 * checksum offload hands over (pseudo-header sum only). */
#include "tests/lib/xs_test.h"
#include "tests/lib/packets.h"

#include <string.h>

#include "common/flow_parse.h"
#include "common/l4_csum.h"

/* Replaces the L4 checksum of @pkt with the pseudo-header sum, as a stack
 * using checksum offload leaves it. */
static void make_pending(uint8_t *pkt, size_t len, int csum_ofs)
{
	struct xs_flow_key key;
	struct xs_parse_info info;
	uint32_t sum;
	size_t l4_len;

	assert_int_equal(xs_flow_parse(pkt, len, 0, &key, &info), XS_PARSE_OK);
	l4_len = info.nw_end - info.l4_off;
	if (info.l3 == XS_L3_IPV4)
		sum = xs_csum_add(0, &key.nw_src, 8);
	else
		sum = xs_csum_add(xs_csum_add(0, key.ipv6_src, 16), key.ipv6_dst, 16);
	sum += info.l4_proto + (uint32_t)l4_len;
	uint16_t pending = xs_csum_fold(sum); /* not complemented, as the kernel leaves it */
	pkt[info.l4_off + csum_ofs] = pending >> 8;
	pkt[info.l4_off + csum_ofs + 1] = pending & 0xff;
}

/* A TCP or UDP frame over IPv4 or IPv6 with full checksums, into buf. */
static size_t build(uint8_t *buf, size_t size, int v6, int tcp, size_t payload)
{
	static struct xs_pkt pk;

	xs_pkt_init(&pk);
	xs_pkt_eth(&pk, "02:00:00:00:00:02", "02:00:00:00:00:01");
	if (v6)
		xs_pkt_ipv6(&pk, &(struct xs_pkt_ip6){ .src = "fd00::1", .dst = "fd00::2",
						       .hlim = 64 });
	else
		xs_pkt_ipv4(&pk, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2",
						       .ttl = 64 });
	if (tcp)
		xs_pkt_tcp(&pk, 40000, 80, XS_TCP_ACK | XS_TCP_PSH);
	else
		xs_pkt_udp(&pk, 40000, 53);
	xs_pkt_bytes(&pk, NULL, payload, 0xa5);
	xs_pkt_finish(&pk);
	assert_true(pk.len <= size);
	memcpy(buf, pk.buf, pk.len);
	return pk.len;
}

static void check_completes(int v6, int tcp, size_t payload)
{
	uint8_t pkt[512], want[512];
	const char *bad = NULL;
	size_t len = build(pkt, sizeof(pkt), v6, tcp, payload);

	memcpy(want, pkt, len);
	make_pending(pkt, len, tcp ? 16 : 6);
	assert_int_not_equal(xs_pkt_check_csums(pkt, len, &bad), 0);
	assert_int_equal(xs_l4_csum_complete(pkt, len), 1);
	assert_memory_equal(pkt, want, len);
	assert_int_equal(xs_pkt_check_csums(pkt, len, &bad), 0);
	/* Complete now: a second call changes nothing. */
	assert_int_equal(xs_l4_csum_complete(pkt, len), 0);
	assert_memory_equal(pkt, want, len);
}

static void test_ipv4_tcp(void **state) { (void)state; check_completes(0, 1, 37); }
static void test_ipv4_udp(void **state) { (void)state; check_completes(0, 0, 10); }
static void test_ipv6_tcp(void **state) { (void)state; check_completes(1, 1, 0); }
static void test_ipv6_udp(void **state) { (void)state; check_completes(1, 0, 101); }

/* A complete checksum, right or wrong, and UDP's 0 stay as they are. */
static void test_leaves_complete_alone(void **state)
{
	uint8_t pkt[512], want[512];
	size_t len = build(pkt, sizeof(pkt), 0, 1, 20);
	struct xs_flow_key key;
	struct xs_parse_info info;

	(void)state;
	memcpy(want, pkt, len);
	assert_int_equal(xs_l4_csum_complete(pkt, len), 0);
	assert_memory_equal(pkt, want, len);

	xs_flow_parse(pkt, len, 0, &key, &info);
	pkt[info.l4_off + 16] ^= 0x5a; /* wrong, but not "pending" */
	memcpy(want, pkt, len);
	assert_int_equal(xs_l4_csum_complete(pkt, len), 0);
	assert_memory_equal(pkt, want, len);

	len = build(pkt, sizeof(pkt), 0, 0, 20);
	xs_flow_parse(pkt, len, 0, &key, &info);
	pkt[info.l4_off + 6] = pkt[info.l4_off + 7] = 0;
	memcpy(want, pkt, len);
	assert_int_equal(xs_l4_csum_complete(pkt, len), 0);
	assert_memory_equal(pkt, want, len);
}

/* Frames it must not touch: truncated, not TCP/UDP, not IP. */
static void test_not_applicable(void **state)
{
	uint8_t pkt[512], want[512];
	size_t len = build(pkt, sizeof(pkt), 0, 1, 20);

	(void)state;
	make_pending(pkt, len, 16);
	memcpy(want, pkt, len);
	assert_int_equal(xs_l4_csum_complete(pkt, len - 1), 0); /* cut short */
	assert_memory_equal(pkt, want, len);
	assert_int_equal(xs_l4_csum_complete(pkt, 10), 0);
	assert_int_equal(xs_l4_csum_complete(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_ipv6_udp),
		cmocka_unit_test(test_leaves_complete_alone),
		cmocka_unit_test(test_not_applicable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
