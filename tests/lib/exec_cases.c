// SPDX-License-Identifier: Apache-2.0
/* The executor cases both the BPF and the dummy datapath tests run (see
 * exec_cases.h), and the frame builder and comparison they share. */
#include "tests/lib/exec_cases.h"
#include "tests/lib/xs_test.h"

const uint8_t xs_exec_payload[8] = "xdpswtch";

#define P_IN XS_EXEC_PORT_IN
#define P_OUT XS_EXEC_PORT_OUT

void xs_exec_build(struct xs_pkt *p, const struct xs_exec_spec *s)
{
	xs_pkt_init(p);
	xs_pkt_eth(p, s->dl_dst, s->dl_src);
	if (s->tpid)
		xs_pkt_vlan(p, s->tpid, s->tci);
	if (s->l3 == 'a') {
		xs_pkt_arp(p, s->arp_op, s->sha, s->src, s->tha, s->dst);
		/* As Ethernet padding: marks the frame for captures. */
		xs_pkt_bytes(p, xs_exec_payload, sizeof(xs_exec_payload), 0);
		xs_pkt_finish(p);
		return;
	}
	if (s->l3 == 4)
		xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = s->src, .dst = s->dst, .ttl = s->ttl,
						    .tos = s->tos, .frag = s->frag, .id = 7 });
	else
		xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = s->src, .dst = s->dst, .hlim = s->ttl,
						    .tclass = s->tos, .label = s->label });
	switch (s->l4) {
	case 6:
		xs_pkt_tcp(p, s->sport, s->dport, XS_TCP_ACK);
		break;
	case 17:
		xs_pkt_udp(p, s->sport, s->dport);
		break;
	case 132:
		xs_pkt_sctp(p, s->sport, s->dport);
		break;
	case 1:
		xs_pkt_icmp(p, s->sport, s->dport);
		break;
	case 58:
		xs_pkt_icmp6(p, s->sport, s->dport);
		break;
	}
	xs_pkt_bytes(p, xs_exec_payload, sizeof(xs_exec_payload), 0);
	xs_pkt_finish(p);
	if (s->udp_zero) {
		p->buf[p->l4_off + 6] = 0;
		p->buf[p->l4_off + 7] = 0;
	}
}

void xs_exec_assert_frame(const uint8_t *want, size_t want_len, const uint8_t *got,
			  size_t got_len, const char *name)
{
	size_t i;

	for (i = 0; i < want_len && i < got_len; i++)
		if (want[i] != got[i])
			fail_msg("%s: byte %zu: want %02x got %02x", name, i, want[i], got[i]);
	if (want_len != got_len)
		fail_msg("%s: length: want %zu got %zu", name, want_len, got_len);
}

const struct xs_exec_case xs_exec_cases[] = {
	{ "eth src+dst, output to the ingress port",
	  V4(6), V4(6, .dl_src = MAC_C, .dl_dst = MAC_D),
	  { MAC(XS_ACT_SET_ETH_SRC, 2, 0, 0, 0, 0, 0x0c), MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d),
	    OUT(P_IN) }, 3, XDP_TX },
	{ "ipv4 tcp src+dst",
	  V4(6), V4(6, .src = "192.168.7.9", .dst = "172.16.0.254"),
	  { IP4(XS_ACT_SET_IPV4_SRC, 192, 168, 7, 9), IP4(XS_ACT_SET_IPV4_DST, 172, 16, 0, 254),
	    OUT(P_OUT) }, 3, XDP_REDIRECT },
	{ "ipv4 tcp ports",
	  V4(6), V4(6, .sport = 40000, .dport = 8080),
	  { B16(XS_ACT_SET_TP_SRC, 40000, 0), B16(XS_ACT_SET_TP_DST, 8080, 0), OUT(P_OUT) },
	  3, XDP_REDIRECT },
	/* Partial writes (XS_SET_F_MASKED): only the mask's bits change. */
	{ "ipv4 masked src low byte + dst third byte",
	  V4(6), V4(6, .src = "10.0.0.99", .dst = "10.0.7.2"),
	  { { .type = XS_ACT_SET_IPV4_SRC, .flags = XS_SET_F_MASKED,
	      .u.bytes = { 0, 0, 0, 99, 0, 0, 0, 0xff } },
	    { .type = XS_ACT_SET_IPV4_DST, .flags = XS_SET_F_MASKED,
	      .u.bytes = { 0, 0, 7, 0, 0, 0, 0xff, 0 } }, OUT(P_OUT) }, 3, XDP_REDIRECT },
	{ "tcp masked ports",
	  V4(6), V4(6, .sport = 0x0407, .dport = 0x1f50),
	  { { .type = XS_ACT_SET_TP_SRC, .flags = XS_SET_F_MASKED, .u.be16 = { BE16(7), BE16(0xff) } },
	    { .type = XS_ACT_SET_TP_DST, .flags = XS_SET_F_MASKED,
	      .u.be16 = { BE16(0x1f00), BE16(0xff00) } }, OUT(P_IN) }, 3, XDP_TX },
	{ "udp6 masked dst port",
	  V6(17), V6(17, .dport = 0x0055),
	  { { .type = XS_ACT_SET_TP_DST, .flags = XS_SET_F_MASKED, .u.be16 = { BE16(5), BE16(0xf) } },
	    OUT(P_IN) }, 2, XDP_TX },
	{ "sctp masked src port (crc32c)",
	  V4(132), V4(132, .sport = 0x0401),
	  { { .type = XS_ACT_SET_TP_SRC, .flags = XS_SET_F_MASKED, .u.be16 = { BE16(1), BE16(0xff) } },
	    OUT(P_IN) }, 2, XDP_TX },
	{ "ipv4 udp dst + dst port",
	  V4(17), V4(17, .dst = "10.9.8.7", .dport = 53),
	  { IP4(XS_ACT_SET_IPV4_DST, 10, 9, 8, 7), B16(XS_ACT_SET_TP_DST, 53, 0), OUT(P_OUT) },
	  3, XDP_REDIRECT },
	{ "ipv4 udp without checksum keeps 0",
	  V4(17, .udp_zero = true), V4(17, .udp_zero = true, .src = "10.1.1.1", .sport = 9),
	  { IP4(XS_ACT_SET_IPV4_SRC, 10, 1, 1, 1), B16(XS_ACT_SET_TP_SRC, 9, 0), OUT(P_IN) },
	  3, XDP_TX },
	{ "ipv4 icmp dst, type and code (no pseudo header)",
	  V4(1, .sport = 8, .dport = 0), V4(1, .dst = "10.0.0.99", .sport = 0, .dport = 3),
	  { IP4(XS_ACT_SET_IPV4_DST, 10, 0, 0, 99), B16(XS_ACT_SET_TP_SRC, 0, 0),
	    B16(XS_ACT_SET_TP_DST, 3, 0), OUT(P_IN) }, 4, XDP_TX },
	{ "ipv4 tos under a mask, ttl set",
	  V4(6, .tos = 0x03), V4(6, .tos = 0xbb, .ttl = 5),
	  { U8(XS_ACT_SET_NW_TOS, 0xb8, 0xfc), U8(XS_ACT_SET_NW_TTL, 5, 0), OUT(P_IN) }, 3, XDP_TX },
	{ "ipv4 dec_ttl",
	  V4(17), V4(17, .ttl = 63), { ACT(XS_ACT_DEC_TTL), OUT(P_IN) }, 2, XDP_TX },
	{ "ipv4 sctp ports (crc32c)",
	  V4(132), V4(132, .sport = 5000, .dport = 38412),
	  { B16(XS_ACT_SET_TP_SRC, 5000, 0), B16(XS_ACT_SET_TP_DST, 38412, 0), OUT(P_IN) },
	  3, XDP_TX },
	{ "ipv6 tcp src+dst",
	  V6(6), V6(6, .src = "2001:db8::99", .dst = "2001:db8::aa"),
	  { IP6(XS_ACT_SET_IPV6_SRC, V6_99), IP6(XS_ACT_SET_IPV6_DST, V6_AA), OUT(P_OUT) },
	  3, XDP_REDIRECT },
	{ "ipv6 udp src + src port",
	  V6(17), V6(17, .src = "2001:db8::aa", .sport = 5353),
	  { IP6(XS_ACT_SET_IPV6_SRC, V6_AA), B16(XS_ACT_SET_TP_SRC, 5353, 0), OUT(P_IN) },
	  2 + 1, XDP_TX },
	{ "icmpv6 dst (pseudo header) and type",
	  V6(58, .sport = 128, .dport = 0), V6(58, .dst = "2001:db8::99", .sport = 129, .dport = 0),
	  { IP6(XS_ACT_SET_IPV6_DST, V6_99), B16(XS_ACT_SET_TP_SRC, 129, 0), OUT(P_IN) },
	  3, XDP_TX },
	{ "ipv6 label, traffic class, dec hop limit",
	  V6(6, .label = 0xfffff, .tos = 0x11), V6(6, .label = 0xf2345, .tos = 0xa1, .ttl = 63),
	  { { .type = XS_ACT_SET_IPV6_LABEL, .u.be32 = { BE32(0x12345), BE32(0x0ffff) } },
	    U8(XS_ACT_SET_NW_TOS, 0xa0, 0xf0), ACT(XS_ACT_DEC_TTL), OUT(P_IN) }, 4, XDP_TX },
	{ "ipv6 sctp dst port",
	  V6(132), V6(132, .dport = 2905), { B16(XS_ACT_SET_TP_DST, 2905, 0), OUT(P_IN) }, 2, XDP_TX },
	{ "push vlan",
	  V4(6), V4(6, .tpid = 0x8100, .tci = 0x600a),
	  { B16(XS_ACT_PUSH_VLAN, 0x8100, 0x700a), OUT(P_IN) }, 2, XDP_TX },
	{ "push 802.1ad tag, then ipv4 src behind it",
	  V4(17), V4(17, .tpid = 0x88a8, .tci = 0x0064, .src = "10.5.5.5"),
	  { B16(XS_ACT_PUSH_VLAN, 0x88a8, 0x1064), IP4(XS_ACT_SET_IPV4_SRC, 10, 5, 5, 5), OUT(P_IN) },
	  3, XDP_TX },
	{ "pop vlan, then ipv4 dst",
	  V4(6, .tpid = 0x8100, .tci = 0x0005), V4(6, .dst = "10.0.0.77"),
	  { ACT(XS_ACT_POP_VLAN), IP4(XS_ACT_SET_IPV4_DST, 10, 0, 0, 77), OUT(P_IN) }, 3, XDP_TX },
	{ "set vlan vid, pcp kept",
	  V4(6, .tpid = 0x8100, .tci = 0xa005), V4(6, .tpid = 0x8100, .tci = 0xa123),
	  { B16(XS_ACT_SET_VLAN_TCI, 0x1123, 0x1fff), OUT(P_IN) }, 2, XDP_TX },
	{ "arp op, addresses",
	  ARP(), ARP(.arp_op = 2, .src = "10.0.0.254", .dst = "10.0.0.1", .sha = MAC_C, .tha = MAC_A),
	  { ARPF(XS_ARP_FIELD_OP, 0, 2), ARPF(XS_ARP_FIELD_SPA, 10, 0, 0, 254),
	    ARPF(XS_ARP_FIELD_TPA, 10, 0, 0, 1), ARPF(XS_ARP_FIELD_SHA, 2, 0, 0, 0, 0, 0x0c),
	    ARPF(XS_ARP_FIELD_THA, 0, 0, 0, 0, 0, 0x0a), OUT(P_IN) }, 6, XDP_TX },
};

const size_t xs_exec_n_cases = sizeof(xs_exec_cases) / sizeof(xs_exec_cases[0]);

const struct xs_exec_multi_case xs_exec_multi_cases[] = {
	{ "clone then redirect, each with its own rewrites (ipv4 tcp)",
	  V4(6), { V4(6, .dl_dst = MAC_D), V4(6, .dl_dst = MAC_D, .src = "10.7.7.7", .sport = 7) },
	  2, { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), OUT(P_OUT),
	       IP4(XS_ACT_SET_IPV4_SRC, 10, 7, 7, 7), B16(XS_ACT_SET_TP_SRC, 7, 0),
	       OUT(P_OUT) }, 5 },
	{ "ipv4 udp dst + port, ttl",
	  V4(17), { V4(17, .dst = "10.2.2.2", .dport = 4789, .ttl = 63) }, 1,
	  { IP4(XS_ACT_SET_IPV4_DST, 10, 2, 2, 2), B16(XS_ACT_SET_TP_DST, 4789, 0),
	    ACT(XS_ACT_DEC_TTL), OUT(P_OUT) }, 4 },
	{ "ipv4 udp without checksum keeps 0",
	  V4(17, .udp_zero = true), { V4(17, .udp_zero = true, .src = "10.1.1.1") }, 1,
	  { IP4(XS_ACT_SET_IPV4_SRC, 10, 1, 1, 1), OUT(P_OUT) }, 2 },
	{ "ipv6 tcp dst + port (pseudo header)",
	  V6(6), { V6(6, .dst = "2001:db8::aa", .dport = 443) }, 1,
	  { IP6(XS_ACT_SET_IPV6_DST, V6_AA), B16(XS_ACT_SET_TP_DST, 443, 0), OUT(P_OUT) }, 3 },
	{ "icmpv6 src and type",
	  V6(58, .sport = 128, .dport = 0), { V6(58, .src = "2001:db8::99", .sport = 129, .dport = 0) },
	  1, { IP6(XS_ACT_SET_IPV6_SRC, V6_99), B16(XS_ACT_SET_TP_SRC, 129, 0), OUT(P_OUT) }, 3 },
	{ "sctp port (crc32c)",
	  V4(132), { V4(132, .dport = 9899) }, 1,
	  { B16(XS_ACT_SET_TP_DST, 9899, 0), OUT(P_OUT) }, 2 },
	{ "push vlan, then ipv4 src",
	  V4(6), { V4(6, .tpid = 0x8100, .tci = 0x2064, .src = "10.4.4.4") }, 1,
	  { B16(XS_ACT_PUSH_VLAN, 0x8100, 0x3064), IP4(XS_ACT_SET_IPV4_SRC, 10, 4, 4, 4),
	    OUT(P_OUT) }, 3 },
	{ "pop vlan, then ipv4 dst",
	  V4(6, .tpid = 0x8100, .tci = 0x0005), { V4(6, .dst = "10.0.0.77") }, 1,
	  { ACT(XS_ACT_POP_VLAN), IP4(XS_ACT_SET_IPV4_DST, 10, 0, 0, 77), OUT(P_OUT) }, 3 },
	{ "set vlan vid on a tag the stack took aside",
	  V4(17, .tpid = 0x8100, .tci = 0xa005), { V4(17, .tpid = 0x8100, .tci = 0xa123, .ttl = 9) }, 1,
	  { B16(XS_ACT_SET_VLAN_TCI, 0x1123, 0x1fff), U8(XS_ACT_SET_NW_TTL, 9, 0), OUT(P_OUT) },
	  3 },
	{ "arp op",
	  ARP(), { ARP(.arp_op = 2) }, 1, { ARPF(XS_ARP_FIELD_OP, 0, 2), OUT(P_OUT) }, 2 },
};

const size_t xs_exec_n_multi_cases =
	sizeof(xs_exec_multi_cases) / sizeof(xs_exec_multi_cases[0]);
