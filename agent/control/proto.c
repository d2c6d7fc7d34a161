// SPDX-License-Identifier: Apache-2.0
/* Control protocol framing and encoding (see proto.h for the wire format),
 * plus the socket and lock paths of a bridge. */
#include "agent/control/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

void xs_ctl_buf_init(struct xs_ctl_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void xs_ctl_buf_free(struct xs_ctl_buf *b)
{
	free(b->data);
	xs_ctl_buf_init(b);
}

static int reserve(struct xs_ctl_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	if (extra > SIZE_MAX / 2 - b->len)
		goto oom;
	need = b->len + extra + 1; /* keep room for a NUL terminator */
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		goto oom;
	b->data = p;
	b->cap = cap;
	return 0;
oom:
	b->oom = 1;
	return -ENOMEM;
}

int xs_ctl_append(struct xs_ctl_buf *b, const void *data, size_t len)
{
	if (reserve(b, len))
		return -ENOMEM;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int xs_ctl_vprintf(struct xs_ctl_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	if (reserve(b, (size_t)n))
		return -ENOMEM;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int xs_ctl_printf(struct xs_ctl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = xs_ctl_vprintf(b, fmt, ap);
	va_end(ap);
	return err;
}

int xs_ctl_json_str(struct xs_ctl_buf *b, const char *s)
{
	xs_ctl_printf(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			xs_ctl_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			xs_ctl_printf(b, "\\u%04x", (unsigned char)*s);
		else
			xs_ctl_append(b, s, 1);
	}
	return xs_ctl_printf(b, "\"");
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int xs_ctl_parse_header(const unsigned char hdr[XS_CTL_HDR_LEN], uint32_t max, uint32_t *len)
{
	if (get_be32(hdr) != XS_CTL_MAGIC)
		return -EPROTO;
	*len = get_be32(hdr + 4);
	return *len > max ? -EMSGSIZE : 0;
}

/* Resets frame to a header with a zero length; the caller appends the
 * payload and then calls set_len. */
static int start_frame(struct xs_ctl_buf *frame)
{
	unsigned char hdr[XS_CTL_HDR_LEN];

	put_be32(hdr, XS_CTL_MAGIC);
	put_be32(hdr + 4, 0);
	frame->len = 0;
	frame->oom = 0;
	return xs_ctl_append(frame, hdr, sizeof(hdr));
}

static void set_len(struct xs_ctl_buf *frame)
{
	put_be32((unsigned char *)frame->data + 4, (uint32_t)(frame->len - XS_CTL_HDR_LEN));
}

int xs_ctl_encode_request(int argc, char *const argv[], struct xs_ctl_buf *frame)
{
	size_t total = 0;

	if (argc < 1 || argc > XS_CTL_MAX_ARGS)
		return -EINVAL;
	for (int i = 0; i < argc; i++) {
		if (!argv[i])
			return -EINVAL;
		total += strlen(argv[i]) + 1;
		if (total > XS_CTL_MAX_REQUEST)
			return -EMSGSIZE;
	}
	if (start_frame(frame))
		return -ENOMEM;
	for (int i = 0; i < argc; i++)
		xs_ctl_append(frame, argv[i], strlen(argv[i]) + 1);
	if (frame->oom)
		return -ENOMEM;
	set_len(frame);
	return 0;
}

int xs_ctl_decode_request(char *payload, size_t len, char **argv, const char **why)
{
	int argc = 0;
	size_t start = 0;

	if (len == 0) {
		*why = "empty request";
		return -EINVAL;
	}
	if (payload[len - 1] != '\0') {
		*why = "request does not end with NUL";
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (payload[i] != '\0')
			continue;
		if (argc == XS_CTL_MAX_ARGS) {
			*why = "too many arguments";
			return -EINVAL;
		}
		argv[argc++] = payload + start;
		start = i + 1;
	}
	if (argv[0][0] == '\0') {
		*why = "empty command name";
		return -EINVAL;
	}
	argv[argc] = NULL;
	return argc;
}

int xs_ctl_encode_response(int status, const char *text, size_t len, struct xs_ctl_buf *frame)
{
	static const char cut[] = "\n(output truncated)\n";
	unsigned char st[4];

	if (start_frame(frame))
		return -ENOMEM;
	put_be32(st, (uint32_t)status);
	xs_ctl_append(frame, st, sizeof(st));
	if (len > XS_CTL_MAX_RESPONSE - 4) {
		xs_ctl_append(frame, text, XS_CTL_MAX_RESPONSE - 4 - (sizeof(cut) - 1));
		xs_ctl_append(frame, cut, sizeof(cut) - 1);
	} else {
		xs_ctl_append(frame, text, len);
	}
	if (frame->oom)
		return -ENOMEM;
	set_len(frame);
	return 0;
}

int xs_ctl_decode_response(const char *payload, size_t len, int *status,
			   const char **text, size_t *text_len)
{
	if (len < 4)
		return -EPROTO;
	*status = (int32_t)get_be32((const unsigned char *)payload);
	*text = payload + 4;
	*text_len = len - 4;
	return 0;
}

/* Reads exactly n bytes. Returns bytes read before EOF, or -errno. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int xs_ctl_read_frame(int fd, uint32_t max, struct xs_ctl_buf *payload)
{
	unsigned char hdr[XS_CTL_HDR_LEN];
	uint32_t len;
	ssize_t r;
	int err;

	payload->len = 0;
	payload->oom = 0;
	r = read_full(fd, hdr, sizeof(hdr));
	if (r < 0)
		return (int)r;
	if (r == 0)
		return -ENODATA;
	if ((size_t)r < sizeof(hdr))
		return -ECONNRESET;
	err = xs_ctl_parse_header(hdr, max, &len);
	if (err)
		return err;
	if (reserve(payload, len))
		return -ENOMEM;
	r = read_full(fd, payload->data, len);
	if (r < 0)
		return (int)r;
	if ((size_t)r < len)
		return -ECONNRESET;
	payload->len = len;
	payload->data[len] = '\0';
	return 0;
}

int xs_ctl_write_all(int fd, const void *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = send(fd, (const char *)data + done, len - done, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		done += (size_t)w;
	}
	return 0;
}

int xs_ctl_check_bridge(const char *bridge)
{
	size_t n = bridge ? strlen(bridge) : 0;

	if (n == 0 || n > XS_CTL_BRIDGE_MAX || bridge[0] == '.' || bridge[0] == '-')
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = bridge[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return -EINVAL;
	}
	return 0;
}

const char *xs_ctl_run_dir(void)
{
	const char *d = getenv("XS_RUN_DIR");

	return d && *d ? d : XS_CTL_RUN_DIR;
}

int xs_ctl_path(const char *bridge, const char *suffix, char *buf, size_t size)
{
	int n;

	if (xs_ctl_check_bridge(bridge))
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s%s", xs_ctl_run_dir(), bridge, suffix);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
