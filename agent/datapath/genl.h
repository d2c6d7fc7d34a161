// SPDX-License-Identifier: Apache-2.0
/* One generic-netlink request and its answer, with libmnl, shared by the
 * xdp-features probe (port_hw.c) and the port notifications
 * (port_events.c); and the kernel's netdev family's names, which this
 * system's headers do not have (linux/netdev.h). */
#ifndef XS_DATAPATH_GENL_H
#define XS_DATAPATH_GENL_H

#include <stdint.h>
#include <libmnl/libmnl.h>

#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_MCGRP_MGMT "mgmt"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_NDO_XMIT (1ull << 2)

/* Sends command @cmd of family @type on @nl (a blocking socket), with the
 * attributes @put adds from @arg, and runs @cb over every message of the
 * answer with @data. Returns 0 or -errno (-ENOENT: no such family). */
int xs_genl_request(struct mnl_socket *nl, uint16_t type, uint8_t cmd,
		    void (*put)(struct nlmsghdr *, const void *), const void *arg, mnl_cb_t cb,
		    void *data);

/* Puts @arg (a string) as CTRL_ATTR_FAMILY_NAME: for CTRL_CMD_GETFAMILY. */
void xs_genl_put_family_name(struct nlmsghdr *nlh, const void *arg);

#endif
