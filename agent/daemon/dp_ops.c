/* Datapaths the agent can run without the real fast path: none (ports are
 * tracked, nothing attached) and a BPF object file (development, tests). */
#include "agent/daemon/agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

const struct xs_agent_dp_ops xs_agent_dp_none = {
	.name = "none",
};

/* Loads a->opts.dp_object and takes its first XDP and first SCHED_CLS
 * program as the ones to attach. */
static int object_open(struct xs_agent *a, char *why, size_t why_size)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err;

	obj = bpf_object__open_file(a->opts.dp_object, NULL);
	err = libbpf_get_error(obj);
	if (err) {
		snprintf(why, why_size, "cannot open %s: %s", a->opts.dp_object, strerror(-err));
		return err;
	}
	err = bpf_object__load(obj);
	if (err) {
		snprintf(why, why_size, "cannot load %s: %s", a->opts.dp_object, strerror(-err));
		bpf_object__close(obj);
		return err;
	}
	bpf_object__for_each_program(prog, obj) {
		enum bpf_prog_type t = bpf_program__type(prog);

		if (t == BPF_PROG_TYPE_XDP && a->xdp_prog_fd < 0)
			a->xdp_prog_fd = bpf_program__fd(prog);
		if (t == BPF_PROG_TYPE_SCHED_CLS && a->tc_prog_fd < 0)
			a->tc_prog_fd = bpf_program__fd(prog);
	}
	if (a->xdp_prog_fd < 0) {
		snprintf(why, why_size, "%s has no XDP program", a->opts.dp_object);
		bpf_object__close(obj);
		return -ENOENT;
	}
	a->dp = obj;
	return 0;
}

static void object_close(struct xs_agent *a)
{
	bpf_object__close(a->dp);
	a->dp = NULL;
	a->xdp_prog_fd = a->tc_prog_fd = -1;
}

const struct xs_agent_dp_ops xs_agent_dp_object = {
	.name = "object",
	.open = object_open,
	.close = object_close,
};
