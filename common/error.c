// SPDX-License-Identifier: Apache-2.0
/* Positioned error messages for parsers of outside input. */
#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int xs_err_set(struct xs_err *err, int col, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void xs_err_format(const struct xs_err *err, const char *file, char *buf, unsigned size)
{
	int n = 0;

	if (file)
		n = snprintf(buf, size, "%s:", file);
	if (err->line && n >= 0 && (unsigned)n < size)
		n += snprintf(buf + n, size - n, "%d:", err->line);
	if (err->col && n >= 0 && (unsigned)n < size)
		n += snprintf(buf + n, size - n, "%d:", err->col);
	if (n >= 0 && (unsigned)n < size)
		snprintf(buf + n, size - n, "%s%s", n ? " " : "", err->msg);
}
