// SPDX-License-Identifier: Apache-2.0
/* One generic-netlink request and its answer (genl.h). */
#include "agent/datapath/genl.h"

#include <errno.h>
#include <linux/genetlink.h>

int xs_genl_request(struct mnl_socket *nl, uint16_t type, uint8_t cmd,
		    void (*put)(struct nlmsghdr *, const void *), const void *arg, mnl_cb_t cb,
		    void *data)
{
	/* ethtool's feature sets with their names take ~10 KiB */
	char buf[32768];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	unsigned int seq = 1, portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	put(nlh, arg);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

void xs_genl_put_family_name(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, arg);
}

