// SPDX-License-Identifier: Apache-2.0
/* Unit tests of common/dp_format.c: datapath keys, masks and actions in Open
 * vSwitch's dpctl syntax, compared as exact strings. */
#include "tests/lib/xs_test.h"
#include "tests/lib/packets.h"
#include "common/dp_format.h"
#include "xdpswitch/datapath.h"
#include "common/flow_parse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAC1 "00:00:00:00:00:01"
#define MAC2 "00:00:00:00:00:02"

static char buf[1024];

static struct xs_flow_key ipv4_key(void)
{
	struct xs_flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = 2;
	xs_pkt_parse_mac(MAC1, k.dl_src);
	xs_pkt_parse_mac(MAC2, k.dl_dst);
	k.dl_type = htons(0x0800);
	k.nw_src = inet_addr("10.0.0.1");
	k.nw_dst = inet_addr("10.1.2.3");
	k.nw_proto = 6;
	k.nw_ttl = 64;
	k.tp_src = htons(1234);
	k.tp_dst = htons(80);
	k.tcp_flags = htons(0x012);
	return k;
}

static void test_key_megaflow(void **state)
{
	struct xs_flow_key k = ipv4_key(), m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.in_port = 0xffffffff;
	memset(m.dl_dst, 0xff, 12);
	m.dl_type = 0xffff;
	m.nw_src = 0xffffffff;
	m.nw_dst = htonl(0xff000000);
	m.nw_proto = 0xff;
	m.nw_frag = 0xff;
	m.tp_dst = 0xffff;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"in_port(2),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),"
		"eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.0/255.0.0.0,"
		"proto=6,frag=no),tcp(dst=80)");
}

/* No mask: every field of the packet's key, zeros included. */
static void test_key_exact(void **state)
{
	struct xs_flow_key k = ipv4_key();

	(void)state;
	k.nw_tos = 0x2e;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, NULL, NULL), 0);
	assert_string_equal(buf,
		"in_port(2),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),"
		"eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.1.2.3,proto=6,"
		"tos=0x2e,ttl=64,frag=no),tcp(src=1234,dst=80),"
		"tcp_flags(syn|ack)");
}

static void test_key_partial_masks(void **state)
{
	struct xs_flow_key k = ipv4_key(), m;

	(void)state;
	k.nw_tos = 0xb8;
	k.nw_frag = XS_FRAG_ANY;
	memset(&m, 0, sizeof(m));
	m.in_port = 0xff;
	m.dl_dst[0] = 0x01;
	m.dl_type = htons(0xff00);
	m.nw_tos = 0xfc;
	m.nw_ttl = 0xf0;
	m.nw_frag = XS_FRAG_MASK;
	m.tp_src = htons(0xfc00);
	m.tcp_flags = htons(0x0012);
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"in_port(2/0xff),eth(dst=00:00:00:00:00:00/01:00:00:00:00:00),"
		"eth_type(0x0800/0xff00),ipv4(tos=0xb8/0xfc,ttl=64/0xf0,"
		"frag=first),tcp(src=1024/0xfc00),tcp_flags(+syn+ack)");

	/* Values are shown masked; a half-matched frag shows its mask. */
	k.tcp_flags = htons(0x002);
	m.tcp_flags = htons(0x0013);
	m.nw_frag = XS_FRAG_LATER;
	m.tp_src = 0;
	m.nw_tos = 0;
	m.nw_ttl = 0;
	m.in_port = 0;
	m.dl_dst[0] = 0;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"eth(),eth_type(0x0800/0xff00),ipv4(frag=no/0x2),"
		"tcp_flags(-fin+syn-ack)");
}

static void test_key_wildcard_all(void **state)
{
	struct xs_flow_key k = ipv4_key(), m;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf, "eth()");
}

static void test_key_vlans(void **state)
{
	struct xs_flow_key k, m;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.in_port = 1;
	k.dl_type = htons(0x0800);
	k.vlan[0].tpid = htons(0x88a8);
	k.vlan[0].tci = htons(0xa000 | XS_VLAN_PRESENT | 100);
	k.vlan[1].tpid = htons(0x8100);
	k.vlan[1].tci = htons(XS_VLAN_PRESENT | 10);
	k.nw_proto = 17;
	memset(&m, 0, sizeof(m));
	m.vlan[0].tpid = 0xffff;
	m.vlan[0].tci = 0xffff;
	m.vlan[1].tpid = 0xffff;
	m.vlan[1].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	m.dl_type = 0xffff;
	m.nw_frag = 0xff;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"eth(),eth_type(0x88a8),vlan(vid=100,pcp=5),encap("
		"eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),"
		"ipv4(frag=no)))");

	/* A partly matched VID; VID 0 with no priority. */
	m.vlan[0].tci = htons(0x0ff0);
	k.vlan[1].tci = htons(XS_VLAN_PRESENT);
	m.vlan[1].tci = 0xffff;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"eth(),eth_type(0x88a8),vlan(vid=96/0xff0,cfi=0),encap("
		"eth_type(0x8100),vlan(vid=0,pcp=0),encap(eth_type(0x0800),"
		"ipv4(frag=no)))");

	/* A megaflow that matched the outer VID but not the TPIDs (as the
	 * pipeline's dl_vlan does) still shows the tag... */
	memset(&m, 0, sizeof(m));
	m.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	m.dl_type = 0xffff;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf, "eth(),vlan(vid=100),encap(eth_type(0x0800))");

	/* ...and one that requires "no tag" (TCI exactly 0) shows none. */
	memset(&k.vlan, 0, sizeof(k.vlan));
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf, "eth(),eth_type(0x0800)");
}

/* Keys straight from the parser, unmasked: IPv6 ND, ARP, ICMP, a later
 * fragment. */
static void test_key_from_packets(void **state)
{
	struct xs_parse_info info;
	struct xs_flow_key k, m;
	struct xs_pkt p;

	(void)state;
	xs_pkt_init(&p);
	xs_pkt_eth(&p, MAC2, MAC1);
	xs_pkt_ipv6(&p, &(struct xs_pkt_ip6){ .src = "fe80::1",
					      .dst = "ff02::1:ff00:99",
					      .hlim = 255 });
	xs_pkt_nd(&p, 135, "fe80::99", MAC1, NULL);
	xs_pkt_finish(&p);
	assert_int_equal(xs_flow_parse(p.buf, p.len, 3, &k, &info), 0);
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, NULL, NULL), 0);
	assert_string_equal(buf,
		"in_port(3),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),"
		"eth_type(0x86dd),ipv6(src=fe80::1,dst=ff02::1:ff00:99,label=0,"
		"proto=58,tclass=0,hlimit=255,frag=no),icmpv6(type=135,code=0),"
		"nd(target=fe80::99,sll=00:00:00:00:00:01,"
		"tll=00:00:00:00:00:00)");

	/* The same flow as a megaflow on the target only. */
	memset(&m, 0, sizeof(m));
	m.dl_type = 0xffff;
	m.nw_proto = 0xff;
	m.tp_src = htons(0xff);
	m.tp_dst = htons(0xff);
	memset(m.nd_target, 0xff, 16);
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"eth(),eth_type(0x86dd),ipv6(proto=58),icmpv6(type=135,code=0),"
		"nd(target=fe80::99)");

	xs_pkt_init(&p);
	xs_pkt_eth(&p, "ff:ff:ff:ff:ff:ff", MAC1);
	xs_pkt_arp(&p, 1, MAC1, "10.0.0.1", "00:00:00:00:00:00", "10.0.0.2");
	assert_int_equal(xs_flow_parse(p.buf, p.len, 1, &k, &info), 0);
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, NULL, NULL), 0);
	assert_string_equal(buf,
		"in_port(1),eth(src=00:00:00:00:00:01,dst=ff:ff:ff:ff:ff:ff),"
		"eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,"
		"sha=00:00:00:00:00:01,tha=00:00:00:00:00:00)");

	/* Megaflow: the 8-bit opcode mask shows as OVS shows it. */
	memset(&m, 0, sizeof(m));
	m.dl_type = 0xffff;
	m.nw_dst = 0xffffffff;
	m.nw_proto = 0xff;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"eth(),eth_type(0x0806),arp(tip=10.0.0.2,op=1/0xff)");

	xs_pkt_init(&p);
	xs_pkt_eth(&p, MAC2, MAC1);
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1",
					      .dst = "10.0.0.2", .ttl = 1 });
	xs_pkt_icmp(&p, 11, 0);
	xs_pkt_finish(&p);
	assert_int_equal(xs_flow_parse(p.buf, p.len, 1, &k, &info), 0);
	memset(&m, 0, sizeof(m));
	m.dl_type = 0xffff;
	m.nw_proto = 0xff;
	m.tp_src = htons(0xff);
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"eth(),eth_type(0x0800),ipv4(proto=1),icmp(type=11)");

	xs_pkt_init(&p);
	xs_pkt_eth(&p, MAC2, MAC1);
	xs_pkt_ipv6(&p, &(struct xs_pkt_ip6){ .src = "2001:db8::1",
					      .dst = "2001:db8::2",
					      .tclass = 0x20, .label = 0xabcde,
					      .hlim = 64 });
	xs_pkt_ipv6_frag(&p, 8, 0, 1);
	xs_pkt_udp(&p, 1, 2);
	xs_pkt_finish(&p);
	assert_int_equal(xs_flow_parse(p.buf, p.len, 1, &k, &info), 0);
	m.ipv6_label = htonl(0xf0000);
	m.nw_frag = 0xff;
	m.tp_src = 0xffff;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, NULL), 0);
	assert_string_equal(buf,
		"eth(),eth_type(0x86dd),ipv6(label=0xa0000/0xf0000,proto=44,"
		"frag=later)");
}

/* Port names from the caller: 2 is "p2", others are left as numbers. */
static int name_port(void *ctx, __u32 port, char *out, size_t size)
{
	if (port != 2)
		return -ENOENT;
	snprintf(out, size, "%s%u", (const char *)ctx, port);
	return 0;
}

static void test_port_names(void **state)
{
	struct xs_dp_port_map map = { .name = name_port, .ctx = "p" };
	struct xs_flow_key k = ipv4_key(), m;
	struct xs_action acts[2] = {
		{ .type = XS_ACT_OUTPUT, .arg = 2 },
		{ .type = XS_ACT_OUTPUT, .arg = 7 },
	};

	(void)state;
	memset(&m, 0, sizeof(m));
	m.in_port = 0xffffffff;
	assert_int_equal(xs_dp_format_key(buf, sizeof(buf), &k, &m, &map), 0);
	assert_string_equal(buf, "in_port(p2),eth()");
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), acts, 2, &k,
					      &map), 0);
	assert_string_equal(buf, "p2,7");
}

static void test_key_errors(void **state)
{
	struct xs_flow_key k = ipv4_key();
	char small[20];

	(void)state;
	assert_int_equal(xs_dp_format_key(NULL, 10, &k, NULL, NULL), -EINVAL);
	assert_int_equal(xs_dp_format_key(small, 0, &k, NULL, NULL), -EINVAL);
	assert_int_equal(xs_dp_format_key(small, sizeof(small), &k, NULL, NULL),
			 -ENOSPC);
	assert_string_equal(small, "in_port(2),eth(src=");
}

static struct xs_action act(__u16 type)
{
	struct xs_action a;

	memset(&a, 0, sizeof(a));
	a.type = type;
	return a;
}

static void test_actions_basic(void **state)
{
	struct xs_flow_key k = ipv4_key();
	struct xs_action a[8];

	(void)state;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 0, &k, NULL),
			 0);
	assert_string_equal(buf, "drop");

	a[0] = act(XS_ACT_SET_ETH_DST);
	xs_pkt_parse_mac("00:00:00:00:00:0b", a[0].u.mac);
	a[1] = act(XS_ACT_SET_ETH_SRC);
	xs_pkt_parse_mac("00:00:00:00:00:0a", a[1].u.mac);
	a[2] = act(XS_ACT_SET_IPV4_DST);
	a[2].u.be32[0] = inet_addr("192.168.0.9");
	a[3] = act(XS_ACT_DEC_TTL);
	a[4] = act(XS_ACT_PUSH_VLAN);
	a[4].u.be16[0] = htons(0x8100);
	a[4].u.be16[1] = htons(XS_VLAN_PRESENT | 10);
	a[5] = act(XS_ACT_OUTPUT);
	a[5].arg = 3;
	a[6] = act(XS_ACT_POP_VLAN);
	a[7] = act(XS_ACT_TO_AGENT);
	a[7].arg = XS_UPCALL_ACTION;
	a[7].flags = 7;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 8, &k, NULL),
			 0);
	assert_string_equal(buf,
		"set(eth(src=00:00:00:00:00:0a,dst=00:00:00:00:00:0b)),"
		"set(ipv4(dst=192.168.0.9)),dec_ttl,push_vlan(vid=10,pcp=0),3,"
		"pop_vlan,userspace(reason=action,cookie=7)");
}

static void test_actions_sets(void **state)
{
	struct xs_flow_key k = ipv4_key();
	struct xs_action a[6];

	(void)state;
	/* The same field twice: two set()s. */
	a[0] = act(XS_ACT_SET_IPV4_SRC);
	a[0].u.be32[0] = inet_addr("1.1.1.1");
	a[1] = act(XS_ACT_SET_IPV4_SRC);
	a[1].u.be32[0] = inet_addr("2.2.2.2");
	a[2] = act(XS_ACT_SET_NW_TOS);
	a[2].u.bytes[0] = 0x04;
	a[2].u.bytes[1] = 0xfc;
	a[3] = act(XS_ACT_SET_NW_TTL);
	a[3].u.bytes[0] = 9;
	a[4] = act(XS_ACT_SET_TP_DST);
	a[4].u.be16[0] = htons(8080);
	a[5] = act(XS_ACT_SET_TP_SRC);
	a[5].u.be16[0] = htons(1);
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 6, &k, NULL),
			 0);
	assert_string_equal(buf,
		"set(ipv4(src=1.1.1.1)),set(ipv4(src=2.2.2.2,tos=0x4/0xfc,"
		"ttl=9)),set(tcp(src=1,dst=8080))");

	/* The flow names the L4 header: UDP, ICMP; none for others. */
	k.nw_proto = 17;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), &a[4], 1, &k,
					      NULL), 0);
	assert_string_equal(buf, "set(udp(dst=8080))");
	k.nw_proto = 1;
	a[4].u.be16[0] = htons(3);
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), &a[4], 2, &k,
					      NULL), 0);
	assert_string_equal(buf, "set(icmp(type=1,code=3))");
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), &a[4], 1, NULL,
					      NULL), 0);
	assert_string_equal(buf, "set(tcp(dst=3))");
	k.nw_proto = 47;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), &a[4], 1, &k,
					      NULL), -EINVAL);
	assert_string_equal(buf, "invalid(type=14)");
}

static void test_actions_ipv6_vlan_arp(void **state)
{
	struct xs_flow_key k = ipv4_key();
	struct xs_action a[4];

	(void)state;
	k.dl_type = htons(0x86dd);
	k.nw_proto = 58;
	a[0] = act(XS_ACT_SET_IPV6_DST);
	inet_pton(AF_INET6, "2001:db8::5", a[0].u.bytes);
	a[1] = act(XS_ACT_SET_NW_TTL);
	a[1].u.bytes[0] = 63;
	a[2] = act(XS_ACT_SET_IPV6_LABEL);
	a[2].u.be32[0] = htonl(0x12345);
	a[2].u.be32[1] = htonl(0xfffff);
	a[3] = act(XS_ACT_SET_NW_TOS);
	a[3].u.bytes[0] = 0xb8;
	a[3].u.bytes[1] = 0xff;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 4, &k, NULL),
			 0);
	assert_string_equal(buf,
		"set(ipv6(dst=2001:db8::5,label=0x12345,tclass=0xb8,"
		"hlimit=63))");

	/* VID only; an 802.1ad push. */
	a[0] = act(XS_ACT_SET_VLAN_TCI);
	a[0].u.be16[0] = htons(XS_VLAN_PRESENT | 20);
	a[0].u.be16[1] = htons(XS_VLAN_VID_MASK);
	a[1] = act(XS_ACT_PUSH_VLAN);
	a[1].u.be16[0] = htons(0x88a8);
	a[1].u.be16[1] = htons(0x6000 | XS_VLAN_PRESENT | 300);
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 2, &k, NULL),
			 0);
	assert_string_equal(buf,
		"set(vlan(vid=20)),push_vlan(tpid=0x88a8,vid=300,pcp=3)");

	a[0] = act(XS_ACT_SET_ARP);
	a[0].flags = XS_ARP_FIELD_OP;
	a[0].u.be16[0] = htons(2);
	a[1] = act(XS_ACT_SET_ARP);
	a[1].flags = XS_ARP_FIELD_THA;
	xs_pkt_parse_mac(MAC1, a[1].u.mac);
	a[2] = act(XS_ACT_SET_ARP);
	a[2].flags = XS_ARP_FIELD_SPA;
	a[2].u.be32[0] = inet_addr("10.0.0.2");
	a[3] = act(XS_ACT_SET_ARP);
	a[3].flags = 9;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 4, &k, NULL),
			 -EINVAL);
	assert_string_equal(buf,
		"set(arp(sip=10.0.0.2,op=2,tha=00:00:00:00:00:01)),"
		"invalid(type=18)");
}

static void test_actions_errors(void **state)
{
	struct xs_action a[XS_MAX_ACTIONS + 1];
	char small[8];

	(void)state;
	for (int i = 0; i <= XS_MAX_ACTIONS; i++) {
		a[i] = act(XS_ACT_OUTPUT);
		a[i].arg = 100 + i;
	}
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a,
					      XS_MAX_ACTIONS + 1, NULL, NULL),
			 -E2BIG);
	assert_string_equal(buf, "");
	assert_int_equal(xs_dp_format_actions(small, sizeof(small), a, 3, NULL,
					      NULL), -ENOSPC);
	assert_string_equal(small, "100,101");
	assert_int_equal(xs_dp_format_actions(NULL, 4, a, 1, NULL, NULL),
			 -EINVAL);

	/* Unknown types, and an unused slot, are named; the rest prints. */
	a[0] = act(99);
	a[2] = act(XS_ACT_NONE);
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 3, NULL,
					      NULL), -EINVAL);
	assert_string_equal(buf, "unknown(type=99),101,unknown(type=0)");

	/* An upcall reason without a name prints its number. */
	a[0] = act(XS_ACT_TO_AGENT);
	a[0].arg = 42;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 1, NULL,
					      NULL), 0);
	assert_string_equal(buf, "userspace(reason=42,cookie=0)");
}

/* A broadcast output prints as one token when the caller gives no ports;
 * one naming a port, or with an unknown output flag, is invalid and the
 * rest still prints. */
static void test_actions_broadcast(void **state)
{
	struct xs_dp_port_map map = { .name = name_port, .ctx = "p" };
	struct xs_flow_key k = ipv4_key();
	struct xs_action a[3];

	(void)state;
	a[0] = act(XS_ACT_SET_ETH_DST);
	xs_pkt_parse_mac("00:00:00:00:00:0b", a[0].u.mac);
	a[1] = act(XS_ACT_OUTPUT);
	a[1].flags = XS_OUT_F_BROADCAST;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 2, &k, &map), 0);
	assert_string_equal(buf, "set(eth(dst=00:00:00:00:00:0b)),broadcast(all_but_in_port)");

	a[0] = act(XS_ACT_OUTPUT);
	a[0].arg = 2;
	a[1].arg = 2;
	a[2] = act(XS_ACT_OUTPUT);
	a[2].flags = 0x0002;
	a[2].arg = 2;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 3, &k, &map), -EINVAL);
	assert_string_equal(buf, "p2,invalid(type=1),invalid(type=1)");
}

/* Given the bridge's ports, a broadcast prints as each of them but the
 * key's in_port (2 here), in the caller's order, through the name map;
 * anywhere in the list; a broadcast that reaches no port prints nothing,
 * a list that prints nothing is "drop"; without a key every port prints. */
static void test_actions_broadcast_ports(void **state)
{
	static const __u32 bridge[] = { 1, 2, 3, 7 }, alone[] = { 2 };
	struct xs_dp_port_map map = { .name = name_port, .ctx = "p", .bridge = bridge,
				      .n_bridge = 4 };
	struct xs_flow_key k = ipv4_key();
	struct xs_action a[3];

	(void)state;
	a[0] = act(XS_ACT_OUTPUT);
	a[0].flags = XS_OUT_F_BROADCAST;
	a[1] = act(XS_ACT_SET_ETH_DST);
	xs_pkt_parse_mac("00:00:00:00:00:0b", a[1].u.mac);
	a[2] = act(XS_ACT_OUTPUT);
	a[2].arg = 2;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 3, &k, &map), 0);
	assert_string_equal(buf, "1,3,7,set(eth(dst=00:00:00:00:00:0b)),p2");
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 1, NULL, &map), 0);
	assert_string_equal(buf, "1,p2,3,7");

	map.bridge = alone;
	map.n_bridge = 1;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 1, &k, &map), 0);
	assert_string_equal(buf, "drop");
	map.n_bridge = 0;
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), a, 1, &k, &map), 0);
	assert_string_equal(buf, "drop");
}

/* 1024 ports (XS_MAX_PORTS) print whole when the buffer has room, and cut
 * with -ENOSPC when it has not. */
static void test_actions_broadcast_many(void **state)
{
	static __u32 bridge[1024];
	static char big[1024 * 6 + 1];
	struct xs_dp_port_map map = { .bridge = bridge, .n_bridge = 1024 };
	struct xs_flow_key k = ipv4_key();
	struct xs_action a = act(XS_ACT_OUTPUT);
	size_t len = 0;

	(void)state;
	a.flags = XS_OUT_F_BROADCAST;
	for (unsigned i = 0; i < 1024; i++) {
		bridge[i] = i + 1;
		if (i + 1 != k.in_port)
			len += (size_t)snprintf(NULL, 0, "%u,", i + 1);
	}
	assert_int_equal(xs_dp_format_actions(big, sizeof(big), &a, 1, &k, &map), 0);
	assert_int_equal(strlen(big), len - 1);
	assert_true(!strncmp(big, "1,3,4,", 6));
	assert_non_null(strstr(big, ",1023,1024"));
	assert_int_equal(xs_dp_format_actions(buf, sizeof(buf), &a, 1, &k, &map), -ENOSPC);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_megaflow),
		cmocka_unit_test(test_key_exact),
		cmocka_unit_test(test_key_partial_masks),
		cmocka_unit_test(test_key_wildcard_all),
		cmocka_unit_test(test_key_vlans),
		cmocka_unit_test(test_key_from_packets),
		cmocka_unit_test(test_port_names),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_actions_basic),
		cmocka_unit_test(test_actions_sets),
		cmocka_unit_test(test_actions_ipv6_vlan_arp),
		cmocka_unit_test(test_actions_errors),
		cmocka_unit_test(test_actions_broadcast),
		cmocka_unit_test(test_actions_broadcast_ports),
		cmocka_unit_test(test_actions_broadcast_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
