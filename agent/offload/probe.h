// SPDX-License-Identifier: Apache-2.0
/* What a port offers for hardware offload, probed when it is added: its
 * driver, the hw-tc-offload feature (ethtool netlink,
 * ETHTOOL_MSG_FEATURES_GET), whether a clsact qdisc is there, and (by the
 * XDP hardware-mode loader, xdp_hw.h) whether a program attaches in
 * hardware mode. Functions return 0 or -errno and print nothing. */
#ifndef XS_OFFLOAD_PROBE_H
#define XS_OFFLOAD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* The feature named @name (as `ethtool -k` names it, e.g. "hw-tc-offload")
 * of @ifindex: *@available (the device can turn it on) and *@active (it
 * is on). -EOPNOTSUPP: no ethtool netlink family (kernel before 5.6). */
int xs_ethtool_feature(uint32_t ifindex, const char *name, bool *available, bool *active);

/* Reads one ethtool FEATURES_GET answer (exposed for tests): sets the two
 * flags for @name from the HW and ACTIVE bitsets. Returns MNL_CB_OK or
 * MNL_CB_ERROR. */
struct xs_feature_query {
	const char *name;
	bool available, active, answered;
};
int xs_ethtool_features_cb(const struct nlmsghdr *nlh, void *data);

/* The clsact qdisc of a port, as rtnetlink requests for the caller to
 * send: RTM_GETQDISC (a dump of @ifindex's qdiscs: run
 * xs_clsact_dump_cb over the answer with a struct xs_clsact_search),
 * RTM_NEWQDISC (create, failing if there is one), RTM_DELQDISC. @buf
 * holds 512 bytes. */
struct nlmsghdr *xs_clsact_msg(char *buf, uint16_t type, uint32_t ifindex);

struct xs_clsact_search {
	uint32_t ifindex;
	bool found;
};
int xs_clsact_dump_cb(const struct nlmsghdr *nlh, void *data);

#endif
