// SPDX-License-Identifier: Apache-2.0
/* --fail-mode standalone: Open vSwitch's fail-open (ovs-vswitchd.conf.db(5)
 * "fail_mode"). With --controller configured, when no controller has
 * admitted the switch for --fail-open-after seconds (default 15: three
 * times the 5 s echo interval, as Open vSwitch takes three probe
 * intervals), also from start-up, the switch fails open: every flow is
 * deleted (as Open vSwitch flushes) and a hidden rule above every rule of
 * table 0 (Open vSwitch's priority 0xf0f0f0: match all, NORMAL) makes it a
 * learning switch. While a controller is connected but has not admitted
 * the switch, a bogus packet-in (a RARP from a random Nicira MAC, in_port
 * LOCAL, cookie all-ones) goes to it every 2 s to invite an answer.
 *
 * A controller admits the switch (rconn's rule) with its first message
 * other than HELLO, ERROR, ECHO, FEATURES, GET/SET_CONFIG, GET_ASYNC or a
 * group or table-features multipart request, or by staying connected 30 s.
 * That message ends fail-open before it is handled: the hidden rule goes
 * and the megaflows it made are revalidated in the same batch, so the
 * barrier reply after the controller's flow_mods means traffic follows its
 * table. Secure mode never fails open. */
#ifndef XS_OPENFLOW_FAIL_OPEN_H
#define XS_OPENFLOW_FAIL_OPEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/ofp/actions.h"
#include "agent/pipeline/flow_table.h"

#define OFS_FAIL_OPEN_AFTER_S 15    /* default of --fail-open-after */
#define OFS_BOGUS_PIN_MS 2000
#define OFS_ADMIT_AFTER_MS 30000    /* connected this long: admitted */

struct of_switch;
struct ofs_conn;

struct ofs_fail_open {
	bool active;
	uint64_t last_admitted_ms; /* an admitted controller was last heard */
	uint64_t next_bogus_ms;
	uint64_t entered_ms;
	uint64_t n_entered, n_bogus;
	struct ofpact normal;      /* the hidden rule's action */
	struct ft_rule rule;       /* the hidden rule (flow_tables.hidden0) */
};

void ofs_fail_open_init(struct of_switch *s);
/* A message msg arrived on c (negotiated): admits the switch if it is one
 * that counts, ending fail-open first. */
void ofs_fail_open_heard(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg,
			 size_t len);
/* About once a second: fails open when it is time; bogus packet-ins. */
void ofs_fail_open_tick(struct of_switch *s);
/* Leaves fail-open (of_switch_destroy, an admitting message). */
void ofs_fail_open_recover(struct of_switch *s);

#endif
