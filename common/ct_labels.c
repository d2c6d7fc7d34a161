// SPDX-License-Identifier: Apache-2.0
/* The datapaths' ct_label stores, found by map name (ct_labels.h). */
#include "common/ct_labels.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void xs_ct_label_maps_open(struct xs_ct_label_maps *m)
{
	uint32_t id = 0;

	m->n = 0;
	while (m->n < XS_CT_LABEL_MAX_MAPS && !bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, XS_MAP_CT_LABELS) &&
		    info.key_size == sizeof(struct xs_ct_label_key) &&
		    info.value_size == sizeof(struct xs_ct_label_val))
			m->fd[m->n++] = fd;
		else
			close(fd);
	}
}

void xs_ct_label_maps_close(struct xs_ct_label_maps *m)
{
	for (unsigned i = 0; i < m->n; i++)
		close(m->fd[i]);
	m->n = 0;
}

bool xs_ct_label_find(const struct xs_ct_label_maps *m, const struct xs_ct_label_key *k,
		      uint8_t label[16])
{
	struct xs_ct_label_val v;

	for (unsigned i = 0; i < m->n; i++)
		if (!bpf_map_lookup_elem(m->fd[i], k, &v)) {
			memcpy(label, v.label, 16);
			return true;
		}
	return false;
}

void xs_ct_label_str(const uint8_t label[16], char *buf, size_t size)
{
	size_t at;
	int i = 0;

	while (i < 15 && !label[i])
		i++;
	at = (size_t)snprintf(buf, size, "0x%x", label[i]);
	for (i++; i < 16 && at < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%02x", label[i]);
}
