// SPDX-License-Identifier: Apache-2.0
/* revalcost: what the revalidator costs with many megaflows, on a datapath
 * provider (the XDP fast path's maps, or the userspace one), as JSON.
 *
 * N rules, each exact on one IPv4 destination, and N megaflows, one per
 * rule, installed through the miss path's own calls (translate, install).
 * Then, each timed with CLOCK_MONOTONIC: a full pass that keeps every
 * megaflow (nothing changed), a counter harvest of every megaflow, and a
 * full pass after one mod-flows changed every rule's actions (every
 * megaflow modified in place). The pass is what every table change costs
 * before its answer, and what the dynamic flow limit watches. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "agent/daemon/revalidator.h"
#include "agent/datapath/dp.h"
#include "agent/dpif/dpif_xdp.h"
#include "agent/ofp/flow.h"
#include "tests/bench/cli.h"

#define PROG "revalcost"
/* The rules' actions (a rewrite, back out of the one port), then another
 * value for the rewrite: the megaflow mask stays, so every megaflow is
 * modified in place. */
#define ACTIONS "mod_dl_src:02:00:00:00:00:08,in_port"
#define MODIFIED_ACTIONS "mod_dl_src:02:00:00:00:00:09,in_port"

static const char usage[] =
	"usage: revalcost [--megaflows N] [--datapath xdp|dummy]\n"
	"  N rules and N megaflows (default 100000); times a full revalidation\n"
	"  pass (all kept), a harvest of every megaflow's counters, and a pass\n"
	"  after every rule's actions changed (all modified). xdp needs root.\n";

static uint32_t dp_port; /* the one port: OpenFlow port 1 */

static uint32_t map_ofport(void *ctx, uint32_t port)
{
	(void)ctx;
	return port == dp_port ? 1 : 0;
}

static uint32_t map_dp_port(void *ctx, uint32_t ofport)
{
	(void)ctx;
	return ofport == 1 ? dp_port : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_dpif(const char *type, uint32_t n, struct xs_dpif **out)
{
	struct xs_dpif_config cfg = { .bridge = "revalcost", .max_flows = n };
	struct xs_dp_opts o = { .max_flows = n };
	char why[256] = "", note[256];
	const char *port = "p1";
	struct xs_dp *dp;
	int err;

	if (!strcmp(type, "dummy")) {
		err = xs_dpif_dummy.open(&cfg, out, why, sizeof(why));
	} else {
		/* the library alone: nothing pinned, no program attached */
		err = xs_dp_open(&o, &dp);
		if (!err)
			err = xs_dpif_xdp_wrap(dp, NULL, false, out);
		port = "lo";
	}
	if (err) {
		fprintf(stderr, "%s: opening the %s datapath: %s %s\n", PROG, type, strerror(-err),
			why);
		return err;
	}
	err = (*out)->cls->port_add(*out, port, 0, &dp_port, note, sizeof(note), why, sizeof(why));
	if (err)
		fprintf(stderr, "%s: adding port %s: %s\n", PROG, port, why);
	return err;
}

/* N rules "ip,nw_dst=10.x.y.z actions=<acts>", added or modified. */
static int rules(struct flow_tables *ft, uint32_t n, const char *acts, bool modify)
{
	struct ofp_flow flow;
	struct xs_err e;
	char text[128];

	for (uint32_t i = 0; i < n; i++) {
		size_t changed;
		int err;

		snprintf(text, sizeof(text), "priority=10,ip,nw_dst=10.%u.%u.%u actions=%s",
			 (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, acts);
		ofp_flow_init(&flow);
		err = ofp_parse_flow(text, modify ? OFP_PARSE_MODIFY : OFP_PARSE_ADD, &flow, &e);
		if (!err)
			err = modify ? ft_modify(ft, &flow, true, &changed) : ft_add(ft, &flow, 0);
		ofp_flow_free(&flow);
		if (err) {
			fprintf(stderr, "%s: rule %u: %s\n", PROG, i, err == -EINVAL ? e.msg :
				strerror(-err));
			return err;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "megaflows", required_argument, NULL, 'n' },
		{ "datapath", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long n = 100000;
	const char *type = "xdp";
	struct xs_reval_counts kept, modified;
	struct flow_tables ft;
	struct xs_port_map map = { map_ofport, map_dp_port, NULL };
	struct xs_dpif *dpif;
	struct xs_reval r;
	double t0, t_install, t_kept, t_harvest, t_mod;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (bench_parse_u64(PROG, "--megaflows", optarg, 1, 1u << 22, &n))
				return 2;
			break;
		case 'd':
			if (strcmp(optarg, "xdp") && strcmp(optarg, "dummy")) {
				fprintf(stderr, "%s: --datapath: 'xdp' or 'dummy', not '%s'\n", PROG,
					optarg);
				return 2;
			}
			type = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", PROG, argv[optind]);
		return 2;
	}
	if (open_dpif(type, (uint32_t)n, &dpif))
		return 1;
	flow_tables_init(&ft);
	if (rules(&ft, (uint32_t)n, ACTIONS, false))
		return 1;
	xs_reval_init(&r, dpif, &ft, &map);
	r.flow_limit = r.flow_limit_max = (uint32_t)n;
	r.version = ft.version; /* nothing adopted: no first full pass due */

	t0 = now_s();
	for (uint32_t i = 0; i < n; i++) {
		struct xs_flow_key key = { .in_port = dp_port, .dl_type = htons(0x0800),
					   .nw_dst = htonl(10u << 24 | i), .nw_proto = 17 };
		struct xs_reval_xlate x;
		struct xs_flow_handle h;
		int err;

		xs_reval_translate(&ft, &map, &key, &x);
		err = xs_reval_install(&r, &key, &x, &h);
		if (err) {
			fprintf(stderr, "%s: installing megaflow %u: %s\n", PROG, i, strerror(-err));
			return 1;
		}
	}
	t_install = now_s() - t0;

	t0 = now_s();
	if (xs_reval_revalidate(&r, 0, &kept))
		return 1;
	t_kept = now_s() - t0;
	t0 = now_s();
	if (xs_reval_harvest(&r, 0))
		return 1;
	t_harvest = now_s() - t0;
	if (rules(&ft, (uint32_t)n, MODIFIED_ACTIONS, true))
		return 1;
	t0 = now_s();
	if (xs_reval_revalidate(&r, 0, &modified))
		return 1;
	t_mod = now_s() - t0;
	if (kept.kept != n || modified.modified != n) {
		fprintf(stderr, "%s: expected %llu kept then %llu modified, got %u kept, then "
			"%u modified and %u removed\n", PROG, n, n, kept.kept, modified.modified,
			modified.removed);
		return 1;
	}
	printf("{\"datapath\": \"%s\", \"megaflows\": %llu, \"install_s\": %.3f, "
	       "\"pass_kept_ms\": %.1f, \"harvest_ms\": %.1f, \"pass_modified_ms\": %.1f, "
	       "\"us_per_megaflow_kept\": %.2f}\n", type, n, t_install, t_kept * 1e3,
	       t_harvest * 1e3, t_mod * 1e3, t_kept * 1e6 / (double)n);
	xs_reval_destroy(&r);
	flow_tables_destroy(&ft);
	dpif->cls->close(dpif, false);
	return 0;
}
