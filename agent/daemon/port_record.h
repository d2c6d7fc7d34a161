// SPDX-License-Identifier: Apache-2.0
/* The text of a saved port, shared by the snapshot and the journal:
 * "NAME OFPORT [clsact] [vlan:OPTIONS]" (after the "port " keyword), with
 * OPTIONS the port's VLAN options as `attach` takes them (port_vlan.h). */
#ifndef XS_DAEMON_PORT_RECORD_H
#define XS_DAEMON_PORT_RECORD_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/bridge/port_vlan.h"

struct xs_port_record {
	char name[IF_NAMESIZE];
	uint32_t ofport;
	bool clsact;                       /* the agent created its clsact qdisc */
	char vlan[XS_PORT_VLAN_TEXT_MAX];  /* VLAN options, "" for the defaults */
};

/* Parses @s into *@r. Returns 0, or -EINVAL with a message in @why (no
 * position: the caller adds file and line). */
int xs_port_record_parse(const char *s, struct xs_port_record *r, char *why, size_t why_size);

/* "NAME OFPORT[ clsact][ vlan:OPTS]" into @buf. */
void xs_port_record_format(const struct xs_port_record *r, char *buf, size_t size);

/* The attach spec "NAME=OFPORT[,OPTS]" of a saved port. */
void xs_port_record_spec(const struct xs_port_record *r, char *buf, size_t size);

#endif
