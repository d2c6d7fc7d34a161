// SPDX-License-Identifier: Apache-2.0
/* The fallback of `agent --cleanup`: the bridge's saved ports read (whole,
 * or salvaged from a damaged file), the xdp provider's sweep over them
 * (agent/datapath/sweep.h), then the saved state removed. */
#include "agent/daemon/cleanup.h"
#include "agent/daemon/state_file.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One run of the fallback. */
struct cleanup {
	struct xs_agent *a;
	struct xs_state_port *ports; /* the saved ports (heap) */
	size_t n_ports;
	unsigned removed, failed;
};

bool xs_cleanup_needed(const struct xs_agent *a)
{
	char dir[256];

	return !access(a->state_path, F_OK) || !access(a->persist.journal_path, F_OK) ||
	       (!xs_pin_dir(a->bridge, dir, sizeof(dir)) && !access(dir, F_OK));
}

/* The "port NAME OFPORT [clsact]" lines of a snapshot or journal that do
 * not parse as a whole (their flows may be what is broken). A port the
 * journal detached again is named too: its programs are then looked for
 * where they are not, which costs nothing. */
static void salvage_ports(struct cleanup *w, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char name[IF_NAMESIZE], extra[16] = "";
		struct xs_state_port *p;
		unsigned ofport;

		if (sscanf(line, "port %15s %u %15s", name, &ofport, extra) < 2)
			continue;
		p = realloc(w->ports, (w->n_ports + 1) * sizeof(*p));
		if (!p)
			break;
		w->ports = p;
		p = &w->ports[w->n_ports++];
		snprintf(p->name, sizeof(p->name), "%s", name);
		p->ofport = ofport;
		p->created_qdisc = !strcmp(extra, "clsact");
	}
	fclose(f);
}

/* The saved ports (snapshot and journal), whole or salvaged. */
static void read_ports(struct cleanup *w)
{
	struct xs_journal_scan scan;
	struct flow_tables ft;
	struct xs_state st;
	char why[512] = "";
	int err;

	flow_tables_init(&ft);
	err = xs_state_load(w->a->state_path, w->a->persist.journal_path, ft_modify, 0, &ft, &st,
			    &scan, why, sizeof(why));
	flow_tables_destroy(&ft);
	if (err == -ENOENT)
		return;
	if (err) {
		xs_agent_log(w->a, "state file unreadable (%s); using its port lines", why);
		salvage_ports(w, w->a->state_path);
		salvage_ports(w, w->a->persist.journal_path);
		return;
	}
	w->ports = st.ports;
	w->n_ports = st.n_ports;
	st.ports = NULL;
	st.n_ports = 0;
	xs_state_free(&st);
}

/* Removes a saved-state file (snapshot or journal) and its temporary. */
static void remove_state(struct cleanup *w, const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp); /* a write interrupted by a crash */
	if (!unlink(path)) {
		w->removed++;
		xs_agent_log(w->a, "removed %s", path);
	} else if (errno != ENOENT) {
		w->failed++;
		xs_agent_log(w->a, "could not remove %s: %s", path, strerror(errno));
	}
}

static void log_to_agent(void *ctx, const char *fmt, ...)
{
	struct xs_agent *a = ctx;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xs_agent_log(a, "%s", msg);
}

int xs_cleanup_fallback(struct xs_agent *a)
{
	struct cleanup w = { .a = a };
	struct xs_sweep_port *sp;
	int err;

	read_ports(&w);
	sp = calloc(w.n_ports + 1, sizeof(*sp));
	if (!sp) {
		free(w.ports);
		return -ENOMEM;
	}
	for (size_t i = 0; i < w.n_ports; i++) {
		snprintf(sp[i].name, sizeof(sp[i].name), "%s", w.ports[i].name);
		sp[i].owns_qdisc = w.ports[i].created_qdisc;
	}
	err = xs_sweep_bridge(a->bridge, sp, w.n_ports, log_to_agent, a, &w.removed, &w.failed);
	free(sp);
	free(w.ports);
	if (err)
		return err;
	remove_state(&w, a->state_path);
	remove_state(&w, a->persist.journal_path);
	if (w.failed) {
		xs_agent_log(a, "cleanup incomplete: removed %u, could not remove %u", w.removed,
			     w.failed);
		return -EBUSY;
	}
	xs_agent_log(a, "cleaned up without adopting: removed %u", w.removed);
	return 0;
}
