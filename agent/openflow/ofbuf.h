// SPDX-License-Identifier: Apache-2.0
/* A growable byte buffer for building OpenFlow messages. A failed growth
 * sets `failed` and later puts do nothing, so a builder checks once at the
 * end instead of after every field. */
#ifndef XS_OPENFLOW_OFBUF_H
#define XS_OPENFLOW_OFBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ofbuf {
	uint8_t *data;
	size_t len, cap;
	bool failed;
};

void ofbuf_init(struct ofbuf *b);
void ofbuf_free(struct ofbuf *b);
/* n zeroed bytes at the end; returns where they start or NULL (failed). */
uint8_t *ofbuf_put_zeros(struct ofbuf *b, size_t n);
void ofbuf_put(struct ofbuf *b, const void *p, size_t n);
void ofbuf_put8(struct ofbuf *b, uint8_t v);
void ofbuf_put16(struct ofbuf *b, uint16_t v);
void ofbuf_put32(struct ofbuf *b, uint32_t v);
void ofbuf_put64(struct ofbuf *b, uint64_t v);
/* Zeros up to the next multiple of 8 counted from offset start. */
void ofbuf_pad8(struct ofbuf *b, size_t start);
/* Starts a message with an OpenFlow 1.3 header; returns its offset. */
size_t ofbuf_start_msg(struct ofbuf *b, uint8_t type, uint32_t xid);
/* Writes the length of the message started at ofs (its size so far). */
void ofbuf_end_msg(struct ofbuf *b, size_t ofs);
/* Drops the first n bytes. */
void ofbuf_pull(struct ofbuf *b, size_t n);

#endif
