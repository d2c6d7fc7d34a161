// SPDX-License-Identifier: Apache-2.0
/* The miss path's batches on the real fast path: megaflows installed in
 * one batch (xs_dp_flow_install_batch) as calls in order would have them,
 * and re-injection in userspace (agent/dpif/xdp_exec.h): the bytes the
 * fast path's executor sends, the counters it would have counted, and
 * what it leaves to the fast path. */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tests/bpf/dp_fixture.h"
#include "agent/dpif/xdp_exec.h"

static const uint8_t new_dst[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x99 };

/* Megaflow for fx_udp4(i) on port 1: in_port, dl_type and nw_dst exact
 * (and nw_src too with @wide false: a second mask). */
static void udp_match(uint32_t i, bool wide, struct xs_flow_key *key, struct xs_flow_key *mask)
{
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, i);

	fx_key(pkt, len, 1, key);
	memset(mask, 0, sizeof(*mask));
	mask->in_port = 0xffffffff;
	mask->dl_type = 0xffff;
	mask->nw_dst = 0xffffffff;
	if (!wide)
		mask->nw_src = 0xffffffff;
}

/* A batch with a duplicate, a bad put, a second mask and one put too
 * many: each gets what a call in order would have given it, and every
 * installed megaflow forwards with zeroed counters. */
static void test_install_batch(void **state)
{
	struct xs_flow_key key[7], mask[7];
	struct xs_action out = { .type = XS_ACT_OUTPUT };
	struct xs_dp_put puts[7];
	struct xs_flow_stats fs;
	struct fx_veth v;
	uint8_t pkt[128];
	struct xs_dp *dp;
	/* frame of each put: 1 2 1 (dup) 3 (bad) 4 (second mask) 5 6 */
	const uint32_t frame[7] = { 1, 2, 1, 3, 4, 5, 6 };
	const int want[7] = { 0, 0, -EEXIST, -EINVAL, 0, 0, -ENOSPC };

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(4); /* room for 4: the duplicate takes none */
	fx_veth_up(&v);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	out.arg = v.a;
	for (int i = 0; i < 7; i++) {
		udp_match(frame[i], i != 4, &key[i], &mask[i]);
		puts[i] = (struct xs_dp_put){ .key = &key[i], .mask = &mask[i], .actions = &out,
					      .n_actions = 1, .flags = XS_MF_F_XDP };
	}
	puts[3].n_actions = XS_MAX_ACTIONS + 1; /* refused: a list too long */
	assert_int_equal(xs_dp_flow_install_batch(dp, puts, 7), 4);
	for (int i = 0; i < 7; i++)
		if (puts[i].err != want[i])
			fail_msg("put %d: got %d, want %d", i, puts[i].err, want[i]);
	assert_int_equal(xs_dp_flow_count(dp), 4);
	assert_int_equal(xs_dp_mask_count(dp), 2);
	for (int i = 0; i < 7; i++) {
		if (puts[i].err)
			continue;
		assert_int_equal(xs_dp_flow_stats(dp, puts[i].handle, &fs), 0);
		assert_int_equal(fs.packets, 0);
		size_t len = fx_udp4(pkt, frame[i]);
		/* the published masks and the slots find it: a redirect */
		assert_int_equal(fx_run(dp, 1, pkt, len), XDP_REDIRECT);
		assert_int_equal(xs_dp_flow_stats(dp, puts[i].handle, &fs), 0);
		assert_int_equal(fs.packets, 1);
		assert_int_equal(fs.bytes, len);
	}
	/* The duplicate's megaflow is the first put's. */
	struct xs_flow_handle h;
	assert_int_equal(xs_dp_flow_find(dp, &key[2], &mask[2], &h), 0);
	assert_int_equal(h.slot, puts[0].handle.slot);
	assert_int_equal(xs_dp_flow_install_batch(dp, puts, 0), 0);
	assert_int_equal(xs_dp_flow_install_batch(NULL, puts, 1), 0);
	fx_veth_down(&v);
	xs_dp_close(dp);
}

/* The userspace executor's frames are the fast path executor's, byte for
 * byte, for the same frame and actions; the credit is what the fast path
 * counts. */
static void test_exec_same_bytes(void **state)
{
	struct xs_xdp_exec *e;
	struct fx_cap_frame kf, uf;
	struct xs_flow_stats credit;
	struct fx_veth v;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 9);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(16);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	struct xs_action acts[4] = {
		{ .type = XS_ACT_SET_ETH_DST },
		{ .type = XS_ACT_SET_IPV4_DST, .u.be32 = { htonl(0x0a090807) } },
		{ .type = XS_ACT_SET_TP_DST, .u.be16 = { htons(4242) } },
		{ .type = XS_ACT_OUTPUT, .arg = v.a },
	};
	memcpy(acts[0].u.mac, new_dst, 6);
	assert_int_equal(xs_dp_execute_actions(dp, v.a, pkt, len, acts, 4, 0), 0);
	assert_int_equal(fx_cap_wait(&v, 1), 1);
	assert_int_equal(xs_xdp_exec_open(&e), 0);
	assert_int_equal(xs_xdp_exec_run(e, v.a, pkt, len, acts, 4, &credit), 0);
	assert_int_equal(fx_cap_wait(&v, 2), 2);
	fx_cap_frame(&v, 0, &kf);
	fx_cap_frame(&v, 1, &uf);
	assert_int_equal(uf.len, kf.len);
	assert_memory_equal(uf.data, kf.data, kf.len);
	assert_memory_not_equal(uf.data, pkt, len); /* rewritten */
	assert_int_equal(credit.packets, 1);
	assert_int_equal(credit.bytes, len);
	assert_true(credit.used_ns > 0);
	uint64_t run, sent, failed, dropped;
	xs_xdp_exec_counts(e, &run, &sent, &failed, &dropped);
	assert_true(run == 1 && sent == 1 && failed == 0);
	xs_xdp_exec_close(e);
	fx_veth_down(&v);
	xs_dp_close(dp);
}

/* Deferred frames wait for the end of the defer; a frame the kernel
 * refuses (no such port) is counted and the others still go. */
static void test_exec_defer_and_refusal(void **state)
{
	struct xs_action to_a, to_none = { .type = XS_ACT_OUTPUT, .arg = 0x7fffff00 };
	struct xs_xdp_exec *e;
	struct fx_veth v;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 3);
	uint64_t run, sent, failed, dropped;

	(void)state;
	xs_test_require_bpf();
	fx_veth_up(&v);
	to_a = (struct xs_action){ .type = XS_ACT_OUTPUT, .arg = v.a };
	assert_int_equal(xs_xdp_exec_open(&e), 0);
	xs_xdp_exec_defer(e, true);
	for (int i = 0; i < 3; i++)
		assert_int_equal(xs_xdp_exec_run(e, v.a, pkt, len, &to_a, 1, NULL), 0);
	assert_int_equal(xs_xdp_exec_run(e, v.a, pkt, len, &to_none, 1, NULL), 0);
	assert_int_equal(xs_xdp_exec_run(e, v.a, pkt, len, &to_a, 1, NULL), 0);
	usleep(50000);
	assert_int_equal(fx_cap_count(&v), 0);
	xs_xdp_exec_defer(e, false);
	assert_int_equal(fx_cap_wait(&v, 4), 4);
	fx_cap_expect(&v, 3, pkt, len);
	xs_xdp_exec_counts(e, &run, &sent, &failed, &dropped);
	assert_true(run == 5 && sent == 4 && failed == 1 && dropped == 0);
	/* an empty list drops, counted as the fast path counts it */
	assert_int_equal(xs_xdp_exec_run(e, v.a, pkt, len, NULL, 0, NULL), 0);
	xs_xdp_exec_counts(e, &run, &sent, &failed, &dropped);
	assert_true(run == 6 && sent == 4 && failed == 1 && dropped == 1);
	assert_int_equal(fx_cap_count(&v), 4);
	xs_xdp_exec_close(e);
	fx_veth_down(&v);
}

/* What needs the fast path's executor is left to it, nothing queued:
 * floods, conntrack, to-agent, an expiring TTL, a rewrite whose header
 * the frame lacks; frames beyond what a miss record carries. */
static void test_exec_leaves_the_rest(void **state)
{
	struct xs_action flood = { .type = XS_ACT_OUTPUT, .flags = XS_OUT_F_BROADCAST },
			 ct = { .type = XS_ACT_CT }, agent = { .type = XS_ACT_TO_AGENT },
			 dec = { .type = XS_ACT_DEC_TTL },
			 v6 = { .type = XS_ACT_SET_IPV6_SRC },
			 none = { .type = XS_ACT_NONE };
	struct xs_action out = { .type = XS_ACT_OUTPUT, .arg = 1 };
	struct xs_action lists[6][2] = { { out, flood }, { ct, out }, { agent, out },
					 { dec, out }, { v6, out }, { none, out } };
	static uint8_t big[XS_UPCALL_MAX_PKT + 1];
	struct xs_xdp_exec *e;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 3);
	uint64_t run, sent, failed, dropped;

	(void)state;
	xs_test_require_bpf();
	fx_private_netns();
	pkt[22] = 1; /* IPv4 TTL 1: dec_ttl expires */
	assert_int_equal(xs_xdp_exec_open(&e), 0);
	for (int i = 0; i < 6; i++)
		if (xs_xdp_exec_run(e, 1, pkt, len, lists[i], 2, NULL) != -EOPNOTSUPP)
			fail_msg("list %d ran in userspace", i);
	memcpy(big, pkt, len);
	assert_int_equal(xs_xdp_exec_run(e, 1, big, sizeof(big), &out, 1, NULL), -EMSGSIZE);
	xs_xdp_exec_counts(e, &run, &sent, &failed, &dropped);
	assert_true(run == 0 && sent == 0 && failed == 0);
	xs_xdp_exec_close(e);
}

/* Without CAP_NET_RAW there is no packet socket: the open says why (the
 * provider then re-injects every packet with test runs). */
static void test_exec_open_refused(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	xs_test_require_bpf();
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2];
		struct xs_xdp_exec *e = NULL;

		if (syscall(SYS_capget, &hdr, data))
			_exit(2);
		data[CAP_NET_RAW / 32].effective &= ~(1u << (CAP_NET_RAW % 32));
		if (syscall(SYS_capset, &hdr, data))
			_exit(3);
		_exit(xs_xdp_exec_open(&e) == -EPERM && !e ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A packet the agent ran itself is credited to its megaflow once; a
 * handle no longer installed is refused. */
static void test_credit(void **state)
{
	struct xs_flow_key key, mask;
	struct xs_action out = { .type = XS_ACT_OUTPUT, .arg = 7 };
	struct xs_flow_stats fs, add = { .packets = 1, .bytes = 60, .used_ns = 5,
					 .tcp_flags = htons(0x02) };
	struct xs_flow_handle h;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(16);
	udp_match(1, false, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &out, 1, XS_MF_F_XDP, &h), 0);
	assert_non_null(xs_dp_flow_peek(dp, h));
	assert_int_equal(xs_dp_flow_peek(dp, h)->actions[0].arg, 7);
	assert_int_equal(xs_dp_flow_credit(dp, h, &add), 0);
	assert_int_equal(xs_dp_flow_stats(dp, h, &fs), 0);
	assert_true(fs.packets == 1 && fs.bytes == 60 && fs.tcp_flags == htons(0x02));
	assert_int_equal(xs_dp_flow_remove(dp, h, &fs), 0);
	assert_int_equal(fs.packets, 1); /* the last counters carry it */
	assert_null(xs_dp_flow_peek(dp, h));
	assert_int_equal(xs_dp_flow_credit(dp, h, &add), -ENOENT);
	xs_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_batch),
		cmocka_unit_test(test_exec_same_bytes),
		cmocka_unit_test(test_exec_defer_and_refusal),
		cmocka_unit_test(test_exec_leaves_the_rest),
		cmocka_unit_test(test_exec_open_refused),
		cmocka_unit_test(test_credit),
	};

	fx_pin_cpu();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	fx_cleanup();
	return failed;
}
