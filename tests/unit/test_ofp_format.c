// SPDX-License-Identifier: Apache-2.0
/* Unit tests for the ovs-ofctl style formatter: exact strings, and the
 * parse -> format -> parse fixed point over listed and random flows. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent/ofp/flow.h"

static void parse_ok(const char *text, enum ofp_parse_mode mode, struct ofp_flow *f)
{
	struct xs_err e;

	if (ofp_parse_flow(text, mode, f, &e))
		fail_msg("'%s' failed at col %d: %s", text, e.col, e.msg);
}

/* add-flow text in, ofp_format_flow() text expected out. */
static const struct {
	const char *in, *out;
} flows[] = {
	{ "in_port=1,actions=output:2", "table=0, in_port=1 actions=output:2" },
	{ "priority=32768,actions=drop", "table=0, actions=drop" },
	{ "priority=0 actions=", "table=0, priority=0 actions=drop" },
	{ "table=2, priority=100, tcp, nw_src=10.0.0.0/8, tp_dst=80, "
	  "actions=mod_nw_dst:10.0.0.9,output:2",
	  "table=2, priority=100,tcp,nw_src=10.0.0.0/8,tp_dst=80 "
	  "actions=mod_nw_dst:10.0.0.9,output:2" },
	{ "dl_type=0x0800,nw_proto=6,in_port=3 actions=drop",
	  "table=0, tcp,in_port=3 actions=drop" },
	{ "dl_type=0x86dd,nw_proto=17 actions=drop", "table=0, udp6 actions=drop" },
	{ "ip,nw_proto=47 actions=drop", "table=0, ip,nw_proto=47 actions=drop" },
	{ "ip,nw_dst=10.1.0.0/255.255.0.255 actions=drop",
	  "table=0, ip,nw_dst=10.1.0.0/255.255.0.255 actions=drop" },
	{ "ip,nw_src=1.2.3.4/32 actions=drop", "table=0, ip,nw_src=1.2.3.4 actions=drop" },
	{ "tcp,tcp_flags=+syn-ack actions=drop",
	  "table=0, tcp,tcp_flags=+syn-ack actions=drop" },
	{ "tcp6,tcp_flags=0x002/0x012 actions=drop",
	  "table=0, tcp6,tcp_flags=+syn-ack actions=drop" },
	{ "tcp,tcp_flags=ack|syn actions=drop", "table=0, tcp,tcp_flags=syn|ack actions=drop" },
	{ "tcp,tcp_flags=0x800 actions=drop", "table=0, tcp,tcp_flags=0x800 actions=drop" },
	{ "udp,tp_src=0x100/0xff00,tp_dst=53 actions=drop",
	  "table=0, udp,tp_src=0x100/0xff00,tp_dst=53 actions=drop" },
	{ "arp,arp_op=1,nw_dst=10.0.0.1,arp_sha=02:00:00:00:00:01 actions=flood",
	  "table=0, arp,arp_tpa=10.0.0.1,arp_op=1,arp_sha=02:00:00:00:00:01 actions=FLOOD" },
	{ "icmp,icmp_type=8,icmp_code=0 actions=all",
	  "table=0, icmp,icmp_type=8,icmp_code=0 actions=ALL" },
	{ "icmp6,icmpv6_type=136,icmpv6_code=0,nd_target=FE80::1 actions=in_port",
	  "table=0, icmp6,icmp_type=136,icmp_code=0,nd_target=fe80::1 actions=IN_PORT" },
	{ "ipv6,ipv6_src=2001:db8::/32,ipv6_dst=::1,ipv6_label=0x5 actions=in_port",
	  "table=0, ipv6,ipv6_src=2001:db8::/32,ipv6_dst=::1,ipv6_label=0x00005 "
	  "actions=IN_PORT" },
	{ "ipv6,ipv6_label=0x10/0xf0 actions=drop",
	  "table=0, ipv6,ipv6_label=0x00010/0x000f0 actions=drop" },
	{ "ip,ip_dscp=10,ip_ecn=3,nw_ttl=5,ip_frag=first actions=drop",
	  "table=0, ip,nw_tos=40,nw_ecn=3,nw_ttl=5,nw_frag=first actions=drop" },
	{ "ip,ip_frag=no actions=drop", "table=0, ip,nw_frag=no actions=drop" },
	{ "ip,ip_frag=yes actions=drop", "table=0, ip,nw_frag=yes actions=drop" },
	{ "ip,ip_frag=later actions=drop", "table=0, ip,nw_frag=later actions=drop" },
	{ "ip,ip_frag=not_later actions=drop", "table=0, ip,nw_frag=not_later actions=drop" },
	{ "dl_vlan=5,dl_vlan_pcp=3 actions=strip_vlan,output:1",
	  "table=0, dl_vlan=5,dl_vlan_pcp=3 actions=strip_vlan,output:1" },
	{ "vlan_tci=0x1005/0x1fff actions=pop_vlan", "table=0, dl_vlan=5 actions=strip_vlan" },
	{ "vlan_tci=0x1000/0x1000 actions=drop",
	  "table=0, vlan_tci=0x1000/0x1000 actions=drop" },
	{ "dl_vlan=0xffff actions=drop", "table=0, vlan_tci=0x0000 actions=drop" },
	{ "dl_src=00:11:22:33:44:55/ff:ff:ff:00:00:00,dl_dst=AA:BB:CC:DD:EE:FF,"
	  "dl_type=0x1234 actions=2,3",
	  "table=0, dl_src=00:11:22:00:00:00/ff:ff:ff:00:00:00,dl_dst=aa:bb:cc:dd:ee:ff,"
	  "dl_type=0x1234 actions=output:2,output:3" },
	{ "in_port=2,reg0=0,reg3=0x5/0xff,metadata=0x10 actions=drop",
	  "table=0, reg0=0,reg3=0x5/0xff,metadata=0x10,in_port=2 actions=drop" },
	{ "in_port=7 actions=controller",
	  "table=0, in_port=7 actions=CONTROLLER:65535" },
	{ "actions=controller:100,controller(reason=no_match),controller(max_len=1,id=2)",
	  "table=0, actions=CONTROLLER:100,controller(reason=no_match),"
	  "controller(max_len=1,id=2)" },
	{ "cookie=0x10,idle_timeout=5,hard_timeout=10,table=4 actions=goto_table:5",
	  "cookie=0x10, table=4, idle_timeout=5, hard_timeout=10, actions=goto_table:5" },
	{ "actions=load:1->NXM_NX_REG0[],load:0->reg1[0..7],load:1->reg2[3]",
	  "table=0, actions=load:0x1->NXM_NX_REG0[],load:0->NXM_NX_REG1[0..7],"
	  "load:0x1->NXM_NX_REG2[3]" },
	{ "ip actions=move:NXM_OF_IP_SRC[]->NXM_NX_REG1[],move:reg1[0..15]->metadata[8..23]",
	  "table=0, ip actions=move:NXM_OF_IP_SRC[]->NXM_NX_REG1[],"
	  "move:NXM_NX_REG1[0..15]->OXM_OF_METADATA[8..23]" },
	{ "tcp actions=set_field:10.0.0.1->nw_dst,set_field:8080->tcp_dst,"
	  "set_field:0x5/0xff->reg3,set_field:NONE->in_port",
	  "table=0, tcp actions=set_field:10.0.0.1->nw_dst,set_field:8080->tcp_dst,"
	  "set_field:0x5/0xff->reg3,set_field:NONE->in_port" },
	{ "tcp actions=mod_dl_src:00:00:00:00:00:01,mod_dl_dst:00:00:00:00:00:02,"
	  "mod_nw_src:1.1.1.1,mod_nw_tos:8,mod_nw_ecn:2,mod_nw_ttl:3,mod_tp_src:1,mod_tp_dst:2",
	  "table=0, tcp actions=mod_dl_src:00:00:00:00:00:01,mod_dl_dst:00:00:00:00:00:02,"
	  "mod_nw_src:1.1.1.1,mod_nw_tos:8,mod_nw_ecn:2,mod_nw_ttl:3,mod_tp_src:1,"
	  "mod_tp_dst:2" },
	{ "actions=dec_ttl,mod_vlan_vid:10,mod_vlan_pcp:2,push_vlan:0x8100",
	  "table=0, actions=dec_ttl,mod_vlan_vid:10,mod_vlan_pcp:2,push_vlan:0x8100" },
	{ "table=1 actions=resubmit(,2),resubmit(3,4),resubmit:5,resubmit(in_port,0),"
	  "resubmit(6),write_metadata:0x10/0xff,goto_table:7",
	  "table=1, actions=resubmit(,2),resubmit(3,4),resubmit:5,resubmit(,0),"
	  "resubmit:6,write_metadata:0x10/0xff,goto_table:7" },
	{ "actions=write_metadata:0", "table=0, actions=write_metadata:0" },
};

static void test_exact_strings(void **state)
{
	char buf[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		struct ofp_flow f;
		int n;

		parse_ok(flows[i].in, OFP_PARSE_ADD, &f);
		n = ofp_format_flow(&f, buf, sizeof(buf));
		if (strcmp(buf, flows[i].out))
			fail_msg("'%s'\n  printed '%s'\n expected '%s'", flows[i].in, buf,
				 flows[i].out);
		assert_int_equal(n, strlen(flows[i].out));
		ofp_flow_free(&f);
	}
}

/* Checks parse(format(parse(text))) == parse(text) and that formatting
 * that again gives the same string. */
static void check_fixed_point(const char *text, enum ofp_parse_mode mode)
{
	char s1[4096], s2[4096];
	struct ofp_flow a, b;
	struct xs_err e;

	parse_ok(text, mode, &a);
	if (mode == OFP_PARSE_DELETE)
		ofp_format_flow_match(&a, s1, sizeof(s1));
	else
		ofp_format_flow(&a, s1, sizeof(s1));
	if (ofp_parse_flow(s1, mode, &b, &e))
		fail_msg("'%s'\n  formats as '%s',\n  which fails at col %d: %s", text, s1,
			 e.col, e.msg);
	if (mode == OFP_PARSE_DELETE) {
		ofp_format_flow_match(&b, s2, sizeof(s2));
		b.table_id = a.table_id; /* the match part leaves the table out */
		b.cookie = a.cookie;
		b.cookie_mask = a.cookie_mask;
		b.out_port = a.out_port;
	} else {
		ofp_format_flow(&b, s2, sizeof(s2));
	}
	if (strcmp(s1, s2))
		fail_msg("'%s'\n  formats as '%s'\n  then as   '%s'", text, s1, s2);
	if (memcmp(&a.match, &b.match, sizeof(a.match)) || a.table_id != b.table_id ||
	    a.priority != b.priority || a.cookie != b.cookie ||
	    a.cookie_mask != b.cookie_mask || a.set_cookie != b.set_cookie ||
	    a.new_cookie != b.new_cookie || a.idle_timeout != b.idle_timeout ||
	    a.out_port != b.out_port ||
	    a.hard_timeout != b.hard_timeout || a.n_actions != b.n_actions ||
	    (a.n_actions && memcmp(a.actions, b.actions, a.n_actions * sizeof(*a.actions))))
		fail_msg("'%s'\n  formats as '%s'\n  which parses differently", text, s1);
	ofp_flow_free(&a);
	ofp_flow_free(&b);
}

static void test_fixed_point_list(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		check_fixed_point(flows[i].in, OFP_PARSE_ADD);
		check_fixed_point(flows[i].out, OFP_PARSE_ADD);
	}
	check_fixed_point("priority=7,tcp,tp_dst=22", OFP_PARSE_DELETE);
	check_fixed_point("cookie=0x1/0xff", OFP_PARSE_DELETE);
	check_fixed_point("out_port=flood,ip", OFP_PARSE_DELETE);
	/* mod-flows: a cookie to set (even 0) beside one that selects */
	check_fixed_point("cookie=0x1/0xff,cookie=0x2,ip actions=drop", OFP_PARSE_MODIFY);
	check_fixed_point("cookie=0 actions=drop", OFP_PARSE_MODIFY);
	check_fixed_point("", OFP_PARSE_DELETE);
}

/* --- random flows from the field table ---------------------------------- */

struct gen {
	char *p;
	size_t left;
	unsigned seed;
};

static unsigned rnd(struct gen *g, unsigned n)
{
	g->seed = g->seed * 1103515245u + 12345u;
	return (g->seed >> 8) % n;
}

static void put(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void put(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->p, g->left, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < g->left) {
		g->p += n;
		g->left -= n;
	}
}

static uint64_t rnd_bits(struct gen *g, unsigned bits)
{
	uint64_t v = (uint64_t)rnd(g, 1u << 16) << 48 | (uint64_t)rnd(g, 1u << 16) << 32 |
		     (uint64_t)rnd(g, 1u << 16) << 16 | rnd(g, 1u << 16);

	/* Small values and all-ones often, they are the usual cases. */
	switch (rnd(g, 4)) {
	case 0:
		v &= 0xff;
		break;
	case 1:
		v = UINT64_MAX;
		break;
	}
	return bits >= 64 ? v : v & ((1ull << bits) - 1);
}

static void put_bytes_mac(struct gen *g)
{
	put(g, "%02x:%02x:%02x:%02x:%02x:%02x", rnd(g, 256), rnd(g, 256), rnd(g, 256),
	    rnd(g, 256), rnd(g, 256), rnd(g, 256));
}

static void put_ipv6(struct gen *g)
{
	put(g, "%x:%x::%x:%x", rnd(g, 65536), rnd(g, 65536), rnd(g, 65536), rnd(g, 65536));
}

/* One value (and maybe a mask) of field f in its text form. */
static void put_value(struct gen *g, const struct ofp_field *f, bool masks)
{
	bool mask = masks && f->maskable && rnd(g, 2);

	switch (f->format) {
	case OFPFMT_DEC:
	case OFPFMT_HEX: {
		uint64_t v = rnd_bits(g, f->n_bits);

		if (f->id == OFPF_NW_TOS)
			v &= 0xfc;
		put(g, f->format == OFPFMT_HEX || rnd(g, 2) ? "0x%llx" : "%llu",
		    (unsigned long long)v);
		if (mask)
			put(g, "/0x%llx", (unsigned long long)rnd_bits(g, f->n_bits));
		return;
	}
	case OFPFMT_ETH:
		put_bytes_mac(g);
		if (mask) {
			put(g, "/");
			put_bytes_mac(g);
		}
		return;
	case OFPFMT_IPV4:
		put(g, "%u.%u.%u.%u", rnd(g, 256), rnd(g, 256), rnd(g, 256), rnd(g, 256));
		if (mask && rnd(g, 2))
			put(g, "/%u", rnd(g, 33));
		else if (mask)
			put(g, "/%u.%u.%u.%u", rnd(g, 256), rnd(g, 256), rnd(g, 256),
			    rnd(g, 256));
		return;
	case OFPFMT_IPV6:
		put_ipv6(g);
		if (mask)
			put(g, "/%u", rnd(g, 129));
		return;
	case OFPFMT_FRAG: {
		static const char *const v[] = { "no", "yes", "first", "later", "not_later" };

		put(g, "%s", v[rnd(g, 5)]);
		return;
	}
	case OFPFMT_TCP_FLAGS: {
		static const char *const n[] = { "fin", "syn", "rst", "psh", "ack", "urg",
						 "ece", "cwr", "ns" };
		unsigned i, used = 0;

		if (rnd(g, 2)) {
			put(g, "0x%x/0x%x", rnd(g, 0x1000), rnd(g, 0x1000));
			return;
		}
		for (i = 0; i < 1 + rnd(g, 3); i++) {
			unsigned b = rnd(g, 9);

			if (used & 1u << b)
				continue;
			used |= 1u << b;
			put(g, "%c%s", rnd(g, 2) ? '+' : '-', n[b]);
		}
		return;
	}
	case OFPFMT_CT_STATE: {
		static const char *const n[] = { "new", "est", "rel", "rpl", "inv", "trk",
						 "snat", "dnat" };
		unsigned i, used = 0;

		for (i = 0; i < 1 + rnd(g, 3); i++) {
			unsigned b = rnd(g, 8);

			if (used & 1u << b)
				continue;
			used |= 1u << b;
			put(g, "%c%s", rnd(g, 2) ? '+' : '-', n[b]);
		}
		return;
	}
	case OFPFMT_PORT: {
		static const char *const n[] = { "in_port", "IN_PORT", "table", "normal",
						 "flood", "all", "controller", "none" };

		if (rnd(g, 4))
			put(g, "%u", rnd(g, OFPP_MAX));
		else
			put(g, "%s", n[rnd(g, 8)]);
		return;
	}
	}
}

/* The match contexts the generator picks from: shorthand and what holds. */
static const struct {
	const char *text;
	enum ofp_prereq holds[6];
} contexts[] = {
	{ "", { OFPR_NONE } },
	{ "ip,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV4 } },
	{ "ipv6,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV6 } },
	{ "tcp,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV4, OFPR_TCP_ANY, OFPR_L4_ANY } },
	{ "udp6,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV6, OFPR_L4_ANY } },
	{ "sctp,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV4, OFPR_L4_ANY } },
	{ "tcp6,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV6, OFPR_TCP_ANY, OFPR_L4_ANY } },
	{ "icmp,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV4, OFPR_ICMPV4 } },
	{ "icmp6,icmp_type=135,icmp_code=0,", { OFPR_NONE, OFPR_IP_ANY, OFPR_IPV6,
						OFPR_ICMPV6, OFPR_ND } },
	{ "arp,", { OFPR_NONE, OFPR_ARP } },
	{ "dl_vlan=9,", { OFPR_NONE, OFPR_VLAN } },
};

static bool holds(unsigned ctx, enum ofp_prereq p)
{
	unsigned i;

	if (p == OFPR_NONE)
		return true;
	for (i = 1; i < 6; i++)
		if (contexts[ctx].holds[i] == p)
			return true;
	return false;
}

/* Fields that share key bits with the context or each other are left out
 * (the parser refuses conflicting values, which is tested elsewhere). */
static bool skip_in_match(unsigned ctx, const struct ofp_field *f)
{
	/* Views of other fields' bits (xreg, vlan_vid, tcp_src, ...). */
	if (f->id >= OFPF_IN_PORT_OXM && f->id != OFPF_CONJ_ID)
		return true;
	switch (f->id) {
	case OFPF_DL_TYPE: case OFPF_NW_PROTO: case OFPF_VLAN_TCI: case OFPF_DL_VLAN:
	case OFPF_IP_DSCP: case OFPF_ICMP_TYPE: case OFPF_ICMP_CODE:
	case OFPF_ICMPV6_TYPE: case OFPF_ICMPV6_CODE: case OFPF_ARP_OP:
		return true;
	case OFPF_DL_VLAN_PCP:
		return ctx != sizeof(contexts) / sizeof(contexts[0]) - 1;
	default:
		return false;
	}
}

static void put_subfield(struct gen *g, const struct ofp_field *f, unsigned ofs,
			 unsigned n)
{
	const char *name = rnd(g, 2) && f->nxm_name ? f->nxm_name : f->name;

	if (ofs == 0 && n == f->n_bits && rnd(g, 2))
		put(g, "%s[]", name);
	else if (n == 1 && rnd(g, 2))
		put(g, "%s[%u]", name, ofs);
	else
		put(g, "%s[%u..%u]", name, ofs, ofs + n - 1);
}

static const struct ofp_field *rnd_field(struct gen *g, unsigned ctx, bool writable)
{
	for (;;) {
		const struct ofp_field *f = ofp_field_by_id(rnd(g, OFPF__MAX));

		/* In actions tp_src/tp_dst mean tcp_src/tcp_dst; set_field of a
		 * VID needs a tag in the match. */
		if (f->id == OFPF_TP_SRC || f->id == OFPF_TP_DST ||
		    (writable && (f->id == OFPF_DL_VLAN || f->id == OFPF_VLAN_VID)))
			continue;
		if ((!writable || f->writable) && holds(ctx, f->prereq))
			return f;
	}
}

static void put_action(struct gen *g, unsigned ctx, bool *vlan)
{
	const struct ofp_field *f, *s;
	unsigned n, ofs;

	switch (rnd(g, 14)) {
	case 0:
		put(g, "output:%u", rnd(g, OFPP_MAX));
		return;
	case 1: {
		static const char *const p[] = { "in_port", "ALL", "flood", "all",
						 "normal", "7", "NORMAL" };

		put(g, "%s", p[rnd(g, 7)]);
		return;
	}
	case 2: {
		static const char *const c[] = { "controller", "controller:7",
						 "controller(reason=invalid_ttl)",
						 "controller(max_len=9,reason=action,id=4)" };

		put(g, "%s", c[rnd(g, 4)]);
		return;
	}
	case 3:
		f = rnd_field(g, ctx, true);
		if (f->prereq == OFPR_VLAN && !*vlan)
			f = ofp_field_by_id(OFPF_REG0);
		put(g, "set_field:");
		put_value(g, f, true);
		put(g, "->%s", f->name);
		return;
	case 4:
		f = rnd_field(g, ctx, true);
		if (f->prereq == OFPR_VLAN && !*vlan)
			f = ofp_field_by_id(OFPF_METADATA);
		n = 1 + rnd(g, f->n_bits);
		ofs = rnd(g, f->n_bits - n + 1);
		put(g, "load:0x%llx->", (unsigned long long)rnd_bits(g, n > 64 ? 64 : n));
		put_subfield(g, f, ofs, n);
		return;
	case 5:
		f = rnd_field(g, ctx, true);
		if (f->prereq == OFPR_VLAN && !*vlan)
			f = ofp_field_by_id(OFPF_REG0 + 5);
		s = rnd_field(g, ctx, false);
		n = 1 + rnd(g, f->n_bits < s->n_bits ? f->n_bits : s->n_bits);
		put(g, "move:");
		put_subfield(g, s, rnd(g, s->n_bits - n + 1), n);
		put(g, "->");
		put_subfield(g, f, rnd(g, f->n_bits - n + 1), n);
		return;
	case 6:
		put(g, "dec_ttl");
		return;
	case 7:
		put(g, "mod_vlan_vid:%u", rnd(g, 4096));
		*vlan = true;
		return;
	case 8:
		put(g, "push_vlan:%s", rnd(g, 2) ? "0x8100" : "0x88a8");
		*vlan = true;
		return;
	case 9:
		put(g, "%s", rnd(g, 2) ? "pop_vlan" : "strip_vlan");
		*vlan = false;
		return;
	case 10:
		if (rnd(g, 2))
			put(g, "resubmit(%s,%u)", rnd(g, 2) ? "" : "5", rnd(g, 255));
		else
			put(g, "resubmit:%u", rnd(g, OFPP_MAX));
		return;
	case 11:
		put(g, "mod_vlan_pcp:%u", rnd(g, 8));
		*vlan = true;
		return;
	case 12:
		if (holds(ctx, OFPR_IPV4))
			put(g, "mod_nw_src:%u.%u.%u.%u", rnd(g, 256), rnd(g, 256), rnd(g, 256),
			    rnd(g, 256));
		else
			put(g, "mod_dl_dst:02:00:00:00:00:%02x", rnd(g, 256));
		return;
	default:
		if (holds(ctx, OFPR_L4_ANY))
			put(g, "mod_tp_dst:%u", rnd(g, 65536));
		else if (holds(ctx, OFPR_IP_ANY))
			put(g, "mod_nw_tos:%u", rnd(g, 64) * 4);
		else
			put(g, "mod_dl_src:00:00:00:00:00:%02x", rnd(g, 256));
		return;
	}
}

static void gen_flow(struct gen *g, char *buf, size_t size, enum ofp_parse_mode mode)
{
	unsigned ctx = rnd(g, sizeof(contexts) / sizeof(contexts[0]));
	unsigned table = rnd(g, OFP_N_TABLES), i, n;
	bool used[OFPF__MAX] = { false }; /* more than 64 fields */
	bool vlan = ctx == sizeof(contexts) / sizeof(contexts[0]) - 1;

	g->p = buf;
	g->left = size;
	if (mode != OFP_PARSE_PACKET) {
		if (rnd(g, 2))
			put(g, "table=%u,", table);
		else
			table = mode == OFP_PARSE_ADD ? 0 : 255;
		if (rnd(g, 2))
			put(g, "priority=%u,", rnd(g, 65536));
	}
	if (mode == OFP_PARSE_ADD && rnd(g, 3) == 0)
		put(g, "cookie=0x%x,idle_timeout=%u,hard_timeout=%u,", rnd(g, 1 << 20),
		    rnd(g, 65536), rnd(g, 65536));
	if (mode == OFP_PARSE_DELETE && rnd(g, 3) == 0)
		put(g, "cookie=0x%x/0x%x,out_port=%u,", rnd(g, 1 << 20), rnd(g, 1 << 20),
		    rnd(g, OFPP_MAX));
	if (mode == OFP_PARSE_MODIFY && rnd(g, 3) == 0)
		put(g, "cookie=0x%x/0x%x,", rnd(g, 1 << 20), rnd(g, 1 << 20));
	if (mode == OFP_PARSE_MODIFY && rnd(g, 3) == 0)
		put(g, "cookie=0x%x,", rnd(g, 1 << 20));
	put(g, "%s", contexts[ctx].text);
	n = rnd(g, 8);
	for (i = 0; i < n; i++) {
		const struct ofp_field *f = ofp_field_by_id(rnd(g, OFPF__MAX));

		if (used[f->id] || skip_in_match(ctx, f) || !holds(ctx, f->prereq))
			continue;
		if (ctx == 9 && (f->id == OFPF_NW_SRC || f->id == OFPF_NW_DST))
			continue;
		used[f->id] = true;
		put(g, "%s=", f->name);
		put_value(g, f, mode != OFP_PARSE_PACKET);
		put(g, ",");
	}
	if (mode == OFP_PARSE_DELETE || mode == OFP_PARSE_PACKET)
		return;
	put(g, "actions=");
	n = rnd(g, 6);
	for (i = 0; i < n; i++) {
		put_action(g, ctx, &vlan);
		put(g, ",");
	}
	if (rnd(g, 3) == 0)
		put(g, "write_metadata:0x%x/0x%x,", rnd(g, 1 << 16), rnd(g, 1 << 16));
	if (mode == OFP_PARSE_ADD && table < OFP_N_TABLES - 1 && rnd(g, 3) == 0)
		put(g, "goto_table:%u", table + 1 + rnd(g, OFP_N_TABLES - 1 - table));
}

static void test_fixed_point_random(void **state)
{
	static const enum ofp_parse_mode modes[] = { OFP_PARSE_ADD, OFP_PARSE_MODIFY,
						     OFP_PARSE_DELETE };
	struct gen g = { .seed = 12345 };
	char text[4096];
	unsigned i, parsed = 0;
	const char *env = getenv("XS_FUZZ_SEED");

	(void)state;
	if (env)
		g.seed = strtoul(env, NULL, 0);
	for (i = 0; i < 20000; i++) {
		enum ofp_parse_mode mode = modes[i % 3];
		struct ofp_flow f;
		struct xs_err e;

		gen_flow(&g, text, sizeof(text), mode);
		/* Random values can be invalid (e.g. a non-CIDR IPv6 prefix
		 * from a random move width): only the ones that parse count,
		 * and nearly all must. */
		if (ofp_parse_flow(text, mode, &f, &e)) {
			print_message("# skipped (col %d: %s): %s\n", e.col, e.msg, text);
			continue;
		}
		ofp_flow_free(&f);
		check_fixed_point(text, mode);
		parsed++;
	}
	assert_true(parsed > 19900);
}

static void test_truncation(void **state)
{
	struct ofp_flow f;
	char big[256], small[10];
	int n;

	(void)state;
	parse_ok("tcp,tp_dst=80 actions=output:1", OFP_PARSE_ADD, &f);
	n = ofp_format_flow(&f, big, sizeof(big));
	assert_string_equal(big, "table=0, tcp,tp_dst=80 actions=output:1");
	memset(small, 'x', sizeof(small));
	assert_int_equal(ofp_format_flow(&f, small, sizeof(small)), n);
	assert_string_equal(small, "table=0, ");
	assert_int_equal(ofp_format_flow(&f, NULL, 0), n);
	assert_int_equal(ofp_format_match(&f.match, big, sizeof(big)), 13);
	assert_string_equal(big, "tcp,tp_dst=80");
	assert_int_equal(ofp_format_actions(f.actions, f.n_actions, big, sizeof(big)), 8);
	assert_string_equal(big, "output:1");
	assert_int_equal(ofp_format_actions(NULL, 0, big, sizeof(big)), 4);
	assert_string_equal(big, "drop");
	ofp_flow_free(&f);
}

/* Masks the parser never makes (megaflows can) still print truthfully. */
static void test_partial_masks(void **state)
{
	struct ofp_match m;
	char buf[256];

	(void)state;
	memset(&m, 0, sizeof(m));
	m.value.dp.dl_type = htons(0x0800);
	m.mask.dp.dl_type = htons(0xff00);
	m.value.dp.nw_proto = 6;
	m.mask.dp.nw_proto = 0x0f;
	m.value.dp.nw_ttl = 0x40;
	m.mask.dp.nw_ttl = 0xc0;
	m.value.dp.in_port = 4;
	m.mask.dp.in_port = 0xff;
	ofp_format_match(&m, buf, sizeof(buf));
	assert_string_equal(buf, "in_port=4/0xff,dl_type=0x0800/0xff00,nw_proto=6/0xf,"
			    "nw_ttl=64/0xc0");
}

static void test_flow_match(void **state)
{
	struct ofp_flow f;
	char buf[256];

	(void)state;
	parse_ok("priority=5,udp actions=drop", OFP_PARSE_ADD, &f);
	ofp_format_flow_match(&f, buf, sizeof(buf));
	assert_string_equal(buf, "priority=5,udp");
	ofp_flow_free(&f);
	parse_ok("priority=5 actions=drop", OFP_PARSE_ADD, &f);
	ofp_format_flow_match(&f, buf, sizeof(buf));
	assert_string_equal(buf, "priority=5");
	ofp_flow_free(&f);
	parse_ok("actions=drop", OFP_PARSE_ADD, &f);
	ofp_format_flow_match(&f, buf, sizeof(buf));
	assert_string_equal(buf, "");
	ofp_flow_free(&f);
}

/* Inputs the fuzzer once crashed on (tests/fuzz/crashes/fuzz_flow_parse/,
 * kept by tests/fuzz/run.sh) go through every mode; what parses must
 * round-trip. Run from the source tree, as make test does. */
static void test_fuzz_reproducers(void **state)
{
	static const enum ofp_parse_mode modes[] = { OFP_PARSE_ADD, OFP_PARSE_MODIFY,
						     OFP_PARSE_DELETE };
	const char *dir = "tests/fuzz/crashes/fuzz_flow_parse";
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned count = 0;

	(void)state;
	if (!d)
		skip();
	while ((de = readdir(d))) {
		char path[512], text[8192];
		size_t len, i;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		len = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[len] = 0;
		for (i = 0; i < 3; i++) {
			struct ofp_flow fl;
			struct xs_err e;

			if (ofp_parse_flow(text, modes[i], &fl, &e) == 0) {
				ofp_flow_free(&fl);
				check_fixed_point(text, modes[i]);
			} else {
				assert_true(e.msg[0]);
			}
		}
		count++;
	}
	closedir(d);
	print_message("# %u fuzz reproducers replayed\n", count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_strings),
		cmocka_unit_test(test_fixed_point_list),
		cmocka_unit_test(test_fixed_point_random),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_partial_masks),
		cmocka_unit_test(test_flow_match),
		cmocka_unit_test(test_fuzz_reproducers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
