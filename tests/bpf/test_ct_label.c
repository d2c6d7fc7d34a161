// SPDX-License-Identifier: Apache-2.0
/* The datapath's ct_label store (bpf/ct_label.h) through the real BPF
 * object: skb test runs of xs_tc_exec (xs_dp_execute_actions) on a veth
 * port, conntrack in the test's own namespace. A commit with a label
 * writes xs_ct_labels under {zone, original tuple}; the reply's ct action
 * reads it (a recirculated pass matches ct_label and sends the frame to
 * the capture); a later commit relabels under its mask; a new connection
 * of the same tuple starts from 0 (its commit without a label drops the
 * old one). */
#include "tests/bpf/dp_fixture.h"

#include <linux/pkt_cls.h>

#include "xdpswitch/ct_label.h"

static struct fx_veth v;
static struct xs_dp *dp;

#define ZONE 9

static size_t udp_frame(uint8_t *out, const char *src, const char *dst, uint16_t sp,
			uint16_t dp_)
{
	struct xs_pkt p;

	xs_pkt_init(&p);
	xs_pkt_eth(&p, "02:00:00:00:00:02", FX_SRC_MAC);
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = src, .dst = dst, .ttl = 64 });
	xs_pkt_udp(&p, sp, dp_);
	xs_pkt_bytes(&p, NULL, 18, 0xab);
	xs_pkt_finish(&p);
	memcpy(out, p.buf, p.len);
	return p.len;
}

static struct xs_action label_act(uint32_t which, uint64_t hi, uint64_t lo)
{
	struct xs_action a = { .type = XS_ACT_CT_LABEL, .arg = which };

	for (int i = 0; i < 8; i++) {
		a.u.bytes[i] = (uint8_t)(hi >> (56 - 8 * i));
		a.u.bytes[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
	}
	return a;
}

/* Runs ct(commit,zone=ZONE) with label @v/@m (m 0: no label) on the
 * original-direction frame of connection 10.0.0.1:@sport -> 10.0.0.2:7000. */
static void commit(uint16_t sport, uint64_t vhi, uint64_t vlo, uint64_t mhi, uint64_t mlo)
{
	uint8_t pkt[128];
	size_t len = udp_frame(pkt, "10.0.0.1", "10.0.0.2", sport, 7000);
	struct xs_action acts[3];
	uint16_t n = 0;

	if (mhi || mlo) {
		acts[n++] = label_act(0, vhi, vlo);
		acts[n++] = label_act(1, mhi, mlo);
	}
	acts[n] = (struct xs_action){ .type = XS_ACT_CT, .arg = ZONE, .flags = XS_CT_F_COMMIT };
	if (mhi || mlo)
		acts[n].flags |= XS_CT_F_LABEL;
	n++;
	assert_int_equal(xs_dp_execute_actions(dp, v.a, pkt, len, acts, n, 0), 0);
}

/* The stored label of connection @sport; false if none. */
static bool stored(uint16_t sport, uint64_t *hi, uint64_t *lo)
{
	struct xs_ct_label_key k = { .zone = ZONE, .proto = 17 };
	struct xs_ct_label_val val;

	k.sport = htons(sport);
	k.dport = htons(7000);
	inet_pton(AF_INET, "10.0.0.1", k.src);
	inet_pton(AF_INET, "10.0.0.2", k.dst);
	if (bpf_map_lookup_elem(xs_dp_map_fd(dp, XS_MAP_CT_LABELS), &k, &val))
		return false;
	*hi = *lo = 0;
	for (int i = 0; i < 8; i++) {
		*hi = *hi << 8 | val.label[i];
		*lo = *lo << 8 | val.label[8 + i];
	}
	return true;
}

/* The reply of connection @sport through ct(zone=ZONE),recirc(7); the
 * second pass's megaflow (installed once) matches ct_label 0x5/0xff and
 * sends it to the capture. Returns how many frames the capture got. */
static uint64_t reply(uint16_t sport)
{
	static struct xs_flow_handle h;
	uint8_t pkt[128];
	size_t len = udp_frame(pkt, "10.0.0.2", "10.0.0.1", 7000, sport);
	struct xs_action acts[] = {
		{ .type = XS_ACT_CT, .arg = ZONE },
		{ .type = XS_ACT_RECIRC, .arg = 7 },
	};
	uint64_t before = fx_cap_count(&v);

	if (!h.gen) {
		struct xs_flow_key key = { .recirc_id = htonl(7) }, mask = { 0 };
		struct xs_action out = { .type = XS_ACT_OUTPUT, .arg = v.a };

		key.ct_label[15] = 0x5;
		mask.recirc_id = 0xffffffff;
		mask.ct_label[15] = 0xff;
		assert_int_equal(xs_dp_flow_install(dp, &key, &mask, &out, 1, 0, &h), 0);
	}
	assert_int_equal(xs_dp_execute_actions(dp, v.a, pkt, len, acts, 2, 0), 0);
	/* a frame, or a second without one (the veth delivers from a softirq) */
	return fx_cap_wait(&v, before + 1) - before;
}

static void test_label_store(void **state)
{
	uint64_t hi, lo;

	(void)state;
	fx_pin_cpu();
	dp = fx_open(64);
	fx_veth_up(&v);
	assert_int_equal(xs_dp_port_add(dp, v.a), 0);

	/* Nothing stored before a labelled commit; a reply then sees 0. */
	commit(5001, 0, 0, 0, 0);
	assert_false(stored(5001, &hi, &lo));
	assert_int_equal(reply(5001), 0);

	/* A labelled commit of a new connection: 0x5, and one bit high up. */
	commit(5002, 1ull << 63, 0x5, 1ull << 63, 0xff);
	assert_true(stored(5002, &hi, &lo));
	assert_int_equal(hi, 1ull << 63);
	assert_int_equal(lo, 0x5);
	/* Its reply matches ct_label=0x5/0xff in the next pass. */
	assert_int_equal(reply(5002), 1);

	/* A later commit relabels under its mask only. */
	commit(5002, 0, 0x900, 0, 0xf00);
	assert_true(stored(5002, &hi, &lo));
	assert_int_equal(hi, 1ull << 63);
	assert_int_equal(lo, 0x905);
	assert_int_equal(reply(5002), 1);

	/* Changing the low byte: the 0x5/0xff pass no longer matches. */
	commit(5002, 0, 0x7, 0, 0xff);
	assert_true(stored(5002, &hi, &lo));
	assert_int_equal(lo, 0x907);
	assert_int_equal(reply(5002), 0);

	/* The connection dies (the kernel's entry deleted); a new one of the
	 * same tuple committed without a label drops the old label. */
	assert_int_equal(fx_sh("conntrack -D -p udp --sport 5002 -w %d >/dev/null 2>&1", ZONE),
			 0);
	commit(5002, 0, 0, 0, 0);
	assert_false(stored(5002, &hi, &lo));
	assert_int_equal(reply(5002), 0);
	/* And one committed with a label starts from 0, not from 0x907. */
	assert_int_equal(fx_sh("conntrack -D -p udp --sport 5002 -w %d >/dev/null 2>&1", ZONE),
			 0);
	commit(5002, 0, 0x5, 0, 0xf);
	assert_true(stored(5002, &hi, &lo));
	assert_int_equal(hi, 0);
	assert_int_equal(lo, 0x5);
	assert_int_equal(reply(5002), 1);

	fx_veth_down(&v);
	xs_dp_close(dp);
}

static int teardown_all(void **state)
{
	(void)state;
	fx_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_store),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
