// SPDX-License-Identifier: Apache-2.0
/* Re-injection in userspace for the xdp provider (xdp_exec.h): the dummy
 * executor's rewrites, frames queued and sent with sendmmsg. */
#include "agent/dpif/xdp_exec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include "agent/dpif/dummy_exec.h"
#include "common/clock.h"
#include "common/flow_parse.h"

struct xs_xdp_exec {
	int fd;
	bool defer;
	unsigned n;                        /* frames queued */
	struct xs_dummy_frame frame;       /* the packet being run */
	struct mmsghdr msg[XS_XDP_EXEC_QUEUE];
	struct iovec iov[XS_XDP_EXEC_QUEUE];
	struct sockaddr_ll to[XS_XDP_EXEC_QUEUE];
	uint8_t buf[XS_XDP_EXEC_QUEUE][XS_DUMMY_HEADROOM + XS_UPCALL_MAX_PKT];
	uint64_t run, sent, failed, dropped;
};

int xs_xdp_exec_open(struct xs_xdp_exec **out)
{
	struct xs_xdp_exec *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	/* protocol 0: the socket receives nothing, it only sends */
	e->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (e->fd < 0) {
		int err = -errno;

		free(e);
		return err;
	}
	*out = e;
	return 0;
}

void xs_xdp_exec_close(struct xs_xdp_exec *e)
{
	if (!e)
		return;
	xs_xdp_exec_flush(e);
	close(e->fd);
	free(e);
}

/* True if every action is one this file runs: rewrites and outputs to
 * one port. */
static bool runs_here(const struct xs_action *a, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (a[i].type == XS_ACT_OUTPUT) {
			if (a[i].flags & XS_OUT_F_BROADCAST)
				return false;
			continue;
		}
		if (a[i].type == XS_ACT_TO_AGENT || xs_act_is_ct(a[i].type) ||
		    a[i].type == XS_ACT_NONE || a[i].type >= XS_ACT__MAX)
			return false;
	}
	return true;
}

static void queue(struct xs_xdp_exec *e, uint32_t port, const uint8_t *data, size_t len)
{
	unsigned i = e->n++;

	memcpy(e->buf[i], data, len);
	e->iov[i] = (struct iovec){ .iov_base = e->buf[i], .iov_len = len };
	/* the frame's own EtherType, as the stack would set it */
	e->to[i] = (struct sockaddr_ll){ .sll_family = AF_PACKET, .sll_ifindex = (int)port };
	memcpy(&e->to[i].sll_protocol, data + 12, sizeof(e->to[i].sll_protocol));
	e->msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &e->to[i],
						   .msg_namelen = sizeof(e->to[i]),
						   .msg_iov = &e->iov[i], .msg_iovlen = 1 } };
}

int xs_xdp_exec_run(struct xs_xdp_exec *e, uint32_t in_port, const void *pkt, size_t len,
		    const struct xs_action *actions, uint16_t n_actions,
		    struct xs_flow_stats *credit)
{
	struct xs_dummy_frame *f = &e->frame;
	struct xs_parse_info info;
	struct xs_flow_key key;
	unsigned outputs = 0, start;

	if (len > XS_UPCALL_MAX_PKT)
		return -EMSGSIZE;
	if (!runs_here(actions, n_actions))
		return -EOPNOTSUPP;
	for (uint16_t i = 0; i < n_actions; i++)
		outputs += actions[i].type == XS_ACT_OUTPUT;
	if (e->n + outputs > XS_XDP_EXEC_QUEUE)
		xs_xdp_exec_flush(e);
	start = e->n;
	xs_flow_parse(pkt, len, in_port, &key, &info);
	xs_dummy_frame_load(f, pkt, len, &info);
	for (uint16_t i = 0; i < n_actions; i++) {
		if (actions[i].type == XS_ACT_OUTPUT) {
			queue(e, actions[i].arg, f->data, f->len);
			continue;
		}
		/* An expiring TTL goes to the agent and a refused rewrite
		 * stops the list with an error counted: the fast path's
		 * executor does both, from the start. */
		if (xs_dummy_rewrite(f, &actions[i])) {
			e->n = start;
			return -EOPNOTSUPP;
		}
	}
	e->run++;
	/* a list that outputs nothing drops the packet: counted as the fast
	 * path's executor counts it (action_drop) */
	e->dropped += !outputs;
	if (credit)
		*credit = (struct xs_flow_stats){ .packets = 1, .bytes = len,
						  .used_ns = xs_mono_ns(),
						  .tcp_flags = key.tcp_flags };
	if (!e->defer)
		xs_xdp_exec_flush(e);
	return 0;
}

void xs_xdp_exec_defer(struct xs_xdp_exec *e, bool on)
{
	e->defer = on;
	if (!on)
		xs_xdp_exec_flush(e);
}

unsigned xs_xdp_exec_flush(struct xs_xdp_exec *e)
{
	unsigned done = 0, failed = 0;

	while (done < e->n) {
		int r = sendmmsg(e->fd, &e->msg[done], e->n - done, MSG_DONTWAIT);

		if (r > 0) {
			done += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* the first frame is refused (its port is gone, its queue
		 * full): it is lost, as a clone the kernel refuses is */
		done++;
		failed++;
	}
	e->sent += e->n - failed;
	e->failed += failed;
	e->n = 0;
	return failed;
}

void xs_xdp_exec_counts(const struct xs_xdp_exec *e, uint64_t *run, uint64_t *sent,
			uint64_t *failed, uint64_t *dropped)
{
	*run = e->run;
	*sent = e->sent;
	*failed = e->failed;
	*dropped = e->dropped;
}
