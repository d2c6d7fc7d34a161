// SPDX-License-Identifier: Apache-2.0
/* The bridge's port table: names, datapath port numbers and OpenFlow
 * port numbers, and the IFACE[=OFPORT] spelling users give. */
#include "agent/bridge/ports.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xs_port_spec_parse(const char *spec, char name[IF_NAMESIZE], uint32_t *ofport,
		       struct xs_port_vlan *vlan, struct xs_err *err)
{
	size_t n = strcspn(spec, "=,");
	const char *eq = spec[n] == '=' ? spec + n : NULL;
	const char *opts = spec[n] == ',' ? spec + n + 1 : NULL;
	char *end;
	unsigned long v;

	*ofport = 0;
	memset(vlan, 0, sizeof(*vlan));
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
	if (opts)
		return xs_port_vlan_parse(opts, (int)(opts - spec), vlan, err);
	if (!eq)
		return 0;
	if (eq[1] < '0' || eq[1] > '9')
		return xs_err_set(err, (int)n + 2, "expected an OpenFlow port number after '='");
	errno = 0;
	v = strtoul(eq + 1, &end, 10);
	if (*end == ',' && end[1]) {
		if (xs_port_vlan_parse(end + 1, (int)(end + 1 - spec), vlan, err))
			return -EINVAL;
	} else if (*end) {
		return xs_err_set(err, (int)(end - spec) + 1, "unexpected '%s' after the port number",
				  end);
	}
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

struct xs_port *xs_ports_by_dp_port(const struct xs_port_table *t, uint32_t dp_port)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ports[i].dp_port == dp_port)
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

int xs_ports_add(struct xs_port_table *t, const char *name, uint32_t dp_port, uint32_t ofport,
		 struct xs_port **out)
{
	struct xs_port *p;
	size_t at;

	if (!name[0] || strlen(name) >= IF_NAMESIZE || !dp_port)
		return -EINVAL;
	if (ofport > XS_OFPORT_MAX)
		return -ERANGE;
	if (xs_ports_by_name(t, name) || xs_ports_by_dp_port(t, dp_port))
		return -EEXIST;
	if (t->n >= XS_BRIDGE_MAX_PORTS)
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
	p->dp_port = dp_port;
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
