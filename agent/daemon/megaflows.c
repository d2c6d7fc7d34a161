/* The agent's side of the installed megaflows: which rules each one came
 * from, crediting its counters to them, flushing, dump-megaflows. */
#include "agent/daemon/dp_xs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/dp_format.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int xs_mf_init(struct dp_xs *x, uint32_t n_slots)
{
	x->owners = calloc(n_slots, sizeof(*x->owners));
	if (!x->owners)
		return -ENOMEM;
	x->n_slots = n_slots;
	return 0;
}

static void forget_all(struct dp_xs *x)
{
	for (uint32_t i = 0; i < x->n_slots; i++) {
		free(x->owners[i]);
		x->owners[i] = NULL;
	}
}

void xs_mf_fini(struct dp_xs *x)
{
	if (x->owners)
		forget_all(x);
	free(x->owners);
	x->owners = NULL;
	x->n_slots = 0;
}

int xs_mf_track(struct dp_xs *x, struct xs_flow_handle h, const struct xlate_result *res)
{
	struct xs_mf_owner *o;

	if (h.slot >= x->n_slots)
		return -ERANGE;
	free(x->owners[h.slot]);
	x->owners[h.slot] = NULL;
	o = malloc(sizeof(*o) + res->n_rules * sizeof(o->ids[0]));
	if (!o)
		return -ENOMEM;
	o->gen = h.gen;
	o->n_ids = res->n_rules;
	o->credited_packets = o->credited_bytes = 0;
	for (unsigned i = 0; i < res->n_rules; i++)
		o->ids[i] = res->rules[i]->id;
	x->owners[h.slot] = o;
	return 0;
}

/* Credits one megaflow's counters since its last harvest. */
static void credit(struct xs_agent *a, struct dp_xs *x, const struct xs_dp_flow *f,
		   uint64_t now_ms)
{
	struct xs_mf_owner *o = f->handle.slot < x->n_slots ? x->owners[f->handle.slot] : NULL;
	struct xs_flow_stats st;
	uint64_t dp, db;

	if (!o || o->gen != f->handle.gen || xs_dp_flow_stats(x->dp, f->handle, &st))
		return;
	dp = st.packets - o->credited_packets;
	db = st.bytes - o->credited_bytes;
	o->credited_packets = st.packets;
	o->credited_bytes = st.bytes;
	if (!dp && !db)
		return;
	for (uint32_t i = 0; i < o->n_ids; i++) {
		struct ft_rule *r = ft_rule_by_id(a->pipeline, o->ids[i]);

		if (r)
			ft_rule_credit(r, dp, db, now_ms);
	}
}

void xs_mf_harvest(struct xs_agent *a, struct dp_xs *x)
{
	uint64_t now_ms = mono_ns() / 1000000u;
	struct xs_dp_flow f;
	uint32_t pos = 0;

	while (xs_dp_flow_next(x->dp, &pos, &f) == 1)
		credit(a, x, &f, now_ms);
}

int xs_mf_flush(struct xs_agent *a, struct dp_xs *x)
{
	xs_mf_harvest(a, x);
	forget_all(x);
	return xs_dp_flow_flush(x->dp);
}

/* dp_format port names: ifindex -> OpenFlow port number. */
static int ofport_name(void *ctx, __u32 ifindex, char *buf, size_t size)
{
	struct xs_agent *a = ctx;
	struct xs_port *p = xs_ports_by_ifindex(&a->ports, (int)ifindex);

	if (!p)
		return -ENOENT;
	snprintf(buf, size, "%u", p->ofport);
	return 0;
}

static void json_str(struct xs_ctl_buf *out, const char *s)
{
	xs_ctl_printf(out, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			xs_ctl_printf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			xs_ctl_printf(out, "\\u%04x", (unsigned char)*s);
		else
			xs_ctl_append(out, s, 1);
	}
	xs_ctl_printf(out, "\"");
}

void xs_mf_dump(struct xs_agent *a, struct dp_xs *x, struct xs_ctl_buf *out, bool json)
{
	struct xs_dp_port_map map = { .name = ofport_name, .ctx = a };
	uint64_t now = mono_ns();
	char key[2048], acts[2048];
	struct xs_flow_stats st;
	struct xs_dp_flow f;
	uint32_t pos = 0;
	bool first = true;

	if (json)
		xs_ctl_printf(out, "[");
	while (xs_dp_flow_next(x->dp, &pos, &f) == 1) {
		double used_s = 0;
		bool used;

		if (xs_dp_flow_stats(x->dp, f.handle, &st))
			continue;
		xs_dp_format_key(key, sizeof(key), &f.key, &f.mask, &map);
		xs_dp_format_actions(acts, sizeof(acts), f.actions, f.n_actions, &f.key, &map);
		used = st.used_ns != 0;
		if (used)
			used_s = st.used_ns < now ? (double)(now - st.used_ns) / 1e9 : 0;
		if (json) {
			xs_ctl_printf(out, "%s{\"key\": ", first ? "" : ", ");
			json_str(out, key);
			xs_ctl_printf(out, ", \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
				      ", \"used_s\": ", (uint64_t)st.packets, (uint64_t)st.bytes);
			if (used)
				xs_ctl_printf(out, "%.3f", used_s);
			else
				xs_ctl_printf(out, "null");
			xs_ctl_printf(out, ", \"actions\": ");
			json_str(out, acts);
			xs_ctl_printf(out, ", \"stage\": \"%s\", \"slot\": %u}",
				      f.flags & XS_MF_F_XDP ? "xdp" : "tc", f.handle.slot);
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
