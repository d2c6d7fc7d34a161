// SPDX-License-Identifier: Apache-2.0
/* Crash-safe file replacement: temporary file, fsync, rename, directory
 * fsync. */
#include "agent/daemon/durable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int xs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int xs_sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, err = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int xs_file_replace(const char *path, const void *data, size_t len, int *fd_out,
		    char *why, size_t why_size)
{
	char tmp[4096];
	int fd, err;

	if (fd_out)
		*fd_out = -1;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(why, why_size, "path too long: %s", path);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		snprintf(why, why_size, "writing %s: %s", tmp, strerror(-err));
		return err;
	}
	err = xs_write_all(fd, data, len);
	if (!err && fsync(fd))
		err = -errno;
	if (!fd_out && close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		snprintf(why, why_size, "writing %s: %s", tmp, strerror(-err));
		if (fd_out)
			close(fd);
		unlink(tmp);
		return err;
	}
	if (fd_out)
		*fd_out = fd;
	err = xs_sync_dir(path);
	if (err) {
		snprintf(why, why_size, "syncing the directory of %s: %s", path, strerror(-err));
		if (fd_out) {
			close(*fd_out);
			*fd_out = -1;
		}
	}
	return err;
}
