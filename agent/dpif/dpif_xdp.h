/* The XDP/TC provider's extras beyond the datapath interface, for the
 * agent's port attach (which loads these programs onto interfaces) and for
 * tools and tests that reach the maps. */
#ifndef XS_AGENT_DPIF_XDP_H
#define XS_AGENT_DPIF_XDP_H

#include "agent/dpif/dpif.h"

struct xs_dp;

/* The XDP and TC programs to attach to the ports. -EINVAL if @dpif is not
 * an XDP provider. */
int xs_dpif_xdp_prog_fds(struct xs_dpif *dpif, int *xdp_fd, int *tc_fd);

/* A provider over @dp, already open (tests, tools); the provider owns it
 * from now on and close() frees it, and removes @pin_dir's maps unless
 * kept (NULL: nothing pinned). 0, -EINVAL or -ENOMEM (@dp not taken). */
int xs_dpif_xdp_wrap(struct xs_dp *dp, const char *pin_dir, struct xs_dpif **out);

/* The datapath library under @dpif, or NULL if it is not an XDP provider. */
struct xs_dp *xs_dpif_xdp_dp(struct xs_dpif *dpif);

#endif
