// SPDX-License-Identifier: Apache-2.0
/* The XDP hardware-mode program (bpf/xdp_hw.bpf.c) with the agent's own
 * table code (agent/offload/xdp_hw.c), loaded on the host because no NIC
 * here runs XDP: megaflows are taken from packets by the fast path's
 * parser, masked, translated and put in the drop table; each packet is
 * then run through the program with BPF_PROG_TEST_RUN (drop or pass, exact
 * counters). Also what offloading NICs demand of the object: array and
 * hash maps only, values of at most 64 bytes, a small program. */
#include "tests/lib/xs_test.h"
#include "tests/lib/packets.h"
#include "bpf/parse.h"
#include "agent/offload/xdp_hw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

static struct xs_xdp_hw *hw;

static int setup(void **state)
{
	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_xdp_hw_open_host(&hw), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_xdp_hw_close(hw);
	hw = NULL;
	return 0;
}

static int run(const struct xs_pkt *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf, .data_size_in = (__u32)p->len);

	assert_int_equal(bpf_prog_test_run_opts(xs_xdp_hw_prog_fd(hw), &o), 0);
	return (int)o.retval;
}

static void udp_pkt(struct xs_pkt *p, const char *src_mac, const char *src, uint16_t dport)
{
	xs_pkt_init(p);
	xs_pkt_eth(p, "02:00:00:00:00:02", src_mac);
	xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = src, .dst = "10.0.0.2", .ttl = 64 });
	xs_pkt_udp(p, 1111, dport);
	xs_pkt_finish(p);
}

/* The megaflow the agent would install for @p with @mask: the parser's
 * key, masked. */
static void megaflow(const struct xs_pkt *p, const struct xs_flow_key *mask,
		     struct xs_hw_key *hk, struct xs_hw_key *hm)
{
	struct xs_flow_key k;
	struct xs_parse_info info;
	const char *why = NULL;

	memset(&k, 0, sizeof(k));
	k.in_port = 3;
	xs_parse((void *)p->buf, (void *)(p->buf + p->len), &k, &info);
	for (size_t i = 0; i < sizeof(k); i++)
		((uint8_t *)&k)[i] &= ((const uint8_t *)mask)[i];
	if (xs_xdp_hw_translate(&k, mask, 0, hk, hm, &why))
		fail_msg("refused: %s", why);
}

static struct xs_flow_key udp_port_mask(void)
{
	struct xs_flow_key m;

	memset(&m, 0, sizeof(m));
	m.in_port = 0xffffffff;
	m.dl_type = 0xffff;
	m.nw_proto = 0xff;
	m.nw_frag = 0xff;
	m.tp_dst = 0xffff;
	return m;
}

static void test_drop_by_port(void **state)
{
	struct xs_flow_key m = udp_port_mask();
	struct xs_hw_key hk, hm;
	struct xs_pkt p;
	uint64_t pk = 0, by = 0;

	(void)state;
	udp_pkt(&p, "02:00:00:00:00:01", "10.0.0.1", 6000);
	megaflow(&p, &m, &hk, &hm);
	assert_int_equal(run(&p), XDP_PASS); /* empty table */
	assert_int_equal(xs_xdp_hw_put(hw, &hk, &hm), 0);
	assert_int_equal(xs_xdp_hw_put(hw, &hk, &hm), -EEXIST);
	assert_int_equal(run(&p), XDP_DROP);
	assert_int_equal(run(&p), XDP_DROP);
	assert_int_equal(xs_xdp_hw_stats(hw, &hk, &hm, &pk, &by), 0);
	assert_int_equal(pk, 2);
	assert_int_equal(by, 2 * p.len);
	/* other port, other protocol: passed to the driver-mode program */
	udp_pkt(&p, "02:00:00:00:00:01", "10.0.0.1", 6001);
	assert_int_equal(run(&p), XDP_PASS);
	xs_pkt_init(&p);
	xs_pkt_eth(&p, "02:00:00:00:00:02", "02:00:00:00:00:01");
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2", .ttl = 64 });
	xs_pkt_tcp(&p, 1111, 6000, XS_TCP_SYN);
	xs_pkt_finish(&p);
	assert_int_equal(run(&p), XDP_PASS);
	/* a later fragment has no ports: not the megaflow (frag=no) */
	xs_pkt_init(&p);
	xs_pkt_eth(&p, "02:00:00:00:00:02", "02:00:00:00:00:01");
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2", .ttl = 64,
					      .frag = 0x0010, .proto = 17 });
	xs_pkt_finish(&p);
	assert_int_equal(run(&p), XDP_PASS);
	/* removed: passes again */
	udp_pkt(&p, "02:00:00:00:00:01", "10.0.0.1", 6000);
	assert_int_equal(xs_xdp_hw_del(hw, &hk, &hm), 0);
	assert_int_equal(run(&p), XDP_PASS);
	assert_int_equal(xs_xdp_hw_del(hw, &hk, &hm), -ENOENT);
}

static void test_two_masks(void **state)
{
	struct xs_flow_key m1 = udp_port_mask(), m2;
	struct xs_hw_key k1, h1, k2, h2;
	struct xs_pkt a, b, c;

	(void)state;
	memset(&m2, 0, sizeof(m2));
	m2.in_port = 0xffffffff;
	memset(m2.dl_src, 0xff, 6);
	m2.dl_type = 0xffff;
	m2.nw_src = htonl(0xffffff00);
	udp_pkt(&a, "02:00:00:00:00:01", "10.0.0.1", 6000);
	udp_pkt(&b, "02:00:00:00:00:66", "192.168.7.9", 53);
	udp_pkt(&c, "02:00:00:00:00:66", "192.168.8.9", 53);
	megaflow(&a, &m1, &k1, &h1);
	megaflow(&b, &m2, &k2, &h2);
	assert_int_equal(xs_xdp_hw_put(hw, &k1, &h1), 0);
	assert_int_equal(xs_xdp_hw_put(hw, &k2, &h2), 0);
	assert_int_equal(run(&a), XDP_DROP);
	assert_int_equal(run(&b), XDP_DROP);
	assert_int_equal(run(&c), XDP_PASS); /* outside the /24 */
}

static void test_vlan_and_icmp(void **state)
{
	struct xs_flow_key m;
	struct xs_hw_key hk, hm;
	struct xs_pkt p, q;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.in_port = 0xffffffff;
	m.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	m.dl_type = 0xffff;
	m.nw_proto = 0xff;
	m.tp_src = 0xffff; /* ICMP type */
	xs_pkt_init(&p);
	xs_pkt_eth(&p, "02:00:00:00:00:02", "02:00:00:00:00:01");
	xs_pkt_vlan(&p, 0x8100, 20);
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2", .ttl = 64 });
	xs_pkt_icmp(&p, 8, 0);
	xs_pkt_finish(&p);
	megaflow(&p, &m, &hk, &hm);
	assert_int_equal(xs_xdp_hw_put(hw, &hk, &hm), 0);
	assert_int_equal(run(&p), XDP_DROP);
	xs_pkt_init(&q); /* VLAN 21: passes */
	xs_pkt_eth(&q, "02:00:00:00:00:02", "02:00:00:00:00:01");
	xs_pkt_vlan(&q, 0x8100, 21);
	xs_pkt_ipv4(&q, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2", .ttl = 64 });
	xs_pkt_icmp(&q, 8, 0);
	xs_pkt_finish(&q);
	assert_int_equal(run(&q), XDP_PASS);
	xs_pkt_init(&q); /* untagged: passes */
	xs_pkt_eth(&q, "02:00:00:00:00:02", "02:00:00:00:00:01");
	xs_pkt_ipv4(&q, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2", .ttl = 64 });
	xs_pkt_icmp(&q, 8, 0);
	xs_pkt_finish(&q);
	assert_int_equal(run(&q), XDP_PASS);
}

static void test_mask_table_full(void **state)
{
	struct xs_hw_key hk, hm;

	(void)state;
	for (int i = 0; i < XS_HW_MAX_MASKS; i++) {
		memset(&hk, 0, sizeof(hk));
		memset(&hm, 0, sizeof(hm));
		hm.tp_dst = htons((uint16_t)(0xffff << i));
		assert_int_equal(xs_xdp_hw_put(hw, &hk, &hm), 0);
	}
	hm.tp_dst = htons(1);
	assert_int_equal(xs_xdp_hw_put(hw, &hk, &hm), -ENOSPC);
	/* a key under a mask in use still fits */
	hm.tp_dst = 0xffff;
	hk.tp_dst = htons(7);
	assert_int_equal(xs_xdp_hw_put(hw, &hk, &hm), 0);
}

/* What an offloading NIC accepts (Netronome's documented limits): array
 * and hash maps, values of at most 64 bytes, a short program. */
static void test_offloadable_shape(void **state)
{
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi), ids[4] = { 0 };

	(void)state;
	pi.nr_map_ids = 4;
	pi.map_ids = (__u64)(unsigned long)ids;
	assert_int_equal(bpf_obj_get_info_by_fd(xs_xdp_hw_prog_fd(hw), &pi, &len), 0);
	/* ~620 instructions today; the NFP takes a few thousand */
	assert_true(pi.xlated_prog_len / 8 < 1024);
	assert_int_equal(pi.nr_map_ids, 2);
	for (int i = 0; i < 2; i++) {
		struct bpf_map_info mi = { 0 };
		__u32 ml = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		assert_true(fd >= 0);
		assert_int_equal(bpf_obj_get_info_by_fd(fd, &mi, &ml), 0);
		assert_true(mi.type == BPF_MAP_TYPE_ARRAY || mi.type == BPF_MAP_TYPE_HASH);
		assert_true(mi.value_size <= 64);
		assert_true(mi.key_size <= 64);
		close(fd);
	}
}

/* Hardware mode on a device that cannot run it: refused, with the step. */
static void test_attach_refused_on_loopback(void **state)
{
	struct xs_xdp_hw *h = NULL;
	char why[256] = "";

	(void)state;
	assert_true(xs_xdp_hw_attach(1, &h, why, sizeof(why)) < 0);
	assert_null(h);
	assert_non_null(strstr(why, "refuses"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drop_by_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_masks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan_and_icmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mask_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offloadable_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_refused_on_loopback, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
