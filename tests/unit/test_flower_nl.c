// SPDX-License-Identifier: Apache-2.0
/* The agent's flower requests (agent/offload/flower_nl.c) for a table of
 * megaflows, each with the `tc filter` command line that asks for the
 * same filter. Here: each request is built from its translated megaflow
 * and read back with libmnl (kind, options, action count, flags).
 * With XS_FLOWER_EMIT=DIR (tests/e2e/test_offload_encoding.sh) each case
 * also writes DIR/NAME.bin (the request) and DIR/NAME.tc (tc's arguments,
 * DEV and OUT standing for the devices of ifindex $XS_FLOWER_DEV and
 * $XS_FLOWER_OUT), so an independent decoder can compare the request
 * attribute by attribute with the one tc sends. */
#include "tests/lib/xs_test.h"
#include "agent/offload/flower.h"
#include "agent/offload/flower_nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>

static uint32_t dev = 7, out_dev = 8;

struct mf {
	struct xs_flow_key k, m;
	struct xs_action a[XS_MAX_ACTIONS];
	uint16_t n;
};

struct enc_case {
	const char *name;
	void (*fill)(struct mf *f);
	uint32_t cls_flags;
	bool replace;
	const char *tc; /* after "tc filter add|replace dev DEV ingress prio P handle H" */
};

static void out(struct mf *f, uint32_t port)
{
	f->a[f->n].type = XS_ACT_OUTPUT;
	f->a[f->n++].arg = port;
}

static void ip4(struct mf *f, uint8_t proto)
{
	f->k.dl_type = htons(ETH_P_IP);
	f->m.dl_type = 0xffff;
	if (proto) {
		f->k.nw_proto = proto;
		f->m.nw_proto = 0xff;
	}
}

static void mac(uint8_t *m, const char *s)
{
	unsigned b[6];

	sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)b[i];
}

static void c_tcp(struct mf *f)
{
	ip4(f, IPPROTO_TCP);
	mac(f->k.dl_dst, "02:00:00:00:00:02");
	memset(f->m.dl_dst, 0xff, 6);
	f->k.nw_src = inet_addr("10.0.0.0");
	f->m.nw_src = inet_addr("255.0.0.0");
	f->k.tp_dst = htons(80);
	f->m.tp_dst = 0xffff;
	f->k.tcp_flags = htons(0x002);
	f->m.tcp_flags = htons(0x012);
	f->k.nw_frag = XS_FRAG_ANY;
	f->m.nw_frag = XS_FRAG_MASK;
	out(f, out_dev);
}

static void c_vlan_pop_rewrite(struct mf *f)
{
	ip4(f, 0);
	f->k.vlan[0].tpid = htons(0x8100);
	f->k.vlan[0].tci = htons(XS_VLAN_PRESENT | (3 << 13) | 10);
	f->m.vlan[0].tci = 0xffff;
	f->k.nw_ttl = 64;
	f->m.nw_ttl = 0xff;
	f->a[0].type = XS_ACT_POP_VLAN;
	f->a[1].type = XS_ACT_SET_ETH_SRC;
	mac(f->a[1].u.mac, "02:00:00:00:00:09");
	f->a[2].type = XS_ACT_DEC_TTL;
	f->n = 3;
	out(f, out_dev);
}

static void c_arp_mirror(struct mf *f)
{
	f->k.dl_type = htons(ETH_P_ARP);
	f->m.dl_type = 0xffff;
	f->k.nw_proto = 1;
	f->m.nw_proto = 0xff;
	f->k.nw_src = inet_addr("10.0.0.1");
	f->m.nw_src = 0xffffffff;
	f->k.nw_dst = inet_addr("10.0.0.0");
	f->m.nw_dst = inet_addr("255.255.255.0");
	mac(f->k.arp_sha, "02:00:00:00:00:01");
	memset(f->m.arp_sha, 0xff, 6);
	out(f, out_dev);
	out(f, dev);
}

static void c_ipv6_drop(struct mf *f)
{
	f->k.dl_type = htons(ETH_P_IPV6);
	f->m.dl_type = 0xffff;
	inet_pton(AF_INET6, "2001:db8::", f->k.ipv6_src);
	memset(f->m.ipv6_src, 0xff, 4);
	inet_pton(AF_INET6, "2001:db8::5", f->k.ipv6_dst);
	memset(f->m.ipv6_dst, 0xff, 16);
	f->k.nw_proto = IPPROTO_UDP;
	f->m.nw_proto = 0xff;
	f->k.tp_src = htons(5353);
	f->m.tp_src = 0xffff;
}

static void c_icmp_push(struct mf *f)
{
	ip4(f, IPPROTO_ICMP);
	f->k.tp_src = htons(8);
	f->m.tp_src = 0xffff;
	f->k.tp_dst = htons(0);
	f->m.tp_dst = 0xffff;
	f->k.nw_tos = 0x28;
	f->m.nw_tos = 0xfc;
	f->k.nw_ttl = 64;
	f->m.nw_ttl = 0xff;
	f->a[0].type = XS_ACT_PUSH_VLAN;
	f->a[0].u.be16[0] = htons(0x8100);
	f->a[0].u.be16[1] = htons(XS_VLAN_PRESENT | (3 << 13) | 100);
	f->n = 1;
	out(f, out_dev);
}

static void c_qinq(struct mf *f)
{
	ip4(f, 0);
	f->k.vlan[0].tpid = htons(0x88a8);
	f->k.vlan[0].tci = htons(XS_VLAN_PRESENT | 10);
	f->m.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	f->k.vlan[1].tpid = htons(0x8100);
	f->k.vlan[1].tci = htons(XS_VLAN_PRESENT | (3 << 13) | 20);
	f->m.vlan[1].tci = 0xffff;
}

static void c_nat(struct mf *f)
{
	ip4(f, IPPROTO_TCP);
	f->k.nw_dst = inet_addr("10.0.0.9");
	f->m.nw_dst = 0xffffffff;
	f->a[0].type = XS_ACT_SET_IPV4_DST;
	f->a[0].u.be32[0] = inet_addr("10.0.0.3");
	f->a[1].type = XS_ACT_SET_TP_DST;
	f->a[1].u.be16[0] = htons(8080);
	f->n = 2;
	out(f, out_dev);
}

static void c_ipv6_rewrite(struct mf *f)
{
	f->k.dl_type = htons(ETH_P_IPV6);
	f->m.dl_type = 0xffff;
	f->k.nw_proto = IPPROTO_UDP;
	f->m.nw_proto = 0xff;
	f->a[0].type = XS_ACT_SET_IPV6_SRC;
	inet_pton(AF_INET6, "2001:db8::9", f->a[0].u.bytes);
	f->n = 1;
	out(f, out_dev);
}

static void c_vlan_modify(struct mf *f)
{
	f->k.vlan[0].tci = htons(XS_VLAN_PRESENT | 5);
	f->m.vlan[0].tci = htons(XS_VLAN_PRESENT | XS_VLAN_VID_MASK);
	f->a[0].type = XS_ACT_SET_VLAN_TCI;
	f->a[0].u.be16[0] = htons((6 << 13) | 10);
	f->a[0].u.be16[1] = htons(XS_VLAN_PCP_MASK | XS_VLAN_VID_MASK);
	f->n = 1;
	out(f, out_dev);
}

static void c_eth_only(struct mf *f)
{
	mac(f->k.dl_src, "02:00:00:00:00:00");
	mac(f->m.dl_src, "ff:ff:ff:00:00:00");
}

static void c_sctp_tos_set(struct mf *f)
{
	ip4(f, IPPROTO_SCTP);
	f->k.tp_dst = htons(9);
	f->m.tp_dst = 0xffff;
	f->m.nw_frag = 0xff; /* frag=no */
	f->a[0].type = XS_ACT_SET_NW_TOS;
	f->a[0].u.bytes[0] = 0xb8;
	f->a[0].u.bytes[1] = 0xff;
	f->a[1].type = XS_ACT_SET_ETH_DST;
	mac(f->a[1].u.mac, "02:00:00:00:00:03");
	f->n = 2;
	out(f, out_dev);
}

static const struct enc_case cases[] = {
	{ "tcp_redirect", c_tcp, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol ip flower skip_sw dst_mac 02:00:00:00:00:02 src_ip 10.0.0.0/8 "
	  "ip_proto tcp dst_port 80 tcp_flags 0x2/0x12 ip_flags frag/firstfrag "
	  "action mirred egress redirect dev OUT" },
	{ "vlan_pop_rewrite", c_vlan_pop_rewrite, TCA_CLS_FLAGS_SKIP_SW, true,
	  "protocol 802.1Q flower skip_sw vlan_id 10 vlan_prio 3 vlan_ethtype ip ip_ttl 64 "
	  "action vlan pop pipe "
	  "action pedit ex munge eth src set 02:00:00:00:00:09 munge ip ttl add 255 pipe "
	  "action csum iph pipe action mirred egress redirect dev OUT" },
	{ "arp_mirror", c_arp_mirror, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol arp flower skip_sw arp_op request arp_sip 10.0.0.1 arp_tip 10.0.0.0/24 "
	  "arp_sha 02:00:00:00:00:01 action mirred egress mirror dev OUT pipe "
	  "action mirred egress redirect dev DEV" },
	{ "ipv6_drop_skip_hw", c_ipv6_drop, TCA_CLS_FLAGS_SKIP_HW, false,
	  "protocol ipv6 flower skip_hw src_ip 2001:db8::/32 dst_ip 2001:db8::5 "
	  "ip_proto udp src_port 5353 action drop" },
	{ "icmp_push", c_icmp_push, 0, false,
	  "protocol ip flower ip_proto icmp type 8 code 0 ip_tos 0x28/0xfc ip_ttl 64 "
	  "action vlan push id 100 priority 3 protocol 802.1Q pipe "
	  "action mirred egress redirect dev OUT" },
	{ "qinq_drop", c_qinq, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol 802.1ad flower skip_sw vlan_id 10 vlan_ethtype 802.1Q cvlan_id 20 "
	  "cvlan_prio 3 cvlan_ethtype ip action drop" },
	{ "nat_csum", c_nat, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol ip flower skip_sw ip_proto tcp dst_ip 10.0.0.9 "
	  "action pedit ex munge ip dst set 10.0.0.3 munge tcp dport set 8080 pipe "
	  "action csum iph and tcp pipe action mirred egress redirect dev OUT" },
	{ "ipv6_rewrite", c_ipv6_rewrite, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol ipv6 flower skip_sw ip_proto udp "
	  "action pedit ex munge ip6 src set 2001:db8::9 pipe action csum udp pipe "
	  "action mirred egress redirect dev OUT" },
	{ "vlan_modify", c_vlan_modify, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol 802.1Q flower skip_sw vlan_id 5 "
	  "action vlan modify id 10 priority 6 pipe action mirred egress redirect dev OUT" },
	{ "eth_only_drop", c_eth_only, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol all flower skip_sw src_mac 02:00:00:00:00:00/ff:ff:ff:00:00:00 "
	  "action drop" },
	{ "sctp_tos_set", c_sctp_tos_set, TCA_CLS_FLAGS_SKIP_SW, false,
	  "protocol ip flower skip_sw ip_proto sctp dst_port 9 ip_flags nofrag/nofirstfrag "
	  "action pedit ex munge ip tos set 0xb8 munge eth dst set 02:00:00:00:00:03 pipe "
	  "action csum iph pipe action mirred egress redirect dev OUT" },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static char buf[XS_FL_NL_BUF];

/* Builds case @c's request at prio 0x7000 + @i, handle @i + 1. */
static struct nlmsghdr *build(const struct enc_case *c, size_t i, struct xs_flower *fl)
{
	static const uint32_t none[1];
	struct xs_fl_ports ports = { none, 0 };
	struct xs_fl_where w;
	const char *why = NULL;
	struct mf f;

	memset(&f, 0, sizeof(f));
	f.k.in_port = dev;
	f.m.in_port = 0xffffffff;
	c->fill(&f);
	if (xs_flower_from_megaflow(&f.k, &f.m, f.a, f.n, &ports, fl, &why))
		fail_msg("%s refused: %s", c->name, why);
	w.ifindex = dev;
	w.prio = (uint16_t)(0x7000 + i);
	w.protocol = fl->protocol;
	w.handle = (uint32_t)i + 1;
	return xs_flower_nl_new(buf, fl, &w, c->cls_flags, c->replace, 1);
}

struct seen {
	const char *kind;
	uint32_t flags;
	int n_acts;
	bool has_flags;
};

static int act_cb(const struct nlattr *a, void *data)
{
	(void)a;
	((struct seen *)data)->n_acts++;
	return MNL_CB_OK;
}

static int opt_cb(const struct nlattr *a, void *data)
{
	struct seen *s = data;

	if (mnl_attr_get_type(a) == TCA_FLOWER_FLAGS) {
		s->flags = mnl_attr_get_u32(a);
		s->has_flags = true;
	}
	if (mnl_attr_get_type(a) == TCA_FLOWER_ACT)
		mnl_attr_parse_nested(a, act_cb, s);
	return MNL_CB_OK;
}

static int top_cb(const struct nlattr *a, void *data)
{
	struct seen *s = data;

	if (mnl_attr_get_type(a) == TCA_KIND)
		s->kind = mnl_attr_get_str(a);
	if (mnl_attr_get_type(a) == TCA_OPTIONS)
		mnl_attr_parse_nested(a, opt_cb, s);
	return MNL_CB_OK;
}

static void emit(const char *dir, const struct enc_case *c, size_t i,
		 const struct nlmsghdr *nlh)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, c->name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(nlh, 1, nlh->nlmsg_len, f), nlh->nlmsg_len);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.tc", dir, c->name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s dev DEV ingress prio %zu handle %zu %s\n", c->replace ? "replace" : "add",
		0x7000 + i, i + 1, c->tc);
	fclose(f);
}

static void test_requests(void **state)
{
	const char *dir = getenv("XS_FLOWER_EMIT");

	(void)state;
	if (getenv("XS_FLOWER_DEV"))
		dev = (uint32_t)atoi(getenv("XS_FLOWER_DEV"));
	if (getenv("XS_FLOWER_OUT"))
		out_dev = (uint32_t)atoi(getenv("XS_FLOWER_OUT"));
	for (size_t i = 0; i < N_CASES; i++) {
		struct xs_flower fl;
		struct nlmsghdr *nlh = build(&cases[i], i, &fl);
		const struct tcmsg *t;
		struct seen s = { 0 };

		assert_non_null(nlh);
		assert_int_equal(nlh->nlmsg_type, RTM_NEWTFILTER);
		assert_int_equal(!!(nlh->nlmsg_flags & NLM_F_EXCL), !cases[i].replace);
		t = mnl_nlmsg_get_payload(nlh);
		assert_int_equal(t->tcm_ifindex, (int)dev);
		assert_int_equal(t->tcm_handle, i + 1);
		assert_int_equal(t->tcm_parent, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
		assert_int_equal(t->tcm_info >> 16, 0x7000 + i);
		assert_int_equal(t->tcm_info & 0xffff, fl.protocol);
		assert_true(mnl_attr_parse(nlh, sizeof(*t), top_cb, &s) >= 0);
		assert_string_equal(s.kind, "flower");
		assert_true(s.has_flags);
		assert_int_equal(s.flags, cases[i].cls_flags);
		assert_int_equal(s.n_acts, fl.n_acts);
		if (dir)
			emit(dir, &cases[i], i, nlh);
	}
}

static void test_delete_and_dump(void **state)
{
	struct xs_fl_where w = { .ifindex = 7, .prio = 0x7003, .protocol = htons(ETH_P_IP),
				 .handle = 12 };
	struct nlmsghdr *nlh = xs_flower_nl_del(buf, &w, 5);
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);

	(void)state;
	assert_int_equal(nlh->nlmsg_type, RTM_DELTFILTER);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(t->tcm_handle, 12);
	assert_int_equal(t->tcm_info, TC_H_MAKE(0x7003u << 16, htons(ETH_P_IP)));
	nlh = xs_flower_nl_dump(buf, 7, 6);
	t = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_GETTFILTER);
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(t->tcm_parent, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_delete_and_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
