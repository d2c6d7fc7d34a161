// SPDX-License-Identifier: Apache-2.0
/* Per-rule wire form of controller flows (wire_store.h). */
#include "agent/openflow/wire_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pipeline/flow_table.h"

void wire_store_init(struct wire_store *ws)
{
	memset(ws, 0, sizeof(*ws));
}

static void entry_free(struct wire_entry *e)
{
	if (e->insts != e->inline_bytes + e->match_len)
		free(e->insts); /* replaced by a modify */
	free(e);
}

void wire_store_destroy(struct wire_store *ws)
{
	for (size_t i = 0; i < ws->n_buckets; i++) {
		struct wire_entry *e = ws->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			entry_free(e);
		}
	}
	free(ws->buckets);
	wire_store_init(ws);
}

static size_t bucket(const struct wire_store *ws, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 20) & (ws->n_buckets - 1);
}

static int grow(struct wire_store *ws)
{
	size_t nb = ws->n_buckets ? ws->n_buckets * 2 : 1024;
	struct wire_entry **b = calloc(nb, sizeof(*b));
	struct wire_store tmp = { b, nb, 0 };

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < ws->n_buckets; i++) {
		struct wire_entry *e = ws->buckets[i], *next;

		for (; e; e = next) {
			size_t h = bucket(&tmp, e->rule_id);

			next = e->next;
			e->next = b[h];
			b[h] = e;
		}
	}
	free(ws->buckets);
	ws->buckets = b;
	ws->n_buckets = nb;
	return 0;
}

static struct wire_entry **find(const struct wire_store *ws, uint64_t id)
{
	struct wire_entry **pp;

	if (!ws->n_buckets)
		return NULL;
	for (pp = &ws->buckets[bucket(ws, id)]; *pp; pp = &(*pp)->next)
		if ((*pp)->rule_id == id)
			return pp;
	return NULL;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

int wire_store_put(struct wire_store *ws, const struct ft_rule *rule, uint16_t flags,
		   const uint8_t *match, size_t match_len, const uint8_t *insts, size_t insts_len)
{
	/* one allocation: the entry, then the match, then the instructions */
	struct wire_entry **pp, *e = malloc(sizeof(*e) + match_len + insts_len);

	if (!e)
		return -ENOMEM;
	e->rule_id = rule->id;
	e->actions = rule->actions;
	e->flags = flags;
	e->match = e->inline_bytes;
	e->insts = e->inline_bytes + match_len;
	if (match_len) /* an empty match may come as NULL */
		memcpy(e->match, match, match_len);
	if (insts_len)
		memcpy(e->insts, insts, insts_len);
	e->match_len = (uint16_t)match_len;
	e->insts_len = (uint16_t)insts_len;
	e->next = NULL;
	if (ws->n >= ws->n_buckets && grow(ws)) {
		free(e);
		return -ENOMEM;
	}
	pp = find(ws, rule->id);
	if (pp) {
		e->next = (*pp)->next;
		entry_free(*pp);
		*pp = e;
		return 0;
	}
	e->next = ws->buckets[bucket(ws, rule->id)];
	ws->buckets[bucket(ws, rule->id)] = e;
	ws->n++;
	return 0;
}

int wire_store_set_insts(struct wire_store *ws, const struct ft_rule *rule,
			 const uint8_t *insts, size_t insts_len)
{
	struct wire_entry **pp = find(ws, rule->id);
	uint8_t *d;

	if (!pp)
		return 0;
	d = dup_bytes(insts, insts_len);
	if (!d)
		return -ENOMEM;
	if ((*pp)->insts != (*pp)->inline_bytes + (*pp)->match_len)
		free((*pp)->insts);
	(*pp)->insts = d;
	(*pp)->insts_len = (uint16_t)insts_len;
	(*pp)->actions = rule->actions;
	return 0;
}

struct wire_entry *wire_store_get(const struct wire_store *ws, const struct ft_rule *rule)
{
	struct wire_entry **pp = find(ws, rule->id);

	return pp ? *pp : NULL;
}

void wire_store_sweep(struct wire_store *ws, const struct flow_tables *ft)
{
	for (size_t i = 0; i < ws->n_buckets; i++) {
		struct wire_entry **pp = &ws->buckets[i];

		while (*pp) {
			struct wire_entry *e = *pp;

			if (ft_rule_by_id(ft, e->rule_id)) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			entry_free(e);
			ws->n--;
		}
	}
}

/* Hex digits by hand: snprintf per byte made each journaled flow_mod cost
 * a third of the flow_mod rate. */
static int put_hex(char *buf, size_t size, int n, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	if (!len) {
		if ((size_t)n + 1 < size)
			buf[n] = '-', buf[n + 1] = '\0';
		return n + 1;
	}
	if ((size_t)n + 2 * len < size) {
		for (size_t i = 0; i < len; i++) {
			buf[n + 2 * i] = digits[p[i] >> 4];
			buf[n + 2 * i + 1] = digits[p[i] & 15];
		}
		buf[n + 2 * len] = '\0';
	}
	return n + (int)(2 * len);
}

int wire_entry_format(const struct wire_entry *e, bool current, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%#x ", e->flags);

	n = put_hex(buf, size, n, e->match, e->match_len);
	n += snprintf((size_t)n < size ? buf + n : NULL, (size_t)n < size ? size - (size_t)n : 0,
		      current ? " " : " ~");
	return current ? put_hex(buf, size, n, e->insts, e->insts_len) : n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One hex field of at most 65535 bytes: its length in bytes, or -1. */
static long hex_len(const char *s, size_t *chars)
{
	size_t n = strcspn(s, " ");

	*chars = n;
	if (n == 1 && s[0] == '-')
		return 0;
	if (!n || n % 2 || n / 2 > 0xffff)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (hexval(s[i]) < 0)
			return -1;
	return (long)(n / 2);
}

static void unhex(const char *s, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
}

int wire_bytes_parse(const char *s, struct wire_bytes *wb, size_t *used, char *why,
		     size_t why_size)
{
	const char *p = s, *m, *ins;
	unsigned long flags;
	size_t mc, ic;
	long ml, il;
	char *end;

	memset(wb, 0, sizeof(*wb));
	flags = strtoul(p, &end, 16);
	if (end == p || *end != ' ' || flags > 0xffff || p[0] == '-') {
		snprintf(why, why_size, "expected the flow_mod flags in hex, then the match and "
			 "instructions as hex digits ('-' when empty)");
		return -EINVAL;
	}
	m = end + 1;
	ml = hex_len(m, &mc);
	ins = m + mc + (m[mc] == ' ');
	wb->insts_stale = m[mc] == ' ' && ins[0] == '~' && (!ins[1] || ins[1] == ' ');
	if (wb->insts_stale) {
		il = 0;
		ic = 1;
	} else {
		il = m[mc] == ' ' ? hex_len(ins, &ic) : -1;
	}
	if (ml < 0 || il < 0) {
		snprintf(why, why_size, "bad %s bytes: an even number of hex digits (0-9, a-f), "
			 "or '-'", ml < 0 ? "match" : "instruction");
		return -EINVAL;
	}
	wb->bytes = malloc((size_t)(ml + il) + 1);
	if (!wb->bytes) {
		wb->insts_stale = false;
		return -ENOMEM;
	}
	wb->flags = (uint16_t)flags;
	wb->match_len = (uint16_t)ml;
	wb->insts_len = (uint16_t)il;
	unhex(m, wb->bytes, (size_t)ml);
	unhex(ins, wb->bytes + ml, (size_t)il);
	*used = (size_t)(ins + ic - s);
	return 0;
}

void wire_bytes_free(struct wire_bytes *wb)
{
	free(wb->bytes);
	memset(wb, 0, sizeof(*wb));
}

int wire_store_put_bytes(struct wire_store *ws, const struct ft_rule *rule,
			 const struct wire_bytes *wb)
{
	int err = wire_store_put(ws, rule, wb->flags, wb->bytes, wb->match_len,
				 wb->bytes + wb->match_len, wb->insts_len);

	if (!err && wb->insts_stale)
		wire_store_get(ws, rule)->actions = NULL; /* never the rule's */
	return err;
}
