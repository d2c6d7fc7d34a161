// SPDX-License-Identifier: Apache-2.0
/* Tests of agent/datapath/attach.c on a veth pair it creates: libxdp and
 * plain XDP attach, modes, foreign-program refusal and --force, TC ingress. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/datapath/attach.h"
#include "xdp_pass.skel.h"

static char veth_a[IF_NAMESIZE], veth_b[IF_NAMESIZE];

struct fixture {
	struct xdp_pass *skel;
	int ifindex;
	int ours, foreign, tc_ours, tc_foreign; /* program fds */
	__u32 ours_id, foreign_id, tc_ours_id, tc_foreign_id;
};

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int setup(void **state)
{
	static struct fixture f;

	if (geteuid() != 0) {
		*state = NULL;
		return 0;
	}
	xs_test_mount_bpffs();
	snprintf(veth_a, sizeof(veth_a), "xse-at%d", getpid() % 100000);
	snprintf(veth_b, sizeof(veth_b), "xse-bt%d", getpid() % 100000);
	sh("ip link del %s 2>/dev/null", veth_a);
	if (sh("ip link add %s type veth peer name %s && ip link set %s up && ip link set %s up",
	       veth_a, veth_b, veth_a, veth_b))
		return -1;
	memset(&f, 0, sizeof(f));
	f.ifindex = if_nametoindex(veth_a);
	f.skel = xdp_pass__open_and_load();
	if (!f.skel)
		return -1;
	f.ours = bpf_program__fd(f.skel->progs.xs_test_pass);
	f.foreign = bpf_program__fd(f.skel->progs.xs_test_foreign);
	f.tc_ours = bpf_program__fd(f.skel->progs.xs_test_tc_pass);
	f.tc_foreign = bpf_program__fd(f.skel->progs.xs_test_tc_foreign);
	f.ours_id = prog_id(f.ours);
	f.foreign_id = prog_id(f.foreign);
	f.tc_ours_id = prog_id(f.tc_ours);
	f.tc_foreign_id = prog_id(f.tc_foreign);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	sh("ip link del %s 2>/dev/null", veth_a);
	sh("ip link del xse-dm%d 2>/dev/null", getpid() % 100000);
	xdp_pass__destroy(f->skel);
	return 0;
}

static int open_fds(void)
{
	char path[64];
	int n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static struct fixture *get(void **state)
{
	xs_test_require_bpf();
	assert_non_null(*state);
	return *state;
}

/* Id of the XDP program on the interface, 0 if none. */
static __u32 attached_id(int ifindex, __u8 *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	assert_int_equal(bpf_xdp_query(ifindex, 0, &q), 0);
	if (mode)
		*mode = q.attach_mode;
	return q.prog_id;
}

static void test_libxdp_native(void **state)
{
	struct fixture *f = get(state);
	struct xs_xdp_link link;
	char name[16];
	__u32 id;
	__u8 mode;
	int fds = open_fds();

	assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, NULL, &link), 0);
	/* This machine's RLIMIT_MEMLOCK keeps the dispatcher from loading, so
	 * libxdp attaches the program alone; both are libxdp paths. */
	assert_true(link.how == XS_XDP_HOW_LIBXDP_LEGACY || link.how == XS_XDP_HOW_DISPATCHER);
	assert_true((link.xprog != NULL) == (link.how == XS_XDP_HOW_DISPATCHER));
	assert_int_equal(link.mode, XS_XDP_MODE_NATIVE);
	assert_int_equal(link.prog_id, f->ours_id);
	assert_string_equal(link.replaced, "");
	assert_int_equal(link.libxdp_err, 0);
	assert_int_equal(xs_xdp_query(f->ifindex, &id, name), 0);
	assert_string_equal(name, "xs_test_pass");
	if (link.how == XS_XDP_HOW_LIBXDP_LEGACY)
		assert_int_equal(id, f->ours_id);
	assert_int_not_equal(attached_id(f->ifindex, &mode), 0);
	assert_int_equal(mode, XDP_ATTACHED_DRV);

	assert_int_equal(xs_xdp_detach(&link), 0);
	assert_int_equal(link.how, XS_XDP_HOW_NONE);
	assert_int_equal(attached_id(f->ifindex, NULL), 0);
	assert_int_equal(xs_xdp_detach(&link), 0); /* idempotent */
	/* the caller's fd is still ours after libxdp closed its copy */
	assert_int_equal(prog_id(f->ours), f->ours_id);
	assert_int_equal(open_fds(), fds); /* no descriptor leaked */
}

static void test_plain_fallback(void **state)
{
	struct fixture *f = get(state);
	struct xs_attach_opts o = { .no_libxdp = true };
	struct xs_xdp_link link;
	__u8 mode;

	assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, &o, &link), 0);
	assert_int_equal(link.how, XS_XDP_HOW_PLAIN);
	assert_int_equal(link.libxdp_err, 0); /* not tried */
	assert_null(link.xprog);
	assert_int_equal(link.mode, XS_XDP_MODE_NATIVE);
	assert_int_equal(attached_id(f->ifindex, &mode), f->ours_id);
	assert_int_equal(mode, XDP_ATTACHED_DRV);
	assert_int_equal(xs_xdp_detach(&link), 0);
	assert_int_equal(attached_id(f->ifindex, NULL), 0);
}

static void test_skb_mode(void **state)
{
	struct fixture *f = get(state);
	struct xs_attach_opts o = { .mode = XS_XDP_MODE_SKB };
	struct xs_xdp_link link;
	__u8 mode;

	assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, &o, &link), 0);
	assert_int_equal(link.mode, XS_XDP_MODE_SKB);
	assert_int_not_equal(attached_id(f->ifindex, &mode), 0);
	assert_int_equal(mode, XDP_ATTACHED_SKB);
	assert_int_equal(xs_xdp_detach(&link), 0);
	assert_int_equal(attached_id(f->ifindex, NULL), 0);

	o.no_libxdp = true;
	assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, &o, &link), 0);
	assert_int_equal(link.how, XS_XDP_HOW_PLAIN);
	assert_int_equal(attached_id(f->ifindex, &mode), f->ours_id);
	assert_int_equal(mode, XDP_ATTACHED_SKB);
	assert_int_equal(xs_xdp_detach(&link), 0);
	assert_int_equal(attached_id(f->ifindex, NULL), 0);
}

static void test_foreign_refused_then_forced(void **state)
{
	struct fixture *f = get(state);
	struct xs_attach_opts o = { 0 };
	struct xs_xdp_link link;

	for (int plain = 0; plain < 2; plain++) {
		o.no_libxdp = plain;
		o.force = false;
		assert_int_equal(bpf_xdp_attach(f->ifindex, f->foreign, XDP_FLAGS_SKB_MODE, NULL), 0);
		assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, &o, &link), -EBUSY);
		assert_int_equal(attached_id(f->ifindex, NULL), f->foreign_id);

		o.force = true;
		assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, &o, &link), 0);
		assert_string_equal(link.replaced, "xs_test_foreign");
		assert_int_equal(link.mode, XS_XDP_MODE_NATIVE);
		assert_int_equal(xs_xdp_detach(&link), 0);
		assert_int_equal(attached_id(f->ifindex, NULL), 0);
	}
}

static void test_stale_own_program_replaced(void **state)
{
	struct fixture *f = get(state);
	struct xs_xdp_link link;

	/* a previous run left our program attached */
	assert_int_equal(bpf_xdp_attach(f->ifindex, f->ours, XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, NULL, &link), 0);
	assert_string_equal(link.replaced, "xs_test_pass");
	assert_int_equal(xs_xdp_detach(&link), 0);
	assert_int_equal(attached_id(f->ifindex, NULL), 0);
}

static void test_detach_leaves_replacement(void **state)
{
	struct fixture *f = get(state);
	struct xs_attach_opts o = { .no_libxdp = true };
	struct xs_xdp_link link;

	assert_int_equal(xs_xdp_attach(f->ifindex, f->ours, &o, &link), 0);
	/* somebody replaces our program behind our back */
	assert_int_equal(bpf_xdp_attach(f->ifindex, f->foreign, XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(xs_xdp_detach(&link), 0);
	assert_int_equal(attached_id(f->ifindex, NULL), f->foreign_id);
	assert_int_equal(bpf_xdp_detach(f->ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);
}

static void test_no_such_interface(void **state)
{
	struct fixture *f = get(state);
	struct xs_attach_opts o = { .no_libxdp = true };
	struct xs_xdp_link link;
	struct xs_tc_link tc;

	assert_int_equal(xs_xdp_attach(0x7ffffff0, f->ours, &o, &link), -ENODEV);
	assert_int_equal(xs_tc_attach(0x7ffffff0, f->tc_ours, NULL, &tc), -ENODEV);
	assert_int_equal(xs_xdp_attach(f->ifindex, -1, &o, &link), -EBADF);
}

static bool has_clsact(void)
{
	return sh("tc qdisc show dev %s | grep -q clsact", veth_a) == 0;
}

static __u32 tc_filter_id(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY);

	return bpf_tc_query(&hook, &q) ? 0 : q.prog_id;
}

static void test_tc_attach_detach(void **state)
{
	struct fixture *f = get(state);
	struct xs_tc_link tc;

	assert_false(has_clsact());
	assert_int_equal(xs_tc_attach(f->ifindex, f->tc_ours, NULL, &tc), 0);
	assert_true(tc.created_qdisc);
	assert_int_equal(tc.prog_id, f->tc_ours_id);
	assert_int_equal(tc_filter_id(f->ifindex), f->tc_ours_id);
	assert_true(has_clsact());
	assert_int_equal(xs_tc_detach(&tc), 0);
	assert_false(has_clsact());
	assert_int_equal(xs_tc_detach(&tc), 0); /* idempotent */
}

static void test_tc_foreign_and_existing_qdisc(void **state)
{
	struct fixture *f = get(state);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = f->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, fo, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY,
		    .prog_fd = f->tc_foreign);
	struct xs_attach_opts force = { .force = true };
	struct xs_tc_link tc;

	assert_int_equal(bpf_tc_hook_create(&hook), 0);
	assert_int_equal(bpf_tc_attach(&hook, &fo), 0);
	assert_int_equal(xs_tc_attach(f->ifindex, f->tc_ours, NULL, &tc), -EBUSY);
	assert_int_equal(tc_filter_id(f->ifindex), f->tc_foreign_id);
	assert_int_equal(xs_tc_attach(f->ifindex, f->tc_ours, &force, &tc), 0);
	assert_false(tc.created_qdisc);
	assert_int_equal(tc_filter_id(f->ifindex), f->tc_ours_id);
	assert_int_equal(xs_tc_detach(&tc), 0);
	assert_int_equal(tc_filter_id(f->ifindex), 0);
	assert_true(has_clsact()); /* not ours to remove */
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	assert_int_equal(bpf_tc_hook_destroy(&hook), 0);
}

static void test_tc_detach_leaves_replacement(void **state)
{
	struct fixture *f = get(state);
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = f->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, fo, .handle = XS_TC_HANDLE, .priority = XS_TC_PRIORITY,
		    .prog_fd = f->tc_foreign, .flags = BPF_TC_F_REPLACE);
	struct xs_tc_link tc;

	assert_int_equal(xs_tc_attach(f->ifindex, f->tc_ours, NULL, &tc), 0);
	assert_true(tc.created_qdisc);
	assert_int_equal(bpf_tc_attach(&hook, &fo), 0); /* somebody takes over */
	assert_int_equal(xs_tc_detach(&tc), 0);
	assert_int_equal(tc_filter_id(f->ifindex), f->tc_foreign_id);
	assert_true(has_clsact());
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	assert_int_equal(bpf_tc_hook_destroy(&hook), 0);
	assert_false(has_clsact());
}

/* An ifb device has no native XDP: auto mode falls back to generic. */
static void test_auto_falls_back_to_skb(void **state)
{
	struct fixture *f = get(state);
	struct xs_attach_opts plain = { .no_libxdp = true };
	struct xs_attach_opts native = { .mode = XS_XDP_MODE_NATIVE };
	struct xs_xdp_link link;
	char ifb_dev[IF_NAMESIZE];
	int ifindex;
	__u8 mode;

	snprintf(ifb_dev, sizeof(ifb_dev), "xse-dm%d", getpid() % 100000);
	assert_int_equal(sh("ip link add %s type ifb", ifb_dev), 0);
	ifindex = (int)if_nametoindex(ifb_dev);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(xs_xdp_attach(ifindex, f->ours, i ? &plain : NULL, &link), 0);
		assert_int_equal(link.mode, XS_XDP_MODE_SKB);
		assert_int_equal(link.how, i ? XS_XDP_HOW_PLAIN : XS_XDP_HOW_LIBXDP_LEGACY);
		assert_int_equal(attached_id(ifindex, &mode), f->ours_id);
		assert_int_equal(mode, XDP_ATTACHED_SKB);
		assert_int_equal(xs_xdp_detach(&link), 0);
		assert_int_equal(attached_id(ifindex, NULL), 0);
	}
	/* native required: refused, nothing attached */
	assert_int_not_equal(xs_xdp_attach(ifindex, f->ours, &native, &link), 0);
	assert_int_equal(attached_id(ifindex, NULL), 0);
	sh("ip link del %s", ifb_dev);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(xs_xdp_mode_name(XS_XDP_MODE_NATIVE), "native");
	assert_string_equal(xs_xdp_mode_name(XS_XDP_MODE_SKB), "skb");
	assert_string_equal(xs_xdp_how_name(XS_XDP_HOW_PLAIN), "plain");
	assert_string_equal(xs_xdp_how_name(XS_XDP_HOW_LIBXDP_LEGACY), "libxdp");
	assert_string_equal(xs_xdp_how_name(XS_XDP_HOW_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_libxdp_native),
		cmocka_unit_test(test_plain_fallback),
		cmocka_unit_test(test_skb_mode),
		cmocka_unit_test(test_foreign_refused_then_forced),
		cmocka_unit_test(test_stale_own_program_replaced),
		cmocka_unit_test(test_detach_leaves_replacement),
		cmocka_unit_test(test_no_such_interface),
		cmocka_unit_test(test_tc_attach_detach),
		cmocka_unit_test(test_tc_foreign_and_existing_qdisc),
		cmocka_unit_test(test_tc_detach_leaves_replacement),
		cmocka_unit_test(test_auto_falls_back_to_skb),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
