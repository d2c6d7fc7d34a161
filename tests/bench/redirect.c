// SPDX-License-Identifier: Apache-2.0
/* redirect: attaches the reference program (reference.bpf.c) as a plain XDP
 * port-to-port forwarder, the baseline the switch is compared with. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "reference.skel.h"
#include "tests/bench/cli.h"

#define PROG "redirect"

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " IN:OUT [IN:OUT...]   forward IN's packets out of OUT\n"
"       " PROG " --detach DEV...      remove the XDP program of each DEV\n"
"Attaches one copy of the reference program (native XDP) to every IN;\n"
"it stays attached after " PROG " exits.\n");
}

static int detach(int argc, char **argv)
{
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		int ifindex = bench_ifindex(PROG, "--detach", argv[i]);
		int err = ifindex < 0 ? ifindex
				      : bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);

		if (err && ifindex > 0)
			fprintf(stderr, PROG ": cannot detach from %s: %s\n", argv[i],
				strerror(-err));
		rc |= !!err;
	}
	return rc;
}

/* Parses "IN:OUT" into two ifindexes. Returns 0 or -EINVAL after printing
 * which part is wrong. */
static int parse_pair(const char *arg, __u32 *in, __u32 *out)
{
	char buf[2 * IF_NAMESIZE + 2];
	char *colon;
	int a, b;

	if (strlen(arg) >= sizeof(buf) || !(colon = strchr(arg, ':'))) {
		fprintf(stderr, PROG ": '%s' is not IN:OUT\n", arg);
		return -EINVAL;
	}
	strcpy(buf, arg);
	buf[colon - arg] = '\0';
	a = bench_ifindex(PROG, arg, buf);
	b = a < 0 ? a : bench_ifindex(PROG, arg, buf + (colon - arg) + 1);
	if (b < 0)
		return -EINVAL;
	*in = a;
	*out = b;
	return 0;
}

int main(int argc, char **argv)
{
	struct reference *skel;
	__u32 in[64], out[64];
	int n = argc - 1, err = 0, i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--detach"))
		return detach(argc - 2, argv + 2);
	if (n > 64) {
		fprintf(stderr, PROG ": at most 64 pairs\n");
		return 2;
	}
	for (i = 0; i < n; i++)
		if (parse_pair(argv[i + 1], &in[i], &out[i]))
			return 2;

	skel = reference__open_and_load();
	if (!skel) {
		fprintf(stderr, PROG ": cannot load the reference program: %s\n",
			strerror(errno));
		return 1;
	}
	for (i = 0; i < n && !err; i++) {
		err = bpf_map__update_elem(skel->maps.ref_ports, &in[i], sizeof(in[i]),
					   &out[i], sizeof(out[i]), BPF_ANY);
		if (err)
			fprintf(stderr, PROG ": %s: cannot add to the devmap: %s\n",
				argv[i + 1], strerror(-err));
	}
	for (i = 0; i < n && !err; i++) {
		err = bpf_xdp_attach(in[i], bpf_program__fd(skel->progs.xs_reference),
				     XDP_FLAGS_DRV_MODE, NULL);
		if (err) {
			fprintf(stderr, PROG ": %s: cannot attach: %s\n", argv[i + 1],
				strerror(-err));
			break;
		}
	}
	/* On failure, leave nothing half attached (i is the failed pair). */
	while (err && i-- > 0)
		bpf_xdp_detach(in[i], XDP_FLAGS_DRV_MODE, NULL);
	reference__destroy(skel);
	return err ? 1 : 0;
}
