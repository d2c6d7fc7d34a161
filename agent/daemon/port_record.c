// SPDX-License-Identifier: Apache-2.0
/* A saved port's text (snapshot and journal); format in port_record.h. */
#include "agent/daemon/port_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/bridge/ports.h"

int xs_port_record_parse(const char *s, struct xs_port_record *r, char *why, size_t why_size)
{
	char buf[IF_NAMESIZE + XS_PORT_VLAN_TEXT_MAX + 64], *save = NULL, *tok[5];
	const char *vlan = NULL;
	struct xs_port_vlan v;
	struct xs_err err;
	unsigned long ofport;
	char *end;
	int n = 0, i = 2;

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == 5)
			goto bad;
		tok[n++] = t;
	}
	if (n < 2 || strlen(tok[0]) >= IF_NAMESIZE)
		goto bad;
	errno = 0;
	ofport = strtoul(tok[1], &end, 10);
	if (errno || *end || tok[1][0] < '0' || tok[1][0] > '9' || ofport < 1 ||
	    ofport > XS_OFPORT_MAX)
		goto bad;
	if (i < n && !strcmp(tok[i], "clsact")) {
		r->clsact = true;
		i++;
	}
	if (i < n && !strncmp(tok[i], "vlan:", 5))
		vlan = tok[i++] + 5;
	if (i != n)
		goto bad;
	if (vlan) {
		if (strlen(vlan) >= sizeof(r->vlan))
			goto bad;
		if (xs_port_vlan_parse(vlan, 0, &v, &err)) {
			snprintf(why, why_size, "port %s: vlan:%s: %s", tok[0], vlan, err.msg);
			return -EINVAL;
		}
		snprintf(r->vlan, sizeof(r->vlan), "%s", vlan);
	}
	snprintf(r->name, sizeof(r->name), "%s", tok[0]);
	r->ofport = (uint32_t)ofport;
	return 0;
bad:
	snprintf(why, why_size, "expected 'port NAME OFPORT [clsact] [vlan:OPTIONS]' (name "
		 "below %d characters, port 1-%u)", IF_NAMESIZE, XS_OFPORT_MAX);
	return -EINVAL;
}

void xs_port_record_format(const struct xs_port_record *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s %u%s%s%s", r->name, r->ofport, r->clsact ? " clsact" : "",
		 r->vlan[0] ? " vlan:" : "", r->vlan);
}

void xs_port_record_spec(const struct xs_port_record *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s=%u%s%s", r->name, r->ofport, r->vlan[0] ? "," : "", r->vlan);
}
