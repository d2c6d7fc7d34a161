// SPDX-License-Identifier: Apache-2.0
/* Error reports for parsers of outside input: where (line, column) and what.
 * Functions return 0 or -errno (libbpf's sign); the text is only produced
 * where the error is reported. */
#ifndef XS_COMMON_ERROR_H
#define XS_COMMON_ERROR_H

struct xs_err {
	int line;      /* 1-based; 0 when not from a file */
	int col;       /* 1-based column of the offending text; 0 if unknown */
	char msg[256]; /* what is wrong, without position */
};

/* Sets col and a printf-style message; returns -EINVAL for convenience. */
int xs_err_set(struct xs_err *err, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats "FILE:LINE:COL: msg" (parts that are 0/NULL are left out). */
void xs_err_format(const struct xs_err *err, const char *file, char *buf, unsigned size);

#endif
