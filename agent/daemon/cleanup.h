/* `xdpswitch agent --cleanup` when the pinned maps or the state file cannot
 * be adopted: a best-effort teardown that loads and adopts nothing.
 *
 * What belongs to the bridge. Our programs are recognised by name (the XDP
 * program xs_xdp, alone or as every component of a libxdp dispatcher; the
 * TC filter xs_tc at XS_TC_HANDLE/XS_TC_PRIORITY). A program is the
 * bridge's when it uses a map pinned in the bridge's pin directory (map
 * ids compared), so interfaces the state file does not name are found too.
 * A port named in the state file (read whole if it parses, else its "port"
 * lines alone) loses a program named like ours unless that program uses a
 * map pinned for another bridge. Anything else is left alone and named.
 *
 * Then every file in the pin directory is removed, the directory too, and
 * the saved state (snapshot and journal). Each removal and each failure is
 * logged. */
#ifndef XS_DAEMON_CLEANUP_H
#define XS_DAEMON_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/daemon/agent.h"

#define XS_PIN_ROOT "/sys/fs/bpf/xdpswitch" /* one directory per bridge */
#define XS_CLEANUP_XDP_NAME "xs_xdp"        /* bpf/xdpswitch.bpf.c */
#define XS_CLEANUP_TC_NAME "xs_tc"

/* The bridge's pin directory (XS_PIN_ROOT/BRIDGE) into @buf. Returns 0 or
 * -ENAMETOOLONG. */
int xs_cleanup_pin_dir(const char *bridge, char *buf, size_t size);

/* Is anything of @a's bridge left to clean up: its pin directory, its
 * snapshot or its journal? */
bool xs_cleanup_needed(const struct xs_agent *a);

/* The fallback teardown described above for @a's bridge (a->bridge,
 * a->state_path); the caller holds the bridge lock. Logs what it removed
 * and what it could not. Returns 0 when nothing of the bridge is left
 * (no program of ours on the interfaces it identified, no pin directory,
 * no state file), -EBUSY when something could not be removed. */
int xs_cleanup_fallback(struct xs_agent *a);

#endif
