// SPDX-License-Identifier: Apache-2.0
/* A bridge port's VLAN configuration, Open vSwitch's Port columns tag,
 * trunks and vlan_mode (ovs-vswitchd.conf.db(5)), and what they mean for a
 * packet that enters or leaves the port under the NORMAL action.
 *
 * Modes:
 *   access           one VLAN (tag); untagged in, untagged out; a tagged
 *                    packet (VID other than 0) arriving is dropped.
 *   trunk            the VLANs of trunks (none listed: all of them);
 *                    untagged in is VLAN 0, VLAN 0 leaves untagged, the
 *                    others tagged.
 *   native-tagged    a trunk whose untagged packets are in VLAN tag; that
 *                    VLAN leaves tagged.
 *   native-untagged  the same, but VLAN tag leaves untagged.
 *                    Native ports never carry VLAN 0.
 * Default: access when tag is given, else trunk. A priority tag (VID 0) is
 * read as untagged. Pure: no port, no packet here. */
#ifndef XS_BRIDGE_PORT_VLAN_H
#define XS_BRIDGE_PORT_VLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define XS_VLAN_N 4096
#define XS_PORT_VLAN_SPEC_MAX 256 /* longest option text accepted */
#define XS_PORT_VLAN_TEXT_MAX 320 /* longest text xs_port_vlan_format writes */

enum xs_vlan_mode {
	XS_VLAN_MODE_TRUNK = 0,
	XS_VLAN_MODE_ACCESS,
	XS_VLAN_MODE_NATIVE_TAGGED,
	XS_VLAN_MODE_NATIVE_UNTAGGED,
};

struct xs_port_vlan {
	uint8_t mode;               /* enum xs_vlan_mode */
	bool mode_given;            /* vlan_mode= was written (format keeps it) */
	uint16_t tag;               /* access or native VLAN, 1..4095; 0: none */
	uint16_t n_trunks;          /* VLANs in trunks; 0: every VLAN */
	uint8_t trunks[XS_VLAN_N / 8];
};

/* Parses "tag=N", "trunks=A,B,C-D", "vlan_mode=MODE" separated by commas
 * (a trunks list runs until the next NAME=) into *v, which starts from the
 * defaults. Errors name the option with its column (1-based, in @opts,
 * plus @col0). Returns 0 or -EINVAL with @err set; *v is then undefined. */
int xs_port_vlan_parse(const char *opts, int col0, struct xs_port_vlan *v,
		       struct xs_err *err);

/* The options back as text xs_port_vlan_parse reads ("" for the defaults),
 * trunk lists with ranges. */
void xs_port_vlan_format(const struct xs_port_vlan *v, char *buf, size_t size);

/* For `show`: "access VLAN 10", "trunk VLANs 10,20", "trunk (all VLANs)". */
void xs_port_vlan_describe(const struct xs_port_vlan *v, char *buf, size_t size);

/* The VLAN of a packet arriving with outer VID @vid (-1: untagged), or -1
 * when the port drops it (a reason in @why). */
int xs_port_vlan_input(const struct xs_port_vlan *v, int vid, char *why, size_t why_size);

/* Does the port carry VLAN @vlan? */
bool xs_port_vlan_includes(const struct xs_port_vlan *v, uint16_t vlan);

/* The VID a packet of VLAN @vlan leaves the port with; 0: untagged. */
uint16_t xs_port_vlan_output_vid(const struct xs_port_vlan *v, uint16_t vlan);

#endif
