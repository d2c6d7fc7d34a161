// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the OpenFlow 1.3 decoders (agent/openflow/): any
 * bytes as a FLOW_MOD, an OXM match, an action list (flow and packet-out),
 * an instruction list and a HELLO. Nothing may crash or read out of
 * bounds; what decodes must encode and decode again to the same match and
 * the same actions (aborts otherwise). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/openflow/conn.h"
#include "agent/openflow/flow_mod.h"
#include "agent/openflow/of13.h"
#include "agent/openflow/ofactions.h"
#include "agent/openflow/oxm.h"

static void die(const char *what)
{
	fprintf(stderr, "openflow decoder: %s\n", what);
	abort();
}

/* A decoded flow re-encoded must decode to the same match and actions. */
static void round_trip(const struct ofp_flow *f)
{
	char a[4096], b[4096];
	struct ofpact *acts = NULL;
	struct ofp_match m;
	struct ofbuf buf;
	size_t used, n = 0;

	ofbuf_init(&buf);
	oxm_encode_match(&buf, &f->match);
	if (buf.failed)
		die("out of memory");
	if (oxm_decode_match(buf.data, buf.len, &m, &used) || used != buf.len)
		die("an encoded match does not decode");
	if (memcmp(&m, &f->match, sizeof(m)))
		die("a match changed through encode and decode");
	buf.len = 0;
	ofa_encode_instructions(&buf, f->actions, f->n_actions);
	if (ofa_decode_instructions(buf.data, buf.len, 0, &acts, &n))
		die("encoded instructions do not decode");
	ofp_format_actions(f->actions, f->n_actions, a, sizeof(a));
	ofp_format_actions(acts, n, b, sizeof(b));
	if (strcmp(a, b))
		die("actions changed through encode and decode");
	free(acts);
	ofbuf_free(&buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg;
	struct ofp_match m;
	struct ofpact *acts = NULL;
	struct ofs_fm fm;
	size_t n = 0;

	if (size > OFP_MAX_MSG)
		return 0;
	msg = malloc(size + 8);
	if (!msg)
		return 0;
	/* as a FLOW_MOD: header fixed up so the body is what is tested */
	memset(msg, 0, 8);
	memcpy(msg + 8, data, size);
	msg[0] = OFP13_VERSION;
	msg[1] = OFPT_FLOW_MOD;
	of_put16(msg + 2, (uint16_t)((size + 8) > 0xffff ? 0xffff : size + 8));
	if (!ofs_decode_flow_mod(msg, size + 8 > 0xffff ? 0xffff : size + 8, &fm)) {
		if (fm.flow.table_id != OFPTT_ALL &&
		    (fm.command == OFPFC_ADD || fm.command == OFPFC_MODIFY ||
		     fm.command == OFPFC_MODIFY_STRICT)) {
			/* instructions decoded for a table: goto must lead later */
			for (size_t i = 0; i < fm.flow.n_actions; i++)
				if (fm.flow.actions[i].type == OFPACT_GOTO_TABLE &&
				    fm.flow.actions[i].goto_table.table <= fm.flow.table_id)
					die("goto_table to an earlier table accepted");
			round_trip(&fm.flow);
		}
		ofp_flow_free(&fm.flow);
	}
	free(msg);
	oxm_decode_tlvs(data, size, &m);
	ofa_decode_actions(data, size, OFA_FLOW, &acts, &n);
	free(acts);
	acts = NULL;
	n = 0;
	ofa_decode_actions(data, size, OFA_PACKET_OUT, &acts, &n);
	free(acts);
	acts = NULL;
	n = 0;
	ofa_decode_instructions(data, size, data[0], &acts, &n);
	free(acts);
	if (size >= 8)
		ofs_hello_ok(data, size);
	return 0;
}
