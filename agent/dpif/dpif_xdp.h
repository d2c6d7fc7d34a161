// SPDX-License-Identifier: Apache-2.0
/* The XDP/TC provider's extras beyond the datapath interface, for tools
 * and tests that bring their own xs_dp or reach its maps. */
#ifndef XS_AGENT_DPIF_XDP_H
#define XS_AGENT_DPIF_XDP_H

#include <stdbool.h>

#include "agent/dpif/dpif.h"

struct xs_dp;

/* A provider over @dp, already open (tests, tools); the provider owns it
 * from now on and close() frees it, and removes @pin_dir's maps unless
 * kept (NULL: nothing pinned). Without @attach its port_add attaches no
 * program (tx is still probed): for tests that bring frames in
 * themselves. 0, -EINVAL or -ENOMEM (@dp not taken). */
int xs_dpif_xdp_wrap(struct xs_dp *dp, const char *pin_dir, bool attach, struct xs_dpif **out);

/* The datapath library under @dpif, or NULL if it is not an XDP provider. */
struct xs_dp *xs_dpif_xdp_dp(struct xs_dpif *dpif);

#endif
