// SPDX-License-Identifier: Apache-2.0
/* The fast path's action executor through BPF_PROG_TEST_RUN on the real
 * object: a megaflow matching every packet is installed straight into the
 * skeleton's maps, a frame runs through xs_xdp (or xs_tc), and the verdict,
 * the output frame byte by byte, checksums, counters and upcalls are
 * checked. Expected frames are built with tests/lib/packets.h, which
 * computes their checksums from scratch. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <poll.h>
#include <sys/socket.h>

#include "tests/lib/exec_cases.h"
#include "tests/lib/packets.h"
#include "agent/datapath/dp.h"
#include "agent/datapath/dp_internal.h"
#include "xdpswitch/datapath.h"
#include "xdpswitch.skel.h"
#include "capture.skel.h"

/* Names are pid-unique: two suites may run this test at once. */
static char veth_a[IFNAMSIZ], veth_b[IFNAMSIZ];

/* system() of a formatted command line. */
static int shell(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}
#define SLOT 1
#define LO XS_EXEC_PORT_IN         /* ingress port: lo */
#define PORT_VETH XS_EXEC_PORT_OUT /* replaced by veth_a's ifindex at install */
#define MAX_UPCALLS 8

static struct xdpswitch *skel;
static struct ring_buffer *rb;
static uint32_t veth_ifindex;
static uint32_t gen;
static struct xs_upcall upcalls[MAX_UPCALLS];
static int cap_fd = -1; /* packet socket on veth_b, for the TC tests */
static int n_upcalls;

/* --- fixture ------------------------------------------------------------- */

static int on_upcall(void *ctx, void *data, size_t size)
{
	(void)ctx;
	assert_int_equal(size, sizeof(struct xs_upcall));
	if (n_upcalls < MAX_UPCALLS)
		memcpy(&upcalls[n_upcalls], data, sizeof(struct xs_upcall));
	n_upcalls++;
	return 0;
}

/* Loads the object once (per-CPU state: the process stays on CPU 0) and
 * clears the upcalls seen. */
static void fixture(void)
{
	cpu_set_t set;

	xs_test_require_bpf();
	n_upcalls = 0;
	if (skel) {
		assert_true(ring_buffer__consume(rb) >= 0);
		n_upcalls = 0;
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	snprintf(veth_a, sizeof(veth_a), "xsx%u-a", (unsigned int)getpid());
	snprintf(veth_b, sizeof(veth_b), "xsx%u-b", (unsigned int)getpid());
	if (shell("ip link del %s 2>/dev/null; ip link add %s type veth peer name %s",
		  veth_a, veth_a, veth_b))
		fail_msg("cannot create veth pair %s/%s", veth_a, veth_b);
	veth_ifindex = if_nametoindex(veth_a);
	assert_true(veth_ifindex > 0);

	skel = xdpswitch__open_and_load();
	assert_non_null(skel);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.xs_upcalls), on_upcall, NULL, NULL);
	assert_non_null(rb);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xs_tx_ports),
					     &veth_ifindex, &veth_ifindex, BPF_ANY), 0);
}

static int teardown_all(void **state)
{
	(void)state;
	if (cap_fd >= 0)
		close(cap_fd);
	ring_buffer__free(rb);
	xdpswitch__destroy(skel);
	if (skel && shell("ip link del %s 2>/dev/null", veth_a))
		return 0;
	return 0;
}

/* Publishes in @k a mask list of @count all-wildcard masks (ids
 * 0..count-1: no words, so zeroed entries but for the id), each with the
 * filter bit of hash 0 set (the hash of no words). */
static void set_masks_in(struct xdpswitch *k, uint32_t count)
{
	static struct xs_mask_list list;
	uint32_t zero = 0, i;
	uint64_t bit0 = 1ull << (xs_filter_bit(0) % 64);

	memset(&list, 0, sizeof(list));
	list.count = count;
	for (i = 0; i < count; i++) {
		uint32_t idx = i * XS_FILTER_WORDS + xs_filter_bit(0) / 64;

		list.masks[i].mask_id = i;
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(k->maps.xs_mask_filter), &idx,
						     &bit0, BPF_ANY), 0);
	}
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(k->maps.xs_masks), &zero,
					     &list, BPF_ANY), 0);
}

static void set_masks(uint32_t count)
{
	set_masks_in(skel, count);
}

/* Installs "match everything -> @acts" in @k's slot SLOT with a new
 * generation: the slot, then the megaflow (mask id 0, no words: hash 0)
 * and the mask list. */
static struct xs_flow_handle install_in(struct xdpswitch *k, const struct xs_action *acts,
					int n, uint16_t flags)
{
	struct xs_megaflow rec[XS_RECORD_MAX_SLOTS];
	struct xs_flow_handle slots[XS_RECORD_MAX_SLOTS];
	struct xs_action a[XS_MAX_ACTIONS];
	struct xs_mf_words none = { 0 };
	struct xs_megaflow_key key;
	struct xs_megaflow_entry ent;
	struct xs_flow_handle h = { .slot = SLOT, .gen = ++gen };
	uint32_t n_slots = xs_record_slots(0, n);
	int i;

	for (i = 0; i < n; i++) {
		a[i] = acts[i];
		if (a[i].type == XS_ACT_OUTPUT && a[i].arg == PORT_VETH)
			a[i].arg = veth_ifindex;
	}
	/* A long list goes on in the slots after SLOT. */
	for (i = 0; i < XS_RECORD_MAX_SLOTS; i++)
		slots[i] = (struct xs_flow_handle){ SLOT + i, h.gen };
	xs_record_fill(slots, h.gen, &none, a, n, flags, rec);
	for (i = 0; i < (int)n_slots; i++)
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(k->maps.xs_flows), &slots[i].slot,
						     &rec[i], BPF_ANY), 0);
	memset(&key, 0, sizeof(key));
	memset(&ent, 0, sizeof(ent));
	ent.h = h;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(k->maps.xs_megaflows), &key, &ent,
					     BPF_ANY), 0);
	set_masks_in(k, 1);
	return h;
}

static struct xs_flow_handle install(const struct xs_action *acts, int n, uint16_t flags)
{
	return install_in(skel, acts, n, flags);
}

/* Sum over CPUs of @k's counter @s. */
static uint64_t stat_in(struct xdpswitch *k, enum xs_stat s)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu], sum = 0;
	uint32_t key = s;
	int i;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(k->maps.xs_stats), &key, vals), 0);
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

static uint64_t stat(enum xs_stat s)
{
	return stat_in(skel, s);
}

/* Runs @len bytes (the first @meta_len of them metadata) through xs_xdp
 * arriving on lo. Returns the verdict; the output (metadata included)
 * lands in @out / *@out_len, *@out_meta its metadata length. */
static int run_xdp(const void *in, uint32_t len, uint32_t meta_len, void *out,
		   uint32_t *out_len, uint32_t *out_meta)
{
	struct xdp_md ctx_in = { .data = meta_len, .data_end = len, .ingress_ifindex = LO };
	struct xdp_md ctx_out;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = XS_PKT_MAX,
		    .ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		    .ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out));

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xs_xdp), &o), 0);
	*out_len = o.data_size_out;
	if (out_meta)
		*out_meta = ctx_out.data;
	assert_true(ring_buffer__consume(rb) >= 0);
	return o.retval;
}

/* --- packets ------------------------------------------------------------- */

/* --- actions ------------------------------------------------------------- */

static struct xs_pkt in_pkt, want_pkt;
static uint8_t out_buf[XS_PKT_MAX];

static void test_action_table(void **state)
{
	size_t i;

	(void)state;
	fixture();
	for (i = 0; i < xs_exec_n_cases; i++) {
		const struct xs_exec_case *c = &xs_exec_cases[i];
		uint32_t out_len;
		const char *bad = NULL;
		int verdict;

		install(c->acts, c->n, XS_MF_F_XDP);
		xs_exec_build(&in_pkt, &c->in);
		xs_exec_build(&want_pkt, &c->out);
		verdict = run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &out_len, NULL);
		if (verdict != c->verdict)
			fail_msg("%s: verdict %d, want %d", c->name, verdict, c->verdict);
		xs_exec_assert_frame(want_pkt.buf, want_pkt.len, out_buf, out_len, c->name);
		if (c->in.l3 != 'a' && xs_pkt_check_csums(out_buf, out_len, &bad))
			fail_msg("%s: bad %s checksum", c->name, bad ? bad : "?");
		printf("# ok: %s\n", c->name);
	}
}

/* A UDP checksum that the update turns into 0 is sent as 0xffff. */
static void test_udp_csum_zero_becomes_ffff(void **state)
{
	struct xs_action acts[] = { IP4(XS_ACT_SET_IPV4_SRC, 10, 3, 3, 3), OUT(LO) };
	struct xs_exec_spec s = V4(17, .src = "10.3.3.3");
	uint32_t out_len;
	uint16_t c;

	(void)state;
	fixture();
	/* Expected frame: choose the payload's first word so that the
	 * checksum computes to 0, which UDP sends as 0xffff. */
	xs_exec_build(&want_pkt, &s);
	memset(want_pkt.buf + want_pkt.len - 8, 0, 2);
	xs_pkt_finish(&want_pkt);
	c = want_pkt.buf[want_pkt.l4_off + 6] << 8 | want_pkt.buf[want_pkt.l4_off + 7];
	want_pkt.buf[want_pkt.len - 8] = c >> 8;
	want_pkt.buf[want_pkt.len - 7] = c & 0xff;
	xs_pkt_finish(&want_pkt);
	assert_int_equal(want_pkt.buf[want_pkt.l4_off + 6], 0xff);
	assert_int_equal(want_pkt.buf[want_pkt.l4_off + 7], 0xff);
	/* Input: the same payload from the old source. */
	memcpy(&in_pkt, &want_pkt, sizeof(in_pkt));
	in_pkt.buf[in_pkt.l3_off + 12] = 10;
	in_pkt.buf[in_pkt.l3_off + 13] = 0;
	in_pkt.buf[in_pkt.l3_off + 14] = 0;
	in_pkt.buf[in_pkt.l3_off + 15] = 1;
	xs_pkt_finish(&in_pkt);
	assert_false(in_pkt.buf[in_pkt.l4_off + 6] == 0xff && in_pkt.buf[in_pkt.l4_off + 7] == 0xff);

	install(acts, 2, XS_MF_F_XDP);
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &out_len, NULL), XDP_TX);
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, out_buf, out_len, "udp 0 -> ffff");
}

/* IPv4 fragments: the first carries the L4 header, whose checksum follows
 * the address change; a later one has none, so only the IP header changes
 * (its bytes after the header are payload and must stay as they were). */
static void test_ipv4_fragments(void **state)
{
	struct xs_action acts[] = { IP4(XS_ACT_SET_IPV4_SRC, 10, 6, 6, 6), OUT(LO) };
	struct xs_exec_spec first = V4(6, .frag = 0x2000);
	struct xs_exec_spec first_out = V4(6, .frag = 0x2000, .src = "10.6.6.6");
	struct xs_exec_spec later = V4(6, .frag = 0x0010);
	struct xs_exec_spec later_out = V4(6, .frag = 0x0010, .src = "10.6.6.6");
	const char *bad = NULL;
	uint32_t len;

	(void)state;
	fixture();
	install(acts, 2, XS_MF_F_XDP);

	xs_exec_build(&in_pkt, &first);
	xs_exec_build(&want_pkt, &first_out);
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &len, NULL), XDP_TX);
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, out_buf, len, "first fragment");

	xs_exec_build(&in_pkt, &later);
	xs_exec_build(&want_pkt, &later_out);
	memcpy(want_pkt.buf + 34, in_pkt.buf + 34, in_pkt.len - 34);
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &len, NULL), XDP_TX);
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, out_buf, len, "later fragment");
	assert_int_equal(xs_pkt_check_csums(out_buf, len, &bad), 0);
}

/* --- drops, errors, upcalls ---------------------------------------------- */

/* Runs the V4 TCP frame through the installed list; returns the verdict. */
static int run_v4(uint32_t *out_len)
{
	struct xs_exec_spec s = V4(6);

	xs_exec_build(&in_pkt, &s);
	return run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, out_len, NULL);
}

static void test_empty_list_drops(void **state)
{
	uint64_t drops;
	uint32_t len;

	(void)state;
	fixture();
	install(NULL, 0, XS_MF_F_XDP);
	drops = stat(XS_STAT_ACTION_DROP);
	assert_int_equal(run_v4(&len), XDP_DROP);
	assert_int_equal(stat(XS_STAT_ACTION_DROP), drops + 1);
}

/* Lists that cannot run count EXEC_ERROR and drop. */
static void test_exec_errors(void **state)
{
	static const struct {
		const char *name;
		struct xs_action acts[3];
		int n;
	} bad[] = {
		{ "output before the end of an XDP list", { OUT(LO), ACT(XS_ACT_DEC_TTL) }, 2 },
		{ "ipv6 rewrite on an ipv4 packet", { IP6(XS_ACT_SET_IPV6_SRC, V6_99), OUT(LO) }, 2 },
		{ "arp rewrite on an ipv4 packet", { ARPF(XS_ARP_FIELD_OP, 0, 2), OUT(LO) }, 2 },
		{ "vlan tci on an untagged frame", { B16(XS_ACT_SET_VLAN_TCI, 1, 0xfff), OUT(LO) }, 2 },
		{ "output to a port not in xs_tx_ports", { OUT(4000) }, 1 },
		{ "unknown action type", { ACT(XS_ACT__MAX), OUT(LO) }, 2 },
	};
	size_t i;

	(void)state;
	fixture();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t errors = stat(XS_STAT_EXEC_ERROR);
		uint32_t len;

		install(bad[i].acts, bad[i].n, XS_MF_F_XDP);
		if (run_v4(&len) != XDP_DROP)
			fail_msg("%s: not dropped", bad[i].name);
		if (stat(XS_STAT_EXEC_ERROR) != errors + 1)
			fail_msg("%s: EXEC_ERROR not counted once", bad[i].name);
	}
}

static void test_dec_ttl_expiry(void **state)
{
	struct xs_action acts[] = { IP4(XS_ACT_SET_IPV4_SRC, 1, 2, 3, 4), ACT(XS_ACT_DEC_TTL),
				    OUT(LO) };
	struct xs_exec_spec s = V4(6, .ttl = 1);
	struct xs_flow_handle h;
	uint64_t expired;
	uint32_t len;

	(void)state;
	fixture();
	h = install(acts, 3, XS_MF_F_XDP);
	expired = stat(XS_STAT_TTL_EXPIRED);
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &len, NULL), XDP_DROP);
	assert_int_equal(stat(XS_STAT_TTL_EXPIRED), expired + 1);
	assert_int_equal(n_upcalls, 1);
	assert_int_equal(upcalls[0].reason, XS_UPCALL_TTL_EXPIRED);
	assert_int_equal(upcalls[0].slot, h.slot);
	assert_int_equal(upcalls[0].ifindex, LO);
	assert_int_equal(upcalls[0].pkt_len, in_pkt.len);
	assert_int_equal(upcalls[0].cap_len, in_pkt.len);
	assert_int_equal(upcalls[0].flags, 0);
	/* The record holds the frame as the actions left it: new source. */
	memcpy(want_pkt.buf, in_pkt.buf, in_pkt.len);
	want_pkt.buf[in_pkt.l3_off + 12] = 1;
	want_pkt.buf[in_pkt.l3_off + 13] = 2;
	want_pkt.buf[in_pkt.l3_off + 14] = 3;
	want_pkt.buf[in_pkt.l3_off + 15] = 4;
	assert_memory_equal(upcalls[0].pkt + 26, want_pkt.buf + 26, 4);
	assert_int_equal(upcalls[0].key.nw_ttl, 1);
}

static void test_to_agent_continues(void **state)
{
	struct xs_action acts[] = {
		{ .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION, .flags = 77 },
		MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), OUT(LO),
	};
	struct xs_exec_spec s = V4(17), w = V4(17, .dl_dst = MAC_D);
	struct xs_flow_handle h;
	uint64_t n;
	uint32_t len;

	(void)state;
	fixture();
	h = install(acts, 3, XS_MF_F_XDP);
	n = stat(XS_STAT_TO_AGENT);
	xs_exec_build(&in_pkt, &s);
	xs_exec_build(&want_pkt, &w);
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &len, NULL), XDP_TX);
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, out_buf, len, "to_agent");
	assert_int_equal(stat(XS_STAT_TO_AGENT), n + 1);
	assert_int_equal(n_upcalls, 1);
	assert_int_equal(upcalls[0].reason, XS_UPCALL_ACTION);
	assert_int_equal(upcalls[0].cookie, 77);
	assert_int_equal(upcalls[0].slot, h.slot);
	assert_memory_equal(upcalls[0].pkt, in_pkt.buf, in_pkt.len);
	assert_int_equal(upcalls[0].key.in_port, LO);
	assert_int_equal(upcalls[0].key.nw_proto, 17);
}

/* A packet longer than XS_UPCALL_MAX_PKT goes up cut, with the flag. */
static void test_upcall_truncates(void **state)
{
	struct xs_action acts[] = { { .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION } };
	struct xs_exec_spec s = V4(17);
	uint32_t len;

	(void)state;
	fixture();
	install(acts, 1, XS_MF_F_XDP);
	xs_pkt_init(&in_pkt);
	xs_exec_build(&in_pkt, &s);
	memset(in_pkt.buf + in_pkt.len, 0x5a, 2000);
	in_pkt.len += 2000;
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &len, NULL), XDP_DROP);
	assert_int_equal(n_upcalls, 1);
	assert_int_equal(upcalls[0].flags, XS_UPCALL_F_TRUNC);
	assert_int_equal(upcalls[0].pkt_len, in_pkt.len);
	assert_int_equal(upcalls[0].cap_len, XS_UPCALL_MAX_PKT);
	assert_memory_equal(upcalls[0].pkt, in_pkt.buf, XS_UPCALL_MAX_PKT);
}

/* No megaflow: a MISS record with the key and the frame, then drop. */
static void test_miss_upcall(void **state)
{
	struct xs_exec_spec s = V4(6);
	uint64_t miss;
	uint32_t len;

	(void)state;
	fixture();
	set_masks(0);
	miss = stat(XS_STAT_MISS);
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &len, NULL), XDP_DROP);
	assert_int_equal(stat(XS_STAT_MISS), miss + 1);
	assert_int_equal(n_upcalls, 1);
	assert_int_equal(upcalls[0].reason, XS_UPCALL_MISS);
	assert_int_equal(upcalls[0].slot, 0);
	assert_int_equal(upcalls[0].key.in_port, LO);
	assert_int_equal(upcalls[0].key.tp_dst, htons(80));
	assert_int_equal(upcalls[0].key.nw_src, xs_pkt_parse_ip4("10.0.0.1"));
	assert_int_equal(upcalls[0].cap_len, in_pkt.len);
	assert_memory_equal(upcalls[0].pkt, in_pkt.buf, in_pkt.len);
}

/* Hit counters: megaflow, then microflow; a new generation makes the
 * microflow entry stale. */
static void test_cache_tiers(void **state)
{
	struct xs_action acts[] = { OUT(LO) };
	uint64_t mega, micro, stale, probed, rx;
	uint32_t len, id = 0;
	int ncpu = libbpf_num_possible_cpus();
	uint64_t hits[ncpu];

	(void)state;
	fixture();
	install(acts, 1, XS_MF_F_XDP);
	mega = stat(XS_STAT_MEGAFLOW_HIT);
	micro = stat(XS_STAT_MICROFLOW_HIT);
	stale = stat(XS_STAT_STALE_MICROFLOW);
	probed = stat(XS_STAT_MASKS_PROBED);
	rx = stat(XS_STAT_RX);
	assert_int_equal(run_v4(&len), XDP_TX);
	assert_int_equal(run_v4(&len), XDP_TX);
	assert_int_equal(stat(XS_STAT_RX), rx + 2);
	assert_int_equal(stat(XS_STAT_MICROFLOW_HIT), micro + 1);
	/* The first packet may have found a microflow from an earlier
	 * test's install (stale now): it then probes the megaflows. */
	assert_int_equal(stat(XS_STAT_MEGAFLOW_HIT), mega + 1);
	assert_int_equal(stat(XS_STAT_MASKS_PROBED), probed + 1);
	install(acts, 1, XS_MF_F_XDP);
	assert_int_equal(run_v4(&len), XDP_TX);
	assert_int_equal(stat(XS_STAT_STALE_MICROFLOW) - stale >= 1, 1);
	assert_int_equal(stat(XS_STAT_MEGAFLOW_HIT), mega + 2);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xs_mask_hits), &id, hits), 0);
	assert_true(hits[0] >= 2);
}

/* The mask walk probes in order; the third mask matches. */
static void test_third_mask_matches(void **state)
{
	struct xs_action acts[] = { OUT(LO) };
	struct xs_megaflow_key key;
	struct xs_megaflow_entry ent;
	uint64_t probed, mega;
	uint32_t len;

	(void)state;
	fixture();
	memset(&ent, 0, sizeof(ent));
	ent.h = install(acts, 1, XS_MF_F_XDP);
	memset(&key, 0, sizeof(key));
	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(skel->maps.xs_megaflows), &key), 0);
	key.mask_id = 2;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xs_megaflows), &key, &ent,
					     BPF_ANY), 0);
	set_masks(3);
	probed = stat(XS_STAT_MASKS_PROBED);
	mega = stat(XS_STAT_MEGAFLOW_HIT);
	assert_int_equal(run_v4(&len), XDP_TX);
	assert_int_equal(stat(XS_STAT_MEGAFLOW_HIT), mega + 1);
	assert_int_equal(stat(XS_STAT_MASKS_PROBED), probed + 3);
	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(skel->maps.xs_megaflows), &key), 0);
}

/* Per-megaflow counters: packets, bytes, TCP flags. */
static void test_flow_stats(void **state)
{
	struct xs_action acts[] = { OUT(LO) };
	int ncpu = libbpf_num_possible_cpus(), i;
	struct xs_flow_stats st[ncpu], zero[ncpu];
	uint32_t slot = SLOT, len;
	uint64_t pk = 0, by = 0;

	(void)state;
	fixture();
	install(acts, 1, XS_MF_F_XDP);
	memset(zero, 0, sizeof(zero));
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xs_flow_stats), &slot, zero,
					     BPF_ANY), 0);
	assert_int_equal(run_v4(&len), XDP_TX);
	assert_int_equal(run_v4(&len), XDP_TX);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xs_flow_stats), &slot, st), 0);
	for (i = 0; i < ncpu; i++) {
		pk += st[i].packets;
		by += st[i].bytes;
	}
	assert_int_equal(pk, 2);
	assert_int_equal(by, 2 * in_pkt.len);
	assert_int_equal(st[0].tcp_flags, htons(XS_TCP_ACK));
	assert_true(st[0].used_ns > 0);
}

/* Without XS_MF_F_XDP the frame goes up to the TC stage unchanged. */
static void test_tc_handoff(void **state)
{
	struct xs_action acts[] = { OUT(LO), OUT(PORT_VETH) };
	struct xs_exec_spec s = V4(6);
	uint32_t len, meta_len;
	uint64_t n;

	(void)state;
	fixture();
	install(acts, 2, 0);
	n = stat(XS_STAT_TC_HANDOFF);
	xs_exec_build(&in_pkt, &s);
	assert_int_equal(run_xdp(in_pkt.buf, in_pkt.len, 0, out_buf, &len, &meta_len), XDP_PASS);
	assert_int_equal(stat(XS_STAT_TC_HANDOFF), n + 1);
	assert_int_equal(meta_len, 0);
	xs_exec_assert_frame(in_pkt.buf, in_pkt.len, out_buf, len, "handoff");
}

/* Runs xs_tc_exec on an skb of in_pkt arriving on LO, with the exec
 * request {SLOT, @gen}; the frame as the actions left it comes back. */
static int run_exec(uint32_t gen, uint32_t *out_len)
{
	struct __sk_buff ctx = { .ingress_ifindex = LO };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in_pkt.buf, .data_size_in = in_pkt.len,
		    .data_out = out_buf, .data_size_out = XS_PKT_MAX,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	skel->bss->xs_exec_req.slot = SLOT;
	skel->bss->xs_exec_req.gen = gen;
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xs_tc_exec), &o), 0);
	*out_len = o.data_size_out;
	assert_true(ring_buffer__consume(rb) >= 0);
	return o.retval;
}

/* xs_tc_exec: the agent's re-injection runs the requested slot's actions,
 * without a lookup, and sends the output as a clone (the run's own skb is
 * dropped); a stale generation drops without sending. */
static void test_reinject(void **state)
{
	struct xs_action acts[] = { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), OUT(LO) };
	struct xs_exec_spec s = V4(6), w = V4(6, .dl_dst = MAC_D);
	struct xs_flow_handle h;
	uint64_t re, stale, rx, err;
	uint32_t len;

	(void)state;
	fixture();
	h = install(acts, 2, XS_MF_F_XDP);
	set_masks(0); /* no lookup could find it */
	xs_exec_build(&in_pkt, &s);
	xs_exec_build(&want_pkt, &w);
	re = stat(XS_STAT_REINJECT);
	stale = stat(XS_STAT_STALE_REINJECT);
	rx = stat(XS_STAT_RX);
	err = stat(XS_STAT_EXEC_ERROR);
	assert_int_equal(run_exec(h.gen, &len), TC_ACT_SHOT);
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, out_buf, len, "reinject");
	assert_int_equal(stat(XS_STAT_REINJECT), re + 1);
	assert_int_equal(stat(XS_STAT_EXEC_ERROR), err); /* the clone went out */
	assert_int_equal(stat(XS_STAT_RX), rx);

	assert_int_equal(run_exec(h.gen - 1, &len), TC_ACT_SHOT);
	assert_int_equal(stat(XS_STAT_STALE_REINJECT), stale + 1);
	xs_exec_assert_frame(in_pkt.buf, in_pkt.len, out_buf, len, "stale: untouched");
	assert_int_equal(n_upcalls, 0);
}

/* Load-time knobs: a per-port miss budget (one port running dry leaves the
 * others alone, and it refills with time) and the microflow cache off. */
static void test_config_knobs(void **state)
{
	static const uint32_t lo = LO;
	struct xdpswitch *k;
	struct xdp_md ctx = { .ingress_ifindex = LO };
	struct xs_exec_spec s = V4(6);
	const uint32_t *ports[5] = { &lo, &lo, &veth_ifindex, &lo, &lo };
	uint64_t miss, shed, mega, micro;
	int i;

	(void)state;
	fixture();
	k = xdpswitch__open();
	assert_non_null(k);
	k->rodata->xs_cfg.miss_rate = 50; /* a token every 20 ms */
	k->rodata->xs_cfg.miss_burst = 1;
	k->rodata->xs_cfg.emc_enabled = 0;
	assert_int_equal(xdpswitch__load(k), 0);
	miss = stat_in(k, XS_STAT_MISS);
	shed = stat_in(k, XS_STAT_MISS_SHED);

	xs_exec_build(&in_pkt, &s);
	ctx.data_end = in_pkt.len;
	for (i = 0; i < 5; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in_pkt.buf,
			    .data_size_in = in_pkt.len, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		ctx.ingress_ifindex = *ports[i];
		if (i == 3)
			usleep(60 * 1000); /* three tokens, capped at the burst of 1 */
		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(k->progs.xs_xdp), &o), 0);
		assert_int_equal(o.retval, XDP_DROP);
	}
	/* lo: sent, shed; veth: sent; lo refilled: sent, shed. */
	assert_int_equal(stat_in(k, XS_STAT_MISS) - miss, 3);
	assert_int_equal(stat_in(k, XS_STAT_MISS_SHED) - shed, 2);

	/* With the microflow cache off, every hit is a megaflow hit. */
	install_in(k, (struct xs_action[]){ OUT(LO) }, 1, XS_MF_F_XDP);
	mega = stat_in(k, XS_STAT_MEGAFLOW_HIT);
	micro = stat_in(k, XS_STAT_MICROFLOW_HIT);
	ctx.ingress_ifindex = LO;
	for (i = 0; i < 3; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in_pkt.buf,
			    .data_size_in = in_pkt.len, .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(k->progs.xs_xdp), &o), 0);
		assert_int_equal(o.retval, XDP_TX);
	}
	assert_int_equal(stat_in(k, XS_STAT_MEGAFLOW_HIT) - mega, 3);
	assert_int_equal(stat_in(k, XS_STAT_MICROFLOW_HIT), micro);
	xdpswitch__destroy(k);
}

/* --- TC stage ------------------------------------------------------------- */

/* Runs xs_tc on an skb of @p arriving on LO (the verdict comes back). */
static int run_tc(const struct xs_pkt *p)
{
	struct __sk_buff ctx = { .ingress_ifindex = LO };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf, .data_size_in = p->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xs_tc), &o), 0);
	assert_true(ring_buffer__consume(rb) >= 0);
	return o.retval;
}

/* The TC stage finds the packet's megaflow again; when it is gone (removed
 * between the XDP and TC stages) the packet is a miss for the agent. */
static void test_tc_lookup_and_miss(void **state)
{
	struct xs_action acts[] = { OUT(LO) };
	struct xs_exec_spec s = V4(6);
	uint64_t miss, tc_miss, mega;

	(void)state;
	fixture();
	xs_exec_build(&in_pkt, &s);
	install(acts, 1, 0);
	mega = stat(XS_STAT_MEGAFLOW_HIT);
	assert_int_equal(run_tc(&in_pkt), TC_ACT_REDIRECT);
	assert_int_equal(stat(XS_STAT_MEGAFLOW_HIT), mega); /* XDP counted it */
	assert_int_equal(n_upcalls, 0);

	install(acts, 1, 0); /* a new generation: the microflow entry is stale */
	install(acts, 1, 0); /* a new generation: the microflow entry is stale */
	set_masks(0);
	miss = stat(XS_STAT_MISS);
	tc_miss = stat(XS_STAT_TC_MISS);
	assert_int_equal(run_tc(&in_pkt), TC_ACT_SHOT);
	assert_int_equal(stat(XS_STAT_TC_MISS), tc_miss + 1);
	assert_int_equal(stat(XS_STAT_MISS), miss + 1);
	assert_int_equal(n_upcalls, 1);
	assert_int_equal(upcalls[0].reason, XS_UPCALL_MISS);
	assert_int_equal(upcalls[0].key.in_port, LO);
	assert_int_equal(upcalls[0].cap_len, in_pkt.len);
	assert_memory_equal(upcalls[0].pkt, in_pkt.buf, in_pkt.len);
}

/* Live-frame fixture: xs_tc on veth_a's ingress; frames re-injected with
 * BPF_PROG_TEST_RUN live frames as arriving on veth_a go through xs_xdp,
 * are handed to the stack (XDP_PASS), looked up again and run by xs_tc, sent
 * out of veth_a, so they arrive on veth_b, where a packet socket reads
 * them (VLAN tags from its auxdata). */
static void tc_fixture(void)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = 0, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int one = 1;

	fixture();
	if (cap_fd >= 0)
		goto drain;
	if (shell("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1 net.ipv6.conf.%s.disable_ipv6=1"
		  " && ip link set %s up && ip link set %s up", veth_a, veth_b, veth_a, veth_b))
		fail_msg("cannot bring up %s/%s", veth_a, veth_b);
	hook.ifindex = veth_ifindex;
	bpf_tc_hook_create(&hook); /* -EEXIST is fine */
	opts.prog_fd = bpf_program__fd(skel->progs.xs_tc);
	assert_int_equal(bpf_tc_attach(&hook, &opts), 0);

	cap_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	assert_true(cap_fd >= 0);
	sll.sll_ifindex = if_nametoindex(veth_b);
	assert_int_equal(bind(cap_fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	assert_int_equal(setsockopt(cap_fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)), 0);
drain:
	while (recv(cap_fd, out_buf, sizeof(out_buf), 0) > 0)
		;
}

/* Next frame on veth_b that carries the test payload, within @ms; the VLAN
 * tag the stack keeps aside goes back into the bytes. Returns its length,
 * 0 if none came. */
static size_t capture_within(uint8_t *buf, size_t size, int ms)
{
	for (int waited = 0; waited < ms; waited += 50) {
		struct pollfd pfd = { .fd = cap_fd, .events = POLLIN };
		char cbuf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		struct iovec iov = { .iov_base = buf, .iov_len = size };
		struct sockaddr_ll from;
		struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof(from),
				      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		ssize_t n;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recvmsg(cap_fd, &msg, 0);
		/* inject() sends from this socket's interface: skip our own */
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING ||
		    !memmem(buf, n, xs_exec_payload, sizeof(xs_exec_payload)))
			continue;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct tpacket_auxdata aux;

			if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
				continue;
			memmove(buf + 16, buf + 12, n - 12);
			buf[12] = aux.tp_vlan_tpid >> 8;
			buf[13] = aux.tp_vlan_tpid & 0xff;
			buf[14] = aux.tp_vlan_tci >> 8;
			buf[15] = aux.tp_vlan_tci & 0xff;
			n += 4;
		}
		return n;
	}
	return 0;
}

/* A frame that must come: a second at most. */
static size_t capture(uint8_t *buf, size_t size)
{
	return capture_within(buf, size, 1000);
}

/* A frame that must not come: it would have come by now (the path is
 * synchronous up to the veth's backlog). */
static size_t capture_none(uint8_t *buf, size_t size)
{
	return capture_within(buf, size, 150);
}

/* Sends @p from veth_b, so it arrives on veth_a, where xs_tc runs. (The
 * stage it stands for: XDP passed the packet up; XDP itself is not on
 * veth_a, the TC program's second lookup is what is tested.) */
static void inject(const struct xs_pkt *p)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };

	sll.sll_ifindex = if_nametoindex(veth_b);
	memcpy(sll.sll_addr, p->buf, 6);
	assert_int_equal(sendto(cap_fd, p->buf, p->len, 0, (struct sockaddr *)&sll, sizeof(sll)),
			 p->len);
}

static void test_tc_stage_table(void **state)
{
	static uint8_t got[XS_PKT_MAX];
	size_t i;
	int j;

	(void)state;
	tc_fixture();
	for (i = 0; i < xs_exec_n_multi_cases; i++) {
		const struct xs_exec_multi_case *c = &xs_exec_multi_cases[i];
		uint64_t tc_miss = stat(XS_STAT_TC_MISS), errors = stat(XS_STAT_EXEC_ERROR);

		install(c->acts, c->n, 0);
		xs_exec_build(&in_pkt, &c->in);
		inject(&in_pkt);
		for (j = 0; j < c->n_out; j++) {
			size_t len = capture(got, sizeof(got));
			const char *bad = NULL;

			if (!len)
				fail_msg("%s: frame %d did not arrive", c->name, j);
			xs_exec_build(&want_pkt, &c->out[j]);
			xs_exec_assert_frame(want_pkt.buf, want_pkt.len, got, len, c->name);
			if (c->in.l3 != 'a' && xs_pkt_check_csums(got, len, &bad))
				fail_msg("%s: bad %s checksum", c->name, bad ? bad : "?");
		}
		if (capture_none(got, sizeof(got)))
			fail_msg("%s: one frame too many", c->name);
		assert_int_equal(stat(XS_STAT_TC_MISS), tc_miss);
		assert_int_equal(stat(XS_STAT_EXEC_ERROR), errors);
		printf("# ok: %s\n", c->name);
	}
}

/* A TC list without output drops (ACTION_DROP); DEC_TTL at TTL 1 sends the
 * packet to the agent from the TC stage. */
static void test_tc_stage_drops_and_upcalls(void **state)
{
	struct xs_action none[] = { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d) };
	struct xs_action ttl[] = { OUT(PORT_VETH), ACT(XS_ACT_DEC_TTL), OUT(PORT_VETH) };
	struct xs_exec_spec s = V4(6, .ttl = 1);
	static uint8_t got[XS_PKT_MAX];
	struct xs_flow_handle h;
	uint64_t drops, expired;

	(void)state;
	tc_fixture();
	xs_exec_build(&in_pkt, &s);

	install(none, 1, 0);
	drops = stat(XS_STAT_ACTION_DROP);
	inject(&in_pkt);
	assert_int_equal(capture_none(got, sizeof(got)), 0);
	assert_int_equal(stat(XS_STAT_ACTION_DROP), drops + 1);

	h = install(ttl, 3, 0);
	expired = stat(XS_STAT_TTL_EXPIRED);
	inject(&in_pkt);
	/* The clone before DEC_TTL leaves; the rest goes to the agent. */
	assert_int_equal(capture(got, sizeof(got)), in_pkt.len);
	assert_memory_equal(got, in_pkt.buf, in_pkt.len);
	assert_int_equal(capture_none(got, sizeof(got)), 0);
	assert_int_equal(stat(XS_STAT_TTL_EXPIRED), expired + 1);
	assert_true(ring_buffer__consume(rb) >= 0);
	assert_int_equal(n_upcalls, 1);
	assert_int_equal(upcalls[0].reason, XS_UPCALL_TTL_EXPIRED);
	assert_int_equal(upcalls[0].slot, h.slot);
	assert_int_equal(upcalls[0].ifindex, veth_ifindex);
	assert_int_equal(upcalls[0].cap_len, in_pkt.len);
	assert_memory_equal(upcalls[0].pkt, in_pkt.buf, in_pkt.len);
	assert_int_equal(upcalls[0].key.nw_ttl, 1);
}

/* An upcall from the TC stage shows the frame as it arrived: the outer tag
 * the stack took into skb metadata is back in the bytes and in the key. */
static void test_tc_upcall_keeps_vlan(void **state)
{
	struct xs_action acts[] = { { .type = XS_ACT_TO_AGENT, .arg = XS_UPCALL_ACTION, .flags = 5 },
				    OUT(PORT_VETH), OUT(PORT_VETH) };
	struct xs_exec_spec s = V4(17, .tpid = 0x8100, .tci = 0x2007);
	static uint8_t got[XS_PKT_MAX];

	(void)state;
	tc_fixture();
	install(acts, 3, 0);
	xs_exec_build(&in_pkt, &s);
	inject(&in_pkt);
	assert_int_equal(capture(got, sizeof(got)), in_pkt.len);
	assert_memory_equal(got, in_pkt.buf, in_pkt.len);
	assert_int_equal(capture(got, sizeof(got)), in_pkt.len);
	assert_true(ring_buffer__consume(rb) >= 0);
	assert_int_equal(n_upcalls, 1);
	assert_int_equal(upcalls[0].reason, XS_UPCALL_ACTION);
	assert_int_equal(upcalls[0].cookie, 5);
	assert_int_equal(upcalls[0].pkt_len, in_pkt.len);
	assert_int_equal(upcalls[0].cap_len, in_pkt.len);
	assert_memory_equal(upcalls[0].pkt, in_pkt.buf, in_pkt.len);
	assert_int_equal(upcalls[0].key.vlan[0].tpid, htons(0x8100));
	assert_int_equal(upcalls[0].key.vlan[0].tci, htons(0x2007 | XS_VLAN_PRESENT));
	assert_int_equal(upcalls[0].key.vlan[1].tpid, 0);
	assert_int_equal(upcalls[0].key.dl_type, htons(0x0800));
	assert_int_equal(upcalls[0].key.nw_proto, 17);
}

/* --- broadcast ----------------------------------------------------------- */

/* A broadcast output ends an XDP list with XDP_REDIRECT (not live: nothing
 * leaves); rewrites before it run once, on the one frame. */
static void test_broadcast_verdict(void **state)
{
	struct xs_action acts[] = { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), BCAST };
	struct xs_exec_spec want = V4(6, .dl_dst = MAC_D);
	uint64_t errors;
	uint32_t len;

	(void)state;
	fixture();
	errors = stat(XS_STAT_EXEC_ERROR);
	install(&acts[1], 1, XS_MF_F_XDP);
	assert_int_equal(run_v4(&len), XDP_REDIRECT);
	xs_exec_assert_frame(in_pkt.buf, in_pkt.len, out_buf, len, "broadcast alone");
	install(acts, 2, XS_MF_F_XDP);
	assert_int_equal(run_v4(&len), XDP_REDIRECT);
	xs_exec_build(&want_pkt, &want);
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, out_buf, len, "rewrite, broadcast");
	assert_int_equal(stat(XS_STAT_EXEC_ERROR), errors);
}

/* A broadcast that is not the last action is an error, as any XDP
 * output there. */
static void test_broadcast_not_last(void **state)
{
	struct xs_action acts[] = { BCAST, ACT(XS_ACT_DEC_TTL) };
	uint64_t errors;
	uint32_t len;

	(void)state;
	fixture();
	errors = stat(XS_STAT_EXEC_ERROR);
	install(acts, 2, XS_MF_F_XDP);
	assert_int_equal(run_v4(&len), XDP_DROP);
	assert_int_equal(stat(XS_STAT_EXEC_ERROR), errors + 1);
}

#define N_BC 3 /* veth pairs: port 0 is the ingress */

struct bc_port {
	char a[IF_NAMESIZE], b[IF_NAMESIZE];
	uint32_t ifa, ifb;
	struct capture *cap;
};

static int bc_sh(const char *cmd)
{
	return system(cmd);
}

static void bc_down(struct bc_port *p)
{
	char cmd[1024];

	capture__destroy(p->cap);
	snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null", p->a);
	bc_sh(cmd);
}

/* Veth pair @i: the datapath sends on a, a capture program keeps what
 * arrives on b (frames from MAC_A only). */
static void bc_up(struct bc_port *p, int i)
{
	char cmd[1024];

	memset(p, 0, sizeof(*p));
	snprintf(p->a, sizeof(p->a), "xsbc%d-%d-a", i, (int)getpid() % 100000);
	snprintf(p->b, sizeof(p->b), "xsbc%d-%d-b", i, (int)getpid() % 100000);
	snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null; ip link add %s type veth peer "
		 "name %s && sysctl -qw net.ipv6.conf.%s.disable_ipv6=1 "
		 "net.ipv6.conf.%s.disable_ipv6=1 && ip link set %s up && ip link set %s up",
		 p->a, p->a, p->b, p->a, p->b, p->a, p->b);
	if (bc_sh(cmd))
		fail_msg("cannot create veth pair %s/%s", p->a, p->b);
	p->ifa = if_nametoindex(p->a);
	p->ifb = if_nametoindex(p->b);
	assert_true(p->ifa && p->ifb);
	p->cap = capture__open_and_load();
	assert_non_null(p->cap);
	xs_pkt_parse_mac(MAC_A, p->cap->bss->cap_src);
	assert_int_equal(bpf_xdp_attach(p->ifb, bpf_program__fd(p->cap->progs.capture),
					XDP_FLAGS_DRV_MODE, NULL), 0);
}

/* Live frames: a broadcast from port 0 reaches ports 1 and 2 once each,
 * rewritten, and not port 0; from port 2, ports 0 and 1. A separate
 * object whose devmap holds exactly the three ports. */
static void test_broadcast_live(void **state)
{
	struct xs_action acts[] = { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), BCAST };
	struct xs_exec_spec in = V4(17), out = V4(17, .dl_dst = MAC_D);
	struct bc_port ports[N_BC];
	struct xdpswitch *k;
	struct xs_pkt want;
	int in_port, i;

	(void)state;
	fixture();
	k = xdpswitch__open_and_load();
	assert_non_null(k);
	for (i = 0; i < N_BC; i++) {
		bc_up(&ports[i], i);
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(k->maps.xs_tx_ports),
						     &ports[i].ifa, &ports[i].ifa, BPF_ANY), 0);
	}
	install_in(k, acts, 2, XS_MF_F_XDP);
	xs_exec_build(&in_pkt, &in);
	xs_exec_build(&want, &out);
	for (in_port = 0; in_port < N_BC; in_port += N_BC - 1) {
		struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6,
					   .sll_ifindex = (int)ports[in_port].ifb };
		uint64_t before[N_BC], errors = stat_in(k, XS_STAT_EXEC_ERROR);
		int fd = socket(AF_PACKET, SOCK_RAW, 0);

		for (i = 0; i < N_BC; i++)
			before[i] = ports[i].cap->bss->cap_count;
		/* The frame arrives on the ingress port for real: xs_xdp is
		 * attached there (generic mode: live-frame test runs are
		 * refused on some kernels) and the frame sent from its peer. */
		assert_true(fd >= 0);
		assert_int_equal(bpf_xdp_attach(ports[in_port].ifa, bpf_program__fd(k->progs.xs_xdp),
						XDP_FLAGS_SKB_MODE, NULL), 0);
		memcpy(sll.sll_addr, in_pkt.buf, 6);
		assert_int_equal(sendto(fd, in_pkt.buf, in_pkt.len, 0, (struct sockaddr *)&sll,
					sizeof(sll)), in_pkt.len);
		close(fd);
		usleep(100 * 1000); /* veth delivers from its NAPI poll */
		bpf_xdp_detach(ports[in_port].ifa, XDP_FLAGS_SKB_MODE, NULL);
		for (i = 0; i < N_BC; i++) {
			uint64_t got = ports[i].cap->bss->cap_count - before[i];
			uint32_t idx = (uint32_t)(before[i] % 16);
			struct {
				uint32_t len, ifindex;
				uint8_t data[2048];
			} f;

			if (got != (i == in_port ? 0u : 1u))
				fail_msg("from port %d: port %d got %llu copies", in_port, i,
					 (unsigned long long)got);
			if (!got)
				continue;
			assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(ports[i].cap->maps.cap_frames),
							     &idx, &f), 0);
			assert_int_equal(f.ifindex, ports[i].ifb);
			xs_exec_assert_frame(want.buf, want.len, f.data, f.len, "broadcast copy");
		}
		assert_int_equal(stat_in(k, XS_STAT_EXEC_ERROR), errors);
	}
	for (i = 0; i < N_BC; i++)
		bc_down(&ports[i]);
	xdpswitch__destroy(k);
}

/* Publishes the skeleton's xs_port_list: @n ifindexes (n = -1: no list). */
static void set_port_list(const uint32_t *ports, int n)
{
	static struct xs_port_list l;
	uint32_t zero = 0;
	int fd = bpf_map__fd(skel->maps.xs_port_list);

	if (n < 0) {
		bpf_map_delete_elem(fd, &zero);
		return;
	}
	memset(&l, 0, sizeof(l));
	l.count = (uint32_t)n;
	memcpy(l.ifindex, ports, (size_t)n * sizeof(ports[0]));
	assert_int_equal(bpf_map_update_elem(fd, &zero, &l, BPF_ANY), 0);
}

/* A broadcast in the TC stage goes to every port of xs_port_list but the
 * ingress one: with no list, or only the ingress port in it, nothing
 * leaves and nothing counts as an error; run by xs_tc_exec from another
 * port it sends its copy, and actions after it run on (a rewrite, an
 * output). */
static void test_tc_broadcast(void **state)
{
	struct xs_action acts[] = { MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0d), BCAST,
				    MAC(XS_ACT_SET_ETH_DST, 2, 0, 0, 0, 0, 0x0c), OUT(PORT_VETH) };
	struct xs_exec_spec s = V4(6), d = V4(6, .dl_dst = MAC_D), c = V4(6, .dl_dst = MAC_C);
	static uint8_t got[XS_PKT_MAX];
	struct xs_flow_handle h;
	uint64_t errors, drops;
	size_t len;
	uint32_t out_len;

	(void)state;
	tc_fixture();
	h = install(&acts[1], 1, 0);
	xs_exec_build(&in_pkt, &s);
	errors = stat(XS_STAT_EXEC_ERROR);
	drops = stat(XS_STAT_ACTION_DROP);
	set_port_list(NULL, -1);
	inject(&in_pkt);
	assert_int_equal(capture_none(got, sizeof(got)), 0);
	set_port_list(&veth_ifindex, 1);
	inject(&in_pkt);
	assert_int_equal(capture_none(got, sizeof(got)), 0);
	assert_int_equal(stat(XS_STAT_EXEC_ERROR), errors);
	assert_int_equal(stat(XS_STAT_ACTION_DROP), drops);

	/* From lo (the test run's ingress), veth_a is another port. */
	assert_int_equal(run_exec(h.gen, &out_len), TC_ACT_SHOT);
	len = capture(got, sizeof(got));
	xs_exec_assert_frame(in_pkt.buf, in_pkt.len, got, len, "broadcast alone");
	assert_int_equal(capture_none(got, sizeof(got)), 0);

	h = install(acts, 4, 0);
	assert_int_equal(run_exec(h.gen, &out_len), TC_ACT_SHOT);
	xs_exec_build(&want_pkt, &d);
	len = capture(got, sizeof(got));
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, got, len, "rewrite, broadcast");
	xs_exec_build(&want_pkt, &c);
	len = capture(got, sizeof(got));
	xs_exec_assert_frame(want_pkt.buf, want_pkt.len, got, len, "rewrite, output after it");
	assert_int_equal(capture_none(got, sizeof(got)), 0);
	assert_int_equal(stat(XS_STAT_EXEC_ERROR), errors);
	set_port_list(NULL, -1);
}

/* Library validation (install): a broadcast names no port and carries no
 * other OUTPUT flag; in an XDP list only as the last action, in a TC list
 * anywhere. Refused lists install nothing. */
static void test_broadcast_validation(void **state)
{
	struct xs_action bc = BCAST, ttl = ACT(XS_ACT_DEC_TTL), out = OUT(7);
	struct xs_action ok_xdp[] = { ttl, bc };
	struct xs_action ok_tc[][3] = { { bc, ttl, out }, { ttl, bc, out }, { bc, bc, ttl } };
	static const struct {
		const char *name;
		uint16_t flags, out_flags;
		uint32_t arg;
		int last;
	} bad[] = {
		{ "broadcast not last in an XDP list", XS_MF_F_XDP, XS_OUT_F_BROADCAST, 0, 1 },
		{ "broadcast naming a port", XS_MF_F_XDP, XS_OUT_F_BROADCAST, 3, 0 },
		{ "broadcast naming a port, TC list", 0, XS_OUT_F_BROADCAST, 3, 1 },
		{ "unknown output flag with broadcast", XS_MF_F_XDP, XS_OUT_F_BROADCAST | 2, 0, 0 },
		{ "unknown output flag with broadcast, TC list", 0, XS_OUT_F_BROADCAST | 2, 0, 1 },
		{ "unknown output flag", XS_MF_F_XDP, 2, 3, 0 },
	};
	struct xs_dp_opts o = { .max_flows = 16 };
	struct xs_flow_key key, mask;
	struct xs_dp *dp = NULL;
	size_t i;

	(void)state;
	fixture();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	memset(&key, 0, sizeof(key));
	memset(&mask, 0, sizeof(mask));
	mask.in_port = 0xffffffff;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xs_action a = { .type = XS_ACT_OUTPUT, .flags = bad[i].out_flags,
				       .arg = bad[i].arg };
		struct xs_action two[] = { a, ttl };

		key.in_port = 1;
		if (xs_dp_flow_install(dp, &key, &mask, bad[i].last ? two : &a,
				       bad[i].last ? 2 : 1, bad[i].flags, NULL) != -EINVAL)
			fail_msg("%s: not refused", bad[i].name);
		assert_int_equal(xs_dp_flow_count(dp), 0);
	}
	key.in_port = 1;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &bc, 1, XS_MF_F_XDP, NULL), 0);
	key.in_port = 2;
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, ok_xdp, 2, XS_MF_F_XDP, NULL), 0);
	for (i = 0; i < 3; i++) {
		key.in_port = 3 + (uint32_t)i;
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, ok_tc[i], 3, 0, NULL), 0);
	}
	assert_int_equal(xs_dp_flow_count(dp), 5);
	xs_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_table),
		cmocka_unit_test(test_udp_csum_zero_becomes_ffff),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_empty_list_drops),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_dec_ttl_expiry),
		cmocka_unit_test(test_to_agent_continues),
		cmocka_unit_test(test_upcall_truncates),
		cmocka_unit_test(test_miss_upcall),
		cmocka_unit_test(test_cache_tiers),
		cmocka_unit_test(test_third_mask_matches),
		cmocka_unit_test(test_flow_stats),
		cmocka_unit_test(test_tc_handoff),
		cmocka_unit_test(test_reinject),
		cmocka_unit_test(test_config_knobs),
		cmocka_unit_test(test_tc_lookup_and_miss),
		cmocka_unit_test(test_tc_stage_table),
		cmocka_unit_test(test_tc_stage_drops_and_upcalls),
		cmocka_unit_test(test_tc_upcall_keeps_vlan),
		cmocka_unit_test(test_broadcast_verdict),
		cmocka_unit_test(test_broadcast_not_last),
		cmocka_unit_test(test_broadcast_live),
		cmocka_unit_test(test_tc_broadcast),
		cmocka_unit_test(test_broadcast_validation),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
