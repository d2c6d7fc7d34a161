// SPDX-License-Identifier: Apache-2.0
/* Files that survive a crash whole: an atomic replace (temporary file,
 * fsync, rename, directory fsync) shared by the state snapshot and the
 * journal. Functions return 0 or -errno and print nothing. */
#ifndef XS_DAEMON_DURABLE_H
#define XS_DAEMON_DURABLE_H

#include <stddef.h>

/* Writes all of @data to @fd (retrying short writes and EINTR). Returns 0
 * or -errno. */
int xs_write_all(int fd, const void *data, size_t len);

/* fsync of the directory that holds @path, so a rename there is durable.
 * Returns 0 or -errno. */
int xs_sync_dir(const char *path);

/* Makes @path hold exactly @data, atomically: a reader (or a restart after
 * a crash) sees the old file or the new one, whole. Writes PATH.tmp (mode
 * 0600), fsyncs it, renames it over @path and fsyncs the directory. With
 * @fd_out non-NULL the file stays open for writing, offset at its end, in
 * *@fd_out. Returns 0, or -errno with @why set ("writing PATH.tmp: ...",
 * "syncing the directory of PATH: ..."); unless the directory sync failed,
 * @path is then untouched and the temporary file removed. */
int xs_file_replace(const char *path, const void *data, size_t len, int *fd_out,
		    char *why, size_t why_size);

#endif
