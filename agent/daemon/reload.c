// SPDX-License-Identifier: Apache-2.0
/* SIGHUP: the bridge's flow file read again and swapped in whole, as
 * `systemctl reload xdpswitch@BRIDGE` asks after the file was edited. */
#include "agent/daemon/agent.h"
#include "agent/daemon/sd_notify.h"

void xs_agent_reload(struct xs_agent *a)
{
	char why[1024];

	if (!a->opts.flows_file) {
		xs_agent_log(a, "SIGHUP: no flow file (--flows) to reload; nothing changed");
		return;
	}
	xs_agent_log(a, "SIGHUP: reloading %s", a->opts.flows_file);
	xs_sd_notify_reloading();
	/* Parses the whole file before it touches the tables (flow_cmds.c):
	 * an error leaves the running flows as they were. */
	if (xs_agent_flows_load(a, a->opts.flows_file, why, sizeof(why)))
		xs_agent_log(a, "SIGHUP: %s; nothing changed, the previous flows stay", why);
	xs_sd_notify("READY=1");
}
