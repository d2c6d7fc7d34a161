// SPDX-License-Identifier: Apache-2.0
/* The fast path on one interface: our XDP program (swapped in place for a
 * previous run's, or through libxdp, or plainly), our TC ingress filter,
 * and the probe that says whether an XDP redirect into the interface is
 * delivered (port_hw.h). */
#include "agent/datapath/port_hw.h"
#include "agent/datapath/genl.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "agent/control/proto.h"

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
	err = xs_genl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, xs_genl_put_family_name,
			   NETDEV_FAMILY_NAME, ctrl_msg_cb, &r);
	if (err == -ENOENT || (!err && !r.family)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (err)
		goto out;
	err = xs_genl_request(nl, r.family, NETDEV_CMD_DEV_GET, put_ifindex, &idx, dev_msg_cb,
			      &r);
	if (!err && !r.have_features)
		err = -EOPNOTSUPP;
	if (!err)
		*features = r.features;
out:
	mnl_socket_close(nl);
	return err;
}

int xs_port_probe_tx(struct xs_port_hw *p)
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

/* Is another bridge's agent running (its lock held)? Its name goes to
 * bridge[]. */
static bool other_agent_running(const char *ours, char *bridge, size_t size)
{
	DIR *d = opendir(xs_ctl_run_dir());
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char path[512];
		int fd;

		if (n <= 5 || strcmp(e->d_name + n - 5, ".lock") ||
		    (n - 5 == strlen(ours) && !strncmp(e->d_name, ours, n - 5)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", xs_ctl_run_dir(), e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK) {
			snprintf(bridge, size, "%.*s", (int)(n - 5), e->d_name);
			found = true;
		}
		close(fd);
	}
	closedir(d);
	return found;
}

/* Without force, an interface that carries a program named like ours
 * while another bridge's agent runs is taken to be that bridge's port. */
static int check_other_bridge(const struct xs_port_hw_cfg *c, const char *name, int ifindex,
			      char *why, size_t why_size)
{
	char ours[16], found[16], other[64];
	__u32 id;

	if (xs_prog_name(c->xdp_fd, ours) || xs_xdp_query(ifindex, &id, found) || !id ||
	    strcmp(ours, found) || !other_agent_running(c->bridge, other, sizeof(other)))
		return 0;
	snprintf(why, why_size, "'%s' already runs an xdpswitch program (id %u), maybe as a "
		 "port of bridge %s; --force takes it", name, id, other);
	return -EBUSY;
}

/* A restarted agent finds the previous run's program (named like ours,
 * alone on the hook) still forwarding: it is swapped for ours with one
 * atomic XDP_FLAGS_REPLACE, so no frame meets an empty hook (a detach and
 * attach would drop what arrives in between). Fills p->xdp as a plain
 * attach, which xs_xdp_detach undoes. Returns 0, or -ENOENT when there is
 * no such program (the normal attach follows), or -errno. */
static int swap_in_place(const struct xs_port_hw_cfg *c, struct xs_port_hw *p)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char ours[16], found[16];
	__u32 our_id, id, flags;
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int old_fd, err;

	if (bpf_xdp_query(p->ifindex, 0, &q) || !q.prog_id ||
	    (q.attach_mode != XDP_ATTACHED_DRV && q.attach_mode != XDP_ATTACHED_SKB))
		return -ENOENT;
	flags = q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	if ((c->mode == XS_XDP_MODE_NATIVE && flags != XDP_FLAGS_DRV_MODE) ||
	    (c->mode == XS_XDP_MODE_SKB && flags != XDP_FLAGS_SKB_MODE) ||
	    xs_prog_name(c->xdp_fd, ours) || xs_xdp_query(p->ifindex, &id, found) ||
	    id != q.prog_id || strcmp(ours, found))
		return -ENOENT;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(c->xdp_fd, &info, &len))
		return -errno;
	our_id = info.id;
	old_fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (old_fd < 0)
		return -ENOENT;
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old_fd);
	err = bpf_xdp_attach(p->ifindex, c->xdp_fd, flags | XDP_FLAGS_REPLACE, &o) ? -errno : 0;
	close(old_fd);
	if (err)
		return err;
	memset(&p->xdp, 0, sizeof(p->xdp));
	p->xdp.ifindex = p->ifindex;
	p->xdp.mode = flags == XDP_FLAGS_DRV_MODE ? XS_XDP_MODE_NATIVE : XS_XDP_MODE_SKB;
	p->xdp.how = XS_XDP_HOW_PLAIN;
	p->xdp.prog_id = our_id;
	p->xdp.prog_fd = c->xdp_fd;
	snprintf(p->xdp.replaced, sizeof(p->xdp.replaced), "%s", found);
	return 0;
}

int xs_port_hw_attach(const struct xs_port_hw_cfg *c, const char *name, bool force,
		      struct xs_port_hw *p, char *note, size_t note_size, char *why,
		      size_t why_size)
{
	struct xs_attach_opts ao = { .mode = c->mode, .force = force, .no_libxdp = c->no_libxdp };
	char found[16];
	size_t used = 0;
	__u32 id;
	int err;

	memset(p, 0, sizeof(*p));
	note[0] = '\0';
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->ifindex = (int)if_nametoindex(name);
	if (!p->ifindex) {
		snprintf(why, why_size, "no interface '%s'", name);
		return -ENODEV;
	}
	if (c->xdp_fd >= 0 && !force) {
		err = check_other_bridge(c, name, p->ifindex, why, why_size);
		if (err)
			return err;
	}
	if (c->xdp_fd >= 0) {
		err = swap_in_place(c, p);
		if (err)
			err = xs_xdp_attach(p->ifindex, c->xdp_fd, &ao, &p->xdp);
		if (err == -EBUSY) {
			xs_xdp_query(p->ifindex, &id, found);
			snprintf(why, why_size, "'%s' already has XDP program '%s' (id %u); "
				 "--force replaces it", name, found, id);
		} else if (err) {
			snprintf(why, why_size, "attaching XDP to '%s': %s", name, strerror(-err));
		}
		if (err)
			return err;
		if (p->xdp.replaced[0])
			used += (size_t)snprintf(note + used, note_size - used,
						 "%s: replaced XDP program '%s'", name,
						 p->xdp.replaced);
		if (p->xdp.libxdp_err && used < note_size)
			used += (size_t)snprintf(note + used, note_size - used,
						 "%s%s: libxdp could not attach (%s); attached with "
						 "bpf_xdp_attach instead", used ? "; " : "", name,
						 strerror(-p->xdp.libxdp_err));
	}
	if (c->tc_fd >= 0) {
		err = xs_tc_attach(p->ifindex, c->tc_fd, &ao, &p->tc);
		if (err == -EBUSY)
			snprintf(why, why_size, "'%s' already has a TC ingress filter at handle %#x "
				 "priority %u; --force replaces it", name, XS_TC_HANDLE, XS_TC_PRIORITY);
		else if (err)
			snprintf(why, why_size, "attaching TC ingress to '%s': %s", name,
				 strerror(-err));
		if (err) {
			xs_xdp_detach(&p->xdp);
			return err;
		}
	}
	err = xs_port_probe_tx(p);
	if (err)
		snprintf(p->tx_why, sizeof(p->tx_why), "probe failed: %s", strerror(-err));
	return 0;
}

int xs_port_hw_detach(struct xs_port_hw *p, char *note, size_t note_size)
{
	int tc = xs_tc_detach(&p->tc), xdp = xs_xdp_detach(&p->xdp);

	note[0] = '\0';
	if (tc)
		snprintf(note, note_size, "%s: removing the TC filter: %s", p->name, strerror(-tc));
	else if (xdp)
		snprintf(note, note_size, "%s: detaching XDP: %s", p->name, strerror(-xdp));
	return tc ? tc : xdp;
}

bool xs_port_hw_reprobe(struct xs_port_hw *p)
{
	enum xs_port_tx was = p->tx;
	int err = xs_port_probe_tx(p);

	if (err)
		snprintf(p->tx_why, sizeof(p->tx_why), "probe failed: %s", strerror(-err));
	return p->tx != was;
}

void xs_port_hw_describe(const struct xs_port_hw *p, struct xs_ctl_buf *out, bool json)
{
	if (json) {
		xs_ctl_printf(out, "\"ifindex\": %d, \"xdp\": \"%s\", \"xdp_how\": \"%s\", "
			      "\"tc\": %s, \"tx\": \"%s\"", p->ifindex,
			      p->xdp.how ? xs_xdp_mode_name(p->xdp.mode) : "off",
			      xs_xdp_how_name(p->xdp.how), p->tc.attached ? "true" : "false",
			      xs_port_tx_name(p->tx));
		return;
	}
	xs_ctl_printf(out, "ifindex %d, xdp ", p->ifindex);
	if (p->xdp.how)
		xs_ctl_printf(out, "%s (%s)", xs_xdp_mode_name(p->xdp.mode),
			      xs_xdp_how_name(p->xdp.how));
	else
		xs_ctl_printf(out, "off");
	xs_ctl_printf(out, ", tc %s, tx %s (%s)", p->tc.attached ? "ingress" : "off",
		      xs_port_tx_name(p->tx), p->tx_why[0] ? p->tx_why : "not probed");
}

const char *xs_port_tx_name(enum xs_port_tx tx)
{
	switch (tx) {
	case XS_TX_XDP: return "xdp";
	case XS_TX_TC: return "tc";
	default: return "?";
	}
}
