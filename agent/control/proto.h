// SPDX-License-Identifier: Apache-2.0
/* The control protocol between `xdpswitch COMMAND` and the agent: framing,
 * request/response encoding, socket paths. Pure except the fd helpers.
 *
 * A Unix stream connection carries requests and their responses, one
 * response per request, in request order; a client may send several
 * requests before reading (server.h: they are then served as one batch).
 * The CLI sends one request per connection. Every message is a frame: an 8-byte header (magic "XSC1" and the payload
 * length, both 32-bit big endian) and the payload.
 *   request payload:  argv strings, each terminated by NUL ("show\0"); at
 *                     least one, at most XS_CTL_MAX_ARGS, nothing after the
 *                     last NUL. argv[0] names the command.
 *   response payload: exit status (32-bit big endian: 0 ok, 1 failed,
 *                     2 usage) followed by the output text (no NUL).
 * A malformed request gets a response with status 2 and a message saying
 * what was wrong and changes nothing; after one that breaks the framing
 * (wrong magic, too large, truncated) the agent closes the connection and
 * carries on. */
#ifndef XS_CONTROL_PROTO_H
#define XS_CONTROL_PROTO_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define XS_CTL_MAGIC 0x58534331u         /* "XSC1" */
#define XS_CTL_HDR_LEN 8
#define XS_CTL_MAX_REQUEST (16u << 20)   /* payload bytes (flow files) */
#define XS_CTL_MAX_RESPONSE (64u << 20)  /* payload bytes (dump-flows) */
#define XS_CTL_MAX_ARGS 4096
#define XS_CTL_RUN_DIR "/run/xdpswitch"  /* $XS_RUN_DIR overrides (tests) */
#define XS_CTL_DEFAULT_BRIDGE "xs0"
#define XS_CTL_BRIDGE_MAX 15             /* like an interface name */

/* Growable byte buffer for frames and command output. After an allocation
 * failure `oom` is set and further appends are dropped. */
struct xs_ctl_buf {
	char *data;
	size_t len;
	size_t cap;
	int oom;
};

void xs_ctl_buf_init(struct xs_ctl_buf *b);
void xs_ctl_buf_free(struct xs_ctl_buf *b);
/* Append bytes / formatted text. Return 0 or -ENOMEM. */
int xs_ctl_append(struct xs_ctl_buf *b, const void *data, size_t len);
int xs_ctl_printf(struct xs_ctl_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int xs_ctl_vprintf(struct xs_ctl_buf *b, const char *fmt, va_list ap);
/* Appends @s as a JSON string literal (quoted, escaped). 0 or -ENOMEM. */
int xs_ctl_json_str(struct xs_ctl_buf *b, const char *s);

/* Checks a frame header; *len gets the payload length. Returns 0, -EPROTO
 * (wrong magic) or -EMSGSIZE (length above max). */
int xs_ctl_parse_header(const unsigned char hdr[XS_CTL_HDR_LEN], uint32_t max, uint32_t *len);

/* Builds a request frame (header + payload) from argv into frame (reset
 * first). Returns 0, -EINVAL (argc < 1 or > XS_CTL_MAX_ARGS, NULL
 * argument), -EMSGSIZE (larger than XS_CTL_MAX_REQUEST) or -ENOMEM. */
int xs_ctl_encode_request(int argc, char *const argv[], struct xs_ctl_buf *frame);

/* Splits a request payload into argv (pointers into payload, which must
 * outlive them; argv has room for XS_CTL_MAX_ARGS + 1 entries and is NULL
 * terminated). Returns argc, or -EINVAL with *why naming the problem. */
int xs_ctl_decode_request(char *payload, size_t len, char **argv, const char **why);

/* Builds a response frame from a status and output text. Output beyond
 * XS_CTL_MAX_RESPONSE is cut and a "(output truncated)" line added.
 * Returns 0 or -ENOMEM. */
int xs_ctl_encode_response(int status, const char *text, size_t len, struct xs_ctl_buf *frame);

/* Reads a response payload: status and the text after it (pointer into
 * payload). Returns 0 or -EPROTO (shorter than the status). */
int xs_ctl_decode_response(const char *payload, size_t len, int *status,
			   const char **text, size_t *text_len);

/* Reads one frame from fd into payload (reset first). Returns 0, -ENODATA
 * (peer closed before any byte), -ECONNRESET (closed mid-frame), -EPROTO,
 * -EMSGSIZE, -EAGAIN (read timeout) or another -errno. */
int xs_ctl_read_frame(int fd, uint32_t max, struct xs_ctl_buf *payload);

/* Writes all of data (no SIGPIPE). Returns 0 or -errno. */
int xs_ctl_write_all(int fd, const void *data, size_t len);

/* Checks a bridge name: 1..XS_CTL_BRIDGE_MAX of [A-Za-z0-9_.-], not
 * starting with '.' or '-'. Returns 0 or -EINVAL. */
int xs_ctl_check_bridge(const char *bridge);

/* "<run dir>/<bridge><suffix>" into buf, e.g. suffix ".sock" or ".lock".
 * Returns 0, -EINVAL (bad bridge name) or -ENAMETOOLONG. */
int xs_ctl_path(const char *bridge, const char *suffix, char *buf, size_t size);

/* The run directory ($XS_RUN_DIR or XS_CTL_RUN_DIR). */
const char *xs_ctl_run_dir(void);

#endif
