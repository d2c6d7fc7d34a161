// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the journal reader (agent/daemon/journal.h): any
 * bytes as a journal file, and the same bytes as the records of one
 * committed batch (right count and checksum, so the record parsers are
 * reached). The reader must not crash; a corrupt file is reported as
 * "PATH:LINE: ..."; what it hands over are whole committed batches, so the
 * file cut at the end of the last of them reads back the same records with
 * no torn tail (aborts otherwise). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "agent/daemon/journal.h"

#define GEN 7 /* the seeds' header says "gen 7" */

static int count(void *ctx, const struct xs_journal_rec *rec, char *why, size_t why_size)
{
	(void)rec;
	(void)why;
	(void)why_size;
	++*(unsigned *)ctx;
	return 0;
}

static void die(const char *what, size_t size)
{
	fprintf(stderr, "journal reader: %s (%zu bytes)\n", what, size);
	abort();
}

/* Reads the file in @fd (@size bytes) and checks what came back. */
static void check_file(int fd, size_t size)
{
	struct xs_journal_scan scan, again;
	char path[64], why[512];
	unsigned n = 0, m = 0;
	int err;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	why[0] = '\0';
	err = xs_journal_replay(path, GEN, count, &n, &scan, why, sizeof(why));
	if (err == -EINVAL) {
		if (strncmp(why, path, strlen(path)) || why[strlen(path)] != ':')
			die("an error without PATH:LINE", size);
	} else if (err) {
		die("an error other than corruption", size);
	} else if (!scan.stale) {
		if (n != scan.records || scan.good_bytes > size ||
		    scan.torn_bytes != size - scan.good_bytes ||
		    (scan.torn_line == 0) != (scan.torn_bytes == 0))
			die("counts that do not add up", size);
		if (ftruncate(fd, (off_t)scan.good_bytes))
			die("ftruncate", size);
		if (xs_journal_replay(path, GEN, count, &m, &again, why, sizeof(why)) ||
		    m != n || again.batches != scan.batches || again.torn_line)
			die("the good prefix does not read back the same", size);
	}
}

static int file_of(const void *data, size_t size)
{
	int fd = memfd_create("journal", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		die("memfd", size);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "xdpswitch-journal 1 gen 7\n";
	char commit[48];
	unsigned lines = 0;
	char *whole;
	size_t len;
	int fd;

	fd = file_of(data, size);
	check_file(fd, size);
	close(fd);

	/* the bytes as one committed batch: up to the last newline */
	len = size;
	while (len && data[len - 1] != '\n')
		len--;
	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	snprintf(commit, sizeof(commit), "commit %u %08lx\n", lines,
		 crc32(crc32(0L, Z_NULL, 0), data, (uInt)len));
	whole = malloc(sizeof(head) - 1 + len + strlen(commit));
	if (!whole)
		die("malloc", size);
	memcpy(whole, head, sizeof(head) - 1);
	memcpy(whole + sizeof(head) - 1, data, len);
	memcpy(whole + sizeof(head) - 1 + len, commit, strlen(commit));
	len += sizeof(head) - 1 + strlen(commit);
	fd = file_of(whole, len);
	check_file(fd, len);
	close(fd);
	free(whole);
	return 0;
}
