// SPDX-License-Identifier: Apache-2.0
/* NORMAL's MAC table in the agent: learning from misses, refresh from the
 * fast path's megaflows, aging, revalidation after changes, fdb-show and
 * fdb-flush. Design in fdb.h. */
#include "agent/daemon/fdb.h"
#include "agent/daemon/dp_xs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

static uint64_t now_ms(void)
{
	return xs_mono_ns() / 1000000;
}

int xs_fdb_init(struct xs_agent *a)
{
	size_t size = a->opts.mac_table_size ? a->opts.mac_table_size : XS_MAC_DEFAULT_SIZE;
	unsigned aging = a->opts.mac_aging_s ? a->opts.mac_aging_s : XS_MAC_DEFAULT_AGING_S;
	int err = xs_mac_table_init(&a->macs, size, aging);

	if (err)
		return err;
	a->normal.ports = &a->ports;
	a->normal.macs = &a->macs;
	a->pipeline->normal = &a->normal;
	a->macs_seen = a->macs.changes;
	return 0;
}

void xs_fdb_fini(struct xs_agent *a)
{
	if (a->pipeline)
		a->pipeline->normal = NULL;
	xs_mac_table_destroy(&a->macs);
}

void xs_fdb_learn(struct xs_agent *a, const struct xs_reval_xlate *rx)
{
	int r;

	if (!rx->learn.valid || !a->macs.buckets)
		return;
	r = xs_mac_learn(&a->macs, rx->learn.vlan, rx->learn.mac, rx->learn.ofport, now_ms());
	if (r < 0)
		xs_agent_log(a, "MAC table: out of memory");
	/* Megaflows to the old port would lose the host's packets: they
	 * change before this packet is re-injected (and its answer comes
	 * back). A new address can wait for the end of the batch: until
	 * then its packets are flooded, which still delivers them. */
	if (r == XS_MAC_MOVED)
		xs_fdb_sync(a);
}

void xs_fdb_sync(struct xs_agent *a)
{
	if (a->macs.changes == a->macs_seen)
		return;
	a->macs_seen = a->macs.changes;
	xs_bridge_dp_tables_changed(a);
}

void xs_fdb_tick(struct xs_agent *a)
{
	if (a->macs.buckets)
		xs_mac_age(&a->macs, now_ms());
	xs_fdb_sync(a);
}

void xs_fdb_on_used(void *agent, const struct rs_learn *learn, uint64_t used_ns)
{
	struct xs_agent *a = agent;
	uint64_t used_ms = used_ns / 1000000;
	const struct xs_mac_entry *e;

	/* a port detached since: its addresses went with it */
	if (!a->macs.buckets || !xs_ports_by_ofport(&a->ports, learn->ofport))
		return;
	/* a move learned later than this use stands */
	e = xs_mac_lookup(&a->macs, learn->vlan, learn->mac);
	if (e && e->ofport != learn->ofport && e->used_ms >= used_ms)
		return;
	xs_mac_learn(&a->macs, learn->vlan, learn->mac, learn->ofport, used_ms);
}

void xs_fdb_show(struct xs_agent *a, struct xs_ctl_buf *out, bool json)
{
	const struct xs_mac_table *t = &a->macs;

	if (json)
		xs_ctl_printf(out, ", \"mac_table\": {\"entries\": %zu, \"max\": %zu, "
			      "\"aging_s\": %llu, \"evicted\": %llu, \"aged\": %llu}", t->n,
			      t->max_entries, (unsigned long long)(t->aging_ms / 1000),
			      (unsigned long long)t->evicted, (unsigned long long)t->aged);
	else
		xs_ctl_printf(out, "mac table: %zu entries (at most %zu, aging %llu s), %llu "
			      "evicted, %llu aged\n", t->n, t->max_entries,
			      (unsigned long long)(t->aging_ms / 1000),
			      (unsigned long long)t->evicted, (unsigned long long)t->aged);
}

int xs_agent_cmd_fdb_show(struct xs_agent *a, const struct xs_agent_req *r,
			  struct xs_ctl_buf *out)
{
	const struct xs_mac_entry **v;
	uint64_t now = now_ms();
	long n;

	/* times of fast-path traffic first */
	xs_bridge_dp_sync_stats(a);
	n = xs_mac_collect(&a->macs, &v);
	if (n < 0) {
		xs_ctl_printf(out, "%s: out of memory\n", r->cmd);
		return 1;
	}
	if (r->json)
		xs_ctl_printf(out, "[");
	else
		xs_ctl_printf(out, " port  VLAN  MAC                Age\n");
	for (long i = 0; i < n; i++) {
		const struct xs_mac_entry *e = v[i];
		const uint8_t *m = e->mac;
		unsigned age = (unsigned)(now > e->used_ms ? (now - e->used_ms) / 1000 : 0);

		if (r->json)
			xs_ctl_printf(out, "%s{\"port\": %u, \"vlan\": %u, \"mac\": "
				      "\"%02x:%02x:%02x:%02x:%02x:%02x\", \"age\": %u}",
				      i ? ", " : "", e->ofport, e->vlan, m[0], m[1], m[2], m[3],
				      m[4], m[5], age);
		else
			xs_ctl_printf(out, "%5u  %4u  %02x:%02x:%02x:%02x:%02x:%02x  %3u\n",
				      e->ofport, e->vlan, m[0], m[1], m[2], m[3], m[4], m[5], age);
	}
	if (r->json)
		xs_ctl_printf(out, "]\n");
	free(v);
	return 0;
}

int xs_agent_cmd_fdb_flush(struct xs_agent *a, const struct xs_agent_req *r,
			   struct xs_ctl_buf *out)
{
	(void)r;
	/* counters first: traffic before the flush relearns nothing after */
	xs_bridge_dp_sync_stats(a);
	xs_mac_flush(&a->macs, 0);
	xs_fdb_sync(a);
	xs_ctl_printf(out, "table successfully flushed\n");
	return 0;
}
