// SPDX-License-Identifier: Apache-2.0
/* One rtnetlink socket for the offload layer (libmnl): a request, its
 * answer messages handed to a callback, and the kernel's own words on a
 * refusal (extended ack), which become the reason `dump-megaflows` shows. */
#ifndef XS_OFFLOAD_TC_SOCK_H
#define XS_OFFLOAD_TC_SOCK_H

#include <stddef.h>
#include <libmnl/libmnl.h>

struct xs_tc_sock;

int xs_tc_sock_open(struct xs_tc_sock **out);
void xs_tc_sock_close(struct xs_tc_sock *s);

/* Sends @nlh (its seq is set here) and reads the answer: every message
 * but the final ack or NLMSG_DONE goes to @cb (may be NULL) with @data.
 * Returns 0 or the kernel's -errno; on an error @ext (may be NULL) gets
 * the kernel's extended-ack message, or "" when it gave none. */
int xs_tc_sock_request(struct xs_tc_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
		       char *ext, size_t ext_size);

#endif
