// SPDX-License-Identifier: Apache-2.0
/* The megaflow hash's version is part of the pinned maps' contract
 * (flow_hash.h): maps pinned by an agent before the fold (no xs_hash_ver
 * pin, megaflows hashed unfolded) are adopted and kept in version 0, by
 * the agent and by the fast path alike, across further restarts; new maps
 * get the current version; a version this code does not know is refused
 * and nothing pinned changes. */
#include <sys/stat.h>
#include <unistd.h>

#include "tests/bpf/dp_fixture.h"
#include "agent/datapath/dp_internal.h" /* hash entries */

static char pin_dir[64]; /* /sys/fs/bpf/xs-test-hv-<pid> */

/* fx_udp4(@i) on port 1 under a mask with fields in the top bits of their
 * words (nw_src, tp_src), where the two versions hash differently. */
static void match(uint32_t i, struct xs_flow_key *key, struct xs_flow_key *mask)
{
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, i);

	fx_key(pkt, len, 1, key);
	memset(mask, 0, sizeof(*mask));
	mask->in_port = 0xffffffff;
	mask->dl_type = 0xffff;
	mask->nw_src = mask->nw_dst = 0xffffffff;
	mask->tp_src = 0xffff;
}

/* The pinned xs_megaflows key of (@key, @mask) under mask id @id, version
 * @ver: 0 if it is there, else -ENOENT. */
static int pinned_entry(const struct xs_hash_key *hk, uint32_t ver, const struct xs_flow_key *key,
			const struct xs_flow_key *mask, uint32_t id)
{
	struct xs_megaflow_key mk;
	struct xs_megaflow_entry ent, got;
	struct xs_mask_words mw;
	char path[128];
	int fd, err;

	xs_mask_words_make(mask, id, &mw);
	xs_megaflow_entry_make(hk, ver, key, &mw, (struct xs_flow_handle){ 0, 0 }, &mk, &ent, NULL);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_MEGAFLOWS);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	err = bpf_map_lookup_elem(fd, &mk, &got) ? -errno : 0;
	close(fd);
	return err;
}

/* The version pinned in xs_hash_ver, or -ENOENT without the pin. */
static int64_t pinned_version(void)
{
	char path[128];
	uint32_t zero = 0, v;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_HASH_VER);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_map_lookup_elem(fd, &zero, &v) ? -errno : 0;
	close(fd);
	return err ? err : (int64_t)v;
}

static void set_pinned_version(uint32_t v)
{
	char path[128];
	uint32_t zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_HASH_VER);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &zero, &v, BPF_ANY), 0);
	close(fd);
}

/* Runs fx_udp4(@i) on port 1: 1 if it hit a megaflow (no microflow cache:
 * every run probes), 0 if it missed. */
static int hits(struct xs_dp *dp, uint32_t i)
{
	uint64_t s0[XS_STAT__MAX], s1[XS_STAT__MAX];
	uint8_t pkt[128];
	size_t len = fx_udp4(pkt, i);

	fx_stats(dp, s0);
	assert_int_equal(fx_run(dp, 1, pkt, len), XDP_DROP);
	fx_stats(dp, s1);
	assert_int_equal(s1[XS_STAT_MEGAFLOW_HIT] - s0[XS_STAT_MEGAFLOW_HIT] +
				 s1[XS_STAT_MISS] - s0[XS_STAT_MISS], 1);
	return s1[XS_STAT_MEGAFLOW_HIT] - s0[XS_STAT_MEGAFLOW_HIT] == 1;
}

static void setup_dir(void)
{
	xs_test_require_bpf();
	assert_int_equal(xs_test_mount_bpffs(), 0);
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/xs-test-hv-%d", (int)getpid());
	xs_dp_unpin(pin_dir);
}

/* New maps: the current version, pinned; a restart keeps it. */
static void test_new_maps_current_version(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64, .emc_disabled = true };
	struct xs_flow_key key, mask;
	struct xs_flow_handle h;
	struct xs_dp_flow f;
	struct xs_dp *dp;

	(void)state;
	setup_dir();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_hash_version(dp), XS_HASH_V_CURRENT);
	assert_int_equal(pinned_version(), XS_HASH_V_CURRENT);
	match(3, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h), 0);
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	struct xs_hash_key hk = *xs_dp_hash_key(dp);
	assert_int_equal(hits(dp, 3), 1);
	assert_int_equal(pinned_entry(&hk, XS_HASH_V_CURRENT, &key, &mask, f.mask_id), 0);
	assert_int_equal(pinned_entry(&hk, XS_HASH_V_MULTILINEAR, &key, &mask, f.mask_id), -ENOENT);
	xs_dp_close(dp);

	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_hash_version(dp), XS_HASH_V_CURRENT);
	assert_int_equal(xs_dp_flow_count(dp), 1);
	assert_int_equal(hits(dp, 3), 1);
	xs_dp_close(dp);
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
}

/* Maps pinned by an agent before the fold: megaflows hashed unfolded, no
 * xs_hash_ver pin. The new agent adopts them in version 0: their
 * megaflows still hit, the ones it installs are hashed unfolded and hit
 * too, and it pins version 0 so the next agent does the same. */
static void test_old_pins_adopted_in_version_0(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64, .emc_disabled = true };
	struct xs_flow_key key, mask, key2, mask2;
	struct xs_flow_handle h, h2;
	struct xs_dp_flow f;
	char path[128];
	struct xs_dp *dp;

	(void)state;
	setup_dir();
	o.hash_version_old = true;
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	o.hash_version_old = false;
	assert_int_equal(xs_dp_hash_version(dp), XS_HASH_V_MULTILINEAR);
	match(3, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h), 0);
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	struct xs_hash_key hk = *xs_dp_hash_key(dp);
	assert_int_equal(hits(dp, 3), 1);
	assert_int_equal(pinned_entry(&hk, XS_HASH_V_MULTILINEAR, &key, &mask, f.mask_id), 0);
	assert_int_equal(pinned_entry(&hk, XS_HASH_V_CURRENT, &key, &mask, f.mask_id), -ENOENT);
	xs_dp_close(dp);
	/* The old layout: no version pin. */
	snprintf(path, sizeof(path), "%s/%s", pin_dir, XS_MAP_HASH_VER);
	assert_int_equal(unlink(path), 0);

	for (int restart = 0; restart < 2; restart++) {
		assert_int_equal(xs_dp_open(&o, &dp), 0);
		assert_int_equal(xs_dp_hash_version(dp), XS_HASH_V_MULTILINEAR);
		assert_int_equal(pinned_version(), XS_HASH_V_MULTILINEAR);
		assert_memory_equal(xs_dp_hash_key(dp), &hk, sizeof(hk));
		assert_int_equal(xs_dp_flow_count(dp), 1 + restart);
		assert_int_equal(hits(dp, 3), 1);
		assert_int_equal(hits(dp, 4), restart);
		if (!restart) {
			match(4, &key2, &mask2);
			assert_int_equal(xs_dp_flow_install(dp, &key2, &mask2, NULL, 0,
							    XS_MF_F_XDP, &h2), 0);
			assert_int_equal(hits(dp, 4), 1);
		}
		assert_int_equal(pinned_entry(&hk, XS_HASH_V_MULTILINEAR, &key2, &mask2, f.mask_id),
				 0);
		xs_dp_close(dp);
	}
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
	assert_int_equal(pinned_version(), -ENOENT);
}

/* A version this code does not compute (a newer agent's pins): refused
 * with -EPROTONOSUPPORT, the pins left as they were. */
static void test_unknown_version_refused(void **state)
{
	struct xs_dp_opts o = { .pin_dir = pin_dir, .max_flows = 64, .emc_disabled = true };
	struct xs_flow_key key, mask;
	struct xs_flow_handle h;
	struct xs_dp_flow f;
	struct xs_dp *dp;

	(void)state;
	setup_dir();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	match(5, &key, &mask);
	assert_int_equal(xs_dp_flow_install(dp, &key, &mask, NULL, 0, XS_MF_F_XDP, &h), 0);
	assert_int_equal(xs_dp_flow_get(dp, h, &f), 0);
	struct xs_hash_key hk = *xs_dp_hash_key(dp);
	xs_dp_close(dp);

	set_pinned_version(XS_HASH_V_CURRENT + 1);
	dp = (struct xs_dp *)1;
	assert_int_equal(xs_dp_open(&o, &dp), -EPROTONOSUPPORT);
	assert_null(dp);
	assert_int_equal(pinned_version(), XS_HASH_V_CURRENT + 1);
	assert_int_equal(pinned_entry(&hk, XS_HASH_V_CURRENT, &key, &mask, f.mask_id), 0);

	set_pinned_version(XS_HASH_V_CURRENT);
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	assert_int_equal(xs_dp_flow_count(dp), 1);
	assert_int_equal(hits(dp, 5), 1);
	xs_dp_close(dp);
	assert_int_equal(xs_dp_unpin(pin_dir), 0);
}

/* Megaflows in a further way (way > 0) of the datapath's xs_megaflows. */
static unsigned int further_ways(struct xs_dp *dp)
{
	int fd = xs_dp_map_fd(dp, XS_MAP_MEGAFLOWS);
	struct xs_megaflow_key k, next;
	unsigned int n = 0;
	void *prev = NULL;

	assert_true(fd >= 0);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		n += next.way > 0;
		k = next;
		prev = &k;
	}
	return n;
}

/* The bench's new-flow traffic (tests/bench: 65536 flows, two source
 * addresses of 32768 source ports each; its table copies source into
 * destination, so each flow is its own megaflow of in_port, udp, nw_src
 * and tp_src) installed in a real datapath: every flow in way 0 with the
 * current hash; with version 0, half of them took a further way. */
static unsigned int bench_flows_further_ways(bool old)
{
	enum { N = 65536, BATCH = 256 };
	struct xs_dp_put *puts = calloc(BATCH, sizeof(*puts));
	struct xs_flow_key *keys = calloc(BATCH, sizeof(*keys)), mask;
	struct xs_dp *dp;
	unsigned int further;

	assert_true(puts && keys);
	assert_int_equal(xs_dp_open(&(struct xs_dp_opts){ .max_flows = N, .emc_disabled = true,
							  .hash_version_old = old },
				    &dp), 0);
	memset(&mask, 0, sizeof(mask));
	mask.in_port = ~0u;
	mask.dl_type = 0xffff;
	mask.nw_proto = 0xff;
	mask.nw_src = ~0u;
	mask.tp_src = 0xffff;
	for (uint32_t i = 0; i < N; i += BATCH) {
		for (uint32_t j = 0; j < BATCH; j++) {
			memset(&keys[j], 0, sizeof(keys[j]));
			keys[j].in_port = 1;
			keys[j].dl_type = htons(0x0800);
			keys[j].nw_proto = 17;
			keys[j].nw_src = htonl(0x0a000000 + ((i + j) >> 15) + 1);
			keys[j].tp_src = htons(32768 + ((i + j) & 32767));
			puts[j] = (struct xs_dp_put){ .key = &keys[j], .mask = &mask };
		}
		assert_int_equal(xs_dp_flow_install_batch(dp, puts, BATCH), BATCH);
	}
	assert_int_equal(xs_dp_flow_count(dp), N);
	further = further_ways(dp);
	print_message("# bench flows, hash version %u: %u of %u in a further way, %llu under "
		      "the exact mask\n", xs_dp_hash_version(dp), further, N,
		      (unsigned long long)xs_dp_collisions_exact(dp));
	if (!old)
		assert_int_equal(xs_dp_collisions_exact(dp), 0);
	xs_dp_close(dp);
	free(puts);
	free(keys);
	return further;
}

static void test_bench_flows_one_way(void **state)
{
	(void)state;
	xs_test_require_bpf();
	assert_int_equal(bench_flows_further_ways(false), 0);
	assert_true(bench_flows_further_ways(true) > 65536 / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_maps_current_version),
		cmocka_unit_test(test_old_pins_adopted_in_version_0),
		cmocka_unit_test(test_unknown_version_refused),
		cmocka_unit_test(test_bench_flows_one_way),
	};
	fx_pin_cpu();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (pin_dir[0])
		xs_dp_unpin(pin_dir);
	return failed;
}
