// SPDX-License-Identifier: Apache-2.0
/* Userspace twin of the fast path's rewrites (bpf/rewrite.h, the VLAN part
 * of bpf/execute.h): same checks, same checksum updates, same bytes. */
#include "agent/dpif/dummy_exec.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* csum.h asks clang's BPF target to unroll a loop; gcc does not know the
 * pragma. The arithmetic is shared so checksums match bit for bit. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#include "bpf/csum.h"
#pragma GCC diagnostic pop

#define TAG_LEN 4
#define ETH_LEN 14

/* Checksum work left by a rewrite, as bpf/rewrite.h's struct xs_csum_fix
 * (offsets 0: none). */
struct fix {
	uint32_t diff;
	uint32_t crc;
	uint32_t l3_csum;
	uint32_t l4_csum;
	uint32_t sctp_csum;
	bool udp;
};

/* @len bytes at @off of the frame, or NULL when they are not all there. */
static uint8_t *hdr(const struct xs_dummy_frame *f, uint32_t off, size_t len)
{
	if ((size_t)off + len > f->len)
		return NULL;
	return f->data + off;
}

/* Loads and stores of packet words in memory order (the fast path loads
 * them little-endian; the checksum sums do not depend on the order as
 * long as it is the same everywhere). memcpy: headers are only 2-aligned. */
static uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

void xs_dummy_frame_load(struct xs_dummy_frame *f, const void *pkt, size_t len,
			 const struct xs_parse_info *info)
{
	f->data = f->buf + XS_DUMMY_HEADROOM;
	f->len = len;
	if (len)
		memcpy(f->data, pkt, len);
	f->l3_off = info->l3_off;
	f->l4_off = info->l4_off;
	f->nw_end = info->nw_end;
	f->l3 = info->l3;
	f->l4_proto = info->l4_proto;
}

static void shift(struct xs_dummy_frame *f, int delta)
{
	if (f->l3_off)
		f->l3_off += delta;
	if (f->l4_off)
		f->l4_off += delta;
	if (f->nw_end)
		f->nw_end += delta;
}

static bool is_vlan_tpid(const uint8_t *type)
{
	uint16_t t = (uint16_t)(type[0] << 8 | type[1]);

	return t == XS_ETH_P_8021Q || t == XS_ETH_P_8021AD;
}

/* --- VLAN (bpf/execute.h) --------------------------------------------------- */

static int push_vlan(struct xs_dummy_frame *f, const struct xs_action *a)
{
	uint16_t tci = a->u.be16[1] & ~htobe16(XS_VLAN_PRESENT);

	if (f->data - f->buf < TAG_LEN)
		return -ENOMEM;
	/* The fast path grows the frame first and then finds it too short. */
	if (f->len < ETH_LEN)
		return -EINVAL;
	f->data -= TAG_LEN;
	f->len += TAG_LEN;
	memmove(f->data, f->data + TAG_LEN, 12);
	/* The key's "present" bit is the CFI/DEI bit on the wire: cleared. */
	st16(f->data + 12, a->u.be16[0]);
	st16(f->data + 14, tci);
	shift(f, TAG_LEN);
	return 0;
}

/* An untagged (or too short) frame is left as it is. */
static int pop_vlan(struct xs_dummy_frame *f)
{
	if (f->len < ETH_LEN + TAG_LEN || !is_vlan_tpid(f->data + 12))
		return 0;
	memmove(f->data + TAG_LEN, f->data, 12);
	f->data += TAG_LEN;
	f->len -= TAG_LEN;
	shift(f, -TAG_LEN);
	return 0;
}

static int set_vlan_tci(struct xs_dummy_frame *f, const struct xs_action *a)
{
	uint16_t m = a->u.be16[1] & ~htobe16(XS_VLAN_PRESENT);
	uint8_t *tci = hdr(f, 14, 2);

	if (!tci || !is_vlan_tpid(f->data + 12))
		return -EINVAL;
	st16(tci, (ld16(tci) & ~m) | (a->u.be16[0] & m));
	return 0;
}

/* --- header rewrites (bpf/rewrite.h) ---------------------------------------- */

/* Points @fx at the L4 checksum for a change of @diff; @pseudo: the change
 * is in the pseudo header (ICMPv4 has none, SCTP's CRC is not involved). */
static void fix_l4(const struct xs_dummy_frame *f, uint32_t diff, bool pseudo, struct fix *fx)
{
	if (!f->l4_off)
		return;
	fx->diff = diff;
	switch (f->l4_proto) {
	case XS_IPPROTO_TCP:
		fx->l4_csum = f->l4_off + 16;
		break;
	case XS_IPPROTO_UDP:
		fx->l4_csum = f->l4_off + 6;
		fx->udp = true;
		break;
	case XS_IPPROTO_ICMP:
		if (!pseudo)
			fx->l4_csum = f->l4_off + 2;
		break;
	case XS_IPPROTO_ICMPV6:
		fx->l4_csum = f->l4_off + 2;
		break;
	}
}

static uint8_t *ipv4(const struct xs_dummy_frame *f)
{
	return f->l3 == XS_L3_IPV4 ? hdr(f, f->l3_off, sizeof(struct xs_ipv4_hdr)) : NULL;
}

static uint8_t *ipv6(const struct xs_dummy_frame *f)
{
	return f->l3 == XS_L3_IPV6 ? hdr(f, f->l3_off, sizeof(struct xs_ipv6_hdr)) : NULL;
}

static int set_eth(struct xs_dummy_frame *f, const struct xs_action *a)
{
	if (f->len < ETH_LEN)
		return -EINVAL;
	memcpy(f->data + (a->type == XS_ACT_SET_ETH_SRC ? 6 : 0), a->u.mac, 6);
	return 0;
}

static int set_ipv4_addr(struct xs_dummy_frame *f, const struct xs_action *a, struct fix *fx)
{
	uint8_t *ip = ipv4(f), *field;
	uint32_t old, new;

	if (!ip)
		return -EINVAL;
	field = ip + (a->type == XS_ACT_SET_IPV4_SRC ? 12 : 16);
	old = ld32(field);
	new = a->u.be32[0];
	if (a->flags & XS_SET_F_MASKED)
		new = (old & ~a->u.be32[1]) | new;
	st32(field, new);
	fx->diff = xs_csum_diff4(old, new);
	fx->l3_csum = f->l3_off + 10;
	fix_l4(f, fx->diff, true, fx);
	return 0;
}

static int set_ipv6_addr(struct xs_dummy_frame *f, const struct xs_action *a, struct fix *fx)
{
	uint8_t *ip6 = ipv6(f), *field;
	uint32_t old[4], new[4];

	if (!ip6)
		return -EINVAL;
	field = ip6 + (a->type == XS_ACT_SET_IPV6_SRC ? 8 : 24);
	memcpy(old, field, 16);
	memcpy(new, a->u.bytes, 16);
	memcpy(field, new, 16);
	fix_l4(f, xs_csum_diff16(old, new), true, fx);
	return 0;
}

static int set_label(struct xs_dummy_frame *f, const struct xs_action *a)
{
	uint8_t *ip6 = ipv6(f);
	uint32_t m = a->u.be32[1] & htobe32(0x000fffff);

	if (!ip6)
		return -EINVAL;
	st32(ip6, (ld32(ip6) & ~m) | (a->u.be32[0] & m));
	return 0;
}

static int set_tos(struct xs_dummy_frame *f, const struct xs_action *a, struct fix *fx)
{
	uint8_t val = a->u.bytes[0], mask = a->u.bytes[1];
	uint8_t *ip = ipv4(f), *ip6;

	if (ip) {
		uint16_t old = ld16(ip);

		ip[1] = (ip[1] & ~mask) | (val & mask);
		fx->diff = xs_csum_diff2(old, ld16(ip));
		fx->l3_csum = f->l3_off + 10;
		return 0;
	}
	ip6 = ipv6(f);
	if (!ip6)
		return -EINVAL;
	uint32_t w = be32toh(ld32(ip6));
	uint32_t m = (uint32_t)mask << 20;

	w = (w & ~m) | (((uint32_t)val << 20) & m);
	st32(ip6, htobe32(w));
	return 0;
}

/* SET_NW_TTL, or DEC_TTL (@dec): at TTL <= 1 nothing changes and the
 * packet goes to the agent; a frame that is not IP is left alone. */
static int set_ttl(struct xs_dummy_frame *f, const struct xs_action *a, bool dec,
		   struct fix *fx)
{
	uint8_t *ip = ipv4(f), *ttl;

	if (ip) {
		ttl = ip + 8;
	} else {
		uint8_t *ip6 = ipv6(f);

		if (!ip6)
			return dec ? 0 : -EINVAL;
		ttl = ip6 + 7;
	}
	if (dec && *ttl <= 1)
		return XS_DUMMY_TTL_EXPIRED;
	if (ip) {
		/* TTL shares a checksummed 16-bit word with the protocol. */
		uint16_t old = ld16(ttl);

		*ttl = dec ? *ttl - 1 : a->u.bytes[0];
		fx->diff = xs_csum_diff2(old, ld16(ttl));
		fx->l3_csum = f->l3_off + 10;
	} else {
		*ttl = dec ? *ttl - 1 : a->u.bytes[0];
	}
	return 0;
}

/* Ports of TCP/UDP/SCTP, type (SET_TP_SRC) or code (SET_TP_DST) of ICMP
 * and ICMPv6, on the first 4 bytes of the L4 header as one word. */
static int set_tp(struct xs_dummy_frame *f, const struct xs_action *a, struct fix *fx)
{
	bool dst = a->type == XS_ACT_SET_TP_DST;
	uint8_t *l4 = f->l4_off ? hdr(f, f->l4_off, sizeof(struct xs_udp_hdr)) : NULL;
	uint8_t b[4];
	uint32_t old, new;

	if (!l4)
		return -EINVAL;
	old = ld32(l4);
	memcpy(b, l4, 4);
	switch (f->l4_proto) {
	case XS_IPPROTO_TCP:
	case XS_IPPROTO_UDP:
	case XS_IPPROTO_SCTP: {
		__be16 v = a->u.be16[0], cur;

		if (a->flags & XS_SET_F_MASKED) {
			memcpy(&cur, b + 2 * dst, 2);
			v = (cur & ~a->u.be16[1]) | v;
		}
		memcpy(b + 2 * dst, &v, 2);
		break;
	}
	case XS_IPPROTO_ICMP:
	case XS_IPPROTO_ICMPV6:
		b[dst] = be16toh(a->u.be16[0]) & 0xff;
		break;
	default:
		return -EINVAL;
	}
	memcpy(l4, b, 4);
	new = ld32(l4);
	if (f->l4_proto == XS_IPPROTO_SCTP) {
		/* Bytes after the ports, to the end of the datagram. */
		fx->crc = xs_crc32c_delta(old ^ new, f->nw_end - f->l4_off - 4);
		fx->sctp_csum = f->l4_off + 8;
		return 0;
	}
	/* One diff for both words: the unchanged one adds nothing. */
	fix_l4(f, xs_csum_diff4(old, new), false, fx);
	return 0;
}

static int set_arp(struct xs_dummy_frame *f, const struct xs_action *a)
{
	uint8_t *arp = hdr(f, f->l3_off, sizeof(struct xs_arp_hdr));

	if (f->l3 != XS_L3_ARP || !arp)
		return -EINVAL;
	switch (a->flags) {
	case XS_ARP_FIELD_OP:
		memcpy(arp + 6, a->u.be16, 2);
		break;
	case XS_ARP_FIELD_SHA:
		memcpy(arp + 8, a->u.mac, 6);
		break;
	case XS_ARP_FIELD_SPA:
		memcpy(arp + 14, a->u.be32, 4);
		break;
	case XS_ARP_FIELD_THA:
		memcpy(arp + 18, a->u.mac, 6);
		break;
	case XS_ARP_FIELD_TPA:
		memcpy(arp + 24, a->u.be32, 4);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Applies @fx by arithmetic, as the XDP path does (bpf/rewrite.h's
 * xs_fix_apply and xs_fix_apply_crc). */
static int fix_apply(struct xs_dummy_frame *f, const struct fix *fx)
{
	uint8_t *p;
	uint16_t sum;

	if (fx->l3_csum) {
		p = hdr(f, fx->l3_csum, 2);
		if (!p)
			return -EINVAL;
		sum = ld16(p);
		xs_csum_apply(&sum, fx->diff);
		st16(p, sum);
	}
	if (fx->l4_csum) {
		p = hdr(f, fx->l4_csum, 2);
		if (!p)
			return -EINVAL;
		sum = ld16(p);
		if (fx->udp)
			xs_csum_apply_udp(&sum, fx->diff);
		else
			xs_csum_apply(&sum, fx->diff);
		st16(p, sum);
	}
	if (fx->sctp_csum) {
		p = hdr(f, fx->sctp_csum, 4);
		if (!p)
			return -EINVAL;
		st32(p, ld32(p) ^ fx->crc);
	}
	return 0;
}

static int rewrite(struct xs_dummy_frame *f, const struct xs_action *a, struct fix *fx)
{
	switch (a->type) {
	case XS_ACT_SET_ETH_SRC:
	case XS_ACT_SET_ETH_DST:
		return set_eth(f, a);
	case XS_ACT_SET_IPV4_SRC:
	case XS_ACT_SET_IPV4_DST:
		return set_ipv4_addr(f, a, fx);
	case XS_ACT_SET_IPV6_SRC:
	case XS_ACT_SET_IPV6_DST:
		return set_ipv6_addr(f, a, fx);
	case XS_ACT_SET_IPV6_LABEL:
		return set_label(f, a);
	case XS_ACT_SET_NW_TOS:
		return set_tos(f, a, fx);
	case XS_ACT_SET_NW_TTL:
		return set_ttl(f, a, false, fx);
	case XS_ACT_DEC_TTL:
		return set_ttl(f, a, true, fx);
	case XS_ACT_SET_TP_SRC:
	case XS_ACT_SET_TP_DST:
		return set_tp(f, a, fx);
	case XS_ACT_SET_ARP:
		return set_arp(f, a);
	}
	return -EOPNOTSUPP;
}

int xs_dummy_rewrite(struct xs_dummy_frame *f, const struct xs_action *a)
{
	struct fix fx = { 0 };
	int ret;

	switch (a->type) {
	case XS_ACT_PUSH_VLAN:
		return push_vlan(f, a);
	case XS_ACT_POP_VLAN:
		return pop_vlan(f);
	case XS_ACT_SET_VLAN_TCI:
		return set_vlan_tci(f, a);
	}
	ret = rewrite(f, a, &fx);
	if (ret)
		return ret;
	return fix_apply(f, &fx);
}
