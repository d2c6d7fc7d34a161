// SPDX-License-Identifier: Apache-2.0
/* The switch's OpenFlow remotes: listeners (ptcp:, punix:), controllers it
 * dials (tcp:) with reconnection backoff, the connections' place in the
 * agent's poll loop, and the datapath id. */
#include "agent/openflow/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>

#include "agent/daemon/agent.h"
#include "agent/daemon/persist.h"
#include "common/clock.h"

#define BACKOFF_MIN_MS 1000

static void link_changes(struct of_switch *s);

/* "tcp:IP[:PORT]", "ptcp:PORT[:IP]" or "punix:PATH" into r. */
static int parse_target(const char *spec, bool passive, struct ofs_remote *r, char *why,
			size_t why_size)
{
	const char *rest;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->conn = -1;
	r->passive = passive;
	if (strlen(spec) >= sizeof(r->spec)) {
		snprintf(why, why_size, "'%s': too long", spec);
		return -EINVAL;
	}
	snprintf(r->spec, sizeof(r->spec), "%s", spec);
	if (passive && !strncmp(spec, "punix:", 6)) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&r->addr;

		rest = spec + 6;
		if (!*rest || strlen(rest) >= sizeof(sun->sun_path)) {
			snprintf(why, why_size, "'%s': punix: needs a path of 1-%zu bytes", spec,
				 sizeof(sun->sun_path) - 1);
			return -EINVAL;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, rest);
		r->addr_len = sizeof(*sun);
		r->unix_sock = true;
		return 0;
	}
	if (!strncmp(spec, passive ? "ptcp:" : "tcp:", passive ? 5 : 4)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&r->addr;
		char ip[64] = "", port[16] = "";
		unsigned long pn;
		char *end;

		rest = spec + (passive ? 5 : 4);
		if (passive) {
			const char *colon = strchr(rest, ':');

			snprintf(port, sizeof(port), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest),
				 rest);
			snprintf(ip, sizeof(ip), "%s", colon ? colon + 1 : "0.0.0.0");
		} else {
			const char *colon = strchr(rest, ':');

			snprintf(ip, sizeof(ip), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest),
				 rest);
			snprintf(port, sizeof(port), "%s", colon ? colon + 1 : "6653");
		}
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (!port[0] || *end || errno || pn > 65535 || (!passive && pn == 0)) {
			snprintf(why, why_size, "'%s': bad port '%s' (0-65535)", spec, port);
			return -EINVAL;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pn);
		if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1) {
			snprintf(why, why_size, "'%s': bad IPv4 address '%s'", spec, ip);
			return -EINVAL;
		}
		r->addr_len = sizeof(*sin);
		return 0;
	}
	snprintf(why, why_size, passive ? "'%s': --listen takes ptcp:PORT[:IP] or punix:PATH"
				       : "'%s': --controller takes tcp:IP[:PORT]", spec);
	return -EINVAL;
}

int of_switch_check_target(const char *spec, bool passive, char *why, size_t why_size)
{
	struct ofs_remote r;

	return parse_target(spec, passive, &r, why, why_size);
}

static int open_listener(struct ofs_remote *r, char *why, size_t why_size)
{
	int one = 1, fd = socket(r->unix_sock ? AF_UNIX : AF_INET,
				 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	if (r->unix_sock)
		unlink(((struct sockaddr_un *)&r->addr)->sun_path);
	else
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&r->addr, r->addr_len) || listen(fd, 16))
		goto fail;
	r->fd = fd;
	return 0;
fail:
	snprintf(why, why_size, "--listen %s: %s", r->spec, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -errno;
}

static int add_conn(struct of_switch *s, struct ofs_conn *c)
{
	if (s->n_conns == OFS_MAX_CONNS) {
		xs_agent_log(s->a, "openflow %s: over %d connections; refused", c->name,
			     OFS_MAX_CONNS);
		ofs_conn_free(c);
		return -1;
	}
	s->conns[s->n_conns] = c;
	return (int)s->n_conns++;
}

static void try_connect(struct of_switch *s, unsigned ri)
{
	struct ofs_remote *r = &s->remotes[ri];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct ofs_conn *c;

	r->next_try_ms = xs_mono_ms() + r->backoff_ms;
	r->backoff_ms = r->backoff_ms * 2 > OFS_BACKOFF_MAX_MS ? OFS_BACKOFF_MAX_MS
							       : r->backoff_ms * 2;
	if (fd < 0)
		return;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&r->addr, r->addr_len) && errno != EINPROGRESS) {
		close(fd);
		return;
	}
	c = ofs_conn_new(fd, (int)ri, r->spec, true);
	if (!c) {
		close(fd);
		return;
	}
	r->conn = add_conn(s, c);
}

static void accept_conn(struct of_switch *s, unsigned ri)
{
	struct ofs_remote *r = &s->remotes[ri];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = accept4(r->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	char name[80];
	struct ofs_conn *c;

	if (fd < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		char ip[INET_ADDRSTRLEN];
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(name, sizeof(name), "tcp:%s:%u", ip, ntohs(sin->sin_port));
	} else {
		snprintf(name, sizeof(name), "%s", r->spec);
	}
	c = ofs_conn_new(fd, -1, name, false);
	if (!c) {
		close(fd);
		return;
	}
	ofs_send_hello(c);
	if (add_conn(s, c) >= 0)
		ofs_conn_flush(s, c);
}

int of_switch_create(struct xs_agent *a, const struct of_switch_opts *opts,
		     struct of_switch **out, char *why, size_t why_size)
{
	struct of_switch *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->a = a;
	s->opts = *opts;
	s->miss_send_len = 128; /* OFPCML_DEFAULT... as Open vSwitch */
	s->dpid = opts->datapath_id;
	s->pin_tokens = opts->packet_in_rate ? opts->packet_in_rate : 1000;
	s->pin_last_ms = xs_mono_ms();
	if (!s->opts.fail_open_after_s)
		s->opts.fail_open_after_s = OFS_FAIL_OPEN_AFTER_S;
	ofs_fail_open_init(s);
	for (unsigned i = 0; i < opts->n_listens; i++) {
		struct ofs_remote *r = &s->remotes[s->n_remotes];

		err = parse_target(opts->listens[i], true, r, why, why_size);
		if (!err)
			err = open_listener(r, why, why_size);
		if (err) {
			of_switch_destroy(s);
			return err;
		}
		s->n_remotes++;
	}
	for (unsigned i = 0; i < opts->n_controllers; i++) {
		struct ofs_remote *r = &s->remotes[s->n_remotes];

		err = parse_target(opts->controllers[i], false, r, why, why_size);
		if (err) {
			of_switch_destroy(s);
			return err;
		}
		r->backoff_ms = BACKOFF_MIN_MS;
		s->n_remotes++;
		try_connect(s, s->n_remotes - 1);
	}
	/* Flow-removed messages for rules that go, whoever removes them. */
	s->prev_on_delete = a->pipeline->on_delete;
	s->prev_on_delete_ctx = a->pipeline->on_delete_ctx;
	a->pipeline->on_delete = ofs_flow_removed_hook;
	a->pipeline->on_delete_ctx = s;
	link_changes(s); /* the ports' link states, and their durations from now */
	*out = s;
	return 0;
}

void of_switch_destroy(struct of_switch *s)
{
	if (!s)
		return;
	if (s->a->pipeline && s->a->pipeline->on_delete == ofs_flow_removed_hook) {
		s->a->pipeline->on_delete = s->prev_on_delete;
		s->a->pipeline->on_delete_ctx = s->prev_on_delete_ctx;
	}
	if (s->a->pipeline && s->a->pipeline->hidden0 == &s->fo.rule)
		s->a->pipeline->hidden0 = NULL;
	for (unsigned i = 0; i < s->n_conns; i++)
		ofs_conn_free(s->conns[i]);
	for (unsigned i = 0; i < s->n_remotes; i++) {
		if (s->remotes[i].fd >= 0) {
			close(s->remotes[i].fd);
			if (s->remotes[i].unix_sock)
				unlink(((struct sockaddr_un *)&s->remotes[i].addr)->sun_path);
		}
	}
	free(s);
}

enum { PK_LISTENER, PK_CONN };

unsigned of_switch_pollfds(struct of_switch *s, struct pollfd *pf, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_remotes && n < max; i++) {
		if (s->remotes[i].fd < 0)
			continue;
		pf[n] = (struct pollfd){ .fd = s->remotes[i].fd, .events = POLLIN };
		s->poll_kind[n] = PK_LISTENER;
		s->poll_idx[n++] = (int)i;
	}
	for (unsigned i = 0; i < s->n_conns && n < max; i++) {
		struct ofs_conn *c = s->conns[i];
		short ev = c->state == OFS_CONNECTING ? POLLOUT
						      : (short)(POLLIN | (c->tx.len ? POLLOUT : 0));

		pf[n] = (struct pollfd){ .fd = c->fd, .events = ev };
		s->poll_kind[n] = PK_CONN;
		s->poll_idx[n++] = (int)i;
	}
	return n;
}

static void connected(struct ofs_conn *c)
{
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) || err) {
		c->dead = true;
		return;
	}
	c->state = OFS_HELLO;
	ofs_send_hello(c);
}

/* Drops dead connections; a controller's is dialed again after its
 * backoff (reset when it had come up). */
static void reap(struct of_switch *s)
{
	unsigned j = 0;

	for (unsigned i = 0; i < s->n_conns; i++) {
		struct ofs_conn *c = s->conns[i];

		if (!c->dead) {
			if (c->remote >= 0)
				s->remotes[c->remote].conn = (int)j;
			s->conns[j++] = c;
			continue;
		}
		if (c->remote >= 0) {
			struct ofs_remote *r = &s->remotes[c->remote];

			r->conn = -1;
			if (c->state == OFS_ACTIVE) {
				r->backoff_ms = BACKOFF_MIN_MS;
				r->next_try_ms = xs_mono_ms() + BACKOFF_MIN_MS;
			}
		}
		if (c->state == OFS_ACTIVE)
			xs_agent_log(s->a, "openflow %s: disconnected", c->name);
		ofs_conn_free(c);
	}
	s->n_conns = j;
}

void of_switch_run(struct of_switch *s, const struct pollfd *pf, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct ofs_conn *c;

		if (!pf[i].revents)
			continue;
		if (s->poll_kind[i] == PK_LISTENER) {
			accept_conn(s, (unsigned)s->poll_idx[i]);
			continue;
		}
		c = s->conns[s->poll_idx[i]];
		if (c->state == OFS_CONNECTING) {
			connected(c);
		} else if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
			xs_agent_batch_begin(s->a);
			ofs_conn_input(s, c);
			xs_agent_batch_end(s->a);
		}
		if (!c->dead || c->tx.len)
			ofs_conn_flush(s, c);
	}
	/* Replies made for one connection while serving another (role
	 * changes, port status) go out too. */
	for (unsigned i = 0; i < s->n_conns; i++)
		if (s->conns[i]->tx.len && !s->conns[i]->dead)
			ofs_conn_flush(s, s->conns[i]);
	reap(s);
}

/* PORT_STATUS MODIFY for ports whose link went down or up since the last
 * look (once a second). */
static void link_changes(struct of_switch *s)
{
	__typeof__(s->link[0]) now[256];
	unsigned n = 0;

	for (size_t i = 0; i < s->a->ports.n && n < 256; i++) {
		const struct xs_port *p = &s->a->ports.ports[i];
		uint32_t st = ofs_port_state(p->name);

		now[n].since_ms = xs_mono_ms();
		for (unsigned k = 0; k < s->n_link; k++) {
			if (s->link[k].ofport != p->ofport)
				continue;
			now[n].since_ms = s->link[k].since_ms;
			if (s->link[k].state == st)
				continue;
			xs_agent_log(s->a, "port %u: %s: link %s", p->ofport, p->name,
				     st ? "down" : "up");
			of_switch_port_status(s, p->ofport, p->name, OFPPR_MODIFY);
		}
		now[n].ofport = p->ofport;
		now[n++].state = st;
	}
	memcpy(s->link, now, n * sizeof(now[0]));
	s->n_link = n;
}

uint64_t ofs_port_since_ms(const struct of_switch *s, uint32_t ofport)
{
	for (unsigned k = 0; k < s->n_link; k++)
		if (s->link[k].ofport == ofport)
			return s->link[k].since_ms;
	return 0;
}

void of_switch_tick(struct of_switch *s)
{
	uint64_t now = xs_mono_ms();

	link_changes(s);
	ofs_fail_open_tick(s);
	for (unsigned i = 0; i < s->n_remotes; i++) {
		struct ofs_remote *r = &s->remotes[i];

		if (!r->passive && r->conn < 0 && now >= r->next_try_ms)
			try_connect(s, i);
	}
	/* a connection dialed just above is younger than now */
	now = xs_mono_ms();
	for (unsigned i = 0; i < s->n_conns; i++) {
		struct ofs_conn *c = s->conns[i];

		ofs_conn_probe(s, c, now);
		if (c->state == OFS_CONNECTING && now > c->last_rx_ms + 5000)
			c->dead = true; /* a connect that never completes */
		if (c->tx.len)
			ofs_conn_flush(s, c);
	}
	reap(s);
	if (s->a->wire.n > 2 * s->a->pipeline->n_rules + 1024)
		wire_store_sweep(&s->a->wire, s->a->pipeline);
}

bool of_switch_has_controller(const struct of_switch *s)
{
	for (unsigned i = 0; i < s->n_conns; i++)
		if (s->conns[i]->state == OFS_ACTIVE && s->conns[i]->remote >= 0)
			return true;
	return false;
}

/* FNV-1a: a stable number from a name. */
static uint64_t fnv(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	return h;
}

/* The datapath id: --datapath-id, else the first port's MAC (as Open
 * vSwitch uses its bridge's MAC), else from the bridge name. Fixed once
 * asked for, so it does not move while connected. */
uint64_t ofs_datapath_id(struct of_switch *s)
{
	if (s->dpid)
		return s->dpid;
	for (size_t i = 0; i < s->a->ports.n && !s->dpid; i++) {
		char path[128], mac[32];
		unsigned b[6];
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/net/%s/address", s->a->ports.ports[i].name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(mac, sizeof(mac), f) &&
		    sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6)
			s->dpid = (uint64_t)b[0] << 40 | (uint64_t)b[1] << 32 | (uint64_t)b[2] << 24 |
				  (uint64_t)b[3] << 16 | (uint64_t)b[4] << 8 | b[5];
		fclose(f);
	}
	if (!s->dpid)
		s->dpid = fnv(s->a->bridge) & 0xffffffffffffull;
	return s->dpid;
}

void of_switch_show(struct of_switch *s, struct xs_ctl_buf *out, bool json)
{
	const char *mode = s->opts.fail_mode == OFS_FAIL_STANDALONE ? "standalone" : "secure";
	unsigned active = 0;

	for (unsigned i = 0; i < s->n_conns; i++)
		active += s->conns[i]->state == OFS_ACTIVE;
	if (json) {
		xs_ctl_printf(out, ", \"openflow\": {\"fail_mode\": \"%s\", \"fail_open\": %s, "
			      "\"fail_open_entered\": %" PRIu64 ", \"bogus_packet_ins\": %" PRIu64 ", ",
			      mode, s->fo.active ? "true" : "false", s->fo.n_entered, s->fo.n_bogus);
		xs_ctl_printf(out, "\"datapath_id\": \"%016" PRIx64 "\", "
			      "\"connections\": %u, \"packet_ins\": %" PRIu64 ", "
			      "\"packet_in_rate_dropped\": %" PRIu64 ", \"packet_in_queue_dropped\": %"
			      PRIu64 ", \"flow_removed\": %" PRIu64 "}", ofs_datapath_id(s), active,
			      s->pin_sent, s->pin_rate_dropped, s->pin_queue_dropped,
			      s->flow_removed_sent);
		return;
	}
	xs_ctl_printf(out, "openflow: datapath id %016" PRIx64 ", %u connection%s, "
		      "%" PRIu64 " packet-ins (%" PRIu64 " over the rate limit, %" PRIu64
		      " to slow peers dropped), %" PRIu64 " flow-removed\n", ofs_datapath_id(s),
		      active, active == 1 ? "" : "s", s->pin_sent, s->pin_rate_dropped,
		      s->pin_queue_dropped, s->flow_removed_sent);
	xs_ctl_printf(out, " fail mode %s", mode);
	if (s->fo.active)
		xs_ctl_printf(out, ": FAILING OPEN for %" PRIu64 " s (hidden flow table=0, "
			      "priority=0xf0f0f0, actions=NORMAL; %" PRIu64 " bogus packet-ins)",
			      (xs_mono_ms() - s->fo.entered_ms) / 1000, s->fo.n_bogus);
	else if (s->opts.fail_mode == OFS_FAIL_STANDALONE && s->opts.n_controllers)
		xs_ctl_printf(out, " (fails open after %u s without a controller; %" PRIu64
			      " times so far)", s->opts.fail_open_after_s, s->fo.n_entered);
	xs_ctl_printf(out, "\n");
	for (unsigned i = 0; i < s->n_conns; i++)
		xs_ctl_printf(out, " %s: %s, role %s\n", s->conns[i]->name,
			      s->conns[i]->state == OFS_ACTIVE ? "connected" : "connecting",
			      s->conns[i]->role == OFPCR_ROLE_MASTER ? "master" :
			      s->conns[i]->role == OFPCR_ROLE_SLAVE ? "slave" : "equal");
}
