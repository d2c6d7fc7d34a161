// SPDX-License-Identifier: Apache-2.0
/* Slot and mask-id reuse under traffic: while two threads run a frame
 * through the XDP program without pause, the agent side rewrites its
 * megaflow's actions (each modify takes a new slot and retires the old
 * one) and now and then removes it and installs it under another mask
 * (the mask id is freed and later reused). Checked:
 *  - no slot and no mask id is handed out again before a grace period
 *    that began after its release (the datapath's own count);
 *  - every frame forwarded ran one whole action list: the two MAC
 *    rewrites of a list always carry the same value, so a slot rewritten
 *    under a running packet would show as a frame whose MACs differ. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>

#include "tests/bpf/dp_fixture.h"

#define ROUNDS 1500
#define MAX_FLOWS 8 /* 73 slots (xs_dp_slots_for): each is reused about every 70 rewrites */
#define N_SLOTS (MAX_FLOWS + MAX_FLOWS / XS_DP_CONT_SHARE + XS_DP_SPARE_SLOTS)

struct runner {
	struct xs_dp *dp;
	const uint8_t *pkt;
	size_t len;
	atomic_int *stop;
	uint64_t tx, drop, torn, other;
};

static void *run_traffic(void *arg)
{
	struct runner *r = arg;
	struct xdp_md ctx = { .data_end = r->len, .ingress_ifindex = 1 };
	uint8_t out[256];

	while (!atomic_load(r->stop)) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = r->pkt, .data_size_in = r->len,
			    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1);

		if (bpf_prog_test_run_opts(xs_dp_xdp_prog_fd(r->dp), &o)) {
			r->other++;
			continue;
		}
		if (o.retval == XDP_TX) {
			r->tx++;
			if (memcmp(out, out + 6, 6) || out[5] != 0x77)
				r->torn++;
		} else if (o.retval == XDP_DROP) {
			r->drop++; /* a miss between remove and install */
		} else {
			r->other++;
		}
	}
	return NULL;
}

static void mac_actions(uint32_t round, struct xs_action acts[3])
{
	uint8_t mac[6] = { 0x02, 0, (uint8_t)(round >> 16), (uint8_t)(round >> 8), (uint8_t)round,
			   0x77 };

	memset(acts, 0, 3 * sizeof(*acts));
	acts[0].type = XS_ACT_SET_ETH_DST;
	memcpy(acts[0].u.mac, mac, 6);
	acts[1].type = XS_ACT_SET_ETH_SRC;
	memcpy(acts[1].u.mac, mac, 6);
	acts[2].type = XS_ACT_OUTPUT;
	acts[2].arg = 1;
}

static void test_reuse_waits_for_grace_under_traffic(void **state)
{
	uint64_t slot_released[N_SLOTS] = { 0 };
	uint64_t id_released[XS_MAX_MASKS] = { 0 };
	bool slot_seen[N_SLOTS] = { false };
	bool id_seen[XS_MAX_MASKS] = { false };
	struct xs_flow_key key, mask[2];
	struct xs_action acts[3];
	struct xs_flow_handle h, old;
	struct runner r[2];
	pthread_t th[2];
	atomic_int stop = 0;
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, 3);
	unsigned slot_reuses = 0, id_reuses = 0, m = 0;
	struct xs_dp_flow f;
	struct xs_dp *dp;

	(void)state;
	xs_test_require_bpf();
	assert_int_equal(xs_dp_slots_for(MAX_FLOWS), N_SLOTS);
	dp = fx_open(MAX_FLOWS);
	assert_int_equal(xs_dp_port_add(dp, 1), 0);
	fx_key(pkt, len, 1, &key);
	for (int i = 0; i < 2; i++) {
		memset(&mask[i], 0, sizeof(mask[i]));
		mask[i].in_port = 0xffffffff;
	}
	memset(mask[0].dl_dst, 0xff, 6);
	memset(mask[1].dl_src, 0xff, 6);
	mac_actions(0, acts);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask[0], acts, 3, XS_MF_F_XDP, &h), 0);
	slot_seen[h.slot] = true;
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	id_seen[f.mask_id] = true;

	for (int i = 0; i < 2; i++) {
		r[i] = (struct runner){ .dp = dp, .pkt = pkt, .len = len, .stop = &stop };
		assert_int_equal(pthread_create(&th[i], NULL, run_traffic, &r[i]), 0);
	}
	for (uint32_t round = 1; round <= ROUNDS; round++) {
		uint64_t released_at;

		mac_actions(round, acts);
		old = h;
		if (round % 5) {
			assert_int_equal(xs_dp_flow_modify(dp, &h, acts, 3, XS_MF_F_XDP), 0);
			released_at = xs_dp_graces(dp, NULL); /* old slot released last */
		} else { /* the mask's last flow goes: its id is freed */
			assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
			assert_int_equal(xs_dp_flow_remove(dp, h, NULL), 0);
			/* before the install, which may wait for a grace period */
			released_at = xs_dp_graces(dp, NULL);
			id_released[f.mask_id] = released_at;
			m ^= 1;
			assert_int_equal(xs_dp_flow_install(dp, &key, &mask[m], acts, 3, XS_MF_F_XDP,
							    &h), 0);
			assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
			if (id_seen[f.mask_id]) {
				id_reuses++;
				if (xs_dp_graces(dp, NULL) <= id_released[f.mask_id])
					fail_msg("mask id %u reused without a grace period", f.mask_id);
			}
			id_seen[f.mask_id] = true;
		}
		slot_released[old.slot] = released_at;
		if (slot_seen[h.slot]) {
			slot_reuses++;
			if (xs_dp_graces(dp, NULL) <= slot_released[h.slot])
				fail_msg("slot %u reused without a grace period", h.slot);
		}
		slot_seen[h.slot] = true;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	print_message("# %u rewrites: %u slot reuses, %u mask id reuses, %" PRIu64
		      " grace periods; frames forwarded %" PRIu64 ", missed %" PRIu64 "\n",
		      ROUNDS, slot_reuses, id_reuses, xs_dp_graces(dp, NULL), r[0].tx + r[1].tx,
		      r[0].drop + r[1].drop);
	/* the loop went round the slots many times, and ids came back */
	assert_true(slot_reuses > ROUNDS / 2);
	assert_true(id_reuses > 0);
	assert_true(r[0].tx + r[1].tx > 0);
	assert_int_equal(r[0].torn + r[1].torn, 0);
	assert_int_equal(r[0].other + r[1].other, 0);
	xs_dp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reuse_waits_for_grace_under_traffic),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	fx_cleanup();
	return failed;
}
