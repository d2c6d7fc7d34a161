/* Traffic generator program, run by BPF_PROG_TEST_RUN with live frames:
 * turns each copy of the template packet into the next of n_flows flows. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tests/bench/bench_shared.h"

/* Set by the loader before load. The template (given to the test run) is
 * Ethernet + IPv4 without options + UDP or TCP, built by the loader. */
const volatile __u32 n_flows = 1;
const volatile __u32 out_ifindex;  /* device to send out of */
const volatile __u8 l4_proto = IPPROTO_UDP;

/* Next flow number, per CPU. The loader seeds each CPU differently so that
 * threads do not walk the flows in lockstep. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64); /* 8 bytes: per-CPU values are 8-aligned anyway */
} gen_next SEC(".maps");

/* One's complement checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'))
 * for a field that changes from 'from' to 'to'. The sums work on
 * network-order 16-bit words as they are, so no byte swapping is needed. */
static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static __always_inline void csum_replace2(__u16 *sum, __u16 from, __u16 to)
{
	*sum = csum_fold((__u16)~*sum + (__u16)~from + to);
}

static __always_inline void csum_replace4(__u16 *sum, __u32 from, __u32 to)
{
	*sum = csum_fold((__u16)~*sum + (__u16)~from + (__u16)(~from >> 16) +
			 (__u16)to + (to >> 16));
}

SEC("xdp")
int xs_trafficgen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	__u32 zero = 0, flow;
	__u64 *next;

	/* The loader also attaches this program (generic XDP) to the output
	 * device, only to keep it registered with the kernel's XDP dispatcher
	 * between test runs; packets that really arrive there pass. */
	if (ctx->ingress_ifindex == out_ifindex)
		return XDP_PASS;
	/* The template is fixed; the bound checks are for the verifier. */
	if ((void *)(ip + 1) + sizeof(struct tcphdr) > data_end)
		return XDP_ABORTED;
	next = bpf_map_lookup_elem(&gen_next, &zero);
	if (!next)
		return XDP_ABORTED; /* verifier: an array lookup cannot fail */
	flow = *next;
	*next = flow + 1 >= n_flows ? 0 : flow + 1;

	/* Frames are recycled with whatever the last run wrote, so every field
	 * is rewritten from its current value and checksums stay consistent. */
	__u32 saddr = bpf_htonl(bpf_ntohl(ip->saddr) & ~(BENCH_MAX_FLOWS - 1) |
				((flow >> BENCH_FLOWS_PER_ADDR_SHIFT) + 1));
	__u16 sport = bpf_htons(BENCH_SPORT_BASE +
				(flow & (BENCH_FLOWS_PER_ADDR - 1)));
	__u16 *l4sum;
	__u16 *l4sport;

	if (l4_proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (void *)(ip + 1);

		l4sum = &tcp->check;
		l4sport = &tcp->source;
	} else {
		struct udphdr *udp = (void *)(ip + 1);

		udp->check = 0; /* optional for UDP over IPv4 */
		l4sum = 0;
		l4sport = &udp->source;
	}
	if (l4sum) {
		csum_replace4(l4sum, ip->saddr, saddr);
		csum_replace2(l4sum, *l4sport, sport);
	}
	csum_replace4(&ip->check, ip->saddr, saddr);
	ip->saddr = saddr;
	*l4sport = sport;

	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
