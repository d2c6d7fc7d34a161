// SPDX-License-Identifier: Apache-2.0
/* The userspace datapath provider (xs_dpif_dummy): megaflows in per-mask
 * hash tables, packets injected by receive(), outputs to a log, upcalls to
 * a queue. No BPF, no root; see dpif_dummy.h for the design. */
#include "agent/dpif/dpif_dummy.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "agent/dpif/dummy_exec.h"
#include "agent/dpif/dummy_table.h"
#include "common/clock.h"
#include "common/flow_parse.h"

/* Counters shown by show(): name, text label. */
#define DUMMY_COUNTERS(X)                                                  \
	X(rx, "packets received")                                          \
	X(megaflow_hit, "megaflow hits")                                   \
	X(miss, "misses")                                                  \
	X(miss_shed, "misses shed (per-port miss limit)")                  \
	X(upcall_lost, "upcalls lost (queue full)")                        \
	X(executed, "packets executed for the agent")                      \
	X(exec_error, "packets dropped: an action failed")                 \
	X(action_drop, "packets whose actions output nothing")             \
	X(ttl_expired, "packets whose TTL expired")                        \
	X(to_agent, "packets sent to the agent by an action")              \
	X(frames_out, "frames output")                                     \
	X(log_dropped, "frames dropped from the output log (full)")

struct dummy_counters {
#define DUMMY_FIELD(name, label) uint64_t name;
	DUMMY_COUNTERS(DUMMY_FIELD)
#undef DUMMY_FIELD
};

struct dummy_port {
	uint32_t port;
	char name[IF_NAMESIZE];
	uint64_t rx, tx;       /* frames received on it, output to it */
	uint64_t rx_bytes, tx_bytes;
	uint64_t tokens_milli; /* miss budget, as bpf/upcall.h's bucket */
	uint64_t last_ns;      /* 0: no miss yet */
};

struct dummy_out {
	uint32_t port;
	uint32_t len;
	uint8_t *data;
};

struct dpif_dummy {
	struct xs_dpif up;
	uint32_t miss_rate, miss_burst;

	struct dummy_port *ports; /* ascending */
	size_t n_ports, cap_ports;

	struct xs_dummy_table table;

	struct xs_upcall *upcalls[XS_DUMMY_MAX_UPCALLS]; /* ring */
	uint32_t up_head, up_n;
	int efd;                  /* readable while up_n > 0 */
	bool signaled;

	struct dummy_out outs[XS_DUMMY_MAX_OUTPUTS]; /* ring */
	uint32_t out_head, out_n;

	struct dummy_counters st;
	struct xs_dummy_frame frame; /* the packet being executed */
};

#define NSEC_PER_SEC 1000000000ull

static struct dpif_dummy *dummy(struct xs_dpif *dpif)
{
	return (struct dpif_dummy *)dpif;
}

/* --- ports -------------------------------------------------------------------- */

/* Index of @port, or of where it would go (*found false). */
static size_t port_index(const struct dpif_dummy *d, uint32_t port, bool *found)
{
	size_t lo = 0, hi = d->n_ports;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->ports[mid].port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < d->n_ports && d->ports[lo].port == port;
	return lo;
}

static struct dummy_port *port_find(struct dpif_dummy *d, uint32_t port)
{
	bool found;
	size_t i = port_index(d, port, &found);

	return found ? &d->ports[i] : NULL;
}

/* Any name of 1..IF_NAMESIZE-1 characters is a port; it gets the lowest
 * free number from 1, as the bridge numbers OpenFlow ports. */
static int dummy_port_add(struct xs_dpif *dpif, const char *name, uint32_t flags,
			  uint32_t *port, char *note, size_t note_size, char *why,
			  size_t why_size)
{
	struct dpif_dummy *d = dummy(dpif);
	uint32_t num = 1;
	size_t i;

	(void)flags; /* nothing to take over from anyone */
	if (note_size)
		note[0] = '\0';
	if (!name || !name[0] || strlen(name) >= IF_NAMESIZE || !port) {
		snprintf(why, why_size, "a port name has 1 to %d characters", IF_NAMESIZE - 1);
		return -EINVAL;
	}
	for (i = 0; i < d->n_ports; i++) {
		if (!strcmp(d->ports[i].name, name)) {
			snprintf(why, why_size, "'%s' is already a port of the datapath", name);
			return -EEXIST;
		}
	}
	if (d->n_ports == XS_MAX_PORTS) {
		snprintf(why, why_size, "the datapath has %d ports already", XS_MAX_PORTS);
		return -ENOSPC;
	}
	if (d->n_ports == d->cap_ports) {
		size_t cap = d->cap_ports ? 2 * d->cap_ports : 8;
		struct dummy_port *p = realloc(d->ports, cap * sizeof(*p));

		if (!p) {
			snprintf(why, why_size, "out of memory");
			return -ENOMEM;
		}
		d->ports = p;
		d->cap_ports = cap;
	}
	/* Ascending numbers: the first gap is the lowest free one. */
	for (i = 0; i < d->n_ports && d->ports[i].port == num; i++)
		num++;
	memmove(&d->ports[i + 1], &d->ports[i], (d->n_ports - i) * sizeof(d->ports[0]));
	d->ports[i] = (struct dummy_port){ .port = num };
	snprintf(d->ports[i].name, sizeof(d->ports[i].name), "%s", name);
	d->n_ports++;
	*port = num;
	return 0;
}

static int dummy_port_del(struct xs_dpif *dpif, uint32_t port, char *note, size_t note_size)
{
	struct dpif_dummy *d = dummy(dpif);
	bool found;
	size_t i = port_index(d, port, &found);

	if (note_size)
		note[0] = '\0';
	if (!found)
		return -ENOENT;
	memmove(&d->ports[i], &d->ports[i + 1], (d->n_ports - i - 1) * sizeof(d->ports[0]));
	d->n_ports--;
	return 0;
}

/* What went through the port. */
static void dummy_port_show(struct xs_dpif *dpif, uint32_t port, struct xs_ctl_buf *out,
			    bool json)
{
	const struct dummy_port *p = port_find(dummy(dpif), port);

	if (!p)
		return;
	if (json)
		xs_ctl_printf(out, "\"rx\": %" PRIu64 ", \"tx\": %" PRIu64, p->rx, p->tx);
	else
		xs_ctl_printf(out, "userspace, rx %" PRIu64 ", tx %" PRIu64, p->rx, p->tx);
}

static int dummy_port_stats(struct xs_dpif *dpif, uint32_t port, struct xs_dpif_port_stats *out)
{
	const struct dummy_port *p = port_find(dummy(dpif), port);

	if (!p)
		return -ENOENT;
	*out = (struct xs_dpif_port_stats){ p->rx, p->rx_bytes, p->tx, p->tx_bytes };
	return 0;
}

/* Nothing to save with a port, nothing to take over after a restart. */
static uint32_t dummy_port_flags(struct xs_dpif *dpif, uint32_t port)
{
	(void)dpif;
	(void)port;
	return 0;
}

/* A name without an interface never changes how it is served. */
static int dummy_ports_refresh(struct xs_dpif *dpif, uint32_t *changed, size_t max)
{
	(void)dpif;
	(void)changed;
	(void)max;
	return 0;
}

/* Userspace ports are names the bridge gave: a number in @ports that is
 * not a port here has nothing to be made from, and is skipped. -EINVAL
 * (NULL @ports with @n > 0, a port 0, @n above XS_MAX_PORTS) changes
 * nothing. */
static int dummy_ports_sync(struct xs_dpif *dpif, const uint32_t *ports, size_t n)
{
	struct dpif_dummy *d = dummy(dpif);
	size_t kept = 0;
	int removed;

	if ((n && !ports) || n > XS_MAX_PORTS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!ports[i])
			return -EINVAL;
	for (size_t i = 0; i < d->n_ports; i++) {
		bool wanted = false;

		for (size_t j = 0; j < n && !wanted; j++)
			wanted = ports[j] == d->ports[i].port;
		if (wanted)
			d->ports[kept++] = d->ports[i];
	}
	removed = (int)(d->n_ports - kept);
	d->n_ports = kept;
	return removed;
}

/* --- megaflow table ------------------------------------------------------------- */

/* Bad lists are refused at install, as the XDP provider does; what a list
 * does to a packet it cannot run on (a missing header, a port not added)
 * shows only when a packet runs it, as in the fast path. Connection
 * tracking and recirculation are -EOPNOTSUPP: userspace has no conntrack
 * (the kfuncs are the XDP provider's); the translation that asked for them
 * then ends as a drop with that error. */
static int check_actions(const struct xs_action *actions, uint16_t n)
{
	if (n > XS_MAX_ACTIONS || (n && !actions))
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++) {
		const struct xs_action *a = &actions[i];

		if (a->type == XS_ACT_NONE || a->type >= XS_ACT__MAX)
			return -EINVAL;
		if (xs_act_is_ct(a->type))
			return -EOPNOTSUPP;
		if (a->type != XS_ACT_OUTPUT)
			continue;
		if ((a->flags & ~XS_OUT_F_BROADCAST) || ((a->flags & XS_OUT_F_BROADCAST) && a->arg))
			return -EINVAL;
	}
	return 0;
}

static int dummy_flow_put(struct xs_dpif *dpif, const struct xs_flow_key *key,
			  const struct xs_flow_key *mask, const struct xs_action *actions,
			  uint16_t n_actions, struct xs_flow_handle *out)
{
	int err;

	if (!key || !mask)
		return -EINVAL;
	err = check_actions(actions, n_actions);
	if (err)
		return err;
	return xs_dummy_table_put(&dummy(dpif)->table, key, mask, actions, n_actions, out);
}

static int dummy_flow_modify(struct xs_dpif *dpif, struct xs_flow_handle *h,
			     const struct xs_action *actions, uint16_t n_actions)
{
	struct xs_dummy_table *t = &dummy(dpif)->table;
	int err;

	if (!h)
		return -EINVAL;
	if (!xs_dummy_table_get(t, *h))
		return -ENOENT;
	err = check_actions(actions, n_actions);
	if (err)
		return err;
	return xs_dummy_table_modify(t, h, actions, n_actions);
}

static int dummy_flow_del(struct xs_dpif *dpif, struct xs_flow_handle h,
			  struct xs_flow_stats *final)
{
	return xs_dummy_table_del(&dummy(dpif)->table, h, final);
}

static void flow_fill(const struct xs_dummy_table *t, uint32_t s, struct xs_dpif_flow *out)
{
	const struct xs_dummy_flow *f = &t->flows[s];

	memset(out, 0, sizeof(*out));
	out->handle = xs_dummy_table_handle(t, s);
	out->key = f->key;
	out->mask = f->mask->bits;
	out->n_actions = f->n_actions;
	out->stage = "userspace";
	out->installed_ns = f->installed_ns;
	memcpy(out->actions, f->actions, sizeof(out->actions));
}

static int dummy_flow_get(struct xs_dpif *dpif, struct xs_flow_handle h, struct xs_dpif_flow *out)
{
	struct xs_dummy_table *t = &dummy(dpif)->table;

	if (!out)
		return -EINVAL;
	if (!xs_dummy_table_get(t, h))
		return -ENOENT;
	flow_fill(t, h.slot, out);
	return 0;
}

static int dummy_flow_find(struct xs_dpif *dpif, const struct xs_flow_key *key,
			   const struct xs_flow_key *mask, struct xs_flow_handle *out)
{
	struct xs_dummy_table *t = &dummy(dpif)->table;
	uint32_t s;

	if (!key || !mask)
		return -EINVAL;
	s = xs_dummy_table_find(t, key, mask);
	if (!s)
		return -ENOENT;
	if (out)
		*out = xs_dummy_table_handle(t, s);
	return 0;
}

/* In slot order. */
static int dummy_flow_next(struct xs_dpif *dpif, uint32_t *pos, struct xs_dpif_flow *out)
{
	struct xs_dummy_table *t = &dummy(dpif)->table;
	uint32_t s;

	if (!pos || !out)
		return -EINVAL;
	s = xs_dummy_table_next(t, pos);
	if (!s)
		return 0;
	flow_fill(t, s, out);
	return 1;
}

static int dummy_flow_stats(struct xs_dpif *dpif, const struct xs_flow_handle *h, size_t n,
			    struct xs_flow_stats *out, int *errs)
{
	struct xs_dummy_table *t = &dummy(dpif)->table;

	if (n && (!h || !out))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct xs_dummy_flow *f = xs_dummy_table_get(t, h[i]);

		if (f)
			out[i] = f->stats;
		else
			memset(&out[i], 0, sizeof(out[i]));
		if (errs)
			errs[i] = f ? 0 : -ENOENT;
	}
	return 0;
}

static uint32_t dummy_flow_count(struct xs_dpif *dpif)
{
	return dummy(dpif)->table.n_flows;
}

static uint32_t dummy_max_flows(struct xs_dpif *dpif)
{
	return dummy(dpif)->table.max_flows;
}

/* --- upcalls ------------------------------------------------------------------ */

/* Keeps the eventfd readable exactly while upcalls wait. */
static void upcall_signal(struct dpif_dummy *d)
{
	uint64_t v = 1;

	if (d->up_n && !d->signaled)
		d->signaled = write(d->efd, &v, sizeof(v)) == sizeof(v);
	else if (!d->up_n && d->signaled &&
		 (read(d->efd, &v, sizeof(v)) == sizeof(v) || errno == EAGAIN))
		d->signaled = false;
}

/* Queues the @len bytes at @pkt for the agent, as bpf/upcall.h's record:
 * at most XS_UPCALL_MAX_PKT of them, flagged when cut. */
static void upcall_queue(struct dpif_dummy *d, uint32_t in_port, uint8_t reason, uint16_t cookie,
			 uint32_t slot, const struct xs_flow_key *key, const uint8_t *pkt,
			 size_t len)
{
	size_t cap = len > XS_UPCALL_MAX_PKT ? XS_UPCALL_MAX_PKT : len;
	struct xs_upcall *u;

	if (d->up_n == XS_DUMMY_MAX_UPCALLS || !(u = calloc(1, sizeof(*u)))) {
		d->st.upcall_lost++;
		return;
	}
	u->ifindex = in_port;
	u->reason = reason;
	u->flags = len > XS_UPCALL_MAX_PKT ? XS_UPCALL_F_TRUNC : 0;
	u->cookie = cookie;
	u->pkt_len = (uint32_t)len;
	u->cap_len = (uint32_t)cap;
	u->slot = slot;
	u->key = *key;
	if (cap)
		memcpy(u->pkt, pkt, cap);
	d->upcalls[(d->up_head + d->up_n) % XS_DUMMY_MAX_UPCALLS] = u;
	d->up_n++;
	upcall_signal(d);
}

static int dummy_recv_fd(struct xs_dpif *dpif)
{
	return dummy(dpif)->efd;
}

/* Each upcall leaves the queue before @cb sees it (a negative return
 * does not put it back), so @cb may call into the provider, and upcalls
 * that @cb causes wait for the next receive. */
static int dummy_recv(struct xs_dpif *dpif, unsigned max, xs_dpif_upcall_cb cb, void *ctx)
{
	struct dpif_dummy *d = dummy(dpif);
	uint32_t n = d->up_n;
	int done = 0;

	if (!cb)
		return -EINVAL;
	if (max && max < n)
		n = max;
	while ((uint32_t)done < n && d->up_n) {
		struct xs_upcall *u = d->upcalls[d->up_head];
		int ret;

		d->up_head = (d->up_head + 1) % XS_DUMMY_MAX_UPCALLS;
		d->up_n--;
		upcall_signal(d);
		done++;
		ret = cb(ctx, u);
		free(u);
		if (ret < 0)
			return ret;
	}
	return done;
}

/* One token of @p's miss bucket (bpf/upcall.h's xs_miss_allowed, with one
 * bucket per port instead of per port and CPU). */
static bool miss_allowed(const struct dpif_dummy *d, struct dummy_port *p)
{
	uint64_t rate = d->miss_rate, depth, now, elapsed, tokens;

	if (!rate)
		return true;
	depth = (d->miss_burst ? d->miss_burst : rate) * 1000;
	now = xs_mono_ns();
	if (!p->last_ns) {
		p->tokens_milli = depth - 1000;
		p->last_ns = now;
		return true;
	}
	elapsed = now - p->last_ns;
	if (elapsed > NSEC_PER_SEC)
		elapsed = NSEC_PER_SEC;
	tokens = p->tokens_milli + elapsed * rate / 1000000;
	if (tokens > depth)
		tokens = depth;
	p->last_ns = now;
	if (tokens < 1000) {
		p->tokens_milli = tokens;
		return false;
	}
	p->tokens_milli = tokens - 1000;
	return true;
}

/* --- execution ----------------------------------------------------------------- */

static void output(struct dpif_dummy *d, struct dummy_port *p, const uint8_t *frame,
		   size_t len)
{
	struct dummy_out *o;
	uint8_t *copy = malloc(len ? len : 1);

	d->st.frames_out++;
	p->tx++;
	p->tx_bytes += len;
	if (!copy) {
		d->st.log_dropped++;
		return;
	}
	if (d->out_n == XS_DUMMY_MAX_OUTPUTS) {
		free(d->outs[d->out_head].data);
		d->out_head = (d->out_head + 1) % XS_DUMMY_MAX_OUTPUTS;
		d->out_n--;
		d->st.log_dropped++;
	}
	o = &d->outs[(d->out_head + d->out_n) % XS_DUMMY_MAX_OUTPUTS];
	memcpy(copy, frame, len);
	o->port = p->port;
	o->len = (uint32_t)len;
	o->data = copy;
	d->out_n++;
}

/* Runs @n actions on a copy of the @len bytes at @pkt that arrived on
 * @in_port (@key, @info: what the parser made of them; @slot: the
 * megaflow's, for upcalls). Like the fast path's TC stage, every OUTPUT
 * sends the frame as it is at that point; a failing action stops the list
 * (frames already sent stay sent), and so does an expired TTL. */
static void run_actions(struct dpif_dummy *d, uint32_t in_port, const uint8_t *pkt, size_t len,
			const struct xs_flow_key *key, const struct xs_parse_info *info,
			uint32_t slot, const struct xs_action *actions, uint16_t n)
{
	struct xs_dummy_frame *f = &d->frame;
	bool sent = false;

	xs_dummy_frame_load(f, pkt, len, info);
	for (uint16_t i = 0; i < n; i++) {
		const struct xs_action *a = &actions[i];
		struct dummy_port *out;
		int ret;

		switch (a->type) {
		case XS_ACT_OUTPUT:
			if (a->flags & XS_OUT_F_BROADCAST) {
				for (size_t p = 0; p < d->n_ports; p++)
					if (d->ports[p].port != in_port)
						output(d, &d->ports[p], f->data, f->len);
			} else if ((out = port_find(d, a->arg))) {
				output(d, out, f->data, f->len);
			} else {
				d->st.exec_error++;
				return;
			}
			sent = true;
			continue;
		case XS_ACT_TO_AGENT:
			d->st.to_agent++;
			upcall_queue(d, in_port, (uint8_t)a->arg, a->flags, slot, key, f->data,
				     f->len);
			continue;
		}
		ret = xs_dummy_rewrite(f, a);
		if (ret == XS_DUMMY_TTL_EXPIRED) {
			d->st.ttl_expired++;
			upcall_queue(d, in_port, XS_UPCALL_TTL_EXPIRED, 0, slot, key, f->data,
				     f->len);
			return;
		}
		if (ret) {
			d->st.exec_error++;
			return;
		}
	}
	if (!sent)
		d->st.action_drop++;
}

static void account(struct xs_dummy_flow *f, size_t len, const struct xs_flow_key *key)
{
	f->stats.packets++;
	f->stats.bytes += len;
	f->stats.used_ns = xs_mono_ns();
	f->stats.tcp_flags |= key->tcp_flags;
}

/* -EINVAL: NULL @frame with @len > 0; -EMSGSIZE: @len above
 * XS_FLOW_PARSE_MAX_LEN; -ENOENT: @port was not added. A hit or a miss
 * (queued or not) returns 0: what happened shows in the outputs, the
 * upcalls and show(). */
static int dummy_receive(struct xs_dpif *dpif, uint32_t port, const void *frame, size_t len)
{
	struct dpif_dummy *d = dummy(dpif);
	struct xs_action actions[XS_MAX_ACTIONS];
	struct xs_parse_info info;
	struct xs_flow_key key;
	struct xs_dummy_flow *f;
	struct dummy_port *p;
	uint16_t n;
	uint32_t s;

	if (!frame && len)
		return -EINVAL;
	if (len > XS_FLOW_PARSE_MAX_LEN)
		return -EMSGSIZE;
	p = port_find(d, port);
	if (!p)
		return -ENOENT;
	xs_flow_parse(frame, len, port, &key, &info);
	d->st.rx++;
	p->rx++;
	p->rx_bytes += len;
	s = xs_dummy_table_lookup(&d->table, &key);
	if (!s) {
		d->st.miss++;
		if (!miss_allowed(d, p)) {
			d->st.miss_shed++;
			return 0;
		}
		upcall_queue(d, port, XS_UPCALL_MISS, 0, 0, &key, frame, len);
		return 0;
	}
	d->st.megaflow_hit++;
	f = &d->table.flows[s];
	account(f, len, &key);
	n = f->n_actions;
	memcpy(actions, f->actions, sizeof(actions));
	run_actions(d, port, frame, len, &key, &info, s, actions, n);
	return 0;
}

/* -EINVAL: NULL @pkt, @len below 14 (as the XDP provider), a bad list
 * (@h.gen 0); -EMSGSIZE: @len above XS_FLOW_PARSE_MAX_LEN; -ENOENT: @h is
 * not installed (any more). A run with @h counts in its megaflow's
 * counters, as the fast path's re-injection does. */
static int dummy_execute(struct xs_dpif *dpif, uint32_t in_port, const void *pkt, size_t len,
			 struct xs_flow_handle h, const struct xs_action *actions,
			 uint16_t n_actions)
{
	struct dpif_dummy *d = dummy(dpif);
	struct xs_action copy[XS_MAX_ACTIONS];
	struct xs_parse_info info;
	struct xs_flow_key key;
	struct xs_dummy_flow *f = NULL;
	int err;

	if (!pkt || len < 14)
		return -EINVAL;
	if (len > XS_FLOW_PARSE_MAX_LEN)
		return -EMSGSIZE;
	if (h.gen) {
		f = xs_dummy_table_get(&d->table, h);
		if (!f)
			return -ENOENT;
		n_actions = f->n_actions;
		memcpy(copy, f->actions, sizeof(copy));
	} else {
		err = check_actions(actions, n_actions);
		if (err)
			return err;
		if (n_actions)
			memcpy(copy, actions, n_actions * sizeof(*actions));
	}
	xs_flow_parse(pkt, len, in_port, &key, &info);
	d->st.executed++;
	if (f)
		account(f, len, &key);
	run_actions(d, in_port, pkt, len, &key, &info, h.gen ? h.slot : 0, copy, n_actions);
	return 0;
}

/* --- show, outputs ---------------------------------------------------------------- */

/* Appends @len bytes as lowercase hex. */
static void put_hex(struct xs_ctl_buf *out, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char chunk[256];
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		chunk[n++] = digits[p[i] >> 4];
		chunk[n++] = digits[p[i] & 0xf];
		if (n == sizeof(chunk)) {
			xs_ctl_append(out, chunk, n);
			n = 0;
		}
	}
	xs_ctl_append(out, chunk, n);
}

static void outputs_clear(struct dpif_dummy *d)
{
	for (uint32_t i = 0; i < d->out_n; i++)
		free(d->outs[(d->out_head + i) % XS_DUMMY_MAX_OUTPUTS].data);
	d->out_head = 0;
	d->out_n = 0;
}

/* Text: one line per frame, "port N: HEX"; JSON: an array of
 * {"port": N, "len": L, "hex": "..."}; oldest first. Empties the log. */
static void dummy_dump_outputs(struct xs_dpif *dpif, struct xs_ctl_buf *out, bool json)
{
	struct dpif_dummy *d = dummy(dpif);

	if (json)
		xs_ctl_printf(out, "[");
	for (uint32_t i = 0; i < d->out_n; i++) {
		const struct dummy_out *o = &d->outs[(d->out_head + i) % XS_DUMMY_MAX_OUTPUTS];

		if (json) {
			xs_ctl_printf(out, "%s{\"port\": %" PRIu32 ", \"len\": %" PRIu32
				      ", \"hex\": \"", i ? ", " : "", o->port, o->len);
			put_hex(out, o->data, o->len);
			xs_ctl_printf(out, "\"}");
		} else {
			xs_ctl_printf(out, "port %" PRIu32 ": ", o->port);
			put_hex(out, o->data, o->len);
			xs_ctl_printf(out, "\n");
		}
	}
	if (json)
		xs_ctl_printf(out, "]\n");
	outputs_clear(d);
}

static size_t dummy_counters(struct xs_dpif *dpif, struct xs_dpif_counter *out, size_t max)
{
	struct dpif_dummy *d = dummy(dpif);
	size_t n = 0;

#define DUMMY_COUNTER(name, label) \
	if (n < max) \
		out[n++] = (struct xs_dpif_counter){ #name, label, d->st.name };
	DUMMY_COUNTERS(DUMMY_COUNTER)
#undef DUMMY_COUNTER
	return n;
}

static void dummy_show(struct xs_dpif *dpif, struct xs_ctl_buf *out, bool json)
{
	struct dpif_dummy *d = dummy(dpif);

	if (json) {
		xs_ctl_printf(out, ", \"megaflows\": %" PRIu32 ", \"max_megaflows\": %" PRIu32
			      ", \"masks\": %" PRIu32 ", \"dp_ports\": %zu, \"upcalls_queued\": %"
			      PRIu32 ", \"frames_in_log\": %" PRIu32 ", \"counters\": {",
			      d->table.n_flows, d->table.max_flows, d->table.n_masks, d->n_ports,
			      d->up_n, d->out_n);
		const char *sep = "";

#define DUMMY_JSON(name, label) \
		xs_ctl_printf(out, "%s\"" #name "\": %" PRIu64, sep, d->st.name); \
		sep = ", ";
		DUMMY_COUNTERS(DUMMY_JSON)
#undef DUMMY_JSON
		xs_ctl_printf(out, "}");
		return;
	}
	xs_ctl_printf(out, "datapath (userspace):\n");
	xs_ctl_printf(out, "  megaflows: %" PRIu32 " (max %" PRIu32 "), masks: %" PRIu32 "\n",
		      d->table.n_flows, d->table.max_flows, d->table.n_masks);
	xs_ctl_printf(out, "  ports: %zu\n", d->n_ports);
	xs_ctl_printf(out, "  upcalls queued: %" PRIu32 "\n", d->up_n);
	xs_ctl_printf(out, "  frames in the output log: %" PRIu32 "\n", d->out_n);
#define DUMMY_TEXT(name, label) \
	xs_ctl_printf(out, "  " label ": %" PRIu64 "\n", d->st.name);
	DUMMY_COUNTERS(DUMMY_TEXT)
#undef DUMMY_TEXT
}

/* Nothing to rank or expire: lookups here cost no BPF budget. */
static void dummy_run(struct xs_dpif *dpif)
{
	(void)dpif;
}

/* --- lifecycle -------------------------------------------------------------------- */

static void dummy_close(struct xs_dpif *dpif, bool keep)
{
	struct dpif_dummy *d = dummy(dpif);

	(void)keep; /* nothing outlives the agent */
	if (!d)
		return;
	xs_dummy_table_fini(&d->table);
	for (uint32_t i = 0; i < d->up_n; i++)
		free(d->upcalls[(d->up_head + i) % XS_DUMMY_MAX_UPCALLS]);
	outputs_clear(d);
	if (d->efd >= 0)
		close(d->efd);
	free(d->ports);
	free(d);
}

static int dummy_open(const struct xs_dpif_config *cfg, struct xs_dpif **out, char *why,
		      size_t why_size)
{
	struct dpif_dummy *d;
	int err;

	if (!out)
		return -EINVAL;
	if (cfg && cfg->max_flows > XS_DUMMY_MAX_FLOWS) {
		if (why && why_size)
			snprintf(why, why_size, "max_flows %" PRIu32 " above %u", cfg->max_flows,
				 XS_DUMMY_MAX_FLOWS);
		return -EINVAL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		if (why && why_size)
			snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	d->up.cls = &xs_dpif_dummy;
	xs_dummy_table_init(&d->table, cfg && cfg->max_flows ? cfg->max_flows
							       : XS_DEFAULT_MAX_FLOWS);
	d->miss_rate = cfg ? cfg->miss_rate : 0;
	d->miss_burst = cfg ? cfg->miss_burst : 0;
	d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->efd < 0) {
		err = -errno;
		if (why && why_size)
			snprintf(why, why_size, "eventfd: %s", strerror(errno));
		free(d);
		return err;
	}
	*out = &d->up;
	return 0;
}

const struct xs_dpif_class xs_dpif_dummy = {
	.type = "dummy",
	.outlives_agent = false,
	.open = dummy_open,
	.close = dummy_close,
	.port_add = dummy_port_add,
	.port_del = dummy_port_del,
	.port_flags = dummy_port_flags,
	.port_show = dummy_port_show,
	.port_stats = dummy_port_stats,
	.counters = dummy_counters,
	.ports_refresh = dummy_ports_refresh,
	.ports_sync = dummy_ports_sync,
	.flow_put = dummy_flow_put,
	.flow_modify = dummy_flow_modify,
	.flow_del = dummy_flow_del,
	.flow_get = dummy_flow_get,
	.flow_find = dummy_flow_find,
	.flow_next = dummy_flow_next,
	.flow_stats = dummy_flow_stats,
	.flow_count = dummy_flow_count,
	.max_flows = dummy_max_flows,
	.execute = dummy_execute,
	.recv_fd = dummy_recv_fd,
	.recv = dummy_recv,
	.run = dummy_run,
	.show = dummy_show,
	.receive = dummy_receive,
	.dump_outputs = dummy_dump_outputs,
};
