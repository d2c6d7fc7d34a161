// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the fast-path packet parser (bpf/parse.h through
 * xs_flow_parse()) and the datapath key formatter, on arbitrary frames. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/dp_format.h"
#include "common/flow_parse.h"

/* Aborts with the fuzzer's crash report unless cond holds. */
#define CHECK(cond)                      \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

/* What every parse must satisfy, whatever the bytes. */
static void check_info(const struct xs_flow_key *key,
		       const struct xs_parse_info *info, size_t len, int ret)
{
	CHECK(ret == XS_PARSE_OK || ret == XS_PARSE_PARTIAL);
	CHECK(key->in_port == 7 && key->nd_pad == 0);
	CHECK(info->n_vlan <= XS_MAX_VLAN && info->len == (len > 0xffff ? 0xffff : len));
	CHECK((info->l3_off != 0) == (info->l3 != XS_L3_NONE));
	CHECK(info->l3_off == 0 || (info->l3_off >= 14 && info->l3_off < len));
	CHECK(info->nw_end <= len);
	CHECK((info->nw_end != 0) ==
	      (info->l3 == XS_L3_IPV4 || info->l3 == XS_L3_IPV6));
	if (info->l4_off) {
		CHECK(info->l3 == XS_L3_IPV4 || info->l3 == XS_L3_IPV6);
		CHECK(info->l4_off > info->l3_off);
		CHECK(info->l4_off + 8u <= info->nw_end);
		CHECK(info->l4_proto == key->nw_proto);
		CHECK(!(key->nw_frag & XS_FRAG_LATER));
	} else {
		CHECK(info->l4_proto == 0);
		CHECK(key->tp_src == 0 && key->tp_dst == 0);
	}
	CHECK(!(info->flags & XS_PI_FRAG_FIRST) || key->nw_frag == XS_FRAG_ANY);
	CHECK(!(key->tcp_flags & ~bpf_htons(0x0fff)));
	if (len < 14) {
		struct xs_flow_key empty;

		memset(&empty, 0, sizeof(empty));
		empty.in_port = 7;
		CHECK(!memcmp(key, &empty, sizeof(empty)));
		CHECK(ret == XS_PARSE_PARTIAL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_flow_key key, again;
	struct xs_parse_info info, info2;
	static char text[2048];
	int ret;

	ret = xs_flow_parse(data, size, 7, &key, &info);
	if (size > XS_FLOW_PARSE_MAX_LEN) {
		CHECK(ret == -EMSGSIZE);
		return 0;
	}
	check_info(&key, &info, size, ret);

	/* Deterministic, and a prefix of the frame never reads further. */
	CHECK(xs_flow_parse(data, size, 7, &again, &info2) == ret);
	CHECK(!memcmp(&key, &again, sizeof(key)));
	CHECK(!memcmp(&info, &info2, sizeof(info)));
	if (info.nw_end && info.nw_end < size) {
		/* Cutting the L2 padding changes nothing below it. */
		CHECK(xs_flow_parse(data, info.nw_end, 7, &again, &info2) == ret);
		CHECK(!memcmp(&key, &again, sizeof(key)));
	}

	/* Any key formats, exactly and under itself as a mask. */
	CHECK(xs_dp_format_key(text, sizeof(text), &key, NULL, NULL) == 0);
	CHECK(xs_dp_format_key(text, sizeof(text), &key, &key, NULL) == 0);
	return 0;
}
