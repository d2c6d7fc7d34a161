// SPDX-License-Identifier: Apache-2.0
/* Growable message buffer (ofbuf.h). */
#include "agent/openflow/ofbuf.h"

#include <stdlib.h>
#include <string.h>

#include "agent/openflow/of13.h"

void ofbuf_init(struct ofbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void ofbuf_free(struct ofbuf *b)
{
	free(b->data);
	ofbuf_init(b);
}

uint8_t *ofbuf_put_zeros(struct ofbuf *b, size_t n)
{
	uint8_t *p;

	if (b->failed)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return NULL;
		}
		b->data = d;
		b->cap = cap;
	}
	p = b->data + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

void ofbuf_put(struct ofbuf *b, const void *p, size_t n)
{
	uint8_t *d = ofbuf_put_zeros(b, n);

	if (d && n)
		memcpy(d, p, n);
}

void ofbuf_put8(struct ofbuf *b, uint8_t v)
{
	ofbuf_put(b, &v, 1);
}

void ofbuf_put16(struct ofbuf *b, uint16_t v)
{
	uint8_t *d = ofbuf_put_zeros(b, 2);

	if (d)
		of_put16(d, v);
}

void ofbuf_put32(struct ofbuf *b, uint32_t v)
{
	uint8_t *d = ofbuf_put_zeros(b, 4);

	if (d)
		of_put32(d, v);
}

void ofbuf_put64(struct ofbuf *b, uint64_t v)
{
	uint8_t *d = ofbuf_put_zeros(b, 8);

	if (d)
		of_put64(d, v);
}

void ofbuf_pad8(struct ofbuf *b, size_t start)
{
	size_t n = (b->len - start) % 8;

	if (n)
		ofbuf_put_zeros(b, 8 - n);
}

size_t ofbuf_start_msg(struct ofbuf *b, uint8_t type, uint32_t xid)
{
	size_t ofs = b->len;

	ofbuf_put8(b, OFP13_VERSION);
	ofbuf_put8(b, type);
	ofbuf_put16(b, 0);
	ofbuf_put32(b, xid);
	return ofs;
}

void ofbuf_end_msg(struct ofbuf *b, size_t ofs)
{
	if (!b->failed)
		of_put16(b->data + ofs + 2, (uint16_t)(b->len - ofs));
}

void ofbuf_pull(struct ofbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}
