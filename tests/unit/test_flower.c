// SPDX-License-Identifier: Apache-2.0
/* Unit tests of agent/offload/flower.c (megaflow -> flower attributes and
 * TC actions, one case per field and action, and the refusals), of the
 * hardware-XDP key translation (agent/offload/xdp_hw.c), of reading a
 * dumped filter's counters (flower_nl.c) and of the option names. */
#include "tests/lib/xs_test.h"
#include "agent/offload/flower.h"
#include "agent/offload/flower_nl.h"
#include "agent/offload/offload.h"
#include "agent/offload/probe.h"
#include "agent/offload/xdp_hw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/ethtool_netlink.h>
#include <linux/gen_stats.h>
#include <linux/genetlink.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_csum.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_pedit.h>
#include <linux/tc_act/tc_vlan.h>

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static struct xs_flow_key key, mask;
static struct xs_action acts[XS_MAX_ACTIONS];
static uint16_t n_acts;
static struct xs_flower fl;
static const char *reason;

static int setup(void **state)
{
	(void)state;
	memset(&key, 0, sizeof(key));
	memset(&mask, 0, sizeof(mask));
	memset(acts, 0, sizeof(acts));
	memset(&fl, 0, sizeof(fl));
	key.in_port = 7;
	mask.in_port = 0xffffffff;
	n_acts = 0;
	reason = NULL;
	return 0;
}

static void output(uint32_t port)
{
	acts[n_acts].type = XS_ACT_OUTPUT;
	acts[n_acts++].arg = port;
}

static void ip4(uint8_t proto)
{
	key.dl_type = htons(ETH_P_IP);
	mask.dl_type = 0xffff;
	if (proto) {
		key.nw_proto = proto;
		mask.nw_proto = 0xff;
	}
}

static int xlate(void)
{
	static const uint32_t ports[] = { 7, 8, 9 };
	struct xs_fl_ports p = { ports, 3 };

	return xs_flower_from_megaflow(&key, &mask, acts, n_acts, &p, &fl, &reason);
}

static void expect_ok(void)
{
	int err = xlate();

	if (err)
		fail_msg("refused: %s", reason);
}

static void expect_refused(const char *why)
{
	struct xs_flower before = fl;

	assert_int_equal(xlate(), -EOPNOTSUPP);
	assert_non_null(reason);
	if (!strstr(reason, why))
		fail_msg("reason '%s' lacks '%s'", reason, why);
	assert_memory_equal(&before, &fl, sizeof(fl)); /* nothing written */
}

/* The attribute of @type holds exactly @len bytes @data. */
static void expect_attr(uint16_t type, const void *data, uint16_t len)
{
	const struct xs_fl_attr *a = xs_flower_find(&fl, type);

	if (!a)
		fail_msg("attribute %u missing", type);
	assert_int_equal(a->len, len);
	assert_memory_equal(a->data, data, len);
}

static void expect_no_attr(uint16_t type)
{
	if (xs_flower_find(&fl, type))
		fail_msg("attribute %u present", type);
}

static void expect_u8(uint16_t type, uint8_t v)
{
	expect_attr(type, &v, 1);
}

static void expect_be16(uint16_t type, uint16_t host)
{
	uint16_t v = htons(host);

	expect_attr(type, &v, 2);
}

static void expect_u16(uint16_t type, uint16_t v)
{
	expect_attr(type, &v, 2);
}

static void expect_be32(uint16_t type, uint32_t host)
{
	uint32_t v = htonl(host);

	expect_attr(type, &v, 4);
}

/* --- match fields ------------------------------------------------------- */

static void test_ifindex_and_drop(void **state)
{
	(void)state;
	expect_ok();
	assert_int_equal(fl.ifindex, 7);
	assert_int_equal(fl.protocol, htons(ETH_P_ALL));
	assert_int_equal(fl.n_match, 0);
	assert_int_equal(fl.n_acts, 1);
	assert_int_equal(fl.acts[0].kind, XS_FLA_GACT);
	assert_int_equal(fl.acts[0].verdict, TC_ACT_SHOT);
}

static void test_in_port_wildcarded(void **state)
{
	(void)state;
	mask.in_port = 0;
	expect_refused("in_port");
}

static void test_eth_addresses(void **state)
{
	static const uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t oui[6] = { 0xff, 0xff, 0xff, 0, 0, 0 };

	(void)state;
	memcpy(key.dl_dst, MAC_A, 6);
	memcpy(mask.dl_dst, ones, 6);
	memcpy(key.dl_src, MAC_B, 3);
	memcpy(mask.dl_src, oui, 6);
	expect_ok();
	expect_attr(TCA_FLOWER_KEY_ETH_DST, MAC_A, 6);
	expect_attr(TCA_FLOWER_KEY_ETH_DST_MASK, ones, 6);
	expect_attr(TCA_FLOWER_KEY_ETH_SRC, key.dl_src, 6);
	expect_attr(TCA_FLOWER_KEY_ETH_SRC_MASK, oui, 6);
}

static void test_eth_type(void **state)
{
	(void)state;
	key.dl_type = htons(0x88cc);
	mask.dl_type = 0xffff;
	expect_ok();
	assert_int_equal(fl.protocol, htons(0x88cc));
	/* the protocol travels in tcm_info and as ETH_TYPE (flower_nl.c) */
	expect_no_attr(TCA_FLOWER_KEY_VLAN_ETH_TYPE);
}

static void test_eth_type_partial(void **state)
{
	(void)state;
	key.dl_type = htons(0x0800);
	mask.dl_type = htons(0xff00);
	expect_refused("Ethernet type");
}

static void test_vlan(void **state)
{
	(void)state;
	ip4(0);
	key.vlan[0].tpid = htons(0x8100);
	key.vlan[0].tci = htons(XS_VLAN_PRESENT | (5 << 13) | 100);
	mask.vlan[0].tci = 0xffff;
	expect_ok();
	assert_int_equal(fl.protocol, htons(0x8100));
	expect_u16(TCA_FLOWER_KEY_VLAN_ID, 100); /* host order, as flower takes it */
	expect_u8(TCA_FLOWER_KEY_VLAN_PRIO, 5);
	expect_be16(TCA_FLOWER_KEY_VLAN_ETH_TYPE, 0x0800);
}

static void test_vlan_id_only(void **state)
{
	(void)state;
	key.vlan[0].tci = htons(XS_VLAN_PRESENT | 42);
	mask.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	expect_ok();
	assert_int_equal(fl.protocol, htons(0x8100));
	expect_u16(TCA_FLOWER_KEY_VLAN_ID, 42);
	expect_no_attr(TCA_FLOWER_KEY_VLAN_PRIO);
	expect_no_attr(TCA_FLOWER_KEY_VLAN_ETH_TYPE);
}

static void test_vlan_qinq(void **state)
{
	(void)state;
	ip4(0);
	key.vlan[0].tpid = htons(0x88a8);
	key.vlan[0].tci = htons(XS_VLAN_PRESENT | 10);
	mask.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	key.vlan[1].tpid = htons(0x8100);
	key.vlan[1].tci = htons(XS_VLAN_PRESENT | (3 << 13) | 20);
	mask.vlan[1].tci = 0xffff;
	expect_ok();
	assert_int_equal(fl.protocol, htons(0x88a8));
	expect_u16(TCA_FLOWER_KEY_VLAN_ID, 10);
	expect_be16(TCA_FLOWER_KEY_VLAN_ETH_TYPE, 0x8100);
	expect_u16(TCA_FLOWER_KEY_CVLAN_ID, 20);
	expect_u8(TCA_FLOWER_KEY_CVLAN_PRIO, 3);
	expect_be16(TCA_FLOWER_KEY_CVLAN_ETH_TYPE, 0x0800);
}

static void test_vlan_partial_vid(void **state)
{
	(void)state;
	key.vlan[0].tci = htons(XS_VLAN_PRESENT | 0x10);
	mask.vlan[0].tci = htons(XS_VLAN_PRESENT | 0xff0);
	expect_refused("partial VLAN id");
}

static void test_vlan_partial_pcp(void **state)
{
	(void)state;
	key.vlan[0].tci = htons(XS_VLAN_PRESENT | (4 << 13));
	mask.vlan[0].tci = htons(XS_VLAN_PRESENT | (4 << 13));
	expect_refused("partial VLAN priority");
}

static void test_untagged_refused(void **state)
{
	(void)state;
	ip4(0);
	mask.vlan[0].tci = htons(XS_VLAN_PRESENT); /* no tag, key tci 0 */
	expect_refused("no VLAN tag");
	key.vlan[0].tci = htons(XS_VLAN_PRESENT | 5);
	mask.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	mask.vlan[1].tci = htons(XS_VLAN_PRESENT); /* one tag only */
	expect_refused("no inner VLAN tag");
}

static void test_ipv4_addresses(void **state)
{
	(void)state;
	ip4(0);
	key.nw_src = inet_addr("10.1.0.0");
	mask.nw_src = inet_addr("255.255.0.0");
	key.nw_dst = inet_addr("192.168.1.7");
	mask.nw_dst = 0xffffffff;
	expect_ok();
	assert_int_equal(fl.protocol, htons(ETH_P_IP));
	expect_be32(TCA_FLOWER_KEY_IPV4_SRC, 0x0a010000);
	expect_be32(TCA_FLOWER_KEY_IPV4_SRC_MASK, 0xffff0000);
	expect_be32(TCA_FLOWER_KEY_IPV4_DST, 0xc0a80107);
	expect_be32(TCA_FLOWER_KEY_IPV4_DST_MASK, 0xffffffff);
	expect_no_attr(TCA_FLOWER_KEY_IP_PROTO);
}

static void test_ipv6_addresses(void **state)
{
	uint8_t pfx[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	(void)state;
	key.dl_type = htons(ETH_P_IPV6);
	mask.dl_type = 0xffff;
	inet_pton(AF_INET6, "2001:db8:1:2::", key.ipv6_src);
	memcpy(mask.ipv6_src, pfx, 16);
	inet_pton(AF_INET6, "2001:db8::5", key.ipv6_dst);
	memset(mask.ipv6_dst, 0xff, 16);
	expect_ok();
	assert_int_equal(fl.protocol, htons(ETH_P_IPV6));
	expect_attr(TCA_FLOWER_KEY_IPV6_SRC, key.ipv6_src, 16);
	expect_attr(TCA_FLOWER_KEY_IPV6_SRC_MASK, pfx, 16);
	expect_attr(TCA_FLOWER_KEY_IPV6_DST, key.ipv6_dst, 16);
	expect_attr(TCA_FLOWER_KEY_IPV6_DST_MASK, mask.ipv6_dst, 16);
}

static void test_ip_proto(void **state)
{
	(void)state;
	ip4(IPPROTO_UDP);
	expect_ok();
	expect_u8(TCA_FLOWER_KEY_IP_PROTO, IPPROTO_UDP);
}

static void test_ip_proto_partial(void **state)
{
	(void)state;
	ip4(0);
	key.nw_proto = 0x10;
	mask.nw_proto = 0xf0;
	expect_refused("IP protocol");
}

static void test_tos_ttl(void **state)
{
	(void)state;
	ip4(0);
	key.nw_tos = 0x28;
	mask.nw_tos = 0xfc;
	key.nw_ttl = 64;
	mask.nw_ttl = 0xff;
	expect_ok();
	expect_u8(TCA_FLOWER_KEY_IP_TOS, 0x28);
	expect_u8(TCA_FLOWER_KEY_IP_TOS_MASK, 0xfc);
	expect_u8(TCA_FLOWER_KEY_IP_TTL, 64);
	expect_u8(TCA_FLOWER_KEY_IP_TTL_MASK, 0xff);
}

static void test_frag_no(void **state)
{
	(void)state;
	ip4(0);
	mask.nw_frag = 0xff;
	expect_ok();
	expect_be32(TCA_FLOWER_KEY_FLAGS, 0);
	expect_be32(TCA_FLOWER_KEY_FLAGS_MASK,
		    TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT | TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST);
}

static void test_frag_first(void **state)
{
	(void)state;
	ip4(0);
	key.nw_frag = XS_FRAG_ANY;
	mask.nw_frag = XS_FRAG_MASK;
	expect_ok();
	expect_be32(TCA_FLOWER_KEY_FLAGS,
		    TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT | TCA_FLOWER_KEY_FLAGS_FRAG_IS_FIRST);
}

static void test_frag_later(void **state)
{
	(void)state;
	ip4(0);
	key.nw_frag = XS_FRAG_ANY | XS_FRAG_LATER;
	mask.nw_frag = XS_FRAG_MASK;
	expect_ok();
	expect_be32(TCA_FLOWER_KEY_FLAGS, TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
}

static void test_frag_any(void **state)
{
	(void)state;
	ip4(0);
	key.nw_frag = XS_FRAG_ANY;
	mask.nw_frag = XS_FRAG_ANY;
	expect_ok();
	expect_be32(TCA_FLOWER_KEY_FLAGS, TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
	expect_be32(TCA_FLOWER_KEY_FLAGS_MASK, TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT);
}

static void test_tcp_ports(void **state)
{
	(void)state;
	ip4(IPPROTO_TCP);
	key.tp_src = htons(1024);
	mask.tp_src = htons(0xfc00);
	key.tp_dst = htons(80);
	mask.tp_dst = 0xffff;
	expect_ok();
	expect_be16(TCA_FLOWER_KEY_TCP_SRC, 1024);
	expect_be16(TCA_FLOWER_KEY_TCP_SRC_MASK, 0xfc00);
	expect_be16(TCA_FLOWER_KEY_TCP_DST, 80);
	expect_no_attr(TCA_FLOWER_KEY_TCP_DST_MASK); /* exact: flower's default */
}

static void test_udp_ports(void **state)
{
	(void)state;
	ip4(IPPROTO_UDP);
	key.tp_dst = htons(53);
	mask.tp_dst = 0xffff;
	expect_ok();
	expect_be16(TCA_FLOWER_KEY_UDP_DST, 53);
	expect_no_attr(TCA_FLOWER_KEY_UDP_SRC);
	expect_no_attr(TCA_FLOWER_KEY_TCP_DST);
}

static void test_sctp_ports(void **state)
{
	(void)state;
	ip4(IPPROTO_SCTP);
	key.tp_src = htons(9);
	mask.tp_src = 0xffff;
	expect_ok();
	expect_be16(TCA_FLOWER_KEY_SCTP_SRC, 9);
}

static void test_tcp_flags(void **state)
{
	(void)state;
	ip4(IPPROTO_TCP);
	key.tcp_flags = htons(0x002);
	mask.tcp_flags = htons(0x012);
	expect_ok();
	expect_be16(TCA_FLOWER_KEY_TCP_FLAGS, 0x002);
	expect_be16(TCA_FLOWER_KEY_TCP_FLAGS_MASK, 0x012);
}

static void test_tcp_flags_without_tcp(void **state)
{
	(void)state;
	ip4(IPPROTO_UDP);
	key.tcp_flags = htons(0x002);
	mask.tcp_flags = htons(0x002);
	expect_refused("TCP flags");
}

static void test_icmp(void **state)
{
	(void)state;
	ip4(IPPROTO_ICMP);
	key.tp_src = htons(8);
	mask.tp_src = 0xffff;
	key.tp_dst = htons(0);
	mask.tp_dst = 0xffff;
	expect_ok();
	expect_u8(TCA_FLOWER_KEY_ICMPV4_TYPE, 8);
	expect_u8(TCA_FLOWER_KEY_ICMPV4_TYPE_MASK, 0xff);
	expect_u8(TCA_FLOWER_KEY_ICMPV4_CODE, 0);
	expect_u8(TCA_FLOWER_KEY_ICMPV4_CODE_MASK, 0xff);
}

static void test_icmpv6(void **state)
{
	(void)state;
	key.dl_type = htons(ETH_P_IPV6);
	mask.dl_type = 0xffff;
	key.nw_proto = IPPROTO_ICMPV6;
	mask.nw_proto = 0xff;
	key.tp_src = htons(128);
	mask.tp_src = 0xffff;
	expect_ok();
	expect_u8(TCA_FLOWER_KEY_ICMPV6_TYPE, 128);
	expect_u8(TCA_FLOWER_KEY_ICMPV6_TYPE_MASK, 0xff);
	expect_no_attr(TCA_FLOWER_KEY_ICMPV6_CODE);
}

static void test_ports_other_proto(void **state)
{
	(void)state;
	ip4(47); /* GRE */
	key.tp_dst = htons(1);
	mask.tp_dst = 0xffff;
	expect_refused("L4 ports");
}

static void test_arp(void **state)
{
	static const uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	(void)state;
	key.dl_type = htons(ETH_P_ARP);
	mask.dl_type = 0xffff;
	key.nw_proto = 1; /* request */
	mask.nw_proto = 0xff;
	key.nw_src = inet_addr("10.0.0.1");
	mask.nw_src = 0xffffffff;
	key.nw_dst = inet_addr("10.0.0.2");
	mask.nw_dst = 0xffffffff;
	memcpy(key.arp_sha, MAC_A, 6);
	memset(mask.arp_sha, 0xff, 6);
	memcpy(key.arp_tha, MAC_B, 6);
	memset(mask.arp_tha, 0xff, 6);
	expect_ok();
	assert_int_equal(fl.protocol, htons(ETH_P_ARP));
	expect_u8(TCA_FLOWER_KEY_ARP_OP, 1);
	expect_u8(TCA_FLOWER_KEY_ARP_OP_MASK, 0xff);
	expect_be32(TCA_FLOWER_KEY_ARP_SIP, 0x0a000001);
	expect_be32(TCA_FLOWER_KEY_ARP_SIP_MASK, 0xffffffff);
	expect_be32(TCA_FLOWER_KEY_ARP_TIP, 0x0a000002);
	expect_attr(TCA_FLOWER_KEY_ARP_SHA, MAC_A, 6);
	expect_attr(TCA_FLOWER_KEY_ARP_SHA_MASK, ones, 6);
	expect_attr(TCA_FLOWER_KEY_ARP_THA, MAC_B, 6);
	expect_no_attr(TCA_FLOWER_KEY_IPV4_SRC);
}

static void test_ipv6_label_refused(void **state)
{
	(void)state;
	key.dl_type = htons(ETH_P_IPV6);
	mask.dl_type = 0xffff;
	key.ipv6_label = htonl(5);
	mask.ipv6_label = htonl(0xfffff);
	expect_refused("flow label");
}

static void test_nd_target_refused(void **state)
{
	(void)state;
	key.dl_type = htons(ETH_P_IPV6);
	mask.dl_type = 0xffff;
	key.nd_target[15] = 1;
	memset(mask.nd_target, 0xff, 16);
	expect_refused("neighbour discovery");
}

static void test_l3_without_type_refused(void **state)
{
	(void)state;
	key.nw_dst = inet_addr("10.0.0.1");
	mask.nw_dst = 0xffffffff;
	expect_refused("L3 fields without");
}

/* --- actions ------------------------------------------------------------ */

static void test_output_redirect(void **state)
{
	(void)state;
	output(8);
	expect_ok();
	assert_int_equal(fl.n_acts, 1);
	assert_int_equal(fl.acts[0].kind, XS_FLA_MIRRED);
	assert_int_equal(fl.acts[0].verdict, TC_ACT_STOLEN);
	assert_int_equal(fl.acts[0].u.mirred.eaction, TCA_EGRESS_REDIR);
	assert_int_equal(fl.acts[0].u.mirred.ifindex, 8);
}

static void test_outputs_mirror_then_redirect(void **state)
{
	(void)state;
	output(8);
	output(9);
	expect_ok();
	assert_int_equal(fl.n_acts, 2);
	assert_int_equal(fl.acts[0].u.mirred.eaction, TCA_EGRESS_MIRROR);
	assert_int_equal(fl.acts[0].verdict, TC_ACT_PIPE);
	assert_int_equal(fl.acts[0].u.mirred.ifindex, 8);
	assert_int_equal(fl.acts[1].u.mirred.eaction, TCA_EGRESS_REDIR);
	assert_int_equal(fl.acts[1].u.mirred.ifindex, 9);
}

static void test_flood(void **state)
{
	(void)state;
	acts[0].type = XS_ACT_OUTPUT;
	acts[0].flags = XS_OUT_F_BROADCAST;
	n_acts = 1;
	expect_ok();
	/* every bridge port but the ingress (7) */
	assert_int_equal(fl.n_acts, 2);
	assert_int_equal(fl.acts[0].u.mirred.ifindex, 8);
	assert_int_equal(fl.acts[0].u.mirred.eaction, TCA_EGRESS_MIRROR);
	assert_int_equal(fl.acts[1].u.mirred.ifindex, 9);
	assert_int_equal(fl.acts[1].u.mirred.eaction, TCA_EGRESS_REDIR);
}

static void test_vlan_push_pop(void **state)
{
	(void)state;
	acts[0].type = XS_ACT_PUSH_VLAN;
	acts[0].u.be16[0] = htons(0x8100);
	acts[0].u.be16[1] = htons(XS_VLAN_PRESENT | (2 << 13) | 30);
	acts[1].type = XS_ACT_POP_VLAN;
	n_acts = 2;
	output(8);
	expect_ok();
	assert_int_equal(fl.n_acts, 3);
	assert_int_equal(fl.acts[0].kind, XS_FLA_VLAN);
	assert_int_equal(fl.acts[0].u.vlan.v_action, TCA_VLAN_ACT_PUSH);
	assert_int_equal(fl.acts[0].u.vlan.id, 30);
	assert_int_equal(fl.acts[0].u.vlan.prio, 2);
	assert_int_equal(fl.acts[0].u.vlan.proto, htons(0x8100));
	assert_int_equal(fl.acts[0].verdict, TC_ACT_PIPE);
	assert_int_equal(fl.acts[1].u.vlan.v_action, TCA_VLAN_ACT_POP);
	assert_int_equal(fl.acts[2].kind, XS_FLA_MIRRED);
}

static void test_vlan_modify(void **state)
{
	(void)state;
	key.vlan[0].tci = htons(XS_VLAN_PRESENT | 10);
	mask.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	acts[0].type = XS_ACT_SET_VLAN_TCI;
	acts[0].u.be16[0] = htons(6 << 13);
	acts[0].u.be16[1] = htons(XS_VLAN_PCP_MASK);
	n_acts = 1;
	output(8);
	expect_ok();
	assert_int_equal(fl.acts[0].u.vlan.v_action, TCA_VLAN_ACT_MODIFY);
	assert_int_equal(fl.acts[0].u.vlan.id, 10); /* kept from the match */
	assert_int_equal(fl.acts[0].u.vlan.prio, 6);
	assert_true(fl.acts[0].u.vlan.has_prio);
}

static void test_vlan_modify_unknown_vid(void **state)
{
	(void)state;
	acts[0].type = XS_ACT_SET_VLAN_TCI;
	acts[0].u.be16[0] = htons(6 << 13);
	acts[0].u.be16[1] = htons(XS_VLAN_PCP_MASK);
	n_acts = 1;
	output(8);
	expect_refused("unknown VLAN id");
}

static void test_set_eth(void **state)
{
	struct xs_fl_pedit_key *k;

	(void)state;
	acts[0].type = XS_ACT_SET_ETH_SRC;
	memcpy(acts[0].u.mac, MAC_A, 6);
	n_acts = 1;
	output(8);
	expect_ok();
	assert_int_equal(fl.n_acts, 2); /* no checksum after an Ethernet rewrite */
	assert_int_equal(fl.acts[0].kind, XS_FLA_PEDIT);
	assert_int_equal(fl.acts[0].u.pedit.n, 2);
	k = fl.acts[0].u.pedit.keys;
	/* bytes 6..11: the low half of word 4, all of word 8 */
	assert_int_equal(k[0].htype, TCA_PEDIT_KEY_EX_HDR_TYPE_ETH);
	assert_int_equal(k[0].cmd, TCA_PEDIT_KEY_EX_CMD_SET);
	assert_int_equal(k[0].off, 4);
	assert_int_equal(k[0].val, htonl(0x00000200));
	assert_int_equal(k[0].mask, htonl(0xffff0000));
	assert_int_equal(k[1].off, 8);
	assert_int_equal(k[1].val, htonl(0x0000000a));
	assert_int_equal(k[1].mask, 0);
}

static void test_set_ipv4_and_csum(void **state)
{
	(void)state;
	ip4(IPPROTO_TCP);
	acts[0].type = XS_ACT_SET_IPV4_DST;
	acts[0].u.be32[0] = inet_addr("10.9.8.7");
	acts[1].type = XS_ACT_SET_TP_DST;
	acts[1].u.be16[0] = htons(8080);
	n_acts = 2;
	output(8);
	expect_ok();
	assert_int_equal(fl.n_acts, 3);
	assert_int_equal(fl.acts[0].kind, XS_FLA_PEDIT);
	assert_int_equal(fl.acts[0].u.pedit.n, 2);
	assert_int_equal(fl.acts[0].u.pedit.keys[0].htype, TCA_PEDIT_KEY_EX_HDR_TYPE_IP4);
	assert_int_equal(fl.acts[0].u.pedit.keys[0].off, 16);
	assert_int_equal(fl.acts[0].u.pedit.keys[0].val, inet_addr("10.9.8.7"));
	assert_int_equal(fl.acts[0].u.pedit.keys[0].mask, 0);
	assert_int_equal(fl.acts[0].u.pedit.keys[1].htype, TCA_PEDIT_KEY_EX_HDR_TYPE_TCP);
	assert_int_equal(fl.acts[0].u.pedit.keys[1].off, 0);
	assert_int_equal(fl.acts[0].u.pedit.keys[1].val, htonl(8080));
	assert_int_equal(fl.acts[0].u.pedit.keys[1].mask, htonl(0xffff0000));
	assert_int_equal(fl.acts[1].kind, XS_FLA_CSUM);
	assert_int_equal(fl.acts[1].u.csum.update_flags,
			 TCA_CSUM_UPDATE_FLAG_IPV4HDR | TCA_CSUM_UPDATE_FLAG_TCP);
	assert_int_equal(fl.acts[2].kind, XS_FLA_MIRRED);
}

static void test_set_ipv6(void **state)
{
	uint8_t a[16];

	(void)state;
	key.dl_type = htons(ETH_P_IPV6);
	mask.dl_type = 0xffff;
	key.nw_proto = IPPROTO_UDP;
	mask.nw_proto = 0xff;
	inet_pton(AF_INET6, "2001:db8::9", a);
	acts[0].type = XS_ACT_SET_IPV6_SRC;
	memcpy(acts[0].u.bytes, a, 16);
	n_acts = 1;
	output(8);
	expect_ok();
	assert_int_equal(fl.acts[0].u.pedit.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fl.acts[0].u.pedit.keys[i].htype, TCA_PEDIT_KEY_EX_HDR_TYPE_IP6);
		assert_int_equal(fl.acts[0].u.pedit.keys[i].off, 8 + 4 * i);
		assert_memory_equal(&fl.acts[0].u.pedit.keys[i].val, a + 4 * i, 4);
	}
	assert_int_equal(fl.acts[1].u.csum.update_flags, TCA_CSUM_UPDATE_FLAG_UDP);
}

static void test_set_tos_partial(void **state)
{
	(void)state;
	ip4(0);
	acts[0].type = XS_ACT_SET_NW_TOS;
	acts[0].u.bytes[0] = 0xb8;
	acts[0].u.bytes[1] = 0xfc; /* DSCP only, ECN kept */
	n_acts = 1;
	output(8);
	expect_ok();
	assert_int_equal(fl.acts[0].u.pedit.keys[0].off, 0);
	assert_int_equal(fl.acts[0].u.pedit.keys[0].val, htonl(0x00b80000));
	assert_int_equal(fl.acts[0].u.pedit.keys[0].mask, htonl(0xff03ffff));
	assert_int_equal(fl.acts[1].u.csum.update_flags, TCA_CSUM_UPDATE_FLAG_IPV4HDR);
}

static void test_dec_ttl(void **state)
{
	(void)state;
	ip4(0);
	key.nw_ttl = 64;
	mask.nw_ttl = 0xff;
	acts[0].type = XS_ACT_DEC_TTL;
	n_acts = 1;
	output(8);
	expect_ok();
	assert_int_equal(fl.acts[0].u.pedit.keys[0].cmd, TCA_PEDIT_KEY_EX_CMD_ADD);
	assert_int_equal(fl.acts[0].u.pedit.keys[0].off, 8);
	assert_int_equal(fl.acts[0].u.pedit.keys[0].val, htonl(0xff000000));
	assert_int_equal(fl.acts[0].u.pedit.keys[0].mask, htonl(0x00ffffff));
	assert_int_equal(fl.acts[1].u.csum.update_flags, TCA_CSUM_UPDATE_FLAG_IPV4HDR);
}

static void test_dec_ttl_unknown_ttl(void **state)
{
	(void)state;
	ip4(0);
	acts[0].type = XS_ACT_DEC_TTL;
	n_acts = 1;
	output(8);
	expect_refused("dec_ttl");
}

static void test_dec_ttl_expiring(void **state)
{
	(void)state;
	ip4(0);
	key.nw_ttl = 1;
	mask.nw_ttl = 0xff;
	acts[0].type = XS_ACT_DEC_TTL;
	n_acts = 1;
	output(8);
	expect_refused("dec_ttl");
}

static void test_to_agent_refused(void **state)
{
	(void)state;
	acts[0].type = XS_ACT_TO_AGENT;
	n_acts = 1;
	expect_refused("agent");
}

static void test_set_arp_refused(void **state)
{
	(void)state;
	acts[0].type = XS_ACT_SET_ARP;
	acts[0].flags = XS_ARP_FIELD_OP;
	n_acts = 1;
	output(8);
	expect_refused("no pedit counterpart");
}

static void test_set_l4_without_proto_refused(void **state)
{
	(void)state;
	ip4(0);
	acts[0].type = XS_ACT_SET_TP_DST;
	acts[0].u.be16[0] = htons(1);
	n_acts = 1;
	output(8);
	expect_refused("L4 rewrite");
}

static void test_rewrite_without_output_drops(void **state)
{
	(void)state;
	acts[0].type = XS_ACT_SET_ETH_DST;
	memcpy(acts[0].u.mac, MAC_A, 6);
	n_acts = 1;
	expect_ok();
	assert_int_equal(fl.n_acts, 1);
	assert_int_equal(fl.acts[0].kind, XS_FLA_GACT);
	assert_int_equal(fl.acts[0].verdict, TC_ACT_SHOT);
}

/* --- hardware XDP key --------------------------------------------------- */

static void test_xdp_hw_drop(void **state)
{
	struct xs_hw_key hk, hm;

	(void)state;
	ip4(IPPROTO_UDP);
	mask.nw_frag = 0xff;
	key.tp_dst = htons(6000);
	mask.tp_dst = 0xffff;
	key.nw_src = inet_addr("10.0.0.5");
	mask.nw_src = inet_addr("255.255.255.0");
	assert_int_equal(xs_xdp_hw_translate(&key, &mask, 0, &hk, &hm, &reason), 0);
	assert_int_equal(hk.dl_type, htons(ETH_P_IP));
	assert_int_equal(hm.dl_type, 0xffff);
	assert_int_equal(hk.nw_proto, IPPROTO_UDP);
	assert_int_equal(hk.tp_dst, htons(6000));
	assert_int_equal(hm.tp_dst, 0xffff);
	assert_int_equal(hk.nw_src, inet_addr("10.0.0.0")); /* stored masked */
	assert_int_equal(hm.nw_frag, 0xff);
	assert_int_equal(hm.tp_src, 0);
}

static void test_xdp_hw_refusals(void **state)
{
	struct xs_hw_key hk, hm;

	(void)state;
	output(8);
	assert_int_equal(xs_xdp_hw_translate(&key, &mask, n_acts, &hk, &hm, &reason),
			 -EOPNOTSUPP);
	assert_non_null(strstr(reason, "not a drop"));
	key.dl_type = htons(ETH_P_IPV6);
	mask.dl_type = 0xffff;
	mask.ipv6_src[0] = 0xff;
	assert_int_equal(xs_xdp_hw_translate(&key, &mask, 0, &hk, &hm, &reason), -EOPNOTSUPP);
	assert_non_null(strstr(reason, "IPv6"));
	memset(&mask, 0, sizeof(mask));
	mask.in_port = 0xffffffff;
	mask.vlan[1].tci = 0xffff;
	assert_int_equal(xs_xdp_hw_translate(&key, &mask, 0, &hk, &hm, &reason), -EOPNOTSUPP);
	assert_non_null(strstr(reason, "second VLAN"));
	memset(&mask, 0, sizeof(mask));
	mask.in_port = 0xffffffff;
	key.dl_type = htons(ETH_P_IP);
	mask.dl_type = 0xffff;
	key.nw_proto = IPPROTO_SCTP;
	mask.nw_proto = 0xff;
	mask.tp_dst = 0xffff;
	assert_int_equal(xs_xdp_hw_translate(&key, &mask, 0, &hk, &hm, &reason), -EOPNOTSUPP);
	assert_non_null(strstr(reason, "L4"));
}

/* --- a dumped filter's counters (as the kernel sends them) --------------- */

static void test_parse_dump(void **state)
{
	char buf[4096];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *t;
	struct nlattr *opts, *acts_n, *slot, *aopts, *stats;
	struct gnet_stats_basic all = { .bytes = 1500, .packets = 10 };
	struct gnet_stats_basic hw = { .bytes = 900, .packets = 6 };
	struct tcf_t tm = { .lastuse = 25 };
	struct xs_fl_dumped d;

	(void)state;
	nlh->nlmsg_type = RTM_NEWTFILTER;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_ifindex = 7;
	t->tcm_handle = 43;
	t->tcm_info = TC_H_MAKE(0x7002u << 16, htons(ETH_P_IP));
	mnl_attr_put_strz(nlh, TCA_KIND, "flower");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS, TCA_CLS_FLAGS_SKIP_SW | TCA_CLS_FLAGS_IN_HW);
	acts_n = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
	slot = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_TM, sizeof(tm), &tm);
	mnl_attr_nest_end(nlh, aopts);
	stats = mnl_attr_nest_start(nlh, TCA_ACT_STATS);
	mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof(all), &all);
	mnl_attr_put(nlh, TCA_STATS_BASIC_HW, sizeof(hw), &hw);
	mnl_attr_nest_end(nlh, stats);
	mnl_attr_nest_end(nlh, slot);
	mnl_attr_nest_end(nlh, acts_n);
	mnl_attr_nest_end(nlh, opts);

	assert_int_equal(xs_flower_nl_parse(nlh, &d), 0);
	assert_true(d.flower);
	assert_true(d.in_hw);
	assert_true(d.has_stats);
	assert_int_equal(d.ifindex, 7);
	assert_int_equal(d.handle, 43);
	assert_int_equal(d.prio, 0x7002);
	assert_int_equal(d.protocol, htons(ETH_P_IP));
	assert_int_equal(d.packets, 10);
	assert_int_equal(d.bytes, 1500);
	assert_int_equal(d.hw_packets, 6);
	assert_int_equal(d.hw_bytes, 900);
	assert_int_equal(d.lastuse_ms, 250);

	/* not flower: read, no counters */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWTFILTER;
	mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	assert_int_equal(xs_flower_nl_parse(nlh, &d), 0);
	assert_false(d.flower);
	/* cut short */
	nlh->nlmsg_len = sizeof(*nlh) + 2;
	assert_int_equal(xs_flower_nl_parse(nlh, &d), -EINVAL);
}

/* --- ethtool FEATURES_GET answer (bit-list form, as the kernel sends) ---- */

static void put_bits(struct nlmsghdr *nlh, uint16_t type, const char *const *names, int n)
{
	struct nlattr *set = mnl_attr_nest_start(nlh, type), *bits;

	mnl_attr_put(nlh, ETHTOOL_A_BITSET_NOMASK, 0, NULL);
	bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);
	for (int i = 0; i < n; i++) {
		struct nlattr *b = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS_BIT);

		mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_BIT_INDEX, (uint32_t)i);
		mnl_attr_put_strz(nlh, ETHTOOL_A_BITSET_BIT_NAME, names[i]);
		mnl_attr_nest_end(nlh, b);
	}
	mnl_attr_nest_end(nlh, bits);
	mnl_attr_nest_end(nlh, set);
}

static void test_ethtool_features(void **state)
{
	static const char *const hw[] = { "rx-gro-hw", "hw-tc-offload" };
	static const char *const active[] = { "rx-gro-hw" };
	char buf[2048];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct xs_feature_query q = { .name = "hw-tc-offload" };

	(void)state;
	g->cmd = ETHTOOL_MSG_FEATURES_GET_REPLY;
	put_bits(nlh, ETHTOOL_A_FEATURES_HW, hw, 2);
	put_bits(nlh, ETHTOOL_A_FEATURES_ACTIVE, active, 1);
	assert_int_equal(xs_ethtool_features_cb(nlh, &q), MNL_CB_OK);
	assert_true(q.answered);
	assert_true(q.available);  /* can be turned on */
	assert_false(q.active);    /* is off */
}

static void test_option_names(void **state)
{
	int v = -1;

	(void)state;
	assert_int_equal(xs_hw_offload_parse("xdp-hw", &v), 0);
	assert_int_equal(v, XS_HW_OFFLOAD_XDP_HW);
	assert_int_equal(xs_hw_offload_parse("auto", &v), 0);
	assert_int_equal(v, XS_HW_OFFLOAD_AUTO);
	assert_int_equal(xs_hw_offload_parse("on", &v), -EINVAL);
	assert_int_equal(xs_tc_policy_parse("skip_hw", &v), 0);
	assert_int_equal(v, XS_TC_POLICY_SKIP_HW);
	assert_int_equal(xs_tc_policy_parse("skip-sw", &v), -EINVAL);
	assert_string_equal(xs_hw_offload_name(XS_HW_OFFLOAD_TC), "tc");
	assert_string_equal(xs_tc_policy_name(XS_TC_POLICY_NONE), "none");
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ifindex_and_drop), T(test_in_port_wildcarded), T(test_eth_addresses),
		T(test_eth_type), T(test_eth_type_partial), T(test_vlan), T(test_vlan_id_only),
		T(test_vlan_qinq), T(test_vlan_partial_vid), T(test_vlan_partial_pcp),
		T(test_untagged_refused),
		T(test_ipv4_addresses), T(test_ipv6_addresses), T(test_ip_proto),
		T(test_ip_proto_partial), T(test_tos_ttl), T(test_frag_no), T(test_frag_first),
		T(test_frag_later), T(test_frag_any), T(test_tcp_ports), T(test_udp_ports),
		T(test_sctp_ports), T(test_tcp_flags), T(test_tcp_flags_without_tcp),
		T(test_icmp), T(test_icmpv6), T(test_ports_other_proto), T(test_arp),
		T(test_ipv6_label_refused), T(test_nd_target_refused),
		T(test_l3_without_type_refused), T(test_output_redirect),
		T(test_outputs_mirror_then_redirect), T(test_flood), T(test_vlan_push_pop),
		T(test_vlan_modify), T(test_vlan_modify_unknown_vid), T(test_set_eth),
		T(test_set_ipv4_and_csum), T(test_set_ipv6), T(test_set_tos_partial),
		T(test_dec_ttl), T(test_dec_ttl_unknown_ttl), T(test_dec_ttl_expiring),
		T(test_to_agent_refused), T(test_set_arp_refused),
		T(test_set_l4_without_proto_refused), T(test_rewrite_without_output_drops),
		T(test_xdp_hw_drop), T(test_xdp_hw_refusals), T(test_parse_dump),
		T(test_ethtool_features), T(test_option_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
