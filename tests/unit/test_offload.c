// SPDX-License-Identifier: Apache-2.0
/* The offload layer (agent/offload/offload.c) against a stand-in kernel
 * that accepts flower filters, which this machine's kernel never does: it
 * keeps the filters the layer's requests add, replace and delete, answers
 * dumps with counters, and refuses on demand. Checks: one filter per
 * megaflow with handle = slot + 1, one priority per {mask, type}, replace
 * in place on modify, delete when the new actions cannot be expressed,
 * counters merged (carried over a replace, given back on delete), a
 * refusal logged once per port and reason and counted, a port's filters
 * and the qdisc it created (only that) removed with the port, everything
 * removed at the end. */
#include "tests/lib/xs_test.h"
#include "agent/offload/offload.h"
#include "agent/offload/flower_nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

/* Interface numbers no real interface has here: the real probes (driver,
 * ethtool) fail on them and say "unknown", as they should. */
#define P1 0x7ffff001u
#define P2 0x7ffff002u
#define P3 0x7ffff003u

struct fake_filter {
	uint32_t ifindex, handle, cls_flags;
	uint16_t prio, protocol;
	uint64_t packets, bytes, hw_packets, hw_bytes;
};

static struct fake {
	struct fake_filter f[64];
	int n;
	int refuse;        /* -errno for every new filter, 0: accept */
	const char *ext;   /* the refusal's extended ack */
	int adds, replaces, dels;
	bool clsact;       /* a clsact qdisc exists on every port */
	int qdisc_created, qdisc_deleted;
} k;

static char logs[16][512];
static int n_logs;

static void log_cb(void *ctx, const char *msg)
{
	(void)ctx;
	if (n_logs < 16)
		snprintf(logs[n_logs], sizeof(logs[0]), "%s", msg);
	n_logs++;
}

static int find(uint32_t ifindex, uint16_t prio, uint32_t handle)
{
	for (int i = 0; i < k.n; i++)
		if (k.f[i].ifindex == ifindex && k.f[i].prio == prio && k.f[i].handle == handle)
			return i;
	return -1;
}

static int flags_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == TCA_FLOWER_FLAGS)
		*(uint32_t *)data = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int opts_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == TCA_OPTIONS)
		mnl_attr_parse_nested(a, flags_cb, data);
	return MNL_CB_OK;
}

/* A filter as the kernel dumps it: kind, flags, one action with stats. */
static void answer_filter(const struct fake_filter *f, mnl_cb_t cb, void *data)
{
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	struct gnet_stats_basic all = { .bytes = f->bytes, .packets = (uint32_t)f->packets };
	struct gnet_stats_basic hw = { .bytes = f->hw_bytes, .packets = (uint32_t)f->hw_packets };
	struct nlattr *o, *acts, *slot, *st;

	nlh->nlmsg_type = RTM_NEWTFILTER;
	t->tcm_ifindex = (int)f->ifindex;
	t->tcm_handle = f->handle;
	t->tcm_info = TC_H_MAKE((uint32_t)f->prio << 16, f->protocol);
	mnl_attr_put_strz(nlh, TCA_KIND, "flower");
	o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS, f->cls_flags | TCA_CLS_FLAGS_IN_HW);
	acts = mnl_attr_nest_start(nlh, TCA_FLOWER_ACT);
	slot = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	st = mnl_attr_nest_start(nlh, TCA_ACT_STATS);
	mnl_attr_put(nlh, TCA_STATS_BASIC, sizeof(all), &all);
	mnl_attr_put(nlh, TCA_STATS_BASIC_HW, sizeof(hw), &hw);
	mnl_attr_nest_end(nlh, st);
	mnl_attr_nest_end(nlh, slot);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, o);
	cb(nlh, data);
}

static int fake_request(void *ctx, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *ext,
			size_t ext_size)
{
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	uint32_t ifindex = (uint32_t)t->tcm_ifindex, handle = t->tcm_handle;
	uint16_t prio = (uint16_t)(t->tcm_info >> 16), proto = (uint16_t)t->tcm_info;
	int i = find(ifindex, prio, handle);

	(void)ctx;
	switch (nlh->nlmsg_type) {
	case RTM_GETQDISC:
		if (k.clsact && cb) {
			char buf[256];
			struct nlmsghdr *q = mnl_nlmsg_put_header(buf);
			struct tcmsg *qt = mnl_nlmsg_put_extra_header(q, sizeof(*qt));

			q->nlmsg_type = RTM_NEWQDISC;
			qt->tcm_ifindex = (int)ifindex;
			qt->tcm_parent = TC_H_CLSACT;
			mnl_attr_put_strz(q, TCA_KIND, "clsact");
			cb(q, data);
		}
		return 0;
	case RTM_NEWQDISC:
		k.qdisc_created++;
		return 0;
	case RTM_DELQDISC:
		k.qdisc_deleted++;
		return 0;
	case RTM_NEWTFILTER: {
		uint32_t flags = 0;

		if (k.refuse) {
			snprintf(ext, ext_size, "%s", k.ext ? k.ext : "");
			return k.refuse;
		}
		mnl_attr_parse(nlh, sizeof(*t), opts_cb, &flags);
		if (i >= 0 && (nlh->nlmsg_flags & NLM_F_EXCL))
			return -EEXIST;
		if (i >= 0) {
			k.replaces++;
			memset(&k.f[i], 0, sizeof(k.f[i])); /* a new filter: new counters */
		} else {
			assert_true(k.n < 64);
			i = k.n++;
			k.adds++;
		}
		k.f[i].ifindex = ifindex;
		k.f[i].handle = handle;
		k.f[i].prio = prio;
		k.f[i].protocol = proto;
		k.f[i].cls_flags = flags;
		return 0;
	}
	case RTM_DELTFILTER:
		if (i < 0)
			return -ENOENT;
		k.f[i] = k.f[--k.n];
		k.dels++;
		return 0;
	case RTM_GETTFILTER:
		for (int j = 0; j < k.n; j++)
			if (k.f[j].ifindex == ifindex &&
			    ((nlh->nlmsg_flags & NLM_F_DUMP) ||
			     (k.f[j].handle == handle && k.f[j].prio == prio)))
				answer_filter(&k.f[j], cb, data);
		return 0;
	}
	return -EOPNOTSUPP;
}

static struct xs_offload *off;
static struct xs_flow_key key, mask;
static struct xs_action acts[4];

static struct xs_offload *open_offload(int mode, int policy)
{
	struct xs_offload_cfg c = { .mode = mode, .policy = policy, .log = log_cb,
				    .request = fake_request };
	struct xs_offload *o;

	assert_int_equal(xs_offload_new(&c, &o), 0);
	return o;
}

static int setup(void **state)
{
	static const uint32_t ports[] = { P1, P2, P3 };

	(void)state;
	memset(&k, 0, sizeof(k));
	k.clsact = true;
	n_logs = 0;
	off = open_offload(XS_HW_OFFLOAD_TC, XS_TC_POLICY_SKIP_SW);
	xs_offload_port_add(off, P1, "fake1");
	xs_offload_port_add(off, P2, "fake2");
	xs_offload_port_add(off, P3, "fake3");
	xs_offload_set_ports(off, ports, 3);
	memset(&key, 0, sizeof(key));
	memset(&mask, 0, sizeof(mask));
	key.in_port = P1;
	mask.in_port = 0xffffffff;
	key.dl_type = htons(ETH_P_IP);
	mask.dl_type = 0xffff;
	key.nw_dst = inet_addr("10.0.0.2");
	mask.nw_dst = 0xffffffff;
	memset(acts, 0, sizeof(acts));
	acts[0].type = XS_ACT_OUTPUT;
	acts[0].arg = P2;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_offload_free(off);
	off = NULL;
	return 0;
}

static struct xs_flow_handle H(uint32_t slot, uint32_t gen)
{
	return (struct xs_flow_handle){ .slot = slot, .gen = gen };
}

static void expect_offloaded(struct xs_flow_handle h)
{
	const char *dp, *why;

	if (!xs_offload_flow_state(off, h, &dp, &why))
		fail_msg("not offloaded: %s", why);
	assert_string_equal(dp, "tc");
}

static const char *expect_not_offloaded(struct xs_flow_handle h)
{
	const char *dp, *why;

	assert_false(xs_offload_flow_state(off, h, &dp, &why));
	assert_null(dp);
	return why;
}

static void test_put_one_filter(void **state)
{
	(void)state;
	xs_offload_flow_put(off, H(3, 1), &key, &mask, acts, 1);
	expect_offloaded(H(3, 1));
	assert_int_equal(k.adds, 1);
	assert_int_equal(k.f[0].ifindex, P1);
	assert_int_equal(k.f[0].handle, 4); /* slot + 1 */
	assert_int_equal(k.f[0].prio, XS_OFFLOAD_PRIO_BASE);
	assert_int_equal(k.f[0].protocol, htons(ETH_P_IP));
	assert_int_equal(k.f[0].cls_flags, TCA_CLS_FLAGS_SKIP_SW);
	assert_int_equal(n_logs, 0);
	/* offered again (an adoption): nothing new */
	xs_offload_flow_put(off, H(3, 1), &key, &mask, acts, 1);
	assert_int_equal(k.adds, 1);
	/* a stale handle has no state */
	assert_non_null(strstr(expect_not_offloaded(H(3, 2)), "adopted"));
}

static void test_priorities_per_mask_and_type(void **state)
{
	struct xs_flow_key k2 = key, m2 = mask;

	(void)state;
	xs_offload_flow_put(off, H(1, 1), &key, &mask, acts, 1);
	key.nw_dst = inet_addr("10.0.0.3");
	xs_offload_flow_put(off, H(2, 1), &key, &mask, acts, 1); /* same mask */
	m2.nw_dst = htonl(0xffffff00);
	k2.nw_dst = inet_addr("10.0.1.0");
	xs_offload_flow_put(off, H(5, 1), &k2, &m2, acts, 1);    /* another mask */
	k2 = key;
	k2.dl_type = htons(ETH_P_ARP);                            /* another type */
	xs_offload_flow_put(off, H(6, 1), &k2, &mask, acts, 1);
	assert_int_equal(k.n, 4);
	assert_int_equal(k.f[find(P1, XS_OFFLOAD_PRIO_BASE, 2)].protocol, htons(ETH_P_IP));
	assert_true(find(P1, XS_OFFLOAD_PRIO_BASE, 3) >= 0);
	assert_true(find(P1, XS_OFFLOAD_PRIO_BASE + 1, 6) >= 0);
	assert_true(find(P1, XS_OFFLOAD_PRIO_BASE + 2, 7) >= 0);
	/* a freed priority is taken again */
	xs_offload_flow_del(off, H(5, 1), NULL);
	k2.dl_type = htons(ETH_P_IPV6);
	k2.nw_dst = 0;
	m2 = mask;
	m2.nw_dst = 0;
	xs_offload_flow_put(off, H(8, 1), &k2, &m2, acts, 1);
	assert_true(find(P1, XS_OFFLOAD_PRIO_BASE + 1, 9) >= 0);
}

static void test_modify_replaces_in_place(void **state)
{
	struct xs_action a2[2] = { { .type = XS_ACT_OUTPUT, .arg = P3 } };

	(void)state;
	xs_offload_flow_put(off, H(3, 1), &key, &mask, acts, 1);
	xs_offload_flow_modify(off, H(3, 1), H(3, 2), a2, 1);
	expect_offloaded(H(3, 2));
	assert_int_equal(k.adds, 1);
	assert_int_equal(k.replaces, 1);
	assert_int_equal(k.dels, 0);
	assert_int_equal(k.n, 1);
	/* to another slot: the old filter goes, a new one comes */
	xs_offload_flow_modify(off, H(3, 2), H(9, 1), acts, 1);
	expect_offloaded(H(9, 1));
	assert_int_equal(k.dels, 1);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.f[0].handle, 10);
	/* new actions flower cannot run: deleted, the reason kept */
	a2[0].type = XS_ACT_TO_AGENT;
	xs_offload_flow_modify(off, H(9, 1), H(9, 2), a2, 1);
	assert_int_equal(k.n, 0);
	assert_non_null(strstr(expect_not_offloaded(H(9, 2)), "action to the agent"));
	/* and back: offloaded again */
	xs_offload_flow_modify(off, H(9, 2), H(9, 3), acts, 1);
	expect_offloaded(H(9, 3));
	assert_int_equal(k.n, 1);
}

static void test_counters(void **state)
{
	struct xs_flow_stats st = { .packets = 100, .bytes = 10000 };
	struct xs_flow_stats fin = { 0 };

	(void)state;
	xs_offload_flow_put(off, H(3, 1), &key, &mask, acts, 1);
	k.f[0].packets = 10;
	k.f[0].bytes = 1000;
	xs_offload_run(off);
	xs_offload_flow_add_stats(off, H(3, 1), &st);
	assert_int_equal(st.packets, 110); /* XDP's + the hardware's */
	assert_int_equal(st.bytes, 11000);
	assert_true(st.used_ns != 0);
	/* a replace starts the filter's counters again: the old ones carry */
	xs_offload_flow_modify(off, H(3, 1), H(3, 2), acts, 1);
	assert_int_equal(k.replaces, 1);
	k.f[0].packets = 5;
	k.f[0].bytes = 500;
	xs_offload_run(off);
	memset(&st, 0, sizeof(st));
	xs_offload_flow_add_stats(off, H(3, 2), &st);
	assert_int_equal(st.packets, 15);
	assert_int_equal(st.bytes, 1500);
	/* the delete reads the filter once more */
	k.f[0].packets = 7;
	k.f[0].bytes = 700;
	xs_offload_flow_del(off, H(3, 2), &fin);
	assert_int_equal(fin.packets, 17);
	assert_int_equal(fin.bytes, 1700);
	assert_int_equal(k.n, 0);
}

static void test_skip_hw_counts_hardware_only(void **state)
{
	struct xs_flow_stats st = { 0 };

	(void)state;
	xs_offload_free(off);
	off = open_offload(XS_HW_OFFLOAD_TC, XS_TC_POLICY_SKIP_HW);
	xs_offload_port_add(off, P1, "fake1");
	xs_offload_flow_put(off, H(3, 1), &key, &mask, acts, 1);
	assert_int_equal(k.f[0].cls_flags, TCA_CLS_FLAGS_SKIP_HW);
	k.f[0].packets = 9; /* software hits: XDP counted them already */
	k.f[0].bytes = 900;
	k.f[0].hw_packets = 0;
	xs_offload_run(off);
	xs_offload_flow_add_stats(off, H(3, 1), &st);
	assert_int_equal(st.packets, 0);
	k.f[0].hw_packets = 2;
	k.f[0].hw_bytes = 200;
	xs_offload_run(off);
	xs_offload_flow_add_stats(off, H(3, 1), &st);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.bytes, 200);
}

static void test_refusals_logged_once(void **state)
{
	struct xs_ctl_buf out;
	struct xs_flow_key k6 = key, m6 = mask;

	(void)state;
	k.refuse = -EOPNOTSUPP;
	k.ext = "no hardware here";
	for (uint32_t s = 1; s <= 3; s++) {
		key.nw_dst = htonl(0x0a000000 + s);
		xs_offload_flow_put(off, H(s, 1), &key, &mask, acts, 1);
		assert_non_null(strstr(expect_not_offloaded(H(s, 1)),
				       "tc flower: kernel: no hardware here (Operation not supported)"));
	}
	assert_int_equal(n_logs, 1);
	assert_non_null(strstr(logs[0], "offload: port fake1: tc flower: kernel: no hardware here"));
	assert_non_null(strstr(logs[0], "first time"));
	/* another reason on the same port: logged once too */
	k6.dl_type = htons(ETH_P_IPV6);
	k6.nw_dst = 0;
	m6.nw_dst = 0;
	k6.ipv6_label = htonl(1);
	m6.ipv6_label = htonl(0xfffff);
	xs_offload_flow_put(off, H(4, 1), &k6, &m6, acts, 1);
	xs_offload_flow_put(off, H(5, 1), &k6, &m6, acts, 1);
	assert_int_equal(n_logs, 2);
	assert_non_null(strstr(logs[1], "tc flower cannot express: IPv6 flow label"));
	/* the first reason on another port: that port logs it once */
	key.in_port = P2;
	xs_offload_flow_put(off, H(6, 1), &key, &mask, acts, 1);
	xs_offload_flow_put(off, H(7, 1), &key, &mask, acts, 1);
	assert_int_equal(n_logs, 3);
	assert_non_null(strstr(logs[2], "port fake2"));
	/* counted per port and reason */
	xs_ctl_buf_init(&out);
	xs_offload_port_show(off, P1, &out, false);
	assert_non_null(strstr(out.data, "refusals 5"));
	assert_non_null(strstr(out.data, "refused 3x: tc flower: kernel: no hardware here"));
	assert_non_null(strstr(out.data, "refused 2x: tc flower cannot express: IPv6 flow label"));
	xs_ctl_buf_free(&out);
	assert_int_equal(k.n, 0);
}

static void test_flood_mirrors(void **state)
{
	struct xs_action fl = { .type = XS_ACT_OUTPUT, .flags = XS_OUT_F_BROADCAST };

	(void)state;
	xs_offload_flow_put(off, H(2, 1), &key, &mask, &fl, 1);
	expect_offloaded(H(2, 1));
	assert_int_equal(k.n, 1);
}

static void test_port_del_removes_its_filters(void **state)
{
	(void)state;
	xs_offload_flow_put(off, H(1, 1), &key, &mask, acts, 1);
	key.in_port = P2;
	xs_offload_flow_put(off, H(2, 1), &key, &mask, acts, 1);
	assert_int_equal(k.n, 2);
	xs_offload_port_del(off, P2);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.f[0].ifindex, P1);
	assert_non_null(strstr(expect_not_offloaded(H(2, 1)), "port removed"));
	assert_int_equal(k.qdisc_deleted, 0); /* the clsact was there before */
	/* the end: every filter goes */
	xs_offload_free(off);
	off = NULL;
	assert_int_equal(k.n, 0);
}

static void test_created_qdisc_removed(void **state)
{
	(void)state;
	xs_offload_free(off);
	k.clsact = false;
	off = open_offload(XS_HW_OFFLOAD_TC, XS_TC_POLICY_SKIP_SW);
	xs_offload_port_add(off, P1, "fake1");
	assert_int_equal(k.qdisc_created, 1);
	xs_offload_flow_put(off, H(1, 1), &key, &mask, acts, 1);
	expect_offloaded(H(1, 1));
	xs_offload_port_del(off, P1);
	assert_int_equal(k.qdisc_deleted, 1);
	assert_int_equal(k.n, 0);
}

static void test_xdp_hw_refused_says_why(void **state)
{
	struct xs_ctl_buf out;
	struct xs_action none[1];

	(void)state;
	xs_offload_free(off);
	off = open_offload(XS_HW_OFFLOAD_XDP_HW, XS_TC_POLICY_SKIP_SW);
	xs_offload_port_add(off, P1, "fake1"); /* no such device: refused */
	xs_offload_flow_put(off, H(1, 1), &key, &mask, none, 0);
	xs_offload_flow_put(off, H(2, 1), &key, &mask, none, 0);
	assert_non_null(strstr(expect_not_offloaded(H(1, 1)), "hardware XDP: "));
	assert_int_equal(n_logs, 1);
	assert_int_equal(k.n, 0); /* no flower in xdp-hw mode */
	xs_ctl_buf_init(&out);
	xs_offload_port_show(off, P1, &out, false);
	assert_non_null(strstr(out.data, "hardware XDP not used ("));
	assert_non_null(strstr(out.data, "tc flower not tried (not asked (--hw-offload=xdp-hw))"));
	xs_ctl_buf_free(&out);
}

/* What an agent that died left (SIGKILL) goes when the port comes back;
 * other priorities stay. */
static void test_sweep_leftovers(void **state)
{
	static const uint16_t prios[] = { XS_OFFLOAD_PRIO_BASE, 9,
					  XS_OFFLOAD_PRIO_BASE + XS_OFFLOAD_PRIO_MAX - 1,
					  XS_OFFLOAD_PRIO_BASE + XS_OFFLOAD_PRIO_MAX, 0x7853 };

	(void)state;
	xs_offload_port_del(off, P3);
	memset(&k, 0, sizeof(k));
	k.clsact = true;
	for (int i = 0; i < 5; i++) {
		k.f[i].ifindex = P3;
		k.f[i].prio = prios[i];
		k.f[i].handle = (uint32_t)i + 1;
		k.f[i].protocol = htons(ETH_P_IP);
	}
	k.f[5] = k.f[0];
	k.f[5].ifindex = P2; /* another port: not this one's */
	k.n = 6;
	n_logs = 0;
	xs_offload_port_add(off, P3, "fake3");
	assert_int_equal(k.dels, 2);
	assert_int_equal(k.n, 4);
	assert_int_equal(find(P3, XS_OFFLOAD_PRIO_BASE, 1), -1);
	assert_int_equal(find(P3, XS_OFFLOAD_PRIO_BASE + XS_OFFLOAD_PRIO_MAX - 1, 3), -1);
	assert_true(find(P3, 9, 2) >= 0);
	assert_true(find(P3, XS_OFFLOAD_PRIO_BASE + XS_OFFLOAD_PRIO_MAX, 4) >= 0);
	assert_true(find(P3, 0x7853, 5) >= 0);
	assert_true(find(P2, XS_OFFLOAD_PRIO_BASE, 1) >= 0);
	assert_int_equal(n_logs, 1);
	assert_non_null(strstr(logs[0], "port fake3: removed 2 flower filters a previous agent left"));
	k.n = 0; /* the foreign ones are not the teardown's business */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_put_one_filter), T(test_priorities_per_mask_and_type),
		T(test_modify_replaces_in_place), T(test_counters),
		T(test_skip_hw_counts_hardware_only), T(test_refusals_logged_once),
		T(test_flood_mirrors), T(test_port_del_removes_its_filters),
		T(test_created_qdisc_removed), T(test_xdp_hw_refused_says_why),
		T(test_sweep_leftovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
