// SPDX-License-Identifier: Apache-2.0
/* One OpenFlow connection: non-blocking I/O, framing, version negotiation
 * (HELLO with version bitmaps; only 1.3 is spoken), echo, and the dispatch
 * of each message to the handler of its concern. */
#include "agent/openflow/conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/persist.h"
#include "agent/openflow/nicira.h"
#include "common/clock.h"

struct ofs_conn *ofs_conn_new(int fd, int remote, const char *name, bool connecting)
{
	struct ofs_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->remote = remote;
	c->state = connecting ? OFS_CONNECTING : OFS_HELLO;
	snprintf(c->name, sizeof(c->name), "%s", name);
	ofbuf_init(&c->rx);
	ofbuf_init(&c->tx);
	c->role = OFPCR_ROLE_EQUAL;
	c->last_rx_ms = xs_mono_ms();
	ofs_async_defaults(c);
	return c;
}

void ofs_conn_free(struct ofs_conn *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	ofbuf_free(&c->rx);
	ofbuf_free(&c->tx);
	free(c);
}

size_t ofs_start(struct ofs_conn *c, uint8_t type, uint32_t xid)
{
	return ofbuf_start_msg(&c->tx, type, xid);
}

void ofs_end(struct ofs_conn *c, size_t ofs)
{
	ofbuf_end_msg(&c->tx, ofs);
	c->n_tx++;
}

void ofs_send_hello(struct ofs_conn *c)
{
	size_t m = ofs_start(c, OFPT_HELLO, 0);

	/* one element: the version bitmap, bit 4 (1.3) */
	ofbuf_put16(&c->tx, 1);
	ofbuf_put16(&c->tx, 8);
	ofbuf_put32(&c->tx, 1u << OFP13_VERSION);
	ofs_end(c, m);
}

/* The spec asks for at least 64 bytes of the offending message. */
#define ERROR_DATA_MAX 1024

void ofs_send_error(struct ofs_conn *c, int err, const uint8_t *msg, size_t len)
{
	uint32_t xid = msg && len >= 8 ? of_get32(msg + 4) : 0;
	size_t m = ofs_start(c, OFPT_ERROR, xid);

	ofbuf_put16(&c->tx, OFPERR_TYPE(err));
	ofbuf_put16(&c->tx, OFPERR_CODE(err));
	if (msg)
		ofbuf_put(&c->tx, msg, len < ERROR_DATA_MAX ? len : ERROR_DATA_MAX);
	ofs_end(c, m);
}

static void hello_failed(struct ofs_conn *c, const uint8_t *msg, const char *why)
{
	size_t m = ofs_start(c, OFPT_ERROR, of_get32(msg + 4));

	ofbuf_put16(&c->tx, OFPERR_TYPE(E_HELLO_INCOMPATIBLE));
	ofbuf_put16(&c->tx, OFPERR_CODE(E_HELLO_INCOMPATIBLE));
	ofbuf_put(&c->tx, why, strlen(why));
	ofs_end(c, m);
	c->dead = true;
}

static void features_reply(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg)
{
	size_t m = ofs_start(c, OFPT_FEATURES_REPLY, of_get32(msg + 4));

	ofbuf_put64(&c->tx, ofs_datapath_id(s));
	ofbuf_put32(&c->tx, 0);               /* n_buffers: none */
	ofbuf_put8(&c->tx, OFP_N_TABLES);
	ofbuf_put8(&c->tx, 0);                /* auxiliary_id */
	ofbuf_put16(&c->tx, 0);
	ofbuf_put32(&c->tx, OFPC_FLOW_STATS | OFPC_TABLE_STATS | OFPC_PORT_STATS);
	ofbuf_put32(&c->tx, 0);
	ofs_end(c, m);
}

static void config_reply(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg)
{
	size_t m = ofs_start(c, OFPT_GET_CONFIG_REPLY, of_get32(msg + 4));

	ofbuf_put16(&c->tx, s->config_flags);
	ofbuf_put16(&c->tx, s->miss_send_len);
	ofs_end(c, m);
}

static void echo_reply(struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	size_t m = ofs_start(c, OFPT_ECHO_REPLY, of_get32(msg + 4));

	ofbuf_put(&c->tx, msg + OFP_HEADER_LEN, len - OFP_HEADER_LEN);
	ofs_end(c, m);
}

static bool slave_denied(const struct ofs_conn *c, uint8_t type)
{
	return c->role == OFPCR_ROLE_SLAVE &&
	       (type == OFPT_FLOW_MOD || type == OFPT_PACKET_OUT || type == OFPT_GROUP_MOD ||
		type == OFPT_PORT_MOD || type == OFPT_TABLE_MOD || type == OFPT_METER_MOD);
}

/* Nicira messages (nicira.h): NXT_SET_PACKET_IN_FORMAT only. */
static int experimenter(struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	uint32_t format;

	if (len < 16)
		return E_BAD_LEN;
	if (of_get32(msg + 8) != NX_VENDOR_ID)
		return E_BAD_EXPERIMENTER;
	if (of_get32(msg + 12) != NXT_SET_PACKET_IN_FORMAT)
		return E_BAD_EXP_TYPE;
	if (len != 20)
		return E_BAD_LEN;
	format = of_get32(msg + 16);
	if (format != 0 && format != 2)
		return E_REQ_EPERM;
	c->pin2 = format == 2;
	return 0;
}

/* One whole message of an active connection; 0 or an OFPERR to send. */
static int dispatch(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t type = msg[1];

	if (msg[0] != OFP13_VERSION)
		return E_BAD_VERSION;
	if (slave_denied(c, type))
		return E_IS_SLAVE;
	switch (type) {
	case OFPT_HELLO:
		return 0;
	case OFPT_ERROR:
		return 0;
	case OFPT_ECHO_REQUEST:
		echo_reply(c, msg, len);
		return 0;
	case OFPT_ECHO_REPLY:
		c->echo_pending = false;
		return 0;
	case OFPT_FEATURES_REQUEST:
		if (len != OFP_HEADER_LEN)
			return E_BAD_LEN;
		features_reply(s, c, msg);
		return 0;
	case OFPT_GET_CONFIG_REQUEST:
		if (len != OFP_HEADER_LEN)
			return E_BAD_LEN;
		config_reply(s, c, msg);
		return 0;
	case OFPT_SET_CONFIG:
		if (len != 12)
			return E_BAD_LEN;
		s->config_flags = of_get16(msg + 8) & (3 | OFPC_INVALID_TTL_TO_CONTROLLER);
		s->miss_send_len = of_get16(msg + 10);
		return 0;
	case OFPT_FLOW_MOD:
		return ofs_flow_mod(s, c, msg, len);
	case OFPT_PACKET_OUT:
		return ofs_packet_out(s, c, msg, len);
	case OFPT_MULTIPART_REQUEST:
		return ofs_multipart(s, c, msg, len);
	case OFPT_BARRIER_REQUEST: {
		size_t m;

		if (len != OFP_HEADER_LEN)
			return E_BAD_LEN;
		/* Everything before it is in force, and durable, first. */
		xs_agent_batch_end(s->a);
		xs_agent_batch_begin(s->a);
		m = ofs_start(c, OFPT_BARRIER_REPLY, of_get32(msg + 4));
		ofs_end(c, m);
		return 0;
	}
	case OFPT_ROLE_REQUEST:
		return ofs_role_request(s, c, msg, len);
	case OFPT_GET_ASYNC_REQUEST:
		return ofs_get_async(s, c, msg, len);
	case OFPT_SET_ASYNC:
		return ofs_set_async(s, c, msg, len);
	case OFPT_EXPERIMENTER:
		return experimenter(c, msg, len);
	default:
		return E_BAD_TYPE;
	}
}

static void handle_msg(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	int err;

	c->n_rx++;
	if (c->state == OFS_HELLO) {
		if (msg[1] != OFPT_HELLO) {
			hello_failed(c, msg, "the first message must be a HELLO");
			return;
		}
		if (!ofs_hello_ok(msg, len)) {
			char why[96];

			snprintf(why, sizeof(why), "this switch speaks OpenFlow 1.3 (0x04) only; "
				 "the peer offers version 0x%02x", msg[0]);
			hello_failed(c, msg, why);
			xs_agent_log(s->a, "openflow %s: %s", c->name, why);
			return;
		}
		c->state = OFS_ACTIVE;
		c->connected_ms = xs_mono_ms();
		xs_agent_log(s->a, "openflow %s: connected (OpenFlow 1.3)", c->name);
		return;
	}
	ofs_fail_open_heard(s, c, msg, len);
	err = dispatch(s, c, msg, len);
	if (err)
		ofs_send_error(c, err, msg, len);
}

/* Reads what is there (up to OFS_RX_ROUND) and handles every whole
 * message. A length below the header's ends the connection: the stream
 * cannot be followed past it. */
void ofs_conn_input(struct of_switch *s, struct ofs_conn *c)
{
	size_t got = 0, ofs = 0;

	while (got < OFS_RX_ROUND) {
		uint8_t *p = ofbuf_put_zeros(&c->rx, 65536);
		ssize_t n;

		if (!p) {
			c->dead = true;
			return;
		}
		n = read(c->fd, p, 65536);
		c->rx.len -= 65536 - (n > 0 ? (size_t)n : 0);
		if (n == 0) {
			c->dead = true;
			break;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->dead = true;
			break;
		}
		got += (size_t)n;
	}
	if (got)
		c->last_rx_ms = xs_mono_ms();
	while (c->rx.len - ofs >= OFP_HEADER_LEN) {
		const uint8_t *msg = c->rx.data + ofs;
		uint16_t len = of_get16(msg + 2);

		if (len < OFP_HEADER_LEN) {
			xs_agent_log(s->a, "openflow %s: message length %u is below the header's; "
				     "closing the connection", c->name, len);
			ofs_send_error(c, E_BAD_LEN, msg, OFP_HEADER_LEN);
			c->dead = true;
			break;
		}
		if (c->rx.len - ofs < len)
			break;
		handle_msg(s, c, msg, len);
		ofs += len;
		if (c->state == OFS_HELLO && c->dead)
			break;
	}
	ofbuf_pull(&c->rx, ofs);
}

/* Sends what is queued; closes a peer that lets OFS_TX_MAX pile up. */
void ofs_conn_flush(struct of_switch *s, struct ofs_conn *c)
{
	size_t sent = 0;

	while (sent < c->tx.len) {
		ssize_t n = send(c->fd, c->tx.data + sent, c->tx.len - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				c->dead = true;
			break;
		}
		sent += (size_t)n;
	}
	ofbuf_pull(&c->tx, sent);
	if (c->tx.failed || c->tx.len > OFS_TX_MAX) {
		xs_agent_log(s->a, "openflow %s: %zu bytes unread by the peer; closing", c->name,
			     c->tx.len);
		c->dead = true;
	}
}

void ofs_conn_probe(struct of_switch *s, struct ofs_conn *c, uint64_t now)
{
	size_t m;

	if (c->state != OFS_ACTIVE || now < c->last_rx_ms + OFS_ECHO_IDLE_MS)
		return;
	if (c->echo_pending) {
		if (now >= c->last_rx_ms + 3 * OFS_ECHO_IDLE_MS) {
			xs_agent_log(s->a, "openflow %s: no answer to echo; closing", c->name);
			c->dead = true;
		}
		return;
	}
	m = ofs_start(c, OFPT_ECHO_REQUEST, 0);
	ofs_end(c, m);
	c->echo_pending = true;
}
