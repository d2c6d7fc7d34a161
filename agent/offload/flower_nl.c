// SPDX-License-Identifier: Apache-2.0
/* TC flower filters as rtnetlink messages (flower_nl.h). */
#include "agent/offload/flower_nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_csum.h>
#include <linux/tc_act/tc_gact.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/tc_act/tc_pedit.h>
#include <linux/tc_act/tc_vlan.h>

#define PARENT_INGRESS TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)

static struct nlmsghdr *tc_header(void *buf, uint16_t type, uint16_t flags, uint32_t seq,
				  uint32_t ifindex, uint32_t handle, uint32_t info)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *t;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = (int)ifindex;
	t->tcm_handle = handle;
	t->tcm_parent = PARENT_INGRESS;
	t->tcm_info = info;
	return nlh;
}

/* tcm_info: priority in the high half, protocol (as stored) in the low. */
static uint32_t tc_info(const struct xs_fl_where *w)
{
	return TC_H_MAKE((uint32_t)w->prio << 16, w->protocol);
}

/* iproute2 nests TCA_OPTIONS, TCA_FLOWER_ACT and the action slots without
 * NLA_F_NESTED, the action's options and pedit's extended keys with it. */
static struct nlattr *nest(struct nlmsghdr *nlh, uint16_t type, bool flag)
{
	/* mnl_attr_nest_start always sets NLA_F_NESTED: start it by hand */
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	a->nla_type = flag ? (uint16_t)(type | NLA_F_NESTED) : type;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(struct nlattr));
	return a;
}

static void put_action(struct nlmsghdr *nlh, const struct xs_fl_action *a, uint16_t slot)
{
	struct nlattr *act = nest(nlh, slot, false), *opts;

	switch (a->kind) {
	case XS_FLA_MIRRED: {
		struct tc_mirred m = { .action = a->verdict, .eaction = a->u.mirred.eaction,
				       .ifindex = a->u.mirred.ifindex };

		mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
		opts = nest(nlh, TCA_ACT_OPTIONS, true);
		mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(m), &m);
		break;
	}
	case XS_FLA_GACT: {
		struct tc_gact g = { .action = a->verdict };

		mnl_attr_put_strz(nlh, TCA_ACT_KIND, "gact");
		opts = nest(nlh, TCA_ACT_OPTIONS, true);
		mnl_attr_put(nlh, TCA_GACT_PARMS, sizeof(g), &g);
		break;
	}
	case XS_FLA_VLAN: {
		struct tc_vlan v = { .action = a->verdict, .v_action = a->u.vlan.v_action };

		mnl_attr_put_strz(nlh, TCA_ACT_KIND, "vlan");
		opts = nest(nlh, TCA_ACT_OPTIONS, true);
		mnl_attr_put(nlh, TCA_VLAN_PARMS, sizeof(v), &v);
		if (a->u.vlan.v_action != TCA_VLAN_ACT_POP) {
			mnl_attr_put_u16(nlh, TCA_VLAN_PUSH_VLAN_ID, a->u.vlan.id);
			if (a->u.vlan.v_action == TCA_VLAN_ACT_PUSH)
				mnl_attr_put_u16(nlh, TCA_VLAN_PUSH_VLAN_PROTOCOL, a->u.vlan.proto);
			if (a->u.vlan.has_prio)
				mnl_attr_put_u8(nlh, TCA_VLAN_PUSH_VLAN_PRIORITY, a->u.vlan.prio);
		}
		break;
	}
	case XS_FLA_PEDIT: {
		uint8_t n = a->u.pedit.n;
		uint8_t sel_buf[sizeof(struct tc_pedit_sel) +
				XS_FL_MAX_PEDIT * sizeof(struct tc_pedit_key)];
		struct tc_pedit_sel *sel = (struct tc_pedit_sel *)sel_buf;
		struct nlattr *ex;

		memset(sel_buf, 0, sizeof(sel_buf));
		sel->action = a->verdict;
		sel->nkeys = n;
		for (uint8_t i = 0; i < n; i++) {
			sel->keys[i].mask = a->u.pedit.keys[i].mask;
			sel->keys[i].val = a->u.pedit.keys[i].val;
			sel->keys[i].off = a->u.pedit.keys[i].off;
		}
		mnl_attr_put_strz(nlh, TCA_ACT_KIND, "pedit");
		opts = nest(nlh, TCA_ACT_OPTIONS, true);
		mnl_attr_put(nlh, TCA_PEDIT_PARMS_EX,
			     sizeof(*sel) + n * sizeof(struct tc_pedit_key), sel);
		ex = nest(nlh, TCA_PEDIT_KEYS_EX, true);
		for (uint8_t i = 0; i < n; i++) {
			struct nlattr *k = nest(nlh, TCA_PEDIT_KEY_EX, true);

			mnl_attr_put_u16(nlh, TCA_PEDIT_KEY_EX_HTYPE, a->u.pedit.keys[i].htype);
			mnl_attr_put_u16(nlh, TCA_PEDIT_KEY_EX_CMD, a->u.pedit.keys[i].cmd);
			mnl_attr_nest_end(nlh, k);
		}
		mnl_attr_nest_end(nlh, ex);
		break;
	}
	case XS_FLA_CSUM:
	default: {
		struct tc_csum c = { .action = a->verdict,
				     .update_flags = a->u.csum.update_flags };

		mnl_attr_put_strz(nlh, TCA_ACT_KIND, "csum");
		opts = nest(nlh, TCA_ACT_OPTIONS, true);
		mnl_attr_put(nlh, TCA_CSUM_PARMS, sizeof(c), &c);
		break;
	}
	}
	mnl_attr_nest_end(nlh, opts);
	mnl_attr_nest_end(nlh, act);
}

/* A request's upper bound: header, kind, keys, and per action its kind,
 * parameters and up to XS_FL_MAX_PEDIT pedit keys with their extensions. */
static size_t worst_size(const struct xs_flower *f)
{
	size_t n = 256 + (size_t)f->n_match * 24;

	for (uint16_t i = 0; i < f->n_acts; i++)
		n += 96 + (f->acts[i].kind == XS_FLA_PEDIT ? f->acts[i].u.pedit.n * 48u : 0);
	return n;
}

struct nlmsghdr *xs_flower_nl_new(void *buf, const struct xs_flower *f,
				  const struct xs_fl_where *w, uint32_t cls_flags, bool replace,
				  uint32_t seq)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (replace ? 0 : NLM_F_EXCL);
	struct nlmsghdr *nlh;
	struct nlattr *opts, *acts;

	if (worst_size(f) > XS_FL_NL_BUF)
		return NULL;
	nlh = tc_header(buf, RTM_NEWTFILTER, flags, seq, w->ifindex, w->handle, tc_info(w));
	mnl_attr_put_strz(nlh, TCA_KIND, "flower");
	opts = nest(nlh, TCA_OPTIONS, false);
	for (uint16_t i = 0; i < f->n_match; i++)
		mnl_attr_put(nlh, f->match[i].type, f->match[i].len, f->match[i].data);
	acts = nest(nlh, TCA_FLOWER_ACT, false);
	for (uint16_t i = 0; i < f->n_acts; i++)
		put_action(nlh, &f->acts[i], (uint16_t)(i + 1));
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_put_u32(nlh, TCA_FLOWER_FLAGS, cls_flags);
	if (f->protocol != htons(ETH_P_ALL))
		mnl_attr_put_u16(nlh, TCA_FLOWER_KEY_ETH_TYPE, f->protocol);
	mnl_attr_nest_end(nlh, opts);
	return nlh;
}

struct nlmsghdr *xs_flower_nl_del(void *buf, const struct xs_fl_where *w, uint32_t seq)
{
	struct nlmsghdr *nlh = tc_header(buf, RTM_DELTFILTER, NLM_F_REQUEST | NLM_F_ACK, seq,
					 w->ifindex, w->handle, tc_info(w));

	mnl_attr_put_strz(nlh, TCA_KIND, "flower");
	return nlh;
}

struct nlmsghdr *xs_flower_nl_dump(void *buf, uint32_t ifindex, uint32_t seq)
{
	return tc_header(buf, RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP, seq, ifindex, 0, 0);
}

/* --- reading a dump ------------------------------------------------------- */

struct attrs {
	const struct nlattr *tb[TCA_FLOWER_MAX + 1];
	uint16_t max;
};

static int table_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static int parse_nested(const struct nlattr *a, struct attrs *t, uint16_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	return mnl_attr_parse_nested(a, table_cb, t) < 0 ? -EINVAL : 0;
}

/* The first action's TCA_ACT_STATS: basic (all) and basic_hw (hardware). */
static int parse_stats(const struct nlattr *stats, struct xs_fl_dumped *out)
{
	struct attrs s;

	if (parse_nested(stats, &s, TCA_STATS_MAX))
		return -EINVAL;
	if (s.tb[TCA_STATS_BASIC] &&
	    mnl_attr_get_payload_len(s.tb[TCA_STATS_BASIC]) >= sizeof(struct gnet_stats_basic)) {
		struct gnet_stats_basic b;

		memcpy(&b, mnl_attr_get_payload(s.tb[TCA_STATS_BASIC]), sizeof(b));
		out->packets = b.packets;
		out->bytes = b.bytes;
		out->has_stats = true;
	}
	if (s.tb[TCA_STATS_PKT64] && mnl_attr_get_payload_len(s.tb[TCA_STATS_PKT64]) == 8)
		out->packets = mnl_attr_get_u64(s.tb[TCA_STATS_PKT64]);
	if (s.tb[TCA_STATS_BASIC_HW] &&
	    mnl_attr_get_payload_len(s.tb[TCA_STATS_BASIC_HW]) >=
		    sizeof(struct gnet_stats_basic)) {
		struct gnet_stats_basic b;

		memcpy(&b, mnl_attr_get_payload(s.tb[TCA_STATS_BASIC_HW]), sizeof(b));
		out->hw_packets = b.packets;
		out->hw_bytes = b.bytes;
	}
	return 0;
}

static int parse_first_action(const struct nlattr *acts, struct xs_fl_dumped *out)
{
	struct attrs slots, act, opts;

	if (parse_nested(acts, &slots, TCA_ACT_MAX_PRIO) || !slots.tb[1])
		return slots.tb[1] ? -EINVAL : 0;
	if (parse_nested(slots.tb[1], &act, TCA_ACT_MAX))
		return -EINVAL;
	if (act.tb[TCA_ACT_STATS] && parse_stats(act.tb[TCA_ACT_STATS], out))
		return -EINVAL;
	/* Every action's options start with its TM (type 1 in each kind). */
	if (act.tb[TCA_ACT_OPTIONS] && !parse_nested(act.tb[TCA_ACT_OPTIONS], &opts, 1) &&
	    opts.tb[1] && mnl_attr_get_payload_len(opts.tb[1]) >= sizeof(struct tcf_t)) {
		struct tcf_t tm;

		memcpy(&tm, mnl_attr_get_payload(opts.tb[1]), sizeof(tm));
		out->lastuse_ms = tm.lastuse * 10; /* clock_t at USER_HZ 100 */
	}
	return 0;
}

int xs_flower_nl_parse(const struct nlmsghdr *nlh, struct xs_fl_dumped *out)
{
	const struct tcmsg *t;
	struct attrs top = { .max = TCA_MAX }, fl;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*t)))
		return -EINVAL;
	t = mnl_nlmsg_get_payload(nlh);
	out->ifindex = (uint32_t)t->tcm_ifindex;
	out->handle = t->tcm_handle;
	out->prio = (uint16_t)(TC_H_MAJ(t->tcm_info) >> 16);
	out->protocol = (uint16_t)TC_H_MIN(t->tcm_info);
	if (mnl_attr_parse(nlh, sizeof(*t), table_cb, &top) < 0)
		return -EINVAL;
	if (!top.tb[TCA_KIND] || mnl_attr_validate(top.tb[TCA_KIND], MNL_TYPE_STRING) < 0 ||
	    strcmp(mnl_attr_get_str(top.tb[TCA_KIND]), "flower"))
		return 0;
	out->flower = true;
	if (!top.tb[TCA_OPTIONS])
		return 0;
	if (parse_nested(top.tb[TCA_OPTIONS], &fl, TCA_FLOWER_MAX))
		return -EINVAL;
	if (fl.tb[TCA_FLOWER_FLAGS] && mnl_attr_get_payload_len(fl.tb[TCA_FLOWER_FLAGS]) == 4)
		out->in_hw = mnl_attr_get_u32(fl.tb[TCA_FLOWER_FLAGS]) & TCA_CLS_FLAGS_IN_HW;
	return fl.tb[TCA_FLOWER_ACT] ? parse_first_action(fl.tb[TCA_FLOWER_ACT], out) : 0;
}
