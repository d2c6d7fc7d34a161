// SPDX-License-Identifier: Apache-2.0
/* Private to agent/openflow/: the switch's connections and the message
 * handlers of each concern (conn.c framing and negotiation, flow_mod.c,
 * multipart.c, packet_io.c, role.c). */
#ifndef XS_OPENFLOW_OFS_INT_H
#define XS_OPENFLOW_OFS_INT_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent/openflow/fail_open.h"
#include "agent/openflow/of13.h"
#include "agent/openflow/ofbuf.h"
#include "agent/openflow/ofswitch.h"
#include "agent/openflow/wire_store.h"

#define OFS_TX_MAX (64u << 20)     /* queued replies: beyond, the peer is gone */
#define OFS_TX_PIN_MAX (4u << 20)  /* packet-ins wait no longer than this */
#define OFS_RX_ROUND (1u << 20)    /* bytes read per connection per round */
#define OFS_ECHO_IDLE_MS 5000      /* probe a silent peer after this */
#define OFS_BACKOFF_MAX_MS 8000

enum ofs_conn_state { OFS_CONNECTING, OFS_HELLO, OFS_ACTIVE };

struct ofs_conn {
	int fd;
	enum ofs_conn_state state;
	int remote;                /* index in s->remotes when we dialed, else -1 */
	char name[80];
	struct ofbuf rx, tx;
	uint32_t role;             /* OFPCR_ROLE_* */
	uint32_t async[6];         /* packet_in, port_status, flow_removed:
	                            * [master/equal, slave] each */
	uint64_t last_rx_ms;
	bool echo_pending;
	bool pin2;                 /* packet-ins as NXT_PACKET_IN2 (nicira.h) */
	bool admitted;             /* a controller accepted the switch (fail_open.h) */
	uint64_t connected_ms;     /* when the HELLOs were exchanged */
	bool dead;                 /* close at the end of the round */
	uint64_t n_rx, n_tx;       /* messages */
};

struct ofs_remote {
	char spec[128];
	bool passive;
	bool unix_sock;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int fd;                    /* passive: the listener */
	int conn;                  /* active: the connection's index, -1 none */
	uint64_t next_try_ms;
	uint32_t backoff_ms;
	uint64_t connects;
};

struct of_switch {
	struct xs_agent *a;
	struct of_switch_opts opts;
	uint64_t dpid;
	uint16_t config_flags, miss_send_len;
	struct ofs_remote remotes[2 * OFS_MAX_REMOTES];
	unsigned n_remotes;
	struct ofs_conn *conns[OFS_MAX_CONNS];
	unsigned n_conns;
	/* role */
	bool gen_set;
	uint64_t gen_id;
	/* packet-in rate limit: a token bucket */
	double pin_tokens;
	uint64_t pin_last_ms;
	uint64_t pin_sent, pin_rate_dropped, pin_queue_dropped;
	uint64_t flow_removed_sent;
	struct ofs_fail_open fo;   /* standalone fail-open */
	/* the tables' on_delete hook we chain after (persist's) */
	void (*prev_on_delete)(void *ctx, const struct ft_rule *rule);
	void *prev_on_delete_ctx;
	bool deleting;             /* our own flow_mod delete runs */
	/* a poll round's index -> what: conn index or remote (listener or
	 * connecting socket) */
	int poll_kind[OFS_MAX_POLLFDS];
	int poll_idx[OFS_MAX_POLLFDS];
	/* link states last told (PORT_STATUS MODIFY on a change), and since
	 * when each port is known (port stats' duration) */
	struct { uint32_t ofport, state; uint64_t since_ms; } link[256];
	unsigned n_link;
};

/* conn.c */
void ofs_send_error(struct ofs_conn *c, int err, const uint8_t *msg, size_t len);
/* Starts a message to c; ofbuf_end_msg(&c->tx, ofs) finishes it. */
size_t ofs_start(struct ofs_conn *c, uint8_t type, uint32_t xid);
void ofs_end(struct ofs_conn *c, size_t ofs);
bool ofs_is_master_or_equal(const struct ofs_conn *c);

/* flow_mod.c: handles one FLOW_MOD (msg, len); 0 or an OFPERR. */
int ofs_flow_mod(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len);
void ofs_flow_removed_hook(void *ctx, const struct ft_rule *rule);
/* multipart.c */
int ofs_multipart(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len);
/* packet_io.c */
int ofs_packet_out(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len);
/* A PACKET_IN of pkt (len bytes, whole) from in_port (an OFPP_* number)
 * with no rule behind it (table 0, no metadata) to the connections that
 * want it, within the rate limit; true when one was sent. */
bool ofs_packet_in_raw(struct of_switch *s, const uint8_t *pkt, size_t len, uint32_t in_port,
		       uint8_t reason, uint64_t cookie);
/* role.c */
int ofs_role_request(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len);
int ofs_get_async(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len);
int ofs_set_async(struct of_switch *s, struct ofs_conn *c, const uint8_t *msg, size_t len);
void ofs_async_defaults(struct ofs_conn *c);
/* Does c want async message kind (0 packet-in, 1 port-status, 2
 * flow-removed) for reason? */
bool ofs_wants(const struct ofs_conn *c, unsigned kind, unsigned reason);
/* switch.c */
uint64_t ofs_datapath_id(struct of_switch *s);



/* flow_mod.c: a rule's match and instructions for flow stats and
 * flow-removed messages, as its controller sent them where known. */
void ofs_put_rule_match(struct of_switch *s, struct ofbuf *b, const struct ft_rule *r);
void ofs_put_rule_insts(struct of_switch *s, struct ofbuf *b, const struct ft_rule *r);
uint16_t ofs_rule_flags(struct of_switch *s, const struct ft_rule *r);
/* multipart.c: OFPPS_LINK_DOWN (1) or 0 for an interface (0 for a
 * userspace port); one ofp_port (port desc, port status). */
uint32_t ofs_port_state(const char *name);
/* switch.c: since when ofport is known (its port stats' duration), or 0. */
uint64_t ofs_port_since_ms(const struct of_switch *s, uint32_t ofport);
void ofs_put_port(struct ofbuf *b, uint32_t ofport, const char *name);
#endif
