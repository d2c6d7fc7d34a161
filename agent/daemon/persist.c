// SPDX-License-Identifier: Apache-2.0
/* Batched, journaled table changes of the agent (persist.h): records
 * queued by the flow and port operations, one revalidation and one
 * journal commit per batch, snapshots when they are due. */
#include "agent/daemon/persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/durable.h"
#include "agent/daemon/state_file.h"
#include "common/clock.h"

/* The journal may grow to max(XS_JOURNAL_COMPACT_MIN, snapshot size). */
static size_t journal_limit(const struct xs_agent_persist *ps)
{
	return ps->snapshot_bytes > XS_JOURNAL_COMPACT_MIN ? ps->snapshot_bytes :
	       XS_JOURNAL_COMPACT_MIN;
}

/* Records are worth queuing: the batch is not going to be a snapshot. */
static bool journaling(const struct xs_agent_persist *ps)
{
	return !ps->snapshot_due;
}

/* After a record was queued: a batch that outgrows the journal is saved
 * as a snapshot, so its records are dropped and no more are made. */
static void queued(struct xs_agent_persist *ps)
{
	if (ps->journal.size + xs_journal_pending(&ps->journal) > journal_limit(ps)) {
		ps->snapshot_due = true;
		xs_journal_discard(&ps->journal);
	}
}

/* A rule left the tables. During a command the command's own record says
 * so; otherwise it is the revalidator removing it by its timeouts. */
static void on_delete(void *ctx, const struct ft_rule *rule)
{
	struct xs_agent *a = ctx;
	struct ofp_flow del;

	if (a->persist.own_delete || !journaling(&a->persist))
		return;
	ft_rule_flow(rule, &del);
	del.cookie_mask = 0;
	del.out_port = OFPP_NONE;
	xs_journal_del(&a->persist.journal, &del, true);
	queued(&a->persist);
}

int xs_agent_persist_init(struct xs_agent *a)
{
	struct xs_agent_persist *ps = &a->persist;

	memset(ps, 0, sizeof(*ps));
	xs_journal_init(&ps->journal);
	ps->unsaved = true; /* the first snapshot comes when the agent serves */
	a->pipeline->on_delete = on_delete;
	a->pipeline->on_delete_ctx = a;
	return xs_ctl_path(a->bridge, ".journal", ps->journal_path, sizeof(ps->journal_path));
}

void xs_agent_persist_fini(struct xs_agent *a)
{
	a->persist.closed = true;
	xs_journal_close(&a->persist.journal);
}

/* Moves restored rules into the agent's tables, keeping what the agent
 * set there (ports, hook). */
static void take_tables(struct flow_tables *dst, struct flow_tables *src)
{
	struct flow_tables keep = *dst;

	flow_tables_destroy(dst);
	*dst = *src;
	dst->version = keep.version + src->version + 1;
	dst->ports = keep.ports;
	dst->n_ports = keep.n_ports;
	dst->normal = keep.normal;
	dst->on_delete = keep.on_delete;
	dst->on_delete_ctx = keep.on_delete_ctx;
	dst->hidden0 = keep.hidden0;
	dst->wire = keep.wire;
	flow_tables_init(src);
}

int xs_agent_load_state(struct xs_agent *a, struct xs_state *st, char *why, size_t why_size)
{
	struct xs_agent_persist *ps = &a->persist;
	struct xs_journal_scan scan;
	struct flow_tables ft;
	int err;

	flow_tables_init(&ft);
	ft.wire = a->pipeline->wire; /* the bytes controllers sent come back too */
	err = xs_state_load(a->state_path, ps->journal_path, ft_modify, xs_mono_ms(), &ft, st,
			    &scan, why, why_size);
	if (err == -ENOENT) {
		/* A journal is meaningless without its snapshot, and its
		 * generation could match the first snapshot this agent writes. */
		if (!unlink(ps->journal_path)) {
			xs_agent_log(a, "%s: no snapshot %s to follow; removed", ps->journal_path,
				     a->state_path);
			xs_sync_dir(ps->journal_path);
		}
		flow_tables_destroy(&ft);
		return err;
	}
	if (err) {
		size_t n = strlen(ps->journal_path);

		/* entries of rules that were never restored */
		wire_store_destroy(&a->wire);
		if (!strncmp(why, ps->journal_path, n) && why[n] == ':')
			snprintf(why + strlen(why), why_size - strlen(why), "; nothing restored: "
				 "move the journal away to start from the snapshot %s alone, "
				 "without the journal's changes", a->state_path);
		flow_tables_destroy(&ft);
		return err;
	}
	ps->gen = st->gen;
	if (scan.stale)
		xs_agent_log(a, "%s: generation %llu, the snapshot's is %llu: left from before "
			     "the last snapshot; skipped", ps->journal_path,
			     (unsigned long long)scan.gen, (unsigned long long)st->gen);
	else if (scan.batches)
		xs_agent_log(a, "%s: replayed %u change%s in %u batch%s", ps->journal_path,
			     scan.records, scan.records == 1 ? "" : "s", scan.batches,
			     scan.batches == 1 ? "" : "es");
	if (scan.torn_line)
		xs_agent_log(a, "note: %s:%u: ignored an incomplete last batch (%llu bytes): a "
			     "write cut short by a crash, never answered", ps->journal_path,
			     scan.torn_line, (unsigned long long)scan.torn_bytes);
	if (!a->opts.flows_file && !a->opts.cleanup)
		take_tables(a->pipeline, &ft);
	flow_tables_destroy(&ft);
	return 0;
}

void xs_agent_batch_begin(struct xs_agent *a)
{
	a->persist.batch_depth++;
}

void xs_agent_batch_end(struct xs_agent *a)
{
	if (a->persist.batch_depth && --a->persist.batch_depth == 0)
		xs_agent_commit(a);
}

void xs_agent_commit(struct xs_agent *a)
{
	if (a->persist.dirty) {
		a->persist.dirty = false;
		xs_bridge_dp_tables_changed(a);
	}
	xs_agent_save_state(a);
}

/* Did the agent create @p's clsact qdisc (so removing the port removes
 * it, also after a restart)? */
static bool owns_qdisc(struct xs_agent *a, const struct xs_port *p)
{
	return a->dpif && a->dpif->cls->port_flags &&
	       (a->dpif->cls->port_flags(a->dpif, p->dp_port) & XS_DPIF_PORT_F_OWNS_QDISC);
}

/* Writes the snapshot of generation gen + 1 and starts its journal; the
 * queued records are in the snapshot. */
static int snapshot(struct xs_agent *a)
{
	struct xs_agent_persist *ps = &a->persist;
	struct xs_state_port *ports;
	char why[512];
	size_t bytes = 0;
	int err;

	xs_journal_discard(&ps->journal);
	ports = calloc(a->ports.n + 1, sizeof(*ports));
	if (!ports) {
		err = -ENOMEM;
		snprintf(why, sizeof(why), "writing %s: %s", a->state_path, strerror(-err));
		goto fail;
	}
	for (size_t i = 0; i < a->ports.n; i++) {
		snprintf(ports[i].name, sizeof(ports[i].name), "%s", a->ports.ports[i].name);
		ports[i].ofport = a->ports.ports[i].ofport;
		ports[i].created_qdisc = owns_qdisc(a, &a->ports.ports[i]);
		xs_port_vlan_format(&a->ports.ports[i].vlan, ports[i].vlan, sizeof(ports[i].vlan));
	}
	err = xs_state_write(a->state_path, ps->gen + 1, a->pipeline, ports, a->ports.n, &bytes,
			     why, sizeof(why));
	free(ports);
	if (err)
		goto fail;
	ps->gen++;
	ps->snapshot_bytes = bytes;
	ps->snapshots++;
	ps->snapshot_due = false;
	ps->unsaved = false;
	err = xs_journal_create(&ps->journal, ps->journal_path, ps->gen, why, sizeof(why));
	if (err)
		/* The snapshot holds everything; the next change writes one again. */
		xs_agent_log(a, "%s (changes are saved as snapshots until a journal opens)", why);
	return 0;
fail:
	/* The old snapshot and journal still agree with each other; nothing
	 * may be appended to that journal now that this change is lost. */
	xs_journal_close(&ps->journal);
	ps->unsaved = true;
	xs_agent_log(a, "%s (a restart would not restore this change)", why);
	return err;
}

int xs_agent_save_state(struct xs_agent *a)
{
	struct xs_agent_persist *ps = &a->persist;
	size_t pending = xs_journal_pending(&ps->journal);
	char why[512];
	int err;

	if (ps->closed || a->ctl.fd < 0 || a->opts.cleanup || !a->pipeline) {
		/* Starting (the first snapshot comes when the agent serves),
		 * cleaning up, or stopping. */
		xs_journal_discard(&ps->journal);
		return 0;
	}
	if (!pending && !ps->snapshot_due && !ps->unsaved)
		return 0;
	if (ps->journal.fd >= 0 && !ps->snapshot_due && !ps->unsaved &&
	    ps->journal.size + pending <= journal_limit(ps)) {
		err = xs_journal_commit(&ps->journal, why, sizeof(why));
		if (!err) {
			ps->batches++;
			return 0;
		}
		xs_agent_log(a, "%s: %s; writing a snapshot instead", ps->journal_path, why);
	}
	return snapshot(a);
}

int xs_agent_flow_add(struct xs_agent *a, const struct ofp_flow *flow, uint64_t now_ms)
{
	int err = ft_add(a->pipeline, flow, now_ms);

	if (!err && journaling(&a->persist)) {
		xs_journal_add(&a->persist.journal, flow);
		queued(&a->persist);
	}
	return err;
}

int xs_agent_flow_delete(struct xs_agent *a, const struct ofp_flow *filter, bool strict,
			 size_t *n_deleted)
{
	size_t n = 0;
	int err;

	a->persist.own_delete = true;
	err = ft_delete(a->pipeline, filter, strict, filter->out_port, &n);
	a->persist.own_delete = false;
	if (!err && n && journaling(&a->persist)) {
		xs_journal_del(&a->persist.journal, filter, strict);
		queued(&a->persist);
	}
	if (n_deleted)
		*n_deleted = n;
	return err;
}

int xs_agent_flow_modify_many(struct xs_agent *a, const struct ofp_flow *flows, size_t n_flows,
			      bool strict, struct ft_modify_result *res)
{
	struct ft_modify_result r;
	int err = ft_modify_many(a->pipeline, flows, n_flows, strict, &r);

	/* One record per flow, in order: replayed one by one with ft_modify
	 * they select the same rules (the same tables, the same order). */
	for (size_t i = 0; !err && r.n_changed && i < n_flows && journaling(&a->persist); i++) {
		xs_journal_mod(&a->persist.journal, &flows[i], strict);
		queued(&a->persist);
	}
	if (res)
		*res = r;
	return err;
}

int xs_agent_flow_replace(struct xs_agent *a, const struct ofp_flow *flows, size_t n_flows,
			  uint64_t now_ms)
{
	int err = ft_replace(a->pipeline, flows, n_flows, now_ms);

	if (!err) {
		a->persist.snapshot_due = true;
		xs_journal_discard(&a->persist.journal);
	}
	return err;
}

void xs_agent_journal_port(struct xs_agent *a, const struct xs_port *p)
{
	char vlan[XS_PORT_VLAN_TEXT_MAX];

	if (journaling(&a->persist)) {
		xs_port_vlan_format(&p->vlan, vlan, sizeof(vlan));
		xs_journal_port_vlan(&a->persist.journal, p->name, p->ofport, owns_qdisc(a, p),
				     vlan);
		queued(&a->persist);
	}
}

void xs_agent_journal_unport(struct xs_agent *a, const char *name)
{
	if (journaling(&a->persist)) {
		xs_journal_unport(&a->persist.journal, name);
		queued(&a->persist);
	}
}

void xs_agent_journal_wire(struct xs_agent *a, const struct ft_rule *rule, bool after_add)
{
	const struct wire_entry *e = wire_store_get(&a->wire, rule);

	if (e && journaling(&a->persist)) {
		xs_journal_wire(&a->persist.journal, rule, e, after_add);
		queued(&a->persist);
	}
}

static void ctl_begin(void *ctx)
{
	xs_agent_batch_begin(ctx);
}

static void ctl_commit(void *ctx)
{
	xs_agent_batch_end(ctx);
}

const struct xs_ctl_ops xs_agent_ctl_ops = {
	.request = xs_agent_handle_request,
	.begin = ctl_begin,
	.commit = ctl_commit,
};
