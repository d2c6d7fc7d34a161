// SPDX-License-Identifier: Apache-2.0
/* One rtnetlink socket with extended acks (tc_sock.h). */
#include "agent/offload/tc_sock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

struct xs_tc_sock {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	char buf[32768]; /* a dump's batch of filters with their actions */
};

int xs_tc_sock_open(struct xs_tc_sock **out)
{
	struct xs_tc_sock *s = calloc(1, sizeof(*s));
	int one = 1, err;

	if (!s)
		return -ENOMEM;
	s->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		if (s->nl)
			mnl_socket_close(s->nl);
		free(s);
		return err;
	}
	/* Kernels before 4.12 have no extended acks: the errno alone then. */
	mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = 1;
	*out = s;
	return 0;
}

void xs_tc_sock_close(struct xs_tc_sock *s)
{
	if (!s)
		return;
	mnl_socket_close(s->nl);
	free(s);
}

static int ext_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The error of an NLMSG_ERROR message, and its extended-ack text. */
static int read_error(const struct nlmsghdr *nlh, char *ext, size_t ext_size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const char *msg = NULL;
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (e->error && ext && (nlh->nlmsg_flags & NLM_F_ACK_TLVS)) {
		/* TLVs follow the echoed request (only its header if capped) */
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse(nlh, (unsigned int)off, ext_attr_cb, &msg);
	}
	if (ext && ext_size)
		snprintf(ext, ext_size, "%s", msg ? msg : "");
	return e->error;
}

int xs_tc_sock_request(struct xs_tc_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		       char *ext, size_t ext_size)
{
	char *buf = s->buf;
	uint32_t seq = s->seq++;

	if (ext && ext_size)
		ext[0] = '\0';
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->nl, buf, sizeof(s->buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != s->portid)
				continue; /* an answer to an earlier, abandoned request */
			if (m->nlmsg_type == NLMSG_ERROR)
				return read_error(m, ext, ext_size);
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb && cb(m, data) < 0)
				return -EBADMSG;
		}
	}
}
