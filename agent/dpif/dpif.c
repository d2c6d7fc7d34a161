// SPDX-License-Identifier: Apache-2.0
/* The datapath providers by name (xdpswitch agent --datapath TYPE). */
#include "agent/dpif/dpif.h"

#include <string.h>
#include <unistd.h>

const struct xs_dpif_class *xs_dpif_class_by_type(const char *type)
{
	static const struct xs_dpif_class *const classes[] = { &xs_dpif_xdp, &xs_dpif_dummy };

	if (!type)
		return NULL;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcmp(classes[i]->type, type))
			return classes[i];
	return NULL;
}

uint32_t xs_dpif_default_miss_rate(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return XS_DPIF_DEFAULT_MISS_RATE_PER_CPU * (uint32_t)(n > 0 ? n : 1);
}
