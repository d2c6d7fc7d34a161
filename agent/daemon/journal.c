// SPDX-License-Identifier: Apache-2.0
/* The agent's journal (journal.h): records queued in a batch, appended with
 * one write and one fdatasync, and read back batch by batch with torn
 * tails ignored and corruption reported by line. */
#include "agent/daemon/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>

#include "agent/daemon/durable.h"

#define MAGIC "xdpswitch-journal"
#define MAX_JOURNAL (1ull << 30) /* bytes; compaction keeps it far smaller */

/* --- writing ------------------------------------------------------------- */

void xs_journal_init(struct xs_journal *j)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

void xs_journal_discard(struct xs_journal *j)
{
	j->batch_len = 0;
	j->n_records = 0;
	j->err = 0;
}

void xs_journal_close(struct xs_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->batch);
	xs_journal_init(j);
}

/* Room for @extra more bytes (and a NUL) in the batch; 0 or -ENOMEM. */
static int reserve(struct xs_journal *j, size_t extra)
{
	size_t cap = j->batch_cap ? j->batch_cap : 4096;
	char *p;

	if (j->err)
		return j->err;
	while (cap < j->batch_len + extra + 1)
		cap *= 2;
	if (cap == j->batch_cap)
		return 0;
	p = realloc(j->batch, cap);
	if (!p)
		return j->err = -ENOMEM;
	j->batch = p;
	j->batch_cap = cap;
	return 0;
}

/* Appends one record line, printf-style. */
static int put(struct xs_journal *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int put(struct xs_journal *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(j, (size_t)n))
		return j->err = -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(j->batch + j->batch_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	j->batch_len += (size_t)n;
	return 0;
}

/* A formatter with snprintf's contract (returns the length it needed). */
typedef int (*format_fn)(const struct ofp_flow *flow, char *buf, size_t size);

/* Appends "PREFIX" + the flow as @fmt formats it + "\n". */
static int put_flow(struct xs_journal *j, const char *prefix, format_fn fmt,
		    const struct ofp_flow *flow)
{
	size_t plen = strlen(prefix);
	int n = fmt(flow, NULL, 0);

	if (n == 0)
		plen--; /* "del" alone, not "del " */
	if (n < 0 || reserve(j, plen + (size_t)n + 1))
		return j->err = -ENOMEM;
	memcpy(j->batch + j->batch_len, prefix, plen);
	fmt(flow, j->batch + j->batch_len + plen, (size_t)n + 1);
	j->batch_len += plen + (size_t)n;
	j->batch[j->batch_len++] = '\n';
	j->n_records++;
	return 0;
}

/* A del-flows filter: the keys the DELETE parser takes, then priority and
 * match. The priority is written even when the delete is not strict (the
 * parser takes it and ignores it), so the record says what was given. */
static int format_filter(const struct ofp_flow *f, char *buf, size_t size)
{
	char head[128];
	int n = 0, m;

	head[0] = '\0';
	if (f->cookie_mask)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "cookie=%#" PRIx64 "/%#" PRIx64
			      ", ", f->cookie, f->cookie_mask);
	if (f->table_id != OFP_TABLE_ALL)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "table=%u, ", f->table_id);
	if (f->out_port != OFPP_NONE)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "out_port=%u, ", f->out_port);
	if (size)
		snprintf(buf, size, "%s", head);
	m = ofp_format_flow_match(f, (size_t)n < size ? buf + n : NULL,
				  (size_t)n < size ? size - (size_t)n : 0);
	if (m == 0 && n >= 2) {
		/* no match after the keys: drop the trailing ", " */
		n -= 2;
		if ((size_t)n < size)
			buf[n] = '\0';
	}
	return n + m;
}

int xs_journal_add(struct xs_journal *j, const struct ofp_flow *flow)
{
	return put_flow(j, "add ", ofp_format_flow, flow);
}

int xs_journal_del(struct xs_journal *j, const struct ofp_flow *filter, bool strict)
{
	return put_flow(j, strict ? "del strict " : "del ", format_filter, filter);
}

int xs_journal_mod(struct xs_journal *j, const struct ofp_flow *flow, bool strict)
{
	return put_flow(j, strict ? "mod strict " : "mod ", ofp_format_flow, flow);
}

int xs_journal_port(struct xs_journal *j, const char *name, uint32_t ofport, bool clsact)
{
	return xs_journal_port_vlan(j, name, ofport, clsact, "");
}

int xs_journal_port_vlan(struct xs_journal *j, const char *name, uint32_t ofport, bool clsact,
			 const char *vlan)
{
	struct xs_port_record r = { .ofport = ofport, .clsact = clsact };
	char text[sizeof(r) + 32];
	int err;

	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.vlan, sizeof(r.vlan), "%s", vlan);
	xs_port_record_format(&r, text, sizeof(text));
	err = put(j, "port %s\n", text);
	j->n_records += !err;
	return err;
}

int xs_journal_unport(struct xs_journal *j, const char *name)
{
	int err = put(j, "unport %s\n", name);

	j->n_records += !err;
	return err;
}

int xs_journal_wire(struct xs_journal *j, const struct ft_rule *rule, const struct wire_entry *e,
		    bool after_add)
{
	struct ofp_flow f;
	bool current = e->actions == rule->actions;
	int n = wire_entry_format(e, current, NULL, 0), m;

	if (after_add) {
		if (n < 0 || reserve(j, 5 + (size_t)n + 1))
			return j->err = -ENOMEM;
		memcpy(j->batch + j->batch_len, "wire ", 5);
		j->batch_len += 5;
		wire_entry_format(e, current, j->batch + j->batch_len, (size_t)n + 1);
		j->batch_len += (size_t)n;
		j->batch[j->batch_len++] = '\n';
		j->n_records++;
		return 0;
	}
	ft_rule_flow(rule, &f);
	f.cookie_mask = 0;
	f.out_port = OFPP_NONE;
	m = format_filter(&f, NULL, 0);
	if (n < 0 || m < 0 || reserve(j, 5 + (size_t)n + 1 + (size_t)m + 1))
		return j->err = -ENOMEM;
	memcpy(j->batch + j->batch_len, "wire ", 5);
	j->batch_len += 5;
	wire_entry_format(e, current, j->batch + j->batch_len, (size_t)n + 1);
	j->batch_len += (size_t)n;
	j->batch[j->batch_len++] = ' ';
	format_filter(&f, j->batch + j->batch_len, (size_t)m + 1);
	j->batch_len += (size_t)m;
	j->batch[j->batch_len++] = '\n';
	j->n_records++;
	return 0;
}

size_t xs_journal_pending(const struct xs_journal *j)
{
	return j->n_records ? j->batch_len + sizeof("commit 4294967295 ffffffff\n") - 1 : 0;
}

int xs_journal_create(struct xs_journal *j, const char *path, uint64_t gen,
		      char *why, size_t why_size)
{
	char head[64];
	int n, fd, err;

	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	n = snprintf(head, sizeof(head), "%s %d gen %" PRIu64 "\n", MAGIC, XS_JOURNAL_VERSION, gen);
	err = xs_file_replace(path, head, (size_t)n, &fd, why, why_size);
	if (err)
		return err;
	j->fd = fd;
	j->gen = gen;
	j->size = (uint64_t)n;
	return 0;
}

int xs_journal_commit(struct xs_journal *j, char *why, size_t why_size)
{
	int err = j->err;

	if (j->fd < 0) {
		snprintf(why, why_size, "the journal is not open");
		xs_journal_discard(j);
		return -EBADF;
	}
	if (!err && !j->n_records)
		return 0;
	if (!err) {
		uLong crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)j->batch, (uInt)j->batch_len);

		err = put(j, "commit %u %08lx\n", j->n_records, crc);
	}
	if (err) {
		snprintf(why, why_size, "out of memory for a journal record");
		goto fail;
	}
	err = xs_write_all(j->fd, j->batch, j->batch_len);
	if (!err && fdatasync(j->fd))
		err = -errno;
	if (err) {
		snprintf(why, why_size, "appending to the journal: %s", strerror(-err));
		/* Never leave a half batch that later batches would follow:
		 * a reader would take it for corruption. */
		if (ftruncate(j->fd, (off_t)j->size) == 0)
			fdatasync(j->fd);
		goto fail;
	}
	j->size += j->batch_len;
	xs_journal_discard(j);
	return 0;
fail:
	close(j->fd);
	j->fd = -1;
	xs_journal_discard(j);
	return err;
}

/* --- reading ------------------------------------------------------------- */

/* The whole file into a heap buffer (NUL added). */
static int slurp(const char *path, char **buf, size_t *len, char *why, size_t why_size)
{
	struct stat st;
	size_t got = 0;
	int fd, err = 0;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			snprintf(why, why_size, "%s: %s", path, strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
	} else if ((uint64_t)st.st_size > MAX_JOURNAL) {
		err = -EFBIG;
	} else {
		*buf = malloc((size_t)st.st_size + 1);
		if (!*buf)
			err = -ENOMEM;
	}
	while (!err && got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break; /* shrank under us: take what is there */
		}
		got += (size_t)n;
	}
	close(fd);
	if (err) {
		snprintf(why, why_size, "%s: %s", path, strerror(-err));
		free(*buf);
		*buf = NULL;
		return err;
	}
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

static int bad(char *why, size_t why_size, const char *path, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int bad(char *why, size_t why_size, const char *path, unsigned line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(why, why_size, "%s:%u: %s", path, line, msg);
	return -EINVAL;
}

/* Parses the flow after a record's keyword; @off is its column - 1. */
static int parse_flow_text(const char *path, unsigned line, const char *text, size_t off,
			   enum ofp_parse_mode mode, struct xs_journal_rec *rec,
			   char *why, size_t why_size)
{
	struct xs_err err;

	memset(&err, 0, sizeof(err));
	if (!ofp_parse_flow(text, mode, &rec->flow, &err))
		return 0;
	snprintf(why, why_size, "%s:%u:%zu: %s", path, line, err.col ? err.col + off : 0, err.msg);
	return -EINVAL;
}

/* "strict " after a del/mod keyword: skipped, *strict set. */
static size_t skip_strict(const char *s, bool *strict)
{
	*strict = !strncmp(s, "strict", 6) && (s[6] == ' ' || s[6] == '\0');
	return *strict ? (s[6] ? 7 : 6) : 0;
}

/* One record line (NUL-terminated, no newline) into *@rec. */
static int parse_record(const char *path, unsigned line, const char *s, struct xs_journal_rec *rec,
			char *why, size_t why_size)
{
	char name[64], extra[2];
	size_t off;

	memset(rec, 0, sizeof(*rec));
	ofp_flow_init(&rec->flow);
	rec->line = line;
	if (!strncmp(s, "add ", 4)) {
		rec->op = XS_JOURNAL_ADD;
		return parse_flow_text(path, line, s + 4, 4, OFP_PARSE_ADD, rec, why, why_size);
	}
	if (!strncmp(s, "mod ", 4)) {
		rec->op = XS_JOURNAL_MOD;
		off = 4 + skip_strict(s + 4, &rec->strict);
		return parse_flow_text(path, line, s + off, off, OFP_PARSE_MODIFY, rec, why, why_size);
	}
	if (!strcmp(s, "del") || !strncmp(s, "del ", 4)) {
		rec->op = XS_JOURNAL_DEL;
		off = s[3] ? 4 + skip_strict(s + 4, &rec->strict) : 3;
		return parse_flow_text(path, line, s + off, off, OFP_PARSE_DELETE, rec, why, why_size);
	}
	if (!strncmp(s, "port ", 5)) {
		struct xs_port_record pr;
		char msg[256];

		rec->op = XS_JOURNAL_PORT;
		if (xs_port_record_parse(s + 5, &pr, msg, sizeof(msg)))
			return bad(why, why_size, path, line, "%s", msg);
		snprintf(rec->port, sizeof(rec->port), "%s", pr.name);
		rec->ofport = pr.ofport;
		rec->clsact = pr.clsact;
		snprintf(rec->vlan, sizeof(rec->vlan), "%s", pr.vlan);
		return 0;
	}
	if (!strncmp(s, "unport ", 7)) {
		rec->op = XS_JOURNAL_UNPORT;
		if (sscanf(s + 7, "%63s%1s", name, extra) != 1 || strlen(name) >= IF_NAMESIZE)
			return bad(why, why_size, path, line, "expected 'unport NAME'");
		snprintf(rec->port, sizeof(rec->port), "%s", name);
		return 0;
	}
	if (!strncmp(s, "wire ", 5)) {
		char msg[256];
		size_t used;
		int err;

		rec->op = XS_JOURNAL_WIRE;
		err = wire_bytes_parse(s + 5, &rec->wire, &used, msg, sizeof(msg));
		if (err == -ENOMEM)
			return bad(why, why_size, path, line, "out of memory");
		if (err)
			return bad(why, why_size, path, line, "wire: %s", msg);
		if (!s[5 + used]) {
			rec->wire_after_add = true; /* the rule of the add before */
			return 0;
		}
		off = 5 + used + 1;
		return parse_flow_text(path, line, s + off, off, OFP_PARSE_DELETE, rec, why,
				       why_size);
	}
	return bad(why, why_size, path, line, "unknown record '%.*s'",
		   (int)strcspn(s, " "), s);
}

static void free_recs(struct xs_journal_rec *recs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		ofp_flow_free(&recs[i].flow);
		wire_bytes_free(&recs[i].wire);
	}
	free(recs);
}

/* The batch of @n record lines at buf[start..end) beginning at line
 * @first: all parsed, then all applied. */
static int apply_batch(const char *path, char *buf, size_t start, size_t end, unsigned first,
		       unsigned n, xs_journal_apply_fn apply, void *ctx, char *why, size_t why_size)
{
	struct xs_journal_rec *recs = calloc(n ? n : 1, sizeof(*recs));
	char sub[384];
	unsigned i = 0;
	int err = 0;

	if (!recs) {
		snprintf(why, why_size, "%s:%u: out of memory", path, first);
		return -ENOMEM;
	}
	for (size_t pos = start; pos < end && !err; i++) {
		char *nl = memchr(buf + pos, '\n', end - pos);

		*nl = '\0';
		err = parse_record(path, first + i, buf + pos, &recs[i], why, why_size);
		*nl = '\n';
		pos = (size_t)(nl - buf) + 1;
	}
	for (unsigned k = 0; k < n && !err; k++) {
		sub[0] = '\0';
		err = apply(ctx, &recs[k], sub, sizeof(sub));
		if (err)
			snprintf(why, why_size, "%s:%u: %s", path, recs[k].line,
				 sub[0] ? sub : strerror(-err));
	}
	free_recs(recs, i);
	return err;
}

/* Checks a commit line (NUL-terminated, no newline) against the batch:
 * exactly "commit COUNT CRC32" as the writer prints it. */
static int check_commit(const char *path, unsigned line, const char *s, const char *batch,
			size_t batch_len, unsigned n, unsigned first, char *why, size_t why_size)
{
	unsigned count;
	unsigned long crc, want;
	char again[40];

	if (sscanf(s, "commit %u %lx", &count, &crc) != 2 ||
	    (snprintf(again, sizeof(again), "commit %u %08lx", count, crc), strcmp(again, s)))
		return bad(why, why_size, path, line, "bad commit line (expected 'commit COUNT "
			   "CRC32')");
	if (count != n)
		return bad(why, why_size, path, line, "the commit line counts %u records, the "
			   "batch from line %u has %u", count, first, n);
	want = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)batch, (uInt)batch_len);
	if (crc != want)
		return bad(why, why_size, path, line, "the batch from line %u fails its checksum "
			   "(crc32 %08lx, the commit line says %08lx)", first, want, crc);
	return 0;
}

/* The header line (NUL-terminated), exactly as the writer prints it. */
static int parse_header(const char *s, uint64_t *gen)
{
	char again[64];
	int version;

	if (sscanf(s, MAGIC " %d gen %" SCNu64, &version, gen) != 2)
		return -EINVAL;
	snprintf(again, sizeof(again), "%s %d gen %" PRIu64, MAGIC, XS_JOURNAL_VERSION, *gen);
	return strcmp(again, s) ? -EINVAL : 0;
}

int xs_journal_replay(const char *path, uint64_t gen, xs_journal_apply_fn apply, void *ctx,
		      struct xs_journal_scan *scan, char *why, size_t why_size)
{
	size_t len = 0, pos, batch_start;
	unsigned line = 1, batch_line, n = 0;
	char *buf, *nl;
	uint64_t hgen;
	int err;

	memset(scan, 0, sizeof(*scan));
	err = slurp(path, &buf, &len, why, why_size);
	if (err)
		return err;
	nl = memchr(buf, '\n', len);
	if (nl)
		*nl = '\0';
	if (!nl || parse_header(buf, &hgen)) {
		free(buf);
		return bad(why, why_size, path, 1, "not an xdpswitch journal (expected '%s %d gen N')",
			   MAGIC, XS_JOURNAL_VERSION);
	}
	scan->gen = hgen;
	if (hgen != gen) {
		scan->stale = true;
		free(buf);
		return 0;
	}
	pos = batch_start = (size_t)(nl - buf) + 1;
	batch_line = 2;
	scan->good_bytes = pos;
	for (line = 2; pos < len && !err; line++) {
		size_t end;

		nl = memchr(buf + pos, '\n', len - pos);
		if (!nl)
			break; /* a partial last line: torn */
		end = (size_t)(nl - buf) + 1;
		if (strncmp(buf + pos, "commit", 6) || (buf[pos + 6] != ' ' && buf[pos + 6] != '\n')) {
			n++;
			pos = end;
			continue;
		}
		*nl = '\0';
		err = check_commit(path, line, buf + pos, buf + batch_start, pos - batch_start, n,
				   batch_line, why, why_size);
		*nl = '\n';
		if (err && end == len) {
			err = 0; /* the last batch, damaged by a crash while written */
			break;
		}
		if (!err)
			err = apply_batch(path, buf, batch_start, pos, batch_line, n, apply, ctx,
					  why, why_size);
		if (err)
			break;
		scan->batches++;
		scan->records += n;
		scan->good_bytes = end;
		batch_start = pos = end;
		batch_line = line + 1;
		n = 0;
	}
	if (!err && batch_start < len) {
		scan->torn_line = batch_line;
		scan->torn_bytes = len - batch_start;
	}
	free(buf);
	return err;
}
