// SPDX-License-Identifier: Apache-2.0
/* NORMAL's decision: input VLAN, learning, learned port or flood. The
 * rules are in normal.h. */
#include "agent/pipeline/normal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static bool is_multicast(const uint8_t mac[6])
{
	return mac[0] & 1;
}

/* 01:80:c2:00:00:00..0f: STP, LACP, 802.1X, ...: never forwarded. */
static bool is_reserved(const uint8_t mac[6])
{
	static const uint8_t prefix[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };

	return !memcmp(mac, prefix, 5) && mac[5] < 0x10;
}

void normal_decide(const struct xs_normal *n, const struct xs_flow_key *k,
		   struct normal_decision *d)
{
	const struct xs_port *in = xs_ports_by_ofport(n->ports, k->in_port);
	uint16_t tci = ntohs(k->vlan[0].tci);
	int vid = tci & XS_VLAN_PRESENT ? tci & XS_VLAN_VID_MASK : -1, vlan;
	const struct xs_mac_entry *e;
	char why[96];

	memset(d, 0, sizeof(*d));
	d->verdict = NORMAL_DROP;
	if (!in) {
		snprintf(d->why, sizeof(d->why), "no input bundle, dropping");
		return;
	}
	if (is_reserved(k->dl_dst)) {
		snprintf(d->why, sizeof(d->why), "dropping packet to a reserved multicast "
			 "address (802.1D)");
		return;
	}
	vlan = xs_port_vlan_input(&in->vlan, vid, why, sizeof(why));
	if (vlan < 0) {
		snprintf(d->why, sizeof(d->why), "port %s: %s", in->name, why);
		return;
	}
	d->vlan = (uint16_t)vlan;
	d->may_learn = !is_multicast(k->dl_src);
	if (is_multicast(k->dl_dst)) {
		d->verdict = NORMAL_FLOOD;
		snprintf(d->why, sizeof(d->why), "no learned MAC for destination, flooding");
		return;
	}
	e = xs_mac_lookup(n->macs, d->vlan, k->dl_dst);
	if (!e) {
		d->verdict = NORMAL_FLOOD;
		snprintf(d->why, sizeof(d->why), "no learned MAC for destination, flooding");
		return;
	}
	if (e->ofport == k->in_port) {
		snprintf(d->why, sizeof(d->why), "learned port is input port, dropping");
		return;
	}
	d->verdict = NORMAL_FORWARD;
	d->out_port = e->ofport;
	snprintf(d->why, sizeof(d->why), "forwarding to learned port");
}

int normal_egress_vid(const struct xs_port *p, uint16_t vlan)
{
	if (!xs_port_vlan_includes(&p->vlan, vlan))
		return -1;
	return xs_port_vlan_output_vid(&p->vlan, vlan);
}
