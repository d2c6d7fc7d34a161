// SPDX-License-Identifier: Apache-2.0
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
#define P_OUT 2 /* the cases' XS_EXEC_PORT_OUT: the second port here */
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

/* Adds port @name; returns its number. */
static uint32_t add_port(struct xs_dpif *dp, const char *name)
{
	char note[64] = "x", why[128] = "";
	uint32_t port = 0;

	if (dp->cls->port_add(dp, name, XS_DPIF_PORT_F_FORCE, &port, note, sizeof(note), why,
			      sizeof(why)))
		fail_msg("port_add %s: %s", name, why);
	assert_string_equal(note, "");
	assert_int_not_equal(port, 0);
	return port;
}

/* A datapath with the two ports of the shared cases. */
static struct xs_dpif *open_std(void)
{
	struct xs_dpif *dp = open_dp(0, 0, 0);

	assert_int_equal(add_port(dp, "in"), P_IN);
	assert_int_equal(add_port(dp, "out"), P_OUT);
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
	end = b.len ? b.data + b.len : b.data;
	while (p < end) {
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
	assert_ptr_equal(xs_dpif_class_by_type("xdp"), &xs_dpif_xdp);
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

static int port_add_err(struct xs_dpif *dp, const char *name, char *why, size_t size)
{
	uint32_t port = 77;
	char note[8];
	int err = dp->cls->port_add(dp, name, 0, &port, note, sizeof(note), why, size);

	assert_int_equal(port, 77); /* untouched on error */
	return err;
}

static const char *port_text(struct xs_dpif *dp, uint32_t port, bool json)
{
	static char text[256];
	struct xs_ctl_buf b;

	xs_ctl_buf_init(&b);
	dp->cls->port_show(dp, port, &b, json);
	assert_true(b.len < sizeof(text));
	if (b.len)
		memcpy(text, b.data, b.len);
	text[b.len] = 0;
	xs_ctl_buf_free(&b);
	return text;
}

static void test_ports(void **state)
{
	uint32_t got[80], sync[] = { 9, 3, 9, 4 };
	uint32_t bad0[] = { 3, 0 };
	struct xs_exec_spec s = V4(6);
	struct xs_dpif *dp = open_dp(0, 0, 0);
	char why[128], note[8], name[16];
	uint32_t port;

	(void)state;
	/* Names get the lowest free number. */
	assert_int_equal(add_port(dp, "a"), 1);
	assert_int_equal(add_port(dp, "b"), 2);
	assert_int_equal(add_port(dp, "c"), 3);
	assert_int_equal(port_add_err(dp, "b", why, sizeof(why)), -EEXIST);
	assert_string_equal(why, "'b' is already a port of the datapath");
	assert_int_equal(port_add_err(dp, "", why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "a port name has 1 to 15 characters");
	assert_int_equal(port_add_err(dp, "0123456789abcdef", why, sizeof(why)), -EINVAL);
	assert_int_equal(port_add_err(dp, NULL, why, sizeof(why)), -EINVAL);
	assert_int_equal(dp->cls->port_add(dp, "z", 0, NULL, note, sizeof(note), why,
					   sizeof(why)), -EINVAL);
	assert_int_equal(dp->cls->port_del(dp, 4, note, sizeof(note)), -ENOENT);
	assert_int_equal(dp->cls->port_del(dp, 2, note, sizeof(note)), 0);
	assert_string_equal(note, "");
	assert_int_equal(dp->cls->port_del(dp, 2, note, sizeof(note)), -ENOENT);
	assert_int_equal(add_port(dp, "0123456789abcde"), 2);
	assert_int_equal(add_port(dp, "d"), 4);
	assert_int_equal(bcast_ports(dp, 0, got), 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(got[i], i + 1);

	/* What went through a port. */
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(dp->cls->receive(dp, 3, in_pkt.buf, in_pkt.len), 0);
	assert_string_equal(port_text(dp, 3, false), "userspace, rx 1, tx 1");
	assert_string_equal(port_text(dp, 3, true), "\"rx\": 1, \"tx\": 1");
	assert_string_equal(port_text(dp, 1, false), "userspace, rx 0, tx 1");
	assert_string_equal(port_text(dp, 99, false), "");
	assert_int_equal(dp->cls->port_flags(dp, 3), 0);
	assert_int_equal(dp->cls->ports_refresh(dp, got, 80), 0);

	/* Sync: 1 and 2 go, 3 and 4 stay; 9 is not a port here, skipped
	 * (duplicates are fine). */
	assert_int_equal(dp->cls->ports_sync(dp, sync, 4), 2);
	assert_int_equal(bcast_ports(dp, 0, got), 2);
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 4);
	assert_int_equal(dp->cls->ports_sync(dp, sync, 4), 0);
	/* Refused syncs change nothing. */
	assert_int_equal(dp->cls->ports_sync(dp, NULL, 1), -EINVAL);
	assert_int_equal(dp->cls->ports_sync(dp, bad0, 2), -EINVAL);
	assert_int_equal(dp->cls->ports_sync(dp, sync, XS_MAX_PORTS + 1), -EINVAL);
	assert_int_equal(bcast_ports(dp, 0, got), 2);
	/* The names of removed ports are free again. */
	assert_int_equal(add_port(dp, "a"), 1);

	/* Frames arrive only on ports. */
	assert_int_equal(dp->cls->receive(dp, 2, in_pkt.buf, in_pkt.len), -ENOENT);
	assert_int_equal(dp->cls->receive(dp, 4, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(dp->cls->ports_sync(dp, NULL, 0), 3);
	assert_int_equal(bcast_ports(dp, 0, got), 0);
	assert_int_equal(dp->cls->receive(dp, 4, in_pkt.buf, in_pkt.len), -ENOENT);

	/* At most XS_MAX_PORTS. */
	for (uint32_t p = 1; p <= XS_MAX_PORTS; p++) {
		snprintf(name, sizeof(name), "p%u", p);
		assert_int_equal(add_port(dp, name), p);
	}
	assert_int_equal(port_add_err(dp, "one-more", why, sizeof(why)), -ENOSPC);
	port = 0;
	assert_int_equal(dp->cls->port_del(dp, 512, note, sizeof(note)), 0);
	assert_int_equal(dp->cls->port_add(dp, "one-more", 0, &port, note, sizeof(note), why,
					   sizeof(why)), 0);
	assert_int_equal(port, 512);
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
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, many, XS_MAX_ACTIONS + 1, &h), -EINVAL);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, NULL, 1, &h), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xs_action two[] = { OUT(1), bad[i] };

		if (dp->cls->flow_put(dp, &k, &m, two, 2, &h) != -EINVAL)
			fail_msg("bad action %zu not refused", i);
	}
	/* No conntrack in userspace: ct and recirculation are refused. */
	for (int t = XS_ACT_NONE + 1; t < XS_ACT__MAX; t++) {
		struct xs_action ct[] = { { .type = t, .arg = 1 }, OUT(1) };

		if (xs_act_is_ct(t) && dp->cls->flow_put(dp, &k, &m, ct, 2, &h) != -EOPNOTSUPP)
			fail_msg("ct action type %d not refused with -EOPNOTSUPP", t);
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
	assert_int_equal(add_port(dp, "a"), 1);
	assert_int_equal(add_port(dp, "b"), 2);
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
	assert_int_equal(add_port(dp, "a"), 1);
	assert_int_equal(add_port(dp, "b"), 2);
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
				fail_msg("packet %d: megaflow %d hit, the oracle says %d", p, got,
					 want);
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

/* --- the executor ------------------------------------------------------------------- */

/* Checks that outs[0..n) are @want on @port, with right checksums. */
static void expect_frame(int i, uint32_t port, const struct xs_pkt *want, bool csums,
			 const char *name)
{
	const char *bad = NULL;

	if (outs[i].port != port)
		fail_msg("%s: frame %d on port %u, want %u", name, i, outs[i].port, port);
	xs_exec_assert_frame(want->buf, want->len, outs[i].data, outs[i].len, name);
	if (csums && xs_pkt_check_csums(outs[i].data, outs[i].len, &bad))
		fail_msg("%s: bad %s checksum", name, bad ? bad : "?");
}

/* The port a list's last OUTPUT names. */
static uint32_t last_port(const struct xs_action *acts, int n)
{
	assert_int_equal(acts[n - 1].type, XS_ACT_OUTPUT);
	return acts[n - 1].arg;
}

/* Runs @in through @acts twice, as the agent's execute and as a packet
 * hitting an installed megaflow on P_IN; each must give exactly @n_out
 * frames @out on @port. */
static void run_case(struct xs_dpif *dp, const char *name, const struct xs_exec_spec *in,
		     const struct xs_exec_spec *out, int n_out, const struct xs_action *acts,
		     int n, uint32_t port)
{
	struct xs_flow_handle none = { 0 }, h;
	struct xs_action mapped[XS_MAX_ACTIONS];
	char label[160];

	/* The cases' second port is ours. */
	for (int i = 0; i < n; i++) {
		mapped[i] = acts[i];
		if (mapped[i].type == XS_ACT_OUTPUT && mapped[i].arg == XS_EXEC_PORT_OUT)
			mapped[i].arg = P_OUT;
	}
	acts = mapped;
	if (port == XS_EXEC_PORT_OUT)
		port = P_OUT;
	xs_exec_build(&in_pkt, in);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0) {
			assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none,
							  acts, (uint16_t)n), 0);
		} else {
			h = put_all(dp, acts, n);
			assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
			assert_int_equal(dp->cls->flow_del(dp, h, NULL), 0);
		}
		snprintf(label, sizeof(label), "%s (%s)", name, pass ? "receive" : "execute");
		if (read_outputs(dp, 2) != n_out)
			fail_msg("%s: not %d frame(s)", label, n_out);
		for (int i = 0; i < n_out; i++) {
			xs_exec_build(&want_pkt, &out[i]);
			expect_frame(i, port, &want_pkt, in->l3 != 'a', label);
		}
	}
}

/* The fast path's own table (tests/bpf/test_execute.c runs it in XDP). */
static void test_exec_cases(void **state)
{
	struct xs_dpif *dp = open_std();

	(void)state;
	for (size_t i = 0; i < xs_exec_n_cases; i++) {
		const struct xs_exec_case *c = &xs_exec_cases[i];

		run_case(dp, c->name, &c->in, &c->out, 1, c->acts, c->n, last_port(c->acts, c->n));
		assert_int_equal(c->verdict,
				 last_port(c->acts, c->n) == XS_EXEC_PORT_IN ? XDP_TX
									   : XDP_REDIRECT);
	}
	assert_shows(dp, "packets dropped: an action failed: 0\n");
	close_dp(dp);
}

/* The TC stage's table: several outputs, each with the rewrites so far. */
static void test_exec_multi_cases(void **state)
{
	struct xs_dpif *dp = open_std();

	(void)state;
	for (size_t i = 0; i < xs_exec_n_multi_cases; i++) {
		const struct xs_exec_multi_case *c = &xs_exec_multi_cases[i];

		run_case(dp, c->name, &c->in, c->out, c->n_out, c->acts, c->n, XS_EXEC_PORT_OUT);
	}
	close_dp(dp);
}

/* Cases beyond the fast path's tables. */
static const struct xs_exec_case more_cases[] = {
	{ "ipv6 hop limit set",
	  V6(17), V6(17, .ttl = 7), { U8(XS_ACT_SET_NW_TTL, 7, 0), OUT(P_OUT) }, 2, 0 },
	{ "ipv4 ttl set, udp without checksum",
	  V4(17, .udp_zero = true), V4(17, .udp_zero = true, .ttl = 9),
	  { U8(XS_ACT_SET_NW_TTL, 9, 0), OUT(P_OUT) }, 2, 0 },
	{ "pop vlan on an untagged frame changes nothing",
	  V4(6), V4(6), { ACT(XS_ACT_POP_VLAN), OUT(P_OUT) }, 2, 0 },
	{ "dec_ttl on arp changes nothing",
	  ARP(), ARP(), { ACT(XS_ACT_DEC_TTL), OUT(P_OUT) }, 2, 0 },
	{ "icmp code, tos",
	  V4(1, .sport = 8, .dport = 0), V4(1, .sport = 8, .dport = 5, .tos = 0x20),
	  { B16(XS_ACT_SET_TP_DST, 5, 0), U8(XS_ACT_SET_NW_TOS, 0x20, 0xff), OUT(P_OUT) }, 3, 0 },
	{ "ipv6 udp both ports",
	  V6(17), V6(17, .sport = 1, .dport = 2),
	  { B16(XS_ACT_SET_TP_SRC, 1, 0), B16(XS_ACT_SET_TP_DST, 2, 0), OUT(P_OUT) }, 3, 0 },
	{ "sctp over ipv4: addresses are not under the crc",
	  V4(132), V4(132, .src = "10.9.9.9", .dst = "10.8.8.8"),
	  { IP4(XS_ACT_SET_IPV4_SRC, 10, 9, 9, 9), IP4(XS_ACT_SET_IPV4_DST, 10, 8, 8, 8),
	    OUT(P_OUT) }, 3, 0 },
	{ "icmpv6 code, ipv6 src",
	  V6(58, .sport = 1, .dport = 0), V6(58, .sport = 1, .dport = 4, .src = "2001:db8::aa"),
	  { B16(XS_ACT_SET_TP_DST, 4, 0), IP6(XS_ACT_SET_IPV6_SRC, V6_AA), OUT(P_OUT) }, 3, 0 },
	{ "vlan pcp only",
	  V4(6, .tpid = 0x8100, .tci = 0x0005), V4(6, .tpid = 0x8100, .tci = 0xe005),
	  { B16(XS_ACT_SET_VLAN_TCI, 0xe000, 0xe000), OUT(P_OUT) }, 2, 0 },
	{ "push, then pop: as it came",
	  V6(6), V6(6), { B16(XS_ACT_PUSH_VLAN, 0x8100, 0x1001), ACT(XS_ACT_POP_VLAN), OUT(P_OUT) },
	  3, 0 },
	{ "arp on a tagged frame",
	  ARP(.tpid = 0x8100, .tci = 0x0009), ARP(.tpid = 0x8100, .tci = 0x0009, .dst = "1.2.3.4"),
	  { ARPF(XS_ARP_FIELD_TPA, 1, 2, 3, 4), OUT(P_OUT) }, 2, 0 },
};

static void test_exec_more_cases(void **state)
{
	struct xs_dpif *dp = open_std();

	(void)state;
	for (size_t i = 0; i < sizeof(more_cases) / sizeof(more_cases[0]); i++) {
		const struct xs_exec_case *c = &more_cases[i];

		run_case(dp, c->name, &c->in, &c->out, 1, c->acts, c->n, last_port(c->acts, c->n));
	}
	close_dp(dp);
}

/* Two pushes: an 802.1ad tag outside an 802.1Q one. */
static void test_exec_qinq(void **state)
{
	struct xs_action acts[] = { B16(XS_ACT_PUSH_VLAN, 0x8100, 0x1007),
				    B16(XS_ACT_PUSH_VLAN, 0x88a8, 0x3064),
				    IP4(XS_ACT_SET_IPV4_DST, 10, 0, 0, 3), OUT(P_OUT) };
	struct xs_flow_handle none = { 0 };
	struct xs_exec_spec s = V4(17);
	struct xs_dpif *dp = open_std();

	(void)state;
	xs_exec_build(&in_pkt, &s);
	xs_pkt_init(&want_pkt);
	xs_pkt_eth(&want_pkt, MAC_B, MAC_A);
	xs_pkt_vlan(&want_pkt, 0x88a8, 0x2064);
	xs_pkt_vlan(&want_pkt, 0x8100, 0x0007);
	xs_pkt_ipv4(&want_pkt, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.3",
						    .ttl = 64, .id = 7 });
	xs_pkt_udp(&want_pkt, 1234, 80);
	xs_pkt_bytes(&want_pkt, xs_exec_payload, sizeof(xs_exec_payload), 0);
	xs_pkt_finish(&want_pkt);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, acts, 4), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	expect_frame(0, P_OUT, &want_pkt, true, "qinq");
	close_dp(dp);
}

/* A UDP checksum that the update turns into 0 is sent as 0xffff (the
 * frames of tests/bpf/test_execute.c's test of the same name). */
static void test_udp_csum_zero_becomes_ffff(void **state)
{
	struct xs_action acts[] = { IP4(XS_ACT_SET_IPV4_SRC, 10, 3, 3, 3), OUT(P_IN) };
	struct xs_exec_spec s = V4(17, .src = "10.3.3.3");
	struct xs_flow_handle none = { 0 };
	struct xs_dpif *dp = open_std();
	uint16_t c;

	(void)state;
	xs_exec_build(&want_pkt, &s);
	memset(want_pkt.buf + want_pkt.len - 8, 0, 2);
	xs_pkt_finish(&want_pkt);
	c = want_pkt.buf[want_pkt.l4_off + 6] << 8 | want_pkt.buf[want_pkt.l4_off + 7];
	want_pkt.buf[want_pkt.len - 8] = c >> 8;
	want_pkt.buf[want_pkt.len - 7] = c & 0xff;
	xs_pkt_finish(&want_pkt);
	assert_int_equal(want_pkt.buf[want_pkt.l4_off + 6], 0xff);
	assert_int_equal(want_pkt.buf[want_pkt.l4_off + 7], 0xff);
	memcpy(&in_pkt, &want_pkt, sizeof(in_pkt));
	in_pkt.buf[in_pkt.l3_off + 12] = 10;
	in_pkt.buf[in_pkt.l3_off + 13] = 0;
	in_pkt.buf[in_pkt.l3_off + 14] = 0;
	in_pkt.buf[in_pkt.l3_off + 15] = 1;
	xs_pkt_finish(&in_pkt);

	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, acts, 2), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	expect_frame(0, P_IN, &want_pkt, true, "udp 0 -> ffff");
	close_dp(dp);
}

/* The first fragment's L4 checksum follows an address change; a later
 * fragment has no L4 header and only the IP header changes. */
static void test_ipv4_fragments(void **state)
{
	struct xs_action acts[] = { IP4(XS_ACT_SET_IPV4_SRC, 10, 6, 6, 6), OUT(P_IN) };
	struct xs_action tp[] = { B16(XS_ACT_SET_TP_SRC, 1, 0), OUT(P_IN) };
	struct xs_exec_spec first = V4(6, .frag = 0x2000);
	struct xs_exec_spec first_out = V4(6, .frag = 0x2000, .src = "10.6.6.6");
	struct xs_exec_spec later = V4(6, .frag = 0x0010);
	struct xs_exec_spec later_out = V4(6, .frag = 0x0010, .src = "10.6.6.6");
	struct xs_flow_handle none = { 0 };
	struct xs_dpif *dp = open_std();
	const char *bad = NULL;

	(void)state;
	xs_exec_build(&in_pkt, &first);
	xs_exec_build(&want_pkt, &first_out);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, acts, 2), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	expect_frame(0, P_IN, &want_pkt, false, "first fragment");

	xs_exec_build(&in_pkt, &later);
	xs_exec_build(&want_pkt, &later_out);
	memcpy(want_pkt.buf + 34, in_pkt.buf + 34, in_pkt.len - 34);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, acts, 2), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	expect_frame(0, P_IN, &want_pkt, false, "later fragment");
	assert_int_equal(xs_pkt_check_csums(outs[0].data, outs[0].len, &bad), 0);
	/* No L4 header: a port rewrite cannot run. */
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, tp, 2), 0);
	assert_int_equal(read_outputs(dp, 1), 0);
	assert_shows(dp, "packets dropped: an action failed: 1\n");
	close_dp(dp);
}

/* Lists that cannot run on the packet: nothing more goes out, one error
 * each; frames sent before the failing action stay sent. */
static void test_exec_errors(void **state)
{
	static const struct {
		const char *name;
		struct xs_action acts[3];
		int n;
		int l3;  /* packet: 4 (V4 TCP) or 0 (10 bytes) */
	} bad[] = {
		{ "ipv6 rewrite on an ipv4 packet",
		  { IP6(XS_ACT_SET_IPV6_SRC, V6_99), OUT(P_IN) }, 2, 4 },
		{ "ipv6 label on an ipv4 packet", { ACT(XS_ACT_SET_IPV6_LABEL), OUT(P_IN) }, 2, 4 },
		{ "arp rewrite on an ipv4 packet",
		  { ARPF(XS_ARP_FIELD_OP, 0, 2), OUT(P_IN) }, 2, 4 },
		{ "vlan tci on an untagged frame",
		  { B16(XS_ACT_SET_VLAN_TCI, 1, 0xfff), OUT(P_IN) }, 2, 4 },
		{ "output to a port not added", { OUT(4000) }, 1, 4 },
		{ "output to port 0", { OUT(0), OUT(P_IN) }, 2, 4 },
		{ "tos on a frame without ip", { U8(XS_ACT_SET_NW_TOS, 1, 1), OUT(P_IN) }, 2, 0 },
		{ "ttl on a frame without ip", { U8(XS_ACT_SET_NW_TTL, 1, 0), OUT(P_IN) }, 2, 0 },
		{ "ipv4 address without ip",
		  { IP4(XS_ACT_SET_IPV4_DST, 1, 1, 1, 1), OUT(P_IN) }, 2, 0 },
		{ "port without l4", { B16(XS_ACT_SET_TP_DST, 1, 0), OUT(P_IN) }, 2, 0 },
		{ "eth on a short frame", { MAC(XS_ACT_SET_ETH_DST, 1), OUT(P_IN) }, 2, 0 },
		{ "push vlan on a short frame",
		  { B16(XS_ACT_PUSH_VLAN, 0x8100, 1), OUT(P_IN) }, 2, 0 },
	};
	struct xs_action unknown_field[] = { ARPF(9, 1), OUT(P_IN) };
	struct xs_action partly[] = { OUT(P_OUT), IP6(XS_ACT_SET_IPV6_SRC, V6_99), OUT(P_IN) };
	struct xs_action unknown[] = { ACT(XS_ACT__MAX), OUT(P_IN) };
	struct xs_flow_handle none = { 0 }, h;
	struct xs_exec_spec v4 = V4(6), arp = ARP();
	static const uint8_t shorty[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct xs_dpif *dp = open_std();
	char line[96];
	size_t i;

	(void)state;
	xs_exec_build(&in_pkt, &v4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = put_all(dp, bad[i].acts, bad[i].n);
		if (bad[i].l3)
			assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
		else
			assert_int_equal(dp->cls->receive(dp, P_IN, shorty, sizeof(shorty)), 0);
		if (read_outputs(dp, 2))
			fail_msg("%s: a frame went out", bad[i].name);
		snprintf(line, sizeof(line), "packets dropped: an action failed: %zu\n", i + 1);
		assert_shows(dp, line);
		assert_int_equal(dp->cls->flow_del(dp, h, NULL), 0);
	}
	xs_exec_build(&in_pkt, &arp);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, unknown_field,
					  2), 0);
	assert_int_equal(read_outputs(dp, 2), 0);
	xs_exec_build(&in_pkt, &v4);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, partly, 3), 0);
	assert_int_equal(read_outputs(dp, 2), 1);
	expect_frame(0, P_OUT, &in_pkt, true, "sent before the failure");
	snprintf(line, sizeof(line), "packets dropped: an action failed: %zu\n", i + 2);
	assert_shows(dp, line);
	/* A list with an unknown type is refused, not run. */
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, unknown, 2),
			 -EINVAL);
	close_dp(dp);
}

/* An empty list drops, as does one without OUTPUT. */
static void test_exec_drops(void **state)
{
	struct xs_action set[] = { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d) };
	struct xs_flow_handle none = { 0 };
	struct xs_exec_spec s = V4(6);
	struct xs_dpif *dp = open_std();

	(void)state;
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, NULL, 0), 0);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, set, 1), 0);
	assert_int_equal(read_outputs(dp, 1), 0);
	assert_shows(dp, "packets whose actions output nothing: 2\n");
	assert_shows(dp, "packets executed for the agent: 2\n");
	close_dp(dp);
}

/* The whole frame of the largest size, two tags pushed in front. */
static void test_exec_largest_frame(void **state)
{
	struct xs_action acts[] = { B16(XS_ACT_PUSH_VLAN, 0x8100, 0x1001),
				    B16(XS_ACT_PUSH_VLAN, 0x88a8, 0x1002), OUT(P_OUT) };
	static uint8_t big[XS_FLOW_PARSE_MAX_LEN + 1];
	struct xs_flow_handle none = { 0 };
	static const uint8_t tags[8] = { 0x88, 0xa8, 0x00, 0x02, 0x81, 0x00, 0x00, 0x01 };
	struct xs_dpif *dp = open_std();

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(dp->cls->execute(dp, P_IN, big, sizeof(big), none, acts, 3), -EMSGSIZE);
	assert_int_equal(dp->cls->receive(dp, P_IN, big, sizeof(big)), -EMSGSIZE);
	assert_int_equal(dp->cls->execute(dp, P_IN, big, sizeof(big) - 1, none, acts, 3), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	assert_int_equal(outs[0].len, XS_FLOW_PARSE_MAX_LEN + 8);
	assert_memory_equal(outs[0].data, big, 12);
	assert_memory_equal(outs[0].data + 12, tags, 8);
	assert_memory_equal(outs[0].data + 20, big + 12, XS_FLOW_PARSE_MAX_LEN - 12);
	close_dp(dp);
}

/* Every action type is run by some test here. */
static void test_every_action_type_covered(void **state)
{
	bool seen[XS_ACT__MAX] = { false };

	(void)state;
	for (size_t i = 0; i < xs_exec_n_cases; i++)
		for (int j = 0; j < xs_exec_cases[i].n; j++)
			seen[xs_exec_cases[i].acts[j].type] = true;
	for (size_t i = 0; i < xs_exec_n_multi_cases; i++)
		for (int j = 0; j < xs_exec_multi_cases[i].n; j++)
			seen[xs_exec_multi_cases[i].acts[j].type] = true;
	for (size_t i = 0; i < sizeof(more_cases) / sizeof(more_cases[0]); i++)
		for (int j = 0; j < more_cases[i].n; j++)
			seen[more_cases[i].acts[j].type] = true;
	seen[XS_ACT_TO_AGENT] = true; /* test_to_agent_continues */
	for (int t = XS_ACT_NONE + 1; t < XS_ACT__MAX; t++)
		if (xs_act_is_ct(t))
			seen[t] = true; /* refused at install: test_put_errors */
	for (int t = XS_ACT_NONE + 1; t < XS_ACT__MAX; t++)
		if (!seen[t])
			fail_msg("action type %d is not in any executor case", t);
	/* And every ARP field. */
	for (int f = XS_ARP_FIELD_OP; f <= XS_ARP_FIELD_THA; f++) {
		bool found = false;

		for (size_t i = 0; i < xs_exec_n_cases; i++)
			for (int j = 0; j < xs_exec_cases[i].n; j++)
				found |= xs_exec_cases[i].acts[j].type == XS_ACT_SET_ARP &&
					 xs_exec_cases[i].acts[j].flags == f;
		if (!found)
			fail_msg("arp field %d is not in any executor case", f);
	}
}

/* --- broadcast ---------------------------------------------------------------------- */

static void test_broadcast_64(void **state)
{
	struct xs_action acts[] = { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), BCAST };
	struct xs_exec_spec in = V4(17), out = V4(17, .dl_dst = MAC_D);
	struct xs_flow_handle none = { 0 };
	struct xs_dpif *dp = open_dp(0, 0, 0);

	char name[16], note[8];

	(void)state;
	for (uint32_t p = 1; p <= 66; p++) {
		snprintf(name, sizeof(name), "p%u", p);
		assert_int_equal(add_port(dp, name), p);
	}
	/* Numbers freed and taken again: outputs still go in ascending
	 * order, 1..64. */
	assert_int_equal(dp->cls->port_del(dp, 5, note, sizeof(note)), 0);
	assert_int_equal(dp->cls->port_del(dp, 65, note, sizeof(note)), 0);
	assert_int_equal(dp->cls->port_del(dp, 66, note, sizeof(note)), 0);
	assert_int_equal(add_port(dp, "late"), 5);
	put_all(dp, acts, 2);
	xs_exec_build(&in_pkt, &in);
	xs_exec_build(&want_pkt, &out);
	for (uint32_t from = 1; from <= 64; from += 21) {
		uint32_t next = 1;

		assert_int_equal(dp->cls->receive(dp, from, in_pkt.buf, in_pkt.len), 0);
		assert_int_equal(read_outputs(dp, 80), 63);
		for (int i = 0; i < 63; i++, next++) {
			if (next == from)
				next++;
			expect_frame(i, next, &want_pkt, true, "broadcast copy");
		}
	}
	/* From a port that is not one: every port. */
	assert_int_equal(dp->cls->execute(dp, 1000, in_pkt.buf, in_pkt.len, none, acts, 2), 0);
	assert_int_equal(read_outputs(dp, 80), 64);
	/* A broadcast in the middle of a list is fine here; later rewrites
	 * do not reach the copies already sent. */
	struct xs_action mid[] = { BCAST, MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), OUT(3) };

	assert_int_equal(dp->cls->execute(dp, 2, in_pkt.buf, in_pkt.len, none, mid, 3), 0);
	assert_int_equal(read_outputs(dp, 80), 64);
	expect_frame(0, 1, &in_pkt, true, "broadcast first");
	expect_frame(63, 3, &want_pkt, true, "output after");
	close_dp(dp);
}

/* --- upcalls --------------------------------------------------------------------------- */

/* No megaflow: one MISS upcall with the parser's key and the frame. */
static void test_miss_upcall(void **state)
{
	struct xs_exec_spec s = V4(6, .tpid = 0x8100, .tci = 0x2007);
	struct xs_dpif *dp = open_std();
	struct xs_parse_info info;
	struct xs_flow_key key;
	struct up_sink u;
	char diff[512];

	(void)state;
	xs_exec_build(&in_pkt, &s);
	assert_false(fd_readable(dp));
	assert_int_equal(dp->cls->receive(dp, P_OUT, in_pkt.buf, in_pkt.len), 0);
	assert_true(fd_readable(dp));
	assert_int_equal(read_outputs(dp, 1), 0);
	assert_int_equal(drain(dp, &u), 1);
	assert_false(fd_readable(dp));
	assert_int_equal(u.u[0].reason, XS_UPCALL_MISS);
	assert_int_equal(u.u[0].ifindex, P_OUT);
	assert_int_equal(u.u[0].slot, 0);
	assert_int_equal(u.u[0].cookie, 0);
	assert_int_equal(u.u[0].flags, 0);
	assert_int_equal(u.u[0].pad, 0);
	assert_int_equal(u.u[0].pkt_len, in_pkt.len);
	assert_int_equal(u.u[0].cap_len, in_pkt.len);
	assert_memory_equal(u.u[0].pkt, in_pkt.buf, in_pkt.len);
	assert_int_equal(xs_flow_parse(in_pkt.buf, in_pkt.len, P_OUT, &key, &info), XS_PARSE_OK);
	if (xs_pkt_key_diff(&key, &u.u[0].key, diff, sizeof(diff)))
		fail_msg("upcall key differs from the parser's:\n%s", diff);
	assert_int_equal(u.u[0].key.tp_dst, htobe16(80));
	assert_int_equal(u.u[0].key.vlan[0].tci, htobe16(0x2007 | XS_VLAN_PRESENT));
	assert_int_equal(drain(dp, &u), 0);
	assert_shows(dp, "misses: 1\n");
	assert_shows(dp, "megaflow hits: 0\n");
	assert_shows(dp, "packets received: 1\n");

	/* A frame too long for a record goes up cut, flagged. */
	memset(in_pkt.buf + in_pkt.len, 0x5a, 2000);
	in_pkt.len += 2000;
	assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(drain(dp, &u), 1);
	assert_int_equal(u.u[0].flags, XS_UPCALL_F_TRUNC);
	assert_int_equal(u.u[0].pkt_len, in_pkt.len);
	assert_int_equal(u.u[0].cap_len, XS_UPCALL_MAX_PKT);
	assert_memory_equal(u.u[0].pkt, in_pkt.buf, XS_UPCALL_MAX_PKT);

	/* Even an empty frame is a packet with a key (in_port only). */
	assert_int_equal(dp->cls->receive(dp, P_IN, NULL, 0), 0);
	assert_int_equal(dp->cls->receive(dp, P_IN, NULL, 1), -EINVAL);
	assert_int_equal(drain(dp, &u), 1);
	assert_int_equal(u.u[0].cap_len, 0);
	assert_int_equal(u.u[0].key.in_port, P_IN);
	close_dp(dp);
}

static void test_recv_max(void **state)
{
	struct xs_exec_spec s = V4(17);
	struct xs_dpif *dp = open_std();
	struct up_sink u;
	char line[96];

	(void)state;
	xs_exec_build(&in_pkt, &s);
	for (int i = 0; i < 5; i++) {
		in_pkt.buf[in_pkt.len - 1] = (uint8_t)i; /* tell them apart */
		assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	}
	assert_shows(dp, "upcalls queued: 5\n");
	memset(&u, 0, sizeof(u));
	assert_int_equal(dp->cls->recv(dp, 2, on_upcall, &u), 2);
	assert_int_equal(u.n, 2);
	assert_int_equal(u.u[0].pkt[in_pkt.len - 1], 0);
	assert_int_equal(u.u[1].pkt[in_pkt.len - 1], 1);
	assert_true(fd_readable(dp));
	/* A callback that fails stops the receive; its upcall is consumed. */
	memset(&u, 0, sizeof(u));
	u.stop_at = 1;
	assert_int_equal(dp->cls->recv(dp, 0, on_upcall, &u), -EINTR);
	assert_int_equal(u.n, 1);
	assert_int_equal(u.u[0].pkt[in_pkt.len - 1], 2);
	assert_true(fd_readable(dp));
	assert_int_equal(drain(dp, &u), 2);
	assert_int_equal(u.u[0].pkt[in_pkt.len - 1], 3);
	assert_int_equal(u.u[1].pkt[in_pkt.len - 1], 4);
	assert_false(fd_readable(dp));
	assert_shows(dp, "upcalls queued: 0\n");

	/* The queue is bounded: more are lost, counted. */
	for (int i = 0; i < XS_DUMMY_MAX_UPCALLS + 3; i++)
		assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	snprintf(line, sizeof(line), "upcalls queued: %d\n", XS_DUMMY_MAX_UPCALLS);
	assert_shows(dp, line);
	assert_shows(dp, "upcalls lost (queue full): 3\n");
	assert_int_equal(dp->cls->recv(dp, 0, on_upcall, &u), XS_DUMMY_MAX_UPCALLS);
	assert_false(fd_readable(dp));
	close_dp(dp);
}

/* Upcalls that a callback causes wait for the next receive. */
struct reexec {
	struct xs_dpif *dp;
	int calls;
};

static int on_upcall_execute(void *ctx, const struct xs_upcall *u)
{
	struct xs_action acts[] = { { .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION } };
	struct reexec *r = ctx;
	struct xs_flow_handle none = { 0 };

	r->calls++;
	return r->dp->cls->execute(r->dp, u->ifindex, u->pkt, u->cap_len, none, acts, 1);
}

static void test_recv_reentrant(void **state)
{
	struct xs_exec_spec s = V4(17);
	struct reexec r = { .dp = open_std() };

	(void)state;
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(r.dp->cls->receive(r.dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(r.dp->cls->receive(r.dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(r.dp->cls->recv(r.dp, 0, on_upcall_execute, &r), 2);
	assert_int_equal(r.calls, 2);
	assert_true(fd_readable(r.dp));
	assert_int_equal(r.dp->cls->recv(r.dp, 0, on_upcall_execute, &r), 2);
	assert_int_equal(r.calls, 4);
	close_dp(r.dp);
}

/* miss_rate: a bucket of miss_burst per port, refilled at miss_rate. */
static void test_miss_rate(void **state)
{
	struct xs_dpif *dp = open_dp(0, 1, 2);
	struct xs_exec_spec s = V4(6);
	struct up_sink u;

	(void)state;
	assert_int_equal(add_port(dp, "a"), 1);
	assert_int_equal(add_port(dp, "b"), 2);
	xs_exec_build(&in_pkt, &s);
	for (int i = 0; i < 4; i++)
		assert_int_equal(dp->cls->receive(dp, 1, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(dp->cls->receive(dp, 2, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(drain(dp, &u), 3);
	assert_int_equal(u.u[0].ifindex, 1);
	assert_int_equal(u.u[1].ifindex, 1);
	assert_int_equal(u.u[2].ifindex, 2);
	assert_shows(dp, "misses: 5\n");
	assert_shows(dp, "upcalls shed (per-port limit): 2\n");
	close_dp(dp);
}

static void test_dec_ttl_expiry(void **state)
{
	struct xs_action acts[] = { IP4(XS_ACT_SET_IPV4_SRC, 1, 2, 3, 4), ACT(XS_ACT_DEC_TTL),
				    OUT(P_IN) };
	struct xs_exec_spec s = V4(6, .ttl = 1), w = V4(6, .ttl = 1, .src = "1.2.3.4");
	struct xs_exec_spec v6 = V6(17, .ttl = 0);
	struct xs_dpif *dp = open_std();
	struct xs_flow_handle h;
	struct up_sink u;
	const char *bad;

	(void)state;
	h = put_all(dp, acts, 3);
	xs_exec_build(&in_pkt, &s);
	xs_exec_build(&want_pkt, &w);
	assert_int_equal(dp->cls->receive(dp, P_OUT, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(read_outputs(dp, 1), 0);
	assert_int_equal(drain(dp, &u), 1);
	assert_int_equal(u.u[0].reason, XS_UPCALL_TTL_EXPIRED);
	assert_int_equal(u.u[0].slot, h.slot);
	assert_int_equal(u.u[0].ifindex, P_OUT);
	assert_int_equal(u.u[0].cookie, 0);
	assert_int_equal(u.u[0].pkt_len, in_pkt.len);
	assert_int_equal(u.u[0].cap_len, in_pkt.len);
	assert_int_equal(u.u[0].flags, 0);
	/* The record holds the frame as the actions left it; the key is the
	 * packet's as it came. */
	assert_memory_equal(u.u[0].pkt, want_pkt.buf, want_pkt.len);
	assert_int_equal(xs_pkt_check_csums(u.u[0].pkt, u.u[0].cap_len, &bad), 0);
	assert_int_equal(u.u[0].key.nw_ttl, 1);
	assert_int_equal(u.u[0].key.nw_src, xs_pkt_parse_ip4("10.0.0.1"));
	assert_shows(dp, "packets whose TTL expired: 1\n");

	/* IPv6 hop limit 0, through execute without a megaflow: slot 0. */
	struct xs_flow_handle none = { 0 };

	xs_exec_build(&in_pkt, &v6);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, &acts[1], 2), 0);
	assert_int_equal(read_outputs(dp, 1), 0);
	assert_int_equal(drain(dp, &u), 1);
	assert_int_equal(u.u[0].reason, XS_UPCALL_TTL_EXPIRED);
	assert_int_equal(u.u[0].slot, 0);
	assert_memory_equal(u.u[0].pkt, in_pkt.buf, in_pkt.len);
	close_dp(dp);
}

static void test_to_agent_continues(void **state)
{
	struct xs_action acts[] = {
		{ .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION, .flags = 77 },
		MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), OUT(P_IN),
		{ .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION, .flags = 78 },
	};
	struct xs_exec_spec s = V4(17), w = V4(17, .dl_dst = MAC_D);
	struct xs_dpif *dp = open_std();
	struct xs_flow_handle h;
	struct up_sink u;

	(void)state;
	h = put_all(dp, acts, 4);
	xs_exec_build(&in_pkt, &s);
	xs_exec_build(&want_pkt, &w);
	assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	expect_frame(0, P_IN, &want_pkt, true, "to_agent");
	assert_int_equal(drain(dp, &u), 2);
	assert_int_equal(u.u[0].reason, XS_UPCALL_ACTION);
	assert_int_equal(u.u[0].cookie, 77);
	assert_int_equal(u.u[0].slot, h.slot);
	assert_memory_equal(u.u[0].pkt, in_pkt.buf, in_pkt.len);
	assert_int_equal(u.u[0].key.in_port, P_IN);
	assert_int_equal(u.u[0].key.nw_proto, 17);
	/* The second one sees the rewritten frame. */
	assert_int_equal(u.u[1].cookie, 78);
	assert_memory_equal(u.u[1].pkt, want_pkt.buf, want_pkt.len);
	assert_int_equal(u.u[1].key.dl_dst[5], 0x0b);
	assert_shows(dp, "packets sent to the agent by an action: 2\n");
	close_dp(dp);
}

/* --- counters ------------------------------------------------------------------------ */

static void test_counters(void **state)
{
	struct xs_exec_spec udp = V4(17);
	struct xs_dpif *dp = open_std();
	struct xs_flow_handle h, old, hs[3];
	struct xs_flow_stats st, many[3];
	struct xs_flow_handle none = { 0 };
	uint64_t bytes = 0, t0 = 0;
	int errs[3];
	struct xs_dpif_flow fl;
	static const uint16_t flags[] = { XS_TCP_SYN, XS_TCP_ACK, XS_TCP_ACK | XS_TCP_FIN };
	static const struct xs_action to_out[] = { OUT(P_OUT) };

	(void)state;
	h = put_all(dp, out1, 1);
	assert_int_equal(dp->cls->flow_get(dp, h, &fl), 0);
	t0 = fl.installed_ns;
	for (int i = 0; i < 3; i++) {
		xs_pkt_init(&in_pkt);
		xs_pkt_eth(&in_pkt, MAC_B, MAC_A);
		xs_pkt_ipv4(&in_pkt, &(struct xs_pkt_ip4){ .src = "10.0.0.1", .dst = "10.0.0.2",
							  .ttl = 64 });
		xs_pkt_tcp(&in_pkt, 1, 2, flags[i]);
		xs_pkt_bytes(&in_pkt, NULL, (size_t)i * 100, 0);
		xs_pkt_finish(&in_pkt);
		bytes += in_pkt.len;
		assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	}
	assert_int_equal(dp->cls->flow_stats(dp, &h, 1, &st, NULL), 0);
	assert_int_equal(st.packets, 3);
	assert_int_equal(st.bytes, bytes);
	assert_int_equal(st.tcp_flags, htobe16(XS_TCP_SYN | XS_TCP_ACK | XS_TCP_FIN));
	assert_true(st.used_ns >= t0);
	assert_shows(dp, "megaflow hits: 3\n");

	/* Kept across modify; re-injection with the handle counts too, a
	 * list without a handle does not. */
	old = h;
	assert_int_equal(dp->cls->flow_modify(dp, &h, to_out, 1), 0);
	xs_exec_build(&in_pkt, &udp);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, h, NULL, 0), 0);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, out1, 1), 0);
	bytes += in_pkt.len;
	assert_int_equal(read_outputs(dp, 8), 5);
	assert_int_equal(outs[3].port, P_OUT); /* the new actions */
	assert_int_equal(outs[4].port, 1);

	/* Batched, with a stale handle among them. */
	hs[0] = h;
	hs[1] = old;
	hs[2] = h;
	memset(many, 0xff, sizeof(many));
	assert_int_equal(dp->cls->flow_stats(dp, hs, 3, many, errs), 0);
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[1], -ENOENT);
	assert_int_equal(errs[2], 0);
	assert_int_equal(many[0].packets, 4);
	assert_int_equal(many[0].bytes, bytes);
	assert_int_equal(many[0].tcp_flags, htobe16(XS_TCP_SYN | XS_TCP_ACK | XS_TCP_FIN));
	assert_int_equal(many[1].packets, 0);
	assert_int_equal(many[1].bytes, 0);
	assert_int_equal(many[1].used_ns, 0);
	assert_memory_equal(&many[2], &many[0], sizeof(many[0]));
	memset(many, 0xff, sizeof(many));
	assert_int_equal(dp->cls->flow_stats(dp, hs, 3, many, NULL), 0);
	assert_int_equal(many[1].packets, 0);
	assert_int_equal(dp->cls->flow_stats(dp, NULL, 1, many, NULL), -EINVAL);
	assert_int_equal(dp->cls->flow_stats(dp, NULL, 0, NULL, NULL), 0);

	/* The last counters at removal. */
	assert_int_equal(dp->cls->flow_del(dp, h, &st), 0);
	assert_int_equal(st.packets, 4);
	assert_int_equal(st.bytes, bytes);
	/* Nor does a packet of a removed megaflow. */
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, h, NULL, 0), -ENOENT);
	close_dp(dp);
}

static void test_execute_args(void **state)
{
	struct xs_flow_handle none = { 0 }, stale = { .slot = 1, .gen = 5 };
	struct xs_exec_spec s = V4(6);
	struct xs_dpif *dp = open_std();

	(void)state;
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(dp->cls->execute(dp, P_IN, NULL, 60, none, out1, 1), -EINVAL);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, 13, none, out1, 1), -EINVAL);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, NULL, 1),
			 -EINVAL);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, out1,
					  XS_MAX_ACTIONS + 1), -EINVAL);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, stale, out1, 1),
			 -ENOENT);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, 14, none, out1, 1), 0);
	assert_int_equal(read_outputs(dp, 1), 1);
	assert_int_equal(outs[0].len, 14);
	assert_shows(dp, "packets executed for the agent: 1\n");
	close_dp(dp);
}

/* --- the output log, show --------------------------------------------------------------- */

static void test_dump_outputs(void **state)
{
	static const uint8_t f14[14] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xab, 0xff };
	struct xs_action two[] = { OUT(P_OUT), OUT(P_IN) };
	struct xs_flow_handle none = { 0 };
	struct xs_dpif *dp = open_std();
	struct xs_ctl_buf b;
	char line[96];

	(void)state;
	assert_int_equal(dp->cls->execute(dp, P_IN, f14, 14, none, two, 2), 0);
	xs_ctl_buf_init(&b);
	dp->cls->dump_outputs(dp, &b, false);
	assert_int_equal(b.len, strlen("port 2: 000102030405060708090a0babff\n"
				       "port 1: 000102030405060708090a0babff\n"));
	assert_memory_equal(b.data, "port 2: 000102030405060708090a0babff\n"
			    "port 1: 000102030405060708090a0babff\n", b.len);
	/* Dumping empties the log. */
	b.len = 0;
	dp->cls->dump_outputs(dp, &b, false);
	assert_int_equal(b.len, 0);
	dp->cls->dump_outputs(dp, &b, true);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "[]\n", 3);

	assert_int_equal(dp->cls->execute(dp, P_IN, f14, 14, none, two, 2), 0);
	b.len = 0;
	dp->cls->dump_outputs(dp, &b, true);
	static const char json[] =
		"[{\"port\": 2, \"len\": 14, \"hex\": \"000102030405060708090a0babff\"}, "
		"{\"port\": 1, \"len\": 14, \"hex\": \"000102030405060708090a0babff\"}]\n";
	assert_int_equal(b.len, strlen(json));
	assert_memory_equal(b.data, json, b.len);
	b.len = 0;
	dp->cls->dump_outputs(dp, &b, true);
	assert_memory_equal(b.data, "[]\n", 3);
	xs_ctl_buf_free(&b);

	/* Bounded: the latest XS_DUMMY_MAX_OUTPUTS frames are kept. */
	uint8_t f[16];

	memcpy(f, f14, 14);
	for (int i = 0; i < XS_DUMMY_MAX_OUTPUTS + 2; i++) {
		f[14] = (uint8_t)(i >> 8);
		f[15] = (uint8_t)i;
		assert_int_equal(dp->cls->execute(dp, P_IN, f, 16, none, two, 1), 0);
	}
	snprintf(line, sizeof(line), "frames output: %d\n", XS_DUMMY_MAX_OUTPUTS + 6);
	assert_shows(dp, line);
	assert_shows(dp, "frames dropped from the output log (full): 2\n");
	snprintf(line, sizeof(line), "frames in the output log: %d\n", XS_DUMMY_MAX_OUTPUTS);
	assert_shows(dp, line);
	xs_ctl_buf_init(&b);
	dp->cls->dump_outputs(dp, &b, false);
	assert_true(b.len > 100);
	assert_memory_equal(b.data, "port 2: 000102030405060708090a0babff0002\n",
			    strlen("port 2: 000102030405060708090a0babff0002\n"));
	xs_ctl_buf_free(&b);
	assert_shows(dp, "frames in the output log: 0\n");
	close_dp(dp);
}

static void test_show(void **state)
{
	struct xs_dpif *dp = open_dp(16, 0, 0);
	struct xs_exec_spec s = V4(6);
	struct xs_flow_key k, m;
	const char *j;

	(void)state;
	assert_int_equal(add_port(dp, "x"), 1);
	km(9, 1, &k, &m);
	assert_int_equal(dp->cls->flow_put(dp, &k, &m, out1, 1, NULL), 0);
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(dp->cls->receive(dp, 1, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(dp->cls->receive(dp, 1, in_pkt.buf, in_pkt.len), 0);
	assert_shows(dp, "megaflows: 1 (max 16), masks: 1\n");
	assert_shows(dp, "ports: 1\n");
	assert_shows(dp, "upcalls queued: 2\n");
	assert_shows(dp, "frames output: 0\n");
	j = show(dp, true);
	if (strncmp(j, ", \"megaflows\": 1, \"max_megaflows\": 16, \"masks\": 1, \"dp_ports\": 1, "
		    "\"upcalls_queued\": 2, \"frames_in_log\": 0, \"counters\": {\"rx\": 2, ",
		    strlen(", \"megaflows\": 1, \"max_megaflows\": 16, \"masks\": 1, \"dp_ports\""
			   ": 1, \"upcalls_queued\": 2, \"frames_in_log\": 0, \"counters\": "
			   "{\"rx\": 2, ")))
		fail_msg("show --json: %s", j);
	assert_non_null(strstr(j, "\"miss\": 2, "));
	assert_non_null(strstr(j, "\"log_dropped\": 0}"));
	assert_int_equal(j[strlen(j) - 1], '}');
	close_dp(dp);
}

/* Closing frees what still waits (run under a leak checker to see it). */
static void test_close_with_state(void **state)
{
	struct xs_dpif *dp = open_std();
	struct xs_exec_spec s = V4(6);
	struct xs_flow_handle none = { 0 };
	struct xs_action up[] = { { .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION } };

	(void)state;
	xs_exec_build(&in_pkt, &s);
	put_all(dp, out1, 1);
	assert_int_equal(dp->cls->receive(dp, P_IN, in_pkt.buf, in_pkt.len), 0);
	assert_int_equal(dp->cls->execute(dp, P_IN, in_pkt.buf, in_pkt.len, none, up, 1), 0);
	dp->cls->close(dp, true);
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
		cmocka_unit_test(test_exec_cases),
		cmocka_unit_test(test_exec_multi_cases),
		cmocka_unit_test(test_exec_more_cases),
		cmocka_unit_test(test_exec_qinq),
		cmocka_unit_test(test_udp_csum_zero_becomes_ffff),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_exec_drops),
		cmocka_unit_test(test_exec_largest_frame),
		cmocka_unit_test(test_every_action_type_covered),
		cmocka_unit_test(test_broadcast_64),
		cmocka_unit_test(test_miss_upcall),
		cmocka_unit_test(test_recv_max),
		cmocka_unit_test(test_recv_reentrant),
		cmocka_unit_test(test_miss_rate),
		cmocka_unit_test(test_dec_ttl_expiry),
		cmocka_unit_test(test_to_agent_continues),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_execute_args),
		cmocka_unit_test(test_dump_outputs),
		cmocka_unit_test(test_show),
		cmocka_unit_test(test_close_with_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
