// SPDX-License-Identifier: Apache-2.0
/* dump-megaflows: the installed megaflows like ovs-appctl dpctl/dump-flows
 * (their rules and counters are the revalidator's, revalidator.h); a
 * broadcast shows as its ports in OpenFlow port order, the "stage" is
 * where the provider runs it. */
#include "agent/daemon/dp_xs.h"
#include "common/clock.h"

#include <errno.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/dp_format.h"

/* dp_format port names: datapath port -> OpenFlow port number. */
static int ofport_name(void *ctx, __u32 ifindex, char *buf, size_t size)
{
	struct xs_agent *a = ctx;
	struct xs_port *p = xs_ports_by_dp_port(&a->ports, ifindex);

	if (!p)
		return -ENOENT;
	snprintf(buf, size, "%u", p->ofport);
	return 0;
}

struct port_pair {
	uint32_t ofport, dp_port;
};

static int cmp_ofport(const void *a, const void *b)
{
	uint32_t x = ((const struct port_pair *)a)->ofport, y = ((const struct port_pair *)b)->ofport;

	return x < y ? -1 : x > y;
}

/* The bridge's ports as datapath ports in OpenFlow port order, into *@out
 * (heap): a broadcast prints as each of them but the ingress one, as OVS
 * prints a flood. Returns how many, or -ENOMEM. */
static long ports_in_order(const struct xs_agent *a, __u32 **out)
{
	size_t n = a->ports.n;
	struct port_pair *v = malloc((n ? n : 1) * sizeof(*v));

	*out = malloc((n ? n : 1) * sizeof(**out));
	if (!v || !*out) {
		free(v);
		free(*out);
		*out = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		v[i].ofport = a->ports.ports[i].ofport;
		v[i].dp_port = a->ports.ports[i].dp_port;
	}
	qsort(v, n, sizeof(*v), cmp_ofport);
	for (size_t i = 0; i < n; i++)
		(*out)[i] = v[i].dp_port;
	free(v);
	return (long)n;
}

/* Does @f pass the --type filter? */
static bool type_matches(const struct xs_dpif_flow *f, int type)
{
	if (type == XS_MF_TYPE_OFFLOADED)
		return f->offload_dp != NULL;
	if (type == XS_MF_TYPE_NOT_OFFLOADED)
		return f->offload_dp == NULL;
	return true;
}

void xs_mf_dump(struct xs_agent *a, struct dp_xs *x, struct xs_ctl_buf *out, bool json,
		int type)
{
	struct xs_dp_port_map map = { .name = ofport_name, .ctx = a };
	uint64_t now = xs_mono_ns();
	char key[2048], *acts;
	struct xs_flow_stats st;
	struct xs_dpif_flow f;
	uint32_t pos = 0;
	bool first = true;
	__u32 *bridge;
	long n_bridge = ports_in_order(a, &bridge);
	/* a broadcast's ports: up to 10 digits and a comma each */
	size_t acts_size = 2048 + (n_bridge > 0 ? (size_t)n_bridge * 11 : 0);

	acts = n_bridge < 0 ? NULL : malloc(acts_size);
	if (!acts) {
		free(bridge);
		out->oom = 1; /* the server answers "out of memory" */
		return;
	}
	map.bridge = bridge;
	map.n_bridge = (unsigned)n_bridge;
	if (json)
		xs_ctl_printf(out, "[");
	while (xs_dpif_flow_next(x->dpif, &pos, &f) == 1) {
		double used_s = 0;
		int gone = 0;
		bool used;

		if (!type_matches(&f, type))
			continue;
		if (xs_dpif_flow_stats(x->dpif, &f.handle, 1, &st, &gone) || gone)
			continue;
		xs_dp_format_key(key, sizeof(key), &f.key, &f.mask, &map);
		xs_dp_format_actions(acts, acts_size, f.actions, f.n_actions, &f.key, &map);
		used = st.used_ns != 0;
		if (used)
			used_s = st.used_ns < now ? (double)(now - st.used_ns) / 1e9 : 0;
		if (json) {
			xs_ctl_printf(out, "%s{\"key\": ", first ? "" : ", ");
			xs_ctl_json_str(out, key);
			xs_ctl_printf(out, ", \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
				      ", \"used_s\": ", (uint64_t)st.packets, (uint64_t)st.bytes);
			if (used)
				xs_ctl_printf(out, "%.3f", used_s);
			else
				xs_ctl_printf(out, "null");
			xs_ctl_printf(out, ", \"actions\": ");
			xs_ctl_json_str(out, acts);
			xs_ctl_printf(out, ", \"stage\": \"%s\", \"slot\": %u, \"recirc_id\": %u",
				      f.stage, f.handle.slot, ntohl(f.key.recirc_id));
			if (f.offload_dp || f.offload_reason) {
				xs_ctl_printf(out, ", \"offloaded\": %s, \"offload\": ",
					      f.offload_dp ? "true" : "false");
				xs_ctl_json_str(out, f.offload_dp ? f.offload_dp : f.offload_reason);
			}
			xs_ctl_printf(out, "}");
		} else {
			xs_ctl_printf(out, "recirc_id(%#x),%s, packets:%" PRIu64 ", bytes:%" PRIu64
				      ", used:", ntohl(f.key.recirc_id), key, (uint64_t)st.packets,
				      (uint64_t)st.bytes);
			if (used)
				xs_ctl_printf(out, "%.3fs", used_s);
			else
				xs_ctl_printf(out, "never");
			/* as ovs-appctl dpctl/dump-flows -m: offloaded, dp */
			if (f.offload_dp)
				xs_ctl_printf(out, ", offloaded:yes, dp:%s", f.offload_dp);
			else if (f.offload_reason)
				xs_ctl_printf(out, ", offloaded:no (%s)", f.offload_reason);
			xs_ctl_printf(out, ", actions:%s\n", acts);
		}
		first = false;
	}
	if (json)
		xs_ctl_printf(out, "]\n");
	free(acts);
	free(bridge);
}
