// SPDX-License-Identifier: Apache-2.0
/* Datapath keys, masks and action lists as Open vSwitch's datapath text
 * (see dp_format.h for the syntax and the rules for masked fields). */
#include "common/dp_format.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xdpswitch/datapath.h"
#include "bpf/parse.h"

/* Output buffer that remembers whether anything was cut off. */
struct out {
	char *buf;
	size_t size;
	size_t len;
	int full;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->full = 1;
		o->len = o->size - 1;
	} else {
		o->len += n;
	}
}

/* A comma-separated list: sep() puts the comma before every item but the
 * first. */
struct list {
	struct out *o;
	int n;
};

static void sep(struct list *l)
{
	if (l->n++)
		put(l->o, ",");
}

static int all_zero(const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static int all_ones(const void *p, size_t n)
{
	const __u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0xff)
			return 0;
	return 1;
}

/* Field printers. Each skips a field whose mask is zero, prints value
 * alone under a full mask, and value/mask otherwise (OVS's notation). */
static void f_mac(struct list *l, const char *name, const __u8 *v,
		  const __u8 *m)
{
	static const char fmt[] = "%02x:%02x:%02x:%02x:%02x:%02x";

	if (all_zero(m, 6))
		return;
	sep(l);
	put(l->o, "%s=", name);
	put(l->o, fmt, v[0], v[1], v[2], v[3], v[4], v[5]);
	if (!all_ones(m, 6)) {
		put(l->o, "/");
		put(l->o, fmt, m[0], m[1], m[2], m[3], m[4], m[5]);
	}
}

static void f_ip4(struct list *l, const char *name, __be32 v, __be32 m)
{
	char a[INET_ADDRSTRLEN];

	if (!m)
		return;
	sep(l);
	inet_ntop(AF_INET, &v, a, sizeof(a));
	put(l->o, "%s=%s", name, a);
	if (m != 0xffffffff) {
		inet_ntop(AF_INET, &m, a, sizeof(a));
		put(l->o, "/%s", a);
	}
}

static void f_ip6(struct list *l, const char *name, const __u8 *v,
		  const __u8 *m)
{
	char a[INET6_ADDRSTRLEN];

	if (all_zero(m, 16))
		return;
	sep(l);
	inet_ntop(AF_INET6, v, a, sizeof(a));
	put(l->o, "%s=%s", name, a);
	if (!all_ones(m, 16)) {
		inet_ntop(AF_INET6, m, a, sizeof(a));
		put(l->o, "/%s", a);
	}
}

/* Decimal value, hex mask (OVS's format_u8u / format_be16). */
static void f_dec(struct list *l, const char *name, unsigned int v,
		  unsigned int m, unsigned int full)
{
	if (!m)
		return;
	sep(l);
	put(l->o, "%s=%u", name, v);
	if (m != full)
		put(l->o, "/%#x", m);
}

/* Hex value and mask (OVS's format_u8x, IPv6 label). */
static void f_hex(struct list *l, const char *name, unsigned int v,
		  unsigned int m, unsigned int full)
{
	if (!m)
		return;
	sep(l);
	put(l->o, "%s=%#x", name, v);
	if ((m & full) != full)
		put(l->o, "/%#x", m);
}

static void f_frag(struct list *l, __u8 v, __u8 m)
{
	static const char *const names[] = { "no", "first", "no", "later" };

	m &= XS_FRAG_MASK;
	if (!m)
		return;
	sep(l);
	put(l->o, "frag=%s", names[v & m]);
	if (m != XS_FRAG_MASK)
		put(l->o, "/%#x", m);
}

/* VLAN TCI the way OVS prints it: vid and pcp when set or matched, and
 * cfi=0 for a TCI without the present bit (with cfi_masked, only if that
 * bit is in m). v, m in host order. */
static void f_tci(struct list *l, __u16 v, __u16 m, int cfi_masked)
{
	if ((v | m) & XS_VLAN_VID_MASK) {
		sep(l);
		put(l->o, "vid=%u", v & XS_VLAN_VID_MASK);
		if ((m & XS_VLAN_VID_MASK) != XS_VLAN_VID_MASK)
			put(l->o, "/%#x", m & XS_VLAN_VID_MASK);
	}
	if ((v | m) & XS_VLAN_PCP_MASK) {
		sep(l);
		put(l->o, "pcp=%u", v >> XS_VLAN_PCP_SHIFT);
		if ((m & XS_VLAN_PCP_MASK) != XS_VLAN_PCP_MASK)
			put(l->o, "/%#x", m >> XS_VLAN_PCP_SHIFT);
	}
	if (!(v & XS_VLAN_PRESENT) && (!cfi_masked || (m & XS_VLAN_PRESENT))) {
		sep(l);
		put(l->o, "cfi=0");
	}
}

/* TCP flags: names joined by '|' under a full mask, else +name/-name for
 * each matched bit (OVS's format_flags / format_flags_masked). */
static void f_tcp_flags(struct out *o, __u16 v, __u16 m)
{
	static const char *const names[12] = {
		"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns",
		"[200]", "[400]", "[800]",
	};
	int first = 1;

	if (m == 0x0fff) {
		if (!v)
			put(o, "0");
		for (int i = 0; i < 12; i++) {
			if (!(v & 1u << i))
				continue;
			put(o, "%s%s", first ? "" : "|", names[i]);
			first = 0;
		}
		return;
	}
	for (int i = 0; i < 12; i++)
		if (m & 1u << i)
			put(o, "%c%s", v & 1u << i ? '+' : '-', names[i]);
}

/* A port through the caller's map, or its number. */
static void f_port(struct out *o, __u32 port,
		   const struct xs_dp_port_map *ports)
{
	char name[64];

	if (ports && ports->name &&
	    ports->name(ports->ctx, port, name, sizeof(name)) == 0) {
		name[sizeof(name) - 1] = 0;
		put(o, "%s", name);
	} else {
		put(o, "%u", port);
	}
}

/* Opens attribute "name(" as the next item of l; returns the list of its
 * fields. close_attr() ends it. */
static struct list open_attr(struct list *l, const char *name)
{
	sep(l);
	put(l->o, "%s(", name);
	return (struct list){ .o = l->o };
}

static void close_attr(struct list *l)
{
	put(l->o, ")");
}

XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, ipv6_dst) ==
		 __builtin_offsetof(struct xs_flow_key, ipv6_src) + 16,
		 "ipv6_src and ipv6_dst are tested as one 32-byte run");
XS_STATIC_ASSERT(__builtin_offsetof(struct xs_flow_key, arp_tha) ==
		 __builtin_offsetof(struct xs_flow_key, arp_sha) + 6,
		 "arp_sha and arp_tha are tested as one 12-byte run");

/* The ct fields, as OVS prints them. recirc_id is the caller's to print
 * (dump-megaflows puts it first, as OVS does: every megaflow matches it). */
/* The original-direction tuple as OVS prints it (ct_tuple4(...) or
 * ct_tuple6(...)), when the key holds one (a valid ct_state) and the mask
 * covers some of it; an exact key shows it when set. */
static void fmt_ct_tuple(struct list *l, const struct xs_flow_key *k,
			 const struct xs_flow_key *m)
{
	int ip4 = k->dl_type == htons(XS_ETH_P_IPV4);
	struct list a;

	__u8 st = k->ct_state & m->ct_state;

	/* OVS's is_ct_valid() on the mask: the tuple is there. */
	if (!((st & (XS_CS_NEW | XS_CS_EST | XS_CS_REL | XS_CS_RPL | XS_CS_SNAT | XS_CS_DNAT)) ||
	      ((st & XS_CS_TRK) && (m->ct_state & XS_CS_INV) && !(st & XS_CS_INV))) ||
	    (!ip4 && k->dl_type != htons(XS_ETH_P_IPV6)))
		return;
	if (!m->ct_nw_proto && !m->ct_tp_src && !m->ct_tp_dst &&
	    (ip4 ? !m->ct_nw_src && !m->ct_nw_dst : all_zero(m->ct_ipv6_src, 32)))
		return;
	if (m->ct_nw_proto == 0xff && m->ct_state == 0xff && m->dl_type == 0xffff &&
	    !k->ct_nw_proto)
		return; /* an exact key without a tuple */
	a = open_attr(l, ip4 ? "ct_tuple4" : "ct_tuple6");
	if (ip4) {
		f_ip4(&a, "src", k->ct_nw_src, m->ct_nw_src);
		f_ip4(&a, "dst", k->ct_nw_dst, m->ct_nw_dst);
	} else {
		f_ip6(&a, "src", k->ct_ipv6_src, m->ct_ipv6_src);
		f_ip6(&a, "dst", k->ct_ipv6_dst, m->ct_ipv6_dst);
	}
	f_dec(&a, "proto", k->ct_nw_proto, m->ct_nw_proto, 0xff);
	f_dec(&a, "tp_src", ntohs(k->ct_tp_src), ntohs(m->ct_tp_src), 0xffff);
	f_dec(&a, "tp_dst", ntohs(k->ct_tp_dst), ntohs(m->ct_tp_dst), 0xffff);
	close_attr(&a);
}

/* A 128-bit big-endian value as OVS prints one: 0x and its hex digits
 * without leading zeros. */
static void put_u128(struct out *o, const __u8 *v)
{
	int i = 0;

	while (i < 15 && !v[i])
		i++;
	put(o, "%#x", v[i]);
	if (!v[i])
		return; /* "0" rather than "0x0", as %#x prints 0 */
	for (i++; i < 16; i++)
		put(o, "%02x", v[i]);
}

static int u128_all(const __u8 *v, __u8 b)
{
	for (int i = 0; i < 16; i++)
		if (v[i] != b)
			return 0;
	return 1;
}

static void fmt_ct_key(struct list *l, const struct xs_flow_key *k,
		       const struct xs_flow_key *m)
{
	static const char *const names[8] = { "new", "est", "rel", "rpl",
					      "inv", "trk", "snat", "dnat" };
	struct list a;

	/* An exact key (no mask) shows the ct fields only when set. */
	if (m->ct_state && (m->ct_state != 0xff || k->ct_state)) {
		a = open_attr(l, "ct_state");
		for (int i = 0; i < 8; i++)
			if (m->ct_state & (1u << i))
				put(l->o, "%c%s", k->ct_state & (1u << i) ? '+' : '-', names[i]);
		close_attr(&a);
	}
	if (m->ct_zone && (m->ct_zone != 0xffff || k->ct_zone)) {
		a = open_attr(l, "ct_zone");
		put(l->o, "%#x", ntohs(k->ct_zone));
		if (m->ct_zone != 0xffff)
			put(l->o, "/%#x", ntohs(m->ct_zone));
		close_attr(&a);
	}
	if (m->ct_mark && (m->ct_mark != 0xffffffff || k->ct_mark)) {
		a = open_attr(l, "ct_mark");
		put(l->o, "%#x", ntohl(k->ct_mark));
		if (m->ct_mark != 0xffffffff)
			put(l->o, "/%#x", ntohl(m->ct_mark));
		close_attr(&a);
	}
	if (!u128_all(m->ct_label, 0) &&
	    (!u128_all(m->ct_label, 0xff) || !u128_all(k->ct_label, 0))) {
		a = open_attr(l, "ct_label");
		put_u128(l->o, k->ct_label);
		if (!u128_all(m->ct_label, 0xff)) {
			put(l->o, "/");
			put_u128(l->o, m->ct_label);
		}
		close_attr(&a);
	}
	fmt_ct_tuple(l, k, m);
}

/* ct(...) as OVS prints it; @nat is the XS_ACT_CT_NAT before it or NULL,
 * @lbl its two XS_ACT_CT_LABEL entries (value, mask) or NULL. */
static void fmt_ct_action(struct list *l, const struct xs_action *a,
			  const struct xs_action *nat, const struct xs_action *lbl)
{
	struct list args = open_attr(l, "ct");

	if (a->flags & XS_CT_F_FORCE) { /* OVS's datapath spelling */
		sep(&args);
		put(l->o, "force_commit");
	} else if (a->flags & XS_CT_F_COMMIT) {
		sep(&args);
		put(l->o, "commit");
	}
	if (a->arg) {
		sep(&args);
		put(l->o, "zone=%u", a->arg);
	}
	if (a->flags & XS_CT_F_MARK) {
		sep(&args);
		put(l->o, "mark=%#x/%#x", a->u.be32[0], a->u.be32[1]);
	}
	if ((a->flags & XS_CT_F_LABEL) && lbl) {
		sep(&args);
		put(l->o, "label=");
		put_u128(l->o, lbl[0].u.bytes);
		if (!u128_all(lbl[1].u.bytes, 0xff)) {
			put(l->o, "/");
			put_u128(l->o, lbl[1].u.bytes);
		}
	}
	if (a->flags & XS_CT_F_NAT) {
		sep(&args);
		put(l->o, "nat");
		if (nat) {
			char b0[INET6_ADDRSTRLEN], b1[INET6_ADDRSTRLEN];

			put(l->o, "(%s=", nat->flags & XS_NAT_F_DST ? "dst" : "src");
			if (nat->flags & XS_NAT_F_IPV6) {
				inet_ntop(AF_INET6, nat->u.bytes, b0, sizeof(b0));
				put(l->o, "[%s]", b0);
			} else {
				inet_ntop(AF_INET, &nat->u.be32[0], b0, sizeof(b0));
				inet_ntop(AF_INET, &nat->u.be32[1], b1, sizeof(b1));
				put(l->o, "%s", b0);
				if (nat->u.be32[1] != nat->u.be32[0])
					put(l->o, "-%s", b1);
			}
			if (nat->arg) {
				put(l->o, ":%u", nat->arg >> 16);
				if ((nat->arg & 0xffff) != nat->arg >> 16)
					put(l->o, "-%u", nat->arg & 0xffff);
			}
			if (nat->flags & XS_NAT_F_PERSISTENT)
				put(l->o, ",persistent");
			if (nat->flags & XS_NAT_F_HASH)
				put(l->o, ",hash");
			if (nat->flags & XS_NAT_F_RANDOM)
				put(l->o, ",random");
			put(l->o, ")");
		}
	}
	close_attr(&args);
}

/* L3 and L4 attributes of key (k and m: masked key and mask). exact says
 * that no mask was given. */
static void fmt_l3_l4(struct list *l, const struct xs_flow_key *key,
		      const struct xs_flow_key *k, const struct xs_flow_key *m,
		      int exact)
{
	__u16 type = ntohs(key->dl_type);
	int ip4 = type == XS_ETH_P_IPV4, ip6 = type == XS_ETH_P_IPV6;
	struct list a;

	if (ip4 && (m->nw_src || m->nw_dst || m->nw_proto || m->nw_tos ||
		    m->nw_ttl || (m->nw_frag & XS_FRAG_MASK))) {
		a = open_attr(l, "ipv4");
		f_ip4(&a, "src", k->nw_src, m->nw_src);
		f_ip4(&a, "dst", k->nw_dst, m->nw_dst);
		f_dec(&a, "proto", k->nw_proto, m->nw_proto, 0xff);
		f_hex(&a, "tos", k->nw_tos, m->nw_tos, 0xff);
		f_dec(&a, "ttl", k->nw_ttl, m->nw_ttl, 0xff);
		f_frag(&a, k->nw_frag, m->nw_frag);
		close_attr(&a);
	} else if (ip6 && (!all_zero(m->ipv6_src, 32) || m->ipv6_label ||
			   m->nw_proto || m->nw_tos || m->nw_ttl ||
			   (m->nw_frag & XS_FRAG_MASK))) {
		a = open_attr(l, "ipv6");
		f_ip6(&a, "src", k->ipv6_src, m->ipv6_src);
		f_ip6(&a, "dst", k->ipv6_dst, m->ipv6_dst);
		f_hex(&a, "label", ntohl(k->ipv6_label), ntohl(m->ipv6_label),
		      0xfffff);
		f_dec(&a, "proto", k->nw_proto, m->nw_proto, 0xff);
		f_hex(&a, "tclass", k->nw_tos, m->nw_tos, 0xff);
		f_dec(&a, "hlimit", k->nw_ttl, m->nw_ttl, 0xff);
		f_frag(&a, k->nw_frag, m->nw_frag);
		close_attr(&a);
	} else if ((type == XS_ETH_P_ARP || type == XS_ETH_P_RARP) &&
		   (m->nw_src || m->nw_dst || m->nw_proto ||
		    !all_zero(m->arp_sha, 12))) {
		a = open_attr(l, "arp");
		f_ip4(&a, "sip", k->nw_src, m->nw_src);
		f_ip4(&a, "tip", k->nw_dst, m->nw_dst);
		/* OVS's op is 16 bits wide and the key keeps the low 8, so a
		 * megaflow mask reads op=1/0xff, as in OVS. */
		f_dec(&a, "op", k->nw_proto, exact ? 0xffff : m->nw_proto, 0xffff);
		f_mac(&a, "sha", k->arp_sha, m->arp_sha);
		f_mac(&a, "tha", k->arp_tha, m->arp_tha);
		close_attr(&a);
	}

	if (!(ip4 || ip6) || (key->nw_frag & XS_FRAG_LATER))
		return;
	switch (key->nw_proto) {
	case XS_IPPROTO_TCP:
	case XS_IPPROTO_UDP:
	case XS_IPPROTO_SCTP:
		if (m->tp_src || m->tp_dst) {
			a = open_attr(l, key->nw_proto == XS_IPPROTO_TCP ? "tcp" :
					 key->nw_proto == XS_IPPROTO_UDP ? "udp" :
									   "sctp");
			f_dec(&a, "src", ntohs(k->tp_src), ntohs(m->tp_src), 0xffff);
			f_dec(&a, "dst", ntohs(k->tp_dst), ntohs(m->tp_dst), 0xffff);
			close_attr(&a);
		}
		if (key->nw_proto == XS_IPPROTO_TCP &&
		    (ntohs(m->tcp_flags) & 0x0fff)) {
			a = open_attr(l, "tcp_flags");
			f_tcp_flags(l->o, ntohs(k->tcp_flags) & 0x0fff,
				    ntohs(m->tcp_flags) & 0x0fff);
			close_attr(&a);
		}
		break;
	case XS_IPPROTO_ICMP:
	case XS_IPPROTO_ICMPV6:
		if ((key->nw_proto == XS_IPPROTO_ICMP) != ip4)
			break;
		if ((ntohs(m->tp_src) & 0xff) || (ntohs(m->tp_dst) & 0xff)) {
			a = open_attr(l, ip4 ? "icmp" : "icmpv6");
			f_dec(&a, "type", ntohs(k->tp_src) & 0xff,
			      ntohs(m->tp_src) & 0xff, 0xff);
			f_dec(&a, "code", ntohs(k->tp_dst) & 0xff,
			      ntohs(m->tp_dst) & 0xff, 0xff);
			close_attr(&a);
		}
		if (ip6 && key->tp_dst == 0 &&
		    (key->tp_src == htons(XS_ND_NEIGHBOR_SOLICIT) ||
		     key->tp_src == htons(XS_ND_NEIGHBOR_ADVERT)) &&
		    !(all_zero(m->nd_target, 16) && all_zero(m->arp_sha, 12))) {
			a = open_attr(l, "nd");
			f_ip6(&a, "target", k->nd_target, m->nd_target);
			f_mac(&a, "sll", k->arp_sha, m->arp_sha);
			f_mac(&a, "tll", k->arp_tha, m->arp_tha);
			close_attr(&a);
		}
		break;
	}
}

int xs_dp_format_key(char *buf, size_t size, const struct xs_flow_key *key,
		     const struct xs_flow_key *mask,
		     const struct xs_dp_port_map *ports)
{
	struct out o = { .buf = buf, .size = size };
	struct list top = { .o = &o }, a, levels[XS_MAX_VLAN + 1];
	struct xs_flow_key k, m;
	struct list *l = &top;
	int depth = 0;

	XS_STATIC_ASSERT(XS_FLOW_KEY_SEQ == 4, "format every key field");
	if (!buf || !size)
		return -EINVAL;
	buf[0] = 0;
	if (mask)
		m = *mask;
	else
		memset(&m, 0xff, sizeof(m));
	for (size_t i = 0; i < sizeof(k); i++)
		((__u8 *)&k)[i] = ((const __u8 *)key)[i] & ((__u8 *)&m)[i];

	fmt_ct_key(l, &k, &m);
	if (m.in_port) {
		a = open_attr(l, "in_port");
		if (m.in_port == 0xffffffff)
			f_port(&o, k.in_port, ports);
		else
			put(&o, "%u/%#x", k.in_port, m.in_port);
		close_attr(&a);
	}
	a = open_attr(l, "eth");
	f_mac(&a, "src", k.dl_src, m.dl_src);
	f_mac(&a, "dst", k.dl_dst, m.dl_dst);
	close_attr(&a);

	/* A tag is there when the megaflow says so: a TPID, or a TCI with the
	 * present bit (a mask may cover the TCI without the TPID). An exact
	 * TCI of 0 means "no tag" and prints nothing, as in OVS. */
	for (int i = 0; i < XS_MAX_VLAN &&
			(k.vlan[i].tpid || (k.vlan[i].tci & htons(XS_VLAN_PRESENT))); i++) {
		if (m.vlan[i].tpid) {
			a = open_attr(l, "eth_type");
			put(&o, "0x%04x", ntohs(k.vlan[i].tpid));
			if (m.vlan[i].tpid != 0xffff)
				put(&o, "/0x%04x", ntohs(m.vlan[i].tpid));
			close_attr(&a);
		}
		if (m.vlan[i].tci) {
			a = open_attr(l, "vlan");
			f_tci(&a, ntohs(k.vlan[i].tci), ntohs(m.vlan[i].tci), 0);
			close_attr(&a);
		}
		levels[depth] = open_attr(l, "encap");
		l = &levels[depth++];
	}

	if (m.dl_type) {
		a = open_attr(l, "eth_type");
		put(&o, "0x%04x", ntohs(k.dl_type));
		if (m.dl_type != 0xffff)
			put(&o, "/0x%04x", ntohs(m.dl_type));
		close_attr(&a);
	}
	fmt_l3_l4(l, key, &k, &m, !mask);
	while (depth--)
		close_attr(&levels[depth]);
	return o.full ? -ENOSPC : 0;
}

/* Headers a run of set actions can rewrite. */
enum set_hdr {
	SET_NONE,
	SET_ETH,
	SET_IPV4,
	SET_IPV6,
	SET_TP,
	SET_VLAN,
	SET_ARP,
};

/* A run of consecutive set actions on one header, printed as one set().
 * Values and masks are kept in flow key fields. */
struct set_run {
	enum set_hdr hdr;
	struct xs_flow_key v;
	struct xs_flow_key m;
	__u16 arp_op;
	__u16 arp_op_mask;
};

/* Header that set action a rewrites, or SET_NONE if a is not a set. */
static enum set_hdr set_hdr_of(const struct xs_action *a, int ip6)
{
	switch (a->type) {
	case XS_ACT_SET_ETH_SRC:
	case XS_ACT_SET_ETH_DST:
		return SET_ETH;
	case XS_ACT_SET_IPV4_SRC:
	case XS_ACT_SET_IPV4_DST:
		return SET_IPV4;
	case XS_ACT_SET_IPV6_SRC:
	case XS_ACT_SET_IPV6_DST:
	case XS_ACT_SET_IPV6_LABEL:
		return SET_IPV6;
	case XS_ACT_SET_NW_TOS:
	case XS_ACT_SET_NW_TTL:
		return ip6 ? SET_IPV6 : SET_IPV4;
	case XS_ACT_SET_TP_SRC:
	case XS_ACT_SET_TP_DST:
		return SET_TP;
	case XS_ACT_SET_VLAN_TCI:
		return SET_VLAN;
	case XS_ACT_SET_ARP:
		return SET_ARP;
	}
	return SET_NONE;
}

/* Adds set action a to run r. Returns 0, 1 if the field is already in the
 * run (the caller prints the run and starts a new one), or -EINVAL for an
 * unknown ARP field. */
static int run_add(struct set_run *r, const struct xs_action *a)
{
	struct xs_flow_key *v = &r->v, *m = &r->m;

	switch (a->type) {
	case XS_ACT_SET_ETH_SRC:
	case XS_ACT_SET_ETH_DST: {
		int src = a->type == XS_ACT_SET_ETH_SRC;
		__u8 *vf = src ? v->dl_src : v->dl_dst;
		__u8 *mf = src ? m->dl_src : m->dl_dst;

		if (mf[0])
			return 1;
		memcpy(vf, a->u.mac, 6);
		memset(mf, 0xff, 6);
		return 0;
	}
	case XS_ACT_SET_IPV4_SRC:
	case XS_ACT_SET_IPV4_DST: {
		int src = a->type == XS_ACT_SET_IPV4_SRC;

		if (src ? m->nw_src : m->nw_dst)
			return 1;
		*(src ? &v->nw_src : &v->nw_dst) = a->u.be32[0];
		*(src ? &m->nw_src : &m->nw_dst) =
			a->flags & XS_SET_F_MASKED ? a->u.be32[1] : 0xffffffff;
		return 0;
	}
	case XS_ACT_SET_IPV6_SRC:
	case XS_ACT_SET_IPV6_DST: {
		int src = a->type == XS_ACT_SET_IPV6_SRC;

		if ((src ? m->ipv6_src : m->ipv6_dst)[0])
			return 1;
		memcpy(src ? v->ipv6_src : v->ipv6_dst, a->u.bytes, 16);
		memset(src ? m->ipv6_src : m->ipv6_dst, 0xff, 16);
		return 0;
	}
	case XS_ACT_SET_IPV6_LABEL:
		if (m->ipv6_label)
			return 1;
		v->ipv6_label = a->u.be32[0] & a->u.be32[1];
		m->ipv6_label = a->u.be32[1] & htonl(0xfffff);
		return 0;
	case XS_ACT_SET_NW_TOS:
		if (m->nw_tos)
			return 1;
		v->nw_tos = a->u.bytes[0] & a->u.bytes[1];
		m->nw_tos = a->u.bytes[1];
		return 0;
	case XS_ACT_SET_NW_TTL:
		if (m->nw_ttl)
			return 1;
		v->nw_ttl = a->u.bytes[0];
		m->nw_ttl = 0xff;
		return 0;
	case XS_ACT_SET_TP_SRC:
	case XS_ACT_SET_TP_DST: {
		int src = a->type == XS_ACT_SET_TP_SRC;

		if (src ? m->tp_src : m->tp_dst)
			return 1;
		*(src ? &v->tp_src : &v->tp_dst) = a->u.be16[0];
		*(src ? &m->tp_src : &m->tp_dst) =
			a->flags & XS_SET_F_MASKED ? a->u.be16[1] : 0xffff;
		return 0;
	}
	case XS_ACT_SET_VLAN_TCI:
		if (m->vlan[0].tci)
			return 1;
		v->vlan[0].tci = a->u.be16[0] & a->u.be16[1];
		m->vlan[0].tci = a->u.be16[1];
		return 0;
	case XS_ACT_SET_ARP:
		switch (a->flags) {
		case XS_ARP_FIELD_OP:
			if (r->arp_op_mask)
				return 1;
			r->arp_op = ntohs(a->u.be16[0]);
			r->arp_op_mask = 0xffff;
			return 0;
		case XS_ARP_FIELD_SPA:
		case XS_ARP_FIELD_TPA: {
			int spa = a->flags == XS_ARP_FIELD_SPA;

			if (spa ? m->nw_src : m->nw_dst)
				return 1;
			*(spa ? &v->nw_src : &v->nw_dst) = a->u.be32[0];
			*(spa ? &m->nw_src : &m->nw_dst) = 0xffffffff;
			return 0;
		}
		case XS_ARP_FIELD_SHA:
		case XS_ARP_FIELD_THA: {
			int sha = a->flags == XS_ARP_FIELD_SHA;

			if ((sha ? m->arp_sha : m->arp_tha)[0])
				return 1;
			memcpy(sha ? v->arp_sha : v->arp_tha, a->u.mac, 6);
			memset(sha ? m->arp_sha : m->arp_tha, 0xff, 6);
			return 0;
		}
		}
		return -EINVAL;
	}
	return -EINVAL;
}

/* Name of the L4 header a TP set rewrites, or NULL if the flow has none. */
static const char *tp_name(const struct xs_flow_key *key)
{
	int ip6;

	if (!key)
		return "tcp";
	ip6 = key->dl_type == htons(XS_ETH_P_IPV6);
	if (!ip6 && key->dl_type != htons(XS_ETH_P_IPV4))
		return NULL;
	switch (key->nw_proto) {
	case XS_IPPROTO_TCP:
		return "tcp";
	case XS_IPPROTO_UDP:
		return "udp";
	case XS_IPPROTO_SCTP:
		return "sctp";
	case XS_IPPROTO_ICMP:
		return ip6 ? NULL : "icmp";
	case XS_IPPROTO_ICMPV6:
		return ip6 ? "icmpv6" : NULL;
	}
	return NULL;
}

static void run_print(struct list *l, const struct set_run *r,
		      const char *tp)
{
	const struct xs_flow_key *v = &r->v, *m = &r->m;
	static const char *const names[] = {
		[SET_ETH] = "eth", [SET_IPV4] = "ipv4", [SET_IPV6] = "ipv6",
		[SET_VLAN] = "vlan", [SET_ARP] = "arp",
	};
	struct list set = open_attr(l, "set");
	struct list a = open_attr(&set, r->hdr == SET_TP ? tp : names[r->hdr]);

	switch (r->hdr) {
	case SET_ETH:
		f_mac(&a, "src", v->dl_src, m->dl_src);
		f_mac(&a, "dst", v->dl_dst, m->dl_dst);
		break;
	case SET_IPV4:
		f_ip4(&a, "src", v->nw_src, m->nw_src);
		f_ip4(&a, "dst", v->nw_dst, m->nw_dst);
		f_hex(&a, "tos", v->nw_tos, m->nw_tos, 0xff);
		f_dec(&a, "ttl", v->nw_ttl, m->nw_ttl, 0xff);
		break;
	case SET_IPV6:
		f_ip6(&a, "src", v->ipv6_src, m->ipv6_src);
		f_ip6(&a, "dst", v->ipv6_dst, m->ipv6_dst);
		f_hex(&a, "label", ntohl(v->ipv6_label), ntohl(m->ipv6_label),
		      0xfffff);
		f_hex(&a, "tclass", v->nw_tos, m->nw_tos, 0xff);
		f_dec(&a, "hlimit", v->nw_ttl, m->nw_ttl, 0xff);
		break;
	case SET_TP:
		if (!strncmp(tp, "icmp", 4)) {
			f_dec(&a, "type", ntohs(v->tp_src), m->tp_src ? 0xff : 0,
			      0xff);
			f_dec(&a, "code", ntohs(v->tp_dst), m->tp_dst ? 0xff : 0,
			      0xff);
		} else {
			f_dec(&a, "src", ntohs(v->tp_src), ntohs(m->tp_src),
			      0xffff);
			f_dec(&a, "dst", ntohs(v->tp_dst), ntohs(m->tp_dst),
			      0xffff);
		}
		break;
	case SET_VLAN:
		f_tci(&a, ntohs(v->vlan[0].tci), ntohs(m->vlan[0].tci), 1);
		break;
	case SET_ARP:
		f_ip4(&a, "sip", v->nw_src, m->nw_src);
		f_ip4(&a, "tip", v->nw_dst, m->nw_dst);
		f_dec(&a, "op", r->arp_op, r->arp_op_mask, 0xffff);
		f_mac(&a, "sha", v->arp_sha, m->arp_sha);
		f_mac(&a, "tha", v->arp_tha, m->arp_tha);
		break;
	case SET_NONE:
		break;
	}
	close_attr(&a);
	close_attr(&set);
}

static const char *reason_name(__u32 reason)
{
	switch (reason) {
	case XS_UPCALL_MISS:
		return "miss";
	case XS_UPCALL_ACTION:
		return "action";
	case XS_UPCALL_TTL_EXPIRED:
		return "ttl_expired";
	}
	return NULL;
}

/* A broadcast: the bridge's ports but @in_port (@key's, when there is a
 * key), one output each, or a token when the caller gave no ports. */
static void fmt_broadcast(struct list *l, const struct xs_flow_key *key,
			  const struct xs_dp_port_map *ports)
{
	if (!ports || !ports->bridge) {
		sep(l);
		put(l->o, "broadcast(all_but_in_port)");
		return;
	}
	for (unsigned int i = 0; i < ports->n_bridge; i++) {
		if (key && ports->bridge[i] == key->in_port)
			continue;
		sep(l);
		f_port(l->o, ports->bridge[i], ports);
	}
}

/* Prints one action that is not a set. Returns 0 or -EINVAL. */
static int fmt_action(struct list *l, const struct xs_action *a,
		      const struct xs_action *prev, const struct xs_action *lbl,
		      const struct xs_flow_key *key, const struct xs_dp_port_map *ports)
{
	const char *reason;
	struct list args;

	switch (a->type) {
	case XS_ACT_OUTPUT:
		if (a->flags == XS_OUT_F_BROADCAST && !a->arg) {
			fmt_broadcast(l, key, ports);
			return 0;
		}
		sep(l);
		if (!a->flags) {
			f_port(l->o, a->arg, ports);
			return 0;
		}
		put(l->o, "invalid(type=%u)", a->type);
		return -EINVAL;
	case XS_ACT_TO_AGENT:
		args = open_attr(l, "userspace");
		reason = reason_name(a->arg);
		if (reason)
			put(l->o, "reason=%s", reason);
		else
			put(l->o, "reason=%u", a->arg);
		put(l->o, ",cookie=%u", a->flags);
		close_attr(&args);
		return 0;
	case XS_ACT_DEC_TTL:
		sep(l);
		put(l->o, "dec_ttl");
		return 0;
	case XS_ACT_CT:
		fmt_ct_action(l, a, prev && prev->type == XS_ACT_CT_NAT ? prev : NULL, lbl);
		return 0;
	case XS_ACT_CT_NAT:
	case XS_ACT_CT_LABEL:
		return 0; /* printed inside the ct() after it */
	case XS_ACT_CT_CLEAR:
		sep(l);
		put(l->o, "ct_clear");
		return 0;
	case XS_ACT_RECIRC:
		args = open_attr(l, "recirc");
		put(l->o, "%#x", a->arg);
		close_attr(&args);
		return 0;
	case XS_ACT_POP_VLAN:
		sep(l);
		put(l->o, "pop_vlan");
		return 0;
	case XS_ACT_PUSH_VLAN:
		args = open_attr(l, "push_vlan");
		if (a->u.be16[0] != htons(XS_ETH_P_8021Q)) {
			sep(&args);
			put(l->o, "tpid=0x%04x", ntohs(a->u.be16[0]));
		}
		f_tci(&args, ntohs(a->u.be16[1]), 0xffff, 0);
		close_attr(&args);
		return 0;
	}
	sep(l);
	put(l->o, "unknown(type=%u)", a->type);
	return -EINVAL;
}

/* The XS_ACT_CT_LABEL pair of ct action @i of @acts, or NULL. */
static const struct xs_action *ct_label_acts(const struct xs_action *acts, unsigned int i)
{
	unsigned int back;

	if (acts[i].type != XS_ACT_CT || !(acts[i].flags & XS_CT_F_LABEL) || i < 2)
		return NULL;
	back = acts[i - 1].type == XS_ACT_CT_NAT ? 3 : 2;
	if (i < back || acts[i - back].type != XS_ACT_CT_LABEL)
		return NULL;
	return &acts[i - back];
}

int xs_dp_format_actions(char *buf, size_t size, const struct xs_action *acts,
			 unsigned int n, const struct xs_flow_key *key,
			 const struct xs_dp_port_map *ports)
{
	struct out o = { .buf = buf, .size = size };
	struct list l = { .o = &o };
	int ip6 = key && key->dl_type == htons(XS_ETH_P_IPV6);
	const char *tp = tp_name(key);
	struct set_run run;
	int err = 0;

	if (!buf || !size)
		return -EINVAL;
	buf[0] = 0;
	if (n > XS_MAX_ACTIONS)
		return -E2BIG;
	memset(&run, 0, sizeof(run));
	for (unsigned int i = 0; i < n; i++) {
		const struct xs_action *a = &acts[i];
		enum set_hdr hdr = set_hdr_of(a, ip6);
		int rc;

		if (run.hdr != SET_NONE && hdr != run.hdr) {
			run_print(&l, &run, tp);
			memset(&run, 0, sizeof(run));
		}
		if (hdr == SET_NONE) {
			if (fmt_action(&l, a, i ? &acts[i - 1] : NULL, ct_label_acts(acts, i), key,
				       ports))
				err = -EINVAL;
			continue;
		}
		rc = hdr == SET_TP && !tp ? -EINVAL : run_add(&run, a);
		if (rc) {
			/* The field is in the run already, or the action is
			 * invalid: either way the run ends here. */
			if (run.hdr != SET_NONE)
				run_print(&l, &run, tp);
			memset(&run, 0, sizeof(run));
			if (rc == 1)
				rc = run_add(&run, a);
		}
		if (rc < 0) {
			sep(&l);
			put(&o, "invalid(type=%u)", a->type);
			err = -EINVAL;
			continue;
		}
		run.hdr = hdr;
	}
	if (run.hdr != SET_NONE)
		run_print(&l, &run, tp);
	/* no actions, or a broadcast that reaches no port */
	if (!o.len)
		put(&o, "drop");
	if (o.full)
		return -ENOSPC;
	return err;
}
