/* Port table of a bridge (names, ifindexes, OpenFlow numbers) and the probe
 * that decides whether an XDP redirect into a port delivers. */
#include "agent/datapath/ports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <libmnl/libmnl.h>

/* From the kernel's netdev family (linux/netdev.h, not in these headers). */
#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_XDP_ACT_NDO_XMIT (1ull << 2)

int xs_port_spec_parse(const char *spec, char name[IF_NAMESIZE], uint32_t *ofport,
		       struct xs_err *err)
{
	const char *eq = strchr(spec, '=');
	size_t n = eq ? (size_t)(eq - spec) : strlen(spec);
	char *end;
	unsigned long v;

	*ofport = 0;
	err->line = 0;
	if (n == 0)
		return xs_err_set(err, 1, "missing interface name in '%s'", spec);
	if (n >= IF_NAMESIZE)
		return xs_err_set(err, IF_NAMESIZE, "interface name longer than %d characters",
				  IF_NAMESIZE - 1);
	for (size_t i = 0; i < n; i++)
		if (spec[i] == '/' || spec[i] == ' ' || spec[i] == ':')
			return xs_err_set(err, (int)i + 1, "'%c' is not allowed in an interface name",
					  spec[i]);
	memcpy(name, spec, n);
	name[n] = '\0';
	if (!eq)
		return 0;
	if (eq[1] < '0' || eq[1] > '9')
		return xs_err_set(err, (int)n + 2, "expected an OpenFlow port number after '='");
	errno = 0;
	v = strtoul(eq + 1, &end, 10);
	if (*end)
		return xs_err_set(err, (int)(end - spec) + 1, "unexpected '%s' after the port number",
				  end);
	if (errno || v < 1 || v > XS_OFPORT_MAX)
		return xs_err_set(err, (int)n + 2, "OpenFlow port number must be 1..%u",
				  XS_OFPORT_MAX);
	*ofport = (uint32_t)v;
	return 0;
}

void xs_ports_init(struct xs_port_table *t)
{
	memset(t, 0, sizeof(*t));
}

void xs_ports_free(struct xs_port_table *t)
{
	free(t->ports);
	xs_ports_init(t);
}

struct xs_port *xs_ports_by_name(const struct xs_port_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->ports[i].name, name))
			return &t->ports[i];
	return NULL;
}

struct xs_port *xs_ports_by_ifindex(const struct xs_port_table *t, int ifindex)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ports[i].ifindex == ifindex)
			return &t->ports[i];
	return NULL;
}

struct xs_port *xs_ports_by_ofport(const struct xs_port_table *t, uint32_t ofport)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ports[i].ofport == ofport)
			return &t->ports[i];
	return NULL;
}

/* Lowest number not in the (sorted) table, 0 if none is left. */
static uint32_t lowest_free(const struct xs_port_table *t)
{
	uint32_t want = 1;

	for (size_t i = 0; i < t->n && t->ports[i].ofport == want; i++)
		want++;
	return want <= XS_OFPORT_MAX ? want : 0;
}

int xs_ports_add(struct xs_port_table *t, const char *name, int ifindex, uint32_t ofport,
		 struct xs_port **out)
{
	struct xs_port *p;
	size_t at;

	if (!name[0] || strlen(name) >= IF_NAMESIZE || ifindex <= 0)
		return -EINVAL;
	if (ofport > XS_OFPORT_MAX)
		return -ERANGE;
	if (xs_ports_by_name(t, name) || xs_ports_by_ifindex(t, ifindex))
		return -EEXIST;
	if (t->n >= XS_MAX_PORTS)
		return -ENOSPC;
	if (ofport && xs_ports_by_ofport(t, ofport))
		return -EADDRINUSE;
	if (!ofport) {
		ofport = lowest_free(t);
		if (!ofport)
			return -ENOSPC;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;

		p = realloc(t->ports, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->ports = p;
		t->cap = cap;
	}
	for (at = 0; at < t->n && t->ports[at].ofport < ofport; at++)
		;
	memmove(&t->ports[at + 1], &t->ports[at], (t->n - at) * sizeof(*p));
	t->n++;
	p = &t->ports[at];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ifindex = ifindex;
	p->ofport = ofport;
	if (out)
		*out = p;
	return 0;
}

int xs_ports_del(struct xs_port_table *t, const char *name)
{
	struct xs_port *p = xs_ports_by_name(t, name);
	size_t at;

	if (!p)
		return -ENOENT;
	at = (size_t)(p - t->ports);
	memmove(p, p + 1, (t->n - at - 1) * sizeof(*p));
	t->n--;
	return 0;
}

const char *xs_port_tx_name(enum xs_port_tx tx)
{
	switch (tx) {
	case XS_TX_XDP: return "xdp";
	case XS_TX_TC: return "tc";
	default: return "?";
	}
}

int xs_port_driver(const char *name, char *buf, size_t size)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd, err = 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_data = (void *)&info;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		err = -errno;
	else
		snprintf(buf, size, "%s", info.driver);
	close(fd);
	return err;
}

/* --- netdev generic netlink: xdp-features -------------------------------- */

struct nl_reply {
	uint16_t family;
	uint64_t features;
	int have_features;
};

static int ctrl_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_reply *r = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    !mnl_attr_validate(a, MNL_TYPE_U16))
		r->family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int dev_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_reply *r = data;

	if (mnl_attr_get_type(a) == NETDEV_A_DEV_XDP_FEATURES &&
	    !mnl_attr_validate(a, MNL_TYPE_U64)) {
		r->features = mnl_attr_get_u64(a);
		r->have_features = 1;
	}
	return MNL_CB_OK;
}

static int ctrl_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, data);
}

static int dev_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dev_attr_cb, data);
}

/* Sends one genetlink request and runs cb over the answer. */
static int genl_request(struct mnl_socket *nl, uint16_t type, uint8_t cmd,
			void (*put)(struct nlmsghdr *, const void *), const void *arg,
			mnl_cb_t cb, struct nl_reply *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
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
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, r);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static void put_family_name(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, arg);
}

static void put_ifindex(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_u32(nlh, NETDEV_A_DEV_IFINDEX, *(const uint32_t *)arg);
}

int xs_netdev_xdp_features(int ifindex, uint64_t *features)
{
	struct nl_reply r = { 0 };
	struct mnl_socket *nl;
	uint32_t idx = (uint32_t)ifindex;
	int err;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	err = genl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, put_family_name,
			   NETDEV_FAMILY_NAME, ctrl_msg_cb, &r);
	if (err == -ENOENT || (!err && !r.family)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (err)
		goto out;
	err = genl_request(nl, r.family, NETDEV_CMD_DEV_GET, put_ifindex, &idx, dev_msg_cb, &r);
	if (!err && !r.have_features)
		err = -EOPNOTSUPP;
	if (!err)
		*features = r.features;
out:
	mnl_socket_close(nl);
	return err;
}

int xs_port_probe_tx(struct xs_port *p)
{
	char driver[32] = "";
	uint64_t features;
	int err;

	p->tx = XS_TX_UNKNOWN;
	err = xs_netdev_xdp_features(p->ifindex, &features);
	if (!err) {
		p->tx = features & NETDEV_XDP_ACT_NDO_XMIT ? XS_TX_XDP : XS_TX_TC;
		snprintf(p->tx_why, sizeof(p->tx_why), "xdp-features %s ndo-xmit",
			 p->tx == XS_TX_XDP ? "has" : "lacks");
		return 0;
	}
	if (err != -EOPNOTSUPP)
		return err;
	err = xs_port_driver(p->name, driver, sizeof(driver));
	if (err)
		return err;
	if (!strcmp(driver, "veth")) {
		p->tx = XS_TX_TC;
		snprintf(p->tx_why, sizeof(p->tx_why), "veth, peer state unknown");
	} else if (p->xdp.mode == XS_XDP_MODE_NATIVE) {
		p->tx = XS_TX_XDP;
		snprintf(p->tx_why, sizeof(p->tx_why), "%s with native XDP", driver);
	} else {
		p->tx = XS_TX_TC;
		snprintf(p->tx_why, sizeof(p->tx_why), "%s without native XDP", driver);
	}
	return 0;
}
