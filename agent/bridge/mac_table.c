// SPDX-License-Identifier: Apache-2.0
/* The MAC learning table of NORMAL: a hash of (VLAN, MAC) plus a use-order
 * list for eviction and aging. Contract in mac_table.h. */
#include "agent/bridge/mac_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t bucket_of(const struct xs_mac_table *t, uint16_t vlan, const uint8_t mac[6])
{
	uint64_t k = (uint64_t)vlan << 48;

	for (int i = 0; i < 6; i++)
		k |= (uint64_t)mac[i] << (8 * (5 - i));
	k *= 0x9e3779b97f4a7c15ull;
	return (size_t)(k >> 32) & (t->n_buckets - 1);
}

int xs_mac_table_init(struct xs_mac_table *t, size_t max_entries, unsigned aging_s)
{
	memset(t, 0, sizeof(*t));
	if (!max_entries || max_entries > XS_MAC_MAX_SIZE || !aging_s ||
	    aging_s > XS_MAC_MAX_AGING_S)
		return -EINVAL;
	t->n_buckets = 64;
	while (t->n_buckets < max_entries)
		t->n_buckets *= 2;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->max_entries = max_entries;
	t->aging_ms = aging_s * 1000ull;
	return 0;
}

void xs_mac_table_destroy(struct xs_mac_table *t)
{
	struct xs_mac_entry *e = t->oldest;

	while (e) {
		struct xs_mac_entry *next = e->next;

		free(e);
		e = next;
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static struct xs_mac_entry *find(const struct xs_mac_table *t, uint16_t vlan,
				 const uint8_t mac[6])
{
	struct xs_mac_entry *e = t->buckets ? t->buckets[bucket_of(t, vlan, mac)] : NULL;

	while (e && (e->vlan != vlan || memcmp(e->mac, mac, 6)))
		e = e->hnext;
	return e;
}

static void unlink_use(struct xs_mac_table *t, struct xs_mac_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		t->oldest = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->newest = e->prev;
	e->prev = e->next = NULL;
}

static void append_use(struct xs_mac_table *t, struct xs_mac_entry *e)
{
	e->prev = t->newest;
	e->next = NULL;
	if (t->newest)
		t->newest->next = e;
	else
		t->oldest = e;
	t->newest = e;
}

/* Keeps the use list ordered when a time moves forward: from the back,
 * since refreshed entries are the newest or close to it. */
static void reposition(struct xs_mac_table *t, struct xs_mac_entry *e)
{
	struct xs_mac_entry *after;

	unlink_use(t, e);
	after = t->newest;
	while (after && after->used_ms > e->used_ms)
		after = after->prev;
	if (!after) {
		e->next = t->oldest;
		if (t->oldest)
			t->oldest->prev = e;
		else
			t->newest = e;
		t->oldest = e;
		return;
	}
	e->prev = after;
	e->next = after->next;
	if (after->next)
		after->next->prev = e;
	else
		t->newest = e;
	after->next = e;
}

static void remove_entry(struct xs_mac_table *t, struct xs_mac_entry *e)
{
	struct xs_mac_entry **pp = &t->buckets[bucket_of(t, e->vlan, e->mac)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	unlink_use(t, e);
	free(e);
	t->n--;
	t->changes++;
}

int xs_mac_learn(struct xs_mac_table *t, uint16_t vlan, const uint8_t mac[6], uint32_t ofport,
		 uint64_t now_ms)
{
	struct xs_mac_entry *e = find(t, vlan, mac);
	size_t b;

	if (e) {
		int ret = XS_MAC_REFRESHED;

		if (e->ofport != ofport) {
			e->ofport = ofport;
			t->changes++;
			ret = XS_MAC_MOVED;
		}
		if (now_ms > e->used_ms) {
			e->used_ms = now_ms;
			reposition(t, e);
		}
		return ret;
	}
	if (t->n >= t->max_entries) {
		remove_entry(t, t->oldest);
		t->evicted++;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	memcpy(e->mac, mac, 6);
	e->vlan = vlan;
	e->ofport = ofport;
	e->used_ms = now_ms;
	b = bucket_of(t, vlan, mac);
	e->hnext = t->buckets[b];
	t->buckets[b] = e;
	append_use(t, e);
	if (t->oldest != e && e->prev && e->prev->used_ms > now_ms)
		reposition(t, e);
	t->n++;
	t->changes++;
	return XS_MAC_NEW;
}

const struct xs_mac_entry *xs_mac_lookup(const struct xs_mac_table *t, uint16_t vlan,
					 const uint8_t mac[6])
{
	return find(t, vlan, mac);
}

bool xs_mac_touch(struct xs_mac_table *t, uint16_t vlan, const uint8_t mac[6], uint32_t ofport,
		  uint64_t used_ms)
{
	struct xs_mac_entry *e = find(t, vlan, mac);

	if (!e || e->ofport != ofport)
		return false;
	if (used_ms > e->used_ms) {
		e->used_ms = used_ms;
		reposition(t, e);
	}
	return true;
}

size_t xs_mac_age(struct xs_mac_table *t, uint64_t now_ms)
{
	size_t n = 0;

	while (t->oldest && now_ms >= t->oldest->used_ms &&
	       now_ms - t->oldest->used_ms >= t->aging_ms) {
		remove_entry(t, t->oldest);
		n++;
	}
	t->aged += n;
	return n;
}

size_t xs_mac_flush(struct xs_mac_table *t, uint32_t ofport)
{
	struct xs_mac_entry *e = t->oldest;
	size_t n = 0;

	while (e) {
		struct xs_mac_entry *next = e->next;

		if (!ofport || e->ofport == ofport) {
			remove_entry(t, e);
			n++;
		}
		e = next;
	}
	return n;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct xs_mac_entry *x = *(const struct xs_mac_entry *const *)a;
	const struct xs_mac_entry *y = *(const struct xs_mac_entry *const *)b;

	if (x->ofport != y->ofport)
		return x->ofport < y->ofport ? -1 : 1;
	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

long xs_mac_collect(const struct xs_mac_table *t, const struct xs_mac_entry ***out)
{
	const struct xs_mac_entry **v = malloc((t->n ? t->n : 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (const struct xs_mac_entry *e = t->oldest; e; e = e->next)
		v[n++] = e;
	qsort(v, n, sizeof(*v), cmp_entry);
	*out = v;
	return (long)n;
}
