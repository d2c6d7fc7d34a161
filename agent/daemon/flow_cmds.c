/* OpenFlow commands of the agent. Until the pipeline (agent/pipeline) and
 * the datapath (agent/datapath/dp.h) are wired in, each says so and fails. */
#include "agent/daemon/flow_cmds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int not_wired(struct xs_ctl_buf *out, const char *cmd)
{
	xs_ctl_printf(out, "%s: the OpenFlow pipeline is not wired into the agent yet\n", cmd);
	return 1;
}

int xs_agent_flows_load(struct xs_agent *a, const char *path, char *why, size_t why_size)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		int err = -errno;

		snprintf(why, why_size, "cannot read flow file %s: %s", path, strerror(errno));
		return err;
	}
	fclose(f);
	xs_agent_log(a, "flow file %s not loaded: the pipeline is not wired in yet", path);
	return 0;
}

int xs_agent_cmd_add_flow(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_add_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_del_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_replace_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_dump_flows(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_dump_megaflows(struct xs_agent *a, int argc, char **argv,
				struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	return not_wired(out, argv[0]);
}

int xs_agent_cmd_trace_live(struct xs_agent *a, int argc, char **argv, struct xs_ctl_buf *out)
{
	(void)a;
	(void)argc;
	return not_wired(out, argv[0]);
}
