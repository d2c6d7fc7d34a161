// SPDX-License-Identifier: Apache-2.0
/* Controller roles (ROLE_REQUEST: equal, master, slave, generation ids) and
 * the asynchronous message filters (GET_ASYNC/SET_ASYNC). */
#include "agent/openflow/ofs_int.h"

#include "agent/daemon/agent.h"

/* The defaults: a master or equal controller gets packet-ins for every
 * reason (invalid TTL only with the SET_CONFIG flag), every port status,
 * every flow removed; a slave only port status. */
void ofs_async_defaults(struct ofs_conn *c)
{
	c->async[0] = (1u << OFPR_NO_MATCH) | (1u << OFPR_ACTION) | (1u << OFPR_INVALID_TTL);
	c->async[1] = 0;
	c->async[2] = c->async[3] = (1u << OFPPR_ADD) | (1u << OFPPR_DELETE) | (1u << OFPPR_MODIFY);
	c->async[4] = (1u << OFPRR_IDLE_TIMEOUT) | (1u << OFPRR_HARD_TIMEOUT) | (1u << OFPRR_DELETE);
	c->async[5] = 0;
}

bool ofs_is_master_or_equal(const struct ofs_conn *c)
{
	return c->role != OFPCR_ROLE_SLAVE;
}

bool ofs_wants(const struct ofs_conn *c, unsigned kind, unsigned reason)
{
	if (c->state != OFS_ACTIVE || c->dead || reason >= 32)
		return false;
	return c->async[kind * 2 + (c->role == OFPCR_ROLE_SLAVE)] & (1u << reason);
}

int ofs_role_request(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	uint32_t role;
	uint64_t gen;
	size_t m;

	if (len != 24)
		return E_BAD_LEN;
	role = of_get32(msg + 8);
	gen = of_get64(msg + 16);
	if (role > OFPCR_ROLE_SLAVE)
		return E_ROLE_BAD_ROLE;
	if (role == OFPCR_ROLE_MASTER || role == OFPCR_ROLE_SLAVE) {
		if (s->gen_set && (int64_t)(gen - s->gen_id) < 0)
			return E_ROLE_STALE;
		s->gen_set = true;
		s->gen_id = gen;
	}
	if (role != OFPCR_ROLE_NOCHANGE) {
		if (role == OFPCR_ROLE_MASTER)
			for (unsigned i = 0; i < s->n_conns; i++)
				if (s->conns[i] != c && s->conns[i]->role == OFPCR_ROLE_MASTER)
					s->conns[i]->role = OFPCR_ROLE_SLAVE;
		c->role = role;
	}
	m = ofs_start(c, OFPT_ROLE_REPLY, of_get32(msg + 4));
	ofbuf_put32(&c->tx, c->role);
	ofbuf_put32(&c->tx, 0);
	ofbuf_put64(&c->tx, s->gen_set ? s->gen_id : 0);
	ofs_end(c, m);
	return 0;
}

int ofs_get_async(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	size_t m;

	(void)s;
	if (len != OFP_HEADER_LEN)
		return E_BAD_LEN;
	m = ofs_start(c, OFPT_GET_ASYNC_REPLY, of_get32(msg + 4));
	for (unsigned i = 0; i < 6; i++)
		ofbuf_put32(&c->tx, c->async[i]);
	ofs_end(c, m);
	return 0;
}

int ofs_set_async(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len)
{
	(void)s;
	if (len != 32)
		return E_BAD_LEN;
	for (unsigned i = 0; i < 6; i++)
		c->async[i] = of_get32(msg + 8 + 4 * i);
	return 0;
}
