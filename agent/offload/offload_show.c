// SPDX-License-Identifier: Apache-2.0
/* The offload layer's option names and its part of `show` (offload.h). */
#include "agent/offload/offload_int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static const char *const mode_names[] = { "off", "tc", "xdp-hw", "auto" };
static const char *const policy_names[] = { "skip_sw", "skip_hw", "none" };

static int by_name(const char *s, const char *const *names, int n, int *out)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

int xs_hw_offload_parse(const char *s, int *out)
{
	return by_name(s, mode_names, 4, out);
}

int xs_tc_policy_parse(const char *s, int *out)
{
	return by_name(s, policy_names, 3, out);
}

const char *xs_hw_offload_name(int mode)
{
	return mode >= 0 && mode < 4 ? mode_names[mode] : "?";
}

const char *xs_tc_policy_name(int policy)
{
	return policy >= 0 && policy < 3 ? policy_names[policy] : "?";
}

void xs_offload_port_show(struct xs_offload *o, uint32_t ifindex, struct xs_ctl_buf *out,
			  bool json)
{
	struct off_port *p = xs_off_port(o, ifindex);
	uint64_t failed = 0;

	if (!p)
		return;
	for (unsigned i = 0; i < p->n_fails; i++)
		failed += p->fails[i].count;
	failed += p->fails_other;
	if (json) {
		xs_ctl_printf(out, ", \"offload\": {\"driver\": ");
		xs_ctl_json_str(out, p->driver);
		xs_ctl_printf(out, ", \"hw_tc_offload\": \"%s\", \"clsact\": %s, \"tc\": %s, "
			      "\"tc_why\": ", p->tc_feature < 0 ? "unknown" :
			      p->tc_feature ? "on" : "off", p->clsact ? "true" : "false",
			      p->use_tc ? "true" : "false");
		xs_ctl_json_str(out, p->use_tc ? "" : p->tc_why);
		xs_ctl_printf(out, ", \"xdp_hw\": %s, \"xdp_hw_why\": ",
			      p->use_xdp_hw ? "true" : "false");
		xs_ctl_json_str(out, p->use_xdp_hw ? "" : p->xdp_hw_why);
		xs_ctl_printf(out, ", \"offloaded_tc\": %u, \"offloaded_xdp_hw\": %u, "
			      "\"refusals\": %" PRIu64 ", \"refusals_by_reason\": [", p->n_tc,
			      p->n_xdp_hw, failed);
		for (unsigned i = 0; i < p->n_fails; i++) {
			xs_ctl_printf(out, "%s{\"reason\": ", i ? ", " : "");
			xs_ctl_json_str(out, p->fails[i].reason);
			xs_ctl_printf(out, ", \"count\": %" PRIu64 "}", p->fails[i].count);
		}
		xs_ctl_printf(out, "]}");
		return;
	}
	xs_ctl_printf(out, "\n    offload: driver %s, hw-tc-offload %s, clsact %s%s\n"
		      "    offload: tc flower %s%s%s%s\n"
		      "    offload: hardware XDP %s%s%s%s\n"
		      "    offload: offloaded tc %u, xdp-hw %u; refusals %" PRIu64,
		      p->driver, p->tc_feature < 0 ? "unknown" : p->tc_feature ? "on" :
		      p->tc_available ? "off" : "off [fixed]", p->clsact ? "yes" : "no",
		      p->created_clsact ? " (created for offload)" : "",
		      p->use_tc ? "tried" : "not tried", p->use_tc ? "" : " (",
		      p->use_tc ? "" : p->tc_why, p->use_tc ? "" : ")",
		      p->use_xdp_hw ? "attached" : "not used", p->use_xdp_hw ? "" : " (",
		      p->use_xdp_hw ? "" : p->xdp_hw_why, p->use_xdp_hw ? "" : ")", p->n_tc,
		      p->n_xdp_hw, failed);
	for (unsigned i = 0; i < p->n_fails; i++)
		xs_ctl_printf(out, "\n    offload: refused %" PRIu64 "x: %s", p->fails[i].count,
			      p->fails[i].reason);
}

void xs_offload_show(struct xs_offload *o, struct xs_ctl_buf *out, bool json)
{
	if (json) {
		xs_ctl_printf(out, ", \"hw_offload\": \"%s\", \"tc_policy\": \"%s\"",
			      xs_hw_offload_name(o->cfg.mode), xs_tc_policy_name(o->cfg.policy));
		return;
	}
	xs_ctl_printf(out, "hw-offload: %s, tc-policy: %s\n", xs_hw_offload_name(o->cfg.mode),
		      xs_tc_policy_name(o->cfg.policy));
}
