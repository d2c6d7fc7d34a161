// SPDX-License-Identifier: Apache-2.0
/* Compact megaflow records on the real fast path (datapath.h): a record
 * longer than a slot (the exact mask's 16 words, a long action list) is
 * found, compared and executed across its slots, in XDP and in the TC
 * stage; modify swaps records of different lengths; a restart adopts
 * chained records; maps pinned with the old slot layout are refused. */
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/bpf/dp_fixture.h"
#include "agent/datapath/dp_internal.h"

static char pin_dir[64];

/* Runs @pkt through XDP as if from port 1; the frame as it leaves in @out. */
static int run_out(struct xs_dp *dp, const uint8_t *pkt, size_t len, uint8_t *out)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = 1 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = 256,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	if (bpf_prog_test_run_opts(xs_dp_xdp_prog_fd(dp), &o))
		return -errno;
	assert_int_equal(o.data_size_out, len);
	return o.retval;
}

/* Nine actions: six rewrites, TTL 9 down by two, back out of port 1. */
static uint16_t long_list(struct xs_action *a)
{
	uint16_t n = 0;

	memset(a, 0, XS_MAX_ACTIONS * sizeof(*a));
	a[n].type = XS_ACT_SET_ETH_SRC;
	memcpy(a[n++].u.mac, "\x02\x11\x11\x11\x11\x11", 6);
	a[n].type = XS_ACT_SET_ETH_DST;
	memcpy(a[n++].u.mac, "\x02\x22\x22\x22\x22\x22", 6);
	a[n].type = XS_ACT_SET_IPV4_SRC;
	a[n++].u.be32[0] = htonl(0x0a090909);
	a[n].type = XS_ACT_SET_IPV4_DST;
	a[n++].u.be32[0] = htonl(0x0a080808);
	a[n].type = XS_ACT_SET_TP_SRC;
	a[n++].u.be16[0] = htons(4444);
	a[n].type = XS_ACT_SET_TP_DST;
	a[n++].u.be16[0] = htons(5555);
	a[n].type = XS_ACT_SET_NW_TTL;
	a[n++].u.bytes[0] = 9;
	a[n++].type = XS_ACT_DEC_TTL;
	a[n++].type = XS_ACT_DEC_TTL;
	a[n].type = XS_ACT_OUTPUT;
	a[n++].arg = 1;
	return n;
}

static void expect_rewritten_src(const uint8_t *f, const void *src)
{
	assert_memory_equal(f + 6, src, 6);
	assert_memory_equal(f, "\x02\x22\x22\x22\x22\x22", 6);
	assert_int_equal(f[14 + 8], 7);                                      /* TTL */
	assert_memory_equal(f + 14 + 12, "\x0a\x09\x09\x09\x0a\x08\x08\x08", 8);
	assert_memory_equal(f + 34, "\x11\x5c\x15\xb3", 4);                  /* ports */
}

static void expect_rewritten(const uint8_t *f)
{
	expect_rewritten_src(f, "\x02\x11\x11\x11\x11\x11");
}

/* The exact mask (16 words: the head's 13 and 3 in the next slot) with
 * ten actions: a record of four slots. The packet matches it, a key that
 * differs only in a word of the second slot is another megaflow. */
static void test_long_record_runs(void **state)
{
	struct xs_flow_key key, mask, other;
	struct xs_action a[XS_MAX_ACTIONS], out = { .type = XS_ACT_OUTPUT, .arg = 1 };
	struct xs_flow_handle h, h2;
	struct xs_flow_stats fs;
	struct xs_dp_flow f;
	uint8_t pkt[128], frame[256];
	size_t len = fx_udp4(pkt, 3);
	uint64_t s0[XS_STAT__MAX], s1[XS_STAT__MAX];
	uint16_t n = long_list(a);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	dp = fx_open(64);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	fx_key(pkt, len, 1, &key);
	xs_dp_exact_mask(&mask);
	assert_int_equal(xs_record_slots(XS_FLOW_KEY_WORDS, n), 4);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, a, n, XS_MF_F_XDP, &h), 0);
	/* a second megaflow of the same mask, apart in word 15 only (in the
	 * record's second slot) */
	other = key;
	other.ct_ipv6_dst[15] = 1;
	assert_int_equal(xs_dp_flow_install(dp, &other, &mask, NULL, 0, XS_MF_F_XDP, &h2), 0);

	fx_stats(dp, s0);
	memset(frame, 0, sizeof(frame));
	assert_int_equal(run_out(dp, pkt, len, frame), XDP_TX);
	expect_rewritten(frame);
	assert_int_equal(run_out(dp, pkt, len, frame), XDP_TX); /* microflow hit */
	expect_rewritten(frame);
	fx_stats(dp, s1);
	assert_int_equal(s1[XS_STAT_MEGAFLOW_HIT] - s0[XS_STAT_MEGAFLOW_HIT], 1);
	assert_int_equal(s1[XS_STAT_MICROFLOW_HIT] - s0[XS_STAT_MICROFLOW_HIT], 1);
	assert_int_equal(s1[XS_STAT_EXEC_ERROR], s0[XS_STAT_EXEC_ERROR]);
	assert_int_equal(xs_dp_flow_stats(dp, h, &fs), 0);
	assert_int_equal(fs.packets, 2);
	assert_int_equal(xs_dp_flow_stats(dp, h2, &fs), 0);
	assert_int_equal(fs.packets, 0);
	assert_int_equal(xs_dp_flow_find(dp, &other, &mask, &h2), 0);
	assert_int_equal(xs_dp_flow_find(dp, &key, &mask, &h), 0);

	/* modify to one action: one slot for the list, the counters carried */
	assert_int_equal(xs_dp_flow_modify(dp, &h, &out, 1, XS_MF_F_XDP), 0);
	assert_int_equal(run_out(dp, pkt, len, frame), XDP_TX);
	assert_memory_equal(frame, pkt, len);
	/* and back to the long list, in the TC stage this time */
	assert_int_equal(xs_dp_flow_modify(dp, &h, a, n, 0), 0);
	assert_int_equal(run_out(dp, pkt, len, frame), XDP_PASS);
	assert_int_equal(xs_dp_flow_stats(dp, h, &fs), 0);
	assert_int_equal(fs.packets, 4);
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	assert_int_equal(f.n_actions, n);
	assert_memory_equal(f.actions, a, n * sizeof(a[0]));

	/* gone: a miss */
	assert_int_equal(xs_dp_flow_remove(dp, h2, NULL), 0);
	assert_int_equal(xs_dp_flow_remove(dp, h, NULL), 0);
	fx_stats(dp, s0);
	assert_int_equal(run_out(dp, pkt, len, frame), XDP_DROP);
	fx_stats(dp, s1);
	assert_int_equal(s1[XS_STAT_MISS] - s0[XS_STAT_MISS], 1);
	xs_dp_close(dp);
}

/* A long list the TC stage's executor runs, on a veth: every slot's
 * actions reach the frame that leaves. */
static void test_long_record_tc(void **state)
{
	struct xs_flow_key key, mask;
	struct xs_action a[XS_MAX_ACTIONS];
	struct xs_flow_handle h;
	struct fx_veth v;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 5);
	uint16_t n = long_list(a);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	fx_veth_up(&v);
	dp = fx_open(64);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);
	a[n - 1].arg = v.a;
	memcpy(a[0].u.mac, pkt + 6, 6); /* the capture keeps the test's source */
	fx_key(pkt, len, 1, &key);
	memset(&mask, 0, sizeof(mask));
	mask.in_port = 0xffffffff;
	mask.nw_dst = 0xffffffff;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, a, n, 0, &h), 0);
	/* the megaflow's record, by re-injection (xs_tc_exec) */
	assert_int_equal(xs_dp_execute(dp, 1, pkt, len, h), 0);
	assert_int_equal(fx_cap_wait(&v, 1), 1);
	static struct fx_cap_frame f;
	fx_cap_frame(&v, 0, &f);
	expect_rewritten_src(f.data, pkt + 6);
	/* a list without a megaflow: the scratch slot and its continuations */
	a[2].u.be32[0] = htonl(0x0a070707);
	assert_int_equal(xs_dp_execute_actions(dp, 1, pkt, len, a, n, 0), 0);
	assert_int_equal(fx_cap_wait(&v, 2), 2);
	fx_cap_frame(&v, 1, &f);
	assert_memory_equal(f.data + 14 + 12, "\x0a\x07\x07\x07\x0a\x08\x08\x08", 8);
	assert_int_equal(f.data[14 + 8], 7);
	xs_dp_close(dp);
	fx_veth_down(&v);
}

/* Agent gone and back: chained records adopted whole (their continuation
 * slots are not handed out again), and they still run. */
static void test_long_record_adopted(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64 };
	struct xs_flow_key key, mask, k2;
	struct xs_action a[XS_MAX_ACTIONS];
	struct xs_flow_handle h, hx;
	struct xs_dp_flow f;
	uint8_t pkt[128], frame[256];
	size_t len = fx_udp4(pkt, 7);
	uint16_t n = long_list(a);
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-rec-%d", (int)getpid());
	xs_dp_unpin(pin_dir);
	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	fx_key(pkt, len, 1, &key);
	xs_dp_exact_mask(&mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, a, n, XS_MF_F_XDP, &h), 0);
	xs_dp_close(dp);

	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_flow_count(dp), 1);
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	assert_int_equal(f.n_actions, n);
	assert_memory_equal(f.actions, a, n * sizeof(a[0]));
	assert_memory_equal(&f.key, &key, sizeof(key));
	assert_int_equal(run_out(dp, pkt, len, frame), XDP_TX);
	expect_rewritten(frame);
	/* every slot handed out now is none of the adopted record's */
	struct xs_flow_handle cont[XS_RECORD_MAX_SLOTS - 1];
	struct xs_action back[XS_MAX_ACTIONS];
	struct xs_mf_words w;
	uint32_t n_cont;
	assert_int_equal(xs_dp_record_read(dp, h.slot, &w, back, NULL, cont, &n_cont), 0);
	assert_int_equal(n_cont, 3);
	for (uint32_t i = 0; i < 40; i++) {
		k2 = key;
		k2.nw_src = htonl(i + 1);
		assert_int_equal(xs_dp_flow_install(dp, &k2, &mask, NULL, 0, 0, &hx), 0);
		assert_int_not_equal(hx.slot, h.slot);
		for (uint32_t c = 0; c < n_cont; c++)
			assert_int_not_equal(hx.slot, cont[c].slot);
	}
	assert_int_equal(run_out(dp, pkt, len, frame), XDP_TX);
	expect_rewritten(frame);
	xs_dp_close(dp);
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
}

/* Adoption refuses records it cannot trust, and keeps the rest: a
 * broken chain (a continuation not marked as one) and a record whose
 * chain runs into another record's slots (whichever of the two is
 * adopted second) are dropped with their hash entries, and no slot of a
 * dropped record stays taken. */
static void test_broken_records_dropped(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64 };
	struct xs_flow_key key[3], mask;
	struct xs_action a[XS_MAX_ACTIONS];
	struct xs_flow_handle h[3];
	struct xs_megaflow rec;
	char path[128];
	uint8_t pkt[128];
	uint16_t n = long_list(a);
	struct xs_dp *dp;
	uint32_t slot;
	int fd;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-rec-%d", (int)getpid());
	xs_dp_unpin(pin_dir);
	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	memset(&mask, 0, sizeof(mask));
	mask.in_port = 0xffffffff;
	mask.nw_dst = 0xffffffff;
	/* 2 words and 10 actions: 3 slots each, the words in the head only */
	assert_int_equal(xs_record_slots(2, n), 3);
	for (int i = 0; i < 3; i++) {
		fx_key(pkt, fx_udp4(pkt, 20 + i), 1, &key[i]);
		assert_int_equal(xs_dp_flow_install(dp, &key[i], &mask, a, n, 0, &h[i]), 0);
	}
	assert_int_equal(dp->slots.n_used, 9);
	xs_dp_close(dp);

	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_FLOWS);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	/* record 1 goes on into record 0's continuations */
	assert_int_equal(bpf_map_lookup_elem(fd, &h[0].slot, &rec), 0);
	slot = rec.next;
	assert_int_equal(bpf_map_lookup_elem(fd, &h[1].slot, &rec), 0);
	rec.next = slot;
	assert_int_equal(bpf_map_update_elem(fd, &h[1].slot, &rec, BPF_EXIST), 0);
	/* record 2's first continuation is not marked as one */
	assert_int_equal(bpf_map_lookup_elem(fd, &h[2].slot, &rec), 0);
	slot = rec.next;
	assert_int_equal(bpf_map_lookup_elem(fd, &slot, &rec), 0);
	rec.flags = 0;
	assert_int_equal(bpf_map_update_elem(fd, &slot, &rec, BPF_EXIST), 0);
	close(fd);

	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_flow_count(dp), 1);
	assert_true(!xs_dp_flow_find(dp, &key[0], &mask, &h[2]) ||
		    !xs_dp_flow_find(dp, &key[1], &mask, &h[2]));
	assert_int_equal(xs_dp_flow_find(dp, &key[2], &mask, &h[2]), -ENOENT);
	assert_int_equal(dp->slots.n_used, 3); /* the one record's slots */
	xs_dp_close(dp);
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
}

/* Maps pinned by an agent of the old layout (392-byte action slots,
 * 136-byte hash values) are refused, not adopted, and left as they were. */
static void test_old_layout_refused(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64 };
	char path[128];
	struct xs_dp *dp = NULL;
	struct stat sb;
	LIBBPF_OPTS(bpf_map_create_opts, hopts, .map_flags = BPF_F_NO_PREALLOC);
	int fd;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-rec-%d", (int)getpid());
	xs_dp_unpin(pin_dir);
	assert_int_equal(mkdir(pin_dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_MEGAFLOWS);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, XS_MAP_MEGAFLOWS, 16, 136, 64, &hopts);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_FLOWS);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, XS_MAP_FLOWS, 4, 392,
			    xs_dp_slots_for(64) + XS_RECORD_MAX_SLOTS - 1, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	fx_private_netns();
	/* -EINVAL: the agent then says how to remove them (explain_pins) */
	assert_int_equal(xs_dp_open(&o, &dp), -EINVAL);
	assert_null(dp);
	assert_int_equal(stat(path, &sb), 0);
	xs_dp_unpin(pin_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_record_runs),
		cmocka_unit_test(test_long_record_tc),
		cmocka_unit_test(test_long_record_adopted),
		cmocka_unit_test(test_broken_records_dropped),
		cmocka_unit_test(test_old_layout_refused),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	fx_cleanup();
	return failed;
}
