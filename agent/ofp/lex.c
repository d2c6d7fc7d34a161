// SPDX-License-Identifier: Apache-2.0
/* Tokens, numbers, addresses, ports and field values in ovs-ofctl text:
 * the readers used by the match and action parsers, and their writers. */
#include "agent/ofp/lex.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct ofp_tok ofp_tok_sub(struct ofp_tok t, unsigned i, unsigned len)
{
	struct ofp_tok r = { t.s + i, len, t.col + (int)i };

	return r;
}

bool ofp_tok_is(struct ofp_tok t, const char *name)
{
	return strlen(name) == t.len && !memcmp(t.s, name, t.len);
}

int ofp_tok_find(struct ofp_tok t, char c)
{
	const char *p = t.len ? memchr(t.s, c, t.len) : NULL;

	return p ? (int)(p - t.s) : -1;
}

int ofp_tok_arrow(struct ofp_tok t)
{
	unsigned i;

	for (i = 0; i + 1 < t.len; i++)
		if (t.s[i] == '-' && t.s[i + 1] == '>')
			return i;
	return -1;
}

int ofp_err(struct xs_err *err, struct ofp_tok t, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->col = t.col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ofp_read_number(struct ofp_tok t, uint8_t *out, unsigned n_bytes)
{
	unsigned i, j;

	memset(out, 0, n_bytes);
	if (!t.len)
		return -EINVAL;
	if (t.len > 2 && t.s[0] == '0' && (t.s[1] == 'x' || t.s[1] == 'X')) {
		/* Hex: shift each digit into the byte string from the right. */
		for (i = 2; i < t.len; i++) {
			int d = hexval(t.s[i]);

			if (d < 0)
				return -EINVAL;
			if (out[0] >> 4)
				return -ERANGE;
			for (j = 0; j + 1 < n_bytes; j++)
				out[j] = out[j] << 4 | out[j + 1] >> 4;
			out[n_bytes - 1] = out[n_bytes - 1] << 4 | d;
		}
		return 0;
	}
	/* Decimal: multiply the byte string by 10 and add each digit. */
	for (i = 0; i < t.len; i++) {
		unsigned carry;

		if (t.s[i] < '0' || t.s[i] > '9')
			return -EINVAL;
		carry = t.s[i] - '0';
		for (j = n_bytes; j-- > 0; ) {
			unsigned v = out[j] * 10 + carry;

			out[j] = v & 0xff;
			carry = v >> 8;
		}
		if (carry)
			return -ERANGE;
	}
	return 0;
}

unsigned ofp_bits_used(const uint8_t *p, unsigned n_bytes)
{
	unsigned i;

	for (i = 0; i < n_bytes; i++)
		if (p[i])
			return (n_bytes - i - 1) * 8 + 32 - __builtin_clz(p[i]);
	return 0;
}

int ofp_read_uint(struct ofp_tok t, uint64_t max, const char *what,
		  uint64_t *v, struct xs_err *err)
{
	uint8_t b[8];
	unsigned i;
	int r = ofp_read_number(t, b, sizeof(b));

	if (r == -EINVAL)
		return ofp_err(err, t, "%s: '%.*s' is not a number", what, OFP_TOK(t));
	*v = 0;
	for (i = 0; i < sizeof(b); i++)
		*v = *v << 8 | b[i];
	if (r == -ERANGE || *v > max)
		return ofp_err(err, t, "%s: %.*s is out of range (0 to %llu)", what,
			       OFP_TOK(t), (unsigned long long)max);
	return 0;
}

static const struct {
	const char *name;
	uint32_t port;
} port_names[] = {
	{ "IN_PORT", OFPP_IN_PORT }, { "TABLE", OFPP_TABLE },
	{ "NORMAL", OFPP_NORMAL }, { "FLOOD", OFPP_FLOOD },
	{ "ALL", OFPP_ALL }, { "CONTROLLER", OFPP_CONTROLLER },
	{ "LOCAL", OFPP_LOCAL }, { "NONE", OFPP_NONE },
};

const char *ofp_port_name(uint32_t port)
{
	unsigned i;

	for (i = 0; i < sizeof(port_names) / sizeof(port_names[0]); i++)
		if (port_names[i].port == port)
			return port_names[i].name;
	return NULL;
}

int ofp_read_port(struct ofp_tok t, const char *what, uint32_t *port,
		  struct xs_err *err)
{
	uint8_t b[4];
	unsigned i;
	int r;

	for (i = 0; i < sizeof(port_names) / sizeof(port_names[0]); i++) {
		if (strlen(port_names[i].name) == t.len &&
		    !strncasecmp(port_names[i].name, t.s, t.len)) {
			*port = port_names[i].port;
			if (*port == OFPP_LOCAL)
				goto local;
			return 0;
		}
	}
	r = ofp_read_number(t, b, sizeof(b));
	if (r == -EINVAL)
		return ofp_err(err, t, "%s: '%.*s' is not a port number or name",
			       what, OFP_TOK(t));
	*port = (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	if (r == 0 && *port == OFPP_LOCAL)
		goto local;
	if (r == 0 && (*port < OFPP_MAX || ofp_port_name(*port)))
		return 0;
	return ofp_err(err, t, "%s: port %.*s is out of range (0 to %u, or a "
		       "reserved port)", what, OFP_TOK(t), OFPP_MAX - 1);
local:
	/* OVS's LOCAL is the bridge's internal interface; there is none here,
	 * and a rule naming it would only drop. */
	ofp_err(err, t, "%s%s'%.*s': this bridge has no LOCAL port (xdpswitch has no "
		"internal port; %s)", what, *what ? ": " : "", OFP_TOK(t),
		!*what || !strcmp(what, "output") ? "output to a real port" : "use a real port");
	return -ENODEV;
}

/* aa:bb:cc:dd:ee:ff, one or two hex digits per byte. */
static int read_eth(struct ofp_tok t, uint8_t *mac)
{
	unsigned i = 0, b;

	for (b = 0; b < 6; b++) {
		int d, n = 0, v = 0;

		while (i < t.len && (d = hexval(t.s[i])) >= 0 && n < 2) {
			v = v << 4 | d;
			i++;
			n++;
		}
		if (!n)
			return -EINVAL;
		mac[b] = v;
		if (b < 5) {
			if (i >= t.len || t.s[i] != ':')
				return -EINVAL;
			i++;
		}
	}
	return i == t.len ? 0 : -EINVAL;
}

/* inet_pton on a copy of the token (it needs a NUL-terminated string). */
static int read_inet(int af, struct ofp_tok t, uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (!t.len || t.len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, t.s, t.len);
	buf[t.len] = 0;
	return inet_pton(af, buf, addr) == 1 ? 0 : -EINVAL;
}

/* A /N prefix length as an n_bytes mask; -EINVAL if not a number <= 8n. */
static int read_prefix(struct ofp_tok t, uint8_t *mask, unsigned n_bytes)
{
	uint8_t b[2];
	unsigned n, i;

	if (ofp_read_number(t, b, 2) || t.len > 3 || (t.s[0] == '0' && t.len > 1))
		return -EINVAL;
	n = b[0] << 8 | b[1];
	if (n > n_bytes * 8)
		return -ERANGE;
	for (i = 0; i < n_bytes; i++) {
		unsigned k = n > 8 ? 8 : n;

		mask[i] = k ? (uint8_t)(0xff00 >> k) : 0;
		n -= k;
	}
	return 0;
}

static bool is_prefix_mask(const uint8_t *m, unsigned n_bytes)
{
	bool zero = false;
	unsigned i;
	int b;

	for (i = 0; i < n_bytes; i++) {
		for (b = 7; b >= 0; b--) {
			if (!(m[i] >> b & 1))
				zero = true;
			else if (zero)
				return false;
		}
	}
	return true;
}

static const struct {
	const char *name;
	uint8_t value, mask;
} frag_names[] = {
	{ "no", 0, XS_FRAG_ANY },
	{ "yes", XS_FRAG_ANY, XS_FRAG_ANY },
	{ "first", XS_FRAG_ANY, XS_FRAG_MASK },
	{ "later", XS_FRAG_MASK, XS_FRAG_MASK },
	{ "not_later", 0, XS_FRAG_LATER },
};

static const char *const tcp_flag_names[] = {
	"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns",
};
#define N_TCP_FLAG_NAMES 9

static int tcp_flag_bit(struct ofp_tok t)
{
	int i;

	for (i = 0; i < N_TCP_FLAG_NAMES; i++)
		if (ofp_tok_is(t, tcp_flag_names[i]))
			return i;
	return -1;
}

/* +flag-flag..., flag|flag..., or a number (with /mask when masked). */
static int read_tcp_flags(const struct ofp_field *f, struct ofp_tok t, bool allow_mask,
			  uint16_t *value, uint16_t *mask, struct xs_err *err)
{
	unsigned i = 0;
	uint64_t v, m;

	*value = 0;
	*mask = 0;
	if (t.len && (t.s[0] == '+' || t.s[0] == '-')) {
		if (!allow_mask)
			return ofp_err(err, t, "%s: masks are not allowed here", f->name);
		while (i < t.len) {
			bool set = t.s[i] == '+';
			unsigned j = ++i;
			int bit;

			while (j < t.len && t.s[j] != '+' && t.s[j] != '-')
				j++;
			bit = tcp_flag_bit(ofp_tok_sub(t, i, j - i));
			if (bit < 0)
				return ofp_err(err, ofp_tok_sub(t, i, j - i),
					       "%s: unknown TCP flag '%.*s'", f->name,
					       OFP_TOK(ofp_tok_sub(t, i, j - i)));
			if (*mask & 1u << bit)
				return ofp_err(err, ofp_tok_sub(t, i, j - i),
					       "%s: flag %s given twice", f->name,
					       tcp_flag_names[bit]);
			*mask |= 1u << bit;
			if (set)
				*value |= 1u << bit;
			i = j;
		}
		return 0;
	}
	if (t.len && t.s[0] >= '0' && t.s[0] <= '9') {
		int slash = ofp_tok_find(t, '/');
		struct ofp_tok vt = slash < 0 ? t : ofp_tok_sub(t, 0, slash);

		if (ofp_read_uint(vt, 0xfff, f->name, &v, err))
			return -EINVAL;
		m = 0xfff;
		if (slash >= 0) {
			if (!allow_mask)
				return ofp_err(err, ofp_tok_sub(t, slash, 1),
					       "%s: masks are not allowed here", f->name);
			if (ofp_read_uint(ofp_tok_sub(t, slash + 1, t.len - slash - 1),
					  0xfff, f->name, &m, err))
				return -EINVAL;
		}
		*value = v & m;
		*mask = m;
		return 0;
	}
	*mask = 0xfff;
	while (i <= t.len) {
		unsigned j = i;
		int bit;

		while (j < t.len && t.s[j] != '|')
			j++;
		bit = tcp_flag_bit(ofp_tok_sub(t, i, j - i));
		if (bit < 0)
			return ofp_err(err, ofp_tok_sub(t, i, j - i),
				       "%s: unknown TCP flag '%.*s'", f->name,
				       OFP_TOK(ofp_tok_sub(t, i, j - i)));
		*value |= 1u << bit;
		i = j + 1;
	}
	return 0;
}

static int read_plain(const struct ofp_field *f, struct ofp_tok t, uint8_t *out,
		      bool is_mask, struct xs_err *err)
{
	const char *what = is_mask ? "mask" : "value";
	uint32_t port;
	int r;

	switch (f->format) {
	case OFPFMT_ETH:
		if (read_eth(t, out))
			return ofp_err(err, t, "%s: '%.*s' is not an Ethernet address",
				       f->name, OFP_TOK(t));
		return 0;
	case OFPFMT_IPV4:
		if (read_inet(AF_INET, t, out))
			return ofp_err(err, t, "%s: '%.*s' is not an IPv4 address",
				       f->name, OFP_TOK(t));
		return 0;
	case OFPFMT_IPV6:
		if (read_inet(AF_INET6, t, out))
			return ofp_err(err, t, "%s: '%.*s' is not an IPv6 address",
				       f->name, OFP_TOK(t));
		return 0;
	case OFPFMT_PORT:
		if (ofp_read_port(t, f->name, &port, err))
			return -EINVAL;
		out[0] = port >> 8;
		out[1] = port & 0xff;
		return 0;
	default:
		r = ofp_read_number(t, out, f->n_bytes);
		if (r == -EINVAL)
			return ofp_err(err, t, "%s: %s '%.*s' is not a number", f->name,
				       what, OFP_TOK(t));
		if (r == -ERANGE || ofp_bits_used(out, f->n_bytes) > ofp_field_value_bits(f)) {
			unsigned bits = ofp_field_value_bits(f);

			if (bits < 64 && f->format == OFPFMT_DEC)
				return ofp_err(err, t, "%s: %s %.*s is out of range "
					       "(0 to %llu)", f->name, what, OFP_TOK(t),
					       (1ull << bits) - 1);
			return ofp_err(err, t, "%s: %s %.*s does not fit in %u bits",
				       f->name, what, OFP_TOK(t), bits);
		}
		return 0;
	}
}

int ofp_read_field_value(const struct ofp_field *f, struct ofp_tok t,
			 bool allow_mask, uint8_t *value, uint8_t *mask,
			 struct xs_err *err)
{
	struct ofp_tok vt = t, mt;
	int slash;
	unsigned i;

	memset(value, 0, f->n_bytes);
	ofp_field_ones(f, mask);
	if (!t.len)
		return ofp_err(err, t, "%s: missing value", f->name);
	if (f->format == OFPFMT_TCP_FLAGS) {
		uint16_t v, m;

		if (read_tcp_flags(f, t, allow_mask, &v, &m, err))
			return -EINVAL;
		value[0] = v >> 8;
		value[1] = v & 0xff;
		mask[0] = m >> 8;
		mask[1] = m & 0xff;
		return 0;
	}
	if (f->format == OFPFMT_CT_STATE)
		return ofp_read_ct_state(t, allow_mask, value, mask, err);
	if (f->format == OFPFMT_FRAG) {
		for (i = 0; i < sizeof(frag_names) / sizeof(frag_names[0]); i++) {
			if (ofp_tok_is(t, frag_names[i].name)) {
				value[0] = frag_names[i].value;
				mask[0] = frag_names[i].mask;
				return 0;
			}
		}
		return ofp_err(err, t, "%s: unknown value '%.*s' (no, yes, first, "
			       "later or not_later)", f->name, OFP_TOK(t));
	}
	slash = ofp_tok_find(t, '/');
	if (slash >= 0) {
		vt = ofp_tok_sub(t, 0, slash);
		mt = ofp_tok_sub(t, slash + 1, t.len - slash - 1);
		if (!allow_mask)
			return ofp_err(err, ofp_tok_sub(t, slash, 1),
				       "%s: masks are not allowed here", f->name);
		if (!f->maskable)
			return ofp_err(err, ofp_tok_sub(t, slash, 1),
				       "%s: field does not support masks", f->name);
	}
	if (read_plain(f, vt, value, false, err))
		return -EINVAL;
	if (slash < 0)
		return 0;
	if (!mt.len)
		return ofp_err(err, mt, "%s: missing mask after '/'", f->name);
	if (f->format == OFPFMT_IPV4 || f->format == OFPFMT_IPV6) {
		int r = ofp_tok_find(mt, '.') < 0 && ofp_tok_find(mt, ':') < 0 ?
			read_prefix(mt, mask, f->n_bytes) : 1;

		if (r == -ERANGE)
			return ofp_err(err, mt, "%s: prefix length %.*s is out of range "
				       "(0 to %u)", f->name, OFP_TOK(mt), f->n_bits);
		if (r == -EINVAL)
			return ofp_err(err, mt, "%s: '%.*s' is not a prefix length",
				       f->name, OFP_TOK(mt));
		if (r > 0 && read_plain(f, mt, mask, true, err))
			return -EINVAL;
	} else if (read_plain(f, mt, mask, true, err)) {
		return -EINVAL;
	}
	if (f->prefix_only && !is_prefix_mask(mask, f->n_bytes))
		return ofp_err(err, mt, "%s: mask %.*s is not a prefix (this field "
			       "takes CIDR masks only)", f->name, OFP_TOK(mt));
	for (i = 0; i < f->n_bytes; i++)
		value[i] &= mask[i];
	return 0;
}

void ofp_out_printf(struct ofp_out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += n;
}

void ofp_out_hex(struct ofp_out *o, const uint8_t *p, unsigned n_bytes)
{
	unsigned i = 0;

	while (i < n_bytes && !p[i])
		i++;
	if (i == n_bytes) {
		ofp_out_printf(o, "0");
		return;
	}
	ofp_out_printf(o, "0x%x", p[i++]);
	for (; i < n_bytes; i++)
		ofp_out_printf(o, "%02x", p[i]);
}

static uint64_t be_uint(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static void out_tcp_flags(struct ofp_out *o, uint16_t v)
{
	const char *sep = "";
	int i;

	if (!v) {
		ofp_out_printf(o, "0");
		return;
	}
	for (i = 0; i < N_TCP_FLAG_NAMES; i++) {
		if (v & 1u << i) {
			ofp_out_printf(o, "%s%s", sep, tcp_flag_names[i]);
			sep = "|";
		}
	}
}

void ofp_out_field_value(struct ofp_out *o, const struct ofp_field *f,
			 const uint8_t *value)
{
	char buf[INET6_ADDRSTRLEN];
	uint64_t v = f->n_bytes <= 8 ? be_uint(value, f->n_bytes) : 0;
	const char *name;

	switch (f->format) {
	case OFPFMT_DEC:
		ofp_out_printf(o, "%llu", (unsigned long long)v);
		return;
	case OFPFMT_HEX:
		ofp_out_hex(o, value, f->n_bytes);
		return;
	case OFPFMT_ETH:
		ofp_out_printf(o, "%02x:%02x:%02x:%02x:%02x:%02x", value[0], value[1],
			       value[2], value[3], value[4], value[5]);
		return;
	case OFPFMT_IPV4:
		ofp_out_printf(o, "%s", inet_ntop(AF_INET, value, buf, sizeof(buf)));
		return;
	case OFPFMT_IPV6:
		ofp_out_printf(o, "%s", inet_ntop(AF_INET6, value, buf, sizeof(buf)));
		return;
	case OFPFMT_PORT:
		name = ofp_port_name(v);
		if (name)
			ofp_out_printf(o, "%s", name);
		else
			ofp_out_printf(o, "%llu", (unsigned long long)v);
		return;
	case OFPFMT_TCP_FLAGS:
		if (v & ~0x1ffull)
			ofp_out_printf(o, "0x%03llx", (unsigned long long)v);
		else
			out_tcp_flags(o, v);
		return;
	case OFPFMT_CT_STATE:
		ofp_out_ct_state(o, v, 0);
		return;
	case OFPFMT_FRAG:
		/* Never written by an action and matches print it themselves. */
		ofp_out_printf(o, "0x%llx", (unsigned long long)v);
		return;
	}
}
