// SPDX-License-Identifier: Apache-2.0
/* Unit tests for the field table: lookups, where each field's bits land in
 * the key, match value/mask handling and prerequisites. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <string.h>
#include "agent/ofp/fields.h"

static const struct ofp_field *by_name(const char *name)
{
	return ofp_field_by_name(name, strlen(name));
}

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(by_name("nw_src")->id, OFPF_NW_SRC);
	/* Matches and set_field take the short names only, as ovs-ofctl. */
	assert_null(by_name("NXM_OF_IP_SRC"));
	assert_null(by_name("OXM_OF_IPV4_SRC"));
	assert_int_equal(ofp_subfield_by_name("NXM_OF_IP_SRC", 13)->id, OFPF_NW_SRC);
	assert_int_equal(ofp_subfield_by_name("OXM_OF_IPV4_SRC", 15)->id, OFPF_NW_SRC);
	assert_int_equal(by_name("reg7")->id, OFPF_REG0 + 7);
	assert_int_equal(ofp_subfield_by_name("NXM_NX_REG15", 12)->id, OFPF_REG0 + 15);
	assert_int_equal(by_name("nw_ecn")->id, OFPF_IP_ECN);
	assert_int_equal(by_name("udp_dst")->id, OFPF_UDP_DST);
	assert_null(by_name("NW_SRC"));
	assert_null(by_name("reg16"));
	assert_ptr_equal(ofp_field_by_name("nw_srcx", 6), by_name("nw_src"));
	assert_null(ofp_field_by_id(OFPF__MAX));
	for (int i = 0; i < OFPF__MAX; i++) {
		const struct ofp_field *f = ofp_field_by_id(i);

		assert_int_equal(f->id, i);
		assert_ptr_equal(by_name(f->name), f);
		assert_true(f->n_bytes <= OFP_FIELD_MAX_BYTES);
		assert_true(f->n_bits <= f->n_bytes * 8);
	}
}

static void test_get_set_views(void **state)
{
	struct ofp_key k;
	uint8_t v[16];

	(void)state;
	memset(&k, 0, sizeof(k));
	k.dp.vlan[0].tci = htons(0xa000 | XS_VLAN_PRESENT | 0x123);
	ofp_field_get(by_name("dl_vlan"), &k, v);
	assert_int_equal(v[0] << 8 | v[1], 0x123);
	ofp_field_get(by_name("dl_vlan_pcp"), &k, v);
	assert_int_equal(v[0], 5);

	v[0] = 7;
	ofp_field_set(by_name("dl_vlan_pcp"), v, NULL, &k);
	assert_int_equal(ntohs(k.dp.vlan[0].tci), 0xe000 | XS_VLAN_PRESENT | 0x123);

	k.dp.nw_tos = 0x03;
	v[0] = 46;
	ofp_field_set(by_name("ip_dscp"), v, NULL, &k);
	assert_int_equal(k.dp.nw_tos, 46 << 2 | 3);
	ofp_field_get(by_name("nw_tos"), &k, v);
	assert_int_equal(v[0], 46 << 2);
	ofp_field_get(by_name("ip_ecn"), &k, v);
	assert_int_equal(v[0], 3);

	k.dp.in_port = 7;
	ofp_field_get(by_name("in_port"), &k, v);
	assert_int_equal(v[0] << 8 | v[1], 7);
	v[0] = 0xff; v[1] = 0xfe;
	ofp_field_set(by_name("in_port"), v, NULL, &k);
	assert_int_equal(k.dp.in_port, 0xfffe);

	v[0] = 8;
	ofp_field_set(by_name("icmp_type"), v, NULL, &k);
	assert_int_equal(ntohs(k.dp.tp_src), 8);

	memset(v, 0, 4);
	v[3] = 0x0f;
	uint8_t m[4] = { 0, 0, 0, 0x0c };
	k.regs[3] = htonl(0x100);
	ofp_field_set(by_name("reg3"), v, m, &k);
	assert_int_equal(ntohl(k.regs[3]), 0x10c);
}

static void test_set_match(void **state)
{
	struct ofp_match m;
	uint8_t v[16], mk[16];

	(void)state;
	memset(&m, 0, sizeof(m));
	v[0] = 0x00; v[1] = 0x05;
	ofp_field_set_match(by_name("dl_vlan"), v, NULL, &m);
	assert_int_equal(ntohs(m.value.dp.vlan[0].tci), XS_VLAN_PRESENT | 5);
	assert_int_equal(ntohs(m.mask.dp.vlan[0].tci), XS_VLAN_PRESENT | 0xfff);

	memcpy(v, "\x0a\x00\x00\x07", 4);
	memcpy(mk, "\xff\xff\x00\x00", 4);
	ofp_field_set_match(by_name("nw_src"), v, mk, &m);
	assert_int_equal(ntohl(m.value.dp.nw_src), 0x0a000000);
	assert_int_equal(ntohl(m.mask.dp.nw_src), 0xffff0000);
	ofp_field_get_match(by_name("nw_src"), &m, v, mk);
	assert_memory_equal(v, "\x0a\x00\x00\x00", 4);
	assert_memory_equal(mk, "\xff\xff\x00\x00", 4);

	ofp_field_mask_all(by_name("ipv6_label"), &m.mask);
	assert_int_equal(ntohl(m.mask.dp.ipv6_label), 0xfffff);

	/* ICMP type/code pin the whole 16-bit member, like OVS. */
	memset(&m, 0, sizeof(m));
	m.value.dp.tp_src = htons(0xab00);
	v[0] = 8;
	ofp_field_set_match(by_name("icmp_type"), v, NULL, &m);
	assert_int_equal(ntohs(m.value.dp.tp_src), 8);
	assert_int_equal(m.mask.dp.tp_src, 0xffff);
	ofp_field_get_match(by_name("icmpv6_type"), &m, v, mk);
	assert_int_equal(v[0], 8);
	assert_int_equal(mk[0], 0xff);

	/* A masked set replaces the field's bits only. */
	memset(&m, 0, sizeof(m));
	m.value.dp.nw_tos = 0x01;
	m.mask.dp.nw_tos = 0x03;
	v[0] = 10;
	ofp_field_set_match(by_name("ip_dscp"), v, NULL, &m);
	assert_int_equal(m.value.dp.nw_tos, 10 << 2 | 1);
	assert_int_equal(m.mask.dp.nw_tos, 0xff);
	v[0] = 0xff;
	mk[0] = 0xf0;
	ofp_field_set_match(by_name("nw_ttl"), v, mk, &m);
	assert_int_equal(m.value.dp.nw_ttl, 0xf0);
	assert_int_equal(m.mask.dp.nw_ttl, 0xf0);
}

static void test_prereq_masks(void **state)
{
	struct ofp_key k, mask;

	(void)state;
	/* Only what was looked at: dl_type decides for a non-IP packet. */
	memset(&k, 0, sizeof(k));
	memset(&mask, 0, sizeof(mask));
	k.dp.dl_type = htons(0x0806);
	k.dp.nw_proto = 1;
	ofp_prereq_mask(by_name("icmp_type"), &k, &mask);
	assert_int_equal(mask.dp.dl_type, 0xffff);
	assert_int_equal(mask.dp.nw_proto, 0);
	assert_true(ofp_prereq_ok(by_name("arp_op"), &k));
	assert_false(ofp_prereq_ok(by_name("nw_ttl"), &k));

	/* IPv4 UDP: proto is read too; ND stops at the protocol. */
	k.dp.dl_type = htons(0x0800);
	k.dp.nw_proto = 17;
	memset(&mask, 0, sizeof(mask));
	ofp_prereq_mask(by_name("tp_src"), &k, &mask);
	assert_int_equal(mask.dp.nw_proto, 0xff);
	assert_true(ofp_prereq_ok(by_name("tp_src"), &k));
	assert_false(ofp_prereq_ok(by_name("tcp_flags"), &k));
	k.dp.dl_type = htons(0x86dd);
	memset(&mask, 0, sizeof(mask));
	ofp_prereq_mask(by_name("nd_target"), &k, &mask);
	assert_int_equal(mask.dp.nw_proto, 0xff);
	assert_int_equal(mask.dp.tp_src, 0);

	/* VLAN: the present bit only. */
	memset(&k, 0, sizeof(k));
	memset(&mask, 0, sizeof(mask));
	assert_false(ofp_prereq_ok(by_name("dl_vlan_pcp"), &k));
	ofp_prereq_mask(by_name("dl_vlan_pcp"), &k, &mask);
	assert_int_equal(ntohs(mask.dp.vlan[0].tci), XS_VLAN_PRESENT);
	assert_int_equal(mask.dp.dl_type, 0);
	k.dp.vlan[0].tci = htons(XS_VLAN_PRESENT);
	assert_true(ofp_prereq_ok(by_name("dl_vlan"), &k));
	assert_true(ofp_prereq_ok(by_name("metadata"), &k));
}

static void test_prereqs(void **state)
{
	struct ofp_key k, mask;
	struct ofp_match m;

	(void)state;
	memset(&k, 0, sizeof(k));
	memset(&mask, 0, sizeof(mask));
	assert_false(ofp_prereq_ok(by_name("tp_dst"), &k));
	ofp_prereq_mask(by_name("tp_dst"), &k, &mask);
	assert_int_equal(mask.dp.dl_type, 0xffff);
	assert_int_equal(mask.dp.nw_proto, 0);

	k.dp.dl_type = htons(0x86dd);
	k.dp.nw_proto = 58;
	k.dp.tp_src = htons(135);
	assert_true(ofp_prereq_ok(by_name("nd_target"), &k));
	assert_true(ofp_prereq_ok(by_name("icmpv6_type"), &k));
	assert_false(ofp_prereq_ok(by_name("icmp_type"), &k));
	assert_false(ofp_prereq_ok(by_name("tp_src"), &k));
	ofp_prereq_mask(by_name("nd_target"), &k, &mask);
	assert_int_equal(mask.dp.tp_src, 0xffff);
	assert_int_equal(mask.dp.tp_dst, 0xffff);
	k.dp.tp_dst = htons(1);
	assert_false(ofp_prereq_ok(by_name("nd_target"), &k));

	memset(&m, 0, sizeof(m));
	assert_false(ofp_prereq_in_match(by_name("nw_src"), &m));
	m.value.dp.dl_type = htons(0x0800);
	m.mask.dp.dl_type = 0xffff;
	assert_true(ofp_prereq_in_match(by_name("nw_src"), &m));
	assert_false(ofp_prereq_in_match(by_name("tp_src"), &m));
	m.value.dp.nw_proto = 17;
	m.mask.dp.nw_proto = 0xff;
	assert_true(ofp_prereq_in_match(by_name("tp_src"), &m));
	assert_false(ofp_prereq_in_match(by_name("tcp_flags"), &m));
	assert_false(ofp_prereq_in_match(by_name("dl_vlan_pcp"), &m));
	assert_true(ofp_prereq_in_match(by_name("reg0"), &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_get_set_views),
		cmocka_unit_test(test_set_match),
		cmocka_unit_test(test_prereqs),
		cmocka_unit_test(test_prereq_masks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
