// SPDX-License-Identifier: Apache-2.0
/* Attaching the datapath programs to one interface: the XDP program (through
 * libxdp, else a plain netlink attach) and the TC ingress program (clsact).
 *
 * XDP. A program fd loaded elsewhere (the skeleton) is handed to libxdp with
 * xdp_program__from_fd + xdp_program__attach. libxdp prefers its multi-prog
 * dispatcher; when the dispatcher cannot load (no bpffs, or the 8 MiB
 * RLIMIT_MEMLOCK makes its compatibility check fail) libxdp itself attaches
 * the program alone ("legacy"). If libxdp fails outright, bpf_xdp_attach is
 * used instead. struct xs_xdp_link.how says which of the three happened
 * and libxdp_err why libxdp failed; these functions print nothing (libxdp
 * and libbpf print their own warnings through their print callbacks).
 * Native (driver) mode is tried first, then generic (SKB) mode.
 *
 * Ownership. Before attaching, the interface is inspected. A program whose
 * name equals ours (a previous agent run that did not clean up) is replaced.
 * Any other program, or a libxdp dispatcher running any other program, is
 * foreign: the attach fails with -EBUSY unless force is set, in which case
 * the foreign program is removed first. Replacing detaches before attaching,
 * so traffic takes the normal stack for a moment.
 *
 * TC. A clsact qdisc is created when missing (and then removed again on
 * detach); the program is attached as a direct-action filter at
 * XS_TC_HANDLE/XS_TC_PRIORITY. An existing filter there is foreign: -EBUSY
 * unless force, which replaces it. */
#ifndef XS_DATAPATH_ATTACH_H
#define XS_DATAPATH_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>

struct xdp_program;

#define XS_TC_HANDLE 0x7853   /* "xS": our filter on the clsact ingress hook */
#define XS_TC_PRIORITY 0x7853

enum xs_xdp_mode {
	XS_XDP_MODE_AUTO = 0, /* native, else generic */
	XS_XDP_MODE_NATIVE,
	XS_XDP_MODE_SKB,
};

enum xs_xdp_how {
	XS_XDP_HOW_NONE = 0,       /* not attached */
	XS_XDP_HOW_DISPATCHER,     /* libxdp multi-prog dispatcher */
	XS_XDP_HOW_LIBXDP_LEGACY,  /* libxdp, single program (no dispatcher) */
	XS_XDP_HOW_PLAIN,          /* bpf_xdp_attach, libxdp not used/failed */
};

struct xs_attach_opts {
	enum xs_xdp_mode mode; /* XS_XDP_MODE_AUTO unless a mode is required */
	bool force;            /* remove foreign programs/filters first */
	bool no_libxdp;        /* skip libxdp, use bpf_xdp_attach directly */
};

/* One XDP attachment. Zero it (or use XS_XDP_LINK_INIT) before use. */
struct xs_xdp_link {
	int ifindex;
	enum xs_xdp_mode mode;     /* NATIVE or SKB once attached */
	enum xs_xdp_how how;
	__u32 prog_id;             /* kernel id of the attached program */
	int prog_fd;               /* not owned */
	struct xdp_program *xprog; /* libxdp handle, DISPATCHER only */
	char replaced[16];         /* name of a program removed by force or
	                            * as stale, "" if none */
	int libxdp_err;            /* why libxdp failed when how is PLAIN
	                            * without no_libxdp (for the log), else 0 */
};

/* One TC ingress attachment. */
struct xs_tc_link {
	int ifindex;
	__u32 prog_id;
	bool attached;
	bool created_qdisc; /* we created clsact, so detach removes it */
};

/* Attaches prog_fd (an XDP program) to ifindex. opts may be NULL (auto
 * mode, no force, libxdp first). On success fills *link and returns 0.
 * Errors: -EBUSY foreign program present (without force), -ENODEV no such
 * interface, other -errno from the kernel (the last attempt's). On error
 * the interface is as before, except that with force a foreign program may
 * already have been removed. */
int xs_xdp_attach(int ifindex, int prog_fd, const struct xs_attach_opts *opts,
		  struct xs_xdp_link *link);

/* Detaches what xs_xdp_attach attached; only our own program is removed
 * (if something else replaced it meanwhile, that stays). Idempotent: a link
 * that is not attached returns 0. Returns 0 or -errno. */
int xs_xdp_detach(struct xs_xdp_link *link);

/* Name of the XDP program attached to ifindex (the dispatcher's first
 * component's name for a libxdp dispatcher) into name[16]; *prog_id gets
 * its id (0 and name "" when none). Returns 0 or -errno. */
int xs_xdp_query(int ifindex, __u32 *prog_id, char name[16]);

/* Name of the program behind prog_fd into name[16]. Returns 0 or -errno. */
int xs_prog_name(int prog_fd, char name[16]);

/* Attaches prog_fd (a SCHED_CLS program) on the ingress hook of ifindex.
 * opts->force replaces a filter already at our handle/priority (else
 * -EBUSY). Returns 0 or -errno. */
int xs_tc_attach(int ifindex, int prog_fd, const struct xs_attach_opts *opts,
		 struct xs_tc_link *link);

/* Removes our filter, and the clsact qdisc if xs_tc_attach created it
 * (unless our filter had been replaced: then both stay, they are someone
 * else's). Idempotent. Returns 0 or -errno. */
int xs_tc_detach(struct xs_tc_link *link);

/* Short words for logs and `show`: "native"/"skb"/"auto";
 * "dispatcher"/"libxdp"/"plain"/"none". */
const char *xs_xdp_mode_name(enum xs_xdp_mode mode);
const char *xs_xdp_how_name(enum xs_xdp_how how);

#endif
