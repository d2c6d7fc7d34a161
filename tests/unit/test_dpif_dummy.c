/* Tests of the userspace dummy datapath (agent/dpif/dpif_dummy.c) through
 * its struct xs_dpif_class: ports, megaflows and their handles, lookup
 * across masks (against a linear oracle), upcalls, the executor held to
 * the fast path's own cases (tests/lib/exec_cases.h) byte for byte,
 * broadcast, counters, the output log. No root, no BPF. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/dpif/dpif_dummy.h"
#include "common/flow_parse.h"
#include "tests/lib/exec_cases.h"
#include "tests/lib/packets.h"

#define P_IN XS_EXEC_PORT_IN
#define P_OUT XS_EXEC_PORT_OUT
#define MAX_OUT_LEN (XS_FLOW_PARSE_MAX_LEN + XS_MAX_ACTIONS * 4)

static struct xs_pkt in_pkt, want_pkt;

/* --- fixture ----------------------------------------------------------------- */

static struct xs_dpif *open_dp(uint32_t max_flows, uint32_t miss_rate, uint32_t miss_burst)
{
	struct xs_dpif_config cfg = { .bridge = "t", .max_flows = max_flows,
				      .miss_rate = miss_rate, .miss_burst = miss_burst };
	struct xs_dpif *dp = NULL;
	char why[128] = "";

	assert_int_equal(xs_dpif_dummy.open(&cfg, &dp, why, sizeof(why)), 0);
	assert_non_null(dp);
	assert_ptr_equal(dp->cls, &xs_dpif_dummy);
	return dp;
}

/* A datapath with the two ports of the shared cases. */
static struct xs_dpif *open_std(void)
{
	struct xs_dpif *dp = open_dp(0, 0, 0);

	assert_int_equal(dp->cls->port_add(dp, P_IN, 0), 0);
	assert_int_equal(dp->cls->port_add(dp, P_OUT, XS_DPIF_PORT_XDP_TX), 0);
	return dp;
}

static void close_dp(struct xs_dpif *dp)
{
	dp->cls->close(dp, false);
}

static struct xs_flow_key zero_key(void)
{
	struct xs_flow_key k;

	memset(&k, 0, sizeof(k));
	return k;
}

/* Installs "every packet -> @acts". */
static struct xs_flow_handle put_all(struct xs_dpif *dp, const struct xs_action *acts, int n)
{
	struct xs_flow_key k = zero_key(), m = zero_key();
	struct xs_flow_handle h;

	assert_int_equal(dp->cls->flow_put(dp, &k, &m, acts, n, &h), 0);
	assert_int_not_equal(h.gen, 0);
	return h;
}

/* --- the output log, read back through dump_outputs --------------------------- */

struct out_frame {
	uint32_t port;
	size_t len;
	uint8_t data[MAX_OUT_LEN];
};

static struct out_frame outs[80];

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	fail_msg("not a lowercase hex digit: '%c'", c);
	return -1;
}

/* Dumps the log as text and parses the "port N: HEX" lines into outs[];
 * returns how many (at most @max; more is a failure). */
static int read_outputs(struct xs_dpif *dp, int max)
{
	struct xs_ctl_buf b;
	const char *p, *end;
	int n = 0;

	xs_ctl_buf_init(&b);
	dp->cls->dump_outputs(dp, &b, false);
	assert_false(b.oom);
	p = b.data;
	end = b.data + b.len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', end - p);
		unsigned int port;
		int skip = 0;

		assert_non_null(nl);
		if (n == max)
			fail_msg("more than %d frames output", max);
		assert_int_equal(sscanf(p, "port %u: %n", &port, &skip), 1);
		assert_true(skip > 0);
		outs[n].port = port;
		outs[n].len = 0;
		for (const char *h = p + skip; h < nl; h += 2) {
			assert_true(h + 1 < nl);
			assert_true(outs[n].len < MAX_OUT_LEN);
			outs[n].data[outs[n].len++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
		}
		n++;
		p = nl + 1;
	}
	xs_ctl_buf_free(&b);
	return n;
}

/* --- upcalls ----------------------------------------------------------------- */

#define MAX_UP 8

struct up_sink {
	int n;
	int stop_at; /* return -EINTR at this call (1-based), 0: never */
	struct xs_upcall u[MAX_UP];
};

static int on_upcall(void *ctx, const struct xs_upcall *u)
{
	struct up_sink *s = ctx;

	if (s->n < MAX_UP)
		s->u[s->n] = *u;
	s->n++;
	return s->stop_at == s->n ? -EINTR : 0;
}

static int fd_readable(struct xs_dpif *dp)
{
	struct pollfd pfd = { .fd = dp->cls->recv_fd(dp), .events = POLLIN };

	assert_true(pfd.fd >= 0);
	assert_true(poll(&pfd, 1, 0) >= 0);
	return !!(pfd.revents & POLLIN);
}

/* Every waiting upcall into @s; returns how many. */
static int drain(struct xs_dpif *dp, struct up_sink *s)
{
	memset(s, 0, sizeof(*s));
	return dp->cls->recv(dp, 0, on_upcall, s);
}

/* Text of show() (JSON members when @json) into a static buffer. */
static const char *show(struct xs_dpif *dp, bool json)
{
	static char text[4096];
	struct xs_ctl_buf b;

	xs_ctl_buf_init(&b);
	dp->cls->show(dp, &b, json);
	assert_true(b.len < sizeof(text));
	memcpy(text, b.data, b.len);
	text[b.len] = 0;
	xs_ctl_buf_free(&b);
	return text;
}

static void assert_shows(struct xs_dpif *dp, const char *line)
{
	const char *t = show(dp, false);

	if (!strstr(t, line))
		fail_msg("show lacks '%s':\n%s", line, t);
}

/* --- class, open, ports -------------------------------------------------------- */

static void test_class(void **state)
{
	(void)state;
	assert_ptr_equal(xs_dpif_class_by_type("dummy"), &xs_dpif_dummy);
	assert_null(xs_dpif_class_by_type("nope"));
	assert_null(xs_dpif_class_by_type(""));
	assert_null(xs_dpif_class_by_type(NULL));
	assert_string_equal(xs_dpif_dummy.type, "dummy");
	assert_false(xs_dpif_dummy.outlives_agent);
	assert_non_null(xs_dpif_dummy.receive);
	assert_non_null(xs_dpif_dummy.dump_outputs);
}

static void test_open(void **state)
{
	struct xs_dpif_config big = { .max_flows = XS_DUMMY_MAX_FLOWS + 1 };
	struct xs_dpif *dp = NULL;
	char why[128] = "";

	(void)state;
	assert_int_equal(xs_dpif_dummy.open(&big, &dp, why, sizeof(why)), -EINVAL);
	assert_null(dp);
	assert_true(why[0] != 0);
	assert_int_equal(xs_dpif_dummy.open(NULL, NULL, why, sizeof(why)), -EINVAL);
	/* No config, no why: defaults. */
	assert_int_equal(xs_dpif_dummy.open(NULL, &dp, NULL, 0), 0);
	assert_int_equal(dp->cls->max_flows(dp), XS_DEFAULT_MAX_FLOWS);
	assert_int_equal(dp->cls->flow_count(dp), 0);
	assert_int_equal(dp->cls->recv(dp, 0, on_upcall, NULL), 0);
	assert_int_equal(dp->cls->recv(dp, 0, NULL, NULL), -EINVAL);
	assert_false(fd_readable(dp));
	dp->cls->run(dp);
	close_dp(dp);
	dp = open_dp(7, 0, 0);
	assert_int_equal(dp->cls->max_flows(dp), 7);
	close_dp(dp);
}

/* Which ports a broadcast from port @in reaches, in order. */
static int bcast_ports(struct xs_dpif *dp, uint32_t in, uint32_t *ports)
{
	struct xs_action bc[] = { BCAST };
	struct xs_flow_handle none = { 0 };
	struct xs_exec_spec s = V4(6);
	int n;

	xs_exec_build(&in_pkt, &s);
	assert_int_equal(dp->cls->execute(dp, in, in_pkt.buf, in_pkt.len, none, bc, 1), 0);
	n = read_outputs(dp, 80);
	for (int i = 0; i < n; i++)
		ports[i] = outs[i].port;
	return n;
}

static void test_ports(void **state)
{
	uint32_t got[80], sync[] = { 9, 3, 9, 5 };
	uint32_t bad0[] = { 3, 0 };
	struct xs_exec_spec s = V4(6);
	struct xs_dpif *dp = open_dp(0, 0, 0);

	(void)state;
	assert_int_equal(dp->cls->port_add(dp, 0, 0), -EINVAL);
	assert_int_equal(dp->cls->port_add(dp, 5, 0), 0);
	assert_int_equal(dp->cls->port_add(dp, 2, 0), 0);
	assert_int_equal(dp->cls->port_add(dp, 7, 0), 0);
	assert_int_equal(dp->cls->port_add(dp, 5, XS_DPIF_PORT_XDP_TX), 0); /* twice: fine */
	assert_int_equal(bcast_ports(dp, 0, got), 3);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 5);
	assert_int_equal(got[2], 7);
	assert_int_equal(dp->cls->port_del(dp, 4), -ENOENT);
	assert_int_equal(dp->cls->port_del(dp, 2), 0);
	assert_int_equal(dp->cls->port_del(dp, 2), -ENOENT);

	/* Sync: 7 goes, 5 stays, 3 and 9 come (duplicates are fine). */
	assert_int_equal(dp->cls->ports_sync(dp, sync, 4), 1);
	assert_int_equal(bcast_ports(dp, 0, got), 3);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 5);
	assert_int_equal(got[2], 9);
	assert_int_equal(dp->cls->ports_sync(dp, sync, 4), 0);
	/* Refused syncs change nothing. */
	assert_int_equal(dp->cls->ports_sync(dp, NULL, 1), -EINVAL);
	assert_int_equal(dp->cls->ports_sync(dp, bad0, 2), -EINVAL);
	assert_int_equal(dp->cls->ports_sync(dp, sync, XS_MAX_PORTS + 1), -EINVAL);
	assert_int_equal(bcast_ports(dp, 0, got), 3);

	/* Frames arrive only on ports. */
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(dp->cls->receive(dp, 7, in_pkt.buf, in_pkt.len), -ENOENT);
	assert_int_equal(dp->cls->receive(dp, 9, in_pkt.buf, in_pkt.len), 0);

	assert_int_equal(dp->cls->ports_sync(dp, NULL, 0), 3);
	assert_int_equal(bcast_ports(dp, 0, got), 0);
	assert_int_equal(dp->cls->receive(dp, 9, in_pkt.buf, in_pkt.len), -ENOENT);

	/* At most XS_MAX_PORTS. */
	for (uint32_t p = 1; p <= XS_MAX_PORTS; p++)
		assert_int_equal(dp->cls->port_add(dp, p, 0), 0);
	assert_int_equal(dp->cls->port_add(dp, XS_MAX_PORTS + 1, 0), -ENOSPC);
	assert_int_equal(dp->cls->port_add(dp, 1, 0), 0);
	close_dp(dp);
}

/* --- megaflows ------------------------------------------------------------------ */

static const struct xs_action out1[] = { OUT(1) };
static const struct xs_action out2[] = { OUT(2) };

/* Key on in_port and nw_dst, mask of both. */
static void km(uint32_t in_port, uint32_t nw_dst, struct xs_flow_key *k, struct xs_flow_key *m)
{
	*k = zero_key();
	*m = zero_key();
	k->in_port = in_port;
	k->nw_dst = nw_dst;
	m->in_port = 0xffffffff;
	m->nw_dst = 0xffffffff;
}

static void test_put_get_del(void **state)
{
	struct xs_dpif *dp = open_dp(0, 0, 0);
	struct xs_flow_key k, m, found_key;
	struct xs_flow_handle h, h2, f;
	struct xs_dpif_flow fl;
	struct xs_flow_stats st;

	(void)state;
	km(1, 0x0a000001, &k, &m);
	k.tp_dst = 80; /* outside the mask: not kept */
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, &h), 0);
	assert_int_not_equal(h.slot, 0);
	assert_int_not_equal(h.gen, 0);
	assert_int_equal(dp->cls->flow_count(dp), 1);

	assert_int_equal(dp->cls->flow_get(dp, h, &fl), 0);
	assert_memory_equal(&fl.handle, &h, sizeof(h));
	assert_int_equal(fl.key.in_port, 1);
	assert_int_equal(fl.key.nw_dst, 0x0a000001);
	assert_int_equal(fl.key.tp_dst, 0);
	assert_memory_equal(&fl.mask, &m, sizeof(m));
	assert_string_equal(fl.stage, "userspace");
	assert_int_equal(fl.n_actions, 1);
	assert_memory_equal(&fl.actions[0], &out1[0], sizeof(out1[0]));
	assert_int_equal(fl.actions[1].type, XS_ACT_NONE);
	assert_true(fl.installed_ns > 0);
	assert_int_equal(dp->cls->flow_get(dp, h, NULL), -EINVAL);

	/* find: bits outside the mask do not matter; another mask is not it. */
	found_key = k;
	found_key.tp_src = 99;
	assert_int_equal(dp->cls->flow_find(dp, &found_key, &m, &f), 0);
	assert_memory_equal(&f, &h, sizeof(h));
	assert_int_equal(dp->cls->flow_find(dp, &k, &k, &f), -ENOENT);
	found_key.nw_dst = 0x0a000002;
	assert_int_equal(dp->cls->flow_find(dp, &found_key, &m, &f), -ENOENT);
	assert_int_equal(dp->cls->flow_find(dp, NULL, &m, &f), -EINVAL);

	/* del: counters out, then the handle is stale for everything. */
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(dp->cls->flow_del(dp, h, &st), 0);
	assert_int_equal(st.packets, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(dp->cls->flow_count(dp), 0);
	assert_int_equal(dp->cls->flow_get(dp, h, &fl), -ENOENT);
	assert_int_equal(dp->cls->flow_del(dp, h, NULL), -ENOENT);
	h2 = h;
	assert_int_equal(dp->cls->flow_modify(dp, &h2, out2, 1), -ENOENT);
	assert_int_equal(dp->cls->flow_find(dp, &k, &m, &f), -ENOENT);

	/* The same megaflow again: a new handle, the old one stays stale. */
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, &h2), 0);
	assert_false(h2.slot == h.slot && h2.gen == h.gen);
	assert_int_equal(dp->cls->flow_get(dp, h, &fl), -ENOENT);
	assert_int_equal(dp->cls->flow_get(dp, h2, &fl), 0);
	/* Handles that never were. */
	assert_int_equal(dp->cls->flow_get(dp, (struct xs_flow_handle){ 0, h2.gen }, &fl), -ENOENT);
	assert_int_equal(dp->cls->flow_get(dp, (struct xs_flow_handle){ h2.slot, 0 }, &fl),
			 -ENOENT);
	assert_int_equal(dp->cls->flow_get(dp, (struct xs_flow_handle){ 999999, 1 }, &fl),
			 -ENOENT);
	/* A NULL out is fine. */
	km(2, 0x0a000001, &k, &m);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, NULL, 0, NULL), 0);
	assert_int_equal(dp->cls->flow_count(dp), 2);
	close_dp(dp);
}

static void test_put_errors(void **state)
{
	struct xs_action many[XS_MAX_ACTIONS + 1];
	struct xs_action bad[] = {
		ACT(XS_ACT_NONE), ACT(XS_ACT__MAX),
		{ .type = XS_ACT_OUTPUT, .flags = 2, .arg = 1 },
		{ .type = XS_ACT_OUTPUT, .flags = XS_OUT_F_BROADCAST, .arg = 3 },
		{ .type = XS_ACT_OUTPUT, .flags = XS_OUT_F_BROADCAST | 2 },
	};
	struct xs_action ok_bcast[] = { ACT(XS_ACT_DEC_TTL), BCAST, OUT(1), BCAST };
	struct xs_dpif *dp = open_dp(3, 0, 0);
	struct xs_flow_key k, m, k2;
	struct xs_flow_handle h;

	(void)state;
	for (int i = 0; i <= XS_MAX_ACTIONS; i++)
		many[i] = (struct xs_action)OUT(1);
	km(1, 1, &k, &m);
	assert_int_equal(dp->cls->flow_put(dp, NULL, &m, out1, 1, &h), -EINVAL);
	assert_int_equal(dp->cls->flow_put(dp, &k, NULL, out1, 1, &h), -EINVAL);
	k2 = k;
	k2.mask_id = 1;
	assert_int_equal(dp->cls->flow_put(dp, &k2, &m, out1, 1, &h), -EINVAL);
	assert_int_equal(dp->cls->flow_put(dp, &k, &k2, out1, 1, &h), -EINVAL);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, many, XS_MAX_ACTIONS + 1, &h), -EINVAL);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, NULL, 1, &h), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xs_action two[] = { OUT(1), bad[i] };

		if (dp->cls->flow_put(dp, &k, &m, two, 2, &h) != -EINVAL)
			fail_msg("bad action %zu not refused", i);
	}
	assert_int_equal(dp->cls->flow_count(dp), 0);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, many, XS_MAX_ACTIONS, &h), 0);

	/* The same masked key and mask; the same key under another mask is
	 * another megaflow. */
	k2 = k;
	k2.tp_src = 5;
	assert_int_equal(dp->cls->flow_put(dp, &k2, &m, out2, 1, &h), -EEXIST);
	m.tp_src = 0xffff;
	assert_int_equal(dp->cls->flow_put(dp, &k2, &m, ok_bcast, 4, &h), 0);
	km(1, 2, &k, &m);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out2, 1, &h), 0);
	assert_int_equal(dp->cls->flow_count(dp), 3);
	/* Full. */
	km(1, 3, &k, &m);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out2, 1, NULL), -ENOSPC);
	assert_int_equal(dp->cls->flow_count(dp), 3);
	assert_int_equal(dp->cls->flow_del(dp, h, NULL), 0);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out2, 1, NULL), 0);
	close_dp(dp);
}

/* At most XS_MAX_MASKS masks; a mask goes with its last megaflow. */
static void test_mask_limit(void **state)
{
	struct xs_dpif *dp = open_dp(0, 0, 0);
	struct xs_flow_handle hs[XS_MAX_MASKS];
	struct xs_flow_key k = zero_key(), m = zero_key();
	char line[64];

	(void)state;
	for (uint32_t i = 0; i < XS_MAX_MASKS; i++) {
		m.nw_src = htobe32(i + 1);
		assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, &hs[i]), 0);
	}
	snprintf(line, sizeof(line), "masks: %u\n", XS_MAX_MASKS);
	assert_shows(dp, line);
	m.nw_src = htobe32(XS_MAX_MASKS + 1);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, NULL), -ENOSPC);
	/* An existing mask still takes megaflows. */
	m.nw_src = htobe32(1);
	k.nw_src = htobe32(1);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, NULL), 0);
	assert_int_equal(dp->cls->flow_del(dp, hs[5], NULL), 0);
	snprintf(line, sizeof(line), "masks: %u\n", XS_MAX_MASKS - 1);
	assert_shows(dp, line);
	m.nw_src = htobe32(XS_MAX_MASKS + 1);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, NULL), 0);
	close_dp(dp);
}

static void test_modify(void **state)
{
	struct xs_action bad[] = { ACT(XS_ACT__MAX) };
	struct xs_dpif *dp = open_dp(1, 0, 0);
	struct xs_exec_spec s = V4(6);
	struct xs_flow_handle h, old;
	struct xs_dpif_flow fl;
	struct xs_flow_stats st;
	uint64_t installed;

	(void)state;
	assert_int_equal(dp->cls->port_add(dp, 1, 0), 0);
	assert_int_equal(dp->cls->port_add(dp, 2, 0), 0);
	h = put_all(dp, out1, 1);
	assert_int_equal(dp->cls->flow_get(dp, h, &fl), 0);
	installed = fl.installed_ns;
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(dp->cls->receive(dp, 2, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	assert_int_equal(outs[0].port, 1);

	old = h;
	assert_int_equal(dp->cls->flow_modify(dp, NULL, out2, 1), -EINVAL);
	assert_int_equal(dp->cls->flow_modify(dp, &h, bad, 1), -EINVAL);
	assert_memory_equal(&h, &old, sizeof(h)); /* refused: nothing changed */
	assert_int_equal(dp->cls->flow_modify(dp, &h, out2, 1), 0); /* full table: fine */
	assert_false(h.slot == old.slot && h.gen == old.gen);
	assert_int_not_equal(h.gen, 0);
	assert_int_equal(dp->cls->flow_get(dp, old, &fl), -ENOENT);
	assert_int_equal(dp->cls->flow_del(dp, old, NULL), -ENOENT);
	assert_int_equal(dp->cls->flow_get(dp, h, &fl), 0);
	assert_int_equal(fl.actions[0].arg, 2);
	assert_int_equal(fl.installed_ns, installed);
	assert_int_equal(dp->cls->flow_count(dp), 1);

	/* New actions run; counters carried over. */
	assert_int_equal(dp->cls->receive(dp, 1, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	assert_int_equal(outs[0].port, 2);
	assert_int_equal(dp->cls->flow_stats(dp, &h, 1, &st, NULL), 0);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.bytes, 2 * in_pkt.len);
	close_dp(dp);
}

static void test_flow_next(void **state)
{
	struct xs_dpif *dp = open_dp(0, 0, 0);
	struct xs_flow_handle hs[10];
	struct xs_flow_key k, m;
	struct xs_dpif_flow fl;
	uint32_t pos = 0;
	int seen[10] = { 0 }, n = 0, ret;

	(void)state;
	assert_int_equal(dp->cls->flow_next(dp, &pos, &fl), 0);
	for (int i = 0; i < 10; i++) {
		km(1, (uint32_t)i, &k, &m);
		if (i & 1)
			m.tp_dst = 0xffff; /* two masks */
		assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, &hs[i]), 0);
	}
	assert_int_equal(dp->cls->flow_del(dp, hs[3], NULL), 0);
	assert_int_equal(dp->cls->flow_del(dp, hs[8], NULL), 0);
	pos = 0;
	while ((ret = dp->cls->flow_next(dp, &pos, &fl)) == 1) {
		int i = (int)fl.key.nw_dst;

		assert_true(i >= 0 && i < 10);
		assert_memory_equal(&fl.handle, &hs[i], sizeof(hs[i]));
		seen[i]++;
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, 8);
	for (int i = 0; i < 10; i++)
		assert_int_equal(seen[i], i == 3 || i == 8 ? 0 : 1);
	assert_int_equal(dp->cls->flow_next(dp, &pos, &fl), 0);
	assert_int_equal(dp->cls->flow_next(dp, NULL, &fl), -EINVAL);
	close_dp(dp);
}

/* Random megaflows over a handful of masks (some overlapping), random
 * frames received against a linear scan of the megaflows in the same mask
 * order (the oracle); removals half-way. Each megaflow sends the packet to
 * the agent with its index as cookie, so the upcall says which one hit. */
#define ORACLE_FLOWS 600
#define ORACLE_MASKS 5

struct oracle_flow {
	struct xs_flow_key key, mask;
	struct xs_flow_handle h;
	bool live;
};

static struct oracle_flow oflows[ORACLE_FLOWS];

static struct xs_flow_key oracle_mask(int i)
{
	struct xs_flow_key m = zero_key();

	switch (i) {
	case 0:
		m.in_port = 0xffffffff;
		m.nw_dst = 0xffffffff;
		break;
	case 1:
		m.in_port = 0xffffffff;
		m.nw_dst = 0xffffffff;
		m.tp_dst = 0xffff;
		break;
	case 2:
		m.in_port = 0xffffffff;
		m.nw_src = htobe32(0xffffff00);
		break;
	case 3:
		m.dl_type = 0xffff;
		m.nw_proto = 0xff;
		m.tp_src = 0xffff;
		break;
	default:
		memset(m.dl_dst, 0xff, 6);
		break;
	}
	return m;
}

/* A TCP or UDP frame from a small space of addresses and ports. */
static void random_frame(unsigned int *seed, struct xs_pkt *p, uint32_t *port,
			 struct xs_flow_key *key)
{
	struct xs_exec_spec s = V4(rand_r(seed) % 2 ? 6 : 17);
	struct xs_parse_info info;
	char src[32], dst[32], mac[32];

	snprintf(src, sizeof(src), "10.0.%d.%d", rand_r(seed) % 4, rand_r(seed) % 256);
	snprintf(dst, sizeof(dst), "10.0.1.%d", rand_r(seed) % 40);
	snprintf(mac, sizeof(mac), "00:00:00:00:01:%02x", rand_r(seed) % 50);
	s.src = src;
	s.dst = dst;
	s.dl_dst = mac;
	s.sport = (uint16_t)(1000 + rand_r(seed) % 20);
	s.dport = (uint16_t)(80 + rand_r(seed) % 3);
	xs_exec_build(p, &s);
	*port = 1 + rand_r(seed) % 2;
	assert_true(xs_flow_parse(p->buf, p->len, *port, key, &info) >= 0);
}

static bool matches(const struct xs_flow_key *pkt, const struct oracle_flow *f)
{
	const uint8_t *p = (const uint8_t *)pkt, *k = (const uint8_t *)&f->key;
	const uint8_t *m = (const uint8_t *)&f->mask;

	for (size_t i = 0; i < sizeof(*pkt); i++)
		if ((p[i] & m[i]) != k[i])
			return false;
	return true;
}

static void test_lookup_oracle(void **state)
{
	struct xs_dpif *dp = open_dp(0, 0, 0);
	struct xs_flow_key mask_order[ORACLE_MASKS], key;
	unsigned int seed = 1, n_masks = 0;
	int installed = 0;
	uint32_t port;

	(void)state;
	assert_int_equal(dp->cls->port_add(dp, 1, 0), 0);
	assert_int_equal(dp->cls->port_add(dp, 2, 0), 0);
	for (int i = 0; i < ORACLE_FLOWS; i++) {
		struct oracle_flow *f = &oflows[i];
		struct xs_action act = { .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION,
					 .flags = (uint16_t)i };
		bool known = false;
		int ret;

		random_frame(&seed, &in_pkt, &port, &key);
		f->mask = oracle_mask(rand_r(&seed) % ORACLE_MASKS);
		for (size_t b = 0; b < sizeof(key); b++)
			((uint8_t *)&f->key)[b] = ((uint8_t *)&key)[b] & ((uint8_t *)&f->mask)[b];
		ret = dp->cls->flow_put(dp, &key, &f->mask, &act, 1, &f->h);
		if (ret == -EEXIST)
			continue;
		assert_int_equal(ret, 0);
		f->live = true;
		installed++;
		for (unsigned int j = 0; j < n_masks; j++)
			known |= !memcmp(&mask_order[j], &f->mask, sizeof(f->mask));
		if (!known)
			mask_order[n_masks++] = f->mask;
	}
	assert_int_equal(n_masks, ORACLE_MASKS);
	assert_int_equal(dp->cls->flow_count(dp), installed);

	for (int round = 0; round < 2; round++) {
		int hits = 0;

		for (int p = 0; p < 2000; p++) {
			struct up_sink s;
			int want = -1, got;

			random_frame(&seed, &in_pkt, &port, &key);
			for (unsigned int j = 0; j < n_masks && want < 0; j++)
				for (int i = 0; i < ORACLE_FLOWS && want < 0; i++)
					if (oflows[i].live &&
					    !memcmp(&oflows[i].mask, &mask_order[j], sizeof(key)) &&
					    matches(&key, &oflows[i]))
						want = i;
			assert_int_equal(dp->cls->receive(dp, port, in_pkt.buf, in_pkt.len), 0);
			assert_int_equal(drain(dp, &s), 1);
			got = s.u[0].reason == XS_UPCALL_MISS ? -1 : s.u[0].cookie;
			if (got != want)
				fail_msg("packet %d: megaflow %d hit, the oracle says %d", p, got, want);
			hits += want >= 0;
		}
		assert_true(hits > 500);
		/* Remove every third megaflow, then look again. */
		for (int i = 0; i < ORACLE_FLOWS; i += 3) {
			if (!oflows[i].live)
				continue;
			assert_int_equal(dp->cls->flow_del(dp, oflows[i].h, NULL), 0);
			oflows[i].live = false;
			installed--;
		}
		assert_int_equal(dp->cls->flow_count(dp), installed);
	}
	close_dp(dp);
}

/* Thousands of megaflows of one mask (its table grows several times), all
 * found, then all removed. */
static void test_many_flows(void **state)
{
	enum { N = 20000 };
	static struct xs_flow_handle hs[N];
	struct xs_dpif *dp = open_dp(N, 0, 0);
	struct xs_flow_key k, m;
	struct xs_flow_handle h;

	(void)state;
	for (uint32_t i = 0; i < N; i++) {
		km(7, i * 2654435761u, &k, &m);
		assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, &hs[i]), 0);
	}
	km(7, 12345, &k, &m);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, NULL), -ENOSPC);
	for (uint32_t i = 0; i < N; i++) {
		km(7, i * 2654435761u, &k, &m);
		assert_int_equal(dp->cls->flow_find(dp, &k, &m, &h), 0);
		assert_memory_equal(&h, &hs[i], sizeof(h));
	}
	for (uint32_t i = 0; i < N; i += 2)
		assert_int_equal(dp->cls->flow_del(dp, hs[i], NULL), 0);
	for (uint32_t i = 0; i < N; i++) {
		km(7, i * 2654435761u, &k, &m);
		assert_int_equal(dp->cls->flow_find(dp, &k, &m, &h), i % 2 ? 0 : -ENOENT);
	}
	for (uint32_t i = 1; i < N; i += 2)
		assert_int_equal(dp->cls->flow_del(dp, hs[i], NULL), 0);
	assert_int_equal(dp->cls->flow_count(dp), 0);
	assert_shows(dp, "masks: 0\n");
	close_dp(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_put_errors),
		cmocka_unit_test(test_mask_limit),
		cmocka_unit_test(test_modify),
		cmocka_unit_test(test_flow_next),
		cmocka_unit_test(test_lookup_oracle),
		cmocka_unit_test(test_many_flows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
