// SPDX-License-Identifier: Apache-2.0
/* Builds the template packet the benchmark tools send or test-run:
 * Ethernet + IPv4 + UDP or TCP, padded to a frame size, checksums set. */
#ifndef XS_BENCH_PACKET_H
#define XS_BENCH_PACKET_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#define BENCH_FCS_LEN 4
#define BENCH_MIN_SIZE 64	/* frame size including the FCS */
#define BENCH_MAX_SIZE 1518

struct bench_packet_spec {
	unsigned int size;	/* frame size on the wire, FCS included */
	uint8_t proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t src_mac[ETH_ALEN];
	uint8_t dst_mac[ETH_ALEN];
	uint32_t src_ip;	/* network order */
	uint32_t dst_ip;	/* network order */
	uint16_t sport;		/* host order */
	uint16_t dport;		/* host order */
};

/* Defaults: 64-byte UDP 10.0.0.1:32768 -> 10.1.0.1:9, locally
 * administered MACs 02:00:00:00:00:01 -> 02:00:00:00:00:02. */
static inline void bench_packet_defaults(struct bench_packet_spec *s)
{
	static const uint8_t src[ETH_ALEN] = { 2, 0, 0, 0, 0, 1 };
	static const uint8_t dst[ETH_ALEN] = { 2, 0, 0, 0, 0, 2 };

	memset(s, 0, sizeof(*s));
	s->size = BENCH_MIN_SIZE;
	s->proto = IPPROTO_UDP;
	memcpy(s->src_mac, src, ETH_ALEN);
	memcpy(s->dst_mac, dst, ETH_ALEN);
	s->src_ip = htonl(0x0a000001);
	s->dst_ip = htonl(0x0a010001);
	s->sport = 32768;
	s->dport = 9;
}

/* One's complement sum of len bytes (len even) added to sum, as 16-bit
 * words in memory order (the byte order of the result is the data's). */
static inline uint32_t bench_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2) {
		uint16_t w;

		memcpy(&w, b, sizeof(w)); /* no alignment or aliasing assumed */
		sum += w;
	}
	return sum;
}

static inline uint16_t bench_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Writes the packet described by s into buf (cap bytes). Returns the frame
 * length without FCS, or -EINVAL if the size or protocol is out of range,
 * -ENOSPC if buf is too small. */
static inline int bench_packet_build(const struct bench_packet_spec *s,
				     uint8_t *buf, size_t cap)
{
	size_t l4len = s->proto == IPPROTO_TCP ? sizeof(struct tcphdr)
					       : sizeof(struct udphdr);
	size_t len = s->size - BENCH_FCS_LEN;

	if (s->size < BENCH_MIN_SIZE || s->size > BENCH_MAX_SIZE ||
	    (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP))
		return -EINVAL;
	if (len > cap)
		return -ENOSPC;
	memset(buf, 0, len);

	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	uint8_t *l4 = (uint8_t *)(ip + 1);
	size_t iplen = len - sizeof(*eth);
	uint32_t pseudo = 0;

	memcpy(eth->h_dest, s->dst_mac, ETH_ALEN);
	memcpy(eth->h_source, s->src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(iplen);
	ip->id = 0;
	ip->ttl = 64;
	ip->protocol = s->proto;
	ip->saddr = s->src_ip;
	ip->daddr = s->dst_ip;
	ip->check = bench_csum_fold(bench_csum_add(0, ip, sizeof(*ip)));

	/* Payload: a counting pattern, so a capture shows where bytes moved. */
	for (size_t i = sizeof(*eth) + sizeof(*ip) + l4len; i < len; i++)
		buf[i] = (uint8_t)i;

	pseudo = bench_csum_add(0, &ip->saddr, 8);
	pseudo += htons(s->proto) + htons(iplen - sizeof(*ip));
	if (s->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (struct tcphdr *)l4;

		tcp->source = htons(s->sport);
		tcp->dest = htons(s->dport);
		tcp->seq = htonl(1);
		tcp->doff = sizeof(*tcp) / 4;
		tcp->ack = 1;
		tcp->window = htons(65535);
		tcp->check = 0;
		/* An odd length is summed with a zero pad byte. */
		size_t n = iplen - sizeof(*ip);
		uint32_t sum = bench_csum_add(pseudo, tcp, n & ~1u);

		if (n & 1) {
			uint8_t last[2] = { l4[n - 1], 0 };

			sum = bench_csum_add(sum, last, 2);
		}
		tcp->check = bench_csum_fold(sum);
	} else {
		struct udphdr *udp = (struct udphdr *)l4;

		udp->source = htons(s->sport);
		udp->dest = htons(s->dport);
		udp->len = htons(iplen - sizeof(*ip));
		udp->check = 0; /* none, allowed over IPv4 */
	}
	return (int)len;
}

/* Parses "aa:bb:cc:dd:ee:ff" into mac. Returns 0 or -EINVAL. */
static inline int bench_parse_mac(const char *str, uint8_t mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	char tail;

	if (sscanf(str, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != ETH_ALEN)
		return -EINVAL;
	for (int i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

#endif
