// SPDX-License-Identifier: Apache-2.0
/* The agent's journal (agent/daemon/journal.h) and the restore from a
 * snapshot plus its journal (xs_state_load): round trip of every record
 * kind, a torn tail cut at every byte of the last batch, corruption in the
 * middle reported by line with nothing after it applied, bad headers,
 * stale generations, write failures, version 1 snapshots. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/daemon/journal.h"
#include "agent/daemon/state_file.h"
#include "agent/ofp/flow.h"

static char dir[64], jpath[128], spath[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xsh-journal-%d", (int)getpid());
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

static void parse(const char *text, enum ofp_parse_mode mode, struct ofp_flow *f)
{
	struct xs_err err;

	memset(&err, 0, sizeof(err));
	ofp_flow_init(f);
	if (ofp_parse_flow(text, mode, f, &err))
		fail_msg("'%s': column %d: %s", text, err.col, err.msg);
}

/* The file's bytes (NUL-terminated heap copy) and length. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spill(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Every rule of @ft formatted, one a line, in ft_collect order. */
static void dump(const struct flow_tables *ft, char *out, size_t size)
{
	const struct ft_rule **v;
	long n = ft_collect(ft, &v);
	size_t len = 0;

	out[0] = '\0';
	for (long i = 0; i < n; i++) {
		struct ofp_flow f;

		ft_rule_flow(v[i], &f);
		len += (size_t)ofp_format_flow(&f, out + len, size - len);
		len += (size_t)snprintf(out + len, size - len, "\n");
		assert_true(len < size);
	}
	free(v);
}

/* --- a recording replay target ------------------------------------------- */

struct seen {
	unsigned n;
	enum xs_journal_op op[64];
	unsigned line[64];
	char text[64][256];
	int fail_at;   /* record number (1-based) whose apply fails, 0: none */
};

static int record(void *ctx, const struct xs_journal_rec *rec, char *why, size_t why_size)
{
	struct seen *s = ctx;
	char *t;

	assert_true(s->n < 64);
	if ((int)s->n + 1 == s->fail_at) {
		snprintf(why, why_size, "refused by the test");
		return -EIO;
	}
	t = s->text[s->n];
	s->op[s->n] = rec->op;
	s->line[s->n] = rec->line;
	switch (rec->op) {
	case XS_JOURNAL_PORT:
		snprintf(t, 256, "port %s %u%s", rec->port, rec->ofport, rec->clsact ? " clsact" : "");
		break;
	case XS_JOURNAL_UNPORT:
		snprintf(t, 256, "unport %s", rec->port);
		break;
	default:
		snprintf(t, 256, "%s", rec->strict ? "strict " : "");
		ofp_format_flow(&rec->flow, t + strlen(t), 256 - strlen(t));
		break;
	}
	s->n++;
	return 0;
}

static int replay(uint64_t gen, struct seen *s, struct xs_journal_scan *scan, char *why,
		  size_t size)
{
	memset(s->text, 0, sizeof(s->text));
	s->n = 0;
	return xs_journal_replay(jpath, gen, record, s, scan, why, size);
}

/* A journal of gen 7 with three batches of one record each:
 * line 2 "add ... tp_dst=1", line 3 commit, 4/5 for tp_dst=2, 6/7 for 3.
 * Returns the file length; *@ends gets each batch's end offset. */
static size_t three_batches(size_t ends[3])
{
	struct xs_journal j;
	struct ofp_flow f;
	char why[256] = "", text[64];
	size_t len;

	xs_journal_init(&j);
	assert_int_equal(xs_journal_create(&j, jpath, 7, why, sizeof(why)), 0);
	for (int i = 1; i <= 3; i++) {
		snprintf(text, sizeof(text), "priority=9,udp,tp_dst=%d actions=output:%d", i, i);
		parse(text, OFP_PARSE_ADD, &f);
		assert_int_equal(xs_journal_add(&j, &f), 0);
		ofp_flow_free(&f);
		assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);
		ends[i - 1] = (size_t)j.size;
	}
	len = (size_t)j.size;
	xs_journal_close(&j);
	return len;
}

/* --- tests ----------------------------------------------------------------- */

/* Every record kind written, read back the same, in order, batch by batch. */
static void test_round_trip(void **state)
{
	static const char *const want[] = {
		"cookie=0x5, table=3, idle_timeout=7, hard_timeout=30, priority=100,udp,"
		"nw_dst=10.0.0.0/8,tp_dst=53 actions=mod_nw_tos:16,output:2",
		"table=0, priority=5,in_port=1 actions=drop",
		"port veth-a 3 clsact",
		"port eth1 7",
		"cookie=0x10/0xf0, table=3, out_port=2, udp actions=drop",
		"strict table=0, priority=5,in_port=1 actions=drop",
		"actions=drop",
		"strict cookie=0x1, table=4, priority=8,arp actions=output:5",
		"cookie=0x2/0xff, ip actions=drop",
		"unport eth1",
	};
	struct xs_journal j;
	struct xs_journal_scan scan;
	struct ofp_flow f;
	struct seen s = { 0 };
	char why[256] = "", *text;
	size_t len, pending;

	(void)state;
	xs_journal_init(&j);
	assert_int_equal(xs_journal_create(&j, jpath, 3, why, sizeof(why)), 0);
	assert_int_equal(j.size, strlen("xdpswitch-journal 1 gen 3\n"));
	assert_int_equal(xs_journal_pending(&j), 0);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0); /* empty: nothing */
	assert_int_equal(j.size, strlen("xdpswitch-journal 1 gen 3\n"));

	parse("table=3,priority=100,cookie=5,idle_timeout=7,hard_timeout=30,udp,"
	      "nw_dst=10.0.0.0/8,tp_dst=53 actions=mod_nw_tos:16,output:2", OFP_PARSE_ADD, &f);
	assert_int_equal(xs_journal_add(&j, &f), 0);
	ofp_flow_free(&f);
	parse("priority=5,in_port=1 actions=drop", OFP_PARSE_ADD, &f);
	assert_int_equal(xs_journal_add(&j, &f), 0);
	ofp_flow_free(&f);
	assert_int_equal(xs_journal_port(&j, "veth-a", 3, true), 0);
	assert_int_equal(xs_journal_port(&j, "eth1", 7, false), 0);
	pending = xs_journal_pending(&j);
	assert_true(pending > 0);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);
	/* the estimate covers what was written */
	assert_true(j.size <= strlen("xdpswitch-journal 1 gen 3\n") + pending);

	parse("table=3,cookie=0x10/0xf0,out_port=2,udp", OFP_PARSE_DELETE, &f);
	assert_int_equal(xs_journal_del(&j, &f, false), 0);
	ofp_flow_free(&f);
	parse("table=0,priority=5,in_port=1", OFP_PARSE_DELETE, &f);
	assert_int_equal(xs_journal_del(&j, &f, true), 0);
	ofp_flow_free(&f);
	parse("", OFP_PARSE_DELETE, &f);
	assert_int_equal(xs_journal_del(&j, &f, false), 0);
	ofp_flow_free(&f);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);

	parse("table=4,priority=8,cookie=1,arp actions=output:5", OFP_PARSE_MODIFY, &f);
	assert_int_equal(xs_journal_mod(&j, &f, true), 0);
	ofp_flow_free(&f);
	parse("cookie=2/0xff,ip actions=drop", OFP_PARSE_MODIFY, &f);
	assert_int_equal(xs_journal_mod(&j, &f, false), 0);
	ofp_flow_free(&f);
	assert_int_equal(xs_journal_unport(&j, "eth1"), 0);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);
	xs_journal_close(&j);

	text = slurp(jpath, &len);
	assert_non_null(strstr(text, "\ndel\ncommit 3 "));                     /* empty filter */
	assert_non_null(strstr(text, "\ndel strict table=0, priority=5,in_port=1\n"));
	assert_non_null(strstr(text, "\ndel cookie=0x10/0xf0, table=3, out_port=2, udp\n"));
	assert_non_null(strstr(text, "\nport veth-a 3 clsact\nport eth1 7\ncommit 4 "));
	free(text);

	assert_int_equal(replay(3, &s, &scan, why, sizeof(why)), 0);
	assert_int_equal(s.n, 10);
	assert_int_equal(scan.batches, 3);
	assert_int_equal(scan.records, 10);
	assert_int_equal(scan.good_bytes, len);
	assert_int_equal(scan.torn_line, 0);
	assert_false(scan.stale);
	assert_int_equal(scan.gen, 3);
	for (unsigned i = 0; i < s.n; i++)
		assert_string_equal(s.text[i], want[i]);
	assert_int_equal(s.op[4], XS_JOURNAL_DEL);
	assert_int_equal(s.op[7], XS_JOURNAL_MOD);
	assert_int_equal(s.op[9], XS_JOURNAL_UNPORT);
	assert_int_equal(s.line[0], 2);
	assert_int_equal(s.line[4], 7); /* after the first commit line */
}

/* A crash while the last batch was written leaves any prefix of it (or,
 * on ext4, its length filled with zeros): every such file replays the
 * batches before it and says where the torn tail starts. */
static void test_torn_tail_every_offset(void **state)
{
	struct xs_journal_scan scan;
	struct seen s = { 0 };
	size_t ends[3], len = three_batches(ends);
	char why[256] = "", *full = slurp(jpath, &len), *zeroed;

	(void)state;
	for (size_t cut = ends[1]; cut <= len; cut++) {
		spill(jpath, full, cut);
		assert_int_equal(replay(7, &s, &scan, why, sizeof(why)), 0);
		assert_int_equal(scan.batches, cut == len ? 3 : 2);
		assert_int_equal(s.n, cut == len ? 3 : 2);
		assert_string_equal(s.text[1], "table=0, priority=9,udp,tp_dst=2 actions=output:2");
		assert_int_equal(scan.good_bytes, cut == len ? len : ends[1]);
		assert_int_equal(scan.torn_line, cut == len || cut == ends[1] ? 0 : 6);
		assert_int_equal(scan.torn_bytes, cut == len ? 0 : cut - ends[1]);
	}
	/* the last batch's bytes never written: zeros up to its length */
	zeroed = malloc(len);
	memcpy(zeroed, full, len);
	memset(zeroed + ends[1], 0, len - ends[1]);
	spill(jpath, zeroed, len);
	assert_int_equal(replay(7, &s, &scan, why, sizeof(why)), 0);
	assert_int_equal(scan.batches, 2);
	assert_int_equal(scan.torn_line, 6);
	/* a whole last batch whose checksum fails, nothing after it: torn */
	memcpy(zeroed, full, len);
	zeroed[ends[1] + 20] ^= 1;
	spill(jpath, zeroed, len);
	assert_int_equal(replay(7, &s, &scan, why, sizeof(why)), 0);
	assert_int_equal(scan.batches, 2);
	assert_int_equal(scan.torn_line, 6);
	free(zeroed);
	free(full);
}

/* Damage followed by more data cannot come from a crash: "PATH:LINE: ...",
 * and nothing from the damaged batch on is applied. */
static void expect_corrupt(const char *text, unsigned applied, const char *msg)
{
	struct xs_journal_scan scan;
	struct seen s = { 0 };
	char why[512] = "", want[512];

	spill(jpath, text, strlen(text));
	assert_int_equal(replay(7, &s, &scan, why, sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%s", jpath, msg);
	assert_string_equal(why, want);
	assert_int_equal(s.n, applied);
	assert_int_equal(scan.batches, applied);
}

/* A batch with a correct commit line for its records. */
static void batch(char *out, size_t size, const char *records)
{
	size_t n = 0;

	for (const char *p = records; *p; p++)
		n += *p == '\n';
	snprintf(out + strlen(out), size - strlen(out), "%scommit %zu %08lx\n", records, n,
		 crc32(crc32(0L, Z_NULL, 0), (const Bytef *)records, (uInt)strlen(records)));
}

static void test_corrupt_middle(void **state)
{
	size_t ends[3], len = three_batches(ends);
	char *full, text[2048], why[256];
	struct xs_journal_scan scan;
	struct seen s = { 0 };

	(void)state;
	full = slurp(jpath, &len);
	/* a flipped bit in the second batch's record (line 4): its commit
	 * (line 5) fails; the first batch was applied, not the second or
	 * the third */
	full[ends[0] + 30] ^= 0x01;
	snprintf(text, sizeof(text), "%s", full);
	snprintf(why, sizeof(why), "5: the batch from line 4 fails its checksum (crc32 %08lx, the "
		 "commit line says %.8s)",
		 crc32(crc32(0L, Z_NULL, 0), (const Bytef *)full + ends[0],
		       (uInt)(strchr(full + ends[0], '\n') + 1 - (full + ends[0]))),
		 strstr(full + ends[0], "commit 1 ") + 9);
	expect_corrupt(text, 1, why);
	free(full);

	/* a record gone (count), a garbled commit line, then more batches */
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "port a 1\n");
	strcat(text, "port b 2\ncommit 2 00000000\n");
	batch(text, sizeof(text), "port c 3\n");
	expect_corrupt(text, 1, "5: the commit line counts 2 records, the batch from line 4 has 1");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "port a 1\n");
	strcat(text, "port b 2\ncommit 1 0\n");
	batch(text, sizeof(text), "port c 3\n");
	expect_corrupt(text, 1, "5: bad commit line (expected 'commit COUNT CRC32')");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\nport b 2\ncommit 1 12345678 x\n");
	batch(text, sizeof(text), "port c 3\n");
	expect_corrupt(text, 0, "3: bad commit line (expected 'commit COUNT CRC32')");

	/* records of a committed batch that do not parse: nothing of it */
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "port a 1\n");
	batch(text, sizeof(text), "port b 2\nadd tcp,tp_dst=99999 actions=drop\n");
	batch(text, sizeof(text), "port c 3\n");
	expect_corrupt(text, 1, "5:16: tp_dst: value 99999 is out of range (0 to 65535)");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "add actions=drop\nfrob 1\n");
	expect_corrupt(text, 0, "3: unknown record 'frob'");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "del strict priority=5,nonsense=1\n");
	expect_corrupt(text, 0, "2:23: unknown field 'nonsense'");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "mod strict ip\n");
	expect_corrupt(text, 0, "2:14: missing actions=... (use actions=drop to drop)");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "port a 0\n");
	expect_corrupt(text, 0, "2: expected 'port NAME OFPORT [clsact] [vlan:OPTIONS]' (name below 16 characters,"
		       " port 1-65279)");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "port a 1 vlan:tag=10,trunks=5\n");
	expect_corrupt(text, 0, "2: port a: vlan:tag=10,trunks=5: trunks conflicts with an access port "
		       "(tag=10); use vlan_mode=native-tagged or native-untagged for both");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "unport a b\n");
	expect_corrupt(text, 0, "2: expected 'unport NAME'");
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "\n");
	expect_corrupt(text, 0, "2: unknown record ''");

	/* the target refuses a record (the second): the error names its line */
	snprintf(text, sizeof(text), "xdpswitch-journal 1 gen 7\n");
	batch(text, sizeof(text), "port a 1\nport b 2\n");
	spill(jpath, text, strlen(text));
	s.fail_at = 2;
	assert_int_equal(xs_journal_replay(jpath, 7, record, &s, &scan, why, sizeof(why)), -EIO);
	snprintf(text, sizeof(text), "%s:3: refused by the test", jpath);
	assert_string_equal(why, text);
}

static void test_bad_header(void **state)
{
	static const char *const bad[] = {
		"", "xdpswitch-journal 1 gen 7", "hello\n", "xdpswitch-journal 2 gen 7\n",
		"xdpswitch-journal 1 gen\n", "xdpswitch-journal 1 gen 7 \n",
		"xdpswitch-journal 1 gen 07\n", "xdpswitch-journal 1  gen 7\n",
		"xdpswitch-state 2 gen 7\n",
	};
	const char *msg = "1: not an xdpswitch journal (expected 'xdpswitch-journal 1 gen N')";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_corrupt(bad[i], 0, msg);
}

/* A journal of another generation (a crash between a snapshot and its new
 * journal) is skipped whole; no journal at all is -ENOENT. */
static void test_stale_and_missing(void **state)
{
	struct xs_journal_scan scan;
	struct seen s = { 0 };
	size_t ends[3];
	char why[256] = "";

	(void)state;
	three_batches(ends);
	assert_int_equal(replay(8, &s, &scan, why, sizeof(why)), 0);
	assert_true(scan.stale);
	assert_int_equal(scan.gen, 7);
	assert_int_equal(s.n + scan.batches, 0);
	unlink(jpath);
	assert_int_equal(replay(7, &s, &scan, why, sizeof(why)), -ENOENT);
	/* unreadable: a directory in its place */
	mkdir(jpath, 0700);
	assert_int_equal(replay(7, &s, &scan, why, sizeof(why)), -EISDIR);
	assert_non_null(strstr(why, jpath));
	rmdir(jpath);
}

/* A write or sync that fails drops the batch, leaves the file at its last
 * batch and closes the journal; committing to a closed journal fails. */
static void test_write_errors(void **state)
{
	struct xs_journal j;
	struct xs_journal_scan scan;
	struct seen s = { 0 };
	struct ofp_flow f;
	char why[256] = "", bad[160];
	int full;

	(void)state;
	xs_journal_init(&j);
	assert_int_equal(xs_journal_port(&j, "a", 1, false), 0); /* queued while closed */
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), -EBADF);
	assert_string_equal(why, "the journal is not open");
	assert_int_equal(xs_journal_pending(&j), 0);

	snprintf(bad, sizeof(bad), "%s/no-such-dir/br0.journal", dir);
	assert_int_equal(xs_journal_create(&j, bad, 1, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "no-such-dir/br0.journal.tmp"));
	assert_int_equal(j.fd, -1);

	assert_int_equal(xs_journal_create(&j, jpath, 2, why, sizeof(why)), 0);
	assert_int_equal(xs_journal_port(&j, "a", 1, false), 0);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);
	full = open("/dev/full", O_WRONLY);
	assert_true(full >= 0);
	dup2(full, j.fd); /* the disk fills up */
	close(full);
	parse("actions=drop", OFP_PARSE_ADD, &f);
	assert_int_equal(xs_journal_add(&j, &f), 0);
	ofp_flow_free(&f);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), -ENOSPC);
	assert_string_equal(why, "appending to the journal: No space left on device");
	assert_int_equal(j.fd, -1);
	assert_int_equal(xs_journal_pending(&j), 0);
	assert_int_equal(replay(2, &s, &scan, why, sizeof(why)), 0);
	assert_int_equal(s.n, 1);

	/* a record that could not be queued fails the whole batch */
	assert_int_equal(xs_journal_create(&j, jpath, 3, why, sizeof(why)), 0);
	assert_int_equal(xs_journal_port(&j, "b", 2, false), 0);
	j.err = -ENOMEM;
	assert_int_equal(xs_journal_unport(&j, "b"), -ENOMEM);
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), -ENOMEM);
	assert_string_equal(why, "out of memory for a journal record");
	assert_int_equal(j.fd, -1);
	assert_int_equal(replay(3, &s, &scan, why, sizeof(why)), 0);
	assert_int_equal(s.n, 0);
	xs_journal_close(&j);
}

/* Snapshot + journal make the tables the live ones were, ports included;
 * version 1 snapshots load; damage restores nothing. */
static void test_state_load(void **state)
{
	struct flow_tables live, back;
	struct xs_state_port ports[1] = { { "p1", 1, false, "" } };
	struct xs_journal j;
	struct xs_journal_scan scan;
	struct xs_state st;
	struct ofp_flow f;
	char why[512] = "", a[8192], b[8192], *text;
	size_t bytes = 0, len;
	static const char *const steps[][2] = {
		{ "add", "priority=10,ip,nw_dst=10.0.0.1 actions=output:1" },
		{ "add", "priority=10,ip,nw_dst=10.0.0.2 actions=output:2" },
		{ "add", "table=2,priority=1,arp actions=flood" },
		{ "del", "table=0,ip,nw_dst=10.0.0.0/31" },  /* covers .1, not .2 */
		{ "add", "priority=10,ip,nw_dst=10.0.0.1 actions=output:3" },
		{ "strict", "table=2,priority=1,arp" },
		{ "add", "cookie=0x33,priority=7,tcp actions=output:4" },
		{ "mod", "cookie=0x33/0xff,tcp actions=output:5" },
	};

	(void)state;
	flow_tables_init(&live);
	parse("priority=1 actions=drop", OFP_PARSE_ADD, &f);
	assert_int_equal(ft_add(&live, &f, 0), 0);
	ofp_flow_free(&f);
	assert_int_equal(xs_state_write(spath, 4, &live, ports, 1, &bytes, why, sizeof(why)), 0);
	assert_true(bytes > 0);
	xs_journal_init(&j);
	assert_int_equal(xs_journal_create(&j, jpath, 4, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		bool add = !strcmp(steps[i][0], "add"), mod = !strcmp(steps[i][0], "mod");

		parse(steps[i][1], add ? OFP_PARSE_ADD : mod ? OFP_PARSE_MODIFY : OFP_PARSE_DELETE, &f);
		if (add) {
			assert_int_equal(ft_add(&live, &f, 0), 0);
			xs_journal_add(&j, &f);
		} else if (mod) {
			assert_int_equal(ft_modify(&live, &f, false, NULL), 0);
			xs_journal_mod(&j, &f, false);
		} else {
			bool strict = !strcmp(steps[i][0], "strict");

			assert_int_equal(ft_delete(&live, &f, strict, f.out_port, NULL), 0);
			xs_journal_del(&j, &f, strict);
		}
		ofp_flow_free(&f);
		if (i % 3 == 2)
			assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);
	}
	xs_journal_port(&j, "p2", 2, true);
	xs_journal_unport(&j, "p1");
	assert_int_equal(xs_journal_commit(&j, why, sizeof(why)), 0);
	/* and a torn batch that must not show */
	assert_int_equal(xs_journal_port(&j, "p3", 3, false), 0);
	text = slurp(jpath, &len);
	xs_journal_close(&j);
	text = realloc(text, len + 16);
	strcat(text, "port p3 3\n");
	spill(jpath, text, strlen(text));
	free(text);

	flow_tables_init(&back);
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), 0);
	assert_int_equal(st.gen, 4);
	assert_int_equal(scan.batches, 3);
	assert_int_equal(scan.records, 10);
	assert_true(scan.torn_line > 0);
	assert_int_equal(st.n_ports, 1);
	assert_string_equal(st.ports[0].name, "p2");
	assert_true(st.ports[0].created_qdisc);
	assert_int_equal(st.n_flows, 0);
	dump(&live, a, sizeof(a));
	dump(&back, b, sizeof(b));
	assert_string_equal(a, b);
	assert_non_null(strstr(b, "cookie=0x33, table=0, priority=7,tcp actions=output:5"));
	assert_non_null(strstr(b, "nw_dst=10.0.0.1 actions=output:3"));
	assert_null(strstr(b, "arp"));
	xs_state_free(&st);
	flow_tables_destroy(&back);

	/* without a modify operation a mod record cannot be replayed */
	flow_tables_init(&back);
	assert_int_equal(xs_state_load(spath, jpath, NULL, 0, &back, &st, &scan, why, sizeof(why)),
			 -EOPNOTSUPP);
	assert_non_null(strstr(why, ": a mod record, and this agent cannot modify flows"));
	assert_int_equal(back.n_rules, 0);
	assert_null(st.ports);

	/* the snapshot moved on (a crash before its journal): journal stale */
	assert_int_equal(xs_state_write(spath, 5, &live, NULL, 0, NULL, why, sizeof(why)), 0);
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), 0);
	assert_true(scan.stale);
	assert_int_equal(scan.batches, 0);
	assert_int_equal(st.n_ports, 0);
	assert_int_equal(back.n_rules, live.n_rules);
	xs_state_free(&st);
	flow_tables_destroy(&back);

	/* a version 1 snapshot (before journals): loads as generation 0, and
	 * no journal applies to it */
	text = "xdpswitch-state 1\nport a 1 clsact\nflow priority=5,udp actions=output:1\n"
	       "flow table=1,actions=drop\n";
	spill(spath, text, strlen(text));
	flow_tables_init(&back);
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), 0);
	assert_int_equal(st.gen, 0);
	assert_true(scan.stale);
	assert_int_equal(back.n_rules, 2);
	assert_int_equal(st.n_ports, 1);
	assert_true(st.ports[0].created_qdisc);
	xs_state_free(&st);
	flow_tables_destroy(&back);

	/* no snapshot: nothing, whatever journal lies around */
	unlink(spath);
	flow_tables_init(&back);
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), -ENOENT);
	assert_int_equal(back.n_rules, 0);

	/* a damaged journal: the error names it, nothing restored */
	assert_int_equal(xs_state_write(spath, 9, &live, ports, 1, NULL, why, sizeof(why)), 0);
	text = "xdpswitch-journal 1 gen 9\nport x 9\ncommit 1 00000000\nport y 8\ncommit 1 "
	       "00000000\n";
	spill(jpath, text, strlen(text));
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), -EINVAL);
	snprintf(a, sizeof(a), "%s:3: the batch from line 2 fails its checksum", jpath);
	assert_memory_equal(why, a, strlen(a));
	assert_int_equal(back.n_rules, 0);
	assert_null(st.ports);
	assert_int_equal(st.n_ports, 0);
	/* a damaged snapshot: its own error */
	spill(spath, "xdpswitch-state 2 gen 9\nflow nonsense\n", 38);
	assert_int_equal(xs_state_load(spath, jpath, ft_modify, 0, &back, &st, &scan, why,
				       sizeof(why)), -EINVAL);
	snprintf(a, sizeof(a), "%s:2:", spath);
	assert_memory_equal(why, a, strlen(a));
	flow_tables_destroy(&back);
	flow_tables_destroy(&live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_every_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_load, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
