// SPDX-License-Identifier: Apache-2.0
/* The controller descriptor table (see ctl_desc.h). */
#include "agent/pipeline/ctl_desc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ctl_descs *ctl_descs_new(void)
{
	struct ctl_descs *t = calloc(1, sizeof(*t));
	struct ctl_desc d = { .max_len = UINT16_MAX, .reason = OFP_REASON_ACTION };

	if (!t)
		return NULL;
	if (ctl_desc_intern(t, &d) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

void ctl_descs_free(struct ctl_descs *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

void ctl_desc_of(const struct ofpact *a, struct ctl_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->max_len = a->controller.max_len;
	d->reason = a->controller.reason;
	d->id = a->controller.id;
	d->userdata_len = a->controller.userdata_len;
	memcpy(d->userdata, a->controller.userdata, d->userdata_len);
}

static bool same(const struct ctl_desc *a, const struct ctl_desc *b)
{
	return a->max_len == b->max_len && a->reason == b->reason && a->id == b->id &&
	       a->userdata_len == b->userdata_len &&
	       !memcmp(a->userdata, b->userdata, a->userdata_len);
}

int ctl_desc_intern(struct ctl_descs *t, const struct ctl_desc *d)
{
	/* A linear search: controller actions with distinct options are few,
	 * and this runs once per translation that reaches one. */
	for (size_t i = 0; i < t->n; i++)
		if (same(&t->v[i], d))
			return (int)i;
	if (t->n == CTL_DESC_MAX)
		return -ENOSPC;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct ctl_desc *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = *d;
	return (int)t->n++;
}

const struct ctl_desc *ctl_desc_get(const struct ctl_descs *t, uint16_t idx)
{
	return t && idx < t->n ? &t->v[idx] : NULL;
}
