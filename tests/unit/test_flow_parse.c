// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the packet parser (bpf/parse.h through xs_flow_parse()):
 * frames built by tests/lib/packets.c, keys written out by hand. */
#include "tests/lib/xs_test.h"
#include "tests/lib/packets.h"
#include "common/flow_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define MAC_A "00:00:00:00:00:0a"
#define MAC_B "00:00:00:00:00:0b"
#define IN_PORT 5

static const __u8 mac_a[6] = { 0, 0, 0, 0, 0, 0x0a };
static const __u8 mac_b[6] = { 0, 0, 0, 0, 0, 0x0b };

static void check_key(const struct xs_flow_key *want,
		      const struct xs_flow_key *got)
{
	char diff[2048];

	if (xs_pkt_key_diff(want, got, diff, sizeof(diff)))
		fail_msg("keys differ:\n%s", diff);
}

/* The key every frame from eth() starts with: MAC_B -> MAC_A. */
static struct xs_flow_key eth_key(__u16 dl_type)
{
	struct xs_flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = IN_PORT;
	memcpy(k.dl_dst, mac_a, 6);
	memcpy(k.dl_src, mac_b, 6);
	k.dl_type = htons(dl_type);
	return k;
}

static void eth(struct xs_pkt *p)
{
	xs_pkt_init(p);
	xs_pkt_eth(p, MAC_A, MAC_B);
}

static void ip4(struct xs_pkt *p, const char *src, const char *dst)
{
	xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = src, .dst = dst,
					     .tos = 0x2e, .ttl = 64 });
}

static void ip6(struct xs_pkt *p)
{
	xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = "2001:db8::1",
					     .dst = "2001:db8::2",
					     .tclass = 0xb8, .label = 0x12345,
					     .hlim = 255 });
}

static struct xs_flow_key ip4_key(__u8 proto)
{
	struct xs_flow_key k = eth_key(0x0800);

	k.nw_src = inet_addr("10.0.0.1");
	k.nw_dst = inet_addr("10.0.0.2");
	k.nw_proto = proto;
	k.nw_tos = 0x2e;
	k.nw_ttl = 64;
	return k;
}

static struct xs_flow_key ip6_key(__u8 proto)
{
	struct xs_flow_key k = eth_key(0x86dd);

	inet_pton(AF_INET6, "2001:db8::1", k.ipv6_src);
	inet_pton(AF_INET6, "2001:db8::2", k.ipv6_dst);
	k.ipv6_label = htonl(0x12345);
	k.nw_tos = 0xb8;
	k.nw_ttl = 255;
	k.nw_proto = proto;
	return k;
}

static int parse_len(const struct xs_pkt *p, size_t len,
		     struct xs_flow_key *k, struct xs_parse_info *info)
{
	return xs_flow_parse(p->buf, len, IN_PORT, k, info);
}

static int parse(const struct xs_pkt *p, struct xs_flow_key *k,
		 struct xs_parse_info *info)
{
	return parse_len(p, p->len, k, info);
}

static void test_ipv4_tcp(void **state)
{
	struct xs_flow_key k, want = ip4_key(6);
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_tcp(&p, 1234, 80, XS_TCP_SYN | XS_TCP_ACK | 0x800);
	xs_pkt_bytes(&p, NULL, 10, 0xab);
	xs_pkt_finish(&p);

	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want.tp_src = htons(1234);
	want.tp_dst = htons(80);
	want.tcp_flags = htons(0x812);
	check_key(&want, &k);
	assert_int_equal(info.l3_off, 14);
	assert_int_equal(info.l4_off, 34);
	assert_int_equal(info.nw_end, 64);
	assert_int_equal(info.n_vlan, 0);
	assert_int_equal(info.l3, XS_L3_IPV4);
	assert_int_equal(info.l4_proto, 6);
	assert_int_equal(info.flags, 0);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, NULL), 0);
}

static void test_ipv4_options_udp_padding(void **state)
{
	struct xs_flow_key k, want = ip4_key(17);
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1",
					      .dst = "10.0.0.2", .tos = 0x2e,
					      .ttl = 64, .opt_len = 40 });
	xs_pkt_udp(&p, 53, 4000);
	xs_pkt_finish(&p);
	xs_pkt_bytes(&p, NULL, 255, 0); /* L2 padding after the datagram */

	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want.tp_src = htons(53);
	want.tp_dst = htons(4000);
	check_key(&want, &k);
	assert_int_equal(info.l4_off, 14 + 60);
	assert_int_equal(info.nw_end, 14 + 60 + 8);

	/* 256 bytes of padding: OVS rejects the IPv4 header. */
	xs_pkt_bytes(&p, NULL, 1, 0);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	want = eth_key(0x0800);
	check_key(&want, &k);
	assert_int_equal(info.l3_off, 0);
	assert_int_equal(info.l3, XS_L3_NONE);
}

/* Header fields that make the IPv4 header unusable: key has dl only. */
static void test_ipv4_malformed(void **state)
{
	static const struct {
		size_t at;
		__u8 val;
	} bad[] = {
		{ 14, 0x44 },     /* IHL 4 */
		{ 14, 0x40 },     /* IHL 0 */
		{ 14, 0x4f },     /* IHL 15: 60 > total length 48 */
		{ 16 + 1, 19 },   /* total length 19 < IHL * 4 */
		{ 16 + 1, 49 },   /* total length beyond the frame */
		{ 16, 1 },        /* total length 304 beyond the frame */
	};
	struct xs_flow_key k, want = eth_key(0x0800);
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eth(&p);
		ip4(&p, "10.0.0.1", "10.0.0.2");
		xs_pkt_tcp(&p, 1, 2, 0);
		xs_pkt_bytes(&p, NULL, 8, 0);
		xs_pkt_finish(&p);
		p.buf[bad[i].at] = bad[i].val;
		assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
		check_key(&want, &k);
		assert_int_equal(info.l3_off, 0);
		assert_int_equal(info.l4_off, 0);
	}

	/* The version nibble is not checked, as in OVS. */
	eth(&p);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_udp(&p, 7, 9);
	xs_pkt_finish(&p);
	p.buf[14] = 0x65;
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(17);
	want.tp_src = htons(7);
	want.tp_dst = htons(9);
	check_key(&want, &k);
}

/* The IP payload ends inside the L4 header: L3 fields, no L4 fields. */
static void test_ipv4_l4_cut_by_total_length(void **state)
{
	static const __u8 protos[] = { 6, 17, 132, 1 };
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(protos); i++) {
		eth(&p);
		xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1",
						      .dst = "10.0.0.2",
						      .tos = 0x2e, .ttl = 64,
						      .proto = protos[i] });
		xs_pkt_bytes(&p, NULL, 7, 0x11);
		xs_pkt_finish(&p);
		xs_pkt_bytes(&p, NULL, 20, 0x11); /* padding, not payload */
		assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
		want = ip4_key(protos[i]);
		check_key(&want, &k);
		assert_int_equal(info.l3_off, 14);
		assert_int_equal(info.l4_off, 0);
		assert_int_equal(info.nw_end, 14 + 27);
	}
}

static void test_ipv4_fragments(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	/* First fragment: MF, offset 0. */
	eth(&p);
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1",
					      .dst = "10.0.0.2", .tos = 0x2e,
					      .ttl = 64, .frag = 0x2000 });
	xs_pkt_udp(&p, 1000, 2000);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(17);
	want.nw_frag = XS_FRAG_ANY;
	want.tp_src = htons(1000);
	want.tp_dst = htons(2000);
	check_key(&want, &k);
	assert_int_equal(info.flags, XS_PI_FRAG_FIRST);
	assert_int_equal(info.l4_off, 34);

	/* Later fragment (offset 185 * 8, no MF): no L4 even though the
	 * bytes look like a UDP header. */
	p.buf[20] = 0x00;
	p.buf[21] = 185;
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(17);
	want.nw_frag = XS_FRAG_ANY | XS_FRAG_LATER;
	check_key(&want, &k);
	assert_int_equal(info.flags, 0);
	assert_int_equal(info.l4_off, 0);

	/* DF alone is not a fragment. */
	p.buf[20] = 0x40;
	p.buf[21] = 0;
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	assert_int_equal(k.nw_frag, 0);
	assert_int_equal(k.tp_src, htons(1000));
}

static void test_icmp_sctp(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_icmp(&p, 3, 13);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(1);
	want.tp_src = htons(3);
	want.tp_dst = htons(13);
	check_key(&want, &k);
	assert_int_equal(info.l4_proto, 1);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, NULL), 0);

	eth(&p);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_sctp(&p, 5000, 38412);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(132);
	want.tp_src = htons(5000);
	want.tp_dst = htons(38412);
	check_key(&want, &k);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, NULL), 0);
}

static void test_vlan(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	/* 802.1ad outer, 802.1Q inner; DEI bit set in the outer tag. */
	eth(&p);
	xs_pkt_vlan(&p, 0x88a8, 0xb000 | 100);
	xs_pkt_vlan(&p, 0x8100, 0x2000 | 10);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(17);
	want.vlan[0].tpid = htons(0x88a8);
	want.vlan[0].tci = htons(0xb000 | 100);
	want.vlan[1].tpid = htons(0x8100);
	want.vlan[1].tci = htons(0x3000 | 10);
	want.tp_src = htons(1);
	want.tp_dst = htons(2);
	check_key(&want, &k);
	assert_int_equal(info.n_vlan, 2);
	assert_int_equal(info.l3_off, 22);
	assert_int_equal(info.l4_off, 42);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, NULL), 0);

	/* VID 0, priority 0: the tag is still there. */
	eth(&p);
	xs_pkt_vlan(&p, 0x8100, 0);
	xs_pkt_ethertype(&p, 0x1234);
	xs_pkt_bytes(&p, NULL, 30, 0);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = eth_key(0x1234);
	want.vlan[0].tpid = htons(0x8100);
	want.vlan[0].tci = htons(XS_VLAN_PRESENT);
	check_key(&want, &k);
	assert_int_equal(info.n_vlan, 1);
	assert_int_equal(info.l3, XS_L3_NONE);
}

static void test_vlan_three_tags_and_cut(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	xs_pkt_vlan(&p, 0x8100, 1);
	xs_pkt_vlan(&p, 0x8100, 2);
	xs_pkt_vlan(&p, 0x8100, 3);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	want = eth_key(0x8100);
	want.vlan[0].tpid = htons(0x8100);
	want.vlan[0].tci = htons(0x1001);
	want.vlan[1].tpid = htons(0x8100);
	want.vlan[1].tci = htons(0x1002);
	check_key(&want, &k);
	assert_int_equal(info.n_vlan, 2);
	assert_int_equal(info.l3_off, 0);

	/* A tag without the type after it is not taken. */
	eth(&p);
	xs_pkt_vlan(&p, 0x8100, 7);
	assert_int_equal(parse_len(&p, 17, &k, &info), XS_PARSE_PARTIAL);
	want = eth_key(0x8100);
	check_key(&want, &k);
	assert_int_equal(info.n_vlan, 0);
}

static void test_llc_snap(void **state)
{
	static const __u8 snap[7] = { 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08 };
	static const __u8 stp[3] = { 0x42, 0x42, 0x03 };
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	/* SNAP with OUI 0 carries an ethertype; IPv4 after it is parsed. */
	eth(&p);
	xs_pkt_llc_snap(&p, 36);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(17);
	want.tp_src = htons(1);
	want.tp_dst = htons(2);
	check_key(&want, &k);
	assert_int_equal(info.l3_off, 22);

	/* SNAP with another OUI: OVS's "no type" 0x05ff. */
	p.buf[19] = 1;
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = eth_key(XS_DL_TYPE_NONE);
	check_key(&want, &k);

	/* Other LLC (spanning tree): 0x05ff too. */
	eth(&p);
	xs_pkt_ethertype(&p, 38);
	xs_pkt_bytes(&p, stp, sizeof(stp), 0);
	xs_pkt_bytes(&p, NULL, 35, 0);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = eth_key(XS_DL_TYPE_NONE);
	check_key(&want, &k);

	/* Too short for an LLC/SNAP header. */
	eth(&p);
	xs_pkt_ethertype(&p, 4);
	xs_pkt_bytes(&p, snap, 7, 0);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	check_key(&want, &k);
}

static void test_arp(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	xs_pkt_arp(&p, 1, "00:00:00:00:00:0b", "10.0.0.1",
		   "00:00:00:00:00:00", "10.0.0.2");
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = eth_key(0x0806);
	want.nw_proto = 1;
	want.nw_src = inet_addr("10.0.0.1");
	want.nw_dst = inet_addr("10.0.0.2");
	memcpy(want.arp_sha, mac_b, 6);
	check_key(&want, &k);
	assert_int_equal(info.l3, XS_L3_ARP);
	assert_int_equal(info.l3_off, 14);
	assert_int_equal(info.l4_off, 0);

	/* Opcodes above 255 are not matched: nw_proto 0, the rest stays. */
	p.buf[20] = 1;
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want.nw_proto = 0;
	check_key(&want, &k);

	/* RARP is parsed like ARP. */
	p.buf[12] = 0x80;
	p.buf[13] = 0x35;
	p.buf[20] = 0;
	p.buf[21] = 3;
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want.dl_type = htons(0x8035);
	want.nw_proto = 3;
	check_key(&want, &k);

	/* Not Ethernet/IPv4 ARP: no ARP fields. */
	p.buf[14 + 5] = 16; /* pln */
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = eth_key(0x8035);
	check_key(&want, &k);
	assert_int_equal(info.l3, XS_L3_NONE);

	/* 27 bytes of ARP: cut. */
	assert_int_equal(parse_len(&p, 14 + 27, &k, &info), XS_PARSE_PARTIAL);
	check_key(&want, &k);
}

static void test_ipv6_tcp(void **state)
{
	struct xs_flow_key k, want = ip6_key(6);
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip6(&p);
	xs_pkt_tcp(&p, 443, 50000, XS_TCP_FIN | XS_TCP_ACK);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want.tp_src = htons(443);
	want.tp_dst = htons(50000);
	want.tcp_flags = htons(0x011);
	check_key(&want, &k);
	assert_int_equal(info.l3, XS_L3_IPV6);
	assert_int_equal(info.l3_off, 14);
	assert_int_equal(info.l4_off, 54);
	assert_int_equal(info.nw_end, 74);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, NULL), 0);
}

static void test_ipv6_ext_headers(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	/* Four extension headers (the bound), then UDP. */
	eth(&p);
	ip6(&p);
	xs_pkt_ipv6_ext(&p, 0, 8);
	xs_pkt_ipv6_ext(&p, 43, 24);
	xs_pkt_ipv6_ext(&p, 51, 12);
	xs_pkt_ipv6_ext(&p, 60, 16);
	xs_pkt_udp(&p, 546, 547);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip6_key(17);
	want.tp_src = htons(546);
	want.tp_dst = htons(547);
	check_key(&want, &k);
	assert_int_equal(info.l4_off, 54 + 8 + 24 + 12 + 16);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, NULL), 0);

	/* Five: the walk stops at the fifth, which becomes nw_proto. */
	eth(&p);
	ip6(&p);
	xs_pkt_ipv6_ext(&p, 0, 8);
	xs_pkt_ipv6_ext(&p, 60, 8);
	xs_pkt_ipv6_ext(&p, 43, 8);
	xs_pkt_ipv6_ext(&p, 60, 8);
	xs_pkt_ipv6_ext(&p, 60, 8);
	xs_pkt_udp(&p, 546, 547);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	want = ip6_key(60);
	check_key(&want, &k);
	assert_int_equal(info.l3_off, 14);
	assert_int_equal(info.l4_off, 0);

	/* An extension header longer than the payload: addresses only. */
	eth(&p);
	ip6(&p);
	xs_pkt_ipv6_ext(&p, 60, 16);
	xs_pkt_udp(&p, 546, 547);
	xs_pkt_finish(&p);
	p.buf[54 + 1] = 3; /* 32 bytes */
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	want = eth_key(0x86dd);
	memcpy(want.ipv6_src, ip6_key(0).ipv6_src, 16);
	memcpy(want.ipv6_dst, ip6_key(0).ipv6_dst, 16);
	check_key(&want, &k);
	assert_int_equal(info.l3, XS_L3_IPV6);
	assert_int_equal(info.l4_off, 0);

	/* Fewer than 8 payload bytes left for an extension header. */
	eth(&p);
	xs_pkt_ipv6(&p, &(struct xs_pkt_ip6){ .src = "2001:db8::1",
					      .dst = "2001:db8::2",
					      .tclass = 0xb8, .label = 0x12345,
					      .hlim = 255, .nexthdr = 0 });
	xs_pkt_bytes(&p, NULL, 7, 0);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	check_key(&want, &k);
}

static void test_ipv6_fragments(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip6(&p);
	xs_pkt_ipv6_frag(&p, 0, 1, 77);
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip6_key(17);
	want.nw_frag = XS_FRAG_ANY;
	want.tp_src = htons(1);
	want.tp_dst = htons(2);
	check_key(&want, &k);
	assert_int_equal(info.flags, XS_PI_FRAG_FIRST);
	assert_int_equal(info.l4_off, 62);

	/* Later fragment: nw_proto is the fragment header's 44, no L4. */
	eth(&p);
	ip6(&p);
	xs_pkt_ipv6_frag(&p, 100, 0, 77);
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip6_key(44);
	want.nw_frag = XS_FRAG_ANY | XS_FRAG_LATER;
	check_key(&want, &k);
	assert_int_equal(info.l4_off, 0);
	assert_int_equal(info.flags, 0);

	/* Atomic fragment (offset 0, no M): not a fragment. */
	eth(&p);
	ip6(&p);
	xs_pkt_ipv6_frag(&p, 0, 0, 77);
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip6_key(17);
	want.tp_src = htons(1);
	want.tp_dst = htons(2);
	check_key(&want, &k);

	/* Only the reserved bits set: OVS still calls it a fragment. */
	p.buf[54 + 3] = 0x02;
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want.nw_frag = XS_FRAG_ANY;
	check_key(&want, &k);
}

static struct xs_flow_key nd_key(__u8 type)
{
	struct xs_flow_key k = ip6_key(58);

	k.tp_src = htons(type);
	inet_pton(AF_INET6, "2001:db8::99", k.nd_target);
	return k;
}

static void test_nd(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 135, "2001:db8::99", MAC_B, NULL);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = nd_key(135);
	memcpy(want.arp_sha, mac_b, 6);
	check_key(&want, &k);
	assert_int_equal(info.l4_off, 54);
	assert_int_equal(info.l4_proto, 58);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, NULL), 0);

	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 136, "2001:db8::99", NULL, MAC_A);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = nd_key(136);
	memcpy(want.arp_tha, mac_a, 6);
	check_key(&want, &k);

	/* An unknown 16-byte option first, then both addresses. */
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 135, "2001:db8::99", NULL, NULL);
	xs_pkt_bytes(&p, (const __u8[16]){ 14, 2 }, 16, 0);
	xs_pkt_bytes(&p, (const __u8[8]){ 1, 1, 0, 0, 0, 0, 0, 0x0b }, 8, 0);
	xs_pkt_bytes(&p, (const __u8[8]){ 2, 1, 0, 0, 0, 0, 0, 0x0a }, 8, 0);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = nd_key(135);
	memcpy(want.arp_sha, mac_b, 6);
	memcpy(want.arp_tha, mac_a, 6);
	check_key(&want, &k);

	/* The same option twice: every ND field is dropped. */
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 135, "2001:db8::99", MAC_B, NULL);
	xs_pkt_bytes(&p, (const __u8[8]){ 1, 1, 0, 0, 0, 0, 0, 0x0c }, 8, 0);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = nd_key(135);
	memset(want.nd_target, 0, 16);
	check_key(&want, &k);

	/* A zero-length option ends the walk; what came before stays. */
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 136, "2001:db8::99", NULL, MAC_A);
	xs_pkt_bytes(&p, (const __u8[8]){ 1, 0 }, 8, 0);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	want = nd_key(136);
	memcpy(want.arp_tha, mac_a, 6);
	check_key(&want, &k);

	/* Cut target: type and code only. */
	eth(&p);
	ip6(&p);
	xs_pkt_icmp6(&p, 135, 0);
	xs_pkt_bytes(&p, NULL, 15, 0x55);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	want = nd_key(135);
	memset(want.nd_target, 0, 16);
	check_key(&want, &k);
	assert_int_equal(info.l4_off, 54);

	/* Code 1 is not ND. */
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 135, "2001:db8::99", MAC_B, NULL);
	p.buf[55] = 1;
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip6_key(58);
	want.tp_src = htons(135);
	want.tp_dst = htons(1);
	check_key(&want, &k);
}

static void test_nd_option_bound(void **state)
{
	struct xs_flow_key k, want = nd_key(135);
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	/* XS_ND_MAX_OPTS unknown options, then a source address: not
	 * reached. */
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 135, "2001:db8::99", NULL, NULL);
	for (int i = 0; i < XS_ND_MAX_OPTS; i++)
		xs_pkt_bytes(&p, (const __u8[8]){ 14, 1 }, 8, 0);
	xs_pkt_bytes(&p, (const __u8[8]){ 1, 1, 0, 0, 0, 0, 0, 0x0b }, 8, 0);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_PARTIAL);
	check_key(&want, &k);

	/* One option fewer: found. */
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 135, "2001:db8::99", NULL, NULL);
	for (int i = 0; i < XS_ND_MAX_OPTS - 1; i++)
		xs_pkt_bytes(&p, (const __u8[8]){ 14, 1 }, 8, 0);
	xs_pkt_bytes(&p, (const __u8[8]){ 1, 1, 0, 0, 0, 0, 0, 0x0b }, 8, 0);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	memcpy(want.arp_sha, mac_b, 6);
	check_key(&want, &k);
}

/* ICMP type/code and ICMPv6 (with ND) follow the protocol number, not the
 * IP version, as in OVS. */
static void test_icmp_by_protocol_number(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip6(&p);
	xs_pkt_icmp(&p, 8, 0);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip6_key(1);
	want.tp_src = htons(8);
	check_key(&want, &k);

	eth(&p);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_nd(&p, 135, "2001:db8::99", NULL, NULL);
	xs_pkt_finish(&p);
	assert_int_equal(parse(&p, &k, &info), XS_PARSE_OK);
	want = ip4_key(58);
	want.tp_src = htons(135);
	inet_pton(AF_INET6, "2001:db8::99", want.nd_target);
	check_key(&want, &k);
}

/* Every prefix of a VLAN + IPv4 + TCP frame with 4 bytes of padding: the
 * key grows in whole layers, as OVS's validity rules say. */
static void test_truncation_ipv4(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;
	size_t full, dgram_end;

	(void)state;
	eth(&p);
	xs_pkt_vlan(&p, 0x8100, 0x6000 | 42);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_tcp(&p, 1234, 80, XS_TCP_SYN);
	xs_pkt_finish(&p);
	dgram_end = p.len;
	xs_pkt_bytes(&p, NULL, 4, 0);
	full = p.len;

	for (size_t len = 0; len <= full; len++) {
		int rc = parse_len(&p, len, &k, &info);

		if (len < 14) {
			memset(&want, 0, sizeof(want));
			want.in_port = IN_PORT;
		} else if (len < 18) {
			want = eth_key(0x8100);
		} else {
			want = eth_key(0x0800);
			want.vlan[0].tpid = htons(0x8100);
			want.vlan[0].tci = htons(0x7000 | 42);
		}
		if (len >= dgram_end) {
			want.nw_src = inet_addr("10.0.0.1");
			want.nw_dst = inet_addr("10.0.0.2");
			want.nw_proto = 6;
			want.nw_tos = 0x2e;
			want.nw_ttl = 64;
			want.tp_src = htons(1234);
			want.tp_dst = htons(80);
			want.tcp_flags = htons(XS_TCP_SYN);
		}
		check_key(&want, &k);
		assert_int_equal(rc, len >= dgram_end ? XS_PARSE_OK :
							 XS_PARSE_PARTIAL);
		assert_int_equal(info.l4_off, len >= dgram_end ? 38 : 0);
	}
}

/* Every prefix of an IPv6 ND frame. */
static void test_truncation_nd(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip6(&p);
	xs_pkt_nd(&p, 136, "2001:db8::99", NULL, MAC_A);
	xs_pkt_finish(&p);

	for (size_t len = 14; len <= p.len; len++) {
		int rc = parse_len(&p, len, &k, &info);

		want = eth_key(0x86dd);
		if (len == p.len) {
			want = nd_key(136);
			memcpy(want.arp_tha, mac_a, 6);
		}
		check_key(&want, &k);
		assert_int_equal(rc, len == p.len ? XS_PARSE_OK :
						    XS_PARSE_PARTIAL);
	}
}

static void test_runt_and_limits(void **state)
{
	struct xs_flow_key k, want;
	struct xs_parse_info info;
	static __u8 big[XS_FLOW_PARSE_MAX_LEN + 1];

	(void)state;
	memset(&want, 0, sizeof(want));
	want.in_port = 9;
	assert_int_equal(xs_flow_parse(NULL, 0, 9, &k, &info), XS_PARSE_PARTIAL);
	check_key(&want, &k);
	assert_int_equal(xs_flow_parse(big, 13, 9, &k, &info), XS_PARSE_PARTIAL);
	check_key(&want, &k);

	/* Too long for 16-bit offsets: refused, key and info untouched. */
	memset(&k, 0x5a, sizeof(k));
	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(xs_flow_parse(big, sizeof(big), 9, &k, &info),
			 -EMSGSIZE);
	assert_int_equal(k.in_port, 0x5a5a5a5a);
	assert_int_equal(info.l3_off, 0x5a5a);

	/* The largest accepted frame parses; an unknown type is OK. */
	big[12] = 0x88;
	big[13] = 0xb5;
	assert_int_equal(xs_flow_parse(big, sizeof(big) - 1, 9, &k, &info),
			 XS_PARSE_OK);
	want.dl_type = htons(0x88b5);
	check_key(&want, &k);
}

static void test_checksum_verifier(void **state)
{
	const char *bad;
	struct xs_pkt p;

	(void)state;
	eth(&p);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_bytes(&p, "hello", 5, 0);
	xs_pkt_finish(&p);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), 0);
	p.buf[14 + 8]--; /* TTL changed, header checksum not */
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), -EBADMSG);
	assert_string_equal(bad, "ipv4");
	p.buf[14 + 8]++;
	p.buf[p.len - 1] ^= 1;
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), -EBADMSG);
	assert_string_equal(bad, "udp");
	p.buf[34 + 6] = p.buf[34 + 7] = 0; /* UDP/IPv4: no checksum */
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), 0);
	assert_int_equal(xs_pkt_check_csums(p.buf, 30, &bad), -EINVAL);

	eth(&p);
	ip6(&p);
	xs_pkt_ipv6_ext(&p, 0, 8);
	xs_pkt_tcp(&p, 1, 2, XS_TCP_ACK);
	xs_pkt_finish(&p);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), 0);
	p.buf[14 + 8] ^= 0x80; /* source address: pseudo-header */
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), -EBADMSG);
	assert_string_equal(bad, "tcp");

	/* CRC32c check value (RFC 3720), and an SCTP packet with one bit
	 * flipped in the payload. */
	assert_int_equal(xs_crc32c("123456789", 9), 0xe3069283);
	eth(&p);
	ip4(&p, "10.0.0.1", "10.0.0.2");
	xs_pkt_sctp(&p, 1, 2);
	xs_pkt_bytes(&p, NULL, 16, 0x33);
	xs_pkt_finish(&p);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), 0);
	p.buf[p.len - 1] ^= 0x10;
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), -EBADMSG);
	assert_string_equal(bad, "sctp");

	eth(&p);
	ip6(&p);
	xs_pkt_icmp6(&p, 128, 0);
	xs_pkt_bytes(&p, NULL, 3, 7);
	xs_pkt_finish(&p);
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), 0);
	p.buf[p.len - 2] ^= 0xff;
	assert_int_equal(xs_pkt_check_csums(p.buf, p.len, &bad), -EBADMSG);
	assert_string_equal(bad, "icmp6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_options_udp_padding),
		cmocka_unit_test(test_ipv4_malformed),
		cmocka_unit_test(test_ipv4_l4_cut_by_total_length),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_icmp_sctp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_vlan_three_tags_and_cut),
		cmocka_unit_test(test_llc_snap),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_nd),
		cmocka_unit_test(test_nd_option_bound),
		cmocka_unit_test(test_icmp_by_protocol_number),
		cmocka_unit_test(test_truncation_ipv4),
		cmocka_unit_test(test_truncation_nd),
		cmocka_unit_test(test_runt_and_limits),
		cmocka_unit_test(test_checksum_verifier),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
