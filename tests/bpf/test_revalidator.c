// SPDX-License-Identifier: Apache-2.0
/* The revalidator on the real fast path: misses installed from the tables,
 * table changes keep, modify or remove exactly the right megaflows, frames
 * run afterwards follow the new actions, rule counters credited exactly,
 * idle megaflows and timed-out rules expire, the flow limit holds. */
#include <time.h>

#include "tests/bpf/dp_fixture.h"
#include "agent/daemon/revalidator.h"
#include "agent/dpif/dpif_xdp.h"
#include "agent/ofp/flow.h"

static const uint8_t new_dst[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x99 };

/* OpenFlow port 1 = veth A (captured at B), 2 = veth B, 3 = lo (ingress). */
struct fixture {
	struct fx_veth v;
	struct xs_dp *dp;      /* under dpif, for direct checks */
	struct xs_dpif *dpif;  /* the XDP provider the revalidator drives */
	struct flow_tables ft;
	struct xs_reval r;
	bool a_gone; /* port 1 detached */
};

static uint32_t map_ofport(void *ctx, uint32_t ifindex)
{
	struct fixture *f = ctx;

	return ifindex == f->v.a ? 1 : ifindex == f->v.b ? 2 : ifindex == 1 ? 3 : 0;
}

static uint32_t map_dp_port(void *ctx, uint32_t ofport)
{
	struct fixture *f = ctx;

	return ofport == 1 && !f->a_gone ? f->v.a : ofport == 1 ? 0 : ofport == 2 ? f->v.b : ofport == 3 ? 1 : 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void load(struct flow_tables *ft, const char *text, uint64_t now)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;

	if (ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &err))
		fail_msg("flows: %d:%d: %s", err.line, err.col, err.msg);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ft_add(ft, &flows[i], now), 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
}

static void add_port(struct fixture *f, const char *name)
{
	char note[256], why[256];
	uint32_t port;

	assert_int_equal(f->dpif->cls->port_add(f->dpif, name, 0, &port, note, sizeof(note), why,
						sizeof(why)), 0);
}

static struct fixture *setup_fx(uint32_t max_flows, const char *flows)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct xs_port_map map = { map_ofport, map_dp_port, f };

	assert_non_null(f);
	fx_pin_cpu();
	f->dp = fx_open(max_flows);
	fx_veth_up(&f->v);
	/* No program attached: frames come in through fx_run_live. B runs
	 * the capture program, so an XDP redirect into A is delivered; one
	 * into B (its peer A has no program) is not. */
	assert_int_equal(xs_dpif_xdp_wrap(f->dp, NULL, false, &f->dpif), 0);
	add_port(f, f->v.name_a);
	add_port(f, f->v.name_b);
	flow_tables_init(&f->ft);
	load(&f->ft, flows, mono_ms());
	xs_reval_init(&f->r, f->dpif, &f->ft, &map);
	return f;
}

static void teardown_fx(struct fixture *f)
{
	xs_reval_destroy(&f->r);
	flow_tables_destroy(&f->ft);
	fx_veth_down(&f->v);
	f->dpif->cls->close(f->dpif, false);
	free(f);
}

/* Frames captured at B; a frame redirected into A reaches B's program
 * from A's peer queue, which may run a moment later. */
static uint64_t cap_count(struct fixture *f)
{
	uint64_t n = fx_cap_count(&f->v);

	for (int i = 0; i < 50; i++) {
		usleep(2000);
		if (fx_cap_count(&f->v) == n)
			break;
		n = fx_cap_count(&f->v);
	}
	return n;
}

/* Frame fx_udp4(i) arriving on lo goes through the miss path as the
 * agent runs it (upcall.c): translate, install (or, at the flow limit,
 * execute the actions once and credit the rules), execute. */
static size_t miss(struct fixture *f, uint32_t i, uint8_t *pkt)
{
	struct xs_reval_xlate x;
	struct xs_flow_handle h = { 0 };
	struct xs_flow_key key;
	size_t len = fx_udp4(pkt, i);
	int err;

	fx_key(pkt, len, 1, &key);
	assert_int_equal(xs_reval_translate(&f->ft, &f->r.map, &key, &x), 0);
	err = xs_reval_install(&f->r, &key, &x, &h);
	if (err == -ENOSPC) {
		assert_int_equal(f->dpif->cls->execute(f->dpif, 1, pkt, len, h, x.actions,
						       x.n_actions), 0);
		rule_stats_credit_ids(&f->ft, x.rule_ids, x.n_rules, 1, len, mono_ms());
		return len;
	}
	assert_int_equal(err, 0);
	assert_int_equal(f->dpif->cls->execute(f->dpif, 1, pkt, len, h, NULL, 0), 0);
	return len;
}

/* The rule of table 0 with this priority. */
static struct ft_rule *rule_prio(struct fixture *f, uint16_t prio)
{
	const struct ft_rule **v;
	struct ft_rule *r = NULL;
	long n = ft_collect(&f->ft, &v);

	for (long i = 0; i < n; i++)
		if (v[i]->cls.priority == prio)
			r = ft_rule_by_id(&f->ft, v[i]->id);
	free(v);
	assert_non_null(r);
	return r;
}

static bool installed(struct fixture *f, uint32_t i, struct xs_dp_flow *out)
{
	uint8_t pkt[128];
	struct xs_flow_key key;
	size_t len = fx_udp4(pkt, i);
	uint32_t pos = 0;

	fx_key(pkt, len, 1, &key);
	while (xs_dp_flow_next(f->dp, &pos, out) == 1) {
		bool hit = true;

		for (size_t w = 0; w < XS_FLOW_KEY_WORDS; w++)
			hit &= (((uint64_t *)&key)[w] & ((uint64_t *)&out->mask)[w]) ==
			       ((uint64_t *)&out->key)[w];
		if (hit)
			return true;
	}
	return false;
}

static void test_modify_keep_remove(void **state)
{
	struct fixture *f;
	struct xs_reval_counts c;
	struct xs_dp_flow mf;
	uint8_t pkt[128], want[128];
	uint64_t st0[XS_STAT__MAX], st1[XS_STAT__MAX];
	size_t len;

	(void)state;
	xs_test_require_bpf();
	f = setup_fx(64, "priority=10,udp,nw_dst=10.1.0.1 actions=output:1\n"
			 "priority=11,udp,nw_dst=10.1.1.1 actions=output:2\n");
	/* Two misses, two megaflows; the first frame reached B. */
	len = miss(f, 0, pkt);
	miss(f, 1, pkt);
	assert_int_equal(xs_dp_flow_count(f->dp), 2);
	assert_int_equal(cap_count(f), 1);
	assert_true(installed(f, 1, &mf));
	assert_int_equal(mf.actions[0].arg, f->v.b);
	assert_int_equal(mf.flags, 0); /* B: redirect would not deliver */

	/* Rule 11 now sends to port 1: modified in place (and now runs in
	 * XDP), the other megaflow kept. (A new action that writes a field
	 * would widen the mask: see below.) */
	struct ofp_flow mod;
	struct xs_err err;
	ofp_flow_init(&mod);
	assert_int_equal(ofp_parse_flow("priority=11,udp,nw_dst=10.1.1.1 actions=output:1",
					OFP_PARSE_MODIFY, &mod, &err), 0);
	assert_int_equal(ft_modify(&f->ft, &mod, true, NULL), 0);
	ofp_flow_free(&mod);
	assert_int_equal(xs_reval_revalidate(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.kept, 1);
	assert_int_equal(c.modified, 1);
	assert_int_equal(c.removed, 0);
	fx_stats(f->dp, st0);
	len = fx_udp4(pkt, 1);
	assert_int_equal(fx_run_live(f->dp, 1, pkt, len), 0);
	fx_stats(f->dp, st1);
	assert_int_equal(st1[XS_STAT_MISS] - st0[XS_STAT_MISS], 0);
	assert_int_equal(cap_count(f), 2);
	fx_cap_expect(&f->v, 1, pkt, len);
	assert_true(installed(f, 1, &mf));
	assert_int_equal(mf.flags, XS_MF_F_XDP);

	/* Counters: rule 10 one frame (its miss), rule 11 its miss and the
	 * frame after the modify. */
	assert_int_equal(xs_reval_harvest(&f->r, mono_ms()), 0);
	assert_int_equal(rule_prio(f, 10)->n_packets, 1);
	assert_int_equal(rule_prio(f, 10)->n_bytes, len);
	assert_int_equal(rule_prio(f, 11)->n_packets, 2);
	assert_int_equal(rule_prio(f, 11)->n_bytes, 2 * len);

	/* A rule for 10.1.0.1 that also looks at the UDP port changes that
	 * megaflow's mask: it is removed, a frame misses instead of following
	 * old actions, and the miss installs the new one. The lookup for
	 * 10.1.1.1 rules the new rule out on nw_dst: its megaflow is kept. */
	load(&f->ft, "priority=20,udp,tp_dst=2000,nw_dst=10.1.0.1 "
		     "actions=mod_dl_dst:02:aa:bb:cc:dd:99,output:1\n", mono_ms());
	assert_int_equal(xs_reval_revalidate(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.kept, 1);
	assert_int_equal(c.modified, 0);
	assert_int_equal(c.removed, 1);
	assert_int_equal(xs_dp_flow_count(f->dp), 1);
	assert_false(installed(f, 0, &mf));
	/* The removed megaflows' counters were credited before removal. */
	assert_int_equal(rule_prio(f, 11)->n_packets, 2);
	fx_stats(f->dp, st0);
	len = fx_udp4(pkt, 0);
	assert_int_equal(fx_run_live(f->dp, 1, pkt, len), 0);
	fx_stats(f->dp, st1);
	assert_int_equal(st1[XS_STAT_MISS] - st0[XS_STAT_MISS], 1);
	assert_int_equal(cap_count(f), 2);
	miss(f, 0, pkt);
	assert_int_equal(cap_count(f), 3);
	memcpy(want, pkt, len);
	memcpy(want, new_dst, 6);
	fx_cap_expect(&f->v, 2, want, len);
	assert_true(installed(f, 0, &mf));
	assert_int_equal(mf.mask.tp_dst, 0xffff);
	assert_int_equal(mf.flags, XS_MF_F_XDP);
	assert_int_equal(rule_prio(f, 20)->n_packets, 0);
	assert_int_equal(xs_reval_harvest(&f->r, mono_ms()), 0);
	assert_int_equal(rule_prio(f, 20)->n_packets, 1);
	assert_int_equal(rule_prio(f, 10)->n_packets, 1);

	/* Nothing changed: a pass keeps everything. */
	assert_int_equal(xs_reval_revalidate(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.kept, 2);
	assert_int_equal(c.modified + c.removed, 0);
	teardown_fx(f);
}

/* A megaflow a hash collision put under the exact mask (dp.h
 * xs_dp_flow_install) is stricter than its translation's mask: a pass
 * keeps it (and gives it new actions when the rules change), while one
 * under any other mask that is not the translation's is removed. */
static void test_exact_mask_megaflow_kept(void **state)
{
	struct fixture *f;
	struct xs_reval_counts c;
	struct xs_reval_xlate x;
	struct xs_flow_key key, exact, other;
	struct xs_flow_handle h, h2;
	struct xs_dp_flow mf;
	uint8_t pkt[128];
	size_t len;

	(void)state;
	xs_test_require_bpf();
	f = setup_fx(64, "priority=10,udp,nw_dst=10.1.0.1 actions=output:1\n"
			 "priority=10,udp,nw_dst=10.1.1.1 actions=output:1\n");
	len = fx_udp4(pkt, 0);
	fx_key(pkt, len, 1, &key);
	assert_int_equal(xs_reval_translate(&f->ft, &f->r.map, &key, &x), 0);
	xs_dp_exact_mask(&exact);
	assert_memory_not_equal(&exact, &x.mask, sizeof(exact));
	assert_int_equal(xs_dpif_flow_put(f->dpif, &key, &exact, x.actions, x.n_actions, &h), 0);
	len = fx_udp4(pkt, 1);
	fx_key(pkt, len, 1, &key);
	assert_int_equal(xs_reval_translate(&f->ft, &f->r.map, &key, &x), 0);
	other = x.mask;
	other.nw_tos = 0xff;
	assert_int_equal(xs_dpif_flow_put(f->dpif, &key, &other, x.actions, x.n_actions, &h2), 0);
	/* the rules change: the first now sends to port 2 */
	struct ofp_flow mod;
	struct xs_err err;
	ofp_flow_init(&mod);
	assert_int_equal(ofp_parse_flow("priority=10,udp,nw_dst=10.1.0.1 actions=output:2",
					OFP_PARSE_MODIFY, &mod, &err), 0);
	assert_int_equal(ft_modify(&f->ft, &mod, true, NULL), 0);
	ofp_flow_free(&mod);
	assert_int_equal(xs_reval_revalidate(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.modified, 1);
	assert_int_equal(c.removed, 1);
	assert_int_equal(xs_dp_flow_count(f->dp), 1);
	assert_int_equal(xs_dp_flow_get(f->dp, h, &mf), -ENOENT); /* moved to a new slot */
	assert_true(installed(f, 0, &mf));
	assert_memory_equal(&mf.mask, &exact, sizeof(exact));
	assert_int_equal(mf.actions[0].arg, f->v.b);
	assert_int_equal(xs_dp_flow_get(f->dp, h2, &mf), -ENOENT);
	teardown_fx(f);
}

static void test_deleted_rules_and_gone_ports(void **state)
{
	struct fixture *f;
	struct xs_reval_counts c;
	struct xs_dp_flow mf;
	uint8_t pkt[128];
	struct ofp_flow all;
	struct xs_err err;
	size_t len;

	(void)state;
	xs_test_require_bpf();
	f = setup_fx(64, "priority=10,udp actions=output:1\n");
	len = miss(f, 0, pkt);
	assert_int_equal(xs_dp_flow_count(f->dp), 1);
	/* A second miss of the same flow (queued behind the first) uses the
	 * installed megaflow. */
	miss(f, 0, pkt);
	assert_int_equal(xs_dp_flow_count(f->dp), 1);
	assert_int_equal(cap_count(f), 2);
	/* Port 1 goes away: the tick after a port change drops the output
	 * (same mask, new actions). */
	f->a_gone = true;
	f->r.ports_changed = true;
	assert_int_equal(xs_reval_tick(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.modified, 1);
	assert_int_equal(c.kept + c.removed, 0);
	assert_true(installed(f, 0, &mf));
	assert_int_equal(mf.n_actions, 0);
	assert_int_equal(fx_run_live(f->dp, 1, pkt, len), 0);
	assert_int_equal(cap_count(f), 2);
	/* Without rules the tables drop on a table miss that only looked at
	 * in_port: another mask, so the megaflow is removed. */
	ofp_flow_init(&all);
	assert_int_equal(ofp_parse_flow("", OFP_PARSE_DELETE, &all, &err), 0);
	assert_int_equal(ft_delete(&f->ft, &all, false, OFPP_NONE, NULL), 0);
	ofp_flow_free(&all);
	assert_int_equal(xs_reval_tick(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.removed, 1);
	assert_int_equal(c.kept + c.modified, 0);
	assert_int_equal(xs_dp_flow_count(f->dp), 0);
	teardown_fx(f);
}

static void test_flow_limit(void **state)
{
	struct fixture *f;
	uint8_t pkt[128];
	size_t len;

	(void)state;
	xs_test_require_bpf();
	f = setup_fx(64, "priority=10,udp actions=move:NXM_OF_IP_DST[]->NXM_OF_IP_SRC[],"
			 "output:1\n");
	f->r.flow_limit = f->r.flow_limit_max = 2;
	for (uint32_t i = 0; i < 5; i++)
		len = miss(f, i, pkt);
	/* Two installed, three executed only; all five delivered and
	 * credited. */
	assert_int_equal(xs_dp_flow_count(f->dp), 2);
	assert_true(xs_reval_limit_reached(&f->r));
	assert_int_equal(f->r.limit_hits, 3);
	assert_int_equal(cap_count(f), 5);
	assert_int_equal(xs_reval_harvest(&f->r, mono_ms()), 0);
	assert_int_equal(rule_prio(f, 10)->n_packets, 5);
	assert_int_equal(rule_prio(f, 10)->n_bytes, 5 * len);
	teardown_fx(f);
}

static void test_idle_expiry_and_rule_timeouts(void **state)
{
	struct fixture *f;
	struct xs_reval_counts c;
	uint8_t pkt[128];
	uint64_t t0 = mono_ms();
	int gone;

	(void)state;
	xs_test_require_bpf();
	f = setup_fx(64, "priority=10,hard_timeout=2,udp,nw_dst=10.1.0.1 actions=output:1\n"
			 "priority=11,idle_timeout=1,udp,nw_dst=10.1.1.1 actions=output:1\n"
			 "priority=12,udp,nw_dst=10.1.2.1 actions=output:1\n");
	miss(f, 0, pkt);
	miss(f, 1, pkt);
	miss(f, 2, pkt);
	assert_int_equal(xs_dp_flow_count(f->dp), 3);
	/* 0.9 s later nothing is due. */
	assert_int_equal(xs_reval_tick(&f->r, t0 + 900, &c), 0);
	assert_int_equal(c.expired + c.rules_timed_out + c.removed, 0);
	/* Traffic at "t0 + 1 s" keeps rule 11 alive past its idle time. */
	size_t len = fx_udp4(pkt, 1);
	assert_int_equal(fx_run_live(f->dp, 1, pkt, len), 0);
	assert_int_equal(xs_reval_tick(&f->r, t0 + 1100, &c), 0);
	assert_int_equal(c.rules_timed_out, 0);
	/* At t0 + 2.1 s (1 s after the last packet, which came just now in
	 * real time but is credited at its own used time) rule 11 idles out,
	 * rule 10 reaches its hard timeout; their megaflows go with them. */
	uint64_t used = rule_prio(f, 11)->used_ms;
	assert_true(used >= t0 && used <= mono_ms());
	gone = xs_reval_tick(&f->r, used + 2100, &c);
	assert_int_equal(gone, 2);
	assert_int_equal(c.rules_timed_out, 2);
	assert_int_equal(c.removed, 2);
	assert_int_equal(xs_dp_flow_count(f->dp), 1);
	assert_int_equal(f->ft.n_rules, 1);
	/* The last megaflow idles out after max_idle of real time. */
	f->r.max_idle_ms = 50;
	assert_int_equal(xs_reval_tick(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.expired, 0);
	usleep(120 * 1000);
	assert_int_equal(xs_reval_tick(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.expired, 1);
	assert_int_equal(xs_dp_flow_count(f->dp), 0);
	assert_int_equal(rule_prio(f, 12)->n_packets, 1);
	teardown_fx(f);
}

/* Skewed traffic on the last mask: after a tick re-ranks the masks by
 * recent hits, every hit probes exactly one mask (microflow cache off, so
 * each frame takes the megaflow lookup). */
static void test_tick_ranks_masks(void **state)
{
	/* 10.1.0.1, 10.1.1.1, 10.1.2.1, 10.2.0.1: one rule each */
	static const uint32_t flows[4] = { 0, 1, 2, 256 };
	struct xs_dp_opts o = { .max_flows = 64, .emc_disabled = true };
	uint64_t st0[XS_STAT__MAX], st1[XS_STAT__MAX];
	struct fixture *f;
	uint8_t pkt[128];
	size_t len;

	(void)state;
	xs_test_require_bpf();
	f = setup_fx(64, "priority=40,udp,nw_dst=10.1.0.1 actions=output:1\n"
			 "priority=30,udp,nw_dst=10.1.1.0/24 actions=output:1\n"
			 "priority=20,udp,nw_dst=10.1.0.0/16 actions=output:1\n"
			 "priority=10,udp actions=output:1\n");
	f->dpif->cls->close(f->dpif, false);
	assert_int_equal(xs_dp_open(&o, &f->dp), 0);
	assert_int_equal(xs_dpif_xdp_wrap(f->dp, NULL, false, &f->dpif), 0);
	f->r.dpif = f->dpif;
	add_port(f, f->v.name_a);
	for (uint32_t i = 0; i < 4; i++)
		miss(f, flows[i], pkt);
	assert_int_equal(xs_dp_flow_count(f->dp), 4);
	assert_int_equal(xs_dp_mask_count(f->dp), 4);
	len = fx_udp4(pkt, 256);
	fx_stats(f->dp, st0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fx_run(f->dp, 1, pkt, len), XDP_REDIRECT);
	fx_stats(f->dp, st1);
	assert_int_equal(st1[XS_STAT_MEGAFLOW_HIT] - st0[XS_STAT_MEGAFLOW_HIT], 100);
	/* Masks are probed in the order they were made: this one is last. */
	assert_int_equal(st1[XS_STAT_MASKS_PROBED] - st0[XS_STAT_MASKS_PROBED], 400);
	assert_true(xs_reval_tick(&f->r, mono_ms(), NULL) >= 0);
	fx_stats(f->dp, st0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(fx_run(f->dp, 1, pkt, len), XDP_REDIRECT);
	fx_stats(f->dp, st1);
	assert_int_equal(st1[XS_STAT_MEGAFLOW_HIT] - st0[XS_STAT_MEGAFLOW_HIT], 100);
	assert_int_equal(st1[XS_STAT_MASKS_PROBED] - st0[XS_STAT_MASKS_PROBED], 100);
	teardown_fx(f);
}

/* Figures: a full pass over N megaflows when nothing changed, and when
 * every megaflow gets new actions. */
static void test_pass_cost(void **state)
{
	enum { N = 10000 };
	struct fixture *f;
	struct xs_reval_counts c;
	uint8_t pkt[128];
	struct ofp_flow mod;
	struct xs_err err;

	(void)state;
	xs_test_require_bpf();
	f = setup_fx(16384, "priority=10,udp actions=move:NXM_OF_IP_DST[]->NXM_OF_IP_SRC[],"
			    "output:1\n");
	for (uint32_t i = 0; i < N; i++) {
		struct xs_reval_xlate x;
		struct xs_flow_handle h;
		struct xs_flow_key key;
		size_t len = fx_udp4(pkt, i);

		fx_key(pkt, len, 1, &key);
		xs_reval_translate(&f->ft, &f->r.map, &key, &x);
		assert_int_equal(xs_reval_install(&f->r, &key, &x, &h), 0);
	}
	assert_int_equal(xs_dp_flow_count(f->dp), N);
	assert_int_equal(xs_reval_revalidate(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.kept, N);
	uint64_t keep_us = f->r.last_pass_us;
	ofp_flow_init(&mod);
	assert_int_equal(ofp_parse_flow("udp actions=move:NXM_OF_IP_DST[]->NXM_OF_IP_SRC[],"
					"output:2", OFP_PARSE_MODIFY, &mod, &err), 0);
	assert_int_equal(ft_modify(&f->ft, &mod, false, NULL), 0);
	ofp_flow_free(&mod);
	assert_int_equal(xs_reval_revalidate(&f->r, mono_ms(), &c), 0);
	assert_int_equal(c.modified, N);
	print_message("# revalidation of %d megaflows: %.1f ms all kept, %.1f ms all modified\n",
		      N, keep_us / 1000.0, f->r.last_pass_us / 1000.0);
	teardown_fx(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modify_keep_remove),
		cmocka_unit_test(test_exact_mask_megaflow_kept),
		cmocka_unit_test(test_deleted_rules_and_gone_ports),
		cmocka_unit_test(test_flow_limit),
		cmocka_unit_test(test_idle_expiry_and_rule_timeouts),
		cmocka_unit_test(test_tick_ranks_masks),
		cmocka_unit_test(test_pass_cost),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	fx_cleanup();
	return ret;
}
