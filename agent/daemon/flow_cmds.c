// SPDX-License-Identifier: Apache-2.0
/* OpenFlow commands of the agent: flows parsed (errors name the file, line
 * and column), applied to the bridge's tables, dumped and traced. */
#include "agent/daemon/flow_cmds.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/daemon/persist.h"
#include "agent/ofp/flow.h"
#include "agent/pipeline/trace.h"
#include "common/clock.h"

#define FLOW_TEXT_MAX 8192

static void free_flows(struct ofp_flow *flows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ofp_flow_free(&flows[i]);
	free(flows);
}

/* Parses flow-file text; on error appends "CMD: NAME:LINE:COL: msg". */
static int parse_text(const char *cmd, const char *name, const char *text,
		      enum ofp_parse_mode mode, struct ofp_flow **flows, size_t *n,
		      struct xs_ctl_buf *out)
{
	struct xs_err err;
	char msg[512];
	int ret;

	ret = ofp_parse_flow_text(text, mode, flows, n, &err);
	if (ret) {
		xs_err_format(&err, name, msg, sizeof(msg));
		xs_ctl_printf(out, "%s: %s\n", cmd, msg);
	}
	return ret;
}

/* Parses one flow given on the command line; on error appends
 * "CMD: column COL: msg". */
static int parse_one(const char *cmd, const char *text, enum ofp_parse_mode mode,
		     struct ofp_flow *flow, struct xs_ctl_buf *out)
{
	struct xs_err err;
	int ret;

	memset(&err, 0, sizeof(err));
	ofp_flow_init(flow);
	ret = ofp_parse_flow(text, mode, flow, &err);
	if (ret) {
		if (err.col)
			xs_ctl_printf(out, "%s: column %d: %s\n", cmd, err.col, err.msg);
		else
			xs_ctl_printf(out, "%s: %s\n", cmd, err.msg);
		ofp_flow_free(flow);
	}
	return ret;
}

int xs_agent_flows_load(struct xs_agent *a, const char *path, char *why, size_t why_size)
{
	struct ofp_flow *flows;
	struct xs_err err;
	size_t n;
	int ret;

	ret = ofp_parse_flow_file(path, OFP_PARSE_ADD, &flows, &n, &err);
	if (ret) {
		xs_err_format(&err, path, why, (unsigned)why_size);
		return ret;
	}
	ret = xs_agent_flow_replace(a, flows, n, xs_mono_ms());
	free_flows(flows, n);
	if (ret) {
		snprintf(why, why_size, "%s: loading the flows: %s", path, strerror(-ret));
		return ret;
	}
	xs_agent_log(a, "%s: %zu flow%s loaded", path, n, n == 1 ? "" : "s");
	xs_agent_tables_changed(a);
	return 0;
}

/* Adds flows one by one; the only failure left after parsing is memory
 * (the parser refuses table ids that are not tables). */
static int add_flows(struct xs_agent *a, const char *cmd, const struct ofp_flow *flows,
		     size_t n, struct xs_ctl_buf *out)
{
	uint64_t now = xs_mono_ms();
	int ret = 0;
	size_t i;

	for (i = 0; i < n && !ret; i++)
		ret = xs_agent_flow_add(a, &flows[i], now);
	if (i)
		xs_agent_tables_changed(a);
	if (ret) {
		xs_ctl_printf(out, "%s: flow %zu of %zu: %s (the flows before it were added)\n",
			      cmd, i, n, strerror(-ret));
		return 1;
	}
	return 0;
}

int xs_agent_cmd_add_flow(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	struct ofp_flow flow;
	int ret;

	if (parse_one(r->cmd, r->pos[0], OFP_PARSE_ADD, &flow, out))
		return 1;
	ret = add_flows(a, r->cmd, &flow, 1, out);
	ofp_flow_free(&flow);
	return ret;
}

int xs_agent_cmd_add_flows(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	struct ofp_flow *flows;
	size_t n;
	int ret;

	if (parse_text(r->cmd, r->pos[0], r->pos[1], OFP_PARSE_ADD, &flows, &n, out))
		return 1;
	ret = add_flows(a, r->cmd, flows, n, out);
	free_flows(flows, n);
	return ret;
}

int xs_agent_cmd_del_flows(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	struct ofp_flow flow;
	size_t n = 0;

	if (parse_one(r->cmd, r->n_pos ? r->pos[0] : "", OFP_PARSE_DELETE, &flow, out))
		return 1;
	xs_agent_flow_delete(a, &flow, r->strict, &n);
	ofp_flow_free(&flow);
	if (n)
		xs_agent_tables_changed(a);
	return 0;
}

int xs_agent_cmd_mod_flows(struct xs_agent *a, const struct xs_agent_req *r, struct xs_ctl_buf *out)
{
	struct ft_modify_result res;
	struct ofp_flow one, *flows = &one;
	size_t n = 1;
	int ret;

	if (r->n_pos == 2) {
		if (parse_text(r->cmd, r->pos[0], r->pos[1], OFP_PARSE_MODIFY, &flows, &n, out))
			return 1;
	} else if (parse_one(r->cmd, r->pos[0], OFP_PARSE_MODIFY, &one, out)) {
		return 1;
	}
	ret = xs_agent_flow_modify_many(a, flows, n, r->strict, &res);
	if (ret) {
		xs_ctl_printf(out, "%s: ", r->cmd);
		if (r->n_pos == 2)
			xs_ctl_printf(out, "%s: flow %zu of %zu: ", r->pos[0], res.failed + 1, n);
	}
	if (ret == -EINVAL) {
		const struct ofp_flow *f = &flows[res.failed];
		unsigned target = 0;

		for (size_t i = 0; i < f->n_actions; i++)
			if (f->actions[i].type == OFPACT_GOTO_TABLE)
				target = f->actions[i].goto_table.table;
		xs_ctl_printf(out, "goto_table:%u must lead to a later table, but a flow this "
			      "modifies is in table %u (select with table=; nothing changed)\n",
			      target, res.bad_table);
	} else if (ret) {
		xs_ctl_printf(out, "%s (nothing changed)\n", strerror(-ret));
	}
	if (flows == &one)
		ofp_flow_free(&one);
	else
		free_flows(flows, n);
	if (ret)
		return 1;
	if (res.n_changed)
		xs_agent_tables_changed(a);
	return 0;
}

int xs_agent_cmd_replace_flows(struct xs_agent *a, const struct xs_agent_req *r,
			       struct xs_ctl_buf *out)
{
	struct ofp_flow *flows;
	size_t n;
	int ret;

	if (parse_text(r->cmd, r->pos[0], r->pos[1], OFP_PARSE_ADD, &flows, &n, out))
		return 1;
	ret = xs_agent_flow_replace(a, flows, n, xs_mono_ms());
	free_flows(flows, n);
	if (ret) {
		xs_ctl_printf(out, "%s: %s: %s (nothing changed)\n", r->cmd, r->pos[0],
			      strerror(-ret));
		return 1;
	}
	xs_agent_tables_changed(a);
	return 0;
}

static bool dump_selected(const struct ofp_flow *filter, const struct ft_rule *rule)
{
	if (!filter)
		return true;
	if (filter->table_id != OFP_TABLE_ALL && filter->table_id != rule->table_id)
		return false;
	if ((rule->cookie & filter->cookie_mask) != (filter->cookie & filter->cookie_mask))
		return false;
	return cls_match_covers(&filter->match, &rule->cls.match);
}

/* One rule as ovs-ofctl dump-flows prints it, or as a JSON object. */
static void dump_rule(const struct ft_rule *rule, uint64_t now, bool json, bool first,
		      struct xs_ctl_buf *out)
{
	char match[FLOW_TEXT_MAX], acts[FLOW_TEXT_MAX];
	uint64_t age = now > rule->created_ms ? now - rule->created_ms : 0;
	uint64_t last = rule->used_ms > rule->created_ms ? rule->used_ms : rule->created_ms;
	uint64_t idle = now > last ? now - last : 0; /* since the last packet */
	struct ofp_flow f;

	ft_rule_flow(rule, &f);
	ofp_format_flow_match(&f, match, sizeof(match));
	if (f.n_actions)
		ofp_format_actions(f.actions, f.n_actions, acts, sizeof(acts));
	else
		snprintf(acts, sizeof(acts), "drop");
	if (json) {
		xs_ctl_printf(out, "%s{\"cookie\": \"0x%" PRIx64 "\", \"duration_s\": %" PRIu64
			      ".%03" PRIu64 ", \"table\": %u, \"n_packets\": %" PRIu64
			      ", \"n_bytes\": %" PRIu64 ", \"idle_timeout\": %u, \"hard_timeout\": %u"
			      ", \"idle_age_s\": %" PRIu64 ", \"priority\": %u, \"match\": ",
			      first ? "" : ", ", rule->cookie, age / 1000, age % 1000, rule->table_id,
			      rule->n_packets, rule->n_bytes, rule->idle_timeout, rule->hard_timeout,
			      idle / 1000, rule->cls.priority);
		xs_ctl_json_str(out, match);
		xs_ctl_printf(out, ", \"actions\": ");
		xs_ctl_json_str(out, acts);
		xs_ctl_printf(out, "}");
		return;
	}
	xs_ctl_printf(out, " cookie=0x%" PRIx64 ", duration=%" PRIu64 ".%03" PRIu64 "s, table=%u, "
		      "n_packets=%" PRIu64 ", n_bytes=%" PRIu64 ", ", rule->cookie, age / 1000,
		      age % 1000, rule->table_id, rule->n_packets, rule->n_bytes);
	if (rule->idle_timeout)
		xs_ctl_printf(out, "idle_timeout=%u, ", rule->idle_timeout);
	if (rule->hard_timeout)
		xs_ctl_printf(out, "hard_timeout=%u, ", rule->hard_timeout);
	/* seconds since the last packet (or the rule's creation), as ovs-ofctl */
	xs_ctl_printf(out, "idle_age=%" PRIu64 ", %s actions=%s\n", idle / 1000, match, acts);
}

int xs_agent_cmd_dump_flows(struct xs_agent *a, const struct xs_agent_req *r,
			    struct xs_ctl_buf *out)
{
	const struct ft_rule **rules;
	struct ofp_flow filter;
	uint64_t now = xs_mono_ms();
	bool first = true;
	long n;

	if (r->n_pos && parse_one(r->cmd, r->pos[0], OFP_PARSE_DELETE, &filter, out))
		return 1;
	xs_bridge_dp_sync_stats(a);
	n = ft_collect(a->pipeline, &rules);
	if (n < 0) {
		xs_ctl_printf(out, "%s: out of memory\n", r->cmd);
		if (r->n_pos)
			ofp_flow_free(&filter);
		return 1;
	}
	if (r->json)
		xs_ctl_printf(out, "[");
	for (long i = 0; i < n; i++) {
		if (!dump_selected(r->n_pos ? &filter : NULL, rules[i]))
			continue;
		dump_rule(rules[i], now, r->json, first, out);
		first = false;
	}
	if (r->json)
		xs_ctl_printf(out, "]\n");
	free(rules);
	if (r->n_pos)
		ofp_flow_free(&filter);
	return 0;
}

int xs_agent_cmd_dump_megaflows(struct xs_agent *a, const struct xs_agent_req *r,
				struct xs_ctl_buf *out)
{
	int type = XS_MF_TYPE_ALL;

	/* --type=offloaded|non-offloaded, as ovs-appctl dpctl/dump-flows type= */
	if (r->n_pos) {
		if (!strcmp(r->pos[0], "--type=offloaded")) {
			type = XS_MF_TYPE_OFFLOADED;
		} else if (!strcmp(r->pos[0], "--type=non-offloaded")) {
			type = XS_MF_TYPE_NOT_OFFLOADED;
		} else {
			xs_ctl_printf(out, "dump-megaflows: '%s': expected --type=offloaded or "
				      "--type=non-offloaded\n", r->pos[0]);
			return 2;
		}
	}
	xs_bridge_dp_dump_megaflows(a, out, r->json, type);
	return 0;
}

int xs_agent_cmd_trace_live(struct xs_agent *a, const struct xs_agent_req *r,
			    struct xs_ctl_buf *out)
{
	struct ofp_key key;
	struct xs_err err;
	char *text = NULL;

	memset(&err, 0, sizeof(err));
	if (ofp_parse_packet(r->pos[0], &key, &err)) {
		xs_ctl_printf(out, "%s: column %d: %s\n", r->cmd, err.col, err.msg);
		return 1;
	}
	trace_packet(a->pipeline, &key, r->json, &text);
	if (!text) {
		xs_ctl_printf(out, "%s: out of memory\n", r->cmd);
		return 1;
	}
	xs_ctl_printf(out, "%s", text);
	free(text);
	return 0;
}
