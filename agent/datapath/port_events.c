// SPDX-License-Identifier: Apache-2.0
/* Interface change notifications (port_events.h), read with libmnl. */
#include "agent/datapath/port_events.h"
#include "agent/datapath/genl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

struct xs_port_events {
	struct mnl_socket *genl, *rtnl;
	int epfd;
};

/* The family id and the "mgmt" group id, from the controller's answer. */
struct family {
	uint16_t id;
	uint32_t mgmt;
};

static int group_cb(const struct nlattr *a, void *data)
{
	const char **name = data;
	int type = mnl_attr_get_type(a);

	if (type == CTRL_ATTR_MCAST_GRP_NAME && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		name[0] = mnl_attr_get_str(a);
	if (type == CTRL_ATTR_MCAST_GRP_ID && !mnl_attr_validate(a, MNL_TYPE_U32))
		name[1] = (const char *)(uintptr_t)(mnl_attr_get_u32(a) + 1);
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *a, void *data)
{
	struct family *f = data;
	struct nlattr *g;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && !mnl_attr_validate(a, MNL_TYPE_U16))
		f->id = mnl_attr_get_u16(a);
	if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(g, a) {
		const char *v[2] = { NULL, NULL }; /* name, id + 1 */

		mnl_attr_parse_nested(g, group_cb, v);
		if (v[0] && v[1] && !strcmp(v[0], NETDEV_MCGRP_MGMT))
			f->mgmt = (uint32_t)(uintptr_t)v[1] - 1;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
}

static int resolve(struct mnl_socket *nl, struct family *f)
{
	int err = xs_genl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, xs_genl_put_family_name,
				  NETDEV_FAMILY_NAME, family_cb, f);

	if (err)
		return err == -ENOENT ? -EOPNOTSUPP : err;
	return f->id && f->mgmt ? 0 : -EOPNOTSUPP;
}

static int add_to_epoll(int epfd, struct mnl_socket *nl)
{
	struct epoll_event e = { .events = EPOLLIN };

	e.data.fd = mnl_socket_get_fd(nl);
	return epoll_ctl(epfd, EPOLL_CTL_ADD, e.data.fd, &e) ? -errno : 0;
}

int xs_port_events_open(struct xs_port_events **out)
{
	struct xs_port_events *ev = calloc(1, sizeof(*ev));
	struct family f = { 0 };
	int err;

	if (!ev)
		return -ENOMEM;
	ev->epfd = -1;
	/* Blocking while the family is asked; non-blocking from then on. */
	ev->genl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	ev->rtnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!ev->genl || !ev->rtnl) {
		err = -errno;
		goto fail;
	}
	if (mnl_socket_bind(ev->genl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(ev->rtnl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	err = resolve(ev->genl, &f);
	if (err)
		goto fail;
	if (mnl_socket_setsockopt(ev->genl, NETLINK_ADD_MEMBERSHIP, &f.mgmt, sizeof(f.mgmt)) ||
	    fcntl(mnl_socket_get_fd(ev->genl), F_SETFL, O_NONBLOCK)) {
		err = -errno;
		goto fail;
	}
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		err = -errno;
		goto fail;
	}
	err = add_to_epoll(ev->epfd, ev->genl);
	if (!err)
		err = add_to_epoll(ev->epfd, ev->rtnl);
	if (err)
		goto fail;
	*out = ev;
	return 0;
fail:
	xs_port_events_close(ev);
	return err;
}

void xs_port_events_close(struct xs_port_events *ev)
{
	if (!ev)
		return;
	if (ev->genl)
		mnl_socket_close(ev->genl);
	if (ev->rtnl)
		mnl_socket_close(ev->rtnl);
	if (ev->epfd >= 0)
		close(ev->epfd);
	free(ev);
}

int xs_port_events_fd(const struct xs_port_events *ev)
{
	return ev ? ev->epfd : -1;
}

/* The ifindexes collected so far. */
struct found {
	uint32_t *v;
	size_t n, max;
	bool overflow;
};

static void note(struct found *f, uint32_t ifindex)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i] == ifindex)
			return;
	if (f->n < f->max)
		f->v[f->n++] = ifindex;
	else
		f->overflow = true;
}

static int netdev_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NETDEV_A_DEV_IFINDEX && !mnl_attr_validate(a, MNL_TYPE_U32))
		note(data, mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

static int netdev_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), netdev_attr_cb, data);
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if ((nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) &&
	    nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*ifi)) && ifi->ifi_index > 0)
		note(data, (uint32_t)ifi->ifi_index);
	return MNL_CB_OK;
}

/* Reads @nl until it would block. */
static int drain(struct mnl_socket *nl, mnl_cb_t cb, struct found *f)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			f->overflow = true; /* the kernel dropped some: check all */
			continue;
		}
		if (n < 0)
			return -errno;
		/* notifications carry sequence 0 and the kernel's port id */
		if (mnl_cb_run(buf, (size_t)n, 0, 0, cb, f) < 0 && errno != EINTR)
			f->overflow = true;
	}
}

int xs_port_events_read(struct xs_port_events *ev, uint32_t *ifindexes, size_t max,
			bool *overflow)
{
	struct found f = { ifindexes, 0, max, false };
	int err;

	if (!ev)
		return -EINVAL;
	err = drain(ev->genl, netdev_cb, &f);
	if (!err)
		err = drain(ev->rtnl, link_cb, &f);
	*overflow = f.overflow;
	return err ? err : (int)f.n;
}
