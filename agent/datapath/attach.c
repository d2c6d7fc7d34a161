// SPDX-License-Identifier: Apache-2.0
/* XDP and TC ingress attachment of the datapath programs to one interface:
 * libxdp first, plain bpf_xdp_attach as fallback, foreign-program checks. */
#include "agent/datapath/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#define DISPATCHER_NAME "xdp_dispatcher"

const char *xs_xdp_mode_name(enum xs_xdp_mode mode)
{
	switch (mode) {
	case XS_XDP_MODE_NATIVE: return "native";
	case XS_XDP_MODE_SKB: return "skb";
	default: return "auto";
	}
}

const char *xs_xdp_how_name(enum xs_xdp_how how)
{
	switch (how) {
	case XS_XDP_HOW_DISPATCHER: return "dispatcher";
	case XS_XDP_HOW_LIBXDP_LEGACY: return "libxdp";
	case XS_XDP_HOW_PLAIN: return "plain";
	default: return "none";
	}
}

/* Name of program `id` into name[16]. */
static int prog_name_by_id(__u32 id, char name[16])
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else
		snprintf(name, 16, "%s", info.name);
	close(fd);
	return err;
}

static int prog_info_by_fd(int fd, __u32 *id, char name[16])
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	snprintf(name, 16, "%s", info.name);
	return 0;
}

int xs_prog_name(int prog_fd, char name[16])
{
	__u32 id;

	return prog_info_by_fd(prog_fd, &id, name);
}

int xs_xdp_query(int ifindex, __u32 *prog_id, char name[16])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	*prog_id = 0;
	name[0] = '\0';
	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	if (!q.prog_id)
		return 0;
	*prog_id = q.prog_id;
	err = prog_name_by_id(q.prog_id, name);
	if (err || strcmp(name, DISPATCHER_NAME))
		return err;
	/* A dispatcher: report its first component, which is what runs. */
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp)
		return 0;
	struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp);
	if (p)
		snprintf(name, 16, "%s", xdp_program__name(p));
	xdp_multiprog__close(mp);
	return 0;
}

/* Does program `id` on ifindex belong to us, i.e. is it named `ours` (a
 * dispatcher counts as ours only when all its components are)? found gets
 * the name shown in messages (a foreign component's, for a dispatcher). */
static bool xdp_is_ours(int ifindex, __u32 id, const char *ours, char found[16])
{
	if (prog_name_by_id(id, found))
		return false;
	if (strcmp(found, DISPATCHER_NAME))
		return !strcmp(found, ours);

	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	bool all_ours = true;
	int n = 0;

	if (libxdp_get_error(mp) || !mp)
		return false;
	for (struct xdp_program *p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp), n++) {
		if (strcmp(xdp_program__name(p), ours)) {
			snprintf(found, 16, "%s", xdp_program__name(p));
			all_ours = false;
		}
	}
	xdp_multiprog__close(mp);
	return all_ours && n > 0;
}

/* Removes whatever XDP program is on ifindex (q from bpf_xdp_query). */
static int xdp_remove_existing(int ifindex, const struct bpf_xdp_query_opts *q)
{
	char name[16] = "";
	__u32 flags;

	if (!prog_name_by_id(q->prog_id, name) && !strcmp(name, DISPATCHER_NAME)) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
		int err;

		if (libxdp_get_error(mp) || !mp)
			return -ENOENT;
		err = xdp_multiprog__detach(mp);
		xdp_multiprog__close(mp);
		return err;
	}
	switch (q->attach_mode) {
	case XDP_ATTACHED_DRV: flags = XDP_FLAGS_DRV_MODE; break;
	case XDP_ATTACHED_SKB: flags = XDP_FLAGS_SKB_MODE; break;
	case XDP_ATTACHED_HW: flags = XDP_FLAGS_HW_MODE; break;
	default: return -EBUSY; /* several modes at once: leave it to a human */
	}
	if (bpf_xdp_detach(ifindex, flags, NULL))
		return -errno;
	return 0;
}

/* libxdp 1.3.1 duplicates the fd in xdp_program__from_fd (the caller keeps
 * its own), but leaks a descriptor in each xdp_multiprog__get_from_ifindex
 * and in xdp_program__detach of a single program; so the legacy case is
 * recognised by program id and detached through plain netlink. */
static int attach_libxdp(struct xs_xdp_link *link, int prog_fd, __u32 our_id,
			 enum xs_xdp_mode mode)
{
	struct xdp_program *xp;
	int err;

	xp = xdp_program__from_fd(prog_fd);
	err = libxdp_get_error(xp);
	if (err)
		return err;
	err = xdp_program__attach(xp, link->ifindex,
				  mode == XS_XDP_MODE_NATIVE ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
	if (err) {
		xdp_program__close(xp);
		return err;
	}
	__u32 id = 0;

	bpf_xdp_query_id(link->ifindex, 0, &id);
	if (id == our_id) {
		link->how = XS_XDP_HOW_LIBXDP_LEGACY;
		xdp_program__close(xp);
	} else {
		link->how = XS_XDP_HOW_DISPATCHER;
		link->xprog = xp;
	}
	return 0;
}

static int attach_plain(struct xs_xdp_link *link, int prog_fd, enum xs_xdp_mode mode)
{
	__u32 flags = XDP_FLAGS_UPDATE_IF_NOEXIST |
		      (mode == XS_XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);

	if (bpf_xdp_attach(link->ifindex, prog_fd, flags, NULL))
		return -errno;
	link->how = XS_XDP_HOW_PLAIN;
	return 0;
}

int xs_xdp_attach(int ifindex, int prog_fd, const struct xs_attach_opts *opts,
		  struct xs_xdp_link *link)
{
	static const struct xs_attach_opts defaults;
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char ours[16], found[16];
	enum xs_xdp_mode modes[2];
	int n_modes = 0, err;
	__u32 our_id = 0;

	if (!opts)
		opts = &defaults;
	memset(link, 0, sizeof(*link));
	link->ifindex = ifindex;
	link->prog_fd = prog_fd;
	if (prog_fd < 0)
		return -EBADF;
	err = prog_info_by_fd(prog_fd, &our_id, ours);
	if (err)
		return err;
	if (bpf_xdp_query(ifindex, 0, &q))
		return errno == EINVAL || errno == ENODEV ? -ENODEV : -errno;
	if (q.prog_id) {
		if (!xdp_is_ours(ifindex, q.prog_id, ours, found) && !opts->force)
			return -EBUSY;
		err = xdp_remove_existing(ifindex, &q);
		if (err)
			return err;
		snprintf(link->replaced, sizeof(link->replaced), "%s", found);
	}

	if (opts->mode != XS_XDP_MODE_SKB)
		modes[n_modes++] = XS_XDP_MODE_NATIVE;
	if (opts->mode != XS_XDP_MODE_NATIVE)
		modes[n_modes++] = XS_XDP_MODE_SKB;
	for (int i = 0; i < n_modes; i++) {
		if (!opts->no_libxdp) {
			err = attach_libxdp(link, prog_fd, our_id, modes[i]);
			if (err)
				link->libxdp_err = err;
		}
		if (opts->no_libxdp || err)
			err = attach_plain(link, prog_fd, modes[i]);
		if (!err) {
			link->mode = modes[i];
			link->prog_id = our_id;
			return 0;
		}
	}
	return err;
}

int xs_xdp_detach(struct xs_xdp_link *link)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = 0;

	if (link->how == XS_XDP_HOW_NONE)
		return 0;
	if (bpf_xdp_query(link->ifindex, 0, &q)) {
		err = errno == ENODEV || errno == EINVAL ? 0 : -errno; /* interface gone */
		goto out;
	}
	if (link->xprog) {
		err = xdp_program__detach(link->xprog, link->ifindex,
					  link->mode == XS_XDP_MODE_NATIVE ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
		if (err == -ENOENT)
			err = 0; /* already gone */
	} else if (q.prog_id == link->prog_id) {
		__u32 flags = link->mode == XS_XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
		LIBBPF_OPTS(bpf_xdp_attach_opts, a, .old_prog_fd = link->prog_fd);

		/* REPLACE semantics: removes it only if it is still ours. */
		if (bpf_xdp_detach(link->ifindex, flags, &a) && errno != EEXIST)
			err = -errno;
	}
out:
	if (!err) {
		if (link->xprog)
			xdp_program__close(link->xprog);
		link->xprog = NULL;
		link->how = XS_XDP_HOW_NONE;
		link->prog_id = 0;
	}
	return err;
}

int xs_tc_attach(int ifindex, int prog_fd, const struct xs_attach_opts *opts,
		 struct xs_tc_link *link)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY,
		    .prog_fd = prog_fd);
	int err;

	memset(link, 0, sizeof(*link));
	link->ifindex = ifindex;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err == -EINVAL ? -ENODEV : err;
	link->created_qdisc = !err;
	if (opts && opts->force)
		to.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &to);
	if (err) {
		if (link->created_qdisc) {
			hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&hook);
		}
		link->created_qdisc = false;
		return err == -EEXIST ? -EBUSY : err;
	}
	link->prog_id = to.prog_id;
	link->attached = true;
	return 0;
}

int xs_tc_detach(struct xs_tc_link *link)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = link->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY);
	int err = 0;

	bool ours_removed = false;

	if (!link->attached)
		return 0;
	if (!bpf_tc_query(&hook, &q) && q.prog_id == link->prog_id) {
		LIBBPF_OPTS(bpf_tc_opts, d, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY);

		err = bpf_tc_detach(&hook, &d);
		ours_removed = !err;
	}
	/* The qdisc goes only with our filter: if somebody replaced the
	 * filter, the qdisc now serves them. */
	if (ours_removed && link->created_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err = bpf_tc_hook_destroy(&hook);
	}
	if (err == -ENODEV || err == -ENOENT || err == -EINVAL)
		err = 0; /* interface or qdisc already gone */
	if (!err) {
		link->attached = false;
		link->created_qdisc = false;
	}
	return err;
}
