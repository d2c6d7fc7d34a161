// SPDX-License-Identifier: Apache-2.0
/* XDP hardware mode on one port (xdp_hw.h). */
#include "agent/offload/xdp_hw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "xdp_hw.skel.h"

_Static_assert(XS_FLOW_KEY_SEQ == 4, "xdp_hw.c lists every key field");

struct xs_xdp_hw {
	struct xdp_hw *skel;
	uint32_t ifindex;   /* 0: on the host, not attached */
	bool attached;
	struct xs_hw_key masks[XS_HW_MAX_MASKS];
	uint32_t refs[XS_HW_MAX_MASKS];
};

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int xs_xdp_hw_translate(const struct xs_flow_key *k, const struct xs_flow_key *m,
			uint16_t n_actions, struct xs_hw_key *hk, struct xs_hw_key *hm,
			const char **reason)
{
	bool ip4 = m->dl_type == 0xffff && k->dl_type == htons(0x0800);
	uint8_t proto = ip4 && m->nw_proto == 0xff ? k->nw_proto : 0;

	*reason = NULL;
	if (n_actions)
		*reason = "not a drop (hardware XDP runs drops only)";
	else if (m->in_port != 0xffffffffu)
		*reason = "in_port not exact";
	else if (k->recirc_id || m->ct_state || m->ct_zone || m->ct_mark || m->ct_nw_proto ||
		 m->ct_tp_src || m->ct_tp_dst || !zero(m->ct_label, 16))
		*reason = "connection tracking fields (not in the hardware key)";
	else if (m->vlan[1].tci || m->vlan[1].tpid || m->vlan[0].tpid)
		*reason = "second VLAN tag or TPID (not in the hardware key)";
	else if (m->dl_type && m->dl_type != 0xffff)
		*reason = "partial Ethernet type mask";
	else if ((m->nw_src || m->nw_dst || m->nw_proto || m->nw_frag) && !ip4)
		*reason = "L3 fields other than IPv4 (not in the hardware key)";
	else if (m->nw_tos || m->nw_ttl || m->tcp_flags || m->ipv6_label ||
		 !zero(m->ipv6_src, 16) || !zero(m->ipv6_dst, 16) || !zero(m->nd_target, 16) ||
		 !zero(m->arp_sha, 6) || !zero(m->arp_tha, 6))
		*reason = "TOS, TTL, TCP flags, IPv6 or ARP fields (not in the hardware key)";
	else if ((m->tp_src || m->tp_dst) && proto != 6 && proto != 17 && proto != 1)
		*reason = "L4 fields other than TCP, UDP, ICMP (not in the hardware key)";
	if (*reason)
		return -EOPNOTSUPP;
	memset(hk, 0, sizeof(*hk));
	memset(hm, 0, sizeof(*hm));
	memcpy(hm->dl_dst, m->dl_dst, 6);
	memcpy(hm->dl_src, m->dl_src, 6);
	hm->dl_type = m->dl_type;
	hm->vlan_tci = m->vlan[0].tci;
	hm->nw_src = m->nw_src;
	hm->nw_dst = m->nw_dst;
	hm->nw_proto = m->nw_proto;
	hm->nw_frag = m->nw_frag;
	hm->tp_src = m->tp_src;
	hm->tp_dst = m->tp_dst;
	memcpy(hk->dl_dst, k->dl_dst, 6);
	memcpy(hk->dl_src, k->dl_src, 6);
	hk->dl_type = k->dl_type;
	hk->vlan_tci = k->vlan[0].tci;
	hk->nw_src = k->nw_src;
	hk->nw_dst = k->nw_dst;
	hk->nw_proto = k->nw_proto;
	hk->nw_frag = k->nw_frag;
	hk->tp_src = k->tp_src;
	hk->tp_dst = k->tp_dst;
	/* the key as the program builds it: masked */
	for (size_t i = 0; i < sizeof(*hk); i++)
		((uint8_t *)hk)[i] &= ((const uint8_t *)hm)[i];
	return 0;
}

static int load(uint32_t ifindex, struct xs_xdp_hw **out, char *why, size_t why_size)
{
	struct xs_xdp_hw *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return -ENOMEM;
	h->skel = xdp_hw__open();
	if (!h->skel) {
		err = -errno;
		snprintf(why, why_size, "cannot open the hardware program: %s", strerror(-err));
		free(h);
		return err;
	}
	if (ifindex) {
		/* offloaded: program and maps belong to the device */
		bpf_program__set_ifindex(h->skel->progs.xs_xdp_hw, ifindex);
		bpf_map__set_ifindex(h->skel->maps.xs_hw_masks, ifindex);
		bpf_map__set_ifindex(h->skel->maps.xs_hw_drops, ifindex);
	}
	err = xdp_hw__load(h->skel);
	if (err) {
		snprintf(why, why_size, "the kernel refuses to load the program for the device "
			 "(offloaded maps and program): %s", strerror(-err));
		xdp_hw__destroy(h->skel);
		free(h);
		return err;
	}
	h->ifindex = ifindex;
	*out = h;
	return 0;
}

int xs_xdp_hw_open_host(struct xs_xdp_hw **out)
{
	char why[128];

	return load(0, out, why, sizeof(why));
}

int xs_xdp_hw_attach(uint32_t ifindex, struct xs_xdp_hw **out, char *why, size_t why_size)
{
	struct xs_xdp_hw *h;
	int err;

	if (!ifindex)
		return -EINVAL;
	err = load(ifindex, &h, why, why_size);
	if (err)
		return err;
	err = bpf_xdp_attach((int)ifindex, bpf_program__fd(h->skel->progs.xs_xdp_hw),
			     XDP_FLAGS_HW_MODE, NULL);
	if (err) {
		snprintf(why, why_size, "XDP_FLAGS_HW_MODE attach refused: %s", strerror(-err));
		xs_xdp_hw_close(h);
		return err;
	}
	h->attached = true;
	*out = h;
	return 0;
}

void xs_xdp_hw_close(struct xs_xdp_hw *h)
{
	if (!h)
		return;
	if (h->attached)
		bpf_xdp_detach((int)h->ifindex, XDP_FLAGS_HW_MODE, NULL);
	xdp_hw__destroy(h->skel);
	free(h);
}

int xs_xdp_hw_prog_fd(const struct xs_xdp_hw *h)
{
	return bpf_program__fd(h->skel->progs.xs_xdp_hw);
}

static int find_mask(const struct xs_xdp_hw *h, const struct xs_hw_key *hm)
{
	for (int i = 0; i < XS_HW_MAX_MASKS; i++)
		if (h->refs[i] && !memcmp(&h->masks[i], hm, sizeof(*hm)))
			return i;
	return -1;
}

static struct xs_hw_drop_key drop_key(const struct xs_hw_key *hk, int idx)
{
	struct xs_hw_drop_key dk;

	memset(&dk, 0, sizeof(dk));
	dk.masked = *hk;
	dk.mask_idx = (uint32_t)idx;
	return dk;
}

int xs_xdp_hw_put(struct xs_xdp_hw *h, const struct xs_hw_key *hk, const struct xs_hw_key *hm)
{
	struct xs_hw_counters zero_c = { 0 };
	struct xs_hw_drop_key dk;
	int idx = find_mask(h, hm), err;
	bool new_mask = idx < 0;

	for (int i = 0; idx < 0 && i < XS_HW_MAX_MASKS; i++)
		if (!h->refs[i])
			idx = i;
	if (idx < 0)
		return -ENOSPC;
	dk = drop_key(hk, idx);
	/* entry first, then its mask: a packet never sees a mask without it */
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.xs_hw_drops), &dk, &zero_c,
				BPF_NOEXIST))
		return -errno;
	if (new_mask) {
		struct xs_hw_mask v = { .mask = *hm, .used = 1 };
		uint32_t key = (uint32_t)idx;

		if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.xs_hw_masks), &key, &v, 0)) {
			err = -errno;
			bpf_map_delete_elem(bpf_map__fd(h->skel->maps.xs_hw_drops), &dk);
			return err;
		}
		h->masks[idx] = *hm;
	}
	h->refs[idx]++;
	return 0;
}

int xs_xdp_hw_del(struct xs_xdp_hw *h, const struct xs_hw_key *hk, const struct xs_hw_key *hm)
{
	int idx = find_mask(h, hm);
	struct xs_hw_drop_key dk;

	if (idx < 0)
		return -ENOENT;
	dk = drop_key(hk, idx);
	if (bpf_map_delete_elem(bpf_map__fd(h->skel->maps.xs_hw_drops), &dk))
		return -errno;
	if (!--h->refs[idx]) {
		struct xs_hw_mask v = { 0 };
		uint32_t key = (uint32_t)idx;

		bpf_map_update_elem(bpf_map__fd(h->skel->maps.xs_hw_masks), &key, &v, 0);
	}
	return 0;
}

int xs_xdp_hw_stats(struct xs_xdp_hw *h, const struct xs_hw_key *hk, const struct xs_hw_key *hm,
		    uint64_t *packets, uint64_t *bytes)
{
	int idx = find_mask(h, hm);
	struct xs_hw_counters c;
	struct xs_hw_drop_key dk;

	if (idx < 0)
		return -ENOENT;
	dk = drop_key(hk, idx);
	if (bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.xs_hw_drops), &dk, &c))
		return -errno;
	*packets = c.packets;
	*bytes = c.bytes;
	return 0;
}
