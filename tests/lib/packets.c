// SPDX-License-Identifier: Apache-2.0
/* Packet builder and checksum verifier for tests (see packets.h). Written
 * independently of bpf/parse.h so that it can serve as an oracle for it. */
#include "tests/lib/packets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "packets: %s: %s\n", what, arg ? arg : "(null)");
	abort();
}

static uint8_t *put(struct xs_pkt *p, size_t n)
{
	uint8_t *at = p->buf + p->len;

	if (n > XS_PKT_MAX - p->len)
		die("frame too long for the builder", NULL);
	memset(at, 0, n);
	p->len += n;
	return at;
}

static void put16(uint8_t *at, uint16_t v)
{
	at[0] = v >> 8;
	at[1] = v;
}

static uint16_t get16(const uint8_t *at)
{
	return at[0] << 8 | at[1];
}

static void put32(uint8_t *at, uint32_t v)
{
	put16(at, v >> 16);
	put16(at + 2, v);
}

void xs_pkt_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
			 &b[4], &b[5], &end) != 6)
		die("bad MAC address", s);
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			die("bad MAC address", s);
		mac[i] = b[i];
	}
}

uint32_t xs_pkt_parse_ip4(const char *s)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		die("bad IPv4 address", s);
	return a.s_addr;
}

void xs_pkt_parse_ip6(const char *s, uint8_t addr[16])
{
	if (!s || inet_pton(AF_INET6, s, addr) != 1)
		die("bad IPv6 address", s);
}

void xs_pkt_init(struct xs_pkt *p)
{
	p->len = 0;
	p->type_off = p->proto_off = p->l3_off = p->l4_off = 0;
	p->ip_version = 0;
	p->l4_proto = 0;
}

void xs_pkt_eth(struct xs_pkt *p, const char *dst, const char *src)
{
	uint8_t *h = put(p, 14);

	xs_pkt_parse_mac(dst, h);
	xs_pkt_parse_mac(src, h + 6);
	p->type_off = p->len - 2;
}

void xs_pkt_ethertype(struct xs_pkt *p, uint16_t type)
{
	if (!p->type_off)
		die("no ethertype to set", NULL);
	put16(p->buf + p->type_off, type);
	p->type_off = 0;
}

void xs_pkt_vlan(struct xs_pkt *p, uint16_t tpid, uint16_t tci)
{
	size_t type_off = p->type_off;
	uint8_t *h = put(p, 4);

	if (!type_off)
		die("VLAN tag without an Ethernet header", NULL);
	put16(p->buf + type_off, tpid);
	put16(h, tci);
	p->type_off = p->len - 2;
}

void xs_pkt_llc_snap(struct xs_pkt *p, uint16_t length)
{
	uint8_t *h;

	xs_pkt_ethertype(p, length);
	h = put(p, 8);
	h[0] = h[1] = 0xaa;
	h[2] = 0x03;
	p->type_off = p->len - 2;
}

/* Writes type into the pending ethertype, if any. */
static void set_type(struct xs_pkt *p, uint16_t type)
{
	if (p->type_off)
		put16(p->buf + p->type_off, type);
	p->type_off = 0;
}

/* Writes proto into the pending IP protocol / next header, if any. */
static void set_proto(struct xs_pkt *p, uint8_t proto)
{
	if (p->proto_off)
		p->buf[p->proto_off] = proto;
	p->proto_off = 0;
}

void xs_pkt_arp(struct xs_pkt *p, uint16_t op, const char *sha,
		const char *spa, const char *tha, const char *tpa)
{
	uint32_t a;
	uint8_t *h;

	set_type(p, 0x0806);
	h = put(p, 28);
	put16(h, 1);
	put16(h + 2, 0x0800);
	h[4] = 6;
	h[5] = 4;
	put16(h + 6, op);
	xs_pkt_parse_mac(sha, h + 8);
	a = xs_pkt_parse_ip4(spa);
	memcpy(h + 14, &a, 4);
	xs_pkt_parse_mac(tha, h + 18);
	a = xs_pkt_parse_ip4(tpa);
	memcpy(h + 24, &a, 4);
}

void xs_pkt_ipv4(struct xs_pkt *p, const struct xs_pkt_ip4 *ip)
{
	uint32_t a;
	uint8_t *h;

	if (ip->opt_len % 4 || ip->opt_len > 40)
		die("bad IPv4 option length", NULL);
	set_type(p, 0x0800);
	p->l3_off = p->len;
	p->ip_version = 4;
	h = put(p, 20 + ip->opt_len);
	h[0] = 0x40 | (20 + ip->opt_len) / 4;
	h[1] = ip->tos;
	put16(h + 4, ip->id);
	put16(h + 6, ip->frag);
	h[8] = ip->ttl;
	h[9] = ip->proto;
	a = xs_pkt_parse_ip4(ip->src);
	memcpy(h + 12, &a, 4);
	a = xs_pkt_parse_ip4(ip->dst);
	memcpy(h + 16, &a, 4);
	memset(h + 20, 1, ip->opt_len); /* NOP options */
	p->proto_off = p->l3_off + 9;
}

void xs_pkt_ipv6(struct xs_pkt *p, const struct xs_pkt_ip6 *ip)
{
	uint8_t *h;

	set_type(p, 0x86dd);
	p->l3_off = p->len;
	p->ip_version = 6;
	h = put(p, 40);
	put32(h, 6u << 28 | (uint32_t)ip->tclass << 20 | (ip->label & 0xfffff));
	h[6] = ip->nexthdr;
	h[7] = ip->hlim;
	xs_pkt_parse_ip6(ip->src, h + 8);
	xs_pkt_parse_ip6(ip->dst, h + 24);
	p->proto_off = p->l3_off + 6;
}

void xs_pkt_ipv6_ext(struct xs_pkt *p, uint8_t type, size_t len)
{
	uint8_t *h;

	if (type == 51 ? len % 4 || len < 8 || len > 1028 :
			 len % 8 || len < 8 || len > 2048)
		die("bad IPv6 extension header length", NULL);
	set_proto(p, type);
	h = put(p, len);
	h[1] = type == 51 ? len / 4 - 2 : len / 8 - 1;
	p->proto_off = h - p->buf;
}

void xs_pkt_ipv6_frag(struct xs_pkt *p, uint16_t offset, int more,
		      uint32_t id)
{
	uint8_t *h;

	set_proto(p, 44);
	h = put(p, 8);
	put16(h + 2, (uint16_t)(offset << 3) | (more ? 1 : 0));
	put32(h + 4, id);
	p->proto_off = h - p->buf;
}

static uint8_t *l4(struct xs_pkt *p, uint8_t proto, size_t n)
{
	set_proto(p, proto);
	p->l4_off = p->len;
	p->l4_proto = proto;
	return put(p, n);
}

void xs_pkt_tcp(struct xs_pkt *p, uint16_t sport, uint16_t dport,
		uint16_t flags)
{
	uint8_t *h = l4(p, 6, 20);

	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, 1000);
	put16(h + 12, 5 << 12 | (flags & 0x0fff));
	put16(h + 14, 65535);
}

void xs_pkt_udp(struct xs_pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = l4(p, 17, 8);

	put16(h, sport);
	put16(h + 2, dport);
}

void xs_pkt_sctp(struct xs_pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = l4(p, 132, 12);

	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, 0x01020304);
}

void xs_pkt_icmp(struct xs_pkt *p, uint8_t type, uint8_t code)
{
	uint8_t *h = l4(p, 1, 8);

	h[0] = type;
	h[1] = code;
}

void xs_pkt_icmp6(struct xs_pkt *p, uint8_t type, uint8_t code)
{
	uint8_t *h = l4(p, 58, 8);

	h[0] = type;
	h[1] = code;
}

void xs_pkt_nd(struct xs_pkt *p, uint8_t type, const char *target,
	       const char *sll, const char *tll)
{
	uint8_t *h;

	xs_pkt_icmp6(p, type, 0);
	if (type == 136)
		p->buf[p->l4_off + 4] = 0x60; /* solicited, override */
	xs_pkt_parse_ip6(target, put(p, 16));
	if (sll) {
		h = put(p, 8);
		h[0] = 1;
		h[1] = 1;
		xs_pkt_parse_mac(sll, h + 2);
	}
	if (tll) {
		h = put(p, 8);
		h[0] = 2;
		h[1] = 1;
		xs_pkt_parse_mac(tll, h + 2);
	}
}

void xs_pkt_bytes(struct xs_pkt *p, const void *data, size_t n, uint8_t byte)
{
	uint8_t *h = put(p, n);

	if (data)
		memcpy(h, data, n);
	else
		memset(h, byte, n);
}

uint32_t xs_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(b + i);
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t xs_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint32_t xs_crc32c(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < len; i++) {
		crc ^= b[i];
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0x82f63b78 & -(crc & 1));
	}
	return ~crc;
}

/* Sum of the pseudo-header for an L4 checksum of l4_len bytes. */
static uint32_t pseudo_sum(const uint8_t *ip, int version, uint8_t proto,
			   size_t l4_len)
{
	uint32_t sum;

	if (version == 4)
		sum = xs_csum_add(0, ip + 12, 8);
	else
		sum = xs_csum_add(0, ip + 8, 32);
	return sum + proto + (uint32_t)l4_len;
}

/* Offset of the checksum field in an L4 header, or -1 if not summed. */
static int csum_field(uint8_t proto)
{
	switch (proto) {
	case 6:
		return 16;
	case 17:
		return 6;
	case 1:
	case 58:
		return 2;
	case 132:
		return 8;
	}
	return -1;
}

/* The checksum of an L4 segment (field zeroed while computing). */
static uint32_t l4_csum(const uint8_t *ip, int version, uint8_t proto,
			uint8_t *seg, size_t n)
{
	int f = csum_field(proto);
	size_t width = proto == 132 ? 4 : 2;
	uint8_t save[4];
	uint32_t v;

	memcpy(save, seg + f, width);
	memset(seg + f, 0, width);
	if (proto == 132) {
		v = xs_crc32c(seg, n);
	} else {
		uint32_t sum = xs_csum_add(proto == 1 ? 0 :
					   pseudo_sum(ip, version, proto, n),
					   seg, n);

		v = (uint16_t)~xs_csum_fold(sum);
		if (proto == 17 && v == 0)
			v = 0xffff;
	}
	memcpy(seg + f, save, width);
	return v;
}

void xs_pkt_finish(struct xs_pkt *p)
{
	uint8_t *ip = p->buf + p->l3_off;

	if (p->ip_version == 4) {
		size_t ihl = (ip[0] & 0xf) * 4;

		put16(ip + 2, p->len - p->l3_off);
		put16(ip + 10, 0);
		put16(ip + 10, ~xs_csum_fold(xs_csum_add(0, ip, ihl)));
	} else if (p->ip_version == 6) {
		put16(ip + 4, p->len - p->l3_off - 40);
	}
	if (p->l4_off && p->ip_version) {
		uint8_t *seg = p->buf + p->l4_off;
		size_t n = p->len - p->l4_off;
		uint32_t v;

		if (p->l4_proto == 17)
			put16(seg + 4, n);
		v = l4_csum(ip, p->ip_version, p->l4_proto, seg, n);
		if (p->l4_proto == 132) {
			/* CRC32c goes on the wire little-endian first. */
			seg[8] = v;
			seg[9] = v >> 8;
			seg[10] = v >> 16;
			seg[11] = v >> 24;
		} else {
			put16(seg + csum_field(p->l4_proto), v);
		}
	}
}

/* Finds the L4 header of the IPv6 datagram [ip, ip + end): walks every
 * extension header. Returns the protocol (*off = its offset from ip),
 * -EAGAIN for a fragment (no whole segment here), -EINVAL for a cut one. */
static int ipv6_l4(const uint8_t *ip, size_t end, size_t *off)
{
	uint8_t nh = ip[6], next;
	size_t o = 40;

	while (nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 44) {
		if (nh == 44)
			return -EAGAIN;
		if (o + 8 > end)
			return -EINVAL;
		next = ip[o];
		o += nh == 51 ? (ip[o + 1] + 2) * 4 : (ip[o + 1] + 1) * 8;
		nh = next;
	}
	*off = o;
	return o <= end ? nh : -EINVAL;
}

int xs_pkt_check_csums(const void *pkt, size_t len, const char **bad)
{
	uint8_t *b = (uint8_t *)pkt, *ip, *seg;
	size_t off = 12, end, l4off;
	int version, proto, f;
	uint32_t want, have;
	static const char *const name_of[256] = {
		[1] = "icmp", [6] = "tcp", [17] = "udp", [58] = "icmp6",
		[132] = "sctp",
	};

	if (bad)
		*bad = NULL;
	while (off + 2 <= len && (get16(b + off) == 0x8100 ||
				  get16(b + off) == 0x88a8))
		off += 4;
	if (off + 2 > len)
		return -EINVAL;
	version = get16(b + off) == 0x0800 ? 4 : get16(b + off) == 0x86dd ? 6 : 0;
	off += 2;
	ip = b + off;
	if (version == 4) {
		size_t ihl;

		if (off + 20 > len || (ihl = (ip[0] & 0xf) * 4) < 20 ||
		    off + get16(ip + 2) > len || get16(ip + 2) < ihl)
			return -EINVAL;
		end = get16(ip + 2);
		if (xs_csum_fold(xs_csum_add(0, ip, ihl)) != 0xffff) {
			if (bad)
				*bad = "ipv4";
			return -EBADMSG;
		}
		if (get16(ip + 6) & 0x3fff)
			return 0; /* a fragment: no whole L4 segment */
		proto = ip[9];
		l4off = ihl;
	} else if (version == 6) {
		if (off + 40 > len || off + 40 + get16(ip + 4) > len)
			return -EINVAL;
		end = 40 + get16(ip + 4);
		proto = ipv6_l4(ip, end, &l4off);
		if (proto < 0)
			return proto == -EAGAIN ? 0 : proto;
	} else {
		return -EINVAL;
	}
	f = csum_field(proto);
	if (f < 0 || (proto == 1 && version != 4) ||
	    (proto == 58 && version != 6))
		return 0;
	if (l4off + f + (proto == 132 ? 4 : 2) > end)
		return -EINVAL;
	seg = ip + l4off;
	have = proto == 132 ? (uint32_t)seg[8] | seg[9] << 8 | seg[10] << 16 |
				      (uint32_t)seg[11] << 24 :
			      get16(seg + f);
	if (proto == 17 && version == 4 && have == 0)
		return 0;
	want = l4_csum(ip, version, proto, seg, end - l4off);
	if (have != want) {
		if (bad)
			*bad = name_of[proto];
		return -EBADMSG;
	}
	return 0;
}

/* Every field of struct xs_flow_key, for xs_pkt_key_diff(). */
#define KEY_FIELD(f) { #f, offsetof(struct xs_flow_key, f), \
		       sizeof(((struct xs_flow_key *)0)->f) }
static const struct {
	const char *name;
	size_t off;
	size_t size;
} key_fields[] = {
	KEY_FIELD(in_port), KEY_FIELD(dl_dst), KEY_FIELD(dl_src),
	KEY_FIELD(dl_type), KEY_FIELD(vlan[0].tpid), KEY_FIELD(vlan[0].tci),
	KEY_FIELD(vlan[1].tpid), KEY_FIELD(vlan[1].tci), KEY_FIELD(nw_proto),
	KEY_FIELD(nw_tos), KEY_FIELD(nw_ttl), KEY_FIELD(nw_frag),
	KEY_FIELD(tp_src), KEY_FIELD(tp_dst), KEY_FIELD(tcp_flags),
	KEY_FIELD(nw_src), KEY_FIELD(nw_dst), KEY_FIELD(ipv6_label),
	KEY_FIELD(ipv6_src), KEY_FIELD(ipv6_dst),
	KEY_FIELD(recirc_id), KEY_FIELD(ct_mark), KEY_FIELD(ct_zone),
	KEY_FIELD(ct_state), KEY_FIELD(ct_nw_proto), KEY_FIELD(ct_tp_src),
	KEY_FIELD(ct_tp_dst),
	/* the last 32 bytes by their ND/ARP names (ct tuple: same bytes) */
	KEY_FIELD(nd_target), KEY_FIELD(arp_sha), KEY_FIELD(arp_tha),
	KEY_FIELD(nd_pad), KEY_FIELD(ct_label),
};
_Static_assert(XS_FLOW_KEY_SEQ == 4, "key_fields lists every key field");

static size_t put_hex(char *buf, size_t size, size_t at, const uint8_t *b,
		      size_t n)
{
	for (size_t i = 0; i < n && at < size; i++)
		at += snprintf(buf + at, size - at, "%02x", b[i]);
	return at;
}

int xs_pkt_key_diff(const struct xs_flow_key *want,
		    const struct xs_flow_key *got, char *buf, size_t size)
{
	const uint8_t *w = (const uint8_t *)want, *g = (const uint8_t *)got;
	size_t at = 0, covered = 0;
	int n = 0;

	if (size)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(key_fields) / sizeof(key_fields[0]); i++) {
		size_t off = key_fields[i].off, len = key_fields[i].size;

		covered += len;
		if (!memcmp(w + off, g + off, len))
			continue;
		n++;
		if (at < size)
			at += snprintf(buf + at, size - at, "%s: want ",
				       key_fields[i].name);
		at = put_hex(buf, size, at, w + off, len);
		if (at < size)
			at += snprintf(buf + at, size - at, " got ");
		at = put_hex(buf, size, at, g + off, len);
		if (at < size)
			at += snprintf(buf + at, size - at, "\n");
	}
	if (covered != sizeof(*want))
		die("key_fields does not cover struct xs_flow_key", NULL);
	return n;
}
