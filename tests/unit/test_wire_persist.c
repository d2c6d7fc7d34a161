// SPDX-License-Identifier: Apache-2.0
/* What controllers sent for their rules (agent/openflow/wire_store.h)
 * saved with the rules: `wire` lines of the snapshot and `wire` records of
 * the journal come back byte for byte into the restored tables' store
 * (the instructions only while the rule's actions are still the ones
 * sent); bad lines are refused with the file and line. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/daemon/journal.h"
#include "agent/daemon/state_file.h"
#include "agent/ofp/flow.h"
#include "agent/openflow/wire_store.h"

static char dir[64], jpath[128], spath[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xsh-wire-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(jpath, sizeof(jpath), "%s/br0.journal", dir);
	snprintf(spath, sizeof(spath), "%s/br0.state", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void spill(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Adds the rule @text to @ft; returns it. */
static struct ft_rule *add(struct flow_tables *ft, const char *text)
{
	struct ofp_flow f;
	struct xs_err err;
	struct cls_rule *c;

	memset(&err, 0, sizeof(err));
	ofp_flow_init(&f);
	if (ofp_parse_flow(text, OFP_PARSE_ADD, &f, &err))
		fail_msg("'%s': column %d: %s", text, err.col, err.msg);
	assert_int_equal(ft_add(ft, &f, 0), 0);
	c = cls_find_exact(&ft->tables[f.table_id], &f.match, f.priority);
	ofp_flow_free(&f);
	assert_non_null(c);
	return (struct ft_rule *)c;
}

static struct ft_rule *find(struct flow_tables *ft, const char *text)
{
	struct ofp_flow f;
	struct xs_err err;
	struct cls_rule *c;

	memset(&err, 0, sizeof(err));
	ofp_flow_init(&f);
	assert_int_equal(ofp_parse_flow(text, OFP_PARSE_ADD, &f, &err), 0);
	c = cls_find_exact(&ft->tables[f.table_id], &f.match, f.priority);
	ofp_flow_free(&f);
	return (struct ft_rule *)c;
}

/* Bytes as a controller might send them: an OXM match out of canonical
 * order and instructions; the values only need to come back the same. */
static const uint8_t match_a[] = { 0x80, 0x00, 0x1c, 0x02, 0x00, 0x16,   /* tcp_dst */
				   0x80, 0x00, 0x14, 0x01, 0x06,         /* ip_proto */
				   0x80, 0x00, 0x0a, 0x02, 0x08, 0x00 }; /* eth_type */
static const uint8_t insts_a[] = { 0x00, 0x04, 0x00, 0x18, 0, 0, 0, 0,
				   0x00, 0x00, 0x00, 0x10, 0, 0, 0, 2, 0x00, 0x4d, 0, 0, 0, 0, 0, 0 };
static const uint8_t insts_d[] = { 0x00, 0x05, 0x00, 0x08, 0, 0, 0, 0 }; /* clear_actions */

static void assert_entry(const struct wire_store *ws, const struct ft_rule *r, uint16_t flags,
			 const uint8_t *m, size_t ml, const uint8_t *in, size_t il)
{
	const struct wire_entry *e = wire_store_get(ws, r);

	assert_non_null(e);
	assert_ptr_equal(e->actions, r->actions); /* describes the restored rule */
	assert_int_equal(e->flags, flags);
	assert_int_equal(e->match_len, ml);
	assert_int_equal(e->insts_len, il);
	if (ml)
		assert_memory_equal(e->match, m, ml);
	assert_memory_equal(e->insts, in, il);
}

/* A snapshot with two controller rules (one modified by the CLI since: its
 * match is still as sent, its instructions no longer) and a CLI rule, then
 * a journal adding one more with its record: all come back. */
static void test_round_trip(void **state)
{
	struct flow_tables live, back;
	struct wire_store lw, bw;
	struct xs_journal j;
	struct xs_journal_scan scan;
	struct xs_state st;
	struct ofp_flow f;
	struct xs_err perr;
	struct ft_rule *ra, *rc, *rd;
	char why[512] = "";
	const char *text;

	(void)state;
	flow_tables_init(&live);
	wire_store_init(&lw);
	live.wire = &lw;
	ra = add(&live, "priority=300,tcp,tp_dst=22 actions=output:2");
	assert_int_equal(wire_store_put(&lw, ra, 1, match_a, sizeof(match_a), insts_a,
					sizeof(insts_a)), 0);
	add(&live, "priority=5,arp actions=flood"); /* the CLI's: no bytes */
	rc = add(&live, "priority=7,udp actions=output:1");
	assert_int_equal(wire_store_put(&lw, rc, 0, match_a + 11, 6, insts_d, sizeof(insts_d)), 0);
	memset(&perr, 0, sizeof(perr));
	ofp_flow_init(&f);
	assert_int_equal(ofp_parse_flow("priority=7,udp actions=output:3", OFP_PARSE_MODIFY, &f,
					&perr), 0);
	assert_int_equal(ft_modify(&live, &f, true, NULL), 0); /* the CLI's mod-flows */
	ofp_flow_free(&f);
	assert_int_equal(xs_state_write(spath, 3, &live, NULL, 0, NULL, why, sizeof(why)), 0);
	text = slurp(spath);
	assert_non_null(strstr(text, "\nwire 0x1 80001c02001680001401068000"));
	assert_non_null(strstr(text, "\nwire 0 80000a020800 ~\n"));

	xs_journal_init(&j);
	assert_int_equal(xs_journal_create(&j, jpath, 3, why, sizeof(why)), 0);
	rd = add(&live, "table=4,priority=9,ip,nw_dst=10.1.0.0/16 actions=drop");
	assert_int_equal(wire_store_put(&lw, rd, 0x10, NULL, 0, insts_d, sizeof(insts_d)), 0);
	ft_rule_flow(rd, &f);
	assert_int_equal(xs_journal_add(&j, &f), 0);
	assert_int_equal(xs_journal_wire(&j, rd, wire_store_get(&lw, rd), true), 0);
	/* a modify's record names its rule: ra's new instructions */
	assert_int_equal(wire_store_set_insts(&lw, ra, insts_d, sizeof(insts_d)), 0);
	assert_int_equal(xs_journal_wire(&j, ra, wire_store_get(&lw, ra), false), 0);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);
	xs_journal_close(&j);
	text = slurp(jpath);
	assert_non_null(strstr(text, "ip,nw_dst=10.1.0.0/16 actions=drop\n"
			       "wire 0x10 - 0005000800000000\n"));
	assert_non_null(strstr(text, "\nwire 0x1 80001c020016800014010680000a020800 "
			       "0005000800000000 table=0, priority=300,tcp,tp_dst=22\n"));

	flow_tables_init(&back);
	wire_store_init(&bw);
	back.wire = &bw;
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), 0);
	assert_int_equal(scan.records, 3);
	assert_int_equal(back.n_rules, 4);
	assert_int_equal(bw.n, 3);
	assert_entry(&bw, find(&back, "priority=300,tcp,tp_dst=22 actions=drop"), 1, match_a,
		     sizeof(match_a), insts_d, sizeof(insts_d)); /* the journal's, after */
	assert_entry(&bw, find(&back, "table=4,priority=9,ip,nw_dst=10.1.0.0/16 actions=drop"),
		     0x10, NULL, 0, insts_d, sizeof(insts_d));
	{
		const struct ft_rule *r = find(&back, "priority=7,udp actions=drop");
		const struct wire_entry *e = wire_store_get(&bw, r);

		assert_non_null(e);
		assert_int_equal(e->match_len, 6);
		assert_memory_equal(e->match, match_a + 11, 6);
		assert_true(e->actions != r->actions); /* encoded from its actions */
	}
	assert_null(wire_store_get(&bw, find(&back, "priority=5,arp actions=drop")));
	xs_state_free(&st);
	flow_tables_destroy(&back);
	wire_store_destroy(&bw);

	/* tables without a store: the lines are read and left aside */
	flow_tables_init(&back);
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), 0);
	assert_int_equal(back.n_rules, 4);
	xs_state_free(&st);
	flow_tables_destroy(&back);
	flow_tables_destroy(&live);
	wire_store_destroy(&lw);
}

/* Each bad `wire` line or record: the error names the file and line, and
 * nothing is restored. */
static void test_bad_lines(void **state)
{
	static const struct { const char *text, *why; } snap[] = {
		{ "xdpswitch-state 2 gen 1\nwire 0x1 - -\nflow actions=drop\n",
		  ":2: a 'wire' line belongs after the 'flow' line it is of" },
		{ "xdpswitch-state 2 gen 1\nflow actions=drop\nwire 0x1 0g -\n",
		  ":3: wire: bad match bytes" },
		{ "xdpswitch-state 2 gen 1\nflow actions=drop\nwire 0x1 - 123\n",
		  ":3: wire: bad instruction bytes" },
		{ "xdpswitch-state 2 gen 1\nflow actions=drop\nwire 0x1 -\n",
		  ":3: wire: bad instruction bytes" },
		{ "xdpswitch-state 2 gen 1\nflow actions=drop\nwire flags - -\n",
		  ":3: wire: expected the flow_mod flags in hex" },
		{ "xdpswitch-state 2 gen 1\nflow actions=drop\nwire 0x10000 - -\n",
		  ":3: wire: expected the flow_mod flags in hex" },
		{ "xdpswitch-state 2 gen 1\nflow actions=drop\nwire 0x1 - - extra\n",
		  ":3: wire: unexpected text after the instructions" },
	};
	struct flow_tables back;
	struct wire_store bw;
	struct xs_journal_scan scan;
	struct xs_state st;
	char why[512], want[256];

	(void)state;
	unlink(jpath);
	for (size_t i = 0; i < sizeof(snap) / sizeof(snap[0]); i++) {
		flow_tables_init(&back);
		wire_store_init(&bw);
		back.wire = &bw;
		spill(spath, snap[i].text);
		why[0] = '\0';
		assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
					       sizeof(why)), -EINVAL);
		snprintf(want, sizeof(want), "%s%s", spath, snap[i].why);
		if (strncmp(why, want, strlen(want)))
			fail_msg("case %zu: '%s', expected '%s...'", i, why, want);
		assert_int_equal(back.n_rules, 0);
		assert_int_equal(bw.n, 0);
		flow_tables_destroy(&back);
		wire_store_destroy(&bw);
	}

	/* a committed journal batch with a bad record is corrupt: named by
	 * line, nothing restored */
	spill(spath, "xdpswitch-state 2 gen 2\nflow priority=3,actions=drop\n");
	{
		static const char rec[] = "wire 0 - 00050008000000zz priority=3\n";
		char text[256];

		snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 2\n%scommit 1 %08lx\n", rec,
			 crc32(0, (const unsigned char *)rec, sizeof(rec) - 1));
		spill(jpath, text);
	}
	flow_tables_init(&back);
	wire_store_init(&bw);
	back.wire = &bw;
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: wire: bad instruction bytes", jpath);
	assert_memory_equal(why, want, strlen(want));
	assert_int_equal(back.n_rules, 0);
	flow_tables_destroy(&back);
	wire_store_destroy(&bw);

	/* a record without its rule that does not follow an add */
	{
		static const char rec[] = "port p9 9\nwire 0 - 0005000800000000\n";
		char text[256];

		snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 2\n%scommit 2 %08lx\n", rec,
			 crc32(0, (const unsigned char *)rec, sizeof(rec) - 1));
		spill(jpath, text);
	}
	flow_tables_init(&back);
	wire_store_init(&bw);
	back.wire = &bw;
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: a 'wire' record without its rule must follow the "
		 "'add' record of that rule", jpath);
	assert_string_equal(why, want);
	assert_int_equal(back.n_rules, 0);
	flow_tables_destroy(&back);
	wire_store_destroy(&bw);
}

/* The text form round trip, empty fields included. */
static void test_text(void **state)
{
	struct flow_tables ft;
	struct wire_store ws;
	struct wire_bytes wb;
	struct ft_rule *r;
	char buf[256], why[128];
	size_t used;

	(void)state;
	flow_tables_init(&ft);
	wire_store_init(&ws);
	r = add(&ft, "actions=drop");
	assert_int_equal(wire_store_put(&ws, r, 0, NULL, 0, NULL, 0), 0);
	wire_entry_format(wire_store_get(&ws, r), true, buf, sizeof(buf));
	assert_string_equal(buf, "0 - -");
	assert_int_equal(wire_bytes_parse(buf, &wb, &used, why, sizeof(why)), 0);
	assert_int_equal(used, strlen(buf));
	assert_int_equal(wb.match_len + wb.insts_len, 0);
	wire_bytes_free(&wb);
	assert_int_equal(wire_store_put(&ws, r, 0xffff, match_a, sizeof(match_a), insts_a,
					sizeof(insts_a)), 0);
	wire_entry_format(wire_store_get(&ws, r), false, buf, sizeof(buf));
	assert_non_null(strstr(buf, " ~"));
	assert_int_equal(wire_bytes_parse(buf, &wb, &used, why, sizeof(why)), 0);
	assert_true(wb.insts_stale);
	assert_int_equal(wb.insts_len, 0);
	wire_bytes_free(&wb);
	wire_entry_format(wire_store_get(&ws, r), true, buf, sizeof(buf));
	strcat(buf, " table=0");
	assert_int_equal(wire_bytes_parse(buf, &wb, &used, why, sizeof(why)), 0);
	assert_string_equal(buf + used, " table=0");
	assert_int_equal(wb.flags, 0xffff);
	assert_memory_equal(wb.bytes, match_a, sizeof(match_a));
	assert_memory_equal(wb.bytes + sizeof(match_a), insts_a, sizeof(insts_a));
	wire_bytes_free(&wb);
	assert_int_equal(wire_bytes_parse("1 ABCD -", &wb, &used, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "bad match bytes: an even number of hex digits (0-9, a-f), or '-'");
	flow_tables_destroy(&ft);
	wire_store_destroy(&ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
