/* dump-megaflows: the installed megaflows like ovs-appctl dpctl/dump-flows
 * (their rules and counters are the revalidator's, revalidator.h); a
 * broadcast shows as its ports, the "stage" says it runs in XDP. */
#include "agent/daemon/dp_xs.h"
#include "common/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/dp_format.h"

/* dp_format port names: ifindex -> OpenFlow port number. */
static int ofport_name(void *ctx, __u32 ifindex, char *buf, size_t size)
{
	struct xs_agent *a = ctx;
	struct xs_port *p = xs_ports_by_dp_port(&a->ports, ifindex);

	if (!p)
		return -ENOENT;
	snprintf(buf, size, "%u", p->ofport);
	return 0;
}

/* The list as OVS would print it: a broadcast output (XS_OUT_F_BROADCAST)
 * becomes one output per port but the ingress one, the ports the devmap
 * holds. Writes @f's list into @acts (XS_MAX_ACTIONS entries) and returns
 * its length; a broadcast that would need more entries stays as it is
 * (dp_format prints it as a token). */
static unsigned display_actions(const struct xs_agent *a, const struct xs_dpif_flow *f,
				struct xs_action *acts)
{
	unsigned n = f->n_actions, k, others = 0;

	memcpy(acts, f->actions, n * sizeof(*acts));
	if (!n || acts[n - 1].type != XS_ACT_OUTPUT || !(acts[n - 1].flags & XS_OUT_F_BROADCAST))
		return n;
	for (size_t i = 0; i < a->ports.n; i++)
		others += a->ports.ports[i].dp_port != f->key.in_port;
	if (!others || n - 1 + others > XS_MAX_ACTIONS)
		return n;
	k = n - 1;
	for (size_t i = 0; i < a->ports.n; i++) {
		uint32_t ifindex = a->ports.ports[i].dp_port;

		if (ifindex == f->key.in_port)
			continue;
		memset(&acts[k], 0, sizeof(acts[k]));
		acts[k].type = XS_ACT_OUTPUT;
		acts[k++].arg = ifindex;
	}
	return k;
}

void xs_mf_dump(struct xs_agent *a, struct dp_xs *x, struct xs_ctl_buf *out, bool json)
{
	struct xs_dp_port_map map = { .name = ofport_name, .ctx = a };
	struct xs_action shown[XS_MAX_ACTIONS];
	uint64_t now = xs_mono_ns();
	unsigned n;
	char key[2048], acts[2048];
	struct xs_flow_stats st;
	struct xs_dpif_flow f;
	uint32_t pos = 0;
	bool first = true;

	if (json)
		xs_ctl_printf(out, "[");
	while (xs_dpif_flow_next(x->dpif, &pos, &f) == 1) {
		double used_s = 0;
		int gone = 0;
		bool used;

		if (xs_dpif_flow_stats(x->dpif, &f.handle, 1, &st, &gone) || gone)
			continue;
		xs_dp_format_key(key, sizeof(key), &f.key, &f.mask, &map);
		n = display_actions(a, &f, shown);
		xs_dp_format_actions(acts, sizeof(acts), shown, n, &f.key, &map);
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
			xs_ctl_printf(out, ", \"stage\": \"%s\", \"slot\": %u}", f.stage,
				      f.handle.slot);
		} else {
			xs_ctl_printf(out, "recirc_id(0),%s, packets:%" PRIu64 ", bytes:%" PRIu64
				      ", used:", key, (uint64_t)st.packets, (uint64_t)st.bytes);
			if (used)
				xs_ctl_printf(out, "%.3fs", used_s);
			else
				xs_ctl_printf(out, "never");
			xs_ctl_printf(out, ", actions:%s\n", acts);
		}
		first = false;
	}
	if (json)
		xs_ctl_printf(out, "]\n");
}
