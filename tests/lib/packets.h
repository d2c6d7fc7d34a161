// SPDX-License-Identifier: Apache-2.0
/* Packet builder for tests: Ethernet, VLAN, ARP, IPv4, IPv6 (+ extension
 * headers), TCP, UDP, SCTP, ICMP, ICMPv6/ND frames with correct checksums.
 *
 * Layers are appended in wire order; each one patches the "next protocol"
 * field of the layer before it (ethertype, IP protocol, next header).
 * xs_pkt_finish() then fills lengths and checksums. Addresses are given as
 * text ("10.0.0.1", "fe80::1", "00:11:22:33:44:55"); a malformed address or
 * an overflow is a bug in the test and aborts with a message.
 *
 *	struct xs_pkt p;
 *	xs_pkt_init(&p);
 *	xs_pkt_eth(&p, "00:00:00:00:00:02", "00:00:00:00:00:01");
 *	xs_pkt_ipv4(&p, &(struct xs_pkt_ip4){ .src = "10.0.0.1",
 *		    .dst = "10.0.0.2", .ttl = 64 });
 *	xs_pkt_tcp(&p, 1234, 80, XS_TCP_SYN);
 *	xs_pkt_finish(&p);	// p.buf, p.len: the frame
 */
#ifndef XS_TEST_PACKETS_H
#define XS_TEST_PACKETS_H

#include <stddef.h>
#include <stdint.h>
#include "xdpswitch/flow_key.h"

#define XS_PKT_MAX 16384

#define XS_TCP_FIN 0x001
#define XS_TCP_SYN 0x002
#define XS_TCP_RST 0x004
#define XS_TCP_PSH 0x008
#define XS_TCP_ACK 0x010
#define XS_TCP_URG 0x020

struct xs_pkt {
	uint8_t buf[XS_PKT_MAX];
	size_t len;
	/* Builder state: where the last next-protocol field is (0 = none). */
	size_t type_off;  /* ethertype to patch with the next L2.5/L3 type */
	size_t proto_off; /* IP protocol / next header to patch */
	size_t l3_off;    /* IPv4/IPv6 header, 0 if none */
	size_t l4_off;    /* TCP/UDP/SCTP/ICMP/ICMPv6 header, 0 if none */
	int ip_version;   /* 4, 6 or 0 */
	uint8_t l4_proto;
};

struct xs_pkt_ip4 {
	const char *src;
	const char *dst;
	uint8_t tos;
	uint8_t ttl;
	uint16_t id;
	uint16_t frag;    /* host order: 0x4000 DF, 0x2000 MF, offset / 8 */
	uint8_t opt_len;  /* bytes of options (multiple of 4, <= 40), NOPs */
	uint8_t proto;    /* used when no L4 layer follows */
};

struct xs_pkt_ip6 {
	const char *src;
	const char *dst;
	uint8_t tclass;
	uint32_t label;   /* low 20 bits */
	uint8_t hlim;
	uint8_t nexthdr;  /* used when nothing follows */
};

void xs_pkt_init(struct xs_pkt *p);

/* Ethernet header; the type is patched by the next layer (0 if none). */
void xs_pkt_eth(struct xs_pkt *p, const char *dst, const char *src);

/* Sets the pending ethertype explicitly (for payloads the builder does
 * not know, or 802.3 lengths). */
void xs_pkt_ethertype(struct xs_pkt *p, uint16_t type);

/* VLAN tag with tpid (0x8100, 0x88a8, ...) and tci, as on the wire. */
void xs_pkt_vlan(struct xs_pkt *p, uint16_t tpid, uint16_t tci);

/* 802.3 LLC/SNAP header (AA AA 03, OUI 0): writes length (< 0x600) into
 * the pending ethertype; the SNAP type is patched by the next layer. */
void xs_pkt_llc_snap(struct xs_pkt *p, uint16_t length);

/* Ethernet/IPv4 ARP. */
void xs_pkt_arp(struct xs_pkt *p, uint16_t op, const char *sha,
		const char *spa, const char *tha, const char *tpa);

void xs_pkt_ipv4(struct xs_pkt *p, const struct xs_pkt_ip4 *ip);
void xs_pkt_ipv6(struct xs_pkt *p, const struct xs_pkt_ip6 *ip);

/* IPv6 extension header of type (0 hop-by-hop, 43 routing, 60 destination
 * options: len multiple of 8 >= 8; 51 AH: len multiple of 4 >= 8),
 * zero-filled apart from next header and length. */
void xs_pkt_ipv6_ext(struct xs_pkt *p, uint8_t type, size_t len);

/* IPv6 fragment header: offset in 8-byte units, M flag. */
void xs_pkt_ipv6_frag(struct xs_pkt *p, uint16_t offset, int more,
		      uint32_t id);

/* L4 headers: flags is the 12-bit TCP flags field. */
void xs_pkt_tcp(struct xs_pkt *p, uint16_t sport, uint16_t dport,
		uint16_t flags);
void xs_pkt_udp(struct xs_pkt *p, uint16_t sport, uint16_t dport);
void xs_pkt_sctp(struct xs_pkt *p, uint16_t sport, uint16_t dport);
void xs_pkt_icmp(struct xs_pkt *p, uint8_t type, uint8_t code);
void xs_pkt_icmp6(struct xs_pkt *p, uint8_t type, uint8_t code);

/* ND neighbour solicitation (135) or advertisement (136): ICMPv6 header,
 * target, then a source and/or target link-layer option (NULL: none). */
void xs_pkt_nd(struct xs_pkt *p, uint8_t type, const char *target,
	       const char *sll, const char *tll);

/* Appends raw bytes (n of them from data, or n copies of byte if data is
 * NULL). */
void xs_pkt_bytes(struct xs_pkt *p, const void *data, size_t n, uint8_t byte);

/* Fills IPv4 total length and header checksum, IPv6 payload length, UDP
 * length, and the TCP/UDP/SCTP/ICMP/ICMPv6 checksum over the rest of the
 * frame. Call once, after the last layer. */
void xs_pkt_finish(struct xs_pkt *p);

/* Internet checksum (RFC 1071) of len bytes, folded, not complemented,
 * starting from sum. */
uint32_t xs_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t xs_csum_fold(uint32_t sum);

/* SCTP's CRC32c of len bytes. */
uint32_t xs_crc32c(const void *data, size_t len);

/* Verifies the checksums of a frame: the IPv4 header checksum, and the
 * TCP/UDP/ICMP/ICMPv6/SCTP checksum of a complete, unfragmented datagram
 * (a UDP/IPv4 checksum of 0 means none). VLAN tags are skipped. Returns 0
 * if every checksum present is right, -EBADMSG if one is wrong (*bad, if
 * not NULL, names it: "ipv4", "tcp", "udp", "sctp", "icmp", "icmp6"), or
 * -EINVAL if the frame has no complete IP datagram. */
int xs_pkt_check_csums(const void *pkt, size_t len, const char **bad);

/* Compares two flow keys field by field. Returns the number of fields that
 * differ and writes "name: want <hex> got <hex>" lines for them into buf
 * (NUL-terminated, truncated to size). For readable test failures. */
int xs_pkt_key_diff(const struct xs_flow_key *want,
		    const struct xs_flow_key *got, char *buf, size_t size);

/* Text address parsers used by the builder; abort on malformed input. */
void xs_pkt_parse_mac(const char *s, uint8_t mac[6]);
uint32_t xs_pkt_parse_ip4(const char *s);      /* network order */
void xs_pkt_parse_ip6(const char *s, uint8_t addr[16]);

#endif
