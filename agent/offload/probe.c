// SPDX-License-Identifier: Apache-2.0
/* Port probing for offload (probe.h): ethtool features over generic
 * netlink, the clsact qdisc over rtnetlink. */
#include "agent/offload/probe.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "agent/datapath/genl.h"

/* --- ethtool features ----------------------------------------------------- */

struct family_reply {
	uint16_t id;
};

static int family_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && !mnl_attr_validate(a, MNL_TYPE_U16))
		((struct family_reply *)data)->id = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

/* Does bitset @set (bit-list form, with names) hold a set bit @name? */
struct bit_search {
	const char *name;
	bool found;
	bool nomask;
};

static int bit_cb(const struct nlattr *a, void *data)
{
	struct bit_search *b = data;
	const struct nlattr *x;
	const char *name = NULL;
	bool value = false;

	if (mnl_attr_get_type(a) != ETHTOOL_A_BITSET_BITS_BIT)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(x, a) {
		if (mnl_attr_get_type(x) == ETHTOOL_A_BITSET_BIT_NAME &&
		    mnl_attr_validate(x, MNL_TYPE_NUL_STRING) >= 0)
			name = mnl_attr_get_str(x);
		if (mnl_attr_get_type(x) == ETHTOOL_A_BITSET_BIT_VALUE)
			value = true;
	}
	/* A list without a mask names only set bits; with a mask, VALUE says. */
	if (name && !strcmp(name, b->name) && (b->nomask || value))
		b->found = true;
	return MNL_CB_OK;
}

static bool bitset_has(const struct nlattr *set, const char *name)
{
	struct bit_search b = { .name = name };
	const struct nlattr *x;

	mnl_attr_for_each_nested(x, set)
		if (mnl_attr_get_type(x) == ETHTOOL_A_BITSET_NOMASK)
			b.nomask = true;
	mnl_attr_for_each_nested(x, set)
		if (mnl_attr_get_type(x) == ETHTOOL_A_BITSET_BITS)
			mnl_attr_parse_nested(x, bit_cb, &b);
	return b.found;
}

static int features_attr_cb(const struct nlattr *a, void *data)
{
	struct xs_feature_query *q = data;

	switch (mnl_attr_get_type(a)) {
	case ETHTOOL_A_FEATURES_HW:
		q->available = bitset_has(a, q->name);
		q->answered = true;
		break;
	case ETHTOOL_A_FEATURES_ACTIVE:
		q->active = bitset_has(a, q->name);
		q->answered = true;
		break;
	}
	return MNL_CB_OK;
}

int xs_ethtool_features_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), features_attr_cb, data) < 0
		       ? MNL_CB_ERROR
		       : MNL_CB_OK;
}

static void put_header(struct nlmsghdr *nlh, const void *arg)
{
	struct nlattr *h = mnl_attr_nest_start(nlh, ETHTOOL_A_FEATURES_HEADER);

	mnl_attr_put_u32(nlh, ETHTOOL_A_HEADER_DEV_INDEX, *(const uint32_t *)arg);
	mnl_attr_nest_end(nlh, h);
}

int xs_ethtool_feature(uint32_t ifindex, const char *name, bool *available, bool *active)
{
	struct xs_feature_query q = { .name = name };
	struct family_reply fam = { 0 };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	int err;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	err = xs_genl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, xs_genl_put_family_name,
			      ETHTOOL_GENL_NAME, family_cb, &fam);
	if (err == -ENOENT || (!err && !fam.id)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (err)
		goto out;
	err = xs_genl_request(nl, fam.id, ETHTOOL_MSG_FEATURES_GET, put_header, &ifindex,
			      xs_ethtool_features_cb, &q);
	if (!err && !q.answered)
		err = -EOPNOTSUPP;
	if (!err) {
		*available = q.available;
		*active = q.active;
	}
out:
	mnl_socket_close(nl);
	return err;
}

/* --- clsact --------------------------------------------------------------- */

static int kind_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == TCA_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0 &&
	    !strcmp(mnl_attr_get_str(a), "clsact"))
		*(bool *)data = true;
	return MNL_CB_OK;
}

int xs_clsact_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xs_clsact_search *q = data;
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	bool clsact = false;

	if (nlh->nlmsg_type != RTM_NEWQDISC || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*t)) ||
	    (uint32_t)t->tcm_ifindex != q->ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*t), kind_cb, &clsact);
	q->found |= clsact && t->tcm_parent == TC_H_CLSACT;
	return MNL_CB_OK;
}

struct nlmsghdr *xs_clsact_msg(char *buf, uint16_t type, uint32_t ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *t;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = type == RTM_GETQDISC ? NLM_F_REQUEST | NLM_F_DUMP
			 : type == RTM_NEWQDISC ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
						  NLM_F_EXCL
						: NLM_F_REQUEST | NLM_F_ACK;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = (int)ifindex;
	if (type != RTM_GETQDISC) {
		t->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
		t->tcm_parent = TC_H_CLSACT;
		mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	}
	return nlh;
}
