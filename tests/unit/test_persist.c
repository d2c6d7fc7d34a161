// SPDX-License-Identifier: Apache-2.0
/* The agent's batched, journaled table changes (agent/daemon/persist.h),
 * driven in-process on the userspace datapath (no root): one revalidation
 * (a pass of the revalidator) and one
 * journal batch per batch of requests, pipelined requests on one control
 * connection answered in order after one commit, command deletes as one
 * record and timeouts as strict deletes, snapshots (start, replace-flows,
 * compaction, after failures), and the restore of all of it. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/dp_xs.h"
#include "agent/daemon/state_file.h"

static char dir[64];
static struct xs_agent agent;
static uint64_t passes0;

/* Full revalidator passes since the setup. */
#define n_reval ((int)(agent.dp->reval.passes - passes0))

/* An agent for bridge tj0 on the userspace datapath in a private run
 * directory, serving (its control socket open), after its first
 * snapshot. */
static int setup(void **state)
{
	struct xs_agent_opts o = { .bridge = "tj0", .datapath = "dummy" };
	char why[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xsh-persist-%d", (int)getpid());
	mkdir(dir, 0700);
	setenv("XS_RUN_DIR", dir, 1);
	if (xs_agent_init(&agent, &o, NULL) || xs_bridge_dp_open(&agent, why, sizeof(why)) ||
	    xs_ctl_server_open(&agent.ctl, agent.sock_path))
		return -1;
	xs_agent_tables_changed(&agent);
	passes0 = agent.dp->reval.passes;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	xs_agent_fini(&agent);
	unsetenv("XS_RUN_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static char *slurp(const char *path)
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
	return buf;
}

static int count_lines(const char *path, const char *prefix)
{
	char *text = slurp(path);
	int n = 0;

	for (char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	free(text);
	return n;
}

/* Runs one request as the control server would, outside a batch. */
static int run(const char *const *argv, int argc, char *out, size_t size)
{
	struct xs_ctl_buf b;
	int status;

	xs_ctl_buf_init(&b);
	status = xs_agent_handle_request(&agent, argc, (char **)argv, &b);
	snprintf(out, size, "%s", b.data ? b.data : "");
	xs_ctl_buf_free(&b);
	return status;
}

static void add_flow(const char *flow)
{
	const char *argv[] = { "add-flow", flow };
	char out[256];

	assert_int_equal(run(argv, 2, out, sizeof(out)), 0);
}

/* What a restart would restore equals the live tables and ports. */
static void check_restorable(void)
{
	const struct ft_rule **v;
	struct flow_tables back;
	struct xs_journal_scan scan;
	struct xs_state st;
	char why[512] = "";
	long n, m;

	flow_tables_init(&back);
	assert_int_equal(xs_state_load(agent.state_path, agent.persist.journal_path, ft_modify, 0,
				       &back, &st, &scan, why, sizeof(why)), 0);
	assert_int_equal(st.gen, agent.persist.gen);
	assert_false(scan.stale);
	assert_int_equal(scan.torn_line, 0);
	assert_int_equal(back.n_rules, agent.pipeline->n_rules);
	n = ft_collect(agent.pipeline, &v);
	for (long i = 0; i < n; i++) {
		struct ofp_flow f;

		ft_rule_flow(v[i], &f);
		assert_non_null(cls_find_exact(&back.tables[f.table_id], &f.match, f.priority));
	}
	free(v);
	m = (long)agent.ports.n;
	assert_int_equal(st.n_ports, m);
	for (long i = 0; i < m; i++)
		assert_string_equal(st.ports[i].name, agent.ports.ports[i].name);
	xs_state_free(&st);
	flow_tables_destroy(&back);
}

/* The start: snapshot of generation 1, an empty journal of generation 1. */
static void test_start_snapshot(void **state)
{
	char *text;

	(void)state;
	assert_int_equal(agent.persist.gen, 1);
	assert_int_equal(agent.persist.snapshots, 1);
	text = slurp(agent.persist.journal_path);
	assert_string_equal(text, "xdpswitch-journal 1 gen 1\n");
	free(text);
	text = slurp(agent.state_path);
	assert_string_equal(text, "xdpswitch-state 2 gen 1\n");
	free(text);
	/* nothing changed: a commit writes nothing */
	xs_agent_commit(&agent);
	assert_int_equal(count_lines(agent.persist.journal_path, "commit "), 0);
	assert_int_equal(n_reval, 0);
}

/* Several requests in one batch: one revalidation, one journal batch,
 * records in order; outside a batch each change commits at once. */
static void test_batch_commits_once(void **state)
{
	const char *del[] = { "del-flows", "--strict", "priority=7,udp" };
	const char *bad[] = { "add-flow", "frob=1 actions=drop" };
	char out[256], *text;

	(void)state;
	xs_agent_batch_begin(&agent);
	add_flow("priority=7,udp actions=output:1");
	add_flow("priority=8,tcp actions=output:2");
	assert_int_equal(run(bad, 2, out, sizeof(out)), 1); /* changes nothing */
	assert_int_equal(run(del, 3, out, sizeof(out)), 0);
	add_flow("table=1,arp actions=drop");
	assert_int_equal(n_reval, 0);
	assert_int_equal(count_lines(agent.persist.journal_path, "commit "), 0);
	xs_agent_batch_end(&agent);
	assert_int_equal(n_reval, 1);
	text = slurp(agent.persist.journal_path);
	assert_non_null(strstr(text, "\nadd table=0, priority=7,udp actions=output:1\n"
			       "add table=0, priority=8,tcp actions=output:2\n"
			       "del strict priority=7,udp\n"
			       "add table=1, arp actions=drop\ncommit 4 "));
	free(text);
	assert_int_equal(agent.persist.batches, 1);

	add_flow("priority=9,icmp actions=drop");
	assert_int_equal(n_reval, 2);
	assert_int_equal(count_lines(agent.persist.journal_path, "commit "), 2);
	/* a delete that removes nothing is no change: no record, no batch */
	assert_int_equal(run(del, 3, out, sizeof(out)), 0);
	assert_int_equal(count_lines(agent.persist.journal_path, "commit "), 2);
	check_restorable();
}

/* A command's delete is one record however many rules it removes; rules
 * removed behind the commands' back (the revalidator's timeouts) are
 * journaled one strict delete each when the datapath saves. */
static void test_deletes(void **state)
{
	const char *del[] = { "del-flows", "cookie=0x10/0xf0,udp" };
	const struct ft_rule **v;
	char out[256], *text;
	long n;

	(void)state;
	add_flow("cookie=0x11,priority=1,udp,tp_dst=1 actions=drop");
	add_flow("cookie=0x12,priority=2,udp,tp_dst=2 actions=drop");
	add_flow("cookie=0x13,priority=3,udp,tp_dst=3 actions=drop");
	add_flow("cookie=0x20,priority=4,udp,tp_dst=4 actions=drop");
	add_flow("table=2,idle_timeout=5,priority=5,tcp,tp_dst=80 actions=output:3");
	assert_int_equal(run(del, 2, out, sizeof(out)), 0);
	assert_int_equal(agent.pipeline->n_rules, 2);
	assert_int_equal(count_lines(agent.persist.journal_path, "del "), 1);

	/* the rule's idle time runs out: the revalidator's tick removes it
	 * and the datapath side saves */
	n = ft_collect(agent.pipeline, &v);
	for (long i = 0; i < n; i++)
		if (v[i]->idle_timeout) {
			((struct ft_rule *)v[i])->created_ms -= 6000;
			((struct ft_rule *)v[i])->used_ms -= 6000;
		}
	free(v);
	xs_bridge_dp_tick(&agent);
	text = slurp(agent.persist.journal_path);
	assert_non_null(strstr(text, "\ndel strict table=2, priority=5,tcp,tp_dst=80\ncommit 1 "));
	free(text);
	assert_int_equal(agent.pipeline->n_rules, 1);
	check_restorable();
}

/* Ports are journaled as they are attached and detached. */
static void test_ports(void **state)
{
	const char *attach[] = { "attach", "p9=9" };
	const char *detach[] = { "detach", "p9" };
	char out[256];

	(void)state;
	assert_int_equal(run(attach, 2, out, sizeof(out)), 0);
	assert_int_equal(count_lines(agent.persist.journal_path, "port p9 9"), 1);
	check_restorable();
	assert_int_equal(run(detach, 2, out, sizeof(out)), 0);
	assert_int_equal(count_lines(agent.persist.journal_path, "unport p9"), 1);
	assert_int_equal(n_reval, 2);
	check_restorable();
}

/* replace-flows is saved as a snapshot of the next generation, with the
 * rest of its batch; the journal starts again. */
static void test_replace_snapshots(void **state)
{
	const char *replace[] = { "replace-flows", "r.flows", "priority=3,udp actions=output:1\n" };
	char out[256], *text;

	(void)state;
	add_flow("priority=1,tcp actions=drop");
	xs_agent_batch_begin(&agent);
	add_flow("priority=2,arp actions=drop");
	assert_int_equal(run(replace, 3, out, sizeof(out)), 0);
	add_flow("priority=4,icmp actions=drop");
	xs_agent_batch_end(&agent);
	assert_int_equal(agent.persist.gen, 2);
	assert_int_equal(n_reval, 2);
	text = slurp(agent.persist.journal_path);
	assert_string_equal(text, "xdpswitch-journal 1 gen 2\n");
	free(text);
	text = slurp(agent.state_path);
	assert_memory_equal(text, "xdpswitch-state 2 gen 2\n", 24);
	assert_non_null(strstr(text, "udp"));
	assert_non_null(strstr(text, "icmp"));
	assert_null(strstr(text, "arp"));
	free(text);
	check_restorable();
}

/* A journal is never let grow past max(1 MiB, snapshot size): the batch
 * that would is saved as a snapshot instead. */
static void test_compaction(void **state)
{
	const char *file[] = { "add-flows", "big.flows", NULL };
	char out[256], *text, line[96];
	size_t len = 0, cap = 4u << 20;
	char *flows = malloc(cap);

	(void)state;
	for (int i = 0; i < 24000; i++) {
		len += (size_t)snprintf(flows + len, cap - len,
					"priority=100,ip,nw_dst=10.0.%d.%d actions=output:%d\n",
					i / 256, i % 256, 1 + i % 4);
		if (i == 11999)
			len++; /* two files: the first 12000 flows, the rest */
	}
	/* the first, about 0.8 MB: journaled */
	file[2] = flows;
	assert_int_equal(run(file, 3, out, sizeof(out)), 0);
	assert_int_equal(agent.persist.gen, 1);
	assert_int_equal(count_lines(agent.persist.journal_path, "commit 12000 "), 1);
	/* the second half would take the journal past 1 MiB: a snapshot */
	file[2] = flows + strlen(flows) + 1;
	assert_int_equal(run(file, 3, out, sizeof(out)), 0);
	assert_int_equal(agent.persist.gen, 2);
	assert_int_equal(agent.persist.snapshots, 2);
	text = slurp(agent.persist.journal_path);
	assert_string_equal(text, "xdpswitch-journal 1 gen 2\n");
	free(text);
	assert_int_equal(agent.pipeline->n_rules, 24000);
	check_restorable();
	/* the snapshot (1.6 MB) is now the limit: small changes journal again */
	assert_true(agent.persist.snapshot_bytes > (1u << 20));
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "priority=5,udp,tp_dst=%d actions=drop", i);
		add_flow(line);
	}
	assert_int_equal(agent.persist.gen, 2);
	assert_int_equal(count_lines(agent.persist.journal_path, "commit 1 "), 3);
	check_restorable();
	free(flows);
}

/* Failures: a journal that cannot be appended to, a snapshot that cannot
 * be written, a journal that cannot be created. Each change still ends up
 * on disk as soon as writing works again. */
static void test_failures(void **state)
{
	char tmp[160];
	int full;

	(void)state;
	add_flow("priority=1,tcp actions=drop");
	/* the disk fills up under the journal: a snapshot instead */
	full = open("/dev/full", O_WRONLY);
	dup2(full, agent.persist.journal.fd);
	close(full);
	add_flow("priority=2,tcp actions=drop");
	assert_int_equal(agent.persist.gen, 2);
	assert_true(agent.persist.journal.fd >= 0);
	check_restorable();

	/* the snapshot cannot be written: the change is lost to a restart,
	 * nothing more is appended to the old journal, the next change
	 * writes a snapshot again */
	snprintf(tmp, sizeof(tmp), "%s.tmp", agent.state_path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	agent.persist.snapshot_due = true;
	add_flow("priority=3,tcp actions=drop");
	assert_int_equal(agent.persist.gen, 2);
	assert_int_equal(agent.persist.journal.fd, -1);
	assert_true(agent.persist.unsaved);
	rmdir(tmp);
	add_flow("priority=4,tcp actions=drop");
	assert_int_equal(agent.persist.gen, 3);
	assert_false(agent.persist.unsaved);
	check_restorable();

	/* the new journal cannot be created: the snapshot holds everything
	 * and the next change writes a snapshot again */
	snprintf(tmp, sizeof(tmp), "%s.tmp", agent.persist.journal_path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	agent.persist.snapshot_due = true;
	add_flow("priority=5,tcp actions=drop");
	assert_int_equal(agent.persist.gen, 4);
	assert_int_equal(agent.persist.journal.fd, -1);
	rmdir(tmp);
	add_flow("priority=6,tcp actions=drop");
	assert_int_equal(agent.persist.gen, 5);
	assert_true(agent.persist.journal.fd >= 0);
	check_restorable();

	/* a stopping agent saves nothing more */
	xs_agent_persist_fini(&agent);
	add_flow("priority=7,tcp actions=drop");
	assert_int_equal(agent.persist.gen, 5);
}

/* Pipelined requests on one connection: one batch, one revalidation, one
 * journal batch, the answers in request order (a bad one in the middle
 * answered as such, changing nothing). */
static void test_pipelined_requests(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xs_ctl_buf frames, frame, payload;
	char flow[96], *text;
	int fd, status;
	const char *t;
	size_t tl;

	(void)state;
	xs_ctl_buf_init(&frames);
	xs_ctl_buf_init(&frame);
	xs_ctl_buf_init(&payload);
	for (int i = 0; i < 200; i++) {
		char *argv[2] = { "add-flow", flow };

		if (i == 50)
			snprintf(flow, sizeof(flow), "priority=1,tp_dst=9 actions=drop");
		else
			snprintf(flow, sizeof(flow), "priority=%d,udp actions=output:1", 100 + i);
		assert_int_equal(xs_ctl_encode_request(2, argv, &frame), 0);
		xs_ctl_append(&frames, frame.data, frame.len);
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", agent.sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(xs_ctl_write_all(fd, frames.data, frames.len), 0);
	shutdown(fd, SHUT_WR);
	assert_int_equal(xs_ctl_server_serve(&agent.ctl, &xs_agent_ctl_ops, &agent), 0);
	assert_int_equal(agent.ctl.conn, -1); /* the client hung up */
	assert_int_equal(n_reval, 1);
	assert_int_equal(agent.persist.batches, 1);
	text = slurp(agent.persist.journal_path);
	assert_non_null(strstr(text, "\ncommit 199 "));
	free(text);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(xs_ctl_read_frame(fd, XS_CTL_MAX_RESPONSE, &payload), 0);
		assert_int_equal(xs_ctl_decode_response(payload.data, payload.len, &status, &t,
							&tl), 0);
		assert_int_equal(status, i == 50 ? 1 : 0);
		if (i == 50)
			assert_memory_equal(t, "add-flow: column 12: tp_dst requires", 36);
		else
			assert_int_equal(tl, 0);
	}
	assert_int_equal(xs_ctl_read_frame(fd, XS_CTL_MAX_RESPONSE, &payload), -ENODATA);
	close(fd);
	assert_int_equal(agent.pipeline->n_rules, 199);
	check_restorable();
	xs_ctl_buf_free(&frames);
	xs_ctl_buf_free(&frame);
	xs_ctl_buf_free(&payload);
}

/* Restore: snapshot + journal back into a new agent's tables; a torn
 * tail noted and left out; a damaged journal refused with file, line and
 * what to do; a journal without a snapshot removed. */
static void test_load_state(void **state)
{
	struct xs_agent_opts o = { .bridge = "tj0", .no_datapath = true };
	struct xs_agent b;
	struct xs_state st;
	char why[1024] = "", *text, want[512];
	FILE *f;

	(void)state;
	add_flow("priority=1,tcp actions=drop");
	add_flow("priority=2,udp actions=drop");
	f = fopen(agent.persist.journal_path, "a");
	fputs("add priority=3,arp actions=drop\n", f); /* no commit: torn */
	fclose(f);
	assert_int_equal(xs_agent_init(&b, &o, NULL), 0);
	assert_int_equal(xs_agent_load_state(&b, &st, why, sizeof(why)), 0);
	assert_int_equal(b.pipeline->n_rules, 2);
	assert_int_equal(b.persist.gen, 1);
	assert_true(b.pipeline->on_delete != NULL); /* the agent's hook stays */
	xs_state_free(&st);
	xs_agent_fini(&b);

	/* corrupt: a flipped byte in the first batch, a batch after it */
	text = slurp(agent.persist.journal_path);
	text[strlen("xdpswitch-journal 1 gen 1\nadd table=0, prio")] ^= 0x20;
	f = fopen(agent.persist.journal_path, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_equal(xs_agent_init(&b, &o, NULL), 0);
	assert_int_equal(xs_agent_load_state(&b, &st, why, sizeof(why)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: the batch from line 2 fails its checksum",
		 agent.persist.journal_path);
	assert_memory_equal(why, want, strlen(want));
	snprintf(want, sizeof(want), "; nothing restored: move the journal away to start from "
		 "the snapshot %s alone, without the journal's changes", agent.state_path);
	assert_non_null(strstr(why, want));
	assert_int_equal(b.pipeline->n_rules, 0);
	xs_agent_fini(&b);

	/* a journal without its snapshot: removed, nothing restored */
	unlink(agent.state_path);
	assert_int_equal(xs_agent_init(&b, &o, NULL), 0);
	assert_int_equal(xs_agent_load_state(&b, &st, why, sizeof(why)), -ENOENT);
	assert_int_equal(access(agent.persist.journal_path, F_OK), -1);
	xs_agent_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_snapshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_commits_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deletes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_snapshots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_state, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
