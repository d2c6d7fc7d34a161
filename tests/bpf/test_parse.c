// SPDX-License-Identifier: Apache-2.0
/* BPF tests of the packet parser: tests/bpf/parse_key.bpf.c runs bpf/parse.h
 * in XDP through BPF_PROG_TEST_RUN; its key must equal the userspace one. */
#include "tests/lib/xs_test.h"
#include "tests/lib/packets.h"
#include "common/flow_parse.h"
#include "parse_key.skel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* Value of parse_key's map: the same layout as in parse_key.bpf.c (the
 * setup checks the size against the map's BTF value size). */
struct parse_out {
	struct xs_flow_key key;
	struct xs_parse_info info;
	__s32 ret;
};

/* Largest frame BPF_PROG_TEST_RUN takes for a non-frags XDP program on
 * 4 KiB pages (page - headroom - skb_shared_info). */
#define MAX_TEST_RUN_LEN 3520

struct fixture {
	struct parse_key *skel;
	int prog_fd;
	int map_fd;
	unsigned int runs; /* frames compared, for the summary line */
};

/* Loads the program when BPF is usable; each test then calls
 * fixture_of(), which skips (or fails under CI) without BPF. */
static int setup(void **state)
{
	static struct fixture f;

	*state = NULL;
	if (geteuid() != 0 || xs_test_mount_bpffs())
		return 0;
	memset(&f, 0, sizeof(f));
	f.skel = parse_key__open_and_load();
	if (!f.skel)
		return -1;
	f.prog_fd = bpf_program__fd(f.skel->progs.parse_key);
	f.map_fd = bpf_map__fd(f.skel->maps.parse_out);
	*state = &f;
	return 0;
}

static struct fixture *fixture_of(void **state)
{
	struct fixture *f = *state;

	xs_test_require_bpf();
	assert_non_null(f);
	assert_int_equal(bpf_map__value_size(f->skel->maps.parse_out),
			 sizeof(struct parse_out));
	return f;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f && f->skel) {
		printf("# %u frames parsed in XDP and compared\n", f->runs);
		parse_key__destroy(f->skel);
	}
	return 0;
}

/* Frames arrive on the loopback device, whose ifindex is 1 in every
 * network namespace; the program copies it into key.in_port. */
#define IN_PORT 1

/* Runs the XDP parser on len bytes of pkt. */
static void run_bpf(struct fixture *f, const void *pkt, size_t len,
		    struct parse_out *out)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = IN_PORT };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt,
		    .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	__u32 zero = 0;

	memset(out, 0xa5, sizeof(*out));
	assert_int_equal(bpf_map_update_elem(f->map_fd, &zero, out, BPF_ANY), 0);
	assert_int_equal(bpf_prog_test_run_opts(f->prog_fd, &opts), 0);
	assert_int_equal(opts.retval, XDP_PASS);
	assert_int_equal(bpf_map_lookup_elem(f->map_fd, &zero, out), 0);
	f->runs++;
}

static void check_key(const struct xs_flow_key *want,
		      const struct xs_flow_key *got, const char *what)
{
	char diff[2048];

	if (xs_pkt_key_diff(want, got, diff, sizeof(diff)))
		fail_msg("%s: keys differ:\n%s", what, diff);
}

/* Parses len bytes of pkt in XDP and in userspace; key, info and result
 * must be identical. Returns the XDP result in *out. */
static void compare(struct fixture *f, const void *pkt, size_t len,
		    struct parse_out *out)
{
	struct xs_flow_key key;
	struct xs_parse_info info;
	int ret;

	run_bpf(f, pkt, len, out);
	ret = xs_flow_parse(pkt, len, IN_PORT, &key, &info);
	check_key(&key, &out->key, "XDP vs userspace");
	if (memcmp(&key, &out->key, sizeof(key)))
		fail_msg("keys differ in padding");
	assert_memory_equal(&info, &out->info, sizeof(info));
	assert_int_equal(ret, out->ret);
}

/* compare() on every prefix of the frame that BPF_PROG_TEST_RUN accepts. */
static void compare_prefixes(struct fixture *f, const struct xs_pkt *p)
{
	struct parse_out out;

	for (size_t len = 14; len <= p->len; len++)
		compare(f, p->buf, len, &out);
}

#define MAC_A "00:00:00:00:00:0a"
#define MAC_B "00:00:00:00:00:0b"

static void start(struct xs_pkt *p)
{
	xs_pkt_init(p);
	xs_pkt_eth(p, MAC_A, MAC_B);
}

static void ip4(struct xs_pkt *p, __u16 frag, __u8 opt_len)
{
	xs_pkt_ipv4(p, &(struct xs_pkt_ip4){ .src = "192.168.1.1",
					     .dst = "10.1.2.3", .tos = 0x10,
					     .ttl = 9, .frag = frag,
					     .opt_len = opt_len });
}

static void ip6(struct xs_pkt *p)
{
	xs_pkt_ipv6(p, &(struct xs_pkt_ip6){ .src = "fe80::1", .dst = "ff02::1",
					     .tclass = 0x28, .label = 0xfffff,
					     .hlim = 1 });
}

/* The corpus: one frame per call, n = 0, 1, ...; returns 0 past the end.
 * Frames 16 and up are malformed on purpose. */
static int corpus(int n, struct xs_pkt *p)
{
	start(p);
	switch (n) {
	case 0:
		ip4(p, 0, 0);
		xs_pkt_tcp(p, 40000, 22, XS_TCP_PSH | XS_TCP_ACK);
		xs_pkt_bytes(p, NULL, 100, 'x');
		break;
	case 1:
		xs_pkt_vlan(p, 0x8100, 0xe000 | 4095);
		ip4(p, 0, 12);
		xs_pkt_udp(p, 68, 67);
		break;
	case 2:
		xs_pkt_vlan(p, 0x88a8, 5);
		xs_pkt_vlan(p, 0x8100, 6);
		ip6(p);
		xs_pkt_tcp(p, 1, 65535, 0xfff);
		break;
	case 3:
		xs_pkt_vlan(p, 0x8100, 1);
		xs_pkt_vlan(p, 0x88a8, 2);
		xs_pkt_vlan(p, 0x8100, 3);
		ip4(p, 0, 0);
		break;
	case 4:
		xs_pkt_arp(p, 2, MAC_A, "10.0.0.2", MAC_B, "10.0.0.1");
		break;
	case 5:
		ip4(p, 0x2000, 0);
		xs_pkt_sctp(p, 9, 10);
		xs_pkt_bytes(p, NULL, 30, 0);
		break;
	case 6:
		ip4(p, 0x0010, 0);
		xs_pkt_udp(p, 1, 2);
		break;
	case 7:
		ip4(p, 0, 40);
		xs_pkt_icmp(p, 8, 0);
		xs_pkt_bytes(p, NULL, 56, 1);
		break;
	case 8:
		ip6(p);
		xs_pkt_ipv6_ext(p, 0, 8);
		xs_pkt_ipv6_ext(p, 60, 2048);
		xs_pkt_ipv6_ext(p, 51, 24);
		xs_pkt_ipv6_frag(p, 0, 1, 5);
		xs_pkt_udp(p, 5, 6);
		break;
	case 9:
		ip6(p);
		xs_pkt_ipv6_ext(p, 0, 8);
		xs_pkt_ipv6_ext(p, 43, 8);
		xs_pkt_ipv6_ext(p, 60, 8);
		xs_pkt_ipv6_ext(p, 60, 8);
		xs_pkt_ipv6_ext(p, 60, 8);
		xs_pkt_tcp(p, 5, 6, 0);
		break;
	case 10:
		ip6(p);
		xs_pkt_ipv6_frag(p, 1, 1, 5);
		xs_pkt_tcp(p, 5, 6, 0);
		break;
	case 11:
		ip6(p);
		xs_pkt_nd(p, 135, "fe80::99", MAC_B, MAC_A);
		xs_pkt_bytes(p, (const __u8[8]){ 14, 1, 1, 2, 3, 4, 5, 6 }, 8, 0);
		break;
	case 12:
		ip6(p);
		xs_pkt_nd(p, 136, "fe80::99", NULL, MAC_A);
		xs_pkt_bytes(p, (const __u8[8]){ 2, 1, 0, 0, 0, 0, 0, 1 }, 8, 0);
		break;
	case 13:
		ip6(p);
		xs_pkt_icmp6(p, 128, 0);
		xs_pkt_bytes(p, NULL, 20, 0xee);
		break;
	case 14:
		xs_pkt_llc_snap(p, 50);
		ip6(p);
		xs_pkt_udp(p, 1, 2);
		break;
	case 15:
		xs_pkt_ethertype(p, 0x8847); /* MPLS: not parsed */
		xs_pkt_bytes(p, NULL, 46, 0x45);
		break;
	case 16: /* IHL 4 */
	case 17: /* IHL 15, more than the total length */
	case 18: /* total length below IHL * 4 */
	case 19: /* total length beyond the frame */
	case 20: /* 256 bytes of L2 padding */
		ip4(p, 0, 0);
		xs_pkt_tcp(p, 1, 2, 0);
		xs_pkt_finish(p);
		if (n == 16)
			p->buf[14] = 0x44;
		if (n == 17)
			p->buf[14] = 0x4f;
		if (n == 18)
			p->buf[17] = 16;
		if (n == 19)
			p->buf[17]++;
		if (n == 20)
			xs_pkt_bytes(p, NULL, 256, 0);
		return 1;
	case 21: /* TCP header cut by the IPv4 total length */
		ip4(p, 0, 0);
		xs_pkt_tcp(p, 1, 2, 0);
		xs_pkt_finish(p);
		p->buf[17] -= 1;
		return 1;
	case 22: /* IPv6 payload length beyond the frame */
	case 23: /* extension header longer than the payload */
		ip6(p);
		xs_pkt_ipv6_ext(p, 60, 8);
		xs_pkt_udp(p, 1, 2);
		xs_pkt_finish(p);
		if (n == 22)
			p->buf[19]++;
		else
			p->buf[55] = 2;
		return 1;
	case 24: /* ND option of length 0 after the target address */
		ip6(p);
		xs_pkt_nd(p, 136, "fe80::99", MAC_B, NULL);
		xs_pkt_bytes(p, (const __u8[8]){ 2, 0 }, 8, 0);
		break;
	case 25: /* ND option longer than the payload */
		ip6(p);
		xs_pkt_nd(p, 135, "fe80::99", NULL, NULL);
		xs_pkt_bytes(p, (const __u8[8]){ 1, 2 }, 8, 0);
		break;
	/* CVE-class packets (issue 15): the edges of every bound. */
	case 26: /* IPv4 protocol 0 (hop-by-hop is IPv6 only): no L4 */
		ip4(p, 0, 0);
		xs_pkt_bytes(p, NULL, 20, 0x3c);
		break;
	case 27: /* exactly XS_IPV6_MAX_EXT extension headers, then TCP */
		ip6(p);
		xs_pkt_ipv6_ext(p, 0, 8);
		xs_pkt_ipv6_ext(p, 43, 8);
		xs_pkt_ipv6_ext(p, 60, 16);
		xs_pkt_ipv6_ext(p, 60, 8);
		xs_pkt_tcp(p, 7, 8, XS_TCP_SYN);
		break;
	case 28: /* hop-by-hop twice (not first the second time), then UDP */
		ip6(p);
		xs_pkt_ipv6_ext(p, 0, 8);
		xs_pkt_ipv6_ext(p, 0, 8);
		xs_pkt_udp(p, 3, 4);
		break;
	case 29: /* four VLAN tags */
		xs_pkt_vlan(p, 0x88a8, 7);
		xs_pkt_vlan(p, 0x8100, 8);
		xs_pkt_vlan(p, 0x8100, 9);
		xs_pkt_vlan(p, 0x8100, 10);
		ip4(p, 0, 0);
		xs_pkt_udp(p, 1, 2);
		break;
	case 30: /* ND options that end exactly at the end of the payload */
		ip6(p);
		xs_pkt_nd(p, 135, "fe80::99", MAC_B, NULL);
		xs_pkt_bytes(p, (const __u8[16]){ 14, 2 }, 16, 0);
		break;
	case 31: /* IHL 15, 40 bytes of options, total length 60: no room for
		  * the TCP header the protocol names */
	case 32: /* total length 0 */
	case 33: /* IPv6 payload length 0 and 300 bytes after the header */
		if (n == 33) {
			ip6(p);
			xs_pkt_udp(p, 1, 2);
			xs_pkt_bytes(p, NULL, 292, 0);
		} else {
			ip4(p, 0, 40);
			xs_pkt_tcp(p, 1, 2, 0);
		}
		xs_pkt_finish(p);
		if (n == 31)
			p->buf[17] = 60, p->buf[16] = 0;
		if (n == 32)
			p->buf[17] = 0, p->buf[16] = 0;
		if (n == 33)
			p->buf[18] = 0, p->buf[19] = 0;
		return 1;
	default:
		return 0;
	}
	xs_pkt_finish(p);
	return 1;
}

/* Every corpus frame and every prefix of it: XDP and userspace agree. */
static void test_corpus_prefixes(void **state)
{
	struct fixture *f = fixture_of(state);
	static struct xs_pkt p;
	int n;

	for (n = 0; corpus(n, &p); n++) {
		assert_true(p.len <= MAX_TEST_RUN_LEN);
		compare_prefixes(f, &p);
	}
	assert_int_equal(n, 34);
}

/* Deterministic byte mutations of the corpus (IHL, lengths, types, option
 * lengths, ...): XDP and userspace agree on every one. */
static void test_corpus_mutations(void **state)
{
	struct fixture *f = fixture_of(state);
	static struct xs_pkt p;
	struct parse_out out;
	__u32 seed = 12345;

	for (int n = 0; corpus(n, &p); n++) {
		for (int m = 0; m < 1000; m++) {
			static __u8 buf[MAX_TEST_RUN_LEN];
			size_t len = p.len < 200 ? p.len : 200;

			memcpy(buf, p.buf, p.len);
			for (int k = 0; k < 1 + m % 3; k++) {
				seed = seed * 1103515245 + 12345;
				buf[12 + (seed >> 8) % (len - 12)] = seed >> 24;
			}
			compare(f, buf, p.len, &out);
		}
	}
}

/* The key of an Ethernet frame MAC_B -> MAC_A of type dl_type, from lo. */
static struct xs_flow_key eth_key(__u16 dl_type)
{
	struct xs_flow_key k;

	memset(&k, 0, sizeof(k));
	k.in_port = IN_PORT;
	xs_pkt_parse_mac(MAC_A, k.dl_dst);
	xs_pkt_parse_mac(MAC_B, k.dl_src);
	k.dl_type = htons(dl_type);
	return k;
}

/* The IPv6 fields of ip6() frames, with nw_proto proto. */
static struct xs_flow_key ip6_key(__u8 proto)
{
	struct xs_flow_key k = eth_key(0x86dd);

	xs_pkt_parse_ip6("fe80::1", k.ipv6_src);
	xs_pkt_parse_ip6("ff02::1", k.ipv6_dst);
	k.ipv6_label = htonl(0xfffff);
	k.nw_tos = 0x28;
	k.nw_ttl = 1;
	k.nw_proto = proto;
	return k;
}

/* Hand-written keys from the XDP side: VLAN tags. */
static void test_expected_vlan(void **state)
{
	struct fixture *f = fixture_of(state);
	static struct xs_pkt p;
	struct xs_flow_key want;
	struct parse_out out;

	/* VLAN, IPv4 with options, UDP. */
	corpus(1, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = eth_key(0x0800);
	want.vlan[0].tpid = htons(0x8100);
	want.vlan[0].tci = htons(0xf000 | 4095);
	want.nw_src = inet_addr("192.168.1.1");
	want.nw_dst = inet_addr("10.1.2.3");
	want.nw_proto = 17;
	want.nw_tos = 0x10;
	want.nw_ttl = 9;
	want.tp_src = htons(68);
	want.tp_dst = htons(67);
	check_key(&want, &out.key, "VLAN IPv4 UDP");
	assert_int_equal(out.ret, XS_PARSE_OK);
	assert_int_equal(out.info.n_vlan, 1);
	assert_int_equal(out.info.l3_off, 18);
	assert_int_equal(out.info.l4_off, 18 + 32);
	assert_int_equal(out.info.nw_end, 18 + 32 + 8);

	/* Three tags: two in the key, dl_type the third TPID, partial. */
	corpus(3, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = eth_key(0x8100);
	want.vlan[0].tpid = htons(0x8100);
	want.vlan[0].tci = htons(0x1001);
	want.vlan[1].tpid = htons(0x88a8);
	want.vlan[1].tci = htons(0x1002);
	check_key(&want, &out.key, "three VLAN tags");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	assert_int_equal(out.info.n_vlan, 2);

	/* Four tags: the same, nothing read past the second. */
	corpus(29, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = eth_key(0x8100);
	want.vlan[0].tpid = htons(0x88a8);
	want.vlan[0].tci = htons(0x1007);
	want.vlan[1].tpid = htons(0x8100);
	want.vlan[1].tci = htons(0x1008);
	check_key(&want, &out.key, "four VLAN tags");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	assert_int_equal(out.info.n_vlan, 2);
	assert_int_equal(out.info.l3_off, 0);
}

/* Hand-written keys from the XDP side: neighbour discovery. */
static void test_expected_nd(void **state)
{
	struct fixture *f = fixture_of(state);
	static struct xs_pkt p;
	struct xs_flow_key want;
	struct parse_out out;

	/* Solicitation with both addresses and a nonce option. */
	corpus(11, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(58);
	want.tp_src = htons(135);
	xs_pkt_parse_ip6("fe80::99", want.nd_target);
	xs_pkt_parse_mac(MAC_B, want.arp_sha);
	xs_pkt_parse_mac(MAC_A, want.arp_tha);
	check_key(&want, &out.key, "ND solicitation");
	assert_int_equal(out.ret, XS_PARSE_OK);
	assert_int_equal(out.info.l4_off, 54);

	/* Advertisement with the target address option twice: the ND
	 * fields are dropped, type and code stay. */
	corpus(12, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(58);
	want.tp_src = htons(136);
	check_key(&want, &out.key, "ND advertisement, option twice");
	assert_int_equal(out.ret, XS_PARSE_OK);

	/* Options up to the last byte of the payload: all read. */
	corpus(30, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(58);
	want.tp_src = htons(135);
	xs_pkt_parse_ip6("fe80::99", want.nd_target);
	xs_pkt_parse_mac(MAC_B, want.arp_sha);
	check_key(&want, &out.key, "ND options to the end");
	assert_int_equal(out.ret, XS_PARSE_OK);
	want = ip6_key(58);
	want.tp_src = htons(136);

	/* Zero-length option: what came before it stays, partial. */
	corpus(24, &p);
	run_bpf(f, p.buf, p.len, &out);
	xs_pkt_parse_ip6("fe80::99", want.nd_target);
	xs_pkt_parse_mac(MAC_B, want.arp_sha);
	check_key(&want, &out.key, "ND zero-length option");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
}

/* Hand-written keys from the XDP side: IPv6 extension headers. */
static void test_expected_ipv6_ext(void **state)
{
	struct fixture *f = fixture_of(state);
	static struct xs_pkt p;
	struct xs_flow_key want;
	struct parse_out out;

	/* Later fragment: nw_proto 44, no L4. */
	corpus(10, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(44);
	want.nw_frag = XS_FRAG_ANY | XS_FRAG_LATER;
	check_key(&want, &out.key, "IPv6 later fragment");
	assert_int_equal(out.info.l4_off, 0);
	assert_int_equal(out.ret, XS_PARSE_OK);

	/* 2 KiB destination options, AH, first fragment, UDP. */
	corpus(8, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(17);
	want.nw_frag = XS_FRAG_ANY;
	want.tp_src = htons(5);
	want.tp_dst = htons(6);
	check_key(&want, &out.key, "IPv6 extension chain");
	assert_int_equal(out.info.l4_off, 54 + 8 + 2048 + 24 + 8);
	assert_int_equal(out.info.flags, XS_PI_FRAG_FIRST);

	/* Exactly XS_IPV6_MAX_EXT headers: all walked, TCP parsed. */
	corpus(27, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(6);
	want.tp_src = htons(7);
	want.tp_dst = htons(8);
	want.tcp_flags = htons(XS_TCP_SYN);
	check_key(&want, &out.key, "IPv6 chain at the bound");
	assert_int_equal(out.ret, XS_PARSE_OK);
	assert_int_equal(out.info.l4_off, 54 + 8 + 8 + 16 + 8);

	/* Hop-by-hop again later in the chain: walked like the others. */
	corpus(28, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(17);
	want.tp_src = htons(3);
	want.tp_dst = htons(4);
	check_key(&want, &out.key, "IPv6 hop-by-hop twice");
	assert_int_equal(out.ret, XS_PARSE_OK);

	/* Payload length 0 and 300 bytes behind the header: more padding
	 * than OVS accepts, addresses not even taken. */
	corpus(33, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = eth_key(0x86dd);
	check_key(&want, &out.key, "IPv6 payload length 0, 300 bytes");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);

	/* Five extension headers: the fifth is nw_proto, partial. */
	corpus(9, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = ip6_key(60);
	check_key(&want, &out.key, "IPv6 chain beyond the bound");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	assert_int_equal(out.info.l4_off, 0);

	/* Extension header longer than the payload: addresses only. */
	corpus(23, &p);
	run_bpf(f, p.buf, p.len, &out);
	want = eth_key(0x86dd);
	xs_pkt_parse_ip6("fe80::1", want.ipv6_src);
	xs_pkt_parse_ip6("ff02::1", want.ipv6_dst);
	check_key(&want, &out.key, "IPv6 extension header too long");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	assert_int_equal(out.info.l3_off, 14);
}

/* Hand-written keys from the XDP side: IPv4 headers that are cut or bad
 * leave the dl fields only. */
static void test_expected_ipv4_invalid(void **state)
{
	struct fixture *f = fixture_of(state);
	static const int bad[] = { 16, 17, 18, 19, 20, 32 };
	struct xs_flow_key want = eth_key(0x0800);
	static struct xs_pkt p;
	struct parse_out out;

	corpus(0, &p);
	run_bpf(f, p.buf, p.len - 1, &out);
	check_key(&want, &out.key, "IPv4 cut short");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	assert_int_equal(out.info.l3_off, 0);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		corpus(bad[i], &p);
		run_bpf(f, p.buf, p.len, &out);
		check_key(&want, &out.key, "malformed IPv4");
		assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	}

	/* The TCP header cut by the total length: L3 fields, no L4. */
	corpus(21, &p);
	run_bpf(f, p.buf, p.len, &out);
	want.nw_src = inet_addr("192.168.1.1");
	want.nw_dst = inet_addr("10.1.2.3");
	want.nw_proto = 6;
	want.nw_tos = 0x10;
	want.nw_ttl = 9;
	check_key(&want, &out.key, "TCP cut by total length");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	assert_int_equal(out.info.l3_off, 14);
	assert_int_equal(out.info.l4_off, 0);

	/* Options to the 60-byte limit and nothing after: L3, no L4. */
	corpus(31, &p);
	run_bpf(f, p.buf, p.len, &out);
	check_key(&want, &out.key, "IHL 15, total length 60");
	assert_int_equal(out.ret, XS_PARSE_PARTIAL);
	assert_int_equal(out.info.l4_off, 0);

	/* Protocol 0: L3 fields, nw_proto 0, no L4, a complete parse. */
	corpus(26, &p);
	run_bpf(f, p.buf, p.len, &out);
	want.nw_proto = 0;
	check_key(&want, &out.key, "IPv4 protocol 0");
	assert_int_equal(out.ret, XS_PARSE_OK);
	assert_int_equal(out.info.l4_off, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_prefixes),
		cmocka_unit_test(test_corpus_mutations),
		cmocka_unit_test(test_expected_vlan),
		cmocka_unit_test(test_expected_nd),
		cmocka_unit_test(test_expected_ipv6_ext),
		cmocka_unit_test(test_expected_ipv4_invalid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
