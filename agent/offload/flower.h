// SPDX-License-Identifier: Apache-2.0
/* Megaflow -> TC flower filter: the translation, pure C (no socket, no
 * root), so every field and every refusal is unit-tested.
 *
 * A megaflow {key & mask -> actions} becomes one flower filter on the
 * clsact ingress hook of its in_port: the filter's protocol is the
 * outermost Ethernet type, the match is a list of TCA_FLOWER_KEY_*
 * attributes (value, and mask where flower takes one), the actions a list
 * of act_mirred / act_gact / act_vlan / act_pedit / act_csum entries in
 * execution order. The encoding into a netlink message is flower_nl.h.
 *
 * What flower cannot express is refused with a short fixed reason (a
 * static string, so callers can count refusals per reason): a field it
 * has no key for (IPv6 label, ND target), a partial mask where flower
 * only matches exactly (IP protocol, VLAN id), an action with no TC
 * counterpart (to the agent), a TTL decrement whose expiry the megaflow
 * does not rule out (the fast path hands expiry to the agent). */
#ifndef XS_OFFLOAD_FLOWER_H
#define XS_OFFLOAD_FLOWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdpswitch/actions.h"
#include "xdpswitch/flow_key.h"

#define XS_FL_MAX_MATCH 48
#define XS_FL_MAX_ACTS 32   /* TCA_ACT_MAX_PRIO */
#define XS_FL_MAX_PEDIT 16

/* One TCA_FLOWER_KEY_* attribute: @len bytes of @data, as sent. */
struct xs_fl_attr {
	uint16_t type;
	uint16_t len;
	uint8_t data[16];
};

/* One pedit key (struct tc_pedit_key + its extended header type and
 * command): 32 bits at @off of header @htype; @mask is the bits KEPT. */
struct xs_fl_pedit_key {
	uint16_t htype; /* TCA_PEDIT_KEY_EX_HDR_TYPE_* */
	uint16_t cmd;   /* TCA_PEDIT_KEY_EX_CMD_SET or _ADD */
	uint32_t off;
	uint32_t val;   /* network order, as in the packet */
	uint32_t mask;  /* network order */
};

enum xs_fl_act_kind {
	XS_FLA_MIRRED = 1, /* redirect (last output) or mirror (others) */
	XS_FLA_GACT,       /* drop */
	XS_FLA_VLAN,       /* push / pop / modify */
	XS_FLA_PEDIT,      /* header rewrites */
	XS_FLA_CSUM,       /* checksums after a rewrite */
};

struct xs_fl_action {
	enum xs_fl_act_kind kind;
	int32_t verdict; /* tc_gen action: TC_ACT_PIPE, _STOLEN, _SHOT */
	union {
		struct {
			int32_t eaction; /* TCA_EGRESS_REDIR / TCA_EGRESS_MIRROR */
			uint32_t ifindex;
		} mirred;
		struct {
			int32_t v_action; /* TCA_VLAN_ACT_* */
			uint16_t id;
			uint16_t proto;   /* network order; push only */
			uint8_t prio;
			bool has_prio;
		} vlan;
		struct {
			uint8_t n;
			struct xs_fl_pedit_key keys[XS_FL_MAX_PEDIT];
		} pedit;
		struct {
			uint32_t update_flags; /* TCA_CSUM_UPDATE_FLAG_* */
		} csum;
	} u;
};

struct xs_flower {
	uint32_t ifindex;   /* the ingress port: where the filter goes */
	uint16_t protocol;  /* network order: tcm_info's protocol */
	uint16_t n_match;
	struct xs_fl_attr match[XS_FL_MAX_MATCH];
	uint16_t n_acts;
	struct xs_fl_action acts[XS_FL_MAX_ACTS];
};

/* The bridge's ports (datapath numbers) for a flood: every one but the
 * ingress port gets a copy. */
struct xs_fl_ports {
	const uint32_t *ports;
	size_t n;
};

/* Translates megaflow @key/@mask (key already masked) with @actions into
 * *@out. Returns 0, or -EOPNOTSUPP with *@reason set to a static string
 * naming what flower cannot express (nothing else is written then). */
int xs_flower_from_megaflow(const struct xs_flow_key *key, const struct xs_flow_key *mask,
			    const struct xs_action *actions, uint16_t n_actions,
			    const struct xs_fl_ports *ports, struct xs_flower *out,
			    const char **reason);

/* The match attribute of @type in @f, or NULL (for tests). */
const struct xs_fl_attr *xs_flower_find(const struct xs_flower *f, uint16_t type);

#endif
