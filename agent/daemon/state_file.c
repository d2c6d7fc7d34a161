// SPDX-License-Identifier: Apache-2.0
/* The agent's state snapshot: rules and ports written atomically (temporary
 * file, fsync, rename) and read back whole or not at all; the restore of a
 * bridge from the snapshot and its journal. */
#include "agent/daemon/state_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/daemon/durable.h"
#include "agent/ofp/flow.h"

#define STATE_MAGIC "xdpswitch-state"

struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->len + (size_t)n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* The "wire" line of a rule with an entry (its instructions "~" when its
 * actions changed since). */
static void render_wire(struct sbuf *b, const struct wire_store *ws, const struct ft_rule *r)
{
	const struct wire_entry *e = wire_store_get(ws, r);
	char *text;
	int n;

	if (!e)
		return;
	n = wire_entry_format(e, e->actions == r->actions, NULL, 0);
	text = malloc((size_t)n + 1);
	if (!text) {
		b->err = -ENOMEM;
		return;
	}
	wire_entry_format(e, e->actions == r->actions, text, (size_t)n + 1);
	sb_printf(b, "wire %s\n", text);
	free(text);
}

/* The whole file's text; 0 or -errno. */
static int render(struct sbuf *b, uint64_t gen, const struct flow_tables *ft,
		  const struct xs_state_port *ports, size_t n_ports)
{
	const struct ft_rule **rules;
	long n = ft_collect(ft, &rules);
	size_t size = 1024;
	char *text = malloc(size);

	if (n < 0 || !text) {
		free(text);
		if (n >= 0)
			free(rules);
		return -ENOMEM;
	}
	sb_printf(b, "%s %d gen %" PRIu64 "\n", STATE_MAGIC, XS_STATE_VERSION, gen);
	for (size_t i = 0; i < n_ports; i++)
		sb_printf(b, "port %s %u%s%s%s\n", ports[i].name, ports[i].ofport,
			  ports[i].created_qdisc ? " clsact" : "", ports[i].vlan[0] ? " vlan:" : "",
			  ports[i].vlan);
	for (long i = 0; i < n && !b->err; i++) {
		struct ofp_flow flow;
		int len;

		ft_rule_flow(rules[i], &flow);
		len = ofp_format_flow(&flow, text, size);
		if ((size_t)len >= size) {
			char *t = realloc(text, (size_t)len + 1);

			if (!t) {
				b->err = -ENOMEM;
				break;
			}
			text = t;
			size = (size_t)len + 1;
			ofp_format_flow(&flow, text, size);
		}
		sb_printf(b, "flow %s\n", text);
		if (ft->wire)
			render_wire(b, ft->wire, rules[i]);
	}
	free(text);
	free(rules);
	return b->err;
}

int xs_state_write(const char *path, uint64_t gen, const struct flow_tables *ft,
		   const struct xs_state_port *ports, size_t n_ports, size_t *bytes,
		   char *why, size_t why_size)
{
	struct sbuf b = { 0 };
	int err;

	err = render(&b, gen, ft, ports, n_ports);
	if (err) {
		snprintf(why, why_size, "writing %s: %s", path, strerror(-err));
		free(b.p);
		return err;
	}
	err = xs_file_replace(path, b.p, b.len, NULL, why, why_size);
	if (!err && bytes)
		*bytes = b.len;
	free(b.p);
	return err;
}

void xs_state_free(struct xs_state *st)
{
	for (size_t i = 0; i < st->n_flows; i++)
		ofp_flow_free(&st->flows[i]);
	free(st->flows);
	free(st->ports);
	for (size_t i = 0; i < st->n_wires; i++)
		wire_bytes_free(&st->wires[i].wb);
	free(st->wires);
	memset(st, 0, sizeof(*st));
}

static int fail(struct xs_state *st, char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct xs_state *st, char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	xs_state_free(st);
	return -EINVAL;
}

/* Appends one element to a heap array; 0 or -ENOMEM. The array holds a
 * power of two of elements, doubled when @n reaches one: growing by one
 * element at a time copied the whole array per line (quadratic; a 24000-
 * rule state took minutes under ASan, whose realloc always moves). */
static int push(void **v, size_t *n, size_t size, const void *elem)
{
	char *p = *v;

	if (!(*n & (*n - 1))) { /* 0 or a power of two: full */
		p = realloc(*v, (*n ? 2 * *n : 1) * size);
		if (!p)
			return -ENOMEM;
	}
	memcpy(p + *n * size, elem, size);
	*v = p;
	(*n)++;
	return 0;
}

/* Parses one line (NUL-terminated, no newline) into @st. */
static int parse_line(const char *path, unsigned lineno, char *line, struct xs_state *st,
		      char *why, size_t why_size)
{
	if (!strncmp(line, "port ", 5)) {
		struct xs_state_port p = { 0 };
		struct xs_port_record r;
		char msg[256];

		if (xs_port_record_parse(line + 5, &r, msg, sizeof(msg)))
			return fail(st, why, why_size, "%s:%u: %s", path, lineno, msg);
		for (size_t i = 0; i < st->n_ports; i++)
			if (!strcmp(st->ports[i].name, r.name) || st->ports[i].ofport == r.ofport)
				return fail(st, why, why_size, "%s:%u: port %s %u repeats a name "
					    "or number", path, lineno, r.name, r.ofport);
		snprintf(p.name, sizeof(p.name), "%s", r.name);
		p.ofport = r.ofport;
		p.created_qdisc = r.clsact;
		snprintf(p.vlan, sizeof(p.vlan), "%s", r.vlan);
		if (push((void **)&st->ports, &st->n_ports, sizeof(p), &p))
			return fail(st, why, why_size, "%s:%u: out of memory", path, lineno);
		return 0;
	}
	if (!strncmp(line, "flow ", 5)) {
		struct ofp_flow flow;
		struct xs_err err;

		memset(&err, 0, sizeof(err));
		ofp_flow_init(&flow);
		if (ofp_parse_flow(line + 5, OFP_PARSE_ADD, &flow, &err))
			return fail(st, why, why_size, "%s:%u:%d: %s", path, lineno,
				    err.col ? err.col + 5 : 0, err.msg);
		if (push((void **)&st->flows, &st->n_flows, sizeof(flow), &flow)) {
			ofp_flow_free(&flow);
			return fail(st, why, why_size, "%s:%u: out of memory", path, lineno);
		}
		return 0;
	}
	if (!strncmp(line, "wire ", 5)) {
		struct xs_state_wire w = { .flow = st->n_flows - 1 };
		char msg[256];
		size_t used;
		int err;

		if (!st->n_flows)
			return fail(st, why, why_size, "%s:%u: a 'wire' line belongs after the "
				    "'flow' line it is of", path, lineno);
		err = wire_bytes_parse(line + 5, &w.wb, &used, msg, sizeof(msg));
		if (!err && line[5 + used]) {
			wire_bytes_free(&w.wb);
			snprintf(msg, sizeof(msg), "unexpected text after the instructions");
			err = -EINVAL;
		}
		if (err)
			return fail(st, why, why_size, "%s:%u: wire: %s", path, lineno,
				    err == -ENOMEM ? "out of memory" : msg);
		if (push((void **)&st->wires, &st->n_wires, sizeof(w), &w)) {
			wire_bytes_free(&w.wb);
			return fail(st, why, why_size, "%s:%u: out of memory", path, lineno);
		}
		return 0;
	}
	return fail(st, why, why_size, "%s:%u: expected 'port', 'flow' or 'wire'", path, lineno);
}

/* "xdpswitch-state 2 gen N", or version 1's "xdpswitch-state 1" (gen 0),
 * exactly as written. */
static int parse_header(const char *line, uint64_t *gen)
{
	char again[64];
	int version, n;

	*gen = 0;
	n = sscanf(line, STATE_MAGIC " %d gen %" SCNu64, &version, gen);
	if (n == 1 && version == 1)
		return strcmp(line, STATE_MAGIC " 1") ? -EINVAL : 0;
	if (n != 2)
		return -EINVAL;
	snprintf(again, sizeof(again), "%s %d gen %" PRIu64, STATE_MAGIC, XS_STATE_VERSION, *gen);
	return strcmp(again, line) ? -EINVAL : 0;
}

int xs_state_read(const char *path, struct xs_state *st, char *why, size_t why_size)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t len;
	int err = 0;

	memset(st, 0, sizeof(*st));
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		if (err != -ENOENT)
			snprintf(why, why_size, "%s: %s", path, strerror(-err));
		return err;
	}
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) {
			if (parse_header(line, &st->gen))
				err = fail(st, why, why_size, "%s:1: not an xdpswitch state file "
					   "(expected '%s %d gen N')", path, STATE_MAGIC,
					   XS_STATE_VERSION);
			continue;
		}
		/* Comment lines; a '#' inside a flow line is the flow's own. */
		if (line[0] == '#' || !line[0])
			continue;
		err = parse_line(path, lineno, line, st, why, why_size);
	}
	if (!err && ferror(f)) {
		err = -EIO;
		snprintf(why, why_size, "%s: read error", path);
		xs_state_free(st);
	}
	if (!err && lineno == 0)
		err = fail(st, why, why_size, "%s:1: empty file, not an xdpswitch state file",
			   path);
	free(line);
	fclose(f);
	return err;
}

/* --- restore: snapshot + journal ---------------------------------------- */

struct replay {
	struct flow_tables *ft;
	struct xs_state *st;
	xs_journal_modify_fn modify;
	uint64_t now_ms;
	const struct ofp_flow *last_add; /* the record before, if an add */
};

static int replay_port(struct xs_state *st, const struct xs_journal_rec *rec,
		       char *why, size_t why_size)
{
	struct xs_state_port p = { .ofport = rec->ofport, .created_qdisc = rec->clsact };

	snprintf(p.vlan, sizeof(p.vlan), "%s", rec->vlan);

	for (size_t i = 0; i < st->n_ports; i++)
		if (!strcmp(st->ports[i].name, rec->port) || st->ports[i].ofport == rec->ofport) {
			snprintf(why, why_size, "port %s %u repeats a name or number", rec->port,
				 rec->ofport);
			return -EINVAL;
		}
	snprintf(p.name, sizeof(p.name), "%s", rec->port);
	return push((void **)&st->ports, &st->n_ports, sizeof(p), &p);
}

static int replay_unport(struct xs_state *st, const struct xs_journal_rec *rec,
			 char *why, size_t why_size)
{
	for (size_t i = 0; i < st->n_ports; i++)
		if (!strcmp(st->ports[i].name, rec->port)) {
			memmove(&st->ports[i], &st->ports[i + 1],
				(st->n_ports - i - 1) * sizeof(st->ports[0]));
			st->n_ports--;
			return 0;
		}
	snprintf(why, why_size, "unport %s: no such port", rec->port);
	return -EINVAL;
}

/* A controller's bytes for the rule @flow names (table, priority, match).
 * A rule that is not there (never, from this agent's writer) gets none:
 * its flow stats are encoded from its actions, nothing else changes. */
static int restore_wire(struct flow_tables *ft, const struct ofp_flow *flow,
			const struct wire_bytes *wb)
{
	const struct cls_rule *c;

	if (!ft->wire || flow->table_id >= OFP_N_TABLES)
		return 0;
	c = cls_find_exact(&ft->tables[flow->table_id], &flow->match, flow->priority);
	if (!c)
		return 0;
	return wire_store_put_bytes(ft->wire, (const struct ft_rule *)c, wb);
}

/* One journal record onto the tables and ports being restored. */
static int replay_rec(void *ctx, const struct xs_journal_rec *rec, char *why, size_t why_size)
{
	struct replay *r = ctx;
	const struct ofp_flow *last_add = r->last_add;

	/* only the record right after an add may lean on it (same batch:
	 * the batch's records live until it is applied) */
	r->last_add = rec->op == XS_JOURNAL_ADD ? &rec->flow : NULL;
	switch (rec->op) {
	case XS_JOURNAL_ADD:
		return ft_add(r->ft, &rec->flow, r->now_ms);
	case XS_JOURNAL_DEL:
		return ft_delete(r->ft, &rec->flow, rec->strict, rec->flow.out_port, NULL);
	case XS_JOURNAL_MOD:
		if (!r->modify) {
			snprintf(why, why_size, "a mod record, and this agent cannot modify flows");
			return -EOPNOTSUPP;
		}
		return r->modify(r->ft, &rec->flow, rec->strict, NULL);
	case XS_JOURNAL_PORT:
		return replay_port(r->st, rec, why, why_size);
	case XS_JOURNAL_UNPORT:
		return replay_unport(r->st, rec, why, why_size);
	case XS_JOURNAL_WIRE:
		if (!rec->wire_after_add)
			return restore_wire(r->ft, &rec->flow, &rec->wire);
		if (!last_add) {
			snprintf(why, why_size, "a 'wire' record without its rule must follow "
				 "the 'add' record of that rule");
			return -EINVAL;
		}
		return restore_wire(r->ft, last_add, &rec->wire);
	}
	return -EINVAL;
}

int xs_state_load(const char *state_path, const char *journal_path, xs_journal_modify_fn modify,
		  uint64_t now_ms, struct flow_tables *ft, struct xs_state *st,
		  struct xs_journal_scan *scan, char *why, size_t why_size)
{
	struct replay r = { .ft = ft, .st = st, .modify = modify, .now_ms = now_ms };
	int err;

	memset(scan, 0, sizeof(*scan));
	err = xs_state_read(state_path, st, why, why_size);
	if (err)
		return err;
	err = ft_replace(ft, st->flows, st->n_flows, now_ms);
	if (err) {
		snprintf(why, why_size, "%s: restoring %zu rules: %s", state_path, st->n_flows,
			 strerror(-err));
		goto undo;
	}
	for (size_t i = 0; i < st->n_wires && !err; i++)
		err = restore_wire(ft, &st->flows[st->wires[i].flow], &st->wires[i].wb);
	if (err) {
		snprintf(why, why_size, "%s: restoring what controllers sent: %s", state_path,
			 strerror(-err));
		goto undo;
	}
	for (size_t i = 0; i < st->n_flows; i++)
		ofp_flow_free(&st->flows[i]);
	free(st->flows);
	st->flows = NULL;
	st->n_flows = 0;
	for (size_t i = 0; i < st->n_wires; i++)
		wire_bytes_free(&st->wires[i].wb);
	free(st->wires);
	st->wires = NULL;
	st->n_wires = 0;
	err = xs_journal_replay(journal_path, st->gen, replay_rec, &r, scan, why, why_size);
	if (err == -ENOENT) {
		memset(scan, 0, sizeof(*scan));
		return 0;
	}
	if (!err)
		return 0;
undo:
	xs_state_free(st);
	flow_tables_destroy(ft);
	flow_tables_init(ft);
	return err;
}
