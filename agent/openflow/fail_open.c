// SPDX-License-Identifier: Apache-2.0
/* Standalone fail-open (fail_open.h). */
#include "agent/openflow/fail_open.h"

#include <stdlib.h>
#include <string.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/persist.h"
#include "agent/openflow/conn.h"
#include "common/clock.h"

void ofs_fail_open_init(struct of_switch *s)
{
	struct ofs_fail_open *fo = &s->fo;

	memset(fo, 0, sizeof(*fo));
	fo->last_admitted_ms = xs_mono_ms(); /* never connected: from start-up */
	fo->normal.type = OFPACT_OUTPUT;
	fo->normal.output.port = OFPP_NORMAL;
	fo->rule.id = FT_HIDDEN_ID; /* statistics credited to it go nowhere */
	fo->rule.actions = &fo->normal;
	fo->rule.n_actions = 1;
	fo->rule.created_ms = fo->last_admitted_ms;
}

/* rconn's is_admitted_msg: the handshake and configuration do not show
 * that the controller accepted the switch. */
static bool admits(const uint8_t *msg, size_t len)
{
	switch (msg[1]) {
	case OFPT_HELLO:
	case OFPT_ERROR:
	case OFPT_ECHO_REQUEST:
	case OFPT_ECHO_REPLY:
	case OFPT_FEATURES_REQUEST:
	case OFPT_FEATURES_REPLY:
	case OFPT_GET_CONFIG_REQUEST:
	case OFPT_GET_CONFIG_REPLY:
	case OFPT_SET_CONFIG:
	case OFPT_QUEUE_GET_CONFIG_REQUEST:
	case OFPT_QUEUE_GET_CONFIG_REPLY:
	case OFPT_GET_ASYNC_REQUEST:
	case OFPT_GET_ASYNC_REPLY:
		return false;
	case OFPT_MULTIPART_REQUEST:
	case OFPT_MULTIPART_REPLY: {
		uint16_t type = len >= 10 ? of_get16(msg + 8) : 0xffff;

		return type != OFPMP_GROUP && type != OFPMP_GROUP_DESC &&
		       type != OFPMP_GROUP_FEATURES && type != OFPMP_TABLE_FEATURES;
	}
	default:
		return true;
	}
}

static bool fail_open_configured(const struct of_switch *s)
{
	return s->opts.fail_mode == OFS_FAIL_STANDALONE && s->opts.n_controllers;
}

void ofs_fail_open_recover(struct of_switch *s)
{
	struct ofs_fail_open *fo = &s->fo;
	struct flow_tables *ft = s->a->pipeline;

	if (!fo->active)
		return;
	fo->active = false;
	if (ft && ft->hidden0 == &fo->rule) {
		ft->hidden0 = NULL;
		ft->version++;
	}
	xs_agent_log(s->a, "openflow: a controller admitted the switch: no longer failing open "
		     "(%llu s)", (unsigned long long)((xs_mono_ms() - fo->entered_ms) / 1000));
	xs_agent_tables_changed(s->a);
}

void ofs_fail_open_heard(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg,
			 size_t len)
{
	uint64_t now;

	if (c->remote < 0)
		return; /* a tool on --listen is no controller */
	now = xs_mono_ms();
	if (!c->admitted && (admits(msg, len) || now >= c->connected_ms + OFS_ADMIT_AFTER_MS))
		c->admitted = true;
	if (!c->admitted)
		return;
	s->fo.last_admitted_ms = now;
	ofs_fail_open_recover(s);
}

static void enter(struct of_switch *s, uint64_t now)
{
	struct ofs_fail_open *fo = &s->fo;
	struct flow_tables *ft = s->a->pipeline;
	struct ofp_flow all;
	size_t n = 0;

	xs_agent_log(s->a, "openflow: no controller admitted the switch for %llu s: failing "
		     "open (flows deleted, the switch learns MACs: NORMAL)",
		     (unsigned long long)((now - fo->last_admitted_ms) / 1000));
	xs_agent_batch_begin(s->a);
	ofp_flow_init(&all);
	all.table_id = FT_TABLE_ALL;
	s->deleting = true;
	xs_agent_flow_delete(s->a, &all, false, &n);
	s->deleting = false;
	fo->active = true;
	fo->entered_ms = now;
	fo->rule.created_ms = now;
	fo->n_entered++;
	fo->next_bogus_ms = now;
	ft->hidden0 = &fo->rule;
	ft->version++;
	xs_agent_tables_changed(s->a);
	xs_agent_batch_end(s->a);
}

/* A RARP request for a random Nicira-OUI MAC (00:23:20), as Open vSwitch's
 * bogus packet-ins. */
static void send_bogus(struct of_switch *s)
{
	uint8_t f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mac[6] = { 0x00, 0x23, 0x20 };
	uint32_t r = (uint32_t)random();

	mac[3] = (uint8_t)(r >> 16);
	mac[4] = (uint8_t)(r >> 8);
	mac[5] = (uint8_t)r;
	memcpy(f + 6, mac, 6);
	f[12] = 0x80, f[13] = 0x35;               /* RARP */
	f[14] = 0, f[15] = 1;                     /* Ethernet */
	f[16] = 0x08, f[17] = 0;                  /* IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = 3;                     /* request reverse */
	memcpy(f + 22, mac, 6);                   /* sender, IPv4 0 */
	memcpy(f + 32, mac, 6);                   /* target, IPv4 0 */
	if (ofs_packet_in_raw(s, f, sizeof(f), OFPP_LOCAL, OFPR_NO_MATCH, UINT64_MAX))
		s->fo.n_bogus++;
}

void ofs_fail_open_tick(struct of_switch *s)
{
	struct ofs_fail_open *fo = &s->fo;
	uint64_t now = xs_mono_ms(), after;
	bool connected = false;

	if (!fail_open_configured(s))
		return;
	for (unsigned i = 0; i < s->n_conns; i++) {
		struct ofs_conn *c = s->conns[i];

		if (c->remote < 0 || c->state != OFS_ACTIVE || c->dead)
			continue;
		connected = true;
		if (!c->admitted && now >= c->connected_ms + OFS_ADMIT_AFTER_MS)
			c->admitted = true;
		if (c->admitted)
			fo->last_admitted_ms = now;
	}
	if (fo->active && fo->last_admitted_ms == now) {
		ofs_fail_open_recover(s);
		return;
	}
	after = (uint64_t)s->opts.fail_open_after_s * 1000;
	if (!fo->active && now - fo->last_admitted_ms >= after)
		enter(s, now);
	if (fo->active && connected && now >= fo->next_bogus_ms) {
		send_bogus(s);
		fo->next_bogus_ms = now + OFS_BOGUS_PIN_MS;
	}
}
