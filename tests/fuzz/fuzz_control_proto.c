// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the control socket's request decoder: any bytes as a
 * request payload; what decodes must be a sane argv that re-encodes to the
 * same bytes, what does not must say why (aborts otherwise). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent/control/proto.h"

static char *argv[XS_CTL_MAX_ARGS + 1];

static void die(const char *what, int argc, size_t size)
{
	fprintf(stderr, "control request decoder: %s (argc %d, %zu bytes)\n", what, argc, size);
	abort();
}

/* A decoded argv: 1..XS_CTL_MAX_ARGS strings, NULL after the last, each
 * inside the payload and ending at a NUL inside it, one after the other
 * with nothing in between or after; argv[0] not empty. */
static void check_argv(const char *payload, size_t size, int argc)
{
	const char *end = payload + size, *next = payload;

	if (argc < 1 || argc > XS_CTL_MAX_ARGS)
		die("argc out of range", argc, size);
	if (argv[argc])
		die("argv not NULL terminated", argc, size);
	if (!argv[0][0])
		die("empty command name accepted", argc, size);
	for (int i = 0; i < argc; i++) {
		size_t room;

		if (argv[i] != next || argv[i] >= end)
			die("argument not where the previous one ended", argc, size);
		room = (size_t)(end - argv[i]);
		if (strnlen(argv[i], room) == room)
			die("argument without a NUL inside the payload", argc, size);
		next = argv[i] + strlen(argv[i]) + 1;
	}
	if (next != end)
		die("bytes after the last argument", argc, size);
}

/* Encoding the decoded argv again gives a frame whose payload is the input. */
static void check_round_trip(const char *payload, size_t size, int argc)
{
	struct xs_ctl_buf frame;
	uint32_t len;

	xs_ctl_buf_init(&frame);
	if (xs_ctl_encode_request(argc, argv, &frame))
		die("decoded argv does not encode", argc, size);
	if (xs_ctl_parse_header((const unsigned char *)frame.data, XS_CTL_MAX_REQUEST, &len) ||
	    len != size || frame.len != XS_CTL_HDR_LEN + size ||
	    memcmp(frame.data + XS_CTL_HDR_LEN, payload, size))
		die("re-encoded frame differs", argc, size);
	xs_ctl_buf_free(&frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	char *payload;
	uint32_t len;
	int argc;

	if (size > 2 * XS_CTL_MAX_ARGS + 4096)
		return 0;
	/* Exactly size bytes (at least one for malloc), so ASan sees any
	 * read past the payload; no terminator added. */
	payload = malloc(size ? size : 1);
	if (!payload)
		return 0;
	if (size)
		memcpy(payload, data, size);
	memset(argv, 0xa5, sizeof(argv)); /* no NULL left over from a previous input */

	argc = xs_ctl_decode_request(payload, size, argv, &why);
	if (argc < 0) {
		if (argc != -EINVAL || !why || !why[0])
			die("failure without -EINVAL and a reason", argc, size);
	} else {
		check_argv(payload, size, argc);
		check_round_trip(payload, size, argc);
	}

	/* The frame header check on the first 8 bytes: the length is taken
	 * as read and refused above the maximum. */
	if (size >= XS_CTL_HDR_LEN) {
		int err = xs_ctl_parse_header(data, XS_CTL_MAX_REQUEST, &len);

		if (err != 0 && err != -EPROTO && err != -EMSGSIZE)
			die("header check returned an unknown error", err, size);
		if (err == -EMSGSIZE && len <= XS_CTL_MAX_REQUEST)
			die("length within the maximum refused", err, size);
		if (!err && len > XS_CTL_MAX_REQUEST)
			die("length above the maximum accepted", err, size);
	}
	free(payload);
	return 0;
}
