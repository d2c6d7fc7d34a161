// SPDX-License-Identifier: Apache-2.0
/* Port VLAN options (tag, trunks, vlan_mode): their text and what they do
 * to a packet entering or leaving a port. Semantics in port_vlan.h. */
#include "agent/bridge/port_vlan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {
	[XS_VLAN_MODE_TRUNK] = "trunk",
	[XS_VLAN_MODE_ACCESS] = "access",
	[XS_VLAN_MODE_NATIVE_TAGGED] = "native-tagged",
	[XS_VLAN_MODE_NATIVE_UNTAGGED] = "native-untagged",
};

static bool trunk_has(const struct xs_port_vlan *v, uint16_t vlan)
{
	return v->trunks[vlan / 8] & (1u << (vlan % 8));
}

static void trunk_add(struct xs_port_vlan *v, uint16_t vlan)
{
	if (!trunk_has(v, vlan)) {
		v->trunks[vlan / 8] |= (uint8_t)(1u << (vlan % 8));
		v->n_trunks++;
	}
}

/* A decimal number at *p (advanced past it), at most @max; -1 if none. */
static long read_num(const char **p, long max)
{
	long n = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s - '0');
		if (n > max)
			return -2;
		s++;
	}
	*p = s;
	return n;
}

static int parse_trunks(const char *opts, int col0, const char **p, struct xs_port_vlan *v,
			struct xs_err *err)
{
	for (;;) {
		const char *at = *p;
		long lo = read_num(p, XS_VLAN_N - 1), hi;

		if (lo < 0)
			return xs_err_set(err, col0 + (int)(at - opts) + 1,
					  "trunks: expected a VLAN 0..4095%s", lo == -2 ? "" :
					  " (a list like 10,20 or 100-199)");
		hi = lo;
		if (**p == '-') {
			(*p)++;
			hi = read_num(p, XS_VLAN_N - 1);
			if (hi < 0 || hi < lo)
				return xs_err_set(err, col0 + (int)(at - opts) + 1,
						  "trunks: bad range (LOW-HIGH, both 0..4095)");
		}
		for (long i = lo; i <= hi; i++)
			trunk_add(v, (uint16_t)i);
		/* the list goes on while a number follows the comma */
		if (**p != ',' || (*p)[1] < '0' || (*p)[1] > '9')
			return 0;
		(*p)++;
	}
}

/* The combination is one Open vSwitch would take to mean one thing. */
static int check(const char *opts, int col0, struct xs_port_vlan *v, struct xs_err *err,
		 bool tag_given, bool trunks_given)
{
	int col = col0 + 1;

	(void)opts;
	if (!v->mode_given)
		v->mode = tag_given ? XS_VLAN_MODE_ACCESS : XS_VLAN_MODE_TRUNK;
	switch (v->mode) {
	case XS_VLAN_MODE_ACCESS:
		if (!tag_given)
			return xs_err_set(err, col, "vlan_mode=access needs tag=VLAN");
		if (trunks_given)
			return xs_err_set(err, col, "trunks conflicts with an access port "
					  "(tag=%u); use vlan_mode=native-tagged or "
					  "native-untagged for both", v->tag);
		break;
	case XS_VLAN_MODE_TRUNK:
		if (tag_given)
			return xs_err_set(err, col, "tag conflicts with vlan_mode=trunk (a "
					  "trunk's untagged packets are VLAN 0; use "
					  "vlan_mode=native-tagged or native-untagged)");
		break;
	default:
		if (!tag_given)
			return xs_err_set(err, col, "vlan_mode=%s needs tag=VLAN (the native "
					  "VLAN)", mode_names[v->mode]);
		break;
	}
	return 0;
}

int xs_port_vlan_parse(const char *opts, int col0, struct xs_port_vlan *v,
		       struct xs_err *err)
{
	const char *p = opts;
	bool tag_given = false, trunks_given = false;

	memset(v, 0, sizeof(*v));
	err->line = 0;
	if (strlen(opts) > XS_PORT_VLAN_SPEC_MAX)
		return xs_err_set(err, col0 + 1, "port options longer than %d characters",
				  XS_PORT_VLAN_SPEC_MAX);
	while (*p) {
		const char *name = p, *eq = strchr(p, '=');
		const char *comma = strchr(p, ',');
		int col = col0 + (int)(name - opts) + 1;
		size_t n;

		if (!eq || (comma && comma < eq))
			return xs_err_set(err, col, "expected tag=VLAN, trunks=LIST or "
					  "vlan_mode=MODE");
		n = (size_t)(eq - name);
		p = eq + 1;
		if (n == 3 && !strncmp(name, "tag", 3)) {
			long t = read_num(&p, XS_VLAN_N - 1);

			if (tag_given)
				return xs_err_set(err, col, "tag given twice");
			if (t < 1)
				return xs_err_set(err, col + 4, "tag must be a VLAN 1..4095");
			v->tag = (uint16_t)t;
			tag_given = true;
		} else if (n == 6 && !strncmp(name, "trunks", 6)) {
			if (trunks_given)
				return xs_err_set(err, col, "trunks given twice");
			if (parse_trunks(opts, col0, &p, v, err))
				return -EINVAL;
			trunks_given = true;
		} else if (n == 9 && !strncmp(name, "vlan_mode", 9)) {
			size_t len = strcspn(p, ",");
			bool found = false;

			if (v->mode_given)
				return xs_err_set(err, col, "vlan_mode given twice");
			for (size_t m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
				if (strlen(mode_names[m]) == len && !strncmp(p, mode_names[m], len)) {
					v->mode = (uint8_t)m;
					found = true;
				}
			if (!found)
				return xs_err_set(err, col + 10, "vlan_mode must be access, trunk, "
						  "native-tagged or native-untagged");
			v->mode_given = true;
			p += len;
		} else {
			return xs_err_set(err, col, "unknown port option '%.*s' (tag, trunks, "
					  "vlan_mode)", (int)n, name);
		}
		if (*p == ',' && p[1]) {
			p++;
		} else if (*p) {
			return xs_err_set(err, col0 + (int)(p - opts) + 1,
					  "unexpected '%s' in the port options", p);
		}
	}
	return check(opts, col0, v, err, tag_given, trunks_given);
}

static int put(char *buf, size_t size, size_t *len, const char *fmt, long a, long b)
{
	int n;

	if (*len >= size)
		return -1;
	n = snprintf(buf + *len, size - *len, fmt, a, b);
	if (n < 0 || (size_t)n >= size - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

/* "10,20,100-199" */
static void format_trunks(const struct xs_port_vlan *v, char *buf, size_t size, size_t *len)
{
	for (long i = 0; i < XS_VLAN_N; i++) {
		long j = i;

		if (!trunk_has(v, (uint16_t)i))
			continue;
		while (j + 1 < XS_VLAN_N && trunk_has(v, (uint16_t)(j + 1)))
			j++;
		if (put(buf, size, len, j > i ? "%ld-%ld" : "%ld", i, j) < 0)
			return;
		i = j;
		if (put(buf, size, len, ",", 0, 0) < 0)
			return;
	}
	if (*len && buf[*len - 1] == ',')
		buf[--*len] = '\0';
}

void xs_port_vlan_format(const struct xs_port_vlan *v, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (v->tag && put(buf, size, &len, "tag=%ld,", v->tag, 0))
		return;
	if (v->n_trunks) {
		if (put(buf, size, &len, "trunks=", 0, 0))
			return;
		format_trunks(v, buf, size, &len);
		if (put(buf, size, &len, ",", 0, 0))
			return;
	}
	if (v->mode_given && put(buf, size, &len, "vlan_mode=", 0, 0) == 0)
		put(buf, size, &len, mode_names[v->mode], 0, 0);
	if (len && buf[len - 1] == ',')
		buf[len - 1] = '\0';
}

void xs_port_vlan_describe(const struct xs_port_vlan *v, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	switch (v->mode) {
	case XS_VLAN_MODE_ACCESS:
		snprintf(buf, size, "access VLAN %u", v->tag);
		return;
	case XS_VLAN_MODE_TRUNK:
		put(buf, size, &len, "trunk", 0, 0);
		break;
	default:
		put(buf, size, &len, mode_names[v->mode], 0, 0);
		put(buf, size, &len, " native VLAN %ld", v->tag, 0);
		put(buf, size, &len, ",", 0, 0);
		break;
	}
	if (!v->n_trunks) {
		put(buf, size, &len, " all VLANs", 0, 0);
		return;
	}
	put(buf, size, &len, " VLANs ", 0, 0);
	format_trunks(v, buf, size, &len);
}

bool xs_port_vlan_includes(const struct xs_port_vlan *v, uint16_t vlan)
{
	if (v->mode == XS_VLAN_MODE_ACCESS)
		return vlan == v->tag;
	if (v->mode != XS_VLAN_MODE_TRUNK && vlan == v->tag)
		return true;
	/* A native port's untagged frames are its native VLAN: VLAN 0 has
	 * no way in or out (Open vSwitch 3.1 floods none there either). */
	if (v->mode != XS_VLAN_MODE_TRUNK && vlan == 0)
		return false;
	return !v->n_trunks || trunk_has(v, vlan);
}

int xs_port_vlan_input(const struct xs_port_vlan *v, int vid, char *why, size_t why_size)
{
	uint16_t vlan;

	if (vid == 0)
		vid = -1; /* a priority tag: untagged */
	if (v->mode == XS_VLAN_MODE_ACCESS) {
		if (vid > 0) {
			snprintf(why, why_size, "dropping VLAN %d tagged packet received on "
				 "an access port of VLAN %u", vid, v->tag);
			return -1;
		}
		return v->tag;
	}
	vlan = vid < 0 ? (v->mode == XS_VLAN_MODE_TRUNK ? 0 : v->tag) : (uint16_t)vid;
	if (!xs_port_vlan_includes(v, vlan)) {
		snprintf(why, why_size, "dropping VLAN %u packet received on a port not "
			 "configured for trunking VLAN %u", vlan, vlan);
		return -1;
	}
	return vlan;
}

uint16_t xs_port_vlan_output_vid(const struct xs_port_vlan *v, uint16_t vlan)
{
	switch (v->mode) {
	case XS_VLAN_MODE_ACCESS:
		return 0;
	case XS_VLAN_MODE_NATIVE_UNTAGGED:
		return vlan == v->tag ? 0 : vlan;
	default:
		return vlan;
	}
}
