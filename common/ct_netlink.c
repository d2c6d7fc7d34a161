// SPDX-License-Identifier: Apache-2.0
/* Dump and flush of the kernel's connection table (ct_netlink.h). A flush
 * of one zone is a dump of that zone followed by one delete per entry
 * (tuple + zone): ctnetlink's own flush takes no zone. */
#include "common/ct_netlink.h"
#include "xdpswitch/datapath.h"
#include "common/ct_labels.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* What one dump answer says about a connection. */
struct ct_entry {
	const struct nlattr *orig, *reply; /* CTA_TUPLE_ORIG, CTA_TUPLE_REPLY */
	int zone;
	uint32_t mark;
	int tcp_state;                     /* -1: none */
	uint8_t l3;                        /* nfgen_family */
};

struct dump_ctx {
	int zone;
	FILE *out;
	struct xs_ct_label_maps labels; /* the datapaths' label stores */
	unsigned n;
	/* flush: the entries to delete, as raw nested tuples */
	char **del;
	size_t n_del, cap_del;
	int err;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= CTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int nested_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type < 32)
		tb[type] = a;
	return MNL_CB_OK;
}

static const char *proto_name(int p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	}
	return NULL;
}

static const char *tcp_state_name(int s)
{
	static const char *const names[] = {
		[TCP_CONNTRACK_NONE] = "NONE", [TCP_CONNTRACK_SYN_SENT] = "SYN_SENT",
		[TCP_CONNTRACK_SYN_RECV] = "SYN_RECV",
		[TCP_CONNTRACK_ESTABLISHED] = "ESTABLISHED",
		[TCP_CONNTRACK_FIN_WAIT] = "FIN_WAIT", [TCP_CONNTRACK_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_CONNTRACK_LAST_ACK] = "LAST_ACK", [TCP_CONNTRACK_TIME_WAIT] = "TIME_WAIT",
		[TCP_CONNTRACK_CLOSE] = "CLOSE", [TCP_CONNTRACK_SYN_SENT2] = "SYN_SENT2",
	};

	return s >= 0 && s < (int)(sizeof(names) / sizeof(names[0])) && names[s] ? names[s] :
										    "UNKNOWN";
}

/* "(src=...,dst=...,sport=...,dport=...)" of a CTA_TUPLE_*; the protocol
 * number in *proto. */
static void put_tuple(FILE *f, const struct nlattr *t, int *proto)
{
	const struct nlattr *tb[32] = { 0 }, *ip[32] = { 0 }, *pr[32] = { 0 };
	char a[INET6_ADDRSTRLEN];

	mnl_attr_parse_nested(t, nested_cb, tb);
	if (tb[CTA_TUPLE_IP])
		mnl_attr_parse_nested(tb[CTA_TUPLE_IP], nested_cb, ip);
	if (tb[CTA_TUPLE_PROTO])
		mnl_attr_parse_nested(tb[CTA_TUPLE_PROTO], nested_cb, pr);
	*proto = pr[CTA_PROTO_NUM] ? mnl_attr_get_u8(pr[CTA_PROTO_NUM]) : 0;
	fputc('(', f);
	if (ip[CTA_IP_V4_SRC] && ip[CTA_IP_V4_DST]) {
		fprintf(f, "src=%s,", inet_ntop(AF_INET, mnl_attr_get_payload(ip[CTA_IP_V4_SRC]),
						a, sizeof(a)));
		fprintf(f, "dst=%s", inet_ntop(AF_INET, mnl_attr_get_payload(ip[CTA_IP_V4_DST]),
					       a, sizeof(a)));
	} else if (ip[CTA_IP_V6_SRC] && ip[CTA_IP_V6_DST]) {
		fprintf(f, "src=%s,", inet_ntop(AF_INET6, mnl_attr_get_payload(ip[CTA_IP_V6_SRC]),
						a, sizeof(a)));
		fprintf(f, "dst=%s", inet_ntop(AF_INET6, mnl_attr_get_payload(ip[CTA_IP_V6_DST]),
					       a, sizeof(a)));
	}
	if (pr[CTA_PROTO_SRC_PORT] && pr[CTA_PROTO_DST_PORT])
		fprintf(f, ",sport=%u,dport=%u", ntohs(mnl_attr_get_u16(pr[CTA_PROTO_SRC_PORT])),
			ntohs(mnl_attr_get_u16(pr[CTA_PROTO_DST_PORT])));
	if (pr[CTA_PROTO_ICMP_ID] || pr[CTA_PROTO_ICMPV6_ID]) {
		const struct nlattr *id = pr[CTA_PROTO_ICMP_ID] ? pr[CTA_PROTO_ICMP_ID] :
								  pr[CTA_PROTO_ICMPV6_ID];
		int v6 = !pr[CTA_PROTO_ICMP_ID];

		fprintf(f, ",id=%u", ntohs(mnl_attr_get_u16(id)));
		if (pr[v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE])
			fprintf(f, ",type=%u",
				mnl_attr_get_u8(pr[v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE]));
		if (pr[v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE])
			fprintf(f, ",code=%u",
				mnl_attr_get_u8(pr[v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE]));
	}
	fputc(')', f);
}

/* The label store key of the connection whose original tuple is @t. */
static bool label_key(const struct nlattr *t, int zone, struct xs_ct_label_key *k)
{
	const struct nlattr *tb[32] = { 0 }, *ip[32] = { 0 }, *pr[32] = { 0 };

	memset(k, 0, sizeof(*k));
	mnl_attr_parse_nested(t, nested_cb, tb);
	if (!tb[CTA_TUPLE_IP] || !tb[CTA_TUPLE_PROTO])
		return false;
	mnl_attr_parse_nested(tb[CTA_TUPLE_IP], nested_cb, ip);
	mnl_attr_parse_nested(tb[CTA_TUPLE_PROTO], nested_cb, pr);
	if (!pr[CTA_PROTO_NUM] || !pr[CTA_PROTO_SRC_PORT] || !pr[CTA_PROTO_DST_PORT])
		return false;
	k->zone = (uint16_t)zone;
	k->proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	k->sport = mnl_attr_get_u16(pr[CTA_PROTO_SRC_PORT]);
	k->dport = mnl_attr_get_u16(pr[CTA_PROTO_DST_PORT]);
	if (ip[CTA_IP_V4_SRC] && ip[CTA_IP_V4_DST]) {
		memcpy(k->src, mnl_attr_get_payload(ip[CTA_IP_V4_SRC]), 4);
		memcpy(k->dst, mnl_attr_get_payload(ip[CTA_IP_V4_DST]), 4);
	} else if (ip[CTA_IP_V6_SRC] && ip[CTA_IP_V6_DST]) {
		k->ipv6 = 1;
		memcpy(k->src, mnl_attr_get_payload(ip[CTA_IP_V6_SRC]), 16);
		memcpy(k->dst, mnl_attr_get_payload(ip[CTA_IP_V6_DST]), 16);
	} else {
		return false;
	}
	return true;
}

static void put_entry(FILE *f, const struct ct_entry *e, const struct xs_ct_label_maps *lm)
{
	struct xs_ct_label_key lk;
	uint8_t label[16], zero[16] = { 0 };
	const char *name;
	int proto = 0, rproto;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	fputs("orig=", m);
	put_tuple(m, e->orig, &proto);
	if (e->reply) {
		fputs(",reply=", m);
		put_tuple(m, e->reply, &rproto);
	}
	if (e->zone)
		fprintf(m, ",zone=%d", e->zone);
	if (e->mark)
		fprintf(m, ",mark=%u", e->mark);
	if (lm->n && label_key(e->orig, e->zone, &lk) && xs_ct_label_find(lm, &lk, label) &&
	    memcmp(label, zero, 16)) {
		char s[40];

		xs_ct_label_str(label, s, sizeof(s));
		fprintf(m, ",labels=%s", s);
	}
	if (e->tcp_state >= 0)
		fprintf(m, ",protoinfo=(state=%s)", tcp_state_name(e->tcp_state));
	fclose(m);
	name = proto_name(proto);
	if (name)
		fprintf(f, "%s,%s\n", name, buf);
	else
		fprintf(f, "proto=%d,%s\n", proto, buf);
	free(buf);
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	struct ct_entry e = { .tcp_state = -1, .l3 = g->nfgen_family };

	mnl_attr_parse(nlh, sizeof(*g), attr_cb, tb);
	if (!tb[CTA_TUPLE_ORIG])
		return MNL_CB_OK;
	e.orig = tb[CTA_TUPLE_ORIG];
	e.reply = tb[CTA_TUPLE_REPLY];
	e.zone = tb[CTA_ZONE] ? ntohs(mnl_attr_get_u16(tb[CTA_ZONE])) : 0;
	e.mark = tb[CTA_MARK] ? ntohl(mnl_attr_get_u32(tb[CTA_MARK])) : 0;
	if (tb[CTA_PROTOINFO]) {
		const struct nlattr *pi[32] = { 0 }, *tcp[32] = { 0 };

		mnl_attr_parse_nested(tb[CTA_PROTOINFO], nested_cb, pi);
		if (pi[CTA_PROTOINFO_TCP]) {
			mnl_attr_parse_nested(pi[CTA_PROTOINFO_TCP], nested_cb, tcp);
			if (tcp[CTA_PROTOINFO_TCP_STATE])
				e.tcp_state = mnl_attr_get_u8(tcp[CTA_PROTOINFO_TCP_STATE]);
		}
	}
	if (c->zone != XS_CT_ALL_ZONES && e.zone != c->zone)
		return MNL_CB_OK;
	c->n++;
	if (c->out)
		put_entry(c->out, &e, &c->labels);
	if (c->del) {
		/* Keep the family, the original tuple and the zone. */
		size_t tl = mnl_attr_get_len(e.orig) + MNL_ALIGNTO;
		char *d;

		if (c->n_del == c->cap_del) {
			size_t cap = c->cap_del ? 2 * c->cap_del : 64;
			char **v = realloc(c->del, cap * sizeof(*v));

			if (!v) {
				c->err = -ENOMEM;
				return MNL_CB_ERROR;
			}
			c->del = v;
			c->cap_del = cap;
		}
		d = malloc(tl + 8);
		if (!d) {
			c->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		uint16_t z = (uint16_t)e.zone;

		d[0] = (char)e.l3;
		memcpy(d + 1, &z, sizeof(z));
		memcpy(d + 4, e.orig, mnl_attr_get_len(e.orig));
		c->del[c->n_del++] = d;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *ct_header(char *buf, uint8_t type, uint16_t flags, uint8_t family,
				  unsigned seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

/* Sends @nlh and runs the answers through @cb until the end. */
static int talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[32768]; /* a dump answer holds many messages */
	unsigned portid = mnl_socket_get_portid(nl), seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

static struct mnl_socket *ct_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int dump(struct dump_ctx *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = ct_open();
	int err;

	if (!nl)
		return -errno;
	err = talk(nl, ct_header(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, 1), dump_cb, c);
	mnl_socket_close(nl);
	return c->err ? c->err : err;
}

int xs_ct_dump(int zone, FILE *out, unsigned *n)
{
	struct dump_ctx c = { .zone = zone, .out = out };
	int err;

	if (out)
		xs_ct_label_maps_open(&c.labels);
	err = dump(&c);
	xs_ct_label_maps_close(&c.labels);

	if (n)
		*n = c.n;
	return err;
}

int xs_ct_flush(int zone, unsigned *n)
{
	struct dump_ctx c = { .zone = zone };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned deleted = 0;
	int err = 0;

	if (n)
		*n = 0;
	if (zone == XS_CT_ALL_ZONES) {
		/* ctnetlink's flush: a delete without a tuple. Count first. */
		err = xs_ct_dump(zone, NULL, &deleted);
		if (err)
			return err;
		nl = ct_open();
		if (!nl)
			return -errno;
		err = talk(nl, ct_header(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, AF_UNSPEC, 1),
			   NULL, NULL);
		mnl_socket_close(nl);
		if (!err && n)
			*n = deleted;
		return err;
	}
	/* dump_cb collects the entries to delete when del is set. */
	c.del = malloc(64 * sizeof(*c.del));
	if (!c.del)
		return -ENOMEM;
	c.cap_del = 64;
	err = dump(&c);
	nl = err ? NULL : ct_open();
	if (!err && !nl)
		err = -errno;
	for (size_t i = 0; i < c.n_del; i++) {
		const struct nlattr *orig = (const struct nlattr *)(c.del[i] + 4);
		uint16_t z;
		struct nlmsghdr *nlh;
		struct nlattr *t;
		int r;

		if (nl) {
			memcpy(&z, c.del[i] + 1, sizeof(z));
			nlh = ct_header(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, (uint8_t)c.del[i][0],
					(unsigned)i + 2);
			t = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
			memcpy(mnl_nlmsg_get_payload_tail(nlh), mnl_attr_get_payload(orig),
			       mnl_attr_get_payload_len(orig));
			nlh->nlmsg_len += MNL_ALIGN(mnl_attr_get_payload_len(orig));
			mnl_attr_nest_end(nlh, t);
			mnl_attr_put_u16(nlh, CTA_ZONE, htons(z));
			r = talk(nl, nlh, NULL, NULL);
			if (!r)
				deleted++;
			else if (r != -ENOENT && !err)
				err = r; /* gone meanwhile is fine */
		}
		free(c.del[i]);
	}
	free(c.del);
	if (nl)
		mnl_socket_close(nl);
	if (n)
		*n = deleted;
	return err;
}

/* --- TCP state of the datapath's connections ------------------------------- */

/* CTA_TUPLE_ORIG (dir 0) or CTA_TUPLE_REPLY (dir 1) and CTA_ZONE of @key. */
static void put_key_tuple(struct nlmsghdr *nlh, const struct xs_flow_key *key, int dir)
{
	struct nlattr *t, *ip, *pr;

	t = mnl_attr_nest_start(nlh, dir ? CTA_TUPLE_REPLY : CTA_TUPLE_ORIG);
	ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	if (key->dl_type == htons(0x0800)) {
		mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, key->nw_src);
		mnl_attr_put_u32(nlh, CTA_IP_V4_DST, key->nw_dst);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, key->ipv6_src);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, key->ipv6_dst);
	}
	mnl_attr_nest_end(nlh, ip);
	pr = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, key->nw_proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, key->tp_src);
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, key->tp_dst);
	mnl_attr_nest_end(nlh, pr);
	mnl_attr_nest_end(nlh, t);
	mnl_attr_put_u16(nlh, CTA_ZONE, key->ct_zone);
}

static int state_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 }, *pi[32] = { 0 }, *tcp[32] = { 0 };
	int *state = data;

	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, tb);
	if (!tb[CTA_PROTOINFO])
		return MNL_CB_OK;
	mnl_attr_parse_nested(tb[CTA_PROTOINFO], nested_cb, pi);
	if (!pi[CTA_PROTOINFO_TCP])
		return MNL_CB_OK;
	mnl_attr_parse_nested(pi[CTA_PROTOINFO_TCP], nested_cb, tcp);
	if (tcp[CTA_PROTOINFO_TCP_STATE])
		*state = mnl_attr_get_u8(tcp[CTA_PROTOINFO_TCP_STATE]);
	return MNL_CB_OK;
}

/* The agent's socket, kept open: events come a few per connection. */
static struct mnl_socket *event_sock;
static unsigned event_seq;

int xs_ct_tcp_event(const struct xs_flow_key *key, int dir, int ev)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint8_t family = key->dl_type == htons(0x0800) ? AF_INET : AF_INET6;
	struct nlmsghdr *nlh;
	struct nlattr *pi, *tcp;
	int state = -1, want, err;

	if (!event_sock && !(event_sock = ct_open()))
		return -errno;
	switch (ev) {
	case XS_CT_EV_NEW:
		want = TCP_CONNTRACK_SYN_SENT;
		break;
	case XS_CT_EV_ESTABLISHED:
		want = TCP_CONNTRACK_ESTABLISHED;
		break;
	case XS_CT_EV_RST:
		want = TCP_CONNTRACK_CLOSE;
		break;
	case XS_CT_EV_FIN:
		nlh = ct_header(buf, IPCTNL_MSG_CT_GET, NLM_F_ACK, family, ++event_seq);
		put_key_tuple(nlh, key, dir);
		err = talk(event_sock, nlh, state_cb, &state);
		if (err)
			return err;
		if (state == TCP_CONNTRACK_FIN_WAIT)
			want = dir ? TCP_CONNTRACK_TIME_WAIT : state; /* other side's FIN? */
		else if (state == TCP_CONNTRACK_CLOSE_WAIT)
			want = dir ? state : TCP_CONNTRACK_TIME_WAIT;
		else if (state == TCP_CONNTRACK_TIME_WAIT || state == TCP_CONNTRACK_CLOSE)
			return 0;
		else
			want = dir ? TCP_CONNTRACK_CLOSE_WAIT : TCP_CONNTRACK_FIN_WAIT;
		if (want == state)
			return 0;
		break;
	default:
		return -EINVAL;
	}
	/* An update: CT_NEW of an existing tuple without NLM_F_CREATE; the
	 * state's timeout too, in case no packet follows to set it (the
	 * kernel's defaults, as the datapath's XS_CT_TO_*). */
	static const uint32_t timeout_s[] = {
		[TCP_CONNTRACK_SYN_SENT] = 120, [TCP_CONNTRACK_ESTABLISHED] = 432000,
		[TCP_CONNTRACK_FIN_WAIT] = 120, [TCP_CONNTRACK_CLOSE_WAIT] = 60,
		[TCP_CONNTRACK_TIME_WAIT] = 120, [TCP_CONNTRACK_CLOSE] = 10,
	};

	nlh = ct_header(buf, IPCTNL_MSG_CT_NEW, NLM_F_ACK, family, ++event_seq);
	put_key_tuple(nlh, key, dir);
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(timeout_s[want]));
	pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	tcp = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, (uint8_t)want);
	mnl_attr_nest_end(nlh, tcp);
	mnl_attr_nest_end(nlh, pi);
	return talk(event_sock, nlh, NULL, NULL);
}
