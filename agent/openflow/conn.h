// SPDX-License-Identifier: Apache-2.0
/* One OpenFlow connection (conn.c): framing, negotiation, dispatch. */
#ifndef XS_OPENFLOW_CONN_H
#define XS_OPENFLOW_CONN_H

#include "agent/openflow/ofs_int.h"

/* A connection on fd (owned from here); remote: index of the --controller
 * it came from, or -1; connecting: a non-blocking connect is under way. */
struct ofs_conn *ofs_conn_new(int fd, int remote, const char *name, bool connecting);
void ofs_conn_free(struct ofs_conn *c);
void ofs_send_hello(struct ofs_conn *c);
void ofs_conn_input(struct of_switch *s, struct ofs_conn *c);
void ofs_conn_flush(struct of_switch *s, struct ofs_conn *c);
/* Echo probe of a silent peer; a peer silent for long is closed. */
void ofs_conn_probe(struct of_switch *s, struct ofs_conn *c, uint64_t now);

#endif
