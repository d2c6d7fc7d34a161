// SPDX-License-Identifier: Apache-2.0
/* Whole flows in ovs-ofctl text: the flow-level keys (table, priority,
 * cookie, timeouts), packets for trace, and flow files (all or nothing). */
#include "agent/ofp/lex.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FLOW_FILE (64u << 20) /* bytes; a larger file is refused */

void ofp_flow_init(struct ofp_flow *flow)
{
	memset(flow, 0, sizeof(*flow));
	flow->priority = 32768;
	flow->out_port = OFPP_NONE;
}

void ofp_flow_free(struct ofp_flow *flow)
{
	free(flow->actions);
	flow->actions = NULL;
	flow->n_actions = 0;
}

int ofp_flow_clone(struct ofp_flow *dst, const struct ofp_flow *src)
{
	*dst = *src;
	if (!src->n_actions) {
		dst->actions = NULL;
		return 0;
	}
	dst->actions = malloc(src->n_actions * sizeof(*src->actions));
	if (!dst->actions) {
		dst->n_actions = 0;
		return -ENOMEM;
	}
	memcpy(dst->actions, src->actions, src->n_actions * sizeof(*src->actions));
	return 0;
}

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *mode_where(enum ofp_parse_mode mode)
{
	switch (mode) {
	case OFP_PARSE_ADD:
		return "when adding flows";
	case OFP_PARSE_MODIFY:
		return "when modifying flows";
	case OFP_PARSE_DELETE:
		return "when deleting flows";
	case OFP_PARSE_PACKET:
		return "in a packet";
	}
	return "";
}

enum { K_TABLE, K_PRIORITY, K_COOKIE, K_IDLE, K_HARD, K_OUT_PORT, K_ACTIONS, K__N };

/* "Given twice" bit of cookie=V/M: mod-flows takes it beside cookie=V. */
#define SEEN_COOKIE_MASK (1u << K__N)

static const char *const key_names[K__N] = {
	"table", "priority", "cookie", "idle_timeout", "hard_timeout", "out_port",
	"actions",
};

/* Which flow-level keys each mode takes. */
static bool key_allowed(int k, enum ofp_parse_mode mode)
{
	switch (mode) {
	case OFP_PARSE_ADD:
	case OFP_PARSE_MODIFY:
		return k != K_OUT_PORT;
	case OFP_PARSE_DELETE:
		return k == K_TABLE || k == K_PRIORITY || k == K_COOKIE || k == K_OUT_PORT;
	case OFP_PARSE_PACKET:
		return false;
	}
	return false;
}

/* cookie=V (sets it: add, modify) or cookie=V/M (selects: modify, delete). */
static int parse_cookie(struct ofp_tok v, enum ofp_parse_mode mode,
			struct ofp_flow *flow, struct xs_err *err)
{
	int slash = ofp_tok_find(v, '/');
	struct ofp_tok mt = ofp_tok_sub(v, slash + 1, slash < 0 ? 0 : v.len - slash - 1);
	uint64_t c, m = 0;

	if (slash < 0) {
		if (mode == OFP_PARSE_DELETE)
			return ofp_err(err, v, "cookie: deleting flows needs cookie=VALUE/MASK "
				       "(a cookie cannot be set here)");
		if (ofp_read_uint(v, UINT64_MAX, "cookie", &c, err))
			return -EINVAL;
		if (mode == OFP_PARSE_MODIFY) {
			/* The value to set; selecting is cookie=V/M's job. */
			flow->set_cookie = true;
			flow->new_cookie = c;
			return 0;
		}
	} else {
		if (mode == OFP_PARSE_ADD)
			return ofp_err(err, ofp_tok_sub(v, slash, 1), "cookie: adding flows "
				       "cannot use a cookie mask");
		if (ofp_read_uint(ofp_tok_sub(v, 0, slash), UINT64_MAX, "cookie", &c, err))
			return -EINVAL;
		/* ovs-ofctl(8): "A mask of -1 may be used to exactly match a cookie." */
		if (ofp_tok_is(mt, "-1"))
			m = UINT64_MAX;
		else if (ofp_read_uint(mt, UINT64_MAX, "cookie mask", &m, err))
			return -EINVAL;
	}
	flow->cookie = c & (slash < 0 ? UINT64_MAX : m);
	flow->cookie_mask = m;
	return 0;
}

static int parse_key(int k, struct ofp_tok v, enum ofp_parse_mode mode,
		     struct ofp_flow *flow, struct xs_err *err)
{
	uint64_t x;

	switch (k) {
	case K_TABLE:
		if (ofp_read_uint(v, OFP_N_TABLES - 1, "table", &x, err))
			return -EINVAL;
		flow->table_id = x;
		return 0;
	case K_PRIORITY:
		if (ofp_read_uint(v, UINT16_MAX, "priority", &x, err))
			return -EINVAL;
		flow->priority = x;
		return 0;
	case K_COOKIE:
		return parse_cookie(v, mode, flow, err);
	case K_OUT_PORT:
		return ofp_read_port(v, "out_port", &flow->out_port, err);
	default: /* K_IDLE, K_HARD */
		if (ofp_read_uint(v, UINT16_MAX, key_names[k], &x, err))
			return -EINVAL;
		if (k == K_IDLE)
			flow->idle_timeout = x;
		else
			flow->hard_timeout = x;
		return 0;
	}
}

/* The match part and flow keys; returns the action text in *acts. */
static int parse_fields(const char *s, size_t len, enum ofp_parse_mode mode,
			struct ofp_flow *flow, struct ofp_match_state *st,
			struct ofp_tok *acts, bool *has_acts, struct xs_err *err)
{
	unsigned seen = 0;
	size_t i = 0;

	*has_acts = false;
	while (i < len) {
		struct ofp_tok key, val = { 0 };
		bool has_val = false;
		unsigned bit;
		size_t b;
		int k;

		while (i < len && is_sep(s[i]))
			i++;
		if (i == len)
			break;
		b = i;
		while (i < len && !is_sep(s[i]) && s[i] != '=' && s[i] != ':')
			i++;
		key = (struct ofp_tok){ s + b, (unsigned)(i - b), (int)b + 1 };
		if (i < len && (s[i] == '=' || s[i] == ':')) {
			has_val = true;
			b = ++i;
			/* ovs-ofctl also takes "action=". */
			if (ofp_tok_is(key, "actions") || ofp_tok_is(key, "action")) {
				while (len > b && is_sep(s[len - 1]) && s[len - 1] != ',')
					len--;
				*acts = (struct ofp_tok){ s + b, (unsigned)(len - b), (int)b + 1 };
				*has_acts = true;
				if (s[b - 1] != '=')
					return ofp_err(err, key, "write actions=..., not %.*s:",
						       OFP_TOK(key));
				if (!key_allowed(K_ACTIONS, mode))
					return ofp_err(err, key, "actions are not allowed %s",
						       mode_where(mode));
				return 0;
			}
			while (i < len && !is_sep(s[i]))
				i++;
			val = (struct ofp_tok){ s + b, (unsigned)(i - b), (int)b + 1 };
		}
		if (!key.len)
			return ofp_err(err, key, "missing field name before '%c'", s[key.col - 1]);
		for (k = 0; k < K__N; k++)
			if (ofp_tok_is(key, key_names[k]))
				break;
		if (k == K__N) {
			int r = ofp_parse_match_item(st, key, val, has_val,
						     mode == OFP_PARSE_PACKET, err);

			if (r)
				return -EINVAL;
			continue;
		}
		if (!key_allowed(k, mode))
			return ofp_err(err, key, "%s is not allowed %s", key_names[k],
				       mode_where(mode));
		if (k == K_ACTIONS)
			return ofp_err(err, key, "actions needs '=' and an action list");
		bit = k == K_COOKIE && ofp_tok_find(val, '/') >= 0 ? SEEN_COOKIE_MASK : 1u << k;
		if (seen & bit) {
			if (k == K_COOKIE && mode == OFP_PARSE_MODIFY)
				return ofp_err(err, key, "cookie given twice (mod-flows takes "
					       "one cookie=VALUE/MASK to select flows and one "
					       "cookie=VALUE to set)");
			return ofp_err(err, key, "%s given twice", key_names[k]);
		}
		seen |= bit;
		if (!has_val)
			return ofp_err(err, key, "%s: missing value (write %s=VALUE)",
				       key_names[k], key_names[k]);
		if (parse_key(k, val, mode, flow, err))
			return -EINVAL;
	}
	return 0;
}

/* One flow from s[0..len); len has been checked against OFP_MAX_LINE. */
static int parse_flow(const char *s, size_t len, enum ofp_parse_mode mode,
		      struct ofp_flow *flow, struct xs_err *err)
{
	struct ofp_match_state st;
	struct ofp_tok acts;
	bool has_acts;
	int table;

	ofp_flow_init(flow);
	if (mode == OFP_PARSE_DELETE || mode == OFP_PARSE_MODIFY)
		flow->table_id = OFP_TABLE_ALL; /* unless table= says otherwise */
	ofp_match_state_init(&st, &flow->match);
	st.packet = mode == OFP_PARSE_PACKET;
	if (parse_fields(s, len, mode, flow, &st, &acts, &has_acts, err) ||
	    ofp_check_match(&st, err))
		goto fail;
	if (!has_acts) {
		if (mode == OFP_PARSE_ADD || mode == OFP_PARSE_MODIFY) {
			struct ofp_tok end = { s + len, 0, (int)len + 1 };

			ofp_err(err, end, "missing actions=... (use actions=drop to drop)");
			goto fail;
		}
		return 0;
	}
	table = flow->table_id == OFP_TABLE_ALL ? -1 : flow->table_id;
	if (ofp_parse_actions(acts, table, &flow->match, &flow->actions,
			      &flow->n_actions, err))
		goto fail;
	return 0;
fail:
	ofp_flow_free(flow);
	ofp_flow_init(flow);
	return -EINVAL;
}

static int line_too_long(struct xs_err *err, int line)
{
	err->line = line;
	return xs_err_set(err, OFP_MAX_LINE + 1, "line is longer than %d characters",
			  OFP_MAX_LINE);
}

int ofp_parse_flow(const char *text, enum ofp_parse_mode mode,
		   struct ofp_flow *flow, struct xs_err *err)
{
	size_t len = strnlen(text, OFP_MAX_LINE + 1);
	struct xs_err dummy;

	if (!err)
		err = &dummy;

	memset(err, 0, sizeof(*err));
	if (len > OFP_MAX_LINE) {
		ofp_flow_init(flow);
		return line_too_long(err, 0);
	}
	return parse_flow(text, len, mode, flow, err);
}

int ofp_parse_packet(const char *text, struct ofp_key *key, struct xs_err *err)
{
	struct ofp_flow flow;
	int r = ofp_parse_flow(text, OFP_PARSE_PACKET, &flow, err);

	memset(key, 0, sizeof(*key));
	if (r)
		return r;
	*key = flow.match.value;
	/* A packet with a tag has a TPID: 802.1Q unless said otherwise. */
	if ((key->dp.vlan[0].tci & htons(XS_VLAN_PRESENT)) && !key->dp.vlan[0].tpid)
		key->dp.vlan[0].tpid = htons(0x8100);
	return 0;
}

/* Only white space (after the comment is cut off)? */
static bool blank_line(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_sep(s[i]) && s[i] != ',')
		i++;
	return i == len;
}

int ofp_parse_flow_text(const char *text, enum ofp_parse_mode mode,
			struct ofp_flow **flows, size_t *n_flows, struct xs_err *err)
{
	struct ofp_flow *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = text;
	struct xs_err dummy;
	int line = 0;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	*flows = NULL;
	*n_flows = 0;
	while (*p) {
		const char *nl = strchr(p, '\n'), *hash;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		line++;
		/* As in ovs-ofctl, '#' starts a comment anywhere in a line. */
		hash = memchr(p, '#', len);
		if (hash)
			len = hash - p;
		if (len && p[len - 1] == '\r')
			len--;
		if (len > OFP_MAX_LINE) {
			line_too_long(err, line);
			goto fail;
		}
		if (!blank_line(p, len)) {
			if (n == cap) {
				size_t c = cap ? cap * 2 : 16;
				struct ofp_flow *nv = realloc(v, c * sizeof(*v));

				if (!nv) {
					err->line = line;
					xs_err_set(err, 0, "out of memory");
					goto fail;
				}
				v = nv;
				cap = c;
			}
			if (parse_flow(p, len, mode, &v[n], err)) {
				err->line = line;
				goto fail;
			}
			n++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	*flows = v;
	*n_flows = n;
	return 0;
fail:
	while (n--)
		ofp_flow_free(&v[n]);
	free(v);
	return -EINVAL;
}

int ofp_parse_flow_file(const char *path, enum ofp_parse_mode mode,
			struct ofp_flow **flows, size_t *n_flows, struct xs_err *err)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct xs_err dummy;
	int r;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	*flows = NULL;
	*n_flows = 0;
	if (!f) {
		r = -errno;
		xs_err_set(err, 0, "cannot open flow file: %s", strerror(-r));
		return r;
	}
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > MAX_FLOW_FILE + 4096) {
				fclose(f);
				free(buf);
				xs_err_set(err, 0, "flow file is larger than %u bytes",
					   MAX_FLOW_FILE);
				return -EFBIG;
			}
			nb = realloc(buf, cap + 1);
			if (!nb) {
				fclose(f);
				free(buf);
				xs_err_set(err, 0, "out of memory");
				return -ENOMEM;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r) {
		free(buf);
		xs_err_set(err, 0, "cannot read flow file");
		return r;
	}
	buf[len] = 0;
	if (memchr(buf, 0, len)) {
		free(buf);
		xs_err_set(err, 0, "flow file contains a NUL byte");
		return -EINVAL;
	}
	r = ofp_parse_flow_text(buf, mode, flows, n_flows, err);
	free(buf);
	return r;
}
