// SPDX-License-Identifier: Apache-2.0
/* inject and dump-outputs: drive a userspace datapath from the control
 * socket (see dummy_cmds.h). */
#include "agent/daemon/dummy_cmds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flow_parse.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes of @hex into a new buffer (*@frame, *@len). 0, or -EINVAL /
 * -ENOMEM with @why set. */
static int parse_frame(const char *hex, uint8_t **frame, size_t *len, char *why,
		       size_t why_size)
{
	size_t n = strlen(hex);
	uint8_t *buf;

	for (size_t i = 0; i < n; i++) {
		if (hex_digit(hex[i]) < 0) {
			snprintf(why, why_size,
				 "'%c' at column %zu of the frame is not a hex digit", hex[i],
				 i + 1);
			return -EINVAL;
		}
	}
	if (!n) {
		snprintf(why, why_size, "the frame is empty");
		return -EINVAL;
	}
	if (n % 2) {
		snprintf(why, why_size, "the frame has an odd number of hex digits (%zu)", n);
		return -EINVAL;
	}
	if (n / 2 > XS_FLOW_PARSE_MAX_LEN) {
		snprintf(why, why_size, "the frame has %zu bytes, more than %d", n / 2,
			 XS_FLOW_PARSE_MAX_LEN);
		return -EINVAL;
	}
	buf = malloc(n / 2);
	if (!buf) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n / 2; i++)
		buf[i] = (uint8_t)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
	*frame = buf;
	*len = n / 2;
	return 0;
}

/* A port by OpenFlow number (all digits) or by name; NULL with @why set. */
static struct xs_port *find_port(struct xs_agent *a, const char *spec, char *why,
				 size_t why_size)
{
	struct xs_port *p;

	if (spec[0] && strspn(spec, "0123456789") == strlen(spec)) {
		unsigned long n = strtoul(spec, NULL, 10);

		p = n <= XS_OFPORT_MAX ? xs_ports_by_ofport(&a->ports, (uint32_t)n) : NULL;
		if (!p)
			snprintf(why, why_size, "no OpenFlow port %s on bridge %s", spec,
				 a->bridge);
		return p;
	}
	p = xs_ports_by_name(&a->ports, spec);
	if (!p)
		snprintf(why, why_size, "no port '%s' on bridge %s", spec, a->bridge);
	return p;
}

/* The datapath, when it takes injected frames; NULL with a message. */
static struct xs_dpif *userspace_dpif(struct xs_agent *a, const char *cmd,
				      struct xs_ctl_buf *out)
{
	struct xs_dpif *dpif = xs_agent_dpif(a);

	if (dpif && dpif->cls->receive && dpif->cls->dump_outputs)
		return dpif;
	xs_ctl_printf(out, "%s: datapath %s has no injected frames (run the agent with "
		      "--datapath dummy)\n", cmd, xs_agent_dp_name(a));
	return NULL;
}

int xs_agent_cmd_inject(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	struct xs_dpif *dpif = userspace_dpif(a, r->cmd, out);
	struct xs_port *port;
	uint8_t *frame;
	char why[128];
	size_t len;
	int err;

	if (!dpif)
		return 1;
	port = find_port(a, r->pos[0], why, sizeof(why));
	if (!port) {
		xs_ctl_printf(out, "%s: %s\n", r->cmd, why);
		return 1;
	}
	if (parse_frame(r->pos[1], &frame, &len, why, sizeof(why))) {
		xs_ctl_printf(out, "%s: %s\n", r->cmd, why);
		return 1;
	}
	err = dpif->cls->receive(dpif, port->dp_port, frame, len);
	free(frame);
	if (err) {
		xs_ctl_printf(out, "%s: port %u (%s): %s\n", r->cmd, port->ofport, port->name,
			      strerror(-err));
		return 1;
	}
	/* The miss is the agent's before the next command: a dump-outputs
	 * right after sees what the packet did. */
	xs_agent_upcalls_run(a);
	return 0;
}

int xs_agent_cmd_dump_outputs(struct xs_agent *a, const struct xs_agent_req *r,
			      struct xs_ctl_buf *out)
{
	struct xs_dpif *dpif = userspace_dpif(a, r->cmd, out);

	if (!dpif)
		return 1;
	dpif->cls->dump_outputs(dpif, out, r->json);
	return 0;
}
