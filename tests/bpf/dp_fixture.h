// SPDX-License-Identifier: Apache-2.0
/* Fixture of the datapath BPF tests: frames through the XDP program with
 * BPF_PROG_TEST_RUN, and a veth whose far end records what is sent. */
#ifndef XS_TESTS_BPF_DP_FIXTURE_H
#define XS_TESTS_BPF_DP_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "tests/lib/xs_test.h"
#include "tests/lib/packets.h"
#include "common/flow_parse.h"
#include "agent/datapath/dp.h"
#include "capture.skel.h"

#define FX_CAP_FRAMES 16
#define FX_SRC_MAC "02:00:00:00:00:01" /* the capture keeps only these */

struct fx_cap_frame {
	uint32_t len;
	uint32_t ifindex;
	uint8_t data[2048];
};

/* Names carry the pid: several runs of these tests (other helpers' `make
 * test`) may share the host. */
struct fx_veth {
	char name_a[IF_NAMESIZE]; /* the datapath sends here */
	char name_b[IF_NAMESIZE]; /* capture runs here */
	uint32_t a, b;            /* ifindexes */
	struct capture *cap;
	uint64_t base;  /* frames captured before the test began */
};

/* Keeps the test on CPU 0: microflow entries and miss buckets are per CPU,
 * so exact counter checks need every run on the same CPU. */
static inline void fx_pin_cpu(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Key of a frame as the fast path's parser sees it on @in_port. */
static inline void fx_key(const void *pkt, size_t len, uint32_t in_port, struct xs_flow_key *key)
{
	struct xs_parse_info info;

	assert_true(xs_flow_parse(pkt, len, in_port, key, &info) >= 0);
}

/* UDP/IPv4 frame number @i (i < 65536): 10.0.0.2:1000 -> 10.1.0.1 + i*256
 * port 2000, 60 bytes. Writes it to @out and returns its length. */
static inline size_t fx_udp4(uint8_t *out, uint32_t i)
{
	struct xs_pkt p;
	char dst[32];

	snprintf(dst, sizeof(dst), "10.%u.%u.1", 1 + i / 256, i % 256);
	xs_pkt_init(&p);
	xs_pkt_eth(&p, "02:00:00:00:00:02", FX_SRC_MAC);
	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.2", .dst = dst, .ttl = 64 });
	xs_pkt_udp(&p, 1000, 2000);
	xs_pkt_bytes(&p, NULL, 18, 0xab);
	xs_pkt_finish(&p);
	memcpy(out, p.buf, p.len);
	return p.len;
}

/* Runs @pkt through the XDP program once as if it arrived on @ifindex
 * (not live: nothing is sent). Returns the verdict, or -errno. */
static inline int fx_run(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = 1,
	);
	if (bpf_prog_test_run_opts(xs_dp_xdp_prog_fd(dp), &o))
		return -errno;
	return o.retval;
}

/* The tests run in a network namespace of their own: its lo is where
 * fx_run_live sends frames in, and the veths stay private. Idempotent. */
static inline void fx_private_netns(void)
{
	static bool done;

	if (done)
		return;
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	assert_int_equal(system("ip link set lo up"), 0);
	done = true;
}

/* Runs @pkt through the XDP program for real, as arriving on lo (@ifindex
 * must be 1): redirects really happen. The kernel's live-frame test runs
 * (BPF_F_TEST_XDP_LIVE_FRAMES) are refused on some kernels (EPERM on this
 * project's CI), so the program is attached to the namespace's lo in
 * generic mode and the frame sent into lo from a packet socket; lo hands
 * it back to the receive path, on this CPU, before send() returns. 0 or
 * -errno. */
static inline int fx_run_live(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = 1, .sll_halen = 6 };
	int fd, err = 0;

	assert_int_equal(ifindex, 1);
	fx_private_netns();
	if (bpf_xdp_attach(1, xs_dp_xdp_prog_fd(dp), XDP_FLAGS_SKB_MODE, NULL))
		return -errno;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return -errno;
	memcpy(sll.sll_addr, pkt, 6);
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		err = -errno;
	close(fd);
	return err;
}

static inline struct xs_dp *fx_open(uint32_t max_flows)
{
	struct xs_dp_opts o = { .max_flows = max_flows };
	struct xs_dp *dp = NULL;

	fx_private_netns();
	assert_int_equal(xs_dp_open(&o, &dp), 0);
	return dp;
}

/* Counter deltas: fx_stats_delta(dp, before) fills @now and returns it. */
static inline void fx_stats(struct xs_dp *dp, uint64_t out[XS_STAT__MAX])
{
	assert_int_equal(xs_dp_stats_read(dp, out), 0);
}

/* Runs a shell command built from @fmt; returns its exit status. */
static inline int fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int fx_sh(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 32, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf) - 32);
	strcat(buf, " >/dev/null 2>&1");
	return system(buf);
}

/* Creates the veth pair, brings both ends up and attaches the capture
 * program to B in driver mode. */
static inline void fx_veth_up(struct fx_veth *v)
{
	memset(v, 0, sizeof(*v));
	fx_private_netns();
	snprintf(v->name_a, sizeof(v->name_a), "xsb2-%d-a", (int)getpid() % 1000000);
	snprintf(v->name_b, sizeof(v->name_b), "xsb2-%d-b", (int)getpid() % 1000000);
	fx_sh("ip link del %s", v->name_a); /* a leftover of a crashed run */
	assert_int_equal(fx_sh("ip link add %s type veth peer name %s", v->name_a, v->name_b), 0);
	/* No IPv6 autoconfiguration: its frames would reach the capture. */
	fx_sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", v->name_a);
	fx_sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1", v->name_b);
	assert_int_equal(fx_sh("ip link set %s up", v->name_a), 0);
	assert_int_equal(fx_sh("ip link set %s up", v->name_b), 0);
	v->a = if_nametoindex(v->name_a);
	v->b = if_nametoindex(v->name_b);
	assert_true(v->a && v->b);
	v->cap = capture__open_and_load();
	assert_non_null(v->cap);
	xs_pkt_parse_mac(FX_SRC_MAC, v->cap->bss->cap_src);
	assert_int_equal(bpf_xdp_attach(v->b, bpf_program__fd(v->cap->progs.capture),
					XDP_FLAGS_DRV_MODE, NULL), 0);
	v->base = v->cap->bss->cap_count;
}

static inline void fx_veth_down(struct fx_veth *v)
{
	if (v->b)
		bpf_xdp_detach(v->b, XDP_FLAGS_DRV_MODE, NULL);
	capture__destroy(v->cap);
	if (v->name_a[0])
		fx_sh("ip link del %s", v->name_a);
	memset(v, 0, sizeof(*v));
}

/* After the tests: removes what a failed test left (cmocka leaves a test
 * at its first failed assertion, before its own cleanup). */
static inline void fx_cleanup(void)
{
	fx_sh("ip link del xsb2-%d-a", (int)getpid() % 1000000);
}

static inline uint64_t fx_cap_count(struct fx_veth *v)
{
	return v->cap->bss->cap_count - v->base;
}

/* The count once @want frames arrived, or after a second: a frame sent
 * into a veth reaches its peer's program from a softirq, which on a busy
 * machine may run a little after the send returned. */
static inline uint64_t fx_cap_wait(struct fx_veth *v, uint64_t want)
{
	for (int i = 0; i < 500 && fx_cap_count(v) < want; i++)
		usleep(2000);
	return fx_cap_count(v);
}

/* Frame number @n (0-based since fx_veth_up). */
static inline void fx_cap_frame(struct fx_veth *v, uint64_t n, struct fx_cap_frame *f)
{
	uint32_t idx = (v->base + n) % FX_CAP_FRAMES;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(v->cap->maps.cap_frames), &idx, f), 0);
}

/* Expects that frame @n is exactly @len bytes of @want and arrived on B. */
static inline void fx_cap_expect(struct fx_veth *v, uint64_t n, const void *want, size_t len)
{
	struct fx_cap_frame f;

	fx_cap_frame(v, n, &f);
	assert_int_equal(f.ifindex, v->b);
	assert_int_equal(f.len, len);
	assert_memory_equal(f.data, want, len);
}

#endif
