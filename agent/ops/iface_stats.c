// SPDX-License-Identifier: Apache-2.0
/* Interface counters through rtnetlink (libmnl): one RTM_GETLINK request
 * by name, the IFLA_STATS64 attribute of the answer. */
#include "agent/ops/iface_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

struct xs_iface_reader {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

struct xs_iface_reader *xs_iface_reader_open(void)
{
	struct xs_iface_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		if (r->nl)
			mnl_socket_close(r->nl);
		free(r);
		errno = err;
		return NULL;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (uint32_t)time(NULL);
	return r;
}

void xs_iface_reader_close(struct xs_iface_reader *r)
{
	if (!r)
		return;
	mnl_socket_close(r->nl);
	free(r);
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct xs_iface_stats *st = data;
	const struct rtnl_link_stats64 *s;

	if (mnl_attr_get_type(attr) != IFLA_STATS64 ||
	    mnl_attr_get_payload_len(attr) < sizeof(*s))
		return MNL_CB_OK;
	s = mnl_attr_get_payload(attr);
	st->valid = true;
	st->rx_packets = s->rx_packets;
	st->rx_bytes = s->rx_bytes;
	st->rx_dropped = s->rx_dropped;
	st->rx_errors = s->rx_errors;
	st->rx_frame_errors = s->rx_frame_errors;
	st->rx_over_errors = s->rx_over_errors;
	st->rx_crc_errors = s->rx_crc_errors;
	st->tx_packets = s->tx_packets;
	st->tx_bytes = s->tx_bytes;
	st->tx_dropped = s->tx_dropped;
	st->tx_errors = s->tx_errors;
	st->collisions = s->collisions;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), attr_cb, data);
}

int xs_iface_stats_read(struct xs_iface_reader *r, const char *ifname, struct xs_iface_stats *st)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint32_t seq = ++r->seq;
	ssize_t n;
	int ret;

	memset(st, 0, sizeof(*st));
	if (strlen(ifname) >= IF_NAMESIZE)
		return 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* One request, one answer: the link, or an error. */
	n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	ret = mnl_cb_run(buf, (size_t)n, seq, r->portid, link_cb, st);
	if (ret < 0 && errno == ENODEV) {
		memset(st, 0, sizeof(*st)); /* no such interface: not an error */
		return 0;
	}
	return ret < 0 ? -errno : 0;
}
