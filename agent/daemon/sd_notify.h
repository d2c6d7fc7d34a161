// SPDX-License-Identifier: Apache-2.0
/* systemd's service notification protocol (sd_notify(3)), without
 * libsystemd: one datagram to the socket named by $NOTIFY_SOCKET, which
 * systemd sets for a Type=notify unit. Outside systemd it does nothing. */
#ifndef XS_DAEMON_SD_NOTIFY_H
#define XS_DAEMON_SD_NOTIFY_H

/* Sends @state ("READY=1", "RELOADING=1\nMONOTONIC_USEC=...",
 * "STOPPING=1", "STATUS=..."). Returns 1 if sent, 0 if there is no
 * $NOTIFY_SOCKET, or -errno. */
int xs_sd_notify(const char *state);

/* "RELOADING=1" with the MONOTONIC_USEC systemd asks for. */
int xs_sd_notify_reloading(void);

#endif
