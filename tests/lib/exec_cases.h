// SPDX-License-Identifier: Apache-2.0
/* Action executor cases shared by the fast path's BPF tests
 * (tests/bpf/test_execute.c) and the userspace dummy datapath's tests
 * (tests/unit/test_dpif_dummy.c): one frame in, one action list, the frames
 * that must come out, byte for byte. Both executors are held to the same
 * table, so they cannot drift apart.
 *
 * Frames are described by field (struct xs_exec_spec) and built with
 * tests/lib/packets.h, which computes checksums from scratch. Cases name
 * two ports: XS_EXEC_PORT_IN, where the frame arrives, and
 * XS_EXEC_PORT_OUT, which each executor maps to a real port of its own. */
#ifndef XS_TEST_EXEC_CASES_H
#define XS_TEST_EXEC_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

#include "tests/lib/packets.h"
#include "xdpswitch/actions.h"

#define XS_EXEC_PORT_IN 1         /* ingress (lo in the BPF tests) */
#define XS_EXEC_PORT_OUT 0xfffe   /* another port, mapped by each test */

#define BE16(v) ((uint16_t)((((v) & 0xff) << 8) | (((v) >> 8) & 0xff)))
#define BE32(v) ((uint32_t)(BE16((v) & 0xffff) << 16 | BE16((v) >> 16)))

/* A test frame, described by fields; xs_exec_build() makes the bytes. */
struct xs_exec_spec {
	const char *dl_src, *dl_dst;
	uint16_t tpid, tci;  /* one VLAN tag when tpid != 0 */
	int l3;              /* 4, 6, or 'a' (ARP) */
	const char *src, *dst;
	uint8_t ttl, tos;
	uint32_t label;
	uint16_t frag;       /* IPv4 flags/offset, host order */
	int l4;              /* IP protocol: 6, 17, 132, 1, 58 */
	uint16_t sport, dport; /* ports, or ICMP type and code */
	bool udp_zero;       /* clear the UDP checksum ("none") */
	uint16_t arp_op;
	const char *sha, *tha;
};

#define MAC_A "00:00:00:00:00:0a"
#define MAC_B "00:00:00:00:00:0b"
#define MAC_C "02:00:00:00:00:0c"
#define MAC_D "02:00:00:00:00:0d"

/* Base specs; cases override fields by naming them again, which is what
 * -Woverride-init warns about (off for every file using them). */
#pragma GCC diagnostic ignored "-Woverride-init"
#define V4(proto, ...) { .dl_src = MAC_A, .dl_dst = MAC_B, .l3 = 4, .src = "10.0.0.1", \
	.dst = "10.0.0.2", .ttl = 64, .l4 = proto, .sport = 1234, .dport = 80, __VA_ARGS__ }
#define V6(proto, ...) { .dl_src = MAC_A, .dl_dst = MAC_B, .l3 = 6, .src = "2001:db8::1", \
	.dst = "2001:db8::2", .ttl = 64, .l4 = proto, .sport = 1234, .dport = 80, __VA_ARGS__ }
#define ARP(...) { .dl_src = MAC_A, .dl_dst = MAC_B, .l3 = 'a', .src = "10.0.0.1", \
	.dst = "10.0.0.2", .arp_op = 1, .sha = MAC_A, .tha = "00:00:00:00:00:00", __VA_ARGS__ }

/* Every built frame ends with these bytes (ARP: as Ethernet padding), so
 * captures can tell test frames from others. */
extern const uint8_t xs_exec_payload[8];

/* Builds the frame @s describes into @p (checksums right, then the UDP
 * one cleared if udp_zero). */
void xs_exec_build(struct xs_pkt *p, const struct xs_exec_spec *s);

/* Fails the running test at the first byte (or the length) where @got
 * differs from @want, naming the case. */
void xs_exec_assert_frame(const uint8_t *want, size_t want_len, const uint8_t *got,
			  size_t got_len, const char *name);

/* Actions. */
#define OUT(port) { .type = XS_ACT_OUTPUT, .arg = (port) }
#define BCAST { .type = XS_ACT_OUTPUT, .flags = XS_OUT_F_BROADCAST }
#define MAC(t, ...) { .type = (t), .u.mac = { __VA_ARGS__ } }
#define IP4(t, a, b, c, d) { .type = (t), .u.bytes = { a, b, c, d } }
#define IP6(t, ...) { .type = (t), .u.bytes = { __VA_ARGS__ } }
#define U8(t, v, m) { .type = (t), .u.bytes = { v, m } }
#define B16(t, v, m) { .type = (t), .u.be16 = { BE16(v), BE16(m) } }
#define ARPF(f, ...) { .type = XS_ACT_SET_ARP, .flags = (f), .u.bytes = { __VA_ARGS__ } }
#define ACT(t) { .type = (t) }

/* 2001:db8::99 and 2001:db8::aa */
#define V6_99 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99
#define V6_AA 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa

/* A list whose one OUTPUT is its last action: @out comes out of that port
 * (@verdict: XDP_TX when it is the ingress port, else XDP_REDIRECT). */
struct xs_exec_case {
	const char *name;
	struct xs_exec_spec in, out;
	struct xs_action acts[6];
	int n;
	int verdict;
};

extern const struct xs_exec_case xs_exec_cases[];
extern const size_t xs_exec_n_cases;

/* A list the TC stage runs (several outputs): @out[0..n_out) come out of
 * XS_EXEC_PORT_OUT, in order. */
struct xs_exec_multi_case {
	const char *name;
	struct xs_exec_spec in;
	struct xs_exec_spec out[2];
	int n_out;
	struct xs_action acts[6];
	int n;
};

extern const struct xs_exec_multi_case xs_exec_multi_cases[];
extern const size_t xs_exec_n_multi_cases;

#endif
