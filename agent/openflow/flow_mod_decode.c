// SPDX-License-Identifier: Apache-2.0
/* FLOW_MOD decoding and checks (flow_mod.h): no table is touched here. */
#include "agent/openflow/flow_mod.h"

#include <string.h>

#include "agent/openflow/of13.h"
#include "agent/openflow/ofactions.h"
#include "agent/openflow/oxm.h"

#define FM_FIXED 48 /* header + fixed fields, before the match */

int ofs_decode_flow_mod(const uint8_t *msg, size_t len, struct ofs_fm *fm)
{
	struct ofp_flow *f = &fm->flow;
	size_t mlen;
	uint16_t match_len;
	int err;

	memset(fm, 0, sizeof(*fm));
	ofp_flow_init(f);
	if (len < OFP_FLOW_MOD_LEN)
		return E_BAD_LEN;
	f->cookie = of_get64(msg + 8);
	f->cookie_mask = of_get64(msg + 16);
	f->table_id = msg[24];
	fm->command = msg[25];
	f->idle_timeout = of_get16(msg + 26);
	f->hard_timeout = of_get16(msg + 28);
	f->priority = of_get16(msg + 30);
	fm->buffer_id = of_get32(msg + 32);
	f->out_port = of_get32(msg + 36);
	fm->out_group = of_get32(msg + 40);
	fm->flags = of_get16(msg + 44);
	if (fm->command > OFPFC_DELETE_STRICT)
		return E_FM_BAD_COMMAND;
	if (fm->flags & ~0x1fu)
		return E_FM_BAD_FLAGS;
	if (f->table_id == OFPTT_ALL && fm->command == OFPFC_ADD)
		return E_FM_BAD_TABLE_ID;
	if (f->table_id != OFPTT_ALL && f->table_id >= OFP_N_TABLES)
		return E_REQ_BAD_TABLE_ID; /* 254: Open vSwitch's too */
	/* out_port and out_group only filter deletes; adds and modifies
	 * ignore them (os-ken sends 0). */
	if (fm->command != OFPFC_DELETE && fm->command != OFPFC_DELETE_STRICT) {
		f->out_port = OFPP_NONE;
		fm->out_group = OFPG13_ANY;
	} else if (f->out_port == OFPP13_ANY)
		f->out_port = OFPP_NONE;
	else if (!of_port_from_wire(f->out_port))
		return E_REQ_BAD_PORT;
	else
		f->out_port = of_port_from_wire(f->out_port);
	err = oxm_decode_match(msg + FM_FIXED, len - FM_FIXED, &f->match, &mlen);
	if (err)
		return err;
	match_len = of_get16(msg + FM_FIXED + 2);
	fm->oxm = msg + FM_FIXED + 4;
	fm->oxm_len = match_len - 4u;
	fm->insts = msg + FM_FIXED + mlen;
	fm->insts_len = len - FM_FIXED - mlen;
	if (fm->command == OFPFC_ADD || fm->command == OFPFC_MODIFY ||
	    fm->command == OFPFC_MODIFY_STRICT) {
		err = ofa_decode_instructions(fm->insts, fm->insts_len,
					      f->table_id == OFPTT_ALL ? 0 : f->table_id,
					      &f->actions, &f->n_actions);
		if (err) {
			ofp_flow_free(f);
			return err;
		}
	}
	if (fm->command != OFPFC_ADD)
		f->cookie &= f->cookie_mask;
	else
		f->cookie_mask = 0;
	return 0;
}
